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

/* ---- fault matrix ---- */

typedef struct {
  const char         *name;
  const char         *fault;
  OsspProvisionResult expect;
  int                 code;          /* error code when not provisioned */
  const char         *needle;        /* in the error message */
  gboolean            license_spent;
} FaultCase;

static const FaultCase fault_cases[] = {
  /* the wire loses or mangles a byte: retried where the protocol allows */
  { "drop-byte", "drop-byte@2", OSSP_PROVISION_RESULT_PROVISIONED, 0, NULL, TRUE },
  { "corrupt-byte", "corrupt-byte@40", OSSP_PROVISION_RESULT_PROVISIONED, 0, NULL, TRUE },
  { "nack-command", "nack@3", OSSP_PROVISION_RESULT_PROVISIONED, 0, NULL, TRUE },
  { "nack-download", "nack-download@1", OSSP_PROVISION_RESULT_PROVISIONED, 0, NULL, TRUE },
  { "stall", "stall@143=300", OSSP_PROVISION_RESULT_PROVISIONED, 0, NULL, TRUE },
  { "no-resync", "no-resync", OSSP_PROVISION_RESULT_PROVISIONED, 0, NULL, TRUE },
  /* the chip loses power while burning: the check boot sees it */
  { "reset-during-burn", "reset-during-burn", OSSP_PROVISION_RESULT_FAILED, OSSP_ERROR_DEVICE,
    "did not complete", TRUE },
  /* the link dies before the license: nothing spent */
  { "hangup-before-license", "hangup@80", OSSP_PROVISION_RESULT_FAILED, OSSP_ERROR_DEVICE,
    "gone", FALSE },
  { "silent-before-license", "drop-link@72", OSSP_PROVISION_RESULT_FAILED, -1, NULL, FALSE },
  /* the link dies after the license: recorded as consumed, not used */
  { "hangup-after-license", "hangup@147", OSSP_PROVISION_RESULT_FAILED, OSSP_ERROR_DEVICE,
    "License consumed but not used", TRUE },
  /* the certificate's signature does not verify: the HSM gives nothing */
  { "bad-cert", "bad-cert", OSSP_PROVISION_RESULT_FAILED, -1, NULL, FALSE },
};

static void
test_fault (gconstpointer data)
{
  const FaultCase *fc = data;
  OsspProvisionBenchOptions opts;
  g_autoptr(OsspProvisionBench) b = NULL;
  g_autoptr(OsspProvisioner) prov = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) rec = NULL;
  g_autoptr(OsspAuditReport) report = NULL;
  g_autoptr(OsspSimBoard) after = NULL;
  OsspProvisionResult result;
  guint32 before;
  JsonObject *lic;

  ossp_provision_bench_options_init (&opts);
  opts.fault = fc->fault;
  b = ossp_provision_bench_new (&opts);
  before = ossp_provision_bench_remaining (b);
  prov = ossp_provision_bench_provisioner (b);
  result = ossp_provision_bench_run (prov, &error);
  g_test_message ("%s: %s → %s%s%s", fc->name, fc->fault, ossp_provision_result_to_string (result),
                  error ? ": " : "", error ? error->message : "");
  g_assert_cmpint (result, ==, fc->expect);
  if (fc->expect == OSSP_PROVISION_RESULT_PROVISIONED)
    g_assert_no_error (error);
  else
    {
      g_assert_nonnull (error);
      if (fc->code >= 0)
        g_assert_error (error, OSSP_ERROR, fc->code);
      if (fc->needle)
        g_assert_nonnull (strstr (error->message, fc->needle));
    }
  /* no silent retry that could burn twice: at most one license per run */
  g_assert_cmpuint (ossp_provision_bench_remaining (b), ==, before - (fc->license_spent ? 1 : 0));

  /* one audit line that tells what happened */
  g_assert_cmpuint (audit_lines (b), ==, 1);
  rec = last_record (b);
  g_assert_cmpstr (json_object_get_string_member (rec, "result"), ==,
                   ossp_provision_result_to_string (fc->expect));
  lic = json_object_get_object_member (rec, "license");
  g_assert_cmpint (json_object_get_boolean_member (lic, "consumed"), ==, fc->license_spent);
  g_assert_cmpint (json_object_get_boolean_member (lic, "used"), ==,
                   fc->expect == OSSP_PROVISION_RESULT_PROVISIONED);
  g_clear_error (&error);
  report = ossp_audit_log_verify (b->audit_path, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->licenses_unused, ==,
                    fc->license_spent && fc->expect != OSSP_PROVISION_RESULT_PROVISIONED ? 1 : 0);

  after = ossp_provision_bench_stop_and_load (b);
  g_assert_cmpint (ossp_sim_board_is_provisioned (after), ==,
                   fc->expect == OSSP_PROVISION_RESULT_PROVISIONED);
  if (fc->expect == OSSP_PROVISION_RESULT_PROVISIONED)
    assert_provisioned_otp (b, after);
}

/* ---- refusals before anything is burnt or spent ---- */

static OsspProvisionResult
run_bench (OsspProvisionBench *b,
           GError            **error)
{
  g_autoptr(OsspProvisioner) prov = ossp_provision_bench_provisioner (b);
  return ossp_provision_bench_run (prov, error);
}

static void
test_refuse_wrong_family (void)
{
  OsspProvisionBenchOptions opts;
  g_autoptr(OsspProvisionBench) b = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspSimBoard) after = NULL;
  guint32 before;

  /* payload for MP13, chip MP15 */
  ossp_provision_bench_options_init (&opts);
  opts.payload_chip = "stm32mp13";
  b = ossp_provision_bench_new (&opts);
  before = ossp_provision_bench_remaining (b);
  g_assert_cmpint (run_bench (b, &error), ==, OSSP_PROVISION_RESULT_REFUSED);
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_VALIDATION);
  g_assert_nonnull (strstr (error->message, "Wrong chip"));
  g_assert_cmpuint (ossp_provision_bench_remaining (b), ==, before);
  after = ossp_provision_bench_stop_and_load (b);
  /* nothing was sent: the ROM never started an FSBL */
  g_assert_cmpuint (ossp_sim_board_get_boots (after), ==, 0);
  g_assert_cmphex (ossp_sim_otp_peek_fuse (ossp_sim_board_get_otp (after),
                                           ossp_sim_otp_get_ssp_word (ossp_sim_board_get_otp (after))) &
                   ossp_sim_otp_get_ssp_req_mask (ossp_sim_board_get_otp (after)), ==, 0);
}

static void
test_refuse_wrong_product (void)
{
  OsspProvisionBenchOptions opts;
  g_autoptr(OsspProvisionBench) b = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) rec = NULL;
  guint32 before;

  /* an MP15 with security counter 3: product id 5000300A, unknown to the HSM */
  ossp_provision_bench_options_init (&opts);
  opts.security_counter = 3;
  b = ossp_provision_bench_new (&opts);
  before = ossp_provision_bench_remaining (b);
  g_assert_cmpint (run_bench (b, &error), ==, OSSP_PROVISION_RESULT_REFUSED);
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_VALIDATION);
  g_assert_nonnull (strstr (error->message, "5000300A"));
  g_assert_nonnull (strstr (error->message, "no license was spent"));
  g_assert_cmpuint (ossp_provision_bench_remaining (b), ==, before);
  rec = last_record (b);
  g_assert_cmpstr (json_object_get_string_member (rec, "stage"), ==, "certificate");
  g_assert_false (json_object_get_boolean_member (json_object_get_object_member (rec, "license"),
                                                  "requested"));
}

static void
test_refuse_exhausted_hsm (void)
{
  OsspProvisionBenchOptions opts;
  g_autoptr(OsspProvisionBench) b = NULL;
  g_autoptr(OsspProvisionBench) second = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspSimBoard) after = NULL;

  ossp_provision_bench_options_init (&opts);
  opts.hsm_licenses = 1;
  b = ossp_provision_bench_new (&opts);
  g_assert_cmpint (run_bench (b, &error), ==, OSSP_PROVISION_RESULT_PROVISIONED);
  g_assert_cmpuint (ossp_provision_bench_remaining (b), ==, 0);

  second = ossp_provision_bench_new_board (b, &opts);
  g_assert_cmpint (run_bench (second, &error), ==, OSSP_PROVISION_RESULT_REFUSED);
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_HSM);
  g_assert_nonnull (strstr (error->message, "no license left"));
  after = ossp_provision_bench_stop_and_load (second);
  g_assert_cmpuint (ossp_sim_board_get_boots (after), ==, 0);
}

static void
test_refuse_closed_chip (void)
{
  OsspProvisionBenchOptions opts;
  g_autoptr(OsspProvisionBench) b = NULL;
  g_autoptr(GError) error = NULL;
  guint32 before;

  ossp_provision_bench_options_init (&opts);
  opts.closed_with_demo_key = TRUE;
  b = ossp_provision_bench_new (&opts);
  before = ossp_provision_bench_remaining (b);
  g_assert_cmpint (run_bench (b, &error), ==, OSSP_PROVISION_RESULT_ALREADY_PROVISIONED);
  g_assert_nonnull (strstr (error->message, "already provisioned or closed"));
  g_assert_cmpuint (ossp_provision_bench_remaining (b), ==, before);
}

static void
say_no (OsspProvisioner *prov,
        OsspBurnPlan    *plan,
        gpointer         data)
{
  guint *asked = data;
  g_autofree char *text = ossp_burn_plan_to_text (plan, FALSE);

  (*asked)++;
  /* the plan names what will be burnt before the question is asked */
  g_assert_nonnull (strstr (text, "SSP_REQ"));
  g_assert_nonnull (strstr (text, "SSP_SUCCESS"));
  g_assert_cmpstr (ossp_burn_plan_get_confirm_word (plan), ==, "5000200A");
  ossp_provisioner_confirm (prov, FALSE, "typed-wrong");
}

static void
test_refuse_not_confirmed (void)
{
  OsspProvisionBenchOptions opts;
  g_autoptr(OsspProvisionBench) b = NULL;
  g_autoptr(OsspProvisioner) prov = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspSimBoard) after = NULL;
  guint asked = 0;

  ossp_provision_bench_options_init (&opts);
  b = ossp_provision_bench_new (&opts);
  prov = ossp_provision_bench_provisioner (b);
  ossp_provisioner_set_confirmed (prov, NULL);
  ossp_provisioner_set_confirm_func (prov, say_no, &asked, NULL);
  g_assert_cmpint (ossp_provision_bench_run (prov, &error), ==, OSSP_PROVISION_RESULT_REFUSED);
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_NOT_CONFIRMED);
  g_assert_cmpuint (asked, ==, 1);
  after = ossp_provision_bench_stop_and_load (b);
  g_assert_cmpuint (ossp_sim_board_get_boots (after), ==, 0);
}

static void
cancel_on_step (OsspProgress *progress,
                GCancellable *cancel)
{
  g_autofree char *step = ossp_progress_dup_step_id (progress);
  if (g_strcmp0 (step, "boot2") == 0)
    g_cancellable_cancel (cancel);
}

static void
run_done (GObject *source, GAsyncResult *res, gpointer data)
{
  *(GAsyncResult **) data = g_object_ref (res);
}

static void
test_cancel_before_license (void)
{
  OsspProvisionBenchOptions opts;
  g_autoptr(OsspProvisionBench) b = NULL;
  g_autoptr(OsspProvisioner) prov = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancel = g_cancellable_new ();
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(JsonObject) rec = NULL;
  guint32 before;

  ossp_provision_bench_options_init (&opts);
  b = ossp_provision_bench_new (&opts);
  before = ossp_provision_bench_remaining (b);
  prov = ossp_provision_bench_provisioner (b);
  g_signal_connect (ossp_provisioner_get_progress (prov), "changed", G_CALLBACK (cancel_on_step),
                    cancel);
  ossp_provisioner_run_async (prov, cancel, run_done, &res);
  while (res == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (ossp_provisioner_run_finish (prov, res, &error), ==,
                   OSSP_PROVISION_RESULT_CANCELLED);
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_CANCELLED);
  g_assert_cmpuint (ossp_provision_bench_remaining (b), ==, before);
  rec = last_record (b);
  g_assert_cmpstr (json_object_get_string_member (rec, "result"), ==, "cancelled");
  g_assert_false (json_object_get_boolean_member (json_object_get_object_member (rec, "license"),
                                                  "consumed"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/provision/sim/mp15", test_provision_mp15);
  g_test_add_func ("/provision/sim/mp13", test_provision_mp13);
  for (guint i = 0; i < G_N_ELEMENTS (fault_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/provision/sim/fault/%s", fault_cases[i].name);
      g_test_add_data_func (path, &fault_cases[i], test_fault);
    }
  g_test_add_func ("/provision/sim/refuse/wrong-family", test_refuse_wrong_family);
  g_test_add_func ("/provision/sim/refuse/wrong-product", test_refuse_wrong_product);
  g_test_add_func ("/provision/sim/refuse/exhausted-hsm", test_refuse_exhausted_hsm);
  g_test_add_func ("/provision/sim/refuse/closed-chip", test_refuse_closed_chip);
  g_test_add_func ("/provision/sim/refuse/not-confirmed", test_refuse_not_confirmed);
  g_test_add_func ("/provision/sim/cancel-before-license", test_cancel_before_license);
  return g_test_run ();
}
