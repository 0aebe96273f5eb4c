/* test-sim-uart.c — the chip simulator over a real pty, driven by a scripted host
 *
 * The host side is this file plus ossp-test-ssp-host.c: every byte it sends
 * and expects comes from the ssp-flow.md §4.2 table and §4.3/§4.4 (ours);
 * licenses and payloads are built here from §7.3 and payload.md with GnuTLS.
 * The device side is the simulator served on a pty master in a thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>
#include <unistd.h>

#include "ossp-test-helper.h"
#include "ossp-test-ssp-host.h"
#include "ossp-sim-uart.h"

#define MP15_LOAD 0x2FFC2400u
#define MP15_BLOB 0x2FFFF000u
#define MP13_LOAD 0x2FFE0000u
#define MP13_BLOB 0x2FFFE000u

static const guint8 ACK = 0x79, NACK = 0x1F;

typedef struct {
  char          *dir;
  char          *state;
  OsspSimBoard  *board;
  OsspSimUart   *uart;
  OsspSimFaults *faults;
  GCancellable  *cancel;
  GThread       *thread;
  int            master, slave_keep, fd;
  gboolean       served_ok;
  GError        *serve_error;
  char          *slave_path;
  OsspTestKey    oem;
  guint8         iv[16], key[16];
  guint8         secrets[152];
} Fixture;

static gpointer
serve_thread (gpointer data)
{
  Fixture *f = data;

  f->served_ok = ossp_sim_uart_serve_fd (f->uart, f->master, f->cancel, &f->serve_error);
  return NULL;
}

static void
start_board_full (Fixture    *f,
                  const char *chip,
                  OsspSimFsblVersion version,
                  gboolean    st_board,
                  const char *fault,
                  guint       byte_timeout_ms,
                  guint       baud)
{
  g_autoptr(GError) error = NULL;
  OsspSimFactoryOptions opts;
  OsspSimUartOptions uopts;

  f->dir = ossp_test_make_tmpdir ();
  f->state = g_build_filename (f->dir, "board.json", NULL);
  ossp_sim_factory_options_init (&opts);
  opts.chip_id = chip;
  opts.fsbl_version = version;
  opts.st_board = st_board;
  f->board = ossp_sim_board_new_factory (&opts, &error);
  g_assert_no_error (error);
  g_assert_true (ossp_sim_board_save (f->board, f->state, FALSE, &error));
  g_assert_no_error (error);
  ossp_sim_board_set_autosave (f->board, f->state);
  f->faults = ossp_sim_faults_new ();
  if (fault != NULL)
    {
      g_assert_true (ossp_sim_faults_add (f->faults, fault, &error));
      g_assert_no_error (error);
    }
  ossp_sim_board_set_faults (f->board, f->faults);
  ossp_sim_board_set_trace (f->board, g_getenv ("OSSP_SIM_TRACE") != NULL);

  ossp_sim_uart_options_init (&uopts);
  /* a loaded CI machine may pause this process for more than the firmware's
   * 20 ms: the timeout itself is tested separately */
  uopts.byte_timeout_ms = byte_timeout_ms;
  uopts.baud = baud;
  uopts.halt_reset_ms = 300;
  f->uart = ossp_sim_uart_new (f->board, &uopts);
  f->master = ossp_sim_uart_open_pty (&f->slave_path, &f->slave_keep, &error);
  g_assert_no_error (error);
  f->cancel = g_cancellable_new ();
  f->thread = g_thread_new ("sim-uart", serve_thread, f);
  f->fd = ossp_test_uart_open (f->slave_path);

  ossp_test_key_generate (&f->oem);
  for (guint i = 0; i < 16; i++)
    {
      f->key[i] = (guint8) g_random_int ();
      f->iv[i] = i < 12 ? (guint8) g_random_int () : 0;
    }
  /* RMA word with its top two bits set (MP15 keeps 29..0), two zero words */
  for (guint w = 0; w < 38; w++)
    {
      guint32 v = w == 0 ? 0xC0FFEE12u : (w == 5 || w == 10) ? 0 : 0x01010101u * w ^ 0xA5000000u;
      f->secrets[4 * w] = v; f->secrets[4 * w + 1] = v >> 8;
      f->secrets[4 * w + 2] = v >> 16; f->secrets[4 * w + 3] = v >> 24;
    }
}

static void
start_board (Fixture    *f,
             const char *chip,
             OsspSimFsblVersion version,
             gboolean    st_board,
             const char *fault)
{
  start_board_full (f, chip, version, st_board, fault, 2000, 0);
}

static void
stop_board (Fixture *f)
{
  g_cancellable_cancel (f->cancel);
  if (f->thread != NULL)
    g_thread_join (f->thread);
  close (f->fd);
  close (f->master);
  close (f->slave_keep);
  g_object_unref (f->uart);
  g_object_unref (f->board);
  ossp_sim_faults_free (f->faults);
  g_object_unref (f->cancel);
  g_free (f->slave_path);
  g_clear_error (&f->serve_error);
  g_free (f->state);
  g_free (f->dir);
}

static OsspSimBoard *
load_state (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  OsspSimBoard *b = ossp_sim_board_load (f->state, &error);

  g_assert_no_error (error);
  return b;
}

static void
sync_fsbl (Fixture *f)
{
  guint8 sync = 0x7F;

  ossp_test_uart_expect (f->fd, &NACK, 1, 5000);     /* FSBL resync NACK */
  ossp_test_uart_write (f->fd, &sync, 1);
  ossp_test_uart_expect (f->fd, &ACK, 1, 2000);
}

static void
expect_no_byte (Fixture *f,
                guint    ms)
{
  guint8 b;

  g_assert_cmpuint (ossp_test_uart_read (f->fd, &b, 1, ms), ==, 0);
}

/* Boot 1 per §4.2: resync NACK, GET, GET_PHASE = 0xFF "Provisioning\n". */
static void
boot1 (Fixture *f,
       guint32  load,
       GBytes  *image,
       gboolean v26)
{
  static const guint8 get_reply[] = { 0x07, 0x40, 0x00, 0x01, 0x02, 0x03, 0x12, 0x21, 0x31, 0x79 };
  static const guint8 phase26[] = { 0x12, 0xFF, 0, 0, 0, 0, 0x0D, 'P', 'r', 'o', 'v', 'i', 's', 'i',
                                    'o', 'n', 'i', 'n', 'g', '\n', 0x79 };
  static const guint8 phase22[] = { 0x12, 0xFF, 0, 0, 0, 0, 0x0D, 'P', 'r', 'o', 'v', 'i', 's', 'i',
                                    'o', 'n', 'i', 'n', 'g', 0x00, 0x79 };

  ossp_test_uart_rom_boot (f->fd, load, image);
  sync_fsbl (f);
  ossp_test_uart_command (f->fd, 0x00);
  ossp_test_uart_expect (f->fd, get_reply, sizeof get_reply, 2000);
  ossp_test_uart_command (f->fd, 0x03);
  ossp_test_uart_expect (f->fd, v26 ? phase26 : phase22, sizeof phase26, 2000);
}

/* Boot 2: phase 0xF3 at the blob base, the 136-byte certificate. */
static void
boot2_read_cert (Fixture *f,
                 guint32  load,
                 guint32  blob,
                 GBytes  *image,
                 gboolean v26,
                 guint8   cert[136])
{
  guint8 phase[8] = { 0x05, 0xF3, blob, blob >> 8, blob >> 16, blob >> 24, 0x00, 0x79 };
  static const guint8 part[6] = { 0xF3, 0x00, 0x00, 0x00, 0x00, 0xF3 };
  static const guint8 n[2] = { 0x87, 0x78 };

  ossp_test_uart_rom_boot (f->fd, load, image);
  sync_fsbl (f);
  ossp_test_uart_command (f->fd, 0x03);
  ossp_test_uart_expect (f->fd, phase, sizeof phase, 2000);
  ossp_test_uart_command (f->fd, 0x12);
  ossp_test_uart_write (f->fd, part, sizeof part);
  ossp_test_uart_expect (f->fd, &ACK, 1, 2000);
  ossp_test_uart_write (f->fd, n, 2);
  ossp_test_uart_expect (f->fd, &ACK, 1, 2000);
  g_assert_cmpuint (ossp_test_uart_read (f->fd, cert, 136, 2000), ==, 136);
  if (v26)
    ossp_test_uart_expect (f->fd, &ACK, 1, 2000);
  else
    expect_no_byte (f, 200);   /* v2.2: no trailing ACK */
}

static void
check_certificate (const guint8 cert[136],
                   const char  *product_id,
                   guint8       key_id)
{
  OsspTestKey root;
  guint8 digest[32];

  g_assert_cmpmem (cert, 8, product_id, 8);
  /* §5.3 (ours): ECDSA P-256 over bytes 0..71 by the root key of the key id */
  ossp_test_key_derive (&root, "OpenSSP-root", &key_id, 1);
  ossp_test_sha256 (cert, 72, digest);
  g_assert_true (ossp_test_ecdsa_verify (root.pub, digest, cert + 72));
}

static void
send_blob (Fixture      *f,
           guint32       blob,
           GBytes       *license,
           GBytes       *payload,
           gboolean      v26)
{
  g_autoptr(GByteArray) all = g_byte_array_new ();
  g_autofree char *text = g_strdup_printf ("Invalid start at 0x%08X\n", blob);
  g_autoptr(GByteArray) want = g_byte_array_new ();
  guint8 head[7] = { 5 + strlen (text), 0xFF, blob, blob >> 8, blob >> 16, blob >> 24, strlen (text) };

  g_byte_array_append (all, g_bytes_get_data (license, NULL), g_bytes_get_size (license));
  g_byte_array_append (all, g_bytes_get_data (payload, NULL), g_bytes_get_size (payload));
  ossp_test_uart_download (f->fd, 0xF3, all->data, all->len);
  ossp_test_uart_start (f->fd, blob, ACK);
  ossp_test_uart_command (f->fd, 0x03);
  if (v26)
    {
      g_byte_array_append (want, head, sizeof head);
      g_byte_array_append (want, (const guint8 *) text, strlen (text));
    }
  else
    {
      guint8 empty[7] = { 5, 0xFF, blob, blob >> 8, blob >> 16, blob >> 24, 0 };
      g_byte_array_append (want, empty, sizeof empty);
    }
  g_byte_array_append (want, &ACK, 1);
  ossp_test_uart_expect (f->fd, want->data, want->len, 2000);
}

static guint32
le32 (const guint8 *p)
{
  return p[0] | (p[1] << 8) | (p[2] << 16) | ((guint32) p[3] << 24);
}

static void
assert_provisioned_mp15 (Fixture  *f,
                         gboolean  v26,
                         gboolean  st_board)
{
  g_autoptr(OsspSimBoard) b = load_state (f);
  OsspSimOtp *otp = ossp_sim_board_get_otp (b);
  guint8 pkh[32];

  ossp_test_sha256 (f->oem.pub, 64, pkh);
  for (guint i = 0; i < 8; i++)
    {
      /* format 1: word = big-endian read of hash bytes 4i..4i+3 */
      guint32 want = ((guint32) pkh[4 * i] << 24) | (pkh[4 * i + 1] << 16) | (pkh[4 * i + 2] << 8) | pkh[4 * i + 3];
      g_assert_cmphex (ossp_sim_otp_peek_fuse (otp, 24 + i), ==, want);
      g_assert_true (ossp_sim_otp_is_locked (otp, 24 + i));
    }
  g_assert_cmphex (ossp_sim_otp_peek_fuse (otp, 0) & 0x40, ==, 0x40);              /* closed */
  g_assert_cmphex (ossp_sim_otp_peek_fuse (otp, 56), ==, 0xC0FFEE12u & 0x3FFFFFFFu); /* RMA masked */
  g_assert_cmpint (ossp_sim_otp_is_locked (otp, 56), ==, v26);
  for (guint w = 1; w < 38; w++)
    {
      guint32 v = le32 (f->secrets + 4 * w);
      guint word = 58 + w;
      if (st_board && word == 59)
        continue;
      g_assert_cmphex (ossp_sim_otp_peek_fuse (otp, word), ==, v);
      /* v2.6 skips zero words: neither programmed nor locked */
      g_assert_cmpint (ossp_sim_otp_is_locked (otp, word), ==, v26 ? v != 0 : TRUE);
    }
  g_assert_cmphex (ossp_sim_otp_peek_fuse (otp, 8) & 0x300, ==, 0x300);            /* REQ + SUCCESS */
  g_assert_true (ossp_sim_board_is_provisioned (b));
  g_assert_true (ossp_sim_otp_is_closed (otp));
  g_assert_cmphex (ossp_sim_board_get_ssp_cmd (b), ==, 0);
}

static void
full_run_mp15 (OsspSimFsblVersion version,
               gboolean           st_board)
{
  Fixture f = { 0 };
  gboolean v26 = version == OSSP_SIM_FSBL_V2_6;
  g_autoptr(GBytes) image = NULL, license = NULL, payload = NULL;
  guint8 cert[136], pkh[32];
  guint8 sync = 0x7F, rom_phase[8] = { 0x05, 0x01, 0x00, 0x24, 0xFC, 0x2F, 0x00, 0x79 };

  start_board (&f, "stm32mp15", version, st_board, NULL);
  if (st_board)
    {
      /* ST boards carry a board id in word 59: the secret for it must be 0 */
      memset (f.secrets + 4, 0, 4);
    }
  image = ossp_test_build_fsbl ("stm32mp15", &f.oem, 0, 4000, pkh);

  boot1 (&f, MP15_LOAD, image, v26);
  boot2_read_cert (&f, MP15_LOAD, MP15_BLOB, image, v26, cert);
  check_certificate (cert, "5000200A", 0x0A);
  license = ossp_test_build_license (cert + 8, 0x2E505353, 0, f.iv, f.key);
  payload = ossp_test_build_payload (TRUE, f.oem.pub, f.secrets, 152, f.iv, f.key);
  send_blob (&f, MP15_BLOB, license, payload, v26);

  /* boot 3: no resync NACK, then the ROM answers again (§4.4 rule 5) */
  ossp_test_uart_rom_boot (f.fd, MP15_LOAD, image);
  expect_no_byte (&f, 1500);
  ossp_test_uart_write (f.fd, &sync, 1);
  ossp_test_uart_expect (f.fd, &ACK, 1, 2000);
  ossp_test_uart_command (f.fd, 0x03);
  ossp_test_uart_expect (f.fd, rom_phase, sizeof rom_phase, 2000);
  assert_provisioned_mp15 (&f, v26, st_board);

  /* a 4th attempt: the closed chip takes the signed FSBL, which opens no link */
  ossp_test_uart_rom_boot (f.fd, MP15_LOAD, image);
  expect_no_byte (&f, 1500);
  /* the watchdog brings the ROM back */
  ossp_test_uart_write (f.fd, &sync, 1);
  ossp_test_uart_expect (f.fd, &ACK, 1, 2000);
  stop_board (&f);
}

static void
test_full_mp15_v26 (void)
{
  full_run_mp15 (OSSP_SIM_FSBL_V2_6, FALSE);
}

static void
test_full_mp15_v22 (void)
{
  full_run_mp15 (OSSP_SIM_FSBL_V2_2, FALSE);
}

static void
test_full_mp15_st_board (void)
{
  full_run_mp15 (OSSP_SIM_FSBL_V2_6, TRUE);
}

static void
test_full_mp13 (void)
{
  Fixture f = { 0 };
  g_autoptr(GBytes) image = NULL, license = NULL, payload = NULL;
  g_autoptr(OsspSimBoard) b = NULL;
  guint8 cert[136], pkhth[32], sync = 0x7F;
  OsspSimOtp *otp;

  start_board (&f, "stm32mp13", OSSP_SIM_FSBL_V2_6, FALSE, NULL);
  image = ossp_test_build_fsbl ("stm32mp13", &f.oem, 0, 3000, pkhth);
  boot1 (&f, MP13_LOAD, image, TRUE);
  boot2_read_cert (&f, MP13_LOAD, MP13_BLOB, image, TRUE, cert);
  /* §4.4 rule 7: MP13 product id "5010100D" */
  check_certificate (cert, "5010100D", 0x0D);
  license = ossp_test_build_license (cert + 8, 0x2E505353, 0, f.iv, f.key);
  payload = ossp_test_build_payload (FALSE, pkhth, f.secrets, 152, f.iv, f.key);
  g_assert_cmpuint (g_bytes_get_size (license) + g_bytes_get_size (payload), ==, 348);
  send_blob (&f, MP13_BLOB, license, payload, TRUE);
  ossp_test_uart_rom_boot (f.fd, MP13_LOAD, image);
  expect_no_byte (&f, 1500);
  ossp_test_uart_write (f.fd, &sync, 1);
  ossp_test_uart_expect (f.fd, &ACK, 1, 2000);

  b = load_state (&f);
  otp = ossp_sim_board_get_otp (b);
  for (guint i = 0; i < 8; i++)
    {
      guint32 want = ((guint32) pkhth[4 * i] << 24) | (pkhth[4 * i + 1] << 16) | (pkhth[4 * i + 2] << 8) | pkhth[4 * i + 3];
      g_assert_cmphex (ossp_sim_otp_peek_fuse (otp, 24 + i), ==, want);
      g_assert_true (ossp_sim_otp_is_locked (otp, 24 + i));
    }
  g_assert_cmphex (ossp_sim_otp_peek_fuse (otp, 0), ==, 0x3F);      /* 0x17 | 0x3F */
  g_assert_cmphex (ossp_sim_otp_peek_fuse (otp, 56), ==, 0xC0FFEE12u); /* MP13 keeps 32 bits */
  g_assert_cmphex (ossp_sim_otp_peek_fuse (otp, 9) & 0x60, ==, 0x60);  /* REQ bit 5, SUCCESS bit 6 */
  g_assert_true (ossp_sim_board_is_provisioned (b));
  stop_board (&f);
}

/* §4.4 rule 3: a ROM-side error sets ssp_cmd = 0, nothing is burned and the
 * next FSBL boot is boot 1 again. */
static void
rejected_run (gboolean bad_tag,
              gboolean bad_nonce)
{
  Fixture f = { 0 };
  g_autoptr(GBytes) image = NULL, license = NULL, payload = NULL;
  g_autoptr(OsspSimBoard) b = NULL;
  guint8 cert[136];
  OsspSimOtp *otp;

  start_board (&f, "stm32mp15", OSSP_SIM_FSBL_V2_6, FALSE, NULL);
  if (bad_nonce)
    f.iv[15] = 0x01;
  image = ossp_test_build_fsbl ("stm32mp15", &f.oem, 0, 1000, NULL);
  boot1 (&f, MP15_LOAD, image, TRUE);
  boot2_read_cert (&f, MP15_LOAD, MP15_BLOB, image, TRUE, cert);
  license = ossp_test_build_license (cert + 8, 0x2E505353, 0, f.iv, f.key);
  if (bad_tag)
    {
      guint8 *l = g_bytes_unref_to_data (g_steal_pointer (&license), &(gsize){ 0 });
      l[0x78] ^= 0x01;
      license = g_bytes_new_take (l, 136);
    }
  payload = ossp_test_build_payload (TRUE, f.oem.pub, f.secrets, 152, f.iv, f.key);
  send_blob (&f, MP15_BLOB, license, payload, TRUE);
  /* boot "3" falls back to boot 1: resync NACK and "Provisioning" */
  boot1 (&f, MP15_LOAD, image, TRUE);

  b = load_state (&f);
  otp = ossp_sim_board_get_otp (b);
  for (guint w = 24; w < 32; w++)
    g_assert_cmphex (ossp_sim_otp_peek_fuse (otp, w), ==, 0);
  for (guint w = 56; w < 96; w++)
    g_assert_cmphex (ossp_sim_otp_peek_fuse (otp, w), ==, 0);
  g_assert_cmphex (ossp_sim_otp_peek_fuse (otp, 0), ==, 0);
  g_assert_cmphex (ossp_sim_otp_peek_fuse (otp, 8) & 0x300, ==, 0x100);   /* REQ only */
  g_assert_false (ossp_sim_board_is_provisioned (b));
  stop_board (&f);
}

static void
test_bad_license_tag (void)
{
  rejected_run (TRUE, FALSE);
}

static void
test_bad_nonce_tail (void)
{
  rejected_run (FALSE, TRUE);
}

/* ---- STM32MP25: license ‖ "OSSP v1" container (ssp-flow.md §10, ours) ------- */

static void
put32 (GByteArray *a, guint32 v)
{
  guint8 b[4] = { v, v >> 8, v >> 16, v >> 24 };
  g_byte_array_append (a, b, 4);
}

static void
put16 (GByteArray *a, guint16 v)
{
  guint8 b[2] = { v, v >> 8 };
  g_byte_array_append (a, b, 2);
}

/* payload.md §4.1 container with §5.1/§5.2 sections encrypted per §5.3. */
static GBytes *
build_container (const GBytes * const *plain, const guint32 *types, guint n,
                 const guint8 iv[16], const guint8 key[16])
{
  g_autoptr(GByteArray) c = g_byte_array_new ();
  guint32 off = 64 + 16 * n, total = off;
  guint32 offsets[4], lens[4];

  for (guint i = 0; i < n; i++)
    {
      offsets[i] = total;
      lens[i] = 20 + g_bytes_get_size ((GBytes *) plain[i]);
      total += (lens[i] + 3) & ~3u;
    }
  g_byte_array_append (c, (const guint8 *) "OSSP", 4);
  put16 (c, 1);
  put16 (c, 64);
  put32 (c, 0x505);
  put32 (c, 0);
  put32 (c, n);
  put32 (c, total);
  put32 (c, 0);
  put32 (c, 0);
  g_byte_array_set_size (c, total);
  memset (c->data + 32, 0, total - 32);
  for (guint i = 0; i < n; i++)
    {
      guint8 *e = c->data + 64 + 16 * i, aad[48], nonce[12];
      gsize plen;
      const guint8 *p = g_bytes_get_data ((GBytes *) plain[i], &plen);
      e[0] = types[i];
      e[4] = offsets[i]; e[5] = offsets[i] >> 8; e[6] = offsets[i] >> 16; e[7] = offsets[i] >> 24;
      e[8] = lens[i]; e[9] = lens[i] >> 8; e[10] = lens[i] >> 16; e[11] = lens[i] >> 24;
      if (types[i] == 3)
        {
          /* the TAMP base (docs/formats/ssp-container.md §2): 0x46010100 */
          e[12] = 0x00; e[13] = 0x01; e[14] = 0x01; e[15] = 0x46;
        }
      memcpy (aad, e, 16);
      memcpy (aad + 16, c->data, 32);
      memcpy (nonce, iv, 8);
      nonce[8] = i; nonce[9] = nonce[10] = nonce[11] = 0;
      c->data[offsets[i]] = plen; c->data[offsets[i] + 1] = plen >> 8;
      ossp_test_gcm_encrypt (key, nonce, aad, sizeof aad, p, plen,
                             c->data + offsets[i] + 20, c->data + offsets[i] + 4);
    }
  ossp_test_sha256 (c->data + 64, total - 64, c->data + 32);
  return g_byte_array_free_to_bytes (g_steal_pointer (&c));
}

static void
test_full_mp25 (void)
{
  Fixture f = { 0 };
  g_autoptr(GBytes) image = NULL, license = NULL, container = NULL, osot = NULL, tamp = NULL;
  g_autoptr(GByteArray) a = g_byte_array_new (), t = g_byte_array_new ();
  g_autoptr(OsspSimBoard) b = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  const GBytes *plain[2];
  guint32 types[2] = { 2, 3 };
  guint8 cert[136], sync = 0x7F;
  OsspSimOtp *otp;
  const char *tamp_hex;

  start_board (&f, "stm32mp25", OSSP_SIM_FSBL_V2_6, FALSE, NULL);
  image = ossp_test_build_fsbl ("stm32mp25", NULL, 0, 2000, NULL);
  /* OTP secrets: PKHTH 144..151 locked, one EDMK word with a sticky write lock */
  g_byte_array_append (a, (const guint8 *) "OSOT", 4);
  put16 (a, 1);
  put16 (a, 9);
  for (guint i = 0; i < 8; i++)
    {
      put16 (a, 144 + i); put16 (a, 0x1); put32 (a, 0x11111111 * (i + 1)); put32 (a, 0);
    }
  put16 (a, 260); put16 (a, 0x4); put32 (a, 0xCAFEF00D); put32 (a, 0);
  osot = g_byte_array_free_to_bytes (g_steal_pointer (&a));
  /* TAMP backup registers: 16 bytes at offset 8 */
  g_byte_array_append (t, (const guint8 *) "OSBK", 4);
  put16 (t, 1); put16 (t, 1); put32 (t, 1); put32 (t, 0);
  put32 (t, 8); put32 (t, 16); put32 (t, 0); put32 (t, 0);
  for (guint i = 0; i < 16; i++)
    g_byte_array_append (t, (guint8[]) { 0xB0 + i }, 1);
  tamp = g_byte_array_free_to_bytes (g_steal_pointer (&t));
  plain[0] = osot;
  plain[1] = tamp;
  container = build_container (plain, types, 2, f.iv, f.key);

  boot1 (&f, 0x0E012000, image, TRUE);
  boot2_read_cert (&f, 0x0E012000, 0x0E000000, image, TRUE, cert);
  check_certificate (cert, "5050200A", 0x0A);
  license = ossp_test_build_license (cert + 8, 0x2E505353, 0, f.iv, f.key);
  send_blob (&f, 0x0E000000, license, container, TRUE);
  ossp_test_uart_rom_boot (f.fd, 0x0E012000, image);
  expect_no_byte (&f, 1500);
  ossp_test_uart_write (f.fd, &sync, 1);
  ossp_test_uart_expect (f.fd, &ACK, 1, 2000);

  b = load_state (&f);
  otp = ossp_sim_board_get_otp (b);
  for (guint i = 0; i < 8; i++)
    {
      g_assert_cmphex (ossp_sim_otp_peek_fuse (otp, 144 + i), ==, 0x11111111 * (i + 1));
      g_assert_true (ossp_sim_otp_is_locked (otp, 144 + i));
    }
  g_assert_cmphex (ossp_sim_otp_peek_fuse (otp, 260), ==, 0xCAFEF00D);
  g_assert_false (ossp_sim_otp_is_locked (otp, 260));
  g_assert_cmphex (ossp_sim_otp_peek_fuse (otp, 8), ==, 0xFF);
  g_assert_cmphex (ossp_sim_otp_peek_fuse (otp, 124), ==, 0x00100000);
  g_assert_cmphex (ossp_sim_otp_peek_fuse (otp, 18), ==, 0x3FF);      /* closed + REQ + SUCCESS (ours) */
  g_assert_true (ossp_sim_board_is_provisioned (b));
  g_assert_true (json_parser_load_from_file (parser, f.state, NULL));
  tamp_hex = json_object_get_string_member (json_object_get_object_member (
               json_node_get_object (json_parser_get_root (parser)), "backup"), "tamp");
  g_assert_true (g_str_has_prefix (tamp_hex, "0000000000000000b0b1b2b3b4b5b6b7b8b9babbbcbdbebf000000"));
  stop_board (&f);
}

/* ---- line timing (real time on the pty) ------------------------------------ */

/* §4.2: a gap > 20 ms inside a command aborts it with NACK. */
static void
test_byte_timeout (void)
{
  Fixture f = { 0 };
  static const guint8 sync = 0x7F, get_phase = 0x03, complement = 0xFC;
  static const guint8 two_nacks[2] = { 0x1F, 0x1F };
  static const guint8 rom_phase[8] = { 0x05, 0x01, 0x00, 0x24, 0xFC, 0x2F, 0x00, 0x79 };

  start_board_full (&f, "stm32mp15", OSSP_SIM_FSBL_V2_6, FALSE, NULL, 20, 0);
  ossp_test_uart_write (f.fd, &sync, 1);
  ossp_test_uart_expect (f.fd, &ACK, 1, 2000);
  ossp_test_uart_write (f.fd, &get_phase, 1);
  g_usleep (150 * 1000);
  ossp_test_uart_write (f.fd, &complement, 1);
  /* the timeout's NACK, then 0xFC read as an unknown command */
  ossp_test_uart_expect (f.fd, two_nacks, 2, 2000);
  ossp_test_uart_command (f.fd, 0x03);
  ossp_test_uart_expect (f.fd, rom_phase, sizeof rom_phase, 2000);
  stop_board (&f);
}

/* The device drops what the host sent before it answers (uart_send_result). */
static void
test_flush_before_answer (void)
{
  Fixture f = { 0 };
  static const guint8 pipelined[3] = { 0x7F, 0x03, 0xFC };

  start_board (&f, "stm32mp15", OSSP_SIM_FSBL_V2_6, FALSE, NULL);
  ossp_test_uart_write (f.fd, pipelined, 3);
  ossp_test_uart_expect (f.fd, &ACK, 1, 2000);
  expect_no_byte (&f, 300);
  stop_board (&f);
}

static void
test_stall (void)
{
  Fixture f = { 0 };
  static const guint8 sync = 0x7F;
  gint64 t0;

  start_board (&f, "stm32mp15", OSSP_SIM_FSBL_V2_6, FALSE, "stall@2=300");
  ossp_test_uart_write (f.fd, &sync, 1);
  ossp_test_uart_expect (f.fd, &ACK, 1, 2000);
  t0 = g_get_monotonic_time ();
  ossp_test_uart_command (f.fd, 0x02);
  g_assert_cmpint (g_get_monotonic_time () - t0, >=, 300 * 1000);
  stop_board (&f);
}

static void
test_hangup (void)
{
  Fixture f = { 0 };
  static const guint8 sync = 0x7F, get[2] = { 0x00, 0xFF };

  start_board (&f, "stm32mp15", OSSP_SIM_FSBL_V2_6, FALSE, "hangup@2");
  ossp_test_uart_write (f.fd, &sync, 1);
  ossp_test_uart_expect (f.fd, &ACK, 1, 2000);
  ossp_test_uart_write (f.fd, get, 2);
  expect_no_byte (&f, 300);
  g_thread_join (g_steal_pointer (&f.thread));
  g_assert_false (f.served_ok);
  g_assert_error (f.serve_error, OSSP_ERROR, OSSP_ERROR_DEVICE);
  stop_board (&f);
}

/* --baud: the line takes its wire time (11 bits per byte), never less. */
static void
test_pacing (void)
{
  Fixture f = { 0 };
  static const guint8 sync = 0x7F;
  static const guint8 reply[10] = { 0x06, 0x40, 0x00, 0x01, 0x02, 0x03, 0x21, 0x31, 0x79 };
  gint64 t0, elapsed;

  start_board_full (&f, "stm32mp15", OSSP_SIM_FSBL_V2_6, FALSE, NULL, 2000, 9600);
  ossp_test_uart_write (f.fd, &sync, 1);
  ossp_test_uart_expect (f.fd, &ACK, 1, 2000);
  t0 = g_get_monotonic_time ();
  ossp_test_uart_command (f.fd, 0x00);                 /* 2 bytes in, ACK out */
  ossp_test_uart_expect (f.fd, reply, 9, 2000);        /* 9 bytes out */
  elapsed = g_get_monotonic_time () - t0;
  /* 12 bytes × 11 bits at 9600 baud = 13.75 ms at least */
  g_assert_cmpint (elapsed, >=, 12 * 11 * 1000000 / 9600);
  stop_board (&f);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sim/uart/full-mp15-v2.6", test_full_mp15_v26);
  g_test_add_func ("/sim/uart/full-mp15-v2.2", test_full_mp15_v22);
  g_test_add_func ("/sim/uart/full-mp15-st-board", test_full_mp15_st_board);
  g_test_add_func ("/sim/uart/full-mp13", test_full_mp13);
  g_test_add_func ("/sim/uart/full-mp25", test_full_mp25);
  g_test_add_func ("/sim/uart/bad-license-tag", test_bad_license_tag);
  g_test_add_func ("/sim/uart/nonce-tail-not-zero", test_bad_nonce_tail);
  g_test_add_func ("/sim/uart/byte-timeout", test_byte_timeout);
  g_test_add_func ("/sim/uart/flush-before-answer", test_flush_before_answer);
  g_test_add_func ("/sim/uart/stall", test_stall);
  g_test_add_func ("/sim/uart/hangup", test_hangup);
  g_test_add_func ("/sim/uart/pacing", test_pacing);
  return g_test_run ();
}
