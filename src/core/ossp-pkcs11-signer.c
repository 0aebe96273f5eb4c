/* ossp-pkcs11-signer.c — sign image digests with a key kept in a PKCS#11
 * token (an HSM, a smart card, SoftHSM): the private key never leaves it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/pkcs11.h>

#include "ossp-error.h"
#include "ossp-image.h"
#include "ossp-pkcs11-signer.h"

struct _OsspPkcs11Signer
{
  GObject           parent_instance;

  gnutls_privkey_t  privkey;
  OsspKeyPair      *public_key;
  char             *pin;        /* wiped memory */
  char             *url;
};

G_DEFINE_FINAL_TYPE (OsspPkcs11Signer, ossp_pkcs11_signer, G_TYPE_OBJECT)

static void
ossp_pkcs11_signer_finalize (GObject *object)
{
  OsspPkcs11Signer *self = OSSP_PKCS11_SIGNER (object);

  if (self->privkey)
    gnutls_privkey_deinit (self->privkey);
  g_clear_object (&self->public_key);
  ossp_secure_strfree (self->pin);
  g_free (self->url);
  G_OBJECT_CLASS (ossp_pkcs11_signer_parent_class)->finalize (object);
}

static void
ossp_pkcs11_signer_class_init (OsspPkcs11SignerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ossp_pkcs11_signer_finalize;
}

static void
ossp_pkcs11_signer_init (OsspPkcs11Signer *self)
{
}

/* GnuTLS keeps one PKCS#11 state per process: initialise it once, in
 * manual mode when the caller names a module (so a test token is used and
 * nothing else), otherwise from p11-kit's module list. Further module paths
 * are added as providers. */
static GMutex init_lock;
static gboolean init_done;
static GHashTable *modules_added;

static gboolean
pkcs11_setup (const char  *module_path,
              GError     **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&init_lock);
  int ret;

  (void) locker;   /* held until the end of the scope */
  if (!init_done)
    {
      ret = gnutls_pkcs11_init (module_path ? GNUTLS_PKCS11_FLAG_MANUAL : GNUTLS_PKCS11_FLAG_AUTO, NULL);
      if (ret < 0)
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_HSM, "Cannot start PKCS#11 support: %s",
                       gnutls_strerror (ret));
          return FALSE;
        }
      init_done = TRUE;
      modules_added = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    }
  if (module_path == NULL || g_hash_table_contains (modules_added, module_path))
    return TRUE;
  if (!g_file_test (module_path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_NOT_FOUND,
                   "PKCS#11 module %s does not exist; give the path of the token's .so module",
                   module_path);
      return FALSE;
    }
  ret = gnutls_pkcs11_add_provider (module_path, NULL);
  if (ret < 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_HSM, "Cannot load PKCS#11 module %s: %s",
                   module_path, gnutls_strerror (ret));
      return FALSE;
    }
  g_hash_table_add (modules_added, g_strdup (module_path));
  return TRUE;
}

/* Gives the PIN once; a second call for the same operation means the token
 * refused it, and guessing again would only count towards a lock-out. */
static int
pin_cb (void         *userdata,
        int           attempt,
        const char   *token_url,
        const char   *token_label,
        unsigned int  flags,
        char         *pin,
        size_t        pin_max)
{
  OsspPkcs11Signer *self = userdata;
  gsize len;

  if (self->pin == NULL || attempt > 0 || (flags & GNUTLS_PIN_WRONG))
    return GNUTLS_E_PKCS11_PIN_ERROR;
  len = strlen (self->pin);
  if (len + 1 > pin_max)
    return GNUTLS_E_PKCS11_PIN_ERROR;
  memcpy (pin, self->pin, len + 1);
  return 0;
}

static void
set_hsm_error (GError     **error,
               int          ret,
               const char  *what,
               const char  *url)
{
  const char *hint = "";

  if (ret == GNUTLS_E_PKCS11_PIN_ERROR || ret == GNUTLS_E_PKCS11_USER_ERROR)
    hint = " (was the right PIN given with --pin-file or --pin-env?)";
  else if (ret == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE || ret == GNUTLS_E_PKCS11_REQUESTED_OBJECT_NOT_AVAILBLE)
    hint = " (no such object: check the token and object names in the URL, e.g. with p11tool --list-all)";
  g_set_error (error, OSSP_ERROR, ret == GNUTLS_E_PKCS11_PIN_ERROR ? OSSP_ERROR_BAD_PASSWORD : OSSP_ERROR_HSM,
               "%s %s: %s%s", what, url, gnutls_strerror (ret), hint);
}

static OsspKeyPair *
read_public_key (OsspPkcs11Signer  *self,
                 GError           **error)
{
  gnutls_pubkey_t pub = NULL;
  gnutls_datum_t pem = { NULL, 0 };
  OsspKeyPair *key = NULL;
  int ret;

  ret = gnutls_pubkey_init (&pub);
  if (ret >= 0)
    ret = gnutls_pubkey_import_privkey (pub, self->privkey, 0, 0);
  if (ret >= 0)
    ret = gnutls_pubkey_export2 (pub, GNUTLS_X509_FMT_PEM, &pem);
  if (ret < 0)
    set_hsm_error (error, ret, "Cannot read the public key of", self->url);
  else
    key = ossp_key_pair_load_public_data (pem.data, pem.size, "the token's public key", error);
  gnutls_free (pem.data);
  if (pub)
    gnutls_pubkey_deinit (pub);
  if (key == NULL)
    g_prefix_error (error, "No usable public key in the token (give it with --pkcs11-pubkey): ");
  return key;
}

OsspPkcs11Signer *
ossp_pkcs11_signer_new (const char   *url,
                        const char   *module_path,
                        const char   *pin,
                        OsspKeyPair  *public_key,
                        GError      **error)
{
  g_autoptr(OsspPkcs11Signer) self = NULL;
  int ret;

  if (url == NULL || !g_str_has_prefix (url, "pkcs11:"))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "\"%s\" is not a PKCS#11 URL; it must start with \"pkcs11:\", e.g. "
                   "pkcs11:token=factory;object=oem-key;type=private", url ? url : "");
      return NULL;
    }
  if (!pkcs11_setup (module_path, error))
    return NULL;

  self = g_object_new (OSSP_TYPE_PKCS11_SIGNER, NULL);
  self->url = g_strdup (url);
  self->pin = ossp_secure_strdup (pin);
  ret = gnutls_privkey_init (&self->privkey);
  if (ret < 0)
    {
      set_hsm_error (error, ret, "Cannot prepare a key for", url);
      return NULL;
    }
  gnutls_privkey_set_pin_function (self->privkey, pin_cb, self);
  ret = gnutls_privkey_import_url (self->privkey, url, 0);
  if (ret < 0)
    {
      set_hsm_error (error, ret, "Cannot open the private key", url);
      return NULL;
    }
  if (gnutls_privkey_get_pk_algorithm (self->privkey, NULL) != GNUTLS_PK_ECDSA)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_UNSUPPORTED,
                   "The key %s is not an ECDSA key; STM32 images are signed with ECDSA P-256", url);
      return NULL;
    }
  self->public_key = public_key ? g_object_ref (public_key) : read_public_key (self, error);
  if (self->public_key == NULL)
    return NULL;
  return g_steal_pointer (&self);
}

OsspCurve
ossp_pkcs11_signer_get_curve (OsspPkcs11Signer *self)
{
  return ossp_key_pair_get_curve (self->public_key);
}

void
ossp_pkcs11_signer_get_public_raw (OsspPkcs11Signer *self,
                                   guint8            out_xy[64])
{
  ossp_key_pair_get_public_raw (self->public_key, out_xy);
}

OsspKeyPair *
ossp_pkcs11_signer_get_public_key (OsspPkcs11Signer *self)
{
  return self->public_key;
}

gboolean
ossp_pkcs11_signer_sign_digest (OsspPkcs11Signer  *self,
                                const guint8       digest[32],
                                guint8             out_rs[64],
                                GError           **error)
{
  gnutls_datum_t hash = { (unsigned char *) digest, 32 };
  gnutls_datum_t sig = { NULL, 0 };
  gboolean ok;
  int ret;

  ret = gnutls_privkey_sign_hash2 (self->privkey, GNUTLS_SIGN_ECDSA_SHA256, 0, &hash, &sig);
  if (ret < 0)
    {
      set_hsm_error (error, ret, "The token did not sign with", self->url);
      return FALSE;
    }
  /* tokens answer DER (GnuTLS wraps the raw CKM_ECDSA output); the header wants r||s */
  ok = ossp_image_parse_signature (sig.data, sig.size, out_rs, error);
  gnutls_free (sig.data);
  if (ok && !ossp_key_pair_verify_digest (self->public_key, digest, out_rs, error))
    {
      g_prefix_error (error, "The token's signature does not match its public key: ");
      return FALSE;
    }
  return ok;
}

gboolean
ossp_pkcs11_signer_sign_func (const guint8   digest[32],
                              guint8         out_rs[64],
                              gpointer       user_data,
                              GError       **error)
{
  return ossp_pkcs11_signer_sign_digest (OSSP_PKCS11_SIGNER (user_data), digest, out_rs, error);
}
