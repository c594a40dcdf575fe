#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The protocol result type keeps its family apart (include/protocols/svsm_rc.h).

    rc_types.py CC INCLUDE_DIR

Compiles small handlers with the project's warnings: one that returns and
compares protocol results the intended way must compile; each that mixes a
protocol result with an internal error (svsm/errno.h), an instruction's
return code (abi/snp.h) or a bare number must be refused by the compiler.
Exit 0 when every case went as expected.
"""
import os
import subprocess
import sys
import tempfile

HEAD = """#include <stdint.h>
#include "svsm/errno.h"
#include "protocols/svsm_rc.h"
"""
GOOD = """svsm_rc f(int x);
svsm_rc f(int x)
{
	svsm_rc rc = x > 0 ? SVSM_RC_SUCCESS : svsm_rc_from_insn(x);

	if (!svsm_rc_ok(rc) && svsm_rc_eq(rc, SVSM_RC_BUSY))
		return SVSM_RC_INVALID_REQUEST;
	return rc;
}
"""
BAD = {
    "an internal error returned as a protocol result":
        "svsm_rc f(void);\nsvsm_rc f(void) { return SVSM_EIO; }\n",
    "an instruction's code returned as a protocol result":
        "svsm_rc f(void);\nsvsm_rc f(void) { return PVALIDATE_FAIL_INPUT; }\n",
    "a protocol result compared with an internal error":
        "int f(svsm_rc r);\nint f(svsm_rc r) { return r == SVSM_OK; }\n",
    "a protocol result assigned to an int":
        "int f(void);\nint f(void) { int e = SVSM_RC_BUSY; return e; }\n",
    "a raw RAX value assigned to a protocol result":
        "svsm_rc f(uint64_t rax);\nsvsm_rc f(uint64_t rax) { svsm_rc r = rax; return r; }\n",
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
        print(f"{'ok' if ok else 'not ok'} - results used through svsm_rc compile")
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
