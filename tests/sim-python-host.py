#!/usr/bin/python3
# sim-python-host.py — a third, independent SSP host (Python + pycryptodome)
# written from ssp-flow.md §4.2/§4.3/§5.3/§7.3 and payload.md, driving a board
# served by `openssp sim uart` through all three boots and a 4th attempt.
# Usage: sim-python-host.py PTY   (exit 77 when pycryptodome is missing)
#
# SPDX-License-Identifier: GPL-3.0-or-later
import os, sys, time, tty, struct, hashlib, select
try:
    from Cryptodome.PublicKey import ECC
    from Cryptodome.Cipher import AES
    from Cryptodome.Signature import DSS
    from Cryptodome.Hash import SHA256
except ImportError:
    print('pycryptodome (python3-pycryptodome) is not installed')
    sys.exit(77)

pty = sys.argv[1]
fd = os.open(pty, os.O_RDWR | os.O_NOCTTY); tty.setraw(fd)
def rd(n, t=2.0):
    out = b''; end = time.time() + t
    while len(out) < n and time.time() < end:
        r, _, _ = select.select([fd], [], [], max(0, end - time.time()))
        if r: out += os.read(fd, n - len(out))
    return out
def expect(b):
    got = rd(len(b))
    assert got == b, (got.hex(), b.hex())
def cmd(c): os.write(fd, bytes([c, c ^ 0xff])); expect(b'\x79')
def download(op, data):
    for p, off in enumerate(range(0, len(data), 256)):
        ch = data[off:off+256]; h = bytes([op, p >> 16 & 255, p >> 8 & 255, p & 255])
        cmd(0x31); os.write(fd, h + bytes([h[0]^h[1]^h[2]^h[3]])); expect(b'\x79')
        x = len(ch) - 1
        for v in ch: x ^= v
        os.write(fd, bytes([len(ch) - 1]) + ch + bytes([x])); expect(b'\x79')
def start(a):
    b = struct.pack('>I', a); cmd(0x21); os.write(fd, b + bytes([b[0]^b[1]^b[2]^b[3]])); return rd(1)
oem = ECC.generate(curve='P-256')
X = int(oem.pointQ.x).to_bytes(32, 'big'); Y = int(oem.pointQ.y).to_bytes(32, 'big')
body = bytes(i * 7 & 255 for i in range(1024))
h = bytearray(256); h[0:4] = b'STM2'; h[0x44:0x48] = struct.pack('<I', sum(body))
h[0x48:0x4c] = struct.pack('<I', 0x10000); h[0x4c:0x50] = struct.pack('<I', len(body))
h[0x50:0x54] = struct.pack('<I', 0x2FFC2500); h[0x58:0x5c] = struct.pack('<I', 0x2FFC2400)
h[0x68:0x6c] = struct.pack('<I', 1); h[0x6c:0xac] = X + Y; h[0xff] = 0x10
sig = DSS.new(oem, 'fips-186-3').sign(SHA256.new(bytes(h[0x48:]) + body)); h[4:0x44] = sig
fsbl = bytes(h) + body
def rom_boot():
    os.write(fd, b'\x7f'); expect(b'\x79'); download(1, fsbl); assert start(0x2FFC2400) == b'\x79'
# boot 1
rom_boot(); expect(b'\x1f'); cmd(3); print('boot 1 phase:', rd(21))
# boot 2
rom_boot(); expect(b'\x1f'); cmd(0x12); os.write(fd, bytes([0xf3, 0, 0, 0, 0, 0xf3])); expect(b'\x79')
os.write(fd, b'\x87\x78'); expect(b'\x79'); cert = rd(136); expect(b'\x79')
print('certificate product id:', cert[:8])
n = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
root = ECC.construct(curve='P-256', d=int.from_bytes(hashlib.sha256(b'OpenSSP-root' + bytes([10])).digest(), 'big') % n)
DSS.new(root.public_key(), 'fips-186-3').verify(SHA256.new(cert[:72]), cert[72:])
print('certificate signature verifies with the OpenSSP root key 0x0A')
chip = ECC.construct(curve='P-256', point_x=int.from_bytes(cert[8:40], 'big'), point_y=int.from_bytes(cert[40:72], 'big'))
eph = ECC.generate(curve='P-256')
Z = int((chip.pointQ * eph.d).x).to_bytes(32, 'big')
kdf = hashlib.sha256(Z + b'\0\0\0\1').digest() + hashlib.sha256(Z + b'\0\0\0\2').digest()
iv = bytes(range(0x40, 0x4c)) + b'\0\0\0\0'; key = bytes(range(0x80, 0x90))
lic = b'SSP.' + struct.pack('<III', 0, 1, 0) + bytes(8) + int(eph.pointQ.x).to_bytes(32, 'big') + int(eph.pointQ.y).to_bytes(32, 'big')
c = AES.new(kdf[:16], AES.MODE_GCM, nonce=kdf[16:28]); c.update(lic + kdf[32:64]); ct, tag = c.encrypt_and_digest(iv + key)
lic += ct + tag
secrets = struct.pack('<I', 0x1234ABCD) + b''.join(struct.pack('<I', (0x01010101 * i) if i % 5 else 0) for i in range(1, 38))
hdr = b'SSPP' + struct.pack('<I', 1) + X + Y + struct.pack('<I', len(secrets))
c = AES.new(key, AES.MODE_GCM, nonce=iv[:12]); c.update(hdr); ct, tag = c.encrypt_and_digest(secrets)
payload = hdr + tag + ct + bytes(152 - len(ct))
download(0xf3, lic + payload); assert start(0x2FFFF000) == b'\x79'; cmd(3); print('boot 2 end:', rd(36))
# boot 3
rom_boot(); assert rd(1, 1.5) == b'', 'resync NACK: SSP restarted'
os.write(fd, b'\x7f'); expect(b'\x79'); cmd(3); print('after boot 3, ROM phase:', rd(8).hex())
# a 4th attempt
rom_boot(); assert rd(1, 1.5) == b'', 'a provisioned chip must open no link'
print('4th attempt: no resync NACK -> already provisioned or closed')
