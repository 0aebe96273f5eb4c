/* test-hsm-page.c — the HSM page in the real window under Xvfb, on the
 * built-in simulated HSM: reads the blank card, provisions it through the
 * confirmation dialog, shows the counter; screenshots into the build dir.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "ossp-gui-test-helper.h"
#include "ossp-test-hsm.h"
#include "ossp-hsm-page.h"
#include "ossp-sim-hsm.h"

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
  g_autofree char *perso_path = g_build_filename (ossp_gui_test_get_private_dir (), "mp15.ospd", NULL);
  g_autofree char *key_path = g_build_filename (ossp_gui_test_get_private_dir (), "enc_key.bin", NULL);
  g_autofree char *nonce_path = g_build_filename (ossp_gui_test_get_private_dir (), "nonce.bin", NULL);
  g_autofree char *state_path = g_build_filename (ossp_gui_test_get_private_dir (), "data", "openssp", "soft-hsm.json", NULL);
  GObject *fw, *max, *button;

  gtk_window_set_default_size (GTK_WINDOW (window), 900, 1100);
  gtk_window_present (GTK_WINDOW (window));
  ossp_window_show_page (window, "hsm");
  page = OSSP_HSM_PAGE (ossp_gui_test_find (GTK_WIDGET (window), OSSP_TYPE_HSM_PAGE, NULL));
  g_assert_nonnull (page);

  /* the simulated HSM is on by default and the page reads it when shown
   * (mapping starts the read: busy from then on until the answer) */
  g_assert_true (ossp_gui_test_wait_mapped (GTK_WIDGET (page), 20));
  g_assert_true (ossp_gui_test_wait_not_busy (page, 10));
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
  g_assert_true (ossp_gui_test_wait_dialog (NULL, TRUE, 10));
  dialog = ossp_gui_test_find_dialog (NULL);
  {
    /* the plan is the dialog's extra child */
    GtkWidget *extra = adw_message_dialog_get_extra_child (dialog);
    GtkWidget *label = extra ? ossp_gui_test_find (extra, GTK_TYPE_LABEL, NULL) : NULL;
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
  g_free (ossp_gui_test_screenshot (GTK_WIDGET (dialog), "hsm-page-dialog.png"));

  /* Cancel changes nothing */
  ossp_gui_test_click_response (dialog, "_Cancel");
  g_assert_true (ossp_gui_test_wait_dialog (NULL, FALSE, 5));
  ossp_gui_test_spin (200);
  g_assert_true (ossp_gui_test_wait_not_busy (page, 5));
  g_assert_true (g_str_has_prefix (subtitle (page, "state_row"), "Blank"));

  /* again, and confirm */
  g_signal_emit_by_name (button, "clicked");
  g_assert_true (ossp_gui_test_wait_dialog (NULL, TRUE, 10));
  ossp_gui_test_click_response (ossp_gui_test_find_dialog (NULL), "_Provision and Lock");
  g_assert_true (ossp_gui_test_wait_dialog (NULL, FALSE, 5));
  g_assert_true (ossp_gui_test_wait (state_is_locked, page, 10));
  g_assert_cmpstr (subtitle (page, "firmware_id_row"), ==, "SSP_MPU_LINE1");
  g_assert_cmpstr (subtitle (page, "counter_row"), ==, "0 delivered, 5 remaining");
  g_assert_nonnull (strstr (subtitle (page, "products_row"), "5000200A (STM32MP15)"));

  /* a license handed out elsewhere shows up on Read */
  {
    g_autoptr(GBytes) cert = ossp_test_chip_cert_bytes (&chip);
    g_autoptr(GBytes) lic = ossp_hsm_get_license (ossp_hsm_page_get_hsm (page), cert, NULL, &error);
    GObject *read = gtk_widget_get_template_child (GTK_WIDGET (page), OSSP_TYPE_HSM_PAGE, "read_button");
    g_assert_no_error (error);
    /* Read is busy from the click until the answer */
    g_signal_emit_by_name (read, "clicked");
    g_assert_true (ossp_gui_test_wait_not_busy (page, 10));
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
  g_assert_true (ossp_gui_test_wait_not_busy (page, 10));
  ossp_gui_test_spin (200);
  g_assert_null (ossp_gui_test_find_dialog (NULL));

  g_free (ossp_gui_test_screenshot (GTK_WIDGET (window), "hsm-page.png"));
  ossp_gui_test_close_window (GTK_WINDOW (window));
}

int
main (int argc, char **argv)
{
  /* the soft-HSM state goes to the private data dir; no pcscd for the
   * reader monitor (it says so, and the page copes) */
  ossp_gui_test_init (&argc, &argv);
  g_test_add_func ("/gui/hsm-page/provision", test_page_provision);
  return g_test_run ();
}
