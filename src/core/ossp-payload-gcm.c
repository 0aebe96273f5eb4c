/* ossp-payload-gcm.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>

#include "ossp-error.h"
#include "ossp-util.h"
#include "ossp-payload-gcm.h"

static gnutls_aead_cipher_hd_t
gcm_open (const guint8 *key, GError **error)
{
  gnutls_aead_cipher_hd_t hd = NULL;
  gnutls_datum_t k = { (unsigned char *) key, OSSP_PAYLOAD_GCM_KEY_SIZE };
  int rc = gnutls_aead_cipher_init (&hd, GNUTLS_CIPHER_AES_128_GCM, &k);

  if (rc < 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_CRYPTO,
                   "Cannot set up AES-128-GCM: %s", gnutls_strerror (rc));
      return NULL;
    }
  return hd;
}

gboolean
ossp_payload_gcm_encrypt (const guint8  key[OSSP_PAYLOAD_GCM_KEY_SIZE],
                          const guint8  nonce[OSSP_PAYLOAD_GCM_NONCE_SIZE],
                          const guint8 *aad,
                          gsize         aad_len,
                          const guint8 *plain,
                          gsize         len,
                          guint8       *out_cipher,
                          guint8        out_tag[OSSP_PAYLOAD_GCM_TAG_SIZE],
                          GError      **error)
{
  gnutls_aead_cipher_hd_t hd = gcm_open (key, error);
  gsize out_len = len + OSSP_PAYLOAD_GCM_TAG_SIZE;
  guint8 *out;
  int rc;

  if (hd == NULL)
    return FALSE;
  /* GnuTLS writes ciphertext ‖ tag into one buffer; the split is ours */
  out = ossp_secure_alloc (out_len);
  rc = gnutls_aead_cipher_encrypt (hd, nonce, OSSP_PAYLOAD_GCM_NONCE_SIZE, aad, aad_len,
                                   OSSP_PAYLOAD_GCM_TAG_SIZE, plain, len, out, &out_len);
  gnutls_aead_cipher_deinit (hd);
  if (rc < 0 || out_len != len + OSSP_PAYLOAD_GCM_TAG_SIZE)
    {
      ossp_secure_free (out, len + OSSP_PAYLOAD_GCM_TAG_SIZE);
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_CRYPTO,
                   "AES-128-GCM encryption failed: %s", gnutls_strerror (rc));
      return FALSE;
    }
  memcpy (out_cipher, out, len);
  memcpy (out_tag, out + len, OSSP_PAYLOAD_GCM_TAG_SIZE);
  ossp_secure_free (out, len + OSSP_PAYLOAD_GCM_TAG_SIZE);
  return TRUE;
}

gboolean
ossp_payload_gcm_decrypt (const guint8  key[OSSP_PAYLOAD_GCM_KEY_SIZE],
                          const guint8  nonce[OSSP_PAYLOAD_GCM_NONCE_SIZE],
                          const guint8 *aad,
                          gsize         aad_len,
                          const guint8 *cipher,
                          gsize         len,
                          const guint8  tag[OSSP_PAYLOAD_GCM_TAG_SIZE],
                          guint8       *out_plain,
                          GError      **error)
{
  gnutls_aead_cipher_hd_t hd = gcm_open (key, error);
  gsize in_len = len + OSSP_PAYLOAD_GCM_TAG_SIZE;
  gsize out_len = len;
  g_autofree guint8 *in = NULL;
  guint8 *out;
  int rc;

  if (hd == NULL)
    return FALSE;
  in = g_malloc (in_len);
  if (len)
    memcpy (in, cipher, len);
  memcpy (in + len, tag, OSSP_PAYLOAD_GCM_TAG_SIZE);
  out = ossp_secure_alloc (len);
  rc = gnutls_aead_cipher_decrypt (hd, nonce, OSSP_PAYLOAD_GCM_NONCE_SIZE, aad, aad_len,
                                   OSSP_PAYLOAD_GCM_TAG_SIZE, in, in_len, out, &out_len);
  gnutls_aead_cipher_deinit (hd);
  if (rc == GNUTLS_E_DECRYPTION_FAILED)
    {
      ossp_secure_free (out, len);
      if (len)
        ossp_secure_wipe (out_plain, len);
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_VERIFY_FAILED,
                   "the AES-GCM tag does not match: wrong key or nonce, or the data was changed");
      return FALSE;
    }
  if (rc < 0 || out_len != len)
    {
      ossp_secure_free (out, len);
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_CRYPTO,
                   "AES-128-GCM decryption failed: %s", gnutls_strerror (rc));
      return FALSE;
    }
  if (len)
    memcpy (out_plain, out, len);
  ossp_secure_free (out, len);
  return TRUE;
}
