/* ossp-gui-test-helper.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdlib.h>

#include "ossp-gui-test-helper.h"

/* how long a screenshot may wait for its widget to be shown and drawn: the
 * first frame of a window takes a few hundred ms here, several seconds under
 * AddressSanitizer on a loaded machine */
#define SHOT_TIMEOUT_SECONDS 20

/* ---- set-up: a private data dir ---- */

static void
remove_file (GFile *file)
{
  if (g_file_query_file_type (file, G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL) == G_FILE_TYPE_DIRECTORY)
    {
      g_autoptr(GFileEnumerator) children =
        g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME,
                                   G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
      GFile *child = NULL;

      while (children && g_file_enumerator_iterate (children, NULL, &child, NULL, NULL) && child)
        remove_file (child);
    }
  g_file_delete (file, NULL, NULL);
}

static char *private_dir;

static void
remove_private_dir (void)
{
  g_autoptr(GFile) file = g_file_new_for_path (private_dir);

  remove_file (file);
  g_clear_pointer (&private_dir, g_free);
}

void
ossp_gui_test_init (int    *argc,
                    char ***argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  g_autofree char *sock = NULL;

  g_assert_null (private_dir);
  private_dir = g_dir_make_tmp ("openssp-gui-test-XXXXXX", &error);
  g_assert_no_error (error);
  data = g_build_filename (private_dir, "data", NULL);
  sock = g_build_filename (private_dir, "no-pcscd.comm", NULL);
  g_setenv ("XDG_DATA_HOME", data, TRUE);
  g_setenv ("PCSCLITE_CSOCK_NAME", sock, TRUE);
  atexit (remove_private_dir);
  gtk_test_init (argc, argv, NULL);
  adw_init ();
}

const char *
ossp_gui_test_get_private_dir (void)
{
  return private_dir;
}

/* ---- finding widgets ---- */

GtkWidget *
ossp_gui_test_find_by (GtkWidget        *root,
                       OsspGuiTestMatch  match,
                       gconstpointer     data)
{
  if (match (root, data))
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = ossp_gui_test_find_by (c, match, data);
      if (found)
        return found;
    }
  return NULL;
}

typedef struct {
  GType       type;
  const char *name;
} TypeAndName;

static gboolean
is_type_and_name (GtkWidget    *widget,
                  gconstpointer data)
{
  const TypeAndName *want = data;

  return (want->type == G_TYPE_INVALID || G_TYPE_CHECK_INSTANCE_TYPE (widget, want->type)) &&
         (want->name == NULL || g_strcmp0 (gtk_widget_get_name (widget), want->name) == 0);
}

GtkWidget *
ossp_gui_test_find (GtkWidget  *root,
                    GType       type,
                    const char *name)
{
  return ossp_gui_test_find_by (root, is_type_and_name, &(TypeAndName) { type, name });
}

void
ossp_gui_test_find_all (GtkWidget *root,
                        GType      type,
                        GPtrArray *out)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    g_ptr_array_add (out, root);
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    ossp_gui_test_find_all (c, type, out);
}

GtkWidget *
ossp_gui_test_get (gpointer    root,
                   const char *name)
{
  GtkWidget *w = ossp_gui_test_find (GTK_WIDGET (root), G_TYPE_INVALID, name);

  if (w == NULL)
    g_error ("no widget named %s below %s", name, G_OBJECT_TYPE_NAME (root));
  return w;
}

static gboolean
timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

void
ossp_gui_test_spin (guint ms)
{
  gboolean done = FALSE;
  g_timeout_add (ms, timeout_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

gboolean
ossp_gui_test_wait (gboolean (*done) (gpointer data),
                    gpointer   data,
                    guint      seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;

  while (!done (data) && g_get_monotonic_time () < end)
    ossp_gui_test_spin (20);
  return done (data);
}

static gboolean
is_mapped (gpointer widget)
{
  return gtk_widget_get_mapped (widget);
}

gboolean
ossp_gui_test_wait_mapped (GtkWidget *widget,
                           guint      seconds)
{
  return ossp_gui_test_wait (is_mapped, widget, seconds);
}

static gboolean
is_not_busy (gpointer page)
{
  gboolean busy = FALSE;

  if (g_object_class_find_property (G_OBJECT_GET_CLASS (page), "busy"))
    g_object_get (page, "busy", &busy, NULL);
  return !busy;
}

gboolean
ossp_gui_test_wait_not_busy (gpointer page,
                             guint    seconds)
{
  return ossp_gui_test_wait (is_not_busy, page, seconds);
}

/* ---- frames and screenshots ---- */

static gboolean
is_shown_with_size (gpointer widget)
{
  return gtk_widget_get_mapped (widget) &&
         gtk_widget_get_width (widget) > 0 && gtk_widget_get_height (widget) > 0;
}

/* the frames a frame clock paints: "after-paint" comes after the layout and
 * paint phases of a frame, when the render nodes show the state of then.
 * With @capture set, each frame's picture of that widget is kept: taken
 * later, after the main loop ran again, it may be gone (a redraw that is
 * only queued already drops it). */
typedef struct {
  GdkFrameClock *clock;
  gulong         id;
  guint          n;
  gint64         last;
  GtkWidget     *capture;
  GskRenderNode *node;
  int            width;
  int            height;
} Paints;

static void
capture_frame (Paints *paints)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (paints->capture);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  int w = gtk_widget_get_width (paints->capture), h = gtk_widget_get_height (paints->capture);
  GskRenderNode *node;

  /* the paintable takes the render node of the frame just painted */
  gdk_paintable_snapshot (paintable, snapshot, w, h);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL)
    return;
  g_clear_pointer (&paints->node, gsk_render_node_unref);
  paints->node = node;
  paints->width = w;
  paints->height = h;
}

static void
after_paint_cb (GdkFrameClock *clock,
                Paints        *paints)
{
  paints->n++;
  paints->last = g_get_monotonic_time ();
  if (paints->capture)
    capture_frame (paints);
}

/* counts (and with @capture, keeps) the frames of @widget's window from now
 * on; FALSE when @widget is not realized (no clock yet) */
static gboolean
paints_watch (Paints    *paints,
              GtkWidget *widget,
              gboolean   capture)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);

  *paints = (Paints) { 0 };
  if (clock == NULL)
    return FALSE;
  paints->clock = g_object_ref (clock);
  paints->capture = capture ? widget : NULL;
  paints->id = g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), paints);
  return TRUE;
}

static void
paints_unwatch (Paints *paints)
{
  if (paints->clock != NULL)
    g_signal_handler_disconnect (paints->clock, paints->id);
  g_clear_object (&paints->clock);
  g_clear_pointer (&paints->node, gsk_render_node_unref);
}

static gboolean
painted (gpointer paints)
{
  return ((Paints *) paints)->n > 0;
}

static gboolean
captured (gpointer paints)
{
  return ((Paints *) paints)->node != NULL;
}

/* no frame for a while: the animations (toasts sliding in, header bars
 * cross-fading, entry titles floating up: a few hundred ms each) are over */
#define QUIET_MS 250
#define SETTLE_SECONDS 2

static gboolean
captured_and_quiet (gpointer data)
{
  Paints *paints = data;

  return paints->node != NULL && g_get_monotonic_time () - paints->last >= QUIET_MS * 1000;
}

gboolean
ossp_gui_test_wait_frame (GtkWidget *widget,
                          guint      seconds)
{
  Paints paints;
  gboolean done;

  if (!paints_watch (&paints, widget, FALSE))
    return FALSE;
  gtk_widget_queue_draw (widget);
  done = ossp_gui_test_wait (painted, &paints, seconds);
  paints_unwatch (&paints);
  return done;
}

char *
ossp_gui_test_screenshot (GtkWidget  *widget,
                          const char *name)
{
  const char *dir = g_getenv ("G_TEST_BUILDDIR") ? g_getenv ("G_TEST_BUILDDIR") : ".";
  char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GdkTexture) texture = NULL;
  Paints paints;

  if (!ossp_gui_test_wait (is_shown_with_size, widget, SHOT_TIMEOUT_SECONDS))
    g_error ("screenshot %s: the %s was not shown with a size within %d s (mapped: %d, size %d×%d)",
             name, G_OBJECT_TYPE_NAME (widget), SHOT_TIMEOUT_SECONDS, gtk_widget_get_mapped (widget),
             gtk_widget_get_width (widget), gtk_widget_get_height (widget));
  /* a frame painted after this call, then the end of what animates */
  g_assert_true (paints_watch (&paints, widget, TRUE));
  gtk_widget_queue_draw (widget);
  if (!ossp_gui_test_wait (captured, &paints, SHOT_TIMEOUT_SECONDS))
    g_error ("screenshot %s: the %s was shown but in %d s painted %u frames with nothing of it to render",
             name, G_OBJECT_TYPE_NAME (widget), SHOT_TIMEOUT_SECONDS, paints.n);
  /* a spinner never stops: then the picture is of the moment */
  if (!ossp_gui_test_wait (captured_and_quiet, &paints, SETTLE_SECONDS))
    g_test_message ("screenshot %s: still animating after %d s", name, SETTLE_SECONDS);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)), paints.node,
                                         &GRAPHENE_RECT_INIT (0, 0, paints.width, paints.height));
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s (%d×%d)", path, paints.width, paints.height);
  paints_unwatch (&paints);
  return path;
}

/* ---- toplevels and dialogs ---- */

static GtkWindow *
find_window (GType      type,
             gboolean   any_parent,
             GtkWindow *parent)
{
  GListModel *toplevels = gtk_window_get_toplevels ();   /* owned by GTK */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) w = g_list_model_get_item (toplevels, i);
      if (G_TYPE_CHECK_INSTANCE_TYPE (w, type) && gtk_widget_get_visible (GTK_WIDGET (w)) &&
          (any_parent || gtk_window_get_transient_for (w) == parent))
        return w;   /* the list keeps its own reference */
    }
  return NULL;
}

GtkWidget *
ossp_gui_test_find_toplevel (GType type)
{
  return GTK_WIDGET (find_window (type, TRUE, NULL));
}

static gboolean
toplevel_shown (gpointer type)
{
  return ossp_gui_test_find_toplevel (GPOINTER_TO_SIZE (type)) != NULL;
}

GtkWidget *
ossp_gui_test_wait_toplevel (GType type,
                             guint seconds)
{
  if (!ossp_gui_test_wait (toplevel_shown, GSIZE_TO_POINTER (type), seconds))
    g_error ("no %s appeared within %u s", g_type_name (type), seconds);
  return ossp_gui_test_find_toplevel (type);
}

AdwMessageDialog *
ossp_gui_test_find_dialog (GtkWindow *parent)
{
  return (AdwMessageDialog *) find_window (ADW_TYPE_MESSAGE_DIALOG, parent == NULL, parent);
}

typedef struct {
  GtkWindow *parent;
  gboolean   shown;
} DialogWait;

static gboolean
dialog_is (gpointer data)
{
  DialogWait *want = data;

  return (ossp_gui_test_find_dialog (want->parent) != NULL) == want->shown;
}

gboolean
ossp_gui_test_wait_dialog (GtkWindow *parent,
                           gboolean   shown,
                           guint      seconds)
{
  return ossp_gui_test_wait (dialog_is, &(DialogWait) { parent, shown }, seconds);
}

static gboolean
is_button_labelled (GtkWidget    *widget,
                    gconstpointer label)
{
  return GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0;
}

void
ossp_gui_test_click_response (AdwMessageDialog *dialog,
                              const char       *label)
{
  GtkWidget *button = ossp_gui_test_find_by (GTK_WIDGET (dialog), is_button_labelled, label);

  if (button == NULL)
    g_error ("the dialog \"%s\" has no button \"%s\"", adw_message_dialog_get_heading (dialog), label);
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
}

/* ---- windows, the application ---- */

void
ossp_gui_test_close_window (GtkWindow *window)
{
  gtk_window_destroy (window);
  ossp_gui_test_spin (50);
}

static void
size_window_cb (GtkApplication *app,
                GtkWindow      *window,
                gpointer        size)
{
  const int *wh = size;

  gtk_window_set_default_size (window, wh[0], wh[1]);
}

OsspWindow *
ossp_gui_test_start_app (OsspApplication **app,
                         int               width,
                         int               height)
{
  static int size[2];
  g_autoptr(GError) error = NULL;
  OsspWindow *window;

  size[0] = width;
  size[1] = height;
  *app = ossp_application_new ();
  g_signal_connect (*app, "window-added", G_CALLBACK (size_window_cb), size);
  g_application_register (G_APPLICATION (*app), NULL, &error);
  g_assert_no_error (error);
  g_application_activate (G_APPLICATION (*app));
  window = OSSP_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (*app)));
  g_assert_nonnull (window);
  /* mapped is only GTK's side: shown is when the first frame is painted */
  if (!ossp_gui_test_wait (is_shown_with_size, window, SHOT_TIMEOUT_SECONDS) ||
      !ossp_gui_test_wait_frame (GTK_WIDGET (window), SHOT_TIMEOUT_SECONDS))
    g_error ("the application's window was not shown and painted within %d s", SHOT_TIMEOUT_SECONDS);
  return window;
}

int
ossp_gui_test_run_app (OsspApplication *app,
                       OsspWindow      *window)
{
  int ret = g_test_run ();

  ossp_gui_test_close_window (GTK_WINDOW (window));
  g_object_unref (app);
  return ret;
}
