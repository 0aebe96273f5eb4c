/* test-audit-log.c — the hash-chained JSON-lines audit log
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>
#include <sys/stat.h>

#include "ossp-test-helper.h"

static JsonObject *
record (const char *result, gboolean consumed, gint64 before, const char *serial)
{
  JsonObject *r = json_object_new ();
  JsonObject *hsm = json_object_new ();
  JsonObject *lic = json_object_new ();

  json_object_set_string_member (r, "result", result);
  json_object_set_string_member (hsm, "serial", serial);
  json_object_set_int_member (hsm, "counter_before", before);
  json_object_set_int_member (hsm, "counter_after", before - (consumed ? 1 : 0));
  json_object_set_object_member (r, "hsm", hsm);
  json_object_set_boolean_member (lic, "consumed", consumed);
  json_object_set_object_member (r, "license", lic);
  /* a caller cannot forge the chain fields: they are replaced */
  json_object_set_int_member (r, "seq", 999);
  json_object_set_string_member (r, "prev_sha256", "forged");
  return r;
}

static char *
write_three (const char *dir)
{
  char *path = g_build_filename (dir, "audit.jsonl", NULL);
  g_autoptr(OsspAuditLog) log = ossp_audit_log_new (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) r1 = record ("provisioned", TRUE, 10, "HSM-A");
  g_autoptr(JsonObject) r2 = record ("failed", TRUE, 9, "HSM-A");
  g_autoptr(JsonObject) r3 = record ("refused", FALSE, 8, "HSM-A");

  g_assert_cmpuint (ossp_audit_log_append (log, r1, &error), ==, 1);
  g_assert_cmpuint (ossp_audit_log_append (log, r2, &error), ==, 2);
  g_assert_cmpuint (ossp_audit_log_append (log, r3, &error), ==, 3);
  g_assert_no_error (error);
  return path;
}

static GStrv
read_lines (const char *path)
{
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return g_strsplit (text, "\n", -1);
}

static void
write_lines (const char *path, GStrv lines)
{
  g_autofree char *text = g_strjoinv ("\n", lines);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
}

static void
test_audit_chain (void)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *path = write_three (dir);
  g_auto(GStrv) lines = read_lines (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspAuditReport) report = NULL;
  g_autoptr(GPtrArray) records = NULL;
  struct stat st;

  /* 3 lines and a final newline */
  g_assert_cmpuint (g_strv_length (lines), ==, 4);
  g_assert_cmpstr (lines[3], ==, "");
  /* line 1 chains to zeros, line n to SHA-256 of line n-1 (computed here
   * with GChecksum, independently of the log code) */
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *o;
      g_autofree char *expect = NULL;

      g_assert_true (json_parser_load_from_data (parser, lines[i], -1, NULL));
      o = json_node_get_object (json_parser_get_root (parser));
      g_assert_cmpint (json_object_get_int_member (o, "version"), ==, 1);
      g_assert_cmpint (json_object_get_int_member (o, "seq"), ==, i + 1);
      expect = i == 0 ? g_strnfill (64, '0')
                      : g_compute_checksum_for_string (G_CHECKSUM_SHA256, lines[i - 1], -1);
      g_assert_cmpstr (json_object_get_string_member (o, "prev_sha256"), ==, expect);
    }
  g_assert_cmpint (stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0644);

  report = ossp_audit_log_verify (path, "HSM-A", 8, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->records, ==, 3);
  g_assert_cmpuint (report->provisioned, ==, 1);
  g_assert_cmpuint (report->failed, ==, 2);
  g_assert_cmpuint (report->licenses_consumed, ==, 2);
  g_assert_cmpuint (report->licenses_unused, ==, 1);
  g_assert_cmpuint (report->licenses_outside, ==, 0);
  {
    g_autofree char *h = g_compute_checksum_for_string (G_CHECKSUM_SHA256, lines[2], -1);
    g_assert_cmpstr (report->last_sha256, ==, h);
  }

  records = ossp_audit_log_read (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (records->len, ==, 3);
  g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (records, 2), "result"), ==,
                   "refused");
}

static void
expect_broken (const char *path, const char *needle)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspAuditReport) report = ossp_audit_log_verify (path, NULL, 0, &error);
  g_assert_null (report);
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_VERIFY_FAILED);
  g_assert_nonnull (strstr (error->message, needle));
}

static void
test_audit_tamper (void)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *path = write_three (dir);
  g_auto(GStrv) orig = read_lines (path);

  /* edit one character of record 2 */
  {
    g_auto(GStrv) lines = g_strdupv (orig);
    char *p = strstr (lines[1], "failed");
    memcpy (p, "passed", 6);
    write_lines (path, lines);
    expect_broken (path, "line 3: the chain is broken");
  }
  /* delete record 2 */
  {
    g_auto(GStrv) lines = g_new0 (char *, 4);
    lines[0] = g_strdup (orig[0]);
    lines[1] = g_strdup (orig[2]);
    lines[2] = g_strdup ("");
    write_lines (path, lines);
    expect_broken (path, "line 2: \"seq\" is not 2");
  }
  /* swap records 2 and 3 */
  {
    g_auto(GStrv) lines = g_strdupv (orig);
    char *t = lines[1];
    lines[1] = lines[2];
    lines[2] = t;
    write_lines (path, lines);
    expect_broken (path, "line 2");
  }
  /* a torn last line */
  {
    g_auto(GStrv) lines = g_strdupv (orig);
    g_autoptr(OsspAuditLog) log = ossp_audit_log_new (path);
    g_autoptr(JsonObject) r = record ("provisioned", TRUE, 7, "HSM-A");
    g_autoptr(GError) error = NULL;
    lines[2][20] = '\0';
    lines[3][0] = '\0';
    {
      g_autofree char *text = g_strconcat (lines[0], "\n", lines[1], "\n", lines[2], NULL);
      g_assert_true (g_file_set_contents (path, text, -1, NULL));
    }
    expect_broken (path, "line 3 is incomplete");
    /* and nothing is appended to a damaged log */
    g_assert_cmpuint (ossp_audit_log_append (log, r, &error), ==, 0);
    g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA);
  }
  /* the original still verifies */
  write_lines (path, orig);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(OsspAuditReport) report = ossp_audit_log_verify (path, NULL, 0, &error);
    g_assert_no_error (error);
    g_assert_nonnull (report);
  }
}

/* A chain cannot show a deleted LAST line; the HSM counter does. */
static void
test_audit_reconcile (void)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *path = write_three (dir);
  g_auto(GStrv) orig = read_lines (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspAuditReport) report = NULL;

  orig[2][0] = '\0';
  {
    g_autofree char *text = g_strconcat (orig[0], "\n", orig[1], "\n", NULL);
    g_assert_true (g_file_set_contents (path, text, -1, NULL));
  }
  /* chain alone: fine */
  report = ossp_audit_log_verify (path, NULL, 0, &error);
  g_assert_no_error (error);
  g_clear_pointer (&report, ossp_audit_report_free);
  /* HSM says 7 left, the log's last record says 8 */
  report = ossp_audit_log_verify (path, "HSM-A", 7, &error);
  g_assert_null (report);
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_VERIFY_FAILED);
  g_assert_nonnull (strstr (error->message, "without a record"));
}

static void
test_audit_license_arithmetic (void)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "a.jsonl", NULL);
  g_autoptr(OsspAuditLog) log = ossp_audit_log_new (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) r1 = record ("provisioned", TRUE, 10, "S");
  g_autoptr(JsonObject) r2 = record ("provisioned", TRUE, 5, "S");
  g_autoptr(JsonObject) r3 = record ("provisioned", TRUE, 4, "S");
  g_autoptr(OsspAuditReport) report = NULL;

  ossp_audit_log_append (log, r1, &error);
  ossp_audit_log_append (log, r2, &error);
  g_assert_no_error (error);
  /* 4 licenses went somewhere else between the two records: a warning */
  report = ossp_audit_log_verify (path, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->licenses_outside, ==, 4);
  g_assert_cmpuint (report->warnings->len, ==, 1);

  /* a record whose own counters disagree with "consumed" fails */
  json_object_set_int_member (json_object_get_object_member (r3, "hsm"), "counter_after", 2);
  ossp_audit_log_append (log, r3, &error);
  g_assert_no_error (error);
  g_clear_pointer (&report, ossp_audit_report_free);
  report = ossp_audit_log_verify (path, NULL, 0, &error);
  g_assert_null (report);
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_VERIFY_FAILED);
  g_assert_nonnull (strstr (error->message, "line 3"));
}

static void
test_audit_foreign_files (void)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "x.jsonl", NULL);
  g_autoptr(OsspAuditLog) log = ossp_audit_log_new (path);
  g_autoptr(JsonObject) r = record ("provisioned", TRUE, 3, "S");
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspAuditReport) report = NULL;

  g_assert_true (g_file_set_contents (path, "hello world\n", -1, NULL));
  g_assert_cmpuint (ossp_audit_log_append (log, r, &error), ==, 0);
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA);
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (path, "{\"version\":2,\"seq\":1}\n", -1, NULL));
  report = ossp_audit_log_verify (path, NULL, 0, &error);
  g_assert_null (report);
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_VERSION);
  g_clear_error (&error);

  report = ossp_audit_log_verify ("/nonexistent/openssp.jsonl", NULL, 0, &error);
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_NOT_FOUND);
}

static gpointer
appender (gpointer data)
{
  OsspAuditLog *log = data;
  for (guint i = 0; i < 25; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonObject) r = json_object_new ();
      json_object_set_string_member (r, "result", "refused");
      g_assert_cmpuint (ossp_audit_log_append (log, r, &error), >, 0);
      g_assert_no_error (error);
    }
  return NULL;
}

/* Batch workers share one log: each with its own OsspAuditLog, so only the
 * file lock keeps the chain straight. */
static void
test_audit_concurrent (void)
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "c.jsonl", NULL);
  OsspAuditLog *logs[4];
  GThread *threads[4];
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspAuditReport) report = NULL;

  for (guint i = 0; i < 4; i++)
    {
      logs[i] = ossp_audit_log_new (path);
      threads[i] = g_thread_new ("appender", appender, logs[i]);
    }
  for (guint i = 0; i < 4; i++)
    {
      g_thread_join (threads[i]);
      g_object_unref (logs[i]);
    }
  report = ossp_audit_log_verify (path, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->records, ==, 100);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/audit-log/chain", test_audit_chain);
  g_test_add_func ("/audit-log/tamper", test_audit_tamper);
  g_test_add_func ("/audit-log/reconcile", test_audit_reconcile);
  g_test_add_func ("/audit-log/license-arithmetic", test_audit_license_arithmetic);
  g_test_add_func ("/audit-log/foreign-files", test_audit_foreign_files);
  g_test_add_func ("/audit-log/concurrent", test_audit_concurrent);
  return g_test_run ();
}
