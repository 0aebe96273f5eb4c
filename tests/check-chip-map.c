/* check-chip-map.c — validate one chip map file (meson test, and for users
 * who edit a map: `check-chip-map data/chips/stm32mp15.json`)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <openssp.h>

/* Beyond what OsspChip's loader enforces: every entry must cite a source
 * or be marked as ours, and named SSP words must be inside the chip's SSP
 * ranges. */
int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspChip) chip = NULL;
  guint problems = 0;

  if (argc != 2)
    {
      g_printerr ("usage: check-chip-map FILE.json\n");
      return 2;
    }
  chip = ossp_chip_new_from_file (argv[1], &error);
  if (chip == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  for (guint i = 0; i < ossp_chip_get_n_word_infos (chip); i++)
    {
      const OsspOtpWordInfo *w = ossp_chip_get_word_info (chip, i);
      if (w->source == NULL || *w->source == 0)
        {
          g_printerr ("%s: words %u..%u (%s) has no source\n", argv[1], w->first, w->last, w->name);
          problems++;
        }
      if (!g_str_equal (w->status, "sourced") && !g_str_equal (w->status, "inferred") &&
          !g_str_equal (w->status, "ours"))
        {
          g_printerr ("%s: words %u..%u (%s): status must be sourced, inferred or ours\n",
                      argv[1], w->first, w->last, w->name);
          problems++;
        }
      for (guint word = w->first; word <= w->last; word++)
        if (w->ssp_writable && !ossp_chip_word_is_ssp_writable (chip, word))
          {
            g_printerr ("%s: word %u (%s) is marked SSP-writable but outside ssp_writable_ranges\n",
                        argv[1], word, w->name);
            problems++;
            break;
          }
    }
  if (ossp_chip_get_pkh_first_word (chip) + 8 > ossp_chip_get_otp_word_count (chip))
    problems++;
  for (guint i = 0; i < ossp_chip_get_n_backup_memories (chip); i++)
    {
      JsonObject *root = ossp_chip_get_json (chip);
      JsonArray *arr = json_object_get_array_member (root, "backup_memories");
      JsonObject *b = json_array_get_object_element (arr, i);
      if (!json_object_has_member (b, "source"))
        {
          g_printerr ("%s: backup_memories[%u] has no source\n", argv[1], i);
          problems++;
        }
    }
  if (problems)
    return 1;
  g_print ("%s: %s OK (%u word ranges)\n", argv[1], ossp_chip_get_name (chip),
           ossp_chip_get_n_word_infos (chip));
  return 0;
}
