/* test-cli-project.c — `openssp project new|set|check|show`
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ossp-test-helper.h"

static void
test_cli_project_flow (void)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *file = g_build_filename (dir, "p.openssp", NULL);
  g_autofree char *key = g_build_filename (dir, "enc_key.bin", NULL);
  g_autoptr(OsspTestRun) created = ossp_test_run_cli (NULL, "project", "new", "--chip", "mp15", file, NULL);
  g_autoptr(OsspTestRun) again = ossp_test_run_cli (NULL, "project", "new", "--chip", "mp15", file, NULL);
  g_autoptr(OsspTestRun) set = ossp_test_run_cli (NULL, "project", "set", file, "payload.key", key, NULL);
  g_autoptr(OsspTestRun) bad = NULL;
  g_autoptr(OsspTestRun) good = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonArray *problems;

  g_assert_cmpint (created->exit_status, ==, 0);
  g_assert_cmpint (again->exit_status, ==, 5);           /* exists, not overwritten */
  g_assert_cmpint (set->exit_status, ==, 0);

  bad = ossp_test_run_cli (NULL, "--json", "project", "check", file, NULL);
  g_assert_cmpint (bad->exit_status, ==, 11);
  root = ossp_test_run_json (bad);
  problems = json_object_get_array_member (json_node_get_object (root), "problems");
  g_assert_cmpuint (json_array_get_length (problems), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (problems, 0), "where"),
                   ==, "$.payload.key");

  g_assert_true (g_file_set_contents (key, "0123456789abcdef", 16, NULL));
  good = ossp_test_run_cli (NULL, "project", "check", file, NULL);
  g_assert_cmpint (good->exit_status, ==, 0);
  g_assert_nonnull (strstr (good->out, "No problems"));
}

static void
test_cli_project_newer_version (void)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *file = g_build_filename (dir, "future.openssp", NULL);
  g_autoptr(OsspTestRun) run = NULL;

  g_assert_true (g_file_set_contents (file, "{\"format\":\"openssp-project\",\"version\":7}", -1, NULL));
  run = ossp_test_run_cli (NULL, "project", "check", file, NULL);
  g_assert_cmpint (run->exit_status, ==, 19);
  g_assert_nonnull (strstr (run->err, "newer"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/project/flow", test_cli_project_flow);
  g_test_add_func ("/cli/project/newer-version", test_cli_project_newer_version);
  return g_test_run ();
}
