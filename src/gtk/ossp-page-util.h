/* ossp-page-util.h — the plumbing every page shares: file choosers, worker
 * jobs, toasts, plain-text rows and message dialogs
 *
 * Free functions, no GObject: @page is the page widget (any widget inside
 * the window works), passed as a gpointer like ossp_project_page_store_*()
 * so that pages hand in their own type.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* The window the page's dialogs belong to; NULL while it has none. */
GtkWindow        *ossp_page_get_window       (gpointer              page);

/* ---- toasts ---- */

/* A formatted toast in the page's window (ossp_widget_toast for a plain one). */
void              ossp_page_toast            (gpointer              page,
                                              const char           *format,
                                              ...) G_GNUC_PRINTF (2, 3);
/* Toasts error->message, except when the user (or the page going away)
 * cancelled: that is no news. */
void              ossp_page_toast_error      (gpointer              page,
                                              const GError         *error);
gboolean          ossp_error_is_cancelled    (const GError         *error);

/* ---- rows ---- */

/* Row titles and subtitles are Pango markup in libadwaita 1.2: paths, names
 * and messages go through these so that '&' and '<' show as themselves.
 * A NULL subtitle shows "—". */
void              ossp_row_set_title_text    (AdwPreferencesRow    *row,
                                              const char           *text);
void              ossp_row_set_subtitle_text (AdwActionRow         *row,
                                              const char           *text);
/* Removes the rows a page added to @group (listed in @rows) and empties @rows. */
void              ossp_group_remove_rows     (AdwPreferencesGroup  *group,
                                              GPtrArray            *rows);

/* ---- file choosers ---- */

/* What a chooser shows; unset fields take GTK's defaults. */
typedef struct {
  const char           *title;
  GtkFileChooserAction  action;
  const char           *accept_label;    /* NULL: GTK's label for the action */
  const char           *suggested_name;  /* a save dialog's proposed name */
  const char           *current_path;    /* a file or folder to start from */
  const char           *filter_name;     /* NULL: the pattern itself */
  const char           *filter_pattern;  /* NULL: no filter */
  gboolean              all_files;       /* an "All files" filter after the pattern's */
} OsspFileChoice;

/* Called only when the user accepted local files; @user_data stays the
 * helper's (freed with @user_data_free after the call, or on cancel). */
typedef void (*OsspPageFileFunc)  (gpointer            page,
                                   const char         *path,
                                   gpointer            user_data);
typedef void (*OsspPageFilesFunc) (gpointer            page,
                                   const char * const *paths,
                                   gpointer            user_data);

/* A modal GtkFileChooserNative (the portal under Flatpak) on the page's
 * window. The page owns it: a second chooser replaces the first, and it
 * goes when the page is destroyed, so @func never sees a dead page. A file
 * without a local path is refused with a toast. */
void              ossp_page_choose_file      (gpointer              page,
                                              const OsspFileChoice *choice,
                                              OsspPageFileFunc      func,
                                              gpointer              user_data,
                                              GDestroyNotify        user_data_free);
/* The same with several files; @paths is NULL-terminated, never empty. */
void              ossp_page_choose_files     (gpointer              page,
                                              const OsspFileChoice *choice,
                                              OsspPageFilesFunc     func,
                                              gpointer              user_data,
                                              GDestroyNotify        user_data_free);

/* ---- worker jobs ---- */

/* Runs in a worker thread on @job_data (copies of what the user chose:
 * never widgets). Returns the result, or NULL with @error set; a job that
 * only succeeds or fails returns @job_data itself. */
typedef gpointer (*OsspPageJobFunc)  (gpointer       job_data,
                                      GCancellable  *cancellable,
                                      GError       **error);
/* Back on the main thread: @result is yours (NULL on failure, with
 * @error); @job_data is freed after this returns. */
typedef void     (*OsspPageDoneFunc) (gpointer       page,
                                      gpointer       result,
                                      const GError  *error,
                                      gpointer       job_data);

/* For @done: TRUE when the job failed, after toasting why (unless it was
 * cancelled). */
gboolean          ossp_page_job_failed       (gpointer              page,
                                              gconstpointer         result,
                                              const GError         *error);

/* The page is kept alive until @done has run. A cancelled @cancellable
 * makes @done see G_IO_ERROR_CANCELLED (the result is freed with
 * @result_free). */
void              ossp_page_run_job          (gpointer              page,
                                              GCancellable         *cancellable,
                                              OsspPageJobFunc       func,
                                              gpointer              job_data,
                                              GDestroyNotify        job_data_free,
                                              GDestroyNotify        result_free,
                                              OsspPageDoneFunc      done);

/* ---- dialogs ---- */

/* An AdwMessageDialog on the page's window with "_Cancel" and @action_id
 * (or, with a NULL @action_id, only "_Close") and @extra (may be NULL)
 * under the body. Not presented yet. A destructive action is never the
 * default response, so Enter cannot burn or lock anything. */
AdwMessageDialog *ossp_page_dialog_new       (gpointer              page,
                                              const char           *heading,
                                              const char           *body,
                                              const char           *action_id,
                                              const char           *action_label,
                                              AdwResponseAppearance appearance,
                                              GtkWidget            *extra);

G_END_DECLS
