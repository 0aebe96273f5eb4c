/* ossp-pcsc-hsm.h — OsspHsm over PC/SC (pcsc-lite): an OpenSSP HSM card in
 * a smart-card reader, chosen by name or by CubeProgrammer's slot number
 *
 * Every operation runs in a GTask thread inside one PC/SC transaction:
 * SELECT by AID, then the commands of hsm.md §4. Card removal, a vanished
 * reader, SCARD_E_* codes and bad status words become OSSP_ERROR GErrors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <openssp.h>

G_BEGIN_DECLS

typedef struct {
  guint   slot;          /* 1-based, as CubeProgrammer's slot= */
  char   *name;
  gboolean card_present;
  char   *atr;           /* hex, NULL without a card */
} OsspPcscReader;

void       ossp_pcsc_reader_free   (OsspPcscReader *reader);
/* Every reader pcscd knows, in pcscd's order (slot 1 first). */
GPtrArray *ossp_pcsc_list_readers  (GError        **error);

#define OSSP_TYPE_PCSC_HSM (ossp_pcsc_hsm_get_type ())
G_DECLARE_FINAL_TYPE (OsspPcscHsm, ossp_pcsc_hsm, OSSP, PCSC_HSM, GObject)

/* @reader: exact reader name, or a part of it that matches one reader.
 * @slot: 1-based reader index (0 = not given). With neither: the only
 * reader, or the first one holding a card. */
OsspPcscHsm *ossp_pcsc_hsm_new             (const char  *reader,
                                            guint        slot);
/* The reader the last operation used (NULL before the first one). */
char        *ossp_pcsc_hsm_dup_reader_name (OsspPcscHsm *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OsspPcscReader, ossp_pcsc_reader_free)

G_END_DECLS
