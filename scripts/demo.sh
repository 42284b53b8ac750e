#!/usr/bin/env bash
# make demo: build lkvm and boot a real Linux guest that shows what it sees.
#
# This machine's /dev/kvm cannot run a Linux guest at useful speed, so by
# default the demo runs nested: QEMU's emulator boots Debian's kernel with
# KVM (L1), and lkvm, built static, boots Debian's kernel inside it (L2).
# On a host whose KVM runs Linux at speed, LKVM_DEMO=direct boots the same
# guest straight on /dev/kvm.
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE=${LKVM_CACHE:-$PWD/.cache}
arch=$(uname -m)
[ "$arch" = x86_64 ] || { echo "demo: x86_64 hosts only for now" >&2; exit 1; }

if [ "${LKVM_DEMO:-nested}" = direct ]; then
	make -s lkvm
	tests/e2e/fetch.sh x86_64 >/dev/null
	# shellcheck source=/dev/null
	. "$CACHE/e2e/x86_64/fetch.env"
	vmlinux=$CACHE/e2e/x86_64/vmlinux-direct
	initrd=$CACHE/e2e/x86_64/l2-initrd-demo.gz
	bash -c ". tests/e2e/lib.sh; . tests/e2e/arch/x86_64.sh; E2E_ARCH_CACHE=$CACHE/e2e/x86_64 e2e_x86_vmlinux '$E2E_F_L2_KERNEL' '$vmlinux'"
	tests/e2e/mkinitramfs.sh --l2 x86_64 -o "$initrd" >/dev/null
	exec ./lkvm run -k "$vmlinux" -i "$initrd" -c 2 -m 512 --rng \
		-p "quiet lkvm.test=demo lkvm.halt"
fi

out=$CACHE/build/x86_64
make -s -j"$(nproc)" O="$out" lkvm-static
echo "demo: booting L1 (QEMU) and, inside it, an L2 Linux guest under lkvm..."
E2E_SCENARIO_PATH=$PWD/scripts/demo LKVM_BIN=$out/lkvm-static \
	tests/e2e/run.sh x86_64 demo
