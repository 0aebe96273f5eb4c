/* ossp-sim-demo.h — the simulated world of the example set-up
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A soft-HSM that gives licenses for the simulator's factory chips: its
 * personalisation lists the demo product ids (5000200A, 5010100D) with the
 * simulator's "OpenSSP root" keys (docs/simulator.md), and it holds the
 * demo's OEM key and nonce (ossp-demo.h).
 */
#pragma once

#include "ossp-sim-hsm.h"

G_BEGIN_DECLS

/* Product ids of the simulator's factory chips with their root keys. */
OsspHsmPerso *ossp_sim_demo_perso      (GError    **error);

/* Opens the soft-HSM card at @state_path; when it is blank (or new) it is
 * personalised, loaded with @demo's OEM key and nonce, given @max_count
 * licenses and locked. */
OsspSimHsm   *ossp_sim_demo_hsm_ensure (const char *state_path,
                                        OsspDemo   *demo,
                                        guint32     max_count,
                                        GError    **error);

G_END_DECLS
