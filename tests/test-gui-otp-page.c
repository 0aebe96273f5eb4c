/* test-gui-otp-page.c — the "OTP secrets" page in the real window, under
 * Xvfb: add a word through the dialog, see problems appear, switch chips,
 * toggle a lock, build the secret file through the real file chooser, and
 * save screenshots.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <adwaita.h>
#include <glib/gstdio.h>

#include "ossp-gui-test-helper.h"
#include "ossp-otp-page.h"
#include "ossp-test-helper.h"

static gboolean
problems_mention (GtkWidget *page, const char *needle)
{
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();

  ossp_gui_test_find_all (ossp_gui_test_get (page, "otp-problems"), GTK_TYPE_LABEL, labels);
  for (guint i = 0; i < labels->len; i++)
    if (strstr (gtk_label_get_text (g_ptr_array_index (labels, i)), needle))
      return TRUE;
  return FALSE;
}

static const char *
summary (GtkWidget *page)
{
  return gtk_label_get_text (GTK_LABEL (ossp_gui_test_get (page, "otp-summary-label")));
}

static gboolean
shows_mp25 (gpointer page)
{
  return g_strcmp0 (ossp_chip_get_id (ossp_otp_page_get_chip (page)), "stm32mp25") == 0;
}

/* the lock switch of word @word in the column view (its row is made when the
 * view lays it out), or NULL */
static GtkWidget *
lock_switch (GtkWidget *page, guint word)
{
  g_autoptr(GPtrArray) switches = g_ptr_array_new ();

  ossp_gui_test_find_all (ossp_gui_test_get (page, "otp-column-view"), GTK_TYPE_SWITCH, switches);
  for (guint i = 0; i < switches->len; i++)
    if (GPOINTER_TO_UINT (g_object_get_data (g_ptr_array_index (switches, i), "ossp-otp-word")) == word)
      return g_ptr_array_index (switches, i);
  return NULL;
}

static gboolean
has_lock_switch_301 (gpointer page)
{
  return lock_switch (page, 301) != NULL;
}

static gboolean
file_exists (gpointer path)
{
  return g_file_test (path, G_FILE_TEST_EXISTS);
}

typedef struct {
  GtkFileChooser *chooser;
  const char     *path;
} ChooserWait;

static gboolean
chooser_points_at (gpointer data)
{
  ChooserWait *want = data;
  g_autoptr(GFile) chosen = gtk_file_chooser_get_file (want->chooser);
  g_autofree char *chosen_path = chosen ? g_file_get_path (chosen) : NULL;

  return g_strcmp0 (chosen_path, want->path) == 0;
}

static void
add_word_via_dialog (GtkWidget *page, guint word, const char *value, gboolean lock,
                     const char *expect_check)
{
  AdwMessageDialog *dialog;
  GtkWidget *check;

  g_signal_emit_by_name (ossp_gui_test_get (page, "otp-add"), "clicked");
  dialog = ADW_MESSAGE_DIALOG (ossp_gui_test_wait_toplevel (ADW_TYPE_MESSAGE_DIALOG, 20));
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (ossp_gui_test_get (dialog, "otp-dialog-word")), word);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (ossp_gui_test_get (dialog, "otp-dialog-lock")), lock);
  /* live validation: a bad value disables "Set" */
  gtk_editable_set_text (GTK_EDITABLE (ossp_gui_test_get (dialog, "otp-dialog-value")), "0xZZ");
  g_assert_false (adw_message_dialog_get_response_enabled (dialog, "set"));
  gtk_editable_set_text (GTK_EDITABLE (ossp_gui_test_get (dialog, "otp-dialog-value")), value);
  g_assert_true (adw_message_dialog_get_response_enabled (dialog, "set"));
  check = ossp_gui_test_get (dialog, "otp-dialog-check");
  if (strstr (gtk_label_get_text (GTK_LABEL (check)), expect_check) == NULL)
    g_error ("dialog check \"%s\" lacks \"%s\"", gtk_label_get_text (GTK_LABEL (check)), expect_check);
  /* what clicking the "Set" button does: respond, then close */
  adw_message_dialog_response (dialog, "set");
  gtk_window_close (GTK_WINDOW (dialog));
  ossp_gui_test_spin (100);
}

static void
test_gui_otp_page (void)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *out = g_build_filename (dir, "otp-secret.osot", NULL);
  g_autofree char *data = NULL;
  GtkWidget *window, *page, *sw;
  OsspOtpSecret *secret;
  GtkSelectionModel *selection;
  GtkWidget *file_dialog;
  gsize len = 0;

  window = GTK_WIDGET (g_object_new (OSSP_TYPE_WINDOW, NULL));
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 860);
  gtk_window_present (GTK_WINDOW (window));
  ossp_window_show_page (OSSP_WINDOW (window), "otp");

  page = ossp_gui_test_find (window, OSSP_TYPE_OTP_PAGE, NULL);
  g_assert_nonnull (page);
  g_assert_true (ossp_gui_test_wait_mapped (page, 20));
  secret = ossp_otp_page_get_secret (OSSP_OTP_PAGE (page));
  g_assert_cmpstr (ossp_chip_get_id (ossp_otp_page_get_chip (OSSP_OTP_PAGE (page))), ==, "stm32mp15");
  g_assert_nonnull (strstr (summary (page), "0 words set"));
  g_assert_true (problems_mention (page, "RMA"));
  /* MP1: no PKHTH button, the payload carries it */
  g_assert_false (gtk_widget_get_sensitive (ossp_gui_test_get (page, "otp-pkhth")));

  /* word 59 on MP15 is the ST board id: a warning appears */
  add_word_via_dialog (page, 59, "0x00011234", FALSE, "board ID");
  g_assert_nonnull (ossp_otp_secret_lookup (secret, 59));
  g_assert_cmphex (ossp_otp_item_get_value (ossp_otp_secret_lookup (secret, 59)), ==, 0x00011234);
  /* the firmware locks it anyway (MP1) */
  g_assert_true (ossp_otp_item_get_lock (ossp_otp_secret_lookup (secret, 59)));
  g_assert_true (problems_mention (page, "Word 59"));
  g_assert_nonnull (strstr (summary (page), "1 word set, 1 locked, 0 errors, 2 warnings"));
  g_assert_true (gtk_widget_get_sensitive (ossp_gui_test_get (page, "otp-build")));
  /* the whole map: ST and non-writable words are shown, not editable */
  g_free (ossp_gui_test_screenshot (window, "otp-page-map.png"));
  {
    g_autoptr(GPtrArray) entries = g_ptr_array_new ();
    guint editable = 0, locked_out = 0;
    ossp_gui_test_find_all (ossp_gui_test_get (page, "otp-column-view"), GTK_TYPE_ENTRY, entries);
    for (guint i = 0; i < entries->len; i++)
      {
        GtkWidget *e = g_ptr_array_index (entries, i);
        if (!gtk_widget_get_mapped (e))
          continue;
        if (gtk_editable_get_editable (GTK_EDITABLE (e)))
          editable++;
        else
          {
            locked_out++;
            g_assert_nonnull (gtk_widget_get_tooltip_text (e));
          }
      }
    /* the first rows are MP15 words 0.. (CFG0, part number…): ST's */
    g_assert_cmpuint (locked_out, >, 0);
  }
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (ossp_gui_test_get (page, "otp-set-only")), TRUE);
  g_free (ossp_gui_test_screenshot (window, "otp-page-mp15.png"));

  /* MP25 (window's chip selector): word 59 is ST's lower OTP there → error, build blocked */
  gtk_drop_down_set_selected (GTK_DROP_DOWN (ossp_gui_test_find (window, GTK_TYPE_DROP_DOWN, NULL)), 2);
  ossp_gui_test_wait (shows_mp25, page, 20);
  g_assert_cmpstr (ossp_chip_get_id (ossp_otp_page_get_chip (OSSP_OTP_PAGE (page))), ==, "stm32mp25");
  g_assert_nonnull (strstr (summary (page), "1 error"));
  g_assert_false (gtk_widget_get_sensitive (ossp_gui_test_get (page, "otp-build")));
  g_assert_true (gtk_widget_get_sensitive (ossp_gui_test_get (page, "otp-pkhth")));

  /* remove it: select its row (the only set word) and click Remove */
  selection = gtk_column_view_get_model (GTK_COLUMN_VIEW (ossp_gui_test_get (page, "otp-column-view")));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (selection)), ==, 1);
  gtk_selection_model_select_item (selection, 0, TRUE);
  g_signal_emit_by_name (ossp_gui_test_get (page, "otp-remove"), "clicked");
  ossp_gui_test_spin (100);
  g_assert_null (ossp_otp_secret_lookup (secret, 59));
  g_assert_nonnull (strstr (summary (page), "0 errors"));

  /* a word with a lock switch (MP2: the user's choice) */
  add_word_via_dialog (page, 300, "0x01020304", FALSE, "No problem");
  g_assert_false (ossp_otp_item_get_lock (ossp_otp_secret_lookup (secret, 300)));
  ossp_gui_test_wait (has_lock_switch_301, page, 20);
  sw = lock_switch (page, 301);
  g_assert_nonnull (sw);
  g_assert_true (gtk_widget_get_sensitive (sw));
  gtk_switch_set_active (GTK_SWITCH (sw), TRUE);
  ossp_gui_test_spin (100);
  g_assert_true (ossp_otp_item_get_lock (ossp_otp_secret_lookup (secret, 300)));
  g_assert_nonnull (strstr (summary (page), "1 word set, 1 locked"));
  g_assert_true (problems_mention (page, "public-key-table hash"));
  g_free (ossp_gui_test_screenshot (window, "otp-page-mp25.png"));

  /* build through the real file chooser (GTK's own dialog: no portal here) */
  g_assert_true (gtk_widget_get_sensitive (ossp_gui_test_get (page, "otp-build")));
  /* a new save dialog opens in the current directory; changing its folder
   * from code is asynchronous in GTK 4.8 and did not settle under Xvfb */
  g_assert_cmpint (g_chdir (dir), ==, 0);
  g_signal_emit_by_name (ossp_gui_test_get (page, "otp-build"), "clicked");
  file_dialog = ossp_gui_test_wait_toplevel (GTK_TYPE_FILE_CHOOSER_DIALOG, 20);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (file_dialog), "otp-secret.osot");
  ossp_gui_test_wait (chooser_points_at, &(ChooserWait) { GTK_FILE_CHOOSER (file_dialog), out }, 20);
  {
    g_autoptr(GFile) chosen = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (file_dialog));
    g_autofree char *chosen_path = g_file_get_path (chosen);
    g_assert_cmpstr (chosen_path, ==, out);
  }
  gtk_dialog_response (GTK_DIALOG (file_dialog), GTK_RESPONSE_ACCEPT);
  /* written in a GTask thread (atomically: once there, it is whole) */
  ossp_gui_test_wait (file_exists, out, 20);
  ossp_gui_test_spin (100);
  g_assert_true (g_file_get_contents (out, &data, &len, NULL));
  /* payload.md §5.1 by hand: header, one entry: word 300 = 0x012C, lock, value LE */
  g_assert_cmpmem (data, len, "OSOT\x01\x00\x01\x00" "\x2C\x01\x01\x00\x04\x03\x02\x01\x00\x00\x00\x00", 20);
  {
    GStatBuf st;
    g_assert_cmpint (g_stat (out, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  }

  ossp_gui_test_close_window (GTK_WINDOW (window));
}

int
main (int argc, char **argv)
{
  ossp_gui_test_init (&argc, &argv);
  g_test_add_func ("/gui/otp-page", test_gui_otp_page);
  return g_test_run ();
}
