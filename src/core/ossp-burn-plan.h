/* ossp-burn-plan.h — what a provisioning will write and lock, word by word
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Built from the payload (its public header, or every value when it was
 * decrypted with the OEM key and nonce) and the chip family, in the order
 * the SSP firmware acts (ssp-flow.md §3, §8).  Shown, and confirmed by a
 * typed word or --yes, before anything irreversible happens.
 *
 * What the chip holds now cannot be read over the SSP link (the FSBL-SSP
 * has no OTP read); each item therefore states the condition the chip
 * must meet, which the SSP firmware itself checks before burning.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "ossp-chip.h"
#include "ossp-payload.h"

G_BEGIN_DECLS

typedef enum {
  OSSP_BURN_ACTION_SET_BITS,    /* bits ORed into a word (SSP_REQ, close, SSP_SUCCESS) */
  OSSP_BURN_ACTION_BURN_LOCK,   /* word programmed, then permanently locked */
  OSSP_BURN_ACTION_BURN,        /* word programmed, left unlocked */
  OSSP_BURN_ACTION_SKIP,        /* zero word: neither programmed nor locked */
  OSSP_BURN_ACTION_WRITE,       /* backup memory written (MP2) */
} OsspBurnAction;

typedef struct {
  guint           boot;          /* 1 or 3: the boot in which the chip does it */
  OsspBurnAction  action;
  const char     *target;        /* "otp", "tamp", "bkpsram" */
  guint32         address;       /* OTP word, or backup byte address */
  char           *name;
  gboolean        value_known;   /* FALSE: encrypted in the payload */
  guint32         value;
  gboolean        secret;        /* masked unless asked */
  char           *precondition;  /* what the word must hold before, or NULL */
  char           *note;
} OsspBurnPlanItem;

#define OSSP_TYPE_BURN_PLAN (ossp_burn_plan_get_type ())
G_DECLARE_FINAL_TYPE (OsspBurnPlan, ossp_burn_plan, OSSP, BURN_PLAN, GObject)

/* Fails with OSSP_ERROR_UNSUPPORTED for a chip without the MP1 SSP flow. */
OsspBurnPlan *ossp_burn_plan_new              (OsspPayload    *payload,
                                               GError        **error);
OsspChip     *ossp_burn_plan_get_chip         (OsspBurnPlan   *self);
guint         ossp_burn_plan_get_n_items      (OsspBurnPlan   *self);
const OsspBurnPlanItem *ossp_burn_plan_get_item (OsspBurnPlan *self,
                                               guint           index);
/* TRUE when the payload was decrypted: every value is shown. */
gboolean      ossp_burn_plan_has_values       (OsspBurnPlan   *self);
/* Counts of items per action, for summaries and tests. */
guint         ossp_burn_plan_count            (OsspBurnPlan   *self,
                                               OsspBurnAction  action);

/* The chip's product id ("5000200A") when it is known: it becomes the
 * word the user types to confirm; without it the word is "BURN". */
void          ossp_burn_plan_set_product_id   (OsspBurnPlan   *self,
                                               const char     *product_id);
const char   *ossp_burn_plan_get_product_id   (OsspBurnPlan   *self);
const char   *ossp_burn_plan_get_confirm_word (OsspBurnPlan   *self);
/* Licenses this plan spends per chip (1), for the text. */
void          ossp_burn_plan_set_license_note (OsspBurnPlan   *self,
                                               const char     *note);

/* One line: "STM32MP15: 8 words burnt and locked, … chip closed". */
char         *ossp_burn_plan_dup_summary      (OsspBurnPlan   *self);
/* The whole plan as a table; secrets masked unless @show_secrets. */
char         *ossp_burn_plan_to_text          (OsspBurnPlan   *self,
                                               gboolean        show_secrets);
JsonNode     *ossp_burn_plan_to_json          (OsspBurnPlan   *self,
                                               gboolean        show_secrets);

const char   *ossp_burn_action_to_string      (OsspBurnAction  action);

G_END_DECLS
