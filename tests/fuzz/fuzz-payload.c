/* fuzz-payload.c — the `.ssp` container reader (OSSP v1) and decryption
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <openssp.h>

int LLVMFuzzerTestOneInput (const guint8 *data, gsize size);

/* The key and nonce the *.ssp seeds were built with (the same as the test
 * fixture, tests/ossp-payload-test-helper.c), so that seeds, and mutations
 * that keep the tags, reach the decryption, OSOT/OSBK parsing and the plan. */
static const guint8 seed_key[16] = {
  0x10, 0x13, 0x16, 0x19, 0x1c, 0x1f, 0x22, 0x25, 0x28, 0x2b, 0x2e, 0x31, 0x34, 0x37, 0x3a, 0x3d,
};
static const guint8 seed_nonce[16] = {
  0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xcb, 0, 0, 0, 0,
};

int
LLVMFuzzerTestOneInput (const guint8 *data, gsize size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = g_bytes_new_static (data, size);
  g_autoptr(OsspPayload) payload = ossp_payload_new_from_bytes (bytes, &error);
  g_autoptr(JsonNode) report = NULL;
  g_autoptr(GBytes) blob = NULL;

  if (payload == NULL)
    {
      g_assert (error != NULL && error->domain == OSSP_ERROR);
      return 0;
    }
  blob = ossp_payload_get_chip_blob (payload);
  g_assert (blob != NULL && g_bytes_get_size (blob) <= size);
  ossp_payload_set_key (payload, seed_key, sizeof seed_key, NULL);
  ossp_payload_set_nonce (payload, seed_nonce, sizeof seed_nonce, NULL);
  if (!ossp_payload_decrypt (payload, &error))
    g_assert (error != NULL && !ossp_payload_is_decrypted (payload));
  report = ossp_payload_to_json (payload, TRUE);
  g_assert (report != NULL);
  return 0;
}
