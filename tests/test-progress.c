/* test-progress.c — weighted steps and cross-thread notification
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ossp-test-helper.h"

static void
test_progress_weights (void)
{
  g_autoptr(OsspProgress) p = ossp_progress_new ();
  g_autofree char *text = NULL;
  g_autofree char *id = NULL;

  g_assert_cmpfloat (ossp_progress_get_fraction (p), ==, 0.0);
  ossp_progress_add_step (p, "a", "Step A", 1);
  ossp_progress_add_step (p, "b", "Step B", 3);
  g_assert_cmpuint (ossp_progress_get_n_steps (p), ==, 2);
  ossp_progress_begin_step (p, "a");
  g_assert_cmpfloat_with_epsilon (ossp_progress_get_fraction (p), 0.0, 1e-9);
  ossp_progress_set_step_fraction (p, 0.5);
  g_assert_cmpfloat_with_epsilon (ossp_progress_get_fraction (p), 0.125, 1e-9);
  /* never backwards inside a step */
  ossp_progress_set_step_fraction (p, 0.2);
  g_assert_cmpfloat_with_epsilon (ossp_progress_get_fraction (p), 0.125, 1e-9);
  ossp_progress_begin_step (p, "b");
  g_assert_cmpfloat_with_epsilon (ossp_progress_get_fraction (p), 0.25, 1e-9);
  ossp_progress_set_step_fraction (p, 0.5);
  ossp_progress_set_detail (p, "packet 2 of 4");
  g_assert_cmpfloat_with_epsilon (ossp_progress_get_fraction (p), 0.625, 1e-9);
  text = ossp_progress_dup_text (p);
  g_assert_cmpstr (text, ==, "Step B (packet 2 of 4) — 62%");
  id = ossp_progress_dup_step_id (p);
  g_assert_cmpstr (id, ==, "b");
  ossp_progress_finish (p);
  g_assert_cmpfloat (ossp_progress_get_fraction (p), ==, 1.0);
  ossp_progress_reset (p);
  g_assert_cmpuint (ossp_progress_get_n_steps (p), ==, 0);
  g_assert_cmpfloat (ossp_progress_get_fraction (p), ==, 0.0);
}

typedef struct {
  OsspProgress *progress;
  GThread      *main_thread;
  guint         changed_in_main;
  guint         changed_elsewhere;
  double        last;
} Watch;

static void
changed_cb (OsspProgress *p, Watch *w)
{
  if (g_thread_self () == w->main_thread)
    w->changed_in_main++;
  else
    w->changed_elsewhere++;
  /* the fraction seen by listeners only grows */
  g_assert_cmpfloat (ossp_progress_get_fraction (p), >=, w->last);
  w->last = ossp_progress_get_fraction (p);
}

static gpointer
worker (gpointer data)
{
  OsspProgress *p = data;
  ossp_progress_begin_step (p, "send");
  for (guint i = 1; i <= 100; i++)
    ossp_progress_set_step_fraction (p, i / 100.0);
  ossp_progress_finish (p);
  return NULL;
}

static void
test_progress_threads (void)
{
  g_autoptr(OsspProgress) p = ossp_progress_new ();
  Watch w = { p, g_thread_self (), 0, 0, 0.0 };
  GThread *t;

  ossp_progress_add_step (p, "send", "Sending", 10);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_signal_connect (p, "changed", G_CALLBACK (changed_cb), &w);
  t = g_thread_new ("worker", worker, p);
  g_thread_join (t);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (w.changed_elsewhere, ==, 0);
  /* coalesced: at least one, far fewer than 102 updates */
  g_assert_cmpuint (w.changed_in_main, >=, 1);
  g_assert_cmpfloat (w.last, ==, 1.0);
}

static GThread *main_thread;

static gpointer
step_worker (gpointer data)
{
  OsspProgress *p = data;
  ossp_progress_begin_step (p, "connect");
  ossp_progress_begin_step (p, "preflight");
  ossp_progress_begin_step (p, "connect");
  ossp_progress_begin_step (p, "burn");
  return NULL;
}

static void
step_started_cb (OsspProgress *p,
                 const char   *id,
                 const char   *title,
                 GString      *seen)
{
  g_assert_true (g_thread_self () == main_thread);
  g_string_append_printf (seen, "%s(%s) ", id, title);
}

static void
changed_after_steps_cb (OsspProgress *p,
                        GString      *seen)
{
  g_string_append (seen, "changed ");
}

/* A worker that runs through its steps faster than the main loop turns:
 * "changed" is coalesced, yet every step is announced, in order, first. */
static void
test_progress_every_step (void)
{
  g_autoptr(OsspProgress) p = ossp_progress_new ();
  g_autoptr(GString) seen = g_string_new (NULL);
  GThread *t;

  ossp_progress_add_step (p, "connect", "Connecting", 1);
  ossp_progress_add_step (p, "preflight", "Checking", 1);
  ossp_progress_add_step (p, "burn", "Burning", 1);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_signal_connect (p, "step-started", G_CALLBACK (step_started_cb), seen);
  g_signal_connect (p, "changed", G_CALLBACK (changed_after_steps_cb), seen);
  t = g_thread_new ("worker", step_worker, p);
  g_thread_join (t);
  g_assert_cmpstr (seen->str, ==, "");
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpstr (seen->str, ==, "connect(Connecting) preflight(Checking) connect(Connecting) "
                                  "burn(Burning) changed ");
  /* on the creating thread: at once */
  g_string_truncate (seen, 0);
  ossp_progress_begin_step (p, "preflight");
  g_assert_cmpstr (seen->str, ==, "preflight(Checking) changed ");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  main_thread = g_thread_self ();
  g_test_add_func ("/progress/weights", test_progress_weights);
  g_test_add_func ("/progress/threads", test_progress_threads);
  g_test_add_func ("/progress/every-step", test_progress_every_step);
  return g_test_run ();
}
