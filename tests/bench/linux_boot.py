#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Boot time of Debian's Linux under the SVSM beside a direct boot.

    linux_boot.py --vsnp-img F --svsm-img F --igvm-build T --kernel F --initrd F --cmdline S

The same kernel and initramfs, with svsm.bench=boot added to the command
line (the init then says it was reached and powers off, guest/linux/init),
boot twice in this run under the same QEMU (TCG, -smp 2):
  1. vsnp.img with the IGVM file: the emulated SNP machine, the SVSM at
     VMPL0, Linux at VMPL2 on 2 vCPUs;
  2. the kernel directly (-kernel/-initrd), no SNP, 256 MiB (about the RAM
     the SVSM gives the guest).
Prints, by the host's clock from QEMU's start, when /init was reached and
when QEMU ended, for each, and the ratios (the target is at most 2x), and
vsnp's exits by kind. Never fails on a figure; exit 1 when a run does not
reach /init.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

MARK = "# bench /init reached"
QEMU = ["qemu-system-x86_64", "-machine", "q35", "-cpu", "EPYC", "-accel", "tcg", "-smp", "2",
        "-display", "none", "-monitor", "none", "-no-reboot", "-serial", "stdio"]


def timed(cmd):
    """Runs QEMU; (seconds to the /init line or None, seconds to its end, the lines)."""
    t0 = time.monotonic()
    at_init, lines = None, []
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
    try:
        for line in p.stdout:
            lines.append(line.rstrip("\n"))
            if at_init is None and MARK in line:
                at_init = time.monotonic() - t0
        p.wait(timeout=600)
    finally:
        if p.poll() is None:
            p.kill()
    return at_init, time.monotonic() - t0, lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for opt in ("vsnp-img", "svsm-img", "igvm-build", "kernel", "initrd", "cmdline"):
        ap.add_argument("--" + opt, required=True)
    a = ap.parse_args()
    cmdline = a.cmdline + " svsm.bench=boot"
    with tempfile.TemporaryDirectory() as d:
        igvm = os.path.join(d, "boot.igvm")
        subprocess.run([a.igvm_build, "--svsm", a.svsm_img, "--linux", a.kernel, "--initrd", a.initrd,
                        "--append", cmdline, "-o", igvm], check=True, stdout=subprocess.DEVNULL)
        svsm = timed(QEMU + ["-m", "512M", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
                             "-kernel", a.vsnp_img, "-append", "vsnp.cpus=2", "-initrd", igvm])
    direct = timed(QEMU + ["-m", "256M", "-kernel", a.kernel, "-initrd", a.initrd, "-append", cmdline])
    print(f"{'seconds from QEMU start':<26}{'SVSM (vsnp)':>12}{'direct':>10}{'ratio':>8}")
    for i, what in ((0, "to /init"), (1, "to QEMU's end")):
        s, w = svsm[i], direct[i]
        ratio = f"{s / w:.2f}" if s and w else "-"
        print(f"{what:<26}{s if s is not None else float('nan'):>12.2f}"
              f"{w if w is not None else float('nan'):>10.2f}{ratio:>8}")
    for line in svsm[2]:
        if line.startswith(("vsnp: the vCPUs ran:", "vsnp: machine CPU time:", "vsnp: nested views:", "vsnp: time:", "vsnp: launch digest", "[INFO] run: guest RAM")):
            print(line)
    if svsm[0] is None or direct[0] is None:
        print("linux_boot: a run did not reach /init")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
