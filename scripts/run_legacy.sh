#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# scripts/run.sh --legacy: the older path, until it is retired (issue 16): svsm.img booted
# directly under QEMU TCG, the SVSM the L1 hypervisor of its own VMPL2 guest
# (svsm/platform/vsnp). Called by run.sh with: IMG PAYLOAD CPU SMP APPEND LOG [--gdb].
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
root=$(svsm_root)
build="$root/build"
img=$1 payload=$2 cpu=$3 smp=$4 append=$5 log=$6
gdb=${7:-}

echo "== booting $(basename "$img") ($(stat -c %s "$img") bytes) under QEMU TCG, -cpu $cpu, -smp $smp," \
	"payload $(basename "$payload") (legacy path: the SVSM is the hypervisor)"
python3 "$root/scripts/qemu_boot.py" --image "$img" --symbols "$build/svsm/svsm-kernel.elf" \
	--payload "$payload" --cpu "$cpu" --smp "$smp" --append "$append" --log "$log" --expect any $gdb
status=$?
run_need_log "$status" "$log"
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
why=$(grep -m1 -E '^SVSM: (guest STOPPED|guest exited|guest asked|a payload was given|boot complete)' "$log")
run_verdict "$status" "$launched" "$ended" "$why" "run.sh: SVSM booted, ran the payload at VMPL2, and it succeeded (exit 0)"
