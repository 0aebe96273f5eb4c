/* ossp-pem.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "ossp-error.h"
#include "ossp-pem.h"
#include "ossp-util.h"

#define BEGIN_MARK "-----BEGIN "
#define END_MARK "-----END "
#define DASHES "-----"

void
ossp_pem_block_free (OsspPemBlock *block)
{
  if (block == NULL)
    return;
  g_free (block->label);
  g_free (block->proc_type);
  g_free (block->dek_info);
  ossp_secure_free (block->der, block->der_len);
  g_free (block);
}

/* One line of [p, end): returns its length without the line break and sets
 * *next past the break. */
static gsize
next_line (const char  *p,
           const char  *end,
           const char **next)
{
  const char *nl = memchr (p, '\n', (gsize) (end - p));
  gsize n;

  if (nl == NULL)
    {
      *next = end;
      n = (gsize) (end - p);
    }
  else
    {
      *next = nl + 1;
      n = (gsize) (nl - p);
    }
  if (n > 0 && p[n - 1] == '\r')
    n--;
  return n;
}

static gboolean
is_b64_char (char c)
{
  return g_ascii_isalnum (c) || c == '+' || c == '/';
}

/* Strict base64: only the alphabet, '=' padding at the very end, length a
 * multiple of 4. g_base64_decode skips junk silently, which would let a
 * damaged key decode to something else. */
static gboolean
decode_body (GString     *b64,
             guint8     **out,
             gsize       *out_len)
{
  gsize pad = 0;
  gsize len = b64->len;

  if (len == 0 || len % 4 != 0)
    return FALSE;
  while (pad < 2 && len > pad && b64->str[len - 1 - pad] == '=')
    pad++;
  for (gsize i = 0; i < len - pad; i++)
    if (!is_b64_char (b64->str[i]))
      return FALSE;
  {
    gsize n = 0;
    guint8 *raw = g_base64_decode (b64->str, &n);
    /* copy into wiped memory: the body may be a clear private key */
    *out = ossp_secure_alloc (n);
    memcpy (*out, raw, n);
    *out_len = n;
    ossp_secure_wipe (raw, n);
    g_free (raw);
  }
  return TRUE;
}

static void
string_wipe_free (GString *s)
{
  ossp_secure_wipe (s->str, s->allocated_len);
  g_string_free (s, TRUE);
}

GPtrArray *
ossp_pem_parse (const char  *text,
                gsize        len,
                const char  *what,
                GError     **error)
{
  g_autoptr(GPtrArray) blocks = g_ptr_array_new_with_free_func ((GDestroyNotify) ossp_pem_block_free);
  const char *p = text;
  const char *end = text + len;
  guint line_no = 0;

  while (p < end)
    {
      const char *next;
      gsize n = next_line (p, end, &next);
      g_autoptr(OsspPemBlock) block = NULL;
      GString *b64;
      gboolean in_headers = TRUE, closed = FALSE;
      guint begin_line;

      line_no++;
      if (n < strlen (BEGIN_MARK) + strlen (DASHES) + 1 ||
          strncmp (p, BEGIN_MARK, strlen (BEGIN_MARK)) != 0 ||
          strncmp (p + n - strlen (DASHES), DASHES, strlen (DASHES)) != 0)
        {
          p = next;
          continue;
        }
      begin_line = line_no;
      block = g_new0 (OsspPemBlock, 1);
      block->label = g_strndup (p + strlen (BEGIN_MARK),
                                n - strlen (BEGIN_MARK) - strlen (DASHES));
      p = next;
      b64 = g_string_new (NULL);
      while (p < end)
        {
          const char *line = p;
          gsize ln = next_line (p, end, &next);
          const char *colon;

          line_no++;
          p = next;
          if (ln >= strlen (END_MARK) && strncmp (line, END_MARK, strlen (END_MARK)) == 0)
            {
              gsize label_len = strlen (block->label);
              if (ln != strlen (END_MARK) + label_len + strlen (DASHES) ||
                  strncmp (line + strlen (END_MARK), block->label, label_len) != 0 ||
                  strncmp (line + ln - strlen (DASHES), DASHES, strlen (DASHES)) != 0)
                {
                  string_wipe_free (b64);
                  g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                               "%s: line %u does not close the \"%s\" block begun on line %u; "
                               "the file is damaged", what, line_no, block->label, begin_line);
                  return NULL;
                }
              closed = TRUE;
              break;
            }
          colon = memchr (line, ':', ln);
          if (in_headers && colon != NULL)
            {
              g_autofree char *name = g_strndup (line, (gsize) (colon - line));
              g_autofree char *value = g_strstrip (g_strndup (colon + 1, ln - (gsize) (colon + 1 - line)));
              char **slot = NULL;
              if (g_ascii_strcasecmp (name, "Proc-Type") == 0)
                slot = &block->proc_type;
              else if (g_ascii_strcasecmp (name, "DEK-Info") == 0)
                slot = &block->dek_info;
              if (slot != NULL)
                {
                  g_free (*slot);
                  *slot = g_steal_pointer (&value);
                }
              continue;
            }
          in_headers = FALSE;
          for (gsize i = 0; i < ln; i++)
            if (line[i] != ' ' && line[i] != '\t')
              g_string_append_c (b64, line[i]);
        }
      if (!closed)
        {
          string_wipe_free (b64);
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                       "%s: the \"%s\" block begun on line %u has no END line; "
                       "the file is truncated", what, block->label, begin_line);
          return NULL;
        }
      if (!decode_body (b64, &block->der, &block->der_len))
        {
          string_wipe_free (b64);
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA,
                       "%s: the \"%s\" block begun on line %u is not valid base64; "
                       "the file is damaged", what, block->label, begin_line);
          return NULL;
        }
      string_wipe_free (b64);
      g_ptr_array_add (blocks, g_steal_pointer (&block));
    }
  return g_steal_pointer (&blocks);
}

OsspPemBlock *
ossp_pem_find (GPtrArray  *blocks,
               const char *label_suffix)
{
  for (guint i = 0; i < blocks->len; i++)
    {
      OsspPemBlock *b = g_ptr_array_index (blocks, i);
      if (g_str_has_suffix (b->label, label_suffix))
        return b;
    }
  return NULL;
}

char *
ossp_pem_encode (const char   *label,
                 const char   *headers,
                 const guint8 *der,
                 gsize         len)
{
  g_autofree char *b64 = g_base64_encode (der, len);
  gsize b64_len = strlen (b64);
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, BEGIN_MARK "%s" DASHES "\n", label);
  if (headers != NULL)
    {
      g_string_append (out, headers);
      if (!g_str_has_suffix (headers, "\n"))
        g_string_append_c (out, '\n');
      g_string_append_c (out, '\n');
    }
  for (gsize i = 0; i < b64_len; i += 64)
    {
      g_string_append_len (out, b64 + i, (gssize) MIN (64, b64_len - i));
      g_string_append_c (out, '\n');
    }
  g_string_append_printf (out, END_MARK "%s" DASHES "\n", label);
  return g_string_free (out, FALSE);
}
