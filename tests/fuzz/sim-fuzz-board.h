/* sim-fuzz-board.h — deterministic simulated boards for the sim fuzz harnesses
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ossp-sim-board.h"

/* @mode: bits 0..1 stage (0 ROM, 1 FSBL boot 1, 2 FSBL boot 2), bits 2..3
 * chip (0 MP15, 1 MP13, 2 MP25), bit 7 FSBL-SSP v2.2 (MP15 only). */
OsspSimBoard *sim_fuzz_board_new (guint8 mode);
