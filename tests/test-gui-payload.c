/* test-gui-payload.c — the Payload page in the real window, under Xvfb:
 * live checks, build (GTask), the inspector's plan, screenshots
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ossp-gui-test-helper.h"
#include "ossp-payload-test-helper.h"
#include "ossp-payload-page.h"

/* the GTask's result, and the inspector's rows laid out (they are what the
 * test reads: only drawable labels count) */
static void
wait_not_busy (OsspPayloadPage *page)
{
  g_assert_true (ossp_gui_test_wait_not_busy (page, 30));
  g_assert_true (ossp_gui_test_wait_frame (GTK_WIDGET (page), 20));
}

/* after an edit: the live checks are laid out before the test reads them */
static void
wait_laid_out (OsspPayloadPage *page)
{
  g_assert_true (ossp_gui_test_wait_frame (GTK_WIDGET (page), 20));
}

static gboolean
is_type (GtkWidget *w, gconstpointer type)
{
  return G_TYPE_CHECK_INSTANCE_TYPE (w, GPOINTER_TO_SIZE (type));
}

static gboolean
has_action (GtkWidget *w, gconstpointer name)
{
  return GTK_IS_ACTIONABLE (w) && g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (w)), name) == 0;
}

static gboolean
is_entry_row_titled (GtkWidget *w, gconstpointer prefix)
{
  return ADW_IS_ENTRY_ROW (w) &&
         g_str_has_prefix (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (w)), prefix);
}

static gboolean
label_contains (GtkWidget *w, gconstpointer text)
{
  return GTK_IS_LABEL (w) && gtk_widget_is_drawable (w) &&
         strstr (gtk_label_get_text (GTK_LABEL (w)), text) != NULL;
}

typedef struct {
  GtkWidget       *window;
  OsspPayloadPage *page;
  GtkWidget       *build_button;
} Ui;

static void
ui_open (Ui *ui, const char *chip_id)
{
  ui->window = GTK_WIDGET (ossp_window_new (NULL));
  gtk_window_set_default_size (GTK_WINDOW (ui->window), 1100, 1650);
  ossp_window_set_chip_id (OSSP_WINDOW (ui->window), chip_id);
  ossp_window_show_page (OSSP_WINDOW (ui->window), "payload");
  gtk_window_present (GTK_WINDOW (ui->window));
  ui->page = OSSP_PAYLOAD_PAGE (ossp_gui_test_find_by (ui->window, is_type, GSIZE_TO_POINTER (OSSP_TYPE_PAYLOAD_PAGE)));
  g_assert_nonnull (ui->page);
  g_assert_true (ossp_gui_test_wait_mapped (GTK_WIDGET (ui->page), 20));
  /* the window keeps the page's chip in sync with its selector */
  g_assert_cmpstr (ossp_chip_get_id (ossp_payload_page_get_chip (ui->page)), ==, chip_id);
  ui->build_button = ossp_gui_test_find_by (GTK_WIDGET (ui->page), has_action, "payload.build");
  g_assert_nonnull (ui->build_button);
}

static void
ui_close (Ui *ui)
{
  ossp_gui_test_close_window (GTK_WINDOW (ui->window));
}

static void
test_gui_build_mp15 (void)
{
  g_autoptr(OsspPayloadFixture) fx = ossp_payload_fixture_new ("stm32mp15");
  guint8 bad_nonce[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0, 0, 7, 0 };
  g_autofree char *bad = ossp_payload_fixture_write (fx, "bad-nonce.bin", bad_nonce, 16);
  g_autoptr(OsspPayload) read = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *rma, *switch_widget;
  OsspPayload *shown;
  Ui ui;

  ui_open (&ui, "stm32mp15");
  /* nothing chosen: cannot build */
  g_assert_false (gtk_widget_is_sensitive (ui.build_button));

  /* what the file choosers do, then the RMA typed into its row */
  ossp_payload_page_set_file (ui.page, OSSP_PAYLOAD_PAGE_KEY, fx->key);
  ossp_payload_page_set_file (ui.page, OSSP_PAYLOAD_PAGE_NONCE, bad);
  ossp_payload_page_set_file (ui.page, OSSP_PAYLOAD_PAGE_PUBKEY, fx->pubkey);
  ossp_payload_page_set_file (ui.page, OSSP_PAYLOAD_PAGE_SECRET, fx->secret);
  ossp_payload_page_set_file (ui.page, OSSP_PAYLOAD_PAGE_OUTPUT, fx->out);
  rma = ossp_gui_test_find_by (GTK_WIDGET (ui.page), is_entry_row_titled, "RMA");
  g_assert_nonnull (rma);
  gtk_editable_set_text (GTK_EDITABLE (rma), "0x40000000");
  wait_laid_out (ui.page);
  /* live checks say why */
  g_assert_nonnull (strstr (ossp_payload_page_get_problem (ui.page, OSSP_PAYLOAD_PAGE_NONCE), "ROM"));
  g_assert_null (ossp_payload_page_get_problem (ui.page, OSSP_PAYLOAD_PAGE_KEY));
  g_assert_true (gtk_widget_has_css_class (rma, "error"));
  g_assert_false (gtk_widget_is_sensitive (ui.build_button));
  g_free (ossp_gui_test_screenshot (ui.window, "payload-page-checks.png"));

  ossp_payload_page_set_file (ui.page, OSSP_PAYLOAD_PAGE_NONCE, fx->nonce);
  gtk_editable_set_text (GTK_EDITABLE (rma), "0x1234567");
  wait_laid_out (ui.page);
  g_assert_null (ossp_payload_page_get_problem (ui.page, OSSP_PAYLOAD_PAGE_NONCE));
  g_assert_true (gtk_widget_is_sensitive (ui.build_button));
  /* the summary counts the words (word 2 of the fixture is zero) */
  g_assert_nonnull (ossp_gui_test_find_by (GTK_WIDGET (ui.page), label_contains, "36 secret words"));

  /* Build: a GTask; the result is shown in the inspector with its plan */
  g_signal_emit_by_name (ui.build_button, "clicked");
  g_assert_true (ossp_payload_page_get_busy (ui.page));
  wait_not_busy (ui.page);
  g_assert_true (g_file_test (fx->out, G_FILE_TEST_EXISTS));
  shown = ossp_payload_page_get_inspected (ui.page);
  g_assert_nonnull (shown);
  g_assert_true (ossp_payload_is_decrypted (shown));
  g_assert_cmpuint (ossp_payload_get_plan (shown)->len, ==, 8 + 1 + 1 + 37 + 1);
  g_assert_nonnull (ossp_gui_test_find_by (GTK_WIDGET (ui.page), label_contains, "every tag verifies"));
  g_assert_nonnull (ossp_gui_test_find_by (GTK_WIDGET (ui.page), label_contains, "RMA_PASSWORD"));
  g_assert_nonnull (ossp_gui_test_find_by (GTK_WIDGET (ui.page), label_contains, "0x********"));
  g_assert_null (ossp_gui_test_find_by (GTK_WIDGET (ui.page), label_contains, "0x01234567"));

  /* the file the page wrote is what the CLI model reads */
  read = ossp_payload_new_from_file (fx->out, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ossp_chip_get_id (ossp_payload_get_chip (read)), ==, "stm32mp15");

  /* the output now exists: a second build would need the save dialog's consent */
  g_assert_nonnull (ossp_payload_page_get_problem (ui.page, OSSP_PAYLOAD_PAGE_OUTPUT));
  g_assert_false (gtk_widget_is_sensitive (ui.build_button));

  /* open it again in the inspector, and show the secret values */
  ossp_payload_page_inspect (ui.page, fx->out);
  wait_not_busy (ui.page);
  switch_widget = ossp_gui_test_find_by (GTK_WIDGET (ui.page), is_type, GSIZE_TO_POINTER (GTK_TYPE_SWITCH));
  gtk_switch_set_active (GTK_SWITCH (switch_widget), TRUE);
  wait_laid_out (ui.page);
  g_assert_nonnull (ossp_gui_test_find_by (GTK_WIDGET (ui.page), label_contains, "0x01234567"));
  g_free (ossp_gui_test_screenshot (ui.window, "payload-page-mp15.png"));
  ui_close (&ui);
}

static void
test_gui_build_mp25 (void)
{
  g_autoptr(OsspPayloadFixture) fx = ossp_payload_fixture_new ("stm32mp25");
  OsspPayload *shown;
  Ui ui;

  ui_open (&ui, "stm32mp25");
  ossp_payload_page_set_file (ui.page, OSSP_PAYLOAD_PAGE_KEY, fx->key);
  ossp_payload_page_set_file (ui.page, OSSP_PAYLOAD_PAGE_NONCE, fx->nonce);
  ossp_payload_page_set_file (ui.page, OSSP_PAYLOAD_PAGE_SECRET, fx->secret);
  ossp_payload_page_set_file (ui.page, OSSP_PAYLOAD_PAGE_OUTPUT, fx->out);
  /* the TAMP file at a backup-SRAM base is refused, with the reason */
  ossp_payload_page_set_backup (ui.page, "tamp", fx->tamp, 0x46010100);
  ossp_payload_page_set_backup (ui.page, "bkpsram", fx->tamp, 0x42000000);
  wait_laid_out (ui.page);
  g_assert_false (gtk_widget_is_sensitive (ui.build_button));
  g_assert_nonnull (ossp_gui_test_find_by (GTK_WIDGET (ui.page), label_contains, "does not match the backup file"));
  ossp_payload_page_set_backup (ui.page, "bkpsram", fx->bkpsram, 0x52000000);
  wait_laid_out (ui.page);
  g_assert_true (gtk_widget_is_sensitive (ui.build_button));

  g_signal_emit_by_name (ui.build_button, "clicked");
  wait_not_busy (ui.page);
  shown = ossp_payload_page_get_inspected (ui.page);
  g_assert_nonnull (shown);
  g_assert_cmpuint (ossp_payload_get_n_sections (shown), ==, 3);
  g_assert_cmphex (ossp_payload_get_section (shown, 2)->base, ==, 0x52000000);
  g_assert_nonnull (ossp_gui_test_find_by (GTK_WIDGET (ui.page), label_contains, "0x52000100"));
  g_free (ossp_gui_test_screenshot (ui.window, "payload-page-mp25.png"));
  ui_close (&ui);
}

int
main (int argc, char **argv)
{
  ossp_gui_test_init (&argc, &argv);
  g_test_add_func ("/gui/payload/build-mp15", test_gui_build_mp15);
  g_test_add_func ("/gui/payload/build-mp25", test_gui_build_mp25);
  return g_test_run ();
}
