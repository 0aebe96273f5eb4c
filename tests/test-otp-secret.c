/* test-otp-secret.c — OsspOtpSecret: list model, typed helpers, validation,
 * MP1/MP2 secret files byte-exact, JSON list, burn plan
 *
 * Expected bytes are written out by hand from payload.md §3.2/§5.1 and
 * keys.md §6, never produced by the code under test.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gstdio.h>
#include <sys/stat.h>

#include "ossp-test-helper.h"

static OsspChip *
chip (const char *id)
{
  g_autoptr(GError) error = NULL;
  OsspChip *c = ossp_chip_new (id, &error);
  g_assert_no_error (error);
  return c;
}

static GBytes *
hex_bytes (const char *hex)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) clean = g_string_new (NULL);
  gsize len = 0;
  guint8 *data;

  for (const char *p = hex; *p; p++)
    if (g_ascii_isxdigit (*p))
      g_string_append_c (clean, *p);
  data = ossp_hex_decode (clean->str, &len, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (data, len);
}

static void
assert_bytes_equal (GBytes *got,
                    GBytes *want)
{
  if (!g_bytes_equal (got, want))
    {
      g_autofree char *a = ossp_hex_encode (g_bytes_get_data (got, NULL), g_bytes_get_size (got));
      g_autofree char *b = ossp_hex_encode (g_bytes_get_data (want, NULL), g_bytes_get_size (want));
      g_error ("bytes differ\n got: %s\nwant: %s", a, b);
    }
}

static const OsspOtpProblem *
find_problem (GPtrArray  *problems,
              gint        word,
              const char *code)
{
  for (guint i = 0; i < problems->len; i++)
    {
      const OsspOtpProblem *p = g_ptr_array_index (problems, i);
      if (p->word == word && g_str_equal (p->code, code))
        return p;
    }
  return NULL;
}

static void
assert_problem (OsspOtpSecret  *s,
                gint            word,
                const char     *code,
                OsspOtpSeverity severity)
{
  g_autoptr(GPtrArray) problems = ossp_otp_secret_validate (s);
  const OsspOtpProblem *p = find_problem (problems, word, code);

  if (p == NULL)
    g_error ("expected problem %s at word %d", code, word);
  g_assert_cmpint (p->severity, ==, severity);
  g_assert_cmpuint (strlen (p->message), >, 20);
}

static void
assert_no_problem (OsspOtpSecret *s,
                   gint           word,
                   const char    *code)
{
  g_autoptr(GPtrArray) problems = ossp_otp_secret_validate (s);
  const OsspOtpProblem *p = find_problem (problems, word, code);

  if (p != NULL)
    g_error ("unexpected problem %s at word %d: %s", code, word, p->message);
}

static void
set (OsspOtpSecret *s, guint word, guint32 value, gboolean lock)
{
  g_autoptr(GError) error = NULL;
  ossp_otp_secret_set_word (s, word, value, lock, NULL, &error);
  g_assert_no_error (error);
}

/* ------------------------------------------------------------ list model */

typedef struct { guint pos, removed, added; } Change;

static void
record_change (GListModel *model, guint pos, guint removed, guint added, GArray *log)
{
  Change c = { pos, removed, added };
  /* the model must already be consistent when the signal runs */
  g_assert_cmpuint (g_list_model_get_n_items (model), >=, pos + added);
  g_array_append_val (log, c);
}

static void
assert_change (GArray *log, guint i, guint pos, guint removed, guint added)
{
  Change *c;
  g_assert_cmpuint (log->len, >, i);
  c = &g_array_index (log, Change, i);
  g_assert_cmpuint (c->pos, ==, pos);
  g_assert_cmpuint (c->removed, ==, removed);
  g_assert_cmpuint (c->added, ==, added);
}

static void
assert_words (OsspOtpSecret *s, const guint *words, guint n)
{
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (s)), ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(OsspOtpItem) item = g_list_model_get_item (G_LIST_MODEL (s), i);
      g_assert_cmpuint (ossp_otp_item_get_word (item), ==, words[i]);
    }
}

static void
test_model_sorted_items_changed (void)
{
  g_autoptr(OsspChip) c = chip ("stm32mp15");
  g_autoptr(OsspOtpSecret) s = ossp_otp_secret_new (c);
  g_autoptr(GArray) log = g_array_new (FALSE, FALSE, sizeof (Change));
  guint8 key[16] = { 0 };

  g_signal_connect (s, "items-changed", G_CALLBACK (record_change), log);
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (s)) == OSSP_TYPE_OTP_ITEM);

  set (s, 70, 7, FALSE);
  set (s, 60, 6, FALSE);
  set (s, 80, 8, FALSE);
  assert_change (log, 0, 0, 0, 1);
  assert_change (log, 1, 0, 0, 1);
  assert_change (log, 2, 2, 0, 1);
  assert_words (s, (guint[]) { 60, 70, 80 }, 3);

  /* one item per word: a second set replaces it in place */
  set (s, 70, 0x77, FALSE);
  assert_change (log, 3, 1, 1, 1);
  assert_words (s, (guint[]) { 60, 70, 80 }, 3);
  g_assert_cmphex (ossp_otp_item_get_value (ossp_otp_secret_lookup (s, 70)), ==, 0x77);

  g_assert_true (ossp_otp_secret_remove_word (s, 60));
  assert_change (log, 4, 0, 1, 0);
  g_assert_false (ossp_otp_secret_remove_word (s, 61));
  g_assert_cmpuint (log->len, ==, 5);
  g_assert_null (ossp_otp_secret_lookup (s, 60));

  /* a 128-bit key: one signal for its four words */
  for (guint i = 0; i < 16; i++)
    key[i] = (guint8) (i + 1);
  g_assert_true (ossp_otp_secret_set_key (s, 64, key, 16, OSSP_WORD_FORMAT_1, FALSE, "k", NULL));
  assert_change (log, 5, 0, 0, 4);
  assert_words (s, (guint[]) { 64, 65, 66, 67, 70, 80 }, 6);
  /* overlapping key: removes 66, 67, 70? no: 66..69 only */
  g_assert_true (ossp_otp_secret_set_key (s, 66, key, 16, OSSP_WORD_FORMAT_1, FALSE, NULL, NULL));
  assert_change (log, 6, 2, 2, 4);
  assert_words (s, (guint[]) { 64, 65, 66, 67, 68, 69, 70, 80 }, 8);

  g_assert_cmpuint (ossp_otp_secret_remove_range (s, 65, 68), ==, 4);
  assert_change (log, 7, 1, 4, 0);
  ossp_otp_secret_clear (s);
  assert_change (log, 8, 0, 4, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (s)), ==, 0);
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (s), 0));
}

static void
test_model_word_limits_and_names (void)
{
  g_autoptr(OsspChip) mp15 = chip ("stm32mp15");
  g_autoptr(OsspChip) mp25 = chip ("stm32mp25");
  g_autoptr(OsspOtpSecret) s = ossp_otp_secret_new (mp25);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) log = g_array_new (FALSE, FALSE, sizeof (Change));

  g_assert_false (ossp_otp_secret_set_word (s, 384, 1, FALSE, NULL, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "0..383"));
  g_clear_error (&error);
  g_assert_false (ossp_otp_secret_set_item (s, 300, 1, 0, 3, NULL, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  set (s, 60, 1, FALSE);
  set (s, 146, 1, TRUE);
  set (s, 300, 2, TRUE);
  g_assert_cmpstr (ossp_otp_item_get_name (ossp_otp_secret_lookup (s, 60)), ==, "LOWER_OTHER");
  g_assert_false (ossp_otp_item_get_lock (ossp_otp_secret_lookup (s, 60)));
  g_assert_cmpstr (ossp_otp_item_get_name (ossp_otp_secret_lookup (s, 146)), ==, "OEM_KEY1_PKHTH[2]");
  g_assert_null (ossp_otp_item_get_name (ossp_otp_secret_lookup (s, 300)));

  /* a chip change renames every item with one signal and keeps values */
  g_signal_connect (s, "items-changed", G_CALLBACK (record_change), log);
  ossp_otp_secret_set_chip (s, mp15);
  assert_change (log, 0, 0, 3, 3);
  g_assert_true (ossp_otp_secret_get_chip (s) == mp15);
  g_assert_cmpstr (ossp_otp_item_get_name (ossp_otp_secret_lookup (s, 60)), ==, "OEM_FREE");
  /* MP1: the firmware locks every programmed word */
  g_assert_true (ossp_otp_item_get_lock (ossp_otp_secret_lookup (s, 60)));
  g_assert_null (ossp_otp_item_get_name (ossp_otp_secret_lookup (s, 146)));
  g_assert_cmphex (ossp_otp_item_get_value (ossp_otp_secret_lookup (s, 300)), ==, 2);
  /* …and validation reports what the new chip cannot hold */
  assert_problem (s, 300, "outside-otp", OSSP_OTP_SEVERITY_ERROR);
  assert_problem (s, 146, "outside-otp", OSSP_OTP_SEVERITY_ERROR);
  assert_no_problem (s, 60, "reserved");
}

/* -------------------------------------------------------- typed helpers */

static void
test_pkhth_format1_order (void)
{
  g_autoptr(OsspChip) c = chip ("stm32mp25");
  g_autoptr(OsspOtpSecret) s = ossp_otp_secret_new (c);
  g_autoptr(GError) error = NULL;
  guint8 hash[32];
  guint first = ossp_chip_get_pkh_first_word (c);

  for (guint i = 0; i < 32; i++)
    hash[i] = (guint8) i;
  hash[0] = 0xa1; hash[1] = 0xb2; hash[2] = 0xc3; hash[3] = 0xd4;
  g_assert_true (ossp_otp_secret_set_pkh_table_hash (s, hash, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (s)), ==, 8);
  /* keys.md §6: hash a1 b2 c3 d4 … gives the first word 0xA1B2C3D4 */
  g_assert_cmphex (ossp_otp_item_get_value (ossp_otp_secret_lookup (s, first)), ==, 0xA1B2C3D4);
  g_assert_cmphex (ossp_otp_item_get_value (ossp_otp_secret_lookup (s, first + 1)), ==, 0x04050607);
  g_assert_cmphex (ossp_otp_item_get_value (ossp_otp_secret_lookup (s, first + 7)), ==, 0x1C1D1E1F);
  g_assert_true (ossp_otp_item_get_lock (ossp_otp_secret_lookup (s, first + 7)));
  g_assert_cmpuint (ossp_otp_item_get_format (ossp_otp_secret_lookup (s, first)), ==, 1);
}

static void
test_key_format2 (void)
{
  g_autoptr(OsspChip) c = chip ("stm32mp25");
  g_autoptr(OsspOtpSecret) s = ossp_otp_secret_new (c);
  g_autoptr(GError) error = NULL;
  /* U-Boot cmd_stm32key.c comment: f9 e8 38 9f → format1 0xf9e8389f, format2 0x9f38e8f9 */
  guint8 key[16] = { 0xf9, 0xe8, 0x38, 0x9f };

  g_assert_true (ossp_otp_secret_set_key (s, 360, key, 16, OSSP_WORD_FORMAT_2, TRUE, NULL, &error));
  g_assert_cmphex (ossp_otp_item_get_value (ossp_otp_secret_lookup (s, 360)), ==, 0x9f38e8f9);
  g_assert_true (ossp_otp_secret_set_key (s, 360, key, 16, OSSP_WORD_FORMAT_1, TRUE, NULL, &error));
  g_assert_cmphex (ossp_otp_item_get_value (ossp_otp_secret_lookup (s, 360)), ==, 0xf9e8389f);

  g_assert_false (ossp_otp_secret_set_key (s, 360, key, 12, OSSP_WORD_FORMAT_1, TRUE, NULL, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  /* 256 bits from word 380 would end at 387: refused, nothing changed */
  g_assert_false (ossp_otp_secret_set_key (s, 380, (guint8[32]) { 0 }, 32, OSSP_WORD_FORMAT_1,
                                           TRUE, NULL, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (s)), ==, 4);
}

static void
test_rma (void)
{
  g_autoptr(OsspChip) mp15 = chip ("stm32mp15");
  g_autoptr(OsspChip) mp13 = chip ("stm32mp13");
  g_autoptr(OsspChip) mp25 = chip ("stm32mp25");
  g_autoptr(OsspOtpSecret) s15 = ossp_otp_secret_new (mp15);
  g_autoptr(OsspOtpSecret) s13 = ossp_otp_secret_new (mp13);
  g_autoptr(OsspOtpSecret) s25 = ossp_otp_secret_new (mp25);
  g_autoptr(GError) error = NULL;
  guint32 v = 0;

  /* MP15 keeps 30 bits (RMA_OTP_MASK): a larger password is refused */
  g_assert_false (ossp_otp_secret_set_rma_password (s15, 0x40000000, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "0x3FFFFFFF"));
  g_clear_error (&error);
  g_assert_false (ossp_otp_secret_get_rma_password (s15, &v));
  g_assert_true (ossp_otp_secret_set_rma_password (s15, 0x3FFFFFFF, &error));
  g_assert_true (ossp_otp_secret_get_rma_password (s15, &v));
  g_assert_cmphex (v, ==, 0x3FFFFFFF);
  g_assert_true (ossp_otp_item_get_lock (ossp_otp_secret_lookup (s15, 56)));

  /* MP13 keeps all 32 bits */
  g_assert_true (ossp_otp_secret_set_rma_password (s13, 0xFFFFFFFF, &error));
  g_assert_no_error (error);
  assert_no_problem (s13, 56, "rma-mask");

  /* MP25: the RMA word is not public */
  g_assert_false (ossp_otp_secret_set_rma_password (s25, 1, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_UNSUPPORTED);
}

static void
test_pkh_refused_on_mp1 (void)
{
  const char *ids[] = { "stm32mp15", "stm32mp13" };

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autoptr(OsspChip) c = chip (ids[i]);
      g_autoptr(OsspOtpSecret) s = ossp_otp_secret_new (c);
      g_autoptr(GError) error = NULL;
      guint8 hash[32] = { 1 };

      g_assert_false (ossp_otp_secret_set_pkh_table_hash (s, hash, &error));
      g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (strstr (error->message, "payload"));
      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (s)), ==, 0);
    }
}

static void
test_mp1_locks_are_firmware_locks (void)
{
  g_autoptr(OsspChip) c = chip ("stm32mp15");
  g_autoptr(OsspOtpSecret) s = ossp_otp_secret_new (c);

  /* ssp-flow.md §8: every programmed word is locked, zero words are not */
  set (s, 60, 5, FALSE);
  set (s, 61, 0, TRUE);
  g_assert_true (ossp_otp_item_get_lock (ossp_otp_secret_lookup (s, 60)));
  g_assert_false (ossp_otp_item_get_lock (ossp_otp_secret_lookup (s, 61)));
  g_assert_false (ossp_chip_has_user_lock_flags (c));
}

/* ------------------------------------------------------------ validation */

static void
test_validate_mp15 (void)
{
  g_autoptr(OsspChip) c = chip ("stm32mp15");
  g_autoptr(OsspOtpSecret) s = ossp_otp_secret_new (c);
  g_autoptr(GError) error = NULL;

  assert_problem (s, -1, "empty", OSSP_OTP_SEVERITY_WARNING);
  assert_problem (s, 56, "rma-missing", OSSP_OTP_SEVERITY_WARNING);

  set (s, 60, 0x12345678, TRUE);
  assert_no_problem (s, -1, "empty");
  assert_no_problem (s, 60, "outside-otp");
  assert_no_problem (s, 60, "pkh-from-payload");
  assert_no_problem (s, 60, "reserved");
  assert_no_problem (s, 60, "not-ssp-writable");

  set (s, 0, 0x40, FALSE);                 /* CFG0: ST */
  set (s, 40, 1, FALSE);                   /* chip certificate area */
  assert_problem (s, 0, "reserved", OSSP_OTP_SEVERITY_ERROR);
  assert_problem (s, 40, "reserved", OSSP_OTP_SEVERITY_ERROR);

  set (s, 57, 0x0080E100, FALSE);          /* MAC */
  set (s, 3, 1, FALSE);                    /* boot config: OEM, but not SSP */
  assert_problem (s, 57, "not-ssp-writable", OSSP_OTP_SEVERITY_ERROR);
  assert_problem (s, 3, "not-ssp-writable", OSSP_OTP_SEVERITY_ERROR);

  set (s, 24, 0xA1B2C3D4, FALSE);          /* PKH comes from the payload on MP1 */
  assert_problem (s, 24, "pkh-from-payload", OSSP_OTP_SEVERITY_ERROR);
  assert_no_problem (s, 24, "partial-value");

  set (s, 59, 0x00011234, FALSE);          /* ST board id */
  assert_problem (s, 59, "st-board-id", OSSP_OTP_SEVERITY_WARNING);
  set (s, 59, 0, FALSE);
  assert_no_problem (s, 59, "st-board-id");
  assert_no_problem (s, 59, "zero-skipped");

  set (s, 56, 0x40000000, FALSE);          /* RMA over 30 bits via set_word */
  assert_problem (s, 56, "rma-mask", OSSP_OTP_SEVERITY_ERROR);
  assert_no_problem (s, 56, "rma-missing");
  g_assert_true (ossp_otp_secret_set_rma_password (s, 0x2AAAAAAA, &error));
  assert_no_problem (s, 56, "rma-mask");

  set (s, 70, 0, FALSE);
  assert_problem (s, 70, "zero-skipped", OSSP_OTP_SEVERITY_WARNING);

  g_assert_true (ossp_otp_secret_set_item (s, 71, 1, OSSP_OTP_ITEM_FLAG_STICKY_READ_LOCK, 0,
                                           NULL, &error));
  assert_problem (s, 71, "flags-not-supported", OSSP_OTP_SEVERITY_ERROR);
  assert_no_problem (s, 60, "flags-not-supported");

  /* every problem at once, sorted by word */
  {
    g_autoptr(GPtrArray) problems = ossp_otp_secret_validate (s);
    gint last = -2;
    g_assert_cmpuint (ossp_otp_problems_count (problems, OSSP_OTP_SEVERITY_ERROR), ==, 6);
    for (guint i = 0; i < problems->len; i++)
      {
        const OsspOtpProblem *p = g_ptr_array_index (problems, i);
        g_assert_cmpint (p->word, >=, last);
        last = p->word;
      }
  }
}

static void
test_validate_mp13 (void)
{
  g_autoptr(OsspChip) c = chip ("stm32mp13");
  g_autoptr(OsspOtpSecret) s = ossp_otp_secret_new (c);
  g_autoptr(GError) error = NULL;
  guint8 key[16];
  const OsspOtpProblem *p;
  g_autoptr(GPtrArray) problems = NULL;

  /* EDMK 92..95: three of four words */
  set (s, 92, 1, TRUE);
  set (s, 93, 2, TRUE);
  set (s, 94, 3, TRUE);
  problems = ossp_otp_secret_validate (s);
  p = find_problem (problems, 92, "partial-value");
  g_assert_nonnull (p);
  g_assert_cmpint (p->severity, ==, OSSP_OTP_SEVERITY_ERROR);
  g_assert_nonnull (strstr (p->message, "3 of 4"));
  g_assert_nonnull (strstr (p->message, "missing 95"));
  memset (key, 0x5a, sizeof key);
  g_assert_true (ossp_otp_secret_set_key (s, 92, key, 16, OSSP_WORD_FORMAT_1, TRUE, NULL, &error));
  assert_no_problem (s, 92, "partial-value");
  assert_no_problem (s, 92, "all-ones");
  memset (key, 0xff, sizeof key);
  g_assert_true (ossp_otp_secret_set_key (s, 92, key, 16, OSSP_WORD_FORMAT_1, TRUE, NULL, &error));
  assert_problem (s, 92, "all-ones", OSSP_OTP_SEVERITY_WARNING);

  /* MP13 ecosystem words: 57/58 MAC refused, 59 MAC warned, 60 board id warned */
  set (s, 57, 1, FALSE);
  set (s, 59, 0x11223344, FALSE);
  set (s, 60, 0x00013331, FALSE);
  assert_problem (s, 57, "not-ssp-writable", OSSP_OTP_SEVERITY_ERROR);
  assert_problem (s, 59, "ecosystem", OSSP_OTP_SEVERITY_WARNING);
  assert_problem (s, 60, "st-board-id", OSSP_OTP_SEVERITY_WARNING);
  assert_no_problem (s, 60, "ecosystem");
  set (s, 61, 0x11223344, FALSE);
  assert_no_problem (s, 61, "ecosystem");

  /* PKHTH words on MP13 are the payload's too */
  set (s, 31, 1, FALSE);
  assert_problem (s, 31, "pkh-from-payload", OSSP_OTP_SEVERITY_ERROR);
}

static void
test_validate_mp25 (void)
{
  g_autoptr(OsspChip) c = chip ("stm32mp25");
  g_autoptr(OsspOtpSecret) s = ossp_otp_secret_new (c);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  guint8 hash[32] = { 0x11 };
  guint8 key[32] = { 0x22 };

  assert_problem (s, 144, "pkhth-missing", OSSP_OTP_SEVERITY_WARNING);
  assert_no_problem (s, 56, "rma-missing");

  /* 5 of 8 PKHTH words */
  for (guint w = 144; w < 149; w++)
    set (s, w, w, TRUE);
  assert_problem (s, 144, "partial-value", OSSP_OTP_SEVERITY_ERROR);
  assert_no_problem (s, 144, "pkhth-missing");
  g_assert_true (ossp_otp_secret_set_pkh_table_hash (s, hash, &error));
  assert_no_problem (s, 144, "partial-value");
  assert_no_problem (s, 144, "pkh-from-payload");   /* MP2: the PKHTH belongs in the file */

  /* lower words are not SSP-writable; a lock there cannot be honoured */
  set (s, 20, 1, TRUE);
  set (s, 21, 1, FALSE);
  problems = ossp_otp_secret_validate (s);
  g_assert_nonnull (find_problem (problems, 20, "not-ssp-writable"));
  g_assert_nonnull (strstr (find_problem (problems, 20, "not-ssp-writable")->message, "lower"));
  g_assert_nonnull (find_problem (problems, 20, "lock-not-allowed"));
  g_assert_null (find_problem (problems, 21, "lock-not-allowed"));
  g_assert_nonnull (find_problem (problems, 21, "reserved"));   /* LOWER_OTHER is ST's */

  set (s, 5, 1, FALSE);                                        /* UID */
  set (s, 370, 1, FALSE);                                      /* ECIES key */
  assert_problem (s, 5, "reserved", OSSP_OTP_SEVERITY_ERROR);
  assert_problem (s, 370, "reserved", OSSP_OTP_SEVERITY_ERROR);
  set (s, 367, 1, TRUE);
  assert_no_problem (s, 367, "reserved");

  g_assert_true (ossp_otp_secret_set_key (s, 260, key, 32, OSSP_WORD_FORMAT_1, FALSE, NULL, &error));
  assert_problem (s, 260, "key-not-locked", OSSP_OTP_SEVERITY_WARNING);
  g_assert_true (ossp_otp_secret_set_key (s, 260, key, 32, OSSP_WORD_FORMAT_1, TRUE, NULL, &error));
  assert_no_problem (s, 260, "key-not-locked");

  set (s, 300, 0, TRUE);
  assert_problem (s, 300, "lock-zero", OSSP_OTP_SEVERITY_WARNING);
  set (s, 300, 0, FALSE);
  assert_no_problem (s, 300, "lock-zero");

  set (s, 246, 0x12345678, FALSE);
  assert_problem (s, 246, "st-board-id", OSSP_OTP_SEVERITY_WARNING);

  /* sticky flags are legal on MP2 */
  g_assert_true (ossp_otp_secret_set_item (s, 301, 1, OSSP_OTP_ITEM_FLAG_STICKY_READ_LOCK, 0, NULL, &error));
  assert_no_problem (s, 301, "flags-not-supported");
}

static void
test_problems_json (void)
{
  g_autoptr(OsspChip) c = chip ("stm32mp15");
  g_autoptr(OsspOtpSecret) s = ossp_otp_secret_new (c);
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonArray *arr;
  gboolean saw_list = FALSE, saw_word = FALSE;

  set (s, 40, 1, FALSE);
  problems = ossp_otp_secret_validate (s);
  node = ossp_otp_problems_to_json (problems);
  arr = json_node_get_array (node);
  g_assert_cmpuint (json_array_get_length (arr), ==, problems->len);
  for (guint i = 0; i < json_array_get_length (arr); i++)
    {
      JsonObject *o = json_array_get_object_element (arr, i);
      g_assert_true (json_object_has_member (o, "message"));
      if (g_str_equal (json_object_get_string_member (o, "code"), "reserved"))
        {
          saw_word = TRUE;
          g_assert_cmpstr (json_object_get_string_member (o, "where"), ==, "word 40");
          g_assert_cmpint (json_object_get_int_member (o, "word"), ==, 40);
          g_assert_cmpstr (json_object_get_string_member (o, "severity"), ==, "error");
        }
      if (json_object_get_null_member (o, "word"))
        saw_list = TRUE;
    }
  g_assert_true (saw_word);
  g_assert_false (saw_list);   /* no list-level problem here (not empty) */
}

/* ---------------------------------------------------------- secret files */

static OsspOtpSecret *
mp15_fixture (OsspChip *c)
{
  OsspOtpSecret *s = ossp_otp_secret_new (c);
  g_assert_true (ossp_otp_secret_set_rma_password (s, 0x2AAAAAAA, NULL));
  set (s, 60, 0x12345678, FALSE);
  set (s, 61, 0xA1B2C3D4, FALSE);
  set (s, 95, 0xCAFEBABE, FALSE);
  return s;
}

static void
test_mp15_file_exact (void)
{
  g_autoptr(OsspChip) c = chip ("stm32mp15");
  g_autoptr(OsspOtpSecret) s = mp15_fixture (c);
  g_autoptr(OsspOtpSecret) back = NULL;
  g_autoptr(GBytes) bytes = NULL, plain = NULL;
  g_autoptr(GError) error = NULL;
  guint8 want[148] = { 0 }, want_plain[152] = { 0 };

  /* payload.md §3.2: word i of the file = OTP 59+i, little-endian; word 59
   * unset → zero; RMA not in the file */
  want[4] = 0x78; want[5] = 0x56; want[6] = 0x34; want[7] = 0x12;       /* OTP 60 */
  want[8] = 0xD4; want[9] = 0xC3; want[10] = 0xB2; want[11] = 0xA1;     /* OTP 61 */
  want[144] = 0xBE; want[145] = 0xBA; want[146] = 0xFE; want[147] = 0xCA; /* OTP 95 */

  bytes = ossp_otp_secret_to_bytes (s, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (bytes), ==, 148);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), 148, want, 148);

  /* payload.md §3.1: LE32(RMA) ‖ file */
  want_plain[0] = 0xAA; want_plain[1] = 0xAA; want_plain[2] = 0xAA; want_plain[3] = 0x2A;
  memcpy (want_plain + 4, want, 148);
  plain = ossp_otp_secret_to_plaintext (s, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (plain, NULL), g_bytes_get_size (plain), want_plain, 152);

  /* read back: the file has no RMA, zero words are "not set" */
  back = ossp_otp_secret_new_from_bytes (c, bytes, &error);
  g_assert_no_error (error);
  assert_words (back, (guint[]) { 60, 61, 95 }, 3);
  g_assert_cmphex (ossp_otp_item_get_value (ossp_otp_secret_lookup (back, 61)), ==, 0xA1B2C3D4);
  g_assert_true (ossp_otp_item_get_lock (ossp_otp_secret_lookup (back, 95)));
  g_clear_object (&back);

  back = ossp_otp_secret_new_from_plaintext (c, want_plain, sizeof want_plain, &error);
  g_assert_no_error (error);
  assert_words (back, (guint[]) { 56, 60, 61, 95 }, 4);
  g_clear_object (&back);
  /* a shorter plaintext (RMA + 59, 60) as a decrypted payload may carry */
  back = ossp_otp_secret_new_from_plaintext (c, want_plain, 12, &error);
  g_assert_no_error (error);
  assert_words (back, (guint[]) { 56, 60 }, 2);
}

static void
test_mp13_file_exact (void)
{
  g_autoptr(OsspChip) c = chip ("stm32mp13");
  g_autoptr(OsspOtpSecret) s = ossp_otp_secret_new (c);
  g_autoptr(OsspOtpSecret) back = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  guint8 key[16], want[148] = { 0 };

  for (guint i = 0; i < 16; i++)
    key[i] = (guint8) i;
  g_assert_true (ossp_otp_secret_set_rma_password (s, 0xFFFFFFFF, &error));
  g_assert_true (ossp_otp_secret_set_key (s, 92, key, 16, OSSP_WORD_FORMAT_1, TRUE, "EDMK", &error));
  set (s, 61, 1, FALSE);
  /* OTP 61 at (61-59)*4 = 8; EDMK words 0x00010203… at (92-59)*4 = 132, LE */
  want[8] = 0x01;
  memcpy (want + 132, (guint8[]) { 0x03, 0x02, 0x01, 0x00, 0x07, 0x06, 0x05, 0x04,
                                   0x0B, 0x0A, 0x09, 0x08, 0x0F, 0x0E, 0x0D, 0x0C }, 16);
  bytes = ossp_otp_secret_to_bytes (s, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), want, 148);
  back = ossp_otp_secret_new_from_bytes (c, bytes, &error);
  g_assert_no_error (error);
  assert_words (back, (guint[]) { 61, 92, 93, 94, 95 }, 5);
  g_assert_cmphex (ossp_otp_item_get_value (ossp_otp_secret_lookup (back, 92)), ==, 0x00010203);
  /* the byte order of EDMK comes back from the chip map */
  g_assert_cmpuint (ossp_otp_item_get_format (ossp_otp_secret_lookup (back, 92)), ==, 1);
  g_assert_cmpuint (ossp_otp_item_get_format (ossp_otp_secret_lookup (back, 61)), ==, 0);
}

static OsspOtpSecret *
mp25_fixture (OsspChip *c)
{
  OsspOtpSecret *s = ossp_otp_secret_new (c);
  guint8 hash[32], k1[16], k2[16] = { 0xf9, 0xe8, 0x38, 0x9f, 0x10, 0x20, 0x30, 0x40,
                                       0x50, 0x60, 0x70, 0x80, 0x90, 0xa0, 0xb0, 0xc0 };

  for (guint i = 0; i < 32; i++)
    hash[i] = (guint8) i;
  hash[0] = 0xa1; hash[1] = 0xb2; hash[2] = 0xc3; hash[3] = 0xd4;
  for (guint i = 0; i < 16; i++)
    k1[i] = (guint8) (i * 0x11);
  g_assert_true (ossp_otp_secret_set_pkh_table_hash (s, hash, NULL));
  set (s, 300, 0x01020304, TRUE);
  g_assert_true (ossp_otp_secret_set_item (s, 301, 0xAABBCCDD, OSSP_OTP_ITEM_FLAG_STICKY_READ_LOCK,
                                           0, "serial", NULL));
  g_assert_true (ossp_otp_secret_set_key (s, 360, k1, 16, OSSP_WORD_FORMAT_1, TRUE, NULL, NULL));
  g_assert_true (ossp_otp_secret_set_key (s, 364, k2, 16, OSSP_WORD_FORMAT_2, TRUE, NULL, NULL));
  return s;
}

/* payload.md §5.1, by hand: "OSOT", u16 version 1, u16 count, then per
 * entry u16 word, u16 flags (bit0 lock, bit1 sticky read lock, bit3 format 2),
 * u32 value, u32 reserved — all little-endian */
static const char mp25_osot_hex[] =
  "4F534F54 0100 1200"
  "9000 0100 D4C3B2A1 00000000"   /* 144 PKHTH: a1 b2 c3 d4 → 0xA1B2C3D4 */
  "9100 0100 07060504 00000000"
  "9200 0100 0B0A0908 00000000"
  "9300 0100 0F0E0D0C 00000000"
  "9400 0100 13121110 00000000"
  "9500 0100 17161514 00000000"
  "9600 0100 1B1A1918 00000000"
  "9700 0100 1F1E1D1C 00000000"   /* 151 */
  "2C01 0100 04030201 00000000"   /* 300 */
  "2D01 0200 DDCCBBAA 00000000"   /* 301 sticky read lock */
  "6801 0100 33221100 00000000"   /* 360 EDMK2 format 1: 0x00112233 */
  "6901 0100 77665544 00000000"
  "6A01 0100 BBAA9988 00000000"
  "6B01 0100 FFEEDDCC 00000000"
  "6C01 0900 F9E8389F 00000000"   /* 364 format 2: 0x9F38E8F9, bytes as-is */
  "6D01 0900 10203040 00000000"
  "6E01 0900 50607080 00000000"
  "6F01 0900 90A0B0C0 00000000";

static void
test_mp25_osot_exact (void)
{
  g_autoptr(OsspChip) c = chip ("stm32mp25");
  g_autoptr(OsspOtpSecret) s = mp25_fixture (c);
  g_autoptr(OsspOtpSecret) back = NULL;
  g_autoptr(GBytes) want = hex_bytes (mp25_osot_hex);
  g_autoptr(GBytes) bytes = NULL, again = NULL, plain = NULL;
  g_autoptr(GError) error = NULL;
  OsspOtpItem *item;

  bytes = ossp_otp_secret_to_bytes (s, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (want), ==, 8 + 18 * 12);
  assert_bytes_equal (bytes, want);
  plain = ossp_otp_secret_to_plaintext (s, &error);
  assert_bytes_equal (plain, want);

  back = ossp_otp_secret_new_from_bytes (c, want, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (back)), ==, 18);
  item = ossp_otp_secret_lookup (back, 364);
  g_assert_cmphex (ossp_otp_item_get_value (item), ==, 0x9F38E8F9);
  g_assert_cmpuint (ossp_otp_item_get_format (item), ==, 2);
  g_assert_true (ossp_otp_item_get_lock (item));
  item = ossp_otp_secret_lookup (back, 301);
  g_assert_cmphex (ossp_otp_item_get_flags (item), ==, OSSP_OTP_ITEM_FLAG_STICKY_READ_LOCK);
  again = ossp_otp_secret_to_bytes (back, &error);
  assert_bytes_equal (again, want);
}

static void
assert_bad_file (const char *chip_id, GBytes *bytes, gint code, const char *needle)
{
  g_autoptr(OsspChip) c = chip (chip_id);
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspOtpSecret) s = ossp_otp_secret_new_from_bytes (c, bytes, &error);

  g_assert_null (s);
  g_assert_error (error, OSSP_ERROR, code);
  if (strstr (error->message, needle) == NULL)
    g_error ("message \"%s\" lacks \"%s\"", error->message, needle);
}

static void
test_bad_files (void)
{
  guint8 zeros[160] = { 0 };
  g_autoptr(GBytes) b147 = g_bytes_new (zeros, 147);
  g_autoptr(GBytes) b149 = g_bytes_new (zeros, 149);
  g_autoptr(GBytes) b148 = g_bytes_new (zeros, 148);
  g_autoptr(GBytes) empty = g_bytes_new (zeros, 0);
  g_autoptr(GBytes) osot_empty = hex_bytes ("4F534F54 0100 0000");
  g_autoptr(GBytes) truncated_hdr = hex_bytes ("4F534F54 01");
  g_autoptr(GBytes) bad_magic = hex_bytes ("4F534F55 0100 0000");
  g_autoptr(GBytes) v2 = hex_bytes ("4F534F54 0200 0000");
  g_autoptr(GBytes) truncated = hex_bytes ("4F534F54 0100 0200 2C01 0100 04030201 00000000 2D01");
  g_autoptr(GBytes) trailing = hex_bytes ("4F534F54 0100 0100 2C01 0100 04030201 00000000 00");
  g_autoptr(GBytes) unsorted = hex_bytes ("4F534F54 0100 0200 2C01 0100 04030201 00000000"
                                          "C800 0100 04030201 00000000");
  g_autoptr(GBytes) dup = hex_bytes ("4F534F54 0100 0200 2C01 0100 04030201 00000000"
                                     "2C01 0000 04030201 00000000");
  g_autoptr(GBytes) word400 = hex_bytes ("4F534F54 0100 0100 9001 0100 04030201 00000000");
  g_autoptr(GBytes) flags = hex_bytes ("4F534F54 0100 0100 2C01 1000 04030201 00000000");
  g_autoptr(GBytes) reserved = hex_bytes ("4F534F54 0100 0100 2C01 0100 04030201 01000000");

  assert_bad_file ("stm32mp15", b147, OSSP_ERROR_INVALID_DATA, "exactly 148 bytes");
  assert_bad_file ("stm32mp15", b149, OSSP_ERROR_INVALID_DATA, "not 149");
  assert_bad_file ("stm32mp13", empty, OSSP_ERROR_INVALID_DATA, "not 0");
  assert_bad_file ("stm32mp15", osot_empty, OSSP_ERROR_INVALID_DATA, "stm32mp25");
  assert_bad_file ("stm32mp25", b148, OSSP_ERROR_INVALID_DATA, "STM32MP1");
  assert_bad_file ("stm32mp25", empty, OSSP_ERROR_INVALID_DATA, "Truncated");
  assert_bad_file ("stm32mp25", truncated_hdr, OSSP_ERROR_INVALID_DATA, "Truncated");
  assert_bad_file ("stm32mp25", bad_magic, OSSP_ERROR_INVALID_DATA, "4F 53 4F 54");
  assert_bad_file ("stm32mp25", v2, OSSP_ERROR_VERSION, "version 2");
  assert_bad_file ("stm32mp25", truncated, OSSP_ERROR_INVALID_DATA, "truncated");
  assert_bad_file ("stm32mp25", trailing, OSSP_ERROR_INVALID_DATA, "extra bytes");
  assert_bad_file ("stm32mp25", unsorted, OSSP_ERROR_INVALID_DATA, "sorted");
  assert_bad_file ("stm32mp25", dup, OSSP_ERROR_INVALID_DATA, "repeats");
  assert_bad_file ("stm32mp25", word400, OSSP_ERROR_INVALID_DATA, "word 400");
  assert_bad_file ("stm32mp25", flags, OSSP_ERROR_INVALID_DATA, "flag bits 0x0010");
  assert_bad_file ("stm32mp25", reserved, OSSP_ERROR_INVALID_DATA, "reserved");

  /* an empty OSOT list is a valid file */
  {
    g_autoptr(OsspChip) c = chip ("stm32mp25");
    g_autoptr(OsspOtpSecret) s = ossp_otp_secret_new_from_bytes (c, osot_empty, NULL);
    g_assert_nonnull (s);
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (s)), ==, 0);
  }
  /* bad plaintext sizes */
  {
    g_autoptr(OsspChip) c = chip ("stm32mp15");
    g_autoptr(GError) error = NULL;
    g_assert_null (ossp_otp_secret_new_from_plaintext (c, zeros, 6, &error));
    g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA);
    g_clear_error (&error);
    g_assert_null (ossp_otp_secret_new_from_plaintext (c, zeros, 156, &error));
    g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA);
  }
}

static void
test_save_load (void)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "secret.bin", NULL);
  g_autofree char *bad = g_build_filename (dir, "bad.bin", NULL);
  g_autoptr(OsspChip) c = chip ("stm32mp15");
  g_autoptr(OsspOtpSecret) s = mp15_fixture (c);
  g_autoptr(OsspOtpSecret) back = NULL;
  g_autoptr(GError) error = NULL;
  GStatBuf st;

  g_assert_true (ossp_otp_secret_save (s, path, OSSP_WRITE_FLAGS_NONE, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (st.st_size, ==, 148);
  /* no overwrite without the flag */
  g_assert_false (ossp_otp_secret_save (s, path, OSSP_WRITE_FLAGS_NONE, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_true (ossp_otp_secret_save (s, path, OSSP_WRITE_FLAGS_OVERWRITE, &error));
  back = ossp_otp_secret_load (c, path, &error);
  g_assert_no_error (error);
  assert_words (back, (guint[]) { 60, 61, 95 }, 3);

  /* errors block building: nothing is written */
  set (s, 24, 1, FALSE);
  g_assert_false (ossp_otp_secret_save (s, bad, OSSP_WRITE_FLAGS_NONE, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_VALIDATION);
  g_assert_nonnull (strstr (error->message, "word 24"));
  g_assert_false (g_file_test (bad, G_FILE_TEST_EXISTS));
  g_clear_error (&error);
  g_assert_null (ossp_otp_secret_to_plaintext (s, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_VALIDATION);
  g_clear_error (&error);

  g_assert_null (ossp_otp_secret_load (c, bad, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_NOT_FOUND);
}

/* ------------------------------------------------------------- JSON list */

static void
test_json_round_trip (void)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "list.json", NULL);
  g_autoptr(OsspChip) c = chip ("stm32mp25");
  g_autoptr(OsspOtpSecret) s = mp25_fixture (c);
  g_autoptr(OsspOtpSecret) back = NULL;
  g_autoptr(GBytes) a = NULL, b = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = ossp_otp_secret_to_json (s);
  JsonObject *o = json_node_get_object (node);
  JsonObject *first;
  GStatBuf st;

  g_assert_cmpstr (json_object_get_string_member (o, "format"), ==, "openssp-otp-list");
  g_assert_cmpint (json_object_get_int_member (o, "version"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (o, "chip"), ==, "stm32mp25");
  first = json_array_get_object_element (json_object_get_array_member (o, "items"), 0);
  g_assert_cmpint (json_object_get_int_member (first, "word"), ==, 144);
  g_assert_cmpstr (json_object_get_string_member (first, "value"), ==, "0xA1B2C3D4");
  g_assert_cmpstr (json_object_get_string_member (first, "format"), ==, "format1");
  g_assert_true (json_object_get_boolean_member (first, "lock"));

  g_assert_true (ossp_otp_secret_save_json (s, path, OSSP_WRITE_FLAGS_NONE, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  back = ossp_otp_secret_load_json (NULL, path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ossp_chip_get_id (ossp_otp_secret_get_chip (back)), ==, "stm32mp25");
  g_assert_cmpstr (ossp_otp_item_get_label (ossp_otp_secret_lookup (back, 301)), ==, "serial");
  a = ossp_otp_secret_to_bytes (s, &error);
  b = ossp_otp_secret_to_bytes (back, &error);
  g_assert_no_error (error);
  assert_bytes_equal (b, a);
}

static void
assert_bad_json (OsspChip *c, const char *text, gint code, const char *needle)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspOtpSecret) s = ossp_otp_secret_new_from_json_data (c, text, -1, &error);

  g_assert_null (s);
  g_assert_error (error, OSSP_ERROR, code);
  if (strstr (error->message, needle) == NULL)
    g_error ("message \"%s\" lacks \"%s\"", error->message, needle);
}

#define HEAD "{\"format\": \"openssp-otp-list\", \"version\": 1, \"chip\": \"stm32mp15\", \"items\": "

static void
test_json_bad (void)
{
  g_autoptr(OsspChip) c = chip ("stm32mp15");
  g_autoptr(OsspChip) mp13 = chip ("stm32mp13");
  g_autoptr(OsspOtpSecret) ok = NULL;

  assert_bad_json (c, HEAD "[\n {\"word\": 60,\n  \"value\" \"0x1\"}]}", OSSP_ERROR_INVALID_DATA, "at line 3, column");
  assert_bad_json (c, "[]", OSSP_ERROR_INVALID_DATA, "JSON object");
  assert_bad_json (c, "{\"format\": \"x\"}", OSSP_ERROR_INVALID_DATA, "format");
  assert_bad_json (c, "{\"format\": \"openssp-otp-list\", \"version\": 2, \"chip\": \"stm32mp15\", "
                   "\"items\": []}", OSSP_ERROR_VERSION, "version 2");
  assert_bad_json (c, "{\"format\": \"openssp-otp-list\", \"version\": 1, \"chip\": \"stm32f4\", "
                   "\"items\": []}", OSSP_ERROR_NOT_FOUND, "chip:");
  assert_bad_json (mp13, HEAD "[]}", OSSP_ERROR_INVALID_DATA, "for STM32MP15, not STM32MP13");
  assert_bad_json (c, HEAD "{}}", OSSP_ERROR_INVALID_DATA, "items:");
  assert_bad_json (c, HEAD "[1]}", OSSP_ERROR_INVALID_DATA, "items[0]");
  assert_bad_json (c, HEAD "[{\"value\": \"0x1\"}]}", OSSP_ERROR_INVALID_DATA, "items[0].word: missing");
  assert_bad_json (c, HEAD "[{\"word\": \"60\", \"value\": \"0x1\"}]}", OSSP_ERROR_INVALID_DATA, "items[0].word");
  assert_bad_json (c, HEAD "[{\"word\": 96, \"value\": \"0x1\"}]}", OSSP_ERROR_INVALID_DATA, "items[0].word: 96");
  assert_bad_json (c, HEAD "[{\"word\": -1, \"value\": \"0x1\"}]}", OSSP_ERROR_INVALID_DATA, "items[0].word");
  assert_bad_json (c, HEAD "[{\"word\": 60, \"value\": \"0xZZ\"}]}", OSSP_ERROR_INVALID_DATA, "items[0].value");
  assert_bad_json (c, HEAD "[{\"word\": 60, \"value\": \"0x100000000\"}]}", OSSP_ERROR_INVALID_DATA, "32-bit");
  assert_bad_json (c, HEAD "[{\"word\": 60, \"value\": 5}]}", OSSP_ERROR_INVALID_DATA, "not a string");
  assert_bad_json (c, HEAD "[{\"word\": 60, \"value\": \"0x1\", \"lock\": 1}]}", OSSP_ERROR_INVALID_DATA, "items[0].lock");
  assert_bad_json (c, HEAD "[{\"word\": 60, \"value\": \"0x1\", \"format\": \"be\"}]}", OSSP_ERROR_INVALID_DATA, "items[0].format");
  assert_bad_json (c, HEAD "[{\"word\": 60, \"value\": \"0x1\", \"label\": 3}]}", OSSP_ERROR_INVALID_DATA, "items[0].label");
  assert_bad_json (c, HEAD "[{\"word\": 60, \"value\": \"0x1\"}, {\"word\": 61, \"value\": \"0x2\"},"
                   " {\"word\": 60, \"value\": \"0x3\"}]}", OSSP_ERROR_INVALID_DATA,
                   "items[2].word: word 60 is already set by items[0]");

  /* unsorted input is fine: the model sorts */
  ok = ossp_otp_secret_new_from_json_data (c, HEAD "[{\"word\": 61, \"value\": \"0x2\"}, "
                                           "{\"word\": 60, \"value\": \"7\", \"unknown\": 1}]}", -1, NULL);
  g_assert_nonnull (ok);
  assert_words (ok, (guint[]) { 60, 61 }, 2);
  g_assert_cmphex (ossp_otp_item_get_value (ossp_otp_secret_lookup (ok, 60)), ==, 7);
}

/* ------------------------------------------------------------- burn plan */

static void
test_burn_plan_mp15 (void)
{
  g_autoptr(OsspChip) c = chip ("stm32mp15");
  g_autoptr(OsspOtpSecret) s = ossp_otp_secret_new (c);
  g_autoptr(GPtrArray) plan = NULL;
  g_autoptr(JsonNode) json = NULL;
  g_autofree char *text = NULL;
  guint32 current[96] = { 0 };
  guint8 pkh[32] = { 0xa1, 0xb2, 0xc3, 0xd4 };
  OsspOtpBurnStep *st;

  set (s, 60, 0x12345678, FALSE);
  set (s, 61, 0x0000BEEF, FALSE);
  current[61] = 1;

  /* no RMA set: word 56 is still programmed (0) and locked */
  plan = ossp_otp_secret_get_burn_plan (s, pkh, current, 96);
  g_assert_cmpuint (plan->len, ==, 8 + 1 + 37);
  st = g_ptr_array_index (plan, 0);
  g_assert_cmpuint (st->word, ==, 24);
  g_assert_cmphex (st->value, ==, 0xA1B2C3D4);
  g_assert_true (st->program && st->lock);
  st = g_ptr_array_index (plan, 8);
  g_assert_cmpuint (st->word, ==, 56);
  g_assert_true (st->program && st->lock);
  g_assert_cmphex (st->value, ==, 0);
  st = g_ptr_array_index (plan, 9);          /* 59: zero, skipped */
  g_assert_cmpuint (st->word, ==, 59);
  g_assert_false (st->program);
  g_assert_false (st->lock);
  st = g_ptr_array_index (plan, 10);         /* 60 */
  g_assert_true (st->program && st->lock);
  g_assert_false (st->conflict);
  g_assert_cmpstr (st->name, ==, "OEM_FREE");
  st = g_ptr_array_index (plan, 11);         /* 61: not blank on the chip */
  g_assert_true (st->conflict);
  g_assert_true (st->has_current);
  g_assert_cmphex (st->current, ==, 1);

  text = ossp_otp_burn_plan_to_text (plan, FALSE);
  g_assert_nonnull (strstr (text, "CONFLICT"));
  g_assert_null (strstr (text, "12345678"));
  json = ossp_otp_burn_plan_to_json (plan, TRUE);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (
                     json_node_get_array (json), 10), "value"), ==, "0x12345678");
  g_clear_pointer (&plan, g_ptr_array_unref);

  /* without PKH and chip: 1 + 37 rows */
  plan = ossp_otp_secret_get_burn_plan (s, NULL, NULL, 0);
  g_assert_cmpuint (plan->len, ==, 38);
  g_assert_false (((OsspOtpBurnStep *) g_ptr_array_index (plan, 2))->has_current);
}

static void
test_burn_plan_mp25 (void)
{
  g_autoptr(OsspChip) c = chip ("stm32mp25");
  g_autoptr(OsspOtpSecret) s = mp25_fixture (c);
  g_autoptr(GPtrArray) plan = NULL;
  OsspOtpBurnStep *st;

  set (s, 302, 0, FALSE);
  plan = ossp_otp_secret_get_burn_plan (s, NULL, NULL, 0);
  g_assert_cmpuint (plan->len, ==, 19);
  st = g_ptr_array_index (plan, 9);
  g_assert_cmpuint (st->word, ==, 301);
  g_assert_true (st->program);
  g_assert_false (st->lock);       /* MP2: the user's choice */
  st = g_ptr_array_index (plan, 10);
  g_assert_cmpuint (st->word, ==, 302);
  g_assert_false (st->program);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/otp-secret/model/sorted-items-changed", test_model_sorted_items_changed);
  g_test_add_func ("/otp-secret/model/limits-names-chip", test_model_word_limits_and_names);
  g_test_add_func ("/otp-secret/helpers/pkhth-format1", test_pkhth_format1_order);
  g_test_add_func ("/otp-secret/helpers/key-format2", test_key_format2);
  g_test_add_func ("/otp-secret/helpers/rma", test_rma);
  g_test_add_func ("/otp-secret/helpers/pkh-refused-mp1", test_pkh_refused_on_mp1);
  g_test_add_func ("/otp-secret/helpers/mp1-locks", test_mp1_locks_are_firmware_locks);
  g_test_add_func ("/otp-secret/validate/mp15", test_validate_mp15);
  g_test_add_func ("/otp-secret/validate/mp13", test_validate_mp13);
  g_test_add_func ("/otp-secret/validate/mp25", test_validate_mp25);
  g_test_add_func ("/otp-secret/validate/json", test_problems_json);
  g_test_add_func ("/otp-secret/file/mp15-exact", test_mp15_file_exact);
  g_test_add_func ("/otp-secret/file/mp13-exact", test_mp13_file_exact);
  g_test_add_func ("/otp-secret/file/mp25-osot-exact", test_mp25_osot_exact);
  g_test_add_func ("/otp-secret/file/bad", test_bad_files);
  g_test_add_func ("/otp-secret/file/save-load", test_save_load);
  g_test_add_func ("/otp-secret/json/round-trip", test_json_round_trip);
  g_test_add_func ("/otp-secret/json/bad", test_json_bad);
  g_test_add_func ("/otp-secret/plan/mp15", test_burn_plan_mp15);
  g_test_add_func ("/otp-secret/plan/mp25", test_burn_plan_mp25);
  return g_test_run ();
}
