#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Fetch pinned Debian packages from suites this machine does not use.

    debian_fetch.py PINS CACHE [PACKAGE ...] [--copy PATH=DEST ...]

PINS lists "SUITE PACKAGE VERSION" lines (guest/linux/debian-packages.txt);
lines that end in "buildroot" are debian_buildroot.py's and skipped here.
The .deb files land in CACHE/debs and are unpacked into CACHE/root; a file
is fetched once and reused while its name (package_version) is the same.
apt-get runs with a private sources list, state and cache under CACHE
(-o Dir::Etc::sourcelist=... and friends): the machine's apt sources are
never changed and nothing is installed. With PACKAGE names, only those.
--copy PATH=DEST copies CACHE/root/PATH (a glob that must match one file) to DEST
afterwards (a build's output).
Exit 0 done, 1 a package could not be fetched or unpacked, 2 usage.
"""
import fcntl
import glob
import os
import shutil
import subprocess
import sys

MIRROR = "http://deb.debian.org/debian"
KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"


def read_pins(path, buildroot=False):
    """The (SUITE, PACKAGE, VERSION) pins of path: those unpacked here, or with buildroot=True
    those marked "buildroot" (debian_buildroot.py installs them into its root)."""
    pins = []
    for n, line in enumerate(open(path), 1):
        line = line.split("#", 1)[0].split()
        if not line:
            continue
        if len(line) not in (3, 4) or (len(line) == 4 and line[3] != "buildroot"):
            sys.exit(f"{os.path.basename(sys.argv[0])}: {path}:{n}: want SUITE PACKAGE VERSION [buildroot]")
        if (len(line) == 4) == buildroot:
            pins.append(tuple(line[:3]))
    return pins


def deb_name(pkg, version):
    # apt-get download names a file package_version_arch.deb with ':' of an epoch as %3a.
    return f"{pkg}_{version.replace(':', '%3a')}_"


def main():
    if len(sys.argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    pins_path, cache = sys.argv[1], os.path.abspath(sys.argv[2])
    pins = read_pins(pins_path)
    rest, copies = sys.argv[3:], []
    while "--copy" in rest:
        i = rest.index("--copy")
        if i + 1 >= len(rest) or "=" not in rest[i + 1]:
            print("debian_fetch: --copy wants PATH=DEST", file=sys.stderr)
            return 2
        copies.append(rest[i + 1].split("=", 1))
        del rest[i:i + 2]
    wanted = set(rest)
    if wanted - {p for _, p, _ in pins}:
        print(f"debian_fetch: not pinned in {pins_path}: {' '.join(sorted(wanted - {p for _, p, _ in pins}))}",
              file=sys.stderr)
        return 2
    pins = [p for p in pins if not wanted or p[1] in wanted]
    debs, root, apt = (os.path.join(cache, d) for d in ("debs", "root", "apt"))
    for d in (debs, root, os.path.join(apt, "lists", "partial"), os.path.join(apt, "cache", "archives", "partial")):
        os.makedirs(d, exist_ok=True)
    # One fetch at a time per cache: the build runs several targets that fetch (the kernel, OVMF) in parallel,
    # and two apt-get runs or unpacks in one directory would race. Held until this process exits.
    lock = open(os.path.join(cache, ".fetch.lock"), "w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    have = os.listdir(debs)
    missing = [(s, p, v) for s, p, v in pins if not any(f.startswith(deb_name(p, v)) for f in have)]
    if missing:
        sources = os.path.join(apt, "sources.list")
        with open(sources, "w") as f:
            for suite in sorted({s for s, _, _ in missing}):
                f.write(f"deb [signed-by={KEYRING}] {MIRROR} {suite} main\n")
        opts = ["-o", f"Dir::Etc::sourcelist={sources}", "-o", "Dir::Etc::sourceparts=-",
                "-o", f"Dir::State::Lists={apt}/lists", "-o", f"Dir::Cache={apt}/cache",
                "-o", "APT::Architecture=amd64", "-o", "APT::Sandbox::User=root", "-q"]
        print(f"debian_fetch: {len(missing)} package(s) from {', '.join(sorted({s for s, _, _ in missing}))}",
              flush=True)
        if subprocess.call(["apt-get", *opts, "update"], stdout=subprocess.DEVNULL) != 0:
            print("debian_fetch: apt-get update failed (network, or the suite's key?)", file=sys.stderr)
            return 1
        for s, p, v in missing:
            print(f"debian_fetch: {p} {v}", flush=True)
            if subprocess.call(["apt-get", *opts, "download", f"{p}={v}"], cwd=debs) != 0:
                print(f"debian_fetch: {p}={v} not fetched: is the pin still in {s}?", file=sys.stderr)
                return 1
    for s, p, v in pins:
        deb = next(f for f in os.listdir(debs) if f.startswith(deb_name(p, v)))
        stamp = os.path.join(root, ".unpacked-" + deb)
        if os.path.exists(stamp):
            continue
        if subprocess.call(["dpkg-deb", "-x", os.path.join(debs, deb), root]) != 0:
            print(f"debian_fetch: {deb} could not be unpacked", file=sys.stderr)
            return 1
        open(stamp, "w").close()
    for path, dest in copies:
        found = glob.glob(os.path.join(root, path.lstrip("/")))
        if len(found) != 1:
            print(f"debian_fetch: {path}: {len(found)} files match in the unpacked packages, not one",
                  file=sys.stderr)
            return 1
        try:
            shutil.copyfile(found[0], dest)
            shutil.copymode(found[0], dest)
        except OSError as e:
            print(f"debian_fetch: {e}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
