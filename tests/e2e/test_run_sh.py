#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The main job's summary comes from this run only.

scripts/run.sh must not report a success that did not happen: with a CPU
that cannot run the payload (-cpu qemu64, no SVM) it says nothing was
launched and exits non-zero; with a bad --smp or --pcpus it refuses before booting and
prints nothing from an earlier run's log (it once said "launch digest
matches" from the previous run); a good run says the payload succeeded.
"""
import os
import subprocess
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
RUN = os.path.join(ROOT, "scripts", "run.sh")
failures = []


def run(*args):
    p = subprocess.run([RUN, *args], capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout + p.stderr


def expect(cond, what, out):
    if not cond:
        failures.append(what)
        sys.stdout.write(f"--- {what}\n{out[-2000:]}\n")
    print(("ok - " if cond else "not ok - ") + what)


rc, out = run()
expect(rc == 0 and "ran the payload at VMPL2, and it succeeded" in out and "launch digest matches" in out and
       "run.sh: the machine (vsnp): " in out and "run.sh: the guest (VMPL2): " in out and ", 0 failed" in out and
       "run.sh: the machine (vsnp): 2 vCPUs ran on 2 machine CPU(s)" in out and
       "run.sh: the SVSM (VMPL0): calls served, at its last count: " in out and
       "run.sh: the SVSM keeps 16 MiB of the VM's memory" in out and
       "run.sh: time: " in out and " ms from the machine's start (TSC 0) to the first instruction below VMPL0" in out,
       "a good run on the SNP machine: payload succeeded, launch digest matches, each layer reported, "
       "the SVSM's memory and the times, 2 vCPUs on 2 machine CPUs", out)

rc, out = run("--legacy")
expect(rc == 2 and "unknown argument '--legacy'" in out and "succeeded" not in out,
       "--legacy (the retired in-SVSM path): an unknown argument, refused", out)

for bad in ("x", "0", "-1", "9"):
    rc, out = run("--smp", bad)
    expect(rc == 2 and "launch digest" not in out and "succeeded" not in out,
           f"--smp {bad}: refused (exit 2), nothing reported from the earlier run", out)

for bad in ("x", "0", "9"):
    rc, out = run("--pcpus", bad)
    expect(rc == 2 and "launch digest" not in out and "succeeded" not in out,
           f"--pcpus {bad}: refused (exit 2), nothing reported from the earlier run", out)

rc, out = run("--cpu", "qemu64")
expect(rc != 0 and "no payload was launched" in out and "succeeded" not in out
       and "launch digest matches" not in out,
       "--cpu qemu64 (no SVM): nothing launched, said so, exit non-zero", out)

rc, out = run("--append", "guest.forbidden=svsm-read")
expect(rc != 0 and "FAILED" in out and "guest STOPPED" in out and "succeeded" not in out,
       "a guest the SVSM stops: FAILED with the reason", out)

sys.exit(1 if failures else 0)
