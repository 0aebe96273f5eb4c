/* test-hsm-card.c — the soft-HSM card in process: APDUs, state machine,
 * counter persistence, refusals, license crypto (checked independently)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "ossp-test-hsm.h"
#include "ossp-sim-hsm.h"

/* Sends raw APDU bytes, returns the data part and the status word. */
static guint16
send (OsspSimHsmCard *card,
      const guint8   *apdu,
      gsize           len,
      GBytes        **data)
{
  g_autoptr(GBytes) resp = ossp_sim_hsm_card_transmit (card, apdu, len);
  gsize n = 0;
  const guint8 *p = g_bytes_get_data (resp, &n);

  g_assert_cmpuint (n, >=, 2);
  if (data)
    *data = g_bytes_new (p, n - 2);
  return (guint16) ((p[n - 2] << 8) | p[n - 1]);
}

/* short APDU with data and optional Le */
static guint16
send_cmd (OsspSimHsmCard *card,
          guint8 cla, guint8 ins, guint8 p1, guint8 p2,
          const guint8 *data, gsize len, gint le,
          GBytes **out)
{
  g_autoptr(GByteArray) a = g_byte_array_new ();
  guint8 h[4] = { cla, ins, p1, p2 };

  g_byte_array_append (a, h, 4);
  if (len > 0)
    {
      guint8 lc = (guint8) len;
      g_assert_cmpuint (len, <=, 255);
      g_byte_array_append (a, &lc, 1);
      g_byte_array_append (a, data, (guint) len);
    }
  if (le >= 0)
    {
      guint8 b = (guint8) le;
      g_byte_array_append (a, &b, 1);
    }
  return send (card, a->data, a->len, out);
}

static guint32
get_counter (OsspSimHsmCard *card, guint8 p2)
{
  g_autoptr(GBytes) data = NULL;
  g_assert_cmphex (send_cmd (card, 0x00, 0xCA, 0x01, p2, NULL, 0, 0, &data), ==, 0x9000);
  g_assert_cmpuint (g_bytes_get_size (data), ==, 4);
  return ossp_read_be32 (g_bytes_get_data (data, NULL));
}

static guint8
get_state (OsspSimHsmCard *card)
{
  g_autoptr(GBytes) data = NULL;
  const guint8 *p;
  gsize n;

  g_assert_cmphex (send_cmd (card, 0x00, 0xCA, 0x01, 0x00, NULL, 0, 0, &data), ==, 0x9000);
  p = g_bytes_get_data (data, &n);
  /* 01 03 vv vv vv  02 08 serial  03 01 state  04 nn fwid */
  g_assert_cmpuint (n, >=, 5 + 10 + 3 + 2);
  g_assert_cmphex (p[0], ==, 0x01);
  g_assert_cmphex (p[1], ==, 3);
  g_assert_cmphex (p[5], ==, 0x02);
  g_assert_cmphex (p[6], ==, 8);
  g_assert_cmphex (p[15], ==, 0x03);
  g_assert_cmphex (p[16], ==, 1);
  g_assert_cmphex (p[18], ==, 0x04);
  g_assert_cmpuint (n, ==, 20 + (gsize) p[19]);
  return p[17];
}

static guint16
put_config (OsspSimHsmCard *card, const char *fw, guint32 max, guint32 type)
{
  guint8 d[64];
  gsize n = strlen (fw);
  d[0] = (guint8) n;
  memcpy (d + 1, fw, n);
  ossp_write_be32 (d + 1 + n, max);
  ossp_write_be32 (d + 5 + n, type);
  ossp_write_be32 (d + 9 + n, 7);
  return send_cmd (card, 0x80, 0xDA, 0x00, 0x03, d, 13 + n, -1, NULL);
}

static guint16
get_license (OsspSimHsmCard *card, const guint8 cert[136], GBytes **out)
{
  return send_cmd (card, 0x80, 0x4C, 0x00, 0x00, cert, 136, 0x88, out);
}

static void
test_card_apdus (void)
{
  static const guint8 aid[] = "OpenSSP.HSM.v1";
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspSimHsmCard) card = ossp_sim_hsm_card_new (NULL, &error);
  OsspTestChip chip;
  g_autoptr(GBytes) perso = NULL;
  g_autoptr(GBytes) lic = NULL;
  g_autoptr(GBytes) pub = NULL;
  guint8 key_nonce[32], bad_nonce[32], iv[16], key[16];
  guint8 truncated[6] = { 0x80, 0x4C, 0x00, 0x00, 0x88, 0x01 };

  g_assert_no_error (error);
  ossp_test_chip_init (&chip, "5000200A", NULL);
  perso = ossp_test_perso_for (&chip, 1);
  memcpy (key_nonce, ossp_test_oem_key, 16);
  memcpy (key_nonce + 16, ossp_test_oem_nonce, 16);
  memcpy (bad_nonce, key_nonce, 32);
  bad_nonce[31] = 1;

  g_assert_cmphex (send_cmd (card, 0x00, 0xA4, 0x04, 0x00, aid, 14, -1, NULL), ==, 0x9000);
  g_assert_cmphex (send_cmd (card, 0x00, 0xA4, 0x04, 0x00, aid, 13, -1, NULL), ==, 0x6A82);
  g_assert_cmpuint (get_state (card), ==, 0);
  g_assert_cmpuint (get_counter (card, 0x17), ==, 0);
  g_assert_cmpuint (get_counter (card, 0x18), ==, 0);

  /* blank: no license, no lock */
  g_assert_cmphex (get_license (card, chip.cert, NULL), ==, 0x6982);
  g_assert_cmphex (send_cmd (card, 0x80, 0x44, 0x00, 0x00, NULL, 0, -1, NULL), ==, 0x6982);
  /* bad data */
  g_assert_cmphex (send_cmd (card, 0x80, 0xDA, 0x00, 0x02, bad_nonce, 32, -1, NULL), ==, 0x6A80);
  g_assert_cmphex (send_cmd (card, 0x80, 0xDA, 0x00, 0x02, key_nonce, 31, -1, NULL), ==, 0x6A80);
  g_assert_cmphex (send_cmd (card, 0x80, 0xDA, 0x00, 0x01, (const guint8 *) "OSPX\0\1\0\1", 8, -1, NULL), ==, 0x6A80);
  g_assert_cmphex (put_config (card, "", 5, OSSP_LICENSE_TYPE_SSP), ==, 0x6A80);
  g_assert_cmphex (put_config (card, "SSP_MPU", 0, OSSP_LICENSE_TYPE_SSP), ==, 0x6A80);
  g_assert_cmphex (put_config (card, "SSP_MPU", 5, 0x12345678), ==, 0x6A80);

  /* personalise: once */
  g_assert_cmphex (send_cmd (card, 0x80, 0xDA, 0x00, 0x01, g_bytes_get_data (perso, NULL),
                             g_bytes_get_size (perso), -1, NULL), ==, 0x9000);
  g_assert_cmpuint (get_state (card), ==, 1);
  g_assert_cmphex (send_cmd (card, 0x80, 0xDA, 0x00, 0x01, g_bytes_get_data (perso, NULL),
                             g_bytes_get_size (perso), -1, NULL), ==, 0x6982);
  /* LOCK needs key and config too */
  g_assert_cmphex (send_cmd (card, 0x80, 0x44, 0x00, 0x00, NULL, 0, -1, NULL), ==, 0x6982);
  g_assert_cmphex (send_cmd (card, 0x80, 0xDA, 0x00, 0x02, key_nonce, 32, -1, NULL), ==, 0x9000);
  g_assert_cmphex (put_config (card, "SSP_MPU", 3, OSSP_LICENSE_TYPE_SSP), ==, 0x9000);
  g_assert_cmphex (get_license (card, chip.cert, NULL), ==, 0x6982);
  g_assert_cmphex (send_cmd (card, 0x80, 0x44, 0x00, 0x00, NULL, 0, -1, NULL), ==, 0x9000);
  g_assert_cmpuint (get_state (card), ==, 2);
  /* locked: irreversible */
  g_assert_cmphex (send_cmd (card, 0x80, 0x44, 0x00, 0x00, NULL, 0, -1, NULL), ==, 0x6982);
  g_assert_cmphex (send_cmd (card, 0x80, 0xDA, 0x00, 0x02, key_nonce, 32, -1, NULL), ==, 0x6982);
  g_assert_cmphex (put_config (card, "OTHER", 100, OSSP_LICENSE_TYPE_SSP), ==, 0x6982);
  g_assert_cmpuint (get_counter (card, 0x17), ==, 0);
  g_assert_cmpuint (get_counter (card, 0x18), ==, 3);

  /* a license, opened by the test's own §7.3 code */
  g_assert_cmphex (get_license (card, chip.cert, &lic), ==, 0x9000);
  g_assert_cmpuint (g_bytes_get_size (lic), ==, 136);
  g_assert_true (ossp_test_chip_open_license (&chip, g_bytes_get_data (lic, NULL), 136, iv, key));
  g_assert_cmpmem (iv, 16, ossp_test_oem_nonce, 16);
  g_assert_cmpmem (key, 16, ossp_test_oem_key, 16);
  /* fsbl_min_version from PUT CONFIG, little-endian at 12 */
  g_assert_cmpuint (ossp_read_le32 ((const guint8 *) g_bytes_get_data (lic, NULL) + 12), ==, 7);
  g_assert_cmpuint (get_counter (card, 0x17), ==, 1);
  g_assert_cmpuint (get_counter (card, 0x18), ==, 2);

  /* root key by key id; unknown id */
  g_assert_cmphex (send_cmd (card, 0x80, 0x4D, 0x00, 0x0A, NULL, 0, 0x40, &pub), ==, 0x9000);
  g_assert_cmpmem (g_bytes_get_data (pub, NULL), g_bytes_get_size (pub), chip.root_pub, 64);
  g_assert_cmphex (send_cmd (card, 0x80, 0x4D, 0x00, 0x0B, NULL, 0, 0x40, NULL), ==, 0x6A88);

  /* ISO words for what is not ours */
  g_assert_cmphex (send_cmd (card, 0x80, 0x99, 0x00, 0x00, NULL, 0, -1, NULL), ==, 0x6D00);
  g_assert_cmphex (send_cmd (card, 0x90, 0x4C, 0x00, 0x00, NULL, 0, -1, NULL), ==, 0x6E00);
  g_assert_cmphex (send_cmd (card, 0x00, 0xCA, 0x02, 0x00, NULL, 0, 0, NULL), ==, 0x6A86);
  g_assert_cmphex (send (card, truncated, sizeof truncated, NULL), ==, 0x6700);
  g_assert_cmphex (send (card, truncated, 3, NULL), ==, 0x6700);
}

static void
test_card_extended_perso (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspSimHsmCard) card = ossp_sim_hsm_card_new (NULL, &error);
  g_autoptr(GBytes) perso = NULL;
  g_autoptr(GByteArray) apdu = g_byte_array_new ();
  g_autoptr(GBytes) ids = NULL;
  OsspTestChip chips[8];
  static const char *pids[8] = { "5000200A", "5000300A", "5010100D", "5000200B",
                                 "5000400A", "5000500A", "5010200D", "5050100A" };
  guint8 h[7] = { 0x80, 0xDA, 0x00, 0x01, 0x00, 0, 0 };

  for (guint i = 0; i < 8; i++)
    ossp_test_chip_init (&chips[i], pids[i], i ? &chips[0] : NULL);
  perso = ossp_test_perso_for (chips, 8);
  g_assert_cmpuint (g_bytes_get_size (perso), ==, 648);
  /* 648 bytes do not fit a short APDU: extended Lc = 00 02 88 */
  h[5] = 0x02;
  h[6] = 0x88;
  g_byte_array_append (apdu, h, 7);
  g_byte_array_append (apdu, g_bytes_get_data (perso, NULL), 648);
  g_assert_cmphex (send (card, apdu->data, apdu->len, NULL), ==, 0x9000);
  /* our product-id extension lists all 8 */
  g_assert_cmphex (send_cmd (card, 0x00, 0xCA, 0x01, 0x19, NULL, 0, 0, &ids), ==, 0x9000);
  g_assert_cmpuint (g_bytes_get_size (ids), ==, 64);
  g_assert_cmpmem ((const guint8 *) g_bytes_get_data (ids, NULL) + 56, 8, "5050100A", 8);
}

typedef struct {
  char         *dir;
  char         *state;
  OsspTestChip  chip;
  GBytes       *perso;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->dir = ossp_test_make_tmpdir ();
  f->state = g_build_filename (f->dir, "card.json", NULL);
  ossp_test_chip_init (&f->chip, "5000200A", NULL);
  f->perso = ossp_test_perso_for (&f->chip, 1);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_free (f->state);
  g_free (f->dir);
  g_bytes_unref (f->perso);
}

static OsspHsm *
provisioned_hsm (Fixture *f, guint32 max)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspHsmProvisioning) p = ossp_test_provisioning (f->perso, max);
  OsspHsm *hsm = (OsspHsm *) ossp_sim_hsm_new_for_state (f->state, &error);

  g_assert_no_error (error);
  g_assert_true (ossp_hsm_provision (hsm, p, NULL, &error));
  g_assert_no_error (error);
  return hsm;
}

static void
test_card_counter_persists (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspHsm) hsm = provisioned_hsm (f, 3);
  g_autoptr(GBytes) cert = ossp_test_chip_cert_bytes (&f->chip);
  g_autoptr(OsspHsmInfo) info = NULL;
  struct stat st;
  guint8 iv[16], key[16];

  g_assert_cmpint (stat (f->state, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GBytes) lic = ossp_hsm_get_license (hsm, cert, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (ossp_test_chip_open_license (&f->chip, g_bytes_get_data (lic, NULL),
                                                  g_bytes_get_size (lic), iv, key));
      g_assert_cmpmem (key, 16, ossp_test_oem_key, 16);
    }
  /* the card "restarts": a new object on the same state file */
  g_clear_object (&hsm);
  hsm = (OsspHsm *) ossp_sim_hsm_new_for_state (f->state, &error);
  g_assert_no_error (error);
  info = ossp_hsm_get_info (hsm, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (info->state, ==, OSSP_HSM_STATE_LOCKED);
  g_assert_cmpuint (info->delivered, ==, 2);
  g_assert_cmpuint (info->remaining, ==, 1);
  g_assert_cmpstr (info->firmware_id, ==, "SSP_MPU");
  g_assert_cmpstr (info->product_ids[0], ==, "5000200A");
  g_assert_null (info->product_ids[1]);
  {
    g_autoptr(GBytes) lic = ossp_hsm_get_license (hsm, cert, NULL, &error);
    g_assert_no_error (error);
    g_assert_nonnull (lic);
  }
  /* exhausted: 5501 → a clear error, and the counter stays */
  {
    g_autoptr(GBytes) lic = ossp_hsm_get_license (hsm, cert, NULL, &error);
    g_assert_null (lic);
    g_assert_error (error, OSSP_ERROR, OSSP_ERROR_HSM);
    g_assert_nonnull (strstr (error->message, "HSM has no licenses left"));
    g_assert_nonnull (strstr (error->message, "5000200A"));
    g_clear_error (&error);
  }
  g_clear_pointer (&info, ossp_hsm_info_free);
  info = ossp_hsm_get_info (hsm, NULL, &error);
  g_assert_cmpuint (info->delivered, ==, 3);
  g_assert_cmpuint (info->remaining, ==, 0);
  g_assert_cmphex (ossp_sim_hsm_card_get_license (ossp_sim_hsm_get_card (OSSP_SIM_HSM (hsm)),
                                                  f->chip.cert, 136, (guint8[136]) { 0 }), ==, 0x5501);
}

static void
test_card_refusals (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspHsm) hsm = provisioned_hsm (f, 10);
  g_autoptr(OsspHsmInfo) info = NULL;
  g_autoptr(OsspHsmProvisioning) again = ossp_test_provisioning (f->perso, 99);
  OsspTestChip other_product, other_root;
  guint8 bad[136];

  /* bad signature: 6300, nothing counted */
  memcpy (bad, f->chip.cert, 136);
  bad[100] ^= 0x01;
  {
    g_autoptr(GBytes) cert = g_bytes_new (bad, 136);
    g_autoptr(GBytes) lic = ossp_hsm_get_license (hsm, cert, NULL, &error);
    g_assert_null (lic);
    g_assert_error (error, OSSP_ERROR, OSSP_ERROR_VERIFY_FAILED);
    g_assert_nonnull (strstr (error->message, "6300"));
    g_clear_error (&error);
  }
  /* signed by another root: 6300 too */
  ossp_test_chip_init (&other_root, "5000200A", NULL);
  {
    g_autoptr(GBytes) cert = ossp_test_chip_cert_bytes (&other_root);
    g_assert_null (ossp_hsm_get_license (hsm, cert, NULL, &error));
    g_assert_error (error, OSSP_ERROR, OSSP_ERROR_VERIFY_FAILED);
    g_clear_error (&error);
  }
  /* product id not configured: 6A88 */
  ossp_test_chip_init (&other_product, "5010100D", &f->chip);
  {
    g_autoptr(GBytes) cert = ossp_test_chip_cert_bytes (&other_product);
    g_assert_null (ossp_hsm_get_license (hsm, cert, NULL, &error));
    g_assert_error (error, OSSP_ERROR, OSSP_ERROR_HSM);
    g_assert_nonnull (strstr (error->message, "6A88"));
    g_assert_nonnull (strstr (error->message, "5010100D"));
    g_clear_error (&error);
  }
  /* wrong size: 6A80 */
  {
    g_autoptr(GBytes) cert = g_bytes_new (f->chip.cert, 135);
    g_assert_null (ossp_hsm_get_license (hsm, cert, NULL, &error));
    g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA);
    g_clear_error (&error);
  }
  info = ossp_hsm_get_info (hsm, NULL, &error);
  g_assert_cmpuint (info->delivered, ==, 0);
  g_assert_cmpuint (info->remaining, ==, 10);
  /* locked: provisioning again is refused and changes nothing */
  g_assert_false (ossp_hsm_provision (hsm, again, NULL, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_STATE);
  g_assert_nonnull (strstr (error->message, "locked"));
  g_clear_error (&error);
  g_clear_pointer (&info, ossp_hsm_info_free);
  info = ossp_hsm_get_info (hsm, NULL, &error);
  g_assert_cmpuint (info->remaining, ==, 10);
}

static void
test_card_wrong_state (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspHsm) hsm = (OsspHsm *) ossp_sim_hsm_new_for_state (f->state, &error);
  g_autoptr(GBytes) cert = ossp_test_chip_cert_bytes (&f->chip);

  g_assert_no_error (error);
  g_assert_null (ossp_hsm_get_license (hsm, cert, NULL, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_STATE);
  g_assert_nonnull (strstr (error->message, "6982"));
}

static void
test_card_resume (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspSimHsmCard) card = ossp_sim_hsm_card_new (f->state, &error);
  g_autoptr(OsspHsm) hsm = NULL;
  g_autoptr(OsspHsmProvisioning) p = ossp_test_provisioning (f->perso, 5);
  OsspTestChip other;
  g_autoptr(GBytes) other_perso = NULL;
  g_autoptr(OsspHsmProvisioning) p2 = NULL;

  /* an earlier run stopped after PUT PERSO */
  g_assert_cmphex (ossp_sim_hsm_card_put_perso (card, g_bytes_get_data (f->perso, NULL),
                                                g_bytes_get_size (f->perso)), ==, 0x9000);
  hsm = (OsspHsm *) ossp_sim_hsm_new (card);
  ossp_test_chip_init (&other, "5000200A", NULL);
  other_perso = ossp_test_perso_for (&other, 1);
  p2 = ossp_test_provisioning (other_perso, 5);
  g_assert_false (ossp_hsm_provision (hsm, p2, NULL, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_STATE);
  g_clear_error (&error);
  g_assert_true (ossp_hsm_provision (hsm, p, NULL, &error));
  g_assert_no_error (error);
}

static void
test_card_live_licenses (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspSimHsmCard) card = ossp_sim_hsm_card_new (NULL, &error);
  OsspTestChip chip;
  g_autoptr(GBytes) perso = NULL;
  guint8 blob[88], key_nonce[32], lic[136], iv[16], key[16];

  ossp_test_chip_init (&chip, "5000200A", NULL);
  perso = ossp_test_perso_for (&chip, 1);
  memcpy (blob, g_bytes_get_data (perso, NULL), 88);
  memcpy (key_nonce, ossp_test_oem_key, 16);
  memcpy (key_nonce + 16, ossp_test_oem_nonce, 16);
  g_assert_cmphex (ossp_sim_hsm_card_put_perso (card, blob, 88), ==, 0x9000);
  g_assert_cmphex (ossp_sim_hsm_card_put_oem_key (card, key_nonce, 32), ==, 0x9000);
  g_assert_cmphex (ossp_sim_hsm_card_put_config (card, "X", 2, OSSP_LICENSE_TYPE_SSPL, 0), ==, 0x9000);
  g_assert_cmphex (ossp_sim_hsm_card_lock (card), ==, 0x9000);
  /* the perso entry does not allow live licenses (flags 0) */
  g_assert_cmphex (ossp_sim_hsm_card_get_license (card, chip.cert, 136, lic), ==, 0x6A88);

  {
    g_autoptr(OsspSimHsmCard) live = ossp_sim_hsm_card_new (NULL, &error);
    blob[8 + 72 + 3] = 0x01;   /* flags u32 big-endian, bit 0 */
    g_assert_cmphex (ossp_sim_hsm_card_put_perso (live, blob, 88), ==, 0x9000);
    g_assert_cmphex (ossp_sim_hsm_card_put_oem_key (live, key_nonce, 32), ==, 0x9000);
    g_assert_cmphex (ossp_sim_hsm_card_put_config (live, "X", 2, OSSP_LICENSE_TYPE_SSPL, 0), ==, 0x9000);
    g_assert_cmphex (ossp_sim_hsm_card_lock (live), ==, 0x9000);
    g_assert_cmphex (ossp_sim_hsm_card_get_license (live, chip.cert, 136, lic), ==, 0x9000);
    g_assert_cmpmem (lic, 4, "SSPL", 4);
    /* the core opener agrees with the card (the test's own opener is for "SSP.") */
    {
      g_autoptr(OsspLicense) l = ossp_license_parse (lic, 136, &error);
      g_assert_no_error (error);
      g_assert_true (ossp_license_open (l, chip.chip_priv, iv, key, &error));
      g_assert_cmpmem (key, 16, ossp_test_oem_key, 16);
    }
  }
}

static void
test_card_damaged_state (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspSimHsmCard) card = NULL;
  g_autofree char *text = NULL;

  g_assert_true (g_file_set_contents (f->state, "{ \"format\": \"openssp-soft-hsm-card\", \"version\": 1, "
                                      "\"serial\": \"0011\" }", -1, NULL));
  card = ossp_sim_hsm_card_new (f->state, &error);
  g_assert_null (card);
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "damaged"));
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (f->state, "not json", -1, NULL));
  g_assert_null (ossp_sim_hsm_card_new (f->state, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA);
  g_clear_error (&error);

  /* a locked card whose counter went past its maximum is refused */
  g_unlink (f->state);
  g_clear_object (&card);
  {
    g_autoptr(OsspHsm) hsm = provisioned_hsm (f, 2);
    g_assert_nonnull (hsm);
  }
  g_assert_true (g_file_get_contents (f->state, &text, NULL, NULL));
  {
    g_autoptr(GString) s = g_string_new (text);
    g_string_replace (s, "\"delivered\": 0", "\"delivered\": 9", 1);
    g_assert_true (g_file_set_contents (f->state, s->str, -1, NULL));
    g_assert_null (ossp_sim_hsm_card_new (f->state, &error));
    g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA);
    g_clear_error (&error);
    g_string_replace (s, "\"version\": 1", "\"version\": 2", 1);
    g_assert_true (g_file_set_contents (f->state, s->str, -1, NULL));
    g_assert_null (ossp_sim_hsm_card_new (f->state, &error));
    g_assert_error (error, OSSP_ERROR, OSSP_ERROR_VERSION);
  }
}

typedef struct {
  GMainLoop *loop;
  GBytes    *license;
  GError    *error;
} AsyncData;

static void
license_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AsyncData *d = user_data;
  d->license = ossp_hsm_get_license_finish (OSSP_HSM (source), result, &d->error);
  g_main_loop_quit (d->loop);
}

static void
test_card_async (Fixture *f, gconstpointer data)
{
  g_autoptr(OsspHsm) hsm = provisioned_hsm (f, 2);
  g_autoptr(GBytes) cert = ossp_test_chip_cert_bytes (&f->chip);
  AsyncData d = { g_main_loop_new (NULL, FALSE), NULL, NULL };
  guint8 iv[16], key[16];

  /* the main loop keeps running while the card works in a thread */
  ossp_hsm_get_license_async (hsm, cert, NULL, license_ready, &d);
  g_main_loop_run (d.loop);
  g_assert_no_error (d.error);
  g_assert_true (ossp_test_chip_open_license (&f->chip, g_bytes_get_data (d.license, NULL), 136, iv, key));
  g_bytes_unref (d.license);
  g_main_loop_unref (d.loop);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hsm/card/apdus", test_card_apdus);
  g_test_add_func ("/hsm/card/extended-perso", test_card_extended_perso);
  g_test_add_func ("/hsm/card/live-licenses", test_card_live_licenses);
  g_test_add ("/hsm/card/counter-persists", Fixture, NULL, fixture_setup, test_card_counter_persists, fixture_teardown);
  g_test_add ("/hsm/card/refusals", Fixture, NULL, fixture_setup, test_card_refusals, fixture_teardown);
  g_test_add ("/hsm/card/wrong-state", Fixture, NULL, fixture_setup, test_card_wrong_state, fixture_teardown);
  g_test_add ("/hsm/card/resume", Fixture, NULL, fixture_setup, test_card_resume, fixture_teardown);
  g_test_add ("/hsm/card/damaged-state", Fixture, NULL, fixture_setup, test_card_damaged_state, fixture_teardown);
  g_test_add ("/hsm/card/async", Fixture, NULL, fixture_setup, test_card_async, fixture_teardown);
  return g_test_run ();
}
