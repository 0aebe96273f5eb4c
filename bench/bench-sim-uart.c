/* bench-sim-uart.c — how fast the chip simulator serves a pty
 *
 * The simulator must never be the bottleneck of a provisioning line: it
 * must move bytes at least 10× faster than a 115200-baud UART (11 bits per
 * byte with even parity: 10473 bytes/s). Three runs, each against the
 * 115200-baud wire time of the same bytes as reference:
 *   1. host → device: a large FSBL DOWNLOAD to the ROM, unpaced;
 *   2. device → host: READ_PART of the certificate (N = 256), unpaced;
 *   3. the same download paced at --baud 115200 (should take wire time).
 * Prints ratios; no assertions. Not run in CI (bench/sim-uart.sh).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <unistd.h>

#include "ossp-test-ssp-host.h"
#include "ossp-sim-uart.h"

#define WIRE_BPS (115200.0 / 11.0)

typedef struct {
  OsspSimBoard *board;
  OsspSimUart  *uart;
  GCancellable *cancel;
  GThread      *thread;
  int           master, keep, fd;
} Served;

static gpointer
serve_thread (gpointer data)
{
  Served *s = data;

  ossp_sim_uart_serve_fd (s->uart, s->master, s->cancel, NULL);
  return NULL;
}

static void
serve (Served *s, guint baud)
{
  OsspSimFactoryOptions opts;
  OsspSimUartOptions uo;
  g_autofree char *path = NULL;

  ossp_sim_factory_options_init (&opts);
  s->board = ossp_sim_board_new_factory (&opts, NULL);
  ossp_sim_uart_options_init (&uo);
  uo.baud = baud;
  uo.byte_timeout_ms = 1000;
  s->uart = ossp_sim_uart_new (s->board, &uo);
  s->master = ossp_sim_uart_open_pty (&path, &s->keep, NULL);
  s->cancel = g_cancellable_new ();
  s->thread = g_thread_new ("sim", serve_thread, s);
  s->fd = ossp_test_uart_open (path);
}

static void
unserve (Served *s)
{
  g_cancellable_cancel (s->cancel);
  g_thread_join (s->thread);
  close (s->fd);
  close (s->master);
  close (s->keep);
  g_object_unref (s->uart);
  g_object_unref (s->board);
  g_object_unref (s->cancel);
}

/* Bytes on the wire for a ROM download of @len bytes (both directions). */
static double
download_wire_bytes (gsize len)
{
  gsize packets = (len + 255) / 256;

  /* per packet: 31 CE, ACK, 5 header bytes, ACK, N-1, data, XOR, ACK */
  return (double) len + packets * (2 + 1 + 5 + 1 + 1 + 1 + 1);
}

static double
time_download (Served *s, GBytes *image)
{
  static const guint8 sync = 0x7F, ack = 0x79;
  gint64 t0;

  ossp_test_uart_write (s->fd, &sync, 1);
  ossp_test_uart_expect (s->fd, &ack, 1, 2000);
  t0 = g_get_monotonic_time ();
  ossp_test_uart_download (s->fd, 0x01, g_bytes_get_data (image, NULL), g_bytes_get_size (image));
  return (g_get_monotonic_time () - t0) / 1e6;
}

int
main (int argc, char **argv)
{
  Served s = { 0 };
  g_autoptr(GBytes) big = ossp_test_build_fsbl ("stm32mp15", NULL, 0, 240 * 1024, NULL);
  g_autoptr(GBytes) small = ossp_test_build_fsbl ("stm32mp15", NULL, 0, 20 * 1024, NULL);
  static const guint8 part[6] = { 0xF3, 0, 0, 0, 0, 0xF3 }, n[2] = { 0xFF, 0x00 }, ack = 0x79;
  guint8 buf[256];
  double secs, bytes, rate;
  gint64 t0;
  guint reads = 400;

  /* 1. host → device */
  serve (&s, 0);
  secs = time_download (&s, big);
  bytes = download_wire_bytes (g_bytes_get_size (big));
  rate = bytes / secs;
  printf ("download  %7.0f KiB in %6.3f s: %9.0f bytes/s = %6.1f x the 115200-baud wire (goal >= 10)\n",
          g_bytes_get_size (big) / 1024.0, secs, rate, rate / WIRE_BPS);
  unserve (&s);

  /* 2. device → host: the certificate, 255 bytes per READ_PART (v2.6) */
  serve (&s, 0);
  {
    g_autoptr(GError) error = NULL;
    ossp_sim_board_rom_start (s.board, g_bytes_get_data (small, NULL), g_bytes_get_size (small), &error);
    ossp_sim_board_fsbl_enter (s.board);
    ossp_sim_board_fsbl_end_session (s.board);
  }
  time_download (&s, small);
  ossp_test_uart_start (s.fd, 0x2FFC2400, 0x79);
  ossp_test_uart_expect (s.fd, (const guint8 *) "\x1F", 1, 2000);
  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < reads; i++)
    {
      ossp_test_uart_command (s.fd, 0x12);
      ossp_test_uart_write (s.fd, part, 6);
      ossp_test_uart_expect (s.fd, &ack, 1, 2000);
      ossp_test_uart_write (s.fd, n, 2);
      ossp_test_uart_expect (s.fd, &ack, 1, 2000);
      if (ossp_test_uart_read (s.fd, buf, 255, 2000) != 255)
        g_error ("short certificate read");
      ossp_test_uart_expect (s.fd, &ack, 1, 2000);
    }
  secs = (g_get_monotonic_time () - t0) / 1e6;
  bytes = reads * (2.0 + 1 + 6 + 1 + 2 + 1 + 255 + 1);
  rate = bytes / secs;
  printf ("read_part %7.0f KiB in %6.3f s: %9.0f bytes/s = %6.1f x the 115200-baud wire (goal >= 10)\n",
          reads * 255 / 1024.0, secs, rate, rate / WIRE_BPS);
  unserve (&s);

  /* 3. paced: the download should take the wire time */
  serve (&s, 115200);
  secs = time_download (&s, small);
  bytes = download_wire_bytes (g_bytes_get_size (small));
  printf ("paced     %7.0f KiB in %6.3f s: wire time %6.3f s, ratio %.2f (1.00 = exactly wire speed)\n",
          g_bytes_get_size (small) / 1024.0, secs, bytes / WIRE_BPS, secs / (bytes / WIRE_BPS));
  unserve (&s);
  return 0;
}
