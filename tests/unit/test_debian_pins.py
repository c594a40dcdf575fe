#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The Linux guest's build inputs read from files: the pins file (scripts/debian_fetch.py's
read_pins, which debian_buildroot.py shares) and mkinitramfs.py's --files-from lists.
Good input and bad, each bad one refused with its reason and nothing written."""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.join(HERE, "..", "..", "scripts")
sys.path.insert(0, SCRIPTS)
import debian_fetch  # noqa: E402

failed = 0
n = 0


def check(cond, what):
    global failed, n
    n += 1
    print(f"{'ok' if cond else 'not ok'} {n} - {what}")
    failed += 0 if cond else 1


def pins_exit(text):
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write(text)
    try:
        return debian_fetch.read_pins(f.name), None
    except SystemExit as e:
        return None, str(e)
    finally:
        os.unlink(f.name)


good = "# comment\ntrixie a 1\n\ntrixie-backports b 2 buildroot  # why\n"
with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
    f.write(good)
check(debian_fetch.read_pins(f.name) == [("trixie", "a", "1")], "unpacked pins: the 3-column lines only")
check(debian_fetch.read_pins(f.name, buildroot=True) == [("trixie-backports", "b", "2")],
      "buildroot pins: the lines marked buildroot only")
os.unlink(f.name)
for text, what in (("trixie a\n", "two columns"), ("trixie a 1 elsewhere\n", "a fourth column other than buildroot"),
                   ("trixie a 1 buildroot extra\n", "five columns")):
    pins, err = pins_exit(text)
    check(pins is None and err and ":1: want SUITE PACKAGE VERSION [buildroot]" in err, f"pins file with {what}: refused, line named")

with tempfile.TemporaryDirectory() as d:
    bb, init, lib = (os.path.join(d, x) for x in ("busybox", "init", "lib"))
    with open(bb, "w") as f:
        f.write("#!/bin/sh\necho bin/sh\n")
    os.chmod(bb, 0o755)
    for p in (init, lib):
        with open(p, "w") as f:
            f.write("x")

    def mk(lines):
        lst, out = os.path.join(d, "list"), os.path.join(d, "out.gz")
        with open(lst, "w") as f:
            f.write(lines)
        if os.path.exists(out):
            os.unlink(out)
        r = subprocess.run([sys.executable, os.path.join(SCRIPTS, "mkinitramfs.py"), out, "--busybox", bb,
                            "--init", init, "--files-from", lst], capture_output=True, text=True)
        return r, os.path.exists(out)

    r, made = mk(f"{lib}:/lib/x.so\n")
    check(r.returncode == 0 and made, "mkinitramfs --files-from: a list of SRC:DEST lines")
    r, made = mk(f"{lib}:/lib/x.so\n{init}:/lib/x.so\n")
    check(r.returncode == 1 and not made and "more than one file for lib/x.so" in r.stderr,
          "mkinitramfs --files-from: two files for one path refused, no archive")
    r, made = mk(f"{d}/missing:/lib/y.so\n")
    check(r.returncode == 1 and not made, "mkinitramfs --files-from: a missing source refused, no archive")

print(f"1..{n}")
sys.exit(1 if failed else 0)
