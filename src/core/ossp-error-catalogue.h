/* ossp-error-catalogue.h — cause and remedy of every error OpenSSP can give
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  const char *key;      /* "not-found", "exit-4", "sw-5501", "phase-ff-provisioning" */
  const char *title;
  const char *cause;
  const char *remedy;
} OsspErrorEntry;

const OsspErrorEntry *ossp_error_catalogue_lookup (const char *key);
const OsspErrorEntry *ossp_error_catalogue_get    (guint       index);
guint                 ossp_error_catalogue_size   (void);

G_END_DECLS
