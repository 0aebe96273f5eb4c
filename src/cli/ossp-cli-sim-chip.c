/* ossp-cli-sim-chip.c — `openssp sim new|show|uart|usb|root-key|power-cycle`
 *
 * A simulated STM32MP board lives in a state file; these verbs make one,
 * show it and serve it on a pty (UART) or to a child process through
 * umockdev (USB). `openssp sim chip VERB` is accepted as an alias, with
 * `serve --uart|--usb`. docs/simulator.md documents every option.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>

#include "ossp-cli.h"
#include "ossp-sim-board.h"
#include "ossp-sim-chip-crypto.h"
#include "ossp-sim-dfu-device.h"
#include "ossp-sim-uart.h"
#ifdef OSSP_HAVE_UMOCKDEV
#include "ossp-sim-umockdev.h"
#endif

/* ---- shared ------------------------------------------------------------- */

/* The state file: --state FILE, or the one positional argument. */
static const char *
state_path (const char *option,
            int         argc,
            char      **argv)
{
  if (option != NULL)
    return argc == 1 ? option : NULL;
  return argc == 2 ? argv[1] : NULL;
}

static gboolean
parse_key_id (const char *text,
              guint8     *out,
              GError    **error)
{
  guint32 v;

  if (!ossp_parse_u32 (text, &v, error))
    return FALSE;
  if (v > 0xF)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "The ST key id is 4 bits (CFG2 bits 31..28): 0..15, not %u", v);
      return FALSE;
    }
  *out = (guint8) v;
  return TRUE;
}

static gboolean
parse_hex_exact (const char *text,
                 const char *what,
                 guint8     *out,
                 gsize       len,
                 GError    **error)
{
  g_autofree guint8 *data = NULL;
  gsize n = 0;

  data = ossp_hex_decode (text, &n, error);
  if (data == NULL)
    return FALSE;
  if (n != len)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "%s must be %" G_GSIZE_FORMAT " bytes (%" G_GSIZE_FORMAT " hex digits), not %" G_GSIZE_FORMAT,
                   what, len, 2 * len, n);
      return FALSE;
    }
  memcpy (out, data, len);
  return TRUE;
}

static const char *
ssp_cmd_name (guint32 cmd)
{
  switch (cmd)
    {
    case 0: return "none";
    case OSSP_SIM_SSP_CMD_PUBK: return "PUBK";
    case OSSP_SIM_SSP_CMD_PUBA: return "PUBA";
    case OSSP_SIM_SSP_CMD_PROV: return "PROV";
    case OSSP_SIM_SSP_CMD_PROA: return "PROA";
    default: return "unknown";
    }
}

static void
add_string (JsonBuilder *b,
            const char  *name,
            const char  *value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, value);
}

static void
add_bool (JsonBuilder *b,
          const char  *name,
          gboolean     value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_boolean_value (b, value);
}

static void
add_int (JsonBuilder *b,
         const char  *name,
         gint64       value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, value);
}

/* The board summary shared by new, show and power-cycle. */
static void
build_summary (JsonBuilder  *b,
               OsspSimBoard *board,
               const char   *path,
               gboolean      with_otp,
               gboolean      all_words)
{
  OsspSimOtp *otp = ossp_sim_board_get_otp (board);
  OsspChip *chip = ossp_sim_board_get_chip (board);
  guint32 w = ossp_sim_otp_peek_fuse (otp, ossp_sim_otp_get_ssp_word (otp));
  g_autofree char *pid = ossp_sim_board_get_product_id (board);
  g_autofree char *cmd = g_strdup_printf ("0x%08X", ossp_sim_board_get_ssp_cmd (board));
  const char * const *events = ossp_sim_board_get_events (board);

  json_builder_begin_object (b);
  if (path)
    add_string (b, "state", path);
  add_string (b, "chip", ossp_chip_get_id (chip));
  add_string (b, "product_id", pid);
  add_string (b, "fsbl_version", ossp_sim_fsbl_version_to_string (ossp_sim_board_get_fsbl_version (board)));
  add_bool (b, "closed", ossp_sim_otp_is_closed (otp));
  add_bool (b, "ssp_req", (w & ossp_sim_otp_get_ssp_req_mask (otp)) != 0);
  add_bool (b, "ssp_success", (w & ossp_sim_otp_get_ssp_success_mask (otp)) != 0);
  add_string (b, "ssp_cmd", cmd);
  add_string (b, "ssp_cmd_name", ssp_cmd_name (ossp_sim_board_get_ssp_cmd (board)));
  add_int (b, "ssp_status", ossp_sim_board_get_ssp_status (board));
  add_int (b, "boots", ossp_sim_board_get_boots (board));
  json_builder_set_member_name (b, "events");
  json_builder_begin_array (b);
  for (guint i = 0; events[i]; i++)
    json_builder_add_string_value (b, events[i]);
  json_builder_end_array (b);
  if (with_otp)
    {
      json_builder_set_member_name (b, "otp");
      json_builder_begin_array (b);
      for (guint i = 0; i < ossp_sim_otp_get_n_words (otp); i++)
        {
          guint32 v = ossp_sim_otp_peek_fuse (otp, i);
          const OsspOtpWordInfo *info = ossp_chip_lookup_word (chip, i);
          OsspSimOtpSticky sticky = ossp_sim_otp_get_sticky (otp, i);
          g_autofree char *hex = g_strdup_printf ("0x%08X", v);
          if (!all_words && v == 0 && !ossp_sim_otp_is_locked (otp, i) && sticky == 0)
            continue;
          json_builder_begin_object (b);
          add_int (b, "word", i);
          add_string (b, "value", hex);
          add_bool (b, "locked", ossp_sim_otp_is_locked (otp, i));
          if (ossp_sim_otp_peek_shadow (otp, i) != v)
            {
              g_autofree char *sh = g_strdup_printf ("0x%08X", ossp_sim_otp_peek_shadow (otp, i));
              add_string (b, "shadow", sh);
            }
          json_builder_set_member_name (b, "sticky");
          json_builder_begin_array (b);
          if (sticky & OSSP_SIM_OTP_STICKY_PROGRAM)
            json_builder_add_string_value (b, "program");
          if (sticky & OSSP_SIM_OTP_STICKY_SHADOW_WRITE)
            json_builder_add_string_value (b, "shadow_write");
          if (sticky & OSSP_SIM_OTP_STICKY_SHADOW_READ)
            json_builder_add_string_value (b, "shadow_read");
          json_builder_end_array (b);
          if (info)
            add_string (b, "name", info->name);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
    }
  json_builder_end_object (b);
}

static void
print_summary (OsspSimBoard *board,
               const char   *path,
               gboolean      with_otp,
               gboolean      all_words)
{
  OsspSimOtp *otp = ossp_sim_board_get_otp (board);
  OsspChip *chip = ossp_sim_board_get_chip (board);
  guint32 w = ossp_sim_otp_peek_fuse (otp, ossp_sim_otp_get_ssp_word (otp));
  g_autofree char *pid = ossp_sim_board_get_product_id (board);
  const char * const *events = ossp_sim_board_get_events (board);

  g_print ("Simulated %s board%s%s, product id %s, FSBL-SSP %s\n", ossp_chip_get_name (chip),
           path ? " in " : "", path ? path : "", pid,
           ossp_sim_fsbl_version_to_string (ossp_sim_board_get_fsbl_version (board)));
  g_print ("Security: %s; SSP_REQ %s, SSP_SUCCESS %s%s\n", ossp_sim_otp_is_closed (otp) ? "CLOSED" : "open",
           (w & ossp_sim_otp_get_ssp_req_mask (otp)) ? "set" : "clear",
           (w & ossp_sim_otp_get_ssp_success_mask (otp)) ? "set" : "clear",
           ossp_sim_board_is_provisioned (board) ? " (provisioned)" : "");
  g_print ("Boot context: ssp_cmd 0x%08X (%s), ssp_status %u, %u boot%s so far\n",
           ossp_sim_board_get_ssp_cmd (board), ssp_cmd_name (ossp_sim_board_get_ssp_cmd (board)),
           ossp_sim_board_get_ssp_status (board), ossp_sim_board_get_boots (board),
           ossp_sim_board_get_boots (board) == 1 ? "" : "s");
  if (with_otp)
    {
      g_print ("\n%-5s %-10s %-4s %-12s %s\n", "Word", "Value", "Lock", "Sticky", "Name");
      for (guint i = 0; i < ossp_sim_otp_get_n_words (otp); i++)
        {
          guint32 v = ossp_sim_otp_peek_fuse (otp, i);
          const OsspOtpWordInfo *info = ossp_chip_lookup_word (chip, i);
          OsspSimOtpSticky s = ossp_sim_otp_get_sticky (otp, i);
          if (!all_words && v == 0 && !ossp_sim_otp_is_locked (otp, i) && s == 0)
            continue;
          g_print ("%-5u 0x%08X %-4s %c%c%c%-9s %s\n", i, v, ossp_sim_otp_is_locked (otp, i) ? "PERM" : "-",
                   (s & OSSP_SIM_OTP_STICKY_PROGRAM) ? 'P' : '-', (s & OSSP_SIM_OTP_STICKY_SHADOW_WRITE) ? 'W' : '-',
                   (s & OSSP_SIM_OTP_STICKY_SHADOW_READ) ? 'R' : '-', "", info ? info->name : "");
        }
      if (!all_words)
        g_print ("(blank unlocked words not shown; --all shows every word)\n");
    }
  if (events[0])
    {
      g_print ("\nRecent events:\n");
      for (guint i = 0; events[i]; i++)
        g_print ("  %s\n", events[i]);
    }
}

/* ---- new ------------------------------------------------------------------ */

static int
sim_new (OsspCli *cli, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspSimBoard) board = NULL;
  g_autofree char *chip = NULL, *state = NULL, *out = NULL, *fsbl = NULL, *board_id = NULL;
  g_autofree char *uid = NULL, *seed = NULL, *pkh = NULL, *key_id = NULL, *counter = NULL, *part = NULL;
  gboolean st_board = FALSE, closed = FALSE, bad_sig = FALSE, auth_all = FALSE, force = FALSE;
  GOptionEntry entries[] = {
    { "chip", 0, 0, G_OPTION_ARG_STRING, &chip, "Chip family: stm32mp13, stm32mp15 or stm32mp25", "CHIP" },
    { "state", 0, 0, G_OPTION_ARG_FILENAME, &state, "State file to create", "FILE" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Same as --state", "FILE" },
    { "fsbl-version", 0, 0, G_OPTION_ARG_STRING, &fsbl, "FSBL-SSP behaviour: v2.6 (default) or v2.2 (MP15)", "V" },
    { "st-board", 0, 0, G_OPTION_ARG_NONE, &st_board, "An ST evaluation board: the board-id word is fused", NULL },
    { "board-id", 0, 0, G_OPTION_ARG_STRING, &board_id, "Board id for --st-board", "0xNNNNNNNN" },
    { "uid", 0, 0, G_OPTION_ARG_STRING, &uid, "UID as 24 hex digits (three words)", "HEX" },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &seed, "Chip key seed, 64 hex digits (default random)", "HEX" },
    { "key-id", 0, 0, G_OPTION_ARG_STRING, &key_id, "ST key id in CFG2 (MP15 0xA, MP13 0xD)", "N" },
    { "security-counter", 0, 0, G_OPTION_ARG_STRING, &counter, "Security counter in CFG2 (MP15 2, MP13 1)", "N" },
    { "part-number", 0, 0, G_OPTION_ARG_STRING, &part, "Part number word value", "N" },
    { "closed", 0, 0, G_OPTION_ARG_NONE, &closed, "Leave the factory already closed", NULL },
    { "pkh", 0, 0, G_OPTION_ARG_STRING, &pkh, "Fuse this PKH/PKHTH (64 hex digits) at the factory", "HEX" },
    { "bad-cert-signature", 0, 0, G_OPTION_ARG_NONE, &bad_sig, "Fuse a certificate signature that does not verify", NULL },
    { "authenticate-all", 0, 0, G_OPTION_ARG_NONE, &auth_all, "The ROM authenticates every FSBL, even on an open chip", NULL },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &force, "Replace an existing state file", NULL },
    { NULL }
  };
  OsspSimFactoryOptions opts;
  int exit_code;
  const char *path;

  if (!ossp_cli_parse_options (cli, "sim new", "", "Make a factory-fresh simulated board (a state file).",
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  path = state ? state : out;
  if (argc == 2 && path == NULL)
    path = argv[1];
  else if (argc != 1)
    return ossp_cli_usage_error (cli, "'openssp sim new' takes --chip and --state FILE");
  if (chip == NULL || path == NULL)
    return ossp_cli_usage_error (cli, "'openssp sim new' needs --chip CHIP and --state FILE");

  ossp_sim_factory_options_init (&opts);
  opts.chip_id = chip;
  opts.st_board = st_board;
  opts.closed = closed;
  opts.bad_cert_signature = bad_sig;
  opts.authenticate_all = auth_all;
  if (fsbl && !ossp_sim_fsbl_version_from_string (fsbl, &opts.fsbl_version, &error))
    return ossp_cli_fail (cli, error);
  if (board_id && !ossp_parse_u32 (board_id, &opts.board_id, &error))
    return ossp_cli_fail (cli, error);
  if (part && !ossp_parse_u32 (part, &opts.part_number, &error))
    return ossp_cli_fail (cli, error);
  if (uid)
    {
      guint8 u[12];
      if (!parse_hex_exact (uid, "--uid", u, 12, &error))
        return ossp_cli_fail (cli, error);
      opts.has_uid = TRUE;
      for (guint i = 0; i < 3; i++)
        opts.uid[i] = ossp_read_be32 (u + 4 * i);
    }
  if (seed)
    {
      if (!parse_hex_exact (seed, "--seed", opts.seed, 32, &error))
        return ossp_cli_fail (cli, error);
      opts.has_seed = TRUE;
    }
  if (pkh)
    {
      if (!parse_hex_exact (pkh, "--pkh", opts.pkh, 32, &error))
        return ossp_cli_fail (cli, error);
      opts.has_pkh = TRUE;
    }
  if (key_id)
    {
      guint8 k;
      if (!parse_key_id (key_id, &k, &error))
        return ossp_cli_fail (cli, error);
      opts.key_id = k;
    }
  if (counter)
    {
      guint32 c;
      if (!ossp_parse_u32 (counter, &c, &error))
        return ossp_cli_fail (cli, error);
      if (c > 0xFF)
        return ossp_cli_usage_error (cli, "--security-counter is 8 bits (0..255)");
      opts.security_counter = (gint) c;
    }
  if (!ossp_file_check_writable (path, force ? OSSP_WRITE_FLAGS_OVERWRITE : 0, &error))
    return ossp_cli_fail (cli, error);
  board = ossp_sim_board_new_factory (&opts, &error);
  if (board == NULL || !ossp_sim_board_save (board, path, force, &error))
    return ossp_cli_fail (cli, error);
  if (cli->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      build_summary (b, board, path, FALSE, FALSE);
      ossp_cli_print_builder (cli, b);
    }
  else
    print_summary (board, path, FALSE, FALSE);
  return OSSP_EXIT_OK;
}

/* ---- show / power-cycle ---------------------------------------------------- */

static int
sim_show (OsspCli *cli, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspSimBoard) board = NULL;
  g_autofree char *state = NULL;
  gboolean all = FALSE;
  GOptionEntry entries[] = {
    { "state", 0, 0, G_OPTION_ARG_FILENAME, &state, "State file", "FILE" },
    { "all", 'a', 0, G_OPTION_ARG_NONE, &all, "List every OTP word, blank ones too", NULL },
    { NULL }
  };
  int exit_code;
  const char *path;

  if (!ossp_cli_parse_options (cli, "sim show", "[FILE]",
                               "Show a simulated board: OTP with locks, SSP bits, closed state, boot context.",
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  path = state_path (state, argc, argv);
  if (path == NULL)
    return ossp_cli_usage_error (cli, "'openssp sim show' takes one state file (--state FILE)");
  board = ossp_sim_board_load (path, &error);
  if (board == NULL)
    return ossp_cli_fail (cli, error);
  if (cli->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      build_summary (b, board, path, TRUE, all);
      ossp_cli_print_builder (cli, b);
    }
  else
    print_summary (board, path, TRUE, all);
  return OSSP_EXIT_OK;
}

static int
sim_power_cycle (OsspCli *cli, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspSimBoard) board = NULL;
  g_autofree char *state = NULL;
  GOptionEntry entries[] = {
    { "state", 0, 0, G_OPTION_ARG_FILENAME, &state, "State file", "FILE" },
    { NULL }
  };
  int exit_code;
  const char *path;

  if (!ossp_cli_parse_options (cli, "sim power-cycle", "[FILE]",
                               "Switch a simulated board off and on: SYSRAM and the boot context are lost.",
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  path = state_path (state, argc, argv);
  if (path == NULL)
    return ossp_cli_usage_error (cli, "'openssp sim power-cycle' takes one state file (--state FILE)");
  board = ossp_sim_board_load (path, &error);
  if (board == NULL)
    return ossp_cli_fail (cli, error);
  ossp_sim_board_power_cycle (board);
  if (!ossp_sim_board_save (board, path, TRUE, &error))
    return ossp_cli_fail (cli, error);
  if (cli->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      build_summary (b, board, path, FALSE, FALSE);
      ossp_cli_print_builder (cli, b);
    }
  else
    print_summary (board, path, FALSE, FALSE);
  return OSSP_EXIT_OK;
}

/* ---- serving -------------------------------------------------------------- */

typedef struct {
  OsspSimUart  *uart;
  int           master;
  GCancellable *cancel;
  GError       *error;
  gboolean      ok;
  GMainLoop    *loop;
} ServeThread;

static gboolean
stop_on_signal (gpointer data)
{
  ServeThread *t = data;

  g_cancellable_cancel (t->cancel);
  return G_SOURCE_CONTINUE;
}

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static gpointer
serve_thread (gpointer data)
{
  ServeThread *t = data;

  t->ok = ossp_sim_uart_serve_fd (t->uart, t->master, t->cancel, &t->error);
  g_idle_add (quit_loop, t->loop);
  return NULL;
}

/* Options shared by uart and usb. */
typedef struct {
  char     *state;
  char    **faults;
  gboolean  trace;
  guint     halt_ms;
} ServeOptions;

/* GOption fills these with strings of its own */
static void
serve_options_clear (ServeOptions *o)
{
  g_clear_pointer (&o->state, g_free);
  g_clear_pointer (&o->faults, g_strfreev);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ServeOptions, serve_options_clear)

static OsspSimBoard *
serve_board (OsspCli        *cli,
             ServeOptions   *o,
             const char     *path,
             OsspSimFaults **out_faults,
             GError        **error)
{
  g_autoptr(OsspSimBoard) board = ossp_sim_board_load (path, error);
  g_autoptr(OsspSimFaults) faults = ossp_sim_faults_new ();

  if (board == NULL)
    return NULL;
  for (guint i = 0; o->faults && o->faults[i]; i++)
    if (!ossp_sim_faults_add (faults, o->faults[i], error))
      return NULL;
  ossp_sim_board_set_faults (board, faults);
  ossp_sim_board_set_trace (board, o->trace);
  ossp_sim_board_set_autosave (board, path);
  *out_faults = g_steal_pointer (&faults);
  return g_steal_pointer (&board);
}

static int
sim_uart (OsspCli *cli, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspSimBoard) board = NULL;
  g_autoptr(OsspSimFaults) faults = NULL;
  g_autoptr(OsspSimUart) uart = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *link = NULL, *slave_path = NULL, *fault_text = NULL;
  g_auto(ServeOptions) o = { 0 };
  OsspSimUartOptions uo;
  gint baud = 0, byte_timeout = OSSP_SIM_UART_DEFAULT_BYTE_TIMEOUT_MS, reset_delay = 0, boot_delay = 0;
  gint halt = OSSP_SIM_UART_DEFAULT_HALT_RESET_MS;
  gboolean ignored_uart = FALSE;
  GOptionEntry entries[] = {
    { "state", 0, 0, G_OPTION_ARG_FILENAME, &o.state, "State file", "FILE" },
    { "link", 0, 0, G_OPTION_ARG_FILENAME, &link, "Also make a symlink to the pty here", "PATH" },
    { "fault", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.faults, "Inject a fault (repeatable; docs/simulator.md)", "KIND[@N][=V]" },
    { "baud", 0, 0, G_OPTION_ARG_INT, &baud, "Pace the line at this baud rate (11 bits per byte; 0 = off)", "N" },
    { "byte-timeout-ms", 0, 0, G_OPTION_ARG_INT, &byte_timeout, "Gap allowed inside a command (FSBL: 20; 0 = none)", "MS" },
    { "reset-delay-ms", 0, 0, G_OPTION_ARG_INT, &reset_delay, "Reset to ROM-ready delay", "MS" },
    { "boot-delay-ms", 0, 0, G_OPTION_ARG_INT, &boot_delay, "START to FSBL-ready delay", "MS" },
    { "halt-reset-ms", 0, 0, G_OPTION_ARG_INT, &halt, "Watchdog reset of an FSBL that opened no link (0 = never)", "MS" },
    { "trace", 0, 0, G_OPTION_ARG_NONE, &o.trace, "Log every step and burn on stderr", NULL },
    { "uart", 0, 0, G_OPTION_ARG_NONE, &ignored_uart, "(accepted for 'sim chip serve --uart')", NULL },
    { NULL }
  };
  ServeThread t = { 0 };
  GThread *thread;
  int exit_code, slave_keep = -1;
  const char *path;

  if (!ossp_cli_parse_options (cli, "sim uart", "[FILE]",
                               "Serve a simulated board on a new pty until interrupted (SIGINT/SIGTERM).",
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  path = state_path (o.state, argc, argv);
  if (path == NULL)
    return ossp_cli_usage_error (cli, "'openssp sim uart' takes one state file (--state FILE)");
  if (baud < 0 || byte_timeout < 0 || reset_delay < 0 || boot_delay < 0 || halt < 0)
    return ossp_cli_usage_error (cli, "Rates and delays cannot be negative");
  board = serve_board (cli, &o, path, &faults, &error);
  if (board == NULL)
    return ossp_cli_fail (cli, error);

  ossp_sim_uart_options_init (&uo);
  uo.baud = (guint) baud;
  uo.byte_timeout_ms = (guint) byte_timeout;
  uo.reset_delay_ms = (guint) reset_delay;
  uo.boot_delay_ms = (guint) boot_delay;
  uo.halt_reset_ms = (guint) halt;
  uart = ossp_sim_uart_new (board, &uo);
  t.master = ossp_sim_uart_open_pty (&slave_path, &slave_keep, &error);
  if (t.master < 0)
    return ossp_cli_fail (cli, error);
  if (link != NULL)
    {
      if (g_file_test (link, G_FILE_TEST_IS_SYMLINK))
        g_unlink (link);
      if (symlink (slave_path, link) != 0)
        {
          int e = errno;
          g_set_error (&error, OSSP_ERROR, OSSP_ERROR_IO, "Cannot make the link %s → %s: %s",
                       link, slave_path, g_strerror (e));
          return ossp_cli_fail (cli, error);
        }
    }
  fault_text = ossp_sim_faults_describe (faults);
  if (cli->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonGenerator) gen = json_generator_new ();
      g_autoptr(JsonNode) node = NULL;
      g_autofree char *text = NULL;
      json_builder_begin_object (b);
      add_string (b, "pty", slave_path);
      if (link)
        add_string (b, "link", link);
      add_string (b, "state", path);
      add_string (b, "chip", ossp_chip_get_id (ossp_sim_board_get_chip (board)));
      add_int (b, "pid", getpid ());
      add_string (b, "faults", fault_text);
      json_builder_end_object (b);
      node = json_builder_get_root (b);
      json_generator_set_root (gen, node);
      text = json_generator_to_data (gen, NULL);
      /* one line, so a supervising script can read it before we serve */
      g_print ("%s\n", text);
    }
  else
    {
      g_print ("%s\n", slave_path);
      ossp_cli_message (cli, "Serving %s (%s) on %s%s%s%s%s; Ctrl-C to stop.",
                        path, ossp_chip_get_name (ossp_sim_board_get_chip (board)), slave_path,
                        link ? " via " : "", link ? link : "",
                        *fault_text ? ", faults: " : "", fault_text);
    }
  fflush (stdout);

  loop = g_main_loop_new (NULL, FALSE);
  t.uart = uart;
  t.cancel = g_cancellable_new ();
  t.loop = loop;
  g_unix_signal_add (SIGINT, stop_on_signal, &t);
  g_unix_signal_add (SIGTERM, stop_on_signal, &t);
  g_unix_signal_add (SIGHUP, stop_on_signal, &t);
  thread = g_thread_new ("sim-uart", serve_thread, &t);
  g_main_loop_run (loop);
  g_thread_join (thread);
  g_object_unref (t.cancel);
  close (t.master);
  close (slave_keep);
  if (link != NULL)
    g_unlink (link);
  if (!ossp_sim_board_save (board, path, TRUE, &error))
    return ossp_cli_fail (cli, error);
  if (!t.ok)
    {
      g_autoptr(GError) e = t.error;
      return ossp_cli_fail (cli, e);
    }
  return OSSP_EXIT_OK;
}

static int
sim_usb (OsspCli *cli, int argc, char **argv)
{
#ifdef OSSP_HAVE_UMOCKDEV
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspSimBoard) board = NULL;
  g_autoptr(OsspSimFaults) faults = NULL;
  g_autoptr(UMockdevTestbed) testbed = NULL;
  g_autoptr(OsspSimDfuDevice) device = NULL;
  g_autoptr(OsspSimUmockdev) adapter = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) child = NULL;
  g_autofree char *preload = NULL, *root = NULL;
  g_auto(ServeOptions) o = { 0 };
  gboolean ignored_usb = FALSE;
  gint halt = OSSP_SIM_UART_DEFAULT_HALT_RESET_MS;
  GOptionEntry entries[] = {
    { "state", 0, 0, G_OPTION_ARG_FILENAME, &o.state, "State file", "FILE" },
    { "fault", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.faults, "Inject a fault (repeatable)", "KIND[@N][=V]" },
    { "halt-reset-ms", 0, 0, G_OPTION_ARG_INT, &halt, "Watchdog reset of an FSBL that opened no link (0 = never)", "MS" },
    { "trace", 0, 0, G_OPTION_ARG_NONE, &o.trace, "Log every request and burn on stderr", NULL },
    { "usb", 0, 0, G_OPTION_ARG_NONE, &ignored_usb, "(accepted for 'sim chip serve --usb')", NULL },
    { NULL }
  };
  int exit_code, split = -1, status;
  const char *path;
  const char *old_preload = g_getenv ("LD_PRELOAD");

  for (int i = 1; i < argc; i++)
    if (g_str_equal (argv[i], "--"))
      {
        split = i;
        break;
      }
  if (split < 0 || split == argc - 1)
    return ossp_cli_usage_error (cli, "'openssp sim usb' runs a command: openssp sim usb --state FILE -- COMMAND [ARGS…]");
  argv[split] = NULL;
  {
    int n = split;
    char **opts = argv;
    if (!ossp_cli_parse_options (cli, "sim usb", "[FILE] -- COMMAND [ARGS…]",
                                 "Run COMMAND with the simulated board plugged in as a USB DFU device (umockdev).",
                                 entries, &n, &opts, &exit_code))
      return exit_code;
    path = state_path (o.state, n, opts);
  }
  if (path == NULL)
    return ossp_cli_usage_error (cli, "'openssp sim usb' takes one state file (--state FILE)");
  board = serve_board (cli, &o, path, &faults, &error);
  if (board == NULL)
    return ossp_cli_fail (cli, error);
  testbed = umockdev_testbed_new ();
  root = umockdev_testbed_get_root_dir (testbed);
  device = ossp_sim_dfu_device_new (board, (guint) MAX (halt, 0));
  adapter = ossp_sim_umockdev_new (testbed, device, &error);
  if (adapter == NULL)
    return ossp_cli_fail (cli, error);

  /* the child sees the testbed: preload + UMOCKDEV_DIR, as umockdev-wrapper does */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  preload = old_preload && *old_preload ? g_strdup_printf ("libumockdev-preload.so.0:%s", old_preload)
                                        : g_strdup ("libumockdev-preload.so.0");
  g_subprocess_launcher_setenv (launcher, "LD_PRELOAD", preload, TRUE);
  g_subprocess_launcher_setenv (launcher, "UMOCKDEV_DIR", root, TRUE);
  /* stdout belongs to COMMAND */
  if (!cli->quiet)
    g_printerr ("Board %s plugged in as 0483:DF11 (umockdev %s); running %s\n", path, root, argv[split + 1]);
  child = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv + split + 1, &error);
  if (child == NULL)
    {
      g_prefix_error (&error, "Cannot run %s: ", argv[split + 1]);
      return ossp_cli_fail (cli, error);
    }
  if (!g_subprocess_wait (child, NULL, &error))
    return ossp_cli_fail (cli, error);
  status = g_subprocess_get_if_exited (child) ? g_subprocess_get_exit_status (child) : 1;
  ossp_sim_umockdev_lock (adapter);
  if (!ossp_sim_board_save (board, path, TRUE, &error))
    {
      ossp_sim_umockdev_unlock (adapter);
      return ossp_cli_fail (cli, error);
    }
  ossp_sim_umockdev_unlock (adapter);
  if (cli->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      add_string (b, "state", path);
      add_string (b, "umockdev_dir", root);
      add_int (b, "exit_status", status);
      json_builder_end_object (b);
      ossp_cli_print_builder (cli, b);
    }
  return status;
#else
  g_autoptr(GError) error = g_error_new (OSSP_ERROR, OSSP_ERROR_UNSUPPORTED,
                                         "This openssp was built without umockdev; install libumockdev-dev "
                                         "and rebuild to plug a simulated board in as a USB device");
  return ossp_cli_fail (cli, error);
#endif
}

/* ---- root-key ------------------------------------------------------------- */

static int
sim_root_key (OsspCli *cli, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *key_id_text = NULL, *out = NULL, *format = NULL, *hex = NULL;
  gboolean force = FALSE;
  GOptionEntry entries[] = {
    { "key-id", 0, 0, G_OPTION_ARG_STRING, &key_id_text, "ST key id (CFG2 bits 31..28), e.g. 0x0A", "N" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Also write the public key to FILE", "FILE" },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format, "FILE format: raw (64 bytes X‖Y, default), hex or pem", "F" },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &force, "Replace an existing FILE", NULL },
    { NULL }
  };
  guint8 key_id, priv[32], pub[64];
  int exit_code;
  g_autoptr(GBytes) data = NULL;

  if (!ossp_cli_parse_options (cli, "sim root-key", "",
                               "Print the simulator's \"OpenSSP root\" public key X‖Y for an ST key id.",
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc != 1 || key_id_text == NULL)
    return ossp_cli_usage_error (cli, "'openssp sim root-key' needs --key-id N");
  if (!parse_key_id (key_id_text, &key_id, &error))
    return ossp_cli_fail (cli, error);
  ossp_sim_root_key (key_id, priv, pub);
  ossp_secure_wipe (priv, sizeof priv);
  hex = ossp_hex_encode (pub, 64);

  if (out != NULL)
    {
      if (format == NULL || g_str_equal (format, "raw"))
        data = g_bytes_new (pub, 64);
      else if (g_str_equal (format, "hex"))
        data = g_bytes_new_take (g_strdup_printf ("%s\n", hex), 129);
      else if (g_str_equal (format, "pem"))
        {
          gnutls_pubkey_t k;
          gnutls_datum_t x = { pub, 32 }, y = { pub + 32, 32 }, pem = { NULL, 0 };
          gnutls_pubkey_init (&k);
          if (gnutls_pubkey_import_ecc_raw (k, GNUTLS_ECC_CURVE_SECP256R1, &x, &y) != 0 ||
              gnutls_pubkey_export2 (k, GNUTLS_X509_FMT_PEM, &pem) != 0)
            {
              gnutls_pubkey_deinit (k);
              g_set_error (&error, OSSP_ERROR, OSSP_ERROR_CRYPTO, "Cannot encode the root key as PEM");
              return ossp_cli_fail (cli, error);
            }
          data = g_bytes_new (pem.data, pem.size);
          gnutls_free (pem.data);
          gnutls_pubkey_deinit (k);
        }
      else
        return ossp_cli_usage_error (cli, "--format is raw, hex or pem, not \"%s\"", format);
      if (!ossp_file_write_atomic (out, g_bytes_get_data (data, NULL), g_bytes_get_size (data),
                                   force ? OSSP_WRITE_FLAGS_OVERWRITE : 0, &error))
        return ossp_cli_fail (cli, error);
    }
  if (cli->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autofree char *x = ossp_hex_encode (pub, 32), *y = ossp_hex_encode (pub + 32, 32);
      g_autofree char *id = g_strdup_printf ("0x%02X", key_id);
      json_builder_begin_object (b);
      add_string (b, "key_id", id);
      add_string (b, "curve", "prime256v1");
      add_string (b, "public_key", hex);
      add_string (b, "x", x);
      add_string (b, "y", y);
      if (out)
        add_string (b, "out", out);
      json_builder_end_object (b);
      ossp_cli_print_builder (cli, b);
    }
  else
    g_print ("%s\n", hex);
  return OSSP_EXIT_OK;
}

/* ---- dispatch --------------------------------------------------------------- */

static void
print_help (void)
{
  g_print ("Usage: openssp sim COMMAND [OPTIONS…]   (also: openssp sim chip COMMAND)\n\n"
           "Simulated STM32MP boards (BootROM + FSBL-SSP + OTP), see docs/simulator.md:\n"
           "  new          make a factory-fresh board: --chip C --state FILE [--st-board] [--fsbl-version v2.2|v2.6]\n"
           "  show         OTP words with locks, SSP bits, closed state, boot context\n"
           "  uart         serve the board on a new pty (prints its path) until interrupted\n"
           "  usb          run a command with the board plugged in as USB DFU (umockdev): -- COMMAND\n"
           "  power-cycle  switch the board off and on (the boot context is lost)\n"
           "  root-key     print the \"OpenSSP root\" public key of an ST key id\n"
           "(the soft-HSM card is 'openssp hsm sim-card')\n");
}

int
ossp_cli_sim_chip (OsspCli *cli, int argc, char **argv)
{
  if (argc >= 2 && g_str_equal (argv[1], "chip"))
    {
      /* `sim chip new|show|serve …` (issue wording) */
      argc--;
      argv++;
      if (argc >= 2 && g_str_equal (argv[1], "serve"))
        {
          for (int i = 2; i < argc; i++)
            if (g_str_equal (argv[i], "--usb"))
              return sim_usb (cli, argc - 1, argv + 1);
          return sim_uart (cli, argc - 1, argv + 1);
        }
    }
  if (argc < 2 || g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h"))
    {
      print_help ();
      return argc < 2 ? OSSP_EXIT_USAGE : OSSP_EXIT_OK;
    }
  if (g_str_equal (argv[1], "new"))
    return sim_new (cli, argc - 1, argv + 1);
  if (g_str_equal (argv[1], "show"))
    return sim_show (cli, argc - 1, argv + 1);
  if (g_str_equal (argv[1], "uart"))
    return sim_uart (cli, argc - 1, argv + 1);
  if (g_str_equal (argv[1], "usb"))
    return sim_usb (cli, argc - 1, argv + 1);
  if (g_str_equal (argv[1], "power-cycle"))
    return sim_power_cycle (cli, argc - 1, argv + 1);
  if (g_str_equal (argv[1], "root-key"))
    return sim_root_key (cli, argc - 1, argv + 1);
  return ossp_cli_usage_error (cli, "Unknown 'sim' sub-command \"%s\" (new, show, uart, usb, power-cycle, "
                               "root-key; the soft-HSM card is 'openssp hsm sim-card')", argv[1]);
}
