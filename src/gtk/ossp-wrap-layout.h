/* ossp-wrap-layout.h — children in a row that wraps onto more rows when
 * the width runs out (toolbars, side-by-side columns), so that a page
 * fits a narrow window (libadwaita 1.2 has no breakpoints)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define OSSP_TYPE_WRAP_LAYOUT (ossp_wrap_layout_get_type ())
G_DECLARE_FINAL_TYPE (OsspWrapLayout, ossp_wrap_layout, OSSP, WRAP_LAYOUT, GtkLayoutManager)

GtkLayoutManager *ossp_wrap_layout_new (int column_spacing,
                                        int row_spacing);
/* Gives @box (any container widget) this layout instead of its own. */
void              ossp_wrap_layout_apply (GtkWidget *box,
                                          int        column_spacing,
                                          int        row_spacing);

G_END_DECLS
