/* test-gui-screenshots.c — every page of the window on the MP25 example
 * project, in one style and language per run: shot-<page>-<variant>.png in
 * the build dir (meson runs it light, dark, and in French with
 * LANGUAGE=fr). The style is chosen through the app's own menu action.
 *
 * Run with: xvfb-run -a, GSK_RENDERER=cairo GTK_A11Y=none
 * GSETTINGS_BACKEND=memory NO_AT_BRIDGE=1 (platform.md §3; meson does it).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <locale.h>
#include <string.h>
#include <glib/gi18n.h>

#include "config.h"
#include "ossp-application.h"
#include "ossp-backup-page.h"
#include "ossp-gui-test-helper.h"
#include "ossp-keys-page.h"
#include "ossp-otp-page.h"
#include "ossp-project-test-helper.h"
#include "ossp-window.h"

static OsspApplication *app;
static OsspWindow *window;
static const char *variant = "light";

static const char * const page_names[] = { "keys", "otp", "backup", "payload", "image", "hsm", "provision", NULL };

static gboolean
lists_loaded (gpointer data)
{
  OsspOtpPage *otp = OSSP_OTP_PAGE (ossp_gui_test_find (GTK_WIDGET (window), OSSP_TYPE_OTP_PAGE, NULL));
  OsspBackupPage *backup = OSSP_BACKUP_PAGE (ossp_gui_test_find (GTK_WIDGET (window), OSSP_TYPE_BACKUP_PAGE, NULL));
  OsspBackupList *list = ossp_backup_page_get_list (backup);

  return g_list_model_get_n_items (G_LIST_MODEL (ossp_otp_page_get_secret (otp))) > 0 &&
         list != NULL && ossp_backup_list_get_n_entries (list) > 0 && !ossp_backup_page_get_busy (backup);
}

static void
test_every_page (void)
{
  g_autofree char *path = ossp_test_make_example ("mp25");
  g_autoptr(GError) error = NULL;
  AdwStyleManager *style = adw_style_manager_get_default ();
  AdwViewStack *stack = ADW_VIEW_STACK (ossp_gui_test_find (GTK_WIDGET (window), ADW_TYPE_VIEW_STACK, NULL));

  g_action_group_activate_action (G_ACTION_GROUP (app), "color-scheme",
                                  g_variant_new_string (g_str_equal (variant, "dark") ? "dark" : "light"));
  g_assert_cmpint (adw_style_manager_get_dark (style), ==, g_str_equal (variant, "dark"));

  /* built first, so that every page shows its inputs as good */
  {
    g_autoptr(OsspProject) project = ossp_project_load (path, NULL, &error);
    g_autoptr(GPtrArray) steps = ossp_project_build_plan (project);
    g_assert_no_error (error);
    for (guint i = 0; i < steps->len; i++)
      {
        OsspProjectStep *step = g_ptr_array_index (steps, i);
        ossp_project_step_check (step, FALSE);
        if (step->state == OSSP_PROJECT_STEP_OUT_OF_DATE)
          g_assert_true (ossp_project_step_run (project, step, NULL, &error));
        g_assert_no_error (error);
      }
  }
  g_assert_true (ossp_window_open_project (window, path, &error));
  g_assert_no_error (error);
  g_assert_true (ossp_gui_test_wait (lists_loaded, NULL, 20));
  if (g_str_equal (variant, "fr"))
    {
      /* the page titles come from the French catalogue */
      g_assert_cmpstr (_("Keys"), ==, "Clés");
      g_assert_nonnull (strstr (gtk_window_get_title (GTK_WINDOW (window)), "product.openssp"));
    }

  for (guint i = 0; page_names[i]; i++)
    {
      g_autofree char *name = g_strdup_printf ("shot-%s-%s.png", page_names[i], variant);
      g_autofree char *shot = NULL;

      ossp_window_show_page (window, page_names[i]);
      /* finished what showing it started (the HSM page reads its card) */
      g_assert_true (ossp_gui_test_wait_not_busy (adw_view_stack_get_visible_child (stack), 20));
      shot = ossp_gui_test_screenshot (GTK_WIDGET (window), name);
      g_assert_true (g_file_test (shot, G_FILE_TEST_EXISTS));
    }
  ossp_window_set_project (window, NULL);
}

int
main (int argc, char **argv)
{
  g_autofree char *po_dir = NULL;

  /* C.UTF-8 + LANGUAGE=fr reads the French catalogue of the build tree */
  setlocale (LC_ALL, "");
  po_dir = g_build_filename (g_getenv ("G_TEST_BUILDDIR"), "..", "po", NULL);
  bindtextdomain (GETTEXT_PACKAGE, po_dir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  if (g_getenv ("OSSP_SHOT_VARIANT"))
    variant = g_getenv ("OSSP_SHOT_VARIANT");

  ossp_gui_test_init (&argc, &argv);
  window = ossp_gui_test_start_app (&app, 1100, 800);

  g_test_add_func ("/gui-screenshots/every-page", test_every_page);
  return ossp_gui_test_run_app (app, window);
}
