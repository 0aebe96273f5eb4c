/* ossp-gui-test-helper.h — driving the real window under Xvfb
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* depth-first: the first widget of @type (G_TYPE_INVALID: any) whose name
 * is @name (NULL: any) */
GtkWidget *ossp_gui_test_find      (GtkWidget   *root,
                                    GType        type,
                                    const char  *name);
/* runs the main loop for @ms milliseconds */
void       ossp_gui_test_spin      (guint        ms);
/* runs the main loop until @done (polled) is TRUE, at most @seconds */
gboolean   ossp_gui_test_wait      (gboolean   (*done) (gpointer data),
                                    gpointer     data,
                                    guint        seconds);
/* renders @widget into G_TEST_BUILDDIR/@name (PNG) and returns the path */
char      *ossp_gui_test_screenshot (GtkWidget  *widget,
                                    const char  *name);
/* a dialog (AdwMessageDialog) that @parent shows, or NULL */
AdwMessageDialog *ossp_gui_test_find_dialog (GtkWindow *parent);

G_END_DECLS
