/* ossp-sim-container.h — the MP25 payload as the simulated chip receives it
 *
 * On MP25 (ssp-flow.md §10, OUR OWN proposal) the host sends license ‖ an
 * "OSSP v1" container (payload.md §4) with an OTP secret section "OSOT"
 * (§5.1) and optional backup-memory sections "OSBK" (§5.2), each encrypted
 * as §5.3 says. Pure parsers: no chip state here.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define OSSP_SIM_CONTAINER_HEADER_SIZE 64
#define OSSP_SIM_CONTAINER_MAX_SECTIONS 8

enum {
  OSSP_SIM_SECTION_MP1_PAYLOAD = 1,
  OSSP_SIM_SECTION_MP2_OTP     = 2,
  OSSP_SIM_SECTION_MP2_TAMP    = 3,
  OSSP_SIM_SECTION_MP2_BKPSRAM = 4,
};

typedef struct {
  guint32       type;
  guint32       offset;
  guint32       length;
  guint32       base;       /* types 3 and 4: backup memory base (docs/formats/ssp-container.md §2) */
  const guint8 *entry;      /* the 16-byte table entry (part of the AAD) */
} OsspSimSection;

typedef struct {
  const guint8  *data;      /* the container, total_size bytes */
  gsize          total_size;
  guint32        dev_id;
  guint32        flags;
  guint          n_sections;
  OsspSimSection sections[OSSP_SIM_CONTAINER_MAX_SECTIONS];
} OsspSimContainer;

typedef struct {
  guint16 word;
  guint16 flags;            /* bit0 permanent lock, bit1 shadow-read lock, bit2 write lock, bit3 format 2 */
  guint32 value;
} OsspSimOtpEntry;

typedef struct {
  guint32       offset;
  guint32       length;
  guint32       flags;      /* bit0 wrap, bits 2..1 wrapping CPU */
  const guint8 *data;
} OsspSimBackupEntry;

/* @data may be longer than the container (UART/DFU buffers). */
gboolean ossp_sim_container_parse   (const guint8      *data,
                                     gsize              len,
                                     OsspSimContainer  *out,
                                     GError           **error);
/* Section @index decrypted with the OEM key/IV (payload.md §5.3). */
GBytes  *ossp_sim_container_decrypt (const OsspSimContainer *container,
                                     guint                   index,
                                     const guint8            key[16],
                                     const guint8            iv[16],
                                     GError                **error);
/* Entries are returned in file order (checked sorted, no duplicates). */
GArray  *ossp_sim_osot_parse        (const guint8      *data,
                                     gsize              len,
                                     guint              n_words,
                                     GError           **error);
/* Entries point into @data. @kind: 1 TAMP, 2 BKPSRAM; @mem_size in bytes. */
GArray  *ossp_sim_osbk_parse        (const guint8      *data,
                                     gsize              len,
                                     guint16            kind,
                                     gsize              mem_size,
                                     GError           **error);

G_END_DECLS
