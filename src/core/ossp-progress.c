/* ossp-progress.c — weighted steps, one object for the CLI bar and the GUI bar
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ossp-progress.h"

typedef struct {
  char  *id;
  char  *title;
  guint  weight;
} Step;

struct _OsspProgress
{
  GObject       parent_instance;

  GMutex        lock;
  GArray       *steps;          /* Step */
  gint          current;        /* -1 before the first step */
  double        step_fraction;
  char         *detail;
  gboolean      finished;

  GMainContext *context;        /* where signals are emitted */
  GThread      *owner;          /* the thread that created the object */
  gboolean      emit_pending;
  GArray       *started;        /* Step: entered since the last emission */
};

G_DEFINE_FINAL_TYPE (OsspProgress, ossp_progress, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_FRACTION,
  PROP_TEXT,
  PROP_STEP,
  N_PROPS
};

enum {
  SIGNAL_CHANGED,
  SIGNAL_STEP_STARTED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
step_clear (Step *s)
{
  g_free (s->id);
  g_free (s->title);
}

/* called with the lock held */
static double
fraction_locked (OsspProgress *self)
{
  guint total = 0, done = 0;

  if (self->finished)
    return 1.0;
  for (guint i = 0; i < self->steps->len; i++)
    total += g_array_index (self->steps, Step, i).weight;
  if (total == 0 || self->current < 0)
    return 0.0;
  for (gint i = 0; i < self->current; i++)
    done += g_array_index (self->steps, Step, i).weight;
  return CLAMP ((done + self->step_fraction * g_array_index (self->steps, Step,
                                                             self->current).weight) / total,
                0.0, 1.0);
}

static gboolean
emit_cb (gpointer data)
{
  OsspProgress *self = data;
  g_autoptr(GArray) started = NULL;

  g_mutex_lock (&self->lock);
  self->emit_pending = FALSE;
  started = g_steal_pointer (&self->started);
  g_mutex_unlock (&self->lock);
  /* every step entered, in order, even when "changed" was coalesced */
  for (guint i = 0; started != NULL && i < started->len; i++)
    {
      const Step *s = &g_array_index (started, Step, i);
      g_signal_emit (self, signals[SIGNAL_STEP_STARTED], 0, s->id, s->title);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRACTION]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TEXT]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STEP]);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
  return G_SOURCE_REMOVE;
}

/* called with the lock held; releases it */
static void
changed_unlock (OsspProgress *self)
{
  gboolean schedule = !self->emit_pending;
  GSource *source;

  /* the creating thread is notified at once; any other thread's update
   * is handed to the creator's main context (worker threads must never
   * touch widgets) */
  if (g_thread_self () == self->owner)
    {
      g_mutex_unlock (&self->lock);
      emit_cb (self);
      return;
    }
  self->emit_pending = TRUE;
  g_mutex_unlock (&self->lock);
  if (!schedule)
    return;
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, emit_cb, g_object_ref (self), g_object_unref);
  g_source_set_static_name (source, "[openssp] progress");
  g_source_attach (source, self->context);
  g_source_unref (source);
}

static void
ossp_progress_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  OsspProgress *self = OSSP_PROGRESS (object);

  switch (prop_id)
    {
    case PROP_FRACTION:
      g_value_set_double (value, ossp_progress_get_fraction (self));
      break;
    case PROP_TEXT:
      g_value_take_string (value, ossp_progress_dup_text (self));
      break;
    case PROP_STEP:
      g_value_take_string (value, ossp_progress_dup_step_id (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ossp_progress_finalize (GObject *object)
{
  OsspProgress *self = OSSP_PROGRESS (object);

  g_array_unref (self->steps);
  g_clear_pointer (&self->started, g_array_unref);
  g_free (self->detail);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (ossp_progress_parent_class)->finalize (object);
}

static void
ossp_progress_class_init (OsspProgressClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = ossp_progress_get_property;
  object_class->finalize = ossp_progress_finalize;

  properties[PROP_FRACTION] =
    g_param_spec_double ("fraction", NULL, NULL, 0.0, 1.0, 0.0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_TEXT] =
    g_param_spec_string ("text", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_STEP] =
    g_param_spec_string ("step", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);
  /* Not coalesced: a JSON consumer sees every step a fast worker went
   * through, before the "changed" that follows them. */
  signals[SIGNAL_STEP_STARTED] =
    g_signal_new ("step-started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
}

static void
ossp_progress_init (OsspProgress *self)
{
  g_mutex_init (&self->lock);
  self->steps = g_array_new (FALSE, TRUE, sizeof (Step));
  g_array_set_clear_func (self->steps, (GDestroyNotify) step_clear);
  self->current = -1;
  self->context = g_main_context_ref_thread_default ();
  self->owner = g_thread_self ();
}

OsspProgress *
ossp_progress_new (void)
{
  return g_object_new (OSSP_TYPE_PROGRESS, NULL);
}

void
ossp_progress_add_step (OsspProgress *self,
                        const char   *id,
                        const char   *title,
                        guint         weight)
{
  Step s;

  g_return_if_fail (OSSP_IS_PROGRESS (self));
  g_return_if_fail (id != NULL && title != NULL);
  s.id = g_strdup (id);
  s.title = g_strdup (title);
  s.weight = weight;
  g_mutex_lock (&self->lock);
  g_array_append_val (self->steps, s);
  changed_unlock (self);
}

void
ossp_progress_begin_step (OsspProgress *self,
                          const char   *id)
{
  g_return_if_fail (OSSP_IS_PROGRESS (self));
  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->steps->len; i++)
    if (g_str_equal (g_array_index (self->steps, Step, i).id, id))
      {
        const Step *step = &g_array_index (self->steps, Step, i);
        Step copy = { g_strdup (step->id), g_strdup (step->title), step->weight };

        self->current = (gint) i;
        self->step_fraction = 0.0;
        g_clear_pointer (&self->detail, g_free);
        if (self->started == NULL)
          {
            self->started = g_array_new (FALSE, TRUE, sizeof (Step));
            g_array_set_clear_func (self->started, (GDestroyNotify) step_clear);
          }
        g_array_append_val (self->started, copy);
        changed_unlock (self);
        return;
      }
  g_mutex_unlock (&self->lock);
  g_critical ("ossp_progress_begin_step: no step \"%s\" was declared", id);
}

void
ossp_progress_set_step_fraction (OsspProgress *self,
                                 double        fraction)
{
  g_return_if_fail (OSSP_IS_PROGRESS (self));
  g_mutex_lock (&self->lock);
  fraction = CLAMP (fraction, 0.0, 1.0);
  if (fraction <= self->step_fraction)
    {
      g_mutex_unlock (&self->lock);
      return;
    }
  self->step_fraction = fraction;
  changed_unlock (self);
}

void
ossp_progress_set_detail (OsspProgress *self,
                          const char   *detail)
{
  g_return_if_fail (OSSP_IS_PROGRESS (self));
  g_mutex_lock (&self->lock);
  g_free (self->detail);
  self->detail = g_strdup (detail);
  changed_unlock (self);
}

void
ossp_progress_finish (OsspProgress *self)
{
  g_return_if_fail (OSSP_IS_PROGRESS (self));
  g_mutex_lock (&self->lock);
  self->finished = TRUE;
  self->current = (gint) self->steps->len - 1;
  self->step_fraction = 1.0;
  changed_unlock (self);
}

void
ossp_progress_reset (OsspProgress *self)
{
  g_return_if_fail (OSSP_IS_PROGRESS (self));
  g_mutex_lock (&self->lock);
  g_array_set_size (self->steps, 0);
  self->current = -1;
  self->step_fraction = 0.0;
  self->finished = FALSE;
  g_clear_pointer (&self->detail, g_free);
  changed_unlock (self);
}

double
ossp_progress_get_fraction (OsspProgress *self)
{
  double f;

  g_return_val_if_fail (OSSP_IS_PROGRESS (self), 0.0);
  g_mutex_lock (&self->lock);
  f = fraction_locked (self);
  g_mutex_unlock (&self->lock);
  return f;
}

char *
ossp_progress_dup_step_id (OsspProgress *self)
{
  char *id = NULL;

  g_return_val_if_fail (OSSP_IS_PROGRESS (self), NULL);
  g_mutex_lock (&self->lock);
  if (self->current >= 0)
    id = g_strdup (g_array_index (self->steps, Step, self->current).id);
  g_mutex_unlock (&self->lock);
  return id;
}

char *
ossp_progress_dup_step_title (OsspProgress *self)
{
  char *title = NULL;

  g_return_val_if_fail (OSSP_IS_PROGRESS (self), NULL);
  g_mutex_lock (&self->lock);
  if (self->current >= 0)
    title = g_strdup (g_array_index (self->steps, Step, self->current).title);
  g_mutex_unlock (&self->lock);
  return title;
}

char *
ossp_progress_dup_text (OsspProgress *self)
{
  char *text;
  double f;

  g_return_val_if_fail (OSSP_IS_PROGRESS (self), NULL);
  g_mutex_lock (&self->lock);
  f = fraction_locked (self);
  if (self->current < 0)
    text = g_strdup_printf ("Waiting — %d%%", (int) (f * 100.0));
  else if (self->detail != NULL && *self->detail)
    text = g_strdup_printf ("%s (%s) — %d%%",
                            g_array_index (self->steps, Step, self->current).title,
                            self->detail, (int) (f * 100.0));
  else
    text = g_strdup_printf ("%s — %d%%", g_array_index (self->steps, Step, self->current).title,
                            (int) (f * 100.0));
  g_mutex_unlock (&self->lock);
  return text;
}

guint
ossp_progress_get_n_steps (OsspProgress *self)
{
  guint n;

  g_return_val_if_fail (OSSP_IS_PROGRESS (self), 0);
  g_mutex_lock (&self->lock);
  n = self->steps->len;
  g_mutex_unlock (&self->lock);
  return n;
}
