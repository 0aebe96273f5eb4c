/* ossp-keys-page.h — the Keys page: KeyGen_CLI in the app
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>
#include <openssp.h>

G_BEGIN_DECLS

#define OSSP_TYPE_KEYS_PAGE (ossp_keys_page_get_type ())
G_DECLARE_FINAL_TYPE (OsspKeysPage, ossp_keys_page, OSSP, KEYS_PAGE, AdwBin)

GtkWidget  *ossp_keys_page_new         (void);
OsspChip   *ossp_keys_page_get_chip    (OsspKeysPage *self);
void        ossp_keys_page_set_chip    (OsspKeysPage *self,
                                        OsspChip     *chip);
/* The output folder (also the "folder" property); the Choose… button sets
 * it through a GtkFileChooserNative, tests and callers set it directly. */
const char *ossp_keys_page_get_folder  (OsspKeysPage *self);
void        ossp_keys_page_set_folder  (OsspKeysPage *self,
                                        const char   *folder);
/* TRUE while a generation runs in its worker thread ("busy" property). */
gboolean    ossp_keys_page_get_busy    (OsspKeysPage *self);
/* The last generated set, or NULL. */
OsspKeys   *ossp_keys_page_get_keys    (OsspKeysPage *self);

/* Password strength as shown (0 empty … 4 strong) and its hint text;
 * exposed for tests. */
guint       ossp_keys_page_rate_password (const char *password,
                                        const char **hint);

G_END_DECLS
