/* ossp-test-pcscd.h — a private pcscd + vpcd reader + soft-HSM card for tests
 *
 * Starts pcscd through ossp-pcscd-launch on a socket in a temp dir, with a
 * reader.conf holding one vpcd reader on a random free port, and points
 * this process (and its children) at it with PCSCLITE_CSOCK_NAME. The card
 * is the real `openssp hsm sim-card` process talking vpcd's TCP framing.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ossp-test-helper.h"

G_BEGIN_DECLS

typedef struct _OsspTestPcscd OsspTestPcscd;

#define OSSP_TEST_VPCD_READER "Virtual PCD 00 00"
#define OSSP_TEST_VPCD_LIB    "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"

/* NULL and *skip_reason set when pcscd or vpcd are not installed. Call it
 * before any other PC/SC use in the process (the client library reads
 * PCSCLITE_CSOCK_NAME once). */
OsspTestPcscd *ossp_test_pcscd_start       (const char     *dir,
                                            char          **skip_reason);
guint16        ossp_test_pcscd_get_port    (OsspTestPcscd  *self);
/* Runs `openssp hsm sim-card --port P --state STATE [extra…]`. */
void           ossp_test_pcscd_start_card  (OsspTestPcscd  *self,
                                            const char     *state,
                                            const char     *extra_arg);
/* Waits (SCardGetStatusChange) until the reader has a card, or none. */
gboolean       ossp_test_pcscd_wait_card   (OsspTestPcscd  *self,
                                            gboolean        present,
                                            guint           timeout_ms);
/* SIGTERM the card process (the card leaves the reader) and reap it;
 * returns its exit status (or 128+signal). */
int            ossp_test_pcscd_stop_card   (OsspTestPcscd  *self);
/* Waits for the card process to end on its own; its exit status. */
int            ossp_test_pcscd_wait_card_exit (OsspTestPcscd *self);
void           ossp_test_pcscd_stop        (OsspTestPcscd  *self);
void           ossp_test_pcscd_free        (OsspTestPcscd  *self);
const char    *ossp_test_pcscd_get_log     (OsspTestPcscd  *self);

G_END_DECLS
