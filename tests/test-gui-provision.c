/* test-gui-provision.c — the Provision page in the real window under Xvfb
 *
 * Provisions a simulated STM32MP15 through the page as a user would: the
 * example set-up and the built-in simulated board are the defaults, the
 * Provision button opens the burn-plan dialog, the product id is typed, the
 * run is watched until the chip is secure-closed.  Screenshots (dialog,
 * mid-run, done) go into the build dir.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "ossp-window.h"
#include "ossp-provision-page.h"

static char *tmpdir;

static void
spin (guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;
  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
}

typedef gboolean (*Cond) (gpointer data);

static gboolean
wait_for (Cond cond, gpointer data, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  while (!cond (data))
    {
      if (g_get_monotonic_time () > end)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  return TRUE;
}

static GtkWidget *
find_descendant (GtkWidget *widget, GType type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_descendant (c, type);
      if (found)
        return found;
    }
  return NULL;
}

static AdwMessageDialog *
find_dialog (void)
{
  GListModel *tops = gtk_window_get_toplevels ();
  for (guint i = 0; i < g_list_model_get_n_items (tops); i++)
    {
      g_autoptr(GObject) w = g_list_model_get_item (tops, i);
      if (ADW_IS_MESSAGE_DIALOG (w) && gtk_widget_get_visible (GTK_WIDGET (w)))
        return ADW_MESSAGE_DIALOG (w);
    }
  return NULL;
}

static gboolean
dialog_shown (gpointer data)
{
  return find_dialog () != NULL;
}

static gboolean
no_dialog (gpointer data)
{
  return find_dialog () == NULL;
}

static void
click_response (AdwMessageDialog *dialog,
                const char       *label)
{
  GtkWidget *found = NULL;
  g_autoptr(GPtrArray) todo = g_ptr_array_new ();

  g_ptr_array_add (todo, dialog);
  while (todo->len > 0 && found == NULL)
    {
      GtkWidget *w = g_ptr_array_steal_index (todo, todo->len - 1);
      if (GTK_IS_BUTTON (w) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (w)), label) == 0)
        found = w;
      for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
        g_ptr_array_add (todo, c);
    }
  g_assert_nonnull (found);
  g_assert_true (gtk_widget_is_sensitive (found));
  g_signal_emit_by_name (found, "clicked");
}

static const char *
row_subtitle (OsspProvisionPage *page, const char *row)
{
  GObject *o = gtk_widget_get_template_child (GTK_WIDGET (page), OSSP_TYPE_PROVISION_PAGE, row);
  g_assert_nonnull (o);
  return adw_action_row_get_subtitle (ADW_ACTION_ROW (o));
}

static gboolean
demo_loaded (gpointer data)
{
  return strstr (row_subtitle (data, "payload_row"), "demo.ssp") != NULL;
}

static gboolean
page_idle (gpointer data)
{
  return !ossp_provision_page_get_busy (data);
}

static gboolean
mid_run (gpointer data)
{
  OsspProvisioner *prov = ossp_provision_page_get_provisioner (data);
  OsspProgress *progress = prov ? ossp_provisioner_get_progress (prov) : NULL;
  g_autofree char *step = progress ? ossp_progress_dup_step_id (progress) : NULL;

  return g_strcmp0 (step, "boot3") == 0 || g_strcmp0 (step, "burn") == 0;
}

static guint
count_rows (OsspProvisionPage *page, const char *list)
{
  GObject *o = gtk_widget_get_template_child (GTK_WIDGET (page), OSSP_TYPE_PROVISION_PAGE, list);
  guint n = 0;

  for (GtkWidget *c = gtk_widget_get_first_child (GTK_WIDGET (o)); c; c = gtk_widget_get_next_sibling (c))
    if (ADW_IS_ACTION_ROW (c))
      n++;
  return n;
}

static void
screenshot (GtkWidget *widget, const char *name)
{
  g_autofree char *path = g_test_build_filename (G_TEST_BUILT, name, NULL);
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));

  g_assert_cmpint (w, >, 0);
  /* a dialog just mapped may not have drawn yet: its snapshot is empty
   * until the first frame, so give the frame clock a moment */
  for (guint tries = 0; tries < 200; tries++)
    {
      gdk_paintable_snapshot (paintable, snapshot, w, h);
      node = gtk_snapshot_free_to_node (snapshot);
      if (node != NULL)
        break;
      snapshot = gtk_snapshot_new ();
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (10000);
    }
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, w, h));
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
}

static void
test_gui_provision_sim_mp15 (void)
{
  OsspWindow *window = ossp_window_new (NULL);
  OsspProvisionPage *page;
  AdwMessageDialog *dialog;
  GObject *button;
  GtkWidget *entry, *label;
  g_autofree char *audit = g_build_filename (tmpdir, "data", "openssp", "provision-audit.jsonl", NULL);

  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 1250);
  gtk_window_present (GTK_WINDOW (window));
  ossp_window_show_page (window, "provision");
  page = OSSP_PROVISION_PAGE (find_descendant (GTK_WIDGET (window), OSSP_TYPE_PROVISION_PAGE));
  g_assert_nonnull (page);
  g_assert_true (wait_for ((Cond) gtk_widget_get_mapped, page, 5000));

  /* the example set-up is made on first start and filled in */
  g_assert_true (wait_for (demo_loaded, page, 30000));
  g_assert_true (strstr (row_subtitle (page, "firmware_row"), ".stm32") != NULL);
  /* the built-in simulated board and HSM are the defaults */
  g_assert_true (ossp_provision_page_select_port (page, "sim"));
  g_assert_true (ossp_provision_page_select_hsm (page, "demo"));
  ossp_provision_page_set_sim_baud (page, 115200);

  /* one click is never enough: the plan, and a word to type */
  button = gtk_widget_get_template_child (GTK_WIDGET (page), OSSP_TYPE_PROVISION_PAGE, "provision_button");
  g_signal_emit_by_name (button, "clicked");
  g_assert_true (wait_for (dialog_shown, NULL, 30000));
  dialog = find_dialog ();
  label = find_descendant (adw_message_dialog_get_extra_child (dialog), GTK_TYPE_LABEL);
  entry = find_descendant (adw_message_dialog_get_extra_child (dialog), GTK_TYPE_ENTRY);
  g_assert_nonnull (label);
  g_assert_nonnull (entry);
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (label)), "SSP_REQ"));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (label)), "PKH[0]"));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (label)), "SSP_SUCCESS"));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "5000200A"));
  g_assert_false (adw_message_dialog_get_response_enabled (dialog, "burn"));
  gtk_editable_set_text (GTK_EDITABLE (entry), "BURN");
  g_assert_false (adw_message_dialog_get_response_enabled (dialog, "burn"));
  gtk_editable_set_text (GTK_EDITABLE (entry), "5000200A");
  g_assert_true (adw_message_dialog_get_response_enabled (dialog, "burn"));
  spin (300);
  screenshot (GTK_WIDGET (dialog), "provision-page-dialog.png");
  click_response (dialog, "_Burn and Close");
  g_assert_true (wait_for (no_dialog, NULL, 5000));

  /* mid-run: boot 3 on the wire */
  g_assert_true (wait_for (mid_run, page, 60000));
  spin (400);
  screenshot (GTK_WIDGET (window), "provision-page-running.png");

  g_assert_true (wait_for (page_idle, page, 90000));
  g_assert_cmpint (ossp_provision_page_get_last_result (page), ==, OSSP_PROVISION_RESULT_PROVISIONED);
  g_assert_cmpuint (count_rows (page, "runs_list"), ==, 1);
  g_assert_cmpuint (count_rows (page, "checks_list"), >=, 6);
  g_assert_cmpuint (count_rows (page, "audit_list"), ==, 1);
  g_assert_true (g_file_test (audit, G_FILE_TEST_EXISTS));
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(OsspAuditReport) report = ossp_audit_log_verify (audit, NULL, 0, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (report->provisioned, ==, 1);
  }
  spin (400);
  screenshot (GTK_WIDGET (window), "provision-page-done.png");
  gtk_window_destroy (GTK_WINDOW (window));
  spin (100);
}

static void
rm_rf (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        rm_rf (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

int
main (int argc, char **argv)
{
  g_autofree char *data = NULL;
  g_autofree char *sock = NULL;
  int ret;

  /* before GLib caches the data dir: example set-up, soft-HSM and audit log
   * go to a temp dir; no pcscd (the HSM list just has no readers) */
  tmpdir = g_dir_make_tmp ("openssp-gui-prov-XXXXXX", NULL);
  data = g_build_filename (tmpdir, "data", NULL);
  sock = g_build_filename (tmpdir, "no-pcscd.comm", NULL);
  g_setenv ("XDG_DATA_HOME", data, TRUE);
  g_setenv ("PCSCLITE_CSOCK_NAME", sock, TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  g_test_add_func ("/gui/provision-page/sim-mp15", test_gui_provision_sim_mp15);
  ret = g_test_run ();
  rm_rf (tmpdir);
  g_free (tmpdir);
  return ret;
}
