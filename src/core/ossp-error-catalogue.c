/* ossp-error-catalogue.c — the data behind `openssp explain` and docs/errors.md
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ossp-error.h"
#include "ossp-error-catalogue.h"

/* Keys: error code names (docs/cli.md), HSM status words "sw-XXXX" and
 * device phase messages "phase-…". Lookups also accept exit codes and
 * bare status words. */
static const OsspErrorEntry catalogue[] = {
  { "failed", "Unexpected failure",
    "Something failed that has no more specific code.",
    "Read the message; run again with G_MESSAGES_DEBUG=all for details and report it if it persists." },
  { "invalid-argument", "Wrong option or value",
    "An option is missing, unknown, or its value is out of range.",
    "Run the command with --help; values are decimal or 0x-prefixed hex." },
  { "invalid-data", "A file or reply does not parse",
    "An input file is truncated, of the wrong kind or damaged, or a device sent bytes that do not parse.",
    "Check that the file is the one the option expects (the message names it) and was not cut short." },
  { "not-found", "Missing file, chip, reader or device",
    "A named file does not exist, the chip family is unknown, or no reader or device matched.",
    "Check the path or name; `openssp chip list`, `openssp hsm list-readers` and `openssp doctor` list what is there." },
  { "exists", "Output already exists",
    "OpenSSP never overwrites an output file unless asked; the existing file was left untouched.",
    "Choose another output path, or add --force to replace it." },
  { "permission", "Access refused by the system",
    "The file, folder, USB device or serial port is not accessible to this user.",
    "Fix the file mode, install the udev rule (data/udev/70-openssp.rules) or join the dialout group." },
  { "io", "Read or write failed",
    "The operating system reported an error while reading or writing (disk full, device gone).",
    "Free disk space or check the device; nothing was half-written: outputs are written atomically." },
  { "crypto", "Cryptographic operation failed",
    "GnuTLS refused an operation (bad key material, unsupported parameter).",
    "Check the key files; regenerate them with `openssp keys generate` if they are damaged." },
  { "bad-password", "Wrong password for a private key",
    "The private key could not be decrypted with the given password.",
    "Give the password the key was generated with (--password-file or --password-env)." },
  { "unsupported", "Valid but not supported",
    "The input is well formed but uses something OpenSSP or the chip does not support (curve, version, chip).",
    "See the message for what is supported, e.g. `openssp chip show CHIP`." },
  { "validation", "Rules rejected the input",
    "One or more items break the chip's rules (reserved word, outside the SSP range, misaligned, overlapping…).",
    "Every problem is listed in the details; fix each and run the check again." },
  { "verify-failed", "Checksum, signature or tag mismatch",
    "A checksum, ECDSA signature, GCM tag or PKH did not match: wrong key, wrong nonce, or altered data.",
    "Use the matching key/nonce; rebuild the file if it was altered." },
  { "device", "Device error",
    "The chip or its link misbehaved (disconnected, stalled, reset unexpectedly).",
    "Check the cable and boot pins (serial boot), then run again; the audit log records what happened." },
  { "protocol", "Protocol violation",
    "A device or HSM reply did not follow the protocol (wrong length, NACK, unexpected phase).",
    "Check that the SSP firmware matches the chip and that no other program uses the port." },
  { "hsm", "HSM refused or failed",
    "The HSM returned an error status word.",
    "See the status word entry (e.g. `openssp explain 5501`)." },
  { "timeout", "No answer in time",
    "The device or HSM did not answer within the protocol's time limit.",
    "Check power, cable and boot mode; for UART check the port name and that nothing else holds it." },
  { "cancelled", "Cancelled",
    "The operation was cancelled by the user.",
    "Nothing more to do; irreversible steps already done are in the audit log." },
  { "not-confirmed", "Irreversible step not confirmed",
    "Burning, locking, closing and HSM programming need a typed confirmation, or --yes in scripts.",
    "Review the plan that was printed, then confirm it or add --yes." },
  { "version", "Unknown file format version",
    "The file was written by a newer OpenSSP or is not an OpenSSP file of this kind.",
    "Update OpenSSP, or re-create the file with this version." },
  { "state", "Wrong state",
    "The chip or HSM is in a state where this is not allowed (already provisioned, locked, closed).",
    "Check the state with `openssp hsm info` or the chip's phase; a closed chip cannot be provisioned again." },
  { "sw-5501", "HSM: no licenses left (5501)",
    "The HSM's license counter is exhausted: it has delivered the maximum number of licenses it was provisioned with.",
    "Provision another HSM (`openssp hsm provision`); `openssp hsm info` shows delivered and remaining licenses." },
  { "sw-6300", "HSM: chip certificate signature invalid (6300)",
    "The HSM could not verify the chip certificate with the root key of its personalisation: not a genuine chip, a damaged read, or the wrong root key.",
    "Read the certificate from the chip again; check with `openssp hsm perso-info` that the personalisation holds this product's root key. No license was used." },
  { "sw-6982", "HSM: wrong state (6982)",
    "The command is not allowed in the HSM's state: licenses need a locked HSM, provisioning needs a blank one, a locked HSM cannot be changed.",
    "Check the state with `openssp hsm info`; provision a blank HSM, or use another one." },
  { "sw-6a80", "HSM: bad data (6A80)",
    "The HSM rejected the command's data: wrong length, bad magic, nonce bytes 12..15 not zero, or an invalid chip key.",
    "Check the files given (perso made by `openssp hsm perso`, 16-byte key, 16-byte nonce ending in 4 zero bytes, 136-byte certificate)." },
  { "sw-6a88", "HSM: product id not configured (6A88)",
    "The chip's product id (first 8 characters of its certificate) is not in the HSM's personalisation, or live licenses are not allowed for it.",
    "Use an HSM provisioned with a personalisation that lists this product id (`openssp hsm perso-info --product ID`). No license was used." },
  { "sw-6f00", "HSM: internal error (6F00)",
    "The HSM failed internally (for the soft-HSM: its state file could not be written).",
    "Retry; for the soft-HSM check disk space and the state file's folder; replace a card that keeps failing." },
  /* device phases and the SSP firmware's reset-phase messages (ssp-flow.md §3, §4) */
  { "phase-01", "Device: boot ROM waiting for the FSBL (phase 0x01)",
    "The chip is in serial boot (UART or USB DFU) and its ROM waits for a first-stage boot loader. Every SSP boot starts here; it is also where a failed boot 3 ends.",
    "Nothing to fix: OpenSSP sends the SSP firmware. If the chip stays here after provisioning, the ROM refused the license or payload (see `phase-ff` and the audit log)." },
  { "phase-f3", "Device: SSP firmware waiting for license and payload (phase 0xF3)",
    "Boot 2: the SSP firmware has exposed the chip certificate (partition 0xF3) and waits for license ‖ payload at the blob address it reported.",
    "Nothing to fix while provisioning runs. A chip left here after an interruption is reset and provisioned again; no license was spent if none was asked." },
  { "phase-ff", "Device: reset phase (phase 0xFF)",
    "The SSP firmware ended the exchange and will reset; it sends a message with the reason (`phase-ff-…`).",
    "Read the message: `Provisioning` is the normal end of boot 1; anything else names the error." },
  { "phase-ff-provisioning", "Device: \"Provisioning\" (boot 1)",
    "The SSP firmware burnt SSP_REQ and asks to be reset into boot 2: the normal end of boot 1.",
    "Nothing to fix. If a run stops here every time, the chip does not come back in serial boot: check the boot pins and the cable." },
  { "phase-ff-invalid-start", "Device: \"Invalid start at 0x…\"",
    "The host sent START with an address other than the blob address the SSP firmware reported; the firmware ends SSP phase.",
    "A host bug or an incompatible tool: OpenSSP starts at the reported address. Reset the chip and provision it again; report the audit log if it repeats." },
  { "phase-ff-fip-header", "Device: \"FIP Header check failed at 0x…\"",
    "START with 0xFFFFFFFF asked the SSP firmware to boot a FIP, which the SSP blob is not.",
    "A host bug or another tool's run: reset the chip and provision it with OpenSSP." },
  { "phase-ff-download-overflow", "Device: \"Download overflow at 0x…\"",
    "The host sent more than the blob buffer holds (license 136 bytes ‖ payload: 380 bytes on STM32MP15, 348 on STM32MP13).",
    "The payload is for another chip or damaged: check it with `openssp payload inspect`, build it for the chip (`openssp payload build --chip …`)." },
  /* provisioning preflight checks (docs/provision.md): nothing is burnt, no license spent */
  { "check-chip-family", "Preflight: chip family",
    "The chip's DEV_ID (read from the ROM) is not the chip the payload was built for.",
    "Use the payload built for this chip, or connect the right board. Nothing was sent to the chip." },
  { "check-firmware", "Preflight: SSP firmware (header, checksum, signature, key hash)",
    "The SSP firmware image has a header of another chip, a wrong checksum or signature, or is not signed with the key whose hash the payload burns: the closed chip would boot nothing.",
    "Sign the SSP firmware with the OEM key of this payload (`openssp image sign`, or `openssp project build`) and check it with `openssp image verify`." },
  { "check-hsm-state", "Preflight: HSM not locked",
    "The HSM is blank or only personalised: it gives licenses only once provisioned and locked.",
    "Provision and lock it in the secure room (`openssp hsm provision`, the HSM page)." },
  { "check-hsm-licenses", "Preflight: no license left",
    "The HSM has delivered every license it was provisioned with.",
    "Use a new HSM; `openssp hsm info` shows the counter." },
  { "check-hsm-products", "Preflight: HSM does not serve this chip family",
    "The HSM's personalisation lists no product id of this chip family.",
    "Use an HSM provisioned with the personalisation for this family (`openssp hsm perso-info`)." },
  { "check-audit-log", "Preflight: audit log not writable",
    "The audit log (--audit) cannot be opened, its last line is torn or not an OpenSSP record, or the disk has no room for the record (64 KiB are set aside before any license is spent). Nothing was spent.",
    "Free some disk space or give another log with `--audit FILE`; look at a refused log with `openssp audit verify`." },
  { "check-chip-virgin", "Preflight: chip not virgin",
    "At boot 1 the SSP firmware opened no link: SSP was already done on this chip, or it is closed.",
    "Take a new chip. A provisioned chip cannot be provisioned again." },
  { "check-chip-product", "Preflight: chip product id",
    "The chip certificate's product id is not the payload's chip, or not among the HSM's product ids. Checked before the license is asked for: no license was spent.",
    "Use the payload and HSM made for this product; `openssp hsm perso-info --product ID` shows which HSM files serve it." },
};

guint
ossp_error_catalogue_size (void)
{
  return G_N_ELEMENTS (catalogue);
}

const OsspErrorEntry *
ossp_error_catalogue_get (guint index)
{
  g_return_val_if_fail (index < G_N_ELEMENTS (catalogue), NULL);
  return &catalogue[index];
}

const OsspErrorEntry *
ossp_error_catalogue_lookup (const char *key)
{
  g_autofree char *lower = NULL;
  guint64 number;

  if (key == NULL)
    return NULL;
  lower = g_ascii_strdown (key, -1);
  /* an exit code ("4") names the error code with that exit status */
  if (g_ascii_string_to_unsigned (lower, 10, 1, 255, &number, NULL))
    {
      for (int code = OSSP_ERROR_FAILED; code <= OSSP_ERROR_STATE; code++)
        {
          g_autoptr(GError) e = g_error_new_literal (OSSP_ERROR, code, "");
          if (ossp_error_exit_code (e) == (int) number)
            return ossp_error_catalogue_lookup (ossp_error_code_to_name (code));
        }
    }
  for (guint i = 0; i < G_N_ELEMENTS (catalogue); i++)
    if (g_str_equal (catalogue[i].key, lower))
      return &catalogue[i];
  /* a device message as it was sent ("Download overflow at 0x2FFFF17C") */
  {
    static const struct { const char *prefix; const char *key; } messages[] = {
      { "provisioning", "phase-ff-provisioning" },
      { "invalid start", "phase-ff-invalid-start" },
      { "fip header check failed", "phase-ff-fip-header" },
      { "download overflow", "phase-ff-download-overflow" },
    };
    const char *text = lower;
    while (g_ascii_isspace (*text))
      text++;
    for (guint i = 0; i < G_N_ELEMENTS (messages); i++)
      if (g_str_has_prefix (text, messages[i].prefix))
        return ossp_error_catalogue_lookup (messages[i].key);
    /* a phase number ("0xF3", "phase 0xff") */
    if (g_str_has_prefix (text, "phase "))
      text += 6;
    if (g_str_equal (text, "0x01") || g_str_equal (text, "0xf3") || g_str_equal (text, "0xff"))
      {
        g_autofree char *phase = g_strdup_printf ("phase-%s", text + 2);
        return ossp_error_catalogue_lookup (phase);
      }
    /* a preflight check id ("firmware-signature" belongs to check-firmware) */
    {
      g_autofree char *check = g_str_has_prefix (text, "firmware") ? g_strdup ("check-firmware")
                                                                   : g_strdup_printf ("check-%s", text);
      for (guint i = 0; i < G_N_ELEMENTS (catalogue); i++)
        if (g_str_equal (catalogue[i].key, check))
          return &catalogue[i];
    }
  }
  /* a bare status word ("5501", "0x6982") */
  {
    const char *hex = g_str_has_prefix (lower, "0x") ? lower + 2 : lower;
    g_autofree char *sw = g_strdup_printf ("sw-%s", hex);
    if (!g_str_has_prefix (lower, "sw-"))
      for (guint i = 0; i < G_N_ELEMENTS (catalogue); i++)
        if (g_str_equal (catalogue[i].key, sw))
          return &catalogue[i];
  }
  return NULL;
}
