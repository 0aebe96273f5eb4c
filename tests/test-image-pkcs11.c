/* test-image-pkcs11.c — signing with a key inside a real SoftHSM2 token
 * (Debian softhsm2), set up by the test in its own temp dir
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <glib/gstdio.h>

#include "ossp-keys-test-helper.h"

#define PIN "1234"
#define SO_PIN "56781234"
#define TOKEN_URL "pkcs11:token=openssp-test"

typedef struct {
  char *dir;
  char *module;
  char *pin_file;
  char *bad_pin_file;
  char *payload;
  char *key;          /* imported into the token as "sign", no public object */
  char *pub;
  char *gen_pub;      /* public half of "gen", generated inside the token */
} Token;

static const char *
find_module (void)
{
  static const char *paths[] = {
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
  };
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    if (g_file_test (paths[i], G_FILE_TEST_EXISTS))
      return paths[i];
  return NULL;
}

static void
tool_ok (GBytes **out, const char *prog, ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) so = NULL, se = NULL;
  const char *a;
  va_list ap;

  g_ptr_array_add (args, (gpointer) prog);
  va_start (ap, prog);
  while ((a = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (args, (gpointer) a);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  /* p11tool reads the PIN from here; only the set-up tools get it */
  g_subprocess_launcher_setenv (launcher, "GNUTLS_PIN", PIN, TRUE);
  proc = g_subprocess_launcher_spawnv (launcher, (const char * const *) args->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate (proc, NULL, NULL, &so, &se, &error);
  g_assert_no_error (error);
  if (g_subprocess_get_exit_status (proc) != 0)
    g_error ("%s failed: %.*s", prog, (int) g_bytes_get_size (se), (const char *) g_bytes_get_data (se, NULL));
  if (out)
    *out = g_steal_pointer (&so);
}

static void
write_text (const char *path, const char *text)
{
  g_autoptr(GError) error = NULL;
  g_assert_true (g_file_set_contents (path, text, -1, &error));
}

/* A fresh token in a private SOFTHSM2_CONF: one key imported from a PEM
 * (so openssl can check against its public half), one generated inside. */
static gboolean
token_setup (Token *t)
{
  g_autofree char *conf = NULL, *tokens = NULL, *conf_text = NULL;
  g_autoptr(GBytes) gen = NULL;
  g_autofree guint8 *payload = g_malloc (4000);

  t->module = g_strdup (find_module ());
  if (t->module == NULL || !ossp_test_have_program ("softhsm2-util"))
    {
      g_test_skip ("SoftHSM2 is not installed (Debian package softhsm2)");
      return FALSE;
    }
  if (!ossp_test_have_program ("p11tool"))
    {
      g_test_skip ("p11tool is not installed (Debian package gnutls-bin)");
      return FALSE;
    }
  if (!ossp_keys_test_have_openssl ())
    return FALSE;

  t->dir = ossp_test_make_tmpdir ();
  tokens = g_build_filename (t->dir, "tokens", NULL);
  g_assert_cmpint (g_mkdir (tokens, 0700), ==, 0);
  conf = g_build_filename (t->dir, "softhsm2.conf", NULL);
  conf_text = g_strdup_printf ("directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n", tokens);
  write_text (conf, conf_text);
  /* inherited by every tool and CLI run below, and read by the module here */
  g_setenv ("SOFTHSM2_CONF", conf, TRUE);

  tool_ok (NULL, "softhsm2-util", "--init-token", "--free", "--label", "openssp-test", "--pin", PIN,
           "--so-pin", SO_PIN, NULL);
  t->key = g_build_filename (t->dir, "sign.pem", NULL);
  t->pub = g_build_filename (t->dir, "sign.pub.pem", NULL);
  tool_ok (NULL, "openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", t->key, NULL);
  tool_ok (NULL, "openssl", "ec", "-in", t->key, "-pubout", "-out", t->pub, NULL);
  tool_ok (NULL, "p11tool", "--provider", t->module, "--login", "--write", "--load-privkey", t->key,
           "--label", "sign", "--id", "01", TOKEN_URL, NULL);
  tool_ok (&gen, "p11tool", "--provider", t->module, "--login", "--generate-privkey=ECDSA",
           "--curve=secp256r1", "--label=gen", "--id=02", TOKEN_URL, NULL);
  t->gen_pub = g_build_filename (t->dir, "gen.pub.pem", NULL);
  write_text (t->gen_pub, g_bytes_get_data (gen, NULL));
  /* no key file from here on: the token only */
  g_unlink (t->key);

  t->pin_file = ossp_keys_test_password_file (t->dir, PIN "\n");
  t->bad_pin_file = g_build_filename (t->dir, "bad-pin", NULL);
  write_text (t->bad_pin_file, "0000");
  t->payload = g_build_filename (t->dir, "payload.bin", NULL);
  for (guint i = 0; i < 4000; i++)
    payload[i] = (guint8) g_random_int ();
  g_assert_true (g_file_set_contents (t->payload, (char *) payload, 4000, NULL));
  return TRUE;
}

static void
token_clear (Token *t)
{
  g_free (t->dir);
  g_free (t->module);
  g_free (t->pin_file);
  g_free (t->bad_pin_file);
  g_free (t->payload);
  g_free (t->key);
  g_free (t->pub);
  g_free (t->gen_pub);
}

/* The same DER encoding openssl writes, built here from r||s. */
static void
write_der (const char *path, const guint8 *rs)
{
  guint8 der[72];
  gsize n = 2;

  der[0] = 0x30;
  for (guint h = 0; h < 2; h++)
    {
      const guint8 *v = rs + 32 * h;
      gsize skip = 0;
      gboolean pad;
      while (skip < 31 && v[skip] == 0)
        skip++;
      pad = (v[skip] & 0x80) != 0;
      der[n++] = 0x02;
      der[n++] = (guint8) (32 - skip + pad);
      if (pad)
        der[n++] = 0;
      memcpy (der + n, v + skip, 32 - skip);
      n += 32 - skip;
    }
  der[1] = (guint8) (n - 2);
  g_assert_true (g_file_set_contents (path, (char *) der, (gssize) n, NULL));
}

static void
openssl_verify_image (Token *t, const char *image, const char *pub)
{
  g_autoptr(GBytes) img = ossp_file_read_bytes (image, 1 << 20, NULL);
  g_autofree char *tbs = g_build_filename (t->dir, "tbs.bin", NULL);
  g_autofree char *sig = g_build_filename (t->dir, "sig.der", NULL);
  g_autoptr(GBytes) out = NULL;
  const guint8 *p = g_bytes_get_data (img, NULL);

  g_assert_true (g_file_set_contents (tbs, (const char *) p + 0x48, (gssize) g_bytes_get_size (img) - 0x48, NULL));
  write_der (sig, p + 4);
  tool_ok (&out, "openssl", "dgst", "-sha256", "-verify", pub, "-signature", sig, tbs, NULL);
  g_assert_nonnull (g_strstr_len (g_bytes_get_data (out, NULL), (gssize) g_bytes_get_size (out), "Verified OK"));
}

static void
test_pkcs11_signer_core (void)
{
  Token t = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspPkcs11Signer) signer = NULL;
  g_autoptr(OsspPkcs11Signer) gen = NULL;
  g_autoptr(OsspKeyPair) pub = NULL;
  guint8 xy[64], want[64], digest[32], rs[64];

  if (!token_setup (&t))
    return;
  pub = ossp_key_pair_load_public (t.pub, &error);
  g_assert_no_error (error);

  /* the imported key has no public object: its public key is given */
  signer = ossp_pkcs11_signer_new (TOKEN_URL ";object=sign;type=private", t.module, PIN, pub, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ossp_pkcs11_signer_get_curve (signer), ==, OSSP_CURVE_P256);
  for (guint i = 0; i < 32; i++)
    digest[i] = (guint8) (i * 7);
  g_assert_true (ossp_pkcs11_signer_sign_digest (signer, digest, rs, &error));
  g_assert_no_error (error);
  g_assert_true (ossp_key_pair_verify_digest (pub, digest, rs, &error));
  g_assert_no_error (error);

  /* the generated key: public key read from the token matches p11tool's */
  gen = ossp_pkcs11_signer_new (TOKEN_URL ";object=gen;type=private", t.module, PIN, NULL, &error);
  g_assert_no_error (error);
  ossp_pkcs11_signer_get_public_raw (gen, xy);
  ossp_keys_test_openssl_raw (t.gen_pub, want);
  g_assert_cmpmem (xy, 64, want, 64);

  /* errors a user can act on (a wrong PIN is tested through the CLI: a
   * PKCS#11 login holds for the whole process once made) */
  g_clear_object (&gen);
  gen = ossp_pkcs11_signer_new (TOKEN_URL ";object=nosuch;type=private", t.module, PIN, NULL, &error);
  g_assert_null (gen);
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_HSM);
  g_clear_error (&error);
  gen = ossp_pkcs11_signer_new ("/tmp/key.pem", t.module, PIN, NULL, &error);
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT);
  token_clear (&t);
}

static void
test_pkcs11_cli (void)
{
  Token t = { 0 };
  g_autofree char *v1 = NULL, *v2 = NULL, *nope = NULL;

  if (!token_setup (&t))
    return;
  v1 = g_build_filename (t.dir, "v1.stm32", NULL);
  v2 = g_build_filename (t.dir, "v2.stm32", NULL);
  nope = g_build_filename (t.dir, "nope.stm32", NULL);

  {
    g_autoptr(OsspTestRun) run = ossp_test_run_cli (NULL, "image", "sign", "--chip", "stm32mp15", "--in", t.payload,
                                                    "--entry-point", "0x2ffc2500", "--module", t.module,
                                                    "--pkcs11", TOKEN_URL ";object=sign;type=private",
                                                    "--pkcs11-pubkey", t.pub, "--pin-file", t.pin_file,
                                                    "--out", v1, NULL);
    g_test_message ("%s%s", run->out, run->err);
    g_assert_cmpint (run->exit_status, ==, 0);
    openssl_verify_image (&t, v1, t.pub);
  }
  {
    /* MP25, the key generated in the token, index 1 of a two-key table;
     * the module comes from p11-kit's list this time */
    g_autoptr(OsspTestRun) run = ossp_test_run_cli (NULL, "image", "sign", "--chip", "stm32mp25", "--in", t.payload,
                                                    "--entry-point", "0x0e012000",
                                                    "--pkcs11", TOKEN_URL ";object=gen;type=private",
                                                    "--pin-env", "OSSP_TEST_PIN", "--pubkey", t.pub,
                                                    "--pubkey", t.gen_pub, "--out", v2, NULL);
    g_autoptr(OsspTestRun) verify = NULL;
    g_test_message ("%s%s", run->out, run->err);
    if (run->exit_status != 0 && strstr (run->err, "Cannot open the private key") != NULL)
      {
        /* p11-kit does not list softhsm2 here: retry with the module named */
        g_clear_pointer (&run, ossp_test_run_free);
        run = ossp_test_run_cli (NULL, "image", "sign", "--chip", "stm32mp25", "--in", t.payload,
                                 "--entry-point", "0x0e012000", "--module", t.module,
                                 "--pkcs11", TOKEN_URL ";object=gen;type=private",
                                 "--pin-env", "OSSP_TEST_PIN", "--pubkey", t.pub,
                                 "--pubkey", t.gen_pub, "--out", v2, NULL);
      }
    g_assert_cmpint (run->exit_status, ==, 0);
    openssl_verify_image (&t, v2, t.gen_pub);
    verify = ossp_test_run_cli (NULL, "image", "inspect", v2, NULL);
    g_assert_nonnull (strstr (verify->out, "Key index                      1 of 2"));
  }
  {
    g_autoptr(OsspTestRun) run = ossp_test_run_cli (NULL, "--json", "image", "sign", "--chip", "stm32mp15",
                                                    "--in", t.payload, "--entry-point", "0x2ffc2500",
                                                    "--module", t.module,
                                                    "--pkcs11", TOKEN_URL ";object=gen;type=private",
                                                    "--pin-file", t.bad_pin_file, "--out", nope, NULL);
    g_assert_cmpint (run->exit_status, ==, 9);
    g_assert_nonnull (strstr (run->out, "bad-password"));
    g_assert_false (g_file_test (nope, G_FILE_TEST_EXISTS));
  }
  token_clear (&t);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_setenv ("OSSP_TEST_PIN", PIN, TRUE);
  g_test_add_func ("/image/pkcs11/signer", test_pkcs11_signer_core);
  g_test_add_func ("/image/pkcs11/cli", test_pkcs11_cli);
  return g_test_run ();
}
