/* test-hsm-formats.c — certificate, license, OSPD perso blob, P-256 keys,
 * OpenSSP-ECIES v1, provisioning checks and status-word messages
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ossp-test-hsm.h"

static void
test_certificate (void)
{
  g_autoptr(GError) error = NULL;
  OsspTestChip chip, stranger;
  g_autoptr(OsspChipCertificate) cert = NULL;
  g_autoptr(OsspChipCertificate) made = NULL;
  guint8 out[136];
  guint8 bad[136];

  ossp_test_chip_init (&chip, "5000200A", NULL);
  cert = ossp_chip_certificate_parse (chip.cert, 136, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cert->product_id, ==, "5000200A");
  g_assert_cmphex (cert->dev_id, ==, 0x500);
  g_assert_cmphex (cert->security_counter, ==, 0x02);
  g_assert_cmphex (cert->key_id, ==, 0x0A);
  g_assert_cmpmem (cert->chip_pubkey, 64, chip.chip_pub, 64);
  ossp_chip_certificate_format (cert, out);
  g_assert_cmpmem (out, 136, chip.cert, 136);
  /* a signature made by the test's GnuTLS code verifies with the core */
  g_assert_true (ossp_chip_certificate_verify (cert, chip.root_pub, &error));
  g_assert_no_error (error);
  ossp_test_chip_init (&stranger, "5000200A", NULL);
  g_assert_false (ossp_chip_certificate_verify (cert, stranger.root_pub, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_VERIFY_FAILED);
  g_clear_error (&error);

  /* and the core's signature verifies like the test expects */
  made = ossp_chip_certificate_new (0x501, 0x01, 0x0D, chip.chip_pub);
  g_assert_cmpstr (made->product_id, ==, "5010100D");
  g_assert_true (ossp_chip_certificate_sign (made, chip.root_priv, &error));
  g_assert_true (ossp_chip_certificate_verify (made, chip.root_pub, &error));
  g_assert_no_error (error);
  made->signature[63] ^= 1;
  g_assert_false (ossp_chip_certificate_verify (made, chip.root_pub, NULL));

  /* malformed */
  g_assert_null (ossp_chip_certificate_parse (chip.cert, 135, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA);
  g_clear_error (&error);
  memcpy (bad, chip.cert, 136);
  bad[3] = 'x';
  g_assert_null (ossp_chip_certificate_parse (bad, 136, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "product id"));
}

static void
test_product_id (void)
{
  guint16 dev;
  guint8 counter, key;
  g_autofree char *mp15 = ossp_chip_certificate_describe_product_id ("5000200A");
  g_autofree char *mp13 = ossp_chip_certificate_describe_product_id ("5010100D");
  g_autofree char *fmt = ossp_chip_certificate_format_product_id (0x501, 0x01, 0x0D);

  g_assert_true (ossp_chip_certificate_parse_product_id ("5000300A", &dev, &counter, &key, NULL));
  g_assert_cmphex (dev, ==, 0x500);
  g_assert_cmphex (counter, ==, 3);
  g_assert_cmphex (key, ==, 0x0A);
  g_assert_false (ossp_chip_certificate_parse_product_id ("5000300", NULL, NULL, NULL, NULL));
  g_assert_false (ossp_chip_certificate_parse_product_id ("5000300G", NULL, NULL, NULL, NULL));
  g_assert_cmpstr (fmt, ==, "5010100D");
  g_assert_nonnull (strstr (mp15, "STM32MP15"));
  g_assert_nonnull (strstr (mp15, "0x500"));
  g_assert_nonnull (strstr (mp13, "STM32MP13"));
  g_assert_nonnull (strstr (mp13, "key id 0x0D"));
}

static void
test_license_format (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspLicense) lic = ossp_license_new (OSSP_LICENSE_TYPE_SSP, 0x11223344, 0x00010002);
  g_autoptr(OsspLicense) back = NULL;
  guint8 out[136];

  memset (lic->eph_pubkey, 0xE1, 64);
  memset (lic->encrypted_iv_and_key, 0xC7, 32);
  memset (lic->tag, 0x7A, 16);
  ossp_license_format (lic, out);
  /* payload.md §1: little-endian fields, "SSP." = 53 53 50 2E */
  g_assert_cmpmem (out, 4, "SSP.", 4);
  g_assert_cmpmem (out + 4, 4, "\x44\x33\x22\x11", 4);
  g_assert_cmpmem (out + 8, 4, "\x01\x00\x00\x00", 4);
  g_assert_cmpmem (out + 12, 4, "\x02\x00\x01\x00", 4);
  g_assert_cmpmem (out + 16, 8, "\0\0\0\0\0\0\0\0", 8);
  g_assert_cmphex (out[24], ==, 0xE1);
  g_assert_cmphex (out[87], ==, 0xE1);
  g_assert_cmphex (out[88], ==, 0xC7);
  g_assert_cmphex (out[119], ==, 0xC7);
  g_assert_cmphex (out[120], ==, 0x7A);
  g_assert_cmphex (out[135], ==, 0x7A);
  back = ossp_license_parse (out, 136, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (back, sizeof *back, lic, sizeof *lic);

  out[3] = 'L';   /* "SSPL" */
  g_clear_pointer (&back, ossp_license_free);
  back = ossp_license_parse (out, 136, &error);
  g_assert_no_error (error);
  g_assert_cmphex (back->license_type, ==, OSSP_LICENSE_TYPE_SSPL);
  out[3] = 'X';
  g_assert_null (ossp_license_parse (out, 136, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA);
  g_clear_error (&error);
  out[3] = '.';
  out[8] = 2;
  g_assert_null (ossp_license_parse (out, 136, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_VERSION);
  g_clear_error (&error);
  g_assert_null (ossp_license_parse (out, 137, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA);
}

static void
test_license_crypto (void)
{
  g_autoptr(GError) error = NULL;
  OsspTestChip chip, other;
  guint8 out[136], iv[16], key[16];

  ossp_test_chip_init (&chip, "5000200A", NULL);
  ossp_test_chip_init (&other, "5000200A", &chip);
  for (guint i = 0; i < 16; i++)
    {
      g_autoptr(OsspLicense) lic = ossp_license_new (OSSP_LICENSE_TYPE_SSP, 0, i);
      g_assert_true (ossp_license_seal (lic, chip.chip_pub, ossp_test_oem_nonce, ossp_test_oem_key, &error));
      g_assert_no_error (error);
      ossp_license_format (lic, out);
      /* independent §7.3 implementation in the test */
      g_assert_true (ossp_test_chip_open_license (&chip, out, 136, iv, key));
      g_assert_cmpmem (iv, 16, ossp_test_oem_nonce, 16);
      g_assert_cmpmem (key, 16, ossp_test_oem_key, 16);
      g_assert_false (ossp_test_chip_open_license (&other, out, 136, iv, key));
      /* the core's chip side agrees, and notices tampering with the AAD */
      g_assert_true (ossp_license_open (lic, chip.chip_priv, iv, key, &error));
      g_assert_cmpmem (key, 16, ossp_test_oem_key, 16);
      lic->fsbl_min_version ^= 0x100;
      g_assert_false (ossp_license_open (lic, chip.chip_priv, iv, key, &error));
      g_assert_error (error, OSSP_ERROR, OSSP_ERROR_VERIFY_FAILED);
      g_clear_error (&error);
    }
  {
    g_autoptr(OsspLicense) lic = ossp_license_new (OSSP_LICENSE_TYPE_SSP, 0, 0);
    guint8 not_a_point[64] = { 1 };
    g_assert_false (ossp_license_seal (lic, not_a_point, ossp_test_oem_nonce, ossp_test_oem_key, &error));
    g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA);
  }
}

static void
test_perso (void)
{
  g_autoptr(GError) error = NULL;
  OsspTestChip a, b;
  g_autoptr(OsspHsmPerso) perso = ossp_hsm_perso_new ();
  g_autoptr(OsspHsmPerso) back = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GBytes) expected = NULL;
  g_auto(GStrv) ids = NULL;
  g_autofree char *desc = NULL;
  guint8 blob[168];
  guint8 bad_point[64] = { 0 };

  ossp_test_chip_init (&a, "5000200A", NULL);
  ossp_test_chip_init (&b, "5010100D", NULL);
  g_assert_true (ossp_hsm_perso_add_entry (perso, "5000200a", a.root_pub, 0, &error));   /* uppercased */
  g_assert_true (ossp_hsm_perso_add_entry (perso, "5010100D", b.root_pub, 0, &error));
  g_assert_false (ossp_hsm_perso_add_entry (perso, "5000200A", b.root_pub, 0, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (ossp_hsm_perso_add_entry (perso, "5000300A", bad_point, 0, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA);
  g_clear_error (&error);
  g_assert_false (ossp_hsm_perso_add_entry (perso, "ABC", a.root_pub, 0, &error));
  g_clear_error (&error);

  /* byte for byte what hsm.md §4.1 says (the test builds its own copy) */
  bytes = ossp_hsm_perso_to_bytes (perso, &error);
  {
    OsspTestChip pair[2];
    pair[0] = a;
    pair[1] = b;
    expected = ossp_test_perso_for (pair, 2);
  }
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                   g_bytes_get_data (expected, NULL), g_bytes_get_size (expected));
  g_assert_cmpuint (g_bytes_get_size (bytes), ==, 8 + 2 * 80);

  back = ossp_hsm_perso_parse (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
  g_assert_no_error (error);
  ids = ossp_hsm_perso_get_product_ids (back);
  g_assert_cmpuint (g_strv_length (ids), ==, 2);
  g_assert_cmpstr (ids[1], ==, "5010100D");
  g_assert_nonnull (ossp_hsm_perso_lookup (back, "5010100Dxxxx"));   /* 8 bytes compared */
  g_assert_null (ossp_hsm_perso_lookup (back, "5000300A"));
  g_assert_true (ossp_hsm_perso_has_same_products (back, (const char * const *) ids));
  desc = ossp_hsm_perso_describe (back);
  g_assert_nonnull (strstr (desc, "5000200A  STM32MP15"));
  g_assert_nonnull (strstr (desc, "5010100D  STM32MP13"));

  /* every way of being wrong */
  memcpy (blob, g_bytes_get_data (bytes, NULL), 168);
  g_assert_null (ossp_hsm_perso_parse (blob, 167, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA);
  g_clear_error (&error);
  blob[0] = 'X';
  g_assert_null (ossp_hsm_perso_parse (blob, 168, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA);
  g_clear_error (&error);
  blob[0] = 'O';
  blob[5] = 2;
  g_assert_null (ossp_hsm_perso_parse (blob, 168, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_VERSION);
  g_clear_error (&error);
  blob[5] = 1;
  blob[7] = 9;
  g_assert_null (ossp_hsm_perso_parse (blob, 168, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA);
  g_clear_error (&error);
  blob[7] = 2;
  memcpy (blob + 88, blob + 8, 8);   /* duplicate product id */
  g_assert_null (ossp_hsm_perso_parse (blob, 168, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "entry 2"));
  g_clear_error (&error);
  memcpy (blob + 88, "5010100D", 8);
  blob[100] ^= 0xff;                 /* root key no longer on the curve */
  g_assert_null (ossp_hsm_perso_parse (blob, 168, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA);
  g_clear_error (&error);

  {
    g_autoptr(OsspHsmPerso) empty = ossp_hsm_perso_new ();
    g_assert_null (ossp_hsm_perso_to_bytes (empty, &error));
  }
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT);
}

static void
test_perso_files (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *ours = g_build_filename (dir, "b-mp13.ospd", NULL);
  g_autofree char *st = g_build_filename (dir, "STM32MP1_5000200A_SSP_01000000_00000000.enc.bin", NULL);
  g_autofree char *found = NULL;
  g_autofree char *st_id = ossp_hsm_perso_product_id_from_st_name (st);
  g_autoptr(OsspHsmPerso) perso = ossp_hsm_perso_new ();
  OsspTestChip chip;

  g_assert_cmpstr (st_id, ==, "5000200A");
  g_assert_null (ossp_hsm_perso_product_id_from_st_name ("/x/STM32MP1_5000200A_SFI_1.enc.bin"));
  g_assert_null (ossp_hsm_perso_product_id_from_st_name ("/x/perso.bin"));
  ossp_test_chip_init (&chip, "5010100D", NULL);
  g_assert_true (ossp_hsm_perso_add_entry (perso, "5010100D", chip.root_pub, 0, &error));
  g_assert_true (ossp_hsm_perso_save (perso, ours, OSSP_WRITE_FLAGS_NONE, &error));
  g_assert_true (g_file_set_contents (st, "encrypted by ST", -1, NULL));

  found = ossp_hsm_perso_find_for_product (dir, "5010100d", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, ours);
  /* only ST's file for this one: say so */
  g_assert_null (ossp_hsm_perso_find_for_product (dir, "5000200A", &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "real ST HSM"));
  g_clear_error (&error);
  g_assert_null (ossp_hsm_perso_find_for_product (dir, "5000300A", &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_NOT_FOUND);
}

static void
test_public_key_loading (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *raw = g_build_filename (dir, "raw.bin", NULL);
  g_autofree char *raw65 = g_build_filename (dir, "raw65.bin", NULL);
  g_autofree char *hexfile = g_build_filename (dir, "key.hex", NULL);
  g_autofree char *hex = NULL;
  guint8 priv[32], pub[64], got[64], buf[65];

  g_assert_true (ossp_p256_generate_key (priv, pub, &error));
  g_assert_true (g_file_set_contents (raw, (const char *) pub, 64, NULL));
  buf[0] = 4;
  memcpy (buf + 1, pub, 64);
  g_assert_true (g_file_set_contents (raw65, (const char *) buf, 65, NULL));
  hex = ossp_hex_encode (pub, 64);
  g_assert_true (g_file_set_contents (hexfile, hex, -1, NULL));

  g_assert_true (ossp_p256_load_public (raw, got, &error));
  g_assert_cmpmem (got, 64, pub, 64);
  g_assert_true (ossp_p256_load_public (raw65, got, &error));
  g_assert_cmpmem (got, 64, pub, 64);
  g_assert_true (ossp_p256_load_public (hexfile, got, &error));
  g_assert_cmpmem (got, 64, pub, 64);
  g_assert_true (ossp_p256_load_public (hex, got, &error));
  g_assert_cmpmem (got, 64, pub, 64);
  g_assert_no_error (error);
  g_assert_false (ossp_p256_load_public ("00112233", got, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* keys as openssl writes them: PEM private key and public key */
  if (ossp_test_have_program ("openssl"))
    {
      g_autofree char *pem = g_build_filename (dir, "root.pem", NULL);
      g_autofree char *pub_pem = g_build_filename (dir, "root.pub.pem", NULL);
      g_autofree char *text = NULL;
      g_autofree char *cmd = g_strdup_printf ("sh -c 'openssl ecparam -name prime256v1 -genkey -noout -out %s && "
                                              "openssl ec -in %s -pubout -out %s 2>/dev/null && "
                                              "openssl ec -in %s -text -noout 2>/dev/null'", pem, pem, pub_pem, pem);
      int status = 0;
      guint8 from_priv[64];
      g_assert_true (g_spawn_command_line_sync (cmd, &text, NULL, &status, NULL));
      g_assert_cmpint (status, ==, 0);
      g_assert_true (ossp_p256_load_public (pem, from_priv, &error));
      g_assert_no_error (error);
      g_assert_true (ossp_p256_load_public (pub_pem, got, &error));
      g_assert_no_error (error);
      g_assert_cmpmem (got, 64, from_priv, 64);
      /* and the X coordinate is the one openssl prints (pub: 04:xx:…) */
      {
        g_autoptr(GString) digits = g_string_new (NULL);
        const char *p = strstr (text, "pub:");
        g_autofree char *x = ossp_hex_encode (got, 32);
        g_assert_nonnull (p);
        for (p += 4; *p && digits->len < 130; p++)
          if (g_ascii_isxdigit (*p))
            g_string_append_c (digits, g_ascii_tolower (*p));
        g_assert_true (g_str_has_prefix (digits->str, "04"));
        g_assert_true (strncmp (digits->str + 2, x, 64) == 0);
      }
    }
}

static void
test_ecdh (void)
{
  g_autoptr(GError) error = NULL;
  guint8 a_priv[32], a_pub[64], b_priv[32], b_pub[64], z1[32], z2[32];
  guint8 zero[32] = { 0 };

  g_assert_true (ossp_p256_generate_key (a_priv, a_pub, &error));
  g_assert_true (ossp_p256_generate_key (b_priv, b_pub, &error));
  g_assert_true (ossp_p256_ecdh (a_priv, b_pub, z1, &error));
  g_assert_true (ossp_p256_ecdh (b_priv, a_pub, z2, &error));
  g_assert_cmpmem (z1, 32, z2, 32);
  g_assert_false (ossp_p256_ecdh (zero, b_pub, z1, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_CRYPTO);
}

static void
test_provisioning_checks (void)
{
  g_autoptr(GError) error = NULL;
  OsspTestChip chip;
  g_autoptr(GBytes) perso = NULL;
  g_autoptr(OsspHsmProvisioning) p = NULL;
  g_autoptr(OsspHsmProvisioning) copy = NULL;
  g_autofree char *plan = NULL;

  ossp_test_chip_init (&chip, "5000200A", NULL);
  perso = ossp_test_perso_for (&chip, 1);
  p = ossp_test_provisioning (perso, 100);
  g_assert_true (ossp_hsm_provisioning_validate (p, &error));
  plan = ossp_hsm_provisioning_describe (p);
  g_assert_nonnull (strstr (plan, "5000200A"));
  g_assert_nonnull (strstr (plan, "SSP_MPU"));
  g_assert_nonnull (strstr (plan, "100 licenses"));
  g_assert_nonnull (strstr (plan, "LOCK"));
  /* the key never appears in the plan */
  {
    g_autofree char *key_hex = ossp_hex_encode (ossp_test_oem_key, 16);
    g_assert_null (strstr (plan, key_hex));
  }
  copy = ossp_hsm_provisioning_copy (p);
  g_assert_cmpmem (copy->oem_key, 16, p->oem_key, 16);

  p->oem_nonce[15] = 1;
  g_assert_false (ossp_hsm_provisioning_validate (p, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA);
  g_clear_error (&error);
  p->oem_nonce[15] = 0;
  p->max_count = 0;
  g_assert_false (ossp_hsm_provisioning_validate (p, &error));
  g_clear_error (&error);
  p->max_count = 1;
  g_free (p->firmware_id);
  p->firmware_id = g_strdup ("0123456789012345678901234567890123");
  g_assert_false (ossp_hsm_provisioning_validate (p, &error));
  g_clear_error (&error);
  g_free (p->firmware_id);
  p->firmware_id = g_strdup ("OK");
  p->license_type = OSSP_LICENSE_TYPE_SSPL;   /* perso flags 0: no live licenses */
  g_assert_false (ossp_hsm_provisioning_validate (p, &error));
  g_assert_nonnull (strstr (error->message, "allow-live"));
}

static void
test_status_words (void)
{
  static const struct { guint16 sw; OsspHsmOp op; int code; const char *text; } cases[] = {
    { 0x5501, OSSP_HSM_OP_GET_LICENSE, OSSP_ERROR_HSM, "HSM has no licenses left" },
    { 0x6300, OSSP_HSM_OP_GET_LICENSE, OSSP_ERROR_VERIFY_FAILED, "signature is invalid" },
    { 0x6A88, OSSP_HSM_OP_GET_LICENSE, OSSP_ERROR_HSM, "not personalised for this product id" },
    { 0x6982, OSSP_HSM_OP_GET_LICENSE, OSSP_ERROR_STATE, "not provisioned" },
    { 0x6982, OSSP_HSM_OP_LOCK, OSSP_ERROR_STATE, "refused to lock" },
    { 0x6A80, OSSP_HSM_OP_PUT_PERSO, OSSP_ERROR_INVALID_DATA, "personalisation" },
    { 0x6F00, OSSP_HSM_OP_GET_DATA, OSSP_ERROR_HSM, "internal error" },
    { 0x6A82, OSSP_HSM_OP_SELECT, OSSP_ERROR_NOT_FOUND, "closed protocol" },
    { 0x1234, OSSP_HSM_OP_LOCK, OSSP_ERROR_PROTOCOL, "1234" },
  };

  g_assert_true (ossp_hsm_check_status (0x9000, OSSP_HSM_OP_LOCK, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_assert_false (ossp_hsm_check_status (cases[i].sw, cases[i].op, &error));
      g_assert_error (error, OSSP_ERROR, cases[i].code);
      g_assert_nonnull (strstr (error->message, cases[i].text));
    }
  /* every status word of hsm.md §4 has a catalogue entry for `openssp explain` */
  g_assert_nonnull (ossp_error_catalogue_lookup ("5501"));
  g_assert_nonnull (ossp_error_catalogue_lookup ("6300"));
  g_assert_nonnull (ossp_error_catalogue_lookup ("6982"));
  g_assert_nonnull (ossp_error_catalogue_lookup ("6A80"));
  g_assert_nonnull (ossp_error_catalogue_lookup ("0x6a88"));
  g_assert_nonnull (ossp_error_catalogue_lookup ("6F00"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hsm/formats/certificate", test_certificate);
  g_test_add_func ("/hsm/formats/product-id", test_product_id);
  g_test_add_func ("/hsm/formats/license", test_license_format);
  g_test_add_func ("/hsm/formats/license-crypto", test_license_crypto);
  g_test_add_func ("/hsm/formats/perso", test_perso);
  g_test_add_func ("/hsm/formats/perso-files", test_perso_files);
  g_test_add_func ("/hsm/formats/public-keys", test_public_key_loading);
  g_test_add_func ("/hsm/formats/ecdh", test_ecdh);
  g_test_add_func ("/hsm/formats/provisioning", test_provisioning_checks);
  g_test_add_func ("/hsm/formats/status-words", test_status_words);
  return g_test_run ();
}
