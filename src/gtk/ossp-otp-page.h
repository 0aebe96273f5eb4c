/* ossp-otp-page.h — the "OTP secrets" page: edit the words the SSP burns
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>
#include <openssp.h>

G_BEGIN_DECLS

#define OSSP_TYPE_OTP_PAGE (ossp_otp_page_get_type ())
G_DECLARE_FINAL_TYPE (OsspOtpPage, ossp_otp_page, OSSP, OTP_PAGE, AdwBin)

GtkWidget     *ossp_otp_page_new        (void);
/* The page's list (owned by the page); other pages may read it. */
OsspOtpSecret *ossp_otp_page_get_secret (OsspOtpPage *self);
OsspChip      *ossp_otp_page_get_chip   (OsspOtpPage *self);
void           ossp_otp_page_set_chip   (OsspOtpPage *self,
                                         OsspChip    *chip);

G_END_DECLS
