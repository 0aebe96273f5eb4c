/* ossp-p256.c — NIST P-256: key pairs, ECDH (nettle), ECDSA (GnuTLS)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <nettle/bignum.h>
#include <nettle/ecc.h>
#include <nettle/ecc-curve.h>

#include "ossp-error.h"
#include "ossp-util.h"
#include "ossp-p256.h"

/* GMP does not wipe freed limbs; private scalars pass through mpz_t. */
static void
mpz_wipe_clear (mpz_t z)
{
  size_t n = mpz_size (z);
  if (n > 0)
    ossp_secure_wipe (mpz_limbs_modify (z, (mp_size_t) n), n * sizeof (mp_limb_t));
  mpz_clear (z);
}

static void
scalar_wipe_clear (struct ecc_scalar *s)
{
  ossp_secure_wipe (s->p, (gsize) ecc_size (s->ecc) * sizeof (mp_limb_t));
  ecc_scalar_clear (s);
}

/* FALSE when the bytes are 0 or ≥ n */
static gboolean
scalar_from_bytes (struct ecc_scalar *s,
                   const guint8       priv[OSSP_P256_PRIVATE_SIZE])
{
  mpz_t z;
  int ok;

  mpz_init (z);
  nettle_mpz_set_str_256_u (z, OSSP_P256_PRIVATE_SIZE, priv);
  ecc_scalar_init (s, nettle_get_secp_256r1 ());
  ok = ecc_scalar_set (s, z);
  mpz_wipe_clear (z);
  return ok != 0;
}

/* FALSE when X‖Y is not on the curve */
static gboolean
point_from_bytes (struct ecc_point *p,
                  const guint8      pub[OSSP_P256_PUBLIC_SIZE])
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
  return ok != 0;
}

static void
point_to_bytes (const struct ecc_point *p,
                guint8                  pub[OSSP_P256_PUBLIC_SIZE])
{
  mpz_t x, y;

  mpz_init (x);
  mpz_init (y);
  ecc_point_get (p, x, y);
  nettle_mpz_get_str_256 (32, pub, x);
  nettle_mpz_get_str_256 (32, pub + 32, y);
  mpz_clear (x);
  mpz_clear (y);
}

gboolean
ossp_p256_check_public (const guint8 pub[OSSP_P256_PUBLIC_SIZE])
{
  struct ecc_point p;
  gboolean ok = point_from_bytes (&p, pub);
  ecc_point_clear (&p);
  return ok;
}

gboolean
ossp_p256_public_from_private (const guint8   priv[OSSP_P256_PRIVATE_SIZE],
                               guint8         pub[OSSP_P256_PUBLIC_SIZE],
                               GError       **error)
{
  struct ecc_scalar s;
  struct ecc_point p;

  if (!scalar_from_bytes (&s, priv))
    {
      scalar_wipe_clear (&s);
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_CRYPTO,
                   "Private key is not a valid P-256 scalar (zero or not below the group order)");
      return FALSE;
    }
  ecc_point_init (&p, nettle_get_secp_256r1 ());
  ecc_point_mul_g (&p, &s);
  point_to_bytes (&p, pub);
  ecc_point_clear (&p);
  scalar_wipe_clear (&s);
  return TRUE;
}

gboolean
ossp_p256_generate_key (guint8   priv[OSSP_P256_PRIVATE_SIZE],
                        guint8   pub[OSSP_P256_PUBLIC_SIZE],
                        GError **error)
{
  /* a random 256-bit string is out of range with probability ~2^-32 */
  for (guint tries = 0; tries < 64; tries++)
    {
      struct ecc_scalar s;
      gboolean in_range;

      if (gnutls_rnd (GNUTLS_RND_KEY, priv, OSSP_P256_PRIVATE_SIZE) != 0)
        break;
      in_range = scalar_from_bytes (&s, priv);
      scalar_wipe_clear (&s);
      if (in_range)
        return ossp_p256_public_from_private (priv, pub, error);
    }
  ossp_secure_wipe (priv, OSSP_P256_PRIVATE_SIZE);
  g_set_error (error, OSSP_ERROR, OSSP_ERROR_CRYPTO,
               "The random number generator failed; no P-256 key could be made");
  return FALSE;
}

gboolean
ossp_p256_ecdh (const guint8   priv[OSSP_P256_PRIVATE_SIZE],
                const guint8   peer_pub[OSSP_P256_PUBLIC_SIZE],
                guint8         z[32],
                GError       **error)
{
  struct ecc_scalar s;
  struct ecc_point peer, shared;
  guint8 xy[OSSP_P256_PUBLIC_SIZE];

  if (!point_from_bytes (&peer, peer_pub))
    {
      ecc_point_clear (&peer);
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "The peer public key is not a point of the P-256 curve");
      return FALSE;
    }
  if (!scalar_from_bytes (&s, priv))
    {
      scalar_wipe_clear (&s);
      ecc_point_clear (&peer);
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_CRYPTO,
                   "Private key is not a valid P-256 scalar");
      return FALSE;
    }
  ecc_point_init (&shared, nettle_get_secp_256r1 ());
  ecc_point_mul (&shared, &s, &peer);
  point_to_bytes (&shared, xy);
  memcpy (z, xy, 32);
  ossp_secure_wipe (xy, sizeof xy);
  ossp_secure_wipe (shared.p, (gsize) 2 * ecc_size (shared.ecc) * sizeof (mp_limb_t));
  ecc_point_clear (&shared);
  ecc_point_clear (&peer);
  scalar_wipe_clear (&s);
  return TRUE;
}

/* r or s as GnuTLS hands them (minimal, maybe with a sign byte) → 32 bytes */
static gboolean
copy_integer_32 (guint8                 out[32],
                 const gnutls_datum_t  *v)
{
  const guint8 *p = v->data;
  gsize n = v->size;

  while (n > 0 && *p == 0)
    {
      p++;
      n--;
    }
  if (n > 32)
    return FALSE;
  memset (out, 0, 32);
  memcpy (out + 32 - n, p, n);
  return TRUE;
}

gboolean
ossp_p256_sign (const guint8   priv[OSSP_P256_PRIVATE_SIZE],
                const guint8  *data,
                gsize          len,
                guint8         sig[OSSP_P256_SIGNATURE_SIZE],
                GError       **error)
{
  guint8 pub[OSSP_P256_PUBLIC_SIZE];
  gnutls_privkey_t key = NULL;
  gnutls_datum_t x = { pub, 32 }, y = { pub + 32, 32 }, k = { (guint8 *) priv, 32 };
  gnutls_datum_t msg = { (guint8 *) data, (unsigned) len };
  gnutls_datum_t der = { NULL, 0 }, r = { NULL, 0 }, s = { NULL, 0 };
  gboolean ok = FALSE;
  int ret;

  if (!ossp_p256_public_from_private (priv, pub, error))
    return FALSE;
  if ((ret = gnutls_privkey_init (&key)) < 0 ||
      (ret = gnutls_privkey_import_ecc_raw (key, GNUTLS_ECC_CURVE_SECP256R1, &x, &y, &k)) < 0 ||
      (ret = gnutls_privkey_sign_data2 (key, GNUTLS_SIGN_ECDSA_SHA256, 0, &msg, &der)) < 0 ||
      (ret = gnutls_decode_rs_value (&der, &r, &s)) < 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_CRYPTO, "ECDSA P-256 signing failed: %s",
                   gnutls_strerror (ret));
      goto out;
    }
  if (!copy_integer_32 (sig, &r) || !copy_integer_32 (sig + 32, &s))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_CRYPTO, "ECDSA signature value is longer than 32 bytes");
      goto out;
    }
  ok = TRUE;
out:
  gnutls_free (der.data);
  gnutls_free (r.data);
  gnutls_free (s.data);
  if (key)
    gnutls_privkey_deinit (key);
  return ok;
}

gboolean
ossp_p256_verify (const guint8   pub[OSSP_P256_PUBLIC_SIZE],
                  const guint8  *data,
                  gsize          len,
                  const guint8   sig[OSSP_P256_SIGNATURE_SIZE],
                  GError       **error)
{
  gnutls_pubkey_t key = NULL;
  gnutls_datum_t x = { (guint8 *) pub, 32 }, y = { (guint8 *) pub + 32, 32 };
  gnutls_datum_t r = { (guint8 *) sig, 32 }, s = { (guint8 *) sig + 32, 32 };
  gnutls_datum_t msg = { (guint8 *) data, (unsigned) len };
  gnutls_datum_t der = { NULL, 0 };
  gboolean ok = FALSE;
  int ret;

  if (!ossp_p256_check_public (pub))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "The verifying key is not a point of the P-256 curve");
      return FALSE;
    }
  /* DER INTEGERs are minimal: drop leading zero bytes (keep one) */
  while (r.size > 1 && r.data[0] == 0)
    {
      r.data++;
      r.size--;
    }
  while (s.size > 1 && s.data[0] == 0)
    {
      s.data++;
      s.size--;
    }
  if ((ret = gnutls_pubkey_init (&key)) < 0 ||
      (ret = gnutls_pubkey_import_ecc_raw (key, GNUTLS_ECC_CURVE_SECP256R1, &x, &y)) < 0 ||
      (ret = gnutls_encode_rs_value (&der, &r, &s)) < 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_CRYPTO, "Cannot prepare ECDSA verification: %s",
                   gnutls_strerror (ret));
      goto out;
    }
  ret = gnutls_pubkey_verify_data2 (key, GNUTLS_SIGN_ECDSA_SHA256, 0, &msg, &der);
  if (ret < 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_VERIFY_FAILED,
                   "ECDSA P-256/SHA-256 signature does not match the key");
      goto out;
    }
  ok = TRUE;
out:
  gnutls_free (der.data);
  if (key)
    gnutls_pubkey_deinit (key);
  return ok;
}

static gboolean
pubkey_to_raw (gnutls_pubkey_t   key,
               const char       *what,
               guint8            pub[OSSP_P256_PUBLIC_SIZE],
               GError          **error)
{
  gnutls_ecc_curve_t curve = GNUTLS_ECC_CURVE_INVALID;
  gnutls_datum_t x = { NULL, 0 }, y = { NULL, 0 };
  gboolean ok = FALSE;

  if (gnutls_pubkey_get_pk_algorithm (key, NULL) != GNUTLS_PK_ECDSA ||
      gnutls_pubkey_export_ecc_raw2 (key, &curve, &x, &y, GNUTLS_EXPORT_FLAG_NO_LZ) < 0 ||
      curve != GNUTLS_ECC_CURVE_SECP256R1)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_UNSUPPORTED,
                   "%s is not a NIST P-256 (prime256v1) key; the HSM formats only use P-256", what);
      goto out;
    }
  if (!copy_integer_32 (pub, &x) || !copy_integer_32 (pub + 32, &y))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA, "%s has oversized coordinates", what);
      goto out;
    }
  ok = TRUE;
out:
  gnutls_free (x.data);
  gnutls_free (y.data);
  return ok;
}

/* PEM/DER public key, or an unencrypted private key from which the public
 * part is taken (openssl ecparam -genkey output) */
static gboolean
import_pem_or_der (const guint8  *data,
                   gsize          len,
                   const char    *what,
                   guint8         pub[OSSP_P256_PUBLIC_SIZE],
                   GError       **error)
{
  gnutls_datum_t d = { (guint8 *) data, (unsigned) len };
  gnutls_pubkey_t key = NULL;
  gnutls_privkey_t priv = NULL;
  gboolean pem = g_strstr_len ((const char *) data, (gssize) len, "-----BEGIN") != NULL;
  gboolean ok = FALSE;

  gnutls_pubkey_init (&key);
  if (gnutls_pubkey_import (key, &d, pem ? GNUTLS_X509_FMT_PEM : GNUTLS_X509_FMT_DER) >= 0)
    ok = pubkey_to_raw (key, what, pub, error);
  else
    {
      gnutls_privkey_init (&priv);
      if (gnutls_privkey_import_x509_raw (priv, &d, pem ? GNUTLS_X509_FMT_PEM : GNUTLS_X509_FMT_DER,
                                          NULL, 0) >= 0 &&
          gnutls_pubkey_import_privkey (key, priv, 0, 0) >= 0)
        ok = pubkey_to_raw (key, what, pub, error);
      else
        g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                     "%s is neither a P-256 public key (PEM/DER), an unencrypted private key, "
                     "64 raw bytes X‖Y nor 128 hex digits", what);
      gnutls_privkey_deinit (priv);
    }
  gnutls_pubkey_deinit (key);
  return ok;
}

static gboolean
raw_to_pub (const guint8  *data,
            gsize          len,
            guint8         pub[OSSP_P256_PUBLIC_SIZE])
{
  if (len == 64)
    memcpy (pub, data, 64);
  else if (len == 65 && data[0] == 0x04)
    memcpy (pub, data + 1, 64);
  else
    return FALSE;
  return TRUE;
}

gboolean
ossp_p256_load_public (const char  *file_or_hex,
                       guint8       pub[OSSP_P256_PUBLIC_SIZE],
                       GError     **error)
{
  g_autofree guint8 *content = NULL;
  g_autofree guint8 *decoded = NULL;
  gsize len = 0, dlen = 0;

  if (g_file_test (file_or_hex, G_FILE_TEST_EXISTS))
    {
      content = ossp_file_read (file_or_hex, 65536, &len, error);
      if (content == NULL)
        return FALSE;
      if (!raw_to_pub (content, len, pub))
        {
          g_autofree char *text = g_strstrip (g_strndup ((const char *) content, len));
          decoded = ossp_hex_decode (text, &dlen, NULL);
          if (decoded == NULL || !raw_to_pub (decoded, dlen, pub))
            {
              if (!import_pem_or_der (content, len, file_or_hex, pub, error))
                return FALSE;
            }
        }
    }
  else
    {
      decoded = ossp_hex_decode (file_or_hex, &dlen, NULL);
      if (decoded == NULL || !raw_to_pub (decoded, dlen, pub))
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                       "\"%.40s\" is neither an existing key file nor a public key in hex "
                       "(128 digits X‖Y, or 130 digits starting with 04)", file_or_hex);
          return FALSE;
        }
    }
  if (!ossp_p256_check_public (pub))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "The public key from %.40s is not a point of the P-256 curve", file_or_hex);
      return FALSE;
    }
  return TRUE;
}
