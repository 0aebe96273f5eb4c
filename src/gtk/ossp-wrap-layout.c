/* ossp-wrap-layout.c
 *
 * Rows are filled left to right with children at their minimum width;
 * what is left in a row goes first towards each child's natural width,
 * then to children that expand horizontally.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ossp-wrap-layout.h"

struct _OsspWrapLayout
{
  GtkLayoutManager parent_instance;

  int column_spacing;
  int row_spacing;
};

G_DEFINE_FINAL_TYPE (OsspWrapLayout, ossp_wrap_layout, GTK_TYPE_LAYOUT_MANAGER)

typedef struct {
  GtkWidget *widget;
  int        min;
  int        nat;
  gboolean   expand;
} Item;

static GArray *
collect (GtkWidget *widget)
{
  GArray *items = g_array_new (FALSE, TRUE, sizeof (Item));

  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    {
      Item it = { c, 0, 0, FALSE };
      if (!gtk_widget_should_layout (c))
        continue;
      gtk_widget_measure (c, GTK_ORIENTATION_HORIZONTAL, -1, &it.min, &it.nat, NULL, NULL);
      it.expand = gtk_widget_compute_expand (c, GTK_ORIENTATION_HORIZONTAL);
      g_array_append_val (items, it);
    }
  return items;
}

/* How many items from @first fit in @width at their minimum (at least one). */
static guint
line_length (OsspWrapLayout *self,
             GArray         *items,
             guint           first,
             int             width)
{
  int used = 0;
  guint n = 0;

  for (guint i = first; i < items->len; i++)
    {
      int need = g_array_index (items, Item, i).min + (n ? self->column_spacing : 0);
      if (n > 0 && used + need > width)
        break;
      used += need;
      n++;
    }
  return n;
}

/* Widths of the items of one line in @width: minimum, then towards natural,
 * then the rest to expanding items. */
static void
line_widths (OsspWrapLayout *self,
             GArray         *items,
             guint           first,
             guint           n,
             int             width,
             int            *out)
{
  GtkRequestedSize *sizes = g_newa (GtkRequestedSize, n);
  int extra = width - self->column_spacing * (int) (n - 1);
  guint n_expand = 0;

  for (guint i = 0; i < n; i++)
    {
      Item *it = &g_array_index (items, Item, first + i);
      sizes[i].data = it;
      sizes[i].minimum_size = it->min;
      sizes[i].natural_size = it->nat;
      extra -= it->min;
      n_expand += it->expand;
    }
  extra = MAX (extra, 0);
  extra = gtk_distribute_natural_allocation (extra, n, sizes);
  for (guint i = 0; i < n; i++)
    {
      Item *it = &g_array_index (items, Item, first + i);
      out[i] = sizes[i].minimum_size;
      if (n_expand > 0 && it->expand)
        out[i] += extra / (int) n_expand;
    }
}

static int
line_height (GArray *items, guint first, guint n, const int *widths)
{
  int height = 0;

  for (guint i = 0; i < n; i++)
    {
      int min = 0;
      gtk_widget_measure (g_array_index (items, Item, first + i).widget, GTK_ORIENTATION_VERTICAL,
                          widths[i], &min, NULL, NULL, NULL);
      height = MAX (height, min);
    }
  return height;
}

static void
ossp_wrap_layout_measure (GtkLayoutManager *manager,
                          GtkWidget        *widget,
                          GtkOrientation    orientation,
                          int               for_size,
                          int              *minimum,
                          int              *natural,
                          int              *minimum_baseline,
                          int              *natural_baseline)
{
  OsspWrapLayout *self = OSSP_WRAP_LAYOUT (manager);
  g_autoptr(GArray) items = collect (widget);

  *minimum = *natural = 0;
  if (items->len == 0)
    return;
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      /* narrowest: one child per row; widest: all in one row */
      for (guint i = 0; i < items->len; i++)
        {
          Item *it = &g_array_index (items, Item, i);
          *minimum = MAX (*minimum, it->min);
          *natural += it->nat + (i ? self->column_spacing : 0);
        }
      return;
    }
  {
    int width = for_size;
    int total = 0;

    if (width < 0)
      {
        /* no width given: the natural one-row layout */
        for (guint i = 0; i < items->len; i++)
          width += g_array_index (items, Item, i).nat + (i ? self->column_spacing : 0);
        width += 1;
      }
    for (guint first = 0; first < items->len;)
      {
        guint n = line_length (self, items, first, width);
        int *widths = g_newa (int, n);
        line_widths (self, items, first, n, width, widths);
        total += line_height (items, first, n, widths) + (first ? self->row_spacing : 0);
        first += n;
      }
    *minimum = *natural = total;
  }
}

static void
ossp_wrap_layout_allocate (GtkLayoutManager *manager,
                           GtkWidget        *widget,
                           int               width,
                           int               height,
                           int               baseline)
{
  OsspWrapLayout *self = OSSP_WRAP_LAYOUT (manager);
  g_autoptr(GArray) items = collect (widget);
  gboolean rtl = gtk_widget_get_direction (widget) == GTK_TEXT_DIR_RTL;
  int y = 0;

  for (guint first = 0; first < items->len;)
    {
      guint n = line_length (self, items, first, width);
      int *widths = g_newa (int, n);
      int h, x = 0;

      line_widths (self, items, first, n, width, widths);
      h = line_height (items, first, n, widths);
      for (guint i = 0; i < n; i++)
        {
          GtkWidget *child = g_array_index (items, Item, first + i).widget;
          int cx = rtl ? width - x - widths[i] : x;
          gtk_widget_size_allocate (child, &(GtkAllocation) { cx, y, widths[i], h }, -1);
          x += widths[i] + self->column_spacing;
        }
      y += h + self->row_spacing;
      first += n;
    }
}

static GtkSizeRequestMode
ossp_wrap_layout_get_request_mode (GtkLayoutManager *manager,
                                   GtkWidget        *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
ossp_wrap_layout_class_init (OsspWrapLayoutClass *klass)
{
  GtkLayoutManagerClass *layout_class = GTK_LAYOUT_MANAGER_CLASS (klass);

  layout_class->measure = ossp_wrap_layout_measure;
  layout_class->allocate = ossp_wrap_layout_allocate;
  layout_class->get_request_mode = ossp_wrap_layout_get_request_mode;
}

static void
ossp_wrap_layout_init (OsspWrapLayout *self)
{
}

GtkLayoutManager *
ossp_wrap_layout_new (int column_spacing,
                      int row_spacing)
{
  OsspWrapLayout *self = g_object_new (OSSP_TYPE_WRAP_LAYOUT, NULL);

  self->column_spacing = column_spacing;
  self->row_spacing = row_spacing;
  return GTK_LAYOUT_MANAGER (self);
}

void
ossp_wrap_layout_apply (GtkWidget *box,
                        int        column_spacing,
                        int        row_spacing)
{
  gtk_widget_set_layout_manager (box, ossp_wrap_layout_new (column_spacing, row_spacing));
}
