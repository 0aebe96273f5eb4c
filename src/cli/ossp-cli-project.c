/* ossp-cli-project.c — `openssp project new|check|show|set`
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ossp-cli.h"

static const char *
severity_name (OsspProjectSeverity severity)
{
  switch (severity)
    {
    case OSSP_PROJECT_SEVERITY_ERROR: return "error";
    case OSSP_PROJECT_SEVERITY_WARNING: return "warning";
    default: return "info";
    }
}

static JsonNode *
problems_to_json (GPtrArray *problems)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_array (b);
  for (guint i = 0; problems && i < problems->len; i++)
    {
      const OsspProjectProblem *p = g_ptr_array_index (problems, i);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "where");
      json_builder_add_string_value (b, p->where);
      json_builder_set_member_name (b, "severity");
      json_builder_add_string_value (b, severity_name (p->severity));
      json_builder_set_member_name (b, "message");
      json_builder_add_string_value (b, p->message);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  return json_builder_get_root (b);
}

static guint
count_errors (GPtrArray *problems)
{
  guint n = 0;
  for (guint i = 0; problems && i < problems->len; i++)
    if (((OsspProjectProblem *) g_ptr_array_index (problems, i))->severity == OSSP_PROJECT_SEVERITY_ERROR)
      n++;
  return n;
}

static int
project_new (OsspCli *cli, int argc, char **argv)
{
  g_autofree char *chip_name = NULL;
  gboolean force = FALSE;
  GOptionEntry entries[] = {
    { "chip", 0, 0, G_OPTION_ARG_STRING, &chip_name, "Chip family (stm32mp13, stm32mp15, stm32mp25)", "CHIP" },
    { "force", 0, 0, G_OPTION_ARG_NONE, &force, "Replace an existing project file", NULL },
    { NULL }
  };
  g_autoptr(OsspChip) chip = NULL;
  g_autoptr(OsspProject) project = NULL;
  g_autoptr(GError) error = NULL;
  int exit_code;

  if (!ossp_cli_parse_options (cli, "project new", "FILE.openssp", "Create a project file.",
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc != 2 || chip_name == NULL)
    return ossp_cli_usage_error (cli, "usage: openssp project new --chip CHIP FILE.openssp");
  chip = ossp_chip_new (chip_name, &error);
  if (chip == NULL)
    return ossp_cli_fail (cli, error);
  if (!ossp_file_check_writable (argv[1], force ? OSSP_WRITE_FLAGS_OVERWRITE : 0, &error))
    return ossp_cli_fail (cli, error);
  project = ossp_project_new (ossp_chip_get_id (chip));
  if (!ossp_project_save (project, argv[1], &error))
    return ossp_cli_fail (cli, error);
  if (cli->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "project");
      json_builder_add_string_value (b, ossp_project_get_file (project));
      json_builder_set_member_name (b, "chip");
      json_builder_add_string_value (b, ossp_chip_get_id (chip));
      json_builder_end_object (b);
      ossp_cli_print_builder (cli, b);
    }
  else
    ossp_cli_message (cli, "Created %s for %s", ossp_project_get_file (project), ossp_chip_get_name (chip));
  return OSSP_EXIT_OK;
}

static int
project_check (OsspCli *cli, int argc, char **argv, gboolean show)
{
  GOptionEntry entries[] = { { NULL } };
  g_autoptr(OsspProject) project = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) details = NULL;
  int exit_code;

  if (!ossp_cli_parse_options (cli, show ? "project show" : "project check", "FILE.openssp",
                               show ? "Show a project's settings and problems."
                                    : "Check a project: every problem with its JSON path.",
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc != 2)
    return ossp_cli_usage_error (cli, "usage: openssp project %s FILE.openssp", show ? "show" : "check");
  project = ossp_project_load (argv[1], &problems, &error);
  if (project == NULL)
    return ossp_cli_fail (cli, error);
  details = problems_to_json (problems);

  if (cli->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autofree char *text = ossp_project_to_data (project);
      json_parser_load_from_data (parser, text, -1, NULL);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "project");
      json_builder_add_string_value (b, ossp_project_get_file (project));
      json_builder_set_member_name (b, "ok");
      json_builder_add_boolean_value (b, count_errors (problems) == 0);
      json_builder_set_member_name (b, "problems");
      json_builder_add_value (b, json_node_copy (details));
      if (show)
        {
          json_builder_set_member_name (b, "settings");
          json_builder_add_value (b, json_node_copy (json_parser_get_root (parser)));
        }
      json_builder_end_object (b);
      ossp_cli_print_builder (cli, b);
    }
  else
    {
      if (show)
        {
          const char * const *keys = ossp_project_list_keys ();
          g_print ("Project %s\nChip    %s\n", ossp_project_get_file (project), ossp_project_get_chip_id (project));
          for (guint i = 0; keys[i]; i++)
            {
              const char *value = ossp_project_get_string (project, keys[i]);
              if (value)
                g_print ("%-26s %s\n", keys[i], value);
              else if (ossp_project_has (project, keys[i]))
                g_print ("%-26s %" G_GINT64_FORMAT "\n", keys[i], ossp_project_get_int (project, keys[i], 0));
            }
          for (guint i = 0; i < ossp_project_get_n_backups (project); i++)
            {
              g_autofree char *list = ossp_project_get_backup_path (project, i, "list");
              g_print ("backup[%u]                  %s at 0x%08X\n", i, list ? list : "-",
                       ossp_project_get_backup_base (project, i));
            }
        }
      for (guint i = 0; problems && i < problems->len; i++)
        {
          const OsspProjectProblem *p = g_ptr_array_index (problems, i);
          g_print ("%s: %s: %s\n", severity_name (p->severity), p->where, p->message);
        }
      if (problems == NULL || problems->len == 0)
        g_print ("No problems.\n");
    }
  if (count_errors (problems) > 0)
    {
      g_autoptr(GError) invalid = g_error_new (OSSP_ERROR, OSSP_ERROR_VALIDATION,
                                               "%s has %u problem(s) to fix", argv[1], count_errors (problems));
      if (!cli->json)
        return ossp_cli_fail (cli, invalid);
      return ossp_error_exit_code (invalid);
    }
  return OSSP_EXIT_OK;
}

static int
project_set (OsspCli *cli, int argc, char **argv)
{
  GOptionEntry entries[] = { { NULL } };
  g_autoptr(OsspProject) project = NULL;
  g_autoptr(GError) error = NULL;
  const char * const *keys = ossp_project_list_keys ();
  int exit_code;

  if (!ossp_cli_parse_options (cli, "project set", "FILE.openssp KEY VALUE",
                               "Set one project setting (paths are stored relative to the project).",
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc != 4)
    return ossp_cli_usage_error (cli, "usage: openssp project set FILE.openssp KEY VALUE");
  project = ossp_project_load (argv[1], NULL, &error);
  if (project == NULL)
    return ossp_cli_fail (cli, error);
  if (g_str_equal (argv[2], "chip"))
    {
      g_autoptr(OsspChip) chip = ossp_chip_new (argv[3], &error);
      if (chip == NULL)
        return ossp_cli_fail (cli, error);
      ossp_project_set_chip_id (project, ossp_chip_get_id (chip));
    }
  else if (!g_strv_contains (keys, argv[2]))
    return ossp_cli_usage_error (cli, "Unknown project key \"%s\" (see docs/formats/project.md)", argv[2]);
  else
    {
      gint64 number;
      if (g_ascii_string_to_signed (argv[3], 10, G_MININT64, G_MAXINT64, &number, NULL) &&
          (g_str_has_suffix (argv[2], "count") || g_str_has_suffix (argv[2], "version") ||
           g_str_has_suffix (argv[2], "index") || g_str_has_suffix (argv[2], "slot")))
        ossp_project_set_int (project, argv[2], number);
      else if (g_str_has_prefix (argv[2], "hsm.") || g_str_equal (argv[2], "keys.curve") ||
               g_str_equal (argv[2], "image.pkcs11_url") || g_str_equal (argv[2], "provision.port"))
        ossp_project_set_string (project, argv[2], argv[3]);
      else
        {
          g_autofree char *abs = g_canonicalize_filename (argv[3], NULL);
          ossp_project_set_path (project, argv[2], abs);
        }
    }
  if (!ossp_project_save (project, argv[1], &error))
    return ossp_cli_fail (cli, error);
  return OSSP_EXIT_OK;
}

int
ossp_cli_project (OsspCli *cli, int argc, char **argv)
{
  if (argc < 2 || g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h"))
    {
      g_print ("Usage: openssp project new|check|show|set …\n");
      return argc < 2 ? OSSP_EXIT_USAGE : OSSP_EXIT_OK;
    }
  if (g_str_equal (argv[1], "new"))
    return project_new (cli, argc - 1, argv + 1);
  if (g_str_equal (argv[1], "check"))
    return project_check (cli, argc - 1, argv + 1, FALSE);
  if (g_str_equal (argv[1], "show"))
    return project_check (cli, argc - 1, argv + 1, TRUE);
  if (g_str_equal (argv[1], "set"))
    return project_set (cli, argc - 1, argv + 1);
  return ossp_cli_usage_error (cli, "Unknown 'project' sub-command \"%s\" (new, check, show, set)", argv[1]);
}
