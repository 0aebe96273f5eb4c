/* ossp-image.c — STM32 image header v1/v2: parse, build, sign, verify
 *
 * Byte layout: shared spec image-header.md (§1 base, §2 v1, §3 v2 and its
 * extension headers). The header is kept as the raw bytes that will be
 * written, and every getter reads those bytes, so what we show is what we
 * write. The payload is never loaded: it is streamed from its file in
 * chunks for every pass (checksum, digest, copy).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define _GNU_SOURCE  /* sync_file_range () */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>

#include "ossp-error.h"
#include "ossp-image.h"

/* §1 common base */
#define OFF_MAGIC         0x00
#define OFF_SIGNATURE     0x04
#define OFF_CHECKSUM      0x44
#define OFF_VERSION       0x48
#define OFF_LENGTH        0x4C
#define OFF_ENTRY         0x50
#define OFF_RESERVED1     0x54
#define OFF_LOAD          0x58
#define OFF_RESERVED2     0x5C
#define OFF_IMAGE_VERSION 0x60
#define OFF_FLAGS         0x64
/* §2 v1 */
#define V1_OFF_ALGO       0x68
#define V1_OFF_PUBKEY     0x6C
#define V1_OFF_PADDING    0xAC
#define V1_PADDING_LEN    83
#define V1_OFF_BINTYPE    0xFF
/* §3.1 v2 */
#define V2_OFF_EXT_LEN    0x68
#define V2_OFF_BINTYPE    0x6C
#define V2_OFF_PAD        0x70
#define V2_PAD_LEN        16
/* §3.3 authentication extension, relative to its start */
#define AUTH_OFF_PK_IDX   0x08
#define AUTH_OFF_NB_PK    0x0C
#define AUTH_OFF_ALGO     0x10
#define AUTH_OFF_PUBKEY   0x14
#define AUTH_OFF_HASHES   0x54
#define AUTH_LEN(n)       (AUTH_OFF_HASHES + 32 * (n))
#define DECRYPT_LEN       0x20

#define V2_FLAGS_MASK     (OSSP_IMAGE_EXT_FLAG_AUTH | OSSP_IMAGE_EXT_FLAG_DECRYPT | OSSP_IMAGE_EXT_FLAG_PADDING)
/* Far above anything real (ST uses 0x180); bounds the header we read. */
#define V2_MAX_EXT_LEN    0x10000
#define CHUNK_SIZE        (1024 * 1024)

static const guint8 magic_bytes[4] = { 'S', 'T', 'M', 0x32 };

struct _OsspImage
{
  GObject     parent_instance;

  GByteArray *header;
  /* v2 extension offsets inside header; 0 = absent */
  gsize       auth_off;
  gsize       decrypt_off;
  gsize       padding_off;
  guint       n_unknown_ext;
  GPtrArray  *notes;       /* warnings: tools may object, the ROM does not care */
  GPtrArray  *problems;    /* the ROM would refuse or misread this header */
  gboolean    header_checksum_valid; /* the checksum field is a claim to check */

  /* payload source: a file or memory */
  char       *path;
  GBytes     *data;
  guint64     payload_offset;
  guint64     source_size;
  gboolean    raw;
};

G_DEFINE_FINAL_TYPE (OsspImage, ossp_image, G_TYPE_OBJECT)

static void
ossp_image_finalize (GObject *object)
{
  OsspImage *self = OSSP_IMAGE (object);

  g_byte_array_unref (self->header);
  g_ptr_array_unref (self->notes);
  g_ptr_array_unref (self->problems);
  g_free (self->path);
  g_clear_pointer (&self->data, g_bytes_unref);
  G_OBJECT_CLASS (ossp_image_parent_class)->finalize (object);
}

static void
ossp_image_class_init (OsspImageClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ossp_image_finalize;
}

static void
ossp_image_init (OsspImage *self)
{
  self->header = g_byte_array_new ();
  self->notes = g_ptr_array_new_with_free_func (g_free);
  self->problems = g_ptr_array_new_with_free_func (g_free);
}

static inline guint8 *
hdr (OsspImage *self)
{
  return self->header->data;
}

static inline guint32
hdr_u32 (OsspImage *self, gsize off)
{
  return ossp_read_le32 (hdr (self) + off);
}

static gboolean
all_zero (const guint8 *p, gsize len)
{
  for (gsize i = 0; i < len; i++)
    if (p[i] != 0)
      return FALSE;
  return TRUE;
}

static void
sha256 (const void *data, gsize len, guint8 out[32])
{
  gnutls_hash_fast (GNUTLS_DIG_SHA256, data, len, out);
}

/* keys.md §4: v1 hashes X||Y, v2 table entries hash LE32(algo)||X||Y */
static void
compute_pkh (guint algo, const guint8 xy[64], gboolean with_algo, guint8 out[32])
{
  guint8 buf[68];

  ossp_write_le32 (buf, algo);
  memcpy (buf + 4, xy, 64);
  if (with_algo)
    sha256 (buf, 68, out);
  else
    sha256 (xy, 64, out);
}

gboolean
ossp_image_version_from_string (const char  *text,
                                guint32     *out_version,
                                GError     **error)
{
  static const struct { const char *name; guint32 v; } names[] = {
    { "1", OSSP_IMAGE_VERSION_1_0 }, { "1.0", OSSP_IMAGE_VERSION_1_0 },
    { "2", OSSP_IMAGE_VERSION_2_0 }, { "2.0", OSSP_IMAGE_VERSION_2_0 },
    { "2.2", OSSP_IMAGE_VERSION_2_2 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_strcmp0 (text, names[i].name) == 0)
      {
        *out_version = names[i].v;
        return TRUE;
      }
  g_set_error (error, OSSP_ERROR, OSSP_ERROR_UNSUPPORTED,
               "Header version \"%s\" is not supported; use 1.0 (STM32MP15), 2.0 (STM32MP13) "
               "or 2.2 (STM32MP23/25)", text ? text : "");
  return FALSE;
}

char *
ossp_image_version_to_string (guint32 version)
{
  return g_strdup_printf ("%u.%u", (version >> 16) & 0xff, (version >> 8) & 0xff);
}

const char *
ossp_image_version_chip_name (guint32 version)
{
  switch (version)
    {
    case OSSP_IMAGE_VERSION_1_0: return "STM32MP15";
    case OSSP_IMAGE_VERSION_2_0: return "STM32MP13";
    case OSSP_IMAGE_VERSION_2_2: return "STM32MP23/STM32MP25";
    case 0x00020100: return "STM32N6";
    case 0x00020300: return "STM32MP21";
    default: return "unknown";
    }
}

static gboolean
version_supported (guint32 version)
{
  return version == OSSP_IMAGE_VERSION_1_0 || version == OSSP_IMAGE_VERSION_2_0 ||
         version == OSSP_IMAGE_VERSION_2_2;
}

static void
add_note (GPtrArray *list, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
add_note (GPtrArray  *list,
          const char *format,
          ...)
{
  va_list args;

  va_start (args, format);
  g_ptr_array_add (list, g_strdup_vprintf (format, args));
  va_end (args);
}

/* Walks the v2 extension headers (§3.2). Framing errors are fatal: the
 * extension length decides where the payload starts. */
static gboolean
analyze_extensions (OsspImage   *self,
                    const char  *what,
                    GError     **error)
{
  gsize end = self->header->len;
  gsize off = OSSP_IMAGE_V2_BASE_SIZE;
  guint32 flags = hdr_u32 (self, OFF_FLAGS);

  while (off < end)
    {
      guint32 type, len;

      if (end - off < 8)
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                       "%s: the extension header at 0x%zx is cut short (%zu bytes left before the "
                       "payload, a type and a length need 8)", what, off, end - off);
          return FALSE;
        }
      type = hdr_u32 (self, off);
      len = hdr_u32 (self, off + 4);
      if (len < 8 || len > end - off)
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                       "%s: the extension header at 0x%zx (type 0x%08X) says it is %u bytes long, "
                       "but the extension area (extension_headers_length at 0x68) ends %zu bytes "
                       "later", what, off, type, len, end - off);
          return FALSE;
        }
      switch (type)
        {
        case OSSP_IMAGE_EXT_AUTH:
          {
            guint32 nb_pk, pk_idx, algo;
            if (self->auth_off != 0 || len < AUTH_OFF_HASHES)
              {
                g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                             "%s: %s authentication extension at 0x%zx", what,
                             self->auth_off != 0 ? "a second" : "a too short", off);
                return FALSE;
              }
            nb_pk = hdr_u32 (self, off + AUTH_OFF_NB_PK);
            pk_idx = hdr_u32 (self, off + AUTH_OFF_PK_IDX);
            algo = hdr_u32 (self, off + AUTH_OFF_ALGO);
            if (nb_pk == 0 || nb_pk > OSSP_IMAGE_MAX_KEYS || len != AUTH_LEN (nb_pk))
              {
                g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                             "%s: the authentication extension at 0x%zx holds %u key hashes in %u "
                             "bytes; 1 to 8 hashes and a length of 0x54 + 32 per hash are expected",
                             what, off, nb_pk, len);
                return FALSE;
              }
            if (pk_idx >= nb_pk)
              {
                g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                             "%s: the key index %u in the authentication extension is outside its "
                             "table of %u key hashes", what, pk_idx, nb_pk);
                return FALSE;
              }
            if (algo != OSSP_CURVE_P256 && algo != OSSP_CURVE_BRAINPOOL_P256T1)
              add_note (self->problems, "authentication extension: ecc_algo_type %u is neither 1 "
                        "(prime256v1) nor 2 (brainpoolP256t1)", algo);
            self->auth_off = off;
          }
          break;
        case OSSP_IMAGE_EXT_DECRYPTION:
          if (len != DECRYPT_LEN)
            add_note (self->notes, "decryption extension at 0x%zx is %u bytes, 0x20 expected", off, len);
          self->decrypt_off = off;
          break;
        case OSSP_IMAGE_EXT_PADDING:
          if (off + len != end)
            add_note (self->notes, "the padding extension at 0x%zx is not the last extension", off);
          if (!all_zero (hdr (self) + off + 8, len - 8))
            add_note (self->notes, "the padding extension at 0x%zx holds non-zero bytes", off);
          self->padding_off = off;
          break;
        default:
          add_note (self->problems, "unknown extension type 0x%08X (%u bytes) at 0x%zx", type, len, off);
          self->n_unknown_ext++;
          break;
        }
      off += len;
    }

  if (flags & ~V2_FLAGS_MASK)
    add_note (self->problems, "extension_flags 0x%08X has bits the ROM does not define "
              "(valid mask 0x80000003)", flags);
  if (!!(flags & OSSP_IMAGE_EXT_FLAG_AUTH) != (self->auth_off != 0))
    add_note (self->problems, "extension_flags bit 0 (authentication) is %s but the authentication "
              "extension is %s", (flags & OSSP_IMAGE_EXT_FLAG_AUTH) ? "set" : "clear",
              self->auth_off ? "present" : "absent");
  if (!!(flags & OSSP_IMAGE_EXT_FLAG_DECRYPT) != (self->decrypt_off != 0))
    add_note (self->problems, "extension_flags bit 1 (decryption) is %s but the decryption "
              "extension is %s", (flags & OSSP_IMAGE_EXT_FLAG_DECRYPT) ? "set" : "clear",
              self->decrypt_off ? "present" : "absent");
  if (!!(flags & OSSP_IMAGE_EXT_FLAG_PADDING) != (self->padding_off != 0))
    add_note (self->problems, "extension_flags bit 31 (padding) is %s but the padding "
              "extension is %s", (flags & OSSP_IMAGE_EXT_FLAG_PADDING) ? "set" : "clear",
              self->padding_off ? "present" : "absent");
  if (self->header->len != OSSP_IMAGE_V2_HEADER_SIZE)
    add_note (self->notes, "the header is %u bytes; every ST tool makes it 512 (payload at 0x200)",
              self->header->len);
  if (!all_zero (hdr (self) + V2_OFF_PAD, V2_PAD_LEN))
    add_note (self->notes, "the reserved bytes 0x70..0x7F are not zero");
  return TRUE;
}

/* Re-derives extension offsets and notes from the header bytes; run after
 * parsing and after every change, so inspect always describes the bytes. */
static gboolean
analyze (OsspImage   *self,
         const char  *what,
         GError     **error)
{
  self->auth_off = self->decrypt_off = self->padding_off = 0;
  self->n_unknown_ext = 0;
  g_ptr_array_set_size (self->notes, 0);
  g_ptr_array_set_size (self->problems, 0);

  if (hdr_u32 (self, OFF_RESERVED1) != 0)
    add_note (self->notes, "reserved1 (0x54) is 0x%08X, not 0 (mkimage rejects this)",
              hdr_u32 (self, OFF_RESERVED1));
  if (hdr_u32 (self, OFF_RESERVED2) != 0)
    add_note (self->notes, "reserved2 (0x5C) is 0x%08X, not 0 (mkimage rejects this)",
              hdr_u32 (self, OFF_RESERVED2));

  if (ossp_image_get_header_major (self) == 1)
    {
      guint32 algo = hdr_u32 (self, V1_OFF_ALGO);
      if (!all_zero (hdr (self) + V1_OFF_PADDING, V1_PADDING_LEN))
        add_note (self->notes, "the padding bytes 0xAC..0xFE are not zero");
      if (hdr_u32 (self, OFF_FLAGS) & ~OSSP_IMAGE_V1_FLAG_NO_SIG_CHECK)
        add_note (self->notes, "option_flags 0x%08X has bits other than bit 0 (no signature check)",
                  hdr_u32 (self, OFF_FLAGS));
      if (algo != OSSP_CURVE_P256 && algo != OSSP_CURVE_BRAINPOOL_P256T1)
        add_note (self->problems, "ecdsa_algorithm %u is neither 1 (prime256v1) nor 2 "
                  "(brainpoolP256t1)", algo);
      return TRUE;
    }
  return analyze_extensions (self, what, error);
}

/* @buf holds at least the whole header when the file is that long;
 * @source_size is the size of the whole file. */
static gboolean
parse_header (OsspImage    *self,
              const guint8 *buf,
              gsize         avail,
              guint64       source_size,
              const char   *what,
              GError      **error)
{
  guint32 version, length;
  gsize header_size;
  guint64 trailing;

  if (avail < 4 || memcmp (buf, magic_bytes, 4) != 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "%s is not an STM32 image: it does not start with the magic \"STM2\" "
                   "(53 54 4D 32); for a raw binary, give the header fields (see --help)", what);
      return FALSE;
    }
  if (avail < OFF_VERSION + 4)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "%s is truncated: %zu bytes, too short for an STM32 header (256 bytes for v1, "
                   "512 for v2)", what, avail);
      return FALSE;
    }
  version = ossp_read_le32 (buf + OFF_VERSION);
  if (!version_supported (version))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_UNSUPPORTED,
                   "%s has STM32 header version %u.%u (0x%08X, %s), which OpenSSP does not support; "
                   "supported are 1.0 (STM32MP15), 2.0 (STM32MP13) and 2.2 (STM32MP23/25)",
                   what, (version >> 16) & 0xff, (version >> 8) & 0xff, version,
                   ossp_image_version_chip_name (version));
      return FALSE;
    }
  if (version == OSSP_IMAGE_VERSION_1_0)
    header_size = OSSP_IMAGE_V1_HEADER_SIZE;
  else
    {
      guint32 ext_len;
      if (avail < OSSP_IMAGE_V2_BASE_SIZE)
        goto truncated;
      ext_len = ossp_read_le32 (buf + V2_OFF_EXT_LEN);
      if (ext_len > V2_MAX_EXT_LEN)
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                       "%s: extension_headers_length (0x68) is 0x%X bytes, far more than any "
                       "STM32 header holds (0x180 is usual); the header is damaged", what, ext_len);
          return FALSE;
        }
      header_size = OSSP_IMAGE_V2_BASE_SIZE + ext_len;
    }
  if (avail < header_size)
    goto truncated;

  length = ossp_read_le32 (buf + OFF_LENGTH);
  if ((guint64) header_size + length > source_size)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "%s: image_length (0x4C) says the payload is %u bytes, but the file ends %"
                   G_GUINT64_FORMAT " bytes after the %zu-byte header; the file is truncated or "
                   "the length is wrong", what, length, source_size - header_size, header_size);
      return FALSE;
    }

  g_byte_array_set_size (self->header, 0);
  g_byte_array_append (self->header, buf, header_size);
  self->payload_offset = header_size;
  self->source_size = source_size;
  self->header_checksum_valid = TRUE;
  if (!analyze (self, what, error))
    return FALSE;
  trailing = source_size - header_size - length;
  if (trailing > 0)
    add_note (self->notes, "%" G_GUINT64_FORMAT " bytes follow the payload; they are not signed "
              "and are copied unchanged", trailing);
  return TRUE;

truncated:
  g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
               "%s is truncated: the STM32 header v%u.%u needs %zu bytes, the file has %zu", what,
               (version >> 16) & 0xff, (version >> 8) & 0xff,
               version == OSSP_IMAGE_VERSION_1_0 ? (gsize) OSSP_IMAGE_V1_HEADER_SIZE
               : MAX ((gsize) OSSP_IMAGE_V2_BASE_SIZE,
                      avail >= OSSP_IMAGE_V2_BASE_SIZE
                        ? OSSP_IMAGE_V2_BASE_SIZE + ossp_read_le32 (buf + V2_OFF_EXT_LEN) : 0),
               avail);
  return FALSE;
}

static int
open_source (const char  *path,
             guint64     *out_size,
             GError     **error)
{
  struct stat st;
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);

  if (fd < 0)
    {
      int saved_errno = errno;
      g_set_error (error, OSSP_ERROR,
                   saved_errno == ENOENT ? OSSP_ERROR_NOT_FOUND
                   : (saved_errno == EACCES ? OSSP_ERROR_PERMISSION : OSSP_ERROR_IO),
                   "Cannot open %s: %s", path, g_strerror (saved_errno));
      return -1;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA, "%s is not a regular file", path);
      return -1;
    }
  *out_size = (guint64) st.st_size;
  return fd;
}

static gboolean
read_full (int          fd,
           guint8      *buf,
           gsize        len,
           guint64      offset,
           const char  *path,
           GError     **error)
{
  gsize done = 0;

  while (done < len)
    {
      ssize_t n = pread (fd, buf + done, len - done, (off_t) (offset + done));
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_IO, "Cannot read %s: %s", path,
                       n < 0 ? g_strerror (errno) : "the file became shorter while being read");
          return FALSE;
        }
      done += (gsize) n;
    }
  return TRUE;
}

OsspImage *
ossp_image_new_from_file (const char  *path,
                          GError     **error)
{
  g_autoptr(OsspImage) self = g_object_new (OSSP_TYPE_IMAGE, NULL);
  g_autofree guint8 *buf = NULL;
  guint64 size = 0;
  gsize want;
  int fd;
  gboolean ok;

  fd = open_source (path, &size, error);
  if (fd < 0)
    return NULL;
  /* the largest header we accept, never the payload */
  want = (gsize) MIN (size, (guint64) OSSP_IMAGE_V2_BASE_SIZE + V2_MAX_EXT_LEN);
  buf = g_malloc (MAX (want, 1));
  ok = read_full (fd, buf, want, 0, path, error);
  close (fd);
  if (!ok || !parse_header (self, buf, want, size, path, error))
    return NULL;
  self->path = g_strdup (path);
  return g_steal_pointer (&self);
}

OsspImage *
ossp_image_new_from_bytes (GBytes  *data,
                           GError **error)
{
  g_autoptr(OsspImage) self = g_object_new (OSSP_TYPE_IMAGE, NULL);
  gsize len = 0;
  const guint8 *p = g_bytes_get_data (data, &len);

  if (!parse_header (self, p, len, len, "the image", error))
    return NULL;
  self->data = g_bytes_ref (data);
  return g_steal_pointer (&self);
}

gboolean
ossp_image_file_has_header (const char *path)
{
  guint8 buf[4];
  guint64 size = 0;
  gboolean ok;
  int fd = open_source (path, &size, NULL);

  if (fd < 0)
    return FALSE;
  ok = size >= 4 && read_full (fd, buf, 4, 0, path, NULL) && memcmp (buf, magic_bytes, 4) == 0;
  close (fd);
  return ok;
}

/* A fresh header as mkimage writes it (§4). */
static gboolean
build_fresh_header (OsspImage  *self,
                    guint32     version,
                    guint64     payload_len,
                    const char *what,
                    GError    **error)
{
  if (!version_supported (version))
    {
      g_autofree char *v = ossp_image_version_to_string (version);
      return ossp_image_version_from_string (v, &version, error);
    }
  if (payload_len > G_MAXUINT32)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "%s is %" G_GUINT64_FORMAT " bytes; an STM32 image payload is at most 4 GiB - 1",
                   what, payload_len);
      return FALSE;
    }
  g_byte_array_set_size (self->header, 0);
  g_byte_array_set_size (self->header, version == OSSP_IMAGE_VERSION_1_0
                                       ? OSSP_IMAGE_V1_HEADER_SIZE : OSSP_IMAGE_V2_HEADER_SIZE);
  memset (hdr (self), 0, self->header->len);
  memcpy (hdr (self) + OFF_MAGIC, magic_bytes, 4);
  ossp_write_le32 (hdr (self) + OFF_VERSION, version);
  ossp_write_le32 (hdr (self) + OFF_LENGTH, (guint32) payload_len);
  if (version == OSSP_IMAGE_VERSION_1_0)
    {
      ossp_write_le32 (hdr (self) + OFF_FLAGS, OSSP_IMAGE_V1_FLAG_NO_SIG_CHECK);
      ossp_write_le32 (hdr (self) + V1_OFF_ALGO, OSSP_CURVE_P256);
    }
  else
    {
      guint32 ext_len = OSSP_IMAGE_V2_HEADER_SIZE - OSSP_IMAGE_V2_BASE_SIZE;
      ossp_write_le32 (hdr (self) + OFF_FLAGS, OSSP_IMAGE_EXT_FLAG_PADDING);
      ossp_write_le32 (hdr (self) + V2_OFF_EXT_LEN, ext_len);
      ossp_write_le32 (hdr (self) + OSSP_IMAGE_V2_BASE_SIZE, OSSP_IMAGE_EXT_PADDING);
      ossp_write_le32 (hdr (self) + OSSP_IMAGE_V2_BASE_SIZE + 4, ext_len);
    }
  self->payload_offset = 0;
  self->source_size = payload_len;
  self->raw = TRUE;
  self->header_checksum_valid = FALSE;
  return analyze (self, what, error);
}

OsspImage *
ossp_image_new_from_payload_file (const char  *path,
                                  guint32      header_version,
                                  GError     **error)
{
  g_autoptr(OsspImage) self = g_object_new (OSSP_TYPE_IMAGE, NULL);
  guint64 size = 0;
  int fd = open_source (path, &size, error);

  if (fd < 0)
    return NULL;
  close (fd);
  if (!build_fresh_header (self, header_version, size, path, error))
    return NULL;
  self->path = g_strdup (path);
  return g_steal_pointer (&self);
}

OsspImage *
ossp_image_new_from_payload_bytes (GBytes   *payload,
                                   guint32   header_version,
                                   GError  **error)
{
  g_autoptr(OsspImage) self = g_object_new (OSSP_TYPE_IMAGE, NULL);

  if (!build_fresh_header (self, header_version, g_bytes_get_size (payload), "the payload", error))
    return NULL;
  self->data = g_bytes_ref (payload);
  return g_steal_pointer (&self);
}

OsspImage *
ossp_image_open (const char  *path,
                 guint32      version,
                 gboolean     force_raw,
                 GError     **error)
{
  g_autoptr(OsspImage) image = NULL;
  guint32 have;

  if (force_raw || !ossp_image_file_has_header (path))
    {
      if (version == 0)
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                       "%s has no STM32 header; choose the chip (or header version) so that one "
                       "can be made", path);
          return NULL;
        }
      return ossp_image_new_from_payload_file (path, version, error);
    }
  image = ossp_image_new_from_file (path, error);
  if (image == NULL)
    return NULL;
  have = ossp_image_get_header_version (image);
  if (version != 0 && version != have)
    {
      g_autofree char *h = ossp_image_version_to_string (have);
      g_autofree char *w = ossp_image_version_to_string (version);
      /* SigningTool: "Invalid Header version" (image-header.md §5) */
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_VALIDATION,
                   "Invalid header version: %s already has a v%s header (%s), but v%s (%s) was "
                   "asked for; a header is never converted", path, h,
                   ossp_image_version_chip_name (have), w, ossp_image_version_chip_name (version));
      return NULL;
    }
  return g_steal_pointer (&image);
}

/* ---- getters ---- */

guint32
ossp_image_get_header_version (OsspImage *self)
{
  return hdr_u32 (self, OFF_VERSION);
}

guint
ossp_image_get_header_major (OsspImage *self)
{
  return (hdr_u32 (self, OFF_VERSION) >> 16) & 0xff;
}

gsize
ossp_image_get_header_size (OsspImage *self)
{
  return self->header->len;
}

const guint8 *
ossp_image_get_header_data (OsspImage *self)
{
  return hdr (self);
}

guint32
ossp_image_get_checksum (OsspImage *self)
{
  return hdr_u32 (self, OFF_CHECKSUM);
}

guint32
ossp_image_get_length (OsspImage *self)
{
  return hdr_u32 (self, OFF_LENGTH);
}

guint64
ossp_image_get_trailing_length (OsspImage *self)
{
  return self->source_size - self->payload_offset - ossp_image_get_length (self);
}

guint32
ossp_image_get_entry_point (OsspImage *self)
{
  return hdr_u32 (self, OFF_ENTRY);
}

guint32
ossp_image_get_load_address (OsspImage *self)
{
  return hdr_u32 (self, OFF_LOAD);
}

guint32
ossp_image_get_image_version (OsspImage *self)
{
  return hdr_u32 (self, OFF_IMAGE_VERSION);
}

guint32
ossp_image_get_flags (OsspImage *self)
{
  return hdr_u32 (self, OFF_FLAGS);
}

guint32
ossp_image_get_binary_type (OsspImage *self)
{
  if (ossp_image_get_header_major (self) == 1)
    return hdr (self)[V1_OFF_BINTYPE];
  return hdr_u32 (self, V2_OFF_BINTYPE);
}

const char *
ossp_image_get_path (OsspImage *self)
{
  return self->path;
}

gboolean
ossp_image_is_raw (OsspImage *self)
{
  return self->raw;
}

gboolean
ossp_image_is_signed (OsspImage *self)
{
  return !all_zero (hdr (self) + OFF_SIGNATURE, 64);
}

void
ossp_image_get_signature (OsspImage *self,
                          guint8     out_rs[64])
{
  memcpy (out_rs, hdr (self) + OFF_SIGNATURE, 64);
}

gboolean
ossp_image_get_public_key (OsspImage *self,
                           guint     *out_algo,
                           guint8     out_xy[64])
{
  gsize algo_off, key_off;

  if (ossp_image_get_header_major (self) == 1)
    {
      algo_off = V1_OFF_ALGO;
      key_off = V1_OFF_PUBKEY;
    }
  else if (self->auth_off != 0)
    {
      algo_off = self->auth_off + AUTH_OFF_ALGO;
      key_off = self->auth_off + AUTH_OFF_PUBKEY;
    }
  else
    return FALSE;
  if (out_algo)
    *out_algo = hdr_u32 (self, algo_off);
  if (out_xy)
    memcpy (out_xy, hdr (self) + key_off, 64);
  /* mkimage leaves the key zero in unsigned v1 images */
  return !all_zero (hdr (self) + key_off, 64);
}

const guint8 *
ossp_image_get_pkh_table (OsspImage *self,
                          guint     *out_n_keys)
{
  if (self->auth_off == 0)
    {
      if (out_n_keys)
        *out_n_keys = 0;
      return NULL;
    }
  if (out_n_keys)
    *out_n_keys = hdr_u32 (self, self->auth_off + AUTH_OFF_NB_PK);
  return hdr (self) + self->auth_off + AUTH_OFF_HASHES;
}

gint
ossp_image_get_key_index (OsspImage *self)
{
  if (self->auth_off == 0)
    return -1;
  return (gint) hdr_u32 (self, self->auth_off + AUTH_OFF_PK_IDX);
}

gboolean
ossp_image_has_decryption (OsspImage *self)
{
  return self->decrypt_off != 0;
}

const char * const *
ossp_image_get_notes (OsspImage *self)
{
  g_ptr_array_add (self->notes, NULL);
  g_ptr_array_set_size (self->notes, self->notes->len - 1);
  return (const char * const *) self->notes->pdata;
}

const char * const *
ossp_image_get_problems (OsspImage *self)
{
  g_ptr_array_add (self->problems, NULL);
  g_ptr_array_set_size (self->problems, self->problems->len - 1);
  return (const char * const *) self->problems->pdata;
}

/* ---- setters ---- */

static void
signed_range_changed (OsspImage *self)
{
  memset (hdr (self) + OFF_SIGNATURE, 0, 64);
}

static void
set_u32 (OsspImage *self, gsize off, guint32 value)
{
  if (hdr_u32 (self, off) == value)
    return;
  ossp_write_le32 (hdr (self) + off, value);
  signed_range_changed (self);
}

void
ossp_image_set_entry_point (OsspImage *self,
                            guint32    address)
{
  set_u32 (self, OFF_ENTRY, address);
}

void
ossp_image_set_load_address (OsspImage *self,
                             guint32    address)
{
  set_u32 (self, OFF_LOAD, address);
}

void
ossp_image_set_image_version (OsspImage *self,
                              guint32    version)
{
  set_u32 (self, OFF_IMAGE_VERSION, version);
}

gboolean
ossp_image_set_binary_type (OsspImage  *self,
                            guint32     binary_type,
                            GError    **error)
{
  if (ossp_image_get_header_major (self) == 1)
    {
      if (binary_type > 0xff)
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                       "Binary type 0x%X does not fit the one byte a v1 header has at 0xFF",
                       binary_type);
          return FALSE;
        }
      if (hdr (self)[V1_OFF_BINTYPE] != binary_type)
        {
          hdr (self)[V1_OFF_BINTYPE] = (guint8) binary_type;
          signed_range_changed (self);
        }
      return TRUE;
    }
  set_u32 (self, V2_OFF_BINTYPE, binary_type);
  return TRUE;
}

gboolean
ossp_image_set_flags (OsspImage  *self,
                      guint32     flags,
                      GError    **error)
{
  guint32 expected;

  if (ossp_image_get_header_major (self) == 1)
    {
      set_u32 (self, OFF_FLAGS, flags);
      return analyze (self, "the image", error);
    }
  /* v2: the flags describe the extensions that follow; they cannot be
   * chosen independently without making the ROM misread the header */
  if (flags & OSSP_IMAGE_EXT_FLAG_DECRYPT)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_UNSUPPORTED,
                   "Extension flag bit 1 (FSBL decryption) is not supported: how the ROM derives "
                   "the decryption key is not public (image-header.md §3.4)");
      return FALSE;
    }
  expected = (self->auth_off ? OSSP_IMAGE_EXT_FLAG_AUTH : 0) |
             (self->padding_off ? OSSP_IMAGE_EXT_FLAG_PADDING : 0);
  if (flags != expected)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "Extension flags 0x%08X do not match the header, which needs 0x%08X "
                   "(bit 0: authentication extension %s, bit 31: padding extension %s)",
                   flags, expected, self->auth_off ? "present" : "absent",
                   self->padding_off ? "present" : "absent");
      return FALSE;
    }
  set_u32 (self, OFF_FLAGS, flags);
  return TRUE;
}

gboolean
ossp_image_set_auth (OsspImage     *self,
                     guint          algo,
                     const guint8   pub_xy[64],
                     const guint8  *pkh_table,
                     guint          n_keys,
                     gint           key_index,
                     GError       **error)
{
  g_autofree guint8 *table = NULL;
  guint8 pkh[32];
  gsize auth_len, pad_off;
  guint8 *p;

  if (algo != OSSP_CURVE_P256 && algo != OSSP_CURVE_BRAINPOOL_P256T1)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_UNSUPPORTED,
                   "ECDSA algorithm %u is not one the ROM knows (1 prime256v1, 2 brainpoolP256t1)", algo);
      return FALSE;
    }

  if (ossp_image_get_header_major (self) == 1)
    {
      if (pkh_table != NULL && n_keys > 1)
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                       "A v1 header (STM32MP15) carries one public key, not a table of %u", n_keys);
          return FALSE;
        }
      ossp_write_le32 (hdr (self) + V1_OFF_ALGO, algo);
      memcpy (hdr (self) + V1_OFF_PUBKEY, pub_xy, 64);
      /* signing tools clear No_sig_check (§2) */
      ossp_write_le32 (hdr (self) + OFF_FLAGS, 0);
      signed_range_changed (self);
      return analyze (self, "the image", error);
    }

  if (self->decrypt_off != 0 || self->n_unknown_ext != 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_UNSUPPORTED,
                   "The header has %s extension; OpenSSP cannot rebuild it around a signature",
                   self->decrypt_off ? "an FSBL decryption" : "an unknown");
      return FALSE;
    }
  compute_pkh (algo, pub_xy, TRUE, pkh);
  if (pkh_table == NULL)
    {
      table = g_memdup2 (pkh, 32);
      n_keys = 1;
    }
  else
    table = g_memdup2 (pkh_table, 32 * (gsize) n_keys);
  if (n_keys == 0 || n_keys > OSSP_IMAGE_MAX_KEYS)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "A v2 header holds 1 to 8 public key hashes, not %u", n_keys);
      return FALSE;
    }
  if (key_index < 0)
    {
      for (guint i = 0; i < n_keys && key_index < 0; i++)
        if (memcmp (table + 32 * i, pkh, 32) == 0)
          key_index = (gint) i;
      if (key_index < 0)
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_VALIDATION,
                       "The signing key is not in the table of %u public key hashes: its hash "
                       "SHA-256(algo||X||Y) matches no entry; give the public keys that belong to "
                       "this key set", n_keys);
          return FALSE;
        }
    }
  else if ((guint) key_index >= n_keys)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "Key index %d is outside the table of %u public key hashes (0..%u)",
                   key_index, n_keys, n_keys - 1);
      return FALSE;
    }
  else if (memcmp (table + 32 * key_index, pkh, 32) != 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_VALIDATION,
                   "Wrong key for PKH: table entry %d is the hash of another public key than the "
                   "signing key; use the private key of entry %d or the right --key-index",
                   key_index, key_index);
      return FALSE;
    }

  /* authentication extension, then a padding extension up to 0x200 (§3.3) */
  auth_len = AUTH_LEN (n_keys);
  pad_off = OSSP_IMAGE_V2_BASE_SIZE + auth_len;
  g_byte_array_set_size (self->header, OSSP_IMAGE_V2_HEADER_SIZE);
  p = hdr (self);
  memset (p + OSSP_IMAGE_V2_BASE_SIZE, 0, OSSP_IMAGE_V2_HEADER_SIZE - OSSP_IMAGE_V2_BASE_SIZE);
  ossp_write_le32 (p + OFF_FLAGS, OSSP_IMAGE_EXT_FLAG_AUTH | OSSP_IMAGE_EXT_FLAG_PADDING);
  ossp_write_le32 (p + V2_OFF_EXT_LEN, OSSP_IMAGE_V2_HEADER_SIZE - OSSP_IMAGE_V2_BASE_SIZE);
  p += OSSP_IMAGE_V2_BASE_SIZE;
  ossp_write_le32 (p, OSSP_IMAGE_EXT_AUTH);
  ossp_write_le32 (p + 4, (guint32) auth_len);
  ossp_write_le32 (p + AUTH_OFF_PK_IDX, (guint32) key_index);
  ossp_write_le32 (p + AUTH_OFF_NB_PK, n_keys);
  ossp_write_le32 (p + AUTH_OFF_ALGO, algo);
  memcpy (p + AUTH_OFF_PUBKEY, pub_xy, 64);
  memcpy (p + AUTH_OFF_HASHES, table, 32 * (gsize) n_keys);
  p = hdr (self) + pad_off;
  ossp_write_le32 (p, OSSP_IMAGE_EXT_PADDING);
  ossp_write_le32 (p + 4, (guint32) (OSSP_IMAGE_V2_HEADER_SIZE - pad_off));
  signed_range_changed (self);
  return analyze (self, "the image", error);
}

gboolean
ossp_image_set_auth_from_keys (OsspImage     *self,
                               OsspKeyPair   *signer,
                               OsspKeyPair  **table,
                               guint          n_table,
                               gint           key_index,
                               GError       **error)
{
  g_autofree guint8 *pkhs = NULL;
  guint8 xy[64], other[64];
  guint n_use = n_table;

  ossp_key_pair_get_public_raw (signer, xy);
  if (ossp_image_get_header_major (self) == 1)
    {
      if (n_table > 1 || key_index > 0)
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                       "A v1 header (STM32MP15) holds one public key, not a table of %u keys", n_table);
          return FALSE;
        }
      if (n_table == 1)
        {
          ossp_key_pair_get_public_raw (table[0], other);
          if (memcmp (other, xy, 64) != 0)
            {
              g_set_error (error, OSSP_ERROR, OSSP_ERROR_VALIDATION,
                           "The public key given is not the public key of the signing key");
              return FALSE;
            }
        }
      return ossp_image_set_auth (self, ossp_key_pair_get_curve (signer), xy, NULL, 0, -1, error);
    }

  if (n_table > OSSP_IMAGE_MAX_KEYS)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "%u public keys were given; a header table holds at most 8", n_table);
      return FALSE;
    }
  if (n_table > 0)
    {
      pkhs = g_malloc (32 * (gsize) n_table);
      for (guint i = 0; i < n_table; i++)
        ossp_key_pair_get_pkh (table[i], TRUE, pkhs + 32 * i);
    }
  else
    {
      /* re-signing: keep the table the image already carries */
      const guint8 *old = ossp_image_get_pkh_table (self, &n_use);
      if (old != NULL)
        pkhs = g_memdup2 (old, 32 * (gsize) n_use);
    }
  return ossp_image_set_auth (self, ossp_key_pair_get_curve (signer), xy, pkhs, n_use, key_index, error);
}

void
ossp_image_set_signature (OsspImage    *self,
                          const guint8  rs[64])
{
  memcpy (hdr (self) + OFF_SIGNATURE, rs, 64);
}

/* ---- streaming ---- */

typedef gboolean (*ChunkFunc) (const guint8 *data, gsize len, gpointer user_data, GError **error);

static gboolean
cancelled (GCancellable *cancellable, GError **error)
{
  if (g_cancellable_is_cancelled (cancellable))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_CANCELLED, "Cancelled");
      return TRUE;
    }
  return FALSE;
}

/* Feeds source bytes [payload_offset + from, … + len) to @func in chunks of
 * at most 1 MiB; memory use does not grow with the image. */
static gboolean
source_foreach (OsspImage              *self,
                guint64                 from,
                guint64                 len,
                ChunkFunc               func,
                gpointer                user_data,
                OsspImageProgressFunc   progress,
                gpointer                progress_data,
                guint64                 progress_base,
                guint64                 progress_total,
                GCancellable           *cancellable,
                GError                **error)
{
  g_autofree guint8 *buf = NULL;
  guint64 done = 0, size = 0;
  int fd;
  gboolean ok = TRUE;

  if (self->data != NULL)
    {
      const guint8 *p = g_bytes_get_data (self->data, NULL);
      while (done < len)
        {
          gsize n = (gsize) MIN (len - done, (guint64) CHUNK_SIZE);
          if (cancelled (cancellable, error) ||
              !func (p + self->payload_offset + from + done, n, user_data, error))
            return FALSE;
          done += n;
          if (progress)
            progress (progress_base + done, progress_total, progress_data);
        }
      return TRUE;
    }

  fd = open_source (self->path, &size, error);
  if (fd < 0)
    return FALSE;
  if (size != self->source_size)
    {
      close (fd);
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_IO,
                   "%s changed size while OpenSSP was using it (%" G_GUINT64_FORMAT " bytes, was %"
                   G_GUINT64_FORMAT "); try again", self->path, size, self->source_size);
      return FALSE;
    }
  posix_fadvise (fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  buf = g_malloc (CHUNK_SIZE);
  while (ok && done < len)
    {
      gsize n = (gsize) MIN (len - done, (guint64) CHUNK_SIZE);
      ok = !cancelled (cancellable, error) &&
           read_full (fd, buf, n, self->payload_offset + from + done, self->path, error) &&
           func (buf, n, user_data, error);
      done += n;
      if (ok && progress)
        progress (progress_base + done, progress_total, progress_data);
    }
  close (fd);
  return ok;
}

typedef struct {
  gnutls_hash_hd_t hash;
  guint32          checksum;
} HashState;

/* §1: 32-bit sum of every payload byte, overflow discarded. Eight bytes
 * at a time: byte pairs add into 16-bit lanes, folded before a lane can
 * overflow (128 words × 2 × 255 < 65536); the byte loop was 10 % of a sign. */
static guint32
checksum_add (guint32 sum, const guint8 *p, gsize len)
{
  while (len >= 8)
    {
      gsize words = MIN (len / 8, (gsize) 128);
      guint64 acc = 0;
      for (gsize i = 0; i < words; i++)
        {
          guint64 w;
          memcpy (&w, p + 8 * i, 8);
          acc += (w & G_GUINT64_CONSTANT (0x00FF00FF00FF00FF)) +
                 ((w >> 8) & G_GUINT64_CONSTANT (0x00FF00FF00FF00FF));
        }
      acc = (acc & G_GUINT64_CONSTANT (0x0000FFFF0000FFFF)) +
            ((acc >> 16) & G_GUINT64_CONSTANT (0x0000FFFF0000FFFF));
      sum += (guint32) (acc + (acc >> 32));
      p += 8 * words;
      len -= 8 * words;
    }
  for (gsize i = 0; i < len; i++)
    sum += p[i];
  return sum;
}

static gboolean
hash_chunk (const guint8 *data, gsize len, gpointer user_data, GError **error)
{
  HashState *st = user_data;

  st->checksum = checksum_add (st->checksum, data, len);
  if (gnutls_hash (st->hash, data, len) < 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_CRYPTO, "SHA-256 failed");
      return FALSE;
    }
  return TRUE;
}

static gboolean
hash_start (OsspImage *self, HashState *st, GError **error)
{
  st->checksum = 0;
  if (gnutls_hash_init (&st->hash, GNUTLS_DIG_SHA256) < 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_CRYPTO, "Cannot start SHA-256");
      return FALSE;
    }
  /* the signed range starts with the header from header_version on */
  gnutls_hash (st->hash, hdr (self) + OSSP_IMAGE_SIGNED_FROM,
               self->header->len - OSSP_IMAGE_SIGNED_FROM);
  return TRUE;
}

gboolean
ossp_image_compute (OsspImage              *self,
                    guint8                  out_digest[32],
                    guint32                *out_checksum,
                    OsspImageProgressFunc   progress,
                    gpointer                progress_data,
                    GCancellable           *cancellable,
                    GError                **error)
{
  HashState st;
  guint64 len = ossp_image_get_length (self);
  gboolean ok;
  guint8 digest[32];

  if (!hash_start (self, &st, error))
    return FALSE;
  ok = source_foreach (self, 0, len, hash_chunk, &st, progress, progress_data, 0, len,
                       cancellable, error);
  gnutls_hash_deinit (st.hash, digest);
  if (!ok)
    return FALSE;
  if (out_digest)
    memcpy (out_digest, digest, 32);
  if (out_checksum)
    *out_checksum = st.checksum;
  return TRUE;
}

static gboolean
verify_rs (OsspImage     *self,
           const guint8   digest[32],
           const guint8   rs[64],
           GError       **error)
{
  g_autoptr(OsspKeyPair) key = NULL;
  guint algo = 0;
  guint8 xy[64];

  if (!ossp_image_get_public_key (self, &algo, xy))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_VALIDATION,
                   "The header carries no public key to check the signature with");
      return FALSE;
    }
  key = ossp_key_pair_new_from_public_raw ((OsspCurve) algo, xy, error);
  return key != NULL && ossp_key_pair_verify_digest (key, digest, rs, error);
}

/* Output: a temp file (renamed into place at the end) or memory. A file
 * is written by a thread of its own from a few chunk buffers, so that
 * writing overlaps hashing (memory stays at SINK_BUFFERS chunks). */
#define SINK_BUFFERS 3

typedef struct {
  guint8 *data;
  gsize   len;
} Block;

typedef struct {
  int          fd;
  GByteArray  *mem;
  const char  *path;
  GThread     *thread;
  GAsyncQueue *todo;
  GAsyncQueue *spare;
  Block        blocks[SINK_BUFFERS];
  Block        stop;
  int          write_errno;   /* first write error of the thread */
} Sink;

static gboolean
write_all (int fd, const guint8 *data, gsize len, int *out_errno)
{
  while (len > 0)
    {
      ssize_t n = write (fd, data, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          *out_errno = errno;
          return FALSE;
        }
      data += n;
      len -= (gsize) n;
    }
  return TRUE;
}

static gpointer
sink_thread (gpointer data)
{
  Sink *sink = data;
  off_t written = 0;

  for (;;)
    {
      Block *b = g_async_queue_pop (sink->todo);
      int e = 0;
      if (b == &sink->stop)
        break;
      if (g_atomic_int_get (&sink->write_errno) == 0 && !write_all (sink->fd, b->data, b->len, &e))
        g_atomic_int_set (&sink->write_errno, e ? e : EIO);
#ifdef SYNC_FILE_RANGE_WRITE
      /* start the write-back of this block now, while the next ones are
       * hashed: the fsync before the rename then waits for little */
      else
        sync_file_range (sink->fd, written, (off_t) b->len, SYNC_FILE_RANGE_WRITE);
#endif
      written += (off_t) b->len;
      g_async_queue_push (sink->spare, b);
    }
  return NULL;
}

static void
sink_start (Sink *sink)
{
  sink->todo = g_async_queue_new ();
  sink->spare = g_async_queue_new ();
  for (guint i = 0; i < SINK_BUFFERS; i++)
    {
      sink->blocks[i].data = g_malloc (CHUNK_SIZE);
      g_async_queue_push (sink->spare, &sink->blocks[i]);
    }
  sink->thread = g_thread_new ("ossp-image-write", sink_thread, sink);
}

static void
set_write_error (Sink *sink, int saved_errno, GError **error)
{
  g_set_error (error, OSSP_ERROR, saved_errno == EACCES || saved_errno == EPERM ? OSSP_ERROR_PERMISSION
               : OSSP_ERROR_IO, "Cannot write %s: %s", sink->path, g_strerror (saved_errno));
}

/* Waits until every queued block is on its way to the file. */
static gboolean
sink_stop (Sink *sink, GError **error)
{
  if (sink->thread == NULL)
    return TRUE;
  g_async_queue_push (sink->todo, &sink->stop);
  g_thread_join (sink->thread);
  sink->thread = NULL;
  for (guint i = 0; i < SINK_BUFFERS; i++)
    g_clear_pointer (&sink->blocks[i].data, g_free);
  g_clear_pointer (&sink->todo, g_async_queue_unref);
  g_clear_pointer (&sink->spare, g_async_queue_unref);
  if (sink->write_errno != 0)
    {
      set_write_error (sink, sink->write_errno, error);
      return FALSE;
    }
  return TRUE;
}

static gboolean
sink_write (Sink *sink, const guint8 *data, gsize len, GError **error)
{
  if (sink->mem != NULL)
    {
      g_byte_array_append (sink->mem, data, (guint) len);
      return TRUE;
    }
  while (len > 0)
    {
      gsize n = MIN (len, (gsize) CHUNK_SIZE);
      int e = g_atomic_int_get (&sink->write_errno);
      Block *b;
      if (e != 0)
        {
          set_write_error (sink, e, error);
          return FALSE;
        }
      b = g_async_queue_pop (sink->spare);
      memcpy (b->data, data, n);
      b->len = n;
      g_async_queue_push (sink->todo, b);
      data += n;
      len -= n;
    }
  return TRUE;
}

static gboolean
sink_patch (Sink *sink, gsize offset, const guint8 *data, gsize len, GError **error)
{
  if (sink->mem != NULL)
    {
      memcpy (sink->mem->data + offset, data, len);
      return TRUE;
    }
  if (pwrite (sink->fd, data, len, (off_t) offset) != (ssize_t) len)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_IO, "Cannot write %s: %s", sink->path,
                   g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

typedef struct {
  HashState  hash;
  Sink      *sink;
  guint64    remaining_hashed;  /* payload bytes still to hash; trailing ones are only copied */
} CopyState;

static gboolean
copy_chunk (const guint8 *data, gsize len, gpointer user_data, GError **error)
{
  CopyState *st = user_data;
  gsize hashed = (gsize) MIN ((guint64) len, st->remaining_hashed);

  if (hashed > 0 && !hash_chunk (data, hashed, &st->hash, error))
    return FALSE;
  st->remaining_hashed -= hashed;
  return sink_write (st->sink, data, len, error);
}

/* One pass: header, then payload (hashed, summed, copied), then the
 * checksum and signature patched into the first 0x48 bytes. With
 * @range_only the sink gets exactly the signed bytes instead. */
static gboolean
write_to_sink (OsspImage              *self,
               Sink                   *sink,
               gboolean                range_only,
               OsspImageWriteFlags     flags,
               OsspImageSignFunc       sign,
               gpointer                sign_data,
               OsspImageProgressFunc   progress,
               gpointer                progress_data,
               GCancellable           *cancellable,
               GError                **error)
{
  CopyState st = { .sink = sink };
  guint64 len = ossp_image_get_length (self);
  guint64 total = range_only ? len : len + ossp_image_get_trailing_length (self);
  guint8 digest[32], rs[64], first[OSSP_IMAGE_SIGNED_FROM];
  gboolean ok;

  if (sign != NULL && !ossp_image_get_public_key (self, NULL, NULL))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "The header has no public key yet; put the signing key in first");
      return FALSE;
    }
  if (!range_only)
    ok = sink_write (sink, hdr (self), self->header->len, error);
  else
    ok = sink_write (sink, hdr (self) + OSSP_IMAGE_SIGNED_FROM,
                     self->header->len - OSSP_IMAGE_SIGNED_FROM, error);
  if (!ok || !hash_start (self, &st.hash, error))
    return FALSE;
  st.remaining_hashed = len;
  ok = source_foreach (self, 0, total, copy_chunk, &st, progress, progress_data, 0, total,
                       cancellable, error);
  gnutls_hash_deinit (st.hash.hash, digest);
  if (!ok || range_only)
    return ok;

  if (self->header_checksum_valid && st.hash.checksum != ossp_image_get_checksum (self) &&
      !(flags & OSSP_IMAGE_WRITE_FIX_CHECKSUM))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_VERIFY_FAILED,
                   "The payload sums to 0x%08X but the header's checksum says 0x%08X: the file "
                   "was damaged or edited after its header was made; nothing was written "
                   "(recompute it with --fix-checksum if the payload is right)",
                   st.hash.checksum, ossp_image_get_checksum (self));
      return FALSE;
    }
  memcpy (first, hdr (self), sizeof first);
  ossp_write_le32 (first + OFF_CHECKSUM, st.hash.checksum);
  if (sign != NULL)
    {
      if (!sign (digest, rs, sign_data, error))
        return FALSE;
      /* like SigningTool's "Signature verification": never write a
       * signature the key in the header does not accept */
      if (!verify_rs (self, digest, rs, error))
        {
          g_prefix_error (error, "The signature does not verify with the public key in the header "
                          "(made with another key, or over other bytes?): ");
          return FALSE;
        }
      memcpy (first + OFF_SIGNATURE, rs, 64);
      ossp_secure_wipe (rs, sizeof rs);
    }
  if (!sink_stop (sink, error) || !sink_patch (sink, 0, first, sizeof first, error))
    return FALSE;
  memcpy (hdr (self), first, sizeof first);
  self->header_checksum_valid = TRUE;
  return TRUE;
}

static gboolean
finish_file (Sink *sink, const char *tmp, const char *path, OsspImageWriteFlags flags,
             GError **error)
{
  if (fsync (sink->fd) != 0 || close (sink->fd) != 0)
    {
      int saved_errno = errno;
      sink->fd = -1;
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_IO, "Cannot write %s: %s", path,
                   g_strerror (saved_errno));
      return FALSE;
    }
  sink->fd = -1;
  if (flags & OSSP_IMAGE_WRITE_OVERWRITE)
    {
      if (rename (tmp, path) == 0)
        return TRUE;
    }
  else if (link (tmp, path) == 0) /* fails if the output appeared meanwhile */
    {
      g_unlink (tmp);
      return TRUE;
    }
  g_set_error (error, OSSP_ERROR, errno == EEXIST ? OSSP_ERROR_EXISTS : OSSP_ERROR_IO,
               errno == EEXIST ? "%s already exists; it was left untouched (use --force to replace it)"
               : "Cannot write %s: %s", path, g_strerror (errno));
  return FALSE;
}

static gboolean
write_file (OsspImage              *self,
            const char             *path,
            gboolean                range_only,
            OsspImageWriteFlags     flags,
            OsspImageSignFunc       sign,
            gpointer                sign_data,
            OsspImageProgressFunc   progress,
            gpointer                progress_data,
            GCancellable           *cancellable,
            GError                **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *tmp = g_strdup_printf ("%s/.%s.XXXXXX", dir, base);
  Sink sink = { .path = path };
  gboolean ok;

  if (!ossp_file_check_writable (path, (flags & OSSP_IMAGE_WRITE_OVERWRITE)
                                       ? OSSP_WRITE_FLAGS_OVERWRITE : OSSP_WRITE_FLAGS_NONE, error))
    return FALSE;
  sink.fd = g_mkstemp_full (tmp, O_RDWR | O_CLOEXEC, 0644);
  if (sink.fd < 0 || fchmod (sink.fd, 0644) != 0)
    {
      int saved_errno = errno;
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_IO, "Cannot create a file in %s: %s", dir,
                   g_strerror (saved_errno));
      if (sink.fd >= 0)
        {
          close (sink.fd);
          g_unlink (tmp);
        }
      return FALSE;
    }
  sink_start (&sink);
  ok = write_to_sink (self, &sink, range_only, flags, sign, sign_data, progress, progress_data,
                      cancellable, error);
  /* drain the writer on every path before the file is closed */
  ok = sink_stop (&sink, ok ? error : NULL) && ok;
  /* the last moment a cancel is honoured: after the signature and the
   * drain, before the file takes its name ("nothing is written") */
  ok = ok && !cancelled (cancellable, error);
  ok = ok && finish_file (&sink, tmp, path, flags, error);
  if (sink.fd >= 0)
    close (sink.fd);
  if (!ok)
    g_unlink (tmp);
  return ok;
}

gboolean
ossp_image_write (OsspImage              *self,
                  const char             *path,
                  OsspImageWriteFlags     flags,
                  OsspImageSignFunc       sign,
                  gpointer                sign_data,
                  OsspImageProgressFunc   progress,
                  gpointer                progress_data,
                  GCancellable           *cancellable,
                  GError                **error)
{
  return write_file (self, path, FALSE, flags, sign, sign_data, progress, progress_data,
                     cancellable, error);
}

gboolean
ossp_image_write_signed_range (OsspImage            *self,
                               const char           *path,
                               OsspImageWriteFlags   flags,
                               GCancellable         *cancellable,
                               GError              **error)
{
  return write_file (self, path, TRUE, flags, NULL, NULL, NULL, NULL, cancellable, error);
}

GBytes *
ossp_image_write_bytes (OsspImage            *self,
                        OsspImageWriteFlags   flags,
                        OsspImageSignFunc     sign,
                        gpointer              sign_data,
                        GError              **error)
{
  g_autoptr(GByteArray) mem = g_byte_array_new ();
  Sink sink = { .fd = -1, .mem = mem, .path = "memory" };

  if (!write_to_sink (self, &sink, FALSE, flags, sign, sign_data, NULL, NULL, NULL, error))
    return NULL;
  return g_byte_array_free_to_bytes (g_steal_pointer (&mem));
}

gboolean
ossp_image_key_pair_sign_func (const guint8   digest[32],
                               guint8         out_rs[64],
                               gpointer       user_data,
                               GError       **error)
{
  return ossp_key_pair_sign_digest (OSSP_KEY_PAIR (user_data), digest, out_rs, error);
}

static gboolean
int_to_32 (const gnutls_datum_t *v, guint8 out[32])
{
  const guint8 *p = v->data;
  gsize n = v->size;

  /* DER INTEGERs carry a 0x00 when the top bit is set; drop it */
  while (n > 0 && *p == 0)
    {
      p++;
      n--;
    }
  if (n > 32)
    return FALSE;
  memset (out, 0, 32 - n);
  memcpy (out + 32 - n, p, n);
  return TRUE;
}

gboolean
ossp_image_parse_signature (const guint8  *data,
                            gsize          len,
                            guint8         out_rs[64],
                            GError       **error)
{
  gnutls_datum_t der = { (unsigned char *) data, (unsigned int) len };
  gnutls_datum_t r = { NULL, 0 }, s = { NULL, 0 };
  gboolean ok;

  /* 64 bytes is r||s: a DER signature of exactly 64 bytes would need r and s
   * both 29 bytes or shorter, which ECDSA gives with probability ~2^-48 */
  if (len == 64)
    {
      memcpy (out_rs, data, 64);
      return TRUE;
    }
  if (len < 8 || data[0] != 0x30 || gnutls_decode_rs_value (&der, &r, &s) < 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "The signature is %zu bytes and neither raw r||s (64 bytes) nor a DER "
                   "ECDSA-Sig-Value (SEQUENCE of two INTEGERs)", len);
      return FALSE;
    }
  ok = int_to_32 (&r, out_rs) && int_to_32 (&s, out_rs + 32);
  gnutls_free (r.data);
  gnutls_free (s.data);
  if (!ok)
    g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                 "The DER signature holds a number longer than 32 bytes; it is not a 256-bit "
                 "ECDSA signature");
  return ok;
}

/* ---- verify ---- */

void
ossp_image_check_free (OsspImageCheck *check)
{
  if (check == NULL)
    return;
  g_free (check->id);
  g_free (check->message);
  g_free (check);
}

static void
add_check (GPtrArray            *checks,
           const char           *id,
           OsspImageCheckStatus  status,
           const char           *format,
           ...) G_GNUC_PRINTF (4, 5);

static void
add_check (GPtrArray            *checks,
           const char           *id,
           OsspImageCheckStatus  status,
           const char           *format,
           ...)
{
  OsspImageCheck *check = g_new0 (OsspImageCheck, 1);
  va_list args;

  check->id = g_strdup (id);
  check->status = status;
  va_start (args, format);
  check->message = g_strdup_vprintf (format, args);
  va_end (args);
  g_ptr_array_add (checks, check);
}

const char *
ossp_image_check_status_to_string (OsspImageCheckStatus status)
{
  switch (status)
    {
    case OSSP_IMAGE_CHECK_PASS: return "pass";
    case OSSP_IMAGE_CHECK_FAIL: return "fail";
    case OSSP_IMAGE_CHECK_WARNING: return "warning";
    case OSSP_IMAGE_CHECK_SKIPPED: return "skipped";
    default: return "unknown";
    }
}

static char *
hex32 (const guint8 *p)
{
  return ossp_hex_encode (p, 32);
}

static void
check_header (OsspImage *self, GPtrArray *checks)
{
  g_autofree char *version = ossp_image_version_to_string (ossp_image_get_header_version (self));

  if (self->problems->len > 0)
    {
      g_autofree char *text = g_strjoinv ("; ", (char **) ossp_image_get_problems (self));
      add_check (checks, "header", OSSP_IMAGE_CHECK_FAIL, "%s", text);
    }
  else if (self->notes->len > 0)
    {
      g_autofree char *text = g_strjoinv ("; ", (char **) ossp_image_get_notes (self));
      add_check (checks, "header", OSSP_IMAGE_CHECK_WARNING, "%s", text);
    }
  else
    add_check (checks, "header", OSSP_IMAGE_CHECK_PASS, "STM32 header v%s (%s), %u bytes",
               version, ossp_image_version_chip_name (ossp_image_get_header_version (self)),
               self->header->len);
}

static void
check_signature (OsspImage    *self,
                 GPtrArray    *checks,
                 const guint8  digest[32])
{
  g_autoptr(OsspKeyPair) key = NULL;
  g_autoptr(GError) local_error = NULL;
  guint8 xy[64], rs[64];
  guint algo = 0;
  guint64 end = self->header->len + (guint64) ossp_image_get_length (self);

  if (!ossp_image_is_signed (self))
    {
      gboolean no_check = ossp_image_get_header_major (self) == 1 &&
                          (ossp_image_get_flags (self) & OSSP_IMAGE_V1_FLAG_NO_SIG_CHECK);
      add_check (checks, "signature", OSSP_IMAGE_CHECK_FAIL,
                 "the image is not signed (the signature field is all zero)%s",
                 no_check ? "; option flag No_sig_check is set, so only an open chip boots it" : "");
      return;
    }
  if (!ossp_image_get_public_key (self, &algo, xy))
    {
      add_check (checks, "signature", OSSP_IMAGE_CHECK_FAIL,
                 "the header carries a signature but no public key to check it with");
      return;
    }
  key = ossp_key_pair_new_from_public_raw ((OsspCurve) algo, xy, &local_error);
  ossp_image_get_signature (self, rs);
  if (key == NULL)
    add_check (checks, "signature", OSSP_IMAGE_CHECK_FAIL,
               "the public key in the header cannot be used: %s", local_error->message);
  else if (!ossp_key_pair_verify_digest (key, digest, rs, &local_error))
    add_check (checks, "signature", OSSP_IMAGE_CHECK_FAIL,
               "the ECDSA signature over bytes 0x48..0x%" G_GINT64_MODIFIER "X does not verify with "
               "the public key in the header: the header or payload changed after signing, or the "
               "signature is damaged", end - 1);
  else
    add_check (checks, "signature", OSSP_IMAGE_CHECK_PASS,
               "ECDSA-SHA256 (%s) over bytes 0x48..0x%" G_GINT64_MODIFIER "X verifies with the public "
               "key in the header", ossp_curve_get_name ((OsspCurve) algo), end - 1);
}

static void
check_keys (OsspImage             *self,
            GPtrArray             *checks,
            const OsspImageExpect *expect)
{
  gboolean v1 = ossp_image_get_header_major (self) == 1;
  gboolean has_key;
  guint8 xy[64], pkh[32], pkhth[32];
  guint algo = 0, n_keys = 0;
  const guint8 *table = ossp_image_get_pkh_table (self, &n_keys);
  gint idx = ossp_image_get_key_index (self);

  memset (pkh, 0, sizeof pkh);
  has_key = ossp_image_get_public_key (self, &algo, xy);
  if (has_key)
    compute_pkh (algo, xy, !v1, pkh);

  if (!v1)
    {
      if (table == NULL)
        add_check (checks, "key-table", OSSP_IMAGE_CHECK_FAIL,
                   "no authentication extension: the header has no key table");
      else if (memcmp (table + 32 * idx, pkh, 32) != 0)
        add_check (checks, "key-table", OSSP_IMAGE_CHECK_FAIL,
                   "table entry %d is not the hash of the public key in the header", idx);
      else
        add_check (checks, "key-table", OSSP_IMAGE_CHECK_PASS,
                   "table entry %d of %u is the hash of the public key in the header", idx, n_keys);
    }

  if (expect == NULL || expect->public_key == NULL)
    add_check (checks, "public-key", OSSP_IMAGE_CHECK_SKIPPED, "no expected public key given");
  else
    {
      guint8 want[64];
      ossp_key_pair_get_public_raw (expect->public_key, want);
      if (!has_key)
        add_check (checks, "public-key", OSSP_IMAGE_CHECK_FAIL, "the header carries no public key");
      else if (algo != (guint) ossp_key_pair_get_curve (expect->public_key) || memcmp (want, xy, 64) != 0)
        add_check (checks, "public-key", OSSP_IMAGE_CHECK_FAIL,
                   "the public key in the header is not the expected one");
      else
        add_check (checks, "public-key", OSSP_IMAGE_CHECK_PASS,
                   "the header carries the expected public key");
    }

  if (expect == NULL || !expect->has_pkh)
    add_check (checks, "pkh", OSSP_IMAGE_CHECK_SKIPPED, "no expected PKH given");
  else if (!has_key)
    add_check (checks, "pkh", OSSP_IMAGE_CHECK_FAIL, "the header carries no public key to hash");
  else if (memcmp (expect->pkh, pkh, 32) != 0)
    {
      g_autofree char *got = hex32 (pkh);
      add_check (checks, "pkh", OSSP_IMAGE_CHECK_FAIL,
                 "the key's hash %s (SHA-256 of %s) is not the expected PKH", got,
                 v1 ? "X||Y" : "LE32(algo)||X||Y");
    }
  else
    add_check (checks, "pkh", OSSP_IMAGE_CHECK_PASS, "the key's hash (SHA-256 of %s) is the expected PKH",
               v1 ? "X||Y" : "LE32(algo)||X||Y");

  if (expect == NULL || !expect->has_pkhth)
    {
      if (!v1)
        add_check (checks, "pkhth", OSSP_IMAGE_CHECK_SKIPPED, "no expected PKHTH given");
      return;
    }
  if (v1)
    {
      add_check (checks, "pkhth", OSSP_IMAGE_CHECK_FAIL,
                 "a v1 header (STM32MP15) has no key table, so it has no PKHTH; compare its PKH");
      return;
    }
  if (table == NULL)
    {
      add_check (checks, "pkhth", OSSP_IMAGE_CHECK_FAIL, "the header has no key table to hash");
      return;
    }
  ossp_pkh_table_hash (table, n_keys, pkhth);
  if (memcmp (pkhth, expect->pkhth, 32) != 0)
    {
      g_autofree char *got = hex32 (pkhth);
      add_check (checks, "pkhth", OSSP_IMAGE_CHECK_FAIL,
                 "the hash of the %u-entry key table is %s, not the expected PKHTH", n_keys, got);
    }
  else
    add_check (checks, "pkhth", OSSP_IMAGE_CHECK_PASS,
               "the hash of the %u-entry key table is the expected PKHTH", n_keys);
}

GPtrArray *
ossp_image_verify (OsspImage              *self,
                   const OsspImageExpect  *expect,
                   OsspImageProgressFunc   progress,
                   gpointer                progress_data,
                   GCancellable           *cancellable,
                   GError                **error)
{
  g_autoptr(GPtrArray) checks = g_ptr_array_new_with_free_func ((GDestroyNotify) ossp_image_check_free);
  guint8 digest[32];
  guint32 sum = 0;

  if (!ossp_image_compute (self, digest, &sum, progress, progress_data, cancellable, error))
    return NULL;
  check_header (self, checks);
  if (sum == ossp_image_get_checksum (self))
    add_check (checks, "checksum", OSSP_IMAGE_CHECK_PASS,
               "0x%08X is the sum of the %u payload bytes", sum, ossp_image_get_length (self));
  else
    add_check (checks, "checksum", OSSP_IMAGE_CHECK_FAIL,
               "the header says 0x%08X but the %u payload bytes sum to 0x%08X",
               ossp_image_get_checksum (self), ossp_image_get_length (self), sum);
  check_signature (self, checks, digest);
  check_keys (self, checks, expect);
  return g_steal_pointer (&checks);
}

gboolean
ossp_image_checks_passed (GPtrArray *checks)
{
  for (guint i = 0; i < checks->len; i++)
    if (((OsspImageCheck *) g_ptr_array_index (checks, i))->status == OSSP_IMAGE_CHECK_FAIL)
      return FALSE;
  return TRUE;
}

JsonNode *
ossp_image_checks_to_json (GPtrArray *checks)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_array (b);
  for (guint i = 0; i < checks->len; i++)
    {
      OsspImageCheck *c = g_ptr_array_index (checks, i);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "check");
      json_builder_add_string_value (b, c->id);
      json_builder_set_member_name (b, "status");
      json_builder_add_string_value (b, ossp_image_check_status_to_string (c->status));
      json_builder_set_member_name (b, "message");
      json_builder_add_string_value (b, c->message);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  return json_builder_get_root (b);
}

/* ---- binary type ---- */

/* SigningTool -t names. fsbl = 0x10 and ssbl = 0x00 are public (§2); the
 * OP-TEE numbers are only inside the public 0x20–0x2F range (docs/image.md). */
static const struct { const char *name; guint32 type; } binary_types[] = {
  { "fsbl", 0x10 }, { "tf-a", 0x10 }, { "ssbl", 0x00 }, { "u-boot", 0x00 },
  { "teeh", 0x20 }, { "teed", 0x21 }, { "teex", 0x22 }, { "copro", 0x30 },
};

gboolean
ossp_image_binary_type_from_string (const char  *text,
                                    guint32     *out_type,
                                    GError     **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (binary_types); i++)
    if (g_ascii_strcasecmp (text, binary_types[i].name) == 0)
      {
        *out_type = binary_types[i].type;
        return TRUE;
      }
  if (ossp_parse_u32 (text, out_type, NULL))
    return TRUE;
  g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
               "Unknown binary type \"%s\"; use fsbl, ssbl, teeh, teed, teex, copro or a number",
               text);
  return FALSE;
}

const char *
ossp_image_binary_type_describe (guint32 binary_type)
{
  if (binary_type == 0x00)
    return "U-Boot";
  if (binary_type == 0x10)
    return "TF-A BL2 (FSBL)";
  if (binary_type >= 0x11 && binary_type <= 0x1F)
    return "TF-A";
  if (binary_type >= 0x20 && binary_type <= 0x2F)
    return "OP-TEE";
  if (binary_type == 0x30)
    return "coprocessor firmware";
  return "unknown";
}

/* ---- inspect ---- */

void
ossp_image_field_free (OsspImageField *field)
{
  if (field == NULL)
    return;
  g_free (field->value);
  g_free (field);
}

static void
add_field (GPtrArray  *fields,
           const char *id,
           const char *label,
           const char *format,
           ...) G_GNUC_PRINTF (4, 5);

static void
add_field (GPtrArray  *fields,
           const char *id,
           const char *label,
           const char *format,
           ...)
{
  OsspImageField *f = g_new0 (OsspImageField, 1);
  va_list args;

  f->id = id;
  f->label = label;
  va_start (args, format);
  f->value = g_strdup_vprintf (format, args);
  va_end (args);
  g_ptr_array_add (fields, f);
}

static char *
describe_flags (OsspImage *self)
{
  guint32 flags = ossp_image_get_flags (self);
  GString *s = g_string_new (NULL);

  g_string_printf (s, "0x%08X", flags);
  if (ossp_image_get_header_major (self) == 1)
    g_string_append (s, (flags & OSSP_IMAGE_V1_FLAG_NO_SIG_CHECK)
                        ? " (No_sig_check: the ROM skips the signature on an open chip)"
                        : " (signature check requested)");
  else
    {
      g_string_append (s, " (");
      g_string_append (s, (flags & OSSP_IMAGE_EXT_FLAG_AUTH) ? "authentication" : "no authentication");
      if (flags & OSSP_IMAGE_EXT_FLAG_DECRYPT)
        g_string_append (s, ", decryption");
      if (flags & OSSP_IMAGE_EXT_FLAG_PADDING)
        g_string_append (s, ", padding");
      g_string_append (s, ")");
    }
  return g_string_free (s, FALSE);
}

static const char *
algo_name (guint algo)
{
  if (algo == OSSP_CURVE_P256 || algo == OSSP_CURVE_BRAINPOOL_P256T1)
    return ossp_curve_get_name ((OsspCurve) algo);
  return "unknown";
}

GPtrArray *
ossp_image_get_fields (OsspImage *self)
{
  GPtrArray *fields = g_ptr_array_new_with_free_func ((GDestroyNotify) ossp_image_field_free);
  guint32 version = ossp_image_get_header_version (self);
  gboolean v1 = ossp_image_get_header_major (self) == 1;
  g_autofree char *vstr = ossp_image_version_to_string (version);
  g_autofree char *flags = describe_flags (self);
  guint8 xy[64], rs[64], pkh[32];
  guint algo = 0, n_keys = 0;
  gboolean has_key = ossp_image_get_public_key (self, &algo, xy);
  const guint8 *table = ossp_image_get_pkh_table (self, &n_keys);

  add_field (fields, "header_version", "Header version", "%s (0x%08X, %s)", vstr, version,
             ossp_image_version_chip_name (version));
  add_field (fields, "header_size", "Header size", "%u bytes (payload at 0x%X)",
             self->header->len, self->header->len);
  ossp_image_get_signature (self, rs);
  if (ossp_image_is_signed (self))
    {
      g_autofree char *r = ossp_hex_encode (rs, 32);
      g_autofree char *s = ossp_hex_encode (rs + 32, 32);
      add_field (fields, "signature", "Signature", "r %s s %s", r, s);
    }
  else
    add_field (fields, "signature", "Signature", "none (all zero)");
  if (self->header_checksum_valid)
    add_field (fields, "checksum", "Checksum", "0x%08X", ossp_image_get_checksum (self));
  else
    add_field (fields, "checksum", "Checksum", "computed when the image is written");
  add_field (fields, "image_length", "Image length", "%u bytes", ossp_image_get_length (self));
  add_field (fields, "entry_point", "Entry point", "0x%08X", ossp_image_get_entry_point (self));
  add_field (fields, "load_address", "Load address", "0x%08X", ossp_image_get_load_address (self));
  add_field (fields, "image_version", "Image version", "%u (anti-rollback)",
             ossp_image_get_image_version (self));
  add_field (fields, v1 ? "option_flags" : "extension_flags",
             v1 ? "Option flags" : "Extension flags", "%s", flags);
  add_field (fields, "binary_type", "Binary type", "0x%02X (%s)", ossp_image_get_binary_type (self),
             ossp_image_binary_type_describe (ossp_image_get_binary_type (self)));
  if (v1 || self->auth_off != 0)
    add_field (fields, "ecdsa_algorithm", "ECDSA algorithm", "%u (%s)", algo, algo_name (algo));
  if (has_key)
    {
      g_autofree char *x = ossp_hex_encode (xy, 32);
      g_autofree char *y = ossp_hex_encode (xy + 32, 32);
      g_autofree char *h = NULL;
      add_field (fields, "public_key", "Public key", "X %s Y %s", x, y);
      compute_pkh (algo, xy, !v1, pkh);
      h = hex32 (pkh);
      add_field (fields, "pkh", v1 ? "Public key hash (PKH)" : "Public key hash (algo+key)", "%s", h);
    }
  else if (v1)
    add_field (fields, "public_key", "Public key", "none (all zero)");
  if (!v1)
    {
      add_field (fields, "extension_headers_length", "Extension headers", "%u bytes",
                 hdr_u32 (self, V2_OFF_EXT_LEN));
      if (table != NULL)
        {
          guint8 pkhth[32];
          g_autofree char *th = NULL;
          add_field (fields, "key_index", "Key index", "%d of %u", ossp_image_get_key_index (self), n_keys);
          for (guint i = 0; i < n_keys; i++)
            {
              g_autofree char *h = hex32 (table + 32 * i);
              add_field (fields, "pkh_table", "PKH table entry", "%u: %s", i, h);
            }
          ossp_pkh_table_hash (table, n_keys, pkhth);
          th = hex32 (pkhth);
          add_field (fields, "pkhth", "Hash of the PKH table (PKHTH)", "%s", th);
        }
      if (self->decrypt_off != 0)
        add_field (fields, "decryption", "Decryption extension", "at 0x%zX, key size %u bits",
                   self->decrypt_off, hdr_u32 (self, self->decrypt_off + 8));
      if (self->padding_off != 0)
        add_field (fields, "padding", "Padding extension", "at 0x%zX, %u bytes", self->padding_off,
                   hdr_u32 (self, self->padding_off + 4));
    }
  if (ossp_image_get_trailing_length (self) > 0)
    add_field (fields, "trailing_bytes", "Bytes after the payload", "%" G_GUINT64_FORMAT " (not signed)",
               ossp_image_get_trailing_length (self));
  for (guint i = 0; i < self->problems->len; i++)
    add_field (fields, "problem", "Problem", "%s", (char *) g_ptr_array_index (self->problems, i));
  for (guint i = 0; i < self->notes->len; i++)
    add_field (fields, "note", "Note", "%s", (char *) g_ptr_array_index (self->notes, i));
  return fields;
}

static void
json_hex (JsonBuilder *b, const char *name, const guint8 *p, gsize len)
{
  g_autofree char *h = ossp_hex_encode (p, len);
  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, h);
}

static void
json_int (JsonBuilder *b, const char *name, gint64 v)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, v);
}

static void
json_str (JsonBuilder *b, const char *name, const char *v)
{
  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, v);
}

static void
json_strv (JsonBuilder *b, const char *name, GPtrArray *list)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (guint i = 0; i < list->len; i++)
    json_builder_add_string_value (b, g_ptr_array_index (list, i));
  json_builder_end_array (b);
}

static void
json_extensions (OsspImage *self, JsonBuilder *b)
{
  gsize off = OSSP_IMAGE_V2_BASE_SIZE;

  json_builder_set_member_name (b, "extensions");
  json_builder_begin_array (b);
  while (off + 8 <= self->header->len)
    {
      guint32 type = hdr_u32 (self, off), len = hdr_u32 (self, off + 4);
      json_builder_begin_object (b);
      json_str (b, "type", type == OSSP_IMAGE_EXT_AUTH ? "authentication"
                           : type == OSSP_IMAGE_EXT_DECRYPTION ? "decryption"
                           : type == OSSP_IMAGE_EXT_PADDING ? "padding" : "unknown");
      json_int (b, "type_id", type);
      json_int (b, "offset", (gint64) off);
      json_int (b, "length", len);
      json_builder_end_object (b);
      off += len;
    }
  json_builder_end_array (b);
}

JsonNode *
ossp_image_to_json (OsspImage *self)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autofree char *vstr = ossp_image_version_to_string (ossp_image_get_header_version (self));
  gboolean v1 = ossp_image_get_header_major (self) == 1;
  guint8 xy[64], rs[64], pkh[32];
  guint algo = 0, n_keys = 0;
  gboolean has_key = ossp_image_get_public_key (self, &algo, xy);
  const guint8 *table = ossp_image_get_pkh_table (self, &n_keys);

  json_builder_begin_object (b);
  if (self->path)
    json_str (b, "file", self->path);
  json_str (b, "header_version", vstr);
  json_int (b, "header_version_id", ossp_image_get_header_version (self));
  json_str (b, "chip", ossp_image_version_chip_name (ossp_image_get_header_version (self)));
  json_int (b, "header_size", self->header->len);
  json_int (b, "payload_offset", self->header->len);
  json_builder_set_member_name (b, "signed");
  json_builder_add_boolean_value (b, ossp_image_is_signed (self));
  ossp_image_get_signature (self, rs);
  json_hex (b, "signature", rs, 64);
  json_int (b, "checksum", ossp_image_get_checksum (self));
  json_int (b, "image_length", ossp_image_get_length (self));
  json_int (b, "entry_point", ossp_image_get_entry_point (self));
  json_int (b, "load_address", ossp_image_get_load_address (self));
  json_int (b, "reserved1", hdr_u32 (self, OFF_RESERVED1));
  json_int (b, "reserved2", hdr_u32 (self, OFF_RESERVED2));
  json_int (b, "image_version", ossp_image_get_image_version (self));
  json_int (b, v1 ? "option_flags" : "extension_flags", ossp_image_get_flags (self));
  json_int (b, "binary_type", ossp_image_get_binary_type (self));
  json_str (b, "binary_type_name", ossp_image_binary_type_describe (ossp_image_get_binary_type (self)));
  if (v1 || self->auth_off != 0)
    {
      json_int (b, "ecdsa_algorithm", algo);
      json_str (b, "curve", algo_name (algo));
    }
  if (has_key)
    {
      json_hex (b, "public_key", xy, 64);
      compute_pkh (algo, xy, !v1, pkh);
      json_hex (b, "pkh", pkh, 32);
    }
  if (!v1)
    {
      json_int (b, "extension_headers_length", hdr_u32 (self, V2_OFF_EXT_LEN));
      json_extensions (self, b);
      if (table != NULL)
        {
          guint8 pkhth[32];
          json_builder_set_member_name (b, "authentication");
          json_builder_begin_object (b);
          json_int (b, "key_index", ossp_image_get_key_index (self));
          json_int (b, "n_keys", n_keys);
          json_builder_set_member_name (b, "pkh_table");
          json_builder_begin_array (b);
          for (guint i = 0; i < n_keys; i++)
            {
              g_autofree char *h = hex32 (table + 32 * i);
              json_builder_add_string_value (b, h);
            }
          json_builder_end_array (b);
          ossp_pkh_table_hash (table, n_keys, pkhth);
          json_hex (b, "pkhth", pkhth, 32);
          json_builder_end_object (b);
        }
    }
  json_int (b, "trailing_bytes", (gint64) ossp_image_get_trailing_length (self));
  json_strv (b, "problems", self->problems);
  json_strv (b, "notes", self->notes);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
