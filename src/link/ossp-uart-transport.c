/* ossp-uart-transport.c — serial-boot protocol over a UART (termios)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Written from ssp-flow.md §4.2–§4.4.  Two rules shape the code:
 *  - the FSBL aborts a command after a 20 ms gap in the host's bytes, so
 *    every host frame goes out in one write() and nothing is computed
 *    between the bytes of one command;
 *  - a retry is only made where the protocol makes it harmless: read-only
 *    commands, the 0x7F sync, and DOWNLOAD packets (numbered, so a packet
 *    the device already has is refused by number, never stored twice).
 *    START is not retried once its address went out.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "ossp-uart-transport.h"

#define DEFAULT_REPLY_TIMEOUT_MS 1000
#define DEFAULT_ATTEMPTS         3
/* START makes the ROM check the header and signature: give it longer. */
#define START_TIMEOUT_MS         5000
/* The device gives up on a half-sent command after 20 ms; wait a bit more
 * before re-syncing so that it is back in its command loop. */
#define DEVICE_ABORT_GAP_MS      30
/* v2.2 sends no ACK after READ_PART's data, v2.6 does. */
#define TRAILING_ACK_WAIT_MS     100
/* One 0x7F probe waits this long for its ACK. */
#define SYNC_PROBE_MS            100

struct _OsspUartTransport
{
  GObject  parent_instance;

  char    *path;
  char    *name;
  int      fd;
  guint    baudrate;
  guint    reply_timeout_ms;
  guint    max_attempts;
  guint    wait_divisor;   /* tests/fuzzing only: shortens the fixed waits */
  gboolean parity_applied;
  guint    retries;
  guint64  tx_bytes;
  guint64  rx_bytes;

  guint8   rxbuf[512];
  gsize    rxpos;
  gsize    rxlen;
};

static void ossp_uart_transport_iface_init (OsspTransportInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OsspUartTransport, ossp_uart_transport, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (OSSP_TYPE_TRANSPORT,
                                                      ossp_uart_transport_iface_init))

/* One of the fixed waits above (START_TIMEOUT_MS, …), shortened only when a
 * test asked for it (ossp_uart_transport_set_wait_divisor). */
static guint
fixed_wait_ms (OsspUartTransport *self,
               guint              ms)
{
  return MAX (ms / self->wait_divisor, 1);
}

/* ---- naming, for messages that say which command and which byte ---- */

static const char *
cmd_name (guint8 cmd)
{
  switch (cmd)
    {
    case OSSP_UART_CMD_GET: return "GET";
    case OSSP_UART_CMD_GET_VERSION: return "GET_VERSION";
    case OSSP_UART_CMD_GET_ID: return "GET_ID";
    case OSSP_UART_CMD_GET_PHASE: return "GET_PHASE";
    case OSSP_UART_CMD_READ_PART: return "READ_PART";
    case OSSP_UART_CMD_START: return "START";
    case OSSP_UART_CMD_DOWNLOAD: return "DOWNLOAD";
    case OSSP_UART_SYNC: return "SYNC";
    default: return "command";
    }
}

static const char *
byte_name (guint8 b)
{
  switch (b)
    {
    case OSSP_UART_ACK: return " (ACK)";
    case OSSP_UART_NACK: return " (NACK)";
    case OSSP_UART_ABORT: return " (ABORT)";
    default: return "";
    }
}

static void
set_cmd_error (OsspUartTransport *self,
               GError           **error,
               int                code,
               guint8             cmd,
               const char        *format,
               ...) G_GNUC_PRINTF (5, 6);

static void
set_cmd_error (OsspUartTransport *self,
               GError           **error,
               int                code,
               guint8             cmd,
               const char        *format,
               ...)
{
  va_list args;
  g_autofree char *detail = NULL;

  va_start (args, format);
  detail = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, OSSP_ERROR, code, "%s: %s (0x%02X): %s", self->name, cmd_name (cmd), cmd,
               detail);
}

/* ---- raw I/O ---- */

typedef enum {
  RX_OK,
  RX_TIMEOUT,
  RX_ERROR,     /* error set: device gone, I/O error, cancelled */
} RxStatus;

static void
device_gone_error (OsspUartTransport *self,
                   GError           **error,
                   int                saved_errno)
{
  g_set_error (error, OSSP_ERROR, OSSP_ERROR_DEVICE,
               "%s: the device is gone (%s); check the cable and that the board is powered",
               self->name, saved_errno ? g_strerror (saved_errno) : "line hung up");
}

static gboolean
ensure_open (OsspUartTransport *self,
             GError           **error)
{
  if (self->fd >= 0)
    return TRUE;
  g_set_error (error, OSSP_ERROR, OSSP_ERROR_STATE, "%s: the port is not open", self->name);
  return FALSE;
}

/* Fills rxbuf with what is available, waiting at most @timeout_ms. */
static RxStatus
rx_fill (OsspUartTransport *self,
         gint64             deadline_us,
         GCancellable      *cancellable,
         GError           **error)
{
  GPollFD fds[2];
  int nfds = 1;
  RxStatus status = RX_TIMEOUT;

  if (!ensure_open (self, error))
    return RX_ERROR;

  fds[0].fd = self->fd;
  fds[0].events = G_IO_IN;
  if (cancellable != NULL && g_cancellable_make_pollfd (cancellable, &fds[1]))
    nfds = 2;

  for (;;)
    {
      gint64 now = g_get_monotonic_time ();
      int timeout = deadline_us > now ? (int) ((deadline_us - now + 999) / 1000) : 0;
      int r;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          g_clear_error (error);
          g_set_error_literal (error, OSSP_ERROR, OSSP_ERROR_CANCELLED, "Cancelled by the user");
          status = RX_ERROR;
          break;
        }
      fds[0].revents = 0;
      r = g_poll (fds, (guint) nfds, timeout);
      if (r < 0)
        {
          if (errno == EINTR)
            continue;
          device_gone_error (self, error, errno);
          status = RX_ERROR;
          break;
        }
      if (r == 0)
        break;
      if (fds[0].revents & G_IO_IN)
        {
          ssize_t n = read (self->fd, self->rxbuf, sizeof self->rxbuf);
          if (n > 0)
            {
              self->rxpos = 0;
              self->rxlen = (gsize) n;
              self->rx_bytes += (guint64) n;
              status = RX_OK;
              break;
            }
          if (n < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
          device_gone_error (self, error, n < 0 ? errno : 0);
          status = RX_ERROR;
          break;
        }
      if (fds[0].revents & (G_IO_HUP | G_IO_ERR | G_IO_NVAL))
        {
          device_gone_error (self, error, 0);
          status = RX_ERROR;
          break;
        }
      /* only the cancellable fired: loop to report it */
    }
  if (nfds == 2)
    g_cancellable_release_fd (cancellable);
  return status;
}

static RxStatus
rx_byte_until (OsspUartTransport *self,
               guint8            *out,
               gint64             deadline_us,
               GCancellable      *cancellable,
               GError           **error)
{
  if (self->rxpos >= self->rxlen)
    {
      RxStatus st = rx_fill (self, deadline_us, cancellable, error);
      if (st != RX_OK)
        return st;
    }
  *out = self->rxbuf[self->rxpos++];
  return RX_OK;
}

static RxStatus
rx_byte (OsspUartTransport *self,
         guint8            *out,
         guint              timeout_ms,
         GCancellable      *cancellable,
         GError           **error)
{
  return rx_byte_until (self, out, g_get_monotonic_time () + (gint64) timeout_ms * 1000,
                        cancellable, error);
}

/* Discards whatever the device sent that nobody asked for (a late ACK, the
 * device's NACK for an aborted command), so that the next reply lines up. */
static void
rx_drain (OsspUartTransport *self,
          const char        *why)
{
  g_autoptr(GString) junk = g_string_new (NULL);

  for (;;)
    {
      guint8 b = 0;
      if (rx_byte (self, &b, 0, NULL, NULL) != RX_OK)
        break;
      g_string_append_printf (junk, " %02X", b);
      if (junk->len > 3 * 64)
        break;
    }
  if (junk->len > 0)
    g_debug ("%s: discarded%s (%s)", self->name, junk->str, why);
}

static gboolean
tx (OsspUartTransport *self,
    const guint8      *data,
    gsize              len,
    GCancellable      *cancellable,
    GError           **error)
{
  gsize done = 0;

  if (!ensure_open (self, error))
    return FALSE;
  while (done < len)
    {
      ssize_t n;

      if (g_cancellable_is_cancelled (cancellable))
        {
          g_set_error_literal (error, OSSP_ERROR, OSSP_ERROR_CANCELLED, "Cancelled by the user");
          return FALSE;
        }
      n = write (self->fd, data + done, len - done);
      if (n > 0)
        {
          done += (gsize) n;
          continue;
        }
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        {
          struct pollfd pfd = { .fd = self->fd, .events = POLLOUT };
          if (poll (&pfd, 1, (int) self->reply_timeout_ms) <= 0)
            {
              g_set_error (error, OSSP_ERROR, OSSP_ERROR_TIMEOUT,
                           "%s: the line does not take more bytes (output blocked for %u ms)",
                           self->name, self->reply_timeout_ms);
              return FALSE;
            }
          continue;
        }
      device_gone_error (self, error, n < 0 ? errno : 0);
      return FALSE;
    }
  self->tx_bytes += len;
  return TRUE;
}

/* ---- replies ---- */

typedef enum {
  REPLY_ACK,
  REPLY_NACK,      /* error set; the protocol allows a re-send */
  REPLY_TIMEOUT,   /* error set; the device may have lost a byte */
  REPLY_BAD,       /* error set; an unexpected byte */
  REPLY_FATAL,     /* error set; device gone, ABORT, cancelled */
} Reply;

static gboolean
reply_retryable (Reply r)
{
  return r == REPLY_NACK || r == REPLY_TIMEOUT || r == REPLY_BAD;
}

/* Reads the ACK owed after @what ("the command byte", "the address", …). */
static Reply
expect_ack (OsspUartTransport *self,
            guint8             cmd,
            const char        *what,
            guint              timeout_ms,
            GCancellable      *cancellable,
            GError           **error)
{
  guint8 b = 0;
  RxStatus st = rx_byte (self, &b, timeout_ms, cancellable, error);

  if (st == RX_ERROR)
    return REPLY_FATAL;
  if (st == RX_TIMEOUT)
    {
      set_cmd_error (self, error, OSSP_ERROR_TIMEOUT, cmd,
                     "no ACK after %s within %u ms", what, timeout_ms);
      return REPLY_TIMEOUT;
    }
  switch (b)
    {
    case OSSP_UART_ACK:
      return REPLY_ACK;
    case OSSP_UART_NACK:
      set_cmd_error (self, error, OSSP_ERROR_PROTOCOL, cmd,
                     "the device answered NACK (0x1F) to %s", what);
      return REPLY_NACK;
    case OSSP_UART_ABORT:
      set_cmd_error (self, error, OSSP_ERROR_PROTOCOL, cmd,
                     "the device answered ABORT (0x5F) to %s", what);
      return REPLY_FATAL;
    default:
      set_cmd_error (self, error, OSSP_ERROR_PROTOCOL, cmd,
                     "unexpected byte 0x%02X where ACK (0x79) was due after %s", b, what);
      return REPLY_BAD;
    }
}

/* Reads @n reply bytes; @what names them in messages ("byte %u of the
 * certificate"). */
static Reply
read_reply (OsspUartTransport *self,
            guint8             cmd,
            guint8            *buf,
            gsize              n,
            const char        *what,
            GCancellable      *cancellable,
            GError           **error)
{
  for (gsize i = 0; i < n; i++)
    {
      RxStatus st = rx_byte (self, &buf[i], self->reply_timeout_ms, cancellable, error);
      if (st == RX_ERROR)
        return REPLY_FATAL;
      if (st == RX_TIMEOUT)
        {
          set_cmd_error (self, error, OSSP_ERROR_TIMEOUT, cmd,
                         "the device stopped sending at byte %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT
                         " of %s (%u ms without a byte)", i + 1, n, what, self->reply_timeout_ms);
          return REPLY_TIMEOUT;
        }
    }
  return REPLY_ACK;
}

/* CMD, CMD^0xFF in one write, then the ACK. */
static Reply
send_command (OsspUartTransport *self,
              guint8             cmd,
              GCancellable      *cancellable,
              GError           **error)
{
  guint8 frame[2] = { cmd, (guint8) (cmd ^ 0xFF) };

  rx_drain (self, "before a new command");
  if (!tx (self, frame, sizeof frame, cancellable, error))
    return REPLY_FATAL;
  return expect_ack (self, cmd, "the command byte", self->reply_timeout_ms, cancellable, error);
}

/* ---- sync and recovery ---- */

gboolean
ossp_uart_transport_sync (OsspUartTransport *self,
                          guint              timeout_ms,
                          GCancellable      *cancellable,
                          GError           **error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  guint probes = 0;

  g_return_val_if_fail (OSSP_IS_UART_TRANSPORT (self), FALSE);

  do
    {
      const guint8 sync = OSSP_UART_SYNC;
      gint64 probe_end;

      rx_drain (self, "before sync");
      if (!tx (self, &sync, 1, cancellable, error))
        return FALSE;
      probes++;
      probe_end = MIN (deadline, g_get_monotonic_time ()
                                 + (gint64) fixed_wait_ms (self, SYNC_PROBE_MS) * 1000);
      for (;;)
        {
          guint8 b = 0;
          RxStatus st = rx_byte_until (self, &b, probe_end, cancellable, error);
          if (st == RX_ERROR)
            return FALSE;
          if (st == RX_TIMEOUT)
            break;
          if (b == OSSP_UART_ACK)
            {
              /* earlier probes may still be answered: let them land and
               * drop them, so the next command reads its own ACK */
              if (probes > 1)
                {
                  g_usleep ((gulong) fixed_wait_ms (self, DEVICE_ABORT_GAP_MS) * 1000);
                  rx_drain (self, "late answers to earlier sync probes");
                }
              return TRUE;
            }
          /* the FSBL's resync NACK, or a NACK for a half command it
           * dropped: not an answer to this probe */
          g_debug ("%s: SYNC: ignoring 0x%02X%s", self->name, b, byte_name (b));
        }
    }
  while (g_get_monotonic_time () < deadline);

  g_set_error (error, OSSP_ERROR, OSSP_ERROR_TIMEOUT,
               "%s: SYNC (0x7F): no ACK to %u sync bytes within %u ms; is the board in "
               "serial-boot mode and the cable on the right UART?", self->name, probes, timeout_ms);
  return FALSE;
}

/* After a NACK or a lost byte: let the device time out its half command,
 * drop its leftovers, and sync again. */
static void
recover (OsspUartTransport *self,
         GCancellable      *cancellable)
{
  g_autoptr(GError) error = NULL;

  self->retries++;
  g_usleep ((gulong) fixed_wait_ms (self, DEVICE_ABORT_GAP_MS) * 1000);
  rx_drain (self, "recovering after a failed command");
  if (!ossp_uart_transport_sync (self, 3 * fixed_wait_ms (self, SYNC_PROBE_MS), cancellable, &error))
    g_debug ("%s: re-sync failed: %s", self->name, error->message);
}

/* ---- commands ---- */

/* A read-only command: CMD, then a length byte L and L+1 bytes, then ACK.
 * Used by GET, GET_VERSION (no length byte) and GET_ID. */
static GBytes *
simple_query_once (OsspUartTransport *self,
                   guint8             cmd,
                   gboolean           has_length,
                   gsize              fixed_len,
                   Reply             *reply,
                   GCancellable      *cancellable,
                   GError           **error)
{
  guint8 buf[257];
  gsize n = fixed_len;

  *reply = send_command (self, cmd, cancellable, error);
  if (*reply != REPLY_ACK)
    return NULL;
  if (has_length)
    {
      *reply = read_reply (self, cmd, buf, 1, "the length byte", cancellable, error);
      if (*reply != REPLY_ACK)
        return NULL;
      n = (gsize) buf[0] + 1;
    }
  *reply = read_reply (self, cmd, buf, n, "the reply", cancellable, error);
  if (*reply != REPLY_ACK)
    return NULL;
  *reply = expect_ack (self, cmd, "the reply", self->reply_timeout_ms, cancellable, error);
  if (*reply != REPLY_ACK)
    return NULL;
  return g_bytes_new (buf, n);
}

static GBytes *
simple_query (OsspUartTransport *self,
              guint8             cmd,
              gboolean           has_length,
              gsize              fixed_len,
              GCancellable      *cancellable,
              GError           **error)
{
  for (guint attempt = 1;; attempt++)
    {
      g_autoptr(GError) local = NULL;
      Reply reply;
      GBytes *bytes = simple_query_once (self, cmd, has_length, fixed_len, &reply,
                                         cancellable, &local);
      if (bytes != NULL)
        return bytes;
      if (!reply_retryable (reply) || attempt >= self->max_attempts)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
      g_debug ("%s (attempt %u): %s; retrying", cmd_name (cmd), attempt, local->message);
      recover (self, cancellable);
    }
}

gboolean
ossp_uart_transport_get_commands (OsspUartTransport *self,
                                  guint8            *out_version,
                                  GBytes           **out_commands,
                                  GCancellable      *cancellable,
                                  GError           **error)
{
  g_autoptr(GBytes) reply = simple_query (self, OSSP_UART_CMD_GET, TRUE, 0, cancellable, error);
  gsize len;
  const guint8 *p;

  if (reply == NULL)
    return FALSE;
  p = g_bytes_get_data (reply, &len);
  if (out_version)
    *out_version = p[0];
  if (out_commands)
    *out_commands = g_bytes_new (p + 1, len - 1);
  return TRUE;
}

gboolean
ossp_uart_transport_get_version (OsspUartTransport *self,
                                 guint8            *out_version,
                                 GCancellable      *cancellable,
                                 GError           **error)
{
  g_autoptr(GBytes) reply = simple_query (self, OSSP_UART_CMD_GET_VERSION, FALSE, 1,
                                          cancellable, error);
  if (reply == NULL)
    return FALSE;
  if (out_version)
    *out_version = ((const guint8 *) g_bytes_get_data (reply, NULL))[0];
  return TRUE;
}

static gboolean
uart_get_device_id (OsspTransport *transport,
                    guint16       *out_dev_id,
                    GCancellable  *cancellable,
                    GError       **error)
{
  OsspUartTransport *self = OSSP_UART_TRANSPORT (transport);
  g_autoptr(GBytes) reply = simple_query (self, OSSP_UART_CMD_GET_ID, TRUE, 0, cancellable, error);
  const guint8 *p;
  gsize len;

  if (reply == NULL)
    return FALSE;
  p = g_bytes_get_data (reply, &len);
  if (len != 2)
    {
      set_cmd_error (self, error, OSSP_ERROR_PROTOCOL, OSSP_UART_CMD_GET_ID,
                     "the length byte announced %" G_GSIZE_FORMAT " ID bytes, expected 2 "
                     "(length byte 0x01)", len);
      return FALSE;
    }
  if (out_dev_id)
    *out_dev_id = (guint16) ((p[0] << 8) | p[1]);
  return TRUE;
}

/* Printable ASCII only: the text comes from the device and ends up in logs. */
static void
sanitize_message (char *message)
{
  for (char *c = message; *c; c++)
    if (!g_ascii_isprint (*c) && *c != '\n')
      *c = '?';
}

OsspPhaseInfo *
ossp_uart_transport_parse_phase (const guint8 *data,
                                 gsize         len,
                                 GError      **error)
{
  OsspPhaseInfo *info;

  if (len < 7)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_PROTOCOL,
                   "the phase reply has %" G_GSIZE_FORMAT " bytes; at least 7 (L, phase, address, "
                   "msglen) are needed", len);
      return NULL;
    }
  if (data[0] != 5 + data[6])
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_PROTOCOL,
                   "length byte L = 0x%02X (byte 1) does not match the message length 0x%02X "
                   "(byte 7): L must be 5 + message length", data[0], data[6]);
      return NULL;
    }
  if (len != 7 + (gsize) data[6])
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_PROTOCOL,
                   "the phase reply has %" G_GSIZE_FORMAT " bytes; L = 0x%02X announces %u",
                   len, data[0], 7u + data[6]);
      return NULL;
    }
  info = g_new0 (OsspPhaseInfo, 1);
  info->phase = data[1];
  info->address = ossp_read_le32 (data + 2);
  info->message = g_strndup ((const char *) data + 7, data[6]);
  sanitize_message (info->message);
  return info;
}

/* GET_PHASE: L, phase, address LE, msglen, msg, ACK (L = 5 + msglen). */
static OsspPhaseInfo *
get_phase_once (OsspUartTransport *self,
                Reply             *reply,
                GCancellable      *cancellable,
                GError           **error)
{
  const guint8 cmd = OSSP_UART_CMD_GET_PHASE;
  guint8 buf[7 + 256];
  g_autoptr(OsspPhaseInfo) info = NULL;
  g_autoptr(GError) ack_error = NULL;
  g_autoptr(GError) parse_error = NULL;

  *reply = send_command (self, cmd, cancellable, error);
  if (*reply != REPLY_ACK)
    return NULL;
  *reply = read_reply (self, cmd, buf, 7, "the phase header (L, phase, address, msglen)",
                       cancellable, error);
  if (*reply != REPLY_ACK)
    return NULL;
  /* the message only when L agrees with msglen; the parser names the bad byte */
  if (buf[0] == 5 + buf[6] && buf[6] > 0)
    {
      *reply = read_reply (self, cmd, buf + 7, buf[6], "the phase message", cancellable, error);
      if (*reply != REPLY_ACK)
        return NULL;
    }
  info = ossp_uart_transport_parse_phase (buf, buf[0] == 5 + buf[6] ? 7 + (gsize) buf[6] : 7,
                                          &parse_error);
  if (info == NULL)
    {
      set_cmd_error (self, error, OSSP_ERROR_PROTOCOL, cmd, "%s", parse_error->message);
      *reply = REPLY_BAD;
      return NULL;
    }

  *reply = expect_ack (self, cmd, "the phase reply", self->reply_timeout_ms, cancellable,
                       &ack_error);
  if (*reply == REPLY_TIMEOUT && info->phase == OSSP_PHASE_RESET)
    {
      /* the FSBL resets right after a 0xFF reply; a lost final ACK must
       * not make us ask again a device that is already gone */
      g_debug ("%s: GET_PHASE: final ACK missing after phase 0xFF; accepted", self->name);
      *reply = REPLY_ACK;
    }
  if (*reply != REPLY_ACK)
    {
      g_propagate_error (error, g_steal_pointer (&ack_error));
      return NULL;
    }
  return g_steal_pointer (&info);
}

static OsspPhaseInfo *
uart_get_phase (OsspTransport *transport,
                GCancellable  *cancellable,
                GError       **error)
{
  OsspUartTransport *self = OSSP_UART_TRANSPORT (transport);

  for (guint attempt = 1;; attempt++)
    {
      g_autoptr(GError) local = NULL;
      Reply reply;
      OsspPhaseInfo *info = get_phase_once (self, &reply, cancellable, &local);

      if (info != NULL)
        {
          g_debug ("%s: phase 0x%02X (%s) address 0x%08X message \"%s\"", self->name, info->phase,
                   ossp_phase_to_string (info->phase), info->address, info->message);
          return info;
        }
      if (!reply_retryable (reply) || attempt >= self->max_attempts)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
      g_debug ("GET_PHASE (attempt %u): %s; retrying", attempt, local->message);
      recover (self, cancellable);
    }
}

static guint8
xor_bytes (const guint8 *p,
           gsize         n,
           guint8        seed)
{
  guint8 x = seed;
  for (gsize i = 0; i < n; i++)
    x ^= p[i];
  return x;
}

/* READ_PART: partid, offset BE (0), XOR; then N−1 and its complement;
 * then N bytes and, on v2.6+, an ACK. */
static GBytes *
read_part_once (OsspUartTransport *self,
                guint8             partition,
                gsize              length,
                Reply             *reply,
                GCancellable      *cancellable,
                GError           **error)
{
  const guint8 cmd = OSSP_UART_CMD_READ_PART;
  guint8 addr[6] = { partition, 0, 0, 0, 0, 0 };
  guint8 count[2] = { (guint8) (length - 1), (guint8) ((length - 1) ^ 0xFF) };
  guint8 data[256];
  g_autofree char *what = NULL;
  guint8 b = 0;
  RxStatus st;

  addr[5] = xor_bytes (addr, 5, 0);
  *reply = send_command (self, cmd, cancellable, error);
  if (*reply != REPLY_ACK)
    return NULL;
  if (!tx (self, addr, sizeof addr, cancellable, error))
    {
      *reply = REPLY_FATAL;
      return NULL;
    }
  what = g_strdup_printf ("the partition id 0x%02X and offset 0", partition);
  *reply = expect_ack (self, cmd, what, self->reply_timeout_ms, cancellable, error);
  if (*reply != REPLY_ACK)
    return NULL;
  if (!tx (self, count, sizeof count, cancellable, error))
    {
      *reply = REPLY_FATAL;
      return NULL;
    }
  g_free (what);
  what = g_strdup_printf ("the byte count N-1 = 0x%02X", count[0]);
  *reply = expect_ack (self, cmd, what, self->reply_timeout_ms, cancellable, error);
  if (*reply != REPLY_ACK)
    return NULL;
  g_free (what);
  what = g_strdup_printf ("partition 0x%02X", partition);
  *reply = read_reply (self, cmd, data, length, what, cancellable, error);
  if (*reply != REPLY_ACK)
    return NULL;

  /* v2.2 stops here, v2.6+ adds an ACK: wait briefly for it */
  st = rx_byte (self, &b, fixed_wait_ms (self, TRAILING_ACK_WAIT_MS), cancellable, error);
  if (st == RX_ERROR)
    {
      *reply = REPLY_FATAL;
      return NULL;
    }
  if (st == RX_OK && b != OSSP_UART_ACK)
    {
      set_cmd_error (self, error, OSSP_ERROR_PROTOCOL, cmd,
                     "unexpected byte 0x%02X%s after the %" G_GSIZE_FORMAT " data bytes "
                     "(only an optional ACK 0x79 may follow)", b, byte_name (b), length);
      *reply = REPLY_BAD;
      return NULL;
    }
  if (st == RX_TIMEOUT)
    g_debug ("%s: READ_PART: no trailing ACK (v2.2 behaviour)", self->name);
  return g_bytes_new (data, length);
}

static GBytes *
uart_read_partition (OsspTransport *transport,
                     guint8         partition,
                     gsize          length,
                     GCancellable  *cancellable,
                     GError       **error)
{
  OsspUartTransport *self = OSSP_UART_TRANSPORT (transport);

  for (guint attempt = 1;; attempt++)
    {
      g_autoptr(GError) local = NULL;
      Reply reply;
      GBytes *bytes = read_part_once (self, partition, length, &reply, cancellable, &local);

      if (bytes != NULL)
        return bytes;
      if (!reply_retryable (reply) || attempt >= self->max_attempts)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
      g_debug ("READ_PART (attempt %u): %s; retrying", attempt, local->message);
      recover (self, cancellable);
    }
}

typedef enum {
  PKT_DONE,
  PKT_HEADER_NACK,   /* refused at the packet number: wrong number or bad XOR */
  PKT_RETRY,         /* anything else the protocol lets us re-send */
  PKT_UNCERTAIN,     /* the data went out but its ACK never came */
  PKT_FATAL,
} PacketResult;

/* One DOWNLOAD packet: op, packet number BE (3), XOR; then N−1, data, XOR. */
static PacketResult
download_packet (OsspUartTransport *self,
                 guint8             op,
                 guint32            number,
                 const guint8      *data,
                 gsize              len,
                 GCancellable      *cancellable,
                 GError           **error)
{
  const guint8 cmd = OSSP_UART_CMD_DOWNLOAD;
  guint8 head[5] = { op, (number >> 16) & 0xff, (number >> 8) & 0xff, number & 0xff, 0 };
  guint8 frame[OSSP_UART_MAX_PACKET + 2];
  g_autofree char *what = NULL;
  Reply reply;

  head[4] = xor_bytes (head, 4, 0);
  frame[0] = (guint8) (len - 1);
  memcpy (frame + 1, data, len);
  frame[len + 1] = xor_bytes (data, len, frame[0]);

  reply = send_command (self, cmd, cancellable, error);
  if (reply != REPLY_ACK)
    return reply == REPLY_FATAL ? PKT_FATAL : PKT_RETRY;
  if (!tx (self, head, sizeof head, cancellable, error))
    return PKT_FATAL;
  what = g_strdup_printf ("the packet number %u (operation 0x%02X)", number, op);
  reply = expect_ack (self, cmd, what, self->reply_timeout_ms, cancellable, error);
  if (reply == REPLY_NACK)
    return PKT_HEADER_NACK;
  if (reply != REPLY_ACK)
    return reply == REPLY_FATAL ? PKT_FATAL : PKT_RETRY;
  if (!tx (self, frame, len + 2, cancellable, error))
    return PKT_FATAL;
  g_free (what);
  what = g_strdup_printf ("the %" G_GSIZE_FORMAT " data bytes of packet %u", len, number);
  reply = expect_ack (self, cmd, what, self->reply_timeout_ms, cancellable, error);
  switch (reply)
    {
    case REPLY_ACK: return PKT_DONE;
    case REPLY_NACK: return PKT_RETRY;
    case REPLY_FATAL: return PKT_FATAL;
    default: return PKT_UNCERTAIN;
    }
}

static gboolean
uart_download (OsspTransport *transport,
               guint8         partition,
               GBytes        *bytes,
               OsspTransportProgressFunc progress,
               gpointer       progress_data,
               GCancellable  *cancellable,
               GError       **error)
{
  OsspUartTransport *self = OSSP_UART_TRANSPORT (transport);
  gsize total;
  const guint8 *data = g_bytes_get_data (bytes, &total);
  guint32 n_packets = (guint32) ((total + OSSP_UART_MAX_PACKET - 1) / OSSP_UART_MAX_PACKET);
  guint32 number = 0;
  guint failures = 0;
  gboolean uncertain = FALSE;   /* packet @number may already be on the device */

  if (total == 0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "%s: DOWNLOAD: nothing to send for partition 0x%02X", self->name, partition);
      return FALSE;
    }
  if (n_packets > 0xFFFFFF)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "%s: DOWNLOAD: %" G_GSIZE_FORMAT " bytes need more packets than the 24-bit "
                   "packet number allows", self->name, total);
      return FALSE;
    }

  while (number < n_packets)
    {
      g_autoptr(GError) local = NULL;
      gsize off = (gsize) number * OSSP_UART_MAX_PACKET;
      gsize len = MIN (OSSP_UART_MAX_PACKET, total - off);
      PacketResult r = download_packet (self, partition, number, data + off, len,
                                        cancellable, &local);

      if (r == PKT_DONE)
        {
          number++;
          failures = 0;
          uncertain = FALSE;
          if (progress)
            progress (off + len, total, progress_data);
          continue;
        }
      if (r == PKT_FATAL)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      if (r == PKT_HEADER_NACK && uncertain)
        {
          /* the device refuses this number: it took the packet whose ACK
           * we lost and now waits for the next one (numbers protect us
           * from storing a packet twice) */
          g_debug ("%s: DOWNLOAD: packet %u was already received", self->name, number);
          number++;
          uncertain = FALSE;
          if (progress)
            progress (off + len, total, progress_data);
          recover (self, cancellable);
          continue;
        }
      if (++failures >= self->max_attempts)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          g_prefix_error (error, "after %u attempts: ", failures);
          return FALSE;
        }
      uncertain = uncertain || r == PKT_UNCERTAIN;
      g_debug ("DOWNLOAD packet %u (attempt %u): %s; re-sending", number, failures,
               local->message);
      recover (self, cancellable);
    }
  return TRUE;
}

static gboolean
uart_start (OsspTransport *transport,
            guint32        address,
            GCancellable  *cancellable,
            GError       **error)
{
  OsspUartTransport *self = OSSP_UART_TRANSPORT (transport);
  const guint8 cmd = OSSP_UART_CMD_START;
  guint8 frame[5];
  g_autofree char *what = NULL;
  Reply reply;

  ossp_write_be32 (frame, address);
  frame[4] = xor_bytes (frame, 4, 0);

  /* the command byte alone may be re-sent: nothing has happened yet */
  for (guint attempt = 1;; attempt++)
    {
      g_autoptr(GError) local = NULL;
      reply = send_command (self, cmd, cancellable, &local);
      if (reply == REPLY_ACK)
        break;
      if (!reply_retryable (reply) || attempt >= self->max_attempts)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      recover (self, cancellable);
    }
  if (!tx (self, frame, sizeof frame, cancellable, error))
    return FALSE;
  what = g_strdup_printf ("the address 0x%08X", address);
  reply = expect_ack (self, cmd, what, fixed_wait_ms (self, START_TIMEOUT_MS), cancellable, error);
  if (reply == REPLY_NACK)
    g_prefix_error (error, "start refused (the image header, signature or address did not "
                    "pass the device's checks): ");
  return reply == REPLY_ACK;
}

static gboolean
uart_reset (OsspTransport *transport,
            GCancellable  *cancellable,
            GError       **error)
{
  /* Nothing to send: the FSBL resets itself after reporting phase 0xFF,
   * and the ROM hands over at START.  Bytes already received stay
   * buffered: the next FSBL's resync NACK may be among them. */
  return ensure_open (OSSP_UART_TRANSPORT (transport), error);
}

/* Which program answers: the FSBL lists READ_PART (0x12) in GET, the ROM
 * stage does not (§4.4 rule 1). */
static OsspTransportStage
probe_stage (OsspUartTransport *self,
             GCancellable      *cancellable,
             GError           **error)
{
  g_autoptr(GBytes) cmds = NULL;
  guint8 version = 0;
  const guint8 *p;
  gsize n;

  if (!ossp_uart_transport_get_commands (self, &version, &cmds, cancellable, error))
    return OSSP_TRANSPORT_STAGE_NONE;
  p = g_bytes_get_data (cmds, &n);
  for (gsize i = 0; i < n; i++)
    if (p[i] == OSSP_UART_CMD_READ_PART)
      return OSSP_TRANSPORT_STAGE_FSBL;
  return OSSP_TRANSPORT_STAGE_ROM;
}

/* Listens for the FSBL's resync NACK and, between listening slices,
 * probes with 0x7F for a device that only answers (the ROM stage, or an
 * FSBL whose NACK got lost).  Which program answered is decided by GET,
 * not by timing, so probing early is safe and saves the silent wait. */
static OsspTransportStage
uart_wait_device (OsspTransport *transport,
                  guint          announce_ms,
                  guint          timeout_ms,
                  GCancellable  *cancellable,
                  GError       **error)
{
  OsspUartTransport *self = OSSP_UART_TRANSPORT (transport);
  guint total_ms = MAX (timeout_ms, announce_ms);
  gint64 deadline = g_get_monotonic_time () + (gint64) total_ms * 1000;
  guint probes = 0;

  for (;;)
    {
      gint64 slice_end = MIN (deadline, g_get_monotonic_time ()
                                        + (gint64) fixed_wait_ms (self, SYNC_PROBE_MS) * 1000);
      gboolean announced = FALSE, answered = FALSE;

      while (!announced && !answered)
        {
          guint8 b = 0;
          RxStatus st = rx_byte_until (self, &b, slice_end, cancellable, error);
          if (st == RX_ERROR)
            return OSSP_TRANSPORT_STAGE_NONE;
          if (st == RX_TIMEOUT)
            break;
          if (b == OSSP_UART_NACK)
            announced = TRUE;
          else if (b == OSSP_UART_ACK && probes > 0)
            answered = TRUE;
          else
            g_debug ("%s: waiting for the device: ignoring 0x%02X%s", self->name, b, byte_name (b));
        }
      if (announced)
        {
          /* the FSBL opens with one NACK (§4.2): it listens now */
          guint left_ms = (guint) MAX ((deadline - g_get_monotonic_time ()) / 1000, 0);
          if (!ossp_uart_transport_sync (self, MAX (left_ms, 3 * fixed_wait_ms (self, SYNC_PROBE_MS)),
                                         cancellable, error))
            {
              g_prefix_error (error, "the FSBL announced itself but does not answer: ");
              return OSSP_TRANSPORT_STAGE_NONE;
            }
          return OSSP_TRANSPORT_STAGE_FSBL;
        }
      if (answered)
        {
          /* earlier probes may be answered late: let them land, drop them */
          if (probes > 1)
            {
              g_usleep ((gulong) fixed_wait_ms (self, DEVICE_ABORT_GAP_MS) * 1000);
              rx_drain (self, "late answers to earlier sync probes");
            }
          return probe_stage (self, cancellable, error);
        }
      if (g_get_monotonic_time () >= deadline)
        break;
      {
        const guint8 sync = OSSP_UART_SYNC;
        if (!tx (self, &sync, 1, cancellable, error))
          return OSSP_TRANSPORT_STAGE_NONE;
        probes++;
      }
    }
  g_set_error (error, OSSP_ERROR, OSSP_ERROR_TIMEOUT,
               "%s: no device answered within %u ms (no resync NACK, no ACK to %u sync bytes)",
               self->name, total_ms, probes);
  return OSSP_TRANSPORT_STAGE_NONE;
}

/* ---- open/close ---- */

static speed_t
baud_to_speed (guint baud)
{
  switch (baud)
    {
    case 9600: return B9600;
    case 19200: return B19200;
    case 38400: return B38400;
    case 57600: return B57600;
    case 115200: return B115200;
    case 230400: return B230400;
    case 460800: return B460800;
    case 921600: return B921600;
    case 1000000: return B1000000;
    case 2000000: return B2000000;
    default: return B0;
    }
}

static gboolean
uart_open (OsspTransport *transport,
           GCancellable  *cancellable,
           GError       **error)
{
  OsspUartTransport *self = OSSP_UART_TRANSPORT (transport);
  struct termios tio, back;
  speed_t speed = baud_to_speed (self->baudrate);
  int fd, rc;

  if (self->fd >= 0)
    return TRUE;
  if (speed == B0)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "%s: baud rate %u is not supported; use 115200 (the boot ROM default)",
                   self->name, self->baudrate);
      return FALSE;
    }
  fd = open (self->path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, OSSP_ERROR,
                   saved == ENOENT ? OSSP_ERROR_NOT_FOUND
                   : (saved == EACCES || saved == EPERM) ? OSSP_ERROR_PERMISSION : OSSP_ERROR_IO,
                   "Cannot open serial port %s: %s%s", self->path, g_strerror (saved),
                   (saved == EACCES || saved == EPERM)
                     ? " (add your user to the 'dialout' group)" : "");
      return FALSE;
    }
  if (tcgetattr (fd, &tio) != 0)
    {
      int saved = errno;
      close (fd);
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "%s is not a serial port (%s)", self->path, g_strerror (saved));
      return FALSE;
    }
  /* 8 data bits, even parity, 1 stop bit, no flow control (§4.2) */
  cfmakeraw (&tio);
  cfsetispeed (&tio, speed);
  cfsetospeed (&tio, speed);
  tio.c_cflag |= CS8 | PARENB | CLOCAL | CREAD;
  tio.c_cflag &= ~(PARODD | CSTOPB | CRTSCTS);
  tio.c_iflag &= ~(IXON | IXOFF | IXANY | INPCK);
  tio.c_cc[VMIN] = 0;
  tio.c_cc[VTIME] = 0;
  rc = tcsetattr (fd, TCSANOW, &tio);
  if (rc != 0 && errno == EINVAL)
    {
      /* a pty that already runs 8N1 at this speed refuses a request whose
       * only change is PARENB (it cannot keep it): ask without parity */
      g_debug ("%s: even parity refused (EINVAL), retrying without it", self->name);
      tio.c_cflag &= ~PARENB;
      rc = tcsetattr (fd, TCSANOW, &tio);
    }
  if (rc != 0)
    {
      int saved = errno;
      close (fd);
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_IO, "Cannot configure %s for %u 8E1: %s",
                   self->path, self->baudrate, g_strerror (saved));
      return FALSE;
    }
  self->parity_applied = TRUE;
  if (tcgetattr (fd, &back) == 0 && !(back.c_cflag & PARENB))
    {
      /* Linux ptys drop PARENB (platform.md §4): no parity bit exists on a
       * pty, so this is harmless there; on a real UART it would be a
       * driver limit worth knowing about. */
      self->parity_applied = FALSE;
      g_debug ("%s: the line did not keep even parity (PARENB cleared on read-back); "
               "normal for a pty", self->name);
    }
  /* one owner per port; ptys and some drivers refuse, which is fine */
  if (ioctl (fd, TIOCEXCL) != 0)
    g_debug ("%s: TIOCEXCL: %s", self->name, g_strerror (errno));
  tcflush (fd, TCIOFLUSH);
  self->fd = fd;
  self->rxpos = self->rxlen = 0;
  return TRUE;
}

static void
uart_close (OsspTransport *transport)
{
  OsspUartTransport *self = OSSP_UART_TRANSPORT (transport);

  if (self->fd >= 0)
    {
      close (self->fd);
      self->fd = -1;
    }
  self->rxpos = self->rxlen = 0;
}

static const char *
uart_get_name (OsspTransport *transport)
{
  return OSSP_UART_TRANSPORT (transport)->name;
}

static const char *
uart_get_kind (OsspTransport *transport)
{
  return "uart";
}

static void
ossp_uart_transport_iface_init (OsspTransportInterface *iface)
{
  iface->get_name = uart_get_name;
  iface->get_kind = uart_get_kind;
  iface->open = uart_open;
  iface->close = uart_close;
  iface->wait_device = uart_wait_device;
  iface->get_device_id = uart_get_device_id;
  iface->get_phase = uart_get_phase;
  iface->read_partition = uart_read_partition;
  iface->download = uart_download;
  iface->start = uart_start;
  iface->reset = uart_reset;
}

static void
ossp_uart_transport_finalize (GObject *object)
{
  OsspUartTransport *self = OSSP_UART_TRANSPORT (object);

  uart_close (OSSP_TRANSPORT (self));
  g_free (self->path);
  g_free (self->name);
  G_OBJECT_CLASS (ossp_uart_transport_parent_class)->finalize (object);
}

static void
ossp_uart_transport_class_init (OsspUartTransportClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ossp_uart_transport_finalize;
}

static void
ossp_uart_transport_init (OsspUartTransport *self)
{
  self->fd = -1;
  self->baudrate = 115200;
  self->reply_timeout_ms = DEFAULT_REPLY_TIMEOUT_MS;
  self->max_attempts = DEFAULT_ATTEMPTS;
  self->wait_divisor = 1;
}

OsspUartTransport *
ossp_uart_transport_new (const char *path)
{
  OsspUartTransport *self;

  g_return_val_if_fail (path != NULL, NULL);
  self = g_object_new (OSSP_TYPE_UART_TRANSPORT, NULL);
  self->path = g_strdup (path);
  self->name = g_strdup_printf ("uart:%s", path);
  return self;
}

void
ossp_uart_transport_set_baudrate (OsspUartTransport *self,
                                  guint              baudrate)
{
  g_return_if_fail (OSSP_IS_UART_TRANSPORT (self));
  self->baudrate = baudrate;
}

void
ossp_uart_transport_set_reply_timeout (OsspUartTransport *self,
                                       guint              timeout_ms)
{
  g_return_if_fail (OSSP_IS_UART_TRANSPORT (self));
  self->reply_timeout_ms = MAX (timeout_ms, 1);
}

void
ossp_uart_transport_set_max_attempts (OsspUartTransport *self,
                                      guint              attempts)
{
  g_return_if_fail (OSSP_IS_UART_TRANSPORT (self));
  self->max_attempts = MAX (attempts, 1);
}

void
ossp_uart_transport_set_wait_divisor (OsspUartTransport *self,
                                      guint              divisor)
{
  g_return_if_fail (OSSP_IS_UART_TRANSPORT (self));
  self->wait_divisor = MAX (divisor, 1);
}

gboolean
ossp_uart_transport_get_parity_applied (OsspUartTransport *self)
{
  g_return_val_if_fail (OSSP_IS_UART_TRANSPORT (self), FALSE);
  return self->parity_applied;
}

guint
ossp_uart_transport_get_retry_count (OsspUartTransport *self)
{
  g_return_val_if_fail (OSSP_IS_UART_TRANSPORT (self), 0);
  return self->retries;
}

void
ossp_uart_transport_get_byte_counts (OsspUartTransport *self,
                                     guint64           *out_tx,
                                     guint64           *out_rx)
{
  g_return_if_fail (OSSP_IS_UART_TRANSPORT (self));
  if (out_tx)
    *out_tx = self->tx_bytes;
  if (out_rx)
    *out_rx = self->rx_bytes;
}

static gint
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

GStrv
ossp_uart_transport_list_ports (void)
{
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
  /* USB serial adapters, CDC-ACM, and the SoC UARTs of a Linux host board */
  const char *prefixes[] = { "ttyUSB", "ttyACM", "ttyAMA", "ttySTM", NULL };
  g_autoptr(GDir) dev = g_dir_open ("/dev", 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  if (dev != NULL)
    {
      const char *name;
      while ((name = g_dir_read_name (dev)) != NULL)
        for (guint i = 0; prefixes[i]; i++)
          if (g_str_has_prefix (name, prefixes[i]))
            g_ptr_array_add (names, g_build_filename ("/dev", name, NULL));
    }
  g_ptr_array_sort (names, compare_paths);
  for (guint i = 0; i < names->len; i++)
    g_strv_builder_add (b, g_ptr_array_index (names, i));
  return g_strv_builder_end (b);
}
