/* ossp-license.h — the 136-byte SSP license (payload.md §1) and its
 * OpenSSP-ECIES v1 crypto (ssp-flow.md §7.3)
 *
 * Layout (public, little-endian): license_type, live_session_id,
 * license_version (1), fsbl_min_version, rfu[8], eph_ecies_pubk[64],
 * encrypted_iv_and_key[32], license_tag[16].
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define OSSP_LICENSE_SIZE         136
#define OSSP_LICENSE_HEADER_SIZE  88          /* bytes 0..87: the AAD part */
#define OSSP_LICENSE_TYPE_SSP     0x2E505353u /* "SSP." bytes 53 53 50 2E */
#define OSSP_LICENSE_TYPE_SSPL    0x4C505353u /* "SSPL" (live session) */
#define OSSP_LICENSE_VERSION      1u
#define OSSP_OEM_KEY_SIZE         16
#define OSSP_OEM_IV_SIZE          16          /* the "nonce" file; bytes 12..15 zero */

typedef struct {
  guint32 license_type;
  guint32 live_session_id;
  guint32 license_version;
  guint32 fsbl_min_version;
  guint8  rfu[8];
  guint8  eph_pubkey[64];
  guint8  encrypted_iv_and_key[32];
  guint8  tag[16];
} OsspLicense;

#define OSSP_TYPE_LICENSE (ossp_license_get_type ())
GType        ossp_license_get_type    (void) G_GNUC_CONST;

OsspLicense *ossp_license_new         (guint32             license_type,
                                       guint32             live_session_id,
                                       guint32             fsbl_min_version);
/* Checks size, type ("SSP." or "SSPL") and version 1. */
OsspLicense *ossp_license_parse       (const guint8       *data,
                                       gsize               len,
                                       GError            **error);
OsspLicense *ossp_license_parse_bytes (GBytes             *bytes,
                                       GError            **error);
void         ossp_license_format      (const OsspLicense  *self,
                                       guint8              out[OSSP_LICENSE_SIZE]);
GBytes      *ossp_license_to_bytes    (const OsspLicense  *self);
OsspLicense *ossp_license_copy        (const OsspLicense  *self);
void         ossp_license_free        (OsspLicense        *self);
/* "SSP." / "SSPL", or NULL for another value */
const char  *ossp_license_type_to_string (guint32          license_type);
gboolean     ossp_license_type_from_string (const char    *text,
                                       guint32            *license_type,
                                       GError            **error);

/* HSM side: fresh ephemeral key, ECDH with the chip key, KDF, AES-128-GCM
 * of OEM_IV16 ‖ OEM_KEY16; fills eph_pubkey, encrypted_iv_and_key, tag. */
gboolean     ossp_license_seal        (OsspLicense        *self,
                                       const guint8        chip_pubkey[64],
                                       const guint8        oem_iv[OSSP_OEM_IV_SIZE],
                                       const guint8        oem_key[OSSP_OEM_KEY_SIZE],
                                       GError            **error);
/* Chip (ROM) side: recovers OEM IV and key; OSSP_ERROR_VERIFY_FAILED when
 * the tag does not match. */
gboolean     ossp_license_open        (const OsspLicense  *self,
                                       const guint8        chip_private[32],
                                       guint8              oem_iv[OSSP_OEM_IV_SIZE],
                                       guint8              oem_key[OSSP_OEM_KEY_SIZE],
                                       GError            **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OsspLicense, ossp_license_free)

G_END_DECLS
