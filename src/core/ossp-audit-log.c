/* ossp-audit-log.c — one hash-chained JSON line per provisioned device
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define _GNU_SOURCE   /* fallocate */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "ossp-error.h"
#include "ossp-util.h"
#include "ossp-audit-log.h"

#define GENESIS_HASH "0000000000000000000000000000000000000000000000000000000000000000"
/* A record is a few hundred bytes; anything longer is not one of ours. */
#define MAX_LINE   (64 * 1024)
#define MAX_LOG    ((gsize) 1024 * 1024 * 1024)

struct _OsspAuditLog
{
  GObject  parent_instance;
  char    *path;
  GMutex   lock;
};

G_DEFINE_FINAL_TYPE (OsspAuditLog, ossp_audit_log, G_TYPE_OBJECT)

static void
ossp_audit_log_finalize (GObject *object)
{
  OsspAuditLog *self = OSSP_AUDIT_LOG (object);

  g_free (self->path);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (ossp_audit_log_parent_class)->finalize (object);
}

static void
ossp_audit_log_class_init (OsspAuditLogClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ossp_audit_log_finalize;
}

static void
ossp_audit_log_init (OsspAuditLog *self)
{
  g_mutex_init (&self->lock);
}

OsspAuditLog *
ossp_audit_log_new (const char *path)
{
  OsspAuditLog *self;

  g_return_val_if_fail (path != NULL, NULL);
  self = g_object_new (OSSP_TYPE_AUDIT_LOG, NULL);
  self->path = g_strdup (path);
  return self;
}

const char *
ossp_audit_log_get_path (OsspAuditLog *self)
{
  g_return_val_if_fail (OSSP_IS_AUDIT_LOG (self), NULL);
  return self->path;
}

void
ossp_audit_report_free (OsspAuditReport *report)
{
  if (report == NULL)
    return;
  g_ptr_array_unref (report->warnings);
  g_free (report->last_sha256);
  g_free (report);
}

static char *
line_hash (const char *line,
           gsize       len)
{
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) line, len);
}

static JsonObject *
parse_line (const char *line,
            gsize       len,
            guint       lineno,
            const char *path,
            GError    **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local = NULL;
  JsonNode *root;

  if (!json_parser_load_from_data (parser, line, (gssize) len, &local))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "%s line %u is not JSON (%s)", path, lineno, local->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "%s line %u is not a JSON object", path, lineno);
      return NULL;
    }
  return json_object_ref (json_node_get_object (root));
}

static gboolean
check_version (JsonObject *obj,
               guint       lineno,
               const char *path,
               GError    **error)
{
  JsonNode *v = json_object_get_member (obj, "version");

  if (v == NULL || json_node_get_value_type (v) != G_TYPE_INT64)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "%s line %u has no \"version\" number; it is not an OpenSSP audit record",
                   path, lineno);
      return FALSE;
    }
  if (json_node_get_int (v) != OSSP_AUDIT_LOG_VERSION)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_VERSION,
                   "%s line %u is audit-log version %" G_GINT64_FORMAT "; this OpenSSP reads "
                   "version %d (update OpenSSP)", path, lineno, json_node_get_int (v),
                   OSSP_AUDIT_LOG_VERSION);
      return FALSE;
    }
  return TRUE;
}

/* Reads the last line of an open log: its seq and hash.  The file must
 * end with a newline (a torn write is not silently extended). */
static gboolean
read_tail (int         fd,
           const char *path,
           guint      *out_seq,
           char      **out_hash,
           GError    **error)
{
  struct stat st;
  gsize want;
  g_autofree char *buf = NULL;
  ssize_t n;
  char *start;
  gsize line_len;
  g_autoptr(JsonObject) obj = NULL;
  JsonNode *seq;

  if (fstat (fd, &st) != 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_IO, "Cannot read %s: %s", path,
                   g_strerror (errno));
      return FALSE;
    }
  if (st.st_size == 0)
    {
      *out_seq = 0;
      *out_hash = g_strdup (GENESIS_HASH);
      return TRUE;
    }
  want = (gsize) MIN ((goffset) MAX_LINE + 1, (goffset) st.st_size);
  buf = g_malloc (want + 1);
  n = pread (fd, buf, want, st.st_size - (off_t) want);
  if (n != (ssize_t) want)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_IO, "Cannot read the end of %s: %s", path,
                   n < 0 ? g_strerror (errno) : "short read");
      return FALSE;
    }
  buf[want] = '\0';
  if (buf[want - 1] != '\n')
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "%s does not end with a complete record (torn write?); nothing was appended. "
                   "Check it with 'openssp audit verify' and start a new log", path);
      return FALSE;
    }
  buf[want - 1] = '\0';
  start = strrchr (buf, '\n');
  if (start == NULL && (goffset) want < st.st_size)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "%s: the last line is longer than %d bytes; not an OpenSSP audit log", path,
                   MAX_LINE);
      return FALSE;
    }
  start = start ? start + 1 : buf;
  line_len = strlen (start);
  obj = parse_line (start, line_len, 0, path, error);
  if (obj == NULL)
    {
      g_prefix_error (error, "Refusing to append: ");
      return FALSE;
    }
  seq = json_object_get_member (obj, "seq");
  if (seq == NULL || json_node_get_value_type (seq) != G_TYPE_INT64 || json_node_get_int (seq) < 1)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "Refusing to append: the last line of %s has no \"seq\"; it is not an "
                   "OpenSSP audit log", path);
      return FALSE;
    }
  *out_seq = (guint) json_node_get_int (seq);
  *out_hash = line_hash (start, line_len);
  return TRUE;
}

static gboolean
write_all (int         fd,
           const char *data,
           gsize       len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, data, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      data += n;
      len -= (gsize) n;
    }
  return TRUE;
}

/* Opens the log (made if missing) and takes its exclusive lock — several
 * stations or batch workers may share one log — then reads the last seq and
 * line hash. Returns the descriptor, or -1 with @error (nothing left open).
 * Called with self->lock held. */
static int
open_locked (OsspAuditLog *self,
             guint        *seq,
             char        **prev,
             GError      **error)
{
  int fd = open (self->path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, OSSP_ERROR,
                   saved == EACCES || saved == EPERM ? OSSP_ERROR_PERMISSION
                   : saved == ENOENT ? OSSP_ERROR_NOT_FOUND : OSSP_ERROR_IO,
                   "Cannot open the audit log %s: %s", self->path, g_strerror (saved));
      return -1;
    }
  while (flock (fd, LOCK_EX) != 0)
    if (errno != EINTR)
      {
        g_set_error (error, OSSP_ERROR, OSSP_ERROR_IO, "Cannot lock the audit log %s: %s",
                     self->path, g_strerror (errno));
        close (fd);
        return -1;
      }
  if (!read_tail (fd, self->path, seq, prev, error))
    {
      close (fd);  /* also drops the flock */
      return -1;
    }
  return fd;
}

guint
ossp_audit_log_append (OsspAuditLog *self,
                       JsonObject   *record,
                       GError      **error)
{
  g_autoptr(JsonObject) line_obj = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autofree char *prev = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GList) members = NULL;
  guint seq = 0;
  int fd;
  guint result = 0;

  g_return_val_if_fail (OSSP_IS_AUDIT_LOG (self), 0);
  g_return_val_if_fail (record != NULL, 0);

  g_mutex_lock (&self->lock);
  fd = open_locked (self, &seq, &prev, error);
  if (fd < 0)
    {
      g_mutex_unlock (&self->lock);
      return 0;
    }

  json_object_set_int_member (line_obj, "version", OSSP_AUDIT_LOG_VERSION);
  json_object_set_int_member (line_obj, "seq", (gint64) seq + 1);
  json_object_set_string_member (line_obj, "prev_sha256", prev);
  members = json_object_get_members (record);
  for (GList *l = members; l; l = l->next)
    {
      const char *name = l->data;
      if (g_str_equal (name, "version") || g_str_equal (name, "seq") ||
          g_str_equal (name, "prev_sha256"))
        continue;
      json_object_set_member (line_obj, name,
                              json_node_copy (json_object_get_member (record, name)));
    }
  json_node_set_object (node, line_obj);
  json_generator_set_root (gen, node);
  json_generator_set_pretty (gen, FALSE);
  text = json_generator_to_data (gen, NULL);
  if (strchr (text, '\n') != NULL || strlen (text) > MAX_LINE)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "Audit record too large or not one line; nothing was written");
      goto out;
    }
  {
    g_autofree char *line = g_strconcat (text, "\n", NULL);
    if (!write_all (fd, line, strlen (line)) || fsync (fd) != 0)
      {
        g_set_error (error, OSSP_ERROR, OSSP_ERROR_IO,
                     "Cannot write the audit log %s: %s (the record may be incomplete; run "
                     "'openssp audit verify')", self->path, g_strerror (errno));
        goto out;
      }
  }
  result = seq + 1;

out:
  close (fd);   /* also drops the flock */
  g_mutex_unlock (&self->lock);
  return result;
}

gboolean
ossp_audit_log_reserve (OsspAuditLog *self,
                        gsize         bytes,
                        GError      **error)
{
  g_autofree char *prev = NULL;
  struct stat st;
  guint seq = 0;
  gboolean ok = FALSE;
  int fd, rc;

  g_return_val_if_fail (OSSP_IS_AUDIT_LOG (self), FALSE);

  g_mutex_lock (&self->lock);
  fd = open_locked (self, &seq, &prev, error);
  if (fd < 0)
    {
      g_mutex_unlock (&self->lock);
      return FALSE;
    }
  if (fstat (fd, &st) != 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_IO, "Cannot read the audit log %s: %s",
                   self->path, g_strerror (errno));
      goto out;
    }
  /* blocks behind the end, the size unchanged: appends land in them */
  do
    rc = fallocate (fd, FALLOC_FL_KEEP_SIZE, st.st_size, (off_t) bytes);
  while (rc != 0 && errno == EINTR);
  if (rc != 0 && (errno == EOPNOTSUPP || errno == ENOSYS))
    {
      /* a file system without fallocate: at least there is room now */
      struct statvfs vfs;
      if (fstatvfs (fd, &vfs) == 0 && (guint64) vfs.f_bavail * vfs.f_frsize < bytes)
        errno = ENOSPC;
      else
        rc = 0;
    }
  if (rc != 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_IO,
                   "No room for the audit record in %s: %s; free some space (or choose another "
                   "log with --audit) before provisioning: nothing was spent", self->path,
                   g_strerror (errno));
      goto out;
    }
  ok = TRUE;

out:
  close (fd);
  g_mutex_unlock (&self->lock);
  return ok;
}

/* Calls @func for each line (without its newline); FALSE stops with the
 * error it set. */
typedef gboolean (*LineFunc) (const char *line, gsize len, guint lineno, gpointer data,
                              GError **error);

static gboolean
for_each_line_in_data (const char *path,
                       const char *data,
                       gsize       len,
                       LineFunc    func,
                       gpointer    user_data,
                       GError    **error)
{
  const char *p = data, *end = data + len;
  guint lineno = 0;

  while (p < end)
    {
      const char *nl = memchr (p, '\n', (gsize) (end - p));
      lineno++;
      if (nl == NULL)
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_VERIFY_FAILED,
                       "%s line %u is incomplete (no newline): a torn or truncated write",
                       path, lineno);
          return FALSE;
        }
      if (memchr (p, '\0', (gsize) (nl - p)) != NULL)
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                       "%s line %u contains a NUL byte", path, lineno);
          return FALSE;
        }
      if (!func (p, (gsize) (nl - p), lineno, user_data, error))
        return FALSE;
      p = nl + 1;
    }
  return TRUE;
}

static gboolean
for_each_line (const char *path,
               LineFunc    func,
               gpointer    user_data,
               GError    **error)
{
  gsize len = 0;
  g_autofree guint8 *content = ossp_file_read (path, MAX_LOG, &len, error);

  if (content == NULL)
    return FALSE;
  return for_each_line_in_data (path, (const char *) content, len, func, user_data, error);
}

/* What the log says about one HSM: the counter values it went through. */
typedef struct {
  GArray *consumed_at;   /* gint64: counter before each consumed license */
  gint64  highest;       /* highest counter_before seen */
  gint64  lowest;        /* lowest counter_after seen */
  guint   first_line;
} HsmTally;

static void
hsm_tally_free (HsmTally *t)
{
  g_array_unref (t->consumed_at);
  g_free (t);
}

static gint
compare_desc (gconstpointer a,
              gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return x < y ? 1 : x > y ? -1 : 0;
}

typedef struct {
  const char      *path;
  OsspAuditReport *report;
  char            *prev_hash;
  GHashTable      *tallies;        /* hsm serial → HsmTally */
} VerifyState;

static gboolean
get_int (JsonObject *obj,
         const char *name,
         gint64     *out)
{
  JsonNode *n = obj ? json_object_get_member (obj, name) : NULL;

  if (n == NULL || json_node_get_value_type (n) != G_TYPE_INT64)
    return FALSE;
  *out = json_node_get_int (n);
  return TRUE;
}

static gboolean
get_bool (JsonObject *obj,
          const char *name)
{
  JsonNode *n = obj ? json_object_get_member (obj, name) : NULL;

  return n != NULL && json_node_get_value_type (n) == G_TYPE_BOOLEAN && json_node_get_boolean (n);
}

/* A string member, "" when it has another type (a log may be tampered with:
 * json-glib's own getter gives NULL, or a critical, for those) */
static const char *
get_str (JsonObject *obj,
         const char *name)
{
  JsonNode *n = obj ? json_object_get_member (obj, name) : NULL;

  return n != NULL && json_node_get_value_type (n) == G_TYPE_STRING ? json_node_get_string (n) : "";
}

static JsonObject *
get_object (JsonObject *obj,
            const char *name)
{
  JsonNode *n = json_object_get_member (obj, name);

  return n != NULL && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

static gboolean
verify_line (const char *line,
             gsize       len,
             guint       lineno,
             gpointer    data,
             GError    **error)
{
  VerifyState *vs = data;
  g_autoptr(JsonObject) obj = parse_line (line, len, lineno, vs->path, error);
  const char *prev;
  const char *result;
  JsonObject *hsm, *license;
  gint64 seq, before, after;
  gboolean consumed;

  if (obj == NULL || !check_version (obj, lineno, vs->path, error))
    return FALSE;
  if (!get_int (obj, "seq", &seq) || seq != lineno)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_VERIFY_FAILED,
                   "%s line %u: \"seq\" is not %u: a record was inserted, deleted or moved",
                   vs->path, lineno, lineno);
      return FALSE;
    }
  prev = get_str (obj, "prev_sha256");
  if (!g_str_equal (prev, vs->prev_hash))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_VERIFY_FAILED,
                   "%s line %u: the chain is broken: prev_sha256 is not the SHA-256 of line %u "
                   "(that line was edited, or records were removed)", vs->path, lineno, lineno - 1);
      return FALSE;
    }
  g_free (vs->prev_hash);
  vs->prev_hash = line_hash (line, len);

  vs->report->records++;
  result = get_str (obj, "result");
  if (g_str_equal (result, "provisioned"))
    vs->report->provisioned++;
  else
    vs->report->failed++;

  license = get_object (obj, "license");
  consumed = get_bool (license, "consumed");
  if (consumed)
    {
      vs->report->licenses_consumed++;
      if (!g_str_equal (result, "provisioned"))
        vs->report->licenses_unused++;
    }

  /* licenses: this record's own arithmetic; the totals per HSM are
   * checked at the end, whatever order parallel workers wrote in */
  hsm = get_object (obj, "hsm");
  if (hsm != NULL && get_int (hsm, "counter_before", &before) && get_int (hsm, "counter_after", &after))
    {
      const char *serial = get_str (hsm, "serial");
      HsmTally *t = g_hash_table_lookup (vs->tallies, serial);

      if (before - after != (consumed ? 1 : 0))
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_VERIFY_FAILED,
                       "%s line %u: HSM %s counter went from %" G_GINT64_FORMAT " to %"
                       G_GINT64_FORMAT " but the record says %s license was consumed",
                       vs->path, lineno, serial, before, after, consumed ? "one" : "no");
          return FALSE;
        }
      if (t == NULL)
        {
          t = g_new0 (HsmTally, 1);
          t->consumed_at = g_array_new (FALSE, FALSE, sizeof (gint64));
          t->highest = before;
          t->lowest = after;
          t->first_line = lineno;
          g_hash_table_insert (vs->tallies, g_strdup (serial), t);
        }
      t->highest = MAX (t->highest, before);
      t->lowest = MIN (t->lowest, after);
      if (consumed)
        g_array_append_val (t->consumed_at, before);
    }
  else if (consumed)
    g_ptr_array_add (vs->report->warnings,
                     g_strdup_printf ("line %u: a license was consumed but the HSM counter was "
                                      "not recorded", lineno));
  if (consumed && !g_str_equal (result, "provisioned"))
    g_ptr_array_add (vs->report->warnings,
                     g_strdup_printf ("line %u: license consumed but not used (%s)", lineno,
                                      result));
  return TRUE;
}

static OsspAuditReport *
verify (const char *path,
        const char *data,
        gsize       len,
        const char *hsm_serial,
        gint64      hsm_counter_now,
        GError    **error)
{
  g_autoptr(OsspAuditReport) report = g_new0 (OsspAuditReport, 1);
  VerifyState vs = { 0 };
  gboolean ok;

  report->warnings = g_ptr_array_new_with_free_func (g_free);
  vs.path = path;
  vs.report = report;
  vs.prev_hash = g_strdup (GENESIS_HASH);
  vs.tallies = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                      (GDestroyNotify) hsm_tally_free);
  ok = data != NULL ? for_each_line_in_data (path, data, len, verify_line, &vs, error)
                    : for_each_line (path, verify_line, &vs, error);
  if (ok)
    {
      GHashTableIter iter;
      gpointer key, value;

      g_hash_table_iter_init (&iter, vs.tallies);
      while (ok && g_hash_table_iter_next (&iter, &key, &value))
        {
          HsmTally *t = value;
          gint64 span = t->highest - t->lowest;

          /* each license is one step of the counter: two records on the
           * same step claim the same license */
          g_array_sort (t->consumed_at, compare_desc);
          for (guint i = 1; i < t->consumed_at->len; i++)
            if (g_array_index (t->consumed_at, gint64, i) == g_array_index (t->consumed_at, gint64, i - 1))
              {
                g_set_error (error, OSSP_ERROR, OSSP_ERROR_VERIFY_FAILED,
                             "%s: two records claim the license HSM %s gave at counter %"
                             G_GINT64_FORMAT " (a record was copied)", path, (const char *) key,
                             g_array_index (t->consumed_at, gint64, i));
                ok = FALSE;
                break;
              }
          if (ok && span > (gint64) t->consumed_at->len)
            {
              guint outside = (guint) (span - t->consumed_at->len);
              report->licenses_outside += outside;
              g_ptr_array_add (report->warnings,
                               g_strdup_printf ("HSM %s: its counter went from %" G_GINT64_FORMAT
                                                " to %" G_GINT64_FORMAT " but the log accounts "
                                                "for %u license%s: %u used outside this log",
                                                (const char *) key, t->highest, t->lowest,
                                                t->consumed_at->len,
                                                t->consumed_at->len == 1 ? "" : "s", outside));
            }
        }
    }
  if (ok && hsm_serial != NULL)
    {
      HsmTally *t = g_hash_table_lookup (vs.tallies, hsm_serial);
      if (t == NULL)
        g_ptr_array_add (report->warnings,
                         g_strdup_printf ("HSM %s does not appear in the log", hsm_serial));
      else if (t->lowest != hsm_counter_now)
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_VERIFY_FAILED,
                       "%s: HSM %s has %" G_GINT64_FORMAT " licenses left but the log's lowest "
                       "counter for it is %" G_GINT64_FORMAT ": %s", path, hsm_serial,
                       hsm_counter_now, t->lowest,
                       hsm_counter_now < t->lowest ? "licenses were used without a record (or the "
                                                     "last records were deleted)"
                                                   : "the log does not belong to this HSM state");
          ok = FALSE;
        }
    }
  report->last_sha256 = g_steal_pointer (&vs.prev_hash);
  g_hash_table_unref (vs.tallies);
  if (!ok)
    return NULL;
  return g_steal_pointer (&report);
}

OsspAuditReport *
ossp_audit_log_verify (const char *path,
                       const char *hsm_serial,
                       gint64      hsm_counter_now,
                       GError    **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  return verify (path, NULL, 0, hsm_serial, hsm_counter_now, error);
}

OsspAuditReport *
ossp_audit_log_verify_data (const char *data,
                            gsize       len,
                            GError    **error)
{
  g_return_val_if_fail (data != NULL || len == 0, NULL);
  return verify ("audit log", data ? data : "", len, NULL, 0, error);
}

typedef struct {
  const char *path;
  GPtrArray  *records;
} ReadState;

static gboolean
read_line (const char *line,
           gsize       len,
           guint       lineno,
           gpointer    data,
           GError    **error)
{
  ReadState *rs = data;
  g_autoptr(JsonObject) obj = parse_line (line, len, lineno, rs->path, error);

  if (obj == NULL || !check_version (obj, lineno, rs->path, error))
    return FALSE;
  g_ptr_array_add (rs->records, g_steal_pointer (&obj));
  return TRUE;
}

GPtrArray *
ossp_audit_log_read (const char *path,
                     GError    **error)
{
  g_autoptr(GPtrArray) records =
    g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  ReadState rs = { path, records };

  g_return_val_if_fail (path != NULL, NULL);
  if (!for_each_line (path, read_line, &rs, error))
    return NULL;
  return g_steal_pointer (&records);
}
