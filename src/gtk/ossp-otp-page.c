/* ossp-otp-page.c — "OTP secrets": the chip's OTP map with the list's
 * values, lock switches, typed helpers, live problems, JSON import/export
 * and the binary secret file (docs/otp.md)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ossp-otp-page.h"
#include "ossp-help.h"
#include "ossp-page-util.h"
#include "ossp-project-page.h"
#include "ossp-window.h"
#include "ossp-wrap-layout.h"

#define WORD_KEY "ossp-otp-word"

struct _OsspOtpPage
{
  AdwBin              parent_instance;

  GtkBox             *summary_box;
  GtkImage           *summary_icon;
  GtkLabel           *summary_label;
  GtkLabel           *lock_note;
  GtkButton          *add_button;
  GtkButton          *edit_button;
  GtkButton          *remove_button;
  GtkButton          *rma_button;
  GtkButton          *pkhth_button;
  GtkButton          *key_button;
  GtkToggleButton    *set_only_toggle;
  GtkButton          *open_button;
  GtkButton          *save_button;
  GtkButton          *build_button;
  GtkColumnView      *column_view;
  GtkListBox         *problems_list;

  OsspChip           *chip;
  OsspOtpSecret      *secret;
  GListStore         *rows;          /* one OsspOtpItem per chip word: the list's or a placeholder */
  GPtrArray          *placeholders;  /* index = word */
  GtkCustomFilter    *filter;
  GtkSingleSelection *selection;
  GPtrArray          *problems;      /* OsspOtpProblem, from the last validation */
  GPtrArray          *status_images; /* bound status cells, refreshed after validation */
  GCancellable       *cancellable;
  guint               busy;
};

static void project_page_iface_init (OsspProjectPageInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OsspOtpPage, ossp_otp_page, ADW_TYPE_BIN,
                               G_IMPLEMENT_INTERFACE (OSSP_TYPE_PROJECT_PAGE, project_page_iface_init))

enum {
  PROP_0,
  PROP_CHIP,
  PROP_SECRET,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ------------------------------------------------------------ word facts */

static gboolean
word_is_editable (OsspOtpPage *self,
                  guint        word)
{
  guint pkh = ossp_chip_get_pkh_first_word (self->chip);

  if (ossp_chip_is_mp1 (self->chip) && word >= pkh && word < pkh + 8)
    return FALSE;
  return ossp_chip_word_is_ssp_writable (self->chip, word);
}

/* why a word cannot be edited, for its tooltip */
static char *
word_reason (OsspOtpPage *self,
             guint        word)
{
  const OsspOtpWordInfo *info = ossp_chip_lookup_word (self->chip, word);
  guint pkh = ossp_chip_get_pkh_first_word (self->chip);

  if (ossp_chip_word_is_reserved (self->chip, word))
    return g_strdup_printf (_("Reserved for ST%s%s: the SSP never writes it"),
                            info && info->description ? " — " : "",
                            info && info->description ? info->description : "");
  if (ossp_chip_is_mp1 (self->chip) && word >= pkh && word < pkh + 8)
    return g_strdup_printf (_("On %s the SSP firmware programs words %u..%u from the payload "
                              "header (the OEM public key), not from the secret file"),
                            ossp_chip_get_name (self->chip), pkh, pkh + 7);
  if (!ossp_chip_is_mp1 (self->chip) && ossp_chip_word_is_bitwise (self->chip, word))
    return g_strdup_printf (_("Lower, bit-programmable OTP: the %s SSP secret file holds only "
                              "middle and upper words"), ossp_chip_get_name (self->chip));
  return g_strdup_printf (_("Outside the words the %s SSP firmware can program"),
                          ossp_chip_get_name (self->chip));
}

static char *
mp1_lock_text (OsspOtpPage *self)
{
  return g_strdup_printf (_("The %s SSP firmware permanently locks every word it programs "
                            "(zero words are skipped), so the lock is not a choice"),
                          ossp_chip_get_name (self->chip));
}

static gboolean
item_is_set (OsspOtpPage *self,
             OsspOtpItem *item)
{
  return ossp_otp_secret_lookup (self->secret, ossp_otp_item_get_word (item)) == item;
}

static guint
bound_word (gpointer widget)
{
  return GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (widget), WORD_KEY)) - 1;
}

static void
set_bound_word (gpointer widget,
                guint    word)
{
  g_object_set_data (G_OBJECT (widget), WORD_KEY, GUINT_TO_POINTER (word + 1));
}

/* ------------------------------------------------------ validation view */

static void
status_for_word (OsspOtpPage *self,
                 guint        word,
                 const char **icon,
                 char       **tooltip)
{
  g_autoptr(GString) text = g_string_new (NULL);
  gboolean error = FALSE, warning = FALSE;

  for (guint i = 0; self->problems && i < self->problems->len; i++)
    {
      OsspOtpProblem *p = g_ptr_array_index (self->problems, i);
      if (p->word != (gint) word)
        continue;
      error |= p->severity == OSSP_OTP_SEVERITY_ERROR;
      warning |= p->severity == OSSP_OTP_SEVERITY_WARNING;
      g_string_append_printf (text, "%s%s", text->len ? "\n" : "", p->message);
    }
  if (error)
    *icon = "dialog-error-symbolic";
  else if (warning)
    *icon = "dialog-warning-symbolic";
  else if (!word_is_editable (self, word))
    {
      *icon = "action-unavailable-symbolic";
      *tooltip = word_reason (self, word);
      return;
    }
  else if (ossp_otp_secret_lookup (self->secret, word))
    *icon = "emblem-ok-symbolic";
  else
    *icon = NULL;
  *tooltip = text->len ? g_strdup (text->str) : NULL;
}

static void
refresh_status_image (OsspOtpPage *self,
                      GtkImage    *image)
{
  const char *icon = NULL;
  g_autofree char *tooltip = NULL;

  status_for_word (self, bound_word (image), &icon, &tooltip);
  gtk_image_set_from_icon_name (image, icon);
  gtk_widget_set_tooltip_text (GTK_WIDGET (image), tooltip);
}

static GtkWidget *
problem_row (OsspOtpProblem *p)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  GtkWidget *icon = gtk_image_new_from_icon_name (p->severity == OSSP_OTP_SEVERITY_ERROR
                                                  ? "dialog-error-symbolic"
                                                  : "dialog-warning-symbolic");
  g_autofree char *text = p->word >= 0 ? g_strdup_printf (_("Word %d: %s"), p->word, p->message)
                                       : g_strdup (p->message);
  GtkWidget *label = gtk_label_new (text);

  gtk_widget_add_css_class (icon, p->severity == OSSP_OTP_SEVERITY_ERROR ? "error" : "warning");
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_widget_set_margin_start (box, 8);
  gtk_widget_set_margin_end (box, 8);
  gtk_widget_set_margin_top (box, 4);
  gtk_widget_set_margin_bottom (box, 4);
  gtk_box_append (GTK_BOX (box), icon);
  gtk_box_append (GTK_BOX (box), label);
  return box;
}

static void update_buttons (OsspOtpPage *self);

static void
revalidate (OsspOtpPage *self)
{
  GtkWidget *child;
  guint errors, warnings, set, locked = 0;
  g_autofree char *summary = NULL;

  g_clear_pointer (&self->problems, g_ptr_array_unref);
  self->problems = ossp_otp_secret_validate (self->secret);
  errors = ossp_otp_problems_count (self->problems, OSSP_OTP_SEVERITY_ERROR);
  warnings = ossp_otp_problems_count (self->problems, OSSP_OTP_SEVERITY_WARNING);
  set = g_list_model_get_n_items (G_LIST_MODEL (self->secret));
  for (guint i = 0; i < set; i++)
    {
      g_autoptr(OsspOtpItem) item = g_list_model_get_item (G_LIST_MODEL (self->secret), i);
      locked += ossp_otp_item_get_lock (item);
    }

  /* "3 words set, 2 locked, 1 error, 1 warning" */
  {
    g_autofree char *a = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u word set", "%u words set", set), set);
    g_autofree char *b = g_strdup_printf (_("%u locked"), locked);
    g_autofree char *c = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u error", "%u errors", errors), errors);
    g_autofree char *d = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u warning", "%u warnings", warnings), warnings);
    summary = g_strdup_printf ("%s, %s, %s, %s", a, b, c, d);
  }
  gtk_label_set_text (self->summary_label, summary);
  gtk_widget_remove_css_class (GTK_WIDGET (self->summary_icon), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (self->summary_icon), "warning");
  gtk_widget_remove_css_class (GTK_WIDGET (self->summary_icon), "success");
  gtk_widget_add_css_class (GTK_WIDGET (self->summary_icon),
                            errors ? "error" : warnings ? "warning" : "success");
  gtk_image_set_from_icon_name (self->summary_icon,
                                errors ? "dialog-error-symbolic"
                                : warnings ? "dialog-warning-symbolic" : "emblem-ok-symbolic");

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->problems_list))) != NULL)
    gtk_list_box_remove (self->problems_list, child);
  for (guint i = 0; i < self->problems->len; i++)
    gtk_list_box_append (self->problems_list, problem_row (g_ptr_array_index (self->problems, i)));

  for (guint i = 0; i < self->status_images->len; i++)
    refresh_status_image (self, g_ptr_array_index (self->status_images, i));
  update_buttons (self);
}

/* ------------------------------------------------------------- rows */

static void
rebuild_placeholders (OsspOtpPage *self)
{
  guint n = ossp_chip_get_otp_word_count (self->chip);

  g_ptr_array_set_size (self->placeholders, 0);
  for (guint w = 0; w < n; w++)
    {
      const OsspOtpWordInfo *info = ossp_chip_lookup_word (self->chip, w);
      g_autofree char *name = ossp_otp_secret_describe_word (self->chip, w);
      g_ptr_array_add (self->placeholders,
                       ossp_otp_item_new (w, 0, 0, 0, NULL, name, info ? info->description : NULL));
    }
}

/* Row w shows word w: the list's item when set, else a placeholder. Only
 * rows that changed are replaced, so scrolling and focus survive edits. */
static void
sync_rows (OsspOtpPage *self)
{
  guint n = self->placeholders->len;

  if (g_list_model_get_n_items (G_LIST_MODEL (self->rows)) != n)
    {
      g_autofree gpointer *all = g_new (gpointer, MAX (n, 1));
      for (guint w = 0; w < n; w++)
        {
          OsspOtpItem *item = ossp_otp_secret_lookup (self->secret, w);
          all[w] = item ? item : g_ptr_array_index (self->placeholders, w);
        }
      g_list_store_splice (self->rows, 0, g_list_model_get_n_items (G_LIST_MODEL (self->rows)),
                           all, n);
      return;
    }
  for (guint w = 0; w < n; w++)
    {
      OsspOtpItem *want = ossp_otp_secret_lookup (self->secret, w);
      g_autoptr(OsspOtpItem) cur = g_list_model_get_item (G_LIST_MODEL (self->rows), w);
      if (want == NULL)
        want = g_ptr_array_index (self->placeholders, w);
      if (cur != want)
        g_list_store_splice (self->rows, w, 1, (gpointer *) &want, 1);
    }
}

static void
secret_items_changed_cb (OsspOtpPage *self)
{
  sync_rows (self);
  revalidate (self);
  /* the list is the project's otp.list: an edit is unsaved work */
  ossp_project_page_set_dirty (self, TRUE);
}

static gboolean
filter_func (gpointer item,
             gpointer user_data)
{
  OsspOtpPage *self = user_data;

  if (!gtk_toggle_button_get_active (self->set_only_toggle))
    return TRUE;
  return item_is_set (self, item);
}

static void
set_only_toggled_cb (OsspOtpPage *self)
{
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
}

static OsspOtpItem *
selected_item (OsspOtpPage *self)
{
  return gtk_single_selection_get_selected_item (self->selection);
}

static void
update_buttons (OsspOtpPage *self)
{
  OsspOtpItem *sel = selected_item (self);
  gboolean idle = self->busy == 0;
  gboolean errors = ossp_otp_problems_count (self->problems, OSSP_OTP_SEVERITY_ERROR) > 0;
  gboolean mp1 = ossp_chip_is_mp1 (self->chip);

  gtk_widget_set_sensitive (GTK_WIDGET (self->edit_button),
                            sel != NULL && word_is_editable (self, ossp_otp_item_get_word (sel)));
  gtk_widget_set_sensitive (GTK_WIDGET (self->remove_button), sel != NULL && item_is_set (self, sel));
  gtk_widget_set_sensitive (GTK_WIDGET (self->rma_button), ossp_chip_get_rma_word (self->chip) >= 0);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->rma_button),
                               ossp_chip_get_rma_word (self->chip) >= 0
                               ? _("Set the RMA password (locked by the SSP)")
                               : _("The OTP location of this chip's RMA password is not public: "
                                   "set its words with Key… or Set a word"));
  gtk_widget_set_sensitive (GTK_WIDGET (self->pkhth_button), !mp1);
  if (mp1)
    {
      g_autofree char *why = word_reason (self, ossp_chip_get_pkh_first_word (self->chip));
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->pkhth_button), why);
    }
  else
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->pkhth_button),
                                 _("Put publicKeysHashHashes.bin (32 bytes, from the Keys page) "
                                   "into the PKH-table words, format 1, locked"));
  gtk_widget_set_sensitive (GTK_WIDGET (self->open_button), idle);
  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button), idle);
  gtk_widget_set_sensitive (GTK_WIDGET (self->build_button), idle && !errors);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->build_button),
                               errors ? _("Fix the errors listed below first")
                                      : mp1 ? _("Write the 148-byte secret file for OTP 59..95")
                                            : _("Write the OSOT secret file"));
}

static void
selection_changed_cb (OsspOtpPage *self)
{
  update_buttons (self);
}

/* ------------------------------------------------------------ editing */

static gboolean
set_word_keeping (OsspOtpPage *self,
                  guint        word,
                  guint32      value,
                  gint         lock,     /* -1: keep */
                  const char  *label,    /* NULL: keep */
                  GError     **error)
{
  OsspOtpItem *old = ossp_otp_secret_lookup (self->secret, word);
  OsspOtpItemFlags flags = old ? ossp_otp_item_get_flags (old) : 0;
  guint format = old ? ossp_otp_item_get_format (old) : 0;

  if (lock >= 0)
    flags = lock ? (flags | OSSP_OTP_ITEM_FLAG_LOCK) : (flags & ~OSSP_OTP_ITEM_FLAG_LOCK);
  if (label == NULL && old)
    label = ossp_otp_item_get_label (old);
  return ossp_otp_secret_set_item (self->secret, word, value, flags, format, label, error);
}

static gboolean
parse_value (const char *text,
             guint32    *out)
{
  return text && *text && ossp_parse_u32 (text, out, NULL);
}

static void
value_changed_cb (GtkEditable *entry,
                  OsspOtpPage *self)
{
  const char *text = gtk_editable_get_text (entry);
  guint32 v;

  /* live syntax check while typing; the model changes on Enter */
  if (*text == 0 || parse_value (text, &v))
    gtk_widget_remove_css_class (GTK_WIDGET (entry), "error");
  else
    gtk_widget_add_css_class (GTK_WIDGET (entry), "error");
}

/* Model changes from a cell run from an idle: they replace the row, which
 * may destroy the very widget whose signal is being emitted. */
typedef struct {
  OsspOtpPage *self;
  guint        word;
  gboolean     remove;
  guint32      value;
  gint         lock;     /* -1: keep */
} CellEdit;

static gboolean
cell_edit_idle (gpointer data)
{
  CellEdit *e = data;
  g_autoptr(GError) error = NULL;
  OsspOtpItem *old = ossp_otp_secret_lookup (e->self->secret, e->word);

  if (e->remove)
    ossp_otp_secret_remove_word (e->self->secret, e->word);
  else if (e->lock >= 0 && old == NULL)
    ;   /* the word went away meanwhile */
  else if (!set_word_keeping (e->self, e->word, e->lock >= 0 ? ossp_otp_item_get_value (old) : e->value,
                              e->lock, NULL, &error))
    ossp_page_toast_error (e->self, error);
  ossp_secure_wipe (&e->value, sizeof e->value);
  g_object_unref (e->self);
  g_free (e);
  return G_SOURCE_REMOVE;
}

static void
schedule_cell_edit (OsspOtpPage *self,
                    guint        word,
                    gboolean     remove,
                    guint32      value,
                    gint         lock)
{
  CellEdit *e = g_new0 (CellEdit, 1);

  e->self = g_object_ref (self);
  e->word = word;
  e->remove = remove;
  e->value = value;
  e->lock = lock;
  g_idle_add (cell_edit_idle, e);
}

static void
value_commit (OsspOtpPage *self,
              GtkEditable *entry)
{
  const char *text = gtk_editable_get_text (entry);
  guint word = bound_word (entry);
  OsspOtpItem *old;
  guint32 v = 0;

  if (word == G_MAXUINT || !word_is_editable (self, word))
    return;
  old = ossp_otp_secret_lookup (self->secret, word);
  if (*text == 0)
    {
      if (old)
        schedule_cell_edit (self, word, TRUE, 0, -1);
      return;
    }
  if (!parse_value (text, &v))
    {
      ossp_widget_toast (GTK_WIDGET (self),
                         _("Not a 32-bit value: use 0x and up to 8 hex digits, or decimal"));
      return;
    }
  if (old && ossp_otp_item_get_value (old) == v)
    return;
  schedule_cell_edit (self, word, FALSE, v, -1);
}

static void
value_activate_cb (GtkEntry    *entry,
                   OsspOtpPage *self)
{
  value_commit (self, GTK_EDITABLE (entry));
}

static void
value_focus_leave_cb (GtkEventControllerFocus *controller,
                      OsspOtpPage             *self)
{
  value_commit (self, GTK_EDITABLE (gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (controller))));
}

static void
lock_active_cb (GtkSwitch   *sw,
                GParamSpec  *pspec,
                OsspOtpPage *self)
{
  guint word = bound_word (sw);
  OsspOtpItem *old;

  if (g_object_get_data (G_OBJECT (sw), "ossp-binding") || word == G_MAXUINT)
    return;
  old = ossp_otp_secret_lookup (self->secret, word);
  if (old == NULL || ossp_otp_item_get_lock (old) == gtk_switch_get_active (sw))
    return;
  schedule_cell_edit (self, word, FALSE, 0, gtk_switch_get_active (sw));
}

/* ----------------------------------------------------------- factories */

static void
status_setup_cb (GtkListItemFactory *factory, GtkListItem *li, OsspOtpPage *self)
{
  gtk_list_item_set_child (li, gtk_image_new ());
}

static void
status_bind_cb (GtkListItemFactory *factory, GtkListItem *li, OsspOtpPage *self)
{
  GtkWidget *image = gtk_list_item_get_child (li);

  set_bound_word (image, ossp_otp_item_get_word (gtk_list_item_get_item (li)));
  g_ptr_array_add (self->status_images, image);
  refresh_status_image (self, GTK_IMAGE (image));
}

static void
status_unbind_cb (GtkListItemFactory *factory, GtkListItem *li, OsspOtpPage *self)
{
  g_ptr_array_remove_fast (self->status_images, gtk_list_item_get_child (li));
}

static void
label_setup_cb (GtkListItemFactory *factory, GtkListItem *li, OsspOtpPage *self)
{
  GtkWidget *label = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_list_item_set_child (li, label);
}

static void
word_bind_cb (GtkListItemFactory *factory, GtkListItem *li, OsspOtpPage *self)
{
  OsspOtpItem *item = gtk_list_item_get_item (li);
  GtkWidget *label = gtk_list_item_get_child (li);
  g_autofree char *text = g_strdup_printf ("%u", ossp_otp_item_get_word (item));

  gtk_label_set_text (GTK_LABEL (label), text);
  gtk_widget_add_css_class (label, "numeric");
}

static void
name_bind_cb (GtkListItemFactory *factory, GtkListItem *li, OsspOtpPage *self)
{
  OsspOtpItem *item = gtk_list_item_get_item (li);
  GtkWidget *label = gtk_list_item_get_child (li);
  guint word = ossp_otp_item_get_word (item);

  gtk_label_set_text (GTK_LABEL (label), ossp_otp_item_get_name (item) ? ossp_otp_item_get_name (item) : "—");
  gtk_widget_set_tooltip_text (label, ossp_otp_item_get_description (item));
  if (word_is_editable (self, word))
    gtk_widget_remove_css_class (label, "dim-label");
  else
    gtk_widget_add_css_class (label, "dim-label");
}

static void
label_bind_cb (GtkListItemFactory *factory, GtkListItem *li, OsspOtpPage *self)
{
  OsspOtpItem *item = gtk_list_item_get_item (li);
  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (li)),
                      item_is_set (self, item) && ossp_otp_item_get_label (item)
                      ? ossp_otp_item_get_label (item) : "");
}

static void
value_setup_cb (GtkListItemFactory *factory, GtkListItem *li, OsspOtpPage *self)
{
  GtkWidget *entry = gtk_entry_new ();
  GtkEventController *focus = gtk_event_controller_focus_new ();

  gtk_editable_set_width_chars (GTK_EDITABLE (entry), 12);
  gtk_entry_set_max_length (GTK_ENTRY (entry), 12);
  gtk_widget_add_css_class (entry, "hex-value");
  gtk_widget_add_css_class (entry, "flat");
  g_signal_connect (entry, "changed", G_CALLBACK (value_changed_cb), self);
  g_signal_connect (entry, "activate", G_CALLBACK (value_activate_cb), self);
  g_signal_connect (focus, "leave", G_CALLBACK (value_focus_leave_cb), self);
  gtk_widget_add_controller (entry, focus);
  set_bound_word (entry, G_MAXUINT);
  gtk_list_item_set_child (li, entry);
}

static void
value_bind_cb (GtkListItemFactory *factory, GtkListItem *li, OsspOtpPage *self)
{
  OsspOtpItem *item = gtk_list_item_get_item (li);
  GtkWidget *entry = gtk_list_item_get_child (li);
  guint word = ossp_otp_item_get_word (item);
  gboolean editable = word_is_editable (self, word);
  g_autofree char *text = item_is_set (self, item)
                          ? g_strdup_printf ("0x%08X", ossp_otp_item_get_value (item)) : g_strdup ("");

  set_bound_word (entry, G_MAXUINT);   /* no commit while we fill it */
  gtk_editable_set_text (GTK_EDITABLE (entry), text);
  ossp_secure_wipe (text, strlen (text));
  gtk_widget_remove_css_class (entry, "error");
  gtk_editable_set_editable (GTK_EDITABLE (entry), editable);
  gtk_widget_set_can_focus (entry, editable);
  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), editable ? _("not set") : "");
  if (editable)
    gtk_widget_set_tooltip_text (entry, _("Type a 32-bit value (0x… or decimal) and press Enter; "
                                          "empty removes the word"));
  else
    {
      g_autofree char *why = word_reason (self, word);
      gtk_widget_set_tooltip_text (entry, why);
    }
  set_bound_word (entry, word);
}

/* value entries and lock switches: a recycled cell commits nothing */
static void
word_unbind_cb (GtkListItemFactory *factory, GtkListItem *li, OsspOtpPage *self)
{
  set_bound_word (gtk_list_item_get_child (li), G_MAXUINT);
}

static void
lock_setup_cb (GtkListItemFactory *factory, GtkListItem *li, OsspOtpPage *self)
{
  GtkWidget *sw = gtk_switch_new ();

  gtk_widget_set_valign (sw, GTK_ALIGN_CENTER);
  gtk_widget_set_halign (sw, GTK_ALIGN_START);
  set_bound_word (sw, G_MAXUINT);
  g_signal_connect (sw, "notify::active", G_CALLBACK (lock_active_cb), self);
  gtk_list_item_set_child (li, sw);
}

static void
lock_bind_cb (GtkListItemFactory *factory, GtkListItem *li, OsspOtpPage *self)
{
  OsspOtpItem *item = gtk_list_item_get_item (li);
  GtkWidget *sw = gtk_list_item_get_child (li);
  guint word = ossp_otp_item_get_word (item);
  gboolean set = item_is_set (self, item);
  gboolean user = ossp_chip_has_user_lock_flags (self->chip);

  g_object_set_data (G_OBJECT (sw), "ossp-binding", GINT_TO_POINTER (1));
  set_bound_word (sw, word);
  gtk_switch_set_active (GTK_SWITCH (sw), set && ossp_otp_item_get_lock (item));
  g_object_set_data (G_OBJECT (sw), "ossp-binding", NULL);
  gtk_widget_set_visible (sw, set);
  gtk_widget_set_sensitive (sw, user && set && word_is_editable (self, word));
  if (!user)
    {
      g_autofree char *why = mp1_lock_text (self);
      gtk_widget_set_tooltip_text (sw, why);
    }
  else
    gtk_widget_set_tooltip_text (sw, _("Permanently lock this word after writing it: it can "
                                       "never change again"));
}

static void
add_column (OsspOtpPage *self,
            const char  *title,
            GCallback    setup,
            GCallback    bind,
            GCallback    unbind,
            gboolean     expand)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkColumnViewColumn *column;

  g_signal_connect (factory, "setup", setup, self);
  g_signal_connect (factory, "bind", bind, self);
  if (unbind)
    g_signal_connect (factory, "unbind", unbind, self);
  column = gtk_column_view_column_new (title, factory);
  gtk_column_view_column_set_expand (column, expand);
  gtk_column_view_append_column (self->column_view, column);
  g_object_unref (column);
}

/* ------------------------------------------------------------- dialogs */

static GtkWidget *
grid_row (GtkGrid    *grid,
          int         row,
          const char *title,
          GtkWidget  *widget)
{
  GtkWidget *label = gtk_label_new (title);

  gtk_label_set_xalign (GTK_LABEL (label), 1);
  gtk_widget_add_css_class (label, "dim-label");
  gtk_grid_attach (grid, label, 0, row, 1, 1);
  gtk_widget_set_hexpand (widget, TRUE);
  gtk_grid_attach (grid, widget, 1, row, 1, 1);
  return widget;
}

static GtkWidget *
new_grid (void)
{
  GtkWidget *grid = gtk_grid_new ();
  gtk_grid_set_row_spacing (GTK_GRID (grid), 8);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  return grid;
}

/* Every dialog's data starts with these two, so one free function serves
 * them all; the page is a ref, the dialog is not. */
typedef struct {
  OsspOtpPage      *self;
  AdwMessageDialog *dialog;
} DialogData;

static void
dialog_data_free (gpointer  data,
                  GClosure *closure)
{
  DialogData *d = data;

  g_object_unref (d->self);
  g_free (d);
}

/* @data: a WordDialog, RmaDialog or KeyDialog; it goes with the dialog,
 * whose "Set" and "Cancel" reach @response */
static void
new_dialog (OsspOtpPage *self,
            gpointer     data,
            const char  *heading,
            const char  *body,
            GtkWidget   *extra,
            GCallback    response)
{
  DialogData *d = data;

  d->self = g_object_ref (self);
  d->dialog = ossp_page_dialog_new (self, heading, body, "set", _("_Set"), ADW_RESPONSE_SUGGESTED, extra);
  g_signal_connect_data (d->dialog, "response", response, d, dialog_data_free, 0);
}

static void
editable_range (OsspOtpPage *self,
                guint       *first,
                guint       *last)
{
  guint n = ossp_chip_get_otp_word_count (self->chip);

  *first = 0;
  *last = 0;
  for (guint w = 0; w < n; w++)
    if (word_is_editable (self, w))
      {
        *first = w;
        break;
      }
  for (guint w = n; w-- > 0;)
    if (word_is_editable (self, w))
      {
        *last = w;
        break;
      }
}

static OsspOtpSecret *
copy_secret (OsspOtpPage *self)
{
  OsspOtpSecret *copy = ossp_otp_secret_new (self->chip);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->secret));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(OsspOtpItem) it = g_list_model_get_item (G_LIST_MODEL (self->secret), i);
      ossp_otp_secret_set_item (copy, ossp_otp_item_get_word (it), ossp_otp_item_get_value (it),
                                ossp_otp_item_get_flags (it), ossp_otp_item_get_format (it),
                                ossp_otp_item_get_label (it), NULL);
    }
  return copy;
}

/* The messages validation would give these words, for live feedback */
static char *
preview_problems (OsspOtpPage   *self,
                  OsspOtpSecret *proposed,
                  guint          first,
                  guint          last)
{
  g_autoptr(GPtrArray) problems = ossp_otp_secret_validate (proposed);
  const OsspOtpWordInfo *info = ossp_chip_lookup_word (self->chip, first);
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < problems->len; i++)
    {
      OsspOtpProblem *p = g_ptr_array_index (problems, i);
      gboolean mine = p->word >= (gint) first && p->word <= (gint) last;
      /* a multi-word value reports at its first word */
      mine |= info && info->format && p->word == (gint) info->first &&
              g_str_equal (p->code, "partial-value");
      if (!mine)
        continue;
      g_string_append_printf (text, "%s%s: %s", text->len ? "\n" : "",
                              p->severity == OSSP_OTP_SEVERITY_ERROR ? _("Error") : _("Warning"),
                              p->message);
    }
  return g_string_free (text, FALSE);
}

typedef struct {
  OsspOtpPage      *self;
  AdwMessageDialog *dialog;
  GtkSpinButton    *word;
  GtkLabel         *word_name;
  GtkEntry         *value;
  GtkCheckButton   *lock;
  GtkEntry         *label;
  GtkLabel         *check;
} WordDialog;

static void
word_dialog_update (WordDialog *d)
{
  OsspOtpPage *self = d->self;
  guint word = (guint) gtk_spin_button_get_value_as_int (d->word);
  const char *text = gtk_editable_get_text (GTK_EDITABLE (d->value));
  g_autofree char *name = ossp_otp_secret_describe_word (self->chip, word);
  g_autofree char *problems = NULL;
  gboolean editable = word_is_editable (self, word);
  gboolean ok;
  guint32 v = 0;

  ok = parse_value (text, &v);
  gtk_label_set_text (d->word_name, name ? name : _("unnamed word"));
  if (*text && !ok)
    gtk_widget_add_css_class (GTK_WIDGET (d->value), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (d->value), "error");

  if (!editable)
    problems = word_reason (self, word);
  else if (!ok)
    problems = g_strdup (*text ? _("Not a 32-bit value: 0x and up to 8 hex digits, or decimal")
                               : _("Type the value to burn"));
  else
    {
      g_autoptr(OsspOtpSecret) proposed = copy_secret (self);
      OsspOtpItem *old = ossp_otp_secret_lookup (self->secret, word);
      ossp_otp_secret_set_item (proposed, word, v,
                                (old ? ossp_otp_item_get_flags (old) & ~OSSP_OTP_ITEM_FLAG_LOCK : 0) |
                                (gtk_check_button_get_active (d->lock) ? OSSP_OTP_ITEM_FLAG_LOCK : 0),
                                old ? ossp_otp_item_get_format (old) : 0, NULL, NULL);
      problems = preview_problems (self, proposed, word, word);
      if (*problems == 0)
        {
          g_free (problems);
          problems = g_strdup (_("No problem for this word"));
        }
    }
  gtk_label_set_text (d->check, problems);
  adw_message_dialog_set_response_enabled (d->dialog, "set", ok && editable);
}

static void
word_dialog_response_cb (AdwMessageDialog *dialog, const char *response, WordDialog *d)
{
  g_autoptr(GError) error = NULL;
  guint32 v = 0;
  guint word = (guint) gtk_spin_button_get_value_as_int (d->word);

  if (g_str_equal (response, "set") &&
      parse_value (gtk_editable_get_text (GTK_EDITABLE (d->value)), &v) &&
      !set_word_keeping (d->self, word, v, gtk_check_button_get_active (d->lock),
                         gtk_editable_get_text (GTK_EDITABLE (d->label)), &error))
    ossp_page_toast_error (d->self, error);
  /* the dialog held the value in clear */
  gtk_editable_set_text (GTK_EDITABLE (d->value), "");
}

static void
open_word_dialog (OsspOtpPage *self,
                  guint        word)
{
  WordDialog *d = g_new0 (WordDialog, 1);
  GtkWidget *grid = new_grid ();
  GtkWidget *word_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  OsspOtpItem *old = ossp_otp_secret_lookup (self->secret, word);
  gboolean user = ossp_chip_has_user_lock_flags (self->chip);
  guint first, last;

  editable_range (self, &first, &last);
  d->word = GTK_SPIN_BUTTON (gtk_spin_button_new_with_range (first, last, 1));
  gtk_widget_set_name (GTK_WIDGET (d->word), "otp-dialog-word");
  gtk_spin_button_set_value (d->word, CLAMP (word, first, last));
  d->word_name = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_add_css_class (GTK_WIDGET (d->word_name), "dim-label");
  gtk_box_append (GTK_BOX (word_box), GTK_WIDGET (d->word));
  gtk_box_append (GTK_BOX (word_box), GTK_WIDGET (d->word_name));
  grid_row (GTK_GRID (grid), 0, _("Word"), word_box);

  d->value = GTK_ENTRY (gtk_entry_new ());
  gtk_widget_set_name (GTK_WIDGET (d->value), "otp-dialog-value");
  gtk_widget_add_css_class (GTK_WIDGET (d->value), "hex-value");
  gtk_entry_set_placeholder_text (d->value, "0x12345678");
  gtk_entry_set_activates_default (d->value, TRUE);
  if (old)
    {
      g_autofree char *text = g_strdup_printf ("0x%08X", ossp_otp_item_get_value (old));
      gtk_editable_set_text (GTK_EDITABLE (d->value), text);
      ossp_secure_wipe (text, strlen (text));
    }
  grid_row (GTK_GRID (grid), 1, _("Value"), GTK_WIDGET (d->value));

  d->lock = GTK_CHECK_BUTTON (gtk_check_button_new_with_label (_("Permanently lock after writing")));
  gtk_widget_set_name (GTK_WIDGET (d->lock), "otp-dialog-lock");
  gtk_check_button_set_active (d->lock, user ? (old && ossp_otp_item_get_lock (old)) : TRUE);
  gtk_widget_set_sensitive (GTK_WIDGET (d->lock), user);
  if (!user)
    {
      g_autofree char *why = mp1_lock_text (self);
      gtk_widget_set_tooltip_text (GTK_WIDGET (d->lock), why);
    }
  grid_row (GTK_GRID (grid), 2, _("Lock"), GTK_WIDGET (d->lock));

  d->label = GTK_ENTRY (gtk_entry_new ());
  gtk_widget_set_name (GTK_WIDGET (d->label), "otp-dialog-label");
  gtk_entry_set_placeholder_text (d->label, _("optional note"));
  if (old && ossp_otp_item_get_label (old))
    gtk_editable_set_text (GTK_EDITABLE (d->label), ossp_otp_item_get_label (old));
  grid_row (GTK_GRID (grid), 3, _("Label"), GTK_WIDGET (d->label));

  d->check = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_set_name (GTK_WIDGET (d->check), "otp-dialog-check");
  gtk_label_set_wrap (d->check, TRUE);
  gtk_label_set_xalign (d->check, 0);
  gtk_label_set_max_width_chars (d->check, 50);
  gtk_grid_attach (GTK_GRID (grid), GTK_WIDGET (d->check), 0, 4, 2, 1);

  new_dialog (self, d, old ? _("Edit OTP word") : _("Set an OTP word"),
              _("The value the SSP will burn into this word."), grid, G_CALLBACK (word_dialog_response_cb));
  g_signal_connect_swapped (d->word, "value-changed", G_CALLBACK (word_dialog_update), d);
  g_signal_connect_swapped (d->value, "changed", G_CALLBACK (word_dialog_update), d);
  g_signal_connect_swapped (d->lock, "toggled", G_CALLBACK (word_dialog_update), d);
  word_dialog_update (d);
  gtk_window_present (GTK_WINDOW (d->dialog));
}

static void
add_clicked_cb (OsspOtpPage *self)
{
  guint word = ossp_chip_get_secret_first_word (self->chip);
  guint n = ossp_chip_get_otp_word_count (self->chip);

  /* start at the first free secret word */
  while (word + 1 < n && (ossp_otp_secret_lookup (self->secret, word) || !word_is_editable (self, word)))
    word++;
  open_word_dialog (self, word);
}

static void
edit_clicked_cb (OsspOtpPage *self)
{
  OsspOtpItem *sel = selected_item (self);
  if (sel)
    open_word_dialog (self, ossp_otp_item_get_word (sel));
}

static void
row_activated_cb (OsspOtpPage *self,
                  guint        position)
{
  g_autoptr(OsspOtpItem) item = g_list_model_get_item (G_LIST_MODEL (self->selection), position);
  if (item && word_is_editable (self, ossp_otp_item_get_word (item)))
    open_word_dialog (self, ossp_otp_item_get_word (item));
}

static void
remove_clicked_cb (OsspOtpPage *self)
{
  OsspOtpItem *sel = selected_item (self);
  if (sel && item_is_set (self, sel))
    ossp_otp_secret_remove_word (self->secret, ossp_otp_item_get_word (sel));
}

/* --- RMA */

typedef struct {
  OsspOtpPage      *self;
  AdwMessageDialog *dialog;
  GtkEntry         *value;
  GtkLabel         *check;
} RmaDialog;

static void
rma_dialog_update (RmaDialog *d)
{
  guint32 v = 0, mask = ossp_chip_get_rma_mask (d->self->chip);
  gboolean ok = parse_value (gtk_editable_get_text (GTK_EDITABLE (d->value)), &v);
  g_autofree char *text = NULL;

  if (!ok)
    text = g_strdup (_("A 32-bit value: 0x and up to 8 hex digits, or decimal"));
  else if (v & ~mask)
    text = g_strdup_printf (_("Too large: %s keeps only the bits of 0x%08X"),
                            ossp_chip_get_name (d->self->chip), mask);
  else
    text = g_strdup_printf (_("Word %d, locked by the SSP firmware. Keep this password: it is "
                              "needed to re-open the chip for RMA."),
                            ossp_chip_get_rma_word (d->self->chip));
  gtk_label_set_text (d->check, text);
  adw_message_dialog_set_response_enabled (d->dialog, "set", ok && !(v & ~mask));
}

static void
rma_dialog_response_cb (AdwMessageDialog *dialog, const char *response, RmaDialog *d)
{
  g_autoptr(GError) error = NULL;
  guint32 v = 0;

  if (g_str_equal (response, "set") &&
      parse_value (gtk_editable_get_text (GTK_EDITABLE (d->value)), &v) &&
      !ossp_otp_secret_set_rma_password (d->self->secret, v, &error))
    ossp_page_toast_error (d->self, error);
  gtk_editable_set_text (GTK_EDITABLE (d->value), "");
}

static void
rma_clicked_cb (OsspOtpPage *self)
{
  RmaDialog *d = g_new0 (RmaDialog, 1);
  GtkWidget *grid = new_grid ();
  g_autofree char *body = g_strdup_printf (_("%s keeps %s of the RMA password."),
                                           ossp_chip_get_name (self->chip),
                                           ossp_chip_get_rma_mask (self->chip) == G_MAXUINT32
                                           ? _("all 32 bits") : _("the low 30 bits"));

  d->value = GTK_ENTRY (gtk_entry_new ());
  gtk_widget_set_name (GTK_WIDGET (d->value), "otp-rma-value");
  gtk_widget_add_css_class (GTK_WIDGET (d->value), "hex-value");
  gtk_entry_set_activates_default (d->value, TRUE);
  grid_row (GTK_GRID (grid), 0, _("Password"), GTK_WIDGET (d->value));
  d->check = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (d->check, TRUE);
  gtk_label_set_xalign (d->check, 0);
  gtk_grid_attach (GTK_GRID (grid), GTK_WIDGET (d->check), 0, 1, 2, 1);
  new_dialog (self, d, _("RMA password"), body, grid, G_CALLBACK (rma_dialog_response_cb));
  g_signal_connect_swapped (d->value, "changed", G_CALLBACK (rma_dialog_update), d);
  rma_dialog_update (d);
  gtk_window_present (GTK_WINDOW (d->dialog));
}

/* --- files (GtkFileChooserNative; reads and writes in a GTask thread) */

static void
choose_file (OsspOtpPage         *self,
             const char          *title,
             GtkFileChooserAction action,
             const char          *suggested_name,
             const char          *pattern,
             OsspPageFileFunc     func,
             gpointer             data,
             GDestroyNotify       data_free)
{
  const OsspFileChoice choice = { .title = title, .action = action, .suggested_name = suggested_name,
                                  .filter_pattern = pattern };

  ossp_page_choose_file (self, &choice, func, data, data_free);
}

static void
set_busy (OsspOtpPage *self,
          gboolean     busy)
{
  self->busy += busy ? 1 : -1;
  update_buttons (self);
}

/* write: data prepared (and owned, wiped) here; the thread only writes */
typedef struct {
  char       *path;
  OsspSecret *data;
  char       *done_message;
  const char *project_key;   /* where the project records the file */
} WriteJob;

static void
write_job_free (WriteJob *job)
{
  g_free (job->path);
  ossp_secret_free (job->data);
  g_free (job->done_message);
  g_free (job);
}

static gpointer
write_job (gpointer job_data, GCancellable *cancellable, GError **error)
{
  WriteJob *job = job_data;

  /* the chooser already asked before replacing a file */
  return ossp_file_write_atomic (job->path, job->data->data, job->data->len,
                                 OSSP_WRITE_FLAGS_SECRET | OSSP_WRITE_FLAGS_OVERWRITE, error) ? job : NULL;
}

static void
write_done (gpointer page, gpointer result, const GError *error, gpointer job_data)
{
  OsspOtpPage *self = page;
  WriteJob *job = job_data;

  set_busy (self, FALSE);
  if (ossp_page_job_failed (self, result, error))
    return;
  ossp_widget_toast (GTK_WIDGET (self), job->done_message);
  ossp_project_page_store_path (self, job->project_key, job->path);
  if (g_str_equal (job->project_key, "otp.list"))
    ossp_project_page_set_dirty (self, FALSE);
}

static void
start_write (OsspOtpPage *self,
             const char  *path,
             OsspSecret  *data,
             const char  *done_message,
             const char  *project_key)
{
  WriteJob *job = g_new0 (WriteJob, 1);

  job->project_key = project_key;
  job->path = g_strdup (path);
  job->data = data;
  job->done_message = g_strdup (done_message);
  set_busy (self, TRUE);
  ossp_page_run_job (self, self->cancellable, write_job, job, (GDestroyNotify) write_job_free, NULL, write_done);
}

static void
build_chosen (gpointer page, const char *path, gpointer data)
{
  OsspOtpPage *self = page;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = ossp_otp_secret_to_bytes (self->secret, &error);
  g_autofree char *msg = NULL;
  gsize len = 0;
  const guint8 *p;

  if (bytes == NULL)
    {
      ossp_page_toast_error (self, error);
      return;
    }
  p = g_bytes_get_data (bytes, &len);
  msg = g_strdup_printf (_("Secret file written: %s (%lu bytes)"), path, (gulong) len);
  start_write (self, path, ossp_secret_new_from_data (p, len), msg, "otp.secret_file");
}

static void
build_clicked_cb (OsspOtpPage *self)
{
  choose_file (self, _("Build secret file"), GTK_FILE_CHOOSER_ACTION_SAVE,
               ossp_chip_is_mp1 (self->chip) ? "secret.bin" : "otp-secret.osot", NULL,
               build_chosen, NULL, NULL);
}

static void
save_chosen (gpointer page, const char *path, gpointer data)
{
  OsspOtpPage *self = page;
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = ossp_otp_secret_to_json (self->secret);
  g_autofree char *msg = NULL;
  gsize len = 0;
  char *text;

  json_generator_set_pretty (gen, TRUE);
  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, &len);
  msg = g_strdup_printf (_("OTP list saved: %s"), path);
  start_write (self, path, ossp_secret_new_from_data ((const guint8 *) text, len), msg, "otp.list");
  ossp_secure_wipe (text, len);
  g_free (text);
}

static void
save_clicked_cb (OsspOtpPage *self)
{
  choose_file (self, _("Export OTP list"), GTK_FILE_CHOOSER_ACTION_SAVE, "otp-list.json",
               "*.json", save_chosen, NULL, NULL);
}

/* read: the thread parses; the main thread applies */
static gpointer
load_list_job (gpointer job_data, GCancellable *cancellable, GError **error)
{
  return ossp_otp_secret_load_json (NULL, job_data, error);
}

static void
load_list_done (gpointer page, gpointer result, const GError *error, gpointer job_data)
{
  OsspOtpPage *self = page;
  const char *path = job_data;
  g_autoptr(OsspOtpSecret) loaded = result;
  OsspChip *chip;
  GtkWidget *window;
  guint n;

  set_busy (self, FALSE);
  if (ossp_page_job_failed (self, loaded, error))
    return;
  chip = ossp_otp_secret_get_chip (loaded);
  /* a list for another chip switches the whole window to that chip */
  if (!g_str_equal (ossp_chip_get_id (chip), ossp_chip_get_id (self->chip)))
    {
      window = gtk_widget_get_ancestor (GTK_WIDGET (self), OSSP_TYPE_WINDOW);
      if (window)
        ossp_window_set_chip_id (OSSP_WINDOW (window), ossp_chip_get_id (chip));
      else
        ossp_otp_page_set_chip (self, chip);
    }
  ossp_otp_secret_clear (self->secret);
  n = g_list_model_get_n_items (G_LIST_MODEL (loaded));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(OsspOtpItem) it = g_list_model_get_item (G_LIST_MODEL (loaded), i);
      ossp_otp_secret_set_item (self->secret, ossp_otp_item_get_word (it),
                                ossp_otp_item_get_value (it), ossp_otp_item_get_flags (it),
                                ossp_otp_item_get_format (it), ossp_otp_item_get_label (it), NULL);
    }
  /* the list just read is the project's OTP list, as it is on disk */
  ossp_project_page_store_path (self, "otp.list", path);
  ossp_project_page_set_dirty (self, FALSE);
}

static void
open_chosen (gpointer page, const char *path, gpointer data)
{
  OsspOtpPage *self = page;

  set_busy (self, TRUE);
  ossp_page_run_job (self, self->cancellable, load_list_job, g_strdup (path), g_free, g_object_unref,
                     load_list_done);
}

static void
open_clicked_cb (OsspOtpPage *self)
{
  choose_file (self, _("Import OTP list"), GTK_FILE_CHOOSER_ACTION_OPEN, NULL, "*.json",
               open_chosen, NULL, NULL);
}

/* small secret files (hash, key): read in a thread into wiped memory */
typedef void (*SecretReadFunc) (OsspOtpPage *self, OsspSecret *secret, gpointer data);

typedef struct {
  char          *path;
  gsize          expected;
  SecretReadFunc func;
  gpointer       data;
  GDestroyNotify data_free;
} ReadJob;

static void
read_job_free (ReadJob *job)
{
  if (job->data && job->data_free)
    job->data_free (job->data);
  g_free (job->path);
  g_free (job);
}

static gpointer
read_secret_job (gpointer job_data, GCancellable *cancellable, GError **error)
{
  ReadJob *job = job_data;

  return ossp_secret_new_from_file (job->path, job->expected, error);
}

static void
read_secret_done (gpointer page, gpointer result, const GError *error, gpointer job_data)
{
  ReadJob *job = job_data;
  g_autoptr(OsspSecret) secret = result;

  set_busy (page, FALSE);
  if (!ossp_page_job_failed (page, secret, error))
    job->func (page, secret, job->data);
}

static void
read_secret_file (OsspOtpPage   *self,
                  const char    *path,
                  gsize          expected,
                  SecretReadFunc func,
                  gpointer       data,
                  GDestroyNotify data_free)
{
  ReadJob *job = g_new (ReadJob, 1);

  *job = (ReadJob) { g_strdup (path), expected, func, data, data_free };
  set_busy (self, TRUE);
  ossp_page_run_job (self, self->cancellable, read_secret_job, job, (GDestroyNotify) read_job_free,
                     (GDestroyNotify) ossp_secret_free, read_secret_done);
}

static void
pkhth_read (OsspOtpPage *self, OsspSecret *hash, gpointer data)
{
  g_autoptr(GError) error = NULL;
  guint first = ossp_chip_get_pkh_first_word (self->chip);

  if (!ossp_otp_secret_set_pkh_table_hash (self->secret, hash->data, &error))
    ossp_page_toast_error (self, error);
  else
    ossp_page_toast (self, _("PKH-table hash set in words %u..%u (locked)"), first, first + 7);
}

static void
pkhth_chosen (gpointer page, const char *path, gpointer data)
{
  read_secret_file (page, path, 32, pkhth_read, NULL, NULL);
}

static void
pkhth_clicked_cb (OsspOtpPage *self)
{
  choose_file (self, _("PKH-table hash (publicKeysHashHashes.bin)"), GTK_FILE_CHOOSER_ACTION_OPEN,
               NULL, NULL, pkhth_chosen, NULL, NULL);
}

/* --- key */

typedef struct {
  OsspOtpPage      *self;
  AdwMessageDialog *dialog;
  GtkSpinButton    *word;
  GtkLabel         *word_name;
  GtkDropDown      *format;
  GtkPasswordEntry *hex;
  GtkCheckButton   *lock;
  GtkLabel         *check;
} KeyDialog;

static OsspSecret *
key_dialog_key (KeyDialog *d)
{
  const char *hex = gtk_editable_get_text (GTK_EDITABLE (d->hex));
  gsize len = 0;
  guint8 *raw = ossp_hex_decode (hex, &len, NULL);
  OsspSecret *key;

  if (raw == NULL)
    return NULL;
  key = (len == 16 || len == 32) ? ossp_secret_new_from_data (raw, len) : NULL;
  ossp_secure_wipe (raw, len);
  g_free (raw);
  return key;
}

static void
key_dialog_update (KeyDialog *d)
{
  OsspOtpPage *self = d->self;
  guint word = (guint) gtk_spin_button_get_value_as_int (d->word);
  g_autoptr(OsspSecret) key = key_dialog_key (d);
  g_autofree char *name = ossp_otp_secret_describe_word (self->chip, word);
  g_autofree char *text = NULL;
  gboolean ok = FALSE;

  gtk_label_set_text (d->word_name, name ? name : _("unnamed word"));
  if (key == NULL)
    text = g_strdup (_("32 or 64 hex digits (a 128- or 256-bit key), or load it from a file"));
  else
    {
      guint n = (guint) key->len / 4;
      gboolean editable = TRUE;
      for (guint w = word; w < word + n; w++)
        editable &= w < ossp_chip_get_otp_word_count (self->chip) && word_is_editable (self, w);
      if (!editable)
        text = g_strdup_printf (_("Words %u..%u are not all writable by the SSP"), word, word + n - 1);
      else
        {
          g_autoptr(OsspOtpSecret) proposed = copy_secret (self);
          ossp_otp_secret_set_key (proposed, word, key->data, key->len,
                                   gtk_drop_down_get_selected (d->format) == 1 ? OSSP_WORD_FORMAT_2
                                                                               : OSSP_WORD_FORMAT_1,
                                   gtk_check_button_get_active (d->lock), NULL, NULL);
          text = preview_problems (self, proposed, word, word + n - 1);
          if (*text == 0)
            {
              g_free (text);
              text = g_strdup_printf (_("%u-bit key into words %u..%u: no problem"), n * 32, word, word + n - 1);
            }
          ok = TRUE;
        }
    }
  gtk_label_set_text (d->check, text);
  adw_message_dialog_set_response_enabled (d->dialog, "set", ok);
}

static void
key_word_changed_cb (KeyDialog *d)
{
  const OsspOtpWordInfo *info = ossp_chip_lookup_word (d->self->chip,
                                                        (guint) gtk_spin_button_get_value_as_int (d->word));
  /* the chip map knows the byte order of its keys (keys.md §6) */
  if (info && info->format)
    gtk_drop_down_set_selected (d->format, info->format == OSSP_WORD_FORMAT_2 ? 1 : 0);
  key_dialog_update (d);
}

/* @data: a ref on the dialog's hex entry, which may be gone by now */
static void
key_file_read (OsspOtpPage *self, OsspSecret *key, gpointer data)
{
  GtkEditable *entry = data;
  g_autofree char *hex = NULL;

  if (gtk_widget_get_root (GTK_WIDGET (entry)) == NULL)
    return;

  if (key->len != 16 && key->len != 32)
    {
      ossp_widget_toast (GTK_WIDGET (self), _("A key file must hold 16 or 32 bytes"));
      return;
    }
  hex = ossp_hex_encode (key->data, key->len);
  gtk_editable_set_text (entry, hex);
  ossp_secure_wipe (hex, strlen (hex));
}

/* @data: the dialog's hex entry; the read takes its own ref */
static void
key_file_chosen (gpointer page, const char *path, gpointer data)
{
  read_secret_file (page, path, 0, key_file_read, g_object_ref (data), g_object_unref);
}

static void
key_from_file_cb (GtkButton *button,
                  KeyDialog *d)
{
  choose_file (d->self, _("Key file"), GTK_FILE_CHOOSER_ACTION_OPEN, NULL, NULL,
               key_file_chosen, g_object_ref (d->hex), g_object_unref);
}

static void
key_dialog_response_cb (AdwMessageDialog *dialog, const char *response, KeyDialog *d)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspSecret) key = key_dialog_key (d);

  if (g_str_equal (response, "set") && key &&
      !ossp_otp_secret_set_key (d->self->secret, (guint) gtk_spin_button_get_value_as_int (d->word),
                                key->data, key->len,
                                gtk_drop_down_get_selected (d->format) == 1 ? OSSP_WORD_FORMAT_2
                                                                            : OSSP_WORD_FORMAT_1,
                                gtk_check_button_get_active (d->lock), NULL, &error))
    ossp_page_toast_error (d->self, error);
  gtk_editable_set_text (GTK_EDITABLE (d->hex), "");
}

static void
key_clicked_cb (OsspOtpPage *self)
{
  KeyDialog *d = g_new0 (KeyDialog, 1);
  GtkWidget *grid = new_grid ();
  GtkWidget *word_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  GtkWidget *hex_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *file_button = gtk_button_new_with_label (_("From file…"));
  const char *formats[] = { N_("Format 1 (big-endian per word)"), N_("Format 2 (little-endian)"), NULL };
  gboolean user = ossp_chip_has_user_lock_flags (self->chip);
  g_autoptr(GtkStringList) format_names = gtk_string_list_new (NULL);
  guint first, last;

  for (guint i = 0; formats[i]; i++)
    gtk_string_list_append (format_names, _(formats[i]));
  editable_range (self, &first, &last);
  d->word = GTK_SPIN_BUTTON (gtk_spin_button_new_with_range (first, last, 1));
  gtk_widget_set_name (GTK_WIDGET (d->word), "otp-key-word");
  d->word_name = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_add_css_class (GTK_WIDGET (d->word_name), "dim-label");
  gtk_box_append (GTK_BOX (word_box), GTK_WIDGET (d->word));
  gtk_box_append (GTK_BOX (word_box), GTK_WIDGET (d->word_name));
  grid_row (GTK_GRID (grid), 0, _("First word"), word_box);

  d->format = GTK_DROP_DOWN (gtk_drop_down_new (G_LIST_MODEL (g_object_ref (format_names)), NULL));
  {
    GtkWidget *format_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
    gtk_widget_set_hexpand (GTK_WIDGET (d->format), TRUE);
    gtk_box_append (GTK_BOX (format_box), GTK_WIDGET (d->format));
    ossp_help_attach (format_box, OSSP_HELP_WORD_FORMAT);
    grid_row (GTK_GRID (grid), 1, _("Byte order"), format_box);
  }

  d->hex = GTK_PASSWORD_ENTRY (gtk_password_entry_new ());
  gtk_password_entry_set_show_peek_icon (d->hex, TRUE);
  gtk_widget_set_name (GTK_WIDGET (d->hex), "otp-key-hex");
  gtk_widget_set_hexpand (GTK_WIDGET (d->hex), TRUE);
  gtk_box_append (GTK_BOX (hex_box), GTK_WIDGET (d->hex));
  gtk_box_append (GTK_BOX (hex_box), file_button);
  grid_row (GTK_GRID (grid), 2, _("Key (hex)"), hex_box);

  d->lock = GTK_CHECK_BUTTON (gtk_check_button_new_with_label (_("Permanently lock after writing")));
  gtk_check_button_set_active (d->lock, TRUE);
  gtk_widget_set_sensitive (GTK_WIDGET (d->lock), user);
  grid_row (GTK_GRID (grid), 3, _("Lock"), GTK_WIDGET (d->lock));

  d->check = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (d->check, TRUE);
  gtk_label_set_xalign (d->check, 0);
  gtk_label_set_max_width_chars (d->check, 50);
  gtk_grid_attach (GTK_GRID (grid), GTK_WIDGET (d->check), 0, 4, 2, 1);

  new_dialog (self, d, _("Key into OTP"), _("A 128- or 256-bit key fills 4 or 8 consecutive words."), grid,
              G_CALLBACK (key_dialog_response_cb));
  g_signal_connect_swapped (d->word, "value-changed", G_CALLBACK (key_word_changed_cb), d);
  g_signal_connect_swapped (d->format, "notify::selected", G_CALLBACK (key_dialog_update), d);
  g_signal_connect_swapped (d->hex, "changed", G_CALLBACK (key_dialog_update), d);
  g_signal_connect_swapped (d->lock, "toggled", G_CALLBACK (key_dialog_update), d);
  g_signal_connect (file_button, "clicked", G_CALLBACK (key_from_file_cb), d);
  gtk_spin_button_set_value (d->word, CLAMP (ossp_chip_is_mp1 (self->chip)
                                             ? ossp_chip_get_secret_last_word (self->chip) - 3
                                             : ossp_chip_get_pkh_first_word (self->chip), first, last));
  key_word_changed_cb (d);
  gtk_window_present (GTK_WINDOW (d->dialog));
}

/* -------------------------------------------------------------- GObject */

GtkWidget *
ossp_otp_page_new (void)
{
  return g_object_new (OSSP_TYPE_OTP_PAGE, NULL);
}

OsspOtpSecret *
ossp_otp_page_get_secret (OsspOtpPage *self)
{
  return self->secret;
}

OsspChip *
ossp_otp_page_get_chip (OsspOtpPage *self)
{
  return self->chip;
}

void
ossp_otp_page_set_chip (OsspOtpPage *self,
                        OsspChip    *chip)
{
  g_return_if_fail (OSSP_IS_OTP_PAGE (self));
  if (chip == NULL || chip == self->chip)
    return;
  g_set_object (&self->chip, chip);
  {
    g_autofree char *note = ossp_chip_has_user_lock_flags (chip) ? NULL : mp1_lock_text (self);
    gtk_label_set_text (self->lock_note, note ? note : "");
  }
  rebuild_placeholders (self);
  /* items-changed from the model rebuilds rows and re-validates; an empty
   * list emits nothing, so do it here too */
  ossp_otp_secret_set_chip (self->secret, chip);
  g_list_store_remove_all (self->rows);
  sync_rows (self);
  revalidate (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHIP]);
}

/* ---- project ---------------------------------------------------------------- */

static void
project_load (OsspProjectPage *page,
              OsspProject     *project,
              const char      *key)
{
  OsspOtpPage *self = OSSP_OTP_PAGE (page);
  g_autofree char *list = NULL;

  /* later changes of otp.list come from this page itself */
  if (key != NULL)
    return;
  list = ossp_project_get_path (project, "otp.list");
  ossp_otp_secret_clear (self->secret);
  if (list != NULL && g_file_test (list, G_FILE_TEST_EXISTS))
    open_chosen (self, list, NULL);
}

/* The list goes where the project says, or next to the project as
 * otp.json; an empty list the project does not name is not written. */
static gboolean
project_save_documents (OsspProjectPage  *page,
                        OsspProject      *project,
                        const char       *dir,
                        GError          **error)
{
  OsspOtpPage *self = OSSP_OTP_PAGE (page);
  g_autofree char *path = ossp_project_get_path (project, "otp.list");

  if (!ossp_project_page_get_dirty (self))
    return TRUE;
  if (path == NULL && g_list_model_get_n_items (G_LIST_MODEL (self->secret)) == 0)
    return TRUE;
  if (path == NULL)
    path = g_build_filename (dir, "otp.json", NULL);
  if (!ossp_otp_secret_save_json (self->secret, path, OSSP_WRITE_FLAGS_OVERWRITE, error))
    return FALSE;
  ossp_project_set_path (project, "otp.list", path);
  return TRUE;
}

static void
project_page_iface_init (OsspProjectPageInterface *iface)
{
  iface->load = project_load;
  iface->save_documents = project_save_documents;
}

static void
ossp_otp_page_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  OsspOtpPage *self = OSSP_OTP_PAGE (object);

  switch (prop_id)
    {
    case PROP_CHIP: g_value_set_object (value, self->chip); break;
    case PROP_SECRET: g_value_set_object (value, self->secret); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ossp_otp_page_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  OsspOtpPage *self = OSSP_OTP_PAGE (object);

  switch (prop_id)
    {
    case PROP_CHIP: ossp_otp_page_set_chip (self, g_value_get_object (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ossp_otp_page_dispose (GObject *object)
{
  OsspOtpPage *self = OSSP_OTP_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  if (self->secret)
    g_signal_handlers_disconnect_by_data (self->secret, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), OSSP_TYPE_OTP_PAGE);
  g_clear_object (&self->selection);
  g_clear_object (&self->rows);
  g_clear_object (&self->secret);
  g_clear_object (&self->chip);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->placeholders, g_ptr_array_unref);
  g_clear_pointer (&self->problems, g_ptr_array_unref);
  g_clear_pointer (&self->status_images, g_ptr_array_unref);
  G_OBJECT_CLASS (ossp_otp_page_parent_class)->dispose (object);
}

static void
ossp_otp_page_class_init (OsspOtpPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  ossp_gui_ensure_resources ();

  object_class->get_property = ossp_otp_page_get_property;
  object_class->set_property = ossp_otp_page_set_property;
  object_class->dispose = ossp_otp_page_dispose;

  properties[PROP_CHIP] = g_param_spec_object ("chip", NULL, NULL, OSSP_TYPE_CHIP,
                                               G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                                               G_PARAM_STATIC_STRINGS);
  properties[PROP_SECRET] = g_param_spec_object ("secret", NULL, NULL, OSSP_TYPE_OTP_SECRET,
                                                 G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/openssp/OpenSSP/ui/ossp-otp-page.ui");
  gtk_widget_class_bind_template_child (widget_class, OsspOtpPage, summary_box);
  gtk_widget_class_bind_template_child (widget_class, OsspOtpPage, summary_icon);
  gtk_widget_class_bind_template_child (widget_class, OsspOtpPage, summary_label);
  gtk_widget_class_bind_template_child (widget_class, OsspOtpPage, lock_note);
  gtk_widget_class_bind_template_child (widget_class, OsspOtpPage, add_button);
  gtk_widget_class_bind_template_child (widget_class, OsspOtpPage, edit_button);
  gtk_widget_class_bind_template_child (widget_class, OsspOtpPage, remove_button);
  gtk_widget_class_bind_template_child (widget_class, OsspOtpPage, rma_button);
  gtk_widget_class_bind_template_child (widget_class, OsspOtpPage, pkhth_button);
  gtk_widget_class_bind_template_child (widget_class, OsspOtpPage, key_button);
  gtk_widget_class_bind_template_child (widget_class, OsspOtpPage, set_only_toggle);
  gtk_widget_class_bind_template_child (widget_class, OsspOtpPage, open_button);
  gtk_widget_class_bind_template_child (widget_class, OsspOtpPage, save_button);
  gtk_widget_class_bind_template_child (widget_class, OsspOtpPage, build_button);
  gtk_widget_class_bind_template_child (widget_class, OsspOtpPage, column_view);
  gtk_widget_class_bind_template_child (widget_class, OsspOtpPage, problems_list);
  gtk_widget_class_bind_template_callback (widget_class, add_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, edit_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, remove_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, rma_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, pkhth_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, key_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, set_only_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, open_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, save_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, build_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, row_activated_cb);
}

static void
ossp_otp_page_init (OsspOtpPage *self)
{
  g_autoptr(GtkFilterListModel) filtered = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *placeholder;

  gtk_widget_init_template (GTK_WIDGET (self));
  /* the toolbar wraps in a narrow window */
  ossp_wrap_layout_apply (gtk_widget_get_parent (GTK_WIDGET (self->add_button)), 6, 6);
  gtk_widget_set_margin_end (ossp_help_attach (GTK_WIDGET (self->summary_box), OSSP_HELP_BOARD_ID_WORD), 2);
  gtk_widget_set_margin_end (ossp_help_attach (GTK_WIDGET (self->summary_box), OSSP_HELP_SECURE_CLOSED), 6);
  /* the help buttons go under the summary in a narrow window */
  ossp_wrap_layout_apply (GTK_WIDGET (self->summary_box), 8, 0);

  self->cancellable = g_cancellable_new ();
  self->placeholders = g_ptr_array_new_with_free_func (g_object_unref);
  self->status_images = g_ptr_array_new ();
  self->rows = g_list_store_new (OSSP_TYPE_OTP_ITEM);
  self->filter = gtk_custom_filter_new (filter_func, self, NULL);
  filtered = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (self->rows)),
                                        GTK_FILTER (self->filter));
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (filtered)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  g_signal_connect_swapped (self->selection, "notify::selected", G_CALLBACK (selection_changed_cb), self);
  gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (self->selection));

  add_column (self, "", G_CALLBACK (status_setup_cb), G_CALLBACK (status_bind_cb),
              G_CALLBACK (status_unbind_cb), FALSE);
  add_column (self, _("Word"), G_CALLBACK (label_setup_cb), G_CALLBACK (word_bind_cb), NULL, FALSE);
  add_column (self, _("Name"), G_CALLBACK (label_setup_cb), G_CALLBACK (name_bind_cb), NULL, TRUE);
  add_column (self, _("Value"), G_CALLBACK (value_setup_cb), G_CALLBACK (value_bind_cb),
              G_CALLBACK (word_unbind_cb), FALSE);
  add_column (self, _("Lock"), G_CALLBACK (lock_setup_cb), G_CALLBACK (lock_bind_cb),
              G_CALLBACK (word_unbind_cb), FALSE);
  add_column (self, _("Label"), G_CALLBACK (label_setup_cb), G_CALLBACK (label_bind_cb), NULL, TRUE);

  placeholder = gtk_label_new (_("No problems"));
  gtk_widget_add_css_class (placeholder, "dim-label");
  gtk_widget_set_margin_top (placeholder, 8);
  gtk_widget_set_margin_bottom (placeholder, 8);
  gtk_list_box_set_placeholder (self->problems_list, placeholder);

  /* a chip until the window binds its own */
  self->chip = ossp_chip_new ("stm32mp15", &error);
  g_assert_no_error (error);
  self->secret = ossp_otp_secret_new (self->chip);
  g_signal_connect_swapped (self->secret, "items-changed", G_CALLBACK (secret_items_changed_cb), self);
  gtk_label_set_text (self->lock_note, "");
  {
    g_autofree char *note = mp1_lock_text (self);
    gtk_label_set_text (self->lock_note, note);
  }
  rebuild_placeholders (self);
  sync_rows (self);
  revalidate (self);
}
