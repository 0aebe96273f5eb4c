/* test-cli-image.c — `openssp image` against code nobody here wrote:
 * mkimage/dumpimage (u-boot-tools) and openssl
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ossp-keys-test-helper.h"

#define ADDR "0x2ffc2500"

typedef struct {
  char *dir;
  char *payload;     /* 1000 random-ish bytes */
  char *key;         /* openssl P-256 key, unencrypted */
  char *pub;
  char *key_enc;     /* the same key, AES-256-CBC, password "secret" */
  char *pw_file;
} Fixture;

static char *
path_in (Fixture *f, const char *name)
{
  return g_build_filename (f->dir, name, NULL);
}

static void
openssl_ok (const char *first, ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL, *err = NULL;
  const char *a;
  va_list ap;

  g_ptr_array_add (args, (gpointer) "openssl");
  g_ptr_array_add (args, (gpointer) first);
  va_start (ap, first);
  while ((a = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (args, (gpointer) a);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  proc = g_subprocess_newv ((const char * const *) args->pdata,
                            G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  if (g_subprocess_get_exit_status (proc) != 0)
    g_error ("openssl %s failed: %s", first, err);
}

static void
make_key (Fixture *f, const char *stem, char **key, char **pub)
{
  g_autofree char *k = g_strdup_printf ("%s/%s.pem", f->dir, stem);
  g_autofree char *p = g_strdup_printf ("%s/%s.pub.pem", f->dir, stem);

  openssl_ok ("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", k, NULL);
  openssl_ok ("ec", "-in", k, "-pubout", "-out", p, NULL);
  if (key)
    *key = g_steal_pointer (&k);
  if (pub)
    *pub = g_steal_pointer (&p);
}

static gboolean
fixture_setup (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *data = g_malloc (1000);
  g_autofree char *pass = NULL;

  if (!ossp_keys_test_have_openssl ())
    return FALSE;
  f->dir = ossp_test_make_tmpdir ();
  for (guint i = 0; i < 1000; i++)
    data[i] = (guint8) g_random_int ();
  f->payload = path_in (f, "payload.bin");
  g_assert_true (g_file_set_contents (f->payload, (char *) data, 1000, &error));
  make_key (f, "privateKey", &f->key, &f->pub);
  f->pw_file = ossp_keys_test_password_file (f->dir, "secret");
  f->key_enc = path_in (f, "privateKey-enc.pem");
  pass = g_strdup_printf ("file:%s", f->pw_file);
  openssl_ok ("ec", "-in", f->key, "-aes256", "-passout", pass, "-out", f->key_enc, NULL);
  return TRUE;
}

static void
fixture_clear (Fixture *f)
{
  g_free (f->dir);
  g_free (f->payload);
  g_free (f->key);
  g_free (f->pub);
  g_free (f->key_enc);
  g_free (f->pw_file);
}

static gboolean
have_mkimage (void)
{
  if (ossp_test_have_program ("mkimage") && ossp_test_have_program ("dumpimage"))
    return TRUE;
  g_test_skip ("mkimage/dumpimage (u-boot-tools) are not installed");
  return FALSE;
}

static GBytes *
read_all (const char *path)
{
  g_autoptr(GError) error = NULL;
  GBytes *b = ossp_file_read_bytes (path, 256 * 1024 * 1024, &error);
  g_assert_no_error (error);
  return b;
}

static void
write_all (const char *path, const guint8 *data, gsize len)
{
  g_autoptr(GError) error = NULL;
  g_assert_true (g_file_set_contents (path, (const char *) data, (gssize) len, &error));
}

/* r||s → DER ECDSA-Sig-Value, written here so that openssl checks our raw
 * signature without trusting our own conversion */
static GBytes *
rs_to_der (const guint8 *rs)
{
  GByteArray *der = g_byte_array_new ();
  guint8 ints[2][35];
  gsize lens[2];

  for (guint h = 0; h < 2; h++)
    {
      const guint8 *v = rs + 32 * h;
      gsize skip = 0, n;
      while (skip < 31 && v[skip] == 0)
        skip++;
      n = 0;
      ints[h][n++] = 0x02;
      ints[h][n++] = (guint8) (32 - skip + ((v[skip] & 0x80) ? 1 : 0));
      if (v[skip] & 0x80)
        ints[h][n++] = 0x00;
      memcpy (ints[h] + n, v + skip, 32 - skip);
      lens[h] = n + 32 - skip;
    }
  g_byte_array_append (der, (const guint8 *) "\x30", 1);
  {
    guint8 l = (guint8) (lens[0] + lens[1]);
    g_byte_array_append (der, &l, 1);
  }
  g_byte_array_append (der, ints[0], (guint) lens[0]);
  g_byte_array_append (der, ints[1], (guint) lens[1]);
  return g_byte_array_free_to_bytes (der);
}

/* openssl dgst -sha256 -verify over bytes [0x48, end) of @image */
static void
assert_openssl_verifies (Fixture *f, const char *image, const char *pub)
{
  g_autoptr(GBytes) img = read_all (image);
  g_autoptr(GBytes) der = NULL;
  g_autofree char *tbs = path_in (f, "tbs-check.bin");
  g_autofree char *sig = path_in (f, "sig-check.der");
  g_autoptr(GBytes) out = NULL;
  g_autofree char *err = NULL;
  const guint8 *p = g_bytes_get_data (img, NULL);
  gsize len = g_bytes_get_size (img);
  int status;

  write_all (tbs, p + 0x48, len - 0x48);
  der = rs_to_der (p + 4);
  write_all (sig, g_bytes_get_data (der, NULL), g_bytes_get_size (der));
  status = ossp_keys_test_tool (&out, &err, "openssl", "dgst", "-sha256", "-verify", pub,
                                "-signature", sig, tbs, NULL);
  g_test_message ("openssl dgst -sha256 -verify %s -signature sig.der tbs.bin: %.*s", pub,
                  (int) g_bytes_get_size (out), (const char *) g_bytes_get_data (out, NULL));
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (g_strstr_len (g_bytes_get_data (out, NULL), (gssize) g_bytes_get_size (out), "Verified OK"));
}

static JsonObject *
run_json_ok (JsonNode **keep, const char *first, ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(OsspTestRun) run = NULL;
  const char *a;
  va_list ap;

  g_ptr_array_add (args, (gpointer) "--json");
  g_ptr_array_add (args, (gpointer) first);
  va_start (ap, first);
  while ((a = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (args, (gpointer) a);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  run = ossp_test_run_cliv (NULL, (const char * const *) args->pdata);
  if (run->exit_status != 0)
    g_error ("openssp %s failed (%d): %s %s", first, run->exit_status, run->out, run->err);
  *keep = ossp_test_run_json (run);
  return json_node_get_object (*keep);
}

/* The JSON failure of a run: exit code and error object. */
static JsonObject *
run_json_fail (JsonNode **keep, int exit_code, const char * const *args)
{
  g_autoptr(OsspTestRun) run = ossp_test_run_cliv (NULL, args);

  g_test_message ("%s -> %d: %s", args[1], run->exit_status, run->out);
  g_assert_cmpint (run->exit_status, ==, exit_code);
  *keep = ossp_test_run_json (run);
  return json_object_get_object_member (json_node_get_object (*keep), "error");
}

static char *
mkimage_v1 (Fixture *f, const char *name)
{
  char *out = path_in (f, name);
  g_autoptr(GBytes) so = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint (ossp_keys_test_tool (&so, &err, "mkimage", "-T", "stm32image", "-a", ADDR, "-e", ADDR,
                                        "-d", f->payload, out, NULL), ==, 0);
  return out;
}

/* mkimage writes, we read; we write, mkimage and dumpimage read. */
static void
test_cli_image_mkimage_interop (void)
{
  Fixture f = { 0 };
  g_autofree char *mk = NULL, *ours = NULL, *mk_list = NULL, *ours_list = NULL, *checksum = NULL;
  g_autoptr(JsonNode) n1 = NULL;
  g_autoptr(JsonNode) n2 = NULL;
  g_autoptr(GBytes) a = NULL, b = NULL, so = NULL, so2 = NULL;
  JsonObject *o;

  if (!have_mkimage () || !fixture_setup (&f))
    return;
  mk = mkimage_v1 (&f, "mk.stm32");
  o = run_json_ok (&n1, "image", "inspect", mk, NULL);
  g_assert_cmpstr (json_object_get_string_member (o, "header_version"), ==, "1.0");
  g_assert_cmpint (json_object_get_int_member (o, "image_length"), ==, 1000);
  g_assert_cmpint (json_object_get_int_member (o, "entry_point"), ==, 0x2ffc2500);
  g_assert_cmpint (json_object_get_int_member (o, "load_address"), ==, 0x2ffc2500);
  g_assert_cmpint (json_object_get_int_member (o, "option_flags"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (o, "ecdsa_algorithm"), ==, 1);
  g_assert_false (json_object_get_boolean_member (o, "signed"));

  /* mkimage's own listing gives the same checksum */
  g_assert_cmpint (ossp_keys_test_tool (&so, NULL, "mkimage", "-l", mk, NULL), ==, 0);
  mk_list = g_strndup (g_bytes_get_data (so, NULL), g_bytes_get_size (so));
  checksum = g_strdup_printf ("0x%08" G_GINT64_MODIFIER "x", json_object_get_int_member (o, "checksum"));
  g_assert_nonnull (strstr (mk_list, checksum));

  /* our unsigned header is byte for byte mkimage's */
  ours = path_in (&f, "ours.stm32");
  o = run_json_ok (&n2, "image", "build", "--chip", "stm32mp15", "--in", f.payload,
                   "--entry-point", ADDR, "--out", ours, NULL);
  a = read_all (mk);
  b = read_all (ours);
  g_assert_true (g_bytes_equal (a, b));
  g_assert_cmpint (ossp_keys_test_tool (&so2, NULL, "dumpimage", "-T", "stm32image", "-l", ours, NULL), ==, 0);
  ours_list = g_strndup (g_bytes_get_data (so2, NULL), g_bytes_get_size (so2));
  g_assert_nonnull (strstr (ours_list, checksum));
  g_assert_nonnull (strstr (ours_list, "Entry Point  : " ADDR));
  g_assert_nonnull (strstr (ours_list, "STM32 V1.0"));

  g_test_message ("mkimage -T stm32imagev2 is not in this u-boot-tools (platform.md §1b): v2 is "
                  "checked against the spec's bytes in test-image");
  fixture_clear (&f);
}

/* mkimage's unsigned image → we sign → openssl and dumpimage accept it */
static void
test_cli_image_sign_openssl (void)
{
  Fixture f = { 0 };
  g_autofree char *mk = NULL, *signed_v1 = NULL, *signed_v2 = NULL, *pkh_hex = NULL, *list = NULL;
  g_autoptr(JsonNode) n1 = NULL, n2 = NULL, n3 = NULL;
  g_autoptr(GBytes) so = NULL;
  guint8 pkh[32];
  JsonObject *o;

  if (!have_mkimage () || !fixture_setup (&f))
    return;
  mk = mkimage_v1 (&f, "mk.stm32");
  signed_v1 = path_in (&f, "signed-v1.stm32");
  o = run_json_ok (&n1, "image", "sign", "--chip", "stm32mp15", "--in", mk, "--key", f.key_enc,
                   "--password-file", f.pw_file, "--out", signed_v1, NULL);
  o = json_object_get_object_member (o, "header");
  g_assert_true (json_object_get_boolean_member (o, "signed"));
  g_assert_cmpint (json_object_get_int_member (o, "option_flags"), ==, 0);
  assert_openssl_verifies (&f, signed_v1, f.pub);

  /* the PKH openssl computes is the one the image carries and verify accepts */
  ossp_keys_test_openssl_pkh (f.pub, FALSE, pkh);
  pkh_hex = ossp_hex_encode (pkh, 32);
  g_assert_cmpstr (json_object_get_string_member (o, "pkh"), ==, pkh_hex);
  o = run_json_ok (&n2, "image", "verify", signed_v1, "--pkh", pkh_hex, "--pubkey", f.pub, NULL);
  g_assert_true (json_object_get_boolean_member (o, "ok"));

  g_assert_cmpint (ossp_keys_test_tool (&so, NULL, "dumpimage", "-T", "stm32image", "-l", signed_v1, NULL), ==, 0);
  list = g_strndup (g_bytes_get_data (so, NULL), g_bytes_get_size (so));
  g_assert_nonnull (strstr (list, "Option     : 0x00000000"));

  /* v2.0 from a raw binary, openssl-checked the same way */
  signed_v2 = path_in (&f, "signed-v2.stm32");
  run_json_ok (&n3, "image", "sign", "--chip", "stm32mp13", "--in", f.payload, "--entry-point", "0x2ffe0000",
               "--key", f.key, "--pubkey", f.pub, "--out", signed_v2, NULL);
  assert_openssl_verifies (&f, signed_v2, f.pub);
  fixture_clear (&f);
}

static OsspTestRun *
run_args (const char *first, ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  const char *a;
  va_list ap;

  g_ptr_array_add (args, (gpointer) first);
  va_start (ap, first);
  while ((a = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (args, (gpointer) a);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  return ossp_test_run_cliv (NULL, (const char * const *) args->pdata);
}

/* Factory scripts written for STM32MP_SigningTool_CLI keep working. */
static void
test_cli_image_signingtool_aliases (void)
{
  Fixture f = { 0 };
  g_autofree char *v1 = NULL, *v2 = NULL;
  char *keys[8] = { NULL }, *pubs[8] = { NULL };
  g_autoptr(OsspTestRun) r1 = NULL, r2 = NULL, r3 = NULL, r4 = NULL;
  g_autoptr(JsonNode) n1 = NULL, n2 = NULL;
  JsonObject *o;

  if (!fixture_setup (&f))
    return;
  v1 = path_in (&f, "st-v1.stm32");
  r1 = run_args ("image", "-bin", f.payload, "-pubk", f.pub, "-prvk", f.key_enc, "-pwd", "secret",
                 "-o", v1, "-t", "fsbl", "-iv", "5", "-ep", ADDR, "-la", ADDR, "-hv", "1", NULL);
  g_test_message ("%s%s", r1->out, r1->err);
  g_assert_cmpint (r1->exit_status, ==, 0);
  g_assert_nonnull (strstr (r1->err, "visible"));
  o = run_json_ok (&n1, "image", "verify", v1, "--pubkey", f.pub, NULL);
  g_assert_true (json_object_get_boolean_member (o, "ok"));
  o = run_json_ok (&n2, "image", "inspect", v1, NULL);
  g_assert_cmpint (json_object_get_int_member (o, "image_version"), ==, 5);
  g_assert_cmpint (json_object_get_int_member (o, "binary_type"), ==, 0x10);
  g_assert_cmpint (json_object_get_int_member (o, "entry_point"), ==, 0x2ffc2500);
  assert_openssl_verifies (&f, v1, f.pub);

  /* MP13: eight -pubk files, the signer found in the table, -of without bit 31, -s silent, -dump */
  for (guint i = 0; i < 8; i++)
    {
      g_autofree char *stem = g_strdup_printf ("privateKey%02u", i);
      make_key (&f, stem, &keys[i], &pubs[i]);
    }
  v2 = path_in (&f, "st-v2.stm32");
  r2 = run_args ("image", "-bin", f.payload, "-pubk", pubs[0], pubs[1], pubs[2], pubs[3], pubs[4],
                 pubs[5], pubs[6], pubs[7], "-prvk", keys[6], "-o", v2, "-t", "fsbl", "-hv", "2",
                 "-of", "0x00000001", "-ep", "0x2ffe0000", "-s", NULL);
  g_test_message ("%s%s", r2->out, r2->err);
  g_assert_cmpint (r2->exit_status, ==, 0);
  g_assert_cmpstr (r2->out, ==, "");
  g_assert_nonnull (strstr (r2->err, "bit 31"));
  r3 = run_args ("image", "-dump", v2, NULL);
  g_assert_cmpint (r3->exit_status, ==, 0);
  g_assert_nonnull (strstr (r3->out, "Key index                      6 of 8"));
  g_assert_nonnull (strstr (r3->out, "0x80000001"));
  assert_openssl_verifies (&f, v2, pubs[6]);

  /* SigningTool refuses a header version that differs from the image's */
  r4 = run_args ("image", "-bin", v1, "-prvk", f.key, "-hv", "2", "-o", v2, NULL);
  g_assert_cmpint (r4->exit_status, ==, 11);
  g_assert_nonnull (strstr (r4->err, "Invalid header version"));
  for (guint i = 0; i < 8; i++)
    {
      g_free (keys[i]);
      g_free (pubs[i]);
    }
  fixture_clear (&f);
}

/* A company PKI signs outside: digest → openssl → attach-signature. */
static void
test_cli_image_offline (void)
{
  Fixture f = { 0 };
  g_autofree char *prep = NULL, *tbs = NULL, *dig = NULL, *sig = NULL, *out = NULL, *out2 = NULL;
  g_autofree char *raw_sig = NULL, *bad_sig = NULL, *other = NULL, *other_pub = NULL;
  g_autoptr(JsonNode) n1 = NULL, n2 = NULL, n3 = NULL, n4 = NULL, n5 = NULL;
  g_autoptr(GBytes) tbs_bytes = NULL, dig_bytes = NULL, img = NULL;
  g_autofree char *dig_hex = NULL;
  guint8 sha[32];
  JsonObject *o, *err;

  if (!fixture_setup (&f))
    return;
  prep = path_in (&f, "prep.stm32");
  tbs = path_in (&f, "tbs.bin");
  dig = path_in (&f, "digest.bin");
  sig = path_in (&f, "sig.der");
  out = path_in (&f, "signed.stm32");
  o = run_json_ok (&n1, "image", "digest", "--chip", "stm32mp25", "--in", f.payload, "--entry-point", "0x0e012000",
                   "--pubkey", f.pub, "--out", prep, "--tbs-out", tbs, "--digest-out", dig, NULL);
  tbs_bytes = read_all (tbs);
  dig_bytes = read_all (dig);
  ossp_keys_test_openssl_sha256 (g_bytes_get_data (tbs_bytes, NULL), g_bytes_get_size (tbs_bytes), sha);
  g_assert_cmpmem (g_bytes_get_data (dig_bytes, NULL), 32, sha, 32);
  dig_hex = ossp_hex_encode (sha, 32);
  g_assert_cmpstr (json_object_get_string_member (o, "digest"), ==, dig_hex);
  g_assert_cmpuint (g_bytes_get_size (tbs_bytes), ==, 0x200 + 1000 - 0x48);

  openssl_ok ("dgst", "-sha256", "-sign", f.key, "-out", sig, tbs, NULL);
  o = run_json_ok (&n2, "image", "attach-signature", "--in", prep, "--signature", sig, "--out", out, NULL);
  o = run_json_ok (&n3, "image", "verify", out, "--pubkey", f.pub, NULL);
  g_assert_true (json_object_get_boolean_member (o, "ok"));

  /* the same signature as raw r||s */
  img = read_all (out);
  raw_sig = path_in (&f, "sig.raw");
  write_all (raw_sig, (const guint8 *) g_bytes_get_data (img, NULL) + 4, 64);
  out2 = path_in (&f, "signed2.stm32");
  run_json_ok (&n4, "image", "attach-signature", "--in", prep, "--signature", raw_sig, "--out", out2, NULL);

  /* a signature by another key is refused and nothing is written */
  make_key (&f, "other", &other, &other_pub);
  bad_sig = path_in (&f, "bad.der");
  openssl_ok ("dgst", "-sha256", "-sign", other, "-out", bad_sig, tbs, NULL);
  {
    g_autofree char *out3 = path_in (&f, "signed3.stm32");
    const char *args[] = { "--json", "image", "attach-signature", "--in", prep, "--signature", bad_sig,
                           "--out", out3, NULL };
    err = run_json_fail (&n5, 12, args);
    g_assert_nonnull (strstr (json_object_get_string_member (err, "message"), "does not verify"));
    g_assert_false (g_file_test (out3, G_FILE_TEST_EXISTS));
  }
  fixture_clear (&f);
}

static char *
patched_copy (Fixture *f, const char *src, const char *name, gsize truncate_to, gssize off, guint8 xor_mask)
{
  g_autoptr(GBytes) b = read_all (src);
  g_autofree guint8 *c = g_memdup2 (g_bytes_get_data (b, NULL), g_bytes_get_size (b));
  char *path = path_in (f, name);
  gsize len = truncate_to ? truncate_to : g_bytes_get_size (b);

  if (off >= 0)
    c[off] ^= xor_mask;
  write_all (path, c, len);
  return path;
}

static void
test_cli_image_bad_input (void)
{
  Fixture f = { 0 };
  g_autofree char *good = NULL, *k1 = NULL, *p1 = NULL, *out = NULL;
  g_autoptr(JsonNode) n0 = NULL;

  if (!fixture_setup (&f))
    return;
  good = path_in (&f, "good.stm32");
  out = path_in (&f, "out.stm32");
  run_json_ok (&n0, "image", "sign", "--chip", "stm32mp15", "--in", f.payload, "--entry-point", ADDR,
               "--key", f.key, "--out", good, NULL);
  make_key (&f, "k1", &k1, &p1);

  {
    struct { const char *name; gsize trunc; gssize off; guint8 mask; int exit_code; const char *code; const char *text; } cases[] = {
      { "truncated.stm32", 200, -1, 0, 3, "invalid-data", "truncated" },
      { "magic.stm32", 0, 0, 0x20, 3, "invalid-data", "magic" },
      { "short-payload.stm32", 0x100 + 999, -1, 0, 3, "invalid-data", "image_length" },
      { "version.stm32", 0, 0x4A, 0x02, 10, "unsupported", "version" },
    };
    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_autofree char *bad = patched_copy (&f, good, cases[i].name, cases[i].trunc, cases[i].off, cases[i].mask);
        const char *verbs[] = { "inspect", "verify", "sign" };
        for (guint v = 0; v < G_N_ELEMENTS (verbs); v++)
          {
            g_autoptr(JsonNode) n = NULL;
            const char *args[] = { "--json", "image", verbs[v], "--in", bad, "--key", f.key, "--out", out, NULL };
            gboolean signing = g_str_equal (verbs[v], "sign");
            JsonObject *err;
            if (!signing)
              args[5] = NULL;
            /* without the magic, sign takes the file for a raw binary (as
             * SigningTool does) and asks for the fields of a new header */
            if (signing && cases[i].off == 0)
              {
                err = run_json_fail (&n, 2, args);
                g_assert_nonnull (strstr (json_object_get_string_member (err, "message"), "no STM32 header"));
                continue;
              }
            err = run_json_fail (&n, cases[i].exit_code, args);
            g_assert_cmpstr (json_object_get_string_member (err, "code"), ==, cases[i].code);
            if (strstr (json_object_get_string_member (err, "message"), cases[i].text) == NULL)
              g_error ("%s: \"%s\" lacks \"%s\"", cases[i].name,
                       json_object_get_string_member (err, "message"), cases[i].text);
            g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
          }
      }
  }

  /* a bad checksum: verify names it; sign refuses to sign over it */
  {
    g_autofree char *bad = patched_copy (&f, good, "checksum.stm32", 0, 0x44, 0x01);
    g_autoptr(JsonNode) n1 = NULL, n2 = NULL;
    const char *vargs[] = { "--json", "image", "verify", bad, NULL };
    const char *sargs[] = { "--json", "image", "sign", "--in", bad, "--key", f.key, "--out", out, NULL };
    JsonObject *err = run_json_fail (&n1, 12, vargs);
    JsonArray *details = json_object_get_array_member (err, "details");
    gboolean named = FALSE;
    for (guint i = 0; i < json_array_get_length (details); i++)
      {
        JsonObject *d = json_array_get_object_element (details, i);
        if (g_str_equal (json_object_get_string_member (d, "where"), "checksum"))
          named = g_str_equal (json_object_get_string_member (d, "status"), "fail");
      }
    g_assert_true (named);
    err = run_json_fail (&n2, 12, sargs);
    g_assert_nonnull (strstr (json_object_get_string_member (err, "message"), "checksum"));
  }

  /* wrong key for the PKH at the key index */
  {
    g_autoptr(JsonNode) n = NULL;
    const char *args[] = { "--json", "image", "sign", "--chip", "stm32mp13", "--in", f.payload,
                           "--entry-point", "0x2ffe0000", "--key", k1, "--pubkey", f.pub, "--pubkey", p1,
                           "--key-index", "0", "--out", out, NULL };
    JsonObject *err = run_json_fail (&n, 11, args);
    g_assert_nonnull (strstr (json_object_get_string_member (err, "message"), "Wrong key for PKH"));
  }
  /* a raw binary without the fields a header needs */
  {
    g_autoptr(JsonNode) n = NULL;
    const char *args[] = { "--json", "image", "sign", "--in", f.payload, "--key", f.key, "--out", out, NULL };
    JsonObject *err = run_json_fail (&n, 2, args);
    g_assert_nonnull (strstr (json_object_get_string_member (err, "message"), "--chip"));
  }
  fixture_clear (&f);
}

/* Tamper one bit of a signed file: verify fails and names the check. */
static void
test_cli_image_tamper (void)
{
  Fixture f = { 0 };
  g_autofree char *good = NULL, *pkh_file = NULL;
  g_autoptr(JsonNode) n0 = NULL;
  guint8 pkh[32];
  struct { const char *name; gssize off; const char *fails; } cases[] = {
    { "payload", 0x200 + 500, "checksum,signature" },
    { "header field", 0x50, "signature" },
    { "signature", 0x30, "signature" },
    { "key", 0x94 + 3, "signature,key-table,pkh" },
  };

  if (!fixture_setup (&f))
    return;
  good = path_in (&f, "good.stm32");
  run_json_ok (&n0, "image", "sign", "--chip", "stm32mp25", "--in", f.payload, "--entry-point", "0x0e012000",
               "--key", f.key, "--pubkey", f.pub, "--out", good, NULL);
  ossp_keys_test_openssl_pkh (f.pub, TRUE, pkh);
  pkh_file = path_in (&f, "publicKeyHash00.bin");
  write_all (pkh_file, pkh, 32);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("tamper-%u.stm32", i);
      g_autofree char *bad = patched_copy (&f, good, name, 0, cases[i].off, 0x10);
      g_autoptr(JsonNode) n = NULL;
      g_autoptr(GString) failed = g_string_new (NULL);
      const char *args[] = { "--json", "image", "verify", bad, "--pkh", pkh_file, NULL };
      JsonObject *err = run_json_fail (&n, 12, args);
      JsonArray *details = json_object_get_array_member (err, "details");
      for (guint d = 0; d < json_array_get_length (details); d++)
        {
          JsonObject *o = json_array_get_object_element (details, d);
          if (g_str_equal (json_object_get_string_member (o, "status"), "fail"))
            g_string_append_printf (failed, "%s%s", failed->len ? "," : "",
                                    json_object_get_string_member (o, "where"));
        }
      g_test_message ("tamper %s: failed %s", cases[i].name, failed->str);
      g_assert_cmpstr (failed->str, ==, cases[i].fails);
    }
  fixture_clear (&f);
}

/* PKH / PKHTH / OTP words computed by openssl, checked by verify */
static void
test_cli_image_verify_hashes (void)
{
  Fixture f = { 0 };
  g_autofree char *v1 = NULL, *v2 = NULL;
  char *keys[3] = { NULL }, *pubs[3] = { NULL };
  g_autofree char *pkh_hex = NULL, *pkhth_hex = NULL, *words = NULL;
  g_autoptr(JsonNode) n0 = NULL, n1 = NULL, n2 = NULL, n3 = NULL, n4 = NULL, n5 = NULL, n6 = NULL;
  guint8 pkh[32], table[96], pkhth[32];
  guint32 w[8];
  JsonObject *o;

  if (!fixture_setup (&f))
    return;
  v1 = path_in (&f, "v1.stm32");
  run_json_ok (&n0, "image", "sign", "--chip", "stm32mp15", "--in", f.payload, "--entry-point", ADDR,
               "--key", f.key, "--out", v1, NULL);
  ossp_keys_test_openssl_pkh (f.pub, FALSE, pkh);
  pkh_hex = ossp_hex_encode (pkh, 32);
  o = run_json_ok (&n1, "image", "verify", v1, "--pkh", pkh_hex, NULL);
  g_assert_true (json_object_get_boolean_member (o, "ok"));
  /* OTP words 24..31 as the chip would hold them (format 1, big-endian per word) */
  for (guint i = 0; i < 8; i++)
    w[i] = ((guint32) pkh[4 * i] << 24) | ((guint32) pkh[4 * i + 1] << 16) | ((guint32) pkh[4 * i + 2] << 8) | pkh[4 * i + 3];
  words = g_strdup_printf ("0x%08x,0x%08x,0x%08x,0x%08x,0x%08x,0x%08x,0x%08x,0x%08x",
                           w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]);
  o = run_json_ok (&n2, "image", "verify", v1, "--otp-words", words, NULL);
  g_assert_true (json_object_get_boolean_member (o, "ok"));
  {
    const char *args[] = { "--json", "image", "verify", v1, "--pkh",
                           "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", NULL };
    run_json_fail (&n3, 12, args);
  }

  /* v2 with three keys: PKHTH = SHA-256 of the three openssl-computed PKHs */
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *stem = g_strdup_printf ("privateKey%02u", i);
      make_key (&f, stem, &keys[i], &pubs[i]);
      ossp_keys_test_openssl_pkh (pubs[i], TRUE, table + 32 * i);
    }
  ossp_keys_test_openssl_sha256 (table, 96, pkhth);
  pkhth_hex = ossp_hex_encode (pkhth, 32);
  v2 = path_in (&f, "v2.stm32");
  run_json_ok (&n4, "image", "sign", "--chip", "stm32mp13", "--in", f.payload, "--entry-point", "0x2ffe0000",
               "--key", keys[1], "--pubkey", pubs[0], "--pubkey", pubs[1], "--pubkey", pubs[2], "--out", v2, NULL);
  o = run_json_ok (&n5, "image", "verify", v2, "--pkhth", pkhth_hex, "--pubkey", pubs[1], NULL);
  g_assert_true (json_object_get_boolean_member (o, "ok"));
  {
    const char *args[] = { "--json", "image", "verify", v2, "--pkhth", pkh_hex, NULL };
    JsonObject *err = run_json_fail (&n6, 12, args);
    g_assert_nonnull (strstr (json_object_get_string_member (err, "message"), "pkhth"));
  }
  for (guint i = 0; i < 3; i++)
    {
      g_free (keys[i]);
      g_free (pubs[i]);
    }
  fixture_clear (&f);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/image/mkimage-interop", test_cli_image_mkimage_interop);
  g_test_add_func ("/cli/image/sign-openssl", test_cli_image_sign_openssl);
  g_test_add_func ("/cli/image/signingtool-aliases", test_cli_image_signingtool_aliases);
  g_test_add_func ("/cli/image/offline", test_cli_image_offline);
  g_test_add_func ("/cli/image/bad-input", test_cli_image_bad_input);
  g_test_add_func ("/cli/image/tamper", test_cli_image_tamper);
  g_test_add_func ("/cli/image/verify-hashes", test_cli_image_verify_hashes);
  return g_test_run ();
}
