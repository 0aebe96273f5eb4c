/* ossp-gui-test-helper.h — driving the real window under Xvfb
 *
 * Shared by every GUI test (tests/test-gui-*.c, test-hsm-page.c). Waits are
 * bounded and poll a condition while the main loop runs, so a slow machine
 * (sanitizers, valgrind, a loaded CI runner) takes longer but does not fail.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "ossp-application.h"
#include "ossp-window.h"

G_BEGIN_DECLS

/* gtk_test_init() and adw_init(), in a private data dir: XDG_DATA_HOME
 * (recent files, the example set-up, the soft-HSM state, the audit log) and
 * the PC/SC client socket (no pcscd) point into a new temp dir, removed at
 * exit. The user's own files are neither read nor changed, and tests that
 * run side by side do not see each other's (a recent-files list that other
 * processes keep rewriting made the window reload it mid-test). Call first,
 * before anything asks GLib for the data dir. */
void        ossp_gui_test_init     (int         *argc,
                                    char      ***argv);
/* that temp dir; XDG_DATA_HOME is its "data" folder */
const char *ossp_gui_test_get_private_dir (void);

/* a predicate for ossp_gui_test_find_by() */
typedef gboolean (*OsspGuiTestMatch) (GtkWidget     *widget,
                                      gconstpointer  data);

/* depth-first: the first widget of @type (G_TYPE_INVALID: any) whose name
 * is @name (NULL: any) */
GtkWidget *ossp_gui_test_find      (GtkWidget   *root,
                                    GType        type,
                                    const char  *name);
/* depth-first: the first widget (@root included) for which @match is TRUE */
GtkWidget *ossp_gui_test_find_by   (GtkWidget        *root,
                                    OsspGuiTestMatch  match,
                                    gconstpointer     data);
/* appends every widget of @type below @root (@root included) to @out */
void       ossp_gui_test_find_all  (GtkWidget   *root,
                                    GType        type,
                                    GPtrArray   *out);
/* the descendant of @root (a GtkWidget) named @name (the .ui files set
 * name = id); fails the test when there is none */
GtkWidget *ossp_gui_test_get       (gpointer     root,
                                    const char  *name);

/* runs the main loop for @ms milliseconds: only to let things settle where
 * there is nothing to wait for; to see something happen, use _wait */
void       ossp_gui_test_spin      (guint        ms);
/* runs the main loop until @done (polled) is TRUE, at most @seconds */
gboolean   ossp_gui_test_wait      (gboolean   (*done) (gpointer data),
                                    gpointer     data,
                                    guint        seconds);
/* runs the main loop until @widget is mapped, at most @seconds */
gboolean   ossp_gui_test_wait_mapped (GtkWidget *widget,
                                      guint      seconds);
/* runs the main loop until the "busy" property of @page (the pages that
 * work in a GTask have one; without it a page is never busy) is FALSE, at
 * most @seconds */
gboolean   ossp_gui_test_wait_not_busy (gpointer page,
                                        guint    seconds);

/* asks for a frame of @widget's window and waits (at most @seconds) until
 * it has been laid out and painted: new rows and list items exist then */
gboolean   ossp_gui_test_wait_frame (GtkWidget *widget,
                                     guint      seconds);

/* waits (bounded) until @widget is mapped, has a size and a frame has been
 * painted since the call, and then until animations are over (no frame for
 * a moment; at most 2 s: a spinner never stops), and renders the last frame
 * with @widget's own renderer into G_TEST_BUILDDIR/@name (PNG); returns the
 * path. Fails the test with the reason when nothing is ever painted. */
char      *ossp_gui_test_screenshot (GtkWidget  *widget,
                                    const char  *name);

/* a visible toplevel of @type, or NULL */
GtkWidget *ossp_gui_test_find_toplevel (GType    type);
/* waits (at most @seconds) for a visible toplevel of @type; fails the test
 * when none appears */
GtkWidget *ossp_gui_test_wait_toplevel (GType    type,
                                        guint    seconds);
/* a visible dialog (AdwMessageDialog) transient for @parent (NULL: for any
 * window), or NULL */
AdwMessageDialog *ossp_gui_test_find_dialog (GtkWindow *parent);
/* waits (at most @seconds) until ossp_gui_test_find_dialog (@parent) finds
 * one (@shown) or none (!@shown) */
gboolean   ossp_gui_test_wait_dialog (GtkWindow *parent,
                                      gboolean   shown,
                                      guint      seconds);
/* clicks the response button labelled @label (with its mnemonic, e.g.
 * "_Cancel") of @dialog as a user would: it must be there and sensitive */
void       ossp_gui_test_click_response (AdwMessageDialog *dialog,
                                         const char       *label);

/* destroys @window and lets GTK finish with it (pending callbacks of its
 * pages run before the next test) */
void       ossp_gui_test_close_window (GtkWindow *window);

/* starts the application, sizes its first window @width × @height before it
 * is shown, and returns that window once it is shown and painted (mapped
 * alone is only GTK's side of it) */
OsspWindow *ossp_gui_test_start_app (OsspApplication **app,
                                     int               width,
                                     int               height);
/* g_test_run(), then closes @window (from ossp_gui_test_start_app()) and
 * drops @app; returns what g_test_run() returned */
int        ossp_gui_test_run_app   (OsspApplication  *app,
                                    OsspWindow       *window);

G_END_DECLS
