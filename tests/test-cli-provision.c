/* test-cli-provision.c — `openssp provision` against the simulated board
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The CLI runs as a subprocess with --demo: the example set-up, the
 * in-process soft-HSM and the built-in simulated board on a pty.  The
 * typed confirmation is answered through a real pseudo-terminal (forkpty),
 * as a person at a terminal would.
 */
#include <errno.h>
#include <signal.h>
#include <poll.h>
#include <pty.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ossp-test-helper.h"
#include "ossp-sim-board.h"

typedef struct {
  char *dir;
  char *demo;
  char *board;
  char *audit;
} Ctx;

static void
ctx_init (Ctx *c)
{
  c->dir = ossp_test_make_tmpdir ();
  c->demo = g_build_filename (c->dir, "demo", NULL);
  c->board = g_build_filename (c->dir, "board.json", NULL);
  c->audit = g_build_filename (c->demo, "audit.jsonl", NULL);
}

static void
ctx_clear (Ctx *c)
{
  g_free (c->dir);
  g_free (c->demo);
  g_free (c->board);
  g_free (c->audit);
}

/* The last JSON line of a --json run (the summary). */
static JsonObject *
last_event (OsspTestRun *run,
            const char  *kind)
{
  g_auto(GStrv) lines = g_strsplit (run->out, "\n", -1);
  JsonObject *found = NULL;

  for (guint i = 0; lines[i]; i++)
    {
      g_autoptr(JsonParser) p = json_parser_new ();
      JsonObject *o;
      if (*lines[i] == '\0')
        continue;
      if (!json_parser_load_from_data (p, lines[i], -1, NULL))
        g_error ("not a JSON line: %s\nstderr: %s", lines[i], run->err);
      o = json_node_get_object (json_parser_get_root (p));
      if (g_str_equal (json_object_get_string_member (o, "event"), kind))
        {
          g_clear_pointer (&found, json_object_unref);
          found = json_object_ref (o);
        }
    }
  g_assert_nonnull (found);
  return found;
}

static guint
board_boots (const char *state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspSimBoard) b = ossp_sim_board_load (state, &error);
  g_assert_no_error (error);
  return ossp_sim_board_get_boots (b);
}

static void
test_cli_provision_demo (void)
{
  Ctx c;
  g_autoptr(OsspTestRun) run = NULL;
  g_autoptr(OsspTestRun) again = NULL;
  g_autoptr(OsspTestRun) verify = NULL;
  g_autoptr(JsonObject) sum = NULL;
  g_autoptr(JsonObject) res = NULL;
  g_autoptr(JsonObject) plan = NULL;
  JsonObject *rec;

  ctx_init (&c);
  run = ossp_test_run_cli (NULL, "--json", "--yes", "provision", "--demo", "--demo-dir", c.demo,
                           "--sim-baud", "0", "--sim-state", c.board, NULL);
  g_assert_cmpint (run->exit_status, ==, 0);
  sum = last_event (run, "summary");
  g_assert_cmpint (json_object_get_int_member (sum, "provisioned"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (sum, "exit_code"), ==, 0);
  plan = last_event (run, "plan");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (plan, "plan"),
                                                  "confirm_word"), ==, "BURN");
  res = last_event (run, "result");
  g_assert_cmpstr (json_object_get_string_member (res, "result"), ==, "provisioned");
  rec = json_object_get_object_member (res, "record");
  g_assert_cmpstr (json_object_get_string_member (rec, "confirmation"), ==, "yes-flag");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (rec, "chip"),
                                                  "product_id"), ==, "5000200A");

  /* a second run on the same board: already provisioned, exit 20 (state) */
  again = ossp_test_run_cli (NULL, "--yes", "provision", "--demo", "--demo-dir", c.demo,
                             "--sim-baud", "0", "--sim-state", c.board, NULL);
  g_assert_cmpint (again->exit_status, ==, 20);
  g_assert_nonnull (strstr (again->out, "already provisioned or closed"));

  verify = ossp_test_run_cli (NULL, "--json", "audit", "verify", c.audit, NULL);
  g_assert_cmpint (verify->exit_status, ==, 0);
  {
    g_autoptr(JsonNode) root = ossp_test_run_json (verify);
    JsonObject *o = json_node_get_object (root);
    g_assert_cmpint (json_object_get_int_member (o, "records"), ==, 2);
    g_assert_cmpint (json_object_get_int_member (o, "provisioned"), ==, 1);
    g_assert_cmpint (json_object_get_int_member (o, "licenses_consumed"), ==, 1);
  }
  ctx_clear (&c);
}

/* Without a terminal and without --yes: refused, nothing sent. */
static void
test_cli_provision_no_confirmation (void)
{
  Ctx c;
  g_autoptr(OsspTestRun) run = NULL;

  ctx_init (&c);
  run = ossp_test_run_cli (NULL, "provision", "--demo", "--demo-dir", c.demo, "--sim-baud", "0",
                           "--sim-state", c.board, NULL);
  g_assert_cmpint (run->exit_status, ==, 18);
  g_assert_nonnull (strstr (run->out, "Burn plan for STM32MP15"));
  g_assert_cmpuint (board_boots (c.board), ==, 0);
  ctx_clear (&c);
}

/* Runs the CLI on a pseudo-terminal and types @answer at the prompt. */
static int
run_on_terminal (const char * const *argv,
                 const char         *answer,
                 GString            *transcript)
{
  int master = -1;
  pid_t pid = forkpty (&master, NULL, NULL, NULL);
  gboolean answered = FALSE;
  int status = 0;

  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      execv (argv[0], (char * const *) argv);
      _exit (127);
    }
  for (;;)
    {
      struct pollfd pfd = { .fd = master, .events = POLLIN };
      char buf[4096];
      ssize_t n;

      if (poll (&pfd, 1, 60000) <= 0)
        break;
      n = read (master, buf, sizeof buf);
      if (n <= 0)
        break;      /* EIO: the child closed the terminal */
      g_string_append_len (transcript, buf, n);
      if (!answered && strstr (transcript->str, "to continue: ") != NULL)
        {
          g_assert_cmpint (write (master, answer, strlen (answer)), ==, (ssize_t) strlen (answer));
          answered = TRUE;
        }
    }
  close (master);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (answered);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

static void
test_cli_provision_typed (void)
{
  Ctx c;
  g_autoptr(GString) wrong = g_string_new (NULL);
  g_autoptr(GString) right = g_string_new (NULL);
  const char *argv[] = { g_getenv ("OPENSSP_CLI"), "provision", "--demo", "--demo-dir", NULL,
                         "--sim-baud", "0", "--sim-state", NULL, NULL };

  ctx_init (&c);
  argv[4] = c.demo;
  argv[8] = c.board;
  /* the demo HSM serves one MP15 product id: it is the word to type */
  g_assert_cmpint (run_on_terminal (argv, "BURN\n", wrong), ==, 18);
  g_assert_nonnull (strstr (wrong->str, "Type \"5000200A\""));
  g_assert_nonnull (strstr (wrong->str, "not confirmed"));
  g_assert_cmpuint (board_boots (c.board), ==, 0);

  g_assert_cmpint (run_on_terminal (argv, "5000200A\n", right), ==, 0);
  g_assert_nonnull (strstr (right->str, "provisioned: chip 5000200A"));
  ctx_clear (&c);
}

/* STM32_Programmer_CLI's spelling, with the soft-HSM instead of hsm=1. */
static void
test_cli_provision_cubeprogrammer_alias (void)
{
  Ctx c;
  g_autoptr(OsspTestRun) prep = NULL;
  g_autoptr(OsspTestRun) run = NULL;
  g_autofree char *ssp = NULL;
  g_autofree char *fw = NULL;
  g_autofree char *hsm = NULL;

  ctx_init (&c);
  /* make the demo set-up (and its soft-HSM) first */
  prep = ossp_test_run_cli (NULL, "--yes", "provision", "--demo", "--demo-dir", c.demo,
                            "--preflight-only", "--sim-baud", "0", NULL);
  g_assert_cmpint (prep->exit_status, ==, 0);
  ssp = g_build_filename (c.demo, "stm32mp15", "demo.ssp", NULL);
  fw = g_build_filename (c.demo, "stm32mp15", "tf-a-ssp-demo-stm32mp15.stm32", NULL);
  hsm = g_build_filename (c.demo, "hsm.json", NULL);
  run = ossp_test_run_cli (NULL, "--yes", "provision", "-c", "port=sim", "-ssp", ssp, fw,
                           "--hsm-sim", hsm, "--sim-baud", "0", "--sim-state", c.board, NULL);
  g_assert_cmpint (run->exit_status, ==, 0);
  g_assert_nonnull (strstr (run->out, "provisioned: chip 5000200A"));
  ctx_clear (&c);
}

/* --preflight-only: every check, no burn, no license. */
static void
test_cli_provision_preflight_only (void)
{
  Ctx c;
  g_autoptr(OsspTestRun) run = NULL;

  ctx_init (&c);
  run = ossp_test_run_cli (NULL, "provision", "--demo", "--demo-dir", c.demo, "--preflight-only",
                           "--sim-baud", "0", "--sim-state", c.board, NULL);
  g_assert_cmpint (run->exit_status, ==, 0);
  g_assert_nonnull (strstr (run->out, "firmware-signature"));
  g_assert_nonnull (strstr (run->out, "hsm-licenses"));
  g_assert_cmpuint (board_boots (c.board), ==, 0);
  ctx_clear (&c);
}

/* Batch: 8 simulated chips at once, one confirmation, one summary. */
static void
test_cli_provision_batch (void)
{
  Ctx c;
  g_autoptr(OsspTestRun) run = NULL;
  g_autoptr(OsspTestRun) verify = NULL;
  g_autoptr(JsonObject) sum = NULL;

  ctx_init (&c);
  run = ossp_test_run_cli (NULL, "--json", "--yes", "provision", "--demo", "--demo-dir", c.demo,
                           "--port", "sim", "--sim-boards", "8", "--sim-baud", "0", NULL);
  g_assert_cmpint (run->exit_status, ==, 0);
  sum = last_event (run, "summary");
  g_assert_cmpint (json_object_get_int_member (sum, "devices"), ==, 8);
  g_assert_cmpint (json_object_get_int_member (sum, "provisioned"), ==, 8);
  verify = ossp_test_run_cli (NULL, "--json", "audit", "verify", c.audit, NULL);
  g_assert_cmpint (verify->exit_status, ==, 0);
  {
    g_autoptr(JsonNode) root = ossp_test_run_json (verify);
    g_assert_cmpint (json_object_get_int_member (json_node_get_object (root), "provisioned"), ==, 8);
  }
  ctx_clear (&c);
}

/* The simulator as its own process (`openssp sim uart`), the host on the
 * pty it serves: the two meet only on the wire, with the simulator's reset
 * and boot delays (bytes sent meanwhile are lost). MP13 this time. */
static void
test_cli_provision_separate_sim (void)
{
  Ctx c;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspTestRun) made = NULL;
  g_autoptr(OsspTestRun) prep = NULL;
  g_autoptr(OsspTestRun) run = NULL;
  g_autoptr(GSubprocess) sim = NULL;
  g_autoptr(OsspSimBoard) after = NULL;
  g_autofree char *link = NULL;
  g_autofree char *port = NULL;
  g_autofree char *ssp = NULL;
  g_autofree char *fw = NULL;
  g_autofree char *hsm = NULL;
  gint64 deadline;

  ctx_init (&c);
  link = g_build_filename (c.dir, "ttySIM", NULL);
  made = ossp_test_run_cli (NULL, "sim", "new", "--chip", "stm32mp13", "--state", c.board, NULL);
  g_assert_cmpint (made->exit_status, ==, 0);
  /* the demo's payload, firmware and soft-HSM for MP13 */
  prep = ossp_test_run_cli (NULL, "provision", "--demo", "--chip", "stm32mp13", "--demo-dir", c.demo,
                            "--preflight-only", "--sim-baud", "0", NULL);
  g_assert_cmpint (prep->exit_status, ==, 0);
  sim = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                          g_getenv ("OPENSSP_CLI"), "sim", "uart", "--state", c.board, "--link", link,
                          "--baud", "0", "--reset-delay-ms", "50", "--boot-delay-ms", "50",
                          "--halt-reset-ms", "300", NULL);
  g_assert_no_error (error);
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (!g_file_test (link, G_FILE_TEST_EXISTS) && g_get_monotonic_time () < deadline)
    g_usleep (20000);
  g_assert_true (g_file_test (link, G_FILE_TEST_EXISTS));

  ssp = g_build_filename (c.demo, "stm32mp13", "demo.ssp", NULL);
  fw = g_build_filename (c.demo, "stm32mp13", "tf-a-ssp-demo-stm32mp13.stm32", NULL);
  hsm = g_build_filename (c.demo, "hsm.json", NULL);
  port = g_strconcat ("uart:", link, NULL);
  {
    g_autofree char *hsm_spec = g_strconcat ("sim:", hsm, NULL);
    run = ossp_test_run_cli (NULL, "--yes", "provision", "--port", port, "--ssp", ssp,
                             "--firmware", fw, "--hsm", hsm_spec, "--audit", c.audit, NULL);
  }
  if (run->exit_status != 0)
    g_error ("provision failed (%d):\n%s\n%s", run->exit_status, run->out, run->err);
  g_assert_nonnull (strstr (run->out, "provisioned: chip 5010100D"));
  g_subprocess_send_signal (sim, SIGTERM);
  g_subprocess_wait (sim, NULL, NULL);
  after = ossp_sim_board_load (c.board, &error);
  g_assert_no_error (error);
  g_assert_true (ossp_sim_board_is_provisioned (after));
  ctx_clear (&c);
}

static void
test_cli_provision_usage (void)
{
  g_autoptr(OsspTestRun) none = ossp_test_run_cli (NULL, "provision", NULL);
  g_autoptr(OsspTestRun) bad_port = ossp_test_run_cli (NULL, "--json", "provision", "--demo",
                                                       "--port", "COM3", "--yes", NULL);

  g_assert_cmpint (none->exit_status, ==, 2);
  g_assert_nonnull (strstr (none->err, "--ssp"));
  g_assert_cmpint (bad_port->exit_status, ==, 2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/provision/demo", test_cli_provision_demo);
  g_test_add_func ("/cli/provision/no-confirmation", test_cli_provision_no_confirmation);
  g_test_add_func ("/cli/provision/typed", test_cli_provision_typed);
  g_test_add_func ("/cli/provision/cubeprogrammer-alias", test_cli_provision_cubeprogrammer_alias);
  g_test_add_func ("/cli/provision/preflight-only", test_cli_provision_preflight_only);
  g_test_add_func ("/cli/provision/batch", test_cli_provision_batch);
  g_test_add_func ("/cli/provision/separate-sim", test_cli_provision_separate_sim);
  g_test_add_func ("/cli/provision/usage", test_cli_provision_usage);
  return g_test_run ();
}
