/* ossp-test-ssp-host.h — a minimal SSP host written in the tests, from the spec
 *
 * The simulator must be checked against ssp-flow.md / payload.md /
 * image-header.md, not against itself: everything a host would build
 * (FSBL images, licenses, payloads) and every byte exchange is written here
 * again, directly from the spec, with GnuTLS (and Nettle for the P-256 point
 * arithmetic GnuTLS 3.7 does not expose). Nothing here calls src/sim.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  guint8 priv[32];
  guint8 pub[64];
} OsspTestKey;

void      ossp_test_key_generate      (OsspTestKey       *key);
/* SHA-256(label ‖ data [‖ BE32 counter]) mod n, as docs/simulator.md says. */
void      ossp_test_key_derive        (OsspTestKey       *key,
                                       const char        *label,
                                       const guint8      *data,
                                       gsize              len);
void      ossp_test_sha256            (const void        *data,
                                       gsize              len,
                                       guint8             out[32]);
void      ossp_test_ecdsa_sign        (const OsspTestKey *key,
                                       const guint8       digest[32],
                                       guint8             sig[64]);
gboolean  ossp_test_ecdsa_verify      (const guint8       pub[64],
                                       const guint8       digest[32],
                                       const guint8       sig[64]);
void      ossp_test_ecdh_x            (const guint8       priv[32],
                                       const guint8       pub[64],
                                       guint8             x[32]);
void      ossp_test_gcm_encrypt       (const guint8       key[16],
                                       const guint8       nonce[12],
                                       const guint8      *aad,
                                       gsize              aad_len,
                                       const guint8      *plain,
                                       gsize              len,
                                       guint8            *out_cipher,
                                       guint8             out_tag[16]);

/* An FSBL image: v1 header for stm32mp15, v2.0 for stm32mp13, v2.2 for
 * stm32mp25; signed with @key when given (v2: key 0 of an 8-entry table).
 * @out_hash gets what the chip must hold in its PKH/PKHTH words. */
GBytes   *ossp_test_build_fsbl        (const char        *chip_id,
                                       const OsspTestKey *key,
                                       guint32            image_version,
                                       gsize              payload_len,
                                       guint8             out_hash[32]);
/* ssp-flow.md §7.3 / payload.md §1: license for @chip_pub. */
GBytes   *ossp_test_build_license     (const guint8       chip_pub[64],
                                       guint32            type,
                                       guint32            fsbl_min_version,
                                       const guint8       oem_iv[16],
                                       const guint8       oem_key[16]);
/* payload.md §2: MP15 (@key_or_hash = 64-byte OEM key) or MP13 (32-byte
 * PKHTH) payload holding @secrets (RMA word first). */
GBytes   *ossp_test_build_payload     (gboolean           mp15,
                                       const guint8      *key_or_hash,
                                       const guint8      *secrets,
                                       gsize              size,
                                       const guint8       oem_iv[16],
                                       const guint8       oem_key[16]);

/* UART host side on a real pty (ssp-flow.md §4.2 byte table). */
int       ossp_test_uart_open         (const char        *path);
/* Reads exactly @len bytes or fails the test after @timeout_ms. */
void      ossp_test_uart_expect       (int                fd,
                                       const guint8      *bytes,
                                       gsize              len,
                                       guint              timeout_ms);
/* Reads up to @len bytes within @timeout_ms; returns the count. */
gsize     ossp_test_uart_read         (int                fd,
                                       guint8            *buf,
                                       gsize              len,
                                       guint              timeout_ms);
void      ossp_test_uart_write        (int                fd,
                                       const guint8      *bytes,
                                       gsize              len);
/* CMD, CMD^0xFF, then expects ACK. */
void      ossp_test_uart_command      (int                fd,
                                       guint8             cmd);
/* DOWNLOAD in packets of ≤ 256 bytes with operation byte @op. */
void      ossp_test_uart_download     (int                fd,
                                       guint8             op,
                                       const guint8      *data,
                                       gsize              len);
void      ossp_test_uart_start        (int                fd,
                                       guint32            address,
                                       guint8             expect);
/* ROM stage: sync, GET_PHASE = 0x01 + @load, DOWNLOAD the image, START. */
void      ossp_test_uart_rom_boot     (int                fd,
                                       guint32            load,
                                       GBytes            *image);

G_END_DECLS
