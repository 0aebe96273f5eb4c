/* fuzz-payload-build.c — the inputs `payload build` parses (MP1 secret words,
 * MP2 OSOT secret file, OSBK backup files, RMA) through build, re-read and
 * decrypt-verify
 *
 * Input layout (so that mutations reach every part):
 *   [0] chip (0 MP13, 1 MP15, 2 MP25)   [1] flags: bit0 backup at the TAMP
 *   base, else at the backup SRAM base; bit1 no backup
 *   [2..5] RMA (LE)   [6..7] secret length n (LE)   [8..8+n) secret   rest: backup
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <openssp.h>

int LLVMFuzzerTestOneInput (const guint8 *data, gsize size);

static const guint8 key[16] = {
  0x10, 0x13, 0x16, 0x19, 0x1c, 0x1f, 0x22, 0x25, 0x28, 0x2b, 0x2e, 0x31, 0x34, 0x37, 0x3a, 0x3d,
};
static const guint8 nonce[16] = {
  0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xcb, 0, 0, 0, 0,
};
/* the P-256 base point: a valid public key for the MP15 OEM key field */
static const guint8 p256_g[64] = {
  0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6, 0xe5, 0x63, 0xa4, 0x40, 0xf2,
  0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb, 0x33, 0xa0, 0xf4, 0xa1, 0x39, 0x45, 0xd8, 0x98, 0xc2, 0x96,
  0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f, 0x9b, 0x8e, 0xe7, 0xeb, 0x4a, 0x7c, 0x0f, 0x9e, 0x16,
  0x2b, 0xce, 0x33, 0x57, 0x6b, 0x31, 0x5e, 0xce, 0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51, 0xf5,
};
static const guint8 pkhth[32] = {
  0xa5, 0x5a, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e,
  0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e,
};

static void
check_refused (GError *error)
{
  /* a refused input says why, in our domain, never a crash */
  g_assert (error != NULL && error->domain == OSSP_ERROR && error->message[0] != 0);
  /* seed upkeep: OSSP_FUZZ_VERBOSE=1 replay-payload-build DIR says why a seed stops */
  if (g_getenv ("OSSP_FUZZ_VERBOSE"))
    g_printerr ("refused: %s\n", error->message);
}

int
LLVMFuzzerTestOneInput (const guint8 *data, gsize size)
{
  static OsspChip *chips[3];
  static const char *ids[3] = { "stm32mp13", "stm32mp15", "stm32mp25" };
  g_autoptr(OsspPayload) payload = NULL;
  g_autoptr(OsspPayload) read = NULL;
  g_autoptr(GBytes) built = NULL;
  g_autoptr(GBytes) again = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *plan;
  OsspChip *chip;
  guint which, flags;
  gsize n;

  if (size < 8)
    return 0;
  which = data[0] % 3;
  flags = data[1];
  if (chips[which] == NULL)
    chips[which] = ossp_chip_new (ids[which], NULL);
  chip = chips[which];
  g_assert (chip != NULL);
  n = MIN ((gsize) ossp_read_le16 (data + 6), size - 8);

  payload = ossp_payload_new (chip);
  g_assert (ossp_payload_set_key (payload, key, sizeof key, NULL));
  g_assert (ossp_payload_set_nonce (payload, nonce, sizeof nonce, NULL));
  if (which == 1)
    g_assert (ossp_payload_set_oem_public_key (payload, p256_g, "prime256v1", NULL));
  if (which == 0)
    g_assert (ossp_payload_set_pkhth (payload, pkhth, sizeof pkhth, NULL));
  /* MP2 keeps its RMA password in the OSOT file: only MP1 takes one */
  if (which < 2 && !ossp_payload_set_rma (payload, ossp_read_le32 (data + 2), &error))
    {
      check_refused (error);
      g_clear_error (&error);
    }
  if (!ossp_payload_set_secret (payload, data + 8, n, &error))
    {
      check_refused (error);
      return 0;
    }
  if ((flags & 2) == 0 && ossp_chip_get_n_backup_memories (chip) > 0)
    {
      guint32 base = (flags & 1) ? 0x46010100 : 0x52000000;
      if (!ossp_payload_add_backup (payload, data + 8 + n, size - 8 - n, base, &error))
        {
          check_refused (error);
          g_clear_error (&error);
        }
    }

  built = ossp_payload_build (payload, &error);
  if (built == NULL)
    {
      check_refused (error);
      return 0;
    }
  /* what was built reads back, decrypts with the same key, has a plan, and
   * building again gives the same bytes (deterministic) */
  again = ossp_payload_build (payload, &error);
  g_assert (again != NULL && g_bytes_equal (built, again));
  read = ossp_payload_new_from_bytes (built, &error);
  g_assert (read != NULL);
  g_assert (ossp_payload_set_key (read, key, sizeof key, NULL));
  g_assert (ossp_payload_set_nonce (read, nonce, sizeof nonce, NULL));
  g_assert (ossp_payload_decrypt (read, &error));
  if (g_getenv ("OSSP_FUZZ_VERBOSE"))
    g_printerr ("built %" G_GSIZE_FORMAT " bytes, %u plan items\n", g_bytes_get_size (built),
                ossp_payload_get_plan (read)->len);
  plan = ossp_payload_get_plan (read);
  g_assert (plan != NULL);
  return 0;
}
