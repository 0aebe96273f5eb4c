/* ossp-test-ssp-host.c — the tests' own SSP host, written from the spec
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <gmp.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <nettle/bignum.h>
#include <nettle/ecc-curve.h>
#include <nettle/ecc.h>

#include "ossp-test-ssp-host.h"

static void
put_le32 (guint8 *p, guint32 v)
{
  p[0] = v; p[1] = v >> 8; p[2] = v >> 16; p[3] = v >> 24;
}

static void
put_be32 (guint8 *p, guint32 v)
{
  p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}

void
ossp_test_sha256 (const void *data,
                  gsize       len,
                  guint8      out[32])
{
  g_assert_cmpint (gnutls_hash_fast (GNUTLS_DIG_SHA256, data, len, out), ==, 0);
}

static void
pad32 (const gnutls_datum_t *d,
       guint8                out[32])
{
  g_assert_cmpuint (d->size, <=, 33);
  memset (out, 0, 32);
  if (d->size == 33)
    {
      g_assert_cmpuint (d->data[0], ==, 0);
      memcpy (out, d->data + 1, 32);
    }
  else
    memcpy (out + 32 - d->size, d->data, d->size);
}

static void
public_from_private (OsspTestKey *key)
{
  /* Nettle: GnuTLS 3.7 cannot derive a public point from a scalar */
  struct ecc_scalar s;
  struct ecc_point p;
  mpz_t z, x, y;

  mpz_inits (z, x, y, NULL);
  nettle_mpz_set_str_256_u (z, 32, key->priv);
  ecc_scalar_init (&s, nettle_get_secp_256r1 ());
  g_assert_true (ecc_scalar_set (&s, z));
  ecc_point_init (&p, nettle_get_secp_256r1 ());
  ecc_point_mul_g (&p, &s);
  ecc_point_get (&p, x, y);
  nettle_mpz_get_str_256 (32, key->pub, x);
  nettle_mpz_get_str_256 (32, key->pub + 32, y);
  ecc_point_clear (&p);
  ecc_scalar_clear (&s);
  mpz_clears (z, x, y, NULL);
}

void
ossp_test_key_generate (OsspTestKey *key)
{
  gnutls_privkey_t pk;
  gnutls_datum_t x, y, k;
  gnutls_ecc_curve_t curve;

  g_assert_cmpint (gnutls_privkey_init (&pk), ==, 0);
  g_assert_cmpint (gnutls_privkey_generate (pk, GNUTLS_PK_ECDSA,
                                            GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1), 0), ==, 0);
  g_assert_cmpint (gnutls_privkey_export_ecc_raw2 (pk, &curve, &x, &y, &k, GNUTLS_EXPORT_FLAG_NO_LZ), ==, 0);
  pad32 (&k, key->priv);
  pad32 (&x, key->pub);
  pad32 (&y, key->pub + 32);
  gnutls_free (x.data);
  gnutls_free (y.data);
  gnutls_free (k.data);
  gnutls_privkey_deinit (pk);
}

void
ossp_test_key_derive (OsspTestKey  *key,
                      const char   *label,
                      const guint8 *data,
                      gsize         len)
{
  g_autoptr(GByteArray) in = g_byte_array_new ();
  guint8 digest[32], ctr[4];
  mpz_t z, n;

  g_byte_array_append (in, (const guint8 *) label, strlen (label));
  g_byte_array_append (in, data, len);
  mpz_init (z);
  mpz_init_set_str (n, "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16);
  for (guint32 counter = 0;; counter++)
    {
      if (counter > 0)
        {
          put_be32 (ctr, counter);
          if (counter > 1)
            g_byte_array_set_size (in, in->len - 4);
          g_byte_array_append (in, ctr, 4);
        }
      ossp_test_sha256 (in->data, in->len, digest);
      nettle_mpz_set_str_256_u (z, 32, digest);
      mpz_mod (z, z, n);
      if (mpz_sgn (z) != 0)
        break;
    }
  nettle_mpz_get_str_256 (32, key->priv, z);
  mpz_clears (z, n, NULL);
  public_from_private (key);
}

void
ossp_test_ecdsa_sign (const OsspTestKey *key,
                      const guint8       digest[32],
                      guint8             sig[64])
{
  gnutls_privkey_t pk;
  gnutls_datum_t x = { (guint8 *) key->pub, 32 }, y = { (guint8 *) key->pub + 32, 32 };
  gnutls_datum_t k = { (guint8 *) key->priv, 32 }, h = { (guint8 *) digest, 32 }, der, r, s;

  g_assert_cmpint (gnutls_privkey_init (&pk), ==, 0);
  g_assert_cmpint (gnutls_privkey_import_ecc_raw (pk, GNUTLS_ECC_CURVE_SECP256R1, &x, &y, &k), ==, 0);
  g_assert_cmpint (gnutls_privkey_sign_hash2 (pk, GNUTLS_SIGN_ECDSA_SHA256, 0, &h, &der), ==, 0);
  g_assert_cmpint (gnutls_decode_rs_value (&der, &r, &s), ==, 0);
  pad32 (&r, sig);
  pad32 (&s, sig + 32);
  gnutls_free (der.data);
  gnutls_free (r.data);
  gnutls_free (s.data);
  gnutls_privkey_deinit (pk);
}

gboolean
ossp_test_ecdsa_verify (const guint8 pub[64],
                        const guint8 digest[32],
                        const guint8 sig[64])
{
  gnutls_pubkey_t pk;
  gnutls_datum_t x = { (guint8 *) pub, 32 }, y = { (guint8 *) pub + 32, 32 };
  gnutls_datum_t r = { (guint8 *) sig, 32 }, s = { (guint8 *) sig + 32, 32 };
  gnutls_datum_t h = { (guint8 *) digest, 32 }, der;
  int rc;

  g_assert_cmpint (gnutls_pubkey_init (&pk), ==, 0);
  if (gnutls_pubkey_import_ecc_raw (pk, GNUTLS_ECC_CURVE_SECP256R1, &x, &y) != 0)
    {
      gnutls_pubkey_deinit (pk);
      return FALSE;
    }
  g_assert_cmpint (gnutls_encode_rs_value (&der, &r, &s), ==, 0);
  rc = gnutls_pubkey_verify_hash2 (pk, GNUTLS_SIGN_ECDSA_SHA256, 0, &h, &der);
  gnutls_free (der.data);
  gnutls_pubkey_deinit (pk);
  return rc >= 0;
}

void
ossp_test_ecdh_x (const guint8 priv[32],
                  const guint8 pub[64],
                  guint8       out_x[32])
{
  struct ecc_scalar s;
  struct ecc_point p, r;
  mpz_t z, x, y;

  mpz_inits (z, x, y, NULL);
  nettle_mpz_set_str_256_u (z, 32, priv);
  nettle_mpz_set_str_256_u (x, 32, pub);
  nettle_mpz_set_str_256_u (y, 32, pub + 32);
  ecc_scalar_init (&s, nettle_get_secp_256r1 ());
  ecc_point_init (&p, nettle_get_secp_256r1 ());
  ecc_point_init (&r, nettle_get_secp_256r1 ());
  g_assert_true (ecc_scalar_set (&s, z));
  g_assert_true (ecc_point_set (&p, x, y));
  ecc_point_mul (&r, &s, &p);
  ecc_point_get (&r, x, y);
  nettle_mpz_get_str_256 (32, out_x, x);
  ecc_point_clear (&r);
  ecc_point_clear (&p);
  ecc_scalar_clear (&s);
  mpz_clears (z, x, y, NULL);
}

void
ossp_test_gcm_encrypt (const guint8  key[16],
                       const guint8  nonce[12],
                       const guint8 *aad,
                       gsize         aad_len,
                       const guint8 *plain,
                       gsize         len,
                       guint8       *out_cipher,
                       guint8        out_tag[16])
{
  gnutls_aead_cipher_hd_t h;
  gnutls_datum_t k = { (guint8 *) key, 16 };
  g_autofree guint8 *out = g_malloc (len + 16);
  size_t out_len = len + 16;

  g_assert_cmpint (gnutls_aead_cipher_init (&h, GNUTLS_CIPHER_AES_128_GCM, &k), ==, 0);
  g_assert_cmpint (gnutls_aead_cipher_encrypt (h, nonce, 12, aad, aad_len, 16, plain, len, out, &out_len), ==, 0);
  g_assert_cmpuint (out_len, ==, len + 16);
  memcpy (out_cipher, out, len);
  memcpy (out_tag, out + len, 16);
  gnutls_aead_cipher_deinit (h);
}

/* ---- builders ------------------------------------------------------------ */

GBytes *
ossp_test_build_fsbl (const char        *chip_id,
                      const OsspTestKey *key,
                      guint32            image_version,
                      gsize              payload_len,
                      guint8             out_hash[32])
{
  gboolean v1 = g_str_equal (chip_id, "stm32mp15");
  gsize header = v1 ? 0x100 : 0x200;
  guint32 load = g_str_equal (chip_id, "stm32mp15") ? 0x2FFC2400
                 : g_str_equal (chip_id, "stm32mp13") ? 0x2FFE0000 : 0x0E012000;
  guint8 *img = g_malloc0 (header + payload_len);
  guint32 checksum = 0;
  guint8 digest[32];

  for (gsize i = 0; i < payload_len; i++)
    {
      img[header + i] = (guint8) (i * 7 + 3);
      checksum += img[header + i];
    }
  memcpy (img, "STM2", 4);
  put_le32 (img + 0x44, checksum);
  put_le32 (img + 0x48, v1 ? 0x00010000 : g_str_equal (chip_id, "stm32mp13") ? 0x00020000 : 0x00020200);
  put_le32 (img + 0x4C, payload_len);
  put_le32 (img + 0x50, load + header);
  put_le32 (img + 0x58, load);
  put_le32 (img + 0x60, image_version);
  if (v1)
    {
      put_le32 (img + 0x64, key ? 0 : 1);     /* option_flags: bit0 = no signature */
      put_le32 (img + 0x68, 1);               /* P-256 */
      if (key)
        memcpy (img + 0x6C, key->pub, 64);
      img[0xFF] = 0x10;
      if (out_hash && key)
        ossp_test_sha256 (key->pub, 64, out_hash);
    }
  else
    {
      guint8 *ext = img + 0x80;
      put_le32 (img + 0x68, 0x180);
      put_le32 (img + 0x6C, 0x10);
      if (key)
        {
          guint8 table[8 * 32], in[68];
          put_le32 (img + 0x64, 0x80000001);
          put_le32 (ext, 0x02005453);
          put_le32 (ext + 4, 0x154);
          put_le32 (ext + 8, 0);              /* pk_idx */
          put_le32 (ext + 12, 8);             /* nb_pk */
          put_le32 (ext + 16, 1);             /* P-256 */
          memcpy (ext + 20, key->pub, 64);
          put_le32 (in, 1);
          memcpy (in + 4, key->pub, 64);
          ossp_test_sha256 (in, sizeof in, table);
          for (guint i = 1; i < 8; i++)
            {
              guint8 dummy[4] = { i, i, i, i };
              ossp_test_sha256 (dummy, 4, table + 32 * i);
            }
          memcpy (ext + 84, table, sizeof table);
          put_le32 (ext + 0x154, 0xFFFF5453);
          put_le32 (ext + 0x158, 0x2C);
          if (out_hash)
            ossp_test_sha256 (table, sizeof table, out_hash);
        }
      else
        {
          put_le32 (img + 0x64, 0x80000000);
          put_le32 (ext, 0xFFFF5453);
          put_le32 (ext + 4, 0x180);
        }
    }
  if (key)
    {
      ossp_test_sha256 (img + 0x48, header + payload_len - 0x48, digest);
      ossp_test_ecdsa_sign (key, digest, img + 4);
    }
  return g_bytes_new_take (img, header + payload_len);
}

GBytes *
ossp_test_build_license (const guint8 chip_pub[64],
                         guint32      type,
                         guint32      fsbl_min_version,
                         const guint8 oem_iv[16],
                         const guint8 oem_key[16])
{
  guint8 *lic = g_malloc0 (136);
  OsspTestKey eph;
  guint8 z[36], kdf[64], aad[120], pt[32];

  ossp_test_key_generate (&eph);
  put_le32 (lic, type);
  put_le32 (lic + 4, 0);
  put_le32 (lic + 8, 1);
  put_le32 (lic + 12, fsbl_min_version);
  memcpy (lic + 0x18, eph.pub, 64);
  /* §7.3: Z = ECDH(eph, chip).x; KDF = SHA256(Z‖1) ‖ SHA256(Z‖2) */
  ossp_test_ecdh_x (eph.priv, chip_pub, z);
  put_be32 (z + 32, 1);
  ossp_test_sha256 (z, 36, kdf);
  put_be32 (z + 32, 2);
  ossp_test_sha256 (z, 36, kdf + 32);
  memcpy (aad, lic, 88);
  memcpy (aad + 88, kdf + 32, 32);
  memcpy (pt, oem_iv, 16);
  memcpy (pt + 16, oem_key, 16);
  ossp_test_gcm_encrypt (kdf, kdf + 16, aad, sizeof aad, pt, 32, lic + 0x58, lic + 0x78);
  return g_bytes_new_take (lic, 136);
}

GBytes *
ossp_test_build_payload (gboolean      mp15,
                         const guint8 *key_or_hash,
                         const guint8 *secrets,
                         gsize         size,
                         const guint8  oem_iv[16],
                         const guint8  oem_key[16])
{
  gsize key_len = mp15 ? 64 : 32, total = mp15 ? 244 : 212;
  guint8 *p = g_malloc0 (total);
  gsize size_off = 8 + key_len;

  g_assert_cmpuint (size, <=, 152);
  memcpy (p, "SSPP", 4);
  put_le32 (p + 4, 1);
  memcpy (p + 8, key_or_hash, key_len);
  put_le32 (p + size_off, size);
  ossp_test_gcm_encrypt (oem_key, oem_iv, p, size_off + 4, secrets, size,
                         p + size_off + 4 + 16, p + size_off + 4);
  return g_bytes_new_take (p, total);
}

/* ---- UART host ------------------------------------------------------------ */

int
ossp_test_uart_open (const char *path)
{
  struct termios t;
  int fd = open (path, O_RDWR | O_NOCTTY | O_CLOEXEC);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (tcgetattr (fd, &t), ==, 0);
  cfmakeraw (&t);
  cfsetispeed (&t, B115200);
  cfsetospeed (&t, B115200);
  t.c_cflag |= CS8 | PARENB | CLOCAL | CREAD;   /* a pty drops PARENB (platform.md §4) */
  t.c_cflag &= ~(PARODD | CSTOPB | CRTSCTS);
  t.c_cc[VMIN] = 0;
  t.c_cc[VTIME] = 0;
  g_assert_cmpint (tcsetattr (fd, TCSANOW, &t), ==, 0);
  return fd;
}

gsize
ossp_test_uart_read (int      fd,
                     guint8  *buf,
                     gsize    len,
                     guint    timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  gsize got = 0;

  while (got < len)
    {
      struct pollfd p = { fd, POLLIN, 0 };
      gint64 left = deadline - g_get_monotonic_time ();
      gssize r;
      if (left <= 0)
        break;
      if (poll (&p, 1, (int) ((left + 999) / 1000)) <= 0)
        continue;
      r = read (fd, buf + got, len - got);
      if (r > 0)
        got += (gsize) r;
      else if (r < 0 && errno != EAGAIN && errno != EINTR)
        break;
    }
  return got;
}

void
ossp_test_uart_expect (int           fd,
                       const guint8 *bytes,
                       gsize         len,
                       guint         timeout_ms)
{
  g_autofree guint8 *buf = g_malloc0 (len);
  gsize got = ossp_test_uart_read (fd, buf, len, timeout_ms);

  if (got != len || memcmp (buf, bytes, len) != 0)
    {
      GString *w = g_string_new (NULL), *h = g_string_new (NULL);
      for (gsize i = 0; i < len; i++)
        g_string_append_printf (w, "%02X ", bytes[i]);
      for (gsize i = 0; i < got; i++)
        g_string_append_printf (h, "%02X ", buf[i]);
      g_error ("expected %s, got %s(%zu of %zu bytes)", w->str, h->str, got, len);
    }
}

void
ossp_test_uart_write (int           fd,
                      const guint8 *bytes,
                      gsize         len)
{
  gsize done = 0;

  while (done < len)
    {
      gssize r = write (fd, bytes + done, len - done);
      if (r < 0 && (errno == EAGAIN || errno == EINTR))
        continue;
      g_assert_cmpint (r, >, 0);
      done += (gsize) r;
    }
}

static const guint8 ack[1] = { 0x79 };

void
ossp_test_uart_command (int    fd,
                        guint8 cmd)
{
  guint8 frame[2] = { cmd, cmd ^ 0xFF };

  ossp_test_uart_write (fd, frame, 2);
  ossp_test_uart_expect (fd, ack, 1, 2000);
}

void
ossp_test_uart_download (int           fd,
                         guint8        op,
                         const guint8 *data,
                         gsize         len)
{
  guint32 packet = 0;

  for (gsize off = 0; off < len; off += 256, packet++)
    {
      gsize n = MIN (256, len - off);
      guint8 head[5] = { op, packet >> 16, packet >> 8, packet, 0 };
      g_autofree guint8 *frame = g_malloc (n + 2);
      guint8 xor = (guint8) (n - 1);

      head[4] = head[0] ^ head[1] ^ head[2] ^ head[3];
      ossp_test_uart_command (fd, 0x31);
      ossp_test_uart_write (fd, head, 5);
      ossp_test_uart_expect (fd, ack, 1, 2000);
      frame[0] = (guint8) (n - 1);
      memcpy (frame + 1, data + off, n);
      for (gsize i = 0; i < n; i++)
        xor ^= data[off + i];
      frame[n + 1] = xor;
      ossp_test_uart_write (fd, frame, n + 2);
      ossp_test_uart_expect (fd, ack, 1, 2000);
    }
}

void
ossp_test_uart_start (int     fd,
                      guint32 address,
                      guint8  expect)
{
  guint8 a[5];

  put_be32 (a, address);
  a[4] = a[0] ^ a[1] ^ a[2] ^ a[3];
  ossp_test_uart_command (fd, 0x21);
  ossp_test_uart_write (fd, a, 5);
  ossp_test_uart_expect (fd, &expect, 1, 5000);
}

void
ossp_test_uart_rom_boot (int     fd,
                         guint32 load,
                         GBytes *image)
{
  guint8 sync = 0x7F, phase[9] = { 0x79, 0x05, 0x01, 0, 0, 0, 0, 0x00, 0x79 };
  gsize len;
  const guint8 *data = g_bytes_get_data (image, &len);

  ossp_test_uart_write (fd, &sync, 1);
  ossp_test_uart_expect (fd, ack, 1, 5000);
  put_le32 (phase + 3, load);
  ossp_test_uart_write (fd, (const guint8 *) "\x03\xFC", 2);
  ossp_test_uart_expect (fd, phase, sizeof phase, 2000);
  ossp_test_uart_download (fd, 0x01, data, len);
  ossp_test_uart_start (fd, load, 0x79);
}
