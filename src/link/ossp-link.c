/* ossp-link.c — a transport from a port string
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ossp-link.h"
#include "ossp-dfu-transport.h"
#include "ossp-uart-transport.h"

OsspTransport *
ossp_link_transport_new (const char *port,
                         GError    **error)
{
  g_return_val_if_fail (port != NULL, NULL);

  if (g_str_has_prefix (port, "usb"))
    return (OsspTransport *) ossp_dfu_transport_new (port, error);
  if (g_str_has_prefix (port, "uart:") && port[5] != '\0')
    return (OsspTransport *) ossp_uart_transport_new (port + 5);
  if (g_str_has_prefix (port, "/dev/") || g_str_has_prefix (port, "/"))
    return (OsspTransport *) ossp_uart_transport_new (port);
  /* CubeProgrammer spells serial ports "COM3" or "/dev/ttyUSB0" */
  g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
               "Port \"%s\" is not understood; use usb1, usb:BUS-PORT, uart:/dev/ttyUSB0 or a "
               "/dev path", port);
  return NULL;
}

GStrv
ossp_link_list_ports (GStrv *out_descriptions)
{
  g_autoptr(GStrvBuilder) ports = g_strv_builder_new ();
  g_autoptr(GStrvBuilder) descs = g_strv_builder_new ();
  g_auto(GStrv) uarts = ossp_uart_transport_list_ports ();
  g_auto(GStrv) usb = NULL;
  g_auto(GStrv) usb_desc = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; uarts[i]; i++)
    {
      g_autofree char *port = g_strdup_printf ("uart:%s", uarts[i]);
      g_autofree char *desc = g_strdup_printf ("Serial port %s", uarts[i]);
      g_strv_builder_add (ports, port);
      g_strv_builder_add (descs, desc);
    }
  usb = ossp_dfu_transport_list_ports (&usb_desc, &error);
  if (usb == NULL)
    g_debug ("USB devices not listed: %s", error->message);
  for (guint i = 0; usb && usb[i]; i++)
    {
      g_autofree char *desc = g_strdup_printf ("USB DFU %s — %s", usb[i] + 4, usb_desc[i]);
      g_strv_builder_add (ports, usb[i]);
      g_strv_builder_add (descs, desc);
    }
  if (out_descriptions)
    *out_descriptions = g_strv_builder_end (descs);
  return g_strv_builder_end (ports);
}
