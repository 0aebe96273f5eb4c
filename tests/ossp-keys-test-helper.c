/* ossp-keys-test-helper.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <gio/gio.h>

#include "ossp-keys-test-helper.h"

int
ossp_keys_test_tool (GBytes     **out,
                     char       **err,
                     const char  *prog,
                     ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) out_bytes = NULL;
  g_autoptr(GBytes) err_bytes = NULL;
  const char *arg;
  va_list ap;

  g_ptr_array_add (argv, (gpointer) prog);
  va_start (ap, prog);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  proc = g_subprocess_newv ((const char * const *) argv->pdata,
                            G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate (proc, NULL, NULL, &out_bytes, &err_bytes, &error);
  g_assert_no_error (error);
  if (out)
    *out = g_steal_pointer (&out_bytes);
  if (err)
    *err = g_strndup (g_bytes_get_data (err_bytes, NULL), g_bytes_get_size (err_bytes));
  return g_subprocess_get_if_exited (proc) ? g_subprocess_get_exit_status (proc) : -1;
}

void
ossp_keys_test_openssl_raw (const char *pub_pem,
                            guint8      out_xy[64])
{
  g_autoptr(GBytes) der = NULL;
  g_autofree char *err = NULL;
  gsize len;
  const guint8 *p;
  int status = ossp_keys_test_tool (&der, &err, "openssl", "ec", "-pubin", "-in", pub_pem,
                                    "-outform", "DER", NULL);

  if (status != 0)
    g_error ("openssl ec -pubin failed on %s: %s", pub_pem, err);
  p = g_bytes_get_data (der, &len);
  /* P-256 SubjectPublicKeyInfo: 26 bytes of header, then 04 || X || Y */
  g_assert_cmpuint (len, ==, 91);
  g_assert_cmpuint (p[26], ==, 0x04);
  memcpy (out_xy, p + 27, 64);
}

void
ossp_keys_test_openssl_sha256 (const guint8 *data,
                               gsize         len,
                               guint8        out[32])
{
  g_autofree char *dir = ossp_test_make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "in.bin", NULL);
  g_autoptr(GBytes) digest = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;

  g_file_set_contents (path, (const char *) data, (gssize) len, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ossp_keys_test_tool (&digest, &err, "openssl", "dgst", "-sha256", "-binary",
                                        path, NULL), ==, 0);
  g_assert_cmpuint (g_bytes_get_size (digest), ==, 32);
  memcpy (out, g_bytes_get_data (digest, NULL), 32);
}

void
ossp_keys_test_openssl_pkh (const char *pub_pem,
                            gboolean    with_algo,
                            guint8      out[32])
{
  guint8 buf[68] = { 1, 0, 0, 0 };  /* LE32(1) = prime256v1 */

  ossp_keys_test_openssl_raw (pub_pem, buf + 4);
  if (with_algo)
    ossp_keys_test_openssl_sha256 (buf, 68, out);
  else
    ossp_keys_test_openssl_sha256 (buf + 4, 64, out);
}

char *
ossp_keys_test_openssl_pubout (const char *key,
                               const char *password_file)
{
  g_autoptr(GBytes) out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *pass = g_strdup_printf ("file:%s", password_file);

  if (ossp_keys_test_tool (&out, &err, "openssl", "ec", "-in", key, "-passin", pass, "-pubout",
                           NULL) != 0)
    return NULL;
  return g_strndup (g_bytes_get_data (out, NULL), g_bytes_get_size (out));
}

char *
ossp_keys_test_password_file (const char *dir,
                              const char *password)
{
  static guint counter;
  g_autofree char *name = g_strdup_printf ("password-%u.txt", counter++);
  char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (ossp_file_write_atomic (path, (const guint8 *) password, strlen (password),
                                         OSSP_WRITE_FLAGS_SECRET | OSSP_WRITE_FLAGS_OVERWRITE,
                                         &error));
  g_assert_no_error (error);
  return path;
}

gboolean
ossp_keys_test_have_openssl (void)
{
  if (ossp_test_have_program ("openssl"))
    return TRUE;
  g_test_skip ("openssl is not installed");
  return FALSE;
}
