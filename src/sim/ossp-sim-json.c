/* ossp-sim-json.c — strict readers for the chip simulator's state file
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "ossp-sim-json.h"

static gboolean
bad (GError    **error,
     const char *what,
     const char *why)
{
  g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA, "State file: \"%s\" %s", what, why);
  return FALSE;
}

gboolean
ossp_sim_json_node_u32 (JsonNode    *node,
                        const char  *what,
                        guint32     *out_value,
                        GError     **error)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return bad (error, what, "must be a number or a \"0x…\" string");
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    {
      gint64 v = json_node_get_int (node);
      if (v < 0 || v > G_MAXUINT32)
        return bad (error, what, "is out of the 32-bit range");
      *out_value = (guint32) v;
      return TRUE;
    }
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    {
      if (!ossp_parse_u32 (json_node_get_string (node), out_value, NULL))
        return bad (error, what, "is not a 32-bit number (decimal or 0x-prefixed hex)");
      return TRUE;
    }
  return bad (error, what, "must be a number or a \"0x…\" string");
}

gboolean
ossp_sim_json_get_u32 (JsonObject  *obj,
                       const char  *member,
                       guint32      default_value,
                       guint32     *out_value,
                       GError     **error)
{
  JsonNode *node = json_object_get_member (obj, member);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      *out_value = default_value;
      return TRUE;
    }
  return ossp_sim_json_node_u32 (node, member, out_value, error);
}

gboolean
ossp_sim_json_get_bool (JsonObject  *obj,
                        const char  *member,
                        gboolean     default_value,
                        gboolean    *out_value,
                        GError     **error)
{
  JsonNode *node = json_object_get_member (obj, member);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      *out_value = default_value;
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return bad (error, member, "must be true or false");
  *out_value = json_node_get_boolean (node);
  return TRUE;
}

gboolean
ossp_sim_json_get_string (JsonObject  *obj,
                          const char  *member,
                          const char **out_value,
                          GError     **error)
{
  JsonNode *node = json_object_get_member (obj, member);

  *out_value = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return bad (error, member, "must be a string");
  *out_value = json_node_get_string (node);
  return TRUE;
}

gboolean
ossp_sim_json_get_hex (JsonObject  *obj,
                       const char  *member,
                       gsize        expected_len,
                       gsize        max_len,
                       GBytes     **out_bytes,
                       GError     **error)
{
  const char *text = NULL;
  g_autofree guint8 *data = NULL;
  gsize len = 0;

  *out_bytes = NULL;
  if (!ossp_sim_json_get_string (obj, member, &text, error))
    return FALSE;
  if (text == NULL)
    return TRUE;
  if (strlen (text) > 2 * MAX (expected_len, max_len))
    return bad (error, member, "is too long");
  data = *text ? ossp_hex_decode (text, &len, NULL) : g_malloc0 (1);
  if (data == NULL)
    return bad (error, member, "is not a hex string");
  if (expected_len != 0 && len != expected_len)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "State file: \"%s\" must hold %" G_GSIZE_FORMAT " bytes, not %" G_GSIZE_FORMAT,
                   member, expected_len, len);
      return FALSE;
    }
  *out_bytes = g_bytes_new_take (g_steal_pointer (&data), len);
  return TRUE;
}

gboolean
ossp_sim_json_get_array (JsonObject  *obj,
                         const char  *member,
                         JsonArray  **out_array,
                         GError     **error)
{
  JsonNode *node = json_object_get_member (obj, member);

  *out_array = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return bad (error, member, "must be an array");
  *out_array = json_node_get_array (node);
  return TRUE;
}

char *
ossp_sim_json_hex32 (guint32 value)
{
  return g_strdup_printf ("0x%08X", value);
}
