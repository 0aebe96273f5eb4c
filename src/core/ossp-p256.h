/* ossp-p256.h — NIST P-256 primitives used by the HSM and license formats
 *
 * Keys are raw bytes as the chip formats carry them: a private scalar is
 * 32 bytes big-endian, a public key is X‖Y (32 + 32 bytes big-endian), an
 * ECDSA signature is r‖s (32 + 32). ECDSA and hashing go through GnuTLS;
 * ECDH uses nettle (GnuTLS's own back-end) because GnuTLS 3.7 has no public
 * ECDH call (gnutls_privkey_derive_secret appeared in 3.8).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define OSSP_P256_PRIVATE_SIZE   32
#define OSSP_P256_PUBLIC_SIZE    64
#define OSSP_P256_SIGNATURE_SIZE 64

gboolean ossp_p256_generate_key        (guint8        priv[OSSP_P256_PRIVATE_SIZE],
                                        guint8        pub[OSSP_P256_PUBLIC_SIZE],
                                        GError      **error);
gboolean ossp_p256_public_from_private (const guint8  priv[OSSP_P256_PRIVATE_SIZE],
                                        guint8        pub[OSSP_P256_PUBLIC_SIZE],
                                        GError      **error);
/* TRUE when X‖Y is a point of the curve (not the point at infinity). */
gboolean ossp_p256_check_public        (const guint8  pub[OSSP_P256_PUBLIC_SIZE]);
/* Z = (priv · peer).x, 32 bytes big-endian */
gboolean ossp_p256_ecdh                (const guint8  priv[OSSP_P256_PRIVATE_SIZE],
                                        const guint8  peer_pub[OSSP_P256_PUBLIC_SIZE],
                                        guint8        z[32],
                                        GError      **error);
/* ECDSA P-256 with SHA-256 over @data */
gboolean ossp_p256_sign                (const guint8  priv[OSSP_P256_PRIVATE_SIZE],
                                        const guint8 *data,
                                        gsize         len,
                                        guint8        sig[OSSP_P256_SIGNATURE_SIZE],
                                        GError      **error);
gboolean ossp_p256_verify              (const guint8  pub[OSSP_P256_PUBLIC_SIZE],
                                        const guint8 *data,
                                        gsize         len,
                                        const guint8  sig[OSSP_P256_SIGNATURE_SIZE],
                                        GError      **error);
/* A public key given as a file (PEM or DER SubjectPublicKeyInfo, raw 64
 * bytes X‖Y, 65 bytes 04‖X‖Y, or a file holding hex) or as hex text
 * (128 digits X‖Y or 130 digits 04‖X‖Y). */
gboolean ossp_p256_load_public         (const char   *file_or_hex,
                                        guint8        pub[OSSP_P256_PUBLIC_SIZE],
                                        GError      **error);

G_END_DECLS
