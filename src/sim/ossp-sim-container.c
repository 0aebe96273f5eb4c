/* ossp-sim-container.c — parse and decrypt the MP25 payload (payload.md §4, §5)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <openssp.h>

#include "ossp-sim-chip-crypto.h"
#include "ossp-sim-container.h"

static gboolean
bad (GError    **error,
     const char *format,
     ...) G_GNUC_PRINTF (2, 3);

static gboolean
bad (GError    **error,
     const char *format,
     ...)
{
  va_list args;
  g_autofree char *msg = NULL;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA, msg);
  return FALSE;
}

gboolean
ossp_sim_container_parse (const guint8      *data,
                          gsize              len,
                          OsspSimContainer  *out,
                          GError           **error)
{
  guint32 count, total, table_end;
  guint8 digest[32];
  gboolean seen[5] = { FALSE };

  memset (out, 0, sizeof *out);
  if (len < OSSP_SIM_CONTAINER_HEADER_SIZE || memcmp (data, "OSSP", 4) != 0)
    return bad (error, "Payload: no \"OSSP\" container header");
  if (ossp_read_le16 (data + 4) != 1 || ossp_read_le16 (data + 6) != OSSP_SIM_CONTAINER_HEADER_SIZE)
    return bad (error, "Payload: container format %u / header size %u (want 1 / 64)",
                ossp_read_le16 (data + 4), ossp_read_le16 (data + 6));
  count = ossp_read_le32 (data + 0x10);
  total = ossp_read_le32 (data + 0x14);
  if (count == 0 || count > OSSP_SIM_CONTAINER_MAX_SECTIONS)
    return bad (error, "Payload: %u sections (1..%d allowed)", count, OSSP_SIM_CONTAINER_MAX_SECTIONS);
  table_end = OSSP_SIM_CONTAINER_HEADER_SIZE + 16 * count;
  if (total < table_end || total > len)
    return bad (error, "Payload: total size %u does not fit the %zu bytes received", total, len);
  if (ossp_read_le32 (data + 0x1C) != 0)
    return bad (error, "Payload: reserved header field is not zero");
  ossp_sim_sha256 (data + OSSP_SIM_CONTAINER_HEADER_SIZE, total - OSSP_SIM_CONTAINER_HEADER_SIZE, digest);
  if (memcmp (digest, data + 0x20, 32) != 0)
    return bad (error, "Payload: container SHA-256 mismatch (corrupted in transit?)");

  out->data = data;
  out->total_size = total;
  out->dev_id = ossp_read_le32 (data + 0x08);
  out->flags = ossp_read_le32 (data + 0x0C);
  out->n_sections = count;
  for (guint i = 0; i < count; i++)
    {
      const guint8 *e = data + OSSP_SIM_CONTAINER_HEADER_SIZE + 16 * i;
      OsspSimSection *s = &out->sections[i];

      s->type = ossp_read_le32 (e);
      s->offset = ossp_read_le32 (e + 4);
      s->length = ossp_read_le32 (e + 8);
      s->base = ossp_read_le32 (e + 12);
      s->entry = e;
      if (s->type < 1 || s->type > 4 || seen[s->type])
        return bad (error, "Payload: section %u has type %u (unknown or repeated)", i, s->type);
      seen[s->type] = TRUE;
      /* the fourth word: reserved (0) for types 1 and 2, the base address for 3 and 4 */
      if ((s->type <= 2 && s->base != 0) || (s->offset & 3) != 0 || s->offset < table_end ||
          s->offset > total || s->length > total - s->offset)
        return bad (error, "Payload: section %u (offset %u, length %u) is outside the container",
                    i, s->offset, s->length);
    }
  return TRUE;
}

GBytes *
ossp_sim_container_decrypt (const OsspSimContainer *c,
                            guint                   index,
                            const guint8            key[16],
                            const guint8            iv[16],
                            GError                **error)
{
  const OsspSimSection *s;
  const guint8 *p;
  guint32 plain_len;
  guint8 nonce[12], aad[16 + 32];
  guint8 *plain;

  g_return_val_if_fail (index < c->n_sections, NULL);
  s = &c->sections[index];
  p = c->data + s->offset;
  if (s->length < 20)
    {
      bad (error, "Payload: section %u is shorter than its length and tag", index);
      return NULL;
    }
  plain_len = ossp_read_le32 (p);
  if (plain_len != s->length - 20)
    {
      bad (error, "Payload: section %u says %u plaintext bytes in %u", index, plain_len, s->length);
      return NULL;
    }
  /* payload.md §5.3: nonce = OEM nonce[0..7] ‖ LE32(section index),
   * AAD = table entry ‖ container header bytes 0x00..0x1F */
  memcpy (nonce, iv, 8);
  ossp_write_le32 (nonce + 8, index);
  memcpy (aad, s->entry, 16);
  memcpy (aad + 16, c->data, 32);
  plain = g_malloc0 (plain_len + 1);
  if (!ossp_sim_aes128_gcm_decrypt (key, nonce, aad, sizeof aad, p + 20, plain_len, p + 4, plain, error))
    {
      g_free (plain);
      g_prefix_error (error, "Payload section %u: ", index);
      return NULL;
    }
  return g_bytes_new_take (plain, plain_len);
}

GArray *
ossp_sim_osot_parse (const guint8  *data,
                     gsize          len,
                     guint          n_words,
                     GError       **error)
{
  g_autoptr(GArray) entries = g_array_new (FALSE, TRUE, sizeof (OsspSimOtpEntry));
  guint count;

  if (len < 8 || memcmp (data, "OSOT", 4) != 0 || ossp_read_le16 (data + 4) != 1)
    {
      bad (error, "OTP secrets: not an \"OSOT\" version 1 section");
      return NULL;
    }
  count = ossp_read_le16 (data + 6);
  if (len != 8 + 12 * (gsize) count)
    {
      bad (error, "OTP secrets: %u entries need %u bytes, the section holds %zu",
           count, 8 + 12 * count, len);
      return NULL;
    }
  for (guint i = 0; i < count; i++)
    {
      const guint8 *e = data + 8 + 12 * i;
      OsspSimOtpEntry entry = { ossp_read_le16 (e), ossp_read_le16 (e + 2), ossp_read_le32 (e + 4) };

      if (entry.word >= n_words || (entry.flags & ~0xFu) != 0 || ossp_read_le32 (e + 8) != 0)
        {
          bad (error, "OTP secrets: entry %u (word %u, flags 0x%X) is invalid", i, entry.word, entry.flags);
          return NULL;
        }
      if (i > 0 && entry.word <= g_array_index (entries, OsspSimOtpEntry, i - 1).word)
        {
          bad (error, "OTP secrets: entry %u (word %u) is not sorted or repeats a word", i, entry.word);
          return NULL;
        }
      g_array_append_val (entries, entry);
    }
  return g_steal_pointer (&entries);
}

GArray *
ossp_sim_osbk_parse (const guint8  *data,
                     gsize          len,
                     guint16        kind,
                     gsize          mem_size,
                     GError       **error)
{
  g_autoptr(GArray) entries = g_array_new (FALSE, TRUE, sizeof (OsspSimBackupEntry));
  guint32 count;
  gsize off = 16, end_prev = 0;

  if (len < 16 || memcmp (data, "OSBK", 4) != 0 || ossp_read_le16 (data + 4) != 1 ||
      ossp_read_le16 (data + 6) != kind || ossp_read_le32 (data + 12) != 0)
    {
      bad (error, "Backup memory: not an \"OSBK\" version 1 section of kind %u", kind);
      return NULL;
    }
  count = ossp_read_le32 (data + 8);
  for (guint32 i = 0; i < count; i++)
    {
      OsspSimBackupEntry e;
      guint32 cpu;

      if (len - off < 16)
        {
          bad (error, "Backup memory: entry %u is truncated", i);
          return NULL;
        }
      e.offset = ossp_read_le32 (data + off);
      e.length = ossp_read_le32 (data + off + 4);
      e.flags = ossp_read_le32 (data + off + 8);
      cpu = (e.flags >> 1) & 3;
      if (ossp_read_le32 (data + off + 12) != 0 || (e.offset & 3) || (e.length & 3) || e.length == 0 ||
          (e.flags & ~7u) != 0 || e.offset > mem_size || e.length > mem_size - e.offset ||
          ((e.flags & 1) && (cpu == 0 || cpu == 3 || (e.length != 16 && e.length != 32))) ||
          (!(e.flags & 1) && cpu != 0) || (i > 0 && e.offset < end_prev) ||
          len - off - 16 < e.length)
        {
          bad (error, "Backup memory: entry %u (offset %u, length %u, flags 0x%X) is invalid",
               i, e.offset, e.length, e.flags);
          return NULL;
        }
      e.data = data + off + 16;
      end_prev = (gsize) e.offset + e.length;
      off += 16 + e.length;
      g_array_append_val (entries, e);
    }
  if (off != len)
    {
      bad (error, "Backup memory: %zu trailing bytes after the entries", len - off);
      return NULL;
    }
  return g_steal_pointer (&entries);
}
