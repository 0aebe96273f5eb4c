/* fuzz-license.c — the 136-byte license parser; what parses must format
 * back to the same bytes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdint.h>
#include <string.h>

#include <openssp.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(OsspLicense) license = ossp_license_parse (data, size, NULL);
  guint8 out[OSSP_LICENSE_SIZE];

  if (license == NULL)
    return 0;
  ossp_license_format (license, out);
  g_assert (memcmp (out, data, sizeof out) == 0);
  g_assert (ossp_license_type_to_string (license->license_type) != NULL);
  return 0;
}
