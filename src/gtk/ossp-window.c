/* ossp-window.c — the main window: chip selector, one page per area
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "ossp-window.h"
#include "ossp-payload-page.h"
#include "ossp-backup-page.h"
#include "ossp-otp-page.h"
#include "ossp-hsm-page.h"
#include "ossp-provision-page.h"
#include "ossp-gui-resources.h"
#include "ossp-image-page.h"
#include "ossp-keys-page.h"
#include "ossp-project-page.h"
#include "ossp-accessible.h"

struct _OsspWindow
{
  AdwApplicationWindow  parent_instance;

  AdwToastOverlay      *toast_overlay;
  AdwViewStack         *stack;
  GtkDropDown          *chip_dropdown;
  AdwViewSwitcherTitle *switcher_title;
  GtkLabel             *project_name;
  GtkLabel             *project_folder;
  GtkLabel             *project_state;
  GtkMenuButton        *menu_button;
  GMenu                *recent_menu;

  OsspChip             *chip;
  OsspProject          *project;
  GtkFileChooserNative *chooser;
  gboolean              close_confirmed;   /* the unsaved-changes question was answered */
  guint                 naming_idle;
};

G_DEFINE_FINAL_TYPE (OsspWindow, ossp_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_CHIP,
  PROP_PROJECT,
  PROP_MODIFIED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

#define RECENT_MIME_TYPE "application/x-openssp-project"
#define RECENT_MAX 6

void
ossp_gui_ensure_resources (void)
{
  static gsize once;

  if (g_once_init_enter (&once))
    {
      ossp_gui_register_resource ();
      g_once_init_leave (&once, 1);
    }
}

/* ---- title and modified state ---------------------------------------- */

static void
foreach_project_page (OsspWindow *self,
                      void      (*func) (OsspProjectPage *page, gpointer data),
                      gpointer    data)
{
  for (GtkWidget *c = gtk_widget_get_first_child (GTK_WIDGET (self->stack)); c;
       c = gtk_widget_get_next_sibling (c))
    {
      /* AdwViewStack keeps each page in its own child wrapper */
      GtkWidget *page = OSSP_IS_PROJECT_PAGE (c) ? c : gtk_widget_get_first_child (c);
      if (page != NULL && OSSP_IS_PROJECT_PAGE (page))
        func (OSSP_PROJECT_PAGE (page), data);
    }
}

static void
any_dirty (OsspProjectPage *page, gpointer data)
{
  *(gboolean *) data |= ossp_project_page_get_dirty (page);
}

gboolean
ossp_window_get_modified (OsspWindow *self)
{
  gboolean dirty = FALSE;

  g_return_val_if_fail (OSSP_IS_WINDOW (self), FALSE);
  foreach_project_page (self, any_dirty, &dirty);
  return dirty || (self->project != NULL && ossp_project_get_modified (self->project));
}

/* "product.openssp" or "Untitled project" */
static char *
project_display_name (OsspWindow *self)
{
  const char *file = self->project ? ossp_project_get_file (self->project) : NULL;
  return file ? g_path_get_basename (file) : g_strdup (_("Untitled project"));
}

static void
update_title (OsspWindow *self)
{
  g_autofree char *name = project_display_name (self);
  gboolean modified = ossp_window_get_modified (self);
  const char *file = self->project ? ossp_project_get_file (self->project) : NULL;
  g_autofree char *marked = modified ? g_strdup_printf ("• %s", name) : g_strdup (name);
  g_autofree char *title = g_strdup_printf ("%s — OpenSSP", marked);
  g_autofree char *dir = file ? g_path_get_dirname (file) : NULL;
  g_autofree char *subtitle = NULL;

  if (dir != NULL)
    {
      const char *home = g_get_home_dir ();
      /* ~/… as Files shows it */
      subtitle = home && g_str_has_prefix (dir, home) && dir[strlen (home)] == G_DIR_SEPARATOR
                 ? g_strconcat ("~", dir + strlen (home), NULL) : g_strdup (dir);
    }
  gtk_window_set_title (GTK_WINDOW (self), title);
  adw_view_switcher_title_set_title (self->switcher_title, marked);
  gtk_label_set_text (self->project_name, marked);
  gtk_label_set_text (self->project_folder, subtitle ? subtitle : "");
  gtk_label_set_text (self->project_state, modified ? _("Modified — not saved yet")
                                                    : subtitle ? _("Saved") : _("Not saved yet"));
  adw_view_switcher_title_set_subtitle (self->switcher_title,
                                        modified ? _("Modified — not saved yet")
                                                 : subtitle ? subtitle : _("Not saved yet"));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODIFIED]);
}

/* Each page is a widget with a "chip" property; the window keeps it in
 * sync with the header-bar selector. One line per page. */
static void
ossp_window_add_pages (OsspWindow *self)
{
  struct {
    GType (*get_type) (void);
    const char *name;
    const char *title;
    const char *icon;
  } pages[] = {
    /* in the order a set-up is made: keys, secrets, payload, then the factory */
    { ossp_keys_page_get_type, "keys", N_("Keys"), "dialog-password-symbolic" },
    { ossp_otp_page_get_type, "otp", N_("OTP secrets"), "security-high-symbolic" },
    { ossp_backup_page_get_type, "backup", N_("Backup memory"), "drive-harddisk-symbolic" },
    { ossp_payload_page_get_type, "payload", N_("Payload"), "channel-secure-symbolic" },
    { ossp_image_page_get_type, "image", N_("Image signing"), "document-edit-symbolic" },
    { ossp_hsm_page_get_type, "hsm", N_("HSM"), "auth-smartcard-symbolic" },
    { ossp_provision_page_get_type, "provision", N_("Provision"), "media-flash-symbolic" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      GtkWidget *page;
      if (pages[i].get_type == NULL)
        continue;
      page = g_object_new (pages[i].get_type (), NULL);
      g_object_bind_property (self, "chip", page, "chip", G_BINDING_SYNC_CREATE);
      if (OSSP_IS_PROJECT_PAGE (page))
        g_signal_connect_swapped (page, "dirty-changed", G_CALLBACK (update_title), self);
      adw_view_stack_add_titled_with_icon (self->stack, page, pages[i].name,
                                           g_dgettext (GETTEXT_PACKAGE, pages[i].title),
                                           pages[i].icon);
    }
}

/* Pages build rows when the chip or the project changes: name their
 * controls once things have settled. */
static gboolean
name_controls_idle (gpointer data)
{
  OsspWindow *self = data;

  self->naming_idle = 0;
  ossp_accessible_name_controls (GTK_WIDGET (self));
  return G_SOURCE_REMOVE;
}

static void
schedule_naming (OsspWindow *self)
{
  if (self->naming_idle == 0)
    self->naming_idle = g_idle_add (name_controls_idle, self);
}

static void
chip_selected_cb (OsspWindow *self)
{
  const char * const *ids = ossp_chip_list_ids ();
  guint pos = gtk_drop_down_get_selected (self->chip_dropdown);

  if (pos < g_strv_length ((char **) ids))
    ossp_window_set_chip_id (self, ids[pos]);
}

/* ---- the project -------------------------------------------------------- */

static void
attach_page (OsspProjectPage *page, gpointer project)
{
  ossp_project_page_attach (page, project);
}

static void
forward_change (OsspProjectPage *page, gpointer key)
{
  ossp_project_page_project_changed (page, key);
}

static void
project_changed_cb (OsspWindow  *self,
                    const char  *key,
                    OsspProject *project)
{
  if (g_strcmp0 (key, "chip") == 0)
    ossp_window_set_chip_id (self, ossp_project_get_chip_id (project));
  /* what one page wrote, the others show */
  foreach_project_page (self, forward_change, (gpointer) key);
  update_title (self);
}

OsspProject *
ossp_window_get_project (OsspWindow *self)
{
  g_return_val_if_fail (OSSP_IS_WINDOW (self), NULL);
  return self->project;
}

void
ossp_window_set_project (OsspWindow  *self,
                         OsspProject *project)
{
  g_autoptr(OsspProject) fresh = NULL;

  g_return_if_fail (OSSP_IS_WINDOW (self));
  if (project == NULL)
    project = fresh = ossp_project_new (self->chip ? ossp_chip_get_id (self->chip) : "stm32mp15");
  if (self->project == project)
    return;
  if (self->project != NULL)
    g_signal_handlers_disconnect_by_data (self->project, self);
  /* pages first let go, so that the chip switch below writes nowhere */
  foreach_project_page (self, attach_page, NULL);
  g_set_object (&self->project, project);
  ossp_window_set_chip_id (self, ossp_project_get_chip_id (project));
  foreach_project_page (self, attach_page, project);
  g_signal_connect_object (project, "changed", G_CALLBACK (project_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (project, "notify::modified", G_CALLBACK (update_title), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (project, "notify::file", G_CALLBACK (update_title), self, G_CONNECT_SWAPPED);
  update_title (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROJECT]);
}

static void
add_recent (const char *path)
{
  g_autofree char *uri = g_filename_to_uri (path, NULL, NULL);
  GtkRecentData data = {
    .display_name = NULL,
    .description = NULL,
    .mime_type = (char *) RECENT_MIME_TYPE,
    .app_name = (char *) "OpenSSP",
    .app_exec = (char *) "openssp-gtk %f",
    .groups = NULL,
    .is_private = FALSE,
  };

  if (uri != NULL)
    gtk_recent_manager_add_full (gtk_recent_manager_get_default (), uri, &data);
}

static void
show_problems (OsspWindow *self,
               const char *heading,
               GPtrArray  *problems)
{
  g_autoptr(GString) text = g_string_new (NULL);
  GtkWidget *dialog, *label, *scroller;
  guint shown = 0;

  for (guint i = 0; problems && i < problems->len; i++)
    {
      const OsspProjectProblem *p = g_ptr_array_index (problems, i);
      /* outputs a build will make are not problems worth a dialog */
      if (p->severity == OSSP_PROJECT_SEVERITY_INFO && !g_str_has_prefix (p->where, "$.version"))
        continue;
      g_string_append_printf (text, "%s• %s: %s", shown++ ? "\n" : "", p->where, p->message);
    }
  if (shown == 0)
    return;
  dialog = adw_message_dialog_new (GTK_WINDOW (self), heading,
                                   _("The project was opened as far as it could be. Fix these "
                                     "problems on the pages, then save it."));
  label = gtk_label_new (text->str);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scroller), 320);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scroller), TRUE);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), label);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), scroller);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

gboolean
ossp_window_open_project (OsspWindow  *self,
                          const char  *path,
                          GError     **error)
{
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(OsspProject) project = NULL;

  g_return_val_if_fail (OSSP_IS_WINDOW (self), FALSE);
  project = ossp_project_load (path, &problems, error);
  if (project == NULL)
    return FALSE;
  ossp_window_set_project (self, project);
  add_recent (ossp_project_get_file (project));
  show_problems (self, _("The Project Has Problems"), problems);
  return TRUE;
}

static void
save_page_documents (OsspProjectPage *page, gpointer data)
{
  void **args = data;
  GError **error = args[1];

  if (*error == NULL)
    ossp_project_page_save_documents (page, args[0], error);
}

gboolean
ossp_window_save_project (OsspWindow  *self,
                          const char  *path,
                          GError     **error)
{
  g_autofree char *abs = NULL;
  g_autofree char *dir = NULL;
  GError *local_error = NULL;
  void *args[2];

  g_return_val_if_fail (OSSP_IS_WINDOW (self), FALSE);
  if (path == NULL)
    path = ossp_project_get_file (self->project);
  g_return_val_if_fail (path != NULL, FALSE);
  abs = g_canonicalize_filename (path, NULL);
  dir = g_path_get_dirname (abs);
  /* the pages' own lists first: the project then names where they went */
  args[0] = dir;
  args[1] = &local_error;
  foreach_project_page (self, save_page_documents, args);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  if (!ossp_project_save (self->project, abs, error))
    return FALSE;
  add_recent (abs);
  update_title (self);
  return TRUE;
}

/* ---- file choosers and the unsaved-changes question --------------------- */

typedef void (*Continuation) (OsspWindow *self, gpointer data);

typedef struct {
  OsspWindow   *self;
  Continuation  next;
  gpointer      data;
  GDestroyNotify data_free;
} Pending;

static Pending *
pending_new (OsspWindow *self, Continuation next, gpointer data, GDestroyNotify data_free)
{
  Pending *p = g_new0 (Pending, 1);
  p->self = g_object_ref (self);
  p->next = next;
  p->data = data;
  p->data_free = data_free;
  return p;
}

static void
pending_run_and_free (Pending *p, gboolean run)
{
  if (run && p->next)
    p->next (p->self, p->data);
  if (p->data_free)
    p->data_free (p->data);
  g_object_unref (p->self);
  g_free (p);
}

static GtkFileFilter *
project_filter (void)
{
  GtkFileFilter *filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _("OpenSSP projects"));
  gtk_file_filter_add_pattern (filter, "*.openssp");
  gtk_file_filter_add_mime_type (filter, RECENT_MIME_TYPE);
  return filter;
}

static void
save_as_response_cb (GtkNativeDialog *dialog,
                     int              response,
                     gpointer         user_data)
{
  Pending *p = user_data;
  OsspWindow *self = p->self;
  gboolean ok = FALSE;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;
      g_autoptr(GError) error = NULL;

      if (path == NULL)
        ossp_window_toast (self, _("Choose a local file for the project"));
      else if (!g_str_has_suffix (path, ".openssp"))
        {
          g_autofree char *with = g_strconcat (path, ".openssp", NULL);
          ok = ossp_window_save_project (self, with, &error);
        }
      else
        ok = ossp_window_save_project (self, path, &error);
      if (error != NULL)
        ossp_window_toast (self, error->message);
      else if (ok)
        {
          g_autofree char *name = project_display_name (self);
          g_autofree char *msg = g_strdup_printf (_("Saved %s"), name);
          ossp_window_toast (self, msg);
        }
    }
  g_clear_object (&self->chooser);
  pending_run_and_free (p, ok);
}

static void
save_as (OsspWindow *self, Pending *after)
{
  g_autoptr(GtkFileFilter) filter = project_filter ();
  const char *file = ossp_project_get_file (self->project);

  if (self->chooser)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  self->chooser = gtk_file_chooser_native_new (_("Save Project As"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  if (file != NULL)
    {
      g_autoptr(GFile) current = g_file_new_for_path (file);
      gtk_file_chooser_set_file (GTK_FILE_CHOOSER (self->chooser), current, NULL);
    }
  else
    gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), "product.openssp");
  g_signal_connect (self->chooser, "response", G_CALLBACK (save_as_response_cb),
                    after ? after : pending_new (self, NULL, NULL, NULL));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

/* Save, then go on with @after (which is freed either way) */
static void
save (OsspWindow *self, Pending *after)
{
  g_autoptr(GError) error = NULL;

  if (ossp_project_get_file (self->project) == NULL)
    {
      save_as (self, after);
      return;
    }
  if (!ossp_window_save_project (self, NULL, &error))
    {
      ossp_window_toast (self, error->message);
      if (after)
        pending_run_and_free (after, FALSE);
      return;
    }
  ossp_window_toast (self, _("Project saved"));
  if (after)
    pending_run_and_free (after, TRUE);
}

static void
unsaved_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     gpointer          user_data)
{
  Pending *p = user_data;

  if (g_str_equal (response, "save"))
    save (p->self, p);
  else
    pending_run_and_free (p, g_str_equal (response, "discard"));
}

/* Runs @next now when nothing is unsaved; otherwise asks first. */
static void
when_saved_or_discarded (OsspWindow     *self,
                         Continuation    next,
                         gpointer        data,
                         GDestroyNotify  data_free)
{
  Pending *p = pending_new (self, next, data, data_free);
  g_autofree char *name = NULL;
  g_autofree char *heading = NULL;
  AdwMessageDialog *dialog;

  if (!ossp_window_get_modified (self))
    {
      pending_run_and_free (p, TRUE);
      return;
    }
  name = project_display_name (self);
  heading = g_strdup_printf (_("Save Changes to “%s”?"), name);
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), heading,
                                                       _("The project or the lists on its pages have "
                                                         "changes that are not saved. Without saving, "
                                                         "they are lost.")));
  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Cancel"),
                                    "discard", _("_Discard"),
                                    "save", _("_Save"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "discard", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_appearance (dialog, "save", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "save");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (unsaved_response_cb), p);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
do_new (OsspWindow *self, gpointer data)
{
  ossp_window_set_project (self, NULL);
}

static void
do_open_path (OsspWindow *self, gpointer data)
{
  g_autoptr(GError) error = NULL;

  if (!ossp_window_open_project (self, data, &error))
    ossp_window_toast (self, error->message);
}

static void
open_response_cb (GtkNativeDialog *dialog,
                  int              response,
                  gpointer         user_data)
{
  OsspWindow *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      char *path = file ? g_file_get_path (file) : NULL;
      if (path == NULL)
        ossp_window_toast (self, _("Choose a local project file"));
      else
        when_saved_or_discarded (self, do_open_path, path, g_free);
    }
  g_clear_object (&self->chooser);
}

static void
new_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  when_saved_or_discarded (OSSP_WINDOW (widget), do_new, NULL, NULL);
}

static void
open_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  OsspWindow *self = OSSP_WINDOW (widget);
  g_autoptr(GtkFileFilter) filter = project_filter ();

  if (self->chooser)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  self->chooser = gtk_file_chooser_native_new (_("Open Project"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  g_signal_connect (self->chooser, "response", G_CALLBACK (open_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
open_recent_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  g_autofree char *path = g_filename_from_uri (g_variant_get_string (param, NULL), NULL, NULL);

  if (path != NULL)
    when_saved_or_discarded (OSSP_WINDOW (widget), do_open_path, g_steal_pointer (&path), g_free);
}

static void
save_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  save (OSSP_WINDOW (widget), NULL);
}

static void
save_as_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  save_as (OSSP_WINDOW (widget), NULL);
}

static void
do_close (OsspWindow *self, gpointer data)
{
  self->close_confirmed = TRUE;
  gtk_window_close (GTK_WINDOW (self));
}

static gboolean
ossp_window_close_request (GtkWindow *window)
{
  OsspWindow *self = OSSP_WINDOW (window);

  if (self->close_confirmed || !ossp_window_get_modified (self))
    return GTK_WINDOW_CLASS (ossp_window_parent_class)->close_request (window);
  when_saved_or_discarded (self, do_close, NULL, NULL);
  return TRUE;
}

static int
newest_first (gconstpointer a, gconstpointer b)
{
  return g_date_time_compare (gtk_recent_info_get_modified ((GtkRecentInfo *) b),
                              gtk_recent_info_get_modified ((GtkRecentInfo *) a));
}

/* Recent projects: the newest OpenSSP projects that still exist */
static void
refresh_recent_menu (OsspWindow *self)
{
  GList *items = g_list_sort (gtk_recent_manager_get_items (gtk_recent_manager_get_default ()),
                              newest_first);
  guint n = 0;

  g_menu_remove_all (self->recent_menu);
  for (GList *l = items; l && n < RECENT_MAX; l = l->next)
    {
      GtkRecentInfo *info = l->data;
      const char *uri = gtk_recent_info_get_uri (info);
      g_autofree char *path = g_filename_from_uri (uri, NULL, NULL);
      g_autoptr(GMenuItem) item = NULL;
      g_autofree char *label = NULL;

      if (path == NULL || !g_str_has_suffix (path, ".openssp") || !g_file_test (path, G_FILE_TEST_EXISTS))
        continue;
      label = g_path_get_basename (path);
      item = g_menu_item_new (label, NULL);
      g_menu_item_set_action_and_target_value (item, "win.open-recent", g_variant_new_string (uri));
      g_menu_append_item (self->recent_menu, item);
      n++;
    }
  g_list_free_full (items, (GDestroyNotify) gtk_recent_info_unref);
}

static void
ossp_window_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  OsspWindow *self = OSSP_WINDOW (object);

  switch (prop_id)
    {
    case PROP_CHIP:
      g_value_set_object (value, self->chip);
      break;
    case PROP_PROJECT:
      g_value_set_object (value, self->project);
      break;
    case PROP_MODIFIED:
      g_value_set_boolean (value, ossp_window_get_modified (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ossp_window_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  OsspWindow *self = OSSP_WINDOW (object);

  switch (prop_id)
    {
    case PROP_PROJECT:
      ossp_window_set_project (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ossp_window_dispose (GObject *object)
{
  OsspWindow *self = OSSP_WINDOW (object);

  if (self->chooser)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  g_clear_handle_id (&self->naming_idle, g_source_remove);
  if (self->project)
    g_signal_handlers_disconnect_by_data (self->project, self);
  g_clear_object (&self->project);
  g_clear_object (&self->chip);
  G_OBJECT_CLASS (ossp_window_parent_class)->dispose (object);
}

static void
ossp_window_class_init (OsspWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  ossp_gui_ensure_resources ();

  object_class->get_property = ossp_window_get_property;
  object_class->set_property = ossp_window_set_property;
  object_class->dispose = ossp_window_dispose;
  window_class->close_request = ossp_window_close_request;

  properties[PROP_CHIP] = g_param_spec_object ("chip", NULL, NULL, OSSP_TYPE_CHIP,
                                               G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_PROJECT] = g_param_spec_object ("project", NULL, NULL, OSSP_TYPE_PROJECT,
                                                  G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                                                  G_PARAM_STATIC_STRINGS);
  properties[PROP_MODIFIED] = g_param_spec_boolean ("modified", NULL, NULL, FALSE,
                                                    G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_install_action (widget_class, "win.new", NULL, new_activated);
  gtk_widget_class_install_action (widget_class, "win.open", NULL, open_activated);
  gtk_widget_class_install_action (widget_class, "win.open-recent", "s", open_recent_activated);
  gtk_widget_class_install_action (widget_class, "win.save", NULL, save_activated);
  gtk_widget_class_install_action (widget_class, "win.save-as", NULL, save_as_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK, "win.new", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "win.open", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "win.save", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.save-as", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK, "window.close", NULL);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/openssp/OpenSSP/ui/ossp-window.ui");
  gtk_widget_class_bind_template_child (widget_class, OsspWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, OsspWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, OsspWindow, chip_dropdown);
  gtk_widget_class_bind_template_child (widget_class, OsspWindow, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, OsspWindow, project_name);
  gtk_widget_class_bind_template_child (widget_class, OsspWindow, project_folder);
  gtk_widget_class_bind_template_child (widget_class, OsspWindow, project_state);
  gtk_widget_class_bind_template_child (widget_class, OsspWindow, menu_button);
  gtk_widget_class_bind_template_child (widget_class, OsspWindow, recent_menu);
  gtk_widget_class_bind_template_callback (widget_class, chip_selected_cb);
}

static void
ossp_window_init (OsspWindow *self)
{
  const char * const *ids = ossp_chip_list_ids ();
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);

  gtk_widget_init_template (GTK_WIDGET (self));

  for (guint i = 0; ids[i]; i++)
    {
      g_autofree char *upper = g_ascii_strup (ids[i], -1);
      gtk_string_list_append (names, upper);
    }
  gtk_drop_down_set_model (self->chip_dropdown, G_LIST_MODEL (names));
  /* MP15 first: the most common SSP target */
  ossp_window_set_chip_id (self, "stm32mp15");
  ossp_window_add_pages (self);
  ossp_window_set_project (self, NULL);
  ossp_accessible_name_controls (GTK_WIDGET (self));
  g_signal_connect_swapped (self->stack, "notify::visible-child", G_CALLBACK (schedule_naming), self);
  g_signal_connect (self, "notify::chip", G_CALLBACK (schedule_naming), NULL);
  g_signal_connect (self, "notify::project", G_CALLBACK (schedule_naming), NULL);

  refresh_recent_menu (self);
  g_signal_connect_object (gtk_recent_manager_get_default (), "changed",
                           G_CALLBACK (refresh_recent_menu), self, G_CONNECT_SWAPPED);
}

OsspWindow *
ossp_window_new (OsspApplication *application)
{
  return g_object_new (OSSP_TYPE_WINDOW, "application", application, NULL);
}

OsspChip *
ossp_window_get_chip (OsspWindow *self)
{
  return self->chip;
}

void
ossp_window_set_chip_id (OsspWindow *self,
                         const char *chip_id)
{
  const char * const *ids = ossp_chip_list_ids ();
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspChip) chip = NULL;

  if (self->chip && g_str_equal (ossp_chip_get_id (self->chip), chip_id))
    return;
  chip = ossp_chip_new (chip_id, &error);
  if (chip == NULL)
    {
      ossp_window_toast (self, error->message);
      return;
    }
  g_set_object (&self->chip, chip);
  for (guint i = 0; ids[i]; i++)
    if (g_str_equal (ids[i], ossp_chip_get_id (chip)) &&
        gtk_drop_down_get_selected (self->chip_dropdown) != i)
      gtk_drop_down_set_selected (self->chip_dropdown, i);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHIP]);
  /* the chip is the project's first setting */
  if (self->project != NULL)
    ossp_project_set_chip_id (self->project, ossp_chip_get_id (chip));
}

void
ossp_window_show_page (OsspWindow *self,
                       const char *name)
{
  adw_view_stack_set_visible_child_name (self->stack, name);
}

void
ossp_window_toast (OsspWindow *self,
                   const char *message)
{
  AdwToast *toast = adw_toast_new (message);
  adw_toast_set_timeout (toast, 6);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

void
ossp_widget_toast (GtkWidget  *widget,
                   const char *message)
{
  GtkWidget *window = gtk_widget_get_ancestor (widget, OSSP_TYPE_WINDOW);
  if (window != NULL)
    ossp_window_toast (OSSP_WINDOW (window), message);
  else
    g_warning ("%s", message);
}
