/* ossp-sim-pty-board.h — a simulated board served on a pty in a thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What `openssp provision --port sim`, the GUI's built-in simulated board
 * and the provisioning tests start: an OsspSimBoard (loaded from its state
 * file, or fresh from the factory) behind an OsspSimUart on a pty, served
 * in its own thread.  The host then opens get_path() like any serial port.
 */
#pragma once

#include "ossp-sim-board.h"
#include "ossp-sim-uart.h"

G_BEGIN_DECLS

#define OSSP_TYPE_SIM_PTY_BOARD (ossp_sim_pty_board_get_type ())
G_DECLARE_FINAL_TYPE (OsspSimPtyBoard, ossp_sim_pty_board, OSSP, SIM_PTY_BOARD, GObject)

/* @state_path: the board's state file, loaded when it exists, else a new
 * factory board of @chip_id saved there (NULL: a board that lives in
 * memory only).  @opts: factory options for a new board (NULL: defaults). */
OsspSimPtyBoard *ossp_sim_pty_board_new        (const char                  *chip_id,
                                                const char                  *state_path,
                                                const OsspSimFactoryOptions *opts,
                                                GError                     **error);
/* Set before start(). */
void             ossp_sim_pty_board_set_uart_options (OsspSimPtyBoard       *self,
                                                const OsspSimUartOptions    *opts);
gboolean         ossp_sim_pty_board_add_fault  (OsspSimPtyBoard             *self,
                                                const char                  *spec,
                                                GError                     **error);
gboolean         ossp_sim_pty_board_start      (OsspSimPtyBoard             *self,
                                                GError                     **error);
/* Stops serving and joins the thread (also on finalize). */
void             ossp_sim_pty_board_stop       (OsspSimPtyBoard             *self);
/* The pty the host opens ("/dev/pts/7"); NULL before start(). */
const char      *ossp_sim_pty_board_get_path   (OsspSimPtyBoard             *self);
/* Not thread-safe while serving: read it after stop(). */
OsspSimBoard    *ossp_sim_pty_board_get_board  (OsspSimPtyBoard             *self);
const char      *ossp_sim_pty_board_get_state_path (OsspSimPtyBoard         *self);
void             ossp_sim_pty_board_get_byte_counts (OsspSimPtyBoard        *self,
                                                guint64                     *out_in,
                                                guint64                     *out_out);

G_END_DECLS
