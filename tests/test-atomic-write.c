/* test-atomic-write.c — a secret file written with ossp_file_write_atomic and
 * the writer SIGKILLed at random points: the old file stays whole (or the new
 * one is whole), never a partial target, and any temp file left behind is
 * 0600 like the secret it holds part of.
 *
 * The writer is a real process (tests/ossp-atomic-writer.c) writing 48 MiB,
 * so that the kill lands inside write()/fsync() on most tries; the test
 * proves it did by the temp files it finds.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <glib/gstdio.h>

#include "ossp-test-helper.h"

#define NEW_SIZE (48u * 1024 * 1024)
#define OLD_SIZE 4096u
#define TRIES    12      /* at least; more until a kill lands mid-write twice (max 40) */

static gboolean
all_bytes (const char *data, gsize len, char c)
{
  for (gsize i = 0; i < len; i++)
    if (data[i] != c)
      return FALSE;
  return TRUE;
}

/* Spawns the writer, waits for "writing", kills it after @delay_us (0: let
 * it finish) and reaps it. */
static void
write_and_kill (const char *path, gboolean overwrite, gulong delay_us, gboolean *finished)
{
  g_autofree char *writer = g_test_build_filename (G_TEST_BUILT, "ossp-atomic-writer", NULL);
  g_autofree char *size = g_strdup_printf ("%u", NEW_SIZE);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) p = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, writer, path, size,
                                               "0x42", overwrite ? "overwrite" : "new", NULL);
  g_autoptr(GDataInputStream) in = NULL;
  g_autofree char *line = NULL;

  g_assert_no_error (error);
  in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (p));
  line = g_data_input_stream_read_line_utf8 (in, NULL, NULL, &error);
  g_assert_cmpstr (line, ==, "writing");
  if (delay_us)
    {
      g_usleep (delay_us);
      g_subprocess_send_signal (p, SIGKILL);
    }
  g_assert_true (g_subprocess_wait (p, NULL, &error));
  *finished = g_subprocess_get_if_exited (p) && g_subprocess_get_exit_status (p) == 0;
}

/* Checks the folder after a try; removes leftover temp files. Returns
 * whether the old file (or no file) is still there, and counts temps. */
static gboolean
check_folder (const char *dir, const char *path, gboolean had_old, guint *temps)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  g_autofree char *data = NULL;
  gsize len = 0;
  const char *name;
  gboolean old_kept;
  struct stat st;

  if (g_file_get_contents (path, &data, &len, NULL))
    {
      g_assert_cmpint (stat (path, &st), ==, 0);
      g_assert_cmpuint (st.st_mode & 0777, ==, 0600);
      if (len == OLD_SIZE && had_old && all_bytes (data, len, 'A'))
        old_kept = TRUE;
      else if (len == NEW_SIZE && all_bytes (data, len, 0x42))
        old_kept = FALSE;
      else
        g_error ("partial target: %" G_GSIZE_FORMAT " bytes", len);
    }
  else
    {
      /* no target: only right when there was none before */
      g_assert_false (had_old);
      old_kept = TRUE;
    }
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (dir, name, NULL);
      if (g_str_equal (p, path))
        continue;
      /* a temp file of the writer: it held part of a secret, so 0600 */
      g_assert_true (g_str_has_prefix (name, ".secret.bin."));
      g_assert_cmpint (stat (p, &st), ==, 0);
      g_assert_cmpuint (st.st_mode & 0777, ==, 0600);
      (*temps)++;
      g_unlink (p);
    }
  return old_kept;
}

static void
run_tries (gboolean overwrite)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "secret.bin", NULL);
  char old[OLD_SIZE];
  gint64 t0, full_us;
  gboolean finished;
  guint kept = 0, replaced = 0, temps = 0, temps_with_old = 0;
  g_autoptr(GRand) rnd = g_rand_new ();

  memset (old, 'A', sizeof old);
  /* how long one whole write takes here */
  t0 = g_get_monotonic_time ();
  write_and_kill (path, TRUE, 0, &finished);
  full_us = g_get_monotonic_time () - t0;
  g_assert_true (finished);
  g_test_message ("a whole %u-byte write takes %" G_GINT64_FORMAT " ms", NEW_SIZE, full_us / 1000);

  guint i;

  for (i = 0; i < 40 && (i < TRIES || temps_with_old < 2); i++)
    {
      gulong delay = (gulong) g_rand_int_range (rnd, 1, (gint32) MAX (full_us * 11 / 10, 2));
      guint before = temps;
      gboolean old_kept;

      g_unlink (path);
      if (overwrite)
        {
          g_assert_true (g_file_set_contents (path, old, sizeof old, NULL));
          g_chmod (path, 0600);
        }
      write_and_kill (path, overwrite, delay, &finished);
      old_kept = check_folder (dir, path, overwrite, &temps);
      if (finished)
        g_assert_false (old_kept);
      kept += old_kept;
      replaced += !old_kept;
      temps_with_old += old_kept && temps > before;
    }
  g_test_message ("%s: %u tries: old kept %u, new whole %u, killed mid-write (temp left, old kept) %u",
                  overwrite ? "replace" : "create", i, kept, replaced, temps_with_old);
  /* the kill did land inside the write at least once */
  g_assert_cmpuint (temps_with_old, >, 0);
}

static void
test_replace_killed (void)
{
  run_tries (TRUE);
}

static void
test_create_killed (void)
{
  run_tries (FALSE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/atomic-write/replace-killed", test_replace_killed);
  g_test_add_func ("/atomic-write/create-killed", test_create_killed);
  return g_test_run ();
}
