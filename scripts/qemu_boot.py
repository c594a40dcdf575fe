#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Boot an SVSM image under QEMU TCG and judge the run.

Streams the serial console, stops QEMU at a timeout, maps QEMU's exit
status back to the SVSM's exit code (include/svsm/exit_codes.h), resolves
backtrace addresses with addr2line, and checks what the caller expects.
Used by scripts/run.sh (the main job) and by `meson test`.

With --svsm and --igvm-build, --image is the SEV-SNP machine (vsnp.img):
svsm.img and --payload are packed into one IGVM file first (with
--igvm-cmdline as the SVSM's command line, which it hands to the payload), and the machine launches
that file, as a hypervisor on an SNP host would.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

# QEMU isa-debug-exit: status = (value << 1) | 1 (include/svsm/exit_codes.h).
STATUS = {
    33: ("pass", "the SVSM reported success"),
    35: ("fail", "the SVSM reported a failure"),
    37: ("loader-fail", "stage1 refused to boot"),
    0: ("reset", "the machine reset or powered off without reporting (triple fault?)"),
}
BACKTRACE_RE = re.compile(r"#(\d+)\s+0x([0-9a-f]{16})")


def qemu_command(args):
    cmd = [
        args.qemu, "-machine", "q35", "-cpu", args.cpu, "-accel", "tcg,thread=single" if args.tcg_single else "tcg",
        "-m", args.mem, "-smp", str(args.smp), "-display", "none",
        "-monitor", "none", "-no-reboot", "-serial", "stdio",
        "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
        "-kernel", args.image,
    ]
    if args.append:
        cmd += ["-append", args.append]
    if args.payload:
        # A Multiboot module: stage 1 hands it to the kernel as the VMPL2 payload.
        # QEMU splits -initrd at commas, so a path with one cannot be passed.
        cmd += ["-initrd", args.payload]
    if args.drive:
        # The SVSM's state disk: a raw file behind a transitional virtio-blk-pci
        # (the legacy I/O interface the SVSM's driver and vsnp's use).
        cmd += ["-drive", f"file={args.drive},if=none,id=svsmstate,format=raw,cache=writethrough",
                "-device", "virtio-blk-pci,drive=svsmstate,disable-legacy=off"]
    if args.boot_disk:
        # The guest's boot disk (a firmware VM boots from it): read-only, found by vsnp by its serial.
        cmd += ["-drive", f"file={args.boot_disk},if=none,id=vsnpboot,format=raw,readonly=on",
                "-device", "virtio-blk-pci,drive=vsnpboot,disable-legacy=off,serial=vsnp-boot"]
    if args.gdb:
        cmd += ["-s", "-S"]
    return cmd


def symbolize(line, symbols):
    m = BACKTRACE_RE.search(line)
    if not m or not symbols or not shutil.which("addr2line"):
        return line
    addr = int(m.group(2), 16)
    # Return addresses point after the call; look up the call itself.
    lookup = addr - 1 if m.group(1) != "0" else addr
    try:
        out = subprocess.run(["addr2line", "-f", "-C", "-e", symbols, hex(lookup)],
                             capture_output=True, text=True, timeout=10).stdout.split("\n")
        if len(out) >= 2 and out[0] != "??":
            return f"{line}  {out[0]} at {os.path.relpath(out[1]) if out[1].startswith('/') else out[1]}"
    except (OSError, subprocess.SubprocessError):
        pass
    return line


def check_tap(lines):
    """Returns an error string, or None if the TAP output is complete and clean."""
    plan = None
    oks = 0
    bad = []
    for line in lines:
        # A guest may print its TAP through its kernel's log (the Linux guest): the record's time stamp goes.
        line = re.sub(r"^\[\s*\d+\.\d+\] ", "", line)
        m = re.match(r"^1\.\.(\d+)$", line)
        if m:
            plan = int(m.group(1))
        elif line.startswith("ok "):
            oks += 1
        elif line.startswith("not ok "):
            bad.append(line)
    if plan is None:
        return "no TAP plan line was printed"
    if bad:
        return f"{len(bad)} test(s) failed: " + "; ".join(bad)
    if oks != plan:
        return f"TAP plan says {plan} tests but {oks} passed"
    return None


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--image", required=True)
    p.add_argument("--symbols", help="kernel ELF for addr2line")
    p.add_argument("--qemu", default="qemu-system-x86_64")
    p.add_argument("--cpu", default="EPYC")
    p.add_argument("--mem", default="256M")
    p.add_argument("--smp", type=int, default=1)
    p.add_argument("--tcg-single", action="store_true",
                   help="run every CPU on one host thread (-accel tcg,thread=single)")
    p.add_argument("--append", default="")
    p.add_argument("--payload", help="VMPL2 payload ELF (passed as a Multiboot module)")
    p.add_argument("--drive", help="a raw disk file given to the machine as a virtio block device")
    p.add_argument("--timeout", type=float, default=60.0)
    p.add_argument("--log", help="write the serial output and QEMU's messages here")
    p.add_argument("--expect", default="pass",
                   choices=["pass", "fail", "loader-fail", "any"])
    p.add_argument("--expect-line", action="append", default=[],
                   help="a substring some console line must contain (repeatable)")
    p.add_argument("--expect-re", action="append", default=[],
                   help="a regular expression some console line must match (repeatable)")
    p.add_argument("--tap", action="store_true", help="require complete, passing TAP output")
    p.add_argument("--quiet", action="store_true", help="do not echo the console")
    p.add_argument("--boot-disk", help="a raw disk image given read-only as the guest firmware's boot disk "
                   "(virtio-blk-pci, serial vsnp-boot)")
    p.add_argument("--gdb", action="store_true", help="wait for gdb on :1234 (-s -S)")
    p.add_argument("--svsm", help="svsm.img to pack with --payload into an IGVM file for --image (vsnp.img)")
    p.add_argument("--igvm-build", help="the igvm-build tool (with --svsm)")
    p.add_argument("--igvm-cmdline", default="", help="the command line in the IGVM file (with --svsm): the SVSM's, which it hands to the payload")
    args = p.parse_args()
    if bool(args.svsm) != bool(args.igvm_build):
        print("qemu_boot: --svsm and --igvm-build go together", file=sys.stderr)
        return 2
    if args.svsm:
        with tempfile.TemporaryDirectory(prefix="qemu_boot.") as d:
            igvm = os.path.join(d, "svsm.igvm")
            cmd = [args.igvm_build, "--svsm", args.svsm, "-o", igvm]
            if args.payload:
                cmd += ["--payload", args.payload]
            if args.igvm_cmdline:
                cmd += ["--cmdline", args.igvm_cmdline]
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode != 0:
                print(f"qemu_boot: {' '.join(cmd)} failed:\n{r.stdout}{r.stderr}", file=sys.stderr)
                return 2
            args.payload = igvm
            return boot(args)
    return boot(args)


# Console lines a --quiet run prints when it fails.
QUIET_FAIL_TAIL = 60


def boot(args):

    if not os.path.exists(args.image):
        print(f"qemu_boot: image {args.image} does not exist (build first)", file=sys.stderr)
        return 2
    if args.payload and (not os.path.isfile(args.payload) or "," in args.payload
                         or " " in args.payload):
        print(f"qemu_boot: payload {args.payload} is not a file, or its path has a comma "
              "or space (QEMU's -initrd cannot carry those)", file=sys.stderr)
        return 2
    if not shutil.which(args.qemu):
        print(f"qemu_boot: {args.qemu} not found (install qemu-system-x86)", file=sys.stderr)
        return 2

    cmd = qemu_command(args)
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, errors="replace")
    lines = []
    err_chunks = []

    def pump_stdout():
        # Echo the console as it arrives, so long runs and gdb sessions show progress.
        for raw in proc.stdout:
            line = symbolize(raw.rstrip("\r\n").replace("\r", ""), args.symbols)
            lines.append(line)
            if not args.quiet:
                print(line, flush=True)

    def pump_stderr():
        err_chunks.append(proc.stderr.read())

    readers = [threading.Thread(target=pump_stdout), threading.Thread(target=pump_stderr)]
    for t in readers:
        t.start()
    timed_out = False
    try:
        proc.wait(timeout=None if args.gdb else args.timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        timed_out = True
    for t in readers:
        t.join()
    err = "".join(err_chunks)
    elapsed = time.monotonic() - start

    if lines and lines[-1] == "":
        lines.pop()
    if args.log:
        with open(args.log, "w") as f:
            f.write("$ " + " ".join(cmd) + "\n")
            f.write("\n".join(lines) + "\n")
            if err:
                f.write("--- QEMU stderr ---\n" + err)

    # TCG prints "doesn't support requested feature" warnings for -cpu EPYC; keep the rest.
    qemu_msgs = [l for l in err.splitlines() if "TCG doesn't support requested feature" not in l]
    problems = []
    if timed_out:
        outcome, meaning = "timeout", f"no exit within {args.timeout:g} s (hang)"
    else:
        outcome, meaning = STATUS.get(proc.returncode,
                                      ("qemu-error", f"QEMU exited with status {proc.returncode}"))
    if outcome == "qemu-error" and qemu_msgs:
        meaning += ": " + " | ".join(qemu_msgs)
    if args.expect != "any" and outcome != args.expect:
        problems.append(f"expected '{args.expect}', got '{outcome}' ({meaning})")
    for want in args.expect_line:
        if not any(want in line for line in lines):
            problems.append(f"no console line contains {want!r}")
    for pattern in args.expect_re:
        if not any(re.search(pattern, line) for line in lines):
            problems.append(f"no console line matches /{pattern}/")
    if args.tap:
        tap_err = check_tap(lines)
        if tap_err:
            problems.append(tap_err)

    print(f"qemu_boot: {os.path.basename(args.image)}: {outcome} ({meaning}) in {elapsed:.2f} s")
    for prob in problems:
        print(f"qemu_boot: FAIL: {prob}")
    if problems and args.quiet and lines:
        # A quiet run that failed still shows how the console ended: a CI log must say what went wrong.
        tail = lines[-QUIET_FAIL_TAIL:]
        print(f"qemu_boot: the console's last {len(tail)} of {len(lines)} lines:")
        for line in tail:
            print(f"  | {line}")
    if args.expect == "any":
        return 0 if outcome == "pass" else 1
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
