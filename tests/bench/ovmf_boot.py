#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Phases of Debian's OVMF booting Debian's Linux at VMPL2 under the SVSM.

    ovmf_boot.py --vsnp-img F --igvm F --esp F [--rounds N]

Boots the firmware's IGVM file (guest/ovmf/ovmf.igvm) on the emulated SNP
machine with the ESP the build makes (guest/ovmf/esp.img) as its boot disk,
as test ovmf-linux does (QEMU TCG on one host thread, 2 vCPUs, 512 MiB),
and prints, by the host's clock from QEMU's start, when each phase began:
the SVSM's first line, the SVSM launching the firmware, OVMF's first output
(its boot manager, BdsDxe: Debian's release build prints nothing earlier),
Linux's first console line (loglevel 5: its first warning or notice), the
initramfs's /init (its TAP header), and the power off (QEMU's end), with
how long each phase took; then vsnp's report of the run: exits and CPU time
by kind, and by the phases the machine sees (to its first instruction
below VMPL0, to the boot disk's first request, the rest), nested views,
the boot disk, the SVSM's calls. --rounds N (1) boots N times and prints
the medians. Never fails on a figure; exit 1
when a run does not power off (its last lines are printed).
"""
import argparse
import re
import subprocess
import sys
import time

QEMU = ["qemu-system-x86_64", "-machine", "q35", "-cpu", "EPYC", "-smp", "1", "-accel", "tcg,thread=single",
        "-m", "1G", "-display", "none", "-monitor", "none", "-no-reboot", "-serial", "stdio",
        "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
# The phases, each by the first console line that matches.
MARKS = (("the SVSM starts", re.compile(r"^SVSM [0-9.]+ kernel starting")),
         ("the SVSM launches OVMF", re.compile(r"^SVSM: launching the guest firmware at VMPL2")),
         ("OVMF's first output", re.compile(r"BdsDxe: ")),
         ("Linux's first line", re.compile(r"^\[ *[0-9]+\.[0-9]{6}\] ")),
         ("/init (TAP header)", re.compile(r"TAP version 13")),
         ("power off", re.compile(r"^vsnp: the guest powered the machine off")))
REPORT = ("vsnp: the vCPUs ran:", "vsnp: machine CPU time:", "vsnp: by phase", "vsnp: nested views:", "vsnp: disk (",
          "vsnp: time:", "SVSM: calls served so far:")


def run_once(cmd):
    """QEMU once: ({phase: seconds from its start}, seconds to its end, the lines)."""
    t0 = time.monotonic()
    at, lines = {}, []
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
    try:
        for line in p.stdout:
            line = line.rstrip("\n")
            lines.append(line)
            for name, rx in MARKS:
                if name not in at and rx.search(line):
                    at[name] = time.monotonic() - t0
        p.wait(timeout=600)
    finally:
        if p.poll() is None:
            p.kill()
    return at, time.monotonic() - t0, lines


def median(xs):
    xs = sorted(x for x in xs if x is not None)
    return xs[len(xs) // 2] if xs else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for opt in ("vsnp-img", "igvm", "esp"):
        ap.add_argument("--" + opt, required=True)
    ap.add_argument("--rounds", type=int, default=1, help="boots (the figures are the medians; default 1)")
    a = ap.parse_args()
    if a.rounds < 1:
        ap.error("--rounds must be at least 1")
    cmd = QEMU + ["-kernel", a.vsnp_img, "-append", "vsnp.cpus=2 vsnp.mem=512", "-initrd", a.igvm,
                  "-drive", f"file={a.esp},if=none,id=vsnpboot,format=raw,readonly=on",
                  "-device", "virtio-blk-pci,drive=vsnpboot,disable-legacy=off,serial=vsnp-boot"]
    runs = []
    for r in range(a.rounds):
        runs.append(run_once(cmd))
        print(f"round {r + 1} of {a.rounds}: power off at {runs[-1][0].get('power off', float('nan')):.2f} s", flush=True)
    print(f"{'phase (seconds from QEMU start)':<34}{'begins':>8}{'lasts':>8}   (medians of {a.rounds})")
    names = [n for n, _ in MARKS]
    starts = [median(x[0].get(n) for x in runs) for n in names]
    for i, n in enumerate(names):
        nxt = next((s for s in starts[i + 1:] if s is not None), None)
        lasts = f"{nxt - starts[i]:8.2f}" if starts[i] is not None and nxt is not None else f"{'-':>8}"
        print(f"{n:<34}{starts[i]:8.2f}{lasts}" if starts[i] is not None else f"{n:<34}{'-':>8}{'-':>8}")
    print(f"{'QEMU ends':<34}{median(x[1] for x in runs):8.2f}")
    last = runs[len(runs) // 2][2]
    for line in last:
        if line.startswith(REPORT[:-1]):
            print(line)
    calls = [line for line in last if line.startswith(REPORT[-1])]
    if calls:
        print(calls[-1])
    failed = [x for x in runs if "power off" not in x[0]]
    for x in failed:
        print("ovmf_boot: a run did not power off; its last lines:")
        for line in x[2][-5:]:
            print("  " + line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
