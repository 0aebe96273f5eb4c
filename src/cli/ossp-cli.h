/* ossp-cli.h — shared plumbing of the `openssp` command-line tool
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <openssp.h>

G_BEGIN_DECLS

typedef struct {
  gboolean    json;      /* --json: results and failures as JSON on stdout */
  gboolean    yes;       /* --yes: confirm irreversible steps without asking */
  gboolean    quiet;
  const char *prog;      /* "openssp keys generate", for messages */
  OsspProject *project;  /* --project FILE, loaded by ossp_cli_parse_options */
} OsspCli;

typedef int (*OsspCliVerbFunc) (OsspCli *cli, int argc, char **argv);

typedef struct {
  const char      *name;
  OsspCliVerbFunc  run;
  const char      *summary;
} OsspCliVerb;

/* One line per verb group: each lives in its own ossp-cli-<group>.c */
int ossp_cli_chip      (OsspCli *cli, int argc, char **argv);
int ossp_cli_audit     (OsspCli *cli, int argc, char **argv);
int ossp_cli_provision (OsspCli *cli, int argc, char **argv);
int ossp_cli_sim_chip  (OsspCli *cli, int argc, char **argv);
int ossp_cli_hsm       (OsspCli *cli, int argc, char **argv);
int ossp_cli_image     (OsspCli *cli, int argc, char **argv);
int ossp_cli_payload   (OsspCli *cli, int argc, char **argv);
int ossp_cli_otp       (OsspCli *cli, int argc, char **argv);
int ossp_cli_keys      (OsspCli *cli, int argc, char **argv);
int ossp_cli_random    (OsspCli *cli, int argc, char **argv);
/* KeyGen_CLI's own spelling (-abs DIR -pwd P… -n N, -rand N FILE): */
gboolean ossp_cli_is_keygen_option (const char *arg);
int ossp_cli_keygen_compat (OsspCli *cli, int argc, char **argv);
int ossp_cli_backup    (OsspCli *cli, int argc, char **argv);
int ossp_cli_explain   (OsspCli *cli, int argc, char **argv);
int ossp_cli_project   (OsspCli *cli, int argc, char **argv);
int ossp_cli_doctor    (OsspCli *cli, int argc, char **argv);

/* Exit codes (docs/cli.md): 0 success, 2 usage, otherwise
 * ossp_error_exit_code() of the failure. */
#define OSSP_EXIT_OK 0
#define OSSP_EXIT_USAGE 2

/* Parse options of one sub-command; prints usage errors itself.
 * Every command also takes --project FILE: the project is loaded into
 * cli->project and the options and positional arguments the command line
 * left out are filled from it (the table in ossp-cli.c, docs/project.md);
 * what the command line gives always wins. */
gboolean   ossp_cli_parse_options   (OsspCli        *cli,
                                     const char     *command,
                                     const char     *parameter_string,
                                     const char     *summary,
                                     GOptionEntry   *entries,
                                     int            *argc,
                                     char         ***argv,
                                     int            *exit_code);
int        ossp_cli_usage_error     (OsspCli        *cli,
                                     const char     *format,
                                     ...) G_GNUC_PRINTF (2, 3);
int        ossp_cli_fail            (OsspCli        *cli,
                                     const GError   *error);
int        ossp_cli_fail_with_details (OsspCli      *cli,
                                     const GError   *error,
                                     JsonNode       *details);
void       ossp_cli_print_json      (OsspCli        *cli,
                                     JsonNode       *node);
void       ossp_cli_print_builder   (OsspCli        *cli,
                                     JsonBuilder    *builder);
void       ossp_cli_warn            (OsspCli        *cli,
                                     const char     *format,
                                     ...) G_GNUC_PRINTF (2, 3);
void       ossp_cli_message         (OsspCli        *cli,
                                     const char     *format,
                                     ...) G_GNUC_PRINTF (2, 3);

/* Passwords: --password-file, --password-env, or a prompt without echo.
 * Never a plain argument. Returned in wiped memory (ossp_secure_strfree). */
char      *ossp_cli_read_password   (OsspCli        *cli,
                                     const char     *password_file,
                                     const char     *password_env,
                                     const char     *prompt,
                                     gboolean        confirm,
                                     GError        **error);

/* Irreversible actions: prints nothing itself; asks the user to type
 * @typed_word unless --yes. Fails with OSSP_ERROR_NOT_CONFIRMED. */
gboolean   ossp_cli_confirm         (OsspCli        *cli,
                                     const char     *question,
                                     const char     *typed_word,
                                     GError        **error);

G_END_DECLS
