/* ossp-sim-dfu-device.h — the simulated chip's USB DFU device (0483:DF11)
 *
 * A transport-free device model: it answers control requests (setup packet +
 * OUT data → IN data, or STALL) for the BootROM's DFU device (ssp-flow.md
 * §4.3, ours) and FSBL-SSP's (§4.1, public), and tells its adapter when the
 * chip resets so that the adapter re-enumerates it (new address, new
 * alternate settings). ossp-sim-umockdev.c attaches it to libusb.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ossp-sim-board.h"

G_BEGIN_DECLS

#define OSSP_SIM_DFU_VID 0x0483
#define OSSP_SIM_DFU_PID 0xDF11
#define OSSP_SIM_DFU_STALL (-1)

#define OSSP_TYPE_SIM_DFU_DEVICE (ossp_sim_dfu_device_get_type ())
G_DECLARE_FINAL_TYPE (OsspSimDfuDevice, ossp_sim_dfu_device, OSSP, SIM_DFU_DEVICE, GObject)

OsspSimDfuDevice *ossp_sim_dfu_device_new          (OsspSimBoard     *board,
                                                     guint             halt_reset_ms);
OsspSimBoard *ossp_sim_dfu_device_get_board        (OsspSimDfuDevice *self);
/* FALSE while the chip runs no USB stack (FSBL that opened no link). */
gboolean      ossp_sim_dfu_device_is_connected     (OsspSimDfuDevice *self);
/* Increments at every (re-)enumeration. */
guint         ossp_sim_dfu_device_get_generation   (OsspSimDfuDevice *self);
gboolean      ossp_sim_dfu_device_is_rom           (OsspSimDfuDevice *self);
/* Device descriptor ‖ configuration descriptor (interfaces, DFU functional). */
GBytes       *ossp_sim_dfu_device_get_descriptors  (OsspSimDfuDevice *self);
guint         ossp_sim_dfu_device_get_n_alts       (OsspSimDfuDevice *self);
const char   *ossp_sim_dfu_device_get_alt_name     (OsspSimDfuDevice *self,
                                                     guint             alt);
/* The "%08X%08X%08X" UID serial string. */
char         *ossp_sim_dfu_device_get_serial       (OsspSimDfuDevice *self);
gboolean      ossp_sim_dfu_device_set_interface    (OsspSimDfuDevice *self,
                                                     guint             interface,
                                                     guint             alt);
/* One control transfer. @setup is the 8-byte SETUP packet; @out holds
 * wLength bytes for host-to-device requests. Returns the IN length (≤
 * wLength, written to @in) or OSSP_SIM_DFU_STALL. */
gint          ossp_sim_dfu_device_control          (OsspSimDfuDevice *self,
                                                     const guint8      setup[8],
                                                     const guint8     *out,
                                                     guint8           *in);
/* After a request that resets the chip (DFU_DETACH, a reset fault) the
 * adapter completes the transfer, then calls apply_reset: the chip moves on
 * (ROM → FSBL, FSBL → ROM, burn) and the device re-enumerates. Returns the
 * delay in ms after which ossp_sim_dfu_device_watchdog() must be called
 * because the device is now gone (0: connected, G_MAXUINT: gone for good). */
gboolean      ossp_sim_dfu_device_has_pending_reset (OsspSimDfuDevice *self);
guint         ossp_sim_dfu_device_apply_reset      (OsspSimDfuDevice *self);
void          ossp_sim_dfu_device_watchdog         (OsspSimDfuDevice *self);

G_END_DECLS
