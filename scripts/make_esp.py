#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Build the EFI system partition a guest firmware boots Linux from.

    make_esp.py OUT.img --loader systemd-bootx64.efi --kernel vmlinuz
                --initrd initrd.gz --cmdline "LINE" [--title "TITLE"]

A FAT32 image (made with mtools' mformat and mcopy, no root or loop
device needed) holding the firmware's default boot loader for removable
media, \\EFI\\BOOT\\BOOTX64.EFI (UEFI 2.10 §3.5.1.1: the file a firmware
boots from a disk that has no boot entry of its own), which is
systemd-boot, and its one boot entry (the Boot Loader Specification,
type 1): \\loader\\loader.conf boots that entry at once (timeout 0, no
menu, no user input), \\loader\\entries\\debian.conf names the kernel,
the initrd and the command line, which lie in the root. The image is
sized to its files with room to spare (FAT32 needs at least 33 MiB).
Exit 0, 1 a file could not be read or the image not written (said), 2
usage.
"""
import argparse
import os
import subprocess
import sys
import tempfile

SECTOR = 512
MIN_BYTES = 64 << 20  # FAT32's smallest sizes want clusters to spare


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"make_esp: {' '.join(cmd)}: {r.stderr.strip() or 'failed'}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    for opt in ("loader", "kernel", "initrd", "cmdline"):
        ap.add_argument("--" + opt, required=True)
    ap.add_argument("--title", default="Debian Linux")
    a = ap.parse_args()
    if "\n" in a.cmdline or "\n" in a.title:
        sys.exit("make_esp: the command line and the title are one line each")
    try:
        payload = sum(os.path.getsize(p) for p in (a.loader, a.kernel, a.initrd))
    except OSError as e:
        sys.exit(f"make_esp: {e}")
    size = max(MIN_BYTES, (payload * 5 // 4 + (16 << 20)) // (1 << 20) * (1 << 20))
    tmp = a.out + ".tmp"
    with open(tmp, "wb") as f:
        f.truncate(size)
    # FAT32 (-F), 32 sectors a track and 64 heads (any geometry will do for a disk image), a fixed volume serial.
    run(["mformat", "-i", tmp, "-F", "-N", "5653e550", "-v", "VSNPBOOT", "-h", "64", "-s", "32",
         "-T", str(size // SECTOR), "::"])
    with tempfile.TemporaryDirectory() as d:
        conf = os.path.join(d, "loader.conf")
        entry = os.path.join(d, "debian.conf")
        with open(conf, "w") as f:
            f.write("timeout 0\ndefault debian.conf\nconsole-mode keep\n")
        with open(entry, "w") as f:
            f.write(f"title {a.title}\nlinux /vmlinuz\ninitrd /initrd.gz\noptions {a.cmdline}\n")
        run(["mmd", "-i", tmp, "::/EFI", "::/EFI/BOOT", "::/loader", "::/loader/entries"])
        for src, dst in ((a.loader, "::/EFI/BOOT/BOOTX64.EFI"), (conf, "::/loader/loader.conf"),
                         (entry, "::/loader/entries/debian.conf"), (a.kernel, "::/vmlinuz"),
                         (a.initrd, "::/initrd.gz")):
            run(["mcopy", "-i", tmp, "-D", "o", src, dst])
    os.replace(tmp, a.out)
    print(f"make_esp: {a.out}: FAT32, {size >> 20} MiB: systemd-boot as BOOTX64.EFI, one entry booting "
          f"vmlinuz with initrd.gz and '{a.cmdline}'")
    return 0


if __name__ == "__main__":
    sys.exit(main())
