#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The main job: install what is missing, build, boot the SVSM under QEMU TCG
# (-machine q35 -cpu EPYC -smp 2), launch the VMPL2 payload (default: the test guest),
# show what happened, end with a one-line summary.
#
#   scripts/run.sh [--payload FILE] [--cpu MODEL] [--smp N] [--append "OPTIONS"] [--gdb]
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
root=$(svsm_root)
build="$root/build"
cpu=EPYC
smp=2
append=""
payload=""
gdb=""

usage() {
	sed -n '3,7p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}
while [ $# -gt 0 ]; do
	case "$1" in
	--payload) payload=${2:?--payload needs a file}; shift 2 ;;
	--cpu) cpu=${2:?--cpu needs a model}; shift 2 ;;
	--smp) smp=${2:?--smp needs a CPU count}; shift 2 ;;
	--append) append=${2?--append needs options}; shift 2 ;;
	--gdb) gdb=--gdb; shift ;;
	-h|--help) usage; exit 0 ;;
	*) echo "run.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
	esac
done

if [ -n "$payload" ] && [ ! -f "$payload" ]; then
	echo "run.sh: --payload: no such file: $payload" >&2
	exit 2
fi
case "$smp" in
''|*[!0-9]*|0*) echo "run.sh: --smp: '$smp' is not a CPU count (1, 2, ...)" >&2; exit 2 ;;
esac
max_cpus=$(sed -n 's/^#define SMP_MAX_CPUS \([0-9]*\).*/\1/p' "$root/include/svsm/smp.h")
if [ "$smp" -gt "${max_cpus:-1}" ]; then
	echo "run.sh: --smp: $smp CPUs; the SVSM runs on at most ${max_cpus:-1} (SMP_MAX_CPUS)" >&2
	exit 2
fi

svsm_ensure_packages || exit 1
svsm_configure "$build" || exit 1
echo "== building"
ninja -C "$build" >/dev/null || { ninja -C "$build"; exit 1; }

img="$build/stage1/svsm.img"
payload=${payload:-$build/tests/guest/test-guest}
echo "== booting $(basename "$img") ($(stat -c %s "$img") bytes) under QEMU TCG, -cpu $cpu, -smp $smp," \
	"payload $(basename "$payload")"
log="$build/run.log"
rm -f "$log" # the summary below reads this run's log only
python3 "$root/scripts/qemu_boot.py" --image "$img" --symbols "$build/svsm/svsm-kernel.elf" \
	--payload "$payload" --cpu "$cpu" --smp "$smp" --append "$append" --log "$log" --expect any $gdb
status=$?
if [ ! -s "$log" ]; then
	echo "run.sh: QEMU did not run (qemu_boot exit $status): nothing booted, no log"
	exit $(( status == 0 ? 1 : status ))
fi
# The relying party's view of the launch: the digest computed from the file alone.
svsm_digest=$(sed -n 's/^SVSM: launch digest \([0-9a-f]\{96\}\) .*/\1/p' "$log" | head -n 1)
if [ -n "$svsm_digest" ]; then
	cbit=$(sed -n 's/.*guest C-bit \([0-9]*\).*/\1/p' "$log" | head -n 1)
	host_digest=$("$build/tools/snp-launch-digest" "$payload" --cbit-pos "${cbit:-39}" 2>/dev/null)
	if [ "$host_digest" = "$svsm_digest" ]; then
		echo "run.sh: launch digest matches build/tools/snp-launch-digest $(basename "$payload")"
	else
		echo "run.sh: launch digest DIFFERS from snp-launch-digest of the payload (${host_digest:-no answer})"
		[ $status -eq 0 ] && status=1
	fi
fi
# Success only as this run's console says it: the SVSM launched the payload and it ended with status 0.
launched=$(grep -c '^SVSM: launching the payload at VMPL' "$log")
ended=$(sed -n 's/^SVSM: guest exited with status \([0-9]*\) .*/\1/p' "$log" | tail -n 1)
if [ $status -eq 0 ] && [ "$launched" -gt 0 ] && [ "$ended" = "0" ]; then
	echo "run.sh: SVSM booted, ran the payload at VMPL2, and it succeeded (exit 0); log in build/run.log"
	exit 0
fi
why=$(grep -m1 -E '^SVSM: (guest STOPPED|guest exited|guest asked|a payload was given|boot complete)' "$log")
if [ "$launched" -eq 0 ]; then
	echo "run.sh: no payload was launched${why:+ ($why)}; log in build/run.log"
else
	echo "run.sh: SVSM run FAILED (exit $status)${why:+: $why}; log in build/run.log"
fi
[ $status -eq 0 ] && status=1
exit $status
