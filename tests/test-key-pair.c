/* test-key-pair.c — OsspKeyPair against openssl: PEM both ways, PKH, PKHTH,
 * signatures, bad input
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>
#include <sys/stat.h>

#include <gnutls/crypto.h>

#include "ossp-keys-test-helper.h"

#define PASSWORD "correct horse battery staple"

static char *
read_text (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

static void
test_generate_sign_verify (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspKeyPair) kp = ossp_key_pair_generate (OSSP_CURVE_P256, &error);
  g_autoptr(OsspKeyPair) other = ossp_key_pair_generate (OSSP_CURVE_P256, &error);
  g_autoptr(OsspKeyPair) pub = NULL;
  guint8 digest[32], rs[64], xy[64], xy2[64];

  g_assert_no_error (error);
  g_assert_true (ossp_key_pair_has_private (kp));
  g_assert_cmpint (ossp_key_pair_get_curve (kp), ==, OSSP_CURVE_P256);
  g_assert_nonnull (ossp_key_pair_get_privkey (kp));
  g_assert_nonnull (ossp_key_pair_get_pubkey (kp));

  gnutls_rnd (GNUTLS_RND_NONCE, digest, sizeof digest);
  g_assert_true (ossp_key_pair_sign_digest (kp, digest, rs, &error));
  g_assert_no_error (error);
  g_assert_true (ossp_key_pair_verify_digest (kp, digest, rs, &error));
  g_assert_no_error (error);

  /* a public-only twin built from raw X||Y verifies too, but cannot sign */
  ossp_key_pair_get_public_raw (kp, xy);
  pub = ossp_key_pair_new_from_public_raw (OSSP_CURVE_P256, xy, &error);
  g_assert_no_error (error);
  g_assert_false (ossp_key_pair_has_private (pub));
  g_assert_null (ossp_key_pair_get_privkey (pub));
  ossp_key_pair_get_public_raw (pub, xy2);
  g_assert_cmpmem (xy, 64, xy2, 64);
  g_assert_true (ossp_key_pair_verify_digest (pub, digest, rs, &error));
  g_assert_no_error (error);
  g_assert_false (ossp_key_pair_sign_digest (pub, digest, rs, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* wrong key, changed digest, changed signature */
  g_assert_false (ossp_key_pair_verify_digest (other, digest, rs, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_VERIFY_FAILED);
  g_clear_error (&error);
  digest[0] ^= 1;
  g_assert_false (ossp_key_pair_verify_digest (kp, digest, rs, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_VERIFY_FAILED);
  g_clear_error (&error);
  digest[0] ^= 1;
  rs[63] ^= 1;
  g_assert_false (ossp_key_pair_verify_digest (kp, digest, rs, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_VERIFY_FAILED);
  g_clear_error (&error);
}

static void
test_raw_public_bad (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspKeyPair) kp = NULL;
  guint8 xy[64];

  memset (xy, 0x11, sizeof xy);
  kp = ossp_key_pair_new_from_public_raw (OSSP_CURVE_P256, xy, &error);
  g_assert_null (kp);
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA);
  g_clear_error (&error);
  kp = ossp_key_pair_new_from_public_raw (OSSP_CURVE_BRAINPOOL_P256T1, xy, &error);
  g_assert_null (kp);
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_UNSUPPORTED);
  g_clear_error (&error);
  kp = ossp_key_pair_generate (OSSP_CURVE_BRAINPOOL_P256T1, &error);
  g_assert_null (kp);
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "brainpoolP256t1"));
}

static void
test_curve_names (void)
{
  g_autoptr(GError) error = NULL;
  OsspCurve c = 0;

  g_assert_true (ossp_curve_from_name ("prime256v1", &c, &error));
  g_assert_cmpint (c, ==, OSSP_CURVE_P256);
  g_assert_true (ossp_curve_from_name ("1", &c, &error));
  g_assert_cmpint (c, ==, OSSP_CURVE_P256);
  g_assert_true (ossp_curve_from_name ("brainpoolP256t1", &c, &error));
  g_assert_cmpint (c, ==, OSSP_CURVE_BRAINPOOL_P256T1);
  g_assert_no_error (error);
  g_assert_false (ossp_curve_from_name ("brainpoolP256r1", &c, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (ossp_curve_get_name (OSSP_CURVE_P256), ==, "prime256v1");
}

/* Our files read by openssl: same public key, same PKH. */
static void
test_save_openssl_reads (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *priv = NULL, *pub = NULL, *pwfile = NULL, *badpw = NULL;
  g_autofree char *ours = NULL, *theirs = NULL, *priv_text = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspKeyPair) kp = NULL;
  g_autoptr(OsspKeyPair) back = NULL;
  g_autoptr(OsspKeyPair) pub_back = NULL;
  guint8 xy[64], xy_openssl[64], pkh[32], pkh_openssl[32];
  struct stat st;

  if (!ossp_keys_test_have_openssl ())
    return;
  dir = ossp_test_make_tmpdir ();
  priv = g_build_filename (dir, "privateKey.pem", NULL);
  pub = g_build_filename (dir, "publicKey.pem", NULL);
  pwfile = ossp_keys_test_password_file (dir, PASSWORD);
  kp = ossp_key_pair_generate (OSSP_CURVE_P256, &error);
  g_assert_no_error (error);
  g_assert_true (ossp_key_pair_save_private (kp, priv, PASSWORD, OSSP_WRITE_FLAGS_NONE, &error));
  g_assert_no_error (error);
  g_assert_true (ossp_key_pair_save_public (kp, pub, OSSP_WRITE_FLAGS_NONE, &error));
  g_assert_no_error (error);

  g_assert_cmpint (stat (priv, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  /* the form we chose to write (docs/keys.md) */
  priv_text = read_text (priv);
  g_assert_true (g_str_has_prefix (priv_text, "-----BEGIN EC PRIVATE KEY-----\n"
                                              "Proc-Type: 4,ENCRYPTED\n"
                                              "DEK-Info: AES-256-CBC,"));
  g_assert_true (g_str_has_suffix (priv_text, "-----END EC PRIVATE KEY-----\n"));

  /* openssl decrypts it with the password and derives our public PEM */
  theirs = ossp_keys_test_openssl_pubout (priv, pwfile);
  g_assert_nonnull (theirs);
  ours = read_text (pub);
  g_assert_cmpstr (ours, ==, theirs);

  /* openssl refuses a wrong password */
  badpw = ossp_keys_test_password_file (dir, "not the password");
  g_free (theirs);
  theirs = ossp_keys_test_openssl_pubout (priv, badpw);
  g_assert_null (theirs);

  /* PKH in both forms equals the openssl recomputation */
  ossp_key_pair_get_public_raw (kp, xy);
  ossp_keys_test_openssl_raw (pub, xy_openssl);
  g_assert_cmpmem (xy, 64, xy_openssl, 64);
  ossp_key_pair_get_pkh (kp, FALSE, pkh);
  ossp_keys_test_openssl_pkh (pub, FALSE, pkh_openssl);
  g_assert_cmpmem (pkh, 32, pkh_openssl, 32);
  ossp_key_pair_get_pkh (kp, TRUE, pkh);
  ossp_keys_test_openssl_pkh (pub, TRUE, pkh_openssl);
  g_assert_cmpmem (pkh, 32, pkh_openssl, 32);

  /* and we read our own files back */
  back = ossp_key_pair_load_private (priv, PASSWORD, &error);
  g_assert_no_error (error);
  ossp_key_pair_get_public_raw (back, xy_openssl);
  g_assert_cmpmem (xy, 64, xy_openssl, 64);
  pub_back = ossp_key_pair_load_public (pub, &error);
  g_assert_no_error (error);
  ossp_key_pair_get_public_raw (pub_back, xy_openssl);
  g_assert_cmpmem (xy, 64, xy_openssl, 64);

  /* no overwrite without the flag; the file is left as it was */
  g_assert_false (ossp_key_pair_save_private (kp, priv, PASSWORD, OSSP_WRITE_FLAGS_NONE, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_EXISTS);
  g_clear_error (&error);
  g_free (ours);
  ours = read_text (priv);
  g_assert_cmpstr (ours, ==, priv_text);
  /* a private key is never written in clear */
  g_assert_false (ossp_key_pair_save_private (kp, priv, "", OSSP_WRITE_FLAGS_OVERWRITE, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT);
}

static void
test_wrong_password (void)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *priv = g_build_filename (dir, "k.pem", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspKeyPair) kp = ossp_key_pair_generate (OSSP_CURVE_P256, &error);
  OsspKeyPair *back;

  g_assert_true (ossp_key_pair_save_private (kp, priv, PASSWORD, OSSP_WRITE_FLAGS_NONE, &error));
  /* several tries: a wrong password passes the padding check 1 time in 256,
   * and must still be caught by the DER check */
  for (int i = 0; i < 20; i++)
    {
      g_autofree char *pw = g_strdup_printf ("wrong %d", i);
      back = ossp_key_pair_load_private (priv, pw, &error);
      g_assert_null (back);
      g_assert_error (error, OSSP_ERROR, OSSP_ERROR_BAD_PASSWORD);
      g_clear_error (&error);
    }
  back = ossp_key_pair_load_private (priv, NULL, &error);
  g_assert_null (back);
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_BAD_PASSWORD);
  g_assert_nonnull (strstr (error->message, "password"));
}

/* Keys made by openssl, in every form a user may bring. */
static void
check_openssl_key (const char *dir,
                   const char *key,
                   const char *password)
{
  g_autofree char *pub = g_strconcat (key, ".pub", NULL);
  g_autofree char *pwfile = password ? ossp_keys_test_password_file (dir, password) : NULL;
  g_autofree char *pass = password ? g_strdup_printf ("file:%s", pwfile) : g_strdup ("pass:");
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspKeyPair) kp = NULL;
  g_autofree char *err = NULL;
  guint8 xy[64], xy_openssl[64], digest[32] = { 1, 2, 3 }, rs[64];

  g_assert_cmpint (ossp_keys_test_tool (NULL, &err, "openssl", "ec", "-in", key, "-passin", pass,
                                        "-pubout", "-out", pub, NULL), ==, 0);
  kp = ossp_key_pair_load_private (key, password, &error);
  g_assert_no_error (error);
  g_assert_true (ossp_key_pair_has_private (kp));
  ossp_key_pair_get_public_raw (kp, xy);
  ossp_keys_test_openssl_raw (pub, xy_openssl);
  g_assert_cmpmem (xy, 64, xy_openssl, 64);
  /* the loaded key signs and the signature checks out */
  g_assert_true (ossp_key_pair_sign_digest (kp, digest, rs, &error));
  g_assert_true (ossp_key_pair_verify_digest (kp, digest, rs, &error));
  g_assert_no_error (error);
  if (password)
    {
      OsspKeyPair *bad = ossp_key_pair_load_private (key, "wrong", &error);
      g_assert_null (bad);
      g_assert_error (error, OSSP_ERROR, OSSP_ERROR_BAD_PASSWORD);
    }
}

static void
test_read_openssl_forms (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *plain = NULL, *trad = NULL, *pk8 = NULL, *pk8plain = NULL, *pwfile = NULL;
  g_autofree char *trad128 = NULL, *pass = NULL, *err = NULL;

  if (!ossp_keys_test_have_openssl ())
    return;
  dir = ossp_test_make_tmpdir ();
  plain = g_build_filename (dir, "plain.pem", NULL);
  trad = g_build_filename (dir, "trad.pem", NULL);
  trad128 = g_build_filename (dir, "trad128.pem", NULL);
  pk8 = g_build_filename (dir, "pk8.pem", NULL);
  pk8plain = g_build_filename (dir, "pk8plain.pem", NULL);
  pwfile = ossp_keys_test_password_file (dir, PASSWORD);
  pass = g_strdup_printf ("file:%s", pwfile);

  /* ecparam -genkey writes an "EC PARAMETERS" block first */
  g_assert_cmpint (ossp_keys_test_tool (NULL, &err, "openssl", "ecparam", "-name", "prime256v1",
                                        "-genkey", "-out", plain, NULL), ==, 0);
  g_assert_cmpint (ossp_keys_test_tool (NULL, NULL, "openssl", "ec", "-in", plain, "-aes256",
                                        "-passout", pass, "-out", trad, NULL), ==, 0);
  g_assert_cmpint (ossp_keys_test_tool (NULL, NULL, "openssl", "ec", "-in", plain, "-aes128",
                                        "-passout", pass, "-out", trad128, NULL), ==, 0);
  g_assert_cmpint (ossp_keys_test_tool (NULL, NULL, "openssl", "pkcs8", "-topk8", "-v2",
                                        "aes-256-cbc", "-in", plain, "-passout", pass,
                                        "-out", pk8, NULL), ==, 0);
  g_assert_cmpint (ossp_keys_test_tool (NULL, NULL, "openssl", "pkcs8", "-topk8", "-nocrypt",
                                        "-in", plain, "-out", pk8plain, NULL), ==, 0);

  check_openssl_key (dir, plain, NULL);
  check_openssl_key (dir, pk8plain, NULL);
  check_openssl_key (dir, trad, PASSWORD);
  check_openssl_key (dir, trad128, PASSWORD);
  check_openssl_key (dir, pk8, PASSWORD);
}

static void
expect_load_fails (const char *path,
                   gboolean    public_key,
                   int         code,
                   const char *needle)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspKeyPair) kp = public_key ? ossp_key_pair_load_public (path, &error)
                                         : ossp_key_pair_load_private (path, PASSWORD, &error);

  g_assert_null (kp);
  g_assert_error (error, OSSP_ERROR, code);
  if (needle && strstr (error->message, needle) == NULL)
    g_error ("\"%s\" not in error message: %s", needle, error->message);
}

static void
test_bad_keys (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *rsa = NULL, *p384 = NULL, *p384pub = NULL, *bp = NULL, *bppub = NULL;
  g_autofree char *good = NULL, *trunc = NULL, *text = NULL, *garbage = NULL, *goodpub = NULL;
  g_autofree char *truncpub = NULL, *bodycut = NULL, *pubtext = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspKeyPair) kp = NULL;

  if (!ossp_keys_test_have_openssl ())
    return;
  dir = ossp_test_make_tmpdir ();
  rsa = g_build_filename (dir, "rsa.pem", NULL);
  p384 = g_build_filename (dir, "p384.pem", NULL);
  p384pub = g_build_filename (dir, "p384pub.pem", NULL);
  bp = g_build_filename (dir, "bp.pem", NULL);
  bppub = g_build_filename (dir, "bppub.pem", NULL);
  good = g_build_filename (dir, "good.pem", NULL);
  goodpub = g_build_filename (dir, "goodpub.pem", NULL);
  trunc = g_build_filename (dir, "trunc.pem", NULL);
  truncpub = g_build_filename (dir, "truncpub.pem", NULL);
  bodycut = g_build_filename (dir, "bodycut.pem", NULL);
  garbage = g_build_filename (dir, "garbage.pem", NULL);

  g_assert_cmpint (ossp_keys_test_tool (NULL, NULL, "openssl", "genrsa", "-out", rsa, "2048", NULL), ==, 0);
  g_assert_cmpint (ossp_keys_test_tool (NULL, NULL, "openssl", "ecparam", "-name", "secp384r1",
                                        "-genkey", "-noout", "-out", p384, NULL), ==, 0);
  g_assert_cmpint (ossp_keys_test_tool (NULL, NULL, "openssl", "ec", "-in", p384, "-pubout",
                                        "-out", p384pub, NULL), ==, 0);
  g_assert_cmpint (ossp_keys_test_tool (NULL, NULL, "openssl", "ecparam", "-name", "brainpoolP256t1",
                                        "-genkey", "-noout", "-out", bp, NULL), ==, 0);
  g_assert_cmpint (ossp_keys_test_tool (NULL, NULL, "openssl", "ec", "-in", bp, "-pubout",
                                        "-out", bppub, NULL), ==, 0);

  expect_load_fails (rsa, FALSE, OSSP_ERROR_UNSUPPORTED, "RSA");
  expect_load_fails (p384, FALSE, OSSP_ERROR_UNSUPPORTED, "prime256v1");
  expect_load_fails (p384pub, TRUE, OSSP_ERROR_UNSUPPORTED, "prime256v1");
  expect_load_fails (bp, FALSE, OSSP_ERROR_UNSUPPORTED, "Brainpool");
  expect_load_fails (bppub, TRUE, OSSP_ERROR_UNSUPPORTED, "Brainpool");

  kp = ossp_key_pair_generate (OSSP_CURVE_P256, &error);
  g_assert_true (ossp_key_pair_save_private (kp, good, PASSWORD, OSSP_WRITE_FLAGS_NONE, &error));
  g_assert_true (ossp_key_pair_save_public (kp, goodpub, OSSP_WRITE_FLAGS_NONE, &error));
  g_assert_no_error (error);

  /* truncated: no END line */
  text = read_text (good);
  g_file_set_contents (trunc, text, (gssize) strlen (text) / 2, &error);
  expect_load_fails (trunc, FALSE, OSSP_ERROR_INVALID_DATA, "truncated");
  pubtext = read_text (goodpub);
  g_file_set_contents (truncpub, pubtext, (gssize) strlen (pubtext) - 30, &error);
  expect_load_fails (truncpub, TRUE, OSSP_ERROR_INVALID_DATA, "truncated");
  /* a whole base64 line missing inside the block */
  {
    g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
    g_autofree char *joined = NULL;
    guint n = g_strv_length (lines);
    g_assert_cmpuint (n, >, 6);
    g_free (lines[4]);
    lines[4] = g_strdup ("");
    joined = g_strjoinv ("\n", lines);
    g_file_set_contents (bodycut, joined, -1, &error);
    /* CBC cannot tell a missing middle from a wrong password: the last
     * block still unpads; the message names both causes */
    expect_load_fails (bodycut, FALSE, OSSP_ERROR_BAD_PASSWORD, "damaged");
  }
  g_file_set_contents (garbage, "hello\n", -1, &error);
  expect_load_fails (garbage, FALSE, OSSP_ERROR_INVALID_DATA, "no PEM");
  expect_load_fails (garbage, TRUE, OSSP_ERROR_INVALID_DATA, "no PEM");
  /* the wrong kind of file for the call */
  expect_load_fails (goodpub, FALSE, OSSP_ERROR_INVALID_DATA, "public key");
  expect_load_fails (good, TRUE, OSSP_ERROR_INVALID_DATA, "private key");
  /* missing file */
  {
    g_autofree char *missing = g_build_filename (dir, "nope.pem", NULL);
    expect_load_fails (missing, TRUE, OSSP_ERROR_NOT_FOUND, "nope.pem");
  }
}

static void
test_pkh_table_hash (void)
{
  g_autoptr(GError) error = NULL;
  guint8 table[8 * 32], pkhth[32], ref[32];

  if (!ossp_keys_test_have_openssl ())
    return;
  for (guint i = 0; i < 8; i++)
    {
      g_autoptr(OsspKeyPair) kp = ossp_key_pair_generate (OSSP_CURVE_P256, &error);
      g_assert_no_error (error);
      ossp_key_pair_get_pkh (kp, TRUE, table + 32 * i);
    }
  ossp_pkh_table_hash (table, 8, pkhth);
  ossp_keys_test_openssl_sha256 (table, sizeof table, ref);
  g_assert_cmpmem (pkhth, 32, ref, 32);
  ossp_pkh_table_hash (table, 1, pkhth);
  ossp_keys_test_openssl_sha256 (table, 32, ref);
  g_assert_cmpmem (pkhth, 32, ref, 32);
}

/* Our raw r||s against openssl's DER signature tools, both directions. */
static void
test_signature_interop (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *priv = NULL, *pub = NULL, *data = NULL, *sig = NULL, *pwfile = NULL, *pass = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspKeyPair) kp = NULL;
  g_autoptr(GBytes) osig = NULL;
  guint8 digest[32], rs[64], der[72];
  gsize der_len;
  const char msg[] = "OpenSSP signature interop";

  if (!ossp_keys_test_have_openssl ())
    return;
  dir = ossp_test_make_tmpdir ();
  priv = g_build_filename (dir, "k.pem", NULL);
  pub = g_build_filename (dir, "p.pem", NULL);
  data = g_build_filename (dir, "data.bin", NULL);
  sig = g_build_filename (dir, "sig.der", NULL);
  pwfile = ossp_keys_test_password_file (dir, PASSWORD);
  pass = g_strdup_printf ("file:%s", pwfile);
  kp = ossp_key_pair_generate (OSSP_CURVE_P256, &error);
  g_assert_true (ossp_key_pair_save_private (kp, priv, PASSWORD, OSSP_WRITE_FLAGS_NONE, &error));
  g_assert_true (ossp_key_pair_save_public (kp, pub, OSSP_WRITE_FLAGS_NONE, &error));
  g_file_set_contents (data, msg, -1, &error);
  g_assert_no_error (error);

  /* ours -> openssl */
  gnutls_hash_fast (GNUTLS_DIG_SHA256, msg, strlen (msg), digest);
  g_assert_true (ossp_key_pair_sign_digest (kp, digest, rs, &error));
  der_len = ossp_ecdsa_signature_to_der (rs, der);
  g_file_set_contents (sig, (const char *) der, (gssize) der_len, &error);
  g_assert_cmpint (ossp_keys_test_tool (NULL, &err, "openssl", "dgst", "-sha256", "-verify", pub,
                                        "-signature", sig, data, NULL), ==, 0);

  /* openssl -> ours */
  g_assert_cmpint (ossp_keys_test_tool (&osig, NULL, "openssl", "dgst", "-sha256", "-sign", priv,
                                        "-passin", pass, data, NULL), ==, 0);
  g_assert_true (ossp_ecdsa_signature_from_der (g_bytes_get_data (osig, NULL),
                                                g_bytes_get_size (osig), rs, &error));
  g_assert_no_error (error);
  g_assert_true (ossp_key_pair_verify_digest (kp, digest, rs, &error));
  g_assert_no_error (error);

  /* DER round trip and rejects */
  der_len = ossp_ecdsa_signature_to_der (rs, der);
  {
    guint8 rs2[64];
    g_assert_true (ossp_ecdsa_signature_from_der (der, der_len, rs2, &error));
    g_assert_cmpmem (rs, 64, rs2, 64);
    g_assert_false (ossp_ecdsa_signature_from_der (der, der_len - 1, rs2, &error));
    g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/key-pair/generate-sign-verify", test_generate_sign_verify);
  g_test_add_func ("/key-pair/raw-public-bad", test_raw_public_bad);
  g_test_add_func ("/key-pair/curve-names", test_curve_names);
  g_test_add_func ("/key-pair/save-openssl-reads", test_save_openssl_reads);
  g_test_add_func ("/key-pair/wrong-password", test_wrong_password);
  g_test_add_func ("/key-pair/read-openssl-forms", test_read_openssl_forms);
  g_test_add_func ("/key-pair/bad-keys", test_bad_keys);
  g_test_add_func ("/key-pair/pkh-table-hash", test_pkh_table_hash);
  g_test_add_func ("/key-pair/signature-interop", test_signature_interop);
  return g_test_run ();
}
