#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The main job: install what is missing, build, pack svsm.img and the VMPL2 payload
# (default: the test guest) into one IGVM file, boot the emulated SEV-SNP machine
# (vsnp.img, QEMU TCG -cpu EPYC) on it, show what happened, end with a summary.
#
#   scripts/run.sh [--payload FILE | --linux | --ovmf] [--cpu MODEL] [--smp N] [--pcpus N]
#                  [--append "OPTIONS"] [--vtpm-state FILE] [--gdb]
#
# --linux: Debian's kernel and the initramfs of guest/linux instead (fetched once into
# build/debian-cache), its checks as TAP through the kernel log; it powers the VM off.
# --ovmf: Debian's OVMF at VMPL2 instead, booting the same kernel and initramfs from an EFI
# system partition the build makes (systemd-boot, one entry); the VM has 512 MiB.
# --smp N: the VM's vCPUs (1-8, default 2). --pcpus N: the CPUs QEMU gives the machine
# (1-8, default 2; vCPU i runs on CPU i mod N). --append: the SVSM's command line
# (guest.* words go on to the payload). --vtpm-state FILE: a disk (made, 2 MiB, if missing)
# where the SVSM keeps the vTPM's state sealed across runs (tools/vtpm-state info|reset FILE).
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
root=$(svsm_root)
build="$root/build"
cpu=EPYC
smp=2
pcpus=2
append=""
payload=""
gdb=""
linux=""
ovmf=""
state=""

usage() {
	sed -n '3,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}
while [ $# -gt 0 ]; do
	case "$1" in
	--payload) payload=${2:?--payload needs a file}; shift 2 ;;
	--cpu) cpu=${2:?--cpu needs a model}; shift 2 ;;
	--smp) smp=${2:?--smp needs a CPU count}; shift 2 ;;
	--pcpus) pcpus=${2:?--pcpus needs a CPU count}; shift 2 ;;
	--append) append=${2?--append needs options}; shift 2 ;;
	--gdb) gdb=--gdb; shift ;;
	--linux) linux=yes; shift ;;
	--ovmf) ovmf=yes; shift ;;
	--vtpm-state) state=${2:?--vtpm-state needs a file}; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "run.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
	esac
done

if [ -n "$linux$ovmf" ] && { [ -n "$payload" ] || [ -n "$append" ] || [ "$linux$ovmf" = yesyes ]; }; then
	echo "run.sh: --linux and --ovmf each bring their own guest and command line (guest/linux, guest/ovmf)" >&2
	exit 2
fi
if [ -n "$payload" ] && [ ! -f "$payload" ]; then
	echo "run.sh: --payload: no such file: $payload" >&2
	exit 2
fi
case "$smp" in
''|*[!0-9]*|0*) echo "run.sh: --smp: '$smp' is not a CPU count (1, 2, ...)" >&2; exit 2 ;;
esac
case "$pcpus" in
[1-8]) ;;
*) echo "run.sh: --pcpus: '$pcpus' is not a CPU count from 1 to 8" >&2; exit 2 ;;
esac
max_cpus=$(sed -n 's/^#define VSNP_MAX_VCPUS \([0-9]*\).*/\1/p' "$root/vsnp/vcpu.h")
if [ "$smp" -gt "${max_cpus:-1}" ]; then
	echo "run.sh: --smp: $smp vCPUs; the emulated machine has at most ${max_cpus:-1}" >&2
	exit 2
fi

svsm_ensure_packages || exit 1
svsm_configure "$build" || exit 1
echo "== building"
ninja -C "$build" >/dev/null || { ninja -C "$build"; exit 1; }
if [ -n "$linux" ]; then
	echo "== building the Linux guest (Debian's kernel and busybox, fetched once into build/debian-cache)"
	ninja -C "$build" guest/linux/linux.igvm >/dev/null || { ninja -C "$build" guest/linux/linux.igvm; exit 1; }
fi
if [ -n "$ovmf" ]; then
	echo "== building OVMF's IGVM file and its boot disk (Debian's OVMF, systemd-boot, kernel and busybox, fetched once)"
	ninja -C "$build" guest/ovmf/ovmf.igvm guest/ovmf/esp.img >/dev/null ||
		{ ninja -C "$build" guest/ovmf/ovmf.igvm guest/ovmf/esp.img; exit 1; }
fi

img="$build/stage1/svsm.img"
payload=${payload:-$build/tests/guest/test-guest}
log="$build/run.log"
rm -f "$log" # the summary below reads this run's log only

igvm="$build/run.igvm"
mem=512M
vm_mem=()
if [ -n "$linux" ]; then
	igvm="$build/guest/linux/linux.igvm"
	echo "== $(basename "$img"), Debian's kernel and the initramfs in $(basename "$igvm") (tools/igvm-build --linux)"
elif [ -n "$ovmf" ]; then
	igvm="$build/guest/ovmf/ovmf.igvm"
	echo "== $(basename "$img") and Debian's OVMF in $(basename "$igvm") (tools/igvm-build --firmware); its boot disk" \
		"guest/ovmf/esp.img"
	mem=1G
	vm_mem=(vsnp.mem=512)
else
	echo "== packing $(basename "$img") and $(basename "$payload") into $(basename "$igvm") (tools/igvm-build)"
	"$build/tools/igvm-build" --svsm "$img" --payload "$payload" --cmdline "$append" -o "$igvm" || exit 1
fi
# QEMU's CPUs on one host thread: with one thread each (MTTCG) about 1 Linux
# boot in 15-60 went wrong inside QEMU (vsnp/README.md, cpu.c).
drive=()
[ -n "$ovmf" ] && drive=(--boot-disk "$build/guest/ovmf/esp.img")
if [ -n "$state" ]; then
	[ -e "$state" ] || python3 "$root/tools/vtpm-state" create "$state" || exit 1
	echo "== the vTPM's state disk: $state ($(python3 "$root/tools/vtpm-state" info "$state" | tr '\n' ';'))"
	drive+=(--drive "$state")
fi
echo "== booting vsnp.img (the SEV-SNP machine) under QEMU TCG (one thread), -cpu $cpu, $pcpus CPU(s), $smp vCPUs, on $(basename "$igvm")"
python3 "$root/scripts/qemu_boot.py" --image "$build/stage1/vsnp.img" --symbols "$build/svsm/vsnp-kernel.elf" \
	--payload "$igvm" --cpu "$cpu" --smp "$pcpus" --tcg-single --mem "$mem" --append "vsnp.cpus=$smp ${vm_mem[*]}" \
	--log "$log" --expect any --timeout 180 "${drive[@]}" $gdb
status=$?
run_need_log "$status" "$log"
# The relying party's view of the launch: the digest computed from the file alone.
machine_digest=$(sed -n 's/^vsnp: launch digest \([0-9a-f]\{96\}\) .*/\1/p' "$log" | head -n 1)
if [ -n "$machine_digest" ]; then
	host_digest=$("$build/tools/snp-launch-digest" --igvm "$igvm" 2>/dev/null)
	if [ "$host_digest" = "$machine_digest" ]; then
		echo "run.sh: launch digest matches build/tools/snp-launch-digest --igvm $(basename "$igvm")"
	else
		echo "run.sh: launch digest DIFFERS from snp-launch-digest of the IGVM file (${host_digest:-no answer})"
		[ $status -eq 0 ] && status=1
	fi
fi
# Which layer did what: the machine's exits, the SVSM's part, the guest's checks.
exits=$(sed -n 's/^vsnp: the vCPUs ran: \(.*\)$/\1/p' "$log" | tail -n 1)
[ -n "$exits" ] && echo "run.sh: the machine (vsnp): $exits"
spread=$(sed -n 's/^vsnp: \([0-9]* vCPUs ran on .*\)$/\1/p' "$log" | tail -n 1)
[ -n "$spread" ] && echo "run.sh: the machine (vsnp): $spread"
svsm_calls=$(sed -n 's/^SVSM: calls served so far: \(.*\)$/\1/p' "$log" | tail -n 1)
[ -n "$svsm_calls" ] && echo "run.sh: the SVSM (VMPL0): calls served, at its last count: $svsm_calls"
svsm_keeps=$(sed -n 's/^\[INFO\] mm: .*this kernel keeps \([0-9]*\) KiB.*$/\1/p' "$log" | tail -n 1)
[ -n "$svsm_keeps" ] && echo "run.sh: the SVSM keeps $((svsm_keeps / 1024)) MiB of the VM's memory (its region and heap)"
vstate=$(sed -n 's/^# vtpm state: \([a-z]*\), version \([0-9]*\).*$/\1, version \2/p' "$log" | tail -n 1)
disk=$(sed -n 's/^vsnp: disk: \([0-9]* requests.*\)$/\1/p' "$log" | tail -n 1)
[ -n "$vstate" ] && echo "run.sh: the vTPM's state as the guest's attestation last showed it: $vstate${disk:+ (the disk: $disk)}"
times=$(sed -n 's/^vsnp: time: \(.*\)$/\1/p' "$log" | tail -n 1)
[ -n "$times" ] && echo "run.sh: time: $times"
# TAP on the console, or through a Linux guest's kernel log (a time stamp first).
guest_ok=$(grep -c -E '^(\[ *[0-9.]+\] )?ok ' "$log")
guest_failed=$(grep -c -E '^(\[ *[0-9.]+\] )?not ok ' "$log")
launched=$(grep -c -E '^SVSM: launching (the payload|Linux|the guest firmware) at VMPL' "$log")
[ "$launched" -gt 0 ] && echo "run.sh: the guest (VMPL2): $guest_ok checks passed, $guest_failed failed"
# The failed checks themselves, with the comment lines under them (at most the first 5).
[ "$guest_failed" -gt 0 ] && grep -A2 -E '^(\[ *[0-9.]+\] )?not ok ' "$log" | grep -E '(not ok |# )' | head -n 15 |
	sed 's/^/run.sh: failed: /'
# Success only as this run's console says it: the SVSM launched the payload and it ended with status 0.
ended=$(sed -n 's/^vsnp: the guest asked to terminate: GHCB reason set 14, code \([0-9]*\).*$/\1/p' "$log" | tail -n 1)
# Linux ends by powering off; it succeeded when its TAP plan was met with no failure.
if [ -n "$linux$ovmf" ] && grep -q '^vsnp: the guest powered the machine off' "$log"; then
	plan=$(sed -n 's/^\[ *[0-9.]*\] 1\.\.\([0-9]*\)$/\1/p' "$log" | tail -n 1)
	[ -n "$plan" ] && [ "$guest_failed" -eq 0 ] && [ "$guest_ok" -eq "$plan" ] && ended=0 || ended=1
fi
why=$(grep -m1 -E '^vsnp: (vCPU [0-9]+ STOPPED|the guest asked|the guest powered|cannot run guests|nothing to launch|IGVM launch refused)' "$log")
why=${why/STOPPED/(guest STOPPED)}
run_verdict "$status" "$launched" "$ended" "$why" "run.sh: SVSM booted on the SNP machine, ran the payload at VMPL2, and it succeeded (exit 0)"
