/* ossp-test-pcscd.c — private pcscd + vpcd + soft-HSM card fixture
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gio/gio.h>
#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>

#include "ossp-test-pcscd.h"

struct _OsspTestPcscd
{
  char        *dir;
  char        *socket_path;
  char        *log_path;
  guint16      port;
  GSubprocess *pcscd;
  GSubprocess *card;
};

/* If the test aborts, pcscd and the card must not outlive it. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/* A port P with P+1 also free: vpcd opens both (readers 00 00 and 00 01). */
static guint16
free_port_pair (void)
{
  for (guint tries = 0; tries < 50; tries++)
    {
      struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_ANY) };
      socklen_t len = sizeof a;
      int s1 = socket (AF_INET, SOCK_STREAM, 0), s2 = socket (AF_INET, SOCK_STREAM, 0);
      guint16 port = 0;

      if (bind (s1, (struct sockaddr *) &a, sizeof a) == 0 &&
          getsockname (s1, (struct sockaddr *) &a, &len) == 0)
        {
          port = ntohs (a.sin_port);
          a.sin_port = htons ((guint16) (port + 1));
          if (port >= 65535 || bind (s2, (struct sockaddr *) &a, sizeof a) != 0)
            port = 0;
        }
      close (s1);
      close (s2);
      if (port != 0)
        return port;
    }
  g_error ("no free TCP port pair for vpcd");
}

static gboolean
reader_listed (void)
{
  SCARDCONTEXT ctx;
  char buf[4096];
  DWORD len = sizeof buf;
  gboolean found = FALSE;

  if (SCardEstablishContext (SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx) != SCARD_S_SUCCESS)
    return FALSE;
  if (SCardListReaders (ctx, NULL, buf, &len) == SCARD_S_SUCCESS)
    for (const char *p = buf; p < buf + len && *p; p += strlen (p) + 1)
      found |= g_str_equal (p, OSSP_TEST_VPCD_READER);
  SCardReleaseContext (ctx);
  return found;
}

OsspTestPcscd *
ossp_test_pcscd_start (const char  *dir,
                       char       **skip_reason)
{
  g_autofree char *pcscd = g_find_program_in_path ("pcscd");
  g_autofree char *confdir = NULL;
  g_autofree char *conf = NULL;
  g_autofree char *launcher = NULL;
  g_autoptr(GError) error = NULL;
  OsspTestPcscd *self;
  gint64 deadline;

  if (pcscd == NULL && g_file_test ("/usr/sbin/pcscd", G_FILE_TEST_IS_EXECUTABLE))
    pcscd = g_strdup ("/usr/sbin/pcscd");
  if (pcscd == NULL)
    {
      *skip_reason = g_strdup ("pcscd is not installed (apt-get install pcscd)");
      return NULL;
    }
  if (!g_file_test (OSSP_TEST_VPCD_LIB, G_FILE_TEST_EXISTS))
    {
      *skip_reason = g_strdup ("vsmartcard's vpcd driver " OSSP_TEST_VPCD_LIB " is not installed "
                               "(apt-get install vsmartcard-vpcd)");
      return NULL;
    }
  self = g_new0 (OsspTestPcscd, 1);
  self->dir = g_strdup (dir);
  self->socket_path = g_build_filename (dir, "pcscd.comm", NULL);
  self->log_path = g_build_filename (dir, "pcscd.log", NULL);
  self->port = free_port_pair ();
  confdir = g_build_filename (dir, "reader.conf.d", NULL);
  g_assert_cmpint (g_mkdir_with_parents (confdir, 0700), ==, 0);
  conf = g_strdup_printf ("FRIENDLYNAME \"Virtual PCD\"\nDEVICENAME   /dev/null:0x%04X\n"
                          "LIBPATH      " OSSP_TEST_VPCD_LIB "\nCHANNELID    0x%04X\n",
                          self->port, self->port);
  {
    g_autofree char *conf_path = g_build_filename (confdir, "vpcd", NULL);
    g_assert_true (g_file_set_contents (conf_path, conf, -1, NULL));
  }
  g_setenv ("PCSCLITE_CSOCK_NAME", self->socket_path, TRUE);

  /* the bench runs this fixture outside a GLib test: it names the launcher */
  launcher = g_getenv ("OSSP_PCSCD_LAUNCH") ? g_strdup (g_getenv ("OSSP_PCSCD_LAUNCH"))
                                            : g_test_build_filename (G_TEST_BUILT, "ossp-pcscd-launch", NULL);
  {
    /* the launcher searches PATH for pcscd; sbin may not be on a user's PATH */
    g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
    g_autofree char *path = g_strdup_printf ("%s:/usr/sbin:/sbin", g_getenv ("PATH"));
    g_subprocess_launcher_setenv (l, "PATH", path, TRUE);
    g_subprocess_launcher_set_child_setup (l, die_with_parent, NULL, NULL);
    self->pcscd = g_subprocess_launcher_spawn (l, &error, launcher, self->socket_path, confdir,
                                               self->log_path, g_getenv ("OSSP_TEST_PCSCD_DEBUG") ? "--debug" : NULL,
                                               NULL);
  }
  g_assert_no_error (error);

  /* ready when our reader shows up */
  deadline = g_get_monotonic_time () + 15 * G_USEC_PER_SEC;
  while (!reader_listed ())
    {
      if (g_get_monotonic_time () > deadline)
        {
          g_autofree char *log = NULL;
          g_file_get_contents (self->log_path, &log, NULL, NULL);
          g_error ("private pcscd did not come up with reader \"%s\"; log:\n%s",
                   OSSP_TEST_VPCD_READER, log ? log : "(none)");
        }
      g_usleep (50 * 1000);
    }
  return self;
}

guint16
ossp_test_pcscd_get_port (OsspTestPcscd *self)
{
  return self->port;
}

const char *
ossp_test_pcscd_get_log (OsspTestPcscd *self)
{
  return self->log_path;
}

void
ossp_test_pcscd_start_card (OsspTestPcscd *self,
                            const char    *state,
                            const char    *extra_arg)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *port = g_strdup_printf ("%u", self->port);
  const char *cli = g_getenv ("OPENSSP_CLI");

  g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                                                 G_SUBPROCESS_FLAGS_STDERR_SILENCE);

  g_assert_null (self->card);
  g_assert_nonnull (cli);
  g_subprocess_launcher_set_child_setup (l, die_with_parent, NULL, NULL);
  self->card = g_subprocess_launcher_spawn (l, &error, cli, "hsm", "sim-card", "--port", port,
                                            "--state", state, extra_arg, NULL);
  g_assert_no_error (error);
}

gboolean
ossp_test_pcscd_wait_card (OsspTestPcscd *self,
                           gboolean       present,
                           guint          timeout_ms)
{
  SCARDCONTEXT ctx;
  SCARD_READERSTATE st = { 0 };
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  gboolean ok = FALSE;

  g_assert_cmpint (SCardEstablishContext (SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx), ==, SCARD_S_SUCCESS);
  st.szReader = OSSP_TEST_VPCD_READER;
  st.dwCurrentState = SCARD_STATE_UNAWARE;
  while (g_get_monotonic_time () < deadline)
    {
      LONG rv = SCardGetStatusChange (ctx, 200, &st, 1);
      if (rv == SCARD_S_SUCCESS)
        {
          gboolean has = (st.dwEventState & SCARD_STATE_PRESENT) != 0;
          if (has == present)
            {
              ok = TRUE;
              break;
            }
          st.dwCurrentState = st.dwEventState & ~SCARD_STATE_CHANGED;
        }
      else if (rv != SCARD_E_TIMEOUT)
        break;
    }
  SCardReleaseContext (ctx);
  return ok;
}

static int
reap (GSubprocess *proc)
{
  g_subprocess_wait (proc, NULL, NULL);
  if (g_subprocess_get_if_signaled (proc))
    return 128 + g_subprocess_get_term_sig (proc);
  return g_subprocess_get_exit_status (proc);
}

int
ossp_test_pcscd_stop_card (OsspTestPcscd *self)
{
  int status;

  if (self->card == NULL)
    return -1;
  g_subprocess_send_signal (self->card, SIGTERM);
  status = reap (self->card);
  g_clear_object (&self->card);
  return status;
}

int
ossp_test_pcscd_wait_card_exit (OsspTestPcscd *self)
{
  int status;

  g_assert_nonnull (self->card);
  status = reap (self->card);
  g_clear_object (&self->card);
  return status;
}

void
ossp_test_pcscd_stop (OsspTestPcscd *self)
{
  ossp_test_pcscd_stop_card (self);
  if (self->pcscd != NULL)
    {
      g_subprocess_send_signal (self->pcscd, SIGTERM);
      reap (self->pcscd);
      g_clear_object (&self->pcscd);
    }
}

void
ossp_test_pcscd_free (OsspTestPcscd *self)
{
  if (self == NULL)
    return;
  ossp_test_pcscd_stop (self);
  g_free (self->dir);
  g_free (self->socket_path);
  g_free (self->log_path);
  g_free (self);
}
