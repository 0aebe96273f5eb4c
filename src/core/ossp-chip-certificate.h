/* ossp-chip-certificate.h — the 136-byte chip certificate (ssp-flow.md §5)
 *
 * Bytes 0..7: product id "DDDCC0KK" (DEV_ID, security counter, '0', ST key
 * id, uppercase hex); 8..71: chip ECIES public key X‖Y; 72..135: signature
 * (OTP words 40..55, each big-endian). The layout is public; the signature
 * scheme is OpenSSP's own (§5.3): ECDSA P-256/SHA-256 over bytes 0..71 by
 * the "OpenSSP root" key of the key id, r‖s big-endian.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define OSSP_CHIP_CERTIFICATE_SIZE      136
#define OSSP_CHIP_CERTIFICATE_SIGNED_SIZE 72
#define OSSP_PRODUCT_ID_LEN             8

typedef struct {
  char    product_id[OSSP_PRODUCT_ID_LEN + 1];  /* "5000200A", NUL-terminated */
  guint16 dev_id;                               /* 0x500 MP15, 0x501 MP13 */
  guint8  security_counter;                     /* OTP CFG2 bits 27..20 */
  guint8  key_id;                               /* OTP CFG2 bits 31..28 */
  guint8  chip_pubkey[64];                      /* X‖Y big-endian */
  guint8  signature[64];                        /* r‖s, or OTP words 40..55 */
} OsspChipCertificate;

#define OSSP_TYPE_CHIP_CERTIFICATE (ossp_chip_certificate_get_type ())
GType                ossp_chip_certificate_get_type   (void) G_GNUC_CONST;

OsspChipCertificate *ossp_chip_certificate_new        (guint16                    dev_id,
                                                       guint8                     security_counter,
                                                       guint8                     key_id,
                                                       const guint8               chip_pubkey[64]);
OsspChipCertificate *ossp_chip_certificate_parse      (const guint8              *data,
                                                       gsize                      len,
                                                       GError                   **error);
OsspChipCertificate *ossp_chip_certificate_parse_bytes (GBytes                   *bytes,
                                                       GError                   **error);
void                 ossp_chip_certificate_format     (const OsspChipCertificate *self,
                                                       guint8                     out[OSSP_CHIP_CERTIFICATE_SIZE]);
GBytes              *ossp_chip_certificate_to_bytes   (const OsspChipCertificate *self);
OsspChipCertificate *ossp_chip_certificate_copy       (const OsspChipCertificate *self);
void                 ossp_chip_certificate_free       (OsspChipCertificate       *self);

/* §5.3 (ours): sign bytes 0..71 with the root private key / check them */
gboolean             ossp_chip_certificate_sign       (OsspChipCertificate       *self,
                                                       const guint8               root_private[32],
                                                       GError                   **error);
gboolean             ossp_chip_certificate_verify     (const OsspChipCertificate *self,
                                                       const guint8               root_public[64],
                                                       GError                   **error);

/* Product ids on their own (perso files, HSM configuration, file names) */
gboolean             ossp_chip_certificate_parse_product_id (const char          *product_id,
                                                       guint16                   *dev_id,
                                                       guint8                    *security_counter,
                                                       guint8                    *key_id,
                                                       GError                   **error);
char                *ossp_chip_certificate_format_product_id (guint16              dev_id,
                                                       guint8                     security_counter,
                                                       guint8                     key_id);
/* "STM32MP15 (DEV_ID 0x500), security counter 0x02, ST key id 0x0A" */
char                *ossp_chip_certificate_describe_product_id (const char        *product_id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OsspChipCertificate, ossp_chip_certificate_free)

G_END_DECLS
