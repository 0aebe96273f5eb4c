/* ossp-keys-test-helper.h — running openssl from the keys tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ossp-test-helper.h"

G_BEGIN_DECLS

/* Runs @prog with the NULL-terminated args; returns the exit status and,
 * if asked, stdout (binary-safe) and stderr. */
int      ossp_keys_test_tool        (GBytes     **out,
                                     char       **err,
                                     const char  *prog,
                                     ...) G_GNUC_NULL_TERMINATED;
/* openssl's reading of a public key PEM: raw X||Y (the tail of the DER
 * SubjectPublicKeyInfo). */
void     ossp_keys_test_openssl_raw (const char  *pub_pem,
                                     guint8       out_xy[64]);
/* SHA-256 computed by `openssl dgst -sha256 -binary` over @data. */
void     ossp_keys_test_openssl_sha256 (const guint8 *data,
                                     gsize         len,
                                     guint8        out[32]);
/* The PKH of @pub_pem computed with openssl only (keys.md §4). */
void     ossp_keys_test_openssl_pkh (const char  *pub_pem,
                                     gboolean     with_algo,
                                     guint8       out[32]);
/* `openssl ec -in KEY -passin file:PWFILE -pubout`; NULL on failure. */
char    *ossp_keys_test_openssl_pubout (const char *key,
                                     const char  *password_file);
/* Writes @password to a new 0600 file in @dir and returns its path. */
char    *ossp_keys_test_password_file (const char *dir,
                                     const char  *password);
gboolean ossp_keys_test_have_openssl (void);

G_END_DECLS
