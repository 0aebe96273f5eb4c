/* ossp-provision-test-helper.h — a simulated factory line for provisioning tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The real parts: the chip simulator (src/sim) served on a real pty in a
 * thread, the soft-HSM card as an in-process OsspHsm, the demo set-up
 * (keys, payload, signed stand-in firmware) made by ossp_demo_ensure(), and
 * the UART transport from src/link.  Host and simulator meet only on the
 * pty, as on a real bench.
 */
#pragma once

#include "ossp-test-helper.h"
#include "ossp-sim-hsm.h"
#include "ossp-sim-pty-board.h"
#include "ossp-uart-transport.h"

G_BEGIN_DECLS

typedef struct {
  char          *dir;
  char          *board_state;
  char          *hsm_state;
  char          *audit_path;
  OsspDemo      *demo;          /* owned (NULL on extra boards) */
  const OsspDemo *demo_view;    /* the set-up in use */
  OsspSimPtyBoard *sim;
  OsspSimHsm    *hsm;
} OsspProvisionBench;

typedef struct {
  const char *chip_id;            /* board chip */
  const char *payload_chip;       /* demo set-up used (default: chip_id) */
  const char *fault;              /* simulator fault spec, or NULL */
  OsspSimFsblVersion fsbl_version;
  gint        security_counter;   /* -1 default */
  gboolean    closed_with_demo_key;
  guint32     hsm_licenses;       /* 0: 100 */
  guint       baud;               /* 0: as fast as the pty goes */
  guint       byte_timeout_ms;    /* 0: the firmware's 20 ms */
} OsspProvisionBenchOptions;

void                ossp_provision_bench_options_init (OsspProvisionBenchOptions *opts);
/* A fresh board + HSM + demo in a temp dir removed at the end of the test. */
OsspProvisionBench *ossp_provision_bench_new   (const OsspProvisionBenchOptions *opts);
void                ossp_provision_bench_free  (OsspProvisionBench *bench);
/* Stop the board's thread and re-read its autosaved state. */
OsspSimBoard       *ossp_provision_bench_stop_and_load (OsspProvisionBench *bench);
/* A second board on its own pty, sharing the HSM and demo (batch tests). */
OsspProvisionBench *ossp_provision_bench_new_board (OsspProvisionBench *bench,
                                                const OsspProvisionBenchOptions *opts);

/* A provisioner on the bench's pty, confirmed in advance, with short
 * timeouts; the audit log of the bench. */
OsspProvisioner    *ossp_provision_bench_provisioner (OsspProvisionBench *bench);
/* Runs it to the end in a main loop. */
OsspProvisionResult ossp_provision_bench_run   (OsspProvisioner *prov,
                                                GError         **error);
guint32             ossp_provision_bench_remaining (OsspProvisionBench *bench);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OsspProvisionBench, ossp_provision_bench_free)

G_END_DECLS
