#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""snp-launch-digest --igvm against an independent reading of the formats.

This script writes IGVM files with Python's struct and zlib.crc32 (IGVM
format v1: the igvm_defs crate of github.com/microsoft/igvm) and computes
their SEV-SNP launch digest with hashlib (PAGE_INFO chain: SEV-SNP ABI
56860 §8.17, LD = SHA-384(PAGE_INFO) per page), then asks the C tool for the
same digest; and it checks that the tool refuses a corrupted file with a
reason and exit status 1.
"""
import hashlib
import os
import struct
import subprocess
import sys
import tempfile
import zlib

PAGE = 4096
SNP, NATIVE = 1, 2
VMSA_GPA = 0xFFFFFFFFF000
failures = 0


def check(ok, what):
    global failures
    print(("ok" if ok else "not ok") + " - " + what)
    failures += 0 if ok else 1


class Igvm:
    def __init__(self):
        self.headers = []  # (type, body bytes, data page or None, offset of file_offset in body)
        self.measured = []  # (gpa, page type, contents or None) in order, for the SNP platform

    def hdr(self, typ, body, data=None, field=None):
        self.headers.append((typ, body, data, field))

    def platform(self, mask, ptype, vtl):
        self.hdr(0x001, struct.pack("<IBBHQ", mask, vtl, ptype, 1, 0))

    def policy(self, mask, policy):
        self.hdr(0x101, struct.pack("<QII", policy, mask, 0))

    def area(self, index, nbytes):
        self.hdr(0x301, struct.pack("<QII", nbytes, index, 0))
        self.areas = getattr(self, "areas", {})
        self.areas[index] = nbytes

    def insert(self, mask, gpa, index):
        self.hdr(0x303, struct.pack("<QII", gpa, mask, index))
        if mask & SNP:
            for off in range(0, self.areas[index], PAGE):
                self.measured.append((gpa + off, 4, None))

    def page(self, mask, gpa, data, flags=0, dtype=0):
        body = struct.pack("<QIIIHH", gpa, mask, 0, flags, dtype, 0)
        page = None if data is None else data.ljust(PAGE, b"\0")
        self.hdr(0x302, body, page, 12)
        if mask & SNP and not flags & 4:
            kind = 4 if flags & 2 else {0: 1, 1: 5, 2: 6, 3: 6}[dtype]
            self.measured.append((gpa, kind, page if page is not None else bytes(PAGE)))

    def vp(self, mask, gpa, index, vmsa):
        self.hdr(0x304, struct.pack("<QIIHH", gpa, mask, 0, index, 0), vmsa, 12)
        if mask & SNP:
            self.measured.append((VMSA_GPA, 2, vmsa))

    def serialize(self):
        vh = b""
        fixups = []
        for typ, body, data, field in self.headers:
            start = len(vh)
            vh += struct.pack("<II", typ, len(body)) + body + b"\0" * (-len(body) % 8)
            if data is not None:
                fixups.append((start + 8 + field, data))
        data_off = (24 + len(vh) + PAGE - 1) // PAGE * PAGE
        vh = bytearray(vh)
        blob = b""
        for at, data in fixups:
            struct.pack_into("<I", vh, at, data_off + len(blob))
            blob += data
        total = data_off + len(blob)
        fixed = struct.pack("<IIIIII", 0x4D564749, 1, 24, len(vh), total, 0)
        crc = zlib.crc32(bytes(vh), zlib.crc32(fixed))
        fixed = struct.pack("<IIIIII", 0x4D564749, 1, 24, len(vh), total, crc)
        return fixed + bytes(vh) + b"\0" * (data_off - 24 - len(vh)) + blob

    def digest(self):
        ld = bytes(48)
        for gpa, kind, contents in self.measured:
            hashed = hashlib.sha384(contents).digest() if kind in (1, 2) else bytes(48)
            info = ld + hashed + struct.pack("<HBB4sQ", 0x70, kind, 0, bytes(4), gpa)
            ld = hashlib.sha384(info).digest()
        return ld.hex()


def main():
    tool = sys.argv[1]
    img = Igvm()
    img.platform(SNP, 2, 2)
    img.platform(NATIVE, 0, 0)
    img.policy(SNP, 0x30000)
    img.area(0, PAGE)
    img.hdr(0x307, struct.pack("<II", 0, 0))  # VP count into area 0
    img.area(1, 2 * PAGE)
    img.hdr(0x30C, struct.pack("<II", 1, 0))  # memory map into area 1
    img.insert(SNP, 0x10000, 0)
    img.insert(SNP, 0x11000, 1)
    code = bytes((i * 13 + 5) & 0xFF for i in range(PAGE))
    img.page(SNP | NATIVE, 0x100000, code)
    img.page(SNP, 0x101000, b"short data")
    img.page(SNP, 0x102000, None)
    img.page(SNP, 0x103000, None, flags=2)
    img.page(SNP, 0x104000, None, flags=4)
    img.page(SNP, 0x105000, None, dtype=1)
    img.page(SNP, 0x106000, None, dtype=2)
    img.page(NATIVE, 0x107000, code)
    img.vp(SNP, VMSA_GPA, 0, bytes((i * 3) & 0xFF for i in range(PAGE)))
    blob = img.serialize()

    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "t.igvm")
        with open(path, "wb") as f:
            f.write(blob)
        r = subprocess.run([tool, "--igvm", path], capture_output=True, text=True)
        check(r.returncode == 0 and r.stdout.strip() == img.digest(),
              "snp-launch-digest --igvm equals hashlib's PAGE_INFO chain over a zlib-checksummed file "
              f"({r.stdout.strip()[:16]}... vs {img.digest()[:16]}...)")
        n = len(img.measured)
        check(n == 10 and f"{n} pages measured" in r.stderr,
              "10 SNP pages measured (3 inserted, the 6 SNP data pages but the shared one, the VMSA): "
              + r.stderr.strip())

        bad = bytearray(blob)
        bad[30] ^= 1
        with open(path, "wb") as f:
            f.write(bad)
        r = subprocess.run([tool, "--igvm", path], capture_output=True, text=True)
        check(r.returncode == 1 and "checksum" in r.stderr and r.stdout == "",
              "a header byte changed: refused (exit 1), the checksum named, no digest")
        with open(path, "wb") as f:
            f.write(blob[:-1])
        r = subprocess.run([tool, "--igvm", path], capture_output=True, text=True)
        check(r.returncode == 1 and "truncated" in r.stderr, "a truncated file: refused, said so")
        native = Igvm()
        native.platform(NATIVE, 0, 0)
        native.page(NATIVE, 0x1000, code)
        with open(path, "wb") as f:
            f.write(native.serialize())
        r = subprocess.run([tool, "--igvm", path], capture_output=True, text=True)
        check(r.returncode == 1 and "no SEV-SNP platform" in r.stderr, "a file without SNP: refused, said so")
        r = subprocess.run([tool, "--igvm"], capture_output=True, text=True)
        check(r.returncode == 2 and "usage" in r.stderr, "--igvm without a file: usage, exit 2")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
