/* test-sim-otp.c — BSEC semantics of the simulated OTP, and the state file
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ossp-test-helper.h"
#include "ossp-sim-board.h"

static OsspSimOtp *
otp_for (const char *chip_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspChip) chip = ossp_chip_new (chip_id, &error);

  g_assert_no_error (error);
  return ossp_sim_otp_new (chip);
}

static void
test_or_only (void)
{
  g_autoptr(OsspSimOtp) otp = otp_for ("stm32mp15");
  g_autoptr(GError) error = NULL;
  guint32 v;

  /* lower word (0..31): bit by bit, bits only go 0 → 1 */
  g_assert_true (ossp_sim_otp_program (otp, 3, 0x1, &error));
  g_assert_true (ossp_sim_otp_program (otp, 3, 0x4, &error));
  g_assert_true (ossp_sim_otp_program (otp, 3, 0x0, &error));
  g_assert_true (ossp_sim_otp_read (otp, 3, &v, &error));
  g_assert_cmphex (v, ==, 0x5);
  g_assert_true (ossp_sim_otp_program (otp, 3, 0x1, &error));   /* already set: no change */
  g_assert_cmphex (ossp_sim_otp_peek_fuse (otp, 3), ==, 0x5);
  g_assert_no_error (error);
  g_assert_true (ossp_sim_otp_is_bitwise (otp, 31));
  g_assert_false (ossp_sim_otp_is_bitwise (otp, 32));
}

static void
test_upper_blank_rule (void)
{
  g_autoptr(OsspSimOtp) otp = otp_for ("stm32mp15");
  g_autoptr(GError) error = NULL;

  g_assert_true (ossp_sim_otp_program (otp, 60, 0x10, &error));
  g_assert_false (ossp_sim_otp_program (otp, 60, 0x20, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_STATE);
  g_assert_nonnull (strstr (error->message, "only once"));
  g_assert_cmphex (ossp_sim_otp_peek_fuse (otp, 60), ==, 0x10);
  g_clear_error (&error);
  /* a blank word takes any value once */
  g_assert_true (ossp_sim_otp_program (otp, 61, 0xFFFFFFFF, &error));
  g_assert_no_error (error);
}

static void
test_permanent_lock (void)
{
  g_autoptr(OsspSimOtp) otp = otp_for ("stm32mp13");
  g_autoptr(GError) error = NULL;

  g_assert_true (ossp_sim_otp_program (otp, 24, 0x100, &error));
  g_assert_true (ossp_sim_otp_lock (otp, 24, &error));
  g_assert_false (ossp_sim_otp_program (otp, 24, 0x200, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_STATE);
  g_clear_error (&error);
  /* even a no-op programming is refused on a locked word */
  g_assert_false (ossp_sim_otp_program (otp, 24, 0, &error));
  g_clear_error (&error);
  /* a reset does not lift a permanent lock */
  ossp_sim_otp_reset (otp);
  g_assert_true (ossp_sim_otp_is_locked (otp, 24));
  g_assert_false (ossp_sim_otp_program (otp, 24, 0x200, NULL));
  g_assert_cmphex (ossp_sim_otp_peek_fuse (otp, 24), ==, 0x100);
  /* a blank word can be locked and then stays blank forever */
  g_assert_true (ossp_sim_otp_lock (otp, 70, &error));
  g_assert_false (ossp_sim_otp_program (otp, 70, 1, NULL));
}

static void
test_sticky_and_shadow (void)
{
  g_autoptr(OsspSimOtp) otp = otp_for ("stm32mp15");
  g_autoptr(GError) error = NULL;
  guint32 v = 0;

  ossp_sim_otp_set_sticky (otp, 70, OSSP_SIM_OTP_STICKY_PROGRAM);
  g_assert_false (ossp_sim_otp_program (otp, 70, 1, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_STATE);
  g_clear_error (&error);
  ossp_sim_otp_reset (otp);
  g_assert_true (ossp_sim_otp_program (otp, 70, 1, &error));

  /* shadow writes change what software reads, not the fuse */
  g_assert_true (ossp_sim_otp_write_shadow (otp, 70, 0, &error));
  g_assert_true (ossp_sim_otp_read (otp, 70, &v, &error));
  g_assert_cmphex (v, ==, 0);
  g_assert_cmphex (ossp_sim_otp_peek_fuse (otp, 70), ==, 1);
  g_assert_true (ossp_sim_otp_read_fuse (otp, 70, &v, &error));
  g_assert_cmphex (ossp_sim_otp_peek_shadow (otp, 70), ==, 1);

  ossp_sim_otp_set_sticky (otp, 70, OSSP_SIM_OTP_STICKY_SHADOW_READ);
  g_assert_false (ossp_sim_otp_read (otp, 70, &v, &error));
  g_clear_error (&error);
  ossp_sim_otp_set_sticky (otp, 71, OSSP_SIM_OTP_STICKY_SHADOW_WRITE);
  g_assert_false (ossp_sim_otp_write_shadow (otp, 71, 5, &error));
  g_clear_error (&error);
  ossp_sim_otp_reset (otp);
  g_assert_true (ossp_sim_otp_read (otp, 70, &v, &error));
  g_assert_cmphex (v, ==, 1);
  g_assert_cmpint (ossp_sim_otp_get_sticky (otp, 71), ==, 0);
  g_assert_no_error (error);
}

static void
test_chip_facts (void)
{
  g_autoptr(OsspSimOtp) mp15 = otp_for ("stm32mp15");
  g_autoptr(OsspSimOtp) mp13 = otp_for ("stm32mp13");
  g_autoptr(OsspSimOtp) mp25 = otp_for ("stm32mp25");
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (ossp_sim_otp_get_n_words (mp15), ==, 96);
  g_assert_cmpuint (ossp_sim_otp_get_n_words (mp25), ==, 384);
  /* ssp-flow.md §2 */
  g_assert_cmpuint (ossp_sim_otp_get_ssp_word (mp15), ==, 8);
  g_assert_cmphex (ossp_sim_otp_get_ssp_req_mask (mp15), ==, 1u << 8);
  g_assert_cmphex (ossp_sim_otp_get_ssp_success_mask (mp15), ==, 1u << 9);
  g_assert_cmpuint (ossp_sim_otp_get_ssp_word (mp13), ==, 9);
  g_assert_cmphex (ossp_sim_otp_get_ssp_req_mask (mp13), ==, 1u << 5);
  g_assert_cmphex (ossp_sim_otp_get_ssp_success_mask (mp13), ==, 1u << 6);
  g_assert_cmpuint (ossp_sim_otp_get_ssp_word (mp25), ==, 18);   /* ours */

  /* closed state per chip */
  g_assert_false (ossp_sim_otp_is_closed (mp15));
  g_assert_true (ossp_sim_otp_program (mp15, 0, 0x40, &error));
  g_assert_true (ossp_sim_otp_is_closed (mp15));
  g_assert_true (ossp_sim_otp_program (mp13, 0, 0x17, &error));
  g_assert_false (ossp_sim_otp_is_closed (mp13));
  g_assert_true (ossp_sim_otp_program (mp13, 0, 0x3F, &error));
  g_assert_true (ossp_sim_otp_is_closed (mp13));
  g_assert_true (ossp_sim_otp_program (mp25, 18, 0x1, &error));
  g_assert_true (ossp_sim_otp_is_closed (mp25));

  /* MP25: lower bitwise up to 127, bulk above; ECIES key and HWKEY are ROM-only */
  g_assert_true (ossp_sim_otp_is_bitwise (mp25, 127));
  g_assert_false (ossp_sim_otp_is_bitwise (mp25, 128));
  g_assert_true (ossp_sim_otp_program (mp25, 100, 1, &error));
  g_assert_true (ossp_sim_otp_program (mp25, 100, 2, &error));
  g_assert_true (ossp_sim_otp_program (mp25, 200, 1, &error));
  g_assert_false (ossp_sim_otp_program (mp25, 200, 2, NULL));
  g_assert_false (ossp_sim_otp_program (mp25, 370, 1, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT);
}

static void
test_json_roundtrip (void)
{
  g_autoptr(OsspSimOtp) a = otp_for ("stm32mp15");
  g_autoptr(OsspSimOtp) b = otp_for ("stm32mp15");
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;

  ossp_sim_otp_program (a, 5, 0x55, NULL);
  ossp_sim_otp_program (a, 80, 0xDEADBEEF, NULL);
  ossp_sim_otp_lock (a, 80, NULL);
  ossp_sim_otp_write_shadow (a, 5, 0x11, NULL);
  ossp_sim_otp_set_sticky (a, 56, OSSP_SIM_OTP_STICKY_SHADOW_READ);
  node = ossp_sim_otp_to_json (a);
  g_assert_true (ossp_sim_otp_load_json (b, node, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < 96; i++)
    {
      g_assert_cmphex (ossp_sim_otp_peek_fuse (a, i), ==, ossp_sim_otp_peek_fuse (b, i));
      g_assert_cmphex (ossp_sim_otp_peek_shadow (a, i), ==, ossp_sim_otp_peek_shadow (b, i));
      g_assert_cmpint (ossp_sim_otp_is_locked (a, i), ==, ossp_sim_otp_is_locked (b, i));
      g_assert_cmpint (ossp_sim_otp_get_sticky (a, i), ==, ossp_sim_otp_get_sticky (b, i));
    }
}

static void
expect_state_error (const char *json,
                    const char *fragment)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspSimBoard) board = ossp_sim_board_new_from_data (json, strlen (json), &error);

  g_assert_null (board);
  g_assert_nonnull (error);
  if (strstr (error->message, fragment) == NULL)
    g_error ("error \"%s\" does not name \"%s\"", error->message, fragment);
}

static void
test_state_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspSimBoard) board = NULL, again = NULL;
  g_autofree char *a = NULL, *b = NULL;
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "s.json", NULL);
  OsspSimFactoryOptions opts;
  gsize la, lb;

  ossp_sim_factory_options_init (&opts);
  opts.chip_id = "stm32mp25";
  opts.st_board = TRUE;
  board = ossp_sim_board_new_factory (&opts, &error);
  g_assert_no_error (error);
  g_assert_true (ossp_sim_board_save (board, path, FALSE, &error));
  /* no overwrite unless asked */
  g_assert_false (ossp_sim_board_save (board, path, FALSE, NULL));
  again = ossp_sim_board_load (path, &error);
  g_assert_no_error (error);
  a = ossp_sim_board_to_data (board, &la);
  b = ossp_sim_board_to_data (again, &lb);
  g_assert_cmpstr (a, ==, b);
  {
    g_autofree char *pid = ossp_sim_board_get_product_id (again);
    g_assert_cmpstr (pid, ==, "5050200A");
  }

  expect_state_error ("[]", "top level");
  expect_state_error ("{\"format\": \"other\"}", "format");
  expect_state_error ("{\"format\": \"openssp-sim-chip\", \"version\": 2}", "version 2");
  expect_state_error ("{\"format\": \"openssp-sim-chip\", \"version\": 1, \"chip\": \"stm32f4\"}", "stm32f4");
  expect_state_error ("{\"format\": \"openssp-sim-chip\", \"version\": 1, \"chip\": \"stm32mp15\", "
                      "\"otp\": {\"words\": [1, 2]}}", "otp.words");
  expect_state_error ("{\"format\": \"openssp-sim-chip\", \"version\": 1, \"chip\": \"stm32mp15\", "
                      "\"seed\": \"zz\"}", "seed");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sim/otp/or-only", test_or_only);
  g_test_add_func ("/sim/otp/upper-blank-rule", test_upper_blank_rule);
  g_test_add_func ("/sim/otp/permanent-lock", test_permanent_lock);
  g_test_add_func ("/sim/otp/sticky-and-shadow", test_sticky_and_shadow);
  g_test_add_func ("/sim/otp/chip-facts", test_chip_facts);
  g_test_add_func ("/sim/otp/json-roundtrip", test_json_roundtrip);
  g_test_add_func ("/sim/otp/state-file", test_state_file);
  return g_test_run ();
}
