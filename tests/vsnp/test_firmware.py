#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A guest firmware (OVMF) packed beside the SVSM (igvm-build --firmware),
read again and launched at VMPL2 by the SVSM on vsnp (issue 19, first steps).

usage: test_firmware.py QEMU_BOOT VSNP_IMG IGVM_BUILD SNP_LAUNCH_DIGEST SVSM_IMG OVMF_FD

Packing Debian's OVMF.fd: its pages at 4 GiB - its size with its bytes,
the launch block's firmware and SVSM-memory fields, the SVSM's memory
declared as VTL2-protectable REQUIRED_MEMORY, the digest snp-launch-digest
gives. Packing refusals (synthetic images): no footer, an unknown section
type, overlapping sections, a section over the SVSM's memory, no calling
area, --firmware with --payload. On vsnp: the SVSM reads the sections from
the launched pages (not from what the packer said) and starts OVMF at its
reset vector at VMPL2, which calls the SVSM's core protocol, gets
through PEI's memory set-up (fw_cfg, svsm.img's launch given back),
starts its AP through the SVSM (the hypervisor's APIC ID list, then
CREATE_VCPU and AP creation, again in DXE) and boots with two vCPUs to
its boot manager and, with no disk yet, the UEFI shell; a file whose
firmware page was changed after packing is refused at launch with the
reason.
"""
import importlib.util
import os
import re
import struct
import subprocess
import sys
import tempfile
import uuid

failures = 0
checks = 0
PAGE = 4096


def check(ok, what, out=""):
    global failures, checks
    checks += 1
    print(("ok" if ok else "not ok") + " - " + what)
    if not ok:
        failures += 1
        sys.stdout.write(out[-3000:] + "\n")


def guid(s):
    return uuid.UUID(s).bytes_le


def ovmf_image(sections, size=0x10000, asev_off=0x548, footer=True):
    """A synthetic OVMF-like image: the footer table (SEV metadata entry) and an ASEV block."""
    img = bytearray(b"\xcc" * size)
    img[size - 0x20:] = bytes(0x20)
    end = size - 0x20
    end -= 16
    img[end:end + 16] = guid("96b582de-1fb2-45f7-baea-a366c55a082d") if footer else bytes(16)
    end -= 2
    tl_at = end
    data = struct.pack("<I", asev_off)
    end -= 16
    img[end:end + 16] = guid("dc886566-984a-4798-a75e-5585a7bf67cc")
    end -= 2
    img[end:end + 2] = struct.pack("<H", len(data) + 18)
    end -= len(data)
    img[end:end + len(data)] = data
    img[tl_at:tl_at + 2] = struct.pack("<H", tl_at + 18 - end)
    a = size - asev_off
    img[a:a + 16] = b"ASEV" + struct.pack("<III", 16 + 12 * len(sections), 1, len(sections))
    for i, (b, s, t) in enumerate(sections):
        img[a + 16 + 12 * i:a + 28 + 12 * i] = struct.pack("<III", b, s, t)
    return bytes(img)


GOOD = [(0x800000, 0x9000, 1), (0x80A000, 0x3000, 1), (0x80D000, 0x1000, 2), (0x80E000, 0x1000, 3),
        (0x80F000, 0x1000, 4), (0x810000, 0x10000, 1)]


def read_igvm(blob):
    """The variable headers, checked as tests/unit/test_igvm_build.py reads them."""
    spec = importlib.util.spec_from_file_location(
        "igvm_build_test", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "unit", "test_igvm_build.py"))
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m.read_igvm(blob)


def main():
    boot, vsnp_img, tool, digest_tool, svsm, ovmf = sys.argv[1:7]
    fw = open(ovmf, "rb").read()
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "fw.igvm")
        r = subprocess.run([tool, "--svsm", svsm, "--firmware", ovmf, "-o", out], capture_output=True, text=True)
        check(r.returncode == 0 and "6 SEV metadata sections (secrets 0x80d000, CPUID 0x80e000, calling area 0x80f000)"
              in r.stdout, "igvm-build packs Debian's OVMF.fd and names its sections", r.stdout + r.stderr)
        if r.returncode != 0:
            return 1
        blob = open(out, "rb").read()
        headers = read_igvm(blob)
        pages = {}
        for typ, body in headers:
            if typ == 0x302:
                gpa, _mask, off, _flags, dtype = struct.unpack_from("<QIIIH", body)
                pages[gpa] = (off, dtype)
        base = (1 << 32) - len(fw)
        same = all(gpa in pages and pages[gpa][1] == 0 and
                   (blob[pages[gpa][0]:pages[gpa][0] + PAGE] if pages[gpa][0] else bytes(PAGE)) == fw[o:o + PAGE]
                   for o in range(0, len(fw), PAGE) for gpa in [base + o])
        check(same, f"OVMF.fd's {len(fw) // PAGE} pages at 0x{base:x} (ending at 4 GiB), its bytes, measured")
        req = [struct.unpack_from("<QIII", body) for typ, body in headers if typ == 0x305]
        lb_gpa = [g for g, (off, _t) in pages.items() if off and blob[off:off + 8] == b"SVSMLNCH"][0]
        lb = blob[pages[lb_gpa][0]:pages[lb_gpa][0] + 0x90]
        ver, size = struct.unpack_from("<II", lb, 8)
        image_gpa, end = struct.unpack_from("<Q", lb, 0x10)[0], struct.unpack_from("<Q", lb, 0x68)[0]
        fw_gpa, fw_size, mem_gpa, mem_size = struct.unpack_from("<QQQQ", lb, 0x70)
        check((ver, size, fw_gpa, fw_size) == (2, 0x90, base, len(fw)) and mem_gpa >= end and mem_gpa % (2 << 20) == 0
              and all(not (s < mem_gpa + mem_size and mem_gpa < s + n) for s, n, _t in GOOD),
              f"launch block: firmware 0x{fw_gpa:x}+0x{fw_size:x}, SVSM memory 0x{mem_gpa:x}+0x{mem_size:x}, "
              "clear of OVMF's sections")
        check(sorted((g, n, f) for g, _m, n, f in req) == [(mem_gpa, mem_size, 1)],
              "the SVSM's range declared as VTL2-protectable REQUIRED_MEMORY (svsm.img's launch is given back)")
        secrets, cpuid = struct.unpack_from("<QQ", lb, 0x20)
        check((secrets, cpuid) == (base - 2 * PAGE, base - PAGE) and pages.get(secrets, (0, 0))[1] == 1
              and pages.get(cpuid, (0, 0))[1] == 2,
              "the secrets and CPUID pages just below the firmware, above the RAM the firmware takes")
        printed = re.findall(r"launch digest ([0-9a-f]{96})", r.stdout)
        other = subprocess.run([digest_tool, "--igvm", out], capture_output=True, text=True).stdout.strip()
        check(printed == [other], "the digest igvm-build prints is snp-launch-digest's for the file")

        def refused(image, says, what, extra=()):
            path = os.path.join(d, "bad.fd")
            open(path, "wb").write(image)
            p = subprocess.run([tool, "--svsm", svsm, "--firmware", path, "-o", os.path.join(d, "bad.igvm"), *extra],
                               capture_output=True, text=True)
            check(p.returncode == 1 and says in p.stderr and not os.path.exists(os.path.join(d, "bad.igvm")),
                  f"packing refused: {what} (exit {p.returncode})", p.stderr)

        refused(ovmf_image(GOOD, footer=False), "not an OVMF image", "no table footer")
        refused(ovmf_image(GOOD[:5] + [(0x810000, 0x10000, 7)]), "type 0x7, which this SVSM does not know",
                "a section type not known here")
        refused(ovmf_image(GOOD[:5] + [(0x808000, 0x10000, 1)]), "overlap", "overlapping sections")
        refused(ovmf_image(GOOD[:5] + [(mem_gpa, 0x10000, 1)]), "overlaps the SVSM's memory",
                "a section over the SVSM's memory")
        refused(ovmf_image(GOOD[:4] + [GOOD[5]]), "cannot run under an SVSM", "no calling area (before edk2-stable202405)")
        refused(ovmf_image(GOOD[:5] + [(0xFFFF0000, 0x1000, 1)]), "reaches the firmware image",
                "a section over the firmware image")
        p = subprocess.run([tool, "--svsm", svsm, "--firmware", ovmf, "--payload", ovmf, "-o", os.path.join(d, "x")],
                           capture_output=True, text=True)
        check(p.returncode == 2 and "usage" in p.stderr, "--firmware with --payload: usage (the firmware is the guest)")
        # The SVSM's range placed for a bigger VM (--svsm-mem-gpa): in the launch block and the REQUIRED_MEMORY.
        moved = os.path.join(d, "moved.igvm")
        p = subprocess.run([tool, "--svsm", svsm, "--firmware", ovmf, "--svsm-mem-gpa", "0x1E000000", "-o", moved],
                           capture_output=True, text=True)
        ok = p.returncode == 0 and "SVSM memory 0x1e000000-0x20000000" in p.stdout
        if ok:
            mb = open(moved, "rb").read()
            mh = read_igvm(mb)
            mreq = [struct.unpack_from("<QIII", body) for typ, body in mh if typ == 0x305]
            ok = [(g, n) for g, _m, n, _f in mreq] == [(0x1E000000, mem_size)]
        check(ok, "--svsm-mem-gpa 0x1E000000 moves the SVSM's range (its REQUIRED_MEMORY, as igvm-build says)", p.stdout + p.stderr)
        bad_at = [("0x1E000001", "2 MiB-aligned", "unaligned"), ("0xFE000000", "reach the firmware's pages",
                  "over the firmware's pages"), ("0x200000", "overlaps the SVSM's memory", "over OVMF's SEC memory"),
                  ("lots", "2 MiB-aligned", "not a number")]
        for at, says, what in bad_at:
            p = subprocess.run([tool, "--svsm", svsm, "--firmware", ovmf, "--svsm-mem-gpa", at, "-o",
                                os.path.join(d, "bad.igvm")], capture_output=True, text=True)
            check(p.returncode == 1 and says in p.stderr and not os.path.exists(os.path.join(d, "bad.igvm")),
                  f"--svsm-mem-gpa refused: {what}", p.stderr)
        p = subprocess.run([tool, "--svsm", svsm, "--svsm-mem-gpa", "0x1E000000", "-o", os.path.join(d, "x")],
                           capture_output=True, text=True)
        check(p.returncode == 2 and "usage" in p.stderr, "--svsm-mem-gpa without a firmware: usage")

        # On vsnp (two vCPUs): the SVSM reads the sections from the launched pages, OVMF boots through PEI
        # and DXE (the q35 bridges, its APIC timer, fw_cfg, the CMOS clock) to its boot manager, which, with no
        # disk yet, starts the UEFI shell and waits there: the run is cut after 25 s.
        run = [sys.executable, boot, "--image", vsnp_img, "--mem", "512M", "--timeout", "60", "--quiet"]
        log = os.path.join(d, "run.log")
        subprocess.run([sys.executable, boot, "--image", vsnp_img, "--mem", "512M", "--timeout", "25", "--quiet",
                        "--payload", out, "--append", "vsnp.cpus=2", "--expect", "any", "--log", log])
        text = open(log, errors="replace").read()
        got = re.findall(r"run: firmware section \d+: ([\w ]+) at 0x([0-9a-f]+), (\d+) KiB", text)
        names = {1: "SEC memory", 2: "secrets page", 3: "CPUID page", 4: "SVSM calling area"}
        check(f"fw_cfg for it: 2 CPUs, etc/e820 to 0x{mem_gpa + mem_size:x} with 1 reserved range(s)" in text,
              "vsnp gives the firmware fw_cfg: the CPU count and a memory map ending with the SVSM's range, reserved",
              text)
        check(f"run: svsm.img's launch 0x{image_gpa:x}-" in text and "given to the guest firmware" in text,
              "the SVSM gives svsm.img's launch back to the firmware after its boot", text)
        check(got == [(names[t], f"{b:x}", str(s >> 10)) for b, s, t in GOOD] and
              "SVSM region 0x%x" % mem_gpa in text,
              "the SVSM reads OVMF's six sections from the launched pages; its region in the declared range", text)
        calls = [int(n) for n in re.findall(r"SVSM: calls served so far: \d+ \(core (\d+),", text)]
        check("SVSM: launching the guest firmware at VMPL2 (Run VMPL)" in text and calls and max(calls) > 0,
              f"OVMF runs at VMPL2 from its reset vector and calls the SVSM's core protocol "
              f"({max(calls) if calls else 0} calls)", text)
        # Its AP: the hypervisor's APIC ID list (so no INIT-SIPI), then CREATE_VCPU and AP creation. DXE makes
        # the AP a new VMSA while PEI's still exists: the SVSM takes it as the CPU's next one, and vsnp moves the
        # halted AP to it.
        made = re.findall(r"the guest made a vCPU for APIC ID 1 \(VMSA 0x([0-9a-f]+)", text)
        check(len(set(made)) >= 2, f"OVMF starts its AP through the SVSM (CREATE_VCPU for APIC ID 1 with "
              f"{len(set(made))} VMSAs, {len(made)} times)", text)
        check('BdsDxe: starting Boot0001 "EFI Internal Shell"' in text and "UEFI Interactive Shell v2.2" in text
              and "Debian distribution of EDK II" in text and "STOPPED" not in text,
              "with two vCPUs Debian's OVMF boots at VMPL2 to its boot manager and the UEFI shell", text)
        # The firmware changed after packing (file data is not under the IGVM checksum): refused at launch.
        asev = fw.rfind(b"ASEV")
        page_off = pages[base + (asev & ~(PAGE - 1))][0]
        bad = bytearray(blob)
        struct.pack_into("<I", bad, page_off + (asev % PAGE) + 16 + 12 * 5 + 8, 9)
        bad_path = os.path.join(d, "tampered.igvm")
        open(bad_path, "wb").write(bad)
        subprocess.run(run + ["--payload", bad_path, "--expect", "any", "--log", log])
        text = open(log, errors="replace").read()
        check("run: guest firmware refused: OVMF SEV metadata: section 5 has type 0x9, which this SVSM does not know"
              in text, "a firmware page changed after packing: refused at launch with the reason", text)
    print(f"1..{checks}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
