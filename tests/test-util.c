/* test-util.c — atomic files, hex, word packing, secret wiping
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <sys/stat.h>
#include <unistd.h>

#include "ossp-test-helper.h"

static void
test_atomic_write_modes (void)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *secret = g_build_filename (dir, "key.bin", NULL);
  g_autofree char *plain = g_build_filename (dir, "pub.pem", NULL);
  g_autoptr(GError) error = NULL;
  struct stat st;
  const guint8 data[] = { 1, 2, 3, 4 };
  g_autofree guint8 *back = NULL;
  gsize len = 0;

  g_assert_true (ossp_file_write_atomic (secret, data, sizeof data, OSSP_WRITE_FLAGS_SECRET, &error));
  g_assert_no_error (error);
  g_assert_cmpint (stat (secret, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_true (ossp_file_write_atomic (plain, data, sizeof data, OSSP_WRITE_FLAGS_NONE, &error));
  g_assert_cmpint (stat (plain, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0644);

  /* no overwrite without the flag; the old content stays */
  g_assert_false (ossp_file_write_atomic (secret, (const guint8 *) "xx", 2, OSSP_WRITE_FLAGS_SECRET, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_EXISTS);
  g_clear_error (&error);
  back = ossp_file_read (secret, 100, &len, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (back, len, data, sizeof data);

  g_assert_true (ossp_file_write_atomic (secret, (const guint8 *) "xx", 2,
                                         OSSP_WRITE_FLAGS_SECRET | OSSP_WRITE_FLAGS_OVERWRITE, &error));
  g_assert_cmpint (stat (secret, &st), ==, 0);
  g_assert_cmpint (st.st_size, ==, 2);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  /* no temp file is left behind */
  {
    g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
    guint n = 0;
    while (g_dir_read_name (d))
      n++;
    g_assert_cmpuint (n, ==, 2);
  }
}

static void
test_atomic_write_missing_dir (void)
{
  g_autoptr(GError) error = NULL;
  g_assert_false (ossp_file_write_atomic ("/nonexistent-openssp/x.bin", (const guint8 *) "a", 1, 0, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_NOT_FOUND);
}

static void
test_read_limits (void)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "big", NULL);
  g_autoptr(GError) error = NULL;
  guint8 buf[100] = { 0 };
  guint8 *data;

  g_assert_true (ossp_file_write_atomic (path, buf, sizeof buf, 0, &error));
  data = ossp_file_read (path, 10, NULL, &error);
  g_assert_null (data);
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA);
  g_clear_error (&error);
  data = ossp_file_read (dir, 10, NULL, &error);
  g_assert_null (data);
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA);
}

static void
test_hex (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *bytes = NULL;
  g_autofree char *hex = NULL;
  gsize len = 0;

  bytes = ossp_hex_decode ("0xA1b2 c3:d4", &len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (len, ==, 4);
  hex = ossp_hex_encode (bytes, len);
  g_assert_cmpstr (hex, ==, "a1b2c3d4");
  {
    g_autofree guint8 *empty = ossp_hex_decode (" : ", &len, &error);
    g_assert_no_error (error);
    g_assert_nonnull (empty);
    g_assert_cmpuint (len, ==, 0);
  }
  g_assert_null (ossp_hex_decode ("abc", &len, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (ossp_hex_decode ("zz", &len, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT);
}

static void
test_words (void)
{
  /* keys.md §6 and U-Boot's NIST vector f9 e8 38 9f */
  const guint8 hash[8] = { 0xa1, 0xb2, 0xc3, 0xd4, 0xf9, 0xe8, 0x38, 0x9f };
  guint32 w[2];
  guint8 back[8];

  ossp_bytes_to_words (hash, 8, OSSP_WORD_FORMAT_1, w);
  g_assert_cmphex (w[0], ==, 0xA1B2C3D4);
  g_assert_cmphex (w[1], ==, 0xf9e8389f);
  ossp_bytes_to_words (hash, 8, OSSP_WORD_FORMAT_2, w);
  g_assert_cmphex (w[1], ==, 0x9f38e8f9);
  ossp_words_to_bytes (w, 2, OSSP_WORD_FORMAT_2, back);
  g_assert_cmpmem (back, 8, hash, 8);
}

static void
test_parse_u32 (void)
{
  guint32 v = 0;
  g_autoptr(GError) error = NULL;

  g_assert_true (ossp_parse_u32 ("0x5000200A", &v, &error));
  g_assert_cmphex (v, ==, 0x5000200A);
  g_assert_true (ossp_parse_u32 ("42", &v, &error));
  g_assert_cmpuint (v, ==, 42);
  g_assert_false (ossp_parse_u32 ("0x100000000", &v, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT);
}

static guint wipes;
static void
count_wipe (gconstpointer data, gsize len, gpointer user_data)
{
  const guint8 *p = data;
  for (gsize i = 0; i < len; i++)
    g_assert_cmpuint (p[i], ==, 0);
  wipes++;
}

static void
test_secret_wipe (void)
{
  OsspSecret *secret = ossp_secret_new_from_data ((const guint8 *) "topsecret", 9);

  wipes = 0;
  ossp_secure_set_wipe_hook (count_wipe, NULL);
  ossp_secret_free (secret);
  ossp_secure_set_wipe_hook (NULL, NULL);
  g_assert_cmpuint (wipes, ==, 1);
}

static void
test_error_exit_codes (void)
{
  g_autoptr(GError) e1 = g_error_new (OSSP_ERROR, OSSP_ERROR_EXISTS, "x");
  g_autoptr(GError) e2 = g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED, "x");
  g_assert_cmpint (ossp_error_exit_code (e1), ==, 5);
  g_assert_cmpstr (ossp_error_code_to_name (OSSP_ERROR_BAD_PASSWORD), ==, "bad-password");
  g_assert_cmpint (ossp_error_exit_code (e2), ==, 17);
  g_assert_cmpint (ossp_error_exit_code (NULL), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/util/atomic-write/modes", test_atomic_write_modes);
  g_test_add_func ("/util/atomic-write/missing-dir", test_atomic_write_missing_dir);
  g_test_add_func ("/util/read/limits", test_read_limits);
  g_test_add_func ("/util/hex", test_hex);
  g_test_add_func ("/util/words", test_words);
  g_test_add_func ("/util/parse-u32", test_parse_u32);
  g_test_add_func ("/util/secret-wipe", test_secret_wipe);
  g_test_add_func ("/util/error-exit-codes", test_error_exit_codes);
  return g_test_run ();
}
