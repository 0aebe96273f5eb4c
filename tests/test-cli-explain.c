/* test-cli-explain.c — `openssp explain` knows every device message, phase
 * and preflight check id the provisioning code can give, and every error
 * code (the ids are read from the provisioner's own source)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ossp-test-helper.h"

static void
assert_explains (const char *what,
                 const char *key)
{
  g_autoptr(OsspTestRun) run = ossp_test_run_cli (NULL, "explain", what, NULL);
  g_autofree char *head = g_strdup_printf ("%s — ", key);

  if (run->exit_status != 0 || !g_str_has_prefix (run->out, head))
    g_error ("explain \"%s\": exit %d, wanted %s\n%s%s", what, run->exit_status, key, run->out, run->err);
}

static void
test_device_messages (void)
{
  /* as the chip sends them (ssp-flow.md §4.8), whatever the address */
  assert_explains ("Provisioning\n", "phase-ff-provisioning");
  assert_explains ("Download overflow at 0x2FFFF17C", "phase-ff-download-overflow");
  assert_explains ("Invalid start at 0x2FFFF000", "phase-ff-invalid-start");
  assert_explains ("FIP Header check failed at 0x2FFC2500", "phase-ff-fip-header");
  assert_explains ("0xF3", "phase-f3");
  assert_explains ("phase 0x01", "phase-01");
}

static void
test_every_preflight_check (void)
{
  g_autofree char *path = g_build_filename (g_getenv ("OPENSSP_SOURCE_DIR"), "src", "core",
                                            "ossp-provisioner.c", NULL);
  g_autofree char *text = NULL;
  g_autoptr(GRegex) re = g_regex_new ("add_check \\(self, \"([a-z-]+)\"", 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  guint n = 0;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_regex_match (re, text, 0, &match);
  while (g_match_info_matches (match))
    {
      g_autofree char *id = g_match_info_fetch (match, 1);
      gboolean is_code = FALSE;
      g_autofree char *key = NULL;
      for (int code = OSSP_ERROR_FAILED; code <= OSSP_ERROR_STATE; code++)
        is_code |= g_str_equal (id, ossp_error_code_to_name (code));
      /* "hsm" (the HSM failed) is the error code's own entry */
      key = is_code ? g_strdup (id) : g_str_has_prefix (id, "firmware") ? g_strdup ("check-firmware")
                                                                       : g_strdup_printf ("check-%s", id);
      assert_explains (id, key);
      n++;
      g_match_info_next (match, NULL);
    }
  g_assert_cmpuint (n, >=, 5);
}

static void
test_every_error_code (void)
{
  for (int code = OSSP_ERROR_FAILED; code <= OSSP_ERROR_STATE; code++)
    assert_explains (ossp_error_code_to_name (code), ossp_error_code_to_name (code));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/explain/device-messages", test_device_messages);
  g_test_add_func ("/cli/explain/every-preflight-check", test_every_preflight_check);
  g_test_add_func ("/cli/explain/every-error-code", test_every_error_code);
  return g_test_run ();
}
