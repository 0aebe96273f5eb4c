/* ossp-license.c — SSP license format and OpenSSP-ECIES v1
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>

#include "ossp-error.h"
#include "ossp-util.h"
#include "ossp-p256.h"
#include "ossp-license.h"

G_DEFINE_BOXED_TYPE (OsspLicense, ossp_license, ossp_license_copy, ossp_license_free)

OsspLicense *
ossp_license_new (guint32 license_type,
                  guint32 live_session_id,
                  guint32 fsbl_min_version)
{
  OsspLicense *self = g_new0 (OsspLicense, 1);
  self->license_type = license_type;
  self->live_session_id = live_session_id;
  self->license_version = OSSP_LICENSE_VERSION;
  self->fsbl_min_version = fsbl_min_version;
  return self;
}

const char *
ossp_license_type_to_string (guint32 license_type)
{
  switch (license_type)
    {
    case OSSP_LICENSE_TYPE_SSP: return "SSP.";
    case OSSP_LICENSE_TYPE_SSPL: return "SSPL";
    default: return NULL;
    }
}

gboolean
ossp_license_type_from_string (const char  *text,
                               guint32     *license_type,
                               GError     **error)
{
  if (text != NULL && (g_ascii_strcasecmp (text, "SSP.") == 0 || g_ascii_strcasecmp (text, "SSP") == 0 ||
                       g_ascii_strcasecmp (text, "normal") == 0))
    *license_type = OSSP_LICENSE_TYPE_SSP;
  else if (text != NULL && (g_ascii_strcasecmp (text, "SSPL") == 0 || g_ascii_strcasecmp (text, "live") == 0))
    *license_type = OSSP_LICENSE_TYPE_SSPL;
  else
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "License type \"%s\" is unknown; use SSP. (normal) or SSPL (live session)",
                   text ? text : "");
      return FALSE;
    }
  return TRUE;
}

OsspLicense *
ossp_license_parse (const guint8  *data,
                    gsize          len,
                    GError       **error)
{
  g_autoptr(OsspLicense) self = NULL;

  if (data == NULL || len != OSSP_LICENSE_SIZE)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "A license has exactly %d bytes; this one has %" G_GSIZE_FORMAT,
                   OSSP_LICENSE_SIZE, data ? len : 0);
      return NULL;
    }
  self = g_new0 (OsspLicense, 1);
  self->license_type = ossp_read_le32 (data);
  self->live_session_id = ossp_read_le32 (data + 4);
  self->license_version = ossp_read_le32 (data + 8);
  self->fsbl_min_version = ossp_read_le32 (data + 12);
  memcpy (self->rfu, data + 16, 8);
  memcpy (self->eph_pubkey, data + 24, 64);
  memcpy (self->encrypted_iv_and_key, data + 88, 32);
  memcpy (self->tag, data + 120, 16);
  if (ossp_license_type_to_string (self->license_type) == NULL)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "License type is 0x%08X; a license starts with \"SSP.\" (0x2E505353) or "
                   "\"SSPL\" (0x4C505353)", self->license_type);
      return NULL;
    }
  if (self->license_version != OSSP_LICENSE_VERSION)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_VERSION,
                   "License layout version is %u; the chip only accepts version 1",
                   self->license_version);
      return NULL;
    }
  return g_steal_pointer (&self);
}

OsspLicense *
ossp_license_parse_bytes (GBytes  *bytes,
                          GError **error)
{
  gsize len = 0;
  const guint8 *data = bytes ? g_bytes_get_data (bytes, &len) : NULL;
  return ossp_license_parse (data, len, error);
}

void
ossp_license_format (const OsspLicense *self,
                     guint8             out[OSSP_LICENSE_SIZE])
{
  ossp_write_le32 (out, self->license_type);
  ossp_write_le32 (out + 4, self->live_session_id);
  ossp_write_le32 (out + 8, self->license_version);
  ossp_write_le32 (out + 12, self->fsbl_min_version);
  memcpy (out + 16, self->rfu, 8);
  memcpy (out + 24, self->eph_pubkey, 64);
  memcpy (out + 88, self->encrypted_iv_and_key, 32);
  memcpy (out + 120, self->tag, 16);
}

GBytes *
ossp_license_to_bytes (const OsspLicense *self)
{
  guint8 *out = g_malloc (OSSP_LICENSE_SIZE);
  ossp_license_format (self, out);
  return g_bytes_new_take (out, OSSP_LICENSE_SIZE);
}

OsspLicense *
ossp_license_copy (const OsspLicense *self)
{
  return g_memdup2 (self, sizeof *self);
}

void
ossp_license_free (OsspLicense *self)
{
  g_free (self);
}

/* The secrets of one license computation, wiped as one block. */
typedef struct {
  guint8 z[32];
  guint8 kdf[64];   /* K_lic = 0..15, N_lic = 16..27, AuthTok = 32..63 */
  guint8 aad[OSSP_LICENSE_HEADER_SIZE + 32];
  guint8 buf[48];   /* IV16 ‖ KEY16 (‖ tag16) */
  guint8 eph_priv[32];
} LicenseSecrets;

/* KDF = SHA256(Z ‖ 00000001) ‖ SHA256(Z ‖ 00000002), then the AAD:
 * license[0..87] ‖ AuthTok. */
static gboolean
derive (LicenseSecrets     *s,
        const OsspLicense  *license,
        GError            **error)
{
  guint8 in[36];
  guint8 header[OSSP_LICENSE_SIZE];

  memcpy (in, s->z, 32);
  for (guint32 round = 1; round <= 2; round++)
    {
      ossp_write_be32 (in + 32, round);
      if (gnutls_hash_fast (GNUTLS_DIG_SHA256, in, sizeof in, s->kdf + 32 * (round - 1)) < 0)
        {
          ossp_secure_wipe (in, sizeof in);
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_CRYPTO, "SHA-256 failed in the license KDF");
          return FALSE;
        }
    }
  ossp_secure_wipe (in, sizeof in);
  ossp_license_format (license, header);
  memcpy (s->aad, header, OSSP_LICENSE_HEADER_SIZE);
  memcpy (s->aad + OSSP_LICENSE_HEADER_SIZE, s->kdf + 32, 32);
  return TRUE;
}

static gboolean
gcm (gboolean        encrypt,
     LicenseSecrets *s,
     const guint8   *in,
     gsize           in_len,
     guint8         *out,
     gsize           out_len,
     GError        **error)
{
  gnutls_aead_cipher_hd_t h = NULL;
  gnutls_datum_t key = { s->kdf, 16 };
  size_t n = out_len;
  int ret;

  ret = gnutls_aead_cipher_init (&h, GNUTLS_CIPHER_AES_128_GCM, &key);
  if (ret >= 0)
    ret = encrypt ? gnutls_aead_cipher_encrypt (h, s->kdf + 16, 12, s->aad, sizeof s->aad, 16,
                                                in, in_len, out, &n)
                  : gnutls_aead_cipher_decrypt (h, s->kdf + 16, 12, s->aad, sizeof s->aad, 16,
                                                in, in_len, out, &n);
  if (h)
    gnutls_aead_cipher_deinit (h);
  if (ret == GNUTLS_E_DECRYPTION_FAILED)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_VERIFY_FAILED,
                   "The license tag does not match: it was made for another chip key, or altered");
      return FALSE;
    }
  if (ret < 0 || n != (encrypt ? 48u : 32u))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_CRYPTO, "AES-128-GCM failed: %s",
                   ret < 0 ? gnutls_strerror (ret) : "unexpected length");
      return FALSE;
    }
  return TRUE;
}

gboolean
ossp_license_seal (OsspLicense   *self,
                   const guint8   chip_pubkey[64],
                   const guint8   oem_iv[OSSP_OEM_IV_SIZE],
                   const guint8   oem_key[OSSP_OEM_KEY_SIZE],
                   GError       **error)
{
  LicenseSecrets *s = ossp_secure_alloc (sizeof *s);
  guint8 in[32];
  gboolean ok = FALSE;

  if (!ossp_p256_check_public (chip_pubkey))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "The chip public key (certificate bytes 8..71) is not a P-256 point");
      goto out;
    }
  if (!ossp_p256_generate_key (s->eph_priv, self->eph_pubkey, error) ||
      !ossp_p256_ecdh (s->eph_priv, chip_pubkey, s->z, error) ||
      !derive (s, self, error))
    goto out;
  memcpy (in, oem_iv, 16);
  memcpy (in + 16, oem_key, 16);
  if (!gcm (TRUE, s, in, 32, s->buf, 48, error))
    goto out;
  memcpy (self->encrypted_iv_and_key, s->buf, 32);
  memcpy (self->tag, s->buf + 32, 16);
  ok = TRUE;
out:
  ossp_secure_wipe (in, sizeof in);
  ossp_secure_free (s, sizeof *s);
  return ok;
}

gboolean
ossp_license_open (const OsspLicense  *self,
                   const guint8        chip_private[32],
                   guint8              oem_iv[OSSP_OEM_IV_SIZE],
                   guint8              oem_key[OSSP_OEM_KEY_SIZE],
                   GError            **error)
{
  LicenseSecrets *s = ossp_secure_alloc (sizeof *s);
  guint8 in[48];
  gboolean ok = FALSE;

  if (!ossp_p256_ecdh (chip_private, self->eph_pubkey, s->z, error) || !derive (s, self, error))
    goto out;
  memcpy (in, self->encrypted_iv_and_key, 32);
  memcpy (in + 32, self->tag, 16);
  if (!gcm (FALSE, s, in, 48, s->buf, 32, error))
    goto out;
  memcpy (oem_iv, s->buf, 16);
  memcpy (oem_key, s->buf + 16, 16);
  ok = TRUE;
out:
  ossp_secure_free (s, sizeof *s);
  return ok;
}
