/* ossp-sim-faults.h — fault injection for the chip simulator
 *
 * A fault is "KIND[@N][=VALUE]" (docs/simulator.md lists them). Steps are
 * counted per serving session from 1: one step per command the device reads
 * (UART, including the 0x7F sync) or per control request (USB); bytes are
 * counted over everything the device sends.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  OSSP_SIM_FAULT_DROP_LINK,       /* drop-link@STEP: silent from step STEP on */
  OSSP_SIM_FAULT_HANGUP,          /* hangup@STEP: close the pty / unplug USB */
  OSSP_SIM_FAULT_NACK,            /* nack@STEP: NACK (UART) / STALL (USB) step STEP */
  OSSP_SIM_FAULT_NACK_DOWNLOAD,   /* nack-download[@N]: NACK the N-th (or every) FSBL data packet */
  OSSP_SIM_FAULT_DROP_BYTE,       /* drop-byte@N (= drop-byte-after=N-1): byte N is not sent */
  OSSP_SIM_FAULT_CORRUPT_BYTE,    /* corrupt-byte@N: byte N is sent XOR 0xFF */
  OSSP_SIM_FAULT_STALL,           /* stall@STEP[=MS]: answer step STEP after MS ms (5000) */
  OSSP_SIM_FAULT_RESET,           /* reset@STEP: the chip resets instead of answering */
  OSSP_SIM_FAULT_POWER_LOSS_BURN, /* reset-during-burn[@N]: power lost after N burned words (8) */
  OSSP_SIM_FAULT_NO_RESYNC,       /* no-resync: the FSBL sends no resync NACK */
  OSSP_SIM_FAULT_BAD_CERT,        /* bad-cert: the certificate's signature is sent corrupted */
  OSSP_SIM_FAULT_N_KINDS
} OsspSimFaultKind;

typedef struct {
  OsspSimFaultKind kind;
  guint64          at;        /* step or byte number; 0 = every time / default */
  guint64          value;
  gboolean         fired;
} OsspSimFault;

typedef struct _OsspSimFaults OsspSimFaults;

OsspSimFaults *ossp_sim_faults_new       (void);
void           ossp_sim_faults_free      (OsspSimFaults  *faults);
/* Parses one "KIND[@N][=VALUE]" and adds it. */
gboolean       ossp_sim_faults_add       (OsspSimFaults  *faults,
                                          const char     *spec,
                                          GError        **error);
guint          ossp_sim_faults_count     (OsspSimFaults  *faults);
/* The first armed fault of @kind whose position is @at (or that has no
 * position, when @any_position); marks one-shot faults fired. NULL when none. */
OsspSimFault  *ossp_sim_faults_check     (OsspSimFaults  *faults,
                                          OsspSimFaultKind kind,
                                          guint64         at);
/* A fault of @kind whatever its position (e.g. no-resync, bad-cert). */
OsspSimFault  *ossp_sim_faults_find      (OsspSimFaults  *faults,
                                          OsspSimFaultKind kind);
const char    *ossp_sim_fault_kind_name  (OsspSimFaultKind kind);
/* "KIND[@N][=VALUE], …" for traces and --json. */
char          *ossp_sim_faults_describe  (OsspSimFaults  *faults);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OsspSimFaults, ossp_sim_faults_free)

G_END_DECLS
