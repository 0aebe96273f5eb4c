/* ossp-pkcs11-signer.h — an ECDSA key that stays inside a PKCS#11 token
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "ossp-key-pair.h"

G_BEGIN_DECLS

#define OSSP_TYPE_PKCS11_SIGNER (ossp_pkcs11_signer_get_type ())
G_DECLARE_FINAL_TYPE (OsspPkcs11Signer, ossp_pkcs11_signer, OSSP, PKCS11_SIGNER, GObject)

/* @url: an RFC 7512 "pkcs11:" URL of the private key. @module_path: the
 * PKCS#11 module to load (NULL: the modules p11-kit knows). @pin: the user
 * PIN, copied into wiped memory (NULL: none, or pin-value in the URL).
 * @public_key: the matching public key when the token holds no public
 * object for it (NULL: read it from the token). */
OsspPkcs11Signer *ossp_pkcs11_signer_new          (const char        *url,
                                                   const char        *module_path,
                                                   const char        *pin,
                                                   OsspKeyPair       *public_key,
                                                   GError           **error);
OsspCurve         ossp_pkcs11_signer_get_curve    (OsspPkcs11Signer  *self);
void              ossp_pkcs11_signer_get_public_raw (OsspPkcs11Signer *self,
                                                   guint8             out_xy[64]);
/* The public key as a key pair (public half only), for hashing and verifying. */
OsspKeyPair      *ossp_pkcs11_signer_get_public_key (OsspPkcs11Signer *self);
/* ECDSA over a SHA-256 digest inside the token; raw r||s out. */
gboolean          ossp_pkcs11_signer_sign_digest  (OsspPkcs11Signer  *self,
                                                   const guint8       digest[32],
                                                   guint8             out_rs[64],
                                                   GError           **error);
/* An OsspImageSignFunc with the signer as @user_data. */
gboolean          ossp_pkcs11_signer_sign_func    (const guint8       digest[32],
                                                   guint8             out_rs[64],
                                                   gpointer           user_data,
                                                   GError           **error);

G_END_DECLS
