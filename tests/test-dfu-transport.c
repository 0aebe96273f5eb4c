/* test-dfu-transport.c — the USB DFU link with the real libusb
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * This machine has no USB bus at all (platform.md §5), so with the real
 * libusb these tests prove the paths a user without a board hits: no
 * device → a clear, bounded timeout; bad port names → usage errors.  The
 * transport against a simulated DFU device (umockdev) is tested in
 * test-dfu-umockdev.c.
 */
#include <string.h>

#include "ossp-test-helper.h"
#include "ossp-dfu-transport.h"
#include "ossp-link.h"

static void
test_dfu_selectors (void)
{
  const char *good[] = { "usb", "usb1", "usb:1", "usb:3", "usb:1-2", "usb:1-2.4.1", "usb2-1" };
  const char *bad[] = { "usb0", "usb:x", "usb:1-", "usb:1-2.300", "usbfoo", "usb:-1" };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(OsspDfuTransport) t = ossp_dfu_transport_new (good[i], &error);
      g_assert_no_error (error);
      g_assert_nonnull (t);
      g_assert_cmpstr (ossp_transport_get_kind (OSSP_TRANSPORT (t)), ==, "usb");
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(OsspDfuTransport) t = ossp_dfu_transport_new (bad[i], &error);
      g_assert_null (t);
      g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (strstr (error->message, bad[i]));
    }
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(OsspDfuTransport) t = ossp_dfu_transport_new ("usb:1-2.4", &error);
    g_assert_cmpstr (ossp_dfu_transport_get_port_path (t), ==, "1-2.4");
    g_assert_cmpstr (ossp_transport_get_name (OSSP_TRANSPORT (t)), ==, "usb:1-2.4");
  }
}

static void
test_dfu_no_device (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspDfuTransport) t = ossp_dfu_transport_new ("usb1", &error);
  g_autoptr(OsspPhaseInfo) info = NULL;
  gint64 t0;

  g_assert_true (ossp_transport_open (OSSP_TRANSPORT (t), NULL, &error));
  g_assert_no_error (error);
  t0 = g_get_monotonic_time ();
  g_assert_cmpint (ossp_transport_wait_device (OSSP_TRANSPORT (t), 0, 300, NULL, &error), ==,
                   OSSP_TRANSPORT_STAGE_NONE);
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_TIMEOUT);
  g_assert_nonnull (strstr (error->message, "0483:DF11"));
  g_assert_cmpint (g_get_monotonic_time () - t0, <, 2 * G_USEC_PER_SEC);
  g_clear_error (&error);

  /* every request without a device is a clear state error, not a crash */
  info = ossp_transport_get_phase (OSSP_TRANSPORT (t), NULL, &error);
  g_assert_null (info);
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_STATE);
  g_clear_error (&error);
  g_assert_false (ossp_transport_reset (OSSP_TRANSPORT (t), NULL, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_STATE);
  ossp_transport_close (OSSP_TRANSPORT (t));
}

static void
test_dfu_list_empty (void)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) descs = NULL;
  g_auto(GStrv) ports = ossp_dfu_transport_list_ports (&descs, &error);

  g_assert_no_error (error);
  g_assert_nonnull (ports);
  /* nothing plugged here; with a board this would list it */
  g_assert_cmpuint (g_strv_length (ports), ==, g_strv_length (descs));
}

static void
test_link_port_strings (void)
{
  struct { const char *port; const char *kind; } cases[] = {
    { "usb1", "usb" }, { "usb:1-3", "usb" }, { "uart:/dev/ttyUSB0", "uart" },
    { "/dev/ttyACM1", "uart" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(OsspTransport) t = ossp_link_transport_new (cases[i].port, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (ossp_transport_get_kind (t), ==, cases[i].kind);
    }
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(OsspTransport) t = ossp_link_transport_new ("COM3", &error);
    g_assert_null (t);
    g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dfu/selectors", test_dfu_selectors);
  g_test_add_func ("/dfu/no-device", test_dfu_no_device);
  g_test_add_func ("/dfu/list-empty", test_dfu_list_empty);
  g_test_add_func ("/link/port-strings", test_link_port_strings);
  return g_test_run ();
}
