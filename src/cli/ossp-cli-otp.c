/* ossp-cli-otp.c — `openssp otp …`: edit the OTP list, check it, build and
 * read secret files (docs/otp.md)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ossp-cli.h"

#define OTP_ANY_MAX_SIZE (1024 * 1024)

/* ------------------------------------------------------------- helpers */

static OsspOtpSecret *
load_list (const char  *path,
           const char  *chip_id,
           GError     **error)
{
  g_autoptr(OsspChip) chip = NULL;

  if (chip_id && (chip = ossp_chip_new (chip_id, error)) == NULL)
    return NULL;
  return ossp_otp_secret_load_json (chip, path, error);
}

/* A JSON list (starts with '{') or a binary secret file of --chip. */
static OsspOtpSecret *
load_any (const char  *path,
          const char  *chip_id,
          gboolean     plaintext,
          GError     **error)
{
  g_autoptr(OsspChip) chip = NULL;
  gsize len = 0;
  guint8 *data;
  gsize i = 0;
  OsspOtpSecret *secret;

  data = ossp_file_read (path, OTP_ANY_MAX_SIZE, &len, error);
  if (data == NULL)
    return NULL;
  while (i < len && g_ascii_isspace (data[i]))
    i++;
  if (!plaintext && i < len && data[i] == '{')
    {
      if (chip_id && (chip = ossp_chip_new (chip_id, error)) == NULL)
        secret = NULL;
      else
        secret = ossp_otp_secret_new_from_json_data (chip, (const char *) data, (gssize) len, error);
    }
  else if (chip_id == NULL)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "%s is a binary secret file: say which chip it is for with --chip "
                   "(stm32mp13, stm32mp15 or stm32mp25)", path);
      secret = NULL;
    }
  else if ((chip = ossp_chip_new (chip_id, error)) == NULL)
    secret = NULL;
  else if (plaintext)
    secret = ossp_otp_secret_new_from_plaintext (chip, data, len, error);
  else
    {
      g_autoptr(GBytes) bytes = g_bytes_new_static (data, len);
      secret = ossp_otp_secret_new_from_bytes (chip, bytes, error);
    }
  ossp_secure_wipe (data, len);
  g_free (data);
  if (secret == NULL && error && *error && !g_str_has_prefix ((*error)->message, path))
    g_prefix_error (error, "%s: ", path);
  return secret;
}

static gboolean
parse_word (const char  *text,
            guint       *out,
            GError     **error)
{
  guint32 v = 0;

  if (!ossp_parse_u32 (text, &v, error))
    {
      g_prefix_error (error, "Word: ");
      return FALSE;
    }
  *out = v;
  return TRUE;
}

/* VALUE from the command line or, so it stays out of `ps`, an env var */
static gboolean
get_value (const char  *value,
           const char  *value_env,
           guint32     *out,
           GError     **error)
{
  const char *text = value;

  if (value_env != NULL)
    {
      text = g_getenv (value_env);
      if (text == NULL)
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                       "--value-env: the environment variable %s is not set", value_env);
          return FALSE;
        }
    }
  if (text == NULL)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "No value: give VALUE, --value or --value-env");
      return FALSE;
    }
  if (!ossp_parse_u32 (text, out, error))
    {
      /* the text may be a secret: do not repeat it */
      g_clear_error (error);
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "The value is not a 32-bit number (0x and up to 8 hex digits, or decimal "
                   "up to 4294967295)");
      return FALSE;
    }
  return TRUE;
}

static const char *
format_name (guint format)
{
  return format == 1 ? "format1" : format == 2 ? "format2" : "word";
}

static void
add_item_json (JsonBuilder *b,
               OsspOtpItem *item,
               gboolean     show_secrets)
{
  g_autofree char *value = ossp_otp_item_format_value (item, show_secrets);
  OsspOtpItemFlags flags = ossp_otp_item_get_flags (item);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "word");
  json_builder_add_int_value (b, ossp_otp_item_get_word (item));
  json_builder_set_member_name (b, "name");
  if (ossp_otp_item_get_name (item))
    json_builder_add_string_value (b, ossp_otp_item_get_name (item));
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "value");
  json_builder_add_string_value (b, value);
  json_builder_set_member_name (b, "masked");
  json_builder_add_boolean_value (b, !show_secrets && ossp_otp_item_get_value (item) != 0);
  json_builder_set_member_name (b, "lock");
  json_builder_add_boolean_value (b, (flags & OSSP_OTP_ITEM_FLAG_LOCK) != 0);
  json_builder_set_member_name (b, "sticky_read_lock");
  json_builder_add_boolean_value (b, (flags & OSSP_OTP_ITEM_FLAG_STICKY_READ_LOCK) != 0);
  json_builder_set_member_name (b, "sticky_write_lock");
  json_builder_add_boolean_value (b, (flags & OSSP_OTP_ITEM_FLAG_STICKY_WRITE_LOCK) != 0);
  json_builder_set_member_name (b, "format");
  json_builder_add_string_value (b, format_name (ossp_otp_item_get_format (item)));
  json_builder_set_member_name (b, "label");
  if (ossp_otp_item_get_label (item))
    json_builder_add_string_value (b, ossp_otp_item_get_label (item));
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);
}

typedef struct {
  guint set, locked, errors, warnings;
} Summary;

static Summary
summarize (OsspOtpSecret *secret,
           GPtrArray     *problems)
{
  Summary s = { 0 };
  guint n = g_list_model_get_n_items (G_LIST_MODEL (secret));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(OsspOtpItem) item = g_list_model_get_item (G_LIST_MODEL (secret), i);
      s.set++;
      s.locked += ossp_otp_item_get_lock (item);
    }
  s.errors = ossp_otp_problems_count (problems, OSSP_OTP_SEVERITY_ERROR);
  s.warnings = ossp_otp_problems_count (problems, OSSP_OTP_SEVERITY_WARNING);
  return s;
}

static void
add_summary_json (JsonBuilder *b,
                  Summary      s)
{
  json_builder_set_member_name (b, "summary");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "set");
  json_builder_add_int_value (b, s.set);
  json_builder_set_member_name (b, "locked");
  json_builder_add_int_value (b, s.locked);
  json_builder_set_member_name (b, "errors");
  json_builder_add_int_value (b, s.errors);
  json_builder_set_member_name (b, "warnings");
  json_builder_add_int_value (b, s.warnings);
  json_builder_end_object (b);
}

static char *
summary_text (Summary s)
{
  return g_strdup_printf ("%u word%s set, %u locked, %u error%s, %u warning%s",
                          s.set, s.set == 1 ? "" : "s", s.locked, s.errors,
                          s.errors == 1 ? "" : "s", s.warnings, s.warnings == 1 ? "" : "s");
}

/* Full object for list/show: chip, summary, items, problems */
static void
print_secret (OsspCli       *cli,
              OsspOtpSecret *secret,
              const char    *file,
              gboolean       show_secrets)
{
  g_autoptr(GPtrArray) problems = ossp_otp_secret_validate (secret);
  OsspChip *chip = ossp_otp_secret_get_chip (secret);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (secret));
  Summary s = summarize (secret, problems);
  guint32 rma;

  if (cli->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "file");
      json_builder_add_string_value (b, file);
      json_builder_set_member_name (b, "chip");
      json_builder_add_string_value (b, ossp_chip_get_id (chip));
      json_builder_set_member_name (b, "user_lock_flags");
      json_builder_add_boolean_value (b, ossp_chip_has_user_lock_flags (chip));
      add_summary_json (b, s);
      json_builder_set_member_name (b, "items");
      json_builder_begin_array (b);
      for (guint i = 0; i < n; i++)
        {
          g_autoptr(OsspOtpItem) item = g_list_model_get_item (G_LIST_MODEL (secret), i);
          add_item_json (b, item, show_secrets);
        }
      json_builder_end_array (b);
      json_builder_set_member_name (b, "problems");
      json_builder_add_value (b, ossp_otp_problems_to_json (problems));
      json_builder_end_object (b);
      ossp_cli_print_builder (cli, b);
      return;
    }

  {
    g_autofree char *sum = summary_text (s);
    g_print ("%s — %s (%s)\n", file, ossp_chip_get_name (chip), sum);
  }
  if (!ossp_chip_has_user_lock_flags (chip))
    g_print ("Locks: the %s SSP firmware permanently locks every word it programs "
             "(zero words are skipped).\n", ossp_chip_get_name (chip));
  if (ossp_otp_secret_get_rma_password (secret, &rma) == FALSE && ossp_chip_get_rma_word (chip) >= 0)
    g_print ("RMA password (word %d): not set\n", ossp_chip_get_rma_word (chip));
  g_print ("%-5s %-20s %-10s %-5s %-8s %s\n", "Word", "Name", "Value", "Lock", "Format", "Label");
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(OsspOtpItem) item = g_list_model_get_item (G_LIST_MODEL (secret), i);
      g_autofree char *value = ossp_otp_item_format_value (item, show_secrets);
      OsspOtpItemFlags f = ossp_otp_item_get_flags (item);
      g_print ("%-5u %-20s %-10s %-5s %-8s %s%s%s\n", ossp_otp_item_get_word (item),
               ossp_otp_item_get_name (item) ? ossp_otp_item_get_name (item) : "-", value,
               (f & OSSP_OTP_ITEM_FLAG_LOCK) ? "yes" : "no",
               format_name (ossp_otp_item_get_format (item)),
               ossp_otp_item_get_label (item) ? ossp_otp_item_get_label (item) : "",
               (f & OSSP_OTP_ITEM_FLAG_STICKY_READ_LOCK) ? " [sticky read lock]" : "",
               (f & OSSP_OTP_ITEM_FLAG_STICKY_WRITE_LOCK) ? " [sticky write lock]" : "");
    }
  for (guint i = 0; i < problems->len; i++)
    {
      OsspOtpProblem *p = g_ptr_array_index (problems, i);
      if (p->word >= 0)
        g_print ("%s: word %d: %s\n", ossp_otp_severity_to_string (p->severity), p->word, p->message);
      else
        g_print ("%s: %s\n", ossp_otp_severity_to_string (p->severity), p->message);
    }
}

/* After an edit: warn (stderr) about what the list now says of those words */
static void
report_words (OsspCli       *cli,
              OsspOtpSecret *secret,
              guint          first,
              guint          last,
              JsonBuilder   *b)
{
  g_autoptr(GPtrArray) problems = ossp_otp_secret_validate (secret);
  g_autoptr(GPtrArray) mine = g_ptr_array_new ();

  for (guint i = 0; i < problems->len; i++)
    {
      OsspOtpProblem *p = g_ptr_array_index (problems, i);
      if (p->word >= (gint) first && p->word <= (gint) last)
        {
          g_ptr_array_add (mine, p);
          if (!cli->json)
            g_printerr ("openssp: %s: word %d: %s\n", ossp_otp_severity_to_string (p->severity),
                        p->word, p->message);
        }
    }
  if (b)
    {
      json_builder_set_member_name (b, "problems");
      json_builder_add_value (b, ossp_otp_problems_to_json (mine));
    }
}

static int
save_and_report (OsspCli       *cli,
                 OsspOtpSecret *secret,
                 const char    *path,
                 guint          first,
                 guint          last,
                 const char    *what)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();

  if (!ossp_otp_secret_save_json (secret, path, OSSP_WRITE_FLAGS_OVERWRITE, &error))
    return ossp_cli_fail (cli, error);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "file");
  json_builder_add_string_value (b, path);
  json_builder_set_member_name (b, "action");
  json_builder_add_string_value (b, what);
  json_builder_set_member_name (b, "first_word");
  json_builder_add_int_value (b, first);
  json_builder_set_member_name (b, "last_word");
  json_builder_add_int_value (b, last);
  json_builder_set_member_name (b, "items");
  json_builder_add_int_value (b, g_list_model_get_n_items (G_LIST_MODEL (secret)));
  report_words (cli, secret, first, last, b);
  json_builder_end_object (b);
  if (cli->json)
    ossp_cli_print_builder (cli, b);
  else if (first == last)
    ossp_cli_message (cli, "%s: %s word %u", path, what, first);
  else
    ossp_cli_message (cli, "%s: %s words %u..%u", path, what, first, last);
  return OSSP_EXIT_OK;
}

/* -------------------------------------------------------------- verbs */

static int
otp_new (OsspCli *cli, int argc, char **argv)
{
  g_autofree char *chip_id = NULL, *out = NULL;
  gboolean force = FALSE;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspChip) chip = NULL;
  g_autoptr(OsspOtpSecret) secret = NULL;
  GOptionEntry entries[] = {
    { "chip", 'c', 0, G_OPTION_ARG_STRING, &chip_id, "Chip family (stm32mp13, stm32mp15, stm32mp25)", "CHIP" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "The new OTP list (JSON)", "FILE" },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &force, "Replace an existing file", NULL },
    { NULL }
  };
  int exit_code;

  if (!ossp_cli_parse_options (cli, "otp new", "", "Start an empty OTP list for a chip.",
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  if (out == NULL && argc == 2)
    out = g_strdup (argv[1]);
  else if (argc > 1)
    return ossp_cli_usage_error (cli, "'openssp otp new' takes --chip CHIP --out FILE");
  if (chip_id == NULL || out == NULL)
    return ossp_cli_usage_error (cli, "'openssp otp new' needs --chip CHIP and --out FILE");
  chip = ossp_chip_new (chip_id, &error);
  if (chip == NULL)
    return ossp_cli_fail (cli, error);
  secret = ossp_otp_secret_new (chip);
  if (!ossp_otp_secret_save_json (secret, out, force ? OSSP_WRITE_FLAGS_OVERWRITE : 0, &error))
    return ossp_cli_fail (cli, error);
  if (cli->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "file");
      json_builder_add_string_value (b, out);
      json_builder_set_member_name (b, "chip");
      json_builder_add_string_value (b, ossp_chip_get_id (chip));
      json_builder_set_member_name (b, "items");
      json_builder_add_int_value (b, 0);
      json_builder_end_object (b);
      ossp_cli_print_builder (cli, b);
    }
  else
    ossp_cli_message (cli, "%s: new OTP list for %s", out, ossp_chip_get_name (chip));
  return OSSP_EXIT_OK;
}

static int
otp_set (OsspCli *cli, int argc, char **argv)
{
  g_autofree char *file = NULL, *word_s = NULL, *value_s = NULL, *value_env = NULL, *label = NULL;
  gboolean lock = FALSE, srl = FALSE, swl = FALSE;
  int format = 0;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspOtpSecret) secret = NULL;
  const char *pos[3] = { NULL, NULL, NULL };
  guint word = 0;
  guint32 value = 0;
  GOptionEntry entries[] = {
    { "file", 0, 0, G_OPTION_ARG_FILENAME, &file, "The OTP list (JSON)", "FILE" },
    { "word", 'w', 0, G_OPTION_ARG_STRING, &word_s, "OTP word number", "WORD" },
    { "value", 'v', 0, G_OPTION_ARG_STRING, &value_s, "32-bit value (0x… or decimal)", "VALUE" },
    { "value-env", 0, 0, G_OPTION_ARG_STRING, &value_env, "Read the value from this environment variable (keeps it out of ps)", "VAR" },
    { "lock", 'l', 0, G_OPTION_ARG_NONE, &lock, "Permanently lock the word after writing (MP2; MP1 always locks)", NULL },
    { "sticky-read-lock", 0, 0, G_OPTION_ARG_NONE, &srl, "MP2: sticky shadow-read lock", NULL },
    { "sticky-write-lock", 0, 0, G_OPTION_ARG_NONE, &swl, "MP2: sticky write lock", NULL },
    { "format", 0, 0, G_OPTION_ARG_INT, &format, "Mark the word as part of a format 1/2 value (0 = plain word)", "N" },
    { "label", 0, 0, G_OPTION_ARG_STRING, &label, "Your note for this word", "TEXT" },
    { NULL }
  };
  int exit_code;

  if (!ossp_cli_parse_options (cli, "otp set", "[FILE WORD VALUE]",
                               "Set one OTP word in the list (replaces what the word had).",
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc > 4)
    return ossp_cli_usage_error (cli, "'openssp otp set' takes FILE WORD VALUE");
  for (int i = 1; i < argc; i++)
    pos[i - 1] = argv[i];
  /* positional words fill in what the options did not give */
  {
    guint k = 0;
    if (file == NULL && pos[k]) file = g_strdup (pos[k++]);
    if (word_s == NULL && pos[k]) word_s = g_strdup (pos[k++]);
    if (value_s == NULL && value_env == NULL && pos[k]) value_s = g_strdup (pos[k++]);
    if (k < (guint) argc - 1)
      return ossp_cli_usage_error (cli, "'openssp otp set': too many arguments");
  }
  if (file == NULL || word_s == NULL)
    return ossp_cli_usage_error (cli, "'openssp otp set' needs FILE, WORD and VALUE");
  if (format < 0 || format > 2)
    return ossp_cli_usage_error (cli, "--format must be 0, 1 or 2");
  if (!parse_word (word_s, &word, &error) || !get_value (value_s, value_env, &value, &error))
    return ossp_cli_fail (cli, error);
  secret = ossp_otp_secret_load_json (NULL, file, &error);
  if (secret == NULL ||
      !ossp_otp_secret_set_item (secret, word, value,
                                 (lock ? OSSP_OTP_ITEM_FLAG_LOCK : 0) |
                                 (srl ? OSSP_OTP_ITEM_FLAG_STICKY_READ_LOCK : 0) |
                                 (swl ? OSSP_OTP_ITEM_FLAG_STICKY_WRITE_LOCK : 0),
                                 (guint) format, label, &error))
    {
      value = 0;
      return ossp_cli_fail (cli, error);
    }
  value = 0;
  if (lock && !ossp_chip_has_user_lock_flags (ossp_otp_secret_get_chip (secret)))
    ossp_cli_warn (cli, "--lock is not a choice on %s: its SSP firmware locks every word it "
                   "programs", ossp_chip_get_name (ossp_otp_secret_get_chip (secret)));
  return save_and_report (cli, secret, file, word, word, "set");
}

static gboolean
parse_range (const char  *text,
             guint       *first,
             guint       *last,
             GError     **error)
{
  g_auto(GStrv) parts = g_strsplit (text, "..", 2);

  if (!parse_word (parts[0], first, error))
    return FALSE;
  *last = *first;
  if (parts[1] && !parse_word (parts[1], last, error))
    return FALSE;
  if (*last < *first)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "Word range %s: the last word is before the first", text);
      return FALSE;
    }
  return TRUE;
}

static int
otp_unset (OsspCli *cli, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspOtpSecret) secret = NULL;
  guint first, last, removed;
  GOptionEntry entries[] = { { NULL } };
  int exit_code;

  if (!ossp_cli_parse_options (cli, "otp unset", "FILE WORD|FIRST..LAST",
                               "Remove words from the OTP list (they will not be burnt).",
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc != 3)
    return ossp_cli_usage_error (cli, "'openssp otp unset' takes FILE and WORD or FIRST..LAST");
  if (!parse_range (argv[2], &first, &last, &error))
    return ossp_cli_fail (cli, error);
  secret = ossp_otp_secret_load_json (NULL, argv[1], &error);
  if (secret == NULL)
    return ossp_cli_fail (cli, error);
  removed = ossp_otp_secret_remove_range (secret, first, last);
  if (removed == 0)
    {
      g_set_error (&error, OSSP_ERROR, OSSP_ERROR_NOT_FOUND,
                   "%s: nothing is set in word%s %s; the list is unchanged", argv[1],
                   first == last ? "" : "s", argv[2]);
      return ossp_cli_fail (cli, error);
    }
  return save_and_report (cli, secret, argv[1], first, last, "unset");
}

static int
otp_set_rma (OsspCli *cli, int argc, char **argv)
{
  g_autofree char *value_s = NULL, *value_env = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspOtpSecret) secret = NULL;
  guint32 value = 0;
  GOptionEntry entries[] = {
    { "value", 'v', 0, G_OPTION_ARG_STRING, &value_s, "RMA password (MP15: 30 bits, MP13: 32 bits)", "VALUE" },
    { "value-env", 0, 0, G_OPTION_ARG_STRING, &value_env, "Read it from this environment variable", "VAR" },
    { NULL }
  };
  int exit_code;
  gboolean ok;

  if (!ossp_cli_parse_options (cli, "otp set-rma", "FILE",
                               "Set the RMA password (MP1 word 56; locked by the SSP).",
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc != 2)
    return ossp_cli_usage_error (cli, "'openssp otp set-rma' takes FILE and --value or --value-env");
  if (!get_value (value_s, value_env, &value, &error))
    return ossp_cli_fail (cli, error);
  secret = ossp_otp_secret_load_json (NULL, argv[1], &error);
  ok = secret != NULL && ossp_otp_secret_set_rma_password (secret, value, &error);
  value = 0;
  if (!ok)
    return ossp_cli_fail (cli, error);
  return save_and_report (cli, secret, argv[1],
                          (guint) ossp_chip_get_rma_word (ossp_otp_secret_get_chip (secret)),
                          (guint) ossp_chip_get_rma_word (ossp_otp_secret_get_chip (secret)),
                          "set RMA password in");
}

static int
otp_set_pkhth (OsspCli *cli, int argc, char **argv)
{
  g_autofree char *hash_file = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspOtpSecret) secret = NULL;
  g_autoptr(OsspSecret) hash = NULL;
  GOptionEntry entries[] = {
    { "hash", 0, 0, G_OPTION_ARG_FILENAME, &hash_file, "publicKeysHashHashes.bin (32 bytes)", "FILE" },
    { NULL }
  };
  int exit_code;
  guint first;

  if (!ossp_cli_parse_options (cli, "otp set-pkhth", "FILE",
                               "MP2: put the public-key-table hash into its 8 OTP words (format 1, locked).",
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc != 2 || hash_file == NULL)
    return ossp_cli_usage_error (cli, "'openssp otp set-pkhth' takes FILE and --hash publicKeysHashHashes.bin");
  hash = ossp_secret_new_from_file (hash_file, 32, &error);
  if (hash == NULL)
    return ossp_cli_fail (cli, error);
  secret = ossp_otp_secret_load_json (NULL, argv[1], &error);
  if (secret == NULL || !ossp_otp_secret_set_pkh_table_hash (secret, hash->data, &error))
    return ossp_cli_fail (cli, error);
  first = ossp_chip_get_pkh_first_word (ossp_otp_secret_get_chip (secret));
  return save_and_report (cli, secret, argv[1], first, first + 7, "set PKHTH in");
}

static int
otp_set_key (OsspCli *cli, int argc, char **argv)
{
  g_autofree char *word_s = NULL, *key_file = NULL, *key_hex = NULL, *key_env = NULL, *label = NULL;
  gboolean no_lock = FALSE;
  int format = 0;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspOtpSecret) secret = NULL;
  g_autoptr(OsspSecret) key = NULL;
  guint word = 0;
  GOptionEntry entries[] = {
    { "word", 'w', 0, G_OPTION_ARG_STRING, &word_s, "First OTP word of the key", "WORD" },
    { "key-file", 0, 0, G_OPTION_ARG_FILENAME, &key_file, "Raw key file (16 or 32 bytes)", "FILE" },
    { "key-hex", 0, 0, G_OPTION_ARG_STRING, &key_hex, "Key as hex (visible in ps: prefer --key-file/--key-env)", "HEX" },
    { "key-env", 0, 0, G_OPTION_ARG_STRING, &key_env, "Key as hex in this environment variable", "VAR" },
    { "format", 0, 0, G_OPTION_ARG_INT, &format, "Word format 1 (big-endian per word) or 2 (little-endian); default from the chip map, else 1", "N" },
    { "no-lock", 0, 0, G_OPTION_ARG_NONE, &no_lock, "MP2: do not lock the key words (not recommended)", NULL },
    { "label", 0, 0, G_OPTION_ARG_STRING, &label, "Your note for these words", "TEXT" },
    { NULL }
  };
  int exit_code, n_src;
  const OsspOtpWordInfo *info;

  if (!ossp_cli_parse_options (cli, "otp set-key", "FILE",
                               "Lay a 128/256-bit key into consecutive OTP words.",
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  n_src = (key_file != NULL) + (key_hex != NULL) + (key_env != NULL);
  if (argc != 2 || word_s == NULL || n_src != 1)
    return ossp_cli_usage_error (cli, "'openssp otp set-key' takes FILE, --word WORD and one of "
                                 "--key-file, --key-hex, --key-env");
  if (format < 0 || format > 2)
    return ossp_cli_usage_error (cli, "--format must be 1 or 2");
  if (!parse_word (word_s, &word, &error))
    return ossp_cli_fail (cli, error);
  if (key_file)
    {
      gsize len = 0;
      guint8 *data = ossp_file_read (key_file, 64, &len, &error);
      if (data == NULL)
        return ossp_cli_fail (cli, error);
      key = ossp_secret_new_from_data (data, len);
      ossp_secure_wipe (data, len);
      g_free (data);
    }
  else
    {
      const char *hex = key_hex ? key_hex : g_getenv (key_env);
      gsize len = 0;
      guint8 *data;
      if (hex == NULL)
        {
          g_set_error (&error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                       "--key-env: the environment variable %s is not set", key_env);
          return ossp_cli_fail (cli, error);
        }
      data = ossp_hex_decode (hex, &len, &error);
      if (data == NULL)
        return ossp_cli_fail (cli, error);
      key = ossp_secret_new_from_data (data, len);
      ossp_secure_wipe (data, len);
      g_free (data);
    }
  secret = ossp_otp_secret_load_json (NULL, argv[1], &error);
  if (secret == NULL)
    return ossp_cli_fail (cli, error);
  if (format == 0)
    {
      info = ossp_chip_lookup_word (ossp_otp_secret_get_chip (secret), word);
      format = info && info->format ? (int) info->format : OSSP_WORD_FORMAT_1;
    }
  if (!ossp_otp_secret_set_key (secret, word, key->data, key->len, (OsspWordFormat) format,
                                !no_lock, label, &error))
    {
      if (key_file)
        g_prefix_error (&error, "%s: ", key_file);
      return ossp_cli_fail (cli, error);
    }
  return save_and_report (cli, secret, argv[1], word, word + (guint) key->len / 4 - 1, "set key in");
}

static int
otp_list (OsspCli *cli, int argc, char **argv)
{
  g_autofree char *chip_id = NULL;
  gboolean show = FALSE, plaintext = FALSE;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspOtpSecret) secret = NULL;
  GOptionEntry entries[] = {
    { "chip", 'c', 0, G_OPTION_ARG_STRING, &chip_id, "Chip (required for binary secret files)", "CHIP" },
    { "show-secrets", 0, 0, G_OPTION_ARG_NONE, &show, "Print values in clear", NULL },
    { "plaintext", 0, 0, G_OPTION_ARG_NONE, &plaintext, "FILE is MP1 plaintext secrets (RMA ‖ OTP 59..)", NULL },
    { NULL }
  };
  int exit_code;
  g_autofree char *command = g_strdup_printf ("otp %s", argv[0]);

  if (!ossp_cli_parse_options (cli, command, "FILE",
                               "Print the words of an OTP list or secret file (values masked "
                               "unless --show-secrets) and its problems.",
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc != 2)
    return ossp_cli_usage_error (cli, "'openssp %s' takes one FILE", command);
  secret = load_any (argv[1], chip_id, plaintext, &error);
  if (secret == NULL)
    return ossp_cli_fail (cli, error);
  print_secret (cli, secret, argv[1], show);
  return OSSP_EXIT_OK;
}

static int
otp_check (OsspCli *cli, int argc, char **argv)
{
  g_autofree char *chip_id = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspOtpSecret) secret = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(JsonNode) details = NULL;
  g_autofree char *sum = NULL;
  GOptionEntry entries[] = {
    { "chip", 'c', 0, G_OPTION_ARG_STRING, &chip_id, "Chip (required for binary secret files; checks a list against it)", "CHIP" },
    { NULL }
  };
  int exit_code;
  Summary s;

  if (!ossp_cli_parse_options (cli, "otp check", "FILE",
                               "Validate an OTP list against the chip: every problem, exit 11 on errors.",
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc != 2)
    return ossp_cli_usage_error (cli, "'openssp otp check' takes one FILE");
  secret = load_any (argv[1], chip_id, FALSE, &error);
  if (secret == NULL)
    return ossp_cli_fail (cli, error);
  problems = ossp_otp_secret_validate (secret);
  details = ossp_otp_problems_to_json (problems);
  s = summarize (secret, problems);
  sum = summary_text (s);
  if (s.errors > 0)
    {
      g_set_error (&error, OSSP_ERROR, OSSP_ERROR_VALIDATION,
                   "%s: %s; errors block building the secret file", argv[1], sum);
      return ossp_cli_fail_with_details (cli, error, details);
    }
  if (cli->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "file");
      json_builder_add_string_value (b, argv[1]);
      json_builder_set_member_name (b, "chip");
      json_builder_add_string_value (b, ossp_chip_get_id (ossp_otp_secret_get_chip (secret)));
      json_builder_set_member_name (b, "ok");
      json_builder_add_boolean_value (b, TRUE);
      add_summary_json (b, s);
      json_builder_set_member_name (b, "problems");
      json_builder_add_value (b, g_steal_pointer (&details));
      json_builder_end_object (b);
      ossp_cli_print_builder (cli, b);
      return OSSP_EXIT_OK;
    }
  for (guint i = 0; i < problems->len; i++)
    {
      OsspOtpProblem *p = g_ptr_array_index (problems, i);
      if (p->word >= 0)
        g_print ("warning: word %d: %s\n", p->word, p->message);
      else
        g_print ("warning: %s\n", p->message);
    }
  g_print ("%s: OK (%s)\n", argv[1], sum);
  return OSSP_EXIT_OK;
}

static void
warn_problems (OsspCli   *cli,
               GPtrArray *problems)
{
  for (guint i = 0; i < problems->len; i++)
    {
      OsspOtpProblem *p = g_ptr_array_index (problems, i);
      if (p->severity == OSSP_OTP_SEVERITY_WARNING)
        {
          if (p->word >= 0)
            ossp_cli_warn (cli, "word %d: %s", p->word, p->message);
          else
            ossp_cli_warn (cli, "%s", p->message);
        }
    }
}

static int
write_output (OsspCli       *cli,
              OsspOtpSecret *secret,
              GBytes        *bytes,
              const char    *out,
              gboolean       force,
              const char    *kind)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *sha = NULL;
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  if (!ossp_file_write_atomic (out, data, len,
                               OSSP_WRITE_FLAGS_SECRET | (force ? OSSP_WRITE_FLAGS_OVERWRITE : 0),
                               &error))
    return ossp_cli_fail (cli, error);
  /* a checksum to compare files without showing them (not a secret: SHA-256) */
  sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
  if (cli->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "file");
      json_builder_add_string_value (b, out);
      json_builder_set_member_name (b, "kind");
      json_builder_add_string_value (b, kind);
      json_builder_set_member_name (b, "chip");
      json_builder_add_string_value (b, ossp_chip_get_id (ossp_otp_secret_get_chip (secret)));
      json_builder_set_member_name (b, "size");
      json_builder_add_int_value (b, (gint64) len);
      json_builder_set_member_name (b, "sha256");
      json_builder_add_string_value (b, sha);
      json_builder_set_member_name (b, "items");
      json_builder_add_int_value (b, g_list_model_get_n_items (G_LIST_MODEL (secret)));
      json_builder_end_object (b);
      ossp_cli_print_builder (cli, b);
    }
  else
    ossp_cli_message (cli, "%s: %s for %s, %" G_GSIZE_FORMAT " bytes, SHA-256 %s", out, kind,
                      ossp_chip_get_name (ossp_otp_secret_get_chip (secret)), len, sha);
  return OSSP_EXIT_OK;
}

static int
build_or_export (OsspCli  *cli,
                 int       argc,
                 char    **argv,
                 gboolean  plaintext)
{
  g_autofree char *out = NULL, *chip_id = NULL;
  gboolean force = FALSE;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspOtpSecret) secret = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GBytes) bytes = NULL;
  GOptionEntry entries[] = {
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Output file (written 0600)", "FILE" },
    { "chip", 'c', 0, G_OPTION_ARG_STRING, &chip_id, "Check the list is for this chip", "CHIP" },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &force, "Replace an existing file", NULL },
    { NULL }
  };
  int exit_code;

  if (!ossp_cli_parse_options (cli, plaintext ? "otp export" : "otp build", "FILE",
                               plaintext
                               ? "Write the plaintext secrets the chip ROM hands to the SSP "
                                 "firmware (MP1: RMA ‖ OTP 59..95, 152 bytes; MP2: the OSOT file)."
                               : "Build the chip's binary secret file (MP1: 148 bytes for OTP "
                                 "59..95; MP2: OSOT v1). Refused while the list has errors.",
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc != 2 || out == NULL)
    return ossp_cli_usage_error (cli, "'openssp otp %s' takes FILE and --out OUT",
                                 plaintext ? "export" : "build");
  secret = load_list (argv[1], chip_id, &error);
  if (secret == NULL)
    return ossp_cli_fail (cli, error);
  if (!ossp_file_check_writable (out, force ? OSSP_WRITE_FLAGS_OVERWRITE : 0, &error))
    return ossp_cli_fail (cli, error);
  problems = ossp_otp_secret_validate (secret);
  bytes = plaintext ? ossp_otp_secret_to_plaintext (secret, &error)
                    : ossp_otp_secret_to_bytes (secret, &error);
  if (bytes == NULL)
    {
      g_autoptr(JsonNode) details = ossp_otp_problems_to_json (problems);
      return ossp_cli_fail_with_details (cli, error, details);
    }
  warn_problems (cli, problems);
  return write_output (cli, secret, bytes, out, force,
                       plaintext ? "plaintext secrets" : "secret file");
}

static int
otp_build (OsspCli *cli, int argc, char **argv)
{
  return build_or_export (cli, argc, argv, FALSE);
}

static int
otp_export (OsspCli *cli, int argc, char **argv)
{
  return build_or_export (cli, argc, argv, TRUE);
}

static int
otp_import (OsspCli *cli, int argc, char **argv)
{
  g_autofree char *out = NULL, *chip_id = NULL;
  gboolean force = FALSE, plaintext = FALSE;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspOtpSecret) secret = NULL;
  GOptionEntry entries[] = {
    { "chip", 'c', 0, G_OPTION_ARG_STRING, &chip_id, "Chip the secret file is for", "CHIP" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "The OTP list to write (JSON, 0600)", "FILE" },
    { "plaintext", 0, 0, G_OPTION_ARG_NONE, &plaintext, "The input is MP1 plaintext secrets (RMA ‖ OTP 59..)", NULL },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &force, "Replace an existing file", NULL },
    { NULL }
  };
  int exit_code;

  if (!ossp_cli_parse_options (cli, "otp import", "SECRET-FILE",
                               "Turn a binary secret file back into an editable OTP list.",
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc != 2 || out == NULL || chip_id == NULL)
    return ossp_cli_usage_error (cli, "'openssp otp import' takes SECRET-FILE, --chip CHIP and --out LIST");
  secret = load_any (argv[1], chip_id, plaintext, &error);
  if (secret == NULL ||
      !ossp_otp_secret_save_json (secret, out, force ? OSSP_WRITE_FLAGS_OVERWRITE : 0, &error))
    return ossp_cli_fail (cli, error);
  if (cli->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "file");
      json_builder_add_string_value (b, out);
      json_builder_set_member_name (b, "chip");
      json_builder_add_string_value (b, ossp_chip_get_id (ossp_otp_secret_get_chip (secret)));
      json_builder_set_member_name (b, "items");
      json_builder_add_int_value (b, g_list_model_get_n_items (G_LIST_MODEL (secret)));
      json_builder_end_object (b);
      ossp_cli_print_builder (cli, b);
    }
  else
    ossp_cli_message (cli, "%s: %u words imported from %s", out,
                      g_list_model_get_n_items (G_LIST_MODEL (secret)), argv[1]);
  return OSSP_EXIT_OK;
}

static int
otp_plan (OsspCli *cli, int argc, char **argv)
{
  g_autofree char *chip_id = NULL, *pkh_file = NULL, *current_file = NULL;
  gboolean show = FALSE, plaintext = FALSE;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspOtpSecret) secret = NULL;
  g_autoptr(OsspSecret) pkh = NULL;
  g_autoptr(GPtrArray) plan = NULL;
  g_autofree guint32 *current = NULL;
  gsize n_current = 0;
  GOptionEntry entries[] = {
    { "chip", 'c', 0, G_OPTION_ARG_STRING, &chip_id, "Chip (required for binary secret files)", "CHIP" },
    { "pkh", 0, 0, G_OPTION_ARG_FILENAME, &pkh_file, "MP1: the 32-byte PKH/PKHTH the payload will carry", "FILE" },
    { "current-otp", 0, 0, G_OPTION_ARG_FILENAME, &current_file, "The chip's OTP now: LE u32 per word from word 0", "FILE" },
    { "plaintext", 0, 0, G_OPTION_ARG_NONE, &plaintext, "FILE is MP1 plaintext secrets", NULL },
    { "show-secrets", 0, 0, G_OPTION_ARG_NONE, &show, "Print values in clear", NULL },
    { NULL }
  };
  int exit_code;

  if (!ossp_cli_parse_options (cli, "otp plan", "FILE",
                               "Show what the SSP firmware will program and lock, word by word.",
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc != 2)
    return ossp_cli_usage_error (cli, "'openssp otp plan' takes one FILE");
  secret = load_any (argv[1], chip_id, plaintext, &error);
  if (secret == NULL)
    return ossp_cli_fail (cli, error);
  if (pkh_file && (pkh = ossp_secret_new_from_file (pkh_file, 32, &error)) == NULL)
    return ossp_cli_fail (cli, error);
  if (current_file)
    {
      gsize len = 0;
      guint n_words = ossp_chip_get_otp_word_count (ossp_otp_secret_get_chip (secret));
      g_autofree guint8 *raw = ossp_file_read (current_file, (gsize) n_words * 4, &len, &error);
      if (raw == NULL)
        return ossp_cli_fail (cli, error);
      if (len % 4 != 0)
        {
          g_set_error (&error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                       "%s: %" G_GSIZE_FORMAT " bytes is not a whole number of 32-bit words",
                       current_file, len);
          return ossp_cli_fail (cli, error);
        }
      n_current = len / 4;
      current = g_new0 (guint32, MAX (n_current, 1));
      for (gsize i = 0; i < n_current; i++)
        current[i] = ossp_read_le32 (raw + 4 * i);
    }
  plan = ossp_otp_secret_get_burn_plan (secret, pkh ? pkh->data : NULL, current, n_current);
  if (cli->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      guint conflicts = 0;
      for (guint i = 0; i < plan->len; i++)
        conflicts += ((OsspOtpBurnStep *) g_ptr_array_index (plan, i))->conflict;
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "chip");
      json_builder_add_string_value (b, ossp_chip_get_id (ossp_otp_secret_get_chip (secret)));
      json_builder_set_member_name (b, "conflicts");
      json_builder_add_int_value (b, conflicts);
      json_builder_set_member_name (b, "steps");
      json_builder_add_value (b, ossp_otp_burn_plan_to_json (plan, show));
      json_builder_end_object (b);
      ossp_cli_print_builder (cli, b);
    }
  else
    {
      g_autofree char *text = ossp_otp_burn_plan_to_text (plan, show);
      g_print ("%s", text);
    }
  return OSSP_EXIT_OK;
}

static const struct {
  const char *name;
  int (*run) (OsspCli *cli, int argc, char **argv);
  const char *summary;
} otp_verbs[] = {
  { "new", otp_new, "start an empty OTP list: new --chip C --out LIST" },
  { "set", otp_set, "set a word: set LIST WORD VALUE [--lock] [--label L]" },
  { "unset", otp_unset, "remove words: unset LIST WORD|FIRST..LAST" },
  { "set-rma", otp_set_rma, "MP1 RMA password: set-rma LIST --value V" },
  { "set-pkhth", otp_set_pkhth, "MP2 PKH-table hash: set-pkhth LIST --hash publicKeysHashHashes.bin" },
  { "set-key", otp_set_key, "a 128/256-bit key: set-key LIST --word W --key-file K [--format 1|2]" },
  { "list", otp_list, "print a list or secret file (values masked): list FILE" },
  { "show", otp_list, "same as list, for secret files: show secret.bin --chip C" },
  { "check", otp_check, "validate: check LIST (exit 11 on errors)" },
  { "build", otp_build, "write the chip's secret file: build LIST --out secret.bin" },
  { "import", otp_import, "secret file → list: import secret.bin --chip C --out LIST" },
  { "export", otp_export, "list → plaintext secrets: export LIST --out plain.bin" },
  { "plan", otp_plan, "what the SSP will program and lock: plan FILE [--current-otp F]" },
};

int
ossp_cli_otp (OsspCli *cli, int argc, char **argv)
{
  if (argc < 2 || g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h"))
    {
      g_print ("Usage: openssp otp SUBCOMMAND [OPTIONS…] [--json]\n\n");
      for (guint i = 0; i < G_N_ELEMENTS (otp_verbs); i++)
        g_print ("  %-10s %s\n", otp_verbs[i].name, otp_verbs[i].summary);
      g_print ("\nValues are masked in output unless --show-secrets. Exit 11 = validation errors.\n");
      return argc < 2 ? OSSP_EXIT_USAGE : OSSP_EXIT_OK;
    }
  for (guint i = 0; i < G_N_ELEMENTS (otp_verbs); i++)
    if (g_str_equal (argv[1], otp_verbs[i].name))
      return otp_verbs[i].run (cli, argc - 1, argv + 1);
  return ossp_cli_usage_error (cli, "Unknown 'otp' sub-command \"%s\" (new, set, unset, set-rma, "
                               "set-pkhth, set-key, list, show, check, build, import, export, plan)",
                               argv[1]);
}
