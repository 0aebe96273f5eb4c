/* ossp-free-scan.c — LD_PRELOAD module for the CLI secret tests: every block
 * the process frees (free, and realloc when it moves the data) is looked at
 * while it is still allocated; if it still holds one of the secrets in
 * $OSSP_SCAN_SECRETS (comma-separated hex), a line and a backtrace go to
 * $OSSP_SCAN_LOG. The whole process is covered — our code, GLib, json-glib,
 * GnuTLS, stdio — which the in-process wipe test (--wrap) cannot see.
 *
 * Plain builds only: sanitizers and valgrind bring their own allocator.
 * Run with G_SLICE=always-malloc so GLib's small blocks come through free().
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define _GNU_SOURCE
#include <execinfo.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_SECRETS 16
#define MAX_LEN     128

/* glibc's own entry points: no dlsym (which may allocate) needed */
extern void  __libc_free (void *ptr);
extern void *__libc_realloc (void *ptr, size_t size);

static unsigned char secrets[MAX_SECRETS][MAX_LEN];
static size_t secret_len[MAX_SECRETS];
static int n_secrets;
static int log_fd = -1;
static int in_report;

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  c |= 0x20;
  return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

__attribute__((constructor)) static void
scan_init (void)
{
  const char *e = getenv ("OSSP_SCAN_SECRETS");
  const char *log = getenv ("OSSP_SCAN_LOG");

  if (e == NULL || log == NULL)
    return;
  while (*e && n_secrets < MAX_SECRETS)
    {
      size_t n = 0;
      while (e[0] && e[1] && e[0] != ',' && n < MAX_LEN)
        {
          int hi = hex_value (e[0]), lo = hex_value (e[1]);
          if (hi < 0 || lo < 0)
            break;
          secrets[n_secrets][n++] = (unsigned char) (hi * 16 + lo);
          e += 2;
        }
      if (n >= 8)   /* shorter ones could match by chance */
        secret_len[n_secrets++] = n;
      while (*e && *e != ',')
        e++;
      if (*e == ',')
        e++;
    }
  log_fd = open (log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  /* proof for the test that the scanner is live in this process */
  if (getenv ("OSSP_SCAN_SELFTEST") && n_secrets > 0)
    {
      /* through a volatile pointer: a malloc/free pair is otherwise optimised out */
      void (*volatile release) (void *) = free;
      unsigned char *copy = malloc (secret_len[0]);
      if (copy)
        {
          memcpy (copy, secrets[0], secret_len[0]);
          release (copy);
        }
    }
}

static int
holds_secret (void *block)
{
  size_t size;

  if (block == NULL || log_fd < 0 || in_report)
    return -1;
  size = malloc_usable_size (block);
  for (int i = 0; i < n_secrets; i++)
    if (memmem (block, size, secrets[i], secret_len[i]) != NULL)
      return i;
  return -1;
}

static void
report (int which, size_t size, const char *how)
{
  char line[160];
  void *frames[24];
  int n;

  in_report = 1;   /* backtrace() may allocate on its first call */
  n = snprintf (line, sizeof line, "secret %d (%zu bytes) left in a %zu-byte block by %s at:\n",
                which, secret_len[which], size, how);
  if (write (log_fd, line, (size_t) n) < 0)
    {
      in_report = 0;
      return;
    }
  n = backtrace (frames, 24);
  backtrace_symbols_fd (frames, n, log_fd);
  in_report = 0;
}

void
free (void *ptr)
{
  int which = holds_secret (ptr);

  if (which >= 0)
    report (which, malloc_usable_size (ptr), "free()");
  __libc_free (ptr);
}

void *
realloc (void *ptr, size_t size)
{
  int which = holds_secret (ptr);
  size_t old = ptr ? malloc_usable_size (ptr) : 0;
  void *moved = __libc_realloc (ptr, size);

  /* a move frees the old block with the secret still in it */
  if (which >= 0 && moved != ptr && moved != NULL)
    report (which, old, "realloc() moving the data");
  return moved;
}
