#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# All tests: install what is missing, build the debug configuration (host
# tests with ASan/UBSan), run every meson test (host unit tests and the
# in-SVSM self-tests under QEMU), then check the release configuration builds.
# A skipped test fails the run (svsm_no_skips): none skips on purpose.
#
#   scripts/test.sh [meson test arguments, e.g. --suite unit]
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
root=$(svsm_root)

svsm_ensure_packages || exit 1
svsm_configure "$root/build" || exit 1
echo "== building (debug)"
ninja -C "$root/build" || exit 1
echo "== meson test"
meson test -C "$root/build" --print-errorlogs "$@" || exit 1
svsm_no_skips "$root/build" || exit 1

echo "== building (release)"
svsm_configure "$root/build-release" --buildtype=release -Dsanitize=false || exit 1
ninja -C "$root/build-release" >/dev/null || { ninja -C "$root/build-release"; exit 1; }
echo "== release self-tests"
meson test -C "$root/build-release" --suite svsm --print-errorlogs || exit 1
svsm_no_skips "$root/build-release" || exit 1
echo "test.sh: all tests passed"
