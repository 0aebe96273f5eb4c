/* test-gui-backup.c — the Backup memory page, driven under Xvfb
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>
#include <sys/stat.h>
#include <adwaita.h>

#include "ossp-backup-page.h"
#include "ossp-gui-test-helper.h"
#include "ossp-test-helper.h"

/* the file work runs in a GTask: wait for its result */
static void
wait_idle (OsspBackupPage *page)
{
  g_assert_true (ossp_gui_test_wait_not_busy (page, 20));
}

static gpointer
child (OsspBackupPage *page, const char *name)
{
  GObject *obj = gtk_widget_get_template_child (GTK_WIDGET (page), OSSP_TYPE_BACKUP_PAGE, name);
  g_assert_nonnull (obj);
  return obj;
}

static void
set_text (OsspBackupPage *page, const char *row, const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (child (page, row)), text);
}

/* a click, as a user would: only on a sensitive button */
static void
click (OsspBackupPage *page, const char *name)
{
  GtkWidget *button = child (page, name);

  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
  ossp_gui_test_spin (30);
}

static const char *
label_text (OsspBackupPage *page, const char *name)
{
  return gtk_label_get_text (GTK_LABEL (child (page, name)));
}

static OsspBackupPage *
find_page (OsspWindow *window)
{
  AdwViewStack *stack = ADW_VIEW_STACK (gtk_widget_get_template_child (GTK_WIDGET (window), OSSP_TYPE_WINDOW, "stack"));
  GtkWidget *page = adw_view_stack_get_child_by_name (stack, "backup");

  g_assert_nonnull (page);
  return OSSP_BACKUP_PAGE (page);
}

static void
test_backup_page (void)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *json_path = g_build_filename (dir, "list.json", NULL);
  g_autofree char *bin_path = g_build_filename (dir, "backup-out.bin", NULL);
  g_autofree char *example = g_test_build_filename (G_TEST_DIST, "data", "backup", "example.json", NULL);
  g_autofree char *invalid = g_test_build_filename (G_TEST_DIST, "data", "backup", "invalid.json", NULL);
  g_autoptr(GFile) json_file = g_file_new_for_path (json_path);
  g_autoptr(GFile) bin_file = g_file_new_for_path (bin_path);
  g_autoptr(GFile) example_file = g_file_new_for_path (example);
  g_autoptr(GFile) invalid_file = g_file_new_for_path (invalid);
  OsspWindow *window = g_object_new (OSSP_TYPE_WINDOW, "default-width", 1000, "default-height", 1250, NULL);
  OsspBackupPage *page = find_page (window);
  OsspBackupList *list;
  AdwMessageDialog *dialog;
  g_autofree char *bytes = NULL;
  gsize len = 0;
  struct stat st;

  ossp_window_show_page (window, "backup");
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (ossp_gui_test_wait_mapped (GTK_WIDGET (page), 20));

  /* MP15 (the window's first chip) has no backup memory: the page says why */
  g_assert_cmpstr (gtk_stack_get_visible_child_name (child (page, "stack")), ==, "unsupported");
  g_assert_nonnull (strstr (adw_status_page_get_description (child (page, "unsupported_page")), "only on STM32MP2"));
  g_assert_null (ossp_backup_page_get_list (page));
  g_free (ossp_gui_test_screenshot (GTK_WIDGET (window), "backup-page-mp15.png"));

  ossp_window_set_chip_id (window, "stm32mp25");
  g_assert_cmpstr (gtk_stack_get_visible_child_name (child (page, "stack")), ==, "editor");
  list = ossp_backup_page_get_list (page);
  g_assert_nonnull (list);

  /* pick the backup SRAM and its second base */
  adw_combo_row_set_selected (child (page, "memory_row"), 1);
  adw_combo_row_set_selected (child (page, "base_row"), 1);
  g_assert_cmpstr (ossp_backup_list_get_memory_kind (list), ==, "bkpsram");
  g_assert_cmpuint (ossp_backup_list_get_base (list), ==, 0x52000000);

  /* a 16-byte key: wrap becomes possible, wrapped with the M33 HUK */
  set_text (page, "offset_row", "0x10");
  set_text (page, "hex_row", "000102030405060708090a0b0c0d0e0f");
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (child (page, "length_row")), "16 bytes (4 words)"));
  g_assert_true (gtk_widget_get_sensitive (child (page, "wrap_row")));
  g_assert_false (gtk_widget_get_sensitive (child (page, "cpu_row")));
  gtk_switch_set_active (child (page, "wrap_switch"), TRUE);
  g_assert_true (gtk_widget_get_sensitive (child (page, "cpu_row")));
  adw_combo_row_set_selected (child (page, "cpu_row"), 1);
  set_text (page, "label_row", "M33 key");
  g_assert_true (gtk_widget_get_sensitive (child (page, "apply_button")));
  click (page, "apply_button");
  g_assert_cmpuint (ossp_backup_list_get_n_entries (list), ==, 1);
  g_assert_cmpint (ossp_backup_entry_get_cpu (ossp_backup_list_get_entry (list, 0)), ==,
                   OSSP_BACKUP_WRAP_CPU_M33_TDCID2);
  /* the editor is ready for the next entry, after the last one */
  g_assert_cmpstr (gtk_editable_get_text (child (page, "offset_row")), ==, "0x20");

  /* 3 bytes: wrong length shown, wrap insensitive with a tooltip saying why */
  set_text (page, "hex_row", "001122");
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (child (page, "length_row")), "not whole 32-bit words"));
  g_assert_false (gtk_widget_get_sensitive (child (page, "wrap_row")));
  g_assert_nonnull (strstr (gtk_widget_get_tooltip_text (child (page, "wrap_switch")), "16 or 32 bytes"));
  g_assert_false (gtk_widget_get_sensitive (child (page, "apply_button")));

  /* an overlap with the key is shown live and blocks Add */
  set_text (page, "offset_row", "0x14");
  set_text (page, "hex_row", "00112233");
  g_assert_true (gtk_widget_get_visible (child (page, "entry_problems")));
  g_assert_nonnull (strstr (label_text (page, "entry_problems"), "overlaps entry 0 \"M33 key\""));
  g_assert_false (gtk_widget_get_sensitive (child (page, "apply_button")));
  /* and out of bounds too */
  set_text (page, "offset_row", "0x2000");
  g_assert_nonnull (strstr (label_text (page, "entry_problems"), "outside Backup SRAM"));

  set_text (page, "offset_row", "0x0");
  set_text (page, "label_row", "counter");
  click (page, "apply_button");
  g_assert_cmpuint (ossp_backup_list_get_n_entries (list), ==, 2);
  g_assert_cmpuint (ossp_backup_entry_get_offset (ossp_backup_list_get_entry (list, 0)), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (gtk_column_view_get_model (child (page, "entries_view")))), ==, 2);

  /* export the JSON list and build the binary */
  ossp_backup_page_export_file (page, json_file);
  wait_idle (page);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(OsspBackupList) back = ossp_backup_list_load_json (NULL, json_path, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (ossp_backup_list_get_n_entries (back), ==, 2);
    g_assert_cmpuint (ossp_backup_list_get_base (back), ==, 0x52000000);
  }
  ossp_backup_page_build_file (page, bin_file);
  wait_idle (page);
  g_assert_true (g_file_get_contents (bin_path, &bytes, &len, NULL));
  {
    /* by hand (payload.md §5.2): header, entry 0 (4 bytes), entry 1 (16 bytes, wrap|M33 = 5) */
    static const guint8 head[] = { 'O', 'S', 'B', 'K', 1, 0, 2, 0, 2, 0, 0, 0, 0, 0, 0, 0,
                                   0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x11, 0x22, 0x33,
                                   0x10, 0, 0, 0, 16, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0 };
    g_assert_cmpuint (len, ==, sizeof head + 16);
    g_assert_cmpmem (bytes, sizeof head, head, sizeof head);
    g_assert_cmpint (stat (bin_path, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  }

  /* edit entry 0 through the editor: move it */
  gtk_single_selection_set_selected (GTK_SINGLE_SELECTION (gtk_column_view_get_model (child (page, "entries_view"))), 0);
  click (page, "edit_button");
  g_assert_cmpstr (gtk_editable_get_text (child (page, "hex_row")), ==, "00112233");
  set_text (page, "offset_row", "0x40");
  click (page, "apply_button");
  g_assert_cmpuint (ossp_backup_entry_get_offset (ossp_backup_list_get_entry (list, 1)), ==, 0x40);

  /* an invalid file imports nothing and lists every problem */
  ossp_backup_page_import_file (page, invalid_file);
  wait_idle (page);
  dialog = ossp_gui_test_find_dialog (NULL);
  g_assert_nonnull (dialog);
  {
    GtkWidget *scroller = adw_message_dialog_get_extra_child (dialog);
    GtkWidget *viewport = gtk_scrolled_window_get_child (GTK_SCROLLED_WINDOW (scroller));
    const char *problems = gtk_label_get_text (GTK_LABEL (gtk_viewport_get_child (GTK_VIEWPORT (viewport))));
    g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "13 problems"));
    g_assert_nonnull (strstr (problems, "entries[10].lable"));
    g_assert_nonnull (strstr (problems, "entries[8].offset"));
    g_assert_nonnull (strstr (problems, "base: Base 0x42000000"));
  }
  g_assert_true (ossp_backup_page_get_list (page) == list);
  g_assert_cmpuint (ossp_backup_list_get_n_entries (list), ==, 2);
  g_free (ossp_gui_test_screenshot (GTK_WIDGET (dialog), "backup-page-import-errors.png"));
  gtk_window_destroy (GTK_WINDOW (dialog));

  /* a good file replaces the list and its entries show */
  ossp_backup_page_import_file (page, example_file);
  wait_idle (page);
  list = ossp_backup_page_get_list (page);
  g_assert_cmpuint (ossp_backup_list_get_n_entries (list), ==, 3);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (gtk_column_view_get_model (child (page, "entries_view")))), ==, 3);
  g_assert_cmpuint (adw_combo_row_get_selected (child (page, "memory_row")), ==, 1);

  /* leave an overlap error in the editor for the screenshot */
  set_text (page, "offset_row", "0x104");
  set_text (page, "hex_row", "deadbeef");
  set_text (page, "label_row", "clashes");
  g_assert_nonnull (strstr (label_text (page, "entry_problems"), "overlaps"));
  g_free (ossp_gui_test_screenshot (GTK_WIDGET (window), "backup-page.png"));

  /* every entry ends below 0x120, so the list may move to the 512-byte TAMP */
  adw_combo_row_set_selected (child (page, "memory_row"), 0);
  g_assert_cmpstr (ossp_backup_list_get_memory_kind (list), ==, "tamp");

  ossp_gui_test_close_window (GTK_WINDOW (window));
}

int
main (int argc, char **argv)
{
  ossp_gui_test_init (&argc, &argv);
  g_test_add_func ("/gui/backup/page", test_backup_page);
  return g_test_run ();
}
