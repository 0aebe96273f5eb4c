/* ossp-hsm.h — a license provider: the HSM interface
 *
 * Anything that turns a 136-byte chip certificate into a 136-byte license
 * implements OsspHsm: the PC/SC card back-end (src/hsm), the in-process
 * soft-HSM (src/sim) and an external command (OsspHsmExternal). Provisioning
 * (personalisation, OEM key + nonce, configuration, lock) is irreversible.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* hsm.md §4: GET DATA info tag 03 */
typedef enum {
  OSSP_HSM_STATE_BLANK = 0,
  OSSP_HSM_STATE_PERSONALISED = 1,
  OSSP_HSM_STATE_LOCKED = 2,
} OsspHsmState;

#define OSSP_TYPE_HSM_STATE (ossp_hsm_state_get_type ())
GType        ossp_hsm_state_get_type   (void) G_GNUC_CONST;
const char  *ossp_hsm_state_to_string  (OsspHsmState state);   /* "blank", "personalised", "locked" */

/* remaining licenses of a provider that cannot count (external command) */
#define OSSP_HSM_REMAINING_UNKNOWN G_MAXUINT32

typedef struct {
  char         *serial;        /* hex of the 8-byte card serial */
  char         *firmware_id;   /* NULL until configured */
  OsspHsmState  state;
  guint32       delivered;
  guint32       remaining;
  GStrv         product_ids;   /* may be empty (not every provider can tell) */
  char         *card_version;  /* "1.0.0" (tag 01), NULL if unknown */
  char         *source;        /* where it was read: reader name, "simulated", command */
} OsspHsmInfo;

#define OSSP_TYPE_HSM_INFO (ossp_hsm_info_get_type ())
GType        ossp_hsm_info_get_type    (void) G_GNUC_CONST;
OsspHsmInfo *ossp_hsm_info_new         (void);
OsspHsmInfo *ossp_hsm_info_copy        (const OsspHsmInfo *info);
void         ossp_hsm_info_free        (OsspHsmInfo       *info);

/* What `provision` loads. The key and nonce live in wiped memory: create
 * with ossp_hsm_provisioning_new() and free with ossp_hsm_provisioning_free(). */
typedef struct {
  GBytes  *perso;             /* OSPD blob (ossp-hsm-perso.h) */
  guint8   oem_key[16];
  guint8   oem_nonce[16];     /* bytes 12..15 must be zero */
  char    *firmware_id;       /* 1..32 printable ASCII characters */
  guint32  max_count;         /* licenses the HSM may deliver, > 0 */
  guint32  license_type;      /* OSSP_LICENSE_TYPE_SSP (default) or _SSPL */
  guint32  fsbl_min_version;  /* copied into every license (default 0) */
} OsspHsmProvisioning;

#define OSSP_HSM_FIRMWARE_ID_MAX 32

#define OSSP_TYPE_HSM_PROVISIONING (ossp_hsm_provisioning_get_type ())
GType                ossp_hsm_provisioning_get_type (void) G_GNUC_CONST;
OsspHsmProvisioning *ossp_hsm_provisioning_new      (void);
OsspHsmProvisioning *ossp_hsm_provisioning_copy     (const OsspHsmProvisioning *params);
void                 ossp_hsm_provisioning_free     (OsspHsmProvisioning       *params);
/* Checks everything a card would check, before anything is written. */
gboolean             ossp_hsm_provisioning_validate (const OsspHsmProvisioning *params,
                                                     GError                   **error);
/* The plan shown before the irreversible step (no secret in it). */
char                *ossp_hsm_provisioning_describe (const OsspHsmProvisioning *params);

#define OSSP_TYPE_HSM (ossp_hsm_get_type ())
G_DECLARE_INTERFACE (OsspHsm, ossp_hsm, OSSP, HSM, GObject)

struct _OsspHsmInterface
{
  GTypeInterface parent_iface;

  void          (*get_info_async)     (OsspHsm              *self,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data);
  OsspHsmInfo  *(*get_info_finish)    (OsspHsm              *self,
                                       GAsyncResult         *result,
                                       GError              **error);
  void          (*provision_async)    (OsspHsm              *self,
                                       OsspHsmProvisioning  *params,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data);
  gboolean      (*provision_finish)   (OsspHsm              *self,
                                       GAsyncResult         *result,
                                       GError              **error);
  void          (*get_license_async)  (OsspHsm              *self,
                                       GBytes               *certificate,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data);
  GBytes       *(*get_license_finish) (OsspHsm              *self,
                                       GAsyncResult         *result,
                                       GError              **error);
};

void          ossp_hsm_get_info_async     (OsspHsm              *self,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
OsspHsmInfo  *ossp_hsm_get_info_finish    (OsspHsm              *self,
                                           GAsyncResult         *result,
                                           GError              **error);
OsspHsmInfo  *ossp_hsm_get_info           (OsspHsm              *self,
                                           GCancellable         *cancellable,
                                           GError              **error);
/* Validates @params first; the implementation copies what it needs. */
void          ossp_hsm_provision_async    (OsspHsm              *self,
                                           OsspHsmProvisioning  *params,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
gboolean      ossp_hsm_provision_finish   (OsspHsm              *self,
                                           GAsyncResult         *result,
                                           GError              **error);
gboolean      ossp_hsm_provision          (OsspHsm              *self,
                                           OsspHsmProvisioning  *params,
                                           GCancellable         *cancellable,
                                           GError              **error);
/* @certificate: 136 bytes; the result is the 136-byte license. */
void          ossp_hsm_get_license_async  (OsspHsm              *self,
                                           GBytes               *certificate,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
GBytes       *ossp_hsm_get_license_finish (OsspHsm              *self,
                                           GAsyncResult         *result,
                                           GError              **error);
GBytes       *ossp_hsm_get_license        (OsspHsm              *self,
                                           GBytes               *certificate,
                                           GCancellable         *cancellable,
                                           GError              **error);

/* The commands of our APDU set (hsm.md §4), for status-word messages. */
typedef enum {
  OSSP_HSM_OP_SELECT,
  OSSP_HSM_OP_GET_DATA,
  OSSP_HSM_OP_PUT_PERSO,
  OSSP_HSM_OP_PUT_OEM_KEY,
  OSSP_HSM_OP_PUT_CONFIG,
  OSSP_HSM_OP_LOCK,
  OSSP_HSM_OP_GET_LICENSE,
  OSSP_HSM_OP_GET_ST_PUBKEY,
} OsspHsmOp;

/* Status words of hsm.md §4 */
#define OSSP_HSM_SW_OK                0x9000
#define OSSP_HSM_SW_WRONG_STATE       0x6982
#define OSSP_HSM_SW_BAD_DATA          0x6A80
#define OSSP_HSM_SW_NOT_CONFIGURED    0x6A88
#define OSSP_HSM_SW_BAD_SIGNATURE     0x6300
#define OSSP_HSM_SW_EXHAUSTED         0x5501
#define OSSP_HSM_SW_INTERNAL          0x6F00

/* TRUE for 9000; otherwise a GError a user can act on, for any status word
 * (hsm.md §4 table; ISO 7816 words for the rest). */
gboolean      ossp_hsm_check_status       (guint16               sw,
                                           OsspHsmOp             op,
                                           GError              **error);

/* Prefixes a license error with the chip's product id when @certificate
 * has one ("Chip 5000200A: …"), so a factory log says which chip failed. */
void          ossp_hsm_prefix_chip_error  (GError              **error,
                                           GBytes               *certificate);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OsspHsmInfo, ossp_hsm_info_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OsspHsmProvisioning, ossp_hsm_provisioning_free)

G_END_DECLS
