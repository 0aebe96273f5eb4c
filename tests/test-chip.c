/* test-chip.c — OsspChip loads the three maps and rejects bad ones
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ossp-test-helper.h"

static void
test_chip_mp15 (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspChip) chip = ossp_chip_new ("STM32MP157F", &error);

  g_assert_no_error (error);
  g_assert_cmpstr (ossp_chip_get_id (chip), ==, "stm32mp15");
  g_assert_cmpuint (ossp_chip_get_dev_id (chip), ==, 0x500);
  g_assert_cmpuint (ossp_chip_get_otp_word_count (chip), ==, 96);
  g_assert_cmpuint (ossp_chip_get_auth_key_count (chip), ==, 1);
  g_assert_false (ossp_chip_uses_pkh_table (chip));
  g_assert_cmpstr (ossp_chip_get_header_version (chip), ==, "1.0");
  g_assert_cmpint (ossp_chip_get_ssp_state_word (chip), ==, 8);
  g_assert_cmpint (ossp_chip_get_ssp_req_bit (chip), ==, 8);
  g_assert_cmpint (ossp_chip_get_ssp_success_bit (chip), ==, 9);
  g_assert_cmpint (ossp_chip_get_rma_word (chip), ==, 56);
  g_assert_cmphex (ossp_chip_get_rma_mask (chip), ==, 0x3FFFFFFF);
  g_assert_cmpuint (ossp_chip_get_payload_size (chip), ==, 244);
  g_assert_cmpuint (ossp_chip_get_secret_file_size (chip), ==, 148);
  g_assert_cmphex (ossp_chip_get_blob_base (chip), ==, 0x2FFFF000);
  /* SSP ranges 24..31, 56, 59..95 */
  g_assert_true (ossp_chip_word_is_ssp_writable (chip, 24));
  g_assert_true (ossp_chip_word_is_ssp_writable (chip, 56));
  g_assert_false (ossp_chip_word_is_ssp_writable (chip, 57));
  g_assert_false (ossp_chip_word_is_ssp_writable (chip, 40));
  g_assert_true (ossp_chip_word_is_ssp_writable (chip, 95));
  g_assert_false (ossp_chip_word_is_ssp_writable (chip, 96));
  g_assert_true (ossp_chip_word_is_reserved (chip, 13));
  g_assert_true (ossp_chip_word_is_bitwise (chip, 31));
  g_assert_false (ossp_chip_word_is_bitwise (chip, 32));
  g_assert_cmpstr (ossp_chip_lookup_word (chip, 59)->name, ==, "BOARD_ID");
  g_assert_cmpint (ossp_chip_get_st_board_id_word (chip), ==, 59);
  g_assert_nonnull (ossp_chip_lookup_curve (chip, "prime256v1"));
  g_assert_cmpuint (ossp_chip_lookup_curve (chip, "brainpoolP256t1")->algo, ==, 2);
  g_assert_cmpuint (ossp_chip_get_n_backup_memories (chip), ==, 0);
}

static void
test_chip_mp13 (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspChip) chip = ossp_chip_new ("mp13", &error);

  g_assert_no_error (error);
  g_assert_cmpuint (ossp_chip_get_dev_id (chip), ==, 0x501);
  g_assert_cmpuint (ossp_chip_get_auth_key_count (chip), ==, 8);
  g_assert_true (ossp_chip_uses_pkh_table (chip));
  g_assert_cmpint (ossp_chip_get_ssp_state_word (chip), ==, 9);
  g_assert_cmpint (ossp_chip_get_ssp_req_bit (chip), ==, 5);
  g_assert_cmpint (ossp_chip_get_ssp_success_bit (chip), ==, 6);
  g_assert_cmphex (ossp_chip_get_rma_mask (chip), ==, 0xFFFFFFFF);
  g_assert_cmpuint (ossp_chip_get_payload_size (chip), ==, 212);
  g_assert_cmpstr (ossp_chip_lookup_word (chip, 93)->name, ==, "EDMK");
  g_assert_cmpint (ossp_chip_lookup_word (chip, 93)->format, ==, OSSP_WORD_FORMAT_1);
  g_assert_true (ossp_chip_lookup_word (chip, 93)->lock_after_write);
  g_assert_false (ossp_chip_lookup_word (chip, 3)->lock_after_write);
}

static void
test_chip_mp25 (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspChip) chip = ossp_chip_new ("stm32mp25", &error);
  const OsspBackupMemoryInfo *tamp;

  g_assert_no_error (error);
  g_assert_cmpuint (ossp_chip_get_otp_word_count (chip), ==, 384);
  g_assert_cmpuint (ossp_chip_get_pkh_first_word (chip), ==, 144);
  g_assert_true (ossp_chip_has_user_lock_flags (chip));
  g_assert_cmpint (ossp_chip_get_rma_word (chip), ==, -1);
  g_assert_true (ossp_chip_word_is_ssp_writable (chip, 200));
  g_assert_false (ossp_chip_word_is_ssp_writable (chip, 368)); /* ECIES key */
  g_assert_false (ossp_chip_word_is_ssp_writable (chip, 100));
  g_assert_cmpint (ossp_chip_lookup_word (chip, 176)->format, ==, OSSP_WORD_FORMAT_2);
  g_assert_cmpuint (ossp_chip_get_n_backup_memories (chip), ==, 2);
  tamp = ossp_chip_lookup_backup_base (chip, 0x56010100);
  g_assert_nonnull (tamp);
  g_assert_cmpstr (tamp->kind, ==, "tamp");
  g_assert_cmpstr (ossp_chip_lookup_backup_base (chip, 0x42000000)->kind, ==, "bkpsram");
  g_assert_null (ossp_chip_lookup_backup_base (chip, 0x42000004));
}

static void
test_chip_unknown (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspChip) chip = ossp_chip_new ("stm32f4", &error);

  g_assert_null (chip);
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "stm32mp15"));
}

static void
test_chip_bad_maps (void)
{
  const struct {
    const char *json;
    const char *needle;
  } cases[] = {
    { "", "empty" },
    { "{", "not valid JSON" },
    { "[1,2]", "top level" },
    { "{\"schema\":\"openssp-chip/9\"}", "not supported" },
    { "{\"schema\":\"openssp-chip/1\",\"id\":\"x\",\"name\":\"X\",\"family\":\"F\",\"dev_id\":\"0xZZ\"}", "dev_id" },
    { "{\"schema\":\"openssp-chip/1\",\"id\":\"x\",\"name\":\"X\",\"family\":\"F\",\"dev_id\":1,\"total_words\":7}", "total_words" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(OsspChip) chip = ossp_chip_new_from_data (cases[i].json, -1, &error);
      g_assert_null (chip);
      g_assert_nonnull (error);
      if (strstr (error->message, cases[i].needle) == NULL)
        g_error ("case %u: \"%s\" does not mention \"%s\"", i, error->message, cases[i].needle);
    }
}

/* Damage the real map one member at a time: each must fail cleanly. */
static void
test_chip_mutations (void)
{
  g_autofree char *path = g_build_filename (g_getenv ("OPENSSP_SOURCE_DIR"), "data", "chips",
                                            "stm32mp25.json", NULL);
  g_autofree char *text = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (path, &text, &len, NULL));
  for (gsize cut = 0; cut < len; cut += 97)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(OsspChip) chip = ossp_chip_new_from_data (text, (gssize) cut, &error);
      g_assert_null (chip);
      g_assert_nonnull (error);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/chip/mp15", test_chip_mp15);
  g_test_add_func ("/chip/mp13", test_chip_mp13);
  g_test_add_func ("/chip/mp25", test_chip_mp25);
  g_test_add_func ("/chip/unknown", test_chip_unknown);
  g_test_add_func ("/chip/bad-maps", test_chip_bad_maps);
  g_test_add_func ("/chip/mutations", test_chip_mutations);
  return g_test_run ();
}
