#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Boot time of Debian's Linux under the SVSM beside a direct boot.

    linux_boot.py --vsnp-img F --svsm-img F --igvm-build T --kernel F --initrd F --cmdline S [--rounds N] [--tcg-single]

The same kernel and initramfs, with svsm.bench=boot added to the command
line (the init then says it was reached and powers off, guest/linux/init),
boot both ways in this run under the same QEMU (TCG, -smp 2):
  1. vsnp.img with the IGVM file: the emulated SNP machine, the SVSM at
     VMPL0, Linux at VMPL2 on 2 vCPUs;
  2. the kernel directly (-kernel/-initrd), no SNP, 256 MiB (about the RAM
     the SVSM gives the guest).
Prints, by the host's clock from QEMU's start, when /init was reached and
when QEMU ended, for each, and the ratios (the target is at most 2x), and
vsnp's exits by kind. --rounds N (3) boots each N times in turn and
reports the medians: on a shared host one boot varies by a second or
more. QEMU gives each CPU a host thread (MTTCG), so the emulated PSP's
hashing and the two vCPUs run in parallel as on a real host; with it,
QEMU 7.2 rarely loses a vCPU's state under vsnp (about one boot in 15-60;
vsnp stops and says so), and a round whose SVSM boot ended that way is
run again, said on its line (at most twice). --tcg-single puts all CPUs on
one host thread (-accel tcg,thread=single), as linux-vmpl2 does. Never
fails on a figure; exit 1 when a run does not reach /init for another
reason (its last lines are printed).
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

MARK = "# bench /init reached"
# vsnp's stop when QEMU wrote the machine's own state over a vCPU's (vsnp/cpu.c, holds_host_state).
QEMU_LOST_STATE = "its VMCB came back holding this machine's own state"
QEMU = ["qemu-system-x86_64", "-machine", "q35", "-cpu", "EPYC", "-smp", "2",
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


REPORT = ("vsnp: the vCPUs ran:", "vsnp: machine CPU time:", "vsnp: nested views:", "vsnp: time:",
          "vsnp: launch digest", "[INFO] run: guest RAM")


def median(xs):
    xs = sorted(x for x in xs if x is not None)
    return xs[len(xs) // 2] if xs else None


def fmt(x, width):
    return f"{x:>{width}.2f}" if x is not None else f"{'-':>{width}}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for opt in ("vsnp-img", "svsm-img", "igvm-build", "kernel", "initrd", "cmdline"):
        ap.add_argument("--" + opt, required=True)
    ap.add_argument("--rounds", type=int, default=3,
                    help="pairs of boots, one of each in turn (the figures are the medians; default 3)")
    ap.add_argument("--tcg-single", action="store_true",
                    help="all QEMU CPUs on one host thread (-accel tcg,thread=single) instead of one each")
    a = ap.parse_args()
    if a.rounds < 1:
        ap.error("--rounds must be at least 1")
    qemu = QEMU + ["-accel", "tcg,thread=single" if a.tcg_single else "tcg"]
    cmdline = a.cmdline + " svsm.bench=boot"
    svsm, direct = [], []
    with tempfile.TemporaryDirectory() as d:
        igvm = os.path.join(d, "boot.igvm")
        subprocess.run([a.igvm_build, "--svsm", a.svsm_img, "--linux", a.kernel, "--initrd", a.initrd,
                        "--append", cmdline, "-o", igvm], check=True, stdout=subprocess.DEVNULL)
        for r in range(a.rounds):
            again = 0
            while True:
                run = timed(qemu + ["-m", "512M", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
                                    "-kernel", a.vsnp_img, "-append", "vsnp.cpus=2", "-initrd", igvm])
                if run[0] is not None or again == 2 or not any(QEMU_LOST_STATE in line for line in run[2]):
                    break
                again += 1
                print(f"round {r + 1}: the SVSM boot stopped on QEMU's lost vCPU state (MTTCG); run again", flush=True)
            svsm.append(run)
            direct.append(timed(qemu + ["-m", "256M", "-kernel", a.kernel, "-initrd", a.initrd,
                                        "-append", cmdline]))
            print(f"round {r + 1} of {a.rounds}: /init at {fmt(svsm[-1][0], 0).strip()} s under the SVSM, "
                  f"{fmt(direct[-1][0], 0).strip()} s direct", flush=True)
    print(f"{'seconds from QEMU start':<26}{'SVSM (vsnp)':>12}{'direct':>10}{'ratio':>8}   (medians of {a.rounds})")
    for i, what in ((0, "to /init"), (1, "to QEMU's end")):
        s, w = median(x[i] for x in svsm), median(x[i] for x in direct)
        ratio = f"{s / w:.2f}" if s and w else "-"
        print(f"{what:<26}{fmt(s, 12)}{fmt(w, 10)}{ratio:>8}")
    # The machine's own report from the SVSM run whose /init time was the median.
    mid = sorted(svsm, key=lambda x: x[0] if x[0] is not None else float("inf"))[len(svsm) // 2]
    for line in mid[2]:
        if line.startswith(REPORT):
            print(line)
    failed = [(what, x) for what, runs in (("SVSM", svsm), ("direct", direct)) for x in runs if x[0] is None]
    for what, x in failed:
        print(f"linux_boot: a {what} run did not reach /init; its last lines:")
        for line in x[2][-5:]:
            print("  " + line)
    if failed:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
