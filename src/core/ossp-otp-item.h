/* ossp-otp-item.h — one OTP word the SSP will burn (immutable list item)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* Per-word flags; bits 0..2 are the OSOT v1 entry flag bits
 * (payload.md §5.1); bit 3 of OSOT ("Format 2") comes from the item's
 * format instead. */
typedef enum {
  OSSP_OTP_ITEM_FLAG_NONE              = 0,
  OSSP_OTP_ITEM_FLAG_LOCK              = 1 << 0, /* permanent lock after write */
  OSSP_OTP_ITEM_FLAG_STICKY_READ_LOCK  = 1 << 1, /* MP2: shadow-read lock until reset */
  OSSP_OTP_ITEM_FLAG_STICKY_WRITE_LOCK = 1 << 2, /* MP2: write lock until reset */
} OsspOtpItemFlags;

#define OSSP_OTP_ITEM_FLAGS_ALL (OSSP_OTP_ITEM_FLAG_LOCK | OSSP_OTP_ITEM_FLAG_STICKY_READ_LOCK | \
                                 OSSP_OTP_ITEM_FLAG_STICKY_WRITE_LOCK)

#define OSSP_TYPE_OTP_ITEM (ossp_otp_item_get_type ())
G_DECLARE_FINAL_TYPE (OsspOtpItem, ossp_otp_item, OSSP, OTP_ITEM, GObject)

/* Items are immutable: OsspOtpSecret replaces an item to change it, so a
 * GListModel "items-changed" is the only change signal anyone needs.
 * @format: 0 = a plain 32-bit word, 1 or 2 = one word of a multi-byte value
 * laid out in OTP word format 1/2 (keys.md §6). @name/@description come
 * from the chip map (NULL when the word is not named there). */
OsspOtpItem      *ossp_otp_item_new             (guint             word,
                                                 guint32           value,
                                                 OsspOtpItemFlags  flags,
                                                 guint             format,
                                                 const char       *label,
                                                 const char       *name,
                                                 const char       *description);

guint             ossp_otp_item_get_word        (OsspOtpItem      *self);
guint32           ossp_otp_item_get_value       (OsspOtpItem      *self);
OsspOtpItemFlags  ossp_otp_item_get_flags       (OsspOtpItem      *self);
gboolean          ossp_otp_item_get_lock        (OsspOtpItem      *self);
guint             ossp_otp_item_get_format      (OsspOtpItem      *self);
const char       *ossp_otp_item_get_label       (OsspOtpItem      *self);
const char       *ossp_otp_item_get_name        (OsspOtpItem      *self);
const char       *ossp_otp_item_get_description (OsspOtpItem      *self);

/* "0x12345678", or "0x********" for a non-zero value when !@show_secrets
 * (zero stays visible: on MP1 it means "skipped"). */
char             *ossp_otp_item_format_value    (OsspOtpItem      *self,
                                                 gboolean          show_secrets);
char             *ossp_otp_format_value         (guint32           value,
                                                 gboolean          show_secrets);

G_END_DECLS
