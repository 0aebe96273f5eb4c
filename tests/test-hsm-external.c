/* test-hsm-external.c — the external-command license provider with small
 * real shell scripts: good license, wrong size, not a license, non-zero
 * exit, timeout, cancel, missing program
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <glib/gstdio.h>

#include "ossp-test-hsm.h"

typedef struct {
  char         *dir;
  OsspTestChip  chip;
  GBytes       *cert;
  guint8        license[136];
} Fixture;

static char *
script (Fixture *f, const char *name, const char *body)
{
  g_autofree char *text = g_strdup_printf ("#!/bin/sh\nD='%s'\n%s\n", f->dir, body);
  char *path = g_build_filename (f->dir, name, NULL);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  g_assert_cmpint (g_chmod (path, 0755), ==, 0);
  return path;
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspLicense) lic = ossp_license_new (OSSP_LICENSE_TYPE_SSP, 0, 0);
  g_autofree char *path = NULL;

  f->dir = ossp_test_make_tmpdir ();
  ossp_test_chip_init (&f->chip, "5010100D", NULL);
  f->cert = ossp_test_chip_cert_bytes (&f->chip);
  /* what a site's bridge would print: a real license for this chip */
  g_assert_true (ossp_license_seal (lic, f->chip.chip_pub, ossp_test_oem_nonce, ossp_test_oem_key, &error));
  ossp_license_format (lic, f->license);
  path = g_build_filename (f->dir, "license.bin", NULL);
  g_assert_true (g_file_set_contents (path, (const char *) f->license, 136, NULL));
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_bytes_unref (f->cert);
  g_free (f->dir);
}

static GBytes *
run (const char *cmd, guint timeout_ms, GBytes *cert, GError **error)
{
  const char *argv[] = { cmd, NULL };
  g_autoptr(OsspHsmExternal) ext = ossp_hsm_external_new (argv, timeout_ms);
  return ossp_hsm_get_license (OSSP_HSM (ext), cert, NULL, error);
}

static void
test_good (Fixture *f, gconstpointer data)
{
  g_autofree char *cmd = script (f, "good.sh",
    "cat > \"$D/seen-cert\"\nprintf '%s' \"$OPENSSP_PRODUCT_ID\" > \"$D/seen-id\"\ncat \"$D/license.bin\"");
  const char *argv[] = { cmd, NULL };
  g_autoptr(OsspHsmExternal) ext = ossp_hsm_external_new (argv, 10000);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) lic = NULL;
  g_autoptr(OsspHsmInfo) info = NULL;
  g_autoptr(OsspHsmProvisioning) p = NULL;
  g_autoptr(GBytes) perso = ossp_test_perso_for (&f->chip, 1);
  g_autofree char *seen_cert = NULL, *seen_id = NULL;
  g_autofree char *seen_cert_path = g_build_filename (f->dir, "seen-cert", NULL);
  g_autofree char *seen_id_path = g_build_filename (f->dir, "seen-id", NULL);
  gsize len = 0;
  guint8 iv[16], key[16];

  lic = ossp_hsm_get_license (OSSP_HSM (ext), f->cert, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (lic, NULL), g_bytes_get_size (lic), f->license, 136);
  g_assert_true (ossp_test_chip_open_license (&f->chip, f->license, 136, iv, key));
  /* the command saw the certificate on stdin and the product id */
  g_assert_true (g_file_get_contents (seen_cert_path, &seen_cert, &len, NULL));
  g_assert_cmpmem (seen_cert, len, f->chip.cert, 136);
  g_assert_true (g_file_get_contents (seen_id_path, &seen_id, NULL, NULL));
  g_assert_cmpstr (seen_id, ==, "5010100D");

  info = ossp_hsm_get_info (OSSP_HSM (ext), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (info->delivered, ==, 1);
  g_assert_cmpuint (info->remaining, ==, OSSP_HSM_REMAINING_UNKNOWN);
  g_assert_cmpstr (info->source, ==, cmd);

  p = ossp_test_provisioning (perso, 5);
  g_assert_false (ossp_hsm_provision (OSSP_HSM (ext), p, NULL, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_UNSUPPORTED);
}

static void
test_wrong_size (Fixture *f, gconstpointer data)
{
  g_autofree char *cmd = script (f, "short.sh", "cat >/dev/null\nhead -c 100 \"$D/license.bin\"");
  g_autoptr(GError) error = NULL;

  g_assert_null (run (cmd, 10000, f->cert, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "printed 100 bytes"));
}

static void
test_not_a_license (Fixture *f, gconstpointer data)
{
  g_autofree char *cmd = script (f, "zeros.sh", "cat >/dev/null\nhead -c 136 /dev/zero");
  g_autoptr(GError) error = NULL;

  g_assert_null (run (cmd, 10000, f->cert, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "not a license"));
}

static void
test_exit_code (Fixture *f, gconstpointer data)
{
  g_autofree char *cmd = script (f, "fail.sh", "cat >/dev/null\necho 'bridge: HSM not found in slot 1' >&2\nexit 3");
  g_autoptr(GError) error = NULL;

  g_assert_null (run (cmd, 10000, f->cert, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_HSM);
  g_assert_nonnull (strstr (error->message, "exit code 3"));
  g_assert_nonnull (strstr (error->message, "bridge: HSM not found in slot 1"));
  g_assert_nonnull (strstr (error->message, "5010100D"));
}

static void
test_timeout (Fixture *f, gconstpointer data)
{
  /* the script's child (sleep) keeps stdout open: it must be killed too */
  g_autofree char *cmd = script (f, "slow.sh", "cat >/dev/null\nsleep 30\ncat \"$D/license.bin\"");
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  g_assert_null (run (cmd, 300, f->cert, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_TIMEOUT);
  g_assert_nonnull (strstr (error->message, "300 ms"));
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
}

static gboolean
cancel_cb (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

typedef struct {
  GMainLoop *loop;
  GError    *error;
  GBytes    *license;
} AsyncData;

static void
license_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AsyncData *d = user_data;
  d->license = ossp_hsm_get_license_finish (OSSP_HSM (source), result, &d->error);
  g_main_loop_quit (d->loop);
}

static void
test_cancel (Fixture *f, gconstpointer data)
{
  g_autofree char *cmd = script (f, "slow2.sh", "cat >/dev/null\nsleep 30");
  const char *argv[] = { cmd, NULL };
  g_autoptr(OsspHsmExternal) ext = ossp_hsm_external_new (argv, 60000);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AsyncData d = { g_main_loop_new (NULL, FALSE), NULL, NULL };
  gint64 start = g_get_monotonic_time ();

  ossp_hsm_get_license_async (OSSP_HSM (ext), f->cert, cancellable, license_ready, &d);
  g_timeout_add (200, cancel_cb, cancellable);
  g_main_loop_run (d.loop);
  g_assert_null (d.license);
  g_assert_error (d.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
  g_error_free (d.error);
  g_main_loop_unref (d.loop);
}

static void
test_missing_program (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspHsmExternal) bad = ossp_hsm_external_new_from_command_line ("'unclosed", 1000, &error);

  g_assert_null (bad);
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (run ("/nonexistent/openssp-bridge", 1000, f->cert, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_NOT_FOUND);
  g_clear_error (&error);
  /* a certificate that is not one never reaches the command */
  {
    g_autoptr(GBytes) short_cert = g_bytes_new (f->chip.cert, 100);
    g_assert_null (run ("/bin/true", 1000, short_cert, &error));
    g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/hsm/external/good", Fixture, NULL, fixture_setup, test_good, fixture_teardown);
  g_test_add ("/hsm/external/wrong-size", Fixture, NULL, fixture_setup, test_wrong_size, fixture_teardown);
  g_test_add ("/hsm/external/not-a-license", Fixture, NULL, fixture_setup, test_not_a_license, fixture_teardown);
  g_test_add ("/hsm/external/exit-code", Fixture, NULL, fixture_setup, test_exit_code, fixture_teardown);
  g_test_add ("/hsm/external/timeout", Fixture, NULL, fixture_setup, test_timeout, fixture_teardown);
  g_test_add ("/hsm/external/cancel", Fixture, NULL, fixture_setup, test_cancel, fixture_teardown);
  g_test_add ("/hsm/external/missing-program", Fixture, NULL, fixture_setup, test_missing_program, fixture_teardown);
  return g_test_run ();
}
