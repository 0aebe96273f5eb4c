/* fuzz-hsm-response.c — the host's parsers of HSM answers: status split,
 * GET DATA info TLV, counters, product-id list, GET LICENSE answer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdint.h>

#include "ossp-hsm-apdu.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const guint8 *body = NULL;
  gsize body_len = 0;
  guint16 sw = 0;
  guint32 value = 0;
  g_autoptr(OsspHsmInfo) info = ossp_hsm_info_new ();
  g_auto(GStrv) ids = NULL;
  g_autoptr(GBytes) license = NULL;
  g_autoptr(GError) error = NULL;

  if (!ossp_hsm_apdu_split_response (data, size, &body, &body_len, &sw, &error))
    {
      g_assert (size < 2);
      return 0;
    }
  g_assert (body_len + 2 == size);
  ossp_hsm_check_status (sw, (OsspHsmOp) (sw % 8), NULL);
  if (ossp_hsm_apdu_parse_info (body, body_len, info, NULL))
    g_assert (info->serial != NULL && info->state <= OSSP_HSM_STATE_LOCKED);
  ossp_hsm_apdu_parse_u32 (body, body_len, &value, NULL);
  ids = ossp_hsm_apdu_parse_product_ids (body, body_len, NULL);
  license = ossp_hsm_apdu_parse_license (body, body_len, NULL);
  g_assert (license == NULL || g_bytes_get_size (license) == 136);
  return 0;
}
