/* ossp-image.h — STM32 image header v1 (MP15) and v2.0/v2.2 (MP13/MP25):
 * parse, build, sign, verify, inspect (spec image-header.md)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "ossp-key-pair.h"
#include "ossp-util.h"

G_BEGIN_DECLS

/* header_version as the LE u32 at 0x48 (image-header.md §1) */
typedef enum {
  OSSP_IMAGE_VERSION_1_0 = 0x00010000, /* STM32MP15 */
  OSSP_IMAGE_VERSION_2_0 = 0x00020000, /* STM32MP13 */
  OSSP_IMAGE_VERSION_2_2 = 0x00020200, /* STM32MP23 / STM32MP25 */
} OsspImageVersion;

#define OSSP_IMAGE_V1_HEADER_SIZE   0x100
#define OSSP_IMAGE_V2_BASE_SIZE     0x80
#define OSSP_IMAGE_V2_HEADER_SIZE   0x200
#define OSSP_IMAGE_MAX_KEYS         8
/* first byte of the signed range: header_version (§2, §3.3) */
#define OSSP_IMAGE_SIGNED_FROM      0x48

#define OSSP_IMAGE_EXT_DECRYPTION   0x01005453u
#define OSSP_IMAGE_EXT_AUTH         0x02005453u
#define OSSP_IMAGE_EXT_PADDING      0xFFFF5453u
#define OSSP_IMAGE_EXT_FLAG_AUTH    (1u << 0)
#define OSSP_IMAGE_EXT_FLAG_DECRYPT (1u << 1)
#define OSSP_IMAGE_EXT_FLAG_PADDING (1u << 31)
#define OSSP_IMAGE_V1_FLAG_NO_SIG_CHECK (1u << 0)

typedef enum {
  OSSP_IMAGE_WRITE_NONE         = 0,
  OSSP_IMAGE_WRITE_OVERWRITE    = 1 << 0, /* replace an existing output (--force) */
  /* the payload no longer sums to the header's checksum: write the new sum
   * instead of refusing (the input was edited after its header was made) */
  OSSP_IMAGE_WRITE_FIX_CHECKSUM = 1 << 1,
} OsspImageWriteFlags;

typedef enum {
  OSSP_IMAGE_CHECK_PASS,
  OSSP_IMAGE_CHECK_FAIL,
  OSSP_IMAGE_CHECK_WARNING,
  OSSP_IMAGE_CHECK_SKIPPED,
} OsspImageCheckStatus;

/* One line of a verification report; ids are stable (docs/image.md):
 * "header", "checksum", "signature", "key-table", "public-key", "pkh", "pkhth". */
typedef struct {
  char                 *id;
  OsspImageCheckStatus  status;
  char                 *message;
} OsspImageCheck;

/* What verify compares the image with; every member is optional. */
typedef struct {
  gboolean  has_pkh;
  guint8    pkh[32];        /* v1: SHA-256(X||Y); v2: SHA-256(LE32(algo)||X||Y) */
  gboolean  has_pkhth;
  guint8    pkhth[32];      /* v2 only: SHA-256 of the whole PKH table */
  OsspKeyPair *public_key;  /* the key the image must carry */
} OsspImageExpect;

/* One human-readable field of `inspect` (CLI text and GUI share these). */
typedef struct {
  const char *id;
  const char *label;
  char       *value;
} OsspImageField;

/* A signer is anything that turns the SHA-256 digest of the signed range
 * into raw r||s: a key pair, a PKCS#11 token, a signature made elsewhere. */
typedef gboolean (*OsspImageSignFunc)     (const guint8  digest[32],
                                           guint8        out_rs[64],
                                           gpointer      user_data,
                                           GError      **error);
typedef void     (*OsspImageProgressFunc) (guint64       done,
                                           guint64       total,
                                           gpointer      user_data);

#define OSSP_TYPE_IMAGE (ossp_image_get_type ())
G_DECLARE_FINAL_TYPE (OsspImage, ossp_image, OSSP, IMAGE, GObject)

/* Parsing: only the header is read; the payload stays in the file and is
 * streamed by every later pass. */
OsspImage   *ossp_image_new_from_file          (const char     *path,
                                                GError        **error);
OsspImage   *ossp_image_new_from_bytes         (GBytes         *data,
                                                GError        **error);
gboolean     ossp_image_file_has_header        (const char     *path);
/* A raw binary plus a fresh header, filled like mkimage (§4): v1 option
 * flags 1, algorithm 1; v2 a padding extension up to 0x200. */
OsspImage   *ossp_image_new_from_payload_file  (const char     *path,
                                                guint32         header_version,
                                                GError        **error);
OsspImage   *ossp_image_new_from_payload_bytes (GBytes         *payload,
                                                guint32         header_version,
                                                GError        **error);

/* Opens @path the way SigningTool does: an image with a header is parsed
 * (and must have @version when it is not 0: a header is never converted);
 * anything else, or every file with @force_raw, is a raw binary that gets a
 * fresh header of @version. */
OsspImage   *ossp_image_open                   (const char     *path,
                                                guint32         version,
                                                gboolean        force_raw,
                                                GError        **error);

gboolean     ossp_image_version_from_string    (const char     *text,
                                                guint32        *out_version,
                                                GError        **error);
char        *ossp_image_version_to_string      (guint32         version);
const char  *ossp_image_version_chip_name      (guint32         version);

guint32      ossp_image_get_header_version     (OsspImage      *self);
guint        ossp_image_get_header_major       (OsspImage      *self);
gsize        ossp_image_get_header_size        (OsspImage      *self);
const guint8 *ossp_image_get_header_data       (OsspImage      *self);
guint32      ossp_image_get_checksum           (OsspImage      *self);
guint32      ossp_image_get_length             (OsspImage      *self);
guint64      ossp_image_get_trailing_length    (OsspImage      *self);
guint32      ossp_image_get_entry_point        (OsspImage      *self);
guint32      ossp_image_get_load_address       (OsspImage      *self);
guint32      ossp_image_get_image_version      (OsspImage      *self);
/* v1 option_flags or v2 extension_flags: the u32 at 0x64 */
guint32      ossp_image_get_flags              (OsspImage      *self);
guint32      ossp_image_get_binary_type        (OsspImage      *self);
const char  *ossp_image_get_path               (OsspImage      *self);
gboolean     ossp_image_is_raw                 (OsspImage      *self);
gboolean     ossp_image_is_signed              (OsspImage      *self);
void         ossp_image_get_signature          (OsspImage      *self,
                                                guint8          out_rs[64]);
/* FALSE when the header carries no key (v2 without authentication). */
gboolean     ossp_image_get_public_key         (OsspImage      *self,
                                                guint          *out_algo,
                                                guint8          out_xy[64]);
/* v2 authentication extension; NULL/0 when absent */
const guint8 *ossp_image_get_pkh_table         (OsspImage      *self,
                                                guint          *out_n_keys);
gint         ossp_image_get_key_index          (OsspImage      *self);
gboolean     ossp_image_has_decryption         (OsspImage      *self);
/* Things in the header that tools or the ROM may dislike, found while
 * parsing (non-zero reserved fields, padding bytes…). */
const char * const *ossp_image_get_notes       (OsspImage      *self);
/* …and things that make the ROM refuse or misread it (flags that do not
 * match the extensions, unknown algorithm or extension). */
const char * const *ossp_image_get_problems    (OsspImage      *self);

/* Setters change bytes inside the signed range, so each one clears the
 * signature: an old signature can never sit on a changed header. */
void         ossp_image_set_entry_point        (OsspImage      *self,
                                                guint32         address);
void         ossp_image_set_load_address       (OsspImage      *self,
                                                guint32         address);
void         ossp_image_set_image_version      (OsspImage      *self,
                                                guint32         version);
gboolean     ossp_image_set_binary_type        (OsspImage      *self,
                                                guint32         binary_type,
                                                GError        **error);
/* v1: option flags as given. v2: checked against what the header holds
 * (decryption and unknown bits are refused). */
gboolean     ossp_image_set_flags              (OsspImage      *self,
                                                guint32         flags,
                                                GError        **error);
/* Puts the signing key into the header. v1: algorithm + key, option
 * flags 0. v2: authentication extension with @pkh_table (n_keys × 32
 * bytes of SHA-256(LE32(algo)||X||Y)), or a one-entry table of this key
 * when @pkh_table is NULL; @key_index −1 finds the key in the table.
 * A table entry at the index that is not this key → OSSP_ERROR_VALIDATION. */
gboolean     ossp_image_set_auth               (OsspImage      *self,
                                                guint           algo,
                                                const guint8    pub_xy[64],
                                                const guint8   *pkh_table,
                                                guint           n_keys,
                                                gint            key_index,
                                                GError        **error);
/* The same from keys: @signer's public half, and the public keys of the
 * v2 table in key-index order (@n_table 0: keep the table the image has,
 * or a one-key table). v1 takes at most one table key, which must be the
 * signer's. */
gboolean     ossp_image_set_auth_from_keys     (OsspImage      *self,
                                                OsspKeyPair    *signer,
                                                OsspKeyPair   **table,
                                                guint           n_table,
                                                gint            key_index,
                                                GError        **error);
void         ossp_image_set_signature          (OsspImage      *self,
                                                const guint8    rs[64]);

/* One streaming pass over the signed range: digest (SHA-256 over
 * [0x48, end of payload)) and payload checksum. */
gboolean     ossp_image_compute                (OsspImage      *self,
                                                guint8          out_digest[32],
                                                guint32        *out_checksum,
                                                OsspImageProgressFunc progress,
                                                gpointer        progress_data,
                                                GCancellable   *cancellable,
                                                GError        **error);

/* Writes header + payload (+ trailing bytes) to @path through a temp file
 * in the same folder that is renamed into place; reads the payload once
 * in small chunks. With @sign the digest is signed during the same pass
 * and the signature is checked against the key in the header. */
gboolean     ossp_image_write                  (OsspImage      *self,
                                                const char     *path,
                                                OsspImageWriteFlags flags,
                                                OsspImageSignFunc sign,
                                                gpointer        sign_data,
                                                OsspImageProgressFunc progress,
                                                gpointer        progress_data,
                                                GCancellable   *cancellable,
                                                GError        **error);
GBytes      *ossp_image_write_bytes            (OsspImage      *self,
                                                OsspImageWriteFlags flags,
                                                OsspImageSignFunc sign,
                                                gpointer        sign_data,
                                                GError        **error);
/* The exact bytes that are hashed and signed, for an external signer. */
gboolean     ossp_image_write_signed_range     (OsspImage      *self,
                                                const char     *path,
                                                OsspImageWriteFlags flags,
                                                GCancellable   *cancellable,
                                                GError        **error);

/* An OsspImageSignFunc for an OsspKeyPair passed as @user_data. */
gboolean     ossp_image_key_pair_sign_func     (const guint8    digest[32],
                                                guint8          out_rs[64],
                                                gpointer        user_data,
                                                GError        **error);
/* Raw r||s (64 bytes) or a DER ECDSA-Sig-Value → raw r||s. */
gboolean     ossp_image_parse_signature        (const guint8   *data,
                                                gsize           len,
                                                guint8          out_rs[64],
                                                GError        **error);

/* Every check, each with its own result; the error is only set when the
 * image could not be read at all. */
GPtrArray   *ossp_image_verify                 (OsspImage      *self,
                                                const OsspImageExpect *expect,
                                                OsspImageProgressFunc progress,
                                                gpointer        progress_data,
                                                GCancellable   *cancellable,
                                                GError        **error);
gboolean     ossp_image_checks_passed          (GPtrArray      *checks);
const char  *ossp_image_check_status_to_string (OsspImageCheckStatus status);
JsonNode    *ossp_image_checks_to_json         (GPtrArray      *checks);
void         ossp_image_check_free             (OsspImageCheck *check);

GPtrArray   *ossp_image_get_fields             (OsspImage      *self);
void         ossp_image_field_free             (OsspImageField *field);
JsonNode    *ossp_image_to_json                (OsspImage      *self);

/* "fsbl" → 0x10 and friends (SigningTool -t), or a number. */
gboolean     ossp_image_binary_type_from_string (const char    *text,
                                                guint32        *out_type,
                                                GError        **error);
const char  *ossp_image_binary_type_describe   (guint32         binary_type);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OsspImageCheck, ossp_image_check_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OsspImageField, ossp_image_field_free)

G_END_DECLS
