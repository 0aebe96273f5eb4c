/* ossp-sim-hsm.h — the soft-HSM card as an in-process OsspHsm
 *
 * No PC/SC in between: the card's commands run in GTask worker threads.
 * For fast unit tests and for the GUI's "built-in simulated HSM". The same
 * card is reachable through a real pcscd with OsspSimVpcd.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ossp-sim-hsm-card.h"

G_BEGIN_DECLS

#define OSSP_TYPE_SIM_HSM (ossp_sim_hsm_get_type ())
G_DECLARE_FINAL_TYPE (OsspSimHsm, ossp_sim_hsm, OSSP, SIM_HSM, GObject)

OsspSimHsm     *ossp_sim_hsm_new      (OsspSimHsmCard  *card);
/* Opens (or creates, blank) the card whose state is @state_path. */
OsspSimHsm     *ossp_sim_hsm_new_for_state (const char *state_path,
                                       GError         **error);
OsspSimHsmCard *ossp_sim_hsm_get_card (OsspSimHsm      *self);

G_END_DECLS
