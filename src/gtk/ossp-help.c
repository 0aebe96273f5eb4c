/* ossp-help.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ossp-help.h"

static const struct {
  const char *title;
  const char *text;
  const char *short_title;   /* for a labelled button */
} topics[OSSP_HELP_N_TOPICS] = {
  [OSSP_HELP_NONCE] = {
    N_("Nonce: 16 bytes, 12 used"),
    N_("The nonce file has 16 bytes because ST's tools write 16, but AES-GCM uses only the first "
       "12 (96 bits) as its nonce. Bytes 12 to 15 must be 00 00 00 00: the chip's ROM refuses "
       "anything else. Never use the same key and nonce for two different sets of secrets."),
  },
  [OSSP_HELP_WORD_FORMAT] = {
    N_("Word format 1 or 2"),
    N_("A key or hash longer than one OTP word is cut into 32-bit words. Format 1 reads each group "
       "of 4 bytes as a big-endian number (hashes such as the PKH, and the EDMK, as TF-A and U-Boot "
       "read them). Format 2 reads them little-endian, i.e. the bytes as they lie in memory. The "
       "chip map knows the format of each named key; the wrong one gives a key the software "
       "cannot use."),
  },
  [OSSP_HELP_WRAP_HUK] = {
    N_("Wrap with a hardware unique key"),
    N_("A 128- or 256-bit AES key placed in backup memory can be wrapped (encrypted) by the SSP "
       "firmware with the chip's hardware unique key (HUK) of the Cortex-A35 (TDCID1) or of the "
       "Cortex-M33 (TDCID2). Only that CPU's secure firmware can unwrap it, on this chip only: "
       "the key never sits in backup memory in clear. Choose the CPU whose secure firmware will "
       "use the key."),
  },
  [OSSP_HELP_PERSO_FILE] = {
    N_("Personalization file"),
    N_("ST's personalization data for one chip family and product ID, named like "
       "STM32MP1_<product id>_SSP_<version>_00000000.enc.bin. It is loaded into the HSM together "
       "with your AES key and nonce and the maximum number of licenses. Before issuing a license "
       "the HSM checks the chip's product ID against it, so a wrong file makes every license "
       "request fail. Programming the HSM cannot be undone."),
  },
  [OSSP_HELP_PKH_PKHTH] = {
    N_("PKH or PKHTH"),
    N_("The PKH (public key hash) is the SHA-256 of one public key. STM32MP15 has one OEM key, "
       "and its PKH is fused into OTP words 24 to 31. STM32MP13 and STM32MP25 accept up to 8 "
       "keys: the PKH of each goes into the signed image header, and only the hash of that table "
       "of 8 hashes, the PKHTH, is fused (MP13 words 24 to 31, MP25 words 144 to 151)."),
  },
  [OSSP_HELP_BOARD_ID_WORD] = {
    N_("Why the board-ID word stays 0 on ST boards"),
    N_("ST evaluation boards (DK, EV) leave the factory with their board ID already fused into "
       "an OTP word (STM32MP15 word 59, STM32MP13 word 60, STM32MP25 word 246). OTP bits can only "
       "go from 0 to 1, so writing a secret there fails on those boards. Keep the word at "
       "0x00000000: the SSP firmware skips zero words, and the board ID stays readable."),
    N_("Board ID"),
  },
  [OSSP_HELP_SECURE_CLOSED] = {
    N_("Secure closed"),
    N_("A secure-closed chip boots only firmware signed with the OEM key whose hash (PKH or "
       "PKHTH) is fused: authentication is mandatory. It is set by an OTP bit (STM32MP15 word 0 "
       "bit 6, STM32MP13 word 0 = 0x3F, STM32MP25 word 18 bits 3..0) and cannot be undone. Set "
       "it only on parts with the secure-boot option, and only after the key hash is fused; a "
       "closed chip can be reopened only through the RMA procedure, with its RMA password."),
    N_("Secure closed"),
  },
};

const char *
ossp_help_get_title (OsspHelpTopic topic)
{
  g_return_val_if_fail (topic < OSSP_HELP_N_TOPICS, NULL);
  return _(topics[topic].title);
}

const char *
ossp_help_get_text (OsspHelpTopic topic)
{
  g_return_val_if_fail (topic < OSSP_HELP_N_TOPICS, NULL);
  return _(topics[topic].text);
}

GtkWidget *
ossp_help_button_new (OsspHelpTopic topic)
{
  GtkWidget *button = gtk_menu_button_new ();
  GtkWidget *popover = gtk_popover_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *title = gtk_label_new (ossp_help_get_title (topic));
  GtkWidget *text = gtk_label_new (ossp_help_get_text (topic));
  g_autofree char *name = g_strdup_printf (_("Help: %s"), ossp_help_get_title (topic));

  gtk_widget_add_css_class (title, "heading");
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_wrap (GTK_LABEL (title), TRUE);
  gtk_label_set_xalign (GTK_LABEL (text), 0);
  gtk_label_set_wrap (GTK_LABEL (text), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (text), 48);
  gtk_widget_set_margin_start (box, 6);
  gtk_widget_set_margin_end (box, 6);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_box_append (GTK_BOX (box), title);
  gtk_box_append (GTK_BOX (box), text);
  gtk_popover_set_child (GTK_POPOVER (popover), box);

  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (button), "help-about-symbolic");
  gtk_menu_button_set_popover (GTK_MENU_BUTTON (button), popover);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_tooltip_text (button, ossp_help_get_title (topic));
  gtk_widget_set_name (button, "help-button");
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
  return button;
}

GtkWidget *
ossp_help_attach (GtkWidget     *widget,
                  OsspHelpTopic  topic)
{
  GtkWidget *button = ossp_help_button_new (topic);

  if (ADW_IS_ACTION_ROW (widget))
    adw_action_row_add_suffix (ADW_ACTION_ROW (widget), button);
  else if (ADW_IS_ENTRY_ROW (widget))
    adw_entry_row_add_suffix (ADW_ENTRY_ROW (widget), button);
  else if (ADW_IS_PREFERENCES_GROUP (widget))
    adw_preferences_group_set_header_suffix (ADW_PREFERENCES_GROUP (widget), button);
  else if (GTK_IS_BOX (widget))
    {
      if (topics[topic].short_title != NULL)
        {
          GtkWidget *content = adw_button_content_new ();
          adw_button_content_set_icon_name (ADW_BUTTON_CONTENT (content), "help-about-symbolic");
          adw_button_content_set_label (ADW_BUTTON_CONTENT (content), _(topics[topic].short_title));
          gtk_menu_button_set_child (GTK_MENU_BUTTON (button), content);
        }
      gtk_box_append (GTK_BOX (widget), button);
    }
  else
    g_return_val_if_reached (NULL);
  return button;
}
