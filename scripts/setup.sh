#!/usr/bin/env bash
# Install what "make check", "make bench" or "make demo" needs on Debian 12.
# Idempotent: does nothing when everything is present.  Needs root (or
# sudo) only when something is missing.
set -euo pipefail
what=${1:-check}

case "$what" in
check|bench|demo) ;;
*) echo "setup.sh: unknown target $what" >&2; exit 2 ;;
esac

SUDO=
if [ "$(id -u)" -ne 0 ]; then
	SUDO=sudo
fi

# arm64 packages (libfdt for the cross build, the guest kernel, busybox)
# come from Debian's arm64 archive.
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	echo "setup: adding the arm64 architecture to dpkg"
	$SUDO dpkg --add-architecture arm64
	need_update=1
fi

pkgs=(build-essential pkg-config check libfdt1 util-linux cpio kmod xz-utils
      zstd device-tree-compiler busybox-static qemu-system-x86
      qemu-system-arm qemu-system-misc opensbi gcc-aarch64-linux-gnu
      libc6-dev-arm64-cross libfdt-dev:arm64 gcc-riscv64-linux-gnu
      libc6-dev-riscv64-cross)

missing=()
for p in "${pkgs[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && [ -z "${need_update:-}" ] && exit 0

if [ -n "$SUDO" ] && ! command -v sudo >/dev/null; then
	echo "setup: need root to install: ${missing[*]}" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
echo "setup: installing ${missing[*]}"
$SUDO apt-get update -qq
[ ${#missing[@]} -eq 0 ] || \
	$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
