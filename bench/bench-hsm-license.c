/* bench-hsm-license.c — licenses per second: soft-HSM in process vs the
 * full PC/SC path (private pcscd + vpcd + the sim-card process)
 *
 *   bench-hsm-license COUNT      (run through bench/hsm-license.sh)
 *
 * Both cards keep their counter in a state file written (fsync'd) before
 * each license leaves the card, as a real deployment would.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>

#include "ossp-test-hsm.h"
#include "ossp-test-pcscd.h"
#include "ossp-pcsc-hsm.h"
#include "ossp-sim-hsm.h"

static double
run_licenses (OsspHsm      *hsm,
              OsspTestChip *chip,
              guint         count)
{
  g_autoptr(GBytes) cert = ossp_test_chip_cert_bytes (chip);
  gint64 start = g_get_monotonic_time ();

  for (guint i = 0; i < count; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) lic = ossp_hsm_get_license (hsm, cert, NULL, &error);
      if (lic == NULL)
        g_error ("license %u failed: %s", i, error->message);
    }
  return (g_get_monotonic_time () - start) / 1e6;
}

static void
provision_state (const char *path, GBytes *perso, guint max)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspHsm) hsm = (OsspHsm *) ossp_sim_hsm_new_for_state (path, &error);
  g_autoptr(OsspHsmProvisioning) p = ossp_test_provisioning (perso, max);

  if (hsm == NULL || !ossp_hsm_provision (hsm, p, NULL, &error))
    g_error ("provisioning failed: %s", error->message);
}

int
main (int argc, char **argv)
{
  guint count = argc > 1 ? (guint) atoi (argv[1]) : 200;
  g_autofree char *dir = g_dir_make_tmp ("openssp-bench-XXXXXX", NULL);
  g_autofree char *local_state = g_build_filename (dir, "local.json", NULL);
  g_autofree char *pcsc_state = g_build_filename (dir, "pcsc.json", NULL);
  g_autofree char *skip = NULL;
  g_autoptr(GBytes) perso = NULL;
  g_autoptr(OsspHsm) local = NULL;
  g_autoptr(OsspHsm) pcsc = NULL;
  g_autoptr(GError) error = NULL;
  OsspTestPcscd *pcscd;
  OsspTestChip chip;
  double t_local, t_pcsc, r_local, r_pcsc;

  ossp_test_chip_init (&chip, "5000200A", NULL);
  perso = ossp_test_perso_for (&chip, 1);
  provision_state (local_state, perso, count + 1);
  provision_state (pcsc_state, perso, count + 1);

  local = (OsspHsm *) ossp_sim_hsm_new_for_state (local_state, &error);
  g_assert_no_error (error);
  run_licenses (local, &chip, 1);   /* warm up */
  t_local = run_licenses (local, &chip, count);

  pcscd = ossp_test_pcscd_start (dir, &skip);
  if (pcscd == NULL)
    {
      printf ("SKIP: %s\n", skip);
      return 77;
    }
  ossp_test_pcscd_start_card (pcscd, pcsc_state, NULL);
  if (!ossp_test_pcscd_wait_card (pcscd, TRUE, 10000))
    g_error ("the simulated card did not appear in the reader");
  pcsc = (OsspHsm *) ossp_pcsc_hsm_new (OSSP_TEST_VPCD_READER, 0);
  run_licenses (pcsc, &chip, 1);    /* warm up: connects the card */
  t_pcsc = run_licenses (pcsc, &chip, count);
  ossp_test_pcscd_free (pcscd);

  r_local = count / t_local;
  r_pcsc = count / t_pcsc;
  printf ("in-process soft-HSM : %u licenses in %.3f s = %8.1f licenses/s\n", count, t_local, r_local);
  printf ("pcscd + vpcd + card : %u licenses in %.3f s = %8.1f licenses/s\n", count, t_pcsc, r_pcsc);
  printf ("ratio pcscd / in-process = %.2f (in-process is %.1fx faster)\n", r_pcsc / r_local, r_local / r_pcsc);
  printf ("goal >= 20 licenses/s over pcscd: %s\n", r_pcsc >= 20 ? "met" : "NOT met");
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
    if (system (cmd) != 0)
      g_warning ("could not remove %s", dir);
  }
  return 0;
}
