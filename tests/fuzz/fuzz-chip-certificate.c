/* fuzz-chip-certificate.c — the 136-byte chip certificate parser; what
 * parses must format back to the same bytes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdint.h>
#include <string.h>

#include <openssp.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(OsspChipCertificate) cert = ossp_chip_certificate_parse (data, size, NULL);
  g_autofree char *what = NULL;
  guint8 out[OSSP_CHIP_CERTIFICATE_SIZE];

  if (cert == NULL)
    return 0;
  ossp_chip_certificate_format (cert, out);
  g_assert (memcmp (out, data, sizeof out) == 0);
  what = ossp_chip_certificate_describe_product_id (cert->product_id);
  g_assert (what != NULL);
  return 0;
}
