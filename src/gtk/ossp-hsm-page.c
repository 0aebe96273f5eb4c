/* ossp-hsm-page.c — the HSM page
 *
 * The built-in soft-HSM (in process, state in the user's data folder) is the
 * default, so the app works without hardware; switching it off uses a card
 * in a PC/SC reader. Every HSM call is async (GTask threads in the
 * back-ends); provisioning shows its plan in an AdwMessageDialog first.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "ossp-hsm-page.h"
#include "ossp-help.h"
#include "ossp-page-util.h"
#include "ossp-project-page.h"
#include "ossp-window.h"
#include "ossp-pcsc-hsm.h"
#include "ossp-pcsc-monitor.h"
#include "ossp-sim-hsm.h"

struct _OsspHsmPage
{
  AdwBin               parent_instance;

  GtkSwitch           *sim_switch;
  AdwActionRow        *sim_row;
  AdwPreferencesGroup *readers_group;
  GtkListBox          *readers_list;
  GtkSpinner          *spinner;
  GtkButton           *read_button;
  AdwActionRow        *state_row;
  AdwActionRow        *serial_row;
  AdwActionRow        *firmware_id_row;
  AdwActionRow        *products_row;
  AdwActionRow        *counter_row;
  GtkLevelBar         *counter_bar;
  AdwActionRow        *perso_row;
  AdwActionRow        *key_row;
  AdwActionRow        *nonce_row;
  AdwEntryRow         *firmware_entry;
  GtkSpinButton       *max_spin;
  GtkButton           *provision_button;

  OsspChip            *chip;
  char                *sim_state_path;
  char                *reader_name;       /* chosen PC/SC reader, NULL = default */
  OsspHsm             *hsm;               /* the HSM the page talks to now */
  OsspPcscMonitor     *monitor;
  GCancellable        *cancellable;
  guint                busy;
  OsspHsmInfo         *info;              /* last info read */
  char                *perso_path;
  char                *key_path;
  char                *nonce_path;
  OsspHsmProvisioning *pending;           /* waiting for the dialog's answer */
};

static void project_page_iface_init (OsspProjectPageInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OsspHsmPage, ossp_hsm_page, ADW_TYPE_BIN,
                               G_IMPLEMENT_INTERFACE (OSSP_TYPE_PROJECT_PAGE, project_page_iface_init))

enum {
  PROP_0,
  PROP_CHIP,
  PROP_BUSY,
  PROP_SIM_STATE_PATH,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void read_info (OsspHsmPage *self);

static void
set_busy (OsspHsmPage *self,
          gboolean     busy)
{
  gboolean was = self->busy > 0;

  if (busy)
    self->busy++;
  else if (self->busy > 0)
    self->busy--;
  gtk_spinner_set_spinning (self->spinner, self->busy > 0);
  gtk_widget_set_sensitive (GTK_WIDGET (self->read_button), self->busy == 0);
  gtk_widget_set_sensitive (GTK_WIDGET (self->provision_button), self->busy == 0);
  gtk_widget_set_sensitive (GTK_WIDGET (self->sim_switch), self->busy == 0);
  if (was != (self->busy > 0))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

/* ---- which HSM ---- */

static void
forget_hsm (OsspHsmPage *self)
{
  g_clear_object (&self->hsm);
  g_clear_pointer (&self->info, ossp_hsm_info_free);
}

static OsspHsm *
ensure_hsm (OsspHsmPage  *self,
            GError      **error)
{
  if (self->hsm != NULL)
    return self->hsm;
  if (gtk_switch_get_active (self->sim_switch))
    {
      g_autofree char *dir = g_path_get_dirname (self->sim_state_path);
      if (g_mkdir_with_parents (dir, 0700) != 0)
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_IO, "Cannot create folder %s for the soft-HSM", dir);
          return NULL;
        }
      self->hsm = (OsspHsm *) ossp_sim_hsm_new_for_state (self->sim_state_path, error);
    }
  else
    self->hsm = (OsspHsm *) ossp_pcsc_hsm_new (self->reader_name, 0);
  return self->hsm;
}

OsspHsm *
ossp_hsm_page_get_hsm (OsspHsmPage *self)
{
  g_return_val_if_fail (OSSP_IS_HSM_PAGE (self), NULL);
  return ensure_hsm (self, NULL);
}

gboolean
ossp_hsm_page_get_busy (OsspHsmPage *self)
{
  g_return_val_if_fail (OSSP_IS_HSM_PAGE (self), FALSE);
  return self->busy > 0;
}

/* ---- card info ---- */

static void
show_info (OsspHsmPage *self)
{
  OsspHsmInfo *info = self->info;
  g_autoptr(GString) products = g_string_new (NULL);
  g_autofree char *counter = NULL;
  const char *state = "—";

  if (info == NULL)
    {
      ossp_row_set_subtitle_text (self->state_row, NULL);
      ossp_row_set_subtitle_text (self->serial_row, NULL);
      ossp_row_set_subtitle_text (self->firmware_id_row, NULL);
      ossp_row_set_subtitle_text (self->products_row, NULL);
      ossp_row_set_subtitle_text (self->counter_row, NULL);
      gtk_level_bar_set_value (self->counter_bar, 0);
      return;
    }
  switch (info->state)
    {
    case OSSP_HSM_STATE_BLANK: state = _("Blank — ready to be provisioned"); break;
    case OSSP_HSM_STATE_PERSONALISED: state = _("Personalised — provisioning was not finished"); break;
    case OSSP_HSM_STATE_LOCKED: state = _("Locked — hands out licenses"); break;
    }
  ossp_row_set_subtitle_text (self->state_row, state);
  ossp_row_set_subtitle_text (self->serial_row, info->serial);
  ossp_row_set_subtitle_text (self->firmware_id_row, info->firmware_id ? info->firmware_id : _("not configured"));
  for (guint i = 0; info->product_ids && info->product_ids[i]; i++)
    {
      g_autofree char *what = ossp_chip_certificate_describe_product_id (info->product_ids[i]);
      g_auto(GStrv) parts = g_strsplit (what, " (", 2);
      g_string_append_printf (products, "%s%s (%s)", i ? ", " : "", info->product_ids[i], parts[0]);
    }
  ossp_row_set_subtitle_text (self->products_row, products->len ? products->str : _("none"));
  if (info->remaining == OSSP_HSM_REMAINING_UNKNOWN)
    counter = g_strdup_printf (_("%u delivered, remaining unknown"), info->delivered);
  else
    counter = g_strdup_printf (_("%u delivered, %u remaining"), info->delivered, info->remaining);
  ossp_row_set_subtitle_text (self->counter_row, counter);
  if (info->remaining != OSSP_HSM_REMAINING_UNKNOWN && info->delivered + (guint64) info->remaining > 0)
    {
      gtk_level_bar_set_max_value (self->counter_bar, (double) info->delivered + info->remaining);
      gtk_level_bar_set_value (self->counter_bar, info->remaining);
    }
  else
    gtk_level_bar_set_value (self->counter_bar, 0);
}

/* Every info read ends here: the page shows what it got (or nothing). */
static OsspHsmInfo *
info_finish (OsspHsmPage   *self,
             GObject       *source,
             GAsyncResult  *result,
             GError       **error)
{
  OsspHsmInfo *info = ossp_hsm_get_info_finish (OSSP_HSM (source), result, error);

  set_busy (self, FALSE);
  if (OSSP_HSM (source) != self->hsm)
    {
      /* the user switched HSM meanwhile: this answer is stale */
      ossp_hsm_info_free (info);
      return NULL;
    }
  g_clear_pointer (&self->info, ossp_hsm_info_free);
  self->info = info;
  show_info (self);
  return info;
}

static void
info_ready_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(OsspHsmPage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (info_finish (self, source, result, &error) == NULL)
    ossp_page_toast_error (self, error);
}

/* The page's HSM, made on first use; @callback gets a ref on the page. */
static void
ask_info (OsspHsmPage         *self,
          GAsyncReadyCallback  callback)
{
  g_autoptr(GError) error = NULL;
  OsspHsm *hsm = ensure_hsm (self, &error);

  if (hsm == NULL)
    {
      ossp_page_toast_error (self, error);
      return;
    }
  set_busy (self, TRUE);
  ossp_hsm_get_info_async (hsm, self->cancellable, callback, g_object_ref (self));
}

static void
read_info (OsspHsmPage *self)
{
  ask_info (self, info_ready_cb);
}

static void
read_clicked_cb (OsspHsmPage *self)
{
  read_info (self);
}

static void
sim_switch_cb (OsspHsmPage *self)
{
  gboolean sim = gtk_switch_get_active (self->sim_switch);

  ossp_project_page_store_string (self, "hsm.provider", sim ? "simulated" : "pcsc");
  gtk_widget_set_sensitive (GTK_WIDGET (self->readers_list), !sim);
  forget_hsm (self);
  show_info (self);
  read_info (self);
}

/* ---- readers ---- */

static void
reader_toggled_cb (GtkCheckButton *button,
                   OsspHsmPage    *self)
{
  const char *name = g_object_get_data (G_OBJECT (button), "reader-name");

  if (!gtk_check_button_get_active (button) || g_strcmp0 (name, self->reader_name) == 0)
    return;
  g_free (self->reader_name);
  self->reader_name = g_strdup (name);
  ossp_project_page_store_string (self, "hsm.reader", name);
  if (!gtk_switch_get_active (self->sim_switch))
    {
      forget_hsm (self);
      show_info (self);
      read_info (self);
    }
}

static void
show_readers (OsspHsmPage *self,
              GPtrArray   *readers,
              const char  *problem)
{
  GtkWidget *child;
  GtkCheckButton *group = NULL;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->readers_list))) != NULL)
    gtk_list_box_remove (self->readers_list, child);
  if (readers == NULL || readers->len == 0)
    {
      GtkWidget *row = adw_action_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("No reader"));
      ossp_row_set_subtitle_text (ADW_ACTION_ROW (row), problem ? problem : _("Plug in the reader that holds the HSM"));
      gtk_list_box_append (self->readers_list, row);
      return;
    }
  for (guint i = 0; i < readers->len; i++)
    {
      OsspPcscReader *r = readers->pdata[i];
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *check = gtk_check_button_new ();
      g_autofree char *subtitle = r->card_present
        ? g_strdup_printf (_("Slot %u · card present (ATR %s)"), r->slot, r->atr ? r->atr : "?")
        : g_strdup_printf (_("Slot %u · no card"), r->slot);

      ossp_row_set_title_text (ADW_PREFERENCES_ROW (row), r->name);
      ossp_row_set_subtitle_text (ADW_ACTION_ROW (row), subtitle);
      if (group)
        gtk_check_button_set_group (GTK_CHECK_BUTTON (check), group);
      else
        group = GTK_CHECK_BUTTON (check);
      g_object_set_data_full (G_OBJECT (check), "reader-name", g_strdup (r->name), g_free);
      gtk_check_button_set_active (GTK_CHECK_BUTTON (check),
                                   self->reader_name ? g_str_equal (self->reader_name, r->name) : i == 0);
      g_signal_connect (check, "toggled", G_CALLBACK (reader_toggled_cb), self);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
      gtk_list_box_append (self->readers_list, row);
    }
}

static void
monitor_changed_cb (OsspPcscMonitor *monitor,
                    OsspHsmPage     *self)
{
  show_readers (self, ossp_pcsc_monitor_get_readers (monitor), ossp_pcsc_monitor_get_problem (monitor));
}

static gpointer
list_readers_job (gpointer job_data, GCancellable *cancellable, GError **error)
{
  return ossp_pcsc_list_readers (error);
}

static void
list_readers_done (gpointer page, gpointer result, const GError *error, gpointer job_data)
{
  g_autoptr(GPtrArray) readers = result;

  set_busy (page, FALSE);
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    show_readers (page, readers, error ? error->message : NULL);
}

static void
refresh_clicked_cb (OsspHsmPage *self)
{
  set_busy (self, TRUE);
  ossp_page_run_job (self, self->cancellable, list_readers_job, NULL, NULL,
                     (GDestroyNotify) g_ptr_array_unref, list_readers_done);
}

/* ---- provisioning form ---- */

static void
update_file_rows (OsspHsmPage *self)
{
  g_autofree char *perso_text = NULL;

  if (self->perso_path != NULL)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(OsspHsmPerso) perso = ossp_hsm_perso_load (self->perso_path, &error);
      g_autofree char *base = g_path_get_basename (self->perso_path);

      if (perso == NULL)
        perso_text = g_strdup_printf ("%s: %s", base, error->message);
      else
        {
          g_auto(GStrv) ids = ossp_hsm_perso_get_product_ids (perso);
          g_autofree char *joined = g_strjoinv (", ", ids);
          gboolean serves_chip = FALSE;

          for (guint i = 0; ids[i] && self->chip; i++)
            {
              guint16 dev = 0;
              ossp_chip_certificate_parse_product_id (ids[i], &dev, NULL, NULL, NULL);
              serves_chip |= dev == ossp_chip_get_dev_id (self->chip);
            }
          if (self->chip == NULL)
            perso_text = g_strdup_printf (_("%s — serves %s"), base, joined);
          else if (serves_chip)
            perso_text = g_strdup_printf (_("%s — serves %s (includes the selected %s)"), base, joined,
                                          ossp_chip_get_name (self->chip));
          else
            perso_text = g_strdup_printf (_("%s — serves %s; none is a %s!"), base, joined,
                                          ossp_chip_get_name (self->chip));
        }
      ossp_row_set_subtitle_text (self->perso_row, perso_text);
    }
  if (self->key_path != NULL)
    {
      g_autofree char *base = g_path_get_basename (self->key_path);
      ossp_row_set_subtitle_text (self->key_row, base);
    }
  if (self->nonce_path != NULL)
    {
      g_autofree char *base = g_path_get_basename (self->nonce_path);
      ossp_row_set_subtitle_text (self->nonce_row, base);
    }
}

/* @store: the page's copy; @key: where the project keeps the path */
static void
set_file (OsspHsmPage  *self,
          char        **store,
          const char   *key,
          const char   *path)
{
  g_return_if_fail (OSSP_IS_HSM_PAGE (self));
  g_free (*store);
  *store = g_strdup (path);
  ossp_project_page_store_path (self, key, path);
  update_file_rows (self);
}

void
ossp_hsm_page_set_perso_file (OsspHsmPage *self, const char *path)
{
  set_file (self, &self->perso_path, "hsm.perso_file", path);
}

/* the HSM gets the payload's own key and nonce */
void
ossp_hsm_page_set_key_file (OsspHsmPage *self, const char *path)
{
  set_file (self, &self->key_path, "payload.key", path);
}

void
ossp_hsm_page_set_nonce_file (OsspHsmPage *self, const char *path)
{
  set_file (self, &self->nonce_path, "payload.nonce", path);
}

typedef void (*SetFileFunc) (OsspHsmPage *self, const char *path);

/* @set: the page's setter for the row the file was chosen for */
static void
file_chosen (gpointer    page,
             const char *path,
             gpointer    set)
{
  ((SetFileFunc) set) (page, path);
}

static void
choose_file (OsspHsmPage *self,
             const char  *title,
             SetFileFunc  set)
{
  const OsspFileChoice choice = { .title = title, .action = GTK_FILE_CHOOSER_ACTION_OPEN,
                                  .accept_label = _("_Open") };

  ossp_page_choose_file (self, &choice, file_chosen, set, NULL);
}

static void
choose_perso_cb (OsspHsmPage *self)
{
  choose_file (self, _("Personalisation file"), ossp_hsm_page_set_perso_file);
}

static void
choose_key_cb (OsspHsmPage *self)
{
  choose_file (self, _("OEM key file (16 bytes)"), ossp_hsm_page_set_key_file);
}

static void
choose_nonce_cb (OsspHsmPage *self)
{
  choose_file (self, _("Nonce file (16 bytes)"), ossp_hsm_page_set_nonce_file);
}

/* The form → parameters, checked like a card would check them. */
static OsspHsmProvisioning *
collect_params (OsspHsmPage  *self,
                GError      **error)
{
  g_autoptr(OsspHsmProvisioning) p = ossp_hsm_provisioning_new ();
  g_autoptr(OsspSecret) key = NULL;
  g_autoptr(OsspSecret) nonce = NULL;

  if (self->perso_path == NULL || self->key_path == NULL || self->nonce_path == NULL)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   _("Choose the personalisation, OEM key and nonce files first"));
      return NULL;
    }
  p->perso = ossp_file_read_bytes (self->perso_path, OSSP_HSM_PERSO_MAX_SIZE + 1, error);
  if (p->perso == NULL ||
      (key = ossp_secret_new_from_file (self->key_path, 16, error)) == NULL ||
      (nonce = ossp_secret_new_from_file (self->nonce_path, 16, error)) == NULL)
    return NULL;
  memcpy (p->oem_key, key->data, 16);
  memcpy (p->oem_nonce, nonce->data, 16);
  p->firmware_id = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->firmware_entry)));
  p->max_count = (guint32) gtk_spin_button_get_value (self->max_spin);
  if (!ossp_hsm_provisioning_validate (p, error))
    return NULL;
  return g_steal_pointer (&p);
}

static void
provision_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(OsspHsmPage) self = user_data;
  g_autoptr(GError) error = NULL;

  set_busy (self, FALSE);
  if (!ossp_hsm_provision_finish (OSSP_HSM (source), result, &error))
    ossp_page_toast_error (self, error);
  else
    ossp_widget_toast (GTK_WIDGET (self), _("The HSM is provisioned and locked"));
  read_info (self);
}

static void
dialog_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    OsspHsmPage      *self)
{
  g_autoptr(OsspHsmProvisioning) p = g_steal_pointer (&self->pending);
  g_autoptr(GError) error = NULL;
  OsspHsm *hsm;

  if (p == NULL || !g_str_equal (response, "provision"))
    return;
  hsm = ensure_hsm (self, &error);
  if (hsm == NULL)
    {
      ossp_page_toast_error (self, error);
      return;
    }
  set_busy (self, TRUE);
  ossp_hsm_provision_async (hsm, p, self->cancellable, provision_done_cb, g_object_ref (self));
}

static void
show_plan (OsspHsmPage *self)
{
  g_autofree char *plan = ossp_hsm_provisioning_describe (self->pending);
  g_autofree char *body = NULL;
  AdwMessageDialog *dialog;
  GtkWidget *label, *frame;

  body = g_strdup_printf (_("HSM %s is %s now. Programming it cannot be undone."), self->info->serial,
                          ossp_hsm_state_to_string (self->info->state));
  /* the plan, left-aligned and selectable so it can be pasted into a log */
  label = gtk_label_new (plan);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 70);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_widget_add_css_class (label, "caption");
  gtk_widget_set_margin_top (label, 6);
  gtk_widget_set_margin_bottom (label, 6);
  gtk_widget_set_margin_start (label, 6);
  gtk_widget_set_margin_end (label, 6);
  frame = gtk_frame_new (NULL);
  gtk_frame_set_child (GTK_FRAME (frame), label);
  dialog = ossp_page_dialog_new (self, _("Provision and Lock This HSM?"), body,
                                 "provision", _("_Provision and Lock"), ADW_RESPONSE_DESTRUCTIVE, frame);
  gtk_widget_set_size_request (GTK_WIDGET (dialog), 560, -1);
  g_object_set_data_full (G_OBJECT (dialog), "plan", g_strdup (plan), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (dialog_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Fresh info first: the plan names the card and refuses a locked one. */
static void
plan_info_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(OsspHsmPage) self = user_data;
  g_autoptr(GError) error = NULL;
  OsspHsmInfo *info = info_finish (self, source, result, &error);

  if (self->pending == NULL)
    return;   /* answered meanwhile (page closed, or another dialog) */
  if (info == NULL)
    {
      g_clear_pointer (&self->pending, ossp_hsm_provisioning_free);
      ossp_page_toast_error (self, error);
      return;
    }
  if (info->state == OSSP_HSM_STATE_LOCKED)
    {
      g_clear_pointer (&self->pending, ossp_hsm_provisioning_free);
      ossp_widget_toast (GTK_WIDGET (self), _("This HSM is already provisioned and locked; it can never be provisioned again"));
      return;
    }
  show_plan (self);
}

static void
provision_clicked_cb (OsspHsmPage *self)
{
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&self->pending, ossp_hsm_provisioning_free);
  self->pending = collect_params (self, &error);
  if (self->pending == NULL)
    {
      ossp_page_toast_error (self, error);
      return;
    }
  ask_info (self, plan_info_cb);
}

/* ---- GObject ---- */

static void
ossp_hsm_page_map (GtkWidget *widget)
{
  OsspHsmPage *self = OSSP_HSM_PAGE (widget);

  GTK_WIDGET_CLASS (ossp_hsm_page_parent_class)->map (widget);
  if (self->info == NULL && self->busy == 0)
    read_info (self);
}

static void
ossp_hsm_page_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  OsspHsmPage *self = OSSP_HSM_PAGE (object);

  switch (prop_id)
    {
    case PROP_CHIP:
      g_value_set_object (value, self->chip);
      break;
    case PROP_BUSY:
      g_value_set_boolean (value, self->busy > 0);
      break;
    case PROP_SIM_STATE_PATH:
      g_value_set_string (value, self->sim_state_path);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ossp_hsm_page_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  OsspHsmPage *self = OSSP_HSM_PAGE (object);

  switch (prop_id)
    {
    case PROP_CHIP:
      if (g_set_object (&self->chip, g_value_get_object (value)))
        update_file_rows (self);
      break;
    case PROP_SIM_STATE_PATH:
      g_free (self->sim_state_path);
      self->sim_state_path = g_value_dup_string (value);
      if (self->sim_state_path == NULL)
        self->sim_state_path = g_build_filename (g_get_user_data_dir (), "openssp", "soft-hsm.json", NULL);
      forget_hsm (self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* ---- project ---- */

static void
firmware_changed_cb (OsspHsmPage *self)
{
  ossp_project_page_store_string (self, "hsm.firmware_id",
                                  gtk_editable_get_text (GTK_EDITABLE (self->firmware_entry)));
}

static void
max_changed_cb (OsspHsmPage *self)
{
  ossp_project_page_store_int (self, "hsm.max_licenses", gtk_spin_button_get_value_as_int (self->max_spin));
}

static void
project_load (OsspProjectPage *page,
              OsspProject     *project,
              const char      *key)
{
  OsspHsmPage *self = OSSP_HSM_PAGE (page);
  gboolean all = key == NULL;

  if (all || g_str_equal (key, "hsm.sim_state"))
    {
      g_autofree char *state = ossp_project_get_path (project, "hsm.sim_state");
      /* without one the page keeps its own (the soft-HSM in the data folder) */
      if (state != NULL && g_strcmp0 (state, self->sim_state_path) != 0)
        g_object_set (self, "sim-state-path", state, NULL);
    }
  if (all || g_str_equal (key, "hsm.reader"))
    {
      g_free (self->reader_name);
      self->reader_name = g_strdup (ossp_project_get_string (project, "hsm.reader"));
    }
  if ((all || g_str_equal (key, "hsm.provider")) && ossp_project_has (project, "hsm.provider"))
    gtk_switch_set_active (self->sim_switch,
                           g_strcmp0 (ossp_project_get_string (project, "hsm.provider"), "simulated") == 0);
  if (all || g_str_equal (key, "hsm.perso_file") || g_str_equal (key, "payload.key") ||
      g_str_equal (key, "payload.nonce"))
    {
      g_autofree char *perso = ossp_project_get_path (project, "hsm.perso_file");
      g_autofree char *oem_key = ossp_project_get_path (project, "payload.key");
      g_autofree char *nonce = ossp_project_get_path (project, "payload.nonce");
      ossp_hsm_page_set_perso_file (self, perso);
      ossp_hsm_page_set_key_file (self, oem_key);
      ossp_hsm_page_set_nonce_file (self, nonce);
    }
  if (all || g_str_equal (key, "hsm.firmware_id"))
    {
      const char *id = ossp_project_get_string (project, "hsm.firmware_id");
      if (id != NULL || all)
        gtk_editable_set_text (GTK_EDITABLE (self->firmware_entry), id ? id : "SSP_MPU");
    }
  if ((all || g_str_equal (key, "hsm.max_licenses")) && ossp_project_has (project, "hsm.max_licenses"))
    gtk_spin_button_set_value (self->max_spin, (double) ossp_project_get_int (project, "hsm.max_licenses", 1));
}

static void
project_page_iface_init (OsspProjectPageInterface *iface)
{
  iface->load = project_load;
}

static void
ossp_hsm_page_dispose (GObject *object)
{
  OsspHsmPage *self = OSSP_HSM_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  if (self->monitor)
    {
      g_signal_handlers_disconnect_by_data (self->monitor, self);
      ossp_pcsc_monitor_stop (self->monitor);
      g_clear_object (&self->monitor);
    }
  g_clear_object (&self->hsm);
  g_clear_object (&self->chip);
  gtk_widget_dispose_template (GTK_WIDGET (self), OSSP_TYPE_HSM_PAGE);
  G_OBJECT_CLASS (ossp_hsm_page_parent_class)->dispose (object);
}

static void
ossp_hsm_page_finalize (GObject *object)
{
  OsspHsmPage *self = OSSP_HSM_PAGE (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->info, ossp_hsm_info_free);
  g_clear_pointer (&self->pending, ossp_hsm_provisioning_free);
  g_free (self->sim_state_path);
  g_free (self->reader_name);
  g_free (self->perso_path);
  g_free (self->key_path);
  g_free (self->nonce_path);
  G_OBJECT_CLASS (ossp_hsm_page_parent_class)->finalize (object);
}

static void
ossp_hsm_page_class_init (OsspHsmPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  ossp_gui_ensure_resources ();

  object_class->get_property = ossp_hsm_page_get_property;
  object_class->set_property = ossp_hsm_page_set_property;
  object_class->dispose = ossp_hsm_page_dispose;
  object_class->finalize = ossp_hsm_page_finalize;
  widget_class->map = ossp_hsm_page_map;

  properties[PROP_CHIP] = g_param_spec_object ("chip", NULL, NULL, OSSP_TYPE_CHIP,
                                               G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_BUSY] = g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SIM_STATE_PATH] = g_param_spec_string ("sim-state-path", NULL, NULL, NULL,
                                                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT |
                                                         G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/openssp/OpenSSP/ui/ossp-hsm-page.ui");
  gtk_widget_class_bind_template_child (widget_class, OsspHsmPage, sim_switch);
  gtk_widget_class_bind_template_child (widget_class, OsspHsmPage, sim_row);
  gtk_widget_class_bind_template_child (widget_class, OsspHsmPage, readers_group);
  gtk_widget_class_bind_template_child (widget_class, OsspHsmPage, readers_list);
  gtk_widget_class_bind_template_child (widget_class, OsspHsmPage, spinner);
  gtk_widget_class_bind_template_child (widget_class, OsspHsmPage, read_button);
  gtk_widget_class_bind_template_child (widget_class, OsspHsmPage, state_row);
  gtk_widget_class_bind_template_child (widget_class, OsspHsmPage, serial_row);
  gtk_widget_class_bind_template_child (widget_class, OsspHsmPage, firmware_id_row);
  gtk_widget_class_bind_template_child (widget_class, OsspHsmPage, products_row);
  gtk_widget_class_bind_template_child (widget_class, OsspHsmPage, counter_row);
  gtk_widget_class_bind_template_child (widget_class, OsspHsmPage, counter_bar);
  gtk_widget_class_bind_template_child (widget_class, OsspHsmPage, perso_row);
  gtk_widget_class_bind_template_child (widget_class, OsspHsmPage, key_row);
  gtk_widget_class_bind_template_child (widget_class, OsspHsmPage, nonce_row);
  gtk_widget_class_bind_template_child (widget_class, OsspHsmPage, firmware_entry);
  gtk_widget_class_bind_template_child (widget_class, OsspHsmPage, max_spin);
  gtk_widget_class_bind_template_child (widget_class, OsspHsmPage, provision_button);
  gtk_widget_class_bind_template_callback (widget_class, sim_switch_cb);
  gtk_widget_class_bind_template_callback (widget_class, refresh_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, read_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, choose_perso_cb);
  gtk_widget_class_bind_template_callback (widget_class, choose_key_cb);
  gtk_widget_class_bind_template_callback (widget_class, choose_nonce_cb);
  gtk_widget_class_bind_template_callback (widget_class, provision_clicked_cb);
}

static void
ossp_hsm_page_init (OsspHsmPage *self)
{
  g_autofree char *sim_subtitle = NULL;

  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  ossp_help_attach (GTK_WIDGET (self->perso_row), OSSP_HELP_PERSO_FILE);
  g_signal_connect_swapped (self->firmware_entry, "changed", G_CALLBACK (firmware_changed_cb), self);
  g_signal_connect_swapped (self->max_spin, "value-changed", G_CALLBACK (max_changed_cb), self);
  gtk_widget_set_sensitive (GTK_WIDGET (self->readers_list), FALSE);
  show_readers (self, NULL, _("Looking for readers…"));
  /* readers come and go: SCardGetStatusChange in a worker thread */
  self->monitor = ossp_pcsc_monitor_new ();
  g_signal_connect (self->monitor, "changed", G_CALLBACK (monitor_changed_cb), self);
  ossp_pcsc_monitor_start (self->monitor);
  sim_subtitle = g_strdup (_("A soft-HSM card inside OpenSSP, no hardware needed; its counter is kept "
                             "in your data folder. Switch off to use a card in a reader."));
  ossp_row_set_subtitle_text (self->sim_row, sim_subtitle);
}

GtkWidget *
ossp_hsm_page_new (void)
{
  return g_object_new (OSSP_TYPE_HSM_PAGE, NULL);
}
