/* ossp-backup-entry.h — one entry of an MP2 backup-memory list
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* Who owns the HUK that wraps a 128/256-bit key (payload.md §5.2). The
 * values are the ones stored in bits 2..1 of the OSBK entry flags. */
typedef enum {
  OSSP_BACKUP_WRAP_CPU_NONE       = 0,
  OSSP_BACKUP_WRAP_CPU_A35_TDCID1 = 1,
  OSSP_BACKUP_WRAP_CPU_M33_TDCID2 = 2,
} OsspBackupWrapCpu;

#define OSSP_TYPE_BACKUP_WRAP_CPU (ossp_backup_wrap_cpu_get_type ())
GType ossp_backup_wrap_cpu_get_type (void);

/* OSBK v1 entry flags (payload.md §5.2) */
#define OSSP_BACKUP_FLAG_WRAP      0x1u
#define OSSP_BACKUP_FLAG_CPU_SHIFT 1
#define OSSP_BACKUP_FLAG_CPU_MASK  0x6u

#define OSSP_BACKUP_LABEL_MAX 128  /* bytes of UTF-8 */

#define OSSP_TYPE_BACKUP_ENTRY (ossp_backup_entry_get_type ())
G_DECLARE_FINAL_TYPE (OsspBackupEntry, ossp_backup_entry, OSSP, BACKUP_ENTRY, GObject)

/* Entries are immutable: edit a list with ossp_backup_list_replace_entry(),
 * so that the list can re-check and re-sort in one place. */
OsspBackupEntry   *ossp_backup_entry_new          (guint32            offset,
                                                   GBytes            *data,
                                                   gboolean           wrap,
                                                   OsspBackupWrapCpu  cpu,
                                                   const char        *label);
/* @data_file: where @data was read from (kept so that JSON export can
 * refer to the file instead of writing the secret inline). */
OsspBackupEntry   *ossp_backup_entry_new_with_file (guint32           offset,
                                                   GBytes            *data,
                                                   const char        *data_file,
                                                   gboolean           wrap,
                                                   OsspBackupWrapCpu  cpu,
                                                   const char        *label);

guint32            ossp_backup_entry_get_offset   (OsspBackupEntry   *self);
GBytes            *ossp_backup_entry_get_data     (OsspBackupEntry   *self);
gsize              ossp_backup_entry_get_length   (OsspBackupEntry   *self);
/* first byte after the entry, as 64 bits so that it never wraps */
guint64            ossp_backup_entry_get_end      (OsspBackupEntry   *self);
gboolean           ossp_backup_entry_get_wrap     (OsspBackupEntry   *self);
OsspBackupWrapCpu  ossp_backup_entry_get_cpu      (OsspBackupEntry   *self);
const char        *ossp_backup_entry_get_label    (OsspBackupEntry   *self);
const char        *ossp_backup_entry_get_data_file (OsspBackupEntry  *self);
/* the u32 flags word of the OSBK entry */
guint32            ossp_backup_entry_get_flags    (OsspBackupEntry   *self);

/* Only a 128- or 256-bit AES key can be wrapped with a HUK. */
gboolean           ossp_backup_length_can_wrap    (gsize              length);

/* "none", "a35", "m33" (JSON and CLI spelling) */
const char        *ossp_backup_wrap_cpu_to_string (OsspBackupWrapCpu  cpu);
/* a sentence for people: "Cortex-A35 HUK (TDCID1)" */
const char        *ossp_backup_wrap_cpu_describe  (OsspBackupWrapCpu  cpu);
/* accepts none, a35, m33, tdcid1, tdcid2, cortex-a35, cortex-m33 (any case) */
gboolean           ossp_backup_wrap_cpu_from_string (const char       *text,
                                                   OsspBackupWrapCpu *out_cpu);

/* Backup data may be a key: a GBytes whose copy of @data is wiped when
 * the last reference goes. */
GBytes            *ossp_backup_secure_bytes_new   (const guint8      *data,
                                                   gsize              length);

/* Hex text (ossp_hex_decode syntax) into wiped bytes; "" gives empty
 * bytes, not a failure, so that the length rule can explain it. */
GBytes            *ossp_backup_bytes_from_hex     (const char        *hex,
                                                   GError           **error);

G_END_DECLS
