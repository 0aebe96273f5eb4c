/* ossp-atomic-writer.c — test helper: writes one big secret file with
 * ossp_file_write_atomic so that test-atomic-write can kill it mid-write.
 *   ossp-atomic-writer PATH BYTES FILL-BYTE [overwrite]
 * Prints "writing" (flushed) right before the call, "done" after it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssp.h>

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  gsize len;
  guint8 *data;
  OsspWriteFlags flags = OSSP_WRITE_FLAGS_SECRET;

  if (argc < 4)
    return 2;
  len = (gsize) g_ascii_strtoull (argv[2], NULL, 10);
  data = g_malloc (len);
  memset (data, (int) g_ascii_strtoull (argv[3], NULL, 0), len);
  if (argc > 4 && g_str_equal (argv[4], "overwrite"))
    flags |= OSSP_WRITE_FLAGS_OVERWRITE;
  printf ("writing\n");
  fflush (stdout);
  if (!ossp_file_write_atomic (argv[1], data, len, flags, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  printf ("done\n");
  g_free (data);
  return 0;
}
