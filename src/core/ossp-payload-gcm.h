/* ossp-payload-gcm.h — AES-128-GCM as the SSP payload uses it (GnuTLS AEAD)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define OSSP_PAYLOAD_GCM_KEY_SIZE   16  /* AES-128 (payload.md §3.3) */
#define OSSP_PAYLOAD_GCM_NONCE_SIZE 12  /* 96-bit GCM nonce (ssp-flow.md §7.1) */
#define OSSP_PAYLOAD_GCM_TAG_SIZE   16

/* @out_cipher receives @len bytes, @out_tag 16 bytes. */
gboolean ossp_payload_gcm_encrypt (const guint8  key[OSSP_PAYLOAD_GCM_KEY_SIZE],
                                   const guint8  nonce[OSSP_PAYLOAD_GCM_NONCE_SIZE],
                                   const guint8 *aad,
                                   gsize         aad_len,
                                   const guint8 *plain,
                                   gsize         len,
                                   guint8       *out_cipher,
                                   guint8        out_tag[OSSP_PAYLOAD_GCM_TAG_SIZE],
                                   GError      **error);
/* Fails with OSSP_ERROR_VERIFY_FAILED when the tag does not match; then
 * @out_plain (@len bytes) is zeroed, never left with unauthenticated data. */
gboolean ossp_payload_gcm_decrypt (const guint8  key[OSSP_PAYLOAD_GCM_KEY_SIZE],
                                   const guint8  nonce[OSSP_PAYLOAD_GCM_NONCE_SIZE],
                                   const guint8 *aad,
                                   gsize         aad_len,
                                   const guint8 *cipher,
                                   gsize         len,
                                   const guint8  tag[OSSP_PAYLOAD_GCM_TAG_SIZE],
                                   guint8       *out_plain,
                                   GError      **error);

G_END_DECLS
