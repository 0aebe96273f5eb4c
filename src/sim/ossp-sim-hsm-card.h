/* ossp-sim-hsm-card.h — the OpenSSP soft-HSM card (card side of hsm.md §4)
 *
 * A smart card in software: it answers our APDU set, runs the state machine
 * blank → personalised → locked, checks chip certificates against the
 * personalisation's root keys (ssp-flow.md §5.3), counts licenses and makes
 * them with OpenSSP-ECIES v1 (§7.3). Its state lives in a JSON file (0600,
 * written atomically before any license leaves the card) so the counter
 * survives a restart. Thread-safe: vpcd and in-process callers may share it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <openssp.h>

G_BEGIN_DECLS

#define OSSP_SIM_HSM_CARD_STATE_FORMAT  "openssp-soft-hsm-card"
#define OSSP_SIM_HSM_CARD_STATE_VERSION 1

#define OSSP_TYPE_SIM_HSM_CARD (ossp_sim_hsm_card_get_type ())
G_DECLARE_FINAL_TYPE (OsspSimHsmCard, ossp_sim_hsm_card, OSSP, SIM_HSM_CARD, GObject)

/* Loads @state_path, or creates a blank card there when it does not exist.
 * @state_path NULL: a card that lives in memory only (fuzzing, tests). */
OsspSimHsmCard *ossp_sim_hsm_card_new          (const char      *state_path,
                                                GError         **error);
const char     *ossp_sim_hsm_card_get_state_path (OsspSimHsmCard *self);

/* The ATR the card gives vpcd: 3B 80 80 01 01 (T=1). */
const guint8   *ossp_sim_hsm_card_get_atr      (gsize           *len);
/* vpcd power off / on / reset */
void            ossp_sim_hsm_card_reset        (OsspSimHsmCard  *self);

/* One command APDU in, the response APDU (data ‖ SW1 SW2) out; never NULL,
 * whatever the bytes. This is the card's parser (fuzzed). */
GBytes         *ossp_sim_hsm_card_transmit     (OsspSimHsmCard  *self,
                                                const guint8    *apdu,
                                                gsize            len);

/* The same commands without the APDU encoding, for the in-process HSM.
 * Each returns the status word the APDU would have. */
guint16         ossp_sim_hsm_card_get_info     (OsspSimHsmCard  *self,
                                                OsspHsmInfo    **out_info);
guint16         ossp_sim_hsm_card_put_perso    (OsspSimHsmCard  *self,
                                                const guint8    *blob,
                                                gsize            len);
guint16         ossp_sim_hsm_card_put_oem_key  (OsspSimHsmCard  *self,
                                                const guint8    *key_and_nonce,
                                                gsize            len);
guint16         ossp_sim_hsm_card_put_config   (OsspSimHsmCard  *self,
                                                const char      *firmware_id,
                                                guint32          max_count,
                                                guint32          license_type,
                                                guint32          fsbl_min_version);
guint16         ossp_sim_hsm_card_lock         (OsspSimHsmCard  *self);
guint16         ossp_sim_hsm_card_get_license  (OsspSimHsmCard  *self,
                                                const guint8    *certificate,
                                                gsize            len,
                                                guint8           license[OSSP_LICENSE_SIZE]);
guint16         ossp_sim_hsm_card_get_st_pubkey (OsspSimHsmCard *self,
                                                guint8           key_id,
                                                guint8           pubkey[64]);

G_END_DECLS
