/* ossp-provision-test-helper.c — a simulated factory line for provisioning tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ossp-sim-demo.h"
#include "ossp-provision-test-helper.h"

void
ossp_provision_bench_options_init (OsspProvisionBenchOptions *opts)
{
  memset (opts, 0, sizeof *opts);
  opts->chip_id = "stm32mp15";
  opts->fsbl_version = OSSP_SIM_FSBL_V2_6;
  opts->security_counter = -1;
}

static void
start_board (OsspProvisionBench              *b,
             const OsspProvisionBenchOptions *opts,
             const char                      *name)
{
  g_autoptr(GError) error = NULL;
  OsspSimFactoryOptions fo;
  OsspSimUartOptions uo;

  b->board_state = g_build_filename (b->dir, name, NULL);
  ossp_sim_factory_options_init (&fo);
  fo.fsbl_version = opts->fsbl_version;
  fo.security_counter = opts->security_counter;
  if (opts->closed_with_demo_key)
    {
      g_autoptr(OsspPayload) payload = ossp_payload_new_from_file (b->demo_view->payload, &error);
      g_assert_no_error (error);
      fo.closed = TRUE;
      fo.has_pkh = ossp_payload_get_pkh (payload, fo.pkh);
    }
  b->sim = ossp_sim_pty_board_new (opts->chip_id, b->board_state, &fo, &error);
  g_assert_no_error (error);
  if (opts->fault != NULL)
    {
      g_assert_true (ossp_sim_pty_board_add_fault (b->sim, opts->fault, &error));
      g_assert_no_error (error);
    }
  ossp_sim_uart_options_init (&uo);
  uo.baud = opts->baud;
  if (opts->byte_timeout_ms)
    uo.byte_timeout_ms = opts->byte_timeout_ms;
  uo.halt_reset_ms = 300;
  ossp_sim_pty_board_set_uart_options (b->sim, &uo);
  g_assert_true (ossp_sim_pty_board_start (b->sim, &error));
  g_assert_no_error (error);
}

OsspProvisionBench *
ossp_provision_bench_new (const OsspProvisionBenchOptions *opts)
{
  g_autoptr(GError) error = NULL;
  OsspProvisionBench *b = g_new0 (OsspProvisionBench, 1);
  g_autofree char *demo_root = NULL;

  b->dir = ossp_test_make_tmpdir ();
  demo_root = g_build_filename (b->dir, "demo", NULL);
  b->demo = ossp_demo_ensure (demo_root, opts->payload_chip ? opts->payload_chip : opts->chip_id,
                              &error);
  g_assert_no_error (error);
  b->demo_view = b->demo;
  b->hsm_state = g_build_filename (b->dir, "hsm.json", NULL);
  b->audit_path = g_build_filename (b->dir, "audit.jsonl", NULL);
  b->hsm = ossp_sim_demo_hsm_ensure (b->hsm_state, b->demo,
                                     opts->hsm_licenses ? opts->hsm_licenses : 100, &error);
  g_assert_no_error (error);
  start_board (b, opts, "board.json");
  return b;
}

OsspProvisionBench *
ossp_provision_bench_new_board (OsspProvisionBench              *bench,
                                const OsspProvisionBenchOptions *opts)
{
  OsspProvisionBench *b = g_new0 (OsspProvisionBench, 1);
  static guint n;
  g_autofree char *name = g_strdup_printf ("board-%u.json", ++n);

  b->dir = g_strdup (bench->dir);
  b->demo_view = bench->demo_view;
  b->hsm = g_object_ref (bench->hsm);
  b->hsm_state = g_strdup (bench->hsm_state);
  b->audit_path = g_strdup (bench->audit_path);
  start_board (b, opts, name);
  return b;
}

OsspSimBoard *
ossp_provision_bench_stop_and_load (OsspProvisionBench *b)
{
  g_autoptr(GError) error = NULL;
  OsspSimBoard *board;

  ossp_sim_pty_board_stop (b->sim);
  board = ossp_sim_board_load (b->board_state, &error);
  g_assert_no_error (error);
  return board;
}

void
ossp_provision_bench_free (OsspProvisionBench *b)
{
  if (b == NULL)
    return;
  g_clear_object (&b->sim);
  g_clear_object (&b->hsm);
  g_clear_pointer (&b->demo, ossp_demo_free);
  g_free (b->board_state);
  g_free (b->hsm_state);
  g_free (b->audit_path);
  g_free (b->dir);
  g_free (b);
}

OsspProvisioner *
ossp_provision_bench_provisioner (OsspProvisionBench *b)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspUartTransport) t = ossp_uart_transport_new (ossp_sim_pty_board_get_path (b->sim));
  g_autoptr(OsspPayload) payload = NULL;
  g_autoptr(GBytes) fw = NULL;
  g_autoptr(OsspAuditLog) log = ossp_audit_log_new (b->audit_path);
  OsspProvisioner *prov = ossp_provisioner_new (OSSP_TRANSPORT (t), OSSP_HSM (b->hsm));
  const OsspDemo *demo = b->demo_view;

  g_assert_nonnull (demo);
  payload = ossp_payload_new_from_file (demo->payload, &error);
  g_assert_no_error (error);
  fw = ossp_file_read_bytes (demo->firmware, 16 * 1024 * 1024, &error);
  g_assert_no_error (error);
  ossp_provisioner_set_payload (prov, payload);
  ossp_provisioner_set_firmware (prov, fw, demo->firmware);
  ossp_provisioner_set_audit_log (prov, log);
  ossp_provisioner_set_hsm_label (prov, "sim:in-process");
  ossp_provisioner_set_confirmed (prov, "test");
  ossp_provisioner_set_timeouts (prov, 3000, 3000, 600);
  return prov;
}

static void
run_done (GObject *source, GAsyncResult *res, gpointer data)
{
  GAsyncResult **out = data;
  *out = g_object_ref (res);
}

OsspProvisionResult
ossp_provision_bench_run (OsspProvisioner *prov,
                          GError         **error)
{
  g_autoptr(GAsyncResult) res = NULL;

  ossp_provisioner_run_async (prov, NULL, run_done, &res);
  while (res == NULL)
    g_main_context_iteration (NULL, TRUE);
  return ossp_provisioner_run_finish (prov, res, error);
}

guint32
ossp_provision_bench_remaining (OsspProvisionBench *b)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspHsmInfo) info = ossp_hsm_get_info (OSSP_HSM (b->hsm), NULL, &error);

  g_assert_no_error (error);
  return info->remaining;
}
