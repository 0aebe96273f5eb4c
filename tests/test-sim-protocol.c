/* test-sim-protocol.c — UART conformance from the device side, byte by byte
 *
 * Canned host byte streams (written from ssp-flow.md §4.2 and §4.3/§4.4)
 * are fed to the device, and everything it answers is compared with what
 * the spec says it must answer: every command, bad checksums, unknown
 * commands, bad packet numbers, overflow, the v2.2/v2.6 differences.
 * (The timing rules — byte timeout, resync — are tested on a real pty in
 * test-sim-uart.c.)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ossp-test-helper.h"
#include "ossp-test-ssp-host.h"
#include "ossp-sim-uart.h"

#define ACK  0x79
#define NACK 0x1F

typedef struct {
  OsspSimBoard *board;
  OsspSimUart  *uart;
  GByteArray   *in;
  GByteArray   *want;
  GBytes       *image;
  guint32       load;
  gboolean      v26;
  guint         steps;        /* commands sent so far (the device's step count) */
  OsspSimFaults *faults;
} Fx;

static void
fx_init (Fx                *fx,
         const char        *chip,
         OsspSimFsblVersion version)
{
  g_autoptr(GError) error = NULL;
  OsspSimFactoryOptions opts;

  ossp_sim_factory_options_init (&opts);
  opts.chip_id = chip;
  opts.fsbl_version = version;
  fx->board = ossp_sim_board_new_factory (&opts, &error);
  g_assert_no_error (error);
  fx->v26 = version == OSSP_SIM_FSBL_V2_6;
  fx->uart = ossp_sim_uart_new (fx->board, NULL);
  fx->faults = ossp_sim_faults_new ();
  ossp_sim_board_set_faults (fx->board, fx->faults);
  fx->in = g_byte_array_new ();
  fx->want = g_byte_array_new ();
  fx->image = ossp_test_build_fsbl (chip, NULL, 3, 700, NULL);
  fx->load = g_str_equal (chip, "stm32mp15") ? 0x2FFC2400 : g_str_equal (chip, "stm32mp13") ? 0x2FFE0000 : 0x0E012000;
}

static void
fx_clear (Fx *fx)
{
  g_object_unref (fx->uart);
  g_object_unref (fx->board);
  g_byte_array_unref (fx->in);
  g_byte_array_unref (fx->want);
  g_bytes_unref (fx->image);
  ossp_sim_faults_free (fx->faults);
}

static void
send (Fx *fx, const void *bytes, gsize len)
{
  g_byte_array_append (fx->in, bytes, len);
}

static void
want (Fx *fx, const void *bytes, gsize len)
{
  g_byte_array_append (fx->want, bytes, len);
}

#define SEND(fx, ...) do { const guint8 b_[] = { __VA_ARGS__ }; send (fx, b_, sizeof b_); } while (0)
#define WANT(fx, ...) do { const guint8 w_[] = { __VA_ARGS__ }; want (fx, w_, sizeof w_); } while (0)

static void
cmd (Fx *fx, guint8 c)
{
  fx->steps++;
  SEND (fx, c, c ^ 0xFF);
  WANT (fx, ACK);
}

/* Runs what was queued and compares the device's answer. */
static void
run (Fx *fx)
{
  g_autoptr(GBytes) out = ossp_sim_uart_run_buffer (fx->uart, fx->in->data, fx->in->len);
  gsize len;
  const guint8 *got = g_bytes_get_data (out, &len);

  if (len != fx->want->len || (len > 0 && memcmp (got, fx->want->data, len) != 0))
    {
      GString *a = g_string_new (NULL), *b = g_string_new (NULL);
      for (gsize i = 0; i < fx->want->len; i++)
        g_string_append_printf (a, "%02X ", fx->want->data[i]);
      for (gsize i = 0; i < len; i++)
        g_string_append_printf (b, "%02X ", got[i]);
      g_error ("device answer differs\n want %s\n got  %s", a->str, b->str);
    }
  g_byte_array_set_size (fx->in, 0);
  g_byte_array_set_size (fx->want, 0);
}

static void
download (Fx *fx, guint8 op, const guint8 *data, gsize len, guint32 first_packet)
{
  guint32 packet = first_packet;

  for (gsize off = 0; off < len; off += 256, packet++)
    {
      gsize n = MIN (256, len - off);
      guint8 h[5] = { op, packet >> 16, packet >> 8, packet, 0 }, x = (guint8) (n - 1), nm1 = (guint8) (n - 1);
      h[4] = h[0] ^ h[1] ^ h[2] ^ h[3];
      cmd (fx, 0x31);
      send (fx, h, 5);
      WANT (fx, ACK);
      send (fx, &nm1, 1);
      send (fx, data + off, n);
      for (gsize i = 0; i < n; i++)
        x ^= data[off + i];
      send (fx, &x, 1);
      WANT (fx, ACK);
    }
}

static void
start (Fx *fx, guint32 addr, guint8 answer)
{
  guint8 a[5] = { addr >> 24, addr >> 16, addr >> 8, addr, 0 };

  a[4] = a[0] ^ a[1] ^ a[2] ^ a[3];
  cmd (fx, 0x21);
  send (fx, a, 5);
  want (fx, &answer, 1);
}

/* ROM: sync, download the FSBL, START; the FSBL's resync NACK follows. */
static void
rom_boot_no_resync (Fx *fx)
{
  fx->steps++;
  SEND (fx, 0x7F);
  WANT (fx, ACK);
  download (fx, 0x01, g_bytes_get_data (fx->image, NULL), g_bytes_get_size (fx->image), 0);
  start (fx, fx->load, ACK);
}

static void
rom_boot (Fx *fx)
{
  rom_boot_no_resync (fx);
  WANT (fx, NACK);
}

static void
phase_reply (Fx *fx, guint8 phase, guint32 addr, const char *msg, gsize msg_len)
{
  guint8 h[7] = { 5 + msg_len, phase, addr, addr >> 8, addr >> 16, addr >> 24, msg_len };

  want (fx, h, 7);
  if (msg_len)
    want (fx, msg, msg_len);
  WANT (fx, ACK);
}

/* boot 1, then boot 2 up to the FSBL's resync NACK */
static void
to_boot2 (Fx *fx)
{
  rom_boot (fx);
  cmd (fx, 0x03);
  phase_reply (fx, 0xFF, 0, fx->v26 ? "Provisioning\n" : "Provisioning\0", 13);
  rom_boot (fx);
  run (fx);
}

/* ---- ROM stage (ours: §4.3, §4.4 rules 1–2) ------------------------------- */

static void
test_rom_commands (void)
{
  Fx fx = { 0 };

  fx_init (&fx, "stm32mp15", OSSP_SIM_FSBL_V2_6);
  /* rule 1: nothing until 0x7F; bytes before it are ignored */
  SEND (&fx, 0x00, 0xFF, 0x03, 0x7F);
  WANT (&fx, ACK);
  cmd (&fx, 0x00);
  WANT (&fx, 0x06, 0x40, 0x00, 0x01, 0x02, 0x03, 0x21, 0x31, ACK);
  cmd (&fx, 0x01);
  WANT (&fx, 0x40, ACK);
  cmd (&fx, 0x02);
  WANT (&fx, 0x01, 0x05, 0x00, ACK);
  cmd (&fx, 0x03);
  WANT (&fx, 0x05, 0x01, 0x00, 0x24, 0xFC, 0x2F, 0x00, ACK);
  /* a second 0x7F: ACK again */
  SEND (&fx, 0x7F);
  WANT (&fx, ACK);
  /* bad complement, then READ_PART which the ROM does not know: NACK each byte */
  SEND (&fx, 0x00, 0x00);
  WANT (&fx, NACK);
  SEND (&fx, 0x12, 0xED);
  WANT (&fx, NACK, NACK);
  run (&fx);
  fx_clear (&fx);
}

static void
test_rom_download_and_start (void)
{
  Fx fx = { 0 };
  const guint8 *img;
  gsize len;

  fx_init (&fx, "stm32mp13", OSSP_SIM_FSBL_V2_6);
  img = g_bytes_get_data (fx.image, &len);
  SEND (&fx, 0x7F);
  WANT (&fx, ACK);
  cmd (&fx, 0x02);
  WANT (&fx, 0x01, 0x05, 0x01, ACK);               /* MP13 DEV_ID 0x501 */
  /* operation 0xF3 is not the ROM's 0x01: NACK after the checksum */
  cmd (&fx, 0x31);
  SEND (&fx, 0xF3, 0, 0, 0, 0xF3);
  WANT (&fx, NACK);
  /* packet 1 before packet 0: NACK right after the packet number */
  cmd (&fx, 0x31);
  SEND (&fx, 0x01, 0, 0, 1);
  WANT (&fx, NACK);
  SEND (&fx, 0x44);                                /* the pending XOR byte: an unknown command */
  WANT (&fx, NACK);
  /* START before any image, and START elsewhere than the load address */
  start (&fx, fx.load, NACK);
  download (&fx, 0x01, img, len, 0);
  start (&fx, 0x2FFE0100, NACK);
  /* bad START checksum */
  cmd (&fx, 0x21);
  SEND (&fx, 0x2F, 0xFE, 0x00, 0x00, 0x00);
  WANT (&fx, NACK);
  /* the image was kept: a proper START runs the FSBL */
  start (&fx, fx.load, ACK);
  WANT (&fx, NACK);                                /* FSBL resync */
  run (&fx);
  g_assert_cmpuint (ossp_sim_board_get_boots (fx.board), ==, 1);
  fx_clear (&fx);
}

static void
test_rom_refuses_bad_image (void)
{
  Fx fx = { 0 };
  g_autofree guint8 *img = NULL;
  gsize len;

  fx_init (&fx, "stm32mp15", OSSP_SIM_FSBL_V2_6);
  img = g_bytes_unref_to_data (g_bytes_ref (fx.image), &len);
  img[0x44] ^= 1;                                  /* checksum */
  SEND (&fx, 0x7F);
  WANT (&fx, ACK);
  download (&fx, 0x01, img, len, 0);
  start (&fx, fx.load, NACK);
  cmd (&fx, 0x03);                                 /* still the ROM */
  WANT (&fx, 0x05, 0x01, 0x00, 0x24, 0xFC, 0x2F, 0x00, ACK);
  img[0x44] ^= 1;
  img[0x48] = 0x01;                                /* header version */
  download (&fx, 0x01, img, len, 0);
  start (&fx, fx.load, NACK);
  img[0x48] = 0x00;
  download (&fx, 0x01, img, len - 1, 0);           /* length */
  start (&fx, fx.load, NACK);
  run (&fx);
  g_assert_cmpuint (ossp_sim_board_get_boots (fx.board), ==, 0);
  fx_clear (&fx);
}

/* ---- FSBL-SSP stage (§4.2) ----------------------------------------------- */

static void
test_fsbl_boot1_commands (void)
{
  Fx fx = { 0 };

  fx_init (&fx, "stm32mp13", OSSP_SIM_FSBL_V2_6);
  rom_boot (&fx);
  SEND (&fx, 0x7F);
  WANT (&fx, ACK);
  cmd (&fx, 0x00);
  WANT (&fx, 0x07, 0x40, 0x00, 0x01, 0x02, 0x03, 0x12, 0x21, 0x31, ACK);
  cmd (&fx, 0x01);
  WANT (&fx, 0x03, ACK);                           /* the FSBL's image_version */
  cmd (&fx, 0x02);
  WANT (&fx, 0x01, 0x05, 0x01, ACK);               /* v2.6: the real DEV_ID */
  SEND (&fx, 0x44, 0xBB);                          /* unknown: NACK, then its complement too */
  WANT (&fx, NACK, NACK);
  SEND (&fx, 0x03, 0x03);                          /* bad complement */
  WANT (&fx, NACK);
  cmd (&fx, 0x03);
  phase_reply (&fx, 0xFF, 0, "Provisioning\n", 13);
  run (&fx);
  g_assert_cmphex (ossp_sim_board_get_ssp_cmd (fx.board), ==, 0x4B425550);   /* PUBK */
  fx_clear (&fx);
}

static void
read_part (Fx *fx, guint8 id, guint32 offset, guint8 n_minus_1)
{
  guint8 a[6] = { id, offset >> 24, offset >> 16, offset >> 8, offset, 0 };
  guint8 n[2] = { n_minus_1, n_minus_1 ^ 0xFF };

  a[5] = a[0] ^ a[1] ^ a[2] ^ a[3] ^ a[4];
  cmd (fx, 0x12);
  send (fx, a, 6);
  send (fx, n, 2);
}

static void
test_fsbl_read_part_v26 (void)
{
  Fx fx = { 0 };
  guint8 cert[136], zeros[256] = { 0 };

  fx_init (&fx, "stm32mp15", OSSP_SIM_FSBL_V2_6);
  to_boot2 (&fx);
  g_assert_true (ossp_sim_board_get_certificate (fx.board, cert));
  /* N-1 = 0x87: exactly 136 bytes then ACK */
  read_part (&fx, 0xF3, 0, 0x87);
  WANT (&fx, ACK, ACK);
  want (&fx, cert, 136);
  WANT (&fx, ACK);
  /* N-1 = 0xFF: zero fill up to N-1 = 255 bytes in all (the off-by-one) */
  read_part (&fx, 0xF3, 0, 0xFF);
  WANT (&fx, ACK, ACK);
  want (&fx, cert, 136);
  want (&fx, zeros, 255 - 136);
  WANT (&fx, ACK);
  /* N-1 = 0x10: still the whole certificate */
  read_part (&fx, 0xF3, 0, 0x10);
  WANT (&fx, ACK, ACK);
  want (&fx, cert, 136);
  WANT (&fx, ACK);
  run (&fx);

  /* partition 0x12: NACK right after the id byte; the rest is parsed as commands */
  cmd (&fx, 0x12);
  SEND (&fx, 0x12);
  WANT (&fx, NACK);
  /* partition 0x00: both ACKs, then NACK */
  read_part (&fx, 0x00, 0, 0x87);
  WANT (&fx, ACK, ACK, NACK);
  /* offset ≠ 0 */
  read_part (&fx, 0xF3, 4, 0x87);
  WANT (&fx, NACK, NACK, NACK);                    /* N-1 and its complement then read as unknown commands */
  run (&fx);
  fx_clear (&fx);
}

static void
test_fsbl_read_part_v22 (void)
{
  Fx fx = { 0 };
  guint8 cert[136], zeros[256] = { 0 };

  fx_init (&fx, "stm32mp15", OSSP_SIM_FSBL_V2_2);
  to_boot2 (&fx);
  g_assert_true (ossp_sim_board_get_certificate (fx.board, cert));
  read_part (&fx, 0xF3, 0, 0x87);
  WANT (&fx, ACK, ACK);
  want (&fx, cert, 136);                           /* no trailing ACK in v2.2 */
  read_part (&fx, 0xF3, 0, 0xFF);
  WANT (&fx, ACK, ACK);
  want (&fx, cert, 136);
  want (&fx, zeros, 256 - 136);                    /* v2.2 fills up to N */
  read_part (&fx, 0xF3, 0, 0x10);                  /* N < 136 */
  WANT (&fx, ACK, ACK, NACK);
  cmd (&fx, 0x02);
  WANT (&fx, 0x01, 0x05, 0x00, ACK);
  run (&fx);
  fx_clear (&fx);
}

static void
test_fsbl_download_rules (void)
{
  Fx fx = { 0 };
  guint8 data[300];
  g_autofree char *overflow = NULL;

  for (guint i = 0; i < sizeof data; i++)
    data[i] = (guint8) i;
  fx_init (&fx, "stm32mp15", OSSP_SIM_FSBL_V2_6);
  to_boot2 (&fx);
  /* packet 1 first: NACK after the three packet bytes; the XOR byte then
   * reads as a command (0xF2: unknown → NACK) */
  cmd (&fx, 0x31);
  SEND (&fx, 0xF3, 0, 0, 1);
  WANT (&fx, NACK);
  SEND (&fx, 0xF2);
  WANT (&fx, NACK);
  /* bad data checksum: NACK, packet not counted */
  cmd (&fx, 0x31);
  SEND (&fx, 0xF3, 0, 0, 0, 0xF3);
  WANT (&fx, ACK);
  SEND (&fx, 0x01, 0xAA, 0xBB, 0x00);
  WANT (&fx, NACK);
  /* v2.6 ignores the operation byte (but it is in the XOR) */
  download (&fx, 0x5A, data, 256, 0);
  download (&fx, 0xF3, data, 124, 1);              /* 380 = 256 + 124: the blob is full */
  run (&fx);
  g_assert_cmpuint (ossp_sim_board_get_blob_len (fx.board), ==, 380);

  /* one more packet: ACKed without its data, reset phase "Download overflow" */
  cmd (&fx, 0x31);
  SEND (&fx, 0xF3, 0, 0, 2, 0xF1);
  WANT (&fx, ACK);
  SEND (&fx, 0x00);                                /* N-1: 1 byte */
  WANT (&fx, ACK);
  SEND (&fx, 0x7F);                                /* "data" parsed as a command: a sync */
  WANT (&fx, ACK);
  cmd (&fx, 0x03);
  overflow = g_strdup_printf ("Download overflow at 0x%08X\n", 0x2FFFF000 + 380 + 1);
  phase_reply (&fx, 0xFF, 0x2FFFF000, overflow, strlen (overflow));
  run (&fx);
  /* the FSBL left its loop: PROV, and the chip is back in the ROM */
  g_assert_cmphex (ossp_sim_board_get_ssp_cmd (fx.board), ==, 0x564F5250);
  g_assert_cmpint (ossp_sim_board_get_stage (fx.board), ==, OSSP_SIM_STAGE_ROM);
  fx_clear (&fx);
}

static void
test_fsbl_start_rules (void)
{
  Fx fx = { 0 };
  const char *fip = "FIP Header check failed at 0x2FFFF000\n";

  fx_init (&fx, "stm32mp15", OSSP_SIM_FSBL_V2_6);
  to_boot2 (&fx);
  cmd (&fx, 0x03);
  phase_reply (&fx, 0xF3, 0x2FFFF000, NULL, 0);
  /* 0xFFFFFFFF: the FIP check fails → NACK, and the phase is 0xFF anyway */
  start (&fx, 0xFFFFFFFF, NACK);
  /* a second error keeps the first text */
  start (&fx, 0x2FFFF000, ACK);
  cmd (&fx, 0x03);
  phase_reply (&fx, 0xFF, 0x2FFFF000, fip, strlen (fip));
  run (&fx);
  fx_clear (&fx);
}

static void
test_fsbl_start_v22 (void)
{
  Fx fx = { 0 };

  fx_init (&fx, "stm32mp15", OSSP_SIM_FSBL_V2_2);
  rom_boot (&fx);
  cmd (&fx, 0x02);
  WANT (&fx, 0x01, 0x05, 0x00, ACK);
  cmd (&fx, 0x03);
  phase_reply (&fx, 0xFF, 0, "Provisioning\0", 13);   /* v2.2: with the NUL */
  rom_boot (&fx);
  /* v2.2: operation must be 0x00 or 0xF3 */
  cmd (&fx, 0x31);
  SEND (&fx, 0x5A, 0, 0, 0, 0x5A);
  WANT (&fx, NACK);
  /* any START ends the phase, ACKed, no text */
  start (&fx, 0x12345678, ACK);
  cmd (&fx, 0x03);
  phase_reply (&fx, 0xFF, 0x2FFFF000, NULL, 0);
  run (&fx);
  fx_clear (&fx);
}


/* ---- faults: each leaves the state the spec predicts ---------------------- */

static GBytes *
run_capture (Fx *fx)
{
  GBytes *out = ossp_sim_uart_run_buffer (fx->uart, fx->in->data, fx->in->len);

  g_byte_array_set_size (fx->in, 0);
  g_byte_array_set_size (fx->want, 0);
  return out;
}

static void
add_fault (Fx *fx, const char *spec)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (ossp_sim_faults_add (fx->faults, spec, &error));
  g_assert_no_error (error);
}

/* Boot 2 up to the certificate, read as the host would. */
static void
get_cert (Fx *fx, guint8 cert[136])
{
  g_autoptr(GBytes) out = NULL;
  const guint8 *d;
  gsize len;

  read_part (fx, 0xF3, 0, 0x87);
  out = run_capture (fx);
  d = g_bytes_get_data (out, &len);
  g_assert_cmpuint (len, >=, 137);
  g_assert_cmpuint (d[len - 1], ==, ACK);
  memcpy (cert, d + len - 137, 136);
}

typedef struct {
  OsspTestKey oem;
  guint8      iv[16], key[16], secrets[152];
} Oem;

static void
oem_init (Oem *o)
{
  ossp_test_key_generate (&o->oem);
  for (guint i = 0; i < 16; i++)
    {
      o->key[i] = (guint8) (0x30 + i);
      o->iv[i] = i < 12 ? (guint8) (0x60 + i) : 0;
    }
  for (guint i = 0; i < 152; i++)
    o->secrets[i] = (guint8) (i + 1);
}

/* Boot 2 from the certificate to the reset phase, then boot 3. */
static void
provision_from_cert (Fx *fx, Oem *o, const guint8 cert[136])
{
  g_autoptr(GBytes) license = ossp_test_build_license (cert + 8, 0x2E505353, 0, o->iv, o->key);
  g_autoptr(GBytes) payload = ossp_test_build_payload (TRUE, o->oem.pub, o->secrets, 152, o->iv, o->key);
  g_autoptr(GByteArray) blob = g_byte_array_new ();
  const char *msg = "Invalid start at 0x2FFFF000\n";

  g_byte_array_append (blob, g_bytes_get_data (license, NULL), 136);
  g_byte_array_append (blob, g_bytes_get_data (payload, NULL), 244);
  download (fx, 0xF3, blob->data, blob->len, 0);
  start (fx, 0x2FFFF000, ACK);
  cmd (fx, 0x03);
  phase_reply (fx, 0xFF, 0x2FFFF000, msg, strlen (msg));
  rom_boot_no_resync (fx);          /* boot 3: the FSBL burns, opens no link */
  run (fx);
}

static void
full_run (Fx *fx, Oem *o)
{
  guint8 cert[136];

  to_boot2 (fx);
  get_cert (fx, cert);
  provision_from_cert (fx, o, cert);
}

static void
test_fault_power_loss_after_pkh (void)
{
  Fx fx = { 0 };
  Oem o;
  OsspSimOtp *otp;
  const char * const *events;
  gboolean found = FALSE;

  oem_init (&o);
  fx_init (&fx, "stm32mp15", OSSP_SIM_FSBL_V2_6);
  add_fault (&fx, "reset-during-burn");            /* default: after 8 words, the PKH */
  full_run (&fx, &o);
  otp = ossp_sim_board_get_otp (fx.board);
  for (guint w = 24; w < 32; w++)
    {
      g_assert_cmphex (ossp_sim_otp_peek_fuse (otp, w), !=, 0);
      g_assert_true (ossp_sim_otp_is_locked (otp, w));
    }
  g_assert_false (ossp_sim_otp_is_closed (otp));                 /* CFG0 untouched */
  for (guint w = 56; w < 96; w++)
    g_assert_cmphex (ossp_sim_otp_peek_fuse (otp, w), ==, 0);   /* secrets blank */
  g_assert_cmphex (ossp_sim_otp_peek_fuse (otp, 8) & 0x300, ==, 0x100);   /* REQ, no SUCCESS */
  g_assert_cmphex (ossp_sim_board_get_ssp_cmd (fx.board), ==, 0);         /* SYSRAM lost */

  /* SSP starts again at boot 1, and boot 3 now refuses: the PKH is not blank */
  full_run (&fx, &o);
  g_assert_false (ossp_sim_board_is_provisioned (fx.board));
  g_assert_cmphex (ossp_sim_otp_peek_fuse (otp, 59), ==, 0);
  events = ossp_sim_board_get_events (fx.board);
  for (guint i = 0; events[i]; i++)
    found |= strstr (events[i], "PKH word 24 is not blank") != NULL;
  g_assert_true (found);
  fx_clear (&fx);
}

static void
test_fault_power_loss_in_secrets (void)
{
  Fx fx = { 0 };
  Oem o;
  OsspSimOtp *otp;

  oem_init (&o);
  fx_init (&fx, "stm32mp15", OSSP_SIM_FSBL_V2_6);
  /* 8 PKH words, CFG0, RMA, word 59, word 60: power lost after the 12th */
  add_fault (&fx, "power-loss-burn@12");
  full_run (&fx, &o);
  otp = ossp_sim_board_get_otp (fx.board);
  g_assert_true (ossp_sim_otp_is_closed (otp));
  g_assert_cmphex (ossp_sim_otp_peek_fuse (otp, 56), ==, 0x04030201 & 0x3FFFFFFF);
  g_assert_cmphex (ossp_sim_otp_peek_fuse (otp, 59), ==, 0x08070605);
  g_assert_true (ossp_sim_otp_is_locked (otp, 60));
  g_assert_cmphex (ossp_sim_otp_peek_fuse (otp, 61), ==, 0);
  g_assert_false (ossp_sim_board_is_provisioned (fx.board));
  fx_clear (&fx);
}

static void
test_fault_bad_cert (void)
{
  Fx fx = { 0 };
  OsspTestKey root;
  guint8 cert[136], digest[32], id = 0x0A;

  fx_init (&fx, "stm32mp15", OSSP_SIM_FSBL_V2_6);
  add_fault (&fx, "bad-cert");
  to_boot2 (&fx);
  get_cert (&fx, cert);
  g_assert_cmpmem (cert, 8, "5000200A", 8);
  ossp_test_key_derive (&root, "OpenSSP-root", &id, 1);
  ossp_test_sha256 (cert, 72, digest);
  g_assert_false (ossp_test_ecdsa_verify (root.pub, digest, cert + 72));
  fx_clear (&fx);
}

static void
test_factory_bad_cert_signature (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspSimBoard) board = NULL;
  OsspSimFactoryOptions opts;
  OsspTestKey root;
  guint8 cert[136], digest[32], id = 0x0A;

  ossp_sim_factory_options_init (&opts);
  opts.bad_cert_signature = TRUE;
  board = ossp_sim_board_new_factory (&opts, &error);
  g_assert_no_error (error);
  /* what the ROM will put in the certificate: OTP 40..55, big-endian */
  for (guint j = 0; j < 16; j++)
    {
      guint32 w = ossp_sim_otp_peek_fuse (ossp_sim_board_get_otp (board), 40 + j);
      cert[72 + 4 * j] = w >> 24; cert[73 + 4 * j] = w >> 16; cert[74 + 4 * j] = w >> 8; cert[75 + 4 * j] = w;
    }
  memcpy (cert, "5000200A", 8);
  ossp_sim_board_get_chip_public_key (board, cert + 8);
  ossp_test_key_derive (&root, "OpenSSP-root", &id, 1);
  ossp_test_sha256 (cert, 72, digest);
  g_assert_false (ossp_test_ecdsa_verify (root.pub, digest, cert + 72));
}

static void
test_fault_closed_chip (void)
{
  g_autoptr(GError) error = NULL;
  OsspSimFactoryOptions opts;
  OsspTestKey oem;
  guint8 pkh[32];
  Fx fx = { 0 };

  ossp_test_key_generate (&oem);
  fx_init (&fx, "stm32mp15", OSSP_SIM_FSBL_V2_6);
  g_object_unref (fx.uart);
  g_object_unref (fx.board);
  g_bytes_unref (fx.image);
  fx.image = ossp_test_build_fsbl ("stm32mp15", &oem, 0, 400, pkh);
  ossp_sim_factory_options_init (&opts);
  opts.closed = TRUE;
  opts.has_pkh = TRUE;
  memcpy (opts.pkh, pkh, 32);
  fx.board = ossp_sim_board_new_factory (&opts, &error);
  g_assert_no_error (error);
  fx.uart = ossp_sim_uart_new (fx.board, NULL);

  /* an unsigned FSBL: the closed ROM refuses it */
  {
    g_autoptr(GBytes) unsigned_image = ossp_test_build_fsbl ("stm32mp15", NULL, 0, 400, NULL);
    SEND (&fx, 0x7F);
    WANT (&fx, ACK);
    download (&fx, 0x01, g_bytes_get_data (unsigned_image, NULL), g_bytes_get_size (unsigned_image), 0);
    start (&fx, fx.load, NACK);
    run (&fx);
  }
  /* the signed one is accepted, and the FSBL opens no link */
  download (&fx, 0x01, g_bytes_get_data (fx.image, NULL), g_bytes_get_size (fx.image), 0);
  start (&fx, fx.load, ACK);
  run (&fx);
  g_assert_cmphex (ossp_sim_otp_peek_fuse (ossp_sim_board_get_otp (fx.board), 8), ==, 0);   /* no SSP_REQ */
  fx_clear (&fx);
}

static void
test_fault_nack_download (void)
{
  Fx fx = { 0 };
  Oem o;
  guint8 cert[136], data[8] = { 0 };

  oem_init (&o);
  fx_init (&fx, "stm32mp15", OSSP_SIM_FSBL_V2_6);
  add_fault (&fx, "nack-download@1");
  to_boot2 (&fx);
  get_cert (&fx, cert);
  /* the first data packet is refused, the host sends it again */
  cmd (&fx, 0x31);
  SEND (&fx, 0xF3, 0, 0, 0, 0xF3);
  WANT (&fx, ACK);
  SEND (&fx, 0x07);
  send (&fx, data, 8);
  SEND (&fx, 0x07);
  WANT (&fx, NACK);
  run (&fx);
  g_assert_cmpuint (ossp_sim_board_get_blob_len (fx.board), ==, 0);
  provision_from_cert (&fx, &o, cert);
  g_assert_true (ossp_sim_board_is_provisioned (fx.board));
  fx_clear (&fx);
}

static void
test_fault_reset_and_drop_link (void)
{
  Fx fx = { 0 };
  g_autofree char *spec = NULL;
  guint8 cert[136];

  fx_init (&fx, "stm32mp15", OSSP_SIM_FSBL_V2_6);
  to_boot2 (&fx);
  /* reset instead of answering the next command: no answer, the boot context
   * stays (PUBA), so the next FSBL boot is boot 2 again */
  spec = g_strdup_printf ("reset@%u", fx.steps + 1);
  add_fault (&fx, spec);
  SEND (&fx, 0x03, 0xFC);
  run (&fx);
  g_assert_cmpint (ossp_sim_board_get_stage (fx.board), ==, OSSP_SIM_STAGE_ROM);
  g_assert_cmphex (ossp_sim_board_get_ssp_cmd (fx.board), ==, 0x41425550);
  fx.steps++;
  rom_boot (&fx);
  cmd (&fx, 0x03);
  phase_reply (&fx, 0xF3, 0x2FFFF000, NULL, 0);
  run (&fx);
  get_cert (&fx, cert);

  /* drop-link: from that step on the chip says nothing */
  g_free (spec);
  spec = g_strdup_printf ("drop-link@%u", fx.steps + 1);
  add_fault (&fx, spec);
  SEND (&fx, 0x03, 0xFC, 0x7F, 0x00, 0xFF);
  run (&fx);
  g_assert_cmphex (ossp_sim_board_get_ssp_cmd (fx.board), ==, 0x41425550);
  fx_clear (&fx);
}

static void
test_fault_bytes_and_resync (void)
{
  Fx fx = { 0 };

  fx_init (&fx, "stm32mp15", OSSP_SIM_FSBL_V2_6);
  add_fault (&fx, "drop-byte@2");                  /* the ACK of GET */
  add_fault (&fx, "corrupt-byte@4");               /* the version byte 0x40 */
  SEND (&fx, 0x7F);
  WANT (&fx, ACK);
  SEND (&fx, 0x00, 0xFF);
  WANT (&fx, 0x06, 0x40 ^ 0xFF, 0x00, 0x01, 0x02, 0x03, 0x21, 0x31, ACK);
  run (&fx);
  fx_clear (&fx);

  fx_init (&fx, "stm32mp15", OSSP_SIM_FSBL_V2_6);
  add_fault (&fx, "no-resync");
  rom_boot_no_resync (&fx);
  SEND (&fx, 0x7F);
  WANT (&fx, ACK);
  cmd (&fx, 0x03);
  phase_reply (&fx, 0xFF, 0, "Provisioning\n", 13);
  run (&fx);
  fx_clear (&fx);
}

static void
test_fault_specs (void)
{
  g_autoptr(OsspSimFaults) f = ossp_sim_faults_new ();
  g_autofree char *text = NULL;
  const char *bad[] = { "nope", "nack", "stall@x", "no-resync@3", "nack@2=5", "drop-byte@0", "drop-byte-after=x", NULL };

  for (guint i = 0; bad[i]; i++)
    {
      g_autoptr(GError) error = NULL;
      g_assert_false (ossp_sim_faults_add (f, bad[i], &error));
      g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT);
    }
  g_assert_true (ossp_sim_faults_add (f, "stall@3=250", NULL));
  g_assert_true (ossp_sim_faults_add (f, "drop-byte-after=9", NULL));
  g_assert_true (ossp_sim_faults_add (f, "reset-during-burn", NULL));
  text = ossp_sim_faults_describe (f);
  g_assert_cmpstr (text, ==, "stall@3=250, drop-byte@10, reset-during-burn@8");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sim/protocol/rom-commands", test_rom_commands);
  g_test_add_func ("/sim/protocol/rom-download-start", test_rom_download_and_start);
  g_test_add_func ("/sim/protocol/rom-refuses-bad-image", test_rom_refuses_bad_image);
  g_test_add_func ("/sim/protocol/fsbl-boot1", test_fsbl_boot1_commands);
  g_test_add_func ("/sim/protocol/fsbl-read-part-v2.6", test_fsbl_read_part_v26);
  g_test_add_func ("/sim/protocol/fsbl-read-part-v2.2", test_fsbl_read_part_v22);
  g_test_add_func ("/sim/protocol/fsbl-download", test_fsbl_download_rules);
  g_test_add_func ("/sim/protocol/fsbl-start-v2.6", test_fsbl_start_rules);
  g_test_add_func ("/sim/protocol/fsbl-start-v2.2", test_fsbl_start_v22);
  g_test_add_func ("/sim/faults/power-loss-after-pkh", test_fault_power_loss_after_pkh);
  g_test_add_func ("/sim/faults/power-loss-in-secrets", test_fault_power_loss_in_secrets);
  g_test_add_func ("/sim/faults/bad-cert", test_fault_bad_cert);
  g_test_add_func ("/sim/faults/factory-bad-cert-signature", test_factory_bad_cert_signature);
  g_test_add_func ("/sim/faults/closed-chip", test_fault_closed_chip);
  g_test_add_func ("/sim/faults/nack-download", test_fault_nack_download);
  g_test_add_func ("/sim/faults/reset-and-drop-link", test_fault_reset_and_drop_link);
  g_test_add_func ("/sim/faults/bytes-and-resync", test_fault_bytes_and_resync);
  g_test_add_func ("/sim/faults/specs", test_fault_specs);
  return g_test_run ();
}
