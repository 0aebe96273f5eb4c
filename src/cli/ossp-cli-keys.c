/* ossp-cli-keys.c — `openssp keys generate|hash|show`, `openssp random`,
 * and KeyGen_CLI's own spellings (-abs/-pwd/-n/-ecc, -rand)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>

#include "ossp-cli.h"

/* Output: one function for every verb that ends with a key set */

static void
add_hex (JsonBuilder  *b,
         const char   *member,
         const guint8 *data,
         gsize         len)
{
  g_autofree char *hex = ossp_hex_encode (data, len);
  json_builder_set_member_name (b, member);
  json_builder_add_string_value (b, hex);
}

static void
add_string (JsonBuilder *b,
            const char  *member,
            const char  *value)
{
  json_builder_set_member_name (b, member);
  if (value)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

/* The 8 OTP words a 32-byte hash becomes (keys.md §6, format 1). */
static void
otp_words (OsspCli      *cli,
           JsonBuilder  *b,
           OsspChip     *chip,
           const guint8  hash[32],
           const char   *what)
{
  guint first = ossp_chip_get_pkh_first_word (chip);
  guint32 words[8];

  ossp_bytes_to_words (hash, 32, OSSP_WORD_FORMAT_1, words);
  if (cli->json)
    {
      json_builder_set_member_name (b, "otp");
      json_builder_begin_object (b);
      add_string (b, "chip", ossp_chip_get_id (chip));
      add_string (b, "holds", what);
      json_builder_set_member_name (b, "first_word");
      json_builder_add_int_value (b, first);
      json_builder_set_member_name (b, "format");
      json_builder_add_int_value (b, 1);
      json_builder_set_member_name (b, "words");
      json_builder_begin_array (b);
      for (guint i = 0; i < 8; i++)
        {
          g_autofree char *w = g_strdup_printf ("0x%08x", words[i]);
          json_builder_add_string_value (b, w);
        }
      json_builder_end_array (b);
      json_builder_end_object (b);
      return;
    }
  g_print ("OTP words %u..%u on %s (%s, format 1):\n", first, first + 7, ossp_chip_get_name (chip),
           what);
  for (guint i = 0; i < 8; i++)
    g_print ("  word %3u = 0x%08x\n", first + i, words[i]);
}

/* @dir NULL: nothing was written (hash/show of existing files). @files
 * (optional): a source name per key. */
static void
print_key_set (OsspCli     *cli,
               OsspKeys    *keys,
               OsspChip    *chip,
               const char  *dir,
               char       **files)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  guint n = ossp_keys_get_n_keys (keys);
  gboolean numbered = ossp_keys_get_layout (keys) == OSSP_KEYS_LAYOUT_NUMBERED;
  guint8 hash[32];

  json_builder_begin_object (b);
  add_string (b, "chip", chip ? ossp_chip_get_id (chip) : NULL);
  add_string (b, "curve", ossp_curve_get_name (ossp_key_pair_get_curve (ossp_keys_get_key (keys, 0))));
  add_string (b, "layout", numbered ? "numbered" : "single");
  add_string (b, "pkh_form", numbered ? "sha256(le32(algo)||x||y)" : "sha256(x||y)");
  add_string (b, "out", dir);
  json_builder_set_member_name (b, "keys");
  json_builder_begin_array (b);
  if (dir && !cli->json)
    g_print ("Wrote %u key pair%s (%s) into %s\n", n, n > 1 ? "s" : "",
             ossp_curve_get_name (ossp_key_pair_get_curve (ossp_keys_get_key (keys, 0))), dir);
  for (guint i = 0; i < n; i++)
    {
      OsspKeyPair *kp = ossp_keys_get_key (keys, i);
      g_autofree char *priv = ossp_keys_get_file_name (keys, OSSP_KEYS_FILE_PRIVATE, i);
      g_autofree char *pub = ossp_keys_get_file_name (keys, OSSP_KEYS_FILE_PUBLIC, i);
      g_autofree char *pkh_file = ossp_keys_get_file_name (keys, OSSP_KEYS_FILE_PKH, i);
      guint8 plain[32], algo[32], xy[64];

      ossp_keys_get_pkh (keys, i, hash);
      ossp_key_pair_get_pkh (kp, FALSE, plain);
      ossp_key_pair_get_pkh (kp, TRUE, algo);
      ossp_key_pair_get_public_raw (kp, xy);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "index");
      json_builder_add_int_value (b, i);
      if (files)
        add_string (b, "file", files[i]);
      if (dir)
        {
          add_string (b, "private_key", priv);
          add_string (b, "public_key", pub);
          add_string (b, "pkh_file", pkh_file);
        }
      add_hex (b, "pkh", hash, 32);
      add_hex (b, "pkh_plain", plain, 32);
      add_hex (b, "pkh_with_algo", algo, 32);
      add_hex (b, "public_xy", xy, 64);
      json_builder_end_object (b);
      if (!cli->json)
        {
          g_autofree char *hex = ossp_hex_encode (hash, 32);
          if (files)
            g_print ("key %u  %s\n", i, files[i]);
          else if (dir)
            g_print ("key %u  %s  %s  %s\n", i, priv, pub, pkh_file);
          g_print ("  PKH %s\n", hex);
        }
    }
  json_builder_end_array (b);
  if (ossp_keys_get_pkhth (keys, hash))
    {
      g_autofree char *hex = ossp_hex_encode (hash, 32);
      g_autofree char *name = ossp_keys_get_file_name (keys, OSSP_KEYS_FILE_PKHTH, 0);
      add_string (b, "pkhth", hex);
      if (dir)
        add_string (b, "pkhth_file", name);
      if (!cli->json)
        g_print ("PKHTH %s%s%s\n", hex, dir ? "  " : "", dir ? name : "");
    }
  if (chip)
    {
      ossp_keys_get_otp_hash (keys, hash);
      otp_words (cli, b, chip, hash, numbered ? "PKHTH" : "PKH");
    }
  json_builder_end_object (b);
  if (cli->json)
    ossp_cli_print_builder (cli, b);
}

static OsspChip *
chip_or_fail (OsspCli     *cli,
              const char  *name,
              int         *exit_code)
{
  g_autoptr(GError) error = NULL;
  OsspChip *chip;

  if (name == NULL)
    {
      *exit_code = ossp_cli_usage_error (cli, "--chip is required (stm32mp13, stm32mp15 or stm32mp25)");
      return NULL;
    }
  chip = ossp_chip_new (name, &error);
  if (chip == NULL)
    *exit_code = ossp_cli_fail (cli, error);
  return chip;
}

/* keys generate */

static int
keys_generate (OsspCli *cli, int argc, char **argv)
{
  g_autofree char *chip_name = NULL, *curve_name = NULL, *out = NULL;
  g_autofree char *password_file = NULL, *password_env = NULL;
  gboolean force = FALSE;
  int count = 0;
  GOptionEntry entries[] = {
    { "chip", 'c', 0, G_OPTION_ARG_STRING, &chip_name, "Chip family (stm32mp13, stm32mp15, stm32mp25)", "CHIP" },
    { "count", 'n', 0, G_OPTION_ARG_INT, &count, "Number of key pairs (default: the chip's, 1 or 8)", "N" },
    { "curve", 0, 0, G_OPTION_ARG_STRING, &curve_name, "Curve (default prime256v1)", "NAME" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Output folder (created 0700 if missing)", "DIR" },
    { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &password_file, "Read the password from FILE", "FILE" },
    { "password-env", 0, 0, G_OPTION_ARG_STRING, &password_env, "Read the password from variable VAR", "VAR" },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &force, "Replace existing files", NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspChip) chip = NULL;
  g_autoptr(OsspKeys) keys = NULL;
  OsspCurve curve = OSSP_CURVE_P256;
  char *password;
  gboolean ok;
  int exit_code;

  if (!ossp_cli_parse_options (cli, "keys generate", "",
                               "Generate the authentication key pairs of a chip, as KeyGen_CLI does.",
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc > 1)
    return ossp_cli_usage_error (cli, "Unexpected argument \"%s\"", argv[1]);
  if (out == NULL)
    return ossp_cli_usage_error (cli, "--out DIR is required");
  if (count < 0 || count > OSSP_KEYS_MAX)
    return ossp_cli_usage_error (cli, "--count must be 1 to 8");
  if ((chip = chip_or_fail (cli, chip_name, &exit_code)) == NULL)
    return exit_code;
  if (curve_name && !ossp_curve_from_name (curve_name, &curve, &error))
    return ossp_cli_fail (cli, error);
  /* refuse unusable requests before asking for a password */
  if (!ossp_curve_check_supported (curve, &error))
    return ossp_cli_fail (cli, error);

  password = ossp_cli_read_password (cli, password_file, password_env,
                                     "Password for the private keys: ", TRUE, &error);
  if (password == NULL)
    return ossp_cli_fail (cli, error);
  keys = ossp_keys_generate_for_chip (chip, curve, (guint) count, NULL, &error);
  ok = keys != NULL &&
       ossp_keys_save (keys, out, (const char * const *) &password, 1,
                       force ? OSSP_WRITE_FLAGS_OVERWRITE : OSSP_WRITE_FLAGS_NONE, &error);
  ossp_secure_strfree (password);
  if (!ok)
    return ossp_cli_fail (cli, error);
  print_key_set (cli, keys, chip, out, NULL);
  return OSSP_EXIT_OK;
}

/* keys hash / keys show: load existing keys */

typedef enum { PEM_PUBLIC, PEM_PRIVATE_CLEAR, PEM_PRIVATE_ENCRYPTED } PemKind;

/* A cheap look at the text; the loaders do the real parsing. */
static PemKind
pem_kind (const char *path)
{
  g_autofree guint8 *data = NULL;
  gsize len = 0;
  PemKind kind = PEM_PUBLIC;

  data = ossp_file_read (path, 64 * 1024, &len, NULL);
  if (data != NULL && g_strstr_len ((const char *) data, (gssize) len, "PRIVATE KEY-----") != NULL)
    kind = g_strstr_len ((const char *) data, (gssize) len, "ENCRYPTED") != NULL
           ? PEM_PRIVATE_ENCRYPTED : PEM_PRIVATE_CLEAR;
  if (data != NULL)
    ossp_secure_wipe (data, len);
  return kind;
}

/* Public keys as they are; encrypted private keys with the password
 * (asked once). */
static OsspKeyPair *
load_key (OsspCli     *cli,
          const char  *path,
          const char  *password_file,
          const char  *password_env,
          char       **password,
          GError     **error)
{
  PemKind kind = pem_kind (path);

  if (kind == PEM_PUBLIC)
    return ossp_key_pair_load_public (path, error);
  if (kind == PEM_PRIVATE_ENCRYPTED && *password == NULL)
    {
      g_autofree char *prompt = g_strdup_printf ("Password for %s: ", path);
      *password = ossp_cli_read_password (cli, password_file, password_env, prompt, FALSE, error);
      if (*password == NULL)
        return NULL;
    }
  return ossp_key_pair_load_private (path, kind == PEM_PRIVATE_ENCRYPTED ? *password : NULL, error);
}

static int
keys_hash (OsspCli *cli, int argc, char **argv)
{
  g_autofree char *chip_name = NULL, *layout_name = NULL;
  g_autofree char *password_file = NULL, *password_env = NULL;
  GOptionEntry entries[] = {
    { "chip", 'c', 0, G_OPTION_ARG_STRING, &chip_name,
      "Chip whose OTP words to show (default: stm32mp15 for one key, stm32mp13 for several)", "CHIP" },
    { "layout", 0, 0, G_OPTION_ARG_STRING, &layout_name,
      "single (PKH, MP15) or numbered (PKH table + PKHTH); default from the chip", "LAYOUT" },
    { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &password_file, "Password for private-key arguments", "FILE" },
    { "password-env", 0, 0, G_OPTION_ARG_STRING, &password_env, "Password variable for private-key arguments", "VAR" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspChip) chip = NULL;
  g_autoptr(OsspKeys) keys = NULL;
  g_autoptr(GPtrArray) pairs = g_ptr_array_new_with_free_func (g_object_unref);
  OsspKeysLayout layout;
  char *password = NULL;
  int exit_code;
  guint n;

  if (!ossp_cli_parse_options (cli, "keys hash", "PUBLIC-KEY.pem…",
                               "Print the PKH of each key, the PKHTH of the set, and the OTP words "
                               "they become. Private keys are accepted too (password asked).",
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  n = (guint) argc - 1;
  if (n < 1 || n > OSSP_KEYS_MAX)
    return ossp_cli_usage_error (cli, "Give 1 to 8 key files, in table order");
  if ((chip = chip_or_fail (cli, chip_name ? chip_name : (n == 1 ? "stm32mp15" : "stm32mp13"),
                            &exit_code)) == NULL)
    return exit_code;
  layout = ossp_chip_uses_pkh_table (chip) ? OSSP_KEYS_LAYOUT_NUMBERED : OSSP_KEYS_LAYOUT_SINGLE;
  if (layout_name && g_str_equal (layout_name, "single"))
    layout = OSSP_KEYS_LAYOUT_SINGLE;
  else if (layout_name && g_str_equal (layout_name, "numbered"))
    layout = OSSP_KEYS_LAYOUT_NUMBERED;
  else if (layout_name)
    return ossp_cli_usage_error (cli, "--layout is \"single\" or \"numbered\", not \"%s\"", layout_name);

  for (guint i = 0; i < n; i++)
    {
      OsspKeyPair *kp = load_key (cli, argv[1 + i], password_file, password_env, &password, &error);
      if (kp == NULL)
        {
          ossp_secure_strfree (password);
          return ossp_cli_fail (cli, error);
        }
      g_ptr_array_add (pairs, kp);
    }
  ossp_secure_strfree (password);
  keys = ossp_keys_new_from_pairs (layout, (OsspKeyPair **) pairs->pdata, n, &error);
  if (keys == NULL)
    return ossp_cli_fail (cli, error);
  print_key_set (cli, keys, chip, NULL, argv + 1);
  return OSSP_EXIT_OK;
}

/* keys show DIR: what is in a KeyGen folder, checked against itself */

static gboolean
check_hash_file (const char    *path,
                 const guint8   expect[32],
                 JsonBuilder   *problems)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) data = ossp_file_read_bytes (path, 64, &error);
  const char *msg = NULL;
  g_autofree char *text = NULL;

  if (data == NULL)
    msg = error->message;
  else if (g_bytes_get_size (data) != 32 || memcmp (g_bytes_get_data (data, NULL), expect, 32) != 0)
    msg = text = g_strdup_printf ("%s does not match the hash of its public key", path);
  if (msg == NULL)
    return TRUE;
  json_builder_begin_object (problems);
  add_string (problems, "where", path);
  add_string (problems, "severity", "error");
  add_string (problems, "message", msg);
  json_builder_end_object (problems);
  return FALSE;
}

static int
keys_show (OsspCli *cli, int argc, char **argv)
{
  g_autofree char *chip_name = NULL;
  GOptionEntry entries[] = {
    { "chip", 'c', 0, G_OPTION_ARG_STRING, &chip_name,
      "Chip whose OTP words to show (default: stm32mp15 for a single key, stm32mp13 for a table)", "CHIP" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspChip) chip = NULL;
  g_autoptr(OsspKeys) keys = NULL;
  g_autoptr(GPtrArray) pairs = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(JsonBuilder) problems = json_builder_new ();
  g_autoptr(JsonNode) details = NULL;
  g_autofree char *single = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  OsspKeysLayout layout;
  gboolean ok = TRUE;
  int exit_code;
  const char *dir;

  if (!ossp_cli_parse_options (cli, "keys show", "DIR",
                               "Show a KeyGen key folder: PKHs, PKHTH, OTP words, and check the "
                               ".bin files against the public keys.",
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc != 2)
    return ossp_cli_usage_error (cli, "'openssp keys show' takes one folder");
  dir = argv[1];
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (&error, OSSP_ERROR, OSSP_ERROR_NOT_FOUND, "%s is not a folder", dir);
      return ossp_cli_fail (cli, error);
    }
  if (g_access (dir, R_OK | X_OK) != 0)
    {
      int saved_errno = errno;
      g_set_error (&error, OSSP_ERROR, OSSP_ERROR_PERMISSION, "Cannot read folder %s: %s", dir,
                   g_strerror (saved_errno));
      return ossp_cli_fail (cli, error);
    }
  single = g_build_filename (dir, "publicKey.pem", NULL);
  layout = g_file_test (single, G_FILE_TEST_EXISTS) ? OSSP_KEYS_LAYOUT_SINGLE : OSSP_KEYS_LAYOUT_NUMBERED;
  for (guint i = 0; i < (layout == OSSP_KEYS_LAYOUT_SINGLE ? 1u : OSSP_KEYS_MAX); i++)
    {
      g_autofree char *name = layout == OSSP_KEYS_LAYOUT_SINGLE ? g_strdup ("publicKey.pem")
                                                                : g_strdup_printf ("publicKey%02u.pem", i);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      OsspKeyPair *kp;
      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        break;
      kp = ossp_key_pair_load_public (path, &error);
      if (kp == NULL)
        return ossp_cli_fail (cli, error);
      g_ptr_array_add (pairs, kp);
      g_ptr_array_add (names, g_steal_pointer (&path));
    }
  if (pairs->len == 0)
    {
      g_set_error (&error, OSSP_ERROR, OSSP_ERROR_NOT_FOUND,
                   "%s holds no publicKey.pem nor publicKey00.pem; is it a KeyGen output folder?", dir);
      return ossp_cli_fail (cli, error);
    }
  if ((chip = chip_or_fail (cli, chip_name ? chip_name
                                 : (layout == OSSP_KEYS_LAYOUT_SINGLE ? "stm32mp15" : "stm32mp13"),
                            &exit_code)) == NULL)
    return exit_code;
  keys = ossp_keys_new_from_pairs (layout, (OsspKeyPair **) pairs->pdata, pairs->len, &error);
  if (keys == NULL)
    return ossp_cli_fail (cli, error);

  /* the .bin files next to the keys must be what the keys hash to */
  json_builder_begin_array (problems);
  for (guint i = 0; i < pairs->len; i++)
    {
      g_autofree char *name = ossp_keys_get_file_name (keys, OSSP_KEYS_FILE_PKH, i);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      guint8 pkh[32];
      ossp_keys_get_pkh (keys, i, pkh);
      if (g_file_test (path, G_FILE_TEST_EXISTS))
        ok = check_hash_file (path, pkh, problems) && ok;
    }
  if (layout == OSSP_KEYS_LAYOUT_NUMBERED)
    {
      g_autofree char *path = g_build_filename (dir, "publicKeysHashHashes.bin", NULL);
      guint8 pkhth[32];
      ossp_keys_get_pkhth (keys, pkhth);
      if (g_file_test (path, G_FILE_TEST_EXISTS))
        ok = check_hash_file (path, pkhth, problems) && ok;
    }
  json_builder_end_array (problems);
  details = json_builder_get_root (problems);
  if (!ok)
    {
      g_set_error (&error, OSSP_ERROR, OSSP_ERROR_VERIFY_FAILED,
                   "Hash files in %s do not match the public keys (see details)", dir);
      return ossp_cli_fail_with_details (cli, error, details);
    }
  print_key_set (cli, keys, chip, NULL, (char **) names->pdata);
  return OSSP_EXIT_OK;
}

int
ossp_cli_keys (OsspCli *cli, int argc, char **argv)
{
  static const OsspCliVerb sub[] = {
    { "generate", keys_generate, "Generate a chip's key pairs (KeyGen_CLI file names)" },
    { "hash", keys_hash, "PKH / PKHTH of existing keys and their OTP words" },
    { "show", keys_show, "Show and check a KeyGen output folder" },
  };

  if (argc >= 2)
    for (guint i = 0; i < G_N_ELEMENTS (sub); i++)
      if (g_str_equal (argv[1], sub[i].name))
        {
          cli->prog = "keys";
          return sub[i].run (cli, argc - 1, argv + 1);
        }
  if (argc < 2 || g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h"))
    {
      g_print ("Usage: openssp keys SUBCOMMAND [OPTIONS…]\n\n");
      for (guint i = 0; i < G_N_ELEMENTS (sub); i++)
        g_print ("  %-10s %s\n", sub[i].name, sub[i].summary);
      return argc < 2 ? OSSP_EXIT_USAGE : OSSP_EXIT_OK;
    }
  return ossp_cli_usage_error (cli, "Unknown subcommand \"keys %s\"; choose generate, hash or show",
                               argv[1]);
}

/* random */

static int
random_write (OsspCli    *cli,
              const char *out,
              int         n_bytes,
              gboolean    nonce,
              gboolean    force)
{
  g_autoptr(GError) error = NULL;

  if (!ossp_random_write_file (out, n_bytes > 0 ? (gsize) n_bytes : 0, nonce,
                               force ? OSSP_WRITE_FLAGS_OVERWRITE : OSSP_WRITE_FLAGS_NONE, &error))
    return ossp_cli_fail (cli, error);
  if (cli->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      add_string (b, "out", out);
      json_builder_set_member_name (b, "bytes");
      json_builder_add_int_value (b, n_bytes);
      json_builder_set_member_name (b, "nonce");
      json_builder_add_boolean_value (b, nonce);
      json_builder_set_member_name (b, "mode");
      json_builder_add_string_value (b, "0600");
      json_builder_end_object (b);
      ossp_cli_print_builder (cli, b);
    }
  else
    ossp_cli_message (cli, "Wrote %d random bytes%s into %s (mode 0600)", n_bytes,
                      nonce ? " (last 4 zero: SSP nonce)" : "", out);
  return OSSP_EXIT_OK;
}

int
ossp_cli_random (OsspCli *cli, int argc, char **argv)
{
  g_autofree char *out = NULL;
  gboolean force = FALSE, nonce = FALSE;
  int n_bytes = 0;
  GOptionEntry entries[] = {
    { "bytes", 'b', 0, G_OPTION_ARG_INT, &n_bytes, "Number of bytes (e.g. 16 for an AES-128 key)", "N" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Output file (mode 0600)", "FILE" },
    { "nonce", 0, 0, G_OPTION_ARG_NONE, &nonce, "SSP nonce: 16 bytes, the last 4 zero", NULL },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &force, "Replace an existing file", NULL },
    { NULL }
  };
  int exit_code;

  if (!ossp_cli_parse_options (cli, "random", "",
                               "Write random secret bytes from GnuTLS' key-quality generator.",
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc > 1)
    return ossp_cli_usage_error (cli, "Unexpected argument \"%s\"", argv[1]);
  if (out == NULL)
    return ossp_cli_usage_error (cli, "--out FILE is required");
  if (nonce && n_bytes == 0)
    n_bytes = 16;
  if (n_bytes <= 0)
    return ossp_cli_usage_error (cli, "--bytes N is required (N > 0)");
  return random_write (cli, out, n_bytes, nonce, force);
}

/* KeyGen_CLI spellings, so that factory scripts written for ST's tool keep
 * working: -abs DIR -pwd P1 [P2…] [-n N] [-ecc 1|2], -pubk/-prvk/-hash
 * (v1.0 single-key names), -rand N FILE. -ecc follows KeyGen's help text
 * (1 = prime256v1, 2 = brainpoolP256t1); see docs/keys.md. */

gboolean
ossp_cli_is_keygen_option (const char *arg)
{
  static const char * const opts[] = {
    "-abs", "--absolute-path", "-pwd", "--password", "-n", "-ecc", "-pubk", "-prvk", "-hash",
    "-rand", "-v", NULL
  };
  return arg != NULL && g_strv_contains (opts, arg);
}

static void
keygen_wipe (GPtrArray *passwords)
{
  for (guint i = 0; i < passwords->len; i++)
    ossp_secure_strfree (g_ptr_array_index (passwords, i));
  g_ptr_array_set_size (passwords, 0);
}

static int
keygen_fail (OsspCli    *cli,
             GPtrArray  *passwords,
             GError     *error)
{
  keygen_wipe (passwords);
  return ossp_cli_fail (cli, error);
}

int
ossp_cli_keygen_compat (OsspCli *cli, int argc, char **argv)
{
  g_autoptr(GPtrArray) passwords = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspKeys) keys = NULL;
  const char *dir = NULL, *pubk = NULL, *prvk = NULL, *hash = NULL;
  const char *password_file = NULL, *password_env = NULL;
  gboolean force = FALSE, pwd_on_line = FALSE, ok;
  guint32 n = 0, ecc = 1;
  OsspCurve curve;

  cli->prog = "keygen";
  for (int i = 1; i < argc; i++)
    {
      const char *a = argv[i];
      gboolean has_value = i + 1 < argc;

      if (g_str_equal (a, "-v") || g_str_equal (a, "--version"))
        {
          keygen_wipe (passwords);
          g_print ("STM32MP Key Generator compatible mode of openssp %s\n", PACKAGE_VERSION);
          return OSSP_EXIT_OK;
        }
      else if (g_str_equal (a, "-rand"))
        {
          guint32 nb;
          if (i + 2 >= argc)
            return ossp_cli_usage_error (cli, "-rand takes a byte count and a file: -rand 16 key.bin");
          if (!ossp_parse_u32 (argv[i + 1], &nb, &error))
            return ossp_cli_fail (cli, error);
          keygen_wipe (passwords);
          /* KeyGen -rand has no overwrite guard; ours keeps --force */
          for (int j = i + 3; j < argc; j++)
            if (g_str_equal (argv[j], "--force") || g_str_equal (argv[j], "-f"))
              force = TRUE;
          return random_write (cli, argv[i + 2], (int) MIN (nb, G_MAXINT), FALSE, force);
        }
      else if ((g_str_equal (a, "-abs") || g_str_equal (a, "--absolute-path")) && has_value)
        dir = argv[++i];
      else if (g_str_equal (a, "-n") && has_value)
        {
          if (!ossp_parse_u32 (argv[++i], &n, &error))
            return keygen_fail (cli, passwords, error);
        }
      else if (g_str_equal (a, "-ecc") && has_value)
        {
          if (!ossp_parse_u32 (argv[++i], &ecc, &error))
            return keygen_fail (cli, passwords, error);
        }
      else if (g_str_equal (a, "-pubk") && has_value)
        pubk = argv[++i];
      else if (g_str_equal (a, "-prvk") && has_value)
        prvk = argv[++i];
      else if (g_str_equal (a, "-hash") && has_value)
        hash = argv[++i];
      else if (g_str_equal (a, "--password-file") && has_value)
        password_file = argv[++i];
      else if (g_str_equal (a, "--password-env") && has_value)
        password_env = argv[++i];
      else if (g_str_equal (a, "--force") || g_str_equal (a, "-f"))
        force = TRUE;
      else if (g_str_equal (a, "-pwd") || g_str_equal (a, "--password"))
        {
          /* every following word up to the next option is a password */
          while (i + 1 < argc && !ossp_cli_is_keygen_option (argv[i + 1]) &&
                 !g_str_has_prefix (argv[i + 1], "--"))
            {
              char *arg = argv[++i];
              g_ptr_array_add (passwords, ossp_secure_strdup (arg));
              /* shrink the exposure in /proc/PID/cmdline to the start-up */
              ossp_secure_wipe (arg, strlen (arg));
            }
          pwd_on_line = TRUE;
        }
      else
        {
          g_set_error (&error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                       "KeyGen option \"%s\" is unknown or lacks its value (see docs/keys.md)", a);
          return keygen_fail (cli, passwords, error);
        }
    }
  if (pwd_on_line)
    ossp_cli_warn (cli, "a password given with -pwd on the command line is visible to other users "
                        "(ps, /proc); prefer --password-file FILE or --password-env VAR");

  if (dir == NULL && (pubk == NULL || prvk == NULL || hash == NULL))
    {
      g_set_error (&error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "Give the output folder with -abs DIR (or all of -pubk, -prvk and -hash)");
      return keygen_fail (cli, passwords, error);
    }
  if (ecc != 1 && ecc != 2)
    {
      g_set_error (&error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "-ecc is 1 (prime256v1) or 2 (brainpoolP256t1), not %u", ecc);
      return keygen_fail (cli, passwords, error);
    }
  curve = (OsspCurve) ecc;
  if (!ossp_curve_check_supported (curve, &error))
    return keygen_fail (cli, passwords, error);
  if (n > OSSP_KEYS_MAX || (n == 0 && passwords->len > 1))
    {
      g_set_error (&error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   n > OSSP_KEYS_MAX ? "-n is 1 to 8" : "Several -pwd passwords need -n N");
      return keygen_fail (cli, passwords, error);
    }
  if (passwords->len == 0)
    {
      char *pw = ossp_cli_read_password (cli, password_file, password_env,
                                         "Password for the private keys: ", TRUE, &error);
      if (pw == NULL)
        return keygen_fail (cli, passwords, error);
      g_ptr_array_add (passwords, pw);
    }

  keys = ossp_keys_generate (n == 0 ? OSSP_KEYS_LAYOUT_SINGLE : OSSP_KEYS_LAYOUT_NUMBERED,
                             curve, n == 0 ? 1 : n, NULL, &error);
  if (keys == NULL)
    return keygen_fail (cli, passwords, error);
  if (pubk != NULL && prvk != NULL && hash != NULL && n == 0)
    {
      /* KeyGen v1.0: explicit names for one key, relative to -abs if given */
      g_autofree char *pub_path = dir && !g_path_is_absolute (pubk) ? g_build_filename (dir, pubk, NULL) : g_strdup (pubk);
      g_autofree char *priv_path = dir && !g_path_is_absolute (prvk) ? g_build_filename (dir, prvk, NULL) : g_strdup (prvk);
      g_autofree char *hash_path = dir && !g_path_is_absolute (hash) ? g_build_filename (dir, hash, NULL) : g_strdup (hash);
      OsspKeyPair *kp = ossp_keys_get_key (keys, 0);
      OsspWriteFlags flags = force ? OSSP_WRITE_FLAGS_OVERWRITE : OSSP_WRITE_FLAGS_NONE;
      guint8 pkh[32];

      ossp_keys_get_pkh (keys, 0, pkh);
      ok = ossp_file_check_writable (priv_path, flags, &error) &&
           ossp_file_check_writable (pub_path, flags, &error) &&
           ossp_file_check_writable (hash_path, flags, &error) &&
           ossp_key_pair_save_private (kp, priv_path, g_ptr_array_index (passwords, 0), flags, &error) &&
           ossp_key_pair_save_public (kp, pub_path, flags, &error) &&
           ossp_file_write_atomic (hash_path, pkh, 32, flags, &error);
    }
  else if (passwords->len != 1 && passwords->len != ossp_keys_get_n_keys (keys))
    {
      g_set_error (&error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "-pwd takes one password for all keys or one per key (%u); %u were given",
                   ossp_keys_get_n_keys (keys), passwords->len);
      ok = FALSE;
    }
  else
    ok = ossp_keys_save (keys, dir, (const char * const *) passwords->pdata, passwords->len,
                         force ? OSSP_WRITE_FLAGS_OVERWRITE : OSSP_WRITE_FLAGS_NONE, &error);
  if (!ok)
    return keygen_fail (cli, passwords, error);
  keygen_wipe (passwords);
  if (pubk != NULL && n == 0)
    {
      char *files[] = { (char *) pubk, NULL };
      print_key_set (cli, keys, NULL, NULL, files);
    }
  else
    print_key_set (cli, keys, NULL, dir, NULL);
  return OSSP_EXIT_OK;
}
