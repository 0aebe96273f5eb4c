/* ossp-pcsc-monitor.h — watches PC/SC readers and cards in a worker thread
 *
 * SCardGetStatusChange (with pcscd's "\\?PnP?\Notification" pseudo reader
 * for plugged/unplugged readers) runs in a thread; "changed" is emitted in
 * the main context that created the monitor, with a fresh reader list.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ossp-pcsc-hsm.h"

G_BEGIN_DECLS

#define OSSP_TYPE_PCSC_MONITOR (ossp_pcsc_monitor_get_type ())
G_DECLARE_FINAL_TYPE (OsspPcscMonitor, ossp_pcsc_monitor, OSSP, PCSC_MONITOR, GObject)

OsspPcscMonitor *ossp_pcsc_monitor_new          (void);
void             ossp_pcsc_monitor_start        (OsspPcscMonitor *self);
void             ossp_pcsc_monitor_stop         (OsspPcscMonitor *self);
/* OsspPcscReader elements; the last list seen (empty before the first) */
GPtrArray       *ossp_pcsc_monitor_get_readers  (OsspPcscMonitor *self);
/* Why the list is empty when pcscd is not reachable, else NULL */
const char      *ossp_pcsc_monitor_get_problem  (OsspPcscMonitor *self);

G_END_DECLS
