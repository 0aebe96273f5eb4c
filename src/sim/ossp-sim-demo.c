/* ossp-sim-demo.c — the simulated world of the example set-up
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ossp-sim-chip-crypto.h"
#include "ossp-sim-demo.h"

OsspHsmPerso *
ossp_sim_demo_perso (GError **error)
{
  g_autoptr(OsspHsmPerso) perso = ossp_hsm_perso_new ();
  const char *chips[] = { "stm32mp15", "stm32mp13" };

  for (guint i = 0; i < G_N_ELEMENTS (chips); i++)
    {
      const char *id = ossp_demo_product_id_for_chip (chips[i]);
      guint8 priv[32], pub[64], key_id = 0;

      if (!ossp_chip_certificate_parse_product_id (id, NULL, NULL, &key_id, error))
        return NULL;
      ossp_sim_root_key (key_id, priv, pub);
      ossp_secure_wipe (priv, sizeof priv);
      if (!ossp_hsm_perso_add_entry (perso, id, pub, 0, error))
        return NULL;
    }
  return g_steal_pointer (&perso);
}

OsspSimHsm *
ossp_sim_demo_hsm_ensure (const char *state_path,
                          OsspDemo   *demo,
                          guint32     max_count,
                          GError    **error)
{
  g_autoptr(OsspSimHsm) hsm = ossp_sim_hsm_new_for_state (state_path, error);
  g_autoptr(OsspHsmInfo) info = NULL;
  g_autoptr(OsspHsmPerso) perso = NULL;
  g_autoptr(OsspHsmProvisioning) params = NULL;

  if (hsm == NULL)
    return NULL;
  info = ossp_hsm_get_info (OSSP_HSM (hsm), NULL, error);
  if (info == NULL)
    return NULL;
  if (info->state != OSSP_HSM_STATE_BLANK)
    return g_steal_pointer (&hsm);
  perso = ossp_sim_demo_perso (error);
  if (perso == NULL)
    return NULL;
  params = ossp_demo_hsm_provisioning (demo, perso, max_count, error);
  if (params == NULL || !ossp_hsm_provision (OSSP_HSM (hsm), params, NULL, error))
    return NULL;
  return g_steal_pointer (&hsm);
}
