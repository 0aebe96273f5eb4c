/* ossp-provision-page.h — the Provision page: live SSP over UART / USB DFU
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>
#include <openssp.h>

G_BEGIN_DECLS

#define OSSP_TYPE_PROVISION_PAGE (ossp_provision_page_get_type ())
G_DECLARE_FINAL_TYPE (OsspProvisionPage, ossp_provision_page, OSSP, PROVISION_PAGE, AdwBin)

GtkWidget          *ossp_provision_page_new               (void);
/* What the file choosers would set. */
void                ossp_provision_page_set_payload_file  (OsspProvisionPage *self,
                                                           const char        *path);
void                ossp_provision_page_set_firmware_file (OsspProvisionPage *self,
                                                           const char        *path);
/* Fills payload and firmware from the example set-up (made if missing). */
void                ossp_provision_page_use_demo          (OsspProvisionPage *self);
/* Port ids: "sim", "uart:/dev/ttyUSB0", "usb:1-2"; HSM ids: "demo",
 * "soft", "pcsc:N".  FALSE when the list has no such entry. */
gboolean            ossp_provision_page_select_port       (OsspProvisionPage *self,
                                                           const char        *id);
gboolean            ossp_provision_page_select_hsm        (OsspProvisionPage *self,
                                                           const char        *id);
/* Line speed of the built-in simulated board (default 115200; 0 = as fast
 * as possible). */
void                ossp_provision_page_set_sim_baud      (OsspProvisionPage *self,
                                                           guint              baud);
/* Same as the Provision… / Check buttons. */
void                ossp_provision_page_start             (OsspProvisionPage *self,
                                                           gboolean           preflight_only);
gboolean            ossp_provision_page_get_busy          (OsspProvisionPage *self);
OsspProvisionResult ossp_provision_page_get_last_result   (OsspProvisionPage *self);
/* The provisioner of the run in progress (or the last one), or NULL. */
OsspProvisioner    *ossp_provision_page_get_provisioner   (OsspProvisionPage *self);

G_END_DECLS
