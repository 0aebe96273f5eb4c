/* ossp-test-usb-board.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ossp-test-usb-board.h"

void
ossp_test_usb_board_init (OsspTestUsbBoard *b,
                          const char       *chip,
                          const char       *fault,
                          gboolean          trace)
{
  g_autoptr(GError) error = NULL;
  OsspSimFactoryOptions fo;

  ossp_sim_factory_options_init (&fo);
  fo.chip_id = chip;
  b->testbed = umockdev_testbed_new ();
  b->board = ossp_sim_board_new_factory (&fo, &error);
  g_assert_no_error (error);
  b->faults = ossp_sim_faults_new ();
  if (fault)
    g_assert_true (ossp_sim_faults_add (b->faults, fault, NULL));
  ossp_sim_board_set_faults (b->board, b->faults);
  ossp_sim_board_set_trace (b->board, trace);
  /* the watchdog resets an FSBL that opened no link after 300 ms */
  b->device = ossp_sim_dfu_device_new (b->board, 300);
  b->adapter = ossp_sim_umockdev_new (b->testbed, b->device, &error);
  g_assert_no_error (error);
}

void
ossp_test_usb_board_clear (OsspTestUsbBoard *b)
{
  g_clear_object (&b->adapter);
  g_clear_object (&b->device);
  g_clear_object (&b->board);
  g_clear_pointer (&b->faults, ossp_sim_faults_free);
  g_clear_object (&b->testbed);
}
