/* ossp-keys-page.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "ossp-help.h"
#include "ossp-keys-page.h"
#include "ossp-page-util.h"
#include "ossp-project-page.h"
#include "ossp-window.h"

struct _OsspKeysPage
{
  AdwBin                parent_instance;

  AdwPreferencesGroup  *generate_group;
  AdwActionRow         *count_row;
  GtkSpinButton        *count_spin;
  AdwActionRow         *folder_row;
  AdwPasswordEntryRow  *password_row;
  AdwPasswordEntryRow  *confirm_row;
  AdwActionRow         *strength_row;
  GtkLevelBar          *strength_bar;
  GtkSwitch            *overwrite_switch;
  GtkButton            *generate_button;
  GtkSpinner           *spinner;
  AdwPreferencesGroup  *result_group;
  GtkButton            *aes_button;
  GtkButton            *nonce_button;

  OsspChip             *chip;
  char                 *folder;
  OsspKeys             *keys;
  GPtrArray            *result_rows;   /* rows added to result_group */
  GCancellable         *cancellable;
  gboolean              busy;
};

static void project_page_iface_init (OsspProjectPageInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OsspKeysPage, ossp_keys_page, ADW_TYPE_BIN,
                               G_IMPLEMENT_INTERFACE (OSSP_TYPE_PROJECT_PAGE, project_page_iface_init))

enum {
  PROP_0,
  PROP_CHIP,
  PROP_FOLDER,
  PROP_BUSY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Password strength: a rough entropy estimate (length × log2 of the
 * character pool). It only nudges; the key file is as strong as its
 * password, and AES-256-CBC with a one-round MD5 KDF (the OpenSSL PEM form
 * KeyGen writes) offers no brute-force slowdown. */
guint
ossp_keys_page_rate_password (const char  *password,
                              const char **hint)
{
  gboolean lower = FALSE, upper = FALSE, digit = FALSE, other = FALSE, wide = FALSE;
  glong n = password ? g_utf8_strlen (password, -1) : 0;
  double pool = 0, bits;

  if (n == 0)
    {
      *hint = _("Private keys are always written encrypted (AES-256-CBC); a password is needed");
      return 0;
    }
  for (const char *p = password; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (c >= 'a' && c <= 'z') lower = TRUE;
      else if (c >= 'A' && c <= 'Z') upper = TRUE;
      else if (c >= '0' && c <= '9') digit = TRUE;
      else if (c < 128) other = TRUE;
      else wide = TRUE;
    }
  pool = (lower ? 26 : 0) + (upper ? 26 : 0) + (digit ? 10 : 0) + (other ? 33 : 0) + (wide ? 100 : 0);
  /* log2 without libm: whole halvings plus a linear remainder; close
   * enough for a hint */
  for (bits = 0; pool >= 2; pool /= 2)
    bits += 1;
  bits = (double) n * (bits + (pool - 1));
  if (bits < 50)
    {
      *hint = _("Weak: use 12 or more characters, or a passphrase of several words");
      return 1;
    }
  if (bits < 70)
    {
      *hint = _("Fair: longer is better; the key file is only as strong as its password");
      return 2;
    }
  if (bits < 90)
    {
      *hint = _("Good");
      return 3;
    }
  *hint = _("Strong");
  return 4;
}

static void
update_sensitivity (OsspKeysPage *self)
{
  const char *pw = gtk_editable_get_text (GTK_EDITABLE (self->password_row));
  const char *confirm = gtk_editable_get_text (GTK_EDITABLE (self->confirm_row));
  gboolean match = g_str_equal (pw, confirm);
  gboolean have_folder = self->folder != NULL;

  if (*confirm && !match)
    gtk_widget_add_css_class (GTK_WIDGET (self->confirm_row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->confirm_row), "error");
  gtk_widget_set_sensitive (GTK_WIDGET (self->generate_button),
                            !self->busy && have_folder && self->chip && *pw && match);
  gtk_widget_set_sensitive (GTK_WIDGET (self->aes_button), !self->busy && have_folder);
  gtk_widget_set_sensitive (GTK_WIDGET (self->nonce_button), !self->busy && have_folder);
  gtk_widget_set_sensitive (GTK_WIDGET (self->generate_group), !self->busy);
}

static void
password_changed_cb (OsspKeysPage *self)
{
  const char *pw = gtk_editable_get_text (GTK_EDITABLE (self->password_row));
  const char *confirm = gtk_editable_get_text (GTK_EDITABLE (self->confirm_row));
  const char *hint = NULL;
  guint level = ossp_keys_page_rate_password (pw, &hint);

  gtk_level_bar_set_value (self->strength_bar, level);
  if (*confirm && !g_str_equal (pw, confirm))
    adw_action_row_set_subtitle (self->strength_row, _("The two passwords differ"));
  else
    adw_action_row_set_subtitle (self->strength_row, hint);
  update_sensitivity (self);
}

static void
update_chip_text (OsspKeysPage *self)
{
  g_autofree char *desc = NULL;
  guint max;

  if (self->chip == NULL)
    return;
  max = ossp_chip_get_auth_key_count (self->chip);
  if (ossp_chip_uses_pkh_table (self->chip))
    desc = g_strdup_printf (_("%s: up to %u key pairs (privateKey00.pem …). Each public key hash "
                              "(PKH) goes into the signed image header; their table hash (PKHTH) "
                              "is fused into OTP words %u–%u."),
                            ossp_chip_get_name (self->chip), max,
                            ossp_chip_get_pkh_first_word (self->chip),
                            ossp_chip_get_pkh_first_word (self->chip) + 7);
  else
    desc = g_strdup_printf (_("%s: one key pair (privateKey.pem, publicKey.pem). Its public key "
                              "hash (PKH) is fused into OTP words %u–%u."),
                            ossp_chip_get_name (self->chip),
                            ossp_chip_get_pkh_first_word (self->chip),
                            ossp_chip_get_pkh_first_word (self->chip) + 7);
  adw_preferences_group_set_description (self->generate_group, desc);
  gtk_spin_button_set_range (self->count_spin, 1, max);
  gtk_spin_button_set_value (self->count_spin, max);
  gtk_widget_set_sensitive (GTK_WIDGET (self->count_spin), max > 1);
}

static void
count_changed_cb (OsspKeysPage *self)
{
  guint n = (guint) gtk_spin_button_get_value_as_int (self->count_spin);
  g_autofree char *sub = g_strdup_printf (ngettext ("%u prime256v1 key pair", "%u prime256v1 key pairs", n), n);
  adw_action_row_set_subtitle (self->count_row, sub);
  ossp_project_page_store_int (self, "keys.count", n);
}

/* Results */

static void
clear_results (OsspKeysPage *self)
{
  ossp_group_remove_rows (self->result_group, self->result_rows);
  gtk_widget_set_visible (GTK_WIDGET (self->result_group), FALSE);
}

static void
copy_clicked_cb (GtkButton *button,
                 gpointer   user_data)
{
  const char *text = g_object_get_data (G_OBJECT (button), "copy-text");
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (button)), text);
  ossp_widget_toast (GTK_WIDGET (button), _("Copied to the clipboard"));
}

static void
add_result_row (OsspKeysPage *self,
                const char   *title,
                const char   *value,
                const char   *copy_text)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *copy = gtk_button_new_from_icon_name ("edit-copy-symbolic");

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), value);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
  gtk_widget_add_css_class (row, "hex-value");
  gtk_widget_set_valign (copy, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (copy, _("Copy"));
  gtk_widget_add_css_class (copy, "flat");
  g_object_set_data_full (G_OBJECT (copy), "copy-text", g_strdup (copy_text), g_free);
  g_signal_connect (copy, "clicked", G_CALLBACK (copy_clicked_cb), NULL);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), copy);
  adw_preferences_group_add (self->result_group, row);
  g_ptr_array_add (self->result_rows, row);
}

static void
show_results (OsspKeysPage *self)
{
  OsspKeys *keys = self->keys;
  gboolean numbered = ossp_keys_get_layout (keys) == OSSP_KEYS_LAYOUT_NUMBERED;
  guint first = ossp_chip_get_pkh_first_word (self->chip);
  g_autofree char *desc = NULL;
  g_autoptr(GString) words = g_string_new (NULL);
  g_autoptr(GString) words_copy = g_string_new (NULL);
  guint32 w[8];
  guint8 hash[32];

  clear_results (self);
  desc = g_strdup_printf (numbered ? _("In %s. PKH = SHA-256(algo ‖ X ‖ Y) per key; the PKHTH is fused.")
                                   : _("In %s. PKH = SHA-256(X ‖ Y); it is fused."),
                          self->folder);
  adw_preferences_group_set_description (self->result_group, desc);
  for (guint i = 0; i < ossp_keys_get_n_keys (keys); i++)
    {
      g_autofree char *pub = ossp_keys_get_file_name (keys, OSSP_KEYS_FILE_PUBLIC, i);
      g_autofree char *title = g_strdup_printf (_("PKH %u · %s"), i, pub);
      g_autofree char *hex = NULL;
      ossp_keys_get_pkh (keys, i, hash);
      hex = ossp_hex_encode (hash, 32);
      add_result_row (self, title, hex, hex);
    }
  if (ossp_keys_get_pkhth (keys, hash))
    {
      g_autofree char *hex = ossp_hex_encode (hash, 32);
      add_result_row (self, _("PKHTH · publicKeysHashHashes.bin"), hex, hex);
    }
  ossp_keys_get_otp_hash (keys, hash);
  ossp_bytes_to_words (hash, 32, OSSP_WORD_FORMAT_1, w);
  for (guint i = 0; i < 8; i++)
    {
      g_string_append_printf (words, "%u: 0x%08x%s", first + i, w[i], i == 3 ? "\n" : (i < 7 ? "   " : ""));
      g_string_append_printf (words_copy, "0x%08x%s", w[i], i < 7 ? " " : "");
    }
  {
    g_autofree char *title = g_strdup_printf (_("OTP words %u–%u (%s, format 1)"), first, first + 7,
                                              numbered ? "PKHTH" : "PKH");
    add_result_row (self, title, words->str, words_copy->str);
  }
  gtk_widget_set_visible (GTK_WIDGET (self->result_group), TRUE);
}

/* Generation in a worker thread */

typedef struct {
  OsspChip       *chip;
  guint           count;
  char           *folder;
  char           *password;   /* secure memory, wiped on free */
  OsspWriteFlags  flags;
} GenerateData;

static void
generate_data_free (GenerateData *data)
{
  g_clear_object (&data->chip);
  g_free (data->folder);
  ossp_secure_strfree (data->password);
  g_free (data);
}

static gpointer
generate_job (gpointer job_data, GCancellable *cancellable, GError **error)
{
  GenerateData *data = job_data;
  g_autoptr(OsspKeys) keys = NULL;
  const char *pw[] = { data->password };

  keys = ossp_keys_generate_for_chip (data->chip, OSSP_CURVE_P256, data->count, cancellable, error);
  if (keys == NULL || !ossp_keys_save (keys, data->folder, pw, 1, data->flags, error))
    return NULL;
  return g_steal_pointer (&keys);
}

static void
set_busy (OsspKeysPage *self,
          gboolean      busy)
{
  self->busy = busy;
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_spinner_set_spinning (self->spinner, busy);
  update_sensitivity (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static void store_key_files (OsspKeysPage *self);

static void
generate_done (gpointer page, gpointer result, const GError *error, gpointer job_data)
{
  OsspKeysPage *self = page;
  g_autoptr(OsspKeys) keys = result;

  /* cancelled only by dispose: the widgets may be gone */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  set_busy (self, FALSE);
  if (ossp_page_job_failed (self, keys, error))
    return;
  g_set_object (&self->keys, keys);
  show_results (self);
  store_key_files (self);
  /* the password has done its job: do not leave it in the entries */
  gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->confirm_row), "");
  ossp_page_toast (self, ngettext ("%u key pair written to %s", "%u key pairs written to %s",
                                   ossp_keys_get_n_keys (keys)),
                   ossp_keys_get_n_keys (keys), self->folder);
}

/* The project names the new public key (MP15) or PKH-table hash (MP13,
 * MP25), and the payload takes the same file as its key material. */
static void
store_key_files (OsspKeysPage *self)
{
  gboolean numbered = ossp_keys_get_layout (self->keys) == OSSP_KEYS_LAYOUT_NUMBERED;
  g_autofree char *pub = ossp_keys_get_file_name (self->keys, OSSP_KEYS_FILE_PUBLIC, 0);
  g_autofree char *pub_path = g_build_filename (self->folder, pub, NULL);
  g_autofree char *table = g_build_filename (self->folder, "publicKeysHashHashes.bin", NULL);

  ossp_project_page_store_string (self, "keys.curve", "prime256v1");
  if (!numbered)
    {
      ossp_project_page_store_path (self, "keys.public_key", pub_path);
      ossp_project_page_store_path (self, "payload.oem_public_key", pub_path);
    }
  else
    {
      ossp_project_page_store_path (self, "keys.pkh_table_hash", table);
      /* MP25 keeps the PKHTH in the OTP list, not in the payload */
      if (ossp_chip_is_mp1 (self->chip))
        ossp_project_page_store_path (self, "payload.pkh_table_hash", table);
    }
}

static void
generate_cb (OsspKeysPage *self)
{
  GenerateData *data;

  if (!gtk_widget_get_sensitive (GTK_WIDGET (self->generate_button)))
    return;
  data = g_new0 (GenerateData, 1);
  data->chip = g_object_ref (self->chip);
  data->count = (guint) gtk_spin_button_get_value_as_int (self->count_spin);
  data->folder = g_strdup (self->folder);
  data->password = ossp_secure_strdup (gtk_editable_get_text (GTK_EDITABLE (self->password_row)));
  data->flags = gtk_switch_get_active (self->overwrite_switch) ? OSSP_WRITE_FLAGS_OVERWRITE
                                                               : OSSP_WRITE_FLAGS_NONE;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  set_busy (self, TRUE);
  ossp_page_run_job (self, self->cancellable, generate_job, data, (GDestroyNotify) generate_data_free,
                     g_object_unref, generate_done);
}

/* Random key / nonce: 16 bytes, fast enough for the main thread */

static void
write_random (OsspKeysPage *self,
              gboolean      nonce)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (self->folder, nonce ? "nonce.bin" : "enc_key.bin", NULL);

  if (!ossp_random_write_file (path, 16, nonce,
                               gtk_switch_get_active (self->overwrite_switch)
                               ? OSSP_WRITE_FLAGS_OVERWRITE : OSSP_WRITE_FLAGS_NONE, &error))
    {
      ossp_page_toast_error (self, error);
      return;
    }
  ossp_page_toast (self, _("Wrote %s (16 bytes, mode 0600)"), path);
  ossp_project_page_store_path (self, nonce ? "payload.nonce" : "payload.key", path);
}

static void
random_key_cb (OsspKeysPage *self)
{
  write_random (self, FALSE);
}

static void
random_nonce_cb (OsspKeysPage *self)
{
  write_random (self, TRUE);
}

/* Folder chooser */

static void
folder_chosen (gpointer    page,
               const char *path,
               gpointer    user_data)
{
  ossp_keys_page_set_folder (page, path);
}

static void
choose_folder_cb (OsspKeysPage *self)
{
  const OsspFileChoice choice = {
    .title = _("Output Folder for the Keys"), .action = GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
    .accept_label = _("_Select"), .current_path = self->folder,
  };

  ossp_page_choose_file (self, &choice, folder_chosen, NULL, NULL);
}

/* Project */

static void
project_load (OsspProjectPage *page,
              OsspProject     *project,
              const char      *key)
{
  OsspKeysPage *self = OSSP_KEYS_PAGE (page);

  if (key == NULL || g_str_equal (key, "keys.folder"))
    {
      g_autofree char *folder = ossp_project_get_path (project, "keys.folder");
      ossp_keys_page_set_folder (self, folder);
    }
  if ((key == NULL || g_str_equal (key, "keys.count") || g_str_equal (key, "chip")) &&
      ossp_project_has (project, "keys.count"))
    gtk_spin_button_set_value (self->count_spin, (double) ossp_project_get_int (project, "keys.count", 1));
}

static void
project_page_iface_init (OsspProjectPageInterface *iface)
{
  iface->load = project_load;
}

/* GObject */

static void
ossp_keys_page_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  OsspKeysPage *self = OSSP_KEYS_PAGE (object);

  switch (prop_id)
    {
    case PROP_CHIP:
      g_value_set_object (value, self->chip);
      break;
    case PROP_FOLDER:
      g_value_set_string (value, self->folder);
      break;
    case PROP_BUSY:
      g_value_set_boolean (value, self->busy);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ossp_keys_page_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  OsspKeysPage *self = OSSP_KEYS_PAGE (object);

  switch (prop_id)
    {
    case PROP_CHIP:
      ossp_keys_page_set_chip (self, g_value_get_object (value));
      break;
    case PROP_FOLDER:
      ossp_keys_page_set_folder (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ossp_keys_page_dispose (GObject *object)
{
  OsspKeysPage *self = OSSP_KEYS_PAGE (object);

  /* a running worker keeps its own references; let it finish unseen */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->chip);
  g_clear_object (&self->keys);
  g_clear_pointer (&self->folder, g_free);
  G_OBJECT_CLASS (ossp_keys_page_parent_class)->dispose (object);
}

static void
ossp_keys_page_finalize (GObject *object)
{
  OsspKeysPage *self = OSSP_KEYS_PAGE (object);

  g_ptr_array_unref (self->result_rows);
  G_OBJECT_CLASS (ossp_keys_page_parent_class)->finalize (object);
}

static void
ossp_keys_page_class_init (OsspKeysPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  ossp_gui_ensure_resources ();

  object_class->get_property = ossp_keys_page_get_property;
  object_class->set_property = ossp_keys_page_set_property;
  object_class->dispose = ossp_keys_page_dispose;
  object_class->finalize = ossp_keys_page_finalize;

  properties[PROP_CHIP] = g_param_spec_object ("chip", NULL, NULL, OSSP_TYPE_CHIP,
                                               G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                                               G_PARAM_STATIC_STRINGS);
  properties[PROP_FOLDER] = g_param_spec_string ("folder", NULL, NULL, NULL,
                                                 G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                                                 G_PARAM_STATIC_STRINGS);
  properties[PROP_BUSY] = g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/openssp/OpenSSP/ui/ossp-keys-page.ui");
  gtk_widget_class_bind_template_child (widget_class, OsspKeysPage, generate_group);
  gtk_widget_class_bind_template_child (widget_class, OsspKeysPage, count_row);
  gtk_widget_class_bind_template_child (widget_class, OsspKeysPage, count_spin);
  gtk_widget_class_bind_template_child (widget_class, OsspKeysPage, folder_row);
  gtk_widget_class_bind_template_child (widget_class, OsspKeysPage, password_row);
  gtk_widget_class_bind_template_child (widget_class, OsspKeysPage, confirm_row);
  gtk_widget_class_bind_template_child (widget_class, OsspKeysPage, strength_row);
  gtk_widget_class_bind_template_child (widget_class, OsspKeysPage, strength_bar);
  gtk_widget_class_bind_template_child (widget_class, OsspKeysPage, overwrite_switch);
  gtk_widget_class_bind_template_child (widget_class, OsspKeysPage, generate_button);
  gtk_widget_class_bind_template_child (widget_class, OsspKeysPage, spinner);
  gtk_widget_class_bind_template_child (widget_class, OsspKeysPage, result_group);
  gtk_widget_class_bind_template_child (widget_class, OsspKeysPage, aes_button);
  gtk_widget_class_bind_template_child (widget_class, OsspKeysPage, nonce_button);
  gtk_widget_class_bind_template_callback (widget_class, count_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, choose_folder_cb);
  gtk_widget_class_bind_template_callback (widget_class, password_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, generate_cb);
  gtk_widget_class_bind_template_callback (widget_class, random_key_cb);
  gtk_widget_class_bind_template_callback (widget_class, random_nonce_cb);
}

static void
ossp_keys_page_init (OsspKeysPage *self)
{
  self->result_rows = g_ptr_array_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  ossp_help_attach (GTK_WIDGET (self->generate_group), OSSP_HELP_PKH_PKHTH);
  ossp_help_attach (gtk_widget_get_ancestor (GTK_WIDGET (self->nonce_button), ADW_TYPE_ACTION_ROW),
                    OSSP_HELP_NONCE);
  password_changed_cb (self);
  count_changed_cb (self);
}

GtkWidget *
ossp_keys_page_new (void)
{
  return g_object_new (OSSP_TYPE_KEYS_PAGE, NULL);
}

OsspChip *
ossp_keys_page_get_chip (OsspKeysPage *self)
{
  g_return_val_if_fail (OSSP_IS_KEYS_PAGE (self), NULL);
  return self->chip;
}

void
ossp_keys_page_set_chip (OsspKeysPage *self,
                         OsspChip     *chip)
{
  g_return_if_fail (OSSP_IS_KEYS_PAGE (self));
  if (!g_set_object (&self->chip, chip))
    return;
  update_chip_text (self);
  /* results of another chip would show the wrong OTP words */
  clear_results (self);
  g_clear_object (&self->keys);
  update_sensitivity (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHIP]);
}

const char *
ossp_keys_page_get_folder (OsspKeysPage *self)
{
  g_return_val_if_fail (OSSP_IS_KEYS_PAGE (self), NULL);
  return self->folder;
}

void
ossp_keys_page_set_folder (OsspKeysPage *self,
                           const char   *folder)
{
  g_return_if_fail (OSSP_IS_KEYS_PAGE (self));
  if (g_strcmp0 (self->folder, folder) == 0)
    return;
  g_free (self->folder);
  self->folder = (folder && *folder) ? g_strdup (folder) : NULL;
  ossp_row_set_subtitle_text (self->folder_row, self->folder ? self->folder : _("Not chosen"));
  ossp_project_page_store_path (self, "keys.folder", self->folder);
  update_sensitivity (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FOLDER]);
}

gboolean
ossp_keys_page_get_busy (OsspKeysPage *self)
{
  g_return_val_if_fail (OSSP_IS_KEYS_PAGE (self), FALSE);
  return self->busy;
}

OsspKeys *
ossp_keys_page_get_keys (OsspKeysPage *self)
{
  g_return_val_if_fail (OSSP_IS_KEYS_PAGE (self), NULL);
  return self->keys;
}
