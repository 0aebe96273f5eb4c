/* fuzz-otp-list.c — libFuzzer target: the OTP list JSON loader
 * (ossp_otp_secret_new_from_json_data)
 *
 * Invariant: a list that loads, saved as JSON, loads again to the same JSON.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <openssp.h>

int LLVMFuzzerTestOneInput (const guint8 *data, gsize size);

static char *
to_text (OsspOtpSecret *secret)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = ossp_otp_secret_to_json (secret);

  json_generator_set_root (gen, root);
  return json_generator_to_data (gen, NULL);
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        gsize         size)
{
  g_autoptr(OsspOtpSecret) secret = NULL;
  g_autoptr(OsspOtpSecret) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  g_autofree char *text = NULL, *text2 = NULL;

  secret = ossp_otp_secret_new_from_json_data (NULL, (const char *) data, (gssize) size, &error);
  if (secret == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == OSSP_ERROR);
      return 0;
    }
  problems = ossp_otp_secret_validate (secret);
  text = to_text (secret);
  back = ossp_otp_secret_new_from_json_data (NULL, text, -1, &error);
  g_assert_no_error (error);
  text2 = to_text (back);
  g_assert_cmpstr (text, ==, text2);
  return 0;
}
