/* ossp-chip.h — one STM32MP chip family, loaded from data/chips/ JSON
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "ossp-util.h"

G_BEGIN_DECLS

typedef struct {
  guint           first;
  guint           last;
  const char     *name;
  const char     *description;
  const char     *owner;          /* "st", "oem_config", "oem_secret", "oem_ecosystem", "unknown" */
  const char     *status;         /* "sourced", "inferred", "ours" */
  const char     *source;
  gboolean        reserved_for_st;
  gboolean        ssp_writable;
  gboolean        lock_after_write;
  OsspWordFormat  format;         /* 0 when the word has no multi-word format */
} OsspOtpWordInfo;

typedef struct {
  const char *kind;               /* "tamp" or "bkpsram" */
  const char *name;
  guint32     bases[2];
  guint       n_bases;
  guint32     size;               /* bytes */
} OsspBackupMemoryInfo;

typedef struct {
  const char *name;               /* OpenSSL/GnuTLS curve name */
  guint       algo;               /* STM32 header algorithm id */
} OsspCurveInfo;

#define OSSP_TYPE_CHIP (ossp_chip_get_type ())
G_DECLARE_FINAL_TYPE (OsspChip, ossp_chip, OSSP, CHIP, GObject)

const char * const *ossp_chip_list_ids      (void);
OsspChip   *ossp_chip_new                   (const char   *name,
                                             GError      **error);
OsspChip   *ossp_chip_new_from_file         (const char   *path,
                                             GError      **error);
OsspChip   *ossp_chip_new_from_data         (const char   *data,
                                             gssize        len,
                                             GError      **error);

const char *ossp_chip_get_id                (OsspChip     *self);
const char *ossp_chip_get_name              (OsspChip     *self);
const char *ossp_chip_get_family            (OsspChip     *self);
gboolean    ossp_chip_is_mp1                (OsspChip     *self);
guint32     ossp_chip_get_dev_id            (OsspChip     *self);
guint       ossp_chip_get_otp_word_count    (OsspChip     *self);
guint       ossp_chip_get_max_accessible_word (OsspChip   *self);
guint       ossp_chip_get_lower_last_word   (OsspChip     *self);
const char *ossp_chip_get_header_version    (OsspChip     *self);
guint       ossp_chip_get_header_major      (OsspChip     *self);
guint       ossp_chip_get_auth_key_count    (OsspChip     *self);
guint       ossp_chip_get_pkh_first_word    (OsspChip     *self);
gboolean    ossp_chip_uses_pkh_table        (OsspChip     *self);

guint       ossp_chip_get_n_curves          (OsspChip     *self);
const OsspCurveInfo *ossp_chip_get_curve    (OsspChip     *self,
                                             guint         index);
const OsspCurveInfo *ossp_chip_lookup_curve (OsspChip     *self,
                                             const char   *name);

guint       ossp_chip_get_n_word_infos      (OsspChip     *self);
const OsspOtpWordInfo *ossp_chip_get_word_info (OsspChip  *self,
                                             guint         index);
const OsspOtpWordInfo *ossp_chip_lookup_word (OsspChip    *self,
                                             guint         word);
gboolean    ossp_chip_word_is_ssp_writable  (OsspChip     *self,
                                             guint         word);
gboolean    ossp_chip_word_is_reserved      (OsspChip     *self,
                                             guint         word);
gboolean    ossp_chip_word_is_bitwise       (OsspChip     *self,
                                             guint         word);

/* SSP facts; -1 where the chip has no such word (MP2 is our own flow) */
gint        ossp_chip_get_ssp_state_word    (OsspChip     *self);
gint        ossp_chip_get_ssp_req_bit       (OsspChip     *self);
gint        ossp_chip_get_ssp_success_bit   (OsspChip     *self);
gint        ossp_chip_get_rma_word          (OsspChip     *self);
guint32     ossp_chip_get_rma_mask          (OsspChip     *self);
guint       ossp_chip_get_cfg2_word         (OsspChip     *self);
guint       ossp_chip_get_secret_first_word (OsspChip     *self);
guint       ossp_chip_get_secret_last_word  (OsspChip     *self);
gsize       ossp_chip_get_secret_file_size  (OsspChip     *self);
gsize       ossp_chip_get_payload_size      (OsspChip     *self);
guint32     ossp_chip_get_blob_base         (OsspChip     *self);
guint32     ossp_chip_get_fsbl_load_address (OsspChip     *self);
gboolean    ossp_chip_has_user_lock_flags   (OsspChip     *self);
gint        ossp_chip_get_st_board_id_word  (OsspChip     *self);

guint       ossp_chip_get_n_backup_memories (OsspChip     *self);
const OsspBackupMemoryInfo *ossp_chip_get_backup_memory (OsspChip *self,
                                             guint         index);
const OsspBackupMemoryInfo *ossp_chip_lookup_backup_memory (OsspChip *self,
                                             const char   *kind);
const OsspBackupMemoryInfo *ossp_chip_lookup_backup_base (OsspChip *self,
                                             guint32       base);

JsonObject *ossp_chip_get_json              (OsspChip     *self);

G_END_DECLS
