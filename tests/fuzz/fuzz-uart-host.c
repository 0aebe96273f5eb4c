/* fuzz-uart-host.c — the host's UART protocol engine (ssp-flow.md §4.2–§4.4)
 * against a hostile device.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The real OsspUartTransport opens the slave of a pty; a thread here plays
 * the device on the master.  Input:
 *   byte 0   bits 0-1: the host's sequence (see run_sequence);
 *            bit 2: two attempts per command instead of one (retries,
 *            re-sync, the "packet already received" path);
 *            bit 3: a 300-byte blob (two DOWNLOAD packets) instead of 16;
 *            bits 4-5: READ_PART asks for 4, 136, 256 or 1 byte(s).
 *   byte 1…  the device's answers: segments [L][L bytes].  Each time the
 *            host writes (a command, a sync byte, a packet) the device
 *            answers with the next segment (L = 0: it stays silent).  When
 *            the segments are used up, the next host write makes the device
 *            close the master: the host sees a hang-up and fails at once.
 * The fixed protocol waits are divided by 100 and replies time out after a
 * few ms, so one input runs in milliseconds.
 * Checked: no crash, leak or UB (ASan+UBSan builds); every failure sets a
 * GError in OSSP_ERROR with a printable message; whatever the host builds
 * from device bytes (the phase message) is printable; each call returns.
 */
#define _GNU_SOURCE   /* posix_openpt, ptsname_r, pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ossp-uart-transport.h"

#define REPLY_TIMEOUT_MS 4
#define WAIT_DIVISOR     100
#define SYNC_TIMEOUT_MS  10

int LLVMFuzzerTestOneInput (const guint8 *data, gsize size);

typedef struct {
  int           master;
  int           wake[2];    /* the host side is done: stop answering */
  const guint8 *seg;
  gsize         len;
} Device;

static void
device_write (int fd, const guint8 *p, gsize n)
{
  while (n > 0)
    {
      ssize_t w = write (fd, p, n);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        return;
      p += w;
      n -= (gsize) w;
    }
}

/* One conversation: answers the host until it is done or out of answers. */
static void
device_serve (Device *d)
{
  gsize pos = 0;

  for (;;)
    {
      struct pollfd fds[2] = { { .fd = d->master, .events = POLLIN },
                               { .fd = d->wake[0], .events = POLLIN } };
      guint8 buf[512];
      ssize_t n;

      if (poll (fds, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          break;
        }
      if (fds[1].revents)
        break;
      if (!(fds[0].revents & POLLIN))
        break;   /* the host closed the port */
      /* everything the host wrote so far is one frame: answer it once */
      n = read (d->master, buf, sizeof buf);
      if (n <= 0)
        break;
      if (pos >= d->len)
        {
          /* out of answers: hang up, so the host fails now, not on a timeout */
          close (d->master);
          d->master = -1;
          break;
        }
      {
        gsize l = MIN ((gsize) d->seg[pos], d->len - pos - 1);
        device_write (d->master, d->seg + pos + 1, l);
        pos += 1 + l;
      }
    }
}

/* The device thread lives for the whole process: with a thread per input
 * the fuzzer's RSS grew faster (peak 422 MB vs 380 MB in 120 s) and each
 * input paid a thread start. */
static GMutex device_lock;
static GCond  device_cond;
static Device *device_job;      /* set by the host side, cleared when served */

static gpointer
device_thread (gpointer data)
{
  for (;;)
    {
      Device *d;

      g_mutex_lock (&device_lock);
      while (device_job == NULL)
        g_cond_wait (&device_cond, &device_lock);
      d = device_job;
      g_mutex_unlock (&device_lock);

      device_serve (d);

      g_mutex_lock (&device_lock);
      device_job = NULL;
      g_cond_broadcast (&device_cond);
      g_mutex_unlock (&device_lock);
    }
  return NULL;
}

static void
device_start (Device *d)
{
  static gsize started = 0;

  if (g_once_init_enter (&started))
    {
      g_thread_unref (g_thread_new ("device", device_thread, NULL));
      g_once_init_leave (&started, 1);
    }
  g_mutex_lock (&device_lock);
  device_job = d;
  g_cond_broadcast (&device_cond);
  g_mutex_unlock (&device_lock);
}

static void
device_finish (Device *d)
{
  device_write (d->wake[1], (const guint8 *) "x", 1);
  g_mutex_lock (&device_lock);
  while (device_job != NULL)
    g_cond_wait (&device_cond, &device_lock);
  g_mutex_unlock (&device_lock);
}

static void
check_text (const char *s)
{
  for (const char *c = s; *c; c++)
    g_assert (g_ascii_isprint (*c) || *c == '\n');
}

/* ok XOR error; an error is ours and says something printable */
static void
check_result (gboolean ok, GError **error)
{
  if (ok)
    g_assert_null (*error);
  else
    {
      g_assert_nonnull (*error);
      g_assert_cmpuint ((*error)->domain, ==, OSSP_ERROR);
      g_assert_nonnull ((*error)->message);
      g_assert_cmpuint (strlen ((*error)->message), >, 0);
      check_text ((*error)->message);
    }
  g_clear_error (error);
}

typedef struct {
  gsize done;
  gsize total;
} Progress;

static void
on_progress (gsize done, gsize total, gpointer user_data)
{
  Progress *p = user_data;

  g_assert_cmpuint (done, <=, total);
  g_assert_cmpuint (done, >=, p->done);
  p->done = done;
  p->total = total;
}

static void
step_sync (OsspUartTransport *t)
{
  g_autoptr(GError) error = NULL;

  check_result (ossp_uart_transport_sync (t, SYNC_TIMEOUT_MS, NULL, &error), &error);
}

static void
step_identify (OsspUartTransport *t)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) cmds = NULL;
  guint8 version = 0;
  guint16 dev_id = 0;
  gboolean ok;

  ok = ossp_uart_transport_get_commands (t, &version, &cmds, NULL, &error);
  g_assert (!ok || cmds != NULL);
  check_result (ok, &error);
  check_result (ossp_uart_transport_get_version (t, &version, NULL, &error), &error);
  check_result (ossp_transport_get_device_id (OSSP_TRANSPORT (t), &dev_id, NULL, &error), &error);
}

static void
step_phase (OsspUartTransport *t)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspPhaseInfo) info = ossp_transport_get_phase (OSSP_TRANSPORT (t), NULL, &error);

  if (info != NULL)
    {
      g_assert_nonnull (info->message);
      check_text (info->message);
    }
  check_result (info != NULL, &error);
}

static void
step_download_start (OsspUartTransport *t, guint8 partition, gsize size, guint32 address)
{
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *blob = g_malloc (size);
  g_autoptr(GBytes) bytes = NULL;
  Progress progress = { 0, 0 };
  gboolean ok;

  for (gsize i = 0; i < size; i++)
    blob[i] = (guint8) (i * 13 + 7);
  bytes = g_bytes_new (blob, size);
  ok = ossp_transport_download (OSSP_TRANSPORT (t), partition, bytes, on_progress, &progress,
                                NULL, &error);
  g_assert (!ok || progress.done == size);
  check_result (ok, &error);
  check_result (ossp_transport_start (OSSP_TRANSPORT (t), address, NULL, &error), &error);
}

static void
step_read (OsspUartTransport *t, guint8 flags)
{
  static const gsize lengths[] = { 4, 136, 256, 1 };
  gsize length = lengths[(flags >> 4) & 3];
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) part = ossp_transport_read_partition (OSSP_TRANSPORT (t), 0xF3, length,
                                                          NULL, &error);

  g_assert (part == NULL || g_bytes_get_size (part) == length);
  check_result (part != NULL, &error);
}

static void
step_wait (OsspUartTransport *t)
{
  g_autoptr(GError) error = NULL;
  OsspTransportStage stage = ossp_transport_wait_device (OSSP_TRANSPORT (t), SYNC_TIMEOUT_MS,
                                                         SYNC_TIMEOUT_MS, NULL, &error);

  g_assert (stage == OSSP_TRANSPORT_STAGE_NONE || stage == OSSP_TRANSPORT_STAGE_ROM
            || stage == OSSP_TRANSPORT_STAGE_FSBL);
  check_result (stage != OSSP_TRANSPORT_STAGE_NONE, &error);
}

/* FSBL-SSP: wait for it, read the certificate, send the blob (§4.2) */
static void
fsbl_stage (OsspUartTransport *t, guint8 flags, gsize blob)
{
  step_wait (t);
  step_phase (t);
  step_read (t, flags);
  step_download_start (t, 0xF3, blob, 0x2FFFF000);
  step_phase (t);
}

/* The host keeps going after a failure, as a retrying user would: that is
 * where stale bytes and half-read replies meet the next command. */
static void
run_sequence (OsspUartTransport *t, guint8 flags)
{
  gsize blob = (flags & 8) ? 300 : 16;

  switch (flags & 3)
    {
    case 0:   /* identify: sync, GET, GET_VERSION, GET_ID, GET_PHASE */
      step_sync (t);
      step_identify (t);
      step_phase (t);
      break;
    case 1:   /* ROM stage: load the FSBL and start it (§4.3) */
      step_sync (t);
      step_phase (t);
      step_download_start (t, 0x01, blob, 0x2FFC2400);
      break;
    case 2:
      fsbl_stage (t, flags, blob);
      break;
    default:  /* everything, in provisioning order */
      step_wait (t);
      step_identify (t);
      step_phase (t);
      step_download_start (t, 0x01, blob, 0x2FFC2400);
      fsbl_stage (t, flags, blob);
      break;
    }
}

int
LLVMFuzzerTestOneInput (const guint8 *data, gsize size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspUartTransport) t = NULL;
  Device d = { .master = -1, .wake = { -1, -1 } };
  char path[128];

  if (size < 1)
    return 0;
  d.master = posix_openpt (O_RDWR | O_NOCTTY | O_CLOEXEC);
  g_assert_cmpint (d.master, >=, 0);
  g_assert_cmpint (grantpt (d.master), ==, 0);
  g_assert_cmpint (unlockpt (d.master), ==, 0);
  g_assert_cmpint (ptsname_r (d.master, path, sizeof path), ==, 0);
  g_assert_cmpint (pipe2 (d.wake, O_CLOEXEC), ==, 0);
  d.seg = data + 1;
  d.len = size - 1;

  t = ossp_uart_transport_new (path);
  ossp_uart_transport_set_reply_timeout (t, REPLY_TIMEOUT_MS);
  ossp_uart_transport_set_max_attempts (t, (data[0] & 4) ? 2 : 1);
  ossp_uart_transport_set_wait_divisor (t, WAIT_DIVISOR);
  check_text (ossp_transport_get_name (OSSP_TRANSPORT (t)));
  if (!ossp_transport_open (OSSP_TRANSPORT (t), NULL, &error))
    g_error ("cannot open the pty slave %s: %s", path, error->message);

  device_start (&d);
  run_sequence (t, data[0]);
  device_finish (&d);

  ossp_transport_close (OSSP_TRANSPORT (t));
  if (d.master >= 0)
    close (d.master);
  close (d.wake[0]);
  close (d.wake[1]);
  return 0;
}
