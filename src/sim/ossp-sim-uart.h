/* ossp-sim-uart.h — the device side of the UART serial-boot protocol
 *
 * ROM stage (ssp-flow.md §4.3/§4.4, ours) and FSBL-SSP stage (§4.2, public),
 * served on a pty master (what users and the provisioning host connect to)
 * or run over a byte buffer (fuzzing, unit tests).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "ossp-sim-board.h"

G_BEGIN_DECLS

typedef struct {
  guint baud;             /* pace both directions at 11 bits per byte; 0 = as fast as possible */
  guint byte_timeout_ms;  /* gap allowed inside a command (FSBL-SSP: 20); 0 = none */
  guint reset_delay_ms;   /* reset → ROM listening (input meanwhile is lost) */
  guint boot_delay_ms;    /* START ACK → FSBL resync NACK (input meanwhile is lost) */
  guint halt_reset_ms;    /* an FSBL that opened no link is reset by the watchdog after this; 0 = never */
} OsspSimUartOptions;

#define OSSP_SIM_UART_DEFAULT_BYTE_TIMEOUT_MS 20
#define OSSP_SIM_UART_DEFAULT_HALT_RESET_MS   2000

#define OSSP_TYPE_SIM_UART (ossp_sim_uart_get_type ())
G_DECLARE_FINAL_TYPE (OsspSimUart, ossp_sim_uart, OSSP, SIM_UART, GObject)

void         ossp_sim_uart_options_init (OsspSimUartOptions *opts);
OsspSimUart *ossp_sim_uart_new          (OsspSimBoard             *board,
                                         const OsspSimUartOptions *opts);

/* A pty pair in raw mode. Returns the master fd (the device side) and keeps
 * the slave open in *out_slave_fd so that a host closing and reopening the
 * port does not hang the line up. */
int          ossp_sim_uart_open_pty     (char     **out_slave_path,
                                         int       *out_slave_fd,
                                         GError   **error);
/* Serves until @cancellable fires or a hangup fault closes the line. */
gboolean     ossp_sim_uart_serve_fd     (OsspSimUart  *self,
                                         int           fd,
                                         GCancellable *cancellable,
                                         GError      **error);
/* Runs the device on a canned host byte stream (no timing) until the input
 * ends; returns every byte the device sent. */
GBytes      *ossp_sim_uart_run_buffer   (OsspSimUart  *self,
                                         const guint8 *input,
                                         gsize         len);
/* Bytes moved since creation, for throughput figures. */
guint64      ossp_sim_uart_get_bytes_in  (OsspSimUart *self);
guint64      ossp_sim_uart_get_bytes_out (OsspSimUart *self);

G_END_DECLS
