/* ossp-cli-hsm.c — `openssp hsm list-readers|info|perso|perso-info|provision|license|sim-card`
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ossp-cli.h"
#include "ossp-pcsc-hsm.h"
#include "ossp-sim-hsm.h"
#include "ossp-sim-vpcd.h"

/* Which HSM a sub-command talks to: a PC/SC reader (default), the soft-HSM
 * in this process (--sim STATE), or, for licenses, an external command. */
typedef struct {
  char *reader;
  int   slot;
  char *sim_state;
  char *command;
  int   timeout_s;
} Backend;

static void
backend_clear (Backend *b)
{
  g_free (b->reader);
  g_free (b->sim_state);
  g_free (b->command);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Backend, backend_clear)

#define BACKEND_ENTRIES(b) \
  { "reader", 'r', 0, G_OPTION_ARG_STRING, &(b).reader, "PC/SC reader (name, or a unique part of it)", "NAME" }, \
  { "slot", 's', 0, G_OPTION_ARG_INT, &(b).slot, "PC/SC reader by index, 1 = first (CubeProgrammer's slot=)", "N" }, \
  { "sim", 0, 0, G_OPTION_ARG_FILENAME, &(b).sim_state, "Use the built-in soft-HSM with this state file (created blank if missing)", "STATE" }

static OsspHsm *
backend_open (OsspCli  *cli,
              Backend  *b,
              GError  **error)
{
  int given = (b->reader != NULL) + (b->slot != 0) + (b->sim_state != NULL) + (b->command != NULL);

  if (given > 1)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "Give one of --reader, --slot, --sim or --command, not several");
      return NULL;
    }
  if (b->slot < 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT, "--slot counts from 1");
      return NULL;
    }
  if (b->command != NULL)
    {
      if (b->timeout_s < 0)
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT, "--timeout must be positive");
          return NULL;
        }
      return (OsspHsm *) ossp_hsm_external_new_from_command_line (
        b->command, b->timeout_s > 0 ? (guint) b->timeout_s * 1000 : OSSP_HSM_EXTERNAL_DEFAULT_TIMEOUT_MS,
        error);
    }
  if (b->sim_state != NULL)
    {
      if (!g_file_test (b->sim_state, G_FILE_TEST_EXISTS))
        ossp_cli_message (cli, "Creating a new, blank soft-HSM card in %s", b->sim_state);
      return (OsspHsm *) ossp_sim_hsm_new_for_state (b->sim_state, error);
    }
  return (OsspHsm *) ossp_pcsc_hsm_new (b->reader, (guint) b->slot);
}

static void
add_info_members (JsonBuilder       *b,
                  const OsspHsmInfo *info)
{
  json_builder_set_member_name (b, "serial");
  json_builder_add_string_value (b, info->serial);
  json_builder_set_member_name (b, "firmware_id");
  json_builder_add_string_value (b, info->firmware_id);
  json_builder_set_member_name (b, "state");
  json_builder_add_string_value (b, ossp_hsm_state_to_string (info->state));
  json_builder_set_member_name (b, "delivered");
  json_builder_add_int_value (b, info->delivered);
  json_builder_set_member_name (b, "remaining");
  if (info->remaining == OSSP_HSM_REMAINING_UNKNOWN)
    json_builder_add_null_value (b);
  else
    json_builder_add_int_value (b, info->remaining);
  json_builder_set_member_name (b, "product_ids");
  json_builder_begin_array (b);
  for (guint i = 0; info->product_ids && info->product_ids[i]; i++)
    json_builder_add_string_value (b, info->product_ids[i]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "card_version");
  json_builder_add_string_value (b, info->card_version);
  json_builder_set_member_name (b, "source");
  json_builder_add_string_value (b, info->source);
}

static void
print_info (const OsspHsmInfo *info)
{
  g_print ("HSM:           %s\n", info->source ? info->source : "");
  g_print ("Serial:        %s\n", info->serial ? info->serial : "(unknown)");
  g_print ("Card version:  %s\n", info->card_version ? info->card_version : "(unknown)");
  g_print ("State:         %s\n", ossp_hsm_state_to_string (info->state));
  g_print ("Firmware id:   %s\n", info->firmware_id ? info->firmware_id : "(not configured)");
  g_print ("Delivered:     %u\n", info->delivered);
  if (info->remaining == OSSP_HSM_REMAINING_UNKNOWN)
    g_print ("Remaining:     (unknown)\n");
  else
    g_print ("Remaining:     %u\n", info->remaining);
  if (info->product_ids && info->product_ids[0])
    for (guint i = 0; info->product_ids[i]; i++)
      {
        g_autofree char *what = ossp_chip_certificate_describe_product_id (info->product_ids[i]);
        g_print ("%s %s  %s\n", i == 0 ? "Product ids:  " : "              ", info->product_ids[i], what);
      }
  else
    g_print ("Product ids:   (none)\n");
}

/* ---- list-readers ---- */

static int
hsm_list_readers (OsspCli *cli, int argc, char **argv)
{
  GOptionEntry entries[] = { { NULL } };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) readers = NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  int exit_code;

  if (!ossp_cli_parse_options (cli, "hsm list-readers", "",
                               "List PC/SC readers with their slot numbers and cards.",
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  readers = ossp_pcsc_list_readers (&error);
  if (readers == NULL)
    return ossp_cli_fail (cli, error);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "readers");
  json_builder_begin_array (b);
  for (guint i = 0; i < readers->len; i++)
    {
      OsspPcscReader *r = readers->pdata[i];
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "slot");
      json_builder_add_int_value (b, r->slot);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, r->name);
      json_builder_set_member_name (b, "card_present");
      json_builder_add_boolean_value (b, r->card_present);
      json_builder_set_member_name (b, "atr");
      json_builder_add_string_value (b, r->atr);
      json_builder_end_object (b);
      if (!cli->json)
        g_print ("%u  %-40s %s%s\n", r->slot, r->name, r->card_present ? "card, ATR " : "no card",
                 r->atr ? r->atr : "");
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  if (cli->json)
    ossp_cli_print_builder (cli, b);
  else if (readers->len == 0)
    g_print ("No PC/SC reader is connected.\n");
  return OSSP_EXIT_OK;
}

/* ---- info ---- */

static int
hsm_info (OsspCli *cli, int argc, char **argv)
{
  g_auto(Backend) be = { 0 };
  GOptionEntry entries[] = { BACKEND_ENTRIES (be), { NULL } };
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspHsm) hsm = NULL;
  g_autoptr(OsspHsmInfo) info = NULL;
  int exit_code;

  if (!ossp_cli_parse_options (cli, "hsm info", "",
                               "Show an HSM's state, serial, firmware id and license counter.",
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc > 1)
    return ossp_cli_usage_error (cli, "'openssp hsm info' takes no arguments");
  hsm = backend_open (cli, &be, &error);
  if (hsm == NULL || (info = ossp_hsm_get_info (hsm, NULL, &error)) == NULL)
    return ossp_cli_fail (cli, error);
  if (cli->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      add_info_members (b, info);
      json_builder_end_object (b);
      ossp_cli_print_builder (cli, b);
    }
  else
    print_info (info);
  return OSSP_EXIT_OK;
}

/* ---- perso ---- */

static void
add_perso_entries (JsonBuilder  *b,
                   OsspHsmPerso *perso)
{
  json_builder_set_member_name (b, "entries");
  json_builder_begin_array (b);
  for (guint i = 0; i < ossp_hsm_perso_get_n_entries (perso); i++)
    {
      const OsspHsmPersoEntry *e = ossp_hsm_perso_get_entry (perso, i);
      g_autofree char *what = ossp_chip_certificate_describe_product_id (e->product_id);
      g_autofree char *key = ossp_hex_encode (e->root_pubkey, 64);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "product_id");
      json_builder_add_string_value (b, e->product_id);
      json_builder_set_member_name (b, "description");
      json_builder_add_string_value (b, what);
      json_builder_set_member_name (b, "root_pubkey");
      json_builder_add_string_value (b, key);
      json_builder_set_member_name (b, "allow_live");
      json_builder_add_boolean_value (b, (e->flags & OSSP_HSM_PERSO_FLAG_ALLOW_LIVE) != 0);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

static int
hsm_perso (OsspCli *cli, int argc, char **argv)
{
  g_auto(GStrv) products = NULL;
  g_auto(GStrv) keys = NULL;
  g_autofree char *out = NULL;
  gboolean allow_live = FALSE, force = FALSE;
  GOptionEntry entries[] = {
    { "product", 'p', 0, G_OPTION_ARG_STRING_ARRAY, &products, "Product id served (8 hex digits, e.g. 5000200A); repeat for several", "ID" },
    { "root-pubkey", 'k', 0, G_OPTION_ARG_STRING_ARRAY, &keys, "Root public key that signs the certificates of the product given at the same position: PEM/DER file, 64-byte raw file or hex", "FILE|HEX" },
    { "allow-live", 0, 0, G_OPTION_ARG_NONE, &allow_live, "Allow live-session (SSPL) licenses for these products", NULL },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Output file (OSPD blob)", "FILE" },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &force, "Replace an existing output file", NULL },
    { NULL }
  };
  g_autoptr(OsspHsmPerso) perso = ossp_hsm_perso_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  int exit_code;
  guint n;

  if (!ossp_cli_parse_options (cli, "hsm perso", "",
                               "Make an OpenSSP HSM personalisation (OSPD v1) from product ids and their root public keys.",
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  if (out == NULL)
    return ossp_cli_usage_error (cli, "'openssp hsm perso' needs --out FILE");
  n = products ? g_strv_length (products) : 0;
  if (n == 0 || keys == NULL || g_strv_length (keys) != n)
    return ossp_cli_usage_error (cli, "Give one --root-pubkey for each --product (%u product%s, %u key%s)",
                                 n, n == 1 ? "" : "s", keys ? g_strv_length (keys) : 0,
                                 keys && g_strv_length (keys) == 1 ? "" : "s");
  for (guint i = 0; i < n; i++)
    {
      guint8 pub[64];
      if (!ossp_p256_load_public (keys[i], pub, &error) ||
          !ossp_hsm_perso_add_entry (perso, products[i], pub,
                                     allow_live ? OSSP_HSM_PERSO_FLAG_ALLOW_LIVE : 0, &error))
        return ossp_cli_fail (cli, error);
    }
  bytes = ossp_hsm_perso_to_bytes (perso, &error);
  if (bytes == NULL ||
      !ossp_hsm_perso_save (perso, out, force ? OSSP_WRITE_FLAGS_OVERWRITE : OSSP_WRITE_FLAGS_NONE, &error))
    return ossp_cli_fail (cli, error);
  if (cli->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "file");
      json_builder_add_string_value (b, out);
      json_builder_set_member_name (b, "size");
      json_builder_add_int_value (b, (gint64) g_bytes_get_size (bytes));
      add_perso_entries (b, perso);
      json_builder_end_object (b);
      ossp_cli_print_builder (cli, b);
    }
  else
    {
      g_autofree char *desc = ossp_hsm_perso_describe (perso);
      g_print ("Wrote %s (%" G_GSIZE_FORMAT " bytes), serving:\n%s", out, g_bytes_get_size (bytes), desc);
    }
  return OSSP_EXIT_OK;
}

/* ---- perso-info ---- */

static void
describe_file (OsspCli     *cli,
               JsonBuilder *b,
               const char  *path)
{
  g_autofree char *st_id = ossp_hsm_perso_product_id_from_st_name (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspHsmPerso) perso = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "file");
  json_builder_add_string_value (b, path);
  if (st_id != NULL)
    {
      g_autofree char *what = ossp_chip_certificate_describe_product_id (st_id);
      json_builder_set_member_name (b, "kind");
      json_builder_add_string_value (b, "st");
      json_builder_set_member_name (b, "product_ids");
      json_builder_begin_array (b);
      json_builder_add_string_value (b, st_id);
      json_builder_end_array (b);
      json_builder_set_member_name (b, "description");
      json_builder_add_string_value (b, what);
      if (!cli->json)
        g_print ("%s: ST personalisation (encrypted, only for a real ST HSM) for %s: %s\n",
                 path, st_id, what);
    }
  else if ((perso = ossp_hsm_perso_load (path, &error)) != NULL)
    {
      g_auto(GStrv) ids = ossp_hsm_perso_get_product_ids (perso);
      json_builder_set_member_name (b, "kind");
      json_builder_add_string_value (b, "openssp");
      json_builder_set_member_name (b, "product_ids");
      json_builder_begin_array (b);
      for (guint i = 0; ids[i]; i++)
        json_builder_add_string_value (b, ids[i]);
      json_builder_end_array (b);
      add_perso_entries (b, perso);
      if (!cli->json)
        {
          g_autofree char *desc = ossp_hsm_perso_describe (perso);
          g_print ("%s: OpenSSP personalisation (OSPD v1) serving:\n%s", path, desc);
        }
    }
  else
    {
      json_builder_set_member_name (b, "kind");
      json_builder_add_string_value (b, "unknown");
      json_builder_set_member_name (b, "error");
      json_builder_add_string_value (b, error->message);
      if (!cli->json)
        g_print ("%s: not a personalisation: %s\n", path, error->message);
    }
  json_builder_end_object (b);
}

static int
hsm_perso_info (OsspCli *cli, int argc, char **argv)
{
  g_autofree char *product = NULL;
  GOptionEntry entries[] = {
    { "product", 'p', 0, G_OPTION_ARG_STRING, &product, "Also pick the file that serves this product id (from the chip certificate)", "ID" },
    { NULL }
  };
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *match = NULL;
  int exit_code;

  if (!ossp_cli_parse_options (cli, "hsm perso-info", "FILE|DIR…",
                               "Say which chips (product ids) each personalisation file serves.",
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc < 2)
    return ossp_cli_usage_error (cli, "'openssp hsm perso-info' needs at least one file or folder");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "files");
  json_builder_begin_array (b);
  for (int i = 1; i < argc; i++)
    {
      if (g_file_test (argv[i], G_FILE_TEST_IS_DIR))
        {
          g_autoptr(GDir) dir = g_dir_open (argv[i], 0, &error);
          const char *name;
          if (dir == NULL)
            return ossp_cli_fail (cli, error);
          while ((name = g_dir_read_name (dir)) != NULL)
            {
              g_autofree char *path = g_build_filename (argv[i], name, NULL);
              if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
                describe_file (cli, b, path);
            }
          if (product != NULL && match == NULL)
            {
              g_clear_error (&error);
              match = ossp_hsm_perso_find_for_product (argv[i], product, &error);
            }
        }
      else if (g_file_test (argv[i], G_FILE_TEST_EXISTS))
        {
          describe_file (cli, b, argv[i]);
          if (product != NULL && match == NULL)
            {
              g_autoptr(OsspHsmPerso) perso = ossp_hsm_perso_load (argv[i], NULL);
              if (perso != NULL && ossp_hsm_perso_lookup (perso, product) != NULL)
                match = g_strdup (argv[i]);
            }
        }
      else
        {
          g_set_error (&error, OSSP_ERROR, OSSP_ERROR_NOT_FOUND, "%s does not exist", argv[i]);
          return ossp_cli_fail (cli, error);
        }
    }
  json_builder_end_array (b);
  if (product != NULL)
    {
      json_builder_set_member_name (b, "match");
      json_builder_add_string_value (b, match);
    }
  json_builder_end_object (b);
  if (product != NULL && match == NULL)
    {
      if (error == NULL)
        g_set_error (&error, OSSP_ERROR, OSSP_ERROR_NOT_FOUND,
                     "No OpenSSP personalisation given serves product id %s", product);
      return ossp_cli_fail (cli, error);
    }
  if (cli->json)
    ossp_cli_print_builder (cli, b);
  else if (match != NULL)
    g_print ("Product id %s: use %s\n", product, match);
  return OSSP_EXIT_OK;
}

/* ---- provision ---- */

static int
hsm_provision (OsspCli *cli, int argc, char **argv)
{
  g_auto(Backend) be = { 0 };
  g_autofree char *perso_path = NULL, *key_path = NULL, *nonce_path = NULL;
  g_autofree char *firmware_id = NULL, *license_type = NULL, *max = NULL, *fsbl = NULL;
  GOptionEntry entries[] = {
    { "perso", 0, 0, G_OPTION_ARG_FILENAME, &perso_path, "Personalisation (OSPD file from 'openssp hsm perso')", "FILE" },
    { "key", 0, 0, G_OPTION_ARG_FILENAME, &key_path, "OEM encryption key, 16 bytes (the payload's key)", "FILE" },
    { "nonce", 0, 0, G_OPTION_ARG_FILENAME, &nonce_path, "OEM nonce, 16 bytes, last 4 zero", "FILE" },
    { "firmware-id", 0, 0, G_OPTION_ARG_STRING, &firmware_id, "Firmware identifier, 1..32 characters (ST uses \"SSP_MPU\")", "ID" },
    { "max", 0, 0, G_OPTION_ARG_STRING, &max, "Maximum number of licenses", "N" },
    { "license-type", 0, 0, G_OPTION_ARG_STRING, &license_type, "SSP. (default) or SSPL (live session)", "TYPE" },
    { "fsbl-min-version", 0, 0, G_OPTION_ARG_STRING, &fsbl, "Minimum FSBL image version put in every license (default 0)", "N" },
    BACKEND_ENTRIES (be),
    { NULL }
  };
  g_autoptr(OsspHsmProvisioning) params = ossp_hsm_provisioning_new ();
  g_autoptr(OsspSecret) key = NULL;
  g_autoptr(OsspSecret) nonce = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspHsm) hsm = NULL;
  g_autoptr(OsspHsmInfo) before = NULL;
  g_autoptr(OsspHsmInfo) after = NULL;
  g_autofree char *plan = NULL;
  g_autofree char *question = NULL;
  int exit_code;

  if (!ossp_cli_parse_options (cli, "hsm provision", "",
                               "Program an HSM: personalisation, OEM key and nonce, configuration, then LOCK (irreversible).",
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  if (perso_path == NULL || key_path == NULL || nonce_path == NULL || firmware_id == NULL || max == NULL)
    return ossp_cli_usage_error (cli, "'openssp hsm provision' needs --perso, --key, --nonce, --firmware-id and --max");
  params->perso = ossp_file_read_bytes (perso_path, OSSP_HSM_PERSO_MAX_SIZE + 1, &error);
  if (params->perso == NULL)
    return ossp_cli_fail (cli, error);
  key = ossp_secret_new_from_file (key_path, 16, &error);
  if (key == NULL)
    return ossp_cli_fail (cli, error);
  nonce = ossp_secret_new_from_file (nonce_path, 16, &error);
  if (nonce == NULL)
    return ossp_cli_fail (cli, error);
  memcpy (params->oem_key, key->data, 16);
  memcpy (params->oem_nonce, nonce->data, 16);
  params->firmware_id = g_strdup (firmware_id);
  if (!ossp_parse_u32 (max, &params->max_count, &error) ||
      (fsbl && !ossp_parse_u32 (fsbl, &params->fsbl_min_version, &error)) ||
      (license_type && !ossp_license_type_from_string (license_type, &params->license_type, &error)))
    return ossp_cli_fail (cli, error);
  if (!ossp_hsm_provisioning_validate (params, &error))
    {
      g_prefix_error (&error, "%s: ", perso_path);
      return ossp_cli_fail (cli, error);
    }

  hsm = backend_open (cli, &be, &error);
  if (hsm == NULL || (before = ossp_hsm_get_info (hsm, NULL, &error)) == NULL)
    return ossp_cli_fail (cli, error);
  if (before->state == OSSP_HSM_STATE_LOCKED)
    {
      g_set_error (&error, OSSP_ERROR, OSSP_ERROR_STATE,
                   "The HSM %s (%s) is already provisioned and locked; a locked HSM can never be "
                   "provisioned again", before->serial, before->source);
      return ossp_cli_fail (cli, error);
    }
  plan = ossp_hsm_provisioning_describe (params);
  ossp_cli_message (cli, "Target: HSM %s (%s), now %s\n%s", before->serial, before->source,
                    ossp_hsm_state_to_string (before->state), plan);
  question = g_strdup_printf ("Provisioning and locking HSM %s", before->serial);
  if (!ossp_cli_confirm (cli, question, "lock", &error))
    return ossp_cli_fail (cli, error);
  if (!ossp_hsm_provision (hsm, params, NULL, &error) ||
      (after = ossp_hsm_get_info (hsm, NULL, &error)) == NULL)
    return ossp_cli_fail (cli, error);
  if (cli->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "provisioned");
      json_builder_add_boolean_value (b, TRUE);
      json_builder_set_member_name (b, "info");
      json_builder_begin_object (b);
      add_info_members (b, after);
      json_builder_end_object (b);
      json_builder_end_object (b);
      ossp_cli_print_builder (cli, b);
    }
  else
    {
      g_print ("HSM %s is provisioned and locked.\n", after->serial);
      print_info (after);
    }
  return OSSP_EXIT_OK;
}

/* ---- license ---- */

static int
hsm_license (OsspCli *cli, int argc, char **argv)
{
  g_auto(Backend) be = { 0 };
  g_autofree char *cert_path = NULL, *out = NULL;
  gboolean force = FALSE;
  GOptionEntry entries[] = {
    { "cert", 'c', 0, G_OPTION_ARG_FILENAME, &cert_path, "Chip certificate (136 bytes, read from the chip)", "FILE" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Where to write the 136-byte license", "FILE" },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &force, "Replace an existing output file", NULL },
    BACKEND_ENTRIES (be),
    { "command", 0, 0, G_OPTION_ARG_STRING, &be.command, "Get the license from this command (certificate on stdin, license on stdout)", "CMD" },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &be.timeout_s, "Time limit for --command in seconds (default 30)", "S" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) cert_bytes = NULL;
  g_autoptr(GBytes) license_bytes = NULL;
  g_autoptr(OsspChipCertificate) cert = NULL;
  g_autoptr(OsspLicense) license = NULL;
  g_autoptr(OsspHsm) hsm = NULL;
  int exit_code;

  if (!ossp_cli_parse_options (cli, "hsm license", "",
                               "Get one license for a chip certificate (diagnostics; uses up one license).",
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  if (cert_path == NULL || out == NULL)
    return ossp_cli_usage_error (cli, "'openssp hsm license' needs --cert FILE and --out FILE");
  if (!ossp_file_check_writable (out, force ? OSSP_WRITE_FLAGS_OVERWRITE : OSSP_WRITE_FLAGS_NONE, &error))
    return ossp_cli_fail (cli, error);
  cert_bytes = ossp_file_read_bytes (cert_path, 4096, &error);
  if (cert_bytes == NULL || (cert = ossp_chip_certificate_parse_bytes (cert_bytes, &error)) == NULL)
    {
      g_prefix_error (&error, "%s: ", cert_path);
      return ossp_cli_fail (cli, error);
    }
  hsm = backend_open (cli, &be, &error);
  if (hsm == NULL || (license_bytes = ossp_hsm_get_license (hsm, cert_bytes, NULL, &error)) == NULL)
    return ossp_cli_fail (cli, error);
  license = ossp_license_parse_bytes (license_bytes, &error);
  if (license == NULL ||
      !ossp_file_write_atomic (out, g_bytes_get_data (license_bytes, NULL), g_bytes_get_size (license_bytes),
                               force ? OSSP_WRITE_FLAGS_OVERWRITE : OSSP_WRITE_FLAGS_NONE, &error))
    return ossp_cli_fail (cli, error);
  if (cli->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autofree char *eph = ossp_hex_encode (license->eph_pubkey, 64);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "license");
      json_builder_add_string_value (b, out);
      json_builder_set_member_name (b, "product_id");
      json_builder_add_string_value (b, cert->product_id);
      json_builder_set_member_name (b, "license_type");
      json_builder_add_string_value (b, ossp_license_type_to_string (license->license_type));
      json_builder_set_member_name (b, "live_session_id");
      json_builder_add_int_value (b, license->live_session_id);
      json_builder_set_member_name (b, "fsbl_min_version");
      json_builder_add_int_value (b, license->fsbl_min_version);
      json_builder_set_member_name (b, "eph_pubkey");
      json_builder_add_string_value (b, eph);
      json_builder_end_object (b);
      ossp_cli_print_builder (cli, b);
    }
  else
    g_print ("Wrote the license for chip %s (type \"%s\", fsbl_min_version %u) to %s\n",
             cert->product_id, ossp_license_type_to_string (license->license_type),
             license->fsbl_min_version, out);
  return OSSP_EXIT_OK;
}

/* ---- sim-card ---- */

typedef struct {
  OsspCli        *cli;
  OsspSimHsmCard *card;
  guint           port;
} SimCardRun;

static void
sim_card_ready (OsspSimVpcd *vpcd,
                gpointer     user_data)
{
  SimCardRun *run = user_data;
  g_autoptr(OsspHsmInfo) info = NULL;

  ossp_sim_hsm_card_get_info (run->card, &info);
  if (run->cli->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonGenerator) gen = json_generator_new ();
      g_autoptr(JsonNode) root = NULL;
      g_autofree char *line = NULL;
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "event");
      json_builder_add_string_value (b, "inserted");
      json_builder_set_member_name (b, "port");
      json_builder_add_int_value (b, run->port);
      add_info_members (b, info);
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      json_generator_set_root (gen, root);
      line = json_generator_to_data (gen, NULL);
      g_print ("%s\n", line);
    }
  else
    g_print ("Soft-HSM card %s (%s) inserted into vpcd on port %u\n", info->serial,
             ossp_hsm_state_to_string (info->state), run->port);
  fflush (stdout);
}

static int
hsm_sim_card (OsspCli *cli, int argc, char **argv)
{
  g_autofree char *state = NULL, *host = NULL;
  int port = 0, fail_after = 0;
  gboolean once = FALSE;
  GOptionEntry entries[] = {
    { "port", 0, 0, G_OPTION_ARG_INT, &port, "vpcd TCP port (reader.conf CHANNELID; 35963 = 0x8C7B is Debian's default)", "N" },
    { "state", 0, 0, G_OPTION_ARG_FILENAME, &state, "Card state file (created blank when missing; 0600)", "FILE" },
    { "host", 0, 0, G_OPTION_ARG_STRING, &host, "vpcd host (default 127.0.0.1)", "HOST" },
    { "once", 0, 0, G_OPTION_ARG_NONE, &once, "Exit when vpcd closes the connection instead of waiting for it again", NULL },
    { "fail-after", 0, 0, G_OPTION_ARG_INT, &fail_after, "Fault injection: pull the card when command APDU number N arrives", "N" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspSimHsmCard) card = NULL;
  g_autoptr(OsspSimVpcd) vpcd = NULL;
  SimCardRun run = { cli, NULL, 0 };
  int exit_code;

  if (!ossp_cli_parse_options (cli, "hsm sim-card", "",
                               "Run the OpenSSP soft-HSM card behind vsmartcard's vpcd reader, so that pcscd "
                               "and every PC/SC program see it; runs until stopped.",
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  if (state == NULL || port <= 0 || port > 65535)
    return ossp_cli_usage_error (cli, "'openssp hsm sim-card' needs --state FILE and --port N (1..65535)");
  if (fail_after < 0)
    return ossp_cli_usage_error (cli, "--fail-after counts from 1");
  card = ossp_sim_hsm_card_new (state, &error);
  if (card == NULL)
    return ossp_cli_fail (cli, error);
  run.card = card;
  run.port = (guint) port;
  vpcd = ossp_sim_vpcd_new (card, host, (guint16) port);
  ossp_sim_vpcd_set_fail_after (vpcd, (guint) fail_after);
  if (once)
    {
      if (!ossp_sim_vpcd_serve (vpcd, NULL, &error))
        return ossp_cli_fail (cli, error);
      return OSSP_EXIT_OK;
    }
  ossp_cli_message (cli, "Waiting for vpcd on %s:%d (Ctrl+C stops the card)…",
                    host ? host : "127.0.0.1", port);
  if (!ossp_sim_vpcd_serve_forever (vpcd, sim_card_ready, &run, NULL, &error))
    return ossp_cli_fail (cli, error);
  return OSSP_EXIT_OK;
}

int
ossp_cli_hsm (OsspCli *cli, int argc, char **argv)
{
  static const struct {
    const char *name;
    OsspCliVerbFunc run;
  } subs[] = {
    { "list-readers", hsm_list_readers },
    { "readers", hsm_list_readers },
    { "info", hsm_info },
    { "perso", hsm_perso },
    { "perso-info", hsm_perso_info },
    { "provision", hsm_provision },
    { "license", hsm_license },
    { "sim-card", hsm_sim_card },
  };

  if (argc < 2 || g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h"))
    {
      g_print ("Usage: openssp hsm SUBCOMMAND [OPTIONS…] [--json]\n\n"
               "  list-readers   PC/SC readers with slot numbers and cards\n"
               "  info           state, serial, firmware id, license counter\n"
               "  perso          make a personalisation (OSPD) from product ids + root keys\n"
               "  perso-info     which chips each personalisation file serves\n"
               "  provision      load perso, OEM key + nonce, configuration, then LOCK (irreversible)\n"
               "  license        one license for a chip certificate (diagnostics)\n"
               "  sim-card       run the soft-HSM card behind vpcd (pcscd)\n\n"
               "HSM choice: --reader NAME | --slot N (PC/SC), --sim STATE (built-in soft-HSM),\n"
               "--command CMD (license only: your own bridge to a real ST HSM).\n"
               "Real ST HSMv2 cards speak a closed APDU set that OpenSSP cannot drive;\n"
               "OpenSSP drives its own open card protocol (docs/formats/hsm-apdu.md).\n");
      return argc < 2 ? OSSP_EXIT_USAGE : OSSP_EXIT_OK;
    }
  for (guint i = 0; i < G_N_ELEMENTS (subs); i++)
    if (g_str_equal (argv[1], subs[i].name))
      return subs[i].run (cli, argc - 1, argv + 1);
  return ossp_cli_usage_error (cli, "Unknown 'hsm' sub-command \"%s\" (list-readers, info, perso, "
                               "perso-info, provision, license, sim-card)", argv[1]);
}
