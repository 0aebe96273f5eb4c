/* test-cli-backup.c — `openssp backup …` through the real CLI binary
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>
#include <sys/stat.h>

#include "ossp-test-helper.h"

static JsonObject *
run_ok (OsspTestRun *run, JsonNode **root)
{
  if (run->exit_status != 0)
    g_error ("exit %d\nstdout: %s\nstderr: %s", run->exit_status, run->out, run->err);
  *root = ossp_test_run_json (run);
  return json_node_get_object (*root);
}

static JsonObject *
run_error (OsspTestRun *run, int exit_status, JsonNode **root)
{
  g_assert_cmpint (run->exit_status, ==, exit_status);
  *root = ossp_test_run_json (run);
  return json_object_get_object_member (json_node_get_object (*root), "error");
}

static gboolean
details_have (JsonObject *err, const char *where, const char *needle)
{
  JsonArray *details = json_object_get_array_member (err, "details");

  for (guint i = 0; i < json_array_get_length (details); i++)
    {
      JsonObject *d = json_array_get_object_element (details, i);
      if (g_str_equal (json_object_get_string_member (d, "where"), where) &&
          strstr (json_object_get_string_member (d, "message"), needle))
        return TRUE;
    }
  return FALSE;
}

static void
test_cli_full_flow (void)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *list = g_build_filename (dir, "list.json", NULL);
  g_autofree char *key = g_build_filename (dir, "key.bin", NULL);
  g_autofree char *bin = g_build_filename (dir, "backup-out.bin", NULL);
  g_autofree char *back = g_build_filename (dir, "back.json", NULL);
  g_autofree char *contents = NULL;
  gsize len = 0;
  struct stat st;
  guint8 keybytes[16];
  /* the expected OSBK file, by hand from payload.md §5.2 */
  static const guint8 expected[] = {
    'O', 'S', 'B', 'K', 1, 0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0,
    0x08, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xEF, 0xBE, 0xAD, 0xDE,
    0x10, 0, 0, 0, 16, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0,
    0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5A, 0x5B, 0x5C, 0x5D, 0x5E, 0x5F,
  };

  for (guint i = 0; i < 16; i++)
    keybytes[i] = (guint8) (0x50 + i);
  g_assert_true (g_file_set_contents (key, (const char *) keybytes, 16, NULL));

  {
    g_autoptr(OsspTestRun) run = ossp_test_run_cli (NULL, "backup", "new", "--chip", "stm32mp25", "--memory", "tamp",
                                                    "--base", "0x56010100", "--out", list, "--json", NULL);
    g_autoptr(JsonNode) root = NULL;
    JsonObject *o = run_ok (run, &root);
    g_assert_cmpstr (json_object_get_string_member (o, "memory"), ==, "tamp");
    g_assert_cmpstr (json_object_get_string_member (o, "base"), ==, "0x56010100");
    g_assert_cmpint (json_object_get_int_member (o, "memory_size"), ==, 512);
  }
  {
    g_autoptr(OsspTestRun) run = ossp_test_run_cli (NULL, "backup", "add", list, "--offset", "0x8",
                                                    "--hex", "efbeadde", "--label", "magic", "--json", NULL);
    g_autoptr(JsonNode) root = NULL;
    JsonObject *o = run_ok (run, &root);
    JsonArray *entries = json_object_get_array_member (o, "entries");
    g_assert_cmpuint (json_array_get_length (entries), ==, 1);
    /* data is masked unless --show-secrets */
    g_assert_true (json_object_get_null_member (json_array_get_object_element (entries, 0), "hex"));
  }
  {
    /* key through a file, wrapped with the M33 HUK; --offset defaults to after the last entry */
    g_autoptr(OsspTestRun) bad = ossp_test_run_cli (NULL, "backup", "add", list, "--data-file", key,
                                                    "--wrap", "--json", NULL);
    g_autoptr(OsspTestRun) run = ossp_test_run_cli (NULL, "backup", "add", list, "--offset", "16",
                                                    "--data-file", key, "--wrap", "--cpu", "m33", "--json", NULL);
    g_autoptr(JsonNode) root = NULL, eroot = NULL;
    JsonObject *err = run_error (bad, 11, &eroot);
    g_assert_true (details_have (err, "entries[1].cpu", "a35"));
    run_ok (run, &root);
  }
  {
    /* an overlap: exit 11 with every problem in details, list unchanged */
    g_autoptr(OsspTestRun) run = ossp_test_run_cli (NULL, "backup", "add", list, "--offset", "0x1A",
                                                    "--hex", "001122", "--json", NULL);
    g_autoptr(JsonNode) root = NULL;
    JsonObject *err = run_error (run, 11, &root);
    g_assert_cmpstr (json_object_get_string_member (err, "code"), ==, "validation");
    g_assert_true (details_have (err, "entries[2].offset", "aligned"));
    g_assert_true (details_have (err, "entries[2].data", "multiple of 4"));
    g_assert_true (details_have (err, "entries[2].offset", "overlaps"));
  }
  {
    g_autoptr(OsspTestRun) masked = ossp_test_run_cli (NULL, "backup", "list", list, NULL);
    g_autoptr(OsspTestRun) shown = ossp_test_run_cli (NULL, "backup", "list", list, "--show-secrets", "--json", NULL);
    g_autoptr(JsonNode) root = NULL;
    JsonObject *o;
    g_assert_cmpint (masked->exit_status, ==, 0);
    g_assert_null (strstr (masked->out, "efbeadde"));
    g_assert_nonnull (strstr (masked->out, "hidden"));
    g_assert_nonnull (strstr (masked->out, "magic"));
    o = run_ok (shown, &root);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (
                       json_object_get_array_member (o, "entries"), 0), "hex"), ==, "efbeadde");
  }
  /* the list keeps the key by reference, relative to the list */
  g_assert_true (g_file_get_contents (list, &contents, NULL, NULL));
  g_assert_nonnull (strstr (contents, "\"data_file\" : \"key.bin\""));
  g_clear_pointer (&contents, g_free);
  {
    g_autoptr(OsspTestRun) run = ossp_test_run_cli (NULL, "backup", "build", list, "--out", bin, "--json", NULL);
    g_autoptr(OsspTestRun) again = ossp_test_run_cli (NULL, "backup", "build", list, "--out", bin, "--json", NULL);
    g_autoptr(JsonNode) root = NULL, eroot = NULL;
    JsonObject *o = run_ok (run, &root);
    g_assert_cmpint (json_object_get_int_member (o, "size"), ==, sizeof expected);
    g_assert_true (g_file_get_contents (bin, &contents, &len, NULL));
    g_assert_cmpmem (contents, len, expected, sizeof expected);
    g_assert_cmpint (stat (bin, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, 0600);
    /* never overwritten without --force */
    g_assert_cmpstr (json_object_get_string_member (run_error (again, 5, &eroot), "code"), ==, "exists");
  }
  {
    g_autoptr(OsspTestRun) run = ossp_test_run_cli (NULL, "backup", "show", bin, "--chip", "stm32mp25", "--json", NULL);
    g_autoptr(OsspTestRun) text = ossp_test_run_cli (NULL, "backup", "show", bin, NULL);
    g_autoptr(JsonNode) root = NULL;
    JsonObject *o = run_ok (run, &root);
    JsonObject *e1 = json_array_get_object_element (json_object_get_array_member (o, "entries"), 1);
    g_assert_cmpstr (json_object_get_string_member (o, "memory"), ==, "tamp");
    g_assert_cmpstr (json_object_get_string_member (e1, "offset"), ==, "0x10");
    g_assert_cmpstr (json_object_get_string_member (e1, "cpu"), ==, "m33");
    g_assert_true (json_object_get_null_member (e1, "hex"));
    g_assert_cmpint (text->exit_status, ==, 0);
    g_assert_nonnull (strstr (text->out, "OSBK v1"));
    g_assert_null (strstr (text->out, "505152"));
  }
  {
    /* binary → JSON → binary gives the same bytes */
    g_autofree char *bin2 = g_build_filename (dir, "again.bin", NULL);
    g_autofree char *c2 = NULL;
    gsize l2 = 0;
    g_autoptr(OsspTestRun) imp = ossp_test_run_cli (NULL, "backup", "import", bin, "--out", back,
                                                    "--base", "0x56010100", "--json", NULL);
    g_autoptr(OsspTestRun) exp = ossp_test_run_cli (NULL, "backup", "export", back, "--out", bin2, "--json", NULL);
    g_autoptr(JsonNode) r1 = NULL, r2 = NULL;
    g_autofree char *json = NULL;
    run_ok (imp, &r1);
    run_ok (exp, &r2);
    g_assert_true (g_file_get_contents (bin2, &c2, &l2, NULL));
    g_assert_cmpmem (c2, l2, expected, sizeof expected);
    g_assert_true (g_file_get_contents (back, &json, NULL, NULL));
    g_assert_nonnull (strstr (json, "\"base\" : \"0x56010100\""));
    g_assert_cmpint (stat (back, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, 0600);   /* the key is inline now */
  }
  {
    g_autoptr(OsspTestRun) ok = ossp_test_run_cli (NULL, "backup", "check", list, "--json", NULL);
    g_autoptr(OsspTestRun) okbin = ossp_test_run_cli (NULL, "backup", "check", bin, "--json", NULL);
    g_autoptr(JsonNode) r1 = NULL, r2 = NULL;
    g_assert_true (json_object_get_boolean_member (run_ok (ok, &r1), "valid"));
    g_assert_cmpstr (json_object_get_string_member (run_ok (okbin, &r2), "kind"), ==, "osbk");
  }
  {
    g_autoptr(OsspTestRun) run = ossp_test_run_cli (NULL, "backup", "remove", list, "0", "--json", NULL);
    g_autoptr(OsspTestRun) off = ossp_test_run_cli (NULL, "backup", "remove", list, "--offset", "0x10", "--json", NULL);
    g_autoptr(OsspTestRun) none = ossp_test_run_cli (NULL, "backup", "remove", list, "3", "--json", NULL);
    g_autoptr(JsonNode) r1 = NULL, r2 = NULL, r3 = NULL;
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (run_ok (run, &r1), "entries")), ==, 1);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (run_ok (off, &r2), "entries")), ==, 0);
    g_assert_cmpstr (json_object_get_string_member (run_error (none, 4, &r3), "code"), ==, "not-found");
  }
}

static void
test_cli_check_invalid (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "backup", "invalid.json", NULL);
  g_autoptr(OsspTestRun) run = ossp_test_run_cli (NULL, "backup", "check", path, "--json", NULL);
  g_autoptr(OsspTestRun) text = ossp_test_run_cli (NULL, "backup", "check", path, NULL);
  g_autoptr(JsonNode) root = NULL;
  JsonObject *err = run_error (run, 11, &root);

  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (err, "details")), >=, 12);
  g_assert_true (details_have (err, "base", "Backup SRAM"));
  g_assert_true (details_have (err, "entries[2].hex", "odd number"));
  g_assert_true (details_have (err, "entries[10].lable", "Unknown member"));
  g_assert_cmpint (text->exit_status, ==, 11);
  g_assert_nonnull (strstr (text->err, "entries[8].offset"));
  g_assert_cmpstr (text->out, ==, "");
}

static void
test_cli_no_backup_memory (void)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *out = g_build_filename (dir, "l.json", NULL);
  const char *chips[] = { "stm32mp13", "stm32mp15" };

  for (guint i = 0; i < G_N_ELEMENTS (chips); i++)
    {
      g_autoptr(OsspTestRun) run = ossp_test_run_cli (NULL, "backup", "new", "--chip", chips[i], "--memory", "tamp",
                                                      "--out", out, "--json", NULL);
      g_autoptr(OsspTestRun) text = ossp_test_run_cli (NULL, "backup", "new", "--chip", chips[i], "--memory", "tamp",
                                                       "--out", out, NULL);
      g_autoptr(JsonNode) root = NULL;
      JsonObject *err = run_error (run, 10, &root);
      g_assert_nonnull (strstr (json_object_get_string_member (err, "message"), "only on STM32MP2"));
      g_assert_nonnull (strstr (text->err, "has no backup memory"));
      g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
    }
}

static void
test_cli_bad_binaries (void)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *magic = g_build_filename (dir, "magic.bin", NULL);
  g_autofree char *v2 = g_build_filename (dir, "v2.bin", NULL);
  g_autofree char *cut = g_build_filename (dir, "cut.bin", NULL);
  g_autofree char *overlap = g_build_filename (dir, "overlap.bin", NULL);
  static const guint8 v2_bytes[] = { 'O', 'S', 'B', 'K', 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
  static const guint8 cut_bytes[] = { 'O', 'S', 'B', 'K', 1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0,
                                      0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4 };
  static const guint8 overlap_bytes[] = { 'O', 'S', 'B', 'K', 1, 0, 2, 0, 2, 0, 0, 0, 0, 0, 0, 0,
                                          0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8,
                                          4, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 9, 9, 9 };
  struct { const char *path; const guint8 *data; gsize len; int exit_status; const char *needle; } cases[] = {
    { magic, (const guint8 *) "PK\x03\x04 not a backup file", sizeof "PK\x03\x04 not a backup file" - 1, 3, "not 4F 53 42 4B" },
    { v2, v2_bytes, sizeof v2_bytes, 19, "version 2" },
    { cut, cut_bytes, sizeof cut_bytes, 3, "truncated" },
    { overlap, overlap_bytes, sizeof overlap_bytes, 11, "overlaps" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(OsspTestRun) run = NULL;
      g_autoptr(OsspTestRun) chk = NULL;
      g_autoptr(JsonNode) root = NULL;
      JsonObject *err;
      g_assert_true (g_file_set_contents (cases[i].path, (const char *) cases[i].data, (gssize) cases[i].len, NULL));
      run = ossp_test_run_cli (NULL, "backup", "show", cases[i].path, "--json", NULL);
      err = run_error (run, cases[i].exit_status, &root);
      if (!strstr (json_object_get_string_member (err, "message"), cases[i].needle))
        g_error ("case %u: \"%s\" not in \"%s\"", i, cases[i].needle, json_object_get_string_member (err, "message"));
      chk = ossp_test_run_cli (NULL, "backup", "import", cases[i].path, "--out", "/nonexistent/x.json", NULL);
      g_assert_cmpint (chk->exit_status, ==, cases[i].exit_status);
    }
  {
    g_autoptr(OsspTestRun) run = ossp_test_run_cli (NULL, "backup", "show", overlap, "--json", NULL);
    g_autoptr(JsonNode) root = NULL;
    JsonObject *err = run_error (run, 11, &root);
    g_assert_true (details_have (err, "entries[1].offset", "overlaps entry 0"));
  }
}

static void
test_cli_usage (void)
{
  g_autoptr(OsspTestRun) help = ossp_test_run_cli (NULL, "backup", "--help", NULL);
  g_autoptr(OsspTestRun) unknown = ossp_test_run_cli (NULL, "backup", "frobnicate", "--json", NULL);
  g_autoptr(OsspTestRun) both = ossp_test_run_cli (NULL, "backup", "new", "--memory", "tamp", NULL);
  g_autoptr(JsonNode) root = NULL;

  {
    g_autofree char *dir = ossp_test_make_tmpdir ();
    g_autofree char *list = g_build_filename (dir, "l.json", NULL);
    g_autoptr(OsspTestRun) made = ossp_test_run_cli (NULL, "backup", "new", "--memory", "bkpsram", "--out", list, NULL);
    g_autoptr(OsspTestRun) empty = ossp_test_run_cli (NULL, "backup", "add", list, "--hex", "", "--json", NULL);
    g_autoptr(OsspTestRun) piped = ossp_test_run_cli ("00112233 44556677\n", "backup", "add", list, "--hex", "-",
                                                      "--show-secrets", "--json", NULL);
    g_autoptr(JsonNode) r1 = NULL, r2 = NULL;
    JsonObject *o;
    g_assert_cmpint (made->exit_status, ==, 0);
    g_assert_true (details_have (run_error (empty, 11, &r1), "entries[0].data", "empty"));
    /* a key read from standard input stays out of the process list */
    o = run_ok (piped, &r2);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (
                       json_object_get_array_member (o, "entries"), 0), "hex"), ==, "0011223344556677");
  }
  g_assert_cmpint (help->exit_status, ==, 0);
  g_assert_nonnull (strstr (help->out, "import"));
  run_error (unknown, 2, &root);
  g_assert_cmpint (both->exit_status, ==, 2);
  g_assert_nonnull (strstr (both->err, "--out"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/backup/flow", test_cli_full_flow);
  g_test_add_func ("/cli/backup/check-invalid", test_cli_check_invalid);
  g_test_add_func ("/cli/backup/no-backup-memory", test_cli_no_backup_memory);
  g_test_add_func ("/cli/backup/bad-binaries", test_cli_bad_binaries);
  g_test_add_func ("/cli/backup/usage", test_cli_usage);
  return g_test_run ();
}
