/* test-cli-keys.c — `openssp keys …`, `openssp random`, KeyGen_CLI spellings:
 * files, openssl interop, exit codes, secret hygiene
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "ossp-keys-test-helper.h"

#define PASSWORD "Sw0rdfish-cli-test"

static void
assert_mode (const char *path,
             guint       mode)
{
  struct stat st;
  g_assert_cmpint (stat (path, &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 0777, ==, mode);
}

static GBytes *
read_bytes (const char *path)
{
  g_autoptr(GError) error = NULL;
  GBytes *b = ossp_file_read_bytes (path, 1 << 20, &error);
  g_assert_no_error (error);
  return b;
}

static char *
hex_of_file (const char *path)
{
  g_autoptr(GBytes) b = read_bytes (path);
  return ossp_hex_encode (g_bytes_get_data (b, NULL), g_bytes_get_size (b));
}

/* The private scalar as openssl prints it, colons removed, lower case. */
static char *
openssl_private_scalar (const char *key,
                        const char *pwfile)
{
  g_autoptr(GBytes) out = NULL;
  g_autofree char *pass = g_strdup_printf ("file:%s", pwfile);
  g_autofree char *text = NULL;
  GString *hex = g_string_new (NULL);
  const char *p, *end;

  g_assert_cmpint (ossp_keys_test_tool (&out, NULL, "openssl", "ec", "-in", key, "-passin", pass,
                                        "-text", "-noout", NULL), ==, 0);
  text = g_strndup (g_bytes_get_data (out, NULL), g_bytes_get_size (out));
  p = strstr (text, "priv:");
  end = strstr (text, "pub:");
  g_assert_nonnull (p);
  g_assert_nonnull (end);
  for (p += 5; p < end; p++)
    if (g_ascii_isxdigit (*p))
      g_string_append_c (hex, g_ascii_tolower (*p));
  /* openssl prints a leading 00 when the top bit is set */
  if (hex->len == 66 && g_str_has_prefix (hex->str, "00"))
    g_string_erase (hex, 0, 2);
  g_assert_cmpuint (hex->len, ==, 64);
  return g_string_free (hex, FALSE);
}

static void
assert_no_secret (OsspTestRun *run,
                  const char  *secret)
{
  g_assert_null (strstr (run->out, secret));
  g_assert_null (strstr (run->err, secret));
}

/* One full set per chip through the CLI, checked with openssl only. */
static void
test_generate_per_chip (void)
{
  const struct { const char *chip; guint n; guint first_word; } cases[] = {
    { "stm32mp15", 1, 24 }, { "stm32mp13", 8, 24 }, { "stm32mp25", 8, 144 },
  };

  if (!ossp_keys_test_have_openssl ())
    return;
  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autofree char *dir = ossp_test_make_tmpdir ();
      g_autofree char *out = g_build_filename (dir, cases[c].chip, NULL);
      g_autofree char *pwfile = ossp_keys_test_password_file (dir, PASSWORD);
      g_autoptr(OsspTestRun) run = NULL;
      g_autoptr(JsonNode) root = NULL;
      JsonObject *o, *otp;
      JsonArray *keys, *words;
      gboolean numbered = cases[c].n > 1;
      guint8 table[8 * 32], expect[32];
      guint32 w[8];

      run = ossp_test_run_cli (NULL, "keys", "generate", "--chip", cases[c].chip, "--out", out,
                               "--password-file", pwfile, "--json", NULL);
      g_assert_cmpint (run->exit_status, ==, 0);
      root = ossp_test_run_json (run);
      o = json_node_get_object (root);
      g_assert_cmpstr (json_object_get_string_member (o, "layout"), ==, numbered ? "numbered" : "single");
      keys = json_object_get_array_member (o, "keys");
      g_assert_cmpuint (json_array_get_length (keys), ==, cases[c].n);
      assert_mode (out, 0700);

      for (guint i = 0; i < cases[c].n; i++)
        {
          JsonObject *k = json_array_get_object_element (keys, i);
          g_autofree char *priv = g_build_filename (out, json_object_get_string_member (k, "private_key"), NULL);
          g_autofree char *pub = g_build_filename (out, json_object_get_string_member (k, "public_key"), NULL);
          g_autofree char *pkh = g_build_filename (out, json_object_get_string_member (k, "pkh_file"), NULL);
          g_autofree char *pubout = ossp_keys_test_openssl_pubout (priv, pwfile);
          g_autofree char *pub_text = NULL;
          g_autofree char *pkh_hex = hex_of_file (pkh);
          g_autofree char *ref_hex = NULL;
          g_autofree char *scalar = openssl_private_scalar (priv, pwfile);
          guint8 ref[32];

          if (numbered)
            {
              g_autofree char *name = g_strdup_printf ("privateKey%02u.pem", i);
              g_assert_cmpstr (json_object_get_string_member (k, "private_key"), ==, name);
            }
          else
            {
              g_assert_cmpstr (json_object_get_string_member (k, "private_key"), ==, "privateKey.pem");
              g_assert_cmpstr (json_object_get_string_member (k, "pkh_file"), ==, "publicKeyhash.bin");
            }
          assert_mode (priv, 0600);
          /* openssl decrypts our key with the password, to our public key */
          g_assert_nonnull (pubout);
          g_file_get_contents (pub, &pub_text, NULL, NULL);
          g_assert_cmpstr (pubout, ==, pub_text);
          /* PKH recomputed by openssl from the raw public key */
          ossp_keys_test_openssl_pkh (pub, numbered, ref);
          ref_hex = ossp_hex_encode (ref, 32);
          g_assert_cmpstr (pkh_hex, ==, ref_hex);
          g_assert_cmpstr (json_object_get_string_member (k, "pkh"), ==, ref_hex);
          memcpy (table + 32 * i, ref, 32);
          /* secret hygiene: neither password nor private key in the output */
          assert_no_secret (run, scalar);
          g_assert_null (strstr (run->out, "PRIVATE KEY-----"));
        }
      assert_no_secret (run, PASSWORD);

      if (numbered)
        {
          g_autofree char *pkhth = g_build_filename (out, "publicKeysHashHashes.bin", NULL);
          g_autofree char *file_hex = hex_of_file (pkhth);
          g_autofree char *ref_hex = NULL;
          ossp_keys_test_openssl_sha256 (table, 32 * cases[c].n, expect);
          ref_hex = ossp_hex_encode (expect, 32);
          g_assert_cmpstr (file_hex, ==, ref_hex);
          g_assert_cmpstr (json_object_get_string_member (o, "pkhth"), ==, ref_hex);
        }
      else
        memcpy (expect, table, 32);

      /* OTP words: format 1 (big-endian per word) from the chip's first PKH word */
      otp = json_object_get_object_member (o, "otp");
      g_assert_cmpint (json_object_get_int_member (otp, "first_word"), ==, cases[c].first_word);
      g_assert_cmpstr (json_object_get_string_member (otp, "holds"), ==, numbered ? "PKHTH" : "PKH");
      words = json_object_get_array_member (otp, "words");
      for (guint i = 0; i < 8; i++)
        {
          g_autofree char *wx = NULL;
          w[i] = ((guint32) expect[4 * i] << 24) | ((guint32) expect[4 * i + 1] << 16) |
                 ((guint32) expect[4 * i + 2] << 8) | expect[4 * i + 3];
          wx = g_strdup_printf ("0x%08x", w[i]);
          g_assert_cmpstr (json_array_get_string_element (words, i), ==, wx);
        }

      /* keys show reads the folder back and agrees */
      {
        g_autoptr(OsspTestRun) show = ossp_test_run_cli (NULL, "keys", "show", out, "--chip",
                                                         cases[c].chip, "--json", NULL);
        g_autoptr(JsonNode) sroot = NULL;
        g_assert_cmpint (show->exit_status, ==, 0);
        sroot = ossp_test_run_json (show);
        g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (json_node_get_object (sroot), "otp"), "chip"),
                         ==, cases[c].chip);
        g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (json_object_get_object_member (json_node_get_object (sroot), "otp"), "words"), 0),
                         ==, json_array_get_string_element (words, 0));
      }
    }
}

static void
test_no_overwrite (void)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *pwfile = ossp_keys_test_password_file (dir, PASSWORD);
  g_autofree char *out = g_build_filename (dir, "set", NULL);
  g_autofree char *priv = g_build_filename (out, "privateKey.pem", NULL);
  g_autofree char *pub = g_build_filename (out, "publicKey.pem", NULL);
  g_autoptr(OsspTestRun) first = NULL, again = NULL, json = NULL, forced = NULL;
  g_autoptr(GBytes) before = NULL, after = NULL, pub_before = NULL, pub_after = NULL;
  g_autoptr(JsonNode) root = NULL;

  first = ossp_test_run_cli (NULL, "keys", "generate", "--chip", "stm32mp15", "--out", out,
                             "--password-file", pwfile, NULL);
  g_assert_cmpint (first->exit_status, ==, 0);
  before = read_bytes (priv);
  pub_before = read_bytes (pub);

  again = ossp_test_run_cli (NULL, "keys", "generate", "--chip", "stm32mp15", "--out", out,
                             "--password-file", pwfile, NULL);
  g_assert_cmpint (again->exit_status, ==, 5);
  g_assert_nonnull (strstr (again->err, "--force"));
  json = ossp_test_run_cli (NULL, "keys", "generate", "--chip", "stm32mp15", "--out", out,
                            "--password-file", pwfile, "--json", NULL);
  g_assert_cmpint (json->exit_status, ==, 5);
  root = ossp_test_run_json (json);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (json_node_get_object (root), "error"), "code"),
                   ==, "exists");
  after = read_bytes (priv);
  pub_after = read_bytes (pub);
  g_assert_true (g_bytes_equal (before, after));
  g_assert_true (g_bytes_equal (pub_before, pub_after));

  forced = ossp_test_run_cli (NULL, "keys", "generate", "--chip", "stm32mp15", "--out", out,
                              "--password-file", pwfile, "--force", NULL);
  g_assert_cmpint (forced->exit_status, ==, 0);
  g_clear_pointer (&after, g_bytes_unref);
  after = read_bytes (priv);
  g_assert_false (g_bytes_equal (before, after));
  assert_mode (priv, 0600);
}

/* A folder the user cannot write into / read. As root, permissions do not
 * bind, so the CLI runs as "nobody" through setpriv (util-linux). */
static void
test_unwritable_folder (void)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *ro = g_build_filename (dir, "ro", NULL);
  g_autofree char *out = g_build_filename (ro, "keys", NULL);
  g_autofree char *err = NULL;
  const char *cli = g_getenv ("OPENSSP_CLI");
  gboolean root = getuid () == 0;
  int status;

  if (root && !ossp_test_have_program ("setpriv"))
    {
      g_test_skip ("running as root without setpriv: cannot drop privileges");
      return;
    }
  g_assert_cmpint (g_mkdir (ro, 0555), ==, 0);
  g_assert_cmpint (chmod (ro, 0555), ==, 0);
  g_assert_cmpint (chmod (dir, 0755), ==, 0);
  g_setenv ("OSSP_TEST_PW", PASSWORD, TRUE);
  if (root)
    status = ossp_keys_test_tool (NULL, &err, "setpriv", "--reuid=65534", "--regid=65534",
                                  "--clear-groups", cli, "keys", "generate", "--chip", "mp15",
                                  "--out", ro, "--password-env", "OSSP_TEST_PW", NULL);
  else
    status = ossp_keys_test_tool (NULL, &err, cli, "keys", "generate", "--chip", "mp15",
                                  "--out", ro, "--password-env", "OSSP_TEST_PW", NULL);
  g_assert_cmpint (status, ==, 6);
  g_assert_nonnull (strstr (err, ro));
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));

  /* a folder that cannot be created */
  g_free (err);
  if (root)
    status = ossp_keys_test_tool (NULL, &err, "setpriv", "--reuid=65534", "--regid=65534",
                                  "--clear-groups", cli, "keys", "generate", "--chip", "mp15",
                                  "--out", out, "--password-env", "OSSP_TEST_PW", NULL);
  else
    status = ossp_keys_test_tool (NULL, &err, cli, "keys", "generate", "--chip", "mp15",
                                  "--out", out, "--password-env", "OSSP_TEST_PW", NULL);
  g_assert_cmpint (status, ==, 6);
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));

  /* an unreadable folder for keys show */
  g_assert_cmpint (chmod (ro, 0000), ==, 0);
  g_free (err);
  if (root)
    status = ossp_keys_test_tool (NULL, &err, "setpriv", "--reuid=65534", "--regid=65534",
                                  "--clear-groups", cli, "keys", "show", ro, NULL);
  else
    status = ossp_keys_test_tool (NULL, &err, cli, "keys", "show", ro, NULL);
  g_assert_cmpint (status, ==, 6);
  g_unsetenv ("OSSP_TEST_PW");
}

static void
test_hash_bad_input (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *rsa = NULL, *rsapub = NULL, *p384 = NULL, *p384pub = NULL, *trunc = NULL;
  g_autofree char *pwfile = NULL, *badpw = NULL, *out = NULL, *priv = NULL, *pub = NULL;
  g_autofree char *text = NULL;
  g_autoptr(OsspTestRun) gen = NULL;

  if (!ossp_keys_test_have_openssl ())
    return;
  dir = ossp_test_make_tmpdir ();
  rsa = g_build_filename (dir, "rsa.pem", NULL);
  rsapub = g_build_filename (dir, "rsapub.pem", NULL);
  p384 = g_build_filename (dir, "p384.pem", NULL);
  p384pub = g_build_filename (dir, "p384pub.pem", NULL);
  trunc = g_build_filename (dir, "trunc.pem", NULL);
  out = g_build_filename (dir, "set", NULL);
  priv = g_build_filename (out, "privateKey.pem", NULL);
  pub = g_build_filename (out, "publicKey.pem", NULL);
  pwfile = ossp_keys_test_password_file (dir, PASSWORD);
  badpw = g_build_filename (dir, "bad.txt", NULL);
  g_file_set_contents (badpw, "wrong password\n", -1, NULL);

  g_assert_cmpint (ossp_keys_test_tool (NULL, NULL, "openssl", "genrsa", "-out", rsa, "2048", NULL), ==, 0);
  g_assert_cmpint (ossp_keys_test_tool (NULL, NULL, "openssl", "rsa", "-in", rsa, "-pubout", "-out", rsapub, NULL), ==, 0);
  g_assert_cmpint (ossp_keys_test_tool (NULL, NULL, "openssl", "ecparam", "-name", "secp384r1",
                                        "-genkey", "-noout", "-out", p384, NULL), ==, 0);
  g_assert_cmpint (ossp_keys_test_tool (NULL, NULL, "openssl", "ec", "-in", p384, "-pubout", "-out", p384pub, NULL), ==, 0);
  gen = ossp_test_run_cli (NULL, "keys", "generate", "--chip", "stm32mp15", "--out", out,
                           "--password-file", pwfile, NULL);
  g_assert_cmpint (gen->exit_status, ==, 0);
  g_file_get_contents (pub, &text, NULL, NULL);
  g_file_set_contents (trunc, text, (gssize) strlen (text) - 40, NULL);

  {
    g_autoptr(OsspTestRun) r = ossp_test_run_cli (NULL, "keys", "hash", rsapub, NULL);
    g_assert_cmpint (r->exit_status, ==, 10);
    g_assert_nonnull (strstr (r->err, "RSA"));
  }
  {
    g_autoptr(OsspTestRun) r = ossp_test_run_cli (NULL, "keys", "hash", p384pub, "--json", NULL);
    g_autoptr(JsonNode) root = NULL;
    g_assert_cmpint (r->exit_status, ==, 10);
    root = ossp_test_run_json (r);
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (json_node_get_object (root), "error"), "code"),
                     ==, "unsupported");
  }
  {
    g_autoptr(OsspTestRun) r = ossp_test_run_cli (NULL, "keys", "hash", trunc, NULL);
    g_assert_cmpint (r->exit_status, ==, 3);
    g_assert_nonnull (strstr (r->err, "truncated"));
  }
  {
    g_autoptr(OsspTestRun) r = ossp_test_run_cli (NULL, "keys", "hash", p384, "--password-file", pwfile, NULL);
    g_assert_cmpint (r->exit_status, ==, 10);
  }
  /* a private key argument with the wrong password */
  {
    g_autoptr(OsspTestRun) r = ossp_test_run_cli (NULL, "keys", "hash", priv, "--password-file", badpw, NULL);
    g_assert_cmpint (r->exit_status, ==, 9);
    g_assert_nonnull (strstr (r->err, "password"));
    g_assert_null (strstr (r->err, "wrong password\n"));
  }
  /* and with the right one: same PKH as from the public key */
  {
    g_autoptr(OsspTestRun) a = ossp_test_run_cli (NULL, "keys", "hash", priv, "--password-file", pwfile, "--json", NULL);
    g_autoptr(OsspTestRun) b = ossp_test_run_cli (NULL, "keys", "hash", pub, "--json", NULL);
    g_autoptr(JsonNode) ra = NULL, rb = NULL;
    g_assert_cmpint (a->exit_status, ==, 0);
    g_assert_cmpint (b->exit_status, ==, 0);
    ra = ossp_test_run_json (a);
    rb = ossp_test_run_json (b);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (json_object_get_array_member (json_node_get_object (ra), "keys"), 0), "pkh"),
                     ==,
                     json_object_get_string_member (json_array_get_object_element (json_object_get_array_member (json_node_get_object (rb), "keys"), 0), "pkh"));
    assert_no_secret (a, PASSWORD);
  }
  /* missing file */
  {
    g_autofree char *missing = g_build_filename (dir, "missing.pem", NULL);
    g_autoptr(OsspTestRun) r = ossp_test_run_cli (NULL, "keys", "hash", missing, NULL);
    g_assert_cmpint (r->exit_status, ==, 4);
  }
  /* wrong curve asked for */
  {
    g_autoptr(OsspTestRun) r = ossp_test_run_cli (NULL, "keys", "generate", "--chip", "mp13",
                                                  "--curve", "brainpoolP256t1", "--out", dir,
                                                  "--password-file", pwfile, NULL);
    g_assert_cmpint (r->exit_status, ==, 10);
    g_assert_nonnull (strstr (r->err, "brainpoolP256t1"));
  }
  /* a tampered hash file is reported by keys show */
  {
    g_autofree char *pkh = g_build_filename (out, "publicKeyhash.bin", NULL);
    g_autoptr(OsspTestRun) r = NULL;
    g_autoptr(JsonNode) root = NULL;
    JsonObject *err;
    guint8 zero[32] = { 0 };
    g_assert_true (ossp_file_write_atomic (pkh, zero, 32, OSSP_WRITE_FLAGS_OVERWRITE, NULL));
    r = ossp_test_run_cli (NULL, "keys", "show", out, "--json", NULL);
    g_assert_cmpint (r->exit_status, ==, 12);
    root = ossp_test_run_json (r);
    err = json_object_get_object_member (json_node_get_object (root), "error");
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (err, "details")), ==, 1);
  }
}

static void
test_hash_set (void)
{
  g_autofree char *dir = NULL, *pwfile = NULL;
  g_autoptr(OsspTestRun) gen = NULL, hash = NULL;
  g_autoptr(JsonNode) groot = NULL, hroot = NULL;
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func (g_free);

  if (!ossp_keys_test_have_openssl ())
    return;
  dir = ossp_test_make_tmpdir ();
  pwfile = ossp_keys_test_password_file (dir, PASSWORD);
  gen = ossp_test_run_cli (NULL, "keys", "generate", "--chip", "stm32mp25", "--out", dir,
                           "--password-file", pwfile, "--json", NULL);
  g_assert_cmpint (gen->exit_status, ==, 0);
  groot = ossp_test_run_json (gen);
  g_ptr_array_add (args, g_strdup ("keys"));
  g_ptr_array_add (args, g_strdup ("hash"));
  g_ptr_array_add (args, g_strdup ("--chip"));
  g_ptr_array_add (args, g_strdup ("stm32mp25"));
  g_ptr_array_add (args, g_strdup ("--json"));
  for (guint i = 0; i < 8; i++)
    g_ptr_array_add (args, g_strdup_printf ("%s/publicKey%02u.pem", dir, i));
  g_ptr_array_add (args, NULL);
  hash = ossp_test_run_cliv (NULL, (const char * const *) args->pdata);
  g_assert_cmpint (hash->exit_status, ==, 0);
  hroot = ossp_test_run_json (hash);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (hroot), "pkhth"), ==,
                   json_object_get_string_member (json_node_get_object (groot), "pkhth"));
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (json_node_get_object (hroot), "otp"), "first_word"),
                   ==, 144);
}

static void
test_random_verb (void)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *key = g_build_filename (dir, "enc_key.bin", NULL);
  g_autofree char *nonce = g_build_filename (dir, "nonce.bin", NULL);
  g_autoptr(OsspTestRun) a = NULL, b = NULL, c = NULL, d = NULL, e = NULL;
  g_autoptr(GBytes) k1 = NULL, k2 = NULL, n = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *hex = NULL;
  const guint8 *p;

  a = ossp_test_run_cli (NULL, "random", "--bytes", "16", "--out", key, "--json", NULL);
  g_assert_cmpint (a->exit_status, ==, 0);
  root = ossp_test_run_json (a);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (root), "bytes"), ==, 16);
  assert_mode (key, 0600);
  k1 = read_bytes (key);
  g_assert_cmpuint (g_bytes_get_size (k1), ==, 16);
  /* the secret itself is not printed */
  hex = ossp_hex_encode (g_bytes_get_data (k1, NULL), 16);
  assert_no_secret (a, hex);

  b = ossp_test_run_cli (NULL, "random", "--bytes", "16", "--out", key, NULL);
  g_assert_cmpint (b->exit_status, ==, 5);
  k2 = read_bytes (key);
  g_assert_true (g_bytes_equal (k1, k2));
  c = ossp_test_run_cli (NULL, "random", "--bytes", "16", "--out", key, "--force", NULL);
  g_assert_cmpint (c->exit_status, ==, 0);

  d = ossp_test_run_cli (NULL, "random", "--nonce", "--out", nonce, NULL);
  g_assert_cmpint (d->exit_status, ==, 0);
  n = read_bytes (nonce);
  g_assert_cmpuint (g_bytes_get_size (n), ==, 16);
  p = g_bytes_get_data (n, NULL);
  g_assert_cmpuint (p[12] | p[13] | p[14] | p[15], ==, 0);

  e = ossp_test_run_cli (NULL, "random", "--out", key, NULL);
  g_assert_cmpint (e->exit_status, ==, 2);
}

/* KeyGen_CLI's own command lines, as factory scripts call it. */
static void
test_keygen_spellings (void)
{
  g_autofree char *dir = NULL, *pwfile = NULL, *single = NULL, *eight = NULL, *rnd = NULL;
  g_autoptr(OsspTestRun) a = NULL, b = NULL, c = NULL, d = NULL, e = NULL, f = NULL;
  g_autoptr(GDir) dd = NULL;
  guint n_files = 0;

  if (!ossp_keys_test_have_openssl ())
    return;
  dir = ossp_test_make_tmpdir ();
  single = g_build_filename (dir, "single", NULL);
  eight = g_build_filename (dir, "eight", NULL);
  rnd = g_build_filename (dir, "rma.bin", NULL);
  pwfile = ossp_keys_test_password_file (dir, PASSWORD);

  /* KeyGen without -n: publicKey.pem, privateKey.pem, publicKeyhash.bin */
  a = ossp_test_run_cli (NULL, "-abs", single, "-pwd", PASSWORD, NULL);
  g_assert_cmpint (a->exit_status, ==, 0);
  g_assert_nonnull (strstr (a->err, "visible to other users"));
  assert_no_secret (a, PASSWORD);
  {
    g_autofree char *priv = g_build_filename (single, "privateKey.pem", NULL);
    g_autofree char *pub = g_build_filename (single, "publicKey.pem", NULL);
    g_autofree char *pkh = g_build_filename (single, "publicKeyhash.bin", NULL);
    g_autofree char *pubout = ossp_keys_test_openssl_pubout (priv, pwfile);
    g_autofree char *pub_text = NULL, *pkh_hex = hex_of_file (pkh), *ref_hex = NULL;
    guint8 ref[32];
    g_file_get_contents (pub, &pub_text, NULL, NULL);
    g_assert_cmpstr (pubout, ==, pub_text);
    ossp_keys_test_openssl_pkh (pub, FALSE, ref);
    ref_hex = ossp_hex_encode (ref, 32);
    g_assert_cmpstr (pkh_hex, ==, ref_hex);
    assert_mode (priv, 0600);
  }

  /* -n 8 with one password per key */
  b = ossp_test_run_cli (NULL, "-abs", eight, "-pwd", "p0", "p1", "p2", "p3", "p4", "p5", "p6",
                         "p7", "-n", "8", "-ecc", "1", NULL);
  g_assert_cmpint (b->exit_status, ==, 0);
  dd = g_dir_open (eight, 0, NULL);
  while (g_dir_read_name (dd))
    n_files++;
  g_assert_cmpuint (n_files, ==, 25);
  {
    g_autofree char *k5 = g_build_filename (eight, "privateKey05.pem", NULL);
    g_autofree char *pw5 = ossp_keys_test_password_file (dir, "p5");
    g_autofree char *pw4 = ossp_keys_test_password_file (dir, "p4");
    g_autofree char *out5 = ossp_keys_test_openssl_pubout (k5, pw5);
    g_autofree char *out4 = NULL;
    g_assert_nonnull (out5);
    out4 = ossp_keys_test_openssl_pubout (k5, pw4);
    g_assert_null (out4);
  }
  /* again without --force: refused, nothing changed */
  c = ossp_test_run_cli (NULL, "-abs", eight, "-pwd", "x", "-n", "8", NULL);
  g_assert_cmpint (c->exit_status, ==, 5);

  /* -ecc 2 = brainpoolP256t1: unsupported with GnuTLS 3.7 */
  d = ossp_test_run_cli (NULL, "-abs", dir, "-pwd", "x", "-ecc", "2", NULL);
  g_assert_cmpint (d->exit_status, ==, 10);

  /* -rand 16 FILE */
  e = ossp_test_run_cli (NULL, "-rand", "16", rnd, NULL);
  g_assert_cmpint (e->exit_status, ==, 0);
  assert_mode (rnd, 0600);
  {
    g_autoptr(GBytes) r = read_bytes (rnd);
    g_assert_cmpuint (g_bytes_get_size (r), ==, 16);
  }
  /* the password can also come from the environment in KeyGen mode */
  g_setenv ("OSSP_KEYGEN_PW", PASSWORD, TRUE);
  {
    g_autofree char *env_dir = g_build_filename (dir, "env", NULL);
    f = ossp_test_run_cli (NULL, "-abs", env_dir, "--password-env", "OSSP_KEYGEN_PW", "-n", "1",
                           "--json", NULL);
    g_assert_cmpint (f->exit_status, ==, 0);
    g_assert_null (strstr (f->err, "visible to other users"));
    assert_no_secret (f, PASSWORD);
    {
      g_autoptr(JsonNode) root = ossp_test_run_json (f);
      g_assert_cmpstr (json_object_get_string_member (json_node_get_object (root), "layout"), ==, "numbered");
      g_assert_true (json_object_has_member (json_node_get_object (root), "pkhth"));
    }
  }
  g_unsetenv ("OSSP_KEYGEN_PW");
}

/* keys hash on keys openssl wrote: clear SEC1 (no password asked),
 * traditional DES-EDE3 and AES-192; the PKH equals openssl's */
static void
test_hash_openssl_forms (void)
{
  g_autofree char *dir = NULL, *plain = NULL, *des = NULL, *a192 = NULL, *pub = NULL;
  g_autofree char *pwfile = NULL, *pass = NULL, *ref_hex = NULL;
  const char *files[3];
  guint8 ref[32];

  if (!ossp_keys_test_have_openssl ())
    return;
  dir = ossp_test_make_tmpdir ();
  plain = g_build_filename (dir, "plain.pem", NULL);
  des = g_build_filename (dir, "des3.pem", NULL);
  a192 = g_build_filename (dir, "aes192.pem", NULL);
  pub = g_build_filename (dir, "pub.pem", NULL);
  pwfile = ossp_keys_test_password_file (dir, PASSWORD);
  pass = g_strdup_printf ("file:%s", pwfile);
  g_assert_cmpint (ossp_keys_test_tool (NULL, NULL, "openssl", "ecparam", "-name", "prime256v1",
                                        "-genkey", "-out", plain, NULL), ==, 0);
  g_assert_cmpint (ossp_keys_test_tool (NULL, NULL, "openssl", "ec", "-in", plain, "-des3",
                                        "-passout", pass, "-out", des, NULL), ==, 0);
  g_assert_cmpint (ossp_keys_test_tool (NULL, NULL, "openssl", "ec", "-in", plain, "-aes192",
                                        "-passout", pass, "-out", a192, NULL), ==, 0);
  g_assert_cmpint (ossp_keys_test_tool (NULL, NULL, "openssl", "ec", "-in", plain, "-pubout",
                                        "-out", pub, NULL), ==, 0);
  ossp_keys_test_openssl_pkh (pub, FALSE, ref);
  ref_hex = ossp_hex_encode (ref, 32);
  files[0] = plain;
  files[1] = des;
  files[2] = a192;
  for (guint i = 0; i < 3; i++)
    {
      /* no password source for the clear key: it must not ask */
      g_autoptr(OsspTestRun) r = i == 0
        ? ossp_test_run_cli (NULL, "keys", "hash", files[i], "--json", NULL)
        : ossp_test_run_cli (NULL, "keys", "hash", files[i], "--password-file", pwfile, "--json", NULL);
      g_autoptr(JsonNode) root = NULL;
      g_assert_cmpint (r->exit_status, ==, 0);
      root = ossp_test_run_json (r);
      g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (json_object_get_array_member (json_node_get_object (root), "keys"), 0), "pkh"),
                       ==, ref_hex);
    }
}

static void
test_usage_errors (void)
{
  g_autoptr(OsspTestRun) a = ossp_test_run_cli (NULL, "keys", "generate", "--chip", "mp13", NULL);
  g_autoptr(OsspTestRun) b = ossp_test_run_cli (NULL, "keys", "frobnicate", NULL);
  g_autoptr(OsspTestRun) c = ossp_test_run_cli (NULL, "keys", "generate", "--chip", "stm32f4",
                                                "--out", "/nonexistent/x", NULL);
  g_autoptr(OsspTestRun) d = ossp_test_run_cli (NULL, "-abs", "/tmp", "-pwd", "x", "-n", "9", NULL);
  g_autoptr(OsspTestRun) e = ossp_test_run_cli (NULL, "keys", "hash", NULL);

  g_assert_cmpint (a->exit_status, ==, 2);
  g_assert_cmpint (b->exit_status, ==, 2);
  g_assert_cmpint (c->exit_status, ==, 4);
  g_assert_cmpint (d->exit_status, ==, 2);
  g_assert_cmpint (e->exit_status, ==, 2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli-keys/generate-per-chip", test_generate_per_chip);
  g_test_add_func ("/cli-keys/no-overwrite", test_no_overwrite);
  g_test_add_func ("/cli-keys/unwritable-folder", test_unwritable_folder);
  g_test_add_func ("/cli-keys/hash-bad-input", test_hash_bad_input);
  g_test_add_func ("/cli-keys/hash-set", test_hash_set);
  g_test_add_func ("/cli-keys/random", test_random_verb);
  g_test_add_func ("/cli-keys/keygen-spellings", test_keygen_spellings);
  g_test_add_func ("/cli-keys/hash-openssl-forms", test_hash_openssl_forms);
  g_test_add_func ("/cli-keys/usage-errors", test_usage_errors);
  return g_test_run ();
}
