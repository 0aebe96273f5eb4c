/* ossp-project.h — the versioned project file (*.openssp)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define OSSP_PROJECT_FORMAT_VERSION 1

typedef enum {
  OSSP_PROJECT_SEVERITY_ERROR,
  OSSP_PROJECT_SEVERITY_WARNING,
  OSSP_PROJECT_SEVERITY_INFO,
} OsspProjectSeverity;

typedef struct {
  char                *where;     /* JSON path, e.g. "$.payload.key" */
  OsspProjectSeverity  severity;
  char                *message;
} OsspProjectProblem;

void ossp_project_problem_free (OsspProjectProblem *problem);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OsspProjectProblem, ossp_project_problem_free)

#define OSSP_TYPE_PROJECT (ossp_project_get_type ())
G_DECLARE_FINAL_TYPE (OsspProject, ossp_project, OSSP, PROJECT, GObject)

OsspProject *ossp_project_new            (const char   *chip_id);
/* Opens what it can: problems (missing files, wrong chip, migrations done)
 * go to @problems; only an unreadable or newer-version file fails. */
OsspProject *ossp_project_load           (const char   *path,
                                          GPtrArray   **problems,
                                          GError      **error);
OsspProject *ossp_project_new_from_data  (const char   *data,
                                          gssize        len,
                                          const char   *base_dir,
                                          GPtrArray   **problems,
                                          GError      **error);
gboolean     ossp_project_save           (OsspProject  *self,
                                          const char   *path,
                                          GError      **error);
char        *ossp_project_to_data        (OsspProject  *self);

const char  *ossp_project_get_file      (OsspProject  *self);
gboolean     ossp_project_get_modified  (OsspProject  *self);
const char  *ossp_project_get_chip_id   (OsspProject  *self);
void         ossp_project_set_chip_id   (OsspProject  *self,
                                          const char   *chip_id);

/* Keys are dotted names from the schema (docs/formats/project.md), e.g.
 * "payload.key". Paths are stored relative to the project file where
 * possible and returned absolute. */
char        *ossp_project_get_path       (OsspProject  *self,
                                          const char   *key);
void         ossp_project_set_path       (OsspProject  *self,
                                          const char   *key,
                                          const char   *path);
const char  *ossp_project_get_string     (OsspProject  *self,
                                          const char   *key);
void         ossp_project_set_string     (OsspProject  *self,
                                          const char   *key,
                                          const char   *value);
gint64       ossp_project_get_int        (OsspProject  *self,
                                          const char   *key,
                                          gint64        default_value);
void         ossp_project_set_int        (OsspProject  *self,
                                          const char   *key,
                                          gint64        value);
gboolean     ossp_project_has            (OsspProject  *self,
                                          const char   *key);
void         ossp_project_unset          (OsspProject  *self,
                                          const char   *key);

/* Backup memory lists: an array of {list, file, base}. */
guint        ossp_project_get_n_backups  (OsspProject  *self);
char        *ossp_project_get_backup_path (OsspProject *self,
                                          guint         index,
                                          const char   *member);
guint32      ossp_project_get_backup_base (OsspProject *self,
                                          guint         index);
void         ossp_project_add_backup     (OsspProject  *self,
                                          const char   *list_path,
                                          const char   *file_path,
                                          guint32       base);
void         ossp_project_clear_backups  (OsspProject  *self);
/* Replaces entry @index (or appends when @index is the number of entries);
 * NULL paths leave that member out. */
void         ossp_project_set_backup     (OsspProject  *self,
                                          guint         index,
                                          const char   *list_path,
                                          const char   *file_path,
                                          guint32       base);
void         ossp_project_remove_backup  (OsspProject  *self,
                                          guint         index);
/* The entry whose base lies in the chip's backup memory @kind ("tamp",
 * "bkpsram"), or -1. */
gint         ossp_project_find_backup    (OsspProject  *self,
                                          const char   *kind);

/* Every problem at once: types, unknown members, missing input files. */
GPtrArray   *ossp_project_check          (OsspProject  *self);

const char * const *ossp_project_list_keys (void);
/* what the schema says a key holds: a number, a path (else text) */
gboolean     ossp_project_key_is_int     (const char   *key);
gboolean     ossp_project_key_is_path    (const char   *key);

G_END_DECLS
