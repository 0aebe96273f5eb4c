/* test-hsm-page.c — the HSM page in the real window under Xvfb, on the
 * built-in simulated HSM: reads the blank card, provisions it through the
 * confirmation dialog, shows the counter; screenshots into the build dir.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "ossp-test-hsm.h"
#include "ossp-window.h"
#include "ossp-hsm-page.h"
#include "ossp-sim-hsm.h"

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
  GListModel *tops = gtk_window_get_toplevels ();   /* owned by GTK */
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

/* the dialog's own response button, clicked like a user would */
static void
click_response (AdwMessageDialog *dialog,
                const char       *label)
{
  GtkWidget *found = NULL;
  GPtrArray *todo = g_ptr_array_new ();

  g_ptr_array_add (todo, dialog);
  while (todo->len > 0 && found == NULL)
    {
      GtkWidget *w = g_ptr_array_steal_index (todo, todo->len - 1);
      if (GTK_IS_BUTTON (w) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (w)), label) == 0)
        found = w;
      for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
        g_ptr_array_add (todo, c);
    }
  g_ptr_array_unref (todo);
  g_assert_nonnull (found);
  g_assert_true (gtk_widget_is_sensitive (found));
  g_signal_emit_by_name (found, "clicked");
}

static gboolean
no_dialog (gpointer data)
{
  return find_dialog () == NULL;
}

static gboolean
page_idle (gpointer data)
{
  return !ossp_hsm_page_get_busy (data);
}

static const char *
subtitle (OsspHsmPage *page, const char *row)
{
  GObject *o = gtk_widget_get_template_child (GTK_WIDGET (page), OSSP_TYPE_HSM_PAGE, row);
  g_assert_nonnull (o);
  return adw_action_row_get_subtitle (ADW_ACTION_ROW (o));
}

static gboolean
state_is_locked (gpointer data)
{
  return !ossp_hsm_page_get_busy (data) && g_str_has_prefix (subtitle (data, "state_row"), "Locked");
}

/* What the window shows, rendered by its own renderer, saved as PNG. */
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
  gdk_paintable_snapshot (paintable, snapshot, w, h);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, w, h));
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
}

static void
write_file (const char *path, const void *data, gsize len)
{
  g_assert_true (g_file_set_contents (path, data, (gssize) len, NULL));
}

static void
test_page_provision (void)
{
  g_autoptr(GError) error = NULL;
  OsspWindow *window = ossp_window_new (NULL);
  OsspHsmPage *page;
  AdwMessageDialog *dialog;
  OsspTestChip chip;
  g_autoptr(GBytes) perso = NULL;
  g_autofree char *perso_path = g_build_filename (tmpdir, "mp15.ospd", NULL);
  g_autofree char *key_path = g_build_filename (tmpdir, "enc_key.bin", NULL);
  g_autofree char *nonce_path = g_build_filename (tmpdir, "nonce.bin", NULL);
  g_autofree char *state_path = g_build_filename (tmpdir, "data", "openssp", "soft-hsm.json", NULL);
  GObject *fw, *max, *button;

  gtk_window_set_default_size (GTK_WINDOW (window), 900, 1100);
  gtk_window_present (GTK_WINDOW (window));
  ossp_window_show_page (window, "hsm");
  page = OSSP_HSM_PAGE (find_descendant (GTK_WIDGET (window), OSSP_TYPE_HSM_PAGE));
  g_assert_nonnull (page);

  /* the simulated HSM is on by default and the page reads it when shown */
  g_assert_true (wait_for ((Cond) gtk_widget_get_mapped, page, 5000));
  spin (100);
  g_assert_true (wait_for (page_idle, page, 10000));
  g_assert_true (g_str_has_prefix (subtitle (page, "state_row"), "Blank"));
  g_assert_cmpuint (strlen (subtitle (page, "serial_row")), ==, 16);
  g_assert_true (g_file_test (state_path, G_FILE_TEST_EXISTS));

  /* the form, as a user fills it (files as the choosers would set them) */
  ossp_test_chip_init (&chip, "5000200A", NULL);
  perso = ossp_test_perso_for (&chip, 1);
  write_file (perso_path, g_bytes_get_data (perso, NULL), g_bytes_get_size (perso));
  write_file (key_path, ossp_test_oem_key, 16);
  write_file (nonce_path, ossp_test_oem_nonce, 16);
  ossp_hsm_page_set_perso_file (page, perso_path);
  ossp_hsm_page_set_key_file (page, key_path);
  ossp_hsm_page_set_nonce_file (page, nonce_path);
  g_assert_nonnull (strstr (subtitle (page, "perso_row"), "5000200A"));
  g_assert_nonnull (strstr (subtitle (page, "perso_row"), "includes the selected STM32MP15"));
  fw = gtk_widget_get_template_child (GTK_WIDGET (page), OSSP_TYPE_HSM_PAGE, "firmware_entry");
  max = gtk_widget_get_template_child (GTK_WIDGET (page), OSSP_TYPE_HSM_PAGE, "max_spin");
  button = gtk_widget_get_template_child (GTK_WIDGET (page), OSSP_TYPE_HSM_PAGE, "provision_button");
  gtk_editable_set_text (GTK_EDITABLE (fw), "SSP_MPU_LINE1");
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (max), 5);

  /* one click is never enough: a dialog with the plan comes first */
  g_signal_emit_by_name (button, "clicked");
  g_assert_true (wait_for (dialog_shown, NULL, 10000));
  dialog = find_dialog ();
  {
    /* the plan is the dialog's extra child */
    GtkWidget *extra = adw_message_dialog_get_extra_child (dialog);
    GtkWidget *label = extra ? find_descendant (extra, GTK_TYPE_LABEL) : NULL;
    const char *plan;
    g_assert_nonnull (label);
    plan = gtk_label_get_text (GTK_LABEL (label));
    g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "blank"));
    g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), subtitle (page, "serial_row")));
    g_assert_nonnull (strstr (plan, "5000200A"));
    g_assert_nonnull (strstr (plan, "at most 5 licenses"));
    g_assert_nonnull (strstr (plan, "LOCK: irreversible"));
  }
  g_assert_true (adw_message_dialog_has_response (dialog, "cancel"));
  g_assert_cmpint (adw_message_dialog_get_response_appearance (dialog, "provision"), ==, ADW_RESPONSE_DESTRUCTIVE);
  g_assert_cmpstr (adw_message_dialog_get_default_response (dialog), ==, "cancel");
  spin (300);
  screenshot (GTK_WIDGET (dialog), "hsm-page-dialog.png");

  /* Cancel changes nothing */
  click_response (dialog, "_Cancel");
  g_assert_true (wait_for (no_dialog, NULL, 5000));
  spin (200);
  g_assert_true (wait_for (page_idle, page, 5000));
  g_assert_true (g_str_has_prefix (subtitle (page, "state_row"), "Blank"));

  /* again, and confirm */
  g_signal_emit_by_name (button, "clicked");
  g_assert_true (wait_for (dialog_shown, NULL, 10000));
  click_response (find_dialog (), "_Provision and Lock");
  g_assert_true (wait_for (no_dialog, NULL, 5000));
  g_assert_true (wait_for (state_is_locked, page, 10000));
  g_assert_cmpstr (subtitle (page, "firmware_id_row"), ==, "SSP_MPU_LINE1");
  g_assert_cmpstr (subtitle (page, "counter_row"), ==, "0 delivered, 5 remaining");
  g_assert_nonnull (strstr (subtitle (page, "products_row"), "5000200A (STM32MP15)"));

  /* a license handed out elsewhere shows up on Read */
  {
    g_autoptr(GBytes) cert = ossp_test_chip_cert_bytes (&chip);
    g_autoptr(GBytes) lic = ossp_hsm_get_license (ossp_hsm_page_get_hsm (page), cert, NULL, &error);
    GObject *read = gtk_widget_get_template_child (GTK_WIDGET (page), OSSP_TYPE_HSM_PAGE, "read_button");
    g_assert_no_error (error);
    g_signal_emit_by_name (read, "clicked");
    spin (50);
    g_assert_true (wait_for (page_idle, page, 10000));
    g_assert_cmpstr (subtitle (page, "counter_row"), ==, "1 delivered, 4 remaining");
  }
  /* the card state file says the same, independently of the page */
  {
    g_autoptr(OsspSimHsmCard) card = ossp_sim_hsm_card_new (state_path, &error);
    g_autoptr(OsspHsmInfo) info = NULL;
    g_assert_no_error (error);
    ossp_sim_hsm_card_get_info (card, &info);
    g_assert_cmpint (info->state, ==, OSSP_HSM_STATE_LOCKED);
    g_assert_cmpuint (info->remaining, ==, 4);
  }
  /* a locked card: no dialog, a toast instead */
  g_signal_emit_by_name (button, "clicked");
  g_assert_true (wait_for (page_idle, page, 10000));
  spin (200);
  g_assert_null (find_dialog ());

  spin (300);
  screenshot (GTK_WIDGET (window), "hsm-page.png");
  gtk_window_destroy (GTK_WINDOW (window));
  spin (100);
}

int
main (int argc, char **argv)
{
  g_autofree char *data = NULL;
  g_autofree char *sock = NULL;
  int ret;

  /* before GLib caches the data dir: the soft-HSM state goes to a temp dir;
   * no pcscd for the reader monitor (it says so, and the page copes) */
  tmpdir = g_dir_make_tmp ("openssp-gui-XXXXXX", NULL);
  data = g_build_filename (tmpdir, "data", NULL);
  sock = g_build_filename (tmpdir, "no-pcscd.comm", NULL);
  g_setenv ("XDG_DATA_HOME", data, TRUE);
  g_setenv ("PCSCLITE_CSOCK_NAME", sock, TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  g_test_add_func ("/gui/hsm-page/provision", test_page_provision);
  ret = g_test_run ();
  ossp_test_rm_rf (tmpdir);
  g_free (tmpdir);
  return ret;
}
