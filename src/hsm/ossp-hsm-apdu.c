/* ossp-hsm-apdu.c — host-side APDU encoding and response parsing
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "ossp-hsm-apdu.h"

GBytes *
ossp_hsm_apdu_build (guint8        cla,
                     guint8        ins,
                     guint8        p1,
                     guint8        p2,
                     const guint8 *data,
                     gsize         len,
                     gint          le)
{
  gboolean extended = len > 255 || le > 256;
  GByteArray *a = g_byte_array_sized_new (4 + 3 + len + 3);
  guint8 header[4] = { cla, ins, p1, p2 };

  g_return_val_if_fail (len <= 65535 && le <= 65536, NULL);
  g_byte_array_append (a, header, 4);
  if (len > 0)
    {
      if (extended)
        {
          guint8 lc[3] = { 0, (guint8) (len >> 8), (guint8) len };
          g_byte_array_append (a, lc, 3);
        }
      else
        {
          guint8 lc = (guint8) len;
          g_byte_array_append (a, &lc, 1);
        }
      g_byte_array_append (a, data, (guint) len);
    }
  if (le >= 0)
    {
      if (extended)
        {
          /* extended Le: 2 bytes after an extended Lc, 3 (00 ‖ 2) without one */
          guint8 le3[3] = { 0, (guint8) ((le >> 8) & 0xff), (guint8) (le & 0xff) };
          if (len > 0)
            g_byte_array_append (a, le3 + 1, 2);
          else
            g_byte_array_append (a, le3, 3);
        }
      else
        {
          guint8 le1 = (guint8) (le & 0xff);
          g_byte_array_append (a, &le1, 1);
        }
    }
  return g_byte_array_free_to_bytes (a);
}

GBytes *
ossp_hsm_apdu_build_select (void)
{
  return ossp_hsm_apdu_build (0x00, 0xA4, 0x04, 0x00, (const guint8 *) OSSP_HSM_APDU_AID,
                              strlen (OSSP_HSM_APDU_AID), -1);
}

GBytes *
ossp_hsm_apdu_build_get_data (guint8 p2)
{
  return ossp_hsm_apdu_build (0x00, 0xCA, 0x01, p2, NULL, 0, 256);
}

GBytes *
ossp_hsm_apdu_build_put_perso (GBytes *blob)
{
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (blob, &len);
  return ossp_hsm_apdu_build (0x80, 0xDA, 0x00, 0x01, data, len, -1);
}

GBytes *
ossp_hsm_apdu_build_put_oem_key (const guint8 key[16],
                                 const guint8 nonce[16])
{
  guint8 *apdu = g_malloc (5 + 32);

  apdu[0] = 0x80; apdu[1] = 0xDA; apdu[2] = 0x00; apdu[3] = 0x02; apdu[4] = 32;
  memcpy (apdu + 5, key, 16);
  memcpy (apdu + 21, nonce, 16);
  return g_bytes_new_with_free_func (apdu, 5 + 32, (GDestroyNotify) g_free, apdu);
}

void
ossp_hsm_apdu_wipe_free (GBytes *apdu)
{
  gsize len = 0;
  gpointer data;

  if (apdu == NULL)
    return;
  data = (gpointer) g_bytes_get_data (apdu, &len);
  ossp_secure_wipe (data, len);
  g_bytes_unref (apdu);
}

GBytes *
ossp_hsm_apdu_build_put_config (const char  *firmware_id,
                                guint32      max_count,
                                guint32      license_type,
                                guint32      fsbl_min_version,
                                GError     **error)
{
  gsize n = firmware_id ? strlen (firmware_id) : 0;
  guint8 data[1 + OSSP_HSM_FIRMWARE_ID_MAX + 12];

  if (n == 0 || n > OSSP_HSM_FIRMWARE_ID_MAX)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "The firmware id must have 1 to %d characters", OSSP_HSM_FIRMWARE_ID_MAX);
      return NULL;
    }
  /* fw id len(1) ‖ fw id ‖ max counter u32 ‖ license type u32 ‖ fsbl_min_version u32, big-endian */
  data[0] = (guint8) n;
  memcpy (data + 1, firmware_id, n);
  ossp_write_be32 (data + 1 + n, max_count);
  ossp_write_be32 (data + 5 + n, license_type);
  ossp_write_be32 (data + 9 + n, fsbl_min_version);
  return ossp_hsm_apdu_build (0x80, 0xDA, 0x00, 0x03, data, 13 + n, -1);
}

GBytes *
ossp_hsm_apdu_build_lock (void)
{
  return ossp_hsm_apdu_build (0x80, 0x44, 0x00, 0x00, NULL, 0, -1);
}

GBytes *
ossp_hsm_apdu_build_get_license (GBytes  *certificate,
                                 GError **error)
{
  gsize len = 0;
  const guint8 *data = certificate ? g_bytes_get_data (certificate, &len) : NULL;

  if (len != OSSP_CHIP_CERTIFICATE_SIZE)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "A chip certificate has exactly %d bytes, not %" G_GSIZE_FORMAT,
                   OSSP_CHIP_CERTIFICATE_SIZE, len);
      return NULL;
    }
  return ossp_hsm_apdu_build (0x80, 0x4C, 0x00, 0x00, data, len, OSSP_LICENSE_SIZE);
}

GBytes *
ossp_hsm_apdu_build_get_st_pubkey (guint8 key_id)
{
  return ossp_hsm_apdu_build (0x80, 0x4D, 0x00, key_id, NULL, 0, 64);
}

gboolean
ossp_hsm_apdu_split_response (const guint8  *response,
                              gsize          len,
                              const guint8 **data,
                              gsize         *data_len,
                              guint16       *sw,
                              GError       **error)
{
  if (response == NULL || len < 2)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_PROTOCOL,
                   "The card answered with %" G_GSIZE_FORMAT " byte%s; every answer ends with a "
                   "2-byte status word", len, len == 1 ? "" : "s");
      return FALSE;
    }
  *data = response;
  *data_len = len - 2;
  *sw = (guint16) ((response[len - 2] << 8) | response[len - 1]);
  return TRUE;
}

static gboolean
printable (const guint8 *p,
           gsize         n)
{
  for (gsize i = 0; i < n; i++)
    if (p[i] < 0x20 || p[i] > 0x7e)
      return FALSE;
  return TRUE;
}

gboolean
ossp_hsm_apdu_parse_info (const guint8  *data,
                          gsize          len,
                          OsspHsmInfo   *info,
                          GError       **error)
{
  gboolean have_serial = FALSE, have_state = FALSE;
  gsize i = 0;

  while (i < len)
    {
      guint8 tag, n;
      const guint8 *v;

      if (len - i < 2 || (gsize) data[i + 1] > len - i - 2)
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_PROTOCOL,
                       "The HSM's info record is cut short at byte %" G_GSIZE_FORMAT, i);
          return FALSE;
        }
      tag = data[i];
      n = data[i + 1];
      v = data + i + 2;
      switch (tag)
        {
        case 0x01:
          if (n != 3)
            goto bad;
          g_free (info->card_version);
          info->card_version = g_strdup_printf ("%u.%u.%u", v[0], v[1], v[2]);
          break;
        case 0x02:
          if (n != 8)
            goto bad;
          g_free (info->serial);
          info->serial = ossp_hex_encode (v, 8);
          have_serial = TRUE;
          break;
        case 0x03:
          if (n != 1 || v[0] > OSSP_HSM_STATE_LOCKED)
            goto bad;
          info->state = (OsspHsmState) v[0];
          have_state = TRUE;
          break;
        case 0x04:
          if (n > OSSP_HSM_FIRMWARE_ID_MAX || !printable (v, n))
            goto bad;
          g_free (info->firmware_id);
          info->firmware_id = n > 0 ? g_strndup ((const char *) v, n) : NULL;
          break;
        default:
          break;   /* newer cards may add tags */
        }
      i += 2 + (gsize) n;
      continue;
bad:
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_PROTOCOL,
                   "The HSM's info record has a malformed tag %02X (length %u)", tag, n);
      return FALSE;
    }
  if (!have_serial || !have_state)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_PROTOCOL,
                   "The HSM's info record lacks the %s", have_serial ? "state (tag 03)" : "serial (tag 02)");
      return FALSE;
    }
  return TRUE;
}

gboolean
ossp_hsm_apdu_parse_u32 (const guint8  *data,
                         gsize          len,
                         guint32       *value,
                         GError       **error)
{
  if (len != 4)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_PROTOCOL,
                   "The HSM sent a %" G_GSIZE_FORMAT "-byte counter; counters have 4 bytes", len);
      return FALSE;
    }
  *value = ossp_read_be32 (data);
  return TRUE;
}

GStrv
ossp_hsm_apdu_parse_product_ids (const guint8  *data,
                                 gsize          len,
                                 GError       **error)
{
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();

  if (len % OSSP_PRODUCT_ID_LEN != 0 || len > OSSP_PRODUCT_ID_LEN * OSSP_HSM_PERSO_MAX_ENTRIES)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_PROTOCOL,
                   "The HSM's product id list has %" G_GSIZE_FORMAT " bytes, not a multiple of 8", len);
      return NULL;
    }
  for (gsize i = 0; i < len; i += OSSP_PRODUCT_ID_LEN)
    {
      g_autofree char *id = g_strndup ((const char *) data + i, OSSP_PRODUCT_ID_LEN);
      if (strlen (id) != OSSP_PRODUCT_ID_LEN ||
          !ossp_chip_certificate_parse_product_id (id, NULL, NULL, NULL, NULL))
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_PROTOCOL,
                       "The HSM's product id list holds an entry that is not a product id");
          return NULL;
        }
      g_strv_builder_add (b, id);
    }
  return g_strv_builder_end (b);
}

GBytes *
ossp_hsm_apdu_parse_license (const guint8  *data,
                             gsize          len,
                             GError       **error)
{
  g_autoptr(OsspLicense) license = NULL;
  g_autoptr(GError) local_error = NULL;

  if (len != OSSP_LICENSE_SIZE)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_PROTOCOL,
                   "The HSM answered GET LICENSE with %" G_GSIZE_FORMAT " bytes; a license has %d",
                   len, OSSP_LICENSE_SIZE);
      return NULL;
    }
  license = ossp_license_parse (data, len, &local_error);
  if (license == NULL)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_PROTOCOL, "The HSM's license is malformed: %s",
                   local_error->message);
      return NULL;
    }
  return g_bytes_new (data, len);
}
