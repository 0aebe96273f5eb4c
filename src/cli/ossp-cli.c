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

/* --project FILE: where each command finds its inputs in a project.
 * @option is a long option name, or NULL for the first positional
 * argument; @n_positional is how many positional arguments the command
 * takes when all are given: the project value is added when fewer are
 * there and the first one (if any) is a number (a word, an index), so
 * `otp set --project p.openssp 60 0x1` means `otp set LIST 60 0x1`.
 * @keys: "a|b" takes b when a is not set. @unless: options (comma-separated)
 * that, when given, mean the command line has chosen already. */
typedef enum {
  FILL_PATH,            /* a path key, made absolute */
  FILL_STRING,
  FILL_INT,
  FILL_CHIP,
  FILL_RMA,             /* ossp_project_get_rma (), as text */
  FILL_BACKUP_LIST,     /* backup[].list of the project's only backup list */
  FILL_BACKUP_FILE,     /* backup[].file of the same */
  FILL_BACKUP_BASE,     /* backup[].base of the same */
  FILL_BACKUP_FILES,    /* every backup[].file (repeatable option) */
  FILL_BACKUP_BASES,    /* every matching backup[].base */
  FILL_PROJECT,         /* the --project file itself */
  FILL_KEY_TABLE,       /* MP13/MP25: keys.folder/publicKey00.pem… (repeatable option) */
  FILL_PKH,             /* MP15: keys.folder/publicKeyhash.bin */
  FILL_HSM,             /* "provider=key": the key, when hsm.provider is that provider */
  FILL_HSM_SPEC,        /* the HSM as `provision --hsm` spells it */
} FillKind;

/* an HSM is chosen by one of these; the project's only when none is given */
#define HSM_BACKEND "reader,slot,sim,command"

static const struct {
  const char *command;
  const char *option;
  FillKind    kind;
  const char *keys;
  guint       n_positional;
  const char *unless;       /* not when one of these options was given */
} project_inputs[] = {
  { "keys generate", "chip", FILL_CHIP },
  { "keys generate", "count", FILL_INT, "keys.count" },
  { "keys generate", "curve", FILL_STRING, "keys.curve" },
  { "keys generate", "out", FILL_PATH, "keys.folder" },
  { "keys generate", "password-file", FILL_PATH, "keys.password_file", 0, "password-env" },
  { "keys hash", "chip", FILL_CHIP },
  { "keys hash", NULL, FILL_PATH, "keys.public_key", 1 },
  { "keys hash", "password-file", FILL_PATH, "keys.password_file", 0, "password-env" },
  { "keys show", "chip", FILL_CHIP },
  { "keys show", NULL, FILL_PATH, "keys.folder", 1 },
  { "chip show", NULL, FILL_CHIP, NULL, 1 },
  { "otp new", "chip", FILL_CHIP },
  { "otp new", "out", FILL_PATH, "otp.list" },
  { "otp set", "file", FILL_PATH, "otp.list", 3 },
  { "otp unset", NULL, FILL_PATH, "otp.list", 2 },
  { "otp set-rma", NULL, FILL_PATH, "otp.list", 1 },
  { "otp set-pkhth", NULL, FILL_PATH, "otp.list", 1 },
  { "otp set-pkhth", "hash", FILL_PATH, "keys.pkh_table_hash" },
  { "otp set-key", NULL, FILL_PATH, "otp.list", 1 },
  { "otp list", "chip", FILL_CHIP },
  { "otp list", NULL, FILL_PATH, "otp.list", 1 },
  { "otp show", "chip", FILL_CHIP },
  { "otp show", NULL, FILL_PATH, "otp.secret_file", 1 },
  { "otp check", "chip", FILL_CHIP },
  { "otp check", NULL, FILL_PATH, "otp.list", 1 },
  { "otp build", "chip", FILL_CHIP },
  { "otp build", NULL, FILL_PATH, "otp.list", 1 },
  { "otp build", "out", FILL_PATH, "otp.secret_file" },
  { "otp export", "chip", FILL_CHIP },
  { "otp export", NULL, FILL_PATH, "otp.list", 1 },
  { "otp import", "chip", FILL_CHIP },
  { "otp import", NULL, FILL_PATH, "otp.secret_file", 1 },
  { "otp plan", "chip", FILL_CHIP },
  { "otp plan", NULL, FILL_PATH, "otp.list", 1 },
  { "backup new", "chip", FILL_CHIP },
  { "backup new", "out", FILL_BACKUP_LIST },
  { "backup new", "base", FILL_BACKUP_BASE },
  { "backup add", NULL, FILL_BACKUP_LIST, NULL, 1 },
  { "backup remove", NULL, FILL_BACKUP_LIST, NULL, 2 },
  { "backup list", NULL, FILL_BACKUP_LIST, NULL, 1 },
  { "backup check", NULL, FILL_BACKUP_LIST, NULL, 1 },
  { "backup build", NULL, FILL_BACKUP_LIST, NULL, 1 },
  { "backup build", "out", FILL_BACKUP_FILE },
  { "backup export", NULL, FILL_BACKUP_LIST, NULL, 1 },
  { "backup show", NULL, FILL_BACKUP_FILE, NULL, 1 },
  { "backup import", NULL, FILL_BACKUP_FILE, NULL, 1 },
  { "payload build", "chip", FILL_CHIP },
  { "payload build", "key", FILL_PATH, "payload.key" },
  { "payload build", "nonce", FILL_PATH, "payload.nonce" },
  { "payload build", "oem-pubkey", FILL_PATH, "payload.oem_public_key", 0, "pkhth" },
  { "payload build", "pkhth", FILL_PATH, "payload.pkh_table_hash", 0, "oem-pubkey" },
  { "payload build", "secret", FILL_PATH, "payload.secret_file|otp.secret_file" },
  { "payload build", "rma", FILL_RMA },
  { "payload build", "backup", FILL_BACKUP_FILES, NULL, 0, "base" },
  { "payload build", "base", FILL_BACKUP_BASES, NULL, 0, "backup" },
  { "payload build", "fsbl-min-version", FILL_INT, "payload.fsbl_min_version" },
  { "payload build", "out", FILL_PATH, "payload.output" },
  { "payload inspect", NULL, FILL_PATH, "payload.output", 1 },
  { "payload inspect", "key", FILL_PATH, "payload.key" },
  { "payload inspect", "nonce", FILL_PATH, "payload.nonce" },
  { "image sign", "chip", FILL_CHIP },
  { "image sign", "in", FILL_PATH, "image.input" },
  { "image sign", "out", FILL_PATH, "image.output" },
  { "image sign", "key", FILL_PATH, "image.private_key", 0, "pkcs11" },
  { "image sign", "pkcs11", FILL_STRING, "image.pkcs11_url", 0, "key" },
  { "image sign", "password-file", FILL_PATH, "image.password_file|keys.password_file", 0, "password-env" },
  { "image sign", "key-index", FILL_INT, "image.key_index" },
  { "image sign", "pubkey", FILL_KEY_TABLE },
  { "image build", "chip", FILL_CHIP },
  { "image inspect", NULL, FILL_PATH, "image.output", 1, "in" },
  { "image verify", "chip", FILL_CHIP },
  { "image verify", NULL, FILL_PATH, "image.output", 1, "in" },
  { "image verify", "pkh", FILL_PKH, NULL, 0, "otp-words" },
  { "image verify", "pkhth", FILL_PATH, "keys.pkh_table_hash", 0, "otp-words" },
  { "hsm info", "sim", FILL_HSM, "simulated=hsm.sim_state", 0, HSM_BACKEND },
  { "hsm info", "reader", FILL_HSM, "pcsc=hsm.reader", 0, HSM_BACKEND },
  { "hsm info", "slot", FILL_HSM, "pcsc=hsm.slot", 0, HSM_BACKEND },
  { "hsm provision", "sim", FILL_HSM, "simulated=hsm.sim_state", 0, HSM_BACKEND },
  { "hsm provision", "reader", FILL_HSM, "pcsc=hsm.reader", 0, HSM_BACKEND },
  { "hsm provision", "slot", FILL_HSM, "pcsc=hsm.slot", 0, HSM_BACKEND },
  { "hsm license", "sim", FILL_HSM, "simulated=hsm.sim_state", 0, HSM_BACKEND },
  { "hsm license", "reader", FILL_HSM, "pcsc=hsm.reader", 0, HSM_BACKEND },
  { "hsm license", "slot", FILL_HSM, "pcsc=hsm.slot", 0, HSM_BACKEND },
  { "hsm license", "command", FILL_HSM, "command=hsm.command", 0, HSM_BACKEND },
  { "hsm provision", "perso", FILL_PATH, "hsm.perso_file" },
  { "hsm provision", "key", FILL_PATH, "payload.key" },
  { "hsm provision", "nonce", FILL_PATH, "payload.nonce" },
  { "hsm provision", "firmware-id", FILL_STRING, "hsm.firmware_id" },
  { "hsm provision", "max", FILL_INT, "hsm.max_licenses" },
  { "hsm provision", "fsbl-min-version", FILL_INT, "payload.fsbl_min_version" },
  { "hsm perso-info", NULL, FILL_PATH, "hsm.perso_file", 1 },
  { "provision", "port", FILL_STRING, "provision.port", 0, "devices" },
  { "provision", "ssp", FILL_PATH, "provision.payload|payload.output" },
  { "provision", "firmware", FILL_PATH, "provision.firmware|image.output" },
  { "provision", "hsm", FILL_HSM_SPEC, NULL, 0, "hsm,hsm-reader,hsm-slot,hsm-sim,license-command" },
  { "provision", "audit", FILL_PATH, "provision.audit_log" },
  { "provision", "key", FILL_PATH, "payload.key" },
  { "provision", "nonce", FILL_PATH, "payload.nonce" },
  { "audit verify", NULL, FILL_PATH, "provision.audit_log", 1 },
  { "audit show", NULL, FILL_PATH, "provision.audit_log", 1 },
  { "doctor", NULL, FILL_PROJECT, NULL, 0 },      /* checks the project itself */
  { "project check", NULL, FILL_PROJECT, NULL, 1 },
  { "project show", NULL, FILL_PROJECT, NULL, 1 },
  { "project build", NULL, FILL_PROJECT, NULL, 1 },
  { "project set", NULL, FILL_PROJECT, NULL, 3 },
};

/* strings handed to a command's argv live until the process ends */
static GPtrArray *cli_keep_alive;

static const char *
keep (char *str)
{
  if (cli_keep_alive == NULL)
    cli_keep_alive = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (cli_keep_alive, str);
  return str;
}

/* Which options the user gave, read before GOption consumes them. */
static GHashTable *
given_options (GOptionEntry *entries,
               int           argc,
               char        **argv)
{
  GHashTable *given = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (int i = 1; i < argc; i++)
    {
      const char *arg = argv[i];
      if (g_str_equal (arg, "--"))
        break;
      if (g_str_has_prefix (arg, "--"))
        g_hash_table_add (given, g_strndup (arg + 2, strcspn (arg + 2, "=")));
      else if (arg[0] == '-' && arg[1] != 0)
        for (const char *c = arg + 1; *c; c++)
          for (GOptionEntry *e = entries; e->long_name; e++)
            if (e->short_name == *c)
              g_hash_table_add (given, g_strdup (e->long_name));
    }
  return given;
}

static GOptionEntry *
find_entry (GOptionEntry *entries,
            const char   *name)
{
  for (GOptionEntry *e = entries; e->long_name; e++)
    if (g_str_equal (e->long_name, name))
      return e;
  return NULL;
}

static gboolean
first_positional_is_number (int argc, char **argv)
{
  return argc < 2 || g_ascii_isdigit (argv[1][0]);
}

/* the project's one backup list, or an error naming the choice to make */
static gboolean
single_backup (OsspProject  *project,
               guint        *index,
               GError      **error)
{
  guint n = ossp_project_get_n_backups (project);

  if (n == 1)
    {
      *index = 0;
      return TRUE;
    }
  if (n == 0)
    g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                 "The project has no backup list ($.backup is empty); name the file on the command line");
  else
    g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                 "The project has %u backup lists ($.backup[0..%u]); name the one to use on the "
                 "command line", n, n - 1);
  return FALSE;
}

/* The text for one table row, or NULL when the project has nothing. */
static char *
project_value (OsspCli     *cli,
               FillKind     kind,
               const char  *keys,
               GError     **error)
{
  OsspProject *project = cli->project;
  guint index;

  switch (kind)
    {
    case FILL_CHIP:
      return g_strdup (ossp_project_get_chip_id (project));
    case FILL_PROJECT:
      return g_strdup (ossp_project_get_file (project));
    case FILL_PATH:
    case FILL_STRING:
    case FILL_INT:
      {
        g_auto(GStrv) alternatives = g_strsplit (keys, "|", -1);
        for (guint i = 0; alternatives[i]; i++)
          if (ossp_project_has (project, alternatives[i]))
            {
              if (kind == FILL_PATH)
                return ossp_project_get_path (project, alternatives[i]);
              if (kind == FILL_STRING)
                return g_strdup (ossp_project_get_string (project, alternatives[i]));
              return g_strdup_printf ("%" G_GINT64_FORMAT, ossp_project_get_int (project, alternatives[i], 0));
            }
        return NULL;
      }
    case FILL_RMA:
      {
        guint32 rma = 0;
        gboolean found = FALSE;
        if (!ossp_project_get_rma (project, &rma, &found, error) || !found)
          return NULL;
        return g_strdup_printf ("0x%08X", rma);
      }
    case FILL_BACKUP_LIST:
    case FILL_BACKUP_FILE:
      if (ossp_project_get_n_backups (project) == 0)
        return NULL;
      if (!single_backup (project, &index, error))
        return NULL;
      return ossp_project_get_backup_path (project, index, kind == FILL_BACKUP_LIST ? "list" : "file");
    case FILL_HSM:
      {
        const char *eq = strchr (keys, '=');
        g_autofree char *provider = g_strndup (keys, (gsize) (eq - keys));
        const char *key = eq + 1;
        if (g_strcmp0 (ossp_project_get_string (project, "hsm.provider"), provider) != 0 ||
            !ossp_project_has (project, key))
          return NULL;
        if (ossp_project_key_is_path (key))
          return ossp_project_get_path (project, key);
        if (ossp_project_key_is_int (key))
          return g_strdup_printf ("%" G_GINT64_FORMAT, ossp_project_get_int (project, key, 0));
        return g_strdup (ossp_project_get_string (project, key));
      }
    case FILL_HSM_SPEC:
      {
        const char *provider = ossp_project_get_string (project, "hsm.provider");
        if (g_strcmp0 (provider, "simulated") == 0 && ossp_project_has (project, "hsm.sim_state"))
          {
            g_autofree char *state = ossp_project_get_path (project, "hsm.sim_state");
            return g_strdup_printf ("sim:%s", state);
          }
        if (g_strcmp0 (provider, "command") == 0 && ossp_project_has (project, "hsm.command"))
          return g_strdup_printf ("cmd:%s", ossp_project_get_string (project, "hsm.command"));
        if (g_strcmp0 (provider, "pcsc") == 0)
          {
            if (ossp_project_has (project, "hsm.reader"))
              return g_strdup_printf ("pcsc:%s", ossp_project_get_string (project, "hsm.reader"));
            if (ossp_project_has (project, "hsm.slot"))
              return g_strdup_printf ("pcsc:%" G_GINT64_FORMAT, ossp_project_get_int (project, "hsm.slot", 0));
            return g_strdup ("pcsc");
          }
        return NULL;
      }
    case FILL_PKH:
      {
        g_autoptr(OsspChip) chip = ossp_chip_new (ossp_project_get_chip_id (project), NULL);
        g_autofree char *folder = ossp_project_get_path (project, "keys.folder");
        g_autofree char *pkh = folder ? g_build_filename (folder, "publicKeyhash.bin", NULL) : NULL;
        if (chip == NULL || ossp_chip_uses_pkh_table (chip) || pkh == NULL ||
            !g_file_test (pkh, G_FILE_TEST_EXISTS))
          return NULL;
        return g_steal_pointer (&pkh);
      }
    case FILL_BACKUP_BASE:
      if (ossp_project_get_n_backups (project) == 0)
        return NULL;
      if (!single_backup (project, &index, error))
        return NULL;
      return g_strdup_printf ("0x%08X", ossp_project_get_backup_base (project, index));
    default:
      return NULL;
    }
}

static gboolean
fill_array (OsspCli       *cli,
                    GOptionEntry  *entry,
                    FillKind       kind,
                    GString       *note)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  char ***target = entry->arg_data;
  guint n = 0;

  if (kind == FILL_KEY_TABLE)
    {
      g_auto(GStrv) table = ossp_project_get_public_key_table (cli->project);
      if (table != NULL)
        g_strv_builder_addv (builder, (const char **) table);
      n = table ? g_strv_length (table) : 0;
    }
  for (guint i = 0; kind != FILL_KEY_TABLE && i < ossp_project_get_n_backups (cli->project); i++)
    {
      g_autofree char *file = ossp_project_get_backup_path (cli->project, i, "file");
      if (file == NULL)
        continue;
      if (kind == FILL_BACKUP_FILES)
        g_strv_builder_add (builder, file);
      else
        {
          g_autofree char *base = g_strdup_printf ("0x%08X", ossp_project_get_backup_base (cli->project, i));
          g_strv_builder_add (builder, base);
        }
      n++;
    }
  if (n == 0)
    return FALSE;
  g_strfreev (*target);
  *target = g_strv_builder_end (builder);
  for (guint i = 0; (*target)[i]; i++)
    g_string_append_printf (note, " --%s %s", entry->long_name, (*target)[i]);
  return TRUE;
}

static gboolean
fill_from_project (OsspCli       *cli,
                   const char    *command,
                   GOptionEntry  *entries,
                   GHashTable    *given,
                   int           *argc,
                   char        ***argv,
                   GError       **error)
{
  g_autoptr(GString) note = g_string_new (NULL);
  gboolean applies = FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (project_inputs); i++)
    {
      GOptionEntry *entry;
      g_autofree char *value = NULL;
      g_autoptr(GError) local_error = NULL;

      if (!g_str_equal (project_inputs[i].command, command))
        continue;
      applies = TRUE;
      if (project_inputs[i].unless)
        {
          g_auto(GStrv) others = g_strsplit (project_inputs[i].unless, ",", -1);
          gboolean chosen = FALSE;
          for (guint o = 0; others[o]; o++)
            chosen |= g_hash_table_contains (given, others[o]);
          if (chosen)
            continue;
        }

      if (project_inputs[i].option == NULL)
        {
          /* a positional argument: add it in front when it is the one missing */
          guint have = (guint) *argc - 1;
          char **args;
          if (have >= project_inputs[i].n_positional)
            continue;
          if (project_inputs[i].kind != FILL_PROJECT && !first_positional_is_number (*argc, *argv))
            continue;
          value = project_value (cli, project_inputs[i].kind, project_inputs[i].keys, &local_error);
          if (local_error)
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          if (value == NULL)
            continue;
          args = (char **) keep ((char *) g_new0 (char *, (gsize) *argc + 2));
          args[0] = (*argv)[0];
          args[1] = (char *) keep (g_strdup (value));
          for (int a = 1; a < *argc; a++)
            args[a + 1] = (*argv)[a];
          *argv = args;
          (*argc)++;
          g_string_append_printf (note, " %s", value);
          continue;
        }

      entry = find_entry (entries, project_inputs[i].option);
      if (entry == NULL || g_hash_table_contains (given, entry->long_name))
        continue;
      if (project_inputs[i].kind == FILL_BACKUP_FILES || project_inputs[i].kind == FILL_BACKUP_BASES ||
          project_inputs[i].kind == FILL_KEY_TABLE)
        {
          fill_array (cli, entry, project_inputs[i].kind, note);
          continue;
        }
      if (g_str_equal (entry->long_name, "file") && !first_positional_is_number (*argc, *argv))
        continue;   /* `otp set LIST WORD VALUE` named its list */
      value = project_value (cli, project_inputs[i].kind, project_inputs[i].keys, &local_error);
      if (local_error)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (value == NULL)
        continue;
      switch (entry->arg)
        {
        case G_OPTION_ARG_INT:
          *(gint *) entry->arg_data = (gint) g_ascii_strtoll (value, NULL, 10);
          break;
        case G_OPTION_ARG_STRING:
        case G_OPTION_ARG_FILENAME:
          g_free (*(char **) entry->arg_data);
          *(char **) entry->arg_data = g_strdup (value);
          break;
        case G_OPTION_ARG_STRING_ARRAY:
        case G_OPTION_ARG_FILENAME_ARRAY:
          {
            char *one[] = { value, NULL };
            g_strfreev (*(char ***) entry->arg_data);
            *(char ***) entry->arg_data = g_strdupv (one);
          }
          break;
        default:
          continue;
        }
      /* the RMA password is a secret: say where it came from, not what it is */
      if (project_inputs[i].kind == FILL_RMA)
        g_string_append_printf (note, " --%s (from the project)", entry->long_name);
      else
        g_string_append_printf (note, " --%s %s", entry->long_name, value);
    }

  if (!applies)
    ossp_cli_warn (cli, "'openssp %s' takes nothing from a project; --project is ignored", command);
  else if (note->len > 0 && !cli->quiet)
    g_printerr ("openssp: from %s:%s\n", ossp_project_get_file (cli->project), note->str);
  return TRUE;
}

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
  g_autofree char *project_file = NULL;
  g_autoptr(GHashTable) given = given_options (entries, *argc, *argv);
  GOptionEntry project_entries[] = {
    { "project", 0, 0, G_OPTION_ARG_FILENAME, &project_file,
      "Take the inputs not given here from this project file", "FILE.openssp" },
    { NULL }
  };

  g_set_prgname (prgname);
  g_option_context_set_summary (context, summary);
  g_option_context_add_main_entries (context, entries, NULL);
  if (find_entry (entries, "project") == NULL)
    g_option_context_add_main_entries (context, project_entries, NULL);
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      g_autoptr(GError) usage = g_error_new (OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                                             "%s (see 'openssp %s --help')", error->message, command);
      ossp_cli_fail (cli, usage);
      *exit_code = OSSP_EXIT_USAGE;
      return FALSE;
    }
  if (project_file != NULL)
    {
      g_clear_object (&cli->project);
      cli->project = ossp_project_load (project_file, NULL, &error);
      if (cli->project == NULL ||
          !fill_from_project (cli, command, entries, given, argc, argv, &error))
        {
          *exit_code = ossp_cli_fail (cli, error);
          return FALSE;
        }
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
