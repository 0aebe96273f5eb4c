/* ossp-accessible.h — accessible names for every control
 *
 * A control whose purpose is only shown by an icon, or by the row it sits
 * in, gets an accessible label: its tooltip, or the row's title. Pages may
 * set better ones themselves; those are kept.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* Buttons, switches, entries, drop-downs, spin buttons, check buttons… */
gboolean   ossp_accessible_is_control        (GtkWidget *widget);
/* Assistive technology gets a name: a label property, a labelled-by
 * relation, a visible label inside, or a row title. */
gboolean   ossp_accessible_has_name          (GtkWidget *widget);
/* Names every unnamed control under @root; returns how many. */
guint      ossp_accessible_name_controls     (GtkWidget *root);
/* The controls under @root still without a name (tests list them). */
GPtrArray *ossp_accessible_find_unnamed      (GtkWidget *root);
/* "GtkSwitch in AdwActionRow “Wrap…” in OsspBackupPage", for messages */
char      *ossp_accessible_describe          (GtkWidget *widget);

G_END_DECLS
