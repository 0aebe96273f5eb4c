/* sim-usb-probe.c — a tiny libusb host for `openssp sim usb -- COMMAND` tests
 *
 * Finds 0483:DF11, prints its alternate settings and the GetPhase reply
 * (UPLOAD on the last alt) as one JSON object. Exit 0 found, 4 not found.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <libusb.h>
#include <glib.h>

int
main (int argc, char **argv)
{
  libusb_context *ctx = NULL;
  libusb_device_handle *h = NULL;
  struct libusb_config_descriptor *cfg = NULL;
  gint64 deadline = g_get_monotonic_time () + 3 * G_USEC_PER_SEC;
  unsigned char buf[256];
  int n, last;

  if (libusb_init (&ctx) != 0)
    return 1;
  while (h == NULL && g_get_monotonic_time () < deadline)
    {
      h = libusb_open_device_with_vid_pid (ctx, 0x0483, 0xDF11);
      if (h == NULL)
        g_usleep (20000);
    }
  if (h == NULL)
    {
      printf ("{\"found\": false}\n");
      return 4;
    }
  libusb_claim_interface (h, 0);
  libusb_get_active_config_descriptor (libusb_get_device (h), &cfg);
  last = cfg->interface[0].num_altsetting - 1;
  printf ("{\"found\": true, \"address\": %u, \"alts\": [", libusb_get_device_address (libusb_get_device (h)));
  for (int a = 0; a <= last; a++)
    {
      n = libusb_get_string_descriptor_ascii (h, cfg->interface[0].altsetting[a].iInterface, buf, sizeof buf);
      printf ("%s\"%.*s\"", a ? ", " : "", n > 0 ? n : 0, buf);
    }
  libusb_set_interface_alt_setting (h, 0, last);
  n = libusb_control_transfer (h, 0xA1, 2, 0, 0, buf, sizeof buf, 2000);
  printf ("], \"phase\": \"");
  for (int i = 0; i < n; i++)
    printf ("%02x", buf[i]);
  printf ("\"}\n");
  libusb_free_config_descriptor (cfg);
  libusb_close (h);
  libusb_exit (ctx);
  return 0;
}
