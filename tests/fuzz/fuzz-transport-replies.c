/* fuzz-transport-replies.c — the device replies the link layer parses:
 * UART GET_PHASE (§4.2) and DFU GetPhase (§4.1).  Byte 0 chooses the
 * parser (bit 0: UART/DFU, bit 1: MP15 SSP layout), the rest is the reply.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ossp-dfu-transport.h"
#include "ossp-uart-transport.h"

int LLVMFuzzerTestOneInput (const guint8 *data, gsize size);

int
LLVMFuzzerTestOneInput (const guint8 *data, gsize size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspPhaseInfo) info = NULL;

  if (size < 1)
    return 0;
  if (data[0] & 1)
    info = ossp_dfu_transport_parse_phase (data + 1, size - 1, (data[0] & 2) != 0, &error);
  else
    info = ossp_uart_transport_parse_phase (data + 1, size - 1, &error);
  if (info == NULL)
    g_assert (error != NULL);
  else
    {
      /* the message is printable text, whatever the device sent */
      for (const char *c = info->message; *c; c++)
        g_assert (g_ascii_isprint (*c) || *c == '\n');
      g_assert (strlen (info->message) <= size);
    }
  return 0;
}
