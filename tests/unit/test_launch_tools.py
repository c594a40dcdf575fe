#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The command lines of snp-launch-digest and vsnp-certs: good input,
and every kind of bad input refused with its exit status and a reason
(the digest's value itself is checked against the SVSM's in
tests/guest/attest_check.py)."""
import os
import subprocess
import sys
import tempfile

failures = 0


def run(*args):
    return subprocess.run(list(args), capture_output=True, text=True)


def check(ok, what):
    global failures
    print(("ok" if ok else "not ok") + " - " + what)
    failures += 0 if ok else 1


def main():
    digest, certs, payload = sys.argv[1:4]

    good = run(digest, payload)
    check(good.returncode == 0 and len(good.stdout.strip()) == 96 and
          all(c in "0123456789abcdef" for c in good.stdout.strip()),
          "snp-launch-digest: 96 hex digits for the test guest")
    check(run(digest, payload, "--cbit-pos", "39").stdout == good.stdout,
          "--cbit-pos 39 is the default")
    other = run(digest, payload, "--cbit-pos", "47")
    check(other.returncode == 0 and other.stdout != good.stdout,
          "another C-bit gives another digest (page tables and CR3 hold it)")
    check(run(digest, payload, "--vmpl", "3").stdout != good.stdout,
          "another VMPL gives another digest (the VMSA holds it)")
    check(run(digest, payload, "--sev-features", "5").stdout != good.stdout,
          "other SEV features give another digest")

    for args, status, what in [
        ((), 2, "no payload"),
        (("/nonexistent/payload",), 2, "missing file"),
        ((payload, "--cbit-pos", "52"), 2, "C-bit position above 51"),
        ((payload, "--cbit-pos", "31"), 2, "C-bit position below 32"),
        ((payload, "--cbit-pos", "x"), 2, "C-bit position not a number"),
        ((payload, "--vmpl", "0"), 2, "VMPL 0"),
        ((payload, "--vmpl", "-1"), 2, "negative VMPL"),
        ((payload, "--sev-features", "zz"), 2, "SEV features not hex"),
        ((payload, "--frobnicate"), 2, "unknown option"),
        ((payload, payload), 2, "two payloads"),
    ]:
        r = run(digest, *args)
        check(r.returncode == status and r.stdout == "" and r.stderr != "",
              f"snp-launch-digest refuses: {what} (exit {status}, a reason, no digest)")

    with tempfile.TemporaryDirectory() as d:
        junk = os.path.join(d, "junk.elf")
        with open(junk, "wb") as f:
            f.write(b"\x7fELF" + bytes(60))
        r = run(digest, junk)
        check(r.returncode == 1 and "refused" in r.stderr and r.stdout == "",
              "a broken ELF: exit 1 with the checker's reason")
        truncated = os.path.join(d, "short.elf")
        with open(payload, "rb") as f, open(truncated, "wb") as g:
            g.write(f.read()[:200])
        r = run(digest, truncated)
        check(r.returncode == 1 and r.stdout == "", "a truncated payload: exit 1, no digest")

        r = run(certs, d)
        names = ["ark.der", "ask.der", "vcek.der"]
        check(r.returncode == 0 and all(os.path.getsize(os.path.join(d, n)) > 0 for n in names),
              "vsnp-certs writes ark.der, ask.der, vcek.der")
        first = [open(os.path.join(d, n), "rb").read() for n in names]
        with tempfile.TemporaryDirectory() as d2:
            run(certs, d2)
            again = [open(os.path.join(d2, n), "rb").read() for n in names]
        check(first == again, "vsnp-certs: the same chain every time (the chip seed is fixed)")
        check(len(set(first)) == 3, "three different certificates")
        fresh = os.path.join(d, "new-dir")
        r = run(certs, fresh)
        check(r.returncode == 0 and [open(os.path.join(fresh, n), "rb").read() for n in names] == first,
              "vsnp-certs creates a missing output directory (as tools/README.md's example needs)")
        with open(os.path.join(d, "a-file"), "w") as f:
            f.write("x")
        r = run(certs, os.path.join(d, "a-file"))
        check(r.returncode == 2 and "a-file" in r.stderr, "vsnp-certs onto a file: exit 2, said why")
    check(run(certs).returncode == 2, "vsnp-certs without a directory: exit 2")
    check(run(certs, "/nonexistent/dir").returncode == 2, "vsnp-certs under a missing parent directory: exit 2")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
