/* ossp-provisioner.h — the host side of SSP for one chip (ssp-flow.md §3, §4.4)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Drives the three boots over an OsspTransport: sends the SSP firmware to
 * the ROM before each boot, reads the chip certificate, asks the OsspHsm
 * for a license, sends license ‖ payload, and confirms the chip's final
 * state (plus, by default, a fourth boot that proves SSP_SUCCESS is set).
 *
 * Nothing irreversible happens before (1) the preflight passed — chip
 * family, SSP firmware signed with the key the payload burns, HSM with
 * licenses for this product — and (2) the burn plan was confirmed.  The
 * product-id checks that need the certificate run before the license is
 * asked for, so a refused chip costs no license.  One audit record per run.
 *
 * Signals and the confirmation callback run in the main context that was
 * the thread default when the provisioner was created; the work itself
 * runs in a GTask thread.
 */
#pragma once

#include "ossp-audit-log.h"
#include "ossp-burn-plan.h"
#include "ossp-hsm.h"
#include "ossp-payload.h"
#include "ossp-progress.h"
#include "ossp-transport.h"

G_BEGIN_DECLS

typedef enum {
  OSSP_PROVISION_RESULT_NONE = 0,
  OSSP_PROVISION_RESULT_PROVISIONED,          /* chip secure-closed with the secrets */
  OSSP_PROVISION_RESULT_ALREADY_PROVISIONED,  /* SSP done before, or chip closed */
  OSSP_PROVISION_RESULT_REFUSED,              /* preflight or confirmation said no */
  OSSP_PROVISION_RESULT_FAILED,
  OSSP_PROVISION_RESULT_CANCELLED,
} OsspProvisionResult;

const char *ossp_provision_result_to_string (OsspProvisionResult result);

typedef enum {
  OSSP_CHECK_PASS,
  OSSP_CHECK_FAIL,
  OSSP_CHECK_WARN,
} OsspCheckStatus;

const char *ossp_check_status_to_string (OsspCheckStatus status);

typedef struct {
  char            *id;        /* "chip-family", "firmware", "hsm-licenses", … */
  OsspCheckStatus  status;
  char            *message;
} OsspProvisionCheck;

#define OSSP_TYPE_PROVISIONER (ossp_provisioner_get_type ())
G_DECLARE_FINAL_TYPE (OsspProvisioner, ossp_provisioner, OSSP, PROVISIONER, GObject)

/* Called in the owner's main context with the plan; answer (now or later,
 * e.g. after a dialog) with ossp_provisioner_confirm(). */
typedef void (*OsspProvisionerConfirmFunc) (OsspProvisioner *self,
                                            OsspBurnPlan    *plan,
                                            gpointer         user_data);

OsspProvisioner *ossp_provisioner_new            (OsspTransport   *transport,
                                                  OsspHsm         *hsm);
OsspTransport   *ossp_provisioner_get_transport  (OsspProvisioner *self);
/* How the HSM is named in the audit record ("pcsc:slot 1", "sim:…"). */
void             ossp_provisioner_set_hsm_label  (OsspProvisioner *self,
                                                  const char      *label);
void             ossp_provisioner_set_payload    (OsspProvisioner *self,
                                                  OsspPayload     *payload);
/* The signed SSP firmware (tf-a-ssp*.stm32) as sent to the ROM. */
void             ossp_provisioner_set_firmware   (OsspProvisioner *self,
                                                  GBytes          *image,
                                                  const char      *name);
void             ossp_provisioner_set_audit_log  (OsspProvisioner *self,
                                                  OsspAuditLog    *log);
void             ossp_provisioner_set_confirm_func (OsspProvisioner *self,
                                                  OsspProvisionerConfirmFunc func,
                                                  gpointer         user_data,
                                                  GDestroyNotify   destroy);
/* Confirmed in advance (--yes, or a batch confirmed once); @how goes into
 * the audit record ("yes-flag", "batch", …). */
void             ossp_provisioner_set_confirmed  (OsspProvisioner *self,
                                                  const char      *how);
/* Answer to the confirm callback; @how: "typed", "dialog", … */
void             ossp_provisioner_confirm        (OsspProvisioner *self,
                                                  gboolean         accepted,
                                                  const char      *how);
/* The 4th boot that proves SSP_SUCCESS is set (default TRUE). */
void             ossp_provisioner_set_verify     (OsspProvisioner *self,
                                                  gboolean         verify);
/* Stop after the checks that need no license and no burn. */
void             ossp_provisioner_set_preflight_only (OsspProvisioner *self,
                                                  gboolean         preflight_only);
/* Time to wait for the ROM at the start and after each reset (default
 * 10000 / 8000 ms), and for the FSBL to announce itself (1500 ms, §4.4). */
void             ossp_provisioner_set_timeouts   (OsspProvisioner *self,
                                                  guint            connect_ms,
                                                  guint            reboot_ms,
                                                  guint            announce_ms);

OsspProgress    *ossp_provisioner_get_progress   (OsspProvisioner *self);

void             ossp_provisioner_run_async      (OsspProvisioner     *self,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
/* The result; the error tells why when it is not PROVISIONED (or, with
 * preflight-only, when a check failed). */
OsspProvisionResult ossp_provisioner_run_finish  (OsspProvisioner *self,
                                                  GAsyncResult    *result,
                                                  GError         **error);

/* After (or during) a run */
GPtrArray       *ossp_provisioner_get_checks     (OsspProvisioner *self);
OsspBurnPlan    *ossp_provisioner_get_plan       (OsspProvisioner *self);
const char      *ossp_provisioner_get_product_id (OsspProvisioner *self);
GBytes          *ossp_provisioner_get_certificate (OsspProvisioner *self);
/* The audit record of the last run (also when no log was set). */
JsonObject      *ossp_provisioner_get_record     (OsspProvisioner *self);

G_END_DECLS
