/* ossp-cli.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <fcntl.h>

#include "ossp-cli.h"

gboolean
ossp_cli_parse_options (OsspCli        *cli,
                        const char     *command,
                        const char     *parameter_string,
                        const char     *summary,
                        GOptionEntry   *entries,
                        int            *argc,
                        char         ***argv,
                        int            *exit_code)
{
  g_autoptr(GOptionContext) context = g_option_context_new (parameter_string);
  g_autoptr(GError) error = NULL;
  g_autofree char *prgname = g_strdup_printf ("openssp %s", command);

  g_set_prgname (prgname);
  g_option_context_set_summary (context, summary);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      g_autoptr(GError) usage = g_error_new (OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                                             "%s (see 'openssp %s --help')", error->message, command);
      ossp_cli_fail (cli, usage);
      *exit_code = OSSP_EXIT_USAGE;
      return FALSE;
    }
  return TRUE;
}

int
ossp_cli_usage_error (OsspCli    *cli,
                      const char *format,
                      ...)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  error = g_error_new_literal (OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT, message);
  ossp_cli_fail (cli, error);
  return OSSP_EXIT_USAGE;
}

void
ossp_cli_print_json (OsspCli  *cli,
                     JsonNode *node)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_pretty (gen, TRUE);
  json_generator_set_root (gen, node);
  text = json_generator_to_data (gen, NULL);
  g_print ("%s\n", text);
}

void
ossp_cli_print_builder (OsspCli     *cli,
                        JsonBuilder *builder)
{
  g_autoptr(JsonNode) node = json_builder_get_root (builder);
  ossp_cli_print_json (cli, node);
}

int
ossp_cli_fail_with_details (OsspCli      *cli,
                            const GError *error,
                            JsonNode     *details)
{
  int exit_code = ossp_error_exit_code (error);

  if (cli->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "error");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "code");
      json_builder_add_string_value (b, error->domain == OSSP_ERROR
                                        ? ossp_error_code_to_name (error->code) : "failed");
      json_builder_set_member_name (b, "exit_code");
      json_builder_add_int_value (b, exit_code);
      json_builder_set_member_name (b, "domain");
      json_builder_add_string_value (b, g_quark_to_string (error->domain));
      json_builder_set_member_name (b, "message");
      json_builder_add_string_value (b, error->message);
      json_builder_set_member_name (b, "details");
      if (details != NULL)
        json_builder_add_value (b, json_node_copy (details));
      else
        {
          json_builder_begin_array (b);
          json_builder_end_array (b);
        }
      json_builder_end_object (b);
      json_builder_end_object (b);
      ossp_cli_print_builder (cli, b);
    }
  else
    {
      g_printerr ("openssp: error: %s\n", error->message);
      if (details != NULL && JSON_NODE_HOLDS_ARRAY (details))
        {
          JsonArray *arr = json_node_get_array (details);
          for (guint i = 0; i < json_array_get_length (arr); i++)
            {
              JsonNode *d = json_array_get_element (arr, i);
              if (JSON_NODE_HOLDS_OBJECT (d))
                {
                  JsonObject *o = json_node_get_object (d);
                  const char *msg = json_object_get_string_member_with_default (o, "message", "");
                  const char *where = json_object_get_string_member_with_default (o, "where", NULL);
                  const char *sev = json_object_get_string_member_with_default (o, "severity", "error");
                  if (where)
                    g_printerr ("  %s: %s: %s\n", sev, where, msg);
                  else
                    g_printerr ("  %s: %s\n", sev, msg);
                }
            }
        }
    }
  return exit_code;
}

int
ossp_cli_fail (OsspCli      *cli,
               const GError *error)
{
  return ossp_cli_fail_with_details (cli, error, NULL);
}

void
ossp_cli_warn (OsspCli    *cli,
               const char *format,
               ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("openssp: warning: %s\n", message);
}

/* Human-facing progress text goes to stderr in JSON mode so that stdout
 * stays one parseable document. */
void
ossp_cli_message (OsspCli    *cli,
                  const char *format,
                  ...)
{
  g_autofree char *message = NULL;
  va_list args;

  if (cli->quiet)
    return;
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  if (cli->json)
    g_printerr ("%s\n", message);
  else
    g_print ("%s\n", message);
}

static char *
prompt_no_echo (const char  *prompt,
                GError     **error)
{
  struct termios old_tio, new_tio;
  char buf[1024];
  char *result;
  gsize len;
  FILE *tty;
  gboolean ok;

  tty = fopen ("/dev/tty", "r+e");
  if (tty == NULL)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "A password is needed but there is no terminal to ask on; "
                   "use --password-file FILE or --password-env VARIABLE");
      return NULL;
    }
  /* unbuffered: stdio's own read buffer would keep the typed password and be
   * freed by fclose() without a wipe */
  setvbuf (tty, NULL, _IONBF, 0);
  fprintf (tty, "%s", prompt);
  fflush (tty);
  tcgetattr (fileno (tty), &old_tio);
  new_tio = old_tio;
  new_tio.c_lflag &= ~(tcflag_t) ECHO;
  tcsetattr (fileno (tty), TCSAFLUSH, &new_tio);
  ok = fgets (buf, sizeof buf, tty) != NULL;
  tcsetattr (fileno (tty), TCSAFLUSH, &old_tio);
  fprintf (tty, "\n");
  fclose (tty);
  if (!ok)
    {
      ossp_secure_wipe (buf, sizeof buf);
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_CANCELLED, "No password was entered");
      return NULL;
    }
  len = strcspn (buf, "\r\n");
  buf[len] = 0;
  result = ossp_secure_strdup (buf);
  ossp_secure_wipe (buf, sizeof buf);
  return result;
}

char *
ossp_cli_read_password (OsspCli     *cli,
                        const char  *password_file,
                        const char  *password_env,
                        const char  *prompt,
                        gboolean     confirm,
                        GError     **error)
{
  if (password_file != NULL && password_env != NULL)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "Give either --password-file or --password-env, not both");
      return NULL;
    }
  if (password_file != NULL)
    {
      g_autoptr(OsspSecret) secret = ossp_secret_new_from_file (password_file, 0, error);
      gsize len;
      char *pw;
      if (secret == NULL)
        return NULL;
      /* one trailing newline is what `echo pw > file` leaves; drop it */
      len = secret->len;
      while (len > 0 && (secret->data[len - 1] == '\n' || secret->data[len - 1] == '\r'))
        len--;
      if (memchr (secret->data, 0, len) != NULL)
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                       "Password file %s contains a NUL byte", password_file);
          return NULL;
        }
      pw = ossp_secure_alloc (len + 1);
      memcpy (pw, secret->data, len);
      pw[len] = 0;
      return pw;
    }
  if (password_env != NULL)
    {
      const char *value = g_getenv (password_env);
      if (value == NULL)
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                       "Environment variable %s (from --password-env) is not set", password_env);
          return NULL;
        }
      return ossp_secure_strdup (value);
    }
  {
    char *first = prompt_no_echo (prompt, error);
    char *second;
    if (first == NULL || !confirm)
      return first;
    second = prompt_no_echo ("Repeat the password: ", error);
    if (second == NULL)
      {
        ossp_secure_strfree (first);
        return NULL;
      }
    if (strcmp (first, second) != 0)
      {
        ossp_secure_strfree (first);
        ossp_secure_strfree (second);
        g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT, "The two passwords differ");
        return NULL;
      }
    ossp_secure_strfree (second);
    return first;
  }
}

gboolean
ossp_cli_confirm (OsspCli     *cli,
                  const char  *question,
                  const char  *typed_word,
                  GError     **error)
{
  char buf[256];
  FILE *tty;
  gboolean ok;

  if (cli->yes)
    return TRUE;
  tty = fopen ("/dev/tty", "r+e");
  if (tty == NULL || !isatty (fileno (tty)))
    {
      if (tty)
        fclose (tty);
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_NOT_CONFIRMED,
                   "%s needs confirmation, and there is no terminal to ask on; "
                   "review the plan and add --yes to confirm it", question);
      return FALSE;
    }
  fprintf (tty, "%s\nType \"%s\" to continue: ", question, typed_word);
  fflush (tty);
  ok = fgets (buf, sizeof buf, tty) != NULL;
  fclose (tty);
  if (!ok || strncmp (buf, typed_word, strlen (typed_word)) != 0 ||
      (buf[strlen (typed_word)] != '\n' && buf[strlen (typed_word)] != 0))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_NOT_CONFIRMED,
                   "Not confirmed; nothing was changed");
      return FALSE;
    }
  return TRUE;
}
