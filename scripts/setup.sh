#!/usr/bin/env bash
# Install what "make check", "make bench" or "make demo" needs on Debian 12.
# Idempotent: does nothing when everything is present.  Needs root (or
# sudo) only when something is missing.
set -euo pipefail
what=${1:-check}

pkgs=(build-essential pkg-config check util-linux cpio busybox-static
      qemu-system-x86 kmod xz-utils zstd)
case "$what" in
check|bench|demo) ;;
*) echo "setup.sh: unknown target $what" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing ${missing[*]}"
SUDO=
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || {
		echo "setup: need root to install: ${missing[*]}" >&2
		exit 1
	}
	SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
