/* ossp-first-frame.c — time from main() to the first painted frame of the
 * OpenSSP window, or (--reference) of an empty AdwApplicationWindow with a
 * header bar. Prints "first-frame-ms N". Used by bench/first-frame.sh.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>

#include "ossp-application.h"

static gint64 t0;

static void
after_paint_cb (GdkFrameClock *clock,
                gpointer       user_data)
{
  GApplication *app = user_data;

  g_print ("first-frame-ms %.1f\n", (g_get_monotonic_time () - t0) / 1000.0);
  g_signal_handlers_disconnect_by_func (clock, after_paint_cb, user_data);
  g_application_quit (app);
}

static void
realize_cb (GtkWidget *window,
            gpointer   app)
{
  g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint",
                    G_CALLBACK (after_paint_cb), app);
}

static void
window_added_cb (GtkApplication *app,
                 GtkWindow      *window,
                 gpointer        user_data)
{
  g_signal_connect (window, "realize", G_CALLBACK (realize_cb), app);
}

static void
reference_activate_cb (GApplication *app)
{
  GtkWidget *window = adw_application_window_new (GTK_APPLICATION (app));
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);

  gtk_box_append (GTK_BOX (box), adw_header_bar_new ());
  adw_application_window_set_content (ADW_APPLICATION_WINDOW (window), box);
  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 720);
  gtk_window_present (GTK_WINDOW (window));
}

static gboolean
give_up (gpointer app)
{
  g_printerr ("no frame within 30 s\n");
  g_application_quit (app);
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  g_autoptr(GApplication) app = NULL;

  t0 = g_get_monotonic_time ();
  if (argc > 1 && g_str_equal (argv[1], "--reference"))
    {
      app = G_APPLICATION (adw_application_new ("org.openssp.FirstFrameReference",
                                                G_APPLICATION_NON_UNIQUE));
      g_signal_connect (app, "activate", G_CALLBACK (reference_activate_cb), NULL);
    }
  else
    app = G_APPLICATION (ossp_application_new ());
  g_signal_connect (app, "window-added", G_CALLBACK (window_added_cb), NULL);
  g_timeout_add_seconds (30, give_up, app);
  return g_application_run (app, 1, argv);
}
