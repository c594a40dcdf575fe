#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Build with Debian's own toolchain for the guest kernel: a trixie root.

    debian_buildroot.py PINS CACHE --module SRC_DIR KO_OUT --bundle LIST_OUT FILE...

Debian's linux-headers for the guest kernel want the compiler the kernel was
built with (gcc-14) and an objtool linked against trixie's glibc; Debian 12
has neither. So the "buildroot" lines of PINS (SUITE PACKAGE VERSION buildroot)
are installed, each at its pinned version with what it depends on, into a
trixie root at CACHE/buildroot by mmdebstrap (the machine's apt setup is never
used or changed). The root is made once and made again only when those lines
change (CACHE/buildroot.pins holds the lines it was made from).

--module builds the out-of-tree kernel module in SRC_DIR (its Kbuild names
one object) against the pinned linux-headers inside the root, and writes the
module, its debug sections stripped, to KO_OUT.
--bundle writes LIST_OUT: for each FILE (a path inside the root) and each
shared library it needs (the root's ldd), a line HOST_PATH:DEST that
mkinitramfs.py --files-from reads, HOST_PATH the file itself (links
resolved inside the root) and DEST the path the program looks for.
Exit 0 done, 1 the root, the build or a file failed, 2 usage.
"""
import glob
import os
import shutil
import subprocess
import sys

from debian_fetch import MIRROR, read_pins  # the same pins file, the same archive

CHROOT_SRC = "/build/module"


def fail(msg):
    print(f"debian_buildroot: {msg}", file=sys.stderr)
    sys.exit(1)


def read_buildroot_pins(path):
    pins = read_pins(path, buildroot=True)
    if not pins:
        fail(f"{path}: no buildroot packages pinned")
    return pins


def in_root(root, cmd, **kw):
    """Runs cmd chrooted in root, with its own /proc (objtool reads it) in a private mount
    namespace, so nothing stays mounted when it ends."""
    return subprocess.run(["unshare", "--mount", "--pid", "--fork", f"--mount-proc={root}/proc",
                           "chroot", root, *cmd], **kw)


def make_root(cache, pins):
    root = os.path.join(cache, "buildroot")
    stamp = os.path.join(cache, "buildroot.pins")
    want = "".join(f"{s} {p} {v}\n" for s, p, v in pins)
    if os.path.exists(stamp) and open(stamp).read() == want:
        return root
    if os.geteuid() != 0:
        fail("making the build root needs root (mmdebstrap, chroot): run as root, or via sudo")
    if not shutil.which("mmdebstrap"):
        fail("mmdebstrap is missing: apt-get install mmdebstrap")
    shutil.rmtree(root, ignore_errors=True)
    if os.path.exists(stamp):
        os.unlink(stamp)
    suites = sorted({s for s, _, _ in pins} | {"trixie"})
    print(f"debian_buildroot: making a trixie root with {', '.join(p for _, p, _ in pins)} "
          "(a few minutes, once)", flush=True)
    cmd = ["mmdebstrap", "--variant=apt", "--mode=root", "--quiet",
           "--include=" + ",".join(f"{p}={v}" for _, p, v in pins), "trixie", root]
    cmd += [f"deb {MIRROR} {s} main" for s in suites]
    if subprocess.call(cmd) != 0:
        shutil.rmtree(root, ignore_errors=True)
        fail("mmdebstrap failed (network? a pin no longer in its suite?)")
    with open(stamp, "w") as f:
        f.write(want)
    return root


def build_module(root, pins, src, ko_out):
    headers = [p for _, p, _ in pins if p.startswith("linux-headers-")]
    if len(headers) != 1:
        fail("want exactly one linux-headers package among the buildroot pins")
    kdir = "/usr/src/" + headers[0]
    dst = root + CHROOT_SRC
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(src, dst)
    r = in_root(root, ["make", "-s", "-C", kdir, f"M={CHROOT_SRC}", "modules"])
    kos = glob.glob(os.path.join(dst, "*.ko"))
    if r.returncode != 0 or len(kos) != 1:
        fail(f"the module in {src} did not build against {headers[0]}")
    ko = CHROOT_SRC + "/" + os.path.basename(kos[0])
    if in_root(root, ["strip", "--strip-debug", ko]).returncode != 0:
        fail(f"strip {ko} failed")
    shutil.copyfile(root + ko, ko_out)


def real_in_root(root, path):
    """path (absolute, inside root) with every symbolic link resolved inside root, not on the host."""
    parts, done, hops = [p for p in path.split("/") if p], "", 0
    while parts:
        p = parts.pop(0)
        cand = done + "/" + p
        if os.path.islink(root + cand):
            hops += 1
            if hops > 40:
                fail(f"{path}: too many links")
            target = os.readlink(root + cand)
            parts = [q for q in target.split("/") if q] + parts
            if target.startswith("/"):
                done = ""
        elif p == "..":
            done = done.rsplit("/", 1)[0]
        elif p != ".":
            done = cand
    return done


def bundle(root, files, list_out):
    entries = {}
    for f in files:
        if not os.path.lexists(root + f):
            fail(f"{f} is not in the build root")
        entries[f] = real_in_root(root, f)
        r = in_root(root, ["ldd", f], capture_output=True, text=True)
        if r.returncode != 0:
            fail(f"ldd {f}: {r.stderr.strip()}")
        for line in r.stdout.splitlines():
            w = line.split()
            if "=>" in w:
                lib = w[w.index("=>") + 1]
                if lib == "not":
                    fail(f"{f} needs {w[0]}, which the root does not have")
            elif w and w[0].startswith("/"):
                lib = w[0]          # the program interpreter
            else:
                continue            # the vDSO
            entries[lib] = real_in_root(root, lib)
    with open(list_out, "w") as out:
        for dest in sorted(entries):
            out.write(f"{root}{entries[dest]}:{dest}\n")


def main():
    args = sys.argv[1:]
    if len(args) < 7 or args[2] != "--module" or args[5] != "--bundle":
        print(__doc__.strip(), file=sys.stderr)
        return 2
    pins_path, cache = args[0], os.path.abspath(args[1])
    src, ko_out, list_out, files = args[3], args[4], args[6], args[7:]
    pins = read_buildroot_pins(pins_path)
    os.makedirs(cache, exist_ok=True)
    root = make_root(cache, pins)
    build_module(root, pins, src, ko_out)
    bundle(root, files, list_out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
