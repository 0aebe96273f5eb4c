/* ossp-bench-pace.c — the reference of bench/provision.sh
 *
 * Pushes N bytes through a pty pair while the reading side paces itself
 * exactly as the chip simulator does (src/sim/ossp-sim-uart.c: each byte
 * takes 11 bits at the baud rate, clock = MAX (clock, now) + byte time,
 * then sleep), so the time printed is what a host with no overhead at all
 * would need for those bytes against this simulator.
 *
 * Usage: ossp-bench-pace BYTES BAUD   → prints milliseconds
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <pty.h>
#include <termios.h>
#include <unistd.h>

#include <glib.h>

typedef struct {
  int    fd;
  gsize  n;
  gint64 byte_us;
} Reader;

static gpointer
reader (gpointer data)
{
  Reader *r = data;
  guint8 buf[4096];
  gsize got = 0;
  gint64 clock = 0;

  while (got < r->n)
    {
      ssize_t k = read (r->fd, buf, sizeof buf);
      if (k <= 0)
        break;
      for (ssize_t i = 0; i < k; i++)
        {
          gint64 now = g_get_monotonic_time ();
          clock = MAX (clock, now) + r->byte_us;
          now = g_get_monotonic_time ();
          if (clock > now)
            g_usleep (clock - now);
        }
      got += (gsize) k;
    }
  return NULL;
}

int
main (int argc, char **argv)
{
  int master, slave;
  struct termios raw;
  Reader r;
  guint8 chunk[256] = { 0 };
  gsize sent = 0;
  guint64 baud;
  GThread *t;
  gint64 t0;

  if (argc != 3 || !g_ascii_string_to_unsigned (argv[1], 10, 1, G_MAXUINT32, (guint64 *) &r.n, NULL) ||
      !g_ascii_string_to_unsigned (argv[2], 10, 1, 10000000, &baud, NULL))
    {
      g_printerr ("usage: ossp-bench-pace BYTES BAUD\n");
      return 2;
    }
  cfmakeraw (&raw);
  if (openpty (&master, &slave, NULL, &raw, NULL) != 0)
    return 1;
  r.fd = master;
  r.byte_us = (gint64) ((11 * G_USEC_PER_SEC + baud - 1) / baud);
  t0 = g_get_monotonic_time ();
  t = g_thread_new ("reader", reader, &r);
  while (sent < r.n)
    {
      gsize k = MIN (sizeof chunk, r.n - sent);
      if (write (slave, chunk, k) != (ssize_t) k)
        return 1;
      sent += k;
    }
  g_thread_join (t);
  g_print ("%" G_GINT64_FORMAT "\n", (g_get_monotonic_time () - t0) / 1000);
  return 0;
}
