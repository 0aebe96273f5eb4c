/* ossp-image-page.h — the "Image signing" page
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>
#include <openssp.h>

G_BEGIN_DECLS

#define OSSP_TYPE_IMAGE_PAGE (ossp_image_page_get_type ())
G_DECLARE_FINAL_TYPE (OsspImagePage, ossp_image_page, OSSP, IMAGE_PAGE, AdwBin)

OsspChip   *ossp_image_page_get_chip        (OsspImagePage      *self);
void        ossp_image_page_set_chip        (OsspImagePage      *self,
                                             OsspChip           *chip);
gboolean    ossp_image_page_get_busy        (OsspImagePage      *self);
/* What the file choosers set (also used by tests, which cannot click
 * through a native file dialog). */
void        ossp_image_page_set_input       (OsspImagePage      *self,
                                             const char         *path);
void        ossp_image_page_set_key_file    (OsspImagePage      *self,
                                             const char         *path);
void        ossp_image_page_set_output      (OsspImagePage      *self,
                                             const char         *path);
void        ossp_image_page_set_public_keys (OsspImagePage      *self,
                                             const char * const *paths);

G_END_DECLS
