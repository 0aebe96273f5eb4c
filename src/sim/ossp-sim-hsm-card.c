/* ossp-sim-hsm-card.c — the soft-HSM card: APDUs, state machine, licenses
 *
 * Written from hsm.md §4 (not from the host code in src/hsm), so that host
 * and card meet only on the wire.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>

#include "ossp-sim-hsm-card.h"

/* hsm.md §4 */
static const guint8 card_aid[] = { 'O', 'p', 'e', 'n', 'S', 'S', 'P', '.', 'H', 'S', 'M', '.', 'v', '1' };
static const guint8 card_atr[] = { 0x3B, 0x80, 0x80, 0x01, 0x01 };
static const guint8 card_version[3] = { 1, 0, 0 };

/* ISO 7816-4 words for what the §4 table does not cover */
#define SW_WRONG_LENGTH    0x6700
#define SW_FILE_NOT_FOUND  0x6A82
#define SW_WRONG_P1P2      0x6A86
#define SW_INS_UNKNOWN     0x6D00
#define SW_CLA_UNKNOWN     0x6E00

struct _OsspSimHsmCard
{
  GObject        parent_instance;

  GMutex         mutex;
  char          *state_path;

  guint8         serial[8];
  OsspHsmState   state;
  GBytes        *perso_blob;
  OsspHsmPerso  *perso;
  OsspSecret    *key_nonce;        /* OEM key 16 ‖ nonce 16, NULL until loaded */
  char          *firmware_id;      /* NULL until configured */
  guint32        max_count;
  guint32        license_type;
  guint32        fsbl_min_version;
  guint32        delivered;
};

G_DEFINE_FINAL_TYPE (OsspSimHsmCard, ossp_sim_hsm_card, G_TYPE_OBJECT)

static void
ossp_sim_hsm_card_finalize (GObject *object)
{
  OsspSimHsmCard *self = OSSP_SIM_HSM_CARD (object);

  g_mutex_clear (&self->mutex);
  g_free (self->state_path);
  g_clear_pointer (&self->perso_blob, g_bytes_unref);
  g_clear_object (&self->perso);
  g_clear_pointer (&self->key_nonce, ossp_secret_free);
  g_free (self->firmware_id);
  G_OBJECT_CLASS (ossp_sim_hsm_card_parent_class)->finalize (object);
}

static void
ossp_sim_hsm_card_class_init (OsspSimHsmCardClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ossp_sim_hsm_card_finalize;
}

static void
ossp_sim_hsm_card_init (OsspSimHsmCard *self)
{
  g_mutex_init (&self->mutex);
  self->license_type = OSSP_LICENSE_TYPE_SSP;
}

/* ---- state file (docs/formats/hsm-apdu.md §5) ---- */

static void
append_hex_member (GString      *s,
                   const char   *name,
                   const guint8 *data,
                   gsize         len,
                   gboolean      last)
{
  g_string_append_printf (s, "  \"%s\": ", name);
  if (data == NULL)
    g_string_append (s, "null");
  else
    {
      char *hex = ossp_hex_encode (data, len);
      g_string_append_printf (s, "\"%s\"", hex);
      ossp_secure_strfree (hex);
    }
  g_string_append (s, last ? "\n" : ",\n");
}

/* Caller holds the mutex. The text holds the OEM key: built and wiped here. */
static gboolean
save_locked (OsspSimHsmCard  *self,
             GError         **error)
{
  GString *s;
  gboolean ok;

  if (self->state_path == NULL)
    return TRUE;
  s = g_string_sized_new (2048);
  g_string_append_printf (s, "{\n  \"format\": \"%s\",\n  \"version\": %d,\n",
                          OSSP_SIM_HSM_CARD_STATE_FORMAT, OSSP_SIM_HSM_CARD_STATE_VERSION);
  append_hex_member (s, "serial", self->serial, 8, FALSE);
  g_string_append_printf (s, "  \"state\": \"%s\",\n", ossp_hsm_state_to_string (self->state));
  append_hex_member (s, "perso", self->perso_blob ? g_bytes_get_data (self->perso_blob, NULL) : NULL,
                     self->perso_blob ? g_bytes_get_size (self->perso_blob) : 0, FALSE);
  append_hex_member (s, "oem_key", self->key_nonce ? self->key_nonce->data : NULL, 16, FALSE);
  append_hex_member (s, "oem_nonce", self->key_nonce ? self->key_nonce->data + 16 : NULL, 16, FALSE);
  if (self->firmware_id)
    {
      /* printable ASCII only (checked on PUT CONFIG): escape quotes and backslashes */
      g_autofree char *esc = g_strescape (self->firmware_id, NULL);
      g_string_append_printf (s, "  \"firmware_id\": \"%s\",\n", esc);
    }
  else
    g_string_append (s, "  \"firmware_id\": null,\n");
  g_string_append_printf (s, "  \"max_count\": %u,\n  \"license_type\": \"%s\",\n"
                             "  \"fsbl_min_version\": %u,\n  \"delivered\": %u\n}\n",
                          self->max_count, ossp_license_type_to_string (self->license_type),
                          self->fsbl_min_version, self->delivered);
  ok = ossp_file_write_atomic (self->state_path, (const guint8 *) s->str, s->len,
                               OSSP_WRITE_FLAGS_SECRET | OSSP_WRITE_FLAGS_OVERWRITE, error);
  ossp_secure_wipe (s->str, s->allocated_len);
  g_string_free (s, TRUE);
  return ok;
}

static guint8 *
get_hex_member (JsonObject  *o,
                const char  *name,
                gsize        want_len,   /* 0: any */
                gsize       *out_len,
                GError     **error)
{
  JsonNode *node = json_object_get_member (o, name);
  guint8 *data;
  gsize len = 0;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  data = json_node_get_value_type (node) == G_TYPE_STRING
         ? ossp_hex_decode (json_node_get_string (node), &len, NULL) : NULL;
  if (data == NULL || (want_len && len != want_len))
    {
      g_free (data);
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "Member \"%s\" must be %s hex", name, want_len == 8 ? "8-byte" : want_len == 16 ? "16-byte" : "a");
      return NULL;
    }
  if (out_len)
    *out_len = len;
  return data;
}

static gboolean
get_u32_member (JsonObject  *o,
                const char  *name,
                guint32     *out,
                GError     **error)
{
  JsonNode *node = json_object_get_member (o, name);
  gint64 v;

  if (node == NULL || json_node_get_value_type (node) != G_TYPE_INT64 ||
      (v = json_node_get_int (node)) < 0 || v > G_MAXUINT32)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "Member \"%s\" must be a number from 0 to 4294967295", name);
      return FALSE;
    }
  *out = (guint32) v;
  return TRUE;
}

static gboolean
load_state (OsspSimHsmCard  *self,
            GError         **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;
  g_autofree guint8 *serial = NULL, *perso = NULL, *key = NULL, *nonce = NULL;
  gsize len = 0, perso_len = 0;
  guint8 *text;
  JsonObject *o;
  const char *state, *type;
  gboolean ok = FALSE;

  text = ossp_file_read (self->state_path, 64 * 1024, &len, error);
  if (text == NULL)
    return FALSE;
  ok = json_parser_load_from_data (parser, (const char *) text, (gssize) len, &local_error);
  ossp_secure_free (text, len);
  if (!ok)
    goto bad;
  ok = FALSE;
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error (&local_error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA, "not a JSON object");
      goto bad;
    }
  o = json_node_get_object (json_parser_get_root (parser));
  if (g_strcmp0 (json_object_get_string_member_with_default (o, "format", ""),
                 OSSP_SIM_HSM_CARD_STATE_FORMAT) != 0)
    {
      g_set_error (&local_error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "\"format\" is not \"%s\"", OSSP_SIM_HSM_CARD_STATE_FORMAT);
      goto bad;
    }
  if (json_object_get_int_member_with_default (o, "version", 0) != OSSP_SIM_HSM_CARD_STATE_VERSION)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_VERSION,
                   "Soft-HSM state %s has format version %" G_GINT64_FORMAT "; this OpenSSP reads version 1",
                   self->state_path, json_object_get_int_member_with_default (o, "version", 0));
      return FALSE;
    }
  serial = get_hex_member (o, "serial", 8, NULL, &local_error);
  if (serial == NULL)
    {
      if (local_error == NULL)
        g_set_error (&local_error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA, "\"serial\" is missing");
      goto bad;
    }
  memcpy (self->serial, serial, 8);
  state = json_object_get_string_member_with_default (o, "state", "");
  if (g_str_equal (state, "blank"))
    self->state = OSSP_HSM_STATE_BLANK;
  else if (g_str_equal (state, "personalised"))
    self->state = OSSP_HSM_STATE_PERSONALISED;
  else if (g_str_equal (state, "locked"))
    self->state = OSSP_HSM_STATE_LOCKED;
  else
    {
      g_set_error (&local_error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "\"state\" must be blank, personalised or locked");
      goto bad;
    }
  perso = get_hex_member (o, "perso", 0, &perso_len, &local_error);
  if (local_error)
    goto bad;
  if (perso != NULL)
    {
      self->perso = ossp_hsm_perso_parse (perso, perso_len, &local_error);
      if (self->perso == NULL)
        goto bad;
      self->perso_blob = g_bytes_new (perso, perso_len);
    }
  key = get_hex_member (o, "oem_key", 16, NULL, &local_error);
  if (local_error == NULL)
    nonce = get_hex_member (o, "oem_nonce", 16, NULL, &local_error);
  if (local_error)
    goto bad;
  if ((key == NULL) != (nonce == NULL))
    {
      g_set_error (&local_error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "\"oem_key\" and \"oem_nonce\" go together");
      goto bad;
    }
  if (key != NULL)
    {
      self->key_nonce = ossp_secret_new (32);
      memcpy (self->key_nonce->data, key, 16);
      memcpy (self->key_nonce->data + 16, nonce, 16);
      ossp_secure_wipe (key, 16);
      ossp_secure_wipe (nonce, 16);
    }
  if (json_object_has_member (o, "firmware_id") && !json_object_get_null_member (o, "firmware_id"))
    {
      const char *fw = json_object_get_string_member_with_default (o, "firmware_id", "");
      if (fw[0] == 0 || strlen (fw) > OSSP_HSM_FIRMWARE_ID_MAX)
        {
          g_set_error (&local_error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                       "\"firmware_id\" must have 1 to 32 characters");
          goto bad;
        }
      self->firmware_id = g_strdup (fw);
    }
  type = json_object_get_string_member_with_default (o, "license_type", "SSP.");
  if (!get_u32_member (o, "max_count", &self->max_count, &local_error) ||
      !get_u32_member (o, "fsbl_min_version", &self->fsbl_min_version, &local_error) ||
      !get_u32_member (o, "delivered", &self->delivered, &local_error) ||
      !ossp_license_type_from_string (type, &self->license_type, &local_error))
    goto bad;
  /* the invariants the APDUs maintain */
  if ((self->state != OSSP_HSM_STATE_BLANK) != (self->perso != NULL) ||
      (self->state == OSSP_HSM_STATE_LOCKED && (self->key_nonce == NULL || self->firmware_id == NULL)) ||
      self->delivered > self->max_count)
    {
      g_set_error (&local_error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "state \"%s\" does not fit the stored personalisation, key, configuration "
                   "or counter", state);
      goto bad;
    }
  return TRUE;

bad:
  g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
               "Soft-HSM state file %s is damaged: %s. Restore it from a backup; a new file "
               "would be a new, blank card", self->state_path, local_error->message);
  return FALSE;
}

OsspSimHsmCard *
ossp_sim_hsm_card_new (const char  *state_path,
                       GError     **error)
{
  g_autoptr(OsspSimHsmCard) self = g_object_new (OSSP_TYPE_SIM_HSM_CARD, NULL);

  self->state_path = g_strdup (state_path);
  if (state_path != NULL && g_file_test (state_path, G_FILE_TEST_EXISTS))
    {
      if (!load_state (self, error))
        return NULL;
      return g_steal_pointer (&self);
    }
  /* a new, blank card with a random serial */
  if (gnutls_rnd (GNUTLS_RND_NONCE, self->serial, sizeof self->serial) != 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_CRYPTO, "The random number generator failed");
      return NULL;
    }
  if (!save_locked (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

const char *
ossp_sim_hsm_card_get_state_path (OsspSimHsmCard *self)
{
  g_return_val_if_fail (OSSP_IS_SIM_HSM_CARD (self), NULL);
  return self->state_path;
}

const guint8 *
ossp_sim_hsm_card_get_atr (gsize *len)
{
  *len = sizeof card_atr;
  return card_atr;
}

void
ossp_sim_hsm_card_reset (OsspSimHsmCard *self)
{
  /* the card keeps no session state between resets: nothing to clear */
  g_return_if_fail (OSSP_IS_SIM_HSM_CARD (self));
}

/* ---- commands (each takes the mutex) ---- */

static guint32
remaining_locked (OsspSimHsmCard *self)
{
  return self->max_count > self->delivered ? self->max_count - self->delivered : 0;
}

guint16
ossp_sim_hsm_card_get_info (OsspSimHsmCard  *self,
                            OsspHsmInfo    **out_info)
{
  OsspHsmInfo *info = ossp_hsm_info_new ();

  g_mutex_lock (&self->mutex);
  info->serial = ossp_hex_encode (self->serial, 8);
  info->firmware_id = g_strdup (self->firmware_id);
  info->state = self->state;
  info->delivered = self->delivered;
  info->remaining = remaining_locked (self);
  if (self->perso)
    {
      g_strfreev (info->product_ids);
      info->product_ids = ossp_hsm_perso_get_product_ids (self->perso);
    }
  info->card_version = g_strdup_printf ("%u.%u.%u", card_version[0], card_version[1], card_version[2]);
  info->source = g_strdup (self->state_path ? self->state_path : "soft-HSM (memory)");
  g_mutex_unlock (&self->mutex);
  *out_info = info;
  return OSSP_HSM_SW_OK;
}

guint16
ossp_sim_hsm_card_put_perso (OsspSimHsmCard *self,
                             const guint8   *blob,
                             gsize           len)
{
  g_autoptr(OsspHsmPerso) perso = NULL;
  guint16 sw = OSSP_HSM_SW_OK;

  g_mutex_lock (&self->mutex);
  if (self->state != OSSP_HSM_STATE_BLANK)
    sw = OSSP_HSM_SW_WRONG_STATE;
  else if ((perso = ossp_hsm_perso_parse (blob, len, NULL)) == NULL)
    sw = OSSP_HSM_SW_BAD_DATA;
  else
    {
      self->perso = g_steal_pointer (&perso);
      self->perso_blob = g_bytes_new (blob, len);
      self->state = OSSP_HSM_STATE_PERSONALISED;
      if (!save_locked (self, NULL))
        {
          g_clear_object (&self->perso);
          g_clear_pointer (&self->perso_blob, g_bytes_unref);
          self->state = OSSP_HSM_STATE_BLANK;
          sw = OSSP_HSM_SW_INTERNAL;
        }
    }
  g_mutex_unlock (&self->mutex);
  return sw;
}

guint16
ossp_sim_hsm_card_put_oem_key (OsspSimHsmCard *self,
                               const guint8   *key_and_nonce,
                               gsize           len)
{
  guint16 sw = OSSP_HSM_SW_OK;

  g_mutex_lock (&self->mutex);
  if (self->state == OSSP_HSM_STATE_LOCKED)
    sw = OSSP_HSM_SW_WRONG_STATE;
  else if (len != 32 || (key_and_nonce[28] | key_and_nonce[29] | key_and_nonce[30] | key_and_nonce[31]) != 0)
    sw = OSSP_HSM_SW_BAD_DATA;
  else
    {
      OsspSecret *old = self->key_nonce;
      self->key_nonce = ossp_secret_new_from_data (key_and_nonce, 32);
      if (!save_locked (self, NULL))
        {
          ossp_secret_free (self->key_nonce);
          self->key_nonce = old;
          sw = OSSP_HSM_SW_INTERNAL;
        }
      else
        ossp_secret_free (old);
    }
  g_mutex_unlock (&self->mutex);
  return sw;
}

guint16
ossp_sim_hsm_card_put_config (OsspSimHsmCard *self,
                              const char     *firmware_id,
                              guint32         max_count,
                              guint32         license_type,
                              guint32         fsbl_min_version)
{
  guint16 sw = OSSP_HSM_SW_OK;
  gsize n = firmware_id ? strlen (firmware_id) : 0;

  for (gsize i = 0; i < n; i++)
    if (firmware_id[i] < 0x20 || firmware_id[i] > 0x7e)
      return OSSP_HSM_SW_BAD_DATA;
  if (n == 0 || n > OSSP_HSM_FIRMWARE_ID_MAX || max_count == 0 ||
      ossp_license_type_to_string (license_type) == NULL)
    return OSSP_HSM_SW_BAD_DATA;

  g_mutex_lock (&self->mutex);
  if (self->state == OSSP_HSM_STATE_LOCKED)
    sw = OSSP_HSM_SW_WRONG_STATE;
  else
    {
      g_free (self->firmware_id);
      self->firmware_id = g_strdup (firmware_id);
      self->max_count = max_count;
      self->license_type = license_type;
      self->fsbl_min_version = fsbl_min_version;
      self->delivered = 0;
      if (!save_locked (self, NULL))
        sw = OSSP_HSM_SW_INTERNAL;
    }
  g_mutex_unlock (&self->mutex);
  return sw;
}

guint16
ossp_sim_hsm_card_lock (OsspSimHsmCard *self)
{
  guint16 sw = OSSP_HSM_SW_OK;

  g_mutex_lock (&self->mutex);
  if (self->state != OSSP_HSM_STATE_PERSONALISED || self->key_nonce == NULL || self->firmware_id == NULL)
    sw = OSSP_HSM_SW_WRONG_STATE;
  else
    {
      self->state = OSSP_HSM_STATE_LOCKED;
      if (!save_locked (self, NULL))
        {
          self->state = OSSP_HSM_STATE_PERSONALISED;
          sw = OSSP_HSM_SW_INTERNAL;
        }
    }
  g_mutex_unlock (&self->mutex);
  return sw;
}

/* hsm.md §2 order: product id, signature, counter; the counter is written
 * to the state file before the license leaves the card. */
guint16
ossp_sim_hsm_card_get_license (OsspSimHsmCard *self,
                               const guint8   *certificate,
                               gsize           len,
                               guint8          license_out[OSSP_LICENSE_SIZE])
{
  g_autoptr(OsspChipCertificate) cert = NULL;
  g_autoptr(OsspLicense) license = NULL;
  const OsspHsmPersoEntry *entry;
  guint16 sw = OSSP_HSM_SW_OK;

  g_mutex_lock (&self->mutex);
  if (self->state != OSSP_HSM_STATE_LOCKED)
    sw = OSSP_HSM_SW_WRONG_STATE;
  else if (len != OSSP_CHIP_CERTIFICATE_SIZE)
    sw = OSSP_HSM_SW_BAD_DATA;
  else if ((entry = ossp_hsm_perso_lookup (self->perso, (const char *) certificate)) == NULL ||
           (self->license_type == OSSP_LICENSE_TYPE_SSPL && !(entry->flags & OSSP_HSM_PERSO_FLAG_ALLOW_LIVE)))
    sw = OSSP_HSM_SW_NOT_CONFIGURED;
  else if ((cert = ossp_chip_certificate_parse (certificate, len, NULL)) == NULL ||
           !ossp_chip_certificate_verify (cert, entry->root_pubkey, NULL))
    sw = OSSP_HSM_SW_BAD_SIGNATURE;
  else if (!ossp_p256_check_public (cert->chip_pubkey))
    sw = OSSP_HSM_SW_BAD_DATA;
  else if (remaining_locked (self) == 0)
    sw = OSSP_HSM_SW_EXHAUSTED;
  else
    {
      license = ossp_license_new (self->license_type, 0, self->fsbl_min_version);
      if (!ossp_license_seal (license, cert->chip_pubkey, self->key_nonce->data + 16,
                              self->key_nonce->data, NULL))
        sw = OSSP_HSM_SW_INTERNAL;
      else
        {
          self->delivered++;
          if (!save_locked (self, NULL))
            {
              self->delivered--;
              sw = OSSP_HSM_SW_INTERNAL;
            }
          else
            ossp_license_format (license, license_out);
        }
    }
  g_mutex_unlock (&self->mutex);
  return sw;
}

guint16
ossp_sim_hsm_card_get_st_pubkey (OsspSimHsmCard *self,
                                 guint8          key_id,
                                 guint8          pubkey[64])
{
  guint16 sw = OSSP_HSM_SW_NOT_CONFIGURED;

  g_mutex_lock (&self->mutex);
  if (self->perso == NULL)
    sw = OSSP_HSM_SW_WRONG_STATE;
  else
    for (guint i = 0; i < ossp_hsm_perso_get_n_entries (self->perso); i++)
      {
        const OsspHsmPersoEntry *e = ossp_hsm_perso_get_entry (self->perso, i);
        guint8 kid = 0;
        if (ossp_chip_certificate_parse_product_id (e->product_id, NULL, NULL, &kid, NULL) && kid == key_id)
          {
            memcpy (pubkey, e->root_pubkey, 64);
            sw = OSSP_HSM_SW_OK;
            break;
          }
      }
  g_mutex_unlock (&self->mutex);
  return sw;
}

/* ---- APDU layer ---- */

typedef struct {
  guint8        cla, ins, p1, p2;
  const guint8 *data;
  gsize         lc;
} Apdu;

/* ISO 7816-4 cases 1, 2, 3, 4, short and extended. FALSE: bad framing. */
static gboolean
parse_apdu (const guint8 *b,
            gsize         len,
            Apdu         *a)
{
  if (b == NULL || len < 4)
    return FALSE;
  a->cla = b[0];
  a->ins = b[1];
  a->p1 = b[2];
  a->p2 = b[3];
  a->data = NULL;
  a->lc = 0;
  if (len == 4 || len == 5)                       /* case 1, case 2 short */
    return TRUE;
  if (b[4] != 0)
    {
      gsize lc = b[4];
      if (len != 5 + lc && len != 6 + lc)          /* case 3 / 4 short */
        return FALSE;
      a->data = b + 5;
      a->lc = lc;
      return TRUE;
    }
  if (len < 7)                                    /* 00 but no 2-byte length */
    return FALSE;
  if (len == 7)                                   /* case 2 extended */
    return TRUE;
  {
    gsize lc = ((gsize) b[5] << 8) | b[6];
    if (lc == 0 || (len != 7 + lc && len != 9 + lc)) /* case 3 / 4 extended */
      return FALSE;
    a->data = b + 7;
    a->lc = lc;
    return TRUE;
  }
}

static GBytes *
respond (const guint8 *data,
         gsize         len,
         guint16       sw)
{
  guint8 *out = g_malloc (len + 2);
  if (len)
    memcpy (out, data, len);
  out[len] = (guint8) (sw >> 8);
  out[len + 1] = (guint8) sw;
  return g_bytes_new_take (out, len + 2);
}

static GBytes *
get_data (OsspSimHsmCard *self,
          const Apdu     *a)
{
  guint8 buf[4 + 3 + 10 + 3 + 2 + OSSP_HSM_FIRMWARE_ID_MAX + 8 * OSSP_HSM_PERSO_MAX_ENTRIES];
  g_autoptr(OsspHsmInfo) info = NULL;
  gsize n = 0;

  if (a->p1 != 0x01)
    return respond (NULL, 0, SW_WRONG_P1P2);
  ossp_sim_hsm_card_get_info (self, &info);
  switch (a->p2)
    {
    case 0x00:  /* TLV: 01 version, 02 serial, 03 state, 04 firmware id */
      {
        gsize fw_len = info->firmware_id ? strlen (info->firmware_id) : 0;
        buf[n++] = 0x01; buf[n++] = 3;
        memcpy (buf + n, card_version, 3); n += 3;
        buf[n++] = 0x02; buf[n++] = 8;
        g_mutex_lock (&self->mutex);
        memcpy (buf + n, self->serial, 8); n += 8;
        g_mutex_unlock (&self->mutex);
        buf[n++] = 0x03; buf[n++] = 1;
        buf[n++] = (guint8) info->state;
        buf[n++] = 0x04; buf[n++] = (guint8) fw_len;
        memcpy (buf + n, info->firmware_id ? info->firmware_id : "", fw_len); n += fw_len;
        return respond (buf, n, OSSP_HSM_SW_OK);
      }
    case 0x17:
      ossp_write_be32 (buf, info->delivered);
      return respond (buf, 4, OSSP_HSM_SW_OK);
    case 0x18:
      ossp_write_be32 (buf, info->remaining);
      return respond (buf, 4, OSSP_HSM_SW_OK);
    case 0x19:  /* OpenSSP extension: the configured product ids, 8 bytes each */
      for (guint i = 0; info->product_ids[i] != NULL; i++)
        {
          memcpy (buf + n, info->product_ids[i], OSSP_PRODUCT_ID_LEN);
          n += OSSP_PRODUCT_ID_LEN;
        }
      return respond (buf, n, OSSP_HSM_SW_OK);
    default:
      return respond (NULL, 0, SW_WRONG_P1P2);
    }
}

static GBytes *
put_config (OsspSimHsmCard *self,
            const Apdu     *a)
{
  char fw[OSSP_HSM_FIRMWARE_ID_MAX + 1];
  gsize n;
  const guint8 *p;

  /* fw id len(1) ‖ fw id ‖ max u32 ‖ license type u32 ‖ fsbl_min_version u32 */
  if (a->lc < 1)
    return respond (NULL, 0, OSSP_HSM_SW_BAD_DATA);
  n = a->data[0];
  if (n == 0 || n > OSSP_HSM_FIRMWARE_ID_MAX || a->lc != 1 + n + 12 || memchr (a->data + 1, 0, n))
    return respond (NULL, 0, OSSP_HSM_SW_BAD_DATA);
  memcpy (fw, a->data + 1, n);
  fw[n] = 0;
  p = a->data + 1 + n;
  return respond (NULL, 0, ossp_sim_hsm_card_put_config (self, fw, ossp_read_be32 (p),
                                                        ossp_read_be32 (p + 4), ossp_read_be32 (p + 8)));
}

GBytes *
ossp_sim_hsm_card_transmit (OsspSimHsmCard *self,
                            const guint8   *apdu,
                            gsize           len)
{
  Apdu a;

  g_return_val_if_fail (OSSP_IS_SIM_HSM_CARD (self), respond (NULL, 0, OSSP_HSM_SW_INTERNAL));
  if (!parse_apdu (apdu, len, &a))
    return respond (NULL, 0, SW_WRONG_LENGTH);

  if (a.cla == 0x00)
    {
      switch (a.ins)
        {
        case 0xA4:  /* SELECT by AID */
          if (a.p1 != 0x04 || a.p2 != 0x00)
            return respond (NULL, 0, SW_WRONG_P1P2);
          if (a.lc != sizeof card_aid || memcmp (a.data, card_aid, sizeof card_aid) != 0)
            return respond (NULL, 0, SW_FILE_NOT_FOUND);
          return respond (NULL, 0, OSSP_HSM_SW_OK);
        case 0xCA:
          return get_data (self, &a);
        case 0xDA: case 0x44: case 0x4C: case 0x4D:
          return respond (NULL, 0, SW_CLA_UNKNOWN);
        default:
          return respond (NULL, 0, SW_INS_UNKNOWN);
        }
    }
  if (a.cla != 0x80)
    return respond (NULL, 0, SW_CLA_UNKNOWN);

  switch (a.ins)
    {
    case 0xDA:  /* PUT DATA: 01 perso, 02 OEM key, 03 config */
      if (a.p1 != 0x00)
        return respond (NULL, 0, SW_WRONG_P1P2);
      switch (a.p2)
        {
        case 0x01:
          return respond (NULL, 0, ossp_sim_hsm_card_put_perso (self, a.data, a.lc));
        case 0x02:
          return respond (NULL, 0, ossp_sim_hsm_card_put_oem_key (self, a.data, a.lc));
        case 0x03:
          return put_config (self, &a);
        default:
          return respond (NULL, 0, SW_WRONG_P1P2);
        }
    case 0x44:
      if (a.p1 != 0 || a.p2 != 0)
        return respond (NULL, 0, SW_WRONG_P1P2);
      return respond (NULL, 0, ossp_sim_hsm_card_lock (self));
    case 0x4C:
      {
        guint8 license[OSSP_LICENSE_SIZE];
        guint16 sw;
        if (a.p1 != 0 || a.p2 != 0)
          return respond (NULL, 0, SW_WRONG_P1P2);
        sw = ossp_sim_hsm_card_get_license (self, a.data, a.lc, license);
        return respond (license, sw == OSSP_HSM_SW_OK ? OSSP_LICENSE_SIZE : 0, sw);
      }
    case 0x4D:
      {
        guint8 pub[64];
        guint16 sw;
        if (a.p1 != 0)
          return respond (NULL, 0, SW_WRONG_P1P2);
        sw = ossp_sim_hsm_card_get_st_pubkey (self, a.p2, pub);
        return respond (pub, sw == OSSP_HSM_SW_OK ? 64 : 0, sw);
      }
    default:
      return respond (NULL, 0, SW_INS_UNKNOWN);
    }
}
