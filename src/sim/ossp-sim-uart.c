/* ossp-sim-uart.c — UART serial boot, device side (ROM + FSBL-SSP)
 *
 * Framing (ssp-flow.md §4.2): a command is CMD, CMD^0xFF; 0x7F alone is a
 * (re)connection request answered by ACK; every result byte is sent after
 * flushing what the host already sent ("uart_send_result"); a gap longer
 * than the byte timeout inside a command aborts it with NACK; an unknown
 * command is NACKed without reading its complement.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "ossp-sim-uart.h"

#define ACK   0x79
#define NACK  0x1F
#define INIT  0x7F

#define CMD_GET         0x00
#define CMD_GET_VERSION 0x01
#define CMD_GET_ID      0x02
#define CMD_GET_PHASE   0x03
#define CMD_READ_PART   0x12
#define CMD_START       0x21
#define CMD_DOWNLOAD    0x31

#define USART_BL_VERSION 0x40
#define PHASE_FSBL       0x01
#define PHASE_SSP        0xF3
#define PHASE_RESET      0xFF
#define UNDEFINED_ADDR   0xFFFFFFFFu

enum { RB_TIMEOUT = -1, RB_STOP = -2 };

static const guint8 rom_commands[] = { 0x00, 0x01, 0x02, 0x03, 0x21, 0x31 };
static const guint8 fsbl_commands[] = { 0x00, 0x01, 0x02, 0x03, 0x12, 0x21, 0x31 };

struct _OsspSimUart
{
  GObject             parent_instance;

  OsspSimBoard       *board;
  OsspSimUartOptions  opts;

  /* I/O: a pty master (fd >= 0) or a canned buffer */
  int                 fd;
  GCancellable       *cancellable;
  GPollFD             cancel_pfd;
  gboolean            has_cancel_fd;
  guint8              inbuf[4096];
  gsize               in_pos, in_len;
  const guint8       *mem_in;
  gsize               mem_len, mem_pos;
  GByteArray         *mem_out;

  gboolean            stop;
  gboolean            hangup;
  gboolean            link_dead;
  gboolean            reset_now;
  guint64             step;
  guint64             bytes_in, bytes_out;
  gint64              in_clock, out_clock;

  /* ROM download */
  GByteArray         *image;
  guint32             rom_packet;
  gboolean            rom_synced;

  /* a session interrupted by the end of a canned stream resumes with the next one */
  gboolean            in_rom;
  gboolean            in_fsbl;

  /* FSBL programmer session */
  OsspSimFsblPath     session;
  guint8              phase;
  char                msg[64];
  gsize               msg_len;
  guint32             fsbl_packet;
  guint32             data_packets;
};

G_DEFINE_FINAL_TYPE (OsspSimUart, ossp_sim_uart, G_TYPE_OBJECT)

static void
ossp_sim_uart_finalize (GObject *object)
{
  OsspSimUart *self = OSSP_SIM_UART (object);

  g_clear_object (&self->board);
  g_clear_pointer (&self->image, g_byte_array_unref);
  g_clear_pointer (&self->mem_out, g_byte_array_unref);
  G_OBJECT_CLASS (ossp_sim_uart_parent_class)->finalize (object);
}

static void
ossp_sim_uart_class_init (OsspSimUartClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ossp_sim_uart_finalize;
}

static void
ossp_sim_uart_init (OsspSimUart *self)
{
  self->fd = -1;
  self->image = g_byte_array_new ();
}

void
ossp_sim_uart_options_init (OsspSimUartOptions *opts)
{
  memset (opts, 0, sizeof *opts);
  opts->byte_timeout_ms = OSSP_SIM_UART_DEFAULT_BYTE_TIMEOUT_MS;
  opts->halt_reset_ms = OSSP_SIM_UART_DEFAULT_HALT_RESET_MS;
}

OsspSimUart *
ossp_sim_uart_new (OsspSimBoard             *board,
                   const OsspSimUartOptions *opts)
{
  OsspSimUart *self = g_object_new (OSSP_TYPE_SIM_UART, NULL);

  self->board = g_object_ref (board);
  if (opts != NULL)
    self->opts = *opts;
  else
    ossp_sim_uart_options_init (&self->opts);
  return self;
}

guint64 ossp_sim_uart_get_bytes_in (OsspSimUart *self) { return self->bytes_in; }
guint64 ossp_sim_uart_get_bytes_out (OsspSimUart *self) { return self->bytes_out; }

/* ---- byte I/O ----------------------------------------------------------- */

static gint64
byte_time_us (OsspSimUart *self)
{
  return self->opts.baud ? (11 * G_USEC_PER_SEC + self->opts.baud - 1) / self->opts.baud : 0;
}

static void
sleep_until (gint64 when)
{
  gint64 now = g_get_monotonic_time ();

  if (when > now)
    g_usleep (when - now);
}

/* Waits up to @timeout_ms (-1: forever) for input in the buffer. */
static gboolean
fill (OsspSimUart *self,
      gint         timeout_ms)
{
  GPollFD fds[2] = { { self->fd, G_IO_IN, 0 } };
  guint n = 1;
  gssize r;

  if (self->has_cancel_fd)
    fds[n++] = self->cancel_pfd;
  if (g_poll (fds, n, timeout_ms) < 0 && errno != EINTR)
    {
      self->stop = TRUE;
      return FALSE;
    }
  if (g_cancellable_is_cancelled (self->cancellable))
    {
      self->stop = TRUE;
      return FALSE;
    }
  if (fds[0].revents & G_IO_IN)
    {
      r = read (self->fd, self->inbuf, sizeof self->inbuf);
      if (r > 0)
        {
          self->in_pos = 0;
          self->in_len = (gsize) r;
          return TRUE;
        }
    }
  if (fds[0].revents & (G_IO_HUP | G_IO_ERR | G_IO_NVAL))
    g_usleep (20 * 1000);   /* nobody on the other side yet: do not spin */
  return FALSE;
}

static int
read_byte (OsspSimUart *self,
           gint         timeout_ms)
{
  gint64 deadline = timeout_ms >= 0 ? g_get_monotonic_time () + (gint64) timeout_ms * 1000 : -1;
  guint8 b;

  if (self->stop)
    return RB_STOP;
  if (self->fd < 0)
    {
      if (self->mem_pos >= self->mem_len)
        {
          self->stop = TRUE;
          return RB_STOP;
        }
      self->bytes_in++;
      return self->mem_in[self->mem_pos++];
    }
  while (self->in_pos >= self->in_len)
    {
      gint wait = -1;
      if (deadline >= 0)
        {
          gint64 left = deadline - g_get_monotonic_time ();
          if (left <= 0)
            return RB_TIMEOUT;
          wait = (gint) ((left + 999) / 1000);
        }
      fill (self, wait);
      if (self->stop)
        return RB_STOP;
    }
  b = self->inbuf[self->in_pos++];
  self->bytes_in++;
  if (self->opts.baud)
    {
      /* the byte needs its wire time to arrive; the clock catches up before
       * the device answers (write_bytes), so sleeps do not add up per byte */
      self->in_clock = MAX (self->in_clock, g_get_monotonic_time ()) + byte_time_us (self);
    }
  return b;
}

/* Inside a command: the per-byte timeout applies. */
static int
read_cmd_byte (OsspSimUart *self)
{
  return read_byte (self, self->opts.byte_timeout_ms ? (gint) self->opts.byte_timeout_ms : -1);
}

static void
write_bytes (OsspSimUart  *self,
             const guint8 *data,
             gsize         len)
{
  g_autofree guint8 *burst = g_malloc (MAX (len, 1));
  gsize n = 0, done = 0;

  for (gsize i = 0; i < len; i++)
    {
      guint8 b = data[i];
      self->bytes_out++;
      if (ossp_sim_faults_check (ossp_sim_board_get_faults (self->board), OSSP_SIM_FAULT_DROP_BYTE,
                                 self->bytes_out))
        {
          ossp_sim_board_trace (self->board, "fault: byte %" G_GUINT64_FORMAT " (0x%02X) dropped",
                                self->bytes_out, b);
          continue;
        }
      if (ossp_sim_faults_check (ossp_sim_board_get_faults (self->board), OSSP_SIM_FAULT_CORRUPT_BYTE,
                                 self->bytes_out))
        {
          ossp_sim_board_trace (self->board, "fault: byte %" G_GUINT64_FORMAT " corrupted", self->bytes_out);
          b ^= 0xFF;
        }
      burst[n++] = b;
    }
  if (self->link_dead || n == 0)
    return;
  if (self->fd < 0)
    {
      g_byte_array_append (self->mem_out, burst, n);
      return;
    }
  if (self->opts.baud)
    {
      /* the answer cannot start before the question arrived, and the burst
       * is delivered when its last byte would have */
      sleep_until (self->in_clock);
      self->out_clock = MAX (self->out_clock, g_get_monotonic_time ()) + (gint64) n * byte_time_us (self);
      sleep_until (self->out_clock);
    }
  while (done < n)
    {
      gssize r = write (self->fd, burst + done, n - done);
      if (r < 0 && (errno == EAGAIN || errno == EINTR))
        {
          g_usleep (1000);
          continue;
        }
      if (r <= 0)
        {
          self->stop = TRUE;
          return;
        }
      done += (gsize) r;
    }
}

static void
write_byte (OsspSimUart *self,
            guint8       b)
{
  write_bytes (self, &b, 1);
}

/* Drops what the host already sent (input waiting right now). */
static void
flush_input (OsspSimUart *self)
{
  if (self->fd < 0)
    return;   /* a canned stream models a host that waits for answers */
  self->in_pos = self->in_len = 0;
  for (;;)
    {
      struct pollfd p = { self->fd, POLLIN, 0 };
      guint8 junk[256];
      gssize r;
      if (poll (&p, 1, 0) <= 0 || !(p.revents & POLLIN))
        break;
      r = read (self->fd, junk, sizeof junk);
      if (r <= 0)
        break;
    }
}

static void
send_result (OsspSimUart *self,
             guint8       result)
{
  flush_input (self);
  write_byte (self, result);
}

/* Lets @ms pass while the chip is not listening: input is lost. */
static void
deaf_for (OsspSimUart *self,
          guint        ms)
{
  gint64 deadline;

  if (self->fd < 0 || ms == 0)
    return;
  deadline = g_get_monotonic_time () + (gint64) ms * 1000;
  while (!self->stop)
    {
      gint64 left = deadline - g_get_monotonic_time ();
      if (left <= 0)
        break;
      self->in_pos = self->in_len = 0;
      fill (self, (gint) ((left + 999) / 1000));
    }
  self->in_pos = self->in_len = 0;
}

/* ---- commands shared by both stages ------------------------------------- */

typedef enum {
  CMD_OK,         /* a command byte (or INIT) in *out */
  CMD_BAD,        /* unknown / bad complement / timeout: NACK */
  CMD_STOPPED,
} CmdResult;

static CmdResult
receive_command (OsspSimUart  *self,
                 const guint8 *table,
                 gsize         n_table,
                 guint8       *out)
{
  int b, x;

  /* idle: wait without a timeout (the firmware just retries) */
  b = read_byte (self, -1);
  if (b < 0)
    return CMD_STOPPED;
  if (b == INIT)
    {
      *out = INIT;
      return CMD_OK;
    }
  if (memchr (table, b, n_table) == NULL)
    {
      ossp_sim_board_trace (self->board, "unknown command byte 0x%02X", b);
      return CMD_BAD;
    }
  x = read_cmd_byte (self);
  if (x == RB_STOP)
    return CMD_STOPPED;
  if (x < 0 || (b ^ x) != 0xFF)
    {
      ossp_sim_board_trace (self->board, "command 0x%02X: bad complement", b);
      return CMD_BAD;
    }
  *out = (guint8) b;
  return CMD_OK;
}

static const char *
command_name (guint8 cmd)
{
  switch (cmd)
    {
    case INIT: return "SYNC";
    case CMD_GET: return "GET";
    case CMD_GET_VERSION: return "GET_VERSION";
    case CMD_GET_ID: return "GET_ID";
    case CMD_GET_PHASE: return "GET_PHASE";
    case CMD_READ_PART: return "READ_PART";
    case CMD_START: return "START";
    case CMD_DOWNLOAD: return "DOWNLOAD";
    default: return "?";
    }
}

/* Step accounting and the step faults. FALSE: do not run the command. */
static gboolean
step_faults (OsspSimUart *self,
             const char  *stage,
             guint8       cmd)
{
  OsspSimFaults *faults = ossp_sim_board_get_faults (self->board);
  OsspSimFault *f;

  self->step++;
  ossp_sim_board_trace (self->board, "step %" G_GUINT64_FORMAT ": %s %s", self->step, stage, command_name (cmd));
  if (ossp_sim_faults_check (faults, OSSP_SIM_FAULT_DROP_LINK, self->step))
    {
      ossp_sim_board_trace (self->board, "fault: link dropped");
      self->link_dead = TRUE;
      return FALSE;
    }
  if (ossp_sim_faults_check (faults, OSSP_SIM_FAULT_HANGUP, self->step))
    {
      ossp_sim_board_trace (self->board, "fault: hang-up");
      self->hangup = TRUE;
      self->stop = TRUE;
      return FALSE;
    }
  if (ossp_sim_faults_check (faults, OSSP_SIM_FAULT_RESET, self->step))
    {
      ossp_sim_board_trace (self->board, "fault: chip reset");
      self->reset_now = TRUE;
      return FALSE;
    }
  if ((f = ossp_sim_faults_check (faults, OSSP_SIM_FAULT_STALL, self->step)) != NULL && self->fd >= 0)
    {
      ossp_sim_board_trace (self->board, "fault: stalling %" G_GUINT64_FORMAT " ms", f->value);
      g_usleep (f->value * 1000);
    }
  if (ossp_sim_faults_check (faults, OSSP_SIM_FAULT_NACK, self->step))
    {
      ossp_sim_board_trace (self->board, "fault: NACK");
      send_result (self, NACK);
      return FALSE;
    }
  return TRUE;
}

/* Reads @n bytes of a command argument; FALSE on timeout/stop. */
static gboolean
read_args (OsspSimUart *self,
           guint8      *out,
           gsize        n)
{
  for (gsize i = 0; i < n; i++)
    {
      int b = read_cmd_byte (self);
      if (b < 0)
        return FALSE;
      out[i] = (guint8) b;
    }
  return TRUE;
}

static void
send_get_id (OsspSimUart *self,
             guint32      dev_id)
{
  guint8 msg[3] = { 0x01, (dev_id >> 8) & 0xFF, dev_id & 0xFF };

  write_bytes (self, msg, sizeof msg);
}

static void
send_phase (OsspSimUart  *self,
            guint8        phase,
            guint32       address,
            const char   *text,
            gsize         text_len)
{
  guint8 head[7];

  head[0] = (guint8) (5 + text_len);
  head[1] = phase;
  ossp_write_le32 (head + 2, address);
  head[6] = (guint8) text_len;
  write_bytes (self, head, sizeof head);
  if (text_len)
    write_bytes (self, (const guint8 *) text, text_len);
}

/* DOWNLOAD's first exchange: operation, packet number, XOR. Returns the
 * operation byte, or -1 after sending NACK. */
static int
download_header (OsspSimUart *self,
                 guint32      expected_packet,
                 gboolean     zero_restarts,
                 guint32     *out_packet)
{
  guint8 h[4], x;
  guint32 packet;

  if (!read_args (self, h, 4))
    return -1;
  packet = ((guint32) h[1] << 16) | ((guint32) h[2] << 8) | h[3];
  *out_packet = packet;
  if (packet != expected_packet && !(zero_restarts && packet == 0))
    {
      ossp_sim_board_trace (self->board, "DOWNLOAD: packet %u, expected %u", packet, expected_packet);
      return -1;   /* NACKed right after the packet bytes */
    }
  if (!read_args (self, &x, 1) || (h[0] ^ h[1] ^ h[2] ^ h[3]) != x)
    return -1;
  return h[0];
}

/* DOWNLOAD's data exchange: N-1, N bytes, XOR. */
static gboolean
download_data (OsspSimUart *self,
               guint8      *buf,
               gsize       *out_len,
               gboolean     skip_data_if_overflow,
               gsize        room,
               gboolean    *overflow)
{
  int n1 = read_cmd_byte (self);
  guint8 xor, x;
  gsize n;

  *overflow = FALSE;
  if (n1 < 0)
    return FALSE;
  n = (gsize) n1 + 1;
  if (n > room && skip_data_if_overflow)
    {
      *overflow = TRUE;
      *out_len = n;
      return TRUE;
    }
  if (!read_args (self, buf, n) || !read_args (self, &x, 1))
    return FALSE;
  xor = (guint8) n1;
  for (gsize i = 0; i < n; i++)
    xor ^= buf[i];
  if (xor != x)
    {
      ossp_sim_board_trace (self->board, "DOWNLOAD: data checksum 0x%02X, received 0x%02X", xor, x);
      return FALSE;
    }
  *out_len = n;
  if (n > room)
    *overflow = TRUE;
  return TRUE;
}

/* ---- ROM stage (ssp-flow.md §4.3, §4.4 rules 1–2) ----------------------- */

static void
rom_session (OsspSimUart *self)
{
  guint32 load = ossp_sim_board_get_fsbl_load_address (self->board);

  if (!self->in_rom)
    {
      /* fresh from a reset */
      g_byte_array_set_size (self->image, 0);
      self->rom_packet = 0;
      self->rom_synced = FALSE;
      self->in_rom = TRUE;
    }
  while (!self->stop && !self->reset_now && !self->link_dead)
    {
      guint8 cmd = 0;
      CmdResult r;

      if (!self->rom_synced)
        {
          /* rule 1: nothing is sent until the host's 0x7F */
          int b = read_byte (self, -1);
          if (b < 0)
            return;
          if (b != INIT)
            continue;
          if (!step_faults (self, "ROM", INIT))
            continue;
          self->rom_synced = TRUE;
          send_result (self, ACK);
          continue;
        }
      r = receive_command (self, rom_commands, sizeof rom_commands, &cmd);
      if (r == CMD_STOPPED)
        return;
      if (r == CMD_BAD)
        {
          send_result (self, NACK);
          continue;
        }
      if (!step_faults (self, "ROM", cmd))
        continue;
      send_result (self, ACK);
      switch (cmd)
        {
        case INIT:
          break;
        case CMD_GET:
          {
            guint8 head[2] = { sizeof rom_commands, USART_BL_VERSION };
            write_bytes (self, head, 2);
            write_bytes (self, rom_commands, sizeof rom_commands);
            send_result (self, ACK);
          }
          break;
        case CMD_GET_VERSION:
          write_byte (self, USART_BL_VERSION);
          send_result (self, ACK);
          break;
        case CMD_GET_ID:
          send_get_id (self, ossp_sim_board_get_dev_id (self->board));
          send_result (self, ACK);
          break;
        case CMD_GET_PHASE:
          send_phase (self, PHASE_FSBL, load, NULL, 0);
          send_result (self, ACK);
          break;
        case CMD_DOWNLOAD:
          {
            guint8 buf[256];
            guint32 packet = 0;
            gsize n = 0;
            gboolean overflow;
            int op = download_header (self, self->rom_packet, TRUE, &packet);
            if (op < 0 || op != PHASE_FSBL)
              {
                send_result (self, NACK);
                break;
              }
            if (packet == 0)
              {
                /* packet 0 (re)starts the image */
                g_byte_array_set_size (self->image, 0);
                self->rom_packet = 0;
              }
            send_result (self, ACK);
            if (!download_data (self, buf, &n, FALSE,
                                ossp_sim_board_get_fsbl_max_size (self->board) - self->image->len, &overflow) ||
                overflow)
              {
                if (overflow)
                  {
                    ossp_sim_board_trace (self->board, "ROM: FSBL larger than SYSRAM; download discarded");
                    g_byte_array_set_size (self->image, 0);
                    self->rom_packet = 0;
                  }
                send_result (self, NACK);
                break;
              }
            g_byte_array_append (self->image, buf, n);
            self->rom_packet++;
            send_result (self, ACK);
          }
          break;
        case CMD_START:
          {
            g_autoptr(GError) error = NULL;
            guint8 a[5];
            guint32 addr;
            if (!read_args (self, a, 5) || (a[0] ^ a[1] ^ a[2] ^ a[3]) != a[4])
              {
                send_result (self, NACK);
                break;
              }
            addr = ossp_read_be32 (a);
            if (addr != load)
              {
                ossp_sim_board_trace (self->board, "ROM: START at 0x%08X, the load address is 0x%08X", addr, load);
                send_result (self, NACK);
                break;
              }
            if (!ossp_sim_board_rom_start (self->board, self->image->data, self->image->len, &error))
              {
                g_byte_array_set_size (self->image, 0);
                self->rom_packet = 0;
                send_result (self, NACK);
                break;
              }
            g_byte_array_set_size (self->image, 0);
            send_result (self, ACK);
            self->in_rom = FALSE;
            return;   /* the FSBL runs */
          }
        default:
          send_result (self, NACK);
          break;
        }
    }
}

/* ---- FSBL-SSP stage (ssp-flow.md §4.2) ---------------------------------- */

static gboolean
is_v26 (OsspSimUart *self)
{
  return ossp_sim_board_get_fsbl_version (self->board) == OSSP_SIM_FSBL_V2_6;
}

/* STM32PROG_ERROR: the first error switches to the reset phase with a text. */
static void
fsbl_error (OsspSimUart *self,
            const char  *format,
            ...) G_GNUC_PRINTF (2, 3);

static void
fsbl_error (OsspSimUart *self,
            const char  *format,
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
  ossp_sim_board_trace (self->board, "FSBL: reset phase: %s", self->msg);
}

static guint32
fsbl_address (OsspSimUart *self)
{
  /* the fixed buffer base: blob base in boot 2, 0 in boot 1 */
  return self->session == OSSP_SIM_FSBL_SESSION_GET_CERT ? ossp_sim_board_get_blob_base (self->board) : 0;
}

static void
fsbl_read_part (OsspSimUart *self)
{
  guint8 a[5], n[2], cert[OSSP_SIM_CERTIFICATE_SIZE];
  int id = read_cmd_byte (self);
  gsize count, want;

  if (id < 0)
    {
      send_result (self, NACK);
      return;
    }
  if (id != 0x00 && id != PHASE_SSP)
    {
      send_result (self, NACK);   /* right after the partition id */
      return;
    }
  if (!read_args (self, a + 1, 4) || !read_args (self, a, 1) ||
      (id ^ a[1] ^ a[2] ^ a[3] ^ a[4]) != a[0] || ossp_read_be32 (a + 1) != 0)
    {
      send_result (self, NACK);
      return;
    }
  send_result (self, ACK);
  if (!read_args (self, n, 2) || (n[0] ^ n[1]) != 0xFF)
    {
      send_result (self, NACK);
      return;
    }
  send_result (self, ACK);
  want = (gsize) n[0] + 1;
  if (id == 0x00 || self->session != OSSP_SIM_FSBL_SESSION_GET_CERT ||
      !ossp_sim_board_get_certificate (self->board, cert) ||
      (!is_v26 (self) && want < OSSP_SIM_CERTIFICATE_SIZE))
    {
      send_result (self, NACK);
      return;
    }
  write_bytes (self, cert, sizeof cert);
  /* v2.6 zero-fills up to N-1 bytes in total (off by one); v2.2 up to N */
  count = is_v26 (self) ? MAX (OSSP_SIM_CERTIFICATE_SIZE, want - 1) : want;
  for (gsize i = OSSP_SIM_CERTIFICATE_SIZE; i < count; i++)
    write_byte (self, 0);
  if (is_v26 (self))
    send_result (self, ACK);
}

static void
fsbl_download (OsspSimUart *self)
{
  OsspSimFaults *faults = ossp_sim_board_get_faults (self->board);
  guint32 packet = 0;
  guint8 buf[256];
  gsize n = 0, room;
  gboolean overflow;
  int op = download_header (self, self->fsbl_packet, FALSE, &packet);

  if (op < 0 || (!is_v26 (self) && op != 0x00 && op != PHASE_SSP))
    {
      send_result (self, NACK);
      return;
    }
  send_result (self, ACK);
  room = self->phase == PHASE_SSP
         ? ossp_sim_board_get_blob_capacity (self->board) - ossp_sim_board_get_blob_len (self->board) : 0;
  if (!download_data (self, buf, &n, TRUE, room, &overflow))
    {
      send_result (self, NACK);
      return;
    }
  if (overflow)
    {
      /* ACKed without reading the data; the data bytes are parsed as commands */
      fsbl_error (self, "Download overflow at 0x%08X\n",
                  (guint32) (ossp_sim_board_get_blob_base (self->board) +
                             ossp_sim_board_get_blob_len (self->board) + n));
      send_result (self, ACK);
      return;
    }
  self->data_packets++;
  if (ossp_sim_faults_check (faults, OSSP_SIM_FAULT_NACK_DOWNLOAD, self->data_packets))
    {
      ossp_sim_board_trace (self->board, "fault: data packet %u NACKed", self->data_packets);
      send_result (self, NACK);
      return;
    }
  ossp_sim_board_blob_append (self->board, buf, n);
  self->fsbl_packet++;
  send_result (self, ACK);
}

static void
fsbl_start (OsspSimUart *self)
{
  guint8 a[5];
  guint32 addr;

  if (!read_args (self, a, 5) || (a[0] ^ a[1] ^ a[2] ^ a[3]) != a[4])
    {
      send_result (self, NACK);
      return;
    }
  addr = ossp_read_be32 (a);
  if (!is_v26 (self))
    {
      /* v2.2: any START ends the SSP phase */
      if (self->phase != PHASE_RESET)
        {
          self->phase = PHASE_RESET;
          self->msg_len = 0;
        }
      send_result (self, ACK);
      return;
    }
  if (addr != UNDEFINED_ADDR)
    {
      fsbl_error (self, "Invalid start at 0x%08X\n", addr);
      send_result (self, ACK);
      return;
    }
  /* the blob is no FIP: the header check fails */
  fsbl_error (self, "FIP Header check failed at 0x%08X\n", fsbl_address (self));
  send_result (self, NACK);
}

/* Returns TRUE when the FSBL left its loop normally (reset phase reported). */
static gboolean
fsbl_session (OsspSimUart *self)
{
  guint32 dev_id = is_v26 (self) ? ossp_sim_board_get_dev_id (self->board) : 0x500;

  if (self->in_fsbl)
    goto resume;
  self->in_fsbl = TRUE;
  self->fsbl_packet = 0;
  self->data_packets = 0;
  if (self->session == OSSP_SIM_FSBL_SESSION_PROVISIONING)
    {
      self->phase = PHASE_RESET;
      if (is_v26 (self))
        self->msg_len = g_strlcpy (self->msg, "Provisioning\n", sizeof self->msg);
      else
        {
          memcpy (self->msg, "Provisioning", 13);   /* with its NUL: 13 bytes */
          self->msg_len = 13;
        }
    }
  else
    {
      self->phase = PHASE_SSP;
      self->msg_len = 0;
    }

  deaf_for (self, self->opts.boot_delay_ms);
  if (ossp_sim_faults_find (ossp_sim_board_get_faults (self->board), OSSP_SIM_FAULT_NO_RESYNC))
    ossp_sim_board_trace (self->board, "fault: no resync NACK");
  else
    send_result (self, NACK);   /* resync: the ROM hand-over may have eaten a byte */

resume:
  while (!self->stop && !self->reset_now && !self->link_dead)
    {
      guint8 cmd = 0;
      CmdResult r = receive_command (self, fsbl_commands, sizeof fsbl_commands, &cmd);

      if (r == CMD_STOPPED)
        return FALSE;
      if (r == CMD_BAD)
        {
          if (self->fd >= 0)
            g_usleep (3000);   /* "wait for the end of the host's transmission" */
          send_result (self, NACK);
          continue;
        }
      if (!step_faults (self, "FSBL", cmd))
        continue;
      send_result (self, ACK);
      switch (cmd)
        {
        case INIT:
          break;
        case CMD_GET:
          {
            guint8 head[2] = { sizeof fsbl_commands, USART_BL_VERSION };
            write_bytes (self, head, 2);
            write_bytes (self, fsbl_commands, sizeof fsbl_commands);
            send_result (self, ACK);
          }
          break;
        case CMD_GET_VERSION:
          write_byte (self, ossp_sim_board_get_image_version (self->board) & 0xFF);
          send_result (self, ACK);
          break;
        case CMD_GET_ID:
          send_get_id (self, dev_id);
          send_result (self, ACK);
          break;
        case CMD_GET_PHASE:
          send_phase (self, self->phase, fsbl_address (self),
                      self->phase == PHASE_RESET ? self->msg : NULL,
                      self->phase == PHASE_RESET ? self->msg_len : 0);
          send_result (self, ACK);
          if (self->phase == PHASE_RESET)
            {
              self->in_fsbl = FALSE;
              return TRUE;
            }
          break;
        case CMD_READ_PART:
          fsbl_read_part (self);
          break;
        case CMD_DOWNLOAD:
          fsbl_download (self);
          break;
        case CMD_START:
          fsbl_start (self);
          break;
        default:
          send_result (self, NACK);
          break;
        }
    }
  return FALSE;
}

/* ---- the board's life on the line ----------------------------------------- */

static void
halt (OsspSimUart *self)
{
  ossp_sim_board_trace (self->board, "FSBL: no programmer link; watchdog reset in %u ms",
                        self->opts.halt_reset_ms);
  if (self->fd < 0)
    {
      /* a canned stream: the rest of the input is lost on a silent chip */
      self->mem_pos = self->mem_len;
      self->stop = TRUE;
      return;
    }
  if (self->opts.halt_reset_ms == 0)
    {
      while (!self->stop)
        {
          self->in_pos = self->in_len = 0;
          fill (self, -1);
        }
      return;
    }
  deaf_for (self, self->opts.halt_reset_ms);
  if (!self->stop)
    ossp_sim_board_reset (self->board, "watchdog");
}

static void
serve (OsspSimUart *self)
{
  while (!self->stop)
    {
      if (self->link_dead)
        {
          /* a dead link: nothing comes back, ever */
          if (self->fd < 0)
            return;
          self->in_pos = self->in_len = 0;
          fill (self, -1);
          continue;
        }
      if (self->reset_now)
        {
          self->reset_now = FALSE;
          self->in_rom = self->in_fsbl = FALSE;
          ossp_sim_board_reset (self->board, "fault");
          deaf_for (self, self->opts.reset_delay_ms);
          continue;
        }
      switch (ossp_sim_board_get_stage (self->board))
        {
        case OSSP_SIM_STAGE_ROM:
          rom_session (self);
          break;
        case OSSP_SIM_STAGE_HALTED:
          halt (self);
          break;
        case OSSP_SIM_STAGE_FSBL:
          if (!self->in_fsbl)
            self->session = ossp_sim_board_fsbl_enter (self->board);
          switch (self->session)
            {
            case OSSP_SIM_FSBL_SESSION_PROVISIONING:
            case OSSP_SIM_FSBL_SESSION_GET_CERT:
              if (fsbl_session (self))
                {
                  ossp_sim_board_fsbl_end_session (self->board);
                  deaf_for (self, self->opts.reset_delay_ms);
                }
              break;
            case OSSP_SIM_FSBL_FLASHED:
            case OSSP_SIM_FSBL_POWER_LOST:
              deaf_for (self, self->opts.boot_delay_ms + self->opts.reset_delay_ms);
              break;
            case OSSP_SIM_FSBL_HALTED:
              halt (self);
              break;
            }
          break;
        }
    }
}

gboolean
ossp_sim_uart_serve_fd (OsspSimUart   *self,
                        int            fd,
                        GCancellable  *cancellable,
                        GError       **error)
{
  self->fd = fd;
  self->cancellable = cancellable;
  self->has_cancel_fd = cancellable != NULL && g_cancellable_make_pollfd (cancellable, &self->cancel_pfd);
  self->stop = FALSE;
  serve (self);
  if (self->has_cancel_fd)
    g_cancellable_release_fd (cancellable);
  self->has_cancel_fd = FALSE;
  self->cancellable = NULL;
  self->fd = -1;
  if (self->hangup)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_DEVICE, "The line was hung up (hangup fault)");
      return FALSE;
    }
  return TRUE;
}

GBytes *
ossp_sim_uart_run_buffer (OsspSimUart  *self,
                          const guint8 *input,
                          gsize         len)
{
  g_clear_pointer (&self->mem_out, g_byte_array_unref);
  self->mem_out = g_byte_array_new ();
  self->mem_in = input;
  self->mem_len = len;
  self->mem_pos = 0;
  self->fd = -1;
  self->stop = FALSE;
  serve (self);
  self->mem_in = NULL;
  return g_byte_array_free_to_bytes (g_steal_pointer (&self->mem_out));
}

int
ossp_sim_uart_open_pty (char   **out_slave_path,
                        int     *out_slave_fd,
                        GError **error)
{
  int master = -1, slave = -1;
  char name[256];
  struct termios t;

  if (openpty (&master, &slave, name, NULL, NULL) != 0)
    {
      int e = errno;
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_IO, "Cannot create a pseudo-terminal: %s", g_strerror (e));
      return -1;
    }
  /* raw on both sides: no echo, no CR/LF translation, 8-bit clean */
  if (tcgetattr (slave, &t) == 0)
    {
      cfmakeraw (&t);
      cfsetispeed (&t, B115200);
      cfsetospeed (&t, B115200);
      tcsetattr (slave, TCSANOW, &t);
    }
  if (tcgetattr (master, &t) == 0)
    {
      cfmakeraw (&t);
      tcsetattr (master, TCSANOW, &t);
    }
  fcntl (master, F_SETFD, FD_CLOEXEC);
  fcntl (slave, F_SETFD, FD_CLOEXEC);
  *out_slave_path = g_strdup (name);
  *out_slave_fd = slave;
  return master;
}
