/* ossp-sim-board.h — a simulated STM32MP board: BootROM, FSBL-SSP and BSEC
 *
 * The board holds what a real chip holds: OTP fuses (OsspSimOtp), the boot
 * context in SYSRAM that survives a system reset (ssp_cmd, ssp_status, the
 * chip public key, the downloaded license ‖ payload), and runs the BootROM's
 * SSP steps and the FSBL-SSP decisions and burn sequence of ssp-flow.md §3
 * and §8. The wire protocols (UART, USB DFU) are separate objects that drive
 * it. Not thread-safe: one transport at a time.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <openssp.h>

#include "ossp-sim-faults.h"
#include "ossp-sim-otp.h"

G_BEGIN_DECLS

#define OSSP_SIM_CERTIFICATE_SIZE 136
#define OSSP_SIM_LICENSE_SIZE     136

/* ssp_cmd magic words (ssp-flow.md §2), little-endian in SYSRAM */
#define OSSP_SIM_SSP_CMD_PUBK 0x4B425550u
#define OSSP_SIM_SSP_CMD_PUBA 0x41425550u
#define OSSP_SIM_SSP_CMD_PROV 0x564F5250u
#define OSSP_SIM_SSP_CMD_PROA 0x414F5250u

typedef enum {
  OSSP_SIM_FSBL_V2_2,
  OSSP_SIM_FSBL_V2_6,
} OsspSimFsblVersion;

typedef enum {
  OSSP_SIM_STAGE_ROM,       /* BootROM serial boot: waits for the FSBL */
  OSSP_SIM_STAGE_FSBL,      /* FSBL-SSP runs a programmer session */
  OSSP_SIM_STAGE_HALTED,    /* FSBL opened no link (SSP done or refused) */
} OsspSimStage;

/* What the FSBL does after the ROM started it. */
typedef enum {
  OSSP_SIM_FSBL_SESSION_PROVISIONING, /* boot 1: reset phase 0xFF "Provisioning" */
  OSSP_SIM_FSBL_SESSION_GET_CERT,     /* boot 2: phase 0xF3, certificate out, blob in */
  OSSP_SIM_FSBL_FLASHED,              /* boot 3 ran (either way) and reset: ROM again */
  OSSP_SIM_FSBL_HALTED,               /* no programmer link (SUCCESS set, closed, refused) */
  OSSP_SIM_FSBL_POWER_LOST,           /* fault: power lost in the burn; ROM again */
} OsspSimFsblPath;

typedef struct {
  const char         *chip_id;            /* "stm32mp15", … */
  OsspSimFsblVersion  fsbl_version;
  gboolean            st_board;           /* pre-fuse the ST board-id word */
  guint32             board_id;           /* 0: a default per chip */
  gboolean            has_uid;
  guint32             uid[3];
  gboolean            has_seed;
  guint8              seed[32];
  gint                security_counter;   /* -1: default per chip */
  gint                key_id;             /* -1: default per chip */
  guint32             part_number;        /* 0: default per chip */
  gboolean            closed;             /* leave the factory closed */
  gboolean            has_pkh;            /* with this PKH/PKHTH fused */
  guint8              pkh[32];
  gboolean            bad_cert_signature; /* fuse a certificate signature that does not verify */
  gboolean            authenticate_all;   /* ROM authenticates every FSBL, even open */
} OsspSimFactoryOptions;

#define OSSP_TYPE_SIM_BOARD (ossp_sim_board_get_type ())
G_DECLARE_FINAL_TYPE (OsspSimBoard, ossp_sim_board, OSSP, SIM_BOARD, GObject)

void          ossp_sim_factory_options_init  (OsspSimFactoryOptions *opts);
OsspSimBoard *ossp_sim_board_new_factory     (const OsspSimFactoryOptions *opts,
                                              GError            **error);
OsspSimBoard *ossp_sim_board_load            (const char         *path,
                                              GError            **error);
OsspSimBoard *ossp_sim_board_new_from_data   (const char         *data,
                                              gsize               len,
                                              GError            **error);
char         *ossp_sim_board_to_data         (OsspSimBoard       *self,
                                              gsize              *out_len);
/* Atomic, mode 0600 (the file holds the chip's seed). */
gboolean      ossp_sim_board_save            (OsspSimBoard       *self,
                                              const char         *path,
                                              gboolean            overwrite,
                                              GError            **error);
/* Saves to @path after every reset, burn and ROM step (NULL: never). */
void          ossp_sim_board_set_autosave    (OsspSimBoard       *self,
                                              const char         *path);
/* Borrowed; must outlive the board's use. */
void          ossp_sim_board_set_faults      (OsspSimBoard       *self,
                                              OsspSimFaults      *faults);
OsspSimFaults *ossp_sim_board_get_faults     (OsspSimBoard       *self);
void          ossp_sim_board_set_trace       (OsspSimBoard       *self,
                                              gboolean            trace);
void          ossp_sim_board_trace           (OsspSimBoard       *self,
                                              const char         *format,
                                              ...) G_GNUC_PRINTF (2, 3);

OsspChip     *ossp_sim_board_get_chip        (OsspSimBoard       *self);
OsspSimOtp   *ossp_sim_board_get_otp         (OsspSimBoard       *self);
OsspSimFsblVersion ossp_sim_board_get_fsbl_version (OsspSimBoard *self);
const char   *ossp_sim_fsbl_version_to_string (OsspSimFsblVersion v);
gboolean      ossp_sim_fsbl_version_from_string (const char      *text,
                                              OsspSimFsblVersion *out,
                                              GError            **error);
OsspSimStage  ossp_sim_board_get_stage       (OsspSimBoard       *self);
guint32       ossp_sim_board_get_ssp_cmd     (OsspSimBoard       *self);
guint32       ossp_sim_board_get_ssp_status  (OsspSimBoard       *self);
guint         ossp_sim_board_get_boots       (OsspSimBoard       *self);
gboolean      ossp_sim_board_is_provisioned  (OsspSimBoard       *self);
/* "5000200A": DEV_ID, security counter, '0', key id (ssp-flow.md §5). */
char         *ossp_sim_board_get_product_id  (OsspSimBoard       *self);
/* The chip public key the ROM derives (whether or not it did yet). */
void          ossp_sim_board_get_chip_public_key (OsspSimBoard   *self,
                                              guint8              out[64]);
const char * const *ossp_sim_board_get_events (OsspSimBoard      *self);
guint32       ossp_sim_board_get_dev_id      (OsspSimBoard       *self);
guint32       ossp_sim_board_get_image_version (OsspSimBoard     *self);

/* ROM stage (ssp-flow.md §4.3/§4.4). */
guint32       ossp_sim_board_get_fsbl_load_address (OsspSimBoard *self);
gsize         ossp_sim_board_get_fsbl_max_size (OsspSimBoard     *self);
/* The ROM's header checks alone (USB checks at manifestation). */
gboolean      ossp_sim_board_rom_check       (OsspSimBoard       *self,
                                              const guint8       *image,
                                              gsize               len,
                                              GError            **error);
/* Header checks, then the ROM's SSP step; on success the stage is FSBL. */
gboolean      ossp_sim_board_rom_start       (OsspSimBoard       *self,
                                              const guint8       *image,
                                              gsize               len,
                                              GError            **error);

/* FSBL stage. */
OsspSimFsblPath ossp_sim_board_fsbl_enter    (OsspSimBoard       *self);
guint32       ossp_sim_board_get_blob_base   (OsspSimBoard       *self);
gsize         ossp_sim_board_get_blob_capacity (OsspSimBoard     *self);
gsize         ossp_sim_board_get_blob_len    (OsspSimBoard       *self);
/* FALSE (nothing stored) when @len would overflow the blob buffer. */
gboolean      ossp_sim_board_blob_append     (OsspSimBoard       *self,
                                              const guint8       *data,
                                              gsize               len);
gboolean      ossp_sim_board_get_certificate (OsspSimBoard       *self,
                                              guint8              out[OSSP_SIM_CERTIFICATE_SIZE]);
/* The FSBL leaves its programmer loop: PUBK (boot 1) or PROV (boot 2), reset. */
void          ossp_sim_board_fsbl_end_session (OsspSimBoard      *self);

/* Resets keep SYSRAM (boot context); a power cycle loses it. */
void          ossp_sim_board_reset           (OsspSimBoard       *self,
                                              const char         *why);
void          ossp_sim_board_power_cycle     (OsspSimBoard       *self);

G_END_DECLS
