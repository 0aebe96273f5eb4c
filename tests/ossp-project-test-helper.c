/* ossp-project-test-helper.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gstdio.h>

#include "ossp-project-test-helper.h"

/* A temp copy of docs/examples/<name>/product.openssp with its inputs made
 * by docs/examples/make-inputs.sh (the real script users run). */
char *
ossp_test_make_example (const char *name)
{
  const char *src = g_getenv ("OPENSSP_SOURCE_DIR");
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *script = g_build_filename (src, "docs", "examples", "make-inputs.sh", NULL);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) env = g_get_environ ();
  g_autofree char *out = NULL, *err = NULL;
  int status = -1;
  const char *examples[] = { "mp15", "mp25" };

  for (guint i = 0; i < G_N_ELEMENTS (examples); i++)
    {
      g_autofree char *from = g_build_filename (src, "docs", "examples", examples[i], "product.openssp", NULL);
      g_autofree char *sub = g_build_filename (dir, examples[i], NULL);
      g_autofree char *to = g_build_filename (sub, "product.openssp", NULL);
      g_autofree char *text = NULL;
      gsize len;
      g_assert_cmpint (g_mkdir (sub, 0700), ==, 0);
      g_assert_true (g_file_get_contents (from, &text, &len, NULL));
      g_assert_true (g_file_set_contents (to, text, (gssize) len, NULL));
    }
  env = g_environ_setenv (env, "OPENSSP", g_getenv ("OPENSSP_CLI"), TRUE);
  {
    const char *argv[] = { "bash", script, dir, NULL };
    g_spawn_sync (NULL, (char **) argv, env, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status, &error);
  }
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("make-inputs.sh failed: %s", err);
  return g_build_filename (dir, name, "product.openssp", NULL);
}

