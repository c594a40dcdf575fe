#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The SHA-256 PCR values the SVSM's measured boot of a Linux launch gives.

    linux_pcrs.py KERNEL INITRD CMDLINE [-- QEMU_BOOT_ARGS ...]

Computed here from the files, apart from the SVSM: PCR 9 is extended with
SHA-256 of the kernel file, then of the initrd; PCR 8 with SHA-256 of the
command line's bytes (include/svsm/linux_launch.h). Each PCR starts at zero
and an extend makes it SHA-256(old || digest) (TPM 2.0 Part 1, PCR extend).
Prints "PCR 8 sha256 HEX" and "PCR 9 sha256 HEX"; with -- it instead runs
scripts/qemu_boot.py with those arguments, expecting the guest's lines
"# measured boot: PCR N sha256 HEX" to carry these values.
Exit 0, 1 a file unreadable, 2 usage; with --, qemu_boot.py's status.
"""
import hashlib
import os
import subprocess
import sys


def extend(pcr, digest):
    return hashlib.sha256(pcr + digest).digest()


def file_sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.digest()


def main():
    args = sys.argv[1:]
    rest = []
    if "--" in args:
        rest = args[args.index("--") + 1:]
        args = args[:args.index("--")]
    if len(args) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    kernel, initrd, cmdline = args
    try:
        pcr9 = extend(extend(bytes(32), file_sha256(kernel)), file_sha256(initrd))
    except OSError as e:
        print(f"linux_pcrs: {e}", file=sys.stderr)
        return 1
    pcr8 = extend(bytes(32), hashlib.sha256(cmdline.encode()).digest())
    lines = [f"PCR 8 sha256 {pcr8.hex()}", f"PCR 9 sha256 {pcr9.hex()}"]
    if not rest:
        print("\n".join(lines))
        return 0
    boot = os.path.join(os.path.dirname(os.path.abspath(__file__)), "qemu_boot.py")
    expect = [a for line in lines for a in ("--expect-re", f"# measured boot: {line}\\s*$")]
    return subprocess.call([sys.executable, boot, *rest, *expect])


if __name__ == "__main__":
    sys.exit(main())
