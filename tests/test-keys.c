/* test-keys.c — OsspKeys: KeyGen file layouts, PKH forms, PKHTH, safe
 * writing, random files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>
#include <sys/stat.h>

#include "ossp-keys-test-helper.h"

#define PASSWORD "Keys-Test-Password"

static GBytes *
read_bytes (const char *path)
{
  g_autoptr(GError) error = NULL;
  GBytes *b = ossp_file_read_bytes (path, 1 << 20, &error);
  g_assert_no_error (error);
  return b;
}

static void
check_set_with_openssl (OsspKeys   *keys,
                        const char *dir)
{
  g_autofree char *pwfile = ossp_keys_test_password_file (dir, PASSWORD);
  guint n = ossp_keys_get_n_keys (keys);
  gboolean numbered = ossp_keys_get_layout (keys) == OSSP_KEYS_LAYOUT_NUMBERED;
  guint8 table[8 * 32];

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *priv_name = ossp_keys_get_file_name (keys, OSSP_KEYS_FILE_PRIVATE, i);
      g_autofree char *pub_name = ossp_keys_get_file_name (keys, OSSP_KEYS_FILE_PUBLIC, i);
      g_autofree char *pkh_name = ossp_keys_get_file_name (keys, OSSP_KEYS_FILE_PKH, i);
      g_autofree char *priv = g_build_filename (dir, priv_name, NULL);
      g_autofree char *pub = g_build_filename (dir, pub_name, NULL);
      g_autofree char *pkh = g_build_filename (dir, pkh_name, NULL);
      g_autofree char *pubout = ossp_keys_test_openssl_pubout (priv, pwfile);
      g_autofree char *pub_text = NULL;
      g_autoptr(GBytes) pkh_file = read_bytes (pkh);
      guint8 ref[32];
      struct stat st;

      g_assert_cmpint (stat (priv, &st), ==, 0);
      g_assert_cmpint (st.st_mode & 0777, ==, 0600);
      g_assert_nonnull (pubout);
      g_file_get_contents (pub, &pub_text, NULL, NULL);
      g_assert_cmpstr (pubout, ==, pub_text);
      ossp_keys_test_openssl_pkh (pub, numbered, ref);
      g_assert_cmpmem (g_bytes_get_data (pkh_file, NULL), g_bytes_get_size (pkh_file), ref, 32);
      memcpy (table + 32 * i, ref, 32);
    }
  if (numbered)
    {
      g_autofree char *pkhth = g_build_filename (dir, "publicKeysHashHashes.bin", NULL);
      g_autoptr(GBytes) file = read_bytes (pkhth);
      guint8 ref[32], ours[32];
      ossp_keys_test_openssl_sha256 (table, 32 * n, ref);
      g_assert_cmpmem (g_bytes_get_data (file, NULL), g_bytes_get_size (file), ref, 32);
      g_assert_true (ossp_keys_get_pkhth (keys, ours));
      g_assert_cmpmem (ours, 32, ref, 32);
      ossp_keys_get_otp_hash (keys, ours);
      g_assert_cmpmem (ours, 32, ref, 32);
    }
}

static void
test_chip_sets (void)
{
  const char *chips[] = { "stm32mp15", "stm32mp13", "stm32mp25" };
  const char *single_files[] = { "privateKey.pem", "publicKey.pem", "publicKeyhash.bin", NULL };

  if (!ossp_keys_test_have_openssl ())
    return;
  for (guint c = 0; c < G_N_ELEMENTS (chips); c++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(OsspChip) chip = ossp_chip_new (chips[c], &error);
      g_autoptr(OsspKeys) keys = NULL;
      g_autofree char *dir = ossp_test_make_tmpdir ();
      g_autofree char *out = g_build_filename (dir, "keys", NULL);
      const char *pw[] = { PASSWORD };
      g_autoptr(GDir) d = NULL;
      guint n_files = 0;

      g_assert_no_error (error);
      keys = ossp_keys_generate_for_chip (chip, OSSP_CURVE_P256, 0, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (ossp_keys_get_n_keys (keys), ==, ossp_chip_get_auth_key_count (chip));
      /* the output folder does not exist yet: created 0700 */
      g_assert_true (ossp_keys_save (keys, out, pw, 1, OSSP_WRITE_FLAGS_NONE, &error));
      g_assert_no_error (error);
      {
        struct stat st;
        g_assert_cmpint (stat (out, &st), ==, 0);
        g_assert_cmpint (st.st_mode & 0777, ==, 0700);
      }
      d = g_dir_open (out, 0, NULL);
      while (g_dir_read_name (d))
        n_files++;
      if (g_str_equal (chips[c], "stm32mp15"))
        {
          g_assert_cmpint (ossp_keys_get_layout (keys), ==, OSSP_KEYS_LAYOUT_SINGLE);
          g_assert_cmpuint (n_files, ==, 3);
          for (guint i = 0; single_files[i]; i++)
            {
              g_autofree char *p = g_build_filename (out, single_files[i], NULL);
              g_assert_true (g_file_test (p, G_FILE_TEST_IS_REGULAR));
            }
        }
      else
        {
          g_autofree char *last = g_build_filename (out, "privateKey07.pem", NULL);
          g_autofree char *hash = g_build_filename (out, "publicKeyHash07.bin", NULL);
          g_assert_cmpint (ossp_keys_get_layout (keys), ==, OSSP_KEYS_LAYOUT_NUMBERED);
          g_assert_cmpuint (n_files, ==, 8 * 3 + 1);
          g_assert_true (g_file_test (last, G_FILE_TEST_IS_REGULAR));
          g_assert_true (g_file_test (hash, G_FILE_TEST_IS_REGULAR));
        }
      check_set_with_openssl (keys, out);
    }
}

static void
test_counts (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspChip) mp15 = ossp_chip_new ("stm32mp15", &error);
  g_autoptr(OsspChip) mp13 = ossp_chip_new ("stm32mp13", &error);
  OsspKeys *keys;

  keys = ossp_keys_generate_for_chip (mp15, OSSP_CURVE_P256, 2, NULL, &error);
  g_assert_null (keys);
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  keys = ossp_keys_generate_for_chip (mp13, OSSP_CURVE_P256, 9, NULL, &error);
  g_assert_null (keys);
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  keys = ossp_keys_generate_for_chip (mp13, OSSP_CURVE_BRAINPOOL_P256T1, 8, NULL, &error);
  g_assert_null (keys);
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_UNSUPPORTED);
  g_clear_error (&error);
  keys = ossp_keys_generate (OSSP_KEYS_LAYOUT_NUMBERED, OSSP_CURVE_P256, 0, NULL, &error);
  g_assert_null (keys);
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* KeyGen -n 1: numbered names and a PKHTH over one hash */
  keys = ossp_keys_generate_for_chip (mp13, OSSP_CURVE_P256, 1, NULL, &error);
  g_assert_no_error (error);
  {
    g_autofree char *name = ossp_keys_get_file_name (keys, OSSP_KEYS_FILE_PKH, 0);
    g_autofree char *tname = ossp_keys_get_file_name (keys, OSSP_KEYS_FILE_PKHTH, 0);
    guint8 pkh[32], pkhth[32], ref[32];
    g_assert_cmpstr (name, ==, "publicKeyHash00.bin");
    g_assert_cmpstr (tname, ==, "publicKeysHashHashes.bin");
    ossp_keys_get_pkh (keys, 0, pkh);
    ossp_key_pair_get_pkh (ossp_keys_get_key (keys, 0), TRUE, ref);
    g_assert_cmpmem (pkh, 32, ref, 32);
    g_assert_true (ossp_keys_get_pkhth (keys, pkhth));
    ossp_pkh_table_hash (pkh, 1, ref);
    g_assert_cmpmem (pkhth, 32, ref, 32);
  }
  g_object_unref (keys);

  /* cancelled before the first key */
  {
    g_autoptr(GCancellable) c = g_cancellable_new ();
    g_cancellable_cancel (c);
    keys = ossp_keys_generate (OSSP_KEYS_LAYOUT_NUMBERED, OSSP_CURVE_P256, 8, c, &error);
    g_assert_null (keys);
    g_assert_error (error, OSSP_ERROR, OSSP_ERROR_CANCELLED);
  }
}

/* An existing file stops the whole set before anything is written. */
static void
test_no_overwrite (void)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *victim = g_build_filename (dir, "publicKeyHash05.bin", NULL);
  g_autofree char *first = g_build_filename (dir, "privateKey00.pem", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspKeys) keys = ossp_keys_generate (OSSP_KEYS_LAYOUT_NUMBERED, OSSP_CURVE_P256, 8,
                                                 NULL, &error);
  const char *pw[] = { PASSWORD };
  const char *pws3[] = { "a", "b", "c" };
  g_autoptr(GBytes) before = NULL, after = NULL;

  g_file_set_contents (victim, "keep me", -1, &error);
  g_assert_no_error (error);
  g_assert_false (ossp_keys_save (keys, dir, pw, 1, OSSP_WRITE_FLAGS_NONE, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_false (g_file_test (first, G_FILE_TEST_EXISTS));
  before = read_bytes (victim);
  g_assert_cmpmem (g_bytes_get_data (before, NULL), g_bytes_get_size (before), "keep me", 7);

  /* 3 passwords for 8 keys is neither one nor one per key */
  g_assert_false (ossp_keys_save (keys, dir, pws3, 3, OSSP_WRITE_FLAGS_OVERWRITE, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* with OVERWRITE the set replaces it */
  g_assert_true (ossp_keys_save (keys, dir, pw, 1, OSSP_WRITE_FLAGS_OVERWRITE, &error));
  g_assert_no_error (error);
  after = read_bytes (victim);
  g_assert_cmpuint (g_bytes_get_size (after), ==, 32);
}

static void
test_per_key_passwords (void)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspKeys) keys = ossp_keys_generate (OSSP_KEYS_LAYOUT_NUMBERED, OSSP_CURVE_P256, 3,
                                                 NULL, &error);
  const char *pws[] = { "pw-zero", "pw-one", "pw-two" };

  g_assert_true (ossp_keys_save (keys, dir, pws, 3, OSSP_WRITE_FLAGS_NONE, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("privateKey%02u.pem", i);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autoptr(OsspKeyPair) kp = ossp_key_pair_load_private (path, pws[i], &error);
      OsspKeyPair *bad;
      guint8 a[64], b[64];
      g_assert_no_error (error);
      ossp_key_pair_get_public_raw (kp, a);
      ossp_key_pair_get_public_raw (ossp_keys_get_key (keys, i), b);
      g_assert_cmpmem (a, 64, b, 64);
      bad = ossp_key_pair_load_private (path, pws[(i + 1) % 3], &error);
      g_assert_null (bad);
      g_assert_error (error, OSSP_ERROR, OSSP_ERROR_BAD_PASSWORD);
      g_clear_error (&error);
    }
}

static void
test_random_files (void)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *key = g_build_filename (dir, "enc_key.bin", NULL);
  g_autofree char *nonce = g_build_filename (dir, "nonce.bin", NULL);
  g_autofree char *big = g_build_filename (dir, "big.bin", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) k1 = NULL, k2 = NULL, n = NULL, b = NULL;
  const guint8 *p;
  gboolean all_zero = TRUE;
  struct stat st;

  g_assert_true (ossp_random_write_file (key, 16, FALSE, OSSP_WRITE_FLAGS_NONE, &error));
  g_assert_no_error (error);
  g_assert_cmpint (stat (key, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  k1 = read_bytes (key);
  g_assert_cmpuint (g_bytes_get_size (k1), ==, 16);
  g_assert_false (ossp_random_write_file (key, 16, FALSE, OSSP_WRITE_FLAGS_NONE, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_EXISTS);
  g_clear_error (&error);
  k2 = read_bytes (key);
  g_assert_true (g_bytes_equal (k1, k2));
  g_clear_pointer (&k2, g_bytes_unref);
  g_assert_true (ossp_random_write_file (key, 16, FALSE, OSSP_WRITE_FLAGS_OVERWRITE, &error));
  k2 = read_bytes (key);
  g_assert_false (g_bytes_equal (k1, k2));

  g_assert_true (ossp_random_write_file (nonce, 16, TRUE, OSSP_WRITE_FLAGS_NONE, &error));
  n = read_bytes (nonce);
  p = g_bytes_get_data (n, NULL);
  g_assert_cmpuint (p[12] | p[13] | p[14] | p[15], ==, 0);
  for (guint i = 0; i < 12; i++)
    all_zero = all_zero && p[i] == 0;
  g_assert_false (all_zero);
  g_assert_false (ossp_random_write_file (big, 32, TRUE, OSSP_WRITE_FLAGS_NONE, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (ossp_random_write_file (big, 0, FALSE, OSSP_WRITE_FLAGS_NONE, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_true (ossp_random_write_file (big, 4096, FALSE, OSSP_WRITE_FLAGS_NONE, &error));
  b = read_bytes (big);
  g_assert_cmpuint (g_bytes_get_size (b), ==, 4096);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/keys/chip-sets", test_chip_sets);
  g_test_add_func ("/keys/counts", test_counts);
  g_test_add_func ("/keys/no-overwrite", test_no_overwrite);
  g_test_add_func ("/keys/per-key-passwords", test_per_key_passwords);
  g_test_add_func ("/keys/random-files", test_random_files);
  return g_test_run ();
}
