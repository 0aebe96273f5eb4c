/* ossp-project.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "ossp-chip.h"
#include "ossp-error.h"
#include "ossp-project.h"
#include "ossp-util.h"

typedef enum {
  KIND_STRING,
  KIND_INT,
  KIND_INPUT,     /* a file the step reads: must exist, or be another step's output */
  KIND_OUTPUT,    /* a file a step writes */
  KIND_FOLDER,    /* an output folder */
} KeyKind;

/* The schema in one table: docs/formats/project.md and
 * docs/formats/project.schema.json describe the same members. */
static const struct {
  const char *key;
  KeyKind     kind;
} schema[] = {
  { "keys.folder", KIND_FOLDER },
  { "keys.count", KIND_INT },
  { "keys.curve", KIND_STRING },
  { "keys.password_file", KIND_INPUT },
  { "keys.public_key", KIND_INPUT },
  { "keys.pkh_table_hash", KIND_INPUT },
  { "otp.list", KIND_INPUT },
  { "otp.secret_file", KIND_OUTPUT },
  { "payload.key", KIND_INPUT },
  { "payload.nonce", KIND_INPUT },
  { "payload.oem_public_key", KIND_INPUT },
  { "payload.pkh_table_hash", KIND_INPUT },
  { "payload.secret_file", KIND_INPUT },
  { "payload.rma_file", KIND_INPUT },
  { "payload.output", KIND_OUTPUT },
  { "payload.fsbl_min_version", KIND_INT },
  { "image.input", KIND_INPUT },
  { "image.output", KIND_OUTPUT },
  { "image.private_key", KIND_INPUT },
  { "image.password_file", KIND_INPUT },
  { "image.pkcs11_url", KIND_STRING },
  { "image.key_index", KIND_INT },
  { "hsm.provider", KIND_STRING },
  { "hsm.reader", KIND_STRING },
  { "hsm.slot", KIND_INT },
  { "hsm.command", KIND_STRING },
  { "hsm.sim_state", KIND_OUTPUT },
  { "hsm.perso_file", KIND_INPUT },
  { "hsm.firmware_id", KIND_STRING },
  { "hsm.max_licenses", KIND_INT },
  { "provision.port", KIND_STRING },
  { "provision.firmware", KIND_INPUT },
  { "provision.payload", KIND_INPUT },
  { "provision.audit_log", KIND_OUTPUT },
};

static const char * const sections[] = { "keys", "otp", "payload", "image", "hsm", "provision", NULL };

struct _OsspProject
{
  GObject     parent_instance;

  JsonObject *root;
  char       *file;       /* absolute path of the project file, or NULL */
  char       *base_dir;   /* where relative paths start */
  gboolean    modified;
};

G_DEFINE_FINAL_TYPE (OsspProject, ossp_project, G_TYPE_OBJECT)

enum { PROP_0, PROP_MODIFIED, PROP_FILE, N_PROPS };
enum { CHANGED, N_SIGNALS };
static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

void
ossp_project_problem_free (OsspProjectProblem *problem)
{
  if (problem == NULL)
    return;
  g_free (problem->where);
  g_free (problem->message);
  g_free (problem);
}

static void G_GNUC_PRINTF (4, 5)
add_problem (GPtrArray           *problems,
             OsspProjectSeverity  severity,
             const char          *where,
             const char          *format,
             ...)
{
  OsspProjectProblem *p;
  va_list args;

  if (problems == NULL)
    return;
  p = g_new0 (OsspProjectProblem, 1);
  p->severity = severity;
  p->where = g_strdup (where);
  va_start (args, format);
  p->message = g_strdup_vprintf (format, args);
  va_end (args);
  g_ptr_array_add (problems, p);
}

static void
ossp_project_finalize (GObject *object)
{
  OsspProject *self = OSSP_PROJECT (object);

  g_clear_pointer (&self->root, json_object_unref);
  g_free (self->file);
  g_free (self->base_dir);
  G_OBJECT_CLASS (ossp_project_parent_class)->finalize (object);
}

static void
ossp_project_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  OsspProject *self = OSSP_PROJECT (object);

  switch (prop_id)
    {
    case PROP_MODIFIED:
      g_value_set_boolean (value, self->modified);
      break;
    case PROP_FILE:
      g_value_set_string (value, self->file);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ossp_project_class_init (OsspProjectClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ossp_project_finalize;
  object_class->get_property = ossp_project_get_property;

  properties[PROP_MODIFIED] = g_param_spec_boolean ("modified", NULL, NULL, FALSE,
                                                    G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_FILE] = g_param_spec_string ("file", NULL, NULL, NULL,
                                               G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* emitted with the dotted key that changed ("chip" for the chip) */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
ossp_project_init (OsspProject *self)
{
  self->root = json_object_new ();
  json_object_set_string_member (self->root, "format", "openssp-project");
  json_object_set_int_member (self->root, "version", OSSP_PROJECT_FORMAT_VERSION);
  self->base_dir = g_get_current_dir ();
}

static void
mark_modified (OsspProject *self,
               const char  *key)
{
  if (!self->modified)
    {
      self->modified = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODIFIED]);
    }
  g_signal_emit (self, signals[CHANGED], 0, key);
}

OsspProject *
ossp_project_new (const char *chip_id)
{
  OsspProject *self = g_object_new (OSSP_TYPE_PROJECT, NULL);
  json_object_set_string_member (self->root, "chip", chip_id ? chip_id : "stm32mp15");
  return self;
}

const char * const *
ossp_project_list_keys (void)
{
  static const char *keys[G_N_ELEMENTS (schema) + 1];
  if (keys[0] == NULL)
    for (guint i = 0; i < G_N_ELEMENTS (schema); i++)
      keys[i] = schema[i].key;
  return keys;
}

static gint
lookup_schema (const char *key)
{
  for (guint i = 0; i < G_N_ELEMENTS (schema); i++)
    if (g_str_equal (schema[i].key, key))
      return (gint) i;
  return -1;
}

gboolean
ossp_project_key_is_int (const char *key)
{
  gint i = lookup_schema (key);
  return i >= 0 && schema[i].kind == KIND_INT;
}

gboolean
ossp_project_key_is_path (const char *key)
{
  gint i = lookup_schema (key);
  return i >= 0 && (schema[i].kind == KIND_INPUT || schema[i].kind == KIND_OUTPUT ||
                    schema[i].kind == KIND_FOLDER);
}

/* "payload.key" → the "payload" object (created on demand) and "key" */
static JsonObject *
section_for (OsspProject *self,
             const char  *key,
             gboolean     create,
             const char **member)
{
  const char *dot = strchr (key, '.');
  g_autofree char *section = NULL;
  JsonNode *node;

  g_return_val_if_fail (dot != NULL, NULL);
  g_return_val_if_fail (lookup_schema (key) >= 0, NULL);
  section = g_strndup (key, (gsize) (dot - key));
  *member = dot + 1;
  node = json_object_get_member (self->root, section);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      if (!create)
        return NULL;
      json_object_set_object_member (self->root, section, json_object_new ());
      node = json_object_get_member (self->root, section);
    }
  return json_node_get_object (node);
}

static JsonNode *
get_node (OsspProject *self,
          const char  *key)
{
  const char *member;
  JsonObject *obj = section_for (self, key, FALSE, &member);
  return obj ? json_object_get_member (obj, member) : NULL;
}

gboolean
ossp_project_has (OsspProject *self,
                  const char  *key)
{
  return get_node (self, key) != NULL;
}

void
ossp_project_unset (OsspProject *self,
                    const char  *key)
{
  const char *member;
  JsonObject *obj = section_for (self, key, FALSE, &member);
  if (obj && json_object_has_member (obj, member))
    {
      json_object_remove_member (obj, member);
      mark_modified (self, key);
    }
}

const char *
ossp_project_get_string (OsspProject *self,
                         const char  *key)
{
  JsonNode *node = get_node (self, key);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

void
ossp_project_set_string (OsspProject *self,
                         const char  *key,
                         const char  *value)
{
  const char *member;
  JsonObject *obj;

  if (value == NULL || *value == 0)
    {
      ossp_project_unset (self, key);
      return;
    }
  if (g_strcmp0 (ossp_project_get_string (self, key), value) == 0)
    return;
  obj = section_for (self, key, TRUE, &member);
  json_object_set_string_member (obj, member, value);
  mark_modified (self, key);
}

gint64
ossp_project_get_int (OsspProject *self,
                      const char  *key,
                      gint64       default_value)
{
  JsonNode *node = get_node (self, key);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return default_value;
  return json_node_get_int (node);
}

void
ossp_project_set_int (OsspProject *self,
                      const char  *key,
                      gint64       value)
{
  const char *member;
  JsonObject *obj;
  JsonNode *node = get_node (self, key);

  if (node && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64 &&
      json_node_get_int (node) == value)
    return;
  obj = section_for (self, key, TRUE, &member);
  json_object_set_int_member (obj, member, value);
  mark_modified (self, key);
}

static char *
resolve (OsspProject *self,
         const char  *stored)
{
  if (stored == NULL)
    return NULL;
  if (g_path_is_absolute (stored))
    return g_strdup (stored);
  return g_canonicalize_filename (stored, self->base_dir);
}

/* Relative to the project file when the path is inside its folder tree, so
 * a project folder can be moved or committed as a whole. */
static char *
make_relative (OsspProject *self,
               const char  *path)
{
  g_autofree char *abs = g_canonicalize_filename (path, NULL);
  g_autofree char *prefix = g_strconcat (self->base_dir, G_DIR_SEPARATOR_S, NULL);

  if (g_str_has_prefix (abs, prefix))
    return g_strdup (abs + strlen (prefix));
  return g_steal_pointer (&abs);
}

char *
ossp_project_get_path (OsspProject *self,
                       const char  *key)
{
  return resolve (self, ossp_project_get_string (self, key));
}

void
ossp_project_set_path (OsspProject *self,
                       const char  *key,
                       const char  *path)
{
  g_autofree char *rel = path && *path ? make_relative (self, path) : NULL;
  ossp_project_set_string (self, key, rel);
}

const char *
ossp_project_get_file (OsspProject *self)
{
  return self->file;
}

gboolean
ossp_project_get_modified (OsspProject *self)
{
  return self->modified;
}

/* A string member; @dflt when missing or null, "" when of another type
 * (json-glib's getter gives NULL or a critical there; a file is user input) */
static const char *
string_member (JsonObject *obj,
               const char *name,
               const char *dflt)
{
  JsonNode *n = json_object_get_member (obj, name);

  if (n == NULL || JSON_NODE_HOLDS_NULL (n))
    return dflt;
  return json_node_get_value_type (n) == G_TYPE_STRING ? json_node_get_string (n) : "";
}

const char *
ossp_project_get_chip_id (OsspProject *self)
{
  return string_member (self->root, "chip", "stm32mp15");
}

void
ossp_project_set_chip_id (OsspProject *self,
                          const char  *chip_id)
{
  if (g_strcmp0 (ossp_project_get_chip_id (self), chip_id) == 0)
    return;
  json_object_set_string_member (self->root, "chip", chip_id);
  mark_modified (self, "chip");
}

static JsonArray *
backups_array (OsspProject *self,
               gboolean     create)
{
  JsonNode *node = json_object_get_member (self->root, "backup");
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      if (!create)
        return NULL;
      json_object_set_array_member (self->root, "backup", json_array_new ());
      node = json_object_get_member (self->root, "backup");
    }
  return json_node_get_array (node);
}

guint
ossp_project_get_n_backups (OsspProject *self)
{
  JsonArray *arr = backups_array (self, FALSE);
  return arr ? json_array_get_length (arr) : 0;
}

static JsonObject *
backup_at (OsspProject *self,
           guint        index)
{
  JsonArray *arr = backups_array (self, FALSE);
  JsonNode *node;

  if (arr == NULL || index >= json_array_get_length (arr))
    return NULL;
  node = json_array_get_element (arr, index);
  return JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

char *
ossp_project_get_backup_path (OsspProject *self,
                              guint        index,
                              const char  *member)
{
  JsonObject *b = backup_at (self, index);
  return b ? resolve (self, string_member (b, member, NULL)) : NULL;
}

guint32
ossp_project_get_backup_base (OsspProject *self,
                              guint        index)
{
  JsonObject *b = backup_at (self, index);
  guint32 base = 0;
  const char *text = b ? string_member (b, "base", NULL) : NULL;

  if (text && ossp_parse_u32 (text, &base, NULL))
    return base;
  return 0;
}

void
ossp_project_add_backup (OsspProject *self,
                         const char  *list_path,
                         const char  *file_path,
                         guint32      base)
{
  JsonObject *b = json_object_new ();
  g_autofree char *base_text = g_strdup_printf ("0x%08X", base);

  if (list_path)
    {
      g_autofree char *rel = make_relative (self, list_path);
      json_object_set_string_member (b, "list", rel);
    }
  if (file_path)
    {
      g_autofree char *rel = make_relative (self, file_path);
      json_object_set_string_member (b, "file", rel);
    }
  json_object_set_string_member (b, "base", base_text);
  json_array_add_object_element (backups_array (self, TRUE), b);
  mark_modified (self, "backup");
}

void
ossp_project_set_backup (OsspProject *self,
                         guint        index,
                         const char  *list_path,
                         const char  *file_path,
                         guint32      base)
{
  JsonArray *arr = backups_array (self, TRUE);
  JsonObject *b = json_object_new ();
  g_autofree char *base_text = g_strdup_printf ("0x%08X", base);
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  g_return_if_fail (index <= json_array_get_length (arr));
  if (list_path)
    {
      g_autofree char *rel = make_relative (self, list_path);
      json_object_set_string_member (b, "list", rel);
    }
  if (file_path)
    {
      g_autofree char *rel = make_relative (self, file_path);
      json_object_set_string_member (b, "file", rel);
    }
  json_object_set_string_member (b, "base", base_text);
  json_node_take_object (node, b);
  if (index == json_array_get_length (arr))
    {
      json_array_add_element (arr, g_steal_pointer (&node));
      mark_modified (self, "backup");
      return;
    }
  /* unchanged (in any member order): no "changed", no modified mark */
  {
    JsonNode *cur = json_array_get_element (arr, index);
    JsonObject *o = JSON_NODE_HOLDS_OBJECT (cur) ? json_node_get_object (cur) : NULL;
    const char *members[] = { "list", "file", "base" };
    gboolean same = o != NULL && json_object_get_size (o) == json_object_get_size (b);
    for (guint m = 0; same && m < G_N_ELEMENTS (members); m++)
      same = g_strcmp0 (json_object_get_string_member_with_default (o, members[m], NULL),
                        json_object_get_string_member_with_default (b, members[m], NULL)) == 0;
    if (same)
      return;
  }
  json_node_set_object (json_array_get_element (arr, index), b);
  mark_modified (self, "backup");
}

void
ossp_project_remove_backup (OsspProject *self,
                            guint        index)
{
  JsonArray *arr = backups_array (self, FALSE);

  if (arr == NULL || index >= json_array_get_length (arr))
    return;
  json_array_remove_element (arr, index);
  if (json_array_get_length (arr) == 0)
    json_object_remove_member (self->root, "backup");
  mark_modified (self, "backup");
}

gint
ossp_project_find_backup (OsspProject *self,
                          const char  *kind)
{
  g_autoptr(OsspChip) chip = ossp_chip_new (ossp_project_get_chip_id (self), NULL);

  for (guint i = 0; chip && i < ossp_project_get_n_backups (self); i++)
    {
      const OsspBackupMemoryInfo *mem = ossp_chip_lookup_backup_base (chip, ossp_project_get_backup_base (self, i));
      if (mem && g_str_equal (mem->kind, kind))
        return (gint) i;
    }
  return -1;
}

void
ossp_project_clear_backups (OsspProject *self)
{
  if (json_object_has_member (self->root, "backup"))
    {
      json_object_remove_member (self->root, "backup");
      mark_modified (self, "backup");
    }
}

static gboolean
is_output_of_some_step (OsspProject *self,
                        const char  *abs_path)
{
  for (guint i = 0; i < G_N_ELEMENTS (schema); i++)
    if (schema[i].kind == KIND_OUTPUT)
      {
        g_autofree char *out = ossp_project_get_path (self, schema[i].key);
        if (out && g_str_equal (out, abs_path))
          return TRUE;
      }
  for (guint i = 0; i < ossp_project_get_n_backups (self); i++)
    {
      g_autofree char *out = ossp_project_get_backup_path (self, i, "file");
      if (out && g_str_equal (out, abs_path))
        return TRUE;
    }
  /* keys generated into the keys folder */
  {
    g_autofree char *folder = ossp_project_get_path (self, "keys.folder");
    if (folder && g_str_has_prefix (abs_path, folder))
      return TRUE;
  }
  return FALSE;
}

static void
check_input (OsspProject *self,
             const char  *where,
             const char  *abs_path,
             GPtrArray   *problems)
{
  if (abs_path == NULL || g_file_test (abs_path, G_FILE_TEST_EXISTS))
    return;
  if (is_output_of_some_step (self, abs_path))
    add_problem (problems, OSSP_PROJECT_SEVERITY_INFO, where,
                 "%s does not exist yet; 'project build' makes it", abs_path);
  else
    add_problem (problems, OSSP_PROJECT_SEVERITY_ERROR, where, "%s does not exist", abs_path);
}

static void
check_types (OsspProject *self,
             GPtrArray   *problems)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  json_object_iter_init (&iter, self->root);
  while (json_object_iter_next (&iter, &name, &node))
    {
      g_autofree char *where = g_strdup_printf ("$.%s", name);
      if (g_str_equal (name, "format") || g_str_equal (name, "version") || g_str_equal (name, "chip") ||
          g_str_equal (name, "backup") || g_str_equal (name, "comment"))
        continue;
      if (!g_strv_contains (sections, name))
        {
          add_problem (problems, OSSP_PROJECT_SEVERITY_WARNING, where,
                       "Unknown member \"%s\" is ignored (a typo?)", name);
          continue;
        }
      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          add_problem (problems, OSSP_PROJECT_SEVERITY_ERROR, where, "\"%s\" must be an object", name);
          continue;
        }
      {
        JsonObjectIter inner;
        const char *member;
        JsonNode *value;
        json_object_iter_init (&inner, json_node_get_object (node));
        while (json_object_iter_next (&inner, &member, &value))
          {
            g_autofree char *key = g_strdup_printf ("%s.%s", name, member);
            g_autofree char *at = g_strdup_printf ("$.%s", key);
            gint idx = lookup_schema (key);
            gboolean want_int;
            if (idx < 0)
              {
                add_problem (problems, OSSP_PROJECT_SEVERITY_WARNING, at,
                             "Unknown member \"%s\" is ignored (a typo?)", key);
                continue;
              }
            want_int = schema[idx].kind == KIND_INT;
            if (!JSON_NODE_HOLDS_VALUE (value) ||
                json_node_get_value_type (value) != (want_int ? G_TYPE_INT64 : G_TYPE_STRING))
              add_problem (problems, OSSP_PROJECT_SEVERITY_ERROR, at, "\"%s\" must be %s", key,
                           want_int ? "a number" : "a string");
          }
      }
    }
}

GPtrArray *
ossp_project_check (OsspProject *self)
{
  GPtrArray *problems = g_ptr_array_new_with_free_func ((GDestroyNotify) ossp_project_problem_free);
  g_autoptr(OsspChip) chip = NULL;
  const char *provider;

  chip = ossp_chip_new (ossp_project_get_chip_id (self), NULL);
  if (chip == NULL)
    add_problem (problems, OSSP_PROJECT_SEVERITY_ERROR, "$.chip",
                 "Unknown chip \"%s\"; choose one of stm32mp13, stm32mp15, stm32mp25",
                 ossp_project_get_chip_id (self));

  check_types (self, problems);

  for (guint i = 0; i < G_N_ELEMENTS (schema); i++)
    if (schema[i].kind == KIND_INPUT && ossp_project_get_string (self, schema[i].key))
      {
        g_autofree char *where = g_strdup_printf ("$.%s", schema[i].key);
        g_autofree char *path = ossp_project_get_path (self, schema[i].key);
        check_input (self, where, path, problems);
      }

  for (guint i = 0; i < ossp_project_get_n_backups (self); i++)
    {
      g_autofree char *where = g_strdup_printf ("$.backup[%u].list", i);
      g_autofree char *list = ossp_project_get_backup_path (self, i, "list");
      guint32 base = ossp_project_get_backup_base (self, i);
      check_input (self, where, list, problems);
      if (chip != NULL && ossp_chip_lookup_backup_base (chip, base) == NULL)
        {
          g_autofree char *at = g_strdup_printf ("$.backup[%u].base", i);
          if (ossp_chip_get_n_backup_memories (chip) == 0)
            add_problem (problems, OSSP_PROJECT_SEVERITY_ERROR, at,
                         "%s has no backup memory; remove this entry", ossp_chip_get_name (chip));
          else
            add_problem (problems, OSSP_PROJECT_SEVERITY_ERROR, at,
                         "0x%08X is not a backup-memory base of %s", base, ossp_chip_get_name (chip));
        }
    }

  provider = ossp_project_get_string (self, "hsm.provider");
  if (provider && !g_str_equal (provider, "simulated") && !g_str_equal (provider, "pcsc") &&
      !g_str_equal (provider, "command"))
    add_problem (problems, OSSP_PROJECT_SEVERITY_ERROR, "$.hsm.provider",
                 "\"%s\" must be simulated, pcsc or command", provider);
  if (provider && g_str_equal (provider, "command") && !ossp_project_get_string (self, "hsm.command"))
    add_problem (problems, OSSP_PROJECT_SEVERITY_ERROR, "$.hsm.command",
                 "hsm.provider is \"command\" but no hsm.command is given");
  {
    gint64 count = ossp_project_get_int (self, "keys.count", 0);
    if (chip && ossp_project_has (self, "keys.count") &&
        (count < 1 || count > (gint64) ossp_chip_get_auth_key_count (chip)))
      add_problem (problems, OSSP_PROJECT_SEVERITY_ERROR, "$.keys.count",
                   "keys.count must be 1..%u for %s", ossp_chip_get_auth_key_count (chip),
                   ossp_chip_get_name (chip));
  }
  return problems;
}

OsspProject *
ossp_project_new_from_data (const char  *data,
                            gssize       len,
                            const char  *base_dir,
                            GPtrArray  **problems,
                            GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local_error = NULL;
  g_autoptr(OsspProject) self = NULL;
  JsonNode *root;
  JsonObject *obj;
  gint64 version;

  if (!json_parser_load_from_data (parser, data, len, &local_error))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "Project file is not valid JSON: %s", local_error->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "Project file must hold one JSON object ($)");
      return NULL;
    }
  obj = json_node_get_object (root);
  if (g_strcmp0 (string_member (obj, "format", NULL), "openssp-project") != 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "Not an OpenSSP project ($.format must be \"openssp-project\")");
      return NULL;
    }
  {
    JsonNode *v = json_object_get_member (obj, "version");
    if (v == NULL || !JSON_NODE_HOLDS_VALUE (v) || json_node_get_value_type (v) != G_TYPE_INT64)
      {
        g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                     "Project file has no numeric $.version");
        return NULL;
      }
    version = json_node_get_int (v);
  }
  if (version > OSSP_PROJECT_FORMAT_VERSION)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_VERSION,
                   "Project file version %" G_GINT64_FORMAT " is newer than this OpenSSP understands "
                   "(%d); update OpenSSP to open it", version, OSSP_PROJECT_FORMAT_VERSION);
      return NULL;
    }
  if (version < 1)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_VERSION,
                   "Project file version %" G_GINT64_FORMAT " is not a valid version", version);
      return NULL;
    }
  /* version 1 is the first format: older versions would be migrated here,
   * one step per version, each reported to the user as an info problem */

  self = g_object_new (OSSP_TYPE_PROJECT, NULL);
  json_object_unref (self->root);
  self->root = json_object_ref (obj);
  g_free (self->base_dir);
  self->base_dir = g_strdup (base_dir);
  if (problems)
    {
      if (*problems == NULL)
        *problems = g_ptr_array_new_with_free_func ((GDestroyNotify) ossp_project_problem_free);
      if (!json_object_has_member (self->root, "chip"))
        add_problem (*problems, OSSP_PROJECT_SEVERITY_WARNING, "$.chip",
                     "No chip given; STM32MP15 is assumed");
      g_ptr_array_extend_and_steal (*problems, ossp_project_check (self));
    }
  return g_steal_pointer (&self);
}

OsspProject *
ossp_project_load (const char  *path,
                   GPtrArray  **problems,
                   GError     **error)
{
  g_autofree guint8 *data = NULL;
  g_autofree char *abs = g_canonicalize_filename (path, NULL);
  g_autofree char *dir = g_path_get_dirname (abs);
  g_autoptr(GError) local_error = NULL;
  OsspProject *self;
  gsize len;

  data = ossp_file_read (abs, 4 * 1024 * 1024, &len, error);
  if (data == NULL)
    return NULL;
  self = ossp_project_new_from_data ((const char *) data, (gssize) len, dir, problems, &local_error);
  if (self == NULL)
    {
      g_set_error (error, OSSP_ERROR, local_error->code, "%s: %s", path, local_error->message);
      return NULL;
    }
  self->file = g_steal_pointer (&abs);
  return self;
}

char *
ossp_project_to_data (OsspProject *self)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, self->root);
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_indent (gen, 2);
  json_generator_set_root (gen, node);
  return json_generator_to_data (gen, NULL);
}

/* Saving to a new folder re-bases relative paths so they still point at
 * the same files. */
gboolean
ossp_project_save (OsspProject  *self,
                   const char   *path,
                   GError      **error)
{
  g_autofree char *abs = g_canonicalize_filename (path, NULL);
  g_autofree char *dir = g_path_get_dirname (abs);
  g_autofree char *text = NULL;

  if (!g_str_equal (dir, self->base_dir))
    {
      for (guint i = 0; i < G_N_ELEMENTS (schema); i++)
        if (schema[i].kind != KIND_STRING && schema[i].kind != KIND_INT &&
            ossp_project_get_string (self, schema[i].key))
          {
            g_autofree char *full = ossp_project_get_path (self, schema[i].key);
            const char *member;
            JsonObject *obj = section_for (self, schema[i].key, TRUE, &member);
            g_autofree char *old_base = self->base_dir;
            g_autofree char *rel = NULL;
            self->base_dir = g_strdup (dir);
            rel = make_relative (self, full);
            json_object_set_string_member (obj, member, rel);
            g_free (self->base_dir);
            self->base_dir = g_steal_pointer (&old_base);
          }
      for (guint i = 0; i < ossp_project_get_n_backups (self); i++)
        {
          JsonObject *b = backup_at (self, i);
          const char *members[] = { "list", "file" };
          for (guint m = 0; b && m < G_N_ELEMENTS (members); m++)
            {
              g_autofree char *full = ossp_project_get_backup_path (self, i, members[m]);
              g_autofree char *old_base = NULL;
              g_autofree char *rel = NULL;
              if (full == NULL)
                continue;
              old_base = self->base_dir;
              self->base_dir = g_strdup (dir);
              rel = make_relative (self, full);
              json_object_set_string_member (b, members[m], rel);
              g_free (self->base_dir);
              self->base_dir = g_steal_pointer (&old_base);
            }
        }
      g_free (self->base_dir);
      self->base_dir = g_strdup (dir);
    }

  text = ossp_project_to_data (self);
  if (!ossp_file_write_atomic (abs, (const guint8 *) text, strlen (text),
                               OSSP_WRITE_FLAGS_OVERWRITE, error))
    return FALSE;
  g_free (self->file);
  self->file = g_steal_pointer (&abs);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILE]);
  if (self->modified)
    {
      self->modified = FALSE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODIFIED]);
    }
  return TRUE;
}
