/* test-cli-audit.c — `openssp audit verify|show`
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The logs used here are the fuzz seeds, written by a Python script with
 * hashlib (an implementation independent of OsspAuditLog).
 */
#include <string.h>

#include "ossp-test-helper.h"

static char *
seed (const char *name)
{
  return g_build_filename (g_getenv ("OPENSSP_SOURCE_DIR"), "tests", "fuzz", "corpus",
                           "audit-log", name, NULL);
}

static void
test_cli_audit_verify (void)
{
  g_autofree char *valid = seed ("valid.jsonl");
  g_autofree char *tampered = seed ("tampered.jsonl");
  g_autoptr(OsspTestRun) ok = ossp_test_run_cli (NULL, "--json", "audit", "verify", valid, NULL);
  g_autoptr(OsspTestRun) bad = NULL;
  g_autoptr(OsspTestRun) counter = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonObject *o;

  g_assert_cmpint (ok->exit_status, ==, 0);
  root = ossp_test_run_json (ok);
  o = json_node_get_object (root);
  g_assert_cmpstr (json_object_get_string_member (o, "chain"), ==, "ok");
  g_assert_cmpint (json_object_get_int_member (o, "records"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (o, "licenses_consumed"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (o, "licenses_consumed_unused"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (o, "licenses_used_outside_log"), ==, 2);

  bad = ossp_test_run_cli (NULL, "audit", "verify", tampered, NULL);
  g_assert_cmpint (bad->exit_status, ==, 12);
  g_assert_nonnull (strstr (bad->err, "line 3: the chain is broken"));

  /* the HSM has fewer licenses than the log accounts for */
  counter = ossp_test_run_cli (NULL, "audit", "verify", valid, "--hsm-serial", "SIM-0001",
                               "--hsm-counter", "5", NULL);
  g_assert_cmpint (counter->exit_status, ==, 12);
  g_assert_nonnull (strstr (counter->err, "without a record"));
}

static void
test_cli_audit_show (void)
{
  g_autofree char *valid = seed ("valid.jsonl");
  g_autoptr(OsspTestRun) run = ossp_test_run_cli (NULL, "--json", "audit", "show", valid,
                                                  "--last", "2", NULL);
  g_autoptr(OsspTestRun) text = ossp_test_run_cli (NULL, "audit", "show", valid, NULL);
  g_autoptr(OsspTestRun) usage = ossp_test_run_cli (NULL, "audit", "show", NULL);
  g_autoptr(JsonNode) root = NULL;
  JsonArray *arr;

  g_assert_cmpint (run->exit_status, ==, 0);
  root = ossp_test_run_json (run);
  arr = json_node_get_array (root);
  g_assert_cmpuint (json_array_get_length (arr), ==, 2);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (arr, 0), "seq"), ==, 2);
  g_assert_cmpint (text->exit_status, ==, 0);
  g_assert_nonnull (strstr (text->out, "5000200A"));
  g_assert_cmpint (usage->exit_status, ==, 2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/audit/verify", test_cli_audit_verify);
  g_test_add_func ("/cli/audit/show", test_cli_audit_show);
  return g_test_run ();
}
