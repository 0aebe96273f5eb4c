/* test-provision-usb.c — provisioning over USB DFU, the simulator under umockdev
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The host is the product's code unchanged: OsspProvisioner over
 * OsspDfuTransport, i.e. real libusb-1.0.  There is no USB bus here
 * (platform.md §5), so umockdev (preloaded by umockdev-wrapper) puts the
 * simulator's DFU device model (src/sim) behind /dev/bus/usb; the chip
 * resets and re-enumerates with a new address after each DETACH, as a
 * real one does.
 */
#include <string.h>

#include "ossp-test-helper.h"
#include "ossp-dfu-transport.h"
#include "ossp-sim-demo.h"
#include "ossp-test-usb-board.h"

typedef struct {
  char             *dir;
  OsspDemo         *demo;
  OsspSimHsm       *hsm;
  OsspTestUsbBoard  usb;
} Bench;

static void
bench_init (Bench      *b,
            const char *chip,
            const char *fault)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *demo_dir = NULL;
  g_autofree char *hsm = NULL;

  b->dir = ossp_test_make_tmpdir ();
  demo_dir = g_build_filename (b->dir, "demo", NULL);
  hsm = g_build_filename (b->dir, "hsm.json", NULL);
  b->demo = ossp_demo_ensure (demo_dir, chip, &error);
  g_assert_no_error (error);
  b->hsm = ossp_sim_demo_hsm_ensure (hsm, b->demo, 10, &error);
  g_assert_no_error (error);

  ossp_test_usb_board_init (&b->usb, chip, fault, g_getenv ("OSSP_SIM_TRACE") != NULL);
}

static void
bench_clear (Bench *b)
{
  ossp_test_usb_board_clear (&b->usb);
  g_object_unref (b->hsm);
  ossp_demo_free (b->demo);
  g_free (b->dir);
}

static void
run_done (GObject *source, GAsyncResult *res, gpointer data)
{
  *(GAsyncResult **) data = g_object_ref (res);
}

static OsspProvisionResult
provision (Bench   *b,
           GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(OsspDfuTransport) t = ossp_dfu_transport_new ("usb1", &local);
  g_autoptr(OsspPayload) payload = ossp_payload_new_from_file (b->demo->payload, &local);
  g_autoptr(GBytes) fw = ossp_file_read_bytes (b->demo->firmware, 1 << 24, &local);
  g_autoptr(OsspProvisioner) prov = NULL;
  g_autoptr(GAsyncResult) res = NULL;

  g_assert_no_error (local);
  prov = ossp_provisioner_new (OSSP_TRANSPORT (t), OSSP_HSM (b->hsm));
  ossp_provisioner_set_payload (prov, payload);
  ossp_provisioner_set_firmware (prov, fw, b->demo->firmware);
  ossp_provisioner_set_confirmed (prov, "test");
  ossp_provisioner_set_timeouts (prov, 5000, 5000, 600);
  ossp_provisioner_run_async (prov, NULL, run_done, &res);
  while (res == NULL)
    g_main_context_iteration (NULL, TRUE);
  return ossp_provisioner_run_finish (prov, res, error);
}

static void
run_usb (const char *chip)
{
  Bench b = { 0 };
  g_autoptr(GError) error = NULL;

  bench_init (&b, chip, NULL);
  g_assert_cmpint (provision (&b, &error), ==, OSSP_PROVISION_RESULT_PROVISIONED);
  g_assert_no_error (error);
  ossp_sim_umockdev_lock (b.usb.adapter);
  g_assert_true (ossp_sim_board_is_provisioned (b.usb.board));
  g_assert_true (ossp_sim_otp_is_closed (ossp_sim_board_get_otp (b.usb.board)));
  ossp_sim_umockdev_unlock (b.usb.adapter);

  /* and a second run is refused */
  g_assert_cmpint (provision (&b, &error), ==, OSSP_PROVISION_RESULT_ALREADY_PROVISIONED);
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_STATE);
  bench_clear (&b);
}

static void
test_usb_mp15 (void)
{
  run_usb ("stm32mp15");
}

static void
test_usb_mp13 (void)
{
  run_usb ("stm32mp13");
}

/* A stalled request or a vanished device is an error, never a hang. */
static void
test_usb_unplugged (void)
{
  Bench b = { 0 };
  g_autoptr(GError) error = NULL;
  gint64 t0 = g_get_monotonic_time ();

  bench_init (&b, "stm32mp15", "hangup@40");
  g_assert_cmpint (provision (&b, &error), ==, OSSP_PROVISION_RESULT_FAILED);
  g_assert_nonnull (error);
  g_test_message ("unplugged: %s", error->message);
  g_assert_cmpint (g_get_monotonic_time () - t0, <, 60 * G_USEC_PER_SEC);
  bench_clear (&b);
}

static void
test_usb_stall (void)
{
  Bench b = { 0 };
  g_autoptr(GError) error = NULL;

  bench_init (&b, "stm32mp15", "nack@6");
  g_assert_cmpint (provision (&b, &error), ==, OSSP_PROVISION_RESULT_FAILED);
  g_assert_nonnull (error);
  g_test_message ("stall: %s", error->message);
  g_assert_nonnull (strstr (error->message, "stall"));
  bench_clear (&b);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (g_getenv ("LD_PRELOAD") == NULL || strstr (g_getenv ("LD_PRELOAD"), "umockdev") == NULL)
    {
      g_test_message ("needs umockdev-wrapper");
      return 77;
    }
  g_test_add_func ("/provision/usb/mp15", test_usb_mp15);
  g_test_add_func ("/provision/usb/mp13", test_usb_mp13);
  g_test_add_func ("/provision/usb/unplugged", test_usb_unplugged);
  g_test_add_func ("/provision/usb/stall", test_usb_stall);
  return g_test_run ();
}
