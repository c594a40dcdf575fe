#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""vTPM latency inside Debian's Linux: the SVSM's vTPM beside QEMU's standard one.

    linux_vtpm.py --vsnp-img F --svsm-img F --igvm-build T --kernel F --initrd F --cmdline S

The same kernel and initramfs boot twice in this run, each with
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
tpm2-process: the vTPM path alone. Both runs put QEMU's CPUs on one host
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


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for opt in ("vsnp-img", "svsm-img", "igvm-build", "kernel", "initrd", "cmdline"):
        p.add_argument("--" + opt, required=True)
    a = p.parse_args()
    if not shutil.which("swtpm"):
        print("linux_vtpm: swtpm is missing (apt-get install swtpm)")
        return 1
    cmdline = a.cmdline + " svsm.bench=vtpm"
    with tempfile.TemporaryDirectory() as d:
        svsm_log, svsm_s = run_svsm(a, d, cmdline)
        direct_log, direct_s = run_direct(a, d, cmdline)
    svsm, direct = figures(svsm_log), figures(direct_log)
    print(f"linux_vtpm: the same kernel and initramfs; SVSM run {svsm_s:.0f} s, direct run {direct_s:.0f} s (QEMU TCG)")
    print(f"{'ms per command':<34}{'SVSM vTPM':>12}{'swtpm+tpm-crb':>16}{'ratio':>8}")
    for name in NAMES:
        s, w = svsm.get(name), direct.get(name)
        ratio = f"{s / w:.2f}" if s and w else "-"
        print(f"{name:<34}{s if s is not None else float('nan'):>12.2f}"
              f"{w if w is not None else float('nan'):>16.2f}{ratio:>8}")
    if all(k in f for f in (svsm, direct) for k in ("raw-getrandom", "shell-baseline")):
        s = svsm["raw-getrandom"] - svsm["shell-baseline"]
        w = direct["raw-getrandom"] - direct["shell-baseline"]
        print(f"{'raw-getrandom less the baseline':<34}{s:>12.2f}{w:>16.2f}{(s / w if w > 0 else float('nan')):>8.2f}")
    for tool in ("tpm2-getrandom", "tpm2-pcrread"):
        if all(k in f for f in (svsm, direct) for k in (tool, "tpm2-process")):
            s = svsm[tool] - svsm["tpm2-process"]
            w = direct[tool] - direct["tpm2-process"]
            ratio = f"{s / w:.2f}" if s > 0 and w > 0 else "-"
            print(f"{tool + ' less the process':<34}{s:>12.2f}{w:>16.2f}{ratio:>8}")
    for log, what in ((svsm_log, "SVSM"), (direct_log, "direct")):
        for line in re.findall(r"# bench [\w-]+: the command failed", log):
            print(f"linux_vtpm: {what} run: {line[2:]}")
    if not svsm or not direct:
        print("linux_vtpm: a run gave no figures (see its console: rerun with the commands above)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
