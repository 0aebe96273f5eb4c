/* test-payload.c — OsspPayload: byte layout, independent decryption, round
 * trips, tampering and every refused input
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <glib/gstdio.h>

#include "ossp-payload-test-helper.h"

/* ---- helpers: an independent AES-128-GCM from GnuTLS' raw cipher API ---- */

/* Decrypts with gnutls_cipher_* (not the AEAD API our code uses) and
 * returns the tag GCM computes, so that the test checks our bytes against
 * the spec's formulas by a second path. */
static void
raw_gcm_decrypt (const guint8 key[16],
                 const guint8 nonce[12],
                 const guint8 *aad,
                 gsize         aad_len,
                 const guint8 *cipher,
                 gsize         len,
                 guint8       *out_plain,
                 guint8        out_tag[16])
{
  gnutls_cipher_hd_t hd;
  gnutls_datum_t k = { (unsigned char *) key, 16 };
  gnutls_datum_t iv = { (unsigned char *) nonce, 12 };

  g_assert_cmpint (gnutls_cipher_init (&hd, GNUTLS_CIPHER_AES_128_GCM, &k, &iv), ==, 0);
  g_assert_cmpint (gnutls_cipher_add_auth (hd, aad, aad_len), ==, 0);
  if (len)
    g_assert_cmpint (gnutls_cipher_decrypt2 (hd, cipher, len, out_plain, len), ==, 0);
  g_assert_cmpint (gnutls_cipher_tag (hd, out_tag, 16), ==, 0);
  gnutls_cipher_deinit (hd);
}

static void
sha256 (const guint8 *data, gsize len, guint8 out[32])
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  gsize n = 32;

  g_checksum_update (sum, data, (gssize) len);
  g_checksum_get_digest (sum, out, &n);
}

static guint8 *
unhex (const char *hex, gsize *len)
{
  g_autoptr(GError) error = NULL;
  guint8 *d = ossp_hex_decode (hex, len, &error);
  g_assert_no_error (error);
  return d;
}

static GBytes *
build_fixture (OsspPayloadFixture *fx)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspPayload) payload = ossp_payload_fixture_load (fx);
  GBytes *bytes = ossp_payload_build (payload, &error);

  g_assert_no_error (error);
  g_assert_nonnull (bytes);
  return bytes;
}

/* ---- AES-128-GCM known answers (McGrew & Viega GCM spec, test cases 1-4,
 * as republished in NIST's GCM validation vectors) ---------------------- */

static void
test_gcm_known_answers (void)
{
  static const struct {
    const char *key, *iv, *pt, *aad, *ct, *tag;
  } v[] = {
    { "00000000000000000000000000000000", "000000000000000000000000", "", "", "",
      "58e2fccefa7e3061367f1d57a4e7455a" },
    { "00000000000000000000000000000000", "000000000000000000000000",
      "00000000000000000000000000000000", "", "0388dace60b6a392f328c2b971b2fe78",
      "ab6e47d42cec13bdf53a67b21257bddf" },
    { "feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
      "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
      "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255", "",
      "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
      "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
      "4d5c2af327cd64a62cf35abd2ba6fab4" },
    { "feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
      "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
      "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
      "feedfacedeadbeeffeedfacedeadbeefabaddad2",
      "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
      "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
      "5bc94fbc3221a5db94fae95ae7121a47" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (v); i++)
    {
      g_autoptr(GError) error = NULL;
      gsize kl, il, pl, al, cl, tl;
      g_autofree guint8 *key = unhex (v[i].key, &kl), *iv = unhex (v[i].iv, &il);
      g_autofree guint8 *pt = unhex (v[i].pt, &pl), *aad = unhex (v[i].aad, &al);
      g_autofree guint8 *ct = unhex (v[i].ct, &cl), *tag = unhex (v[i].tag, &tl);
      g_autofree guint8 *out = g_malloc0 (pl + 1), *back = g_malloc0 (pl + 1);
      guint8 out_tag[16];

      g_assert_cmpuint (kl, ==, 16);
      g_assert_cmpuint (il, ==, 12);
      g_assert_true (ossp_payload_gcm_encrypt (key, iv, aad, al, pt, pl, out, out_tag, &error));
      g_assert_no_error (error);
      g_assert_cmpmem (out, pl, ct, cl);
      g_assert_cmpmem (out_tag, 16, tag, tl);
      g_assert_true (ossp_payload_gcm_decrypt (key, iv, aad, al, ct, cl, tag, back, &error));
      g_assert_no_error (error);
      g_assert_cmpmem (back, pl, pt, pl);
      /* one bit of the tag changed: refused, and no plaintext left behind */
      tag[15] ^= 1;
      g_assert_false (ossp_payload_gcm_decrypt (key, iv, aad, al, ct, cl, tag, back, &error));
      g_assert_error (error, OSSP_ERROR, OSSP_ERROR_VERIFY_FAILED);
      for (gsize j = 0; j < pl; j++)
        g_assert_cmpuint (back[j], ==, 0);
    }
}

/* ---- MP15 / MP13: the chip struct, byte by byte (payload.md §2) ------- */

typedef struct {
  const char *chip;
  gsize size, key_off, key_size, size_off, tag_off, secrets_off, aad;
  guint32 dev_id;
} Layout;

static const Layout layout15 = { "stm32mp15", 244, 0x08, 64, 0x48, 0x4C, 0x5C, 76, 0x500 };
static const Layout layout13 = { "stm32mp13", 212, 0x08, 32, 0x28, 0x2C, 0x3C, 44, 0x501 };

static void
check_mp1_layout (const Layout *l)
{
  g_autoptr(OsspPayloadFixture) fx = ossp_payload_fixture_new (l->chip);
  g_autoptr(GBytes) bytes = build_fixture (fx);
  gsize total;
  const guint8 *d = g_bytes_get_data (bytes, &total);
  const guint8 *s = d + 80, *secret;
  guint8 plain[152], tag[16], digest[32];
  gsize secret_len;

  /* container header (payload.md §4.1) */
  g_assert_cmpmem (d, 4, "OSSP", 4);
  g_assert_cmpuint (ossp_read_le16 (d + 4), ==, 1);
  g_assert_cmpuint (ossp_read_le16 (d + 6), ==, 64);
  g_assert_cmphex (ossp_read_le32 (d + 8), ==, l->dev_id);
  g_assert_cmphex (ossp_read_le32 (d + 0x0C), ==, 1);      /* RMA word first */
  g_assert_cmpuint (ossp_read_le32 (d + 0x10), ==, 1);
  g_assert_cmpuint (ossp_read_le32 (d + 0x14), ==, total);
  g_assert_cmpuint (total, ==, 64 + 16 + l->size);
  g_assert_cmpuint (ossp_read_le32 (d + 0x18), ==, 0);
  g_assert_cmpuint (ossp_read_le32 (d + 0x1C), ==, 0);
  sha256 (d + 64, total - 64, digest);
  g_assert_cmpmem (d + 0x20, 32, digest, 32);
  /* section table: one type-1 entry */
  g_assert_cmpuint (ossp_read_le32 (d + 64), ==, 1);
  g_assert_cmpuint (ossp_read_le32 (d + 68), ==, 80);
  g_assert_cmpuint (ossp_read_le32 (d + 72), ==, l->size);
  g_assert_cmpuint (ossp_read_le32 (d + 76), ==, 0);

  /* the struct: "SSPP" = 53 53 50 50, version 1 */
  g_assert_cmpuint (s[0], ==, 0x53);
  g_assert_cmpuint (s[1], ==, 0x53);
  g_assert_cmpuint (s[2], ==, 0x50);
  g_assert_cmpuint (s[3], ==, 0x50);
  g_assert_cmphex (ossp_read_le32 (s + 4), ==, 1);
  if (l->key_size == 64)
    g_assert_cmpmem (s + l->key_off, 64, fx->pubkey_xy, 64);
  else
    g_assert_cmpmem (s + l->key_off, 32, fx->pkhth_data, 32);
  g_assert_cmpuint (ossp_read_le32 (s + l->size_off), ==, 152);
  g_assert_cmpuint (l->secrets_off + 152, ==, l->size);
  g_assert_cmpuint (l->tag_off + 16, ==, l->secrets_off);

  /* decrypt with the spec's formulas: nonce = nonce file[0..11],
   * AAD = struct[0..aad), plaintext = LE32(rma) ‖ secret file */
  raw_gcm_decrypt (fx->key_data, fx->nonce_data, s, l->aad, s + l->secrets_off, 152, plain, tag);
  g_assert_cmpmem (tag, 16, s + l->tag_off, 16);
  g_assert_cmphex (ossp_read_le32 (plain), ==, fx->rma);
  secret = g_bytes_get_data (fx->secret_bytes, &secret_len);
  g_assert_cmpmem (plain + 4, 148, secret, secret_len);
}

static void
test_layout_mp15 (void)
{
  check_mp1_layout (&layout15);
}

static void
test_layout_mp13 (void)
{
  check_mp1_layout (&layout13);
}

/* a shorter secret file: size = 4 + len, unused secret bytes zero */
static void
test_short_secret (void)
{
  g_autoptr(OsspPayloadFixture) fx = ossp_payload_fixture_new ("stm32mp13");
  g_autoptr(OsspPayload) payload = ossp_payload_fixture_load (fx);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GBytes) blob = NULL;
  const guint8 *s;
  guint8 secret[40], plain[44], tag[16];

  memset (secret, 0x5A, sizeof secret);
  g_assert_true (ossp_payload_set_secret (payload, secret, sizeof secret, &error));
  bytes = ossp_payload_build (payload, &error);
  g_assert_no_error (error);
  blob = ossp_payload_get_chip_blob (payload);
  g_assert_cmpuint (g_bytes_get_size (blob), ==, 212);
  s = g_bytes_get_data (blob, NULL);
  g_assert_cmpuint (ossp_read_le32 (s + 0x28), ==, 44);
  for (guint i = 0x3C + 44; i < 212; i++)
    g_assert_cmpuint (s[i], ==, 0);
  raw_gcm_decrypt (fx->key_data, fx->nonce_data, s, 44, s + 0x3C, 44, plain, tag);
  g_assert_cmpmem (tag, 16, s + 0x2C, 16);
  g_assert_cmpmem (plain + 4, 40, secret, 40);
  g_assert_cmpuint (ossp_payload_get_secret_size (payload), ==, 44);
}

/* ---- MP2 sections (payload.md §5.3) ----------------------------------- */

static void
test_layout_mp25 (void)
{
  g_autoptr(OsspPayloadFixture) fx = ossp_payload_fixture_new ("stm32mp25");
  g_autoptr(GBytes) bytes = build_fixture (fx);
  gsize total;
  const guint8 *d = g_bytes_get_data (bytes, &total);
  GBytes *expect[3] = { fx->secret_bytes, fx->tamp_bytes, fx->bkpsram_bytes };
  const guint32 types[3] = { 2, 3, 4 }, bases[3] = { 0, 0x46010100, 0x52000000 };
  guint8 digest[32];
  guint32 pos = 64 + 3 * 16;

  g_assert_cmpmem (d, 4, "OSSP", 4);
  g_assert_cmphex (ossp_read_le32 (d + 8), ==, 0x505);
  g_assert_cmphex (ossp_read_le32 (d + 0x0C), ==, 0);
  g_assert_cmpuint (ossp_read_le32 (d + 0x10), ==, 3);
  g_assert_cmpuint (ossp_read_le32 (d + 0x14), ==, total);
  sha256 (d + 64, total - 64, digest);
  g_assert_cmpmem (d + 0x20, 32, digest, 32);

  for (guint i = 0; i < 3; i++)
    {
      const guint8 *entry = d + 64 + 16 * i;
      guint32 off = ossp_read_le32 (entry + 4), len = ossp_read_le32 (entry + 8);
      gsize plen;
      const guint8 *want = g_bytes_get_data (expect[i], &plen);
      g_autofree guint8 *plain = g_malloc (plen);
      guint8 nonce[12], aad[48], tag[16];

      g_assert_cmpuint (ossp_read_le32 (entry), ==, types[i]);
      g_assert_cmpuint (off, ==, pos);
      g_assert_cmpuint (off % 4, ==, 0);
      g_assert_cmpuint (len, ==, 4 + 16 + plen);
      g_assert_cmphex (ossp_read_le32 (entry + 12), ==, bases[i]);
      g_assert_cmpuint (ossp_read_le32 (d + off), ==, plen);

      /* nonce = nonce[0..7] ‖ LE32(index); AAD = entry ‖ header[0x00..0x1F] */
      memcpy (nonce, fx->nonce_data, 8);
      ossp_write_le32 (nonce + 8, i);
      memcpy (aad, entry, 16);
      memcpy (aad + 16, d, 32);
      raw_gcm_decrypt (fx->key_data, nonce, aad, sizeof aad, d + off + 20, plen, plain, tag);
      g_assert_cmpmem (tag, 16, d + off + 4, 16);
      g_assert_cmpmem (plain, plen, want, plen);
      pos = (off + len + 3) & ~3u;
    }
  g_assert_cmpuint (pos, ==, total);
}

/* ---- round trips, the chip blob, the plan ------------------------------ */

static void
check_round_trip (const char *chip_id)
{
  g_autoptr(OsspPayloadFixture) fx = ossp_payload_fixture_new (chip_id);
  g_autoptr(GBytes) bytes = build_fixture (fx);
  g_autoptr(GBytes) again = build_fixture (fx);
  g_autoptr(OsspPayload) read = NULL;
  g_autoptr(GBytes) blob = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *plan;

  /* reproducible: same inputs, same bytes */
  g_assert_true (g_bytes_equal (bytes, again));

  read = ossp_payload_new_from_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ossp_chip_get_id (ossp_payload_get_chip (read)), ==, chip_id);
  g_assert_false (ossp_payload_is_decrypted (read));
  g_assert_cmpuint (ossp_payload_get_plan (read)->len, ==, 0);
  g_assert_true (ossp_payload_load_key (read, fx->key, &error));
  g_assert_true (ossp_payload_load_nonce (read, fx->nonce, &error));
  g_assert_true (ossp_payload_decrypt (read, &error));
  g_assert_no_error (error);
  g_assert_true (ossp_payload_is_decrypted (read));
  plan = ossp_payload_get_plan (read);
  blob = ossp_payload_get_chip_blob (read);

  if (!g_str_equal (chip_id, "stm32mp25"))
    {
      const OsspSecret *plain = ossp_payload_get_plaintext (read, 0);
      gboolean saw_rma = FALSE, saw_skip = FALSE;
      guint8 pkh[32], want_pkh[32];

      g_assert_cmpuint (g_bytes_get_size (blob), ==, g_str_equal (chip_id, "stm32mp15") ? 244 : 212);
      g_assert_cmpmem (g_bytes_get_data (blob, NULL), g_bytes_get_size (blob),
                       (const guint8 *) g_bytes_get_data (bytes, NULL) + 80, g_bytes_get_size (blob));
      g_assert_cmpuint (plain->len, ==, 152);
      g_assert_cmphex (ossp_read_le32 (plain->data), ==, fx->rma);
      g_assert_cmpmem (plain->data + 4, 148, g_bytes_get_data (fx->secret_bytes, NULL), 148);

      /* PKH words: MP15 SHA-256(X‖Y) (computed here), MP13 the table hash */
      g_assert_true (ossp_payload_get_pkh (read, pkh));
      if (g_str_equal (chip_id, "stm32mp15"))
        sha256 (fx->pubkey_xy, 64, want_pkh);
      else
        memcpy (want_pkh, fx->pkhth_data, 32);
      g_assert_cmpmem (pkh, 32, want_pkh, 32);

      for (guint i = 0; i < plan->len; i++)
        {
          const OsspPayloadPlanItem *it = g_ptr_array_index (plan, i);
          g_autofree char *masked = ossp_payload_plan_item_value_text (it, FALSE);
          g_autofree char *shown = ossp_payload_plan_item_value_text (it, TRUE);
          if (it->address == 24)
            g_assert_cmphex (it->value, ==, ossp_read_be32 (want_pkh));
          if (it->address == 56 && g_str_equal (it->target, "otp"))
            {
              saw_rma = TRUE;
              g_assert_cmpint (it->action, ==, OSSP_PAYLOAD_ACTION_BURN_LOCK);
              g_assert_cmphex (it->value, ==, fx->rma);
              g_assert_cmpstr (masked, ==, "0x********");
              g_assert_cmpstr (shown, ==, "0x01234567");
            }
          if (it->address == 61)
            {
              saw_skip = TRUE;
              g_assert_cmpint (it->action, ==, OSSP_PAYLOAD_ACTION_SKIP);
            }
          if (it->address == 62)
            g_assert_cmphex (it->value, ==, ossp_read_le32 ((const guint8 *) g_bytes_get_data (fx->secret_bytes, NULL) + 12));
        }
      g_assert_true (saw_rma);
      g_assert_true (saw_skip);
    }
  else
    {
      gboolean saw_word = FALSE, saw_tamp = FALSE, saw_sram = FALSE;

      /* MP2: the whole container goes to the chip */
      g_assert_true (g_bytes_equal (blob, bytes));
      g_assert_cmpuint (ossp_payload_get_n_sections (read), ==, 3);
      g_assert_cmphex (ossp_payload_get_section (read, 1)->base, ==, 0x46010100);
      for (guint i = 0; i < plan->len; i++)
        {
          const OsspPayloadPlanItem *it = g_ptr_array_index (plan, i);
          g_autofree char *shown = ossp_payload_plan_item_value_text (it, TRUE);
          g_autofree char *masked = ossp_payload_plan_item_value_text (it, FALSE);
          if (g_str_equal (it->target, "otp") && it->address == 246)
            {
              saw_word = TRUE;
              g_assert_cmphex (it->value, ==, 0xCAFEF00D);
              g_assert_cmpint (it->action, ==, OSSP_PAYLOAD_ACTION_BURN_LOCK);
              g_assert_cmphex (it->flags, ==, OSSP_OTP_ITEM_FLAG_LOCK | OSSP_OTP_ITEM_FLAG_STICKY_READ_LOCK);
              g_assert_cmpstr (it->note, ==, "shadow read lock (sticky)");
            }
          if (g_str_equal (it->target, "tamp") && it->address == 0x46010120)
            {
              saw_tamp = TRUE;
              g_assert_cmpstr (shown, ==, "5051525354555657");
              g_assert_cmpstr (masked, ==, "<8 bytes hidden>");
            }
          if (g_str_equal (it->target, "bkpsram"))
            {
              saw_sram = TRUE;
              g_assert_cmphex (it->address, ==, 0x52000100);
              g_assert_nonnull (strstr (it->note, "M33"));
            }
        }
      g_assert_true (saw_word && saw_tamp && saw_sram);
    }

  ossp_payload_wipe_plaintext (read);
  g_assert_false (ossp_payload_is_decrypted (read));
  g_assert_null (ossp_payload_get_plaintext (read, 0));
}

static void
test_round_trip_mp15 (void)
{
  check_round_trip ("stm32mp15");
}

static void
test_round_trip_mp13 (void)
{
  check_round_trip ("stm32mp13");
}

static void
test_round_trip_mp25 (void)
{
  check_round_trip ("stm32mp25");
}

/* plaintext buffers are wiped, not just freed */
typedef struct { guint wiped_152; } WipeSeen;

static void
wipe_hook (gconstpointer data, gsize len, gpointer user_data)
{
  WipeSeen *seen = user_data;
  if (len == 152)
    seen->wiped_152++;
}

static void
test_plaintext_wiped (void)
{
  g_autoptr(OsspPayloadFixture) fx = ossp_payload_fixture_new ("stm32mp15");
  g_autoptr(GBytes) bytes = build_fixture (fx);
  g_autoptr(OsspPayload) read = ossp_payload_new_from_bytes (bytes, NULL);
  g_autoptr(GError) error = NULL;
  WipeSeen seen = { 0 };

  ossp_payload_load_key (read, fx->key, &error);
  ossp_payload_load_nonce (read, fx->nonce, &error);
  g_assert_true (ossp_payload_decrypt (read, &error));
  ossp_secure_set_wipe_hook (wipe_hook, &seen);
  ossp_payload_wipe_plaintext (read);
  ossp_secure_set_wipe_hook (NULL, NULL);
  g_assert_cmpuint (seen.wiped_152, >=, 1);
}

/* ---- tampering: one byte anywhere is noticed ---------------------------- */

static void
check_tamper (const char *chip_id)
{
  g_autoptr(OsspPayloadFixture) fx = ossp_payload_fixture_new (chip_id);
  g_autoptr(GBytes) bytes = build_fixture (fx);
  gsize total;
  const guint8 *orig = g_bytes_get_data (bytes, &total);
  gboolean mp1 = !g_str_equal (chip_id, "stm32mp25");
  guint n_tag = 0;

  for (gsize pos = 0; pos < total; pos++)
    {
      g_autofree guint8 *d = g_memdup2 (orig, total);
      g_autoptr(GBytes) changed = NULL;
      g_autoptr(OsspPayload) read = NULL;
      g_autoptr(GError) error = NULL;

      /* MP1's header hint is informative and outside every tag (payload.md
       * §4.1); MP2 puts it in the AAD */
      if (mp1 && pos >= 0x18 && pos < 0x1C)
        continue;
      d[pos] ^= 0x01;
      /* an attacker can fix the integrity checksum; the tag must still catch it */
      if (pos < 0x20 || pos >= 0x40)
        sha256 (d + 64, total - 64, d + 0x20);
      changed = g_bytes_new_take (g_steal_pointer (&d), total);
      read = ossp_payload_new_from_bytes (changed, &error);
      if (read != NULL)
        {
          g_assert_no_error (error);
          ossp_payload_load_key (read, fx->key, NULL);
          ossp_payload_load_nonce (read, fx->nonce, NULL);
          g_assert_false (ossp_payload_decrypt (read, &error));
          g_assert_nonnull (error);
          if (error->code == OSSP_ERROR_VERIFY_FAILED)
            {
              n_tag++;
              g_assert_nonnull (strstr (error->message, "Section "));
              g_assert_nonnull (strstr (error->message, "tag does not match"));
            }
        }
      else
        g_assert_nonnull (error);
      if (pos >= 0x20 && pos < 0x40)
        g_assert_error (error, OSSP_ERROR, OSSP_ERROR_VERIFY_FAILED);
    }
  /* exactly the bytes under a tag failed the tag: MP1 = the AAD minus the
   * magic, version and size fields the parser checks first, the tag and the
   * 152 ciphertext bytes; MP2 = the header hint plus every tag and ciphertext */
  if (mp1)
    {
      const Layout *l = g_str_equal (chip_id, "stm32mp15") ? &layout15 : &layout13;
      g_assert_cmpuint (n_tag, ==, l->aad - 12 + 16 + 152);
    }
  else
    {
      guint expect = 4;
      for (guint i = 0; i < 3; i++)
        expect += ossp_read_le32 (orig + 64 + 16 * i + 8) - 4;
      g_assert_cmpuint (n_tag, ==, expect);
    }
}

static void
test_tamper_mp15 (void)
{
  check_tamper ("stm32mp15");
}

static void
test_tamper_mp13 (void)
{
  check_tamper ("stm32mp13");
}

static void
test_tamper_mp25 (void)
{
  check_tamper ("stm32mp25");
}

static void
test_wrong_key_and_nonce (void)
{
  g_autoptr(OsspPayloadFixture) fx = ossp_payload_fixture_new ("stm32mp15");
  g_autoptr(GBytes) bytes = build_fixture (fx);
  g_autoptr(OsspPayload) read = ossp_payload_new_from_bytes (bytes, NULL);
  g_autoptr(GError) error = NULL;
  guint8 key[16], nonce[16];

  memcpy (key, fx->key_data, 16);
  key[0] ^= 0x80;
  memcpy (nonce, fx->nonce_data, 16);
  g_assert_true (ossp_payload_set_key (read, key, 16, &error));
  g_assert_true (ossp_payload_set_nonce (read, nonce, 16, &error));
  g_assert_false (ossp_payload_decrypt (read, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_VERIFY_FAILED);
  g_assert_nonnull (strstr (error->message, "mp1-payload"));
  g_assert_null (ossp_payload_get_plaintext (read, 0));
  g_clear_error (&error);

  nonce[3] ^= 1;
  g_assert_true (ossp_payload_set_key (read, fx->key_data, 16, &error));
  g_assert_true (ossp_payload_set_nonce (read, nonce, 16, &error));
  g_assert_false (ossp_payload_decrypt (read, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_VERIFY_FAILED);
}

/* ---- container readers ------------------------------------------------- */

static void
test_container_errors (void)
{
  g_autoptr(OsspPayloadFixture) fx = ossp_payload_fixture_new ("stm32mp15");
  g_autoptr(GBytes) bytes = build_fixture (fx);
  gsize total;
  const guint8 *orig = g_bytes_get_data (bytes, &total);
  g_autofree guint8 *d = g_memdup2 (orig, total);
  g_autoptr(GError) error = NULL;
  g_autoptr(OsspPayload) p = NULL;

  /* every truncation */
  for (gsize len = 0; len < total; len++)
    {
      g_autoptr(GBytes) cut = g_bytes_new (orig, len);
      g_autoptr(OsspPayload) q = ossp_payload_new_from_bytes (cut, &error);
      g_assert_null (q);
      g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA);
      g_clear_error (&error);
    }

  /* unknown version: named as such, before anything else is trusted */
  ossp_write_le16 (d + 4, 2);
  {
    g_autoptr(GBytes) b = g_bytes_new (d, total);
    p = ossp_payload_new_from_bytes (b, &error);
    g_assert_null (p);
    g_assert_error (error, OSSP_ERROR, OSSP_ERROR_VERSION);
    g_assert_nonnull (strstr (error->message, "version 2"));
    g_clear_error (&error);
  }
  ossp_write_le16 (d + 4, 1);

  /* bad checksum */
  d[total - 1] ^= 0xFF;
  {
    g_autoptr(GBytes) b = g_bytes_new (d, total);
    p = ossp_payload_new_from_bytes (b, &error);
    g_assert_null (p);
    g_assert_error (error, OSSP_ERROR, OSSP_ERROR_VERIFY_FAILED);
    g_assert_nonnull (strstr (error->message, "SHA-256"));
    g_clear_error (&error);
  }
  d[total - 1] ^= 0xFF;

  /* not ours */
  d[0] = 'X';
  {
    g_autoptr(GBytes) b = g_bytes_new (d, total);
    p = ossp_payload_new_from_bytes (b, &error);
    g_assert_null (p);
    g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA);
    g_clear_error (&error);
  }

  /* from a file: the path is in the message */
  p = ossp_payload_new_from_file (fx->key, &error);
  g_assert_null (p);
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, fx->key));
}

/* ---- refused inputs ---------------------------------------------------- */

static void
test_bad_inputs (void)
{
  g_autoptr(OsspPayloadFixture) fx = ossp_payload_fixture_new ("stm32mp15");
  g_autoptr(OsspChip) chip = ossp_chip_new ("stm32mp15", NULL);
  g_autoptr(OsspChip) mp13 = ossp_chip_new ("stm32mp13", NULL);
  g_autoptr(OsspChip) mp25 = ossp_chip_new ("stm32mp25", NULL);
  g_autoptr(OsspPayload) p = ossp_payload_new (chip);
  g_autoptr(OsspPayload) p13 = ossp_payload_new (mp13);
  g_autoptr(OsspPayload) p25 = ossp_payload_new (mp25);
  g_autoptr(GError) error = NULL;
  guint8 buf[200] = { 0 };
  g_autofree char *priv = g_build_filename (fx->dir, "p384.pem", NULL);
  g_autofree char *pub = g_build_filename (fx->dir, "p384.pub", NULL);

  /* key: exactly 16 bytes */
  g_assert_false (ossp_payload_set_key (p, buf, 15, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "16 bytes"));
  g_clear_error (&error);
  g_assert_false (ossp_payload_set_key (p, buf, 32, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA);
  g_clear_error (&error);

  /* nonce: 16 bytes, last 4 zero — and the message says why */
  g_assert_false (ossp_payload_set_nonce (p, buf, 12, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "96 bits"));
  g_clear_error (&error);
  buf[14] = 1;
  g_assert_false (ossp_payload_set_nonce (p, buf, 16, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "ROM"));
  g_assert_nonnull (strstr (error->message, "96 bits"));
  g_clear_error (&error);
  buf[14] = 0;

  /* RMA: 30 bits on MP15, 32 on MP13, none on MP25 */
  g_assert_false (ossp_payload_set_rma (p, 0x40000000, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "30 bits"));
  g_clear_error (&error);
  g_assert_true (ossp_payload_set_rma (p, 0x3FFFFFFF, &error));
  g_assert_true (ossp_payload_set_rma (p13, 0xFFFFFFFF, &error));
  g_assert_false (ossp_payload_set_rma (p25, 1, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* secret file size */
  g_assert_false (ossp_payload_set_secret (p, buf, 150, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "148"));
  g_clear_error (&error);
  g_assert_false (ossp_payload_set_secret (p, buf, 146, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA);
  g_clear_error (&error);
  g_assert_true (ossp_payload_set_secret (p, buf, 148, &error));
  /* MP2 wants an OSOT file */
  g_assert_false (ossp_payload_set_secret (p25, buf, 148, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "OSOT"));
  g_clear_error (&error);

  /* the right key material for each chip, on a curve the chip supports */
  g_assert_false (ossp_payload_load_pkhth (p, fx->pkhth, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (ossp_payload_load_oem_public_key (p13, fx->pubkey, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (ossp_payload_load_oem_public_key (p25, fx->pubkey, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (ossp_payload_set_pkhth (p13, buf, 31, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA);
  g_clear_error (&error);
  g_assert_false (ossp_payload_set_oem_public_key (p, buf, "secp384r1", &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "prime256v1"));
  g_clear_error (&error);
  g_assert_cmpint (ossp_keys_test_tool (NULL, NULL, "openssl", "ecparam", "-name", "secp384r1",
                                        "-genkey", "-noout", "-out", priv, NULL), ==, 0);
  g_assert_cmpint (ossp_keys_test_tool (NULL, NULL, "openssl", "ec", "-in", priv, "-pubout",
                                        "-out", pub, NULL), ==, 0);
  g_assert_false (ossp_payload_load_oem_public_key (p, pub, &error));
  g_assert_nonnull (error);
  g_assert_true (error->code == OSSP_ERROR_UNSUPPORTED || error->code == OSSP_ERROR_INVALID_DATA);
  g_clear_error (&error);
  /* a private key is not a public key */
  g_assert_false (ossp_payload_load_oem_public_key (p, priv, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  /* build refuses while something is missing */
  g_assert_null (ossp_payload_build (p13, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
}

static void
test_bad_backups (void)
{
  g_autoptr(OsspPayloadFixture) fx = ossp_payload_fixture_new ("stm32mp25");
  g_autoptr(OsspChip) mp25 = ossp_chip_new ("stm32mp25", NULL);
  g_autoptr(OsspChip) mp15 = ossp_chip_new ("stm32mp15", NULL);
  g_autoptr(OsspPayload) p = ossp_payload_new (mp25);
  g_autoptr(OsspPayload) p15 = ossp_payload_new (mp15);
  g_autoptr(GError) error = NULL;
  gsize len;
  const guint8 *tamp = g_bytes_get_data (fx->tamp_bytes, &len);
  g_autofree guint8 *v2 = g_memdup2 (tamp, len);

  /* TAMP file at a BKPSRAM base, and at an address that is no base */
  g_assert_false (ossp_payload_add_backup (p, tamp, len, 0x42000000, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "0x46010100"));
  g_clear_error (&error);
  g_assert_false (ossp_payload_add_backup (p, tamp, len, 0x46010104, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_true (ossp_payload_add_backup (p, tamp, len, 0x56010100, &error));
  /* one file per memory */
  g_assert_false (ossp_payload_add_backup (p, tamp, len, 0x46010100, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  /* unknown backup file version, truncated file */
  ossp_write_le16 (v2 + 4, 9);
  ossp_payload_clear_backups (p);
  g_assert_false (ossp_payload_add_backup (p, v2, len, 0x46010100, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_VERSION);
  g_clear_error (&error);
  g_assert_false (ossp_payload_add_backup (p, tamp, len - 4, 0x46010100, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_DATA);
  g_clear_error (&error);
  /* MP1 has no backup memory in SSP */
  g_assert_false (ossp_payload_add_backup (p15, tamp, len, 0x46010100, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_INVALID_ARGUMENT);
}

static void
test_save (void)
{
  g_autoptr(OsspPayloadFixture) fx = ossp_payload_fixture_new ("stm32mp13");
  g_autoptr(OsspPayload) payload = ossp_payload_fixture_load (fx);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(OsspPayload) read = NULL;
  GStatBuf st;

  g_assert_false (ossp_payload_save (payload, fx->out, 0, &error));
  g_clear_error (&error);
  ossp_payload_set_fsbl_min_version (payload, 7);
  bytes = ossp_payload_build (payload, &error);
  g_assert_no_error (error);
  g_assert_true (ossp_payload_save (payload, fx->out, 0, &error));
  g_assert_cmpint (g_stat (fx->out, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0644);
  /* never overwritten without being asked */
  g_assert_false (ossp_payload_save (payload, fx->out, 0, &error));
  g_assert_error (error, OSSP_ERROR, OSSP_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_true (ossp_payload_save (payload, fx->out, OSSP_WRITE_FLAGS_OVERWRITE, &error));
  read = ossp_payload_new_from_file (fx->out, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ossp_payload_get_fsbl_min_version (read), ==, 7);
  g_assert_true (g_bytes_equal (bytes, ossp_payload_get_bytes (read)));
}

static void
test_file_mode_warning (void)
{
  g_autoptr(OsspPayloadFixture) fx = ossp_payload_fixture_new ("stm32mp15");
  g_autoptr(OsspChip) chip = ossp_chip_new ("stm32mp15", NULL);
  g_autoptr(OsspPayload) p = ossp_payload_new (chip);
  g_autoptr(GError) error = NULL;
  GPtrArray *w;

  g_assert_true (ossp_payload_load_key (p, fx->key, &error));
  g_assert_cmpuint (ossp_payload_get_warnings (p)->len, ==, 0);
  g_chmod (fx->nonce, 0644);
  g_assert_true (ossp_payload_load_nonce (p, fx->nonce, &error));
  w = ossp_payload_get_warnings (p);
  g_assert_cmpuint (w->len, ==, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (w, 0), "chmod 600"));
}

/* The committed seeds are also format fixtures: *.ssp files written by an
 * earlier build must still parse and decrypt, the *.bin ones must not. */
static void
test_corpus_seeds (void)
{
  g_autofree char *dir = g_test_build_filename (G_TEST_DIST, "fuzz", "corpus", "payload", NULL);
  g_autoptr(OsspPayloadFixture) fx = ossp_payload_fixture_new ("stm32mp13");
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint n_ok = 0, n_bad = 0;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(OsspPayload) p = ossp_payload_new_from_file (path, &error);

      if (g_str_has_suffix (name, ".ssp"))
        {
          g_assert_no_error (error);
          g_assert_true (ossp_payload_set_key (p, fx->key_data, 16, &error));
          g_assert_true (ossp_payload_set_nonce (p, fx->nonce_data, 16, &error));
          g_assert_true (ossp_payload_decrypt (p, &error));
          g_assert_no_error (error);
          g_assert_cmpuint (ossp_payload_get_plan (p)->len, >, 0);
          n_ok++;
        }
      else if (g_str_has_suffix (name, ".bin"))
        {
          g_assert_null (p);
          g_assert_nonnull (error);
          n_bad++;
        }
      else
        {
          /* inputs a fuzz run kept (named by their hash): read or refused
           * with a reason, nothing else */
          g_assert_true ((p != NULL) != (error != NULL));
        }
    }
  g_assert_cmpuint (n_ok, >=, 4);
  g_assert_cmpuint (n_bad, >=, 3);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/payload/gcm/known-answers", test_gcm_known_answers);
  g_test_add_func ("/payload/layout/mp15", test_layout_mp15);
  g_test_add_func ("/payload/layout/mp13", test_layout_mp13);
  g_test_add_func ("/payload/layout/short-secret", test_short_secret);
  g_test_add_func ("/payload/layout/mp25-sections", test_layout_mp25);
  g_test_add_func ("/payload/round-trip/mp15", test_round_trip_mp15);
  g_test_add_func ("/payload/round-trip/mp13", test_round_trip_mp13);
  g_test_add_func ("/payload/round-trip/mp25", test_round_trip_mp25);
  g_test_add_func ("/payload/plaintext-wiped", test_plaintext_wiped);
  g_test_add_func ("/payload/tamper/mp15", test_tamper_mp15);
  g_test_add_func ("/payload/tamper/mp13", test_tamper_mp13);
  g_test_add_func ("/payload/tamper/mp25", test_tamper_mp25);
  g_test_add_func ("/payload/wrong-key-nonce", test_wrong_key_and_nonce);
  g_test_add_func ("/payload/container-errors", test_container_errors);
  g_test_add_func ("/payload/bad-inputs", test_bad_inputs);
  g_test_add_func ("/payload/bad-backups", test_bad_backups);
  g_test_add_func ("/payload/save", test_save);
  g_test_add_func ("/payload/file-mode-warning", test_file_mode_warning);
  g_test_add_func ("/payload/corpus-seeds", test_corpus_seeds);
  return g_test_run ();
}
