/* ossp-sim-dfu-device.c — DFU 1.1 device of the simulated BootROM and FSBL-SSP
 *
 * FSBL-SSP (ssp-flow.md §4.1): alternate settings per chip, GetPhase =
 * UPLOAD on the "@virtual /0xF1" alt, certificate = 9-byte header + 136
 * bytes on the SSP alt, license ‖ payload by DNLOAD (wValue ignored, data
 * appended), zero-length DNLOAD → manifestation (GETSTATUS answers
 * dfuMANIFEST, 1 ms), then GetPhase carries the detach flag; DETACH in any
 * state ends the loop. BootROM (§4.3, ours): "@FSBL /0x01" + "@virtual
 * /0xF1"; the image is checked at manifestation, started at DETACH.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "ossp-sim-dfu-device.h"

/* DFU 1.1 requests, states and status codes */
enum { DFU_DETACH, DFU_DNLOAD, DFU_UPLOAD, DFU_GETSTATUS, DFU_CLRSTATUS, DFU_GETSTATE, DFU_ABORT };
enum {
  APP_IDLE, APP_DETACH, DFU_IDLE, DFU_DNLOAD_SYNC, DFU_DNBUSY, DFU_DNLOAD_IDLE, DFU_MANIFEST_SYNC,
  DFU_MANIFEST, DFU_MANIFEST_WAIT_RESET, DFU_UPLOAD_IDLE, DFU_ERROR,
};
enum { ST_OK = 0x00, ST_ERR_FILE = 0x02, ST_ERR_VERIFY = 0x07, ST_ERR_ADDRESS = 0x08, ST_ERR_UNKNOWN = 0x0E };

#define PHASE_FLASHLAYOUT 0x00
#define PHASE_FSBL        0x01
#define PHASE_CMD         0xF1
#define PHASE_SSP         0xF3
#define PHASE_RESET       0xFF
#define UNDEFINED_ADDR    0xFFFFFFFFu
#define TRANSFER_SIZE     1024
#define PHASE_HEADER      9

/* string descriptor indices */
enum { STR_LANG, STR_MANUFACTURER, STR_PRODUCT, STR_SERIAL, STR_CONFIG, STR_INTERFACE, STR_ALT0 };

struct _OsspSimDfuDevice
{
  GObject          parent_instance;

  OsspSimBoard    *board;
  guint            halt_reset_ms;

  /* enumeration */
  gboolean         connected;
  gboolean         gone;           /* drop-link fault: never comes back */
  guint            generation;
  gboolean         fsbl;
  OsspSimFsblPath  session;
  GPtrArray       *alts;
  guint            phase_alt;
  guint            ssp_alt;

  /* DFU state */
  guint            alt;
  guint8           state;
  guint8           status;
  guint8           poll_ms;

  /* ROM */
  GByteArray      *image;
  gboolean         image_ok;

  /* FSBL */
  guint8           phase;
  guint32          address;
  gboolean         detach_flag;
  char             msg[64];
  gsize            msg_len;
  gboolean         v22_raise_detach;

  /* events and faults */
  gboolean         reset_pending;
  gboolean         fault_reset;
  guint64          steps;
  guint64          in_bytes;
  guint            data_packets;
};

G_DEFINE_FINAL_TYPE (OsspSimDfuDevice, ossp_sim_dfu_device, G_TYPE_OBJECT)

static void
ossp_sim_dfu_device_finalize (GObject *object)
{
  OsspSimDfuDevice *self = OSSP_SIM_DFU_DEVICE (object);

  g_clear_object (&self->board);
  g_clear_pointer (&self->alts, g_ptr_array_unref);
  g_clear_pointer (&self->image, g_byte_array_unref);
  G_OBJECT_CLASS (ossp_sim_dfu_device_parent_class)->finalize (object);
}

static void
ossp_sim_dfu_device_class_init (OsspSimDfuDeviceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ossp_sim_dfu_device_finalize;
}

static void
ossp_sim_dfu_device_init (OsspSimDfuDevice *self)
{
  self->alts = g_ptr_array_new_with_free_func (g_free);
  self->image = g_byte_array_new ();
}

static gboolean
is_v26 (OsspSimDfuDevice *self)
{
  return ossp_sim_board_get_fsbl_version (self->board) == OSSP_SIM_FSBL_V2_6;
}

static const char *
chip_id (OsspSimDfuDevice *self)
{
  return ossp_chip_get_id (ossp_sim_board_get_chip (self->board));
}

static void
set_alts (OsspSimDfuDevice  *self,
          const char *const *names,
          guint              phase_alt,
          guint              ssp_alt)
{
  g_ptr_array_set_size (self->alts, 0);
  for (guint i = 0; names[i]; i++)
    g_ptr_array_add (self->alts, g_strdup (names[i]));
  self->phase_alt = phase_alt;
  self->ssp_alt = ssp_alt;
}

static void
fsbl_reset_phase (OsspSimDfuDevice *self,
                  const char       *format,
                  ...) G_GNUC_PRINTF (2, 3);

static void
fsbl_reset_phase (OsspSimDfuDevice *self,
                  const char       *format,
                  ...)
{
  va_list args;

  if (self->phase == PHASE_RESET)
    return;
  va_start (args, format);
  g_vsnprintf (self->msg, sizeof self->msg, format, args);
  va_end (args);
  self->msg_len = strlen (self->msg);
  self->phase = PHASE_RESET;
  self->address = UNDEFINED_ADDR;
  ossp_sim_board_trace (self->board, "USB FSBL: reset phase: %s", self->msg);
}

/* (Re-)enumerate as whatever the chip runs now. */
static void
enumerate (OsspSimDfuDevice *self)
{
  static const char *const rom_alts[] = { "@FSBL /0x01/1*1Me", "@virtual /0xF1/1*512Ba", NULL };
  static const char *const mp15_alts[] = {
    "@Partition0 /0x00/1*256Ke", "@FSBL /0x01/1*1Me", "@Partition2 /0x02/1*1Me",
    "@Partition3 /0x03/1*16Me", "@Partition4 /0x04/1*16Me", "@virtual /0xF1/1*512Ba", NULL
  };
  static const char *const mp13_alts[] = { "@SSP /0xF3/1*512Ba", "@virtual /0xF1/1*512Ba", NULL };
  static const char *const mp25_alts[] = { "@SSP /0xF3/1*16Ke", "@virtual /0xF1/1*512Ba", NULL };

  self->generation++;
  self->alt = 0;
  self->state = DFU_IDLE;
  self->status = ST_OK;
  self->poll_ms = 0;
  self->fsbl = FALSE;
  self->connected = FALSE;
  g_byte_array_set_size (self->image, 0);
  self->image_ok = FALSE;
  if (self->gone)
    return;

  if (ossp_sim_board_get_stage (self->board) == OSSP_SIM_STAGE_FSBL)
    {
      self->session = ossp_sim_board_fsbl_enter (self->board);
      if (self->session == OSSP_SIM_FSBL_SESSION_PROVISIONING || self->session == OSSP_SIM_FSBL_SESSION_GET_CERT)
        {
          self->fsbl = TRUE;
          self->connected = TRUE;
          if (g_str_equal (chip_id (self), "stm32mp15"))
            set_alts (self, mp15_alts, 5, 0);
          else
            set_alts (self, g_str_equal (chip_id (self), "stm32mp13") ? mp13_alts : mp25_alts, 1, 0);
          self->detach_flag = FALSE;
          self->v22_raise_detach = FALSE;
          if (self->session == OSSP_SIM_FSBL_SESSION_PROVISIONING)
            {
              self->phase = PHASE_RESET;
              self->address = UNDEFINED_ADDR;
              if (is_v26 (self))
                self->msg_len = g_strlcpy (self->msg, "Provisioning\n", sizeof self->msg);
              else
                {
                  memcpy (self->msg, "Provisioning", 13);
                  self->msg_len = 13;
                }
            }
          else
            {
              self->phase = PHASE_SSP;
              self->address = ossp_sim_board_get_blob_base (self->board);
              self->msg_len = 0;
            }
          ossp_sim_board_trace (self->board, "USB: FSBL-SSP enumerates (%u alternate settings)", self->alts->len);
          return;
        }
    }
  if (ossp_sim_board_get_stage (self->board) == OSSP_SIM_STAGE_ROM)
    {
      self->connected = TRUE;
      set_alts (self, rom_alts, 1, 0);
      ossp_sim_board_trace (self->board, "USB: BootROM enumerates");
      return;
    }
  ossp_sim_board_trace (self->board, "USB: no device (the FSBL opened no link)");
}

OsspSimDfuDevice *
ossp_sim_dfu_device_new (OsspSimBoard *board,
                         guint         halt_reset_ms)
{
  OsspSimDfuDevice *self = g_object_new (OSSP_TYPE_SIM_DFU_DEVICE, NULL);

  self->board = g_object_ref (board);
  self->halt_reset_ms = halt_reset_ms;
  enumerate (self);
  return self;
}

OsspSimBoard *ossp_sim_dfu_device_get_board (OsspSimDfuDevice *self) { return self->board; }
gboolean ossp_sim_dfu_device_is_connected (OsspSimDfuDevice *self) { return self->connected; }
guint ossp_sim_dfu_device_get_generation (OsspSimDfuDevice *self) { return self->generation; }
gboolean ossp_sim_dfu_device_is_rom (OsspSimDfuDevice *self) { return !self->fsbl; }
guint ossp_sim_dfu_device_get_n_alts (OsspSimDfuDevice *self) { return self->alts->len; }
gboolean ossp_sim_dfu_device_has_pending_reset (OsspSimDfuDevice *self) { return self->reset_pending; }

const char *
ossp_sim_dfu_device_get_alt_name (OsspSimDfuDevice *self,
                                  guint             alt)
{
  return alt < self->alts->len ? g_ptr_array_index (self->alts, alt) : NULL;
}

char *
ossp_sim_dfu_device_get_serial (OsspSimDfuDevice *self)
{
  OsspSimOtp *otp = ossp_sim_board_get_otp (self->board);
  guint uid = (guint) ossp_sim_otp_find_word (otp, "UID");

  /* "as in ROM code": the three UID words, %08X each */
  return g_strdup_printf ("%08X%08X%08X", ossp_sim_otp_peek_fuse (otp, uid),
                          ossp_sim_otp_peek_fuse (otp, uid + 1), ossp_sim_otp_peek_fuse (otp, uid + 2));
}

static char *
product_string (OsspSimDfuDevice *self)
{
  guint32 dev_id = ossp_sim_board_get_dev_id (self->board);

  if (!self->fsbl)
    return g_strdup_printf ("DFU in HS Mode @Device ID /0x%03X, @Revision ID /0x0000", dev_id);
  if (!is_v26 (self))
    return g_strdup ("DFU in HS Mode @Device ID /0x500, @Revision ID /0x0000");
  return g_strdup_printf ("DFU @Device ID /0x%03X, @Revision ID /0x%04X, @Name /%s Rev.B,",
                          dev_id, 0x2000, ossp_chip_get_name (ossp_sim_board_get_chip (self->board)));
}

GBytes *
ossp_sim_dfu_device_get_descriptors (OsspSimDfuDevice *self)
{
  GByteArray *d = g_byte_array_new ();
  guint n = self->alts->len;
  guint16 total = 9 + 9 * n + 9;
  const guint8 device[18] = {
    18, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 64,
    OSSP_SIM_DFU_VID & 0xFF, OSSP_SIM_DFU_VID >> 8, OSSP_SIM_DFU_PID & 0xFF, OSSP_SIM_DFU_PID >> 8,
    0x00, 0x02, STR_MANUFACTURER, STR_PRODUCT, STR_SERIAL, 1
  };
  const guint8 config[9] = { 9, 0x02, total & 0xFF, total >> 8, 1, 1, STR_CONFIG, 0xC0, 0x32 };
  /* bmAttributes 0x0F, wDetachTimeOut 255 ms, wTransferSize 1024, DFU 1.1 */
  const guint8 functional[9] = { 9, 0x21, 0x0F, 0xFF, 0x00, TRANSFER_SIZE & 0xFF, TRANSFER_SIZE >> 8, 0x10, 0x01 };

  g_byte_array_append (d, device, sizeof device);
  g_byte_array_append (d, config, sizeof config);
  for (guint i = 0; i < n; i++)
    {
      const guint8 intf[9] = { 9, 0x04, 0, i, 0, 0xFE, 0x01, 0x02, STR_ALT0 + i };
      g_byte_array_append (d, intf, sizeof intf);
    }
  g_byte_array_append (d, functional, sizeof functional);
  return g_byte_array_free_to_bytes (d);
}

gboolean
ossp_sim_dfu_device_set_interface (OsspSimDfuDevice *self,
                                   guint             interface,
                                   guint             alt)
{
  if (!self->connected || interface != 0 || alt >= self->alts->len)
    return FALSE;
  self->alt = alt;
  self->state = DFU_IDLE;
  return TRUE;
}

/* ---- replies ------------------------------------------------------------ */

static gint
reply (OsspSimDfuDevice *self,
       guint8           *in,
       guint16           w_length,
       const guint8     *data,
       gsize             len)
{
  gsize n = MIN (len, w_length);
  OsspSimFaults *faults = ossp_sim_board_get_faults (self->board);

  memcpy (in, data, n);
  for (gsize i = 0; i < n; i++)
    {
      self->in_bytes++;
      /* a dropped byte on USB: the packet arrives one byte short */
      if (ossp_sim_faults_check (faults, OSSP_SIM_FAULT_CORRUPT_BYTE, self->in_bytes))
        in[i] ^= 0xFF;
      if (ossp_sim_faults_check (faults, OSSP_SIM_FAULT_DROP_BYTE, self->in_bytes))
        {
          memmove (in + i, in + i + 1, n - i - 1);
          n--;
          i--;
        }
    }
  return (gint) n;
}

static gint
string_descriptor (OsspSimDfuDevice *self,
                   guint             index,
                   guint8           *in,
                   guint16           w_length)
{
  g_autofree char *owned = NULL;
  const char *text = NULL;
  guint8 buf[2 + 2 * 127];
  gsize len;

  switch (index)
    {
    case STR_LANG:
      {
        const guint8 lang[4] = { 4, 0x03, 0x09, 0x04 };
        return reply (self, in, w_length, lang, sizeof lang);
      }
    case STR_MANUFACTURER: text = "STMicroelectronics"; break;
    case STR_PRODUCT: text = owned = product_string (self); break;
    case STR_SERIAL: text = owned = ossp_sim_dfu_device_get_serial (self); break;
    case STR_CONFIG: text = "DFU Config"; break;
    case STR_INTERFACE: text = "DFU Interface"; break;
    default:
      text = ossp_sim_dfu_device_get_alt_name (self, index - STR_ALT0);
      if (index < STR_ALT0 || text == NULL)
        return OSSP_SIM_DFU_STALL;
    }
  len = MIN (strlen (text), 127);
  buf[0] = (guint8) (2 + 2 * len);
  buf[1] = 0x03;
  for (gsize i = 0; i < len; i++)
    {
      buf[2 + 2 * i] = (guint8) text[i];
      buf[3 + 2 * i] = 0;
    }
  return reply (self, in, w_length, buf, buf[0]);
}

static gint
standard_request (OsspSimDfuDevice *self,
                  const guint8      setup[8],
                  guint8           *in)
{
  guint8 type = setup[0], request = setup[1];
  guint16 value = setup[2] | (setup[3] << 8), w_length = setup[6] | (setup[7] << 8);

  if (type == 0x80 && request == 0x06)
    {
      g_autoptr(GBytes) desc = ossp_sim_dfu_device_get_descriptors (self);
      const guint8 *d = g_bytes_get_data (desc, NULL);
      switch (value >> 8)
        {
        case 1: return reply (self, in, w_length, d, 18);
        case 2: return reply (self, in, w_length, d + 18, g_bytes_get_size (desc) - 18);
        case 3: return string_descriptor (self, value & 0xFF, in, w_length);
        default: return OSSP_SIM_DFU_STALL;
        }
    }
  if ((type == 0x80 || type == 0x81) && request == 0x00)
    {
      const guint8 zero[2] = { 0, 0 };
      return reply (self, in, w_length, zero, 2);
    }
  if (type == 0x80 && request == 0x08)
    {
      const guint8 one = 1;
      return reply (self, in, w_length, &one, 1);
    }
  if (type == 0x81 && request == 0x0A)
    {
      guint8 alt = (guint8) self->alt;
      return reply (self, in, w_length, &alt, 1);
    }
  if (type == 0x01 && request == 0x0B)
    return ossp_sim_dfu_device_set_interface (self, setup[4], value) ? 0 : OSSP_SIM_DFU_STALL;
  if (type == 0x00 && (request == 0x09 || request == 0x05 || request == 0x03 || request == 0x01))
    return 0;   /* SET_CONFIGURATION, SET_ADDRESS, features: nothing to do */
  return OSSP_SIM_DFU_STALL;
}

static gint
phase_reply (OsspSimDfuDevice *self,
             guint8           *in,
             guint16           w_length)
{
  guint8 buf[PHASE_HEADER + 64] = { 0 };
  gsize len = PHASE_HEADER;
  guint8 phase;
  guint32 address;

  if (!self->fsbl)
    {
      phase = PHASE_FSBL;
      address = ossp_sim_board_get_fsbl_load_address (self->board);
    }
  else
    {
      phase = self->phase;
      address = self->address;
      /* MP15 in SSP phase reports FLASHLAYOUT ("fix phase to flashlayout") */
      if (phase == PHASE_SSP && g_str_equal (chip_id (self), "stm32mp15"))
        phase = PHASE_FLASHLAYOUT;
    }
  buf[0] = phase;
  ossp_write_le32 (buf + 1, address);
  if (self->fsbl && phase == PHASE_RESET && self->msg_len > 0)
    {
      /* v2.6 sends strlen - 1 characters (the "\n" is lost); v2.2 all 13 with the NUL */
      gsize m = is_v26 (self) ? self->msg_len - 1 : self->msg_len;
      memcpy (buf + PHASE_HEADER, self->msg, m);
      len += m;
    }
  else if (self->fsbl && phase == PHASE_FLASHLAYOUT && address == UNDEFINED_ADDR && self->detach_flag)
    buf[len++] = 0x01;   /* "please send DFU_DETACH" */
  if (self->fsbl && !is_v26 (self) && self->phase == PHASE_RESET && self->session == OSSP_SIM_FSBL_SESSION_PROVISIONING)
    self->v22_raise_detach = TRUE;
  return reply (self, in, w_length, buf, len);
}

static gint
certificate_reply (OsspSimDfuDevice *self,
                   guint8           *in,
                   guint16           w_length)
{
  guint8 buf[PHASE_HEADER + OSSP_SIM_CERTIFICATE_SIZE] = { 0 };

  if (self->session != OSSP_SIM_FSBL_SESSION_GET_CERT ||
      !ossp_sim_board_get_certificate (self->board, buf + PHASE_HEADER))
    return OSSP_SIM_DFU_STALL;
  buf[0] = g_str_equal (chip_id (self), "stm32mp15") ? PHASE_FLASHLAYOUT : PHASE_SSP;
  ossp_write_le32 (buf + 1, ossp_sim_board_get_blob_base (self->board));
  return reply (self, in, w_length, buf, sizeof buf);
}

static gint
upload (OsspSimDfuDevice *self,
        guint16           w_length,
        guint8           *in)
{
  gint n;
  gsize full;

  if (w_length == 0 || (self->state != DFU_IDLE && self->state != DFU_UPLOAD_IDLE))
    return OSSP_SIM_DFU_STALL;
  if (self->alt == self->phase_alt)
    {
      full = PHASE_HEADER + (self->fsbl && self->phase == PHASE_RESET
                             ? (is_v26 (self) ? self->msg_len - 1 : self->msg_len) : 0);
      n = phase_reply (self, in, w_length);
      if (self->fsbl && self->v22_raise_detach && self->phase == PHASE_RESET)
        {
          /* v2.2 raises the detach flag after reporting the reset phase */
          self->phase = PHASE_FLASHLAYOUT;
          self->address = UNDEFINED_ADDR;
          self->detach_flag = TRUE;
        }
    }
  else if (self->fsbl && (self->alt == self->ssp_alt || !is_v26 (self)))
    {
      full = PHASE_HEADER + OSSP_SIM_CERTIFICATE_SIZE;
      n = certificate_reply (self, in, w_length);
    }
  else
    {
      if (self->fsbl)
        fsbl_reset_phase (self, "Invalid alternate setting %u\n", self->alt);
      return OSSP_SIM_DFU_STALL;
    }
  if (n < 0)
    return n;
  /* a short frame (host asked for more) ends the upload */
  self->state = w_length > full ? DFU_IDLE : DFU_UPLOAD_IDLE;
  return n;
}

static gint
dnload (OsspSimDfuDevice *self,
        guint16           w_length,
        const guint8     *out)
{
  OsspSimFaults *faults = ossp_sim_board_get_faults (self->board);

  if (w_length == 0)
    {
      if (self->state != DFU_IDLE && self->state != DFU_DNLOAD_IDLE)
        return OSSP_SIM_DFU_STALL;
      self->state = DFU_MANIFEST_SYNC;
      return 0;
    }
  if (self->state != DFU_IDLE && self->state != DFU_DNLOAD_IDLE)
    return OSSP_SIM_DFU_STALL;
  if (!self->fsbl)
    {
      if (self->alt != 0)
        return OSSP_SIM_DFU_STALL;
      if (self->state == DFU_IDLE)
        {
          g_byte_array_set_size (self->image, 0);   /* a new download */
          self->image_ok = FALSE;
        }
      if (w_length > ossp_sim_board_get_fsbl_max_size (self->board) - self->image->len)
        {
          self->state = DFU_ERROR;
          self->status = ST_ERR_ADDRESS;
          return OSSP_SIM_DFU_STALL;
        }
      g_byte_array_append (self->image, out, w_length);
      self->state = DFU_DNLOAD_SYNC;
      return 0;
    }
  if (self->alt != self->ssp_alt || self->phase == PHASE_RESET)
    {
      fsbl_reset_phase (self, "Invalid alternate setting %u\n", self->alt);
      return OSSP_SIM_DFU_STALL;
    }
  if (self->session != OSSP_SIM_FSBL_SESSION_GET_CERT || self->address == UNDEFINED_ADDR ||
      w_length > ossp_sim_board_get_blob_capacity (self->board) - ossp_sim_board_get_blob_len (self->board))
    return OSSP_SIM_DFU_STALL;   /* past base + sizeof(license ‖ payload) */
  if (ossp_sim_faults_check (faults, OSSP_SIM_FAULT_NACK_DOWNLOAD, ++self->data_packets))
    {
      ossp_sim_board_trace (self->board, "fault: data packet %u stalled", self->data_packets);
      return OSSP_SIM_DFU_STALL;
    }
  ossp_sim_board_blob_append (self->board, out, w_length);
  self->address += w_length;
  self->state = DFU_DNLOAD_SYNC;
  return 0;
}

static gint
getstatus (OsspSimDfuDevice *self,
           guint16           w_length,
           guint8           *in)
{
  guint8 st[6] = { 0 };
  guint8 report;

  switch (self->state)
    {
    case DFU_DNLOAD_SYNC:
    case DFU_DNBUSY:
      self->state = DFU_DNLOAD_IDLE;
      break;
    case DFU_MANIFEST_SYNC:
      if (!self->fsbl)
        {
          g_autoptr(GError) error = NULL;
          if (!ossp_sim_board_rom_check (self->board, self->image->data, self->image->len, &error))
            {
              ossp_sim_board_trace (self->board, "USB ROM: image refused: %s", error->message);
              self->state = DFU_ERROR;
              self->status = g_error_matches (error, OSSP_ERROR, OSSP_ERROR_VERIFY_FAILED)
                             ? ST_ERR_VERIFY : ST_ERR_FILE;
              break;
            }
          self->image_ok = TRUE;
        }
      else
        {
          /* after manifestation: phase 0x00, address undefined, detach please */
          self->phase = PHASE_FLASHLAYOUT;
          self->address = UNDEFINED_ADDR;
          self->detach_flag = TRUE;
        }
      st[1] = 1;   /* bwPollTimeout 1 ms */
      st[0] = ST_OK;
      st[4] = DFU_MANIFEST;
      self->state = DFU_IDLE;
      return reply (self, in, w_length, st, sizeof st);
    default:
      break;
    }
  report = self->state;
  st[0] = self->status;
  st[1] = self->poll_ms;
  st[4] = report;
  return reply (self, in, w_length, st, sizeof st);
}

static gint
class_request (OsspSimDfuDevice *self,
               const guint8      setup[8],
               const guint8     *out,
               guint8           *in)
{
  guint8 request = setup[1];
  guint16 w_length = setup[6] | (setup[7] << 8);

  if ((setup[0] != 0x21 && setup[0] != 0xA1) || setup[4] != 0)
    return OSSP_SIM_DFU_STALL;
  /* DFU 1.1: UPLOAD, GETSTATUS and GETSTATE are device-to-host, the rest host-to-device */
  if ((setup[0] == 0xA1) != (request == DFU_UPLOAD || request == DFU_GETSTATUS || request == DFU_GETSTATE))
    return OSSP_SIM_DFU_STALL;
  switch (request)
    {
    case DFU_DETACH:
      /* accepted in any state: the loop ends and the chip resets */
      self->reset_pending = TRUE;
      return 0;
    case DFU_DNLOAD:
      return dnload (self, w_length, out);
    case DFU_UPLOAD:
      return upload (self, w_length, in);
    case DFU_GETSTATUS:
      return getstatus (self, w_length, in);
    case DFU_CLRSTATUS:
      if (self->state == DFU_ERROR)
        {
          self->state = DFU_IDLE;
          self->status = ST_OK;
        }
      else
        {
          self->state = DFU_ERROR;
          self->status = ST_ERR_UNKNOWN;
        }
      return 0;
    case DFU_GETSTATE:
      return reply (self, in, w_length, &self->state, 1);
    case DFU_ABORT:
      if (self->state != DFU_ERROR)
        self->state = DFU_IDLE;
      return 0;
    default:
      return OSSP_SIM_DFU_STALL;
    }
}

gint
ossp_sim_dfu_device_control (OsspSimDfuDevice *self,
                             const guint8      setup[8],
                             const guint8     *out,
                             guint8           *in)
{
  OsspSimFaults *faults = ossp_sim_board_get_faults (self->board);
  OsspSimFault *f;

  if (!self->connected)
    return OSSP_SIM_DFU_STALL;
  if ((setup[0] & 0x60) != 0x20)
    return standard_request (self, setup, in);

  self->steps++;
  ossp_sim_board_trace (self->board, "step %" G_GUINT64_FORMAT ": USB %s request %u, alt %u, wLength %u",
                        self->steps, self->fsbl ? "FSBL" : "ROM", setup[1], self->alt,
                        setup[6] | (setup[7] << 8));
  if (ossp_sim_faults_check (faults, OSSP_SIM_FAULT_DROP_LINK, self->steps) ||
      ossp_sim_faults_check (faults, OSSP_SIM_FAULT_HANGUP, self->steps))
    {
      ossp_sim_board_trace (self->board, "fault: unplugged");
      self->gone = TRUE;
      self->reset_pending = TRUE;
      return OSSP_SIM_DFU_STALL;
    }
  if (ossp_sim_faults_check (faults, OSSP_SIM_FAULT_RESET, self->steps))
    {
      ossp_sim_board_trace (self->board, "fault: chip reset");
      self->fault_reset = TRUE;
      self->reset_pending = TRUE;
      return OSSP_SIM_DFU_STALL;
    }
  if ((f = ossp_sim_faults_check (faults, OSSP_SIM_FAULT_STALL, self->steps)) != NULL)
    {
      ossp_sim_board_trace (self->board, "fault: answering after %" G_GUINT64_FORMAT " ms", f->value);
      g_usleep (f->value * 1000);
    }
  if (ossp_sim_faults_check (faults, OSSP_SIM_FAULT_NACK, self->steps))
    {
      ossp_sim_board_trace (self->board, "fault: STALL");
      return OSSP_SIM_DFU_STALL;
    }
  return class_request (self, setup, out, in);
}

guint
ossp_sim_dfu_device_apply_reset (OsspSimDfuDevice *self)
{
  g_return_val_if_fail (self->reset_pending, 0);
  self->reset_pending = FALSE;
  if (self->gone)
    {
      enumerate (self);
      return G_MAXUINT;
    }
  if (self->fault_reset)
    {
      self->fault_reset = FALSE;
      ossp_sim_board_reset (self->board, "fault");
    }
  else if (self->fsbl)
    ossp_sim_board_fsbl_end_session (self->board);
  else if (self->image_ok)
    {
      g_autoptr(GError) error = NULL;
      if (!ossp_sim_board_rom_start (self->board, self->image->data, self->image->len, &error))
        ossp_sim_board_trace (self->board, "USB ROM: %s", error->message);
    }
  enumerate (self);
  if (self->connected)
    return 0;
  return self->halt_reset_ms ? self->halt_reset_ms : G_MAXUINT;
}

void
ossp_sim_dfu_device_watchdog (OsspSimDfuDevice *self)
{
  if (self->connected || self->gone)
    return;
  ossp_sim_board_reset (self->board, "watchdog");
  enumerate (self);
}
