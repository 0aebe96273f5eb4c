/* test-project.c — OsspProject: versioned file, relative paths, problems
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gstdio.h>

#include "ossp-test-helper.h"

static const OsspProjectProblem *
find_problem (GPtrArray *problems, const char *where)
{
  for (guint i = 0; i < problems->len; i++)
    {
      const OsspProjectProblem *p = g_ptr_array_index (problems, i);
      if (g_str_equal (p->where, where))
        return p;
    }
  return NULL;
}

static void
test_project_round_trip (void)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *file = g_build_filename (dir, "product.openssp", NULL);
  g_autofree char *key = g_build_filename (dir, "secrets", "enc_key.bin", NULL);
  g_autofree char *outside = g_strdup ("/etc/openssp-nonexistent/nonce.bin");
  g_autofree char *bkp_list = g_build_filename (dir, "bkpsram.json", NULL);
  g_autoptr(OsspProject) project = ossp_project_new ("stm32mp25");
  g_autoptr(OsspProject) back = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *got = NULL;

  /* base dir is the cwd until saved: save first, then set paths */
  g_assert_true (ossp_project_save (project, file, &error));
  g_assert_no_error (error);
  ossp_project_set_path (project, "payload.key", key);
  ossp_project_set_path (project, "payload.nonce", outside);
  ossp_project_set_int (project, "payload.fsbl_min_version", 3);
  ossp_project_set_string (project, "hsm.provider", "simulated");
  ossp_project_add_backup (project, bkp_list, NULL, 0x42000000);
  g_assert_true (ossp_project_get_modified (project));
  g_assert_true (ossp_project_save (project, file, &error));
  g_assert_false (ossp_project_get_modified (project));

  /* stored relative inside the folder, absolute outside it; never inline secrets */
  g_assert_true (g_file_get_contents (file, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "\"secrets/enc_key.bin\""));
  g_assert_nonnull (strstr (text, outside));
  g_assert_nonnull (strstr (text, "\"version\" : 1"));

  back = ossp_project_load (file, &problems, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ossp_project_get_chip_id (back), ==, "stm32mp25");
  got = ossp_project_get_path (back, "payload.key");
  g_assert_cmpstr (got, ==, key);
  g_assert_cmpint (ossp_project_get_int (back, "payload.fsbl_min_version", 0), ==, 3);
  g_assert_cmpuint (ossp_project_get_n_backups (back), ==, 1);
  g_assert_cmphex (ossp_project_get_backup_base (back, 0), ==, 0x42000000);
  /* the key file does not exist: an error with its JSON path */
  g_assert_nonnull (find_problem (problems, "$.payload.key"));
  g_assert_cmpint (find_problem (problems, "$.payload.key")->severity, ==, OSSP_PROJECT_SEVERITY_ERROR);
  g_assert_nonnull (find_problem (problems, "$.backup[0].list"));
}

static void
test_project_save_as_rebases (void)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *sub = g_build_filename (dir, "a", NULL);
  g_autofree char *first = g_build_filename (sub, "p.openssp", NULL);
  g_autofree char *second = g_build_filename (dir, "p2.openssp", NULL);
  g_autofree char *key = g_build_filename (sub, "k.bin", NULL);
  g_autoptr(OsspProject) project = ossp_project_new ("stm32mp15");
  g_autoptr(GError) error = NULL;
  g_autofree char *got = NULL;

  g_mkdir (sub, 0700);
  g_assert_true (ossp_project_save (project, first, &error));
  ossp_project_set_path (project, "payload.key", key);
  g_assert_cmpstr (ossp_project_get_string (project, "payload.key"), ==, "k.bin");
  g_assert_true (ossp_project_save (project, second, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (ossp_project_get_string (project, "payload.key"), ==, "a/k.bin");
  got = ossp_project_get_path (project, "payload.key");
  g_assert_cmpstr (got, ==, key);
}

static void
test_project_versions (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspProject) p = NULL;

  p = ossp_project_new_from_data ("{\"format\":\"openssp-project\",\"version\":2}", -1, "/tmp", NULL, &error);
  g_assert_null (p);
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_VERSION);
  g_assert_nonnull (strstr (error->message, "newer"));
  g_clear_error (&error);
  p = ossp_project_new_from_data ("{\"format\":\"something\",\"version\":1}", -1, "/tmp", NULL, &error);
  g_assert_null (p);
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA);
  g_clear_error (&error);
  p = ossp_project_new_from_data ("[", -1, "/tmp", NULL, &error);
  g_assert_null (p);
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA);
}

static void
test_project_problems (void)
{
  const char *text =
    "{\"format\":\"openssp-project\",\"version\":1,\"chip\":\"stm32mp15\","
    " \"payload\":{\"key\":42,\"output\":\"out.ssp\",\"secret_file\":\"secret.bin\",\"colour\":\"red\"},"
    " \"otp\":{\"secret_file\":\"secret.bin\"},"
    " \"hsm\":{\"provider\":\"magic\"},"
    " \"keys\":{\"count\":8},"
    " \"backup\":[{\"list\":\"b.json\",\"base\":\"0x42000000\"}],"
    " \"extra\":true}";
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspProject) p = ossp_project_new_from_data (text, -1, "/nonexistent-dir", &problems, &error);

  /* it opens what it can and lists every problem with its JSON path */
  g_assert_no_error (error);
  g_assert_nonnull (p);
  g_assert_nonnull (find_problem (problems, "$.payload.key"));          /* wrong type */
  g_assert_nonnull (find_problem (problems, "$.payload.colour"));       /* unknown */
  g_assert_nonnull (find_problem (problems, "$.extra"));                /* unknown */
  g_assert_nonnull (find_problem (problems, "$.hsm.provider"));         /* bad enum */
  g_assert_nonnull (find_problem (problems, "$.keys.count"));           /* MP15 has one key */
  g_assert_nonnull (find_problem (problems, "$.backup[0].base"));       /* MP15 has no backup */
  /* made by the OTP step: only information */
  g_assert_cmpint (find_problem (problems, "$.payload.secret_file")->severity, ==, OSSP_PROJECT_SEVERITY_INFO);
}

static void
test_project_changed_signal (void)
{
  g_autoptr(OsspProject) p = ossp_project_new ("stm32mp13");
  guint count = 0;

  g_signal_connect_swapped (p, "changed", G_CALLBACK (g_atomic_int_inc), &count);
  ossp_project_set_string (p, "provision.port", "sim");
  ossp_project_set_string (p, "provision.port", "sim");   /* unchanged: no signal */
  ossp_project_set_chip_id (p, "stm32mp25");
  ossp_project_unset (p, "provision.port");
  g_assert_cmpuint (count, ==, 3);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/project/round-trip", test_project_round_trip);
  g_test_add_func ("/project/save-as-rebases", test_project_save_as_rebases);
  g_test_add_func ("/project/versions", test_project_versions);
  g_test_add_func ("/project/problems", test_project_problems);
  g_test_add_func ("/project/changed-signal", test_project_changed_signal);
  return g_test_run ();
}
