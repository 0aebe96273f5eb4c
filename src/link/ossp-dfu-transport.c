/* ossp-dfu-transport.c — serial boot over USB DFU (libusb-1.0)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Written from ssp-flow.md §4.1 and §4.3.  The chip resets three times
 * during SSP and comes back as a new USB device each time, so the device
 * is found again by its port path, never kept by pointer.  Every request
 * has a timeout and every wait a deadline: a device that vanishes or stalls
 * gives an error, never a hang.
 */
#include "config.h"

#include <string.h>
#include <libusb.h>

#include "ossp-dfu-transport.h"

#define DEFAULT_REQUEST_TIMEOUT_MS 2000
#define POLL_INTERVAL_MS           50
/* Longest a device may stay busy with one block before we give up */
#define BUSY_LIMIT_MS              20000
#define MAX_PORT_DEPTH             7
#define UPLOAD_LENGTH              512
#define DFU_HEADER_LEN             9

typedef struct {
  guint8  alt;
  char   *name;
  gint    phase;     /* from "/0xNN" in the name, -1 if none */
} AltInfo;

struct _OsspDfuTransport
{
  GObject               parent_instance;

  char                 *selector;
  char                 *name;
  guint                 want_index;          /* 1-based, 0 = by path */
  guint8                want_bus;
  guint8                want_ports[MAX_PORT_DEPTH];
  int                   want_n_ports;        /* -1 until known */
  char                 *port_path;

  guint                 request_timeout_ms;
  libusb_context       *ctx;
  libusb_device_handle *handle;
  libusb_hotplug_callback_handle hotplug;
  gboolean              have_hotplug;
  volatile gint         hotplug_events;
  int                   iface;
  guint8                cur_alt;
  GArray               *alts;                /* AltInfo */
  guint16               transfer_size;
  guint16               detach_timeout;
  guint8                attributes;
  char                 *product;
  guint16               dev_id;
  guint8                last_address;        /* bus address before a reset */
  gboolean              detached;
};

static void ossp_dfu_transport_iface_init (OsspTransportInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OsspDfuTransport, ossp_dfu_transport, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (OSSP_TYPE_TRANSPORT,
                                                      ossp_dfu_transport_iface_init))

const char *
ossp_dfu_state_to_string (OsspDfuState state)
{
  static const char * const names[] = {
    "appIDLE", "appDETACH", "dfuIDLE", "dfuDNLOAD-SYNC", "dfuDNBUSY", "dfuDNLOAD-IDLE",
    "dfuMANIFEST-SYNC", "dfuMANIFEST", "dfuMANIFEST-WAIT-RESET", "dfuUPLOAD-IDLE", "dfuERROR",
  };
  return (guint) state < G_N_ELEMENTS (names) ? names[state] : "unknown state";
}

const char *
ossp_dfu_status_to_string (guint8 status)
{
  static const char * const names[] = {
    "OK", "errTARGET", "errFILE", "errWRITE", "errERASE", "errCHECK_ERASED", "errPROG",
    "errVERIFY", "errADDRESS", "errNOTDONE", "errFIRMWARE", "errVENDOR", "errUSBR", "errPOR",
    "errUNKNOWN", "errSTALLEDPKT",
  };
  return status < G_N_ELEMENTS (names) ? names[status] : "unknown status";
}

static void
alt_info_clear (AltInfo *a)
{
  g_free (a->name);
}

/* ---- errors ---- */

static int
usb_error_code (int rc)
{
  switch (rc)
    {
    case LIBUSB_ERROR_NO_DEVICE:
    case LIBUSB_ERROR_NOT_FOUND: return OSSP_ERROR_DEVICE;
    case LIBUSB_ERROR_TIMEOUT: return OSSP_ERROR_TIMEOUT;
    case LIBUSB_ERROR_PIPE:
    case LIBUSB_ERROR_OVERFLOW: return OSSP_ERROR_PROTOCOL;
    case LIBUSB_ERROR_ACCESS: return OSSP_ERROR_PERMISSION;
    case LIBUSB_ERROR_BUSY: return OSSP_ERROR_STATE;
    default: return OSSP_ERROR_IO;
    }
}

static const char *
usb_error_hint (int rc)
{
  switch (rc)
    {
    case LIBUSB_ERROR_NO_DEVICE: return "the device is gone (unplugged or reset)";
    case LIBUSB_ERROR_TIMEOUT: return "no answer in time";
    case LIBUSB_ERROR_PIPE: return "the device stalled the request";
    case LIBUSB_ERROR_ACCESS:
      return "permission denied (install the udev rule for 0483:df11 or join the 'plugdev' group)";
    case LIBUSB_ERROR_BUSY: return "another program holds the device (close STM32CubeProgrammer)";
    default: return libusb_strerror (rc);
    }
}

static const char *
alt_name (OsspDfuTransport *self,
          guint8            alt)
{
  if (self->alts != NULL)
    for (guint i = 0; i < self->alts->len; i++)
      if (g_array_index (self->alts, AltInfo, i).alt == alt)
        return g_array_index (self->alts, AltInfo, i).name;
  return "?";
}

static void
set_usb_error (OsspDfuTransport *self,
               GError          **error,
               int               rc,
               const char       *request)
{
  g_set_error (error, OSSP_ERROR, usb_error_code (rc), "%s: %s on alt %u (\"%s\"): %s",
               self->name, request, self->cur_alt, alt_name (self, self->cur_alt),
               usb_error_hint (rc));
}

static gboolean
check_cancel (GCancellable *cancellable,
              GError      **error)
{
  if (g_cancellable_is_cancelled (cancellable))
    {
      g_set_error_literal (error, OSSP_ERROR, OSSP_ERROR_CANCELLED, "Cancelled by the user");
      return TRUE;
    }
  return FALSE;
}

static gboolean
ensure_handle (OsspDfuTransport *self,
               GError          **error)
{
  if (self->handle != NULL)
    return TRUE;
  g_set_error (error, OSSP_ERROR, OSSP_ERROR_STATE,
               "%s: no DFU device is connected (wait for the device first)", self->name);
  return FALSE;
}

/* ---- selector and device search ---- */

static gboolean
parse_selector (OsspDfuTransport *self,
                const char       *selector,
                GError          **error)
{
  const char *rest;
  g_auto(GStrv) parts = NULL;

  if (!g_str_has_prefix (selector, "usb"))
    goto bad;
  rest = selector + 3;
  if (*rest == ':')
    rest++;
  self->want_n_ports = -1;
  if (*rest == '\0')
    {
      self->want_index = 1;
      return TRUE;
    }
  if (strchr (rest, '-') == NULL)
    {
      guint64 n;
      if (!g_ascii_string_to_unsigned (rest, 10, 1, 127, &n, NULL))
        goto bad;
      self->want_index = (guint) n;
      return TRUE;
    }
  /* BUS-PORT[.PORT…] as in sysfs */
  parts = g_strsplit_set (rest, "-.", -1);
  if (g_strv_length (parts) < 2 || g_strv_length (parts) > MAX_PORT_DEPTH + 1)
    goto bad;
  for (guint i = 0; parts[i]; i++)
    {
      guint64 n;
      if (!g_ascii_string_to_unsigned (parts[i], 10, i == 0 ? 0 : 1, 255, &n, NULL))
        goto bad;
      if (i == 0)
        self->want_bus = (guint8) n;
      else
        self->want_ports[i - 1] = (guint8) n;
    }
  self->want_n_ports = (int) g_strv_length (parts) - 1;
  self->port_path = g_strdup (rest);
  return TRUE;

bad:
  g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
               "USB port \"%s\" is not understood; use usb1 (first DFU device), usb:N, or "
               "usb:BUS-PORT as in 'lsusb -t' (e.g. usb:1-2)", selector);
  return FALSE;
}

static char *
device_path (libusb_device *dev)
{
  guint8 ports[MAX_PORT_DEPTH];
  int n = libusb_get_port_numbers (dev, ports, MAX_PORT_DEPTH);
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "%u", libusb_get_bus_number (dev));
  for (int i = 0; i < n; i++)
    g_string_append_printf (s, "%c%u", i == 0 ? '-' : '.', ports[i]);
  if (n <= 0)
    g_string_append_printf (s, "-0.%u", libusb_get_device_address (dev));
  return g_string_free (s, FALSE);
}

static gboolean
is_dfu_device (libusb_device *dev)
{
  struct libusb_device_descriptor desc;

  return libusb_get_device_descriptor (dev, &desc) == 0 &&
         desc.idVendor == OSSP_DFU_VID && desc.idProduct == OSSP_DFU_PID;
}

static gint
compare_devices (gconstpointer a,
                 gconstpointer b)
{
  g_autofree char *pa = device_path (*(libusb_device * const *) a);
  g_autofree char *pb = device_path (*(libusb_device * const *) b);
  return g_strcmp0 (pa, pb);
}

/* The DFU devices of @ctx in port order; each holds a reference. */
static GPtrArray *
list_dfu_devices (libusb_context *ctx)
{
  libusb_device **list = NULL;
  ssize_t n = libusb_get_device_list (ctx, &list);
  GPtrArray *found = g_ptr_array_new_with_free_func ((GDestroyNotify) libusb_unref_device);

  for (ssize_t i = 0; i < n; i++)
    if (is_dfu_device (list[i]))
      g_ptr_array_add (found, libusb_ref_device (list[i]));
  if (list != NULL)
    libusb_free_device_list (list, 1);
  g_ptr_array_sort (found, compare_devices);
  return found;
}

static libusb_device *
find_device (OsspDfuTransport *self)
{
  g_autoptr(GPtrArray) devs = list_dfu_devices (self->ctx);

  for (guint i = 0; i < devs->len; i++)
    {
      libusb_device *dev = g_ptr_array_index (devs, i);
      if (self->want_n_ports < 0)
        {
          if (i + 1 == self->want_index)
            return libusb_ref_device (dev);
          continue;
        }
      if (libusb_get_bus_number (dev) == self->want_bus)
        {
          guint8 ports[MAX_PORT_DEPTH];
          int n = libusb_get_port_numbers (dev, ports, MAX_PORT_DEPTH);
          if (n == self->want_n_ports && memcmp (ports, self->want_ports, (gsize) n) == 0)
            return libusb_ref_device (dev);
        }
    }
  return NULL;
}

/* ---- opening one device instance ---- */

static gint
parse_phase_from_name (const char *name)
{
  /* "@SSP /0xF3/1*512Ba" → 0xF3 */
  const char *p = strstr (name, "/0x");
  guint64 v;
  char hex[3] = { 0 };

  if (p == NULL || !g_ascii_isxdigit (p[3]) || !g_ascii_isxdigit (p[4]))
    return -1;
  hex[0] = p[3];
  hex[1] = p[4];
  if (!g_ascii_string_to_unsigned (hex, 16, 0, 255, &v, NULL))
    return -1;
  return (gint) v;
}

static void
close_handle (OsspDfuTransport *self)
{
  if (self->handle != NULL)
    {
      libusb_release_interface (self->handle, self->iface);
      libusb_close (self->handle);
      self->handle = NULL;
    }
  if (self->alts != NULL)
    g_array_set_size (self->alts, 0);
  g_clear_pointer (&self->product, g_free);
}

static char *
get_string (libusb_device_handle *handle,
            guint8                index)
{
  unsigned char buf[256];
  int n;

  if (index == 0)
    return g_strdup ("");
  n = libusb_get_string_descriptor_ascii (handle, index, buf, sizeof buf);
  if (n < 0)
    return g_strdup ("");
  return g_strndup ((const char *) buf, (gsize) n);
}

static gboolean
open_device (OsspDfuTransport *self,
             libusb_device    *dev,
             GError          **error)
{
  struct libusb_device_descriptor desc;
  struct libusb_config_descriptor *config = NULL;
  const struct libusb_interface *dfu_iface = NULL;
  const char *dev_id_text;
  int rc;

  close_handle (self);
  rc = libusb_open (dev, &self->handle);
  if (rc != 0)
    {
      self->handle = NULL;
      g_set_error (error, OSSP_ERROR, usb_error_code (rc), "%s: cannot open the DFU device: %s",
                   self->name, usb_error_hint (rc));
      return FALSE;
    }
  libusb_get_device_descriptor (dev, &desc);
  rc = libusb_get_active_config_descriptor (dev, &config);
  if (rc != 0)
    rc = libusb_get_config_descriptor (dev, 0, &config);
  if (rc != 0)
    {
      g_set_error (error, OSSP_ERROR, usb_error_code (rc),
                   "%s: cannot read the configuration descriptor: %s", self->name,
                   usb_error_hint (rc));
      close_handle (self);
      return FALSE;
    }
  /* the DFU-mode interface: class 0xFE, subclass 0x01, protocol 0x02 */
  for (int i = 0; i < config->bNumInterfaces && dfu_iface == NULL; i++)
    {
      const struct libusb_interface_descriptor *d = &config->interface[i].altsetting[0];
      if (config->interface[i].num_altsetting > 0 && d->bInterfaceClass == 0xFE &&
          d->bInterfaceSubClass == 0x01)
        dfu_iface = &config->interface[i];
    }
  if (dfu_iface == NULL)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_PROTOCOL,
                   "%s: 0483:DF11 has no DFU interface (class 0xFE/0x01)", self->name);
      libusb_free_config_descriptor (config);
      close_handle (self);
      return FALSE;
    }
  self->iface = dfu_iface->altsetting[0].bInterfaceNumber;
  self->transfer_size = 1024;
  self->detach_timeout = 1000;
  self->attributes = 0x0F;
  for (int a = 0; a < dfu_iface->num_altsetting; a++)
    {
      const struct libusb_interface_descriptor *d = &dfu_iface->altsetting[a];
      AltInfo info = { 0 };

      /* the DFU functional descriptor (type 0x21) follows the interface */
      for (int off = 0; off + 9 <= d->extra_length; off += MAX (d->extra[off], 1))
        if (d->extra[off + 1] == 0x21 && d->extra[off] >= 7)
          {
            self->attributes = d->extra[off + 2];
            self->detach_timeout = (guint16) (d->extra[off + 3] | (d->extra[off + 4] << 8));
            self->transfer_size = (guint16) (d->extra[off + 5] | (d->extra[off + 6] << 8));
          }
      info.alt = d->bAlternateSetting;
      info.name = get_string (self->handle, d->iInterface);
      info.phase = parse_phase_from_name (info.name);
      g_array_append_val (self->alts, info);
    }
  libusb_free_config_descriptor (config);
  if (self->transfer_size == 0)
    self->transfer_size = 1024;

  self->product = get_string (self->handle, desc.iProduct);
  dev_id_text = strstr (self->product, "Device ID /0x");
  self->dev_id = 0;
  if (dev_id_text != NULL)
    self->dev_id = (guint16) g_ascii_strtoull (dev_id_text + strlen ("Device ID /0x"), NULL, 16);

  libusb_set_auto_detach_kernel_driver (self->handle, 1);
  rc = libusb_claim_interface (self->handle, self->iface);
  if (rc != 0)
    {
      g_set_error (error, OSSP_ERROR, usb_error_code (rc),
                   "%s: cannot claim the DFU interface %d: %s", self->name, self->iface,
                   usb_error_hint (rc));
      close_handle (self);
      return FALSE;
    }
  self->cur_alt = 0;
  self->last_address = libusb_get_device_address (dev);
  if (self->port_path == NULL)
    {
      guint8 ports[MAX_PORT_DEPTH];
      int n = libusb_get_port_numbers (dev, ports, MAX_PORT_DEPTH);
      self->port_path = device_path (dev);
      /* from now on follow this port, across the chip's resets */
      if (n > 0)
        {
          self->want_bus = libusb_get_bus_number (dev);
          memcpy (self->want_ports, ports, (gsize) n);
          self->want_n_ports = n;
        }
    }
  g_debug ("%s: opened %s (\"%s\"), %u alternate settings, transfer size %u", self->name,
           self->port_path, self->product, self->alts->len, self->transfer_size);
  return TRUE;
}

/* ---- DFU requests ---- */

static int
control (OsspDfuTransport *self,
         guint8            request_type,
         guint8            request,
         guint16           value,
         guint8           *data,
         guint16           length)
{
  return libusb_control_transfer (self->handle, request_type, request, value,
                                  (guint16) self->iface, data, length, self->request_timeout_ms);
}

static gboolean
select_alt (OsspDfuTransport *self,
            guint8            alt,
            GError          **error)
{
  int rc;

  if (!ensure_handle (self, error))
    return FALSE;
  rc = libusb_set_interface_alt_setting (self->handle, self->iface, alt);
  self->cur_alt = alt;
  if (rc != 0)
    {
      set_usb_error (self, error, rc, "SET_INTERFACE");
      return FALSE;
    }
  return TRUE;
}

gboolean
ossp_dfu_transport_get_status (OsspDfuTransport *self,
                               guint8           *out_status,
                               OsspDfuState     *out_state,
                               guint            *out_poll_ms,
                               GError          **error)
{
  guint8 buf[6];
  int rc;

  g_return_val_if_fail (OSSP_IS_DFU_TRANSPORT (self), FALSE);
  if (!ensure_handle (self, error))
    return FALSE;
  rc = control (self, 0xA1, OSSP_DFU_GETSTATUS, 0, buf, sizeof buf);
  if (rc < 0)
    {
      set_usb_error (self, error, rc, "DFU_GETSTATUS");
      return FALSE;
    }
  if (rc != 6)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_PROTOCOL,
                   "%s: DFU_GETSTATUS returned %d bytes instead of 6", self->name, rc);
      return FALSE;
    }
  if (out_status)
    *out_status = buf[0];
  if (out_poll_ms)
    *out_poll_ms = (guint) buf[1] | ((guint) buf[2] << 8) | ((guint) buf[3] << 16);
  if (out_state)
    *out_state = (OsspDfuState) buf[4];
  return TRUE;
}

/* Bring the alternate setting to dfuIDLE: clear an error, abort a
 * half-finished upload/download. */
static gboolean
ensure_idle (OsspDfuTransport *self,
             GError          **error)
{
  for (guint i = 0; i < 3; i++)
    {
      guint8 status;
      OsspDfuState state;
      int rc = 0;

      if (!ossp_dfu_transport_get_status (self, &status, &state, NULL, error))
        return FALSE;
      if (state == OSSP_DFU_STATE_IDLE)
        return TRUE;
      if (state == OSSP_DFU_STATE_ERROR)
        rc = control (self, 0x21, OSSP_DFU_CLRSTATUS, 0, NULL, 0);
      else
        rc = control (self, 0x21, OSSP_DFU_ABORT, 0, NULL, 0);
      if (rc < 0)
        {
          set_usb_error (self, error, rc,
                         state == OSSP_DFU_STATE_ERROR ? "DFU_CLRSTATUS" : "DFU_ABORT");
          return FALSE;
        }
      g_debug ("%s: alt %u was in %s (%s); reset to idle", self->name, self->cur_alt,
               ossp_dfu_state_to_string (state), ossp_dfu_status_to_string (status));
    }
  g_set_error (error, OSSP_ERROR, OSSP_ERROR_PROTOCOL,
               "%s: alt %u does not return to dfuIDLE", self->name, self->cur_alt);
  return FALSE;
}

static gint
find_alt_by_phase (OsspDfuTransport *self,
                   guint8            phase)
{
  for (guint i = 0; i < self->alts->len; i++)
    if (g_array_index (self->alts, AltInfo, i).phase == phase)
      return g_array_index (self->alts, AltInfo, i).alt;
  return -1;
}

/* The SSP alternate setting is alt 0 in both FSBL-SSP layouts of §4.1
 * ("@Partition0 /0x00" on MP15, "@SSP /0xF3" on MP13). */
static gint
ssp_alt (OsspDfuTransport *self)
{
  gint alt = find_alt_by_phase (self, OSSP_PHASE_SSP);

  if (alt >= 0)
    return alt;
  if (self->alts->len > 0 && find_alt_by_phase (self, OSSP_PHASE_CMD) >= 0)
    return g_array_index (self->alts, AltInfo, 0).alt;
  return -1;
}

/* An MP15 FSBL-SSP lays out its alts with "@Partition0 /0x00" first. */
static gboolean
layout_is_mp15_ssp (OsspDfuTransport *self)
{
  return self->alts->len > 0 && g_array_index (self->alts, AltInfo, 0).phase == 0x00 &&
         find_alt_by_phase (self, OSSP_PHASE_CMD) >= 0;
}

static gint
upload (OsspDfuTransport *self,
        guint8            alt,
        guint8           *buf,
        guint16           length,
        const char       *what,
        GError          **error)
{
  int rc;
  g_autofree char *request = NULL;

  if (!select_alt (self, alt, error) || !ensure_idle (self, error))
    return -1;
  rc = control (self, 0xA1, OSSP_DFU_UPLOAD, 0, buf, length);
  if (rc < 0)
    {
      request = g_strdup_printf ("DFU_UPLOAD block 0 (%s)", what);
      set_usb_error (self, error, rc, request);
      return -1;
    }
  if (rc == length)
    {
      /* a full frame leaves the device in dfuUPLOAD-IDLE: end the upload */
      control (self, 0x21, OSSP_DFU_ABORT, 0, NULL, 0);
    }
  return rc;
}

OsspPhaseInfo *
ossp_dfu_transport_parse_phase (const guint8 *buf,
                                gsize         n,
                                gboolean      mp15_ssp_layout,
                                GError      **error)
{
  g_autoptr(OsspPhaseInfo) info = NULL;

  if (n < DFU_HEADER_LEN)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_PROTOCOL,
                   "%" G_GSIZE_FORMAT " bytes; at least 9 expected (phase, address, 4 zero bytes)", n);
      return NULL;
    }
  info = g_new0 (OsspPhaseInfo, 1);
  info->phase = buf[0];
  info->address = ossp_read_le32 (buf + 1);
  if (info->phase == OSSP_PHASE_FLASHLAYOUT && info->address == 0xFFFFFFFF)
    {
      info->detach = n > DFU_HEADER_LEN && buf[DFU_HEADER_LEN] == 0x01;
      info->message = g_strdup ("");
    }
  else if (info->phase == OSSP_PHASE_RESET && n > DFU_HEADER_LEN)
    {
      info->message = g_strndup ((const char *) buf + DFU_HEADER_LEN, n - DFU_HEADER_LEN);
      for (char *c = info->message; *c; c++)
        if (!g_ascii_isprint (*c) && *c != '\n')
          *c = '?';
    }
  else
    info->message = g_strdup ("");
  /* an MP15 FSBL-SSP reports its SSP phase as 0x00 ("fix phase to
   * flashlayout", §4.1): callers see 0xF3 on both links */
  if (info->phase == OSSP_PHASE_FLASHLAYOUT && info->address != 0xFFFFFFFF && mp15_ssp_layout)
    info->phase = OSSP_PHASE_SSP;
  return g_steal_pointer (&info);
}

static OsspPhaseInfo *
dfu_get_phase (OsspTransport *transport,
               GCancellable  *cancellable,
               GError       **error)
{
  OsspDfuTransport *self = OSSP_DFU_TRANSPORT (transport);
  guint8 buf[UPLOAD_LENGTH];
  g_autoptr(OsspPhaseInfo) info = NULL;
  gint alt;
  gint n;

  if (!ensure_handle (self, error) || check_cancel (cancellable, error))
    return NULL;
  alt = find_alt_by_phase (self, OSSP_PHASE_CMD);
  info = g_new0 (OsspPhaseInfo, 1);
  if (alt < 0)
    {
      /* a ROM stage without a GetPhase alt: it only takes the FSBL */
      if (find_alt_by_phase (self, OSSP_PHASE_FSBL) < 0)
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_PROTOCOL,
                       "%s: the device has neither a GetPhase alt (\"/0xF1\") nor an FSBL alt "
                       "(\"/0x01\"); is it an STM32MP in serial boot?", self->name);
          return NULL;
        }
      info->phase = OSSP_PHASE_FSBL;
      info->message = g_strdup ("");
      return g_steal_pointer (&info);
    }
  n = upload (self, (guint8) alt, buf, sizeof buf, "GetPhase", error);
  if (n < 0)
    return NULL;
  g_clear_pointer (&info, ossp_phase_info_free);
  info = ossp_dfu_transport_parse_phase (buf, (gsize) n, layout_is_mp15_ssp (self), error);
  if (info == NULL)
    {
      g_prefix_error (error, "%s: GetPhase (DFU_UPLOAD on alt %d): ", self->name, alt);
      return NULL;
    }
  g_debug ("%s: GetPhase: phase 0x%02X address 0x%08X detach %d \"%s\"", self->name, info->phase,
           info->address, info->detach, info->message);
  return g_steal_pointer (&info);
}

static GBytes *
dfu_read_partition (OsspTransport *transport,
                    guint8         partition,
                    gsize          length,
                    GCancellable  *cancellable,
                    GError       **error)
{
  OsspDfuTransport *self = OSSP_DFU_TRANSPORT (transport);
  guint8 buf[UPLOAD_LENGTH];
  gint alt;
  gint n;

  if (!ensure_handle (self, error) || check_cancel (cancellable, error))
    return NULL;
  alt = partition == OSSP_PHASE_SSP ? ssp_alt (self) : find_alt_by_phase (self, partition);
  if (alt < 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_PROTOCOL,
                   "%s: the device offers no alternate setting for partition 0x%02X", self->name,
                   partition);
      return NULL;
    }
  /* 9-byte phase header, then the data (§4.1: 145 bytes for the certificate) */
  n = upload (self, (guint8) alt, buf, sizeof buf, "partition read", error);
  if (n < 0)
    return NULL;
  if ((gsize) n < DFU_HEADER_LEN + length)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_PROTOCOL,
                   "%s: DFU_UPLOAD on alt %d returned %d bytes; expected %" G_GSIZE_FORMAT
                   " (9-byte header + %" G_GSIZE_FORMAT " bytes of partition 0x%02X)",
                   self->name, alt, n, DFU_HEADER_LEN + length, length, partition);
      return NULL;
    }
  if (buf[0] != OSSP_PHASE_SSP && buf[0] != OSSP_PHASE_FLASHLAYOUT)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_PROTOCOL,
                   "%s: DFU_UPLOAD on alt %d: byte 0 of the header is phase 0x%02X; the SSP "
                   "phase (0xF3, or 0x00 on MP15) was expected", self->name, alt, buf[0]);
      return NULL;
    }
  return g_bytes_new (buf + DFU_HEADER_LEN, length);
}

/* GETSTATUS until the device leaves its busy states, honouring
 * bwPollTimeout; bounded by BUSY_LIMIT_MS. */
static gboolean
wait_status (OsspDfuTransport *self,
             const char       *what,
             OsspDfuState     *out_state,
             GCancellable     *cancellable,
             GError          **error)
{
  gint64 deadline = g_get_monotonic_time () + BUSY_LIMIT_MS * 1000;

  for (;;)
    {
      guint8 status;
      OsspDfuState state;
      guint poll_ms;

      if (check_cancel (cancellable, error))
        return FALSE;
      if (!ossp_dfu_transport_get_status (self, &status, &state, &poll_ms, error))
        {
          g_prefix_error (error, "after %s: ", what);
          return FALSE;
        }
      if (state == OSSP_DFU_STATE_ERROR || status != 0)
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_DEVICE,
                       "%s: the device refused %s: status %s (0x%02X), state %s", self->name,
                       what, ossp_dfu_status_to_string (status), status,
                       ossp_dfu_state_to_string (state));
          control (self, 0x21, OSSP_DFU_CLRSTATUS, 0, NULL, 0);
          return FALSE;
        }
      if (state != OSSP_DFU_STATE_DNBUSY && state != OSSP_DFU_STATE_DNLOAD_SYNC &&
          state != OSSP_DFU_STATE_MANIFEST_SYNC && state != OSSP_DFU_STATE_MANIFEST)
        {
          *out_state = state;
          return TRUE;
        }
      if (g_get_monotonic_time () > deadline)
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_TIMEOUT,
                       "%s: the device stayed in %s for more than %u ms after %s", self->name,
                       ossp_dfu_state_to_string (state), BUSY_LIMIT_MS, what);
          return FALSE;
        }
      g_usleep ((gulong) MIN (poll_ms, 1000u) * 1000);
    }
}

static gboolean
dfu_download (OsspTransport *transport,
              guint8         partition,
              GBytes        *bytes,
              OsspTransportProgressFunc progress,
              gpointer       progress_data,
              GCancellable  *cancellable,
              GError       **error)
{
  OsspDfuTransport *self = OSSP_DFU_TRANSPORT (transport);
  gsize total;
  const guint8 *data = g_bytes_get_data (bytes, &total);
  guint16 block = 0;
  OsspDfuState state;
  gint alt;
  int rc;

  if (!ensure_handle (self, error) || check_cancel (cancellable, error))
    return FALSE;
  alt = partition == OSSP_PHASE_SSP ? ssp_alt (self) : find_alt_by_phase (self, partition);
  if (alt < 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_PROTOCOL,
                   "%s: the device offers no alternate setting for partition 0x%02X%s",
                   self->name, partition,
                   partition == OSSP_PHASE_FSBL ? " (is the ROM in USB serial boot?)" : "");
      return FALSE;
    }
  if (!select_alt (self, (guint8) alt, error) || !ensure_idle (self, error))
    return FALSE;

  for (gsize off = 0; off < total; block++)
    {
      gsize len = MIN ((gsize) self->transfer_size, total - off);
      g_autofree char *what = g_strdup_printf ("DFU_DNLOAD block %u", block);

      rc = control (self, 0x21, OSSP_DFU_DNLOAD, block, (guint8 *) data + off, (guint16) len);
      if (rc < 0)
        {
          set_usb_error (self, error, rc, what);
          return FALSE;
        }
      if ((gsize) rc != len)
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_PROTOCOL,
                       "%s: %s took %d of %" G_GSIZE_FORMAT " bytes", self->name, what, rc, len);
          return FALSE;
        }
      if (!wait_status (self, what, &state, cancellable, error))
        return FALSE;
      if (state != OSSP_DFU_STATE_DNLOAD_IDLE)
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_PROTOCOL,
                       "%s: after %s the device is in %s, not dfuDNLOAD-IDLE", self->name, what,
                       ossp_dfu_state_to_string (state));
          return FALSE;
        }
      off += len;
      if (progress)
        progress (off, total, progress_data);
    }

  /* zero-length DNLOAD → manifestation */
  rc = control (self, 0x21, OSSP_DFU_DNLOAD, block, NULL, 0);
  if (rc < 0)
    {
      set_usb_error (self, error, rc, "DFU_DNLOAD (zero length, manifestation)");
      return FALSE;
    }
  if (!wait_status (self, "the manifestation", &state, cancellable, error))
    return FALSE;
  if (state != OSSP_DFU_STATE_IDLE && state != OSSP_DFU_STATE_MANIFEST_WAIT_RESET)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_PROTOCOL,
                   "%s: after the manifestation the device is in %s, not dfuIDLE", self->name,
                   ossp_dfu_state_to_string (state));
      return FALSE;
    }
  return TRUE;
}

static gboolean
dfu_start (OsspTransport *transport,
           guint32        address,
           GCancellable  *cancellable,
           GError       **error)
{
  /* DFU has no START: the manifestation ended the download, and the
   * hand-over happens at DFU_DETACH (reset()). */
  return ensure_handle (OSSP_DFU_TRANSPORT (transport), error);
}

static gboolean
dfu_reset (OsspTransport *transport,
           GCancellable  *cancellable,
           GError       **error)
{
  OsspDfuTransport *self = OSSP_DFU_TRANSPORT (transport);
  int rc;

  if (!ensure_handle (self, error))
    return FALSE;
  rc = control (self, 0x21, OSSP_DFU_DETACH, self->detach_timeout, NULL, 0);
  /* the device may leave the bus before it answers */
  if (rc < 0 && rc != LIBUSB_ERROR_NO_DEVICE && rc != LIBUSB_ERROR_IO &&
      rc != LIBUSB_ERROR_PIPE && rc != LIBUSB_ERROR_TIMEOUT)
    {
      set_usb_error (self, error, rc, "DFU_DETACH");
      close_handle (self);
      return FALSE;
    }
  if (rc < 0)
    g_debug ("%s: DFU_DETACH: %s (device already leaving)", self->name, libusb_strerror (rc));
  close_handle (self);
  self->detached = TRUE;
  return TRUE;
}

static int LIBUSB_CALL
hotplug_cb (libusb_context        *ctx,
            libusb_device         *device,
            libusb_hotplug_event   event,
            void                  *user_data)
{
  OsspDfuTransport *self = user_data;
  g_atomic_int_inc (&self->hotplug_events);
  return 0;
}

/* Sleep until the next poll, or until a hotplug event says something
 * changed on the bus. */
static void
wait_for_bus_change (OsspDfuTransport *self)
{
  if (self->have_hotplug)
    {
      struct timeval tv = { 0, POLL_INTERVAL_MS * 1000 };
      libusb_handle_events_timeout_completed (self->ctx, &tv, NULL);
    }
  else
    g_usleep (POLL_INTERVAL_MS * 1000);
}

static OsspTransportStage
dfu_wait_device (OsspTransport *transport,
                 guint          announce_ms,
                 guint          timeout_ms,
                 GCancellable  *cancellable,
                 GError       **error)
{
  OsspDfuTransport *self = OSSP_DFU_TRANSPORT (transport);
  gint64 start = g_get_monotonic_time ();
  gint64 announce_end = start + (gint64) announce_ms * 1000;
  gint64 deadline = start + (gint64) MAX (timeout_ms, announce_ms) * 1000;
  g_autoptr(GError) last_error = NULL;
  gboolean seen_gone = !self->detached;

  if (self->ctx == NULL)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_STATE, "%s: open the transport first",
                   self->name);
      return OSSP_TRANSPORT_STAGE_NONE;
    }
  for (;;)
    {
      libusb_device *dev;

      if (check_cancel (cancellable, error))
        return OSSP_TRANSPORT_STAGE_NONE;
      if (self->handle == NULL && (dev = find_device (self)) != NULL)
        {
          gboolean same = libusb_get_device_address (dev) == self->last_address;
          /* right after DFU_DETACH the old instance may still be listed:
           * wait for it to go, unless it never does (MP15 may keep the
           * ROM's USB configuration) */
          if (seen_gone || !same || g_get_monotonic_time () >= announce_end)
            {
              g_clear_error (&last_error);
              if (!open_device (self, dev, &last_error))
                g_debug ("%s: %s", self->name, last_error->message);
            }
          libusb_unref_device (dev);
        }
      else if (self->handle == NULL)
        seen_gone = TRUE;

      if (self->handle != NULL)
        {
          g_autoptr(OsspPhaseInfo) info = NULL;
          g_clear_error (&last_error);
          info = dfu_get_phase (transport, cancellable, &last_error);
          if (info != NULL)
            {
              self->detached = FALSE;
              return info->phase == OSSP_PHASE_FSBL ? OSSP_TRANSPORT_STAGE_ROM
                                                    : OSSP_TRANSPORT_STAGE_FSBL;
            }
          g_debug ("%s: %s", self->name, last_error->message);
          close_handle (self);
        }
      if (g_get_monotonic_time () >= deadline)
        break;
      wait_for_bus_change (self);
    }
  if (last_error != NULL && last_error->code == OSSP_ERROR_PERMISSION)
    {
      g_propagate_error (error, g_steal_pointer (&last_error));
      return OSSP_TRANSPORT_STAGE_NONE;
    }
  g_set_error (error, OSSP_ERROR, OSSP_ERROR_TIMEOUT,
               "%s: no STM32 DFU device (0483:DF11) answered within %u ms%s%s", self->name,
               MAX (timeout_ms, announce_ms), last_error ? ": " : "",
               last_error ? last_error->message : "");
  return OSSP_TRANSPORT_STAGE_NONE;
}

static gboolean
dfu_get_device_id (OsspTransport *transport,
                   guint16       *out_dev_id,
                   GCancellable  *cancellable,
                   GError       **error)
{
  OsspDfuTransport *self = OSSP_DFU_TRANSPORT (transport);

  if (!ensure_handle (self, error))
    return FALSE;
  if (self->dev_id == 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_PROTOCOL,
                   "%s: the product string \"%s\" does not name the chip (\"@Device ID /0x…\")",
                   self->name, self->product);
      return FALSE;
    }
  if (out_dev_id)
    *out_dev_id = self->dev_id;
  return TRUE;
}

static gboolean
dfu_open (OsspTransport *transport,
          GCancellable  *cancellable,
          GError       **error)
{
  OsspDfuTransport *self = OSSP_DFU_TRANSPORT (transport);
  int rc;

  if (self->ctx != NULL)
    return TRUE;
  rc = libusb_init (&self->ctx);
  if (rc != 0)
    {
      self->ctx = NULL;
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_IO, "Cannot start libusb: %s",
                   libusb_strerror (rc));
      return FALSE;
    }
  self->have_hotplug = FALSE;
  if (libusb_has_capability (LIBUSB_CAP_HAS_HOTPLUG))
    {
      rc = libusb_hotplug_register_callback (self->ctx,
                                             LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED |
                                             LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT,
                                             0, OSSP_DFU_VID, OSSP_DFU_PID,
                                             LIBUSB_HOTPLUG_MATCH_ANY, hotplug_cb, self,
                                             &self->hotplug);
      self->have_hotplug = rc == LIBUSB_SUCCESS;
    }
  return TRUE;
}

static void
dfu_close (OsspTransport *transport)
{
  OsspDfuTransport *self = OSSP_DFU_TRANSPORT (transport);

  close_handle (self);
  if (self->ctx != NULL)
    {
      if (self->have_hotplug)
        libusb_hotplug_deregister_callback (self->ctx, self->hotplug);
      libusb_exit (self->ctx);
      self->ctx = NULL;
    }
}

static const char *
dfu_get_name (OsspTransport *transport)
{
  return OSSP_DFU_TRANSPORT (transport)->name;
}

static const char *
dfu_get_kind (OsspTransport *transport)
{
  return "usb";
}

static void
ossp_dfu_transport_iface_init (OsspTransportInterface *iface)
{
  iface->get_name = dfu_get_name;
  iface->get_kind = dfu_get_kind;
  iface->open = dfu_open;
  iface->close = dfu_close;
  iface->wait_device = dfu_wait_device;
  iface->get_device_id = dfu_get_device_id;
  iface->get_phase = dfu_get_phase;
  iface->read_partition = dfu_read_partition;
  iface->download = dfu_download;
  iface->start = dfu_start;
  iface->reset = dfu_reset;
}

static void
ossp_dfu_transport_finalize (GObject *object)
{
  OsspDfuTransport *self = OSSP_DFU_TRANSPORT (object);

  dfu_close (OSSP_TRANSPORT (self));
  g_array_unref (self->alts);
  g_free (self->selector);
  g_free (self->name);
  g_free (self->port_path);
  g_free (self->product);
  G_OBJECT_CLASS (ossp_dfu_transport_parent_class)->finalize (object);
}

static void
ossp_dfu_transport_class_init (OsspDfuTransportClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ossp_dfu_transport_finalize;
}

static void
ossp_dfu_transport_init (OsspDfuTransport *self)
{
  self->request_timeout_ms = DEFAULT_REQUEST_TIMEOUT_MS;
  self->alts = g_array_new (FALSE, TRUE, sizeof (AltInfo));
  g_array_set_clear_func (self->alts, (GDestroyNotify) alt_info_clear);
  self->want_n_ports = -1;
}

OsspDfuTransport *
ossp_dfu_transport_new (const char *selector,
                        GError    **error)
{
  g_autoptr(OsspDfuTransport) self = g_object_new (OSSP_TYPE_DFU_TRANSPORT, NULL);

  g_return_val_if_fail (selector != NULL, NULL);
  if (!parse_selector (self, selector, error))
    return NULL;
  self->selector = g_strdup (selector);
  self->name = self->port_path ? g_strdup_printf ("usb:%s", self->port_path)
                               : g_strdup_printf ("usb%u", self->want_index);
  return g_steal_pointer (&self);
}

void
ossp_dfu_transport_set_request_timeout (OsspDfuTransport *self,
                                        guint             timeout_ms)
{
  g_return_if_fail (OSSP_IS_DFU_TRANSPORT (self));
  self->request_timeout_ms = MAX (timeout_ms, 1);
}

const char *
ossp_dfu_transport_get_port_path (OsspDfuTransport *self)
{
  g_return_val_if_fail (OSSP_IS_DFU_TRANSPORT (self), NULL);
  return self->port_path;
}

guint
ossp_dfu_transport_get_n_alts (OsspDfuTransport *self)
{
  g_return_val_if_fail (OSSP_IS_DFU_TRANSPORT (self), 0);
  return self->alts->len;
}

const char *
ossp_dfu_transport_get_alt_name (OsspDfuTransport *self,
                                 guint             alt)
{
  g_return_val_if_fail (OSSP_IS_DFU_TRANSPORT (self), NULL);
  return alt < self->alts->len ? g_array_index (self->alts, AltInfo, alt).name : NULL;
}

GStrv
ossp_dfu_transport_list_ports (GStrv   *out_descriptions,
                               GError **error)
{
  libusb_context *ctx = NULL;
  g_autoptr(GStrvBuilder) ports = g_strv_builder_new ();
  g_autoptr(GStrvBuilder) descs = g_strv_builder_new ();
  g_autoptr(GPtrArray) devs = NULL;
  int rc = libusb_init (&ctx);

  if (rc != 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_IO, "Cannot start libusb: %s",
                   libusb_strerror (rc));
      return NULL;
    }
  devs = list_dfu_devices (ctx);
  for (guint i = 0; i < devs->len; i++)
    {
      libusb_device *dev = g_ptr_array_index (devs, i);
      libusb_device_handle *h = NULL;
      struct libusb_device_descriptor desc;
      g_autofree char *path = device_path (dev);
      g_autofree char *port = g_strdup_printf ("usb:%s", path);
      g_autofree char *product = NULL;

      libusb_get_device_descriptor (dev, &desc);
      if (libusb_open (dev, &h) == 0)
        {
          product = get_string (h, desc.iProduct);
          libusb_close (h);
        }
      g_strv_builder_add (ports, port);
      g_strv_builder_add (descs, product && *product ? product : "STM32 DFU device");
    }
  g_clear_pointer (&devs, g_ptr_array_unref);
  libusb_exit (ctx);
  if (out_descriptions)
    *out_descriptions = g_strv_builder_end (descs);
  return g_strv_builder_end (ports);
}
