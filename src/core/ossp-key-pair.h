/* ossp-key-pair.h — one ECDSA key pair (or public key) for STM32 secure boot
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>
#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>

#include "ossp-util.h"

G_BEGIN_DECLS

/* Values are the STM32 image header's algorithm ids (keys.md §1). */
typedef enum {
  OSSP_CURVE_P256 = 1,
  OSSP_CURVE_BRAINPOOL_P256T1 = 2,
} OsspCurve;

/* Name as OpenSSL and the chip maps spell it: "prime256v1", "brainpoolP256t1". */
const char  *ossp_curve_get_name               (OsspCurve    curve);
/* Accepts the names above, "P-256"/"secp256r1", and the ids "1"/"2". */
gboolean     ossp_curve_from_name              (const char  *name,
                                                OsspCurve   *out_curve,
                                                GError     **error);
/* FALSE (+ OSSP_ERROR_UNSUPPORTED) for curves GnuTLS cannot do here. */
gboolean     ossp_curve_check_supported        (OsspCurve    curve,
                                                GError     **error);

#define OSSP_TYPE_KEY_PAIR (ossp_key_pair_get_type ())
G_DECLARE_FINAL_TYPE (OsspKeyPair, ossp_key_pair, OSSP, KEY_PAIR, GObject)

OsspKeyPair *ossp_key_pair_generate            (OsspCurve     curve,
                                                GError      **error);
/* Encrypted PEM (traditional Proc-Type/DEK-Info and PKCS#8), or unencrypted
 * SEC1 / PKCS#8. A wrong password gives OSSP_ERROR_BAD_PASSWORD. */
OsspKeyPair *ossp_key_pair_load_private        (const char   *path,
                                                const char   *password,
                                                GError      **error);
OsspKeyPair *ossp_key_pair_load_private_data   (const guint8 *data,
                                                gsize         len,
                                                const char   *password,
                                                const char   *what,
                                                GError      **error);
/* SubjectPublicKeyInfo PEM ("BEGIN PUBLIC KEY"). */
OsspKeyPair *ossp_key_pair_load_public         (const char   *path,
                                                GError      **error);
OsspKeyPair *ossp_key_pair_load_public_data    (const guint8 *data,
                                                gsize         len,
                                                const char   *what,
                                                GError      **error);
OsspKeyPair *ossp_key_pair_new_from_public_raw (OsspCurve     curve,
                                                const guint8  xy[64],
                                                GError      **error);

gboolean     ossp_key_pair_has_private         (OsspKeyPair  *self);
OsspCurve    ossp_key_pair_get_curve           (OsspKeyPair  *self);
/* X || Y, 32-byte big-endian each (the SEC1 point without its 0x04). */
void         ossp_key_pair_get_public_raw      (OsspKeyPair  *self,
                                                guint8        out_xy[64]);
/* SHA-256(X||Y) (MP15) or SHA-256(LE32(algo)||X||Y) (MP13/MP25), keys.md §4 */
void         ossp_key_pair_get_pkh             (OsspKeyPair  *self,
                                                gboolean      with_algo,
                                                guint8        out[32]);
/* ECDSA over a SHA-256 digest; the signature is raw r||s (keys.md §7). */
gboolean     ossp_key_pair_sign_digest         (OsspKeyPair  *self,
                                                const guint8  digest[32],
                                                guint8        out_rs[64],
                                                GError      **error);
gboolean     ossp_key_pair_verify_digest       (OsspKeyPair  *self,
                                                const guint8  digest[32],
                                                const guint8  rs[64],
                                                GError      **error);
/* Traditional "EC PRIVATE KEY" PEM, AES-256-CBC (docs/keys.md), 0600, atomic. */
gboolean     ossp_key_pair_save_private        (OsspKeyPair  *self,
                                                const char   *path,
                                                const char   *password,
                                                OsspWriteFlags flags,
                                                GError      **error);
gboolean     ossp_key_pair_save_public         (OsspKeyPair  *self,
                                                const char   *path,
                                                OsspWriteFlags flags,
                                                GError      **error);
/* The PEM texts themselves; the private one lives in wiped memory
 * (free it with ossp_secret_free). */
OsspSecret  *ossp_key_pair_export_private_pem  (OsspKeyPair  *self,
                                                const char   *password,
                                                GError      **error);
char        *ossp_key_pair_export_public_pem   (OsspKeyPair  *self,
                                                GError      **error);
gnutls_privkey_t ossp_key_pair_get_privkey     (OsspKeyPair  *self);
gnutls_pubkey_t  ossp_key_pair_get_pubkey      (OsspKeyPair  *self);

/* ECDSA-Sig-Value DER <-> raw r||s (OpenSSL tools speak DER, the STM32
 * header raw). to_der returns the DER length (at most 72). from_der fails
 * with OSSP_ERROR_INVALID_DATA on anything but one DER SEQUENCE of two
 * positive INTEGERs of at most 32 significant bytes. */
gsize        ossp_ecdsa_signature_to_der       (const guint8  rs[64],
                                                guint8        out_der[72]);
gboolean     ossp_ecdsa_signature_from_der     (const guint8 *der,
                                                gsize         len,
                                                guint8        out_rs[64],
                                                GError      **error);

/* PKHTH: SHA-256 over n_keys * 32 bytes of PKHs, keys.md §5. */
void         ossp_pkh_table_hash               (const guint8 *pkhs,
                                                guint         n_keys,
                                                guint8        out[32]);

G_END_DECLS
