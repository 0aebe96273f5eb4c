/* ossp-sim-vpcd.c — the vpcd wire (spec platform.md §2c) for the soft-HSM
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include "ossp-sim-vpcd.h"

#define VPCD_CTRL_OFF    0x00
#define VPCD_CTRL_ON     0x01
#define VPCD_CTRL_RESET  0x02
#define VPCD_CTRL_ATR    0x04

struct _OsspSimVpcd
{
  GObject          parent_instance;
  OsspSimHsmCard  *card;
  char            *host;
  guint16          port;
  guint            apdu_count;
  guint            fail_after;
};

G_DEFINE_FINAL_TYPE (OsspSimVpcd, ossp_sim_vpcd, G_TYPE_OBJECT)

static void
ossp_sim_vpcd_finalize (GObject *object)
{
  OsspSimVpcd *self = OSSP_SIM_VPCD (object);

  g_clear_object (&self->card);
  g_free (self->host);
  G_OBJECT_CLASS (ossp_sim_vpcd_parent_class)->finalize (object);
}

static void
ossp_sim_vpcd_class_init (OsspSimVpcdClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ossp_sim_vpcd_finalize;
}

static void
ossp_sim_vpcd_init (OsspSimVpcd *self)
{
}

OsspSimVpcd *
ossp_sim_vpcd_new (OsspSimHsmCard *card,
                   const char     *host,
                   guint16         port)
{
  OsspSimVpcd *self = g_object_new (OSSP_TYPE_SIM_VPCD, NULL);

  self->card = g_object_ref (card);
  self->host = g_strdup (host ? host : "127.0.0.1");
  self->port = port;
  return self;
}

guint
ossp_sim_vpcd_get_apdu_count (OsspSimVpcd *self)
{
  return self->apdu_count;
}

void
ossp_sim_vpcd_set_fail_after (OsspSimVpcd *self,
                              guint        n)
{
  self->fail_after = n;
}

/* one frame: header and payload in a single write, so that Nagle never
 * holds half a frame back */
static gboolean
send_frame (GOutputStream  *out,
            const guint8   *data,
            gsize           len,
            GCancellable   *cancellable,
            GError        **error)
{
  g_autofree guint8 *buf = g_malloc (len + 2);

  if (len > 0xffff)
    {
      g_set_error (error, OSSP_ERROR, OSSP_ERROR_PROTOCOL, "Response of %" G_GSIZE_FORMAT
                   " bytes does not fit a vpcd frame", len);
      return FALSE;
    }
  buf[0] = (guint8) (len >> 8);
  buf[1] = (guint8) len;
  memcpy (buf + 2, data, len);
  return g_output_stream_write_all (out, buf, len + 2, NULL, cancellable, error);
}

static GSocketConnection *
connect_vpcd (OsspSimVpcd   *self,
              GCancellable  *cancellable,
              GError       **error)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnectable) address = g_network_address_new (self->host, self->port);
  GSocketConnection *conn;

  g_socket_client_set_enable_proxy (client, FALSE);
  conn = g_socket_client_connect (client, address, cancellable, error);
  if (conn != NULL)
    g_socket_set_option (g_socket_connection_get_socket (conn), IPPROTO_TCP, TCP_NODELAY, 1, NULL);
  return conn;
}

static gboolean
serve_connection (OsspSimVpcd        *self,
                  GSocketConnection  *conn,
                  GCancellable       *cancellable,
                  GError            **error)
{
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  guint8 header[2];
  g_autofree guint8 *payload = g_malloc (0x10000);

  for (;;)
    {
      gsize got = 0, len;

      if (!g_input_stream_read_all (in, header, 2, &got, cancellable, error))
        return FALSE;
      if (got == 0)
        return TRUE;   /* vpcd closed: the reader went away */
      /* vpcd writes the length and the payload separately; with Nagle on its
       * side and delayed ACKs on ours each frame would wait ~40 ms. Linux
       * forgets TCP_QUICKACK after a while, so set it for every frame. */
      g_socket_set_option (g_socket_connection_get_socket (conn), IPPROTO_TCP, TCP_QUICKACK, 1, NULL);
      if (got != 2)
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_PROTOCOL, "vpcd closed the connection mid-frame");
          return FALSE;
        }
      len = ((gsize) header[0] << 8) | header[1];
      if (!g_input_stream_read_all (in, payload, len, &got, cancellable, error))
        return FALSE;
      if (got != len)
        {
          g_set_error (error, OSSP_ERROR, OSSP_ERROR_PROTOCOL, "vpcd closed the connection mid-frame");
          return FALSE;
        }
      if (len == 1)
        {
          switch (payload[0])
            {
            case VPCD_CTRL_ATR:
              {
                gsize atr_len;
                const guint8 *atr = ossp_sim_hsm_card_get_atr (&atr_len);
                if (!send_frame (out, atr, atr_len, cancellable, error))
                  return FALSE;
              }
              break;
            case VPCD_CTRL_OFF:
            case VPCD_CTRL_ON:
            case VPCD_CTRL_RESET:
              ossp_sim_hsm_card_reset (self->card);
              break;
            default:
              g_debug ("vpcd: unknown control byte 0x%02x ignored", payload[0]);
            }
        }
      else if (len > 1)
        {
          g_autoptr(GBytes) resp = NULL;
          gsize rlen = 0;
          const guint8 *rdata;

          self->apdu_count++;
          if (self->fail_after > 0 && self->apdu_count >= self->fail_after)
            {
              g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
              g_set_error (error, OSSP_ERROR, OSSP_ERROR_DEVICE,
                           "Fault injected: the card was pulled while command APDU %u arrived",
                           self->apdu_count);
              return FALSE;
            }
          resp = ossp_sim_hsm_card_transmit (self->card, payload, len);
          rdata = g_bytes_get_data (resp, &rlen);
          if (!send_frame (out, rdata, rlen, cancellable, error))
            return FALSE;
        }
    }
}

gboolean
ossp_sim_vpcd_serve (OsspSimVpcd   *self,
                     GCancellable  *cancellable,
                     GError       **error)
{
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (OSSP_IS_SIM_VPCD (self), FALSE);
  conn = connect_vpcd (self, cancellable, &local_error);
  if (conn == NULL)
    {
      g_set_error (error, OSSP_ERROR, g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
                                        ? OSSP_ERROR_CANCELLED : OSSP_ERROR_NOT_FOUND,
                   "Cannot reach the vpcd reader at %s:%u (%s): is pcscd running with a vpcd "
                   "reader on that port?", self->host, self->port, local_error->message);
      return FALSE;
    }
  return serve_connection (self, conn, cancellable, error);
}

gboolean
ossp_sim_vpcd_serve_forever (OsspSimVpcd          *self,
                             OsspSimVpcdReadyFunc  ready_cb,
                             gpointer              user_data,
                             GCancellable         *cancellable,
                             GError              **error)
{
  g_return_val_if_fail (OSSP_IS_SIM_VPCD (self), FALSE);

  while (!g_cancellable_is_cancelled (cancellable))
    {
      g_autoptr(GSocketConnection) conn = NULL;
      g_autoptr(GError) local_error = NULL;

      conn = connect_vpcd (self, cancellable, &local_error);
      if (conn == NULL)
        {
          /* vpcd not (yet) listening: pcscd starting or restarting */
          g_usleep (100 * 1000);
          continue;
        }
      if (ready_cb)
        ready_cb (self, user_data);
      if (!serve_connection (self, conn, cancellable, &local_error))
        {
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            break;
          if (g_error_matches (local_error, OSSP_ERROR, OSSP_ERROR_DEVICE))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          g_debug ("vpcd connection ended: %s", local_error->message);
        }
    }
  g_set_error (error, OSSP_ERROR, OSSP_ERROR_CANCELLED, "The simulated card was stopped");
  return FALSE;
}
