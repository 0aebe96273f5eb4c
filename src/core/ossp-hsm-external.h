/* ossp-hsm-external.h — a license provider that runs an external command
 *
 * For a site's own bridge to a real ST HSM (whose APDUs are not public):
 * the command gets the 136-byte chip certificate on stdin and the product
 * id in $OPENSSP_PRODUCT_ID, and must print the 136-byte license on stdout
 * and exit 0 within the time limit. Anything else is a clear error.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ossp-hsm.h"

G_BEGIN_DECLS

#define OSSP_HSM_EXTERNAL_DEFAULT_TIMEOUT_MS 30000

#define OSSP_TYPE_HSM_EXTERNAL (ossp_hsm_external_get_type ())
G_DECLARE_FINAL_TYPE (OsspHsmExternal, ossp_hsm_external, OSSP, HSM_EXTERNAL, GObject)

OsspHsmExternal *ossp_hsm_external_new                   (const char * const *argv,
                                                          guint               timeout_ms);
/* @command_line is split like a shell would (no shell runs it). */
OsspHsmExternal *ossp_hsm_external_new_from_command_line (const char         *command_line,
                                                          guint               timeout_ms,
                                                          GError            **error);
const char * const *ossp_hsm_external_get_argv           (OsspHsmExternal    *self);

G_END_DECLS
