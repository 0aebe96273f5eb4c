/* test-backup-list.c — OsspBackupList: rules, the OSBK v1 file, round trips
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

static GBytes *
seq_bytes (guint8 first, gsize len)
{
  guint8 *buf = g_malloc (len ? len : 1);
  for (gsize i = 0; i < len; i++)
    buf[i] = (guint8) (first + i);
  return g_bytes_new_take (buf, len);
}

static OsspBackupList *
new_list (OsspChip *chip, const char *kind)
{
  g_autoptr(GError) error = NULL;
  OsspBackupList *list = ossp_backup_list_new (chip, kind, &error);
  g_assert_no_error (error);
  g_assert_nonnull (list);
  return list;
}

static void
add_ok (OsspBackupList *list, guint32 offset, GBytes *data, gboolean wrap, OsspBackupWrapCpu cpu, const char *label)
{
  g_autoptr(GError) error = NULL;
  g_assert_true (ossp_backup_list_add (list, offset, data, wrap, cpu, label, &error));
  g_assert_no_error (error);
}

/* The expected file is written out by hand from the table in
 * payload.md §5.2, not produced by the code under test. */
static const guint8 expected_bkpsram[] = {
  /* header: "OSBK", version 1, kind 2 (BKPSRAM), 4 entries, reserved */
  0x4F, 0x53, 0x42, 0x4B, 0x01, 0x00, 0x02, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  /* entry 0: offset 0x0, 4 bytes, flags 0 */
  0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0xDE, 0xAD, 0xBE, 0xEF,
  /* entry 1: offset 0x10, 8 bytes, flags 0 */
  0x10, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
  /* entry 2: offset 0x20, 16 bytes, flags = wrap | A35 (1 << 1) = 3 */
  0x20, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F,
  /* entry 3: offset 0x1FE0, 32 bytes, flags = wrap | M33 (2 << 1) = 5 */
  0xE0, 0x1F, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0xA0, 0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7, 0xA8, 0xA9, 0xAA, 0xAB, 0xAC, 0xAD, 0xAE, 0xAF,
  0xB0, 0xB1, 0xB2, 0xB3, 0xB4, 0xB5, 0xB6, 0xB7, 0xB8, 0xB9, 0xBA, 0xBB, 0xBC, 0xBD, 0xBE, 0xBF,
};

static OsspBackupList *
build_known_bkpsram (OsspChip *chip)
{
  OsspBackupList *list = new_list (chip, "bkpsram");
  g_autoptr(GBytes) d1 = seq_bytes (1, 8);
  g_autoptr(GBytes) k16 = seq_bytes (0, 16);
  g_autoptr(GBytes) k32 = seq_bytes (0xA0, 32);
  g_autoptr(GBytes) w = g_bytes_new_static ("\xDE\xAD\xBE\xEF", 4);

  /* added out of order: the list and the file are sorted by offset */
  add_ok (list, 0x10, d1, FALSE, OSSP_BACKUP_WRAP_CPU_NONE, "counter");
  add_ok (list, 0x1FE0, k32, TRUE, OSSP_BACKUP_WRAP_CPU_M33_TDCID2, "m33 key");
  add_ok (list, 0x20, k16, TRUE, OSSP_BACKUP_WRAP_CPU_A35_TDCID1, "a35 key");
  add_ok (list, 0x0, w, FALSE, OSSP_BACKUP_WRAP_CPU_NONE, NULL);
  return list;
}

static void
test_bytes_exact_bkpsram (void)
{
  g_autoptr(OsspChip) chip = mp25 ();
  g_autoptr(OsspBackupList) list = build_known_bkpsram (chip);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = ossp_backup_list_to_bytes (list, &error);

  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                   expected_bkpsram, sizeof expected_bkpsram);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 4);
  g_assert_cmpuint (ossp_backup_entry_get_offset (ossp_backup_list_get_entry (list, 3)), ==, 0x1FE0);
  g_assert_cmpuint (ossp_backup_list_get_used_bytes (list), ==, 4 + 8 + 16 + 32);
}

static void
test_bytes_exact_tamp (void)
{
  g_autoptr(OsspChip) chip = mp25 ();
  g_autoptr(OsspBackupList) list = new_list (chip, "tamp");
  g_autoptr(GBytes) d = g_bytes_new_static ("\x11\x22\x33\x44\x55\x66\x77\x88", 8);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  static const guint8 expected[] = {
    0x4F, 0x53, 0x42, 0x4B, 0x01, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xF8, 0x01, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
  };

  g_assert_cmpuint (ossp_backup_list_get_base (list), ==, 0x46010100);
  /* the last two registers of the 512-byte TAMP block */
  add_ok (list, 0x1F8, d, FALSE, OSSP_BACKUP_WRAP_CPU_NONE, NULL);
  bytes = ossp_backup_list_to_bytes (list, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), expected, sizeof expected);

  /* an empty list is valid (a warning) and is just the header */
  ossp_backup_list_clear (list);
  g_clear_pointer (&bytes, g_bytes_unref);
  bytes = ossp_backup_list_to_bytes (list, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (bytes), ==, 16);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), 16,
                   "OSBK\x01\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00", 16);
}

static void
assert_same_entries (OsspBackupList *a, OsspBackupList *b)
{
  g_assert_cmpstr (ossp_backup_list_get_memory_kind (a), ==, ossp_backup_list_get_memory_kind (b));
  g_assert_cmpuint (ossp_backup_list_get_n_entries (a), ==, ossp_backup_list_get_n_entries (b));
  for (guint i = 0; i < ossp_backup_list_get_n_entries (a); i++)
    {
      OsspBackupEntry *x = ossp_backup_list_get_entry (a, i), *y = ossp_backup_list_get_entry (b, i);
      g_assert_cmpuint (ossp_backup_entry_get_offset (x), ==, ossp_backup_entry_get_offset (y));
      g_assert_true (g_bytes_equal (ossp_backup_entry_get_data (x), ossp_backup_entry_get_data (y)));
      g_assert_cmpint (ossp_backup_entry_get_wrap (x), ==, ossp_backup_entry_get_wrap (y));
      g_assert_cmpint (ossp_backup_entry_get_cpu (x), ==, ossp_backup_entry_get_cpu (y));
    }
}

static void
test_bytes_round_trip (void)
{
  g_autoptr(OsspChip) chip = mp25 ();
  g_autoptr(OsspBackupList) list = build_known_bkpsram (chip);
  g_autoptr(GBytes) fixture = g_bytes_new_static (expected_bkpsram, sizeof expected_bkpsram);
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspBackupList) back = ossp_backup_list_new_from_bytes_full (chip, fixture, &problems, &error);
  g_autoptr(GBytes) again = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (back);
  g_assert_cmpuint (ossp_backup_problems_count_errors (problems), ==, 0);
  g_assert_cmpstr (ossp_backup_list_get_memory_kind (back), ==, "bkpsram");
  g_assert_cmpuint (ossp_backup_list_get_base (back), ==, 0x42000000);
  assert_same_entries (list, back);
  g_assert_cmpint (ossp_backup_entry_get_cpu (ossp_backup_list_get_entry (back, 3)), ==,
                   OSSP_BACKUP_WRAP_CPU_M33_TDCID2);
  again = ossp_backup_list_to_bytes (back, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (again, fixture));
}

static void
test_save_load (void)
{
  g_autoptr(OsspChip) chip = mp25 ();
  g_autoptr(OsspBackupList) list = build_known_bkpsram (chip);
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "backup-out.bin", NULL);
  g_autoptr(OsspBackupList) back = NULL;
  g_autoptr(GError) error = NULL;
  struct stat st;

  g_assert_true (ossp_backup_list_save (list, path, OSSP_WRITE_FLAGS_NONE, &error));
  g_assert_no_error (error);
  g_assert_cmpint (stat (path, &st), ==, 0);
  /* backup data may be keys: 0600 even without the SECRET flag */
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_false (ossp_backup_list_save (list, path, OSSP_WRITE_FLAGS_NONE, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_true (ossp_backup_list_save (list, path, OSSP_WRITE_FLAGS_OVERWRITE, &error));
  back = ossp_backup_list_load (chip, path, &error);
  g_assert_no_error (error);
  assert_same_entries (list, back);
}

/* one entry that should be refused with @field named in the problems */
static void
assert_refused (OsspBackupList *list, guint32 offset, gsize len, gboolean wrap,
                OsspBackupWrapCpu cpu, const char *field, const char *needle)
{
  g_autoptr(GBytes) data = seq_bytes (0x40, len);
  g_autoptr(OsspBackupEntry) entry = ossp_backup_entry_new (offset, data, wrap, cpu, NULL);
  g_autoptr(GPtrArray) problems = ossp_backup_list_check_entry (list, entry, -1);
  g_autoptr(GError) error = NULL;
  guint n = ossp_backup_list_get_n_entries (list);
  gboolean seen = FALSE;

  for (guint i = 0; i < problems->len; i++)
    {
      OsspBackupProblem *p = problems->pdata[i];
      if (g_str_equal (p->field, field) && strstr (p->message, needle))
        seen = TRUE;
    }
  if (!seen)
    g_error ("no problem on %s mentioning \"%s\" for offset 0x%X len %zu", field, needle, offset, len);
  g_assert_false (ossp_backup_list_add_entry (list, entry, NULL, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_VALIDATION);
  g_assert_nonnull (strstr (error->message, needle));
  g_assert_cmpuint (ossp_backup_list_get_n_entries (list), ==, n);
}

static void
test_rules_memory (gconstpointer user_data)
{
  const char *kind = user_data;
  g_autoptr(OsspChip) chip = mp25 ();
  g_autoptr(OsspBackupList) list = new_list (chip, kind);
  const OsspBackupMemoryInfo *mem = ossp_chip_lookup_backup_memory (chip, kind);
  const OsspBackupMemoryInfo *other = ossp_chip_lookup_backup_memory (chip, g_str_equal (kind, "tamp") ? "bkpsram" : "tamp");
  guint32 size = mem->size;
  g_autoptr(GBytes) d8 = seq_bytes (0, 8);
  g_autoptr(GBytes) d4 = seq_bytes (0, 4);
  g_autoptr(GBytes) k16 = seq_bytes (0, 16);
  g_autoptr(GBytes) k32 = seq_bytes (0, 32);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) problems = NULL;

  g_assert_cmpuint (size, ==, g_str_equal (kind, "tamp") ? 512 : 8192);

  /* alignment and length */
  assert_refused (list, 0x2, 4, FALSE, 0, "offset", "not 32-bit aligned");
  assert_refused (list, 0x4, 0, FALSE, 0, "data", "empty");
  assert_refused (list, 0x4, 6, FALSE, 0, "data", "multiple of 4");
  /* bounds: the first offset past the end, and data running past it */
  assert_refused (list, size, 4, FALSE, 0, "offset", "outside");
  assert_refused (list, size - 4, 8, FALSE, 0, "data", "beyond the end");
  add_ok (list, size - 4, d4, FALSE, OSSP_BACKUP_WRAP_CPU_NONE, "last word");

  /* overlaps: with a neighbour, and one entry inside another */
  add_ok (list, 0x0, d8, FALSE, OSSP_BACKUP_WRAP_CPU_NONE, "first");
  assert_refused (list, 0x4, 4, FALSE, 0, "offset", "overlaps");
  assert_refused (list, 0x0, 4, FALSE, 0, "offset", "overlaps");
  assert_refused (list, size - 8, 8, FALSE, 0, "offset", "overlaps");
  add_ok (list, 0x8, d4, FALSE, OSSP_BACKUP_WRAP_CPU_NONE, "adjacent");

  /* wrap: 16 or 32 bytes only, needs a CPU, and a CPU needs wrap */
  assert_refused (list, 0x10, 12, TRUE, OSSP_BACKUP_WRAP_CPU_A35_TDCID1, "wrap", "128- or 256-bit");
  assert_refused (list, 0x10, 24, TRUE, OSSP_BACKUP_WRAP_CPU_M33_TDCID2, "wrap", "128- or 256-bit");
  assert_refused (list, 0x10, 16, TRUE, OSSP_BACKUP_WRAP_CPU_NONE, "cpu", "a35");
  assert_refused (list, 0x10, 16, FALSE, OSSP_BACKUP_WRAP_CPU_A35_TDCID1, "cpu", "wrap is off");
  assert_refused (list, 0x10, 16, TRUE, 3, "cpu", "unknown");
  add_ok (list, 0x10, k16, TRUE, OSSP_BACKUP_WRAP_CPU_A35_TDCID1, NULL);
  add_ok (list, 0x20, k32, TRUE, OSSP_BACKUP_WRAP_CPU_M33_TDCID2, NULL);

  /* base: either of the memory's own, never the other memory's */
  g_assert_true (ossp_backup_list_set_base (list, mem->bases[1], &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ossp_backup_list_get_base (list), ==, mem->bases[1]);
  g_assert_false (ossp_backup_list_set_base (list, other->bases[0], &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_VALIDATION);
  g_assert_nonnull (strstr (error->message, other->name));
  g_clear_error (&error);
  g_assert_false (ossp_backup_list_set_base (list, mem->bases[0] + 4, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_VALIDATION);
  g_clear_error (&error);
  g_assert_cmpuint (ossp_backup_list_get_base (list), ==, mem->bases[1]);

  /* the list stayed valid and sorted */
  problems = ossp_backup_list_validate (list);
  g_assert_cmpuint (problems->len, ==, 0);
  g_assert_cmpuint (ossp_backup_list_get_n_entries (list), ==, 5);
  for (guint i = 1; i < 5; i++)
    g_assert_cmpuint (ossp_backup_entry_get_offset (ossp_backup_list_get_entry (list, i - 1)), <,
                      ossp_backup_entry_get_offset (ossp_backup_list_get_entry (list, i)));
}

static void
test_all_problems_at_once (void)
{
  g_autoptr(OsspChip) chip = mp25 ();
  g_autoptr(OsspBackupList) list = new_list (chip, "tamp");
  g_autoptr(GBytes) d = seq_bytes (0, 10);
  g_autoptr(OsspBackupEntry) e = ossp_backup_entry_new (0x203, d, TRUE, OSSP_BACKUP_WRAP_CPU_NONE,
                                                        NULL);
  g_autoptr(GPtrArray) problems = ossp_backup_list_check_entry (list, e, -1);
  g_autoptr(JsonNode) json = ossp_backup_problems_to_json (problems);
  JsonArray *arr = json_node_get_array (json);
  gboolean fields[5] = { 0 };
  const char *names[] = { "offset", "data", "wrap", "cpu" };

  /* misaligned, odd length, out of bounds, wrap on 10 bytes, no CPU */
  g_assert_cmpuint (ossp_backup_problems_count_errors (problems), ==, 5);
  for (guint i = 0; i < problems->len; i++)
    for (guint j = 0; j < G_N_ELEMENTS (names); j++)
      if (g_str_equal (((OsspBackupProblem *) problems->pdata[i])->field, names[j]))
        fields[j] = TRUE;
  for (guint j = 0; j < G_N_ELEMENTS (names); j++)
    g_assert_true (fields[j]);
  g_assert_cmpuint (json_array_get_length (arr), ==, 5);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (arr, 0), "where"), ==,
                   "entries[0].offset");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (arr, 0), "severity"), ==,
                   "error");
}

static void
test_replace_and_model (void)
{
  g_autoptr(OsspChip) chip = mp25 ();
  g_autoptr(OsspBackupList) list = new_list (chip, "bkpsram");
  g_autoptr(GBytes) d = seq_bytes (0, 8);
  g_autoptr(OsspBackupEntry) moved = ossp_backup_entry_new (0x100, d, FALSE, 0, "moved");
  g_autoptr(OsspBackupEntry) clash = ossp_backup_entry_new (0x14, d, FALSE, 0, NULL);
  g_autoptr(OsspBackupEntry) item = NULL;
  g_autoptr(GError) error = NULL;
  guint pos = 99;

  add_ok (list, 0x0, d, FALSE, 0, "a");
  add_ok (list, 0x10, d, FALSE, 0, "b");
  add_ok (list, 0x20, d, FALSE, 0, "c");
  g_assert_cmpuint (ossp_backup_list_get_next_offset (list), ==, 0x28);

  /* replacing an entry may overlap its own old place, not the others */
  g_assert_false (ossp_backup_list_replace_entry (list, 0, clash, NULL, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_VALIDATION);
  g_clear_error (&error);
  g_assert_true (ossp_backup_list_replace_entry (list, 1, clash, &pos, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (pos, ==, 1);
  g_assert_true (ossp_backup_list_replace_entry (list, 0, moved, &pos, &error));
  g_assert_cmpuint (pos, ==, 2);
  item = g_list_model_get_item (G_LIST_MODEL (list), 2);
  g_assert_cmpstr (ossp_backup_entry_get_label (item), ==, "moved");
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (list), 3));
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (list)) == OSSP_TYPE_BACKUP_ENTRY);
  g_assert_true (ossp_backup_list_remove (list, 0));
  g_assert_false (ossp_backup_list_remove (list, 5));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 2);
}

static void
test_switch_memory (void)
{
  g_autoptr(OsspChip) chip = mp25 ();
  g_autoptr(OsspBackupList) list = new_list (chip, "bkpsram");
  g_autoptr(GBytes) d = seq_bytes (0, 8);
  g_autoptr(GError) error = NULL;

  add_ok (list, 0x400, d, FALSE, 0, NULL);
  g_assert_false (ossp_backup_list_set_memory_kind (list, "tamp", &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_VALIDATION);
  g_assert_nonnull (strstr (error->message, "TAMP"));
  g_clear_error (&error);
  g_assert_cmpstr (ossp_backup_list_get_memory_kind (list), ==, "bkpsram");
  ossp_backup_list_remove (list, 0);
  add_ok (list, 0x1F0, d, FALSE, 0, NULL);
  g_assert_true (ossp_backup_list_set_memory_kind (list, "tamp", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ossp_backup_list_get_base (list), ==, 0x46010100);
  g_assert_false (ossp_backup_list_set_memory_kind (list, "flash", &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT);
}

static void
test_chip_without_backup (void)
{
  const char *ids[] = { "stm32mp13", "stm32mp15" };

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(OsspChip) chip = ossp_chip_new (ids[i], &error);
      g_autoptr(GBytes) fixture = g_bytes_new_static (expected_bkpsram, sizeof expected_bkpsram);
      OsspBackupList *list;

      g_assert_no_error (error);
      list = ossp_backup_list_new (chip, "bkpsram", &error);
      g_assert_null (list);
      g_assert_error (error, OSSP_ERROR, OSSP_ERROR_UNSUPPORTED);
      g_assert_nonnull (strstr (error->message, "only on STM32MP2"));
      g_clear_error (&error);
      list = ossp_backup_list_new_from_bytes (chip, fixture, &error);
      g_assert_null (list);
      g_assert_error (error, OSSP_ERROR, OSSP_ERROR_UNSUPPORTED);
    }
}

static GBytes *
patched (gsize at, const guint8 *with, gsize n)
{
  guint8 *copy = g_memdup2 (expected_bkpsram, sizeof expected_bkpsram);
  memcpy (copy + at, with, n);
  return g_bytes_new_take (copy, sizeof expected_bkpsram);
}

static void
assert_bad_file (OsspChip *chip, GBytes *bytes, int code, const char *needle)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  OsspBackupList *list = ossp_backup_list_new_from_bytes_full (chip, bytes, &problems, &error);

  g_assert_null (list);
  g_assert_error (error, OSSP_ERROR, code);
  if (strstr (error->message, needle) == NULL)
    g_error ("\"%s\" not in \"%s\"", needle, error->message);
}

static void
test_bad_files (void)
{
  g_autoptr(OsspChip) chip = mp25 ();
  const guint8 v2[] = { 0x02, 0x00 }, v0[] = { 0x00, 0x00 }, kind9[] = { 0x09, 0x00 };
  const guint8 one = 1, cpu3 = 0x07, flag8 = 0x08, many[] = { 0xFF, 0xFF, 0xFF, 0x7F };
  /* entry 1 moved to offset 0x2 (overlapping entry 0 and misaligned),
   * entry 3 moved to 0x14 (overlapping entry 1 and out of order) */
  const guint8 off2[] = { 0x02 }, off14[] = { 0x14, 0x00 };

  /* every truncation of a valid file is refused, none crashes */
  for (gsize n = 0; n < sizeof expected_bkpsram; n++)
    {
      g_autoptr(GBytes) cut = g_bytes_new_static (expected_bkpsram, n);
      g_autoptr(GError) error = NULL;
      g_assert_null (ossp_backup_list_new_from_bytes (chip, cut, &error));
      g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA);
      g_assert_true (strstr (error->message, "truncated") || strstr (error->message, "stray"));
    }
  {
    g_autoptr(GBytes) b = patched (0, (const guint8 *) "OSBX", 4);
    assert_bad_file (chip, b, OSSP_ERROR_INVALID_DATA, "not 4F 53 42 4B");
  }
  {
    g_autoptr(GBytes) b = patched (4, v2, 2);
    assert_bad_file (chip, b, OSSP_ERROR_VERSION, "version 2");
  }
  {
    g_autoptr(GBytes) b = patched (4, v0, 2);
    assert_bad_file (chip, b, OSSP_ERROR_INVALID_DATA, "version 0");
  }
  {
    g_autoptr(GBytes) b = patched (6, kind9, 2);
    assert_bad_file (chip, b, OSSP_ERROR_INVALID_DATA, "memory kind 9");
  }
  {
    g_autoptr(GBytes) b = patched (12, &one, 1);
    assert_bad_file (chip, b, OSSP_ERROR_INVALID_DATA, "reserved");
  }
  {
    g_autoptr(GBytes) b = patched (8, many, 4);
    assert_bad_file (chip, b, OSSP_ERROR_INVALID_DATA, "claims 2147483647 entries");
  }
  {
    /* entry 2's flags: wrap with CPU 3 */
    g_autoptr(GBytes) b = patched (16 + 20 + 24 + 8, &cpu3, 1);
    assert_bad_file (chip, b, OSSP_ERROR_VALIDATION, "unknown");
  }
  {
    g_autoptr(GBytes) b = patched (16 + 20 + 24 + 8, &flag8, 1);
    assert_bad_file (chip, b, OSSP_ERROR_VALIDATION, "does not define");
  }
  {
    g_autoptr(GBytes) b = patched (16 + 20 + 12, &one, 1);
    assert_bad_file (chip, b, OSSP_ERROR_VALIDATION, "reserved");
  }
  {
    g_autoptr(GBytes) b = patched (16 + 20, off2, 1);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) problems = NULL;
    g_assert_null (ossp_backup_list_new_from_bytes_full (chip, b, &problems, &error));
    g_assert_error (error, OSSP_ERROR, OSSP_ERROR_VALIDATION);
    g_assert_nonnull (strstr (error->message, "overlaps"));
    g_assert_nonnull (strstr (error->message, "aligned"));
    g_assert_cmpuint (ossp_backup_problems_count_errors (problems), ==, 2);
  }
  {
    g_autoptr(GBytes) b = patched (16 + 20 + 24 + 32, off14, 2);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) problems = NULL;
    g_assert_null (ossp_backup_list_new_from_bytes_full (chip, b, &problems, &error));
    g_assert_error (error, OSSP_ERROR, OSSP_ERROR_VALIDATION);
    g_assert_nonnull (strstr (error->message, "sorted"));
    g_assert_nonnull (strstr (error->message, "overlaps"));
  }
  {
    /* one byte too many */
    guint8 *copy = g_malloc0 (sizeof expected_bkpsram + 1);
    g_autoptr(GBytes) b = NULL;
    memcpy (copy, expected_bkpsram, sizeof expected_bkpsram);
    b = g_bytes_new_take (copy, sizeof expected_bkpsram + 1);
    assert_bad_file (chip, b, OSSP_ERROR_INVALID_DATA, "1 stray bytes");
  }
}

static gsize wiped_bytes;

static void
count_wipes (gconstpointer data, gsize len, gpointer user_data)
{
  wiped_bytes += len;
}

static void
test_data_is_wiped (void)
{
  g_autoptr(OsspChip) chip = mp25 ();
  OsspBackupList *list = new_list (chip, "tamp");
  g_autoptr(GBytes) bytes = NULL;
  GBytes *key = ossp_backup_secure_bytes_new ((const guint8 *) "0123456789abcdef", 16);

  add_ok (list, 0, key, TRUE, OSSP_BACKUP_WRAP_CPU_A35_TDCID1, NULL);
  g_bytes_unref (key);
  bytes = ossp_backup_list_to_bytes (list, NULL);
  wiped_bytes = 0;
  ossp_secure_set_wipe_hook (count_wipes, NULL);
  g_object_unref (list);
  g_assert_cmpuint (wiped_bytes, >=, 16);
  wiped_bytes = 0;
  g_clear_pointer (&bytes, g_bytes_unref);
  g_assert_cmpuint (wiped_bytes, >=, 16 + 16 + 16);
  ossp_secure_set_wipe_hook (NULL, NULL);
}

static void
test_wrap_cpu_names (void)
{
  OsspBackupWrapCpu cpu = 99;

  g_assert_true (ossp_backup_wrap_cpu_from_string ("A35", &cpu));
  g_assert_cmpint (cpu, ==, OSSP_BACKUP_WRAP_CPU_A35_TDCID1);
  g_assert_true (ossp_backup_wrap_cpu_from_string ("tdcid2", &cpu));
  g_assert_cmpint (cpu, ==, OSSP_BACKUP_WRAP_CPU_M33_TDCID2);
  g_assert_false (ossp_backup_wrap_cpu_from_string ("m4", &cpu));
  g_assert_cmpstr (ossp_backup_wrap_cpu_to_string (OSSP_BACKUP_WRAP_CPU_M33_TDCID2), ==, "m33");
  g_assert_true (ossp_backup_length_can_wrap (16));
  g_assert_true (ossp_backup_length_can_wrap (32));
  g_assert_false (ossp_backup_length_can_wrap (24));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/backup/bytes/exact-bkpsram", test_bytes_exact_bkpsram);
  g_test_add_func ("/backup/bytes/exact-tamp", test_bytes_exact_tamp);
  g_test_add_func ("/backup/bytes/round-trip", test_bytes_round_trip);
  g_test_add_func ("/backup/bytes/save-load", test_save_load);
  g_test_add_func ("/backup/bytes/bad-files", test_bad_files);
  g_test_add_data_func ("/backup/rules/tamp", "tamp", test_rules_memory);
  g_test_add_data_func ("/backup/rules/bkpsram", "bkpsram", test_rules_memory);
  g_test_add_func ("/backup/rules/all-at-once", test_all_problems_at_once);
  g_test_add_func ("/backup/model/replace", test_replace_and_model);
  g_test_add_func ("/backup/model/switch-memory", test_switch_memory);
  g_test_add_func ("/backup/model/no-backup-memory", test_chip_without_backup);
  g_test_add_func ("/backup/model/wiped", test_data_is_wiped);
  g_test_add_func ("/backup/model/cpu-names", test_wrap_cpu_names);
  return g_test_run ();
}
