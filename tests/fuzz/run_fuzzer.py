#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Run a libFuzzer target from seed files for a fixed number of inputs.

Copies the seeds into a fresh corpus directory (libFuzzer only mutates
inputs found in directories), runs the target, and passes its exit status
through: a crash or an abort() from an invariant check fails the test.
libFuzzer's own exit code for a finding is 77, which meson reads as
"skipped": the target runs with -error_exitcode=1, and any 77 that still
comes back is turned into a failure too, so a finding can never pass as a
skip.
"""
import os
import shutil
import subprocess
import sys
import tempfile


def main():
    if len(sys.argv) < 3 or "--" not in sys.argv:
        sys.exit("usage: run_fuzzer.py FUZZER SEED... -- LIBFUZZER_ARGS...")
    sep = sys.argv.index("--")
    fuzzer, seeds, fargs = sys.argv[1], sys.argv[2:sep], sys.argv[sep + 1:]
    with tempfile.TemporaryDirectory() as corpus:
        for i, seed in enumerate(seeds):
            shutil.copy(seed, os.path.join(corpus, f"seed{i}"))
        rc = subprocess.call([fuzzer, "-error_exitcode=1"] + fargs + [corpus])
        return 1 if rc == 77 else rc


if __name__ == "__main__":
    sys.exit(main())
