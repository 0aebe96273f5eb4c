/* sim-fuzz-board.c — boards in a chosen stage, without randomness
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "sim-fuzz-board.h"

/* An unsigned FSBL with a valid header: v1 (MP15) or v2 with a padding
 * extension (MP13 v2.0, MP25 v2.2), image-header.md §1–§3. */
static GByteArray *
fsbl_image (const char *chip)
{
  gboolean v1 = g_str_equal (chip, "stm32mp15");
  gsize header = v1 ? 0x100 : 0x200, body = 64;
  GByteArray *img = g_byte_array_new ();
  guint32 sum = 0;

  g_byte_array_set_size (img, header + body);
  memset (img->data, 0, img->len);
  memcpy (img->data, "STM2", 4);
  for (gsize i = 0; i < body; i++)
    {
      img->data[header + i] = (guint8) i;
      sum += (guint8) i;
    }
  ossp_write_le32 (img->data + 0x44, sum);
  ossp_write_le32 (img->data + 0x48, v1 ? 0x00010000 : g_str_equal (chip, "stm32mp13") ? 0x00020000 : 0x00020200);
  ossp_write_le32 (img->data + 0x4C, body);
  if (v1)
    ossp_write_le32 (img->data + 0x64, 1);
  else
    {
      ossp_write_le32 (img->data + 0x64, 0x80000000);
      ossp_write_le32 (img->data + 0x68, 0x180);
      ossp_write_le32 (img->data + 0x80, 0xFFFF5453);
      ossp_write_le32 (img->data + 0x84, 0x180);
    }
  return img;
}

OsspSimBoard *
sim_fuzz_board_new (guint8 mode)
{
  static const char *chips[] = { "stm32mp15", "stm32mp13", "stm32mp25", "stm32mp15" };
  OsspSimFactoryOptions opts;
  OsspSimBoard *board;
  g_autoptr(GByteArray) img = NULL;
  guint stage = mode & 3;

  ossp_sim_factory_options_init (&opts);
  opts.chip_id = chips[(mode >> 2) & 3];
  opts.fsbl_version = (mode & 0x80) && g_str_equal (opts.chip_id, "stm32mp15") ? OSSP_SIM_FSBL_V2_2
                                                                             : OSSP_SIM_FSBL_V2_6;
  opts.has_seed = TRUE;
  memset (opts.seed, 0x5A, sizeof opts.seed);
  opts.has_uid = TRUE;
  opts.uid[0] = 0x00400031;
  opts.uid[1] = 0x3137510C;
  opts.uid[2] = 0x30353438;
  board = ossp_sim_board_new_factory (&opts, NULL);
  if (board == NULL)
    return NULL;
  img = fsbl_image (opts.chip_id);
  if (stage >= 1)
    ossp_sim_board_rom_start (board, img->data, img->len, NULL);
  if (stage >= 2)
    {
      ossp_sim_board_fsbl_enter (board);
      ossp_sim_board_fsbl_end_session (board);
      ossp_sim_board_rom_start (board, img->data, img->len, NULL);
    }
  return board;
}
