/* ossp-cli-backup.c — `openssp backup new|add|remove|list|check|build|show|import|export`
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ossp-cli.h"

#define DEFAULT_CHIP "stm32mp25"  /* the only family with backup memory */
#define MAX_STDIN_HEX (2 * 1024 * 1024)

static int
fail_problems (OsspCli      *cli,
               const GError *error,
               GPtrArray    *problems)
{
  g_autoptr(JsonNode) details = NULL;

  if (problems == NULL || problems->len == 0)
    return ossp_cli_fail (cli, error);
  details = ossp_backup_problems_to_json (problems);
  return ossp_cli_fail_with_details (cli, error, details);
}

static OsspChip *
chip_or_null (OsspCli     *cli,
              const char  *name,
              int         *exit_code)
{
  g_autoptr(GError) error = NULL;
  OsspChip *chip;

  if (name == NULL)
    return NULL;
  chip = ossp_chip_new (name, &error);
  if (chip == NULL)
    *exit_code = ossp_cli_fail (cli, error);
  return chip;
}

/* A JSON list file; the chip is --chip or the list's own "chip". */
static OsspBackupList *
load_list (OsspCli    *cli,
           const char *path,
           const char *chip_name,
           int        *exit_code)
{
  g_autoptr(OsspChip) chip = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) error = NULL;
  OsspBackupList *list;

  *exit_code = OSSP_EXIT_OK;
  if (chip_name != NULL && (chip = chip_or_null (cli, chip_name, exit_code)) == NULL)
    return NULL;
  list = ossp_backup_list_load_json (chip, path, &problems, &error);
  if (list == NULL)
    *exit_code = fail_problems (cli, error, problems);
  return list;
}

static gboolean
is_osbk_file (const char *path)
{
  char magic[4] = { 0 };
  FILE *f = fopen (path, "rbe");
  gboolean yes;

  if (f == NULL)
    return FALSE;
  yes = fread (magic, 1, 4, f) == 4 && memcmp (magic, OSSP_BACKUP_FILE_MAGIC, 4) == 0;
  fclose (f);
  return yes;
}

/* An OSBK file holds no chip: --chip, else the only family that has
 * backup memory. */
static OsspBackupList *
load_binary (OsspCli    *cli,
             const char *path,
             const char *chip_name,
             int        *exit_code)
{
  g_autoptr(OsspChip) chip = chip_or_null (cli, chip_name ? chip_name : DEFAULT_CHIP, exit_code);
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) error = NULL;
  OsspBackupList *list;

  if (chip == NULL)
    return NULL;
  list = ossp_backup_list_load_full (chip, path, &problems, &error);
  if (list == NULL)
    *exit_code = fail_problems (cli, error, problems);
  return list;
}

static void
add_entry_json (JsonBuilder     *b,
                OsspBackupEntry *e,
                guint            index,
                gboolean         show_secrets)
{
  g_autofree char *offset = g_strdup_printf ("0x%X", ossp_backup_entry_get_offset (e));

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "index");
  json_builder_add_int_value (b, index);
  json_builder_set_member_name (b, "offset");
  json_builder_add_string_value (b, offset);
  json_builder_set_member_name (b, "length");
  json_builder_add_int_value (b, (gint64) ossp_backup_entry_get_length (e));
  json_builder_set_member_name (b, "wrap");
  json_builder_add_boolean_value (b, ossp_backup_entry_get_wrap (e));
  json_builder_set_member_name (b, "cpu");
  json_builder_add_string_value (b, ossp_backup_wrap_cpu_to_string (ossp_backup_entry_get_cpu (e)));
  json_builder_set_member_name (b, "label");
  json_builder_add_string_value (b, ossp_backup_entry_get_label (e));
  json_builder_set_member_name (b, "data_file");
  json_builder_add_string_value (b, ossp_backup_entry_get_data_file (e));
  json_builder_set_member_name (b, "hex");
  if (show_secrets)
    {
      gsize len = 0;
      const guint8 *data = g_bytes_get_data (ossp_backup_entry_get_data (e), &len);
      char *hex = ossp_hex_encode (data, len);
      json_builder_add_string_value (b, hex);
      ossp_secure_strfree (hex);
    }
  else
    json_builder_add_null_value (b);   /* masked: --show-secrets */
  json_builder_end_object (b);
}

static void
add_list_json (JsonBuilder    *b,
               OsspBackupList *list,
               gboolean        show_secrets)
{
  const OsspBackupMemoryInfo *mem = ossp_backup_list_get_memory (list);
  g_autofree char *base = g_strdup_printf ("0x%08X", ossp_backup_list_get_base (list));

  json_builder_set_member_name (b, "chip");
  json_builder_add_string_value (b, ossp_chip_get_id (ossp_backup_list_get_chip (list)));
  json_builder_set_member_name (b, "memory");
  json_builder_add_string_value (b, mem->kind);
  json_builder_set_member_name (b, "memory_name");
  json_builder_add_string_value (b, mem->name);
  json_builder_set_member_name (b, "memory_size");
  json_builder_add_int_value (b, mem->size);
  json_builder_set_member_name (b, "base");
  json_builder_add_string_value (b, base);
  json_builder_set_member_name (b, "used_bytes");
  json_builder_add_int_value (b, (gint64) ossp_backup_list_get_used_bytes (list));
  json_builder_set_member_name (b, "secrets_shown");
  json_builder_add_boolean_value (b, show_secrets);
  json_builder_set_member_name (b, "entries");
  json_builder_begin_array (b);
  for (guint i = 0; i < ossp_backup_list_get_n_entries (list); i++)
    add_entry_json (b, ossp_backup_list_get_entry (list, i), i, show_secrets);
  json_builder_end_array (b);
}

static void
print_list (OsspBackupList *list,
            gboolean        show_secrets)
{
  const OsspBackupMemoryInfo *mem = ossp_backup_list_get_memory (list);
  guint n = ossp_backup_list_get_n_entries (list);

  g_print ("%s %s (%s, %u bytes) at base 0x%08X: %u entr%s, %" G_GSIZE_FORMAT " bytes used\n",
           ossp_chip_get_name (ossp_backup_list_get_chip (list)), mem->kind, mem->name, mem->size,
           ossp_backup_list_get_base (list), n, n == 1 ? "y" : "ies", ossp_backup_list_get_used_bytes (list));
  if (n == 0)
    return;
  g_print ("%3s  %-8s %-7s %-5s %-4s %-34s %s\n", "#", "Offset", "Length", "Wrap", "CPU", "Data", "Label");
  for (guint i = 0; i < n; i++)
    {
      OsspBackupEntry *e = ossp_backup_list_get_entry (list, i);
      gsize len = 0;
      const guint8 *data = g_bytes_get_data (ossp_backup_entry_get_data (e), &len);
      g_autofree char *shown = NULL;

      if (show_secrets)
        {
          char *hex = ossp_hex_encode (data, MIN (len, 16));
          shown = g_strdup_printf ("%s%s", hex, len > 16 ? "…" : "");
          ossp_secure_strfree (hex);
        }
      else if (ossp_backup_entry_get_data_file (e))
        shown = g_strdup_printf ("(file %s)", ossp_backup_entry_get_data_file (e));
      else
        shown = g_strdup ("(hidden; --show-secrets)");
      g_print ("%3u  0x%06X %-7" G_GSIZE_FORMAT " %-5s %-4s %-34s %s\n", i, ossp_backup_entry_get_offset (e), len,
               ossp_backup_entry_get_wrap (e) ? "yes" : "-",
               ossp_backup_entry_get_wrap (e) ? ossp_backup_wrap_cpu_to_string (ossp_backup_entry_get_cpu (e)) : "-",
               shown, ossp_backup_entry_get_label (e) ? ossp_backup_entry_get_label (e) : "");
    }
}

static void
print_problems (OsspCli   *cli,
                GPtrArray *problems)
{
  for (guint i = 0; problems && i < problems->len; i++)
    {
      const OsspBackupProblem *p = problems->pdata[i];
      g_autofree char *where = ossp_backup_problem_get_where (p);
      ossp_cli_warn (cli, "%s: %s", where, p->message);
    }
}

static int
save_list (OsspCli        *cli,
           OsspBackupList *list,
           const char     *path,
           gboolean        force)
{
  g_autoptr(GError) error = NULL;

  if (!ossp_backup_list_save_json (list, path, force ? OSSP_WRITE_FLAGS_OVERWRITE : 0, &error))
    return ossp_cli_fail (cli, error);
  return OSSP_EXIT_OK;
}

static int
print_result (OsspCli        *cli,
              OsspBackupList *list,
              const char     *action,
              const char     *path,
              gboolean        show_secrets)
{
  if (cli->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "action");
      json_builder_add_string_value (b, action);
      json_builder_set_member_name (b, "path");
      json_builder_add_string_value (b, path);
      add_list_json (b, list, show_secrets);
      json_builder_end_object (b);
      ossp_cli_print_builder (cli, b);
    }
  else if (!cli->quiet)
    {
      if (path)
        g_print ("%s %s\n", action, path);
      print_list (list, show_secrets);
    }
  return OSSP_EXIT_OK;
}

/* ---- sub-commands -------------------------------------------------------- */

static int
backup_new (OsspCli *cli, int argc, char **argv)
{
  g_autofree char *chip_name = NULL, *memory = NULL, *base_text = NULL, *out = NULL;
  gboolean force = FALSE;
  GOptionEntry entries[] = {
    { "chip", 'c', 0, G_OPTION_ARG_STRING, &chip_name, "Chip family (stm32mp25)", "CHIP" },
    { "memory", 'm', 0, G_OPTION_ARG_STRING, &memory, "tamp (backup registers) or bkpsram (backup SRAM)", "KIND" },
    { "base", 'b', 0, G_OPTION_ARG_STRING, &base_text, "Base address (default: the memory's first)", "ADDR" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "The JSON list to create", "FILE" },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &force, "Replace an existing file", NULL },
    { NULL }
  };
  g_autoptr(OsspChip) chip = NULL;
  g_autoptr(OsspBackupList) list = NULL;
  g_autoptr(GError) error = NULL;
  int exit_code = OSSP_EXIT_OK;
  guint32 base;

  if (!ossp_cli_parse_options (cli, "backup new", "", "Create an empty backup-memory list (JSON).",
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc != 1)
    return ossp_cli_usage_error (cli, "'backup new' takes no file argument; give --out FILE");
  if (out == NULL || memory == NULL)
    return ossp_cli_usage_error (cli, "'backup new' needs --memory tamp|bkpsram and --out FILE");
  if ((chip = chip_or_null (cli, chip_name ? chip_name : DEFAULT_CHIP, &exit_code)) == NULL)
    return exit_code;
  if ((list = ossp_backup_list_new (chip, memory, &error)) == NULL)
    return ossp_cli_fail (cli, error);
  if (base_text != NULL)
    {
      if (!ossp_parse_u32 (base_text, &base, &error))
        return ossp_cli_usage_error (cli, "--base: %s", error->message);
      if (!ossp_backup_list_set_base (list, base, &error))
        return ossp_cli_fail (cli, error);
    }
  if ((exit_code = save_list (cli, list, out, force)) != OSSP_EXIT_OK)
    return exit_code;
  return print_result (cli, list, "created", out, FALSE);
}

static GBytes *
read_hex_stdin (GError **error)
{
  guint8 *buf = ossp_secure_alloc (MAX_STDIN_HEX + 1);
  gsize len = fread (buf, 1, MAX_STDIN_HEX + 1, stdin);
  GBytes *bytes = NULL;

  if (len > MAX_STDIN_HEX)
    g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                 "--hex -: more than %d characters on standard input", MAX_STDIN_HEX);
  else
    {
      buf[len] = 0;
      bytes = ossp_backup_bytes_from_hex (g_strstrip ((char *) buf), error);
      if (bytes == NULL)
        g_prefix_error (error, "--hex - (standard input): ");
    }
  ossp_secure_free (buf, MAX_STDIN_HEX + 1);
  return bytes;
}

/* Data for add: --hex HEX, --hex - (stdin, keeps a key out of `ps`), or
 * --data-file FILE (kept as a reference unless --inline). */
static GBytes *
entry_data_from_options (const char  *hex,
                         const char  *data_file,
                         char       **out_path,
                         GError     **error)
{
  if ((hex != NULL) == (data_file != NULL))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "Give the data with exactly one of --hex HEX, --hex - (read from standard input) "
                   "or --data-file FILE");
      return NULL;
    }
  if (hex != NULL && g_str_equal (hex, "-"))
    return read_hex_stdin (error);
  if (hex != NULL)
    {
      GBytes *bytes = ossp_backup_bytes_from_hex (hex, error);
      if (bytes == NULL)
        g_prefix_error (error, "--hex: ");
      return bytes;
    }
  else
    {
      g_autoptr(OsspSecret) secret = ossp_secret_new_from_file (data_file, 0, error);
      if (secret == NULL)
        return NULL;
      *out_path = g_canonicalize_filename (data_file, NULL);
      return ossp_backup_secure_bytes_new (secret->data, secret->len);
    }
}

static int
backup_add (OsspCli *cli, int argc, char **argv)
{
  g_autofree char *chip_name = NULL, *offset_text = NULL, *hex = NULL, *data_file = NULL;
  g_autofree char *cpu_text = NULL, *label = NULL;
  gboolean wrap = FALSE, inline_data = FALSE, show_secrets = FALSE;
  GOptionEntry entries[] = {
    { "offset", 'o', 0, G_OPTION_ARG_STRING, &offset_text, "Offset from the base, a multiple of 4 (default: after the last entry)", "N" },
    { "hex", 'x', 0, G_OPTION_ARG_STRING, &hex, "The data as hex; '-' reads it from standard input", "HEX" },
    { "data-file", 'd', 0, G_OPTION_ARG_FILENAME, &data_file, "Read the data from a file (kept by reference)", "FILE" },
    { "inline", 0, 0, G_OPTION_ARG_NONE, &inline_data, "Store the --data-file bytes in the list as hex", NULL },
    { "wrap", 'w', 0, G_OPTION_ARG_NONE, &wrap, "Wrap a 16- or 32-byte key with a HUK (needs --cpu)", NULL },
    { "cpu", 0, 0, G_OPTION_ARG_STRING, &cpu_text, "Whose HUK wraps: a35 (TDCID1) or m33 (TDCID2)", "CPU" },
    { "label", 'l', 0, G_OPTION_ARG_STRING, &label, "A name for the entry", "TEXT" },
    { "chip", 'c', 0, G_OPTION_ARG_STRING, &chip_name, "Chip family (default: the list's)", "CHIP" },
    { "show-secrets", 0, 0, G_OPTION_ARG_NONE, &show_secrets, "Print the data in the result", NULL },
    { NULL }
  };
  g_autoptr(OsspBackupList) list = NULL;
  g_autoptr(OsspBackupEntry) entry = NULL;
  g_autoptr(GBytes) data = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  OsspBackupWrapCpu cpu = OSSP_BACKUP_WRAP_CPU_NONE;
  int exit_code = OSSP_EXIT_OK;
  guint32 offset;

  if (!ossp_cli_parse_options (cli, "backup add", "LIST.json", "Add an entry to a backup-memory list.",
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc != 2)
    return ossp_cli_usage_error (cli, "'backup add' takes one list file, e.g. 'openssp backup add list.json --offset 0x10 --hex 00112233'");
  if (cpu_text != NULL && !ossp_backup_wrap_cpu_from_string (cpu_text, &cpu))
    return ossp_cli_usage_error (cli, "--cpu \"%s\": use a35 (Cortex-A35, TDCID1) or m33 (Cortex-M33, TDCID2)", cpu_text);
  if ((list = load_list (cli, argv[1], chip_name, &exit_code)) == NULL)
    return exit_code;
  if (offset_text == NULL)
    {
      offset = ossp_backup_list_get_next_offset (list);
      if (offset == G_MAXUINT32)
        {
          g_set_error (&error, OSSP_ERROR, OSSP_ERROR_VALIDATION,
                       "%s is full after its last entry; give --offset for a free place",
                       ossp_backup_list_get_memory (list)->name);
          return ossp_cli_fail (cli, error);
        }
    }
  else if (!ossp_parse_u32 (offset_text, &offset, &error))
    return ossp_cli_usage_error (cli, "--offset: %s", error->message);
  if ((data = entry_data_from_options (hex, data_file, &path, &error)) == NULL)
    return ossp_cli_fail (cli, error);
  if (hex != NULL && !g_str_equal (hex, "-") && ossp_backup_length_can_wrap (g_bytes_get_size (data)) && wrap)
    ossp_cli_warn (cli, "a key given with --hex is visible to other users in the process list; "
                        "prefer --data-file FILE or --hex -");
  entry = ossp_backup_entry_new_with_file (offset, data, inline_data ? NULL : path, wrap, cpu, label);
  if (!ossp_backup_list_add_entry (list, entry, NULL, &error))
    {
      g_autoptr(GPtrArray) problems = ossp_backup_list_check_entry (list, entry, -1);
      return fail_problems (cli, error, problems);
    }
  if ((exit_code = save_list (cli, list, argv[1], TRUE)) != OSSP_EXIT_OK)
    return exit_code;
  return print_result (cli, list, "added to", argv[1], show_secrets);
}

static int
backup_remove (OsspCli *cli, int argc, char **argv)
{
  g_autofree char *chip_name = NULL, *offset_text = NULL;
  GOptionEntry entries[] = {
    { "offset", 'o', 0, G_OPTION_ARG_STRING, &offset_text, "Remove the entry at this offset", "N" },
    { "chip", 'c', 0, G_OPTION_ARG_STRING, &chip_name, "Chip family (default: the list's)", "CHIP" },
    { NULL }
  };
  g_autoptr(OsspBackupList) list = NULL;
  g_autoptr(GError) error = NULL;
  int exit_code = OSSP_EXIT_OK;
  guint32 value;
  guint position = G_MAXUINT;

  if (!ossp_cli_parse_options (cli, "backup remove", "LIST.json [INDEX]",
                               "Remove an entry, by its index (see 'backup list') or --offset.",
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc != 3 && !(argc == 2 && offset_text))
    return ossp_cli_usage_error (cli, "'backup remove' takes a list file and an entry INDEX (or --offset N)");
  if ((list = load_list (cli, argv[1], chip_name, &exit_code)) == NULL)
    return exit_code;
  if (offset_text != NULL)
    {
      if (!ossp_parse_u32 (offset_text, &value, &error))
        return ossp_cli_usage_error (cli, "--offset: %s", error->message);
      for (guint i = 0; i < ossp_backup_list_get_n_entries (list); i++)
        if (ossp_backup_entry_get_offset (ossp_backup_list_get_entry (list, i)) == value)
          position = i;
      if (position == G_MAXUINT)
        {
          g_set_error (&error, OSSP_ERROR, OSSP_ERROR_NOT_FOUND,
                       "No entry of %s starts at offset 0x%X; see 'openssp backup list %s'", argv[1], value, argv[1]);
          return ossp_cli_fail (cli, error);
        }
    }
  else
    {
      if (!ossp_parse_u32 (argv[2], &value, &error))
        return ossp_cli_usage_error (cli, "INDEX: %s", error->message);
      if (value >= ossp_backup_list_get_n_entries (list))
        {
          g_set_error (&error, OSSP_ERROR, OSSP_ERROR_NOT_FOUND,
                       "%s has no entry %u (it has %u, numbered from 0)", argv[1], value,
                       ossp_backup_list_get_n_entries (list));
          return ossp_cli_fail (cli, error);
        }
      position = value;
    }
  ossp_backup_list_remove (list, position);
  if ((exit_code = save_list (cli, list, argv[1], TRUE)) != OSSP_EXIT_OK)
    return exit_code;
  return print_result (cli, list, "removed from", argv[1], FALSE);
}

static int
backup_list (OsspCli *cli, int argc, char **argv)
{
  g_autofree char *chip_name = NULL;
  gboolean show_secrets = FALSE;
  GOptionEntry entries[] = {
    { "chip", 'c', 0, G_OPTION_ARG_STRING, &chip_name, "Chip family (default: the list's)", "CHIP" },
    { "show-secrets", 0, 0, G_OPTION_ARG_NONE, &show_secrets, "Print the data (may be keys)", NULL },
    { NULL }
  };
  g_autoptr(OsspBackupList) list = NULL;
  int exit_code = OSSP_EXIT_OK;

  if (!ossp_cli_parse_options (cli, "backup list", "LIST.json",
                               "Show the entries of a backup-memory list; the data is hidden unless --show-secrets.",
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc != 2)
    return ossp_cli_usage_error (cli, "'backup list' takes one list file");
  if ((list = load_list (cli, argv[1], chip_name, &exit_code)) == NULL)
    return exit_code;
  if (cli->json)
    return print_result (cli, list, "list", argv[1], show_secrets);
  print_list (list, show_secrets);
  return OSSP_EXIT_OK;
}

static int
backup_check (OsspCli *cli, int argc, char **argv)
{
  g_autofree char *chip_name = NULL;
  GOptionEntry entries[] = {
    { "chip", 'c', 0, G_OPTION_ARG_STRING, &chip_name, "Chip family (default: the list's; stm32mp25 for a backup file)", "CHIP" },
    { NULL }
  };
  g_autoptr(OsspBackupList) list = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  int exit_code = OSSP_EXIT_OK;
  gboolean binary;

  if (!ossp_cli_parse_options (cli, "backup check", "LIST.json|BACKUP.bin",
                               "Check a list or a backup file against every rule; exit 11 with all problems.",
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc != 2)
    return ossp_cli_usage_error (cli, "'backup check' takes one list or backup file");
  binary = is_osbk_file (argv[1]);
  list = binary ? load_binary (cli, argv[1], chip_name, &exit_code)
                : load_list (cli, argv[1], chip_name, &exit_code);
  if (list == NULL)
    return exit_code;
  problems = ossp_backup_list_validate (list);
  if (cli->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "valid");
      json_builder_add_boolean_value (b, TRUE);
      json_builder_set_member_name (b, "kind");
      json_builder_add_string_value (b, binary ? "osbk" : "json");
      json_builder_set_member_name (b, "entries");
      json_builder_add_int_value (b, ossp_backup_list_get_n_entries (list));
      json_builder_set_member_name (b, "warnings");
      json_builder_add_value (b, ossp_backup_problems_to_json (problems));
      json_builder_end_object (b);
      ossp_cli_print_builder (cli, b);
    }
  else
    {
      print_problems (cli, problems);
      ossp_cli_message (cli, "%s is valid: %u entr%s, %" G_GSIZE_FORMAT " of %u bytes of %s used", argv[1],
                        ossp_backup_list_get_n_entries (list), ossp_backup_list_get_n_entries (list) == 1 ? "y" : "ies",
                        ossp_backup_list_get_used_bytes (list), ossp_backup_list_get_memory (list)->size,
                        ossp_backup_list_get_memory (list)->name);
    }
  return OSSP_EXIT_OK;
}

/* build and export both write the OSBK file from a JSON list */
static int
write_binary (OsspCli    *cli,
              const char *command,
              int         argc,
              char      **argv)
{
  g_autofree char *chip_name = NULL, *out = NULL, *format = NULL;
  gboolean force = FALSE, inline_data = FALSE;
  gboolean is_export = g_str_equal (command, "backup export");
  GOptionEntry build_entries[] = {
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "The backup file to write (e.g. backup-out.bin)", "FILE" },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &force, "Replace an existing file", NULL },
    { "chip", 'c', 0, G_OPTION_ARG_STRING, &chip_name, "Chip family (default: the list's)", "CHIP" },
    { NULL }
  };
  GOptionEntry export_entries[] = {
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "The file to write", "FILE" },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format, "osbk (the backup file, default) or json (a normalized list)", "FORMAT" },
    { "inline", 0, 0, G_OPTION_ARG_NONE, &inline_data, "json: write data files' bytes as hex", NULL },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &force, "Replace an existing file", NULL },
    { "chip", 'c', 0, G_OPTION_ARG_STRING, &chip_name, "Chip family (default: the list's)", "CHIP" },
    { NULL }
  };
  g_autoptr(OsspBackupList) list = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  OsspWriteFlags flags;
  int exit_code = OSSP_EXIT_OK;

  if (!ossp_cli_parse_options (cli, command, "LIST.json",
                               is_export ? "Export a JSON list as the OSBK backup file, or as a normalized JSON list."
                                         : "Build the OSBK backup file (backup-out.bin) from a JSON list.",
                               is_export ? export_entries : build_entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc != 2 || out == NULL)
    return ossp_cli_usage_error (cli, "'openssp %s' takes one list file and --out FILE", command);
  if (format != NULL && !g_str_equal (format, "osbk") && !g_str_equal (format, "json"))
    return ossp_cli_usage_error (cli, "--format \"%s\": use osbk or json", format);
  if ((list = load_list (cli, argv[1], chip_name, &exit_code)) == NULL)
    return exit_code;
  flags = force ? OSSP_WRITE_FLAGS_OVERWRITE : 0;

  if (format != NULL && g_str_equal (format, "json"))
    {
      g_autoptr(JsonNode) node = NULL;
      g_autoptr(JsonGenerator) gen = json_generator_new ();
      g_autofree char *dir = g_path_get_dirname (out);
      gsize len = 0;
      char *text;
      gboolean ok;

      if (!inline_data)
        {
          if (!ossp_backup_list_save_json (list, out, flags, &error))
            return ossp_cli_fail (cli, error);
        }
      else
        {
          node = ossp_backup_list_to_json_full (list, dir, TRUE);
          json_generator_set_pretty (gen, TRUE);
          json_generator_set_root (gen, node);
          text = json_generator_to_data (gen, &len);
          ok = ossp_file_write_atomic (out, (const guint8 *) text, len, flags | OSSP_WRITE_FLAGS_SECRET, &error);
          ossp_secure_free (text, len);
          if (!ok)
            return ossp_cli_fail (cli, error);
        }
      return print_result (cli, list, "exported", out, FALSE);
    }

  bytes = ossp_backup_list_to_bytes (list, &error);
  if (bytes == NULL)
    {
      g_autoptr(GPtrArray) problems = ossp_backup_list_validate (list);
      return fail_problems (cli, error, problems);
    }
  if (!ossp_file_write_atomic (out, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                               flags | OSSP_WRITE_FLAGS_SECRET, &error))
    return ossp_cli_fail (cli, error);
  if (cli->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "action");
      json_builder_add_string_value (b, "built");
      json_builder_set_member_name (b, "path");
      json_builder_add_string_value (b, out);
      json_builder_set_member_name (b, "size");
      json_builder_add_int_value (b, (gint64) g_bytes_get_size (bytes));
      json_builder_set_member_name (b, "format");
      json_builder_add_string_value (b, "OSBK v1");
      add_list_json (b, list, FALSE);
      json_builder_end_object (b);
      ossp_cli_print_builder (cli, b);
    }
  else
    ossp_cli_message (cli, "Wrote %s (OSBK v1, %" G_GSIZE_FORMAT " bytes, %u entries for %s, mode 0600)", out,
                      g_bytes_get_size (bytes), ossp_backup_list_get_n_entries (list),
                      ossp_backup_list_get_memory (list)->name);
  return OSSP_EXIT_OK;
}

static int
backup_build (OsspCli *cli, int argc, char **argv)
{
  return write_binary (cli, "backup build", argc, argv);
}

static int
backup_export (OsspCli *cli, int argc, char **argv)
{
  return write_binary (cli, "backup export", argc, argv);
}

static int
backup_show (OsspCli *cli, int argc, char **argv)
{
  g_autofree char *chip_name = NULL;
  gboolean show_secrets = FALSE;
  GOptionEntry entries[] = {
    { "chip", 'c', 0, G_OPTION_ARG_STRING, &chip_name, "Chip family (default stm32mp25)", "CHIP" },
    { "show-secrets", 0, 0, G_OPTION_ARG_NONE, &show_secrets, "Print the data (may be keys)", NULL },
    { NULL }
  };
  g_autoptr(OsspBackupList) list = NULL;
  int exit_code = OSSP_EXIT_OK;

  if (!ossp_cli_parse_options (cli, "backup show", "BACKUP.bin",
                               "Read an OSBK backup file and show its entries; the data is hidden unless --show-secrets.",
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc != 2)
    return ossp_cli_usage_error (cli, "'backup show' takes one backup file");
  if ((list = load_binary (cli, argv[1], chip_name, &exit_code)) == NULL)
    return exit_code;
  if (cli->json)
    return print_result (cli, list, "show", argv[1], show_secrets);
  g_print ("%s: OSBK v%d backup file, memory kind %s\n", argv[1], OSSP_BACKUP_FILE_VERSION,
           ossp_backup_list_get_memory_kind (list));
  print_list (list, show_secrets);
  return OSSP_EXIT_OK;
}

static int
backup_import (OsspCli *cli, int argc, char **argv)
{
  g_autofree char *chip_name = NULL, *out = NULL, *base_text = NULL;
  gboolean force = FALSE;
  GOptionEntry entries[] = {
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "The JSON list to write", "FILE" },
    { "base", 'b', 0, G_OPTION_ARG_STRING, &base_text, "Base address for the list (the file has none)", "ADDR" },
    { "chip", 'c', 0, G_OPTION_ARG_STRING, &chip_name, "Chip family (default stm32mp25)", "CHIP" },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &force, "Replace an existing file", NULL },
    { NULL }
  };
  g_autoptr(OsspBackupList) list = NULL;
  g_autoptr(GError) error = NULL;
  int exit_code = OSSP_EXIT_OK;
  guint32 base;

  if (!ossp_cli_parse_options (cli, "backup import", "BACKUP.bin",
                               "Turn an OSBK backup file into a JSON list (the data lands in it as hex, mode 0600).",
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc != 2 || out == NULL)
    return ossp_cli_usage_error (cli, "'backup import' takes one backup file and --out FILE");
  if ((list = load_binary (cli, argv[1], chip_name, &exit_code)) == NULL)
    return exit_code;
  if (base_text != NULL)
    {
      if (!ossp_parse_u32 (base_text, &base, &error))
        return ossp_cli_usage_error (cli, "--base: %s", error->message);
      if (!ossp_backup_list_set_base (list, base, &error))
        return ossp_cli_fail (cli, error);
    }
  if ((exit_code = save_list (cli, list, out, force)) != OSSP_EXIT_OK)
    return exit_code;
  return print_result (cli, list, "imported into", out, FALSE);
}

int
ossp_cli_backup (OsspCli *cli, int argc, char **argv)
{
  static const struct {
    const char *name;
    OsspCliVerbFunc run;
  } subs[] = {
    { "new", backup_new },
    { "add", backup_add },
    { "remove", backup_remove },
    { "list", backup_list },
    { "check", backup_check },
    { "build", backup_build },
    { "show", backup_show },
    { "import", backup_import },
    { "export", backup_export },
  };

  if (argc < 2 || g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h"))
    {
      g_print ("Usage: openssp backup SUBCOMMAND [OPTIONS…] [--json]\n\n"
               "STM32MP2 backup memory (TAMP backup registers, backup SRAM):\n"
               "  new     --memory tamp|bkpsram [--base ADDR] [--chip CHIP] --out LIST.json\n"
               "  add     LIST.json [--offset N] --hex HEX|--hex -|--data-file FILE [--wrap --cpu a35|m33] [--label TEXT]\n"
               "  remove  LIST.json INDEX | --offset N\n"
               "  list    LIST.json [--show-secrets]\n"
               "  check   LIST.json|BACKUP.bin\n"
               "  build   LIST.json --out backup-out.bin\n"
               "  show    BACKUP.bin [--chip CHIP] [--show-secrets]\n"
               "  import  BACKUP.bin --out LIST.json [--base ADDR]\n"
               "  export  LIST.json --out FILE [--format osbk|json] [--inline]\n\n"
               "Formats: docs/formats/backup.json.md, docs/formats/backup-file.md.\n");
      return argc < 2 ? OSSP_EXIT_USAGE : OSSP_EXIT_OK;
    }
  for (guint i = 0; i < G_N_ELEMENTS (subs); i++)
    if (g_str_equal (argv[1], subs[i].name))
      return subs[i].run (cli, argc - 1, argv + 1);
  return ossp_cli_usage_error (cli, "Unknown 'backup' sub-command \"%s\" (new, add, remove, list, check, build, "
                                    "show, import, export)", argv[1]);
}
