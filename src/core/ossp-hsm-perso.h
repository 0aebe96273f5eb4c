/* ossp-hsm-perso.h — OpenSSP's HSM personalisation blob "OSPD" v1
 * (hsm.md §4.1, ours; docs/formats/hsm-apdu.md)
 *
 *   0  4      magic "OSPD"
 *   4  2      version 1          (big-endian, like every number in our APDUs)
 *   6  2      entry count e, 1..8
 *   8  e×80   product id (8 ASCII) ‖ root P-256 pubkey X‖Y (64) ‖ flags u32 ‖ reserved u32
 *
 * It replaces ST's encrypted STM32MP1_<product id>_SSP_*.enc.bin files for
 * the soft-HSM and says, in clear, which chips it serves.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "ossp-util.h"

G_BEGIN_DECLS

#define OSSP_HSM_PERSO_MAGIC            "OSPD"
#define OSSP_HSM_PERSO_VERSION          1
#define OSSP_HSM_PERSO_HEADER_SIZE      8
#define OSSP_HSM_PERSO_ENTRY_SIZE       80
#define OSSP_HSM_PERSO_MAX_ENTRIES      8
#define OSSP_HSM_PERSO_MAX_SIZE         (OSSP_HSM_PERSO_HEADER_SIZE + OSSP_HSM_PERSO_MAX_ENTRIES * OSSP_HSM_PERSO_ENTRY_SIZE)
#define OSSP_HSM_PERSO_FLAG_ALLOW_LIVE  (1u << 0)   /* may issue "SSPL" licenses */

typedef struct {
  char    product_id[9];        /* NUL-terminated */
  guint8  root_pubkey[64];      /* X‖Y: checks the certificates of this product */
  guint32 flags;
  guint32 reserved;
} OsspHsmPersoEntry;

#define OSSP_TYPE_HSM_PERSO (ossp_hsm_perso_get_type ())
G_DECLARE_FINAL_TYPE (OsspHsmPerso, ossp_hsm_perso, OSSP, HSM_PERSO, GObject)

OsspHsmPerso            *ossp_hsm_perso_new             (void);
OsspHsmPerso            *ossp_hsm_perso_parse           (const guint8   *data,
                                                         gsize           len,
                                                         GError        **error);
OsspHsmPerso            *ossp_hsm_perso_load            (const char     *path,
                                                         GError        **error);
gboolean                 ossp_hsm_perso_add_entry       (OsspHsmPerso   *self,
                                                         const char     *product_id,
                                                         const guint8    root_pubkey[64],
                                                         guint32         flags,
                                                         GError        **error);
guint                    ossp_hsm_perso_get_n_entries   (OsspHsmPerso   *self);
const OsspHsmPersoEntry *ossp_hsm_perso_get_entry       (OsspHsmPerso   *self,
                                                         guint           index);
/* @product_id: the first 8 bytes are compared (need not be NUL-terminated,
 * so certificate bytes can be passed as they are) */
const OsspHsmPersoEntry *ossp_hsm_perso_lookup          (OsspHsmPerso   *self,
                                                         const char     *product_id);
GStrv                    ossp_hsm_perso_get_product_ids (OsspHsmPerso   *self);
GBytes                  *ossp_hsm_perso_to_bytes        (OsspHsmPerso   *self,
                                                         GError        **error);
gboolean                 ossp_hsm_perso_save            (OsspHsmPerso   *self,
                                                         const char     *path,
                                                         OsspWriteFlags  flags,
                                                         GError        **error);
/* TRUE when @product_ids (what a card reports) are exactly this blob's ids,
 * in any order: an interrupted provisioning may then be resumed. */
gboolean                 ossp_hsm_perso_has_same_products (OsspHsmPerso *self,
                                                         const char * const *product_ids);
/* Resuming an interrupted provisioning: TRUE when a card that reports
 * @card_product_ids, and whose root key per key id @get_key returns, holds
 * exactly this personalisation; else OSSP_ERROR_STATE naming @serial. */
typedef gboolean (*OsspHsmPersoKeyFunc) (guint8    key_id,
                                         guint8    pubkey[64],
                                         gpointer  user_data);
gboolean                 ossp_hsm_perso_matches_card    (OsspHsmPerso        *self,
                                                         const char * const  *card_product_ids,
                                                         OsspHsmPersoKeyFunc  get_key,
                                                         gpointer             user_data,
                                                         const char          *serial,
                                                         GError             **error);
/* One line per entry: "5000200A  STM32MP15 (DEV_ID 0x500), …  root key 04ab…" */
char                    *ossp_hsm_perso_describe        (OsspHsmPerso   *self);

/* ST's file names: "STM32MP1_5000200A_SSP_01000000_00000000.enc.bin" →
 * "5000200A"; NULL when the name is not of that form. */
char                    *ossp_hsm_perso_product_id_from_st_name (const char *path);
/* The first file in @dir (sorted by name) that serves @product_id: an OSPD
 * blob that lists it. ST-named files for it are reported in the error, since
 * only a real ST HSM can load them. */
char                    *ossp_hsm_perso_find_for_product (const char    *dir,
                                                         const char     *product_id,
                                                         GError        **error);

G_END_DECLS
