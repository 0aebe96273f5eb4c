/* ossp-chip.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "ossp-chip.h"
#include "ossp-error.h"
#include "ossp-core-resources.h"

struct _OsspChip
{
  GObject      parent_instance;

  JsonNode    *root;
  char        *id;
  char        *name;
  char        *family;
  char        *header_version;
  guint32      dev_id;
  guint        otp_word_count;
  guint        max_accessible_word;
  guint        lower_last_word;
  guint        auth_key_count;
  guint        pkh_first_word;
  gboolean     pkh_table;
  GArray      *curves;        /* OsspCurveInfo */
  GArray      *words;         /* OsspOtpWordInfo */
  GArray      *ssp_ranges;    /* pairs of guint */
  GArray      *backups;       /* OsspBackupMemoryInfo */

  gint         ssp_state_word;
  gint         ssp_req_bit;
  gint         ssp_success_bit;
  gint         rma_word;
  guint32      rma_mask;
  guint        cfg2_word;
  guint        secret_first_word;
  guint        secret_last_word;
  gsize        secret_file_size;
  gsize        payload_size;
  guint32      blob_base;
  guint32      fsbl_load_address;
  gboolean     user_lock_flags;
  gint         st_board_id_word;
};

G_DEFINE_FINAL_TYPE (OsspChip, ossp_chip, G_TYPE_OBJECT)

static const char * const chip_ids[] = { "stm32mp13", "stm32mp15", "stm32mp25", NULL };

static void
ossp_chip_finalize (GObject *object)
{
  OsspChip *self = OSSP_CHIP (object);

  g_clear_pointer (&self->root, json_node_unref);
  g_free (self->id);
  g_free (self->name);
  g_free (self->family);
  g_free (self->header_version);
  g_clear_pointer (&self->curves, g_array_unref);
  g_clear_pointer (&self->words, g_array_unref);
  g_clear_pointer (&self->ssp_ranges, g_array_unref);
  g_clear_pointer (&self->backups, g_array_unref);

  G_OBJECT_CLASS (ossp_chip_parent_class)->finalize (object);
}

static void
ossp_chip_class_init (OsspChipClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ossp_chip_finalize;
}

static void
ossp_chip_init (OsspChip *self)
{
  self->curves = g_array_new (FALSE, TRUE, sizeof (OsspCurveInfo));
  self->words = g_array_new (FALSE, TRUE, sizeof (OsspOtpWordInfo));
  self->ssp_ranges = g_array_new (FALSE, TRUE, sizeof (guint));
  self->backups = g_array_new (FALSE, TRUE, sizeof (OsspBackupMemoryInfo));
  self->ssp_state_word = self->ssp_req_bit = self->ssp_success_bit = -1;
  self->rma_word = self->st_board_id_word = -1;
}

const char * const *
ossp_chip_list_ids (void)
{
  return chip_ids;
}

/* --- JSON helpers: every failure names the member so a chip file author
 * (or a fuzzer) gets a precise message ------------------------------------ */

static gboolean
node_to_u32 (JsonNode    *node,
             const char  *where,
             guint32     *out,
             GError     **error)
{
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node))
    {
      GType t = json_node_get_value_type (node);
      if (t == G_TYPE_INT64)
        {
          gint64 v = json_node_get_int (node);
          if (v >= 0 && v <= G_MAXUINT32)
            {
              *out = (guint32) v;
              return TRUE;
            }
        }
      else if (t == G_TYPE_STRING)
        {
          const char *s = json_node_get_string (node);
          if (ossp_parse_u32 (s, out, NULL))
            return TRUE;
        }
    }
  g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
               "Chip map: %s must be a 32-bit number or a \"0x…\" string", where);
  return FALSE;
}

static gboolean
get_u32 (JsonObject  *obj,
         const char  *member,
         guint32     *out,
         GError     **error)
{
  JsonNode *node = json_object_get_member (obj, member);
  if (node == NULL)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "Chip map: member \"%s\" is missing", member);
      return FALSE;
    }
  return node_to_u32 (node, member, out, error);
}

static gboolean
get_opt_int (JsonObject  *obj,
             const char  *member,
             gint        *out,
             GError     **error)
{
  guint32 v;
  if (!json_object_has_member (obj, member))
    return TRUE;
  if (!get_u32 (obj, member, &v, error))
    return FALSE;
  if (v > G_MAXINT)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA, "Chip map: %s is too large", member);
      return FALSE;
    }
  *out = (gint) v;
  return TRUE;
}

static const char *
get_string (JsonObject  *obj,
            const char  *member,
            gboolean     required,
            GError     **error)
{
  JsonNode *node = json_object_get_member (obj, member);
  if (node == NULL && !required)
    return NULL;
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "Chip map: member \"%s\" must be a string", member);
      return NULL;
    }
  return json_node_get_string (node);
}

static JsonObject *
get_object (JsonObject  *obj,
            const char  *member,
            GError     **error)
{
  JsonNode *node = json_object_get_member (obj, member);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "Chip map: member \"%s\" must be an object", member);
      return NULL;
    }
  return json_node_get_object (node);
}

static JsonArray *
get_array (JsonObject  *obj,
           const char  *member,
           GError     **error)
{
  JsonNode *node = json_object_get_member (obj, member);
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "Chip map: member \"%s\" must be an array", member);
      return NULL;
    }
  return json_node_get_array (node);
}

static gboolean
get_bool (JsonObject *obj,
          const char *member)
{
  JsonNode *node = json_object_get_member (obj, member);
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_BOOLEAN && json_node_get_boolean (node);
}

static gboolean
parse_words (OsspChip    *self,
             JsonArray   *words,
             GError     **error)
{
  guint n = json_array_get_length (words);
  guint prev_last = 0;

  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (words, i);
      OsspOtpWordInfo info = { 0 };
      g_autoptr(GError) local_error = NULL;
      JsonObject *w;
      guint32 first, last;
      const char *format;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                       "Chip map: words[%u] must be an object", i);
          return FALSE;
        }
      w = json_node_get_object (node);
      if (!get_u32 (w, "first", &first, &local_error) ||
          !get_u32 (w, "last", &last, &local_error) ||
          (info.name = get_string (w, "name", TRUE, &local_error)) == NULL ||
          (info.owner = get_string (w, "owner", TRUE, &local_error)) == NULL ||
          (info.status = get_string (w, "status", TRUE, &local_error)) == NULL ||
          (info.source = get_string (w, "source", TRUE, &local_error)) == NULL)
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                       "%s (in words[%u])", local_error->message, i);
          return FALSE;
        }
      if (first > last || last >= self->otp_word_count || (i > 0 && first <= prev_last))
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                       "Chip map: words[%u] (%s) covers %u..%u, which is out of order, "
                       "overlapping or beyond the %u OTP words",
                       i, info.name, first, last, self->otp_word_count);
          return FALSE;
        }
      prev_last = last;
      info.first = first;
      info.last = last;
      info.description = get_string (w, "description", FALSE, NULL);
      info.reserved_for_st = get_bool (w, "reserved_for_st");
      info.ssp_writable = get_bool (w, "ssp_writable");
      /* the maps say "permanent" (the kind of lock); true is accepted too */
      info.lock_after_write = get_bool (w, "lock_after_write") ||
                              g_strcmp0 (get_string (w, "lock_after_write", FALSE, NULL), "permanent") == 0;
      format = get_string (w, "format", FALSE, NULL);
      if (format == NULL || *format == 0)
        info.format = 0;
      else if (g_str_equal (format, "format1"))
        info.format = OSSP_WORD_FORMAT_1;
      else if (g_str_equal (format, "format2"))
        info.format = OSSP_WORD_FORMAT_2;
      else
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                       "Chip map: words[%u].format \"%s\" must be \"format1\" or \"format2\"",
                       i, format);
          return FALSE;
        }
      if (info.reserved_for_st && info.ssp_writable)
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                       "Chip map: words[%u] (%s) cannot be both reserved for ST and SSP-writable",
                       i, info.name);
          return FALSE;
        }
      g_array_append_val (self->words, info);
    }
  return TRUE;
}

static gboolean
parse_ssp (OsspChip    *self,
           JsonObject  *ssp,
           GError     **error)
{
  guint32 v;
  gint tmp = -1;

  if (!get_opt_int (ssp, "state_word", &self->ssp_state_word, error) ||
      !get_opt_int (ssp, "req_bit", &self->ssp_req_bit, error) ||
      !get_opt_int (ssp, "success_bit", &self->ssp_success_bit, error) ||
      !get_opt_int (ssp, "rma_word", &self->rma_word, error) ||
      !get_opt_int (ssp, "st_board_id_word", &self->st_board_id_word, error))
    return FALSE;
  if ((self->ssp_req_bit > 31) || (self->ssp_success_bit > 31) ||
      (self->ssp_state_word >= (gint) self->otp_word_count) ||
      (self->rma_word >= (gint) self->otp_word_count))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "Chip map: ssp state/RMA word or bit out of range");
      return FALSE;
    }
  self->rma_mask = 0xffffffff;
  if (json_object_has_member (ssp, "rma_mask") && !get_u32 (ssp, "rma_mask", &self->rma_mask, error))
    return FALSE;
  if (!get_u32 (ssp, "cfg2_word", &v, error))
    return FALSE;
  self->cfg2_word = v;
  if (!get_u32 (ssp, "secret_first_word", &v, error))
    return FALSE;
  self->secret_first_word = v;
  if (!get_u32 (ssp, "secret_last_word", &v, error))
    return FALSE;
  self->secret_last_word = v;
  if (self->secret_first_word > self->secret_last_word ||
      self->secret_last_word >= self->otp_word_count || self->cfg2_word >= self->otp_word_count)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "Chip map: ssp secret words %u..%u are out of range",
                   self->secret_first_word, self->secret_last_word);
      return FALSE;
    }
  if (!get_opt_int (ssp, "secret_file_size", &tmp, error))
    return FALSE;
  self->secret_file_size = tmp < 0 ? 0 : (gsize) tmp;
  tmp = -1;
  if (!get_opt_int (ssp, "payload_size", &tmp, error))
    return FALSE;
  self->payload_size = tmp < 0 ? 0 : (gsize) tmp;
  if (!get_u32 (ssp, "blob_base", &self->blob_base, error) ||
      !get_u32 (ssp, "fsbl_load_address", &self->fsbl_load_address, error))
    return FALSE;
  self->user_lock_flags = get_bool (ssp, "user_lock_flags");
  return TRUE;
}

static gboolean
parse_backups (OsspChip    *self,
               JsonArray   *backups,
               GError     **error)
{
  for (guint i = 0; i < json_array_get_length (backups); i++)
    {
      JsonNode *node = json_array_get_element (backups, i);
      OsspBackupMemoryInfo info = { 0 };
      JsonArray *bases;
      JsonObject *b;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                       "Chip map: backup_memories[%u] must be an object", i);
          return FALSE;
        }
      b = json_node_get_object (node);
      if ((info.kind = get_string (b, "kind", TRUE, error)) == NULL ||
          (info.name = get_string (b, "name", TRUE, error)) == NULL ||
          !get_u32 (b, "size", &info.size, error) ||
          (bases = get_array (b, "bases", error)) == NULL)
        return FALSE;
      if (json_array_get_length (bases) == 0 || json_array_get_length (bases) > 2 ||
          info.size == 0 || info.size % 4 != 0)
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                       "Chip map: backup_memories[%u] needs 1 or 2 bases and a size that is a "
                       "non-zero multiple of 4", i);
          return FALSE;
        }
      for (guint j = 0; j < json_array_get_length (bases); j++)
        if (!node_to_u32 (json_array_get_element (bases, j), "backup_memories[].bases[]",
                          &info.bases[j], error))
          return FALSE;
      info.n_bases = json_array_get_length (bases);
      g_array_append_val (self->backups, info);
    }
  return TRUE;
}

static gboolean
ossp_chip_parse (OsspChip    *self,
                 GError     **error)
{
  JsonObject *root, *header, *keys, *ssp;
  JsonArray *curves, *ranges, *words, *backups;
  const char *schema, *s, *kind;
  guint32 v;

  if (!JSON_NODE_HOLDS_OBJECT (self->root))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA, "Chip map: top level must be an object");
      return FALSE;
    }
  root = json_node_get_object (self->root);
  if ((schema = get_string (root, "schema", TRUE, error)) == NULL)
    return FALSE;
  if (!g_str_equal (schema, "openssp-chip/1"))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_VERSION,
                   "Chip map: schema \"%s\" is not supported (expected \"openssp-chip/1\")", schema);
      return FALSE;
    }
  if ((s = get_string (root, "id", TRUE, error)) == NULL)
    return FALSE;
  self->id = g_strdup (s);
  if ((s = get_string (root, "name", TRUE, error)) == NULL)
    return FALSE;
  self->name = g_strdup (s);
  if ((s = get_string (root, "family", TRUE, error)) == NULL)
    return FALSE;
  self->family = g_strdup (s);
  if (!get_u32 (root, "dev_id", &self->dev_id, error))
    return FALSE;
  if (!get_u32 (root, "total_words", &v, error))
    return FALSE;
  if (v == 0 || v > 1024 || v % 32 != 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "Chip map: total_words %u must be a multiple of 32 up to 1024", v);
      return FALSE;
    }
  self->otp_word_count = v;
  if (!get_u32 (root, "max_accessible_word", &v, error))
    return FALSE;
  if (v >= self->otp_word_count)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "Chip map: max_accessible_word %u is beyond total_words", v);
      return FALSE;
    }
  self->max_accessible_word = v;

  /* the first region is the bitwise-programmable lower OTP */
  {
    JsonArray *regions = get_array (root, "regions", error);
    JsonNode *first;
    if (regions == NULL)
      return FALSE;
    first = json_array_get_length (regions) ? json_array_get_element (regions, 0) : NULL;
    if (first == NULL || !JSON_NODE_HOLDS_OBJECT (first) ||
        !get_u32 (json_node_get_object (first), "last", &v, error) || v >= self->otp_word_count)
      {
        if (error && *error == NULL)
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                       "Chip map: regions[0] must give the last lower-OTP word");
        return FALSE;
      }
    self->lower_last_word = v;
  }

  if ((header = get_object (root, "header", error)) == NULL ||
      (s = get_string (header, "version", TRUE, error)) == NULL)
    return FALSE;
  if (!g_str_equal (s, "1.0") && !g_str_equal (s, "2.0") && !g_str_equal (s, "2.2"))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "Chip map: header.version \"%s\" must be 1.0, 2.0 or 2.2", s);
      return FALSE;
    }
  self->header_version = g_strdup (s);

  if ((keys = get_object (root, "auth_keys", error)) == NULL ||
      !get_u32 (keys, "count", &self->auth_key_count, error) ||
      !get_u32 (keys, "pkh_first_word", &self->pkh_first_word, error) ||
      (kind = get_string (keys, "kind", TRUE, error)) == NULL)
    return FALSE;
  if (self->auth_key_count < 1 || self->auth_key_count > 8 ||
      self->pkh_first_word + 8 > self->otp_word_count)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "Chip map: auth_keys.count must be 1..8 and the PKH words inside the OTP");
      return FALSE;
    }
  self->pkh_table = g_str_equal (kind, "pkhth");

  if ((curves = get_array (root, "curves", error)) == NULL)
    return FALSE;
  for (guint i = 0; i < json_array_get_length (curves); i++)
    {
      JsonNode *node = json_array_get_element (curves, i);
      OsspCurveInfo c = { 0 };
      if (!JSON_NODE_HOLDS_OBJECT (node) ||
          (c.name = get_string (json_node_get_object (node), "name", TRUE, error)) == NULL ||
          !get_u32 (json_node_get_object (node), "algo", &v, error))
        {
          if (error && *error == NULL)
            g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA, "Chip map: curves[%u] is not an object", i);
          return FALSE;
        }
      c.algo = v;
      g_array_append_val (self->curves, c);
    }

  if ((ranges = get_array (root, "ssp_writable_ranges", error)) == NULL)
    return FALSE;
  for (guint i = 0; i < json_array_get_length (ranges); i++)
    {
      JsonNode *node = json_array_get_element (ranges, i);
      JsonArray *pair;
      guint32 a, b;
      if (!JSON_NODE_HOLDS_ARRAY (node) || json_array_get_length (pair = json_node_get_array (node)) != 2 ||
          !node_to_u32 (json_array_get_element (pair, 0), "ssp_writable_ranges[][0]", &a, NULL) ||
          !node_to_u32 (json_array_get_element (pair, 1), "ssp_writable_ranges[][1]", &b, NULL) ||
          a > b || b >= self->otp_word_count)
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                       "Chip map: ssp_writable_ranges[%u] must be [first, last] inside the OTP", i);
          return FALSE;
        }
      g_array_append_val (self->ssp_ranges, a);
      g_array_append_val (self->ssp_ranges, b);
    }

  if ((words = get_array (root, "words", error)) == NULL || !parse_words (self, words, error))
    return FALSE;
  if ((ssp = get_object (root, "ssp", error)) == NULL || !parse_ssp (self, ssp, error))
    return FALSE;
  if ((backups = get_array (root, "backup_memories", error)) == NULL || !parse_backups (self, backups, error))
    return FALSE;
  return TRUE;
}

OsspChip *
ossp_chip_new_from_data (const char  *data,
                         gssize       len,
                         GError     **error)
{
  g_autoptr(OsspChip) self = g_object_new (OSSP_TYPE_CHIP, NULL);
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local_error = NULL;

  if (!json_parser_load_from_data (parser, data, len, &local_error))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "Chip map is not valid JSON: %s", local_error->message);
      return NULL;
    }
  self->root = json_parser_steal_root (parser);
  if (self->root == NULL)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA, "Chip map is empty");
      return NULL;
    }
  if (!ossp_chip_parse (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

OsspChip *
ossp_chip_new_from_file (const char  *path,
                         GError     **error)
{
  g_autofree guint8 *data = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize len = 0;
  OsspChip *chip;

  data = ossp_file_read (path, 1024 * 1024, &len, error);
  if (data == NULL)
    return NULL;
  chip = ossp_chip_new_from_data ((const char *) data, (gssize) len, &local_error);
  if (chip == NULL)
    g_set_error (error, OSSP_ERROR, local_error->code, "%s: %s", path, local_error->message);
  return chip;
}

/* "mp15", "STM32MP157F", "stm32mp15" all name the same family */
static const char *
normalize_chip_name (const char *name)
{
  g_autofree char *lower = g_ascii_strdown (name, -1);
  const char *p = lower;

  if (g_str_has_prefix (p, "stm32"))
    p += 5;
  if (g_str_has_prefix (p, "mp13"))
    return "stm32mp13";
  if (g_str_has_prefix (p, "mp15"))
    return "stm32mp15";
  if (g_str_has_prefix (p, "mp25") || g_str_has_prefix (p, "mp23"))
    return "stm32mp25";
  return NULL;
}

OsspChip *
ossp_chip_new (const char  *name,
               GError     **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *id;
  gsize len;
  const char *data;

  g_return_val_if_fail (name != NULL, NULL);

  id = normalize_chip_name (name);
  if (id == NULL)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_NOT_FOUND,
                   "Unknown chip \"%s\"; choose one of stm32mp13, stm32mp15, stm32mp25", name);
      return NULL;
    }
  path = g_strdup_printf ("/org/openssp/core/chips/%s.json", id);
  /* look up in our own bundle: a static library's constructor may be dropped */
  bytes = g_resource_lookup_data (ossp_core_get_resource (), path, G_RESOURCE_LOOKUP_FLAGS_NONE, &local_error);
  if (bytes == NULL)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_NOT_FOUND,
                   "Chip map for %s is missing from this build: %s", id, local_error->message);
      return NULL;
    }
  data = g_bytes_get_data (bytes, &len);
  return ossp_chip_new_from_data (data, (gssize) len, error);
}

const char *ossp_chip_get_id (OsspChip *self) { return self->id; }
const char *ossp_chip_get_name (OsspChip *self) { return self->name; }
const char *ossp_chip_get_family (OsspChip *self) { return self->family; }
gboolean ossp_chip_is_mp1 (OsspChip *self) { return g_str_equal (self->family, "STM32MP1"); }
guint32 ossp_chip_get_dev_id (OsspChip *self) { return self->dev_id; }
guint ossp_chip_get_otp_word_count (OsspChip *self) { return self->otp_word_count; }
guint ossp_chip_get_max_accessible_word (OsspChip *self) { return self->max_accessible_word; }
guint ossp_chip_get_lower_last_word (OsspChip *self) { return self->lower_last_word; }
const char *ossp_chip_get_header_version (OsspChip *self) { return self->header_version; }
guint ossp_chip_get_header_major (OsspChip *self) { return self->header_version[0] - '0'; }
guint ossp_chip_get_auth_key_count (OsspChip *self) { return self->auth_key_count; }
guint ossp_chip_get_pkh_first_word (OsspChip *self) { return self->pkh_first_word; }
gboolean ossp_chip_uses_pkh_table (OsspChip *self) { return self->pkh_table; }
guint ossp_chip_get_n_curves (OsspChip *self) { return self->curves->len; }
gint ossp_chip_get_ssp_state_word (OsspChip *self) { return self->ssp_state_word; }
gint ossp_chip_get_ssp_req_bit (OsspChip *self) { return self->ssp_req_bit; }
gint ossp_chip_get_ssp_success_bit (OsspChip *self) { return self->ssp_success_bit; }
gint ossp_chip_get_rma_word (OsspChip *self) { return self->rma_word; }
guint32 ossp_chip_get_rma_mask (OsspChip *self) { return self->rma_mask; }
guint ossp_chip_get_cfg2_word (OsspChip *self) { return self->cfg2_word; }
guint ossp_chip_get_secret_first_word (OsspChip *self) { return self->secret_first_word; }
guint ossp_chip_get_secret_last_word (OsspChip *self) { return self->secret_last_word; }
gsize ossp_chip_get_secret_file_size (OsspChip *self) { return self->secret_file_size; }
gsize ossp_chip_get_payload_size (OsspChip *self) { return self->payload_size; }
guint32 ossp_chip_get_blob_base (OsspChip *self) { return self->blob_base; }
guint32 ossp_chip_get_fsbl_load_address (OsspChip *self) { return self->fsbl_load_address; }
gboolean ossp_chip_has_user_lock_flags (OsspChip *self) { return self->user_lock_flags; }
gint ossp_chip_get_st_board_id_word (OsspChip *self) { return self->st_board_id_word; }
guint ossp_chip_get_n_word_infos (OsspChip *self) { return self->words->len; }
guint ossp_chip_get_n_backup_memories (OsspChip *self) { return self->backups->len; }

const OsspCurveInfo *
ossp_chip_get_curve (OsspChip *self,
                     guint     index)
{
  g_return_val_if_fail (index < self->curves->len, NULL);
  return &g_array_index (self->curves, OsspCurveInfo, index);
}

const OsspCurveInfo *
ossp_chip_lookup_curve (OsspChip   *self,
                        const char *name)
{
  for (guint i = 0; i < self->curves->len; i++)
    {
      const OsspCurveInfo *c = &g_array_index (self->curves, OsspCurveInfo, i);
      if (g_ascii_strcasecmp (c->name, name) == 0)
        return c;
    }
  return NULL;
}

const OsspOtpWordInfo *
ossp_chip_get_word_info (OsspChip *self,
                         guint     index)
{
  g_return_val_if_fail (index < self->words->len, NULL);
  return &g_array_index (self->words, OsspOtpWordInfo, index);
}

const OsspOtpWordInfo *
ossp_chip_lookup_word (OsspChip *self,
                       guint     word)
{
  for (guint i = 0; i < self->words->len; i++)
    {
      const OsspOtpWordInfo *info = &g_array_index (self->words, OsspOtpWordInfo, i);
      if (word >= info->first && word <= info->last)
        return info;
    }
  return NULL;
}

gboolean
ossp_chip_word_is_ssp_writable (OsspChip *self,
                                guint     word)
{
  const OsspOtpWordInfo *info;
  gboolean in_range = FALSE;

  for (guint i = 0; i + 1 < self->ssp_ranges->len; i += 2)
    if (word >= g_array_index (self->ssp_ranges, guint, i) &&
        word <= g_array_index (self->ssp_ranges, guint, i + 1))
      in_range = TRUE;
  if (!in_range || word > self->max_accessible_word)
    return FALSE;
  /* a named word inside the range can still be ST's (MP2 per-word exclusions) */
  info = ossp_chip_lookup_word (self, word);
  return info == NULL || (!info->reserved_for_st && info->ssp_writable);
}

gboolean
ossp_chip_word_is_reserved (OsspChip *self,
                            guint     word)
{
  const OsspOtpWordInfo *info = ossp_chip_lookup_word (self, word);
  if (word > self->max_accessible_word)
    return TRUE;
  return info != NULL && info->reserved_for_st;
}

gboolean
ossp_chip_word_is_bitwise (OsspChip *self,
                           guint     word)
{
  return word <= self->lower_last_word;
}

const OsspBackupMemoryInfo *
ossp_chip_get_backup_memory (OsspChip *self,
                             guint     index)
{
  g_return_val_if_fail (index < self->backups->len, NULL);
  return &g_array_index (self->backups, OsspBackupMemoryInfo, index);
}

const OsspBackupMemoryInfo *
ossp_chip_lookup_backup_memory (OsspChip   *self,
                                const char *kind)
{
  for (guint i = 0; i < self->backups->len; i++)
    {
      const OsspBackupMemoryInfo *b = &g_array_index (self->backups, OsspBackupMemoryInfo, i);
      if (g_str_equal (b->kind, kind))
        return b;
    }
  return NULL;
}

const OsspBackupMemoryInfo *
ossp_chip_lookup_backup_base (OsspChip *self,
                              guint32   base)
{
  for (guint i = 0; i < self->backups->len; i++)
    {
      const OsspBackupMemoryInfo *b = &g_array_index (self->backups, OsspBackupMemoryInfo, i);
      for (guint j = 0; j < b->n_bases; j++)
        if (b->bases[j] == base)
          return b;
    }
  return NULL;
}

JsonObject *
ossp_chip_get_json (OsspChip *self)
{
  return json_node_get_object (self->root);
}
