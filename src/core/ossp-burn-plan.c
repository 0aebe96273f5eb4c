/* ossp-burn-plan.c — what a provisioning will write and lock, word by word
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ossp-error.h"
#include "ossp-burn-plan.h"

struct _OsspBurnPlan
{
  GObject      parent_instance;

  OsspPayload *payload;
  OsspChip    *chip;
  GPtrArray   *items;          /* OsspBurnPlanItem */
  gboolean     has_values;
  char        *product_id;
  char        *license_note;
};

G_DEFINE_FINAL_TYPE (OsspBurnPlan, ossp_burn_plan, G_TYPE_OBJECT)

static void
item_free (OsspBurnPlanItem *item)
{
  g_free (item->name);
  g_free (item->precondition);
  g_free (item->note);
  g_free (item);
}

static void
ossp_burn_plan_finalize (GObject *object)
{
  OsspBurnPlan *self = OSSP_BURN_PLAN (object);

  g_clear_object (&self->payload);
  g_clear_object (&self->chip);
  g_ptr_array_unref (self->items);
  g_free (self->product_id);
  g_free (self->license_note);
  G_OBJECT_CLASS (ossp_burn_plan_parent_class)->finalize (object);
}

static void
ossp_burn_plan_class_init (OsspBurnPlanClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ossp_burn_plan_finalize;
}

static void
ossp_burn_plan_init (OsspBurnPlan *self)
{
  self->items = g_ptr_array_new_with_free_func ((GDestroyNotify) item_free);
}

const char *
ossp_burn_action_to_string (OsspBurnAction action)
{
  switch (action)
    {
    case OSSP_BURN_ACTION_SET_BITS: return "set-bits";
    case OSSP_BURN_ACTION_BURN_LOCK: return "burn+lock";
    case OSSP_BURN_ACTION_BURN: return "burn";
    case OSSP_BURN_ACTION_SKIP: return "skip";
    case OSSP_BURN_ACTION_WRITE: return "write";
    default: return "unknown";
    }
}

static OsspBurnPlanItem *
add (OsspBurnPlan   *self,
     guint           boot,
     OsspBurnAction  action,
     guint32         word,
     const char     *name,
     gboolean        value_known,
     guint32         value,
     gboolean        secret)
{
  OsspBurnPlanItem *item = g_new0 (OsspBurnPlanItem, 1);

  item->boot = boot;
  item->action = action;
  item->target = "otp";
  item->address = word;
  item->name = g_strdup (name);
  item->value_known = value_known;
  item->value = value;
  item->secret = secret;
  g_ptr_array_add (self->items, item);
  return item;
}

static char *
word_name (OsspChip *chip,
           guint     word)
{
  const OsspOtpWordInfo *info = ossp_chip_lookup_word (chip, word);

  if (info == NULL)
    return g_strdup_printf ("OTP%u", word);
  if (info->first == info->last)
    return g_strdup (info->name);
  return g_strdup_printf ("%s[%u]", info->name, word - info->first);
}

static guint32
close_mask (OsspChip *chip)
{
  JsonObject *root = ossp_chip_get_json (chip);
  JsonObject *close = root && json_object_has_member (root, "close")
                      ? json_object_get_object_member (root, "close") : NULL;
  const char *mask = close ? json_object_get_string_member_with_default (close, "set_mask", NULL)
                           : NULL;
  guint32 v = 0;

  if (mask == NULL || !ossp_parse_u32 (mask, &v, NULL))
    return 0;
  return v;
}

/* Boot 1 burns SSP_REQ before anything else (§3). */
static void
add_ssp_req (OsspBurnPlan *self)
{
  OsspChip *chip = self->chip;
  guint word = (guint) ossp_chip_get_ssp_state_word (chip);
  OsspBurnPlanItem *it = add (self, 1, OSSP_BURN_ACTION_SET_BITS, word, "SSP_REQ", TRUE,
                              1u << ossp_chip_get_ssp_req_bit (chip), FALSE);
  it->precondition = g_strdup_printf ("SSP_REQ and SSP_SUCCESS clear (bits %d and %d)",
                                      ossp_chip_get_ssp_req_bit (chip),
                                      ossp_chip_get_ssp_success_bit (chip));
  it->note = g_strdup ("burnt by the SSP firmware in boot 1; a chip whose run stops later can be "
                       "provisioned again from boot 1");
}

/* From the decrypted payload: every value, in the firmware's order. */
static void
add_from_payload_plan (OsspBurnPlan *self,
                       GPtrArray    *plan)
{
  for (guint i = 0; i < plan->len; i++)
    {
      const OsspPayloadPlanItem *p = g_ptr_array_index (plan, i);
      OsspBurnAction action;
      OsspBurnPlanItem *it;

      switch (p->action)
        {
        case OSSP_PAYLOAD_ACTION_BURN_LOCK: action = OSSP_BURN_ACTION_BURN_LOCK; break;
        case OSSP_PAYLOAD_ACTION_BURN: action = OSSP_BURN_ACTION_BURN; break;
        case OSSP_PAYLOAD_ACTION_SKIP: action = OSSP_BURN_ACTION_SKIP; break;
        case OSSP_PAYLOAD_ACTION_WRITE: action = OSSP_BURN_ACTION_WRITE; break;
        case OSSP_PAYLOAD_ACTION_CHIP:
        default: action = OSSP_BURN_ACTION_SET_BITS; break;
        }
      it = add (self, 3, action, p->address, p->name, p->data == NULL, p->value, p->secret);
      it->target = p->target;
      it->note = g_strdup (p->note);
      if (action == OSSP_BURN_ACTION_BURN_LOCK && g_str_equal (p->target, "otp"))
        it->precondition = g_strdup ("must read 0 (checked by the SSP firmware)");
    }
}

/* From the public header only: PKH values, sizes, the rest encrypted. */
static void
add_from_header (OsspBurnPlan *self)
{
  OsspChip *chip = self->chip;
  guint pkh_word = ossp_chip_get_pkh_first_word (chip);
  guint first = ossp_chip_get_secret_first_word (chip);
  guint32 secret_size = ossp_payload_get_secret_size (self->payload);
  guint n_words = (secret_size + 3) / 4;
  guint32 cmask = close_mask (chip);
  guint8 pkh[32];
  gboolean have_pkh = ossp_payload_get_pkh (self->payload, pkh);

  for (guint i = 0; i < 8; i++)
    {
      g_autofree char *name = word_name (chip, pkh_word + i);
      OsspBurnPlanItem *it = add (self, 3, OSSP_BURN_ACTION_BURN_LOCK, pkh_word + i, name,
                                  have_pkh, have_pkh ? ossp_read_be32 (pkh + 4 * i) : 0, FALSE);
      it->precondition = g_strdup ("must read 0 (checked by the SSP firmware)");
    }
  if (cmask != 0)
    {
      OsspBurnPlanItem *it = add (self, 3, OSSP_BURN_ACTION_SET_BITS, 0, "CFG0", TRUE, cmask,
                                  FALSE);
      it->precondition = g_strdup ("chip open (the SSP firmware refuses a closed chip)");
      it->note = g_strdup ("the chip is closed: from now on it boots only FSBLs signed with the "
                           "key whose hash is in the PKH words");
    }
  for (guint w = 0; w < n_words; w++)
    {
      guint word = w == 0 ? (guint) ossp_chip_get_rma_word (chip) : first + w - 1;
      g_autofree char *name = word_name (chip, word);
      OsspBurnPlanItem *it = add (self, 3, OSSP_BURN_ACTION_BURN_LOCK, word, name, FALSE, 0, TRUE);
      it->precondition = g_strdup ("must read 0 (checked by the SSP firmware)");
      it->note = g_strdup (w == 0 ? "RMA password: burnt and locked even when zero"
                                  : "encrypted in the payload; a zero word is skipped");
    }
  if (ossp_chip_get_ssp_state_word (chip) >= 0)
    {
      OsspBurnPlanItem *it = add (self, 3, OSSP_BURN_ACTION_SET_BITS,
                                  (guint) ossp_chip_get_ssp_state_word (chip), "SSP_SUCCESS",
                                  TRUE, 1u << ossp_chip_get_ssp_success_bit (chip), FALSE);
      it->note = g_strdup ("set last: SSP cannot run again on this chip");
    }
}

OsspBurnPlan *
ossp_burn_plan_new (OsspPayload *payload,
                    GError     **error)
{
  g_autoptr(OsspBurnPlan) self = NULL;
  OsspChip *chip;

  g_return_val_if_fail (OSSP_IS_PAYLOAD (payload), NULL);
  chip = ossp_payload_get_chip (payload);
  if (chip == NULL || !ossp_chip_is_mp1 (chip) || ossp_chip_get_ssp_state_word (chip) < 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_UNSUPPORTED,
                   "Live provisioning supports the STM32MP13 and STM32MP15 SSP flow; this payload "
                   "is for %s, whose SSP firmware protocol is not public",
                   chip ? ossp_chip_get_name (chip) : "an unknown chip");
      return NULL;
    }
  self = g_object_new (OSSP_TYPE_BURN_PLAN, NULL);
  self->payload = g_object_ref (payload);
  self->chip = g_object_ref (chip);
  add_ssp_req (self);
  if (ossp_payload_is_decrypted (payload) && ossp_payload_get_plan (payload) != NULL &&
      ossp_payload_get_plan (payload)->len > 0)
    {
      self->has_values = TRUE;
      add_from_payload_plan (self, ossp_payload_get_plan (payload));
    }
  else
    add_from_header (self);
  return g_steal_pointer (&self);
}

OsspChip *
ossp_burn_plan_get_chip (OsspBurnPlan *self)
{
  g_return_val_if_fail (OSSP_IS_BURN_PLAN (self), NULL);
  return self->chip;
}

guint
ossp_burn_plan_get_n_items (OsspBurnPlan *self)
{
  g_return_val_if_fail (OSSP_IS_BURN_PLAN (self), 0);
  return self->items->len;
}

const OsspBurnPlanItem *
ossp_burn_plan_get_item (OsspBurnPlan *self,
                         guint         index)
{
  g_return_val_if_fail (OSSP_IS_BURN_PLAN (self), NULL);
  g_return_val_if_fail (index < self->items->len, NULL);
  return g_ptr_array_index (self->items, index);
}

gboolean
ossp_burn_plan_has_values (OsspBurnPlan *self)
{
  g_return_val_if_fail (OSSP_IS_BURN_PLAN (self), FALSE);
  return self->has_values;
}

guint
ossp_burn_plan_count (OsspBurnPlan   *self,
                      OsspBurnAction  action)
{
  guint n = 0;

  g_return_val_if_fail (OSSP_IS_BURN_PLAN (self), 0);
  for (guint i = 0; i < self->items->len; i++)
    if (((OsspBurnPlanItem *) g_ptr_array_index (self->items, i))->action == action)
      n++;
  return n;
}

void
ossp_burn_plan_set_product_id (OsspBurnPlan *self,
                               const char   *product_id)
{
  g_return_if_fail (OSSP_IS_BURN_PLAN (self));
  g_free (self->product_id);
  self->product_id = g_strdup (product_id);
}

const char *
ossp_burn_plan_get_product_id (OsspBurnPlan *self)
{
  g_return_val_if_fail (OSSP_IS_BURN_PLAN (self), NULL);
  return self->product_id;
}

const char *
ossp_burn_plan_get_confirm_word (OsspBurnPlan *self)
{
  g_return_val_if_fail (OSSP_IS_BURN_PLAN (self), NULL);
  return self->product_id != NULL && *self->product_id ? self->product_id : "BURN";
}

void
ossp_burn_plan_set_license_note (OsspBurnPlan *self,
                                 const char   *note)
{
  g_return_if_fail (OSSP_IS_BURN_PLAN (self));
  g_free (self->license_note);
  self->license_note = g_strdup (note);
}

char *
ossp_burn_plan_dup_summary (OsspBurnPlan *self)
{
  GString *s;
  guint locked, skipped;

  g_return_val_if_fail (OSSP_IS_BURN_PLAN (self), NULL);
  locked = ossp_burn_plan_count (self, OSSP_BURN_ACTION_BURN_LOCK);
  skipped = ossp_burn_plan_count (self, OSSP_BURN_ACTION_SKIP);
  s = g_string_new (ossp_chip_get_name (self->chip));
  if (self->product_id)
    g_string_append_printf (s, " %s", self->product_id);
  g_string_append_printf (s, ": SSP_REQ set, %u OTP word%s burnt and permanently locked",
                          locked, locked == 1 ? "" : "s");
  if (skipped)
    g_string_append_printf (s, ", %u zero word%s skipped", skipped, skipped == 1 ? "" : "s");
  g_string_append (s, ", chip closed, SSP_SUCCESS set; one HSM license per chip");
  return g_string_free (s, FALSE);
}

static char *
value_text (const OsspBurnPlanItem *it,
            gboolean                show_secrets)
{
  if (it->action == OSSP_BURN_ACTION_SKIP)
    return g_strdup ("0x00000000");
  if (!it->value_known)
    return g_strdup ("(encrypted)");
  if (it->secret && !show_secrets)
    return g_strdup ("••••••••••");
  if (it->action == OSSP_BURN_ACTION_SET_BITS)
    return g_strdup_printf ("|= 0x%08X", it->value);
  return g_strdup_printf ("0x%08X", it->value);
}

char *
ossp_burn_plan_to_text (OsspBurnPlan *self,
                        gboolean      show_secrets)
{
  GString *s = g_string_new (NULL);

  g_return_val_if_fail (OSSP_IS_BURN_PLAN (self), NULL);
  g_string_append_printf (s, "Burn plan for %s%s%s (%s)\n", ossp_chip_get_name (self->chip),
                          self->product_id ? ", product id " : "",
                          self->product_id ? self->product_id : "",
                          self->has_values ? "values from the decrypted payload"
                                           : "payload not decrypted: secret values stay encrypted");
  g_string_append_printf (s, "%-5s %-7s %-14s %-10s %-12s %s\n", "BOOT", "WORD", "NAME", "ACTION",
                          "VALUE", "CONDITION / NOTE");
  for (guint i = 0; i < self->items->len; i++)
    {
      const OsspBurnPlanItem *it = g_ptr_array_index (self->items, i);
      g_autofree char *v = value_text (it, show_secrets);
      g_autofree char *where = NULL;
      const char *cond = it->precondition ? it->precondition : "";
      const char *note = it->note ? it->note : "";
      guint last = i;

      /* a run of still-encrypted or skipped words reads better as one line */
      while ((!it->value_known || it->action == OSSP_BURN_ACTION_SKIP) && last + 1 < self->items->len)
        {
          const OsspBurnPlanItem *next = g_ptr_array_index (self->items, last + 1);
          if (next->value_known != it->value_known || next->action != it->action ||
              next->address != it->address + (last + 1 - i) || g_strcmp0 (next->note, it->note) != 0)
            break;
          last++;
        }
      if (last > i)
        {
          const OsspBurnPlanItem *end = g_ptr_array_index (self->items, last);
          where = g_strdup_printf ("%u-%u", it->address, end->address);
          g_string_append_printf (s, "%-5u %-7s %-14s %-10s %-12s %u words; %s%s%s\n", it->boot, where,
                                  it->action == OSSP_BURN_ACTION_SKIP ? "(zero words)" : "(secrets)",
                                  ossp_burn_action_to_string (it->action), v,
                                  last - i + 1, cond, *cond && *note ? "; " : "", note);
          i = last;
          continue;
        }
      where = g_str_equal (it->target, "otp") ? g_strdup_printf ("%u", it->address)
                                               : g_strdup_printf ("0x%08X", it->address);
      g_string_append_printf (s, "%-5u %-7s %-14s %-10s %-12s %s%s%s\n", it->boot, where, it->name,
                              ossp_burn_action_to_string (it->action), v, cond,
                              *cond && *note ? "; " : "", note);
    }
  g_string_append_printf (s, "License: %s\n",
                          self->license_note ? self->license_note
                                             : "one HSM license is spent for the chip in boot 2");
  return g_string_free (s, FALSE);
}

JsonNode *
ossp_burn_plan_to_json (OsspBurnPlan *self,
                        gboolean      show_secrets)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  g_return_val_if_fail (OSSP_IS_BURN_PLAN (self), NULL);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "chip");
  json_builder_add_string_value (b, ossp_chip_get_id (self->chip));
  json_builder_set_member_name (b, "product_id");
  if (self->product_id)
    json_builder_add_string_value (b, self->product_id);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "values_known");
  json_builder_add_boolean_value (b, self->has_values);
  json_builder_set_member_name (b, "confirm_word");
  json_builder_add_string_value (b, ossp_burn_plan_get_confirm_word (self));
  json_builder_set_member_name (b, "items");
  json_builder_begin_array (b);
  for (guint i = 0; i < self->items->len; i++)
    {
      const OsspBurnPlanItem *it = g_ptr_array_index (self->items, i);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "boot");
      json_builder_add_int_value (b, it->boot);
      json_builder_set_member_name (b, "target");
      json_builder_add_string_value (b, it->target);
      json_builder_set_member_name (b, "word");
      json_builder_add_int_value (b, it->address);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, it->name);
      json_builder_set_member_name (b, "action");
      json_builder_add_string_value (b, ossp_burn_action_to_string (it->action));
      json_builder_set_member_name (b, "value");
      if (it->value_known && (!it->secret || show_secrets))
        {
          g_autofree char *hex = g_strdup_printf ("0x%08X", it->value);
          json_builder_add_string_value (b, hex);
        }
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "secret");
      json_builder_add_boolean_value (b, it->secret);
      json_builder_set_member_name (b, "locked");
      json_builder_add_boolean_value (b, it->action == OSSP_BURN_ACTION_BURN_LOCK);
      if (it->precondition)
        {
          json_builder_set_member_name (b, "precondition");
          json_builder_add_string_value (b, it->precondition);
        }
      if (it->note)
        {
          json_builder_set_member_name (b, "note");
          json_builder_add_string_value (b, it->note);
        }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
