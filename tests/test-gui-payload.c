/* test-gui-payload.c — the Payload page in the real window, under Xvfb:
 * live checks, build (GTask), the inspector's plan, screenshots
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ossp-payload-test-helper.h"
#include "ossp-window.h"
#include "ossp-payload-page.h"

static gboolean
timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop for @ms milliseconds (layout, rendering, idles). */
static void
pump (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, timeout_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static void
wait_not_busy (OsspPayloadPage *page)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (ossp_payload_page_get_busy (page))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
  pump (150);
}

static GtkWidget *
find_widget (GtkWidget *root, gboolean (*match) (GtkWidget *, gconstpointer), gconstpointer data)
{
  if (match (root, data))
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_widget (c, match, data);
      if (found)
        return found;
    }
  return NULL;
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

/* Renders the window with its own renderer and writes a PNG into the build
 * dir, so a person can look at what the test drove. */
static void
save_screenshot (GtkWidget *window, const char *name)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (window);
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = g_test_build_filename (G_TEST_BUILT, name, NULL);
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  int w = 0, h = 0;

  /* a slow build (sanitizers, valgrind) may not have drawn the window yet:
   * keep the main loop running until there is something to render */
  while (node == NULL && g_get_monotonic_time () < deadline)
    {
      GtkSnapshot *snapshot = gtk_snapshot_new ();

      w = gtk_widget_get_width (window);
      h = gtk_widget_get_height (window);
      gdk_paintable_snapshot (paintable, snapshot, w, h);
      node = gtk_snapshot_free_to_node (snapshot);
      if (node == NULL)
        g_main_context_iteration (NULL, TRUE);
    }
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, w, h));
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
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
  pump (300);
  ui->page = OSSP_PAYLOAD_PAGE (find_widget (ui->window, is_type, GSIZE_TO_POINTER (OSSP_TYPE_PAYLOAD_PAGE)));
  g_assert_nonnull (ui->page);
  /* the window keeps the page's chip in sync with its selector */
  g_assert_cmpstr (ossp_chip_get_id (ossp_payload_page_get_chip (ui->page)), ==, chip_id);
  ui->build_button = find_widget (GTK_WIDGET (ui->page), has_action, "payload.build");
  g_assert_nonnull (ui->build_button);
}

static void
ui_close (Ui *ui)
{
  gtk_window_destroy (GTK_WINDOW (ui->window));
  pump (50);
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
  rma = find_widget (GTK_WIDGET (ui.page), is_entry_row_titled, "RMA");
  g_assert_nonnull (rma);
  gtk_editable_set_text (GTK_EDITABLE (rma), "0x40000000");
  pump (100);
  /* live checks say why */
  g_assert_nonnull (strstr (ossp_payload_page_get_problem (ui.page, OSSP_PAYLOAD_PAGE_NONCE), "ROM"));
  g_assert_null (ossp_payload_page_get_problem (ui.page, OSSP_PAYLOAD_PAGE_KEY));
  g_assert_true (gtk_widget_has_css_class (rma, "error"));
  g_assert_false (gtk_widget_is_sensitive (ui.build_button));
  save_screenshot (ui.window, "payload-page-checks.png");

  ossp_payload_page_set_file (ui.page, OSSP_PAYLOAD_PAGE_NONCE, fx->nonce);
  gtk_editable_set_text (GTK_EDITABLE (rma), "0x1234567");
  pump (100);
  g_assert_null (ossp_payload_page_get_problem (ui.page, OSSP_PAYLOAD_PAGE_NONCE));
  g_assert_true (gtk_widget_is_sensitive (ui.build_button));
  /* the summary counts the words (word 2 of the fixture is zero) */
  g_assert_nonnull (find_widget (GTK_WIDGET (ui.page), label_contains, "36 secret words"));

  /* Build: a GTask; the result is shown in the inspector with its plan */
  g_signal_emit_by_name (ui.build_button, "clicked");
  g_assert_true (ossp_payload_page_get_busy (ui.page));
  wait_not_busy (ui.page);
  g_assert_true (g_file_test (fx->out, G_FILE_TEST_EXISTS));
  shown = ossp_payload_page_get_inspected (ui.page);
  g_assert_nonnull (shown);
  g_assert_true (ossp_payload_is_decrypted (shown));
  g_assert_cmpuint (ossp_payload_get_plan (shown)->len, ==, 8 + 1 + 1 + 37 + 1);
  g_assert_nonnull (find_widget (GTK_WIDGET (ui.page), label_contains, "every tag verifies"));
  g_assert_nonnull (find_widget (GTK_WIDGET (ui.page), label_contains, "RMA_PASSWORD"));
  g_assert_nonnull (find_widget (GTK_WIDGET (ui.page), label_contains, "0x********"));
  g_assert_null (find_widget (GTK_WIDGET (ui.page), label_contains, "0x01234567"));

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
  switch_widget = find_widget (GTK_WIDGET (ui.page), is_type, GSIZE_TO_POINTER (GTK_TYPE_SWITCH));
  gtk_switch_set_active (GTK_SWITCH (switch_widget), TRUE);
  pump (200);
  g_assert_nonnull (find_widget (GTK_WIDGET (ui.page), label_contains, "0x01234567"));
  save_screenshot (ui.window, "payload-page-mp15.png");
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
  pump (100);
  g_assert_false (gtk_widget_is_sensitive (ui.build_button));
  g_assert_nonnull (find_widget (GTK_WIDGET (ui.page), label_contains, "does not match the backup file"));
  ossp_payload_page_set_backup (ui.page, "bkpsram", fx->bkpsram, 0x52000000);
  pump (100);
  g_assert_true (gtk_widget_is_sensitive (ui.build_button));

  g_signal_emit_by_name (ui.build_button, "clicked");
  wait_not_busy (ui.page);
  shown = ossp_payload_page_get_inspected (ui.page);
  g_assert_nonnull (shown);
  g_assert_cmpuint (ossp_payload_get_n_sections (shown), ==, 3);
  g_assert_cmphex (ossp_payload_get_section (shown, 2)->base, ==, 0x52000000);
  g_assert_nonnull (find_widget (GTK_WIDGET (ui.page), label_contains, "0x52000100"));
  save_screenshot (ui.window, "payload-page-mp25.png");
  ui_close (&ui);
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  g_test_add_func ("/gui/payload/build-mp15", test_gui_build_mp15);
  g_test_add_func ("/gui/payload/build-mp25", test_gui_build_mp25);
  return g_test_run ();
}
