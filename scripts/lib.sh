# SPDX-License-Identifier: MIT
# Shared by run.sh and test.sh: dependency check/installation and configuring
# the build directory. Sourced, not run.

# Debian 12 packages the build, tests and main job need.
SVSM_PACKAGES="debian-archive-keyring mmdebstrap meson ninja-build gcc gcc-multilib libc6-dev-i386 binutils python3 pkg-config libcmocka-dev qemu-system-x86 clang libclang-rt-14-dev libmbedtls-dev libtpms-dev libssl-dev tpm2-tools libtss2-tcti-cmd0 swtpm swtpm-tools mtools"

svsm_root() {
	cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd
}

# Installs missing packages with apt-get when root; otherwise prints the
# exact command and fails.
svsm_ensure_packages() {
	local missing=()
	local p
	for p in $SVSM_PACKAGES; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
			missing+=("$p")
		fi
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "Missing Debian packages: ${missing[*]}" >&2
		echo "Install them with:" >&2
		echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
		return 1
	fi
	echo "== installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq || return 1
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || return 1
}

# svsm_configure BUILD_DIR [meson options...]: set up once, reuse after.
# svsm_no_skips BUILD_DIR: fails if the last meson test run there skipped a test. A skip is
# exit status 77, which is also libFuzzer's finding: no test here skips on purpose, so a
# skip is something that did not run (or a failure that looked like one).
svsm_no_skips() {
	python3 - "$1/meson-logs/testlog.json" <<'PY'
import json, sys
skipped = [t["name"] for t in map(json.loads, open(sys.argv[1])) if t.get("result") == "SKIP"]
if skipped:
    print("test.sh: skipped (none should be): " + ", ".join(skipped))
    sys.exit(1)
PY
}

svsm_configure() {
	local dir=$1
	shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" "$@" || return 1
	fi
}

# The main job's ending (scripts/run.sh; its summary comes from this run's log only).
# run_need_log STATUS LOG: stops the script if QEMU never ran.
run_need_log() {
	if [ ! -s "$2" ]; then
		echo "run.sh: QEMU did not run (qemu_boot exit $1): nothing booted, no log"
		exit $(( $1 == 0 ? 1 : $1 ))
	fi
}

# run_verdict STATUS LAUNCHED ENDED WHY SUCCESS_LINE: success only when the payload was launched and
# ended with status 0; otherwise says why and exits non-zero.
run_verdict() {
	local status=$1 launched=$2 ended=$3 why=$4
	if [ "$status" -eq 0 ] && [ "$launched" -gt 0 ] && [ "$ended" = "0" ]; then
		echo "$5; log in build/run.log"
		exit 0
	fi
	if [ "$launched" -eq 0 ]; then
		echo "run.sh: no payload was launched${why:+ ($why)}; log in build/run.log"
	else
		echo "run.sh: SVSM run FAILED (exit $status)${why:+: $why}; log in build/run.log"
	fi
	[ "$status" -eq 0 ] && status=1
	exit "$status"
}
