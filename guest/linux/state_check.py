#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Debian's kernel at VMPL2, twice on one vTPM state disk (docs/ARCHITECTURE.md,
"The vTPM's state"): the first start finds no state, so its /init makes an
NV index, a persistent key (tpm2 evictcontrol) and a new owner auth; the
second start must find all three (and a quote with the persistent key must
verify), which it can only if the SVSM kept the TPM's state sealed on the
disk and opened it again. Both starts pass all their checks.

usage: state_check.py STATE_TOOL -- QEMU_BOOT_ARGS...   (qemu_boot.py's, without --drive)
"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    tool, boot_args = sys.argv[1], sys.argv[3:]
    qemu_boot = os.path.join(HERE, "..", "..", "scripts", "qemu_boot.py")
    failed = 0
    with tempfile.TemporaryDirectory(prefix="linux-state.") as d:
        disk = os.path.join(d, "state.img")
        subprocess.run([sys.executable, tool, "create", disk], check=True, capture_output=True)
        for run, want in ((1, "# vtpm persistence: created"), (2, "# vtpm persistence: found")):
            r = subprocess.run([sys.executable, qemu_boot, *boot_args, "--drive", disk, "--expect-line", want],
                               capture_output=True, text=True)
            ok = r.returncode == 0
            failed += 0 if ok else 1
            print(f"{'ok' if ok else 'not ok'} {run} - start {run} on the state disk: all checks pass, and "
                  f"'{want[2:]}'", flush=True)
            if not ok:
                print((r.stdout + r.stderr)[-4000:])
        print("1..2")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
