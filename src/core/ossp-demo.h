/* ossp-demo.h — the example set-up made on first start
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything a newcomer needs to click through a whole provisioning with a
 * simulated board and the soft-HSM, made once in a folder and reused:
 * a test OEM key pair, OEM key + nonce, an OTP list and its secret file,
 * the payload (.ssp) and a stand-in SSP firmware image signed with the
 * test key (the simulator checks its header and signature; it does not run
 * it).  Test material only: the key's password is public.
 */
#pragma once

#include "ossp-hsm.h"
#include "ossp-hsm-perso.h"

G_BEGIN_DECLS

/* The demo key's password: test material, printed in the docs on purpose. */
#define OSSP_DEMO_PASSWORD "openssp-demo"

typedef struct {
  char *chip_id;       /* "stm32mp15" */
  char *dir;
  char *oem_private;   /* PEM, encrypted with OSSP_DEMO_PASSWORD (test key) */
  char *oem_public;    /* PEM */
  char *oem_key;       /* 16 bytes */
  char *oem_nonce;     /* 12 bytes ‖ 00 00 00 00 */
  char *otp_list;      /* OTP list JSON (docs/formats/otp-list.json.md) */
  char *secret;        /* the chip's secret file made from it */
  char *payload;       /* .ssp */
  char *firmware;      /* tf-a-ssp-demo-<chip>.stm32 */
  char *product_id;    /* the simulator's factory product id (ssp-flow.md §4.4 rule 7) */
} OsspDemo;

/* Makes the set-up for @chip_id (stm32mp13 / stm32mp15) under @dir/<chip>/,
 * or reuses the files already there. */
OsspDemo            *ossp_demo_ensure             (const char   *dir,
                                                   const char   *chip_id,
                                                   GError      **error);
void                 ossp_demo_free               (OsspDemo     *demo);

/* "5000200A" for stm32mp15, "5010100D" for stm32mp13, NULL otherwise. */
const char          *ossp_demo_product_id_for_chip (const char  *chip_id);

/* What to load into a soft-HSM so that it gives licenses for the demo
 * chips: @perso (their product ids and root keys), the demo's OEM key and
 * nonce, @max_count licenses. */
OsspHsmProvisioning *ossp_demo_hsm_provisioning   (OsspDemo     *demo,
                                                   OsspHsmPerso *perso,
                                                   guint32       max_count,
                                                   GError      **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OsspDemo, ossp_demo_free)

G_END_DECLS
