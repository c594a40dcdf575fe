#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""vsnp.img, the emulated SEV-SNP machine, launches an IGVM file as the
hypervisor and PSP do (issue 16, steps 1 and 2): the launch digest it
reports equals the one igvm-build computed on the host for the same file,
the boot CPU's VMSA is the one the file carries, and the CPU runs from it:
svsm.img's SNP entry asks through the GHCB MSR protocol to terminate (its
SNP path is not built yet), and what the machine does not serve yet stops
the CPU with the reason. A bad file, no file or a CPU without SVM are
refused with the reason.
"""
import importlib.util
import os
import re
import struct
import subprocess
import sys
import tempfile

failures = 0


def check(ok, what, out=""):
    global failures
    print(("ok" if ok else "not ok") + " - " + what)
    if not ok:
        failures += 1
        sys.stdout.write(out[-3000:] + "\n")


def tiny_igvm(code, vmsa_gpa=0xFFFFFFFFF000):
    """An IGVM file for SNP: code at GPA 1 MiB and a 32-bit boot VMSA there (include/abi/svsm_launch.h's state)."""
    spec = importlib.util.spec_from_file_location(
        "igvm_writer", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "unit", "test_igvm_digest.py"))
    w = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(w)
    vmsa = bytearray(4096)
    for off, sel, attr in ((0x00, 0x10, 0xC93), (0x10, 0x08, 0xC9B), (0x20, 0x10, 0xC93), (0x30, 0x10, 0xC93),
                           (0x40, 0x10, 0xC93), (0x50, 0x10, 0xC93)):
        struct.pack_into("<HHIQ", vmsa, off, sel, attr, 0xFFFFFFFF, 0)
    struct.pack_into("<HHIQ", vmsa, 0x60, 0, 0, 0xFFFF, 0)       # GDTR
    struct.pack_into("<HHIQ", vmsa, 0x70, 0, 0x82, 0xFFFF, 0)    # LDTR
    struct.pack_into("<HHIQ", vmsa, 0x80, 0, 0, 0xFFFF, 0)       # IDTR
    struct.pack_into("<HHIQ", vmsa, 0x90, 0, 0x83, 0xFFFF, 0)    # TR
    for off, val in ((0xD0, 0x1000), (0x148, 0x40), (0x158, 0x31), (0x160, 0x400), (0x168, 0xFFFF0FF0),
                     (0x170, 2), (0x178, 0x100000), (0x268, 0x0007040600070406), (0x3B0, 1), (0x3E8, 1)):
        struct.pack_into("<Q", vmsa, off, val)
    img = w.Igvm()
    img.platform(1, 2, 2)
    img.page(1, 0x100000, code)
    img.vp(1, vmsa_gpa, 0, bytes(vmsa))
    return img.serialize()


def boot(qemu_boot, vsnp_img, *args, expect="fail"):
    r = subprocess.run([sys.executable, qemu_boot, "--image", vsnp_img, "--expect", expect, "--timeout", "120", "--mem", "512M",
                        *args], capture_output=True, text=True)
    return r.returncode, r.stdout


def main():
    qemu_boot, vsnp_img, igvm_build, svsm_img, payload = sys.argv[1:6]
    with tempfile.TemporaryDirectory() as d:
        igvm = os.path.join(d, "svsm.igvm")
        r = subprocess.run([igvm_build, "--svsm", svsm_img, "--payload", payload, "-o", igvm],
                           capture_output=True, text=True)
        m = re.search(r"^launch digest ([0-9a-f]{96})$", r.stdout, re.M)
        check(r.returncode == 0 and m is not None, "igvm-build: svsm.img + test guest", r.stdout + r.stderr)
        if m is None:
            sys.exit(1)
        rc, out = boot(qemu_boot, vsnp_img, "--payload", igvm, expect="pass")
        got = re.search(r"^vsnp: launch digest ([0-9a-f]{96}) \((\d+) pages measured, (\d+) of their hashes "
                        r"computed ahead on (\d+) CPUs; the launch took \d+ ms\)$", out, re.M)
        check(rc == 0 and got is not None and got.group(1) == m.group(1) and
              0 < int(got.group(3)) < int(got.group(2)),
              "vsnp's PSP reports the launch digest igvm-build computed, the pages' hashes computed ahead" +
              (f" ({got.group(2)} pages, {got.group(3)} hashed ahead on {got.group(4)} CPUs)" if got else ""), out)
        check(re.search(r"^vsnp: boot CPU: VMPL0, RIP 0x1000[0-9a-f]{2}, RBX 0x[0-9a-f]+, CR0 0x31, EFER 0x1000, "
                        r"SEV_FEATURES 0x1$", out, re.M) is not None,
              "the boot CPU's VMSA from the file: VMPL0 at the image's SNP entry, 32-bit, SNPActive", out)
        # svsm.img's SNP path on the machine: stage 1 validates the SVSM region and enters the kernel,
        # which validates its heap, negotiates the GHCB, takes #VC for CPUID and port I/O (its console
        # goes through the GHCB to the guest UART the machine emulates) and runs until guest launch.
        for line, what in (
                ("[INFO] boot: entry snp, cmdline '', encryption mask 0x8000000000",
                 "stage 1's SNP entry reaches the kernel with the C-bit from the CPUID page (bit 39)"),
                ("[INFO] memory: 240 MiB usable in 3 ranges; SVSM region 0xa00000-0x1200000",
                 "the memory map from the IGVM parameter area, the region above the launched pages"),
                ("[INFO] snp: GHCB protocol v2, hypervisor features 0x33, C-bit 39",
                 "snp_early_init: GHCB negotiated through the MSR protocol, GHCB page registered"),
                ("[INFO] platform: backend snp", "the snp backend is selected"),
                ("[INFO] run: payload at 0x2000000-", "the payload from the launch loaded at its link address"),
                ("SVSM: launching the payload at VMPL2 (Run VMPL)",
                 "the guest's VMSA accepted by the hypervisor (AP creation for VMPL2)")):
            check(line in out, what, out)
        ran = re.search(r"^vsnp: the vCPUs ran: (\d+) exits: (\d+) VMGEXIT \((\d+) GHCB page, (\d+) served "
                        r"with the GHCB MSR write before them\), (\d+) MSR, "
                        r"(\d+) #VC delivered, (\d+) SNP instructions, (\d+) nested faults mapped, (\d+) CR0 writes, "
                        r"(\d+) VMPL switches, (\d+) exits below VMPL0, (\d+) guest requests, (\d+) interrupts delivered "
                        r"at VMPL0 and (\d+) below \((\d+) ended by PV EOI\), (\d+) IPIs, (\d+) machine interrupts, (\d+) idle waits, "
                        r"(\d+) APs started \((\d+) at the HLT after their creation\), (\d+) vCPU switches$", out, re.M)
        check(ran is not None and int(ran.group(3)) > 0 and 0 < int(ran.group(4)) <= int(ran.group(2)) and
              int(ran.group(6)) > 0 and int(ran.group(7)) >= 36 and int(ran.group(9)) >= 1,
              "exits by kind: GHCB page calls (some served with the MSR write before them), #VC delivered, "
              "PVALIDATEs (the region and heap 2 MiB at a time), the CR0 write", out)
        again = re.search(r"^vsnp: events an exit cut short: (\d+) injected again, (\d+) software interrupts run "
                          r"again, (\d+) interrupts offered again$", out, re.M)
        check(again is not None and int(again.group(2)) >= 1,
              "the test guest's INT3 whose #BP frame met a nested fault ran again, not injected", out)
        times = re.search(r"^vsnp: time: (\d+) ms from the machine's start \(TSC 0\) to the first instruction below "
                          r"VMPL0, (\d+) ms of it from the boot vCPU's first instruction; (\d+) ms in all$", out, re.M)
        check(times is not None and int(times.group(2)) < int(times.group(1)) and int(times.group(2)) < int(times.group(3)),
              "the run's times reported", out)
        check(ran is not None and int(ran.group(10)) >= 1 and int(ran.group(11)) > 0,
              "Run VMPL2 switched the CPU to the guest's VMSA, which ran at VMPL2", out)
        check(ran is not None and int(ran.group(12)) > 0,
              "the SVSM's attestation reports: guest requests relayed by the hypervisor to the PSP", out)
        # The VMPL2 test guest on the SNP machine: its console through its own #VC handler and GHCB,
        # SVSM calls through Run VMPL, PVALIDATE through the SVSM on the machine's RMP, attestation.
        for desc in ("boot page is well-formed",
                     "VTPM_CMD TPM2_GetRandom(16): 16 bytes",
                     "the EK in the attestation manifest is the vTPM's (same public area from CreatePrimary)",
                     "GHCB MSR protocol: SEV information (version 2, C-bit)",
                     "QUERY_PROTOCOL core: version 1..1",
                     "unvalidated page: access raises #VC 0x404",
                     "PVALIDATE 4 KiB: validated, zeroed, usable",
                     "report: version, VMPL0 (the SVSM's), ECDSA P-384 signature, policy bit 17"):
            check(re.search(r"^ok \d+ - " + re.escape(desc) + "$", out, re.M) is not None,
                  "guest at VMPL2 on the SNP machine: " + desc, out)
        # The guest runs every check, AP creation and destruction of a second vCPU among them, and ends
        # through the GHCB with success: the machine's exit status is the guest's.
        failed = re.findall(r"^not ok \d+ - (.*)$", out, re.M)
        total = re.search(r"^1\.\.(\d+)$", out, re.M)
        check(rc == 0 and total is not None and int(total.group(1)) >= 90 and not failed and
              "vsnp: the guest asked to terminate: GHCB reason set 14, code 0" in out,
              f"the guest passes all its checks at VMPL2 and ends through the GHCB (failed: {failed})", out)
        check(ran is not None and int(ran.group(17)) >= 2 and int(ran.group(18)) > 0,
              "APs: the guest's second vCPU started by AP creation, the vCPUs taking turns", out)

        # A guest of two instructions at 1 MiB, in 32-bit mode without an IDT: what stops the CPU, said so.
        # CPUID is a non-automatic exit: #VC, which finds no handler (the CPU would shut down).
        for code, says, what in ((b"\xf4", "every vCPU is halted or off, with no interrupt to wake one", "HLT"),
                                 (b"\x0f\xa2", "#VC (error code 0x72) at RIP 0x100000 with no usable handler", "CPUID"),
                                 (b"\xa1\x00\x00\x00\x40", "access to GPA 0x40000000, which is not guest RAM",
                                  "a read outside guest memory")):
            tiny = os.path.join(d, "tiny.igvm")
            with open(tiny, "wb") as f:
                f.write(tiny_igvm(code))
            rc, out = boot(qemu_boot, vsnp_img, "--payload", tiny)
            check(rc == 0 and "vsnp: vCPU 0 STOPPED at VMPL0 RIP 0x100000: " + says in out,
                  f"{what} at the first instruction: the boot CPU stops with the reason", out)

        # A VMSA in RAM (the boot VMSA placed at GPA 0x200000): its RMP entry says VMSA. VMPL0 may read
        # it (the SVSM reads the VMSAs it made); the read goes on to the HLT after it.
        with open(tiny, "wb") as f:
            f.write(tiny_igvm(b"\xa1\x00\x00\x20\x00\xf4", vmsa_gpa=0x200000))  # mov eax, [0x200000]; hlt
        rc, out = boot(qemu_boot, vsnp_img, "--payload", tiny)
        check(rc == 0 and "vsnp: boot CPU: VMPL0, RIP 0x100000" in out and
              "vsnp: vCPU 0 STOPPED at VMPL0 RIP 0x100005: every vCPU is halted or off" in out,
              "VMPL0 reading a VMSA page in RAM: allowed, as the RMP gives VMPL0 all rights", out)

        # Isolation at VMPL2: the guest makes a vCPU (CREATE_VCPU: the SVSM turns the page into a
        # VMSA it may only read) and writes that page. The machine's RMP refuses it and the
        # hypervisor sees the fault.
        forbidden = os.path.join(d, "forbidden.igvm")
        r = subprocess.run([igvm_build, "--svsm", svsm_img, "--payload", payload, "--cmdline",
                            "guest.forbidden=vmsa-write", "-o", forbidden], capture_output=True, text=True)
        rc, out = boot(qemu_boot, vsnp_img, "--payload", forbidden)
        check(r.returncode == 0 and rc == 0 and "# writing a VMSA page at 0x" in out and
              re.search(r"^vsnp: vCPU 0 STOPPED at VMPL2 RIP 0x[0-9a-f]+: RMP violation at GPA 0x[0-9a-f]+ "
                        r"\(the VMPL has no such permission on the page\); RMP entry: assigned 1 validated 1 VMSA 1 "
                        r"2M 0, VMPL2 rights 0x1", out, re.M) is not None,
              "a VMPL2 guest writing a VMSA page: an RMP violation the hypervisor sees, reported with the entry", out)

        # A hostile hypervisor, one lie at a time: the SVSM refuses to go on, with its reason, and never
        # runs the guest on the bad value (vsnp.lie=NAME).
        for lie, says, what in (
                ("cbit", "vsnp: the guest asked to terminate: GHCB reason set 3, code 3",
                 "SEV information with another C-bit: the SVSM ends (set 3, C-bit disagreement)"),
                ("version", "vsnp: the guest asked to terminate: GHCB reason set 0, code 1",
                 "no GHCB version in common: the SVSM ends (set 0, code 1)"),
                ("features", "vsnp: the guest asked to terminate: GHCB reason set 0, code 2",
                 "hypervisor features without AP creation: the SVSM ends (set 0, code 2)"),
                ("cpuid-valid", "snp: #VC exit code 0x72 at RIP",
                 "a GHCB CPUID answer with no output marked valid: not used, the SVSM stops with the reason"),
                ("unvalidate", "snp: #VC 0x404: access to a page that is not validated",
                 "an RMPUPDATE that unvalidates the SVSM's stack: #VC 0x404 in the SVSM, reported, the VM ends")):
            rc, out = boot(qemu_boot, vsnp_img, "--payload", igvm, "--append", "vsnp.lie=" + lie)
            check(rc == 0 and "vsnp: A HOSTILE HYPERVISOR: vsnp.lie=" + lie in out and says in out and
                  (lie == "unvalidate" or "SVSM: launching the payload" not in out) and "GHCB reason set 14" not in out,
                  "hostile hypervisor (" + lie + "): " + what, out)
        # A page state change to shared answered "done" but not done. The SVSM cannot find this out by
        # probing (a PVALIDATE of a shared page may fault to a host that converts pages on faults, as KVM
        # does), and needs not: the page stays private, so its first write through the mapping without
        # the C-bit is an RMP violation the hypervisor sees, and nothing of the SVSM's reaches the host.
        rc, out = boot(qemu_boot, vsnp_img, "--payload", igvm, "--append", "vsnp.lie=psc-undone")
        check(rc == 0 and "vsnp: (lie) page state change of 0x" in out and
              re.search(r"^vsnp: vCPU 0 STOPPED at VMPL0 RIP 0x[0-9a-f]+: RMP violation at GPA 0x[0-9a-f]+ "
                        r"\(shared access to a private page\); RMP entry: assigned 1 validated 0", out, re.M) and
              "SVSM: launching the payload" not in out,
              "hostile hypervisor (psc-undone): a PSC answered done but not done leaves the page private; the "
              "SVSM's first write to it as shared is the hypervisor's RMP fault, the VM goes no further", out)
        # Guest-request answers to the SVSM tampered with (a tag bit) or replayed (an old, valid answer):
        # refused, VMPCK0 wiped, no report from them; the guest's own requests (VMPCK2) unaffected.
        wiped = ("[ERR ] run: an answer to the SVSM's guest request failed its checks (header, sequence number "
                 "or tag): VMPCK0 wiped")
        for lie, said, first_ok in (("req-tag", "relayed with its tag changed", False),
                                    ("req-replay", "second guest request answered with its first answer again", True)):
            rc, out = boot(qemu_boot, vsnp_img, "--payload", igvm, "--append", "vsnp.lie=" + lie)
            reports = re.findall(r"^# attest report ", out, re.M)
            check(rc == 0 and "vsnp: (lie) " in out and said in out and wiped in out and
                  len(reports) == (1 if first_ok else 0) and
                  re.search(r"^not ok \d+ - a second report \(the next message sequence number\)", out, re.M) and
                  re.search(r"^ok \d+ - GHCB page: the guest's own MSG_REPORT_REQ \(VMPCK2\)", out, re.M) and
                  "vsnp: the guest asked to terminate: GHCB reason set 14, code 1" in out,
                  "hostile hypervisor (" + lie + "): the SVSM refuses the answer, wipes VMPCK0 and gives the guest "
                  "no report from it; the guest's own VMPCK2 requests still work", out)
        # Answers rewritten after the SVSM had them (the GHCB's outputs, a guest request's response page),
        # at the next exit the SVSM's own code makes: it read each once, before anything that exits, so
        # it never sees them and the whole run passes (the guest's checks, attestation among them).
        rc, out = boot(qemu_boot, vsnp_img, "--payload", igvm, "--append", "vsnp.lie=rewrite", expect="pass")
        rewrites = re.search(r"^vsnp: \(lie\) (\d+) answers rewritten after VMPL0 had them$", out, re.M)
        check(rc == 0 and rewrites is not None and int(rewrites.group(1)) > 100 and
              not re.search(r"^not ok ", out, re.M) and re.search(r"^# attest report ", out, re.M) and
              "vsnp: the guest asked to terminate: GHCB reason set 14, code 0" in out,
              "hostile hypervisor (rewrite): answers rewritten in the shared pages after the SVSM read them are "
              "never used; every check passes", out)
        rc, out = boot(qemu_boot, vsnp_img, "--payload", igvm, "--append", "vsnp.lie=bogus")
        check(rc == 0 and "vsnp: vsnp.lie: not one of" in out, "an unknown vsnp.lie: refused, named", out)

        bad = os.path.join(d, "bad.igvm")
        blob = bytearray(open(igvm, "rb").read())
        blob[40] ^= 1
        with open(bad, "wb") as f:
            f.write(blob)
        rc, out = boot(qemu_boot, vsnp_img, "--payload", bad)
        check(rc == 0 and "vsnp: IGVM launch refused: IGVM checksum" in out, "a corrupted IGVM file: refused, checksum", out)
        rc, out = boot(qemu_boot, vsnp_img, "--payload", svsm_img)
        check(rc == 0 and "vsnp: IGVM launch refused: not an IGVM file" in out, "svsm.img itself: not an IGVM file", out)
        rc, out = boot(qemu_boot, vsnp_img)
        check(rc == 0 and "vsnp: nothing to launch: no IGVM file given" in out, "no file: nothing to launch", out)
        rc, out = boot(qemu_boot, vsnp_img, "--payload", igvm, "--cpu", "qemu64")
        check(rc == 0 and "vsnp: cannot run guests: this CPU has no SVM" in out, "no SVM: refused", out)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
