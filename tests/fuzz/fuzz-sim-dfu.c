/* fuzz-sim-dfu.c — random control requests against the DFU device model
 *
 * Byte 0 picks the board (sim-fuzz-board.h). Then records: 0x00 + 8-byte
 * SETUP (+ wLength OUT bytes for host-to-device requests) = a control
 * transfer; 0x01 + interface + alt = SET_INTERFACE; anything else = let the
 * watchdog fire. Resets are applied as the umockdev adapter applies them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ossp-sim-dfu-device.h"
#include "sim-fuzz-board.h"

int LLVMFuzzerTestOneInput (const guint8 *data, gsize size);

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        gsize         size)
{
  g_autoptr(OsspSimBoard) board = NULL;
  g_autoptr(OsspSimDfuDevice) dev = NULL;
  g_autofree guint8 *in = g_malloc (65536);
  gsize pos = 1;

  if (size < 1 || size > 65536)
    return 0;
  board = sim_fuzz_board_new (data[0]);
  if (board == NULL)
    return 0;
  dev = ossp_sim_dfu_device_new (board, 1);
  while (pos < size)
    {
      guint8 kind = data[pos++];
      if (kind == 0 && size - pos >= 8)
        {
          guint8 setup[8];
          guint16 w_length;
          const guint8 *out = NULL;
          gint r;

          memcpy (setup, data + pos, 8);
          pos += 8;
          w_length = setup[6] | (setup[7] << 8);
          if (!(setup[0] & 0x80))
            {
              /* OUT data: only what the input still holds */
              if (w_length > size - pos)
                {
                  w_length = (guint16) (size - pos);
                  setup[6] = w_length & 0xFF;
                  setup[7] = w_length >> 8;
                }
              out = data + pos;
              pos += w_length;
            }
          r = ossp_sim_dfu_device_control (dev, setup, out, in);
          g_assert (r == OSSP_SIM_DFU_STALL || (r >= 0 && r <= w_length));
        }
      else if (kind == 1 && size - pos >= 2)
        {
          ossp_sim_dfu_device_set_interface (dev, data[pos], data[pos + 1]);
          pos += 2;
        }
      else if (!ossp_sim_dfu_device_is_connected (dev))
        ossp_sim_dfu_device_watchdog (dev);
      if (ossp_sim_dfu_device_has_pending_reset (dev))
        ossp_sim_dfu_device_apply_reset (dev);
    }
  return 0;
}
