/* ossp-payload.c — build, parse and decrypt the SSP payload / `.ssp` file
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>

#include "ossp-error.h"
#include "ossp-backup-list.h"
#include "ossp-key-pair.h"
#include "ossp-otp-secret.h"
#include "ossp-payload.h"
#include "ossp-payload-gcm.h"

/* payload.md §2.1 (MP15) and §2.2 (MP13); AAD per ssp-flow.md §7.3 */
static const OsspPayloadLayout layout_mp15 = { 244, 0x08, 64, 0x48, 0x4C, 0x5C, 76 };
static const OsspPayloadLayout layout_mp13 = { 212, 0x08, 32, 0x28, 0x2C, 0x3C, 44 };

/* payload.md §5.1 / §5.2 (ours) */
#define MP1_SECRET_FILE_MAX (OSSP_PAYLOAD_SECRETS_MAX - 4)

typedef struct {
  OsspSecret *data;     /* the OSBK file, plaintext */
  guint32     base;
  guint       kind;
} Backup;

struct _OsspPayload
{
  GObject                  parent_instance;

  OsspChip                *chip;
  const OsspPayloadLayout *layout;   /* NULL on MP2 */

  /* inputs */
  OsspSecret              *key;
  OsspSecret              *nonce;
  guint8                   oem_key[64];
  gsize                    oem_key_len;  /* 64 (MP15 pubkey), 32 (MP13 PKHTH), 0 unset */
  guint32                  rma;
  gboolean                 have_rma;
  OsspSecret              *secret;
  GPtrArray               *backups;      /* Backup*, at most one per kind */
  guint32                  fsbl_min_version;
  GPtrArray               *warnings;

  /* container, after build or parse */
  GBytes                  *container;
  guint32                  flags;
  GArray                  *sections;     /* OsspPayloadSection */

  /* after decrypt */
  GPtrArray               *plaintexts;   /* OsspSecret*, one per section */
  GPtrArray               *plan;         /* OsspPayloadPlanItem* */
  OsspOtpSecret           *otp;          /* the decrypted OTP secrets */
  GPtrArray               *burn_plan;    /* OsspOtpBurnStep*, from the OTP model */
};

G_DEFINE_FINAL_TYPE (OsspPayload, ossp_payload, G_TYPE_OBJECT)

static void
backup_free (gpointer data)
{
  Backup *b = data;
  ossp_secret_free (b->data);
  g_free (b);
}

static void
plan_item_free (gpointer data)
{
  OsspPayloadPlanItem *item = data;
  g_free (item->name);
  g_free (item->note);
  if (item->data)
    ossp_secure_free (item->data, item->len);
  ossp_secure_wipe (&item->value, sizeof item->value);
  g_free (item);
}

static void
secret_free0 (gpointer data)
{
  ossp_secret_free (data);
}

static void
ossp_payload_finalize (GObject *object)
{
  OsspPayload *self = OSSP_PAYLOAD (object);

  ossp_payload_wipe_plaintext (self);
  g_clear_pointer (&self->plaintexts, g_ptr_array_unref);
  g_clear_pointer (&self->plan, g_ptr_array_unref);
  g_clear_pointer (&self->key, ossp_secret_free);
  g_clear_pointer (&self->nonce, ossp_secret_free);
  g_clear_pointer (&self->secret, ossp_secret_free);
  ossp_secure_wipe (&self->rma, sizeof self->rma);
  g_clear_pointer (&self->backups, g_ptr_array_unref);
  g_clear_pointer (&self->warnings, g_ptr_array_unref);
  g_clear_pointer (&self->container, g_bytes_unref);
  g_clear_pointer (&self->sections, g_array_unref);
  g_clear_object (&self->chip);
  G_OBJECT_CLASS (ossp_payload_parent_class)->finalize (object);
}

static void
ossp_payload_class_init (OsspPayloadClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ossp_payload_finalize;
}

static void
ossp_payload_init (OsspPayload *self)
{
  self->backups = g_ptr_array_new_with_free_func (backup_free);
  self->warnings = g_ptr_array_new_with_free_func (g_free);
  self->sections = g_array_new (FALSE, TRUE, sizeof (OsspPayloadSection));
  self->plaintexts = g_ptr_array_new_with_free_func (secret_free0);
  self->plan = g_ptr_array_new_with_free_func (plan_item_free);
}

static gboolean
chip_is_mp1 (OsspPayload *self)
{
  return self->layout != NULL;
}

const OsspPayloadLayout *
ossp_payload_layout_for_chip (OsspChip *chip)
{
  if (!ossp_chip_is_mp1 (chip))
    return NULL;
  /* MP13 swaps the 64-byte public key for the 32-byte table hash (§2.2) */
  return ossp_chip_uses_pkh_table (chip) ? &layout_mp13 : &layout_mp15;
}

OsspPayload *
ossp_payload_new (OsspChip *chip)
{
  OsspPayload *self;

  g_return_val_if_fail (OSSP_IS_CHIP (chip), NULL);
  self = g_object_new (OSSP_TYPE_PAYLOAD, NULL);
  self->chip = g_object_ref (chip);
  self->layout = ossp_payload_layout_for_chip (chip);
  return self;
}

OsspChip *
ossp_payload_get_chip (OsspPayload *self)
{
  return self->chip;
}

const OsspPayloadLayout *
ossp_payload_get_layout (OsspPayload *self)
{
  return self->layout;
}

GPtrArray *
ossp_payload_get_warnings (OsspPayload *self)
{
  return self->warnings;
}

static void
add_warning (OsspPayload *self, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
add_warning (OsspPayload *self, const char *format, ...)
{
  va_list args;
  char *msg;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  for (guint i = 0; i < self->warnings->len; i++)
    if (g_str_equal (g_ptr_array_index (self->warnings, i), msg))
      {
        g_free (msg);
        return;
      }
  g_ptr_array_add (self->warnings, msg);
}

/* A setter's input invalidates anything built before. */
static void
inputs_changed (OsspPayload *self)
{
  ossp_payload_wipe_plaintext (self);
  g_clear_pointer (&self->container, g_bytes_unref);
  g_array_set_size (self->sections, 0);
}

/* Secrets in files readable by others are a leak waiting to happen: the
 * build still works, but the user is told. */
static void
check_file_mode (OsspPayload *self, const char *path, const char *what)
{
  GStatBuf st;

  if (g_stat (path, &st) == 0 && (st.st_mode & 077) != 0)
    add_warning (self, "%s %s is readable by group or others (mode %04o); "
                 "run 'chmod 600 %s'", what, path, (guint) (st.st_mode & 07777), path);
}

static OsspSecret *
read_input (OsspPayload *self,
            const char  *path,
            const char  *what,
            gboolean     secret,
            GError     **error)
{
  OsspSecret *data = ossp_secret_new_from_file (path, 0, error);

  if (data == NULL)
    {
      g_prefix_error (error, "%s: ", what);
      return NULL;
    }
  if (secret)
    check_file_mode (self, path, what);
  return data;
}

/* ---- key, nonce ---------------------------------------------------------- */

gboolean
ossp_payload_set_key (OsspPayload   *self,
                      const guint8  *key,
                      gsize          len,
                      GError       **error)
{
  if (len != OSSP_PAYLOAD_KEY_SIZE)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "The encryption key has %" G_GSIZE_FORMAT " bytes; it must be exactly 16 bytes "
                   "(AES-128). Make one with 'openssl rand -out enc_key.bin 16'", len);
      return FALSE;
    }
  g_clear_pointer (&self->key, ossp_secret_free);
  self->key = ossp_secret_new_from_data (key, len);
  /* key and nonce also serve to decrypt a file read from disk: keep it */
  ossp_payload_wipe_plaintext (self);
  return TRUE;
}

gboolean
ossp_payload_load_key (OsspPayload  *self,
                       const char   *path,
                       GError      **error)
{
  g_autoptr(OsspSecret) data = read_input (self, path, "Key file", TRUE, error);

  if (data == NULL)
    return FALSE;
  if (!ossp_payload_set_key (self, data->data, data->len, error))
    {
      g_prefix_error (error, "%s: ", path);
      return FALSE;
    }
  return TRUE;
}

gboolean
ossp_payload_set_nonce (OsspPayload   *self,
                        const guint8  *nonce,
                        gsize          len,
                        GError       **error)
{
  static const guint8 zero[4];

  if (len != OSSP_PAYLOAD_NONCE_FILE_SIZE)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "The nonce has %" G_GSIZE_FORMAT " bytes; the nonce file must be exactly 16 bytes "
                   "(12 random bytes followed by 00 00 00 00: only the first 96 bits are the "
                   "AES-GCM nonce)", len);
      return FALSE;
    }
  if (memcmp (nonce + 12, zero, 4) != 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "The nonce's last 4 bytes (12..15) are %02x %02x %02x %02x; they must be 00 00 00 00. "
                   "Only the first 12 bytes (96 bits) are the AES-GCM nonce, and the chip's ROM "
                   "rejects a nonce whose bytes 12..15 are not zero. Keep 12 random bytes and "
                   "zero the last 4", nonce[12], nonce[13], nonce[14], nonce[15]);
      return FALSE;
    }
  g_clear_pointer (&self->nonce, ossp_secret_free);
  self->nonce = ossp_secret_new_from_data (nonce, len);
  ossp_payload_wipe_plaintext (self);
  return TRUE;
}

gboolean
ossp_payload_load_nonce (OsspPayload  *self,
                         const char   *path,
                         GError      **error)
{
  g_autoptr(OsspSecret) data = read_input (self, path, "Nonce file", TRUE, error);

  if (data == NULL)
    return FALSE;
  if (!ossp_payload_set_nonce (self, data->data, data->len, error))
    {
      g_prefix_error (error, "%s: ", path);
      return FALSE;
    }
  return TRUE;
}

/* ---- OEM key material (MP1 header) ------------------------------------- */

static gboolean
check_chip_takes (OsspPayload *self,
                  gsize        key_len,
                  GError     **error)
{
  const char *chip = ossp_chip_get_name (self->chip);

  if (self->layout == NULL)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "%s carries its authentication key hashes in the OTP secret file "
                   "(PKHTH words %u..%u); do not give a public key or PKH-table hash to the payload",
                   chip, ossp_chip_get_pkh_first_word (self->chip),
                   ossp_chip_get_pkh_first_word (self->chip) + 7);
      return FALSE;
    }
  if (self->layout->key_size != key_len)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   self->layout->key_size == 64
                   ? "%s takes the OEM root public key (PEM), not a PKH-table hash"
                   : "%s takes the PKH-table hash (publicKeysHashHashes.bin, 32 bytes), not a public key",
                   chip);
      return FALSE;
    }
  return TRUE;
}

gboolean
ossp_payload_set_oem_public_key (OsspPayload   *self,
                                 const guint8   xy[64],
                                 const char    *curve,
                                 GError       **error)
{
  if (!check_chip_takes (self, 64, error))
    return FALSE;
  if (curve == NULL || ossp_chip_lookup_curve (self->chip, curve) == NULL)
    {
      g_autoptr(GString) list = g_string_new (NULL);
      for (guint i = 0; i < ossp_chip_get_n_curves (self->chip); i++)
        g_string_append_printf (list, "%s%s", i ? ", " : "", ossp_chip_get_curve (self->chip, i)->name);
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_UNSUPPORTED,
                   "The OEM public key is on curve %s, which %s does not support (it supports %s); "
                   "generate the OEM key pair on one of those",
                   curve ? curve : "(unknown)", ossp_chip_get_name (self->chip), list->str);
      return FALSE;
    }
  memcpy (self->oem_key, xy, 64);
  self->oem_key_len = 64;
  inputs_changed (self);
  return TRUE;
}

/* The keys area's loader checks the PEM, the curve and that the point is
 * on it; the payload only needs X‖Y and the curve name. */
gboolean
ossp_payload_load_oem_public_key (OsspPayload  *self,
                                  const char   *path,
                                  GError      **error)
{
  g_autoptr(OsspKeyPair) key = NULL;
  guint8 xy[64];

  if (!check_chip_takes (self, 64, error))
    return FALSE;
  key = ossp_key_pair_load_public (path, error);
  if (key == NULL)
    {
      g_prefix_error (error, "OEM public key: ");
      return FALSE;
    }
  ossp_key_pair_get_public_raw (key, xy);
  if (!ossp_payload_set_oem_public_key (self, xy, ossp_curve_get_name (ossp_key_pair_get_curve (key)),
                                        error))
    {
      g_prefix_error (error, "%s: ", path);
      return FALSE;
    }
  return TRUE;
}

gboolean
ossp_payload_set_pkhth (OsspPayload   *self,
                        const guint8  *hash,
                        gsize          len,
                        GError       **error)
{
  if (!check_chip_takes (self, 32, error))
    return FALSE;
  if (len != 32)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "The PKH-table hash has %" G_GSIZE_FORMAT " bytes; it must be exactly 32 bytes "
                   "(SHA-256, publicKeysHashHashes.bin from 'openssp keys')", len);
      return FALSE;
    }
  memcpy (self->oem_key, hash, 32);
  self->oem_key_len = 32;
  inputs_changed (self);
  return TRUE;
}

gboolean
ossp_payload_load_pkhth (OsspPayload  *self,
                         const char   *path,
                         GError      **error)
{
  g_autoptr(OsspSecret) data = NULL;

  if (!check_chip_takes (self, 32, error))
    return FALSE;
  data = read_input (self, path, "PKH-table hash", FALSE, error);
  if (data == NULL)
    return FALSE;
  if (!ossp_payload_set_pkhth (self, data->data, data->len, error))
    {
      g_prefix_error (error, "%s: ", path);
      return FALSE;
    }
  return TRUE;
}

/* ---- RMA, secrets, backups ------------------------------------------------ */

gboolean
ossp_payload_set_rma (OsspPayload  *self,
                      guint32       rma,
                      GError      **error)
{
  guint32 mask;

  if (!chip_is_mp1 (self))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "%s keeps its RMA password (128 bits) in the OTP secret file; "
                   "do not give --rma", ossp_chip_get_name (self->chip));
      return FALSE;
    }
  mask = ossp_chip_get_rma_mask (self->chip);
  if ((rma & ~mask) != 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "The RMA password 0x%08X does not fit the %u bits %s keeps in OTP word 56 "
                   "(mask 0x%08X); the chip would silently drop the upper bits. Use a value up to 0x%08X",
                   rma, (guint) g_bit_storage (mask), ossp_chip_get_name (self->chip), mask, mask);
      return FALSE;
    }
  self->rma = rma;
  self->have_rma = TRUE;
  inputs_changed (self);
  return TRUE;
}

/* The OTP area's model reads the secrets (MP1 plaintext or MP2 "OSOT")
 * and validates them against the chip: errors refuse, warnings are kept
 * for the user. */
static OsspOtpSecret *
load_otp (OsspPayload   *self,
          const guint8  *plain,
          gsize          len,
          GError       **error)
{
  g_autoptr(OsspOtpSecret) otp = ossp_otp_secret_new_from_plaintext (self->chip, plain, len, error);
  g_autoptr(GPtrArray) problems = NULL;

  if (otp == NULL)
    return NULL;
  problems = ossp_otp_secret_validate (otp);
  for (guint i = 0; i < problems->len; i++)
    {
      OsspOtpProblem *pb = g_ptr_array_index (problems, i);
      if (pb->severity == OSSP_OTP_SEVERITY_ERROR)
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_VALIDATION, "%s%s",
                       pb->message, ossp_otp_problems_count (problems, OSSP_OTP_SEVERITY_ERROR) > 1
                       ? " (and more: run 'openssp otp check')" : "");
          return NULL;
        }
      /* the RMA word is the payload's own input (--rma), with its own warning */
      if (chip_is_mp1 (self) && pb->word == ossp_chip_get_rma_word (self->chip))
        continue;
      add_warning (self, "%s", pb->message);
    }
  return g_steal_pointer (&otp);
}

/* MP1 plaintext (payload.md §3.2): LE32(rma) ‖ secret file */
static OsspSecret *
mp1_plaintext (OsspPayload *self)
{
  OsspSecret *plain = ossp_secret_new (4 + self->secret->len);

  ossp_write_le32 (plain->data, self->rma);
  if (self->secret->len)
    memcpy (plain->data + 4, self->secret->data, self->secret->len);
  return plain;
}

/* "OSBK" v1 (payload.md §5.2), parsed by the backup area's model; returns
 * the list (its entries hold wiped copies of the data). */
static OsspBackupList *
parse_osbk (OsspChip      *chip,
            const guint8  *data,
            gsize          len,
            guint         *out_kind,
            GError       **error)
{
  g_autoptr(GBytes) bytes = ossp_backup_secure_bytes_new (data, len);
  OsspBackupList *list = ossp_backup_list_new_from_bytes (chip, bytes, error);

  if (list != NULL)
    *out_kind = g_str_equal (ossp_backup_list_get_memory_kind (list), "tamp")
                ? OSSP_BACKUP_KIND_TAMP : OSSP_BACKUP_KIND_BKPSRAM;
  return list;
}

gboolean
ossp_payload_set_secret (OsspPayload   *self,
                         const guint8  *data,
                         gsize          len,
                         GError       **error)
{
  if (chip_is_mp1 (self))
    {
      g_autoptr(OsspSecret) plain = NULL;
      g_autoptr(OsspOtpSecret) otp = NULL;

      if (len > MP1_SECRET_FILE_MAX || len % 4 != 0)
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                       "The secret file has %" G_GSIZE_FORMAT " bytes; for %s it holds OTP words 59..95 "
                       "as little-endian 32-bit words: at most 148 bytes and a multiple of 4",
                       len, ossp_chip_get_name (self->chip));
          return FALSE;
        }
      /* the OTP model's checks now, so the user sees them with the file */
      plain = ossp_secret_new (4 + len);
      ossp_write_le32 (plain->data, self->rma);
      if (len)
        memcpy (plain->data + 4, data, len);
      otp = load_otp (self, plain->data, plain->len, error);
      if (otp == NULL)
        {
          g_prefix_error (error, "The secret file: ");
          return FALSE;
        }
    }
  else
    {
      g_autoptr(OsspOtpSecret) otp = load_otp (self, data, len, error);
      if (otp == NULL)
        {
          g_prefix_error (error, "The OTP secret file: ");
          return FALSE;
        }
    }
  g_clear_pointer (&self->secret, ossp_secret_free);
  self->secret = ossp_secret_new_from_data (data, len);
  inputs_changed (self);
  return TRUE;
}

gboolean
ossp_payload_load_secret (OsspPayload  *self,
                          const char   *path,
                          GError      **error)
{
  g_autoptr(OsspSecret) data = read_input (self, path, "Secret file", TRUE, error);

  if (data == NULL)
    return FALSE;
  if (!ossp_payload_set_secret (self, data->data, data->len, error))
    {
      g_prefix_error (error, "%s: ", path);
      return FALSE;
    }
  return TRUE;
}

gboolean
ossp_payload_add_backup (OsspPayload   *self,
                         const guint8  *data,
                         gsize          len,
                         guint32        base,
                         GError       **error)
{
  g_autoptr(OsspBackupList) list = NULL;
  const OsspBackupMemoryInfo *mem;
  guint kind = 0;
  Backup *b;

  if (ossp_chip_get_n_backup_memories (self->chip) == 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "%s has no backup memory that SSP writes; backup files are for STM32MP2",
                   ossp_chip_get_name (self->chip));
      return FALSE;
    }
  list = parse_osbk (self->chip, data, len, &kind, error);
  if (list == NULL)
    return FALSE;
  mem = ossp_chip_lookup_backup_base (self->chip, base);
  if (mem == NULL || !g_str_equal (mem->kind, kind == OSSP_BACKUP_KIND_TAMP ? "tamp" : "bkpsram"))
    {
      const OsspBackupMemoryInfo *want =
        ossp_chip_lookup_backup_memory (self->chip, kind == OSSP_BACKUP_KIND_TAMP ? "tamp" : "bkpsram");
      g_autoptr(GString) msg = g_string_new (NULL);
      g_string_append_printf (msg, "Base address 0x%08X does not match the backup file: the file is "
                              "for %s, whose base is ", base, want->name);
      for (guint i = 0; i < want->n_bases; i++)
        g_string_append_printf (msg, "%s0x%08X", i ? " or " : "", want->bases[i]);
      if (mem)
        g_string_append_printf (msg, "; 0x%08X is a base of %s", base, mem->name);
      g_set_error_literal (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT, msg->str);
      return FALSE;
    }
  for (guint i = 0; i < self->backups->len; i++)
    if (((Backup *) g_ptr_array_index (self->backups, i))->kind == kind)
      {
        g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                     "A backup file for %s is already given; merge the entries into one file "
                     "(one file per memory)", mem->name);
        return FALSE;
      }
  b = g_new0 (Backup, 1);
  b->data = ossp_secret_new_from_data (data, len);
  b->base = base;
  b->kind = kind;
  g_ptr_array_add (self->backups, b);
  inputs_changed (self);
  return TRUE;
}

gboolean
ossp_payload_load_backup (OsspPayload  *self,
                          const char   *path,
                          guint32       base,
                          GError      **error)
{
  g_autoptr(OsspSecret) data = read_input (self, path, "Backup file", TRUE, error);

  if (data == NULL)
    return FALSE;
  if (!ossp_payload_add_backup (self, data->data, data->len, base, error))
    {
      g_prefix_error (error, "%s: ", path);
      return FALSE;
    }
  return TRUE;
}

void
ossp_payload_clear_backups (OsspPayload *self)
{
  g_ptr_array_set_size (self->backups, 0);
  inputs_changed (self);
}

void
ossp_payload_set_fsbl_min_version (OsspPayload *self,
                                   guint32      version)
{
  self->fsbl_min_version = version;
  inputs_changed (self);
}

/* ---- parsing ----------------------------------------------------------- */

static OsspChip *
chip_for_dev_id (guint32 dev_id)
{
  const char * const *ids = ossp_chip_list_ids ();

  for (guint i = 0; ids[i]; i++)
    {
      g_autoptr(OsspChip) chip = ossp_chip_new (ids[i], NULL);
      if (chip && ossp_chip_get_dev_id (chip) == dev_id)
        return g_steal_pointer (&chip);
    }
  return NULL;
}

static gboolean
all_zero (const guint8 *p, gsize len)
{
  for (gsize i = 0; i < len; i++)
    if (p[i])
      return FALSE;
  return TRUE;
}

static void
sha256 (const guint8 *data, gsize len, guint8 out[32])
{
  gnutls_hash_fast (GNUTLS_DIG_SHA256, data, len, out);
}

static gboolean
parse_mp1_struct (OsspPayload        *self,
                  const guint8       *s,
                  GError            **error)
{
  const OsspPayloadLayout *l = self->layout;
  guint32 size;

  if (ossp_read_le32 (s) != OSSP_PAYLOAD_MAGIC)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "the chip payload does not start with \"SSPP\" (53 53 50 50)");
      return FALSE;
    }
  if (ossp_read_le32 (s + 4) != OSSP_PAYLOAD_PROTOCOL_VERSION)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_VERSION,
                   "chip payload protocol version %u is not known; the ROM accepts version 1",
                   ossp_read_le32 (s + 4));
      return FALSE;
    }
  size = ossp_read_le32 (s + l->secret_size_offset);
  /* OpenSSP only ever writes multiples of 4: the FSBL masks a partial
   * last word wrongly (ssp-flow.md §8.4) */
  if (size == 0 || size > OSSP_PAYLOAD_SECRETS_MAX || size % 4 != 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "the chip payload announces %u secret bytes; it must be a multiple of 4 in 4..152",
                   size);
      return FALSE;
    }
  /* bytes past the secrets are outside the GCM tag: demand zero so that a
   * changed byte anywhere is noticed */
  if (!all_zero (s + l->secrets_offset + size, OSSP_PAYLOAD_SECRETS_MAX - size))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "the chip payload has data after its %u secret bytes (must be zero)", size);
      return FALSE;
    }
  return TRUE;
}

static const char *
backup_kind_for_type (OsspPayloadSectionType type)
{
  return type == OSSP_PAYLOAD_SECTION_MP2_TAMP ? "tamp"
       : type == OSSP_PAYLOAD_SECTION_MP2_BKPSRAM ? "bkpsram" : NULL;
}

static gboolean
parse_container (OsspPayload  *self,
                 GBytes       *bytes,
                 GError      **error)
{
  gsize len;
  const guint8 *d = g_bytes_get_data (bytes, &len);
  guint32 dev_id, n, total, version, table_end, pos;
  guint8 digest[32];
  gboolean seen[5] = { FALSE };

  if (len < OSSP_PAYLOAD_HEADER_SIZE)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "file is truncated: %" G_GSIZE_FORMAT " bytes, an .ssp header alone has 64", len);
      return FALSE;
    }
  if (memcmp (d, OSSP_PAYLOAD_CONTAINER_MAGIC, 4) != 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "not an OpenSSP .ssp file (magic %02x %02x %02x %02x, expected \"OSSP\"); "
                   "files from ST's Trusted Package Creator use a closed layout OpenSSP cannot read",
                   d[0], d[1], d[2], d[3]);
      return FALSE;
    }
  version = ossp_read_le16 (d + 4);
  if (version != OSSP_PAYLOAD_CONTAINER_VERSION)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_VERSION,
                   ".ssp container format version %u is not known; this OpenSSP reads version %u "
                   "only (a newer OpenSSP may have written it)", version, OSSP_PAYLOAD_CONTAINER_VERSION);
      return FALSE;
    }
  if (ossp_read_le16 (d + 6) != OSSP_PAYLOAD_HEADER_SIZE)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "header size %u is wrong (version 1 headers have 64 bytes)", ossp_read_le16 (d + 6));
      return FALSE;
    }
  dev_id = ossp_read_le32 (d + 8);
  self->flags = ossp_read_le32 (d + 0x0C);
  n = ossp_read_le32 (d + 0x10);
  total = ossp_read_le32 (d + 0x14);
  self->fsbl_min_version = ossp_read_le32 (d + 0x18);
  if (total != len)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "file has %" G_GSIZE_FORMAT " bytes but its header says %u: %s", len, total,
                   len < total ? "it is truncated" : "it has extra bytes");
      return FALSE;
    }
  if (ossp_read_le32 (d + 0x1C) != 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA, "header reserved field is not zero");
      return FALSE;
    }
  sha256 (d + OSSP_PAYLOAD_HEADER_SIZE, len - OSSP_PAYLOAD_HEADER_SIZE, digest);
  if (memcmp (digest, d + 0x20, 32) != 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_VERIFY_FAILED,
                   "the container checksum (SHA-256 at 0x20) does not match its contents: the "
                   "file was damaged or changed after it was built");
      return FALSE;
    }
  if (self->chip == NULL || ossp_chip_get_dev_id (self->chip) != dev_id)
    {
      g_clear_object (&self->chip);
      self->chip = chip_for_dev_id (dev_id);
    }
  if (self->chip == NULL)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_UNSUPPORTED,
                   "the file targets DEV_ID 0x%03X, which is not a chip OpenSSP knows", dev_id);
      return FALSE;
    }
  self->layout = ossp_payload_layout_for_chip (self->chip);
  if (self->flags != (chip_is_mp1 (self) ? OSSP_PAYLOAD_FLAG_RMA_WORD : 0))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "header flags 0x%08X are not valid for %s", self->flags,
                   ossp_chip_get_name (self->chip));
      return FALSE;
    }
  if (n == 0 || n > 4 || (chip_is_mp1 (self) && n != 1))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "the file has %u sections; %s payloads have %s", n, ossp_chip_get_name (self->chip),
                   chip_is_mp1 (self) ? "exactly one" : "one to three");
      return FALSE;
    }
  table_end = OSSP_PAYLOAD_HEADER_SIZE + n * OSSP_PAYLOAD_TABLE_ENTRY_SIZE;
  if (table_end > total)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "file is truncated inside its section table");
      return FALSE;
    }

  g_array_set_size (self->sections, 0);
  pos = table_end;
  for (guint i = 0; i < n; i++)
    {
      const guint8 *e = d + OSSP_PAYLOAD_HEADER_SIZE + i * OSSP_PAYLOAD_TABLE_ENTRY_SIZE;
      OsspPayloadSection s = { 0 };
      const char *kind;

      s.index = i;
      s.type = ossp_read_le32 (e);
      s.offset = ossp_read_le32 (e + 4);
      s.length = ossp_read_le32 (e + 8);
      s.base = ossp_read_le32 (e + 12);
      kind = backup_kind_for_type (s.type);

      if (chip_is_mp1 (self) ? s.type != OSSP_PAYLOAD_SECTION_MP1_PAYLOAD
          : (s.type < OSSP_PAYLOAD_SECTION_MP2_OTP || s.type > OSSP_PAYLOAD_SECTION_MP2_BKPSRAM ||
             (i == 0) != (s.type == OSSP_PAYLOAD_SECTION_MP2_OTP) || seen[s.type]))
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                       "section %u has type %u, which does not belong in a %s payload", i, s.type,
                       ossp_chip_get_name (self->chip));
          return FALSE;
        }
      seen[s.type] = TRUE;
      if (s.offset % 4 || s.offset < pos || s.offset > total || s.length > total - s.offset)
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                       "section %u (offset %u, %u bytes) lies outside the file or overlaps another",
                       i, s.offset, s.length);
          return FALSE;
        }
      if (!all_zero (d + pos, s.offset - pos))
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                       "padding before section %u is not zero", i);
          return FALSE;
        }
      if (kind != NULL)
        {
          const OsspBackupMemoryInfo *mem = ossp_chip_lookup_backup_base (self->chip, s.base);
          if (mem == NULL || !g_str_equal (mem->kind, kind))
            {
              g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                           "section %u (%s) has base 0x%08X, which is not a %s base of %s", i,
                           ossp_payload_section_type_to_string (s.type), s.base, kind,
                           ossp_chip_get_name (self->chip));
              return FALSE;
            }
        }
      else if (s.base != 0)
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                       "section %u table entry: reserved field is not zero", i);
          return FALSE;
        }
      if (s.type == OSSP_PAYLOAD_SECTION_MP1_PAYLOAD)
        {
          if (s.length != self->layout->size)
            {
              g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                           "the %s chip payload must have %" G_GSIZE_FORMAT " bytes, the file has %u",
                           ossp_chip_get_name (self->chip), self->layout->size, s.length);
              return FALSE;
            }
          if (!parse_mp1_struct (self, d + s.offset, error))
            return FALSE;
        }
      else if (s.length <= OSSP_PAYLOAD_MP2_SECTION_HEADER ||
               ossp_read_le32 (d + s.offset) != s.length - OSSP_PAYLOAD_MP2_SECTION_HEADER)
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                       "section %u: its plaintext length does not match the section size", i);
          return FALSE;
        }
      sha256 (d + s.offset, s.length, s.sha256);
      g_array_append_val (self->sections, s);
      pos = s.offset + s.length;
    }
  if (!all_zero (d + pos, total - pos))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA, "trailing bytes after the last section are not zero");
      return FALSE;
    }
  g_clear_pointer (&self->container, g_bytes_unref);
  self->container = g_bytes_ref (bytes);
  return TRUE;
}

OsspPayload *
ossp_payload_new_from_bytes (GBytes  *container,
                             GError **error)
{
  g_autoptr(OsspPayload) self = g_object_new (OSSP_TYPE_PAYLOAD, NULL);

  if (!parse_container (self, container, error))
    return NULL;
  return g_steal_pointer (&self);
}

OsspPayload *
ossp_payload_new_from_file (const char  *path,
                            GError     **error)
{
  g_autoptr(GBytes) bytes = ossp_file_read_bytes (path, OSSP_PAYLOAD_MAX_FILE_SIZE, error);
  OsspPayload *self;

  if (bytes == NULL)
    return NULL;
  self = ossp_payload_new_from_bytes (bytes, error);
  if (self == NULL)
    g_prefix_error (error, "%s: ", path);
  return self;
}

GBytes *
ossp_payload_get_bytes (OsspPayload *self)
{
  return self->container;
}

guint32
ossp_payload_get_flags (OsspPayload *self)
{
  return self->flags;
}

guint32
ossp_payload_get_fsbl_min_version (OsspPayload *self)
{
  return self->fsbl_min_version;
}

const guint8 *
ossp_payload_get_sha256 (OsspPayload *self)
{
  if (self->container == NULL)
    return NULL;
  return (const guint8 *) g_bytes_get_data (self->container, NULL) + 0x20;
}

guint
ossp_payload_get_n_sections (OsspPayload *self)
{
  return self->sections->len;
}

const OsspPayloadSection *
ossp_payload_get_section (OsspPayload *self,
                          guint        index)
{
  g_return_val_if_fail (index < self->sections->len, NULL);
  return &g_array_index (self->sections, OsspPayloadSection, index);
}

const char *
ossp_payload_section_type_to_string (OsspPayloadSectionType type)
{
  switch (type)
    {
    case OSSP_PAYLOAD_SECTION_MP1_PAYLOAD: return "mp1-payload";
    case OSSP_PAYLOAD_SECTION_MP2_OTP: return "mp2-otp-secrets";
    case OSSP_PAYLOAD_SECTION_MP2_TAMP: return "mp2-backup-registers";
    case OSSP_PAYLOAD_SECTION_MP2_BKPSRAM: return "mp2-backup-sram";
    default: return "unknown";
    }
}

static const guint8 *
section_data (OsspPayload *self, guint index)
{
  const OsspPayloadSection *s = ossp_payload_get_section (self, index);
  return (const guint8 *) g_bytes_get_data (self->container, NULL) + s->offset;
}

const guint8 *
ossp_payload_get_oem_key_field (OsspPayload *self,
                                gsize       *len)
{
  if (self->container == NULL || !chip_is_mp1 (self))
    return NULL;
  if (len)
    *len = self->layout->key_size;
  return section_data (self, 0) + self->layout->key_offset;
}

/* MP15: SHA-256 of X‖Y; MP13: the table hash as it is (ssp-flow.md §8.2). */
gboolean
ossp_payload_get_pkh (OsspPayload *self,
                      guint8       out_hash[32])
{
  gsize len = 0;
  const guint8 *key = ossp_payload_get_oem_key_field (self, &len);

  if (key == NULL)
    return FALSE;
  if (len == 64)
    sha256 (key, 64, out_hash);
  else
    memcpy (out_hash, key, 32);
  return TRUE;
}

guint32
ossp_payload_get_secret_size (OsspPayload *self)
{
  if (self->container == NULL || !chip_is_mp1 (self))
    return 0;
  return ossp_read_le32 (section_data (self, 0) + self->layout->secret_size_offset);
}

GBytes *
ossp_payload_get_chip_blob (OsspPayload *self)
{
  const OsspPayloadSection *s;

  if (self->container == NULL)
    return NULL;
  if (!chip_is_mp1 (self))
    return g_bytes_ref (self->container);
  s = ossp_payload_get_section (self, 0);
  return g_bytes_new_from_bytes (self->container, s->offset, s->length);
}

/* ---- building --------------------------------------------------------- */

static void
mp2_section_nonce (OsspPayload *self, guint index, guint8 out[12])
{
  /* payload.md §5.3: nonce[0..7] ‖ LE32(section index) */
  memcpy (out, self->nonce->data, 8);
  ossp_write_le32 (out + 8, index);
}

static void
mp2_section_aad (const guint8 *container, guint index, guint8 out[48])
{
  /* payload.md §5.3: the 16-byte table entry ‖ header bytes 0x00..0x1F */
  memcpy (out, container + OSSP_PAYLOAD_HEADER_SIZE + index * OSSP_PAYLOAD_TABLE_ENTRY_SIZE,
          OSSP_PAYLOAD_TABLE_ENTRY_SIZE);
  memcpy (out + OSSP_PAYLOAD_TABLE_ENTRY_SIZE, container, OSSP_PAYLOAD_HEADER_AAD_SIZE);
}

static gboolean
check_ready (OsspPayload *self, GError **error)
{
  const char *missing = NULL;

  if (self->key == NULL)
    missing = "the encryption key (16-byte key file)";
  else if (self->nonce == NULL)
    missing = "the nonce (16-byte nonce file)";
  else if (self->secret == NULL)
    missing = chip_is_mp1 (self) ? "the secret file (OTP 59..95)" : "the OTP secret file (\"OSOT\")";
  else if (chip_is_mp1 (self) && self->oem_key_len == 0)
    missing = self->layout->key_size == 64 ? "the OEM root public key (publicKey.pem)"
                                          : "the PKH-table hash (publicKeysHashHashes.bin)";
  if (missing != NULL)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "Cannot build the %s payload without %s", ossp_chip_get_name (self->chip), missing);
      return FALSE;
    }
  return TRUE;
}

static gboolean
build_mp1_struct (OsspPayload *self, guint8 *s, GError **error)
{
  const OsspPayloadLayout *l = self->layout;
  g_autoptr(OsspSecret) plain = mp1_plaintext (self);
  gsize size = plain->len;
  guint8 nonce[12];

  memset (s, 0, l->size);
  ossp_write_le32 (s, OSSP_PAYLOAD_MAGIC);
  ossp_write_le32 (s + 4, OSSP_PAYLOAD_PROTOCOL_VERSION);
  memcpy (s + l->key_offset, self->oem_key, l->key_size);
  ossp_write_le32 (s + l->secret_size_offset, (guint32) size);
  memcpy (nonce, self->nonce->data, 12);
  return ossp_payload_gcm_encrypt (self->key->data, nonce, s, l->aad_size, plain->data, size,
                                   s + l->secrets_offset, s + l->tag_offset, error);
}

static gint
backup_cmp (gconstpointer a, gconstpointer b)
{
  return (gint) (*(Backup **) a)->kind - (gint) (*(Backup **) b)->kind;
}

GBytes *
ossp_payload_build (OsspPayload  *self,
                    GError      **error)
{
  g_autoptr(GPtrArray) plains = g_ptr_array_new ();   /* borrowed OsspSecret* */
  g_autoptr(GArray) types = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(GArray) bases = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(GBytes) bytes = NULL;
  g_autofree guint8 *buf = NULL;
  g_autoptr(OsspPayload) check = NULL;
  guint32 n, total, pos;
  guint32 offsets[4], lengths[4];

  if (!check_ready (self, error))
    return NULL;
  inputs_changed (self);

  if (chip_is_mp1 (self))
    {
      guint32 t = OSSP_PAYLOAD_SECTION_MP1_PAYLOAD, zero = 0;
      g_array_append_val (types, t);
      g_array_append_val (bases, zero);
      g_autoptr(OsspSecret) plain = mp1_plaintext (self);
      g_autoptr(OsspOtpSecret) otp = load_otp (self, plain->data, plain->len, error);
      if (otp == NULL)
        return NULL;
      lengths[0] = (guint32) self->layout->size;
      if (!self->have_rma)
        add_warning (self, "No RMA password given: OTP word 56 will be programmed as 0 and locked");
    }
  else
    {
      guint32 t = OSSP_PAYLOAD_SECTION_MP2_OTP, zero = 0;
      g_ptr_array_sort (self->backups, backup_cmp);
      g_array_append_val (types, t);
      g_array_append_val (bases, zero);
      g_ptr_array_add (plains, self->secret);
      for (guint i = 0; i < self->backups->len; i++)
        {
          Backup *b = g_ptr_array_index (self->backups, i);
          t = b->kind == OSSP_BACKUP_KIND_TAMP ? OSSP_PAYLOAD_SECTION_MP2_TAMP : OSSP_PAYLOAD_SECTION_MP2_BKPSRAM;
          g_array_append_val (types, t);
          g_array_append_val (bases, b->base);
          g_ptr_array_add (plains, b->data);
        }
      for (guint i = 0; i < plains->len; i++)
        lengths[i] = OSSP_PAYLOAD_MP2_SECTION_HEADER + ((OsspSecret *) g_ptr_array_index (plains, i))->len;
    }

  /* lay out first: the MP2 AAD covers the finished header */
  n = types->len;
  pos = OSSP_PAYLOAD_HEADER_SIZE + n * OSSP_PAYLOAD_TABLE_ENTRY_SIZE;
  for (guint i = 0; i < n; i++)
    {
      offsets[i] = pos;
      pos = (pos + lengths[i] + 3) & ~3u;
    }
  total = pos;
  buf = g_malloc0 (total);
  memcpy (buf, OSSP_PAYLOAD_CONTAINER_MAGIC, 4);
  ossp_write_le16 (buf + 4, OSSP_PAYLOAD_CONTAINER_VERSION);
  ossp_write_le16 (buf + 6, OSSP_PAYLOAD_HEADER_SIZE);
  ossp_write_le32 (buf + 8, ossp_chip_get_dev_id (self->chip));
  ossp_write_le32 (buf + 0x0C, chip_is_mp1 (self) ? OSSP_PAYLOAD_FLAG_RMA_WORD : 0);
  ossp_write_le32 (buf + 0x10, n);
  ossp_write_le32 (buf + 0x14, total);
  ossp_write_le32 (buf + 0x18, self->fsbl_min_version);
  for (guint i = 0; i < n; i++)
    {
      guint8 *e = buf + OSSP_PAYLOAD_HEADER_SIZE + i * OSSP_PAYLOAD_TABLE_ENTRY_SIZE;
      ossp_write_le32 (e, g_array_index (types, guint32, i));
      ossp_write_le32 (e + 4, offsets[i]);
      ossp_write_le32 (e + 8, lengths[i]);
      ossp_write_le32 (e + 12, g_array_index (bases, guint32, i));
    }

  if (chip_is_mp1 (self))
    {
      if (!build_mp1_struct (self, buf + offsets[0], error))
        return NULL;
    }
  else
    for (guint i = 0; i < n; i++)
      {
        OsspSecret *plain = g_ptr_array_index (plains, i);
        guint8 *sec = buf + offsets[i];
        guint8 nonce[12], aad[48];

        mp2_section_nonce (self, i, nonce);
        mp2_section_aad (buf, i, aad);
        ossp_write_le32 (sec, (guint32) plain->len);
        if (!ossp_payload_gcm_encrypt (self->key->data, nonce, aad, sizeof aad, plain->data, plain->len,
                                       sec + OSSP_PAYLOAD_MP2_SECTION_HEADER, sec + 4, error))
          return NULL;
      }
  sha256 (buf + OSSP_PAYLOAD_HEADER_SIZE, total - OSSP_PAYLOAD_HEADER_SIZE, buf + 0x20);
  bytes = g_bytes_new_take (g_steal_pointer (&buf), total);

  /* decrypt-verify what we made, with the reader's code path */
  check = ossp_payload_new_from_bytes (bytes, error);
  if (check == NULL)
    {
      g_prefix_error (error, "Internal error, the built payload does not parse: ");
      return NULL;
    }
  check->key = ossp_secret_new_from_data (self->key->data, self->key->len);
  check->nonce = ossp_secret_new_from_data (self->nonce->data, self->nonce->len);
  if (!ossp_payload_decrypt (check, error))
    {
      g_prefix_error (error, "Internal error, the built payload does not decrypt: ");
      return NULL;
    }
  ossp_payload_wipe_plaintext (check);

  if (!parse_container (self, bytes, error))
    return NULL;
  return g_bytes_ref (bytes);
}

gboolean
ossp_payload_save (OsspPayload     *self,
                   const char      *path,
                   OsspWriteFlags   flags,
                   GError         **error)
{
  gsize len;
  const guint8 *data;

  if (self->container == NULL)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT, "Nothing built yet");
      return FALSE;
    }
  data = g_bytes_get_data (self->container, &len);
  /* encrypted: 0644 is fine, so never the SECRET flag */
  return ossp_file_write_atomic (path, data, len, flags & ~OSSP_WRITE_FLAGS_SECRET, error);
}

/* ---- decrypting and the plan ----------------------------------------- */

void
ossp_payload_wipe_plaintext (OsspPayload *self)
{
  if (self->plaintexts)
    g_ptr_array_set_size (self->plaintexts, 0);
  if (self->plan)
    g_ptr_array_set_size (self->plan, 0);
  g_clear_object (&self->otp);
  g_clear_pointer (&self->burn_plan, g_ptr_array_unref);
}

OsspOtpSecret *
ossp_payload_get_otp_secret (OsspPayload *self)
{
  return self->otp;
}

GPtrArray *
ossp_payload_get_burn_plan (OsspPayload *self)
{
  return self->burn_plan;
}

gboolean
ossp_payload_is_decrypted (OsspPayload *self)
{
  return self->plaintexts->len > 0;
}

const OsspSecret *
ossp_payload_get_plaintext (OsspPayload *self,
                            guint        index)
{
  if (index >= self->plaintexts->len)
    return NULL;
  return g_ptr_array_index (self->plaintexts, index);
}

GPtrArray *
ossp_payload_get_plan (OsspPayload *self)
{
  return self->plan;
}

static OsspPayloadPlanItem *
plan_add (OsspPayload        *self,
          OsspPayloadAction   action,
          const char         *target,
          guint32             address,
          const char         *name,
          guint32             value,
          gboolean            secret)
{
  OsspPayloadPlanItem *item = g_new0 (OsspPayloadPlanItem, 1);

  item->action = action;
  item->target = target;
  item->address = address;
  item->name = g_strdup (name);
  item->value = value;
  item->len = 4;
  item->secret = secret;
  g_ptr_array_add (self->plan, item);
  return item;
}

static char *
word_name (OsspChip *chip, guint word)
{
  const OsspOtpWordInfo *info = ossp_chip_lookup_word (chip, word);

  if (info == NULL)
    return g_strdup_printf ("OTP%u", word);
  if (info->first == info->last)
    return g_strdup (info->name);
  return g_strdup_printf ("%s[%u]", info->name, word - info->first);
}

static guint32
chip_close_mask (OsspChip *chip)
{
  JsonObject *root = ossp_chip_get_json (chip);
  JsonObject *close = root && json_object_has_member (root, "close")
                      ? json_object_get_object_member (root, "close") : NULL;
  const char *mask = close ? json_object_get_string_member_with_default (close, "set_mask", NULL) : NULL;
  guint32 v = 0;

  if (mask == NULL || !ossp_parse_u32 (mask, &v, NULL))
    return 0;
  return v;
}

static void
plan_chip_step (OsspPayload *self, guint word, const char *name, guint32 value, const char *note)
{
  OsspPayloadPlanItem *it = plan_add (self, OSSP_PAYLOAD_ACTION_CHIP, "otp", word, name, value, FALSE);
  it->note = g_strdup (note);
}

/* The OTP words come from the OTP model's burn plan (the same dump as
 * `openssp otp plan`); MP1 adds what the SSP firmware does besides, in the
 * order of ssp-flow.md §8: PKH, close, RMA + secrets, success bit. */
static gboolean
plan_otp (OsspPayload *self, const OsspSecret *plain, GError **error)
{
  guint8 pkh[32];
  gboolean mp1 = chip_is_mp1 (self);
  gboolean closed = FALSE;

  g_clear_object (&self->otp);
  g_clear_pointer (&self->burn_plan, g_ptr_array_unref);
  self->otp = load_otp (self, plain->data, plain->len, error);
  if (self->otp == NULL)
    return FALSE;
  if (mp1)
    ossp_payload_get_pkh (self, pkh);
  self->burn_plan = ossp_otp_secret_get_burn_plan (self->otp, mp1 ? pkh : NULL, NULL, 0);
  for (guint i = 0; i < self->burn_plan->len; i++)
    {
      OsspOtpBurnStep *st = g_ptr_array_index (self->burn_plan, i);
      gboolean from_header = g_str_has_prefix (st->source, "payload");
      OsspOtpItem *item = ossp_otp_secret_lookup (self->otp, st->word);
      g_autofree char *name = st->name ? g_strdup (st->name) : word_name (self->chip, st->word);
      OsspPayloadPlanItem *it;

      if (mp1 && !from_header && !closed && chip_close_mask (self->chip))
        {
          plan_chip_step (self, 0, "CFG0", chip_close_mask (self->chip),
                          "bits ORed in: the chip is closed, only signed FSBLs boot from now on");
          closed = TRUE;
        }
      it = plan_add (self, !st->program ? OSSP_PAYLOAD_ACTION_SKIP
                         : st->lock ? OSSP_PAYLOAD_ACTION_BURN_LOCK : OSSP_PAYLOAD_ACTION_BURN,
                     "otp", st->word, name, st->value, !from_header);
      it->flags = item && !mp1 ? ossp_otp_item_get_flags (item) : 0;
      if (st->note == NULL && (it->flags & (OSSP_OTP_ITEM_FLAG_STICKY_READ_LOCK | OSSP_OTP_ITEM_FLAG_STICKY_WRITE_LOCK)))
        it->note = g_strdup_printf ("%s%s%s", (it->flags & OSSP_OTP_ITEM_FLAG_STICKY_READ_LOCK)
                                    ? "shadow read lock (sticky)" : "",
                                    (it->flags & OSSP_OTP_ITEM_FLAG_STICKY_READ_LOCK) &&
                                    (it->flags & OSSP_OTP_ITEM_FLAG_STICKY_WRITE_LOCK) ? ", " : "",
                                    (it->flags & OSSP_OTP_ITEM_FLAG_STICKY_WRITE_LOCK)
                                    ? "write lock (sticky)" : "");
      else
        it->note = g_strdup (st->note);
    }
  if (mp1 && ossp_chip_get_ssp_state_word (self->chip) >= 0)
    plan_chip_step (self, (guint) ossp_chip_get_ssp_state_word (self->chip), "SSP_SUCCESS",
                    1u << ossp_chip_get_ssp_success_bit (self->chip),
                    "set last: SSP cannot run again on this chip");
  return TRUE;
}

static gboolean
plan_osbk (OsspPayload              *self,
           const OsspPayloadSection *s,
           const OsspSecret         *plain,
           GError                  **error)
{
  const char *kind = backup_kind_for_type (s->type);
  guint got = 0;
  g_autoptr(OsspBackupList) list = parse_osbk (self->chip, plain->data, plain->len, &got, error);
  const OsspBackupMemoryInfo *mem;

  if (list == NULL)
    return FALSE;
  if (!g_str_equal (ossp_backup_list_get_memory_kind (list), kind))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "its backup file is for the other memory (%s)", ossp_backup_list_get_memory_kind (list));
      return FALSE;
    }
  mem = ossp_backup_list_get_memory (list);
  for (guint i = 0; i < ossp_backup_list_get_n_entries (list); i++)
    {
      OsspBackupEntry *e = ossp_backup_list_get_entry (list, i);
      guint32 off = ossp_backup_entry_get_offset (e);
      gsize n = 0;
      const guint8 *bytes = g_bytes_get_data (ossp_backup_entry_get_data (e), &n);
      const char *label = ossp_backup_entry_get_label (e);
      g_autofree char *name = label && *label ? g_strdup (label)
                                              : g_strdup_printf ("%s +0x%X", mem->name, off);
      OsspPayloadPlanItem *it = plan_add (self, OSSP_PAYLOAD_ACTION_WRITE, kind, s->base + off,
                                          name, 0, TRUE);
      it->len = n;
      it->flags = ossp_backup_entry_get_flags (e);
      it->data = ossp_secure_alloc (n);
      memcpy (it->data, bytes, n);
      if (ossp_backup_entry_get_wrap (e))
        it->note = g_strdup_printf ("wrapped with the %s",
                                    ossp_backup_wrap_cpu_describe (ossp_backup_entry_get_cpu (e)));
    }
  return TRUE;
}

gboolean
ossp_payload_decrypt (OsspPayload  *self,
                      GError      **error)
{
  const guint8 *d;

  if (self->container == NULL)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT, "Nothing to decrypt: no payload loaded");
      return FALSE;
    }
  if (self->key == NULL || self->nonce == NULL)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "Decrypting the payload needs both the key file and the nonce file it was built with");
      return FALSE;
    }
  ossp_payload_wipe_plaintext (self);
  d = g_bytes_get_data (self->container, NULL);

  for (guint i = 0; i < self->sections->len; i++)
    {
      const OsspPayloadSection *s = ossp_payload_get_section (self, i);
      const guint8 *sec = d + s->offset;
      g_autoptr(OsspSecret) plain = NULL;
      g_autoptr(GError) local = NULL;
      guint8 nonce[12];
      gboolean ok;

      if (s->type == OSSP_PAYLOAD_SECTION_MP1_PAYLOAD)
        {
          const OsspPayloadLayout *l = self->layout;
          guint32 size = ossp_read_le32 (sec + l->secret_size_offset);
          plain = ossp_secret_new (size);
          memcpy (nonce, self->nonce->data, 12);
          ok = ossp_payload_gcm_decrypt (self->key->data, nonce, sec, l->aad_size,
                                         sec + l->secrets_offset, size, sec + l->tag_offset,
                                         plain->data, &local);
        }
      else
        {
          guint8 aad[48];
          gsize plen = s->length - OSSP_PAYLOAD_MP2_SECTION_HEADER;
          plain = ossp_secret_new (plen);
          mp2_section_nonce (self, i, nonce);
          mp2_section_aad (d, i, aad);
          ok = ossp_payload_gcm_decrypt (self->key->data, nonce, aad, sizeof aad,
                                         sec + OSSP_PAYLOAD_MP2_SECTION_HEADER, plen, sec + 4,
                                         plain->data, &local);
        }
      if (!ok)
        {
          ossp_payload_wipe_plaintext (self);
          g_set_error (error, local->domain, local->code, "Section %u (%s): %s", i,
                       ossp_payload_section_type_to_string (s->type), local->message);
          return FALSE;
        }
      g_ptr_array_add (self->plaintexts, g_steal_pointer (&plain));
    }

  for (guint i = 0; i < self->sections->len; i++)
    {
      const OsspPayloadSection *s = ossp_payload_get_section (self, i);
      const OsspSecret *plain = g_ptr_array_index (self->plaintexts, i);
      g_autoptr(GError) local = NULL;

      if ((s->type == OSSP_PAYLOAD_SECTION_MP1_PAYLOAD || s->type == OSSP_PAYLOAD_SECTION_MP2_OTP)
          ? !plan_otp (self, plain, &local) : !plan_osbk (self, s, plain, &local))
        {
          ossp_payload_wipe_plaintext (self);
          g_set_error (error, local->domain, local->code, "Section %u (%s): %s", i,
                       ossp_payload_section_type_to_string (s->type), local->message);
          return FALSE;
        }
    }
  return TRUE;
}

const char *
ossp_payload_action_to_string (OsspPayloadAction action)
{
  switch (action)
    {
    case OSSP_PAYLOAD_ACTION_BURN_LOCK: return "burn+lock";
    case OSSP_PAYLOAD_ACTION_BURN: return "burn";
    case OSSP_PAYLOAD_ACTION_SKIP: return "skip";
    case OSSP_PAYLOAD_ACTION_WRITE: return "write";
    case OSSP_PAYLOAD_ACTION_CHIP: return "set";
    default: return "?";
    }
}

char *
ossp_payload_plan_item_value_text (const OsspPayloadPlanItem *item,
                                   gboolean                   show_secrets)
{
  if (item->data != NULL)
    {
      if (!show_secrets && item->secret)
        return g_strdup_printf ("<%" G_GSIZE_FORMAT " bytes hidden>", item->len);
      return ossp_hex_encode (item->data, item->len);
    }
  if (!show_secrets && item->secret && item->action != OSSP_PAYLOAD_ACTION_SKIP)
    return g_strdup ("0x********");
  return g_strdup_printf ("0x%08X", item->value);
}

/* ---- report ------------------------------------------------------------ */

static void
add_hex (JsonBuilder *b, const char *name, const guint8 *data, gsize len)
{
  g_autofree char *hex = ossp_hex_encode (data, len);
  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, hex);
}

static void
add_int (JsonBuilder *b, const char *name, gint64 v)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, v);
}

static void
add_str (JsonBuilder *b, const char *name, const char *v)
{
  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, v);
}

JsonNode *
ossp_payload_to_json (OsspPayload *self,
                      gboolean     show_secrets)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(GBytes) blob = NULL;
  g_autofree char *dev = NULL;

  g_return_val_if_fail (self->container != NULL, NULL);
  dev = g_strdup_printf ("0x%03X", ossp_chip_get_dev_id (self->chip));
  blob = ossp_payload_get_chip_blob (self);

  json_builder_begin_object (b);
  add_str (b, "format", "OSSP");
  add_int (b, "format_version", OSSP_PAYLOAD_CONTAINER_VERSION);
  add_str (b, "chip", ossp_chip_get_id (self->chip));
  add_str (b, "chip_name", ossp_chip_get_name (self->chip));
  add_str (b, "dev_id", dev);
  add_int (b, "flags", self->flags);
  json_builder_set_member_name (b, "rma_word_in_secrets");
  json_builder_add_boolean_value (b, (self->flags & OSSP_PAYLOAD_FLAG_RMA_WORD) != 0);
  add_int (b, "total_size", (gint64) g_bytes_get_size (self->container));
  add_int (b, "fsbl_min_version_hint", self->fsbl_min_version);
  add_hex (b, "sha256", ossp_payload_get_sha256 (self), 32);
  json_builder_set_member_name (b, "sha256_ok");
  json_builder_add_boolean_value (b, TRUE);  /* parsing fails otherwise */
  add_int (b, "chip_blob_size", (gint64) g_bytes_get_size (blob));

  json_builder_set_member_name (b, "sections");
  json_builder_begin_array (b);
  for (guint i = 0; i < self->sections->len; i++)
    {
      const OsspPayloadSection *s = ossp_payload_get_section (self, i);
      json_builder_begin_object (b);
      add_int (b, "index", s->index);
      add_int (b, "type", s->type);
      add_str (b, "type_name", ossp_payload_section_type_to_string (s->type));
      add_int (b, "offset", s->offset);
      add_int (b, "length", s->length);
      if (backup_kind_for_type (s->type))
        {
          g_autofree char *base = g_strdup_printf ("0x%08X", s->base);
          add_str (b, "base", base);
        }
      else if (s->type == OSSP_PAYLOAD_SECTION_MP2_OTP)
        add_int (b, "plain_length", s->length - OSSP_PAYLOAD_MP2_SECTION_HEADER);
      add_hex (b, "sha256", s->sha256, 32);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  if (chip_is_mp1 (self))
    {
      const guint8 *sec = section_data (self, 0);
      const OsspPayloadLayout *l = self->layout;
      guint8 pkh[32];

      json_builder_set_member_name (b, "payload");
      json_builder_begin_object (b);
      add_str (b, "magic", "SSPP");
      add_int (b, "protocol_version", ossp_read_le32 (sec + 4));
      add_hex (b, l->key_size == 64 ? "oem_ecdsa_pubk" : "oem_rpkth", sec + l->key_offset, l->key_size);
      ossp_payload_get_pkh (self, pkh);
      add_hex (b, l->key_size == 64 ? "pkh" : "pkhth", pkh, 32);
      add_int (b, "oem_secret_size_bytes", ossp_payload_get_secret_size (self));
      add_hex (b, "payload_tag", sec + l->tag_offset, 16);
      add_int (b, "aad_size", (gint64) l->aad_size);
      json_builder_end_object (b);
    }

  json_builder_set_member_name (b, "decrypted");
  json_builder_add_boolean_value (b, ossp_payload_is_decrypted (self));
  if (ossp_payload_is_decrypted (self))
    {
      json_builder_set_member_name (b, "tags_ok");
      json_builder_add_boolean_value (b, TRUE);
      json_builder_set_member_name (b, "plan");
      json_builder_begin_array (b);
      for (guint i = 0; i < self->plan->len; i++)
        {
          const OsspPayloadPlanItem *it = g_ptr_array_index (self->plan, i);
          g_autofree char *value = ossp_payload_plan_item_value_text (it, show_secrets);
          json_builder_begin_object (b);
          add_str (b, "action", ossp_payload_action_to_string (it->action));
          add_str (b, "target", it->target);
          add_int (b, g_str_equal (it->target, "otp") ? "word" : "address", it->address);
          add_str (b, "name", it->name);
          add_str (b, "value", value);
          if (it->data)
            add_int (b, "length", (gint64) it->len);
          add_int (b, "flags", it->flags);
          json_builder_set_member_name (b, "secret");
          json_builder_add_boolean_value (b, it->secret);
          if (it->note)
            add_str (b, "note", it->note);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      /* the OTP words alone, in the OTP area's format (`openssp otp plan`) */
      if (self->burn_plan != NULL)
        {
          json_builder_set_member_name (b, "otp_plan");
          json_builder_add_value (b, ossp_otp_burn_plan_to_json (self->burn_plan, show_secrets));
        }
    }
  json_builder_set_member_name (b, "warnings");
  json_builder_begin_array (b);
  for (guint i = 0; i < self->warnings->len; i++)
    json_builder_add_string_value (b, g_ptr_array_index (self->warnings, i));
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
