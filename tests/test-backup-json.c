/* test-backup-json.c — the JSON backup list: import, export, schema
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>
#include <sys/stat.h>

#include "ossp-test-helper.h"

static OsspChip *
mp25 (void)
{
  g_autoptr(GError) error = NULL;
  OsspChip *chip = ossp_chip_new ("stm32mp25", &error);
  g_assert_no_error (error);
  return chip;
}

static char *
fixture (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "data", "backup", name, NULL);
}

static JsonNode *
parse (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

/* tests/data/backup/example.json as an OSBK v1 file, written out by hand
 * from payload.md §5.2: three entries sorted by offset. */
static GBytes *
example_expected_bytes (void)
{
  GByteArray *b = g_byte_array_new ();
  static const guint8 header[] = { 'O', 'S', 'B', 'K', 1, 0, 2, 0, 3, 0, 0, 0, 0, 0, 0, 0 };
  static const guint8 e0[] = { 0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                               0x78, 0x56, 0x34, 0x12, 0xEF, 0xCD, 0xAB, 0x89 };
  static const guint8 e1[] = { 0x20, 0, 0, 0, 16, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0 };
  static const guint8 e2[] = { 0x00, 1, 0, 0, 32, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0 };

  g_byte_array_append (b, header, sizeof header);
  g_byte_array_append (b, e0, sizeof e0);
  g_byte_array_append (b, e1, sizeof e1);
  for (guint8 i = 0; i < 16; i++)
    g_byte_array_append (b, &i, 1);
  g_byte_array_append (b, e2, sizeof e2);
  for (guint8 i = 0xC0; i < 0xE0; i++)
    g_byte_array_append (b, &i, 1);
  return g_byte_array_free_to_bytes (b);
}

static void
test_import_example (void)
{
  g_autoptr(OsspChip) chip = mp25 ();
  g_autofree char *path = fixture ("example.json");
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspBackupList) list = ossp_backup_list_load_json (chip, path, &problems, &error);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GBytes) expected = example_expected_bytes ();
  OsspBackupEntry *e;

  g_assert_no_error (error);
  g_assert_nonnull (list);
  g_assert_cmpuint (ossp_backup_problems_count_errors (problems), ==, 0);
  g_assert_cmpstr (ossp_backup_list_get_memory_kind (list), ==, "bkpsram");
  g_assert_cmpuint (ossp_backup_list_get_base (list), ==, 0x52000000);
  g_assert_cmpuint (ossp_backup_list_get_n_entries (list), ==, 3);
  e = ossp_backup_list_get_entry (list, 0);
  g_assert_cmpstr (ossp_backup_entry_get_label (e), ==, "boot counter");
  e = ossp_backup_list_get_entry (list, 2);
  g_assert_cmpint (ossp_backup_entry_get_cpu (e), ==, OSSP_BACKUP_WRAP_CPU_M33_TDCID2);
  g_assert_true (g_str_has_suffix (ossp_backup_entry_get_data_file (e), "/data/backup/aes256.key"));

  bytes = ossp_backup_list_to_bytes (list, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                   g_bytes_get_data (expected, NULL), g_bytes_get_size (expected));
}

/* model → JSON → model → OSBK → model, the same entries throughout */
static void
test_round_trip (void)
{
  g_autoptr(OsspChip) chip = mp25 ();
  g_autofree char *path = fixture ("example.json");
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *out = g_build_filename (dir, "list.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspBackupList) list = ossp_backup_list_load_json (chip, path, NULL, &error);
  g_autoptr(JsonNode) inline_json = ossp_backup_list_to_json_full (list, NULL, TRUE);
  g_autoptr(OsspBackupList) again = ossp_backup_list_new_from_json (chip, inline_json, NULL, NULL, &error);
  g_autoptr(OsspBackupList) saved = NULL;
  g_autoptr(GBytes) b1 = NULL, b2 = NULL, b3 = NULL;
  g_autoptr(OsspBackupList) from_bin = NULL;
  JsonObject *root = json_node_get_object (inline_json);
  JsonObject *e2;
  struct stat st;

  g_assert_no_error (error);
  g_assert_cmpint (json_object_get_int_member (root, "version"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (root, "memory"), ==, "bkpsram");
  g_assert_cmpstr (json_object_get_string_member (root, "base"), ==, "0x52000000");
  e2 = json_array_get_object_element (json_object_get_array_member (root, "entries"), 2);
  g_assert_cmpstr (json_object_get_string_member (e2, "offset"), ==, "0x100");
  g_assert_cmpstr (json_object_get_string_member (e2, "cpu"), ==, "m33");
  g_assert_true (json_object_get_boolean_member (e2, "wrap"));
  g_assert_cmpint (json_object_get_string_member (e2, "hex")[0], ==, 'c');

  b1 = ossp_backup_list_to_bytes (list, &error);
  b2 = ossp_backup_list_to_bytes (again, &error);
  g_assert_true (g_bytes_equal (b1, b2));
  from_bin = ossp_backup_list_new_from_bytes (chip, b2, &error);
  g_assert_no_error (error);
  b3 = ossp_backup_list_to_bytes (from_bin, &error);
  g_assert_true (g_bytes_equal (b1, b3));

  /* saved elsewhere, the data file stays referenced (absolute path, as it
   * is not below the new folder); the file is 0600 (inline data) */
  g_assert_true (ossp_backup_list_save_json (list, out, 0, &error));
  g_assert_no_error (error);
  g_assert_cmpint (stat (out, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  saved = ossp_backup_list_load_json (chip, out, NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&b2, g_bytes_unref);
  b2 = ossp_backup_list_to_bytes (saved, &error);
  g_assert_true (g_bytes_equal (b1, b2));
  g_assert_true (g_path_is_absolute (ossp_backup_entry_get_data_file (ossp_backup_list_get_entry (saved, 2))));
}

static void
test_data_file_relative (void)
{
  g_autoptr(OsspChip) chip = mp25 ();
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *key = g_build_filename (dir, "k.bin", NULL);
  g_autofree char *out = g_build_filename (dir, "list.json", NULL);
  g_autoptr(OsspBackupList) list = ossp_backup_list_new (chip, "tamp", NULL);
  g_autoptr(GBytes) data = g_bytes_new_static ("0123456789abcdef", 16);
  g_autoptr(OsspBackupEntry) e = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  struct stat st;

  g_assert_true (g_file_set_contents (key, "0123456789abcdef", 16, NULL));
  e = ossp_backup_entry_new_with_file (0x10, data, key, TRUE, OSSP_BACKUP_WRAP_CPU_A35_TDCID1, "k");
  g_assert_true (ossp_backup_list_add_entry (list, e, NULL, &error));
  g_assert_true (ossp_backup_list_save_json (list, out, 0, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (out, &text, NULL, NULL));
  /* the key stays in its file: the list refers to it, relative */
  g_assert_nonnull (strstr (text, "\"data_file\" : \"k.bin\""));
  g_assert_null (strstr (text, "3031323334"));
  g_assert_cmpint (stat (out, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0644);
}

static gboolean
has_problem (GPtrArray *problems, int index, const char *field, const char *needle)
{
  for (guint i = 0; i < problems->len; i++)
    {
      OsspBackupProblem *p = problems->pdata[i];
      if (p->index == index && g_strcmp0 (p->field, field) == 0 && strstr (p->message, needle))
        return TRUE;
    }
  return FALSE;
}

static void
dump_problems (GPtrArray *problems)
{
  for (guint i = 0; problems && i < problems->len; i++)
    {
      OsspBackupProblem *p = problems->pdata[i];
      g_test_message ("problem %d %s: %s", p->index, p->field, p->message);
    }
}

static void
test_import_invalid_file (void)
{
  g_autoptr(OsspChip) chip = mp25 ();
  g_autofree char *path = fixture ("invalid.json");
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) error = NULL;
  OsspBackupList *list = ossp_backup_list_load_json (chip, path, &problems, &error);

  dump_problems (problems);
  g_assert_null (list);
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_VALIDATION);
  g_assert_nonnull (strstr (error->message, "nothing was imported"));
  g_assert_nonnull (strstr (error->message, "invalid.json"));
  g_assert_nonnull (problems);
  /* every bad entry is reported, with its index, field and why */
  g_assert_true (has_problem (problems, -1, "base", "Backup SRAM"));
  g_assert_true (has_problem (problems, 1, "offset", "aligned"));
  g_assert_true (has_problem (problems, 1, "data", "multiple of 4"));
  g_assert_true (has_problem (problems, 2, "hex", "odd number"));
  g_assert_true (has_problem (problems, 3, "offset", "99999999999"));
  g_assert_true (has_problem (problems, 4, "wrap", "true or false"));
  g_assert_true (has_problem (problems, 5, "cpu", "a35"));
  g_assert_true (has_problem (problems, 6, "offset", "missing"));
  g_assert_true (has_problem (problems, 7, "data", "beyond the end"));
  g_assert_true (has_problem (problems, 8, "offset", "overlaps"));
  g_assert_true (has_problem (problems, 9, NULL, "must be an object"));
  g_assert_true (has_problem (problems, 10, "lable", "Unknown member"));
  /* entry 0 is fine and has nothing */
  for (guint i = 0; i < problems->len; i++)
    g_assert_cmpint (((OsspBackupProblem *) problems->pdata[i])->index, !=, 0);
  /* sorted by index, list-level first */
  for (guint i = 1; i < problems->len; i++)
    g_assert_cmpint (((OsspBackupProblem *) problems->pdata[i - 1])->index, <=,
                     ((OsspBackupProblem *) problems->pdata[i])->index);
}

typedef struct {
  const char *json;
  int         code;        /* GError code expected */
  const char *field;       /* a problem on this field (index -1 or 0), or NULL */
  const char *needle;
} BadCase;

static void
test_malformed (void)
{
  g_autoptr(OsspChip) chip = mp25 ();
  const BadCase cases[] = {
    { "[]", OSSP_ERROR_INVALID_DATA, NULL, "JSON object" },
    { "{\"version\": 2, \"memory\": \"tamp\", \"base\": 0, \"entries\": []}", OSSP_ERROR_VERSION, NULL,
      "version 2" },
    { "{\"version\": 99999999999999999, \"memory\": \"tamp\"}", OSSP_ERROR_VERSION, NULL, "newer" },
    { "{\"version\": \"1\", \"memory\": \"tamp\", \"base\": \"0x46010100\", \"entries\": []}",
      OSSP_ERROR_VALIDATION, "version", "must be the number 1" },
    { "{\"memory\": \"tamp\", \"base\": \"0x46010100\", \"entries\": []}", OSSP_ERROR_VALIDATION,
      "version", "missing" },
    { "{\"version\": 0, \"memory\": \"tamp\", \"base\": \"0x46010100\", \"entries\": []}",
      OSSP_ERROR_VALIDATION, "version", "first version" },
    { "{\"version\": 1, \"base\": \"0x46010100\", \"entries\": []}", OSSP_ERROR_VALIDATION, "memory",
      "missing" },
    { "{\"version\": 1, \"memory\": \"flash\", \"base\": \"0x46010100\", \"entries\": []}",
      OSSP_ERROR_VALIDATION, "memory", "no backup memory \"flash\"" },
    { "{\"version\": 1, \"memory\": 7, \"base\": \"0x46010100\", \"entries\": []}", OSSP_ERROR_VALIDATION,
      "memory", "must be a string" },
    { "{\"version\": 1, \"memory\": \"tamp\", \"entries\": []}", OSSP_ERROR_VALIDATION, "base", "missing" },
    { "{\"version\": 1, \"memory\": \"tamp\", \"base\": 1.5, \"entries\": []}", OSSP_ERROR_VALIDATION,
      "base", "fractional" },
    { "{\"version\": 1, \"memory\": \"tamp\", \"base\": \"0x146010100\", \"entries\": []}",
      OSSP_ERROR_VALIDATION, "base", "32-bit" },
    { "{\"version\": 1, \"memory\": \"tamp\", \"base\": -4, \"entries\": []}", OSSP_ERROR_VALIDATION,
      "base", "outside" },
    { "{\"version\": 1, \"memory\": \"tamp\", \"base\": \"0x46010100\"}", OSSP_ERROR_VALIDATION,
      "entries", "missing" },
    { "{\"version\": 1, \"memory\": \"tamp\", \"base\": \"0x46010100\", \"entries\": {}}",
      OSSP_ERROR_VALIDATION, "entries", "must be an array" },
    { "{\"version\": 1, \"chip\": \"stm32mp15\", \"memory\": \"tamp\", \"base\": \"0x46010100\", \"entries\": []}",
      OSSP_ERROR_VALIDATION, "chip", "stm32mp15" },
    { "{\"version\": 1, \"format\": \"x\", \"memory\": \"tamp\", \"base\": \"0x46010100\", \"entries\": []}",
      OSSP_ERROR_VALIDATION, "format", "openssp-backup-list" },
    { "{\"version\": 1, \"memory\": \"tamp\", \"base\": \"0x46010100\", \"entries\": [], \"extra\": 1}",
      OSSP_ERROR_VALIDATION, "extra", "Unknown member" },
    { "{\"version\": 1, \"memory\": \"tamp\", \"base\": \"0x46010100\", \"entries\": "
      "[{\"offset\": 0, \"hex\": \"00\", \"data_file\": \"x\"}]}", OSSP_ERROR_VALIDATION, "data_file", "not both" },
    { "{\"version\": 1, \"memory\": \"tamp\", \"base\": \"0x46010100\", \"entries\": [{\"offset\": 0}]}",
      OSSP_ERROR_VALIDATION, "hex", "data is missing" },
    { "{\"version\": 1, \"memory\": \"tamp\", \"base\": \"0x46010100\", \"entries\": "
      "[{\"offset\": 0, \"hex\": \"zz\"}]}", OSSP_ERROR_VALIDATION, "hex", "not a hex digit" },
    { "{\"version\": 1, \"memory\": \"tamp\", \"base\": \"0x46010100\", \"entries\": "
      "[{\"offset\": 0, \"hex\": 1234}]}", OSSP_ERROR_VALIDATION, "hex", "must be a string" },
    /* no digits at all (found by fuzz-backup-json): empty data, not a crash */
    { "{\"version\": 1, \"memory\": \"tamp\", \"base\": \"0x46010100\", \"entries\": "
      "[{\"offset\": 0, \"hex\": \"\"}, {\"offset\": 8, \"hex\": \" : \"}]}", OSSP_ERROR_VALIDATION, "data",
      "empty" },
    { "{\"version\": 1, \"memory\": \"tamp\", \"base\": \"0x46010100\", \"entries\": "
      "[{\"offset\": 0, \"hex\": \"00112233\", \"length\": 8}]}", OSSP_ERROR_VALIDATION, "length", "says 8" },
    { "{\"version\": 1, \"memory\": \"tamp\", \"base\": \"0x46010100\", \"entries\": "
      "[{\"offset\": 0, \"hex\": \"00112233\", \"cpu\": \"m4\"}]}", OSSP_ERROR_VALIDATION, "cpu", "m4" },
    { "{\"version\": 1, \"memory\": \"tamp\", \"base\": \"0x46010100\", \"entries\": "
      "[{\"offset\": 0, \"hex\": \"00112233\", \"label\": []}]}", OSSP_ERROR_VALIDATION, "label", "an array" },
    { "{\"version\": 1, \"memory\": \"tamp\", \"base\": \"0x46010100\", \"entries\": "
      "[{\"offset\": 0, \"data_file\": \"/nonexistent/openssp.key\"}]}", OSSP_ERROR_VALIDATION, "data_file",
      "nonexistent" },
    { "{\"version\": 1, \"memory\": \"tamp\", \"base\": \"0x46010100\", \"entries\": "
      "[{\"offset\": null, \"hex\": \"00112233\"}]}", OSSP_ERROR_VALIDATION, "offset", "null" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) node = parse (cases[i].json);
      g_autoptr(GPtrArray) problems = NULL;
      g_autoptr(GError) error = NULL;
      OsspBackupList *list = ossp_backup_list_new_from_json (chip, node, NULL, &problems, &error);

      g_test_message ("case %u: %s", i, cases[i].json);
      dump_problems (problems);
      g_assert_null (list);
      g_assert_error (error, OSSP_ERROR, cases[i].code);
      if (cases[i].field)
        g_assert_true (has_problem (problems, -1, cases[i].field, cases[i].needle) ||
                       has_problem (problems, 0, cases[i].field, cases[i].needle));
      else
        g_assert_nonnull (strstr (error->message, cases[i].needle));
    }
}

static void
test_not_json_and_no_backup_chip (void)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "broken.json", NULL);
  g_autoptr(OsspChip) chip = mp25 ();
  g_autoptr(OsspChip) mp15 = ossp_chip_new ("stm32mp15", NULL);
  g_autofree char *example = fixture ("example.json");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(OsspBackupList) by_name = NULL;

  g_assert_true (g_file_set_contents (path, "{\"version\": 1, ", -1, NULL));
  g_assert_null (ossp_backup_list_load_json (chip, path, &problems, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "not valid JSON"));
  g_clear_error (&error);

  g_assert_null (ossp_backup_list_load_json (mp15, example, &problems, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "only on STM32MP2"));
  g_clear_error (&error);

  /* no chip given: the list's "chip" member chooses it */
  by_name = ossp_backup_list_load_json (NULL, example, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ossp_chip_get_id (ossp_backup_list_get_chip (by_name)), ==, "stm32mp25");
}

/* Every member we export is described by the schema, and the schema
 * requires nothing we do not export. */
static void
check_described (JsonObject *data, JsonObject *schema)
{
  JsonObject *props = json_object_get_object_member (schema, "properties");
  JsonArray *required = json_object_get_array_member (schema, "required");
  g_autoptr(GList) members = json_object_get_members (data);

  g_assert_true (json_object_get_boolean_member (schema, "additionalProperties") == FALSE);
  for (GList *l = members; l; l = l->next)
    {
      JsonObject *p = json_object_get_object_member (props, l->data);
      if (p == NULL)
        g_error ("exported member \"%s\" is not in the schema", (const char *) l->data);
      g_assert_true (json_object_has_member (p, "description"));
    }
  for (guint i = 0; i < json_array_get_length (required); i++)
    g_assert_true (json_object_has_member (data, json_array_get_string_element (required, i)));
}

static void
test_schema_matches_export (void)
{
  g_autofree char *schema_path = g_build_filename (g_getenv ("OPENSSP_SOURCE_DIR"), "docs", "formats",
                                                   "backup.schema.json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspChip) chip = mp25 ();
  g_autofree char *example = fixture ("example.json");
  g_autoptr(OsspBackupList) list = ossp_backup_list_load_json (chip, example, NULL, &error);
  g_autoptr(JsonNode) exported = NULL;
  JsonObject *schema, *root, *entry_schema, *version;

  g_assert_no_error (error);
  g_assert_true (json_parser_load_from_file (parser, schema_path, &error));
  g_assert_no_error (error);
  schema = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (schema, "$schema"), ==,
                   "https://json-schema.org/draft/2020-12/schema");
  version = json_object_get_object_member (json_object_get_object_member (schema, "properties"), "version");
  g_assert_cmpint (json_object_get_int_member (version, "const"), ==, 1);
  entry_schema = json_object_get_object_member (json_object_get_object_member (schema, "$defs"), "entry");

  /* both the inline and the file-reference form */
  for (int inline_data = 0; inline_data < 2; inline_data++)
    {
      JsonArray *entries;
      exported = ossp_backup_list_to_json_full (list, NULL, inline_data);
      root = json_node_get_object (exported);
      check_described (root, schema);
      entries = json_object_get_array_member (root, "entries");
      for (guint i = 0; i < json_array_get_length (entries); i++)
        check_described (json_array_get_object_element (entries, i), entry_schema);
      g_clear_pointer (&exported, json_node_unref);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/backup/json/import-example", test_import_example);
  g_test_add_func ("/backup/json/round-trip", test_round_trip);
  g_test_add_func ("/backup/json/data-file-relative", test_data_file_relative);
  g_test_add_func ("/backup/json/invalid-file", test_import_invalid_file);
  g_test_add_func ("/backup/json/malformed", test_malformed);
  g_test_add_func ("/backup/json/not-json", test_not_json_and_no_backup_chip);
  g_test_add_func ("/backup/json/schema", test_schema_matches_export);
  return g_test_run ();
}
