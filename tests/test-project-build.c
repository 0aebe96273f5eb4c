/* test-project-build.c — OsspProject's backup entries and the build plan
 * (ossp-project-build.h) on the example projects
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>
#include <glib/gstdio.h>

#include "ossp-project-test-helper.h"

static void
count_change (guint *changes)
{
  (*changes)++;
}

static void
test_backup_entries (void)
{
  g_autoptr(OsspProject) project = ossp_project_new ("stm32mp25");
  guint changes = 0;

  ossp_project_set_backup (project, 0, "/x/tamp.json", NULL, 0x46010100);
  ossp_project_set_backup (project, 1, "/x/bkpsram.json", "/x/out/bkpsram.bin", 0x42000000);
  g_assert_cmpuint (ossp_project_get_n_backups (project), ==, 2);
  g_assert_cmpint (ossp_project_find_backup (project, "bkpsram"), ==, 1);
  g_assert_cmpint (ossp_project_find_backup (project, "tamp"), ==, 0);
  g_assert_true (ossp_project_get_modified (project));

  /* the same values again are no change */
  {
    gulong id = g_signal_connect_swapped (project, "changed", G_CALLBACK (count_change), &changes);
    ossp_project_set_backup (project, 1, "/x/bkpsram.json", "/x/out/bkpsram.bin", 0x42000000);
    g_assert_cmpuint (changes, ==, 0);
    ossp_project_set_backup (project, 0, "/x/tamp.json", "/x/out/tamp.bin", 0x46010100);
    g_assert_cmpuint (changes, ==, 1);
    g_signal_handler_disconnect (project, id);
  }
  ossp_project_remove_backup (project, 0);
  g_assert_cmpuint (ossp_project_get_n_backups (project), ==, 1);
  g_assert_cmpint (ossp_project_find_backup (project, "tamp"), ==, -1);
  ossp_project_remove_backup (project, 0);
  g_assert_cmpuint (ossp_project_get_n_backups (project), ==, 0);
}

static OsspProjectStep *
step_named (GPtrArray *steps, const char *name)
{
  for (guint i = 0; i < steps->len; i++)
    if (g_str_equal (((OsspProjectStep *) g_ptr_array_index (steps, i))->name, name))
      return g_ptr_array_index (steps, i);
  return NULL;
}

static void
test_plan_mp25 (void)
{
  g_autofree char *path = ossp_test_make_example ("mp25");
  g_autoptr(OsspProject) project = ossp_project_load (path, NULL, NULL);
  g_autoptr(GPtrArray) steps = ossp_project_build_plan (project);
  OsspProjectStep *b0, *payload, *image;

  g_assert_cmpuint (steps->len, ==, 5);
  g_assert_cmpstr (((OsspProjectStep *) g_ptr_array_index (steps, 0))->name, ==, "secret-file");
  b0 = step_named (steps, "backup[0]");
  payload = step_named (steps, "payload");
  image = step_named (steps, "image");
  /* the M33 key file the bkpsram list names is an input of its step */
  {
    gboolean found = FALSE;
    for (guint i = 0; i < b0->inputs->len; i++)
      found |= g_str_has_suffix (g_ptr_array_index (b0->inputs, i), "m33.key");
    g_assert_true (found);
  }
  /* the payload reads both backup files; the image the 8-key table */
  g_assert_cmpuint (payload->inputs->len, ==, 6);   /* key, nonce, secret, 2 backups, project */
  g_assert_cmpuint (image->inputs->len, ==, 11);    /* input, key, 8 public keys, project */
  for (guint i = 0; i < steps->len; i++)
    {
      OsspProjectStep *s = g_ptr_array_index (steps, i);
      g_autoptr(GError) error = NULL;
      ossp_project_step_check (s, FALSE);
      g_assert_cmpint (s->state, ==, OSSP_PROJECT_STEP_OUT_OF_DATE);
      g_assert_true (ossp_project_step_run (project, s, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpint (s->state, ==, OSSP_PROJECT_STEP_BUILT);
    }
  for (guint i = 0; i < steps->len; i++)
    {
      OsspProjectStep *s = g_ptr_array_index (steps, i);
      ossp_project_step_check (s, FALSE);
      g_assert_cmpint (s->state, ==, OSSP_PROJECT_STEP_UP_TO_DATE);
    }
}

/* MP1: without payload.rma_file the RMA word of the OTP list is used */
static void
test_rma_from_list (void)
{
  g_autofree char *path = ossp_test_make_example ("mp15");
  g_autoptr(OsspProject) project = ossp_project_load (path, NULL, NULL);
  g_autofree char *list = ossp_project_get_path (project, "otp.list");
  g_autofree char *rma_file = ossp_project_get_path (project, "payload.rma_file");
  g_autoptr(OsspTestRun) set = NULL;
  g_autoptr(GError) error = NULL;
  guint32 rma = 0;
  gboolean found = FALSE;

  g_assert_true (ossp_project_get_rma (project, &rma, &found, &error));
  g_assert_true (found);
  g_assert_cmphex (rma, ==, 0x2AAAAAAA);      /* rma.txt of make-inputs.sh */

  ossp_project_unset (project, "payload.rma_file");
  g_assert_true (ossp_project_get_rma (project, &rma, &found, &error));
  g_assert_false (found);                      /* the list has none yet */
  set = ossp_test_run_cli (NULL, "otp", "set-rma", list, "--value", "0x1234", NULL);
  g_assert_cmpint (set->exit_status, ==, 0);
  g_assert_true (ossp_project_get_rma (project, &rma, &found, &error));
  g_assert_true (found);
  g_assert_cmphex (rma, ==, 0x1234);

  /* a bad RMA file says so without repeating what is in it */
  ossp_project_set_path (project, "payload.rma_file", rma_file);
  g_assert_true (g_file_set_contents (rma_file, "0xSECRETX\n", -1, NULL));
  g_assert_false (ossp_project_get_rma (project, &rma, &found, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA);
  g_assert_null (strstr (error->message, "SECRET"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/project/backup-entries", test_backup_entries);
  g_test_add_func ("/project-build/plan-mp25", test_plan_mp25);
  g_test_add_func ("/project-build/rma-from-list", test_rma_from_list);
  return g_test_run ();
}
