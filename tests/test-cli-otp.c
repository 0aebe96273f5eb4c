/* test-cli-otp.c — `openssp otp …` end to end through the real binary
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gstdio.h>
#include <sys/stat.h>

#include "ossp-test-helper.h"

#define RUN(...) ossp_test_run_cli (NULL, __VA_ARGS__, NULL)

static void
assert_ok (OsspTestRun *run)
{
  if (run->exit_status != 0)
    g_error ("CLI failed (%d):\n%s\n%s", run->exit_status, run->out, run->err);
}

static JsonObject *
json_obj (OsspTestRun *run, JsonNode **keep)
{
  *keep = ossp_test_run_json (run);
  return json_node_get_object (*keep);
}

static char *
new_list (const char *dir, const char *chip)
{
  char *path = g_build_filename (dir, "list.json", NULL);
  g_autoptr(OsspTestRun) run = RUN ("otp", "new", "--chip", chip, "--out", path);
  assert_ok (run);
  return path;
}

static void
test_cli_otp_edit_list (void)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *list = new_list (dir, "stm32mp15");
  g_autoptr(OsspTestRun) again = RUN ("otp", "new", "--chip", "stm32mp15", "--out", list);
  g_autoptr(OsspTestRun) set = RUN ("otp", "set", list, "60", "0x12345678", "--label", "serial");
  g_autoptr(OsspTestRun) set2 = RUN ("otp", "set", "--file", list, "--word", "61", "--value", "0xA1B2C3D4", "--json");
  g_autoptr(OsspTestRun) masked = RUN ("otp", "list", list, "--json");
  g_autoptr(OsspTestRun) clear = RUN ("otp", "list", list, "--json", "--show-secrets");
  g_autoptr(OsspTestRun) human = RUN ("otp", "list", list);
  g_autoptr(JsonNode) n1 = NULL, n2 = NULL, n3 = NULL;
  JsonObject *o;
  JsonArray *items;
  GStatBuf st;

  g_assert_cmpint (again->exit_status, ==, 5);           /* exists, no --force */
  assert_ok (set);
  assert_ok (set2);
  o = json_obj (set2, &n1);
  g_assert_cmpint (json_object_get_int_member (o, "first_word"), ==, 61);
  g_assert_cmpint (g_stat (list, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);          /* values are secrets */

  assert_ok (masked);
  g_assert_null (strstr (masked->out, "12345678"));
  o = json_obj (masked, &n2);
  g_assert_cmpstr (json_object_get_string_member (o, "chip"), ==, "stm32mp15");
  g_assert_false (json_object_get_boolean_member (o, "user_lock_flags"));
  items = json_object_get_array_member (o, "items");
  g_assert_cmpuint (json_array_get_length (items), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 0), "value"), ==, "0x********");
  g_assert_true (json_object_get_boolean_member (json_array_get_object_element (items, 0), "lock"));
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 0), "label"), ==, "serial");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (o, "summary"), "set"), ==, 2);

  o = json_obj (clear, &n3);
  items = json_object_get_array_member (o, "items");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 1), "value"), ==, "0xA1B2C3D4");

  assert_ok (human);
  g_assert_nonnull (strstr (human->out, "OEM_FREE"));
  g_assert_nonnull (strstr (human->out, "locks every word"));
  g_assert_null (strstr (human->out, "A1B2C3D4"));
}

static void
test_cli_otp_bad_input (void)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *list = new_list (dir, "stm32mp15");
  g_autofree char *before = NULL, *after = NULL;
  g_autofree char *bad_json = g_build_filename (dir, "bad.json", NULL);
  g_autofree char *short_bin = g_build_filename (dir, "short.bin", NULL);
  g_autoptr(OsspTestRun) nonhex = NULL, big = NULL, range = NULL, malformed = NULL, wrong = NULL,
                         nochip = NULL, unset = NULL;
  g_autoptr(JsonNode) n = NULL;
  JsonObject *err;

  g_assert_true (g_file_get_contents (list, &before, NULL, NULL));
  nonhex = RUN ("otp", "set", list, "60", "0xZZ", "--json");
  big = RUN ("otp", "set", list, "60", "0x100000000");
  range = RUN ("otp", "set", list, "96", "1");
  g_assert_cmpint (nonhex->exit_status, ==, 2);
  err = json_object_get_object_member (json_obj (nonhex, &n), "error");
  g_assert_cmpstr (json_object_get_string_member (err, "code"), ==, "invalid-argument");
  g_assert_nonnull (strstr (json_object_get_string_member (err, "message"), "32-bit"));
  g_assert_cmpint (big->exit_status, ==, 2);
  g_assert_cmpint (range->exit_status, ==, 2);
  g_assert_nonnull (strstr (range->err, "0..95"));
  /* nothing was written */
  g_assert_true (g_file_get_contents (list, &after, NULL, NULL));
  g_assert_cmpstr (before, ==, after);

  g_assert_true (g_file_set_contents (bad_json, "{\"format\": \"openssp-otp-list\",\n \"version\": 1\n \"chip\": 1}", -1, NULL));
  malformed = RUN ("otp", "check", bad_json);
  g_assert_cmpint (malformed->exit_status, ==, 3);
  g_assert_nonnull (strstr (malformed->err, "bad.json"));
  g_assert_nonnull (strstr (malformed->err, "line 2, column 13"));

  g_assert_true (g_file_set_contents (short_bin, "0123456789", 10, NULL));
  wrong = RUN ("otp", "show", short_bin, "--chip", "stm32mp15");
  g_assert_cmpint (wrong->exit_status, ==, 3);
  g_assert_nonnull (strstr (wrong->err, "exactly 148 bytes"));
  nochip = RUN ("otp", "show", short_bin);
  g_assert_cmpint (nochip->exit_status, ==, 2);
  g_assert_nonnull (strstr (nochip->err, "--chip"));
  unset = RUN ("otp", "unset", list, "70");
  g_assert_cmpint (unset->exit_status, ==, 4);
}

static void
test_cli_otp_check_every_rule (void)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *list = new_list (dir, "stm32mp15");
  g_autofree char *out = g_build_filename (dir, "secret.bin", NULL);
  const char *sets[][2] = {
    { "0", "0x40" },           /* reserved */
    { "57", "0x1" },           /* not-ssp-writable (MAC) */
    { "24", "0xA1B2C3D4" },    /* pkh-from-payload */
    { "56", "0x40000000" },    /* rma-mask */
    { "59", "0x00011234" },    /* st-board-id (warning) */
    { "70", "0" },             /* zero-skipped (warning) */
  };
  const char *want[] = { "reserved", "not-ssp-writable", "pkh-from-payload", "rma-mask",
                         "st-board-id", "zero-skipped" };
  g_autoptr(OsspTestRun) check = NULL, human = NULL, build = NULL;
  g_autoptr(JsonNode) n = NULL;
  JsonObject *err;
  JsonArray *details;

  for (guint i = 0; i < G_N_ELEMENTS (sets); i++)
    {
      g_autoptr(OsspTestRun) r = RUN ("otp", "set", list, sets[i][0], sets[i][1]);
      assert_ok (r);
    }
  check = RUN ("otp", "check", list, "--json");
  g_assert_cmpint (check->exit_status, ==, 11);
  err = json_object_get_object_member (json_obj (check, &n), "error");
  g_assert_cmpstr (json_object_get_string_member (err, "code"), ==, "validation");
  details = json_object_get_array_member (err, "details");
  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    {
      gboolean found = FALSE;
      for (guint j = 0; j < json_array_get_length (details); j++)
        found |= g_str_equal (json_object_get_string_member (json_array_get_object_element (details, j), "code"), want[i]);
      if (!found)
        g_error ("check did not report %s:\n%s", want[i], check->out);
    }

  human = RUN ("otp", "check", list);
  g_assert_cmpint (human->exit_status, ==, 11);
  g_assert_nonnull (strstr (human->err, "word 24"));
  g_assert_nonnull (strstr (human->err, "4 errors"));

  build = RUN ("otp", "build", list, "--out", out);
  g_assert_cmpint (build->exit_status, ==, 11);
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
}

static void
test_cli_otp_build_mp15_exact (void)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *list = new_list (dir, "stm32mp15");
  g_autofree char *out = g_build_filename (dir, "secret.bin", NULL);
  g_autofree char *plain = g_build_filename (dir, "plain.bin", NULL);
  g_autofree char *list2 = g_build_filename (dir, "back.json", NULL);
  g_autofree char *out2 = g_build_filename (dir, "secret2.bin", NULL);
  g_autofree char *data = NULL, *data2 = NULL, *pdata = NULL;
  gsize len = 0, len2 = 0, plen = 0;
  guint8 want[148] = { 0 };
  g_autoptr(OsspTestRun) r1 = RUN ("otp", "set", list, "60", "0x12345678");
  g_autoptr(OsspTestRun) r2 = RUN ("otp", "set", list, "0x5F", "3405691582");   /* 95 = 0xCAFEBABE */
  g_autoptr(OsspTestRun) r3 = NULL, build = NULL, again = NULL, exp = NULL, imp = NULL, b2 = NULL, check = NULL;
  g_autoptr(JsonNode) n = NULL;
  GStatBuf st;

  g_setenv ("OSSP_TEST_RMA", "0x2AAAAAAA", TRUE);
  r3 = RUN ("otp", "set-rma", list, "--value-env", "OSSP_TEST_RMA");
  assert_ok (r1);
  assert_ok (r2);
  assert_ok (r3);
  check = RUN ("otp", "check", list, "--json");
  assert_ok (check);

  build = RUN ("otp", "build", list, "--out", out, "--json");
  assert_ok (build);
  g_assert_cmpint (json_object_get_int_member (json_obj (build, &n), "size"), ==, 148);
  g_assert_cmpint (g_stat (out, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_true (g_file_get_contents (out, &data, &len, NULL));
  /* payload.md §3.2, by hand: OTP 60 at offset 4, OTP 95 at 144, LE; no RMA */
  want[4] = 0x78; want[5] = 0x56; want[6] = 0x34; want[7] = 0x12;
  want[144] = 0xBE; want[145] = 0xBA; want[146] = 0xFE; want[147] = 0xCA;
  g_assert_cmpmem (data, len, want, sizeof want);

  again = RUN ("otp", "build", list, "--out", out);
  g_assert_cmpint (again->exit_status, ==, 5);

  exp = RUN ("otp", "export", list, "--out", plain);
  assert_ok (exp);
  g_assert_true (g_file_get_contents (plain, &pdata, &plen, NULL));
  g_assert_cmpuint (plen, ==, 152);
  g_assert_cmpmem (pdata, 4, "\xAA\xAA\xAA\x2A", 4);
  g_assert_cmpmem (pdata + 4, 148, want, 148);

  /* secret file → list → secret file: same bytes */
  imp = RUN ("otp", "import", out, "--chip", "stm32mp15", "--out", list2);
  assert_ok (imp);
  b2 = RUN ("otp", "build", list2, "--out", out2);
  assert_ok (b2);
  g_assert_true (g_file_get_contents (out2, &data2, &len2, NULL));
  g_assert_cmpmem (data2, len2, want, sizeof want);
}

static void
test_cli_otp_mp25 (void)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *list = new_list (dir, "stm32mp25");
  g_autofree char *hash = g_build_filename (dir, "publicKeysHashHashes.bin", NULL);
  g_autofree char *key = g_build_filename (dir, "fip.key", NULL);
  g_autofree char *out = g_build_filename (dir, "secret.bin", NULL);
  guint8 h[32], k[32];
  g_autoptr(OsspTestRun) pkh = NULL, setkey = NULL, set = NULL, build = NULL, show = NULL, human = NULL,
                         rma = NULL, mp15pkh = NULL;
  g_autoptr(JsonNode) n = NULL;
  g_autofree char *data = NULL;
  gsize len = 0;
  JsonArray *items;

  for (guint i = 0; i < 32; i++)
    {
      h[i] = (guint8) i;
      k[i] = (guint8) (0xF0 ^ i);
    }
  h[0] = 0xa1; h[1] = 0xb2; h[2] = 0xc3; h[3] = 0xd4;
  g_assert_true (g_file_set_contents (hash, (char *) h, 32, NULL));
  g_assert_true (g_file_set_contents (key, (char *) k, 32, NULL));

  pkh = RUN ("otp", "set-pkhth", list, "--hash", hash);
  assert_ok (pkh);
  setkey = RUN ("otp", "set-key", list, "--word", "260", "--key-file", key);
  assert_ok (setkey);
  set = RUN ("otp", "set", list, "300", "0x01020304", "--lock", "--sticky-write-lock");
  assert_ok (set);
  rma = RUN ("otp", "set-rma", list, "--value", "1");
  g_assert_cmpint (rma->exit_status, ==, 10);       /* unsupported on MP25 */

  build = RUN ("otp", "build", list, "--out", out);
  assert_ok (build);
  g_assert_true (g_file_get_contents (out, &data, &len, NULL));
  /* payload.md §5.1: header + 17 entries of 12 bytes */
  g_assert_cmpuint (len, ==, 8 + 17 * 12);
  g_assert_cmpmem (data, 8, "OSOT\x01\x00\x11\x00", 8);
  /* first entry: word 144 (0x0090), flags lock, value 0xA1B2C3D4 LE */
  g_assert_cmpmem (data + 8, 12, "\x90\x00\x01\x00\xD4\xC3\xB2\xA1\x00\x00\x00\x00", 12);
  /* last entry: word 300 (0x012C), lock | sticky write lock = 5 */
  g_assert_cmpmem (data + 8 + 16 * 12, 12, "\x2C\x01\x05\x00\x04\x03\x02\x01\x00\x00\x00\x00", 12);

  show = RUN ("otp", "show", out, "--chip", "stm32mp25", "--json", "--show-secrets");
  assert_ok (show);
  items = json_object_get_array_member (json_obj (show, &n), "items");
  g_assert_cmpuint (json_array_get_length (items), ==, 17);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 0), "name"), ==, "OEM_KEY1_PKHTH[0]");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 8), "name"), ==, "FIP_EDMK[0]");
  /* FIP-EDMK is format 1 in the chip map: f0 f1 f2 f3 → 0xF0F1F2F3 */
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 8), "value"), ==, "0xF0F1F2F3");
  g_assert_true (json_object_get_boolean_member (json_array_get_object_element (items, 16), "sticky_write_lock"));
  human = RUN ("otp", "show", out, "--chip", "stm32mp25");
  assert_ok (human);
  g_assert_nonnull (strstr (human->out, "OEM_KEY1_PKHTH[7]"));

  /* MP1: the PKH comes from the payload, refused here */
  {
    g_autofree char *dir15 = ossp_test_make_tmpdir ();
    g_autofree char *l15 = new_list (dir15, "stm32mp13");
    mp15pkh = RUN ("otp", "set-pkhth", l15, "--hash", hash);
    g_assert_cmpint (mp15pkh->exit_status, ==, 2);
    g_assert_nonnull (strstr (mp15pkh->err, "payload"));
  }
}

static void
test_cli_otp_plan (void)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *list = new_list (dir, "stm32mp15");
  g_autofree char *cur = g_build_filename (dir, "otp.bin", NULL);
  guint8 otp[96 * 4] = { 0 };
  g_autoptr(OsspTestRun) set = RUN ("otp", "set", list, "61", "0x5");
  g_autoptr(OsspTestRun) plan = NULL;
  g_autoptr(JsonNode) n = NULL;
  JsonObject *o;
  JsonArray *steps;

  assert_ok (set);
  otp[61 * 4] = 1;       /* word 61 already programmed on this chip */
  g_assert_true (g_file_set_contents (cur, (char *) otp, sizeof otp, NULL));
  plan = RUN ("otp", "plan", list, "--current-otp", cur, "--json");
  assert_ok (plan);
  o = json_obj (plan, &n);
  g_assert_cmpint (json_object_get_int_member (o, "conflicts"), ==, 1);
  steps = json_object_get_array_member (o, "steps");
  g_assert_cmpuint (json_array_get_length (steps), ==, 38);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (steps, 0), "word"), ==, 56);
  g_assert_true (json_object_get_boolean_member (json_array_get_object_element (steps, 0), "lock"));
  g_assert_true (json_object_get_boolean_member (json_array_get_object_element (steps, 3), "conflict"));
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (steps, 3), "value"), ==, "0x********");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/otp/edit-list", test_cli_otp_edit_list);
  g_test_add_func ("/cli/otp/bad-input", test_cli_otp_bad_input);
  g_test_add_func ("/cli/otp/check-every-rule", test_cli_otp_check_every_rule);
  g_test_add_func ("/cli/otp/build-mp15-exact", test_cli_otp_build_mp15_exact);
  g_test_add_func ("/cli/otp/mp25", test_cli_otp_mp25);
  g_test_add_func ("/cli/otp/plan", test_cli_otp_plan);
  return g_test_run ();
}
