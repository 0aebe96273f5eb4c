/* ossp-application.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define OSSP_TYPE_APPLICATION (ossp_application_get_type ())
G_DECLARE_FINAL_TYPE (OsspApplication, ossp_application, OSSP, APPLICATION, AdwApplication)

OsspApplication *ossp_application_new (void);

G_END_DECLS
