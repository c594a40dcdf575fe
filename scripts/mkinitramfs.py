#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Build a Linux initramfs (a newc cpio archive, gzip-compressed).

    mkinitramfs.py OUT --busybox BUSYBOX --init INIT [--file SRC:DEST ...]
                   [--files-from LIST ...]

The archive holds the usual directories, BUSYBOX at /bin/busybox with a
link for each applet it lists (busybox --list), INIT at /init, and each
SRC at DEST (an .xz SRC decompressed); a LIST file holds more SRC:DEST
lines, one per line (debian_buildroot.py --bundle writes one). The newc format and the kernel's unpacking rules are in the
kernel's Documentation/driver-api/early-userspace/buffer-format.rst.
Every file is stored with mtime 0 and owner 0, in sorted order, so the
same inputs give the same bytes (and the same launch digest).
Exit 0, 1 an input is missing or unreadable, 2 usage.
"""
import argparse
import gzip
import lzma
import os
import stat
import subprocess
import sys

DIRS = ["bin", "sbin", "dev", "proc", "sys", "tmp", "etc", "lib", "lib/modules", "mnt", "run", "root", "usr",
        "usr/bin", "usr/sbin"]


class Cpio:
    def __init__(self):
        self.out = bytearray()
        self.ino = 1

    def entry(self, name, mode, data=b"", rdev=(0, 0)):
        name_b = name.encode() + b"\0"
        hdr = "070701" + "".join("%08X" % v for v in (
            self.ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(name_b), 0))
        self.ino += 1
        self.out += hdr.encode() + name_b
        self.out += b"\0" * (-len(self.out) % 4)
        self.out += data
        self.out += b"\0" * (-len(self.out) % 4)

    def trailer(self):
        self.entry("TRAILER!!!", 0)
        return bytes(self.out)


def read_input(path):
    """A file's bytes; an .xz file (Debian's kernel modules) decompressed, since busybox's insmod
    hands the kernel the module as it is."""
    data = open(path, "rb").read()
    return lzma.decompress(data) if path.endswith(".xz") else data


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--busybox", required=True)
    p.add_argument("--init", required=True)
    p.add_argument("--file", action="append", default=[], help="SRC:DEST")
    p.add_argument("--files-from", action="append", default=[], help="a file of SRC:DEST lines")
    a = p.parse_args()
    try:
        for lst in a.files_from:
            a.file += [line.strip() for line in open(lst) if line.strip()]
        dests = [f.split(":", 1)[-1].lstrip("/") for f in a.file]
        dup = sorted({d for d in dests if dests.count(d) > 1})
        if dup:
            raise ValueError(f"more than one file for {', '.join(dup)}")
        busybox = open(a.busybox, "rb").read()
        init = open(a.init, "rb").read()
        files = [(dest.lstrip("/"), read_input(src), os.stat(src).st_mode & 0o777)
                 for src, dest in (f.split(":", 1) for f in a.file)]
        applets = subprocess.run([a.busybox, "--list-full"], check=True, capture_output=True,
                                 text=True).stdout.split()
    except (OSError, subprocess.CalledProcessError, ValueError, lzma.LZMAError) as e:
        print(f"mkinitramfs: {e}", file=sys.stderr)
        return 1
    c = Cpio()
    dirs = set(DIRS)
    for dest, _, _ in files:
        parts = dest.split("/")[:-1]
        dirs.update("/".join(parts[:i]) for i in range(1, len(parts) + 1))
    for d in sorted(dirs):
        c.entry(d, stat.S_IFDIR | 0o755)
    # The console exists before devtmpfs is mounted: the kernel opens it for /init's stdio.
    c.entry("dev/console", stat.S_IFCHR | 0o600, rdev=(5, 1))
    c.entry("bin/busybox", stat.S_IFREG | 0o755, busybox)
    for ap in sorted(applets):
        if ap != "bin/busybox" and ap.split("/")[0] in ("bin", "sbin", "usr") and ap.count("/") <= 2:
            c.entry(ap, stat.S_IFLNK | 0o777, b"/bin/busybox")
    c.entry("init", stat.S_IFREG | 0o755, init)
    for dest, data, mode in sorted(files):
        c.entry(dest, stat.S_IFREG | mode, data)
    with open(a.out, "wb") as f:
        f.write(gzip.compress(c.trailer(), compresslevel=6, mtime=0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
