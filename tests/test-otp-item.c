/* test-otp-item.c — OsspOtpItem: immutable values, flags, masking
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ossp-test-helper.h"

static void
test_item_properties (void)
{
  g_autoptr(OsspOtpItem) item = ossp_otp_item_new (60, 0xDEADBEEF,
                                                   OSSP_OTP_ITEM_FLAG_LOCK |
                                                   OSSP_OTP_ITEM_FLAG_STICKY_WRITE_LOCK | 0x100,
                                                   OSSP_WORD_FORMAT_2, "", "OEM_FREE", "");
  guint word = 0, value = 0, flags = 0;
  gboolean lock = FALSE;
  g_autofree char *name = NULL;

  g_object_get (item, "word", &word, "value", &value, "flags", &flags, "lock", &lock,
                "name", &name, NULL);
  g_assert_cmpuint (word, ==, 60);
  g_assert_cmphex (value, ==, 0xDEADBEEF);
  /* unknown bits are dropped: only the three OSOT flag bits exist */
  g_assert_cmphex (flags, ==, OSSP_OTP_ITEM_FLAG_LOCK | OSSP_OTP_ITEM_FLAG_STICKY_WRITE_LOCK);
  g_assert_true (lock);
  g_assert_cmpstr (name, ==, "OEM_FREE");
  g_assert_cmpuint (ossp_otp_item_get_format (item), ==, 2);
  /* empty label/description mean "none" */
  g_assert_null (ossp_otp_item_get_label (item));
  g_assert_null (ossp_otp_item_get_description (item));
}

static void
test_item_masking (void)
{
  g_autoptr(OsspOtpItem) secret = ossp_otp_item_new (61, 0x0000ABCD, 0, 0, "k", NULL, NULL);
  g_autoptr(OsspOtpItem) zero = ossp_otp_item_new (62, 0, 0, 0, NULL, NULL, NULL);
  g_autofree char *masked = ossp_otp_item_format_value (secret, FALSE);
  g_autofree char *clear = ossp_otp_item_format_value (secret, TRUE);
  g_autofree char *zmasked = ossp_otp_item_format_value (zero, FALSE);

  g_assert_cmpstr (masked, ==, "0x********");
  g_assert_null (strstr (masked, "ABCD"));
  g_assert_cmpstr (clear, ==, "0x0000ABCD");
  /* zero is not a secret and means "skipped" on MP1 */
  g_assert_cmpstr (zmasked, ==, "0x00000000");
  g_assert_cmpstr (ossp_otp_item_get_label (secret), ==, "k");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/otp-item/properties", test_item_properties);
  g_test_add_func ("/otp-item/masking", test_item_masking);
  return g_test_run ();
}
