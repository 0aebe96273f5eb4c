/* ossp-dfu-transport.h — serial boot over USB DFU (libusb-1.0)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * ssp-flow.md §4.1 (FSBL-SSP) and §4.3 (ROM stage, ours).  The device is
 * 0483:DF11; it is chosen by index in bus/port order ("usb1", "usb:1",
 * CubeProgrammer's numbering from 1) or by its USB port path
 * ("usb:1-2", "usb:1-2.4"), which stays the same across the chip's resets.
 */
#pragma once

#include <openssp.h>

G_BEGIN_DECLS

#define OSSP_DFU_VID 0x0483
#define OSSP_DFU_PID 0xDF11

/* DFU 1.1 requests and states */
#define OSSP_DFU_DETACH    0
#define OSSP_DFU_DNLOAD    1
#define OSSP_DFU_UPLOAD    2
#define OSSP_DFU_GETSTATUS 3
#define OSSP_DFU_CLRSTATUS 4
#define OSSP_DFU_GETSTATE  5
#define OSSP_DFU_ABORT     6

typedef enum {
  OSSP_DFU_STATE_APP_IDLE = 0,
  OSSP_DFU_STATE_APP_DETACH,
  OSSP_DFU_STATE_IDLE,
  OSSP_DFU_STATE_DNLOAD_SYNC,
  OSSP_DFU_STATE_DNBUSY,
  OSSP_DFU_STATE_DNLOAD_IDLE,
  OSSP_DFU_STATE_MANIFEST_SYNC,
  OSSP_DFU_STATE_MANIFEST,
  OSSP_DFU_STATE_MANIFEST_WAIT_RESET,
  OSSP_DFU_STATE_UPLOAD_IDLE,
  OSSP_DFU_STATE_ERROR,
} OsspDfuState;

#define OSSP_TYPE_DFU_TRANSPORT (ossp_dfu_transport_get_type ())
G_DECLARE_FINAL_TYPE (OsspDfuTransport, ossp_dfu_transport, OSSP, DFU_TRANSPORT, GObject)

/* @selector: "usb1", "usb:1", "usb", "usb:BUS-PORT[.PORT…]". */
OsspDfuTransport *ossp_dfu_transport_new          (const char        *selector,
                                                   GError           **error);
/* Timeout of one control request (default 2000 ms). */
void        ossp_dfu_transport_set_request_timeout (OsspDfuTransport *self,
                                                   guint              timeout_ms);
/* "1-2.4" once the device was found, else NULL. */
const char *ossp_dfu_transport_get_port_path      (OsspDfuTransport  *self);
/* Number of alternate settings and the name of one ("@SSP /0xF3/1*512Ba"). */
guint       ossp_dfu_transport_get_n_alts          (OsspDfuTransport  *self);
const char *ossp_dfu_transport_get_alt_name        (OsspDfuTransport  *self,
                                                   guint              alt);
/* GETSTATUS on the current alternate setting. */
gboolean    ossp_dfu_transport_get_status          (OsspDfuTransport  *self,
                                                   guint8            *out_status,
                                                   OsspDfuState      *out_state,
                                                   guint             *out_poll_ms,
                                                   GError           **error);

/* A GetPhase reply (§4.1): phase, address (LE), 4 zero bytes, then the
 * detach flag or the phase-0xFF text.  Exposed for the fuzzer. */
OsspPhaseInfo *ossp_dfu_transport_parse_phase      (const guint8      *buf,
                                                   gsize              n,
                                                   gboolean           mp15_ssp_layout,
                                                   GError           **error);

const char *ossp_dfu_state_to_string               (OsspDfuState       state);
const char *ossp_dfu_status_to_string              (guint8             status);

/* Connected 0483:DF11 devices as port strings ("usb:1-2") in bus/port
 * order, with their product strings in @out_descriptions (may be NULL).
 * An empty list is not an error; a libusb failure is. */
GStrv       ossp_dfu_transport_list_ports          (GStrv             *out_descriptions,
                                                   GError           **error);

G_END_DECLS
