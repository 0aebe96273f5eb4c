/* ossp-key-pair.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/x509.h>

#include "ossp-error.h"
#include "ossp-key-pair.h"
#include "ossp-pem.h"
#include "ossp-util.h"

/* PEM files we read are small; anything bigger is not a key. */
#define MAX_KEY_FILE_SIZE (64 * 1024)

/* brainpoolP256r1/t1 share this OID prefix (1.3.36.3.3.2.8.1.1.x): used only
 * to name the curve in the error GnuTLS would otherwise give ("unknown"). */
static const guint8 brainpool_oid_prefix[] = { 0x2b, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01 };

struct _OsspKeyPair
{
  GObject               parent_instance;
  OsspCurve             curve;
  gnutls_x509_privkey_t x509;   /* NULL for a public key */
  gnutls_privkey_t      priv;   /* NULL for a public key */
  gnutls_pubkey_t       pub;
  guint8                xy[64];
};

G_DEFINE_FINAL_TYPE (OsspKeyPair, ossp_key_pair, G_TYPE_OBJECT)

static void
ossp_key_pair_finalize (GObject *object)
{
  OsspKeyPair *self = OSSP_KEY_PAIR (object);

  /* GnuTLS zeroes key material when it releases it */
  if (self->priv)
    gnutls_privkey_deinit (self->priv);
  if (self->x509)
    gnutls_x509_privkey_deinit (self->x509);
  if (self->pub)
    gnutls_pubkey_deinit (self->pub);
  G_OBJECT_CLASS (ossp_key_pair_parent_class)->finalize (object);
}

static void
ossp_key_pair_class_init (OsspKeyPairClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ossp_key_pair_finalize;
}

static void
ossp_key_pair_init (OsspKeyPair *self)
{
}

/* Curves */

const char *
ossp_curve_get_name (OsspCurve curve)
{
  switch (curve)
    {
    case OSSP_CURVE_P256: return "prime256v1";
    case OSSP_CURVE_BRAINPOOL_P256T1: return "brainpoolP256t1";
    default: return "unknown";
    }
}

gboolean
ossp_curve_from_name (const char  *name,
                      OsspCurve   *out_curve,
                      GError     **error)
{
  if (name == NULL)
    name = "";
  if (g_ascii_strcasecmp (name, "prime256v1") == 0 || g_ascii_strcasecmp (name, "secp256r1") == 0 ||
      g_ascii_strcasecmp (name, "P-256") == 0 || g_ascii_strcasecmp (name, "nistp256") == 0 ||
      g_str_equal (name, "1"))
    {
      *out_curve = OSSP_CURVE_P256;
      return TRUE;
    }
  if (g_ascii_strcasecmp (name, "brainpoolP256t1") == 0 || g_str_equal (name, "2"))
    {
      *out_curve = OSSP_CURVE_BRAINPOOL_P256T1;
      return TRUE;
    }
  g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
               "Unknown curve \"%s\"; STM32MP chips accept prime256v1 (1) and brainpoolP256t1 (2)",
               name);
  return FALSE;
}

gboolean
ossp_curve_check_supported (OsspCurve   curve,
                            GError    **error)
{
  if (curve == OSSP_CURVE_P256)
    return TRUE;
  if (curve == OSSP_CURVE_BRAINPOOL_P256T1)
    {
      /* GnuTLS 3.7 (Debian 12) has no Brainpool curves at all; we do not
       * hand-roll curve arithmetic (docs/keys.md). */
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_UNSUPPORTED,
                   "brainpoolP256t1 is not supported: GnuTLS %s has no Brainpool curves. "
                   "Use prime256v1 (accepted by every STM32MP ROM)", gnutls_check_version (NULL));
      return FALSE;
    }
  g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT, "Unknown curve id %d", (int) curve);
  return FALSE;
}

static void
gnutls_fail (GError     **error,
             int          code,
             int          gnutls_ret,
             const char  *format,
             ...) G_GNUC_PRINTF (4, 5);

static void
gnutls_fail (GError     **error,
             int          code,
             int          gnutls_ret,
             const char  *format,
             ...)
{
  g_autofree char *msg = NULL;
  va_list args;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, OSSP_ERROR, code, "%s (GnuTLS: %s)", msg, gnutls_strerror (gnutls_ret));
}

static void
datum_wipe_free (gnutls_datum_t *d)
{
  if (d->data)
    {
      gnutls_memset (d->data, 0, d->size);
      gnutls_free (d->data);
    }
  d->data = NULL;
  d->size = 0;
}

/* Big-endian unsigned integer into exactly 32 bytes, left zero-padded. */
static gboolean
pad32 (const gnutls_datum_t *d,
       guint8                out[32])
{
  gsize skip = 0;

  while (skip < d->size && d->data[skip] == 0)
    skip++;
  if (d->size - skip > 32)
    return FALSE;
  memset (out, 0, 32);
  memcpy (out + 32 - (d->size - skip), d->data + skip, d->size - skip);
  return TRUE;
}

/* Fills self->xy and checks the key is ECDSA on a curve we use. @what
 * names the file for messages. */
static gboolean
adopt_pubkey (OsspKeyPair  *self,
              const char   *what,
              GError      **error)
{
  gnutls_ecc_curve_t curve = GNUTLS_ECC_CURVE_INVALID;
  gnutls_datum_t x = { 0 }, y = { 0 };
  int pk = gnutls_pubkey_get_pk_algorithm (self->pub, NULL);
  int ret;

  if (pk != GNUTLS_PK_ECDSA)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_UNSUPPORTED,
                   "%s holds a %s key; STM32 secure boot needs an ECDSA prime256v1 key",
                   what, pk > 0 ? gnutls_pk_get_name (pk) : "unknown");
      return FALSE;
    }
  ret = gnutls_pubkey_export_ecc_raw2 (self->pub, &curve, &x, &y, GNUTLS_EXPORT_FLAG_NO_LZ);
  if (ret < 0)
    {
      gnutls_fail (error, OSSP_ERROR_INVALID_DATA, ret, "%s: cannot read the public point", what);
      return FALSE;
    }
  if (curve != GNUTLS_ECC_CURVE_SECP256R1)
    {
      gnutls_free (x.data);
      gnutls_free (y.data);
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_UNSUPPORTED,
                   "%s holds a key on curve %s; STM32MP chips need prime256v1 (P-256)",
                   what, gnutls_ecc_curve_get_name (curve) ? gnutls_ecc_curve_get_name (curve) : "unknown");
      return FALSE;
    }
  ret = pad32 (&x, self->xy) && pad32 (&y, self->xy + 32);
  gnutls_free (x.data);
  gnutls_free (y.data);
  if (!ret)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "%s: the public point has coordinates longer than 32 bytes", what);
      return FALSE;
    }
  self->curve = OSSP_CURVE_P256;
  return TRUE;
}

/* Takes ownership of @x509 (also on failure). */
static OsspKeyPair *
key_pair_new_from_x509 (gnutls_x509_privkey_t   x509,
                        const char             *what,
                        GError                **error)
{
  g_autoptr(OsspKeyPair) self = g_object_new (OSSP_TYPE_KEY_PAIR, NULL);
  int pk;
  int ret;

  self->x509 = x509;
  pk = gnutls_x509_privkey_get_pk_algorithm (x509);
  if (pk != GNUTLS_PK_ECDSA)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_UNSUPPORTED,
                   "%s holds a %s private key; STM32 secure boot needs an ECDSA prime256v1 key",
                   what, pk > 0 ? gnutls_pk_get_name (pk) : "unknown");
      return NULL;
    }
  if ((ret = gnutls_privkey_init (&self->priv)) < 0 ||
      (ret = gnutls_privkey_import_x509 (self->priv, x509, 0)) < 0 ||
      (ret = gnutls_pubkey_init (&self->pub)) < 0 ||
      (ret = gnutls_pubkey_import_privkey (self->pub, self->priv, 0, 0)) < 0)
    {
      gnutls_fail (error, OSSP_ERROR_CRYPTO, ret, "%s: cannot use the private key", what);
      return NULL;
    }
  if (!adopt_pubkey (self, what, error))
    return NULL;
  /* a key whose public part does not match its scalar is damaged */
  if ((ret = gnutls_x509_privkey_verify_params (x509)) < 0)
    {
      gnutls_fail (error, OSSP_ERROR_INVALID_DATA, ret,
                   "%s: the private key is inconsistent (damaged file?)", what);
      return NULL;
    }
  return g_steal_pointer (&self);
}

OsspKeyPair *
ossp_key_pair_generate (OsspCurve   curve,
                        GError    **error)
{
  gnutls_x509_privkey_t x509 = NULL;
  int ret;

  if (!ossp_curve_check_supported (curve, error))
    return NULL;
  if ((ret = gnutls_x509_privkey_init (&x509)) < 0 ||
      (ret = gnutls_x509_privkey_generate2 (x509, GNUTLS_PK_ECDSA,
                                            GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1),
                                            0, NULL, 0)) < 0)
    {
      if (x509)
        gnutls_x509_privkey_deinit (x509);
      gnutls_fail (error, OSSP_ERROR_CRYPTO, ret, "Cannot generate a prime256v1 key pair");
      return NULL;
    }
  return key_pair_new_from_x509 (x509, "the generated key", error);
}

/* Traditional OpenSSL encryption (RFC 1421 headers) */

typedef struct {
  const char              *name;
  gnutls_cipher_algorithm_t algo;
  guint                    key_len;
  guint                    iv_len;
} DekCipher;

static const DekCipher dek_ciphers[] = {
  { "AES-256-CBC", GNUTLS_CIPHER_AES_256_CBC, 32, 16 },
  { "AES-192-CBC", GNUTLS_CIPHER_AES_192_CBC, 24, 16 },
  { "AES-128-CBC", GNUTLS_CIPHER_AES_128_CBC, 16, 16 },
  { "DES-EDE3-CBC", GNUTLS_CIPHER_3DES_CBC, 24, 8 },
};

/* OpenSSL's EVP_BytesToKey with MD5, one iteration, salt = first 8 IV
 * bytes: D_1 = MD5(pw || salt), D_i = MD5(D_{i-1} || pw || salt); the key is
 * D_1 || D_2 || … truncated. This is what PEM_write_bio_ECPrivateKey uses. */
static gboolean
bytes_to_key (const char   *password,
              const guint8  salt[8],
              guint8       *key,
              gsize         key_len,
              GError      **error)
{
  static const guint8 zero_block[63];
  guint8 d[16];
  gsize done = 0;
  gboolean first = TRUE;

  while (done < key_len)
    {
      gnutls_hash_hd_t h;
      int ret = gnutls_hash_init (&h, GNUTLS_DIG_MD5);
      if (ret < 0)
        {
          gnutls_fail (error, OSSP_ERROR_CRYPTO, ret,
                       "MD5 (needed by the OpenSSL PEM key format) is not available");
          return FALSE;
        }
      if (!first)
        gnutls_hash (h, d, sizeof d);
      gnutls_hash (h, password, strlen (password));
      gnutls_hash (h, salt, 8);
      gnutls_hash_output (h, d);
      /* GnuTLS frees the context without a wipe, and its last partial block
       * still holds the password: overwrite that buffer before it goes */
      gnutls_hash (h, zero_block, sizeof zero_block);
      gnutls_hash_deinit (h, NULL);
      memcpy (key + done, d, MIN (sizeof d, key_len - done));
      done += MIN (sizeof d, key_len - done);
      first = FALSE;
    }
  ossp_secure_wipe (d, sizeof d);
  return TRUE;
}

static gboolean
cbc_crypt (const DekCipher *c,
           const char      *password,
           const guint8    *iv,
           guint8          *buf,
           gsize            len,
           gboolean         encrypt,
           GError         **error)
{
  guint8 key[32];
  gnutls_datum_t kd = { key, c->key_len };
  gnutls_datum_t ivd = { (guint8 *) iv, c->iv_len };
  gnutls_cipher_hd_t h;
  int ret;

  if (!bytes_to_key (password, iv, key, c->key_len, error))
    return FALSE;
  ret = gnutls_cipher_init (&h, c->algo, &kd, &ivd);
  ossp_secure_wipe (key, sizeof key);
  if (ret < 0)
    {
      gnutls_fail (error, OSSP_ERROR_CRYPTO, ret, "Cannot set up %s", c->name);
      return FALSE;
    }
  ret = encrypt ? gnutls_cipher_encrypt (h, buf, len) : gnutls_cipher_decrypt (h, buf, len);
  gnutls_cipher_deinit (h);
  if (ret < 0)
    {
      gnutls_fail (error, OSSP_ERROR_CRYPTO, ret, "%s failed", c->name);
      return FALSE;
    }
  return TRUE;
}

static gboolean
password_missing (const char  *password,
                  const char  *what,
                  GError     **error)
{
  if (password != NULL && *password != 0)
    return FALSE;
  g_set_error (error, OSSP_ERROR, OSSP_ERROR_BAD_PASSWORD,
               "%s is encrypted; give its password (--password-file or --password-env)", what);
  return TRUE;
}

static void
bad_password (GError     **error,
              const char  *what)
{
  g_set_error (error, OSSP_ERROR, OSSP_ERROR_BAD_PASSWORD,
               "%s could not be decrypted: the password is wrong (or the file is damaged)", what);
}

/* Decrypts a "Proc-Type: 4,ENCRYPTED" block in place; returns the clear
 * DER length. */
static gboolean
decrypt_traditional (OsspPemBlock  *block,
                     const char    *password,
                     const char    *what,
                     gsize         *out_len,
                     GError       **error)
{
  g_auto(GStrv) parts = NULL;
  const DekCipher *c = NULL;
  g_autofree guint8 *iv = NULL;
  gsize iv_len = 0;
  guint pad;

  if (block->dek_info == NULL)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "%s: encrypted key without a DEK-Info header; the file is damaged", what);
      return FALSE;
    }
  parts = g_strsplit (block->dek_info, ",", 2);
  if (parts[0] == NULL)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "%s: the DEK-Info header is empty; the file is damaged", what);
      return FALSE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (dek_ciphers); i++)
    if (g_ascii_strcasecmp (parts[0], dek_ciphers[i].name) == 0)
      c = &dek_ciphers[i];
  if (c == NULL)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_UNSUPPORTED,
                   "%s is encrypted with %s; supported: AES-256-CBC, AES-192-CBC, AES-128-CBC, "
                   "DES-EDE3-CBC (convert it with 'openssl ec -aes256')", what, parts[0]);
      return FALSE;
    }
  if (parts[1] == NULL || (iv = ossp_hex_decode (g_strstrip (parts[1]), &iv_len, NULL)) == NULL ||
      iv_len != c->iv_len)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "%s: the DEK-Info IV is not %u hex bytes; the file is damaged", what, c->iv_len);
      return FALSE;
    }
  if (block->der_len == 0 || block->der_len % c->iv_len != 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "%s: the encrypted body is not a whole number of %s blocks; the file is truncated",
                   what, c->name);
      return FALSE;
    }
  if (password_missing (password, what, error))
    return FALSE;
  if (!cbc_crypt (c, password, iv, block->der, block->der_len, FALSE, error))
    return FALSE;
  /* PKCS#7 padding; a wrong password breaks it with probability 255/256 */
  pad = block->der[block->der_len - 1];
  if (pad == 0 || pad > c->iv_len)
    {
      bad_password (error, what);
      return FALSE;
    }
  for (guint i = 0; i < pad; i++)
    if (block->der[block->der_len - 1 - i] != pad)
      {
        bad_password (error, what);
        return FALSE;
      }
  *out_len = block->der_len - pad;
  return TRUE;
}

static gboolean
mentions_brainpool (const guint8 *der,
                    gsize         len)
{
  if (der == NULL)
    return FALSE;
  for (gsize i = 0; i + sizeof brainpool_oid_prefix <= len; i++)
    if (memcmp (der + i, brainpool_oid_prefix, sizeof brainpool_oid_prefix) == 0)
      return TRUE;
  return FALSE;
}

static void
brainpool_unsupported (GError     **error,
                       const char  *what)
{
  g_set_error (error, OSSP_ERROR, OSSP_ERROR_UNSUPPORTED,
               "%s holds a Brainpool key; GnuTLS %s cannot use Brainpool curves, so OpenSSP "
               "supports prime256v1 keys only", what, gnutls_check_version (NULL));
}

OsspKeyPair *
ossp_key_pair_load_private_data (const guint8 *data,
                                 gsize         len,
                                 const char   *password,
                                 const char   *what,
                                 GError      **error)
{
  g_autoptr(GPtrArray) blocks = NULL;
  OsspPemBlock *block;
  gnutls_x509_privkey_t x509 = NULL;
  gnutls_datum_t der;
  gsize der_len;
  int ret;

  if (what == NULL)
    what = "The key";
  blocks = ossp_pem_parse ((const char *) data, len, what, error);
  if (blocks == NULL)
    return NULL;
  block = ossp_pem_find (blocks, "PRIVATE KEY");
  if (block == NULL)
    {
      if (ossp_pem_find (blocks, "PUBLIC KEY") != NULL)
        g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                     "%s holds a public key; a private key (BEGIN … PRIVATE KEY) is needed here", what);
      else
        g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                     "%s holds no PEM private key (no \"-----BEGIN … PRIVATE KEY-----\" block)", what);
      return NULL;
    }
  if (g_str_equal (block->label, "RSA PRIVATE KEY") || g_str_equal (block->label, "DSA PRIVATE KEY"))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_UNSUPPORTED,
                   "%s holds an %.3s private key; STM32 secure boot needs an ECDSA prime256v1 key",
                   what, block->label);
      return NULL;
    }
  der_len = block->der_len;
  if (block->proc_type != NULL && strstr (block->proc_type, "ENCRYPTED") != NULL &&
      !decrypt_traditional (block, password, what, &der_len, error))
    return NULL;

  if ((ret = gnutls_x509_privkey_init (&x509)) < 0)
    {
      gnutls_fail (error, OSSP_ERROR_CRYPTO, ret, "Cannot set up a key");
      return NULL;
    }
  der.data = block->der;
  der.size = (unsigned int) der_len;
  if (g_str_equal (block->label, "ENCRYPTED PRIVATE KEY"))
    {
      if (password_missing (password, what, error))
        {
          gnutls_x509_privkey_deinit (x509);
          return NULL;
        }
      ret = gnutls_x509_privkey_import_pkcs8 (x509, &der, GNUTLS_X509_FMT_DER, password, 0);
      if (ret == GNUTLS_E_DECRYPTION_FAILED || ret == GNUTLS_E_ASN1_DER_ERROR ||
          ret == GNUTLS_E_ASN1_TAG_ERROR || ret == GNUTLS_E_PK_INVALID_PRIVKEY)
        {
          gnutls_x509_privkey_deinit (x509);
          bad_password (error, what);
          return NULL;
        }
    }
  else if (g_str_equal (block->label, "PRIVATE KEY"))
    ret = gnutls_x509_privkey_import_pkcs8 (x509, &der, GNUTLS_X509_FMT_DER, NULL, GNUTLS_PKCS_PLAIN);
  else if (g_str_equal (block->label, "EC PRIVATE KEY"))
    {
      ret = gnutls_x509_privkey_import (x509, &der, GNUTLS_X509_FMT_DER);
      /* after a traditional decryption whose padding happened to look
       * right, a DER error still means a wrong password */
      if (ret < 0 && block->proc_type != NULL && !mentions_brainpool (der.data, der.size))
        {
          gnutls_x509_privkey_deinit (x509);
          bad_password (error, what);
          return NULL;
        }
    }
  else
    {
      gnutls_x509_privkey_deinit (x509);
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_UNSUPPORTED,
                   "%s holds a \"%s\" block; expected EC PRIVATE KEY, PRIVATE KEY or "
                   "ENCRYPTED PRIVATE KEY", what, block->label);
      return NULL;
    }
  if (ret < 0)
    {
      gboolean brainpool = mentions_brainpool (der.data, der.size);
      gnutls_x509_privkey_deinit (x509);
      if (brainpool || ret == GNUTLS_E_ECC_UNSUPPORTED_CURVE)
        {
          if (brainpool)
            brainpool_unsupported (error, what);
          else
            g_set_error (error, OSSP_ERROR, OSSP_ERROR_UNSUPPORTED,
                         "%s holds a key on a curve GnuTLS does not know; STM32MP chips need "
                         "prime256v1", what);
        }
      else
        gnutls_fail (error, OSSP_ERROR_INVALID_DATA, ret,
                     "%s is not a readable private key (damaged or truncated file?)", what);
      return NULL;
    }
  return key_pair_new_from_x509 (x509, what, error);
}

OsspKeyPair *
ossp_key_pair_load_private (const char  *path,
                            const char  *password,
                            GError     **error)
{
  gsize len = 0;
  guint8 *data = ossp_file_read (path, MAX_KEY_FILE_SIZE, &len, error);
  OsspKeyPair *self;

  if (data == NULL)
    return NULL;
  self = ossp_key_pair_load_private_data (data, len, password, path, error);
  ossp_secure_free (data, len);
  return self;
}

OsspKeyPair *
ossp_key_pair_load_public_data (const guint8 *data,
                                gsize         len,
                                const char   *what,
                                GError      **error)
{
  g_autoptr(GPtrArray) blocks = NULL;
  g_autoptr(OsspKeyPair) self = NULL;
  OsspPemBlock *block;
  gnutls_datum_t der;
  int ret;

  if (what == NULL)
    what = "The key";
  blocks = ossp_pem_parse ((const char *) data, len, what, error);
  if (blocks == NULL)
    return NULL;
  block = ossp_pem_find (blocks, "PUBLIC KEY");
  if (block == NULL || !g_str_equal (block->label, "PUBLIC KEY"))
    {
      if (ossp_pem_find (blocks, "PRIVATE KEY") != NULL)
        g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                     "%s holds a private key; give the public key file (publicKey.pem)", what);
      else if (block != NULL)
        g_set_error (error, OSSP_ERROR, OSSP_ERROR_UNSUPPORTED,
                     "%s holds a \"%s\" block; expected a SubjectPublicKeyInfo (BEGIN PUBLIC KEY)",
                     what, block->label);
      else
        g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                     "%s holds no PEM public key (no \"-----BEGIN PUBLIC KEY-----\" block)", what);
      return NULL;
    }
  self = g_object_new (OSSP_TYPE_KEY_PAIR, NULL);
  der.data = block->der;
  der.size = (unsigned int) block->der_len;
  if ((ret = gnutls_pubkey_init (&self->pub)) < 0 ||
      (ret = gnutls_pubkey_import (self->pub, &der, GNUTLS_X509_FMT_DER)) < 0)
    {
      if (mentions_brainpool (der.data, der.size))
        brainpool_unsupported (error, what);
      else if (ret == GNUTLS_E_ECC_UNSUPPORTED_CURVE)
        g_set_error (error, OSSP_ERROR, OSSP_ERROR_UNSUPPORTED,
                     "%s holds a key on a curve GnuTLS does not know; STM32MP chips need prime256v1",
                     what);
      else
        gnutls_fail (error, OSSP_ERROR_INVALID_DATA, ret,
                     "%s is not a readable public key (damaged or truncated file?)", what);
      return NULL;
    }
  if (!adopt_pubkey (self, what, error))
    return NULL;
  if ((ret = gnutls_pubkey_verify_params (self->pub)) < 0)
    {
      gnutls_fail (error, OSSP_ERROR_INVALID_DATA, ret, "%s: the point is not on the curve", what);
      return NULL;
    }
  return g_steal_pointer (&self);
}

OsspKeyPair *
ossp_key_pair_load_public (const char  *path,
                           GError     **error)
{
  g_autofree guint8 *data = NULL;
  gsize len = 0;

  data = ossp_file_read (path, MAX_KEY_FILE_SIZE, &len, error);
  if (data == NULL)
    return NULL;
  return ossp_key_pair_load_public_data (data, len, path, error);
}

OsspKeyPair *
ossp_key_pair_new_from_public_raw (OsspCurve     curve,
                                   const guint8  xy[64],
                                   GError      **error)
{
  g_autoptr(OsspKeyPair) self = NULL;
  gnutls_datum_t x = { (guint8 *) xy, 32 };
  gnutls_datum_t y = { (guint8 *) xy + 32, 32 };
  int ret;

  if (!ossp_curve_check_supported (curve, error))
    return NULL;
  self = g_object_new (OSSP_TYPE_KEY_PAIR, NULL);
  if ((ret = gnutls_pubkey_init (&self->pub)) < 0 ||
      (ret = gnutls_pubkey_import_ecc_raw (self->pub, GNUTLS_ECC_CURVE_SECP256R1, &x, &y)) < 0)
    {
      gnutls_fail (error, OSSP_ERROR_INVALID_DATA, ret, "Cannot use the raw public key");
      return NULL;
    }
  /* GnuTLS imports any pair of numbers; only a point on the curve is a key */
  if ((ret = gnutls_pubkey_verify_params (self->pub)) < 0)
    {
      gnutls_fail (error, OSSP_ERROR_INVALID_DATA, ret,
                   "The raw public key (X||Y) is not a point on prime256v1");
      return NULL;
    }
  memcpy (self->xy, xy, 64);
  self->curve = curve;
  return g_steal_pointer (&self);
}

gboolean
ossp_key_pair_has_private (OsspKeyPair *self)
{
  g_return_val_if_fail (OSSP_IS_KEY_PAIR (self), FALSE);
  return self->priv != NULL;
}

OsspCurve
ossp_key_pair_get_curve (OsspKeyPair *self)
{
  g_return_val_if_fail (OSSP_IS_KEY_PAIR (self), OSSP_CURVE_P256);
  return self->curve;
}

void
ossp_key_pair_get_public_raw (OsspKeyPair *self,
                              guint8       out_xy[64])
{
  g_return_if_fail (OSSP_IS_KEY_PAIR (self));
  memcpy (out_xy, self->xy, 64);
}

void
ossp_key_pair_get_pkh (OsspKeyPair *self,
                       gboolean     with_algo,
                       guint8       out[32])
{
  guint8 buf[68];
  gsize off = 0;

  g_return_if_fail (OSSP_IS_KEY_PAIR (self));
  if (with_algo)
    {
      ossp_write_le32 (buf, (guint32) self->curve);
      off = 4;
    }
  memcpy (buf + off, self->xy, 64);
  gnutls_hash_fast (GNUTLS_DIG_SHA256, buf, off + 64, out);
}

void
ossp_pkh_table_hash (const guint8 *pkhs,
                     guint         n_keys,
                     guint8        out[32])
{
  gnutls_hash_fast (GNUTLS_DIG_SHA256, pkhs, (gsize) n_keys * 32, out);
}

gboolean
ossp_key_pair_sign_digest (OsspKeyPair   *self,
                           const guint8   digest[32],
                           guint8         out_rs[64],
                           GError       **error)
{
  gnutls_datum_t hash = { (guint8 *) digest, 32 };
  gnutls_datum_t sig = { 0 }, r = { 0 }, s = { 0 };
  gboolean ok;
  int ret;

  g_return_val_if_fail (OSSP_IS_KEY_PAIR (self), FALSE);
  if (self->priv == NULL)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "Cannot sign with a public key; load the private key (privateKey.pem)");
      return FALSE;
    }
  ret = gnutls_privkey_sign_hash2 (self->priv, GNUTLS_SIGN_ECDSA_SHA256, 0, &hash, &sig);
  if (ret < 0)
    {
      gnutls_fail (error, OSSP_ERROR_CRYPTO, ret, "ECDSA signing failed");
      return FALSE;
    }
  ret = gnutls_decode_rs_value (&sig, &r, &s);
  gnutls_free (sig.data);
  if (ret < 0)
    {
      gnutls_fail (error, OSSP_ERROR_CRYPTO, ret, "Cannot decode the ECDSA signature");
      return FALSE;
    }
  ok = pad32 (&r, out_rs) && pad32 (&s, out_rs + 32);
  datum_wipe_free (&r);
  datum_wipe_free (&s);
  if (!ok)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_CRYPTO, "ECDSA signature value out of range");
      return FALSE;
    }
  return TRUE;
}

/* Minimal DER INTEGER of a 32-byte unsigned big-endian value. */
static gsize
der_uint (const guint8 *v,
          guint8       *out)
{
  gsize skip = 0, n;
  gboolean pad;

  while (skip < 31 && v[skip] == 0)
    skip++;
  n = 32 - skip;
  pad = (v[skip] & 0x80) != 0;
  out[0] = 0x02;
  out[1] = (guint8) (n + pad);
  if (pad)
    out[2] = 0;
  memcpy (out + 2 + pad, v + skip, n);
  return 2 + pad + n;
}

/* SEQUENCE { INTEGER r, INTEGER s }: 72 bytes at most, so the short
 * length form always fits. */
gsize
ossp_ecdsa_signature_to_der (const guint8 rs[64],
                             guint8       out_der[72])
{
  gsize n = der_uint (rs, out_der + 2);

  n += der_uint (rs + 32, out_der + 2 + n);
  out_der[0] = 0x30;
  out_der[1] = (guint8) n;
  return n + 2;
}

static gboolean
der_read_uint (const guint8 **p,
               const guint8  *end,
               guint8         out[32])
{
  gsize n;
  const guint8 *v;

  if (end - *p < 2 || (*p)[0] != 0x02 || (*p)[1] >= 0x80)
    return FALSE;
  n = (*p)[1];
  v = *p + 2;
  if (n == 0 || (gsize) (end - v) < n || (v[0] & 0x80))
    return FALSE;
  *p = v + n;
  while (n > 0 && v[0] == 0)
    v++, n--;
  if (n > 32)
    return FALSE;
  memset (out, 0, 32);
  memcpy (out + 32 - n, v, n);
  return TRUE;
}

gboolean
ossp_ecdsa_signature_from_der (const guint8 *der,
                               gsize         len,
                               guint8        out_rs[64],
                               GError      **error)
{
  const guint8 *p = der + 2;
  const guint8 *end = der + len;

  if (len < 8 || der[0] != 0x30 || der[1] >= 0x80 || (gsize) der[1] + 2 != len ||
      !der_read_uint (&p, end, out_rs) || !der_read_uint (&p, end, out_rs + 32) || p != end)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "Not a DER ECDSA P-256 signature (SEQUENCE of two INTEGERs)");
      return FALSE;
    }
  return TRUE;
}

gboolean
ossp_key_pair_verify_digest (OsspKeyPair   *self,
                             const guint8   digest[32],
                             const guint8   rs[64],
                             GError       **error)
{
  gnutls_datum_t hash = { (guint8 *) digest, 32 };
  guint8 der[72];
  gnutls_datum_t sig = { der, 0 };
  int ret;

  g_return_val_if_fail (OSSP_IS_KEY_PAIR (self), FALSE);
  sig.size = (unsigned int) ossp_ecdsa_signature_to_der (rs, der);
  ret = gnutls_pubkey_verify_hash2 (self->pub, GNUTLS_SIGN_ECDSA_SHA256, 0, &hash, &sig);
  if (ret < 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_VERIFY_FAILED,
                   "The ECDSA signature does not match this public key and digest");
      return FALSE;
    }
  return TRUE;
}

OsspSecret *
ossp_key_pair_export_private_pem (OsspKeyPair  *self,
                                  const char   *password,
                                  GError      **error)
{
  const DekCipher *c = &dek_ciphers[0]; /* AES-256-CBC */
  gnutls_datum_t der = { 0 };
  guint8 iv[16];
  g_autofree char *iv_hex = NULL;
  g_autofree char *iv_hex_up = NULL;
  g_autofree char *headers = NULL;
  guint8 *buf;
  gsize padded;
  guint pad;
  char *pem;
  OsspSecret *secret;
  int ret;

  g_return_val_if_fail (OSSP_IS_KEY_PAIR (self), NULL);
  if (self->x509 == NULL)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "This key has no private part to save");
      return NULL;
    }
  if (password == NULL || *password == 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "A private key is only written encrypted: give a non-empty password");
      return NULL;
    }
  /* SEC1 ECPrivateKey (RFC 5915) with curve OID and public key, as
   * "openssl ec" writes it */
  ret = gnutls_x509_privkey_export2 (self->x509, GNUTLS_X509_FMT_DER, &der);
  if (ret < 0)
    {
      gnutls_fail (error, OSSP_ERROR_CRYPTO, ret, "Cannot encode the private key");
      return NULL;
    }
  if ((ret = gnutls_rnd (GNUTLS_RND_NONCE, iv, sizeof iv)) < 0)
    {
      datum_wipe_free (&der);
      gnutls_fail (error, OSSP_ERROR_CRYPTO, ret, "No random IV");
      return NULL;
    }
  pad = 16 - der.size % 16;
  padded = der.size + pad;
  buf = ossp_secure_alloc (padded);
  memcpy (buf, der.data, der.size);
  memset (buf + der.size, (int) pad, pad);
  datum_wipe_free (&der);
  if (!cbc_crypt (c, password, iv, buf, padded, TRUE, error))
    {
      ossp_secure_free (buf, padded);
      return NULL;
    }
  /* OpenSSL writes the IV in upper-case hex */
  iv_hex = ossp_hex_encode (iv, sizeof iv);
  iv_hex_up = g_ascii_strup (iv_hex, -1);
  headers = g_strdup_printf ("Proc-Type: 4,ENCRYPTED\nDEK-Info: %s,%s", c->name, iv_hex_up);
  pem = ossp_pem_encode ("EC PRIVATE KEY", headers, buf, padded);
  ossp_secure_free (buf, padded);
  secret = ossp_secret_new_from_data ((const guint8 *) pem, strlen (pem));
  g_free (pem); /* ciphertext only: nothing secret to wipe */
  return secret;
}

char *
ossp_key_pair_export_public_pem (OsspKeyPair  *self,
                                 GError      **error)
{
  gnutls_datum_t der = { 0 };
  char *pem;
  int ret;

  g_return_val_if_fail (OSSP_IS_KEY_PAIR (self), NULL);
  ret = gnutls_pubkey_export2 (self->pub, GNUTLS_X509_FMT_DER, &der);
  if (ret < 0)
    {
      gnutls_fail (error, OSSP_ERROR_CRYPTO, ret, "Cannot encode the public key");
      return NULL;
    }
  pem = ossp_pem_encode ("PUBLIC KEY", NULL, der.data, der.size);
  gnutls_free (der.data);
  return pem;
}

gboolean
ossp_key_pair_save_private (OsspKeyPair    *self,
                            const char     *path,
                            const char     *password,
                            OsspWriteFlags  flags,
                            GError        **error)
{
  g_autoptr(OsspSecret) pem = NULL;

  /* fail on an existing file before spending time on encryption */
  if (!ossp_file_check_writable (path, flags, error))
    return FALSE;
  pem = ossp_key_pair_export_private_pem (self, password, error);
  if (pem == NULL)
    return FALSE;
  return ossp_file_write_atomic (path, pem->data, pem->len, flags | OSSP_WRITE_FLAGS_SECRET, error);
}

gboolean
ossp_key_pair_save_public (OsspKeyPair    *self,
                           const char     *path,
                           OsspWriteFlags  flags,
                           GError        **error)
{
  g_autofree char *pem = ossp_key_pair_export_public_pem (self, error);

  if (pem == NULL)
    return FALSE;
  return ossp_file_write_atomic (path, (const guint8 *) pem, strlen (pem), flags, error);
}

gnutls_privkey_t
ossp_key_pair_get_privkey (OsspKeyPair *self)
{
  g_return_val_if_fail (OSSP_IS_KEY_PAIR (self), NULL);
  return self->priv;
}

gnutls_pubkey_t
ossp_key_pair_get_pubkey (OsspKeyPair *self)
{
  g_return_val_if_fail (OSSP_IS_KEY_PAIR (self), NULL);
  return self->pub;
}
