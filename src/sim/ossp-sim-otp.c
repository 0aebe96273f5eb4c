/* ossp-sim-otp.c — the simulated BSEC (BSEC2 on MP13/MP15, BSEC3 on MP25)
 *
 * Rules modelled (otp-maps.md §1–§4, ssp-flow.md §11):
 * - programming only sets bits (0→1); lower words bitwise, upper (MP1) or
 *   middle/upper (MP25) words only when blank ("write once");
 * - a permanent lock (stored in the fuses) refuses every later programming;
 * - sticky locks (program, shadow write, shadow read) last until reset;
 * - software reads the shadow registers, reloaded from the fuses at reset;
 * - MP25 words above max_accessible_word (ECIES key, HWKEY) are ROM-only.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ossp-sim-json.h"
#include "ossp-sim-otp.h"

struct _OsspSimOtp
{
  GObject    parent_instance;

  OsspChip  *chip;
  guint      n_words;
  guint32   *fuse;
  guint32   *shadow;
  gboolean  *locked;       /* permanent */
  guint8    *sticky;       /* OsspSimOtpSticky */
};

G_DEFINE_FINAL_TYPE (OsspSimOtp, ossp_sim_otp, G_TYPE_OBJECT)

/* MP25: the SSP state bits are OUR OWN (docs/simulator.md): the lifecycle
 * word 18 whose bits 7..0 U-Boot sets when closing, bits 8 and 9. */
#define MP25_SSP_WORD    18
#define MP25_SSP_REQ     8
#define MP25_SSP_SUCCESS 9

static void
ossp_sim_otp_finalize (GObject *object)
{
  OsspSimOtp *self = OSSP_SIM_OTP (object);

  g_clear_object (&self->chip);
  ossp_secure_free (self->fuse, self->n_words * sizeof (guint32));
  ossp_secure_free (self->shadow, self->n_words * sizeof (guint32));
  g_free (self->locked);
  g_free (self->sticky);
  G_OBJECT_CLASS (ossp_sim_otp_parent_class)->finalize (object);
}

static void
ossp_sim_otp_class_init (OsspSimOtpClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ossp_sim_otp_finalize;
}

static void
ossp_sim_otp_init (OsspSimOtp *self)
{
}

OsspSimOtp *
ossp_sim_otp_new (OsspChip *chip)
{
  OsspSimOtp *self = g_object_new (OSSP_TYPE_SIM_OTP, NULL);

  self->chip = g_object_ref (chip);
  self->n_words = ossp_chip_get_otp_word_count (chip);
  self->fuse = ossp_secure_alloc (self->n_words * sizeof (guint32));
  self->shadow = ossp_secure_alloc (self->n_words * sizeof (guint32));
  self->locked = g_new0 (gboolean, self->n_words);
  self->sticky = g_new0 (guint8, self->n_words);
  return self;
}

OsspChip *
ossp_sim_otp_get_chip (OsspSimOtp *self)
{
  return self->chip;
}

guint
ossp_sim_otp_get_n_words (OsspSimOtp *self)
{
  return self->n_words;
}

gboolean
ossp_sim_otp_is_bitwise (OsspSimOtp *self,
                         guint       word)
{
  return word <= ossp_chip_get_lower_last_word (self->chip);
}

static gboolean
check_word (OsspSimOtp  *self,
            guint        word,
            GError     **error)
{
  if (word > ossp_chip_get_max_accessible_word (self->chip))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "OTP word %u does not exist or is not accessible on %s (words 0..%u)",
                   word, ossp_chip_get_name (self->chip),
                   ossp_chip_get_max_accessible_word (self->chip));
      return FALSE;
    }
  return TRUE;
}

gboolean
ossp_sim_otp_read (OsspSimOtp  *self,
                   guint        word,
                   guint32     *out_value,
                   GError     **error)
{
  if (!check_word (self, word, error))
    return FALSE;
  if (self->sticky[word] & OSSP_SIM_OTP_STICKY_SHADOW_READ)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_STATE,
                   "OTP word %u is read-locked until the next reset", word);
      return FALSE;
    }
  *out_value = self->shadow[word];
  return TRUE;
}

gboolean
ossp_sim_otp_read_fuse (OsspSimOtp  *self,
                        guint        word,
                        guint32     *out_value,
                        GError     **error)
{
  if (!check_word (self, word, error))
    return FALSE;
  if (self->sticky[word] & (OSSP_SIM_OTP_STICKY_SHADOW_READ | OSSP_SIM_OTP_STICKY_SHADOW_WRITE))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_STATE,
                   "OTP word %u: the shadow is locked until the next reset", word);
      return FALSE;
    }
  self->shadow[word] = self->fuse[word];
  *out_value = self->fuse[word];
  return TRUE;
}

gboolean
ossp_sim_otp_program (OsspSimOtp  *self,
                      guint        word,
                      guint32      value,
                      GError     **error)
{
  if (!check_word (self, word, error))
    return FALSE;
  if (self->locked[word])
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_STATE,
                   "OTP word %u is permanently locked; it cannot be programmed", word);
      return FALSE;
    }
  if (self->sticky[word] & OSSP_SIM_OTP_STICKY_PROGRAM)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_STATE,
                   "OTP word %u is programming-locked until the next reset", word);
      return FALSE;
    }
  if (value == 0)
    return TRUE;
  if (!ossp_sim_otp_is_bitwise (self, word) && self->fuse[word] != 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_STATE,
                   "OTP word %u already holds 0x%08X; upper OTP words can be programmed only once",
                   word, self->fuse[word]);
      return FALSE;
    }
  self->fuse[word] |= value;
  if (!(self->sticky[word] & OSSP_SIM_OTP_STICKY_SHADOW_WRITE))
    self->shadow[word] = self->fuse[word];
  return TRUE;
}

gboolean
ossp_sim_otp_lock (OsspSimOtp  *self,
                   guint        word,
                   GError     **error)
{
  if (!check_word (self, word, error))
    return FALSE;
  self->locked[word] = TRUE;
  return TRUE;
}

gboolean
ossp_sim_otp_write_shadow (OsspSimOtp  *self,
                           guint        word,
                           guint32      value,
                           GError     **error)
{
  if (!check_word (self, word, error))
    return FALSE;
  if (self->sticky[word] & OSSP_SIM_OTP_STICKY_SHADOW_WRITE)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_STATE,
                   "OTP word %u: shadow writes are locked until the next reset", word);
      return FALSE;
    }
  self->shadow[word] = value;
  return TRUE;
}

void
ossp_sim_otp_set_sticky (OsspSimOtp       *self,
                         guint             word,
                         OsspSimOtpSticky  flags)
{
  g_return_if_fail (word < self->n_words);
  self->sticky[word] |= flags;
}

void
ossp_sim_otp_reset (OsspSimOtp *self)
{
  for (guint i = 0; i < self->n_words; i++)
    {
      self->sticky[i] = 0;
      self->shadow[i] = self->fuse[i];
    }
}

guint32
ossp_sim_otp_peek_fuse (OsspSimOtp *self,
                        guint       word)
{
  g_return_val_if_fail (word < self->n_words, 0);
  return self->fuse[word];
}

guint32
ossp_sim_otp_peek_shadow (OsspSimOtp *self,
                          guint       word)
{
  g_return_val_if_fail (word < self->n_words, 0);
  return self->shadow[word];
}

gboolean
ossp_sim_otp_is_locked (OsspSimOtp *self,
                        guint       word)
{
  g_return_val_if_fail (word < self->n_words, FALSE);
  return self->locked[word];
}

OsspSimOtpSticky
ossp_sim_otp_get_sticky (OsspSimOtp *self,
                         guint       word)
{
  g_return_val_if_fail (word < self->n_words, 0);
  return self->sticky[word];
}

void
ossp_sim_otp_factory_set (OsspSimOtp *self,
                          guint       word,
                          guint32     value,
                          gboolean    lock)
{
  g_return_if_fail (word < self->n_words);
  self->fuse[word] |= value;
  self->shadow[word] = self->fuse[word];
  if (lock)
    self->locked[word] = TRUE;
}

guint
ossp_sim_otp_get_ssp_word (OsspSimOtp *self)
{
  gint w = ossp_chip_get_ssp_state_word (self->chip);
  return w >= 0 ? (guint) w : MP25_SSP_WORD;
}

guint32
ossp_sim_otp_get_ssp_req_mask (OsspSimOtp *self)
{
  gint b = ossp_chip_get_ssp_req_bit (self->chip);
  return 1u << (b >= 0 ? b : MP25_SSP_REQ);
}

guint32
ossp_sim_otp_get_ssp_success_mask (OsspSimOtp *self)
{
  gint b = ossp_chip_get_ssp_success_bit (self->chip);
  return 1u << (b >= 0 ? b : MP25_SSP_SUCCESS);
}

gboolean
ossp_sim_otp_is_closed (OsspSimOtp *self)
{
  const char *id = ossp_chip_get_id (self->chip);

  /* ssp-flow.md §2, otp-maps.md §1–§3 */
  if (g_str_equal (id, "stm32mp15"))
    return (self->fuse[0] & 0x40) != 0;
  if (g_str_equal (id, "stm32mp13"))
    return (self->fuse[0] & 0x3F) == 0x3F;
  return (self->fuse[18] & 0xF) != 0;
}

gint
ossp_sim_otp_find_word (OsspSimOtp *self,
                        const char *name)
{
  for (guint i = 0; i < ossp_chip_get_n_word_infos (self->chip); i++)
    {
      const OsspOtpWordInfo *w = ossp_chip_get_word_info (self->chip, i);
      if (g_str_equal (w->name, name))
        return (gint) w->first;
    }
  return -1;
}

static void
add_word_list (JsonBuilder *b,
               const char  *name,
               OsspSimOtp  *self,
               guint8       sticky_flag)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (guint i = 0; i < self->n_words; i++)
    if (sticky_flag == 0 ? self->locked[i] : (self->sticky[i] & sticky_flag) != 0)
      json_builder_add_int_value (b, i);
  json_builder_end_array (b);
}

JsonNode *
ossp_sim_otp_to_json (OsspSimOtp *self)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "words");
  json_builder_begin_array (b);
  for (guint i = 0; i < self->n_words; i++)
    {
      g_autofree char *hex = ossp_sim_json_hex32 (self->fuse[i]);
      json_builder_add_string_value (b, hex);
    }
  json_builder_end_array (b);
  add_word_list (b, "permanent_locks", self, 0);
  /* volatile parts: only what differs from "just reset" */
  json_builder_set_member_name (b, "shadow");
  json_builder_begin_object (b);
  for (guint i = 0; i < self->n_words; i++)
    if (self->shadow[i] != self->fuse[i])
      {
        g_autofree char *key = g_strdup_printf ("%u", i);
        g_autofree char *hex = ossp_sim_json_hex32 (self->shadow[i]);
        json_builder_set_member_name (b, key);
        json_builder_add_string_value (b, hex);
      }
  json_builder_end_object (b);
  json_builder_set_member_name (b, "sticky");
  json_builder_begin_object (b);
  add_word_list (b, "program", self, OSSP_SIM_OTP_STICKY_PROGRAM);
  add_word_list (b, "shadow_write", self, OSSP_SIM_OTP_STICKY_SHADOW_WRITE);
  add_word_list (b, "shadow_read", self, OSSP_SIM_OTP_STICKY_SHADOW_READ);
  json_builder_end_object (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static gboolean
load_word_list (OsspSimOtp  *self,
                JsonObject  *obj,
                const char  *member,
                guint8       sticky_flag,
                GError     **error)
{
  JsonArray *arr = NULL;

  if (!ossp_sim_json_get_array (obj, member, &arr, error))
    return FALSE;
  for (guint i = 0; arr != NULL && i < json_array_get_length (arr); i++)
    {
      guint32 w;
      if (!ossp_sim_json_node_u32 (json_array_get_element (arr, i), member, &w, error))
        return FALSE;
      if (w >= self->n_words)
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                       "State file: \"%s\" names word %u; %s has words 0..%u",
                       member, w, ossp_chip_get_name (self->chip), self->n_words - 1);
          return FALSE;
        }
      if (sticky_flag == 0)
        self->locked[w] = TRUE;
      else
        self->sticky[w] |= sticky_flag;
    }
  return TRUE;
}

gboolean
ossp_sim_otp_load_json (OsspSimOtp  *self,
                        JsonNode    *node,
                        GError     **error)
{
  JsonObject *obj, *shadow, *sticky;
  JsonArray *words = NULL;
  JsonNode *member;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "State file: \"otp\" must be an object with \"words\" and \"permanent_locks\"");
      return FALSE;
    }
  obj = json_node_get_object (node);
  if (!ossp_sim_json_get_array (obj, "words", &words, error))
    return FALSE;
  if (words == NULL || json_array_get_length (words) != self->n_words)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "State file: \"otp.words\" must list all %u words of %s",
                   self->n_words, ossp_chip_get_name (self->chip));
      return FALSE;
    }
  for (guint i = 0; i < self->n_words; i++)
    {
      if (!ossp_sim_json_node_u32 (json_array_get_element (words, i), "otp.words", &self->fuse[i], error))
        return FALSE;
      self->shadow[i] = self->fuse[i];
      self->locked[i] = FALSE;
      self->sticky[i] = 0;
    }
  if (!load_word_list (self, obj, "permanent_locks", 0, error))
    return FALSE;

  member = json_object_get_member (obj, "shadow");
  if (member != NULL && !JSON_NODE_HOLDS_NULL (member))
    {
      g_autoptr(GList) keys = NULL;
      if (!JSON_NODE_HOLDS_OBJECT (member))
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                       "State file: \"otp.shadow\" must be an object {\"word\": \"0x…\"}");
          return FALSE;
        }
      shadow = json_node_get_object (member);
      keys = json_object_get_members (shadow);
      for (GList *l = keys; l != NULL; l = l->next)
        {
          guint32 w, v;
          if (!ossp_parse_u32 (l->data, &w, NULL) || w >= self->n_words)
            {
              g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                           "State file: \"otp.shadow\" key \"%s\" is not a word number", (char *) l->data);
              return FALSE;
            }
          if (!ossp_sim_json_node_u32 (json_object_get_member (shadow, l->data), "otp.shadow", &v, error))
            return FALSE;
          self->shadow[w] = v;
        }
    }

  member = json_object_get_member (obj, "sticky");
  if (member != NULL && !JSON_NODE_HOLDS_NULL (member))
    {
      if (!JSON_NODE_HOLDS_OBJECT (member))
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                       "State file: \"otp.sticky\" must be an object");
          return FALSE;
        }
      sticky = json_node_get_object (member);
      if (!load_word_list (self, sticky, "program", OSSP_SIM_OTP_STICKY_PROGRAM, error) ||
          !load_word_list (self, sticky, "shadow_write", OSSP_SIM_OTP_STICKY_SHADOW_WRITE, error) ||
          !load_word_list (self, sticky, "shadow_read", OSSP_SIM_OTP_STICKY_SHADOW_READ, error))
        return FALSE;
    }
  return TRUE;
}
