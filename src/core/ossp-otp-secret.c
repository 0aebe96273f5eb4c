/* ossp-otp-secret.c — OTP list model, validation, secret files, JSON list
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ossp-error.h"
#include "ossp-otp-secret.h"

#define OSOT_MAGIC       "OSOT"
#define OSOT_HEADER_SIZE 8
#define OSOT_ENTRY_SIZE  12
#define OSOT_FLAG_FORMAT2 (1u << 3)
#define OSOT_MAX_WORD    383     /* payload.md §5.1: word_index 0..383 */
#define JSON_MAX_SIZE    (1024 * 1024)
#define SECRET_MAX_SIZE  (64 * 1024)

struct _OsspOtpSecret
{
  GObject    parent_instance;

  OsspChip  *chip;
  GPtrArray *items;   /* OsspOtpItem, sorted by word, one per word */
};

static void ossp_otp_secret_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OsspOtpSecret, ossp_otp_secret, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      ossp_otp_secret_list_model_init))

enum {
  PROP_0,
  PROP_CHIP,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---------------------------------------------------------------- helpers */

static GBytes *
secret_bytes_new_take (OsspSecret *secret)
{
  /* the GBytes owns wiped memory: callers may keep it as long as they like */
  return g_bytes_new_with_free_func (secret->data, secret->len,
                                     (GDestroyNotify) ossp_secret_free, secret);
}

static gboolean
chip_has_fixed_file (OsspChip *chip)
{
  /* MP1: a fixed-size little-endian word file; MP2: our OSOT entry list */
  return ossp_chip_is_mp1 (chip) && ossp_chip_get_secret_file_size (chip) > 0;
}

static guint
secret_file_words (OsspChip *chip)
{
  return (guint) (ossp_chip_get_secret_file_size (chip) / 4);
}

char *
ossp_otp_secret_describe_word (OsspChip *chip,
                               guint     word)
{
  const OsspOtpWordInfo *info = ossp_chip_lookup_word (chip, word);

  if (info == NULL)
    return NULL;
  /* a word inside a multi-word value (hash, key) gets its index */
  if (info->format != 0 && info->last > info->first)
    return g_strdup_printf ("%s[%u]", info->name, word - info->first);
  return g_strdup (info->name);
}

/* "24..31, 56, 59..95": the SSP-writable words as the chip map says */
static char *
ssp_ranges_text (OsspChip *chip)
{
  GString *s = g_string_new (NULL);
  guint n = ossp_chip_get_otp_word_count (chip);

  for (guint w = 0; w < n; w++)
    {
      guint last = w;
      if (!ossp_chip_word_is_ssp_writable (chip, w))
        continue;
      while (last + 1 < n && ossp_chip_word_is_ssp_writable (chip, last + 1))
        last++;
      if (s->len)
        g_string_append (s, ", ");
      if (last == w)
        g_string_append_printf (s, "%u", w);
      else
        g_string_append_printf (s, "%u..%u", w, last);
      w = last;
    }
  return g_string_free (s, FALSE);
}

static gboolean
word_in_pkh (OsspChip *chip,
             guint     word)
{
  guint first = ossp_chip_get_pkh_first_word (chip);
  return word >= first && word < first + 8;
}

static gboolean
is_rma_word (OsspChip *chip,
             guint     word)
{
  return ossp_chip_get_rma_word (chip) >= 0 && word == (guint) ossp_chip_get_rma_word (chip);
}

/* The chip map writes "lock_after_write": "permanent" (a string) while
 * OsspChip reads a boolean, so look at the map's JSON too. */
static gboolean
word_wants_lock (OsspChip *chip,
                 guint     word)
{
  const OsspOtpWordInfo *info = ossp_chip_lookup_word (chip, word);
  JsonObject *root = ossp_chip_get_json (chip);
  JsonArray *words;

  if (info == NULL)
    return FALSE;
  if (info->lock_after_write)
    return TRUE;
  if (root == NULL || !json_object_has_member (root, "words"))
    return FALSE;
  words = json_object_get_array_member (root, "words");
  for (guint i = 0; words && i < json_array_get_length (words); i++)
    {
      JsonObject *w = json_array_get_object_element (words, i);
      JsonNode *first = w ? json_object_get_member (w, "first") : NULL;
      JsonNode *lock;
      guint32 f = G_MAXUINT32;

      /* numbers may be integers or "0x…" strings (chip-map.md) */
      if (first && JSON_NODE_HOLDS_VALUE (first) && json_node_get_value_type (first) == G_TYPE_INT64)
        f = (guint32) json_node_get_int (first);
      else if (first && JSON_NODE_HOLDS_VALUE (first) && json_node_get_value_type (first) == G_TYPE_STRING)
        ossp_parse_u32 (json_node_get_string (first), &f, NULL);
      if (f != info->first)
        continue;
      lock = json_object_get_member (w, "lock_after_write");
      if (lock == NULL || !JSON_NODE_HOLDS_VALUE (lock))
        return FALSE;
      if (json_node_get_value_type (lock) == G_TYPE_BOOLEAN)
        return json_node_get_boolean (lock);
      return json_node_get_value_type (lock) == G_TYPE_STRING &&
             g_strcmp0 (json_node_get_string (lock), "permanent") == 0;
    }
  return FALSE;
}

/* MP1: the SSP firmware locks what it programs (ssp-flow.md §8 step 4):
 * every non-zero word, and the RMA word even when zero (§4.4 item 7). */
static OsspOtpItemFlags
effective_flags (OsspChip         *chip,
                 guint             word,
                 guint32           value,
                 OsspOtpItemFlags  flags)
{
  if (ossp_chip_has_user_lock_flags (chip))
    return flags;
  flags &= ~OSSP_OTP_ITEM_FLAG_LOCK;
  if (value != 0 || is_rma_word (chip, word))
    flags |= OSSP_OTP_ITEM_FLAG_LOCK;
  return flags;
}

static OsspOtpItem *
make_item (OsspChip         *chip,
           guint             word,
           guint32           value,
           OsspOtpItemFlags  flags,
           guint             format,
           const char       *label)
{
  const OsspOtpWordInfo *info = ossp_chip_lookup_word (chip, word);
  g_autofree char *name = ossp_otp_secret_describe_word (chip, word);

  return ossp_otp_item_new (word, value, effective_flags (chip, word, value, flags), format,
                            label, name, info ? info->description : NULL);
}

/* first index whose word is >= @word */
static guint
find_pos (OsspOtpSecret *self,
          guint          word)
{
  guint lo = 0, hi = self->items->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      if (ossp_otp_item_get_word (g_ptr_array_index (self->items, mid)) < word)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

/* Replaces the items of words first..last by @added (sorted, inside the
 * range; may be NULL) with one items-changed. */
static guint
replace_range (OsspOtpSecret *self,
               guint          first,
               guint          last,
               GPtrArray     *added)
{
  guint pos = find_pos (self, first);
  guint end = last == G_MAXUINT ? self->items->len : find_pos (self, last + 1);
  guint removed = end - pos;
  guint n_added = added ? added->len : 0;

  if (removed)
    g_ptr_array_remove_range (self->items, pos, removed);
  for (guint i = 0; i < n_added; i++)
    g_ptr_array_insert (self->items, pos + i, g_object_ref (g_ptr_array_index (added, i)));
  if (removed || n_added)
    g_list_model_items_changed (G_LIST_MODEL (self), pos, removed, n_added);
  return removed;
}

/* ------------------------------------------------------------- GListModel */

static GType
ossp_otp_secret_get_item_type (GListModel *model)
{
  return OSSP_TYPE_OTP_ITEM;
}

static guint
ossp_otp_secret_get_n_items (GListModel *model)
{
  return OSSP_OTP_SECRET (model)->items->len;
}

static gpointer
ossp_otp_secret_get_item (GListModel *model,
                          guint       position)
{
  OsspOtpSecret *self = OSSP_OTP_SECRET (model);

  if (position >= self->items->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
ossp_otp_secret_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = ossp_otp_secret_get_item_type;
  iface->get_n_items = ossp_otp_secret_get_n_items;
  iface->get_item = ossp_otp_secret_get_item;
}

/* ---------------------------------------------------------------- GObject */

static void
ossp_otp_secret_finalize (GObject *object)
{
  OsspOtpSecret *self = OSSP_OTP_SECRET (object);

  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_object (&self->chip);
  G_OBJECT_CLASS (ossp_otp_secret_parent_class)->finalize (object);
}

static void
ossp_otp_secret_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  OsspOtpSecret *self = OSSP_OTP_SECRET (object);

  switch (prop_id)
    {
    case PROP_CHIP:
      g_value_set_object (value, self->chip);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ossp_otp_secret_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  OsspOtpSecret *self = OSSP_OTP_SECRET (object);

  switch (prop_id)
    {
    case PROP_CHIP:
      ossp_otp_secret_set_chip (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ossp_otp_secret_class_init (OsspOtpSecretClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ossp_otp_secret_finalize;
  object_class->get_property = ossp_otp_secret_get_property;
  object_class->set_property = ossp_otp_secret_set_property;

  properties[PROP_CHIP] = g_param_spec_object ("chip", NULL, NULL, OSSP_TYPE_CHIP,
                                               G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                                               G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ossp_otp_secret_init (OsspOtpSecret *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
}

OsspOtpSecret *
ossp_otp_secret_new (OsspChip *chip)
{
  g_return_val_if_fail (OSSP_IS_CHIP (chip), NULL);
  return g_object_new (OSSP_TYPE_OTP_SECRET, "chip", chip, NULL);
}

OsspChip *
ossp_otp_secret_get_chip (OsspOtpSecret *self)
{
  return self->chip;
}

void
ossp_otp_secret_set_chip (OsspOtpSecret *self,
                          OsspChip      *chip)
{
  g_autoptr(GPtrArray) rebuilt = NULL;
  guint n;

  g_return_if_fail (OSSP_IS_CHIP (chip));
  if (self->chip == chip)
    return;
  g_set_object (&self->chip, chip);

  /* names, descriptions and MP1 locks depend on the chip map */
  n = self->items->len;
  rebuilt = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < n; i++)
    {
      OsspOtpItem *old = g_ptr_array_index (self->items, i);
      g_ptr_array_add (rebuilt, make_item (chip, ossp_otp_item_get_word (old),
                                           ossp_otp_item_get_value (old),
                                           ossp_otp_item_get_flags (old),
                                           ossp_otp_item_get_format (old),
                                           ossp_otp_item_get_label (old)));
    }
  g_ptr_array_unref (self->items);
  self->items = g_steal_pointer (&rebuilt);
  if (n)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, n, n);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHIP]);
}

/* ------------------------------------------------------------- mutations */

static gboolean
check_word_exists (OsspOtpSecret *self,
                   guint          word,
                   GError       **error)
{
  guint n = ossp_chip_get_otp_word_count (self->chip);

  if (word < n)
    return TRUE;
  g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
               "Word %u does not exist on %s (OTP words 0..%u)", word,
               ossp_chip_get_name (self->chip), n - 1);
  return FALSE;
}

gboolean
ossp_otp_secret_set_item (OsspOtpSecret    *self,
                          guint             word,
                          guint32           value,
                          OsspOtpItemFlags  flags,
                          guint             format,
                          const char       *label,
                          GError          **error)
{
  g_autoptr(GPtrArray) added = NULL;

  g_return_val_if_fail (OSSP_IS_OTP_SECRET (self), FALSE);
  if (!check_word_exists (self, word, error))
    return FALSE;
  if (format > OSSP_WORD_FORMAT_2)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "Word format %u is unknown: use 1 (big-endian per word) or 2 (little-endian)",
                   format);
      return FALSE;
    }
  if (flags & ~OSSP_OTP_ITEM_FLAGS_ALL)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "Unknown OTP item flags 0x%X", flags & ~OSSP_OTP_ITEM_FLAGS_ALL);
      return FALSE;
    }
  added = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (added, make_item (self->chip, word, value, flags, format, label));
  replace_range (self, word, word, added);
  return TRUE;
}

gboolean
ossp_otp_secret_set_word (OsspOtpSecret *self,
                          guint          word,
                          guint32        value,
                          gboolean       lock,
                          const char    *label,
                          GError       **error)
{
  return ossp_otp_secret_set_item (self, word, value,
                                   lock ? OSSP_OTP_ITEM_FLAG_LOCK : OSSP_OTP_ITEM_FLAG_NONE,
                                   0, label, error);
}

gboolean
ossp_otp_secret_remove_word (OsspOtpSecret *self,
                             guint          word)
{
  g_return_val_if_fail (OSSP_IS_OTP_SECRET (self), FALSE);
  return replace_range (self, word, word, NULL) > 0;
}

guint
ossp_otp_secret_remove_range (OsspOtpSecret *self,
                              guint          first,
                              guint          last)
{
  g_return_val_if_fail (OSSP_IS_OTP_SECRET (self), 0);
  if (first > last)
    return 0;
  return replace_range (self, first, last, NULL);
}

void
ossp_otp_secret_clear (OsspOtpSecret *self)
{
  g_return_if_fail (OSSP_IS_OTP_SECRET (self));
  replace_range (self, 0, G_MAXUINT, NULL);
}

OsspOtpItem *
ossp_otp_secret_lookup (OsspOtpSecret *self,
                        guint          word)
{
  guint pos;

  g_return_val_if_fail (OSSP_IS_OTP_SECRET (self), NULL);
  pos = find_pos (self, word);
  if (pos < self->items->len &&
      ossp_otp_item_get_word (g_ptr_array_index (self->items, pos)) == word)
    return g_ptr_array_index (self->items, pos);
  return NULL;
}

gboolean
ossp_otp_secret_set_rma_password (OsspOtpSecret *self,
                                  guint32        value,
                                  GError       **error)
{
  gint word = ossp_chip_get_rma_word (self->chip);
  guint32 mask = ossp_chip_get_rma_mask (self->chip);

  if (word < 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_UNSUPPORTED,
                   "The OTP location of the %s RMA password is not public; set its words "
                   "explicitly (otp set-key / otp set) at the words your reference manual gives",
                   ossp_chip_get_name (self->chip));
      return FALSE;
    }
  if (value & ~mask)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "RMA password 0x%08X is too large for %s: the SSP firmware keeps only the "
                   "bits of mask 0x%08X (max 0x%08X); choose a smaller value",
                   value, ossp_chip_get_name (self->chip), mask, mask);
      return FALSE;
    }
  return ossp_otp_secret_set_item (self, (guint) word, value, OSSP_OTP_ITEM_FLAG_LOCK, 0,
                                   "RMA password", error);
}

gboolean
ossp_otp_secret_get_rma_password (OsspOtpSecret *self,
                                  guint32       *out_value)
{
  gint word = ossp_chip_get_rma_word (self->chip);
  OsspOtpItem *item;

  if (word < 0 || (item = ossp_otp_secret_lookup (self, (guint) word)) == NULL)
    return FALSE;
  if (out_value)
    *out_value = ossp_otp_item_get_value (item);
  return TRUE;
}

gboolean
ossp_otp_secret_set_key (OsspOtpSecret  *self,
                         guint           first_word,
                         const guint8   *key,
                         gsize           len,
                         OsspWordFormat  format,
                         gboolean        lock,
                         const char     *label,
                         GError        **error)
{
  g_autoptr(GPtrArray) added = NULL;
  guint32 words[8];
  guint n;

  g_return_val_if_fail (OSSP_IS_OTP_SECRET (self), FALSE);
  if (len != 16 && len != 32)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "A key for OTP must be 16 bytes (128 bits) or 32 bytes (256 bits), not %"
                   G_GSIZE_FORMAT, len);
      return FALSE;
    }
  if (format != OSSP_WORD_FORMAT_1 && format != OSSP_WORD_FORMAT_2)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "Word format %d is unknown: use 1 (big-endian per word) or 2 (little-endian)",
                   (int) format);
      return FALSE;
    }
  n = (guint) (len / 4);
  if (!check_word_exists (self, first_word, error) ||
      !check_word_exists (self, first_word + n - 1, error))
    return FALSE;

  ossp_bytes_to_words (key, len, format, words);
  added = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (added, make_item (self->chip, first_word + i, words[i],
                                       lock ? OSSP_OTP_ITEM_FLAG_LOCK : OSSP_OTP_ITEM_FLAG_NONE,
                                       format, label));
  ossp_secure_wipe (words, sizeof words);
  replace_range (self, first_word, first_word + n - 1, added);
  return TRUE;
}

gboolean
ossp_otp_secret_set_pkh_table_hash (OsspOtpSecret *self,
                                    const guint8   hash[32],
                                    GError       **error)
{
  if (ossp_chip_is_mp1 (self->chip))
    {
      guint first = ossp_chip_get_pkh_first_word (self->chip);
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "On %s the SSP firmware programs words %u..%u (%s) itself from the payload "
                   "header, not from the secret file: give the public key (or "
                   "publicKeysHashHashes.bin) to the payload builder instead",
                   ossp_chip_get_name (self->chip), first, first + 7,
                   ossp_chip_uses_pkh_table (self->chip) ? "PKHTH" : "PKH");
      return FALSE;
    }
  return ossp_otp_secret_set_key (self, ossp_chip_get_pkh_first_word (self->chip), hash, 32,
                                  OSSP_WORD_FORMAT_1, TRUE, "PKHTH", error);
}

/* ------------------------------------------------------------- validation */

void
ossp_otp_problem_free (OsspOtpProblem *problem)
{
  if (problem == NULL)
    return;
  g_free (problem->code);
  g_free (problem->message);
  g_free (problem);
}

const char *
ossp_otp_severity_to_string (OsspOtpSeverity severity)
{
  return severity == OSSP_OTP_SEVERITY_ERROR ? "error" : "warning";
}

static void add_problem (GPtrArray      *problems,
                         gint            word,
                         OsspOtpSeverity severity,
                         const char     *code,
                         const char     *format,
                         ...) G_GNUC_PRINTF (5, 6);

static void
add_problem (GPtrArray      *problems,
             gint            word,
             OsspOtpSeverity severity,
             const char     *code,
             const char     *format,
             ...)
{
  OsspOtpProblem *p = g_new0 (OsspOtpProblem, 1);
  va_list ap;

  p->word = word;
  p->severity = severity;
  p->code = g_strdup (code);
  va_start (ap, format);
  p->message = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_ptr_array_add (problems, p);
}

static gint
compare_problems (gconstpointer a,
                  gconstpointer b)
{
  const OsspOtpProblem *pa = *(OsspOtpProblem **) a;
  const OsspOtpProblem *pb = *(OsspOtpProblem **) b;

  if (pa->word != pb->word)
    return pa->word < pb->word ? -1 : 1;
  return (int) pa->severity - (int) pb->severity;
}

static void
validate_item (OsspOtpSecret *self,
               OsspOtpItem   *item,
               GPtrArray     *problems)
{
  OsspChip *chip = self->chip;
  guint w = ossp_otp_item_get_word (item);
  guint32 value = ossp_otp_item_get_value (item);
  OsspOtpItemFlags flags = ossp_otp_item_get_flags (item);
  gboolean mp1 = ossp_chip_is_mp1 (chip);
  gboolean user_locks = ossp_chip_has_user_lock_flags (chip);
  const OsspOtpWordInfo *info = ossp_chip_lookup_word (chip, w);
  g_autofree char *name = ossp_otp_secret_describe_word (chip, w);
  const char *chip_name = ossp_chip_get_name (chip);
  const char *nm = name ? name : "unnamed";

  if (w >= ossp_chip_get_otp_word_count (chip))
    {
      add_problem (problems, (gint) w, OSSP_OTP_SEVERITY_ERROR, "outside-otp",
                   "Word %u does not exist on %s (OTP words 0..%u): remove it", w, chip_name,
                   ossp_chip_get_otp_word_count (chip) - 1);
      return;
    }
  if (ossp_chip_word_is_reserved (chip, w))
    {
      add_problem (problems, (gint) w, OSSP_OTP_SEVERITY_ERROR, "reserved",
                   "Word %u (%s%s%s) belongs to ST: the SSP must never write it; remove it",
                   w, nm, info && info->description ? ": " : "",
                   info && info->description ? info->description : "");
      return;
    }
  if (mp1 && word_in_pkh (chip, w))
    {
      add_problem (problems, (gint) w, OSSP_OTP_SEVERITY_ERROR, "pkh-from-payload",
                   "Word %u (%s) is programmed by the %s SSP firmware from the payload header "
                   "(the OEM public key%s), not from the secret file: remove it here and give "
                   "the key to the payload builder", w, nm, chip_name,
                   ossp_chip_uses_pkh_table (chip) ? "-table hash" : "");
      return;
    }
  if (!ossp_chip_word_is_ssp_writable (chip, w))
    {
      g_autofree char *ranges = ssp_ranges_text (chip);
      if (!mp1 && ossp_chip_word_is_bitwise (chip, w))
        add_problem (problems, (gint) w, OSSP_OTP_SEVERITY_ERROR, "not-ssp-writable",
                     "Word %u (%s) is lower, bit-programmable OTP (0..%u): the %s SSP secret "
                     "file holds only words %s; program configuration words another way",
                     w, nm, ossp_chip_get_lower_last_word (chip), chip_name, ranges);
      else
        add_problem (problems, (gint) w, OSSP_OTP_SEVERITY_ERROR, "not-ssp-writable",
                     "Word %u (%s) is outside the words the %s SSP firmware can program (%s): "
                     "remove it or move the value to a free word", w, nm, chip_name, ranges);
      if (user_locks && (flags & OSSP_OTP_ITEM_FLAG_LOCK))
        add_problem (problems, (gint) w, OSSP_OTP_SEVERITY_ERROR, "lock-not-allowed",
                     "A permanent lock is requested on word %u, which the SSP can neither "
                     "write nor lock: clear the lock", w);
      return;
    }

  if (is_rma_word (chip, w) && (value & ~ossp_chip_get_rma_mask (chip)))
    add_problem (problems, (gint) w, OSSP_OTP_SEVERITY_ERROR, "rma-mask",
                 "RMA password 0x%08X does not fit %s's RMA word: the SSP firmware keeps only "
                 "mask 0x%08X, so the password you keep would differ from the chip's; use a "
                 "value ≤ 0x%08X", value, chip_name, ossp_chip_get_rma_mask (chip),
                 ossp_chip_get_rma_mask (chip));

  if (ossp_chip_get_st_board_id_word (chip) == (gint) w)
    {
      if (value != 0)
        add_problem (problems, (gint) w, OSSP_OTP_SEVERITY_WARNING, "st-board-id",
                     "Word %u (%s) already holds the board ID on ST evaluation boards (DK/EV), "
                     "so programming it fails there: %s", w, nm,
                     mp1 ? "use 0x00000000 (the SSP skips zero words) on ST boards"
                         : "remove it for ST boards");
    }
  else if (info && g_strcmp0 (info->owner, "oem_ecosystem") == 0 && value != 0)
    add_problem (problems, (gint) w, OSSP_OTP_SEVERITY_WARNING, "ecosystem",
                 "Word %u (%s: %s) is used by ST's software (U-Boot, Linux read it); a secret "
                 "there is readable by the non-secure world and breaks that use", w, nm,
                 info->description ? info->description : "");

  if (mp1)
    {
      if (flags & (OSSP_OTP_ITEM_FLAG_STICKY_READ_LOCK | OSSP_OTP_ITEM_FLAG_STICKY_WRITE_LOCK))
        add_problem (problems, (gint) w, OSSP_OTP_SEVERITY_ERROR, "flags-not-supported",
                     "Word %u asks for sticky locks, but the %s secret file has no per-word "
                     "flags: clear them", w, chip_name);
      if (value == 0 && !is_rma_word (chip, w) && ossp_chip_get_st_board_id_word (chip) != (gint) w)
        add_problem (problems, (gint) w, OSSP_OTP_SEVERITY_WARNING, "zero-skipped",
                     "Word %u is 0: the SSP firmware skips zero words, so it stays blank and "
                     "unlocked (writable later)", w);
    }
  else
    {
      if ((flags & OSSP_OTP_ITEM_FLAG_LOCK) && value == 0)
        add_problem (problems, (gint) w, OSSP_OTP_SEVERITY_WARNING, "lock-zero",
                     "Word %u is 0 and will be permanently locked: it stays 0 forever", w);
      /* multi-word keys are reported once, by validate_groups() */
      if (!(flags & OSSP_OTP_ITEM_FLAG_LOCK) && value != 0 && word_wants_lock (chip, w) &&
          !(info && info->last > info->first))
        add_problem (problems, (gint) w, OSSP_OTP_SEVERITY_WARNING, "key-not-locked",
                     "Word %u (%s) holds a key or hash that should be permanently locked after "
                     "writing (otp-maps.md §5 rule 3); without the lock software can add 1-bits "
                     "or read it", w, nm);
    }
}

/* multi-word values (hashes, keys): all words or none */
static void
validate_groups (OsspOtpSecret *self,
                 GPtrArray     *problems)
{
  OsspChip *chip = self->chip;

  for (guint i = 0; i < ossp_chip_get_n_word_infos (chip); i++)
    {
      const OsspOtpWordInfo *info = ossp_chip_get_word_info (chip, i);
      guint total = info->last - info->first + 1, set = 0, ones = 0, unlocked = 0;
      g_autoptr(GString) missing = g_string_new (NULL);

      if (info->format == 0 || total < 2 || !ossp_chip_word_is_ssp_writable (chip, info->first))
        continue;
      if (ossp_chip_is_mp1 (chip) && word_in_pkh (chip, info->first))
        continue;   /* already an error per word */
      for (guint w = info->first; w <= info->last; w++)
        {
          OsspOtpItem *item = ossp_otp_secret_lookup (self, w);
          if (item == NULL)
            g_string_append_printf (missing, "%s%u", missing->len ? ", " : "", w);
          else
            {
              set++;
              ones += ossp_otp_item_get_value (item) == G_MAXUINT32;
              unlocked += !ossp_otp_item_get_lock (item);
            }
        }
      if (set > 0 && set < total)
        add_problem (problems, (gint) info->first, OSSP_OTP_SEVERITY_ERROR, "partial-value",
                     "Words %u..%u (%s) hold one %u-bit value, but only %u of %u words are set "
                     "(missing %s): set all of them (e.g. otp set-key) or none",
                     info->first, info->last, info->name, total * 32, set, total, missing->str);
      else if (set == total && ones == total)
        add_problem (problems, (gint) info->first, OSSP_OTP_SEVERITY_WARNING, "all-ones",
                     "Words %u..%u (%s) are all 0xFFFFFFFF, which U-Boot and TF-A treat as an "
                     "invalid key (keys.md §6)", info->first, info->last, info->name);
      if (unlocked > 0 && ossp_chip_has_user_lock_flags (chip) && word_wants_lock (chip, info->first))
        add_problem (problems, (gint) info->first, OSSP_OTP_SEVERITY_WARNING, "key-not-locked",
                     "Words %u..%u (%s) hold a key or hash that should be permanently locked "
                     "after writing (otp-maps.md §5 rule 3), but %u of its words are not: "
                     "without the lock software can add 1-bits or read it",
                     info->first, info->last, info->name, unlocked);
    }
}

GPtrArray *
ossp_otp_secret_validate (OsspOtpSecret *self)
{
  GPtrArray *problems = g_ptr_array_new_with_free_func ((GDestroyNotify) ossp_otp_problem_free);
  OsspChip *chip;
  gint rma;

  g_return_val_if_fail (OSSP_IS_OTP_SECRET (self), problems);
  chip = self->chip;
  rma = ossp_chip_get_rma_word (chip);

  for (guint i = 0; i < self->items->len; i++)
    validate_item (self, g_ptr_array_index (self->items, i), problems);
  validate_groups (self, problems);

  if (self->items->len == 0)
    add_problem (problems, -1, OSSP_OTP_SEVERITY_WARNING, "empty",
                 "The list is empty: the SSP would burn no OEM secret");
  if (ossp_chip_is_mp1 (chip) && rma >= 0)
    {
      guint32 v = 0;
      if (!ossp_otp_secret_get_rma_password (self, &v) || v == 0)
        add_problem (problems, rma, OSSP_OTP_SEVERITY_WARNING, "rma-missing",
                     "No RMA password: the %s SSP firmware programs and locks word %d even "
                     "when it is 0, so no RMA password can ever be set (otp set-rma)",
                     ossp_chip_get_name (chip), rma);
    }
  if (!ossp_chip_is_mp1 (chip))
    {
      guint first = ossp_chip_get_pkh_first_word (chip);
      gboolean any = FALSE;
      for (guint w = first; w < first + 8; w++)
        any |= ossp_otp_secret_lookup (self, w) != NULL;
      if (!any)
        add_problem (problems, (gint) first, OSSP_OTP_SEVERITY_WARNING, "pkhth-missing",
                     "The public-key-table hash (words %u..%u) is not in the list: on %s the "
                     "SSP takes it only from the secret file, so unless it is already fused "
                     "the chip cannot authenticate boot images (otp set-pkhth)",
                     first, first + 7, ossp_chip_get_name (chip));
    }
  g_ptr_array_sort (problems, compare_problems);
  return problems;
}

guint
ossp_otp_problems_count (GPtrArray      *problems,
                         OsspOtpSeverity severity)
{
  guint n = 0;

  for (guint i = 0; problems && i < problems->len; i++)
    n += ((OsspOtpProblem *) g_ptr_array_index (problems, i))->severity == severity;
  return n;
}

JsonNode *
ossp_otp_problems_to_json (GPtrArray *problems)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_array (b);
  for (guint i = 0; problems && i < problems->len; i++)
    {
      OsspOtpProblem *p = g_ptr_array_index (problems, i);
      g_autofree char *where = p->word >= 0 ? g_strdup_printf ("word %d", p->word)
                                            : g_strdup ("list");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "where");
      json_builder_add_string_value (b, where);
      json_builder_set_member_name (b, "word");
      if (p->word >= 0)
        json_builder_add_int_value (b, p->word);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "severity");
      json_builder_add_string_value (b, ossp_otp_severity_to_string (p->severity));
      json_builder_set_member_name (b, "code");
      json_builder_add_string_value (b, p->code);
      json_builder_set_member_name (b, "message");
      json_builder_add_string_value (b, p->message);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  return json_builder_get_root (b);
}

static gboolean
check_buildable (OsspOtpSecret *self,
                 GError       **error)
{
  g_autoptr(GPtrArray) problems = ossp_otp_secret_validate (self);
  guint n = ossp_otp_problems_count (problems, OSSP_OTP_SEVERITY_ERROR);

  for (guint i = 0; i < problems->len; i++)
    {
      OsspOtpProblem *p = g_ptr_array_index (problems, i);
      if (p->severity != OSSP_OTP_SEVERITY_ERROR)
        continue;
      g_autofree char *where = p->word >= 0 ? g_strdup_printf ("word %d: ", p->word) : g_strdup ("");
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_VALIDATION,
                   "The OTP list has %u error%s, nothing was built; first: %s%s "
                   "(run 'openssp otp check' to see all)", n, n > 1 ? "s" : "", where, p->message);
      return FALSE;
    }
  return TRUE;
}

/* ----------------------------------------------------------- secret files */

/* MP1: words secret_first_word.. as LE u32, unset words zero (payload.md §3.2) */
static void
write_mp1_words (OsspOtpSecret *self,
                 guint8        *out)
{
  guint first = ossp_chip_get_secret_first_word (self->chip);
  guint n = secret_file_words (self->chip);

  for (guint i = 0; i < n; i++)
    {
      OsspOtpItem *item = ossp_otp_secret_lookup (self, first + i);
      ossp_write_le32 (out + 4 * i, item ? ossp_otp_item_get_value (item) : 0);
    }
}

static GBytes *
build_osot (OsspOtpSecret *self)
{
  gsize len = OSOT_HEADER_SIZE + (gsize) self->items->len * OSOT_ENTRY_SIZE;
  OsspSecret *buf = ossp_secret_new (len);
  guint8 *p = buf->data;

  memcpy (p, OSOT_MAGIC, 4);
  ossp_write_le16 (p + 4, OSSP_OSOT_VERSION);
  ossp_write_le16 (p + 6, (guint16) self->items->len);
  p += OSOT_HEADER_SIZE;
  for (guint i = 0; i < self->items->len; i++, p += OSOT_ENTRY_SIZE)
    {
      OsspOtpItem *item = g_ptr_array_index (self->items, i);
      guint16 flags = (guint16) ossp_otp_item_get_flags (item);
      if (ossp_otp_item_get_format (item) == OSSP_WORD_FORMAT_2)
        flags |= OSOT_FLAG_FORMAT2;
      ossp_write_le16 (p, (guint16) ossp_otp_item_get_word (item));
      ossp_write_le16 (p + 2, flags);
      ossp_write_le32 (p + 4, ossp_otp_item_get_value (item));
      ossp_write_le32 (p + 8, 0);
    }
  return secret_bytes_new_take (buf);
}

GBytes *
ossp_otp_secret_to_bytes (OsspOtpSecret *self,
                          GError       **error)
{
  OsspSecret *buf;

  g_return_val_if_fail (OSSP_IS_OTP_SECRET (self), NULL);
  if (!check_buildable (self, error))
    return NULL;
  if (!chip_has_fixed_file (self->chip))
    return build_osot (self);
  buf = ossp_secret_new (ossp_chip_get_secret_file_size (self->chip));
  write_mp1_words (self, buf->data);
  return secret_bytes_new_take (buf);
}

GBytes *
ossp_otp_secret_to_plaintext (OsspOtpSecret *self,
                              GError       **error)
{
  OsspSecret *buf;
  guint32 rma = 0;

  g_return_val_if_fail (OSSP_IS_OTP_SECRET (self), NULL);
  if (!check_buildable (self, error))
    return NULL;
  if (!chip_has_fixed_file (self->chip))
    return build_osot (self);
  /* payload.md §3.2: plain = LE32(rma) ‖ secret file */
  buf = ossp_secret_new (4 + ossp_chip_get_secret_file_size (self->chip));
  ossp_otp_secret_get_rma_password (self, &rma);
  ossp_write_le32 (buf->data, rma);
  write_mp1_words (self, buf->data + 4);
  ossp_secure_wipe (&rma, sizeof rma);
  return secret_bytes_new_take (buf);
}

/* A file does not say which words were a key's: take it from the chip map
 * (format 1 groups), so `otp show` names the byte order. */
static guint
map_format (OsspChip *chip,
            guint     word)
{
  const OsspOtpWordInfo *info = ossp_chip_lookup_word (chip, word);
  return info && info->format == OSSP_WORD_FORMAT_1 && info->last > info->first ? OSSP_WORD_FORMAT_1 : 0;
}

static OsspOtpSecret *
parse_mp1_words (OsspChip      *chip,
                 const guint8  *data,
                 gsize          n_words,
                 gint           first_is_rma)
{
  OsspOtpSecret *self = ossp_otp_secret_new (chip);
  guint first = ossp_chip_get_secret_first_word (chip);

  for (gsize i = 0; i < n_words; i++)
    {
      guint32 v = ossp_read_le32 (data + 4 * i);
      guint word;
      if (first_is_rma && i == 0)
        {
          /* a zero RMA is simply "not set" */
          if (v != 0)
            ossp_otp_secret_set_item (self, (guint) ossp_chip_get_rma_word (chip), v,
                                      OSSP_OTP_ITEM_FLAG_LOCK, 0, NULL, NULL);
          continue;
        }
      word = first + (guint) i - (first_is_rma ? 1 : 0);
      /* zero words are "not set": the SSP skips them */
      if (v != 0)
        ossp_otp_secret_set_item (self, word, v, OSSP_OTP_ITEM_FLAG_LOCK, map_format (chip, word),
                                  NULL, NULL);
      v = 0;
    }
  return self;
}

static OsspOtpSecret *
parse_osot (OsspChip     *chip,
            const guint8 *data,
            gsize         len,
            GError      **error)
{
  g_autoptr(OsspOtpSecret) self = NULL;
  guint16 version, count;
  gsize expected;
  gint prev = -1;

  if (len < OSOT_HEADER_SIZE || memcmp (data, OSOT_MAGIC, 4) != 0)
    {
      if (len == 148)
        g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                     "Not an OSOT secret file for %s: 148 bytes without the \"OSOT\" magic looks "
                     "like an STM32MP1 secret file (choose --chip stm32mp15 or stm32mp13)",
                     ossp_chip_get_name (chip));
      else if (len < OSOT_HEADER_SIZE && (len < 4 || memcmp (data, OSOT_MAGIC, len < 4 ? len : 4) == 0))
        g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                     "Truncated OSOT secret file: %" G_GSIZE_FORMAT " bytes, the header alone "
                     "is 8", len);
      else
        g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                     "Not an OSOT secret file: it must start with the bytes 4F 53 4F 54 "
                     "(\"OSOT\", payload.md §5.1)");
      return NULL;
    }
  version = ossp_read_le16 (data + 4);
  count = ossp_read_le16 (data + 6);
  if (version != OSSP_OSOT_VERSION)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_VERSION,
                   "OSOT secret file version %u is not supported (this OpenSSP reads version %u)",
                   version, OSSP_OSOT_VERSION);
      return NULL;
    }
  expected = OSOT_HEADER_SIZE + (gsize) count * OSOT_ENTRY_SIZE;
  if (len != expected)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "OSOT secret file is %" G_GSIZE_FORMAT " bytes but its header announces %u "
                   "entries (%" G_GSIZE_FORMAT " bytes): the file is %s", len, count, expected,
                   len < expected ? "truncated" : "followed by extra bytes");
      return NULL;
    }
  self = ossp_otp_secret_new (chip);
  for (guint i = 0; i < count; i++)
    {
      const guint8 *e = data + OSOT_HEADER_SIZE + (gsize) i * OSOT_ENTRY_SIZE;
      guint word = ossp_read_le16 (e);
      guint flags = ossp_read_le16 (e + 2);
      guint32 reserved = ossp_read_le32 (e + 8);

      if (word > OSOT_MAX_WORD || word >= ossp_chip_get_otp_word_count (chip))
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                       "OSOT entry %u: word %u does not exist on %s (0..%u)", i, word,
                       ossp_chip_get_name (chip), ossp_chip_get_otp_word_count (chip) - 1);
          return NULL;
        }
      if ((gint) word <= prev)
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                       "OSOT entry %u: word %u %s word %d of the entry before; entries must be "
                       "sorted by word without duplicates", i, word,
                       (gint) word == prev ? "repeats" : "comes before", prev);
          return NULL;
        }
      if (flags & ~(OSSP_OTP_ITEM_FLAGS_ALL | OSOT_FLAG_FORMAT2))
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                       "OSOT entry %u (word %u): unknown flag bits 0x%04X (v1 defines bits 0..3)",
                       i, word, flags & ~(OSSP_OTP_ITEM_FLAGS_ALL | OSOT_FLAG_FORMAT2));
          return NULL;
        }
      if (reserved != 0)
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                       "OSOT entry %u (word %u): the reserved field must be 0, not 0x%08X",
                       i, word, reserved);
          return NULL;
        }
      prev = (gint) word;
      ossp_otp_secret_set_item (self, word, ossp_read_le32 (e + 4),
                                flags & OSSP_OTP_ITEM_FLAGS_ALL,
                                (flags & OSOT_FLAG_FORMAT2) ? OSSP_WORD_FORMAT_2 : map_format (chip, word),
                                NULL, NULL);
    }
  return g_steal_pointer (&self);
}

OsspOtpSecret *
ossp_otp_secret_new_from_bytes (OsspChip  *chip,
                                GBytes    *bytes,
                                GError   **error)
{
  gsize len = 0;
  const guint8 *data;
  gsize size;

  g_return_val_if_fail (OSSP_IS_CHIP (chip), NULL);
  data = g_bytes_get_data (bytes, &len);
  if (!chip_has_fixed_file (chip))
    return parse_osot (chip, data, len, error);

  size = ossp_chip_get_secret_file_size (chip);
  if (len != size)
    {
      if (len >= 4 && memcmp (data, OSOT_MAGIC, 4) == 0)
        g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                     "This is an OSOT (STM32MP2) secret file, not a %s one: choose --chip "
                     "stm32mp25", ossp_chip_get_name (chip));
      else
        g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                     "A %s secret file must be exactly %" G_GSIZE_FORMAT " bytes (OTP %u..%u, "
                     "4 bytes each), not %" G_GSIZE_FORMAT, ossp_chip_get_name (chip), size,
                     ossp_chip_get_secret_first_word (chip),
                     ossp_chip_get_secret_last_word (chip), len);
      return NULL;
    }
  return parse_mp1_words (chip, data, size / 4, FALSE);
}

OsspOtpSecret *
ossp_otp_secret_new_from_plaintext (OsspChip      *chip,
                                    const guint8  *data,
                                    gsize          len,
                                    GError       **error)
{
  gsize max;

  g_return_val_if_fail (OSSP_IS_CHIP (chip), NULL);
  if (!chip_has_fixed_file (chip))
    return parse_osot (chip, data, len, error);
  max = 4 + ossp_chip_get_secret_file_size (chip);
  if (len < 4 || len > max || len % 4 != 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "%s plaintext secrets must be 4..%" G_GSIZE_FORMAT " bytes, a multiple of 4 "
                   "(RMA word then OTP %u..), not %" G_GSIZE_FORMAT, ossp_chip_get_name (chip),
                   max, ossp_chip_get_secret_first_word (chip), len);
      return NULL;
    }
  return parse_mp1_words (chip, data, len / 4, TRUE);
}

gboolean
ossp_otp_secret_save (OsspOtpSecret  *self,
                      const char     *path,
                      OsspWriteFlags  flags,
                      GError        **error)
{
  g_autoptr(GBytes) bytes = NULL;
  gsize len;
  const guint8 *data;

  if (!ossp_file_check_writable (path, flags, error))
    return FALSE;
  bytes = ossp_otp_secret_to_bytes (self, error);
  if (bytes == NULL)
    return FALSE;
  data = g_bytes_get_data (bytes, &len);
  return ossp_file_write_atomic (path, data, len, flags | OSSP_WRITE_FLAGS_SECRET, error);
}

OsspOtpSecret *
ossp_otp_secret_load (OsspChip   *chip,
                      const char *path,
                      GError    **error)
{
  g_autoptr(GBytes) bytes = NULL;
  OsspOtpSecret *self;
  gsize len = 0;
  guint8 *data = ossp_file_read (path, SECRET_MAX_SIZE, &len, error);

  if (data == NULL)
    return NULL;
  bytes = g_bytes_new_static (data, len);
  self = ossp_otp_secret_new_from_bytes (chip, bytes, error);
  ossp_secure_wipe (data, len);
  g_free (data);
  if (self == NULL)
    g_prefix_error (error, "%s: ", path);
  return self;
}

/* ------------------------------------------------------------- JSON list */

JsonNode *
ossp_otp_secret_to_json (OsspOtpSecret *self)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  g_return_val_if_fail (OSSP_IS_OTP_SECRET (self), NULL);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "format");
  json_builder_add_string_value (b, OSSP_OTP_LIST_FORMAT);
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, OSSP_OTP_LIST_VERSION);
  json_builder_set_member_name (b, "chip");
  json_builder_add_string_value (b, ossp_chip_get_id (self->chip));
  json_builder_set_member_name (b, "items");
  json_builder_begin_array (b);
  for (guint i = 0; i < self->items->len; i++)
    {
      OsspOtpItem *item = g_ptr_array_index (self->items, i);
      OsspOtpItemFlags flags = ossp_otp_item_get_flags (item);
      g_autofree char *value = ossp_otp_item_format_value (item, TRUE);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "word");
      json_builder_add_int_value (b, ossp_otp_item_get_word (item));
      if (ossp_otp_item_get_name (item))
        {
          json_builder_set_member_name (b, "name");
          json_builder_add_string_value (b, ossp_otp_item_get_name (item));
        }
      json_builder_set_member_name (b, "value");
      json_builder_add_string_value (b, value);
      json_builder_set_member_name (b, "lock");
      json_builder_add_boolean_value (b, (flags & OSSP_OTP_ITEM_FLAG_LOCK) != 0);
      if (flags & OSSP_OTP_ITEM_FLAG_STICKY_READ_LOCK)
        {
          json_builder_set_member_name (b, "sticky_read_lock");
          json_builder_add_boolean_value (b, TRUE);
        }
      if (flags & OSSP_OTP_ITEM_FLAG_STICKY_WRITE_LOCK)
        {
          json_builder_set_member_name (b, "sticky_write_lock");
          json_builder_add_boolean_value (b, TRUE);
        }
      if (ossp_otp_item_get_format (item))
        {
          json_builder_set_member_name (b, "format");
          json_builder_add_string_value (b, ossp_otp_item_get_format (item) == OSSP_WORD_FORMAT_1
                                            ? "format1" : "format2");
        }
      if (ossp_otp_item_get_label (item))
        {
          json_builder_set_member_name (b, "label");
          json_builder_add_string_value (b, ossp_otp_item_get_label (item));
        }
      ossp_secure_wipe (value, strlen (value));
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static gboolean
json_value_is (JsonNode *node,
               GType     type)
{
  return node && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == type;
}

static gboolean
json_opt_bool (JsonObject  *o,
               const char  *member,
               guint        index,
               gboolean    *out,
               GError     **error)
{
  JsonNode *n = json_object_get_member (o, member);

  *out = FALSE;
  if (n == NULL || JSON_NODE_HOLDS_NULL (n))
    return TRUE;
  if (!json_value_is (n, G_TYPE_BOOLEAN))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "items[%u].%s: must be true or false", index, member);
      return FALSE;
    }
  *out = json_node_get_boolean (n);
  return TRUE;
}

static gboolean
parse_json_item (OsspOtpSecret *self,
                 JsonNode      *node,
                 guint          index,
                 GHashTable    *seen,
                 GError       **error)
{
  JsonObject *o;
  JsonNode *n;
  gint64 word;
  guint32 value = 0;
  guint format = 0;
  gboolean lock, srl, swl;
  const char *label = NULL;
  g_autoptr(GError) local = NULL;
  guint n_words = ossp_chip_get_otp_word_count (self->chip);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "items[%u]: must be an object {\"word\": N, \"value\": \"0x…\", …}", index);
      return FALSE;
    }
  o = json_node_get_object (node);

  n = json_object_get_member (o, "word");
  if (!json_value_is (n, G_TYPE_INT64))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "items[%u].word: %s; it must be an integer word number", index,
                   n ? "not an integer" : "missing");
      return FALSE;
    }
  word = json_node_get_int (n);
  if (word < 0 || word >= n_words)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "items[%u].word: %" G_GINT64_FORMAT " does not exist on %s (0..%u)", index,
                   word, ossp_chip_get_name (self->chip), n_words - 1);
      return FALSE;
    }
  if (g_hash_table_contains (seen, GUINT_TO_POINTER ((guint) word)))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "items[%u].word: word %" G_GINT64_FORMAT " is already set by items[%u]; "
                   "one item per word", index, word,
                   GPOINTER_TO_UINT (g_hash_table_lookup (seen, GUINT_TO_POINTER ((guint) word))) - 1);
      return FALSE;
    }
  g_hash_table_insert (seen, GUINT_TO_POINTER ((guint) word), GUINT_TO_POINTER (index + 1));

  n = json_object_get_member (o, "value");
  if (!json_value_is (n, G_TYPE_STRING))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "items[%u].value: %s; it must be a string such as \"0x12345678\"", index,
                   n ? "not a string" : "missing");
      return FALSE;
    }
  if (!ossp_parse_u32 (json_node_get_string (n), &value, &local))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "items[%u].value: not a 32-bit value (\"0x\" and up to 8 hex digits)", index);
      return FALSE;
    }

  if (!json_opt_bool (o, "lock", index, &lock, error) ||
      !json_opt_bool (o, "sticky_read_lock", index, &srl, error) ||
      !json_opt_bool (o, "sticky_write_lock", index, &swl, error))
    return FALSE;

  n = json_object_get_member (o, "format");
  if (n && !JSON_NODE_HOLDS_NULL (n))
    {
      const char *f = json_value_is (n, G_TYPE_STRING) ? json_node_get_string (n) : NULL;
      if (g_strcmp0 (f, "format1") == 0)
        format = OSSP_WORD_FORMAT_1;
      else if (g_strcmp0 (f, "format2") == 0)
        format = OSSP_WORD_FORMAT_2;
      else if (g_strcmp0 (f, "word") != 0)
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                       "items[%u].format: must be \"word\", \"format1\" or \"format2\"", index);
          return FALSE;
        }
    }
  n = json_object_get_member (o, "label");
  if (n && !JSON_NODE_HOLDS_NULL (n))
    {
      if (!json_value_is (n, G_TYPE_STRING))
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                       "items[%u].label: must be a string", index);
          return FALSE;
        }
      label = json_node_get_string (n);
    }

  return ossp_otp_secret_set_item (self, (guint) word, value,
                                   (lock ? OSSP_OTP_ITEM_FLAG_LOCK : 0) |
                                   (srl ? OSSP_OTP_ITEM_FLAG_STICKY_READ_LOCK : 0) |
                                   (swl ? OSSP_OTP_ITEM_FLAG_STICKY_WRITE_LOCK : 0),
                                   format, label, error);
}

OsspOtpSecret *
ossp_otp_secret_new_from_json (OsspChip  *chip,
                               JsonNode  *root,
                               GError   **error)
{
  g_autoptr(OsspOtpSecret) self = NULL;
  g_autoptr(OsspChip) list_chip = NULL;
  g_autoptr(GHashTable) seen = NULL;
  JsonObject *o;
  JsonNode *n;
  JsonArray *items;
  gint64 version;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "An OTP list must be a JSON object with \"format\": \"%s\"",
                   OSSP_OTP_LIST_FORMAT);
      return NULL;
    }
  o = json_node_get_object (root);
  n = json_object_get_member (o, "format");
  if (!json_value_is (n, G_TYPE_STRING) ||
      !g_str_equal (json_node_get_string (n), OSSP_OTP_LIST_FORMAT))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "format: not an OpenSSP OTP list (expected \"format\": \"%s\")",
                   OSSP_OTP_LIST_FORMAT);
      return NULL;
    }
  n = json_object_get_member (o, "version");
  if (!json_value_is (n, G_TYPE_INT64))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "version: missing or not an integer");
      return NULL;
    }
  version = json_node_get_int (n);
  if (version != OSSP_OTP_LIST_VERSION)
    {
      g_set_error (error, OSSP_ERROR, version > OSSP_OTP_LIST_VERSION ? OSSP_ERROR_VERSION
                                                                       : OSSP_ERROR_INVALID_DATA,
                   "version: OTP list version %" G_GINT64_FORMAT " is not supported (this "
                   "OpenSSP reads version %d)", version, OSSP_OTP_LIST_VERSION);
      return NULL;
    }
  n = json_object_get_member (o, "chip");
  if (!json_value_is (n, G_TYPE_STRING))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "chip: missing or not a string (e.g. \"stm32mp15\")");
      return NULL;
    }
  list_chip = ossp_chip_new (json_node_get_string (n), error);
  if (list_chip == NULL)
    {
      g_prefix_error (error, "chip: ");
      return NULL;
    }
  if (chip != NULL && !g_str_equal (ossp_chip_get_id (chip), ossp_chip_get_id (list_chip)))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "chip: the list is for %s, not %s; choose that chip or make a new list",
                   ossp_chip_get_name (list_chip), ossp_chip_get_name (chip));
      return NULL;
    }
  n = json_object_get_member (o, "items");
  if (n == NULL || !JSON_NODE_HOLDS_ARRAY (n))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "items: missing or not an array");
      return NULL;
    }
  items = json_node_get_array (n);
  self = ossp_otp_secret_new (chip ? chip : list_chip);
  seen = g_hash_table_new (NULL, NULL);
  for (guint i = 0; i < json_array_get_length (items); i++)
    if (!parse_json_item (self, json_array_get_element (items, i), i, seen, error))
      return NULL;
  return g_steal_pointer (&self);
}

OsspOtpSecret *
ossp_otp_secret_new_from_json_data (OsspChip    *chip,
                                    const char  *data,
                                    gssize       len,
                                    GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local = NULL;

  if (len < 0)
    len = (gssize) strlen (data);
  if (memchr (data, 0, (gsize) len) != NULL)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "Not a JSON text: it contains a NUL byte");
      return NULL;
    }
  if (!json_parser_load_from_data (parser, data, len, &local))
    {
      /* json-glib writes "<data>:LINE:COLUMN: message" */
      guint line = 0, column = 0;
      int consumed = 0;
      if (sscanf (local->message, "<data>:%u:%u: %n", &line, &column, &consumed) == 2 && consumed > 0)
        g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                     "Not valid JSON at line %u, column %u: %s", line, column,
                     local->message + consumed);
      else
        g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA, "Not valid JSON: %s",
                     local->message);
      return NULL;
    }
  return ossp_otp_secret_new_from_json (chip, json_parser_get_root (parser), error);
}

gboolean
ossp_otp_secret_save_json (OsspOtpSecret  *self,
                           const char     *path,
                           OsspWriteFlags  flags,
                           GError        **error)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = ossp_otp_secret_to_json (self);
  gsize len = 0;
  char *text;
  gboolean ok;

  json_generator_set_pretty (gen, TRUE);
  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, &len);
  /* the list holds the secret values in clear: 0600 like the secret file */
  ok = ossp_file_write_atomic (path, (const guint8 *) text, len,
                               flags | OSSP_WRITE_FLAGS_SECRET, error);
  ossp_secure_wipe (text, len);
  g_free (text);
  return ok;
}

OsspOtpSecret *
ossp_otp_secret_load_json (OsspChip   *chip,
                           const char *path,
                           GError    **error)
{
  OsspOtpSecret *self;
  gsize len = 0;
  guint8 *data = ossp_file_read (path, JSON_MAX_SIZE, &len, error);

  if (data == NULL)
    return NULL;
  self = ossp_otp_secret_new_from_json_data (chip, (const char *) data, (gssize) len, error);
  ossp_secure_wipe (data, len);
  g_free (data);
  if (self == NULL)
    g_prefix_error (error, "%s: ", path);
  return self;
}

/* ------------------------------------------------------------- burn plan */

void
ossp_otp_burn_step_free (OsspOtpBurnStep *step)
{
  if (step == NULL)
    return;
  ossp_secure_wipe (&step->value, sizeof step->value);
  g_free (step->name);
  g_free (step->source);
  g_free (step->note);
  g_free (step);
}

static OsspOtpBurnStep *
add_step (GPtrArray     *plan,
          OsspChip      *chip,
          guint          word,
          const char    *source,
          guint32        value,
          gboolean       program,
          gboolean       lock,
          const guint32 *current,
          gsize          n_current,
          const char    *note)
{
  OsspOtpBurnStep *s = g_new0 (OsspOtpBurnStep, 1);

  s->word = word;
  s->name = ossp_otp_secret_describe_word (chip, word);
  s->source = g_strdup (source);
  s->value = value;
  s->program = program;
  s->lock = lock;
  s->note = g_strdup (note);
  if (current != NULL && word < n_current)
    {
      s->has_current = TRUE;
      s->current = current[word];
      /* ssp-flow.md §8 step 1 (MP1) and payload.md §5.1 (MP2 bulk words):
       * a word that receives a value must be blank */
      if (program && s->current != 0)
        {
          s->conflict = TRUE;
          g_free (s->note);
          s->note = g_strdup_printf ("not blank (0x%08X): the SSP firmware will refuse the "
                                     "whole provisioning", s->current);
        }
    }
  g_ptr_array_add (plan, s);
  return s;
}

GPtrArray *
ossp_otp_secret_get_burn_plan (OsspOtpSecret *self,
                               const guint8  *pkh,
                               const guint32 *current,
                               gsize          n_current)
{
  GPtrArray *plan = g_ptr_array_new_with_free_func ((GDestroyNotify) ossp_otp_burn_step_free);
  OsspChip *chip;

  g_return_val_if_fail (OSSP_IS_OTP_SECRET (self), plan);
  chip = self->chip;
  if (!chip_has_fixed_file (chip))
    {
      for (guint i = 0; i < self->items->len; i++)
        {
          OsspOtpItem *item = g_ptr_array_index (self->items, i);
          guint32 v = ossp_otp_item_get_value (item);
          add_step (plan, chip, ossp_otp_item_get_word (item), "OSOT entry", v, v != 0,
                    ossp_otp_item_get_lock (item), current, n_current,
                    v == 0 ? "0: nothing to program" : NULL);
        }
      return plan;
    }

  if (pkh != NULL)
    {
      guint32 words[8];
      guint first = ossp_chip_get_pkh_first_word (chip);
      ossp_bytes_to_words (pkh, 32, OSSP_WORD_FORMAT_1, words);
      for (guint i = 0; i < 8; i++)
        add_step (plan, chip, first + i, ossp_chip_uses_pkh_table (chip) ? "payload (PKHTH)"
                                                                          : "payload (PKH)",
                  words[i], TRUE, TRUE, current, n_current, NULL);
    }
  if (ossp_chip_get_rma_word (chip) >= 0)
    {
      guint32 rma = 0;
      ossp_otp_secret_get_rma_password (self, &rma);
      add_step (plan, chip, (guint) ossp_chip_get_rma_word (chip), "RMA",
                rma & ossp_chip_get_rma_mask (chip), TRUE, TRUE, current, n_current,
                rma == 0 ? "programmed and locked even when 0" : NULL);
    }
  for (guint i = 0; i < secret_file_words (chip); i++)
    {
      guint word = ossp_chip_get_secret_first_word (chip) + i;
      OsspOtpItem *item = ossp_otp_secret_lookup (self, word);
      guint32 v = item ? ossp_otp_item_get_value (item) : 0;
      add_step (plan, chip, word, "secret file", v, v != 0, v != 0, current, n_current,
                v == 0 ? "0: skipped, stays blank and writable" : NULL);
    }
  return plan;
}

JsonNode *
ossp_otp_burn_plan_to_json (GPtrArray *plan,
                            gboolean   show_secrets)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_array (b);
  for (guint i = 0; plan && i < plan->len; i++)
    {
      OsspOtpBurnStep *s = g_ptr_array_index (plan, i);
      g_autofree char *value = ossp_otp_format_value (s->value, show_secrets);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "word");
      json_builder_add_int_value (b, s->word);
      json_builder_set_member_name (b, "name");
      if (s->name)
        json_builder_add_string_value (b, s->name);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "source");
      json_builder_add_string_value (b, s->source);
      json_builder_set_member_name (b, "value");
      json_builder_add_string_value (b, value);
      json_builder_set_member_name (b, "program");
      json_builder_add_boolean_value (b, s->program);
      json_builder_set_member_name (b, "lock");
      json_builder_add_boolean_value (b, s->lock);
      if (s->has_current)
        {
          g_autofree char *cur = ossp_otp_format_value (s->current, show_secrets);
          json_builder_set_member_name (b, "current");
          json_builder_add_string_value (b, cur);
        }
      json_builder_set_member_name (b, "conflict");
      json_builder_add_boolean_value (b, s->conflict);
      if (s->note)
        {
          json_builder_set_member_name (b, "note");
          json_builder_add_string_value (b, s->note);
        }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  return json_builder_get_root (b);
}

char *
ossp_otp_burn_plan_to_text (GPtrArray *plan,
                            gboolean   show_secrets)
{
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "%-5s %-16s %-16s %-10s %-8s %-5s %s\n", "Word", "Name", "Source",
                          "Value", "Program", "Lock", "Note");
  for (guint i = 0; plan && i < plan->len; i++)
    {
      OsspOtpBurnStep *st = g_ptr_array_index (plan, i);
      g_autofree char *value = ossp_otp_format_value (st->value, show_secrets);
      g_string_append_printf (s, "%-5u %-16s %-16s %-10s %-8s %-5s %s%s\n", st->word,
                              st->name ? st->name : "-", st->source, value,
                              st->program ? "yes" : "skip", st->lock ? "yes" : "no",
                              st->conflict ? "CONFLICT: " : "", st->note ? st->note : "");
    }
  return g_string_free (s, FALSE);
}
