/* ossp-keys.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gnutls/crypto.h>

#include "ossp-error.h"
#include "ossp-keys.h"

struct _OsspKeys
{
  GObject        parent_instance;
  OsspKeysLayout layout;
  GPtrArray     *pairs;   /* OsspKeyPair */
};

G_DEFINE_FINAL_TYPE (OsspKeys, ossp_keys, G_TYPE_OBJECT)

static void
ossp_keys_finalize (GObject *object)
{
  OsspKeys *self = OSSP_KEYS (object);

  g_clear_pointer (&self->pairs, g_ptr_array_unref);
  G_OBJECT_CLASS (ossp_keys_parent_class)->finalize (object);
}

static void
ossp_keys_class_init (OsspKeysClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ossp_keys_finalize;
}

static void
ossp_keys_init (OsspKeys *self)
{
  self->pairs = g_ptr_array_new_with_free_func (g_object_unref);
}

static gboolean
check_count (OsspKeysLayout   layout,
             guint            n_keys,
             GError         **error)
{
  if (layout != OSSP_KEYS_LAYOUT_SINGLE && layout != OSSP_KEYS_LAYOUT_NUMBERED)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT, "Unknown key-set layout %d",
                   (int) layout);
      return FALSE;
    }
  if (n_keys < 1 || n_keys > OSSP_KEYS_MAX ||
      (layout == OSSP_KEYS_LAYOUT_SINGLE && n_keys != 1))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   layout == OSSP_KEYS_LAYOUT_SINGLE
                   ? "A single-key set (publicKey.pem) holds exactly 1 key, not %u"
                   : "A key set holds 1 to 8 keys, not %u", n_keys);
      return FALSE;
    }
  return TRUE;
}

OsspKeys *
ossp_keys_generate (OsspKeysLayout   layout,
                    OsspCurve        curve,
                    guint            n_keys,
                    GCancellable    *cancellable,
                    GError         **error)
{
  g_autoptr(OsspKeys) self = NULL;

  if (!check_count (layout, n_keys, error) || !ossp_curve_check_supported (curve, error))
    return NULL;
  self = g_object_new (OSSP_TYPE_KEYS, NULL);
  self->layout = layout;
  for (guint i = 0; i < n_keys; i++)
    {
      OsspKeyPair *kp;
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          /* report in our own domain so the CLI maps it to an exit code */
          g_clear_error (error);
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_CANCELLED, "Key generation was cancelled");
          return NULL;
        }
      kp = ossp_key_pair_generate (curve, error);
      if (kp == NULL)
        return NULL;
      g_ptr_array_add (self->pairs, kp);
    }
  return g_steal_pointer (&self);
}

OsspKeys *
ossp_keys_generate_for_chip (OsspChip      *chip,
                             OsspCurve      curve,
                             guint          n_keys,
                             GCancellable  *cancellable,
                             GError       **error)
{
  guint max = ossp_chip_get_auth_key_count (chip);
  gboolean table = ossp_chip_uses_pkh_table (chip);

  if (ossp_chip_lookup_curve (chip, ossp_curve_get_name (curve)) == NULL)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "%s does not accept %s keys", ossp_chip_get_name (chip), ossp_curve_get_name (curve));
      return NULL;
    }
  if (n_keys == 0)
    n_keys = max;
  if (n_keys > max)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "%s authenticates with %u key%s; %u were asked for",
                   ossp_chip_get_name (chip), max, max > 1 ? "s" : "", n_keys);
      return NULL;
    }
  return ossp_keys_generate (table ? OSSP_KEYS_LAYOUT_NUMBERED : OSSP_KEYS_LAYOUT_SINGLE,
                             curve, n_keys, cancellable, error);
}

OsspKeys *
ossp_keys_new_from_pairs (OsspKeysLayout   layout,
                          OsspKeyPair    **pairs,
                          guint            n_keys,
                          GError         **error)
{
  OsspKeys *self;

  if (!check_count (layout, n_keys, error))
    return NULL;
  self = g_object_new (OSSP_TYPE_KEYS, NULL);
  self->layout = layout;
  for (guint i = 0; i < n_keys; i++)
    g_ptr_array_add (self->pairs, g_object_ref (pairs[i]));
  return self;
}

OsspKeysLayout
ossp_keys_get_layout (OsspKeys *self)
{
  g_return_val_if_fail (OSSP_IS_KEYS (self), OSSP_KEYS_LAYOUT_SINGLE);
  return self->layout;
}

guint
ossp_keys_get_n_keys (OsspKeys *self)
{
  g_return_val_if_fail (OSSP_IS_KEYS (self), 0);
  return self->pairs->len;
}

OsspKeyPair *
ossp_keys_get_key (OsspKeys *self,
                   guint     index)
{
  g_return_val_if_fail (OSSP_IS_KEYS (self), NULL);
  g_return_val_if_fail (index < self->pairs->len, NULL);
  return g_ptr_array_index (self->pairs, index);
}

void
ossp_keys_get_pkh (OsspKeys *self,
                   guint     index,
                   guint8    out[32])
{
  g_return_if_fail (OSSP_IS_KEYS (self));
  g_return_if_fail (index < self->pairs->len);
  /* docs/keys.md "PKH form": the numbered files feed the v2 header table */
  ossp_key_pair_get_pkh (g_ptr_array_index (self->pairs, index),
                         self->layout == OSSP_KEYS_LAYOUT_NUMBERED, out);
}

gboolean
ossp_keys_get_pkhth (OsspKeys *self,
                     guint8    out[32])
{
  guint8 table[OSSP_KEYS_MAX * 32];

  g_return_val_if_fail (OSSP_IS_KEYS (self), FALSE);
  if (self->layout != OSSP_KEYS_LAYOUT_NUMBERED)
    return FALSE;
  for (guint i = 0; i < self->pairs->len; i++)
    ossp_keys_get_pkh (self, i, table + 32 * i);
  ossp_pkh_table_hash (table, self->pairs->len, out);
  return TRUE;
}

void
ossp_keys_get_otp_hash (OsspKeys *self,
                        guint8    out[32])
{
  if (!ossp_keys_get_pkhth (self, out))
    ossp_keys_get_pkh (self, 0, out);
}

char *
ossp_keys_get_file_name (OsspKeys     *self,
                         OsspKeysFile  kind,
                         guint         index)
{
  gboolean single;

  g_return_val_if_fail (OSSP_IS_KEYS (self), NULL);
  single = self->layout == OSSP_KEYS_LAYOUT_SINGLE;
  /* exactly KeyGen_CLI's spellings (keys.md §2): note "hash" vs "Hash" */
  switch (kind)
    {
    case OSSP_KEYS_FILE_PRIVATE:
      return single ? g_strdup ("privateKey.pem") : g_strdup_printf ("privateKey%02u.pem", index);
    case OSSP_KEYS_FILE_PUBLIC:
      return single ? g_strdup ("publicKey.pem") : g_strdup_printf ("publicKey%02u.pem", index);
    case OSSP_KEYS_FILE_PKH:
      return single ? g_strdup ("publicKeyhash.bin") : g_strdup_printf ("publicKeyHash%02u.bin", index);
    case OSSP_KEYS_FILE_PKHTH:
      return single ? NULL : g_strdup ("publicKeysHashHashes.bin");
    default:
      g_return_val_if_reached (NULL);
    }
}

static void
add_path (GPtrArray    *paths,
          OsspKeys     *self,
          const char   *dir,
          OsspKeysFile  kind,
          guint         index)
{
  g_autofree char *name = ossp_keys_get_file_name (self, kind, index);
  if (name != NULL)
    g_ptr_array_add (paths, g_build_filename (dir, name, NULL));
}

GPtrArray *
ossp_keys_list_paths (OsspKeys   *self,
                      const char *dir)
{
  GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);

  g_return_val_if_fail (OSSP_IS_KEYS (self), paths);
  for (guint i = 0; i < self->pairs->len; i++)
    {
      add_path (paths, self, dir, OSSP_KEYS_FILE_PRIVATE, i);
      add_path (paths, self, dir, OSSP_KEYS_FILE_PUBLIC, i);
      add_path (paths, self, dir, OSSP_KEYS_FILE_PKH, i);
    }
  add_path (paths, self, dir, OSSP_KEYS_FILE_PKHTH, 0);
  return paths;
}

static gboolean
ensure_dir (const char  *dir,
            GError     **error)
{
  if (g_file_test (dir, G_FILE_TEST_IS_DIR))
    return TRUE;
  if (g_file_test (dir, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "Output folder %s exists but is not a folder", dir);
      return FALSE;
    }
  /* 0700: the folder is about to hold private keys */
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;
      g_set_error (error, OSSP_ERROR,
                   saved_errno == EACCES || saved_errno == EPERM || saved_errno == EROFS
                   ? OSSP_ERROR_PERMISSION : OSSP_ERROR_IO,
                   "Cannot create the output folder %s: %s", dir, g_strerror (saved_errno));
      return FALSE;
    }
  return TRUE;
}

gboolean
ossp_keys_save (OsspKeys            *self,
                const char          *dir,
                const char * const  *passwords,
                guint                n_passwords,
                OsspWriteFlags       flags,
                GError             **error)
{
  g_autoptr(GPtrArray) paths = NULL;
  g_autoptr(GPtrArray) written = g_ptr_array_new ();
  guint p = 0;

  g_return_val_if_fail (OSSP_IS_KEYS (self), FALSE);
  if (n_passwords != 1 && n_passwords != self->pairs->len)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "Give one password for all keys or one per key (%u); %u were given",
                   self->pairs->len, n_passwords);
      return FALSE;
    }
  for (guint i = 0; i < n_passwords; i++)
    if (passwords[i] == NULL || *passwords[i] == 0)
      {
        g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                     "Private keys are only written encrypted: password %u is empty", i + 1);
        return FALSE;
      }
  if (!ensure_dir (dir, error))
    return FALSE;

  /* all-or-nothing as far as we can: refuse before writing anything */
  paths = ossp_keys_list_paths (self, dir);
  for (guint i = 0; i < paths->len; i++)
    if (!ossp_file_check_writable (g_ptr_array_index (paths, i), flags, error))
      return FALSE;

  for (guint i = 0; i < self->pairs->len; i++)
    {
      OsspKeyPair *kp = g_ptr_array_index (self->pairs, i);
      const char *pw = passwords[n_passwords == 1 ? 0 : i];
      guint8 pkh[32];
      const char *priv = g_ptr_array_index (paths, p++);
      const char *pub = g_ptr_array_index (paths, p++);
      const char *hash = g_ptr_array_index (paths, p++);

      ossp_keys_get_pkh (self, i, pkh);
      if (!ossp_key_pair_save_private (kp, priv, pw, flags, error))
        goto rollback;
      g_ptr_array_add (written, (gpointer) priv);
      if (!ossp_key_pair_save_public (kp, pub, flags, error))
        goto rollback;
      g_ptr_array_add (written, (gpointer) pub);
      if (!ossp_file_write_atomic (hash, pkh, sizeof pkh, flags, error))
        goto rollback;
      g_ptr_array_add (written, (gpointer) hash);
    }
  if (self->layout == OSSP_KEYS_LAYOUT_NUMBERED)
    {
      guint8 pkhth[32];
      ossp_keys_get_pkhth (self, pkhth);
      if (!ossp_file_write_atomic (g_ptr_array_index (paths, p), pkhth, sizeof pkhth, flags, error))
        goto rollback;
    }
  return TRUE;

rollback:
  /* a half-written set is worse than none: a later run would mix keys.
   * (Files replaced under OVERWRITE cannot be brought back.) */
  for (guint i = 0; i < written->len; i++)
    g_unlink (g_ptr_array_index (written, i));
  return FALSE;
}

gboolean
ossp_random_write_file (const char      *path,
                        gsize            n_bytes,
                        gboolean         nonce,
                        OsspWriteFlags   flags,
                        GError         **error)
{
  g_autoptr(OsspSecret) secret = NULL;
  int ret;

  if (n_bytes == 0 || n_bytes > 1024 * 1024)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "Random byte count must be 1 to 1048576, not %" G_GSIZE_FORMAT, n_bytes);
      return FALSE;
    }
  if (nonce && n_bytes != 16)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "An SSP nonce is 16 bytes (12 random + 4 zero), not %" G_GSIZE_FORMAT, n_bytes);
      return FALSE;
    }
  if (!ossp_file_check_writable (path, flags, error))
    return FALSE;
  secret = ossp_secret_new (n_bytes);
  ret = gnutls_rnd (GNUTLS_RND_KEY, secret->data, n_bytes);
  if (ret < 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_CRYPTO, "The random generator failed: %s",
                   gnutls_strerror (ret));
      return FALSE;
    }
  if (nonce)
    memset (secret->data + 12, 0, 4);
  return ossp_file_write_atomic (path, secret->data, secret->len, flags | OSSP_WRITE_FLAGS_SECRET,
                                 error);
}
