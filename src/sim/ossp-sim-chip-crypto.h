/* ossp-sim-chip-crypto.h — the chip simulator's crypto: P-256, SHA-256, AES-GCM
 *
 * The simulated BootROM and the simulator's "factory" need raw P-256 scalar
 * arithmetic (derive a public key from a private scalar, ECDH x-coordinate),
 * which GnuTLS 3.7 does not expose; Nettle (GnuTLS's own crypto back-end)
 * does. Hashes and AES-GCM go through GnuTLS.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define OSSP_SIM_P256_SCALAR_SIZE 32
#define OSSP_SIM_P256_POINT_SIZE  64   /* X‖Y, 32 bytes big-endian each */
#define OSSP_SIM_SHA256_SIZE      32

/* priv = SHA-256(label ‖ data) mod n; when that is 0, SHA-256(label ‖ data ‖
 * BE32(counter)) mod n with counter = 1, 2, … (ssp-flow.md §4.4 rule 6). */
void     ossp_sim_p256_derive_private (const char    *label,
                                       const guint8  *data,
                                       gsize          len,
                                       guint8         out_priv[OSSP_SIM_P256_SCALAR_SIZE]);
gboolean ossp_sim_p256_public         (const guint8   priv[OSSP_SIM_P256_SCALAR_SIZE],
                                       guint8         out_pub[OSSP_SIM_P256_POINT_SIZE],
                                       GError       **error);
/* Z = (priv · peer).x; fails when @peer is not a point of the curve. */
gboolean ossp_sim_p256_ecdh           (const guint8   priv[OSSP_SIM_P256_SCALAR_SIZE],
                                       const guint8   peer[OSSP_SIM_P256_POINT_SIZE],
                                       guint8         out_x[OSSP_SIM_P256_SCALAR_SIZE],
                                       GError       **error);
/* ECDSA over a SHA-256 digest; signature = r‖s, 32 bytes big-endian each. */
gboolean ossp_sim_p256_sign           (const guint8   priv[OSSP_SIM_P256_SCALAR_SIZE],
                                       const guint8   digest[OSSP_SIM_SHA256_SIZE],
                                       guint8         out_sig[64],
                                       GError       **error);
gboolean ossp_sim_p256_verify         (const guint8   pub[OSSP_SIM_P256_POINT_SIZE],
                                       const guint8   digest[OSSP_SIM_SHA256_SIZE],
                                       const guint8   sig[64]);

void     ossp_sim_sha256              (const void    *data,
                                       gsize          len,
                                       guint8         out[OSSP_SIM_SHA256_SIZE]);
/* AES-128-GCM with a 96-bit nonce and a 16-byte tag. */
gboolean ossp_sim_aes128_gcm_decrypt  (const guint8   key[16],
                                       const guint8   nonce[12],
                                       const guint8  *aad,
                                       gsize          aad_len,
                                       const guint8  *ciphertext,
                                       gsize          len,
                                       const guint8   tag[16],
                                       guint8        *out_plain,
                                       GError       **error);

/* The "OpenSSP root" key of ST key id @key_id (docs/simulator.md):
 * priv = SHA-256("OpenSSP-root" ‖ u8 key_id) mod n, retry rule as above. */
void     ossp_sim_root_key            (guint8         key_id,
                                       guint8         out_priv[OSSP_SIM_P256_SCALAR_SIZE],
                                       guint8         out_pub[OSSP_SIM_P256_POINT_SIZE]);

G_END_DECLS
