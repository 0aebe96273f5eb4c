/* ossp-progress.h — weighted steps, one object for the CLI bar and the GUI bar
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A job declares its steps with weights up front ("send firmware" 40,
 * "ask HSM" 5, …); the fraction is the weighted share of finished work.
 * Updates may come from any thread: the "changed" signal and property
 * notifications are emitted in the main context that was the thread
 * default when the object was created, coalesced, in order. "step-started"
 * (id, title) is emitted there too, once for every step entered, never
 * coalesced, before the "changed" that covers it.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define OSSP_TYPE_PROGRESS (ossp_progress_get_type ())
G_DECLARE_FINAL_TYPE (OsspProgress, ossp_progress, OSSP, PROGRESS, GObject)

OsspProgress *ossp_progress_new              (void);

/* Declares a step; @id is stable (for JSON events), @title is for people. */
void          ossp_progress_add_step         (OsspProgress *self,
                                              const char   *id,
                                              const char   *title,
                                              guint         weight);
/* Enters step @id: every step before it counts as done. */
void          ossp_progress_begin_step       (OsspProgress *self,
                                              const char   *id);
/* Progress inside the current step, 0..1 (clamped, never goes back). */
void          ossp_progress_set_step_fraction (OsspProgress *self,
                                              double        fraction);
/* Replaces the detail text of the current step ("packet 3 of 12"). */
void          ossp_progress_set_detail       (OsspProgress *self,
                                              const char   *detail);
/* All steps done (fraction 1). */
void          ossp_progress_finish           (OsspProgress *self);
/* Forget all steps, fraction 0. */
void          ossp_progress_reset            (OsspProgress *self);

double        ossp_progress_get_fraction     (OsspProgress *self);
/* "Sending the SSP firmware (boot 2) — 45%" style text for a bar. */
char         *ossp_progress_dup_text         (OsspProgress *self);
char         *ossp_progress_dup_step_id      (OsspProgress *self);
char         *ossp_progress_dup_step_title   (OsspProgress *self);
guint         ossp_progress_get_n_steps      (OsspProgress *self);

G_END_DECLS
