/* test-gui-image.c — the Image signing page in the real window under Xvfb:
 * sign an mkimage image (MP15) and a raw binary with an 8-key table (MP13),
 * verify through the page, a wrong password, screenshots
 *
 * Run with: xvfb-run -a, GSK_RENDERER=cairo GTK_A11Y=none
 * GSETTINGS_BACKEND=memory NO_AT_BRIDGE=1 (platform.md §3; meson does it).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ossp-gui-test-helper.h"
#include "ossp-image-page.h"
#include "ossp-keys-test-helper.h"

#define PASSWORD "image-page-Pa55"

static OsspApplication *app;
static OsspWindow *window;

/* the row named @row_name of @group, or NULL */
static GtkWidget *
row (OsspImagePage *page,
     const char    *group,
     const char    *row_name)
{
  return ossp_gui_test_find (ossp_gui_test_get (page, group), ADW_TYPE_ACTION_ROW, row_name);
}

typedef struct {
  OsspImagePage *page;
  const char    *group;
  const char    *row_name;
} RowWait;

static gboolean
row_shown (gpointer data)
{
  RowWait *want = data;

  return !ossp_image_page_get_busy (want->page) && row (want->page, want->group, want->row_name) != NULL;
}

/* waits until the page is idle and @group holds a row named @row_name */
static void
wait_for_row (OsspImagePage *page,
              const char    *group,
              const char    *row_name)
{
  ossp_gui_test_wait (row_shown, &(RowWait) { page, group, row_name }, 60);
  g_assert_false (ossp_image_page_get_busy (page));
  if (row (page, group, row_name) == NULL)
    g_error ("no row %s in %s; status: %s", row_name, group,
             gtk_label_get_text (GTK_LABEL (ossp_gui_test_get (page, "status_label"))));
}

/* the status is set with the result, when the page stops being busy */
static void
wait_idle (OsspImagePage *page)
{
  ossp_gui_test_wait_not_busy (page, 60);
  g_assert_false (ossp_image_page_get_busy (page));
}

static const char *
row_subtitle (OsspImagePage *page, const char *group, const char *row_name)
{
  return adw_action_row_get_subtitle (ADW_ACTION_ROW (row (page, group, row_name)));
}

static const char *
row_title (OsspImagePage *page, const char *group, const char *row_name)
{
  return adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row (page, group, row_name)));
}

static OsspImagePage *
show_page (const char *chip)
{
  GtkWidget *page;

  ossp_window_set_chip_id (window, chip);
  ossp_window_show_page (window, "image");
  page = ossp_gui_test_find (GTK_WIDGET (window), OSSP_TYPE_IMAGE_PAGE, NULL);
  g_assert_nonnull (page);
  g_assert_true (ossp_gui_test_wait_mapped (page, 20));
  g_assert_cmpstr (ossp_chip_get_id (ossp_image_page_get_chip (OSSP_IMAGE_PAGE (page))), ==, chip);
  return OSSP_IMAGE_PAGE (page);
}

static void
save_key (const char *dir, const char *stem, char **priv, char **pub)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspKeyPair) key = ossp_key_pair_generate (OSSP_CURVE_P256, &error);

  *priv = g_strdup_printf ("%s/privateKey%s.pem", dir, stem);
  *pub = g_strdup_printf ("%s/publicKey%s.pem", dir, stem);
  g_assert_no_error (error);
  g_assert_true (ossp_key_pair_save_private (key, *priv, PASSWORD, 0, &error));
  g_assert_true (ossp_key_pair_save_public (key, *pub, 0, &error));
  g_assert_no_error (error);
}

static void
make_payload (const char *path, gsize len)
{
  g_autofree guint8 *data = g_malloc (len);
  for (gsize i = 0; i < len; i++)
    data[i] = (guint8) g_random_int ();
  g_assert_true (g_file_set_contents (path, (char *) data, (gssize) len, NULL));
}

/* MP15: an unsigned image from mkimage (or our own builder if u-boot-tools
 * is missing), signed and verified through the page */
static void
test_gui_image_mp15 (void)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *payload = g_build_filename (dir, "tf-a-ssp.bin", NULL);
  g_autofree char *input = g_build_filename (dir, "tf-a-ssp.stm32", NULL);
  g_autofree char *output = g_build_filename (dir, "tf-a-ssp-signed.stm32", NULL);
  g_autofree char *priv = NULL, *pub = NULL, *pkh_hex = NULL;
  g_autoptr(OsspImage) signed_image = NULL;
  g_autoptr(GPtrArray) checks = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspKeyPair) pubkey = NULL;
  OsspImagePage *page;
  guint8 pkh[32];

  make_payload (payload, 6000);
  if (ossp_test_have_program ("mkimage"))
    g_assert_cmpint (ossp_keys_test_tool (NULL, NULL, "mkimage", "-T", "stm32image", "-a", "0x2ffc2500",
                                          "-e", "0x2ffc2500", "-d", payload, input, NULL), ==, 0);
  else
    {
      g_autoptr(OsspImage) raw = ossp_image_new_from_payload_file (payload, OSSP_IMAGE_VERSION_1_0, &error);
      ossp_image_set_entry_point (raw, 0x2ffc2500);
      g_assert_true (ossp_image_write (raw, input, 0, NULL, NULL, NULL, NULL, NULL, &error));
    }
  save_key (dir, "", &priv, &pub);

  page = show_page ("stm32mp15");
  ossp_image_page_set_input (page, input);
  wait_for_row (page, "input_group", "option_flags");
  g_assert_nonnull (strstr (row_subtitle (page, "input_group", "header_version"), "1.0"));
  g_assert_nonnull (strstr (row_subtitle (page, "input_group", "signature"), "none"));
  /* a v1 image has no key table: those rows are hidden */
  g_assert_false (gtk_widget_get_visible (ossp_gui_test_get (page, "pubkeys_row")));
  g_assert_false (gtk_widget_get_sensitive (ossp_gui_test_get (page, "sign_button")));

  ossp_image_page_set_key_file (page, priv);
  ossp_image_page_set_output (page, output);
  gtk_editable_set_text (GTK_EDITABLE (ossp_gui_test_get (page, "image_version_row")), "2");
  gtk_editable_set_text (GTK_EDITABLE (ossp_gui_test_get (page, "password_row")), PASSWORD);
  g_assert_true (gtk_widget_get_sensitive (ossp_gui_test_get (page, "sign_button")));
  g_signal_emit_by_name (ossp_gui_test_get (page, "sign_button"), "clicked");
  /* the work runs in a thread: the click returns at once, busy */
  g_assert_true (ossp_image_page_get_busy (page));
  g_assert_false (gtk_widget_get_sensitive (ossp_gui_test_get (page, "sign_button")));
  wait_for_row (page, "result_group", "public_key");
  g_assert_nonnull (strstr (row_subtitle (page, "result_group", "image_version"), "2"));

  /* the file really is signed with that key */
  pubkey = ossp_key_pair_load_public (pub, &error);
  g_assert_no_error (error);
  signed_image = ossp_image_new_from_file (output, &error);
  g_assert_no_error (error);
  checks = ossp_image_verify (signed_image, &(OsspImageExpect) { .public_key = pubkey }, NULL, NULL, NULL, &error);
  g_assert_true (ossp_image_checks_passed (checks));

  /* Verify in the page, with the PKH as the OTP would hold it */
  ossp_key_pair_get_pkh (pubkey, FALSE, pkh);
  pkh_hex = ossp_hex_encode (pkh, 32);
  gtk_editable_set_text (GTK_EDITABLE (ossp_gui_test_get (page, "expect_row")), pkh_hex);
  g_signal_emit_by_name (ossp_gui_test_get (page, "verify_button"), "clicked");
  wait_for_row (page, "verify_group", "signature");
  g_assert_nonnull (strstr (row_title (page, "verify_group", "signature"), "Pass"));
  g_assert_nonnull (strstr (row_title (page, "verify_group", "checksum"), "Pass"));
  g_assert_nonnull (strstr (row_title (page, "verify_group", "pkh"), "Pass"));
  g_free (ossp_gui_test_screenshot (GTK_WIDGET (window), "test-gui-image-mp15.png"));

  /* a wrong password: a clear message, nothing written */
  {
    g_autofree char *other = g_build_filename (dir, "other.stm32", NULL);
    ossp_image_page_set_output (page, other);
    gtk_editable_set_text (GTK_EDITABLE (ossp_gui_test_get (page, "password_row")), "wrong");
    g_signal_emit_by_name (ossp_gui_test_get (page, "sign_button"), "clicked");
    wait_idle (page);
    g_assert_false (g_file_test (other, G_FILE_TEST_EXISTS));
    g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (ossp_gui_test_get (page, "status_label"))), "password"));
    g_assert_true (gtk_widget_has_css_class (ossp_gui_test_get (page, "status_label"), "error"));
  }
}

/* MP13: a raw binary, 8 public keys, the signer found at index 5 */
static void
test_gui_image_mp13 (void)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *payload = g_build_filename (dir, "ssp-fw.bin", NULL);
  g_autofree char *output = g_build_filename (dir, "ssp-fw.stm32", NULL);
  char *privs[8], *pubs[9] = { NULL };
  g_autoptr(OsspImage) image = NULL;
  g_autoptr(GError) error = NULL;
  OsspImagePage *page;

  make_payload (payload, 3 * 1024 * 1024);
  for (guint i = 0; i < 8; i++)
    {
      g_autofree char *stem = g_strdup_printf ("%02u", i);
      save_key (dir, stem, &privs[i], &pubs[i]);
    }

  page = show_page ("stm32mp13");
  ossp_image_page_set_input (page, payload);
  wait_for_row (page, "input_group", "extension_flags");
  /* a raw binary is shown with the header it will get: v2.0, padding only */
  g_assert_nonnull (strstr (row_subtitle (page, "input_group", "header_version"), "2.0"));
  g_assert_true (gtk_widget_get_visible (ossp_gui_test_get (page, "pubkeys_row")));
  g_assert_true (gtk_widget_get_visible (ossp_gui_test_get (page, "key_index_row")));

  ossp_image_page_set_key_file (page, privs[5]);
  ossp_image_page_set_public_keys (page, (const char * const *) pubs);
  ossp_image_page_set_output (page, output);
  gtk_editable_set_text (GTK_EDITABLE (ossp_gui_test_get (page, "password_row")), PASSWORD);
  gtk_editable_set_text (GTK_EDITABLE (ossp_gui_test_get (page, "entry_point_row")), "0x2ffe0000");
  adw_combo_row_set_selected (ADW_COMBO_ROW (ossp_gui_test_get (page, "binary_type_row")), 1);  /* fsbl */
  gtk_editable_set_text (GTK_EDITABLE (ossp_gui_test_get (page, "expect_row")), "");
  g_signal_emit_by_name (ossp_gui_test_get (page, "sign_button"), "clicked");
  g_assert_true (gtk_widget_get_visible (ossp_gui_test_get (page, "progress_bar")));
  wait_for_row (page, "result_group", "key_index");
  g_assert_cmpstr (row_subtitle (page, "result_group", "key_index"), ==, "5 of 8");
  g_assert_false (gtk_widget_get_visible (ossp_gui_test_get (page, "progress_bar")));

  image = ossp_image_new_from_file (output, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ossp_image_get_header_version (image), ==, OSSP_IMAGE_VERSION_2_0);
  g_assert_cmpuint (ossp_image_get_entry_point (image), ==, 0x2ffe0000);
  g_assert_cmpint (ossp_image_get_key_index (image), ==, 5);
  g_assert_cmpuint (ossp_image_get_binary_type (image), ==, 0x10);

  g_signal_emit_by_name (ossp_gui_test_get (page, "verify_button"), "clicked");
  wait_for_row (page, "verify_group", "key-table");
  g_assert_nonnull (strstr (row_title (page, "verify_group", "signature"), "Pass"));
  g_assert_nonnull (strstr (row_title (page, "verify_group", "key-table"), "Pass"));
  g_free (ossp_gui_test_screenshot (GTK_WIDGET (window), "test-gui-image-mp13.png"));
  /* the lower half: the input header as it was before signing */
  {
    GtkWidget *sw = ossp_gui_test_find (GTK_WIDGET (page), GTK_TYPE_SCROLLED_WINDOW, NULL);
    GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (sw));
    gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj));
    g_free (ossp_gui_test_screenshot (GTK_WIDGET (window), "test-gui-image-mp13-bottom.png"));
  }
  for (guint i = 0; i < 8; i++)
    {
      g_free (privs[i]);
      g_free (pubs[i]);
    }
}

int
main (int argc, char **argv)
{
  ossp_gui_test_init (&argc, &argv);
  window = ossp_gui_test_start_app (&app, 1200, 1000);

  g_test_add_func ("/gui/image/mp15", test_gui_image_mp15);
  g_test_add_func ("/gui/image/mp13", test_gui_image_mp13);
  return ossp_gui_test_run_app (app, window);
}
