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

#include "ossp-gui-test-helper.h"
#include "ossp-provision-page.h"

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
test_gui_provision_sim_mp15 (void)
{
  OsspWindow *window = ossp_window_new (NULL);
  OsspProvisionPage *page;
  AdwMessageDialog *dialog;
  GObject *button;
  GtkWidget *entry, *label;
  g_autofree char *audit = g_build_filename (ossp_gui_test_get_private_dir (), "data", "openssp", "provision-audit.jsonl", NULL);

  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 1250);
  gtk_window_present (GTK_WINDOW (window));
  ossp_window_show_page (window, "provision");
  page = OSSP_PROVISION_PAGE (ossp_gui_test_find (GTK_WIDGET (window), OSSP_TYPE_PROVISION_PAGE, NULL));
  g_assert_nonnull (page);
  g_assert_true (ossp_gui_test_wait_mapped (GTK_WIDGET (page), 20));

  /* the example set-up is made on first start and filled in */
  g_assert_true (ossp_gui_test_wait (demo_loaded, page, 30));
  g_assert_true (strstr (row_subtitle (page, "firmware_row"), ".stm32") != NULL);
  /* the built-in simulated board and HSM are the defaults */
  g_assert_true (ossp_provision_page_select_port (page, "sim"));
  g_assert_true (ossp_provision_page_select_hsm (page, "demo"));
  ossp_provision_page_set_sim_baud (page, 115200);

  /* one click is never enough: the plan, and a word to type */
  button = gtk_widget_get_template_child (GTK_WIDGET (page), OSSP_TYPE_PROVISION_PAGE, "provision_button");
  g_signal_emit_by_name (button, "clicked");
  g_assert_true (ossp_gui_test_wait_dialog (NULL, TRUE, 30));
  dialog = ossp_gui_test_find_dialog (NULL);
  label = ossp_gui_test_find (adw_message_dialog_get_extra_child (dialog), GTK_TYPE_LABEL, NULL);
  entry = ossp_gui_test_find (adw_message_dialog_get_extra_child (dialog), GTK_TYPE_ENTRY, NULL);
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
  g_free (ossp_gui_test_screenshot (GTK_WIDGET (dialog), "provision-page-dialog.png"));
  ossp_gui_test_click_response (dialog, "_Burn and Close");
  g_assert_true (ossp_gui_test_wait_dialog (NULL, FALSE, 5));

  /* mid-run: boot 3 on the wire */
  g_assert_true (ossp_gui_test_wait (mid_run, page, 60));
  g_free (ossp_gui_test_screenshot (GTK_WIDGET (window), "provision-page-running.png"));

  g_assert_true (ossp_gui_test_wait (page_idle, page, 90));
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
  g_free (ossp_gui_test_screenshot (GTK_WIDGET (window), "provision-page-done.png"));
  ossp_gui_test_close_window (GTK_WINDOW (window));
}

int
main (int argc, char **argv)
{
  /* example set-up, soft-HSM and audit log go to the private data dir; no
   * pcscd (the HSM list just has no readers) */
  ossp_gui_test_init (&argc, &argv);
  g_test_add_func ("/gui/provision-page/sim-mp15", test_gui_provision_sim_mp15);
  return g_test_run ();
}
