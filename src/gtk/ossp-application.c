/* ossp-application.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ossp-application.h"
#include "ossp-window.h"

struct _OsspApplication
{
  AdwApplication parent_instance;
};

G_DEFINE_FINAL_TYPE (OsspApplication, ossp_application, ADW_TYPE_APPLICATION)

static void
ossp_application_activate (GApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    window = GTK_WINDOW (ossp_window_new (OSSP_APPLICATION (app)));
  gtk_window_present (window);
}

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (user_data));
  const char *developers[] = { "The OpenSSP developers", NULL };

  adw_show_about_window (parent,
                         "application-name", "OpenSSP",
                         "application-icon", APP_ID,
                         "version", PACKAGE_VERSION,
                         "developer-name", "The OpenSSP developers",
                         "developers", developers,
                         "comments", _("Secure Secret Provisioning for STM32MP chips"),
                         "license-type", GTK_LICENSE_GPL_3_0,
                         NULL);
}

static void
ossp_application_startup (GApplication *app)
{
  static const GActionEntry app_actions[] = {
    { "quit", quit_activated },
    { "about", about_activated },
  };
  const char *quit_accels[] = { "<Control>q", NULL };

  /* AdwApplication loads style.css from the resource base path at startup:
   * register our bundle first */
  ossp_gui_ensure_resources ();
  G_APPLICATION_CLASS (ossp_application_parent_class)->startup (app);
  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
}

static void
ossp_application_class_init (OsspApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->activate = ossp_application_activate;
  app_class->startup = ossp_application_startup;
}

static void
ossp_application_init (OsspApplication *self)
{
}

OsspApplication *
ossp_application_new (void)
{
  return g_object_new (OSSP_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_NON_UNIQUE,
                       "resource-base-path", "/org/openssp/OpenSSP",
                       NULL);
}
