/* ossp-provision-page.c — the Provision page: live SSP over UART / USB DFU
 *
 * The built-in simulated board and the simulated HSM of the example set-up
 * are the defaults, so a newcomer can run a whole provisioning without
 * hardware.  The work runs in OsspProvisioner's thread; this page only
 * shows its progress, checks and log, asks for the typed confirmation in
 * an AdwMessageDialog that shows the burn plan, and lists the audit log.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "ossp-provision-page.h"
#include "ossp-help.h"
#include "ossp-narrow.h"
#include "ossp-page-util.h"
#include "ossp-project-page.h"
#include "ossp-window.h"
#include "ossp-link.h"
#include "ossp-pcsc-hsm.h"
#include "ossp-sim-demo.h"
#include "ossp-sim-pty-board.h"
#include "ossp-uart-transport.h"

#define REFRESH_SECONDS 2
#define AUDIT_ROWS      8

typedef struct {
  GtkWidget      *row;        /* AdwActionRow */
  GtkWidget      *bar;        /* GtkProgressBar */
  GtkWidget      *icon;
  char           *port_label;
} RunRow;

struct _OsspProvisionPage
{
  AdwBin             parent_instance;

  GtkDropDown       *port_dropdown;
  AdwActionRow      *payload_row;
  AdwActionRow      *firmware_row;
  GtkDropDown       *hsm_dropdown;
  GtkButton         *provision_button;
  GtkButton         *check_button;
  GtkButton         *cancel_button;
  GtkButton         *demo_button;
  GtkListBox        *runs_list;
  GtkListBox        *checks_list;
  GtkTextView       *log_view;
  AdwActionRow      *audit_row;
  GtkListBox        *audit_list;

  OsspChip          *chip;
  char              *data_dir;        /* ~/.local/share/openssp */
  char              *audit_path;
  char              *project_hsm_state; /* the project's soft-HSM (hsm.sim_state), or NULL */
  OsspDemo          *demo;            /* for the chip shown, once made */
  char              *payload_path;
  char              *firmware_path;
  GPtrArray         *port_ids;
  GtkStringList     *port_labels;
  GPtrArray         *hsm_ids;
  GtkStringList     *hsm_labels;
  guint              refresh_id;
  GCancellable      *scan_cancellable; /* the port scan in a thread */
  gboolean           scanning;
  guint              sim_baud;

  gboolean           busy;
  GCancellable      *cancellable;
  OsspProvisioner   *prov;
  OsspSimPtyBoard   *sim;
  RunRow            *run;
  OsspProvisionResult last_result;
  AdwMessageDialog  *dialog;
  gboolean           quiet_choice;    /* the page itself changes a dropdown */
};

static void project_page_iface_init (OsspProjectPageInterface *iface);
static void port_selected_cb (OsspProvisionPage *self);

G_DEFINE_FINAL_TYPE_WITH_CODE (OsspProvisionPage, ossp_provision_page, ADW_TYPE_BIN,
                               G_IMPLEMENT_INTERFACE (OSSP_TYPE_PROJECT_PAGE, project_page_iface_init))

enum {
  PROP_0,
  PROP_CHIP,
  PROP_BUSY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void refresh_audit (OsspProvisionPage *self);

static void
set_busy (OsspProvisionPage *self,
          gboolean           busy)
{
  self->busy = busy;
  gtk_widget_set_sensitive (GTK_WIDGET (self->provision_button), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->check_button), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->demo_button), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->cancel_button), busy);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static void
append_log (OsspProvisionPage *self,
            const char        *line)
{
  GtkTextBuffer *buf = gtk_text_view_get_buffer (self->log_view);
  GtkTextIter end;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%H:%M:%S");
  g_autofree char *text = g_strdup_printf ("%s  %s\n", stamp, line);

  gtk_text_buffer_get_end_iter (buf, &end);
  gtk_text_buffer_insert (buf, &end, text, -1);
  gtk_text_buffer_get_end_iter (buf, &end);
  gtk_text_view_scroll_to_iter (self->log_view, &end, 0.0, FALSE, 0.0, 1.0);
}

/* ---- choices: ports and HSMs ---- */

static const char *
selected_id (GtkDropDown *dropdown,
             GPtrArray   *ids)
{
  guint pos = gtk_drop_down_get_selected (dropdown);

  return pos < ids->len ? g_ptr_array_index (ids, pos) : NULL;
}

static gboolean
select_id (GtkDropDown *dropdown,
           GPtrArray   *ids,
           const char  *id)
{
  for (guint i = 0; i < ids->len; i++)
    if (g_str_equal (g_ptr_array_index (ids, i), id))
      {
        gtk_drop_down_set_selected (dropdown, i);
        return TRUE;
      }
  return FALSE;
}

/* Replaces a dropdown's entries, keeping the selection when it is still
 * there; nothing changes when the list is the same (no flicker). */
static void
set_choices (GtkDropDown   *dropdown,
             GtkStringList *labels,
             GPtrArray     *ids,
             GPtrArray     *new_ids,
             GPtrArray     *new_labels)
{
  g_autofree char *keep = g_strdup (selected_id (dropdown, ids));
  gboolean same = ids->len == new_ids->len;

  for (guint i = 0; same && i < ids->len; i++)
    same = g_str_equal (g_ptr_array_index (ids, i), g_ptr_array_index (new_ids, i));
  if (same)
    return;
  g_ptr_array_set_size (ids, 0);
  for (guint i = 0; i < new_ids->len; i++)
    g_ptr_array_add (ids, g_strdup (g_ptr_array_index (new_ids, i)));
  g_ptr_array_add (new_labels, NULL);
  gtk_string_list_splice (labels, 0, g_list_model_get_n_items (G_LIST_MODEL (labels)),
                          (const char * const *) new_labels->pdata);
  if (keep == NULL || !select_id (dropdown, ids, keep))
    gtk_drop_down_set_selected (dropdown, 0);
}

typedef struct {
  GStrv ports;
  GStrv descs;
} PortScan;

static void
port_scan_free (PortScan *scan)
{
  g_strfreev (scan->ports);
  g_strfreev (scan->descs);
  g_free (scan);
}

static void
show_ports (OsspProvisionPage *self,
            PortScan          *scan)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  GStrv ports = scan->ports, descs = scan->descs;

  g_ptr_array_add (ids, g_strdup ("sim"));
  g_ptr_array_add (labels, g_strdup (_("Built-in simulated board (a new chip each run)")));
  for (guint i = 0; ports[i]; i++)
    {
      g_ptr_array_add (ids, g_strdup (ports[i]));
      g_ptr_array_add (labels, g_strdup (descs[i]));
    }
  self->quiet_choice = TRUE;
  set_choices (self->port_dropdown, self->port_labels, self->port_ids, ids, labels);
  self->quiet_choice = FALSE;
}

/* Listing ports walks udev and libusb: now, when the answer is needed at once
 * (start-up, a port to select), else in a thread (every REFRESH_SECONDS) so
 * that the main loop never waits on the bus. */
static void
refresh_ports (OsspProvisionPage *self)
{
  PortScan scan = { NULL, NULL };

  scan.ports = ossp_link_list_ports (&scan.descs);
  show_ports (self, &scan);
  g_strfreev (scan.ports);
  g_strfreev (scan.descs);
}

static gpointer
port_scan_job (gpointer job_data, GCancellable *cancellable, GError **error)
{
  PortScan *scan = g_new0 (PortScan, 1);

  scan->ports = ossp_link_list_ports (&scan->descs);
  return scan;
}

static void
port_scan_done (gpointer page, gpointer result, const GError *error, gpointer job_data)
{
  OsspProvisionPage *self = page;

  self->scanning = FALSE;
  /* cancelled: the page is going away */
  if (result == NULL)
    return;
  show_ports (self, result);
  port_scan_free (result);
}

static gboolean
refresh_ports_tick (gpointer data)
{
  OsspProvisionPage *self = data;

  if (!self->scanning)
    {
      self->scanning = TRUE;
      ossp_page_run_job (self, self->scan_cancellable, port_scan_job, NULL, NULL,
                         (GDestroyNotify) port_scan_free, port_scan_done);
    }
  return G_SOURCE_CONTINUE;
}

static void
refresh_hsms (OsspProvisionPage *self)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *soft = g_build_filename (self->data_dir, "soft-hsm.json", NULL);
  g_autoptr(GPtrArray) readers = ossp_pcsc_list_readers (NULL);

  if (self->project_hsm_state != NULL)
    {
      g_autofree char *name = g_path_get_basename (self->project_hsm_state);
      g_ptr_array_add (ids, g_strdup ("project"));
      g_ptr_array_add (labels, g_strdup_printf (_("Soft-HSM of this project (%s)"), name));
    }
  g_ptr_array_add (ids, g_strdup ("demo"));
  g_ptr_array_add (labels, g_strdup (_("Built-in simulated HSM (example set-up)")));
  if (g_file_test (soft, G_FILE_TEST_EXISTS))
    {
      g_ptr_array_add (ids, g_strdup ("soft"));
      g_ptr_array_add (labels, g_strdup (_("Soft-HSM of the HSM page")));
    }
  for (guint i = 0; readers && i < readers->len; i++)
    {
      OsspPcscReader *r = g_ptr_array_index (readers, i);
      g_ptr_array_add (ids, g_strdup_printf ("pcsc:%u", r->slot));
      g_ptr_array_add (labels, g_strdup_printf (_("Reader %u: %s"), r->slot, r->name));
    }
  set_choices (self->hsm_dropdown, self->hsm_labels, self->hsm_ids, ids, labels);
}

/* ---- inputs ---- */

static void
show_inputs (OsspProvisionPage *self)
{
  ossp_row_set_subtitle_text (self->payload_row, self->payload_path);
  ossp_row_set_subtitle_text (self->firmware_row, self->firmware_path);
}

/* @record: the user chose it, so the project takes it too */
static void
set_inputs (OsspProvisionPage *self,
            const char        *payload,
            const char        *firmware,
            gboolean           record)
{
  if (payload != NULL)
    {
      g_free (self->payload_path);
      self->payload_path = g_strdup (payload);
      if (record)
        ossp_project_page_store_path (self, "provision.payload", payload);
    }
  if (firmware != NULL)
    {
      g_free (self->firmware_path);
      self->firmware_path = g_strdup (firmware);
      if (record)
        ossp_project_page_store_path (self, "provision.firmware", firmware);
    }
  show_inputs (self);
}

void
ossp_provision_page_set_payload_file (OsspProvisionPage *self,
                                      const char        *path)
{
  g_return_if_fail (OSSP_IS_PROVISION_PAGE (self));
  if (path == NULL)
    g_clear_pointer (&self->payload_path, g_free);
  set_inputs (self, path, NULL, TRUE);
}

void
ossp_provision_page_set_firmware_file (OsspProvisionPage *self,
                                       const char        *path)
{
  g_return_if_fail (OSSP_IS_PROVISION_PAGE (self));
  if (path == NULL)
    g_clear_pointer (&self->firmware_path, g_free);
  set_inputs (self, NULL, path, TRUE);
}

static const char *
demo_chip_id (OsspProvisionPage *self)
{
  const char *id = self->chip ? ossp_chip_get_id (self->chip) : "stm32mp15";

  return ossp_demo_product_id_for_chip (id) ? id : "stm32mp15";
}

typedef struct {
  char     *dir;
  char     *chip_id;
  gboolean  fill;       /* the user asked: the inputs and the project take it */
} DemoJob;

static gpointer
demo_job (gpointer job_data, GCancellable *cancellable, GError **error)
{
  DemoJob *job = job_data;

  return ossp_demo_ensure (job->dir, job->chip_id, error);
}

static void
demo_done (gpointer page, gpointer result, const GError *error, gpointer job_data)
{
  OsspProvisionPage *self = page;
  gboolean fill = ((DemoJob *) job_data)->fill;
  OsspDemo *demo = result;

  if (ossp_page_job_failed (self, demo, error))
    return;
  g_clear_pointer (&self->demo, ossp_demo_free);
  self->demo = demo;
  if (fill || self->payload_path == NULL)
    {
      /* the example set-up at start is not a choice the project should keep */
      set_inputs (self, demo->payload, demo->firmware, fill);
      self->quiet_choice = !fill;
      select_id (self->hsm_dropdown, self->hsm_ids, "demo");
      select_id (self->port_dropdown, self->port_ids, "sim");
      self->quiet_choice = FALSE;
    }
}

static void
demo_job_free (DemoJob *job)
{
  g_free (job->dir);
  g_free (job->chip_id);
  g_free (job);
}

static void
load_demo (OsspProvisionPage *self,
           gboolean           fill)
{
  DemoJob *job = g_new0 (DemoJob, 1);

  job->dir = g_build_filename (self->data_dir, "demo", NULL);
  job->chip_id = g_strdup (demo_chip_id (self));
  job->fill = fill;
  ossp_page_run_job (self, NULL, demo_job, job, (GDestroyNotify) demo_job_free,
                     (GDestroyNotify) ossp_demo_free, demo_done);
}

void
ossp_provision_page_use_demo (OsspProvisionPage *self)
{
  g_return_if_fail (OSSP_IS_PROVISION_PAGE (self));
  load_demo (self, TRUE);
}

static void
use_demo_cb (OsspProvisionPage *self)
{
  ossp_provision_page_use_demo (self);
}

static void
input_chosen (gpointer    page,
              const char *path,
              gpointer    firmware)
{
  if (GPOINTER_TO_INT (firmware))
    ossp_provision_page_set_firmware_file (page, path);
  else
    ossp_provision_page_set_payload_file (page, path);
}

static void
choose (OsspProvisionPage *self,
        gboolean           firmware)
{
  const OsspFileChoice choice = {
    .title = firmware ? _("Choose the SSP Firmware") : _("Choose the Payload"),
    .action = GTK_FILE_CHOOSER_ACTION_OPEN, .accept_label = _("_Open"),
    .filter_name = firmware ? _("STM32 images (*.stm32)") : _("SSP payloads (*.ssp)"),
    .filter_pattern = firmware ? "*.stm32" : "*.ssp",
  };

  ossp_page_choose_file (self, &choice, input_chosen, GINT_TO_POINTER (firmware), NULL);
}

static void
choose_payload_cb (OsspProvisionPage *self)
{
  choose (self, FALSE);
}

static void
choose_firmware_cb (OsspProvisionPage *self)
{
  choose (self, TRUE);
}

/* ---- one run ---- */

static void
run_row_free (RunRow *row)
{
  g_free (row->port_label);
  g_free (row);
}

static RunRow *
add_run_row (OsspProvisionPage *self,
             const char        *label)
{
  RunRow *r = g_new0 (RunRow, 1);

  r->port_label = g_strdup (label);
  r->row = adw_action_row_new ();
  ossp_row_set_title_text (ADW_PREFERENCES_ROW (r->row), label);
  ossp_row_set_subtitle_text (ADW_ACTION_ROW (r->row), _("Starting"));
  r->bar = gtk_progress_bar_new ();
  gtk_widget_set_valign (r->bar, GTK_ALIGN_CENTER);
  gtk_widget_set_size_request (r->bar, 180, -1);
  r->icon = gtk_image_new_from_icon_name ("content-loading-symbolic");
  adw_action_row_add_suffix (ADW_ACTION_ROW (r->row), r->bar);
  adw_action_row_add_suffix (ADW_ACTION_ROW (r->row), r->icon);
  gtk_list_box_prepend (self->runs_list, r->row);
  return r;
}

static void
progress_changed_cb (OsspProgress      *progress,
                     OsspProvisionPage *self)
{
  g_autofree char *text = ossp_progress_dup_text (progress);

  if (self->run == NULL)
    return;
  gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (self->run->bar),
                                 ossp_progress_get_fraction (progress));
  ossp_row_set_subtitle_text (ADW_ACTION_ROW (self->run->row), text);
}

static void
log_cb (OsspProvisioner   *prov,
        const char        *message,
        OsspProvisionPage *self)
{
  append_log (self, message);
}

static void
check_cb (OsspProvisioner   *prov,
          const char        *id,
          const char        *status,
          const char        *message,
          OsspProvisionPage *self)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *icon;
  const char *icon_name = g_str_equal (status, "pass") ? "emblem-ok-symbolic"
                          : g_str_equal (status, "fail") ? "dialog-error-symbolic"
                                                         : "dialog-warning-symbolic";

  ossp_row_set_title_text (ADW_PREFERENCES_ROW (row), id);
  ossp_row_set_subtitle_text (ADW_ACTION_ROW (row), message);
  icon = gtk_image_new_from_icon_name (icon_name);
  if (g_str_equal (status, "pass"))
    gtk_widget_add_css_class (icon, "success");
  else if (g_str_equal (status, "fail"))
    gtk_widget_add_css_class (icon, "error");
  else
    gtk_widget_add_css_class (icon, "warning");
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
  gtk_list_box_append (self->checks_list, row);
}

static void
clear_list (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL &&
         GTK_IS_LIST_BOX_ROW (child))
    gtk_list_box_remove (list, child);
}

/* The typed confirmation: the burn response only works once the word is
 * typed exactly. */
static void
confirm_entry_changed_cb (GtkEditable      *entry,
                          AdwMessageDialog *dialog)
{
  const char *word = g_object_get_data (G_OBJECT (dialog), "confirm-word");

  adw_message_dialog_set_response_enabled (dialog, "burn",
                                           g_strcmp0 (gtk_editable_get_text (entry), word) == 0);
}

static void
confirm_response_cb (AdwMessageDialog  *dialog,
                     const char        *response,
                     OsspProvisionPage *self)
{
  gboolean yes = g_str_equal (response, "burn");

  self->dialog = NULL;
  if (self->prov != NULL)
    ossp_provisioner_confirm (self->prov, yes, yes ? "dialog-typed" : "dialog-cancelled");
}

static void
confirm_cb (OsspProvisioner *prov,
            OsspBurnPlan    *plan,
            gpointer         user_data)
{
  OsspProvisionPage *self = user_data;
  g_autofree char *text = ossp_burn_plan_to_text (plan, FALSE);
  g_autofree char *summary = ossp_burn_plan_dup_summary (plan);
  g_autofree char *body = NULL;
  const char *word = ossp_burn_plan_get_confirm_word (plan);
  AdwMessageDialog *dialog;
  GtkWidget *box, *label, *scroll, *entry, *frame;

  body = g_strdup_printf (_("%s\n\nThis cannot be undone. Type “%s” to confirm."), summary, word);
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  /* the plan, selectable so it can be pasted into a production record */
  label = gtk_label_new (text);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_widget_add_css_class (label, "monospace");
  gtk_widget_add_css_class (label, "caption");
  gtk_widget_set_margin_start (label, 6);
  gtk_widget_set_margin_end (label, 6);
  scroll = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (scroll), 260);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroll), label);
  frame = gtk_frame_new (NULL);
  gtk_frame_set_child (GTK_FRAME (frame), scroll);
  gtk_box_append (GTK_BOX (box), frame);
  entry = gtk_entry_new ();
  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), word);
  gtk_widget_set_name (entry, "confirm-entry");
  gtk_box_append (GTK_BOX (box), entry);
  dialog = ossp_page_dialog_new (self, _("Burn and Close This Chip?"), body,
                                 "burn", _("_Burn and Close"), ADW_RESPONSE_DESTRUCTIVE, box);
  gtk_widget_set_size_request (GTK_WIDGET (dialog), 720, -1);
  adw_message_dialog_set_response_enabled (dialog, "burn", FALSE);
  g_object_set_data_full (G_OBJECT (dialog), "confirm-word", g_strdup (word), g_free);
  g_signal_connect (entry, "changed", G_CALLBACK (confirm_entry_changed_cb), dialog);
  g_signal_connect_object (dialog, "response", G_CALLBACK (confirm_response_cb), self, 0);
  self->dialog = dialog;
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
run_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(OsspProvisionPage) self = user_data;
  g_autoptr(GError) error = NULL;
  OsspProvisionResult res = ossp_provisioner_run_finish (OSSP_PROVISIONER (source), result, &error);
  const char *product = ossp_provisioner_get_product_id (OSSP_PROVISIONER (source));
  g_autofree char *line = NULL;

  self->last_result = res;
  if (self->run != NULL)
    {
      const char *icon = res == OSSP_PROVISION_RESULT_PROVISIONED ||
                         (res == OSSP_PROVISION_RESULT_NONE && error == NULL)
                         ? "emblem-ok-symbolic" : "dialog-error-symbolic";
      g_autofree char *title = g_strdup_printf ("%s%s%s", self->run->port_label,
                                                product ? " — " : "", product ? product : "");
      ossp_row_set_title_text (ADW_PREFERENCES_ROW (self->run->row), title);
      gtk_image_set_from_icon_name (GTK_IMAGE (self->run->icon), icon);
      gtk_widget_add_css_class (self->run->icon, error ? "error" : "success");
      line = error ? g_strdup_printf ("%s: %s", ossp_provision_result_to_string (res), error->message)
                   : g_strdup (res == OSSP_PROVISION_RESULT_NONE ? _("Preflight passed; nothing was burnt")
                                                                : _("Provisioned and closed"));
      ossp_row_set_subtitle_text (ADW_ACTION_ROW (self->run->row), line);
      if (res == OSSP_PROVISION_RESULT_PROVISIONED)
        gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (self->run->bar), 1.0);
      append_log (self, line);
      g_clear_pointer (&self->run, run_row_free);
    }
  if (self->dialog != NULL)
    gtk_window_close (GTK_WINDOW (self->dialog));
  /* a cancelled run is news too: the toast says where it stopped */
  if (error != NULL)
    ossp_widget_toast (GTK_WIDGET (self), error->message);
  else if (res == OSSP_PROVISION_RESULT_PROVISIONED)
    ossp_widget_toast (GTK_WIDGET (self), _("Chip provisioned and secure-closed"));
  g_clear_object (&self->cancellable);
  set_busy (self, FALSE);
  refresh_audit (self);
}

/* What a run needs that takes time (HSM, files, the simulated board) is
 * made in a thread; the provisioner itself starts on the main thread so
 * that its signals land here. */
typedef struct {
  char            *chip_id;
  char            *payload_path;
  char            *firmware_path;
  char            *port;
  char            *hsm_id;
  char            *hsm_state;      /* with hsm_id "project" */
  char            *data_dir;
  guint            sim_baud;
  gboolean         preflight_only;
  char            *demo_key;
  char            *demo_nonce;
  /* results */
  OsspPayload     *payload;
  GBytes          *firmware;
  OsspHsm         *hsm;
  char            *hsm_label;
  OsspSimPtyBoard *sim;
  OsspTransport   *transport;
} Prepare;

static void
prepare_free (Prepare *p)
{
  g_free (p->chip_id);
  g_free (p->payload_path);
  g_free (p->firmware_path);
  g_free (p->port);
  g_free (p->hsm_id);
  g_free (p->hsm_state);
  g_free (p->data_dir);
  g_free (p->demo_key);
  g_free (p->demo_nonce);
  g_clear_object (&p->payload);
  g_clear_pointer (&p->firmware, g_bytes_unref);
  g_clear_object (&p->hsm);
  g_free (p->hsm_label);
  g_clear_object (&p->sim);
  g_clear_object (&p->transport);
  g_free (p);
}

static gboolean
prepare_run (Prepare  *p,
             GError  **error)
{
  p->payload = ossp_payload_new_from_file (p->payload_path, error);
  if (p->payload == NULL)
    return FALSE;
  /* the example's own payload: decrypt it, the plan then shows every value */
  if (p->demo_key != NULL &&
      (!ossp_payload_load_key (p->payload, p->demo_key, error) ||
       !ossp_payload_load_nonce (p->payload, p->demo_nonce, error) ||
       !ossp_payload_decrypt (p->payload, error)))
    return FALSE;
  p->firmware = ossp_file_read_bytes (p->firmware_path, 16 * 1024 * 1024, error);
  if (p->firmware == NULL)
    return FALSE;

  if (g_str_equal (p->hsm_id, "demo"))
    {
      g_autofree char *dir = g_build_filename (p->data_dir, "demo", NULL);
      g_autofree char *state = g_build_filename (dir, "hsm.json", NULL);
      g_autoptr(OsspDemo) demo = ossp_demo_ensure (dir, p->chip_id, error);
      if (demo == NULL)
        return FALSE;
      p->hsm = OSSP_HSM (ossp_sim_demo_hsm_ensure (state, demo, 1000, error));
      p->hsm_label = g_strconcat ("sim:", state, NULL);
    }
  else if (g_str_equal (p->hsm_id, "project"))
    {
      p->hsm = OSSP_HSM (ossp_sim_hsm_new_for_state (p->hsm_state, error));
      p->hsm_label = g_strconcat ("sim:", p->hsm_state, NULL);
    }
  else if (g_str_equal (p->hsm_id, "soft"))
    {
      g_autofree char *state = g_build_filename (p->data_dir, "soft-hsm.json", NULL);
      p->hsm = OSSP_HSM (ossp_sim_hsm_new_for_state (state, error));
      p->hsm_label = g_strconcat ("sim:", state, NULL);
    }
  else
    {
      guint64 slot = 0;
      g_ascii_string_to_unsigned (p->hsm_id + 5, 10, 1, 64, &slot, NULL);
      p->hsm = OSSP_HSM (ossp_pcsc_hsm_new (NULL, (guint) slot));
      p->hsm_label = g_strdup_printf ("pcsc:slot %u", (guint) slot);
    }
  if (p->hsm == NULL)
    return FALSE;

  if (g_str_equal (p->port, "sim"))
    {
      OsspSimUartOptions uo;
      p->sim = ossp_sim_pty_board_new (ossp_chip_get_id (ossp_payload_get_chip (p->payload)), NULL,
                                       NULL, error);
      if (p->sim == NULL)
        return FALSE;
      ossp_sim_uart_options_init (&uo);
      uo.baud = p->sim_baud;
      ossp_sim_pty_board_set_uart_options (p->sim, &uo);
      if (!ossp_sim_pty_board_start (p->sim, error))
        return FALSE;
      p->transport = OSSP_TRANSPORT (ossp_uart_transport_new (ossp_sim_pty_board_get_path (p->sim)));
    }
  else
    p->transport = ossp_link_transport_new (p->port, error);
  return p->transport != NULL;
}

static gpointer
prepare_job (gpointer job_data, GCancellable *cancellable, GError **error)
{
  return prepare_run (job_data, error) ? job_data : NULL;
}

static void
prepare_done (gpointer page, gpointer result, const GError *error, gpointer job_data)
{
  OsspProvisionPage *self = page;
  Prepare *p = job_data;
  g_autoptr(OsspAuditLog) audit = NULL;

  if (result == NULL)
    {
      ossp_page_toast_error (self, error);
      append_log (self, error->message);
      if (self->run)
        {
          ossp_row_set_subtitle_text (ADW_ACTION_ROW (self->run->row), error->message);
          gtk_image_set_from_icon_name (GTK_IMAGE (self->run->icon), "dialog-error-symbolic");
          g_clear_pointer (&self->run, run_row_free);
        }
      set_busy (self, FALSE);
      return;
    }
  g_clear_object (&self->sim);
  self->sim = g_steal_pointer (&p->sim);
  if (self->prov != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->prov, self);
      g_signal_handlers_disconnect_by_data (ossp_provisioner_get_progress (self->prov), self);
      g_clear_object (&self->prov);
    }
  self->prov = ossp_provisioner_new (p->transport, p->hsm);
  ossp_provisioner_set_payload (self->prov, p->payload);
  ossp_provisioner_set_firmware (self->prov, p->firmware, p->firmware_path);
  ossp_provisioner_set_hsm_label (self->prov, p->hsm_label);
  ossp_provisioner_set_preflight_only (self->prov, p->preflight_only);
  audit = ossp_audit_log_new (self->audit_path);
  ossp_provisioner_set_audit_log (self->prov, audit);
  ossp_provisioner_set_confirm_func (self->prov, confirm_cb, self, NULL);
  g_signal_connect (ossp_provisioner_get_progress (self->prov), "changed",
                    G_CALLBACK (progress_changed_cb), self);
  g_signal_connect (self->prov, "log", G_CALLBACK (log_cb), self);
  g_signal_connect (self->prov, "check", G_CALLBACK (check_cb), self);
  if (self->sim != NULL)
    append_log (self, _("Simulated board started on its serial line"));
  ossp_provisioner_run_async (self->prov, self->cancellable, run_done_cb, g_object_ref (self));
}

void
ossp_provision_page_start (OsspProvisionPage *self,
                           gboolean           preflight_only)
{
  Prepare *p;
  const char *port = selected_id (self->port_dropdown, self->port_ids);
  const char *hsm = selected_id (self->hsm_dropdown, self->hsm_ids);
  guint pos = gtk_drop_down_get_selected (self->port_dropdown);
  g_autofree char *label = NULL;

  g_return_if_fail (OSSP_IS_PROVISION_PAGE (self));
  if (self->busy)
    return;
  if (self->payload_path == NULL || self->firmware_path == NULL || port == NULL || hsm == NULL)
    {
      ossp_widget_toast (GTK_WIDGET (self), _("Choose a payload, the SSP firmware, a device and an HSM first"));
      return;
    }
  set_busy (self, TRUE);
  clear_list (self->checks_list);
  label = g_strdup (gtk_string_list_get_string (self->port_labels, pos));
  self->run = add_run_row (self, label);
  self->cancellable = g_cancellable_new ();
  append_log (self, preflight_only ? _("Preflight started") : _("Provisioning started"));

  p = g_new0 (Prepare, 1);
  p->chip_id = g_strdup (demo_chip_id (self));
  p->payload_path = g_strdup (self->payload_path);
  p->firmware_path = g_strdup (self->firmware_path);
  p->port = g_strdup (port);
  p->hsm_id = g_strdup (hsm);
  p->hsm_state = g_strdup (self->project_hsm_state);
  p->data_dir = g_strdup (self->data_dir);
  p->sim_baud = self->sim_baud;
  if (self->demo != NULL && g_strcmp0 (self->payload_path, self->demo->payload) == 0)
    {
      p->demo_key = g_strdup (self->demo->oem_key);
      p->demo_nonce = g_strdup (self->demo->oem_nonce);
    }
  p->preflight_only = preflight_only;
  ossp_page_run_job (self, NULL, prepare_job, p, (GDestroyNotify) prepare_free, NULL, prepare_done);
}

static void
provision_clicked_cb (OsspProvisionPage *self)
{
  ossp_provision_page_start (self, FALSE);
}

static void
check_clicked_cb (OsspProvisionPage *self)
{
  ossp_provision_page_start (self, TRUE);
}

static void
cancel_clicked_cb (OsspProvisionPage *self)
{
  if (self->cancellable == NULL)
    return;
  g_cancellable_cancel (self->cancellable);
  append_log (self, _("Cancel requested: the run stops at the next safe point (after boot 3 once a "
                      "license was spent); the audit log records where it stopped"));
}

/* ---- audit log ---- */

static void
refresh_audit (OsspProvisionPage *self)
{
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GError) error = NULL;
  guint first;

  ossp_row_set_subtitle_text (self->audit_row, self->audit_path);
  clear_list (self->audit_list);
  if (!g_file_test (self->audit_path, G_FILE_TEST_EXISTS))
    return;
  records = ossp_audit_log_read (self->audit_path, &error);
  if (records == NULL)
    {
      ossp_row_set_subtitle_text (self->audit_row, error->message);
      return;
    }
  first = records->len > AUDIT_ROWS ? records->len - AUDIT_ROWS : 0;
  for (guint i = records->len; i > first; i--)
    {
      JsonObject *o = g_ptr_array_index (records, i - 1);
      JsonObject *chip = json_object_get_object_member (o, "chip");
      const char *product = chip ? json_object_get_string_member_with_default (chip, "product_id", NULL) : NULL;
      g_autofree char *title = g_strdup_printf ("#%" G_GINT64_FORMAT "  %s  —  %s",
                                                json_object_get_int_member_with_default (o, "seq", 0),
                                                product ? product : _("no chip id"),
                                                json_object_get_string_member_with_default (o, "result", "?"));
      g_autofree char *sub = g_strdup_printf ("%s · %s",
                                              json_object_get_string_member_with_default (o, "time", ""),
                                              json_object_get_string_member_with_default (o, "port", ""));
      GtkWidget *row = adw_action_row_new ();
      ossp_row_set_title_text (ADW_PREFERENCES_ROW (row), title);
      ossp_row_set_subtitle_text (ADW_ACTION_ROW (row), sub);
      gtk_list_box_append (self->audit_list, row);
    }
}

static void
verify_clicked_cb (OsspProvisionPage *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspAuditReport) report = ossp_audit_log_verify (self->audit_path, NULL, 0, &error);

  if (report == NULL)
    {
      ossp_page_toast_error (self, error);
      return;
    }
  ossp_page_toast (self, _("Chain intact: %u records, %u provisioned, %u licenses consumed"),
                   report->records, report->provisioned, report->licenses_consumed);
  refresh_audit (self);
}

/* ---- GObject ---- */

static void
ossp_provision_page_dispose (GObject *object)
{
  OsspProvisionPage *self = OSSP_PROVISION_PAGE (object);

  g_clear_handle_id (&self->refresh_id, g_source_remove);
  g_cancellable_cancel (self->scan_cancellable);
  g_clear_object (&self->scan_cancellable);
  if (self->cancellable)
    g_cancellable_cancel (self->cancellable);
  if (self->prov != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->prov, self);
      g_signal_handlers_disconnect_by_data (ossp_provisioner_get_progress (self->prov), self);
    }
  gtk_widget_dispose_template (GTK_WIDGET (self), OSSP_TYPE_PROVISION_PAGE);
  G_OBJECT_CLASS (ossp_provision_page_parent_class)->dispose (object);
}

static void
ossp_provision_page_finalize (GObject *object)
{
  OsspProvisionPage *self = OSSP_PROVISION_PAGE (object);

  g_clear_object (&self->chip);
  g_clear_object (&self->prov);
  g_clear_object (&self->sim);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->run, run_row_free);
  g_clear_pointer (&self->demo, ossp_demo_free);
  g_free (self->data_dir);
  g_free (self->audit_path);
  g_free (self->project_hsm_state);
  g_free (self->payload_path);
  g_free (self->firmware_path);
  g_ptr_array_unref (self->port_ids);
  g_ptr_array_unref (self->hsm_ids);
  G_OBJECT_CLASS (ossp_provision_page_parent_class)->finalize (object);
}

static void
ossp_provision_page_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  OsspProvisionPage *self = OSSP_PROVISION_PAGE (object);

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
ossp_provision_page_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  OsspProvisionPage *self = OSSP_PROVISION_PAGE (object);

  switch (prop_id)
    {
    case PROP_CHIP:
      {
        gboolean was_demo = self->demo != NULL && g_strcmp0 (self->payload_path, self->demo->payload) == 0;
        g_set_object (&self->chip, g_value_get_object (value));
        /* the example follows the chip chosen in the header bar */
        if (was_demo && self->chip && ossp_demo_product_id_for_chip (ossp_chip_get_id (self->chip)) &&
            g_strcmp0 (self->demo->chip_id, ossp_chip_get_id (self->chip)) != 0)
          load_demo (self, TRUE);
      }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ossp_provision_page_class_init (OsspProvisionPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ossp_provision_page_dispose;
  object_class->finalize = ossp_provision_page_finalize;
  object_class->get_property = ossp_provision_page_get_property;
  object_class->set_property = ossp_provision_page_set_property;

  properties[PROP_CHIP] =
    g_param_spec_object ("chip", NULL, NULL, OSSP_TYPE_CHIP,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  ossp_gui_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/openssp/OpenSSP/ui/ossp-provision-page.ui");
  gtk_widget_class_bind_template_child (widget_class, OsspProvisionPage, port_dropdown);
  gtk_widget_class_bind_template_child (widget_class, OsspProvisionPage, payload_row);
  gtk_widget_class_bind_template_child (widget_class, OsspProvisionPage, firmware_row);
  gtk_widget_class_bind_template_child (widget_class, OsspProvisionPage, hsm_dropdown);
  gtk_widget_class_bind_template_child (widget_class, OsspProvisionPage, provision_button);
  gtk_widget_class_bind_template_child (widget_class, OsspProvisionPage, check_button);
  gtk_widget_class_bind_template_child (widget_class, OsspProvisionPage, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, OsspProvisionPage, demo_button);
  gtk_widget_class_bind_template_child (widget_class, OsspProvisionPage, runs_list);
  gtk_widget_class_bind_template_child (widget_class, OsspProvisionPage, checks_list);
  gtk_widget_class_bind_template_child (widget_class, OsspProvisionPage, log_view);
  gtk_widget_class_bind_template_child (widget_class, OsspProvisionPage, audit_row);
  gtk_widget_class_bind_template_child (widget_class, OsspProvisionPage, audit_list);
  gtk_widget_class_bind_template_callback (widget_class, choose_payload_cb);
  gtk_widget_class_bind_template_callback (widget_class, choose_firmware_cb);
  gtk_widget_class_bind_template_callback (widget_class, use_demo_cb);
  gtk_widget_class_bind_template_callback (widget_class, provision_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, check_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, cancel_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, verify_clicked_cb);
}

static void
ossp_provision_page_init (OsspProvisionPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->data_dir = g_build_filename (g_get_user_data_dir (), "openssp", NULL);
  self->audit_path = g_build_filename (self->data_dir, "provision-audit.jsonl", NULL);
  self->sim_baud = 115200;
  self->port_ids = g_ptr_array_new_with_free_func (g_free);
  self->hsm_ids = g_ptr_array_new_with_free_func (g_free);
  self->port_labels = gtk_string_list_new (NULL);
  self->hsm_labels = gtk_string_list_new (NULL);
  gtk_drop_down_set_model (self->port_dropdown, G_LIST_MODEL (self->port_labels));
  gtk_drop_down_set_model (self->hsm_dropdown, G_LIST_MODEL (self->hsm_labels));
  /* long port and HSM names must not make the page wider than a phone */
  ossp_narrow_drop_down (self->port_dropdown);
  ossp_narrow_drop_down (self->hsm_dropdown);
  g_object_unref (self->port_labels);
  g_object_unref (self->hsm_labels);
  refresh_ports (self);
  refresh_hsms (self);
  g_signal_connect_swapped (self->port_dropdown, "notify::selected", G_CALLBACK (port_selected_cb), self);
  ossp_help_attach (gtk_widget_get_ancestor (GTK_WIDGET (self->payload_row), ADW_TYPE_PREFERENCES_GROUP),
                    OSSP_HELP_SECURE_CLOSED);
  /* boards come and go: follow them */
  self->scan_cancellable = g_cancellable_new ();
  self->refresh_id = g_timeout_add_seconds (REFRESH_SECONDS, refresh_ports_tick, self);
  set_busy (self, FALSE);
  show_inputs (self);
  refresh_audit (self);
  /* the example set-up, made on first start, so the page works at once */
  load_demo (self, FALSE);
}

GtkWidget *
ossp_provision_page_new (void)
{
  return g_object_new (OSSP_TYPE_PROVISION_PAGE, NULL);
}

/* ---- project ---- */

static void
port_selected_cb (OsspProvisionPage *self)
{
  const char *port = selected_id (self->port_dropdown, self->port_ids);
  if (port != NULL && !self->quiet_choice)
    ossp_project_page_store_string (self, "provision.port", port);
}

/* The HSM the project names (set on the HSM page) is the one offered first:
 * its soft-HSM state file, or its PC/SC reader when that reader is here. */
static void
project_load_hsm (OsspProvisionPage *self,
                  OsspProject       *project)
{
  const char *provider = ossp_project_get_string (project, "hsm.provider");
  gboolean pcsc = g_strcmp0 (provider, "pcsc") == 0;
  const char *reader = pcsc ? ossp_project_get_string (project, "hsm.reader") : NULL;
  gint64 slot = pcsc ? ossp_project_get_int (project, "hsm.slot", 0) : 0;
  g_autoptr(GPtrArray) readers = NULL;

  g_clear_pointer (&self->project_hsm_state, g_free);
  if (g_strcmp0 (provider, "simulated") == 0)
    self->project_hsm_state = ossp_project_get_path (project, "hsm.sim_state");
  if (self->busy)
    return;
  refresh_hsms (self);
  if (self->project_hsm_state != NULL)
    {
      select_id (self->hsm_dropdown, self->hsm_ids, "project");
      return;
    }
  readers = ossp_pcsc_list_readers (NULL);
  for (guint i = 0; readers && i < readers->len; i++)
    {
      OsspPcscReader *r = g_ptr_array_index (readers, i);
      if ((reader != NULL && *reader != 0 && g_str_equal (r->name, reader)) ||
          (slot > 0 && r->slot == (guint) slot))
        {
          g_autofree char *id = g_strdup_printf ("pcsc:%u", r->slot);
          select_id (self->hsm_dropdown, self->hsm_ids, id);
          return;
        }
    }
}

static void
project_load (OsspProjectPage *page,
              OsspProject     *project,
              const char      *key)
{
  OsspProvisionPage *self = OSSP_PROVISION_PAGE (page);
  gboolean all = key == NULL;

  /* the payload and firmware a project makes are what it provisions */
  if (all || g_str_equal (key, "provision.payload") || g_str_equal (key, "payload.output"))
    {
      g_autofree char *path = ossp_project_get_path (project, "provision.payload");
      if (path == NULL)
        path = ossp_project_get_path (project, "payload.output");
      if (path != NULL)
        ossp_provision_page_set_payload_file (self, path);
    }
  if (all || g_str_equal (key, "provision.firmware") || g_str_equal (key, "image.output"))
    {
      g_autofree char *path = ossp_project_get_path (project, "provision.firmware");
      if (path == NULL)
        path = ossp_project_get_path (project, "image.output");
      if (path != NULL)
        ossp_provision_page_set_firmware_file (self, path);
    }
  if (all || g_str_has_prefix (key, "hsm."))
    project_load_hsm (self, project);
  if ((all || g_str_equal (key, "provision.port")) && ossp_project_has (project, "provision.port"))
    ossp_provision_page_select_port (self, ossp_project_get_string (project, "provision.port"));
  if (all || g_str_equal (key, "provision.audit_log"))
    {
      g_autofree char *log = ossp_project_get_path (project, "provision.audit_log");
      if (log != NULL && !self->busy)
        {
          g_free (self->audit_path);
          self->audit_path = g_steal_pointer (&log);
          refresh_audit (self);
        }
    }
}

static void
project_page_iface_init (OsspProjectPageInterface *iface)
{
  iface->load = project_load;
}

gboolean
ossp_provision_page_select_port (OsspProvisionPage *self,
                                 const char        *id)
{
  g_return_val_if_fail (OSSP_IS_PROVISION_PAGE (self), FALSE);
  refresh_ports (self);
  return select_id (self->port_dropdown, self->port_ids, id);
}

gboolean
ossp_provision_page_select_hsm (OsspProvisionPage *self,
                                const char        *id)
{
  g_return_val_if_fail (OSSP_IS_PROVISION_PAGE (self), FALSE);
  refresh_hsms (self);
  return select_id (self->hsm_dropdown, self->hsm_ids, id);
}

void
ossp_provision_page_set_sim_baud (OsspProvisionPage *self,
                                  guint              baud)
{
  g_return_if_fail (OSSP_IS_PROVISION_PAGE (self));
  self->sim_baud = baud;
}

gboolean
ossp_provision_page_get_busy (OsspProvisionPage *self)
{
  g_return_val_if_fail (OSSP_IS_PROVISION_PAGE (self), FALSE);
  return self->busy;
}

OsspProvisionResult
ossp_provision_page_get_last_result (OsspProvisionPage *self)
{
  g_return_val_if_fail (OSSP_IS_PROVISION_PAGE (self), OSSP_PROVISION_RESULT_NONE);
  return self->last_result;
}

OsspProvisioner *
ossp_provision_page_get_provisioner (OsspProvisionPage *self)
{
  g_return_val_if_fail (OSSP_IS_PROVISION_PAGE (self), NULL);
  return self->prov;
}
