/* ossp-backup-page.c — the Backup memory page: list, editor, files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ossp-backup-page.h"
#include "ossp-help.h"
#include "ossp-page-util.h"
#include "ossp-project-page.h"
#include "ossp-window.h"
#include "ossp-wrap-layout.h"

#define MAX_DATA_FILE (1024 * 1024)

struct _OsspBackupPage
{
  AdwBin              parent_instance;

  GtkStack           *stack;
  AdwStatusPage      *unsupported_page;
  GtkWidget          *editor_box;
  AdwComboRow        *memory_row;
  AdwComboRow        *base_row;
  AdwActionRow       *usage_row;
  GtkButton          *import_button;
  GtkButton          *export_button;
  GtkButton          *build_button;
  GtkToggleButton    *show_data_button;
  GtkButton          *edit_button;
  GtkButton          *remove_button;
  GtkColumnView      *entries_view;
  GtkLabel           *list_problems;
  AdwPreferencesGroup *editor_group;
  AdwEntryRow        *offset_row;
  GtkToggleButton    *hex_toggle;
  GtkToggleButton    *file_toggle;
  AdwEntryRow        *hex_row;
  AdwActionRow       *file_row;
  AdwActionRow       *length_row;
  AdwActionRow       *wrap_row;
  GtkSwitch          *wrap_switch;
  AdwComboRow        *cpu_row;
  AdwEntryRow        *label_row;
  GtkLabel           *entry_problems;
  GtkButton          *cancel_button;
  GtkButton          *apply_button;

  OsspChip           *chip;
  OsspBackupList     *list;
  GtkSingleSelection *selection;
  int                 editing;      /* position being edited, -1 for a new entry */
  GBytes             *file_data;    /* data read from the chosen file (wiped) */
  char               *file_path;
  gboolean            updating;     /* we are setting widgets ourselves */
  gboolean            busy;
  char               *list_path;    /* where the list was read from or saved to */
  gboolean            quiet_import; /* opened with the project: no toast */
};

static void project_page_iface_init (OsspProjectPageInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OsspBackupPage, ossp_backup_page, ADW_TYPE_BIN,
                               G_IMPLEMENT_INTERFACE (OSSP_TYPE_PROJECT_PAGE, project_page_iface_init))

enum {
  PROP_0,
  PROP_CHIP,
  PROP_BUSY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void update_editor (OsspBackupPage *self);
static void refresh_list_state (OsspBackupPage *self);

/* ---- entry columns --------------------------------------------------------- */

typedef enum {
  COLUMN_OFFSET,
  COLUMN_LENGTH,
  COLUMN_WRAP,
  COLUMN_DATA,
  COLUMN_LABEL,
} Column;

static char *
entry_column_text (OsspBackupPage  *self,
                   OsspBackupEntry *entry,
                   Column           column)
{
  gsize len = ossp_backup_entry_get_length (entry);

  switch (column)
    {
    case COLUMN_OFFSET:
      return g_strdup_printf ("0x%04X", ossp_backup_entry_get_offset (entry));
    case COLUMN_LENGTH:
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%lu byte", "%lu bytes", len), (gulong) len);
    case COLUMN_WRAP:
      if (!ossp_backup_entry_get_wrap (entry))
        return g_strdup ("—");
      return g_strdup (ossp_backup_entry_get_cpu (entry) == OSSP_BACKUP_WRAP_CPU_M33_TDCID2
                       ? _("M33 HUK") : _("A35 HUK"));
    case COLUMN_DATA:
      if (gtk_toggle_button_get_active (self->show_data_button))
        {
          const guint8 *data = g_bytes_get_data (ossp_backup_entry_get_data (entry), NULL);
          char *hex = ossp_hex_encode (data, MIN (len, 12));
          char *text = g_strdup_printf ("%s%s", hex, len > 12 ? "…" : "");
          ossp_secure_strfree (hex);
          return text;
        }
      if (ossp_backup_entry_get_data_file (entry))
        {
          g_autofree char *base = g_path_get_basename (ossp_backup_entry_get_data_file (entry));
          return g_strdup_printf (_("file %s"), base);
        }
      return g_strdup ("••••••••");
    case COLUMN_LABEL:
    default:
      return g_strdup (ossp_backup_entry_get_label (entry) ? ossp_backup_entry_get_label (entry) : "");
    }
}

static void
column_setup_cb (GtkSignalListItemFactory *factory,
                 GtkListItem              *item,
                 gpointer                  user_data)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_list_item_set_child (item, label);
}

static void
column_bind_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *item,
                OsspBackupPage           *self)
{
  Column column = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (factory), "column"));
  OsspBackupEntry *entry = gtk_list_item_get_item (item);
  g_autofree char *text = entry_column_text (self, entry, column);
  GtkWidget *label = gtk_list_item_get_child (item);

  gtk_label_set_text (GTK_LABEL (label), text);
  if (column == COLUMN_OFFSET || column == COLUMN_DATA)
    gtk_widget_add_css_class (label, "monospace");
}

static void
add_column (OsspBackupPage *self,
            const char     *title,
            Column          column,
            gboolean        expand)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkColumnViewColumn *col;

  g_object_set_data (G_OBJECT (factory), "column", GINT_TO_POINTER (column));
  g_signal_connect (factory, "setup", G_CALLBACK (column_setup_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (column_bind_cb), self);
  col = gtk_column_view_column_new (title, factory);
  gtk_column_view_column_set_expand (col, expand);
  gtk_column_view_append_column (self->entries_view, col);
  g_object_unref (col);
}

/* ---- list state -------------------------------------------------------------- */

static guint
selected_position (OsspBackupPage *self)
{
  return self->selection ? gtk_single_selection_get_selected (self->selection) : GTK_INVALID_LIST_POSITION;
}

static void
set_busy (OsspBackupPage *self,
          gboolean        busy)
{
  self->busy = busy;
  gtk_widget_set_sensitive (self->editor_box, !busy);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static void
fill_base_row (OsspBackupPage *self)
{
  const OsspBackupMemoryInfo *mem = ossp_backup_list_get_memory (self->list);
  g_autoptr(GtkStringList) bases = gtk_string_list_new (NULL);
  guint selected = 0;

  for (guint i = 0; i < mem->n_bases; i++)
    {
      g_autofree char *text = g_strdup_printf ("0x%08X", mem->bases[i]);
      gtk_string_list_append (bases, text);
      if (mem->bases[i] == ossp_backup_list_get_base (self->list))
        selected = i;
    }
  self->updating = TRUE;
  adw_combo_row_set_model (self->base_row, G_LIST_MODEL (bases));
  adw_combo_row_set_selected (self->base_row, selected);
  self->updating = FALSE;
}

static void
refresh_list_state (OsspBackupPage *self)
{
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *usage = NULL;
  const OsspBackupMemoryInfo *mem;
  gboolean has_selection;
  guint n;

  if (self->list == NULL)
    return;
  mem = ossp_backup_list_get_memory (self->list);
  n = ossp_backup_list_get_n_entries (self->list);
  usage = g_strdup_printf (_("%lu of %u bytes in %u entries"),
                           (gulong) ossp_backup_list_get_used_bytes (self->list), mem->size, n);
  adw_action_row_set_subtitle (self->usage_row, usage);

  problems = ossp_backup_list_validate (self->list);
  for (guint i = 0; i < problems->len; i++)
    {
      const OsspBackupProblem *p = problems->pdata[i];
      g_string_append_printf (text, "%s%s", text->len ? "\n" : "", p->message);
    }
  gtk_label_set_text (self->list_problems, text->str);
  gtk_widget_set_visible (GTK_WIDGET (self->list_problems), text->len > 0);
  if (ossp_backup_problems_count_errors (problems) > 0)
    gtk_widget_add_css_class (GTK_WIDGET (self->list_problems), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->list_problems), "error");
  if (ossp_backup_problems_count_errors (problems) == 0 && n == 0)
    gtk_widget_add_css_class (GTK_WIDGET (self->list_problems), "dim-label");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->list_problems), "dim-label");

  has_selection = selected_position (self) != GTK_INVALID_LIST_POSITION;
  gtk_widget_set_sensitive (GTK_WIDGET (self->edit_button), has_selection);
  gtk_widget_set_sensitive (GTK_WIDGET (self->remove_button), has_selection);
  gtk_widget_set_sensitive (GTK_WIDGET (self->build_button), ossp_backup_problems_count_errors (problems) == 0);
}

static void
list_changed_cb (OsspBackupPage *self)
{
  refresh_list_state (self);
  update_editor (self);
  ossp_project_page_set_dirty (self, TRUE);
}

/* The project's backup[] entry for this list's memory: its list, its
 * built file, its base. */
static void
record_in_project (OsspBackupPage *self,
                   OsspProject    *project,
                   const char     *list_path,
                   const char     *file_path)
{
  const char *kind;
  g_autofree char *old_list = NULL, *old_file = NULL;
  gint idx;

  if (project == NULL || self->list == NULL)
    return;
  kind = ossp_backup_list_get_memory (self->list)->kind;
  idx = ossp_project_find_backup (project, kind);
  if (idx >= 0)
    {
      old_list = ossp_project_get_backup_path (project, (guint) idx, "list");
      old_file = ossp_project_get_backup_path (project, (guint) idx, "file");
    }
  else
    idx = (gint) ossp_project_get_n_backups (project);
  ossp_project_set_backup (project, (guint) idx, list_path ? list_path : old_list,
                           file_path ? file_path : old_file, ossp_backup_list_get_base (self->list));
}

static void
reset_editor (OsspBackupPage *self)
{
  guint32 next = self->list ? ossp_backup_list_get_next_offset (self->list) : 0;
  g_autofree char *offset = next == G_MAXUINT32 ? g_strdup ("") : g_strdup_printf ("0x%X", next);

  self->updating = TRUE;
  self->editing = -1;
  adw_preferences_group_set_title (self->editor_group, _("New Entry"));
  gtk_button_set_label (self->apply_button, _("_Add Entry"));
  gtk_widget_set_visible (GTK_WIDGET (self->cancel_button), FALSE);
  gtk_editable_set_text (GTK_EDITABLE (self->offset_row), offset);
  gtk_editable_set_text (GTK_EDITABLE (self->hex_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->label_row), "");
  gtk_switch_set_active (self->wrap_switch, FALSE);
  g_clear_pointer (&self->file_data, g_bytes_unref);
  g_clear_pointer (&self->file_path, g_free);
  adw_action_row_set_subtitle (self->file_row, _("No file chosen"));
  self->updating = FALSE;
  update_editor (self);
}

static void
set_list (OsspBackupPage *self,
          OsspBackupList *list)
{
  const OsspChip *chip;
  g_autoptr(GtkStringList) memories = gtk_string_list_new (NULL);
  guint selected = 0;

  if (self->list != NULL)
    g_signal_handlers_disconnect_by_data (self->list, self);
  g_set_object (&self->list, list);
  if (self->selection == NULL)
    {
      self->selection = gtk_single_selection_new (NULL);
      gtk_single_selection_set_autoselect (self->selection, FALSE);
      gtk_single_selection_set_can_unselect (self->selection, TRUE);
      g_signal_connect_swapped (self->selection, "notify::selected", G_CALLBACK (refresh_list_state), self);
      gtk_column_view_set_model (self->entries_view, GTK_SELECTION_MODEL (self->selection));
    }
  gtk_single_selection_set_model (self->selection, list ? G_LIST_MODEL (list) : NULL);
  if (list == NULL)
    return;

  g_signal_connect_swapped (list, "items-changed", G_CALLBACK (list_changed_cb), self);
  g_signal_connect_swapped (list, "notify::base", G_CALLBACK (list_changed_cb), self);
  chip = ossp_backup_list_get_chip (list);
  for (guint i = 0; i < ossp_chip_get_n_backup_memories ((OsspChip *) chip); i++)
    {
      const OsspBackupMemoryInfo *mem = ossp_chip_get_backup_memory ((OsspChip *) chip, i);
      gtk_string_list_append (memories, mem->name);
      if (mem == ossp_backup_list_get_memory (list))
        selected = i;
    }
  self->updating = TRUE;
  adw_combo_row_set_model (self->memory_row, G_LIST_MODEL (memories));
  adw_combo_row_set_selected (self->memory_row, selected);
  self->updating = FALSE;
  fill_base_row (self);
  refresh_list_state (self);
  reset_editor (self);
}

static void
update_for_chip (OsspBackupPage *self)
{
  g_autoptr(OsspBackupList) list = NULL;

  if (self->chip == NULL || ossp_chip_get_n_backup_memories (self->chip) == 0)
    {
      g_autofree char *text = g_strdup_printf (
        _("%s has no backup memory that SSP can provision. Provisioning TAMP backup registers and "
          "backup SRAM exists only on STM32MP2: choose STM32MP25 in the chip selector to build a "
          "backup list and its backup file."),
        self->chip ? ossp_chip_get_name (self->chip) : _("This chip"));
      adw_status_page_set_description (self->unsupported_page, text);
      gtk_stack_set_visible_child_name (self->stack, "unsupported");
      return;
    }
  gtk_stack_set_visible_child_name (self->stack, "editor");
  /* keep the user's work when the same chip comes back */
  if (self->list != NULL &&
      g_str_equal (ossp_chip_get_id (ossp_backup_list_get_chip (self->list)), ossp_chip_get_id (self->chip)))
    return;
  list = ossp_backup_list_new (self->chip, ossp_chip_get_backup_memory (self->chip, 0)->kind, NULL);
  set_list (self, list);
}

/* ---- combos -------------------------------------------------------------------- */

static void
memory_selected_cb (OsspBackupPage *self)
{
  g_autoptr(GError) error = NULL;
  guint pos = adw_combo_row_get_selected (self->memory_row);
  OsspChip *chip;

  if (self->updating || self->list == NULL)
    return;
  chip = ossp_backup_list_get_chip (self->list);
  if (pos >= ossp_chip_get_n_backup_memories (chip))
    return;
  if (!ossp_backup_list_set_memory_kind (self->list, ossp_chip_get_backup_memory (chip, pos)->kind, &error))
    {
      ossp_page_toast_error (self, error);
      /* back to the memory the entries still belong to */
      set_list (self, self->list);
      return;
    }
  fill_base_row (self);
  refresh_list_state (self);
  update_editor (self);
}

static void
base_selected_cb (OsspBackupPage *self)
{
  const OsspBackupMemoryInfo *mem;
  g_autoptr(GError) error = NULL;
  guint pos = adw_combo_row_get_selected (self->base_row);

  if (self->updating || self->list == NULL)
    return;
  mem = ossp_backup_list_get_memory (self->list);
  if (pos < mem->n_bases && !ossp_backup_list_set_base (self->list, mem->bases[pos], &error))
    ossp_page_toast_error (self, error);
}

/* ---- the editor ------------------------------------------------------------------ */

/* The editor's data: hex typed in, or the bytes of the chosen file.
 * NULL with *why set when there is none yet or it does not parse. */
static GBytes *
editor_data (OsspBackupPage  *self,
             char           **why)
{
  const char *hex;
  g_autoptr(GError) error = NULL;
  GBytes *bytes;

  if (gtk_toggle_button_get_active (self->file_toggle))
    {
      if (self->file_data == NULL)
        {
          *why = g_strdup (_("Choose a file that holds the data"));
          return NULL;
        }
      return g_bytes_ref (self->file_data);
    }
  hex = gtk_editable_get_text (GTK_EDITABLE (self->hex_row));
  if (*hex == 0)
    {
      *why = g_strdup (_("Type the data as hex digits, e.g. 00112233"));
      return NULL;
    }
  bytes = ossp_backup_bytes_from_hex (hex, &error);
  if (bytes == NULL)
    *why = g_strdup (error->message);
  return bytes;
}

static OsspBackupEntry *
editor_entry (OsspBackupPage  *self,
              char           **why)
{
  g_autoptr(GBytes) data = editor_data (self, why);
  g_autoptr(GError) error = NULL;
  guint32 offset;
  OsspBackupWrapCpu cpu = OSSP_BACKUP_WRAP_CPU_NONE;
  gboolean wrap = gtk_switch_get_active (self->wrap_switch);
  const char *label = gtk_editable_get_text (GTK_EDITABLE (self->label_row));

  if (data == NULL)
    return NULL;
  if (!ossp_parse_u32 (gtk_editable_get_text (GTK_EDITABLE (self->offset_row)), &offset, &error))
    {
      *why = g_strdup_printf (_("Offset: %s"), error->message);
      return NULL;
    }
  if (wrap)
    cpu = adw_combo_row_get_selected (self->cpu_row) == 1 ? OSSP_BACKUP_WRAP_CPU_M33_TDCID2
                                                          : OSSP_BACKUP_WRAP_CPU_A35_TDCID1;
  return ossp_backup_entry_new_with_file (offset, data,
                                          gtk_toggle_button_get_active (self->file_toggle) ? self->file_path : NULL,
                                          wrap, cpu, *label ? label : NULL);
}

static void
set_error_style (GtkWidget *widget,
                 gboolean   error)
{
  if (error)
    gtk_widget_add_css_class (widget, "error");
  else
    gtk_widget_remove_css_class (widget, "error");
}

/* Live feedback: length and alignment, whether wrap is allowed, and
 * every rule the entry would break in the list (bounds, overlaps). */
static void
update_editor (OsspBackupPage *self)
{
  g_autofree char *why = NULL;
  g_autoptr(GBytes) data = NULL;
  g_autoptr(OsspBackupEntry) entry = NULL;
  g_autoptr(GString) problems_text = g_string_new (NULL);
  g_autofree char *length_text = NULL;
  gboolean is_file, can_wrap, ok = FALSE;
  gsize len = 0;

  if (self->updating || self->list == NULL)
    return;
  self->updating = TRUE;

  is_file = gtk_toggle_button_get_active (self->file_toggle);
  gtk_widget_set_visible (GTK_WIDGET (self->hex_row), !is_file);
  gtk_widget_set_visible (GTK_WIDGET (self->file_row), is_file);

  data = editor_data (self, &why);
  if (data != NULL)
    {
      len = g_bytes_get_size (data);
      if (len % 4 != 0)
        length_text = g_strdup_printf (_("%lu bytes: not whole 32-bit words, add %lu or remove %lu"),
                                       (gulong) len, (gulong) (4 - len % 4), (gulong) (len % 4));
      else
        length_text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                    "%lu bytes (%lu word), aligned",
                                                    "%lu bytes (%lu words), aligned",
                                                    len / 4), (gulong) len, (gulong) (len / 4));
      adw_action_row_set_subtitle (self->length_row, length_text);
      set_error_style (GTK_WIDGET (self->length_row), len % 4 != 0 || len == 0);
    }
  else
    {
      adw_action_row_set_subtitle (self->length_row, why);
      set_error_style (GTK_WIDGET (self->length_row), TRUE);
    }

  /* wrap only for a 128/256-bit key: say why when it is not allowed */
  can_wrap = data != NULL && ossp_backup_length_can_wrap (len);
  if (!can_wrap)
    {
      g_autofree char *tip = data != NULL
        ? g_strdup_printf (_("Only a 128- or 256-bit AES key (16 or 32 bytes) can be wrapped; this data is "
                             "%lu bytes"), (gulong) len)
        : g_strdup (_("Only a 128- or 256-bit AES key (16 or 32 bytes) can be wrapped; give the data first"));
      gtk_switch_set_active (self->wrap_switch, FALSE);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->wrap_row), tip);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->wrap_switch), tip);
    }
  else
    {
      const char *tip = _("Wrap this key with the hardware unique key of the chosen CPU before it lands in backup memory");
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->wrap_row), tip);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->wrap_switch), tip);
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->wrap_row), can_wrap);
  gtk_widget_set_sensitive (GTK_WIDGET (self->cpu_row), can_wrap && gtk_switch_get_active (self->wrap_switch));

  g_clear_pointer (&why, g_free);
  entry = editor_entry (self, &why);
  if (entry != NULL)
    {
      g_autoptr(GPtrArray) problems = ossp_backup_list_check_entry (self->list, entry, self->editing);
      for (guint i = 0; i < problems->len; i++)
        g_string_append_printf (problems_text, "%s%s", problems_text->len ? "\n" : "",
                                ((OsspBackupProblem *) problems->pdata[i])->message);
      ok = ossp_backup_problems_count_errors (problems) == 0;
    }
  else if (why != NULL && data != NULL)
    g_string_append (problems_text, why);   /* the offset; data problems show in Length */
  gtk_label_set_text (self->entry_problems, problems_text->str);
  gtk_widget_set_visible (GTK_WIDGET (self->entry_problems), problems_text->len > 0);
  set_error_style (GTK_WIDGET (self->offset_row), entry == NULL && data != NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->apply_button), ok);

  self->updating = FALSE;
}

static void
editor_changed_cb (OsspBackupPage *self)
{
  update_editor (self);
}

static void
source_toggled_cb (OsspBackupPage *self)
{
  update_editor (self);
}

static void
apply_clicked_cb (OsspBackupPage *self)
{
  g_autofree char *why = NULL;
  g_autoptr(OsspBackupEntry) entry = editor_entry (self, &why);
  g_autoptr(GError) error = NULL;
  guint pos = 0;
  gboolean ok;

  if (entry == NULL)
    {
      ossp_widget_toast (GTK_WIDGET (self), why);
      return;
    }
  if (self->editing >= 0)
    ok = ossp_backup_list_replace_entry (self->list, (guint) self->editing, entry, &pos, &error);
  else
    ok = ossp_backup_list_add_entry (self->list, entry, &pos, &error);
  if (!ok)
    {
      ossp_page_toast_error (self, error);
      return;
    }
  reset_editor (self);
  gtk_single_selection_set_selected (self->selection, pos);
}

static void
cancel_clicked_cb (OsspBackupPage *self)
{
  reset_editor (self);
}

static void
edit_position (OsspBackupPage *self,
               guint           position)
{
  OsspBackupEntry *entry;
  g_autofree char *offset = NULL;
  g_autofree char *title = NULL;
  const char *file;

  if (self->list == NULL || position >= ossp_backup_list_get_n_entries (self->list))
    return;
  entry = ossp_backup_list_get_entry (self->list, position);
  file = ossp_backup_entry_get_data_file (entry);
  offset = g_strdup_printf ("0x%X", ossp_backup_entry_get_offset (entry));
  title = g_strdup_printf (_("Edit Entry %u"), position);

  self->updating = TRUE;
  self->editing = (int) position;
  adw_preferences_group_set_title (self->editor_group, title);
  gtk_button_set_label (self->apply_button, _("_Save Changes"));
  gtk_widget_set_visible (GTK_WIDGET (self->cancel_button), TRUE);
  gtk_editable_set_text (GTK_EDITABLE (self->offset_row), offset);
  g_clear_pointer (&self->file_data, g_bytes_unref);
  g_clear_pointer (&self->file_path, g_free);
  if (file != NULL)
    {
      self->file_data = g_bytes_ref (ossp_backup_entry_get_data (entry));
      self->file_path = g_strdup (file);
      ossp_row_set_subtitle_text (self->file_row, file);
      gtk_toggle_button_set_active (self->file_toggle, TRUE);
      gtk_editable_set_text (GTK_EDITABLE (self->hex_row), "");
    }
  else
    {
      gsize len = 0;
      const guint8 *data = g_bytes_get_data (ossp_backup_entry_get_data (entry), &len);
      char *hex = ossp_hex_encode (data, len);
      gtk_toggle_button_set_active (self->hex_toggle, TRUE);
      gtk_editable_set_text (GTK_EDITABLE (self->hex_row), hex);
      ossp_secure_strfree (hex);
    }
  gtk_switch_set_active (self->wrap_switch, ossp_backup_entry_get_wrap (entry));
  adw_combo_row_set_selected (self->cpu_row,
                              ossp_backup_entry_get_cpu (entry) == OSSP_BACKUP_WRAP_CPU_M33_TDCID2 ? 1 : 0);
  gtk_editable_set_text (GTK_EDITABLE (self->label_row),
                         ossp_backup_entry_get_label (entry) ? ossp_backup_entry_get_label (entry) : "");
  self->updating = FALSE;
  update_editor (self);
}

static void
edit_clicked_cb (OsspBackupPage *self)
{
  edit_position (self, selected_position (self));
}

static void
entry_activated_cb (OsspBackupPage *self,
                    guint           position)
{
  edit_position (self, position);
}

static void
remove_clicked_cb (OsspBackupPage *self)
{
  guint pos = selected_position (self);

  /* only the list changes; nothing irreversible happens here */
  if (pos == GTK_INVALID_LIST_POSITION || self->list == NULL)
    return;
  if (self->editing == (int) pos)
    reset_editor (self);
  else if (self->editing > (int) pos)
    self->editing--;
  ossp_backup_list_remove (self->list, pos);
}

static void
show_data_toggled_cb (OsspBackupPage *self)
{
  /* rebind every row so the data column is masked or shown */
  gtk_single_selection_set_model (self->selection, NULL);
  gtk_single_selection_set_model (self->selection, self->list ? G_LIST_MODEL (self->list) : NULL);
  refresh_list_state (self);
}

/* ---- files, in worker threads ------------------------------------------------------- */

typedef struct {
  OsspBackupList *list;
  OsspChip       *chip;
  char           *path;
  const char     *project_member;  /* "list" or "file": what the project records */
  char           *done_message;    /* the toast after writing */
} FileJob;

/* an import always returns one of these: the list, or why not */
typedef struct {
  OsspBackupList *list;
  GPtrArray      *problems;
  GError         *error;
} FileResult;

static void
file_job_free (FileJob *job)
{
  g_clear_object (&job->list);
  g_clear_object (&job->chip);
  g_free (job->path);
  g_free (job->done_message);
  g_free (job);
}

static void
file_result_free (FileResult *result)
{
  g_clear_object (&result->list);
  g_clear_pointer (&result->problems, g_ptr_array_unref);
  g_clear_error (&result->error);
  g_free (result);
}

static gpointer
import_job (gpointer job_data, GCancellable *cancellable, GError **error)
{
  FileJob *job = job_data;
  FileResult *result = g_new0 (FileResult, 1);

  result->list = ossp_backup_list_load_json (job->chip, job->path, &result->problems, &result->error);
  return result;
}

/* the chooser already asked before replacing a file */
static gpointer
export_job (gpointer job_data, GCancellable *cancellable, GError **error)
{
  FileJob *job = job_data;

  return ossp_backup_list_save_json (job->list, job->path, OSSP_WRITE_FLAGS_OVERWRITE, error) ? job : NULL;
}

static gpointer
build_job (gpointer job_data, GCancellable *cancellable, GError **error)
{
  FileJob *job = job_data;

  return ossp_backup_list_save (job->list, job->path, OSSP_WRITE_FLAGS_OVERWRITE, error) ? job : NULL;
}

static gpointer
read_data_job (gpointer job_data, GCancellable *cancellable, GError **error)
{
  FileJob *job = job_data;
  g_autoptr(OsspSecret) secret = ossp_secret_new_from_file (job->path, 0, error);

  if (secret == NULL)
    return NULL;
  if (secret->len > MAX_DATA_FILE)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA, "%s is larger than any backup memory", job->path);
      return NULL;
    }
  return ossp_backup_secure_bytes_new (secret->data, secret->len);
}

/* The problems go in a scrolled, left-aligned list under a short
 * summary: an import can report dozens of them. */
static void
show_problems_dialog (OsspBackupPage *self,
                      const char     *heading,
                      const GError   *error,
                      GPtrArray      *problems)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *summary = NULL;
  AdwMessageDialog *dialog;
  GtkWidget *scroller, *label;
  guint n = problems ? problems->len : 0;

  if (n == 0)
    {
      dialog = ossp_page_dialog_new (self, heading, error->message, NULL, NULL, ADW_RESPONSE_DEFAULT, NULL);
      gtk_window_present (GTK_WINDOW (dialog));
      return;
    }
  for (guint i = 0; i < n; i++)
    {
      const OsspBackupProblem *p = problems->pdata[i];
      g_autofree char *where = ossp_backup_problem_get_where (p);
      g_string_append_printf (text, "%s• %s: %s", i ? "\n" : "", where, p->message);
    }
  summary = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u problem was found; fix it and try again.",
                                          "%u problems were found; fix them and try again.", n), n);
  label = gtk_label_new (text->str);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_widget_set_name (label, "problems");
  scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scroller), 360);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scroller), TRUE);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), label);
  dialog = ossp_page_dialog_new (self, heading, summary, NULL, NULL, ADW_RESPONSE_DEFAULT, scroller);
  gtk_window_set_default_size (GTK_WINDOW (dialog), 640, -1);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
import_done (gpointer page, gpointer value, const GError *error, gpointer job_data)
{
  OsspBackupPage *self = page;
  FileResult *result = value;
  FileJob *job = job_data;

  set_busy (self, FALSE);
  if (result->list == NULL)
    {
      /* every bad entry, with where and why; the list is left as it was */
      show_problems_dialog (self, _("Nothing Was Imported"), result->error, result->problems);
      ossp_page_toast_error (self, result->error);
      file_result_free (result);
      return;
    }
  set_list (self, result->list);
  g_free (self->list_path);
  self->list_path = g_strdup (job->path);
  record_in_project (self, ossp_project_page_get_project (self), job->path, NULL);
  ossp_project_page_set_dirty (self, FALSE);
  if (!self->quiet_import)
    ossp_page_toast (self, _("Imported %u entries"), ossp_backup_list_get_n_entries (result->list));
  self->quiet_import = FALSE;
  file_result_free (result);
}

static void
write_done (gpointer page, gpointer result, const GError *error, gpointer job_data)
{
  OsspBackupPage *self = page;
  FileJob *job = job_data;
  gboolean is_list = g_strcmp0 (job->project_member, "list") == 0;

  set_busy (self, FALSE);
  if (result == NULL)
    {
      g_autoptr(GPtrArray) problems = error->code == OSSP_ERROR_VALIDATION && self->list
                                      ? ossp_backup_list_validate (self->list) : NULL;
      show_problems_dialog (self, _("The File Was Not Written"), error, problems);
      return;
    }
  ossp_widget_toast (GTK_WIDGET (self), job->done_message);
  if (is_list)
    {
      g_free (self->list_path);
      self->list_path = g_strdup (job->path);
      ossp_project_page_set_dirty (self, FALSE);
    }
  record_in_project (self, ossp_project_page_get_project (self), is_list ? job->path : NULL,
                     is_list ? NULL : job->path);
}

static void
read_data_done (gpointer page, gpointer result, const GError *error, gpointer job_data)
{
  OsspBackupPage *self = page;
  FileJob *job = job_data;

  set_busy (self, FALSE);
  if (ossp_page_job_failed (self, result, error))
    return;
  g_clear_pointer (&self->file_data, g_bytes_unref);
  g_free (self->file_path);
  self->file_data = result;
  self->file_path = g_strdup (job->path);
  ossp_row_set_subtitle_text (self->file_row, job->path);
  update_editor (self);
}

static void
run_job (OsspBackupPage   *self,
         GFile            *file,
         OsspPageJobFunc   func,
         GDestroyNotify    result_free,
         OsspPageDoneFunc  done,
         const char       *done_message,
         const char       *project_member)
{
  FileJob *job = g_new0 (FileJob, 1);

  job->project_member = project_member;
  job->done_message = g_strdup (done_message);
  job->path = g_file_get_path (file);
  job->chip = self->chip ? g_object_ref (self->chip) : NULL;
  /* the page is insensitive while busy, so the list does not change
   * under the worker */
  job->list = self->list ? g_object_ref (self->list) : NULL;
  set_busy (self, TRUE);
  ossp_page_run_job (self, NULL, func, job, (GDestroyNotify) file_job_free, result_free, done);
}

void
ossp_backup_page_import_file (OsspBackupPage *self,
                              GFile          *file)
{
  g_return_if_fail (OSSP_IS_BACKUP_PAGE (self) && !self->busy && self->chip != NULL);
  run_job (self, file, import_job, (GDestroyNotify) file_result_free, import_done, NULL, "list");
}

void
ossp_backup_page_export_file (OsspBackupPage *self,
                              GFile          *file)
{
  g_return_if_fail (OSSP_IS_BACKUP_PAGE (self) && !self->busy && self->list != NULL);
  run_job (self, file, export_job, NULL, write_done, _("Backup list exported"), "list");
}

void
ossp_backup_page_build_file (OsspBackupPage *self,
                             GFile          *file)
{
  g_return_if_fail (OSSP_IS_BACKUP_PAGE (self) && !self->busy && self->list != NULL);
  run_job (self, file, build_job, NULL, write_done, _("Backup file written (readable by you only)"), "file");
}

/* ---- file choosers ------------------------------------------------------------------- */

typedef void (*FileFunc) (OsspBackupPage *self, GFile *file);

/* @func: what the button does with the file */
static void
file_chosen (gpointer page, const char *path, gpointer func)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);

  ((FileFunc) func) (page, file);
}

static void
open_chooser (OsspBackupPage       *self,
              const char           *title,
              GtkFileChooserAction  action,
              const char           *accept,
              const char           *pattern,
              const char           *filter_name,
              const char           *suggested_name,
              FileFunc              func)
{
  const OsspFileChoice choice = {
    .title = title, .action = action, .accept_label = accept, .suggested_name = suggested_name,
    .filter_name = filter_name, .filter_pattern = pattern, .all_files = TRUE,
  };

  ossp_page_choose_file (self, &choice, file_chosen, func, NULL);
}

static void
import_clicked_cb (OsspBackupPage *self)
{
  open_chooser (self, _("Import Backup List"), GTK_FILE_CHOOSER_ACTION_OPEN, _("_Import"),
                "*.json", _("Backup lists (JSON)"), NULL, ossp_backup_page_import_file);
}

static void
export_clicked_cb (OsspBackupPage *self)
{
  open_chooser (self, _("Export Backup List"), GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"),
                "*.json", _("Backup lists (JSON)"), "backup-list.json", ossp_backup_page_export_file);
}

static void
build_clicked_cb (OsspBackupPage *self)
{
  open_chooser (self, _("Build Backup File"), GTK_FILE_CHOOSER_ACTION_SAVE, _("_Build"),
                "*.bin", _("Backup files"), "backup-out.bin", ossp_backup_page_build_file);
}

static void
read_data_file (OsspBackupPage *self,
                GFile          *file)
{
  run_job (self, file, read_data_job, (GDestroyNotify) g_bytes_unref, read_data_done, NULL, NULL);
}

static void
choose_file_clicked_cb (OsspBackupPage *self)
{
  open_chooser (self, _("Choose Data File"), GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"),
                NULL, NULL, NULL, read_data_file);
}

/* ---- GObject -------------------------------------------------------------------------- */

/* ---- project ------------------------------------------------------------------------ */

/* A project opens its first backup list that exists; the page edits one
 * list at a time (the other is opened with Import). */
static void
project_load (OsspProjectPage *page,
              OsspProject     *project,
              const char      *key)
{
  OsspBackupPage *self = OSSP_BACKUP_PAGE (page);

  /* backup[] changes come from this page and the payload page's files */
  if (key != NULL)
    return;
  g_clear_pointer (&self->list_path, g_free);
  for (guint i = 0; i < ossp_project_get_n_backups (project); i++)
    {
      g_autofree char *list = ossp_project_get_backup_path (project, i, "list");
      if (list != NULL && g_file_test (list, G_FILE_TEST_EXISTS) && self->chip != NULL &&
          ossp_chip_get_n_backup_memories (self->chip) > 0 && !self->busy)
        {
          g_autoptr(GFile) file = g_file_new_for_path (list);
          self->quiet_import = TRUE;
          ossp_backup_page_import_file (self, file);
          return;
        }
    }
  /* nothing to open: a new, empty list */
  if (self->chip != NULL && ossp_chip_get_n_backup_memories (self->chip) > 0)
    {
      g_autoptr(OsspBackupList) list = ossp_backup_list_new (self->chip,
                                                             ossp_chip_get_backup_memory (self->chip, 0)->kind,
                                                             NULL);
      set_list (self, list);
    }
}

static gboolean
project_save_documents (OsspProjectPage  *page,
                        OsspProject      *project,
                        const char       *dir,
                        GError          **error)
{
  OsspBackupPage *self = OSSP_BACKUP_PAGE (page);
  g_autofree char *path = NULL;

  if (!ossp_project_page_get_dirty (self) || self->list == NULL)
    return TRUE;
  if (self->list_path == NULL && ossp_backup_list_get_n_entries (self->list) == 0)
    return TRUE;
  path = self->list_path ? g_strdup (self->list_path)
         : g_strdup_printf ("%s/%s.json", dir, ossp_backup_list_get_memory (self->list)->kind);
  if (!ossp_backup_list_save_json (self->list, path, OSSP_WRITE_FLAGS_OVERWRITE, error))
    return FALSE;
  g_free (self->list_path);
  self->list_path = g_steal_pointer (&path);
  record_in_project (self, project, self->list_path, NULL);
  return TRUE;
}

static void
project_page_iface_init (OsspProjectPageInterface *iface)
{
  iface->load = project_load;
  iface->save_documents = project_save_documents;
}

static void
ossp_backup_page_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  OsspBackupPage *self = OSSP_BACKUP_PAGE (object);

  switch (prop_id)
    {
    case PROP_CHIP:
      g_value_set_object (value, self->chip);
      break;
    case PROP_BUSY:
      g_value_set_boolean (value, self->busy);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ossp_backup_page_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  OsspBackupPage *self = OSSP_BACKUP_PAGE (object);

  switch (prop_id)
    {
    case PROP_CHIP:
      ossp_backup_page_set_chip (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ossp_backup_page_dispose (GObject *object)
{
  OsspBackupPage *self = OSSP_BACKUP_PAGE (object);

  if (self->list != NULL)
    g_signal_handlers_disconnect_by_data (self->list, self);
  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  g_clear_object (&self->list);
  g_clear_object (&self->selection);
  g_clear_object (&self->chip);
  g_clear_pointer (&self->file_data, g_bytes_unref);
  g_clear_pointer (&self->file_path, g_free);
  g_clear_pointer (&self->list_path, g_free);
  G_OBJECT_CLASS (ossp_backup_page_parent_class)->dispose (object);
}

static void
ossp_backup_page_class_init (OsspBackupPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  ossp_gui_ensure_resources ();

  object_class->get_property = ossp_backup_page_get_property;
  object_class->set_property = ossp_backup_page_set_property;
  object_class->dispose = ossp_backup_page_dispose;

  properties[PROP_CHIP] = g_param_spec_object ("chip", NULL, NULL, OSSP_TYPE_CHIP,
                                               G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BUSY] = g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                                                G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/openssp/OpenSSP/ui/ossp-backup-page.ui");
  gtk_widget_class_bind_template_child (widget_class, OsspBackupPage, stack);
  gtk_widget_class_bind_template_child (widget_class, OsspBackupPage, unsupported_page);
  gtk_widget_class_bind_template_child (widget_class, OsspBackupPage, editor_box);
  gtk_widget_class_bind_template_child (widget_class, OsspBackupPage, memory_row);
  gtk_widget_class_bind_template_child (widget_class, OsspBackupPage, base_row);
  gtk_widget_class_bind_template_child (widget_class, OsspBackupPage, usage_row);
  gtk_widget_class_bind_template_child (widget_class, OsspBackupPage, import_button);
  gtk_widget_class_bind_template_child (widget_class, OsspBackupPage, export_button);
  gtk_widget_class_bind_template_child (widget_class, OsspBackupPage, build_button);
  gtk_widget_class_bind_template_child (widget_class, OsspBackupPage, show_data_button);
  gtk_widget_class_bind_template_child (widget_class, OsspBackupPage, edit_button);
  gtk_widget_class_bind_template_child (widget_class, OsspBackupPage, remove_button);
  gtk_widget_class_bind_template_child (widget_class, OsspBackupPage, entries_view);
  gtk_widget_class_bind_template_child (widget_class, OsspBackupPage, list_problems);
  gtk_widget_class_bind_template_child (widget_class, OsspBackupPage, editor_group);
  gtk_widget_class_bind_template_child (widget_class, OsspBackupPage, offset_row);
  gtk_widget_class_bind_template_child (widget_class, OsspBackupPage, hex_toggle);
  gtk_widget_class_bind_template_child (widget_class, OsspBackupPage, file_toggle);
  gtk_widget_class_bind_template_child (widget_class, OsspBackupPage, hex_row);
  gtk_widget_class_bind_template_child (widget_class, OsspBackupPage, file_row);
  gtk_widget_class_bind_template_child (widget_class, OsspBackupPage, length_row);
  gtk_widget_class_bind_template_child (widget_class, OsspBackupPage, wrap_row);
  gtk_widget_class_bind_template_child (widget_class, OsspBackupPage, wrap_switch);
  gtk_widget_class_bind_template_child (widget_class, OsspBackupPage, cpu_row);
  gtk_widget_class_bind_template_child (widget_class, OsspBackupPage, label_row);
  gtk_widget_class_bind_template_child (widget_class, OsspBackupPage, entry_problems);
  gtk_widget_class_bind_template_child (widget_class, OsspBackupPage, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, OsspBackupPage, apply_button);
  gtk_widget_class_bind_template_callback (widget_class, import_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, export_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, build_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, memory_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, base_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, show_data_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, edit_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, remove_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, entry_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, editor_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, source_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, choose_file_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, cancel_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, apply_clicked_cb);
}

static void
ossp_backup_page_init (OsspBackupPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  ossp_help_attach (GTK_WIDGET (self->wrap_row), OSSP_HELP_WRAP_HUK);
  /* the entry buttons wrap in a narrow window */
  ossp_wrap_layout_apply (gtk_widget_get_parent (GTK_WIDGET (self->show_data_button)), 6, 6);
  ossp_wrap_layout_apply (gtk_widget_get_parent (GTK_WIDGET (self->import_button)), 6, 6);
  self->editing = -1;
  add_column (self, _("Offset"), COLUMN_OFFSET, FALSE);
  add_column (self, _("Length"), COLUMN_LENGTH, FALSE);
  add_column (self, _("Wrap"), COLUMN_WRAP, FALSE);
  add_column (self, _("Data"), COLUMN_DATA, TRUE);
  add_column (self, _("Label"), COLUMN_LABEL, TRUE);
  set_list (self, NULL);
  update_for_chip (self);
}

GtkWidget *
ossp_backup_page_new (void)
{
  return g_object_new (OSSP_TYPE_BACKUP_PAGE, NULL);
}

OsspChip *
ossp_backup_page_get_chip (OsspBackupPage *self)
{
  return self->chip;
}

void
ossp_backup_page_set_chip (OsspBackupPage *self,
                           OsspChip       *chip)
{
  if (!g_set_object (&self->chip, chip))
    return;
  update_for_chip (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHIP]);
}

OsspBackupList *
ossp_backup_page_get_list (OsspBackupPage *self)
{
  return self->list;
}

gboolean
ossp_backup_page_get_busy (OsspBackupPage *self)
{
  return self->busy;
}
