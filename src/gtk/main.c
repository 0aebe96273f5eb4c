/* main.c — openssp-gtk
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <sys/prctl.h>
#include <glib/gi18n.h>

#include "ossp-application.h"

int
main (int    argc,
      char **argv)
{
  g_autoptr(OsspApplication) app = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  /* passwords and keys pass through this process: no core dumps */
  prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);

  app = ossp_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
