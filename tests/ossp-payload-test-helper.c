/* ossp-payload-test-helper.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>
#include <glib/gstdio.h>

#include "ossp-payload-test-helper.h"

char *
ossp_payload_fixture_write (OsspPayloadFixture *fx,
                            const char         *name,
                            const guint8       *data,
                            gsize               len)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (fx->dir, name, NULL);

  g_unlink (path);
  ossp_file_write_atomic (path, data, len, OSSP_WRITE_FLAGS_SECRET, &error);
  g_assert_no_error (error);
  return path;
}

/* payload.md §5.1, written here by hand from the spec: a whole PKHTH
 * (144..151), the board id with a shadow-read lock, and EDMK2 (360..363) */
static GBytes *
make_osot (void)
{
  struct { guint16 word, flags; guint32 value; } e[13];
  guint8 buf[8 + G_N_ELEMENTS (e) * 12] = { 0 };
  guint n = 0;

  for (guint i = 0; i < 8; i++)
    e[n++] = (typeof (e[0])) { (guint16) (144 + i), 0x1, 0x11223344u + 0x01010101u * i };
  e[n++] = (typeof (e[0])) { 246, 0x3, 0xCAFEF00D };
  for (guint i = 0; i < 4; i++)
    e[n++] = (typeof (e[0])) { (guint16) (360 + i), 0x1, 0xA0A0A0A0u + i };
  memcpy (buf, "OSOT", 4);
  ossp_write_le16 (buf + 4, 1);
  ossp_write_le16 (buf + 6, (guint16) n);
  for (guint i = 0; i < n; i++)
    {
      guint8 *p = buf + 8 + 12 * i;
      ossp_write_le16 (p, e[i].word);
      ossp_write_le16 (p + 2, e[i].flags);
      ossp_write_le32 (p + 4, e[i].value);
    }
  return g_bytes_new (buf, sizeof buf);
}

/* payload.md §5.2, by hand */
static GBytes *
make_osbk (guint kind)
{
  g_autoptr(GByteArray) a = g_byte_array_new ();
  guint8 h[16] = { 'O', 'S', 'B', 'K' };
  struct { guint32 off, len, flags; guint8 fill; } e[2];
  guint n;

  if (kind == 1)
    {
      e[0] = (typeof (e[0])) { 0x00, 16, 0x3, 0x40 };  /* wrap, Cortex-A35 */
      e[1] = (typeof (e[1])) { 0x20, 8, 0x0, 0x50 };
      n = 2;
    }
  else
    {
      e[0] = (typeof (e[0])) { 0x100, 32, 0x5, 0x60 }; /* wrap, Cortex-M33 */
      n = 1;
    }
  ossp_write_le16 (h + 4, 1);
  ossp_write_le16 (h + 6, (guint16) kind);
  ossp_write_le32 (h + 8, n);
  g_byte_array_append (a, h, sizeof h);
  for (guint i = 0; i < n; i++)
    {
      guint8 eh[16] = { 0 };
      ossp_write_le32 (eh, e[i].off);
      ossp_write_le32 (eh + 4, e[i].len);
      ossp_write_le32 (eh + 8, e[i].flags);
      g_byte_array_append (a, eh, sizeof eh);
      for (guint j = 0; j < e[i].len; j++)
        {
          guint8 b = (guint8) (e[i].fill + j);
          g_byte_array_append (a, &b, 1);
        }
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&a));
}

OsspPayloadFixture *
ossp_payload_fixture_new (const char *chip_id)
{
  OsspPayloadFixture *fx = g_new0 (OsspPayloadFixture, 1);
  g_autofree char *priv = NULL;
  guint8 secret[148];
  int status;

  fx->chip_id = g_strdup (chip_id);
  fx->dir = ossp_test_make_tmpdir ();
  for (guint i = 0; i < 16; i++)
    fx->key_data[i] = (guint8) (0x10 + 3 * i);
  for (guint i = 0; i < 12; i++)
    fx->nonce_data[i] = (guint8) (0xC0 + i);
  for (guint i = 0; i < 32; i++)
    fx->pkhth_data[i] = (guint8) (0x80 ^ (i * 5));
  fx->key = ossp_payload_fixture_write (fx, "enc_key.bin", fx->key_data, 16);
  fx->nonce = ossp_payload_fixture_write (fx, "nonce.bin", fx->nonce_data, 16);
  fx->pkhth = ossp_payload_fixture_write (fx, "publicKeysHashHashes.bin", fx->pkhth_data, 32);
  fx->out = g_build_filename (fx->dir, "out.ssp", NULL);
  fx->rma = 0x1234567;

  if (g_str_equal (chip_id, "stm32mp25"))
    {
      gsize len;
      const guint8 *d;
      fx->secret_bytes = make_osot ();
      fx->tamp_bytes = make_osbk (1);
      fx->bkpsram_bytes = make_osbk (2);
      d = g_bytes_get_data (fx->secret_bytes, &len);
      fx->secret = ossp_payload_fixture_write (fx, "otp-secrets.bin", d, len);
      d = g_bytes_get_data (fx->tamp_bytes, &len);
      fx->tamp = ossp_payload_fixture_write (fx, "backup-tamp.bin", d, len);
      d = g_bytes_get_data (fx->bkpsram_bytes, &len);
      fx->bkpsram = ossp_payload_fixture_write (fx, "backup-sram.bin", d, len);
    }
  else
    {
      /* word i → OTP 59+i; word 2 (OTP 61) is zero so the plan skips it */
      for (guint i = 0; i < 37; i++)
        ossp_write_le32 (secret + 4 * i, i == 2 ? 0 : 0x01000000u * (i + 1) + 0x1111u * i);
      fx->secret_bytes = g_bytes_new (secret, sizeof secret);
      fx->secret = ossp_payload_fixture_write (fx, "secret.bin", secret, sizeof secret);
    }

  priv = g_build_filename (fx->dir, "privateKey.pem", NULL);
  fx->pubkey = g_build_filename (fx->dir, "publicKey.pem", NULL);
  status = ossp_keys_test_tool (NULL, NULL, "openssl", "ecparam", "-name", "prime256v1", "-genkey",
                                "-noout", "-out", priv, NULL);
  g_assert_cmpint (status, ==, 0);
  status = ossp_keys_test_tool (NULL, NULL, "openssl", "ec", "-in", priv, "-pubout", "-out",
                                fx->pubkey, NULL);
  g_assert_cmpint (status, ==, 0);
  ossp_keys_test_openssl_raw (fx->pubkey, fx->pubkey_xy);
  return fx;
}

void
ossp_payload_fixture_free (OsspPayloadFixture *fx)
{
  if (fx == NULL)
    return;
  g_free (fx->chip_id);
  g_free (fx->dir);
  g_free (fx->key);
  g_free (fx->nonce);
  g_free (fx->pubkey);
  g_free (fx->pkhth);
  g_free (fx->secret);
  g_free (fx->tamp);
  g_free (fx->bkpsram);
  g_free (fx->out);
  g_clear_pointer (&fx->secret_bytes, g_bytes_unref);
  g_clear_pointer (&fx->tamp_bytes, g_bytes_unref);
  g_clear_pointer (&fx->bkpsram_bytes, g_bytes_unref);
  g_free (fx);
}

OsspPayload *
ossp_payload_fixture_load (OsspPayloadFixture *fx)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspChip) chip = ossp_chip_new (fx->chip_id, &error);
  g_autoptr(OsspPayload) payload = NULL;

  g_assert_no_error (error);
  payload = ossp_payload_new (chip);
  g_assert_true (ossp_payload_load_key (payload, fx->key, &error));
  g_assert_true (ossp_payload_load_nonce (payload, fx->nonce, &error));
  g_assert_true (ossp_payload_load_secret (payload, fx->secret, &error));
  if (g_str_equal (fx->chip_id, "stm32mp15"))
    g_assert_true (ossp_payload_load_oem_public_key (payload, fx->pubkey, &error));
  if (g_str_equal (fx->chip_id, "stm32mp13"))
    g_assert_true (ossp_payload_load_pkhth (payload, fx->pkhth, &error));
  if (fx->tamp == NULL)
    g_assert_true (ossp_payload_set_rma (payload, fx->rma, &error));
  else
    {
      g_assert_true (ossp_payload_load_backup (payload, fx->tamp, 0x46010100, &error));
      g_assert_true (ossp_payload_load_backup (payload, fx->bkpsram, 0x52000000, &error));
    }
  g_assert_no_error (error);
  return g_steal_pointer (&payload);
}

GPtrArray *
ossp_payload_fixture_cli_args (OsspPayloadFixture *fx)
{
  GPtrArray *a = g_ptr_array_new ();
  g_autofree char *rma = g_strdup_printf ("0x%X", fx->rma);

  g_ptr_array_add (a, "payload");
  g_ptr_array_add (a, "build");
  g_ptr_array_add (a, "--chip");
  g_ptr_array_add (a, fx->chip_id);
  g_ptr_array_add (a, "--key");
  g_ptr_array_add (a, fx->key);
  g_ptr_array_add (a, "--nonce");
  g_ptr_array_add (a, fx->nonce);
  g_ptr_array_add (a, "--secret");
  g_ptr_array_add (a, fx->secret);
  g_ptr_array_add (a, "--out");
  g_ptr_array_add (a, fx->out);
  if (g_str_equal (fx->chip_id, "stm32mp15"))
    {
      g_ptr_array_add (a, "--oem-pubkey");
      g_ptr_array_add (a, fx->pubkey);
    }
  if (g_str_equal (fx->chip_id, "stm32mp13"))
    {
      g_ptr_array_add (a, "--pkhth");
      g_ptr_array_add (a, fx->pkhth);
    }
  if (fx->tamp == NULL)
    {
      g_ptr_array_add (a, "--rma");
      /* kept alive by the fixture's lifetime: interned */
      g_ptr_array_add (a, (gpointer) g_intern_string (rma));
    }
  else
    {
      g_ptr_array_add (a, "--backup");
      g_ptr_array_add (a, fx->tamp);
      g_ptr_array_add (a, "--base");
      g_ptr_array_add (a, "0x46010100");
      g_ptr_array_add (a, "--backup");
      g_ptr_array_add (a, fx->bkpsram);
      g_ptr_array_add (a, "--base");
      g_ptr_array_add (a, "0x52000000");
    }
  return a;
}
