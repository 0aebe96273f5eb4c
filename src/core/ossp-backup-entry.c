/* ossp-backup-entry.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "ossp-backup-entry.h"
#include "ossp-util.h"

struct _OsspBackupEntry
{
  GObject            parent_instance;

  guint32            offset;
  GBytes            *data;
  char              *data_file;
  gboolean           wrap;
  OsspBackupWrapCpu  cpu;
  char              *label;
};

G_DEFINE_ENUM_TYPE (OsspBackupWrapCpu, ossp_backup_wrap_cpu,
  G_DEFINE_ENUM_VALUE (OSSP_BACKUP_WRAP_CPU_NONE, "none"),
  G_DEFINE_ENUM_VALUE (OSSP_BACKUP_WRAP_CPU_A35_TDCID1, "a35"),
  G_DEFINE_ENUM_VALUE (OSSP_BACKUP_WRAP_CPU_M33_TDCID2, "m33"))

G_DEFINE_FINAL_TYPE (OsspBackupEntry, ossp_backup_entry, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_OFFSET,
  PROP_DATA,
  PROP_DATA_FILE,
  PROP_LENGTH,
  PROP_WRAP,
  PROP_CPU,
  PROP_LABEL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The wiped copy carries its own length in front of the data, because a
 * GBytes free function only gets one pointer. */
typedef struct {
  gsize  length;
  guint8 data[];
} SecureBlock;

static void
secure_block_free (gpointer user_data)
{
  SecureBlock *block = user_data;
  ossp_secure_free (block, sizeof (SecureBlock) + block->length);
}

GBytes *
ossp_backup_secure_bytes_new (const guint8 *data,
                              gsize         length)
{
  SecureBlock *block = ossp_secure_alloc (sizeof (SecureBlock) + length);

  block->length = length;
  if (length > 0)
    memcpy (block->data, data, length);
  return g_bytes_new_with_free_func (block->data, length, secure_block_free, block);
}

static void
ossp_backup_entry_finalize (GObject *object)
{
  OsspBackupEntry *self = OSSP_BACKUP_ENTRY (object);

  g_clear_pointer (&self->data, g_bytes_unref);
  g_free (self->data_file);
  g_free (self->label);
  G_OBJECT_CLASS (ossp_backup_entry_parent_class)->finalize (object);
}

static void
ossp_backup_entry_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  OsspBackupEntry *self = OSSP_BACKUP_ENTRY (object);

  switch (prop_id)
    {
    case PROP_OFFSET:
      g_value_set_uint (value, self->offset);
      break;
    case PROP_DATA:
      g_value_set_boxed (value, self->data);
      break;
    case PROP_DATA_FILE:
      g_value_set_string (value, self->data_file);
      break;
    case PROP_LENGTH:
      g_value_set_uint (value, (guint) ossp_backup_entry_get_length (self));
      break;
    case PROP_WRAP:
      g_value_set_boolean (value, self->wrap);
      break;
    case PROP_CPU:
      g_value_set_uint (value, self->cpu);
      break;
    case PROP_LABEL:
      g_value_set_string (value, self->label);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ossp_backup_entry_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  OsspBackupEntry *self = OSSP_BACKUP_ENTRY (object);

  switch (prop_id)
    {
    case PROP_OFFSET:
      self->offset = g_value_get_uint (value);
      break;
    case PROP_DATA:
      g_clear_pointer (&self->data, g_bytes_unref);
      self->data = g_value_dup_boxed (value);
      break;
    case PROP_DATA_FILE:
      g_free (self->data_file);
      self->data_file = g_value_dup_string (value);
      break;
    case PROP_WRAP:
      self->wrap = g_value_get_boolean (value);
      break;
    case PROP_CPU:
      self->cpu = g_value_get_uint (value);
      break;
    case PROP_LABEL:
      g_free (self->label);
      /* an empty label is no label */
      self->label = g_value_get_string (value) && *g_value_get_string (value)
                    ? g_value_dup_string (value) : NULL;
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ossp_backup_entry_class_init (OsspBackupEntryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ctor = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = ossp_backup_entry_finalize;
  object_class->get_property = ossp_backup_entry_get_property;
  object_class->set_property = ossp_backup_entry_set_property;

  properties[PROP_OFFSET] = g_param_spec_uint ("offset", NULL, NULL, 0, G_MAXUINT32, 0, ctor);
  properties[PROP_DATA] = g_param_spec_boxed ("data", NULL, NULL, G_TYPE_BYTES, ctor);
  properties[PROP_DATA_FILE] = g_param_spec_string ("data-file", NULL, NULL, NULL, ctor);
  properties[PROP_LENGTH] = g_param_spec_uint ("length", NULL, NULL, 0, G_MAXUINT, 0,
                                               G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_WRAP] = g_param_spec_boolean ("wrap", NULL, NULL, FALSE, ctor);
  /* a plain number, not the enum: an entry read from a file may carry
   * an undefined CPU code, which validation must see to report it */
  properties[PROP_CPU] = g_param_spec_uint ("cpu", NULL, NULL, 0, G_MAXUINT, 0, ctor);
  properties[PROP_LABEL] = g_param_spec_string ("label", NULL, NULL, NULL, ctor);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ossp_backup_entry_init (OsspBackupEntry *self)
{
}

OsspBackupEntry *
ossp_backup_entry_new_with_file (guint32            offset,
                                 GBytes            *data,
                                 const char        *data_file,
                                 gboolean           wrap,
                                 OsspBackupWrapCpu  cpu,
                                 const char        *label)
{
  g_autoptr(GBytes) empty = NULL;

  if (data == NULL)
    data = empty = g_bytes_new_static ("", 0);
  return g_object_new (OSSP_TYPE_BACKUP_ENTRY,
                       "offset", offset,
                       "data", data,
                       "data-file", data_file,
                       "wrap", wrap,
                       "cpu", cpu,
                       "label", label,
                       NULL);
}

OsspBackupEntry *
ossp_backup_entry_new (guint32            offset,
                       GBytes            *data,
                       gboolean           wrap,
                       OsspBackupWrapCpu  cpu,
                       const char        *label)
{
  return ossp_backup_entry_new_with_file (offset, data, NULL, wrap, cpu, label);
}

guint32 ossp_backup_entry_get_offset (OsspBackupEntry *self) { return self->offset; }
GBytes *ossp_backup_entry_get_data (OsspBackupEntry *self) { return self->data; }
gsize ossp_backup_entry_get_length (OsspBackupEntry *self) { return g_bytes_get_size (self->data); }
gboolean ossp_backup_entry_get_wrap (OsspBackupEntry *self) { return self->wrap; }
OsspBackupWrapCpu ossp_backup_entry_get_cpu (OsspBackupEntry *self) { return self->cpu; }
const char *ossp_backup_entry_get_label (OsspBackupEntry *self) { return self->label; }
const char *ossp_backup_entry_get_data_file (OsspBackupEntry *self) { return self->data_file; }

guint64
ossp_backup_entry_get_end (OsspBackupEntry *self)
{
  return (guint64) self->offset + g_bytes_get_size (self->data);
}

guint32
ossp_backup_entry_get_flags (OsspBackupEntry *self)
{
  return (self->wrap ? OSSP_BACKUP_FLAG_WRAP : 0) |
         (((guint32) self->cpu << OSSP_BACKUP_FLAG_CPU_SHIFT) & OSSP_BACKUP_FLAG_CPU_MASK);
}

gboolean
ossp_backup_length_can_wrap (gsize length)
{
  return length == 16 || length == 32;
}

const char *
ossp_backup_wrap_cpu_to_string (OsspBackupWrapCpu cpu)
{
  switch (cpu)
    {
    case OSSP_BACKUP_WRAP_CPU_NONE: return "none";
    case OSSP_BACKUP_WRAP_CPU_A35_TDCID1: return "a35";
    case OSSP_BACKUP_WRAP_CPU_M33_TDCID2: return "m33";
    default: return "invalid";
    }
}

const char *
ossp_backup_wrap_cpu_describe (OsspBackupWrapCpu cpu)
{
  switch (cpu)
    {
    case OSSP_BACKUP_WRAP_CPU_NONE: return "not wrapped";
    case OSSP_BACKUP_WRAP_CPU_A35_TDCID1: return "Cortex-A35 HUK (TDCID1)";
    case OSSP_BACKUP_WRAP_CPU_M33_TDCID2: return "Cortex-M33 HUK (TDCID2)";
    default: return "invalid CPU";
    }
}

gboolean
ossp_backup_wrap_cpu_from_string (const char        *text,
                                  OsspBackupWrapCpu *out_cpu)
{
  static const struct { const char *name; OsspBackupWrapCpu cpu; } names[] = {
    { "none", OSSP_BACKUP_WRAP_CPU_NONE },
    { "a35", OSSP_BACKUP_WRAP_CPU_A35_TDCID1 },
    { "cortex-a35", OSSP_BACKUP_WRAP_CPU_A35_TDCID1 },
    { "tdcid1", OSSP_BACKUP_WRAP_CPU_A35_TDCID1 },
    { "m33", OSSP_BACKUP_WRAP_CPU_M33_TDCID2 },
    { "cortex-m33", OSSP_BACKUP_WRAP_CPU_M33_TDCID2 },
    { "tdcid2", OSSP_BACKUP_WRAP_CPU_M33_TDCID2 },
  };

  if (text == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_ascii_strcasecmp (text, names[i].name) == 0)
      {
        *out_cpu = names[i].cpu;
        return TRUE;
      }
  return FALSE;
}

GBytes *
ossp_backup_bytes_from_hex (const char  *hex,
                            GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  gsize len = 0;
  guint8 *raw = ossp_hex_decode (hex, &len, &local_error);
  GBytes *bytes;

  if (raw == NULL && local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  /* ossp_hex_decode gives NULL and no error for text without digits */
  bytes = ossp_backup_secure_bytes_new (raw, raw ? len : 0);
  if (raw != NULL)
    ossp_secure_free (raw, len);
  return bytes;
}
