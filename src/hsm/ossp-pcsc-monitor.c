/* ossp-pcsc-monitor.c — reader insert/remove notifications for the GUI
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>

#include "ossp-pcsc-monitor.h"

#define PNP_READER "\\\\?PnP?\\Notification"

struct _OsspPcscMonitor
{
  GObject       parent_instance;

  GMainContext *context;       /* where "changed" is emitted */
  GThread      *thread;
  GMutex        mutex;
  GCond         cond;
  gboolean      stopping;
  SCARDCONTEXT  pcsc;          /* valid while have_pcsc, for SCardCancel */
  gboolean      have_pcsc;

  GPtrArray    *readers;       /* main-context copy */
  char         *problem;
};

G_DEFINE_FINAL_TYPE (OsspPcscMonitor, ossp_pcsc_monitor, G_TYPE_OBJECT)

enum { SIGNAL_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

typedef struct {
  OsspPcscMonitor *self;
  GPtrArray       *readers;
  char            *problem;
} Update;

static gboolean
deliver_update (gpointer data)
{
  Update *u = data;
  OsspPcscMonitor *self = u->self;

  g_clear_pointer (&self->readers, g_ptr_array_unref);
  self->readers = g_steal_pointer (&u->readers);
  g_free (self->problem);
  self->problem = g_steal_pointer (&u->problem);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
  return G_SOURCE_REMOVE;
}

static void
update_free (gpointer data)
{
  Update *u = data;
  g_clear_pointer (&u->readers, g_ptr_array_unref);
  g_free (u->problem);
  g_object_unref (u->self);
  g_free (u);
}

static char *
summarise (GPtrArray  *readers,
           const char *problem)
{
  GString *s = g_string_new (problem ? problem : "");
  for (guint i = 0; readers && i < readers->len; i++)
    {
      OsspPcscReader *r = readers->pdata[i];
      g_string_append_printf (s, "|%s|%d|%s", r->name, r->card_present, r->atr ? r->atr : "");
    }
  return g_string_free (s, FALSE);
}

static void
publish (OsspPcscMonitor  *self,
         GPtrArray        *readers,
         const char       *problem,
         char            **last)
{
  g_autofree char *summary = summarise (readers, problem);
  Update *u;

  if (*last != NULL && g_str_equal (*last, summary))
    return;
  g_free (*last);
  *last = g_steal_pointer (&summary);
  u = g_new0 (Update, 1);
  u->self = g_object_ref (self);
  u->readers = readers ? g_ptr_array_ref (readers)
                       : g_ptr_array_new_with_free_func ((GDestroyNotify) ossp_pcsc_reader_free);
  u->problem = g_strdup (problem);
  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, deliver_update, u, update_free);
}

/* Sleeps up to @ms unless stopped; TRUE when stopping. */
static gboolean
wait_or_stop (OsspPcscMonitor *self,
              guint            ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;
  gboolean stopping;

  g_mutex_lock (&self->mutex);
  while (!self->stopping && g_cond_wait_until (&self->cond, &self->mutex, end))
    ;
  stopping = self->stopping;
  g_mutex_unlock (&self->mutex);
  return stopping;
}

static gpointer
monitor_thread (gpointer data)
{
  OsspPcscMonitor *self = data;
  g_autofree char *last = NULL;

  while (!wait_or_stop (self, 0))
    {
      SCARDCONTEXT ctx;
      LONG rv = SCardEstablishContext (SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);

      if (rv != SCARD_S_SUCCESS)
        {
          g_autofree char *problem = g_strdup_printf ("The PC/SC service (pcscd) is not reachable: %s",
                                                      pcsc_stringify_error (rv));
          publish (self, NULL, problem, &last);
          if (wait_or_stop (self, 2000))
            break;
          continue;
        }
      g_mutex_lock (&self->mutex);
      self->pcsc = ctx;
      self->have_pcsc = TRUE;
      g_mutex_unlock (&self->mutex);

      for (;;)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(GPtrArray) readers = NULL;
          g_autofree SCARD_READERSTATE *states = NULL;
          guint n;

          if (wait_or_stop (self, 0))
            break;
          /* the shared helper reads names, presence and ATRs */
          readers = ossp_pcsc_list_readers (&error);
          if (readers == NULL)
            {
              publish (self, NULL, error->message, &last);
              break;
            }
          publish (self, readers, NULL, &last);
          n = readers->len;
          states = g_new0 (SCARD_READERSTATE, n + 1);
          for (guint i = 0; i < n; i++)
            {
              OsspPcscReader *r = readers->pdata[i];
              states[i].szReader = r->name;
              states[i].dwCurrentState = r->card_present ? SCARD_STATE_PRESENT : SCARD_STATE_EMPTY;
            }
          states[n].szReader = PNP_READER;
          states[n].dwCurrentState = SCARD_STATE_UNAWARE;
          /* first call learns the current state of the PnP pseudo reader */
          SCardGetStatusChange (ctx, 0, states + n, 1);
          states[n].dwCurrentState = states[n].dwEventState & ~SCARD_STATE_CHANGED;
          rv = SCardGetStatusChange (ctx, 1000, states, n + 1);
          if (rv == SCARD_E_TIMEOUT || rv == SCARD_S_SUCCESS)
            continue;   /* re-read the list: something changed, or a periodic refresh */
          if (rv == SCARD_E_CANCELLED)
            break;
          /* pcscd went away or the context is stale: start over */
          break;
        }
      g_mutex_lock (&self->mutex);
      self->have_pcsc = FALSE;
      g_mutex_unlock (&self->mutex);
      SCardReleaseContext (ctx);
      if (wait_or_stop (self, 500))
        break;
    }
  return NULL;
}

void
ossp_pcsc_monitor_start (OsspPcscMonitor *self)
{
  g_return_if_fail (OSSP_IS_PCSC_MONITOR (self));
  if (self->thread != NULL)
    return;
  self->stopping = FALSE;
  self->thread = g_thread_new ("ossp-pcsc-monitor", monitor_thread, self);
}

void
ossp_pcsc_monitor_stop (OsspPcscMonitor *self)
{
  g_return_if_fail (OSSP_IS_PCSC_MONITOR (self));
  if (self->thread == NULL)
    return;
  g_mutex_lock (&self->mutex);
  self->stopping = TRUE;
  if (self->have_pcsc)
    SCardCancel (self->pcsc);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);
  g_thread_join (self->thread);
  self->thread = NULL;
}

GPtrArray *
ossp_pcsc_monitor_get_readers (OsspPcscMonitor *self)
{
  g_return_val_if_fail (OSSP_IS_PCSC_MONITOR (self), NULL);
  return self->readers;
}

const char *
ossp_pcsc_monitor_get_problem (OsspPcscMonitor *self)
{
  g_return_val_if_fail (OSSP_IS_PCSC_MONITOR (self), NULL);
  return self->problem;
}

static void
ossp_pcsc_monitor_dispose (GObject *object)
{
  ossp_pcsc_monitor_stop (OSSP_PCSC_MONITOR (object));
  G_OBJECT_CLASS (ossp_pcsc_monitor_parent_class)->dispose (object);
}

static void
ossp_pcsc_monitor_finalize (GObject *object)
{
  OsspPcscMonitor *self = OSSP_PCSC_MONITOR (object);

  g_clear_pointer (&self->readers, g_ptr_array_unref);
  g_free (self->problem);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);
  G_OBJECT_CLASS (ossp_pcsc_monitor_parent_class)->finalize (object);
}

static void
ossp_pcsc_monitor_class_init (OsspPcscMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ossp_pcsc_monitor_dispose;
  object_class->finalize = ossp_pcsc_monitor_finalize;
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
ossp_pcsc_monitor_init (OsspPcscMonitor *self)
{
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
  self->context = g_main_context_ref_thread_default ();
  self->readers = g_ptr_array_new_with_free_func ((GDestroyNotify) ossp_pcsc_reader_free);
}

OsspPcscMonitor *
ossp_pcsc_monitor_new (void)
{
  return g_object_new (OSSP_TYPE_PCSC_MONITOR, NULL);
}
