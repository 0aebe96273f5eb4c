/* ossp-sim-vpcd.h — plugs a soft-HSM card into vsmartcard's vpcd reader
 *
 * vpcd (the IFD handler inside pcscd) listens on a TCP port; the card
 * connects to it. Every frame is a 2-byte big-endian length + payload; a
 * 1-byte payload is a control (0x00 power off, 0x01 on, 0x02 reset,
 * 0x04 "send the ATR"), anything longer is a command APDU answered with one
 * frame. Closing the connection removes the card.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ossp-sim-hsm-card.h"

G_BEGIN_DECLS

#define OSSP_TYPE_SIM_VPCD (ossp_sim_vpcd_get_type ())
G_DECLARE_FINAL_TYPE (OsspSimVpcd, ossp_sim_vpcd, OSSP, SIM_VPCD, GObject)

OsspSimVpcd *ossp_sim_vpcd_new          (OsspSimHsmCard  *card,
                                         const char      *host,
                                         guint16          port);
/* Connects once and serves until vpcd closes the connection (TRUE) or an
 * error/cancel (FALSE). */
gboolean     ossp_sim_vpcd_serve        (OsspSimVpcd     *self,
                                         GCancellable    *cancellable,
                                         GError         **error);
/* Inserts the card and keeps it inserted: reconnects whenever vpcd is not
 * there yet or went away (pcscd restarted), until cancelled. @ready_cb runs
 * after each successful connection. */
typedef void (*OsspSimVpcdReadyFunc) (OsspSimVpcd *self, gpointer user_data);
gboolean     ossp_sim_vpcd_serve_forever (OsspSimVpcd    *self,
                                         OsspSimVpcdReadyFunc ready_cb,
                                         gpointer         user_data,
                                         GCancellable    *cancellable,
                                         GError         **error);
guint        ossp_sim_vpcd_get_apdu_count (OsspSimVpcd   *self);
/* Fault injection for tests: when command APDU number @n (1-based, counted
 * over the card's life) arrives, drop the connection without answering —
 * the card is pulled mid-command. serve() then fails with OSSP_ERROR_DEVICE
 * and serve_forever() stops. 0 disables. */
void         ossp_sim_vpcd_set_fail_after (OsspSimVpcd   *self,
                                         guint            n);

G_END_DECLS
