/* ossp-chip-certificate.c — parse, format, sign and check chip certificates
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "ossp-chip.h"
#include "ossp-error.h"
#include "ossp-p256.h"
#include "ossp-chip-certificate.h"

G_DEFINE_BOXED_TYPE (OsspChipCertificate, ossp_chip_certificate,
                     ossp_chip_certificate_copy, ossp_chip_certificate_free)

static gboolean
parse_hex_field (const char *p,
                 guint       n_digits,
                 guint      *out)
{
  guint v = 0;
  for (guint i = 0; i < n_digits; i++)
    {
      int d = g_ascii_xdigit_value (p[i]);
      if (d < 0)
        return FALSE;
      v = (v << 4) | (guint) d;
    }
  *out = v;
  return TRUE;
}

gboolean
ossp_chip_certificate_parse_product_id (const char  *product_id,
                                        guint16     *dev_id,
                                        guint8      *security_counter,
                                        guint8      *key_id,
                                        GError     **error)
{
  guint d = 0, c = 0, k = 0, rfu = 0;

  if (product_id == NULL || strlen (product_id) != OSSP_PRODUCT_ID_LEN ||
      !parse_hex_field (product_id, 3, &d) || !parse_hex_field (product_id + 3, 2, &c) ||
      !parse_hex_field (product_id + 5, 1, &rfu) || !parse_hex_field (product_id + 6, 2, &k))
    {
      g_autofree char *shown = product_id ? g_strescape (product_id, NULL) : g_strdup ("(none)");
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "\"%.40s\" is not a product id: expected 8 hex digits DDDCC0KK "
                   "(DEV_ID, security counter, 0, ST key id), e.g. 5000200A", shown);
      return FALSE;
    }
  if (dev_id)
    *dev_id = (guint16) d;
  if (security_counter)
    *security_counter = (guint8) c;
  if (key_id)
    *key_id = (guint8) k;
  return TRUE;
}

char *
ossp_chip_certificate_format_product_id (guint16 dev_id,
                                         guint8  security_counter,
                                         guint8  key_id)
{
  /* TF-A's itoa writes uppercase digits; byte 5 is the RFU '0' */
  return g_strdup_printf ("%03X%02X0%02X", dev_id & 0xfff, security_counter, key_id);
}

char *
ossp_chip_certificate_describe_product_id (const char *product_id)
{
  const char * const *ids = ossp_chip_list_ids ();
  const char *family = NULL;
  g_autofree char *family_owned = NULL;
  guint16 dev_id;
  guint8 counter, key_id;

  if (!ossp_chip_certificate_parse_product_id (product_id, &dev_id, &counter, &key_id, NULL))
    return g_strdup_printf ("%s (not a valid product id)", product_id ? product_id : "(none)");
  for (guint i = 0; ids[i] != NULL && family == NULL; i++)
    {
      g_autoptr(OsspChip) chip = ossp_chip_new (ids[i], NULL);
      if (chip != NULL && ossp_chip_get_dev_id (chip) == dev_id)
        family = family_owned = g_strdup (ossp_chip_get_name (chip));
    }
  return g_strdup_printf ("%s (DEV_ID 0x%03X), security counter 0x%02X, ST key id 0x%02X",
                          family ? family : "unknown chip", dev_id, counter, key_id);
}

OsspChipCertificate *
ossp_chip_certificate_new (guint16       dev_id,
                           guint8        security_counter,
                           guint8        key_id,
                           const guint8  chip_pubkey[64])
{
  OsspChipCertificate *self = g_new0 (OsspChipCertificate, 1);
  g_autofree char *id = ossp_chip_certificate_format_product_id (dev_id, security_counter, key_id);

  memcpy (self->product_id, id, OSSP_PRODUCT_ID_LEN);
  self->dev_id = dev_id & 0xfff;
  self->security_counter = security_counter;
  self->key_id = key_id;
  if (chip_pubkey)
    memcpy (self->chip_pubkey, chip_pubkey, 64);
  return self;
}

OsspChipCertificate *
ossp_chip_certificate_parse (const guint8  *data,
                             gsize          len,
                             GError       **error)
{
  g_autoptr(OsspChipCertificate) self = NULL;
  char id[OSSP_PRODUCT_ID_LEN + 1];

  if (data == NULL || len != OSSP_CHIP_CERTIFICATE_SIZE)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "A chip certificate has exactly %d bytes; this one has %" G_GSIZE_FORMAT
                   " (read it from the chip's SSP partition 0xF3 again)",
                   OSSP_CHIP_CERTIFICATE_SIZE, data ? len : 0);
      return NULL;
    }
  memcpy (id, data, OSSP_PRODUCT_ID_LEN);
  id[OSSP_PRODUCT_ID_LEN] = 0;
  self = g_new0 (OsspChipCertificate, 1);
  if (memchr (id, 0, OSSP_PRODUCT_ID_LEN) != NULL ||
      !ossp_chip_certificate_parse_product_id (id, &self->dev_id, &self->security_counter,
                                               &self->key_id, NULL))
    {
      g_autofree char *hex = g_strdup_printf ("%02x %02x %02x %02x %02x %02x %02x %02x",
                                              data[0], data[1], data[2], data[3],
                                              data[4], data[5], data[6], data[7]);
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "The chip certificate does not start with a product id (8 hex digits "
                   "DDDCC0KK) but with bytes %s; is this really a certificate?", hex);
      return NULL;
    }
  memcpy (self->product_id, id, sizeof id);
  memcpy (self->chip_pubkey, data + 8, 64);
  memcpy (self->signature, data + 72, 64);
  return g_steal_pointer (&self);
}

OsspChipCertificate *
ossp_chip_certificate_parse_bytes (GBytes  *bytes,
                                   GError **error)
{
  gsize len = 0;
  const guint8 *data = bytes ? g_bytes_get_data (bytes, &len) : NULL;
  return ossp_chip_certificate_parse (data, len, error);
}

void
ossp_chip_certificate_format (const OsspChipCertificate *self,
                              guint8                     out[OSSP_CHIP_CERTIFICATE_SIZE])
{
  memcpy (out, self->product_id, OSSP_PRODUCT_ID_LEN);
  memcpy (out + 8, self->chip_pubkey, 64);
  memcpy (out + 72, self->signature, 64);
}

GBytes *
ossp_chip_certificate_to_bytes (const OsspChipCertificate *self)
{
  guint8 *out = g_malloc (OSSP_CHIP_CERTIFICATE_SIZE);
  ossp_chip_certificate_format (self, out);
  return g_bytes_new_take (out, OSSP_CHIP_CERTIFICATE_SIZE);
}

OsspChipCertificate *
ossp_chip_certificate_copy (const OsspChipCertificate *self)
{
  return g_memdup2 (self, sizeof *self);
}

void
ossp_chip_certificate_free (OsspChipCertificate *self)
{
  g_free (self);
}

gboolean
ossp_chip_certificate_sign (OsspChipCertificate  *self,
                            const guint8          root_private[32],
                            GError              **error)
{
  guint8 buf[OSSP_CHIP_CERTIFICATE_SIZE];

  ossp_chip_certificate_format (self, buf);
  return ossp_p256_sign (root_private, buf, OSSP_CHIP_CERTIFICATE_SIGNED_SIZE, self->signature, error);
}

gboolean
ossp_chip_certificate_verify (const OsspChipCertificate  *self,
                              const guint8                root_public[64],
                              GError                    **error)
{
  guint8 buf[OSSP_CHIP_CERTIFICATE_SIZE];
  g_autoptr(GError) local_error = NULL;

  ossp_chip_certificate_format (self, buf);
  if (!ossp_p256_verify (root_public, buf, OSSP_CHIP_CERTIFICATE_SIGNED_SIZE, self->signature,
                         &local_error))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_VERIFY_FAILED,
                   "The certificate of chip %s is not signed by the root key of key id 0x%02X "
                   "(%s): not a genuine chip, or the wrong root key", self->product_id,
                   self->key_id, local_error->message);
      return FALSE;
    }
  return TRUE;
}
