/* test-sim-image.c — the simulated ROM's FSBL header checks (image-header.md)
 *
 * Images come from U-Boot's mkimage (a real tool, v1 only) and from the
 * tests' own builder (ossp-test-ssp-host.c, written from image-header.md).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>
#include <gio/gio.h>

#include "ossp-test-helper.h"
#include "ossp-test-ssp-host.h"
#include "ossp-sim-image-check.h"

#define V1 0x00010000u
#define V20 0x00020000u

static guint8 *
copy (GBytes *b, gsize *len)
{
  return g_bytes_unref_to_data (g_bytes_ref (b), len);
}

static void
fix_checksum (guint8 *img, gsize len, gsize header)
{
  guint32 sum = 0;

  for (gsize i = header; i < len; i++)
    sum += img[i];
  img[0x44] = sum; img[0x45] = sum >> 8; img[0x46] = sum >> 16; img[0x47] = sum >> 24;
}

static void
test_mkimage_v1 (void)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *payload = g_build_filename (dir, "fsbl.bin", NULL);
  g_autofree char *image = g_build_filename (dir, "fsbl.stm32", NULL);
  g_autofree guint8 *data = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) p = NULL;
  guint8 body[1500];
  OsspSimImageInfo info;
  gsize len;

  if (!ossp_test_have_program ("mkimage"))
    {
      g_test_skip ("mkimage (u-boot-tools) is not installed");
      return;
    }
  for (guint i = 0; i < sizeof body; i++)
    body[i] = (guint8) (i * 31);
  g_assert_true (g_file_set_contents (payload, (const char *) body, sizeof body, NULL));
  p = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error, "mkimage", "-T", "stm32image",
                        "-a", "0x2ffc2500", "-e", "0x2ffc2500", "-d", payload, image, NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait_check (p, NULL, &error));
  g_assert_true (g_file_get_contents (image, (char **) &data, &len, NULL));
  g_assert_true (ossp_sim_image_parse (data, len, V1, &info, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (info.image_length, ==, sizeof body);
  g_assert_cmpuint (info.payload_offset, ==, 0x100);
  g_assert_false (info.auth_requested);            /* mkimage writes option_flags = 1 */
  /* an MP13 ROM wants header v2 */
  g_assert_false (ossp_sim_image_parse (data, len, V20, &info, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA);
}

static void
test_v1_signed (void)
{
  OsspTestKey key, other;
  guint8 pkh[32], other_pkh[32];
  g_autoptr(GBytes) b = NULL;
  g_autofree guint8 *img = NULL;
  OsspSimImageInfo info;
  gsize len;

  ossp_test_key_generate (&key);
  ossp_test_key_generate (&other);
  ossp_test_sha256 (other.pub, 64, other_pkh);
  b = ossp_test_build_fsbl ("stm32mp15", &key, 7, 2000, pkh);
  img = copy (b, &len);
  g_assert_true (ossp_sim_image_parse (img, len, V1, &info, NULL));
  g_assert_true (info.auth_requested);
  g_assert_cmpuint (info.image_version, ==, 7);
  g_assert_true (ossp_sim_image_authenticate (img, len, &info, pkh, NULL));
  g_assert_false (ossp_sim_image_authenticate (img, len, &info, other_pkh, NULL));

  /* a byte of the signed range changed (and the checksum fixed): bad signature */
  img[0x300] ^= 0x01;
  fix_checksum (img, len, 0x100);
  g_assert_true (ossp_sim_image_parse (img, len, V1, &info, NULL));
  g_assert_false (ossp_sim_image_authenticate (img, len, &info, pkh, NULL));
  /* ... without fixing the checksum: refused already by the checksum */
  img[0x300] ^= 0x01;
  g_assert_false (ossp_sim_image_parse (img, len, V1, &info, NULL));
}

static void
test_v2_signed (void)
{
  OsspTestKey key;
  guint8 pkhth[32], wrong[32] = { 0 };
  g_autoptr(GBytes) b = NULL;
  g_autofree guint8 *img = NULL;
  g_autoptr(GError) error = NULL;
  OsspSimImageInfo info;
  gsize len;

  ossp_test_key_generate (&key);
  b = ossp_test_build_fsbl ("stm32mp13", &key, 0, 1000, pkhth);
  img = copy (b, &len);
  g_assert_true (ossp_sim_image_parse (img, len, V20, &info, &error));
  g_assert_no_error (error);
  g_assert_true (info.has_auth_extension);
  g_assert_cmpuint (info.nb_pk, ==, 8);
  g_assert_cmpuint (info.payload_offset, ==, 0x200);
  g_assert_true (ossp_sim_image_authenticate (img, len, &info, pkhth, &error));
  g_assert_no_error (error);
  g_assert_false (ossp_sim_image_authenticate (img, len, &info, wrong, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_VERIFY_FAILED);
  g_clear_error (&error);

  /* the header key no longer matches its table entry */
  info.pk_idx = 1;
  g_assert_false (ossp_sim_image_authenticate (img, len, &info, pkhth, &error));
  g_assert_nonnull (strstr (error->message, "key hash 1"));
  g_clear_error (&error);

  /* an FSBL decryption extension: not supported by the simulated ROM */
  img[0x80 + 3] = 0x01;                            /* type 0x01005453 */
  g_assert_false (ossp_sim_image_parse (img, len, V20, &info, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_UNSUPPORTED);
  g_clear_error (&error);
  /* an extension running past the header */
  img[0x80 + 3] = 0x02;
  img[0x84] = 0xFF; img[0x85] = 0x0F;
  g_assert_false (ossp_sim_image_parse (img, len, V20, &info, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA);
}

static void
test_garbage (void)
{
  guint8 junk[300] = { 'S', 'T', 'M', '2' };
  OsspSimImageInfo info;

  g_assert_false (ossp_sim_image_parse (junk, 10, V1, &info, NULL));
  g_assert_false (ossp_sim_image_parse (junk, sizeof junk, V1, &info, NULL));
  junk[0x4A] = 1;                                  /* version 1.0, length 0 ≠ 44 */
  g_assert_false (ossp_sim_image_parse (junk, sizeof junk, V1, &info, NULL));
  junk[0x4C] = sizeof junk - 0x100;
  g_assert_true (ossp_sim_image_parse (junk, sizeof junk, V1, &info, NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sim/image/mkimage-v1", test_mkimage_v1);
  g_test_add_func ("/sim/image/v1-signed", test_v1_signed);
  g_test_add_func ("/sim/image/v2-signed", test_v2_signed);
  g_test_add_func ("/sim/image/garbage", test_garbage);
  return g_test_run ();
}
