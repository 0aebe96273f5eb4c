/* ossp-sim-otp.h — the simulated BSEC: OTP fuses, shadows and locks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <openssp.h>

G_BEGIN_DECLS

/* Volatile ("sticky") locks, cleared only by a reset (otp-maps.md §4). */
typedef enum {
  OSSP_SIM_OTP_STICKY_NONE         = 0,
  OSSP_SIM_OTP_STICKY_PROGRAM      = 1 << 0, /* SPLOCK: programming refused */
  OSSP_SIM_OTP_STICKY_SHADOW_WRITE = 1 << 1, /* SWLOCK: shadow writes refused */
  OSSP_SIM_OTP_STICKY_SHADOW_READ  = 1 << 2, /* SRLOCK: shadow reads refused */
} OsspSimOtpSticky;

#define OSSP_TYPE_SIM_OTP (ossp_sim_otp_get_type ())
G_DECLARE_FINAL_TYPE (OsspSimOtp, ossp_sim_otp, OSSP, SIM_OTP, GObject)

OsspSimOtp *ossp_sim_otp_new            (OsspChip        *chip);
OsspChip   *ossp_sim_otp_get_chip       (OsspSimOtp      *self);
guint       ossp_sim_otp_get_n_words    (OsspSimOtp      *self);
gboolean    ossp_sim_otp_is_bitwise     (OsspSimOtp      *self,
                                         guint            word);

/* What software sees: the shadow register (SRLOCK refuses it). */
gboolean    ossp_sim_otp_read           (OsspSimOtp      *self,
                                         guint            word,
                                         guint32         *out_value,
                                         GError         **error);
/* Re-read the fuse into the shadow and return it (BSEC "reload"). */
gboolean    ossp_sim_otp_read_fuse      (OsspSimOtp      *self,
                                         guint            word,
                                         guint32         *out_value,
                                         GError         **error);
/* OR-only programming: lower words bitwise, upper words only when blank;
 * refused on a permanently or sticky-locked word. The shadow follows. */
gboolean    ossp_sim_otp_program        (OsspSimOtp      *self,
                                         guint            word,
                                         guint32          value,
                                         GError         **error);
gboolean    ossp_sim_otp_lock           (OsspSimOtp      *self,
                                         guint            word,
                                         GError         **error);
gboolean    ossp_sim_otp_write_shadow   (OsspSimOtp      *self,
                                         guint            word,
                                         guint32          value,
                                         GError         **error);
void        ossp_sim_otp_set_sticky     (OsspSimOtp      *self,
                                         guint            word,
                                         OsspSimOtpSticky flags);
/* A reset clears sticky locks and reloads every shadow from its fuse. */
void        ossp_sim_otp_reset          (OsspSimOtp      *self);

/* Inspection without BSEC rules (dumps, tests). */
guint32     ossp_sim_otp_peek_fuse      (OsspSimOtp      *self,
                                         guint            word);
guint32     ossp_sim_otp_peek_shadow    (OsspSimOtp      *self,
                                         guint            word);
gboolean    ossp_sim_otp_is_locked      (OsspSimOtp      *self,
                                         guint            word);
OsspSimOtpSticky ossp_sim_otp_get_sticky (OsspSimOtp     *self,
                                         guint            word);
/* Factory programming: sets fuse and shadow, no rules (ST's own writes). */
void        ossp_sim_otp_factory_set    (OsspSimOtp      *self,
                                         guint            word,
                                         guint32          value,
                                         gboolean         lock);

/* Chip facts the simulator needs (MP25 values are ours, docs/simulator.md). */
guint       ossp_sim_otp_get_ssp_word        (OsspSimOtp *self);
guint32     ossp_sim_otp_get_ssp_req_mask    (OsspSimOtp *self);
guint32     ossp_sim_otp_get_ssp_success_mask (OsspSimOtp *self);
gboolean    ossp_sim_otp_is_closed           (OsspSimOtp *self);
/* First word of a named chip-map entry ("UID", "PART_NUMBER"…), or -1. */
gint        ossp_sim_otp_find_word           (OsspSimOtp *self,
                                              const char *name);

/* State-file member "otp" (docs/simulator.md). */
JsonNode   *ossp_sim_otp_to_json        (OsspSimOtp      *self);
gboolean    ossp_sim_otp_load_json      (OsspSimOtp      *self,
                                         JsonNode        *node,
                                         GError         **error);

G_END_DECLS
