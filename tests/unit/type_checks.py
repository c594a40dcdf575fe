#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The types that keep families apart do (include/protocols/svsm_rc.h,
include/svsm/insn_rc.h, include/svsm/addr.h).

    type_checks.py CC INCLUDE_DIR

Compiles small functions with the project's warnings: ones that use
protocol results, instruction results and guest physical addresses the
intended way must compile; each that mixes a protocol result with an
internal error (svsm/errno.h), an instruction's result or a bare number,
or an instruction's result with an internal error or a bare number, or
hands a guest copy a plain number or a physical address, or hands the
platform seam a guest address or a plain number where a checked physical
address belongs, or PVALIDATE a physical address where its virtual one
belongs, or maps a guest address or a plain number through the temporary
window, or takes a guest address as a number, must be refused
by the compiler. Exit 0 when every case went as expected.
"""
import os
import subprocess
import sys
import tempfile

HEAD = """#include <stdint.h>
#include "svsm/errno.h"
#include "svsm/guest_mem.h"
#include "svsm/mm.h"
#include "svsm/platform.h"
#include "svsm/snp_insn.h"
#include "protocols/svsm_rc.h"
"""
GOOD = """svsm_rc f(int x);
svsm_rc f(int x)
{
	insn_rc code = platform_rmpadjust(pa_from_checked_gpa(gpa_init(0x1000)), RMP_PG_SIZE_4K, 1);
	svsm_rc rc = x > 0 || insn_rc_ok(code) ? SVSM_RC_SUCCESS : svsm_rc_from_insn(code);

	if (insn_rc_eq(code, INSN_RC_FAIL_INUSE))
		return SVSM_RC_FAIL_INUSE;

	if (!svsm_rc_ok(rc) && svsm_rc_eq(rc, SVSM_RC_BUSY))
		return SVSM_RC_INVALID_REQUEST;
	return rc;
}
int g(uint64_t rcx, uint8_t *b);
int g(uint64_t rcx, uint8_t *b)
{
	gpa_t a = gpa_init(rcx);

	return copy_from_guest(b, gpa_add(a, 8), 1, 1) == SVSM_OK ? (int)gpa_addr(a) : -1;
}
"""
BAD = {
    "an internal error returned as a protocol result":
        "svsm_rc f(void);\nsvsm_rc f(void) { return SVSM_EIO; }\n",
    "an instruction's code returned as a protocol result":
        "svsm_rc f(void);\nsvsm_rc f(void) { return PVALIDATE_FAIL_INPUT; }\n",
    "an instruction's result turned into a protocol result without the mapping":
        "svsm_rc f(insn_rc c);\nsvsm_rc f(insn_rc c) { return c; }\n",
    "a protocol result compared with an internal error":
        "int f(svsm_rc r);\nint f(svsm_rc r) { return r == SVSM_OK; }\n",
    "a protocol result assigned to an int":
        "int f(void);\nint f(void) { int e = SVSM_RC_BUSY; return e; }\n",
    "a raw RAX value assigned to a protocol result":
        "svsm_rc f(uint64_t rax);\nsvsm_rc f(uint64_t rax) { svsm_rc r = rax; return r; }\n",
    "an internal error returned as an instruction's result":
        "insn_rc f(void);\ninsn_rc f(void) { return SVSM_EPERM; }\n",
    "an instruction's result returned as an internal error":
        "int f(void);\nint f(void) { return platform_pvalidate(0, 0, true, &(bool){ 0 }); }\n",
    "an instruction's result compared with a hardware number":
        "int f(insn_rc c);\nint f(insn_rc c) { return c == RMPADJUST_SUCCESS; }\n",
    "an internal error made into an instruction's result by its number":
        "svsm_rc f(void);\nsvsm_rc f(void) { return svsm_rc_from_insn(SVSM_EFAULT); }\n",
    "a plain number handed to a guest copy as the guest address":
        "int f(uint64_t pa, uint8_t *b);\nint f(uint64_t pa, uint8_t *b) { return copy_from_guest(b, pa, 1, 1); }\n",
    "a physical address handed to a guest copy":
        "int f(paddr_t pa, uint8_t *b);\nint f(paddr_t pa, uint8_t *b) { return copy_from_guest(b, pa, 1, 1); }\n",
    "an unchecked guest address handed to an RMP operation":
        "insn_rc f(uint64_t rcx);\ninsn_rc f(uint64_t rcx) { return platform_rmpadjust(gpa_init(rcx), 0, 1); }\n",
    "a plain number handed to an RMP operation":
        "insn_rc f(uint64_t rcx);\ninsn_rc f(uint64_t rcx) { return platform_rmpadjust(rcx, 0, 1); }\n",
    "a physical address handed to PVALIDATE, which takes a virtual one":
        "insn_rc f(paddr_t pa);\ninsn_rc f(paddr_t pa) { bool cf; return snp_insn_pvalidate(0, pa, 0, true, &cf); }\n",
    "an unchecked guest address mapped through the temporary window":
        "int f(uint64_t rcx, void **va);\nint f(uint64_t rcx, void **va) { return tmpmap(gpa_init(rcx), 1, 0, va); }\n",
    "a plain number mapped through the temporary window":
        "int f(uint64_t rcx, void **va);\nint f(uint64_t rcx, void **va) { return tmpmap(rcx, 1, 0, va); }\n",
    "a guest address used as a number":
        "uint64_t f(gpa_t a);\nuint64_t f(gpa_t a) { return a + 4096; }\n",
}


def compiles(cc, inc, body, d, name):
    src = os.path.join(d, name + ".c")
    with open(src, "w") as f:
        f.write(HEAD + body)
    r = subprocess.run([cc, "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-fsyntax-only", "-I", inc, src],
                       capture_output=True, text=True)
    return r.returncode == 0, r.stderr


def main():
    cc, inc = sys.argv[1], sys.argv[2]
    failed = 0
    with tempfile.TemporaryDirectory() as d:
        ok, err = compiles(cc, inc, GOOD, d, "good")
        print(f"{'ok' if ok else 'not ok'} - results and guest addresses used as intended compile")
        if not ok:
            print(err)
            failed += 1
        for i, (what, body) in enumerate(BAD.items()):
            ok, err = compiles(cc, inc, body, d, f"bad{i}")
            refused = not ok and "error" in err
            print(f"{'ok' if refused else 'not ok'} - refused: {what}")
            failed += not refused
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
