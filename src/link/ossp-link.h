/* ossp-link.h — a transport from a port string ("usb1", "uart:/dev/ttyUSB0")
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <openssp.h>

G_BEGIN_DECLS

/* "usb", "usb1", "usb:N", "usb:BUS-PORT" → USB DFU;
 * "uart:PATH", "/dev/…" → UART.  The transport is not opened yet. */
OsspTransport *ossp_link_transport_new (const char *port,
                                        GError    **error);

/* Every port a user could pick now: UART devices then USB DFU devices,
 * with a human description each (same length as the result). */
GStrv          ossp_link_list_ports    (GStrv      *out_descriptions);

G_END_DECLS
