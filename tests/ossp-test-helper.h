/* ossp-test-helper.h — temp dirs and running the CLI from tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <openssp.h>

G_BEGIN_DECLS

typedef struct {
  int    exit_status;
  char  *out;
  char  *err;
} OsspTestRun;

/* A fresh temp dir, removed (recursively) at the end of the test. */
char        *ossp_test_make_tmpdir (void);
/* Runs the openssp CLI ($OPENSSP_CLI) with NULL-terminated args; stdin from
 * @input (may be NULL). */
OsspTestRun *ossp_test_run_cli     (const char *input,
                                    ...) G_GNUC_NULL_TERMINATED;
OsspTestRun *ossp_test_run_cliv    (const char *input,
                                    const char * const *args);
void         ossp_test_run_free    (OsspTestRun *run);
/* Parses run->out as JSON and returns its root (owned by the caller). */
JsonNode    *ossp_test_run_json    (OsspTestRun *run);
char        *ossp_test_data_path   (const char *name);
gboolean     ossp_test_have_program (const char *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OsspTestRun, ossp_test_run_free)

G_END_DECLS
