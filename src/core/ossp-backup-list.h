/* ossp-backup-list.h — MP2 backup-memory list (TAMP registers or BKPSRAM)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "ossp-backup-entry.h"
#include "ossp-chip.h"
#include "ossp-util.h"

G_BEGIN_DECLS

/* OSBK v1 (payload.md §5.2, docs/formats/backup-file.md) */
#define OSSP_BACKUP_FILE_MAGIC        "OSBK"
#define OSSP_BACKUP_FILE_VERSION      1
#define OSSP_BACKUP_FILE_HEADER_SIZE  16
#define OSSP_BACKUP_ENTRY_HEADER_SIZE 16
#define OSSP_BACKUP_KIND_TAMP         1
#define OSSP_BACKUP_KIND_BKPSRAM      2
/* JSON list (docs/formats/backup.json.md) */
#define OSSP_BACKUP_JSON_FORMAT       "openssp-backup-list"
#define OSSP_BACKUP_JSON_VERSION      1

typedef enum {
  OSSP_BACKUP_SEVERITY_ERROR,
  OSSP_BACKUP_SEVERITY_WARNING,
} OsspBackupSeverity;

/* One broken rule. @index is the entry (position in the list, in the JSON
 * "entries" array or in the file), or -1 for the list itself; @field names
 * the member ("offset", "data", "wrap", "cpu", "label", "base", "memory",
 * "version", …). */
typedef struct {
  int                 index;
  char               *field;
  OsspBackupSeverity  severity;
  char               *message;
} OsspBackupProblem;

void        ossp_backup_problem_free        (OsspBackupProblem *problem);
/* "entries[3].offset" or "base" */
char       *ossp_backup_problem_get_where   (const OsspBackupProblem *problem);
GPtrArray  *ossp_backup_problems_new        (void);
guint       ossp_backup_problems_count_errors (GPtrArray       *problems);
/* [{where, index, field, severity, message}] for `--json` details */
JsonNode   *ossp_backup_problems_to_json    (GPtrArray         *problems);

#define OSSP_TYPE_BACKUP_LIST (ossp_backup_list_get_type ())
G_DECLARE_FINAL_TYPE (OsspBackupList, ossp_backup_list, OSSP, BACKUP_LIST, GObject)

/* The list is a GListModel of OsspBackupEntry, always sorted by offset,
 * and always valid: add/replace refuse an entry that breaks a rule, so
 * that what the user sees can always be built. */
OsspBackupList *ossp_backup_list_new        (OsspChip          *chip,
                                             const char        *memory_kind,
                                             GError           **error);

OsspChip   *ossp_backup_list_get_chip       (OsspBackupList    *self);
const char *ossp_backup_list_get_memory_kind (OsspBackupList   *self);
const OsspBackupMemoryInfo *ossp_backup_list_get_memory (OsspBackupList *self);
/* Fails (nothing changed) when an entry does not fit the new memory;
 * the base becomes the new memory's first base. */
gboolean    ossp_backup_list_set_memory_kind (OsspBackupList   *self,
                                             const char        *memory_kind,
                                             GError           **error);
guint32     ossp_backup_list_get_base       (OsspBackupList    *self);
gboolean    ossp_backup_list_set_base       (OsspBackupList    *self,
                                             guint32            base,
                                             GError           **error);

guint       ossp_backup_list_get_n_entries  (OsspBackupList    *self);
OsspBackupEntry *ossp_backup_list_get_entry (OsspBackupList    *self,
                                             guint              position);
gboolean    ossp_backup_list_add            (OsspBackupList    *self,
                                             guint32            offset,
                                             GBytes            *data,
                                             gboolean           wrap,
                                             OsspBackupWrapCpu  cpu,
                                             const char        *label,
                                             GError           **error);
/* On success *out_position (may be NULL) is where the entry landed. */
gboolean    ossp_backup_list_add_entry      (OsspBackupList    *self,
                                             OsspBackupEntry   *entry,
                                             guint             *out_position,
                                             GError           **error);
gboolean    ossp_backup_list_replace_entry  (OsspBackupList    *self,
                                             guint              position,
                                             OsspBackupEntry   *entry,
                                             guint             *out_position,
                                             GError           **error);
gboolean    ossp_backup_list_remove         (OsspBackupList    *self,
                                             guint              position);
void        ossp_backup_list_clear          (OsspBackupList    *self);

/* Problems @entry would have in this list, without changing it; pass the
 * position it replaces, or -1 for a new entry. For live feedback. */
GPtrArray  *ossp_backup_list_check_entry    (OsspBackupList    *self,
                                             OsspBackupEntry   *entry,
                                             int                replace_position);
/* Every problem of the whole list (the base, each entry, overlaps),
 * errors and warnings (an empty list is a warning). */
GPtrArray  *ossp_backup_list_validate       (OsspBackupList    *self);
/* First 4-aligned offset after the last entry, or G_MAXUINT32 if full. */
guint32     ossp_backup_list_get_next_offset (OsspBackupList   *self);
gsize       ossp_backup_list_get_used_bytes (OsspBackupList    *self);

/* The OSBK v1 backup file (payload.md §5.2). */
GBytes     *ossp_backup_list_to_bytes       (OsspBackupList    *self,
                                             GError           **error);
OsspBackupList *ossp_backup_list_new_from_bytes (OsspChip      *chip,
                                             GBytes            *bytes,
                                             GError           **error);
/* Same, and every rule a well-formed file breaks lands in *problems. */
OsspBackupList *ossp_backup_list_new_from_bytes_full (OsspChip *chip,
                                             GBytes            *bytes,
                                             GPtrArray        **problems,
                                             GError           **error);
/* Always written 0600: backup data may hold keys. */
gboolean    ossp_backup_list_save           (OsspBackupList    *self,
                                             const char        *path,
                                             OsspWriteFlags     flags,
                                             GError           **error);
OsspBackupList *ossp_backup_list_load       (OsspChip          *chip,
                                             const char        *path,
                                             GError           **error);
OsspBackupList *ossp_backup_list_load_full  (OsspChip          *chip,
                                             const char        *path,
                                             GPtrArray        **problems,
                                             GError           **error);

/* The JSON list (docs/formats/backup.json.md). Entries read from a file
 * are written as "data_file" (relative to @relative_to_dir when the file
 * lies below it), others as "hex". */
JsonNode   *ossp_backup_list_to_json        (OsspBackupList    *self);
JsonNode   *ossp_backup_list_to_json_full   (OsspBackupList    *self,
                                             const char        *relative_to_dir,
                                             gboolean           inline_data);
/* Imports all or nothing: on any error returns NULL, with every problem
 * (index, field, why) in *problems. "data_file" paths are relative to
 * @base_dir (NULL: the current folder). @chip may be NULL: then the
 * list's "chip" member chooses it. */
OsspBackupList *ossp_backup_list_new_from_json (OsspChip       *chip,
                                             JsonNode          *node,
                                             const char        *base_dir,
                                             GPtrArray        **problems,
                                             GError           **error);
OsspBackupList *ossp_backup_list_load_json  (OsspChip          *chip,
                                             const char        *path,
                                             GPtrArray        **problems,
                                             GError           **error);
gboolean    ossp_backup_list_save_json      (OsspBackupList    *self,
                                             const char        *path,
                                             OsspWriteFlags     flags,
                                             GError           **error);

G_END_DECLS
