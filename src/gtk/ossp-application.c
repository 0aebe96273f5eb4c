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

/* Quit closes every window, so each can ask about unsaved changes; the
 * application ends with its last window. */
static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  GList *windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (user_data)));

  for (GList *l = windows; l; l = l->next)
    gtk_window_close (l->data);
  g_list_free (windows);
}

static AdwColorScheme
color_scheme_from_string (const char *name)
{
  if (g_strcmp0 (name, "light") == 0)
    return ADW_COLOR_SCHEME_FORCE_LIGHT;
  if (g_strcmp0 (name, "dark") == 0)
    return ADW_COLOR_SCHEME_FORCE_DARK;
  /* the desktop's choice; light when it has none */
  return ADW_COLOR_SCHEME_DEFAULT;
}

/* The style choice is kept in GSettings when the schema is installed (not
 * in a build tree), else for this run only. */
static GSettings *
app_settings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = source ? g_settings_schema_source_lookup (source, APP_ID, TRUE) : NULL;

  if (schema == NULL || !g_settings_schema_has_key (schema, "color-scheme"))
    return NULL;
  return g_settings_new (APP_ID);
}

static void
color_scheme_changed (GSimpleAction *action,
                      GVariant      *value,
                      gpointer       user_data)
{
  g_autoptr(GSettings) settings = app_settings ();
  const char *name = g_variant_get_string (value, NULL);

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), color_scheme_from_string (name));
  g_simple_action_set_state (action, value);
  if (settings)
    g_settings_set_string (settings, "color-scheme", name);
}

static void
ossp_application_open (GApplication  *app,
                       GFile        **files,
                       int            n_files,
                       const char    *hint)
{
  for (int i = 0; i < n_files; i++)
    {
      OsspWindow *window = ossp_window_new (OSSP_APPLICATION (app));
      g_autofree char *path = g_file_get_path (files[i]);
      g_autoptr(GError) error = NULL;

      gtk_window_present (GTK_WINDOW (window));
      if (path == NULL || !ossp_window_open_project (window, path, &error))
        ossp_window_toast (window, error ? error->message : _("Only local project files can be opened"));
    }
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
                         "website", "https://openssp.org",
                         "translator-credits", _("translator-credits"),
                         "license-type", GTK_LICENSE_GPL_3_0,
                         NULL);
}

static void
ossp_application_startup (GApplication *app)
{
  static const GActionEntry app_actions[] = {
    { "quit", quit_activated },
    { "about", about_activated },
    { "color-scheme", NULL, "s", "'default'", color_scheme_changed },
  };
  const char *quit_accels[] = { "<Control>q", NULL };
  g_autoptr(GSettings) settings = NULL;

  /* AdwApplication loads style.css from the resource base path at startup:
   * register our bundle first */
  ossp_gui_ensure_resources ();
  G_APPLICATION_CLASS (ossp_application_parent_class)->startup (app);
  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  settings = app_settings ();
  if (settings)
    {
      g_autofree char *scheme = g_settings_get_string (settings, "color-scheme");
      g_action_group_change_action_state (G_ACTION_GROUP (app), "color-scheme", g_variant_new_string (scheme));
    }
}

static void
ossp_application_class_init (OsspApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->activate = ossp_application_activate;
  app_class->startup = ossp_application_startup;
  app_class->open = ossp_application_open;
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
                       "flags", G_APPLICATION_NON_UNIQUE | G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/org/openssp/OpenSSP",
                       NULL);
}
