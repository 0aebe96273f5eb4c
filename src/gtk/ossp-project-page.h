/* ossp-project-page.h — what every page does with the window's project
 *
 * The window owns one OsspProject; each page implements this interface to
 * show the project's settings and to write the user's choices back, so
 * that all pages read and write the same project (docs/app.md).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>
#include <openssp.h>

G_BEGIN_DECLS

#define OSSP_TYPE_PROJECT_PAGE (ossp_project_page_get_type ())
G_DECLARE_INTERFACE (OsspProjectPage, ossp_project_page, OSSP, PROJECT_PAGE, GtkWidget)

struct _OsspProjectPageInterface
{
  GTypeInterface parent_iface;

  /* Show what @project says. @key is NULL for everything (a project was
   * opened or made new), else the dotted key that just changed ("chip",
   * "backup", "payload.key"…). While this runs, writes back are ignored. */
  void     (*load)           (OsspProjectPage  *self,
                              OsspProject      *project,
                              const char       *key);
  /* Optional: write the page's own documents (an OTP list, a backup list)
   * to the paths the project names, or to new files in @dir (the folder
   * the project is saved into) when it names none; called before the
   * project file is saved. */
  gboolean (*save_documents) (OsspProjectPage  *self,
                              OsspProject      *project,
                              const char       *dir,
                              GError          **error);
};

/* For the window */
void         ossp_project_page_attach         (OsspProjectPage  *self,
                                               OsspProject      *project);
void         ossp_project_page_project_changed (OsspProjectPage *self,
                                               const char       *key);
gboolean     ossp_project_page_save_documents (OsspProjectPage  *self,
                                               const char       *dir,
                                               GError          **error);

/* For pages. The getter returns NULL when no project is attached or while
 * the page is loading one, so writes made by loading never come back. */
OsspProject *ossp_project_page_get_project    (gpointer          page);
void         ossp_project_page_store_path     (gpointer          page,
                                               const char       *key,
                                               const char       *path);
void         ossp_project_page_store_int      (gpointer          page,
                                               const char       *key,
                                               gint64            value);
void         ossp_project_page_store_string   (gpointer          page,
                                               const char       *key,
                                               const char       *value);
/* A document of the page (the OTP list…) has changes not yet on disk:
 * the window marks its title and asks before closing. */
void         ossp_project_page_set_dirty      (gpointer          page,
                                               gboolean          dirty);
gboolean     ossp_project_page_get_dirty      (gpointer          page);

G_END_DECLS
