/* ossp-test-hsm.c — test chips and the independent §7.3 license check
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <glib/gstdio.h>
#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <nettle/bignum.h>
#include <nettle/ecc.h>
#include <nettle/ecc-curve.h>

#include "ossp-test-hsm.h"

const guint8 ossp_test_oem_key[16] = {
  0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };
const guint8 ossp_test_oem_nonce[16] = {
  0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0, 0, 0, 0 };

static void
pad32 (guint8 out[32], const gnutls_datum_t *d)
{
  const guint8 *p = d->data;
  gsize n = d->size;
  while (n > 32 && *p == 0)
    {
      p++;
      n--;
    }
  g_assert_cmpuint (n, <=, 32);
  memset (out, 0, 32);
  memcpy (out + 32 - n, p, n);
}

/* key pair straight from GnuTLS */
static gnutls_privkey_t
make_key (guint8 priv[32], guint8 pub[64])
{
  gnutls_privkey_t key;
  gnutls_ecc_curve_t curve;
  gnutls_datum_t x, y, k;

  g_assert_cmpint (gnutls_privkey_init (&key), ==, 0);
  g_assert_cmpint (gnutls_privkey_generate2 (key, GNUTLS_PK_ECDSA,
                                             GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1), 0, NULL, 0), ==, 0);
  g_assert_cmpint (gnutls_privkey_export_ecc_raw2 (key, &curve, &x, &y, &k, GNUTLS_EXPORT_FLAG_NO_LZ), ==, 0);
  g_assert_cmpint (curve, ==, GNUTLS_ECC_CURVE_SECP256R1);
  pad32 (priv, &k);
  pad32 (pub, &x);
  pad32 (pub + 32, &y);
  gnutls_free (x.data);
  gnutls_free (y.data);
  gnutls_free (k.data);
  return key;
}

static gnutls_privkey_t
import_key (const guint8 priv[32], const guint8 pub[64])
{
  gnutls_privkey_t key;
  gnutls_datum_t x = { (guint8 *) pub, 32 }, y = { (guint8 *) pub + 32, 32 }, k = { (guint8 *) priv, 32 };

  g_assert_cmpint (gnutls_privkey_init (&key), ==, 0);
  g_assert_cmpint (gnutls_privkey_import_ecc_raw (key, GNUTLS_ECC_CURVE_SECP256R1, &x, &y, &k), ==, 0);
  return key;
}

void
ossp_test_chip_init (OsspTestChip       *chip,
                     const char         *product_id,
                     const OsspTestChip *root_from)
{
  gnutls_privkey_t root, chip_key;
  gnutls_datum_t data, sig, r, s;

  memset (chip, 0, sizeof *chip);
  g_assert_cmpuint (strlen (product_id), ==, 8);
  memcpy (chip->product_id, product_id, 8);
  if (root_from)
    {
      memcpy (chip->root_priv, root_from->root_priv, 32);
      memcpy (chip->root_pub, root_from->root_pub, 64);
      root = import_key (chip->root_priv, chip->root_pub);
    }
  else
    root = make_key (chip->root_priv, chip->root_pub);
  chip_key = make_key (chip->chip_priv, chip->chip_pub);
  gnutls_privkey_deinit (chip_key);

  /* ssp-flow.md §5: product id ‖ chip pubkey ‖ signature (r‖s over 0..71) */
  memcpy (chip->cert, product_id, 8);
  memcpy (chip->cert + 8, chip->chip_pub, 64);
  data.data = chip->cert;
  data.size = 72;
  g_assert_cmpint (gnutls_privkey_sign_data2 (root, GNUTLS_SIGN_ECDSA_SHA256, 0, &data, &sig), ==, 0);
  g_assert_cmpint (gnutls_decode_rs_value (&sig, &r, &s), ==, 0);
  pad32 (chip->cert + 72, &r);
  pad32 (chip->cert + 104, &s);
  gnutls_free (sig.data);
  gnutls_free (r.data);
  gnutls_free (s.data);
  gnutls_privkey_deinit (root);
}

GBytes *
ossp_test_chip_cert_bytes (const OsspTestChip *chip)
{
  return g_bytes_new (chip->cert, sizeof chip->cert);
}

/* Z = (chip_priv · eph_pub).x with nettle */
static void
ecdh_x (const guint8 priv[32], const guint8 pub[64], guint8 z[32])
{
  const struct ecc_curve *curve = nettle_get_secp_256r1 ();
  struct ecc_point p, r;
  struct ecc_scalar k;
  mpz_t x, y, n;

  mpz_init (x);
  mpz_init (y);
  mpz_init (n);
  nettle_mpz_set_str_256_u (x, 32, pub);
  nettle_mpz_set_str_256_u (y, 32, pub + 32);
  nettle_mpz_set_str_256_u (n, 32, priv);
  ecc_point_init (&p, curve);
  ecc_point_init (&r, curve);
  ecc_scalar_init (&k, curve);
  g_assert_true (ecc_point_set (&p, x, y));
  g_assert_true (ecc_scalar_set (&k, n));
  ecc_point_mul (&r, &k, &p);
  ecc_point_get (&r, x, y);
  nettle_mpz_get_str_256 (32, z, x);
  ecc_point_clear (&p);
  ecc_point_clear (&r);
  ecc_scalar_clear (&k);
  mpz_clear (x);
  mpz_clear (y);
  mpz_clear (n);
}

gboolean
ossp_test_chip_open_license (const OsspTestChip *chip,
                             const guint8       *lic,
                             gsize               len,
                             guint8              oem_iv[16],
                             guint8              oem_key[16])
{
  static const guint8 ssp_type[4] = { 0x53, 0x53, 0x50, 0x2E };   /* "SSP." little-endian u32 */
  guint8 z[32], kdf[64], in[36], aad[120], pt[32], tag[16];
  gnutls_cipher_hd_t h;
  gnutls_datum_t key = { kdf, 16 }, nonce = { kdf + 16, 12 };

  g_assert_cmpuint (len, ==, 136);
  g_assert_cmpmem (lic, 4, ssp_type, 4);
  g_assert_cmpuint (lic[8] | (lic[9] << 8) | (lic[10] << 16) | ((guint32) lic[11] << 24), ==, 1);
  ecdh_x (chip->chip_priv, lic + 24, z);
  memcpy (in, z, 32);
  in[32] = 0; in[33] = 0; in[34] = 0; in[35] = 1;
  g_assert_cmpint (gnutls_hash_fast (GNUTLS_DIG_SHA256, in, 36, kdf), ==, 0);
  in[35] = 2;
  g_assert_cmpint (gnutls_hash_fast (GNUTLS_DIG_SHA256, in, 36, kdf + 32), ==, 0);
  memcpy (aad, lic, 88);
  memcpy (aad + 88, kdf + 32, 32);
  g_assert_cmpint (gnutls_cipher_init (&h, GNUTLS_CIPHER_AES_128_GCM, &key, &nonce), ==, 0);
  g_assert_cmpint (gnutls_cipher_add_auth (h, aad, sizeof aad), ==, 0);
  g_assert_cmpint (gnutls_cipher_decrypt2 (h, lic + 88, 32, pt, 32), ==, 0);
  g_assert_cmpint (gnutls_cipher_tag (h, tag, 16), ==, 0);
  gnutls_cipher_deinit (h);
  if (memcmp (tag, lic + 120, 16) != 0)
    return FALSE;
  memcpy (oem_iv, pt, 16);
  memcpy (oem_key, pt + 16, 16);
  return TRUE;
}

GBytes *
ossp_test_perso_for (const OsspTestChip *chips,
                     guint               n_chips)
{
  /* built by hand from hsm.md §4.1, big-endian counts */
  GByteArray *a = g_byte_array_new ();
  guint8 header[8] = { 'O', 'S', 'P', 'D', 0, 1, 0, (guint8) n_chips };
  guint8 tail[8] = { 0 };

  g_byte_array_append (a, header, 8);
  for (guint i = 0; i < n_chips; i++)
    {
      g_byte_array_append (a, (const guint8 *) chips[i].product_id, 8);
      g_byte_array_append (a, chips[i].root_pub, 64);
      g_byte_array_append (a, tail, 8);
    }
  return g_byte_array_free_to_bytes (a);
}

OsspHsmProvisioning *
ossp_test_provisioning (GBytes  *perso,
                        guint32  max_count)
{
  OsspHsmProvisioning *p = ossp_hsm_provisioning_new ();

  p->perso = g_bytes_ref (perso);
  memcpy (p->oem_key, ossp_test_oem_key, 16);
  memcpy (p->oem_nonce, ossp_test_oem_nonce, 16);
  p->firmware_id = g_strdup ("SSP_MPU");
  p->max_count = max_count;
  return p;
}

void
ossp_test_rm_rf (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        ossp_test_rm_rf (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}
