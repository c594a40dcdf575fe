#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The vTPM's state across runs of the SVSM on vsnp (docs/ARCHITECTURE.md,
"The vTPM's state"), with a state disk file given to QEMU:

1. a fresh disk: a new TPM, its state sealed into the slots; a second run
   opens it and goes on from its version; the attested manifest shows the
   version, which tools/vtpm-rollback-check follows;
2. rollback: the first run's disk put back opens (nothing can stop that),
   and the relying party's check flags it;
3. another SVSM configuration (another command line in the IGVM file, so
   another measurement and key): refused, no vTPM, the disk untouched;
4. tampering: a bit flipped in both slots: refused, the disk untouched;
   in the newer slot only: the older opens, the damage reported;
5. power cut mid-write (vsnp.disk-cut=K, repeatable): before any sector,
   after one and after two of the three, the next run opens the previous
   version; after the whole write, the new one;
6. tools/vtpm-state reset: the next run is a new TPM.

usage: test_vtpm_state.py QEMU_BOOT VSNP_IMG IGVM_BUILD SVSM_IMG TEST_GUEST VTPM_STATE ROLLBACK_CHECK
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

SLOT = 512 * 1024
failures = 0


def check(ok, what, out=""):
    global failures
    print(("ok" if ok else "not ok") + " - " + what, flush=True)
    if not ok:
        failures += 1
        lines = out.splitlines()
        failed = [l + (" / " + lines[i + 1] if i + 1 < len(lines) and lines[i + 1].startswith("#") else "")
                  for i, l in enumerate(lines) if l.startswith("not ok")]
        sys.stdout.write("".join(f"# guest: {l}\n" for l in failed) + out[-3000:] + "\n")


class Runner:
    def __init__(self, argv, d):
        self.qemu_boot, self.vsnp, self.igvm_build, self.svsm, self.guest, self.tool, self.rp = argv[1:8]
        self.d = d
        self.igvm = {}

    def pack(self, name, cmdline):
        path = os.path.join(self.d, name + ".igvm")
        subprocess.run([self.igvm_build, "--svsm", self.svsm, "--payload", self.guest, "--cmdline", cmdline,
                        "-o", path], check=True, capture_output=True)
        self.igvm[name] = path

    def boot(self, disk, igvm="a", append=""):
        r = subprocess.run([sys.executable, self.qemu_boot, "--image", self.vsnp, "--payload", self.igvm[igvm],
                            "--cpu", "EPYC", "--smp", "2", "--tcg-single", "--mem", "512M",
                            "--append", ("vsnp.cpus=2 " + append).strip(), "--expect", "any", "--timeout", "180",
                            "--drive", disk], capture_output=True, text=True)
        return r.stdout + r.stderr

    def rollback_check(self, log, seen):
        m = re.search(r"^# attest manifest ([0-9a-f]+)$", log, re.M)
        if not m:
            return None, "no manifest in the log"
        path = os.path.join(self.d, "manifest.hex")
        with open(path, "w") as f:
            f.write(m.group(1))
        r = subprocess.run([sys.executable, self.rp, path, seen], capture_output=True, text=True)
        return r.returncode, r.stdout.strip()


def opened(log):
    m = re.search(r"vtpm: state disk: state version (\d+) \(\d+ bytes\) opened", log)
    return int(m.group(1)) if m else None


def attested(log):
    m = re.search(r"^# vtpm state: (\w+), version (\d+)", log, re.M)
    return (m.group(1), int(m.group(2))) if m else None


def passed(log):
    return "vsnp: the guest asked to terminate: GHCB reason set 14, code 0" in log and "not ok" not in log


def flip(path, off):
    with open(path, "r+b") as f:
        f.seek(off)
        b = f.read(1)
        f.seek(off)
        f.write(bytes([b[0] ^ 0x10]))


def main():
    if len(sys.argv) != 8:
        print(__doc__, file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="vtpm-state.") as d:
        t = Runner(sys.argv, d)
        t.pack("a", "")
        t.pack("b", "log=info")  # another command line: another measurement, another key
        disk = os.path.join(d, "state.img")
        seen = os.path.join(d, "seen")
        subprocess.run([sys.executable, t.tool, "create", disk], check=True, capture_output=True)

        # 1. Fresh, then again.
        log = t.boot(disk)
        a1 = attested(log)
        check(passed(log) and "no state yet: a new TPM" in log and a1 is not None and a1[0] == "persistent"
              and a1[1] >= 1, f"a fresh disk: a new TPM, its state sealed there (attested: {a1})", log)
        rc, verdict = t.rollback_check(log, seen)
        check(rc == 0 and verdict.startswith("ok"), f"relying party, first report: {verdict}")
        info = subprocess.run([sys.executable, t.tool, "info", disk], capture_output=True, text=True).stdout
        check(len(re.findall(r"^slot \d: version \d+, 1323 bytes sealed", info, re.M)) >= 1,
              "tools/vtpm-state info shows the sealed slots", info)
        first = os.path.join(d, "first.img")
        shutil.copy(disk, first)
        log = t.boot(disk)
        a2 = attested(log)
        check(passed(log) and opened(log) == a1[1] and a2 is not None and a2[1] > a1[1],
              f"a second run opens version {a1[1]} and goes on (attested: {a2})", log)
        rc, verdict = t.rollback_check(log, seen)
        check(rc == 0 and verdict.startswith("ok"), f"relying party, second report: {verdict}")

        # 2. Rollback: the first run's disk put back.
        shutil.copy(first, disk)
        log = t.boot(disk)
        check(passed(log) and opened(log) == a1[1],
              "a rolled-back disk opens (the SVSM alone cannot know better)", log)
        rc, verdict = t.rollback_check(log, seen)
        check(rc == 1 and verdict.startswith("rollback"), f"... and the relying party sees it: {verdict}")

        # 3. Another SVSM configuration: refused, the disk as it was.
        before = open(disk, "rb").read()
        log = t.boot(disk, igvm="b")
        check("sealed under another key" in log and "the vTPM is not offered" in log
              and "vtpm: module vtpm waiting" not in log and open(disk, "rb").read() == before,
              "state from another SVSM configuration: refused with its reason, no vTPM, the disk untouched", log)

        # 4. Tampering: both slots, then only the newer one.
        flip(disk, 0x80 + 100)
        flip(disk, SLOT + 0x80 + 100)
        before = open(disk, "rb").read()
        log = t.boot(disk)
        check("no slot of the state disk opens" in log and "the vTPM is not offered" in log
              and open(disk, "rb").read() == before,
              "a bit flipped in both slots: refused, never a new TPM over it, the disk untouched", log)
        flip(disk, 0x80 + 100)
        flip(disk, SLOT + 0x80 + 100)
        shutil.copy(disk, first)
        log = t.boot(disk)
        newest = opened(log)
        shutil.copy(first, disk)
        versions = [int(v) for v in re.findall(r"^slot \d: version (\d+)",
                                                subprocess.run([sys.executable, t.tool, "info", disk],
                                                               capture_output=True, text=True).stdout, re.M)]
        newer_slot = 0 if versions[0] > versions[1] else 1
        flip(disk, newer_slot * SLOT + 0x80 + 5)
        log = t.boot(disk)
        check(passed(log) and opened(log) == min(versions) and "damaged" in log,
              f"the newer slot tampered with: the older (version {min(versions)}) opens, the damage reported "
              f"(untampered it opened {newest})", log)

        # 5. Power cut during the run's first write (three sectors: header and 1323 bytes sealed).
        for cut, want_new in ((1, False), (2, False), (3, False), (4, True)):
            subprocess.run([sys.executable, t.tool, "reset", disk], check=True, capture_output=True)
            log = t.boot(disk)
            base = attested(log)
            log = t.boot(disk, append=f"vsnp.disk-cut={cut}")
            cut_said = f"POWER CUT (vsnp.disk-cut={cut})" in log
            log = t.boot(disk)
            got = opened(log)
            want = base[1] + 1 if want_new else base[1]
            check(cut_said and passed(log) and got == want and (cut in (1, 4) or "damaged" in log),
                  f"power cut before sector {cut} of the first write: the next run opens version {got} "
                  f"({'the new' if want_new else 'the previous'} one, {want})", log)

        # 6. The explicit reset.
        subprocess.run([sys.executable, t.tool, "reset", disk], check=True, capture_output=True)
        log = t.boot(disk)
        rc, verdict = t.rollback_check(log, seen)
        check(passed(log) and "no state yet: a new TPM" in log and rc == 1 and verdict.startswith("rollback"),
              f"after tools/vtpm-state reset: a new TPM, and a relying party that saw more says so: {verdict}", log)
    print(f"# {failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
