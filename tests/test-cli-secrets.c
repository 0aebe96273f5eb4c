/* test-cli-secrets.c — secrets and the running CLI:
 *  - the process is not dumpable while it waits for a password (no core
 *    dumps, no ptrace by the same user): seen from outside, in /proc;
 *  - every verb that handles a secret, run with G_MESSAGES_DEBUG=all on known
 *    secret inputs, never shows one (raw, hex lower/upper, with separators,
 *    base64 at any alignment, OTP words as numbers) on stdout, stderr or in
 *    any file that is not meant to hold it; encrypted outputs hold none;
 *  - in plain builds, tests/ossp-free-scan.c (LD_PRELOAD) watches every block
 *    the CLI frees: none may still hold a secret;
 *  - every command of `openssp --help` is listed once and classified here,
 *    so a new verb cannot skip this test silently.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "ossp-keys-test-helper.h"

#define PASSWORD "Tr0ub4dor&3-horse-battery"

/* ---- secrets and the forms they could leak in ----------------------------- */

typedef struct {
  char      *name;
  GPtrArray *forms;     /* GBytes: every spelling we look for */
  GPtrArray *form_names;
  GBytes    *raw;
} Secret;

typedef struct {
  char      *dir;       /* the work folder: every file in it is scanned */
  char      *scan_log;  /* free-scan findings (outside dir) */
  GPtrArray *secrets;
  GHashTable *holders;  /* path → GUINT mask of secrets it may hold */
  guint      runs;
  GBytes    *last_stdout;
} Ctx;

static void
add_form (Secret *s, const char *form_name, const void *data, gsize len)
{
  g_ptr_array_add (s->forms, g_bytes_new (data, len));
  g_ptr_array_add (s->form_names, g_strdup (form_name));
}

static char *
hex_sep (const guint8 *data, gsize len, gboolean upper, const char *sep)
{
  GString *s = g_string_new (NULL);
  for (gsize i = 0; i < len; i++)
    {
      if (i && sep)
        g_string_append (s, sep);
      if (upper)
        g_string_append_printf (s, "%02X", data[i]);
      else
        g_string_append_printf (s, "%02x", data[i]);
    }
  return g_string_free (s, FALSE);
}

/* Adds a secret; @words also looks for each aligned 32-bit group printed as
 * an OTP word ("%08X"/"%08x", both byte orders). Returns its bit. */
static guint
add_secret (Ctx *ctx, const char *name, const guint8 *data, gsize len, gboolean words)
{
  Secret *s = g_new0 (Secret, 1);

  g_assert_cmpuint (len, >=, 4);
  s->name = g_strdup (name);
  s->forms = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  s->form_names = g_ptr_array_new_with_free_func (g_free);
  s->raw = g_bytes_new (data, len);
  if (len >= 8)
    add_form (s, "raw", data, len);
  if (words)
    for (gsize i = 0; i + 4 <= len; i += 4)
      {
        guint8 rev[4] = { data[i + 3], data[i + 2], data[i + 1], data[i] };
        if (ossp_read_le32 (data + i) == 0)
          continue;   /* a blank word is no secret (and is everywhere) */
        add_form (s, "raw word", data + i, 4);
        add_form (s, "raw word, swapped", rev, 4);
      }
  for (guint c = 0; c < 2; c++)
    {
      const char *seps[3] = { NULL, " ", ":" };
      for (guint k = 0; k < 3; k++)
        {
          g_autofree char *h = hex_sep (data, len, c == 1, seps[k]);
          add_form (s, c ? "HEX" : "hex", h, strlen (h));
        }
    }
  /* base64 of a stream holding the secret contains the encoding of its
   * 3-byte-aligned middle for one of the three offsets */
  for (gsize shift = 0; shift < 3; shift++)
    {
      gsize n = (len - shift) / 3 * 3;
      if (n >= 6)
        {
          g_autofree char *b64 = g_base64_encode (data + shift, n);
          add_form (s, "base64", b64, strlen (b64));
        }
    }
  if (words)
    for (gsize i = 0; i + 4 <= len; i += 4)
      {
        guint32 be = ossp_read_be32 (data + i), le = ossp_read_le32 (data + i);
        guint32 v[2] = { be, le };
        for (guint k = 0; k < 2; k++)
          {
            g_autofree char *up = g_strdup_printf ("%08X", v[k]);
            g_autofree char *lo = g_strdup_printf ("%08x", v[k]);
            if (v[k] == 0)
              continue;
            add_form (s, "OTP word", up, 8);
            add_form (s, "OTP word", lo, 8);
          }
      }
  g_ptr_array_add (ctx->secrets, s);
  return 1u << (ctx->secrets->len - 1);
}

static void
secret_free (gpointer data)
{
  Secret *s = data;
  g_free (s->name);
  g_ptr_array_unref (s->forms);
  g_ptr_array_unref (s->form_names);
  g_bytes_unref (s->raw);
  g_free (s);
}

/* The first spelling of a secret in @mask that @data shows, or NULL. */
static const char *
shows (Ctx *ctx, const guint8 *data, gsize len, guint mask, const char **secret_name)
{
  for (guint i = 0; i < ctx->secrets->len; i++)
    {
      Secret *s = g_ptr_array_index (ctx->secrets, i);
      if (!(mask & (1u << i)))
        continue;
      for (guint f = 0; f < s->forms->len; f++)
        {
          gsize flen;
          const guint8 *form = g_bytes_get_data (g_ptr_array_index (s->forms, f), &flen);
          if (flen && len >= flen && memmem (data, len, form, flen) != NULL)
            {
              if (secret_name)
                *secret_name = s->name;
              return g_ptr_array_index (s->form_names, f);
            }
        }
    }
  return NULL;
}

/* Fails if @data shows a secret outside @allowed. */
static void
scan (Ctx *ctx, const char *where, const guint8 *data, gsize len, guint allowed)
{
  const char *name = NULL;
  const char *form = shows (ctx, data, len, ~allowed, &name);

  if (form)
    g_error ("%s shows the %s (as %s)", where, name, form);
}

/* Positive control: an output that is meant to show @mask does, so the
 * scanner is known to see what it looks for. */
static void
assert_shows (Ctx *ctx, GBytes *data, guint mask, const char *what)
{
  gsize len;
  const guint8 *d = g_bytes_get_data (data, &len);

  if (shows (ctx, d, len, mask, NULL) == NULL)
    g_error ("%s should show the secret it was asked for, and does not", what);
}

static void
scan_tree (Ctx *ctx, const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *data = NULL;
      gsize len;

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          scan_tree (ctx, path);
          continue;
        }
      g_assert_true (g_file_get_contents (path, &data, &len, NULL));
      scan (ctx, path, (const guint8 *) data, len,
            GPOINTER_TO_UINT (g_hash_table_lookup (ctx->holders, path)));
    }
}

static char *
secrets_hex_list (Ctx *ctx)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < ctx->secrets->len; i++)
    {
      Secret *sec = g_ptr_array_index (ctx->secrets, i);
      gsize len;
      const guint8 *d = g_bytes_get_data (sec->raw, &len);
      g_autofree char *h = NULL;
      if (len < 8)
        continue;
      h = ossp_hex_encode (d, len);
      g_string_append_printf (s, "%s%s", s->len ? "," : "", h);
    }
  return g_string_free (s, FALSE);
}

/* free-scan applies when the CLI runs on the normal allocator */
static const char *
free_scan_module (void)
{
  const char *so = g_getenv ("OSSP_FREE_SCAN");
  const char *wrapper = g_getenv ("OPENSSP_CLI_WRAPPER");

  if (so == NULL || *so == 0 || (wrapper && *wrapper) || !g_file_test (so, G_FILE_TEST_EXISTS))
    return NULL;
  return so;
}

static void
check_free_scan (Ctx *ctx, const char *what)
{
  g_autofree char *log = NULL;

  if (g_file_get_contents (ctx->scan_log, &log, NULL, NULL) && *log)
    g_error ("%s freed memory that still held a secret:\n%s", what, log);
}

static GSubprocessLauncher *launcher_new (Ctx *ctx, GSubprocessFlags flags);

/* The scanner must be live: its self-test frees a block holding the first
 * secret, which must be reported; then the log starts empty. */
static void
free_scan_selftest (Ctx *ctx)
{
  g_autoptr(GSubprocessLauncher) l = NULL;
  g_autoptr(GSubprocess) p = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *log = NULL;

  if (free_scan_module () == NULL)
    return;
  l = launcher_new (ctx, G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_setenv (l, "OSSP_SCAN_SELFTEST", "1", TRUE);
  p = g_subprocess_launcher_spawn (l, &error, "/bin/true", NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait_check (p, NULL, &error));
  g_assert_true (g_file_get_contents (ctx->scan_log, &log, NULL, NULL));
  g_assert_nonnull (strstr (log, "secret 0"));
  g_assert_true (g_file_set_contents (ctx->scan_log, "", 0, NULL));
}

static GSubprocessLauncher *
launcher_new (Ctx *ctx, GSubprocessFlags flags)
{
  GSubprocessLauncher *l = g_subprocess_launcher_new (flags);
  g_autofree char *home = g_build_filename (ctx->dir, "home", NULL);
  const char *so = free_scan_module ();

  g_mkdir_with_parents (home, 0700);
  g_subprocess_launcher_setenv (l, "G_MESSAGES_DEBUG", "all", TRUE);
  g_subprocess_launcher_setenv (l, "HOME", home, TRUE);
  g_subprocess_launcher_setenv (l, "XDG_CACHE_HOME", home, TRUE);
  g_subprocess_launcher_setenv (l, "XDG_CONFIG_HOME", home, TRUE);
  g_subprocess_launcher_setenv (l, "XDG_DATA_HOME", home, TRUE);
  g_subprocess_launcher_setenv (l, "TMPDIR", ctx->dir, TRUE);
  g_subprocess_launcher_setenv (l, "G_SLICE", "always-malloc", TRUE);
  g_subprocess_launcher_setenv (l, "LC_ALL", "C.UTF-8", TRUE);
  g_subprocess_launcher_set_cwd (l, ctx->dir);
  if (so)
    {
      g_autofree char *list = secrets_hex_list (ctx);
      g_subprocess_launcher_setenv (l, "LD_PRELOAD", so, TRUE);
      g_subprocess_launcher_setenv (l, "OSSP_SCAN_SECRETS", list, TRUE);
      g_subprocess_launcher_setenv (l, "OSSP_SCAN_LOG", ctx->scan_log, TRUE);
    }
  return l;
}

/* Runs the CLI (through $OPENSSP_CLI_WRAPPER if set) with @args; checks the
 * exit status, scans stdout (which may show @stdout_allowed) and stderr. */
static void
run (Ctx *ctx, int expect_status, guint stdout_allowed, const char *stdin_text, ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GSubprocessLauncher) l = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GBytes) in = g_bytes_new (stdin_text, stdin_text ? strlen (stdin_text) : 0);
  g_autoptr(GBytes) out = NULL, err = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *what = NULL;
  const char *wrapper = g_getenv ("OPENSSP_CLI_WRAPPER");
  const char *a;
  va_list ap;
  gsize olen, elen;
  const guint8 *o, *e;

  if (wrapper && *wrapper)
    {
      g_auto(GStrv) w = g_strsplit (wrapper, " ", -1);
      for (guint i = 0; w[i]; i++)
        if (*w[i])
          g_ptr_array_add (argv, g_strdup (w[i]));
    }
  g_ptr_array_add (argv, g_strdup (g_getenv ("OPENSSP_CLI")));
  va_start (ap, stdin_text);
  while ((a = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (argv, g_strdup (a));
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  what = g_strjoinv (" ", (char **) argv->pdata);

  l = launcher_new (ctx, G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                         G_SUBPROCESS_FLAGS_STDERR_PIPE);
  proc = g_subprocess_launcher_spawnv (l, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate (proc, in, NULL, &out, &err, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (proc));
  o = g_bytes_get_data (out, &olen);
  e = g_bytes_get_data (err, &elen);
  if (g_subprocess_get_exit_status (proc) != expect_status)
    g_error ("%s: exit %d, expected %d\nstdout: %.*s\nstderr: %.*s", what,
             g_subprocess_get_exit_status (proc), expect_status, (int) olen, o, (int) elen, e);
  {
    g_autofree char *w1 = g_strdup_printf ("stdout of `%s`", what);
    g_autofree char *w2 = g_strdup_printf ("stderr of `%s`", what);
    scan (ctx, w1, o, olen, stdout_allowed);
    scan (ctx, w2, e, elen, 0);
  }
  check_free_scan (ctx, what);
  ctx->runs++;
  g_clear_pointer (&ctx->last_stdout, g_bytes_unref);
  ctx->last_stdout = g_bytes_ref (out);
}

static char *
work_file (Ctx *ctx, const char *name, const guint8 *data, gsize len, guint holds)
{
  char *path = g_build_filename (ctx->dir, name, NULL);

  if (data)
    g_assert_true (g_file_set_contents (path, (const char *) data, (gssize) len, NULL));
  if (data)
    g_chmod (path, 0600);
  g_hash_table_insert (ctx->holders, g_strdup (path), GUINT_TO_POINTER (holds));
  return path;
}

static void
holds (Ctx *ctx, const char *path, guint mask)
{
  guint old = GPOINTER_TO_UINT (g_hash_table_lookup (ctx->holders, path));
  g_hash_table_insert (ctx->holders, g_strdup (path), GUINT_TO_POINTER (old | mask));
}

static guint8 *
read_file (const char *path, gsize *len)
{
  char *data = NULL;
  g_assert_true (g_file_get_contents (path, &data, len, NULL));
  return (guint8 *) data;
}

static void
ctx_free (Ctx *ctx)
{
  g_free (ctx->dir);
  g_free (ctx->scan_log);
  g_ptr_array_unref (ctx->secrets);
  g_hash_table_unref (ctx->holders);
  g_clear_pointer (&ctx->last_stdout, g_bytes_unref);
  g_free (ctx);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Ctx, ctx_free)

static Ctx *
ctx_new (void)
{
  Ctx *ctx = g_new0 (Ctx, 1);
  g_autofree char *top = ossp_test_make_tmpdir ();

  ctx->dir = g_build_filename (top, "work", NULL);
  g_assert_cmpint (g_mkdir (ctx->dir, 0700), ==, 0);
  ctx->scan_log = g_build_filename (top, "free-scan.log", NULL);
  ctx->secrets = g_ptr_array_new_with_free_func (secret_free);
  ctx->holders = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return ctx;
}

/* ---- every verb that handles a secret -------------------------------------- */

/* The private scalar of an encrypted PEM, read with openssl (ECPrivateKey DER:
 * 30 77 02 01 01 04 20 <32 bytes> …). */
static void
openssl_private_scalar (const char *pem, const char *pwfile, guint8 out[32])
{
  g_autoptr(GBytes) der = NULL;
  g_autofree char *pass = g_strdup_printf ("file:%s", pwfile);
  const guint8 *d;
  gsize len;

  g_assert_cmpint (ossp_keys_test_tool (&der, NULL, "openssl", "ec", "-in", pem, "-passin", pass,
                                        "-outform", "DER", NULL), ==, 0);
  d = g_bytes_get_data (der, &len);
  g_assert_cmpuint (len, >, 39);
  g_assert_cmpuint (d[5], ==, 0x04);
  g_assert_cmpuint (d[6], ==, 0x20);
  memcpy (out, d + 7, 32);
}

static void
test_no_secret_in_output (void)
{
  static const guint8 key[16] = { 0x5a, 0x13, 0xc7, 0x9e, 0x21, 0x44, 0xb8, 0x0f,
                                  0x6d, 0x92, 0xe3, 0x17, 0xaa, 0x3c, 0x58, 0x71 };
  static const guint8 nonce[16] = { 0xd1, 0x2e, 0x47, 0x8b, 0x90, 0x63, 0xfa, 0x05,
                                    0x1c, 0xb4, 0x7d, 0x39, 0, 0, 0, 0 };
  static const guint8 otp_key[16] = { 0x93, 0x4e, 0x0b, 0xd8, 0x7a, 0x61, 0xc5, 0x2f,
                                      0xe4, 0x18, 0xb7, 0x56, 0x3d, 0xa9, 0x70, 0x0c };
  static const guint8 backup_data[16] = { 0x8c, 0x35, 0xf1, 0x6a, 0x27, 0xd0, 0x9b, 0x44,
                                          0x1e, 0xe2, 0x5f, 0xb9, 0x06, 0x7d, 0xc3, 0x98 };
  const guint32 word_value = 0x5EC2E74Bu, rma = 0x2A5C3B1Du;
  g_autoptr(Ctx) ctx = NULL;
  guint8 word_bytes[4], rma_bytes[4], scalar[32], rnd[32];
  guint K, N, W, RMA, OK, BK, PW, SC, RND;
  g_autofree char *pwfile = NULL, *keyf = NULL, *noncef = NULL, *okf = NULL, *keys = NULL;
  g_autofree char *pem = NULL, *pub = NULL, *list = NULL, *list2 = NULL, *secret = NULL;
  g_autofree char *plain = NULL, *ssp = NULL, *bk = NULL, *bkbin = NULL, *bk2 = NULL;
  g_autofree char *randf = NULL, *fw = NULL, *signed_img = NULL, *proj = NULL, *kg = NULL;
  g_autofree char *hexdata = NULL, *rma_text = NULL, *word_text = NULL;

  if (!ossp_keys_test_have_openssl ())
    {
      g_test_skip ("openssl not found (needed to read the generated private key)");
      return;
    }
  ctx = ctx_new ();
  ossp_write_be32 (word_bytes, word_value);
  ossp_write_be32 (rma_bytes, rma);
  PW = add_secret (ctx, "password", (const guint8 *) PASSWORD, strlen (PASSWORD), FALSE);
  free_scan_selftest (ctx);
  K = add_secret (ctx, "payload key", key, sizeof key, FALSE);
  N = add_secret (ctx, "nonce", nonce, 12, FALSE);
  OK = add_secret (ctx, "OTP key", otp_key, sizeof otp_key, TRUE);
  W = add_secret (ctx, "OTP word value", word_bytes, 4, TRUE);
  RMA = add_secret (ctx, "RMA password", rma_bytes, 4, TRUE);
  BK = add_secret (ctx, "backup data", backup_data, sizeof backup_data, TRUE);

  pwfile = work_file (ctx, "pw.txt", (const guint8 *) PASSWORD "\n", strlen (PASSWORD) + 1, PW);
  keyf = work_file (ctx, "enc_key.bin", key, sizeof key, K);
  noncef = work_file (ctx, "nonce.bin", nonce, sizeof nonce, N);
  okf = work_file (ctx, "otp_key.bin", otp_key, sizeof otp_key, OK);
  rma_text = g_strdup_printf ("0x%08X", rma);
  word_text = g_strdup_printf ("0x%08X", word_value);
  hexdata = ossp_hex_encode (backup_data, sizeof backup_data);

  /* keys: the private keys are encrypted: no password, no scalar inside */
  keys = g_build_filename (ctx->dir, "keys", NULL);
  run (ctx, 0, 0, NULL, "keys", "generate", "-c", "stm32mp15", "-o", keys, "--password-file", pwfile, NULL);
  pem = g_build_filename (keys, "privateKey.pem", NULL);
  pub = g_build_filename (keys, "publicKey.pem", NULL);
  openssl_private_scalar (pem, pwfile, scalar);
  SC = add_secret (ctx, "private key scalar", scalar, sizeof scalar, FALSE);
  run (ctx, 0, 0, NULL, "--json", "keys", "show", keys, NULL);
  run (ctx, 0, 0, NULL, "keys", "hash", pub, NULL);
  /* KeyGen_CLI's spelling takes the password on the command line */
  kg = g_build_filename (ctx->dir, "keygen", NULL);
  g_mkdir (kg, 0700);
  run (ctx, 0, 0, NULL, "-abs", kg, "-pwd", PASSWORD, "-n", "1", NULL);

  /* random bytes: only the output file holds them */
  randf = work_file (ctx, "random.bin", NULL, 0, 0);
  run (ctx, 0, 0, NULL, "random", "--bytes", "32", "--out", randf, NULL);
  {
    gsize len;
    g_autofree guint8 *r = read_file (randf, &len);
    g_assert_cmpuint (len, ==, 32);
    memcpy (rnd, r, 32);
    RND = add_secret (ctx, "random bytes", rnd, sizeof rnd, FALSE);
    holds (ctx, randf, RND);
  }
  {
    g_autofree char *r2 = work_file (ctx, "random-keygen.bin", NULL, 0, 0);
    run (ctx, 0, 0, NULL, "-rand", "16", r2, NULL);
    holds (ctx, r2, ~0u);   /* its own fresh random bytes */
  }

  /* OTP list (holds the values), secret file and plaintext (hold them) */
  list = work_file (ctx, "otp.json", NULL, 0, OK | W | RMA);
  list2 = work_file (ctx, "otp-imported.json", NULL, 0, OK | W | RMA);
  secret = work_file (ctx, "secret.bin", NULL, 0, OK | W);
  plain = work_file (ctx, "plain.bin", NULL, 0, OK | W | RMA);
  run (ctx, 0, 0, NULL, "otp", "new", "--chip", "stm32mp15", "--out", list, NULL);
  run (ctx, 0, 0, NULL, "otp", "set", list, "70", word_text, NULL);
  run (ctx, 0, 0, NULL, "otp", "set-rma", list, "--value", rma_text, NULL);
  run (ctx, 0, 0, NULL, "otp", "set-key", list, "--word", "80", "--key-file", okf, NULL);
  run (ctx, 0, 0, NULL, "otp", "list", list, NULL);
  run (ctx, 0, 0, NULL, "--json", "otp", "list", list, NULL);
  run (ctx, 0, 0, NULL, "otp", "check", list, NULL);
  run (ctx, 0, 0, NULL, "otp", "plan", list, NULL);
  run (ctx, 0, 0, NULL, "otp", "build", list, "--out", secret, NULL);
  run (ctx, 0, 0, NULL, "otp", "show", secret, "--chip", "stm32mp15", NULL);
  run (ctx, 0, 0, NULL, "--json", "otp", "show", secret, "--chip", "stm32mp15", NULL);
  run (ctx, 0, 0, NULL, "otp", "import", secret, "--chip", "stm32mp15", "--out", list2, NULL);
  run (ctx, 0, 0, NULL, "otp", "export", list, "--out", plain, NULL);
  /* asked for: --show-secrets may print the values, on stdout only */
  run (ctx, 0, OK | W | RMA, NULL, "otp", "list", list, "--show-secrets", NULL);
  assert_shows (ctx, ctx->last_stdout, W, "otp list --show-secrets");
  {
    gsize len;
    g_autofree guint8 *d = read_file (secret, &len);
    g_autoptr(GBytes) sb = g_bytes_new (d, len);
    assert_shows (ctx, sb, W | OK, "the secret file");
  }

  /* payload: the .ssp is encrypted; inspect shows secrets only when asked */
  ssp = work_file (ctx, "out.ssp", NULL, 0, 0);
  run (ctx, 0, 0, NULL, "payload", "build", "--chip", "stm32mp15", "--key", keyf, "--nonce", noncef,
       "--oem-pubkey", pub, "--secret", secret, "--rma", rma_text, "-o", ssp, NULL);
  run (ctx, 0, 0, NULL, "payload", "inspect", ssp, NULL);
  run (ctx, 0, 0, NULL, "payload", "inspect", ssp, "--key", keyf, "--nonce", noncef, NULL);
  run (ctx, 0, 0, NULL, "--json", "payload", "inspect", ssp, "--key", keyf, "--nonce", noncef, NULL);
  run (ctx, 0, OK | W | RMA, NULL, "payload", "inspect", ssp, "--key", keyf, "--nonce", noncef,
       "--show-secrets", NULL);
  assert_shows (ctx, ctx->last_stdout, W, "payload inspect --show-secrets");

  /* backup memory (MP2): the list and the OSBK file hold the data */
  bk = work_file (ctx, "backup.json", NULL, 0, BK);
  bkbin = work_file (ctx, "backup.bin", NULL, 0, BK);
  bk2 = work_file (ctx, "backup-export.json", NULL, 0, BK);
  run (ctx, 0, 0, NULL, "backup", "new", "--memory", "tamp", "--chip", "stm32mp25", "--out", bk, NULL);
  run (ctx, 0, 0, hexdata, "backup", "add", bk, "--hex", "-", "--label", "device key", NULL);
  run (ctx, 0, 0, NULL, "backup", "list", bk, NULL);
  run (ctx, 0, 0, NULL, "--json", "backup", "list", bk, NULL);
  run (ctx, 0, 0, NULL, "backup", "check", bk, NULL);
  run (ctx, 0, 0, NULL, "backup", "build", bk, "--out", bkbin, NULL);
  run (ctx, 0, 0, NULL, "backup", "show", bkbin, NULL);
  run (ctx, 0, 0, NULL, "backup", "export", bk, "--out", bk2, "--format", "json", NULL);
  run (ctx, 0, BK, NULL, "backup", "show", bkbin, "--show-secrets", NULL);
  assert_shows (ctx, ctx->last_stdout, BK, "backup show --show-secrets");

  /* image signing with the encrypted key: the image holds no private part */
  {
    guint8 payload[4096];
    for (guint i = 0; i < sizeof payload; i++)
      payload[i] = (guint8) (i * 7 + 3);
    fw = work_file (ctx, "fsbl.bin", payload, sizeof payload, 0);
  }
  signed_img = work_file (ctx, "fsbl-signed.stm32", NULL, 0, 0);
  run (ctx, 0, 0, NULL, "image", "sign", "--in", fw, "--raw", "--chip", "stm32mp15", "--key", pem,
       "--password-file", pwfile, "--pubkey", pub, "--entry-point", "0x2FFC2500", "--out", signed_img, NULL);
  run (ctx, 0, 0, NULL, "--json", "image", "verify", signed_img, NULL);

  /* project: secrets by reference, never inline */
  proj = work_file (ctx, "product.openssp", NULL, 0, 0);
  run (ctx, 0, 0, NULL, "project", "new", "--chip", "stm32mp15", proj, NULL);
  run (ctx, 0, 0, NULL, "project", "set", proj, "payload.key", keyf, NULL);
  run (ctx, 0, 0, NULL, "project", "set", proj, "payload.nonce", noncef, NULL);
  run (ctx, 0, 0, NULL, "project", "show", proj, NULL);
  run (ctx, 0, 0, NULL, "project", "check", proj, NULL);

  /* HSM: personalisation (public root key), then the OEM key and nonce go
   * into the card, whose state file is the only place that holds them */
  {
    /* the P-256 base point: a valid public key to stand for a root key */
    static const char *g_hex = "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
                               "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5";
    g_autofree char *perso = work_file (ctx, "perso.ospd", NULL, 0, 0);
    g_autofree char *card = work_file (ctx, "card.json", NULL, 0, K | N);

    run (ctx, 0, 0, NULL, "hsm", "perso", "-p", "5000200A", "-k", g_hex, "-o", perso, NULL);
    run (ctx, 0, 0, NULL, "hsm", "perso-info", perso, NULL);
    run (ctx, 0, 0, NULL, "--yes", "hsm", "provision", "--sim", card, "--perso", perso, "--key", keyf,
         "--nonce", noncef, "--firmware-id", "SSP_MPU", "--max", "5", NULL);
    run (ctx, 0, 0, NULL, "--json", "hsm", "info", "--sim", card, NULL);
  }

  /* live provisioning of a simulated chip with the example set-up: the
   * plan is decrypted (--key/--nonce) but masked; the audit log holds no
   * secret; the demo's own files and the chip (its state file) hold them */
  {
    g_autofree char *demo = g_build_filename (ctx->dir, "demo", NULL);
    g_autofree char *dk = g_build_filename (demo, "stm32mp15", "oem-key.bin", NULL);
    g_autofree char *dn = g_build_filename (demo, "stm32mp15", "oem-nonce.bin", NULL);
    g_autofree char *ds = g_build_filename (demo, "stm32mp15", "secrets.bin", NULL);
    g_autofree char *board = work_file (ctx, "board.json", NULL, 0, 0);
    g_autofree char *audit = work_file (ctx, "audit.jsonl", NULL, 0, 0);
    g_autofree guint8 *d1 = NULL, *d2 = NULL, *d3 = NULL;
    gsize l1, l2, l3;
    guint DK, DN, DS, DEMO;

    run (ctx, 0, 0, NULL, "--yes", "provision", "--demo", "--demo-dir", demo, "--preflight-only", NULL);
    d1 = read_file (dk, &l1);
    d2 = read_file (dn, &l2);
    d3 = read_file (ds, &l3);
    g_assert_cmpuint (l1, ==, 16);
    g_assert_cmpuint (l3, >=, 28);
    DK = add_secret (ctx, "demo OEM key", d1, 16, FALSE);
    DN = add_secret (ctx, "demo nonce", d2, 12, FALSE);
    DS = add_secret (ctx, "demo secret words", d3 + 4, 24, TRUE);
    DEMO = DK | DN | DS;
    /* the set-up's own files hold them (key, nonce, secret file and list,
     * the soft-HSM card); the encrypted payload and the firmware do not */
    {
      const char *holders[] = { "stm32mp15/oem-key.bin", "stm32mp15/oem-nonce.bin", "stm32mp15/secrets.bin",
                                "stm32mp15/secrets.otp.json", "hsm.json", NULL };
      for (guint i = 0; holders[i]; i++)
        {
          g_autofree char *h = g_build_filename (demo, holders[i], NULL);
          holds (ctx, h, DEMO);
        }
    }
    holds (ctx, board, DS);   /* the simulated chip burnt them */
    run (ctx, 0, 0, NULL, "--yes", "provision", "--demo", "--demo-dir", demo, "--port", "sim", "--sim-state",
         board, "--sim-baud", "0", "--audit", audit, NULL);
    run (ctx, 0, 0, NULL, "--json", "audit", "verify", audit, NULL);
    run (ctx, 0, 0, NULL, "audit", "show", audit, NULL);
  }

  /* a failure path: a wrong password says so without echoing it */
  {
    g_autofree char *bad = work_file (ctx, "bad-pw.txt", (const guint8 *) "wrong\n", 6, 0);
    g_autofree char *out2 = work_file (ctx, "never.stm32", NULL, 0, 0);
    run (ctx, 9, 0, NULL, "image", "sign", "--in", fw, "--raw", "--chip", "stm32mp15", "--key", pem,
         "--password-file", bad, "--entry-point", "0x2FFC2500", "--out", out2, NULL);
  }

  /* every file left in the work folder, including anything under $HOME,
   * $TMPDIR and the key folders */
  scan_tree (ctx, ctx->dir);
  g_test_message ("%u CLI runs, %u secrets in %u spellings each or more; free-scan %s", ctx->runs,
                  ctx->secrets->len, ((Secret *) g_ptr_array_index (ctx->secrets, 0))->forms->len,
                  free_scan_module () ? "on" : "off (sanitizer/valgrind build)");
  (void) SC;
  (void) N;
}

/* ---- not dumpable while waiting for a password --------------------------- */

typedef struct {
  GPid pid;
  int  master;
} PtyChild;

/* Starts @argv on a new pty as its controlling terminal (so /dev/tty works). */
static PtyChild
spawn_on_pty (char **argv, char **envp)
{
  PtyChild c = { 0, -1 };
  char *slave_name;

  c.master = posix_openpt (O_RDWR | O_NOCTTY | O_CLOEXEC);
  g_assert_cmpint (c.master, >=, 0);
  g_assert_cmpint (grantpt (c.master), ==, 0);
  g_assert_cmpint (unlockpt (c.master), ==, 0);
  slave_name = ptsname (c.master);
  g_assert_nonnull (slave_name);
  c.pid = fork ();
  g_assert_cmpint (c.pid, >=, 0);
  if (c.pid == 0)
    {
      int s;
      setsid ();
      s = open (slave_name, O_RDWR);
      if (s < 0 || ioctl (s, TIOCSCTTY, 0) < 0)
        _exit (126);
      dup2 (s, 0);
      dup2 (s, 1);
      dup2 (s, 2);
      if (s > 2)
        close (s);
      execve (argv[0], argv, envp);
      _exit (127);
    }
  return c;
}

/* Reads the pty until @text shows and the terminal's echo is off (the CLI
 * turns it off after printing the prompt; TCSAFLUSH drops earlier input). */
static gboolean
wait_prompt (int master, const char *text, GString *seen)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      struct termios t;
      char buf[256];
      fd_set fds;
      struct timeval tv = { 0, 50000 };

      FD_ZERO (&fds);
      FD_SET (master, &fds);
      if (select (master + 1, &fds, NULL, NULL, &tv) > 0)
        {
          ssize_t n = read (master, buf, sizeof buf);
          if (n <= 0)
            return FALSE;
          g_string_append_len (seen, buf, n);
        }
      if (strstr (seen->str, text) && tcgetattr (master, &t) == 0 && !(t.c_lflag & ECHO))
        return TRUE;
    }
  return FALSE;
}

/* Owner of /proc/PID (root when the process is not dumpable) and its real uid. */
static void
proc_owner (GPid pid, uid_t *owner, uid_t *real_uid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", (int) pid);
  g_autofree char *status = NULL;
  struct stat st;
  const char *u;

  g_assert_cmpint (stat (path, &st), ==, 0);
  *owner = st.st_uid;
  g_assert_true (g_file_get_contents (path, &status, NULL, NULL));
  u = strstr (status, "\nUid:");
  g_assert_nonnull (u);
  *real_uid = (uid_t) strtoul (u + 5, NULL, 10);
}

/* Runs @argv as "nobody" (through setpriv) when we are root, so that the
 * owner of /proc/PID tells dumpable (the user) from not dumpable (root). */
static char **
as_unprivileged (const char * const *argv, uid_t *uid)
{
  GPtrArray *a = g_ptr_array_new ();

  if (getuid () == 0)
    {
      g_ptr_array_add (a, g_find_program_in_path ("setpriv"));
      g_ptr_array_add (a, g_strdup ("--reuid=65534"));
      g_ptr_array_add (a, g_strdup ("--regid=65534"));
      g_ptr_array_add (a, g_strdup ("--clear-groups"));
      g_ptr_array_add (a, g_strdup ("--"));
      *uid = 65534;
    }
  else
    *uid = getuid ();
  for (guint i = 0; argv[i]; i++)
    g_ptr_array_add (a, g_strdup (argv[i]));
  g_ptr_array_add (a, NULL);
  return (char **) g_ptr_array_free (a, FALSE);
}

static void
test_not_dumpable (void)
{
  g_autoptr(Ctx) ctx = NULL;
  g_autofree char *out = NULL, *sleep_path = g_find_program_in_path ("sleep");
  g_auto(GStrv) env = NULL;
  g_auto(GStrv) argv = NULL, control = NULL;
  g_autoptr(GString) seen = g_string_new (NULL);
  const char *cli = g_getenv ("OPENSSP_CLI");
  const char *so = free_scan_module ();
  uid_t uid, owner, real;
  PtyChild c;
  int status;

  if (getuid () == 0 && !ossp_test_have_program ("setpriv"))
    {
      g_test_skip ("running as root without setpriv: /proc ownership would not tell");
      return;
    }
  ctx = ctx_new ();
  /* "nobody" must be able to write the keys */
  g_chmod (ctx->dir, 0777);
  {
    g_autofree char *top = g_path_get_dirname (ctx->dir);
    g_chmod (top, 0711);
  }
  add_secret (ctx, "password", (const guint8 *) PASSWORD, strlen (PASSWORD), FALSE);
  free_scan_selftest (ctx);
  out = g_build_filename (ctx->dir, "keys", NULL);

  env = g_get_environ ();
  env = g_environ_setenv (env, "G_SLICE", "always-malloc", TRUE);
  env = g_environ_setenv (env, "G_MESSAGES_DEBUG", "all", TRUE);
  if (so)
    {
      g_autofree char *list = secrets_hex_list (ctx);
      /* the CLI runs as "nobody": let it append to the findings log */
      g_assert_true (g_file_set_contents (ctx->scan_log, "", 0, NULL));
      g_chmod (ctx->scan_log, 0666);
      env = g_environ_setenv (env, "LD_PRELOAD", so, TRUE);
      env = g_environ_setenv (env, "OSSP_SCAN_SECRETS", list, TRUE);
      env = g_environ_setenv (env, "OSSP_SCAN_LOG", ctx->scan_log, TRUE);
    }

  /* control: a dumpable process of the same user owns its /proc entry */
  {
    const char *cargv[] = { sleep_path, "30", NULL };
    GPid p;
    gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
    control = as_unprivileged (cargv, &uid);
    p = fork ();
    if (p == 0)
      {
        execv (control[0], control);
        _exit (127);
      }
    /* wait until setpriv has become sleep */
    do
      {
        g_autofree char *comm = NULL;
        g_autofree char *cp = g_strdup_printf ("/proc/%d/comm", (int) p);
        if (g_file_get_contents (cp, &comm, NULL, NULL) && g_str_has_prefix (comm, "sleep"))
          break;
        g_usleep (10000);
      }
    while (g_get_monotonic_time () < deadline);
    proc_owner (p, &owner, &real);
    kill (p, SIGKILL);
    waitpid (p, NULL, 0);
    g_assert_cmpuint (real, ==, uid);
    g_assert_cmpuint (owner, ==, uid);
  }

  /* the CLI, waiting on its password prompt */
  {
    const char *cargv[] = { cli, "keys", "generate", "-c", "stm32mp15", "-o", out, NULL };
    argv = as_unprivileged (cargv, &uid);
  }
  c = spawn_on_pty (argv, env);
  if (!wait_prompt (c.master, "assword", seen))
    g_error ("no password prompt; the pty showed: %s", seen->str);
  proc_owner (c.pid, &owner, &real);
  g_test_message ("CLI pid %d: real uid %u, /proc owner %u", (int) c.pid, real, owner);
  g_assert_cmpuint (real, ==, uid);
  g_assert_cmpuint (owner, ==, 0);
  g_assert_cmpuint (owner, !=, uid);

  /* then the password, twice, and it finishes normally */
  g_assert_cmpint (write (c.master, PASSWORD "\n", strlen (PASSWORD) + 1), ==, (int) strlen (PASSWORD) + 1);
  g_string_truncate (seen, 0);
  if (!wait_prompt (c.master, "Repeat", seen))
    g_error ("no second prompt; the pty showed: %s", seen->str);
  g_assert_cmpint (write (c.master, PASSWORD "\n", strlen (PASSWORD) + 1), ==, (int) strlen (PASSWORD) + 1);
  {
    char buf[512];
    ssize_t n;
    g_string_truncate (seen, 0);
    while ((n = read (c.master, buf, sizeof buf)) > 0)
      g_string_append_len (seen, buf, n);
  }
  g_assert_cmpint (waitpid (c.pid, &status, 0), ==, c.pid);
  close (c.master);
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    g_error ("keys generate on a pty failed (%d): %s", status, seen->str);
  scan (ctx, "the terminal", (const guint8 *) seen->str, seen->len, 0);
  {
    /* STM32MP15: one key pair, KeyGen_CLI's v1.0 names */
    g_autofree char *pem = g_build_filename (out, "privateKey.pem", NULL);
    struct stat st;
    g_assert_cmpint (stat (pem, &st), ==, 0);
    g_assert_cmpuint (st.st_uid, ==, uid);
    g_assert_cmpuint (st.st_mode & 0777, ==, 0600);
  }
  /* the typed password never stayed in freed memory (stdio's buffer included) */
  check_free_scan (ctx, "keys generate with a prompted password");
}

/* ---- every command is known to this test ----------------------------------- */

/* Commands that handle no secret, and why. Anything else must be exercised
 * by test_no_secret_in_output above. */
static const char *secret_free_commands[] = {
  "chip",      /* public OTP maps */
  "explain",   /* error catalogue */
  "doctor",    /* station checks: readers, devices, permissions and file names,
                * never file contents */
  "sim",       /* the simulated chip: showing its fuses is what it is for (a test
                * bench, never given production secrets) */
  "doctor",    /* looks at the machine (readers, devices, permissions), reads no secret */
  NULL
};
static const char *secret_commands[] = {
  "keys", "random", "otp", "payload", "backup", "image", "project", "hsm", "provision", "audit", NULL
};

static void
test_every_command_classified (void)
{
  g_autoptr(Ctx) ctx = ctx_new ();
  g_autoptr(GSubprocessLauncher) l = launcher_new (ctx, G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GSubprocess) p = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;
  gboolean in_commands = FALSE;

  p = g_subprocess_launcher_spawn (l, &error, g_getenv ("OPENSSP_CLI"), "--help", NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (p, NULL, NULL, &out, NULL, &error));
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      g_auto(GStrv) w = NULL;
      if (g_str_has_prefix (lines[i], "Commands:"))
        {
          in_commands = TRUE;
          continue;
        }
      if (!in_commands)
        continue;
      if (lines[i][0] != ' ')
        break;
      w = g_strsplit_set (g_strstrip (lines[i]), " ", 2);
      if (!w[0] || !*w[0])
        continue;
      if (g_hash_table_contains (seen, w[0]))
        g_error ("`openssp --help` lists %s twice", w[0]);
      g_hash_table_add (seen, g_strdup (w[0]));
      if (!g_strv_contains (secret_free_commands, w[0]) && !g_strv_contains (secret_commands, w[0]))
        g_error ("command %s is new: exercise it in test_no_secret_in_output (or list it as "
                 "secret-free, with the reason)", w[0]);
    }
  g_assert_cmpuint (g_hash_table_size (seen), >=, 8);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli-secrets/every-command-classified", test_every_command_classified);
  g_test_add_func ("/cli-secrets/not-dumpable", test_not_dumpable);
  g_test_add_func ("/cli-secrets/no-secret-in-output", test_no_secret_in_output);
  return g_test_run ();
}
