/* test-uart-transport.c — the UART serial-boot link over a real pty
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The device side here is a small scripted peer written straight from the
 * byte table of ssp-flow.md §4.2 (FSBL-SSP) and §4.3/§4.4 (ROM stage), with
 * knobs for the faults a wire can have.  It is a test double for the chip:
 * these are unit tests of the link layer alone.  The real simulator
 * (src/sim, `openssp sim uart`) is what the provisioning integration tests
 * run the host against.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "ossp-test-helper.h"
#include "ossp-uart-transport.h"

#define ACK  0x79
#define NACK 0x1F
#define LOAD_ADDRESS 0x2FFC2400
#define BLOB_BASE    0x2FFFF000
/* §4.2: the FSBL aborts a command after a 20 ms gap */
#define GAP_MS 20

typedef struct {
  int        master;
  int        slave;            /* kept open so the master never sees a hang-up */
  char      *path;
  GThread   *thread;
  gint       stop;

  /* knobs */
  gboolean   fsbl;             /* FSBL-SSP stage, else ROM stage */
  gboolean   resync_nack;      /* FSBL opens with 0x1F */
  gboolean   v22;              /* no trailing ACK after READ_PART */
  gboolean   silent;           /* answer nothing at all */
  guint8     phase;            /* FSBL phase: 0xF3 or 0xFF */
  gboolean   bad_get_phase_len;
  gint       nack_data_of_packet;   /* NACK this packet's data once (-1 = never) */
  gint       drop_byte_of_packet;   /* lose one host byte of this packet once */
  gint       drop_byte_index;
  gint       swallow_ack_of_packet; /* store the packet but lose our ACK once */
  gboolean   refuse_start;

  /* what the device saw */
  GMutex     lock;
  GByteArray *received;        /* DOWNLOAD data in packet order */
  guint8     last_op;
  guint      expected_packet;
  guint      commands;
  guint      start_count;
  guint32    start_address;
  guint      syncs;
} Peer;

static const guint8 *
certificate (void)
{
  static guint8 cert[136];
  for (guint i = 0; i < sizeof cert; i++)
    cert[i] = (guint8) (0x30 + i * 7);
  return cert;
}

static void
peer_write (Peer *p, const guint8 *data, gsize n)
{
  while (n > 0)
    {
      ssize_t w = write (p->master, data, n);
      if (w < 0 && (errno == EINTR || errno == EAGAIN))
        continue;
      if (w <= 0)
        return;
      data += w;
      n -= (gsize) w;
    }
}

static void
peer_byte (Peer *p, guint8 b)
{
  peer_write (p, &b, 1);
}

/* -1 on timeout or stop */
static int
peer_read (Peer *p, int timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!g_atomic_int_get (&p->stop))
    {
      struct pollfd pfd = { .fd = p->master, .events = POLLIN };
      gint64 left = (end - g_get_monotonic_time ()) / 1000;
      int slice = timeout_ms < 0 ? 50 : (int) CLAMP (left, 0, 50);
      guint8 b;

      if (poll (&pfd, 1, slice) == 1 && (pfd.revents & POLLIN))
        {
          if (read (p->master, &b, 1) == 1)
            return b;
        }
      if (timeout_ms >= 0 && g_get_monotonic_time () >= end)
        return -1;
    }
  return -1;
}

/* Reads @n bytes of one command; a 20 ms gap aborts the command with NACK. */
static gboolean
peer_read_n (Peer *p, guint8 *buf, gsize n)
{
  for (gsize i = 0; i < n; i++)
    {
      int b = peer_read (p, GAP_MS);
      if (b < 0)
        {
          peer_byte (p, NACK);
          return FALSE;
        }
      buf[i] = (guint8) b;
    }
  return TRUE;
}

static guint8
xor_of (const guint8 *d, gsize n, guint8 x)
{
  for (gsize i = 0; i < n; i++)
    x ^= d[i];
  return x;
}

static void
peer_get_phase (Peer *p)
{
  guint8 out[64];
  const char *msg = "";
  guint32 address;
  guint8 phase;
  gsize len;
  gsize n = 0;

  if (p->fsbl)
    {
      phase = p->phase;
      address = phase == 0xFF ? 0 : BLOB_BASE;
      if (phase == 0xFF)
        msg = p->start_count > 0 ? "Invalid start at 0x2FFFF000\n" : "Provisioning\n";
    }
  else
    {
      phase = 0x01;
      address = LOAD_ADDRESS;
    }
  len = strlen (msg);
  out[n++] = ACK;
  /* L = 5 + msglen; phase; address LE; msglen; msg; ACK */
  out[n++] = (guint8) (5 + len + (p->bad_get_phase_len ? 1 : 0));
  out[n++] = phase;
  out[n++] = address & 0xff;
  out[n++] = (address >> 8) & 0xff;
  out[n++] = (address >> 16) & 0xff;
  out[n++] = (address >> 24) & 0xff;
  out[n++] = (guint8) len;
  memcpy (out + n, msg, len);
  n += len;
  out[n++] = ACK;
  peer_write (p, out, n);
  if (p->fsbl && phase == 0xFF && !p->bad_get_phase_len)
    p->fsbl = FALSE;    /* the FSBL resets: the ROM answers next, silent until 0x7F */
}

static void
peer_read_part (Peer *p)
{
  guint8 a[6], c[2];

  peer_byte (p, ACK);
  if (!peer_read_n (p, a, 6))
    return;
  /* partid, offset BE (must be 0), XOR */
  if (a[0] != 0xF3 || a[1] || a[2] || a[3] || a[4] || xor_of (a, 5, 0) != a[5])
    {
      peer_byte (p, NACK);
      return;
    }
  peer_byte (p, ACK);
  if (!peer_read_n (p, c, 2) || (c[0] ^ c[1]) != 0xFF)
    {
      peer_byte (p, NACK);
      return;
    }
  peer_byte (p, ACK);
  {
    /* v2.6: 136 bytes, zero fill up to N−1 bytes in total */
    gsize total = MAX (136, (gsize) c[0]);
    g_autofree guint8 *out = g_malloc0 (total + 1);
    memcpy (out, certificate (), 136);
    out[total] = ACK;
    peer_write (p, out, total + (p->v22 ? 0 : 1));
  }
}

static void
peer_download (Peer *p)
{
  guint8 h[5], len1;
  guint8 data[257];
  guint packet;

  peer_byte (p, ACK);
  if (!peer_read_n (p, h, 4))
    return;
  packet = ((guint) h[1] << 16) | ((guint) h[2] << 8) | h[3];
  if (packet != p->expected_packet)
    {
      /* v2.6: a bad number is refused right after the 3 packet bytes and
       * the pending checksum byte is flushed */
      peer_read (p, GAP_MS);
      peer_byte (p, NACK);
      return;
    }
  if (!peer_read_n (p, h + 4, 1))
    return;
  if (xor_of (h, 4, 0) != h[4])
    {
      peer_byte (p, NACK);
      return;
    }
  peer_byte (p, ACK);
  if (!peer_read_n (p, &len1, 1))
    return;
  for (guint i = 0; i <= (guint) len1 + 1; i++)
    {
      int b = peer_read (p, GAP_MS);
      if (b < 0)
        {
          peer_byte (p, NACK);
          return;
        }
      if ((gint) packet == p->drop_byte_of_packet && (gint) i == p->drop_byte_index)
        {
          p->drop_byte_of_packet = -1;   /* lost on the wire, once */
          i--;
          continue;
        }
      data[i] = (guint8) b;
    }
  if (xor_of (data, (gsize) len1 + 1, len1) != data[len1 + 1])
    {
      peer_byte (p, NACK);
      return;
    }
  if ((gint) packet == p->nack_data_of_packet)
    {
      p->nack_data_of_packet = -1;
      peer_byte (p, NACK);
      return;
    }
  g_mutex_lock (&p->lock);
  g_byte_array_append (p->received, data, (guint) len1 + 1);
  p->last_op = h[0];
  p->expected_packet++;
  g_mutex_unlock (&p->lock);
  if ((gint) packet == p->swallow_ack_of_packet)
    {
      p->swallow_ack_of_packet = -1;
      return;
    }
  peer_byte (p, ACK);
}

static void
peer_start (Peer *p)
{
  guint8 a[5];
  guint32 addr;

  peer_byte (p, ACK);
  if (!peer_read_n (p, a, 5))
    return;
  addr = ((guint32) a[0] << 24) | ((guint32) a[1] << 16) | ((guint32) a[2] << 8) | a[3];
  if (xor_of (a, 4, 0) != a[4])
    {
      peer_byte (p, NACK);
      return;
    }
  p->start_count++;
  p->start_address = addr;
  if (!p->fsbl)
    {
      /* ROM (§4.3): START at the load address hands over to the FSBL */
      if (addr != LOAD_ADDRESS || p->refuse_start)
        {
          peer_byte (p, NACK);
          return;
        }
      peer_byte (p, ACK);
      p->fsbl = TRUE;
      p->phase = 0xF3;
      p->expected_packet = 0;
      if (p->resync_nack)
        peer_byte (p, NACK);   /* the FSBL's resync NACK on entry */
      return;
    }
  /* v2.6 FSBL: any address other than 0xFFFFFFFF ends the SSP phase */
  p->phase = 0xFF;
  peer_byte (p, ACK);
}

static gpointer
peer_thread (gpointer data)
{
  Peer *p = data;

  if (p->fsbl && p->resync_nack)
    peer_byte (p, NACK);
  while (!g_atomic_int_get (&p->stop))
    {
      guint8 c[2];
      int b = peer_read (p, -1);
      if (b < 0)
        continue;
      if (p->silent)
        continue;
      if (b == 0x7F)
        {
          p->syncs++;
          peer_byte (p, ACK);
          continue;
        }
      c[0] = (guint8) b;
      if (!peer_read_n (p, c + 1, 1))
        continue;
      if ((c[0] ^ c[1]) != 0xFF)
        {
          peer_byte (p, NACK);
          continue;
        }
      p->commands++;
      switch (c[0])
        {
        case 0x00:
          {
            static const guint8 fsbl[] = { ACK, 7, 0x40, 0x00, 0x01, 0x02, 0x03, 0x12, 0x21, 0x31, ACK };
            static const guint8 rom[] = { ACK, 6, 0x40, 0x00, 0x01, 0x02, 0x03, 0x21, 0x31, ACK };
            if (p->fsbl)
              peer_write (p, fsbl, sizeof fsbl);
            else
              peer_write (p, rom, sizeof rom);
            break;
          }
        case 0x01:
          {
            const guint8 out[] = { ACK, 0x40, ACK };
            peer_write (p, out, sizeof out);
            break;
          }
        case 0x02:
          {
            const guint8 out[] = { ACK, 0x01, 0x05, 0x00, ACK };
            peer_write (p, out, sizeof out);
            break;
          }
        case 0x03:
          peer_get_phase (p);
          break;
        case 0x12:
          if (p->fsbl)
            peer_read_part (p);
          else
            peer_byte (p, NACK);
          break;
        case 0x21:
          peer_start (p);
          break;
        case 0x31:
          peer_download (p);
          break;
        default:
          peer_byte (p, NACK);
        }
    }
  return NULL;
}

static Peer *
peer_new (gboolean fsbl)
{
  Peer *p = g_new0 (Peer, 1);
  struct termios raw;
  char name[128];

  cfmakeraw (&raw);
  g_assert_cmpint (openpty (&p->master, &p->slave, name, &raw, NULL), ==, 0);
  p->path = g_strdup (name);
  p->fsbl = fsbl;
  p->resync_nack = TRUE;
  p->phase = 0xF3;
  p->nack_data_of_packet = -1;
  p->drop_byte_of_packet = -1;
  p->swallow_ack_of_packet = -1;
  p->received = g_byte_array_new ();
  g_mutex_init (&p->lock);
  return p;
}

static void
peer_run (Peer *p)
{
  p->thread = g_thread_new ("peer", peer_thread, p);
}

static void
peer_free (Peer *p)
{
  g_atomic_int_set (&p->stop, 1);
  if (p->thread)
    g_thread_join (p->thread);
  if (p->master >= 0)
    close (p->master);
  close (p->slave);
  g_byte_array_unref (p->received);
  g_mutex_clear (&p->lock);
  g_free (p->path);
  g_free (p);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Peer, peer_free)

static OsspTransport *
open_transport (Peer *p, guint reply_timeout_ms)
{
  g_autoptr(GError) error = NULL;
  OsspUartTransport *t = ossp_uart_transport_new (p->path);

  ossp_uart_transport_set_reply_timeout (t, reply_timeout_ms);
  g_assert_true (ossp_transport_open (OSSP_TRANSPORT (t), NULL, &error));
  g_assert_no_error (error);
  return OSSP_TRANSPORT (t);
}

static GBytes *
pattern (gsize n, guint8 seed)
{
  guint8 *d = g_malloc (n);
  for (gsize i = 0; i < n; i++)
    d[i] = (guint8) (seed + i * 13 + (i >> 8));
  return g_bytes_new_take (d, n);
}

static void
assert_received (Peer *p, GBytes *sent)
{
  g_mutex_lock (&p->lock);
  g_assert_cmpmem (p->received->data, p->received->len, g_bytes_get_data (sent, NULL),
                   g_bytes_get_size (sent));
  g_mutex_unlock (&p->lock);
}

/* A pty drops PARENB: the port still opens, and says so. */
static void
test_uart_pty_parity (void)
{
  g_autoptr(Peer) p = peer_new (FALSE);
  g_autoptr(OsspTransport) t = open_transport (p, 500);
  struct termios tio;
  int fd = open (p->path, O_RDWR | O_NOCTTY);

  g_assert_false (ossp_uart_transport_get_parity_applied (OSSP_UART_TRANSPORT (t)));
  g_assert_cmpstr (ossp_transport_get_kind (t), ==, "uart");
  g_assert_true (g_str_has_suffix (ossp_transport_get_name (t), p->path));
  /* the line was set raw, 115200 */
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (tcgetattr (fd, &tio), ==, 0);
  g_assert_cmpint (cfgetospeed (&tio), ==, B115200);
  g_assert_cmpint (tio.c_cflag & CSIZE, ==, CS8);
  g_assert_false (tio.c_lflag & ICANON);
  close (fd);

  /* a second open of the same pty: Linux refuses a tcsetattr whose only
   * change is PARENB with EINVAL; the port must still open */
  ossp_transport_close (t);
  {
    g_autoptr(GError) error = NULL;
    g_assert_true (ossp_transport_open (t, NULL, &error));
    g_assert_no_error (error);
    g_assert_false (ossp_uart_transport_get_parity_applied (OSSP_UART_TRANSPORT (t)));
  }
}

static void
test_uart_open_missing (void)
{
  g_autoptr(OsspUartTransport) t = ossp_uart_transport_new ("/dev/openssp-no-such-tty");
  g_autoptr(GError) error = NULL;

  g_assert_false (ossp_transport_open (OSSP_TRANSPORT (t), NULL, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "/dev/openssp-no-such-tty"));
}

/* ROM stage (§4.3/§4.4): silent until 0x7F; phase 0x01; DOWNLOAD op 0x01 of
 * the whole image; START at the load address hands over to the FSBL, which
 * opens with its resync NACK. */
static void
test_uart_rom_stage (void)
{
  g_autoptr(Peer) p = peer_new (FALSE);
  g_autoptr(OsspTransport) t = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspPhaseInfo) info = NULL;
  g_autoptr(GBytes) image = pattern (1000, 3);
  guint16 dev_id = 0;
  guint8 version = 0;
  OsspTransportStage stage;

  t = open_transport (p, 500);
  peer_run (p);
  stage = ossp_transport_wait_device (t, 0, 2000, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (stage, ==, OSSP_TRANSPORT_STAGE_ROM);
  g_assert_true (ossp_transport_get_device_id (t, &dev_id, NULL, &error));
  g_assert_cmphex (dev_id, ==, 0x500);
  g_assert_true (ossp_uart_transport_get_version (OSSP_UART_TRANSPORT (t), &version, NULL, &error));
  g_assert_cmphex (version, ==, 0x40);

  info = ossp_transport_get_phase (t, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmphex (info->phase, ==, 0x01);
  g_assert_cmphex (info->address, ==, LOAD_ADDRESS);
  g_assert_cmpstr (info->message, ==, "");

  g_assert_true (ossp_transport_download (t, 0x01, image, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  assert_received (p, image);
  g_assert_cmphex (p->last_op, ==, 0x01);

  g_assert_true (ossp_transport_start (t, info->address, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmphex (p->start_address, ==, LOAD_ADDRESS);

  g_assert_true (ossp_transport_reset (t, NULL, &error));
  stage = ossp_transport_wait_device (t, 1500, 3000, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (stage, ==, OSSP_TRANSPORT_STAGE_FSBL);
  g_assert_cmpuint (ossp_uart_transport_get_retry_count (OSSP_UART_TRANSPORT (t)), ==, 0);
}

static void
test_uart_rom_refuses_start (void)
{
  g_autoptr(Peer) p = peer_new (FALSE);
  g_autoptr(OsspTransport) t = NULL;
  g_autoptr(GError) error = NULL;

  p->refuse_start = TRUE;
  t = open_transport (p, 500);
  peer_run (p);
  g_assert_cmpint (ossp_transport_wait_device (t, 0, 2000, NULL, &error), ==,
                   OSSP_TRANSPORT_STAGE_ROM);
  g_assert_false (ossp_transport_start (t, LOAD_ADDRESS, NULL, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "START (0x21)"));
  g_assert_nonnull (strstr (error->message, "0x2FFC2400"));
  /* refused, not retried: a START is never sent twice */
  g_assert_cmpuint (p->start_count, ==, 1);
}

/* Boot 2 of §4.2's host view: resync NACK, GET_PHASE 0xF3, READ_PART 136,
 * DOWNLOAD 380 = 256 + 124, START, GET_PHASE 0xFF. */
static void
run_fsbl_session (gboolean v22)
{
  g_autoptr(Peer) p = peer_new (TRUE);
  g_autoptr(OsspTransport) t = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspPhaseInfo) info = NULL;
  g_autoptr(OsspPhaseInfo) after = NULL;
  g_autoptr(GBytes) cert = NULL;
  g_autoptr(GBytes) blob = pattern (380, 9);

  p->v22 = v22;
  t = open_transport (p, 500);
  peer_run (p);
  g_assert_cmpint (ossp_transport_wait_device (t, 1500, 3000, NULL, &error), ==,
                   OSSP_TRANSPORT_STAGE_FSBL);
  g_assert_no_error (error);
  info = ossp_transport_get_phase (t, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmphex (info->phase, ==, 0xF3);
  g_assert_cmphex (info->address, ==, BLOB_BASE);

  cert = ossp_transport_read_partition (t, 0xF3, OSSP_CERTIFICATE_SIZE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (cert, NULL), g_bytes_get_size (cert), certificate (), 136);

  /* the next command must line up whether or not a trailing ACK came */
  g_assert_true (ossp_transport_download (t, 0xF3, blob, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  assert_received (p, blob);
  g_assert_cmphex (p->last_op, ==, 0xF3);
  g_assert_cmpuint (p->expected_packet, ==, 2);

  g_assert_true (ossp_transport_start (t, info->address, NULL, &error));
  g_assert_cmphex (p->start_address, ==, BLOB_BASE);
  after = ossp_transport_get_phase (t, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmphex (after->phase, ==, 0xFF);
  g_assert_cmpstr (after->message, ==, "Invalid start at 0x2FFFF000\n");
  g_assert_cmpuint (ossp_uart_transport_get_retry_count (OSSP_UART_TRANSPORT (t)), ==, 0);
}

static void
test_uart_fsbl_session_v26 (void)
{
  run_fsbl_session (FALSE);
}

static void
test_uart_fsbl_session_v22 (void)
{
  run_fsbl_session (TRUE);
}

/* Boot 1: GET_PHASE → 0xFF "Provisioning\n" (13 bytes, L = 0x12). */
static void
test_uart_boot1_phase (void)
{
  g_autoptr(Peer) p = peer_new (TRUE);
  g_autoptr(OsspTransport) t = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspPhaseInfo) info = NULL;

  p->phase = 0xFF;
  t = open_transport (p, 500);
  peer_run (p);
  g_assert_cmpint (ossp_transport_wait_device (t, 1500, 3000, NULL, &error), ==,
                   OSSP_TRANSPORT_STAGE_FSBL);
  info = ossp_transport_get_phase (t, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmphex (info->phase, ==, 0xFF);
  g_assert_cmpstr (info->message, ==, "Provisioning\n");
  /* the FSBL reset: the ROM is back, silent until the host syncs */
  g_assert_true (ossp_transport_reset (t, NULL, &error));
  g_assert_cmpint (ossp_transport_wait_device (t, 0, 2000, NULL, &error), ==,
                   OSSP_TRANSPORT_STAGE_ROM);
}

/* An FSBL whose resync NACK got lost is still found by probing. */
static void
test_uart_no_resync (void)
{
  g_autoptr(Peer) p = peer_new (TRUE);
  g_autoptr(OsspTransport) t = NULL;
  g_autoptr(GError) error = NULL;

  p->resync_nack = FALSE;
  t = open_transport (p, 500);
  peer_run (p);
  g_assert_cmpint (ossp_transport_wait_device (t, 200, 2000, NULL, &error), ==,
                   OSSP_TRANSPORT_STAGE_FSBL);
  g_assert_no_error (error);
  g_assert_cmpuint (p->syncs, >=, 1);
}

static void
test_uart_nacked_packet (void)
{
  g_autoptr(Peer) p = peer_new (TRUE);
  g_autoptr(OsspTransport) t = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) blob = pattern (380, 1);

  p->nack_data_of_packet = 1;
  t = open_transport (p, 500);
  peer_run (p);
  g_assert_cmpint (ossp_transport_wait_device (t, 1500, 3000, NULL, &error), ==,
                   OSSP_TRANSPORT_STAGE_FSBL);
  g_assert_true (ossp_transport_download (t, 0xF3, blob, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  assert_received (p, blob);
  g_assert_cmpuint (ossp_uart_transport_get_retry_count (OSSP_UART_TRANSPORT (t)), ==, 1);
}

/* One host byte lost on the wire: the device waits, aborts after 20 ms
 * with NACK, and the host re-sends the packet. */
static void
test_uart_dropped_byte (void)
{
  g_autoptr(Peer) p = peer_new (TRUE);
  g_autoptr(OsspTransport) t = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) blob = pattern (380, 2);

  p->drop_byte_of_packet = 0;
  p->drop_byte_index = 100;
  t = open_transport (p, 500);
  peer_run (p);
  g_assert_cmpint (ossp_transport_wait_device (t, 1500, 3000, NULL, &error), ==,
                   OSSP_TRANSPORT_STAGE_FSBL);
  g_assert_true (ossp_transport_download (t, 0xF3, blob, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  assert_received (p, blob);
  g_assert_cmpuint (ossp_uart_transport_get_retry_count (OSSP_UART_TRANSPORT (t)), >=, 1);
}

/* The device stored a packet but its ACK was lost: re-sending that packet
 * is refused by number, and the host goes on with the next one — the
 * device never stores a packet twice. */
static void
test_uart_lost_ack (void)
{
  g_autoptr(Peer) p = peer_new (TRUE);
  g_autoptr(OsspTransport) t = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) blob = pattern (700, 4);

  p->swallow_ack_of_packet = 0;
  t = open_transport (p, 200);
  peer_run (p);
  g_assert_cmpint (ossp_transport_wait_device (t, 1500, 3000, NULL, &error), ==,
                   OSSP_TRANSPORT_STAGE_FSBL);
  g_assert_true (ossp_transport_download (t, 0xF3, blob, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  assert_received (p, blob);
  g_assert_cmpuint (p->expected_packet, ==, 3);
}

static void
test_uart_silent_device (void)
{
  g_autoptr(Peer) p = peer_new (FALSE);
  g_autoptr(OsspTransport) t = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspPhaseInfo) info = NULL;
  gint64 t0;

  p->silent = TRUE;
  t = open_transport (p, 150);
  peer_run (p);
  t0 = g_get_monotonic_time ();
  g_assert_cmpint (ossp_transport_wait_device (t, 0, 400, NULL, &error), ==,
                   OSSP_TRANSPORT_STAGE_NONE);
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_TIMEOUT);
  g_assert_nonnull (strstr (error->message, "no device answered"));
  /* bounded: no hang */
  g_assert_cmpint (g_get_monotonic_time () - t0, <, 2 * G_USEC_PER_SEC);
  g_clear_error (&error);

  info = ossp_transport_get_phase (t, NULL, &error);
  g_assert_null (info);
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_TIMEOUT);
  g_assert_nonnull (strstr (error->message, "GET_PHASE (0x03)"));
  g_assert_nonnull (strstr (error->message, "command byte"));
}

static void
test_uart_bad_phase_length (void)
{
  g_autoptr(Peer) p = peer_new (TRUE);
  g_autoptr(OsspTransport) t = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspPhaseInfo) info = NULL;

  p->bad_get_phase_len = TRUE;
  t = open_transport (p, 200);
  peer_run (p);
  g_assert_cmpint (ossp_transport_wait_device (t, 1500, 3000, NULL, &error), ==,
                   OSSP_TRANSPORT_STAGE_FSBL);
  info = ossp_transport_get_phase (t, NULL, &error);
  g_assert_null (info);
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "GET_PHASE (0x03)"));
  g_assert_nonnull (strstr (error->message, "byte 1"));
  /* tried as often as allowed, no more */
  g_assert_cmpuint (p->commands, ==, 3);
}

static void
test_uart_device_gone (void)
{
  g_autoptr(Peer) p = peer_new (TRUE);
  g_autoptr(OsspTransport) t = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspPhaseInfo) info = NULL;

  t = open_transport (p, 500);
  /* unplug: the device side of the pty goes away */
  close (p->master);
  p->master = -1;
  info = ossp_transport_get_phase (t, NULL, &error);
  g_assert_null (info);
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_DEVICE);
  g_assert_nonnull (strstr (error->message, "gone"));
}

static gpointer
cancel_later (gpointer c)
{
  g_usleep (100 * 1000);
  g_cancellable_cancel (c);
  return NULL;
}

static void
test_uart_cancel (void)
{
  g_autoptr(Peer) p = peer_new (FALSE);
  g_autoptr(OsspTransport) t = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) c = g_cancellable_new ();
  GThread *th;
  gint64 t0;

  p->silent = TRUE;
  t = open_transport (p, 500);
  peer_run (p);
  th = g_thread_new ("cancel", cancel_later, c);
  t0 = g_get_monotonic_time ();
  g_assert_cmpint (ossp_transport_wait_device (t, 10000, 20000, c, &error), ==,
                   OSSP_TRANSPORT_STAGE_NONE);
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_CANCELLED);
  g_assert_cmpint (g_get_monotonic_time () - t0, <, G_USEC_PER_SEC);
  g_thread_join (th);
}

static void
got_phase (GObject *source, GAsyncResult *res, gpointer data)
{
  OsspPhaseInfo **out = data;
  g_autoptr(GError) error = NULL;
  *out = ossp_transport_get_phase_finish (OSSP_TRANSPORT (source), res, &error);
  g_assert_no_error (error);
}

static void
test_uart_async (void)
{
  g_autoptr(Peer) p = peer_new (TRUE);
  g_autoptr(OsspTransport) t = NULL;
  g_autoptr(GError) error = NULL;
  OsspPhaseInfo *info = NULL;

  t = open_transport (p, 500);
  peer_run (p);
  g_assert_cmpint (ossp_transport_wait_device (t, 1500, 3000, NULL, &error), ==,
                   OSSP_TRANSPORT_STAGE_FSBL);
  ossp_transport_get_phase_async (t, NULL, got_phase, &info);
  while (info == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmphex (info->phase, ==, 0xF3);
  ossp_phase_info_free (info);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/uart/pty-parity", test_uart_pty_parity);
  g_test_add_func ("/uart/open-missing", test_uart_open_missing);
  g_test_add_func ("/uart/rom-stage", test_uart_rom_stage);
  g_test_add_func ("/uart/rom-refuses-start", test_uart_rom_refuses_start);
  g_test_add_func ("/uart/fsbl-session-v2.6", test_uart_fsbl_session_v26);
  g_test_add_func ("/uart/fsbl-session-v2.2", test_uart_fsbl_session_v22);
  g_test_add_func ("/uart/boot1-phase", test_uart_boot1_phase);
  g_test_add_func ("/uart/no-resync", test_uart_no_resync);
  g_test_add_func ("/uart/nacked-packet", test_uart_nacked_packet);
  g_test_add_func ("/uart/dropped-byte", test_uart_dropped_byte);
  g_test_add_func ("/uart/lost-ack", test_uart_lost_ack);
  g_test_add_func ("/uart/silent-device", test_uart_silent_device);
  g_test_add_func ("/uart/bad-phase-length", test_uart_bad_phase_length);
  g_test_add_func ("/uart/device-gone", test_uart_device_gone);
  g_test_add_func ("/uart/cancel", test_uart_cancel);
  g_test_add_func ("/uart/async", test_uart_async);
  return g_test_run ();
}
