/* ossp-pcscd-launch.c — start a private pcscd by socket activation
 *
 *   ossp-pcscd-launch SOCKET CONFDIR LOGFILE [pcscd options…]
 *
 * pcscd 1.9.9 has no option for its socket path, but takes an activated
 * socket (sd_listen_fds protocol): we create and bind the unix socket, put
 * it on fd 3, set LISTEN_FDS=1 and LISTEN_PID to our own pid, and exec
 * pcscd in this very process, so the pid matches (spec platform.md §2b).
 * Clients find it through PCSCLITE_CSOCK_NAME=SOCKET.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int
main (int argc, char **argv)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  char pid[32];
  char **args;
  int s, log;

  if (argc < 4 || strlen (argv[1]) >= sizeof addr.sun_path)
    {
      fprintf (stderr, "usage: %s SOCKET CONFDIR LOGFILE [pcscd options…]\n", argv[0]);
      return 2;
    }
  strcpy (addr.sun_path, argv[1]);
  unlink (argv[1]);
  s = socket (AF_UNIX, SOCK_STREAM, 0);
  if (s < 0 || bind (s, (struct sockaddr *) &addr, sizeof addr) != 0 || listen (s, 16) != 0)
    {
      perror ("ossp-pcscd-launch: socket");
      return 1;
    }
  if (s != 3)
    {
      if (dup2 (s, 3) < 0)
        return 1;
      close (s);
    }
  snprintf (pid, sizeof pid, "%ld", (long) getpid ());
  setenv ("LISTEN_FDS", "1", 1);
  setenv ("LISTEN_PID", pid, 1);
  /* pcscd logs to stdout in the foreground: keep it out of the caller's pipes */
  log = open (argv[3], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log >= 0)
    {
      dup2 (log, 1);
      dup2 (log, 2);
    }
  args = calloc ((size_t) argc + 2, sizeof *args);
  args[0] = "pcscd";
  args[1] = "--foreground";
  args[2] = "--config";
  args[3] = argv[2];
  for (int i = 4; i < argc; i++)
    args[i] = argv[i];
  execvp ("pcscd", args);
  perror ("ossp-pcscd-launch: exec pcscd");
  return 127;
}
