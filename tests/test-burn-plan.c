/* test-burn-plan.c — the burn plan from a payload, public header or decrypted
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Payloads come from the demo set-up (ossp_demo_ensure: real keys, a real
 * OTP list, a real .ssp); the expected words are derived here from those
 * inputs and ssp-flow.md §8.
 */
#include <string.h>

#include "ossp-test-helper.h"

static OsspPayload *
demo_payload (const char *chip, OsspDemo **out_demo, gboolean decrypt)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = ossp_test_make_tmpdir ();
  OsspDemo *demo = ossp_demo_ensure (dir, chip, &error);
  OsspPayload *payload;

  g_assert_no_error (error);
  payload = ossp_payload_new_from_file (demo->payload, &error);
  g_assert_no_error (error);
  if (decrypt)
    {
      g_assert_true (ossp_payload_load_key (payload, demo->oem_key, &error));
      g_assert_true (ossp_payload_load_nonce (payload, demo->oem_nonce, &error));
      g_assert_true (ossp_payload_decrypt (payload, &error));
      g_assert_no_error (error);
    }
  *out_demo = demo;
  return payload;
}

static void
test_plan_header_only (void)
{
  OsspDemo *demo = NULL;
  g_autoptr(OsspPayload) payload = demo_payload ("stm32mp15", &demo, FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspBurnPlan) plan = ossp_burn_plan_new (payload, &error);
  g_autofree char *text = NULL;
  g_autoptr(JsonNode) json = NULL;
  const OsspBurnPlanItem *first, *last;
  guint8 pkh[32];

  g_assert_no_error (error);
  g_assert_false (ossp_burn_plan_has_values (plan));
  /* SSP_REQ, 8 PKH, CFG0, RMA + 37 secret words (148 bytes), SSP_SUCCESS */
  g_assert_cmpuint (ossp_burn_plan_get_n_items (plan), ==, 1 + 8 + 1 + 1 + 37 + 1);
  first = ossp_burn_plan_get_item (plan, 0);
  g_assert_cmpstr (first->name, ==, "SSP_REQ");
  g_assert_cmpuint (first->boot, ==, 1);
  g_assert_cmphex (first->value, ==, 1u << 8);      /* MP15 word 8 bit 8 */
  last = ossp_burn_plan_get_item (plan, ossp_burn_plan_get_n_items (plan) - 1);
  g_assert_cmpstr (last->name, ==, "SSP_SUCCESS");
  g_assert_cmphex (last->value, ==, 1u << 9);
  /* PKH words are public: SHA-256 of the OEM key, big-endian per word */
  g_assert_true (ossp_payload_get_pkh (payload, pkh));
  for (guint i = 0; i < 8; i++)
    {
      const OsspBurnPlanItem *it = ossp_burn_plan_get_item (plan, 1 + i);
      g_assert_cmpuint (it->address, ==, 24 + i);
      g_assert_true (it->value_known);
      g_assert_cmphex (it->value, ==, ossp_read_be32 (pkh + 4 * i));
      g_assert_cmpint (it->action, ==, OSSP_BURN_ACTION_BURN_LOCK);
    }
  g_assert_cmpstr (ossp_burn_plan_get_confirm_word (plan), ==, "BURN");
  ossp_burn_plan_set_product_id (plan, "5000200A");
  g_assert_cmpstr (ossp_burn_plan_get_confirm_word (plan), ==, "5000200A");
  text = ossp_burn_plan_to_text (plan, FALSE);
  g_assert_nonnull (strstr (text, "(encrypted)"));
  g_assert_nonnull (strstr (text, "59-95"));
  json = ossp_burn_plan_to_json (plan, TRUE);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (json), "confirm_word"), ==,
                   "5000200A");
  ossp_demo_free (demo);
}

static void
test_plan_decrypted (gconstpointer data)
{
  const char *chip_id = data;
  OsspDemo *demo = NULL;
  g_autoptr(OsspPayload) payload = demo_payload (chip_id, &demo, TRUE);
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspBurnPlan) plan = ossp_burn_plan_new (payload, &error);
  g_autoptr(OsspOtpSecret) list = ossp_otp_secret_load_json (ossp_payload_get_chip (payload),
                                                             demo->otp_list, &error);
  g_autofree char *masked = NULL;
  g_autofree char *shown = NULL;
  g_autofree char *summary = NULL;
  guint locked_secrets = 0, list_nonzero = 0;

  g_assert_no_error (error);
  g_assert_true (ossp_burn_plan_has_values (plan));
  for (guint i = 0; i < ossp_burn_plan_get_n_items (plan); i++)
    {
      const OsspBurnPlanItem *it = ossp_burn_plan_get_item (plan, i);
      if (it->address >= 59 && it->action == OSSP_BURN_ACTION_BURN_LOCK)
        {
          OsspOtpItem *item = ossp_otp_secret_lookup (list, it->address);
          g_assert_nonnull (item);
          g_assert_cmphex (it->value, ==, ossp_otp_item_get_value (item));
          g_assert_true (it->secret);
          locked_secrets++;
        }
    }
  for (guint w = 59; w <= 95; w++)
    list_nonzero += ossp_otp_secret_lookup (list, w) != NULL;
  /* zero words are skipped, every other one burnt and locked */
  g_assert_cmpuint (locked_secrets, ==, list_nonzero);
  g_assert_cmpuint (ossp_burn_plan_count (plan, OSSP_BURN_ACTION_SKIP), ==, 37 - list_nonzero);
  masked = ossp_burn_plan_to_text (plan, FALSE);
  shown = ossp_burn_plan_to_text (plan, TRUE);
  g_assert_null (strstr (masked, "0x4F50454E"));   /* the demo's first secret word */
  g_assert_nonnull (strstr (shown, "0x4F50454E"));
  summary = ossp_burn_plan_dup_summary (plan);
  g_assert_nonnull (strstr (summary, "chip closed"));
  ossp_demo_free (demo);
}

static void
test_plan_unsupported_chip (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspChip) chip = ossp_chip_new ("stm32mp25", &error);
  g_autoptr(OsspPayload) payload = ossp_payload_new (chip);
  g_autoptr(OsspBurnPlan) plan = ossp_burn_plan_new (payload, &error);

  g_assert_null (plan);
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_UNSUPPORTED);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/burn-plan/header-only", test_plan_header_only);
  g_test_add_data_func ("/burn-plan/decrypted/mp15", "stm32mp15", test_plan_decrypted);
  g_test_add_data_func ("/burn-plan/decrypted/mp13", "stm32mp13", test_plan_decrypted);
  g_test_add_func ("/burn-plan/unsupported-chip", test_plan_unsupported_chip);
  return g_test_run ();
}
