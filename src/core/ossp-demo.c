/* ossp-demo.c — the example set-up made on first start
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <gnutls/crypto.h>

#include "ossp-chip.h"
#include "ossp-error.h"
#include "ossp-image.h"
#include "ossp-key-pair.h"
#include "ossp-otp-secret.h"
#include "ossp-payload.h"
#include "ossp-demo.h"

/* Big enough to show a real download, small enough for a quick demo. */
#define FIRMWARE_PAYLOAD_SIZE (16 * 1024)

void
ossp_demo_free (OsspDemo *demo)
{
  if (demo == NULL)
    return;
  g_free (demo->chip_id);
  g_free (demo->dir);
  g_free (demo->oem_private);
  g_free (demo->oem_public);
  g_free (demo->oem_key);
  g_free (demo->oem_nonce);
  g_free (demo->otp_list);
  g_free (demo->secret);
  g_free (demo->payload);
  g_free (demo->firmware);
  g_free (demo->product_id);
  g_free (demo);
}

const char *
ossp_demo_product_id_for_chip (const char *chip_id)
{
  if (g_strcmp0 (chip_id, "stm32mp15") == 0)
    return "5000200A";
  if (g_strcmp0 (chip_id, "stm32mp13") == 0)
    return "5010100D";
  return NULL;
}

static gboolean
exists (const char *path)
{
  return g_file_test (path, G_FILE_TEST_EXISTS);
}

static OsspKeyPair *
ensure_key_pair (OsspDemo *demo,
                 GError  **error)
{
  g_autoptr(OsspKeyPair) key = NULL;

  if (exists (demo->oem_private))
    return ossp_key_pair_load_private (demo->oem_private, OSSP_DEMO_PASSWORD, error);
  key = ossp_key_pair_generate (OSSP_CURVE_P256, error);
  if (key == NULL ||
      !ossp_key_pair_save_private (key, demo->oem_private, OSSP_DEMO_PASSWORD,
                                   OSSP_WRITE_FLAGS_OVERWRITE, error) ||
      !ossp_key_pair_save_public (key, demo->oem_public, OSSP_WRITE_FLAGS_OVERWRITE, error))
    return NULL;
  return g_steal_pointer (&key);
}

static gboolean
ensure_random_file (const char *path,
                    gsize       len,
                    gsize       zero_tail,
                    GError    **error)
{
  guint8 buf[32];

  if (exists (path))
    return TRUE;
  g_assert (len <= sizeof buf);
  if (gnutls_rnd (GNUTLS_RND_KEY, buf, len) != 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_CRYPTO, "No random numbers for %s", path);
      return FALSE;
    }
  /* the nonce file's last 4 bytes must be zero (ssp-flow.md §7.1) */
  memset (buf + len - zero_tail, 0, zero_tail);
  if (!ossp_file_write_atomic (path, buf, len, OSSP_WRITE_FLAGS_SECRET, error))
    return FALSE;
  ossp_secure_wipe (buf, sizeof buf);
  return TRUE;
}

static OsspOtpSecret *
ensure_otp_list (OsspDemo *demo,
                 OsspChip *chip,
                 GError  **error)
{
  g_autoptr(OsspOtpSecret) list = NULL;
  g_autoptr(GBytes) bytes = NULL;
  guint first = ossp_chip_get_secret_first_word (chip);

  if (exists (demo->otp_list))
    list = ossp_otp_secret_load_json (chip, demo->otp_list, error);
  else
    {
      /* a few demo words; the fourth stays zero, so the plan shows a skip */
      static const guint32 values[] = { 0x4F50454E, 0x5353502D, 0x44454D4F, 0, 0x00C0FFEE,
                                        0x12345678, 0x9ABCDEF0, 0x0BADF00D };
      list = ossp_otp_secret_new (chip);
      if (!ossp_otp_secret_set_rma_password (list, 0x1D5EA5E5, error))
        return NULL;
      for (guint i = 0; i < G_N_ELEMENTS (values); i++)
        if (values[i] != 0 &&
            !ossp_otp_secret_set_word (list, first + i, values[i], TRUE, "demo secret", error))
          return NULL;
      if (!ossp_otp_secret_save_json (list, demo->otp_list, OSSP_WRITE_FLAGS_OVERWRITE, error))
        return NULL;
    }
  if (list == NULL)
    return NULL;
  if (!exists (demo->secret))
    {
      bytes = ossp_otp_secret_to_bytes (list, error);
      if (bytes == NULL ||
          !ossp_file_write_atomic (demo->secret, g_bytes_get_data (bytes, NULL),
                                   g_bytes_get_size (bytes), OSSP_WRITE_FLAGS_SECRET, error))
        return NULL;
    }
  return g_steal_pointer (&list);
}

static gboolean
ensure_firmware (OsspDemo    *demo,
                 OsspChip    *chip,
                 OsspKeyPair *key,
                 GError     **error)
{
  g_autofree guint8 *body = NULL;
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(OsspImage) image = NULL;
  g_autoptr(GBytes) out = NULL;
  guint32 version = 0;
  guint32 load = ossp_chip_get_fsbl_load_address (chip);
  guint8 xy[64];
  static const char banner[] = "OpenSSP demo: stand-in for tf-a-ssp (not a real TF-A, never run)";

  if (exists (demo->firmware))
    return TRUE;
  if (!ossp_image_version_from_string (ossp_chip_get_header_version (chip), &version, error))
    return FALSE;
  body = g_malloc (FIRMWARE_PAYLOAD_SIZE);
  /* deterministic filler after a banner that says what this is */
  for (gsize i = 0; i < FIRMWARE_PAYLOAD_SIZE; i++)
    body[i] = (guint8) ((i * 2654435761u) >> 13);
  memcpy (body, banner, sizeof banner);
  payload = g_bytes_new_take (g_steal_pointer (&body), FIRMWARE_PAYLOAD_SIZE);
  image = ossp_image_new_from_payload_bytes (payload, version, error);
  if (image == NULL)
    return FALSE;
  ossp_image_set_load_address (image, load);
  ossp_image_set_entry_point (image, load + (guint32) ossp_image_get_header_size (image));
  if (!ossp_image_set_binary_type (image, 0x10, error))
    return FALSE;
  ossp_key_pair_get_public_raw (key, xy);
  if (!ossp_image_set_auth (image, OSSP_CURVE_P256, xy, NULL, 0, -1, error))
    return FALSE;
  out = ossp_image_write_bytes (image, OSSP_IMAGE_WRITE_NONE, ossp_image_key_pair_sign_func, key,
                                error);
  if (out == NULL)
    return FALSE;
  return ossp_file_write_atomic (demo->firmware, g_bytes_get_data (out, NULL),
                                 g_bytes_get_size (out), OSSP_WRITE_FLAGS_OVERWRITE, error);
}

static gboolean
ensure_payload (OsspDemo      *demo,
                OsspChip      *chip,
                OsspKeyPair   *key,
                OsspOtpSecret *list,
                GError       **error)
{
  g_autoptr(OsspPayload) payload = NULL;
  guint32 rma = 0;

  if (exists (demo->payload))
    return TRUE;
  payload = ossp_payload_new (chip);
  if (!ossp_payload_load_key (payload, demo->oem_key, error) ||
      !ossp_payload_load_nonce (payload, demo->oem_nonce, error))
    return FALSE;
  if (ossp_chip_uses_pkh_table (chip))
    {
      /* MP13: the firmware's one-entry key table, hashed (keys.md §5) */
      guint8 pkh[32], pkhth[32];
      ossp_key_pair_get_pkh (key, TRUE, pkh);
      ossp_pkh_table_hash (pkh, 1, pkhth);
      if (!ossp_payload_set_pkhth (payload, pkhth, sizeof pkhth, error))
        return FALSE;
    }
  else if (!ossp_payload_load_oem_public_key (payload, demo->oem_public, error))
    return FALSE;
  ossp_otp_secret_get_rma_password (list, &rma);
  if (!ossp_payload_set_rma (payload, rma, error) ||
      !ossp_payload_load_secret (payload, demo->secret, error))
    return FALSE;
  {
    g_autoptr(GBytes) built = ossp_payload_build (payload, error);
    if (built == NULL)
      return FALSE;
  }
  return ossp_payload_save (payload, demo->payload, OSSP_WRITE_FLAGS_OVERWRITE, error);
}

OsspDemo *
ossp_demo_ensure (const char *dir,
                  const char *chip_id,
                  GError    **error)
{
  g_autoptr(OsspDemo) demo = g_new0 (OsspDemo, 1);
  g_autoptr(OsspChip) chip = ossp_chip_new (chip_id, error);
  g_autoptr(OsspKeyPair) key = NULL;
  g_autoptr(OsspOtpSecret) list = NULL;
  g_autofree char *fw_name = NULL;

  if (chip == NULL)
    return NULL;
  if (ossp_demo_product_id_for_chip (ossp_chip_get_id (chip)) == NULL)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_UNSUPPORTED,
                   "The demo set-up exists for stm32mp13 and stm32mp15, not %s", chip_id);
      return NULL;
    }
  demo->chip_id = g_strdup (ossp_chip_get_id (chip));
  demo->dir = g_build_filename (dir, demo->chip_id, NULL);
  if (g_mkdir_with_parents (demo->dir, 0700) != 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_IO, "Cannot create %s: %s", demo->dir,
                   g_strerror (errno));
      return NULL;
    }
  fw_name = g_strdup_printf ("tf-a-ssp-demo-%s.stm32", demo->chip_id);
  demo->oem_private = g_build_filename (demo->dir, "oem-private.pem", NULL);
  demo->oem_public = g_build_filename (demo->dir, "oem-public.pem", NULL);
  demo->oem_key = g_build_filename (demo->dir, "oem-key.bin", NULL);
  demo->oem_nonce = g_build_filename (demo->dir, "oem-nonce.bin", NULL);
  demo->otp_list = g_build_filename (demo->dir, "secrets.otp.json", NULL);
  demo->secret = g_build_filename (demo->dir, "secrets.bin", NULL);
  demo->payload = g_build_filename (demo->dir, "demo.ssp", NULL);
  demo->firmware = g_build_filename (demo->dir, fw_name, NULL);
  demo->product_id = g_strdup (ossp_demo_product_id_for_chip (demo->chip_id));

  key = ensure_key_pair (demo, error);
  if (key == NULL ||
      !ensure_random_file (demo->oem_key, 16, 0, error) ||
      !ensure_random_file (demo->oem_nonce, 16, 4, error))
    return NULL;
  list = ensure_otp_list (demo, chip, error);
  if (list == NULL ||
      !ensure_firmware (demo, chip, key, error) ||
      !ensure_payload (demo, chip, key, list, error))
    {
      g_prefix_error (error, "Demo set-up in %s: ", demo->dir);
      return NULL;
    }
  return g_steal_pointer (&demo);
}

OsspHsmProvisioning *
ossp_demo_hsm_provisioning (OsspDemo     *demo,
                            OsspHsmPerso *perso,
                            guint32       max_count,
                            GError      **error)
{
  g_autoptr(OsspHsmProvisioning) params = ossp_hsm_provisioning_new ();
  g_autoptr(OsspSecret) key = ossp_secret_new_from_file (demo->oem_key, 16, error);
  g_autoptr(OsspSecret) nonce = NULL;

  if (key == NULL)
    return NULL;
  nonce = ossp_secret_new_from_file (demo->oem_nonce, 16, error);
  if (nonce == NULL)
    return NULL;
  params->perso = ossp_hsm_perso_to_bytes (perso, error);
  if (params->perso == NULL)
    return NULL;
  memcpy (params->oem_key, key->data, 16);
  memcpy (params->oem_nonce, nonce->data, 16);
  params->firmware_id = g_strdup ("SSP_MPU_DEMO");
  params->max_count = max_count;
  if (!ossp_hsm_provisioning_validate (params, error))
    return NULL;
  return g_steal_pointer (&params);
}
