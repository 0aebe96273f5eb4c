/* ossp-hsm-perso.c — build, parse and explain OSPD personalisation blobs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "ossp-error.h"
#include "ossp-p256.h"
#include "ossp-chip-certificate.h"
#include "ossp-hsm-perso.h"

struct _OsspHsmPerso
{
  GObject  parent_instance;
  GArray  *entries;   /* OsspHsmPersoEntry */
};

G_DEFINE_FINAL_TYPE (OsspHsmPerso, ossp_hsm_perso, G_TYPE_OBJECT)

static void
ossp_hsm_perso_finalize (GObject *object)
{
  OsspHsmPerso *self = OSSP_HSM_PERSO (object);

  g_array_unref (self->entries);
  G_OBJECT_CLASS (ossp_hsm_perso_parent_class)->finalize (object);
}

static void
ossp_hsm_perso_class_init (OsspHsmPersoClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ossp_hsm_perso_finalize;
}

static void
ossp_hsm_perso_init (OsspHsmPerso *self)
{
  self->entries = g_array_new (FALSE, TRUE, sizeof (OsspHsmPersoEntry));
}

OsspHsmPerso *
ossp_hsm_perso_new (void)
{
  return g_object_new (OSSP_TYPE_HSM_PERSO, NULL);
}

/* Shared by the builder and the parser, so both enforce the same rules. */
static gboolean
add_entry_full (OsspHsmPerso  *self,
                const char    *product_id,
                const guint8   root_pubkey[64],
                guint32        flags,
                guint32        reserved,
                GError       **error)
{
  OsspHsmPersoEntry entry = { { 0 } };
  g_autofree char *upper = NULL;

  if (!ossp_chip_certificate_parse_product_id (product_id, NULL, NULL, NULL, error))
    return FALSE;
  upper = g_ascii_strup (product_id, -1);
  if (self->entries->len >= OSSP_HSM_PERSO_MAX_ENTRIES)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "A personalisation holds at most %d product ids; %s is one too many",
                   OSSP_HSM_PERSO_MAX_ENTRIES, upper);
      return FALSE;
    }
  if (ossp_hsm_perso_lookup (self, upper) != NULL)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "Product id %s is listed twice; each product id has one root key", upper);
      return FALSE;
    }
  if (!ossp_p256_check_public (root_pubkey))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "The root key for product id %s is not a P-256 public key", upper);
      return FALSE;
    }
  memcpy (entry.product_id, upper, OSSP_PRODUCT_ID_LEN);
  memcpy (entry.root_pubkey, root_pubkey, 64);
  entry.flags = flags;
  entry.reserved = reserved;
  g_array_append_val (self->entries, entry);
  return TRUE;
}

gboolean
ossp_hsm_perso_add_entry (OsspHsmPerso  *self,
                          const char    *product_id,
                          const guint8   root_pubkey[64],
                          guint32        flags,
                          GError       **error)
{
  g_return_val_if_fail (OSSP_IS_HSM_PERSO (self), FALSE);
  return add_entry_full (self, product_id, root_pubkey, flags, 0, error);
}

OsspHsmPerso *
ossp_hsm_perso_parse (const guint8  *data,
                      gsize          len,
                      GError       **error)
{
  g_autoptr(OsspHsmPerso) self = NULL;
  guint version, count;

  if (data == NULL || len < OSSP_HSM_PERSO_HEADER_SIZE || memcmp (data, OSSP_HSM_PERSO_MAGIC, 4) != 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "Not an OpenSSP HSM personalisation: it does not start with \"OSPD\" "
                   "(ST's encrypted .enc.bin files only load into a real ST HSM)");
      return NULL;
    }
  version = ((guint) data[4] << 8) | data[5];
  count = ((guint) data[6] << 8) | data[7];
  if (version != OSSP_HSM_PERSO_VERSION)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_VERSION,
                   "Personalisation format version %u is not supported (this OpenSSP reads version 1)",
                   version);
      return NULL;
    }
  if (count == 0 || count > OSSP_HSM_PERSO_MAX_ENTRIES)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "Personalisation lists %u product ids; it must list 1 to %d", count,
                   OSSP_HSM_PERSO_MAX_ENTRIES);
      return NULL;
    }
  if (len != OSSP_HSM_PERSO_HEADER_SIZE + (gsize) count * OSSP_HSM_PERSO_ENTRY_SIZE)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "Personalisation has %" G_GSIZE_FORMAT " bytes; with %u entries it must have %u",
                   len, count, OSSP_HSM_PERSO_HEADER_SIZE + count * OSSP_HSM_PERSO_ENTRY_SIZE);
      return NULL;
    }
  self = ossp_hsm_perso_new ();
  for (guint i = 0; i < count; i++)
    {
      const guint8 *e = data + OSSP_HSM_PERSO_HEADER_SIZE + i * OSSP_HSM_PERSO_ENTRY_SIZE;
      char id[OSSP_PRODUCT_ID_LEN + 1];
      g_autoptr(GError) local_error = NULL;

      memcpy (id, e, OSSP_PRODUCT_ID_LEN);
      id[OSSP_PRODUCT_ID_LEN] = 0;
      if (strlen (id) != OSSP_PRODUCT_ID_LEN ||
          !add_entry_full (self, id, e + 8, ossp_read_be32 (e + 72), ossp_read_be32 (e + 76),
                           &local_error))
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA, "Personalisation entry %u: %s",
                       i + 1, local_error ? local_error->message : "product id contains a NUL byte");
          return NULL;
        }
    }
  return g_steal_pointer (&self);
}

OsspHsmPerso *
ossp_hsm_perso_load (const char  *path,
                     GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  gsize len = 0;
  g_autofree guint8 *data = ossp_file_read (path, OSSP_HSM_PERSO_MAX_SIZE + 1, &len, error);
  OsspHsmPerso *self;

  if (data == NULL)
    return NULL;
  self = ossp_hsm_perso_parse (data, len, &local_error);
  if (self == NULL)
    {
      g_set_error (error, OSSP_ERROR, local_error->code, "%s: %s", path, local_error->message);
      return NULL;
    }
  return self;
}

guint
ossp_hsm_perso_get_n_entries (OsspHsmPerso *self)
{
  g_return_val_if_fail (OSSP_IS_HSM_PERSO (self), 0);
  return self->entries->len;
}

const OsspHsmPersoEntry *
ossp_hsm_perso_get_entry (OsspHsmPerso *self,
                          guint         index)
{
  g_return_val_if_fail (OSSP_IS_HSM_PERSO (self), NULL);
  if (index >= self->entries->len)
    return NULL;
  return &g_array_index (self->entries, OsspHsmPersoEntry, index);
}

const OsspHsmPersoEntry *
ossp_hsm_perso_lookup (OsspHsmPerso *self,
                       const char   *product_id)
{
  g_return_val_if_fail (OSSP_IS_HSM_PERSO (self), NULL);
  for (guint i = 0; i < self->entries->len; i++)
    {
      const OsspHsmPersoEntry *e = &g_array_index (self->entries, OsspHsmPersoEntry, i);
      if (memcmp (e->product_id, product_id, OSSP_PRODUCT_ID_LEN) == 0)
        return e;
    }
  return NULL;
}

GStrv
ossp_hsm_perso_get_product_ids (OsspHsmPerso *self)
{
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();

  g_return_val_if_fail (OSSP_IS_HSM_PERSO (self), NULL);
  for (guint i = 0; i < self->entries->len; i++)
    g_strv_builder_add (b, g_array_index (self->entries, OsspHsmPersoEntry, i).product_id);
  return g_strv_builder_end (b);
}

gboolean
ossp_hsm_perso_has_same_products (OsspHsmPerso       *self,
                                  const char * const *product_ids)
{
  guint n = product_ids ? g_strv_length ((char **) product_ids) : 0;

  g_return_val_if_fail (OSSP_IS_HSM_PERSO (self), FALSE);
  if (n != self->entries->len)
    return FALSE;
  for (guint i = 0; i < n; i++)
    if (strlen (product_ids[i]) != OSSP_PRODUCT_ID_LEN || ossp_hsm_perso_lookup (self, product_ids[i]) == NULL)
      return FALSE;
  return TRUE;
}

gboolean
ossp_hsm_perso_matches_card (OsspHsmPerso        *self,
                             const char * const  *card_product_ids,
                             OsspHsmPersoKeyFunc  get_key,
                             gpointer             user_data,
                             const char          *serial,
                             GError             **error)
{
  g_return_val_if_fail (OSSP_IS_HSM_PERSO (self), FALSE);
  if (ossp_hsm_perso_has_same_products (self, card_product_ids))
    {
      gboolean same = TRUE;
      for (guint i = 0; same && i < self->entries->len; i++)
        {
          const OsspHsmPersoEntry *e = &g_array_index (self->entries, OsspHsmPersoEntry, i);
          guint8 kid = 0, pub[64];
          ossp_chip_certificate_parse_product_id (e->product_id, NULL, NULL, &kid, NULL);
          same = get_key (kid, pub, user_data) && memcmp (pub, e->root_pubkey, 64) == 0;
        }
      if (same)
        return TRUE;
    }
  g_set_error (error, OSSP_ERROR, OSSP_ERROR_STATE,
               "The HSM %s already holds another personalisation (an earlier provisioning stopped "
               "before LOCK); it can only be finished with that same personalisation file",
               serial ? serial : "");
  return FALSE;
}

GBytes *
ossp_hsm_perso_to_bytes (OsspHsmPerso  *self,
                         GError       **error)
{
  guint n;
  guint8 *out;

  g_return_val_if_fail (OSSP_IS_HSM_PERSO (self), NULL);
  n = self->entries->len;
  if (n == 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "A personalisation needs at least one product id (--product ID --root-pubkey KEY)");
      return NULL;
    }
  out = g_malloc0 (OSSP_HSM_PERSO_HEADER_SIZE + n * OSSP_HSM_PERSO_ENTRY_SIZE);
  memcpy (out, OSSP_HSM_PERSO_MAGIC, 4);
  out[4] = OSSP_HSM_PERSO_VERSION >> 8;
  out[5] = OSSP_HSM_PERSO_VERSION & 0xff;
  out[6] = (guint8) (n >> 8);
  out[7] = (guint8) n;
  for (guint i = 0; i < n; i++)
    {
      const OsspHsmPersoEntry *e = &g_array_index (self->entries, OsspHsmPersoEntry, i);
      guint8 *p = out + OSSP_HSM_PERSO_HEADER_SIZE + i * OSSP_HSM_PERSO_ENTRY_SIZE;
      memcpy (p, e->product_id, OSSP_PRODUCT_ID_LEN);
      memcpy (p + 8, e->root_pubkey, 64);
      ossp_write_be32 (p + 72, e->flags);
      ossp_write_be32 (p + 76, e->reserved);
    }
  return g_bytes_new_take (out, OSSP_HSM_PERSO_HEADER_SIZE + n * OSSP_HSM_PERSO_ENTRY_SIZE);
}

gboolean
ossp_hsm_perso_save (OsspHsmPerso    *self,
                     const char      *path,
                     OsspWriteFlags   flags,
                     GError         **error)
{
  g_autoptr(GBytes) bytes = ossp_hsm_perso_to_bytes (self, error);
  gsize len = 0;
  const guint8 *data;

  if (bytes == NULL)
    return FALSE;
  data = g_bytes_get_data (bytes, &len);
  return ossp_file_write_atomic (path, data, len, flags, error);
}

char *
ossp_hsm_perso_describe (OsspHsmPerso *self)
{
  GString *s = g_string_new (NULL);

  g_return_val_if_fail (OSSP_IS_HSM_PERSO (self), NULL);
  for (guint i = 0; i < self->entries->len; i++)
    {
      const OsspHsmPersoEntry *e = &g_array_index (self->entries, OsspHsmPersoEntry, i);
      g_autofree char *what = ossp_chip_certificate_describe_product_id (e->product_id);
      g_autofree char *key = ossp_hex_encode (e->root_pubkey, 8);
      g_string_append_printf (s, "%s  %s; root key %s…%s\n", e->product_id, what, key,
                              (e->flags & OSSP_HSM_PERSO_FLAG_ALLOW_LIVE) ? "; live licenses (SSPL) allowed" : "");
    }
  return g_string_free (s, FALSE);
}

char *
ossp_hsm_perso_product_id_from_st_name (const char *path)
{
  g_autofree char *base = g_path_get_basename (path);
  g_auto(GStrv) parts = NULL;

  /* STM32MP1_<productid8>_SSP_<ver8>_<8 zeros>.enc.bin (hsm.md §1) */
  if (!g_str_has_suffix (base, ".enc.bin"))
    return NULL;
  parts = g_strsplit (base, "_", -1);
  if (g_strv_length (parts) < 3 || !g_str_has_prefix (parts[0], "STM32") ||
      !g_str_equal (parts[2], "SSP") ||
      !ossp_chip_certificate_parse_product_id (parts[1], NULL, NULL, NULL, NULL))
    return NULL;
  return g_ascii_strup (parts[1], -1);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

char *
ossp_hsm_perso_find_for_product (const char  *dir,
                                 const char  *product_id,
                                 GError     **error)
{
  g_autoptr(GDir) d = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) st_files = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *wanted = NULL;
  const char *name;

  if (!ossp_chip_certificate_parse_product_id (product_id, NULL, NULL, NULL, error))
    return NULL;
  wanted = g_ascii_strup (product_id, -1);
  d = g_dir_open (dir, 0, NULL);
  if (d == NULL)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_NOT_FOUND, "Folder %s cannot be read", dir);
      return NULL;
    }
  while ((name = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (dir, names->pdata[i], NULL);
      g_autofree char *st_id = ossp_hsm_perso_product_id_from_st_name (path);
      g_autoptr(OsspHsmPerso) perso = NULL;

      if (st_id != NULL)
        {
          if (g_str_equal (st_id, wanted))
            g_ptr_array_add (st_files, g_strdup (names->pdata[i]));
          continue;
        }
      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
        continue;
      perso = ossp_hsm_perso_load (path, NULL);
      if (perso != NULL && ossp_hsm_perso_lookup (perso, wanted) != NULL)
        return g_steal_pointer (&path);
    }
  if (st_files->len > 0)
    g_set_error (error, OSSP_ERROR, OSSP_ERROR_UNSUPPORTED,
                 "%s has ST's personalisation %s for product id %s, which only a real ST HSM can "
                 "load; the OpenSSP soft-HSM needs an OSPD file (make one with 'openssp hsm perso')",
                 dir, (const char *) st_files->pdata[0], wanted);
  else
    g_set_error (error, OSSP_ERROR, OSSP_ERROR_NOT_FOUND,
                 "No personalisation in %s serves product id %s; make one with "
                 "'openssp hsm perso --product %s --root-pubkey KEY --out FILE'", dir, wanted, wanted);
  return NULL;
}
