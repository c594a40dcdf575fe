# SPDX-License-Identifier: MIT
# Shared by run.sh and test.sh: dependency check/installation and configuring
# the build directory. Sourced, not run.

# Debian 12 packages the build, tests and main job need.
SVSM_PACKAGES="meson ninja-build gcc gcc-multilib libc6-dev-i386 binutils python3 pkg-config libcmocka-dev qemu-system-x86 clang libclang-rt-14-dev libmbedtls-dev libtpms-dev libssl-dev tpm2-tools libtss2-tcti-cmd0 swtpm swtpm-tools"

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
svsm_configure() {
	local dir=$1
	shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" "$@" || return 1
	fi
}
