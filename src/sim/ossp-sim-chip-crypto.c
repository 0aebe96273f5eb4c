/* ossp-sim-chip-crypto.c — P-256 through Nettle, SHA-256 and AES-GCM through GnuTLS
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <gmp.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <nettle/bignum.h>
#include <nettle/ecc-curve.h>
#include <nettle/ecc.h>
#include <nettle/ecdsa.h>

#include <openssp.h>

#include "ossp-sim-chip-crypto.h"

/* Order n of the P-256 group (SEC 2). Nettle keeps its curve opaque. */
static const char p256_order_hex[] =
  "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551";

void
ossp_sim_sha256 (const void *data,
                 gsize       len,
                 guint8      out[OSSP_SIM_SHA256_SIZE])
{
  gnutls_hash_fast (GNUTLS_DIG_SHA256, data, len, out);
}

void
ossp_sim_p256_derive_private (const char   *label,
                              const guint8 *data,
                              gsize         len,
                              guint8        out_priv[OSSP_SIM_P256_SCALAR_SIZE])
{
  gsize label_len = strlen (label);
  gsize in_len = label_len + len + 4;
  g_autofree guint8 *in = g_malloc0 (in_len);
  mpz_t z, n;

  memcpy (in, label, label_len);
  if (len > 0)
    memcpy (in + label_len, data, len);
  mpz_init (z);
  mpz_init_set_str (n, p256_order_hex, 16);
  for (guint32 counter = 0;; counter++)
    {
      guint8 digest[OSSP_SIM_SHA256_SIZE];

      /* the first try hashes label ‖ data alone, retries append the counter */
      ossp_write_be32 (in + label_len + len, counter);
      ossp_sim_sha256 (in, counter == 0 ? label_len + len : in_len, digest);
      nettle_mpz_set_str_256_u (z, sizeof digest, digest);
      ossp_secure_wipe (digest, sizeof digest);
      mpz_mod (z, z, n);
      if (mpz_sgn (z) != 0)
        break;
    }
  nettle_mpz_get_str_256 (OSSP_SIM_P256_SCALAR_SIZE, out_priv, z);
  ossp_secure_wipe (in, in_len);
  mpz_clear (z);
  mpz_clear (n);
}

static gboolean
scalar_load (struct ecc_scalar *s,
             const guint8       priv[OSSP_SIM_P256_SCALAR_SIZE],
             GError           **error)
{
  mpz_t z;
  int ok;

  mpz_init (z);
  nettle_mpz_set_str_256_u (z, OSSP_SIM_P256_SCALAR_SIZE, priv);
  ecc_scalar_init (s, nettle_get_secp_256r1 ());
  ok = ecc_scalar_set (s, z);
  mpz_clear (z);
  if (!ok)
    {
      ecc_scalar_clear (s);
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_CRYPTO,
                   "The P-256 private scalar is out of range (must be 1..n-1)");
      return FALSE;
    }
  return TRUE;
}

static gboolean
point_load (struct ecc_point *p,
            const guint8      pub[OSSP_SIM_P256_POINT_SIZE],
            GError          **error)
{
  mpz_t x, y;
  int ok;

  mpz_init (x);
  mpz_init (y);
  nettle_mpz_set_str_256_u (x, 32, pub);
  nettle_mpz_set_str_256_u (y, 32, pub + 32);
  ecc_point_init (p, nettle_get_secp_256r1 ());
  ok = ecc_point_set (p, x, y);
  mpz_clear (x);
  mpz_clear (y);
  if (!ok)
    {
      ecc_point_clear (p);
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_CRYPTO,
                   "The public key X‖Y is not a point of the P-256 curve");
      return FALSE;
    }
  return TRUE;
}

static void
point_store (const struct ecc_point *p,
             guint8                  out[OSSP_SIM_P256_POINT_SIZE])
{
  mpz_t x, y;

  mpz_init (x);
  mpz_init (y);
  ecc_point_get (p, x, y);
  nettle_mpz_get_str_256 (32, out, x);
  nettle_mpz_get_str_256 (32, out + 32, y);
  mpz_clear (x);
  mpz_clear (y);
}

gboolean
ossp_sim_p256_public (const guint8  priv[OSSP_SIM_P256_SCALAR_SIZE],
                      guint8        out_pub[OSSP_SIM_P256_POINT_SIZE],
                      GError      **error)
{
  struct ecc_scalar s;
  struct ecc_point r;

  if (!scalar_load (&s, priv, error))
    return FALSE;
  ecc_point_init (&r, nettle_get_secp_256r1 ());
  ecc_point_mul_g (&r, &s);
  point_store (&r, out_pub);
  ecc_point_clear (&r);
  ecc_scalar_clear (&s);
  return TRUE;
}

gboolean
ossp_sim_p256_ecdh (const guint8  priv[OSSP_SIM_P256_SCALAR_SIZE],
                    const guint8  peer[OSSP_SIM_P256_POINT_SIZE],
                    guint8        out_x[OSSP_SIM_P256_SCALAR_SIZE],
                    GError      **error)
{
  struct ecc_scalar s;
  struct ecc_point p, r;
  guint8 xy[OSSP_SIM_P256_POINT_SIZE];

  if (!point_load (&p, peer, error))
    return FALSE;
  if (!scalar_load (&s, priv, error))
    {
      ecc_point_clear (&p);
      return FALSE;
    }
  ecc_point_init (&r, nettle_get_secp_256r1 ());
  ecc_point_mul (&r, &s, &p);
  point_store (&r, xy);
  memcpy (out_x, xy, OSSP_SIM_P256_SCALAR_SIZE);
  ossp_secure_wipe (xy, sizeof xy);
  ecc_point_clear (&r);
  ecc_point_clear (&p);
  ecc_scalar_clear (&s);
  return TRUE;
}

static void
random_cb (void    *ctx,
           size_t   len,
           uint8_t *dst)
{
  if (gnutls_rnd (GNUTLS_RND_KEY, dst, len) != 0)
    g_error ("the system random generator failed");
}

gboolean
ossp_sim_p256_sign (const guint8  priv[OSSP_SIM_P256_SCALAR_SIZE],
                    const guint8  digest[OSSP_SIM_SHA256_SIZE],
                    guint8        out_sig[64],
                    GError      **error)
{
  struct ecc_scalar s;
  struct dsa_signature sig;

  if (!scalar_load (&s, priv, error))
    return FALSE;
  dsa_signature_init (&sig);
  ecdsa_sign (&s, NULL, random_cb, OSSP_SIM_SHA256_SIZE, digest, &sig);
  nettle_mpz_get_str_256 (32, out_sig, sig.r);
  nettle_mpz_get_str_256 (32, out_sig + 32, sig.s);
  dsa_signature_clear (&sig);
  ecc_scalar_clear (&s);
  return TRUE;
}

gboolean
ossp_sim_p256_verify (const guint8 pub[OSSP_SIM_P256_POINT_SIZE],
                      const guint8 digest[OSSP_SIM_SHA256_SIZE],
                      const guint8 sig[64])
{
  struct ecc_point p;
  struct dsa_signature s;
  int ok;

  if (!point_load (&p, pub, NULL))
    return FALSE;
  dsa_signature_init (&s);
  nettle_mpz_set_str_256_u (s.r, 32, sig);
  nettle_mpz_set_str_256_u (s.s, 32, sig + 32);
  ok = ecdsa_verify (&p, OSSP_SIM_SHA256_SIZE, digest, &s);
  dsa_signature_clear (&s);
  ecc_point_clear (&p);
  return ok != 0;
}

gboolean
ossp_sim_aes128_gcm_decrypt (const guint8  key[16],
                             const guint8  nonce[12],
                             const guint8 *aad,
                             gsize         aad_len,
                             const guint8 *ciphertext,
                             gsize         len,
                             const guint8  tag[16],
                             guint8       *out_plain,
                             GError      **error)
{
  gnutls_aead_cipher_hd_t h = NULL;
  gnutls_datum_t k = { (unsigned char *) key, 16 };
  g_autofree guint8 *in = g_malloc (len + 16);
  guint8 *out = ossp_secure_alloc (len + 16);
  size_t out_len = len + 16;
  int rc;

  memcpy (in, ciphertext, len);
  memcpy (in + len, tag, 16);
  rc = gnutls_aead_cipher_init (&h, GNUTLS_CIPHER_AES_128_GCM, &k);
  if (rc == 0)
    rc = gnutls_aead_cipher_decrypt (h, nonce, 12, aad, aad_len, 16, in, len + 16, out, &out_len);
  if (h != NULL)
    gnutls_aead_cipher_deinit (h);
  if (rc != 0 || out_len != len)
    {
      ossp_secure_free (out, len + 16);
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_VERIFY_FAILED,
                   "AES-128-GCM authentication failed (%s)",
                   rc == GNUTLS_E_DECRYPTION_FAILED ? "tag mismatch" : gnutls_strerror (rc));
      return FALSE;
    }
  memcpy (out_plain, out, len);
  ossp_secure_free (out, len + 16);
  return TRUE;
}

void
ossp_sim_root_key (guint8 key_id,
                   guint8 out_priv[OSSP_SIM_P256_SCALAR_SIZE],
                   guint8 out_pub[OSSP_SIM_P256_POINT_SIZE])
{
  g_autoptr(GError) error = NULL;

  ossp_sim_p256_derive_private ("OpenSSP-root", &key_id, 1, out_priv);
  /* a derived scalar is always in 1..n-1, so this cannot fail */
  if (!ossp_sim_p256_public (out_priv, out_pub, &error))
    g_error ("root key derivation: %s", error->message);
}
