/* ossp-cli-provision.c — `openssp provision`: live SSP over UART / USB DFU
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One OsspProvisioner per device, all running at once (batch mode), one
 * shared confirmation of the burn plan, one summary.  --port sim starts
 * the built-in simulated board on a pty (the only use of src/sim here,
 * besides the demo's soft-HSM).
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib-unix.h>

#include "ossp-cli.h"
#include "ossp-link.h"
#include "ossp-uart-transport.h"
#include "ossp-pcsc-hsm.h"
#include "ossp-sim-demo.h"
#include "ossp-sim-pty-board.h"

typedef struct _Batch Batch;

typedef struct {
  Batch              *batch;
  char               *port;
  OsspSimPtyBoard    *sim;
  OsspProvisioner    *prov;
  OsspProvisionResult result;
  GError             *error;
  gboolean            done;
  char               *step;
  int                 percent;
} Job;

struct _Batch {
  OsspCli      *cli;
  GPtrArray    *jobs;
  gint          answer;          /* 0 not asked, 1 yes, -1 no */
  char         *how;
  gboolean      show_secrets;
  gboolean      bar;             /* draw a progress bar on stderr */
  guint         n_done;
  GMainLoop    *loop;
  GCancellable *cancel;          /* SIGINT/SIGTERM/SIGHUP */
  guint         n_signals;
};

static void
job_free (Job *job)
{
  g_clear_object (&job->prov);
  g_clear_object (&job->sim);
  g_clear_error (&job->error);
  g_free (job->port);
  g_free (job->step);
  g_free (job);
}

/* ---- output ---- */

static void
emit_json (Batch      *batch,
           JsonObject *event)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autofree char *text = NULL;

  json_node_set_object (node, event);
  json_generator_set_root (gen, node);
  text = json_generator_to_data (gen, NULL);
  /* JSON lines: one event per line, flushed so a pipe sees it at once */
  g_print ("%s\n", text);
  fflush (stdout);
}

static JsonObject *
event_new (Job        *job,
           const char *kind)
{
  JsonObject *o = json_object_new ();

  json_object_set_string_member (o, "event", kind);
  if (job != NULL)
    json_object_set_string_member (o, "device", job->port);
  return o;
}

static void
clear_bar (Batch *batch)
{
  if (batch->bar)
    g_printerr ("\r\033[K");
}

static void
text_line (Job        *job,
           const char *format,
           ...) G_GNUC_PRINTF (2, 3);

static void
text_line (Job        *job,
           const char *format,
           ...)
{
  Batch *batch = job->batch;
  g_autofree char *msg = NULL;
  va_list args;

  if (batch->cli->quiet)
    return;
  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  clear_bar (batch);
  if (batch->jobs->len > 1)
    g_print ("[%s] %s\n", job->port, msg);
  else
    g_print ("%s\n", msg);
  fflush (stdout);
}

static void
draw_bar (Job *job)
{
  OsspProgress *p = ossp_provisioner_get_progress (job->prov);
  g_autofree char *title = ossp_progress_dup_step_title (p);
  double f = ossp_progress_get_fraction (p);
  char bar[31];
  guint filled = (guint) (f * 30.0 + 0.5);

  for (guint i = 0; i < 30; i++)
    bar[i] = i < filled ? '#' : '.';
  bar[30] = '\0';
  g_printerr ("\r\033[K[%s] %3d%% %s", bar, (int) (f * 100.0), title ? title : "");
}

/* Every step a run enters is said once, even a step a fast run left before
 * the main loop turned (the progress "step-started" signal is not coalesced):
 * production scripts and the fault matrix act on these events. */
static void
step_started_cb (OsspProgress *progress,
                 const char   *step,
                 const char   *title,
                 Job          *job)
{
  Batch *batch = job->batch;

  g_free (job->step);
  job->step = g_strdup (step);
  job->percent = (int) (ossp_progress_get_fraction (progress) * 100.0);
  if (batch->cli->json)
    {
      g_autoptr(JsonObject) o = event_new (job, "progress");
      json_object_set_string_member (o, "step", step);
      json_object_set_string_member (o, "title", title);
      json_object_set_double_member (o, "fraction", ossp_progress_get_fraction (progress));
      emit_json (batch, o);
    }
  else if (batch->bar)
    draw_bar (job);
  else
    text_line (job, "… %s", title);
}

/* Progress inside a step: a JSON event every 5 %, the bar at every change. */
static void
progress_cb (OsspProgress *progress,
             Job          *job)
{
  Batch *batch = job->batch;
  int percent = (int) (ossp_progress_get_fraction (progress) * 100.0);

  if (batch->bar)
    draw_bar (job);
  if (!batch->cli->json || job->step == NULL || (percent < job->percent + 5 && percent != 100) ||
      percent == job->percent)
    return;
  job->percent = percent;
  {
    g_autoptr(JsonObject) o = event_new (job, "progress");
    g_autofree char *title = ossp_progress_dup_step_title (progress);
    json_object_set_string_member (o, "step", job->step);
    json_object_set_string_member (o, "title", title ? title : "");
    json_object_set_double_member (o, "fraction", ossp_progress_get_fraction (progress));
    emit_json (batch, o);
  }
}

static void
log_cb (OsspProvisioner *prov,
        const char      *message,
        Job             *job)
{
  if (job->batch->cli->json)
    {
      g_autoptr(JsonObject) o = event_new (job, "log");
      json_object_set_string_member (o, "message", message);
      emit_json (job->batch, o);
    }
  else
    text_line (job, "%s", message);
}

static void
check_cb (OsspProvisioner *prov,
          const char      *id,
          const char      *status,
          const char      *message,
          Job             *job)
{
  if (job->batch->cli->json)
    {
      g_autoptr(JsonObject) o = event_new (job, "check");
      json_object_set_string_member (o, "id", id);
      json_object_set_string_member (o, "status", status);
      json_object_set_string_member (o, "message", message);
      emit_json (job->batch, o);
    }
  else
    text_line (job, "  %s %-22s %s",
               g_str_equal (status, "pass") ? "ok  " : g_str_equal (status, "fail") ? "FAIL" : "warn",
               id, message);
}

static void
show_plan (Batch        *batch,
           Job          *job,
           OsspBurnPlan *plan)
{
  if (batch->cli->json)
    {
      g_autoptr(JsonObject) o = event_new (job, "plan");
      g_autofree char *summary = ossp_burn_plan_dup_summary (plan);
      json_object_set_string_member (o, "summary", summary);
      json_object_set_member (o, "plan", ossp_burn_plan_to_json (plan, batch->show_secrets));
      emit_json (batch, o);
    }
  else
    {
      g_autofree char *text = ossp_burn_plan_to_text (plan, batch->show_secrets);
      g_autofree char *summary = ossp_burn_plan_dup_summary (plan);
      clear_bar (batch);
      /* the plan goes where the question is asked: stderr stays free for
       * the bar, so print it on stdout like every other report */
      g_print ("\n%s%s\n\n", text, summary);
      fflush (stdout);
    }
}

/* One answer for the whole batch: the plan is the same for every chip. */
static void
confirm_cb (OsspProvisioner *prov,
            OsspBurnPlan    *plan,
            gpointer         user_data)
{
  Job *job = user_data;
  Batch *batch = job->batch;
  g_autoptr(GError) error = NULL;
  g_autofree char *question = NULL;

  if (batch->answer == 0)
    {
      show_plan (batch, job, plan);
      question = g_strdup_printf ("Burn and close %u chip%s as planned above (irreversible)",
                                  batch->jobs->len, batch->jobs->len == 1 ? "" : "s");
      struct sigaction dfl = { .sa_handler = SIG_DFL }, old_int;
      gboolean yes;

      /* nothing is spent before the answer: Ctrl-C at the prompt just ends
       * the program (the cancel handler could not interrupt the read) */
      sigemptyset (&dfl.sa_mask);
      sigaction (SIGINT, &dfl, &old_int);
      yes = ossp_cli_confirm (batch->cli, question, ossp_burn_plan_get_confirm_word (plan), &error);
      sigaction (SIGINT, &old_int, NULL);
      if (yes)
        {
          batch->answer = 1;
          batch->how = g_strdup (batch->cli->yes ? "yes-flag" : "typed");
        }
      else
        {
          batch->answer = -1;
          batch->how = g_strdup (error->message);
        }
    }
  ossp_provisioner_confirm (prov, batch->answer > 0, batch->answer > 0 ? batch->how : "refused");
}

static void
done_cb (GObject      *source,
         GAsyncResult *res,
         gpointer      user_data)
{
  Job *job = user_data;
  Batch *batch = job->batch;

  job->result = ossp_provisioner_run_finish (job->prov, res, &job->error);
  job->done = TRUE;
  clear_bar (batch);
  if (batch->cli->json)
    {
      g_autoptr(JsonObject) o = event_new (job, "result");
      JsonObject *record = ossp_provisioner_get_record (job->prov);
      json_object_set_string_member (o, "result", ossp_provision_result_to_string (job->result));
      if (job->error)
        {
          JsonObject *e = json_object_new ();
          json_object_set_string_member (e, "code", ossp_error_code_to_name (job->error->code));
          json_object_set_int_member (e, "exit_code", ossp_error_exit_code (job->error));
          json_object_set_string_member (e, "message", job->error->message);
          json_object_set_object_member (o, "error", e);
        }
      if (record)
        json_object_set_object_member (o, "record", json_object_ref (record));
      if (OSSP_IS_UART_TRANSPORT (ossp_provisioner_get_transport (job->prov)))
        {
          /* bytes that crossed the line, for wire-time figures (bench/) */
          JsonObject *w = json_object_new ();
          guint64 tx = 0, rx = 0;
          ossp_uart_transport_get_byte_counts (OSSP_UART_TRANSPORT (ossp_provisioner_get_transport (job->prov)),
                                               &tx, &rx);
          json_object_set_int_member (w, "tx", (gint64) tx);
          json_object_set_int_member (w, "rx", (gint64) rx);
          json_object_set_object_member (o, "wire_bytes", w);
        }
      emit_json (batch, o);
    }
  else if (job->error)
    text_line (job, "%s: %s", ossp_provision_result_to_string (job->result), job->error->message);
  else
    text_line (job, "%s%s%s", ossp_provision_result_to_string (job->result),
               ossp_provisioner_get_product_id (job->prov) ? ": chip " : "",
               ossp_provisioner_get_product_id (job->prov) ? ossp_provisioner_get_product_id (job->prov) : "");
  if (++batch->n_done == batch->jobs->len)
    g_main_loop_quit (batch->loop);
}

/* Ctrl-C (or a kill) cancels every run the way the page's Cancel does:
 * nothing is cut off mid-step, a chip that already has its license finishes
 * boot 3, and every device still gets its audit record (docs/provision.md). */
static gboolean
signal_cb (gpointer data)
{
  Batch *batch = data;

  if (batch->n_signals++ == 0)
    g_printerr ("\nopenssp: cancelling; a chip that already has its license finishes boot 3 "
                "first, then each device's audit record is written\n");
  else
    g_printerr ("\nopenssp: still cancelling (waits are bounded); the audit record comes "
                "before the exit\n");
  g_cancellable_cancel (batch->cancel);
  return G_SOURCE_CONTINUE;
}

/* ---- inputs ---- */

/* CubeProgrammer spelling: -c port=usb1 [br=115200] -ssp FILE FW hsm=1 slot=1 */
static GPtrArray *
translate_cubeprogrammer (OsspCli  *cli,
                          int       argc,
                          char    **argv)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);

  for (int i = 0; i < argc; i++)
    {
      const char *a = argv[i];
      if ((g_str_equal (a, "-c") || g_str_equal (a, "--connect")) && i + 1 < argc)
        {
          /* the next words are key=value settings of the connection */
          while (i + 1 < argc && strchr (argv[i + 1], '=') != NULL && argv[i + 1][0] != '-')
            {
              const char *kv = argv[++i];
              if (g_ascii_strncasecmp (kv, "port=", 5) == 0)
                {
                  g_ptr_array_add (out, g_strdup ("--port"));
                  g_ptr_array_add (out, g_strdup (kv + 5));
                }
              else if (g_ascii_strncasecmp (kv, "br=", 3) == 0)
                {
                  g_ptr_array_add (out, g_strdup ("--baud"));
                  g_ptr_array_add (out, g_strdup (kv + 3));
                }
              else
                ossp_cli_warn (cli, "connection setting \"%s\" ignored", kv);
            }
        }
      else if (g_str_equal (a, "-ssp") && i + 2 < argc)
        {
          g_ptr_array_add (out, g_strdup ("--ssp"));
          g_ptr_array_add (out, g_strdup (argv[++i]));
          g_ptr_array_add (out, g_strdup ("--firmware"));
          g_ptr_array_add (out, g_strdup (argv[++i]));
        }
      else if (g_ascii_strncasecmp (a, "hsm=", 4) == 0)
        {
          if (!g_str_equal (a + 4, "0"))
            g_ptr_array_add (out, g_strdup ("--hsm=pcsc"));
        }
      else if (g_ascii_strncasecmp (a, "slot=", 5) == 0)
        {
          g_ptr_array_add (out, g_strdup ("--hsm-slot"));
          g_ptr_array_add (out, g_strdup (a + 5));
        }
      else
        g_ptr_array_add (out, g_strdup (a));
    }
  g_ptr_array_add (out, NULL);
  return out;
}

typedef struct {
  char     **ports;
  gboolean   all_devices_flag;
  char      *devices;
  char      *ssp;
  char      *firmware;
  char      *hsm;
  char      *hsm_reader;
  gint       hsm_slot;
  char      *hsm_sim;
  char      *license_command;
  char      *audit;
  char      *key;
  char      *nonce;
  gboolean   show_secrets;
  gboolean   no_verify;
  gboolean   preflight_only;
  gboolean   demo;
  char      *demo_dir;
  char      *chip;
  gint       baud;
  gint       sim_boards;
  gint       sim_baud;
  char     **sim_faults;
  char      *sim_state;
} Options;

static void
options_clear (Options *o)
{
  g_strfreev (o->ports);
  g_free (o->devices);
  g_free (o->ssp);
  g_free (o->firmware);
  g_free (o->hsm);
  g_free (o->hsm_reader);
  g_free (o->hsm_sim);
  g_free (o->license_command);
  g_free (o->audit);
  g_free (o->key);
  g_free (o->nonce);
  g_free (o->demo_dir);
  g_free (o->chip);
  g_strfreev (o->sim_faults);
  g_free (o->sim_state);
}

/* --hsm pcsc[:READER|:SLOT] | sim:STATE | cmd:COMMAND, or the separate
 * --hsm-reader/--hsm-slot/--hsm-sim/--license-command options. */
static OsspHsm *
make_hsm (Options   *o,
          OsspDemo  *demo,
          char     **out_label,
          GError   **error)
{
  const char *spec = o->hsm;
  g_autofree char *built = NULL;

  if (spec == NULL)
    {
      if (o->hsm_sim)
        spec = built = g_strconcat ("sim:", o->hsm_sim, NULL);
      else if (o->license_command)
        spec = built = g_strconcat ("cmd:", o->license_command, NULL);
      else if (o->hsm_reader)
        spec = built = g_strconcat ("pcsc:", o->hsm_reader, NULL);
      else if (o->hsm_slot > 0)
        spec = built = g_strdup_printf ("pcsc:%d", o->hsm_slot);
    }
  if (spec == NULL)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "No HSM given: use --hsm pcsc[:SLOT|:READER], --hsm sim:STATE or "
                   "--hsm cmd:COMMAND (CubeProgrammer: hsm=1 slot=N)");
      return NULL;
    }
  *out_label = g_strdup (spec);
  if (g_str_equal (spec, "pcsc") || g_str_has_prefix (spec, "pcsc:"))
    {
      const char *arg = spec[4] == ':' ? spec + 5 : NULL;
      guint64 slot = 0;
      if (arg == NULL && o->hsm_slot > 0)
        slot = (guint64) o->hsm_slot;
      if (arg != NULL && g_ascii_string_to_unsigned (arg, 10, 1, 64, &slot, NULL))
        arg = NULL;
      if (slot > 0)
        {
          g_free (*out_label);
          *out_label = g_strdup_printf ("pcsc:slot %u", (guint) slot);
        }
      return OSSP_HSM (ossp_pcsc_hsm_new (arg ? arg : o->hsm_reader, (guint) slot));
    }
  if (g_str_has_prefix (spec, "sim:") && spec[4] != '\0')
    {
      if (demo != NULL)
        return OSSP_HSM (ossp_sim_demo_hsm_ensure (spec + 4, demo, 1000, error));
      if (!g_file_test (spec + 4, G_FILE_TEST_EXISTS))
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_NOT_FOUND,
                       "No soft-HSM card state at %s; create and provision one with "
                       "'openssp hsm' or run with --demo", spec + 4);
          return NULL;
        }
      return OSSP_HSM (ossp_sim_hsm_new_for_state (spec + 4, error));
    }
  if (g_str_has_prefix (spec, "cmd:") && spec[4] != '\0')
    return OSSP_HSM (ossp_hsm_external_new_from_command_line (spec + 4,
                                                             OSSP_HSM_EXTERNAL_DEFAULT_TIMEOUT_MS,
                                                             error));
  g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
               "HSM \"%s\" is not understood; use pcsc, pcsc:SLOT, pcsc:READER, sim:STATE or "
               "cmd:COMMAND", spec);
  return NULL;
}

static OsspPayload *
load_payload (Options  *o,
              GError  **error)
{
  g_autoptr(OsspPayload) payload = ossp_payload_new_from_file (o->ssp, error);

  if (payload == NULL)
    return NULL;
  if ((o->key != NULL) != (o->nonce != NULL))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "--key and --nonce go together (they decrypt the payload to show every "
                   "value in the burn plan)");
      return NULL;
    }
  if (o->key != NULL &&
      (!ossp_payload_load_key (payload, o->key, error) ||
       !ossp_payload_load_nonce (payload, o->nonce, error) ||
       !ossp_payload_decrypt (payload, error)))
    return NULL;
  return g_steal_pointer (&payload);
}

static Job *
add_job (Batch      *batch,
         const char *port)
{
  Job *job = g_new0 (Job, 1);

  job->batch = batch;
  job->port = g_strdup (port);
  job->percent = -100;
  g_ptr_array_add (batch->jobs, job);
  return job;
}

/* A simulated board for --port sim[:STATE]: the payload's chip. */
static gboolean
start_sim (Job        *job,
           Options    *o,
           OsspChip   *chip,
           const char *state,
           GError    **error)
{
  OsspSimUartOptions uo;

  job->sim = ossp_sim_pty_board_new (ossp_chip_get_id (chip), state, NULL, error);
  if (job->sim == NULL)
    return FALSE;
  for (guint i = 0; o->sim_faults && o->sim_faults[i]; i++)
    if (!ossp_sim_pty_board_add_fault (job->sim, o->sim_faults[i], error))
      return FALSE;
  ossp_sim_uart_options_init (&uo);
  uo.baud = o->sim_baud >= 0 ? (guint) o->sim_baud : 115200;
  ossp_sim_pty_board_set_uart_options (job->sim, &uo);
  if (!ossp_sim_pty_board_start (job->sim, error))
    return FALSE;
  g_free (job->port);
  job->port = g_strdup_printf ("sim:%s", ossp_sim_pty_board_get_path (job->sim));
  return TRUE;
}

static gboolean
expand_ports (Batch    *batch,
              Options  *o,
              OsspChip *chip,
              GError  **error)
{
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
  g_auto(GStrv) ports = NULL;

  for (guint i = 0; o->ports && o->ports[i]; i++)
    g_strv_builder_add (b, o->ports[i]);
  if (o->devices != NULL)
    {
      g_auto(GStrv) found = NULL;
      if (!g_str_equal (o->devices, "all"))
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                       "--devices takes \"all\" (every serial port and USB DFU device found)");
          return FALSE;
        }
      found = ossp_link_list_ports (NULL);
      for (guint i = 0; found[i]; i++)
        g_strv_builder_add (b, found[i]);
    }
  ports = g_strv_builder_end (b);
  if (ports[0] == NULL)
    {
      if (o->demo)
        {
          g_strfreev (ports);
          ports = g_strsplit ("sim", ",", -1);
        }
      else
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                       "No device: give --port (usb1, usb:BUS-PORT, uart:/dev/ttyUSB0, sim) or "
                       "--devices all");
          return FALSE;
        }
    }
  for (guint i = 0; ports[i]; i++)
    {
      const char *port = ports[i];
      if (g_str_equal (port, "sim") || g_str_has_prefix (port, "sim:"))
        {
          guint n = g_str_equal (port, "sim") && o->sim_boards > 1 ? (guint) o->sim_boards : 1;
          for (guint k = 0; k < n; k++)
            {
              Job *job = add_job (batch, port);
              if (!start_sim (job, o, chip, port[3] == ':' ? port + 4 : o->sim_state, error))
                return FALSE;
            }
        }
      else
        add_job (batch, port);
    }
  return TRUE;
}

static OsspTransport *
make_transport (Job      *job,
                Options  *o,
                GError  **error)
{
  OsspTransport *t;

  if (job->sim != NULL)
    return OSSP_TRANSPORT (ossp_uart_transport_new (ossp_sim_pty_board_get_path (job->sim)));
  t = ossp_link_transport_new (job->port, error);
  if (t != NULL && o->baud > 0 && OSSP_IS_UART_TRANSPORT (t))
    ossp_uart_transport_set_baudrate (OSSP_UART_TRANSPORT (t), (guint) o->baud);
  return t;
}

static int
summary (Batch *batch)
{
  guint provisioned = 0;
  int exit_code = OSSP_EXIT_OK;

  for (guint i = 0; i < batch->jobs->len; i++)
    {
      Job *job = g_ptr_array_index (batch->jobs, i);
      if (job->result == OSSP_PROVISION_RESULT_PROVISIONED)
        provisioned++;
      if (job->error != NULL && exit_code == OSSP_EXIT_OK)
        exit_code = ossp_error_exit_code (job->error);
    }
  if (batch->cli->json)
    {
      g_autoptr(JsonObject) o = event_new (NULL, "summary");
      JsonArray *arr = json_array_new ();
      json_object_set_int_member (o, "devices", batch->jobs->len);
      json_object_set_int_member (o, "provisioned", provisioned);
      json_object_set_int_member (o, "exit_code", exit_code);
      for (guint i = 0; i < batch->jobs->len; i++)
        {
          Job *job = g_ptr_array_index (batch->jobs, i);
          JsonObject *d = json_object_new ();
          json_object_set_string_member (d, "device", job->port);
          json_object_set_string_member (d, "result", ossp_provision_result_to_string (job->result));
          if (ossp_provisioner_get_product_id (job->prov))
            json_object_set_string_member (d, "product_id", ossp_provisioner_get_product_id (job->prov));
          json_array_add_object_element (arr, d);
        }
      json_object_set_array_member (o, "results", arr);
      emit_json (batch, o);
    }
  else if (batch->jobs->len > 1)
    {
      g_print ("\nSummary: %u of %u chips provisioned\n", provisioned, batch->jobs->len);
      for (guint i = 0; i < batch->jobs->len; i++)
        {
          Job *job = g_ptr_array_index (batch->jobs, i);
          g_print ("  %-24s %-10s %s\n", job->port,
                   ossp_provisioner_get_product_id (job->prov) ? ossp_provisioner_get_product_id (job->prov) : "-",
                   ossp_provision_result_to_string (job->result));
        }
    }
  return exit_code;
}

int
ossp_cli_provision (OsspCli *cli, int argc, char **argv)
{
  Options o = { 0 };
  GOptionEntry entries[] = {
    { "port", 'p', 0, G_OPTION_ARG_STRING_ARRAY, &o.ports,
      "Device: usb1, usb:N, usb:BUS-PORT, uart:/dev/ttyUSB0, a /dev path, sim, sim:STATE (repeat for a batch)", "PORT" },
    { "devices", 0, 0, G_OPTION_ARG_STRING, &o.devices, "\"all\": every serial port and USB DFU device found", "all" },
    { "ssp", 0, 0, G_OPTION_ARG_FILENAME, &o.ssp, "The encrypted payload (.ssp)", "FILE" },
    { "firmware", 0, 0, G_OPTION_ARG_FILENAME, &o.firmware, "The signed SSP firmware (tf-a-ssp*.stm32)", "FILE" },
    { "fw", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &o.firmware, NULL, NULL },
    { "hsm", 0, 0, G_OPTION_ARG_STRING, &o.hsm, "License provider: pcsc[:SLOT|:READER], sim:STATE, cmd:COMMAND", "SPEC" },
    { "hsm-reader", 0, 0, G_OPTION_ARG_STRING, &o.hsm_reader, "PC/SC reader holding the HSM (name or part of it)", "NAME" },
    { "hsm-slot", 0, 0, G_OPTION_ARG_INT, &o.hsm_slot, "PC/SC reader number, from 1 (CubeProgrammer slot=)", "N" },
    { "hsm-sim", 0, 0, G_OPTION_ARG_FILENAME, &o.hsm_sim, "Soft-HSM card state file", "STATE" },
    { "license-command", 0, 0, G_OPTION_ARG_STRING, &o.license_command, "External license command (certificate on stdin, license on stdout)", "CMD" },
    { "audit", 0, 0, G_OPTION_ARG_FILENAME, &o.audit, "Append one hash-chained record per device to this log", "FILE" },
    { "audit-log", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &o.audit, NULL, NULL },
    { "key", 0, 0, G_OPTION_ARG_FILENAME, &o.key, "OEM key: decrypt the payload to show every value in the plan", "FILE" },
    { "nonce", 0, 0, G_OPTION_ARG_FILENAME, &o.nonce, "OEM nonce (with --key)", "FILE" },
    { "show-secrets", 0, 0, G_OPTION_ARG_NONE, &o.show_secrets, "Show secret values in the plan (with --key/--nonce)", NULL },
    { "no-verify", 0, 0, G_OPTION_ARG_NONE, &o.no_verify, "Skip the 4th boot that proves SSP_SUCCESS is set", NULL },
    { "preflight-only", 0, 0, G_OPTION_ARG_NONE, &o.preflight_only, "Run the checks, burn nothing, spend no license", NULL },
    { "baud", 0, 0, G_OPTION_ARG_INT, &o.baud, "UART baud rate (default 115200)", "RATE" },
    { "demo", 0, 0, G_OPTION_ARG_NONE, &o.demo, "Use the example set-up (test keys, payload, firmware, soft-HSM, simulated board)", NULL },
    { "demo-dir", 0, 0, G_OPTION_ARG_FILENAME, &o.demo_dir, "Where the example set-up lives (default ~/.local/share/openssp/demo)", "DIR" },
    { "chip", 0, 0, G_OPTION_ARG_STRING, &o.chip, "With --demo: stm32mp15 (default) or stm32mp13", "CHIP" },
    { "sim-boards", 0, 0, G_OPTION_ARG_INT, &o.sim_boards, "With --port sim: this many simulated boards at once", "N" },
    { "sim-baud", 0, 0, G_OPTION_ARG_INT, &o.sim_baud, "Simulated line speed, 0 = as fast as possible (default 115200)", "RATE" },
    { "sim-fault", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.sim_faults, "Inject a simulator fault (docs/simulator.md)", "SPEC" },
    { "sim-state", 0, 0, G_OPTION_ARG_FILENAME, &o.sim_state, "Keep the simulated board in this state file", "FILE" },
    { NULL }
  };
  g_autoptr(GPtrArray) args = translate_cubeprogrammer (cli, argc, argv);
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspDemo) demo = NULL;
  g_autoptr(OsspPayload) payload = NULL;
  g_autoptr(GBytes) firmware = NULL;
  g_autoptr(OsspHsm) hsm = NULL;
  g_autoptr(OsspAuditLog) audit = NULL;
  g_autofree char *hsm_label = NULL;
  Batch batch = { 0 };
  int n_args = (int) args->len - 1;
  /* GOption drops the words it parses from this vector without freeing them:
   * parse a copy of the pointers, args keeps owning every string */
  g_autofree char **args_v = g_memdup2 (args->pdata, args->len * sizeof (char *));
  int exit_code;

  /* a closed pipe on our output (| head) must not kill a chip mid-burn */
  signal (SIGPIPE, SIG_IGN);
  o.hsm_slot = 0;
  o.sim_baud = -1;
  if (!ossp_cli_parse_options (cli, "provision", "",
                               "Provision chips over UART or USB DFU: send the SSP firmware, read "
                               "each chip's certificate, get its license from the HSM, send "
                               "license ‖ payload, and check the chip ends secure-closed.\n"
                               "Also accepts: -c port=usb1 -ssp FILE.ssp FW.stm32 hsm=1 slot=1\n"
                               "Exit codes: 0 all provisioned; otherwise the first failure's "
                               "(docs/provision.md).", entries, &n_args, &args_v, &exit_code))
    {
      options_clear (&o);
      return exit_code;
    }
  if (n_args > 1)
    {
      options_clear (&o);
      return ossp_cli_usage_error (cli, "Unexpected argument \"%s\"", args_v[1]);
    }

  batch.cli = cli;
  batch.jobs = g_ptr_array_new_with_free_func ((GDestroyNotify) job_free);
  batch.show_secrets = o.show_secrets;

  if (o.demo)
    {
      g_autofree char *dir = o.demo_dir ? g_strdup (o.demo_dir)
                                        : g_build_filename (g_get_user_data_dir (), "openssp",
                                                            "demo", NULL);
      demo = ossp_demo_ensure (dir, o.chip ? o.chip : "stm32mp15", &error);
      if (demo == NULL)
        goto fail;
      if (o.ssp == NULL)
        o.ssp = g_strdup (demo->payload);
      if (o.firmware == NULL)
        o.firmware = g_strdup (demo->firmware);
      if (o.audit == NULL)
        o.audit = g_build_filename (dir, "audit.jsonl", NULL);
      /* the demo knows its key and nonce: show every value in the plan */
      if (o.key == NULL && o.nonce == NULL)
        {
          o.key = g_strdup (demo->oem_key);
          o.nonce = g_strdup (demo->oem_nonce);
        }
      if (o.hsm == NULL && o.hsm_sim == NULL && o.license_command == NULL &&
          o.hsm_reader == NULL && o.hsm_slot == 0)
        o.hsm = g_strconcat ("sim:", dir, G_DIR_SEPARATOR_S, "hsm.json", NULL);
    }
  if (o.ssp == NULL || o.firmware == NULL)
    {
      options_clear (&o);
      g_ptr_array_unref (batch.jobs);
      return ossp_cli_usage_error (cli, "Give the payload (--ssp FILE) and the SSP firmware "
                                        "(--firmware FILE), or --demo");
    }
  payload = load_payload (&o, &error);
  if (payload == NULL)
    goto fail;
  firmware = ossp_file_read_bytes (o.firmware, 16 * 1024 * 1024, &error);
  if (firmware == NULL)
    goto fail;
  hsm = make_hsm (&o, demo, &hsm_label, &error);
  if (hsm == NULL)
    goto fail;
  if (o.audit)
    audit = ossp_audit_log_new (o.audit);
  if (!expand_ports (&batch, &o, ossp_payload_get_chip (payload), &error))
    goto fail;

  batch.bar = !cli->json && !cli->quiet && batch.jobs->len == 1 && isatty (STDERR_FILENO);
  batch.loop = g_main_loop_new (NULL, FALSE);
  if (cli->yes)
    {
      g_autoptr(OsspBurnPlan) plan = ossp_burn_plan_new (payload, &error);
      if (plan == NULL)
        goto fail;
      /* the plan is shown even when confirmed in advance: it is the record
       * of what the operator agreed to */
      show_plan (&batch, NULL, plan);
    }
  for (guint i = 0; i < batch.jobs->len; i++)
    {
      Job *job = g_ptr_array_index (batch.jobs, i);
      g_autoptr(OsspTransport) t = make_transport (job, &o, &error);
      if (t == NULL)
        goto fail;
      job->prov = ossp_provisioner_new (t, hsm);
      ossp_provisioner_set_payload (job->prov, payload);
      ossp_provisioner_set_firmware (job->prov, firmware, o.firmware);
      ossp_provisioner_set_hsm_label (job->prov, hsm_label);
      ossp_provisioner_set_audit_log (job->prov, audit);
      ossp_provisioner_set_verify (job->prov, !o.no_verify);
      ossp_provisioner_set_preflight_only (job->prov, o.preflight_only);
      if (cli->yes)
        ossp_provisioner_set_confirmed (job->prov, "yes-flag");
      else
        ossp_provisioner_set_confirm_func (job->prov, confirm_cb, job, NULL);
      g_signal_connect (ossp_provisioner_get_progress (job->prov), "step-started",
                        G_CALLBACK (step_started_cb), job);
      g_signal_connect (ossp_provisioner_get_progress (job->prov), "changed",
                        G_CALLBACK (progress_cb), job);
      g_signal_connect (job->prov, "log", G_CALLBACK (log_cb), job);
      g_signal_connect (job->prov, "check", G_CALLBACK (check_cb), job);
    }
  batch.cancel = g_cancellable_new ();
  {
    guint sources[3] = {
      g_unix_signal_add (SIGINT, signal_cb, &batch),
      g_unix_signal_add (SIGTERM, signal_cb, &batch),
      g_unix_signal_add (SIGHUP, signal_cb, &batch),
    };
    for (guint i = 0; i < batch.jobs->len; i++)
      {
        Job *job = g_ptr_array_index (batch.jobs, i);
        ossp_provisioner_run_async (job->prov, batch.cancel, done_cb, job);
      }
    g_main_loop_run (batch.loop);
    for (guint i = 0; i < G_N_ELEMENTS (sources); i++)
      g_source_remove (sources[i]);
  }
  g_clear_object (&batch.cancel);
  exit_code = summary (&batch);
  g_main_loop_unref (batch.loop);
  g_ptr_array_unref (batch.jobs);
  g_free (batch.how);
  options_clear (&o);
  return exit_code;

fail:
  g_clear_pointer (&batch.loop, g_main_loop_unref);
  g_ptr_array_unref (batch.jobs);
  g_free (batch.how);
  options_clear (&o);
  return ossp_cli_fail (cli, error);
}
