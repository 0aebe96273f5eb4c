/* ossp-sim-image-check.h — what the simulated BootROM checks in an FSBL image
 *
 * Written from image-header.md §1–§3 (the ROM side only: parse and verify,
 * never build). Rules: ssp-flow.md §4.4 rule 2.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define OSSP_SIM_IMAGE_MAX_KEYS 8

typedef struct {
  guint32  header_version;     /* major<<16 | minor<<8 */
  guint32  image_version;
  guint32  image_length;
  guint32  entry_point;
  gsize    payload_offset;
  gboolean auth_requested;     /* v1: option_flags bit0 clear; v2: extension bit0 */
  guint32  algo;               /* 1 P-256, 2 brainpoolP256t1 */
  guint8   pubkey[64];         /* X‖Y */
  gboolean has_auth_extension; /* v2 */
  guint32  pk_idx;
  guint32  nb_pk;
  guint8   pk_hashes[OSSP_SIM_IMAGE_MAX_KEYS][32];
} OsspSimImageInfo;

/* Magic, header version (must be @want_version), exact length, checksum,
 * v2 extension framing. Errors: OSSP_ERROR_INVALID_DATA (layout) or
 * OSSP_ERROR_VERIFY_FAILED (checksum). */
gboolean ossp_sim_image_parse        (const guint8      *data,
                                      gsize              len,
                                      guint32            want_version,
                                      OsspSimImageInfo  *info,
                                      GError           **error);
/* Signature with the header key and the key against @otp_hash (PKH =
 * SHA-256(X‖Y) for v1; PKHTH = SHA-256(key-hash table) for v2). */
gboolean ossp_sim_image_authenticate (const guint8           *data,
                                      gsize                   len,
                                      const OsspSimImageInfo *info,
                                      const guint8            otp_hash[32],
                                      GError                **error);

G_END_DECLS
