/* fuzz-keys.c — PEM blocks, private/public key loaders, DER signatures.
 * The seeds in corpus/keys/ use the password "password" (PKCS#8 seed
 * with 1 PBKDF2 iteration, to keep executions fast).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <openssp.h>

int LLVMFuzzerTestOneInput (const guint8 *data, gsize size);

static void
exercise (OsspKeyPair *kp)
{
  guint8 xy[64], pkh[32], digest[32] = { 0 }, rs[64] = { 0 };

  ossp_key_pair_get_public_raw (kp, xy);
  ossp_key_pair_get_pkh (kp, TRUE, pkh);
  ossp_key_pair_get_pkh (kp, FALSE, pkh);
  /* a random signature must fail cleanly, never crash */
  g_assert_false (ossp_key_pair_verify_digest (kp, digest, rs, NULL));
}

int
LLVMFuzzerTestOneInput (const guint8 *data, gsize size)
{
  g_autoptr(GError) e1 = NULL;
  g_autoptr(GError) e2 = NULL;
  g_autoptr(GError) e3 = NULL;
  g_autoptr(GError) e4 = NULL;
  g_autoptr(GPtrArray) blocks = NULL;
  g_autoptr(OsspKeyPair) priv = NULL;
  g_autoptr(OsspKeyPair) pub = NULL;
  g_autofree char *text = g_strndup ((const char *) data, size);
  guint8 rs[64];

  /* the loaders take text; a NUL inside ends it, as for a file */
  blocks = ossp_pem_parse (text, strlen (text), "fuzz", &e1);
  g_assert ((blocks != NULL) == (e1 == NULL));

  priv = ossp_key_pair_load_private_data ((const guint8 *) text, strlen (text), "password", "fuzz", &e2);
  g_assert ((priv != NULL) == (e2 == NULL));
  if (priv)
    {
      g_assert_true (ossp_key_pair_has_private (priv));
      exercise (priv);
    }
  pub = ossp_key_pair_load_public_data ((const guint8 *) text, strlen (text), "fuzz", &e3);
  g_assert ((pub != NULL) == (e3 == NULL));
  if (pub)
    exercise (pub);

  if (ossp_ecdsa_signature_from_der (data, size, rs, &e4))
    {
      guint8 der[72];
      gsize n = ossp_ecdsa_signature_to_der (rs, der);
      g_assert_cmpuint (n, <=, 72);
    }
  else
    g_assert (e4 != NULL);
  return 0;
}
