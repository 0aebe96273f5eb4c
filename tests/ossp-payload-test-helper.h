/* ossp-payload-test-helper.h — fixture inputs for the payload tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ossp-keys-test-helper.h"

G_BEGIN_DECLS

/* Every input of `payload build`, written as files (0600) in a temp dir
 * that the test removes. Values are fixed so that tests can predict them;
 * the OEM key pair comes from `openssl ecparam`. */
typedef struct {
  char    *chip_id;
  char    *dir;
  char    *key;          /* 16 bytes */
  char    *nonce;        /* 12 bytes ‖ 00 00 00 00 */
  char    *pubkey;       /* MP15: P-256 SubjectPublicKeyInfo PEM */
  char    *pkhth;        /* MP13: 32 bytes */
  char    *secret;       /* MP1: 148 bytes (word 2 is zero); MP2: an OSOT v1 file */
  char    *tamp;         /* MP2: OSBK v1, TAMP registers */
  char    *bkpsram;      /* MP2: OSBK v1, backup SRAM */
  char    *out;          /* where tests write the .ssp */
  guint8   key_data[16];
  guint8   nonce_data[16];
  guint8   pkhth_data[32];
  guint8   pubkey_xy[64];
  GBytes  *secret_bytes;
  GBytes  *tamp_bytes;
  GBytes  *bkpsram_bytes;
  guint32  rma;
} OsspPayloadFixture;

OsspPayloadFixture *ossp_payload_fixture_new  (const char *chip_id);
void                ossp_payload_fixture_free (OsspPayloadFixture *fx);
/* A payload with every input of @fx loaded (not built yet). */
OsspPayload        *ossp_payload_fixture_load (OsspPayloadFixture *fx);
/* `payload build` arguments for @fx (NULL-terminated, owned by the caller). */
GPtrArray          *ossp_payload_fixture_cli_args (OsspPayloadFixture *fx);
char               *ossp_payload_fixture_write (OsspPayloadFixture *fx,
                                                const char         *name,
                                                const guint8       *data,
                                                gsize               len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OsspPayloadFixture, ossp_payload_fixture_free)

G_END_DECLS
