/* ossp-sim-json.h — small, strict readers for the chip simulator's state file
 *
 * Every reader names the member it rejects, so a hand-edited state file
 * fails with a message that says where.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <openssp.h>

G_BEGIN_DECLS

/* A JSON integer or a "0x…"/decimal string. */
gboolean  ossp_sim_json_node_u32  (JsonNode    *node,
                                   const char  *what,
                                   guint32     *out_value,
                                   GError     **error);
gboolean  ossp_sim_json_get_u32   (JsonObject  *obj,
                                   const char  *member,
                                   guint32      default_value,
                                   guint32     *out_value,
                                   GError     **error);
gboolean  ossp_sim_json_get_bool  (JsonObject  *obj,
                                   const char  *member,
                                   gboolean     default_value,
                                   gboolean    *out_value,
                                   GError     **error);
/* Optional string member; NULL when absent or null. */
gboolean  ossp_sim_json_get_string (JsonObject *obj,
                                   const char  *member,
                                   const char **out_value,
                                   GError     **error);
/* Hex bytes; NULL (and TRUE) when absent or null. @expected_len 0 = any
 * length up to @max_len. */
gboolean  ossp_sim_json_get_hex   (JsonObject  *obj,
                                   const char  *member,
                                   gsize        expected_len,
                                   gsize        max_len,
                                   GBytes     **out_bytes,
                                   GError     **error);
/* An array member (NULL and TRUE when absent). */
gboolean  ossp_sim_json_get_array (JsonObject  *obj,
                                   const char  *member,
                                   JsonArray  **out_array,
                                   GError     **error);
char     *ossp_sim_json_hex32     (guint32      value);

G_END_DECLS
