/* ossp-sim-faults.c — parse and match "KIND[@N][=VALUE]" fault specs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <openssp.h>

#include "ossp-sim-faults.h"

struct _OsspSimFaults
{
  GArray *list;   /* OsspSimFault */
};

typedef enum {
  POS_NONE,       /* the kind takes no @N */
  POS_REQUIRED,
  POS_OPTIONAL,
} PosRule;

static const struct {
  const char *name;
  PosRule     pos;
  guint64     default_at;
  gboolean    takes_value;
} kinds[OSSP_SIM_FAULT_N_KINDS] = {
  [OSSP_SIM_FAULT_DROP_LINK]       = { "drop-link", POS_REQUIRED, 0, FALSE },
  [OSSP_SIM_FAULT_HANGUP]          = { "hangup", POS_REQUIRED, 0, FALSE },
  [OSSP_SIM_FAULT_NACK]            = { "nack", POS_REQUIRED, 0, FALSE },
  [OSSP_SIM_FAULT_NACK_DOWNLOAD]   = { "nack-download", POS_OPTIONAL, 0, FALSE },
  [OSSP_SIM_FAULT_DROP_BYTE]       = { "drop-byte", POS_REQUIRED, 0, FALSE },
  [OSSP_SIM_FAULT_CORRUPT_BYTE]    = { "corrupt-byte", POS_REQUIRED, 0, FALSE },
  [OSSP_SIM_FAULT_STALL]           = { "stall", POS_REQUIRED, 0, TRUE },
  [OSSP_SIM_FAULT_RESET]           = { "reset", POS_REQUIRED, 0, FALSE },
  [OSSP_SIM_FAULT_POWER_LOSS_BURN] = { "reset-during-burn", POS_OPTIONAL, 8, FALSE },
  [OSSP_SIM_FAULT_NO_RESYNC]       = { "no-resync", POS_NONE, 0, FALSE },
  [OSSP_SIM_FAULT_BAD_CERT]        = { "bad-cert", POS_NONE, 0, FALSE },
};

#define STALL_DEFAULT_MS 5000

OsspSimFaults *
ossp_sim_faults_new (void)
{
  OsspSimFaults *faults = g_new0 (OsspSimFaults, 1);

  faults->list = g_array_new (FALSE, TRUE, sizeof (OsspSimFault));
  return faults;
}

void
ossp_sim_faults_free (OsspSimFaults *faults)
{
  if (faults == NULL)
    return;
  g_array_unref (faults->list);
  g_free (faults);
}

const char *
ossp_sim_fault_kind_name (OsspSimFaultKind kind)
{
  g_return_val_if_fail (kind < OSSP_SIM_FAULT_N_KINDS, "?");
  return kinds[kind].name;
}

static gboolean
parse_number (const char  *text,
              const char  *spec,
              guint64     *out,
              GError     **error)
{
  if (!g_ascii_string_to_unsigned (text, 10, 1, G_MAXUINT32, out, NULL))
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "Fault \"%s\": \"%s\" is not a positive number", spec, text);
      return FALSE;
    }
  return TRUE;
}

static char *
kind_list (void)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < OSSP_SIM_FAULT_N_KINDS; i++)
    g_string_append_printf (s, "%s%s", i ? ", " : "", kinds[i].name);
  return g_string_free (s, FALSE);
}

gboolean
ossp_sim_faults_add (OsspSimFaults  *faults,
                     const char     *spec,
                     GError        **error)
{
  g_autofree char *name = g_strdup (spec);
  char *at_text = NULL, *value_text = NULL;
  const char *kind_name;
  OsspSimFault f = { 0 };
  guint i;

  value_text = strchr (name, '=');
  if (value_text != NULL)
    *value_text++ = 0;
  at_text = strchr (name, '@');
  if (at_text != NULL)
    *at_text++ = 0;
  kind_name = name;

  /* the brief's form "drop-byte-after=N": the byte after the N-th is lost */
  if (g_str_equal (name, "drop-byte-after") && value_text != NULL && at_text == NULL)
    {
      guint64 n;
      if (!g_ascii_string_to_unsigned (value_text, 10, 0, G_MAXUINT32 - 1, &n, NULL))
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                       "Fault \"%s\": \"%s\" is not a number", spec, value_text);
          return FALSE;
        }
      f.kind = OSSP_SIM_FAULT_DROP_BYTE;
      f.at = n + 1;
      g_array_append_val (faults->list, f);
      return TRUE;
    }
  /* alias: "power-loss-burn" names the same fault */
  if (g_str_equal (name, "power-loss-burn"))
    kind_name = "reset-during-burn";
  for (i = 0; i < OSSP_SIM_FAULT_N_KINDS; i++)
    if (g_str_equal (kind_name, kinds[i].name))
      break;
  if (i == OSSP_SIM_FAULT_N_KINDS)
    {
      g_autofree char *list = kind_list ();
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "Unknown fault \"%s\"; use one of: %s (form KIND[@N][=VALUE])", spec, list);
      return FALSE;
    }
  f.kind = i;
  f.at = kinds[i].default_at;
  if (at_text != NULL)
    {
      if (kinds[i].pos == POS_NONE)
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                       "Fault \"%s\": %s takes no @N", spec, kinds[i].name);
          return FALSE;
        }
      if (!parse_number (at_text, spec, &f.at, error))
        return FALSE;
    }
  else if (kinds[i].pos == POS_REQUIRED)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                   "Fault \"%s\" needs a position: %s@N", spec, kinds[i].name);
      return FALSE;
    }
  if (value_text != NULL)
    {
      if (!kinds[i].takes_value)
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT,
                       "Fault \"%s\": %s takes no =VALUE", spec, kinds[i].name);
          return FALSE;
        }
      if (!parse_number (value_text, spec, &f.value, error))
        return FALSE;
    }
  else if (i == OSSP_SIM_FAULT_STALL)
    f.value = STALL_DEFAULT_MS;
  g_array_append_val (faults->list, f);
  return TRUE;
}

guint
ossp_sim_faults_count (OsspSimFaults *faults)
{
  return faults ? faults->list->len : 0;
}

OsspSimFault *
ossp_sim_faults_check (OsspSimFaults    *faults,
                       OsspSimFaultKind  kind,
                       guint64           at)
{
  if (faults == NULL)
    return NULL;
  for (guint i = 0; i < faults->list->len; i++)
    {
      OsspSimFault *f = &g_array_index (faults->list, OsspSimFault, i);
      if (f->kind != kind || f->fired)
        continue;
      if (f->at == 0)
        return f;              /* "every time" */
      if (f->at == at)
        {
          f->fired = TRUE;
          return f;
        }
    }
  return NULL;
}

OsspSimFault *
ossp_sim_faults_find (OsspSimFaults    *faults,
                      OsspSimFaultKind  kind)
{
  if (faults == NULL)
    return NULL;
  for (guint i = 0; i < faults->list->len; i++)
    {
      OsspSimFault *f = &g_array_index (faults->list, OsspSimFault, i);
      if (f->kind == kind)
        return f;
    }
  return NULL;
}

char *
ossp_sim_faults_describe (OsspSimFaults *faults)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; faults != NULL && i < faults->list->len; i++)
    {
      OsspSimFault *f = &g_array_index (faults->list, OsspSimFault, i);
      g_string_append_printf (s, "%s%s", s->len ? ", " : "", kinds[f->kind].name);
      if (f->at != 0)
        g_string_append_printf (s, "@%" G_GUINT64_FORMAT, f->at);
      if (f->value != 0)
        g_string_append_printf (s, "=%" G_GUINT64_FORMAT, f->value);
    }
  return g_string_free (s, FALSE);
}
