/* test-gui-app.c — the app as a whole under Xvfb: projects (open, edit,
 * save, save as, new, unsaved-changes prompts, title), every page on the
 * same project, accessible names of every control, narrow windows, and a
 * main loop that keeps drawing frames during a long, cancellable signing
 *
 * Run with: xvfb-run -a, GSK_RENDERER=cairo GTK_A11Y=test
 * GSETTINGS_BACKEND=memory NO_AT_BRIDGE=1 (platform.md §3, but GTK's "test"
 * accessibility backend instead of "none": only it keeps the accessible
 * properties that gtk_test_accessible_* check; meson sets all of it).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "ossp-accessible.h"
#include "ossp-application.h"
#include "ossp-backup-page.h"
#include "ossp-gui-test-helper.h"
#include "ossp-image-page.h"
#include "ossp-keys-page.h"
#include "ossp-otp-page.h"
#include "ossp-payload-page.h"
#include "ossp-project-page.h"
#include "ossp-project-test-helper.h"
#include "ossp-provision-page.h"
#include "ossp-window.h"

static OsspApplication *app;
static OsspWindow *window;

static const char * const page_names[] = { "keys", "otp", "backup", "payload", "image", "hsm", "provision", NULL };

static GtkWidget *
page (GType type)
{
  GtkWidget *w = ossp_gui_test_find (GTK_WIDGET (window), type, NULL);
  g_assert_nonnull (w);
  return w;
}

static gboolean
lists_loaded (gpointer data)
{
  OsspOtpPage *otp = OSSP_OTP_PAGE (page (OSSP_TYPE_OTP_PAGE));
  OsspBackupPage *backup = OSSP_BACKUP_PAGE (page (OSSP_TYPE_BACKUP_PAGE));
  OsspBackupList *list = ossp_backup_page_get_list (backup);

  return g_list_model_get_n_items (G_LIST_MODEL (ossp_otp_page_get_secret (otp))) > 0 &&
         list != NULL && ossp_backup_list_get_n_entries (list) > 0 &&
         !ossp_backup_page_get_busy (backup);
}

static void
open_example (const char *path)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (ossp_window_open_project (window, path, &error));
  g_assert_no_error (error);
  /* the OTP and backup lists are read in worker threads */
  if (g_str_equal (ossp_project_get_chip_id (ossp_window_get_project (window)), "stm32mp25"))
    g_assert_true (ossp_gui_test_wait (lists_loaded, NULL, 20));
  ossp_gui_test_spin (100);
}

/* an action row of @root whose subtitle mentions @text */
static gboolean
row_mentions (GtkWidget *root, const char *text)
{
  if (ADW_IS_ACTION_ROW (root))
    {
      const char *sub = adw_action_row_get_subtitle (ADW_ACTION_ROW (root));
      if (sub && strstr (sub, text))
        return TRUE;
    }
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    if (row_mentions (c, text))
      return TRUE;
  return FALSE;
}

static void
answer_dialog (const char *response)
{
  AdwMessageDialog *dialog;

  g_assert_true (ossp_gui_test_wait_dialog (GTK_WINDOW (window), TRUE, 20));
  dialog = ossp_gui_test_find_dialog (GTK_WINDOW (window));
  g_assert_nonnull (dialog);
  adw_message_dialog_response (dialog, response);
  gtk_window_destroy (GTK_WINDOW (dialog));
  ossp_gui_test_spin (50);
}

static void
test_open_edit_save (void)
{
  g_autofree char *path = ossp_test_make_example ("mp25");
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *keys = g_build_filename (dir, "keys", NULL);
  g_autofree char *otp_list = g_build_filename (dir, "otp.json", NULL);
  g_autoptr(OsspProject) saved = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  OsspPayloadPage *payload = OSSP_PAYLOAD_PAGE (page (OSSP_TYPE_PAYLOAD_PAGE));
  OsspOtpPage *otp = OSSP_OTP_PAGE (page (OSSP_TYPE_OTP_PAGE));
  GtkWidget *fsbl;

  open_example (path);
  /* every page shows the same project */
  g_assert_cmpstr (ossp_chip_get_id (ossp_window_get_chip (window)), ==, "stm32mp25");
  g_assert_cmpstr (ossp_keys_page_get_folder (OSSP_KEYS_PAGE (page (OSSP_TYPE_KEYS_PAGE))), ==, keys);
  g_assert_true (row_mentions (GTK_WIDGET (payload), "enc_key.bin"));
  g_assert_true (row_mentions (GTK_WIDGET (payload), "bkpsram.bin"));
  g_assert_true (row_mentions (page (OSSP_TYPE_IMAGE_PAGE), "tf-a-ssp.stm32"));
  g_assert_cmpuint (ossp_backup_list_get_base (ossp_backup_page_get_list (OSSP_BACKUP_PAGE (page (OSSP_TYPE_BACKUP_PAGE)))),
                    ==, 0x42000000);
  /* the Provision page takes the project's HSM (its soft-HSM state file) */
  {
    GObject *hsm = gtk_widget_get_template_child (page (OSSP_TYPE_PROVISION_PAGE), OSSP_TYPE_PROVISION_PAGE,
                                                  "hsm_dropdown");
    GtkStringObject *item = gtk_drop_down_get_selected_item (GTK_DROP_DOWN (hsm));
    g_assert_nonnull (item);
    g_assert_cmpstr (gtk_string_object_get_string (item), ==, "Soft-HSM of this project (hsm.state)");
  }
  /* opening is not an edit */
  g_assert_false (ossp_window_get_modified (window));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "product.openssp — OpenSSP");

  /* a payload setting: the project is modified, the title says so */
  fsbl = ossp_gui_test_find (GTK_WIDGET (payload), ADW_TYPE_ENTRY_ROW, "fsbl_row");
  if (fsbl == NULL)
    {
      /* the row has no widget name: it is the second entry row */
      GtkWidget *first = ossp_gui_test_find (GTK_WIDGET (payload), ADW_TYPE_ENTRY_ROW, NULL);
      for (fsbl = gtk_widget_get_next_sibling (first); fsbl && !ADW_IS_ENTRY_ROW (fsbl);
           fsbl = gtk_widget_get_next_sibling (fsbl))
        ;
    }
  g_assert_nonnull (fsbl);
  gtk_editable_set_text (GTK_EDITABLE (fsbl), "7");
  g_assert_true (ossp_window_get_modified (window));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "• product.openssp — OpenSSP");

  /* an OTP edit is unsaved work of the OTP page */
  g_assert_true (ossp_otp_secret_set_item (ossp_otp_page_get_secret (otp), 301, 0x55, 0, 0, "gui test", &error));
  g_assert_true (ossp_project_page_get_dirty (otp));

  g_assert_true (ossp_window_save_project (window, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (ossp_window_get_modified (window));
  g_assert_false (ossp_project_page_get_dirty (otp));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "product.openssp — OpenSSP");

  saved = ossp_project_load (path, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ossp_project_get_int (saved, "payload.fsbl_min_version", 0), ==, 7);
  g_assert_true (g_file_get_contents (otp_list, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "gui test"));
  /* paths stay relative to the project */
  g_free (text);
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "\"key\" : \"enc_key.bin\""));
  ossp_window_set_project (window, NULL);
}

static void
test_unsaved_prompt (void)
{
  g_autofree char *path = ossp_test_make_example ("mp15");
  OsspProject *project;

  open_example (path);
  project = ossp_window_get_project (window);
  ossp_project_set_int (project, "payload.fsbl_min_version", 9);
  g_assert_true (ossp_window_get_modified (window));

  /* New asks first; Cancel keeps everything */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.new", NULL);
  answer_dialog ("cancel");
  g_assert_true (ossp_window_get_project (window) == project);
  g_assert_true (ossp_window_get_modified (window));

  /* Discard starts an untitled project and the pages forget the old one */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.new", NULL);
  answer_dialog ("discard");
  g_assert_null (ossp_project_get_file (ossp_window_get_project (window)));
  g_assert_false (ossp_window_get_modified (window));
  g_assert_null (ossp_keys_page_get_folder (OSSP_KEYS_PAGE (page (OSSP_TYPE_KEYS_PAGE))));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (ossp_otp_page_get_secret (OSSP_OTP_PAGE (page (OSSP_TYPE_OTP_PAGE)))))
                    , ==, 0);
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "Untitled project — OpenSSP");

  /* closing with unsaved changes asks too; Cancel keeps the window */
  ossp_window_set_chip_id (window, "stm32mp13");
  g_assert_true (ossp_window_get_modified (window));
  gtk_window_close (GTK_WINDOW (window));
  answer_dialog ("cancel");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window)));
  ossp_window_set_project (window, NULL);
}

/* A new project: lists edited on the pages are saved next to it */
static void
test_save_as_new (void)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *file = g_build_filename (dir, "station.openssp", NULL);
  g_autofree char *keys = g_build_filename (dir, "keys", NULL);
  g_autofree char *otp_list = g_build_filename (dir, "otp.json", NULL);
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  OsspOtpPage *otp = OSSP_OTP_PAGE (page (OSSP_TYPE_OTP_PAGE));

  ossp_window_set_project (window, NULL);
  ossp_window_set_chip_id (window, "stm32mp15");
  ossp_keys_page_set_folder (OSSP_KEYS_PAGE (page (OSSP_TYPE_KEYS_PAGE)), keys);
  g_assert_true (ossp_otp_secret_set_item (ossp_otp_page_get_secret (otp), 60, 0x1234, 0, 0, NULL, &error));
  g_assert_true (ossp_window_get_modified (window));
  g_assert_true (ossp_window_save_project (window, file, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (otp_list, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_get_contents (file, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "\"list\" : \"otp.json\""));
  g_assert_nonnull (strstr (text, "\"folder\" : \"keys\""));
  g_assert_nonnull (strstr (text, "\"chip\" : \"stm32mp15\""));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "station.openssp — OpenSSP");
  /* and it is in the recent projects */
  {
    g_autofree char *uri = g_filename_to_uri (file, NULL, NULL);
    g_assert_true (gtk_recent_manager_has_item (gtk_recent_manager_get_default (), uri));
  }
  ossp_window_set_project (window, NULL);
}

static void
test_accessible_names (void)
{
  g_autofree char *path = ossp_test_make_example ("mp25");
  g_autoptr(GPtrArray) unnamed = NULL;
  GtkWidget *help;
  guint n_help = 0;

  open_example (path);
  for (guint i = 0; page_names[i]; i++)
    {
      ossp_window_show_page (window, page_names[i]);
      ossp_gui_test_spin (100);
    }
  unnamed = ossp_accessible_find_unnamed (GTK_WIDGET (window));
  for (guint i = 0; i < unnamed->len; i++)
    {
      g_autofree char *what = ossp_accessible_describe (g_ptr_array_index (unnamed, i));
      g_test_message ("no accessible name: %s", what);
    }
  g_assert_cmpuint (unnamed->len, ==, 0);

  /* the help buttons: buttons, named "Help: …" */
  help = ossp_gui_test_find (GTK_WIDGET (window), GTK_TYPE_MENU_BUTTON, "help-button");
  g_assert_nonnull (help);
  gtk_test_accessible_assert_role (GTK_ACCESSIBLE (help), GTK_ACCESSIBLE_ROLE_BUTTON);
  g_assert_true (gtk_test_accessible_has_property (GTK_ACCESSIBLE (help), GTK_ACCESSIBLE_PROPERTY_LABEL));
  {
    /* every confusing field of the issue has one */
    GPtrArray *stack = g_ptr_array_new ();
    g_ptr_array_add (stack, window);
    while (stack->len)
      {
        GtkWidget *w = g_ptr_array_steal_index (stack, stack->len - 1);
        if (GTK_IS_MENU_BUTTON (w) && g_strcmp0 (gtk_widget_get_name (w), "help-button") == 0)
          n_help++;
        for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
          g_ptr_array_add (stack, c);
      }
    g_ptr_array_unref (stack);
  }
  g_test_message ("%u help buttons", n_help);
  g_assert_cmpuint (n_help, >=, 7);
  ossp_window_set_project (window, NULL);
}

static void
dump_widths (GtkWidget *w, int depth)
{
  int min = 0;
  if (depth > 14 || !gtk_widget_get_visible (w))
    return;
  gtk_widget_measure (w, GTK_ORIENTATION_HORIZONTAL, -1, &min, NULL, NULL, NULL);
  if (min > 360)
    g_test_message ("%*s%s #%s %d", depth * 2, "", G_OBJECT_TYPE_NAME (w), gtk_widget_get_name (w), min);
  for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
    dump_widths (c, depth + 1);
}

static gboolean
is_narrow (gpointer widget)
{
  return gtk_widget_get_width (widget) <= 400;
}

static gboolean
is_wide (gpointer widget)
{
  return gtk_widget_get_width (widget) > 400;
}

/* At 400 px every page fits: nothing asks for more width than that */
static void
test_narrow (void)
{
  /* the new size comes back from the X server, a few frames later */
  gtk_window_set_default_size (GTK_WINDOW (window), 400, 800);
  ossp_gui_test_wait (is_narrow, window, 20);
  for (guint i = 0; page_names[i]; i++)
    {
      int min = 0, nat = 0;
      g_autofree char *name = g_strdup_printf ("narrow-%s.png", page_names[i]);
      g_autofree char *shot = NULL;

      ossp_window_show_page (window, page_names[i]);
      ossp_gui_test_spin (200);
      {
        GtkWidget *visible = adw_view_stack_get_visible_child (ADW_VIEW_STACK (ossp_gui_test_find (GTK_WIDGET (window), ADW_TYPE_VIEW_STACK, NULL)));
        int pmin = 0;
        gtk_widget_measure (visible, GTK_ORIENTATION_HORIZONTAL, -1, &pmin, NULL, NULL, NULL);
        g_test_message ("%s: page minimum width %d", page_names[i], pmin);
        if (g_getenv ("OSSP_TEST_NARROW_REPORT"))
          dump_widths (visible, 0);
        for (GtkWidget *c = gtk_widget_get_first_child (ossp_gui_test_find (GTK_WIDGET (window), ADW_TYPE_VIEW_STACK, NULL)); c; c = gtk_widget_get_next_sibling (c))
          {
            gtk_widget_measure (c, GTK_ORIENTATION_HORIZONTAL, -1, &pmin, NULL, NULL, NULL);
            g_test_message ("  stack child %s: %d", G_OBJECT_TYPE_NAME (gtk_widget_get_first_child (c) ? gtk_widget_get_first_child (c) : c), pmin);
          }
      }
      gtk_widget_measure (GTK_WIDGET (window), GTK_ORIENTATION_HORIZONTAL, -1, &min, &nat, NULL, NULL);
      g_test_message ("%s: window minimum width %d", page_names[i], min);
      if (g_getenv ("OSSP_TEST_NARROW_REPORT"))
        {
          GtkWidget *header = ossp_gui_test_find (GTK_WIDGET (window), ADW_TYPE_HEADER_BAR, NULL);
          dump_widths (header, 0);
          g_test_message ("project title visible: %d", gtk_widget_get_visible (ossp_gui_test_find (GTK_WIDGET (window), ADW_TYPE_WINDOW_TITLE, NULL)));
        }
      if (g_getenv ("OSSP_TEST_NARROW_REPORT") == NULL)
        {
          g_assert_cmpint (min, <=, 400);
          g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (window)), <=, 400);
        }
      shot = ossp_gui_test_screenshot (GTK_WIDGET (window), name);
    }
  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 800);
  g_assert_true (ossp_gui_test_wait (is_wide, window, 20));
}

/* ---- a long signing: frames keep coming, progress moves, Cancel works ---- */

typedef struct {
  guint    frames;
  gboolean counting;
} Ticks;

static gboolean
tick_cb (GtkWidget *widget, GdkFrameClock *clock, gpointer data)
{
  Ticks *t = data;
  if (t->counting)
    t->frames++;
  return G_SOURCE_CONTINUE;
}

static char *
make_big_image (const char *dir)
{
  g_autofree char *raw = g_build_filename (dir, "big.bin", NULL);
  char *image = g_build_filename (dir, "big.stm32", NULL);
  g_autoptr(OsspTestRun) run = NULL;
  int fd;

  /* 256 MiB (sparse, zeros): signing takes a few hundred ms, many frames */
  fd = g_open (raw, O_CREAT | O_WRONLY | O_TRUNC, 0600);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, 256 * 1024 * 1024), ==, 0);
  close (fd);
  run = ossp_test_run_cli (NULL, "image", "build", "--in", raw, "--chip", "stm32mp15",
                           "--entry-point", "0x2FFC2500", "--out", image, NULL);
  g_assert_cmpint (run->exit_status, ==, 0);
  return image;
}

static void
test_frames_during_signing (void)
{
  g_autofree char *path = ossp_test_make_example ("mp15");
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *image = make_big_image (dir);
  g_autofree char *key = g_build_filename (dir, "keys", "privateKey.pem", NULL);
  g_autofree char *out = g_build_filename (dir, "big-signed.stm32", NULL);
  g_autofree char *out2 = g_build_filename (dir, "cancelled.stm32", NULL);
  OsspImagePage *image_page;
  GtkWidget *sign, *progress, *cancel, *status;
  Ticks ticks = { 0 };
  guint tick_id;
  double fraction_seen = 0;
  guint progress_updates = 0;
  gint64 start;

  open_example (path);
  ossp_window_show_page (window, "image");
  image_page = OSSP_IMAGE_PAGE (page (OSSP_TYPE_IMAGE_PAGE));
  ossp_image_page_set_input (image_page, image);
  ossp_image_page_set_key_file (image_page, key);
  ossp_image_page_set_output (image_page, out);
  g_assert_true (ossp_gui_test_wait_not_busy (image_page, 30));
  /* the page laid out with what it read: counting starts from a settled window */
  g_assert_true (ossp_gui_test_wait_frame (GTK_WIDGET (window), 20));
  sign = ossp_gui_test_find (GTK_WIDGET (image_page), GTK_TYPE_BUTTON, "sign_button");
  progress = ossp_gui_test_find (GTK_WIDGET (image_page), GTK_TYPE_PROGRESS_BAR, "progress_bar");
  cancel = ossp_gui_test_find (GTK_WIDGET (image_page), GTK_TYPE_BUTTON, "cancel_button");
  status = ossp_gui_test_find (GTK_WIDGET (image_page), GTK_TYPE_LABEL, "status_label");
  g_assert_true (gtk_widget_get_sensitive (sign));

  tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (window), tick_cb, &ticks, NULL);
  ticks.counting = TRUE;
  start = g_get_monotonic_time ();
  g_signal_emit_by_name (sign, "clicked");
  g_assert_true (ossp_image_page_get_busy (image_page));
  g_assert_true (gtk_widget_get_visible (cancel));
  while (ossp_image_page_get_busy (image_page))
    {
      double f = gtk_progress_bar_get_fraction (GTK_PROGRESS_BAR (progress));
      if (f != fraction_seen)
        progress_updates++;
      fraction_seen = f;
      g_main_context_iteration (NULL, TRUE);
    }
  ticks.counting = FALSE;
  g_test_message ("signing 256 MiB: %.2f s, %u frames drawn, %u progress updates seen; %s",
                  (g_get_monotonic_time () - start) / 1e6, ticks.frames, progress_updates,
                  gtk_label_get_text (GTK_LABEL (status)));
  /* the main loop kept drawing while the worker hashed and wrote */
  g_assert_cmpuint (ticks.frames, >=, 5);
  g_assert_cmpuint (progress_updates, >=, 2);
  g_assert_true (g_file_test (out, G_FILE_TEST_EXISTS));
  g_assert_false (gtk_widget_get_visible (cancel));

  /* again, and cancel at the first progress: nothing is written (from a
   * window laid out with the first result, so that the loop below sees the
   * progress while the worker still runs) */
  ossp_image_page_set_output (image_page, out2);
  g_assert_true (ossp_gui_test_wait_frame (GTK_WIDGET (window), 20));
  g_signal_emit_by_name (sign, "clicked");
  while (ossp_image_page_get_busy (image_page) &&
         gtk_progress_bar_get_fraction (GTK_PROGRESS_BAR (progress)) == 0)
    g_main_context_iteration (NULL, TRUE);
  g_signal_emit_by_name (cancel, "clicked");
  g_assert_true (ossp_gui_test_wait_not_busy (image_page, 30));
  ossp_gui_test_spin (100);
  g_assert_false (g_file_test (out2, G_FILE_TEST_EXISTS));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (status)), "Cancelled"));
  gtk_widget_remove_tick_callback (GTK_WIDGET (window), tick_id);
  ossp_window_set_project (window, NULL);
}

int
main (int argc, char **argv)
{
  ossp_gui_test_init (&argc, &argv);
  window = ossp_gui_test_start_app (&app, 1000, 800);

  g_test_add_func ("/gui-app/open-edit-save", test_open_edit_save);
  g_test_add_func ("/gui-app/unsaved-prompt", test_unsaved_prompt);
  g_test_add_func ("/gui-app/save-as-new", test_save_as_new);
  g_test_add_func ("/gui-app/accessible-names", test_accessible_names);
  g_test_add_func ("/gui-app/narrow", test_narrow);
  g_test_add_func ("/gui-app/frames-during-signing", test_frames_during_signing);
  return ossp_gui_test_run_app (app, window);
}
