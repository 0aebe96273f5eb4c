/* ossp-project-build.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "ossp-backup-list.h"
#include "ossp-chip.h"
#include "ossp-error.h"
#include "ossp-image.h"
#include "ossp-key-pair.h"
#include "ossp-pkcs11-signer.h"
#include "ossp-otp-secret.h"
#include "ossp-payload.h"
#include "ossp-project-build.h"
#include "ossp-util.h"

#define RMA_FILE_MAX 256

void
ossp_project_step_free (OsspProjectStep *step)
{
  if (step == NULL)
    return;
  g_free (step->name);
  g_free (step->where);
  g_free (step->output);
  g_clear_pointer (&step->inputs, g_ptr_array_unref);
  g_free (step->reason);
  g_free (step);
}

const char *
ossp_project_step_state_to_string (OsspProjectStepState state)
{
  switch (state)
    {
    case OSSP_PROJECT_STEP_PENDING: return "pending";
    case OSSP_PROJECT_STEP_OUT_OF_DATE: return "out-of-date";
    case OSSP_PROJECT_STEP_UP_TO_DATE: return "up-to-date";
    case OSSP_PROJECT_STEP_BUILT: return "built";
    case OSSP_PROJECT_STEP_FAILED: return "failed";
    case OSSP_PROJECT_STEP_NOT_CONFIGURED: return "not-configured";
    default: return "unknown";
    }
}

static void G_GNUC_PRINTF (3, 4)
set_state (OsspProjectStep      *step,
           OsspProjectStepState  state,
           const char           *format,
           ...)
{
  va_list args;

  step->state = state;
  g_free (step->reason);
  va_start (args, format);
  step->reason = g_strdup_vprintf (format, args);
  va_end (args);
}

static OsspProjectStep *
step_new (OsspProjectStepKind  kind,
          const char          *name,
          const char          *where,
          char                *output)
{
  OsspProjectStep *step = g_new0 (OsspProjectStep, 1);

  step->kind = kind;
  step->name = g_strdup (name);
  step->where = g_strdup (where);
  step->output = output;
  step->inputs = g_ptr_array_new_with_free_func (g_free);
  step->state = OSSP_PROJECT_STEP_PENDING;
  return step;
}

static void
add_input (OsspProjectStep *step,
           char            *path)
{
  if (path == NULL)
    return;
  for (guint i = 0; i < step->inputs->len; i++)
    if (g_str_equal (g_ptr_array_index (step->inputs, i), path))
      {
        g_free (path);
        return;
      }
  g_ptr_array_add (step->inputs, path);
}

static void
add_input_key (OsspProjectStep *step,
               OsspProject     *project,
               const char      *key)
{
  add_input (step, ossp_project_get_path (project, key));
}

char *
ossp_project_get_payload_secret (OsspProject *project)
{
  char *path = ossp_project_get_path (project, "payload.secret_file");
  return path ? path : ossp_project_get_path (project, "otp.secret_file");
}

gboolean
ossp_project_get_rma (OsspProject  *project,
                      guint32      *rma,
                      gboolean     *found,
                      GError      **error)
{
  g_autofree char *file = ossp_project_get_path (project, "payload.rma_file");
  g_autofree char *list = ossp_project_get_path (project, "otp.list");

  *found = FALSE;
  if (file != NULL)
    {
      g_autoptr(OsspSecret) secret = NULL;
      g_autofree char *text = NULL;
      g_autoptr(GError) local_error = NULL;

      secret = ossp_secret_new_from_file (file, 0, error);
      if (secret == NULL)
        return FALSE;
      if (secret->len > RMA_FILE_MAX || memchr (secret->data, 0, secret->len) != NULL)
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                       "%s ($.payload.rma_file) must hold one number as text (0x… or decimal)", file);
          return FALSE;
        }
      text = ossp_secure_alloc (secret->len + 1);
      memcpy (text, secret->data, secret->len);
      text[secret->len] = 0;
      g_strstrip (text);
      /* the value is a secret: the message must not repeat it */
      if (!ossp_parse_u32 (text, rma, &local_error))
        {
          ossp_secure_strfree (g_steal_pointer (&text));
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                       "%s ($.payload.rma_file) does not hold a 32-bit number (0x and up to 8 hex "
                       "digits, or decimal)", file);
          return FALSE;
        }
      ossp_secure_strfree (g_steal_pointer (&text));
      *found = TRUE;
      return TRUE;
    }
  if (list != NULL && g_file_test (list, G_FILE_TEST_EXISTS))
    {
      g_autoptr(OsspChip) chip = ossp_chip_new (ossp_project_get_chip_id (project), NULL);
      g_autoptr(OsspOtpSecret) secret = NULL;

      if (chip == NULL || !ossp_chip_is_mp1 (chip))
        return TRUE;
      secret = ossp_otp_secret_load_json (chip, list, error);
      if (secret == NULL)
        return FALSE;
      *found = ossp_otp_secret_get_rma_password (secret, rma);
    }
  return TRUE;
}

GPtrArray *
ossp_project_build_plan (OsspProject *project)
{
  GPtrArray *steps = g_ptr_array_new_with_free_func ((GDestroyNotify) ossp_project_step_free);
  g_autoptr(OsspChip) chip = ossp_chip_new (ossp_project_get_chip_id (project), NULL);
  const char *project_file = ossp_project_get_file (project);
  OsspProjectStep *step;

  /* 1. the secret file from the OTP list */
  step = step_new (OSSP_PROJECT_STEP_SECRET_FILE, "secret-file", "$.otp.secret_file",
                   ossp_project_get_path (project, "otp.secret_file"));
  add_input_key (step, project, "otp.list");
  if (step->output == NULL || !ossp_project_has (project, "otp.list"))
    set_state (step, OSSP_PROJECT_STEP_NOT_CONFIGURED, "not configured: needs otp.list and otp.secret_file");
  g_ptr_array_add (steps, step);

  /* 2. one backup file per backup-memory list (MP2) */
  for (guint i = 0; i < ossp_project_get_n_backups (project); i++)
    {
      g_autofree char *name = g_strdup_printf ("backup[%u]", i);
      g_autofree char *where = g_strdup_printf ("$.backup[%u].file", i);
      g_autofree char *list = ossp_project_get_backup_path (project, i, "list");

      step = step_new (OSSP_PROJECT_STEP_BACKUP, name, where,
                       ossp_project_get_backup_path (project, i, "file"));
      step->index = i;
      if (list != NULL && chip != NULL && g_file_test (list, G_FILE_TEST_EXISTS))
        {
          /* data files the list refers to are inputs too */
          g_autoptr(OsspBackupList) bl = ossp_backup_list_load_json (chip, list, NULL, NULL);
          for (guint e = 0; bl && e < ossp_backup_list_get_n_entries (bl); e++)
            {
              const char *data_file = ossp_backup_entry_get_data_file (ossp_backup_list_get_entry (bl, e));
              if (data_file)
                add_input (step, g_strdup (data_file));
            }
        }
      add_input (step, g_steal_pointer (&list));
      if (step->output == NULL || step->inputs->len == 0)
        set_state (step, OSSP_PROJECT_STEP_NOT_CONFIGURED, "not configured: needs backup[%u].list and backup[%u].file", i, i);
      g_ptr_array_add (steps, step);
    }

  /* 3. the payload */
  step = step_new (OSSP_PROJECT_STEP_PAYLOAD, "payload", "$.payload.output",
                   ossp_project_get_path (project, "payload.output"));
  add_input_key (step, project, "payload.key");
  add_input_key (step, project, "payload.nonce");
  add_input_key (step, project, "payload.oem_public_key");
  add_input_key (step, project, "payload.pkh_table_hash");
  add_input (step, ossp_project_get_payload_secret (project));
  if (ossp_project_has (project, "payload.rma_file"))
    add_input_key (step, project, "payload.rma_file");
  else if (chip != NULL && ossp_chip_is_mp1 (chip))
    add_input_key (step, project, "otp.list");  /* the RMA word may come from it */
  if (chip != NULL && !ossp_chip_is_mp1 (chip))
    for (guint i = 0; i < ossp_project_get_n_backups (project); i++)
      add_input (step, ossp_project_get_backup_path (project, i, "file"));
  if (step->output == NULL)
    set_state (step, OSSP_PROJECT_STEP_NOT_CONFIGURED, "not configured: needs payload.output");
  g_ptr_array_add (steps, step);

  /* 4. the signed firmware image */
  step = step_new (OSSP_PROJECT_STEP_IMAGE, "image", "$.image.output",
                   ossp_project_get_path (project, "image.output"));
  add_input_key (step, project, "image.input");
  add_input_key (step, project, "image.private_key");
  {
    g_auto(GStrv) table = ossp_project_get_public_key_table (project);
    for (guint i = 0; table && table[i]; i++)
      add_input (step, g_strdup (table[i]));
  }
  if (step->output == NULL || !ossp_project_has (project, "image.input"))
    set_state (step, OSSP_PROJECT_STEP_NOT_CONFIGURED, "not configured: needs image.input and image.output");
  g_ptr_array_add (steps, step);

  /* every step also depends on the project file: a changed setting
   * (an FSBL version, a base address) must rebuild */
  if (project_file != NULL)
    for (guint i = 0; i < steps->len; i++)
      add_input (g_ptr_array_index (steps, i), g_strdup (project_file));
  return steps;
}

/* nanoseconds since the epoch, or -1 when the file is missing */
static gint64
mtime_ns (const char *path)
{
  struct stat st;

  if (stat (path, &st) != 0)
    return -1;
  return (gint64) st.st_mtim.tv_sec * G_GINT64_CONSTANT (1000000000) + st.st_mtim.tv_nsec;
}

void
ossp_project_step_check (OsspProjectStep *step,
                         gboolean         force)
{
  gint64 out_time;

  if (step->state == OSSP_PROJECT_STEP_NOT_CONFIGURED)
    return;
  if (force)
    {
      set_state (step, OSSP_PROJECT_STEP_OUT_OF_DATE, "--force");
      return;
    }
  out_time = mtime_ns (step->output);
  if (out_time < 0)
    {
      set_state (step, OSSP_PROJECT_STEP_OUT_OF_DATE, "no output yet");
      return;
    }
  for (guint i = 0; i < step->inputs->len; i++)
    {
      const char *input = g_ptr_array_index (step->inputs, i);
      gint64 in_time = mtime_ns (input);
      if (in_time < 0)
        {
          /* the step will fail and say why; do not pretend it is fresh */
          set_state (step, OSSP_PROJECT_STEP_OUT_OF_DATE, "input %s is missing", input);
          return;
        }
      if (in_time > out_time)
        {
          g_autofree char *base = g_path_get_basename (input);
          set_state (step, OSSP_PROJECT_STEP_OUT_OF_DATE, "%s is newer than the output", base);
          return;
        }
    }
  set_state (step, OSSP_PROJECT_STEP_UP_TO_DATE, "up to date: the output is newer than its %u input%s",
             step->inputs->len, step->inputs->len == 1 ? "" : "s");
}

static gboolean
run_secret_file (OsspProject      *project,
                 OsspChip         *chip,
                 OsspProjectStep  *step,
                 GError          **error)
{
  g_autofree char *list = ossp_project_get_path (project, "otp.list");
  g_autoptr(OsspOtpSecret) secret = ossp_otp_secret_load_json (chip, list, error);
  g_autoptr(GBytes) bytes = NULL;

  if (secret == NULL)
    return FALSE;
  bytes = ossp_otp_secret_to_bytes (secret, error);
  if (bytes == NULL)
    {
      g_prefix_error (error, "%s: ", list);
      return FALSE;
    }
  return ossp_file_write_atomic (step->output, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                 OSSP_WRITE_FLAGS_SECRET | OSSP_WRITE_FLAGS_OVERWRITE, error);
}

static gboolean
run_backup (OsspProject      *project,
            OsspChip         *chip,
            OsspProjectStep  *step,
            GError          **error)
{
  g_autofree char *list_path = ossp_project_get_backup_path (project, step->index, "list");
  guint32 base = ossp_project_get_backup_base (project, step->index);
  g_autoptr(OsspBackupList) list = NULL;
  g_autoptr(GBytes) bytes = NULL;

  list = ossp_backup_list_load_json (chip, list_path, NULL, error);
  if (list == NULL)
    return FALSE;
  if (ossp_backup_list_get_base (list) != base)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_VALIDATION,
                   "$.backup[%u].base is 0x%08X but %s is for base 0x%08X; make them agree",
                   step->index, base, list_path, ossp_backup_list_get_base (list));
      return FALSE;
    }
  bytes = ossp_backup_list_to_bytes (list, error);
  if (bytes == NULL)
    {
      g_prefix_error (error, "%s: ", list_path);
      return FALSE;
    }
  return ossp_file_write_atomic (step->output, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                 OSSP_WRITE_FLAGS_SECRET | OSSP_WRITE_FLAGS_OVERWRITE, error);
}

static gboolean
load_optional (OsspProject  *project,
               const char   *key,
               OsspPayload  *payload,
               gboolean    (*load) (OsspPayload *, const char *, GError **),
               GError      **error)
{
  g_autofree char *path = ossp_project_get_path (project, key);
  return path == NULL || load (payload, path, error);
}

static gboolean
run_payload (OsspProject      *project,
             OsspChip         *chip,
             OsspProjectStep  *step,
             GError          **error)
{
  g_autoptr(OsspPayload) payload = ossp_payload_new (chip);
  g_autofree char *secret = ossp_project_get_payload_secret (project);
  guint32 rma = 0;
  gboolean have_rma = FALSE;

  if (!ossp_project_has (project, "payload.key") || !ossp_project_has (project, "payload.nonce") ||
      secret == NULL)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "The payload needs payload.key, payload.nonce and a secret file "
                   "(payload.secret_file or otp.secret_file)");
      return FALSE;
    }
  if (!load_optional (project, "payload.key", payload, ossp_payload_load_key, error) ||
      !load_optional (project, "payload.nonce", payload, ossp_payload_load_nonce, error) ||
      !load_optional (project, "payload.oem_public_key", payload, ossp_payload_load_oem_public_key, error) ||
      !load_optional (project, "payload.pkh_table_hash", payload, ossp_payload_load_pkhth, error))
    return FALSE;
  if (ossp_chip_is_mp1 (chip))
    {
      if (!ossp_project_get_rma (project, &rma, &have_rma, error))
        return FALSE;
      if (have_rma && !ossp_payload_set_rma (payload, rma, error))
        return FALSE;
      rma = 0;
    }
  if (!ossp_payload_load_secret (payload, secret, error))
    return FALSE;
  if (!ossp_chip_is_mp1 (chip))
    for (guint i = 0; i < ossp_project_get_n_backups (project); i++)
      {
        g_autofree char *file = ossp_project_get_backup_path (project, i, "file");
        if (file && !ossp_payload_load_backup (payload, file, ossp_project_get_backup_base (project, i), error))
          return FALSE;
      }
  if (ossp_project_has (project, "payload.fsbl_min_version"))
    {
      gint64 v = ossp_project_get_int (project, "payload.fsbl_min_version", 0);
      if (v < 0 || v > G_MAXUINT32)
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                       "$.payload.fsbl_min_version must be 0..4294967295");
          return FALSE;
        }
      ossp_payload_set_fsbl_min_version (payload, (guint32) v);
    }
  {
    g_autoptr(GBytes) built = ossp_payload_build (payload, error);
    if (built == NULL)
      return FALSE;
  }
  return ossp_payload_save (payload, step->output, OSSP_WRITE_FLAGS_OVERWRITE, error);
}

char **
ossp_project_get_public_key_table (OsspProject *project)
{
  g_autoptr(OsspChip) chip = ossp_chip_new (ossp_project_get_chip_id (project), NULL);
  g_autofree char *folder = ossp_project_get_path (project, "keys.folder");
  g_autoptr(GStrvBuilder) builder = NULL;
  guint n = 0;

  if (chip == NULL || folder == NULL || !ossp_chip_uses_pkh_table (chip))
    return NULL;
  builder = g_strv_builder_new ();
  for (guint i = 0; i < ossp_chip_get_auth_key_count (chip); i++)
    {
      g_autofree char *name = g_strdup_printf ("publicKey%02u.pem", i);
      g_autofree char *path = g_build_filename (folder, name, NULL);
      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        break;
      g_strv_builder_add (builder, path);
      n++;
    }
  return n ? g_strv_builder_end (builder) : NULL;
}

char *
ossp_project_get_image_password_file (OsspProject *project)
{
  char *path = ossp_project_get_path (project, "image.password_file");
  return path ? path : ossp_project_get_path (project, "keys.password_file");
}

/* A password file as `echo pw > file` leaves it: one trailing newline dropped. */
static char *
read_password_file (const char  *path,
                    GError     **error)
{
  g_autoptr(OsspSecret) secret = ossp_secret_new_from_file (path, 0, error);
  gsize len;
  char *pw;

  if (secret == NULL)
    return NULL;
  len = secret->len;
  while (len > 0 && (secret->data[len - 1] == '\n' || secret->data[len - 1] == '\r'))
    len--;
  pw = ossp_secure_alloc (len + 1);
  memcpy (pw, secret->data, len);
  pw[len] = 0;
  return pw;
}

static gboolean
run_image (OsspProject      *project,
           OsspChip         *chip,
           OsspProjectStep  *step,
           GCancellable     *cancellable,
           GError          **error)
{
  g_autofree char *input = ossp_project_get_path (project, "image.input");
  g_autofree char *key_path = ossp_project_get_path (project, "image.private_key");
  g_autofree char *password_file = ossp_project_get_image_password_file (project);
  const char *url = ossp_project_get_string (project, "image.pkcs11_url");
  g_auto(GStrv) table_paths = ossp_project_get_public_key_table (project);
  g_autoptr(GPtrArray) table = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(OsspImage) image = NULL;
  g_autoptr(OsspKeyPair) key = NULL;
  g_autoptr(OsspPkcs11Signer) token = NULL;
  guint32 version = 0;
  gint key_index = (gint) ossp_project_get_int (project, "image.key_index", -1);

  if ((key_path != NULL) == (url != NULL))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   key_path ? "Give either image.private_key or image.pkcs11_url, not both"
                            : "The image needs a signing key: image.private_key or image.pkcs11_url");
      return FALSE;
    }
  if (!ossp_image_version_from_string (ossp_chip_get_header_version (chip), &version, error))
    return FALSE;
  /* a raw binary needs header fields the project does not hold */
  if (!ossp_image_file_has_header (input))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                   "%s ($.image.input) has no STM32 header; make one with 'openssp image build' "
                   "(entry point, load address) and point image.input at it", input);
      return FALSE;
    }
  image = ossp_image_open (input, version, FALSE, error);
  if (image == NULL)
    return FALSE;
  if (key_path != NULL)
    {
      char *password = NULL;
      if (password_file && (password = read_password_file (password_file, error)) == NULL)
        return FALSE;
      key = ossp_key_pair_load_private (key_path, password, error);
      ossp_secure_strfree (password);
      if (key == NULL)
        return FALSE;
    }
  else if ((token = ossp_pkcs11_signer_new (url, NULL, NULL, NULL, error)) == NULL)
    return FALSE;
  for (guint i = 0; table_paths && table_paths[i]; i++)
    {
      OsspKeyPair *k = ossp_key_pair_load_public (table_paths[i], error);
      if (k == NULL)
        return FALSE;
      g_ptr_array_add (table, k);
    }
  if (!ossp_image_set_auth_from_keys (image, key ? key : ossp_pkcs11_signer_get_public_key (token),
                                      (OsspKeyPair **) table->pdata, table->len, key_index, error))
    return FALSE;
  return ossp_image_write (image, step->output, OSSP_IMAGE_WRITE_OVERWRITE,
                           key ? ossp_image_key_pair_sign_func : ossp_pkcs11_signer_sign_func,
                           key ? (gpointer) key : (gpointer) token, NULL, NULL, cancellable, error);
}

gboolean
ossp_project_step_run (OsspProject      *project,
                       OsspProjectStep  *step,
                       GCancellable     *cancellable,
                       GError          **error)
{
  g_autoptr(OsspChip) chip = NULL;
  g_autoptr(GError) local_error = NULL;
  gint64 start = g_get_monotonic_time ();
  gboolean ok = FALSE;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  if (step->state == OSSP_PROJECT_STEP_NOT_CONFIGURED)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT, "%s: %s", step->name, step->reason);
      return FALSE;
    }
  chip = ossp_chip_new (ossp_project_get_chip_id (project), &local_error);
  if (chip != NULL)
    {
      g_autofree char *dir = g_path_get_dirname (step->output);
      /* outputs usually go to an out/ folder that a fresh checkout lacks */
      if (g_mkdir_with_parents (dir, 0700) != 0)
        g_set_error (&local_error, OSSP_ERROR, OSSP_ERROR_IO, "Cannot create folder %s: %s",
                     dir, g_strerror (errno));
      else
        switch (step->kind)
          {
          case OSSP_PROJECT_STEP_SECRET_FILE:
            ok = run_secret_file (project, chip, step, &local_error);
            break;
          case OSSP_PROJECT_STEP_BACKUP:
            ok = run_backup (project, chip, step, &local_error);
            break;
          case OSSP_PROJECT_STEP_PAYLOAD:
            ok = run_payload (project, chip, step, &local_error);
            break;
          case OSSP_PROJECT_STEP_IMAGE:
            ok = run_image (project, chip, step, cancellable, &local_error);
            break;
          default:
            g_assert_not_reached ();
          }
    }
  step->elapsed_usec = g_get_monotonic_time () - start;
  if (!ok)
    {
      set_state (step, OSSP_PROJECT_STEP_FAILED, "%s", local_error->message);
      g_prefix_error (&local_error, "%s (%s): ", step->name, step->where);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  step->state = OSSP_PROJECT_STEP_BUILT;
  return TRUE;
}
