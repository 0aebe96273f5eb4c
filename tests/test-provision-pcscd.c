/* test-provision-pcscd.c — provisioning with the HSM on the real PC/SC stack
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A private pcscd with vsmartcard's vpcd reader and the soft-HSM card
 * process (area hsm's fixture, tests/ossp-test-pcscd.c), the built-in
 * simulated board on a pty, and `openssp provision` spelled as
 * STM32CubeProgrammer's users know it: -c port=… -ssp FILE FW hsm=1 slot=1.
 * Skips (77) when pcscd or vpcd is not installed.
 */
#include <string.h>

#include "ossp-test-pcscd.h"
#include "ossp-pcsc-hsm.h"
#include "ossp-sim-demo.h"

static guint32
remaining (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspPcscHsm) hsm = ossp_pcsc_hsm_new (NULL, 1);
  g_autoptr(OsspHsmInfo) info = ossp_hsm_get_info (OSSP_HSM (hsm), NULL, &error);

  g_assert_no_error (error);
  return info->remaining;
}

static char *
serial (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspPcscHsm) hsm = ossp_pcsc_hsm_new (NULL, 1);
  g_autoptr(OsspHsmInfo) info = ossp_hsm_get_info (OSSP_HSM (hsm), NULL, &error);

  g_assert_no_error (error);
  return g_strdup (info->serial);
}

static void
test_cubeprogrammer_hsm_slot (void)
{
  g_autofree char *skip = NULL;
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *demo_dir = NULL;
  g_autofree char *state = NULL;
  g_autofree char *board = NULL;
  g_autofree char *audit = NULL;
  g_autofree char *hsm_serial = NULL;
  g_autofree char *counter = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspDemo) demo = NULL;
  g_autoptr(OsspTestRun) run = NULL;
  g_autoptr(OsspTestRun) again = NULL;
  g_autoptr(OsspTestRun) verify = NULL;
  OsspTestPcscd *pcscd;
  guint32 before;

  /* the first PC/SC use of this process (the client reads the socket once) */
  pcscd = ossp_test_pcscd_start (dir, &skip);
  if (pcscd == NULL)
    {
      g_test_skip (skip);
      return;
    }
  demo_dir = g_build_filename (dir, "demo", NULL);
  state = g_build_filename (dir, "card.json", NULL);
  board = g_build_filename (dir, "board.json", NULL);
  audit = g_build_filename (dir, "audit.jsonl", NULL);

  /* the card's state, personalised for the demo chips, then served by the
   * card process over vpcd */
  demo = ossp_demo_ensure (demo_dir, "stm32mp15", &error);
  g_assert_no_error (error);
  {
    g_autoptr(OsspSimHsm) made = ossp_sim_demo_hsm_ensure (state, demo, 5, &error);
    g_assert_no_error (error);
    g_assert_nonnull (made);
  }
  ossp_test_pcscd_start_card (pcscd, state, NULL);
  g_assert_true (ossp_test_pcscd_wait_card (pcscd, TRUE, 10000));
  before = remaining ();
  g_assert_cmpuint (before, ==, 5);

  run = ossp_test_run_cli (NULL, "--yes", "provision", "-c", "port=sim", "-ssp", demo->payload,
                           demo->firmware, "hsm=1", "slot=1", "--sim-baud", "0", "--sim-state", board,
                           "--audit", audit, NULL);
  if (run->exit_status != 0)
    g_error ("provision over PC/SC failed (%d):\n%s\n%s\npcscd log:\n%s", run->exit_status, run->out,
             run->err, ossp_test_pcscd_get_log (pcscd));
  g_assert_nonnull (strstr (run->out, "provisioned: chip 5000200A"));
  g_assert_cmpuint (remaining (), ==, before - 1);

  again = ossp_test_run_cli (NULL, "--yes", "provision", "-c", "port=sim", "-ssp", demo->payload,
                             demo->firmware, "hsm=1", "slot=1", "--sim-baud", "0", "--sim-state",
                             board, "--audit", audit, NULL);
  g_assert_cmpint (again->exit_status, ==, 20);
  g_assert_cmpuint (remaining (), ==, before - 1);

  /* the log reconciles against the card's own counter */
  hsm_serial = serial ();
  counter = g_strdup_printf ("%u", remaining ());
  verify = ossp_test_run_cli (NULL, "audit", "verify", audit, "--hsm-serial", hsm_serial,
                              "--hsm-counter", counter, NULL);
  g_assert_cmpint (verify->exit_status, ==, 0);
  {
    g_autoptr(OsspTestRun) wrong = ossp_test_run_cli (NULL, "audit", "verify", audit, "--hsm-serial",
                                                      hsm_serial, "--hsm-counter", "1", NULL);
    g_assert_cmpint (wrong->exit_status, ==, 12);
  }

  ossp_test_pcscd_stop_card (pcscd);
  ossp_test_pcscd_free (pcscd);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/provision/pcscd/cubeprogrammer-hsm-slot", test_cubeprogrammer_hsm_slot);
  return g_test_run ();
}
