/* test-cli-chip.c — `openssp chip`, global flags and JSON failures
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ossp-test-helper.h"

static void
test_cli_chip_list_json (void)
{
  g_autoptr(OsspTestRun) run = ossp_test_run_cli (NULL, "chip", "list", "--json", NULL);
  g_autoptr(JsonNode) root = NULL;
  JsonArray *arr;

  g_assert_cmpint (run->exit_status, ==, 0);
  root = ossp_test_run_json (run);
  arr = json_node_get_array (root);
  g_assert_cmpuint (json_array_get_length (arr), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (arr, 1), "id"), ==, "stm32mp15");
}

static void
test_cli_chip_show (void)
{
  g_autoptr(OsspTestRun) run = ossp_test_run_cli (NULL, "chip", "show", "mp13", NULL);
  g_autoptr(OsspTestRun) json = ossp_test_run_cli (NULL, "--json", "chip", "show", "stm32mp25", NULL);
  g_autoptr(JsonNode) root = NULL;

  g_assert_cmpint (run->exit_status, ==, 0);
  g_assert_nonnull (strstr (run->out, "PKHTH"));
  g_assert_nonnull (strstr (run->out, "EDMK"));
  g_assert_cmpint (json->exit_status, ==, 0);
  root = ossp_test_run_json (json);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (root), "id"), ==, "stm32mp25");
}

static void
test_cli_errors_json (void)
{
  g_autoptr(OsspTestRun) run = ossp_test_run_cli (NULL, "chip", "show", "stm32f4", "--json", NULL);
  g_autoptr(OsspTestRun) usage = ossp_test_run_cli (NULL, "nosuchverb", NULL);
  g_autoptr(OsspTestRun) plain = ossp_test_run_cli (NULL, "chip", "show", "stm32f4", NULL);
  g_autoptr(JsonNode) root = NULL;
  JsonObject *err;

  g_assert_cmpint (run->exit_status, ==, 4);
  root = ossp_test_run_json (run);
  err = json_object_get_object_member (json_node_get_object (root), "error");
  g_assert_cmpstr (json_object_get_string_member (err, "code"), ==, "not-found");
  g_assert_cmpint (json_object_get_int_member (err, "exit_code"), ==, 4);
  g_assert_nonnull (strstr (json_object_get_string_member (err, "message"), "stm32f4"));
  g_assert_true (json_object_has_member (err, "details"));

  g_assert_cmpint (usage->exit_status, ==, 2);
  g_assert_nonnull (strstr (usage->err, "nosuchverb"));
  g_assert_cmpint (plain->exit_status, ==, 4);
  g_assert_nonnull (strstr (plain->err, "Unknown chip"));
  g_assert_cmpstr (plain->out, ==, "");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/chip/list-json", test_cli_chip_list_json);
  g_test_add_func ("/cli/chip/show", test_cli_chip_show);
  g_test_add_func ("/cli/errors-json", test_cli_errors_json);
  return g_test_run ();
}
