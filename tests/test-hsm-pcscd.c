/* test-hsm-pcscd.c — the HSM over the REAL PC/SC stack: a private pcscd,
 * vsmartcard's vpcd reader and the soft-HSM card process, driven through
 * the PC/SC back-end (OsspPcscHsm) and the CLI. The tests run in order and
 * share one pcscd; each step builds on the card state of the one before.
 *
 * Skips (exit 77) only when pcscd or vpcd is not installed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>

#include "ossp-test-hsm.h"
#include "ossp-test-pcscd.h"
#include "ossp-pcsc-hsm.h"
#include "ossp-pcsc-monitor.h"
#include "ossp-sim-hsm-card.h"

static OsspTestPcscd *pcscd;
static char *tmpdir;
static char *state;
static OsspTestChip chips[4];
static GBytes *perso;

#define MAX_LICENSES 3

static OsspHsm *
slot1 (void)
{
  return (OsspHsm *) ossp_pcsc_hsm_new (NULL, 1);
}

static void
test_readers (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) readers = ossp_pcsc_list_readers (&error);
  OsspPcscReader *r;

  g_assert_no_error (error);
  g_assert_cmpuint (readers->len, >=, 1);
  r = readers->pdata[0];
  g_assert_cmpuint (r->slot, ==, 1);
  g_assert_cmpstr (r->name, ==, OSSP_TEST_VPCD_READER);
  g_assert_false (r->card_present);
}

static int monitor_changes;

static void
monitor_changed (OsspPcscMonitor *monitor, gpointer data)
{
  monitor_changes++;
}

/* the monitor reports a card, with its ATR, once the card process is up */
static gboolean
monitor_sees_card (OsspPcscMonitor *monitor, gboolean present)
{
  GPtrArray *readers = ossp_pcsc_monitor_get_readers (monitor);
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < end)
    {
      readers = ossp_pcsc_monitor_get_readers (monitor);
      if (readers->len > 0 && ((OsspPcscReader *) readers->pdata[0])->card_present == present)
        return TRUE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (5000);
    }
  return FALSE;
}

static void
test_monitor_and_insert (void)
{
  g_autoptr(OsspPcscMonitor) monitor = ossp_pcsc_monitor_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) readers = NULL;
  OsspPcscReader *r;
  int changes_before_insert;

  g_signal_connect (monitor, "changed", G_CALLBACK (monitor_changed), NULL);
  ossp_pcsc_monitor_start (monitor);
  g_assert_true (monitor_sees_card (monitor, FALSE));
  g_assert_null (ossp_pcsc_monitor_get_problem (monitor));
  changes_before_insert = monitor_changes;

  ossp_test_pcscd_start_card (pcscd, state, NULL);
  g_assert_true (ossp_test_pcscd_wait_card (pcscd, TRUE, 10000));
  g_assert_true (monitor_sees_card (monitor, TRUE));
  g_assert_cmpint (monitor_changes, >, changes_before_insert);
  r = ossp_pcsc_monitor_get_readers (monitor)->pdata[0];
  g_assert_cmpstr (r->atr, ==, "3b80800101");
  ossp_pcsc_monitor_stop (monitor);

  readers = ossp_pcsc_list_readers (&error);
  g_assert_no_error (error);
  r = readers->pdata[0];
  g_assert_true (r->card_present);
  g_assert_cmpstr (r->atr, ==, "3b80800101");
}

static void
test_info_blank (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspHsm) hsm = slot1 ();
  g_autoptr(OsspHsmInfo) info = ossp_hsm_get_info (hsm, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpint (info->state, ==, OSSP_HSM_STATE_BLANK);
  g_assert_cmpuint (strlen (info->serial), ==, 16);
  g_assert_cmpstr (info->card_version, ==, "1.0.0");
  g_assert_cmpuint (info->delivered, ==, 0);
  g_assert_cmpuint (info->remaining, ==, 0);
  g_assert_null (info->firmware_id);
  g_assert_cmpstr (info->source, ==, OSSP_TEST_VPCD_READER);
  g_assert_cmpuint (g_strv_length (info->product_ids), ==, 0);
}

static void
test_license_before_provision (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspHsm) hsm = slot1 ();
  g_autoptr(GBytes) cert = ossp_test_chip_cert_bytes (&chips[0]);

  g_assert_null (ossp_hsm_get_license (hsm, cert, NULL, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_STATE);
  g_assert_nonnull (strstr (error->message, "not provisioned"));
}

static void
test_provision (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspHsm) hsm = slot1 ();
  g_autoptr(OsspHsmProvisioning) p = ossp_test_provisioning (perso, MAX_LICENSES);
  g_autoptr(OsspHsmInfo) info = NULL;

  /* 4 entries = 328 bytes: PUT PERSO goes out as an extended APDU */
  g_assert_cmpuint (g_bytes_get_size (perso), >, 255);
  g_assert_true (ossp_hsm_provision (hsm, p, NULL, &error));
  g_assert_no_error (error);
  info = ossp_hsm_get_info (hsm, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (info->state, ==, OSSP_HSM_STATE_LOCKED);
  g_assert_cmpstr (info->firmware_id, ==, "SSP_MPU");
  g_assert_cmpuint (info->delivered, ==, 0);
  g_assert_cmpuint (info->remaining, ==, MAX_LICENSES);
  g_assert_cmpuint (g_strv_length (info->product_ids), ==, 4);
  g_assert_cmpstr (info->product_ids[2], ==, "5010100D");
}

static void
test_licenses (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspHsm) hsm = slot1 ();
  g_autoptr(OsspHsmInfo) info = NULL;
  g_autoptr(OsspHsmProvisioning) again = ossp_test_provisioning (perso, 1000);
  OsspTestChip stranger;
  guint8 bad[136], iv[16], key[16];

  /* refusals first: none of them may consume a license */
  memcpy (bad, chips[0].cert, 136);
  bad[72] ^= 0x80;
  {
    g_autoptr(GBytes) cert = g_bytes_new (bad, 136);
    g_assert_null (ossp_hsm_get_license (hsm, cert, NULL, &error));
    g_assert_error (error, OSSP_ERROR, OSSP_ERROR_VERIFY_FAILED);
    g_clear_error (&error);
  }
  ossp_test_chip_init (&stranger, "5000300A", &chips[0]);   /* not in the perso */
  {
    g_autoptr(GBytes) cert = ossp_test_chip_cert_bytes (&stranger);
    g_assert_null (ossp_hsm_get_license (hsm, cert, NULL, &error));
    g_assert_error (error, OSSP_ERROR, OSSP_ERROR_HSM);
    g_assert_nonnull (strstr (error->message, "6A88"));
    g_clear_error (&error);
  }
  g_assert_false (ossp_hsm_provision (hsm, again, NULL, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_STATE);
  g_clear_error (&error);
  info = ossp_hsm_get_info (hsm, NULL, &error);
  g_assert_cmpuint (info->delivered, ==, 0);
  g_assert_cmpuint (info->remaining, ==, MAX_LICENSES);

  /* N licenses, each opened by the chip's own key */
  for (guint i = 0; i < MAX_LICENSES; i++)
    {
      const OsspTestChip *chip = &chips[i % 4];
      g_autoptr(GBytes) cert = ossp_test_chip_cert_bytes (chip);
      g_autoptr(GBytes) lic = ossp_hsm_get_license (hsm, cert, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (ossp_test_chip_open_license (chip, g_bytes_get_data (lic, NULL),
                                                  g_bytes_get_size (lic), iv, key));
      g_assert_cmpmem (iv, 16, ossp_test_oem_nonce, 16);
      g_assert_cmpmem (key, 16, ossp_test_oem_key, 16);
      /* and not by another chip's */
      g_assert_false (ossp_test_chip_open_license (&chips[(i + 1) % 4], g_bytes_get_data (lic, NULL),
                                                   g_bytes_get_size (lic), iv, key));
    }
  /* N+1: counter exhausted */
  {
    g_autoptr(GBytes) cert = ossp_test_chip_cert_bytes (&chips[0]);
    g_assert_null (ossp_hsm_get_license (hsm, cert, NULL, &error));
    g_assert_error (error, OSSP_ERROR, OSSP_ERROR_HSM);
    g_assert_nonnull (strstr (error->message, "HSM has no licenses left"));
    g_clear_error (&error);
  }
  g_clear_pointer (&info, ossp_hsm_info_free);
  info = ossp_hsm_get_info (hsm, NULL, &error);
  g_assert_cmpuint (info->delivered, ==, MAX_LICENSES);
  g_assert_cmpuint (info->remaining, ==, 0);
}

static void
test_counter_survives_restart (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspHsm) hsm = slot1 ();
  g_autoptr(OsspHsmInfo) info = NULL;

  g_assert_cmpint (ossp_test_pcscd_stop_card (pcscd), ==, 128 + 15);
  g_assert_true (ossp_test_pcscd_wait_card (pcscd, FALSE, 10000));
  ossp_test_pcscd_start_card (pcscd, state, NULL);
  g_assert_true (ossp_test_pcscd_wait_card (pcscd, TRUE, 10000));
  info = ossp_hsm_get_info (hsm, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (info->state, ==, OSSP_HSM_STATE_LOCKED);
  g_assert_cmpuint (info->delivered, ==, MAX_LICENSES);
  g_assert_cmpuint (info->remaining, ==, 0);
}

static void
test_reader_choice (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspHsm) by_name = (OsspHsm *) ossp_pcsc_hsm_new (OSSP_TEST_VPCD_READER, 0);
  g_autoptr(OsspHsm) by_part = (OsspHsm *) ossp_pcsc_hsm_new ("pcd 00 00", 0);
  g_autoptr(OsspHsm) by_default = (OsspHsm *) ossp_pcsc_hsm_new (NULL, 0);
  g_autoptr(OsspHsm) ambiguous = (OsspHsm *) ossp_pcsc_hsm_new ("Virtual", 0);
  g_autoptr(OsspHsm) unknown = (OsspHsm *) ossp_pcsc_hsm_new ("Gemalto", 0);
  g_autoptr(OsspHsm) slot9 = (OsspHsm *) ossp_pcsc_hsm_new (NULL, 9);
  OsspHsmInfo *info;

  info = ossp_hsm_get_info (by_name, NULL, &error);
  g_assert_no_error (error);
  ossp_hsm_info_free (info);
  info = ossp_hsm_get_info (by_part, NULL, &error);
  g_assert_no_error (error);
  ossp_hsm_info_free (info);
  /* two vpcd readers, only slot 1 has a card: the default picks it */
  info = ossp_hsm_get_info (by_default, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (info->source, ==, OSSP_TEST_VPCD_READER);
  ossp_hsm_info_free (info);

  g_assert_null (ossp_hsm_get_info (ambiguous, NULL, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "More than one reader"));
  g_clear_error (&error);
  g_assert_null (ossp_hsm_get_info (unknown, NULL, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, OSSP_TEST_VPCD_READER));
  g_clear_error (&error);
  g_assert_null (ossp_hsm_get_info (slot9, NULL, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "slot 9"));
}

static void
test_cli_over_pcscd (void)
{
  g_autoptr(OsspTestRun) readers = ossp_test_run_cli (NULL, "hsm", "list-readers", "--json", NULL);
  g_autoptr(OsspTestRun) info = ossp_test_run_cli (NULL, "hsm", "info", "--slot", "1", "--json", NULL);
  g_autoptr(JsonNode) rroot = NULL;
  g_autoptr(JsonNode) iroot = NULL;
  JsonObject *first, *io;

  g_assert_cmpint (readers->exit_status, ==, 0);
  rroot = ossp_test_run_json (readers);
  first = json_array_get_object_element (json_object_get_array_member (json_node_get_object (rroot), "readers"), 0);
  g_assert_cmpint (json_object_get_int_member (first, "slot"), ==, 1);
  g_assert_true (json_object_get_boolean_member (first, "card_present"));
  g_assert_cmpint (info->exit_status, ==, 0);
  iroot = ossp_test_run_json (info);
  io = json_node_get_object (iroot);
  g_assert_cmpstr (json_object_get_string_member (io, "state"), ==, "locked");
  g_assert_cmpint (json_object_get_int_member (io, "remaining"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (io, "delivered"), ==, MAX_LICENSES);
}

/* a card left "personalised" by an interrupted run: finished over PC/SC
 * only with the same personalisation (GET DATA 19 + GET ST PUBKEY) */
static void
test_resume (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *state2 = g_build_filename (tmpdir, "interrupted.json", NULL);
  g_autoptr(OsspHsm) hsm = slot1 ();
  g_autoptr(GBytes) other = ossp_test_perso_for (&chips[1], 1);
  g_autoptr(OsspHsmProvisioning) wrong = ossp_test_provisioning (other, 5);
  g_autoptr(OsspHsmProvisioning) right = ossp_test_provisioning (perso, 5);
  g_autoptr(OsspHsmInfo) info = NULL;

  {
    g_autoptr(OsspSimHsmCard) card = ossp_sim_hsm_card_new (state2, &error);
    g_assert_no_error (error);
    g_assert_cmphex (ossp_sim_hsm_card_put_perso (card, g_bytes_get_data (perso, NULL),
                                                  g_bytes_get_size (perso)), ==, 0x9000);
  }
  g_assert_cmpint (ossp_test_pcscd_stop_card (pcscd), ==, 128 + 15);
  g_assert_true (ossp_test_pcscd_wait_card (pcscd, FALSE, 10000));
  ossp_test_pcscd_start_card (pcscd, state2, NULL);
  g_assert_true (ossp_test_pcscd_wait_card (pcscd, TRUE, 10000));

  g_assert_false (ossp_hsm_provision (hsm, wrong, NULL, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_STATE);
  g_assert_nonnull (strstr (error->message, "another personalisation"));
  g_clear_error (&error);
  g_assert_true (ossp_hsm_provision (hsm, right, NULL, &error));
  g_assert_no_error (error);
  info = ossp_hsm_get_info (hsm, NULL, &error);
  g_assert_cmpint (info->state, ==, OSSP_HSM_STATE_LOCKED);
  g_assert_cmpuint (info->remaining, ==, 5);
}

static void
test_card_removed (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspHsm) hsm = slot1 ();
  g_autoptr(GBytes) cert = ossp_test_chip_cert_bytes (&chips[0]);
  int status;

  /* the card is pulled while GET LICENSE arrives (APDU 2, after SELECT) */
  g_assert_cmpint (ossp_test_pcscd_stop_card (pcscd), ==, 128 + 15);
  g_assert_true (ossp_test_pcscd_wait_card (pcscd, FALSE, 10000));
  ossp_test_pcscd_start_card (pcscd, state, "--fail-after=2");
  g_assert_true (ossp_test_pcscd_wait_card (pcscd, TRUE, 10000));
  g_assert_null (ossp_hsm_get_license (hsm, cert, NULL, &error));
  g_test_message ("mid-command removal: %s", error->message);
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_DEVICE);
  g_assert_nonnull (strstr (error->message, OSSP_TEST_VPCD_READER));
  g_assert_nonnull (strstr (error->message, "getting a license"));
  g_assert_nonnull (strstr (error->message, "5000200A"));
  g_clear_error (&error);
  status = ossp_test_pcscd_wait_card_exit (pcscd);
  g_assert_cmpint (status, ==, 13);   /* exit code of OSSP_ERROR_DEVICE */

  /* no card at all now */
  g_assert_true (ossp_test_pcscd_wait_card (pcscd, FALSE, 10000));
  g_assert_null (ossp_hsm_get_license (hsm, cert, NULL, &error));
  g_test_message ("no card: %s", error->message);
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "No card in reader"));
}

static void
test_no_service (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspHsm) hsm = slot1 ();
  g_autoptr(OsspHsmInfo) info = NULL;
  g_autoptr(OsspTestRun) run = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonObject *err;

  /* a connected back-end first, so the stale-context path runs too */
  ossp_test_pcscd_start_card (pcscd, state, NULL);
  g_assert_true (ossp_test_pcscd_wait_card (pcscd, TRUE, 10000));
  info = ossp_hsm_get_info (hsm, NULL, &error);
  g_assert_no_error (error);

  ossp_test_pcscd_stop (pcscd);
  g_assert_null (ossp_hsm_get_info (hsm, NULL, &error));
  g_test_message ("no pcscd: %s", error->message);
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "pcscd"));
  g_clear_error (&error);
  g_assert_null (ossp_pcsc_list_readers (&error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_NOT_FOUND);

  run = ossp_test_run_cli (NULL, "hsm", "info", "--json", NULL);
  g_assert_cmpint (run->exit_status, ==, 4);
  root = ossp_test_run_json (run);
  err = json_object_get_object_member (json_node_get_object (root), "error");
  g_assert_cmpstr (json_object_get_string_member (err, "code"), ==, "not-found");
  g_assert_nonnull (strstr (json_object_get_string_member (err, "message"), "pcscd"));
}

int
main (int argc, char **argv)
{
  g_autofree char *skip = NULL;
  static const char *ids[4] = { "5000200A", "5000200B", "5010100D", "5000300B" };
  int ret;

  g_test_init (&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp ("openssp-pcscd-XXXXXX", NULL);
  g_assert_nonnull (tmpdir);
  pcscd = ossp_test_pcscd_start (tmpdir, &skip);
  if (pcscd == NULL)
    {
      printf ("SKIP: %s\n", skip);
      ossp_test_rm_rf (tmpdir);
      return 77;
    }
  state = g_build_filename (tmpdir, "card.json", NULL);
  for (guint i = 0; i < 4; i++)
    ossp_test_chip_init (&chips[i], ids[i], i ? &chips[0] : NULL);
  perso = ossp_test_perso_for (chips, 4);

  g_test_add_func ("/hsm/pcscd/readers", test_readers);
  g_test_add_func ("/hsm/pcscd/monitor-and-insert", test_monitor_and_insert);
  g_test_add_func ("/hsm/pcscd/info-blank", test_info_blank);
  g_test_add_func ("/hsm/pcscd/license-before-provision", test_license_before_provision);
  g_test_add_func ("/hsm/pcscd/provision", test_provision);
  g_test_add_func ("/hsm/pcscd/licenses-and-refusals", test_licenses);
  g_test_add_func ("/hsm/pcscd/counter-survives-restart", test_counter_survives_restart);
  g_test_add_func ("/hsm/pcscd/reader-choice", test_reader_choice);
  g_test_add_func ("/hsm/pcscd/cli", test_cli_over_pcscd);
  g_test_add_func ("/hsm/pcscd/resume", test_resume);
  g_test_add_func ("/hsm/pcscd/card-removed", test_card_removed);
  g_test_add_func ("/hsm/pcscd/no-service", test_no_service);
  ret = g_test_run ();

  ossp_test_pcscd_free (pcscd);
  g_bytes_unref (perso);
  ossp_test_rm_rf (tmpdir);
  g_free (tmpdir);
  g_free (state);
  return ret;
}
