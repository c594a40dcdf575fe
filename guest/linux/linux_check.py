#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The relying party's side of the Linux guest's checks (test linux-vmpl2).

    linux_check.py --kernel F --initrd F --cmdline S --igvm F --snp-verify T
                   --vsnp-certs T --launch-digest T -- QEMU_BOOT_ARGS ...
    linux_check.py --boot firmware --igvm F --snp-verify T --vsnp-certs T
                   --launch-digest T -- QEMU_BOOT_ARGS ...

Boots the guest with scripts/qemu_boot.py QEMU_BOOT_ARGS (which must pass,
TAP and all), then checks what the guest printed, with values computed here
apart from the SVSM and the guest:
  - measured boot: "# measured boot: PCR N sha256 HEX" equal to the PCRs
    the SVSM's measurements give from the same files (linux_launch.h: PCR 9
    extended with SHA-256 of the kernel file, then of the initrd; PCR 8
    with SHA-256 of the command line; an extend makes a PCR
    SHA-256(old || digest), TPM 2.0 Part 1); with --boot firmware (a
    guest firmware booted the kernel from its disk: test ovmf-linux) the
    guest must say it skipped those checks instead, and the reports'
    MEASUREMENT is the launch digest of the firmware's IGVM file;
  - the guest's configfs-tsm report: snp-verify with the vsnp chain
    (vsnp-certs), REPORT_DATA its nonce, VMPL 2, MEASUREMENT the launch
    digest of the IGVM file (snp-launch-digest --igvm);
  - the SVSM's report (service_provider svsm): snp-verify, REPORT_DATA =
    SHA-512(nonce || manifest) (SVSM spec 58019, 7.1), the same
    MEASUREMENT, and a manifest that names the vTPM's service GUID.
Exit 0 when every check holds, 1 otherwise, 2 usage.
"""
import argparse
import hashlib
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from snp_rp import host_launch_digest, snp_verify, vsnp_chain  # noqa: E402

REPORT_SIZE = 0x4A0                    # SEV-SNP ABI 56860, ATTESTATION_REPORT
VMPL = slice(0x30, 0x34)
REPORT_DATA = slice(0x50, 0x90)
MEASUREMENT = slice(0x90, 0x90 + 48)
VTPM_GUID = bytes.fromhex("ebf176c42301a5459641b4e7dde5bfe3")  # c476f1eb-0123-45a5-9641-b4e7dde5bfe3


def fail(msg):
    print(f"linux_check: FAIL: {msg}")
    sys.exit(1)


def file_sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.digest()


def expected_pcrs(kernel, initrd, cmdline):
    def extend(pcr, digest):
        return hashlib.sha256(pcr + digest).digest()
    return {8: extend(bytes(32), hashlib.sha256(cmdline.encode()).digest()).hex(),
            9: extend(extend(bytes(32), file_sha256(kernel)), file_sha256(initrd)).hex()}


def blobs(log):
    """The "# attest NAME N HEX" pieces, joined per NAME in order; a gap is an error."""
    parts = {}
    for name, i, hexpart in re.findall(r"# attest ([\w-]+) (\d+) ([0-9a-f]+)\s*$", log, re.M):
        parts.setdefault(name, {})[int(i)] = hexpart
    out = {}
    for name, p in parts.items():
        if sorted(p) != list(range(len(p))):
            fail(f"the guest's '{name}' blob arrived with pieces missing ({sorted(p)})")
        out[name] = bytes.fromhex("".join(p[i] for i in range(len(p))))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for opt in ("igvm", "snp-verify", "vsnp-certs", "launch-digest"):
        ap.add_argument("--" + opt, required=True)
    for opt in ("kernel", "initrd", "cmdline"):
        ap.add_argument("--" + opt)
    ap.add_argument("--boot", choices=("svsm", "firmware"), default="svsm",
                    help="who launched the kernel: the SVSM (measured boot checked) or a guest firmware")
    ap.add_argument("--log", default="linux-console.log", help="the console log kept here (default: %(default)s)")
    argv = sys.argv[1:]
    if "--" not in argv:
        ap.print_usage(sys.stderr)
        return 2
    a = ap.parse_args(argv[:argv.index("--")])
    if a.boot == "svsm" and None in (a.kernel, a.initrd, a.cmdline):
        ap.error("--kernel, --initrd and --cmdline are needed when the SVSM launched the kernel")
    boot_args = argv[argv.index("--") + 1:]
    boot = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "qemu_boot.py")
    pcrs = {}
    try:
        if a.boot == "svsm":
            pcrs = expected_pcrs(a.kernel, a.initrd, a.cmdline)
    except OSError as e:
        fail(str(e))
    with tempfile.TemporaryDirectory() as d:
        logf = a.log
        print(f"linux_check: the console goes to {os.path.abspath(logf)}")
        r = subprocess.run([sys.executable, boot, *boot_args, "--log", logf])
        if r.returncode != 0:
            fail(f"the guest run did not pass (qemu_boot exit {r.returncode})")
        log = open(logf, errors="replace").read()
        for n, want in pcrs.items():
            if not re.search(rf"# measured boot: PCR {n} sha256 {want}\s*$", log, re.M):
                fail(f"PCR {n} is not {want}, the value the kernel, initrd and command line give")
        if pcrs:
            print(f"linux_check: PCR 8 {pcrs[8]} and PCR 9 {pcrs[9]}, as computed from the files")
        elif len(re.findall(r"ok \d+ - .* # SKIP booted by the guest firmware", log)) != 2:
            fail("booted by the firmware, the guest did not skip the SVSM's two measured-boot checks")
        else:
            print("linux_check: booted by the guest firmware: the SVSM's measured-boot checks skipped, as they must be")

        got = blobs(log)
        for k in ("guest-nonce", "guest-report", "svsm-nonce", "svsm-report", "svsm-manifest"):
            if k not in got:
                fail(f"the guest printed no '{k}'")
        for k in ("guest-report", "svsm-report"):
            if len(got[k]) != REPORT_SIZE:
                fail(f"{k}: {len(got[k])} bytes, not {REPORT_SIZE}")
        launch, why = host_launch_digest([a.launch_digest, "--igvm", a.igvm])
        if why:
            fail(why)
        why = vsnp_chain(a.vsnp_certs, d)
        if why:
            fail(why)

        def verify(name, data):
            v = snp_verify(a.snp_verify, d, name, got[name], data.hex())
            if v.returncode != 0:
                fail(f"snp-verify of {name} said no (exit {v.returncode}): {v.stdout.strip()} {v.stderr.strip()}")
            if got[name][MEASUREMENT].hex() != launch:
                fail(f"{name}: MEASUREMENT {got[name][MEASUREMENT].hex()} is not the launch digest {launch}")

        verify("guest-report", got["guest-nonce"])
        if int.from_bytes(got["guest-report"][VMPL], "little") != 2:
            fail("the guest's report is not for VMPL2")
        verify("svsm-report", hashlib.sha512(got["svsm-nonce"] + got["svsm-manifest"]).digest())
        if VTPM_GUID not in got["svsm-manifest"]:
            fail("the SVSM's services manifest does not name the vTPM")
        print(f"linux_check: both reports signed by the vsnp chain with MEASUREMENT {launch} "
              "(the IGVM file's launch digest); the guest's at VMPL2 with its report data, the SVSM's "
              "over its nonce and a manifest naming the vTPM")
    return 0


if __name__ == "__main__":
    sys.exit(main())
