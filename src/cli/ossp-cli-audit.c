/* ossp-cli-audit.c — `openssp audit verify|show`: the provisioning audit log
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ossp-cli.h"

static void
add_report (JsonBuilder     *b,
            const char      *path,
            OsspAuditReport *r)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "log");
  json_builder_add_string_value (b, path);
  json_builder_set_member_name (b, "chain");
  json_builder_add_string_value (b, "ok");
  json_builder_set_member_name (b, "records");
  json_builder_add_int_value (b, r->records);
  json_builder_set_member_name (b, "provisioned");
  json_builder_add_int_value (b, r->provisioned);
  json_builder_set_member_name (b, "failed");
  json_builder_add_int_value (b, r->failed);
  json_builder_set_member_name (b, "licenses_consumed");
  json_builder_add_int_value (b, r->licenses_consumed);
  json_builder_set_member_name (b, "licenses_consumed_unused");
  json_builder_add_int_value (b, r->licenses_unused);
  json_builder_set_member_name (b, "licenses_used_outside_log");
  json_builder_add_int_value (b, r->licenses_outside);
  json_builder_set_member_name (b, "last_sha256");
  json_builder_add_string_value (b, r->last_sha256);
  json_builder_set_member_name (b, "warnings");
  json_builder_begin_array (b);
  for (guint i = 0; i < r->warnings->len; i++)
    json_builder_add_string_value (b, g_ptr_array_index (r->warnings, i));
  json_builder_end_array (b);
  json_builder_end_object (b);
}

static int
audit_verify (OsspCli *cli, int argc, char **argv)
{
  g_autofree char *hsm_serial = NULL;
  gint64 hsm_counter = -1;
  GOptionEntry entries[] = {
    { "hsm-serial", 0, 0, G_OPTION_ARG_STRING, &hsm_serial,
      "Reconcile against this HSM's counter (needs --hsm-counter)", "SERIAL" },
    { "hsm-counter", 0, 0, G_OPTION_ARG_INT64, &hsm_counter,
      "Licenses the HSM has left now (openssp hsm info)", "N" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspAuditReport) report = NULL;
  int exit_code;

  if (!ossp_cli_parse_options (cli, "audit verify", "LOG",
                               "Check the hash chain of an audit log and reconcile its license "
                               "counts.\nExit 0: intact; 12 (verify-failed): edited, deleted or "
                               "inconsistent records.", entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc != 2)
    return ossp_cli_usage_error (cli, "'openssp audit verify' takes one log file");
  if ((hsm_serial != NULL) != (hsm_counter >= 0))
    return ossp_cli_usage_error (cli, "--hsm-serial and --hsm-counter go together");
  report = ossp_audit_log_verify (argv[1], hsm_serial, hsm_counter, &error);
  if (report == NULL)
    return ossp_cli_fail (cli, error);
  if (cli->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      add_report (b, argv[1], report);
      ossp_cli_print_builder (cli, b);
    }
  else
    {
      g_print ("%s: chain intact, %u record%s (%u provisioned, %u not)\n", argv[1],
               report->records, report->records == 1 ? "" : "s", report->provisioned,
               report->failed);
      g_print ("licenses: %u consumed, %u of them not used by a chip, %u used outside this log\n",
               report->licenses_consumed, report->licenses_unused, report->licenses_outside);
      g_print ("last line SHA-256: %s\n", report->last_sha256);
      for (guint i = 0; i < report->warnings->len; i++)
        ossp_cli_warn (cli, "%s", (const char *) g_ptr_array_index (report->warnings, i));
    }
  return OSSP_EXIT_OK;
}

static const char *
member_string (JsonObject *o,
               const char *object,
               const char *name)
{
  JsonNode *n;

  if (object != NULL)
    {
      n = json_object_get_member (o, object);
      if (n == NULL || !JSON_NODE_HOLDS_OBJECT (n))
        return "-";
      o = json_node_get_object (n);
    }
  n = json_object_get_member (o, name);
  if (n == NULL || json_node_get_value_type (n) != G_TYPE_STRING)
    return "-";
  return json_node_get_string (n);
}

static int
audit_show (OsspCli *cli, int argc, char **argv)
{
  gint last = 0;
  GOptionEntry entries[] = {
    { "last", 'n', 0, G_OPTION_ARG_INT, &last, "Only the last N records", "N" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) records = NULL;
  guint first;
  int exit_code;

  if (!ossp_cli_parse_options (cli, "audit show", "LOG",
                               "List the records of an audit log (does not check the chain; "
                               "use 'openssp audit verify').", entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc != 2)
    return ossp_cli_usage_error (cli, "'openssp audit show' takes one log file");
  if (last < 0)
    return ossp_cli_usage_error (cli, "--last takes a positive number");
  records = ossp_audit_log_read (argv[1], &error);
  if (records == NULL)
    return ossp_cli_fail (cli, error);
  first = last > 0 && records->len > (guint) last ? records->len - (guint) last : 0;
  if (cli->json)
    {
      g_autoptr(JsonArray) arr = json_array_new ();
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);
      for (guint i = first; i < records->len; i++)
        json_array_add_object_element (arr, json_object_ref (g_ptr_array_index (records, i)));
      json_node_set_array (node, arr);
      ossp_cli_print_json (cli, node);
      return OSSP_EXIT_OK;
    }
  g_print ("%-5s %-24s %-10s %-20s %-9s %s\n", "SEQ", "TIME", "PRODUCT", "RESULT", "LICENSE",
           "PORT");
  for (guint i = first; i < records->len; i++)
    {
      JsonObject *o = g_ptr_array_index (records, i);
      JsonNode *lic = json_object_get_member (o, "license");
      const char *license = "-";
      if (lic != NULL && JSON_NODE_HOLDS_OBJECT (lic))
        license = json_object_get_boolean_member_with_default (json_node_get_object (lic),
                                                               "consumed", FALSE)
                  ? "consumed" : "kept";
      g_print ("%-5" G_GINT64_FORMAT " %-24s %-10s %-20s %-9s %s\n",
               json_object_get_int_member_with_default (o, "seq", 0),
               member_string (o, NULL, "time"), member_string (o, "chip", "product_id"),
               member_string (o, NULL, "result"), license, member_string (o, NULL, "port"));
    }
  return OSSP_EXIT_OK;
}

int
ossp_cli_audit (OsspCli *cli, int argc, char **argv)
{
  if (argc >= 2 && g_str_equal (argv[1], "verify"))
    return audit_verify (cli, argc - 1, argv + 1);
  if (argc >= 2 && g_str_equal (argv[1], "show"))
    return audit_show (cli, argc - 1, argv + 1);
  if (argc >= 2 && (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h")))
    {
      g_print ("Usage: openssp audit verify|show LOG [OPTIONS…]\n\n"
               "  verify LOG   check the hash chain and the license counts\n"
               "  show LOG     list the records\n");
      return OSSP_EXIT_OK;
    }
  return ossp_cli_usage_error (cli, "Use 'openssp audit verify LOG' or 'openssp audit show LOG'");
}
