/* ossp-util.h — files, hex, OTP word packing and secret buffers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  OSSP_WRITE_FLAGS_NONE      = 0,
  OSSP_WRITE_FLAGS_SECRET    = 1 << 0, /* mode 0600 instead of 0644 */
  OSSP_WRITE_FLAGS_OVERWRITE = 1 << 1, /* replace an existing file (--force) */
} OsspWriteFlags;

gboolean  ossp_file_write_atomic  (const char     *path,
                                   const guint8   *data,
                                   gsize           len,
                                   OsspWriteFlags  flags,
                                   GError        **error);
guint8   *ossp_file_read          (const char     *path,
                                   gsize           max_len,
                                   gsize          *out_len,
                                   GError        **error);
GBytes   *ossp_file_read_bytes    (const char     *path,
                                   gsize           max_len,
                                   GError        **error);
gboolean  ossp_file_check_writable (const char    *path,
                                   OsspWriteFlags  flags,
                                   GError        **error);

char     *ossp_hex_encode         (const guint8   *data,
                                   gsize           len);
guint8   *ossp_hex_decode         (const char     *hex,
                                   gsize          *out_len,
                                   GError        **error);
gboolean  ossp_parse_u32          (const char     *text,
                                   guint32        *out_value,
                                   GError        **error);

/* OTP word packing (keys.md §6): format 1 = big-endian per 4-byte group
 * (hashes, EDMK), format 2 = little-endian (bytes as they are in memory). */
typedef enum {
  OSSP_WORD_FORMAT_1 = 1,
  OSSP_WORD_FORMAT_2 = 2,
} OsspWordFormat;

void      ossp_bytes_to_words     (const guint8   *data,
                                   gsize           len,
                                   OsspWordFormat  format,
                                   guint32        *out_words);
void      ossp_words_to_bytes     (const guint32  *words,
                                   gsize           n_words,
                                   OsspWordFormat  format,
                                   guint8         *out_data);

static inline void
ossp_write_le32 (guint8 *p, guint32 v)
{
  p[0] = v & 0xff; p[1] = (v >> 8) & 0xff; p[2] = (v >> 16) & 0xff; p[3] = (v >> 24) & 0xff;
}
static inline guint32
ossp_read_le32 (const guint8 *p)
{
  return (guint32) p[0] | ((guint32) p[1] << 8) | ((guint32) p[2] << 16) | ((guint32) p[3] << 24);
}
static inline void
ossp_write_le16 (guint8 *p, guint16 v)
{
  p[0] = v & 0xff; p[1] = (v >> 8) & 0xff;
}
static inline guint16
ossp_read_le16 (const guint8 *p)
{
  return (guint16) (p[0] | (p[1] << 8));
}
static inline void
ossp_write_be32 (guint8 *p, guint32 v)
{
  p[0] = (v >> 24) & 0xff; p[1] = (v >> 16) & 0xff; p[2] = (v >> 8) & 0xff; p[3] = v & 0xff;
}
static inline guint32
ossp_read_be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | (guint32) p[3];
}

/* Secret memory: wiped on free, kept out of core dumps where the OS allows.
 * A test hook sees every wipe so tests can prove secrets were cleared
 * without reading freed memory. */
void      ossp_secure_wipe        (gpointer        data,
                                   gsize           len);
gpointer  ossp_secure_alloc       (gsize           len);
void      ossp_secure_free        (gpointer        data,
                                   gsize           len);
char     *ossp_secure_strdup      (const char     *str);
void      ossp_secure_strfree     (char           *str);

typedef void (*OsspWipeHook) (gconstpointer data, gsize len, gpointer user_data);
void      ossp_secure_set_wipe_hook (OsspWipeHook  hook,
                                   gpointer        user_data);
/* Tests only: sees each buffer just before it is zeroed, so that a test can
 * tell which wiped buffers held a known secret (the hook above, called after
 * the zeroing, proves it was cleared). */
void      ossp_secure_set_prewipe_hook (OsspWipeHook hook,
                                   gpointer        user_data);

/* A password or key held in wiped memory; autoptr-friendly. */
typedef struct {
  guint8 *data;
  gsize   len;
} OsspSecret;

OsspSecret *ossp_secret_new       (gsize           len);
OsspSecret *ossp_secret_new_from_data (const guint8 *data,
                                   gsize           len);
OsspSecret *ossp_secret_new_from_file (const char  *path,
                                   gsize           expected_len,
                                   GError        **error);
void        ossp_secret_free      (OsspSecret     *secret);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OsspSecret, ossp_secret_free)

G_END_DECLS
