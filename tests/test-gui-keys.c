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

#include "ossp-application.h"
#include "ossp-keys-page.h"
#include "ossp-keys-test-helper.h"
#include "ossp-window.h"

#define PASSWORD "gui-test-Pa55phrase!"

static OsspApplication *app;
static OsspWindow *window;

static GtkWidget *
find_widget (GtkWidget  *root,
             GType       type,
             const char *name)
{
  if ((type == G_TYPE_INVALID || G_TYPE_CHECK_INSTANCE_TYPE (root, type)) &&
      (name == NULL || g_strcmp0 (gtk_widget_get_name (root), name) == 0))
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_widget (c, type, name);
      if (found)
        return found;
    }
  return NULL;
}

static GtkWidget *
page_child (OsspKeysPage *page,
            const char   *name)
{
  GtkWidget *w = find_widget (GTK_WIDGET (page), G_TYPE_INVALID, name);
  g_assert_nonnull (w);
  return w;
}

static gboolean
timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
spin (guint ms)
{
  gboolean done = FALSE;
  g_timeout_add (ms, timeout_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static void
wait_not_busy (OsspKeysPage *page)
{
  gint64 end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (ossp_keys_page_get_busy (page) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (ossp_keys_page_get_busy (page));
}

static void
save_screenshot (GtkWidget  *widget,
                 const char *name)
{
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = g_build_filename (g_getenv ("G_TEST_BUILDDIR") ? g_getenv ("G_TEST_BUILDDIR") : ".",
                                            name, NULL);
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));

  gdk_paintable_snapshot (paintable, snapshot, w, h);
  node = gtk_snapshot_free_to_node (snapshot);
  /* a slow (sanitizer, loaded) machine may not have drawn the first frame yet */
  for (int tries = 0; node == NULL && tries < 500; tries++)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10000);
      snapshot = gtk_snapshot_new ();
      gdk_paintable_snapshot (paintable, snapshot, w, h);
      node = gtk_snapshot_free_to_node (snapshot);
    }
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, w, h));
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
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
  GtkWidget *page = find_widget (GTK_WIDGET (window), OSSP_TYPE_KEYS_PAGE, NULL);
  g_assert_nonnull (page);
  g_assert_true (gtk_widget_get_mapped (page));  /* the first, visible page */
  return OSSP_KEYS_PAGE (page);
}

static void
fill_and_generate (OsspKeysPage *page,
                   const char   *dir)
{
  GtkWidget *pw = page_child (page, "password_row");
  GtkWidget *confirm = page_child (page, "confirm_row");
  GtkWidget *button = page_child (page, "generate_button");

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
  spin (100);
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
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (page_child (page, "password_row"))), ==, "");
  g_assert_true (gtk_widget_get_visible (page_child (page, "result_group")));

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
  g_assert_cmpint (gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (page_child (page, "count_spin"))), ==, 8);
  fill_and_generate (page, dir);
  g_assert_cmpuint (count_files (dir), ==, 25);
  g_assert_nonnull (ossp_keys_page_get_keys (page));
  g_assert_true (ossp_keys_get_pkhth (ossp_keys_page_get_keys (page), pkhth));
  pkhth_file = ossp_file_read_bytes (pkhth_path, 64, NULL);
  g_assert_cmpmem (g_bytes_get_data (pkhth_file, NULL), g_bytes_get_size (pkhth_file), pkhth, 32);

  g_signal_emit_by_name (page_child (page, "aes_button"), "clicked");
  g_signal_emit_by_name (page_child (page, "nonce_button"), "clicked");
  g_assert_true (g_file_test (key, G_FILE_TEST_IS_REGULAR));
  nonce_bytes = ossp_file_read_bytes (nonce, 64, NULL);
  g_assert_cmpuint (g_bytes_get_size (nonce_bytes), ==, 16);
  n = g_bytes_get_data (nonce_bytes, NULL);
  g_assert_cmpuint (n[12] | n[13] | n[14] | n[15], ==, 0);
  spin (300);
  save_screenshot (GTK_WIDGET (window), "test-gui-keys.png");
  /* and the lower half: OTP words and the random-secret rows */
  {
    GtkWidget *sw = find_widget (GTK_WIDGET (page), GTK_TYPE_SCROLLED_WINDOW, NULL);
    GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (sw));
    gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj));
    spin (300);
    save_screenshot (GTK_WIDGET (window), "test-gui-keys-bottom.png");
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

static void
window_added_cb (GtkApplication *application,
                 GtkWindow      *win,
                 gpointer        user_data)
{
  /* as tall as the Xvfb screen allows (meson gives 1280x1024) */
  gtk_window_set_default_size (win, 900, 1000);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  int ret;

  gtk_test_init (&argc, &argv, NULL);
  app = ossp_application_new ();
  g_signal_connect (app, "window-added", G_CALLBACK (window_added_cb), NULL);
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);
  g_application_activate (G_APPLICATION (app));
  window = OSSP_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_assert_nonnull (window);
  while (!gtk_widget_get_mapped (GTK_WIDGET (window)))
    g_main_context_iteration (NULL, TRUE);
  spin (200);

  g_test_add_func ("/gui-keys/strength", test_strength);
  g_test_add_func ("/gui-keys/generate-mp15", test_generate_mp15);
  g_test_add_func ("/gui-keys/generate-mp13-random", test_generate_mp13_and_random);
  ret = g_test_run ();
  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (app);
  return ret;
}
