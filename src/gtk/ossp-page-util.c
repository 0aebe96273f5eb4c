/* ossp-page-util.c — the plumbing every page shares
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <openssp.h>

#include "ossp-page-util.h"
#include "ossp-window.h"

GtkWindow *
ossp_page_get_window (gpointer page)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (page));

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

/* ---- toasts ---- */

void
ossp_page_toast (gpointer page, const char *format, ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  ossp_widget_toast (GTK_WIDGET (page), message);
}

gboolean
ossp_error_is_cancelled (const GError *error)
{
  return g_error_matches (error, OSSP_ERROR, OSSP_ERROR_CANCELLED) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

void
ossp_page_toast_error (gpointer      page,
                       const GError *error)
{
  if (error != NULL && !ossp_error_is_cancelled (error))
    ossp_widget_toast (GTK_WIDGET (page), error->message);
}

/* ---- rows ---- */

void
ossp_row_set_title_text (AdwPreferencesRow *row,
                         const char        *text)
{
  g_autofree char *escaped = g_markup_escape_text (text ? text : "", -1);

  adw_preferences_row_set_title (row, escaped);
}

void
ossp_row_set_subtitle_text (AdwActionRow *row,
                            const char   *text)
{
  g_autofree char *escaped = g_markup_escape_text (text ? text : "—", -1);

  adw_action_row_set_subtitle (row, escaped);
}

void
ossp_group_remove_rows (AdwPreferencesGroup *group,
                        GPtrArray           *rows)
{
  for (guint i = 0; i < rows->len; i++)
    adw_preferences_group_remove (group, g_ptr_array_index (rows, i));
  g_ptr_array_set_size (rows, 0);
}

/* ---- file choosers ---- */

/* the page's open chooser, owned by the page */
#define CHOOSER_KEY "ossp-page-file-chooser"

typedef struct {
  gpointer          page;        /* no ref: the chooser goes before the page */
  OsspPageFileFunc  file_func;
  OsspPageFilesFunc files_func;
  gpointer          user_data;
  GDestroyNotify    user_data_free;
} ChooserRequest;

static void
chooser_request_free (gpointer data)
{
  ChooserRequest *req = data;

  if (req->user_data_free != NULL)
    req->user_data_free (req->user_data);
  g_free (req);
}

static void chooser_response_cb (GtkNativeDialog *native,
                                 int              response,
                                 ChooserRequest  *req);

static gboolean
chooser_drop_idle (gpointer data)
{
  return G_SOURCE_REMOVE;
}

static void
chooser_forget (gpointer data)
{
  GtkNativeDialog *native = data;

  /* no answer may reach a page that let go of its chooser */
  g_signal_handlers_disconnect_matched (native, G_SIGNAL_MATCH_FUNC, 0, 0, NULL, chooser_response_cb, NULL);
  gtk_native_dialog_destroy (native);
  /* the last unref waits for an idle: a save chooser finalized inside its
   * own response makes GTK 4.8 map its dialog without a parent */
  g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, chooser_drop_idle, native, g_object_unref);
}

static void
page_destroy_cb (GtkWidget *page,
                 gpointer   native)
{
  if (g_object_get_data (G_OBJECT (page), CHOOSER_KEY) == native)
    g_object_set_data (G_OBJECT (page), CHOOSER_KEY, NULL);
}

static void
chooser_response_cb (GtkNativeDialog *native,
                     int              response,
                     ChooserRequest  *req)
{
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  gboolean remote = FALSE;
  gboolean folder = gtk_file_chooser_get_action (GTK_FILE_CHOOSER (native)) == GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GListModel) files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (native));
      for (guint i = 0; i < g_list_model_get_n_items (files); i++)
        {
          g_autoptr(GFile) file = g_list_model_get_item (files, i);
          char *path = g_file_get_path (file);
          if (path != NULL)
            g_ptr_array_add (paths, path);
          else
            remote = TRUE;
        }
    }
  /* let go first: the callback may open the next chooser */
  g_object_set_data (G_OBJECT (req->page), CHOOSER_KEY, NULL);
  if (remote)
    {
      ossp_widget_toast (GTK_WIDGET (req->page),
                         folder ? _("That folder has no local path; choose a local folder")
                                : _("Choose a local file"));
      return;
    }
  if (paths->len == 0)
    return;
  if (req->files_func != NULL)
    {
      g_ptr_array_add (paths, NULL);
      req->files_func (req->page, (const char * const *) paths->pdata, req->user_data);
    }
  else
    req->file_func (req->page, g_ptr_array_index (paths, 0), req->user_data);
}

static void
add_filter (GtkFileChooser *chooser,
            const char     *name,
            const char     *pattern)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, name);
  gtk_file_filter_add_pattern (filter, pattern);
  gtk_file_chooser_add_filter (chooser, filter);
}

static void
choose (gpointer              page,
        const OsspFileChoice *choice,
        OsspPageFileFunc      file_func,
        OsspPageFilesFunc     files_func,
        gpointer              user_data,
        GDestroyNotify        user_data_free)
{
  ChooserRequest *req;
  GtkFileChooserNative *native;
  GtkFileChooser *chooser;

  g_return_if_fail (GTK_IS_WIDGET (page) && (file_func != NULL || files_func != NULL));
  /* one chooser a page: a chooser still open goes first */
  g_object_set_data (G_OBJECT (page), CHOOSER_KEY, NULL);
  req = g_new0 (ChooserRequest, 1);
  req->page = page;
  req->file_func = file_func;
  req->files_func = files_func;
  req->user_data = user_data;
  req->user_data_free = user_data_free;
  native = gtk_file_chooser_native_new (choice->title, ossp_page_get_window (page), choice->action,
                                        choice->accept_label, _("_Cancel"));
  chooser = GTK_FILE_CHOOSER (native);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  gtk_file_chooser_set_select_multiple (chooser, req->files_func != NULL);
  if (choice->current_path != NULL)
    {
      g_autoptr(GFile) current = g_file_new_for_path (choice->current_path);
      gtk_file_chooser_set_file (chooser, current, NULL);
    }
  if (choice->suggested_name != NULL)
    gtk_file_chooser_set_current_name (chooser, choice->suggested_name);
  if (choice->filter_pattern != NULL)
    {
      add_filter (chooser, choice->filter_name ? choice->filter_name : choice->filter_pattern,
                  choice->filter_pattern);
      if (choice->all_files)
        add_filter (chooser, _("All files"), "*");
    }
  g_object_set_data_full (G_OBJECT (native), "request", req, chooser_request_free);
  g_signal_connect (native, "response", G_CALLBACK (chooser_response_cb), req);
  g_object_set_data_full (G_OBJECT (page), CHOOSER_KEY, native, chooser_forget);
  g_signal_connect_object (page, "destroy", G_CALLBACK (page_destroy_cb), native, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

void
ossp_page_choose_file (gpointer page, const OsspFileChoice *choice, OsspPageFileFunc func,
                       gpointer user_data, GDestroyNotify user_data_free)
{
  choose (page, choice, func, NULL, user_data, user_data_free);
}

void
ossp_page_choose_files (gpointer page, const OsspFileChoice *choice, OsspPageFilesFunc func,
                        gpointer user_data, GDestroyNotify user_data_free)
{
  choose (page, choice, NULL, func, user_data, user_data_free);
}

/* ---- worker jobs ---- */

typedef struct {
  OsspPageJobFunc  func;
  OsspPageDoneFunc done;
  gpointer         data;
  GDestroyNotify   data_free;
  GDestroyNotify   result_free;
} Job;

static void
job_free (Job *job)
{
  if (job->data_free != NULL)
    job->data_free (job->data);
  g_free (job);
}

static void
job_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  Job *job = task_data;
  GError *error = NULL;
  gpointer result = job->func (job->data, cancellable, &error);

  /* a failed job that forgot to say why still fails */
  if (result == NULL && error == NULL)
    error = g_error_new_literal (OSSP_ERROR, OSSP_ERROR_FAILED, "The job failed without saying why");
  if (result == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, job->result_free);
}

static void
job_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Job *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  gpointer value = g_task_propagate_pointer (G_TASK (result), &error);

  job->done (source, value, error, job->data);
}

gboolean
ossp_page_job_failed (gpointer      page,
                      gconstpointer result,
                      const GError *error)
{
  if (result != NULL)
    return FALSE;
  ossp_page_toast_error (page, error);
  return TRUE;
}

void
ossp_page_run_job (gpointer         page,
                   GCancellable    *cancellable,
                   OsspPageJobFunc  func,
                   gpointer         job_data,
                   GDestroyNotify   job_data_free,
                   GDestroyNotify   result_free,
                   OsspPageDoneFunc done)
{
  g_autoptr(GTask) task = g_task_new (page, cancellable, job_done_cb, NULL);
  Job *job = g_new0 (Job, 1);

  job->func = func;
  job->done = done;
  job->data = job_data;
  job->data_free = job_data_free;
  job->result_free = result_free;
  g_task_set_source_tag (task, func);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  g_task_run_in_thread (task, job_thread);
}

/* ---- dialogs ---- */

AdwMessageDialog *
ossp_page_dialog_new (gpointer               page,
                      const char            *heading,
                      const char            *body,
                      const char            *action_id,
                      const char            *action_label,
                      AdwResponseAppearance  appearance,
                      GtkWidget             *extra)
{
  AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (ossp_page_get_window (page),
                                                                         heading, body));

  if (action_id == NULL)
    adw_message_dialog_add_response (dialog, "close", _("_Close"));
  else
    {
      adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), action_id, action_label, NULL);
      adw_message_dialog_set_response_appearance (dialog, action_id, appearance);
      adw_message_dialog_set_default_response (dialog, appearance == ADW_RESPONSE_DESTRUCTIVE
                                                       ? "cancel" : action_id);
      adw_message_dialog_set_close_response (dialog, "cancel");
    }
  if (extra != NULL)
    adw_message_dialog_set_extra_child (dialog, extra);
  return dialog;
}
