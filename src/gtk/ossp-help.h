/* ossp-help.h — help texts for the fields that confuse newcomers, as a
 * small "?" button with a popover next to the field (docs/app.md)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

typedef enum {
  OSSP_HELP_NONCE,          /* 12 vs 16 bytes */
  OSSP_HELP_WORD_FORMAT,    /* OTP word format 1 / 2 */
  OSSP_HELP_WRAP_HUK,       /* backup memory: wrap with a hardware unique key */
  OSSP_HELP_PERSO_FILE,     /* HSM personalization file */
  OSSP_HELP_PKH_PKHTH,      /* PKH vs PKH-table hash */
  OSSP_HELP_BOARD_ID_WORD,  /* why word 59 (MP15) stays zero on ST boards */
  OSSP_HELP_SECURE_CLOSED,  /* what "secure closed" means */
  OSSP_HELP_N_TOPICS,
} OsspHelpTopic;

const char *ossp_help_get_title  (OsspHelpTopic  topic);
const char *ossp_help_get_text   (OsspHelpTopic  topic);
/* A flat "?" menu button whose popover explains @topic; its accessible
 * name is "Help: <title>". */
GtkWidget  *ossp_help_button_new (OsspHelpTopic  topic);
/* Adds the button where it fits: as a suffix of an AdwActionRow or
 * AdwEntryRow, as the header suffix of an AdwPreferencesGroup, or appended
 * to a GtkBox (there with a short label, so that several can sit side by
 * side). */
GtkWidget  *ossp_help_attach     (GtkWidget     *widget,
                                  OsspHelpTopic  topic);

G_END_DECLS
