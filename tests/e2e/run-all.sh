#!/usr/bin/env bash
# make check-e2e: build a static lkvm for each architecture and run its
# whole nested suite (one L1 boot per architecture).  E2E_ARCHES picks the
# architectures (default: all that lkvm supports).  Fails if any fails.
set -uo pipefail
cd "$(dirname "$0")/../.."
ARCHES=${E2E_ARCHES:-x86_64 arm64 riscv64}
CACHE=${LKVM_CACHE:-$PWD/.cache}
rc=0
for arch in $ARCHES; do
	case $arch in
	x86_64)  mk=(ARCH=x86_64) ;;
	arm64)   mk=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-) ;;
	riscv64) mk=(ARCH=riscv64 CROSS_COMPILE=riscv64-linux-gnu-) ;;
	*) echo "run-all: unknown architecture $arch" >&2; exit 2 ;;
	esac
	out=$CACHE/build/$arch
	echo "=== e2e $arch: building $out/lkvm-static"
	# Static binaries cannot carry ASan: the nested suite runs unsanitized.
	if ! make -s -j"$(nproc)" O="$out" SANITIZE= "${mk[@]}" lkvm-static; then
		echo "e2e $arch: FAIL: cannot build lkvm-static" >&2
		rc=1
		continue
	fi
	LKVM_BIN=$out/lkvm-static tests/e2e/run.sh "$arch" || rc=1
done
exit $rc
