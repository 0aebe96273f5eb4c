/* test-cli-project-build.c — `openssp project build` (make-style) and
 * `--project FILE` on the other verbs, on the example projects of
 * docs/examples/ with the inputs their script makes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

#include "ossp-project-test-helper.h"

static JsonObject *
find_step (JsonNode   *root,
           const char *name)
{
  JsonArray *steps = json_object_get_array_member (json_node_get_object (root), "steps");
  for (guint i = 0; i < json_array_get_length (steps); i++)
    {
      JsonObject *s = json_array_get_object_element (steps, i);
      if (g_str_equal (json_object_get_string_member (s, "step"), name))
        return s;
    }
  g_error ("no step %s", name);
  return NULL;
}

static const char *
step_state (JsonNode *root, const char *name)
{
  return json_object_get_string_member (find_step (root, name), "state");
}

/* one second later than now: tests must not depend on mtime granularity */
static void
touch_later (const char *path)
{
  struct timespec times[2];
  clock_gettime (CLOCK_REALTIME, &times[0]);
  times[0].tv_sec += 2;
  times[1] = times[0];
  g_assert_cmpint (utimensat (AT_FDCWD, path, times, 0), ==, 0);
}

static OsspTestRun *
build (const char *project, const char *extra)
{
  return ossp_test_run_cli (NULL, "--json", "project", "build", project, extra, NULL);
}

static void
test_build_mp25_make_style (void)
{
  g_autofree char *project = ossp_test_make_example ("mp25");
  g_autofree char *dir = g_path_get_dirname (project);
  g_autofree char *tamp = g_build_filename (dir, "tamp.json", NULL);
  g_autofree char *ssp = g_build_filename (dir, "out", "product.ssp", NULL);
  g_autofree char *secret = g_build_filename (dir, "out", "secret.bin", NULL);
  g_autoptr(OsspTestRun) first = build (project, NULL);
  g_autoptr(OsspTestRun) second = NULL, third = NULL, forced = NULL, dry = NULL;
  g_autoptr(JsonNode) r1 = NULL, r2 = NULL, r3 = NULL, r4 = NULL, r5 = NULL;
  GStatBuf st;

  g_assert_cmpint (first->exit_status, ==, 0);
  r1 = ossp_test_run_json (first);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (r1), "built"), ==, 5);
  g_assert_cmpstr (step_state (r1, "secret-file"), ==, "built");
  g_assert_cmpstr (step_state (r1, "backup[0]"), ==, "built");
  g_assert_cmpstr (step_state (r1, "backup[1]"), ==, "built");
  g_assert_cmpstr (step_state (r1, "payload"), ==, "built");
  g_assert_cmpstr (step_state (r1, "image"), ==, "built");
  /* secrets 0600, the encrypted payload may be read */
  g_assert_cmpint (g_stat (secret, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_true (g_file_test (ssp, G_FILE_TEST_EXISTS));

  /* nothing changed: every step skipped, and it says why */
  second = build (project, NULL);
  g_assert_cmpint (second->exit_status, ==, 0);
  r2 = ossp_test_run_json (second);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (r2), "built"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (r2), "up_to_date"), ==, 5);
  g_assert_nonnull (strstr (json_object_get_string_member (find_step (r2, "payload"), "reason"), "up to date"));

  /* one list edited: its backup file and the payload, nothing else */
  touch_later (tamp);
  third = build (project, NULL);
  r3 = ossp_test_run_json (third);
  g_assert_cmpstr (step_state (r3, "secret-file"), ==, "up-to-date");
  g_assert_cmpstr (step_state (r3, "backup[0]"), ==, "up-to-date");
  g_assert_cmpstr (step_state (r3, "backup[1]"), ==, "built");
  g_assert_nonnull (strstr (json_object_get_string_member (find_step (r3, "backup[1]"), "reason"), "tamp.json"));
  g_assert_cmpstr (step_state (r3, "payload"), ==, "built");
  g_assert_cmpstr (step_state (r3, "image"), ==, "up-to-date");

  /* --dry-run says what it would do and writes nothing */
  touch_later (tamp);
  {
    GStatBuf before, after;
    g_assert_cmpint (g_stat (ssp, &before), ==, 0);
    dry = build (project, "--dry-run");
    g_assert_cmpint (dry->exit_status, ==, 0);
    r5 = ossp_test_run_json (dry);
    g_assert_cmpstr (step_state (r5, "backup[1]"), ==, "out-of-date");
    g_assert_cmpint (g_stat (ssp, &after), ==, 0);
    g_assert_cmpint (before.st_mtime, ==, after.st_mtime);
  }

  forced = build (project, "--force");
  r4 = ossp_test_run_json (forced);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (r4), "built"), ==, 5);
  g_assert_cmpstr (json_object_get_string_member (find_step (r4, "secret-file"), "reason"), ==, "--force");
}

/* `payload build --project` and `project build` make the same bytes; an
 * option on the command line wins over the project */
static void
test_payload_project_option (void)
{
  g_autofree char *project = ossp_test_make_example ("mp15");
  g_autofree char *dir = g_path_get_dirname (project);
  g_autofree char *ssp = g_build_filename (dir, "out", "product.ssp", NULL);
  g_autofree char *mine = g_build_filename (dir, "mine.ssp", NULL);
  g_autofree char *v5 = g_build_filename (dir, "v5.ssp", NULL);
  g_autoptr(OsspTestRun) built = build (project, NULL);
  g_autoptr(OsspTestRun) again = NULL, other = NULL, inspect = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *a = NULL, *b = NULL;
  gsize la, lb;

  g_assert_cmpint (built->exit_status, ==, 0);
  again = ossp_test_run_cli (NULL, "payload", "build", "--project", project, "--out", mine, NULL);
  g_assert_cmpint (again->exit_status, ==, 0);
  /* it says what it took from the project, and keeps the RMA value out of it */
  g_assert_nonnull (strstr (again->err, "--oem-pubkey"));
  g_assert_nonnull (strstr (again->err, "--rma (from the project)"));
  g_assert_null (strstr (again->err, "2AAAAAAA"));
  g_assert_true (g_file_get_contents (ssp, &a, &la, NULL));
  g_assert_true (g_file_get_contents (mine, &b, &lb, NULL));
  g_assert_cmpmem (a, la, b, lb);

  other = ossp_test_run_cli (NULL, "payload", "build", "--project", project, "--out", v5,
                             "--fsbl-min-version", "5", NULL);
  g_assert_cmpint (other->exit_status, ==, 0);
  inspect = ossp_test_run_cli (NULL, "--json", "payload", "inspect", v5, NULL);
  root = ossp_test_run_json (inspect);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (root), "fsbl_min_version_hint"), ==, 5);
  json_node_unref (g_steal_pointer (&root));

  /* the project's own value (2) when not overridden; inspect takes FILE,
   * key and nonce from the project */
  g_clear_pointer (&inspect, ossp_test_run_free);
  inspect = ossp_test_run_cli (NULL, "--json", "payload", "inspect", "--project", project, NULL);
  g_assert_cmpint (inspect->exit_status, ==, 0);
  root = ossp_test_run_json (inspect);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (root), "fsbl_min_version_hint"), ==, 2);
  g_assert_true (json_object_get_boolean_member (json_node_get_object (root), "decrypted"));
}

static void
test_otp_backup_project_option (void)
{
  g_autofree char *project = ossp_test_make_example ("mp25");
  g_autofree char *dir = g_path_get_dirname (project);
  g_autofree char *list = g_build_filename (dir, "otp.json", NULL);
  g_autofree char *tamp = g_build_filename (dir, "tamp.json", NULL);
  g_autoptr(OsspTestRun) set = NULL, shown = NULL, two = NULL, named = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;

  /* `otp set --project P WORD VALUE` edits the project's list */
  set = ossp_test_run_cli (NULL, "otp", "set", "--project", project, "301", "0x5", NULL);
  g_assert_cmpint (set->exit_status, ==, 0);
  g_assert_true (g_file_get_contents (list, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "301"));

  shown = ossp_test_run_cli (NULL, "--json", "otp", "list", "--project", project, NULL);
  g_assert_cmpint (shown->exit_status, ==, 0);
  root = ossp_test_run_json (shown);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (root), "chip"), ==, "stm32mp25");

  /* two backup lists: the command cannot guess which */
  two = ossp_test_run_cli (NULL, "backup", "list", "--project", project, NULL);
  g_assert_cmpint (two->exit_status, ==, 2);
  g_assert_nonnull (strstr (two->err, "2 backup lists"));
  named = ossp_test_run_cli (NULL, "backup", "list", "--project", project, tamp, NULL);
  g_assert_cmpint (named->exit_status, ==, 0);
}

static void
test_build_refuses_and_reports (void)
{
  g_autofree char *project = ossp_test_make_example ("mp15");
  g_autofree char *dir = g_path_get_dirname (project);
  g_autofree char *key = g_build_filename (dir, "enc_key.bin", NULL);
  g_autofree char *ssp = g_build_filename (dir, "out", "product.ssp", NULL);
  g_autoptr(OsspTestRun) bad = NULL, set_in = NULL, image = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonObject *err;

  /* a missing input: nothing written, every problem with its JSON path */
  g_assert_cmpint (g_unlink (key), ==, 0);
  bad = build (project, NULL);
  g_assert_cmpint (bad->exit_status, ==, 11);
  root = ossp_test_run_json (bad);
  err = json_object_get_object_member (json_node_get_object (root), "error");
  g_assert_false (g_file_test (ssp, G_FILE_TEST_EXISTS));
  {
    JsonArray *details = json_object_get_array_member (err, "details");
    gboolean found = FALSE;
    for (guint i = 0; i < json_array_get_length (details); i++)
      found |= g_str_equal (json_object_get_string_member (json_array_get_object_element (details, i), "where"),
                            "$.payload.key");
    g_assert_true (found);
  }
  g_assert_true (g_file_set_contents (key, "0123456789abcdef", 16, NULL));

  /* the signed image verifies against the project's key hash (image verify --project) */
  {
    g_autoptr(OsspTestRun) built = build (project, NULL);
    g_autoptr(OsspTestRun) verify = ossp_test_run_cli (NULL, "image", "verify", "--project", project, NULL);
    g_assert_cmpint (built->exit_status, ==, 0);
    g_assert_cmpint (verify->exit_status, ==, 0);
    g_assert_nonnull (strstr (verify->err, "--pkh"));
    g_assert_nonnull (strstr (verify->out, "PASS     pkh"));
  }

  /* a raw binary as image.input: a failing step says which and why */
  set_in = ossp_test_run_cli (NULL, "project", "set", project, "image.input", key, NULL);
  g_assert_cmpint (set_in->exit_status, ==, 0);
  image = ossp_test_run_cli (NULL, "--json", "project", "build", project, NULL);
  g_assert_cmpint (image->exit_status, ==, 3);
  json_node_unref (root);
  root = ossp_test_run_json (image);
  err = json_object_get_object_member (json_node_get_object (root), "error");
  g_assert_nonnull (strstr (json_object_get_string_member (err, "message"), "image ($.image.output)"));
  g_assert_nonnull (strstr (json_object_get_string_member (err, "message"), "no STM32 header"));
  {
    JsonArray *details = json_object_get_array_member (err, "details");
    JsonObject *last = json_array_get_object_element (details, json_array_get_length (details) - 1);
    g_assert_cmpstr (json_object_get_string_member (last, "state"), ==, "failed");
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/project-build/mp25-make-style", test_build_mp25_make_style);
  g_test_add_func ("/cli/project-build/payload-project-option", test_payload_project_option);
  g_test_add_func ("/cli/project-build/otp-backup-project-option", test_otp_backup_project_option);
  g_test_add_func ("/cli/project-build/refuses-and-reports", test_build_refuses_and_reports);
  return g_test_run ();
}
