/* fuzz-sim-uart.c — random host bytes against the simulated chip's UART side
 *
 * Byte 0 picks chip, FSBL version and stage (sim-fuzz-board.h); the rest is
 * what the host sends. The device must answer without crashing.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ossp-sim-uart.h"
#include "sim-fuzz-board.h"

int LLVMFuzzerTestOneInput (const guint8 *data, gsize size);

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        gsize         size)
{
  g_autoptr(OsspSimBoard) board = NULL;
  g_autoptr(OsspSimUart) uart = NULL;
  g_autoptr(GBytes) out = NULL;

  if (size < 1 || size > 65536)
    return 0;
  board = sim_fuzz_board_new (data[0]);
  if (board == NULL)
    return 0;
  uart = ossp_sim_uart_new (board, NULL);
  out = ossp_sim_uart_run_buffer (uart, data + 1, size - 1);
  /* the device never answers more than a bounded amount per input byte */
  g_assert (g_bytes_get_size (out) <= 64 + 300 * (size - 1));
  return 0;
}
