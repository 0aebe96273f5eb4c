/* fuzz-util.c — the small text parsers behind every user entry: hex strings
 * (keys, OTP values, backup data) and 32-bit numbers (addresses, words, RMA)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <openssp.h>

int LLVMFuzzerTestOneInput (const guint8 *data, gsize size);

int
LLVMFuzzerTestOneInput (const guint8 *data, gsize size)
{
  /* the parsers take C strings: a NUL inside ends the entry */
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr(GError) e1 = NULL;
  g_autoptr(GError) e2 = NULL;
  g_autofree guint8 *bytes = NULL;
  gsize len = 0;
  guint32 value = 0;

  bytes = ossp_hex_decode (text, &len, &e1);
  if (bytes != NULL)
    {
      /* decoding is loss-free: the re-encoded hex decodes to the same bytes */
      g_autofree char *hex = ossp_hex_encode (bytes, len);
      g_autofree guint8 *back = NULL;
      gsize back_len = 0;

      g_assert (strlen (hex) == 2 * len);
      back = ossp_hex_decode (hex, &back_len, NULL);
      g_assert (back != NULL && back_len == len && memcmp (back, bytes, len) == 0);
    }
  else
    g_assert (e1 != NULL && e1->domain == OSSP_ERROR && e1->message[0] != 0);

  if (ossp_parse_u32 (text, &value, &e2))
    {
      /* what parses prints and parses back to the same value */
      g_autofree char *dec = g_strdup_printf ("%u", value);
      g_autofree char *hx = g_strdup_printf ("0x%08X", value);
      guint32 v2 = 0, v3 = 0;

      g_assert (ossp_parse_u32 (dec, &v2, NULL) && v2 == value);
      g_assert (ossp_parse_u32 (hx, &v3, NULL) && v3 == value);
    }
  else
    g_assert (e2 != NULL && e2->domain == OSSP_ERROR && e2->message[0] != 0);

  /* OTP word packing round-trips for any bytes, both formats */
  if (size >= 4)
    {
      gsize n = MIN (size / 4, 64);
      guint32 words[64];
      guint8 out[256];

      for (int f = OSSP_WORD_FORMAT_1; f <= OSSP_WORD_FORMAT_2; f++)
        {
          ossp_bytes_to_words (data, n * 4, f, words);
          ossp_words_to_bytes (words, n, f, out);
          g_assert (memcmp (out, data, n * 4) == 0);
        }
    }
  return 0;
}
