# SPDX-License-Identifier: MIT
"""A relying party's steps against the emulated SNP machine's chain, shared by the
attestation checks (tests/guest/attest_check.py, guest/linux/linux_check.py)."""
import os
import subprocess


def host_launch_digest(cmd):
    """The launch digest snp-launch-digest computes (cmd: the tool and its arguments): (hex, None) or (None, why)."""
    r = subprocess.run(cmd, capture_output=True, text=True)
    return (r.stdout.strip(), None) if r.returncode == 0 else (None, f"snp-launch-digest: {r.stderr.strip()}")


def vsnp_chain(vsnp_certs, d):
    """Writes ark.der, ask.der and vcek.der of the vsnp chip into d: None, or why not."""
    r = subprocess.run([vsnp_certs, d], capture_output=True, text=True)
    return None if r.returncode == 0 else f"vsnp-certs: {r.stderr.strip()}"


def snp_verify(tool, d, name, report, data_hex):
    """snp-verify of report (signature, chain in d, REPORT_DATA = data_hex): its CompletedProcess."""
    path = os.path.join(d, name + ".bin")
    with open(path, "wb") as f:
        f.write(report)
    return subprocess.run([tool, path, *(os.path.join(d, c) for c in ("ark.der", "ask.der", "vcek.der")),
                           "--report-data", data_hex], capture_output=True, text=True)
