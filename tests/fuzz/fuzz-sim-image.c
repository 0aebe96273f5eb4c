/* fuzz-sim-image.c — the simulated ROM's FSBL header checks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ossp-sim-image-check.h"

int LLVMFuzzerTestOneInput (const guint8 *data, gsize size);

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        gsize         size)
{
  static const guint32 versions[] = { 0x00010000, 0x00020000, 0x00020200 };
  static const guint8 hash[32] = { 0 };

  for (guint v = 0; v < G_N_ELEMENTS (versions); v++)
    {
      OsspSimImageInfo info;
      if (ossp_sim_image_parse (data, size, versions[v], &info, NULL))
        {
          g_assert (info.payload_offset + info.image_length == size);
          ossp_sim_image_authenticate (data, size, &info, hash, NULL);
        }
    }
  return 0;
}
