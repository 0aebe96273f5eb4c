/* ossp-sim-hsm.c — OsspHsm on an in-process soft-HSM card
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "ossp-sim-hsm.h"

struct _OsspSimHsm
{
  GObject          parent_instance;
  OsspSimHsmCard  *card;
};

static void ossp_sim_hsm_iface_init (OsspHsmInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OsspSimHsm, ossp_sim_hsm, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (OSSP_TYPE_HSM, ossp_sim_hsm_iface_init))

static void
get_info_thread (GTask        *task,
                 gpointer      source,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  OsspSimHsm *self = source;
  OsspHsmInfo *info = NULL;

  ossp_sim_hsm_card_get_info (self->card, &info);
  g_task_return_pointer (task, info, (GDestroyNotify) ossp_hsm_info_free);
}

static void
ossp_sim_hsm_get_info_async (OsspHsm             *hsm,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (hsm, cancellable, callback, user_data);

  g_task_set_source_tag (task, ossp_sim_hsm_get_info_async);
  g_task_set_return_on_cancel (task, FALSE);
  g_task_run_in_thread (task, get_info_thread);
}

static OsspHsmInfo *
ossp_sim_hsm_get_info_finish (OsspHsm       *hsm,
                              GAsyncResult  *result,
                              GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static gboolean
card_root_key (guint8    key_id,
               guint8    pubkey[64],
               gpointer  user_data)
{
  return ossp_sim_hsm_card_get_st_pubkey (user_data, key_id, pubkey) == OSSP_HSM_SW_OK;
}

static void
provision_thread (GTask        *task,
                  gpointer      source,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  OsspSimHsm *self = source;
  OsspHsmProvisioning *p = task_data;
  g_autoptr(OsspHsmInfo) info = NULL;
  g_autoptr(OsspHsmPerso) perso = NULL;
  g_autoptr(GError) error = NULL;
  guint8 key_nonce[32];
  gsize len = 0;
  const guint8 *blob = g_bytes_get_data (p->perso, &len);
  guint16 sw;

  perso = ossp_hsm_perso_parse (blob, len, &error);
  if (perso == NULL)
    goto fail;
  ossp_sim_hsm_card_get_info (self->card, &info);
  if (info->state == OSSP_HSM_STATE_LOCKED)
    {
      g_set_error (&error, OSSP_ERROR, OSSP_ERROR_STATE,
                   "The HSM %s is already provisioned and locked; a locked HSM can never be "
                   "provisioned again", info->serial);
      goto fail;
    }
  if (g_task_return_error_if_cancelled (task))
    return;
  if (info->state == OSSP_HSM_STATE_PERSONALISED)
    {
      /* an earlier provisioning stopped after PUT PERSO: finish it only
       * with the very same personalisation */
      if (!ossp_hsm_perso_matches_card (perso, (const char * const *) info->product_ids,
                                        card_root_key, self->card, info->serial, &error))
        goto fail;
    }
  else if (!ossp_hsm_check_status (ossp_sim_hsm_card_put_perso (self->card, blob, len),
                                   OSSP_HSM_OP_PUT_PERSO, &error))
    goto fail;
  memcpy (key_nonce, p->oem_key, 16);
  memcpy (key_nonce + 16, p->oem_nonce, 16);
  sw = ossp_sim_hsm_card_put_oem_key (self->card, key_nonce, 32);
  ossp_secure_wipe (key_nonce, sizeof key_nonce);
  if (!ossp_hsm_check_status (sw, OSSP_HSM_OP_PUT_OEM_KEY, &error) ||
      !ossp_hsm_check_status (ossp_sim_hsm_card_put_config (self->card, p->firmware_id, p->max_count,
                                                            p->license_type, p->fsbl_min_version),
                              OSSP_HSM_OP_PUT_CONFIG, &error) ||
      !ossp_hsm_check_status (ossp_sim_hsm_card_lock (self->card), OSSP_HSM_OP_LOCK, &error))
    goto fail;
  g_task_return_boolean (task, TRUE);
  return;

fail:
  g_task_return_error (task, g_steal_pointer (&error));
}

static void
ossp_sim_hsm_provision_async (OsspHsm             *hsm,
                              OsspHsmProvisioning *params,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (hsm, cancellable, callback, user_data);

  g_task_set_source_tag (task, ossp_sim_hsm_provision_async);
  g_task_set_task_data (task, ossp_hsm_provisioning_copy (params),
                        (GDestroyNotify) ossp_hsm_provisioning_free);
  g_task_run_in_thread (task, provision_thread);
}

static gboolean
ossp_sim_hsm_provision_finish (OsspHsm       *hsm,
                               GAsyncResult  *result,
                               GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
get_license_thread (GTask        *task,
                    gpointer      source,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  OsspSimHsm *self = source;
  GBytes *certificate = task_data;
  g_autoptr(GError) error = NULL;
  guint8 *license = g_malloc (OSSP_LICENSE_SIZE);
  gsize len = 0;
  const guint8 *cert = g_bytes_get_data (certificate, &len);

  if (g_task_return_error_if_cancelled (task))
    {
      g_free (license);
      return;
    }
  if (!ossp_hsm_check_status (ossp_sim_hsm_card_get_license (self->card, cert, len, license),
                              OSSP_HSM_OP_GET_LICENSE, &error))
    {
      g_free (license);
      ossp_hsm_prefix_chip_error (&error, certificate);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, g_bytes_new_take (license, OSSP_LICENSE_SIZE),
                         (GDestroyNotify) g_bytes_unref);
}

static void
ossp_sim_hsm_get_license_async (OsspHsm             *hsm,
                                GBytes              *certificate,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (hsm, cancellable, callback, user_data);

  g_task_set_source_tag (task, ossp_sim_hsm_get_license_async);
  g_task_set_task_data (task, g_bytes_ref (certificate), (GDestroyNotify) g_bytes_unref);
  g_task_run_in_thread (task, get_license_thread);
}

static GBytes *
ossp_sim_hsm_get_license_finish (OsspHsm       *hsm,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
ossp_sim_hsm_iface_init (OsspHsmInterface *iface)
{
  iface->get_info_async = ossp_sim_hsm_get_info_async;
  iface->get_info_finish = ossp_sim_hsm_get_info_finish;
  iface->provision_async = ossp_sim_hsm_provision_async;
  iface->provision_finish = ossp_sim_hsm_provision_finish;
  iface->get_license_async = ossp_sim_hsm_get_license_async;
  iface->get_license_finish = ossp_sim_hsm_get_license_finish;
}

static void
ossp_sim_hsm_dispose (GObject *object)
{
  OsspSimHsm *self = OSSP_SIM_HSM (object);

  g_clear_object (&self->card);
  G_OBJECT_CLASS (ossp_sim_hsm_parent_class)->dispose (object);
}

static void
ossp_sim_hsm_class_init (OsspSimHsmClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ossp_sim_hsm_dispose;
}

static void
ossp_sim_hsm_init (OsspSimHsm *self)
{
}

OsspSimHsm *
ossp_sim_hsm_new (OsspSimHsmCard *card)
{
  OsspSimHsm *self = g_object_new (OSSP_TYPE_SIM_HSM, NULL);
  self->card = g_object_ref (card);
  return self;
}

OsspSimHsm *
ossp_sim_hsm_new_for_state (const char  *state_path,
                            GError     **error)
{
  g_autoptr(OsspSimHsmCard) card = ossp_sim_hsm_card_new (state_path, error);
  if (card == NULL)
    return NULL;
  return ossp_sim_hsm_new (card);
}

OsspSimHsmCard *
ossp_sim_hsm_get_card (OsspSimHsm *self)
{
  g_return_val_if_fail (OSSP_IS_SIM_HSM (self), NULL);
  return self->card;
}
