/* ossp-error.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gio.h>

#include "ossp-error.h"

G_DEFINE_QUARK (ossp-error-quark, ossp_error)

static const struct {
  int code;
  const char *name;
  int exit_code;
} error_table[] = {
  { OSSP_ERROR_FAILED, "failed", 1 },
  { OSSP_ERROR_INVALID_ARGUMENT, "invalid-argument", 2 },
  { OSSP_ERROR_INVALID_DATA, "invalid-data", 3 },
  { OSSP_ERROR_NOT_FOUND, "not-found", 4 },
  { OSSP_ERROR_EXISTS, "exists", 5 },
  { OSSP_ERROR_PERMISSION, "permission", 6 },
  { OSSP_ERROR_IO, "io", 7 },
  { OSSP_ERROR_CRYPTO, "crypto", 8 },
  { OSSP_ERROR_BAD_PASSWORD, "bad-password", 9 },
  { OSSP_ERROR_UNSUPPORTED, "unsupported", 10 },
  { OSSP_ERROR_VALIDATION, "validation", 11 },
  { OSSP_ERROR_VERIFY_FAILED, "verify-failed", 12 },
  { OSSP_ERROR_DEVICE, "device", 13 },
  { OSSP_ERROR_PROTOCOL, "protocol", 14 },
  { OSSP_ERROR_HSM, "hsm", 15 },
  { OSSP_ERROR_TIMEOUT, "timeout", 16 },
  { OSSP_ERROR_CANCELLED, "cancelled", 17 },
  { OSSP_ERROR_NOT_CONFIRMED, "not-confirmed", 18 },
  { OSSP_ERROR_VERSION, "version", 19 },
  { OSSP_ERROR_STATE, "state", 20 },
};

const char *
ossp_error_code_to_name (int code)
{
  for (guint i = 0; i < G_N_ELEMENTS (error_table); i++)
    if (error_table[i].code == code)
      return error_table[i].name;
  return "failed";
}

/* Errors from other domains still get a meaningful exit code, so that a
 * script can tell "file missing" from "bad signature". */
int
ossp_error_exit_code (const GError *error)
{
  if (error == NULL)
    return 0;
  if (error->domain == OSSP_ERROR)
    {
      for (guint i = 0; i < G_N_ELEMENTS (error_table); i++)
        if (error_table[i].code == error->code)
          return error_table[i].exit_code;
      return 1;
    }
  if (error->domain == G_FILE_ERROR)
    {
      switch (error->code)
        {
        case G_FILE_ERROR_NOENT: return 4;
        case G_FILE_ERROR_EXIST: return 5;
        case G_FILE_ERROR_ACCES:
        case G_FILE_ERROR_PERM: return 6;
        default: return 7;
        }
    }
  if (error->domain == G_IO_ERROR)
    {
      switch (error->code)
        {
        case G_IO_ERROR_NOT_FOUND: return 4;
        case G_IO_ERROR_EXISTS: return 5;
        case G_IO_ERROR_PERMISSION_DENIED: return 6;
        case G_IO_ERROR_CANCELLED: return 17;
        case G_IO_ERROR_TIMED_OUT: return 16;
        default: return 7;
        }
    }
  if (error->domain == G_OPTION_ERROR)
    return 2;
  return 1;
}
