/* test-cli-doctor.c — `openssp doctor` against real parts: no pcscd at all,
 * a private pcscd with a vpcd reader and the soft-HSM card, a chip in DFU
 * mode and a USB serial port emulated by umockdev (the test double for
 * hardware the build machine lacks), and the same devices seen by an
 * unprivileged user who may not open them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <unistd.h>
#include <glib/gstdio.h>

#include "ossp-project-test-helper.h"
#include "ossp-test-pcscd.h"

/* a chip in DFU mode (0483:df11) on bus 1 and a CDC-ACM serial port */
static const char devices[] =
  "P: /devices/pci0000:00/0000:00:14.0/usb1/1-1\n"
  "N: bus/usb/001/002\n"
  "E: DEVNAME=/dev/bus/usb/001/002\n"
  "E: DEVTYPE=usb_device\n"
  "E: SUBSYSTEM=usb\n"
  "A: idVendor=0483\n"
  "A: idProduct=df11\n"
  "A: busnum=1\n"
  "A: devnum=2\n"
  "A: devpath=1\n"
  "A: speed=480\n"
  "A: bConfigurationValue=1\n"
  "A: bNumConfigurations=1\n"
  /* device, configuration, DFU interface (FE/01/02), DFU functional descriptors */
  "H: descriptors=12010002000000408304" "11df000201020301"
  "09021b00010100c032" "090400000" "0fe010204" "09210bff0000041a01\n"
  "\n"
  "P: /devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0/tty/ttyACM0\n"
  "N: ttyACM0\n"
  "E: DEVNAME=/dev/ttyACM0\n"
  "E: SUBSYSTEM=tty\n";

static JsonObject *
find_check (JsonNode *root, const char *id)
{
  JsonArray *checks = json_object_get_array_member (json_node_get_object (root), "checks");
  for (guint i = 0; i < json_array_get_length (checks); i++)
    {
      JsonObject *c = json_array_get_object_element (checks, i);
      if (g_str_equal (json_object_get_string_member (c, "id"), id))
        return c;
    }
  return NULL;
}

static const char *
status_of (JsonNode *root, const char *id)
{
  JsonObject *c = find_check (root, id);
  g_assert_nonnull (c);
  return json_object_get_string_member (c, "status");
}

/* Runs `[setpriv …] umockdev-run -d DEVICES -- sh -c "SETUP; openssp doctor --json ARGS"` */
static OsspTestRun *
run_doctor_with_devices (const char *dir,
                         gboolean    as_nobody,
                         const char *setup,
                         const char *extra)
{
  g_autofree char *file = g_build_filename (dir, "devices.umockdev", NULL);
  g_autofree char *script = g_strdup_printf ("%s%s'%s' --json doctor %s", setup ? setup : "", setup ? "; " : "",
                                             g_getenv ("OPENSSP_CLI"), extra ? extra : "");
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  OsspTestRun *run = g_new0 (OsspTestRun, 1);
  int status;

  g_assert_true (g_file_set_contents (file, devices, -1, NULL));
  g_chmod (dir, 0755);
  g_chmod (file, 0644);
  if (as_nobody)
    {
      g_ptr_array_add (argv, "setpriv");
      g_ptr_array_add (argv, "--reuid=65534");
      g_ptr_array_add (argv, "--regid=65534");
      g_ptr_array_add (argv, "--clear-groups");
    }
  g_ptr_array_add (argv, "umockdev-run");
  g_ptr_array_add (argv, "-d");
  g_ptr_array_add (argv, file);
  g_ptr_array_add (argv, "--");
  g_ptr_array_add (argv, "sh");
  g_ptr_array_add (argv, "-c");
  g_ptr_array_add (argv, script);
  g_ptr_array_add (argv, NULL);
  g_spawn_sync (dir, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                &run->out, &run->err, &status, &error);
  g_assert_no_error (error);
  run->exit_status = WIFEXITED (status) ? WEXITSTATUS (status) : 128;
  return run;
}

static void
test_no_pcscd_no_devices (void)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *sock = g_build_filename (dir, "no-pcscd.comm", NULL);
  g_autoptr(OsspTestRun) run = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonArray *checks;

  g_setenv ("PCSCLITE_CSOCK_NAME", sock, TRUE);
  run = ossp_test_run_cli (NULL, "--json", "doctor", NULL);
  g_unsetenv ("PCSCLITE_CSOCK_NAME");
  /* no pcscd is an error: the HSM needs it */
  g_assert_cmpint (run->exit_status, ==, 11);
  root = ossp_test_run_json (run);
  g_assert_false (json_object_get_boolean_member (json_node_get_object (root), "ok"));
  g_assert_cmpstr (status_of (root, "pcscd"), ==, "error");
  g_assert_nonnull (strstr (json_object_get_string_member (find_check (root, "pcscd"), "fix"), "pcscd"));
  g_assert_cmpstr (status_of (root, "project"), ==, "skipped");
  /* every check that is not ok says how to fix it */
  checks = json_object_get_array_member (json_node_get_object (root), "checks");
  for (guint i = 0; i < json_array_get_length (checks); i++)
    {
      JsonObject *c = json_array_get_object_element (checks, i);
      const char *status = json_object_get_string_member (c, "status");
      if (g_str_equal (status, "error") || g_str_equal (status, "warning"))
        g_assert_false (json_object_get_null_member (c, "fix"));
    }
}

/* A project with the soft-HSM does not need pcscd; a missing file is named
 * with its JSON path. */
static void
test_project (void)
{
  g_autofree char *project = ossp_test_make_example ("mp15");
  g_autofree char *dir = g_path_get_dirname (project);
  g_autofree char *nonce = g_build_filename (dir, "nonce.bin", NULL);
  g_autofree char *sock = g_build_filename (dir, "no-pcscd.comm", NULL);
  g_autoptr(OsspTestRun) good = NULL, bad = NULL;
  g_autoptr(JsonNode) r1 = NULL, r2 = NULL;

  g_setenv ("PCSCLITE_CSOCK_NAME", sock, TRUE);
  good = ossp_test_run_cli (NULL, "--json", "doctor", "--project", project, NULL);
  r1 = ossp_test_run_json (good);
  g_assert_cmpstr (status_of (r1, "pcscd"), ==, "warning");
  g_assert_cmpstr (status_of (r1, "project"), ==, "ok");
  g_assert_cmpint (good->exit_status, ==, 0);

  g_assert_cmpint (g_unlink (nonce), ==, 0);
  bad = ossp_test_run_cli (NULL, "--json", "doctor", "--project", project, NULL);
  g_unsetenv ("PCSCLITE_CSOCK_NAME");
  g_assert_cmpint (bad->exit_status, ==, 11);
  r2 = ossp_test_run_json (bad);
  g_assert_cmpstr (status_of (r2, "project"), ==, "error");
  g_assert_nonnull (strstr (json_object_get_string_member (find_check (r2, "project"), "message"),
                            "$.payload.nonce"));
}

static void
test_devices (void)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autoptr(OsspTestRun) run = NULL;
  g_autoptr(JsonNode) root = NULL;

  if (!ossp_test_have_program ("umockdev-run"))
    {
      g_test_skip ("umockdev-run is not installed (apt-get install umockdev)");
      return;
    }
  run = run_doctor_with_devices (dir, FALSE, NULL, NULL);
  root = ossp_test_run_json (run);
  g_assert_cmpstr (status_of (root, "usb-dfu"), ==, "ok");
  g_assert_nonnull (strstr (json_object_get_string_member (find_check (root, "usb-dfu"), "message"),
                            "/dev/bus/usb/001/002"));
  g_assert_cmpstr (status_of (root, "serial"), ==, "ok");
  g_assert_nonnull (strstr (json_object_get_string_member (find_check (root, "serial"), "message"),
                            "/dev/ttyACM0"));
  /* libusb (the link code) sees the same chip */
  g_assert_cmpstr (status_of (root, "libusb"), ==, "ok");
  g_assert_nonnull (strstr (json_object_get_string_member (find_check (root, "libusb"), "message"), "usb:"));
}

/* The same devices, but the user may not open them: errors with fixes */
static void
test_devices_denied (void)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autoptr(OsspTestRun) run = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonObject *serial;

  if (!ossp_test_have_program ("umockdev-run") || !ossp_test_have_program ("setpriv") || getuid () != 0)
    {
      g_test_skip ("needs umockdev-run, setpriv and root (to run the check as an unprivileged user)");
      return;
    }
  run = run_doctor_with_devices (dir, TRUE,
                                 "chmod 000 \"$UMOCKDEV_DIR/dev/bus/usb/001/002\" \"$UMOCKDEV_DIR/dev/ttyACM0\"",
                                 NULL);
  g_assert_cmpint (run->exit_status, ==, 11);
  root = ossp_test_run_json (run);
  g_assert_cmpstr (status_of (root, "usb-dfu"), ==, "error");
  g_assert_nonnull (strstr (json_object_get_string_member (find_check (root, "usb-dfu"), "fix"), "udev"));
  serial = find_check (root, "serial");
  g_assert_cmpstr (json_object_get_string_member (serial, "status"), ==, "error");
  g_assert_nonnull (strstr (json_object_get_string_member (serial, "fix"), "usermod -aG"));
}

static void
test_pcscd_reader (void)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *state = g_build_filename (dir, "card.json", NULL);
  g_autofree char *skip = NULL;
  OsspTestPcscd *pcscd = ossp_test_pcscd_start (dir, &skip);
  g_autoptr(OsspTestRun) run = NULL;
  g_autoptr(JsonNode) root = NULL;

  if (pcscd == NULL)
    {
      g_test_skip (skip);
      return;
    }
  ossp_test_pcscd_start_card (pcscd, state, NULL);
  g_assert_true (ossp_test_pcscd_wait_card (pcscd, TRUE, 10000));
  run = ossp_test_run_cli (NULL, "--json", "doctor", NULL);
  root = ossp_test_run_json (run);
  g_assert_cmpstr (status_of (root, "pcscd"), ==, "ok");
  g_assert_nonnull (strstr (json_object_get_string_member (find_check (root, "pcscd"), "message"),
                            OSSP_TEST_VPCD_READER " (card present)"));
  ossp_test_pcscd_stop_card (pcscd);
  ossp_test_pcscd_stop (pcscd);
  ossp_test_pcscd_free (pcscd);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/doctor/no-pcscd-no-devices", test_no_pcscd_no_devices);
  g_test_add_func ("/cli/doctor/project", test_project);
  g_test_add_func ("/cli/doctor/devices", test_devices);
  g_test_add_func ("/cli/doctor/devices-denied", test_devices_denied);
  /* last: it points this process at a private pcscd for good */
  g_test_add_func ("/cli/doctor/pcscd-reader", test_pcscd_reader);
  return g_test_run ();
}
