/* fuzz-audit-log.c — the audit-log chain and record checker
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <openssp.h>

int LLVMFuzzerTestOneInput (const guint8 *data, gsize size);

int
LLVMFuzzerTestOneInput (const guint8 *data, gsize size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspAuditReport) report =
    ossp_audit_log_verify_data ((const char *) data, size, &error);

  if (report == NULL)
    g_assert (error != NULL);
  else
    g_assert (report->records <= size);
  return 0;
}
