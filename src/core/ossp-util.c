/* ossp-util.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gnutls/gnutls.h>

#include "ossp-error.h"
#include "ossp-util.h"

static int
errno_to_code (int saved_errno)
{
  switch (saved_errno)
    {
    case ENOENT: case ENOTDIR: return OSSP_ERROR_NOT_FOUND;
    case EEXIST: return OSSP_ERROR_EXISTS;
    case EACCES: case EPERM: case EROFS: return OSSP_ERROR_PERMISSION;
    default: return OSSP_ERROR_IO;
    }
}

gboolean
ossp_file_check_writable (const char     *path,
                          OsspWriteFlags  flags,
                          GError        **error)
{
  g_autofree char *dir = NULL;

  if (!(flags & OSSP_WRITE_FLAGS_OVERWRITE) && g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_EXISTS,
                   "%s already exists; it was left untouched (use --force to replace it)", path);
      return FALSE;
    }
  dir = g_path_get_dirname (path);
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_NOT_FOUND,
                   "Cannot write %s: folder %s does not exist", path, dir);
      return FALSE;
    }
  if (access (dir, W_OK) != 0)
    {
      int saved_errno = errno;
      g_set_error (error, OSSP_ERROR, errno_to_code (saved_errno),
                   "Cannot write into folder %s: %s", dir, g_strerror (saved_errno));
      return FALSE;
    }
  return TRUE;
}

/* Write to a temporary file in the same folder, fsync, then rename (or
 * link, when the target must not exist) so that a reader never sees half a
 * file and a crash never loses the old one. Secrets are 0600 from the first
 * byte: the mode is set before any data is written. */
gboolean
ossp_file_write_atomic (const char     *path,
                        const guint8   *data,
                        gsize           len,
                        OsspWriteFlags  flags,
                        GError        **error)
{
  g_autofree char *dir = NULL;
  g_autofree char *base = NULL;
  g_autofree char *tmpl = NULL;
  gsize done = 0;
  int fd;

  if (!ossp_file_check_writable (path, flags, error))
    return FALSE;

  dir = g_path_get_dirname (path);
  base = g_path_get_basename (path);
  tmpl = g_strdup_printf ("%s/.%s.XXXXXX", dir, base);
  fd = g_mkstemp_full (tmpl, O_RDWR | O_CLOEXEC, (flags & OSSP_WRITE_FLAGS_SECRET) ? 0600 : 0644);
  if (fd < 0)
    {
      int saved_errno = errno;
      g_set_error (error, OSSP_ERROR, errno_to_code (saved_errno),
                   "Cannot create a file in %s: %s", dir, g_strerror (saved_errno));
      return FALSE;
    }
  /* mkstemp ignores the umask-free mode on some libcs; be explicit */
  if (fchmod (fd, (flags & OSSP_WRITE_FLAGS_SECRET) ? 0600 : 0644) != 0)
    goto fail;

  while (done < len)
    {
      ssize_t n = write (fd, data + done, len - done);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          goto fail;
        }
      done += (gsize) n;
    }
  if (fsync (fd) != 0)
    goto fail;
  if (close (fd) != 0)
    {
      fd = -1;
      goto fail;
    }
  fd = -1;

  if (flags & OSSP_WRITE_FLAGS_OVERWRITE)
    {
      if (rename (tmpl, path) != 0)
        goto fail;
    }
  else
    {
      /* link() fails with EEXIST if someone created the file meanwhile */
      if (link (tmpl, path) != 0)
        goto fail;
      g_unlink (tmpl);
    }
  return TRUE;

fail:
  {
    int saved_errno = errno;
    if (fd >= 0)
      close (fd);
    g_unlink (tmpl);
    if (saved_errno == EEXIST)
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_EXISTS,
                   "%s already exists; it was left untouched (use --force to replace it)", path);
    else
      g_set_error (error, OSSP_ERROR, errno_to_code (saved_errno),
                   "Cannot write %s: %s", path, g_strerror (saved_errno));
    return FALSE;
  }
}

guint8 *
ossp_file_read (const char  *path,
                gsize        max_len,
                gsize       *out_len,
                GError     **error)
{
  g_autofree guint8 *buf = NULL;
  struct stat st;
  gsize done = 0;
  int fd;

  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    {
      int saved_errno = errno;
      g_set_error (error, OSSP_ERROR, errno_to_code (saved_errno),
                   "Cannot open %s: %s", path, g_strerror (saved_errno));
      return NULL;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "%s is not a regular file", path);
      return NULL;
    }
  if ((guint64) st.st_size > max_len)
    {
      close (fd);
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "%s is too large (%" G_GUINT64_FORMAT " bytes, at most %" G_GSIZE_FORMAT " expected)",
                   path, (guint64) st.st_size, max_len);
      return NULL;
    }
  buf = g_malloc ((gsize) st.st_size + 1);
  while (done < (gsize) st.st_size)
    {
      ssize_t n = read (fd, buf + done, (gsize) st.st_size - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          int saved_errno = n < 0 ? errno : EIO;
          close (fd);
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_IO,
                       "Cannot read %s: %s", path, g_strerror (saved_errno));
          return NULL;
        }
      done += (gsize) n;
    }
  close (fd);
  buf[done] = 0;
  if (out_len)
    *out_len = done;
  return g_steal_pointer (&buf);
}

GBytes *
ossp_file_read_bytes (const char  *path,
                      gsize        max_len,
                      GError     **error)
{
  gsize len = 0;
  guint8 *data = ossp_file_read (path, max_len, &len, error);
  if (data == NULL)
    return NULL;
  return g_bytes_new_take (data, len);
}

char *
ossp_hex_encode (const guint8 *data,
                 gsize         len)
{
  static const char digits[] = "0123456789abcdef";
  char *out = g_malloc (len * 2 + 1);
  for (gsize i = 0; i < len; i++)
    {
      out[2 * i] = digits[data[i] >> 4];
      out[2 * i + 1] = digits[data[i] & 0xf];
    }
  out[len * 2] = 0;
  return out;
}

/* Accepts "0x" prefix, spaces, colons and dashes as separators, so that
 * values pasted from ST tools or openssl output work as they are. */
guint8 *
ossp_hex_decode (const char  *hex,
                 gsize       *out_len,
                 GError     **error)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  int hi = -1;
  const char *p = hex;

  if (g_str_has_prefix (p, "0x") || g_str_has_prefix (p, "0X"))
    p += 2;
  for (; *p; p++)
    {
      int v;
      if (*p == ' ' || *p == ':' || *p == '-' || *p == '\n' || *p == '\t' || *p == '\r')
        {
          if (hi >= 0 && *p != '\n')
            {
              g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                           "Hex value has an odd digit before position %d", (int) (p - hex));
              return NULL;
            }
          continue;
        }
      v = g_ascii_xdigit_value (*p);
      if (v < 0)
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                       "'%c' at position %d is not a hex digit", g_ascii_isprint (*p) ? *p : '?',
                       (int) (p - hex));
          return NULL;
        }
      if (hi < 0)
        hi = v;
      else
        {
          guint8 b = (guint8) ((hi << 4) | v);
          g_byte_array_append (out, &b, 1);
          hi = -1;
        }
    }
  if (hi >= 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "Hex value has an odd number of digits");
      return NULL;
    }
  if (out_len)
    *out_len = out->len;
  /* zero digits is a valid empty value: never NULL without an error */
  if (out->len == 0)
    return g_malloc0 (1);
  return g_byte_array_free (g_steal_pointer (&out), FALSE);
}

gboolean
ossp_parse_u32 (const char  *text,
                guint32     *out_value,
                GError     **error)
{
  guint64 v = 0;
  g_autoptr(GError) local_error = NULL;
  const char *s = text;
  guint base = 10;

  if (text == NULL || *text == 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT, "Empty number");
      return FALSE;
    }
  if (g_str_has_prefix (s, "0x") || g_str_has_prefix (s, "0X"))
    {
      s += 2;
      base = 16;
    }
  if (!g_ascii_string_to_unsigned (s, base, 0, G_MAXUINT32, &v, &local_error))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "'%s' is not a 32-bit number (decimal or 0x-prefixed hex)", text);
      return FALSE;
    }
  *out_value = (guint32) v;
  return TRUE;
}

void
ossp_bytes_to_words (const guint8   *data,
                     gsize           len,
                     OsspWordFormat  format,
                     guint32        *out_words)
{
  for (gsize i = 0; i + 4 <= len; i += 4)
    out_words[i / 4] = format == OSSP_WORD_FORMAT_1 ? ossp_read_be32 (data + i)
                                                    : ossp_read_le32 (data + i);
}

void
ossp_words_to_bytes (const guint32  *words,
                     gsize           n_words,
                     OsspWordFormat  format,
                     guint8         *out_data)
{
  for (gsize i = 0; i < n_words; i++)
    {
      if (format == OSSP_WORD_FORMAT_1)
        ossp_write_be32 (out_data + 4 * i, words[i]);
      else
        ossp_write_le32 (out_data + 4 * i, words[i]);
    }
}

static OsspWipeHook wipe_hook;
static gpointer wipe_hook_data;
static OsspWipeHook prewipe_hook;
static gpointer prewipe_hook_data;

void
ossp_secure_set_prewipe_hook (OsspWipeHook hook,
                              gpointer     user_data)
{
  prewipe_hook = hook;
  prewipe_hook_data = user_data;
}

void
ossp_secure_set_wipe_hook (OsspWipeHook hook,
                           gpointer     user_data)
{
  wipe_hook = hook;
  wipe_hook_data = user_data;
}

void
ossp_secure_wipe (gpointer data,
                  gsize    len)
{
  if (data == NULL || len == 0)
    return;
  if (prewipe_hook)
    prewipe_hook (data, len, prewipe_hook_data);
  gnutls_memset (data, 0, len);
  if (wipe_hook)
    wipe_hook (data, len, wipe_hook_data);
}

gpointer
ossp_secure_alloc (gsize len)
{
  gpointer p = g_malloc0 (MAX (len, 1));
  /* best effort: keep secrets out of swap; failing is not fatal */
  (void) mlock (p, MAX (len, 1));
  return p;
}

void
ossp_secure_free (gpointer data,
                  gsize    len)
{
  if (data == NULL)
    return;
  ossp_secure_wipe (data, len);
  (void) munlock (data, MAX (len, 1));
  g_free (data);
}

char *
ossp_secure_strdup (const char *str)
{
  gsize len;
  char *copy;

  if (str == NULL)
    return NULL;
  len = strlen (str);
  copy = ossp_secure_alloc (len + 1);
  memcpy (copy, str, len + 1);
  return copy;
}

void
ossp_secure_strfree (char *str)
{
  if (str == NULL)
    return;
  ossp_secure_free (str, strlen (str) + 1);
}

OsspSecret *
ossp_secret_new (gsize len)
{
  OsspSecret *secret = g_new0 (OsspSecret, 1);
  secret->data = ossp_secure_alloc (len);
  secret->len = len;
  return secret;
}

OsspSecret *
ossp_secret_new_from_data (const guint8 *data,
                           gsize         len)
{
  OsspSecret *secret = ossp_secret_new (len);
  if (len)
    memcpy (secret->data, data, len);
  return secret;
}

/* expected_len 0 means "any size up to 64 KiB" */
OsspSecret *
ossp_secret_new_from_file (const char  *path,
                           gsize        expected_len,
                           GError     **error)
{
  gsize len = 0;
  guint8 *data = ossp_file_read (path, MAX (expected_len, 65536), &len, error);
  OsspSecret *secret;

  if (data == NULL)
    return NULL;
  if (expected_len && len != expected_len)
    {
      ossp_secure_free (data, len);
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "%s has %" G_GSIZE_FORMAT " bytes; it must be exactly %" G_GSIZE_FORMAT " bytes",
                   path, len, expected_len);
      return NULL;
    }
  secret = ossp_secret_new_from_data (data, len);
  ossp_secure_free (data, len);
  return secret;
}

void
ossp_secret_free (OsspSecret *secret)
{
  if (secret == NULL)
    return;
  ossp_secure_free (secret->data, secret->len);
  g_free (secret);
}
