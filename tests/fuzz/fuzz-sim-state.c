/* fuzz-sim-state.c — the chip simulator's state-file parser
 *
 * Any input: an error or a board; a board saves to a text that loads back
 * to the same text.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ossp-sim-board.h"

int LLVMFuzzerTestOneInput (const guint8 *data, gsize size);

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        gsize         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspSimBoard) board = ossp_sim_board_new_from_data ((const char *) data, size, &error);
  g_autoptr(OsspSimBoard) again = NULL;
  g_autofree char *a = NULL, *b = NULL;
  gsize la, lb;

  if (board == NULL)
    {
      g_assert (error != NULL && error->domain == OSSP_ERROR);
      return 0;
    }
  a = ossp_sim_board_to_data (board, &la);
  again = ossp_sim_board_new_from_data (a, la, &error);
  g_assert (again != NULL);
  b = ossp_sim_board_to_data (again, &lb);
  g_assert (la == lb && memcmp (a, b, la) == 0);
  return 0;
}
