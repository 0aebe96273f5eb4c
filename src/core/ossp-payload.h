/* ossp-payload.h — the encrypted SSP payload and its `.ssp` container
 *
 * MP15/MP13: the chip payload struct of payload.md §2 (public, byte-exact),
 * MP2: the sectioned container of payload.md §4-§5 (ours), both stored in
 * the OSSP v1 `.ssp` container (ours, docs/formats/ssp-container.md).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "ossp-chip.h"
#include "ossp-otp-secret.h"
#include "ossp-util.h"

G_BEGIN_DECLS

/* OSSP v1 container (payload.md §4.1) */
#define OSSP_PAYLOAD_CONTAINER_MAGIC     "OSSP"
#define OSSP_PAYLOAD_CONTAINER_VERSION   1
#define OSSP_PAYLOAD_HEADER_SIZE         64
#define OSSP_PAYLOAD_TABLE_ENTRY_SIZE    16
#define OSSP_PAYLOAD_HEADER_AAD_SIZE     0x20  /* header bytes 0x00..0x1F (§5.3 AAD) */
#define OSSP_PAYLOAD_FLAG_RMA_WORD       (1u << 0)
#define OSSP_PAYLOAD_MAX_FILE_SIZE       (1u << 20)

/* Chip payload struct (payload.md §2) */
#define OSSP_PAYLOAD_MAGIC               0x50505353u  /* "SSPP" = 53 53 50 50 */
#define OSSP_PAYLOAD_PROTOCOL_VERSION    1
#define OSSP_PAYLOAD_SECRETS_MAX         152
#define OSSP_PAYLOAD_KEY_SIZE            16
#define OSSP_PAYLOAD_NONCE_FILE_SIZE     16
#define OSSP_PAYLOAD_MP2_SECTION_HEADER  20          /* u32 plain_len ‖ 16-byte tag */

typedef enum {
  OSSP_PAYLOAD_SECTION_MP1_PAYLOAD = 1,  /* §2 struct verbatim (244 / 212 bytes) */
  OSSP_PAYLOAD_SECTION_MP2_OTP     = 2,  /* encrypted "OSOT" secret file (§5.1) */
  OSSP_PAYLOAD_SECTION_MP2_TAMP    = 3,  /* encrypted "OSBK" backup registers (§5.2) */
  OSSP_PAYLOAD_SECTION_MP2_BKPSRAM = 4,  /* encrypted "OSBK" backup SRAM (§5.2) */
} OsspPayloadSectionType;

/* Where the fields of the MP1 payload struct are (payload.md §2.1, §2.2) */
typedef struct {
  gsize size;            /* 244 (MP15) / 212 (MP13) */
  gsize key_offset;      /* oem_ecdsa_pubk / oem_rpkth: 0x08 */
  gsize key_size;        /* 64 / 32 */
  gsize secret_size_offset; /* 0x48 / 0x28 */
  gsize tag_offset;      /* 0x4C / 0x2C */
  gsize secrets_offset;  /* 0x5C / 0x3C */
  gsize aad_size;        /* 76 / 44 (ssp-flow.md §7.3) */
} OsspPayloadLayout;

typedef struct {
  guint                   index;     /* position in the section table */
  OsspPayloadSectionType  type;
  guint32                 offset;    /* from the start of the file */
  guint32                 length;
  guint32                 base;      /* types 3/4: backup base address, else 0 */
  guint8                  sha256[32];
} OsspPayloadSection;

typedef enum {
  OSSP_PAYLOAD_ACTION_BURN_LOCK,   /* OTP word programmed, then permanently locked */
  OSSP_PAYLOAD_ACTION_BURN,        /* OTP word programmed, not permanently locked (MP2 flag) */
  OSSP_PAYLOAD_ACTION_SKIP,        /* zero word: neither programmed nor locked */
  OSSP_PAYLOAD_ACTION_WRITE,       /* backup memory written */
  OSSP_PAYLOAD_ACTION_CHIP,        /* a state change the SSP firmware makes (close, success bit) */
} OsspPayloadAction;

/* One line of "what the chip will burn and lock" (ssp-flow.md §8). */
typedef struct {
  OsspPayloadAction  action;
  const char        *target;   /* "otp", "tamp", "bkpsram" */
  guint32            address;  /* OTP word number, or backup byte address */
  char              *name;     /* from the chip map, or a description */
  guint32            value;    /* OTP word value (after the chip's mask) */
  guint8            *data;     /* backup bytes (secure memory), NULL for OTP */
  gsize              len;      /* 4 for OTP words */
  guint32            flags;    /* OSOT / OSBK entry flags as in the file */
  gboolean           secret;   /* masked unless asked */
  char              *note;
} OsspPayloadPlanItem;

#define OSSP_TYPE_PAYLOAD (ossp_payload_get_type ())
G_DECLARE_FINAL_TYPE (OsspPayload, ossp_payload, OSSP, PAYLOAD, GObject)

/* Building: every setter checks its input at once, so nothing is written
 * when one is wrong. */
OsspPayload *ossp_payload_new                 (OsspChip       *chip);
OsspChip    *ossp_payload_get_chip            (OsspPayload    *self);
const OsspPayloadLayout *ossp_payload_get_layout (OsspPayload *self);
const OsspPayloadLayout *ossp_payload_layout_for_chip (OsspChip *chip);

gboolean     ossp_payload_set_key             (OsspPayload    *self,
                                               const guint8   *key,
                                               gsize           len,
                                               GError        **error);
gboolean     ossp_payload_load_key            (OsspPayload    *self,
                                               const char     *path,
                                               GError        **error);
gboolean     ossp_payload_set_nonce           (OsspPayload    *self,
                                               const guint8   *nonce,
                                               gsize           len,
                                               GError        **error);
gboolean     ossp_payload_load_nonce          (OsspPayload    *self,
                                               const char     *path,
                                               GError        **error);
/* MP15: the OEM root public key X‖Y on @curve (a name of the chip map). */
gboolean     ossp_payload_set_oem_public_key  (OsspPayload    *self,
                                               const guint8    xy[64],
                                               const char     *curve,
                                               GError        **error);
gboolean     ossp_payload_load_oem_public_key (OsspPayload    *self,
                                               const char     *path,
                                               GError        **error);
/* MP13: the 32-byte PKH-table hash (publicKeysHashHashes.bin). */
gboolean     ossp_payload_set_pkhth           (OsspPayload    *self,
                                               const guint8   *hash,
                                               gsize           len,
                                               GError        **error);
gboolean     ossp_payload_load_pkhth          (OsspPayload    *self,
                                               const char     *path,
                                               GError        **error);
/* MP1: OTP word 56; must fit the chip's RMA mask (MP15 30 bits). */
gboolean     ossp_payload_set_rma             (OsspPayload    *self,
                                               guint32         rma,
                                               GError        **error);
/* MP1: OTP 59.. as LE words (≤ 148 bytes, multiple of 4);
 * MP2: the "OSOT" v1 OTP secret file. */
gboolean     ossp_payload_set_secret          (OsspPayload    *self,
                                               const guint8   *data,
                                               gsize           len,
                                               GError        **error);
gboolean     ossp_payload_load_secret         (OsspPayload    *self,
                                               const char     *path,
                                               GError        **error);
/* MP2: an "OSBK" v1 backup file and the base it is written at; the base
 * must belong to the memory kind the file names. One file per memory. */
gboolean     ossp_payload_add_backup          (OsspPayload    *self,
                                               const guint8   *data,
                                               gsize           len,
                                               guint32         base,
                                               GError        **error);
gboolean     ossp_payload_load_backup         (OsspPayload    *self,
                                               const char     *path,
                                               guint32         base,
                                               GError        **error);
void         ossp_payload_clear_backups       (OsspPayload    *self);
void         ossp_payload_set_fsbl_min_version (OsspPayload   *self,
                                               guint32         version);
/* Checks that every input the chip needs is there, encrypts, lays out the
 * container and verifies it by decrypting it again. Deterministic: the same
 * inputs give the same bytes. */
GBytes      *ossp_payload_build               (OsspPayload    *self,
                                               GError        **error);
/* Writes the built container atomically, 0644 (it is encrypted). */
gboolean     ossp_payload_save                (OsspPayload    *self,
                                               const char     *path,
                                               OsspWriteFlags  flags,
                                               GError        **error);
/* Non-fatal remarks gathered while loading inputs (file modes, RMA zero…). */
GPtrArray   *ossp_payload_get_warnings        (OsspPayload    *self);

/* Reading */
OsspPayload *ossp_payload_new_from_bytes      (GBytes         *container,
                                               GError        **error);
OsspPayload *ossp_payload_new_from_file       (const char     *path,
                                               GError        **error);
GBytes      *ossp_payload_get_bytes           (OsspPayload    *self);
guint32      ossp_payload_get_flags           (OsspPayload    *self);
guint32      ossp_payload_get_fsbl_min_version (OsspPayload   *self);
const guint8 *ossp_payload_get_sha256         (OsspPayload    *self);
guint        ossp_payload_get_n_sections      (OsspPayload    *self);
const OsspPayloadSection *ossp_payload_get_section (OsspPayload *self,
                                               guint           index);
const char  *ossp_payload_section_type_to_string (OsspPayloadSectionType type);
/* MP1 only: the public fields of the chip payload struct. */
const guint8 *ossp_payload_get_oem_key_field  (OsspPayload    *self,
                                               gsize          *len);
gboolean     ossp_payload_get_pkh             (OsspPayload    *self,
                                               guint8          out_hash[32]);
guint32      ossp_payload_get_secret_size     (OsspPayload    *self);

/* What the provisioner sends to the chip right after the 136-byte license:
 * MP1 = the type-1 section verbatim (244 / 212 bytes, payload.md §2.3);
 * MP2 = the whole OSSP container (our choice for ssp-flow.md §10). */
GBytes      *ossp_payload_get_chip_blob       (OsspPayload    *self);

/* Decrypting (needs the key and nonce set): verifies every tag and builds
 * the plan. A wrong key or nonce fails with OSSP_ERROR_VERIFY_FAILED. */
gboolean     ossp_payload_decrypt             (OsspPayload    *self,
                                               GError        **error);
gboolean     ossp_payload_is_decrypted        (OsspPayload    *self);
/* Plaintext of one section (MP1: the secrets, MP2: the OSOT/OSBK file). */
const OsspSecret *ossp_payload_get_plaintext  (OsspPayload    *self,
                                               guint           index);
/* The decrypted OTP secrets in the OTP area's model, and its burn plan
 * (OsspOtpBurnStep*: PKH/PKHTH from the header, RMA, secret words; MP2 the
 * OSOT entries); NULL until decrypted. */
OsspOtpSecret *ossp_payload_get_otp_secret    (OsspPayload    *self);
GPtrArray   *ossp_payload_get_burn_plan       (OsspPayload    *self);
/* Everything in one list, for display: the burn plan's words, the SSP
 * firmware's own steps (MP1: close, success bit) and the backup writes.
 * Element type OsspPayloadPlanItem; empty until decrypted. */
GPtrArray   *ossp_payload_get_plan            (OsspPayload    *self);
void         ossp_payload_wipe_plaintext      (OsspPayload    *self);
char        *ossp_payload_plan_item_value_text (const OsspPayloadPlanItem *item,
                                               gboolean        show_secrets);
const char  *ossp_payload_action_to_string    (OsspPayloadAction action);

/* The inspect report (header, sections, struct fields, plan when decrypted). */
JsonNode    *ossp_payload_to_json             (OsspPayload    *self,
                                               gboolean        show_secrets);

G_END_DECLS
