/* ossp-error.h — the one error domain of OpenSSP
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define OSSP_ERROR (ossp_error_quark ())

/* Codes are part of the CLI contract: docs/cli.md maps each one to an exit
 * code and a stable name, so never renumber, only append. */
typedef enum {
  OSSP_ERROR_FAILED = 1,        /* anything not listed below */
  OSSP_ERROR_INVALID_ARGUMENT,  /* a user-given option or value is wrong */
  OSSP_ERROR_INVALID_DATA,      /* a file or reply does not parse */
  OSSP_ERROR_NOT_FOUND,         /* file, chip, reader or device missing */
  OSSP_ERROR_EXISTS,            /* output exists and --force was not given */
  OSSP_ERROR_PERMISSION,        /* the OS refused access */
  OSSP_ERROR_IO,                /* read/write failed */
  OSSP_ERROR_CRYPTO,            /* a crypto operation failed */
  OSSP_ERROR_BAD_PASSWORD,      /* a key could not be decrypted with the password */
  OSSP_ERROR_UNSUPPORTED,       /* valid but not supported (curve, version, chip) */
  OSSP_ERROR_VALIDATION,        /* model rules rejected the input (see details) */
  OSSP_ERROR_VERIFY_FAILED,     /* a checksum, signature or tag did not match */
  OSSP_ERROR_DEVICE,            /* the chip or its link misbehaved */
  OSSP_ERROR_PROTOCOL,          /* a device/HSM reply broke the protocol */
  OSSP_ERROR_HSM,               /* the HSM refused or failed */
  OSSP_ERROR_TIMEOUT,           /* no answer in time */
  OSSP_ERROR_CANCELLED,         /* the user cancelled */
  OSSP_ERROR_NOT_CONFIRMED,     /* an irreversible step was not confirmed */
  OSSP_ERROR_VERSION,           /* a file of a newer/unknown format version */
  OSSP_ERROR_STATE,             /* the chip/HSM is in the wrong state for this */
} OsspErrorCode;

GQuark       ossp_error_quark        (void);
const char  *ossp_error_code_to_name (int code);
int          ossp_error_exit_code    (const GError *error);

G_END_DECLS
