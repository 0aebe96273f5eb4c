/* fuzz-backup-file.c — libFuzzer harness for the OSBK v1 reader
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Any input must give a list or a clean error; a list that was read must
 * write back to exactly the input bytes (the format has one spelling).
 */
#include <string.h>

#include <openssp.h>

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  static OsspChip *chip;
  g_autoptr(GBytes) bytes = g_bytes_new_static (data, size);
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspBackupList) list = NULL;
  g_autoptr(GBytes) again = NULL;

  if (chip == NULL)
    chip = ossp_chip_new ("stm32mp25", NULL);
  g_assert (chip != NULL);

  list = ossp_backup_list_new_from_bytes_full (chip, bytes, &problems, &error);
  if (list == NULL)
    {
      /* a failure always says what and is in our domain */
      g_assert (error != NULL && error->domain == OSSP_ERROR && error->message[0] != 0);
      return 0;
    }
  g_assert (error == NULL);
  again = ossp_backup_list_to_bytes (list, &error);
  g_assert (again != NULL);
  g_assert (g_bytes_equal (again, bytes));
  return 0;
}
