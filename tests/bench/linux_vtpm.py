#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""vTPM latency inside Debian's Linux: the SVSM's vTPM beside QEMU's standard one.

    linux_vtpm.py --vsnp-img F --svsm-img F --igvm-build T --kernel F --initrd F --cmdline S [--rounds N]

The same kernel and initramfs boot twice in each round (--rounds N, 3: the
figures are the medians, with the rounds' range beside them; a shared host
moves one run by tens of percent), each with
svsm.bench=vtpm added to the command line (the init then only times the
vTPM, guest/linux/init):
  1. at VMPL2 under the SVSM on vsnp (2 vCPUs on 2 CPUs, QEMU TCG): the
     vTPM is the SVSM's CPL3 module reached through SVSM_VTPM_CMD by the
     tpm_svsm driver;
  2. directly by the same QEMU under TCG, no SNP: the vTPM is swtpm (same
     libtpms) behind QEMU's tpm-crb device and Linux's tpm_crb driver.
Each run times, with the guest's clock (/proc/uptime, 10 ms), 200 raw
TPM2_GetRandom(32) commands written to /dev/tpmrm0 by shell built-ins, the
same loop's shell work without a TPM (shell-baseline: the guest's own speed,
which nested paging under TCG slows), and 20 runs each of
`tpm2 getrandom -v` (tpm2-process: the tools' process and libraries, which
print their version and exit before opening a TCTI), `tpm2 getrandom 32`
and `tpm2 pcrread sha256:0` (that process and a TPM command). Prints ms per
command and the ratio SVSM/swtpm (below 1: the SVSM's vTPM is the faster),
the raw command less the shell baseline and each tool run less
tpm2-process: the vTPM path alone. Then, per run of each loop, the
interrupts the guest took (its /proc/interrupts before and after: local
timer, function-call, TLB-shootdown and rescheduling IPIs), which under
vsnp are exits the direct run does not have. Both runs put QEMU's CPUs on one host
thread (-accel tcg,thread=single), as linux-vmpl2 does: with a thread per
CPU, QEMU 7.2 rarely loses a vCPU's state under vsnp (vsnp stops the run
and says so). Never fails on a figure; exit 1 only when a run gives no
figures.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

NAMES = ("raw-getrandom", "shell-baseline", "tpm2-process", "tpm2-getrandom", "tpm2-pcrread")


def figures(log):
    got = {}
    for name, runs, cs in re.findall(r"# bench ([\w-]+) (\d+) runs (\d+) centiseconds", log):
        got[name] = int(cs) * 10.0 / int(runs)
    return got


IRQ_KINDS = ("LOC", "CAL", "TLB", "RES")


def irqs_per_run(log):
    """{bench: {kind: interrupts per run}} from the init's before/after counts."""
    runs = {name: int(n) for name, n in re.findall(r"# bench ([\w-]+) (\d+) runs \d+ centiseconds", log)}
    seen = {}
    for name, when, counts in re.findall(r"# bench-irqs ([\w-]+) (before|after)((?: [A-Z]{3}=\d+)*)", log):
        seen.setdefault(name, {})[when] = dict((k, int(v)) for k, v in re.findall(r"([A-Z]{3})=(\d+)", counts))
    got = {}
    for name, both in seen.items():
        if name in runs and "before" in both and "after" in both:
            got[name] = {k: (both["after"].get(k, 0) - both["before"].get(k, 0)) / runs[name] for k in IRQ_KINDS}
    return got


def run_svsm(a, d, cmdline):
    igvm = os.path.join(d, "bench.igvm")
    subprocess.run([a.igvm_build, "--svsm", a.svsm_img, "--linux", a.kernel, "--initrd", a.initrd,
                    "--append", cmdline, "-o", igvm], check=True, stdout=subprocess.DEVNULL)
    logf = os.path.join(d, "svsm.log")
    boot = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "qemu_boot.py")
    t0 = time.monotonic()
    subprocess.run([sys.executable, boot, "--image", a.vsnp_img, "--payload", igvm, "--mem", "512M",
                    "--smp", "2", "--append", "vsnp.cpus=2", "--tcg-single", "--timeout", "400", "--expect", "any", "--quiet",
                    "--log", logf])
    return open(logf, errors="replace").read(), time.monotonic() - t0


def run_direct(a, d, cmdline):
    sock = os.path.join(d, "swtpm.sock")
    state = os.path.join(d, "swtpm-state")
    os.makedirs(state)
    swtpm = subprocess.Popen(["swtpm", "socket", "--tpm2", "--tpmstate", f"dir={state}",
                              "--ctrl", f"type=unixio,path={sock}"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    for _ in range(100):
        if os.path.exists(sock):
            break
        time.sleep(0.05)
    logf = os.path.join(d, "direct.log")
    t0 = time.monotonic()
    try:
        with open(logf, "w") as out:
            subprocess.run(["qemu-system-x86_64", "-machine", "q35", "-cpu", "EPYC", "-accel", "tcg,thread=single", "-m", "512M",
                            "-smp", "2", "-display", "none", "-monitor", "none", "-no-reboot",
                            "-serial", "stdio", "-kernel", a.kernel, "-initrd", a.initrd, "-append", cmdline,
                            "-chardev", f"socket,id=chrtpm,path={sock}", "-tpmdev", "emulator,id=tpm0,chardev=chrtpm",
                            "-device", "tpm-crb,tpmdev=tpm0"], stdout=out, stderr=subprocess.STDOUT,
                           timeout=400)
    finally:
        swtpm.kill()
        swtpm.wait()
    return open(logf, errors="replace").read(), time.monotonic() - t0


def median(xs):
    xs = sorted(x for x in xs if x is not None)
    return xs[len(xs) // 2] if xs else None


def derived(f):
    """The rows computed from a run's own figures: each TPM path less its baseline."""
    out = {}
    for row, (a, b) in (("raw-getrandom less the baseline", ("raw-getrandom", "shell-baseline")),
                        ("tpm2-getrandom less the process", ("tpm2-getrandom", "tpm2-process")),
                        ("tpm2-pcrread less the process", ("tpm2-pcrread", "tpm2-process"))):
        if a in f and b in f:
            out[row] = f[a] - f[b]
    return out


def row(name, runs_s, runs_w):
    s, w = median(r.get(name) for r in runs_s), median(r.get(name) for r in runs_w)
    ratio = f"{s / w:.2f}" if s is not None and w is not None and s > 0 and w > 0 else "-"
    spread = ""
    if len(runs_s) > 1:
        def span(runs):
            xs = [r[name] for r in runs if name in r]
            return f"{min(xs):.1f}-{max(xs):.1f}" if xs else "-"
        spread = f"   {span(runs_s)} / {span(runs_w)}"
    nan = float("nan")
    print(f"{name:<34}{s if s is not None else nan:>12.2f}{w if w is not None else nan:>16.2f}{ratio:>8}{spread}")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for opt in ("vsnp-img", "svsm-img", "igvm-build", "kernel", "initrd", "cmdline"):
        p.add_argument("--" + opt, required=True)
    p.add_argument("--rounds", type=int, default=3,
                   help="pairs of runs, one of each in turn (the figures are the medians; default 3)")
    a = p.parse_args()
    if a.rounds < 1:
        p.error("--rounds must be at least 1")
    if not shutil.which("swtpm"):
        print("linux_vtpm: swtpm is missing (apt-get install swtpm)")
        return 1
    cmdline = a.cmdline + " svsm.bench=vtpm"
    svsm, direct, svsm_irqs, direct_irqs, failed = [], [], [], [], []
    for r in range(a.rounds):
        with tempfile.TemporaryDirectory() as d:
            svsm_log, svsm_s = run_svsm(a, d, cmdline)
            direct_log, direct_s = run_direct(a, d, cmdline)
        for log, what in ((svsm_log, "SVSM"), (direct_log, "direct")):
            for line in re.findall(r"# bench [\w-]+: the command failed", log):
                failed.append(f"round {r + 1}, {what} run: {line[2:]}")
        fs, fw = figures(svsm_log), figures(direct_log)
        if not fs or not fw:
            print(f"linux_vtpm: round {r + 1}: a run gave no figures (see its console: rerun with the commands above)")
            return 1
        fs.update(derived(fs))
        fw.update(derived(fw))
        svsm.append(fs)
        direct.append(fw)
        svsm_irqs.append(irqs_per_run(svsm_log))
        direct_irqs.append(irqs_per_run(direct_log))
        print(f"linux_vtpm: round {r + 1} of {a.rounds}: SVSM run {svsm_s:.0f} s, direct run {direct_s:.0f} s (QEMU TCG); "
              f"tpm2-getrandom {fs.get('tpm2-getrandom', float('nan')):.1f} / {fw.get('tpm2-getrandom', float('nan')):.1f} ms",
              flush=True)
    print(f"linux_vtpm: the same kernel and initramfs, medians of {a.rounds} rounds"
          + (" (then the range of the rounds, SVSM / swtpm)" if a.rounds > 1 else ""))
    print(f"{'ms per command':<34}{'SVSM vTPM':>12}{'swtpm+tpm-crb':>16}{'ratio':>8}")
    for name in NAMES + tuple(derived({n: 0.0 for n in NAMES})):
        row(name, svsm, direct)
    print("interrupts per run, as the guest counts them (local timer, function-call, TLB and rescheduling IPIs; medians):")
    for name in NAMES:
        for what, rounds in (("SVSM", svsm_irqs), ("direct", direct_irqs)):
            got = [r[name] for r in rounds if name in r]
            if got:
                print(f"  {name:<18}{what:<8}" + " ".join(f"{k}={median(g[k] for g in got):.1f}" for k in IRQ_KINDS))
    for line in failed:
        print(f"linux_vtpm: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
