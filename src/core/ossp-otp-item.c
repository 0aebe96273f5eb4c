/* ossp-otp-item.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ossp-otp-item.h"
#include "ossp-util.h"

struct _OsspOtpItem
{
  GObject           parent_instance;

  guint             word;
  guint32           value;
  OsspOtpItemFlags  flags;
  guint             format;
  char             *label;
  char             *name;
  char             *description;
};

G_DEFINE_FINAL_TYPE (OsspOtpItem, ossp_otp_item, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_WORD,
  PROP_VALUE,
  PROP_FLAGS,
  PROP_LOCK,
  PROP_FORMAT,
  PROP_LABEL,
  PROP_NAME,
  PROP_DESCRIPTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
ossp_otp_item_finalize (GObject *object)
{
  OsspOtpItem *self = OSSP_OTP_ITEM (object);

  /* the value is an OEM secret */
  ossp_secure_wipe (&self->value, sizeof self->value);
  g_free (self->label);
  g_free (self->name);
  g_free (self->description);
  G_OBJECT_CLASS (ossp_otp_item_parent_class)->finalize (object);
}

static void
ossp_otp_item_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  OsspOtpItem *self = OSSP_OTP_ITEM (object);

  switch (prop_id)
    {
    case PROP_WORD: g_value_set_uint (value, self->word); break;
    case PROP_VALUE: g_value_set_uint (value, self->value); break;
    case PROP_FLAGS: g_value_set_uint (value, self->flags); break;
    case PROP_LOCK: g_value_set_boolean (value, ossp_otp_item_get_lock (self)); break;
    case PROP_FORMAT: g_value_set_uint (value, self->format); break;
    case PROP_LABEL: g_value_set_string (value, self->label); break;
    case PROP_NAME: g_value_set_string (value, self->name); break;
    case PROP_DESCRIPTION: g_value_set_string (value, self->description); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ossp_otp_item_class_init (OsspOtpItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags f = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->finalize = ossp_otp_item_finalize;
  object_class->get_property = ossp_otp_item_get_property;

  properties[PROP_WORD] = g_param_spec_uint ("word", NULL, NULL, 0, G_MAXUINT, 0, f);
  properties[PROP_VALUE] = g_param_spec_uint ("value", NULL, NULL, 0, G_MAXUINT32, 0, f);
  properties[PROP_FLAGS] = g_param_spec_uint ("flags", NULL, NULL, 0, G_MAXUINT, 0, f);
  properties[PROP_LOCK] = g_param_spec_boolean ("lock", NULL, NULL, FALSE, f);
  properties[PROP_FORMAT] = g_param_spec_uint ("format", NULL, NULL, 0, 2, 0, f);
  properties[PROP_LABEL] = g_param_spec_string ("label", NULL, NULL, NULL, f);
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, f);
  properties[PROP_DESCRIPTION] = g_param_spec_string ("description", NULL, NULL, NULL, f);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ossp_otp_item_init (OsspOtpItem *self)
{
}

OsspOtpItem *
ossp_otp_item_new (guint             word,
                   guint32           value,
                   OsspOtpItemFlags  flags,
                   guint             format,
                   const char       *label,
                   const char       *name,
                   const char       *description)
{
  OsspOtpItem *self = g_object_new (OSSP_TYPE_OTP_ITEM, NULL);

  g_return_val_if_fail (format <= OSSP_WORD_FORMAT_2, self);
  self->word = word;
  self->value = value;
  self->flags = flags & OSSP_OTP_ITEM_FLAGS_ALL;
  self->format = format;
  self->label = (label && *label) ? g_strdup (label) : NULL;
  self->name = g_strdup (name);
  self->description = (description && *description) ? g_strdup (description) : NULL;
  return self;
}

guint ossp_otp_item_get_word (OsspOtpItem *self) { return self->word; }
guint32 ossp_otp_item_get_value (OsspOtpItem *self) { return self->value; }
OsspOtpItemFlags ossp_otp_item_get_flags (OsspOtpItem *self) { return self->flags; }
gboolean ossp_otp_item_get_lock (OsspOtpItem *self) { return (self->flags & OSSP_OTP_ITEM_FLAG_LOCK) != 0; }
guint ossp_otp_item_get_format (OsspOtpItem *self) { return self->format; }
const char *ossp_otp_item_get_label (OsspOtpItem *self) { return self->label; }
const char *ossp_otp_item_get_name (OsspOtpItem *self) { return self->name; }
const char *ossp_otp_item_get_description (OsspOtpItem *self) { return self->description; }

char *
ossp_otp_format_value (guint32  value,
                       gboolean show_secrets)
{
  if (!show_secrets && value != 0)
    return g_strdup ("0x********");
  return g_strdup_printf ("0x%08X", value);
}

char *
ossp_otp_item_format_value (OsspOtpItem *self,
                            gboolean     show_secrets)
{
  return ossp_otp_format_value (self->value, show_secrets);
}
