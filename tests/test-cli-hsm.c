/* test-cli-hsm.c — `openssp hsm …` with --json, on the built-in soft-HSM
 * (--sim) and an external command; the PC/SC path of the CLI is covered
 * in test-hsm-pcscd.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "ossp-test-hsm.h"

/* The CLI in a new session: no controlling terminal, so a confirmation
 * can never wait for a keyboard. */
static void
no_tty (gpointer data)
{
  setsid ();
}

static OsspTestRun *
cli (const char *first, ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                 G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  OsspTestRun *run = g_new0 (OsspTestRun, 1);
  const char *arg;
  va_list ap;

  g_ptr_array_add (argv, (gpointer) g_getenv ("OPENSSP_CLI"));
  va_start (ap, first);
  for (arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  g_subprocess_launcher_set_child_setup (l, no_tty, NULL, NULL);
  proc = g_subprocess_launcher_spawnv (l, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &run->out, &run->err, &error);
  g_assert_no_error (error);
  run->exit_status = g_subprocess_get_exit_status (proc);
  return run;
}

static JsonObject *
json_obj (OsspTestRun *run, JsonNode **keep)
{
  *keep = ossp_test_run_json (run);
  return json_node_get_object (*keep);
}

static const char *
error_code (OsspTestRun *run, JsonNode **keep)
{
  return json_object_get_string_member (json_object_get_object_member (json_obj (run, keep), "error"), "code");
}

typedef struct {
  char        *dir;
  OsspTestChip chip;
  char        *root_hex;
  char        *perso;
  char        *key;
  char        *nonce;
  char        *state;
  char        *cert;
} Fixture;

static char *
path_in (Fixture *f, const char *name)
{
  return g_build_filename (f->dir, name, NULL);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->dir = ossp_test_make_tmpdir ();
  ossp_test_chip_init (&f->chip, "5000200A", NULL);
  f->root_hex = ossp_hex_encode (f->chip.root_pub, 64);
  f->perso = path_in (f, "perso.ospd");
  f->key = path_in (f, "enc_key.bin");
  f->nonce = path_in (f, "nonce.bin");
  f->state = path_in (f, "soft-hsm.json");
  f->cert = path_in (f, "cert.bin");
  g_assert_true (g_file_set_contents (f->key, (const char *) ossp_test_oem_key, 16, NULL));
  g_assert_true (g_file_set_contents (f->nonce, (const char *) ossp_test_oem_nonce, 16, NULL));
  g_assert_true (g_file_set_contents (f->cert, (const char *) f->chip.cert, 136, NULL));
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_free (f->root_hex);
  g_free (f->perso);
  g_free (f->key);
  g_free (f->nonce);
  g_free (f->state);
  g_free (f->cert);
  g_free (f->dir);
}

static void
make_perso (Fixture *f)
{
  g_autoptr(OsspTestRun) run = cli ("hsm", "perso", "--product", "5000200A", "--root-pubkey", f->root_hex,
                                    "--out", f->perso, "--json", NULL);
  g_autoptr(JsonNode) root = NULL;
  JsonObject *o;

  g_assert_cmpint (run->exit_status, ==, 0);
  o = json_obj (run, &root);
  g_assert_cmpint (json_object_get_int_member (o, "size"), ==, 88);
  g_assert_cmpstr (json_object_get_string_member (
    json_array_get_object_element (json_object_get_array_member (o, "entries"), 0), "product_id"), ==, "5000200A");
}

static void
test_perso (Fixture *f, gconstpointer data)
{
  g_autoptr(GBytes) expected = ossp_test_perso_for (&f->chip, 1);
  g_autofree char *blob = NULL;
  gsize len = 0;
  g_autoptr(JsonNode) root = NULL;

  make_perso (f);
  g_assert_true (g_file_get_contents (f->perso, &blob, &len, NULL));
  g_assert_cmpmem (blob, len, g_bytes_get_data (expected, NULL), g_bytes_get_size (expected));
  {
    /* never overwrite without --force */
    g_autoptr(OsspTestRun) again = cli ("hsm", "perso", "--product", "5000200A", "--root-pubkey",
                                        f->root_hex, "--out", f->perso, "--json", NULL);
    g_assert_cmpint (again->exit_status, ==, 5);
    g_assert_cmpstr (error_code (again, &root), ==, "exists");
  }
  {
    g_autofree char *other = path_in (f, "x.ospd");
    g_autoptr(OsspTestRun) mismatch = cli ("hsm", "perso", "--product", "5000200A", "--product", "5010100D",
                                           "--root-pubkey", f->root_hex, "--out", other, NULL);
    g_autoptr(OsspTestRun) bad_id = cli ("hsm", "perso", "--product", "MP15", "--root-pubkey", f->root_hex,
                                         "--out", other, "--json", NULL);
    g_autoptr(JsonNode) r2 = NULL;
    g_assert_cmpint (mismatch->exit_status, ==, 2);
    g_assert_nonnull (strstr (mismatch->err, "one --root-pubkey for each --product"));
    g_assert_cmpint (bad_id->exit_status, ==, 3);
    g_assert_cmpstr (error_code (bad_id, &r2), ==, "invalid-data");
    g_assert_false (g_file_test (other, G_FILE_TEST_EXISTS));
  }
}

static void
test_perso_info (Fixture *f, gconstpointer data)
{
  g_autofree char *st = path_in (f, "STM32MP1_5010100D_SSP_01000000_00000000.enc.bin");
  g_autoptr(OsspTestRun) run = NULL;
  g_autoptr(OsspTestRun) miss = NULL;
  g_autoptr(OsspTestRun) human = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonNode) root2 = NULL;
  JsonObject *o;
  JsonArray *files;
  guint ours = 0, sts = 0;

  make_perso (f);
  g_assert_true (g_file_set_contents (st, "ST-encrypted", -1, NULL));
  run = cli ("hsm", "perso-info", f->dir, "--product", "5000200A", "--json", NULL);
  g_assert_cmpint (run->exit_status, ==, 0);
  o = json_obj (run, &root);
  g_assert_cmpstr (json_object_get_string_member (o, "match"), ==, f->perso);
  files = json_object_get_array_member (o, "files");
  for (guint i = 0; i < json_array_get_length (files); i++)
    {
      const char *kind = json_object_get_string_member (json_array_get_object_element (files, i), "kind");
      ours += g_str_equal (kind, "openssp");
      sts += g_str_equal (kind, "st");
    }
  g_assert_cmpuint (ours, ==, 1);
  g_assert_cmpuint (sts, ==, 1);

  /* MP13's only file is ST's: the user is told it needs a real ST HSM */
  miss = cli ("hsm", "perso-info", f->dir, "--product", "5010100D", "--json", NULL);
  g_assert_cmpint (miss->exit_status, ==, 10);
  g_assert_cmpstr (error_code (miss, &root2), ==, "unsupported");
  human = cli ("hsm", "perso-info", st, NULL);
  g_assert_cmpint (human->exit_status, ==, 0);
  g_assert_nonnull (strstr (human->out, "STM32MP13"));
  g_assert_nonnull (strstr (human->out, "only for a real ST HSM"));
}

static void
test_provision_and_licenses (Fixture *f, gconstpointer data)
{
  g_autofree char *lic1 = path_in (f, "license1.bin");
  g_autofree char *lic2 = path_in (f, "license2.bin");
  g_autoptr(JsonNode) r1 = NULL, r2 = NULL, r3 = NULL, r4 = NULL, r5 = NULL, r6 = NULL;
  g_autofree char *blob = NULL;
  gsize len = 0;
  guint8 iv[16], key[16];

  make_perso (f);
  {
    g_autoptr(OsspTestRun) info = cli ("hsm", "info", "--sim", f->state, "--json", NULL);
    g_assert_cmpint (info->exit_status, ==, 0);
    g_assert_cmpstr (json_object_get_string_member (json_obj (info, &r1), "state"), ==, "blank");
  }
  {
    /* irreversible: without --yes and without a terminal nothing happens */
    g_autoptr(OsspTestRun) no = cli ("hsm", "provision", "--sim", f->state, "--perso", f->perso, "--key", f->key,
                                     "--nonce", f->nonce, "--firmware-id", "SSP_MPU", "--max", "1", "--json", NULL);
    g_autoptr(OsspTestRun) info = cli ("hsm", "info", "--sim", f->state, "--json", NULL);
    g_assert_cmpint (no->exit_status, ==, 18);
    g_assert_cmpstr (error_code (no, &r2), ==, "not-confirmed");
    g_assert_nonnull (strstr (no->err, "LOCK: irreversible"));   /* the plan was shown */
    g_assert_cmpstr (json_object_get_string_member (json_obj (info, &r3), "state"), ==, "blank");
  }
  {
    g_autoptr(OsspTestRun) yes = cli ("--yes", "hsm", "provision", "--sim", f->state, "--perso", f->perso,
                                      "--key", f->key, "--nonce", f->nonce, "--firmware-id", "SSP_MPU",
                                      "--max", "1", "--json", NULL);
    JsonObject *info;
    g_assert_cmpint (yes->exit_status, ==, 0);
    info = json_object_get_object_member (json_obj (yes, &r4), "info");
    g_assert_cmpstr (json_object_get_string_member (info, "state"), ==, "locked");
    g_assert_cmpint (json_object_get_int_member (info, "remaining"), ==, 1);
  }
  {
    g_autoptr(OsspTestRun) lic = cli ("hsm", "license", "--sim", f->state, "--cert", f->cert, "--out", lic1,
                                      "--json", NULL);
    JsonObject *o;
    g_assert_cmpint (lic->exit_status, ==, 0);
    o = json_obj (lic, &r5);
    g_assert_cmpstr (json_object_get_string_member (o, "product_id"), ==, "5000200A");
    g_assert_cmpstr (json_object_get_string_member (o, "license_type"), ==, "SSP.");
    g_assert_true (g_file_get_contents (lic1, &blob, &len, NULL));
    g_assert_true (ossp_test_chip_open_license (&f->chip, (const guint8 *) blob, len, iv, key));
    g_assert_cmpmem (key, 16, ossp_test_oem_key, 16);
  }
  {
    g_autoptr(OsspTestRun) out_of = cli ("hsm", "license", "--sim", f->state, "--cert", f->cert, "--out", lic2,
                                         "--json", NULL);
    JsonObject *err;
    g_assert_cmpint (out_of->exit_status, ==, 15);
    err = json_object_get_object_member (json_obj (out_of, &r6), "error");
    g_assert_cmpstr (json_object_get_string_member (err, "code"), ==, "hsm");
    g_assert_nonnull (strstr (json_object_get_string_member (err, "message"), "HSM has no licenses left"));
    g_assert_false (g_file_test (lic2, G_FILE_TEST_EXISTS));
  }
  {
    g_autoptr(OsspTestRun) again = cli ("--yes", "hsm", "provision", "--sim", f->state, "--perso", f->perso,
                                        "--key", f->key, "--nonce", f->nonce, "--firmware-id", "X",
                                        "--max", "5", NULL);
    g_assert_cmpint (again->exit_status, ==, 20);
    g_assert_nonnull (strstr (again->err, "already provisioned and locked"));
  }
  {
    g_autoptr(OsspTestRun) human = cli ("hsm", "info", "--sim", f->state, NULL);
    g_assert_cmpint (human->exit_status, ==, 0);
    g_assert_nonnull (strstr (human->out, "Remaining:     0"));
    g_assert_nonnull (strstr (human->out, "5000200A  STM32MP15"));
  }
}

static void
test_license_command (Fixture *f, gconstpointer data)
{
  g_autofree char *script = path_in (f, "bridge.sh");
  g_autofree char *canned = path_in (f, "canned.bin");
  g_autofree char *out = path_in (f, "license.bin");
  g_autofree char *text = g_strdup_printf ("#!/bin/sh\ncat >/dev/null\ncat '%s'\n", canned);
  g_autofree char *cmdline = g_strdup_printf ("'%s' --slot 1", script);
  g_autoptr(OsspLicense) lic = ossp_license_new (OSSP_LICENSE_TYPE_SSP, 0, 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) r1 = NULL, r2 = NULL;
  guint8 bytes[136];

  g_assert_true (ossp_license_seal (lic, f->chip.chip_pub, ossp_test_oem_nonce, ossp_test_oem_key, &error));
  ossp_license_format (lic, bytes);
  g_assert_true (g_file_set_contents (canned, (const char *) bytes, 136, NULL));
  g_assert_true (g_file_set_contents (script, text, -1, NULL));
  g_assert_cmpint (g_chmod (script, 0755), ==, 0);
  {
    g_autoptr(OsspTestRun) run = cli ("hsm", "license", "--command", cmdline, "--cert", f->cert, "--out", out,
                                      "--json", NULL);
    g_assert_cmpint (run->exit_status, ==, 0);
    g_assert_cmpstr (json_object_get_string_member (json_obj (run, &r1), "product_id"), ==, "5000200A");
  }
  {
    /* a certificate of the wrong size is refused before anything runs */
    g_autofree char *short_cert = path_in (f, "short.bin");
    g_autofree char *out2 = path_in (f, "l2.bin");
    g_autoptr(OsspTestRun) run = NULL;
    g_assert_true (g_file_set_contents (short_cert, "5000200A", -1, NULL));
    run = cli ("hsm", "license", "--command", cmdline, "--cert", short_cert, "--out", out2, "--json", NULL);
    g_assert_cmpint (run->exit_status, ==, 3);
    g_assert_cmpstr (error_code (run, &r2), ==, "invalid-data");
  }
}

static void
test_usage (void)
{
  g_autoptr(OsspTestRun) unknown = cli ("hsm", "frobnicate", NULL);
  g_autoptr(OsspTestRun) help = cli ("hsm", "--help", NULL);
  g_autoptr(OsspTestRun) two = cli ("hsm", "info", "--slot", "1", "--sim", "x.json", "--json", NULL);
  g_autoptr(OsspTestRun) explain = cli ("explain", "5501", NULL);
  g_autoptr(JsonNode) root = NULL;

  g_assert_cmpint (unknown->exit_status, ==, 2);
  g_assert_cmpint (help->exit_status, ==, 0);
  g_assert_nonnull (strstr (help->out, "closed APDU set"));
  g_assert_cmpint (two->exit_status, ==, 2);
  g_assert_cmpstr (error_code (two, &root), ==, "invalid-argument");
  g_assert_cmpint (explain->exit_status, ==, 0);
  g_assert_nonnull (strstr (explain->out, "no licenses left"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/cli/hsm/perso", Fixture, NULL, fixture_setup, test_perso, fixture_teardown);
  g_test_add ("/cli/hsm/perso-info", Fixture, NULL, fixture_setup, test_perso_info, fixture_teardown);
  g_test_add ("/cli/hsm/provision-and-licenses", Fixture, NULL, fixture_setup, test_provision_and_licenses, fixture_teardown);
  g_test_add ("/cli/hsm/license-command", Fixture, NULL, fixture_setup, test_license_command, fixture_teardown);
  g_test_add_func ("/cli/hsm/usage", test_usage);
  return g_test_run ();
}
