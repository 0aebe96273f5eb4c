#!/bin/bash
# make-inputs.sh — the test inputs of the example projects (docs/examples/*/)
#
# Every value here is a made-up TEST value, printed in this script for all
# to see: never provision a real product with them. Keys are generated fresh
# on each run (random, encrypted with the test password below).
#
# usage: make-inputs.sh [EXAMPLES-DIR]   (OPENSSP=path/to/openssp to pick the CLI)
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu

here=$(cd "${1:-$(dirname "$0")}" && pwd)
openssp=${OPENSSP:-openssp}
run() { "$openssp" --quiet "$@" >/dev/null; }

# hex text → bytes, without xxd (not on every station)
bytes() { local hex=$1 out= ; while [ -n "$hex" ]; do out="$out\\x${hex:0:2}"; hex=${hex:2}; done; printf "$out"; }

# --- STM32MP15: one OEM key, secrets in OTP 60.., RMA password in a file ----
cd "$here/mp15"
rm -rf keys out
printf 'test-only-password\n' > keys.pw
chmod 600 keys.pw
run keys generate --chip stm32mp15 --out keys --password-file keys.pw
bytes 000102030405060708090a0b0c0d0e0f > enc_key.bin         # AES-128, TEST ONLY
bytes 0f0e0d0c0b0a09080706050400000000 > nonce.bin           # 12 bytes + 4 zero bytes
printf '0x2AAAAAAA\n' > rma.txt                              # MP15 keeps 30 bits
chmod 600 enc_key.bin nonce.bin rma.txt
rm -f otp.json
run otp new --chip stm32mp15 --out otp.json
run otp set otp.json 59 0x00000000 --label "board ID on ST boards: left 0"
run otp set otp.json 60 0x12345678 --label "product serial (test)"
run otp set otp.json 61 0xA1B2C3D4 --label "feature bits (test)"
bytes 00112233445566778899aabbccddeeff > oem-secret.key
chmod 600 oem-secret.key
run otp set-key otp.json --word 64 --key-file oem-secret.key --format 2 --label "OEM secret key (test)"
# a stand-in for TF-A's SSP image: 32 KiB of a test pattern with an unsigned header
rm -f firmware.bin tf-a-ssp.stm32
for i in $(seq 0 2047); do printf 'OpenSSP-TEST-FW!'; done > firmware.bin
run image build --in firmware.bin --chip stm32mp15 --entry-point 0x2FFC2500 --type fsbl --out tf-a-ssp.stm32

# --- STM32MP25: 8 OEM keys (PKHTH in OTP), backup SRAM and TAMP lists ------
cd "$here/mp25"
rm -rf keys out
printf 'test-only-password\n' > keys.pw
chmod 600 keys.pw
run keys generate --chip stm32mp25 --out keys --password-file keys.pw
bytes 101112131415161718191a1b1c1d1e1f > enc_key.bin
bytes 1f1e1d1c1b1a19181716151400000000 > nonce.bin
chmod 600 enc_key.bin nonce.bin
rm -f otp.json bkpsram.json tamp.json
run otp new --chip stm32mp25 --out otp.json
run otp set-pkhth otp.json --hash keys/publicKeysHashHashes.bin
run otp set otp.json 300 0x01020304 --lock --label "product ID (test)"
bytes 202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f > m33.key
chmod 600 m33.key
run backup new --chip stm32mp25 --memory bkpsram --base 0x42000000 --out bkpsram.json
run backup add bkpsram.json --offset 0x10 --hex 0011223344556677 --label "boot counter (test)"
run backup add bkpsram.json --data-file m33.key --wrap --cpu m33 --label "M33 key (test)"
run backup new --chip stm32mp25 --memory tamp --base 0x46010100 --out tamp.json
run backup add tamp.json --offset 0 --hex cafef00d --label "anti-rollback (test)"
rm -f firmware.bin tf-a-ssp.stm32
for i in $(seq 0 2047); do printf 'OpenSSP-TEST-FW!'; done > firmware.bin
run image build --in firmware.bin --chip stm32mp25 --entry-point 0x0E002600 --type fsbl --out tf-a-ssp.stm32
echo "Test inputs written under $here/mp15 and $here/mp25"
