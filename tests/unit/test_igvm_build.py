#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""igvm-build: svsm.img and the test guest in one IGVM file, read back
independently (struct, zlib, hashlib) against include/abi/svsm_launch.h and
docs/BOOT.md: every page where the launch block says, the bytes of the
inputs, the boot VMSA's entry state, the digest the tool and
snp-launch-digest print; and bad inputs refused with their exit status.
"""
import hashlib
import os
import struct
import subprocess
import sys
import tempfile
import zlib

PAGE = 4096
VMSA_GPA = 0xFFFFFFFFF000
failures = 0


def check(ok, what):
    global failures
    print(("ok" if ok else "not ok") + " - " + what)
    failures += 0 if ok else 1


def read_igvm(blob):
    magic, ver, vho, vhs, total, crc = struct.unpack_from("<IIIIII", blob, 0)
    assert magic == 0x4D564749 and ver == 1 and total == len(blob)
    fixed = struct.pack("<IIIIII", magic, ver, vho, vhs, total, 0)
    assert zlib.crc32(blob[vho:vho + vhs], zlib.crc32(fixed)) == crc, "checksum"
    headers, pos = [], vho
    while pos < vho + vhs:
        typ, ln = struct.unpack_from("<II", blob, pos)
        headers.append((typ, blob[pos + 8:pos + 8 + ln]))
        pos += 8 + ((ln + 7) & ~7)
    return headers


def page_at(blob, off):
    return bytes(PAGE) if off == 0 else blob[off:off + PAGE].ljust(PAGE, b"\0")


def main():
    tool, digest_tool, svsm, payload = sys.argv[1:5]
    img = open(svsm, "rb").read()
    pay = open(payload, "rb").read()
    (load_addr, file_size, mem_size, _ko, _ks, snp_entry) = struct.unpack_from("<IIIIII", img, 32 + 16)

    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "svsm.igvm")
        r = subprocess.run([tool, "--svsm", svsm, "--payload", payload, "--cmdline", "log=info guest.x", "-o", out],
                           capture_output=True, text=True)
        check(r.returncode == 0 and os.path.exists(out), "igvm-build packs svsm.img and the test guest: " +
              r.stdout.splitlines()[0] if r.stdout else r.stderr)
        if r.returncode != 0:
            sys.exit(1)
        blob = open(out, "rb").read()
        headers = read_igvm(blob)
        pages, inserts, ld, measured = {}, {}, bytes(48), 0
        areas = {}
        for typ, body in headers:
            kind, contents, gpas = None, None, []
            if typ == 0x302:
                gpa, mask, off, flags, dtype, _ = struct.unpack("<QIIIHH", body)
                pages[gpa] = (off, flags, dtype)
                kind = 4 if flags & 2 else {0: 1, 1: 5, 2: 6, 3: 6}[dtype]
                contents, gpas = page_at(blob, off), [gpa]
            elif typ == 0x301:
                nbytes, index, _ = struct.unpack("<QII", body)
                areas[index] = nbytes
            elif typ == 0x303:
                gpa, mask, index = struct.unpack("<QII", body)
                inserts[gpa] = index
                kind, gpas = 4, [gpa + o for o in range(0, areas[index], PAGE)]
            elif typ == 0x304:
                vgpa, mask, off, vp, _ = struct.unpack("<QIIHH", body)
                vmsa = page_at(blob, off)
                kind, contents, gpas = 2, vmsa, [VMSA_GPA]
            for g in gpas:
                h = hashlib.sha384(contents).digest() if kind in (1, 2) else bytes(48)
                ld = hashlib.sha384(ld + h + struct.pack("<HBB4sQ", 0x70, kind, 0, bytes(4), g)).digest()
                measured += 1
        check(headers[0][0] == 0x001 and struct.unpack_from("<IBB", headers[0][1])[2] == 2,
              "first header: the SEV-SNP platform")
        check(headers[-1][0] == 0x304, "the VP context is the last header (measured last)")

        image_size = (mem_size + PAGE - 1) & ~(PAGE - 1)
        ok = all(page_at(blob, pages[load_addr + o][0]) == img[o:o + PAGE].ljust(PAGE, b"\0")[:PAGE]
                 if o < file_size else pages[load_addr + o][0] == 0 for o in range(0, image_size, PAGE))
        check(ok, f"svsm.img's {image_size // PAGE} pages at 0x{load_addr:x}: its bytes, then zero bss pages")

        lb_gpa = load_addr + image_size
        lb = page_at(blob, pages[lb_gpa][0])
        (magic, ver, size, image_gpa, isize, secrets, cpuid, memmap, memmap_size, params, cmd_gpa, cmd_size, rsvd,
         pay_gpa, pay_size, end, fw_gpa, fw_size, smem_gpa, smem_size) = struct.unpack_from("<8sIIQQQQQQQQIIQQQQQQQ", lb, 0)
        check(magic == b"SVSMLNCH" and ver == 2 and size == 0x90 and rsvd == 0 and image_gpa == load_addr
              and (fw_gpa, fw_size, smem_gpa, smem_size) == (0, 0, 0, 0)
              and isize == image_size, "the launch block right after the image: magic, version, size, image")
        check(pages[secrets][2] == 1 and pages[cpuid][2] == 2, "the secrets and CPUID pages where it says")
        check(inserts.get(memmap) is not None and inserts.get(params) is not None and memmap_size == PAGE,
              "the memory map and parameter areas inserted where it says")
        cmd = page_at(blob, pages[cmd_gpa][0])
        check(cmd_size == 16 and cmd[:17] == b"log=info guest.x\0", "the command line page, NUL-terminated")
        got = b"".join(page_at(blob, pages[pay_gpa + o][0]) for o in range(0, len(pay), PAGE))[:len(pay)]
        check(pay_gpa % (2 << 20) == 0 and pay_size == len(pay) and got == pay,
              f"the payload's {len(pay)} bytes at 0x{pay_gpa:x} (2 MiB aligned)")
        check(end % (2 << 20) == 0 and end >= pay_gpa + len(pay), f"end 0x{end:x} past everything, 2 MiB aligned")

        vmsa = page_at(blob, [struct.unpack("<QIIHH", b)[2] for t, b in headers if t == 0x304][0])
        cs_sel, cs_attr = struct.unpack_from("<HH", vmsa, 0x10)
        rip, = struct.unpack_from("<Q", vmsa, 0x178)
        rbx, = struct.unpack_from("<Q", vmsa, 0x318)
        efer, = struct.unpack_from("<Q", vmsa, 0xD0)
        cr0, = struct.unpack_from("<Q", vmsa, 0x158)
        feat, = struct.unpack_from("<Q", vmsa, 0x3B0)
        check(rip == load_addr + snp_entry and rbx == lb_gpa and vmsa[0xCA] == 0,
              "the boot VMSA enters the image's SNP entry at VMPL0 with EBX = the launch block")
        check((cs_sel, cs_attr, efer, cr0, feat) == (8, 0xC9B, 0x1000, 0x31, 1),
              "32-bit flat protected mode, paging off, EFER.SVME, SEV_FEATURES SNPActive")

        printed = [l.split()[-1] for l in r.stdout.splitlines() if l.startswith("launch digest ")]
        other = subprocess.run([digest_tool, "--igvm", out], capture_output=True, text=True).stdout.strip()
        check(printed == [ld.hex()] and other == ld.hex(),
              f"the digest igvm-build prints = snp-launch-digest --igvm = hashlib's chain ({measured} pages)")

        def refused(args, code, says, what):
            p = subprocess.run([tool] + args, capture_output=True, text=True)
            check(p.returncode == code and says in p.stderr and p.stdout == "", what + f" (exit {p.returncode})")

        refused(["--svsm", payload, "-o", out], 1, "not an svsm.img", "an ELF given as svsm.img: refused")
        short = os.path.join(d, "short.img")
        with open(short, "wb") as f:
            f.write(img[:4096])
        refused(["--svsm", short, "-o", out], 1, "truncated", "a truncated svsm.img: refused")
        refused(["--svsm", svsm, "-o", out, "--cmdline", "x" * 4096], 1, "at most 4095",
                "a command line longer than its page: refused")
        refused(["--svsm", svsm, "-o", out, "--payload", os.path.join(d, "none")], 2, "No such file",
                "a missing payload: file error")
        refused(["--svsm", svsm, "-o", os.path.join(d, "no", "dir.igvm")], 2, "No such file",
                "an output directory that does not exist: file error")
        refused(["--svsm", svsm], 2, "usage", "no output: usage")

        # A Linux payload (--linux): a small bzImage laid out as the boot protocol says
        # (Documentation/arch/x86/boot.rst): setup part of 4 KiB, 64 KiB kernel, 2 MiB init_size.
        def bzimage(**over):
            f = dict(sects=7, flag=0xAA55, magic=b"HdrS", version=0x20F, loadflags=1, xlf=0x7F, reloc=1,
                     align=2 << 20, cmdline_size=2047, pref=16 << 20, init_size=2 << 20)
            f.update(over)
            b = bytearray(4096 + 65536)
            b[0x1F1] = f["sects"]
            struct.pack_into("<I", b, 0x1F4, 65536 // 16)
            struct.pack_into("<H", b, 0x1FE, f["flag"])
            b[0x201] = 0x6A
            b[0x202:0x206] = f["magic"]
            struct.pack_into("<H", b, 0x206, f["version"])
            b[0x211] = f["loadflags"]
            struct.pack_into("<I", b, 0x22C, 0x7FFFFFFF)
            struct.pack_into("<IBBHI", b, 0x230, f["align"], f["reloc"], 21, f["xlf"], f["cmdline_size"])
            struct.pack_into("<QI", b, 0x258, f["pref"], f["init_size"])
            b[4096:4100] = b"KERN"
            return bytes(b)

        def linux(name, blob):
            path = os.path.join(d, name)
            with open(path, "wb") as f:
                f.write(blob)
            return path

        good = linux("bz", bzimage())
        initrd = linux("initrd", b"INITRD" * 1000)
        lx = os.path.join(d, "linux.igvm")
        r = subprocess.run([tool, "--svsm", svsm, "-o", lx, "--linux", good, "--initrd", initrd,
                            "--append", "console=ttyS0"], capture_output=True, text=True)
        check(r.returncode == 0 and "kernel at 0x1000000 (65536 bytes), initrd at 0x1200000 (6000 bytes)" in r.stdout,
              "--linux: the kernel at its preferred address, the initrd after its init_size window: " + r.stdout.strip())
        if r.returncode == 0:
            lpages, lblob = {}, open(lx, "rb").read()
            for typ, body in read_igvm(lblob):
                if typ == 0x302:
                    gpa, _, off, _, _, _ = struct.unpack("<QIIIHH", body)
                    lpages[gpa] = page_at(lblob, off)
            check(lpages.get(16 << 20, b"")[:4] == b"KERN" and lpages.get(0x1200000, b"")[:6] == b"INITRD",
                  "--linux: the kernel's protected-mode part and the initrd are measured pages where they run")
        refused(["--svsm", svsm, "-o", lx, "--linux", linux("bad1", bzimage(magic=b"HdrX"))], 1, "HdrS",
                "--linux: a bzImage without its setup header: refused")
        refused(["--svsm", svsm, "-o", lx, "--linux", linux("bad2", bzimage(version=0x20B))], 1, "2.12",
                "--linux: a boot protocol before 2.12: refused")
        refused(["--svsm", svsm, "-o", lx, "--linux", linux("bad3", bzimage(xlf=0x7E))], 1, "64-bit",
                "--linux: no 64-bit entry: refused")
        refused(["--svsm", svsm, "-o", lx, "--linux", linux("bad4", bzimage(sects=200))], 1, "no kernel",
                "--linux: a setup part past the file: refused")
        refused(["--svsm", svsm, "-o", lx, "--linux", good, "--append", "a" * 2048], 1, "cmdline_size",
                "--linux: a command line over the kernel's cmdline_size: refused")
        refused(["--svsm", svsm, "-o", lx, "--linux", linux("bad5", bzimage(init_size=0xFFF00000))], 1, "4 GiB",
                "--linux: a kernel whose init_size reaches past 4 GiB: refused")
        refused(["--svsm", svsm, "-o", lx, "--payload", payload, "--linux", good], 2, "usage",
                "--payload and --linux together: usage")
        refused(["--svsm", svsm, "-o", lx, "--initrd", initrd], 2, "usage", "--initrd without --linux: usage")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
