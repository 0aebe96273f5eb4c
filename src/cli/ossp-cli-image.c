/* ossp-cli-image.c — `openssp image sign|verify|inspect|digest|attach-signature|build`
 *
 * A drop-in for STM32MP_SigningTool_CLI: its option spellings (-bin, -pubk,
 * -prvk, -pwd, -o, -t, -iv, -ep, -la, -of, -hv, -nk, -s, -dump …) are
 * translated to ours before parsing, and `openssp image -bin …` without a
 * sub-command signs, as SigningTool does.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "ossp-cli.h"

typedef struct {
  char     *in;
  char     *out;
  char     *chip;
  char     *header_version;
  char     *entry_point;
  char     *load_address;
  char     *image_version;
  char     *type;
  char     *option_flags;
  gboolean  raw;
  gboolean  force;
  gboolean  fix_checksum;
  gboolean  no_key;
  char     *key;
  char     *password_file;
  char     *password_env;
  char     *password_arg;   /* SigningTool -pwd: visible to `ps`, wiped from argv */
  char     *pkcs11;
  char     *module;
  char     *pin_file;
  char     *pin_env;
  char     *pkcs11_pubkey;
  char    **pubkeys;
  int       key_index;
  char     *pkh;
  char     *pkhth;
  char     *otp_words;
  char     *signature;
  char     *tbs_out;
  char     *digest_out;
  char     *dump;
} ImageOptions;

static void
image_options_clear (ImageOptions *o)
{
  g_free (o->in);
  g_free (o->out);
  g_free (o->chip);
  g_free (o->header_version);
  g_free (o->entry_point);
  g_free (o->load_address);
  g_free (o->image_version);
  g_free (o->type);
  g_free (o->option_flags);
  g_free (o->key);
  g_free (o->password_file);
  g_free (o->password_env);
  ossp_secure_strfree (o->password_arg);
  g_free (o->pkcs11);
  g_free (o->module);
  g_free (o->pin_file);
  g_free (o->pin_env);
  g_free (o->pkcs11_pubkey);
  g_strfreev (o->pubkeys);
  g_free (o->pkh);
  g_free (o->pkhth);
  g_free (o->otp_words);
  g_free (o->signature);
  g_free (o->tbs_out);
  g_free (o->digest_out);
  g_free (o->dump);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ImageOptions, image_options_clear)

/* ---- SigningTool spellings ---- */

static const struct {
  const char *from;
  const char *to;
} signingtool_aliases[] = {
  { "-bin", "--in" }, { "--binary-image", "--in" }, { "-in", "--in" }, { "--input", "--in" },
  { "-prvk", "--key" }, { "--private-key", "--key" },
  { "--output", "--out" },
  { "--type", "--type" },
  { "-iv", "--image-version" },
  { "-ep", "--entry-point" },
  { "-la", "--load-address" },
  { "-of", "--option-flags" },
  { "-hv", "--header-version" },
  { "-nk", "--no-key" }, { "--no-keys", "--no-key" },
  { "--active-keyIndex", "--key-index" },
  { "-dump", "--dump" },
};

static gboolean
is_option (const char *arg)
{
  return arg[0] == '-' && arg[1] != 0;
}

/* Rewrites SigningTool's option names into ours. -pubk takes several
 * files (one per key); -pwd's value is moved into wiped memory and blanked
 * in argv, and a warning says that it was visible anyway. */
static GPtrArray *
translate_signingtool (OsspCli       *cli,
                       int           *argc,
                       char         **argv,
                       ImageOptions  *o,
                       GError       **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func (g_free);

  for (int i = 0; i < *argc; i++)
    {
      const char *a = argv[i];
      gboolean done = FALSE;

      if (i > 0 && (g_str_equal (a, "-pubk") || g_str_equal (a, "--public-key") ||
                    g_str_equal (a, "--pubkeys")))
        {
          if (i + 1 >= *argc || is_option (argv[i + 1]))
            {
              g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                           "%s needs at least one public key file", a);
              return NULL;
            }
          while (i + 1 < *argc && !is_option (argv[i + 1]))
            g_ptr_array_add (out, g_strdup_printf ("--pubkey=%s", argv[++i]));
          continue;
        }
      if (i > 0 && (g_str_equal (a, "-pwd") || g_str_equal (a, "--password")))
        {
          if (i + 1 >= *argc)
            {
              g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT, "%s needs a value", a);
              return NULL;
            }
          ossp_cli_warn (cli, "a password on the command line is visible to other users and "
                         "stays in shell history; use --password-file or --password-env");
          ossp_secure_strfree (o->password_arg);
          o->password_arg = ossp_secure_strdup (argv[++i]);
          ossp_secure_wipe (argv[i], strlen (argv[i]));
          continue;
        }
      if (i > 0 && (g_str_equal (a, "-s") || g_str_equal (a, "--silent")))
        {
          cli->quiet = TRUE;
          continue;
        }
      if (i > 0 && (g_str_equal (a, "--slot-index")))
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_UNSUPPORTED,
                       "--slot-index is not supported; name the token in a PKCS#11 URL instead "
                       "(--pkcs11 \"pkcs11:token=NAME;object=KEY;type=private\")");
          return NULL;
        }
      for (guint j = 0; i > 0 && j < G_N_ELEMENTS (signingtool_aliases) && !done; j++)
        if (g_str_equal (a, signingtool_aliases[j].from))
          {
            g_ptr_array_add (out, g_strdup (signingtool_aliases[j].to));
            done = TRUE;
          }
      if (!done)
        g_ptr_array_add (out, g_strdup (a));
    }
  *argc = (int) out->len;
  g_ptr_array_add (out, NULL);
  return g_steal_pointer (&out);
}

/* ---- shared option handling ---- */

#define ENTRY_IN(o) \
  { "in", 'i', 0, G_OPTION_ARG_FILENAME, &(o)->in, "Input image (.stm32) or raw binary (-bin)", "FILE" }
#define ENTRY_OUT(o, what) \
  { "out", 'o', 0, G_OPTION_ARG_FILENAME, &(o)->out, what, "FILE" }
#define ENTRY_CHIP(o) \
  { "chip", 'c', 0, G_OPTION_ARG_STRING, &(o)->chip, "Chip family (stm32mp13, stm32mp15, stm32mp25): sets and checks the header version", "CHIP" }
#define ENTRY_FORCE(o) \
  { "force", 'f', 0, G_OPTION_ARG_NONE, &(o)->force, "Replace an existing output file", NULL }
#define ENTRIES_HEADER(o) \
  { "raw", 0, 0, G_OPTION_ARG_NONE, &(o)->raw, "The input is a raw binary even if it starts with STM2", NULL }, \
  { "header-version", 0, 0, G_OPTION_ARG_STRING, &(o)->header_version, "Header version for a raw binary: 1.0, 2.0 or 2.2 (-hv)", "V" }, \
  { "entry-point", 0, 0, G_OPTION_ARG_STRING, &(o)->entry_point, "Entry point address (-ep)", "ADDR" }, \
  { "load-address", 0, 0, G_OPTION_ARG_STRING, &(o)->load_address, "Load address (-la; default: the entry point)", "ADDR" }, \
  { "image-version", 0, 0, G_OPTION_ARG_STRING, &(o)->image_version, "Anti-rollback image version (-iv)", "N" }, \
  { "type", 't', 0, G_OPTION_ARG_STRING, &(o)->type, "Binary type: fsbl, ssbl, teeh, teed, teex, copro or a number (-t)", "TYPE" }, \
  { "option-flags", 0, 0, G_OPTION_ARG_STRING, &(o)->option_flags, "v1 option flags / v2 extension flags (-of)", "FLAGS" }, \
  { "fix-checksum", 0, 0, G_OPTION_ARG_NONE, &(o)->fix_checksum, "Recompute a checksum that does not match the payload instead of refusing", NULL }
#define ENTRIES_TABLE(o) \
  { "pubkey", 'p', 0, G_OPTION_ARG_FILENAME_ARRAY, &(o)->pubkeys, "Public key PEM; repeat in key-index order for the v2 key table (--pubkeys F…, -pubk F…)", "PEM" }, \
  { "key-index", 0, 0, G_OPTION_ARG_INT, &(o)->key_index, "v2: index of the signing key in the table (default: found from the key)", "I" }

static gboolean
parse_u32_option (const char  *value,
                  const char  *name,
                  guint32     *out,
                  GError     **error)
{
  if (ossp_parse_u32 (value, out, error))
    return TRUE;
  g_prefix_error (error, "--%s: ", name);
  return FALSE;
}

static gboolean
version_from_chip (const char  *chip_id,
                   guint32     *out_version,
                   GError     **error)
{
  g_autoptr(OsspChip) chip = ossp_chip_new (chip_id, error);

  return chip != NULL &&
         ossp_image_version_from_string (ossp_chip_get_header_version (chip), out_version, error);
}

/* The input as an image: parsed when it has a header, else a raw binary
 * with a fresh header of the version the chip (or -hv) asks for. */
static OsspImage *
load_input (ImageOptions  *o,
            gboolean       allow_raw,
            GError       **error)
{
  guint32 chip_version = 0, asked_version = 0;

  if (o->in == NULL)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "No input: give the image with --in FILE (SigningTool: -bin FILE)");
      return NULL;
    }
  if (o->chip && !version_from_chip (o->chip, &chip_version, error))
    return NULL;
  if (o->header_version && !ossp_image_version_from_string (o->header_version, &asked_version, error))
    return NULL;
  if (chip_version && asked_version && chip_version != asked_version)
    {
      g_autofree char *a = ossp_image_version_to_string (asked_version);
      g_autofree char *c = ossp_image_version_to_string (chip_version);
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "Header version %s does not fit %s, which boots header v%s", a, o->chip, c);
      return NULL;
    }

  if (!o->raw && ossp_image_file_has_header (o->in))
    return ossp_image_open (o->in, asked_version ? asked_version : chip_version, FALSE, error);
  if (!allow_raw)
    return ossp_image_new_from_file (o->in, error); /* fails with the precise parse error */
  if (!asked_version && !chip_version)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "%s has no STM32 header; give --chip (or --header-version, SigningTool: -hv) so "
                   "that one can be made, plus --entry-point", o->in);
      return NULL;
    }
  if (o->entry_point == NULL)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "%s is a raw binary: give its --entry-point (SigningTool: -ep) so that a "
                   "header can be made", o->in);
      return NULL;
    }
  return ossp_image_open (o->in, asked_version ? asked_version : chip_version, TRUE, error);
}

static gboolean
apply_header_options (OsspCli       *cli,
                      OsspImage     *image,
                      ImageOptions  *o,
                      GError       **error)
{
  guint32 v;

  if (o->entry_point)
    {
      if (!parse_u32_option (o->entry_point, "entry-point", &v, error))
        return FALSE;
      ossp_image_set_entry_point (image, v);
      /* mkimage and SigningTool write the load address too; default to the entry point */
      if (o->load_address == NULL && ossp_image_is_raw (image))
        ossp_image_set_load_address (image, v);
    }
  if (o->load_address)
    {
      if (!parse_u32_option (o->load_address, "load-address", &v, error))
        return FALSE;
      ossp_image_set_load_address (image, v);
    }
  if (o->image_version)
    {
      if (!parse_u32_option (o->image_version, "image-version", &v, error))
        return FALSE;
      ossp_image_set_image_version (image, v);
    }
  if (o->type)
    {
      if (!ossp_image_binary_type_from_string (o->type, &v, error) ||
          !ossp_image_set_binary_type (image, v, error))
        return FALSE;
    }
  return TRUE;
}

/* -of comes last, after the key is in: in v2 the flags follow the
 * extensions. SigningTool scripts pass "-of 0x00000001" for MP13; our
 * 512-byte header always has its padding extension, so bit 31 is added. */
static gboolean
apply_flags_option (OsspCli       *cli,
                    OsspImage     *image,
                    ImageOptions  *o,
                    GError       **error)
{
  guint32 v;

  if (o->option_flags == NULL)
    return TRUE;
  if (!parse_u32_option (o->option_flags, "option-flags", &v, error))
    return FALSE;
  if (ossp_image_get_header_major (image) == 2 && !(v & OSSP_IMAGE_EXT_FLAG_PADDING))
    {
      ossp_cli_warn (cli, "extension flags 0x%08X lack bit 31 (padding); the header keeps its "
                     "padding extension to stay 512 bytes, so 0x%08X is written", v,
                     v | OSSP_IMAGE_EXT_FLAG_PADDING);
      v |= OSSP_IMAGE_EXT_FLAG_PADDING;
    }
  if (ossp_image_get_header_major (image) == 1 && (v & OSSP_IMAGE_V1_FLAG_NO_SIG_CHECK) &&
      ossp_image_get_public_key (image, NULL, NULL))
    ossp_cli_warn (cli, "option flag bit 0 (No_sig_check) asks an open chip to skip the signature");
  return ossp_image_set_flags (image, v, error);
}

static char *
read_secret (OsspCli     *cli,
             const char  *file,
             const char  *env,
             const char  *prompt,
             GError     **error)
{
  return ossp_cli_read_password (cli, file, env, prompt, FALSE, error);
}

static gboolean
key_file_is_encrypted (const char *path)
{
  g_autofree guint8 *data = ossp_file_read (path, 1024 * 1024, NULL, NULL);
  return data == NULL || strstr ((const char *) data, "ENCRYPTED") != NULL;
}

/* The private key and its sign function: a PEM file or a PKCS#11 URL. */
typedef struct {
  OsspKeyPair      *key;
  OsspPkcs11Signer *token;
} Signer;

static void
signer_clear (Signer *s)
{
  g_clear_object (&s->key);
  g_clear_object (&s->token);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Signer, signer_clear)

static gboolean
load_signer (OsspCli       *cli,
             ImageOptions  *o,
             Signer        *s,
             GError       **error)
{
  if ((o->key != NULL) == (o->pkcs11 != NULL))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   o->key ? "Give either --key or --pkcs11, not both"
                   : "No signing key: give --key privateKey.pem (SigningTool: -prvk) or "
                     "--pkcs11 URL, or --no-key for an unsigned header");
      return FALSE;
    }
  if (o->key != NULL)
    {
      char *password = NULL;
      if (o->password_arg)
        password = ossp_secure_strdup (o->password_arg);
      else if (o->password_file || o->password_env || key_file_is_encrypted (o->key))
        {
          g_autofree char *prompt = g_strdup_printf ("Password of %s: ", o->key);
          password = read_secret (cli, o->password_file, o->password_env, prompt, error);
          if (password == NULL)
            return FALSE;
        }
      s->key = ossp_key_pair_load_private (o->key, password, error);
      ossp_secure_strfree (password);
      return s->key != NULL;
    }
  else
    {
      g_autoptr(OsspKeyPair) pub = NULL;
      char *pin = NULL;
      if (o->pkcs11_pubkey && !(pub = ossp_key_pair_load_public (o->pkcs11_pubkey, error)))
        return FALSE;
      if (o->pin_file || o->pin_env)
        {
          pin = read_secret (cli, o->pin_file, o->pin_env, "PIN: ", error);
          if (pin == NULL)
            return FALSE;
        }
      s->token = ossp_pkcs11_signer_new (o->pkcs11, o->module, pin, pub, error);
      ossp_secure_strfree (pin);
      return s->token != NULL;
    }
}

static OsspKeyPair *
signer_public (Signer *s)
{
  return s->key ? s->key : ossp_pkcs11_signer_get_public_key (s->token);
}

/* Puts @signer's public key (and the --pubkey table) into the header. */
static gboolean
apply_auth (OsspCli       *cli,
            OsspImage     *image,
            ImageOptions  *o,
            OsspKeyPair   *signer,
            GError       **error)
{
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_object_unref);
  guint n_keys = 0;

  for (guint i = 0; o->pubkeys && o->pubkeys[i]; i++)
    {
      OsspKeyPair *k = ossp_key_pair_load_public (o->pubkeys[i], error);
      if (k == NULL)
        return FALSE;
      g_ptr_array_add (keys, k);
    }
  if (!ossp_image_set_auth_from_keys (image, signer, (OsspKeyPair **) keys->pdata, keys->len,
                                      o->key_index, error))
    return FALSE;
  if (ossp_image_get_header_major (image) == 2 && keys->len == 0 &&
      ossp_image_get_pkh_table (image, &n_keys) != NULL && n_keys == 1)
    ossp_cli_warn (cli, "the header's key table holds one key (no --pubkey table given); ST tools "
                   "always write 8 (see docs/image.md)");
  return TRUE;
}

static void
print_fields (OsspImage *image)
{
  g_autoptr(GPtrArray) fields = ossp_image_get_fields (image);

  for (guint i = 0; i < fields->len; i++)
    {
      OsspImageField *f = g_ptr_array_index (fields, i);
      g_print ("  %-30s %s\n", f->label, f->value);
    }
}

static int
print_image_result (OsspCli     *cli,
                    OsspImage   *image,
                    const char  *out,
                    const char  *what,
                    const guint8 *digest)
{
  if (cli->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "output");
      json_builder_add_string_value (b, out);
      if (digest != NULL)
        {
          g_autofree char *hex = ossp_hex_encode (digest, 32);
          json_builder_set_member_name (b, "digest");
          json_builder_add_string_value (b, hex);
        }
      json_builder_set_member_name (b, "header");
      json_builder_add_value (b, ossp_image_to_json (image));
      json_builder_end_object (b);
      ossp_cli_print_builder (cli, b);
    }
  else if (!cli->quiet)
    {
      g_print ("%s %s\n", what, out);
      print_fields (image);
    }
  return OSSP_EXIT_OK;
}

static int inspect_file (OsspCli *cli, const char *path);

/* ---- sign ---- */

static int
image_sign (OsspCli *cli, int argc, char **argv)
{
  g_auto(ImageOptions) o = { .key_index = -1 };
  g_auto(Signer) signer = { NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspImage) image = NULL;
  g_autoptr(GPtrArray) args = NULL;
  g_autofree char **view = NULL;
  GOptionEntry entries[] = {
    ENTRY_IN (&o),
    ENTRY_OUT (&o, "Signed image to write (-o)"),
    ENTRY_CHIP (&o),
    { "key", 'k', 0, G_OPTION_ARG_FILENAME, &o.key, "Private key PEM, encrypted or not (-prvk)", "PEM" },
    { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &o.password_file, "Read the key's password from FILE", "FILE" },
    { "password-env", 0, 0, G_OPTION_ARG_STRING, &o.password_env, "Read the key's password from $VAR", "VAR" },
    { "pkcs11", 0, 0, G_OPTION_ARG_STRING, &o.pkcs11, "Private key in a PKCS#11 token (pkcs11: URL)", "URL" },
    { "module", 0, 0, G_OPTION_ARG_FILENAME, &o.module, "PKCS#11 module (.so); default: p11-kit's modules", "SO" },
    { "pin-file", 0, 0, G_OPTION_ARG_FILENAME, &o.pin_file, "Read the token PIN from FILE", "FILE" },
    { "pin-env", 0, 0, G_OPTION_ARG_STRING, &o.pin_env, "Read the token PIN from $VAR", "VAR" },
    { "pkcs11-pubkey", 0, 0, G_OPTION_ARG_FILENAME, &o.pkcs11_pubkey, "Public key PEM of the token key, if the token has no public object", "PEM" },
    { "no-key", 0, 0, G_OPTION_ARG_NONE, &o.no_key, "Write the header without a key or signature (-nk)", NULL },
    { "dump", 0, 0, G_OPTION_ARG_FILENAME, &o.dump, "Print the header of FILE afterwards (-dump)", "FILE" },
    ENTRIES_TABLE (&o),
    ENTRIES_HEADER (&o),
    ENTRY_FORCE (&o),
    { NULL }
  };
  int exit_code;

  args = translate_signingtool (cli, &argc, argv, &o, &error);
  if (args == NULL)
    return ossp_cli_fail (cli, error);
  /* option parsing drops entries from the array it gets; @args keeps them for freeing */
  view = g_memdup2 (args->pdata, sizeof (char *) * args->len);
  argv = view;
  if (!ossp_cli_parse_options (cli, "image sign", "",
                               "Sign an STM32 image (or a raw binary plus header fields) with ECDSA.\n"
                               "SigningTool_CLI spellings work too: -bin -pubk -prvk -pwd -o -t -iv -ep -la -of -hv -nk -s -dump.",
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc > 1)
    return ossp_cli_usage_error (cli, "Unexpected argument \"%s\"", argv[1]);

  if (o.in == NULL && o.dump != NULL)
    return inspect_file (cli, o.dump);
  if (o.out == NULL)
    return ossp_cli_usage_error (cli, "Give the output file with --out FILE (SigningTool: -o FILE)");

  image = load_input (&o, TRUE, &error);
  if (image == NULL || !apply_header_options (cli, image, &o, &error))
    return ossp_cli_fail (cli, error);
  if (o.no_key)
    {
      if (o.key || o.pkcs11)
        return ossp_cli_usage_error (cli, "--no-key makes an unsigned header; drop --key/--pkcs11");
    }
  else if (!load_signer (cli, &o, &signer, &error) ||
           !apply_auth (cli, image, &o, signer_public (&signer), &error))
    return ossp_cli_fail (cli, error);
  if (!apply_flags_option (cli, image, &o, &error))
    return ossp_cli_fail (cli, error);

  if (!ossp_image_write (image, o.out,
                         (o.force ? OSSP_IMAGE_WRITE_OVERWRITE : 0) |
                         (o.fix_checksum ? OSSP_IMAGE_WRITE_FIX_CHECKSUM : 0),
                         o.no_key ? NULL : signer.key ? ossp_image_key_pair_sign_func : ossp_pkcs11_signer_sign_func,
                         signer.key ? (gpointer) signer.key : (gpointer) signer.token,
                         NULL, NULL, NULL, &error))
    return ossp_cli_fail (cli, error);
  print_image_result (cli, image, o.out, o.no_key ? "Header written (unsigned) to" : "Signed image written to", NULL);
  if (o.dump != NULL && !cli->json)
    return inspect_file (cli, o.dump);
  return OSSP_EXIT_OK;
}

/* ---- build ---- */

static int
image_build (OsspCli *cli, int argc, char **argv)
{
  g_auto(ImageOptions) o = { .key_index = -1 };
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspImage) image = NULL;
  GOptionEntry entries[] = {
    ENTRY_IN (&o),
    ENTRY_OUT (&o, "Unsigned image to write"),
    ENTRY_CHIP (&o),
    ENTRIES_HEADER (&o),
    ENTRY_FORCE (&o),
    { NULL }
  };
  int exit_code;

  if (!ossp_cli_parse_options (cli, "image build", "",
                               "Put an unsigned STM32 header (as mkimage writes it) in front of a raw binary.",
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  if (o.out == NULL)
    return ossp_cli_usage_error (cli, "Give the output file with --out FILE");
  o.raw = TRUE;
  image = load_input (&o, TRUE, &error);
  if (image == NULL || !apply_header_options (cli, image, &o, &error) ||
      !apply_flags_option (cli, image, &o, &error) ||
      !ossp_image_write (image, o.out, o.force ? OSSP_IMAGE_WRITE_OVERWRITE : 0, NULL, NULL,
                         NULL, NULL, NULL, &error))
    return ossp_cli_fail (cli, error);
  return print_image_result (cli, image, o.out, "Unsigned image written to", NULL);
}

/* ---- inspect ---- */

static int
inspect_file (OsspCli    *cli,
              const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspImage) image = ossp_image_new_from_file (path, &error);

  if (image == NULL)
    return ossp_cli_fail (cli, error);
  if (cli->json)
    {
      g_autoptr(JsonNode) node = ossp_image_to_json (image);
      ossp_cli_print_json (cli, node);
      return OSSP_EXIT_OK;
    }
  g_print ("%s\n", path);
  print_fields (image);
  return OSSP_EXIT_OK;
}

static int
image_inspect (OsspCli *cli, int argc, char **argv)
{
  g_auto(ImageOptions) o = { .key_index = -1 };
  GOptionEntry entries[] = { ENTRY_IN (&o), { NULL } };
  int exit_code;

  if (!ossp_cli_parse_options (cli, "image inspect", "[FILE]",
                               "Print every header field of an STM32 image (-dump).",
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  if (o.in == NULL && argc == 2)
    return inspect_file (cli, argv[1]);
  if (o.in == NULL || argc > 1)
    return ossp_cli_usage_error (cli, "'openssp image inspect' takes one image file");
  return inspect_file (cli, o.in);
}

/* ---- verify ---- */

/* A hash given as a file of 32 bytes (KeyGen's publicKeyhash.bin) or as hex. */
static gboolean
read_hash (const char  *value,
           const char  *option,
           guint8       out[32],
           GError     **error)
{
  g_autofree guint8 *data = NULL;
  gsize len = 0;

  if (g_file_test (value, G_FILE_TEST_IS_REGULAR))
    data = ossp_file_read (value, 4096, &len, error);
  else
    data = ossp_hex_decode (value, &len, error);
  if (data == NULL)
    {
      g_prefix_error (error, "--%s: ", option);
      return FALSE;
    }
  if (len != 32)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "--%s: a SHA-256 hash is 32 bytes; \"%s\" holds %zu (give a 32-byte file or 64 hex digits)",
                   option, value, len);
      return FALSE;
    }
  memcpy (out, data, 32);
  return TRUE;
}

/* Eight OTP words as read from the chip (keys.md §6, format 1). */
static gboolean
read_otp_words (const char  *value,
                guint8       out[32],
                GError     **error)
{
  g_auto(GStrv) parts = g_strsplit_set (value, ", ", -1);
  guint32 words[8];
  guint n = 0;

  for (guint i = 0; parts[i]; i++)
    {
      if (*parts[i] == 0)
        continue;
      if (n == 8 || !parse_u32_option (parts[i], "otp-words", &words[n], error))
        {
          if (n == 8)
            g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                         "--otp-words takes 8 words, more were given");
          return FALSE;
        }
      n++;
    }
  if (n != 8)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "--otp-words takes the 8 words of the PKH/PKHTH (e.g. OTP 24..31), %u were given", n);
      return FALSE;
    }
  ossp_words_to_bytes (words, 8, OSSP_WORD_FORMAT_1, out);
  return TRUE;
}

static JsonNode *
checks_to_details (GPtrArray *checks)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_array (b);
  for (guint i = 0; i < checks->len; i++)
    {
      OsspImageCheck *c = g_ptr_array_index (checks, i);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "where");
      json_builder_add_string_value (b, c->id);
      json_builder_set_member_name (b, "severity");
      json_builder_add_string_value (b, c->status == OSSP_IMAGE_CHECK_FAIL ? "error"
                                        : c->status == OSSP_IMAGE_CHECK_WARNING ? "warning" : "info");
      json_builder_set_member_name (b, "status");
      json_builder_add_string_value (b, ossp_image_check_status_to_string (c->status));
      json_builder_set_member_name (b, "message");
      json_builder_add_string_value (b, c->message);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  return json_builder_get_root (b);
}

static int
image_verify (OsspCli *cli, int argc, char **argv)
{
  g_auto(ImageOptions) o = { .key_index = -1 };
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspImage) image = NULL;
  g_autoptr(GPtrArray) checks = NULL;
  g_autoptr(OsspKeyPair) expected_key = NULL;
  g_autoptr(GString) failed = g_string_new (NULL);
  OsspImageExpect expect = { 0 };
  GOptionEntry entries[] = {
    ENTRY_IN (&o),
    ENTRY_CHIP (&o),
    { "pkh", 0, 0, G_OPTION_ARG_STRING, &o.pkh, "Expected PKH of the signing key: 32-byte file (publicKeyhash.bin) or hex", "FILE|HEX" },
    { "pkhth", 0, 0, G_OPTION_ARG_STRING, &o.pkhth, "v2: expected hash of the key table (publicKeysHashHashes.bin) or hex", "FILE|HEX" },
    { "otp-words", 0, 0, G_OPTION_ARG_STRING, &o.otp_words, "The 8 PKH (v1) / PKHTH (v2) OTP words as read from the chip, comma-separated", "W0,…,W7" },
    { "pubkey", 'p', 0, G_OPTION_ARG_FILENAME_ARRAY, &o.pubkeys, "Expected public key PEM", "PEM" },
    { NULL }
  };
  int exit_code;

  if (!ossp_cli_parse_options (cli, "image verify", "[FILE]",
                               "Check an STM32 image: header, checksum, signature, key table, and the key's hash "
                               "against an expected PKH / PKHTH / OTP words. Each check is reported on its own.",
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  if (o.in == NULL && argc == 2)
    o.in = g_strdup (argv[1]);
  else if (argc > 1)
    return ossp_cli_usage_error (cli, "Unexpected argument \"%s\"", argv[1]);
  image = load_input (&o, FALSE, &error);
  if (image == NULL)
    return ossp_cli_fail (cli, error);

  if (o.pkh && !(expect.has_pkh = read_hash (o.pkh, "pkh", expect.pkh, &error)))
    return ossp_cli_fail (cli, error);
  if (o.pkhth && !(expect.has_pkhth = read_hash (o.pkhth, "pkhth", expect.pkhth, &error)))
    return ossp_cli_fail (cli, error);
  if (o.otp_words)
    {
      gboolean v1 = ossp_image_get_header_major (image) == 1;
      if (!read_otp_words (o.otp_words, v1 ? expect.pkh : expect.pkhth, &error))
        return ossp_cli_fail (cli, error);
      if (v1)
        expect.has_pkh = TRUE;
      else
        expect.has_pkhth = TRUE;
    }
  if (o.pubkeys && o.pubkeys[0])
    {
      if (o.pubkeys[1])
        return ossp_cli_usage_error (cli, "verify takes one expected --pubkey");
      expected_key = ossp_key_pair_load_public (o.pubkeys[0], &error);
      if (expected_key == NULL)
        return ossp_cli_fail (cli, error);
      expect.public_key = expected_key;
    }

  checks = ossp_image_verify (image, &expect, NULL, NULL, NULL, &error);
  if (checks == NULL)
    return ossp_cli_fail (cli, error);
  for (guint i = 0; i < checks->len; i++)
    {
      OsspImageCheck *c = g_ptr_array_index (checks, i);
      if (c->status == OSSP_IMAGE_CHECK_FAIL)
        g_string_append_printf (failed, "%s%s", failed->len ? ", " : "", c->id);
    }
  if (!cli->json)
    {
      g_print ("%s\n", o.in);
      for (guint i = 0; i < checks->len; i++)
        {
          OsspImageCheck *c = g_ptr_array_index (checks, i);
          g_autofree char *status = g_ascii_strup (ossp_image_check_status_to_string (c->status), -1);
          g_print ("  %-8s %-11s %s\n", status, c->id, c->message);
        }
    }
  if (failed->len > 0)
    {
      g_autoptr(GError) fail = g_error_new (OSSP_ERROR, OSSP_ERROR_VERIFY_FAILED,
                                            "%s failed verification: %s", o.in, failed->str);
      g_autoptr(JsonNode) details = checks_to_details (checks);
      return cli->json ? ossp_cli_fail_with_details (cli, fail, details) : ossp_cli_fail (cli, fail);
    }
  if (cli->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "file");
      json_builder_add_string_value (b, o.in);
      json_builder_set_member_name (b, "ok");
      json_builder_add_boolean_value (b, TRUE);
      json_builder_set_member_name (b, "checks");
      json_builder_add_value (b, ossp_image_checks_to_json (checks));
      json_builder_end_object (b);
      ossp_cli_print_builder (cli, b);
    }
  else
    g_print ("Result: all checks passed\n");
  return OSSP_EXIT_OK;
}

/* ---- offline signing: digest, attach-signature ---- */

static int
image_digest (OsspCli *cli, int argc, char **argv)
{
  g_auto(ImageOptions) o = { .key_index = -1 };
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspImage) image = NULL;
  g_autoptr(OsspKeyPair) signer = NULL;
  g_autoptr(GPtrArray) args = NULL;
  g_autofree char **view = NULL;
  g_autofree char *hex = NULL;
  guint8 digest[32];
  guint64 end;
  GOptionEntry entries[] = {
    ENTRY_IN (&o),
    ENTRY_OUT (&o, "Write the prepared image (key filled in, signature empty) here"),
    ENTRY_CHIP (&o),
    { "tbs-out", 0, 0, G_OPTION_ARG_FILENAME, &o.tbs_out, "Write the exact bytes to sign (for `openssl dgst -sha256 -sign`)", "FILE" },
    { "digest-out", 0, 0, G_OPTION_ARG_FILENAME, &o.digest_out, "Write the 32-byte SHA-256 digest (for signers that take a hash)", "FILE" },
    ENTRIES_TABLE (&o),
    ENTRIES_HEADER (&o),
    ENTRY_FORCE (&o),
    { NULL }
  };
  int exit_code;
  gboolean prepare;

  args = translate_signingtool (cli, &argc, argv, &o, &error);
  if (args == NULL)
    return ossp_cli_fail (cli, error);
  view = g_memdup2 (args->pdata, sizeof (char *) * args->len);
  argv = view;
  if (!ossp_cli_parse_options (cli, "image digest", "",
                               "Prepare an image for a signer outside OpenSSP (a company PKI, an HSM tool) and print "
                               "what to sign. --pubkey names the signing public key (v1) or the key table with "
                               "--key-index (v2). Then: openssp image attach-signature.",
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc > 1)
    return ossp_cli_usage_error (cli, "Unexpected argument \"%s\"", argv[1]);
  image = load_input (&o, TRUE, &error);
  if (image == NULL || !apply_header_options (cli, image, &o, &error))
    return ossp_cli_fail (cli, error);

  prepare = o.pubkeys != NULL || ossp_image_is_raw (image) || o.entry_point || o.load_address ||
            o.image_version || o.type || o.option_flags;
  if (o.pubkeys != NULL)
    {
      guint n = g_strv_length (o.pubkeys);
      gint idx = o.key_index;
      if (n > 1 && idx < 0)
        return ossp_cli_usage_error (cli, "With %u public keys, say which one signs with --key-index", n);
      if (idx >= (gint) n)
        return ossp_cli_usage_error (cli, "--key-index %d is outside the %u public keys given", idx, n);
      signer = ossp_key_pair_load_public (o.pubkeys[MAX (idx, 0)], &error);
      if (signer == NULL || !apply_auth (cli, image, &o, signer, &error))
        return ossp_cli_fail (cli, error);
    }
  else if (!ossp_image_get_public_key (image, NULL, NULL))
    return ossp_cli_usage_error (cli, "%s carries no public key yet; give the signing key's --pubkey", o.in);
  if (!apply_flags_option (cli, image, &o, &error))
    return ossp_cli_fail (cli, error);
  if (prepare && o.out == NULL)
    return ossp_cli_usage_error (cli, "The header changes (key, fields): give --out FILE for the "
                                 "prepared image; the signature is attached to that file");
  if (o.out && !ossp_image_write (image, o.out,
                                  (o.force ? OSSP_IMAGE_WRITE_OVERWRITE : 0) |
                                  (o.fix_checksum ? OSSP_IMAGE_WRITE_FIX_CHECKSUM : 0),
                                  NULL, NULL, NULL, NULL, NULL, &error))
    return ossp_cli_fail (cli, error);
  if (!ossp_image_compute (image, digest, NULL, NULL, NULL, NULL, &error))
    return ossp_cli_fail (cli, error);
  if (o.tbs_out && !ossp_image_write_signed_range (image, o.tbs_out, o.force ? OSSP_IMAGE_WRITE_OVERWRITE : 0,
                                                   NULL, &error))
    return ossp_cli_fail (cli, error);
  if (o.digest_out && !ossp_file_write_atomic (o.digest_out, digest, 32,
                                               o.force ? OSSP_WRITE_FLAGS_OVERWRITE : 0, &error))
    return ossp_cli_fail (cli, error);

  hex = ossp_hex_encode (digest, 32);
  end = ossp_image_get_header_size (image) + (guint64) ossp_image_get_length (image);
  if (cli->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "digest");
      json_builder_add_string_value (b, hex);
      json_builder_set_member_name (b, "algorithm");
      json_builder_add_string_value (b, "ecdsa-sha256");
      json_builder_set_member_name (b, "signed_from");
      json_builder_add_int_value (b, OSSP_IMAGE_SIGNED_FROM);
      json_builder_set_member_name (b, "signed_to");
      json_builder_add_int_value (b, (gint64) end);
      json_builder_set_member_name (b, "prepared_image");
      if (o.out)
        json_builder_add_string_value (b, o.out);
      else
        json_builder_add_string_value (b, o.in);
      json_builder_end_object (b);
      ossp_cli_print_builder (cli, b);
      return OSSP_EXIT_OK;
    }
  g_print ("SHA-256 to sign: %s\n", hex);
  g_print ("Signed range: bytes 0x48..0x%" G_GINT64_MODIFIER "X of %s (%" G_GUINT64_FORMAT " bytes)\n",
           end - 1, o.out ? o.out : o.in, end - OSSP_IMAGE_SIGNED_FROM);
  if (!cli->quiet)
    g_print ("Sign with ECDSA (%s) over that digest, for example\n"
             "  openssl dgst -sha256 -sign privateKey.pem -out sig.der %s\n"
             "then: openssp image attach-signature --in %s --signature sig.der --out signed.stm32\n",
             ossp_image_get_header_major (image) == 1 ? "the key in the header" : "the key at the key index",
             o.tbs_out ? o.tbs_out : "TBS-FILE (see --tbs-out)", o.out ? o.out : o.in);
  return OSSP_EXIT_OK;
}

static gboolean
fixed_sign_func (const guint8   digest[32],
                 guint8         out_rs[64],
                 gpointer       user_data,
                 GError       **error)
{
  memcpy (out_rs, user_data, 64);
  return TRUE;
}

/* A signature file: raw r||s, DER, or either of them written as hex text. */
static gboolean
read_signature (const char  *path,
                guint8       out_rs[64],
                GError     **error)
{
  g_autofree guint8 *data = NULL;
  g_autofree guint8 *decoded = NULL;
  gsize len = 0, i;

  data = ossp_file_read (path, 4096, &len, error);
  if (data == NULL)
    return FALSE;
  for (i = 0; i < len && (g_ascii_isxdigit (data[i]) || g_ascii_isspace (data[i])); i++)
    ;
  if (i == len && len >= 16)
    {
      gsize dlen = 0;
      decoded = ossp_hex_decode ((const char *) data, &dlen, NULL);
      if (decoded != NULL)
        return ossp_image_parse_signature (decoded, dlen, out_rs, error);
    }
  if (!ossp_image_parse_signature (data, len, out_rs, error))
    {
      g_prefix_error (error, "%s: ", path);
      return FALSE;
    }
  return TRUE;
}

static int
image_attach_signature (OsspCli *cli, int argc, char **argv)
{
  g_auto(ImageOptions) o = { .key_index = -1 };
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspImage) image = NULL;
  guint8 rs[64];
  GOptionEntry entries[] = {
    ENTRY_IN (&o),
    ENTRY_OUT (&o, "Signed image to write"),
    { "signature", 's', 0, G_OPTION_ARG_FILENAME, &o.signature, "Signature: raw r||s (64 bytes) or DER, binary or hex", "FILE" },
    { "fix-checksum", 0, 0, G_OPTION_ARG_NONE, &o.fix_checksum, "Recompute a checksum that does not match the payload", NULL },
    ENTRY_FORCE (&o),
    { NULL }
  };
  int exit_code;

  if (!ossp_cli_parse_options (cli, "image attach-signature", "",
                               "Insert a signature made outside OpenSSP into a prepared image (see 'image digest'); "
                               "it is verified against the key in the header before anything is written.",
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc > 1)
    return ossp_cli_usage_error (cli, "Unexpected argument \"%s\"", argv[1]);
  if (o.signature == NULL || o.out == NULL)
    return ossp_cli_usage_error (cli, "Give --signature FILE and --out FILE");
  image = load_input (&o, FALSE, &error);
  if (image == NULL || !read_signature (o.signature, rs, &error))
    return ossp_cli_fail (cli, error);
  if (!ossp_image_write (image, o.out,
                         (o.force ? OSSP_IMAGE_WRITE_OVERWRITE : 0) |
                         (o.fix_checksum ? OSSP_IMAGE_WRITE_FIX_CHECKSUM : 0),
                         fixed_sign_func, rs, NULL, NULL, NULL, &error))
    return ossp_cli_fail (cli, error);
  return print_image_result (cli, image, o.out, "Signature verified and attached:", NULL);
}

int
ossp_cli_image (OsspCli *cli, int argc, char **argv)
{
  static const struct {
    const char *name;
    OsspCliVerbFunc run;
  } subs[] = {
    { "sign", image_sign },
    { "verify", image_verify },
    { "inspect", image_inspect },
    { "digest", image_digest },
    { "attach-signature", image_attach_signature },
    { "build", image_build },
  };

  if (argc < 2 || g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h"))
    {
      g_print ("Usage: openssp image sign|verify|inspect|digest|attach-signature|build [OPTIONS…] [--json]\n"
               "       openssp image -bin FILE -pubk PEM… -prvk PEM -o FILE …   (SigningTool_CLI spelling)\n"
               "Run 'openssp image SUBCOMMAND --help' for its options.\n");
      return argc < 2 ? OSSP_EXIT_USAGE : OSSP_EXIT_OK;
    }
  /* SigningTool has no sub-commands: `openssp image -bin …` signs */
  if (argv[1][0] == '-')
    return image_sign (cli, argc, argv);
  for (guint i = 0; i < G_N_ELEMENTS (subs); i++)
    if (g_str_equal (argv[1], subs[i].name))
      return subs[i].run (cli, argc - 1, argv + 1);
  return ossp_cli_usage_error (cli, "Unknown 'image' sub-command \"%s\" (sign, verify, inspect, "
                               "digest, attach-signature, build)", argv[1]);
}
