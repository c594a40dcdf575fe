#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The relying party's side of the test guest's attestation (tier 3).

Boots the SVSM with the test guest (scripts/qemu_boot.py), takes the
nonce, manifest and report the guest printed, and checks them as a
relying party would:
  - the signature and chain: snp-verify with the vsnp chip's chain
    (vsnp-certs writes it from the public chip seed);
  - REPORT_DATA = SHA-512(nonce || manifest) (SVSM spec 58019, attestation protocol),
    computed here with hashlib, independently of the SVSM's mbedTLS;
  - MEASUREMENT = the launch digest snp-launch-digest computes from the
    launched file, and = the digest printed at launch (by the SEV-SNP
    machine's PSP when --svsm packs an IGVM file for vsnp.img, by the
    SVSM on the older in-SVSM path);
  - the guest's own report (MSG_REPORT_REQ through its GHCB): signed under
    the same chain, its REPORT_DATA the guest's, VMPL 2, the same
    MEASUREMENT.
Exit 0 when every check holds, 1 otherwise.
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

REPORT_SIZE = 0x4A0
MEASUREMENT = slice(0x90, 0x90 + 48)   # SNP ABI 56860, ATTESTATION_REPORT
REPORT_DATA = slice(0x50, 0x50 + 64)
VMPL = slice(0x30, 0x34)
CPUID_FAM_ID = 0x188                   # version 3 and later
SNP_FAMILIES = (0x19, 0x1A)            # the AMD families that have SEV-SNP


def fail(msg):
    print(f"attest_check: FAIL: {msg}")
    sys.exit(1)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--boot", required=True, help="scripts/qemu_boot.py")
    p.add_argument("--image", required=True)
    p.add_argument("--payload", required=True)
    p.add_argument("--snp-verify", required=True)
    p.add_argument("--vsnp-certs", required=True)
    p.add_argument("--launch-digest", required=True)
    p.add_argument("--svsm", help="svsm.img: --image is vsnp.img and boots svsm.img + payload as an IGVM file")
    p.add_argument("--igvm-build", help="the igvm-build tool (with --svsm)")
    a = p.parse_args()
    if bool(a.svsm) != bool(a.igvm_build):
        fail("--svsm and --igvm-build go together")
    with tempfile.TemporaryDirectory() as d:
        check(a, d)


def check(a, d):
    boot = [sys.executable, a.boot, "--image", a.image, "--payload", a.payload]
    digest_cmd = [a.launch_digest, a.payload]
    printed_re = r"^SVSM: launch digest ([0-9a-f]{96}) "
    if a.svsm:
        igvm = os.path.join(d, "svsm.igvm")
        r = subprocess.run([a.igvm_build, "--svsm", a.svsm, "--payload", a.payload, "-o", igvm],
                           capture_output=True, text=True)
        if r.returncode != 0:
            fail(f"igvm-build: {r.stdout}{r.stderr}")
        boot = [sys.executable, a.boot, "--image", a.image, "--payload", igvm, "--mem", "512M"]
        digest_cmd = [a.launch_digest, "--igvm", igvm]
        printed_re = r"^vsnp: launch digest ([0-9a-f]{96}) "
    run = subprocess.run(boot + ["--tap", "--expect", "pass"], capture_output=True, text=True, timeout=300)
    out = run.stdout
    if run.returncode != 0:
        sys.stdout.write(out[-4000:])
        fail(f"the guest run did not pass (qemu_boot exit {run.returncode})")
    got = dict(re.findall(r"^# attest ([\w-]+) ([0-9a-f]+)$", out, re.M))
    for k in ("nonce", "manifest", "report", "guest-data", "guest-report"):
        if k not in got:
            fail(f"the guest printed no '# attest {k}' line")
    nonce, manifest, report = (bytes.fromhex(got[k]) for k in ("nonce", "manifest", "report"))
    if len(nonce) != 64 or len(report) != REPORT_SIZE:
        fail(f"nonce {len(nonce)} bytes, report {len(report)} bytes (want 64 and {REPORT_SIZE})")
    m = re.search(printed_re, out, re.M)
    if not m:
        fail("no launch digest printed at launch")
    printed_digest = m.group(1)

    want_data = hashlib.sha512(nonce + manifest).hexdigest()
    host_digest, why = host_launch_digest(digest_cmd)
    if why:
        fail(why)

    why = vsnp_chain(a.vsnp_certs, d)
    if why:
        fail(why)

    def verify(blob, data_hex, what):
        ver = snp_verify(a.snp_verify, d, "report", blob, data_hex)
        print(ver.stdout, end="")
        if ver.returncode != 0:
            fail(f"snp-verify (signature, chain, REPORT_DATA) of {what} said no: exit {ver.returncode}")

    verify(report, want_data, "the SVSM's report")
    guest_report = bytes.fromhex(got["guest-report"])
    if len(guest_report) != REPORT_SIZE:
        fail(f"the guest's own report is {len(guest_report)} bytes (want {REPORT_SIZE})")
    verify(guest_report, got["guest-data"], "the guest's own report")
    if int.from_bytes(guest_report[VMPL], "little") != 2:
        fail("the guest's own report is not for VMPL2")
    if guest_report[MEASUREMENT] != report[MEASUREMENT]:
        fail("the guest's own report has another MEASUREMENT than the SVSM's")
    for blob, what in ((report, "the SVSM's report"), (guest_report, "the guest's own report")):
        if blob[CPUID_FAM_ID] not in SNP_FAMILIES:
            fail(f"{what} names CPU family 0x{blob[CPUID_FAM_ID]:x}, which has no SEV-SNP")

    measurement = report[MEASUREMENT].hex()
    print(f"attest_check: measurement      {measurement}")
    print(f"attest_check: snp-launch-digest {host_digest}")
    print(f"attest_check: printed at launch {printed_digest}")
    if report[REPORT_DATA].hex() != want_data:
        fail("REPORT_DATA is not SHA-512(nonce || manifest)")
    if measurement != host_digest:
        fail("the report's MEASUREMENT differs from snp-launch-digest of the payload file")
    if measurement != printed_digest:
        fail("the report's MEASUREMENT differs from the digest printed at launch")
    print("attest_check: signature, chain, REPORT_DATA and MEASUREMENT verified "
          "(the SVSM's report and the guest's own)")


if __name__ == "__main__":
    main()
