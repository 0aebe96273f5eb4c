/* ossp-transport.h — a serial-boot link to one STM32MP chip (UART or USB DFU)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The operations the SSP host needs (ssp-flow.md §3, §4), independent of
 * the wire.  Implementations live in src/link/ (termios, libusb); core only
 * sees this interface.  Every operation is blocking + cancellable, with an
 * _async/_finish pair that runs it in a GTask thread.  One operation at a
 * time per transport: the link is a single half-duplex conversation.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Phase ids (ssp-flow.md §4.1, public) */
#define OSSP_PHASE_FLASHLAYOUT 0x00
#define OSSP_PHASE_FSBL        0x01
#define OSSP_PHASE_CMD         0xF1
#define OSSP_PHASE_OTP         0xF2
#define OSSP_PHASE_SSP         0xF3
#define OSSP_PHASE_END         0xFE
#define OSSP_PHASE_RESET       0xFF

/* Size of the chip certificate message (ssp-flow.md §5) */
#define OSSP_CERTIFICATE_SIZE 136

/* Which program answers on the link */
typedef enum {
  OSSP_TRANSPORT_STAGE_NONE = 0,
  OSSP_TRANSPORT_STAGE_ROM,      /* BootROM serial boot: phase 0x01, takes the FSBL */
  OSSP_TRANSPORT_STAGE_FSBL,     /* FSBL-SSP programmer link */
} OsspTransportStage;

/* The device's answer to GET_PHASE / DFU GetPhase */
typedef struct {
  guint8   phase;     /* OSSP_PHASE_* */
  guint32  address;   /* UART: fixed blob base; USB: current download pointer */
  char    *message;   /* phase-0xFF text, trailing "\n" kept as sent; "" if none */
  gboolean detach;    /* USB: the FSBL asks for DFU_DETACH (byte 9 = 0x01) */
} OsspPhaseInfo;

void           ossp_phase_info_free (OsspPhaseInfo *info);
OsspPhaseInfo *ossp_phase_info_copy (const OsspPhaseInfo *info);
GType          ossp_phase_info_get_type (void) G_GNUC_CONST;
#define OSSP_TYPE_PHASE_INFO (ossp_phase_info_get_type ())
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OsspPhaseInfo, ossp_phase_info_free)

/* Download progress: bytes acknowledged by the device so far. Called from
 * the thread that runs the download. */
typedef void (*OsspTransportProgressFunc) (gsize    done,
                                           gsize    total,
                                           gpointer user_data);

#define OSSP_TYPE_TRANSPORT (ossp_transport_get_type ())
G_DECLARE_INTERFACE (OsspTransport, ossp_transport, OSSP, TRANSPORT, GObject)

struct _OsspTransportInterface
{
  GTypeInterface parent_iface;

  /* "uart:/dev/ttyUSB0", "usb:1-2" — for logs and the audit record */
  const char   *(*get_name)       (OsspTransport *self);
  const char   *(*get_kind)       (OsspTransport *self);   /* "uart" / "usb" */

  gboolean      (*open)           (OsspTransport *self,
                                   GCancellable  *cancellable,
                                   GError       **error);
  void          (*close)          (OsspTransport *self);

  /* Wait for a device that answers, at most MAX(@announce_ms, @timeout_ms).
   * @announce_ms: how long the old device may still be seen before the new
   * one announces itself (USB: the detached instance lingering; UART: the
   * FSBL's resync NACK, listened for while probing with 0x7F).  Which
   * program answered is read from the device (UART GET command list, USB
   * GetPhase), never guessed from timing. */
  OsspTransportStage (*wait_device) (OsspTransport *self,
                                   guint          announce_ms,
                                   guint          timeout_ms,
                                   GCancellable  *cancellable,
                                   GError       **error);

  gboolean      (*get_device_id)  (OsspTransport *self,
                                   guint16       *out_dev_id,
                                   GCancellable  *cancellable,
                                   GError       **error);
  OsspPhaseInfo *(*get_phase)     (OsspTransport *self,
                                   GCancellable  *cancellable,
                                   GError       **error);
  GBytes       *(*read_partition) (OsspTransport *self,
                                   guint8         partition,
                                   gsize          length,
                                   GCancellable  *cancellable,
                                   GError       **error);
  gboolean      (*download)       (OsspTransport *self,
                                   guint8         partition,
                                   GBytes        *data,
                                   OsspTransportProgressFunc progress,
                                   gpointer       progress_data,
                                   GCancellable  *cancellable,
                                   GError       **error);
  /* UART: START at @address.  USB: nothing to send (the manifestation at
   * the end of download() plays that role). */
  gboolean      (*start)          (OsspTransport *self,
                                   guint32        address,
                                   GCancellable  *cancellable,
                                   GError       **error);
  /* Let the chip reset: USB DFU_DETACH and let go of the handle; UART
   * forgets its sync (the FSBL resets on its own after phase 0xFF). */
  gboolean      (*reset)          (OsspTransport *self,
                                   GCancellable  *cancellable,
                                   GError       **error);

  gpointer padding[8];
};

const char        *ossp_transport_get_name       (OsspTransport *self);
const char        *ossp_transport_get_kind       (OsspTransport *self);

gboolean           ossp_transport_open           (OsspTransport *self,
                                                  GCancellable  *cancellable,
                                                  GError       **error);
void               ossp_transport_close          (OsspTransport *self);
OsspTransportStage ossp_transport_wait_device    (OsspTransport *self,
                                                  guint          announce_ms,
                                                  guint          timeout_ms,
                                                  GCancellable  *cancellable,
                                                  GError       **error);
gboolean           ossp_transport_get_device_id  (OsspTransport *self,
                                                  guint16       *out_dev_id,
                                                  GCancellable  *cancellable,
                                                  GError       **error);
OsspPhaseInfo     *ossp_transport_get_phase      (OsspTransport *self,
                                                  GCancellable  *cancellable,
                                                  GError       **error);
GBytes            *ossp_transport_read_partition (OsspTransport *self,
                                                  guint8         partition,
                                                  gsize          length,
                                                  GCancellable  *cancellable,
                                                  GError       **error);
gboolean           ossp_transport_download       (OsspTransport *self,
                                                  guint8         partition,
                                                  GBytes        *data,
                                                  OsspTransportProgressFunc progress,
                                                  gpointer       progress_data,
                                                  GCancellable  *cancellable,
                                                  GError       **error);
gboolean           ossp_transport_start          (OsspTransport *self,
                                                  guint32        address,
                                                  GCancellable  *cancellable,
                                                  GError       **error);
gboolean           ossp_transport_reset          (OsspTransport *self,
                                                  GCancellable  *cancellable,
                                                  GError       **error);

/* Async forms: each runs the blocking call above in a GTask thread. */
void               ossp_transport_open_async     (OsspTransport       *self,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
gboolean           ossp_transport_open_finish    (OsspTransport *self,
                                                  GAsyncResult  *result,
                                                  GError       **error);
void               ossp_transport_wait_device_async (OsspTransport    *self,
                                                  guint                announce_ms,
                                                  guint                timeout_ms,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
OsspTransportStage ossp_transport_wait_device_finish (OsspTransport *self,
                                                  GAsyncResult  *result,
                                                  GError       **error);
void               ossp_transport_get_phase_async (OsspTransport      *self,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
OsspPhaseInfo     *ossp_transport_get_phase_finish (OsspTransport *self,
                                                  GAsyncResult  *result,
                                                  GError       **error);
void               ossp_transport_read_partition_async (OsspTransport *self,
                                                  guint8               partition,
                                                  gsize                length,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
GBytes            *ossp_transport_read_partition_finish (OsspTransport *self,
                                                  GAsyncResult  *result,
                                                  GError       **error);
void               ossp_transport_download_async (OsspTransport       *self,
                                                  guint8               partition,
                                                  GBytes              *data,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
gboolean           ossp_transport_download_finish (OsspTransport *self,
                                                  GAsyncResult  *result,
                                                  GError       **error);
void               ossp_transport_start_async    (OsspTransport       *self,
                                                  guint32              address,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
gboolean           ossp_transport_start_finish   (OsspTransport *self,
                                                  GAsyncResult  *result,
                                                  GError       **error);
void               ossp_transport_reset_async    (OsspTransport       *self,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
gboolean           ossp_transport_reset_finish   (OsspTransport *self,
                                                  GAsyncResult  *result,
                                                  GError       **error);

const char        *ossp_transport_stage_to_string (OsspTransportStage stage);
const char        *ossp_phase_to_string          (guint8 phase);

G_END_DECLS
