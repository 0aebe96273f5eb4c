/* test-cli-sim.c — `openssp sim …`: state files, --json, serving on a pty and USB
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <gio/gio.h>

#include "ossp-test-helper.h"
#include "ossp-test-ssp-host.h"

#define MP15_LOAD 0x2FFC2400u
#define MP15_BLOB 0x2FFFF000u

static JsonObject *
run_json_ok (OsspTestRun *run)
{
  JsonNode *root;

  if (run->exit_status != 0)
    g_error ("openssp failed (%d): %s%s", run->exit_status, run->out, run->err);
  root = ossp_test_run_json (run);
  g_test_queue_destroy ((GDestroyNotify) json_node_unref, root);
  return json_node_get_object (root);
}

static void
test_new_show (void)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *state = g_build_filename (dir, "board.json", NULL);
  g_autoptr(OsspTestRun) created = ossp_test_run_cli (NULL, "sim", "new", "--chip", "stm32mp15", "--state", state,
                                                      "--st-board", "--json", NULL);
  g_autoptr(OsspTestRun) again = ossp_test_run_cli (NULL, "sim", "new", "--chip", "stm32mp15", "--state", state,
                                                    "--json", NULL);
  g_autoptr(OsspTestRun) shown = ossp_test_run_cli (NULL, "sim", "show", state, "--json", NULL);
  g_autoptr(OsspTestRun) text = ossp_test_run_cli (NULL, "sim", "show", "--state", state, NULL);
  JsonObject *o;
  JsonArray *otp;
  struct stat st;
  guint locked_cert = 0;
  gboolean board_word = FALSE;

  o = run_json_ok (created);
  g_assert_cmpstr (json_object_get_string_member (o, "product_id"), ==, "5000200A");
  g_assert_false (json_object_get_boolean_member (o, "closed"));
  /* the state holds the chip's key seed: owner-only */
  g_assert_cmpint (stat (state, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (again->exit_status, ==, 5);

  o = run_json_ok (shown);
  otp = json_object_get_array_member (o, "otp");
  for (guint i = 0; i < json_array_get_length (otp); i++)
    {
      JsonObject *w = json_array_get_object_element (otp, i);
      gint64 word = json_object_get_int_member (w, "word");
      if (word >= 40 && word <= 55 && json_object_get_boolean_member (w, "locked"))
        locked_cert++;
      if (word == 59)
        board_word = g_str_equal (json_object_get_string_member (w, "value"), "0x12722301");
    }
  g_assert_cmpuint (locked_cert, ==, 16);
  g_assert_true (board_word);
  g_assert_cmpint (text->exit_status, ==, 0);
  g_assert_nonnull (strstr (text->out, "PERM"));
  g_assert_nonnull (strstr (text->out, "SSP_REQ clear"));
}

static void
test_errors (void)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *state = g_build_filename (dir, "x.json", NULL);
  g_autofree char *bad = g_build_filename (dir, "bad.json", NULL);
  g_autoptr(OsspTestRun) v22 = NULL, missing = NULL, garbage = NULL, verb = NULL, keyid = NULL, usage = NULL;
  JsonObject *err;

  v22 = ossp_test_run_cli (NULL, "sim", "new", "--chip", "stm32mp13", "--fsbl-version", "v2.2", "--state", state,
                           "--json", NULL);
  g_assert_cmpint (v22->exit_status, ==, 10);
  g_assert_false (g_file_test (state, G_FILE_TEST_EXISTS));
  missing = ossp_test_run_cli (NULL, "sim", "show", state, "--json", NULL);
  g_assert_cmpint (missing->exit_status, ==, 4);
  g_assert_true (g_file_set_contents (bad, "{\"format\": \"openssp-sim-chip\", \"version\": 1, \"chip\": \"stm32mp15\"}",
                                      -1, NULL));
  garbage = ossp_test_run_cli (NULL, "--json", "sim", "show", bad, NULL);
  g_assert_cmpint (garbage->exit_status, ==, 3);
  err = json_object_get_object_member (json_node_get_object (ossp_test_run_json (garbage)), "error");
  g_assert_cmpstr (json_object_get_string_member (err, "code"), ==, "invalid-data");
  g_assert_nonnull (strstr (json_object_get_string_member (err, "message"), "otp"));
  verb = ossp_test_run_cli (NULL, "sim", "nosuch", NULL);
  g_assert_cmpint (verb->exit_status, ==, 2);
  keyid = ossp_test_run_cli (NULL, "sim", "root-key", "--key-id", "0x10", "--json", NULL);
  g_assert_cmpint (keyid->exit_status, ==, 2);
  usage = ossp_test_run_cli (NULL, "sim", "new", "--chip", "stm32mp15", NULL);
  g_assert_cmpint (usage->exit_status, ==, 2);
}

/* The documented derivation, re-done by an independent implementation
 * (Python's pycryptodome) when it is installed. */
static void
test_root_key (void)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *raw = g_build_filename (dir, "root.bin", NULL);
  g_autoptr(OsspTestRun) run = ossp_test_run_cli (NULL, "sim", "root-key", "--key-id", "0x0A", "--out", raw,
                                                  "--json", NULL);
  g_autofree guint8 *data = NULL;
  g_autofree char *hex = NULL;
  OsspTestKey mine;
  guint8 id = 0x0A;
  gsize len = 0;
  JsonObject *o = run_json_ok (run);

  g_assert_true (g_file_get_contents (raw, (char **) &data, &len, NULL));
  g_assert_cmpuint (len, ==, 64);
  hex = ossp_hex_encode (data, 64);
  g_assert_cmpstr (json_object_get_string_member (o, "public_key"), ==, hex);
  ossp_test_key_derive (&mine, "OpenSSP-root", &id, 1);
  g_assert_cmpmem (mine.pub, 64, data, 64);

  if (g_file_test ("/usr/bin/python3", G_FILE_TEST_IS_EXECUTABLE))
    {
      const char *script =
        "import hashlib,sys\n"
        "try:\n from Cryptodome.PublicKey import ECC\n"
        "except ImportError:\n sys.exit(77)\n"
        "n=0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551\n"
        "d=int.from_bytes(hashlib.sha256(b'OpenSSP-root'+bytes([10])).digest(),'big')%n\n"
        "k=ECC.construct(curve='P-256',d=d)\n"
        "print('%064x%064x'%(int(k.pointQ.x),int(k.pointQ.y)))\n";
      g_autoptr(GSubprocess) py = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, NULL, "/usr/bin/python3",
                                                    "-c", script, NULL);
      g_autofree char *out = NULL;
      g_assert_true (g_subprocess_communicate_utf8 (py, NULL, NULL, &out, NULL, NULL));
      if (g_subprocess_get_exit_status (py) == 0)
        g_assert_cmpstr (g_strstrip (out), ==, hex);
      else
        g_test_message ("pycryptodome missing: independent root-key check skipped");
    }
}

/* ---- serving: a board survives a process restart ------------------------- */

typedef struct {
  GSubprocess *proc;
  int          fd;
} Served;

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static void
serve (Served     *s,
       const char *state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) in = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *line = NULL;
  const char *cli = g_getenv ("OPENSSP_CLI");

  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);

  /* the server must not outlive a failed test */
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  s->proc = g_subprocess_launcher_spawn (launcher, &error, cli, "sim", "uart", "--state", state,
                                         "--json", "--byte-timeout-ms", "2000", "--halt-reset-ms", "300",
                                         g_getenv ("OSSP_SIM_TRACE") ? "--trace" : NULL, NULL);
  g_assert_no_error (error);
  in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (s->proc));
  line = g_data_input_stream_read_line_utf8 (in, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (json_parser_load_from_data (parser, line, -1, NULL));
  s->fd = ossp_test_uart_open (json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)),
                                                              "pty"));
}

static void
stop (Served *s)
{
  close (s->fd);
  g_subprocess_send_signal (s->proc, SIGTERM);
  g_assert_true (g_subprocess_wait (s->proc, NULL, NULL));
  g_assert_true (g_subprocess_get_if_exited (s->proc));
  g_assert_cmpint (g_subprocess_get_exit_status (s->proc), ==, 0);
  g_clear_object (&s->proc);
}

static void
test_uart_restart (void)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *state = g_build_filename (dir, "board.json", NULL);
  g_autoptr(OsspTestRun) created = ossp_test_run_cli (NULL, "sim", "chip", "new", "--chip", "stm32mp15",
                                                      "--out", state, NULL);
  g_autoptr(OsspTestRun) mid = NULL, after = NULL;
  g_autoptr(GBytes) image = NULL, license = NULL, payload = NULL;
  g_autoptr(GByteArray) blob = g_byte_array_new ();
  static const guint8 nack = 0x1F, ack = 0x79, sync = 0x7F;
  static const guint8 part[6] = { 0xF3, 0, 0, 0, 0, 0xF3 }, n[2] = { 0x87, 0x78 };
  guint8 cert[136], iv[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 }, key[16] = { 0x42 }, secrets[8] = { 1, 0, 0, 0, 2 };
  guint8 phase[21];
  OsspTestKey oem;
  Served s = { 0 };
  JsonObject *o;

  g_assert_cmpint (created->exit_status, ==, 0);
  ossp_test_key_generate (&oem);
  image = ossp_test_build_fsbl ("stm32mp15", &oem, 0, 512, NULL);

  /* process 1: boot 1 only */
  serve (&s, state);
  ossp_test_uart_rom_boot (s.fd, MP15_LOAD, image);
  ossp_test_uart_expect (s.fd, &nack, 1, 3000);
  ossp_test_uart_command (s.fd, 0x03);
  g_assert_cmpuint (ossp_test_uart_read (s.fd, phase, sizeof phase, 2000), ==, sizeof phase);
  g_assert_cmpuint (phase[1], ==, 0xFF);
  stop (&s);
  mid = ossp_test_run_cli (NULL, "sim", "show", state, "--json", NULL);
  o = run_json_ok (mid);
  g_assert_cmpstr (json_object_get_string_member (o, "ssp_cmd_name"), ==, "PUBK");
  g_assert_true (json_object_get_boolean_member (o, "ssp_req"));

  /* process 2: boots 2 and 3 continue from the saved boot context */
  serve (&s, state);
  ossp_test_uart_rom_boot (s.fd, MP15_LOAD, image);
  ossp_test_uart_expect (s.fd, &nack, 1, 3000);
  ossp_test_uart_command (s.fd, 0x12);
  ossp_test_uart_write (s.fd, part, 6);
  ossp_test_uart_expect (s.fd, &ack, 1, 2000);
  ossp_test_uart_write (s.fd, n, 2);
  ossp_test_uart_expect (s.fd, &ack, 1, 2000);
  g_assert_cmpuint (ossp_test_uart_read (s.fd, cert, 136, 2000), ==, 136);
  ossp_test_uart_expect (s.fd, &ack, 1, 2000);
  license = ossp_test_build_license (cert + 8, 0x2E505353, 0, iv, key);
  payload = ossp_test_build_payload (TRUE, oem.pub, secrets, sizeof secrets, iv, key);
  g_byte_array_append (blob, g_bytes_get_data (license, NULL), 136);
  g_byte_array_append (blob, g_bytes_get_data (payload, NULL), 244);
  ossp_test_uart_download (s.fd, 0xF3, blob->data, blob->len);
  ossp_test_uart_start (s.fd, MP15_BLOB, ack);
  ossp_test_uart_command (s.fd, 0x03);
  {
    /* 05+28 bytes "Invalid start at 0x2FFFF000\n" reply and ACK */
    guint8 reply[36];
    g_assert_cmpuint (ossp_test_uart_read (s.fd, reply, sizeof reply, 2000), ==, sizeof reply);
    g_assert_cmpuint (reply[0], ==, 5 + 28);
    g_assert_cmpuint (reply[35], ==, 0x79);
  }
  ossp_test_uart_rom_boot (s.fd, MP15_LOAD, image);
  g_assert_cmpuint (ossp_test_uart_read (s.fd, phase, 1, 1500), ==, 0);
  ossp_test_uart_write (s.fd, &sync, 1);
  ossp_test_uart_expect (s.fd, &ack, 1, 2000);
  stop (&s);

  after = ossp_test_run_cli (NULL, "sim", "show", state, "--json", NULL);
  o = run_json_ok (after);
  g_assert_true (json_object_get_boolean_member (o, "closed"));
  g_assert_true (json_object_get_boolean_member (o, "ssp_success"));
  g_assert_cmpint (json_object_get_int_member (o, "boots"), ==, 3);
}

static void
test_power_cycle (void)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *state = g_build_filename (dir, "board.json", NULL);
  g_autoptr(OsspTestRun) created = ossp_test_run_cli (NULL, "sim", "new", "--chip", "mp13", "--state", state, NULL);
  g_autoptr(OsspTestRun) cycled = ossp_test_run_cli (NULL, "sim", "power-cycle", state, "--json", NULL);
  JsonObject *o;

  g_assert_cmpint (created->exit_status, ==, 0);
  o = run_json_ok (cycled);
  g_assert_cmpstr (json_object_get_string_member (o, "product_id"), ==, "5010100D");
  g_assert_cmpstr (json_object_get_string_member (o, "ssp_cmd_name"), ==, "none");
}

/* `sim usb -- COMMAND`: a separate process sees the board through libusb. */
static void
test_usb_child (void)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *state = g_build_filename (dir, "board.json", NULL);
  g_autofree char *probe = g_build_filename (g_getenv ("G_TEST_BUILDDIR"), "sim-usb-probe", NULL);
  g_autoptr(OsspTestRun) created = ossp_test_run_cli (NULL, "sim", "new", "--chip", "stm32mp13", "--state", state, NULL);
  g_autoptr(OsspTestRun) run = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *o;
  JsonArray *alts;

  if (!ossp_test_have_program ("umockdev-wrapper") || !g_file_test (probe, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("umockdev or the probe is not available");
      return;
    }
  g_assert_cmpint (created->exit_status, ==, 0);
  run = ossp_test_run_cli (NULL, "sim", "usb", "--state", state, "--", probe, NULL);
  if (run->exit_status == 10)
    {
      g_test_skip ("openssp built without umockdev");
      return;
    }
  g_assert_cmpint (run->exit_status, ==, 0);
  g_assert_true (json_parser_load_from_data (parser, run->out, -1, NULL));
  o = json_node_get_object (json_parser_get_root (parser));
  g_assert_true (json_object_get_boolean_member (o, "found"));
  alts = json_object_get_array_member (o, "alts");
  g_assert_cmpstr (json_array_get_string_element (alts, 0), ==, "@FSBL /0x01/1*1Me");
  /* the ROM's GetPhase: phase 0x01 at the MP13 load address 0x2FFE0000 */
  g_assert_cmpstr (json_object_get_string_member (o, "phase"), ==, "010000fe2f00000000");
}

/* The soft-HSM (another area, written from the same spec) licenses this
 * simulator's certificate and the simulated ROM accepts the license: the two
 * meet only through files, exactly as on a production line. */
static void
test_soft_hsm_license (void)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *state = g_build_filename (dir, "board.json", NULL);
  g_autofree char *cert_path = g_build_filename (dir, "cert.bin", NULL);
  g_autofree char *ospd = g_build_filename (dir, "mp15.ospd", NULL);
  g_autofree char *hsm = g_build_filename (dir, "hsm.json", NULL);
  g_autofree char *key_path = g_build_filename (dir, "key.bin", NULL);
  g_autofree char *nonce_path = g_build_filename (dir, "nonce.bin", NULL);
  g_autofree char *lic_path = g_build_filename (dir, "license.bin", NULL);
  g_autoptr(OsspTestRun) created = ossp_test_run_cli (NULL, "sim", "new", "--chip", "stm32mp15", "--state", state, NULL);
  g_autoptr(OsspTestRun) root = ossp_test_run_cli (NULL, "sim", "root-key", "--key-id", "0x0A", NULL);
  g_autoptr(OsspTestRun) perso = NULL, prov = NULL, lic = NULL, after = NULL;
  g_autoptr(GBytes) image = NULL, payload = NULL;
  g_autoptr(GByteArray) blob = g_byte_array_new ();
  g_autofree char *license = NULL;
  static const guint8 nack = 0x1F, ack = 0x79;
  static const guint8 part[6] = { 0xF3, 0, 0, 0, 0, 0xF3 }, n[2] = { 0x87, 0x78 };
  guint8 cert[136], key[16], iv[16] = { 0 }, secrets[12] = { 0x11, 0, 0, 0, 0x22, 0, 0, 0, 0x33 };
  guint8 phase[36];
  OsspTestKey oem;
  Served s = { 0 };
  gsize lic_len = 0;

  g_assert_cmpint (created->exit_status, ==, 0);
  g_assert_cmpint (root->exit_status, ==, 0);
  for (guint i = 0; i < 16; i++)
    {
      key[i] = (guint8) (0xA0 + i);
      iv[i] = i < 12 ? (guint8) (0x10 + i) : 0;
    }
  g_assert_true (g_file_set_contents (key_path, (const char *) key, 16, NULL));
  g_assert_true (g_file_set_contents (nonce_path, (const char *) iv, 16, NULL));
  perso = ossp_test_run_cli (NULL, "hsm", "perso", "--product", "5000200A", "--root-pubkey", g_strstrip (root->out),
                             "--out", ospd, NULL);
  g_assert_cmpint (perso->exit_status, ==, 0);
  prov = ossp_test_run_cli (NULL, "hsm", "provision", "--sim", hsm, "--perso", ospd, "--key", key_path,
                            "--nonce", nonce_path, "--firmware-id", "SSP_MPU", "--max", "3", "--yes", NULL);
  if (prov->exit_status != 0)
    g_error ("hsm provision: %s%s", prov->out, prov->err);

  ossp_test_key_generate (&oem);
  image = ossp_test_build_fsbl ("stm32mp15", &oem, 0, 512, NULL);
  serve (&s, state);
  ossp_test_uart_rom_boot (s.fd, MP15_LOAD, image);
  ossp_test_uart_expect (s.fd, &nack, 1, 3000);
  ossp_test_uart_command (s.fd, 0x03);
  g_assert_cmpuint (ossp_test_uart_read (s.fd, phase, 21, 2000), ==, 21);
  ossp_test_uart_rom_boot (s.fd, MP15_LOAD, image);
  ossp_test_uart_expect (s.fd, &nack, 1, 3000);
  ossp_test_uart_command (s.fd, 0x12);
  ossp_test_uart_write (s.fd, part, 6);
  ossp_test_uart_expect (s.fd, &ack, 1, 2000);
  ossp_test_uart_write (s.fd, n, 2);
  ossp_test_uart_expect (s.fd, &ack, 1, 2000);
  g_assert_cmpuint (ossp_test_uart_read (s.fd, cert, 136, 2000), ==, 136);
  ossp_test_uart_expect (s.fd, &ack, 1, 2000);
  g_assert_true (g_file_set_contents (cert_path, (const char *) cert, 136, NULL));

  lic = ossp_test_run_cli (NULL, "hsm", "license", "--sim", hsm, "--cert", cert_path, "--out", lic_path, NULL);
  if (lic->exit_status != 0)
    g_error ("hsm license: %s%s", lic->out, lic->err);
  g_assert_true (g_file_get_contents (lic_path, &license, &lic_len, NULL));
  g_assert_cmpuint (lic_len, ==, 136);
  payload = ossp_test_build_payload (TRUE, oem.pub, secrets, sizeof secrets, iv, key);
  g_byte_array_append (blob, (const guint8 *) license, 136);
  g_byte_array_append (blob, g_bytes_get_data (payload, NULL), 244);
  ossp_test_uart_download (s.fd, 0xF3, blob->data, blob->len);
  ossp_test_uart_start (s.fd, MP15_BLOB, ack);
  ossp_test_uart_command (s.fd, 0x03);
  g_assert_cmpuint (ossp_test_uart_read (s.fd, phase, 36, 2000), ==, 36);
  ossp_test_uart_rom_boot (s.fd, MP15_LOAD, image);
  g_assert_cmpuint (ossp_test_uart_read (s.fd, phase, 1, 1500), ==, 0);   /* boot 3 ran */
  stop (&s);

  after = ossp_test_run_cli (NULL, "sim", "show", state, "--json", NULL);
  g_assert_true (json_object_get_boolean_member (run_json_ok (after), "ssp_success"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/sim/new-show", test_new_show);
  g_test_add_func ("/cli/sim/errors", test_errors);
  g_test_add_func ("/cli/sim/root-key", test_root_key);
  g_test_add_func ("/cli/sim/power-cycle", test_power_cycle);
  g_test_add_func ("/cli/sim/uart-restart", test_uart_restart);
  g_test_add_func ("/cli/sim/usb-child", test_usb_child);
  g_test_add_func ("/cli/sim/soft-hsm-license", test_soft_hsm_license);
  return g_test_run ();
}
