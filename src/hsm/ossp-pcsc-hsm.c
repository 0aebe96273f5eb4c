/* ossp-pcsc-hsm.c — the PC/SC back-end of OsspHsm
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>

#include "ossp-hsm-apdu.h"
#include "ossp-pcsc-hsm.h"

struct _OsspPcscHsm
{
  GObject       parent_instance;

  char         *reader_query;
  guint         slot;

  /* one operation at a time; the context and card handle are kept between
   * operations (a license per chip should not pay for a reconnect) */
  GMutex        mutex;
  SCARDCONTEXT  context;
  gboolean      have_context;
  SCARDHANDLE   card;
  gboolean      have_card;
  DWORD         protocol;
  char         *reader_name;
  gboolean      broken;        /* a PC/SC call failed: reconnect next time */
};

static void ossp_pcsc_hsm_iface_init (OsspHsmInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OsspPcscHsm, ossp_pcsc_hsm, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (OSSP_TYPE_HSM, ossp_pcsc_hsm_iface_init))

static const char *
op_label (OsspHsmOp op)
{
  switch (op)
    {
    case OSSP_HSM_OP_SELECT: return "selecting the HSM application";
    case OSSP_HSM_OP_GET_DATA: return "reading the HSM information";
    case OSSP_HSM_OP_PUT_PERSO: return "loading the personalisation";
    case OSSP_HSM_OP_PUT_OEM_KEY: return "loading the OEM key";
    case OSSP_HSM_OP_PUT_CONFIG: return "loading the configuration";
    case OSSP_HSM_OP_LOCK: return "locking the HSM";
    case OSSP_HSM_OP_GET_LICENSE: return "getting a license";
    case OSSP_HSM_OP_GET_ST_PUBKEY: return "reading a root key";
    default: return "talking to the HSM";
    }
}

/* SCARD_* → a message that says what happened and what to do */
static void
set_pcsc_error (GError     **error,
                LONG         rv,
                const char  *reader,
                OsspHsmOp    op)
{
  const char *r = reader ? reader : "(none)";

  switch (rv)
    {
    case SCARD_E_NO_SERVICE:
    case SCARD_E_SERVICE_STOPPED:
    case SCARD_F_COMM_ERROR:
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_NOT_FOUND,
                   "The PC/SC service (pcscd) is not running or stopped while %s (%s); start it "
                   "with 'systemctl start pcscd.socket' and check the reader", op_label (op),
                   pcsc_stringify_error (rv));
      break;
    case SCARD_E_NO_READERS_AVAILABLE:
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_NOT_FOUND,
                   "No smart-card reader is connected; plug in the reader that holds the HSM");
      break;
    case SCARD_E_UNKNOWN_READER:
    case SCARD_E_READER_UNAVAILABLE:
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_DEVICE,
                   "Reader \"%s\" is gone (unplugged?) while %s; plug it in again and retry", r,
                   op_label (op));
      break;
    case SCARD_E_NO_SMARTCARD:
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_NOT_FOUND,
                   "No card in reader \"%s\": the HSM card was removed or is not inserted", r);
      break;
    case SCARD_W_REMOVED_CARD:
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_DEVICE,
                   "The HSM card was removed from reader \"%s\" while %s; insert it again%s", r,
                   op_label (op), op == OSSP_HSM_OP_GET_LICENSE
                     ? " (check its counter: the license may have been counted)" : "");
      break;
    case SCARD_W_RESET_CARD:
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_DEVICE,
                   "Another program reset the card in reader \"%s\" while %s; retry", r, op_label (op));
      break;
    case SCARD_W_UNRESPONSIVE_CARD:
    case SCARD_W_UNPOWERED_CARD:
    case SCARD_E_PROTO_MISMATCH:
    case SCARD_W_UNSUPPORTED_CARD:
    case SCARD_E_NOT_TRANSACTED:
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_DEVICE,
                   "The card in reader \"%s\" stopped answering while %s (%s); it may have been "
                   "removed: re-insert it and retry", r, op_label (op), pcsc_stringify_error (rv));
      break;
    case SCARD_E_SHARING_VIOLATION:
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_DEVICE,
                   "Reader \"%s\" is held exclusively by another program (STM32CubeProgrammer?); "
                   "close it and retry", r);
      break;
    case SCARD_E_TIMEOUT:
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_TIMEOUT,
                   "The card in reader \"%s\" did not answer in time while %s", r, op_label (op));
      break;
    case SCARD_E_CANCELLED:
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_CANCELLED, "Cancelled while %s", op_label (op));
      break;
    case SCARD_E_NO_ACCESS:
    case SCARD_W_SECURITY_VIOLATION:
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_PERMISSION,
                   "pcscd refused access to reader \"%s\" (%s); check polkit rules for pcscd", r,
                   pcsc_stringify_error (rv));
      break;
    default:
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_DEVICE,
                   "PC/SC error while %s on reader \"%s\": %s (0x%08lX)", op_label (op), r,
                   pcsc_stringify_error (rv), (unsigned long) rv);
    }
}

void
ossp_pcsc_reader_free (OsspPcscReader *reader)
{
  if (reader == NULL)
    return;
  g_free (reader->name);
  g_free (reader->atr);
  g_free (reader);
}

/* Reader names from pcscd's multi-string; empty (not an error) without readers. */
static GStrv
list_reader_names (SCARDCONTEXT   context,
                   GError       **error)
{
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
  g_autofree char *buf = NULL;
  DWORD len = 0;
  LONG rv;

  rv = SCardListReaders (context, NULL, NULL, &len);
  if (rv == SCARD_E_NO_READERS_AVAILABLE)
    return g_strv_builder_end (b);
  if (rv == SCARD_S_SUCCESS)
    {
      buf = g_malloc0 (len + 1);
      rv = SCardListReaders (context, NULL, buf, &len);
    }
  if (rv == SCARD_E_NO_READERS_AVAILABLE)
    return g_strv_builder_end (b);
  if (rv != SCARD_S_SUCCESS)
    {
      set_pcsc_error (error, rv, NULL, OSSP_HSM_OP_SELECT);
      return NULL;
    }
  for (const char *p = buf; p < buf + len && *p; p += strlen (p) + 1)
    g_strv_builder_add (b, p);
  return g_strv_builder_end (b);
}

/* Card presence and ATR of each reader, without waiting. */
static GPtrArray *
reader_states (SCARDCONTEXT   context,
               GStrv          names,
               GError       **error)
{
  g_autoptr(GPtrArray) readers = g_ptr_array_new_with_free_func ((GDestroyNotify) ossp_pcsc_reader_free);
  guint n = g_strv_length (names);
  g_autofree SCARD_READERSTATE *states = g_new0 (SCARD_READERSTATE, MAX (n, 1));
  LONG rv;

  for (guint i = 0; i < n; i++)
    {
      states[i].szReader = names[i];
      states[i].dwCurrentState = SCARD_STATE_UNAWARE;
    }
  if (n > 0)
    {
      rv = SCardGetStatusChange (context, 0, states, n);
      if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT)
        {
          set_pcsc_error (error, rv, NULL, OSSP_HSM_OP_SELECT);
          return NULL;
        }
    }
  for (guint i = 0; i < n; i++)
    {
      OsspPcscReader *r = g_new0 (OsspPcscReader, 1);
      r->slot = i + 1;
      r->name = g_strdup (names[i]);
      r->card_present = (states[i].dwEventState & SCARD_STATE_PRESENT) != 0;
      if (r->card_present && states[i].cbAtr > 0 && states[i].cbAtr <= MAX_ATR_SIZE)
        r->atr = ossp_hex_encode (states[i].rgbAtr, states[i].cbAtr);
      g_ptr_array_add (readers, r);
    }
  return g_steal_pointer (&readers);
}

GPtrArray *
ossp_pcsc_list_readers (GError **error)
{
  SCARDCONTEXT context;
  g_auto(GStrv) names = NULL;
  GPtrArray *readers = NULL;
  LONG rv;

  rv = SCardEstablishContext (SCARD_SCOPE_SYSTEM, NULL, NULL, &context);
  if (rv != SCARD_S_SUCCESS)
    {
      set_pcsc_error (error, rv, NULL, OSSP_HSM_OP_SELECT);
      return NULL;
    }
  names = list_reader_names (context, error);
  if (names != NULL)
    readers = reader_states (context, names, error);
  SCardReleaseContext (context);
  return readers;
}

/* ---- sessions ---- */

static void
drop_connection (OsspPcscHsm *self)
{
  if (self->have_card)
    SCardDisconnect (self->card, SCARD_LEAVE_CARD);
  if (self->have_context)
    SCardReleaseContext (self->context);
  self->have_card = FALSE;
  self->have_context = FALSE;
}

static char *
resolve_reader (OsspPcscHsm  *self,
                GError      **error)
{
  g_auto(GStrv) names = list_reader_names (self->context, error);
  g_autofree char *list = NULL;
  guint n;

  if (names == NULL)
    return NULL;
  n = g_strv_length (names);
  if (n == 0)
    {
      set_pcsc_error (error, SCARD_E_NO_READERS_AVAILABLE, NULL, OSSP_HSM_OP_SELECT);
      return NULL;
    }
  list = g_strjoinv ("\", \"", names);
  if (self->reader_query != NULL)
    {
      char *found = NULL;
      guint matches = 0;
      for (guint i = 0; i < n; i++)
        if (g_str_equal (names[i], self->reader_query))
          return g_strdup (names[i]);
      for (guint i = 0; i < n; i++)
        {
          g_autofree char *a = g_utf8_casefold (names[i], -1);
          g_autofree char *b = g_utf8_casefold (self->reader_query, -1);
          if (strstr (a, b) != NULL)
            {
              matches++;
              found = names[i];
            }
        }
      if (matches == 1)
        return g_strdup (found);
      g_set_error (error, OSSP_ERROR, matches ? OSSP_ERROR_INVALID_ARGUMENT : OSSP_ERROR_NOT_FOUND,
                   "%s reader matches \"%s\"; the readers are: \"%s\"",
                   matches ? "More than one" : "No", self->reader_query, list);
      return NULL;
    }
  if (self->slot > 0)
    {
      if (self->slot > n)
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_NOT_FOUND,
                       "There is no reader in slot %u; slots 1..%u are: \"%s\"", self->slot, n, list);
          return NULL;
        }
      return g_strdup (names[self->slot - 1]);
    }
  if (n > 1)
    {
      g_autoptr(GPtrArray) readers = reader_states (self->context, names, NULL);
      for (guint i = 0; readers != NULL && i < readers->len; i++)
        if (((OsspPcscReader *) readers->pdata[i])->card_present)
          return g_strdup (names[i]);
    }
  return g_strdup (names[0]);
}

/* vpcd (and some readers) hand back an empty answer when the card goes
 * away mid-command; pcscd notices the removal a moment later. */
static void
empty_answer_error (OsspPcscHsm  *self,
                    DWORD         rlen,
                    OsspHsmOp     op,
                    GError      **error)
{
  for (guint i = 0; i < 20; i++)
    {
      char name[256];
      DWORD name_len = sizeof name, card_state = 0, proto = 0, atr_len = MAX_ATR_SIZE;
      BYTE atr[MAX_ATR_SIZE];
      LONG rv = SCardStatus (self->card, name, &name_len, &card_state, &proto, atr, &atr_len);

      if (rv == SCARD_W_REMOVED_CARD || rv == SCARD_E_NO_SMARTCARD ||
          (rv == SCARD_S_SUCCESS && (card_state & SCARD_ABSENT)))
        {
          set_pcsc_error (error, SCARD_W_REMOVED_CARD, self->reader_name, op);
          return;
        }
      if (rv != SCARD_S_SUCCESS)
        {
          set_pcsc_error (error, rv, self->reader_name, op);
          return;
        }
      g_usleep (50 * 1000);
    }
  g_set_error (error, OSSP_ERROR, OSSP_ERROR_DEVICE,
               "The card in reader \"%s\" answered with %lu byte(s) while %s: it stopped "
               "working; re-insert it and retry", self->reader_name, (unsigned long) rlen,
               op_label (op));
}

/* One ISO 7816 exchange; handles T=0's 61xx (GET RESPONSE) and 6Cxx (Le). */
static GBytes *
transmit (OsspPcscHsm  *self,
          GBytes       *apdu,
          OsspHsmOp     op,
          GError      **error)
{
  g_autofree guint8 *resp = g_malloc (MAX_BUFFER_SIZE_EXTENDED);
  g_autoptr(GByteArray) all = g_byte_array_new ();
  g_autofree guint8 *cmd = NULL;
  gsize cmd_len = 0;
  const SCARD_IO_REQUEST *pci = self->protocol == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;

  const guint8 *apdu_data = g_bytes_get_data (apdu, &cmd_len);

  cmd = g_memdup2 (apdu_data, cmd_len);
  for (guint round = 0; round < 64; round++)
    {
      DWORD rlen = MAX_BUFFER_SIZE_EXTENDED;
      LONG rv = SCardTransmit (self->card, pci, cmd, (DWORD) cmd_len, NULL, resp, &rlen);
      ossp_secure_wipe (cmd, cmd_len);
      if (rv != SCARD_S_SUCCESS)
        {
          self->broken = TRUE;
          set_pcsc_error (error, rv, self->reader_name, op);
          return NULL;
        }
      if (rlen < 2)
        {
          self->broken = TRUE;
          empty_answer_error (self, rlen, op, error);
          return NULL;
        }
      if (resp[rlen - 2] == 0x61)
        {
          /* more data waiting: GET RESPONSE */
          guint8 get_response[5] = { 0x00, 0xC0, 0x00, 0x00, resp[rlen - 1] };
          g_byte_array_append (all, resp, rlen - 2);
          g_free (cmd);
          cmd = g_memdup2 (get_response, 5);
          cmd_len = 5;
          continue;
        }
      if (resp[rlen - 2] == 0x6C && round == 0 && cmd_len >= 5)
        {
          /* wrong Le: resend the same command with the exact one */
          g_free (cmd);
          cmd_len = g_bytes_get_size (apdu);
          cmd = g_memdup2 (apdu_data, cmd_len);
          cmd[cmd_len - 1] = resp[rlen - 1];
          continue;
        }
      g_byte_array_append (all, resp, rlen);
      return g_byte_array_free_to_bytes (g_steal_pointer (&all));
    }
  g_set_error (error, OSSP_ERROR, OSSP_ERROR_PROTOCOL, "The card in reader \"%s\" never finished "
               "its answer while %s", self->reader_name, op_label (op));
  return NULL;
}

/* transmit + status word check; returns the data part */
static GBytes *
exchange (OsspPcscHsm  *self,
          GBytes       *apdu,
          OsspHsmOp     op,
          guint16      *out_sw,
          GError      **error)
{
  g_autoptr(GBytes) resp = transmit (self, apdu, op, error);
  const guint8 *data;
  gsize len = 0, data_len = 0;
  guint16 sw = 0;

  if (resp == NULL)
    return NULL;
  data = g_bytes_get_data (resp, &len);
  if (!ossp_hsm_apdu_split_response (data, len, &data, &data_len, &sw, error))
    return NULL;
  if (out_sw)
    *out_sw = sw;
  if (!ossp_hsm_check_status (sw, op, error))
    return NULL;
  return g_bytes_new (data, data_len);
}

static gboolean
try_open (OsspPcscHsm  *self,
          GError      **error)
{
  LONG rv;

  if (!self->have_context)
    {
      rv = SCardEstablishContext (SCARD_SCOPE_SYSTEM, NULL, NULL, &self->context);
      if (rv != SCARD_S_SUCCESS)
        {
          set_pcsc_error (error, rv, NULL, OSSP_HSM_OP_SELECT);
          return FALSE;
        }
      self->have_context = TRUE;
    }
  if (!self->have_card)
    {
      g_autofree char *name = resolve_reader (self, error);
      if (name == NULL)
        return FALSE;
      g_free (self->reader_name);
      self->reader_name = g_steal_pointer (&name);
      rv = SCardConnect (self->context, self->reader_name, SCARD_SHARE_SHARED,
                         SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &self->card, &self->protocol);
      if (rv != SCARD_S_SUCCESS)
        {
          set_pcsc_error (error, rv, self->reader_name, OSSP_HSM_OP_SELECT);
          return FALSE;
        }
      self->have_card = TRUE;
    }
  rv = SCardBeginTransaction (self->card);
  if (rv == SCARD_W_RESET_CARD)
    {
      /* someone reset the card since last time: take it as it is now */
      rv = SCardReconnect (self->card, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                           SCARD_LEAVE_CARD, &self->protocol);
      if (rv == SCARD_S_SUCCESS)
        rv = SCardBeginTransaction (self->card);
    }
  if (rv != SCARD_S_SUCCESS)
    {
      set_pcsc_error (error, rv, self->reader_name, OSSP_HSM_OP_SELECT);
      return FALSE;
    }
  return TRUE;
}

/* Caller holds the mutex. Opens (or reuses) the connection, begins a
 * transaction and selects our application. A stale cached connection
 * (pcscd restarted, card re-inserted) is dropped and opened afresh once;
 * nothing but SELECT has been sent at that point, so retrying is safe. */
static gboolean
session_begin (OsspPcscHsm   *self,
               GCancellable  *cancellable,
               GError       **error)
{
  g_autoptr(GError) first_error = NULL;
  g_autoptr(GBytes) select = ossp_hsm_apdu_build_select ();
  g_autoptr(GBytes) answer = NULL;
  gboolean cached = self->have_context;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  self->broken = FALSE;
  if (!try_open (self, &first_error))
    {
      drop_connection (self);
      if (!cached)
        {
          g_propagate_error (error, g_steal_pointer (&first_error));
          return FALSE;
        }
      if (!try_open (self, error))
        {
          drop_connection (self);
          return FALSE;
        }
    }
  answer = exchange (self, select, OSSP_HSM_OP_SELECT, NULL, error);
  if (answer == NULL)
    {
      SCardEndTransaction (self->card, SCARD_LEAVE_CARD);
      drop_connection (self);
      return FALSE;
    }
  return TRUE;
}

static void
session_end (OsspPcscHsm *self)
{
  LONG rv = SCardEndTransaction (self->card, SCARD_LEAVE_CARD);
  if (self->broken || rv != SCARD_S_SUCCESS)
    drop_connection (self);
  self->broken = FALSE;
}

/* ---- operations (worker threads) ---- */

static OsspHsmInfo *
read_info (OsspPcscHsm   *self,
           GError       **error)
{
  g_autoptr(OsspHsmInfo) info = ossp_hsm_info_new ();
  g_autoptr(GBytes) apdu = NULL;
  g_autoptr(GBytes) data = NULL;
  guint16 sw = 0;

  apdu = ossp_hsm_apdu_build_get_data (OSSP_HSM_APDU_DATA_INFO);
  data = exchange (self, apdu, OSSP_HSM_OP_GET_DATA, NULL, error);
  if (data == NULL ||
      !ossp_hsm_apdu_parse_info (g_bytes_get_data (data, NULL), g_bytes_get_size (data), info, error))
    return NULL;
  g_clear_pointer (&apdu, g_bytes_unref);
  g_clear_pointer (&data, g_bytes_unref);
  apdu = ossp_hsm_apdu_build_get_data (OSSP_HSM_APDU_DATA_DELIVERED);
  data = exchange (self, apdu, OSSP_HSM_OP_GET_DATA, NULL, error);
  if (data == NULL ||
      !ossp_hsm_apdu_parse_u32 (g_bytes_get_data (data, NULL), g_bytes_get_size (data), &info->delivered, error))
    return NULL;
  g_clear_pointer (&apdu, g_bytes_unref);
  g_clear_pointer (&data, g_bytes_unref);
  apdu = ossp_hsm_apdu_build_get_data (OSSP_HSM_APDU_DATA_REMAINING);
  data = exchange (self, apdu, OSSP_HSM_OP_GET_DATA, NULL, error);
  if (data == NULL ||
      !ossp_hsm_apdu_parse_u32 (g_bytes_get_data (data, NULL), g_bytes_get_size (data), &info->remaining, error))
    return NULL;
  /* product ids: our optional extension; a card without it just says no */
  g_clear_pointer (&apdu, g_bytes_unref);
  g_clear_pointer (&data, g_bytes_unref);
  apdu = ossp_hsm_apdu_build_get_data (OSSP_HSM_APDU_DATA_PRODUCT_IDS);
  {
    g_autoptr(GError) ids_error = NULL;
    data = exchange (self, apdu, OSSP_HSM_OP_GET_DATA, &sw, &ids_error);
    if (data != NULL)
      {
        GStrv ids = ossp_hsm_apdu_parse_product_ids (g_bytes_get_data (data, NULL),
                                                     g_bytes_get_size (data), NULL);
        if (ids != NULL)
          {
            g_strfreev (info->product_ids);
            info->product_ids = ids;
          }
      }
    else if (sw == 0)
      {
        /* no status word at all: the card or reader failed, not the command */
        g_propagate_error (error, g_steal_pointer (&ids_error));
        return NULL;
      }
  }
  info->source = g_strdup (self->reader_name);
  return g_steal_pointer (&info);
}

static void
get_info_thread (GTask        *task,
                 gpointer      source,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  OsspPcscHsm *self = source;
  g_autoptr(GError) error = NULL;
  OsspHsmInfo *info = NULL;

  g_mutex_lock (&self->mutex);
  if (session_begin (self, cancellable, &error))
    {
      info = read_info (self, &error);
      session_end (self);
    }
  g_mutex_unlock (&self->mutex);
  if (info == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, info, (GDestroyNotify) ossp_hsm_info_free);
}

static gboolean
card_root_key (guint8    key_id,
               guint8    pubkey[64],
               gpointer  user_data)
{
  OsspPcscHsm *self = user_data;
  g_autoptr(GBytes) apdu = ossp_hsm_apdu_build_get_st_pubkey (key_id);
  g_autoptr(GBytes) key = exchange (self, apdu, OSSP_HSM_OP_GET_ST_PUBKEY, NULL, NULL);

  if (key == NULL || g_bytes_get_size (key) != 64)
    return FALSE;
  memcpy (pubkey, g_bytes_get_data (key, NULL), 64);
  return TRUE;
}

static gboolean
provision_locked (OsspPcscHsm          *self,
                  OsspHsmProvisioning  *p,
                  GCancellable         *cancellable,
                  GError              **error)
{
  g_autoptr(OsspHsmInfo) info = NULL;
  g_autoptr(OsspHsmPerso) perso = NULL;
  g_autoptr(GBytes) apdu = NULL;
  g_autoptr(GBytes) data = NULL;
  gsize len = 0;
  const guint8 *blob = g_bytes_get_data (p->perso, &len);

  perso = ossp_hsm_perso_parse (blob, len, error);
  if (perso == NULL || (info = read_info (self, error)) == NULL)
    return FALSE;
  if (info->state == OSSP_HSM_STATE_LOCKED)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_STATE,
                   "The HSM %s in reader \"%s\" is already provisioned and locked; a locked HSM "
                   "can never be provisioned again", info->serial, self->reader_name);
      return FALSE;
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  if (info->state == OSSP_HSM_STATE_PERSONALISED)
    {
      /* an earlier provisioning stopped after PUT PERSO: finish it only
       * with the very same personalisation */
      if (!ossp_hsm_perso_matches_card (perso, (const char * const *) info->product_ids,
                                        card_root_key, self, info->serial, error))
        return FALSE;
    }
  else
    {
      apdu = ossp_hsm_apdu_build_put_perso (p->perso);
      data = exchange (self, apdu, OSSP_HSM_OP_PUT_PERSO, NULL, error);
      if (data == NULL)
        return FALSE;
      g_clear_pointer (&apdu, g_bytes_unref);
      g_clear_pointer (&data, g_bytes_unref);
    }
  {
    GBytes *key_apdu = ossp_hsm_apdu_build_put_oem_key (p->oem_key, p->oem_nonce);
    data = exchange (self, key_apdu, OSSP_HSM_OP_PUT_OEM_KEY, NULL, error);
    ossp_hsm_apdu_wipe_free (key_apdu);
    if (data == NULL)
      return FALSE;
    g_clear_pointer (&data, g_bytes_unref);
  }
  apdu = ossp_hsm_apdu_build_put_config (p->firmware_id, p->max_count, p->license_type,
                                         p->fsbl_min_version, error);
  if (apdu == NULL || (data = exchange (self, apdu, OSSP_HSM_OP_PUT_CONFIG, NULL, error)) == NULL)
    return FALSE;
  g_clear_pointer (&apdu, g_bytes_unref);
  g_clear_pointer (&data, g_bytes_unref);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  apdu = ossp_hsm_apdu_build_lock ();
  data = exchange (self, apdu, OSSP_HSM_OP_LOCK, NULL, error);
  return data != NULL;
}

static void
provision_thread (GTask        *task,
                  gpointer      source,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  OsspPcscHsm *self = source;
  g_autoptr(GError) error = NULL;
  gboolean ok = FALSE;

  g_mutex_lock (&self->mutex);
  if (session_begin (self, cancellable, &error))
    {
      ok = provision_locked (self, task_data, cancellable, &error);
      session_end (self);
    }
  g_mutex_unlock (&self->mutex);
  if (!ok)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
get_license_thread (GTask        *task,
                    gpointer      source,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  OsspPcscHsm *self = source;
  GBytes *certificate = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) apdu = NULL;
  g_autoptr(GBytes) data = NULL;
  GBytes *license = NULL;

  apdu = ossp_hsm_apdu_build_get_license (certificate, &error);
  if (apdu != NULL)
    {
      g_mutex_lock (&self->mutex);
      if (session_begin (self, cancellable, &error))
        {
          data = exchange (self, apdu, OSSP_HSM_OP_GET_LICENSE, NULL, &error);
          if (data != NULL)
            license = ossp_hsm_apdu_parse_license (g_bytes_get_data (data, NULL),
                                                   g_bytes_get_size (data), &error);
          session_end (self);
        }
      g_mutex_unlock (&self->mutex);
    }
  if (license == NULL)
    {
      ossp_hsm_prefix_chip_error (&error, certificate);
      g_task_return_error (task, g_steal_pointer (&error));
    }
  else
    g_task_return_pointer (task, license, (GDestroyNotify) g_bytes_unref);
}

static void
run_in_thread (OsspHsm             *hsm,
               gpointer             source_tag,
               gpointer             task_data,
               GDestroyNotify       task_data_free,
               GTaskThreadFunc      func,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (hsm, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, task_data, task_data_free);
  g_task_run_in_thread (task, func);
}

static void
ossp_pcsc_hsm_get_info_async (OsspHsm             *hsm,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  run_in_thread (hsm, ossp_pcsc_hsm_get_info_async, NULL, NULL, get_info_thread,
                 cancellable, callback, user_data);
}

static void
ossp_pcsc_hsm_provision_async (OsspHsm             *hsm,
                               OsspHsmProvisioning *params,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  run_in_thread (hsm, ossp_pcsc_hsm_provision_async, ossp_hsm_provisioning_copy (params),
                 (GDestroyNotify) ossp_hsm_provisioning_free, provision_thread,
                 cancellable, callback, user_data);
}

static void
ossp_pcsc_hsm_get_license_async (OsspHsm             *hsm,
                                 GBytes              *certificate,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  run_in_thread (hsm, ossp_pcsc_hsm_get_license_async, g_bytes_ref (certificate),
                 (GDestroyNotify) g_bytes_unref, get_license_thread, cancellable, callback, user_data);
}

static OsspHsmInfo *
ossp_pcsc_hsm_get_info_finish (OsspHsm       *hsm,
                               GAsyncResult  *result,
                               GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static GBytes *
ossp_pcsc_hsm_get_license_finish (OsspHsm       *hsm,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static gboolean
ossp_pcsc_hsm_provision_finish (OsspHsm       *hsm,
                                GAsyncResult  *result,
                                GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
ossp_pcsc_hsm_iface_init (OsspHsmInterface *iface)
{
  iface->get_info_async = ossp_pcsc_hsm_get_info_async;
  iface->get_info_finish = ossp_pcsc_hsm_get_info_finish;
  iface->provision_async = ossp_pcsc_hsm_provision_async;
  iface->provision_finish = ossp_pcsc_hsm_provision_finish;
  iface->get_license_async = ossp_pcsc_hsm_get_license_async;
  iface->get_license_finish = ossp_pcsc_hsm_get_license_finish;
}

static void
ossp_pcsc_hsm_finalize (GObject *object)
{
  OsspPcscHsm *self = OSSP_PCSC_HSM (object);

  drop_connection (self);
  g_mutex_clear (&self->mutex);
  g_free (self->reader_query);
  g_free (self->reader_name);
  G_OBJECT_CLASS (ossp_pcsc_hsm_parent_class)->finalize (object);
}

static void
ossp_pcsc_hsm_class_init (OsspPcscHsmClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ossp_pcsc_hsm_finalize;
}

static void
ossp_pcsc_hsm_init (OsspPcscHsm *self)
{
  g_mutex_init (&self->mutex);
}

OsspPcscHsm *
ossp_pcsc_hsm_new (const char *reader,
                   guint       slot)
{
  OsspPcscHsm *self = g_object_new (OSSP_TYPE_PCSC_HSM, NULL);

  self->reader_query = g_strdup (reader);
  self->slot = slot;
  return self;
}

char *
ossp_pcsc_hsm_dup_reader_name (OsspPcscHsm *self)
{
  char *name;

  g_return_val_if_fail (OSSP_IS_PCSC_HSM (self), NULL);
  g_mutex_lock (&self->mutex);
  name = g_strdup (self->reader_name);
  g_mutex_unlock (&self->mutex);
  return name;
}
