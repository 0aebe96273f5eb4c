/* fuzz-backup-json.c — libFuzzer harness for the JSON backup-list importer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Any text must import or fail cleanly (and then import nothing); an
 * imported list must survive export → import → OSBK unchanged.
 */
#include <string.h>

#include <openssp.h>

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  static OsspChip *chip;
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspBackupList) list = NULL;
  g_autoptr(OsspBackupList) again = NULL;
  g_autoptr(JsonNode) exported = NULL;
  g_autoptr(GBytes) b1 = NULL, b2 = NULL;

  if (chip == NULL)
    chip = ossp_chip_new ("stm32mp25", NULL);
  g_assert (chip != NULL);

  if (!json_parser_load_from_data (parser, (const char *) data, (gssize) size, NULL))
    return 0;
  /* data_file paths resolve below a folder that does not exist */
  list = ossp_backup_list_new_from_json (chip, json_parser_get_root (parser), "/nonexistent-openssp-fuzz",
                                         &problems, &error);
  if (list == NULL)
    {
      g_assert (error != NULL && error->domain == OSSP_ERROR && error->message[0] != 0);
      return 0;
    }
  g_assert (ossp_backup_problems_count_errors (problems) == 0);
  exported = ossp_backup_list_to_json_full (list, NULL, TRUE);
  again = ossp_backup_list_new_from_json (chip, exported, NULL, NULL, &error);
  g_assert (again != NULL);
  b1 = ossp_backup_list_to_bytes (list, &error);
  b2 = ossp_backup_list_to_bytes (again, &error);
  g_assert (b1 != NULL && b2 != NULL && g_bytes_equal (b1, b2));
  return 0;
}
