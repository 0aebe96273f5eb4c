/* test-provision-sim.c — end-to-end provisioning against the chip simulator
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The host (OsspProvisioner over the UART transport) and the simulator
 * (src/sim, served on a real pty) meet only on the wire.  The expected OTP
 * contents are computed here from the demo inputs (payload header, the OTP
 * list) and the spec's rules (ssp-flow.md §8), not read from the host.
 */
#include <string.h>

#include "ossp-provision-test-helper.h"
#include "ossp-sim-otp.h"

static guint
audit_lines (OsspProvisionBench *b)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) records = NULL;

  if (!g_file_test (b->audit_path, G_FILE_TEST_EXISTS))
    return 0;
  records = ossp_audit_log_read (b->audit_path, &error);
  g_assert_no_error (error);
  return records->len;
}

static JsonObject *
last_record (OsspProvisionBench *b)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) records = ossp_audit_log_read (b->audit_path, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (records->len, >, 0);
  return json_object_ref (g_ptr_array_index (records, records->len - 1));
}

/* The chip afterwards holds exactly what the inputs say (§8, §9). */
static void
assert_provisioned_otp (OsspProvisionBench *b,
                        OsspSimBoard       *board)
{
  g_autoptr(GError) error = NULL;
  OsspSimOtp *otp = ossp_sim_board_get_otp (board);
  OsspChip *chip = ossp_sim_board_get_chip (board);
  g_autoptr(OsspPayload) payload = ossp_payload_new_from_file (b->demo_view->payload, &error);
  g_autoptr(OsspOtpSecret) list = ossp_otp_secret_load_json (chip, b->demo_view->otp_list, &error);
  guint8 pkh[32];
  guint32 rma = 0;
  guint pkh_word = ossp_chip_get_pkh_first_word (chip);
  guint first = ossp_chip_get_secret_first_word (chip);
  guint last = ossp_chip_get_secret_last_word (chip);

  g_assert_no_error (error);
  g_assert_true (ossp_sim_board_is_provisioned (board));
  g_assert_true (ossp_sim_otp_is_closed (otp));
  /* PKH / PKHTH: word 24+i = big-endian read of hash bytes 4i..4i+3, locked */
  g_assert_true (ossp_payload_get_pkh (payload, pkh));
  for (guint i = 0; i < 8; i++)
    {
      g_assert_cmphex (ossp_sim_otp_peek_fuse (otp, pkh_word + i), ==, ossp_read_be32 (pkh + 4 * i));
      g_assert_true (ossp_sim_otp_is_locked (otp, pkh_word + i));
    }
  /* RMA: masked, programmed and locked */
  g_assert_true (ossp_otp_secret_get_rma_password (list, &rma));
  g_assert_cmphex (ossp_sim_otp_peek_fuse (otp, ossp_chip_get_rma_word (chip)), ==,
                   rma & ossp_chip_get_rma_mask (chip));
  g_assert_true (ossp_sim_otp_is_locked (otp, ossp_chip_get_rma_word (chip)));
  /* secrets: non-zero words programmed and locked, zero words left alone */
  for (guint w = first; w <= last; w++)
    {
      OsspOtpItem *item = ossp_otp_secret_lookup (list, w);
      guint32 v = item ? ossp_otp_item_get_value (item) : 0;
      g_assert_cmphex (ossp_sim_otp_peek_fuse (otp, w), ==, v);
      g_assert_cmpint (ossp_sim_otp_is_locked (otp, w), ==, v != 0);
    }
  /* SSP_REQ | SSP_SUCCESS */
  g_assert_cmphex (ossp_sim_otp_peek_fuse (otp, ossp_sim_otp_get_ssp_word (otp)) &
                   (ossp_sim_otp_get_ssp_req_mask (otp) | ossp_sim_otp_get_ssp_success_mask (otp)),
                   ==, ossp_sim_otp_get_ssp_req_mask (otp) | ossp_sim_otp_get_ssp_success_mask (otp));
}

static void
run_e2e (const char *chip_id)
{
  OsspProvisionBenchOptions opts;
  g_autoptr(OsspProvisionBench) b = NULL;
  g_autoptr(OsspProvisioner) prov = NULL;
  g_autoptr(OsspProvisioner) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspSimBoard) after = NULL;
  g_autoptr(JsonObject) rec = NULL;
  g_autoptr(OsspAuditReport) report = NULL;
  guint32 before;
  JsonObject *hsm, *lic, *chip;

  ossp_provision_bench_options_init (&opts);
  opts.chip_id = chip_id;
  b = ossp_provision_bench_new (&opts);
  before = ossp_provision_bench_remaining (b);

  prov = ossp_provision_bench_provisioner (b);
  g_assert_cmpint (ossp_provision_bench_run (prov, &error), ==, OSSP_PROVISION_RESULT_PROVISIONED);
  g_assert_no_error (error);
  g_assert_cmpstr (ossp_provisioner_get_product_id (prov), ==, b->demo_view->product_id);
  g_assert_cmpuint (ossp_provision_bench_remaining (b), ==, before - 1);
  g_assert_cmpfloat (ossp_progress_get_fraction (ossp_provisioner_get_progress (prov)), ==, 1.0);

  /* one audit line with the right fields */
  g_assert_cmpuint (audit_lines (b), ==, 1);
  rec = last_record (b);
  g_assert_cmpstr (json_object_get_string_member (rec, "result"), ==, "provisioned");
  g_assert_cmpstr (json_object_get_string_member (rec, "transport"), ==, "uart");
  g_assert_true (json_object_get_boolean_member (rec, "verified"));
  chip = json_object_get_object_member (rec, "chip");
  g_assert_cmpstr (json_object_get_string_member (chip, "product_id"), ==, b->demo_view->product_id);
  g_assert_cmpuint (strlen (json_object_get_string_member (chip, "certificate_sha256")), ==, 64);
  hsm = json_object_get_object_member (rec, "hsm");
  g_assert_cmpint (json_object_get_int_member (hsm, "counter_before"), ==, before);
  g_assert_cmpint (json_object_get_int_member (hsm, "counter_after"), ==, before - 1);
  lic = json_object_get_object_member (rec, "license");
  g_assert_true (json_object_get_boolean_member (lic, "consumed"));
  g_assert_true (json_object_get_boolean_member (lic, "used"));
  g_assert_cmpuint (strlen (json_object_get_string_member (rec, "payload_sha256")), ==, 64);
  g_assert_true (json_object_get_null_member (rec, "error"));

  /* a second run is refused before any license is spent */
  again = ossp_provision_bench_provisioner (b);
  if (ossp_provision_bench_run (again, &error) != OSSP_PROVISION_RESULT_ALREADY_PROVISIONED)
    g_error ("second run: %s", error ? error->message : "no error");
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_STATE);
  g_assert_nonnull (strstr (error->message, "already provisioned or closed"));
  g_clear_error (&error);
  g_assert_cmpuint (ossp_provision_bench_remaining (b), ==, before - 1);
  g_assert_cmpuint (audit_lines (b), ==, 2);

  report = ossp_audit_log_verify (b->audit_path, json_object_get_string_member (hsm, "serial"),
                                  before - 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->provisioned, ==, 1);

  after = ossp_provision_bench_stop_and_load (b);
  assert_provisioned_otp (b, after);
}

static void
test_provision_mp15 (void)
{
  run_e2e ("stm32mp15");
}

static void
test_provision_mp13 (void)
{
  run_e2e ("stm32mp13");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/provision/sim/mp15", test_provision_mp15);
  g_test_add_func ("/provision/sim/mp13", test_provision_mp13);
  return g_test_run ();
}
