/* ossp-sim-umockdev.h — attach the simulated DFU device to libusb via umockdev
 *
 * The recipe of platform.md §5: a UMockdevTestbed holds a fake sysfs entry
 * for 0483:DF11 with the device's descriptors; an ioctl handler answers the
 * usbdevfs ioctls (SUBMITURB/REAPURB carry control transfers to the device
 * model). Every chip reset removes the device and adds it again at a new
 * address, as a real re-enumeration would. The process that runs libusb
 * must run under umockdev-wrapper (LD_PRELOAD=libumockdev-preload.so.0)
 * with the testbed's UMOCKDEV_DIR. Built only when umockdev-1.0 is found.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <umockdev.h>

#include "ossp-sim-dfu-device.h"

G_BEGIN_DECLS

#define OSSP_TYPE_SIM_UMOCKDEV (ossp_sim_umockdev_get_type ())
G_DECLARE_FINAL_TYPE (OsspSimUmockdev, ossp_sim_umockdev, OSSP, SIM_UMOCKDEV, GObject)

/* Adds the device to @testbed (bus 1, port 1, address 2 and up). */
OsspSimUmockdev *ossp_sim_umockdev_new          (UMockdevTestbed   *testbed,
                                                 OsspSimDfuDevice  *device,
                                                 GError           **error);
OsspSimDfuDevice *ossp_sim_umockdev_get_device  (OsspSimUmockdev   *self);
/* Current USB address, or 0 while the chip shows no device. */
guint            ossp_sim_umockdev_get_devnum   (OsspSimUmockdev   *self);
/* Serialises access to the device model and its board with the ioctl
 * thread (take it before reading the board from another thread). */
void             ossp_sim_umockdev_lock         (OsspSimUmockdev   *self);
void             ossp_sim_umockdev_unlock       (OsspSimUmockdev   *self);

G_END_DECLS
