/* fuzz-chip.c — chip map parser
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <openssp.h>

int LLVMFuzzerTestOneInput (const guint8 *data, gsize size);

int
LLVMFuzzerTestOneInput (const guint8 *data, gsize size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspChip) chip = ossp_chip_new_from_data ((const char *) data, (gssize) size, &error);

  /* a parsed map must answer every lookup without crashing */
  if (chip != NULL)
    for (guint w = 0; w < ossp_chip_get_otp_word_count (chip); w++)
      {
        (void) ossp_chip_word_is_ssp_writable (chip, w);
        (void) ossp_chip_lookup_word (chip, w);
      }
  else
    g_assert (error != NULL);
  return 0;
}
