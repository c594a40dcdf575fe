#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The vTPM module as a host process (docs/ARCHITECTURE.md, Tests).

1. tpm2-tools against one module lifetime (vtpm_session.py keeps it
   alive across tool runs): tpm2_startup, tpm2_getrandom, tpm2_pcrextend
   and tpm2_pcrread (the value checked against SHA-256 computed here),
   tpm2_createprimary of an ECC P-256 signing key, tpm2_quote over the
   extended PCR, checked with tpm2_checkquote (and refused with the wrong
   nonce).
2. The module's own stream rules, with raw bytes: a clean end exits 0, a
   malformed TPM command gets a TPM error response and the module goes
   on (a 4096-byte one too), commands arriving a byte at a time are
   served once whole, a size outside 10..4096 is answered TPM_RC_COMMAND_SIZE and ends
   it (exit 2), a command cut short ends it (exit 2).
Prints TAP; exit 1 on any failure.
"""
import hashlib
import re
import os
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
n = 0
failed = 0


def check(ok, what):
    global n, failed
    n += 1
    failed += 0 if ok else 1
    print(f"{'ok' if ok else 'not ok'} {n} - {what}", flush=True)


def tool(tcti, *args, cwd):
    r = subprocess.run(["tpm2_" + args[0], "-T", tcti, *args[1:]], capture_output=True, text=True,
                       cwd=cwd, timeout=120)
    if r.returncode != 0:
        print(f"# tpm2_{args[0]}: {r.stderr.strip()}")
    return r


def tpm2_tools(module, d):
    sock = os.path.join(d, "vtpm.sock")
    srv = subprocess.Popen([sys.executable, os.path.join(HERE, "vtpm_session.py"), "serve", sock, module],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for _ in range(100):
        if os.path.exists(sock):
            break
        time.sleep(0.05)
    tcti = f"cmd:{sys.executable} {os.path.join(HERE, 'vtpm_session.py')} relay {sock}"
    try:
        check(tool(tcti, "startup", "-c", cwd=d).returncode == 0, "tpm2_startup -c")
        r = tool(tcti, "getrandom", "--hex", "32", cwd=d)
        check(r.returncode == 0 and len(bytes.fromhex(r.stdout.strip())) == 32, "tpm2_getrandom 32 bytes")
        r2 = tool(tcti, "getrandom", "--hex", "32", cwd=d)
        check(r2.returncode == 0 and r2.stdout != r.stdout, "a second tpm2_getrandom differs")
        r = tool(tcti, "getcap", "pcrs", cwd=d)
        banks = re.findall(r"^\s*-\s*(\w+)\s*:\s*\[(.*)\]", r.stdout, re.M)
        check(r.returncode == 0 and [(b, p.strip() != "") for b, p in banks if p.strip()] == [("sha256", True)],
              "tpm2_getcap pcrs: one active bank, SHA-256 (the module's allocation at manufacture)")
        digest = hashlib.sha256(b"svsm-c vtpm e2e").hexdigest()
        check(tool(tcti, "pcrextend", f"16:sha256={digest}", cwd=d).returncode == 0, "tpm2_pcrextend PCR16")
        r = tool(tcti, "pcrread", "sha256:16", cwd=d)
        want = hashlib.sha256(bytes(32) + bytes.fromhex(digest)).hexdigest().upper()
        check(r.returncode == 0 and ("0x" + want) in r.stdout,
              "tpm2_pcrread: PCR16 = SHA-256(zeros || digest), the same module remembered it")
        r = tool(tcti, "createprimary", "-C", "o", "-G", "ecc256:ecdsa-sha256:null", "-a",
                 "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|restricted|sign", "-c", "ak.ctx",
                 cwd=d)
        check(r.returncode == 0, "tpm2_createprimary: ECC P-256 restricted signing key")
        nonce = "6e6f6e63652d31"
        r = tool(tcti, "quote", "-c", "ak.ctx", "-l", "sha256:16", "-q", nonce, "-m", "msg", "-s", "sig",
                 "-o", "pcrs", "-g", "sha256", cwd=d)
        check(r.returncode == 0, "tpm2_quote over PCR16")
        r = tool(tcti, "readpublic", "-c", "ak.ctx", "-f", "pem", "-o", "ak.pem", cwd=d)
        check(r.returncode == 0, "tpm2_readpublic of the key")
        chk = ["tpm2_checkquote", "-u", "ak.pem", "-m", "msg", "-s", "sig", "-f", "pcrs", "-g", "sha256"]
        r = subprocess.run(chk + ["-q", nonce], capture_output=True, text=True, cwd=d)
        check(r.returncode == 0 and want.lower() in r.stdout.lower(), "tpm2_checkquote: signature, nonce and PCR16")
        r = subprocess.run(chk + ["-q", "00112233"], capture_output=True, text=True, cwd=d)
        check(r.returncode != 0, "tpm2_checkquote with another nonce fails")
    finally:
        srv.terminate()
        srv.wait(timeout=10)


def run_module(module, data):
    r = subprocess.run([module], input=data, capture_output=True, timeout=60)
    return r.returncode, r.stdout, r.stderr.decode(errors="replace")


def cmd(tag, cc, body=b""):
    return struct.pack(">HII", tag, 10 + len(body), cc) + body


def stream_rules(module):
    startup = cmd(0x8001, 0x144, struct.pack(">H", 0))          # TPM2_Startup(SU_CLEAR)
    getrand = cmd(0x8001, 0x17B, struct.pack(">H", 8))          # TPM2_GetRandom(8)
    rc, out, _ = run_module(module, b"")
    check(rc == 0 and out == b"", "no input: exit 0, no output")
    rc, out, _ = run_module(module, startup + getrand)
    check(rc == 0 and len(out) == 10 + 10 + 2 + 8 and out[6:10] == bytes(4) and out[16:20] == bytes(4),
          "TPM2_Startup then TPM2_GetRandom(8): two success responses, 8 random bytes")
    bad_tag = cmd(0x1234, 0x17B, struct.pack(">H", 8))
    rc, out, _ = run_module(module, startup + bad_tag + getrand)
    rcs = [struct.unpack(">I", out[o + 6:o + 10])[0] for o in (0, 10)] if len(out) >= 20 else []
    check(rc == 0 and len(rcs) == 2 and rcs[0] == 0 and rcs[1] != 0 and len(out) == 40,
          "a bad tag gets a TPM error response and the next command is served")
    # A 4096-byte command fills the module's input buffer exactly; the command after it is still served.
    big = struct.pack(">HII", 0x8001, 4096, 0x17B) + struct.pack(">H", 8) + bytes(4096 - 12)
    rc, out, _ = run_module(module, startup + big + getrand)
    rcs = [struct.unpack(">I", out[o + 6:o + 10])[0] for o in (0, 10)] if len(out) >= 20 else []
    check(rc == 0 and len(rcs) == 2 and rcs[0] == 0 and rcs[1] != 0 and len(out) == 40,
          "a 4096-byte command gets a TPM error response and the next command is served")
    # A command that arrives a byte at a time is served once it is whole.
    p = subprocess.Popen([module], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    for b in startup + getrand:
        p.stdin.write(bytes([b]))
        p.stdin.flush()
        time.sleep(0.001)
    out, _ = p.communicate(timeout=60)
    check(p.returncode == 0 and len(out) == 30 and out[16:20] == bytes(4),
          "commands written a byte at a time: both answered")
    rc, out, err = run_module(module, struct.pack(">HII", 0x8001, 5000, 0x17B) + bytes(20))
    check(rc == 2 and out == struct.pack(">HII", 0x8001, 10, 0x142) and "outside" in err,
          "size 5000: TPM_RC_COMMAND_SIZE, then exit 2 with a reason")
    rc, out, err = run_module(module, struct.pack(">HII", 0x8001, 9, 0x17B))
    check(rc == 2 and out[6:10] == struct.pack(">I", 0x142), "size 9: TPM_RC_COMMAND_SIZE, exit 2")
    rc, out, err = run_module(module, struct.pack(">HII", 0x8001, 20, 0x17B) + bytes(4))
    check(rc == 2 and out == b"" and "cut short" in err, "a command cut short: exit 2, nothing answered")
    rc, out, err = run_module(module, getrand[:4])
    check(rc == 2 and "header" in err, "a header cut short: exit 2")
    rc, _, err = subprocess.run([module, "x"], capture_output=True, text=True).returncode, None, None
    check(rc == 2, "an argument: usage, exit 2")


def main():
    module = sys.argv[1]
    with tempfile.TemporaryDirectory() as d:
        tpm2_tools(module, d)
    stream_rules(module)
    print(f"1..{n}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
