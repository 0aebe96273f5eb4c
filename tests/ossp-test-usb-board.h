/* ossp-test-usb-board.h — a simulated board behind /dev/bus/usb (umockdev)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The set-up every USB DFU test makes: a factory-fresh simulated chip, its
 * fault plan, the DFU device model, and the umockdev adapter that puts it
 * where real libusb finds it. Needs umockdev-wrapper (platform.md §5).
 */
#pragma once

#include <umockdev.h>

#include "ossp-sim-umockdev.h"

G_BEGIN_DECLS

typedef struct {
  UMockdevTestbed  *testbed;
  OsspSimBoard     *board;
  OsspSimFaults    *faults;
  OsspSimDfuDevice *device;
  OsspSimUmockdev  *adapter;
} OsspTestUsbBoard;

/* @fault: a simulator fault spec (docs/simulator.md) or NULL */
void ossp_test_usb_board_init  (OsspTestUsbBoard *b,
                                const char       *chip,
                                const char       *fault,
                                gboolean          trace);
void ossp_test_usb_board_clear (OsspTestUsbBoard *b);

G_END_DECLS
