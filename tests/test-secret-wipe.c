/* test-secret-wipe.c — key, nonce, password, private-key and decrypted-secret
 * buffers are wiped after use
 *
 * Two views, neither reads freed memory:
 *  - the wipe hooks of ossp-util (one just before the zeroing, one after)
 *    say which wiped buffers held a known secret and prove they are zero;
 *  - this test is linked with -Wl,--wrap=g_free,--wrap=free: every g_free()
 *    and free() made by OUR code (libopenssp is a static library, so its
 *    calls are wrapped too) looks at the still-allocated block first and
 *    counts it if it still holds a known secret ("freed without a wipe").
 * Frees made inside GLib/GnuTLS themselves are not visible this way; the
 * secrets those libraries copy are out of our hands.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define _GNU_SOURCE
#include <execinfo.h>
#include <malloc.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/abstract.h>

#include "ossp-payload-test-helper.h"

#define MAX_PATTERNS 8

typedef struct {
  const char *name;
  guint8      data[64];
  gsize       len;
  guint       wiped;        /* wipes of a buffer that held it */
  guint       freed_unwiped;
} Pattern;

static Pattern patterns[MAX_PATTERNS];
static guint n_patterns;
static GHashTable *held;     /* buffers seen holding a secret just before a wipe */
static guint not_zero;       /* wiped buffers that were not zero afterwards */
static gboolean checking;

static void
watch (const char *name, const guint8 *data, gsize len)
{
  Pattern *p = &patterns[n_patterns++];

  g_assert_cmpuint (n_patterns, <=, MAX_PATTERNS);
  g_assert_cmpuint (len, >=, 8);   /* long enough never to match by chance */
  g_assert_cmpuint (len, <=, sizeof p->data);
  p->name = name;
  memcpy (p->data, data, len);
  p->len = len;
}

static void
prewipe (gconstpointer data, gsize len, gpointer user_data)
{
  for (guint i = 0; i < n_patterns; i++)
    if (memmem (data, len, patterns[i].data, patterns[i].len))
      {
        patterns[i].wiped++;
        g_hash_table_add (held, (gpointer) data);
      }
}

static void
postwipe (gconstpointer data, gsize len, gpointer user_data)
{
  const guint8 *p = data;

  if (!g_hash_table_remove (held, data))
    return;
  for (gsize i = 0; i < len; i++)
    if (p[i] != 0)
      {
        not_zero++;
        break;
      }
}

/* a block about to be freed by our code: does it still hold a secret? */
static void
inspect_free (void *block)
{
  gsize size;

  if (!checking || block == NULL)
    return;
  size = malloc_usable_size (block);
  for (guint i = 0; i < n_patterns; i++)
    if (memmem (block, size, patterns[i].data, patterns[i].len))
      {
        void *frames[16];
        int n = backtrace (frames, G_N_ELEMENTS (frames));

        patterns[i].freed_unwiped++;
        /* where: for whoever has to fix it (addr2line on the offsets) */
        g_printerr ("# %s freed without a wipe (%" G_GSIZE_FORMAT "-byte block) at:\n",
                    patterns[i].name, size);
        backtrace_symbols_fd (frames, n, STDERR_FILENO);
      }
}

void __real_g_free (gpointer mem);
void __wrap_g_free (gpointer mem);
void __real_free (void *mem);
void __wrap_free (void *mem);

void
__wrap_g_free (gpointer mem)
{
  inspect_free (mem);
  __real_g_free (mem);
}

void
__wrap_free (void *mem)
{
  inspect_free (mem);
  __real_free (mem);
}

static void
start (void)
{
  n_patterns = 0;
  not_zero = 0;
  memset (patterns, 0, sizeof patterns);
  held = g_hash_table_new (NULL, NULL);
  ossp_secure_set_prewipe_hook (prewipe, NULL);
  ossp_secure_set_wipe_hook (postwipe, NULL);
}

static void
begin_checking (void)
{
  checking = TRUE;
}

/* Every watched secret was wiped at least once, every wiped copy is zero,
 * and no block our code freed still held one. */
static void
finish (void)
{
  checking = FALSE;
  ossp_secure_set_prewipe_hook (NULL, NULL);
  ossp_secure_set_wipe_hook (NULL, NULL);
  g_clear_pointer (&held, g_hash_table_unref);
  for (guint i = 0; i < n_patterns; i++)
    {
      g_test_message ("%s: %u wiped copies, %u freed unwiped", patterns[i].name,
                      patterns[i].wiped, patterns[i].freed_unwiped);
      if (patterns[i].wiped == 0)
        g_error ("%s: no buffer holding it was ever wiped", patterns[i].name);
      if (patterns[i].freed_unwiped != 0)
        g_error ("%s: %u block(s) freed while still holding it", patterns[i].name,
                 patterns[i].freed_unwiped);
    }
  g_assert_cmpuint (not_zero, ==, 0);
}

/* ---- payload build and inspect (key, nonce, secret words) ---------------- */

static void
watch_payload_inputs (OsspPayloadFixture *fx)
{
  gsize len;
  const guint8 *secret = g_bytes_get_data (fx->secret_bytes, &len);

  watch ("encryption key", fx->key_data, 16);
  watch ("nonce", fx->nonce_data, 12);
  /* words 59+3..59+6 of the MP1 secret file */
  g_assert_cmpuint (len, >=, 28);
  watch ("secret words", secret + 12, 16);
}

static void
test_payload_build (void)
{
  g_autoptr(OsspPayloadFixture) fx = ossp_payload_fixture_new ("stm32mp15");
  g_autoptr(GError) error = NULL;

  start ();
  watch_payload_inputs (fx);
  begin_checking ();
  {
    g_autoptr(OsspPayload) payload = ossp_payload_fixture_load (fx);
    g_autoptr(GBytes) built = ossp_payload_build (payload, &error);

    g_assert_no_error (error);
    g_assert_nonnull (built);
    g_assert_true (ossp_payload_save (payload, fx->out, OSSP_WRITE_FLAGS_NONE, &error));
    g_assert_no_error (error);
  }
  finish ();
}

static void
test_payload_inspect (void)
{
  g_autoptr(OsspPayloadFixture) fx = ossp_payload_fixture_new ("stm32mp15");
  g_autoptr(GError) error = NULL;

  {
    g_autoptr(OsspPayload) payload = ossp_payload_fixture_load (fx);
    g_autoptr(GBytes) built = ossp_payload_build (payload, &error);

    g_assert_no_error (error);
    g_assert_nonnull (built);
    g_assert_true (ossp_payload_save (payload, fx->out, OSSP_WRITE_FLAGS_NONE, &error));
    g_assert_no_error (error);
  }
  start ();
  watch_payload_inputs (fx);
  begin_checking ();
  {
    g_autoptr(OsspPayload) read = ossp_payload_new_from_file (fx->out, &error);
    g_autoptr(JsonNode) report = NULL;

    g_assert_no_error (error);
    g_assert_true (ossp_payload_load_key (read, fx->key, &error));
    g_assert_true (ossp_payload_load_nonce (read, fx->nonce, &error));
    g_assert_true (ossp_payload_decrypt (read, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (ossp_payload_get_plan (read)->len, >, 0);
    /* the report without secrets: what `payload inspect` prints by default */
    report = ossp_payload_to_json (read, FALSE);
    g_assert_nonnull (report);
  }
  finish ();
}

/* ---- private keys and their passwords ------------------------------------ */

#define PASSWORD "correct horse battery staple 42"

/* The private scalar, read once through GnuTLS before checking starts. */
static void
watch_private_scalar (OsspKeyPair *kp)
{
  gnutls_datum_t x = { 0 }, y = { 0 }, k = { 0 };
  gnutls_ecc_curve_t curve;
  guint8 scalar[32] = { 0 };

  g_assert_cmpint (gnutls_privkey_export_ecc_raw2 (ossp_key_pair_get_privkey (kp), &curve, &x, &y, &k,
                                                   GNUTLS_EXPORT_FLAG_NO_LZ), ==, 0);
  g_assert_cmpuint (k.size, <=, 32);
  memcpy (scalar + 32 - k.size, k.data, k.size);
  watch ("private key scalar", scalar + 32 - k.size, k.size);
  gnutls_memset (k.data, 0, k.size);
  gnutls_free (x.data);
  gnutls_free (y.data);
  gnutls_free (k.data);
}

static void
test_key_save_and_load (void)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "privateKey00.pem", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspKeyPair) kp = ossp_key_pair_generate (OSSP_CURVE_P256, &error);

  g_assert_no_error (error);
  start ();
  watch ("password", (const guint8 *) PASSWORD, strlen (PASSWORD));
  watch_private_scalar (kp);
  begin_checking ();
  {
    /* save: the PEM is encrypted with the password (docs/keys.md) */
    char *password = ossp_secure_strdup (PASSWORD);
    g_assert_true (ossp_key_pair_save_private (kp, path, password, OSSP_WRITE_FLAGS_NONE, &error));
    g_assert_no_error (error);
    ossp_secure_strfree (password);
  }
  g_clear_object (&kp);
  {
    /* load: decrypts the PEM into the scalar again */
    char *password = ossp_secure_strdup (PASSWORD);
    g_autoptr(OsspKeyPair) back = ossp_key_pair_load_private (path, password, &error);

    g_assert_no_error (error);
    g_assert_true (ossp_key_pair_has_private (back));
    ossp_secure_strfree (password);
  }
  {
    /* a wrong password fails cleanly and is wiped as well */
    char *password = ossp_secure_strdup (PASSWORD "x");
    g_autoptr(OsspKeyPair) none = ossp_key_pair_load_private (path, password, &error);

    g_assert_null (none);
    g_assert_error (error, OSSP_ERROR, OSSP_ERROR_BAD_PASSWORD);
    g_clear_error (&error);
    ossp_secure_strfree (password);
  }
  finish ();
}

/* ---- OTP secret file ------------------------------------------------------ */

static void
test_otp_secret_save (void)
{
  static const guint8 key[16] = { 0x5e, 0xc2, 0xe7, 0x4b, 0x01, 0x9a, 0x33, 0xd7,
                                  0x6c, 0x42, 0x8f, 0xe1, 0x27, 0xb5, 0x90, 0x0d };
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *bin = g_build_filename (dir, "otp-secrets.bin", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspChip) chip = ossp_chip_new ("stm32mp25", &error);

  g_assert_no_error (error);
  start ();
  watch ("OTP key words", key, sizeof key);
  begin_checking ();
  {
    g_autoptr(OsspOtpSecret) secret = ossp_otp_secret_new (chip);
    g_autoptr(OsspOtpSecret) back = NULL;

    /* EDMK2, OTP 360..363 (the payload fixture's words) */
    g_assert_true (ossp_otp_secret_set_key (secret, 360, key, sizeof key, OSSP_WORD_FORMAT_2, TRUE,
                                            "EDMK", &error));
    g_assert_no_error (error);
    g_assert_true (ossp_otp_secret_save (secret, bin, OSSP_WRITE_FLAGS_NONE, &error));
    g_assert_no_error (error);
    back = ossp_otp_secret_load (chip, bin, &error);
    g_assert_no_error (error);
    g_assert_nonnull (back);
  }
  finish ();
}

/* ---- MP25: OSOT secret file and OSBK backup data inside the payload ------ */

static void
test_payload_build_mp25 (void)
{
  g_autoptr(OsspPayloadFixture) fx = ossp_payload_fixture_new ("stm32mp25");
  g_autoptr(GError) error = NULL;
  guint8 edmk[24] = { 0 }, tamp[16];

  /* the fixture's first two EDMK2 entries of the OSOT file (OTP 360, 361:
   * u16 word, u16 flags 1, u32 value, u32 reserved) and its first TAMP entry */
  for (guint i = 0; i < 2; i++)
    {
      ossp_write_le16 (edmk + 12 * i, (guint16) (360 + i));
      ossp_write_le16 (edmk + 12 * i + 2, 1);
      ossp_write_le32 (edmk + 12 * i + 4, 0xA0A0A0A0u + i);
    }
  for (guint i = 0; i < 16; i++)
    tamp[i] = (guint8) (0x40 + i);
  start ();
  watch ("encryption key", fx->key_data, 16);
  watch ("OSOT key entries", edmk, sizeof edmk);
  watch ("backup register data", tamp, sizeof tamp);
  begin_checking ();
  {
    g_autoptr(OsspPayload) payload = ossp_payload_fixture_load (fx);
    g_autoptr(GBytes) built = ossp_payload_build (payload, &error);
    g_autoptr(OsspPayload) read = NULL;

    g_assert_no_error (error);
    read = ossp_payload_new_from_bytes (built, &error);
    g_assert_no_error (error);
    g_assert_true (ossp_payload_set_key (read, fx->key_data, 16, &error));
    g_assert_true (ossp_payload_set_nonce (read, fx->nonce_data, 16, &error));
    g_assert_true (ossp_payload_decrypt (read, &error));
    g_assert_no_error (error);
  }
  finish ();
}

/* ---- the detector itself: a plain free of a secret is caught ------------- */

static void
test_detector (void)
{
  static const guint8 s[16] = "0123456789abcdef";
  guint8 *plain, *secure;

  start ();
  watch ("test secret", s, sizeof s);
  begin_checking ();
  plain = g_memdup2 (s, sizeof s);
  g_free (plain);
  secure = ossp_secure_alloc (sizeof s);
  memcpy (secure, s, sizeof s);
  ossp_secure_free (secure, sizeof s);
  checking = FALSE;
  g_assert_cmpuint (patterns[0].freed_unwiped, ==, 1);
  g_assert_cmpuint (patterns[0].wiped, ==, 1);
  g_assert_cmpuint (not_zero, ==, 0);
  patterns[0].freed_unwiped = 0;
  finish ();
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/secret-wipe/detector", test_detector);
  g_test_add_func ("/secret-wipe/payload-build", test_payload_build);
  g_test_add_func ("/secret-wipe/payload-build-mp25", test_payload_build_mp25);
  g_test_add_func ("/secret-wipe/payload-inspect", test_payload_inspect);
  g_test_add_func ("/secret-wipe/key-save-load", test_key_save_and_load);
  g_test_add_func ("/secret-wipe/otp-secret-save", test_otp_secret_save);
  return g_test_run ();
}
