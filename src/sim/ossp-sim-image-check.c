/* ossp-sim-image-check.c — STM32 header checks of the simulated BootROM
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <openssp.h>

#include "ossp-sim-chip-crypto.h"
#include "ossp-sim-image-check.h"

#define V1_HEADER_SIZE   0x100
#define V2_BASE_SIZE     0x80
#define EXT_AUTH         0x02005453u
#define EXT_DECRYPT      0x01005453u
#define EXT_PADDING      0xFFFF5453u
#define EXT_FLAGS_VALID  0x80000003u

static gboolean
fail (GError    **error,
      int         code,
      const char *format,
      ...) G_GNUC_PRINTF (3, 4);

static gboolean
fail (GError    **error,
      int         code,
      const char *format,
      ...)
{
  va_list args;
  g_autofree char *msg = NULL;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, OSSP_ERROR, code, msg);
  return FALSE;
}

static gboolean
parse_extensions (const guint8      *data,
                  gsize              ext_end,
                  OsspSimImageInfo  *info,
                  GError           **error)
{
  gsize off = V2_BASE_SIZE;

  while (off < ext_end)
    {
      guint32 type, len;

      if (ext_end - off < 8)
        return fail (error, OSSP_ERROR_INVALID_DATA,
                     "FSBL header: truncated extension header at 0x%zX", off);
      type = ossp_read_le32 (data + off);
      len = ossp_read_le32 (data + off + 4);
      if (len < 8 || len > ext_end - off)
        return fail (error, OSSP_ERROR_INVALID_DATA,
                     "FSBL header: extension at 0x%zX has a bad length %u", off, len);
      if (type == EXT_AUTH)
        {
          const guint8 *p = data + off + 8;
          if (len < 8 + 12 + 64)
            return fail (error, OSSP_ERROR_INVALID_DATA, "FSBL header: authentication extension too short");
          info->has_auth_extension = TRUE;
          info->pk_idx = ossp_read_le32 (p);
          info->nb_pk = ossp_read_le32 (p + 4);
          info->algo = ossp_read_le32 (p + 8);
          memcpy (info->pubkey, p + 12, 64);
          if (info->nb_pk == 0 || info->nb_pk > OSSP_SIM_IMAGE_MAX_KEYS ||
              info->pk_idx >= info->nb_pk || len < 8 + 12 + 64 + 32 * info->nb_pk)
            return fail (error, OSSP_ERROR_INVALID_DATA,
                         "FSBL header: authentication extension has %u key hashes, index %u, length %u",
                         info->nb_pk, info->pk_idx, len);
          for (guint i = 0; i < info->nb_pk; i++)
            memcpy (info->pk_hashes[i], p + 12 + 64 + 32 * i, 32);
        }
      else if (type == EXT_DECRYPT)
        return fail (error, OSSP_ERROR_UNSUPPORTED,
                     "FSBL header: encrypted FSBLs are not supported by the simulated ROM");
      else if (type != EXT_PADDING)
        return fail (error, OSSP_ERROR_INVALID_DATA,
                     "FSBL header: unknown extension type 0x%08X at 0x%zX", type, off);
      off += len;
    }
  return TRUE;
}

gboolean
ossp_sim_image_parse (const guint8      *data,
                      gsize              len,
                      guint32            want_version,
                      OsspSimImageInfo  *info,
                      GError           **error)
{
  guint32 checksum = 0;
  gsize header_size;

  memset (info, 0, sizeof *info);
  if (len < V2_BASE_SIZE || memcmp (data, "STM2", 4) != 0)
    return fail (error, OSSP_ERROR_INVALID_DATA, "FSBL image: no \"STM2\" magic (not an .stm32 file)");
  info->header_version = ossp_read_le32 (data + 0x48);
  if (info->header_version != want_version)
    return fail (error, OSSP_ERROR_INVALID_DATA,
                 "FSBL image: header version 0x%08X, this chip needs 0x%08X",
                 info->header_version, want_version);
  info->image_length = ossp_read_le32 (data + 0x4C);
  info->entry_point = ossp_read_le32 (data + 0x50);
  info->image_version = ossp_read_le32 (data + 0x60);

  if ((want_version >> 16) == 1)
    {
      if (len < V1_HEADER_SIZE)
        return fail (error, OSSP_ERROR_INVALID_DATA, "FSBL image: shorter than its 256-byte header");
      header_size = V1_HEADER_SIZE;
      info->auth_requested = (ossp_read_le32 (data + 0x64) & 1) == 0;
      info->algo = ossp_read_le32 (data + 0x68);
      memcpy (info->pubkey, data + 0x6C, 64);
    }
  else
    {
      guint32 flags = ossp_read_le32 (data + 0x64);
      guint32 ext_len = ossp_read_le32 (data + 0x68);

      if ((flags & ~EXT_FLAGS_VALID) != 0)
        return fail (error, OSSP_ERROR_INVALID_DATA, "FSBL header: extension flags 0x%08X", flags);
      if (ext_len > len - V2_BASE_SIZE)
        return fail (error, OSSP_ERROR_INVALID_DATA,
                     "FSBL header: extension length %u runs past the file", ext_len);
      header_size = V2_BASE_SIZE + ext_len;
      info->auth_requested = (flags & 1) != 0;
      if (!parse_extensions (data, header_size, info, error))
        return FALSE;
      if (info->auth_requested && !info->has_auth_extension)
        return fail (error, OSSP_ERROR_INVALID_DATA,
                     "FSBL header: authentication flag set but no authentication extension");
    }
  info->payload_offset = header_size;
  if ((guint64) header_size + info->image_length != len)
    return fail (error, OSSP_ERROR_INVALID_DATA,
                 "FSBL image: header says %u payload bytes, the download holds %zu",
                 info->image_length, len - header_size);
  for (gsize i = header_size; i < len; i++)
    checksum += data[i];
  if (checksum != ossp_read_le32 (data + 0x44))
    return fail (error, OSSP_ERROR_VERIFY_FAILED,
                 "FSBL image: checksum 0x%08X, header says 0x%08X",
                 checksum, ossp_read_le32 (data + 0x44));
  return TRUE;
}

gboolean
ossp_sim_image_authenticate (const guint8           *data,
                             gsize                   len,
                             const OsspSimImageInfo *info,
                             const guint8            otp_hash[32],
                             GError                **error)
{
  guint8 digest[32];

  if (info->algo != 1)
    return fail (error, OSSP_ERROR_UNSUPPORTED,
                 "FSBL image: signature algorithm %u; the simulated ROM verifies P-256 (1) only",
                 info->algo);
  if ((info->header_version >> 16) == 1)
    {
      ossp_sim_sha256 (info->pubkey, 64, digest);
      if (memcmp (digest, otp_hash, 32) != 0)
        return fail (error, OSSP_ERROR_VERIFY_FAILED,
                     "FSBL image: SHA-256 of the header public key does not match the PKH in OTP");
    }
  else
    {
      guint8 key_hash_input[68];

      if (!info->has_auth_extension)
        return fail (error, OSSP_ERROR_VERIFY_FAILED,
                     "FSBL image: not signed (no authentication extension) on a closed chip");
      ossp_sim_sha256 (info->pk_hashes, 32 * info->nb_pk, digest);
      if (memcmp (digest, otp_hash, 32) != 0)
        return fail (error, OSSP_ERROR_VERIFY_FAILED,
                     "FSBL image: the key-hash table does not match the PKHTH in OTP");
      ossp_write_le32 (key_hash_input, info->algo);
      memcpy (key_hash_input + 4, info->pubkey, 64);
      ossp_sim_sha256 (key_hash_input, sizeof key_hash_input, digest);
      if (memcmp (digest, info->pk_hashes[info->pk_idx], 32) != 0)
        return fail (error, OSSP_ERROR_VERIFY_FAILED,
                     "FSBL image: key hash %u of the table is not the hash of the header key",
                     info->pk_idx);
    }
  /* signed range: header_version up to the end of the payload */
  ossp_sim_sha256 (data + 0x48, len - 0x48, digest);
  if (!ossp_sim_p256_verify (info->pubkey, digest, data + 4))
    return fail (error, OSSP_ERROR_VERIFY_FAILED, "FSBL image: the ECDSA signature does not verify");
  return TRUE;
}
