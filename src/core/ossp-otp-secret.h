/* ossp-otp-secret.h — the OTP words an SSP run will burn (GListModel of OsspOtpItem)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "ossp-chip.h"
#include "ossp-otp-item.h"
#include "ossp-util.h"

G_BEGIN_DECLS

/* --- validation problems ------------------------------------------------ */

typedef enum {
  OSSP_OTP_SEVERITY_ERROR,    /* blocks building the secret file */
  OSSP_OTP_SEVERITY_WARNING,  /* shown; the user decides */
} OsspOtpSeverity;

typedef struct {
  gint             word;      /* -1 when the problem concerns the whole list */
  OsspOtpSeverity  severity;
  char            *code;      /* stable id, e.g. "reserved" (docs/otp.md) */
  char            *message;   /* what, why, what to do */
} OsspOtpProblem;

void        ossp_otp_problem_free        (OsspOtpProblem *problem);
const char *ossp_otp_severity_to_string  (OsspOtpSeverity severity);
/* [{"where": "word 60", "word": 60, "severity", "code", "message"}] —
 * the shape ossp_cli_fail_with_details() prints. */
JsonNode   *ossp_otp_problems_to_json    (GPtrArray      *problems);
guint       ossp_otp_problems_count      (GPtrArray      *problems,
                                          OsspOtpSeverity severity);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OsspOtpProblem, ossp_otp_problem_free)

/* --- burn plan ---------------------------------------------------------- */

typedef struct {
  guint     word;
  char     *name;             /* chip-map name, or NULL */
  char     *source;           /* "secret file", "RMA", "payload header (PKH)", "OSOT entry" */
  guint32   value;            /* what the firmware will program */
  gboolean  program;          /* FALSE: skipped (MP1 zero word) */
  gboolean  lock;             /* permanently locked after programming */
  gboolean  has_current;      /* @current is known (a chip was read) */
  guint32   current;
  gboolean  conflict;         /* the firmware will refuse: the word is not blank */
  char     *note;             /* why skipped / why locked / conflict, or NULL */
} OsspOtpBurnStep;

void        ossp_otp_burn_step_free      (OsspOtpBurnStep *step);
JsonNode   *ossp_otp_burn_plan_to_json   (GPtrArray      *plan,
                                          gboolean        show_secrets);
char       *ossp_otp_burn_plan_to_text   (GPtrArray      *plan,
                                          gboolean        show_secrets);

/* --- the model ---------------------------------------------------------- */

#define OSSP_OTP_LIST_FORMAT  "openssp-otp-list"
#define OSSP_OTP_LIST_VERSION 1
#define OSSP_OSOT_VERSION     1

#define OSSP_TYPE_OTP_SECRET (ossp_otp_secret_get_type ())
G_DECLARE_FINAL_TYPE (OsspOtpSecret, ossp_otp_secret, OSSP, OTP_SECRET, GObject)

OsspOtpSecret *ossp_otp_secret_new              (OsspChip        *chip);
OsspChip      *ossp_otp_secret_get_chip         (OsspOtpSecret   *self);
/* Re-reads names from the new chip map (items-changed over the whole list);
 * items keep their values, even those the new chip refuses (validation
 * then reports them). */
void           ossp_otp_secret_set_chip         (OsspOtpSecret   *self,
                                                 OsspChip        *chip);

/* Sets/replaces the item of @word (items stay sorted, one per word).
 * Refuses only a word the chip does not have; everything else is
 * validation's job, so a user sees all problems at once.
 * On chips without user lock flags (MP1) @lock is ignored: the SSP firmware
 * locks every word it programs, so the model records lock = value != 0
 * (and always for the RMA word). */
gboolean       ossp_otp_secret_set_word         (OsspOtpSecret   *self,
                                                 guint            word,
                                                 guint32          value,
                                                 gboolean         lock,
                                                 const char      *label,
                                                 GError         **error);
/* Full form: flags (OsspOtpItemFlags) and format (0, 1, 2). */
gboolean       ossp_otp_secret_set_item         (OsspOtpSecret   *self,
                                                 guint            word,
                                                 guint32          value,
                                                 OsspOtpItemFlags flags,
                                                 guint            format,
                                                 const char      *label,
                                                 GError         **error);
gboolean       ossp_otp_secret_remove_word      (OsspOtpSecret   *self,
                                                 guint            word);
/* Removes words first..last; returns how many items went. */
guint          ossp_otp_secret_remove_range     (OsspOtpSecret   *self,
                                                 guint            first,
                                                 guint            last);
void           ossp_otp_secret_clear            (OsspOtpSecret   *self);
/* Borrowed (owned by the model), or NULL. */
OsspOtpItem   *ossp_otp_secret_lookup           (OsspOtpSecret   *self,
                                                 guint            word);

/* MP1 RMA password = the item of the chip's RMA word (56). MP15 keeps only
 * 30 bits (refuses larger), MP13 32. UNSUPPORTED on chips whose RMA word is
 * not public (MP25: set its words with set_key/set_word). */
gboolean       ossp_otp_secret_set_rma_password (OsspOtpSecret   *self,
                                                 guint32          value,
                                                 GError         **error);
gboolean       ossp_otp_secret_get_rma_password (OsspOtpSecret   *self,
                                                 guint32         *out_value);
/* MP2: the 32-byte publicKeysHashHashes.bin → 8 locked words, format 1, at
 * the chip's pkh_first_word. MP1 refuses: there PKH/PKHTH come from the
 * payload header, not from the secret file. */
gboolean       ossp_otp_secret_set_pkh_table_hash (OsspOtpSecret *self,
                                                 const guint8     hash[32],
                                                 GError         **error);
/* A 128/256-bit value laid into len/4 words from @first_word. */
gboolean       ossp_otp_secret_set_key          (OsspOtpSecret   *self,
                                                 guint            first_word,
                                                 const guint8    *key,
                                                 gsize            len,
                                                 OsspWordFormat   format,
                                                 gboolean         lock,
                                                 const char      *label,
                                                 GError         **error);

/* Every problem at once (OsspOtpProblem), sorted by word; errors block
 * building. */
GPtrArray     *ossp_otp_secret_validate         (OsspOtpSecret   *self);

/* Binary secret file of the chip: MP1 = 148 bytes, OTP 59..95 as 37 LE
 * u32, unset words zero, no RMA (payload.md §3.2); MP2 = "OSOT" v1
 * (payload.md §5.1). Refuses (OSSP_ERROR_VALIDATION) when validation has
 * errors. */
GBytes        *ossp_otp_secret_to_bytes         (OsspOtpSecret   *self,
                                                 GError         **error);
OsspOtpSecret *ossp_otp_secret_new_from_bytes   (OsspChip        *chip,
                                                 GBytes          *bytes,
                                                 GError         **error);
/* MP1 plaintext secrets as the ROM hands them to FSBL-SSP (payload.md §3.1):
 * LE32(RMA) ‖ the 148-byte file = 152 bytes. MP2: same as to_bytes. */
GBytes        *ossp_otp_secret_to_plaintext     (OsspOtpSecret   *self,
                                                 GError         **error);
/* Parses a decrypted payload's secrets: MP1 4..152 bytes, multiple of 4
 * (word 0 = RMA, then 59..); MP2 an OSOT file. */
OsspOtpSecret *ossp_otp_secret_new_from_plaintext (OsspChip      *chip,
                                                 const guint8    *data,
                                                 gsize            len,
                                                 GError         **error);
/* 0600, atomic; @flags may add OSSP_WRITE_FLAGS_OVERWRITE. */
gboolean       ossp_otp_secret_save             (OsspOtpSecret   *self,
                                                 const char      *path,
                                                 OsspWriteFlags   flags,
                                                 GError         **error);
OsspOtpSecret *ossp_otp_secret_load             (OsspChip        *chip,
                                                 const char      *path,
                                                 GError         **error);

/* The editable list (docs/formats/otp-list.json.md). @chip may be NULL to
 * take the list's own "chip"; a list for another chip is refused. */
JsonNode      *ossp_otp_secret_to_json          (OsspOtpSecret   *self);
OsspOtpSecret *ossp_otp_secret_new_from_json    (OsspChip        *chip,
                                                 JsonNode        *root,
                                                 GError         **error);
OsspOtpSecret *ossp_otp_secret_new_from_json_data (OsspChip      *chip,
                                                 const char      *data,
                                                 gssize           len,
                                                 GError         **error);
gboolean       ossp_otp_secret_save_json        (OsspOtpSecret   *self,
                                                 const char      *path,
                                                 OsspWriteFlags   flags,
                                                 GError         **error);
OsspOtpSecret *ossp_otp_secret_load_json        (OsspChip        *chip,
                                                 const char      *path,
                                                 GError         **error);

/* What the SSP firmware will do, word by word (ssp-flow.md §8).
 * MP1: optional @pkh (32 bytes: PKH on MP15 = SHA-256 of the public key,
 * PKHTH on MP13) adds words 24..31 from the payload header; the RMA word is
 * always programmed and locked, even when zero; every word 59..95 is listed,
 * zero ones skipped. MP2: one step per item.
 * @current: the chip's OTP words 0..n_current-1 (NULL if unknown); a step
 * that programs a non-blank word is marked conflict. */
GPtrArray     *ossp_otp_secret_get_burn_plan    (OsspOtpSecret   *self,
                                                 const guint8    *pkh,
                                                 const guint32   *current,
                                                 gsize            n_current);

/* "PKH[3]", "OEM_FREE", or "—" for an unnamed word. */
char          *ossp_otp_secret_describe_word    (OsspChip        *chip,
                                                 guint            word);

G_END_DECLS
