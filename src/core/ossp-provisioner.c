/* ossp-provisioner.c — the host side of SSP for one chip
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The run is one straight sequence in a worker thread (connect, identify,
 * preflight, confirm, boot 1, boot 2, license, boot 3, verify), each step
 * deciding from what the chip answered — the phase ids and the presence
 * or absence of the FSBL's link (ssp-flow.md §4.4 rules 4 and 5).
 *
 * Cancelling: allowed until the license is asked for.  From then on the
 * license is spent whatever we do, and only finishing the run gives the
 * chip a chance to use it, so a cancel request is noted and the run goes on
 * to the end of boot 3 (every wait is bounded, so this always ends).
 */
#include "config.h"

#include <string.h>

#include "ossp-chip-certificate.h"
#include "ossp-error.h"
#include "ossp-image.h"
#include "ossp-license.h"
#include "ossp-provisioner.h"

#define DEFAULT_CONNECT_MS   10000
#define DEFAULT_REBOOT_MS    8000
#define DEFAULT_ANNOUNCE_MS  1500      /* §4.4 rule 5 */
/* after the last firmware download the FSBL burns before it resets */
#define BURN_GRACE_MS        10000

struct _OsspProvisioner
{
  GObject        parent_instance;

  OsspTransport *transport;
  OsspHsm       *hsm;
  char          *hsm_label;
  OsspPayload   *payload;
  GBytes        *firmware;
  char          *firmware_name;
  OsspAuditLog  *audit;
  OsspProgress  *progress;
  GMainContext  *context;

  OsspProvisionerConfirmFunc confirm_func;
  gpointer       confirm_data;
  GDestroyNotify confirm_destroy;
  char          *preconfirmed;
  gboolean       verify;
  gboolean       preflight_only;
  guint          connect_ms;
  guint          reboot_ms;
  guint          announce_ms;

  /* run state, shared with the worker */
  GMutex         lock;
  GCond          cond;
  gint           confirm_state;      /* 0 waiting, 1 yes, -1 no */
  char          *confirm_how;
  gboolean       running;
  OsspProvisionResult last_result;
  GPtrArray     *checks;             /* OsspProvisionCheck */
  OsspBurnPlan  *plan;
  char          *product_id;
  GBytes        *certificate;
  JsonObject    *record;
};

G_DEFINE_FINAL_TYPE (OsspProvisioner, ossp_provisioner, G_TYPE_OBJECT)

enum {
  SIGNAL_LOG,
  SIGNAL_CHECK,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

const char *
ossp_provision_result_to_string (OsspProvisionResult result)
{
  switch (result)
    {
    case OSSP_PROVISION_RESULT_PROVISIONED: return "provisioned";
    case OSSP_PROVISION_RESULT_ALREADY_PROVISIONED: return "already-provisioned";
    case OSSP_PROVISION_RESULT_REFUSED: return "refused";
    case OSSP_PROVISION_RESULT_FAILED: return "failed";
    case OSSP_PROVISION_RESULT_CANCELLED: return "cancelled";
    case OSSP_PROVISION_RESULT_NONE:
    default: return "none";
    }
}

const char *
ossp_check_status_to_string (OsspCheckStatus status)
{
  switch (status)
    {
    case OSSP_CHECK_PASS: return "pass";
    case OSSP_CHECK_FAIL: return "fail";
    case OSSP_CHECK_WARN: return "warning";
    default: return "unknown";
    }
}

static void
check_free (OsspProvisionCheck *c)
{
  g_free (c->id);
  g_free (c->message);
  g_free (c);
}

/* ---- signals from the worker, delivered in the owner's context ---- */

typedef struct {
  OsspProvisioner *self;
  guint            signal;
  char            *a, *b, *c;
} Emission;

static gboolean
emission_cb (gpointer data)
{
  Emission *e = data;

  if (e->signal == SIGNAL_LOG)
    g_signal_emit (e->self, signals[SIGNAL_LOG], 0, e->a);
  else
    g_signal_emit (e->self, signals[SIGNAL_CHECK], 0, e->a, e->b, e->c);
  return G_SOURCE_REMOVE;
}

static void
emission_free (gpointer data)
{
  Emission *e = data;

  g_object_unref (e->self);
  g_free (e->a);
  g_free (e->b);
  g_free (e->c);
  g_free (e);
}

/* always through an idle source: never runs handlers in the worker */
static void
post (OsspProvisioner *self,
      GSourceFunc      func,
      gpointer         data,
      GDestroyNotify   destroy)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, data, destroy);
  g_source_set_static_name (source, "[openssp] provisioner");
  g_source_attach (source, self->context);
  g_source_unref (source);
}

static void
log_msg (OsspProvisioner *self,
         const char      *format,
         ...) G_GNUC_PRINTF (2, 3);

static void
log_msg (OsspProvisioner *self,
         const char      *format,
         ...)
{
  Emission *e = g_new0 (Emission, 1);
  va_list args;

  va_start (args, format);
  e->a = g_strdup_vprintf (format, args);
  va_end (args);
  g_debug ("%s: %s", ossp_transport_get_name (self->transport), e->a);
  e->self = g_object_ref (self);
  e->signal = SIGNAL_LOG;
  post (self, emission_cb, e, emission_free);
}

static gboolean
add_check (OsspProvisioner *self,
           const char      *id,
           OsspCheckStatus  status,
           const char      *format,
           ...) G_GNUC_PRINTF (4, 5);

static gboolean
add_check (OsspProvisioner *self,
           const char      *id,
           OsspCheckStatus  status,
           const char      *format,
           ...)
{
  OsspProvisionCheck *c = g_new0 (OsspProvisionCheck, 1);
  Emission *e = g_new0 (Emission, 1);
  va_list args;

  va_start (args, format);
  c->message = g_strdup_vprintf (format, args);
  va_end (args);
  c->id = g_strdup (id);
  c->status = status;
  g_mutex_lock (&self->lock);
  g_ptr_array_add (self->checks, c);
  g_mutex_unlock (&self->lock);

  e->self = g_object_ref (self);
  e->signal = SIGNAL_CHECK;
  e->a = g_strdup (id);
  e->b = g_strdup (ossp_check_status_to_string (status));
  e->c = g_strdup (c->message);
  post (self, emission_cb, e, emission_free);
  return status != OSSP_CHECK_FAIL;
}

/* ---- GObject ---- */

static void
ossp_provisioner_finalize (GObject *object)
{
  OsspProvisioner *self = OSSP_PROVISIONER (object);

  g_clear_object (&self->transport);
  g_clear_object (&self->hsm);
  g_free (self->hsm_label);
  g_clear_object (&self->payload);
  g_clear_pointer (&self->firmware, g_bytes_unref);
  g_free (self->firmware_name);
  g_clear_object (&self->audit);
  g_clear_object (&self->progress);
  g_main_context_unref (self->context);
  if (self->confirm_destroy)
    self->confirm_destroy (self->confirm_data);
  g_free (self->preconfirmed);
  g_free (self->confirm_how);
  g_ptr_array_unref (self->checks);
  g_clear_object (&self->plan);
  g_free (self->product_id);
  g_clear_pointer (&self->certificate, g_bytes_unref);
  g_clear_pointer (&self->record, json_object_unref);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  G_OBJECT_CLASS (ossp_provisioner_parent_class)->finalize (object);
}

static void
ossp_provisioner_class_init (OsspProvisionerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ossp_provisioner_finalize;

  /* a line for the per-device log */
  signals[SIGNAL_LOG] =
    g_signal_new ("log", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);
  /* a preflight result: id, "pass"/"fail"/"warning", message */
  signals[SIGNAL_CHECK] =
    g_signal_new ("check", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
}

static void
ossp_provisioner_init (OsspProvisioner *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->checks = g_ptr_array_new_with_free_func ((GDestroyNotify) check_free);
  self->progress = ossp_progress_new ();
  self->context = g_main_context_ref_thread_default ();
  self->verify = TRUE;
  self->connect_ms = DEFAULT_CONNECT_MS;
  self->reboot_ms = DEFAULT_REBOOT_MS;
  self->announce_ms = DEFAULT_ANNOUNCE_MS;
}

OsspProvisioner *
ossp_provisioner_new (OsspTransport *transport,
                      OsspHsm       *hsm)
{
  OsspProvisioner *self;

  g_return_val_if_fail (OSSP_IS_TRANSPORT (transport), NULL);
  g_return_val_if_fail (OSSP_IS_HSM (hsm), NULL);
  self = g_object_new (OSSP_TYPE_PROVISIONER, NULL);
  self->transport = g_object_ref (transport);
  self->hsm = g_object_ref (hsm);
  return self;
}

OsspTransport *
ossp_provisioner_get_transport (OsspProvisioner *self)
{
  g_return_val_if_fail (OSSP_IS_PROVISIONER (self), NULL);
  return self->transport;
}

void
ossp_provisioner_set_hsm_label (OsspProvisioner *self,
                                const char      *label)
{
  g_return_if_fail (OSSP_IS_PROVISIONER (self));
  g_free (self->hsm_label);
  self->hsm_label = g_strdup (label);
}

void
ossp_provisioner_set_payload (OsspProvisioner *self,
                              OsspPayload     *payload)
{
  g_return_if_fail (OSSP_IS_PROVISIONER (self));
  g_set_object (&self->payload, payload);
}

void
ossp_provisioner_set_firmware (OsspProvisioner *self,
                               GBytes          *image,
                               const char      *name)
{
  g_return_if_fail (OSSP_IS_PROVISIONER (self));
  g_clear_pointer (&self->firmware, g_bytes_unref);
  self->firmware = image ? g_bytes_ref (image) : NULL;
  g_free (self->firmware_name);
  self->firmware_name = g_strdup (name);
}

void
ossp_provisioner_set_audit_log (OsspProvisioner *self,
                                OsspAuditLog    *log)
{
  g_return_if_fail (OSSP_IS_PROVISIONER (self));
  g_set_object (&self->audit, log);
}

void
ossp_provisioner_set_confirm_func (OsspProvisioner           *self,
                                   OsspProvisionerConfirmFunc func,
                                   gpointer                   user_data,
                                   GDestroyNotify             destroy)
{
  g_return_if_fail (OSSP_IS_PROVISIONER (self));
  if (self->confirm_destroy)
    self->confirm_destroy (self->confirm_data);
  self->confirm_func = func;
  self->confirm_data = user_data;
  self->confirm_destroy = destroy;
}

void
ossp_provisioner_set_confirmed (OsspProvisioner *self,
                                const char      *how)
{
  g_return_if_fail (OSSP_IS_PROVISIONER (self));
  g_free (self->preconfirmed);
  self->preconfirmed = g_strdup (how);
}

void
ossp_provisioner_confirm (OsspProvisioner *self,
                          gboolean         accepted,
                          const char      *how)
{
  g_return_if_fail (OSSP_IS_PROVISIONER (self));
  g_mutex_lock (&self->lock);
  self->confirm_state = accepted ? 1 : -1;
  g_free (self->confirm_how);
  self->confirm_how = g_strdup (how);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

void
ossp_provisioner_set_verify (OsspProvisioner *self,
                             gboolean         verify)
{
  g_return_if_fail (OSSP_IS_PROVISIONER (self));
  self->verify = verify;
}

void
ossp_provisioner_set_preflight_only (OsspProvisioner *self,
                                     gboolean         preflight_only)
{
  g_return_if_fail (OSSP_IS_PROVISIONER (self));
  self->preflight_only = preflight_only;
}

void
ossp_provisioner_set_timeouts (OsspProvisioner *self,
                               guint            connect_ms,
                               guint            reboot_ms,
                               guint            announce_ms)
{
  g_return_if_fail (OSSP_IS_PROVISIONER (self));
  self->connect_ms = connect_ms;
  self->reboot_ms = reboot_ms;
  self->announce_ms = announce_ms;
}

OsspProgress *
ossp_provisioner_get_progress (OsspProvisioner *self)
{
  g_return_val_if_fail (OSSP_IS_PROVISIONER (self), NULL);
  return self->progress;
}

GPtrArray *
ossp_provisioner_get_checks (OsspProvisioner *self)
{
  g_return_val_if_fail (OSSP_IS_PROVISIONER (self), NULL);
  return self->checks;
}

OsspBurnPlan *
ossp_provisioner_get_plan (OsspProvisioner *self)
{
  g_return_val_if_fail (OSSP_IS_PROVISIONER (self), NULL);
  return self->plan;
}

const char *
ossp_provisioner_get_product_id (OsspProvisioner *self)
{
  g_return_val_if_fail (OSSP_IS_PROVISIONER (self), NULL);
  return self->product_id;
}

GBytes *
ossp_provisioner_get_certificate (OsspProvisioner *self)
{
  g_return_val_if_fail (OSSP_IS_PROVISIONER (self), NULL);
  return self->certificate;
}

JsonObject *
ossp_provisioner_get_record (OsspProvisioner *self)
{
  g_return_val_if_fail (OSSP_IS_PROVISIONER (self), NULL);
  return self->record;
}

/* ---- the run ---- */

typedef struct {
  OsspProvisioner *self;
  GCancellable    *user_cancel;     /* the caller's */
  GCancellable    *cancel;          /* what the current step honours */
  OsspChip        *chip;
  OsspImage       *image;
  const char      *stage;
  gint64           started;
  gint64           counter_before;  /* -1 unknown */
  gint64           counter_after;
  char            *hsm_serial;
  gboolean         license_asked;
  gboolean         reconciled;
  gboolean         license_consumed;
  gboolean         license_sent;
  gboolean         cancel_deferred;
  gboolean         verified;
  char            *confirmation;
  char            *final_message;
  guint16          dev_id;
} Run;

static void
run_free (Run *r)
{
  g_clear_object (&r->user_cancel);
  g_clear_object (&r->cancel);
  g_clear_object (&r->image);
  g_free (r->hsm_serial);
  g_free (r->confirmation);
  g_free (r->final_message);
  g_free (r);
}

static gboolean
cancelled (Run     *r,
           GError **error)
{
  if (g_cancellable_is_cancelled (r->cancel))
    {
      g_set_error_literal (error, OSSP_ERROR, OSSP_ERROR_CANCELLED, "Cancelled by the user");
      return TRUE;
    }
  return FALSE;
}

static void
download_progress (gsize    done,
                   gsize    total,
                   gpointer data)
{
  Run *r = data;

  ossp_progress_set_step_fraction (r->self->progress, total ? (double) done / total : 1.0);
}

static char *
sha256_hex (GBytes *bytes)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, len);
}

/* Is this the ROM?  It answers phase 0x01 (§4.3). */
static OsspPhaseInfo *
expect_rom (Run        *r,
            const char *when,
            GError    **error)
{
  OsspTransport *t = r->self->transport;
  g_autoptr(OsspPhaseInfo) info = ossp_transport_get_phase (t, r->cancel, error);

  if (info == NULL)
    return NULL;
  if (info->phase != OSSP_PHASE_FSBL)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_STATE,
                   "%s: expected the boot ROM (phase 0x01) %s, but the device is in phase 0x%02X "
                   "(%s)%s%s; reset the board into serial boot and try again",
                   ossp_transport_get_name (t), when, info->phase, ossp_phase_to_string (info->phase),
                   *info->message ? ": " : "", g_strchomp (info->message));
      return NULL;
    }
  return g_steal_pointer (&info);
}

/* ROM stage: DOWNLOAD the SSP firmware as phase 0x01, START it, let go. */
static gboolean
send_firmware (Run        *r,
               const char *step,
               guint       boot,
               GError    **error)
{
  OsspProvisioner *self = r->self;
  OsspTransport *t = self->transport;
  g_autoptr(OsspPhaseInfo) rom = NULL;
  g_autofree char *when = g_strdup_printf ("before boot %u", boot);
  guint32 address;

  ossp_progress_begin_step (self->progress, step);
  rom = expect_rom (r, when, error);
  if (rom == NULL)
    return FALSE;
  address = rom->address ? rom->address : ossp_image_get_load_address (r->image);
  log_msg (self, "Boot %u: sending the SSP firmware (%" G_GSIZE_FORMAT " bytes) to the ROM, "
           "load address 0x%08X", boot, g_bytes_get_size (self->firmware), address);
  if (!ossp_transport_download (t, OSSP_PHASE_FSBL, self->firmware, download_progress, r,
                                r->cancel, error))
    return FALSE;
  if (!ossp_transport_start (t, address, r->cancel, error))
    {
      g_prefix_error (error, "The ROM did not start the SSP firmware (boot %u): ", boot);
      return FALSE;
    }
  return ossp_transport_reset (t, r->cancel, error);
}

/* After a hand-over: who answers?  NONE with error TIMEOUT when nobody. */
static OsspTransportStage
wait_after_start (Run     *r,
                  guint    timeout_ms,
                  GError **error)
{
  OsspProvisioner *self = r->self;

  return ossp_transport_wait_device (self->transport, self->announce_ms,
                                     self->announce_ms + timeout_ms, r->cancel, error);
}

static gboolean
wait_rom (Run        *r,
          guint       timeout_ms,
          const char *when,
          GError    **error)
{
  OsspTransportStage stage = ossp_transport_wait_device (r->self->transport, 0, timeout_ms,
                                                         r->cancel, error);
  if (stage == OSSP_TRANSPORT_STAGE_NONE)
    {
      g_prefix_error (error, "Waiting for the boot ROM %s: ", when);
      return FALSE;
    }
  if (stage != OSSP_TRANSPORT_STAGE_ROM)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_STATE,
                   "%s: the SSP firmware is still talking %s, where the boot ROM was expected; "
                   "reset the board into serial boot and try again",
                   ossp_transport_get_name (r->self->transport), when);
      return FALSE;
    }
  return TRUE;
}

/* ---- preflight ---- */

static gboolean
preflight_firmware (Run     *r,
                    GError **error)
{
  OsspProvisioner *self = r->self;
  OsspImageExpect expect = { 0 };
  g_autoptr(GPtrArray) checks = NULL;
  g_autoptr(GError) local = NULL;
  guint8 pkh[32];
  gboolean v1;

  r->image = ossp_image_new_from_bytes (self->firmware, &local);
  if (r->image == NULL)
    {
      add_check (self, "firmware", OSSP_CHECK_FAIL, "%s is not an STM32 image: %s",
                 self->firmware_name, local->message);
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_VALIDATION, "SSP firmware %s: %s",
                   self->firmware_name, local->message);
      return FALSE;
    }
  v1 = ossp_image_get_header_major (r->image) == 1;
  if (ossp_image_get_header_major (r->image) != ossp_chip_get_header_major (r->chip))
    {
      add_check (self, "firmware", OSSP_CHECK_FAIL,
                 "%s has a v%u header; %s boots v%u images", self->firmware_name,
                 ossp_image_get_header_major (r->image), ossp_chip_get_name (r->chip),
                 ossp_chip_get_header_major (r->chip));
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_VALIDATION,
                   "SSP firmware %s is for another chip (header v%u, %s needs v%u)",
                   self->firmware_name, ossp_image_get_header_major (r->image),
                   ossp_chip_get_name (r->chip), ossp_chip_get_header_major (r->chip));
      return FALSE;
    }
  /* the key the image is signed with must be the one whose hash the
   * payload burns: after SSP the chip is closed and boots nothing else */
  if (ossp_payload_get_pkh (self->payload, pkh))
    {
      if (v1)
        {
          expect.has_pkh = TRUE;
          memcpy (expect.pkh, pkh, 32);
        }
      else
        {
          expect.has_pkhth = TRUE;
          memcpy (expect.pkhth, pkh, 32);
        }
    }
  checks = ossp_image_verify (r->image, &expect, NULL, NULL, r->cancel, error);
  if (checks == NULL)
    return FALSE;
  for (guint i = 0; i < checks->len; i++)
    {
      OsspImageCheck *c = g_ptr_array_index (checks, i);
      g_autofree char *id = g_strdup_printf ("firmware-%s", c->id);
      if (c->status == OSSP_IMAGE_CHECK_SKIPPED)
        continue;
      add_check (self, id,
                 c->status == OSSP_IMAGE_CHECK_PASS ? OSSP_CHECK_PASS
                 : c->status == OSSP_IMAGE_CHECK_WARNING ? OSSP_CHECK_WARN : OSSP_CHECK_FAIL,
                 "SSP firmware: %s", c->message);
    }
  if (!ossp_image_checks_passed (checks))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_VERIFY_FAILED,
                   "The SSP firmware %s does not pass its checks against the payload (it must be "
                   "signed with the key whose hash the payload burns, or the closed chip would "
                   "boot nothing): see the preflight results", self->firmware_name);
      return FALSE;
    }
  return TRUE;
}

/* Does @product_id belong to this HSM's configuration? */
static gboolean
hsm_knows (OsspHsmInfo *info,
           const char  *product_id)
{
  return info->product_ids != NULL && g_strv_contains ((const char * const *) info->product_ids,
                                                       product_id);
}

/* The product ids of the HSM for this chip family: one → it is what the
 * user types to confirm. */
static char *
expected_product_id (Run         *r,
                     OsspHsmInfo *info)
{
  char *found = NULL;

  for (guint i = 0; info->product_ids && info->product_ids[i]; i++)
    {
      guint16 dev = 0;
      if (ossp_chip_certificate_parse_product_id (info->product_ids[i], &dev, NULL, NULL, NULL) &&
          dev == ossp_chip_get_dev_id (r->chip))
        {
          if (found != NULL)
            {
              g_free (found);
              return NULL;
            }
          found = g_strdup (info->product_ids[i]);
        }
    }
  return found;
}

static gboolean
preflight_hsm (Run     *r,
               GError **error)
{
  OsspProvisioner *self = r->self;
  g_autoptr(OsspHsmInfo) info = ossp_hsm_get_info (self->hsm, r->cancel, error);
  g_autofree char *expected = NULL;
  gboolean any = FALSE;

  if (info == NULL)
    {
      if (g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return FALSE;  /* the user's cancel, not the HSM's fault (finish () says so) */
      g_prefix_error (error, "The HSM does not answer: ");
      add_check (self, "hsm", OSSP_CHECK_FAIL, "%s", (*error)->message);
      return FALSE;
    }
  g_free (r->hsm_serial);
  r->hsm_serial = g_strdup (info->serial);
  r->counter_before = info->remaining == OSSP_HSM_REMAINING_UNKNOWN ? -1 : (gint64) info->remaining;
  if (info->state != OSSP_HSM_STATE_LOCKED && info->remaining != OSSP_HSM_REMAINING_UNKNOWN)
    {
      add_check (self, "hsm-state", OSSP_CHECK_FAIL, "the HSM is %s, not locked: it gives no "
                 "license until it is provisioned and locked", ossp_hsm_state_to_string (info->state));
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_HSM,
                   "The HSM %s is %s; provision and lock it first (openssp hsm provision)",
                   info->serial ? info->serial : "", ossp_hsm_state_to_string (info->state));
      return FALSE;
    }
  if (info->remaining == OSSP_HSM_REMAINING_UNKNOWN)
    add_check (self, "hsm-licenses", OSSP_CHECK_WARN,
               "the license provider (%s) cannot tell how many licenses are left",
               info->source ? info->source : "external");
  else if (info->remaining == 0)
    {
      add_check (self, "hsm-licenses", OSSP_CHECK_FAIL, "the HSM %s has no license left",
                 info->serial);
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_HSM,
                   "The HSM %s has no license left (counter exhausted); use another HSM",
                   info->serial);
      return FALSE;
    }
  else
    add_check (self, "hsm-licenses", OSSP_CHECK_PASS, "HSM %s: %u license%s left", info->serial,
               info->remaining, info->remaining == 1 ? "" : "s");

  for (guint i = 0; info->product_ids && info->product_ids[i]; i++)
    {
      guint16 dev = 0;
      if (ossp_chip_certificate_parse_product_id (info->product_ids[i], &dev, NULL, NULL, NULL) &&
          dev == ossp_chip_get_dev_id (r->chip))
        any = TRUE;
    }
  if (info->product_ids == NULL || info->product_ids[0] == NULL)
    add_check (self, "hsm-products", OSSP_CHECK_WARN,
               "the license provider does not list its product ids; the chip's is checked by "
               "the provider itself");
  else if (!any)
    {
      g_autofree char *list = g_strjoinv (", ", info->product_ids);
      add_check (self, "hsm-products", OSSP_CHECK_FAIL,
                 "the HSM is configured for %s, none of them a %s (DEV_ID 0x%03X)", list,
                 ossp_chip_get_name (r->chip), ossp_chip_get_dev_id (r->chip));
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_HSM,
                   "The HSM has no configuration for %s chips (it knows %s)",
                   ossp_chip_get_name (r->chip), list);
      return FALSE;
    }
  else
    {
      g_autofree char *list = g_strjoinv (", ", info->product_ids);
      add_check (self, "hsm-products", OSSP_CHECK_PASS, "the HSM is configured for %s", list);
    }
  expected = expected_product_id (r, info);
  if (expected != NULL)
    ossp_burn_plan_set_product_id (self->plan, expected);
  return TRUE;
}

/* The record is the factory's proof: make sure it can be written before a
 * license is spent (a full disk afterwards still has the room set aside). */
static gboolean
preflight_audit (Run     *r,
                 GError **error)
{
  OsspProvisioner *self = r->self;

  if (self->audit == NULL)
    return TRUE;
  if (!ossp_audit_log_reserve (self->audit, OSSP_AUDIT_LOG_RESERVE, error))
    {
      add_check (self, "audit-log", OSSP_CHECK_FAIL, "%s", (*error)->message);
      return FALSE;
    }
  add_check (self, "audit-log", OSSP_CHECK_PASS, "the audit log %s is whole and has room for "
             "the record", ossp_audit_log_get_path (self->audit));
  return TRUE;
}

/* ---- the record ---- */

static char *
now_iso8601 (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  return g_date_time_format_iso8601 (now);
}

static void
set_string_or_null (JsonObject *o,
                    const char *name,
                    const char *value)
{
  if (value)
    json_object_set_string_member (o, name, value);
  else
    json_object_set_null_member (o, name);
}

static JsonObject *
build_record (Run                *r,
              OsspProvisionResult result,
              const GError       *error)
{
  OsspProvisioner *self = r->self;
  JsonObject *o = json_object_new ();
  JsonObject *chip = json_object_new ();
  JsonObject *hsm = json_object_new ();
  JsonObject *lic = json_object_new ();
  g_autofree char *time = now_iso8601 ();
  g_autofree char *tool = g_strdup_printf ("openssp %s", PACKAGE_VERSION);

  json_object_set_string_member (o, "time", time);
  json_object_set_string_member (o, "station", g_get_host_name ());
  json_object_set_string_member (o, "operator", g_get_user_name ());
  json_object_set_string_member (o, "tool", tool);
  json_object_set_string_member (o, "transport", ossp_transport_get_kind (self->transport));
  json_object_set_string_member (o, "port", ossp_transport_get_name (self->transport));

  json_object_set_string_member (chip, "family", r->chip ? ossp_chip_get_id (r->chip) : "unknown");
  if (r->dev_id)
    {
      g_autofree char *dev = g_strdup_printf ("0x%03X", r->dev_id);
      json_object_set_string_member (chip, "dev_id", dev);
    }
  else
    json_object_set_null_member (chip, "dev_id");
  set_string_or_null (chip, "product_id", self->product_id);
  if (self->certificate)
    {
      g_autofree char *h = sha256_hex (self->certificate);
      json_object_set_string_member (chip, "certificate_sha256", h);
    }
  else
    json_object_set_null_member (chip, "certificate_sha256");
  json_object_set_object_member (o, "chip", chip);

  if (self->payload && ossp_payload_get_sha256 (self->payload))
    {
      g_autofree char *h = ossp_hex_encode (ossp_payload_get_sha256 (self->payload), 32);
      json_object_set_string_member (o, "payload_sha256", h);
    }
  else
    json_object_set_null_member (o, "payload_sha256");
  if (self->firmware)
    {
      g_autofree char *h = sha256_hex (self->firmware);
      json_object_set_string_member (o, "firmware_sha256", h);
    }
  else
    json_object_set_null_member (o, "firmware_sha256");

  set_string_or_null (hsm, "provider", self->hsm_label);
  set_string_or_null (hsm, "serial", r->hsm_serial);
  if (r->counter_before >= 0)
    json_object_set_int_member (hsm, "counter_before", r->counter_before);
  else
    json_object_set_null_member (hsm, "counter_before");
  if (r->counter_after >= 0)
    json_object_set_int_member (hsm, "counter_after", r->counter_after);
  else
    json_object_set_null_member (hsm, "counter_after");
  json_object_set_object_member (o, "hsm", hsm);

  json_object_set_boolean_member (lic, "requested", r->license_asked);
  json_object_set_boolean_member (lic, "consumed", r->license_consumed);
  json_object_set_boolean_member (lic, "sent_to_chip", r->license_sent);
  json_object_set_boolean_member (lic, "used", result == OSSP_PROVISION_RESULT_PROVISIONED);
  json_object_set_object_member (o, "license", lic);

  set_string_or_null (o, "confirmation", r->confirmation);
  json_object_set_string_member (o, "result", ossp_provision_result_to_string (result));
  json_object_set_string_member (o, "stage", r->stage);
  json_object_set_boolean_member (o, "verified", r->verified);
  json_object_set_boolean_member (o, "cancel_deferred", r->cancel_deferred);
  if (error != NULL)
    {
      JsonObject *e = json_object_new ();
      json_object_set_string_member (e, "code", error->domain == OSSP_ERROR
                                                ? ossp_error_code_to_name (error->code) : "failed");
      json_object_set_string_member (e, "message", error->message);
      json_object_set_object_member (o, "error", e);
    }
  else
    json_object_set_null_member (o, "error");
  json_object_set_int_member (o, "duration_ms", (g_get_monotonic_time () - r->started) / 1000);
  return o;
}

/* After a license was asked for, the HSM counter says whether one was
 * consumed (a reply lost on its way back still costs a license). */
static void
reconcile_license (Run *r)
{
  OsspProvisioner *self = r->self;

  if (r->reconciled)
    return;
  r->reconciled = TRUE;
  if (r->license_asked)
    {
      g_autoptr(GError) local = NULL;
      g_autoptr(OsspHsmInfo) info = ossp_hsm_get_info (self->hsm, NULL, &local);
      if (info != NULL && info->remaining != OSSP_HSM_REMAINING_UNKNOWN)
        r->counter_after = info->remaining;
      else if (r->counter_before >= 0 && r->license_consumed)
        r->counter_after = r->counter_before - 1;
      if (r->counter_before >= 0 && r->counter_after >= 0)
        r->license_consumed = r->counter_after < r->counter_before;
    }
  else
    r->counter_after = r->counter_before;
}

/* Every run ends here: the audit record (unless we stopped before the
 * device was touched with nothing to say) and the result. */
static OsspProvisionResult
finish (Run                 *r,
        OsspProvisionResult  result,
        GError             **error)
{
  OsspProvisioner *self = r->self;
  g_autoptr(GError) audit_error = NULL;
  JsonObject *record;

  /* a cancel that surfaced as GIO's "Operation was cancelled" is said as ours */
  if (result == OSSP_PROVISION_RESULT_CANCELLED && error != NULL &&
      g_cancellable_is_cancelled (r->cancel) &&
      (*error == NULL || (*error)->domain != OSSP_ERROR))
    {
      g_clear_error (error);
      cancelled (r, error);
    }
  reconcile_license (r);
  record = build_record (r, result, error ? *error : NULL);
  g_mutex_lock (&self->lock);
  g_clear_pointer (&self->record, json_object_unref);
  self->record = record;
  g_mutex_unlock (&self->lock);
  if (self->audit != NULL && !ossp_audit_log_append (self->audit, record, &audit_error))
    {
      /* the record is the factory's proof: its loss is an error of its own */
      log_msg (self, "AUDIT LOG NOT WRITTEN: %s", audit_error->message);
      if (error != NULL && *error == NULL)
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&audit_error),
                                      "The chip was %s but its audit record was not written: ",
                                      ossp_provision_result_to_string (result));
          return OSSP_PROVISION_RESULT_FAILED;
        }
    }
  if (result == OSSP_PROVISION_RESULT_PROVISIONED)
    ossp_progress_finish (self->progress);
  return result;
}

/* Classifies an error of the run into the result it gives. */
static OsspProvisionResult
fail (Run     *r,
      GError **error)
{
  if (error && *error && (*error)->domain == OSSP_ERROR && (*error)->code == OSSP_ERROR_CANCELLED)
    return finish (r, OSSP_PROVISION_RESULT_CANCELLED, error);
  reconcile_license (r);
  if (r->license_consumed && error && *error)
    g_prefix_error (error, "License consumed but not used by the chip (stage %s): ", r->stage);
  return finish (r, OSSP_PROVISION_RESULT_FAILED, error);
}

static void
declare_steps (OsspProvisioner *self)
{
  guint fw = MAX (1, (guint) (g_bytes_get_size (self->firmware) / 1024));

  ossp_progress_reset (self->progress);
  ossp_progress_add_step (self->progress, "connect", "Connecting to the chip", 1);
  ossp_progress_add_step (self->progress, "preflight", "Preflight checks", 1);
  ossp_progress_add_step (self->progress, "confirm", "Waiting for confirmation", 1);
  if (self->preflight_only)
    return;
  ossp_progress_add_step (self->progress, "boot1", "Boot 1: SSP firmware", fw);
  ossp_progress_add_step (self->progress, "boot1-fsbl", "Boot 1: SSP request", 1);
  ossp_progress_add_step (self->progress, "boot2", "Boot 2: SSP firmware", fw);
  ossp_progress_add_step (self->progress, "certificate", "Boot 2: chip certificate", 1);
  ossp_progress_add_step (self->progress, "license", "Asking the HSM for a license", 2);
  ossp_progress_add_step (self->progress, "payload", "Boot 2: license and payload", 1);
  ossp_progress_add_step (self->progress, "boot3", "Boot 3: SSP firmware", fw);
  ossp_progress_add_step (self->progress, "burn", "Boot 3: the chip burns its OTP", 2);
  if (self->verify)
    ossp_progress_add_step (self->progress, "verify", "Boot 4: checking SSP_SUCCESS", fw);
}

/* Posts the plan to the owner's context and waits for the answer. */
typedef struct {
  OsspProvisioner *self;
  OsspBurnPlan    *plan;
} ConfirmCall;

static gboolean
confirm_cb (gpointer data)
{
  ConfirmCall *c = data;

  c->self->confirm_func (c->self, c->plan, c->self->confirm_data);
  return G_SOURCE_REMOVE;
}

static void
confirm_call_free (gpointer data)
{
  ConfirmCall *c = data;

  g_object_unref (c->self);
  g_object_unref (c->plan);
  g_free (c);
}

static gboolean
get_confirmation (Run     *r,
                  GError **error)
{
  OsspProvisioner *self = r->self;
  ConfirmCall *call;
  gint state;

  ossp_progress_begin_step (self->progress, "confirm");
  if (self->preconfirmed != NULL)
    {
      r->confirmation = g_strdup (self->preconfirmed);
      log_msg (self, "Burn plan confirmed in advance (%s)", self->preconfirmed);
      return TRUE;
    }
  if (self->confirm_func == NULL)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_NOT_CONFIRMED,
                   "The burn plan was not confirmed (no one to ask and no --yes); nothing was "
                   "sent to the chip");
      return FALSE;
    }
  g_mutex_lock (&self->lock);
  self->confirm_state = 0;
  g_mutex_unlock (&self->lock);
  call = g_new0 (ConfirmCall, 1);
  call->self = g_object_ref (self);
  call->plan = g_object_ref (self->plan);
  post (self, confirm_cb, call, confirm_call_free);

  g_mutex_lock (&self->lock);
  while (self->confirm_state == 0 && !g_cancellable_is_cancelled (r->cancel))
    g_cond_wait_until (&self->cond, &self->lock, g_get_monotonic_time () + 100 * 1000);
  state = self->confirm_state;
  if (state > 0)
    r->confirmation = g_strdup (self->confirm_how ? self->confirm_how : "confirmed");
  g_mutex_unlock (&self->lock);
  if (cancelled (r, error))
    return FALSE;
  if (state < 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_NOT_CONFIRMED,
                   "The burn plan was not confirmed; nothing was sent to the chip");
      return FALSE;
    }
  log_msg (self, "Burn plan confirmed (%s)", r->confirmation);
  return TRUE;
}

static gboolean
check_certificate (Run     *r,
                   GError **error)
{
  OsspProvisioner *self = r->self;
  g_autoptr(GError) local = NULL;
  g_autoptr(OsspChipCertificate) cert = ossp_chip_certificate_parse_bytes (self->certificate,
                                                                           &local);
  g_autoptr(OsspHsmInfo) info = NULL;

  if (cert == NULL)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_PROTOCOL,
                   "The chip sent a certificate that does not parse: %s", local->message);
      return FALSE;
    }
  g_mutex_lock (&self->lock);
  g_free (self->product_id);
  self->product_id = g_strdup (cert->product_id);
  g_mutex_unlock (&self->lock);
  log_msg (self, "Chip certificate: product id %s", cert->product_id);
  if (cert->dev_id != ossp_chip_get_dev_id (r->chip))
    {
      add_check (self, "chip-product", OSSP_CHECK_FAIL,
                 "the chip's product id %s is not a %s (DEV_ID 0x%03X)", cert->product_id,
                 ossp_chip_get_name (r->chip), ossp_chip_get_dev_id (r->chip));
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_VALIDATION,
                   "Chip %s is not a %s, the payload's chip; no license was spent",
                   cert->product_id, ossp_chip_get_name (r->chip));
      return FALSE;
    }
  info = ossp_hsm_get_info (self->hsm, NULL, error);
  if (info == NULL)
    return FALSE;
  if (info->product_ids != NULL && info->product_ids[0] != NULL && !hsm_knows (info, cert->product_id))
    {
      g_autofree char *list = g_strjoinv (", ", info->product_ids);
      add_check (self, "chip-product", OSSP_CHECK_FAIL,
                 "product id %s is not among the HSM's (%s)", cert->product_id, list);
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_VALIDATION,
                   "Chip %s: the HSM has no personalisation for this product id (it has %s); "
                   "no license was spent", cert->product_id, list);
      return FALSE;
    }
  add_check (self, "chip-product", OSSP_CHECK_PASS, "chip %s matches the payload and the HSM",
             cert->product_id);
  r->counter_before = info->remaining == OSSP_HSM_REMAINING_UNKNOWN ? -1 : (gint64) info->remaining;
  if (info->remaining == 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_HSM,
                   "The HSM %s has no license left; no license was spent", info->serial);
      return FALSE;
    }
  return TRUE;
}

/* Several workers may share one HSM: the counter is read right before and
 * after this chip's license under one lock, so each audit record holds the
 * exact step of the counter its license took. */
static GMutex license_lock;

static GBytes *
request_license (Run     *r,
                 GError **error)
{
  OsspProvisioner *self = r->self;
  g_autoptr(OsspHsmInfo) before = NULL;
  g_autoptr(OsspHsmInfo) after = NULL;
  GBytes *license;

  g_mutex_lock (&license_lock);
  before = ossp_hsm_get_info (self->hsm, NULL, NULL);
  r->license_asked = TRUE;
  license = ossp_hsm_get_license (self->hsm, self->certificate, NULL, error);
  after = ossp_hsm_get_info (self->hsm, NULL, NULL);
  g_mutex_unlock (&license_lock);

  if (before != NULL && after != NULL && before->remaining != OSSP_HSM_REMAINING_UNKNOWN &&
      after->remaining != OSSP_HSM_REMAINING_UNKNOWN)
    {
      r->counter_before = before->remaining;
      r->counter_after = after->remaining;
      /* a reply lost on its way back still costs a license */
      r->license_consumed = after->remaining < before->remaining;
      r->reconciled = TRUE;
    }
  else
    r->license_consumed = license != NULL;
  return license;
}

static OsspProvisionResult
run (Run     *r,
     GError **error)
{
  OsspProvisioner *self = r->self;
  OsspTransport *t = self->transport;
  g_autoptr(OsspPhaseInfo) phase = NULL;
  g_autoptr(GBytes) license = NULL;
  g_autoptr(GBytes) chip_blob = NULL;
  g_autoptr(GByteArray) blob = NULL;
  OsspTransportStage stage;
  gboolean resume_boot2 = FALSE;
  guint32 blob_address;

  /* -- connect and identify: nothing is written -- */
  r->stage = "connect";
  ossp_progress_begin_step (self->progress, "connect");
  if (!ossp_transport_open (t, r->cancel, error) ||
      !wait_rom (r, self->connect_ms, "at the start", error))
    return fail (r, error);   /* a cancel here is "cancelled", like everywhere */
  if (!ossp_transport_get_device_id (t, &r->dev_id, r->cancel, error))
    return fail (r, error);
  log_msg (self, "Connected to the boot ROM on %s, DEV_ID 0x%03X", ossp_transport_get_name (t),
           r->dev_id);

  r->stage = "preflight";
  ossp_progress_begin_step (self->progress, "preflight");
  if (r->dev_id != ossp_chip_get_dev_id (r->chip))
    {
      add_check (self, "chip-family", OSSP_CHECK_FAIL,
                 "the chip is DEV_ID 0x%03X; the payload is for %s (DEV_ID 0x%03X)", r->dev_id,
                 ossp_chip_get_name (r->chip), ossp_chip_get_dev_id (r->chip));
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_VALIDATION,
                   "Wrong chip: the connected chip is DEV_ID 0x%03X, the payload is for %s "
                   "(0x%03X); nothing was sent", r->dev_id, ossp_chip_get_name (r->chip),
                   ossp_chip_get_dev_id (r->chip));
      return finish (r, OSSP_PROVISION_RESULT_REFUSED, error);
    }
  add_check (self, "chip-family", OSSP_CHECK_PASS, "the chip is a %s (DEV_ID 0x%03X)",
             ossp_chip_get_name (r->chip), r->dev_id);
  if (!preflight_firmware (r, error) || !preflight_hsm (r, error) || !preflight_audit (r, error))
    return finish (r, cancelled (r, NULL) ? OSSP_PROVISION_RESULT_CANCELLED
                                          : OSSP_PROVISION_RESULT_REFUSED, error);
  if (self->preflight_only)
    {
      log_msg (self, "Preflight passed; stopping here as asked (nothing was burnt)");
      ossp_progress_finish (self->progress);
      return OSSP_PROVISION_RESULT_NONE;
    }

  r->stage = "confirm";
  if (!get_confirmation (r, error))
    return finish (r, cancelled (r, NULL) ? OSSP_PROVISION_RESULT_CANCELLED
                                          : OSSP_PROVISION_RESULT_REFUSED, error);

  /* -- boot 1: the FSBL burns SSP_REQ and reports "Provisioning" -- */
  r->stage = "boot1";
  if (!send_firmware (r, "boot1", 1, error))
    return fail (r, error);
  ossp_progress_begin_step (self->progress, "boot1-fsbl");
  stage = wait_after_start (r, 1000, error);
  if (stage != OSSP_TRANSPORT_STAGE_FSBL)
    {
      /* §4.4 rule 4: no programmer link from the FSBL */
      if (stage == OSSP_TRANSPORT_STAGE_NONE && !g_error_matches (*error, OSSP_ERROR, OSSP_ERROR_TIMEOUT))
        return fail (r, error);
      g_clear_error (error);
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_STATE,
                   "Chip already provisioned or closed: the SSP firmware opened no programmer "
                   "link (SSP_SUCCESS set, or a closed chip); nothing was burnt, no license spent");
      add_check (self, "chip-virgin", OSSP_CHECK_FAIL, "the chip is already provisioned or closed");
      return finish (r, OSSP_PROVISION_RESULT_ALREADY_PROVISIONED, error);
    }
  phase = ossp_transport_get_phase (t, r->cancel, error);
  if (phase == NULL)
    return fail (r, error);
  if (phase->phase == OSSP_PHASE_SSP)
    {
      /* a run stopped after boot 1: the ROM already made the key pair */
      log_msg (self, "The chip is already in boot 2 (an earlier run stopped after boot 1)");
      add_check (self, "chip-virgin", OSSP_CHECK_PASS, "SSP requested, not done (resuming at boot 2)");
      resume_boot2 = TRUE;
    }
  else if (phase->phase == OSSP_PHASE_RESET)
    {
      add_check (self, "chip-virgin", OSSP_CHECK_PASS, "SSP_SUCCESS clear: the SSP firmware "
                 "answered \"%s\"", g_strchomp (phase->message));
      if (!ossp_transport_reset (t, r->cancel, error))
        return fail (r, error);
    }
  else
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_PROTOCOL,
                   "Boot 1: the SSP firmware reports phase 0x%02X (%s); 0xFF \"Provisioning\" "
                   "was expected", phase->phase, ossp_phase_to_string (phase->phase));
      return fail (r, error);
    }
  g_clear_pointer (&phase, ossp_phase_info_free);

  /* -- boot 2: certificate, license, license ‖ payload -- */
  r->stage = "boot2";
  if (!resume_boot2)
    {
      if (!wait_rom (r, self->reboot_ms, "after boot 1", error) ||
          !send_firmware (r, "boot2", 2, error))
        return fail (r, error);
      stage = wait_after_start (r, self->reboot_ms, error);
      if (stage != OSSP_TRANSPORT_STAGE_FSBL)
        {
          if (stage != OSSP_TRANSPORT_STAGE_NONE)
            g_set_error (error, OSSP_ERROR, OSSP_ERROR_DEVICE,
                         "Boot 2: the SSP firmware did not come back (the ROM answered instead)");
          else
            g_prefix_error (error, "Boot 2: the SSP firmware did not come back: ");
          return fail (r, error);
        }
      phase = ossp_transport_get_phase (t, r->cancel, error);
      if (phase == NULL)
        return fail (r, error);
      if (phase->phase != OSSP_PHASE_SSP)
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_DEVICE,
                       "Boot 2: the SSP firmware reports phase 0x%02X (%s%s%s) instead of the SSP "
                       "phase 0xF3: the ROM did not make the chip key pair", phase->phase,
                       ossp_phase_to_string (phase->phase), *phase->message ? ", " : "",
                       g_strchomp (phase->message));
          return fail (r, error);
        }
    }
  else
    phase = ossp_transport_get_phase (t, r->cancel, error);
  if (phase == NULL)
    return fail (r, error);
  blob_address = phase->address;

  r->stage = "certificate";
  ossp_progress_begin_step (self->progress, "certificate");
  self->certificate = ossp_transport_read_partition (t, OSSP_PHASE_SSP, OSSP_CERTIFICATE_SIZE,
                                                     r->cancel, error);
  if (self->certificate == NULL)
    return fail (r, error);
  if (!check_certificate (r, error))
    return finish (r, cancelled (r, NULL) ? OSSP_PROVISION_RESULT_CANCELLED
                                          : OSSP_PROVISION_RESULT_REFUSED, error);
  if (cancelled (r, error))
    return fail (r, error);

  /* -- the licensed section: from here the license is spent -- */
  r->stage = "license";
  ossp_progress_begin_step (self->progress, "license");
  g_clear_object (&r->cancel);
  r->cancel = g_cancellable_new ();
  log_msg (self, "Asking the HSM for a license for chip %s", self->product_id);
  license = request_license (r, error);
  if (license == NULL)
    return fail (r, error);
  if (g_bytes_get_size (license) != OSSP_LICENSE_SIZE)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_HSM,
                   "The HSM returned %" G_GSIZE_FORMAT " bytes instead of a %d-byte license",
                   g_bytes_get_size (license), OSSP_LICENSE_SIZE);
      return fail (r, error);
    }

  r->stage = "payload";
  ossp_progress_begin_step (self->progress, "payload");
  chip_blob = ossp_payload_get_chip_blob (self->payload);
  blob = g_byte_array_new ();
  g_byte_array_append (blob, g_bytes_get_data (license, NULL), OSSP_LICENSE_SIZE);
  g_byte_array_append (blob, g_bytes_get_data (chip_blob, NULL), (guint) g_bytes_get_size (chip_blob));
  {
    g_autoptr(GBytes) bytes = g_byte_array_free_to_bytes (g_steal_pointer (&blob));
    log_msg (self, "Sending license ‖ payload (%" G_GSIZE_FORMAT " bytes)", g_bytes_get_size (bytes));
    if (!ossp_transport_download (t, OSSP_PHASE_SSP, bytes, download_progress, r, r->cancel, error))
      return fail (r, error);
  }
  r->license_sent = TRUE;
  if (!ossp_transport_start (t, blob_address, r->cancel, error))
    return fail (r, error);
  g_clear_pointer (&phase, ossp_phase_info_free);
  phase = ossp_transport_get_phase (t, r->cancel, error);
  if (phase == NULL)
    return fail (r, error);
  if (phase->phase != OSSP_PHASE_RESET && !phase->detach)
    log_msg (self, "After the payload the SSP firmware reports phase 0x%02X (0xFF or a detach "
             "request was expected); going on", phase->phase);
  if (!ossp_transport_reset (t, r->cancel, error))
    return fail (r, error);

  /* -- boot 3: the ROM decrypts, the FSBL burns and resets (rule 5) -- */
  r->stage = "boot3";
  if (!wait_rom (r, self->reboot_ms, "after boot 2", error) ||
      !send_firmware (r, "boot3", 3, error))
    return fail (r, error);
  ossp_progress_begin_step (self->progress, "burn");
  stage = wait_after_start (r, BURN_GRACE_MS, error);
  if (stage == OSSP_TRANSPORT_STAGE_NONE)
    {
      g_prefix_error (error, "Boot 3: the chip did not come back to its boot ROM, so the "
                      "result is unknown: ");
      return fail (r, error);
    }
  if (stage == OSSP_TRANSPORT_STAGE_FSBL)
    {
      g_autoptr(OsspPhaseInfo) p3 = ossp_transport_get_phase (t, NULL, NULL);
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_DEVICE,
                   "Boot 3: the chip's ROM rejected the license or the payload and SSP started "
                   "over%s%s%s (wrong OEM key/nonce in the HSM, a license for another chip, or "
                   "fsbl_min_version above the firmware's version); nothing was burnt",
                   p3 && *p3->message ? " (\"" : "", p3 ? g_strchomp (p3->message) : "",
                   p3 && *p3->message ? "\")" : "");
      if (p3 != NULL)
        ossp_transport_reset (t, NULL, NULL);
      return fail (r, error);
    }
  log_msg (self, "Boot 3 done: the SSP firmware burnt the OTP and reset the chip");

  /* the user's cancel may act again: the license was used */
  r->cancel_deferred = g_cancellable_is_cancelled (r->user_cancel);
  g_set_object (&r->cancel, r->user_cancel);

  /* -- boot 4: SSP_SUCCESS set ⇒ the FSBL opens no link (rule 4) -- */
  if (self->verify)
    {
      r->stage = "verify";
      if (r->cancel_deferred)
        log_msg (self, "Cancel requested: skipping the check boot");
      else
        {
          gboolean sent = send_firmware (r, "verify", 4, error);
          /* an FSBL that offers provisioning says so at once (§4.4 rule 4):
           * the announce window is all it takes */
          stage = sent ? wait_after_start (r, 0, error) : OSSP_TRANSPORT_STAGE_NONE;
          if (stage == OSSP_TRANSPORT_STAGE_NONE && g_cancellable_is_cancelled (r->user_cancel))
            {
              /* boot 3 completed (rule 5): a cancel now only stops the extra
               * check, it does not undo the chip — record it as --no-verify */
              g_clear_error (error);
              r->cancel_deferred = TRUE;
              log_msg (self, "Cancel requested: check boot stopped (boot 3 had completed; not verified)");
              r->stage = "done";
              log_msg (self, "Chip %s provisioned and closed", self->product_id);
              return finish (r, OSSP_PROVISION_RESULT_PROVISIONED, error);
            }
          if (!sent)
            return fail (r, error);
          if (stage == OSSP_TRANSPORT_STAGE_FSBL)
            {
              g_autoptr(OsspPhaseInfo) p4 = ossp_transport_get_phase (t, NULL, NULL);
              if (p4 != NULL)
                ossp_transport_reset (t, NULL, NULL);
              g_set_error (error, OSSP_ERROR, OSSP_ERROR_DEVICE,
                           "Check boot: the SSP firmware still offers provisioning, so SSP_SUCCESS "
                           "is not set: the burn in boot 3 did not complete (the chip may be "
                           "partly programmed)");
              return fail (r, error);
            }
          if (stage == OSSP_TRANSPORT_STAGE_NONE && !g_error_matches (*error, OSSP_ERROR, OSSP_ERROR_TIMEOUT))
            return fail (r, error);
          g_clear_error (error);
          r->verified = TRUE;
          /* a chip the firmware closed also opens no link (rule 4): a power
           * loss after CFG0 was burnt looks the same (docs/reliability.md) */
          log_msg (self, "Check boot: no programmer link: SSP_SUCCESS is set, or power was lost "
                   "after the firmware closed the chip (the link cannot tell these apart)");
        }
    }
  r->stage = "done";
  log_msg (self, "Chip %s provisioned and closed", self->product_id);
  return finish (r, OSSP_PROVISION_RESULT_PROVISIONED, error);
}

static void
run_thread (GTask        *task,
            gpointer      source,
            gpointer      task_data,
            GCancellable *cancellable)
{
  OsspProvisioner *self = source;
  Run *r = task_data;
  GError *error = NULL;
  OsspProvisionResult result = run (r, &error);

  ossp_transport_close (self->transport);
  g_mutex_lock (&self->lock);
  self->running = FALSE;
  self->last_result = result;
  g_mutex_unlock (&self->lock);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_int (task, result);
}

void
ossp_provisioner_run_async (OsspProvisioner     *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspBurnPlan) plan = NULL;
  Run *r;

  g_return_if_fail (OSSP_IS_PROVISIONER (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ossp_provisioner_run_async);
  /* the run checks cancellation itself (deferred in the licensed part) */
  g_task_set_check_cancellable (task, FALSE);

  if (self->payload == NULL || self->firmware == NULL)
    {
      g_task_return_new_error (task, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                               "Provisioning needs a payload (.ssp) and the SSP firmware");
      return;
    }
  plan = ossp_burn_plan_new (self->payload, &error);
  if (plan == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_mutex_lock (&self->lock);
  if (self->running)
    {
      g_mutex_unlock (&self->lock);
      g_task_return_new_error (task, OSSP_ERROR, OSSP_ERROR_STATE,
                               "This provisioner is already running");
      return;
    }
  self->running = TRUE;
  self->last_result = OSSP_PROVISION_RESULT_NONE;
  g_ptr_array_set_size (self->checks, 0);
  g_set_object (&self->plan, plan);
  g_clear_pointer (&self->product_id, g_free);
  g_clear_pointer (&self->certificate, g_bytes_unref);
  g_clear_pointer (&self->record, json_object_unref);
  g_mutex_unlock (&self->lock);

  r = g_new0 (Run, 1);
  r->self = self;
  r->user_cancel = cancellable ? g_object_ref (cancellable) : g_cancellable_new ();
  r->cancel = g_object_ref (r->user_cancel);
  r->chip = ossp_payload_get_chip (self->payload);
  r->stage = "connect";
  r->started = g_get_monotonic_time ();
  r->counter_before = -1;
  r->counter_after = -1;
  declare_steps (self);
  g_task_set_task_data (task, r, (GDestroyNotify) run_free);
  g_task_run_in_thread (task, run_thread);
}

OsspProvisionResult
ossp_provisioner_run_finish (OsspProvisioner *self,
                             GAsyncResult    *result,
                             GError         **error)
{
  GError *local = NULL;
  gssize value;

  g_return_val_if_fail (g_task_is_valid (result, self), OSSP_PROVISION_RESULT_NONE);
  value = g_task_propagate_int (G_TASK (result), &local);
  if (local != NULL)
    {
      g_propagate_error (error, local);
      return self->last_result != OSSP_PROVISION_RESULT_NONE ? self->last_result
                                                             : OSSP_PROVISION_RESULT_FAILED;
    }
  return (OsspProvisionResult) value;
}
