/* ossp-hsm-apdu.h — host side of OpenSSP's HSM APDU set (hsm.md §4)
 *
 * Pure encoding and decoding, no PC/SC: builds command APDUs and parses
 * the card's responses (fuzzed). Written from the spec, not from the card.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <openssp.h>

G_BEGIN_DECLS

#define OSSP_HSM_APDU_AID "OpenSSP.HSM.v1"

/* GET DATA P2 values */
#define OSSP_HSM_APDU_DATA_INFO        0x00
#define OSSP_HSM_APDU_DATA_DELIVERED   0x17
#define OSSP_HSM_APDU_DATA_REMAINING   0x18
#define OSSP_HSM_APDU_DATA_PRODUCT_IDS 0x19   /* OpenSSP extension, optional */

/* @le: -1 for none, else 1..65536 (256 / 65536 encoded as 00 / 0000).
 * Short form when it fits, extended (ISO 7816-4) otherwise. */
GBytes  *ossp_hsm_apdu_build                (guint8         cla,
                                             guint8         ins,
                                             guint8         p1,
                                             guint8         p2,
                                             const guint8  *data,
                                             gsize          len,
                                             gint           le);
GBytes  *ossp_hsm_apdu_build_select         (void);
GBytes  *ossp_hsm_apdu_build_get_data       (guint8         p2);
GBytes  *ossp_hsm_apdu_build_put_perso      (GBytes        *blob);
/* The key and nonce go through this buffer: wipe the result
 * (ossp_hsm_apdu_wipe_free) once sent. */
GBytes  *ossp_hsm_apdu_build_put_oem_key    (const guint8   key[16],
                                             const guint8   nonce[16]);
GBytes  *ossp_hsm_apdu_build_put_config     (const char    *firmware_id,
                                             guint32        max_count,
                                             guint32        license_type,
                                             guint32        fsbl_min_version,
                                             GError       **error);
GBytes  *ossp_hsm_apdu_build_lock           (void);
GBytes  *ossp_hsm_apdu_build_get_license    (GBytes        *certificate,
                                             GError       **error);
GBytes  *ossp_hsm_apdu_build_get_st_pubkey  (guint8         key_id);
void     ossp_hsm_apdu_wipe_free            (GBytes        *apdu);

/* data ‖ SW1 SW2 → data, sw */
gboolean ossp_hsm_apdu_split_response       (const guint8  *response,
                                             gsize          len,
                                             const guint8 **data,
                                             gsize         *data_len,
                                             guint16       *sw,
                                             GError       **error);
/* GET DATA info TLV (01 version, 02 serial, 03 state, 04 firmware id; other
 * tags skipped) into @info */
gboolean ossp_hsm_apdu_parse_info           (const guint8  *data,
                                             gsize          len,
                                             OsspHsmInfo   *info,
                                             GError       **error);
gboolean ossp_hsm_apdu_parse_u32            (const guint8  *data,
                                             gsize          len,
                                             guint32       *value,
                                             GError       **error);
GStrv    ossp_hsm_apdu_parse_product_ids    (const guint8  *data,
                                             gsize          len,
                                             GError       **error);
/* GET LICENSE answer: exactly 136 bytes that parse as a license */
GBytes  *ossp_hsm_apdu_parse_license        (const guint8  *data,
                                             gsize          len,
                                             GError       **error);

G_END_DECLS
