/* ossp-narrow.h — small things that let a page fit a narrow window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* The drop-down button shows its choice ellipsized (it no longer asks for
 * the width of its longest string); the pop-up list keeps whole lines.
 * The model must be a GtkStringList. */
void ossp_narrow_drop_down (GtkDropDown *drop_down);

G_END_DECLS
