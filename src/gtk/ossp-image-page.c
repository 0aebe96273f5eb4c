/* ossp-image-page.c — "Image signing": sign an STM32 image (or a raw
 * binary) with a PEM key or a PKCS#11 token, show its header before and
 * after, verify it check by check. All file and crypto work runs in GTask
 * threads; the page only collects what the user chose.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "ossp-image-page.h"
#include "ossp-page-util.h"
#include "ossp-project-page.h"
#include "ossp-window.h"
#include "ossp-wrap-layout.h"

struct _OsspImagePage
{
  AdwBin                parent_instance;

  AdwActionRow         *input_row;
  AdwEntryRow          *entry_point_row;
  AdwEntryRow          *load_address_row;
  AdwEntryRow          *image_version_row;
  AdwComboRow          *binary_type_row;
  AdwComboRow          *key_source_row;
  AdwActionRow         *key_row;
  AdwPasswordEntryRow  *password_row;
  AdwEntryRow          *pkcs11_row;
  AdwEntryRow          *module_row;
  AdwPasswordEntryRow  *pin_row;
  AdwActionRow         *pubkeys_row;
  AdwComboRow          *key_index_row;
  AdwActionRow         *output_row;
  GtkSwitch            *overwrite_switch;
  GtkButton            *sign_button;
  GtkButton            *verify_button;
  GtkProgressBar       *progress_bar;
  GtkWidget            *cancel_button;  /* shown while signing or verifying */
  GtkLabel             *status_label;
  AdwPreferencesGroup  *verify_group;
  AdwEntryRow          *expect_row;
  AdwPreferencesGroup  *result_group;
  AdwPreferencesGroup  *input_group;

  OsspChip             *chip;
  char                 *input_path;
  char                 *key_path;
  char                 *output_path;
  GPtrArray            *pubkey_paths;
  gboolean              signed_output;  /* output_path holds what we signed */
  GPtrArray            *input_rows;
  GPtrArray            *result_rows;
  GPtrArray            *verify_rows;
  GCancellable         *cancellable;
  gboolean              busy;
  guint                 inspect_serial;
  guint                 input_major;    /* header major of the input (or of the chip for raw) */
};

static void project_page_iface_init (OsspProjectPageInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OsspImagePage, ossp_image_page, ADW_TYPE_BIN,
                               G_IMPLEMENT_INTERFACE (OSSP_TYPE_PROJECT_PAGE, project_page_iface_init))

enum {
  PROP_0,
  PROP_CHIP,
  PROP_BUSY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---- jobs (run in a thread, on copies of what the user chose) ---- */

typedef enum {
  JOB_INSPECT,
  JOB_SIGN,
  JOB_VERIFY,
} JobKind;

typedef struct {
  JobKind        kind;
  OsspImagePage *page;
  GMainContext  *context;
  guint          serial;
  guint32        chip_version;
  char          *input;
  char          *output;
  char          *key;
  char          *password;   /* wiped memory */
  char          *pkcs11;
  char          *module;
  char          *pin;        /* wiped memory */
  char          *entry_point;
  char          *load_address;
  char          *image_version;
  const char    *binary_type;  /* a name for ossp_image_binary_type_from_string, or NULL */
  char          *expect_hex;
  GStrv          pubkeys;
  gint           key_index;
  gboolean       overwrite;
  guint          last_percent;
  /* results */
  guint          major;
  GPtrArray     *fields;
  GPtrArray     *checks;
  char          *summary;
} Job;

static void
job_free (Job *job)
{
  g_clear_object (&job->page);
  g_main_context_unref (job->context);
  g_free (job->input);
  g_free (job->output);
  g_free (job->key);
  ossp_secure_strfree (job->password);
  g_free (job->pkcs11);
  g_free (job->module);
  ossp_secure_strfree (job->pin);
  g_free (job->entry_point);
  g_free (job->load_address);
  g_free (job->image_version);
  g_free (job->expect_hex);
  g_strfreev (job->pubkeys);
  g_clear_pointer (&job->fields, g_ptr_array_unref);
  g_clear_pointer (&job->checks, g_ptr_array_unref);
  g_free (job->summary);
  g_free (job);
}

typedef struct {
  OsspImagePage *page;
  double         fraction;
} ProgressUpdate;

static gboolean
progress_idle (gpointer data)
{
  ProgressUpdate *u = data;
  g_autofree char *text = g_strdup_printf ("%.0f %%", u->fraction * 100);

  gtk_progress_bar_set_fraction (u->page->progress_bar, u->fraction);
  gtk_progress_bar_set_text (u->page->progress_bar, text);
  return G_SOURCE_REMOVE;
}

static void
progress_free (gpointer data)
{
  ProgressUpdate *u = data;
  g_object_unref (u->page);
  g_free (u);
}

/* Called from the worker thread once per chunk; hands whole percents to
 * the main loop. */
static void
job_progress (guint64  done,
              guint64  total,
              gpointer data)
{
  Job *job = data;
  ProgressUpdate *u;
  guint percent = total ? (guint) (done * 100 / total) : 100;

  if (percent == job->last_percent)
    return;
  job->last_percent = percent;
  u = g_new0 (ProgressUpdate, 1);
  u->page = g_object_ref (job->page);
  u->fraction = percent / 100.0;
  g_main_context_invoke_full (job->context, G_PRIORITY_DEFAULT, progress_idle, u, progress_free);
}

static gboolean
parse_optional_u32 (const char  *text,
                    const char  *what,
                    gboolean    *present,
                    guint32     *value,
                    GError     **error)
{
  *present = text != NULL && *text != 0;
  if (!*present)
    return TRUE;
  if (ossp_parse_u32 (text, value, error))
    return TRUE;
  g_prefix_error (error, "%s: ", what);
  return FALSE;
}

static gboolean
job_apply_fields (Job        *job,
                  OsspImage  *image,
                  GError    **error)
{
  gboolean has_entry, has_load, has_version;
  guint32 entry = 0, load = 0, version = 0;

  if (!parse_optional_u32 (job->entry_point, _("Entry point"), &has_entry, &entry, error) ||
      !parse_optional_u32 (job->load_address, _("Load address"), &has_load, &load, error) ||
      !parse_optional_u32 (job->image_version, _("Image version"), &has_version, &version, error))
    return FALSE;
  if (ossp_image_is_raw (image) && !has_entry)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   _("%s is a raw binary: enter its entry point so that a header can be made"), job->input);
      return FALSE;
    }
  if (has_entry)
    ossp_image_set_entry_point (image, entry);
  if (has_load || (has_entry && ossp_image_is_raw (image)))
    ossp_image_set_load_address (image, has_load ? load : entry);
  if (has_version)
    ossp_image_set_image_version (image, version);
  if (job->binary_type != NULL)
    {
      guint32 type = 0;
      if (!ossp_image_binary_type_from_string (job->binary_type, &type, error) ||
          !ossp_image_set_binary_type (image, type, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
job_sign (Job           *job,
          GCancellable  *cancellable,
          GError       **error)
{
  g_autoptr(OsspImage) image = NULL;
  g_autoptr(OsspImage) written = NULL;
  g_autoptr(OsspKeyPair) key = NULL;
  g_autoptr(OsspPkcs11Signer) token = NULL;
  g_autoptr(GPtrArray) table = g_ptr_array_new_with_free_func (g_object_unref);
  OsspKeyPair *signer_public;

  image = ossp_image_open (job->input, job->chip_version, FALSE, error);
  if (image == NULL || !job_apply_fields (job, image, error))
    return FALSE;
  if (job->pkcs11 != NULL)
    {
      token = ossp_pkcs11_signer_new (job->pkcs11, job->module, job->pin, NULL, error);
      if (token == NULL)
        return FALSE;
      signer_public = ossp_pkcs11_signer_get_public_key (token);
    }
  else
    {
      key = ossp_key_pair_load_private (job->key, job->password, error);
      if (key == NULL)
        return FALSE;
      signer_public = key;
    }
  for (guint i = 0; job->pubkeys && job->pubkeys[i]; i++)
    {
      OsspKeyPair *k = ossp_key_pair_load_public (job->pubkeys[i], error);
      if (k == NULL)
        return FALSE;
      g_ptr_array_add (table, k);
    }
  if (!ossp_image_set_auth_from_keys (image, signer_public, (OsspKeyPair **) table->pdata, table->len,
                                      job->key_index, error) ||
      !ossp_image_write (image, job->output, job->overwrite ? OSSP_IMAGE_WRITE_OVERWRITE : 0,
                         token ? ossp_pkcs11_signer_sign_func : ossp_image_key_pair_sign_func,
                         token ? (gpointer) token : (gpointer) key,
                         job_progress, job, cancellable, error))
    return FALSE;

  /* show what is on disk, not what we meant to write */
  written = ossp_image_new_from_file (job->output, error);
  if (written == NULL)
    return FALSE;
  job->fields = ossp_image_get_fields (written);
  job->major = ossp_image_get_header_major (written);
  job->summary = g_strdup_printf (_("Signed: %s"), job->output);
  return TRUE;
}

static gboolean
job_verify (Job           *job,
            GCancellable  *cancellable,
            GError       **error)
{
  g_autoptr(OsspImage) image = ossp_image_new_from_file (job->input, error);
  OsspImageExpect expect = { 0 };
  guint failed = 0;

  if (image == NULL)
    return FALSE;
  if (job->expect_hex != NULL && *job->expect_hex)
    {
      gsize len = 0;
      g_autofree guint8 *hash = ossp_hex_decode (job->expect_hex, &len, error);
      if (hash == NULL || len != 32)
        {
          if (hash != NULL)
            g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                         _("The expected hash must be 32 bytes (64 hex digits), not %zu bytes"), len);
          return FALSE;
        }
      if (ossp_image_get_header_major (image) == 1)
        {
          memcpy (expect.pkh, hash, 32);
          expect.has_pkh = TRUE;
        }
      else
        {
          memcpy (expect.pkhth, hash, 32);
          expect.has_pkhth = TRUE;
        }
    }
  job->checks = ossp_image_verify (image, &expect, job_progress, job, cancellable, error);
  if (job->checks == NULL)
    return FALSE;
  for (guint i = 0; i < job->checks->len; i++)
    if (((OsspImageCheck *) g_ptr_array_index (job->checks, i))->status == OSSP_IMAGE_CHECK_FAIL)
      failed++;
  job->summary = failed ? g_strdup_printf (ngettext ("%s: %u check failed", "%s: %u checks failed", failed),
                                           job->input, failed)
                        : g_strdup_printf (_("%s: all checks passed"), job->input);
  return TRUE;
}

/* the results go into the job itself */
static gpointer
job_thread (gpointer job_data, GCancellable *cancellable, GError **error)
{
  Job *job = job_data;
  gboolean ok = FALSE;

  switch (job->kind)
    {
    case JOB_INSPECT:
      {
        /* a raw binary is shown with the header it would get */
        g_autoptr(OsspImage) image =
          ossp_image_open (job->input, ossp_image_file_has_header (job->input) ? 0 : job->chip_version,
                           FALSE, error);
        if (image != NULL)
          {
            job->fields = ossp_image_get_fields (image);
            job->major = ossp_image_get_header_major (image);
            if (ossp_image_is_raw (image))
              job->summary = g_strdup (_("Raw binary: the fields show the header it will get"));
            ok = TRUE;
          }
      }
      break;
    case JOB_SIGN:
      ok = job_sign (job, cancellable, error);
      break;
    case JOB_VERIFY:
      ok = job_verify (job, cancellable, error);
      break;
    }
  return ok ? job : NULL;
}

/* ---- presentation ---- */

static void
set_busy (OsspImagePage *self,
          gboolean       busy);

static GtkWidget *
new_row (const char *title,
         const char *subtitle)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  return row;
}

static void
fill_fields (AdwPreferencesGroup *group,
             GPtrArray           *rows,
             GPtrArray           *fields)
{
  ossp_group_remove_rows (group, rows);
  for (guint i = 0; fields && i < fields->len; i++)
    {
      OsspImageField *f = g_ptr_array_index (fields, i);
      GtkWidget *row = new_row (_(f->label), f->value);
      gtk_widget_set_name (row, f->id);
      if (g_str_equal (f->id, "problem"))
        gtk_widget_add_css_class (row, "error");
      else if (g_str_equal (f->id, "note"))
        gtk_widget_add_css_class (row, "warning");
      adw_preferences_group_add (group, row);
      g_ptr_array_add (rows, row);
    }
}

static void
fill_checks (OsspImagePage *self,
             GPtrArray     *checks)
{
  ossp_group_remove_rows (self->verify_group, self->verify_rows);
  for (guint i = 0; checks && i < checks->len; i++)
    {
      OsspImageCheck *c = g_ptr_array_index (checks, i);
      g_autofree char *title = NULL;
      const char *icon, *css, *word;
      GtkWidget *row, *image;

      switch (c->status)
        {
        case OSSP_IMAGE_CHECK_PASS:
          icon = "emblem-ok-symbolic"; css = "success"; word = _("Pass");
          break;
        case OSSP_IMAGE_CHECK_FAIL:
          icon = "dialog-error-symbolic"; css = "error"; word = _("Fail");
          break;
        case OSSP_IMAGE_CHECK_WARNING:
          icon = "dialog-warning-symbolic"; css = "warning"; word = _("Warning");
          break;
        default:
          icon = "action-unavailable-symbolic"; css = "dim-label"; word = _("Not checked");
          break;
        }
      title = g_strdup_printf ("%s — %s", word, c->id);
      row = new_row (title, c->message);
      gtk_widget_set_name (row, c->id);
      image = gtk_image_new_from_icon_name (icon);
      gtk_widget_add_css_class (image, css);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), image);
      adw_preferences_group_add (self->verify_group, row);
      g_ptr_array_add (self->verify_rows, row);
    }
}

static void
set_status (OsspImagePage *self,
            const char    *text,
            gboolean       is_error)
{
  gtk_label_set_text (self->status_label, text ? text : "");
  if (is_error)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "error");
      gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "success");
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "error");
      gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "success");
    }
}

static gboolean
using_token (OsspImagePage *self)
{
  return adw_combo_row_get_selected (self->key_source_row) == 1;
}

static void
update_sensitivity (OsspImagePage *self)
{
  gboolean token = using_token (self);
  gboolean have_key = token ? *gtk_editable_get_text (GTK_EDITABLE (self->pkcs11_row)) != 0
                            : self->key_path != NULL;
  gboolean v2 = self->input_major == 2;

  gtk_widget_set_visible (GTK_WIDGET (self->key_row), !token);
  gtk_widget_set_visible (GTK_WIDGET (self->password_row), !token);
  gtk_widget_set_visible (GTK_WIDGET (self->pkcs11_row), token);
  gtk_widget_set_visible (GTK_WIDGET (self->module_row), token);
  gtk_widget_set_visible (GTK_WIDGET (self->pin_row), token);
  gtk_widget_set_visible (GTK_WIDGET (self->pubkeys_row), v2);
  gtk_widget_set_visible (GTK_WIDGET (self->key_index_row), v2);
  gtk_widget_set_sensitive (GTK_WIDGET (self->sign_button),
                            !self->busy && self->chip && self->input_path && self->output_path && have_key);
  gtk_widget_set_sensitive (GTK_WIDGET (self->verify_button),
                            !self->busy && (self->input_path || self->signed_output));
  gtk_widget_set_sensitive (GTK_WIDGET (self->input_row), !self->busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->output_row), !self->busy);
}

static void
set_busy (OsspImagePage *self,
          gboolean       busy)
{
  if (self->busy == busy)
    return;
  self->busy = busy;
  update_sensitivity (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static guint32
chip_version (OsspImagePage *self)
{
  guint32 v = 0;

  if (self->chip == NULL ||
      !ossp_image_version_from_string (ossp_chip_get_header_version (self->chip), &v, NULL))
    return 0;
  return v;
}

static void
job_done_cb (gpointer page, gpointer result, const GError *error, gpointer job_data)
{
  OsspImagePage *self = page;
  Job *job = job_data;

  if (job->kind == JOB_INSPECT && job->serial != self->inspect_serial)
    return;  /* the input changed meanwhile */
  if (job->kind != JOB_INSPECT)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), FALSE);
      gtk_widget_set_visible (self->cancel_button, FALSE);
      set_busy (self, FALSE);
    }
  if (result == NULL)
    {
      if (ossp_error_is_cancelled (error))
        {
          /* the page may be gone (dispose cancels too) */
          if (job->kind != JOB_INSPECT && gtk_widget_get_root (GTK_WIDGET (self)) != NULL)
            set_status (self, job->kind == JOB_SIGN ? _("Cancelled: no signed image was written")
                                                    : _("Verification cancelled"), FALSE);
          return;
        }
      set_status (self, error->message, TRUE);
      if (job->kind == JOB_INSPECT)
        {
          ossp_group_remove_rows (self->input_group, self->input_rows);
          adw_preferences_group_set_description (self->input_group, error->message);
        }
      else
        ossp_page_toast_error (self, error);
      return;
    }

  switch (job->kind)
    {
    case JOB_INSPECT:
      fill_fields (self->input_group, self->input_rows, job->fields);
      adw_preferences_group_set_description (self->input_group, job->summary ? job->summary : job->input);
      self->input_major = job->major;
      set_status (self, NULL, FALSE);
      break;
    case JOB_SIGN:
      fill_fields (self->result_group, self->result_rows, job->fields);
      adw_preferences_group_set_description (self->result_group, job->output);
      gtk_widget_set_visible (GTK_WIDGET (self->result_group), TRUE);
      self->signed_output = TRUE;
      ossp_group_remove_rows (self->verify_group, self->verify_rows);
      set_status (self, job->summary, FALSE);
      ossp_widget_toast (GTK_WIDGET (self), job->summary);
      break;
    case JOB_VERIFY:
      fill_checks (self, job->checks);
      set_status (self, job->summary, !ossp_image_checks_passed (job->checks));
      break;
    }
  update_sensitivity (self);
}

static Job *
job_new (OsspImagePage *self,
         JobKind        kind,
         const char    *input)
{
  Job *job = g_new0 (Job, 1);

  job->kind = kind;
  job->page = g_object_ref (self);
  job->context = g_main_context_ref_thread_default ();
  job->input = g_strdup (input);
  job->chip_version = chip_version (self);
  job->last_percent = G_MAXUINT;
  return job;
}

static void
job_run (OsspImagePage *self,
         Job           *job)
{
  if (job->kind != JOB_INSPECT)
    {
      set_busy (self, TRUE);
      gtk_progress_bar_set_fraction (self->progress_bar, 0);
      gtk_progress_bar_set_text (self->progress_bar, NULL);
      gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), TRUE);
      gtk_widget_set_visible (self->cancel_button, TRUE);
      set_status (self, job->kind == JOB_SIGN ? _("Signing…") : _("Verifying…"), FALSE);
    }
  ossp_page_run_job (self, self->cancellable, job_thread, job, (GDestroyNotify) job_free, NULL, job_done_cb);
}

static void
inspect_input (OsspImagePage *self)
{
  Job *job;

  if (self->input_path == NULL)
    return;
  job = job_new (self, JOB_INSPECT, self->input_path);
  job->serial = ++self->inspect_serial;
  job_run (self, job);
}

static char *
entry_text (AdwEntryRow *row)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
}

static void
sign_clicked_cb (OsspImagePage *self)
{
  Job *job;
  guint index = adw_combo_row_get_selected (self->key_index_row);

  if (self->busy || self->input_path == NULL || self->output_path == NULL)
    return;
  job = job_new (self, JOB_SIGN, self->input_path);
  job->output = g_strdup (self->output_path);
  job->entry_point = entry_text (self->entry_point_row);
  job->load_address = entry_text (self->load_address_row);
  job->image_version = entry_text (self->image_version_row);
  {
    static const char *types[] = { NULL, "fsbl", "ssbl", "teeh", "copro" };
    guint t = adw_combo_row_get_selected (self->binary_type_row);
    job->binary_type = t < G_N_ELEMENTS (types) ? types[t] : NULL;
  }
  job->overwrite = gtk_switch_get_active (self->overwrite_switch);
  job->key_index = index == 0 || index == GTK_INVALID_LIST_POSITION ? -1 : (gint) index - 1;
  if (self->input_major == 2 && self->pubkey_paths->len > 0)
    {
      g_ptr_array_add (self->pubkey_paths, NULL);
      job->pubkeys = g_strdupv ((char **) self->pubkey_paths->pdata);
      g_ptr_array_set_size (self->pubkey_paths, self->pubkey_paths->len - 1);
    }
  if (using_token (self))
    {
      const char *pin = gtk_editable_get_text (GTK_EDITABLE (self->pin_row));
      g_autofree char *module = entry_text (self->module_row);
      job->pkcs11 = entry_text (self->pkcs11_row);
      job->module = *module ? g_steal_pointer (&module) : NULL;
      job->pin = *pin ? ossp_secure_strdup (pin) : NULL;
    }
  else
    {
      const char *password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));
      job->key = g_strdup (self->key_path);
      job->password = *password ? ossp_secure_strdup (password) : NULL;
    }
  job_run (self, job);
}

static void
verify_clicked_cb (OsspImagePage *self)
{
  Job *job;

  if (self->busy)
    return;
  /* the result once there is one, else the input as it is */
  job = job_new (self, JOB_VERIFY, self->signed_output ? self->output_path : self->input_path);
  if (job->input == NULL)
    {
      job_free (job);
      return;
    }
  job->expect_hex = entry_text (self->expect_row);
  job_run (self, job);
}

/* ---- files ---- */

static void
input_chosen (gpointer page, const char *path, gpointer user_data)
{
  ossp_image_page_set_input (page, path);
}

static void
key_chosen (gpointer page, const char *path, gpointer user_data)
{
  ossp_image_page_set_key_file (page, path);
}

static void
output_chosen (gpointer page, const char *path, gpointer user_data)
{
  OsspImagePage *self = page;

  /* the save dialog already asked about replacing */
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    gtk_switch_set_active (self->overwrite_switch, TRUE);
  ossp_image_page_set_output (self, path);
}

static int
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(char * const *) a, *(char * const *) b);
}

static void
pubkeys_chosen (gpointer page, const char * const *chosen, gpointer user_data)
{
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; chosen[i]; i++)
    g_ptr_array_add (paths, g_strdup (chosen[i]));
  /* the dialog returns no order: sort by name, which is the key index for
   * KeyGen's publicKey00.pem … publicKey07.pem */
  g_ptr_array_sort (paths, compare_paths);
  g_ptr_array_add (paths, NULL);
  ossp_image_page_set_public_keys (page, (const char * const *) paths->pdata);
}

/* GTK's own accept labels: Open, or Save for the signed image */
static void
input_clicked_cb (OsspImagePage *self)
{
  const OsspFileChoice choice = { _("Image or raw binary to sign"), GTK_FILE_CHOOSER_ACTION_OPEN };

  ossp_page_choose_file (self, &choice, input_chosen, NULL, NULL);
}

static void
key_clicked_cb (OsspImagePage *self)
{
  const OsspFileChoice choice = { _("Private key (PEM)"), GTK_FILE_CHOOSER_ACTION_OPEN };

  ossp_page_choose_file (self, &choice, key_chosen, NULL, NULL);
}

static void
output_clicked_cb (OsspImagePage *self)
{
  const OsspFileChoice choice = { _("Signed image"), GTK_FILE_CHOOSER_ACTION_SAVE };

  ossp_page_choose_file (self, &choice, output_chosen, NULL, NULL);
}

static void
pubkeys_clicked_cb (OsspImagePage *self)
{
  const OsspFileChoice choice = { _("Public keys of the table (publicKey00.pem …)"), GTK_FILE_CHOOSER_ACTION_OPEN };

  ossp_page_choose_files (self, &choice, pubkeys_chosen, NULL, NULL);
}

static void
pubkeys_clear_cb (OsspImagePage *self)
{
  ossp_image_page_set_public_keys (self, NULL);
}

static void
key_source_changed_cb (OsspImagePage *self)
{
  update_sensitivity (self);
}

/* ---- cancel ---- */

static void
cancel_clicked_cb (OsspImagePage *self)
{
  /* the running job sees it; the next one gets a fresh cancellable */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
}

/* ---- project ---- */

static void
key_index_changed_cb (OsspImagePage *self)
{
  guint index = adw_combo_row_get_selected (self->key_index_row);

  /* row 0 is "find the signing key in the table" */
  if (index == 0 || index == GTK_INVALID_LIST_POSITION)
    ossp_project_page_store_string (self, "image.key_index", NULL);
  else
    ossp_project_page_store_int (self, "image.key_index", index - 1);
}

static void
pkcs11_changed_cb (OsspImagePage *self)
{
  g_autofree char *url = entry_text (self->pkcs11_row);
  ossp_project_page_store_string (self, "image.pkcs11_url", url);
}

static void
project_load (OsspProjectPage *page,
              OsspProject     *project,
              const char      *key)
{
  OsspImagePage *self = OSSP_IMAGE_PAGE (page);

  if (key == NULL || g_str_has_prefix (key, "image."))
    {
      g_autofree char *input = ossp_project_get_path (project, "image.input");
      g_autofree char *private_key = ossp_project_get_path (project, "image.private_key");
      g_autofree char *output = ossp_project_get_path (project, "image.output");
      const char *url = ossp_project_get_string (project, "image.pkcs11_url");
      gint64 index = ossp_project_get_int (project, "image.key_index", -1);

      if (g_strcmp0 (input, self->input_path) != 0)
        ossp_image_page_set_input (self, input);
      if (g_strcmp0 (private_key, self->key_path) != 0)
        ossp_image_page_set_key_file (self, private_key);
      if (g_strcmp0 (output, self->output_path) != 0)
        {
          /* a project's output is rebuilt in place */
          gtk_switch_set_active (self->overwrite_switch, output != NULL);
          ossp_image_page_set_output (self, output);
        }
      if (url != NULL && private_key == NULL)
        adw_combo_row_set_selected (self->key_source_row, 1);
      gtk_editable_set_text (GTK_EDITABLE (self->pkcs11_row), url ? url : "");
      adw_combo_row_set_selected (self->key_index_row, index >= 0 && index < 8 ? (guint) index + 1 : 0);
    }
  if (key == NULL || g_str_equal (key, "keys.folder") || g_str_equal (key, "chip"))
    {
      /* MP13/MP25: the key table is the keys folder's, in index order */
      g_auto(GStrv) table = ossp_project_get_public_key_table (project);
      ossp_image_page_set_public_keys (self, (const char * const *) table);
    }
  if (key == NULL || g_str_equal (key, "image.password_file") || g_str_equal (key, "keys.password_file"))
    {
      g_autofree char *file = ossp_project_get_image_password_file (project);
      g_autoptr(OsspSecret) secret = file ? ossp_secret_new_from_file (file, 0, NULL) : NULL;
      char *text = NULL;
      gsize len = 0;

      /* the password entry hides it; it stays in wiped memory here */
      if (secret != NULL && memchr (secret->data, 0, secret->len) == NULL)
        {
          len = secret->len;
          while (len > 0 && (secret->data[len - 1] == '\n' || secret->data[len - 1] == '\r'))
            len--;
          text = ossp_secure_alloc (len + 1);
          memcpy (text, secret->data, len);
          text[len] = 0;
        }
      gtk_editable_set_text (GTK_EDITABLE (self->password_row), text ? text : "");
      ossp_secure_strfree (text);
    }
}

static void
project_page_iface_init (OsspProjectPageInterface *iface)
{
  iface->load = project_load;
}

/* ---- GObject ---- */

static void
ossp_image_page_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  OsspImagePage *self = OSSP_IMAGE_PAGE (object);

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
ossp_image_page_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  OsspImagePage *self = OSSP_IMAGE_PAGE (object);

  switch (prop_id)
    {
    case PROP_CHIP:
      ossp_image_page_set_chip (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ossp_image_page_dispose (GObject *object)
{
  OsspImagePage *self = OSSP_IMAGE_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), OSSP_TYPE_IMAGE_PAGE);
  G_OBJECT_CLASS (ossp_image_page_parent_class)->dispose (object);
}

static void
ossp_image_page_finalize (GObject *object)
{
  OsspImagePage *self = OSSP_IMAGE_PAGE (object);

  g_clear_object (&self->chip);
  g_clear_object (&self->cancellable);
  g_free (self->input_path);
  g_free (self->key_path);
  g_free (self->output_path);
  g_ptr_array_unref (self->pubkey_paths);
  g_ptr_array_unref (self->input_rows);
  g_ptr_array_unref (self->result_rows);
  g_ptr_array_unref (self->verify_rows);
  G_OBJECT_CLASS (ossp_image_page_parent_class)->finalize (object);
}

static void
ossp_image_page_class_init (OsspImagePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  ossp_gui_ensure_resources ();

  object_class->get_property = ossp_image_page_get_property;
  object_class->set_property = ossp_image_page_set_property;
  object_class->dispose = ossp_image_page_dispose;
  object_class->finalize = ossp_image_page_finalize;

  properties[PROP_CHIP] = g_param_spec_object ("chip", NULL, NULL, OSSP_TYPE_CHIP,
                                               G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                                               G_PARAM_STATIC_STRINGS);
  properties[PROP_BUSY] = g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/openssp/OpenSSP/ui/ossp-image-page.ui");
  gtk_widget_class_bind_template_child (widget_class, OsspImagePage, input_row);
  gtk_widget_class_bind_template_child (widget_class, OsspImagePage, entry_point_row);
  gtk_widget_class_bind_template_child (widget_class, OsspImagePage, load_address_row);
  gtk_widget_class_bind_template_child (widget_class, OsspImagePage, image_version_row);
  gtk_widget_class_bind_template_child (widget_class, OsspImagePage, binary_type_row);
  gtk_widget_class_bind_template_child (widget_class, OsspImagePage, key_source_row);
  gtk_widget_class_bind_template_child (widget_class, OsspImagePage, key_row);
  gtk_widget_class_bind_template_child (widget_class, OsspImagePage, password_row);
  gtk_widget_class_bind_template_child (widget_class, OsspImagePage, pkcs11_row);
  gtk_widget_class_bind_template_child (widget_class, OsspImagePage, module_row);
  gtk_widget_class_bind_template_child (widget_class, OsspImagePage, pin_row);
  gtk_widget_class_bind_template_child (widget_class, OsspImagePage, pubkeys_row);
  gtk_widget_class_bind_template_child (widget_class, OsspImagePage, key_index_row);
  gtk_widget_class_bind_template_child (widget_class, OsspImagePage, output_row);
  gtk_widget_class_bind_template_child (widget_class, OsspImagePage, overwrite_switch);
  gtk_widget_class_bind_template_child (widget_class, OsspImagePage, sign_button);
  gtk_widget_class_bind_template_child (widget_class, OsspImagePage, verify_button);
  gtk_widget_class_bind_template_child (widget_class, OsspImagePage, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, OsspImagePage, status_label);
  gtk_widget_class_bind_template_child (widget_class, OsspImagePage, verify_group);
  gtk_widget_class_bind_template_child (widget_class, OsspImagePage, expect_row);
  gtk_widget_class_bind_template_child (widget_class, OsspImagePage, result_group);
  gtk_widget_class_bind_template_child (widget_class, OsspImagePage, input_group);
  gtk_widget_class_bind_template_callback (widget_class, input_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, key_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, output_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, pubkeys_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, pubkeys_clear_cb);
  gtk_widget_class_bind_template_callback (widget_class, key_source_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, sign_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, verify_clicked_cb);
}

static void
ossp_image_page_init (OsspImagePage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  /* the two columns go one under the other in a narrow window */
  ossp_wrap_layout_apply (gtk_widget_get_parent (gtk_widget_get_parent (GTK_WIDGET (self->verify_group))), 24, 18);
  self->cancellable = g_cancellable_new ();
  self->cancel_button = gtk_button_new_with_mnemonic (_("_Cancel"));
  gtk_widget_set_name (self->cancel_button, "cancel_button");
  gtk_widget_set_halign (self->cancel_button, GTK_ALIGN_END);
  gtk_widget_set_visible (self->cancel_button, FALSE);
  gtk_widget_set_tooltip_text (self->cancel_button, _("Stop signing or verifying; nothing is written"));
  g_signal_connect_swapped (self->cancel_button, "clicked", G_CALLBACK (cancel_clicked_cb), self);
  gtk_widget_insert_after (self->cancel_button, gtk_widget_get_parent (GTK_WIDGET (self->progress_bar)),
                           GTK_WIDGET (self->progress_bar));
  self->pubkey_paths = g_ptr_array_new_with_free_func (g_free);
  self->input_rows = g_ptr_array_new ();
  self->result_rows = g_ptr_array_new ();
  self->verify_rows = g_ptr_array_new ();
  g_signal_connect_swapped (self->pkcs11_row, "changed", G_CALLBACK (update_sensitivity), self);
  g_signal_connect_swapped (self->pkcs11_row, "changed", G_CALLBACK (pkcs11_changed_cb), self);
  g_signal_connect_swapped (self->key_index_row, "notify::selected", G_CALLBACK (key_index_changed_cb), self);
  update_sensitivity (self);
}

OsspChip *
ossp_image_page_get_chip (OsspImagePage *self)
{
  return self->chip;
}

void
ossp_image_page_set_chip (OsspImagePage *self,
                          OsspChip      *chip)
{
  if (!g_set_object (&self->chip, chip))
    return;
  if (self->input_path == NULL && chip != NULL)
    self->input_major = ossp_chip_get_header_major (chip);
  inspect_input (self);   /* a raw binary's header depends on the chip */
  update_sensitivity (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHIP]);
}

gboolean
ossp_image_page_get_busy (OsspImagePage *self)
{
  return self->busy;
}

static void
set_path_row (AdwActionRow *row,
              char        **store,
              const char   *path)
{
  g_free (*store);
  *store = g_strdup (path);
  ossp_row_set_subtitle_text (row, path ? path : _("No file chosen"));
}

void
ossp_image_page_set_input (OsspImagePage *self,
                           const char    *path)
{
  set_path_row (self->input_row, &self->input_path, path);
  ossp_project_page_store_path (self, "image.input", path);
  self->signed_output = FALSE;
  gtk_widget_set_visible (GTK_WIDGET (self->result_group), FALSE);
  ossp_group_remove_rows (self->verify_group, self->verify_rows);
  inspect_input (self);
  update_sensitivity (self);
}

void
ossp_image_page_set_key_file (OsspImagePage *self,
                              const char    *path)
{
  set_path_row (self->key_row, &self->key_path, path);
  ossp_project_page_store_path (self, "image.private_key", path);
  update_sensitivity (self);
}

void
ossp_image_page_set_output (OsspImagePage *self,
                            const char    *path)
{
  set_path_row (self->output_row, &self->output_path, path);
  ossp_project_page_store_path (self, "image.output", path);
  self->signed_output = FALSE;
  update_sensitivity (self);
}

void
ossp_image_page_set_public_keys (OsspImagePage      *self,
                                 const char * const *paths)
{
  g_autoptr(GString) names = g_string_new (NULL);

  g_ptr_array_set_size (self->pubkey_paths, 0);
  for (guint i = 0; paths && paths[i]; i++)
    {
      g_autofree char *base = g_path_get_basename (paths[i]);
      g_ptr_array_add (self->pubkey_paths, g_strdup (paths[i]));
      g_string_append_printf (names, "%s%u: %s", i ? ", " : "", i, base);
    }
  ossp_row_set_subtitle_text (self->pubkeys_row, names->len ? names->str
                              : _("None: the image keeps its table, or gets a table of the signing key only"));
}
