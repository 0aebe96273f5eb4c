/* fuzz-hsm-perso.c — the OSPD personalisation parser; what parses must
 * write back to the same bytes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdint.h>
#include <string.h>

#include <openssp.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(OsspHsmPerso) perso = ossp_hsm_perso_parse (data, size, NULL);
  g_autoptr(GBytes) back = NULL;
  g_autofree char *desc = NULL;

  if (perso == NULL)
    return 0;
  back = ossp_hsm_perso_to_bytes (perso, NULL);
  g_assert (back != NULL);
  /* product ids are stored uppercase; the rest is verbatim */
  g_assert (g_bytes_get_size (back) == size);
  for (guint i = 0; i < ossp_hsm_perso_get_n_entries (perso); i++)
    g_assert (memcmp ((const guint8 *) g_bytes_get_data (back, NULL) + 16 + 80 * i,
                      data + 16 + 80 * i, 64 + 8) == 0);
  desc = ossp_hsm_perso_describe (perso);
  g_assert (desc != NULL);
  return 0;
}
