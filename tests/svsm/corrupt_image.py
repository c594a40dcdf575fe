#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Corrupt the kernel ELF inside svsm.img in several ways; each must be refused.

Finds the kernel through the SVSM image header (include/svsm/image.h), writes
one corrupted copy per case, boots it, and expects stage1 to stop with
"kernel image rejected: <reason>" and the loader-failure exit status.
"""
import argparse
import os
import struct
import subprocess
import sys
import tempfile

HDR_OFFSET = 32
HDR_FORMAT = "<8sIIIIIIII"  # struct svsm_image_hdr


def read_header(img):
    magic, version, hdr_size, load_addr, file_size, mem_size, k_off, k_size, snp = \
        struct.unpack_from(HDR_FORMAT, img, HDR_OFFSET)
    if magic != b"SVSMIMG1" or version != 1 or hdr_size != 40:
        sys.exit(f"corrupt_image: {magic!r} v{version}: not an SVSM image header")
    if k_off + k_size > len(img) or file_size != len(img):
        sys.exit("corrupt_image: image header disagrees with the file size")
    return k_off, k_size


def cases(k):
    """(name, [(offset within the kernel ELF, bytes)], expected reason)."""
    return [
        ("flipped magic byte", [(1, b"\xba")], "bad ELF magic"),
        ("32-bit class", [(4, b"\x01")], "e_ident[EI_CLASS] is not ELFCLASS64"),
        ("wrong machine", [(18, struct.pack("<H", 3))], "e_machine is not EM_X86_64"),
        ("phoff past the end", [(32, struct.pack("<Q", k + 0x1000))],
         "program header table lies outside the file"),
        ("entry outside text", [(24, struct.pack("<Q", 0xFFFFFFFF80000000 - 0x1000))],
         "e_entry is not inside an executable segment"),
        ("bad ehsize", [(52, struct.pack("<H", 63))], "e_ehsize is not 64"),
    ]


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--image", required=True)
    p.add_argument("--boot", required=True, help="scripts/qemu_boot.py")
    args = p.parse_args()

    img = open(args.image, "rb").read()
    k_off, k_size = read_header(img)
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, patches, reason in cases(k_size):
            bad = bytearray(img)
            for off, data in patches:
                bad[k_off + off:k_off + off + len(data)] = data
            path = os.path.join(tmp, "corrupt.img")
            with open(path, "wb") as f:
                f.write(bad)
            r = subprocess.run([sys.executable, args.boot, "--image", path, "--quiet",
                                "--expect", "loader-fail", "--timeout", "30",
                                "--expect-line", "stage1: error: kernel image rejected: " + reason],
                               capture_output=True, text=True)
            status = "ok" if r.returncode == 0 else "FAILED"
            print(f"{status}: {name}: {r.stdout.strip().splitlines()[-1] if r.stdout else ''}")
            if r.returncode != 0:
                print(r.stdout + r.stderr)
                failures += 1
    print(f"corrupt_image: {len(cases(k_size)) - failures}/{len(cases(k_size))} corruptions refused")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
