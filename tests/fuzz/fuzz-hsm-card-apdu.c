/* fuzz-hsm-card-apdu.c — the soft-HSM card's APDU parser and state machine
 *
 * Input: byte 0 picks the starting card (even: blank, odd: personalised,
 * keyed, configured and locked); then APDUs, each as a 2-byte big-endian
 * length and its bytes. Every answer must end with a status word.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdint.h>
#include <string.h>

#include "ossp-sim-hsm-card.h"

/* the P-256 base point G: a valid public key to serve as root key */
static const guint8 g_point[64] = {
  0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6, 0xe5, 0x63, 0xa4, 0x40, 0xf2,
  0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb, 0x33, 0xa0, 0xf4, 0xa1, 0x39, 0x45, 0xd8, 0x98, 0xc2, 0x96,
  0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f, 0x9b, 0x8e, 0xe7, 0xeb, 0x4a, 0x7c, 0x0f, 0x9e, 0x16,
  0x2b, 0xce, 0x33, 0x57, 0x6b, 0x31, 0x5e, 0xce, 0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51, 0xf5,
};

static void
lock_card (OsspSimHsmCard *card)
{
  guint8 perso[88] = { 'O', 'S', 'P', 'D', 0, 1, 0, 1, '5', '0', '0', '0', '2', '0', '0', 'A' };
  guint8 key_nonce[32] = { 1, 2, 3 };

  memcpy (perso + 16, g_point, 64);
  perso[8 + 72 + 3] = 1;
  g_assert (ossp_sim_hsm_card_put_perso (card, perso, sizeof perso) == 0x9000);
  g_assert (ossp_sim_hsm_card_put_oem_key (card, key_nonce, 32) == 0x9000);
  g_assert (ossp_sim_hsm_card_put_config (card, "FUZZ", 3, 0x2E505353, 0) == 0x9000);
  g_assert (ossp_sim_hsm_card_lock (card) == 0x9000);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(OsspSimHsmCard) card = NULL;
  size_t i = 1;

  if (size < 1)
    return 0;
  card = ossp_sim_hsm_card_new (NULL, NULL);
  g_assert (card != NULL);
  if (data[0] & 1)
    lock_card (card);
  while (i + 2 <= size)
    {
      size_t len = ((size_t) data[i] << 8) | data[i + 1];
      g_autoptr(GBytes) resp = NULL;

      i += 2;
      if (len > size - i)
        len = size - i;
      resp = ossp_sim_hsm_card_transmit (card, data + i, len);
      g_assert (resp != NULL && g_bytes_get_size (resp) >= 2);
      i += len;
    }
  return 0;
}
