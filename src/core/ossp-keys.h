/* ossp-keys.h — a set of authentication key pairs as KeyGen_CLI writes it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "ossp-chip.h"
#include "ossp-key-pair.h"

G_BEGIN_DECLS

#define OSSP_KEYS_MAX 8

/* KeyGen_CLI's two output layouts (keys.md §2, docs/keys.md):
 * SINGLE   publicKey.pem, privateKey.pem, publicKeyhash.bin; PKH = SHA-256(X||Y)
 *          (MP15, header v1; KeyGen without -n)
 * NUMBERED privateKeyNN.pem, publicKeyNN.pem, publicKeyHashNN.bin,
 *          publicKeysHashHashes.bin; PKH = SHA-256(LE32(algo)||X||Y), the
 *          PKHTH over them (MP13/MP25, header v2; KeyGen -n N) */
typedef enum {
  OSSP_KEYS_LAYOUT_SINGLE = 1,
  OSSP_KEYS_LAYOUT_NUMBERED = 2,
} OsspKeysLayout;

typedef enum {
  OSSP_KEYS_FILE_PRIVATE,
  OSSP_KEYS_FILE_PUBLIC,
  OSSP_KEYS_FILE_PKH,
  OSSP_KEYS_FILE_PKHTH,
} OsspKeysFile;

#define OSSP_TYPE_KEYS (ossp_keys_get_type ())
G_DECLARE_FINAL_TYPE (OsspKeys, ossp_keys, OSSP, KEYS, GObject)

/* @n_keys 1..8; SINGLE needs exactly 1. @cancellable is checked between keys. */
OsspKeys     *ossp_keys_generate          (OsspKeysLayout   layout,
                                           OsspCurve        curve,
                                           guint            n_keys,
                                           GCancellable    *cancellable,
                                           GError         **error);
/* Layout and key count from the chip (MP15: SINGLE, 1 key; MP13/MP25:
 * NUMBERED, auth_keys.count keys). @n_keys 0 means the chip's count; other
 * values must fit the chip. The curve must be one the chip lists. */
OsspKeys     *ossp_keys_generate_for_chip (OsspChip        *chip,
                                           OsspCurve        curve,
                                           guint            n_keys,
                                           GCancellable    *cancellable,
                                           GError         **error);
/* A set from existing key pairs (e.g. loaded public keys), for hashing. */
OsspKeys     *ossp_keys_new_from_pairs    (OsspKeysLayout   layout,
                                           OsspKeyPair    **pairs,
                                           guint            n_keys,
                                           GError         **error);

OsspKeysLayout ossp_keys_get_layout       (OsspKeys        *self);
guint         ossp_keys_get_n_keys        (OsspKeys        *self);
OsspKeyPair  *ossp_keys_get_key           (OsspKeys        *self,
                                           guint            index);
/* The PKH as this layout writes it (plain for SINGLE, algo-prefixed for NUMBERED). */
void          ossp_keys_get_pkh           (OsspKeys        *self,
                                           guint            index,
                                           guint8           out[32]);
/* NUMBERED only (FALSE for SINGLE): SHA-256 over the n PKHs. */
gboolean      ossp_keys_get_pkhth         (OsspKeys        *self,
                                           guint8           out[32]);
/* The 32 bytes that go to the chip's PKH OTP words: the PKH (SINGLE) or
 * the PKHTH (NUMBERED). */
void          ossp_keys_get_otp_hash      (OsspKeys        *self,
                                           guint8           out[32]);
/* KeyGen's file name, e.g. "privateKey03.pem"; @index ignored for PKHTH
 * and in SINGLE layout. NULL for PKHTH in SINGLE layout. */
char         *ossp_keys_get_file_name     (OsspKeys        *self,
                                           OsspKeysFile     kind,
                                           guint            index);
/* Every path ossp_keys_save() writes into @dir, in write order. */
GPtrArray    *ossp_keys_list_paths        (OsspKeys        *self,
                                           const char      *dir);
/* Writes the whole set into @dir (created 0700 if missing). @passwords has
 * 1 entry (used for every key) or one per key. Checks every target first,
 * so an existing file without OVERWRITE leaves everything untouched; on a
 * failure midway, the files written by this call are removed again. */
gboolean      ossp_keys_save              (OsspKeys        *self,
                                           const char      *dir,
                                           const char * const *passwords,
                                           guint            n_passwords,
                                           OsspWriteFlags   flags,
                                           GError         **error);

/* Random secrets (keys.md §8; KeyGen -rand): @n_bytes from GnuTLS' key RNG
 * into a 0600 file. With @nonce (16 bytes only), the last 4 bytes are
 * zeroed: only bytes 0..11 are the AES-GCM nonce of the SSP payload and
 * its tools require bytes 12..15 to be 00 (payload.md §3.3). */
gboolean      ossp_random_write_file      (const char      *path,
                                           gsize            n_bytes,
                                           gboolean         nonce,
                                           OsspWriteFlags   flags,
                                           GError         **error);

G_END_DECLS
