/* test-fault-matrix.c — every fault × both transports, observed as the
 * factory would see it; writes the table of docs/reliability.md
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Real parts only: the product's OsspProvisioner over the UART transport
 * (the chip simulator on a real pty) and over the USB DFU transport (real
 * libusb, the simulator's DFU model behind umockdev — this program runs
 * under umockdev-wrapper), the soft-HSM in process or as a PC/SC card
 * behind a private pcscd + vpcd (pulled out of the reader for "HSM
 * removed"), the audit log on a tiny tmpfs in a private mount namespace
 * (a real full disk), and `openssp provision` itself for SIGINT on UART.
 *
 * For each cell it records the error shown, the chip's state (read from the
 * simulator afterwards), the license accounting (the HSM's own counter
 * against the audit log) and the audit line, and it fails on either of the
 * two forbidden outcomes: a license gone from the HSM that no audit record
 * accounts for, and a chip with burnt words (or SSP started) but no record.
 *
 * OSSP_RELIABILITY_DOC=docs/reliability.md also writes the document there
 * (build/tests/reliability.md always).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "ossp-provision-test-helper.h"
#include "ossp-dfu-transport.h"
#include "ossp-pcsc-hsm.h"
#include "ossp-sim-demo.h"
#include "ossp-sim-otp.h"
#include "ossp-test-usb-board.h"
#include "ossp-sim-vpcd.h"
#include "ossp-test-pcscd.h"

typedef enum { T_UART, T_USB, N_T } Tk;
static const char *tk_name[N_T] = { "UART", "USB DFU" };

typedef enum { HSM_SIM, HSM_PCSC } HsmMode;
typedef enum { DISK_OK, DISK_FULL_BEFORE, DISK_FILLS_DURING } DiskMode;

typedef struct {
  const char *group;
  char       *name;
  char       *fault[N_T];       /* simulator fault spec per transport, or NULL */
  HsmMode     hsm;
  gint        pull_card;        /* PC/SC: pull the card at APDU k (>0), or -1: no card at all */
  guint32     licenses;         /* 0: 100 */
  DiskMode    disk;
  const char *cancel_step;      /* cancel (UART: SIGINT to the CLI) when this step begins */
  const char *expect_stage;     /* the audit record must end there (NULL: any) */
} Row;

typedef struct {
  char *fault;
  char *transport;
  char *error;
  char *chip;
  char *license;
  char *audit;
  char *verdict;
  gboolean bad;
  gboolean noted;
} Cell;

/* steps of a clean run where a fault can land (docs/simulator.md §5) */
typedef struct {
  guint boot1_dl, boot2_dl, fsbl2_first, fsbl2_last, boot3_dl, boot4_dl;
  guint plan_words;             /* words a clean run burns (beside SSP bits) */
  guint apdus;                  /* PC/SC command APDUs of a clean run */
} Landmarks;

static char *top;
static OsspDemo *demo;
static char *tmpfs_dir;         /* small private tmpfs, or NULL */
static char *tmpfs_why;
static OsspTestPcscd *pcscd;
static char *pcscd_why;
static Landmarks lm[N_T];
static GPtrArray *cells;

/* ---- one bench: a board on one transport, an HSM, an audit log ---------- */

typedef struct {
  Tk                tk;
  char             *dir;
  char             *audit_path;
  char             *hsm_state;
  OsspHsm          *hsm;
  /* PC/SC card served in this process */
  OsspSimHsmCard   *card;
  OsspSimVpcd      *vpcd;
  GThread          *vpcd_thread;
  GCancellable     *vpcd_cancel;
  /* UART */
  OsspSimPtyBoard  *pty;
  char             *board_state;
  /* USB */
  OsspTestUsbBoard  usb;
} Bench;

static gpointer
vpcd_thread (gpointer data)
{
  Bench *b = data;
  g_autoptr(GError) error = NULL;

  ossp_sim_vpcd_serve_forever (b->vpcd, NULL, NULL, b->vpcd_cancel, &error);
  return NULL;
}

static Bench *
bench_new (Tk tk, const char *fault, const Row *row, gboolean trace)
{
  g_autoptr(GError) error = NULL;
  Bench *b = g_new0 (Bench, 1);
  static guint n;
  OsspSimFactoryOptions fo;

  b->tk = tk;
  b->dir = g_strdup_printf ("%s/cell-%u", top, ++n);
  g_assert_cmpint (g_mkdir (b->dir, 0700), ==, 0);
  if (row && row->disk != DISK_OK)
    {
      g_autofree char *sub = g_strdup_printf ("%s/cell-%u", tmpfs_dir, n);
      g_assert_cmpint (g_mkdir (sub, 0700), ==, 0);
      b->audit_path = g_build_filename (sub, "audit.jsonl", NULL);
    }
  else
    b->audit_path = g_build_filename (b->dir, "audit.jsonl", NULL);

  /* the HSM */
  b->hsm_state = g_build_filename (b->dir, "hsm.json", NULL);
  {
    g_autoptr(OsspSimHsm) made = ossp_sim_demo_hsm_ensure (b->hsm_state, demo,
                                                           row && row->licenses ? row->licenses : 100,
                                                           &error);
    g_assert_no_error (error);
    if (row == NULL || row->hsm == HSM_SIM)
      b->hsm = OSSP_HSM (g_steal_pointer (&made));
  }
  if (row && row->hsm == HSM_PCSC)
    {
      b->card = ossp_sim_hsm_card_new (b->hsm_state, &error);
      g_assert_no_error (error);
      if (row->pull_card >= 0)
        {
          b->vpcd = ossp_sim_vpcd_new (b->card, "127.0.0.1", ossp_test_pcscd_get_port (pcscd));
          if (row->pull_card > 0)
            ossp_sim_vpcd_set_fail_after (b->vpcd, (guint) row->pull_card);
          b->vpcd_cancel = g_cancellable_new ();
          b->vpcd_thread = g_thread_new ("vpcd", vpcd_thread, b);
          g_assert_true (ossp_test_pcscd_wait_card (pcscd, TRUE, 10000));
        }
      b->hsm = OSSP_HSM (ossp_pcsc_hsm_new (NULL, 1));
    }

  /* the board */
  ossp_sim_factory_options_init (&fo);
  if (tk == T_UART)
    {
      OsspSimUartOptions uo;
      b->board_state = g_build_filename (b->dir, "board.json", NULL);
      if (trace)
        g_setenv ("OSSP_SIM_TRACE", "1", TRUE);
      b->pty = ossp_sim_pty_board_new ("stm32mp15", b->board_state, &fo, &error);
      g_unsetenv ("OSSP_SIM_TRACE");
      g_assert_no_error (error);
      if (fault)
        g_assert_true (ossp_sim_pty_board_add_fault (b->pty, fault, NULL));
      ossp_sim_uart_options_init (&uo);
      uo.baud = 0;
      uo.byte_timeout_ms = 500;   /* a loaded test machine (docs/simulator.md) */
      uo.halt_reset_ms = 300;
      ossp_sim_pty_board_set_uart_options (b->pty, &uo);
      g_assert_true (ossp_sim_pty_board_start (b->pty, &error));
      g_assert_no_error (error);
    }
  else
    {
      ossp_test_usb_board_init (&b->usb, "stm32mp15", fault, trace);
    }
  return b;
}

static void
stop_card (Bench *b)
{
  if (b->vpcd_thread == NULL)
    return;
  g_cancellable_cancel (b->vpcd_cancel);
  g_thread_join (b->vpcd_thread);
  b->vpcd_thread = NULL;
  ossp_test_pcscd_wait_card (pcscd, FALSE, 5000);
}

static void
bench_free (Bench *b)
{
  stop_card (b);
  g_clear_object (&b->hsm);
  g_clear_object (&b->vpcd);
  g_clear_object (&b->vpcd_cancel);
  g_clear_object (&b->card);
  g_clear_object (&b->pty);
  ossp_test_usb_board_clear (&b->usb);
  g_free (b->board_state);
  g_free (b->hsm_state);
  g_free (b->audit_path);
  g_free (b->dir);
  g_free (b);
}

static OsspProvisioner *
bench_provisioner (Bench *b)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspTransport) t = NULL;
  g_autoptr(OsspPayload) payload = ossp_payload_new_from_file (demo->payload, &error);
  g_autoptr(GBytes) fw = ossp_file_read_bytes (demo->firmware, 16 * 1024 * 1024, &error);
  g_autoptr(OsspAuditLog) log = ossp_audit_log_new (b->audit_path);
  OsspProvisioner *prov;

  g_assert_no_error (error);
  if (b->tk == T_UART)
    t = OSSP_TRANSPORT (ossp_uart_transport_new (ossp_sim_pty_board_get_path (b->pty)));
  else
    {
      t = OSSP_TRANSPORT (ossp_dfu_transport_new ("usb1", &error));
      g_assert_no_error (error);
    }
  prov = ossp_provisioner_new (t, b->hsm);
  ossp_provisioner_set_payload (prov, payload);
  ossp_provisioner_set_firmware (prov, fw, demo->firmware);
  ossp_provisioner_set_audit_log (prov, log);
  ossp_provisioner_set_hsm_label (prov, b->card ? "pcsc:slot 1" : "sim:in-process");
  ossp_provisioner_set_confirmed (prov, "test");
  ossp_provisioner_set_timeouts (prov, 5000, 5000, 600);
  return prov;
}

/* ---- running ------------------------------------------------------------- */

typedef struct {
  GCancellable *cancel;
  const char   *cancel_step;
  const char   *fill_step;
  const char   *fill_dir;
  gboolean      filled;
} Hooks;

/* Fills the tmpfs up to the last byte (the audit log's room was set aside
 * by the preflight, or there is none). */
static void
fill_disk (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "filler", NULL);
  int fd = open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  static const char block[4096];

  g_assert_cmpint (fd, >=, 0);
  while (write (fd, block, sizeof block) > 0)
    ;
  while (write (fd, block, 1) > 0)
    ;
  g_assert_cmpint (errno, ==, ENOSPC);
  close (fd);
}

/* "step-started": every step, even one a fast run has already left */
static void
step_started_cb (OsspProgress *progress,
                 const char   *step,
                 const char   *title,
                 gpointer      data)
{
  Hooks *h = data;

  if (h->cancel_step && g_str_equal (step, h->cancel_step))
    g_cancellable_cancel (h->cancel);
  if (h->fill_step && !h->filled && g_str_equal (step, h->fill_step))
    {
      fill_disk (h->fill_dir);
      h->filled = TRUE;
    }
}

static void
run_done (GObject *source, GAsyncResult *res, gpointer data)
{
  *(GAsyncResult **) data = g_object_ref (res);
}

static OsspProvisionResult
run_prov (OsspProvisioner *prov, Hooks *h, GError **error)
{
  g_autoptr(GAsyncResult) res = NULL;

  g_signal_connect (ossp_provisioner_get_progress (prov), "step-started", G_CALLBACK (step_started_cb), h);
  ossp_provisioner_run_async (prov, h->cancel, run_done, &res);
  while (res == NULL)
    g_main_context_iteration (NULL, TRUE);
  return ossp_provisioner_run_finish (prov, res, error);
}

/* ---- observing ------------------------------------------------------------- */

typedef struct {
  gboolean touched;             /* SSP started (SSP_REQ or a boot context) */
  guint    burnt;               /* plan words now non-blank */
  gboolean closed, success;
  char    *text;
} ChipState;

static guint
count_burnt (OsspSimOtp *otp)
{
  /* the words SSP burns on STM32MP15: PKH 24..31, RMA 56, secrets 59..95 */
  guint n = 0;
  for (guint w = 24; w <= 31; w++)
    n += ossp_sim_otp_peek_fuse (otp, w) != 0;
  n += ossp_sim_otp_peek_fuse (otp, 56) != 0;
  for (guint w = 59; w <= 95; w++)
    n += ossp_sim_otp_peek_fuse (otp, w) != 0;
  return n;
}

static void
chip_state (OsspSimBoard *board, ChipState *cs)
{
  OsspSimOtp *otp = ossp_sim_board_get_otp (board);
  guint32 ssp = ossp_sim_otp_peek_fuse (otp, ossp_sim_otp_get_ssp_word (otp));
  gboolean req = (ssp & ossp_sim_otp_get_ssp_req_mask (otp)) != 0;

  cs->success = (ssp & ossp_sim_otp_get_ssp_success_mask (otp)) != 0;
  cs->closed = ossp_sim_otp_is_closed (otp);
  cs->burnt = count_burnt (otp);
  cs->touched = req || cs->burnt > 0 || ossp_sim_board_get_ssp_cmd (board) != 0;
  if (cs->success && cs->closed)
    cs->text = g_strdup_printf ("provisioned: %u/%u words, closed, SSP_SUCCESS", cs->burnt, lm[0].plan_words);
  else if (cs->burnt > 0)
    cs->text = g_strdup_printf ("**half-burned**: %u/%u words, %s, SSP_SUCCESS clear", cs->burnt,
                                lm[0].plan_words, cs->closed ? "closed" : "open");
  else if (req)
    cs->text = g_strdup_printf ("SSP_REQ set, nothing burnt (a new run resumes)");
  else
    cs->text = g_strdup ("untouched");
}

static guint32
hsm_remaining (Bench *b)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspHsmInfo) info = NULL;

  if (b->card)
    {
      /* read the card itself (the reader may be empty) */
      g_autoptr(OsspSimHsm) direct = ossp_sim_hsm_new (b->card);
      info = ossp_hsm_get_info (OSSP_HSM (direct), NULL, &error);
    }
  else
    info = ossp_hsm_get_info (b->hsm, NULL, &error);
  g_assert_no_error (error);
  return info->remaining;
}

static GRegex *pts_number;  /* /dev/pts/<n> */

static char *
short_message (const char *msg)
{
  g_autoptr(GString) s = g_string_new (msg);
  g_autofree char *one = NULL;

  /* the same words on every machine: no temp folders, no pty numbers */
  g_string_replace (s, top, "$TMP", 0);
  one = g_regex_replace_literal (pts_number, s->str, -1, 0, "/dev/pts/N", 0, NULL);

  for (char *p = one; *p; p++)
    if (*p == '\n' || *p == '|')
      *p = ' ';
  if (g_utf8_strlen (one, -1) > 150)
    {
      char *cut = g_utf8_offset_to_pointer (one, 147);
      *cut = 0;
      return g_strconcat (one, "…", NULL);
    }
  return g_steal_pointer (&one);
}

/* Judges one finished cell and keeps its row for the document. */
static void
observe (const Row *row, Tk tk, OsspProvisionResult result, const GError *error, guint32 before,
         guint32 after, const char *audit_path, ChipState *cs)
{
  Cell *c = g_new0 (Cell, 1);
  g_autoptr(GError) local = NULL;
  g_autoptr(GPtrArray) records = NULL;
  guint consumed_logged = 0;
  JsonObject *last = NULL;
  gint64 spent = (gint64) before - (gint64) after;

  struct stat st;

  if (stat (audit_path, &st) == 0 && st.st_size > 0)
    {
      records = ossp_audit_log_read (audit_path, &local);
      g_assert_no_error (local);
      for (guint i = 0; i < records->len; i++)
        {
          JsonObject *r = g_ptr_array_index (records, i);
          JsonObject *lic = json_object_get_object_member (r, "license");
          consumed_logged += json_object_get_boolean_member (lic, "consumed");
        }
      if (records->len)
        last = g_ptr_array_index (records, records->len - 1);
      {
        g_autoptr(OsspAuditReport) rep = ossp_audit_log_verify (audit_path, NULL, 0, &local);
        g_assert_no_error (local);
        g_assert_nonnull (rep);
      }
    }

  c->fault = g_strdup (row->name);
  c->transport = g_strdup (tk_name[tk]);
  if (error)
    {
      g_autofree char *m = short_message (error->message);
      c->error = g_strdup_printf ("%s (%s): %s", ossp_provision_result_to_string (result),
                                  error->domain == OSSP_ERROR ? ossp_error_code_to_name (error->code) : "failed",
                                  m);
    }
  else
    c->error = g_strdup_printf ("%s, no error", ossp_provision_result_to_string (result));
  c->chip = g_strdup (cs->text);
  if (spent == 0 && consumed_logged == 0)
    c->license = g_strdup ("none spent");
  else if (spent == consumed_logged)
    c->license = g_strdup_printf ("%" G_GINT64_FORMAT " spent, %u logged as consumed%s", spent, consumed_logged,
                                  last && !json_object_get_boolean_member (json_object_get_object_member (last, "license"), "used")
                                  ? " (not used by the chip)" : "");
  else
    {
      c->license = g_strdup_printf ("**LOST: %" G_GINT64_FORMAT " spent, %u logged**", spent, consumed_logged);
      c->bad = TRUE;
    }
  if (last)
    {
      JsonNode *e = json_object_get_member (last, "error");
      c->audit = g_strdup_printf ("#%" G_GINT64_FORMAT " %s at %s%s%s%s",
                                  json_object_get_int_member (last, "seq"),
                                  json_object_get_string_member (last, "result"),
                                  json_object_get_string_member (last, "stage"),
                                  e && !JSON_NODE_HOLDS_NULL (e) ? " (" : "",
                                  e && !JSON_NODE_HOLDS_NULL (e)
                                    ? json_object_get_string_member (json_node_get_object (e), "code") : "",
                                  e && !JSON_NODE_HOLDS_NULL (e) ? ")" : "");
    }
  else
    c->audit = g_strdup ("none");
  if (row->expect_stage)
    {
      g_assert_nonnull (last);
      g_assert_cmpstr (json_object_get_string_member (last, "stage"), ==, row->expect_stage);
    }
  if (cs->touched && last == NULL)
    {
      c->bad = TRUE;
      g_free (c->chip);
      c->chip = g_strdup_printf ("**%s WITHOUT AN AUDIT RECORD**", cs->text);
    }
  if (c->bad)
    c->verdict = g_strdup ("**FAIL**");
  else if (cs->burnt > 0 && !cs->success && last &&
           g_strcmp0 (json_object_get_string_member (last, "result"), "provisioned") == 0)
    {
      /* closed by the firmware, then the power went: over the link this is
       * what a provisioned chip looks like (ssp-flow.md §4.4 rule 4) */
      c->verdict = g_strdup ("ok, but see note 1");
      c->noted = TRUE;
    }
  else if (cs->success && last &&
           g_strcmp0 (json_object_get_string_member (last, "result"), "provisioned") != 0)
    {
      /* the chip finished boot 3, the check boot after it failed */
      c->verdict = g_strdup ("ok, but see note 4");
      c->noted = TRUE;
    }
  else
    c->verdict = g_strdup ("ok");
  g_test_message ("%-44s %-8s | %s | %s | %s | %s", c->fault, c->transport, c->error, c->chip, c->license,
                  c->audit);
  g_ptr_array_add (cells, c);
  if (c->bad)
    g_error ("%s over %s: %s; %s", row->name, tk_name[tk], c->license, c->chip);
}

/* ---- one cell, in process ------------------------------------------------ */

static void
run_cell (const Row *row, Tk tk)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspProvisioner) prov = NULL;
  g_autoptr(OsspSimBoard) loaded = NULL;
  g_autoptr(GCancellable) cancel = g_cancellable_new ();
  Bench *b;
  Hooks h = { cancel, row->cancel_step, NULL, NULL, FALSE };
  OsspProvisionResult result;
  ChipState cs = { 0 };
  guint32 before, after;

  b = bench_new (tk, row->fault[tk], row, FALSE);
  before = hsm_remaining (b);
  if (row->disk == DISK_FULL_BEFORE)
    fill_disk (tmpfs_dir);
  if (row->disk == DISK_FILLS_DURING)
    {
      h.fill_step = "license";
      h.fill_dir = tmpfs_dir;
    }
  prov = bench_provisioner (b);
  result = run_prov (prov, &h, &error);
  if (row->disk != DISK_OK)
    {
      /* room again for the next cells */
      g_autofree char *filler = g_build_filename (tmpfs_dir, "filler", NULL);
      g_unlink (filler);
    }
  stop_card (b);
  after = hsm_remaining (b);
  if (tk == T_UART)
    {
      ossp_sim_pty_board_stop (b->pty);
      loaded = ossp_sim_board_load (b->board_state, &error);
      g_assert_nonnull (loaded);
      chip_state (loaded, &cs);
    }
  else
    {
      ossp_sim_umockdev_lock (b->usb.adapter);
      chip_state (b->usb.board, &cs);
      ossp_sim_umockdev_unlock (b->usb.adapter);
    }
  observe (row, tk, result, error, before, after, b->audit_path, &cs);
  g_free (cs.text);
  bench_free (b);
}

/* ---- SIGINT to `openssp provision` (UART) ----------------------------------- */

static void
run_cell_sigint (const Row *row)
{
  g_autofree char *dir = g_strdup_printf ("%s/sigint-%s", top, row->cancel_step);
  g_autofree char *hsm = g_build_filename (dir, "hsm.json", NULL);
  g_autofree char *board = g_build_filename (dir, "board.json", NULL);
  g_autofree char *audit = g_build_filename (dir, "audit.jsonl", NULL);
  g_autofree char *port = g_strconcat ("sim:", board, NULL);
  g_autofree char *hsm_arg = g_strconcat ("sim:", hsm, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) p = NULL;
  g_autoptr(GDataInputStream) in = NULL;
  g_autoptr(GError) run_error = NULL;
  g_autoptr(OsspSimBoard) loaded = NULL;
  g_autoptr(OsspSimHsm) card = NULL;
  g_autoptr(OsspHsmInfo) info = NULL;
  OsspProvisionResult result = OSSP_PROVISION_RESULT_NONE;
  gboolean sent = FALSE;
  ChipState cs = { 0 };
  guint32 before;
  char *line;

  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  {
    g_autoptr(OsspSimHsm) made = ossp_sim_demo_hsm_ensure (hsm, demo, 100, &error);
    g_assert_no_error (error);
    info = ossp_hsm_get_info (OSSP_HSM (made), NULL, &error);
    before = info->remaining;
  }
  p = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                        g_getenv ("OPENSSP_CLI"), "--json", "--yes", "provision", "--port", port,
                        "--ssp", demo->payload, "--firmware", demo->firmware, "--hsm", hsm_arg,
                        "--audit", audit, "--sim-baud", "0", NULL);
  g_assert_no_error (error);
  in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (p));
  while ((line = g_data_input_stream_read_line_utf8 (in, NULL, NULL, NULL)) != NULL)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autofree char *owned = line;
      JsonObject *ev;

      if (!json_parser_load_from_data (parser, owned, -1, NULL))
        continue;
      ev = json_node_get_object (json_parser_get_root (parser));
      if (!sent && g_strcmp0 (json_object_get_string_member_with_default (ev, "event", ""), "progress") == 0 &&
          g_strcmp0 (json_object_get_string_member_with_default (ev, "step", ""), row->cancel_step) == 0)
        {
          g_subprocess_send_signal (p, SIGINT);
          sent = TRUE;
        }
      if (g_strcmp0 (json_object_get_string_member_with_default (ev, "event", ""), "result") == 0)
        {
          const char *r = json_object_get_string_member (ev, "result");
          JsonObject *e = json_object_has_member (ev, "error")
                          ? json_object_get_object_member (ev, "error") : NULL;
          result = g_str_equal (r, "provisioned") ? OSSP_PROVISION_RESULT_PROVISIONED
                   : g_str_equal (r, "cancelled") ? OSSP_PROVISION_RESULT_CANCELLED
                   : g_str_equal (r, "refused") ? OSSP_PROVISION_RESULT_REFUSED
                   : OSSP_PROVISION_RESULT_FAILED;
          if (e)
            g_set_error_literal (&run_error, OSSP_ERROR, OSSP_ERROR_CANCELLED,
                                 json_object_get_string_member (e, "message"));
        }
    }
  g_assert_true (g_subprocess_wait (p, NULL, NULL));
  /* the CLI announces every step it enters, however fast (progress
   * "step-started"): a step never announced is a bug, not a skip */
  if (!sent)
    g_error ("step \"%s\" was never reported by `openssp provision --json`: no SIGINT was sent",
             row->cancel_step);
  /* the CLI exits normally: the signal became a cancel, not a kill */
  g_assert_true (g_subprocess_get_if_exited (p));

  loaded = ossp_sim_board_load (board, &error);
  g_assert_no_error (error);
  chip_state (loaded, &cs);
  card = ossp_sim_hsm_new_for_state (hsm, &error);
  g_assert_no_error (error);
  g_clear_pointer (&info, ossp_hsm_info_free);
  info = ossp_hsm_get_info (OSSP_HSM (card), NULL, &error);
  g_assert_no_error (error);
  observe (row, T_UART, result, run_error, before, info->remaining, audit, &cs);
  g_free (cs.text);
}

/* ---- calibration: where the steps of a clean run are ---------------------- */

static guint
parse_step (const char *line)
{
  const char *s = strstr (line, "] step ");
  return s ? (guint) strtoul (s + 7, NULL, 10) : 0;
}

static void
calibrate (Tk tk)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspProvisioner) prov = NULL;
  g_autofree char *log = g_strdup_printf ("%s/trace-%d.txt", top, tk);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GCancellable) cancel = g_cancellable_new ();
  Hooks h = { cancel, NULL, NULL, NULL, FALSE };
  Row row = { "calibration", "clean run", { NULL, NULL }, HSM_SIM, 0, 0, DISK_OK, NULL };
  Landmarks *l = &lm[tk];
  guint rom_boot, fsbl_boot = 0, first[6] = { 0 }, last[6] = { 0 }, fsbl_first[6] = { 0 }, fsbl_last[6] = { 0 };
  int saved, fd;
  Bench *b;

  /* the simulator's trace goes to stderr: keep it in a file for this run */
  fflush (stderr);
  saved = dup (STDERR_FILENO);
  fd = open (log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  dup2 (fd, STDERR_FILENO);
  close (fd);
  b = bench_new (tk, NULL, &row, TRUE);
  prov = bench_provisioner (b);
  g_assert_cmpint (run_prov (prov, &h, &error), ==, OSSP_PROVISION_RESULT_PROVISIONED);
  fflush (stderr);
  dup2 (saved, STDERR_FILENO);
  close (saved);
  if (tk == T_UART)
    {
      g_autoptr(OsspSimBoard) loaded = NULL;
      ossp_sim_pty_board_stop (b->pty);
      loaded = ossp_sim_board_load (b->board_state, &error);
      g_assert_no_error (error);
      l->plan_words = count_burnt (ossp_sim_board_get_otp (loaded));
    }
  else
    l->plan_words = count_burnt (ossp_sim_board_get_otp (b->usb.board));
  bench_free (b);

  g_assert_true (g_file_get_contents (log, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  /* ROM steps belong to the boot they load; FSBL steps to the boot they run in */
  rom_boot = 1;
  for (guint i = 0; lines[i]; i++)
    {
      guint step = parse_step (lines[i]);
      const char *acc = strstr (lines[i], "FSBL accepted");
      if (acc && strstr (acc, "; boot "))
        {
          fsbl_boot = (guint) strtoul (strstr (acc, "; boot ") + 7, NULL, 10);
          rom_boot = 0;
        }
      else if (strstr (lines[i], "system reset") && fsbl_boot)
        {
          rom_boot = MIN (fsbl_boot + 1, 5);
          fsbl_boot = 0;
        }
      if (step == 0)
        continue;
      if (rom_boot)
        {
          if (!first[rom_boot])
            first[rom_boot] = step;
          last[rom_boot] = step;
        }
      else if (fsbl_boot && fsbl_boot < 6)
        {
          if (!fsbl_first[fsbl_boot])
            fsbl_first[fsbl_boot] = step;
          fsbl_last[fsbl_boot] = step;
        }
    }
  l->boot1_dl = (first[1] + last[1]) / 2;
  l->boot2_dl = (first[2] + last[2]) / 2;
  l->fsbl2_first = fsbl_first[2];
  l->fsbl2_last = fsbl_last[2];
  l->boot3_dl = (first[3] + last[3]) / 2;
  l->boot4_dl = (first[4] + last[4]) / 2;
  g_test_message ("%s landmarks: boot1 %u, boot2 %u, FSBL boot2 %u..%u, boot3 %u, check boot %u; %u words",
                  tk_name[tk], l->boot1_dl, l->boot2_dl, l->fsbl2_first, l->fsbl2_last, l->boot3_dl,
                  l->boot4_dl, l->plan_words);
  g_assert_cmpuint (l->boot1_dl, >, 0);
  g_assert_cmpuint (l->boot2_dl, >, l->boot1_dl);
  g_assert_cmpuint (l->fsbl2_first, >, l->boot2_dl);
  g_assert_cmpuint (l->fsbl2_last, >=, l->fsbl2_first);
  g_assert_cmpuint (l->boot3_dl, >, l->fsbl2_last);
  g_assert_cmpuint (l->boot4_dl, >, l->boot3_dl);
  g_assert_cmpuint (l->plan_words, >, 10);
}

/* The PC/SC card's APDUs in a clean run (to pull it at the license). */
static void
calibrate_apdus (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspProvisioner) prov = NULL;
  g_autoptr(GCancellable) cancel = g_cancellable_new ();
  Hooks h = { cancel, NULL, NULL, NULL, FALSE };
  Row row = { "calibration", "clean run over PC/SC", { NULL, NULL }, HSM_PCSC, 0, 0, DISK_OK, NULL };
  Bench *b = bench_new (T_UART, NULL, &row, FALSE);

  prov = bench_provisioner (b);
  g_assert_cmpint (run_prov (prov, &h, &error), ==, OSSP_PROVISION_RESULT_PROVISIONED);
  lm[0].apdus = lm[1].apdus = ossp_sim_vpcd_get_apdu_count (b->vpcd);
  g_test_message ("PC/SC: %u command APDUs in a clean run", lm[0].apdus);
  g_assert_cmpuint (lm[0].apdus, >=, 3);
  bench_free (b);
}

/* ---- the rows ------------------------------------------------------------- */

static GPtrArray *rows;

static Row *
row_add (const char *group, const char *name, const char *uart_fault, const char *usb_fault)
{
  Row *r = g_new0 (Row, 1);
  r->group = group;
  r->name = g_strdup (name);
  r->fault[T_UART] = g_strdup (uart_fault);
  r->fault[T_USB] = g_strdup (usb_fault);
  r->hsm = HSM_SIM;
  g_ptr_array_add (rows, r);
  return r;
}

static char *
at (const char *kind, guint step, const char *value)
{
  return value ? g_strdup_printf ("%s@%u=%s", kind, step, value) : g_strdup_printf ("%s@%u", kind, step);
}

static void
make_rows (void)
{
  static const char *steps[] = { "connect", "preflight", "confirm", "boot1", "boot1-fsbl", "boot2",
                                 "certificate", "license", "payload", "boot3", "burn", "verify" };
  const struct { const char *label; gsize off; } where[] = {
    { "boot 1, SSP firmware download", G_STRUCT_OFFSET (Landmarks, boot1_dl) },
    { "boot 2, SSP firmware download", G_STRUCT_OFFSET (Landmarks, boot2_dl) },
    { "boot 2, FSBL link (before the license)", G_STRUCT_OFFSET (Landmarks, fsbl2_first) },
    { "boot 2, last FSBL step (license ‖ payload sent)", G_STRUCT_OFFSET (Landmarks, fsbl2_last) },
    { "boot 3, SSP firmware download", G_STRUCT_OFFSET (Landmarks, boot3_dl) },
    { "check boot (boot 4)", G_STRUCT_OFFSET (Landmarks, boot4_dl) },
  };
#define LM(tk, off) (G_STRUCT_MEMBER (guint, &lm[tk], off))

  rows = g_ptr_array_new ();
  for (guint i = 0; i < G_N_ELEMENTS (where); i++)
    {
      g_autofree char *name = g_strdup_printf ("link drop: %s", where[i].label);
      g_autofree char *u = at ("drop-link", LM (T_UART, where[i].off), NULL);
      g_autofree char *d = at ("drop-link", LM (T_USB, where[i].off), NULL);
      row_add ("link drop", name, u, d);
    }
  for (guint i = 1; i < G_N_ELEMENTS (where) - 1; i += 2)
    {
      g_autofree char *name = g_strdup_printf ("NACK: %s", where[i].label);
      g_autofree char *u = at ("nack", LM (T_UART, where[i].off), NULL);
      g_autofree char *d = at ("nack", LM (T_USB, where[i].off), NULL);
      row_add ("NACK", name, u, d);
    }
  row_add ("NACK", "NACK: license ‖ payload data packet", "nack-download@1", "nack-download@1");
  {
    const guint bytes[] = { 2, 40, 120 };
    for (guint i = 0; i < G_N_ELEMENTS (bytes); i++)
      {
        g_autofree char *name = g_strdup_printf ("corrupt byte: device byte %u", bytes[i]);
        g_autofree char *f = at ("corrupt-byte", bytes[i], NULL);
        row_add ("corrupt byte", name, f, f);
      }
  }
  for (guint i = 2; i < 5; i++)
    {
      g_autofree char *name = g_strdup_printf ("timeout (no answer for 8 s): %s", where[i].label);
      g_autofree char *u = at ("stall", LM (T_UART, where[i].off), "8000");
      g_autofree char *d = at ("stall", LM (T_USB, where[i].off), "8000");
      row_add ("timeout", name, u, d);
    }
  {
    /* words are counted PKH 1..8, CFG0 9, RMA 10, secrets 11.. */
    const struct { guint n; const char *what; } burn[] = {
      { 1, "after the 1st PKH word" }, { 8, "after the PKH (8 words)" }, { 9, "after CFG0 (chip closed)" },
      { 10, "after the RMA word" }, { 11, "after the 1st secret word" }, { 0, "after the last word, before SSP_SUCCESS" },
    };
    for (guint i = 0; i < G_N_ELEMENTS (burn); i++)
      {
        guint n = burn[i].n ? burn[i].n : 10 + (lm[T_UART].plan_words - 9);
        g_autofree char *name = g_strdup_printf ("power loss during the burn: %s", burn[i].what);
        g_autofree char *f = g_strdup_printf ("reset-during-burn@%u", n);
        row_add ("power loss", name, f, f);
      }
  }
  {
    Row *r;
    r = row_add ("HSM removed", "HSM removed: no card in the reader at the start", NULL, NULL);
    r->hsm = HSM_PCSC;
    r->pull_card = -1;
    {
      /* which APDU is which was read off a clean run (22 on this card
       * version); the audit column shows the stage each one ends in and
       * test_cell checks it, so a change of the card's APDU sequence shows */
      const struct { gint k; const char *what; const char *stage; } pulls[] = {
        { 2, "during the preflight", "preflight" },
        { 7, "at the product-id check after the certificate", "certificate" },
        { (gint) lm[0].apdus - 5, "on the license command itself", "license" },
        { (gint) lm[0].apdus - 4, "right after the license", "done" },
      };
      for (guint i = 0; i < G_N_ELEMENTS (pulls); i++)
        {
          g_autofree char *name = g_strdup_printf ("HSM removed: card pulled %s (APDU %d of %u)", pulls[i].what,
                                                   pulls[i].k, lm[0].apdus);
          r = row_add ("HSM removed", name, NULL, NULL);
          r->hsm = HSM_PCSC;
          r->pull_card = pulls[i].k;
          r->expect_stage = pulls[i].stage;
        }
    }
    r = row_add ("HSM exhausted", "HSM exhausted: 0 licenses left", NULL, NULL);
    r->licenses = 1;   /* the cell spends it on another chip first */
  }
  {
    Row *r = row_add ("disk full", "disk full for the audit log: full before the run", NULL, NULL);
    r->disk = DISK_FULL_BEFORE;
    r = row_add ("disk full", "disk full for the audit log: fills up at the license", NULL, NULL);
    r->disk = DISK_FILLS_DURING;
  }
  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      g_autofree char *name = g_strdup_printf ("SIGINT at step \"%s\"", steps[i]);
      Row *r = row_add ("SIGINT", name, NULL, NULL);
      r->cancel_step = steps[i];
    }
#undef LM
}

/* An exhausted HSM: its last license goes to another chip first. */
static void
run_cell_exhausted (const Row *row, Tk tk)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspProvisioner) first = NULL;
  g_autoptr(OsspProvisioner) prov = NULL;
  g_autoptr(GCancellable) c1 = g_cancellable_new (), c2 = g_cancellable_new ();
  Hooks h1 = { c1, NULL, NULL, NULL, FALSE }, h2 = { c2, NULL, NULL, NULL, FALSE };
  g_autoptr(OsspSimBoard) loaded = NULL;
  Bench *spend = bench_new (T_UART, NULL, row, FALSE);
  Bench *b;
  ChipState cs = { 0 };
  OsspProvisionResult result;
  guint32 before, after;

  first = bench_provisioner (spend);
  g_assert_cmpint (run_prov (first, &h1, &error), ==, OSSP_PROVISION_RESULT_PROVISIONED);
  g_assert_cmpuint (hsm_remaining (spend), ==, 0);
  b = bench_new (tk, NULL, NULL, FALSE);
  /* the same, now empty, HSM and the same log for the chip under test */
  g_clear_object (&b->hsm);
  b->hsm = g_object_ref (spend->hsm);
  g_free (b->audit_path);
  b->audit_path = g_strdup (spend->audit_path);
  before = hsm_remaining (b) + 1;   /* the log holds the first chip's license too */
  prov = bench_provisioner (b);
  result = run_prov (prov, &h2, &error);
  after = hsm_remaining (b);
  if (tk == T_UART)
    {
      ossp_sim_pty_board_stop (b->pty);
      loaded = ossp_sim_board_load (b->board_state, NULL);
      chip_state (loaded, &cs);
    }
  else
    {
      ossp_sim_umockdev_lock (b->usb.adapter);
      chip_state (b->usb.board, &cs);
      ossp_sim_umockdev_unlock (b->usb.adapter);
    }
  g_assert_cmpint (result, ==, OSSP_PROVISION_RESULT_REFUSED);
  observe (row, tk, result, error, before, after, b->audit_path, &cs);
  g_free (cs.text);
  bench_free (b);
  bench_free (spend);
}

static void
test_cell (gconstpointer data)
{
  const Row *row = data;

  for (Tk tk = 0; tk < N_T; tk++)
    {
      if (row->disk != DISK_OK && tmpfs_dir == NULL)
        {
          g_test_skip (tmpfs_why);
          return;
        }
      if (row->hsm == HSM_PCSC && pcscd == NULL)
        {
          g_test_skip (pcscd_why);
          return;
        }
      if (row->licenses == 1)
        run_cell_exhausted (row, tk);
      else if (row->cancel_step && tk == T_UART)
        run_cell_sigint (row);
      else
        run_cell (row, tk);
    }
}

/* ---- the document ---------------------------------------------------------- */

static void
test_write_document (void)
{
  g_autoptr(GString) md = g_string_new (NULL);
  g_autofree char *out = g_test_build_filename (G_TEST_BUILT, "reliability.md", NULL);
  const char *doc = g_getenv ("OSSP_RELIABILITY_DOC");
  guint bad = 0;

  g_string_append (md,
    "# Reliability: faults during provisioning\n\n"
    "Version 1. **Produced by a test run** (`tests/test-fault-matrix.c`, meson test "
    "`test-fault-matrix`; regenerate with\n`OSSP_RELIABILITY_DOC=$PWD/docs/reliability.md meson test -C build "
    "test-fault-matrix`). Every cell is a real run of the\nproduct's provisioner against the chip simulator: "
    "over a pty (UART) and over real libusb with the simulator's DFU\nmodel behind umockdev (USB DFU). "
    "The fault is injected by the simulator (`docs/simulator.md` §5), by pulling the\nsoft-HSM card out of a "
    "private pcscd's vpcd reader, by filling a private tmpfs that holds the audit log, or by\na cancel when "
    "the named step begins — on UART as a real SIGINT to `openssp provision --json`, on USB as the\n"
    "same cancel in process (the CLI's SIGINT handler does exactly that; `openssp sim usb -- openssp provision` "
    "cannot\nhost a run yet, see below).\n\n"
    "Columns: **Error shown** — the run's result and message; **Chip state** — read from the simulator "
    "afterwards\n(words of the burn plan now non-blank, closed, SSP bits); **License** — the HSM's own counter "
    "before/after against\nthe audit records that say `license.consumed`; **Audit line** — the last record "
    "(`seq`, result, stage, error code).\nThe test fails on *lost license unaccounted* and on a *touched or "
    "half-burned chip without an audit record*.\n\n"
    "Step numbers of the faults come from a clean calibration run of each transport (the simulator's trace):\n");
  for (Tk tk = 0; tk < N_T; tk++)
    g_string_append_printf (md, "- %s: boot 1 download step %u, boot 2 download %u, boot 2 FSBL steps %u..%u, "
                            "boot 3 download %u, check boot %u; a clean run burns %u words.\n",
                            tk_name[tk], lm[tk].boot1_dl, lm[tk].boot2_dl, lm[tk].fsbl2_first,
                            lm[tk].fsbl2_last, lm[tk].boot3_dl, lm[tk].boot4_dl, lm[tk].plan_words);
  g_string_append_printf (md, "- PC/SC: a clean run sends %u command APDUs to the card.\n\n", lm[0].apdus);
  g_string_append (md, "| Fault | Transport | Error shown | Chip state | License | Audit line | Verdict |\n"
                       "|---|---|---|---|---|---|---|\n");
  for (guint i = 0; i < cells->len; i++)
    {
      Cell *c = g_ptr_array_index (cells, i);
      g_string_append_printf (md, "| %s | %s | %s | %s | %s | %s | %s |\n", c->fault, c->transport, c->error,
                              c->chip, c->license, c->audit, c->verdict);
      bad += c->bad;
    }
  g_string_append_printf (md, "\n%u cells, %u failing.\n", cells->len, bad);
  g_string_append (md,
    "\n## What this matrix changed in the code\n\n"
    "- SIGINT rows: `openssp provision` had no signal handler; Ctrl-C after the license killed it — license spent, "
    "no audit\n  record, and with `--port sim` the board cut mid-burn. SIGINT/SIGTERM/SIGHUP now cancel the runs "
    "(held past boot 3\n  once the license is spent) and every device gets its record.\n"
    "- Disk full: the record was written only at the end; a full disk lost it after the chip was burnt and the "
    "license\n  spent. The preflight now checks the log and sets 64 KiB aside behind its end (`audit-log` check).\n"
    "- SIGINT during the check boot turned a provisioned chip into `cancelled`, license \"not used\"; now "
    "`provisioned`,\n  not verified. A cancel while connecting is `cancelled` (was `failed`).\n"
    "\n## Notes\n\n"
    "1. **Power loss after the firmware closed the chip** (CFG0 is burnt after the PKH, before RMA and "
    "secrets): the chip is\n   closed with SSP_SUCCESS clear, and a closed chip opens no programmer link "
    "whether SSP_SUCCESS is set or not\n   (ssp-flow.md §4.4 rule 4). The host cannot tell it from a "
    "provisioned chip; the record says `provisioned`,\n   `verified: true` (\"no FSBL still offers "
    "provisioning\"), the license is accounted as used, and the log line says\n   that power loss after "
    "closing looks the same. A power loss *before* CFG0 is caught by the check boot (failed,\n   "
    "license consumed but not used). Only the burn itself (a few ms per chip) is exposed; keep the "
    "board's supply\n   stable during boot 3.\n"
    "2. **USB DFU does not retry a stalled download** (NACK rows): the run fails where UART retries and "
    "succeeds;\n   after the license (license ‖ payload packet stalled) the license is spent and recorded as "
    "consumed but not used.\n   Accounted, but a cost: retrying from block 0 after DFU_CLRSTATUS would save it.\n"
    "3. **`openssp sim usb -- openssp provision`** cannot run a provisioning: after DFU_DETACH umockdev's "
    "uevent for the\n   re-enumerated device fails (\"uevent_sender_send: No such device\"), the child's libusb "
    "never sees the FSBL-SSP\n   device and the run ends \"already provisioned or closed\". The in-process "
    "umockdev set-up used here works.\n"
    "4. **The link fails during the check boot** (after boot 3 completed): the chip is provisioned, the "
    "record says\n   `failed` at `verify` with the license consumed and not used. Conservative (a re-run says "
    "\"already provisioned\"),\n   accounted, never a lost license. A *cancel* there (SIGINT) is recorded "
    "as provisioned, not verified.\n");
  g_assert_true (g_file_set_contents (out, md->str, -1, NULL));
  g_test_message ("wrote %s", out);
  if (doc && *doc)
    g_assert_true (g_file_set_contents (doc, md->str, -1, NULL));
  g_assert_cmpuint (bad, ==, 0);
}

/* ---- set-up ---------------------------------------------------------------- */

/* A private mount namespace with a 128 KiB tmpfs: a disk that can really
 * be full, without touching the machine's mounts. Root in CI; otherwise a
 * user namespace (if the kernel allows it). Must run single-threaded. */
static void
make_small_disk (const char *dir)
{
  if (unshare (CLONE_NEWNS) != 0)
    {
      uid_t uid = getuid ();
      gid_t gid = getgid ();
      g_autofree char *umap = g_strdup_printf ("0 %u 1", uid);
      g_autofree char *gmap = g_strdup_printf ("0 %u 1", gid);
      if (unshare (CLONE_NEWUSER | CLONE_NEWNS) != 0 ||
          !g_file_set_contents ("/proc/self/setgroups", "deny", -1, NULL) ||
          !g_file_set_contents ("/proc/self/uid_map", umap, -1, NULL) ||
          !g_file_set_contents ("/proc/self/gid_map", gmap, -1, NULL))
        {
          tmpfs_why = g_strdup_printf ("no private mount namespace here (%s)", g_strerror (errno));
          return;
        }
    }
  if (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
      mount ("tmpfs", dir, "tmpfs", 0, "size=128k,mode=0700") != 0)
    {
      tmpfs_why = g_strdup_printf ("cannot mount a tmpfs (%s)", g_strerror (errno));
      return;
    }
  tmpfs_dir = g_strdup (dir);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *disk = NULL;
  g_autofree char *demo_dir = NULL;

  top = g_dir_make_tmp ("openssp-faults-XXXXXX", &error);
  g_assert_no_error (error);
  disk = g_build_filename (top, "small-disk", NULL);
  g_mkdir (disk, 0700);
  make_small_disk (disk);

  g_test_init (&argc, &argv, NULL);
  pts_number = g_regex_new ("/dev/pts/[0-9]+", G_REGEX_OPTIMIZE, 0, NULL);
  /* the first PC/SC use of the process (the client reads the socket once) */
  pcscd = ossp_test_pcscd_start (top, &pcscd_why);

  demo_dir = g_build_filename (top, "demo", NULL);
  demo = ossp_demo_ensure (demo_dir, "stm32mp15", &error);
  g_assert_no_error (error);
  cells = g_ptr_array_new ();
  for (Tk tk = 0; tk < N_T; tk++)
    calibrate (tk);
  if (pcscd)
    calibrate_apdus ();
  make_rows ();
  for (guint i = 0; i < rows->len; i++)
    {
      Row *r = g_ptr_array_index (rows, i);
      g_autofree char *path = g_strdup_printf ("/fault-matrix/%u", i + 1);
      g_test_add_data_func (path, r, test_cell);
    }
  g_test_add_func ("/fault-matrix/document", test_write_document);
  return g_test_run ();
}
