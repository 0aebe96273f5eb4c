/* fuzz-sim-container.c — the MP25 payload parsers of the simulated chip
 *
 * The same bytes go to the "OSSP" container, "OSOT" and "OSBK" parsers.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ossp-sim-container.h"

int LLVMFuzzerTestOneInput (const guint8 *data, gsize size);

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        gsize         size)
{
  OsspSimContainer c;
  GArray *a;

  if (ossp_sim_container_parse (data, size, &c, NULL))
    for (guint i = 0; i < c.n_sections; i++)
      g_assert (c.sections[i].offset + (gsize) c.sections[i].length <= c.total_size);
  a = ossp_sim_osot_parse (data, size, 384, NULL);
  if (a)
    g_array_unref (a);
  for (guint16 kind = 1; kind <= 2; kind++)
    {
      a = ossp_sim_osbk_parse (data, size, kind, kind == 1 ? 512 : 8192, NULL);
      if (a)
        {
          for (guint i = 0; i < a->len; i++)
            {
              OsspSimBackupEntry *e = &g_array_index (a, OsspSimBackupEntry, i);
              g_assert (e->data >= data && e->data + e->length <= data + size);
            }
          g_array_unref (a);
        }
    }
  return 0;
}
