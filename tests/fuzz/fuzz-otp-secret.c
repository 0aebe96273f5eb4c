/* fuzz-otp-secret.c — libFuzzer target: MP1 148-byte secret files, MP1
 * plaintext secrets and MP2 OSOT files (ossp_otp_secret_new_from_bytes,
 * ossp_otp_secret_new_from_plaintext)
 *
 * Input: byte 0 picks the chip (bits 0..1: mp13, mp15, mp25) and the
 * parser (bit 2: plaintext); the rest is the file.
 * Invariant: whatever parses and builds, re-parses to the same bytes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <openssp.h>

int LLVMFuzzerTestOneInput (const guint8 *data, gsize size);

static OsspChip *chips[3];

static void
check_round_trip (OsspOtpSecret *secret)
{
  g_autoptr(GBytes) built = ossp_otp_secret_to_bytes (secret, NULL);
  g_autoptr(GPtrArray) problems = ossp_otp_secret_validate (secret);
  g_autoptr(GPtrArray) plan = ossp_otp_secret_get_burn_plan (secret, NULL, NULL, 0);
  g_autoptr(JsonNode) json = ossp_otp_secret_to_json (secret);
  g_autoptr(OsspOtpSecret) back = NULL;
  g_autoptr(GBytes) again = NULL;

  /* the plan and the JSON must be computable for anything that parsed */
  g_assert_nonnull (plan);
  g_assert_nonnull (json);
  if (built == NULL)
    {
      /* only validation errors may stop a build */
      g_assert_cmpuint (ossp_otp_problems_count (problems, OSSP_OTP_SEVERITY_ERROR), >, 0);
      return;
    }
  back = ossp_otp_secret_new_from_bytes (ossp_otp_secret_get_chip (secret), built, NULL);
  g_assert_nonnull (back);
  again = ossp_otp_secret_to_bytes (back, NULL);
  g_assert_nonnull (again);
  g_assert_true (g_bytes_equal (built, again));
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        gsize         size)
{
  g_autoptr(OsspOtpSecret) secret = NULL;
  g_autoptr(GError) error = NULL;
  static const char *ids[3] = { "stm32mp13", "stm32mp15", "stm32mp25" };
  guint which;
  gboolean plaintext;

  if (size < 1)
    return 0;
  which = (data[0] & 3) % 3;
  plaintext = (data[0] & 4) != 0;
  if (chips[which] == NULL)
    chips[which] = ossp_chip_new (ids[which], NULL);
  g_assert_nonnull (chips[which]);

  if (plaintext)
    secret = ossp_otp_secret_new_from_plaintext (chips[which], data + 1, size - 1, &error);
  else
    {
      g_autoptr(GBytes) bytes = g_bytes_new_static (data + 1, size - 1);
      secret = ossp_otp_secret_new_from_bytes (chips[which], bytes, &error);
    }
  if (secret == NULL)
    {
      /* a refusal is an OSSP_ERROR with a message, never a crash */
      g_assert_nonnull (error);
      g_assert_true (error->domain == OSSP_ERROR);
      g_assert_true (error->message[0] != 0);
      return 0;
    }
  check_round_trip (secret);
  return 0;
}
