#!/bin/sh
# SPDX-License-Identifier: MIT
# Instructions per SVSM call on the fake backend, counted by callgrind:
# per QUERY_PROTOCOL through the dispatcher, per 4 KiB entry of a
# 510-entry PVALIDATE list (validate + rescind) with the lent pool empty
# and with 4080 pages lent, and per entry of 510-entry DEPOSIT_MEM lists
# filling the pool. Figures only.
#   scripts/bench_protocols.sh [BUILD_DIR]
set -eu
build=${1:-build}
bench="$build/tests/bench/bench_protocols"
if ! command -v valgrind >/dev/null 2>&1; then
	echo "bench_protocols.sh: valgrind is not installed (apt-get install valgrind)" >&2
	exit 1
fi
if [ ! -x "$bench" ]; then
	echo "bench_protocols.sh: $bench is missing; build first (meson compile -C $build)" >&2
	exit 1
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# Ir counted only inside the named function (and what it calls).
count() { # function rounds queries
	valgrind --tool=callgrind --callgrind-out-file="$out/cg.$1" --collect-atstart=no \
		--toggle-collect="$1" "$bench" "$2" "$3" >/dev/null 2>"$out/log.$1"
	sed -n 's/^summary: *\([0-9]*\).*/\1/p;s/^totals: *\([0-9]*\).*/\1/p' "$out/cg.$1" | head -n 1
}

rounds=2
queries=10000
q=$(count bench_query "$rounds" "$queries")
p=$(count bench_pvalidate_list "$rounds" "$queries")
l=$(count bench_pvalidate_lent "$rounds" "$queries")
d=$(count bench_deposit_lists "$rounds" "$queries")
[ -n "$q" ] && [ -n "$p" ] && [ -n "$l" ] && [ -n "$d" ] ||
	{ echo "bench_protocols.sh: no callgrind totals (see valgrind output)" >&2; cat "$out"/log.* >&2; exit 1; }
entries=$((rounds * 2 * 510))
lent=$((rounds * 8 * 510))
echo "QUERY_PROTOCOL via svsm_dispatch: $((q / queries)) instructions per call ($q over $queries calls)"
echo "PVALIDATE list, 4 KiB entries on fake: $((p / entries)) instructions per entry ($p over $entries entries)"
echo "... with 4080 pages lent: $((l / entries)) instructions per entry ($l over $entries entries)"
echo "DEPOSIT_MEM lists filling the pool to 4080 pages: $((d / lent)) instructions per entry ($d over $lent entries)"
