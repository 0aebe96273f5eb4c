/* ossp-hsm-external.c — OsspHsm over an external command (GSubprocess)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <unistd.h>

#include "ossp-error.h"
#include "ossp-chip-certificate.h"
#include "ossp-license.h"
#include "ossp-hsm-external.h"

struct _OsspHsmExternal
{
  GObject   parent_instance;
  GStrv     argv;
  guint     timeout_ms;
  guint     delivered;   /* licenses handed out by this object */
};

static void ossp_hsm_external_iface_init (OsspHsmInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OsspHsmExternal, ossp_hsm_external, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (OSSP_TYPE_HSM, ossp_hsm_external_iface_init))

/* One run of the command. */
typedef struct {
  GSubprocess  *proc;
  GCancellable *io_cancellable;   /* ours: stops reading when we give up */
  GSource      *timeout;
  gboolean      timed_out;
  char         *product_id;
  GCancellable *cancellable;      /* the caller's, if any */
  gulong        cancelled_id;
} RunData;

static void
run_data_free (RunData *run)
{
  if (run->cancellable)
    {
      g_cancellable_disconnect (run->cancellable, run->cancelled_id);
      g_object_unref (run->cancellable);
    }
  if (run->timeout)
    {
      g_source_destroy (run->timeout);
      g_source_unref (run->timeout);
    }
  g_clear_object (&run->proc);
  g_clear_object (&run->io_cancellable);
  g_free (run->product_id);
  g_free (run);
}

static char *
command_name (OsspHsmExternal *self)
{
  return g_path_get_basename (self->argv[0]);
}

/* The command runs in its own process group, so that a shell script and
 * whatever it started die together on timeout or cancel. */
static void
child_setup (gpointer user_data)
{
  setpgid (0, 0);
}

static void
kill_group (RunData *run)
{
  const char *id = run->proc ? g_subprocess_get_identifier (run->proc) : NULL;
  if (id != NULL)
    {
      pid_t pid = (pid_t) g_ascii_strtoll (id, NULL, 10);
      if (pid > 0)
        kill (-pid, SIGKILL);
      g_subprocess_force_exit (run->proc);
    }
}

static gboolean
timeout_cb (gpointer user_data)
{
  GTask *task = user_data;
  RunData *run = g_task_get_task_data (task);

  run->timed_out = TRUE;
  kill_group (run);
  g_cancellable_cancel (run->io_cancellable);
  return G_SOURCE_REMOVE;
}

static void
cancelled_cb (GCancellable *cancellable,
              RunData      *run)
{
  kill_group (run);
}

static char *
last_line (GBytes *err)
{
  gsize len = 0;
  const char *data = err ? g_bytes_get_data (err, &len) : NULL;
  g_autofree char *text = data ? g_utf8_make_valid (data, (gssize) len) : g_strdup ("");
  g_auto(GStrv) lines = g_strsplit (g_strstrip (text), "\n", -1);
  guint n = g_strv_length (lines);
  return n > 0 && lines[n - 1][0] ? g_strdup_printf (": %s", lines[n - 1]) : g_strdup ("");
}

static void
communicate_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  OsspHsmExternal *self = g_task_get_source_object (task);
  RunData *run = g_task_get_task_data (task);
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GBytes) err = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspLicense) license = NULL;
  g_autoptr(GError) parse_error = NULL;
  g_autofree char *name = command_name (self);

  g_subprocess_communicate_finish (G_SUBPROCESS (source), result, &out, &err, &error);
  if (run->timed_out)
    {
      g_task_return_new_error (task, OSSP_ERROR, OSSP_ERROR_TIMEOUT,
                               "License command %s gave no answer within %u ms and was stopped; "
                               "check that it can reach the HSM", name, self->timeout_ms);
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;
  if (error != NULL)
    {
      g_task_return_new_error (task, OSSP_ERROR, OSSP_ERROR_IO,
                               "Cannot talk to license command %s: %s", name, error->message);
      return;
    }
  if (!g_subprocess_get_if_exited (run->proc))
    {
      g_autofree char *tail = last_line (err);
      g_task_return_new_error (task, OSSP_ERROR, OSSP_ERROR_HSM,
                               "License command %s was killed by signal %d%s", name,
                               g_subprocess_get_term_sig (run->proc), tail);
      return;
    }
  if (g_subprocess_get_exit_status (run->proc) != 0)
    {
      g_autofree char *tail = last_line (err);
      g_task_return_new_error (task, OSSP_ERROR, OSSP_ERROR_HSM,
                               "License command %s failed with exit code %d for chip %s%s", name,
                               g_subprocess_get_exit_status (run->proc), run->product_id, tail);
      return;
    }
  if (out == NULL || g_bytes_get_size (out) != OSSP_LICENSE_SIZE)
    {
      g_task_return_new_error (task, OSSP_ERROR, OSSP_ERROR_PROTOCOL,
                               "License command %s printed %" G_GSIZE_FORMAT " bytes; a license "
                               "has exactly %d bytes (raw binary on stdout, nothing else)", name,
                               out ? g_bytes_get_size (out) : 0, OSSP_LICENSE_SIZE);
      return;
    }
  license = ossp_license_parse_bytes (out, &parse_error);
  if (license == NULL)
    {
      g_task_return_new_error (task, OSSP_ERROR, OSSP_ERROR_PROTOCOL,
                               "License command %s printed 136 bytes that are not a license: %s",
                               name, parse_error->message);
      return;
    }
  self->delivered++;
  g_task_return_pointer (task, g_steal_pointer (&out), (GDestroyNotify) g_bytes_unref);
}

static void
ossp_hsm_external_get_license_async (OsspHsm             *hsm,
                                     GBytes              *certificate,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  OsspHsmExternal *self = OSSP_HSM_EXTERNAL (hsm);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(OsspChipCertificate) cert = NULL;
  g_autoptr(GError) error = NULL;
  RunData *run;

  g_task_set_source_tag (task, ossp_hsm_external_get_license_async);
  cert = ossp_chip_certificate_parse_bytes (certificate, &error);
  if (cert == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  run = g_new0 (RunData, 1);
  run->product_id = g_strdup (cert->product_id);
  run->io_cancellable = g_cancellable_new ();
  g_task_set_task_data (task, run, (GDestroyNotify) run_data_free);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv (launcher, "OPENSSP_PRODUCT_ID", cert->product_id, TRUE);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  run->proc = g_subprocess_launcher_spawnv (launcher, (const char * const *) self->argv, &error);
  if (run->proc == NULL)
    {
      g_task_return_new_error (task, OSSP_ERROR, OSSP_ERROR_NOT_FOUND,
                               "Cannot start license command %s: %s", self->argv[0], error->message);
      return;
    }
  if (self->timeout_ms > 0)
    {
      run->timeout = g_timeout_source_new (self->timeout_ms);
      g_source_set_callback (run->timeout, timeout_cb, task, NULL);
      g_source_attach (run->timeout, g_task_get_context (task));
    }
  if (cancellable)
    {
      run->cancellable = g_object_ref (cancellable);
      run->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (cancelled_cb), run, NULL);
    }
  g_subprocess_communicate_async (run->proc, certificate, run->io_cancellable,
                                  communicate_cb, g_steal_pointer (&task));
}

static GBytes *
ossp_hsm_external_get_license_finish (OsspHsm       *hsm,
                                      GAsyncResult  *result,
                                      GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
ossp_hsm_external_get_info_async (OsspHsm             *hsm,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  OsspHsmExternal *self = OSSP_HSM_EXTERNAL (hsm);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  OsspHsmInfo *info = ossp_hsm_info_new ();

  /* A command only answers license requests: report what we know. */
  info->state = OSSP_HSM_STATE_LOCKED;
  info->delivered = self->delivered;
  info->remaining = OSSP_HSM_REMAINING_UNKNOWN;
  info->source = g_strjoinv (" ", self->argv);
  g_task_return_pointer (task, info, (GDestroyNotify) ossp_hsm_info_free);
}

static OsspHsmInfo *
ossp_hsm_external_get_info_finish (OsspHsm       *hsm,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
ossp_hsm_external_provision_async (OsspHsm             *hsm,
                                   OsspHsmProvisioning *params,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_task_report_new_error (hsm, callback, user_data, ossp_hsm_external_provision_async,
                           OSSP_ERROR, OSSP_ERROR_UNSUPPORTED,
                           "An external license command cannot be provisioned by OpenSSP; program "
                           "that HSM with its vendor's tools");
}

static gboolean
ossp_hsm_external_provision_finish (OsspHsm       *hsm,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
ossp_hsm_external_iface_init (OsspHsmInterface *iface)
{
  iface->get_info_async = ossp_hsm_external_get_info_async;
  iface->get_info_finish = ossp_hsm_external_get_info_finish;
  iface->provision_async = ossp_hsm_external_provision_async;
  iface->provision_finish = ossp_hsm_external_provision_finish;
  iface->get_license_async = ossp_hsm_external_get_license_async;
  iface->get_license_finish = ossp_hsm_external_get_license_finish;
}

static void
ossp_hsm_external_finalize (GObject *object)
{
  OsspHsmExternal *self = OSSP_HSM_EXTERNAL (object);

  g_strfreev (self->argv);
  G_OBJECT_CLASS (ossp_hsm_external_parent_class)->finalize (object);
}

static void
ossp_hsm_external_class_init (OsspHsmExternalClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ossp_hsm_external_finalize;
}

static void
ossp_hsm_external_init (OsspHsmExternal *self)
{
}

OsspHsmExternal *
ossp_hsm_external_new (const char * const *argv,
                       guint               timeout_ms)
{
  OsspHsmExternal *self;

  g_return_val_if_fail (argv != NULL && argv[0] != NULL, NULL);
  self = g_object_new (OSSP_TYPE_HSM_EXTERNAL, NULL);
  self->argv = g_strdupv ((char **) argv);
  self->timeout_ms = timeout_ms;
  return self;
}

OsspHsmExternal *
ossp_hsm_external_new_from_command_line (const char  *command_line,
                                         guint        timeout_ms,
                                         GError     **error)
{
  g_auto(GStrv) argv = NULL;
  g_autoptr(GError) local_error = NULL;

  if (!g_shell_parse_argv (command_line, NULL, &argv, &local_error))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "License command \"%s\" cannot be split into arguments: %s", command_line,
                   local_error->message);
      return NULL;
    }
  return ossp_hsm_external_new ((const char * const *) argv, timeout_ms);
}

const char * const *
ossp_hsm_external_get_argv (OsspHsmExternal *self)
{
  g_return_val_if_fail (OSSP_IS_HSM_EXTERNAL (self), NULL);
  return (const char * const *) self->argv;
}
