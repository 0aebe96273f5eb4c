/* ossp-test-hsm.h — test chips and an independent license check
 *
 * A test plays the chip: it makes a chip key pair and a certificate signed
 * by a test root key (whose public half goes into the HSM personalisation),
 * and opens licenses with its own code written from ssp-flow.md §7.3 —
 * GnuTLS and nettle called directly, not OpenSSP's license functions — so a
 * mistake in those cannot hide itself.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ossp-test-helper.h"

G_BEGIN_DECLS

typedef struct {
  char   product_id[9];
  guint8 root_priv[32];
  guint8 root_pub[64];
  guint8 chip_priv[32];
  guint8 chip_pub[64];
  guint8 cert[136];
} OsspTestChip;

/* New root key (or @root_from's), new chip key, signed certificate. */
void      ossp_test_chip_init           (OsspTestChip       *chip,
                                         const char         *product_id,
                                         const OsspTestChip *root_from);
GBytes   *ossp_test_chip_cert_bytes     (const OsspTestChip *chip);
/* Opens @license with the chip private key per §7.3; FALSE if the tag
 * does not match. Also checks the public header fields. */
gboolean  ossp_test_chip_open_license   (const OsspTestChip *chip,
                                         const guint8       *license,
                                         gsize               len,
                                         guint8              oem_iv[16],
                                         guint8              oem_key[16]);
/* An OSPD blob with one entry per chip (root key of each), flags 0 */
GBytes   *ossp_test_perso_for           (const OsspTestChip *chips,
                                         guint               n_chips);
/* Provisioning parameters with a fixed test key/nonce */
OsspHsmProvisioning *ossp_test_provisioning (GBytes         *perso,
                                         guint32             max_count);

/* Removes a temp dir made outside a running test (fixtures set up in main) */
void      ossp_test_rm_rf               (const char         *path);

extern const guint8 ossp_test_oem_key[16];
extern const guint8 ossp_test_oem_nonce[16];

G_END_DECLS
