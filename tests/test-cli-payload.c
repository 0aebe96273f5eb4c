/* test-cli-payload.c — `openssp payload build|inspect`, JSON and exit codes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>
#include <glib/gstdio.h>

#include "ossp-payload-test-helper.h"

static OsspTestRun *
run_build (OsspPayloadFixture *fx, ...) G_GNUC_NULL_TERMINATED;

/* `payload build` with the fixture's inputs, then the extra arguments */
static OsspTestRun *
run_build (OsspPayloadFixture *fx, ...)
{
  g_autoptr(GPtrArray) args = ossp_payload_fixture_cli_args (fx);
  const char *arg;
  va_list ap;

  va_start (ap, fx);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  return ossp_test_run_cliv (NULL, (const char * const *) args->pdata);
}

static JsonObject *
error_of (JsonNode *root)
{
  return json_object_get_object_member (json_node_get_object (root), "error");
}

static void
check_chip (const char *chip_id)
{
  g_autoptr(OsspPayloadFixture) fx = ossp_payload_fixture_new (chip_id);
  g_autoptr(OsspTestRun) build = run_build (fx, "--json", NULL);
  g_autoptr(OsspTestRun) plain = NULL;
  g_autoptr(OsspTestRun) inspect = NULL;
  g_autoptr(OsspTestRun) text = NULL;
  g_autoptr(OsspTestRun) shown = NULL;
  g_autoptr(JsonNode) broot = NULL, iroot = NULL, sroot = NULL;
  JsonObject *b, *i;
  JsonArray *plan, *sections;
  gboolean mp1 = !g_str_equal (chip_id, "stm32mp25");
  GStatBuf st;

  g_assert_cmpint (build->exit_status, ==, 0);
  broot = ossp_test_run_json (build);
  b = json_node_get_object (broot);
  g_assert_cmpstr (json_object_get_string_member (b, "output"), ==, fx->out);
  g_assert_cmpstr (json_object_get_string_member (b, "chip"), ==, chip_id);
  g_assert_false (json_object_get_boolean_member (b, "decrypted"));
  g_assert_cmpint (g_stat (fx->out, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0644);

  /* without the key: header, sections, checksums, no plan */
  plain = ossp_test_run_cli (NULL, "payload", "inspect", fx->out, "--json", NULL);
  g_assert_cmpint (plain->exit_status, ==, 0);
  {
    g_autoptr(JsonNode) root = ossp_test_run_json (plain);
    JsonObject *o = json_node_get_object (root);
    g_assert_cmpint (json_object_get_int_member (o, "format_version"), ==, 1);
    g_assert_true (json_object_get_boolean_member (o, "sha256_ok"));
    g_assert_false (json_object_has_member (o, "plan"));
    sections = json_object_get_array_member (o, "sections");
    g_assert_cmpuint (json_array_get_length (sections), ==, mp1 ? 1 : 3);
    g_assert_cmpuint (strlen (json_object_get_string_member (json_array_get_object_element (sections, 0),
                                                             "sha256")), ==, 64);
    g_assert_cmpint (json_object_get_int_member (o, "chip_blob_size"), ==,
                     g_str_equal (chip_id, "stm32mp15") ? 244 : g_str_equal (chip_id, "stm32mp13") ? 212
                     : json_object_get_int_member (o, "total_size"));
  }

  /* with key + nonce: decrypted, tags verified, plan with masked values */
  inspect = ossp_test_run_cli (NULL, "payload", "inspect", fx->out, "--key", fx->key, "--nonce",
                               fx->nonce, "--json", NULL);
  g_assert_cmpint (inspect->exit_status, ==, 0);
  iroot = ossp_test_run_json (inspect);
  i = json_node_get_object (iroot);
  g_assert_true (json_object_get_boolean_member (i, "decrypted"));
  g_assert_true (json_object_get_boolean_member (i, "tags_ok"));
  plan = json_object_get_array_member (i, "plan");
  g_assert_cmpuint (json_array_get_length (plan), >, 0);
  g_assert_null (strstr (inspect->out, "01234567"));
  g_assert_null (strstr (inspect->out, "cafef00d"));
  g_assert_null (strstr (inspect->out, "CAFEF00D"));

  shown = ossp_test_run_cli (NULL, "payload", "inspect", fx->out, "--key", fx->key, "--nonce",
                             fx->nonce, "--show-secrets", "--json", NULL);
  g_assert_cmpint (shown->exit_status, ==, 0);
  sroot = ossp_test_run_json (shown);
  g_assert_nonnull (strstr (shown->out, mp1 ? "0x01234567" : "0xCAFEF00D"));

  /* human output names the plan */
  text = ossp_test_run_cli (NULL, "payload", "inspect", fx->out, "--key", fx->key, "--nonce",
                            fx->nonce, NULL);
  g_assert_cmpint (text->exit_status, ==, 0);
  g_assert_nonnull (strstr (text->out, "every tag verifies"));
  g_assert_nonnull (strstr (text->out, mp1 ? "RMA_PASSWORD" : "0x52000100"));
  g_assert_nonnull (strstr (text->out, "0x********"));
}

static void
test_cli_mp15 (void)
{
  check_chip ("stm32mp15");
}

static void
test_cli_mp13 (void)
{
  check_chip ("stm32mp13");
}

static void
test_cli_mp25 (void)
{
  check_chip ("stm32mp25");
}

static void
test_cli_force_and_reproducible (void)
{
  g_autoptr(OsspPayloadFixture) fx = ossp_payload_fixture_new ("stm32mp15");
  g_autoptr(OsspTestRun) first = run_build (fx, NULL);
  g_autoptr(OsspTestRun) again = NULL;
  g_autoptr(OsspTestRun) forced = NULL;
  g_autoptr(GBytes) one = NULL, two = NULL;
  g_autoptr(JsonNode) root = NULL;

  g_assert_cmpint (first->exit_status, ==, 0);
  one = ossp_file_read_bytes (fx->out, 1 << 20, NULL);
  again = run_build (fx, "--json", NULL);
  g_assert_cmpint (again->exit_status, ==, 5);
  root = ossp_test_run_json (again);
  g_assert_cmpstr (json_object_get_string_member (error_of (root), "code"), ==, "exists");
  forced = run_build (fx, "--force", NULL);
  g_assert_cmpint (forced->exit_status, ==, 0);
  two = ossp_file_read_bytes (fx->out, 1 << 20, NULL);
  g_assert_true (g_bytes_equal (one, two));
}

/* Each bad input: the right code, a message that says why, and no file. */
static void
test_cli_bad_inputs (void)
{
  g_autoptr(OsspPayloadFixture) fx = ossp_payload_fixture_new ("stm32mp15");
  g_autoptr(OsspPayloadFixture) fx25 = ossp_payload_fixture_new ("stm32mp25");
  guint8 buf[160] = { 0 };
  g_autofree char *short_key = ossp_payload_fixture_write (fx, "short.key", buf, 15);
  g_autofree char *nonce_tail = NULL;
  g_autofree char *secret_150 = ossp_payload_fixture_write (fx, "secret150.bin", buf, 150);
  g_autofree char *priv = g_build_filename (fx->dir, "k1.pem", NULL);
  g_autofree char *pub = g_build_filename (fx->dir, "k1.pub", NULL);
  g_autofree char *priv384 = g_build_filename (fx->dir, "p384.pem", NULL);
  g_autofree char *pub384 = g_build_filename (fx->dir, "p384.pub", NULL);
  struct {
    OsspPayloadFixture *fx;
    const char *args[6];
    int exit_status;
    const char *code;
    const char *part;
  } cases[] = {
    { fx, { "--key", short_key }, 3, "invalid-data", "16 bytes" },
    { fx, { "--nonce", NULL }, 3, "invalid-data", "ROM" },
    { fx, { "--rma", "0x40000000" }, 2, "invalid-argument", "30 bits" },
    { fx, { "--rma", "0x1FFFFFFFF" }, 2, "invalid-argument", "32-bit" },
    { fx, { "--oem-pubkey", pub }, 10, "unsupported", "prime256v1" },
    { fx, { "--oem-pubkey", pub384 }, 10, "unsupported", "prime256v1" },
    { fx, { "--secret", secret_150 }, 3, "invalid-data", "148" },
    { fx, { "--pkhth", fx->pkhth }, 2, "invalid-argument", NULL },
    { fx, { "--backup", fx->key, "--base", "0x46010100" }, 2, "invalid-argument", "backup" },
    { fx25, { "--backup", fx25->tamp, "--base", "0x42000000" }, 2, "invalid-argument", "0x46010100" },
    { fx25, { "--rma", "0x1" }, 2, "invalid-argument", "RMA" },
    { fx25, { "--oem-pubkey", fx25->pubkey }, 2, "invalid-argument", "secret file" },
    { fx25, { "--backup", fx25->tamp }, 2, "invalid-argument", "--base" },
  };

  buf[15] = 0x01;  /* nonce with a non-zero tail */
  nonce_tail = ossp_payload_fixture_write (fx, "tail.nonce", buf, 16);
  cases[1].args[1] = nonce_tail;
  g_assert_cmpint (ossp_keys_test_tool (NULL, NULL, "openssl", "ecparam", "-name", "secp256k1",
                                        "-genkey", "-noout", "-out", priv, NULL), ==, 0);
  g_assert_cmpint (ossp_keys_test_tool (NULL, NULL, "openssl", "ec", "-in", priv, "-pubout",
                                        "-out", pub, NULL), ==, 0);
  g_assert_cmpint (ossp_keys_test_tool (NULL, NULL, "openssl", "ecparam", "-name", "secp384r1",
                                        "-genkey", "-noout", "-out", priv384, NULL), ==, 0);
  g_assert_cmpint (ossp_keys_test_tool (NULL, NULL, "openssl", "ec", "-in", priv384, "-pubout",
                                        "-out", pub384, NULL), ==, 0);

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr(GPtrArray) args = ossp_payload_fixture_cli_args (cases[c].fx);
      g_autoptr(OsspTestRun) run = NULL;
      g_autoptr(JsonNode) root = NULL;
      JsonObject *err;

      for (guint k = 0; k < G_N_ELEMENTS (cases[c].args) && cases[c].args[k]; k++)
        g_ptr_array_add (args, (gpointer) cases[c].args[k]);
      g_ptr_array_add (args, "--json");
      g_ptr_array_add (args, NULL);
      run = ossp_test_run_cliv (NULL, (const char * const *) args->pdata);
      g_test_message ("case %u: exit %d: %s", c, run->exit_status, run->out);
      g_assert_cmpint (run->exit_status, ==, cases[c].exit_status);
      root = ossp_test_run_json (run);
      err = error_of (root);
      g_assert_cmpstr (json_object_get_string_member (err, "code"), ==, cases[c].code);
      if (cases[c].part)
        g_assert_nonnull (strstr (json_object_get_string_member (err, "message"), cases[c].part));
      g_assert_false (g_file_test (cases[c].fx->out, G_FILE_TEST_EXISTS));
    }
}

static void
test_cli_inspect_errors (void)
{
  g_autoptr(OsspPayloadFixture) fx = ossp_payload_fixture_new ("stm32mp13");
  g_autoptr(OsspTestRun) build = run_build (fx, NULL);
  g_autoptr(GBytes) bytes = ossp_file_read_bytes (fx->out, 1 << 20, NULL);
  gsize len = g_bytes_get_size (bytes);
  g_autofree guint8 *d = g_memdup2 (g_bytes_get_data (bytes, NULL), len);
  g_autofree char *trunc = ossp_payload_fixture_write (fx, "trunc.ssp", d, len - 1);
  g_autofree char *v2 = NULL, *badsum = NULL, *wrongkey = NULL;
  g_autoptr(OsspTestRun) r1 = NULL, r2 = NULL, r3 = NULL, r4 = NULL, r5 = NULL, r6 = NULL;
  g_autoptr(JsonNode) j1 = NULL, j2 = NULL, j3 = NULL, j4 = NULL;
  guint8 key[16];

  g_assert_cmpint (build->exit_status, ==, 0);
  ossp_write_le16 (d + 4, 3);
  v2 = ossp_payload_fixture_write (fx, "v3.ssp", d, len);
  ossp_write_le16 (d + 4, 1);
  d[100] ^= 4;
  badsum = ossp_payload_fixture_write (fx, "sum.ssp", d, len);
  memcpy (key, fx->key_data, 16);
  key[5] ^= 0x20;
  wrongkey = ossp_payload_fixture_write (fx, "wrong.key", key, 16);

  r1 = ossp_test_run_cli (NULL, "payload", "inspect", trunc, "--json", NULL);
  g_assert_cmpint (r1->exit_status, ==, 3);
  j1 = ossp_test_run_json (r1);
  g_assert_nonnull (strstr (json_object_get_string_member (error_of (j1), "message"), "truncated"));

  r2 = ossp_test_run_cli (NULL, "payload", "inspect", v2, "--json", NULL);
  g_assert_cmpint (r2->exit_status, ==, 19);
  j2 = ossp_test_run_json (r2);
  g_assert_cmpstr (json_object_get_string_member (error_of (j2), "code"), ==, "version");

  r3 = ossp_test_run_cli (NULL, "payload", "inspect", badsum, "--json", NULL);
  g_assert_cmpint (r3->exit_status, ==, 12);
  j3 = ossp_test_run_json (r3);
  g_assert_nonnull (strstr (json_object_get_string_member (error_of (j3), "message"), "SHA-256"));

  /* wrong key: verify-failed, naming the section, and no plaintext printed */
  r4 = ossp_test_run_cli (NULL, "payload", "inspect", fx->out, "--key", wrongkey, "--nonce",
                          fx->nonce, "--json", NULL);
  g_assert_cmpint (r4->exit_status, ==, 12);
  j4 = ossp_test_run_json (r4);
  g_assert_cmpstr (json_object_get_string_member (error_of (j4), "code"), ==, "verify-failed");
  g_assert_nonnull (strstr (json_object_get_string_member (error_of (j4), "message"), "mp1-payload"));

  /* usage: key without nonce */
  r5 = ossp_test_run_cli (NULL, "payload", "inspect", fx->out, "--key", fx->key, NULL);
  g_assert_cmpint (r5->exit_status, ==, 2);
  r6 = ossp_test_run_cli (NULL, "payload", "frobnicate", NULL);
  g_assert_cmpint (r6->exit_status, ==, 2);
}

static void
test_cli_mode_warning (void)
{
  g_autoptr(OsspPayloadFixture) fx = ossp_payload_fixture_new ("stm32mp15");
  g_autoptr(OsspTestRun) run = NULL;

  g_chmod (fx->key, 0644);
  run = run_build (fx, NULL);
  g_assert_cmpint (run->exit_status, ==, 0);
  g_assert_nonnull (strstr (run->err, "warning"));
  g_assert_nonnull (strstr (run->err, "chmod 600"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/payload/mp15", test_cli_mp15);
  g_test_add_func ("/cli/payload/mp13", test_cli_mp13);
  g_test_add_func ("/cli/payload/mp25", test_cli_mp25);
  g_test_add_func ("/cli/payload/force-reproducible", test_cli_force_and_reproducible);
  g_test_add_func ("/cli/payload/bad-inputs", test_cli_bad_inputs);
  g_test_add_func ("/cli/payload/inspect-errors", test_cli_inspect_errors);
  g_test_add_func ("/cli/payload/mode-warning", test_cli_mode_warning);
  return g_test_run ();
}
