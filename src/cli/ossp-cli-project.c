/* ossp-cli-project.c — `openssp project new|check|show|set|build`
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

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
      if (ossp_project_key_is_int (argv[2]))
        {
          if (!g_ascii_string_to_signed (argv[3], 10, G_MININT64, G_MAXINT64, &number, NULL))
            return ossp_cli_usage_error (cli, "%s takes a whole number, not \"%s\"", argv[2], argv[3]);
          ossp_project_set_int (project, argv[2], number);
        }
      else if (!ossp_project_key_is_path (argv[2]))
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

static void
add_step_json (JsonBuilder     *b,
               OsspProjectStep *step)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "step");
  json_builder_add_string_value (b, step->name);
  json_builder_set_member_name (b, "where");
  json_builder_add_string_value (b, step->where);
  json_builder_set_member_name (b, "state");
  json_builder_add_string_value (b, ossp_project_step_state_to_string (step->state));
  json_builder_set_member_name (b, "reason");
  json_builder_add_string_value (b, step->reason ? step->reason : "");
  json_builder_set_member_name (b, "output");
  if (step->output)
    json_builder_add_string_value (b, step->output);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "inputs");
  json_builder_begin_array (b);
  for (guint i = 0; i < step->inputs->len; i++)
    json_builder_add_string_value (b, g_ptr_array_index (step->inputs, i));
  json_builder_end_array (b);
  json_builder_set_member_name (b, "seconds");
  json_builder_add_double_value (b, step->elapsed_usec / 1e6);
  json_builder_end_object (b);
}

static JsonNode *
steps_to_json (GPtrArray *steps)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_array (b);
  for (guint i = 0; i < steps->len; i++)
    add_step_json (b, g_ptr_array_index (steps, i));
  json_builder_end_array (b);
  return json_builder_get_root (b);
}

/* "out/secret.bin" rather than the absolute path, when it is below the project */
static const char *
short_path (const char *path,
            const char *dir)
{
  gsize n = strlen (dir);

  if (path && g_str_has_prefix (path, dir) && path[n] == G_DIR_SEPARATOR)
    return path + n + 1;
  return path ? path : "-";
}

static void
print_step (OsspCli         *cli,
            OsspProjectStep *step,
            const char      *dir,
            gboolean         dry_run)
{
  const char *what;

  if (cli->json)
    return;
  switch (step->state)
    {
    case OSSP_PROJECT_STEP_BUILT: what = "built"; break;
    case OSSP_PROJECT_STEP_OUT_OF_DATE: what = dry_run ? "to build" : "building"; break;
    case OSSP_PROJECT_STEP_UP_TO_DATE: what = "skipped"; break;
    case OSSP_PROJECT_STEP_FAILED: what = "FAILED"; break;
    case OSSP_PROJECT_STEP_NOT_CONFIGURED: what = "-"; break;
    default: what = "?"; break;
    }
  if (step->state == OSSP_PROJECT_STEP_BUILT)
    ossp_cli_message (cli, "  %-12s %-8s %-28s %.3f s (%s)", step->name, what,
                      short_path (step->output, dir), step->elapsed_usec / 1e6, step->reason);
  else
    ossp_cli_message (cli, "  %-12s %-8s %-28s %s", step->name, what,
                      short_path (step->output, dir), step->reason ? step->reason : "");
}

static int
project_build (OsspCli *cli, int argc, char **argv)
{
  gboolean force = FALSE, dry_run = FALSE;
  GOptionEntry entries[] = {
    { "force", 'f', 0, G_OPTION_ARG_NONE, &force, "Rebuild every step, even up-to-date ones", NULL },
    { "dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run, "Only say what would be built and why", NULL },
    { NULL }
  };
  g_autoptr(OsspProject) project = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GPtrArray) steps = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  guint n_built = 0, n_fresh = 0;
  gint64 start = g_get_monotonic_time ();
  int exit_code;

  if (!ossp_cli_parse_options (cli, "project build", "FILE.openssp",
                               "Build what the project makes, in order: the secret file, the "
                               "backup files, the payload, the signed firmware image. Steps whose "
                               "output is newer than all their inputs are skipped.",
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc != 2)
    return ossp_cli_usage_error (cli, "usage: openssp project build FILE.openssp [--force] [--dry-run]");
  project = ossp_project_load (argv[1], &problems, &error);
  if (project == NULL)
    return ossp_cli_fail (cli, error);
  /* every input is checked before anything is written */
  if (count_errors (problems) > 0)
    {
      g_autoptr(JsonNode) details = problems_to_json (problems);
      g_set_error (&error, OSSP_ERROR, OSSP_ERROR_VALIDATION,
                   "%s has %u problem(s) to fix before building (see 'openssp project check')",
                   argv[1], count_errors (problems));
      return ossp_cli_fail_with_details (cli, error, details);
    }
  dir = g_path_get_dirname (ossp_project_get_file (project));
  steps = ossp_project_build_plan (project);
  ossp_cli_message (cli, "%s %s (%s)%s", dry_run ? "Plan for" : "Building", argv[1],
                    ossp_project_get_chip_id (project), force ? ", every step (--force)" : "");
  for (guint i = 0; i < steps->len; i++)
    {
      OsspProjectStep *step = g_ptr_array_index (steps, i);

      ossp_project_step_check (step, force);
      if (step->state == OSSP_PROJECT_STEP_OUT_OF_DATE && !dry_run &&
          !ossp_project_step_run (project, step, NULL, &error))
        {
          g_autoptr(JsonNode) details = steps_to_json (steps);
          print_step (cli, step, dir, dry_run);
          return ossp_cli_fail_with_details (cli, error, details);
        }
      n_built += step->state == OSSP_PROJECT_STEP_BUILT || step->state == OSSP_PROJECT_STEP_OUT_OF_DATE;
      n_fresh += step->state == OSSP_PROJECT_STEP_UP_TO_DATE;
      print_step (cli, step, dir, dry_run);
    }

  if (cli->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "project");
      json_builder_add_string_value (b, ossp_project_get_file (project));
      json_builder_set_member_name (b, "chip");
      json_builder_add_string_value (b, ossp_project_get_chip_id (project));
      json_builder_set_member_name (b, "force");
      json_builder_add_boolean_value (b, force);
      json_builder_set_member_name (b, "dry_run");
      json_builder_add_boolean_value (b, dry_run);
      json_builder_set_member_name (b, "built");
      json_builder_add_int_value (b, dry_run ? 0 : n_built);
      json_builder_set_member_name (b, "up_to_date");
      json_builder_add_int_value (b, n_fresh);
      json_builder_set_member_name (b, "seconds");
      json_builder_add_double_value (b, (g_get_monotonic_time () - start) / 1e6);
      json_builder_set_member_name (b, "steps");
      json_builder_add_value (b, steps_to_json (steps));
      json_builder_end_object (b);
      ossp_cli_print_builder (cli, b);
    }
  else
    ossp_cli_message (cli, "%u %s, %u up to date, %.3f s", n_built,
                      dry_run ? "to build" : "built", n_fresh, (g_get_monotonic_time () - start) / 1e6);
  return OSSP_EXIT_OK;
}

static int
project_keys (OsspCli *cli, int argc, char **argv)
{
  GOptionEntry entries[] = { { NULL } };
  const char * const *keys = ossp_project_list_keys ();
  g_autoptr(JsonBuilder) b = json_builder_new ();
  int exit_code;

  if (!ossp_cli_parse_options (cli, "project keys", "", "List the settings a project can hold.",
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  json_builder_begin_array (b);
  for (guint i = 0; keys[i]; i++)
    {
      const char *kind = ossp_project_key_is_int (keys[i]) ? "integer"
                         : ossp_project_key_is_path (keys[i]) ? "path" : "string";
      if (cli->json)
        {
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "key");
          json_builder_add_string_value (b, keys[i]);
          json_builder_set_member_name (b, "type");
          json_builder_add_string_value (b, kind);
          json_builder_end_object (b);
        }
      else
        g_print ("%-26s %s\n", keys[i], kind);
    }
  json_builder_end_array (b);
  if (cli->json)
    ossp_cli_print_builder (cli, b);
  return OSSP_EXIT_OK;
}

int
ossp_cli_project (OsspCli *cli, int argc, char **argv)
{
  if (argc < 2 || g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h"))
    {
      g_print ("Usage: openssp project new --chip CHIP FILE.openssp [--force]\n"
               "       openssp project check|show FILE.openssp\n"
               "       openssp project set FILE.openssp KEY VALUE\n"
               "       openssp project build FILE.openssp [--force] [--dry-run]\n"
               "       openssp project keys\n"
               "All take --json. Other commands take --project FILE.openssp for their inputs.\n");
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
  if (g_str_equal (argv[1], "build"))
    return project_build (cli, argc - 1, argv + 1);
  if (g_str_equal (argv[1], "keys"))
    return project_keys (cli, argc - 1, argv + 1);
  return ossp_cli_usage_error (cli, "Unknown 'project' sub-command \"%s\" (new, check, show, set, build, keys)", argv[1]);
}
