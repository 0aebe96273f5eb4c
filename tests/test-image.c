/* test-image.c — OsspImage: v1/v2 byte layout from the spec tables, parse
 * errors, signing, tamper detection, streaming
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>

#include "ossp-test-helper.h"

/* The P-256 base point G (SEC 2 §2.4.2): a public key everybody can
 * check, so the expected bytes below do not come from our own code. */
static const guint8 p256_g[64] = {
  0x6B, 0x17, 0xD1, 0xF2, 0xE1, 0x2C, 0x42, 0x47, 0xF8, 0xBC, 0xE6, 0xE5, 0x63, 0xA4, 0x40, 0xF2,
  0x77, 0x03, 0x7D, 0x81, 0x2D, 0xEB, 0x33, 0xA0, 0xF4, 0xA1, 0x39, 0x45, 0xD8, 0x98, 0xC2, 0x96,
  0x4F, 0xE3, 0x42, 0xE2, 0xFE, 0x1A, 0x7F, 0x9B, 0x8E, 0xE7, 0xEB, 0x4A, 0x7C, 0x0F, 0x9E, 0x16,
  0x2B, 0xCE, 0x33, 0x57, 0x6B, 0x31, 0x5E, 0xCE, 0xCB, 0xB6, 0x40, 0x68, 0x37, 0xBF, 0x51, 0xF5,
};

static GBytes *
make_payload (gsize len, guint seed)
{
  guint8 *p = g_malloc (len);
  for (gsize i = 0; i < len; i++)
    p[i] = (guint8) ((i * 131 + seed * 7 + (i >> 8)) & 0xff);
  return g_bytes_new_take (p, len);
}

static guint32
sum_bytes (GBytes *b)
{
  gsize len;
  const guint8 *p = g_bytes_get_data (b, &len);
  guint32 s = 0;
  for (gsize i = 0; i < len; i++)
    s += p[i];
  return s;
}

static void
put32 (guint8 *p, gsize off, guint32 v)
{
  p[off] = v & 0xff;
  p[off + 1] = (v >> 8) & 0xff;
  p[off + 2] = (v >> 16) & 0xff;
  p[off + 3] = (v >> 24) & 0xff;
}

static OsspKeyPair *
new_key (void)
{
  g_autoptr(GError) error = NULL;
  OsspKeyPair *key = ossp_key_pair_generate (OSSP_CURVE_P256, &error);
  g_assert_no_error (error);
  return key;
}

static GPtrArray *
verify_bytes (GBytes *bytes, const OsspImageExpect *expect)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspImage) image = ossp_image_new_from_bytes (bytes, &error);
  GPtrArray *checks;

  g_assert_no_error (error);
  checks = ossp_image_verify (image, expect, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  return checks;
}

static OsspImageCheckStatus
check_status (GPtrArray *checks, const char *id)
{
  for (guint i = 0; i < checks->len; i++)
    {
      OsspImageCheck *c = g_ptr_array_index (checks, i);
      if (g_str_equal (c->id, id))
        return c->status;
    }
  g_error ("no check %s", id);
  return OSSP_IMAGE_CHECK_SKIPPED;
}

/* §2 + §4: an unsigned v1 header as mkimage writes it, field by field */
static void
test_image_v1_layout (void)
{
  g_autoptr(GBytes) payload = make_payload (1000, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspImage) image = ossp_image_new_from_payload_bytes (payload, OSSP_IMAGE_VERSION_1_0, &error);
  g_autoptr(GBytes) out = NULL;
  guint8 expected[256] = { 0 };
  const guint8 *p;
  gsize len;

  g_assert_no_error (error);
  ossp_image_set_entry_point (image, 0x2FFC2500);
  ossp_image_set_load_address (image, 0x2FFC2500);
  out = ossp_image_write_bytes (image, 0, NULL, NULL, &error);
  g_assert_no_error (error);
  p = g_bytes_get_data (out, &len);
  g_assert_cmpuint (len, ==, 256 + 1000);

  memcpy (expected, "STM2", 4);
  put32 (expected, 0x44, sum_bytes (payload));
  expected[0x4A] = 0x01;                 /* header version 1.0: bytes 00 00 01 00 */
  put32 (expected, 0x4C, 1000);
  put32 (expected, 0x50, 0x2FFC2500);
  put32 (expected, 0x58, 0x2FFC2500);
  put32 (expected, 0x64, 1);             /* No_sig_check, as mkimage */
  put32 (expected, 0x68, 1);             /* P-256 */
  g_assert_cmpmem (p, 256, expected, 256);
  g_assert_cmpmem (p + 256, 1000, g_bytes_get_data (payload, NULL), 1000);
  g_assert_false (ossp_image_is_signed (image));
}

/* §3: v2.0 (MP13) and v2.2 (MP25) with an 8-key authentication extension */
static void
check_v2_layout (guint32 version, guint n_keys, guint key_index)
{
  g_autoptr(GBytes) payload = make_payload (777, 2);
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspImage) image = ossp_image_new_from_payload_bytes (payload, version, &error);
  g_autoptr(GBytes) out = NULL;
  g_autoptr(OsspImage) parsed = NULL;
  guint8 table[8 * 32], entry[68], expected[512] = { 0 };
  gsize auth_len = 0x54 + 32 * n_keys, len;
  const guint8 *p;

  g_assert_no_error (error);
  /* table: entry key_index = SHA-256(LE32(1)||G), others arbitrary hashes */
  for (guint i = 0; i < n_keys; i++)
    memset (table + 32 * i, 0xA0 + i, 32);
  put32 (entry, 0, 1);
  memcpy (entry + 4, p256_g, 64);
  gnutls_hash_fast (GNUTLS_DIG_SHA256, entry, 68, table + 32 * key_index);

  ossp_image_set_entry_point (image, 0x2FFE0000);
  ossp_image_set_load_address (image, 0x2FFE0000);
  ossp_image_set_image_version (image, 7);
  g_assert_true (ossp_image_set_binary_type (image, 0x10, &error));
  g_assert_true (ossp_image_set_auth (image, 1, p256_g, table, n_keys, (gint) key_index, &error));
  g_assert_no_error (error);
  out = ossp_image_write_bytes (image, 0, NULL, NULL, &error);
  g_assert_no_error (error);
  p = g_bytes_get_data (out, &len);
  g_assert_cmpuint (len, ==, 0x200 + 777);

  memcpy (expected, "STM2", 4);
  put32 (expected, 0x44, sum_bytes (payload));
  put32 (expected, 0x48, version);
  put32 (expected, 0x4C, 777);
  put32 (expected, 0x50, 0x2FFE0000);
  put32 (expected, 0x58, 0x2FFE0000);
  put32 (expected, 0x60, 7);
  put32 (expected, 0x64, 0x80000001);     /* authentication + padding */
  put32 (expected, 0x68, 0x180);          /* extension_headers_length */
  put32 (expected, 0x6C, 0x10);           /* binary type, u32 in v2 */
  expected[0x80] = 'S'; expected[0x81] = 'T'; expected[0x82] = 0x00; expected[0x83] = 0x02;
  put32 (expected, 0x84, (guint32) auth_len);
  put32 (expected, 0x88, key_index);
  put32 (expected, 0x8C, n_keys);
  put32 (expected, 0x90, 1);
  memcpy (expected + 0x94, p256_g, 64);
  memcpy (expected + 0xD4, table, 32 * n_keys);
  expected[0x80 + auth_len] = 'S'; expected[0x81 + auth_len] = 'T';
  expected[0x82 + auth_len] = 0xFF; expected[0x83 + auth_len] = 0xFF;
  put32 (expected, 0x84 + auth_len, (guint32) (0x180 - auth_len));
  g_assert_cmpmem (p, 512, expected, 512);
  if (n_keys == 8)
    {
      /* the numbers image-header.md §3.3 spells out */
      g_assert_cmpuint (auth_len, ==, 0x154);
      g_assert_cmpuint (ossp_read_le32 (p + 0x1D4), ==, 0xFFFF5453);
      g_assert_cmpuint (ossp_read_le32 (p + 0x1D8), ==, 0x2C);
    }

  parsed = ossp_image_new_from_bytes (out, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ossp_image_get_header_version (parsed), ==, version);
  g_assert_cmpint (ossp_image_get_key_index (parsed), ==, (gint) key_index);
  g_assert_cmpuint (ossp_image_get_binary_type (parsed), ==, 0x10);
  g_assert_null (ossp_image_get_problems (parsed)[0]);
  g_assert_null (ossp_image_get_notes (parsed)[0]);
}

static void
test_image_v2_layout (void)
{
  check_v2_layout (OSSP_IMAGE_VERSION_2_0, 8, 0);
  check_v2_layout (OSSP_IMAGE_VERSION_2_2, 8, 5);
  /* fewer than 8 keys: a shorter table, the padding grows (docs/image.md) */
  check_v2_layout (OSSP_IMAGE_VERSION_2_0, 3, 2);
  check_v2_layout (OSSP_IMAGE_VERSION_2_2, 1, 0);
}

/* mkimage -T stm32imagev2 bytes (§4), unsigned: padding extension only */
static void
test_image_v2_unsigned (void)
{
  g_autoptr(GBytes) payload = make_payload (64, 3);
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspImage) image = ossp_image_new_from_payload_bytes (payload, OSSP_IMAGE_VERSION_2_0, &error);
  g_autoptr(GBytes) out = ossp_image_write_bytes (image, 0, NULL, NULL, &error);
  const guint8 *p = g_bytes_get_data (out, NULL);
  guint8 expected[512] = { 0 };

  g_assert_no_error (error);
  memcpy (expected, "STM2", 4);
  put32 (expected, 0x44, sum_bytes (payload));
  put32 (expected, 0x48, 0x00020000);
  put32 (expected, 0x4C, 64);
  put32 (expected, 0x64, 0x80000000);
  put32 (expected, 0x68, 0x180);
  put32 (expected, 0x80, 0xFFFF5453);
  put32 (expected, 0x84, 0x180);
  g_assert_cmpmem (p, 512, expected, 512);
  g_assert_false (ossp_image_get_public_key (image, NULL, NULL));
  g_assert_null (ossp_image_get_pkh_table (image, NULL));
}

static GBytes *
sign_bytes (guint32 version, OsspKeyPair *key, gsize payload_len)
{
  g_autoptr(GBytes) payload = make_payload (payload_len, 4);
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspImage) image = ossp_image_new_from_payload_bytes (payload, version, &error);
  guint8 xy[64];
  GBytes *out;

  g_assert_no_error (error);
  ossp_key_pair_get_public_raw (key, xy);
  ossp_image_set_entry_point (image, 0x2FFC2500);
  g_assert_true (ossp_image_set_auth (image, ossp_key_pair_get_curve (key), xy, NULL, 0, -1, &error));
  out = ossp_image_write_bytes (image, 0, ossp_image_key_pair_sign_func, key, &error);
  g_assert_no_error (error);
  g_assert_true (ossp_image_is_signed (image));
  return out;
}

/* The signature covers exactly [0x48, end of payload) (§2, §3.3). */
static void
check_signed_range (guint32 version)
{
  g_autoptr(OsspKeyPair) key = new_key ();
  g_autoptr(GBytes) out = sign_bytes (version, key, 3000);
  gsize len;
  const guint8 *p = g_bytes_get_data (out, &len);
  guint8 digest[32];
  g_autoptr(GError) error = NULL;

  gnutls_hash_fast (GNUTLS_DIG_SHA256, p + 0x48, len - 0x48, digest);
  g_assert_true (ossp_key_pair_verify_digest (key, digest, p + 4, &error));
  g_assert_no_error (error);
  /* v1: option flags cleared by signing */
  if (version == OSSP_IMAGE_VERSION_1_0)
    g_assert_cmpuint (ossp_read_le32 (p + 0x64), ==, 0);
  else
    g_assert_cmpuint (ossp_read_le32 (p + 0x64), ==, 0x80000001);
}

static void
test_image_signed_range (void)
{
  check_signed_range (OSSP_IMAGE_VERSION_1_0);
  check_signed_range (OSSP_IMAGE_VERSION_2_0);
  check_signed_range (OSSP_IMAGE_VERSION_2_2);
}

/* One flipped bit anywhere → the check that covers it fails, by name. */
static void
check_tamper (guint32 version)
{
  g_autoptr(OsspKeyPair) key = new_key ();
  g_autoptr(GBytes) good = sign_bytes (version, key, 2048);
  gsize len, hsize = version == OSSP_IMAGE_VERSION_1_0 ? 0x100 : 0x200;
  const guint8 *orig = g_bytes_get_data (good, &len);
  gsize key_off = version == OSSP_IMAGE_VERSION_1_0 ? 0x6C : 0x94;
  guint8 pkh[32], xy[64];
  OsspImageExpect expect = { 0 };
  struct { const char *what; gsize off; const char *fails[3]; } cases[] = {
    { "payload", hsize + 1000, { "checksum", "signature", NULL } },
    { "entry point", 0x50, { "signature", NULL } },
    { "image version", 0x60, { "signature", NULL } },
    { "signature", 0x10, { "signature", NULL } },
    { "checksum", 0x44, { "checksum", NULL } },
    { "public key", key_off + 5, { "signature", "pkh", NULL } },
  };
  g_autoptr(GPtrArray) ok_checks = NULL;

  ossp_key_pair_get_pkh (key, version != OSSP_IMAGE_VERSION_1_0, pkh);
  memcpy (expect.pkh, pkh, 32);
  expect.has_pkh = TRUE;
  ok_checks = verify_bytes (good, &expect);
  g_assert_true (ossp_image_checks_passed (ok_checks));
  g_assert_cmpint (check_status (ok_checks, "pkh"), ==, OSSP_IMAGE_CHECK_PASS);
  ossp_key_pair_get_public_raw (key, xy);

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      guint8 *copy = g_memdup2 (orig, len);
      g_autoptr(GBytes) bad = NULL;
      g_autoptr(GPtrArray) checks = NULL;
      copy[cases[c].off] ^= 0x04;
      bad = g_bytes_new_take (copy, len);
      checks = verify_bytes (bad, &expect);
      g_test_message ("v%x tamper %s", version, cases[c].what);
      g_assert_false (ossp_image_checks_passed (checks));
      for (guint i = 0; i < checks->len; i++)
        {
          OsspImageCheck *chk = g_ptr_array_index (checks, i);
          gboolean should_fail = g_strv_contains (cases[c].fails, chk->id) ||
                                 (version != OSSP_IMAGE_VERSION_1_0 &&
                                  g_str_equal (cases[c].what, "public key") && g_str_equal (chk->id, "key-table"));
          if (should_fail != (chk->status == OSSP_IMAGE_CHECK_FAIL))
            g_error ("tamper %s: check %s is %s (%s)", cases[c].what, chk->id,
                     ossp_image_check_status_to_string (chk->status), chk->message);
        }
    }
}

static void
test_image_tamper (void)
{
  check_tamper (OSSP_IMAGE_VERSION_1_0);
  check_tamper (OSSP_IMAGE_VERSION_2_0);
  check_tamper (OSSP_IMAGE_VERSION_2_2);
}

static void
expect_parse_error (const guint8 *data, gsize len, int code, const char *fragment)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, len);
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspImage) image = ossp_image_new_from_bytes (bytes, &error);

  g_assert_null (image);
  g_assert_error (error, OSSP_ERROR, code);
  if (strstr (error->message, fragment) == NULL)
    g_error ("error \"%s\" lacks \"%s\"", error->message, fragment);
}

static void
test_image_bad_input (void)
{
  g_autoptr(OsspKeyPair) key = new_key ();
  g_autoptr(GBytes) v1 = sign_bytes (OSSP_IMAGE_VERSION_1_0, key, 100);
  g_autoptr(GBytes) v2 = sign_bytes (OSSP_IMAGE_VERSION_2_0, key, 100);
  gsize len1, len2;
  const guint8 *p1 = g_bytes_get_data (v1, &len1);
  const guint8 *p2 = g_bytes_get_data (v2, &len2);
  g_autofree guint8 *c = g_malloc (len2);

  expect_parse_error (p1, 0, OSSP_ERROR_INVALID_DATA, "magic");
  expect_parse_error ((const guint8 *) "\x7f" "ELF\x02\x01\x01", 7, OSSP_ERROR_INVALID_DATA, "magic");
  expect_parse_error (p1, 0x40, OSSP_ERROR_INVALID_DATA, "truncated");
  expect_parse_error (p1, 0xFF, OSSP_ERROR_INVALID_DATA, "truncated");
  expect_parse_error (p2, 0x1FF, OSSP_ERROR_INVALID_DATA, "truncated");
  expect_parse_error (p1, len1 - 1, OSSP_ERROR_INVALID_DATA, "image_length");

  memcpy (c, p1, len1);
  c[0x4A] = 0x03;                           /* v3.0 */
  expect_parse_error (c, len1, OSSP_ERROR_UNSUPPORTED, "3.0");
  memcpy (c, p2, len2);
  c[0x49] = 0x03;                           /* v2.3, STM32MP21 */
  expect_parse_error (c, len2, OSSP_ERROR_UNSUPPORTED, "STM32MP21");

  memcpy (c, p2, len2);
  put32 (c, 0x68, 0x7FFFFFF0);              /* absurd extension length */
  expect_parse_error (c, len2, OSSP_ERROR_INVALID_DATA, "extension_headers_length");
  memcpy (c, p2, len2);
  put32 (c, 0x84, 0x1000);                  /* auth ext longer than the area */
  expect_parse_error (c, len2, OSSP_ERROR_INVALID_DATA, "extension header at 0x80");
  memcpy (c, p2, len2);
  put32 (c, 0x8C, 9);                       /* nine keys */
  expect_parse_error (c, len2, OSSP_ERROR_INVALID_DATA, "key hashes");
  memcpy (c, p2, len2);
  put32 (c, 0x88, 1);                       /* index past a 1-key table */
  expect_parse_error (c, len2, OSSP_ERROR_INVALID_DATA, "key index 1");
  memcpy (c, p2, len2);
  put32 (c, 0x84 + 0x74, 4);                /* padding ext length below 8 */
  expect_parse_error (c, len2, OSSP_ERROR_INVALID_DATA, "says it is 4 bytes");

  /* parseable but wrong: flags that do not match the extensions → header check fails */
  {
    g_autoptr(GBytes) b = NULL;
    g_autoptr(GPtrArray) checks = NULL;
    memcpy (c, p2, len2);
    put32 (c, 0x64, 0x80000000);
    b = g_bytes_new (c, len2);
    checks = verify_bytes (b, NULL);
    g_assert_cmpint (check_status (checks, "header"), ==, OSSP_IMAGE_CHECK_FAIL);
    g_assert_cmpint (check_status (checks, "signature"), ==, OSSP_IMAGE_CHECK_FAIL);
  }
}

static void
test_image_key_table_rules (void)
{
  g_autoptr(OsspKeyPair) k0 = new_key ();
  g_autoptr(OsspKeyPair) k1 = new_key ();
  g_autoptr(GBytes) payload = make_payload (10, 5);
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspImage) v2 = ossp_image_new_from_payload_bytes (payload, OSSP_IMAGE_VERSION_2_2, &error);
  g_autoptr(OsspImage) v1 = ossp_image_new_from_payload_bytes (payload, OSSP_IMAGE_VERSION_1_0, &error);
  guint8 table[64], xy1[64];

  ossp_key_pair_get_pkh (k0, TRUE, table);
  ossp_key_pair_get_pkh (k1, TRUE, table + 32);
  ossp_key_pair_get_public_raw (k1, xy1);

  /* wrong key for the index */
  g_assert_false (ossp_image_set_auth (v2, 1, xy1, table, 2, 0, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_VALIDATION);
  g_assert_nonnull (strstr (error->message, "Wrong key for PKH"));
  g_clear_error (&error);
  /* key not in the table at all */
  g_assert_false (ossp_image_set_auth (v2, 1, xy1, table, 1, -1, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_VALIDATION);
  g_clear_error (&error);
  /* index out of range */
  g_assert_false (ossp_image_set_auth (v2, 1, xy1, table, 2, 2, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  /* found by hash */
  g_assert_true (ossp_image_set_auth (v2, 1, xy1, table, 2, -1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (ossp_image_get_key_index (v2), ==, 1);
  /* v1 holds no table */
  g_assert_false (ossp_image_set_auth (v1, 1, xy1, table, 2, -1, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  /* v2 flags must follow the extensions */
  g_assert_false (ossp_image_set_flags (v2, 0x80000003, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_UNSUPPORTED);
  g_clear_error (&error);
  g_assert_false (ossp_image_set_flags (v2, 0x80000000, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_true (ossp_image_set_flags (v2, 0x80000001, &error));
  /* binary type is one byte in v1 */
  g_assert_false (ossp_image_set_binary_type (v1, 0x100, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT);
}

/* A setter in the signed range drops the signature; re-signing an image
 * keeps its table. */
static void
test_image_resign (void)
{
  g_autoptr(OsspKeyPair) key = new_key ();
  g_autoptr(GBytes) signed1 = sign_bytes (OSSP_IMAGE_VERSION_2_0, key, 500);
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspImage) image = ossp_image_new_from_bytes (signed1, &error);
  g_autoptr(GBytes) signed2 = NULL;
  g_autoptr(GPtrArray) checks = NULL;
  guint n = 0;
  const guint8 *table;
  guint8 xy[64];

  g_assert_no_error (error);
  g_assert_true (ossp_image_is_signed (image));
  ossp_image_set_image_version (image, 9);
  g_assert_false (ossp_image_is_signed (image));
  table = ossp_image_get_pkh_table (image, &n);
  g_assert_cmpuint (n, ==, 1);
  ossp_key_pair_get_public_raw (key, xy);
  g_assert_true (ossp_image_set_auth (image, 1, xy, table, n, -1, &error));
  signed2 = ossp_image_write_bytes (image, 0, ossp_image_key_pair_sign_func, key, &error);
  g_assert_no_error (error);
  checks = verify_bytes (signed2, NULL);
  g_assert_true (ossp_image_checks_passed (checks));
  g_assert_cmpint (check_status (checks, "key-table"), ==, OSSP_IMAGE_CHECK_PASS);
}

/* The signer must match the key in the header: nothing is produced otherwise. */
static void
test_image_sign_wrong_key (void)
{
  g_autoptr(OsspKeyPair) k0 = new_key ();
  g_autoptr(OsspKeyPair) k1 = new_key ();
  g_autoptr(GBytes) payload = make_payload (10, 6);
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspImage) image = ossp_image_new_from_payload_bytes (payload, OSSP_IMAGE_VERSION_1_0, &error);
  g_autoptr(GBytes) out = NULL;
  guint8 xy[64];

  ossp_key_pair_get_public_raw (k0, xy);
  g_assert_true (ossp_image_set_auth (image, 1, xy, NULL, 0, -1, &error));
  out = ossp_image_write_bytes (image, 0, ossp_image_key_pair_sign_func, k1, &error);
  g_assert_null (out);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "does not verify"));
}

static void
test_image_parse_signature (void)
{
  /* DER: r with a leading 0x00 (top bit set), s short (zero-padded) */
  static const guint8 der[] = {
    0x30, 0x26,
    0x02, 0x21, 0x00, 0x80, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
    20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
    0x02, 0x01, 0x05,
  };
  guint8 rs[64], raw[64];
  g_autoptr(GError) error = NULL;

  g_assert_true (ossp_image_parse_signature (der, sizeof der, rs, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (rs[0], ==, 0x80);
  g_assert_cmpuint (rs[31], ==, 31);
  for (guint i = 32; i < 63; i++)
    g_assert_cmpuint (rs[i], ==, 0);
  g_assert_cmpuint (rs[63], ==, 5);

  memset (raw, 0x42, 64);
  g_assert_true (ossp_image_parse_signature (raw, 64, rs, &error));
  g_assert_cmpmem (rs, 64, raw, 64);
  g_assert_false (ossp_image_parse_signature (raw, 63, rs, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA);
}

/* File in, file out: written in place through a temp file, the checksum
 * refused when it does not match, and memory stays small for 64 MiB. */
static void
test_image_file_streaming (void)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *raw = g_build_filename (dir, "big.bin", NULL);
  g_autofree char *img = g_build_filename (dir, "big.stm32", NULL);
  g_autoptr(OsspKeyPair) key = new_key ();
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspImage) image = NULL;
  g_autoptr(OsspImage) again = NULL;
  g_autoptr(GPtrArray) checks = NULL;
  struct rusage before, after;
  guint8 xy[64];
  FILE *f;

  /* 64 MiB, mostly sparse zeros plus a marked tail */
  f = fopen (raw, "wb");
  g_assert_nonnull (f);
  g_assert_cmpint (fseeko (f, 64 * 1024 * 1024 - 4, SEEK_SET), ==, 0);
  g_assert_cmpint (fwrite ("tail", 1, 4, f), ==, 4);
  fclose (f);

  getrusage (RUSAGE_SELF, &before);
  image = ossp_image_new_from_payload_file (raw, OSSP_IMAGE_VERSION_2_0, &error);
  g_assert_no_error (error);
  ossp_key_pair_get_public_raw (key, xy);
  g_assert_true (ossp_image_set_auth (image, 1, xy, NULL, 0, -1, &error));
  g_assert_true (ossp_image_write (image, img, 0, ossp_image_key_pair_sign_func, key, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  getrusage (RUSAGE_SELF, &after);
  g_test_message ("peak RSS %ld KiB before, %ld KiB after signing 64 MiB", before.ru_maxrss, after.ru_maxrss);
  g_assert_cmpint (after.ru_maxrss - before.ru_maxrss, <, 16 * 1024);

  /* no overwrite without the flag */
  g_assert_false (ossp_image_write (image, img, 0, NULL, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_EXISTS);
  g_clear_error (&error);

  again = ossp_image_new_from_file (img, &error);
  g_assert_no_error (error);
  checks = ossp_image_verify (again, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (ossp_image_checks_passed (checks));
  g_assert_cmpuint (ossp_image_get_checksum (again), ==, 't' + 'a' + 'i' + 'l');

  /* in place: same path in and out, read while the temp file is written */
  ossp_image_set_image_version (again, 3);
  g_assert_true (ossp_image_write (again, img, OSSP_IMAGE_WRITE_OVERWRITE, ossp_image_key_pair_sign_func,
                                   key, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_clear_object (&again);
  g_clear_pointer (&checks, g_ptr_array_unref);
  again = ossp_image_new_from_file (img, &error);
  g_assert_cmpuint (ossp_image_get_image_version (again), ==, 3);
  checks = ossp_image_verify (again, NULL, NULL, NULL, NULL, &error);
  g_assert_true (ossp_image_checks_passed (checks));

  /* a checksum that does not match the payload is not silently re-signed */
  {
    g_autoptr(OsspImage) broken = NULL;
    g_autofree char *out2 = g_build_filename (dir, "re.stm32", NULL);
    f = fopen (img, "r+b");
    g_assert_cmpint (fseeko (f, 0x200 + 10, SEEK_SET), ==, 0);
    fputc (1, f);
    fclose (f);
    broken = ossp_image_new_from_file (img, &error);
    g_assert_no_error (error);
    g_assert_false (ossp_image_write (broken, out2, 0, ossp_image_key_pair_sign_func, key, NULL, NULL, NULL, &error));
    g_assert_error (error, OSSP_ERROR, OSSP_ERROR_VERIFY_FAILED);
    g_assert_false (g_file_test (out2, G_FILE_TEST_EXISTS));
    g_clear_error (&error);
    g_assert_true (ossp_image_write (broken, out2, OSSP_IMAGE_WRITE_FIX_CHECKSUM,
                                     ossp_image_key_pair_sign_func, key, NULL, NULL, NULL, &error));
    g_assert_no_error (error);
  }
}

static void
test_image_inspect_json (void)
{
  g_autoptr(OsspKeyPair) key = new_key ();
  g_autoptr(GBytes) b = sign_bytes (OSSP_IMAGE_VERSION_2_2, key, 64);
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspImage) image = ossp_image_new_from_bytes (b, &error);
  g_autoptr(JsonNode) node = ossp_image_to_json (image);
  g_autoptr(GPtrArray) fields = ossp_image_get_fields (image);
  JsonObject *o = json_node_get_object (node);
  JsonObject *auth = json_object_get_object_member (o, "authentication");
  guint8 pkhth[32], pkh[32];
  g_autofree char *pkhth_hex = NULL;

  g_assert_cmpstr (json_object_get_string_member (o, "header_version"), ==, "2.2");
  g_assert_cmpint (json_object_get_int_member (o, "extension_flags"), ==, 0x80000001);
  g_assert_cmpint (json_object_get_int_member (o, "header_size"), ==, 512);
  g_assert_true (json_object_get_boolean_member (o, "signed"));
  g_assert_cmpint (json_object_get_int_member (auth, "n_keys"), ==, 1);
  ossp_key_pair_get_pkh (key, TRUE, pkh);
  ossp_pkh_table_hash (pkh, 1, pkhth);
  pkhth_hex = ossp_hex_encode (pkhth, 32);
  g_assert_cmpstr (json_object_get_string_member (auth, "pkhth"), ==, pkhth_hex);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "extensions")), ==, 2);
  g_assert_cmpuint (fields->len, >, 10);
}

static void
cancel_when_done (guint64 done, guint64 total, gpointer data)
{
  if (done == total)
    g_cancellable_cancel (data);
}

/* A cancel that arrives after the last byte was hashed, while the signature
 * and the drain run, still writes nothing: no output, no temp file. */
static void
test_image_cancel_last_moment (void)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *raw = g_build_filename (dir, "fw.bin", NULL);
  g_autofree char *img = g_build_filename (dir, "fw.stm32", NULL);
  g_autoptr(OsspKeyPair) key = new_key ();
  g_autoptr(GCancellable) cancel = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspImage) image = NULL;
  g_autoptr(GDir) d = NULL;
  guint8 xy[64], payload[300000];

  for (gsize i = 0; i < sizeof payload; i++)
    payload[i] = (guint8) (i * 7);
  g_assert_true (g_file_set_contents (raw, (const char *) payload, sizeof payload, NULL));
  image = ossp_image_new_from_payload_file (raw, OSSP_IMAGE_VERSION_2_0, &error);
  g_assert_no_error (error);
  ossp_key_pair_get_public_raw (key, xy);
  g_assert_true (ossp_image_set_auth (image, 1, xy, NULL, 0, -1, &error));
  g_assert_false (ossp_image_write (image, img, 0, ossp_image_key_pair_sign_func, key,
                                    cancel_when_done, cancel, cancel, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_CANCELLED);
  g_assert_true (g_cancellable_is_cancelled (cancel));
  g_assert_false (g_file_test (img, G_FILE_TEST_EXISTS));
  d = g_dir_open (dir, 0, NULL);
  for (const char *name; (name = g_dir_read_name (d)) != NULL;)
    g_assert_cmpstr (name, ==, "fw.bin");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/image/v1-layout", test_image_v1_layout);
  g_test_add_func ("/image/v2-layout", test_image_v2_layout);
  g_test_add_func ("/image/v2-unsigned", test_image_v2_unsigned);
  g_test_add_func ("/image/signed-range", test_image_signed_range);
  g_test_add_func ("/image/tamper", test_image_tamper);
  g_test_add_func ("/image/bad-input", test_image_bad_input);
  g_test_add_func ("/image/key-table-rules", test_image_key_table_rules);
  g_test_add_func ("/image/resign", test_image_resign);
  g_test_add_func ("/image/sign-wrong-key", test_image_sign_wrong_key);
  g_test_add_func ("/image/parse-signature", test_image_parse_signature);
  g_test_add_func ("/image/file-streaming", test_image_file_streaming);
  g_test_add_func ("/image/cancel-last-moment", test_image_cancel_last_moment);
  g_test_add_func ("/image/inspect-json", test_image_inspect_json);
  return g_test_run ();
}
