/* ossp-pem.h — RFC 7468 PEM blocks, with the RFC 1421 headers that
 * OpenSSL's traditional encrypted keys carry (Proc-Type, DEK-Info)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  char   *label;      /* "EC PRIVATE KEY", "PUBLIC KEY", … */
  char   *proc_type;  /* value of a Proc-Type: header, or NULL */
  char   *dek_info;   /* value of a DEK-Info: header, or NULL */
  guint8 *der;        /* decoded body; wiped on free (it may be a key) */
  gsize   der_len;
} OsspPemBlock;

/* Every block of @text in order. Text outside blocks is ignored (OpenSSL
 * writes "EC PARAMETERS" blocks and comments around keys). Fails with
 * OSSP_ERROR_INVALID_DATA on a block without END, a label mismatch, or bad
 * base64; @what names the source in messages (a file name). */
GPtrArray    *ossp_pem_parse        (const char   *text,
                                     gsize         len,
                                     const char   *what,
                                     GError      **error);
/* The first block whose label ends with @label_suffix, or NULL. */
OsspPemBlock *ossp_pem_find         (GPtrArray    *blocks,
                                     const char   *label_suffix);
void          ossp_pem_block_free   (OsspPemBlock *block);

/* PEM text with 64-column base64, as OpenSSL writes it. @headers, if not
 * NULL, is placed verbatim (newline-terminated) followed by an empty line. */
char         *ossp_pem_encode       (const char   *label,
                                     const char   *headers,
                                     const guint8 *der,
                                     gsize         len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OsspPemBlock, ossp_pem_block_free)

G_END_DECLS
