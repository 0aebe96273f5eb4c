/* ossp-window.c — the main window: chip selector, one page per area
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ossp-window.h"
#include "ossp-payload-page.h"
#include "ossp-backup-page.h"
#include "ossp-otp-page.h"
#include "ossp-hsm-page.h"
#include "ossp-provision-page.h"
#include "ossp-gui-resources.h"
#include "ossp-image-page.h"
#include "ossp-keys-page.h"

struct _OsspWindow
{
  AdwApplicationWindow  parent_instance;

  AdwToastOverlay      *toast_overlay;
  AdwViewStack         *stack;
  GtkDropDown          *chip_dropdown;

  OsspChip             *chip;
};

G_DEFINE_FINAL_TYPE (OsspWindow, ossp_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_CHIP,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

void
ossp_gui_ensure_resources (void)
{
  static gsize once;

  if (g_once_init_enter (&once))
    {
      ossp_gui_register_resource ();
      g_once_init_leave (&once, 1);
    }
}

/* Each page is a widget with a "chip" property; the window keeps it in
 * sync with the header-bar selector. One line per page. */
static void
ossp_window_add_pages (OsspWindow *self)
{
  struct {
    GType (*get_type) (void);
    const char *name;
    const char *title;
    const char *icon;
  } pages[] = {
    /* in the order a set-up is made: keys, secrets, payload, then the factory */
    { ossp_keys_page_get_type, "keys", N_("Keys"), "dialog-password-symbolic" },
    { ossp_otp_page_get_type, "otp", N_("OTP secrets"), "security-high-symbolic" },
    { ossp_backup_page_get_type, "backup", N_("Backup memory"), "drive-harddisk-symbolic" },
    { ossp_payload_page_get_type, "payload", N_("Payload"), "channel-secure-symbolic" },
    { ossp_image_page_get_type, "image", N_("Image signing"), "document-edit-symbolic" },
    { ossp_hsm_page_get_type, "hsm", N_("HSM"), "auth-smartcard-symbolic" },
    { ossp_provision_page_get_type, "provision", N_("Provision"), "media-flash-symbolic" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      GtkWidget *page;
      if (pages[i].get_type == NULL)
        continue;
      page = g_object_new (pages[i].get_type (), NULL);
      g_object_bind_property (self, "chip", page, "chip", G_BINDING_SYNC_CREATE);
      adw_view_stack_add_titled_with_icon (self->stack, page, pages[i].name,
                                           g_dgettext (GETTEXT_PACKAGE, pages[i].title),
                                           pages[i].icon);
    }
}

static void
chip_selected_cb (OsspWindow *self)
{
  const char * const *ids = ossp_chip_list_ids ();
  guint pos = gtk_drop_down_get_selected (self->chip_dropdown);

  if (pos < g_strv_length ((char **) ids))
    ossp_window_set_chip_id (self, ids[pos]);
}

static void
ossp_window_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  OsspWindow *self = OSSP_WINDOW (object);

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
ossp_window_dispose (GObject *object)
{
  OsspWindow *self = OSSP_WINDOW (object);

  g_clear_object (&self->chip);
  G_OBJECT_CLASS (ossp_window_parent_class)->dispose (object);
}

static void
ossp_window_class_init (OsspWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  ossp_gui_ensure_resources ();

  object_class->get_property = ossp_window_get_property;
  object_class->dispose = ossp_window_dispose;

  properties[PROP_CHIP] = g_param_spec_object ("chip", NULL, NULL, OSSP_TYPE_CHIP,
                                               G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/openssp/OpenSSP/ui/ossp-window.ui");
  gtk_widget_class_bind_template_child (widget_class, OsspWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, OsspWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, OsspWindow, chip_dropdown);
  gtk_widget_class_bind_template_callback (widget_class, chip_selected_cb);
}

static void
ossp_window_init (OsspWindow *self)
{
  const char * const *ids = ossp_chip_list_ids ();
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);

  gtk_widget_init_template (GTK_WIDGET (self));

  for (guint i = 0; ids[i]; i++)
    {
      g_autofree char *upper = g_ascii_strup (ids[i], -1);
      gtk_string_list_append (names, upper);
    }
  gtk_drop_down_set_model (self->chip_dropdown, G_LIST_MODEL (names));
  /* MP15 first: the most common SSP target */
  ossp_window_set_chip_id (self, "stm32mp15");
  ossp_window_add_pages (self);
}

OsspWindow *
ossp_window_new (OsspApplication *application)
{
  return g_object_new (OSSP_TYPE_WINDOW, "application", application, NULL);
}

OsspChip *
ossp_window_get_chip (OsspWindow *self)
{
  return self->chip;
}

void
ossp_window_set_chip_id (OsspWindow *self,
                         const char *chip_id)
{
  const char * const *ids = ossp_chip_list_ids ();
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspChip) chip = NULL;

  if (self->chip && g_str_equal (ossp_chip_get_id (self->chip), chip_id))
    return;
  chip = ossp_chip_new (chip_id, &error);
  if (chip == NULL)
    {
      ossp_window_toast (self, error->message);
      return;
    }
  g_set_object (&self->chip, chip);
  for (guint i = 0; ids[i]; i++)
    if (g_str_equal (ids[i], ossp_chip_get_id (chip)) &&
        gtk_drop_down_get_selected (self->chip_dropdown) != i)
      gtk_drop_down_set_selected (self->chip_dropdown, i);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHIP]);
}

void
ossp_window_show_page (OsspWindow *self,
                       const char *name)
{
  adw_view_stack_set_visible_child_name (self->stack, name);
}

void
ossp_window_toast (OsspWindow *self,
                   const char *message)
{
  AdwToast *toast = adw_toast_new (message);
  adw_toast_set_timeout (toast, 6);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

void
ossp_widget_toast (GtkWidget  *widget,
                   const char *message)
{
  GtkWidget *window = gtk_widget_get_ancestor (widget, OSSP_TYPE_WINDOW);
  if (window != NULL)
    ossp_window_toast (OSSP_WINDOW (window), message);
  else
    g_warning ("%s", message);
}
