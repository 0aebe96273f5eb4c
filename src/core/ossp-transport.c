/* ossp-transport.c — the serial-boot link interface
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ossp-error.h"
#include "ossp-transport.h"

G_DEFINE_INTERFACE (OsspTransport, ossp_transport, G_TYPE_OBJECT)

static void
ossp_transport_default_init (OsspTransportInterface *iface)
{
}

void
ossp_phase_info_free (OsspPhaseInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->message);
  g_free (info);
}

OsspPhaseInfo *
ossp_phase_info_copy (const OsspPhaseInfo *info)
{
  OsspPhaseInfo *copy = g_new0 (OsspPhaseInfo, 1);

  *copy = *info;
  copy->message = g_strdup (info->message ? info->message : "");
  return copy;
}

G_DEFINE_BOXED_TYPE (OsspPhaseInfo, ossp_phase_info, ossp_phase_info_copy, ossp_phase_info_free)

const char *
ossp_transport_stage_to_string (OsspTransportStage stage)
{
  switch (stage)
    {
    case OSSP_TRANSPORT_STAGE_ROM: return "rom";
    case OSSP_TRANSPORT_STAGE_FSBL: return "fsbl";
    case OSSP_TRANSPORT_STAGE_NONE:
    default: return "none";
    }
}

const char *
ossp_phase_to_string (guint8 phase)
{
  switch (phase)
    {
    case OSSP_PHASE_FLASHLAYOUT: return "flashlayout";
    case OSSP_PHASE_FSBL: return "fsbl";
    case 0x03: return "ssbl";
    case OSSP_PHASE_CMD: return "cmd";
    case OSSP_PHASE_OTP: return "otp";
    case OSSP_PHASE_SSP: return "ssp";
    case 0xF4: return "pmic";
    case OSSP_PHASE_END: return "end";
    case OSSP_PHASE_RESET: return "reset";
    default: return phase >= 0x10 && phase <= 0xF0 ? "user-partition" : "unknown";
    }
}

/* A transport is not re-entrant; a cancelled wait must not leave the caller
 * thinking an operation succeeded, so every wrapper checks the cancellable
 * first. */
static gboolean
check_cancelled (GCancellable *cancellable,
                 GError      **error)
{
  if (g_cancellable_is_cancelled (cancellable))
    {
      g_set_error_literal (error, OSSP_ERROR, OSSP_ERROR_CANCELLED, "Cancelled by the user");
      return TRUE;
    }
  return FALSE;
}

const char *
ossp_transport_get_name (OsspTransport *self)
{
  g_return_val_if_fail (OSSP_IS_TRANSPORT (self), NULL);
  return OSSP_TRANSPORT_GET_IFACE (self)->get_name (self);
}

const char *
ossp_transport_get_kind (OsspTransport *self)
{
  g_return_val_if_fail (OSSP_IS_TRANSPORT (self), NULL);
  return OSSP_TRANSPORT_GET_IFACE (self)->get_kind (self);
}

gboolean
ossp_transport_open (OsspTransport *self,
                     GCancellable  *cancellable,
                     GError       **error)
{
  g_return_val_if_fail (OSSP_IS_TRANSPORT (self), FALSE);
  if (check_cancelled (cancellable, error))
    return FALSE;
  return OSSP_TRANSPORT_GET_IFACE (self)->open (self, cancellable, error);
}

void
ossp_transport_close (OsspTransport *self)
{
  g_return_if_fail (OSSP_IS_TRANSPORT (self));
  OSSP_TRANSPORT_GET_IFACE (self)->close (self);
}

OsspTransportStage
ossp_transport_wait_device (OsspTransport *self,
                            guint          announce_ms,
                            guint          timeout_ms,
                            GCancellable  *cancellable,
                            GError       **error)
{
  g_return_val_if_fail (OSSP_IS_TRANSPORT (self), OSSP_TRANSPORT_STAGE_NONE);
  if (check_cancelled (cancellable, error))
    return OSSP_TRANSPORT_STAGE_NONE;
  return OSSP_TRANSPORT_GET_IFACE (self)->wait_device (self, announce_ms, timeout_ms,
                                                       cancellable, error);
}

gboolean
ossp_transport_get_device_id (OsspTransport *self,
                              guint16       *out_dev_id,
                              GCancellable  *cancellable,
                              GError       **error)
{
  g_return_val_if_fail (OSSP_IS_TRANSPORT (self), FALSE);
  if (check_cancelled (cancellable, error))
    return FALSE;
  return OSSP_TRANSPORT_GET_IFACE (self)->get_device_id (self, out_dev_id, cancellable, error);
}

OsspPhaseInfo *
ossp_transport_get_phase (OsspTransport *self,
                          GCancellable  *cancellable,
                          GError       **error)
{
  g_return_val_if_fail (OSSP_IS_TRANSPORT (self), NULL);
  if (check_cancelled (cancellable, error))
    return NULL;
  return OSSP_TRANSPORT_GET_IFACE (self)->get_phase (self, cancellable, error);
}

GBytes *
ossp_transport_read_partition (OsspTransport *self,
                               guint8         partition,
                               gsize          length,
                               GCancellable  *cancellable,
                               GError       **error)
{
  g_return_val_if_fail (OSSP_IS_TRANSPORT (self), NULL);
  g_return_val_if_fail (length > 0 && length <= 256, NULL);
  if (check_cancelled (cancellable, error))
    return NULL;
  return OSSP_TRANSPORT_GET_IFACE (self)->read_partition (self, partition, length,
                                                          cancellable, error);
}

gboolean
ossp_transport_download (OsspTransport *self,
                         guint8         partition,
                         GBytes        *data,
                         OsspTransportProgressFunc progress,
                         gpointer       progress_data,
                         GCancellable  *cancellable,
                         GError       **error)
{
  g_return_val_if_fail (OSSP_IS_TRANSPORT (self), FALSE);
  g_return_val_if_fail (data != NULL, FALSE);
  if (check_cancelled (cancellable, error))
    return FALSE;
  return OSSP_TRANSPORT_GET_IFACE (self)->download (self, partition, data, progress,
                                                    progress_data, cancellable, error);
}

gboolean
ossp_transport_start (OsspTransport *self,
                      guint32        address,
                      GCancellable  *cancellable,
                      GError       **error)
{
  g_return_val_if_fail (OSSP_IS_TRANSPORT (self), FALSE);
  if (check_cancelled (cancellable, error))
    return FALSE;
  return OSSP_TRANSPORT_GET_IFACE (self)->start (self, address, cancellable, error);
}

gboolean
ossp_transport_reset (OsspTransport *self,
                      GCancellable  *cancellable,
                      GError       **error)
{
  g_return_val_if_fail (OSSP_IS_TRANSPORT (self), FALSE);
  if (check_cancelled (cancellable, error))
    return FALSE;
  return OSSP_TRANSPORT_GET_IFACE (self)->reset (self, cancellable, error);
}

/* ---- async forms: one thread function dispatching on the operation ---- */

typedef enum {
  OP_OPEN,
  OP_WAIT_DEVICE,
  OP_GET_PHASE,
  OP_READ_PARTITION,
  OP_DOWNLOAD,
  OP_START,
  OP_RESET,
} TransportOp;

typedef struct {
  TransportOp op;
  guint       announce_ms;
  guint       timeout_ms;
  guint8      partition;
  gsize       length;
  guint32     address;
  GBytes     *data;
} OpData;

static void
op_data_free (OpData *d)
{
  g_clear_pointer (&d->data, g_bytes_unref);
  g_free (d);
}

static void
op_thread (GTask        *task,
           gpointer      source,
           gpointer      task_data,
           GCancellable *cancellable)
{
  OsspTransport *self = source;
  OpData *d = task_data;
  GError *error = NULL;
  gboolean ok = FALSE;

  switch (d->op)
    {
    case OP_OPEN:
      ok = ossp_transport_open (self, cancellable, &error);
      break;
    case OP_WAIT_DEVICE:
      {
        OsspTransportStage stage = ossp_transport_wait_device (self, d->announce_ms, d->timeout_ms,
                                                               cancellable, &error);
        if (stage == OSSP_TRANSPORT_STAGE_NONE)
          g_task_return_error (task, error);
        else
          g_task_return_int (task, stage);
        return;
      }
    case OP_GET_PHASE:
      {
        OsspPhaseInfo *info = ossp_transport_get_phase (self, cancellable, &error);
        if (info == NULL)
          g_task_return_error (task, error);
        else
          g_task_return_pointer (task, info, (GDestroyNotify) ossp_phase_info_free);
        return;
      }
    case OP_READ_PARTITION:
      {
        GBytes *bytes = ossp_transport_read_partition (self, d->partition, d->length,
                                                       cancellable, &error);
        if (bytes == NULL)
          g_task_return_error (task, error);
        else
          g_task_return_pointer (task, bytes, (GDestroyNotify) g_bytes_unref);
        return;
      }
    case OP_DOWNLOAD:
      ok = ossp_transport_download (self, d->partition, d->data, NULL, NULL, cancellable, &error);
      break;
    case OP_START:
      ok = ossp_transport_start (self, d->address, cancellable, &error);
      break;
    case OP_RESET:
      ok = ossp_transport_reset (self, cancellable, &error);
      break;
    default:
      g_assert_not_reached ();
    }
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
run_op (OsspTransport       *self,
        OpData              *d,
        gpointer             tag,
        GCancellable        *cancellable,
        GAsyncReadyCallback  callback,
        gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, tag);
  g_task_set_task_data (task, d, (GDestroyNotify) op_data_free);
  g_task_run_in_thread (task, op_thread);
}

static OpData *
op_new (TransportOp op)
{
  OpData *d = g_new0 (OpData, 1);
  d->op = op;
  return d;
}

void
ossp_transport_open_async (OsspTransport       *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  run_op (self, op_new (OP_OPEN), ossp_transport_open_async, cancellable, callback, user_data);
}

gboolean
ossp_transport_open_finish (OsspTransport *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
ossp_transport_wait_device_async (OsspTransport       *self,
                                  guint                announce_ms,
                                  guint                timeout_ms,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  OpData *d = op_new (OP_WAIT_DEVICE);
  d->announce_ms = announce_ms;
  d->timeout_ms = timeout_ms;
  run_op (self, d, ossp_transport_wait_device_async, cancellable, callback, user_data);
}

OsspTransportStage
ossp_transport_wait_device_finish (OsspTransport *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  gssize stage;

  g_return_val_if_fail (g_task_is_valid (result, self), OSSP_TRANSPORT_STAGE_NONE);
  stage = g_task_propagate_int (G_TASK (result), error);
  return stage < 0 ? OSSP_TRANSPORT_STAGE_NONE : (OsspTransportStage) stage;
}

void
ossp_transport_get_phase_async (OsspTransport       *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  run_op (self, op_new (OP_GET_PHASE), ossp_transport_get_phase_async, cancellable, callback,
          user_data);
}

OsspPhaseInfo *
ossp_transport_get_phase_finish (OsspTransport *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
ossp_transport_read_partition_async (OsspTransport       *self,
                                     guint8               partition,
                                     gsize                length,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  OpData *d = op_new (OP_READ_PARTITION);
  d->partition = partition;
  d->length = length;
  run_op (self, d, ossp_transport_read_partition_async, cancellable, callback, user_data);
}

GBytes *
ossp_transport_read_partition_finish (OsspTransport *self,
                                      GAsyncResult  *result,
                                      GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
ossp_transport_download_async (OsspTransport       *self,
                               guint8               partition,
                               GBytes              *data,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  OpData *d = op_new (OP_DOWNLOAD);
  d->partition = partition;
  d->data = g_bytes_ref (data);
  run_op (self, d, ossp_transport_download_async, cancellable, callback, user_data);
}

gboolean
ossp_transport_download_finish (OsspTransport *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
ossp_transport_start_async (OsspTransport       *self,
                            guint32              address,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  OpData *d = op_new (OP_START);
  d->address = address;
  run_op (self, d, ossp_transport_start_async, cancellable, callback, user_data);
}

gboolean
ossp_transport_start_finish (OsspTransport *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
ossp_transport_reset_async (OsspTransport       *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  run_op (self, op_new (OP_RESET), ossp_transport_reset_async, cancellable, callback, user_data);
}

gboolean
ossp_transport_reset_finish (OsspTransport *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
