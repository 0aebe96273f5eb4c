/* openssp.c — the headless OpenSSP tool
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <string.h>
#include <sys/prctl.h>
#include <glib/gi18n.h>

#include "ossp-cli.h"

/* One verb group per line; each group parses its own sub-commands. */
static const OsspCliVerb verbs[] = {
  /* in the order of a set-up, then the factory, then the tools */
  { "chip", ossp_cli_chip, "List chip families and show their OTP maps" },
  { "keys", ossp_cli_keys, "Generate authentication key pairs, PKH and PKHTH (KeyGen_CLI)" },
  { "random", ossp_cli_random, "Write random secret bytes (AES key, nonce)" },
  { "otp", ossp_cli_otp, "Edit, check and build the OTP secret list (secret files)" },
  { "backup", ossp_cli_backup, "STM32MP2 backup memory: entry lists (JSON) and the backup file" },
  { "payload", ossp_cli_payload, "Build, inspect and decrypt-verify the encrypted .ssp payload" },
  { "image", ossp_cli_image, "Sign, verify and inspect STM32 images (SigningTool_CLI equivalent)" },
  { "hsm", ossp_cli_hsm, "HSM: readers, info, personalisation, provisioning, licenses, soft-HSM card" },
  { "provision", ossp_cli_provision, "Provision chips live over UART or USB DFU (SSP with an HSM license)" },
  { "audit", ossp_cli_audit, "Verify and show provisioning audit logs (hash-chained JSON lines)" },
  { "sim", ossp_cli_sim_chip, "Simulated boards: new, show, serve on a pty (UART) or USB (umockdev)" },
  { "project", ossp_cli_project, "Create, check, show and build project files (*.openssp)" },
  { "doctor", ossp_cli_doctor, "Check what a station needs (pcscd, USB, serial ports, project files)" },
  { "explain", ossp_cli_explain, "Explain an error code, exit code, HSM status word or device message" },
};

static void
print_usage (void)
{
  g_print ("Usage: openssp [--json] [--yes] [--quiet] COMMAND [SUBCOMMAND] [OPTIONS…]\n\n"
           "Secure Secret Provisioning for STM32MP13, STM32MP15 and STM32MP25.\n\n"
           "Commands:\n");
  for (guint i = 0; i < G_N_ELEMENTS (verbs); i++)
    g_print ("  %-10s %s\n", verbs[i].name, verbs[i].summary);
  g_print ("\nGlobal options (anywhere on the line):\n"
           "  --json     print results, and failures, as JSON on stdout\n"
           "  --yes      confirm irreversible steps without asking (automation)\n"
           "  --quiet    print less\n"
           "  --version  print the version\n\n"
           "Run 'openssp COMMAND --help' for the options of a command.\n"
           "Exit codes: 0 success, 2 usage, others per error kind (see docs/cli.md).\n");
}

int
main (int    argc,
      char **argv)
{
  OsspCli cli = { 0 };
  g_autoptr(GPtrArray) args = g_ptr_array_new ();

  setlocale (LC_ALL, "");
  /* secrets are held in memory: keep them out of core dumps */
  prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);

  /* Global flags may appear anywhere, so scripts can append --json; but
   * not after "--", which hands the rest to another command (sim usb -- …) */
  g_ptr_array_add (args, argv[0]);
  for (int i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--"))
        {
          for (; i < argc; i++)
            g_ptr_array_add (args, argv[i]);
          break;
        }
      if (g_str_equal (argv[i], "--json"))
        cli.json = TRUE;
      else if (g_str_equal (argv[i], "--yes") || g_str_equal (argv[i], "-y"))
        cli.yes = TRUE;
      else if (g_str_equal (argv[i], "--quiet") || g_str_equal (argv[i], "-q"))
        cli.quiet = TRUE;
      else
        g_ptr_array_add (args, argv[i]);
    }
  g_ptr_array_add (args, NULL);
  argc = (int) args->len - 1;
  argv = (char **) args->pdata;

  if (argc < 2 || g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h") ||
      g_str_equal (argv[1], "help"))
    {
      print_usage ();
      return argc < 2 ? OSSP_EXIT_USAGE : OSSP_EXIT_OK;
    }
  if (g_str_equal (argv[1], "--version") || g_str_equal (argv[1], "version"))
    {
      g_print ("openssp %s\n", PACKAGE_VERSION);
      return OSSP_EXIT_OK;
    }

  /* KeyGen_CLI compatibility: factory scripts call ST's tool as
   * `KeyGen -abs DIR -pwd P… -n 8` or `-rand 16 FILE`; with openssp in its
   * place they keep working. Only KeyGen's own option names land here. */
  if (argv[1][0] == '-' && ossp_cli_is_keygen_option (argv[1]))
    return ossp_cli_keygen_compat (&cli, argc, argv);

  for (guint i = 0; i < G_N_ELEMENTS (verbs); i++)
    if (g_str_equal (argv[1], verbs[i].name))
      {
        cli.prog = verbs[i].name;
        {
          int rc = verbs[i].run (&cli, argc - 1, argv + 1);
          g_clear_object (&cli.project);  /* --project FILE */
          return rc;
        }
      }

  return ossp_cli_usage_error (&cli, "Unknown command \"%s\"; run 'openssp --help' for the list",
                               argv[1]);
}
