/* ossp-hsm.c — the OsspHsm interface, its boxed types and status words
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "ossp-error.h"
#include "ossp-util.h"
#include "ossp-license.h"
#include "ossp-chip-certificate.h"
#include "ossp-hsm-perso.h"
#include "ossp-hsm.h"

G_DEFINE_ENUM_TYPE (OsspHsmState, ossp_hsm_state,
  G_DEFINE_ENUM_VALUE (OSSP_HSM_STATE_BLANK, "blank"),
  G_DEFINE_ENUM_VALUE (OSSP_HSM_STATE_PERSONALISED, "personalised"),
  G_DEFINE_ENUM_VALUE (OSSP_HSM_STATE_LOCKED, "locked"))

const char *
ossp_hsm_state_to_string (OsspHsmState state)
{
  switch (state)
    {
    case OSSP_HSM_STATE_BLANK: return "blank";
    case OSSP_HSM_STATE_PERSONALISED: return "personalised";
    case OSSP_HSM_STATE_LOCKED: return "locked";
    default: return "unknown";
    }
}

/* ---- OsspHsmInfo ---- */

G_DEFINE_BOXED_TYPE (OsspHsmInfo, ossp_hsm_info, ossp_hsm_info_copy, ossp_hsm_info_free)

OsspHsmInfo *
ossp_hsm_info_new (void)
{
  OsspHsmInfo *info = g_new0 (OsspHsmInfo, 1);
  info->product_ids = g_new0 (char *, 1);
  return info;
}

OsspHsmInfo *
ossp_hsm_info_copy (const OsspHsmInfo *info)
{
  OsspHsmInfo *copy = g_new0 (OsspHsmInfo, 1);

  copy->serial = g_strdup (info->serial);
  copy->firmware_id = g_strdup (info->firmware_id);
  copy->state = info->state;
  copy->delivered = info->delivered;
  copy->remaining = info->remaining;
  copy->product_ids = info->product_ids ? g_strdupv (info->product_ids) : g_new0 (char *, 1);
  copy->card_version = g_strdup (info->card_version);
  copy->source = g_strdup (info->source);
  return copy;
}

void
ossp_hsm_info_free (OsspHsmInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->serial);
  g_free (info->firmware_id);
  g_strfreev (info->product_ids);
  g_free (info->card_version);
  g_free (info->source);
  g_free (info);
}

/* ---- OsspHsmProvisioning ---- */

G_DEFINE_BOXED_TYPE (OsspHsmProvisioning, ossp_hsm_provisioning,
                     ossp_hsm_provisioning_copy, ossp_hsm_provisioning_free)

OsspHsmProvisioning *
ossp_hsm_provisioning_new (void)
{
  OsspHsmProvisioning *params = ossp_secure_alloc (sizeof *params);
  params->license_type = OSSP_LICENSE_TYPE_SSP;
  return params;
}

OsspHsmProvisioning *
ossp_hsm_provisioning_copy (const OsspHsmProvisioning *params)
{
  OsspHsmProvisioning *copy = ossp_secure_alloc (sizeof *copy);

  memcpy (copy, params, sizeof *copy);
  copy->perso = params->perso ? g_bytes_ref (params->perso) : NULL;
  copy->firmware_id = g_strdup (params->firmware_id);
  return copy;
}

void
ossp_hsm_provisioning_free (OsspHsmProvisioning *params)
{
  if (params == NULL)
    return;
  g_clear_pointer (&params->perso, g_bytes_unref);
  g_free (params->firmware_id);
  ossp_secure_free (params, sizeof *params);
}

gboolean
ossp_hsm_provisioning_validate (const OsspHsmProvisioning  *params,
                                GError                    **error)
{
  g_autoptr(OsspHsmPerso) perso = NULL;
  gsize len = 0;
  const guint8 *data;
  gboolean live_ok = FALSE;

  if (params->perso == NULL)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "No personalisation given (an OSPD file from 'openssp hsm perso')");
      return FALSE;
    }
  data = g_bytes_get_data (params->perso, &len);
  perso = ossp_hsm_perso_parse (data, len, error);
  if (perso == NULL)
    return FALSE;
  if (params->oem_nonce[12] | params->oem_nonce[13] | params->oem_nonce[14] | params->oem_nonce[15])
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "The nonce's last 4 bytes must be zero (only 96 bits are used as GCM nonce); "
                   "this nonce file was not made for SSP");
      return FALSE;
    }
  if (params->firmware_id == NULL || params->firmware_id[0] == 0 ||
      strlen (params->firmware_id) > OSSP_HSM_FIRMWARE_ID_MAX)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "The firmware id must have 1 to %d characters (ST's examples use \"SSP_MPU\")",
                   OSSP_HSM_FIRMWARE_ID_MAX);
      return FALSE;
    }
  for (const char *p = params->firmware_id; *p; p++)
    if (*p < 0x20 || *p > 0x7e)
      {
        g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                     "The firmware id may only hold printable ASCII characters");
        return FALSE;
      }
  if (params->max_count == 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "The maximum license count must be at least 1");
      return FALSE;
    }
  if (ossp_license_type_to_string (params->license_type) == NULL)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "License type 0x%08X is neither \"SSP.\" nor \"SSPL\"", params->license_type);
      return FALSE;
    }
  for (guint i = 0; i < ossp_hsm_perso_get_n_entries (perso); i++)
    live_ok |= (ossp_hsm_perso_get_entry (perso, i)->flags & OSSP_HSM_PERSO_FLAG_ALLOW_LIVE) != 0;
  if (params->license_type == OSSP_LICENSE_TYPE_SSPL && !live_ok)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "Live (SSPL) licenses were asked for, but no product id of the personalisation "
                   "allows them (build it with --allow-live)");
      return FALSE;
    }
  return TRUE;
}

char *
ossp_hsm_provisioning_describe (const OsspHsmProvisioning *params)
{
  GString *s = g_string_new (NULL);
  g_autoptr(OsspHsmPerso) perso = NULL;

  if (params->perso != NULL)
    {
      gsize len = 0;
      const guint8 *data = g_bytes_get_data (params->perso, &len);
      perso = ossp_hsm_perso_parse (data, len, NULL);
    }
  g_string_append (s, "The HSM will be programmed with:\n");
  if (perso != NULL)
    {
      g_autofree char *lines = ossp_hsm_perso_describe (perso);
      g_auto(GStrv) split = g_strsplit (lines, "\n", -1);
      g_string_append_printf (s, "  1. personalisation for %u product id%s:\n",
                              ossp_hsm_perso_get_n_entries (perso),
                              ossp_hsm_perso_get_n_entries (perso) == 1 ? "" : "s");
      for (guint i = 0; split[i] && split[i][0]; i++)
        g_string_append_printf (s, "       %s\n", split[i]);
    }
  else
    g_string_append (s, "  1. personalisation: (invalid)\n");
  g_string_append (s, "  2. OEM key (16 bytes, not shown) and nonce (16 bytes)\n");
  g_string_append_printf (s, "  3. firmware id \"%s\", at most %u license%s of type \"%s\", "
                             "fsbl_min_version %u\n",
                          params->firmware_id ? params->firmware_id : "",
                          params->max_count, params->max_count == 1 ? "" : "s",
                          ossp_license_type_to_string (params->license_type) ?
                            ossp_license_type_to_string (params->license_type) : "?",
                          params->fsbl_min_version);
  g_string_append (s, "  4. LOCK: irreversible. The HSM can then only hand out licenses until its "
                      "counter reaches zero; it can never be re-provisioned.\n");
  return g_string_free (s, FALSE);
}

/* ---- the interface ---- */

G_DEFINE_INTERFACE (OsspHsm, ossp_hsm, G_TYPE_OBJECT)

static void
ossp_hsm_default_init (OsspHsmInterface *iface)
{
}

void
ossp_hsm_get_info_async (OsspHsm             *self,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_return_if_fail (OSSP_IS_HSM (self));
  OSSP_HSM_GET_IFACE (self)->get_info_async (self, cancellable, callback, user_data);
}

OsspHsmInfo *
ossp_hsm_get_info_finish (OsspHsm       *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (OSSP_IS_HSM (self), NULL);
  return OSSP_HSM_GET_IFACE (self)->get_info_finish (self, result, error);
}

void
ossp_hsm_provision_async (OsspHsm             *self,
                          OsspHsmProvisioning *params,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  GError *error = NULL;

  g_return_if_fail (OSSP_IS_HSM (self));
  if (!ossp_hsm_provisioning_validate (params, &error))
    {
      /* tagged so that _finish knows the error came from here */
      g_task_report_error (self, callback, user_data, ossp_hsm_provision_async, error);
      return;
    }
  OSSP_HSM_GET_IFACE (self)->provision_async (self, params, cancellable, callback, user_data);
}

gboolean
ossp_hsm_provision_finish (OsspHsm       *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (OSSP_IS_HSM (self), FALSE);
  if (g_async_result_is_tagged (result, ossp_hsm_provision_async))
    return g_task_propagate_boolean (G_TASK (result), error);
  return OSSP_HSM_GET_IFACE (self)->provision_finish (self, result, error);
}

void
ossp_hsm_get_license_async (OsspHsm             *self,
                            GBytes              *certificate,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (OSSP_IS_HSM (self));
  g_return_if_fail (certificate != NULL);
  OSSP_HSM_GET_IFACE (self)->get_license_async (self, certificate, cancellable, callback, user_data);
}

GBytes *
ossp_hsm_get_license_finish (OsspHsm       *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (OSSP_IS_HSM (self), NULL);
  return OSSP_HSM_GET_IFACE (self)->get_license_finish (self, result, error);
}

/* Sync variants: run the async call on a private main context, so they
 * work from any thread and never re-enter the caller's main loop. */
static void
store_result_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GAsyncResult *
wait_result (GMainContext  *context,
             GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);
  return *slot;
}

OsspHsmInfo *
ossp_hsm_get_info (OsspHsm       *self,
                   GCancellable  *cancellable,
                   GError       **error)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GAsyncResult) result = NULL;

  g_main_context_push_thread_default (context);
  ossp_hsm_get_info_async (self, cancellable, store_result_cb, &result);
  return ossp_hsm_get_info_finish (self, wait_result (context, &result), error);
}

gboolean
ossp_hsm_provision (OsspHsm              *self,
                    OsspHsmProvisioning  *params,
                    GCancellable         *cancellable,
                    GError              **error)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GAsyncResult) result = NULL;

  g_main_context_push_thread_default (context);
  ossp_hsm_provision_async (self, params, cancellable, store_result_cb, &result);
  return ossp_hsm_provision_finish (self, wait_result (context, &result), error);
}

GBytes *
ossp_hsm_get_license (OsspHsm       *self,
                      GBytes        *certificate,
                      GCancellable  *cancellable,
                      GError       **error)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GAsyncResult) result = NULL;

  g_main_context_push_thread_default (context);
  ossp_hsm_get_license_async (self, certificate, cancellable, store_result_cb, &result);
  return ossp_hsm_get_license_finish (self, wait_result (context, &result), error);
}

/* ---- status words ---- */

static const char *
op_name (OsspHsmOp op)
{
  switch (op)
    {
    case OSSP_HSM_OP_SELECT: return "SELECT";
    case OSSP_HSM_OP_GET_DATA: return "GET DATA";
    case OSSP_HSM_OP_PUT_PERSO: return "PUT PERSO";
    case OSSP_HSM_OP_PUT_OEM_KEY: return "PUT OEM KEY";
    case OSSP_HSM_OP_PUT_CONFIG: return "PUT CONFIG";
    case OSSP_HSM_OP_LOCK: return "LOCK";
    case OSSP_HSM_OP_GET_LICENSE: return "GET LICENSE";
    case OSSP_HSM_OP_GET_ST_PUBKEY: return "GET ST PUBKEY";
    default: return "command";
    }
}

gboolean
ossp_hsm_check_status (guint16     sw,
                       OsspHsmOp   op,
                       GError    **error)
{
  switch (sw)
    {
    case OSSP_HSM_SW_OK:
      return TRUE;
    case OSSP_HSM_SW_WRONG_STATE:
      switch (op)
        {
        case OSSP_HSM_OP_PUT_PERSO:
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_STATE,
                       "The HSM already holds a personalisation or is locked; a card is "
                       "personalised only once (status 6982)");
          break;
        case OSSP_HSM_OP_PUT_OEM_KEY:
        case OSSP_HSM_OP_PUT_CONFIG:
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_STATE,
                       "The HSM is locked; a locked HSM can never be provisioned again (status 6982)");
          break;
        case OSSP_HSM_OP_LOCK:
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_STATE,
                       "The HSM refused to lock: personalisation, OEM key and configuration must "
                       "all be loaded first, and it must not be locked already (status 6982)");
          break;
        case OSSP_HSM_OP_GET_LICENSE:
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_STATE,
                       "The HSM is not provisioned and locked yet, so it gives no licenses; "
                       "provision it first with 'openssp hsm provision' (status 6982)");
          break;
        default:
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_STATE,
                       "The HSM is in the wrong state for %s (status 6982)", op_name (op));
        }
      return FALSE;
    case OSSP_HSM_SW_BAD_DATA:
      switch (op)
        {
        case OSSP_HSM_OP_PUT_PERSO:
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                       "The HSM rejected the personalisation (bad length or magic, status 6A80)");
          break;
        case OSSP_HSM_OP_PUT_OEM_KEY:
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                       "The HSM rejected the OEM key and nonce (16 + 16 bytes, nonce bytes 12..15 "
                       "zero, status 6A80)");
          break;
        case OSSP_HSM_OP_PUT_CONFIG:
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                       "The HSM rejected the configuration (firmware id 1..32 ASCII characters, "
                       "max count > 0, license type SSP. or SSPL; status 6A80)");
          break;
        case OSSP_HSM_OP_GET_LICENSE:
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                       "The HSM rejected the chip certificate: it must have 136 bytes and hold a "
                       "valid P-256 chip key (status 6A80); no license was used");
          break;
        default:
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                       "The HSM rejected the data of %s: bad length or magic (status 6A80)", op_name (op));
        }
      return FALSE;
    case OSSP_HSM_SW_NOT_CONFIGURED:
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_HSM,
                   "The HSM is not personalised for this product id (status 6A88): provision an "
                   "HSM with a personalisation that lists it; no license was used");
      return FALSE;
    case OSSP_HSM_SW_BAD_SIGNATURE:
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_VERIFY_FAILED,
                   "The HSM refused the chip certificate: its signature is invalid — not a genuine "
                   "chip, or the personalisation holds the wrong root key (status 6300); no license "
                   "was used");
      return FALSE;
    case OSSP_HSM_SW_EXHAUSTED:
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_HSM,
                   "HSM has no licenses left: its counter is exhausted (status 5501); provision "
                   "another HSM to continue");
      return FALSE;
    case OSSP_HSM_SW_INTERNAL:
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_HSM,
                   "The HSM reported an internal error during %s (status 6F00); retry, and replace "
                   "the card if it persists", op_name (op));
      return FALSE;
    case 0x6A82:
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_NOT_FOUND,
                   "The card is not an OpenSSP HSM: it has no application \"OpenSSP.HSM.v1\" "
                   "(status 6A82). Real ST HSMv2 cards speak a closed protocol; drive them with "
                   "your own bridge through --command");
      return FALSE;
    case 0x6D00:
    case 0x6E00:
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_PROTOCOL,
                   "The card does not know %s (status %04X): it is not an OpenSSP HSM v1 card",
                   op_name (op), sw);
      return FALSE;
    default:
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_PROTOCOL,
                   "The HSM answered %s with an unexpected status %04X", op_name (op), sw);
      return FALSE;
    }
}

void
ossp_hsm_prefix_chip_error (GError **error,
                            GBytes  *certificate)
{
  gsize len = 0;
  const guint8 *data = certificate ? g_bytes_get_data (certificate, &len) : NULL;
  char id[OSSP_PRODUCT_ID_LEN + 1];

  if (error == NULL || *error == NULL || data == NULL || len < OSSP_PRODUCT_ID_LEN)
    return;
  memcpy (id, data, OSSP_PRODUCT_ID_LEN);
  id[OSSP_PRODUCT_ID_LEN] = 0;
  if (ossp_chip_certificate_parse_product_id (id, NULL, NULL, NULL, NULL))
    g_prefix_error (error, "Chip %s: ", id);
}
