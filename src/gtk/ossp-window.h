/* ossp-window.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>
#include <openssp.h>

#include "ossp-application.h"

G_BEGIN_DECLS

#define OSSP_TYPE_WINDOW (ossp_window_get_type ())
G_DECLARE_FINAL_TYPE (OsspWindow, ossp_window, OSSP, WINDOW, AdwApplicationWindow)

/* Every widget class_init calls this before setting its template: the
 * GResource lives in a static library, so nothing registers it for us. */
void        ossp_gui_ensure_resources (void);

OsspWindow *ossp_window_new          (OsspApplication *application);
OsspChip   *ossp_window_get_chip     (OsspWindow      *self);
void        ossp_window_set_chip_id  (OsspWindow      *self,
                                      const char      *chip_id);
/* The project every page reads and writes; never NULL. Setting NULL
 * starts a new, untitled one. */
OsspProject *ossp_window_get_project (OsspWindow      *self);
void        ossp_window_set_project  (OsspWindow      *self,
                                      OsspProject     *project);
/* Without questions (the actions ask about unsaved changes first):
 * problems found while opening are shown in a dialog. */
gboolean    ossp_window_open_project (OsspWindow      *self,
                                      const char      *path,
                                      GError         **error);
/* Saves the pages' lists, then the project, to @path (NULL: its file). */
gboolean    ossp_window_save_project (OsspWindow      *self,
                                      const char      *path,
                                      GError         **error);
/* The project or a page's list has unsaved changes. */
gboolean    ossp_window_get_modified (OsspWindow      *self);
void        ossp_window_show_page    (OsspWindow      *self,
                                      const char      *name);
/* Pages report success and failures here, so every page looks the same. */
void        ossp_window_toast        (OsspWindow      *self,
                                      const char      *message);
void        ossp_widget_toast        (GtkWidget       *widget,
                                      const char      *message);

G_END_DECLS
