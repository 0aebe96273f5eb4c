/* ossp-accessible.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ossp-accessible.h"

gboolean
ossp_accessible_is_control (GtkWidget *widget)
{
  return GTK_IS_BUTTON (widget) || GTK_IS_MENU_BUTTON (widget) || GTK_IS_CHECK_BUTTON (widget) ||
         GTK_IS_SWITCH (widget) || GTK_IS_ENTRY (widget) || GTK_IS_PASSWORD_ENTRY (widget) ||
         GTK_IS_SEARCH_ENTRY (widget) || GTK_IS_SPIN_BUTTON (widget) || GTK_IS_DROP_DOWN (widget) ||
         GTK_IS_SCALE (widget) || GTK_IS_TEXT (widget) || ADW_IS_ENTRY_ROW (widget) ||
         ADW_IS_COMBO_ROW (widget) || ADW_IS_SPLIT_BUTTON (widget);
}

/* Widgets that make their own children accessible (or are the library's
 * own, named by it): their insides are not looked at. */
static gboolean
is_composite (GtkWidget *widget)
{
  return GTK_IS_MENU_BUTTON (widget) || GTK_IS_DROP_DOWN (widget) || GTK_IS_SPIN_BUTTON (widget) ||
         GTK_IS_ENTRY (widget) || GTK_IS_PASSWORD_ENTRY (widget) || GTK_IS_SEARCH_ENTRY (widget) ||
         ADW_IS_ENTRY_ROW (widget) || ADW_IS_COMBO_ROW (widget) || ADW_IS_SPLIT_BUTTON (widget) ||
         ADW_IS_VIEW_SWITCHER (widget) || ADW_IS_VIEW_SWITCHER_BAR (widget) ||
         ADW_IS_VIEW_SWITCHER_TITLE (widget) || GTK_IS_WINDOW_CONTROLS (widget) ||
         GTK_IS_POPOVER (widget) || GTK_IS_SCALE (widget);
}

static gboolean
has_text (const char *text)
{
  return text != NULL && *text != 0;
}

/* A label anywhere inside (AdwButtonContent, a box with an icon and a label) */
static gboolean
contains_label (GtkWidget *widget)
{
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    {
      if (GTK_IS_LABEL (c) && has_text (gtk_label_get_text (GTK_LABEL (c))))
        return TRUE;
      if (ADW_IS_BUTTON_CONTENT (c) && has_text (adw_button_content_get_label (ADW_BUTTON_CONTENT (c))))
        return TRUE;
      if (contains_label (c))
        return TRUE;
    }
  return FALSE;
}

gboolean
ossp_accessible_has_name (GtkWidget *widget)
{
  GtkAccessible *acc = GTK_ACCESSIBLE (widget);

  if (gtk_test_accessible_has_property (acc, GTK_ACCESSIBLE_PROPERTY_LABEL) ||
      gtk_test_accessible_has_relation (acc, GTK_ACCESSIBLE_RELATION_LABELLED_BY))
    return TRUE;
  if (ADW_IS_PREFERENCES_ROW (widget))
    return has_text (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)));
  if (GTK_IS_BUTTON (widget))
    return has_text (gtk_button_get_label (GTK_BUTTON (widget))) || contains_label (widget);
  if (GTK_IS_MENU_BUTTON (widget))
    return has_text (gtk_menu_button_get_label (GTK_MENU_BUTTON (widget)));
  if (GTK_IS_CHECK_BUTTON (widget))
    return has_text (gtk_check_button_get_label (GTK_CHECK_BUTTON (widget))) || contains_label (widget);
  return FALSE;
}

/* the title of the row, or of the group header, the control sits in */
static const char *
context_title (GtkWidget *widget)
{
  GtkWidget *row = gtk_widget_get_ancestor (widget, ADW_TYPE_PREFERENCES_ROW);

  if (row != NULL && has_text (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row))))
    return adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row));
  return NULL;
}

static void
walk (GtkWidget *widget,
      void     (*func) (GtkWidget *control, gpointer data),
      gpointer   data)
{
  if (!gtk_widget_get_visible (widget))
    return;
  if (ossp_accessible_is_control (widget))
    func (widget, data);
  if (is_composite (widget))
    return;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    walk (c, func, data);
}

static void
name_one (GtkWidget *control,
          gpointer   data)
{
  const char *tooltip;
  const char *name;

  if (ossp_accessible_has_name (control))
    return;
  tooltip = gtk_widget_get_tooltip_text (control);
  name = has_text (tooltip) ? tooltip : context_title (control);
  if (name == NULL)
    return;
  gtk_accessible_update_property (GTK_ACCESSIBLE (control), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
  (*(guint *) data)++;
}

guint
ossp_accessible_name_controls (GtkWidget *root)
{
  guint n = 0;

  walk (root, name_one, &n);
  return n;
}

static void
collect_unnamed (GtkWidget *control,
                 gpointer   data)
{
  if (!ossp_accessible_has_name (control))
    g_ptr_array_add (data, control);
}

GPtrArray *
ossp_accessible_find_unnamed (GtkWidget *root)
{
  GPtrArray *unnamed = g_ptr_array_new ();

  walk (root, collect_unnamed, unnamed);
  return unnamed;
}

char *
ossp_accessible_describe (GtkWidget *widget)
{
  GString *s = g_string_new (G_OBJECT_TYPE_NAME (widget));

  if (has_text (gtk_widget_get_name (widget)) && !g_str_equal (gtk_widget_get_name (widget), G_OBJECT_TYPE_NAME (widget)))
    g_string_append_printf (s, " #%s", gtk_widget_get_name (widget));
  for (GtkWidget *p = gtk_widget_get_parent (widget); p; p = gtk_widget_get_parent (p))
    {
      if (ADW_IS_PREFERENCES_ROW (p))
        g_string_append_printf (s, " in %s “%s”", G_OBJECT_TYPE_NAME (p),
                                adw_preferences_row_get_title (ADW_PREFERENCES_ROW (p)));
      else if (g_str_has_prefix (G_OBJECT_TYPE_NAME (p), "Ossp"))
        {
          g_string_append_printf (s, " in %s", G_OBJECT_TYPE_NAME (p));
          break;
        }
    }
  return g_string_free (s, FALSE);
}
