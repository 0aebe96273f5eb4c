/* ossp-sim-board.c — BootROM SSP steps, FSBL-SSP decisions and burn, state file
 *
 * Written from ssp-flow.md §2–§11, payload.md §1–§5, otp-maps.md §4–§5 and
 * image-header.md §1–§3; nothing here comes from the host side.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "ossp-sim-board.h"
#include "ossp-sim-chip-crypto.h"
#include "ossp-sim-container.h"
#include "ossp-sim-image-check.h"
#include "ossp-sim-json.h"

#define STATE_FORMAT      "openssp-sim-chip"
#define STATE_VERSION     1
#define MAX_EVENTS        32
#define MP1_SECRETS_MAX   152
#define MP2_PAYLOAD_MAX   16384   /* ours: container bytes after the license */
#define MAX_STATE_SIZE    (4 * 1024 * 1024)

/* license (payload.md §1) */
#define LIC_TYPE_NORMAL   0x2E505353u   /* "SSP." */
#define LIC_TYPE_LIVE     0x4C505353u   /* "SSPL" */
#define PAYLOAD_MAGIC     0x50505353u   /* "SSPP" */

struct _OsspSimBoard
{
  GObject             parent_instance;

  OsspChip           *chip;
  OsspSimOtp         *otp;
  OsspSimFsblVersion  fsbl_version;
  guint8              seed[32];
  gboolean            st_board;
  gboolean            authenticate_all;
  gboolean            has_cert_signature;    /* MP25: no OTP certificate words */
  guint8              cert_signature[64];

  /* boot context and SYSRAM: survive a reset, not a power cycle */
  guint32             ssp_cmd;
  guint32             ssp_status;
  gboolean            has_pubk;
  guint8              chip_pubk[64];
  GByteArray         *blob;
  guint32             fsbl_image_version;

  /* handed from the ROM (boot 3) to the FSBL, never saved */
  guint8             *secrets;               /* MP1: the 152-byte secrets field, decrypted */
  gsize               secrets_size;          /* oem_secret_size_bytes */
  guint8              pkh_source[64];        /* MP15 OEM public key / MP13 PKHTH */
  GBytes             *mp2_otp;
  GBytes             *mp2_tamp;
  GBytes             *mp2_bkpsram;

  /* MP25 backup memories (battery backed) */
  GByteArray         *tamp;
  GByteArray         *bkpsram;

  OsspSimStage        stage;
  OsspSimFsblPath     session;
  guint               boots;
  guint               burned_words;
  GPtrArray          *events;

  char               *autosave_path;
  OsspSimFaults      *faults;
  gboolean            trace;
};

G_DEFINE_FINAL_TYPE (OsspSimBoard, ossp_sim_board, G_TYPE_OBJECT)

static void clear_rom_handover (OsspSimBoard *self);

static void
ossp_sim_board_finalize (GObject *object)
{
  OsspSimBoard *self = OSSP_SIM_BOARD (object);

  clear_rom_handover (self);
  ossp_secure_wipe (self->seed, sizeof self->seed);
  g_clear_object (&self->otp);
  g_clear_object (&self->chip);
  g_clear_pointer (&self->blob, g_byte_array_unref);
  g_clear_pointer (&self->tamp, g_byte_array_unref);
  g_clear_pointer (&self->bkpsram, g_byte_array_unref);
  g_clear_pointer (&self->events, g_ptr_array_unref);
  g_free (self->autosave_path);
  G_OBJECT_CLASS (ossp_sim_board_parent_class)->finalize (object);
}

static void
ossp_sim_board_class_init (OsspSimBoardClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ossp_sim_board_finalize;
}

static void
ossp_sim_board_init (OsspSimBoard *self)
{
  self->blob = g_byte_array_new ();
  self->events = g_ptr_array_new_with_free_func (g_free);
  self->fsbl_version = OSSP_SIM_FSBL_V2_6;
}

/* ---- small helpers ---------------------------------------------------- */

static gboolean
is_chip (OsspSimBoard *self,
         const char   *id)
{
  return g_str_equal (ossp_chip_get_id (self->chip), id);
}

static gboolean
is_mp25 (OsspSimBoard *self)
{
  return !ossp_chip_is_mp1 (self->chip);
}

void
ossp_sim_board_trace (OsspSimBoard *self,
                      const char   *format,
                      ...)
{
  va_list args;
  g_autofree char *msg = NULL;

  if (!self->trace)
    return;
  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  fprintf (stderr, "[sim %s] %s\n", ossp_chip_get_id (self->chip), msg);
  fflush (stderr);
}

static void
add_event (OsspSimBoard *self,
           const char   *format,
           ...) G_GNUC_PRINTF (2, 3);

static void
add_event (OsspSimBoard *self,
           const char   *format,
           ...)
{
  va_list args;
  char *msg;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  if (self->trace)
    fprintf (stderr, "[sim %s] ** %s\n", ossp_chip_get_id (self->chip), msg), fflush (stderr);
  if (self->events->len >= MAX_EVENTS)
    g_ptr_array_remove_index (self->events, 0);
  g_ptr_array_add (self->events, msg);
}

static void
autosave (OsspSimBoard *self)
{
  g_autoptr(GError) error = NULL;

  if (self->autosave_path == NULL)
    return;
  if (!ossp_sim_board_save (self, self->autosave_path, TRUE, &error))
    g_printerr ("openssp sim: could not save the board state: %s\n", error->message);
}

static guint32
header_version_word (OsspChip *chip)
{
  const char *v = ossp_chip_get_header_version (chip);
  guint major = 0, minor = 0;

  if (sscanf (v, "%u.%u", &major, &minor) != 2)
    return 0;
  return (major << 16) | (minor << 8);
}

static guint
cert_first_word (OsspSimBoard *self)
{
  /* ssp-flow.md §2: MP13/MP15 certificate words 40..55 */
  return 40;
}

static guint32
sysram_end (OsspSimBoard *self)
{
  /* MP1 SYSRAM ends at 0x30000000; MP25 SYSRAM 256 KiB at 0x0E000000 (inferred) */
  return is_mp25 (self) ? 0x0E040000u : 0x30000000u;
}

/* ---- construction ----------------------------------------------------- */

static void
chip_private_key (OsspSimBoard *self,
                  guint8        out_priv[32])
{
  guint8 in[12 + 32];
  gint uid = ossp_sim_otp_find_word (self->otp, "UID");

  /* ssp-flow.md §4.4 rule 6: UID = the three UID words as 12 LE bytes */
  for (guint i = 0; i < 3; i++)
    ossp_write_le32 (in + 4 * i, ossp_sim_otp_peek_fuse (self->otp, (guint) uid + i));
  memcpy (in + 12, self->seed, 32);
  ossp_sim_p256_derive_private ("OpenSSP-chip", in, sizeof in, out_priv);
  ossp_secure_wipe (in, sizeof in);
}

void
ossp_sim_board_get_chip_public_key (OsspSimBoard *self,
                                    guint8        out[64])
{
  guint8 priv[32];

  chip_private_key (self, priv);
  if (!ossp_sim_p256_public (priv, out, NULL))
    memset (out, 0, 64);
  ossp_secure_wipe (priv, sizeof priv);
}

static void
write_product_id (OsspSimBoard *self,
                  guint8        out[8])
{
  guint32 cfg2 = ossp_sim_otp_peek_shadow (self->otp, ossp_chip_get_cfg2_word (self->chip));
  char text[10];

  g_snprintf (text, sizeof text, "%03X%02X0%02X", ossp_chip_get_dev_id (self->chip) & 0xFFF,
              (cfg2 >> 20) & 0xFF, (cfg2 >> 28) & 0xF);
  memcpy (out, text, 8);
}

char *
ossp_sim_board_get_product_id (OsspSimBoard *self)
{
  guint8 id[8];

  write_product_id (self, id);
  return g_strndup ((const char *) id, 8);
}

void
ossp_sim_factory_options_init (OsspSimFactoryOptions *opts)
{
  memset (opts, 0, sizeof *opts);
  opts->chip_id = "stm32mp15";
  opts->fsbl_version = OSSP_SIM_FSBL_V2_6;
  opts->security_counter = -1;
  opts->key_id = -1;
}

OsspSimBoard *
ossp_sim_board_new_factory (const OsspSimFactoryOptions *opts,
                            GError                     **error)
{
  g_autoptr(OsspSimBoard) self = NULL;
  g_autoptr(OsspChip) chip = NULL;
  guint8 root_priv[32], root_pub[64], cert[72], digest[32], sig[64];
  guint32 counter, key_id, part, board_id;
  gint uid_word, part_word, board_word;

  chip = ossp_chip_new (opts->chip_id, error);
  if (chip == NULL)
    return NULL;
  if (opts->fsbl_version == OSSP_SIM_FSBL_V2_2 && !g_str_equal (ossp_chip_get_id (chip), "stm32mp15"))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_UNSUPPORTED,
                   "FSBL-SSP v2.2 exists only for STM32MP15; use --fsbl-version v2.6 for %s",
                   ossp_chip_get_name (chip));
      return NULL;
    }
  if (opts->security_counter > 0xFF || opts->key_id > 0xF)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "The security counter is 8 bits (0..255) and the ST key id 4 bits (0..15)");
      return NULL;
    }

  self = g_object_new (OSSP_TYPE_SIM_BOARD, NULL);
  self->chip = g_steal_pointer (&chip);
  self->otp = ossp_sim_otp_new (self->chip);
  self->fsbl_version = opts->fsbl_version;
  self->st_board = opts->st_board;
  self->authenticate_all = opts->authenticate_all;
  if (opts->has_seed)
    memcpy (self->seed, opts->seed, 32);
  else if (gnutls_rnd (GNUTLS_RND_KEY, self->seed, 32) != 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_CRYPTO, "The system random generator failed");
      return NULL;
    }

  /* ssp-flow.md §4.4 rule 7: MP15 "5000200A", MP13 "5010100D"; MP25 ours "5050200A" */
  counter = opts->security_counter >= 0 ? (guint32) opts->security_counter
            : is_chip (self, "stm32mp13") ? 0x01 : 0x02;
  key_id = opts->key_id >= 0 ? (guint32) opts->key_id : is_chip (self, "stm32mp13") ? 0xD : 0xA;
  ossp_sim_otp_factory_set (self->otp, ossp_chip_get_cfg2_word (self->chip),
                            (key_id << 28) | (counter << 20), FALSE);
  if (is_chip (self, "stm32mp13"))
    ossp_sim_otp_factory_set (self->otp, 0, 0x17, FALSE);   /* MP13 "open" */

  uid_word = ossp_sim_otp_find_word (self->otp, "UID");
  for (guint i = 0; i < 3; i++)
    ossp_sim_otp_factory_set (self->otp, (guint) uid_word + i,
                              opts->has_uid ? opts->uid[i] : g_random_int () | 1, FALSE);
  part_word = ossp_sim_otp_find_word (self->otp, is_mp25 (self) ? "RPN_CODING" : "PART_NUMBER");
  /* simulated secure-boot-capable parts ("F" variants) */
  part = opts->part_number ? opts->part_number : is_chip (self, "stm32mp15") ? 0x80 : 0x01;
  if (part_word >= 0)
    ossp_sim_otp_factory_set (self->otp, (guint) part_word, part, FALSE);

  /* the chip certificate: ROOT(key id) signs product id ‖ chip public key */
  write_product_id (self, cert);
  ossp_sim_board_get_chip_public_key (self, cert + 8);
  ossp_sim_sha256 (cert, sizeof cert, digest);
  ossp_sim_root_key ((guint8) key_id, root_priv, root_pub);
  if (!ossp_sim_p256_sign (root_priv, digest, sig, error))
    return NULL;
  ossp_secure_wipe (root_priv, sizeof root_priv);
  if (opts->bad_cert_signature)
    sig[63] ^= 0x01;
  if (is_mp25 (self))
    {
      self->has_cert_signature = TRUE;
      memcpy (self->cert_signature, sig, 64);
    }
  else
    for (guint j = 0; j < 16; j++)
      ossp_sim_otp_factory_set (self->otp, cert_first_word (self) + j, ossp_read_be32 (sig + 4 * j), TRUE);

  board_word = ossp_chip_get_st_board_id_word (self->chip);
  if (opts->st_board && board_word >= 0)
    {
      /* MBxxxx board number, variant, revision, BOM (otp-maps.md, [COMMON]) */
      board_id = opts->board_id ? opts->board_id
                 : is_chip (self, "stm32mp15") ? 0x12722301u
                 : is_chip (self, "stm32mp13") ? 0x16351301u : 0x16052301u;
      ossp_sim_otp_factory_set (self->otp, (guint) board_word, board_id, FALSE);
    }

  if (opts->has_pkh)
    {
      guint first = ossp_chip_get_pkh_first_word (self->chip);
      for (guint i = 0; i < 8; i++)
        ossp_sim_otp_factory_set (self->otp, first + i, ossp_read_be32 (opts->pkh + 4 * i), TRUE);
    }
  if (opts->closed)
    {
      if (is_chip (self, "stm32mp15"))
        ossp_sim_otp_factory_set (self->otp, 0, 0x40, FALSE);
      else if (is_chip (self, "stm32mp13"))
        ossp_sim_otp_factory_set (self->otp, 0, 0x3F, FALSE);
      else
        {
          ossp_sim_otp_factory_set (self->otp, 8, 0xFF, FALSE);
          ossp_sim_otp_factory_set (self->otp, 18, 0xFF, FALSE);
          ossp_sim_otp_factory_set (self->otp, 124, 0x00100000, FALSE);
        }
    }
  if (is_mp25 (self))
    {
      const OsspBackupMemoryInfo *t = ossp_chip_lookup_backup_memory (self->chip, "tamp");
      const OsspBackupMemoryInfo *b = ossp_chip_lookup_backup_memory (self->chip, "bkpsram");
      self->tamp = g_byte_array_sized_new (t ? t->size : 0);
      g_byte_array_set_size (self->tamp, t ? t->size : 0);
      memset (self->tamp->data, 0, self->tamp->len);
      self->bkpsram = g_byte_array_sized_new (b ? b->size : 0);
      g_byte_array_set_size (self->bkpsram, b ? b->size : 0);
      memset (self->bkpsram->data, 0, self->bkpsram->len);
    }
  add_event (self, "factory: %s %s, product id %.8s, FSBL-SSP %s%s%s", ossp_chip_get_name (self->chip),
             opts->closed ? "closed" : "open", (const char *) cert,
             ossp_sim_fsbl_version_to_string (self->fsbl_version),
             opts->st_board ? ", ST board" : "", opts->bad_cert_signature ? ", BAD certificate signature" : "");
  return g_steal_pointer (&self);
}

/* ---- accessors -------------------------------------------------------- */

const char *
ossp_sim_fsbl_version_to_string (OsspSimFsblVersion v)
{
  return v == OSSP_SIM_FSBL_V2_2 ? "v2.2" : "v2.6";
}

gboolean
ossp_sim_fsbl_version_from_string (const char          *text,
                                   OsspSimFsblVersion  *out,
                                   GError             **error)
{
  if (text != NULL && (g_str_equal (text, "v2.2") || g_str_equal (text, "2.2")))
    *out = OSSP_SIM_FSBL_V2_2;
  else if (text != NULL && (g_str_equal (text, "v2.6") || g_str_equal (text, "2.6")))
    *out = OSSP_SIM_FSBL_V2_6;
  else
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "Unknown FSBL-SSP version \"%s\"; use v2.2 or v2.6", text ? text : "");
      return FALSE;
    }
  return TRUE;
}

OsspChip *ossp_sim_board_get_chip (OsspSimBoard *self) { return self->chip; }
OsspSimOtp *ossp_sim_board_get_otp (OsspSimBoard *self) { return self->otp; }
OsspSimFsblVersion ossp_sim_board_get_fsbl_version (OsspSimBoard *self) { return self->fsbl_version; }
OsspSimStage ossp_sim_board_get_stage (OsspSimBoard *self) { return self->stage; }
guint32 ossp_sim_board_get_ssp_cmd (OsspSimBoard *self) { return self->ssp_cmd; }
guint32 ossp_sim_board_get_ssp_status (OsspSimBoard *self) { return self->ssp_status; }
guint ossp_sim_board_get_boots (OsspSimBoard *self) { return self->boots; }
guint32 ossp_sim_board_get_dev_id (OsspSimBoard *self) { return ossp_chip_get_dev_id (self->chip); }
guint32 ossp_sim_board_get_image_version (OsspSimBoard *self) { return self->fsbl_image_version; }
guint32 ossp_sim_board_get_fsbl_load_address (OsspSimBoard *self) { return ossp_chip_get_fsbl_load_address (self->chip); }
guint32 ossp_sim_board_get_blob_base (OsspSimBoard *self) { return ossp_chip_get_blob_base (self->chip); }
gsize ossp_sim_board_get_blob_len (OsspSimBoard *self) { return self->blob->len; }
OsspSimFaults *ossp_sim_board_get_faults (OsspSimBoard *self) { return self->faults; }

gsize
ossp_sim_board_get_fsbl_max_size (OsspSimBoard *self)
{
  return sysram_end (self) - ossp_chip_get_fsbl_load_address (self->chip);
}

gsize
ossp_sim_board_get_blob_capacity (OsspSimBoard *self)
{
  if (is_mp25 (self))
    return OSSP_SIM_LICENSE_SIZE + MP2_PAYLOAD_MAX;
  return OSSP_SIM_LICENSE_SIZE + ossp_chip_get_payload_size (self->chip);
}

gboolean
ossp_sim_board_is_provisioned (OsspSimBoard *self)
{
  return (ossp_sim_otp_peek_fuse (self->otp, ossp_sim_otp_get_ssp_word (self->otp)) &
          ossp_sim_otp_get_ssp_success_mask (self->otp)) != 0;
}

const char * const *
ossp_sim_board_get_events (OsspSimBoard *self)
{
  /* keep a NULL terminator behind the last element */
  g_ptr_array_add (self->events, NULL);
  g_ptr_array_set_size (self->events, self->events->len - 1);
  return (const char * const *) self->events->pdata;
}

void
ossp_sim_board_set_autosave (OsspSimBoard *self,
                             const char   *path)
{
  g_free (self->autosave_path);
  self->autosave_path = g_strdup (path);
}

void
ossp_sim_board_set_faults (OsspSimBoard  *self,
                           OsspSimFaults *faults)
{
  self->faults = faults;
}

void
ossp_sim_board_set_trace (OsspSimBoard *self,
                          gboolean      trace)
{
  self->trace = trace;
}

/* ---- state file (docs/simulator.md §State file) ------------------------ */

static void
add_hex (JsonBuilder  *b,
         const char   *name,
         const guint8 *data,
         gsize         len)
{
  json_builder_set_member_name (b, name);
  if (data == NULL)
    json_builder_add_null_value (b);
  else
    {
      g_autofree char *hex = ossp_hex_encode (data, len);
      json_builder_add_string_value (b, hex);
    }
}

static void
add_u32 (JsonBuilder *b,
         const char  *name,
         guint32      value)
{
  g_autofree char *hex = ossp_sim_json_hex32 (value);

  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, hex);
}

char *
ossp_sim_board_to_data (OsspSimBoard *self,
                        gsize        *out_len)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  char *text;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "format");
  json_builder_add_string_value (b, STATE_FORMAT);
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, STATE_VERSION);
  json_builder_set_member_name (b, "chip");
  json_builder_add_string_value (b, ossp_chip_get_id (self->chip));
  json_builder_set_member_name (b, "fsbl_version");
  json_builder_add_string_value (b, ossp_sim_fsbl_version_to_string (self->fsbl_version));
  json_builder_set_member_name (b, "st_board");
  json_builder_add_boolean_value (b, self->st_board);
  json_builder_set_member_name (b, "authenticate_all");
  json_builder_add_boolean_value (b, self->authenticate_all);
  add_hex (b, "seed", self->seed, sizeof self->seed);
  if (self->has_cert_signature)
    add_hex (b, "cert_signature", self->cert_signature, 64);
  json_builder_set_member_name (b, "otp");
  json_builder_add_value (b, ossp_sim_otp_to_json (self->otp));

  json_builder_set_member_name (b, "boot");
  json_builder_begin_object (b);
  add_u32 (b, "ssp_cmd", self->ssp_cmd);
  json_builder_set_member_name (b, "ssp_status");
  json_builder_add_int_value (b, self->ssp_status);
  add_hex (b, "chip_pubk", self->has_pubk ? self->chip_pubk : NULL, 64);
  add_hex (b, "blob", self->blob->len ? self->blob->data : NULL, self->blob->len);
  json_builder_set_member_name (b, "fsbl_image_version");
  json_builder_add_int_value (b, self->fsbl_image_version);
  json_builder_set_member_name (b, "boots");
  json_builder_add_int_value (b, self->boots);
  json_builder_end_object (b);

  if (self->tamp != NULL)
    {
      json_builder_set_member_name (b, "backup");
      json_builder_begin_object (b);
      add_hex (b, "tamp", self->tamp->data, self->tamp->len);
      add_hex (b, "bkpsram", self->bkpsram->data, self->bkpsram->len);
      json_builder_end_object (b);
    }
  json_builder_set_member_name (b, "events");
  json_builder_begin_array (b);
  for (guint i = 0; i < self->events->len; i++)
    json_builder_add_string_value (b, g_ptr_array_index (self->events, i));
  json_builder_end_array (b);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  text = json_generator_to_data (gen, out_len);
  return text;
}

gboolean
ossp_sim_board_save (OsspSimBoard  *self,
                     const char    *path,
                     gboolean       overwrite,
                     GError       **error)
{
  gsize len = 0;
  g_autofree char *text = ossp_sim_board_to_data (self, &len);
  gboolean ok;

  ok = ossp_file_write_atomic (path, (const guint8 *) text, len,
                               OSSP_WRITE_FLAGS_SECRET | (overwrite ? OSSP_WRITE_FLAGS_OVERWRITE : 0),
                               error);
  ossp_secure_wipe (text, len);
  return ok;
}

static gboolean
load_backup (JsonObject  *backup,
             const char  *member,
             GByteArray **out,
             gsize        size,
             GError     **error)
{
  g_autoptr(GBytes) bytes = NULL;

  if (!ossp_sim_json_get_hex (backup, member, size, size, &bytes, error))
    return FALSE;
  *out = g_byte_array_sized_new (size);
  g_byte_array_set_size (*out, size);
  memset ((*out)->data, 0, size);
  if (bytes != NULL)
    memcpy ((*out)->data, g_bytes_get_data (bytes, NULL), size);
  return TRUE;
}

OsspSimBoard *
ossp_sim_board_new_from_data (const char  *data,
                              gsize        len,
                              GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(OsspSimBoard) self = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GBytes) seed = NULL, sig = NULL, pubk = NULL, blob = NULL;
  JsonObject *root, *boot;
  JsonNode *node;
  JsonArray *events = NULL;
  const char *format = NULL, *chip_id = NULL, *fsbl = NULL;
  guint32 version, v;

  if (len > MAX_STATE_SIZE || !json_parser_load_from_data (parser, data, len, &local_error))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA, "State file is not valid JSON: %s",
                   local_error ? local_error->message : "too large");
      return NULL;
    }
  node = json_parser_get_root (parser);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA, "State file: the top level must be an object");
      return NULL;
    }
  root = json_node_get_object (node);
  if (!ossp_sim_json_get_string (root, "format", &format, error))
    return NULL;
  if (format == NULL || !g_str_equal (format, STATE_FORMAT))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "Not a simulated chip state file (\"format\" is not \"%s\")", STATE_FORMAT);
      return NULL;
    }
  if (!ossp_sim_json_get_u32 (root, "version", 0, &version, error))
    return NULL;
  if (version != STATE_VERSION)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_VERSION,
                   "State file version %u; this OpenSSP reads version %d", version, STATE_VERSION);
      return NULL;
    }

  self = g_object_new (OSSP_TYPE_SIM_BOARD, NULL);
  if (!ossp_sim_json_get_string (root, "chip", &chip_id, error))
    return NULL;
  self->chip = ossp_chip_new (chip_id ? chip_id : "", error);
  if (self->chip == NULL)
    return NULL;
  self->otp = ossp_sim_otp_new (self->chip);
  if (!ossp_sim_json_get_string (root, "fsbl_version", &fsbl, error) ||
      !ossp_sim_fsbl_version_from_string (fsbl ? fsbl : "v2.6", &self->fsbl_version, error) ||
      !ossp_sim_json_get_bool (root, "st_board", FALSE, &self->st_board, error) ||
      !ossp_sim_json_get_bool (root, "authenticate_all", FALSE, &self->authenticate_all, error) ||
      !ossp_sim_json_get_hex (root, "seed", 32, 32, &seed, error) ||
      !ossp_sim_json_get_hex (root, "cert_signature", 64, 64, &sig, error) ||
      !ossp_sim_otp_load_json (self->otp, json_object_get_member (root, "otp"), error))
    return NULL;
  if (seed == NULL)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA, "State file: \"seed\" is missing");
      return NULL;
    }
  memcpy (self->seed, g_bytes_get_data (seed, NULL), 32);
  if (sig != NULL)
    {
      self->has_cert_signature = TRUE;
      memcpy (self->cert_signature, g_bytes_get_data (sig, NULL), 64);
    }
  else if (is_mp25 (self))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "State file: \"cert_signature\" is missing (needed on %s)", ossp_chip_get_name (self->chip));
      return NULL;
    }

  node = json_object_get_member (root, "boot");
  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    {
      boot = json_node_get_object (node);
      if (!ossp_sim_json_get_u32 (boot, "ssp_cmd", 0, &self->ssp_cmd, error) ||
          !ossp_sim_json_get_u32 (boot, "ssp_status", 0, &self->ssp_status, error) ||
          !ossp_sim_json_get_u32 (boot, "fsbl_image_version", 0, &self->fsbl_image_version, error) ||
          !ossp_sim_json_get_u32 (boot, "boots", 0, &v, error) ||
          !ossp_sim_json_get_hex (boot, "chip_pubk", 64, 64, &pubk, error) ||
          !ossp_sim_json_get_hex (boot, "blob", 0, ossp_sim_board_get_blob_capacity (self), &blob, error))
        return NULL;
      self->boots = v;
      if (pubk != NULL)
        {
          self->has_pubk = TRUE;
          memcpy (self->chip_pubk, g_bytes_get_data (pubk, NULL), 64);
        }
      if (blob != NULL)
        g_byte_array_append (self->blob, g_bytes_get_data (blob, NULL), g_bytes_get_size (blob));
    }
  else if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA, "State file: \"boot\" must be an object");
      return NULL;
    }

  if (is_mp25 (self))
    {
      const OsspBackupMemoryInfo *t = ossp_chip_lookup_backup_memory (self->chip, "tamp");
      const OsspBackupMemoryInfo *bk = ossp_chip_lookup_backup_memory (self->chip, "bkpsram");
      JsonObject *backup = json_object_new ();
      node = json_object_get_member (root, "backup");
      if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
        {
          json_object_unref (backup);
          backup = json_object_ref (json_node_get_object (node));
        }
      if (!load_backup (backup, "tamp", &self->tamp, t ? t->size : 0, error) ||
          !load_backup (backup, "bkpsram", &self->bkpsram, bk ? bk->size : 0, error))
        {
          json_object_unref (backup);
          return NULL;
        }
      json_object_unref (backup);
    }

  if (!ossp_sim_json_get_array (root, "events", &events, error))
    return NULL;
  for (guint i = 0; events != NULL && i < json_array_get_length (events); i++)
    {
      JsonNode *e = json_array_get_element (events, i);
      if (JSON_NODE_HOLDS_VALUE (e) && json_node_get_value_type (e) == G_TYPE_STRING)
        {
          if (self->events->len >= MAX_EVENTS)
            g_ptr_array_remove_index (self->events, 0);
          g_ptr_array_add (self->events, g_strdup (json_node_get_string (e)));
        }
    }
  /* a restarted simulator finds the chip in the ROM (as after a reset) */
  self->stage = OSSP_SIM_STAGE_ROM;
  return g_steal_pointer (&self);
}

OsspSimBoard *
ossp_sim_board_load (const char  *path,
                     GError     **error)
{
  g_autofree guint8 *data = NULL;
  gsize len = 0;
  OsspSimBoard *board;

  data = ossp_file_read (path, MAX_STATE_SIZE, &len, error);
  if (data == NULL)
    return NULL;
  board = ossp_sim_board_new_from_data ((const char *) data, len, error);
  ossp_secure_wipe (data, len);
  if (board == NULL)
    g_prefix_error (error, "%s: ", path);
  return board;
}

/* ---- resets ----------------------------------------------------------- */

static void
clear_rom_handover (OsspSimBoard *self)
{
  if (self->secrets != NULL)
    ossp_secure_free (self->secrets, MP1_SECRETS_MAX);
  self->secrets = NULL;
  self->secrets_size = 0;
  ossp_secure_wipe (self->pkh_source, sizeof self->pkh_source);
  g_clear_pointer (&self->mp2_otp, g_bytes_unref);
  g_clear_pointer (&self->mp2_tamp, g_bytes_unref);
  g_clear_pointer (&self->mp2_bkpsram, g_bytes_unref);
}

void
ossp_sim_board_reset (OsspSimBoard *self,
                      const char   *why)
{
  ossp_sim_otp_reset (self->otp);
  clear_rom_handover (self);
  self->stage = OSSP_SIM_STAGE_ROM;
  ossp_sim_board_trace (self, "system reset (%s): ROM serial boot, ssp_cmd 0x%08X", why, self->ssp_cmd);
  autosave (self);
}

void
ossp_sim_board_power_cycle (OsspSimBoard *self)
{
  self->ssp_cmd = 0;
  self->ssp_status = 0;
  self->has_pubk = FALSE;
  memset (self->chip_pubk, 0, sizeof self->chip_pubk);
  g_byte_array_set_size (self->blob, 0);
  add_event (self, "power cycle: SYSRAM and boot context lost");
  ossp_sim_board_reset (self, "power on");
}

/* ---- ROM ---------------------------------------------------------------- */

static void
read_otp_hash (OsspSimBoard *self,
               guint         first,
               guint8        out[32])
{
  /* keys.md §6: word first+i = big-endian read of hash bytes 4i..4i+3 */
  for (guint i = 0; i < 8; i++)
    ossp_write_be32 (out + 4 * i, ossp_sim_otp_peek_shadow (self->otp, first + i));
}

static gboolean
rom_fail (OsspSimBoard  *self,
          GError       **error,
          const char    *format,
          ...) G_GNUC_PRINTF (3, 4);

/* Any ROM-side SSP error: ssp_cmd = 0 so the next FSBL boot starts again at
 * boot 1 (ssp-flow.md §4.4 rule 3). */
static gboolean
rom_fail (OsspSimBoard  *self,
          GError       **error,
          const char    *format,
          ...)
{
  va_list args;
  g_autofree char *msg = NULL;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  self->ssp_cmd = 0;
  self->ssp_status = 0;
  add_event (self, "ROM: %s; ssp_cmd = 0 (SSP restarts at boot 1)", msg);
  g_set_error_literal (error, OSSP_ERROR, OSSP_ERROR_VERIFY_FAILED, msg);
  return FALSE;
}

/* OpenSSP-ECIES v1 (ssp-flow.md §7.3): license → OEM IV ‖ OEM key. */
static gboolean
rom_open_license (OsspSimBoard *self,
                  const guint8 *lic,
                  guint8        out_iv_key[32],
                  GError      **error)
{
  guint8 priv[32], z[36], kdf[64], aad[120];
  gboolean ok;

  chip_private_key (self, priv);
  ok = ossp_sim_p256_ecdh (priv, lic + 0x18, z, error);
  ossp_secure_wipe (priv, sizeof priv);
  if (!ok)
    {
      g_prefix_error (error, "license ephemeral key: ");
      return FALSE;
    }
  ossp_write_be32 (z + 32, 1);
  ossp_sim_sha256 (z, 36, kdf);
  ossp_write_be32 (z + 32, 2);
  ossp_sim_sha256 (z, 36, kdf + 32);
  memcpy (aad, lic, 88);
  memcpy (aad + 88, kdf + 32, 32);
  ok = ossp_sim_aes128_gcm_decrypt (kdf, kdf + 16, aad, sizeof aad, lic + 0x58, 32, lic + 0x78,
                                    out_iv_key, error);
  ossp_secure_wipe (z, sizeof z);
  ossp_secure_wipe (kdf, sizeof kdf);
  if (!ok)
    g_prefix_error (error, "license: ");
  return ok;
}

static gboolean
rom_decrypt_mp1 (OsspSimBoard *self,
                 const guint8 *iv_key,
                 GError      **error)
{
  const guint8 *pay = self->blob->data + OSSP_SIM_LICENSE_SIZE;
  gboolean mp15 = is_chip (self, "stm32mp15");
  gsize key_len = mp15 ? 64 : 32;
  gsize size_off = 8 + key_len, tag_off = size_off + 4, secrets_off = tag_off + 16;
  guint32 size;

  if (ossp_read_le32 (pay) != PAYLOAD_MAGIC || ossp_read_le32 (pay + 4) != 1)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "payload magic/version 0x%08X/%u (want \"SSPP\"/1)",
                   ossp_read_le32 (pay), ossp_read_le32 (pay + 4));
      return FALSE;
    }
  size = ossp_read_le32 (pay + size_off);
  if (size > MP1_SECRETS_MAX)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "payload secret size %u is above %d", size, MP1_SECRETS_MAX);
      return FALSE;
    }
  self->secrets = ossp_secure_alloc (MP1_SECRETS_MAX);
  /* in-place decryption: the rest of the field stays as the host sent it */
  memcpy (self->secrets, pay + secrets_off, MP1_SECRETS_MAX);
  /* AAD (ours for MP13): magic, version, key or PKHTH, size */
  if (!ossp_sim_aes128_gcm_decrypt (iv_key + 16, iv_key, pay, size_off + 4, pay + secrets_off, size,
                                    pay + tag_off, self->secrets, error))
    {
      g_prefix_error (error, "payload: ");
      return FALSE;
    }
  self->secrets_size = size;
  memcpy (self->pkh_source, pay + 8, key_len);
  return TRUE;
}

static gboolean
rom_decrypt_mp2 (OsspSimBoard *self,
                 const guint8 *iv_key,
                 GError      **error)
{
  OsspSimContainer c;

  if (!ossp_sim_container_parse (self->blob->data + OSSP_SIM_LICENSE_SIZE,
                                 self->blob->len - OSSP_SIM_LICENSE_SIZE, &c, error))
    return FALSE;
  if (c.dev_id != ossp_chip_get_dev_id (self->chip))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "payload is for DEV_ID 0x%03X, this chip is 0x%03X", c.dev_id,
                   ossp_chip_get_dev_id (self->chip));
      return FALSE;
    }
  for (guint i = 0; i < c.n_sections; i++)
    {
      GBytes *plain;
      if (c.sections[i].type == OSSP_SIM_SECTION_MP1_PAYLOAD)
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                       "payload holds an MP1 section; this chip is %s", ossp_chip_get_name (self->chip));
          return FALSE;
        }
      if (c.sections[i].type >= OSSP_SIM_SECTION_MP2_TAMP)
        {
          const OsspBackupMemoryInfo *m = ossp_chip_lookup_backup_base (self->chip, c.sections[i].base);
          const char *kind = c.sections[i].type == OSSP_SIM_SECTION_MP2_TAMP ? "tamp" : "bkpsram";
          if (m == NULL || !g_str_equal (m->kind, kind))
            {
              g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                           "payload section %u: 0x%08X is not a %s base address of this chip",
                           i, c.sections[i].base, kind);
              return FALSE;
            }
        }
      plain = ossp_sim_container_decrypt (&c, i, iv_key + 16, iv_key, error);
      if (plain == NULL)
        return FALSE;
      if (c.sections[i].type == OSSP_SIM_SECTION_MP2_OTP)
        self->mp2_otp = plain;
      else if (c.sections[i].type == OSSP_SIM_SECTION_MP2_TAMP)
        self->mp2_tamp = plain;
      else
        self->mp2_bkpsram = plain;
    }
  if (self->mp2_otp == NULL)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA, "payload has no OTP secret section");
      return FALSE;
    }
  return TRUE;
}

/* PROV → PROA: license, then payload (ssp-flow.md §3 boot 3, §7.3). */
static void
rom_provision (OsspSimBoard *self)
{
  g_autoptr(GError) error = NULL;
  const guint8 *lic = self->blob->data;
  guint8 iv_key[32];
  gsize need = OSSP_SIM_LICENSE_SIZE + (is_mp25 (self) ? OSSP_SIM_CONTAINER_HEADER_SIZE
                                                        : ossp_chip_get_payload_size (self->chip));
  guint32 type;

  if (self->blob->len < need)
    {
      rom_fail (self, NULL, "license ‖ payload incomplete: %u of %zu bytes downloaded",
                self->blob->len, need);
      return;
    }
  type = ossp_read_le32 (lic);
  if (type != LIC_TYPE_NORMAL && type != LIC_TYPE_LIVE)
    {
      rom_fail (self, NULL, "license type 0x%08X is neither \"SSP.\" nor \"SSPL\"", type);
      return;
    }
  if (ossp_read_le32 (lic + 8) != 1)
    {
      rom_fail (self, NULL, "license version %u (must be 1)", ossp_read_le32 (lic + 8));
      return;
    }
  if (!rom_open_license (self, lic, iv_key, &error))
    {
      rom_fail (self, NULL, "%s", error->message);
      return;
    }
  if (ossp_read_le32 (lic + 0x0C) > self->fsbl_image_version)
    {
      ossp_secure_wipe (iv_key, sizeof iv_key);
      rom_fail (self, NULL, "license needs FSBL version ≥ %u, the FSBL header says %u",
                ossp_read_le32 (lic + 0x0C), self->fsbl_image_version);
      return;
    }
  if (ossp_read_le32 (iv_key + 12) != 0)
    {
      ossp_secure_wipe (iv_key, sizeof iv_key);
      rom_fail (self, NULL, "OEM IV bytes 12..15 are not zero");
      return;
    }
  if (!(is_mp25 (self) ? rom_decrypt_mp2 (self, iv_key, &error) : rom_decrypt_mp1 (self, iv_key, &error)))
    {
      ossp_secure_wipe (iv_key, sizeof iv_key);
      clear_rom_handover (self);
      rom_fail (self, NULL, "%s", error->message);
      return;
    }
  ossp_secure_wipe (iv_key, sizeof iv_key);
  self->ssp_cmd = OSSP_SIM_SSP_CMD_PROA;
  self->ssp_status = 2;
  add_event (self, "ROM: license and payload authenticated, secrets decrypted (PROA)");
}

/* The ROM's SSP step after START accepted the FSBL (§4.4 rule 3). */
static void
rom_ssp_step (OsspSimBoard *self)
{
  guint32 cmd = self->ssp_cmd;

  if (cmd != OSSP_SIM_SSP_CMD_PUBK && cmd != OSSP_SIM_SSP_CMD_PROV)
    return;
  if (ossp_sim_board_is_provisioned (self))
    {
      self->ssp_cmd = 0;
      self->ssp_status = 3;
      add_event (self, "ROM: SSP requested on a provisioned chip: forbidden (ssp_status 3)");
      return;
    }
  if (cmd == OSSP_SIM_SSP_CMD_PUBK)
    {
      ossp_sim_board_get_chip_public_key (self, self->chip_pubk);
      self->has_pubk = TRUE;
      self->ssp_cmd = OSSP_SIM_SSP_CMD_PUBA;
      self->ssp_status = 1;
      add_event (self, "ROM: chip ECIES key pair computed (PUBA)");
    }
  else
    rom_provision (self);
}

static gboolean
rom_check (OsspSimBoard     *self,
           const guint8     *image,
           gsize             len,
           OsspSimImageInfo *info,
           GError          **error)
{
  gint mono_word;

  if (!ossp_sim_image_parse (image, len, header_version_word (self->chip), info, error))
    return FALSE;
  mono_word = ossp_sim_otp_find_word (self->otp, "MONOTONIC");
  if (mono_word >= 0 && info->image_version < ossp_sim_otp_peek_shadow (self->otp, (guint) mono_word))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_VERIFY_FAILED,
                   "FSBL image version %u is below the monotonic counter %u (OTP word %d)",
                   info->image_version, ossp_sim_otp_peek_shadow (self->otp, (guint) mono_word), mono_word);
      return FALSE;
    }
  if (ossp_sim_otp_is_closed (self->otp) || self->authenticate_all)
    {
      guint8 hash[32];
      read_otp_hash (self, ossp_chip_get_pkh_first_word (self->chip), hash);
      if (!ossp_sim_image_authenticate (image, len, info, hash, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
ossp_sim_board_rom_check (OsspSimBoard  *self,
                          const guint8  *image,
                          gsize          len,
                          GError       **error)
{
  OsspSimImageInfo info;

  return rom_check (self, image, len, &info, error);
}

gboolean
ossp_sim_board_rom_start (OsspSimBoard  *self,
                          const guint8  *image,
                          gsize          len,
                          GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  OsspSimImageInfo info;

  if (self->stage != OSSP_SIM_STAGE_ROM)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_STATE, "The chip is not in its ROM stage");
      return FALSE;
    }
  if (!rom_check (self, image, len, &info, &local_error))
    {
      add_event (self, "ROM: FSBL refused: %s", local_error->message);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  self->fsbl_image_version = info.image_version;
  self->boots++;
  ossp_sim_board_trace (self, "ROM: FSBL accepted (%zu bytes, image version %u); boot %u",
                        len, info.image_version, self->boots);
  rom_ssp_step (self);
  self->stage = OSSP_SIM_STAGE_FSBL;
  autosave (self);
  return TRUE;
}

/* ---- FSBL-SSP ----------------------------------------------------------- */

gboolean
ossp_sim_board_blob_append (OsspSimBoard *self,
                            const guint8 *data,
                            gsize         len)
{
  if (len > ossp_sim_board_get_blob_capacity (self) - self->blob->len)
    return FALSE;
  g_byte_array_append (self->blob, data, len);
  return TRUE;
}

gboolean
ossp_sim_board_get_certificate (OsspSimBoard *self,
                                guint8        out[OSSP_SIM_CERTIFICATE_SIZE])
{
  memset (out, 0, OSSP_SIM_CERTIFICATE_SIZE);
  if (!self->has_pubk)
    return FALSE;
  /* ssp-flow.md §5: 3+2+1+2 ASCII, pubkey, OTP 40..55 each big-endian */
  write_product_id (self, out);
  memcpy (out + 8, self->chip_pubk, 64);
  if (self->has_cert_signature)
    memcpy (out + 72, self->cert_signature, 64);
  else
    for (guint j = 0; j < 16; j++)
      ossp_write_be32 (out + 72 + 4 * j, ossp_sim_otp_peek_shadow (self->otp, cert_first_word (self) + j));
  if (ossp_sim_faults_find (self->faults, OSSP_SIM_FAULT_BAD_CERT) != NULL)
    out[100] ^= 0x80;
  return TRUE;
}

/* One burned word: program, optionally lock; counts for reset-during-burn. */
static gboolean
burn_word (OsspSimBoard  *self,
           guint          word,
           guint32        value,
           gboolean       lock,
           gboolean      *power_lost,
           GError       **error)
{
  if (!ossp_sim_otp_program (self->otp, word, value, error))
    return FALSE;
  if (lock && !ossp_sim_otp_lock (self->otp, word, error))
    return FALSE;
  self->burned_words++;
  ossp_sim_board_trace (self, "FSBL: OTP %u |= 0x%08X%s", word, value, lock ? " + permanent lock" : "");
  if (ossp_sim_faults_check (self->faults, OSSP_SIM_FAULT_POWER_LOSS_BURN, self->burned_words) != NULL)
    {
      *power_lost = TRUE;
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_DEVICE, "power lost after %u burned words",
                   self->burned_words);
      return FALSE;
    }
  return TRUE;
}

static gboolean
burn_fail (GError    **error,
           const char *format,
           ...) G_GNUC_PRINTF (2, 3);

static gboolean
burn_fail (GError    **error,
           const char *format,
           ...)
{
  va_list args;
  g_autofree char *msg = NULL;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, OSSP_ERROR, OSSP_ERROR_STATE, msg);
  return FALSE;
}

static guint32
secret_word (OsspSimBoard *self,
             guint         i,
             guint         n)
{
  guint32 v = ossp_read_le32 (self->secrets + 4 * i);
  guint rest = self->secrets_size % 4;

  /* §8 step 4: the last partial word keeps GENMASK((size%4)*4 - 1, 0) —
   * the firmware multiplies by 4, not 8 */
  if (i == n - 1 && rest != 0)
    v &= (1u << (rest * 4)) - 1;
  return v;
}

/* ssp-flow.md §8 steps 1–4 (MP13/MP15). */
static gboolean
burn_mp1 (OsspSimBoard *self,
          gboolean     *power_lost,
          GError      **error)
{
  gboolean v26 = self->fsbl_version == OSSP_SIM_FSBL_V2_6;
  gboolean mp15 = is_chip (self, "stm32mp15");
  guint pkh = ossp_chip_get_pkh_first_word (self->chip);
  guint rma = (guint) ossp_chip_get_rma_word (self->chip);
  guint32 rma_mask = ossp_chip_get_rma_mask (self->chip);
  guint first = ossp_chip_get_secret_first_word (self->chip);
  guint last = ossp_chip_get_secret_last_word (self->chip);
  guint n = (guint) ((self->secrets_size + 3) / 4);
  guint32 v, cfg0;
  guint8 hash[32];

  /* 1. ssp_secrets_check */
  if (v26 && self->secrets_size == 0)
    return burn_fail (error, "secret size is 0");
  for (guint i = 0; i < 8; i++)
    {
      if (!ossp_sim_otp_read (self->otp, pkh + i, &v, error))
        return FALSE;
      if (v != 0)
        return burn_fail (error, "PKH word %u is not blank (0x%08X)", pkh + i, v);
    }
  if (n > 2 + (last - first))
    return burn_fail (error, "%u secret words do not fit OTP %u..%u", n, first, last);
  if (!ossp_sim_otp_read (self->otp, rma, &v, error))
    return FALSE;
  if (v != 0)
    return burn_fail (error, "RMA word %u is not blank (0x%08X)", rma, v);
  for (guint i = 1; i < n; i++)
    {
      guint32 cur;
      if (v26 && secret_word (self, i, n) == 0)
        continue;
      if (!ossp_sim_otp_read (self->otp, first + i - 1, &cur, error))
        return FALSE;
      if (cur != 0)
        return burn_fail (error, "secret target word %u is not blank (0x%08X)", first + i - 1, cur);
    }

  /* 2. ssp_pub_key_prog: MP15 hashes the OEM key, MP13 takes the PKHTH */
  if (mp15)
    ossp_sim_sha256 (self->pkh_source, 64, hash);
  else
    memcpy (hash, self->pkh_source, 32);
  for (guint i = 0; i < 8; i++)
    if (!burn_word (self, pkh + i, ossp_read_be32 (hash + 4 * i), TRUE, power_lost, error))
      return FALSE;

  /* 3. ssp_close_device */
  if (!ossp_sim_otp_read (self->otp, 0, &cfg0, error))
    return FALSE;
  if (mp15 && (cfg0 & 0x40))
    return burn_fail (error, "CFG0 0x%08X: the chip is already closed", cfg0);
  if (!mp15 && (cfg0 & ~0x17u) != 0)
    return burn_fail (error, "CFG0 0x%08X has bits outside the open value 0x17", cfg0);
  if (!burn_word (self, 0, mp15 ? 0x40 : 0x3F, FALSE, power_lost, error))
    return FALSE;

  /* 4. ssp_secrets_flash: word 0 → RMA (masked), words 1.. → OTP 59.. */
  v = n > 0 ? secret_word (self, 0, n) & rma_mask : 0;
  if (!burn_word (self, rma, v, FALSE, power_lost, error))
    return FALSE;
  if (v26)
    {
      guint32 back;
      if (!ossp_sim_otp_read_fuse (self->otp, rma, &back, error))
        return FALSE;
      if (back != v)
        return burn_fail (error, "RMA word read back 0x%08X, programmed 0x%08X", back, v);
      if (!ossp_sim_otp_lock (self->otp, rma, error))
        return FALSE;
    }
  for (guint i = 1; i < n; i++)
    {
      guint32 w = secret_word (self, i, n);
      if (v26 && w == 0)
        continue;   /* "allow to drop some words": neither programmed nor locked */
      if (!burn_word (self, first + i - 1, w, TRUE, power_lost, error))
        return FALSE;
    }
  return TRUE;
}

/* OUR OWN MP25 sequence (docs/simulator.md): OSOT entries, backup, close. */
static gboolean
burn_mp2 (OsspSimBoard *self,
          gboolean     *power_lost,
          GError      **error)
{
  g_autoptr(GArray) entries = NULL;
  g_autoptr(GArray) tamp = NULL, bkp = NULL;
  static const struct { guint word; guint32 mask; } close_writes[] = {
    { 8, 0xFF }, { 18, 0xFF }, { 124, 0x00100000 },
  };

  entries = ossp_sim_osot_parse (g_bytes_get_data (self->mp2_otp, NULL), g_bytes_get_size (self->mp2_otp),
                                 ossp_sim_otp_get_n_words (self->otp), error);
  if (entries == NULL)
    return FALSE;
  if (self->mp2_tamp != NULL &&
      (tamp = ossp_sim_osbk_parse (g_bytes_get_data (self->mp2_tamp, NULL), g_bytes_get_size (self->mp2_tamp),
                                   1, self->tamp->len, error)) == NULL)
    return FALSE;
  if (self->mp2_bkpsram != NULL &&
      (bkp = ossp_sim_osbk_parse (g_bytes_get_data (self->mp2_bkpsram, NULL),
                                  g_bytes_get_size (self->mp2_bkpsram), 2, self->bkpsram->len, error)) == NULL)
    return FALSE;

  /* check everything before the first fuse */
  for (guint i = 0; i < entries->len; i++)
    {
      OsspSimOtpEntry *e = &g_array_index (entries, OsspSimOtpEntry, i);
      if (!ossp_chip_word_is_ssp_writable (self->chip, e->word) || ossp_chip_word_is_reserved (self->chip, e->word))
        return burn_fail (error, "OTP word %u is not in the SSP-writable set of %s",
                          e->word, ossp_chip_get_name (self->chip));
      if (ossp_sim_otp_is_locked (self->otp, e->word))
        return burn_fail (error, "OTP word %u is permanently locked", e->word);
      if (e->value != 0 && !ossp_sim_otp_is_bitwise (self->otp, e->word) &&
          ossp_sim_otp_peek_fuse (self->otp, e->word) != 0)
        return burn_fail (error, "OTP word %u is not blank (0x%08X)", e->word,
                          ossp_sim_otp_peek_fuse (self->otp, e->word));
    }
  for (guint i = 0; i < entries->len; i++)
    {
      OsspSimOtpEntry *e = &g_array_index (entries, OsspSimOtpEntry, i);
      if (!burn_word (self, e->word, e->value, (e->flags & 1) != 0, power_lost, error))
        return FALSE;
      if (e->flags & 2)
        ossp_sim_otp_set_sticky (self->otp, e->word, OSSP_SIM_OTP_STICKY_SHADOW_READ);
      if (e->flags & 4)
        ossp_sim_otp_set_sticky (self->otp, e->word, OSSP_SIM_OTP_STICKY_PROGRAM);
    }
  for (guint i = 0; tamp != NULL && i < tamp->len; i++)
    {
      OsspSimBackupEntry *e = &g_array_index (tamp, OsspSimBackupEntry, i);
      memcpy (self->tamp->data + e->offset, e->data, e->length);
    }
  for (guint i = 0; bkp != NULL && i < bkp->len; i++)
    {
      OsspSimBackupEntry *e = &g_array_index (bkp, OsspSimBackupEntry, i);
      memcpy (self->bkpsram->data + e->offset, e->data, e->length);
    }
  for (guint i = 0; i < G_N_ELEMENTS (close_writes); i++)
    if (!burn_word (self, close_writes[i].word, close_writes[i].mask, FALSE, power_lost, error))
      return FALSE;
  return TRUE;
}

/* §8 step 5: runs after success and after failure. */
static void
fsbl_cleanup (OsspSimBoard *self)
{
  if (self->fsbl_version == OSSP_SIM_FSBL_V2_6 && !is_mp25 (self))
    {
      guint rma = (guint) ossp_chip_get_rma_word (self->chip);
      ossp_sim_otp_write_shadow (self->otp, rma, 0, NULL);
      ossp_sim_otp_set_sticky (self->otp, rma, OSSP_SIM_OTP_STICKY_SHADOW_READ);
      /* the 2017-2022 loop meant to clear the shadows of 59..95 but
       * rewrites word 56 each time: modelled as is */
      for (guint w = ossp_chip_get_secret_first_word (self->chip);
           w <= ossp_chip_get_secret_last_word (self->chip); w++)
        ossp_sim_otp_write_shadow (self->otp, rma, 0, NULL);
    }
  clear_rom_handover (self);
  self->has_pubk = FALSE;
  memset (self->chip_pubk, 0, sizeof self->chip_pubk);
  ossp_secure_wipe (self->blob->data, self->blob->len);
  g_byte_array_set_size (self->blob, 0);
  self->ssp_cmd = 0;
}

static OsspSimFsblPath
fsbl_flash_oem (OsspSimBoard *self)
{
  g_autoptr(GError) error = NULL;
  gboolean power_lost = FALSE;
  gboolean ok;
  guint ssp_word = ossp_sim_otp_get_ssp_word (self->otp);
  guint32 success = ossp_sim_otp_get_ssp_success_mask (self->otp);
  guint32 v;

  self->burned_words = 0;
  ok = is_mp25 (self) ? burn_mp2 (self, &power_lost, &error) : burn_mp1 (self, &power_lost, &error);
  if (power_lost)
    {
      add_event (self, "boot 3: %s: SSP_SUCCESS not set", error->message);
      ossp_sim_board_power_cycle (self);
      return OSSP_SIM_FSBL_POWER_LOST;
    }
  fsbl_cleanup (self);
  if (ok)
    {
      /* §8 step 6 */
      if (!ossp_sim_otp_read (self->otp, ssp_word, &v, &error))
        ok = FALSE;
      else if (v & success)
        {
          ok = FALSE;
          g_set_error (&error, OSSP_ERROR, OSSP_ERROR_STATE, "SSP_SUCCESS is already set");
        }
      else
        ok = ossp_sim_otp_program (self->otp, ssp_word, success, &error);
    }
  if (ok)
    add_event (self, "boot 3: secrets burned and locked, chip closed, SSP_SUCCESS set");
  else
    add_event (self, "boot 3 failed: %s; chip may be partially programmed, SSP_SUCCESS not set",
               error->message);
  ossp_sim_board_reset (self, "end of SSP");
  return OSSP_SIM_FSBL_FLASHED;
}

/* ssp_check_status + ssp_enable_processing (ssp-flow.md §3, §4.4 rule 4). */
OsspSimFsblPath
ossp_sim_board_fsbl_enter (OsspSimBoard *self)
{
  g_autoptr(GError) error = NULL;
  guint ssp_word = ossp_sim_otp_get_ssp_word (self->otp);
  guint32 req = ossp_sim_otp_get_ssp_req_mask (self->otp);
  guint32 success = ossp_sim_otp_get_ssp_success_mask (self->otp);
  guint32 w = 0;

  g_return_val_if_fail (self->stage == OSSP_SIM_STAGE_FSBL, OSSP_SIM_FSBL_HALTED);
  if (ossp_sim_otp_is_closed (self->otp))
    {
      add_event (self, "FSBL: SSP not supported on closed chip: no programmer link");
      self->stage = OSSP_SIM_STAGE_HALTED;
      return OSSP_SIM_FSBL_HALTED;
    }
  if (!ossp_sim_otp_read (self->otp, ssp_word, &w, &error))
    w = 0;
  if ((w & req) && (w & success))
    {
      add_event (self, "FSBL: SSP already done (SSP_SUCCESS set): no programmer link");
      self->stage = OSSP_SIM_STAGE_HALTED;
      return OSSP_SIM_FSBL_HALTED;
    }
  if (w & req)
    {
      if (self->ssp_cmd == OSSP_SIM_SSP_CMD_PUBA && self->has_pubk)
        {
          g_byte_array_set_size (self->blob, 0);
          self->session = OSSP_SIM_FSBL_SESSION_GET_CERT;
          add_event (self, "FSBL boot 2: certificate ready, waiting for license ‖ payload");
          return self->session;
        }
      if (self->ssp_cmd == OSSP_SIM_SSP_CMD_PROA)
        return fsbl_flash_oem (self);
    }
  /* state NONE */
  if (w & success)
    {
      add_event (self, "FSBL: SSP_SUCCESS set without SSP_REQ: refused, no programmer link");
      self->stage = OSSP_SIM_STAGE_HALTED;
      return OSSP_SIM_FSBL_HALTED;
    }
  if (!(w & req) && !ossp_sim_otp_program (self->otp, ssp_word, req, &error))
    {
      add_event (self, "FSBL: cannot burn SSP_REQ: %s", error->message);
      self->stage = OSSP_SIM_STAGE_HALTED;
      return OSSP_SIM_FSBL_HALTED;
    }
  self->session = OSSP_SIM_FSBL_SESSION_PROVISIONING;
  add_event (self, "FSBL boot 1: SSP_REQ set, reporting \"Provisioning\"");
  return self->session;
}

void
ossp_sim_board_fsbl_end_session (OsspSimBoard *self)
{
  g_return_if_fail (self->stage == OSSP_SIM_STAGE_FSBL);
  if (self->session == OSSP_SIM_FSBL_SESSION_PROVISIONING)
    self->ssp_cmd = OSSP_SIM_SSP_CMD_PUBK;
  else if (self->session == OSSP_SIM_FSBL_SESSION_GET_CERT)
    {
      /* the FSBL does not check what arrived: the ROM will */
      self->ssp_cmd = OSSP_SIM_SSP_CMD_PROV;
      add_event (self, "FSBL boot 2: %u bytes of license ‖ payload received (PROV)", self->blob->len);
    }
  ossp_sim_board_reset (self, self->session == OSSP_SIM_FSBL_SESSION_PROVISIONING
                              ? "end of boot 1" : "end of boot 2");
}
