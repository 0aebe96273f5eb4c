/* ossp-test-helper.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gio/gio.h>
#include <glib/gstdio.h>

#include "ossp-test-helper.h"

static void
rm_rf (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
            rm_rf (child);
          else
            g_unlink (child);
        }
    }
  g_chmod (path, 0700);
  g_rmdir (path);
}

static void
tmpdir_destroy (gpointer data)
{
  rm_rf (data);
  g_free (data);
}

char *
ossp_test_make_tmpdir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("openssp-test-XXXXXX", &error);

  g_assert_no_error (error);
  g_test_queue_destroy (tmpdir_destroy, g_strdup (dir));
  return dir;
}

OsspTestRun *
ossp_test_run_cliv (const char         *input,
                    const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  OsspTestRun *run = g_new0 (OsspTestRun, 1);
  const char *cli = g_getenv ("OPENSSP_CLI");

  g_auto(GStrv) wrapper = NULL;

  g_assert_nonnull (cli);
  /* e.g. OPENSSP_CLI_WRAPPER="valgrind -q --error-exitcode=9" (.ci/run) */
  if (g_getenv ("OPENSSP_CLI_WRAPPER") && *g_getenv ("OPENSSP_CLI_WRAPPER"))
    {
      wrapper = g_strsplit (g_getenv ("OPENSSP_CLI_WRAPPER"), " ", -1);
      for (guint i = 0; wrapper[i]; i++)
        if (*wrapper[i])
          g_ptr_array_add (argv, wrapper[i]);
    }
  g_ptr_array_add (argv, (gpointer) cli);
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  proc = g_subprocess_newv ((const char * const *) argv->pdata,
                            G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE |
                            G_SUBPROCESS_FLAGS_STDIN_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, input, NULL, &run->out, &run->err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (proc));
  run->exit_status = g_subprocess_get_exit_status (proc);
  return run;
}

OsspTestRun *
ossp_test_run_cli (const char *input,
                   ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  const char *arg;
  va_list ap;

  va_start (ap, input);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  return ossp_test_run_cliv (input, (const char * const *) args->pdata);
}

void
ossp_test_run_free (OsspTestRun *run)
{
  if (run == NULL)
    return;
  g_free (run->out);
  g_free (run->err);
  g_free (run);
}

JsonNode *
ossp_test_run_json (OsspTestRun *run)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  if (!json_parser_load_from_data (parser, run->out, -1, &error))
    g_error ("CLI output is not JSON (%s):\n%s\nstderr:\n%s", error->message, run->out, run->err);
  if (json_parser_get_root (parser) == NULL)
    g_error ("CLI printed no JSON (exit %d); stderr:\n%s", run->exit_status, run->err);
  return json_parser_steal_root (parser);
}

char *
ossp_test_data_path (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "data", name, NULL);
}

gboolean
ossp_test_have_program (const char *name)
{
  g_autofree char *path = g_find_program_in_path (name);
  return path != NULL;
}
