#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""vsnp.img, the emulated SEV-SNP machine, launches an IGVM file as the
hypervisor and PSP do (issue 16, first step): the launch digest it reports
equals the one igvm-build computed on the host for the same file, the boot
CPU's VMSA is the one the file carries, and a bad file, no file or a CPU
without SVM are refused with the reason. Running the launched CPU is not
built yet, so every run ends as a failure that says so.
"""
import os
import re
import subprocess
import sys
import tempfile

failures = 0


def check(ok, what, out=""):
    global failures
    print(("ok" if ok else "not ok") + " - " + what)
    if not ok:
        failures += 1
        sys.stdout.write(out[-3000:] + "\n")


def boot(qemu_boot, vsnp_img, *args):
    r = subprocess.run([sys.executable, qemu_boot, "--image", vsnp_img, "--expect", "fail", "--timeout", "120",
                        *args], capture_output=True, text=True)
    return r.returncode, r.stdout


def main():
    qemu_boot, vsnp_img, igvm_build, svsm_img, payload = sys.argv[1:6]
    with tempfile.TemporaryDirectory() as d:
        igvm = os.path.join(d, "svsm.igvm")
        r = subprocess.run([igvm_build, "--svsm", svsm_img, "--payload", payload, "-o", igvm],
                           capture_output=True, text=True)
        m = re.search(r"^launch digest ([0-9a-f]{96})$", r.stdout, re.M)
        check(r.returncode == 0 and m is not None, "igvm-build: svsm.img + test guest", r.stdout + r.stderr)
        if m is None:
            sys.exit(1)
        rc, out = boot(qemu_boot, vsnp_img, "--payload", igvm)
        got = re.search(r"^vsnp: launch digest ([0-9a-f]{96}) \((\d+) pages measured\)$", out, re.M)
        check(rc == 0 and got is not None and got.group(1) == m.group(1),
              "vsnp's PSP reports the launch digest igvm-build computed" +
              (f" ({got.group(2)} pages)" if got else ""), out)
        check(re.search(r"^vsnp: boot CPU: VMPL0, RIP 0x1000[0-9a-f]{2}, RBX 0x[0-9a-f]+, CR0 0x31, EFER 0x1000, "
                        r"SEV_FEATURES 0x1$", out, re.M) is not None,
              "the boot CPU's VMSA from the file: VMPL0 at the image's SNP entry, 32-bit, SNPActive", out)
        check("vsnp: not run: running the launched CPUs is not built yet" in out,
              "the run says it stops before running the CPU", out)

        bad = os.path.join(d, "bad.igvm")
        blob = bytearray(open(igvm, "rb").read())
        blob[40] ^= 1
        with open(bad, "wb") as f:
            f.write(blob)
        rc, out = boot(qemu_boot, vsnp_img, "--payload", bad)
        check(rc == 0 and "vsnp: IGVM launch refused: IGVM checksum" in out, "a corrupted IGVM file: refused, checksum", out)
        rc, out = boot(qemu_boot, vsnp_img, "--payload", svsm_img)
        check(rc == 0 and "vsnp: IGVM launch refused: not an IGVM file" in out, "svsm.img itself: not an IGVM file", out)
        rc, out = boot(qemu_boot, vsnp_img)
        check(rc == 0 and "vsnp: nothing to launch: no IGVM file given" in out, "no file: nothing to launch", out)
        rc, out = boot(qemu_boot, vsnp_img, "--payload", igvm, "--cpu", "qemu64")
        check(rc == 0 and "vsnp: cannot run guests: this CPU has no SVM" in out, "no SVM: refused", out)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
