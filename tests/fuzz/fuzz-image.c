/* fuzz-image.c — STM32 image header parser (v1, v2 and its extensions)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <openssp.h>

int LLVMFuzzerTestOneInput (const guint8 *data, gsize size);

int
LLVMFuzzerTestOneInput (const guint8 *data, gsize size)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspImage) image = ossp_image_new_from_bytes (bytes, &error);
  guint8 rs[64];

  /* the signature reader sees whatever bytes come, too */
  if (ossp_image_parse_signature (data, size, rs, NULL))
    g_assert (size == 64 || data[0] == 0x30);

  if (image == NULL)
    {
      g_assert (error != NULL && error->domain == OSSP_ERROR);
      return 0;
    }
  /* a parsed header must survive every reader: inspect, verify (which
   * hashes the payload and tries the key in the header), and a rewrite
   * that parses back to the same header */
  {
    g_autoptr(GPtrArray) fields = ossp_image_get_fields (image);
    g_autoptr(JsonNode) json = ossp_image_to_json (image);
    g_autoptr(GPtrArray) checks = ossp_image_verify (image, NULL, NULL, NULL, NULL, &error);
    g_autoptr(GBytes) again = NULL;
    g_autoptr(OsspImage) reparsed = NULL;

    g_assert (fields->len > 0 && json != NULL);
    g_assert (checks != NULL);
    again = ossp_image_write_bytes (image, OSSP_IMAGE_WRITE_FIX_CHECKSUM, NULL, NULL, &error);
    g_assert (again != NULL);
    reparsed = ossp_image_new_from_bytes (again, &error);
    g_assert (reparsed != NULL);
    g_assert (ossp_image_get_header_size (reparsed) == ossp_image_get_header_size (image));
    g_assert (memcmp (ossp_image_get_header_data (reparsed), ossp_image_get_header_data (image),
                      ossp_image_get_header_size (image)) == 0);
  }
  return 0;
}
