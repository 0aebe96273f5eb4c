/* ossp-project-build.h — what `openssp project build` makes from a project,
 * in order, make-style (docs/project.md)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "ossp-project.h"

G_BEGIN_DECLS

typedef enum {
  OSSP_PROJECT_STEP_SECRET_FILE,   /* otp.list → otp.secret_file */
  OSSP_PROJECT_STEP_BACKUP,        /* backup[i].list → backup[i].file */
  OSSP_PROJECT_STEP_PAYLOAD,       /* payload.* → payload.output */
  OSSP_PROJECT_STEP_IMAGE,         /* image.input → image.output (signed) */
} OsspProjectStepKind;

typedef enum {
  OSSP_PROJECT_STEP_PENDING,        /* planned, not looked at yet */
  OSSP_PROJECT_STEP_OUT_OF_DATE,    /* to build; reason says why */
  OSSP_PROJECT_STEP_UP_TO_DATE,     /* skipped: output newer than every input */
  OSSP_PROJECT_STEP_BUILT,
  OSSP_PROJECT_STEP_FAILED,
  OSSP_PROJECT_STEP_NOT_CONFIGURED, /* the project does not ask for it */
} OsspProjectStepState;

typedef struct {
  OsspProjectStepKind   kind;
  char                 *name;      /* "secret-file", "backup[0]", "payload", "image" */
  char                 *where;     /* JSON path of the output: "$.otp.secret_file" */
  guint                 index;     /* backup[] index */
  char                 *output;    /* absolute, NULL when not configured */
  GPtrArray            *inputs;    /* absolute paths (char *) */
  OsspProjectStepState  state;
  char                 *reason;    /* why it is (not) built, for people */
  gint64                elapsed_usec;
} OsspProjectStep;

void        ossp_project_step_free          (OsspProjectStep      *step);
const char *ossp_project_step_state_to_string (OsspProjectStepState state);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OsspProjectStep, ossp_project_step_free)

/* The steps in build order: secret file, backup files, payload, signed
 * image. Steps the project does not configure are listed too
 * (NOT_CONFIGURED) so a report shows the whole chain. */
GPtrArray  *ossp_project_build_plan         (OsspProject          *project);
/* Looks at the files now (earlier steps may just have rewritten an input):
 * OUT_OF_DATE when the output is missing, older than an input, or @force;
 * else UP_TO_DATE. Leaves NOT_CONFIGURED as it is. */
void        ossp_project_step_check         (OsspProjectStep      *step,
                                             gboolean              force);
/* Builds one step, replacing its output atomically (secrets 0600). */
gboolean    ossp_project_step_run           (OsspProject          *project,
                                             OsspProjectStep      *step,
                                             GCancellable         *cancellable,
                                             GError              **error);

/* MP1 RMA password for the payload: payload.rma_file (a text file holding
 * one number, 0x… or decimal), else the RMA word of the OTP list
 * (otp.list). Returns FALSE with @error on a bad file; *found says
 * whether either gave one. */
gboolean    ossp_project_get_rma            (OsspProject          *project,
                                             guint32              *rma,
                                             gboolean             *found,
                                             GError              **error);
/* MP13/MP25: publicKey00.pem… of keys.folder in key-index order, for the
 * v2 image header's key table; NULL for MP15 or without a keys folder */
char      **ossp_project_get_public_key_table (OsspProject        *project);
/* image.password_file, else keys.password_file */
char       *ossp_project_get_image_password_file (OsspProject     *project);
/* payload.secret_file, else otp.secret_file (absolute, or NULL) */
char       *ossp_project_get_payload_secret (OsspProject          *project);

G_END_DECLS
