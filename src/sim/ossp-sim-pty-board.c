/* ossp-sim-pty-board.c — a simulated board served on a pty in a thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <unistd.h>

#include "ossp-sim-pty-board.h"

struct _OsspSimPtyBoard
{
  GObject             parent_instance;

  OsspSimBoard       *board;
  OsspSimFaults      *faults;
  OsspSimUart        *uart;
  OsspSimUartOptions  uart_opts;
  char               *state_path;
  char               *slave_path;
  int                 master;
  int                 slave_keep;
  GCancellable       *cancel;
  GThread            *thread;
};

G_DEFINE_FINAL_TYPE (OsspSimPtyBoard, ossp_sim_pty_board, G_TYPE_OBJECT)

static void
ossp_sim_pty_board_finalize (GObject *object)
{
  OsspSimPtyBoard *self = OSSP_SIM_PTY_BOARD (object);

  ossp_sim_pty_board_stop (self);
  if (self->master >= 0)
    close (self->master);
  if (self->slave_keep >= 0)
    close (self->slave_keep);
  g_clear_object (&self->uart);
  g_clear_object (&self->board);
  g_clear_pointer (&self->faults, ossp_sim_faults_free);
  g_clear_object (&self->cancel);
  g_free (self->state_path);
  g_free (self->slave_path);
  G_OBJECT_CLASS (ossp_sim_pty_board_parent_class)->finalize (object);
}

static void
ossp_sim_pty_board_class_init (OsspSimPtyBoardClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ossp_sim_pty_board_finalize;
}

static void
ossp_sim_pty_board_init (OsspSimPtyBoard *self)
{
  self->master = -1;
  self->slave_keep = -1;
  self->faults = ossp_sim_faults_new ();
  ossp_sim_uart_options_init (&self->uart_opts);
}

OsspSimPtyBoard *
ossp_sim_pty_board_new (const char                  *chip_id,
                        const char                  *state_path,
                        const OsspSimFactoryOptions *opts,
                        GError                     **error)
{
  g_autoptr(OsspSimPtyBoard) self = g_object_new (OSSP_TYPE_SIM_PTY_BOARD, NULL);

  if (state_path != NULL && g_file_test (state_path, G_FILE_TEST_EXISTS))
    self->board = ossp_sim_board_load (state_path, error);
  else
    {
      OsspSimFactoryOptions fo;
      if (opts != NULL)
        fo = *opts;
      else
        ossp_sim_factory_options_init (&fo);
      if (chip_id != NULL)
        fo.chip_id = chip_id;
      self->board = ossp_sim_board_new_factory (&fo, error);
      if (self->board != NULL && state_path != NULL &&
          !ossp_sim_board_save (self->board, state_path, FALSE, error))
        return NULL;
    }
  if (self->board == NULL)
    return NULL;
  if (state_path != NULL)
    {
      self->state_path = g_strdup (state_path);
      ossp_sim_board_set_autosave (self->board, state_path);
    }
  ossp_sim_board_set_faults (self->board, self->faults);
  ossp_sim_board_set_trace (self->board, g_getenv ("OSSP_SIM_TRACE") != NULL);
  return g_steal_pointer (&self);
}

void
ossp_sim_pty_board_set_uart_options (OsspSimPtyBoard          *self,
                                     const OsspSimUartOptions *opts)
{
  g_return_if_fail (OSSP_IS_SIM_PTY_BOARD (self));
  self->uart_opts = *opts;
}

gboolean
ossp_sim_pty_board_add_fault (OsspSimPtyBoard *self,
                              const char      *spec,
                              GError         **error)
{
  g_return_val_if_fail (OSSP_IS_SIM_PTY_BOARD (self), FALSE);
  return ossp_sim_faults_add (self->faults, spec, error);
}

static gpointer
serve_thread (gpointer data)
{
  OsspSimPtyBoard *self = data;

  ossp_sim_uart_serve_fd (self->uart, self->master, self->cancel, NULL);
  /* the simulator stopped on its own (a hang-up fault): unplug the line,
   * so the host sees the device go */
  if (!g_cancellable_is_cancelled (self->cancel))
    {
      close (self->master);
      close (self->slave_keep);
      self->master = self->slave_keep = -1;
    }
  return NULL;
}

gboolean
ossp_sim_pty_board_start (OsspSimPtyBoard *self,
                          GError         **error)
{
  g_return_val_if_fail (OSSP_IS_SIM_PTY_BOARD (self), FALSE);
  g_return_val_if_fail (self->thread == NULL, FALSE);

  if (self->uart == NULL)
    self->uart = ossp_sim_uart_new (self->board, &self->uart_opts);
  if (self->master < 0)
    {
      g_clear_pointer (&self->slave_path, g_free);
      self->master = ossp_sim_uart_open_pty (&self->slave_path, &self->slave_keep, error);
      if (self->master < 0)
        return FALSE;
    }
  g_clear_object (&self->cancel);
  self->cancel = g_cancellable_new ();
  self->thread = g_thread_new ("sim-board", serve_thread, self);
  return TRUE;
}

void
ossp_sim_pty_board_stop (OsspSimPtyBoard *self)
{
  g_return_if_fail (OSSP_IS_SIM_PTY_BOARD (self));
  if (self->thread == NULL)
    return;
  g_cancellable_cancel (self->cancel);
  g_thread_join (self->thread);
  self->thread = NULL;
}

const char *
ossp_sim_pty_board_get_path (OsspSimPtyBoard *self)
{
  g_return_val_if_fail (OSSP_IS_SIM_PTY_BOARD (self), NULL);
  return self->slave_path;
}

OsspSimBoard *
ossp_sim_pty_board_get_board (OsspSimPtyBoard *self)
{
  g_return_val_if_fail (OSSP_IS_SIM_PTY_BOARD (self), NULL);
  return self->board;
}

const char *
ossp_sim_pty_board_get_state_path (OsspSimPtyBoard *self)
{
  g_return_val_if_fail (OSSP_IS_SIM_PTY_BOARD (self), NULL);
  return self->state_path;
}

void
ossp_sim_pty_board_get_byte_counts (OsspSimPtyBoard *self,
                                    guint64         *out_in,
                                    guint64         *out_out)
{
  g_return_if_fail (OSSP_IS_SIM_PTY_BOARD (self));
  if (out_in)
    *out_in = self->uart ? ossp_sim_uart_get_bytes_in (self->uart) : 0;
  if (out_out)
    *out_out = self->uart ? ossp_sim_uart_get_bytes_out (self->uart) : 0;
}
