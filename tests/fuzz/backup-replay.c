/* backup-replay.c — runs a fuzz harness over its seed corpus, without
 * libFuzzer, so that every CI run exercises the parser on the seeds.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib.h>

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
main (int    argc,
      char **argv)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GError) error = NULL;
  const char *name;
  guint n = 0;

  if (argc != 2)
    {
      g_printerr ("usage: %s CORPUS-DIR\n", argv[0]);
      return 2;
    }
  dir = g_dir_open (argv[1], 0, &error);
  if (dir == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (argv[1], name, NULL);
      g_autofree char *data = NULL;
      gsize len = 0;

      if (!g_file_get_contents (path, &data, &len, &error))
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }
      LLVMFuzzerTestOneInput ((const guint8 *) data, len);
      /* every prefix too: truncations are the common real-world damage */
      for (gsize cut = 0; cut < len && cut < 512; cut++)
        LLVMFuzzerTestOneInput ((const guint8 *) data, cut);
      n++;
    }
  g_print ("replayed %u inputs from %s\n", n, argv[1]);
  return n > 0 ? 0 : 1;
}
