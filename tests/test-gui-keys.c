/* test-gui-keys.c — the Keys page in the real window under Xvfb: fill the
 * password, pick a folder, click Generate, check the files, screenshot
 *
 * Run with: xvfb-run -a, GSK_RENDERER=cairo GTK_A11Y=none
 * GSETTINGS_BACKEND=memory NO_AT_BRIDGE=1 (platform.md §3; meson does it).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>
#include <sys/stat.h>

#include "ossp-gui-test-helper.h"
#include "ossp-keys-page.h"
#include "ossp-keys-test-helper.h"

#define PASSWORD "gui-test-Pa55phrase!"

static OsspApplication *app;
static OsspWindow *window;

static void
wait_not_busy (OsspKeysPage *page)
{
  ossp_gui_test_wait_not_busy (page, 60);
  g_assert_false (ossp_keys_page_get_busy (page));
}

static guint
count_files (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;
  while (d && g_dir_read_name (d))
    n++;
  return n;
}

static OsspKeysPage *
get_page (void)
{
  GtkWidget *page = ossp_gui_test_find (GTK_WIDGET (window), OSSP_TYPE_KEYS_PAGE, NULL);
  g_assert_nonnull (page);
  g_assert_true (gtk_widget_get_mapped (page));  /* the first, visible page */
  return OSSP_KEYS_PAGE (page);
}

static void
fill_and_generate (OsspKeysPage *page,
                   const char   *dir)
{
  GtkWidget *pw = ossp_gui_test_get (page, "password_row");
  GtkWidget *confirm = ossp_gui_test_get (page, "confirm_row");
  GtkWidget *button = ossp_gui_test_get (page, "generate_button");

  g_object_set (page, "folder", dir, NULL);
  gtk_editable_set_text (GTK_EDITABLE (pw), PASSWORD);
  gtk_editable_set_text (GTK_EDITABLE (confirm), "not the same");
  /* a mismatching confirmation keeps Generate off */
  g_assert_false (gtk_widget_get_sensitive (button));
  g_assert_true (gtk_widget_has_css_class (confirm, "error"));
  gtk_editable_set_text (GTK_EDITABLE (confirm), PASSWORD);
  g_assert_true (gtk_widget_get_sensitive (button));
  g_assert_false (gtk_widget_has_css_class (confirm, "error"));

  g_signal_emit_by_name (button, "clicked");
  /* the work runs in a thread: the click returns at once, still busy */
  g_assert_true (ossp_keys_page_get_busy (page));
  g_assert_false (gtk_widget_get_sensitive (button));
  wait_not_busy (page);
}

static void
test_generate_mp15 (void)
{
  OsspKeysPage *page = get_page ();
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *priv = g_build_filename (dir, "privateKey.pem", NULL);
  g_autofree char *pub = g_build_filename (dir, "publicKey.pem", NULL);
  g_autofree char *pkh = g_build_filename (dir, "publicKeyhash.bin", NULL);
  struct stat st;

  g_assert_cmpstr (ossp_chip_get_id (ossp_keys_page_get_chip (page)), ==, "stm32mp15");
  fill_and_generate (page, dir);
  g_assert_cmpuint (count_files (dir), ==, 3);
  g_assert_cmpint (stat (priv, &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 0777, ==, 0600);
  g_assert_true (g_file_test (pkh, G_FILE_TEST_IS_REGULAR));
  /* the password entries are cleared after use */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (ossp_gui_test_get (page, "password_row"))), ==, "");
  g_assert_true (gtk_widget_get_visible (ossp_gui_test_get (page, "result_group")));

  if (ossp_keys_test_have_openssl ())
    {
      g_autofree char *pwfile = ossp_keys_test_password_file (dir, PASSWORD);
      g_autofree char *pubout = ossp_keys_test_openssl_pubout (priv, pwfile);
      g_autofree char *text = NULL;
      g_file_get_contents (pub, &text, NULL, NULL);
      g_assert_cmpstr (pubout, ==, text);
    }

  /* running again into the same folder without "Replace" fails cleanly */
  {
    g_autoptr(GBytes) before = ossp_file_read_bytes (priv, 4096, NULL);
    g_autoptr(GBytes) after = NULL;
    fill_and_generate (page, dir);
    after = ossp_file_read_bytes (priv, 4096, NULL);
    g_assert_true (g_bytes_equal (before, after));
  }
}

static void
test_generate_mp13_and_random (void)
{
  OsspKeysPage *page;
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *pkhth_path = g_build_filename (dir, "publicKeysHashHashes.bin", NULL);
  g_autofree char *key = g_build_filename (dir, "enc_key.bin", NULL);
  g_autofree char *nonce = g_build_filename (dir, "nonce.bin", NULL);
  g_autoptr(GBytes) pkhth_file = NULL, nonce_bytes = NULL;
  const guint8 *n;
  guint8 pkhth[32];

  ossp_window_set_chip_id (window, "stm32mp13");
  page = get_page ();
  g_assert_cmpstr (ossp_chip_get_id (ossp_keys_page_get_chip (page)), ==, "stm32mp13");
  g_assert_cmpint (gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (ossp_gui_test_get (page, "count_spin"))), ==, 8);
  fill_and_generate (page, dir);
  g_assert_cmpuint (count_files (dir), ==, 25);
  g_assert_nonnull (ossp_keys_page_get_keys (page));
  g_assert_true (ossp_keys_get_pkhth (ossp_keys_page_get_keys (page), pkhth));
  pkhth_file = ossp_file_read_bytes (pkhth_path, 64, NULL);
  g_assert_cmpmem (g_bytes_get_data (pkhth_file, NULL), g_bytes_get_size (pkhth_file), pkhth, 32);

  g_signal_emit_by_name (ossp_gui_test_get (page, "aes_button"), "clicked");
  g_signal_emit_by_name (ossp_gui_test_get (page, "nonce_button"), "clicked");
  g_assert_true (g_file_test (key, G_FILE_TEST_IS_REGULAR));
  nonce_bytes = ossp_file_read_bytes (nonce, 64, NULL);
  g_assert_cmpuint (g_bytes_get_size (nonce_bytes), ==, 16);
  n = g_bytes_get_data (nonce_bytes, NULL);
  g_assert_cmpuint (n[12] | n[13] | n[14] | n[15], ==, 0);
  g_free (ossp_gui_test_screenshot (GTK_WIDGET (window), "test-gui-keys.png"));
  /* and the lower half: OTP words and the random-secret rows */
  {
    GtkWidget *sw = ossp_gui_test_find (GTK_WIDGET (page), GTK_TYPE_SCROLLED_WINDOW, NULL);
    GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (sw));
    gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj));
    g_free (ossp_gui_test_screenshot (GTK_WIDGET (window), "test-gui-keys-bottom.png"));
  }
}

static void
test_strength (void)
{
  const char *hint = NULL;
  g_assert_cmpuint (ossp_keys_page_rate_password ("", &hint), ==, 0);
  g_assert_cmpuint (ossp_keys_page_rate_password ("abc", &hint), ==, 1);
  g_assert_cmpuint (ossp_keys_page_rate_password ("correct horse battery staple", &hint), >=, 3);
  g_assert_nonnull (hint);
}

int
main (int argc, char **argv)
{
  ossp_gui_test_init (&argc, &argv);
  /* as tall as the Xvfb screen allows (meson gives 1280x1024) */
  window = ossp_gui_test_start_app (&app, 900, 1000);

  g_test_add_func ("/gui-keys/strength", test_strength);
  g_test_add_func ("/gui-keys/generate-mp15", test_generate_mp15);
  g_test_add_func ("/gui-keys/generate-mp13-random", test_generate_mp13_and_random);
  return ossp_gui_test_run_app (app, window);
}
