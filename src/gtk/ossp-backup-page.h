/* ossp-backup-page.h — the Backup memory page (STM32MP2)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>
#include <openssp.h>

G_BEGIN_DECLS

#define OSSP_TYPE_BACKUP_PAGE (ossp_backup_page_get_type ())
G_DECLARE_FINAL_TYPE (OsspBackupPage, ossp_backup_page, OSSP, BACKUP_PAGE, AdwBin)

GtkWidget      *ossp_backup_page_new         (void);
OsspChip       *ossp_backup_page_get_chip    (OsspBackupPage *self);
void            ossp_backup_page_set_chip    (OsspBackupPage *self,
                                              OsspChip       *chip);
/* NULL when the chip has no backup memory */
OsspBackupList *ossp_backup_page_get_list    (OsspBackupPage *self);
/* TRUE while a file is read or written in a worker thread */
gboolean        ossp_backup_page_get_busy    (OsspBackupPage *self);

/* What the file-chooser buttons do once a file is picked; public so that
 * tests and the window can drive them without a native dialog. */
void            ossp_backup_page_import_file (OsspBackupPage *self,
                                              GFile          *file);
void            ossp_backup_page_export_file (OsspBackupPage *self,
                                              GFile          *file);
void            ossp_backup_page_build_file  (OsspBackupPage *self,
                                              GFile          *file);

G_END_DECLS
