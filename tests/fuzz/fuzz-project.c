/* fuzz-project.c — project file loader and checker
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <openssp.h>

int LLVMFuzzerTestOneInput (const guint8 *data, gsize size);

int
LLVMFuzzerTestOneInput (const guint8 *data, gsize size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(OsspProject) project =
    ossp_project_new_from_data ((const char *) data, (gssize) size, "/nonexistent", &problems, &error);

  if (project != NULL)
    {
      g_autofree char *text = ossp_project_to_data (project);
      /* what loads must serialise again */
      g_assert (text != NULL);
      for (guint i = 0; i < ossp_project_get_n_backups (project); i++)
        g_free (ossp_project_get_backup_path (project, i, "list"));
    }
  else
    g_assert (error != NULL);
  return 0;
}
