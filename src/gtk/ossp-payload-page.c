/* ossp-payload-page.c — the Payload page
 *
 * Every input is checked by the same OsspPayload setters the CLI uses, on a
 * throw-away payload, so the page shows the CLI's reasons. Building and
 * inspecting run in a GTask thread on their own OsspPayload.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "ossp-help.h"
#include "ossp-page-util.h"
#include "ossp-payload-page.h"
#include "ossp-project-page.h"
#include "ossp-window.h"

typedef struct {
  AdwActionRow *row;
  GtkImage     *status;
  char         *path;
  char         *problem;   /* NULL when the input is fine */
  char         *remark;    /* a warning about a usable input (file mode…) */
  char         *detail;    /* what a good input holds */
} FileInput;

typedef struct {
  const OsspBackupMemoryInfo *mem;
  AdwActionRow  *row;
  GtkDropDown   *bases;
  GtkImage      *status;
  GtkButton     *clear;
  char          *path;
  char          *problem;
} BackupInput;

struct _OsspPayloadPage
{
  AdwBin           parent_instance;

  OsspChip        *chip;
  FileInput        files[OSSP_PAYLOAD_PAGE_N_FILES];
  GPtrArray       *backups;          /* BackupInput* */
  gboolean         out_may_replace;
  char            *rma_problem;
  char            *fsbl_problem;
  guint            secret_words;     /* MP1: non-zero words of the secret file */
  guint            secret_zero_words;
  gboolean         busy;
  GCancellable    *cancellable;
  OsspPayload     *inspected;
  char            *inspect_path;

  AdwPreferencesGroup *backup_group;
  AdwEntryRow     *rma_row;
  AdwEntryRow     *fsbl_row;
  GtkImage        *rma_status;
  GtkImage        *fsbl_status;
  GtkLabel        *summary_label;
  GtkLabel        *entry_problem_label;
  GtkSpinner      *spinner;
  AdwActionRow    *inspect_row;
  GtkSwitch       *show_secrets_switch;
  GtkLabel        *inspect_label;
  GtkWidget       *plan_frame;
  GtkColumnView   *plan_view;
  GtkStringList   *plan_rows;        /* row i = plan item i */
};

static void project_page_iface_init (OsspProjectPageInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OsspPayloadPage, ossp_payload_page, ADW_TYPE_BIN,
                               G_IMPLEMENT_INTERFACE (OSSP_TYPE_PROJECT_PAGE, project_page_iface_init))

enum {
  PROP_0,
  PROP_CHIP,
  PROP_BUSY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char * const file_hints[OSSP_PAYLOAD_PAGE_N_FILES] = {
  N_("16 bytes (AES-128), file mode 0600"),
  N_("16 bytes: 12 used as the AES-GCM nonce, then 00 00 00 00"),
  N_("publicKey.pem of the OEM root key (its SHA-256 becomes the PKH in OTP 24..31)"),
  N_("publicKeysHashHashes.bin, 32 bytes (becomes the PKHTH in OTP 24..31)"),
  N_("148 bytes: OTP words 59..95 as little-endian words"),
  N_("Where the encrypted payload goes (not a secret: mode 0644)"),
};

/* the chooser's title of each file input */
static const char * const file_titles[OSSP_PAYLOAD_PAGE_N_FILES] = {
  N_("Choose the Encryption Key File"),
  N_("Choose the Nonce File"),
  N_("Choose the OEM Root Public Key"),
  N_("Choose the PKH-Table Hash"),
  N_("Choose the Secret File"),
  N_("Save the Payload As"),
};

/* the project key of each file input */
static const char * const file_keys[OSSP_PAYLOAD_PAGE_N_FILES] = {
  "payload.key", "payload.nonce", "payload.oem_public_key", "payload.pkh_table_hash",
  "payload.secret_file", "payload.output",
};

static void update_state (OsspPayloadPage *self);

static void
file_input_clear (FileInput *in)
{
  g_clear_pointer (&in->path, g_free);
  g_clear_pointer (&in->problem, g_free);
  g_clear_pointer (&in->remark, g_free);
  g_clear_pointer (&in->detail, g_free);
}

static void
backup_input_free (gpointer data)
{
  BackupInput *b = data;
  g_free (b->path);
  g_free (b->problem);
  g_free (b);
}

static void
set_status (GtkImage *image, gboolean set, const char *problem, const char *remark)
{
  gtk_widget_set_visible (GTK_WIDGET (image), set);
  gtk_image_set_from_icon_name (image, problem ? "dialog-error-symbolic"
                                       : remark ? "dialog-warning-symbolic" : "emblem-ok-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (image), problem ? problem : remark);
  gtk_widget_remove_css_class (GTK_WIDGET (image), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (image), "warning");
  gtk_widget_remove_css_class (GTK_WIDGET (image), "success");
  gtk_widget_add_css_class (GTK_WIDGET (image), problem ? "error" : remark ? "warning" : "success");
}

static void
show_file_input (OsspPayloadPage *self, OsspPayloadPageFile which)
{
  FileInput *in = &self->files[which];
  g_autofree char *subtitle = NULL;

  if (in->path == NULL)
    subtitle = g_markup_escape_text (which == OSSP_PAYLOAD_PAGE_SECRET && self->chip &&
                                     !ossp_chip_is_mp1 (self->chip)
                                     ? _("The OTP secret file (\"OSOT\", made on the OTP page): words, "
                                         "values, lock flags; it carries the PKHTH and RMA password too")
                                     : _(file_hints[which]), -1);
  else
    {
      g_autofree char *path = g_markup_escape_text (in->path, -1);
      const char *text = in->problem ? in->problem : in->remark ? in->remark : in->detail;
      g_autofree char *why = NULL;
      /* the model's messages start with the path, which the row shows already */
      if (text && g_str_has_prefix (text, in->path) && g_str_has_prefix (text + strlen (in->path), ": "))
        text += strlen (in->path) + 2;
      why = g_markup_escape_text (text ? text : "", -1);
      subtitle = in->problem ? g_strdup_printf ("%s\n<span foreground=\"#c01c28\">%s</span>", path, why)
                 : text ? g_strdup_printf ("%s\n%s", path, why) : g_strdup (path);
    }
  adw_action_row_set_subtitle (in->row, subtitle);
  set_status (in->status, in->path != NULL, in->problem, in->remark);
}

/* Loads one input into a fresh payload: the same checks as the CLI. */
static void
check_file (OsspPayloadPage *self, OsspPayloadPageFile which)
{
  FileInput *in = &self->files[which];
  g_autoptr(OsspPayload) scratch = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *warnings;
  gboolean ok = TRUE;

  g_clear_pointer (&in->problem, g_free);
  g_clear_pointer (&in->remark, g_free);
  g_clear_pointer (&in->detail, g_free);
  if (in->path == NULL || self->chip == NULL)
    return;
  scratch = ossp_payload_new (self->chip);
  switch (which)
    {
    case OSSP_PAYLOAD_PAGE_KEY:
      ok = ossp_payload_load_key (scratch, in->path, &error);
      break;
    case OSSP_PAYLOAD_PAGE_NONCE:
      ok = ossp_payload_load_nonce (scratch, in->path, &error);
      break;
    case OSSP_PAYLOAD_PAGE_PUBKEY:
      ok = ossp_payload_load_oem_public_key (scratch, in->path, &error);
      break;
    case OSSP_PAYLOAD_PAGE_PKHTH:
      ok = ossp_payload_load_pkhth (scratch, in->path, &error);
      break;
    case OSSP_PAYLOAD_PAGE_SECRET:
      ok = ossp_payload_load_secret (scratch, in->path, &error);
      if (ok)
        {
          g_autoptr(GBytes) data = ossp_file_read_bytes (in->path, 65536, NULL);
          gsize len = 0;
          const guint8 *d = data ? g_bytes_get_data (data, &len) : NULL;
          self->secret_words = self->secret_zero_words = 0;
          if (ossp_chip_is_mp1 (self->chip))
            {
              for (gsize i = 0; d && i + 4 <= len; i += 4)
                {
                  if (ossp_read_le32 (d + i))
                    self->secret_words++;
                  else
                    self->secret_zero_words++;
                }
              in->detail = g_strdup_printf (_("%u words for OTP 59..%u, %u of them zero (skipped)"),
                                            (guint) (len / 4), 58 + (guint) (len / 4),
                                            self->secret_zero_words);
            }
          else if (d && len >= 8)
            {
              self->secret_words = ossp_read_le16 (d + 6);
              in->detail = g_strdup_printf (_("OSOT v1, %u OTP words"), self->secret_words);
            }
        }
      break;
    case OSSP_PAYLOAD_PAGE_OUTPUT:
      if (!self->out_may_replace && g_file_test (in->path, G_FILE_TEST_EXISTS))
        {
          in->problem = g_strdup (_("This file exists and is left untouched; choose it again with "
                                    "Save As… to replace it, or pick another name"));
          return;
        }
      ok = ossp_file_check_writable (in->path, self->out_may_replace ? OSSP_WRITE_FLAGS_OVERWRITE : 0,
                                     &error);
      if (ok && g_file_test (in->path, G_FILE_TEST_EXISTS))
        in->remark = g_strdup (_("Exists: it will be replaced"));
      break;
    default:
      g_assert_not_reached ();
    }
  if (!ok)
    {
      in->problem = g_strdup (error->message);
      return;
    }
  warnings = ossp_payload_get_warnings (scratch);
  if (warnings->len > 0)
    {
      g_free (in->remark);
      in->remark = g_strdup (g_ptr_array_index (warnings, 0));
    }
}

static void
check_backup (OsspPayloadPage *self, BackupInput *b)
{
  g_autoptr(OsspPayload) scratch = NULL;
  g_autoptr(GError) error = NULL;
  guint pos = gtk_drop_down_get_selected (b->bases);
  g_autofree char *subtitle = NULL;

  g_clear_pointer (&b->problem, g_free);
  if (b->path != NULL)
    {
      scratch = ossp_payload_new (self->chip);
      if (!ossp_payload_load_backup (scratch, b->path, b->mem->bases[MIN (pos, b->mem->n_bases - 1)],
                                     &error))
        b->problem = g_strdup (error->message);
    }
  if (b->path == NULL)
    subtitle = g_strdup_printf (_("Optional — %u bytes; no file chosen"), b->mem->size);
  else
    {
      g_autofree char *path = g_markup_escape_text (b->path, -1);
      g_autofree char *why = b->problem ? g_markup_escape_text (b->problem, -1) : NULL;
      subtitle = why ? g_strdup_printf ("%s\n<span foreground=\"#c01c28\">%s</span>", path, why)
                     : g_strdup (path);
    }
  adw_action_row_set_subtitle (b->row, subtitle);
  set_status (b->status, b->path != NULL, b->problem, NULL);
  gtk_widget_set_visible (GTK_WIDGET (b->clear), b->path != NULL);
}

static void
check_entries (OsspPayloadPage *self)
{
  const char *rma = gtk_editable_get_text (GTK_EDITABLE (self->rma_row));
  const char *fsbl = gtk_editable_get_text (GTK_EDITABLE (self->fsbl_row));
  g_autoptr(GError) error = NULL;
  guint32 v;

  g_clear_pointer (&self->rma_problem, g_free);
  g_clear_pointer (&self->fsbl_problem, g_free);
  if (*rma && self->chip != NULL)
    {
      g_autoptr(OsspPayload) scratch = ossp_payload_new (self->chip);
      if (!ossp_parse_u32 (rma, &v, &error) || !ossp_payload_set_rma (scratch, v, &error))
        self->rma_problem = g_strdup (error->message);
    }
  g_clear_error (&error);
  if (*fsbl && !ossp_parse_u32 (fsbl, &v, &error))
    self->fsbl_problem = g_strdup (error->message);
  set_status (self->rma_status, *rma != 0, self->rma_problem, NULL);
  set_status (self->fsbl_status, *fsbl != 0, self->fsbl_problem, NULL);
  if (self->rma_problem)
    gtk_widget_add_css_class (GTK_WIDGET (self->rma_row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->rma_row), "error");
  /* an entry row has no subtitle: the reason goes under the group */
  {
    g_autofree char *text = g_strjoin ("\n", self->rma_problem ? self->rma_problem : "",
                                       self->fsbl_problem ? self->fsbl_problem : "", NULL);
    g_strstrip (text);
    gtk_label_set_text (self->entry_problem_label, text);
    gtk_widget_set_visible (GTK_WIDGET (self->entry_problem_label), *text != 0);
  }
}

static gboolean
file_needed (OsspPayloadPage *self, OsspPayloadPageFile which)
{
  const OsspPayloadLayout *l = self->chip ? ossp_payload_layout_for_chip (self->chip) : NULL;

  if (which == OSSP_PAYLOAD_PAGE_PUBKEY)
    return l != NULL && l->key_size == 64;
  if (which == OSSP_PAYLOAD_PAGE_PKHTH)
    return l != NULL && l->key_size == 32;
  return TRUE;
}

static gboolean
can_build (OsspPayloadPage *self)
{
  if (self->chip == NULL || self->busy || self->rma_problem || self->fsbl_problem)
    return FALSE;
  for (guint i = 0; i < OSSP_PAYLOAD_PAGE_N_FILES; i++)
    if (file_needed (self, i) && (self->files[i].path == NULL || self->files[i].problem != NULL))
      return FALSE;
  for (guint i = 0; i < self->backups->len; i++)
    if (((BackupInput *) g_ptr_array_index (self->backups, i))->problem != NULL)
      return FALSE;
  return TRUE;
}

static void
update_summary (OsspPayloadPage *self)
{
  g_autoptr(GString) s = g_string_new (NULL);
  const OsspPayloadLayout *l;

  if (self->chip == NULL)
    return;
  l = ossp_payload_layout_for_chip (self->chip);
  if (l != NULL)
    {
      const char *rma = gtk_editable_get_text (GTK_EDITABLE (self->rma_row));
      g_string_append_printf (s, _("One %s chip payload of %u bytes (sent to the chip after the "
                                   "136-byte license) inside an OSSP v1 container of %u bytes:\n"),
                              ossp_chip_get_name (self->chip), (guint) l->size,
                              (guint) (64 + 16 + l->size));
      g_string_append_printf (s, "• %s\n", l->key_size == 64
                              ? _("the OEM root public key; the chip burns its SHA-256 (PKH) into OTP 24..31 and locks it")
                              : _("the PKH-table hash; the chip burns it into OTP 24..31 and locks it"));
      g_string_append_printf (s, _("• the RMA password for OTP 56: %s\n"),
                              *rma ? _("set (locked after burning)") : _("not set — word 56 is burnt as 0 and locked"));
      if (self->files[OSSP_PAYLOAD_PAGE_SECRET].path && !self->files[OSSP_PAYLOAD_PAGE_SECRET].problem)
        g_string_append_printf (s, _("• %u secret words for OTP 59.., each locked; %u zero words are skipped\n"),
                                self->secret_words, self->secret_zero_words);
      else
        g_string_append (s, _("• the secret file (OTP 59..95) — not chosen yet\n"));
      g_string_append (s, _("Secrets are encrypted with AES-128-GCM (the key and the first 12 bytes of the "
                            "nonce); the magic, version, key field and size are authenticated. After "
                            "burning, the chip closes and sets SSP_SUCCESS."));
    }
  else
    {
      guint n = 0;
      g_string_append_printf (s, _("An %s payload (OSSP v1 container, sent whole after the license):\n"
                                   "• the OTP secret file (words, values and lock flags)\n"),
                              ossp_chip_get_name (self->chip));
      for (guint i = 0; i < self->backups->len; i++)
        {
          BackupInput *b = g_ptr_array_index (self->backups, i);
          if (b->path == NULL)
            continue;
          n++;
          g_string_append_printf (s, _("• %s written at 0x%08X\n"), b->mem->name,
                                  b->mem->bases[MIN (gtk_drop_down_get_selected (b->bases), b->mem->n_bases - 1)]);
        }
      if (n == 0)
        g_string_append (s, _("• no backup memory file\n"));
      g_string_append (s, _("Each section is encrypted with AES-128-GCM under its own nonce (the first 8 "
                            "bytes of the nonce followed by the section number) and authenticated with the container header."));
    }
  gtk_label_set_text (self->summary_label, s->str);
}

static void
update_state (OsspPayloadPage *self)
{
  for (guint i = 0; i < OSSP_PAYLOAD_PAGE_N_FILES; i++)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->files[i].row), file_needed (self, i));
      show_file_input (self, i);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->rma_row), self->chip && ossp_chip_is_mp1 (self->chip));
  gtk_widget_set_visible (GTK_WIDGET (self->backup_group), self->backups->len > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "payload.build", can_build (self));
  gtk_spinner_set_spinning (self->spinner, self->busy);
  update_summary (self);
}

static void
check_all (OsspPayloadPage *self)
{
  for (guint i = 0; i < OSSP_PAYLOAD_PAGE_N_FILES; i++)
    check_file (self, i);
  for (guint i = 0; i < self->backups->len; i++)
    check_backup (self, g_ptr_array_index (self->backups, i));
  check_entries (self);
  update_state (self);
}

void
ossp_payload_page_set_file (OsspPayloadPage     *self,
                            OsspPayloadPageFile  which,
                            const char          *path)
{
  g_return_if_fail (OSSP_IS_PAYLOAD_PAGE (self));
  g_return_if_fail (which < OSSP_PAYLOAD_PAGE_N_FILES);

  g_free (self->files[which].path);
  self->files[which].path = g_strdup (path);
  ossp_project_page_store_path (self, file_keys[which], path);
  check_file (self, which);
  update_state (self);
}

const char *
ossp_payload_page_get_problem (OsspPayloadPage     *self,
                               OsspPayloadPageFile  which)
{
  g_return_val_if_fail (which < OSSP_PAYLOAD_PAGE_N_FILES, NULL);
  return self->files[which].problem;
}

/* ---- backup rows (MP2) -------------------------------------------------- */

/* The project's backup[] entry of this memory gets the file and base; an
 * entry without a list goes when its file does. */
static void
store_backup (OsspPayloadPage *self,
              BackupInput     *b)
{
  OsspProject *project = ossp_project_page_get_project (self);
  guint32 base = b->mem->bases[MIN (gtk_drop_down_get_selected (b->bases), b->mem->n_bases - 1)];
  g_autofree char *list = NULL;
  gint idx;

  if (project == NULL)
    return;
  idx = ossp_project_find_backup (project, b->mem->kind);
  if (idx >= 0)
    list = ossp_project_get_backup_path (project, (guint) idx, "list");
  if (b->path == NULL && list == NULL)
    {
      if (idx >= 0)
        ossp_project_remove_backup (project, (guint) idx);
      return;
    }
  ossp_project_set_backup (project, idx >= 0 ? (guint) idx : ossp_project_get_n_backups (project),
                           list, b->path, base);
}

static void
backup_base_changed_cb (GtkDropDown *dropdown, GParamSpec *pspec, OsspPayloadPage *self)
{
  for (guint i = 0; i < self->backups->len; i++)
    {
      BackupInput *b = g_ptr_array_index (self->backups, i);
      if (b->bases == dropdown)
        {
          check_backup (self, b);
          if (b->path != NULL)
            store_backup (self, b);
        }
    }
  update_state (self);
}

static void choose_backup_cb (GtkButton *button, OsspPayloadPage *self);

static void
clear_backup_cb (GtkButton *button, OsspPayloadPage *self)
{
  for (guint i = 0; i < self->backups->len; i++)
    {
      BackupInput *b = g_ptr_array_index (self->backups, i);
      if (b->clear == button)
        ossp_payload_page_set_backup (self, b->mem->kind, NULL, 0);
    }
}

static void
rebuild_backup_rows (OsspPayloadPage *self)
{
  for (guint i = 0; i < self->backups->len; i++)
    adw_preferences_group_remove (self->backup_group,
                                  GTK_WIDGET (((BackupInput *) g_ptr_array_index (self->backups, i))->row));
  g_ptr_array_set_size (self->backups, 0);
  if (self->chip == NULL)
    return;
  for (guint i = 0; i < ossp_chip_get_n_backup_memories (self->chip); i++)
    {
      BackupInput *b = g_new0 (BackupInput, 1);
      g_autoptr(GtkStringList) bases = gtk_string_list_new (NULL);
      GtkWidget *choose;

      b->mem = ossp_chip_get_backup_memory (self->chip, i);
      for (guint j = 0; j < b->mem->n_bases; j++)
        {
          g_autofree char *text = g_strdup_printf ("0x%08X", b->mem->bases[j]);
          gtk_string_list_append (bases, text);
        }
      b->row = ADW_ACTION_ROW (adw_action_row_new ());
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (b->row), b->mem->name);
      b->status = GTK_IMAGE (gtk_image_new ());
      b->bases = GTK_DROP_DOWN (gtk_drop_down_new (G_LIST_MODEL (g_object_ref (bases)), NULL));
      gtk_widget_set_valign (GTK_WIDGET (b->bases), GTK_ALIGN_CENTER);
      gtk_widget_set_tooltip_text (GTK_WIDGET (b->bases), _("Base address the file's offsets are relative to"));
      g_signal_connect (b->bases, "notify::selected", G_CALLBACK (backup_base_changed_cb), self);
      b->clear = GTK_BUTTON (gtk_button_new_from_icon_name ("edit-clear-symbolic"));
      gtk_widget_set_valign (GTK_WIDGET (b->clear), GTK_ALIGN_CENTER);
      gtk_widget_set_tooltip_text (GTK_WIDGET (b->clear), _("Do not include this memory"));
      gtk_widget_add_css_class (GTK_WIDGET (b->clear), "flat");
      g_signal_connect (b->clear, "clicked", G_CALLBACK (clear_backup_cb), self);
      choose = gtk_button_new_with_mnemonic (_("Choose…"));
      gtk_widget_set_valign (choose, GTK_ALIGN_CENTER);
      g_object_set_data (G_OBJECT (choose), "backup-kind", (gpointer) b->mem->kind);
      g_signal_connect (choose, "clicked", G_CALLBACK (choose_backup_cb), self);
      adw_action_row_add_suffix (b->row, GTK_WIDGET (b->status));
      adw_action_row_add_suffix (b->row, GTK_WIDGET (b->bases));
      adw_action_row_add_suffix (b->row, GTK_WIDGET (b->clear));
      adw_action_row_add_suffix (b->row, choose);
      adw_preferences_group_add (self->backup_group, GTK_WIDGET (b->row));
      g_ptr_array_add (self->backups, b);
      check_backup (self, b);
    }
}

void
ossp_payload_page_set_backup (OsspPayloadPage *self,
                              const char      *kind,
                              const char      *path,
                              guint32          base)
{
  for (guint i = 0; i < self->backups->len; i++)
    {
      BackupInput *b = g_ptr_array_index (self->backups, i);
      if (!g_str_equal (b->mem->kind, kind))
        continue;
      g_free (b->path);
      b->path = g_strdup (path);
      for (guint j = 0; path && j < b->mem->n_bases; j++)
        if (b->mem->bases[j] == base)
          gtk_drop_down_set_selected (b->bases, j);
      check_backup (self, b);
      store_backup (self, b);
    }
  update_state (self);
}

/* ---- file choosers ------------------------------------------------------ */

/* @which: an OsspPayloadPageFile */
static void
file_chosen (gpointer page, const char *path, gpointer which)
{
  OsspPayloadPage *self = page;

  /* the save dialog has asked before pointing at an existing file */
  if (GPOINTER_TO_INT (which) == OSSP_PAYLOAD_PAGE_OUTPUT)
    self->out_may_replace = TRUE;
  ossp_payload_page_set_file (self, GPOINTER_TO_INT (which), path);
}

static void
inspect_chosen (gpointer page, const char *path, gpointer user_data)
{
  ossp_payload_page_inspect (page, path);
}

/* @kind: the backup memory's, static in the chip */
static void
backup_chosen (gpointer page, const char *path, gpointer kind)
{
  OsspPayloadPage *self = page;
  guint32 base = 0;

  for (guint i = 0; i < self->backups->len; i++)
    {
      BackupInput *b = g_ptr_array_index (self->backups, i);
      if (g_str_equal (b->mem->kind, kind))
        base = b->mem->bases[MIN (gtk_drop_down_get_selected (b->bases), b->mem->n_bases - 1)];
    }
  ossp_payload_page_set_backup (self, kind, path, base);
}

/* @which: an OsspPayloadPageFile, -1 = inspect, -2 = the backup of @kind */
static void
choose (OsspPayloadPage *self, int which, const char *kind, const char *title, gboolean save)
{
  const OsspFileChoice choice = {
    .title = title, .action = save ? GTK_FILE_CHOOSER_ACTION_SAVE : GTK_FILE_CHOOSER_ACTION_OPEN,
    .accept_label = save ? _("_Save") : _("_Open"), .suggested_name = save ? "secrets.ssp" : NULL,
  };

  if (which == -1)
    ossp_page_choose_file (self, &choice, inspect_chosen, NULL, NULL);
  else if (which == -2)
    ossp_page_choose_file (self, &choice, backup_chosen, (gpointer) kind, NULL);
  else
    ossp_page_choose_file (self, &choice, file_chosen, GINT_TO_POINTER (which), NULL);
}

/* "payload.choose" of the Choose… buttons: the target is an
 * OsspPayloadPageFile, or -1 for the inspector's file */
static void
choose_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  int which = g_variant_get_int32 (parameter);

  if (which < 0)
    choose (OSSP_PAYLOAD_PAGE (widget), -1, NULL, _("Open a Payload to Inspect"), FALSE);
  else if (which < OSSP_PAYLOAD_PAGE_N_FILES)
    choose (OSSP_PAYLOAD_PAGE (widget), which, NULL, _(file_titles[which]), which == OSSP_PAYLOAD_PAGE_OUTPUT);
}

static void
choose_backup_cb (GtkButton *button, OsspPayloadPage *self)
{
  choose (self, -2, g_object_get_data (G_OBJECT (button), "backup-kind"), _("Choose the Backup File"), FALSE);
}

static void
rma_changed_cb (OsspPayloadPage *self)
{
  check_entries (self);
  update_state (self);
}

static void
fsbl_changed_cb (OsspPayloadPage *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->fsbl_row));
  guint32 v;

  check_entries (self);
  update_state (self);
  if (*text == 0)
    ossp_project_page_store_string (self, "payload.fsbl_min_version", NULL);
  else if (ossp_parse_u32 (text, &v, NULL))
    ossp_project_page_store_int (self, "payload.fsbl_min_version", v);
}

/* ---- inspector ---------------------------------------------------------- */

static void
show_inspected (OsspPayloadPage *self, const char *error_text)
{
  OsspPayload *p = self->inspected;
  g_autoptr(GString) s = g_string_new (NULL);
  guint n_plan = 0;

  gtk_widget_set_visible (GTK_WIDGET (self->inspect_label), error_text != NULL || p != NULL);
  gtk_widget_remove_css_class (GTK_WIDGET (self->inspect_label), "error");
  if (error_text != NULL)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->inspect_label), "error");
      g_string_append (s, error_text);
    }
  else if (p != NULL)
    {
      OsspChip *chip = ossp_payload_get_chip (p);
      g_autoptr(GBytes) blob = ossp_payload_get_chip_blob (p);
      g_autofree char *sha = ossp_hex_encode (ossp_payload_get_sha256 (p), 32);
      guint8 pkh[32];

      g_string_append_printf (s, _("OSSP v%u, %s (DEV_ID 0x%03X), %lu bytes, checksum OK\n"),
                              OSSP_PAYLOAD_CONTAINER_VERSION, ossp_chip_get_name (chip),
                              ossp_chip_get_dev_id (chip), (gulong) g_bytes_get_size (ossp_payload_get_bytes (p)));
      g_string_append_printf (s, "SHA-256 %s\n", sha);
      for (guint i = 0; i < ossp_payload_get_n_sections (p); i++)
        {
          const OsspPayloadSection *sec = ossp_payload_get_section (p, i);
          g_autofree char *ssha = ossp_hex_encode (sec->sha256, 8);
          g_string_append_printf (s, _("Section %u: %s, %u bytes at %u"), i,
                                  ossp_payload_section_type_to_string (sec->type), sec->length, sec->offset);
          if (sec->base)
            g_string_append_printf (s, _(", base 0x%08X"), sec->base);
          g_string_append_printf (s, ", sha256 %s…\n", ssha);
        }
      if (ossp_payload_get_pkh (p, pkh))
        {
          g_autofree char *pkh_hex = ossp_hex_encode (pkh, 32);
          g_string_append_printf (s, _("%s for OTP 24..31: %s\n"),
                                  ossp_chip_uses_pkh_table (chip) ? "PKHTH" : "PKH", pkh_hex);
        }
      g_string_append_printf (s, _("Sent to the chip after the license: %lu bytes\n"),
                              (gulong) g_bytes_get_size (blob));
      if (ossp_payload_is_decrypted (p))
        {
          n_plan = ossp_payload_get_plan (p)->len;
          g_string_append_printf (s, _("Decrypted: every tag verifies. The plan below lists what the "
                                       "chip will burn and lock (%u steps)."), n_plan);
        }
      else
        g_string_append (s, _("Not decrypted: choose the key and nonce above, then inspect again "
                              "to verify the tags and see the plan."));
    }
  gtk_label_set_text (self->inspect_label, s->str);

  /* rebuilding the rows re-binds every cell with the current mask setting */
  gtk_string_list_splice (self->plan_rows, 0, g_list_model_get_n_items (G_LIST_MODEL (self->plan_rows)), NULL);
  for (guint i = 0; i < n_plan; i++)
    {
      g_autofree char *idx = g_strdup_printf ("%u", i);
      gtk_string_list_append (self->plan_rows, idx);
    }
  gtk_widget_set_visible (self->plan_frame, n_plan > 0);
  ossp_row_set_subtitle_text (self->inspect_row, self->inspect_path ? self->inspect_path : _("No file opened"));
}

typedef struct {
  char       *path;
  OsspSecret *key;
  OsspSecret *nonce;
} InspectJob;

static void
inspect_job_free (gpointer data)
{
  InspectJob *job = data;
  g_free (job->path);
  ossp_secret_free (job->key);
  ossp_secret_free (job->nonce);
  g_free (job);
}

static gpointer
inspect_job (gpointer job_data, GCancellable *cancellable, GError **error)
{
  InspectJob *job = job_data;
  g_autoptr(OsspPayload) p = ossp_payload_new_from_file (job->path, error);

  if (p != NULL && job->key && job->nonce &&
      (!ossp_payload_set_key (p, job->key->data, job->key->len, error) ||
       !ossp_payload_set_nonce (p, job->nonce->data, job->nonce->len, error) ||
       !ossp_payload_decrypt (p, error)))
    return NULL;
  return g_steal_pointer (&p);
}

static void
set_busy (OsspPayloadPage *self, gboolean busy)
{
  self->busy = busy;
  update_state (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static void
inspect_done (gpointer page, gpointer result, const GError *error, gpointer job_data)
{
  OsspPayloadPage *self = page;

  g_clear_object (&self->inspected);
  self->inspected = result;
  show_inspected (self, error ? error->message : NULL);
  ossp_page_toast_error (self, error);
  set_busy (self, FALSE);
}

static OsspSecret *
read_if_ok (OsspPayloadPage *self, OsspPayloadPageFile which)
{
  FileInput *in = &self->files[which];
  if (in->path == NULL || in->problem != NULL)
    return NULL;
  return ossp_secret_new_from_file (in->path, 0, NULL);
}

void
ossp_payload_page_inspect (OsspPayloadPage *self,
                           const char      *path)
{
  InspectJob *job = g_new0 (InspectJob, 1);

  g_return_if_fail (OSSP_IS_PAYLOAD_PAGE (self));
  g_free (self->inspect_path);
  self->inspect_path = g_strdup (path);
  job->path = g_strdup (path);
  job->key = read_if_ok (self, OSSP_PAYLOAD_PAGE_KEY);
  job->nonce = read_if_ok (self, OSSP_PAYLOAD_PAGE_NONCE);
  set_busy (self, TRUE);
  ossp_page_run_job (self, self->cancellable, inspect_job, job, inspect_job_free, g_object_unref, inspect_done);
}

OsspPayload *
ossp_payload_page_get_inspected (OsspPayloadPage *self)
{
  return self->inspected;
}

static void
show_secrets_cb (OsspPayloadPage *self)
{
  show_inspected (self, NULL);
}

/* ---- building ----------------------------------------------------------- */

typedef struct {
  OsspChip *chip;
  char     *paths[OSSP_PAYLOAD_PAGE_N_FILES];
  char     *rma;
  char     *fsbl;
  GPtrArray *backup_paths;
  GArray   *backup_bases;
  gboolean  overwrite;
} BuildJob;

static void
build_job_free (gpointer data)
{
  BuildJob *job = data;
  g_object_unref (job->chip);
  for (guint i = 0; i < OSSP_PAYLOAD_PAGE_N_FILES; i++)
    g_free (job->paths[i]);
  ossp_secure_strfree (job->rma);
  g_free (job->fsbl);
  g_ptr_array_unref (job->backup_paths);
  g_array_unref (job->backup_bases);
  g_free (job);
}

/* Loads everything again from the files (they may have changed since they
 * were checked), exactly as `openssp payload build` does. */
static gpointer
build_job (gpointer job_data, GCancellable *cancellable, GError **error)
{
  BuildJob *job = job_data;
  g_autoptr(OsspPayload) p = ossp_payload_new (job->chip);
  g_autoptr(GBytes) bytes = NULL;
  guint32 v;

  if (!ossp_payload_load_key (p, job->paths[OSSP_PAYLOAD_PAGE_KEY], error) ||
      !ossp_payload_load_nonce (p, job->paths[OSSP_PAYLOAD_PAGE_NONCE], error) ||
      (job->paths[OSSP_PAYLOAD_PAGE_PUBKEY] &&
       !ossp_payload_load_oem_public_key (p, job->paths[OSSP_PAYLOAD_PAGE_PUBKEY], error)) ||
      (job->paths[OSSP_PAYLOAD_PAGE_PKHTH] &&
       !ossp_payload_load_pkhth (p, job->paths[OSSP_PAYLOAD_PAGE_PKHTH], error)) ||
      (job->rma && (!ossp_parse_u32 (job->rma, &v, error) || !ossp_payload_set_rma (p, v, error))) ||
      !ossp_payload_load_secret (p, job->paths[OSSP_PAYLOAD_PAGE_SECRET], error))
    return NULL;
  for (guint i = 0; i < job->backup_paths->len; i++)
    if (!ossp_payload_load_backup (p, g_ptr_array_index (job->backup_paths, i),
                                   g_array_index (job->backup_bases, guint32, i), error))
      return NULL;
  if (job->fsbl && ossp_parse_u32 (job->fsbl, &v, NULL))
    ossp_payload_set_fsbl_min_version (p, v);
  bytes = ossp_payload_build (p, error);
  if (bytes == NULL ||
      !ossp_payload_save (p, job->paths[OSSP_PAYLOAD_PAGE_OUTPUT],
                          job->overwrite ? OSSP_WRITE_FLAGS_OVERWRITE : 0, error) ||
      !ossp_payload_decrypt (p, error))
    return NULL;
  return g_steal_pointer (&p);
}

static void
build_done (gpointer page, gpointer result, const GError *error, gpointer job_data)
{
  OsspPayloadPage *self = page;
  OsspPayload *p = result;

  if (p == NULL)
    {
      ossp_page_toast_error (self, error);
      show_inspected (self, error->message);
    }
  else
    {
      g_clear_object (&self->inspected);
      self->inspected = p;
      g_free (self->inspect_path);
      self->inspect_path = g_strdup (self->files[OSSP_PAYLOAD_PAGE_OUTPUT].path);
      show_inspected (self, NULL);
      ossp_page_toast (self, _("Wrote %s (%lu bytes, verified)"), self->inspect_path,
                       (gulong) g_bytes_get_size (ossp_payload_get_bytes (p)));
      /* the next build must not silently replace what was just written */
      self->out_may_replace = FALSE;
    }
  check_file (self, OSSP_PAYLOAD_PAGE_OUTPUT);
  set_busy (self, FALSE);
}

static void
build_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  OsspPayloadPage *self = OSSP_PAYLOAD_PAGE (widget);
  BuildJob *job;
  const char *rma = gtk_editable_get_text (GTK_EDITABLE (self->rma_row));
  const char *fsbl = gtk_editable_get_text (GTK_EDITABLE (self->fsbl_row));

  check_all (self);
  if (!can_build (self))
    return;
  job = g_new0 (BuildJob, 1);
  job->chip = g_object_ref (self->chip);
  for (guint i = 0; i < OSSP_PAYLOAD_PAGE_N_FILES; i++)
    if (file_needed (self, i))
      job->paths[i] = g_strdup (self->files[i].path);
  job->rma = *rma && ossp_chip_is_mp1 (self->chip) ? ossp_secure_strdup (rma) : NULL;
  job->fsbl = *fsbl ? g_strdup (fsbl) : NULL;
  job->overwrite = self->out_may_replace;
  job->backup_paths = g_ptr_array_new_with_free_func (g_free);
  job->backup_bases = g_array_new (FALSE, FALSE, sizeof (guint32));
  for (guint i = 0; i < self->backups->len; i++)
    {
      BackupInput *b = g_ptr_array_index (self->backups, i);
      guint32 base;
      if (b->path == NULL)
        continue;
      base = b->mem->bases[MIN (gtk_drop_down_get_selected (b->bases), b->mem->n_bases - 1)];
      g_ptr_array_add (job->backup_paths, g_strdup (b->path));
      g_array_append_val (job->backup_bases, base);
    }
  set_busy (self, TRUE);
  ossp_page_run_job (self, self->cancellable, build_job, job, build_job_free, g_object_unref, build_done);
}

/* ---- plan table ---------------------------------------------------------- */

static const OsspPayloadPlanItem *
plan_item_for (OsspPayloadPage *self, GtkListItem *list_item)
{
  GtkStringObject *obj = gtk_list_item_get_item (list_item);
  GPtrArray *plan;
  guint64 idx;

  if (obj == NULL || self->inspected == NULL)
    return NULL;
  plan = ossp_payload_get_plan (self->inspected);
  idx = g_ascii_strtoull (gtk_string_object_get_string (obj), NULL, 10);
  return idx < plan->len ? g_ptr_array_index (plan, idx) : NULL;
}

static void
cell_setup_cb (GtkSignalListItemFactory *factory, GtkListItem *list_item, gpointer user_data)
{
  GtkWidget *label = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_list_item_set_child (list_item, label);
}

static void
cell_bind_cb (GtkSignalListItemFactory *factory, GtkListItem *list_item, OsspPayloadPage *self)
{
  const OsspPayloadPlanItem *it = plan_item_for (self, list_item);
  int column = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (factory), "column"));
  GtkLabel *label = GTK_LABEL (gtk_list_item_get_child (list_item));
  g_autofree char *text = NULL;

  if (it == NULL)
    return;
  switch (column)
    {
    case 0:
      text = g_strdup (ossp_payload_action_to_string (it->action));
      break;
    case 1:
      text = g_str_equal (it->target, "otp") ? g_strdup_printf ("OTP %u", it->address)
                                             : g_strdup_printf ("0x%08X", it->address);
      break;
    case 2:
      text = g_strdup (it->name);
      break;
    case 3:
      text = ossp_payload_plan_item_value_text (it, gtk_switch_get_active (self->show_secrets_switch));
      gtk_widget_add_css_class (GTK_WIDGET (label), "monospace");
      break;
    default:
      text = g_strdup (it->note ? it->note : "");
      gtk_label_set_wrap (label, TRUE);
      break;
    }
  gtk_label_set_text (label, text);
}

static void
setup_plan_view (OsspPayloadPage *self)
{
  const char *titles[] = { N_("Action"), N_("Where"), N_("Name"), N_("Value"), N_("Note") };
  g_autoptr(GtkNoSelection) selection = NULL;

  self->plan_rows = gtk_string_list_new (NULL);
  selection = gtk_no_selection_new (G_LIST_MODEL (g_object_ref (self->plan_rows)));
  gtk_column_view_set_model (self->plan_view, GTK_SELECTION_MODEL (selection));
  for (guint i = 0; i < G_N_ELEMENTS (titles); i++)
    {
      GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
      g_autoptr(GtkColumnViewColumn) column = NULL;

      g_object_set_data (G_OBJECT (factory), "column", GINT_TO_POINTER (i));
      g_signal_connect (factory, "setup", G_CALLBACK (cell_setup_cb), self);
      g_signal_connect (factory, "bind", G_CALLBACK (cell_bind_cb), self);
      column = gtk_column_view_column_new (_(titles[i]), factory);
      gtk_column_view_column_set_expand (column, i == 4);
      gtk_column_view_append_column (self->plan_view, column);
    }
}

/* ---- GObject -------------------------------------------------------------- */

/* ---- project ------------------------------------------------------------ */

static gboolean
wants (const char *key, const char *prefix)
{
  return key == NULL || g_str_has_prefix (key, prefix);
}

static void
project_load (OsspProjectPage *page,
              OsspProject     *project,
              const char      *key)
{
  OsspPayloadPage *self = OSSP_PAYLOAD_PAGE (page);

  if (wants (key, "payload.") || wants (key, "otp.secret_file") || wants (key, "chip"))
    {
      /* outputs a project names are rebuilt in place */
      self->out_may_replace = TRUE;
      for (guint i = 0; i < OSSP_PAYLOAD_PAGE_N_FILES; i++)
        {
          g_autofree char *path = i == OSSP_PAYLOAD_PAGE_SECRET ? ossp_project_get_payload_secret (project)
                                                                : ossp_project_get_path (project, file_keys[i]);
          if (g_strcmp0 (path, self->files[i].path) != 0)
            ossp_payload_page_set_file (self, i, path);
        }
    }
  if (key == NULL || g_str_equal (key, "payload.fsbl_min_version"))
    {
      g_autofree char *text = ossp_project_has (project, "payload.fsbl_min_version")
        ? g_strdup_printf ("%" G_GINT64_FORMAT, ossp_project_get_int (project, "payload.fsbl_min_version", 0))
        : g_strdup ("");
      if (!g_str_equal (text, gtk_editable_get_text (GTK_EDITABLE (self->fsbl_row))))
        gtk_editable_set_text (GTK_EDITABLE (self->fsbl_row), text);
    }
  if (key == NULL || g_str_equal (key, "payload.rma_file"))
    {
      guint32 rma = 0;
      gboolean found = FALSE;
      g_autofree char *text = NULL;
      /* only the RMA file: the OTP list's RMA word shows on the OTP page */
      if (ossp_project_has (project, "payload.rma_file") &&
          ossp_project_get_rma (project, &rma, &found, NULL) && found)
        text = g_strdup_printf ("0x%08X", rma);
      gtk_editable_set_text (GTK_EDITABLE (self->rma_row), text ? text : "");
      if (text)
        ossp_secure_wipe (text, strlen (text));
      rma = 0;
    }
  if (wants (key, "backup") || wants (key, "chip"))
    for (guint i = 0; i < self->backups->len; i++)
      {
        BackupInput *b = g_ptr_array_index (self->backups, i);
        gint idx = ossp_project_find_backup (project, b->mem->kind);
        g_autofree char *file = idx >= 0 ? ossp_project_get_backup_path (project, (guint) idx, "file") : NULL;
        guint32 base = idx >= 0 ? ossp_project_get_backup_base (project, (guint) idx) : 0;
        ossp_payload_page_set_backup (self, b->mem->kind, file, base);
      }
}

static void
project_page_iface_init (OsspProjectPageInterface *iface)
{
  iface->load = project_load;
}

OsspChip *
ossp_payload_page_get_chip (OsspPayloadPage *self)
{
  return self->chip;
}

void
ossp_payload_page_set_chip (OsspPayloadPage *self,
                            OsspChip        *chip)
{
  if (!g_set_object (&self->chip, chip))
    return;
  rebuild_backup_rows (self);
  check_all (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHIP]);
}

gboolean
ossp_payload_page_get_busy (OsspPayloadPage *self)
{
  return self->busy;
}

static void
ossp_payload_page_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  OsspPayloadPage *self = OSSP_PAYLOAD_PAGE (object);

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
ossp_payload_page_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  OsspPayloadPage *self = OSSP_PAYLOAD_PAGE (object);

  switch (prop_id)
    {
    case PROP_CHIP:
      ossp_payload_page_set_chip (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ossp_payload_page_dispose (GObject *object)
{
  OsspPayloadPage *self = OSSP_PAYLOAD_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->inspected);
  g_clear_object (&self->chip);
  g_clear_object (&self->plan_rows);
  G_OBJECT_CLASS (ossp_payload_page_parent_class)->dispose (object);
}

static void
ossp_payload_page_finalize (GObject *object)
{
  OsspPayloadPage *self = OSSP_PAYLOAD_PAGE (object);

  for (guint i = 0; i < OSSP_PAYLOAD_PAGE_N_FILES; i++)
    file_input_clear (&self->files[i]);
  g_ptr_array_unref (self->backups);
  g_free (self->rma_problem);
  g_free (self->fsbl_problem);
  g_free (self->inspect_path);
  G_OBJECT_CLASS (ossp_payload_page_parent_class)->finalize (object);
}

static void
ossp_payload_page_class_init (OsspPayloadPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  ossp_gui_ensure_resources ();

  object_class->get_property = ossp_payload_page_get_property;
  object_class->set_property = ossp_payload_page_set_property;
  object_class->dispose = ossp_payload_page_dispose;
  object_class->finalize = ossp_payload_page_finalize;

  properties[PROP_CHIP] = g_param_spec_object ("chip", NULL, NULL, OSSP_TYPE_CHIP,
                                               G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                                               G_PARAM_STATIC_STRINGS);
  properties[PROP_BUSY] = g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_install_action (widget_class, "payload.build", NULL, build_action);
  gtk_widget_class_install_action (widget_class, "payload.choose", "i", choose_action);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/openssp/OpenSSP/ui/ossp-payload-page.ui");
#define CHILD(name) gtk_widget_class_bind_template_child (widget_class, OsspPayloadPage, name)
  CHILD (backup_group);
  CHILD (rma_row);
  CHILD (fsbl_row);
  CHILD (rma_status);
  CHILD (fsbl_status);
  CHILD (summary_label);
  CHILD (entry_problem_label);
  CHILD (spinner);
  CHILD (inspect_row);
  CHILD (show_secrets_switch);
  CHILD (inspect_label);
  CHILD (plan_frame);
  CHILD (plan_view);
#undef CHILD
#define FILE_CHILD(idx, name) \
  gtk_widget_class_bind_template_child_full (widget_class, name "_row", FALSE, \
    G_STRUCT_OFFSET (OsspPayloadPage, files) + idx * sizeof (FileInput) + G_STRUCT_OFFSET (FileInput, row)); \
  gtk_widget_class_bind_template_child_full (widget_class, name "_status", FALSE, \
    G_STRUCT_OFFSET (OsspPayloadPage, files) + idx * sizeof (FileInput) + G_STRUCT_OFFSET (FileInput, status))
  FILE_CHILD (OSSP_PAYLOAD_PAGE_KEY, "key");
  FILE_CHILD (OSSP_PAYLOAD_PAGE_NONCE, "nonce");
  FILE_CHILD (OSSP_PAYLOAD_PAGE_PUBKEY, "pubkey");
  FILE_CHILD (OSSP_PAYLOAD_PAGE_PKHTH, "pkhth");
  FILE_CHILD (OSSP_PAYLOAD_PAGE_SECRET, "secret");
  FILE_CHILD (OSSP_PAYLOAD_PAGE_OUTPUT, "out");
#undef FILE_CHILD
  gtk_widget_class_bind_template_callback (widget_class, rma_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, fsbl_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, show_secrets_cb);
}

static void
ossp_payload_page_init (OsspPayloadPage *self)
{
  self->backups = g_ptr_array_new_with_free_func (backup_input_free);
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  ossp_help_attach (GTK_WIDGET (self->files[OSSP_PAYLOAD_PAGE_NONCE].row), OSSP_HELP_NONCE);
  ossp_help_attach (GTK_WIDGET (self->files[OSSP_PAYLOAD_PAGE_PUBKEY].row), OSSP_HELP_PKH_PKHTH);
  ossp_help_attach (GTK_WIDGET (self->files[OSSP_PAYLOAD_PAGE_PKHTH].row), OSSP_HELP_PKH_PKHTH);
  ossp_help_attach (gtk_widget_get_ancestor (GTK_WIDGET (self->summary_label), ADW_TYPE_PREFERENCES_GROUP),
                    OSSP_HELP_SECURE_CLOSED);
  setup_plan_view (self);
  update_state (self);
}

GtkWidget *
ossp_payload_page_new (void)
{
  return g_object_new (OSSP_TYPE_PAYLOAD_PAGE, NULL);
}
