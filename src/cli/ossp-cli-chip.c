/* ossp-cli-chip.c — `openssp chip list|show`
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ossp-cli.h"

static int
chip_list (OsspCli *cli, int argc, char **argv)
{
  const char * const *ids = ossp_chip_list_ids ();
  g_autoptr(JsonBuilder) b = json_builder_new ();
  GOptionEntry entries[] = { { NULL } };
  int exit_code;

  if (!ossp_cli_parse_options (cli, "chip list", "", "List the supported chip families.",
                               entries, &argc, &argv, &exit_code))
    return exit_code;

  json_builder_begin_array (b);
  for (guint i = 0; ids[i]; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(OsspChip) chip = ossp_chip_new (ids[i], &error);
      if (chip == NULL)
        return ossp_cli_fail (cli, error);
      if (cli->json)
        {
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "id");
          json_builder_add_string_value (b, ossp_chip_get_id (chip));
          json_builder_set_member_name (b, "name");
          json_builder_add_string_value (b, ossp_chip_get_name (chip));
          json_builder_set_member_name (b, "dev_id");
          json_builder_add_int_value (b, ossp_chip_get_dev_id (chip));
          json_builder_set_member_name (b, "otp_words");
          json_builder_add_int_value (b, ossp_chip_get_otp_word_count (chip));
          json_builder_set_member_name (b, "header_version");
          json_builder_add_string_value (b, ossp_chip_get_header_version (chip));
          json_builder_set_member_name (b, "auth_keys");
          json_builder_add_int_value (b, ossp_chip_get_auth_key_count (chip));
          json_builder_end_object (b);
        }
      else
        g_print ("%-10s %-10s DEV_ID 0x%03X  %3u OTP words  header v%s  %u key%s\n",
                 ossp_chip_get_id (chip), ossp_chip_get_name (chip), ossp_chip_get_dev_id (chip),
                 ossp_chip_get_otp_word_count (chip), ossp_chip_get_header_version (chip),
                 ossp_chip_get_auth_key_count (chip),
                 ossp_chip_get_auth_key_count (chip) > 1 ? "s" : "");
    }
  json_builder_end_array (b);
  if (cli->json)
    ossp_cli_print_builder (cli, b);
  return OSSP_EXIT_OK;
}

static int
chip_show (OsspCli *cli, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspChip) chip = NULL;
  GOptionEntry entries[] = { { NULL } };
  int exit_code;

  if (!ossp_cli_parse_options (cli, "chip show", "CHIP",
                               "Show a chip family: OTP map, SSP-writable words, keys, backup memory.",
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc != 2)
    return ossp_cli_usage_error (cli, "'openssp chip show' takes one chip name, e.g. stm32mp15");
  chip = ossp_chip_new (argv[1], &error);
  if (chip == NULL)
    return ossp_cli_fail (cli, error);

  if (cli->json)
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
      json_node_set_object (node, ossp_chip_get_json (chip));
      ossp_cli_print_json (cli, node);
      return OSSP_EXIT_OK;
    }

  g_print ("%s (%s), DEV_ID 0x%03X\n", ossp_chip_get_name (chip), ossp_chip_get_id (chip),
           ossp_chip_get_dev_id (chip));
  g_print ("OTP: %u words (0..%u accessible), bitwise-programmable up to word %u\n",
           ossp_chip_get_otp_word_count (chip), ossp_chip_get_max_accessible_word (chip),
           ossp_chip_get_lower_last_word (chip));
  g_print ("Image header: v%s; authentication keys: %u (%s in words %u..%u)\n",
           ossp_chip_get_header_version (chip), ossp_chip_get_auth_key_count (chip),
           ossp_chip_uses_pkh_table (chip) ? "PKHTH" : "PKH",
           ossp_chip_get_pkh_first_word (chip), ossp_chip_get_pkh_first_word (chip) + 7);
  g_print ("Curves:");
  for (guint i = 0; i < ossp_chip_get_n_curves (chip); i++)
    g_print (" %s (algo %u)", ossp_chip_get_curve (chip, i)->name, ossp_chip_get_curve (chip, i)->algo);
  g_print ("\nSSP secret words: %u..%u\n", ossp_chip_get_secret_first_word (chip),
           ossp_chip_get_secret_last_word (chip));
  for (guint i = 0; i < ossp_chip_get_n_backup_memories (chip); i++)
    {
      const OsspBackupMemoryInfo *b = ossp_chip_get_backup_memory (chip, i);
      g_print ("Backup memory %s (%s): %u bytes at", b->kind, b->name, b->size);
      for (guint j = 0; j < b->n_bases; j++)
        g_print (" 0x%08X", b->bases[j]);
      g_print ("\n");
    }
  g_print ("\n%-9s %-28s %-14s %-4s %s\n", "Words", "Name", "Owner", "SSP", "Description");
  for (guint i = 0; i < ossp_chip_get_n_word_infos (chip); i++)
    {
      const OsspOtpWordInfo *w = ossp_chip_get_word_info (chip, i);
      g_autofree char *range = w->first == w->last ? g_strdup_printf ("%u", w->first)
                                                   : g_strdup_printf ("%u..%u", w->first, w->last);
      g_print ("%-9s %-28s %-14s %-4s %s\n", range, w->name, w->owner,
               w->ssp_writable ? "yes" : "-", w->description ? w->description : "");
    }
  return OSSP_EXIT_OK;
}

int
ossp_cli_chip (OsspCli *cli, int argc, char **argv)
{
  if (argc < 2 || g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h"))
    {
      g_print ("Usage: openssp chip list|show CHIP [--json]\n");
      return argc < 2 ? OSSP_EXIT_USAGE : OSSP_EXIT_OK;
    }
  if (g_str_equal (argv[1], "list"))
    return chip_list (cli, argc - 1, argv + 1);
  if (g_str_equal (argv[1], "show"))
    return chip_show (cli, argc - 1, argv + 1);
  return ossp_cli_usage_error (cli, "Unknown 'chip' sub-command \"%s\" (list, show)", argv[1]);
}
