/* ossp-hsm-page.h — the HSM page: readers, card info, provisioning
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>
#include <openssp.h>

G_BEGIN_DECLS

#define OSSP_TYPE_HSM_PAGE (ossp_hsm_page_get_type ())
G_DECLARE_FINAL_TYPE (OsspHsmPage, ossp_hsm_page, OSSP, HSM_PAGE, AdwBin)

GtkWidget *ossp_hsm_page_new            (void);
/* The HSM the page talks to now (soft-HSM or the chosen reader). */
OsspHsm   *ossp_hsm_page_get_hsm        (OsspHsmPage *self);
/* What the file choosers would set; also for tests and drag-and-drop. */
void       ossp_hsm_page_set_perso_file (OsspHsmPage *self,
                                         const char  *path);
void       ossp_hsm_page_set_key_file   (OsspHsmPage *self,
                                         const char  *path);
void       ossp_hsm_page_set_nonce_file (OsspHsmPage *self,
                                         const char  *path);
gboolean   ossp_hsm_page_get_busy       (OsspHsmPage *self);

G_END_DECLS
