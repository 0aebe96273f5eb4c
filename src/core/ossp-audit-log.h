/* ossp-audit-log.h — one hash-chained JSON line per provisioned device
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Format: docs/formats/audit-log.md (version 1).  Each line is one JSON
 * object with "version", "seq" and "prev_sha256" (SHA-256, hex, of the
 * previous line's bytes without its newline; 64 zeros on line 1), so an
 * edited, inserted or deleted record breaks the chain.  Lines are only
 * ever appended (O_APPEND, flock, fsync), never rewritten.  No secrets go
 * into a record.
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define OSSP_AUDIT_LOG_VERSION 1

#define OSSP_TYPE_AUDIT_LOG (ossp_audit_log_get_type ())
G_DECLARE_FINAL_TYPE (OsspAuditLog, ossp_audit_log, OSSP, AUDIT_LOG, GObject)

typedef struct {
  guint      records;
  guint      provisioned;          /* result "provisioned" */
  guint      failed;               /* any other result */
  guint      licenses_consumed;    /* license.consumed true */
  guint      licenses_unused;      /* consumed but the chip did not take it */
  guint      licenses_outside;     /* counter moved between records of one HSM */
  GPtrArray *warnings;             /* char*: things to look at that are not tampering */
  char      *last_sha256;          /* hash of the last line (to pin it elsewhere) */
} OsspAuditReport;

void             ossp_audit_report_free  (OsspAuditReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OsspAuditReport, ossp_audit_report_free)

OsspAuditLog    *ossp_audit_log_new      (const char      *path);
const char      *ossp_audit_log_get_path (OsspAuditLog    *self);

/* Appends @record (its members are copied after "version", "seq" and
 * "prev_sha256"); safe from several threads and processes at once.
 * Refuses a log whose last line is incomplete or not ours.  Returns the
 * sequence number given to the record, 0 on error. */
guint            ossp_audit_log_append   (OsspAuditLog    *self,
                                          JsonObject      *record,
                                          GError         **error);

/* Before a license is spent: checks that the log can be appended to (it
 * opens, its last line is whole and ours) and sets @bytes of disk aside
 * behind its end (fallocate, size unchanged), so that the record still fits
 * when the disk fills up during the run. Fails with OSSP_ERROR_IO when the
 * disk has no room left. */
#define OSSP_AUDIT_LOG_RESERVE (64 * 1024)
gboolean         ossp_audit_log_reserve  (OsspAuditLog    *self,
                                          gsize            bytes,
                                          GError         **error);

/* Checks the chain and the per-record license arithmetic; fails with
 * OSSP_ERROR_VERIFY_FAILED naming the first bad line.  If @hsm_serial is
 * given, @hsm_counter_now (licenses left on that HSM now) must equal the
 * last record's counter_after for it — which also catches a deleted last
 * line. */
OsspAuditReport *ossp_audit_log_verify   (const char      *path,
                                          const char      *hsm_serial,
                                          gint64           hsm_counter_now,
                                          GError         **error);

/* The same checks on a log held in memory (no HSM reconciliation). */
OsspAuditReport *ossp_audit_log_verify_data (const char   *data,
                                          gsize            len,
                                          GError         **error);

/* All records, in order (JsonObject*); for `audit show`. */
GPtrArray       *ossp_audit_log_read     (const char      *path,
                                          GError         **error);

G_END_DECLS
