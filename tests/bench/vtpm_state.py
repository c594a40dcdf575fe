#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""What keeping the vTPM's state on a disk costs (docs/ARCHITECTURE.md, "The vTPM's state").

    vtpm_state.py --image VSNP_IMG --payload LINUX_IGVM --state-tool tools/vtpm-state

Boots Debian's kernel at VMPL2 under the SVSM on vsnp (the guest's /init
with its TAP checks and vTPM session, guest/linux/init) three times:
  volatile  no disk: the vTPM's state lives in memory (start-up only);
  new       a fresh state disk: /init finds nothing, so it makes an NV
            index, a persistent key and an owner auth;
  reopen    the same disk again: /init finds those three and removes them.
From the SVSM's log it prints, per run: the module's start-up time and
kind, the saves (after which command), bytes sealed per save and in all,
bytes per vTPM command (to the last command that saved; the guest's
commands, not the SVSM's own at start-up), and the time each save added to
the command that triggered it (sealed, written, flushed and read back
before the response goes to the guest): median, largest, the first. Never
fails on a figure; exit 1 only when a run gives no figures.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SAVE = re.compile(r"vtpm: state version (\d+) saved after (.+?): (\d+) bytes sealed, made durable in (\d+) us")
START = re.compile(r"vtpm: module \S+ waiting for commands after (\d+) ms of start-up \(([^;]+);")
COMMAND = re.compile(r"command (\d+) \((0x[0-9a-f]+)\)")
# TPM 2.0 Part 2, Table 12 (TPM_CC): the codes this session's saves come after.
CC_NAMES = {0x120: "EvictControl", 0x122: "NV_UndefineSpace", 0x129: "HierarchyChangeAuth",
            0x12a: "NV_DefineSpace", 0x131: "CreatePrimary", 0x137: "NV_Write", 0x144: "Startup",
            0x145: "Shutdown", 0x153: "Create", 0x157: "Load", 0x158: "Quote", 0x165: "FlushContext"}
START_UP = ("the module's start", "a start-up command")  # the SVSM's own, before the guest runs


def boot(a, d, name, drive):
    logf = os.path.join(d, name + ".log")
    args = [sys.executable, os.path.join(HERE, "..", "..", "scripts", "qemu_boot.py"), "--image", a.image,
            "--payload", a.payload, "--mem", "512M", "--smp", "2", "--tcg-single", "--append", "vsnp.cpus=2",
            "--timeout", "400", "--expect", "any", "--quiet", "--log", logf]
    if drive:
        args += ["--drive", drive]
    subprocess.run(args)
    return open(logf, errors="replace").read()


def report(name, log):
    start = START.search(log)
    saves = [(int(v), after, int(n), int(us)) for v, after, n, us in SAVE.findall(log)]
    if start is None:
        print(f"{name}: no vTPM start-up line in the log")
        return False
    print(f"{name}: module start-up {start.group(1)} ms ({start.group(2)})")
    if not saves:
        print(f"{name}: no saves")
        return True
    total = sum(s[2] for s in saves)
    last_cmd = max((int(m.group(1)) for s in saves for m in [COMMAND.search(s[1])] if m), default=0)
    times = [s[3] for s in saves]
    kinds = {}
    for s in saves:
        m = COMMAND.search(s[1])
        key = CC_NAMES.get(int(m.group(2), 16), m.group(2)) if m else s[1]
        kinds[key] = kinds.get(key, 0) + 1
    print(f"{name}: {len(saves)} saves, {min(s[2] for s in saves)}-{max(s[2] for s in saves)} bytes each, "
          f"{total} bytes in all; after: " + ", ".join(f"{k} x{c}" if c > 1 else k for k, c in kinds.items()))
    if last_cmd:
        nv_changes = sum(c for k, c in kinds.items() if k not in START_UP)
        print(f"{name}: {last_cmd} guest vTPM commands to the last save: {total / last_cmd:.0f} bytes per command, "
              f"{total / max(1, nv_changes):.0f} per command that changed NV ({nv_changes} of them)")
    print(f"{name}: time a save adds to its command: median {statistics.median(times) / 1000:.1f} ms, "
          f"largest {max(times) / 1000:.1f} ms, the first {times[0] / 1000:.1f} ms")
    return True


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--image", required=True, help="vsnp.img")
    p.add_argument("--payload", required=True, help="the Linux IGVM file (svsm.img, kernel, initramfs)")
    p.add_argument("--state-tool", required=True, help="tools/vtpm-state")
    a = p.parse_args()
    ok = True
    with tempfile.TemporaryDirectory(prefix="bench-vtpm-state.") as d:
        disk = os.path.join(d, "state.img")
        subprocess.run([sys.executable, a.state_tool, "create", disk], check=True, capture_output=True)
        for name, drive in (("volatile", None), ("new", disk), ("reopen", disk)):
            print(f"== {name}: booting ...", flush=True)
            ok &= report(name, boot(a, d, name, drive))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
