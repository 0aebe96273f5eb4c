/* test-sim-usb.c — the DFU device model through real libusb under umockdev
 *
 * Runs under umockdev-wrapper (tests/meson.build). The host side is plain
 * libusb-1.0 written from ssp-flow.md §4.1 (FSBL-SSP) and §4.3 (our ROM
 * stage); the device side is OsspSimDfuDevice attached by OsspSimUmockdev.
 * Exit 77 (skip) when the preload library is missing.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>
#include <libusb.h>

#include "ossp-test-helper.h"
#include "ossp-test-ssp-host.h"
#include "ossp-sim-umockdev.h"

#define MP15_LOAD 0x2FFC2400u
#define MP15_BLOB 0x2FFFF000u
#define MP13_BLOB 0x2FFFE000u
#define TIMEOUT   2000

enum { DETACH, DNLOAD, UPLOAD, GETSTATUS, CLRSTATUS, GETSTATE, ABORT };

typedef struct {
  UMockdevTestbed  *testbed;
  OsspSimBoard     *board;
  OsspSimDfuDevice *device;
  OsspSimUmockdev  *adapter;
  OsspSimFaults    *faults;
  libusb_context   *ctx;
  libusb_device_handle *h;
  guint8            address;
  OsspTestKey       oem;
  guint8            iv[16], key[16], secrets[152];
} Fixture;

static void
setup (Fixture    *f,
       const char *chip,
       OsspSimFsblVersion version,
       const char *fault)
{
  g_autoptr(GError) error = NULL;
  OsspSimFactoryOptions opts;

  f->testbed = umockdev_testbed_new ();
  ossp_sim_factory_options_init (&opts);
  opts.chip_id = chip;
  opts.fsbl_version = version;
  f->board = ossp_sim_board_new_factory (&opts, &error);
  g_assert_no_error (error);
  f->faults = ossp_sim_faults_new ();
  if (fault)
    g_assert_true (ossp_sim_faults_add (f->faults, fault, NULL));
  ossp_sim_board_set_faults (f->board, f->faults);
  ossp_sim_board_set_trace (f->board, g_getenv ("OSSP_SIM_TRACE") != NULL);
  f->device = ossp_sim_dfu_device_new (f->board, 300);
  f->adapter = ossp_sim_umockdev_new (f->testbed, f->device, &error);
  g_assert_no_error (error);
  g_assert_cmpint (libusb_init (&f->ctx), ==, 0);
  ossp_test_key_generate (&f->oem);
  for (guint i = 0; i < 16; i++)
    {
      f->key[i] = (guint8) g_random_int ();
      f->iv[i] = i < 12 ? (guint8) g_random_int () : 0;
    }
  for (guint i = 0; i < 152; i++)
    f->secrets[i] = (guint8) (i * 13 + 1);
}

static void
teardown (Fixture *f)
{
  if (f->h)
    libusb_close (f->h);
  libusb_exit (f->ctx);
  g_object_unref (f->adapter);
  g_object_unref (f->device);
  g_object_unref (f->board);
  ossp_sim_faults_free (f->faults);
  g_object_unref (f->testbed);
}

/* Uses the open device, or waits for 0483:DF11 at an address other than
 * the last one (after a DETACH the chip re-enumerates). */
static void
open_dfu (Fixture *f)
{
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  if (f->h)
    return;
  while (g_get_monotonic_time () < deadline)
    {
      libusb_device **list = NULL;
      ssize_t n = libusb_get_device_list (f->ctx, &list);
      for (ssize_t i = 0; i < n && f->h == NULL; i++)
        {
          struct libusb_device_descriptor d;
          libusb_get_device_descriptor (list[i], &d);
          if (d.idVendor == 0x0483 && d.idProduct == 0xDF11 &&
              libusb_get_device_address (list[i]) != f->address &&
              libusb_open (list[i], &f->h) == 0)
            f->address = libusb_get_device_address (list[i]);
        }
      if (g_getenv ("OSSP_SIM_TRACE"))
        for (ssize_t i = 0; i < n; i++)
          g_printerr ("  libusb sees address %u\n", libusb_get_device_address (list[i]));
      libusb_free_device_list (list, TRUE);
      if (f->h)
        {
          g_assert_cmpint (libusb_claim_interface (f->h, 0), ==, 0);
          return;
        }
      g_usleep (20000);
    }
  g_error ("no (new) 0483:DF11 device appeared");
}

static gboolean
device_present (Fixture *f)
{
  libusb_device **list = NULL;
  ssize_t n = libusb_get_device_list (f->ctx, &list);
  gboolean found = FALSE;

  for (ssize_t i = 0; i < n; i++)
    {
      struct libusb_device_descriptor d;
      libusb_get_device_descriptor (list[i], &d);
      found |= d.idVendor == 0x0483 && d.idProduct == 0xDF11;
    }
  libusb_free_device_list (list, TRUE);
  return found;
}

static char **
alt_names (Fixture *f)
{
  struct libusb_config_descriptor *cfg = NULL;
  GPtrArray *names = g_ptr_array_new ();

  g_assert_cmpint (libusb_get_active_config_descriptor (libusb_get_device (f->h), &cfg), ==, 0);
  for (int a = 0; a < cfg->interface[0].num_altsetting; a++)
    {
      char s[256];
      int r = libusb_get_string_descriptor_ascii (f->h, cfg->interface[0].altsetting[a].iInterface,
                                                  (unsigned char *) s, sizeof s);
      g_assert_cmpint (r, >, 0);
      g_ptr_array_add (names, g_strndup (s, r));
    }
  libusb_free_config_descriptor (cfg);
  g_ptr_array_add (names, NULL);
  return (char **) g_ptr_array_free (names, FALSE);
}

static int
ctl_in (Fixture *f, guint8 req, guint16 value, guint8 *buf, guint16 len)
{
  return libusb_control_transfer (f->h, 0xA1, req, value, 0, buf, len, TIMEOUT);
}

static int
ctl_out (Fixture *f, guint8 req, guint16 value, const guint8 *buf, guint16 len)
{
  return libusb_control_transfer (f->h, 0x21, req, value, 0, (guint8 *) buf, len, TIMEOUT);
}

static guint8
get_status (Fixture *f, guint *poll_ms)
{
  guint8 st[6];

  g_assert_cmpint (ctl_in (f, GETSTATUS, 0, st, 6), ==, 6);
  g_assert_cmpuint (st[0], ==, 0);
  if (poll_ms)
    *poll_ms = st[1] | (st[2] << 8) | (st[3] << 16);
  return st[4];
}

/* DNLOAD in blocks, polling GETSTATUS after each (DFU 1.1). */
static void
dnload_all (Fixture *f, const guint8 *data, gsize len)
{
  guint16 block = 0;

  for (gsize off = 0; off < len; off += 1024, block++)
    {
      guint16 n = (guint16) MIN (1024, len - off);
      guint8 state;
      g_assert_cmpint (ctl_out (f, DNLOAD, block, data + off, n), ==, n);
      while ((state = get_status (f, NULL)) == 4 || state == 3)
        ;
      g_assert_cmpuint (state, ==, 5);   /* dfuDNLOAD-IDLE */
    }
}

static void
detach (Fixture *f)
{
  g_assert_cmpint (ctl_out (f, DETACH, 255, NULL, 0), ==, 0);
  libusb_close (f->h);
  f->h = NULL;
}

static void
manifest (Fixture *f)
{
  guint poll_ms = 0;

  g_assert_cmpint (ctl_out (f, DNLOAD, 0, NULL, 0), ==, 0);
  g_assert_cmpuint (get_status (f, &poll_ms), ==, 7);   /* dfuMANIFEST */
  g_assert_cmpuint (poll_ms, ==, 1);
}

static void
rom_boot (Fixture *f, GBytes *image)
{
  g_auto(GStrv) names = NULL;
  guint8 phase[16];

  open_dfu (f);
  names = alt_names (f);
  g_assert_cmpuint (g_strv_length (names), ==, 2);
  g_assert_cmpstr (names[0], ==, "@FSBL /0x01/1*1Me");
  g_assert_cmpstr (names[1], ==, "@virtual /0xF1/1*512Ba");
  g_assert_cmpint (libusb_set_interface_alt_setting (f->h, 0, 1), ==, 0);
  g_assert_cmpint (ctl_in (f, UPLOAD, 0, phase, sizeof phase), ==, 9);
  g_assert_cmpuint (phase[0], ==, 0x01);
  g_assert_cmpint (libusb_set_interface_alt_setting (f->h, 0, 0), ==, 0);
  dnload_all (f, g_bytes_get_data (image, NULL), g_bytes_get_size (image));
  manifest (f);
  detach (f);
}

static void
check_cert (const guint8 *cert, const char *id, guint8 key_id)
{
  OsspTestKey root;
  guint8 digest[32];

  g_assert_cmpmem (cert, 8, id, 8);
  ossp_test_key_derive (&root, "OpenSSP-root", &key_id, 1);
  ossp_test_sha256 (cert, 72, digest);
  g_assert_true (ossp_test_ecdsa_verify (root.pub, digest, cert + 72));
}

static void
full_run (const char *chip, OsspSimFsblVersion version)
{
  Fixture f = { 0 };
  gboolean mp15 = g_str_equal (chip, "stm32mp15");
  gboolean v26 = version == OSSP_SIM_FSBL_V2_6;
  guint phase_alt = mp15 ? 5 : 1;
  guint32 blob_base = mp15 ? MP15_BLOB : MP13_BLOB;
  g_autoptr(GBytes) image = NULL, license = NULL, payload = NULL;
  g_autoptr(GByteArray) blob = g_byte_array_new ();
  g_auto(GStrv) names = NULL;
  guint8 buf[1024], hash[32], want[16];
  int n;

  setup (&f, chip, version, NULL);
  image = ossp_test_build_fsbl (chip, &f.oem, 0, 5000, hash);

  /* boot 1 */
  rom_boot (&f, image);
  open_dfu (&f);
  names = alt_names (&f);
  if (mp15)
    {
      const char *want_names[] = { "@Partition0 /0x00/1*256Ke", "@FSBL /0x01/1*1Me", "@Partition2 /0x02/1*1Me",
                                   "@Partition3 /0x03/1*16Me", "@Partition4 /0x04/1*16Me",
                                   "@virtual /0xF1/1*512Ba", NULL };
      g_assert_cmpstrv (names, want_names);
    }
  else
    {
      const char *want_names[] = { "@SSP /0xF3/1*512Ba", "@virtual /0xF1/1*512Ba", NULL };
      g_assert_cmpstrv (names, want_names);
    }
  g_assert_cmpint (libusb_set_interface_alt_setting (f.h, 0, phase_alt), ==, 0);
  n = ctl_in (&f, UPLOAD, 0, buf, sizeof buf);
  if (v26)
    {
      /* FF FF FF FF FF 00 00 00 00 + "Provisioning" (the "\n" is dropped) */
      g_assert_cmpint (n, ==, 21);
      g_assert_cmpmem (buf, 9, "\xFF\xFF\xFF\xFF\xFF\x00\x00\x00\x00", 9);
      g_assert_cmpmem (buf + 9, 12, "Provisioning", 12);
    }
  else
    {
      g_assert_cmpint (n, ==, 22);
      g_assert_cmpmem (buf + 9, 13, "Provisioning\0", 13);
      /* v2.2 raises the detach flag afterwards */
      g_assert_cmpint (ctl_in (&f, UPLOAD, 0, buf, sizeof buf), ==, 10);
      g_assert_cmpmem (buf, 10, "\x00\xFF\xFF\xFF\xFF\x00\x00\x00\x00\x01", 10);
    }
  detach (&f);

  /* boot 2 */
  rom_boot (&f, image);
  open_dfu (&f);
  g_assert_cmpint (libusb_set_interface_alt_setting (f.h, 0, phase_alt), ==, 0);
  g_assert_cmpint (ctl_in (&f, UPLOAD, 0, buf, sizeof buf), ==, 9);
  want[0] = mp15 ? 0x00 : 0xF3;
  want[1] = blob_base; want[2] = blob_base >> 8; want[3] = blob_base >> 16; want[4] = blob_base >> 24;
  memset (want + 5, 0, 4);
  g_assert_cmpmem (buf, 9, want, 9);
  g_assert_cmpint (libusb_set_interface_alt_setting (f.h, 0, 0), ==, 0);
  n = ctl_in (&f, UPLOAD, 0, buf, sizeof buf);
  g_assert_cmpint (n, ==, 145);
  g_assert_cmpuint (buf[0], ==, mp15 ? 0x00 : 0xF3);
  check_cert (buf + 9, mp15 ? "5000200A" : "5010100D", mp15 ? 0x0A : 0x0D);
  license = ossp_test_build_license (buf + 9 + 8, 0x2E505353, 0, f.iv, f.key);
  payload = ossp_test_build_payload (mp15, mp15 ? f.oem.pub : hash, f.secrets, 152, f.iv, f.key);
  g_byte_array_append (blob, g_bytes_get_data (license, NULL), 136);
  g_byte_array_append (blob, g_bytes_get_data (payload, NULL), g_bytes_get_size (payload));
  /* one byte too many would pass base + len: stalled */
  {
    g_autofree guint8 *big = g_malloc0 (blob->len + 1);
    g_assert_cmpint (ctl_out (&f, DNLOAD, 0, big, blob->len + 1), ==, LIBUSB_ERROR_PIPE);
  }
  dnload_all (&f, blob->data, blob->len);
  g_assert_cmpint (libusb_set_interface_alt_setting (f.h, 0, phase_alt), ==, 0);
  g_assert_cmpint (ctl_in (&f, UPLOAD, 0, buf, sizeof buf), ==, 9);
  g_assert_cmpuint (buf[1] | (buf[2] << 8) | (buf[3] << 16) | ((guint32) buf[4] << 24), ==, blob_base + blob->len);
  g_assert_cmpint (libusb_set_interface_alt_setting (f.h, 0, 0), ==, 0);
  manifest (&f);
  g_assert_cmpint (libusb_set_interface_alt_setting (f.h, 0, phase_alt), ==, 0);
  g_assert_cmpint (ctl_in (&f, UPLOAD, 0, buf, sizeof buf), ==, 10);
  g_assert_cmpmem (buf, 10, "\x00\xFF\xFF\xFF\xFF\x00\x00\x00\x00\x01", 10);
  detach (&f);

  /* boot 3: the FSBL burns and resets: the ROM comes back */
  rom_boot (&f, image);
  open_dfu (&f);
  {
    g_auto(GStrv) rom = alt_names (&f);
    g_assert_cmpstr (rom[0], ==, "@FSBL /0x01/1*1Me");
  }
  ossp_sim_umockdev_lock (f.adapter);
  g_assert_true (ossp_sim_board_is_provisioned (f.board));
  g_assert_true (ossp_sim_otp_is_closed (ossp_sim_board_get_otp (f.board)));
  ossp_sim_umockdev_unlock (f.adapter);

  /* a 4th attempt: no FSBL device shows up, then the watchdog brings the ROM */
  rom_boot (&f, image);
  g_usleep (100000);
  g_assert_false (device_present (&f));
  open_dfu (&f);
  teardown (&f);
}

static void
test_full_mp15_v26 (void)
{
  full_run ("stm32mp15", OSSP_SIM_FSBL_V2_6);
}

static void
test_full_mp15_v22 (void)
{
  full_run ("stm32mp15", OSSP_SIM_FSBL_V2_2);
}

static void
test_full_mp13 (void)
{
  full_run ("stm32mp13", OSSP_SIM_FSBL_V2_6);
}

/* Enumeration facts: VID/PID, strings, DFU functional descriptor. */
static void
test_descriptors (void)
{
  Fixture f = { 0 };
  struct libusb_device_descriptor d;
  struct libusb_config_descriptor *cfg = NULL;
  const struct libusb_interface_descriptor *alt;
  char s[256];
  int r;

  setup (&f, "stm32mp15", OSSP_SIM_FSBL_V2_6, NULL);
  open_dfu (&f);
  libusb_get_device_descriptor (libusb_get_device (f.h), &d);
  g_assert_cmphex (d.idVendor, ==, 0x0483);
  g_assert_cmphex (d.idProduct, ==, 0xDF11);
  r = libusb_get_string_descriptor_ascii (f.h, d.iManufacturer, (unsigned char *) s, sizeof s);
  g_assert_cmpint (r, ==, (int) strlen ("STMicroelectronics"));
  g_assert_cmpmem (s, r, "STMicroelectronics", r);
  r = libusb_get_string_descriptor_ascii (f.h, d.iSerialNumber, (unsigned char *) s, sizeof s);
  g_assert_cmpint (r, ==, 24);
  g_assert_cmpint (libusb_get_active_config_descriptor (libusb_get_device (f.h), &cfg), ==, 0);
  alt = &cfg->interface[0].altsetting[cfg->interface[0].num_altsetting - 1];
  g_assert_cmpuint (alt->bInterfaceClass, ==, 0xFE);
  g_assert_cmpuint (alt->bInterfaceSubClass, ==, 0x01);
  g_assert_cmpuint (alt->bInterfaceProtocol, ==, 0x02);
  /* the DFU functional descriptor follows the last alternate setting */
  g_assert_cmpint (alt->extra_length, ==, 9);
  g_assert_cmpmem (alt->extra, 9, "\x09\x21\x0F\xFF\x00\x00\x04\x10\x01", 9);
  libusb_free_config_descriptor (cfg);
  teardown (&f);
}

/* A bad image: GETSTATUS after manifestation reports dfuERROR, the ROM stays. */
static void
test_rom_refuses_bad_image (void)
{
  Fixture f = { 0 };
  g_autoptr(GBytes) image = NULL;
  guint8 *data;
  gsize len;
  guint8 st[6];

  setup (&f, "stm32mp15", OSSP_SIM_FSBL_V2_6, NULL);
  image = ossp_test_build_fsbl ("stm32mp15", NULL, 0, 3000, NULL);
  data = g_bytes_unref_to_data (g_bytes_ref (image), &len);
  data[0x200] ^= 0x01;   /* payload byte: checksum no longer matches */
  open_dfu (&f);
  dnload_all (&f, data, len);
  g_assert_cmpint (ctl_out (&f, DNLOAD, 0, NULL, 0), ==, 0);
  g_assert_cmpint (ctl_in (&f, GETSTATUS, 0, st, 6), ==, 6);
  g_assert_cmpuint (st[4], ==, 10);   /* dfuERROR */
  g_assert_cmpuint (st[0], ==, 0x07); /* errVERIFY */
  g_assert_cmpint (ctl_out (&f, CLRSTATUS, 0, NULL, 0), ==, 0);
  g_assert_cmpint (ctl_in (&f, GETSTATE, 0, st, 1), ==, 1);
  g_assert_cmpuint (st[0], ==, 2);
  g_free (data);
  teardown (&f);
}

/* Faults on USB: a stalled request, then the board unplugged for good. */
static void
test_faults (void)
{
  Fixture f = { 0 };
  guint8 buf[16];

  setup (&f, "stm32mp15", OSSP_SIM_FSBL_V2_6, "nack@1");
  ossp_sim_faults_add (f.faults, "drop-link@3", NULL);
  open_dfu (&f);
  g_assert_cmpint (libusb_set_interface_alt_setting (f.h, 0, 1), ==, 0);
  g_assert_cmpint (ctl_in (&f, UPLOAD, 0, buf, sizeof buf), ==, LIBUSB_ERROR_PIPE);   /* step 1 */
  g_assert_cmpint (ctl_in (&f, UPLOAD, 0, buf, sizeof buf), ==, 9);                   /* step 2 */
  g_assert_cmpint (ctl_in (&f, GETSTATUS, 0, buf, 6), <, 0);                          /* step 3: gone */
  libusb_close (f.h);
  f.h = NULL;
  g_usleep (200000);
  g_assert_false (device_present (&f));
  teardown (&f);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (g_getenv ("LD_PRELOAD") == NULL || strstr (g_getenv ("LD_PRELOAD"), "umockdev") == NULL)
    {
      g_print ("1..0 # SKIP not running under umockdev-wrapper (LD_PRELOAD=libumockdev-preload.so.0)\n");
      return 77;
    }
  g_test_add_func ("/sim/usb/descriptors", test_descriptors);
  g_test_add_func ("/sim/usb/rom-refuses-bad-image", test_rom_refuses_bad_image);
  g_test_add_func ("/sim/usb/full-mp15-v2.6", test_full_mp15_v26);
  g_test_add_func ("/sim/usb/full-mp15-v2.2", test_full_mp15_v22);
  g_test_add_func ("/sim/usb/full-mp13", test_full_mp13);
  g_test_add_func ("/sim/usb/faults", test_faults);
  return g_test_run ();
}
