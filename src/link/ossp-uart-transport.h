/* ossp-uart-transport.h — serial-boot protocol over a UART (termios)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * ssp-flow.md §4.2 (FSBL-SSP) and §4.3/§4.4 (ROM stage, ours).
 */
#pragma once

#include <openssp.h>

G_BEGIN_DECLS

/* Protocol bytes (§4.2) */
#define OSSP_UART_SYNC  0x7F
#define OSSP_UART_ACK   0x79
#define OSSP_UART_NACK  0x1F
#define OSSP_UART_ABORT 0x5F

#define OSSP_UART_CMD_GET         0x00
#define OSSP_UART_CMD_GET_VERSION 0x01
#define OSSP_UART_CMD_GET_ID      0x02
#define OSSP_UART_CMD_GET_PHASE   0x03
#define OSSP_UART_CMD_READ_PART   0x12
#define OSSP_UART_CMD_START       0x21
#define OSSP_UART_CMD_DOWNLOAD    0x31

#define OSSP_UART_MAX_PACKET 256

#define OSSP_TYPE_UART_TRANSPORT (ossp_uart_transport_get_type ())
G_DECLARE_FINAL_TYPE (OsspUartTransport, ossp_uart_transport, OSSP, UART_TRANSPORT, GObject)

OsspUartTransport *ossp_uart_transport_new         (const char        *path);

/* Default 115200 (STM32MP_UART_BAUDRATE); set before open. */
void        ossp_uart_transport_set_baudrate       (OsspUartTransport *self,
                                                    guint              baudrate);
/* How long to wait for each byte the device owes us (default 1000 ms). */
void        ossp_uart_transport_set_reply_timeout  (OsspUartTransport *self,
                                                    guint              timeout_ms);
/* Attempts per command where the protocol allows a retry (default 3). */
void        ossp_uart_transport_set_max_attempts   (OsspUartTransport *self,
                                                    guint              attempts);
/* Tests and fuzzing only: divides the protocol's fixed waits (START's 5 s
 * answer time, the 100 ms sync probe and optional trailing-ACK wait, the
 * 30 ms quiet gap before a re-sync) by @divisor, at least 1 ms each, so that
 * a scripted device on a pty runs in milliseconds.  Default 1 (the real
 * timings); a real chip needs them.  Nothing else changes. */
void        ossp_uart_transport_set_wait_divisor   (OsspUartTransport *self,
                                                    guint              divisor);
/* FALSE when the line refused even parity (a pty clears PARENB). */
gboolean    ossp_uart_transport_get_parity_applied (OsspUartTransport *self);
/* Retries the link needed so far (re-sent packets, re-synced commands). */
guint       ossp_uart_transport_get_retry_count    (OsspUartTransport *self);
/* Bytes written to and read from the line so far (the bench's wire time). */
void        ossp_uart_transport_get_byte_counts    (OsspUartTransport *self,
                                                    guint64           *out_tx,
                                                    guint64           *out_rx);

/* One 0x7F → ACK exchange (retried until @timeout_ms). */
gboolean    ossp_uart_transport_sync               (OsspUartTransport *self,
                                                    guint              timeout_ms,
                                                    GCancellable      *cancellable,
                                                    GError           **error);
/* GET: protocol version and the list of supported command codes. */
gboolean    ossp_uart_transport_get_commands       (OsspUartTransport *self,
                                                    guint8            *out_version,
                                                    GBytes           **out_commands,
                                                    GCancellable      *cancellable,
                                                    GError           **error);
gboolean    ossp_uart_transport_get_version        (OsspUartTransport *self,
                                                    guint8            *out_version,
                                                    GCancellable      *cancellable,
                                                    GError           **error);

/* The GET_PHASE reply without its ACKs: L, phase, address (LE), msglen,
 * msg (§4.2).  Exposed for the fuzzer. */
OsspPhaseInfo *ossp_uart_transport_parse_phase     (const guint8      *data,
                                                    gsize              len,
                                                    GError           **error);

/* Serial ports worth offering in a port picker ("/dev/ttyUSB0", …),
 * sorted by name; never NULL. */
GStrv       ossp_uart_transport_list_ports         (void);

G_END_DECLS
