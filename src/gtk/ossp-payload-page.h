/* ossp-payload-page.h — the Payload page: build and inspect `.ssp` files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>
#include <openssp.h>

G_BEGIN_DECLS

typedef enum {
  OSSP_PAYLOAD_PAGE_KEY,
  OSSP_PAYLOAD_PAGE_NONCE,
  OSSP_PAYLOAD_PAGE_PUBKEY,
  OSSP_PAYLOAD_PAGE_PKHTH,
  OSSP_PAYLOAD_PAGE_SECRET,
  OSSP_PAYLOAD_PAGE_OUTPUT,
  OSSP_PAYLOAD_PAGE_N_FILES,
} OsspPayloadPageFile;

#define OSSP_TYPE_PAYLOAD_PAGE (ossp_payload_page_get_type ())
G_DECLARE_FINAL_TYPE (OsspPayloadPage, ossp_payload_page, OSSP, PAYLOAD_PAGE, AdwBin)

GtkWidget   *ossp_payload_page_new            (void);
OsspChip    *ossp_payload_page_get_chip       (OsspPayloadPage     *self);
void         ossp_payload_page_set_chip       (OsspPayloadPage     *self,
                                               OsspChip            *chip);
/* What the file choosers call; scripts and tests use them directly. An
 * output chosen through the save dialog may replace an existing file
 * (the dialog asked), one set here only when @path does not exist. */
void         ossp_payload_page_set_file       (OsspPayloadPage     *self,
                                               OsspPayloadPageFile  which,
                                               const char          *path);
/* MP2: @kind "tamp" or "bkpsram"; @path NULL removes it. */
void         ossp_payload_page_set_backup     (OsspPayloadPage     *self,
                                               const char          *kind,
                                               const char          *path,
                                               guint32              base);
/* The reason an input is refused, or NULL when it is fine. */
const char  *ossp_payload_page_get_problem    (OsspPayloadPage     *self,
                                               OsspPayloadPageFile  which);
gboolean     ossp_payload_page_get_busy       (OsspPayloadPage     *self);
/* Opens @path in the inspector, decrypting it with the chosen key/nonce. */
void         ossp_payload_page_inspect        (OsspPayloadPage     *self,
                                               const char          *path);
/* The payload shown in the inspector (after a build or an inspect). */
OsspPayload *ossp_payload_page_get_inspected  (OsspPayloadPage     *self);

G_END_DECLS
