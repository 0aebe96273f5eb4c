/* ossp-cli-payload.c — `openssp payload build|inspect`
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ossp-cli.h"

static void
print_warnings (OsspCli *cli, OsspPayload *payload)
{
  GPtrArray *warnings = ossp_payload_get_warnings (payload);

  /* in JSON mode they are in the document; stderr would duplicate them */
  if (cli->json)
    return;
  for (guint i = 0; i < warnings->len; i++)
    ossp_cli_warn (cli, "%s", (const char *) g_ptr_array_index (warnings, i));
}

/* The OTP words in the OTP area's own dump, then what else happens. */
static void
print_plan (OsspPayload *payload,
            gboolean     show_secrets)
{
  g_autofree char *otp = ossp_otp_burn_plan_to_text (ossp_payload_get_burn_plan (payload), show_secrets);
  GPtrArray *plan = ossp_payload_get_plan (payload);
  gboolean chip_steps = FALSE, writes = FALSE;

  g_print ("\nPlan — OTP words the chip will burn and lock%s:\n%s",
           show_secrets ? "" : " (secret values hidden; --show-secrets shows them)", otp);
  for (guint i = 0; i < plan->len; i++)
    {
      const OsspPayloadPlanItem *it = g_ptr_array_index (plan, i);
      g_autofree char *value = ossp_payload_plan_item_value_text (it, show_secrets);

      if (it->action == OSSP_PAYLOAD_ACTION_CHIP)
        {
          if (!chip_steps)
            g_print ("\nThe SSP firmware also sets:\n");
          chip_steps = TRUE;
          g_print ("  OTP %-3u %-12s |= %s  %s\n", it->address, it->name, value, it->note ? it->note : "");
        }
      else if (it->action == OSSP_PAYLOAD_ACTION_WRITE)
        {
          if (!writes)
            g_print ("\nBackup memory writes:\n");
          writes = TRUE;
          g_print ("  0x%08X %-26s %4" G_GSIZE_FORMAT " bytes  %s  %s\n", it->address, it->name, it->len,
                   value, it->note ? it->note : "");
        }
    }
}

static void
print_report (OsspPayload *payload,
              const char  *path,
              gboolean     show_secrets)
{
  OsspChip *chip = ossp_payload_get_chip (payload);
  g_autoptr(GBytes) blob = ossp_payload_get_chip_blob (payload);
  g_autofree char *sha = ossp_hex_encode (ossp_payload_get_sha256 (payload), 32);

  g_print ("File:      %s (OSSP v%u container, %" G_GSIZE_FORMAT " bytes)\n", path,
           OSSP_PAYLOAD_CONTAINER_VERSION, g_bytes_get_size (ossp_payload_get_bytes (payload)));
  g_print ("Chip:      %s (%s, DEV_ID 0x%03X)\n", ossp_chip_get_name (chip), ossp_chip_get_id (chip),
           ossp_chip_get_dev_id (chip));
  g_print ("Flags:     0x%08X%s\n", ossp_payload_get_flags (payload),
           (ossp_payload_get_flags (payload) & OSSP_PAYLOAD_FLAG_RMA_WORD)
           ? " (secrets start with the RMA word)" : "");
  g_print ("FSBL minimum version hint: %u\n", ossp_payload_get_fsbl_min_version (payload));
  g_print ("SHA-256:   %s (matches the contents)\n", sha);
  g_print ("Sections:\n");
  for (guint i = 0; i < ossp_payload_get_n_sections (payload); i++)
    {
      const OsspPayloadSection *s = ossp_payload_get_section (payload, i);
      g_autofree char *ssha = ossp_hex_encode (s->sha256, 32);
      g_print ("  #%u %-21s offset %5u  %5u bytes", i, ossp_payload_section_type_to_string (s->type),
               s->offset, s->length);
      if (s->base)
        g_print ("  base 0x%08X", s->base);
      g_print ("\n     sha256 %s\n", ssha);
    }
  if (ossp_payload_get_layout (payload) != NULL)
    {
      gsize key_len = 0;
      const guint8 *key = ossp_payload_get_oem_key_field (payload, &key_len);
      g_autofree char *key_hex = ossp_hex_encode (key, key_len);
      guint8 pkh[32];
      g_autofree char *pkh_hex = NULL;

      ossp_payload_get_pkh (payload, pkh);
      pkh_hex = ossp_hex_encode (pkh, 32);
      g_print ("Chip payload (%" G_GSIZE_FORMAT " bytes, sent after the license): magic SSPP, "
               "version 1, %u secret bytes\n", g_bytes_get_size (blob), ossp_payload_get_secret_size (payload));
      g_print ("  %s %s\n", key_len == 64 ? "OEM public key:" : "OEM PKHTH:     ", key_hex);
      g_print ("  %s %s\n", key_len == 64 ? "PKH (OTP 24..31):" : "PKHTH (OTP 24..31):", pkh_hex);
    }
  else
    g_print ("Sent to the chip after the license: the whole container (%" G_GSIZE_FORMAT " bytes)\n",
             g_bytes_get_size (blob));

  if (!ossp_payload_is_decrypted (payload))
    {
      g_print ("Not decrypted (give --key and --nonce to verify the tags and see the plan)\n");
      return;
    }
  g_print ("Decrypted with the key and nonce: every tag verifies.\n");
  print_plan (payload, show_secrets);
}

static int
payload_build (OsspCli *cli, int argc, char **argv)
{
  g_autofree char *chip_name = NULL, *key = NULL, *nonce = NULL, *pubkey = NULL, *pkhth = NULL;
  g_autofree char *secret = NULL, *rma = NULL, *out = NULL, *fsbl = NULL;
  g_auto(GStrv) backups = NULL, bases = NULL;
  gboolean force = FALSE;
  GOptionEntry entries[] = {
    { "chip", 0, 0, G_OPTION_ARG_STRING, &chip_name, "Chip family (stm32mp13, stm32mp15, stm32mp25)", "CHIP" },
    { "key", 0, 0, G_OPTION_ARG_FILENAME, &key, "AES-128 key file, 16 bytes", "FILE" },
    { "nonce", 0, 0, G_OPTION_ARG_FILENAME, &nonce, "Nonce file, 16 bytes, last 4 bytes zero", "FILE" },
    { "oem-pubkey", 0, 0, G_OPTION_ARG_FILENAME, &pubkey, "MP15: OEM root public key (PEM)", "FILE" },
    { "pubkey", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &pubkey, "Same as --oem-pubkey", "FILE" },
    { "pkhth", 0, 0, G_OPTION_ARG_FILENAME, &pkhth, "MP13: PKH-table hash (publicKeysHashHashes.bin)", "FILE" },
    { "secret", 0, 0, G_OPTION_ARG_FILENAME, &secret, "Secret file (MP1: OTP 59..95; MP2: OSOT file)", "FILE" },
    { "rma", 0, 0, G_OPTION_ARG_STRING, &rma, "MP1: RMA password for OTP 56 (MP15: 30 bits)", "HEX" },
    { "backup", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &backups, "MP2: backup file (OSBK), repeatable", "FILE" },
    { "base", 0, 0, G_OPTION_ARG_STRING_ARRAY, &bases, "MP2: base address of the matching --backup", "ADDR" },
    { "backup-base", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING_ARRAY, &bases, "Same as --base", "ADDR" },
    { "fsbl-min-version", 0, 0, G_OPTION_ARG_STRING, &fsbl, "Informative FSBL minimum version", "N" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Output .ssp file", "FILE" },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &force, "Replace an existing output file", NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspChip) chip = NULL;
  g_autoptr(OsspPayload) payload = NULL;
  g_autoptr(GBytes) bytes = NULL;
  OsspWriteFlags flags;
  guint n_backups, n_bases;
  int exit_code;

  if (!ossp_cli_parse_options (cli, "payload build", "",
                               "Encrypt the OEM secrets into an .ssp payload for the factory.",
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc != 1)
    return ossp_cli_usage_error (cli, "'openssp payload build' takes no positional argument (\"%s\")", argv[1]);
  if (chip_name == NULL || key == NULL || nonce == NULL || secret == NULL || out == NULL)
    return ossp_cli_usage_error (cli, "'openssp payload build' needs --chip, --key, --nonce, --secret and --out");
  n_backups = backups ? g_strv_length (backups) : 0;
  n_bases = bases ? g_strv_length (bases) : 0;
  if (n_backups != n_bases)
    return ossp_cli_usage_error (cli, "Give one --base ADDR for every --backup FILE (%u files, %u bases)",
                                 n_backups, n_bases);

  chip = ossp_chip_new (chip_name, &error);
  if (chip == NULL)
    return ossp_cli_fail (cli, error);
  payload = ossp_payload_new (chip);

  /* every input is checked before anything is written */
  if (!ossp_payload_load_key (payload, key, &error) ||
      !ossp_payload_load_nonce (payload, nonce, &error))
    return ossp_cli_fail (cli, error);
  if (pubkey != NULL && pkhth != NULL)
    return ossp_cli_usage_error (cli, "Give either --oem-pubkey (MP15) or --pkhth (MP13), not both");
  if (pubkey != NULL && !ossp_payload_load_oem_public_key (payload, pubkey, &error))
    return ossp_cli_fail (cli, error);
  if (pkhth != NULL && !ossp_payload_load_pkhth (payload, pkhth, &error))
    return ossp_cli_fail (cli, error);
  if (rma != NULL)
    {
      guint32 v;
      if (!ossp_parse_u32 (rma, &v, &error))
        {
          g_prefix_error (&error, "--rma: ");
          return ossp_cli_fail (cli, error);
        }
      if (!ossp_payload_set_rma (payload, v, &error))
        return ossp_cli_fail (cli, error);
    }
  if (!ossp_payload_load_secret (payload, secret, &error))
    return ossp_cli_fail (cli, error);
  for (guint i = 0; i < n_backups; i++)
    {
      guint32 base;
      if (!ossp_parse_u32 (bases[i], &base, &error))
        {
          g_prefix_error (&error, "--base: ");
          return ossp_cli_fail (cli, error);
        }
      if (!ossp_payload_load_backup (payload, backups[i], base, &error))
        return ossp_cli_fail (cli, error);
    }
  if (fsbl != NULL)
    {
      guint32 v;
      if (!ossp_parse_u32 (fsbl, &v, &error))
        {
          g_prefix_error (&error, "--fsbl-min-version: ");
          return ossp_cli_fail (cli, error);
        }
      ossp_payload_set_fsbl_min_version (payload, v);
    }
  flags = force ? OSSP_WRITE_FLAGS_OVERWRITE : OSSP_WRITE_FLAGS_NONE;
  if (!ossp_file_check_writable (out, flags, &error))
    return ossp_cli_fail (cli, error);

  bytes = ossp_payload_build (payload, &error);
  if (bytes == NULL || !ossp_payload_save (payload, out, flags, &error))
    return ossp_cli_fail (cli, error);

  print_warnings (cli, payload);
  if (cli->json)
    {
      g_autoptr(JsonNode) node = ossp_payload_to_json (payload, FALSE);
      json_object_set_string_member (json_node_get_object (node), "output", out);
      ossp_cli_print_json (cli, node);
    }
  else
    {
      g_autofree char *sha = NULL;
      g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
      g_checksum_update (sum, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
      sha = g_strdup (g_checksum_get_string (sum));
      ossp_cli_message (cli, "Wrote %s: %s payload, %" G_GSIZE_FORMAT " bytes, %u section%s "
                        "(verified by decrypting it again)", out, ossp_chip_get_name (chip),
                        g_bytes_get_size (bytes), ossp_payload_get_n_sections (payload),
                        ossp_payload_get_n_sections (payload) == 1 ? "" : "s");
      ossp_cli_message (cli, "SHA-256 of the whole file: %s (a rebuild from the same inputs gives the same)", sha);
    }
  return OSSP_EXIT_OK;
}

static int
payload_inspect (OsspCli *cli, int argc, char **argv)
{
  g_autofree char *key = NULL, *nonce = NULL;
  gboolean show_secrets = FALSE;
  GOptionEntry entries[] = {
    { "key", 0, 0, G_OPTION_ARG_FILENAME, &key, "Key file: decrypt and verify the tags", "FILE" },
    { "nonce", 0, 0, G_OPTION_ARG_FILENAME, &nonce, "Nonce file the payload was built with", "FILE" },
    { "show-secrets", 0, 0, G_OPTION_ARG_NONE, &show_secrets, "Print secret values in the plan", NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspPayload) payload = NULL;
  int exit_code;

  if (!ossp_cli_parse_options (cli, "payload inspect", "FILE.ssp",
                               "Show an .ssp payload; with --key and --nonce, decrypt it, verify "
                               "every tag and show what the chip will burn and lock.",
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc != 2)
    return ossp_cli_usage_error (cli, "'openssp payload inspect' takes one .ssp file");
  if ((key == NULL) != (nonce == NULL))
    return ossp_cli_usage_error (cli, "Give both --key and --nonce to decrypt, or neither");
  if (show_secrets && key == NULL)
    return ossp_cli_usage_error (cli, "--show-secrets needs --key and --nonce");

  payload = ossp_payload_new_from_file (argv[1], &error);
  if (payload == NULL)
    return ossp_cli_fail (cli, error);
  if (key != NULL)
    {
      if (!ossp_payload_load_key (payload, key, &error) ||
          !ossp_payload_load_nonce (payload, nonce, &error))
        return ossp_cli_fail (cli, error);
      if (!ossp_payload_decrypt (payload, &error))
        {
          g_prefix_error (&error, "%s: ", argv[1]);
          return ossp_cli_fail (cli, error);
        }
    }
  print_warnings (cli, payload);
  if (cli->json)
    {
      g_autoptr(JsonNode) node = ossp_payload_to_json (payload, show_secrets);
      json_object_set_string_member (json_node_get_object (node), "file", argv[1]);
      ossp_cli_print_json (cli, node);
    }
  else
    print_report (payload, argv[1], show_secrets);
  ossp_payload_wipe_plaintext (payload);
  return OSSP_EXIT_OK;
}

int
ossp_cli_payload (OsspCli *cli, int argc, char **argv)
{
  if (argc < 2 || g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h"))
    {
      g_print ("Usage: openssp payload build --chip CHIP --key FILE --nonce FILE\n"
               "                             [--oem-pubkey PEM | --pkhth FILE] --secret FILE [--rma HEX]\n"
               "                             [--backup FILE --base ADDR]… [--fsbl-min-version N]\n"
               "                             --out FILE.ssp [--force]\n"
               "       openssp payload inspect FILE.ssp [--key FILE --nonce FILE [--show-secrets]]\n"
               "All take --json. The nonce file has 16 bytes: 12 random bytes (the AES-GCM nonce)\n"
               "and 4 zero bytes, which the chip's ROM requires.\n");
      return argc < 2 ? OSSP_EXIT_USAGE : OSSP_EXIT_OK;
    }
  if (g_str_equal (argv[1], "build"))
    return payload_build (cli, argc - 1, argv + 1);
  if (g_str_equal (argv[1], "inspect"))
    return payload_inspect (cli, argc - 1, argv + 1);
  return ossp_cli_usage_error (cli, "Unknown 'payload' sub-command \"%s\" (build, inspect)", argv[1]);
}
