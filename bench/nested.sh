#!/usr/bin/env bash
# Nested boot figures for make bench: for ARCH, the L2 Linux boot time
# (lkvm start to the L2 /init's first line, measured inside L1) beside the
# same L1's own boot time (its uptime when its /init started), as ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
arch=$1
case $arch in
x86_64)  mk=(ARCH=x86_64) ;;
arm64)   mk=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-) ;;
riscv64) mk=(ARCH=riscv64 CROSS_COMPILE=riscv64-linux-gnu-) ;;
esac
out=${LKVM_CACHE:-$PWD/.cache}/build/$arch
make -s -j"$(nproc)" O="$out" "${mk[@]}" lkvm-static
# riscv64's L1 runs recipes, not shell snippets (tests/e2e/riscv64/).
spath=$PWD/bench/scenarios
[ "$arch" = riscv64 ] && spath=$PWD/bench/scenarios/riscv64
E2E_SCENARIO_PATH=$spath LKVM_BIN=$out/lkvm-static \
	tests/e2e/run.sh "$arch" bench-boot >"bench/out/nested-$arch.log" 2>&1 || {
	tail -20 "bench/out/nested-$arch.log"
	echo "bench: nested $arch run failed" >&2
	exit 1
}
m=tests/e2e/out/latest-$arch/markers.txt
l1=$(grep -o 'E2E-L1-INIT uptime=[0-9.]*' "$m" | head -1 | cut -d= -f2)
for c in 1 2; do
	if [ "$arch" = riscv64 ]; then
		l2=$(grep -o 'L2-INIT-OK [0-9.]*s after lkvm started' "$m" |
		     sed -n "${c}p" | awk '{ print $2 + 0 }')
	else
		l2=$(grep -o "BENCH-L2-INIT cpus=$c s=[0-9.]*" "$m" | cut -d= -f3)
	fi
	[ -n "$l2" ] || { echo "bench: no L2 boot time for $c vCPU(s)" >&2; exit 1; }
	awk -v a="$l2" -v b="$l1" -v c="$c" -v arch="$arch" 'BEGIN {
		printf "  %-8s L2 boot, %d vCPU%s: %6.2f s   L1 boot: %6.2f s   ratio %5.2f\n",
		       arch, c, (c > 1 ? "s" : " "), a, b, a / b }'
done

# Save and restore of a 1 GiB guest with 256 MiB touched (x86_64, arm64).
[ "$arch" = riscv64 ] && exit 0
E2E_SCENARIO_PATH=$PWD/bench/scenarios LKVM_BIN=$out/lkvm-static \
	tests/e2e/run.sh "$arch" bench-snap >"bench/out/snap-$arch.log" 2>&1 || {
	tail -20 "bench/out/snap-$arch.log"
	echo "bench: nested $arch snapshot run failed" >&2
	exit 1
}
m=tests/e2e/out/latest-$arch/markers.txt
line=$(grep -o 'BENCH-SNAP .*' "$m" | head -1)
eval "$(echo "$line" | sed 's/^BENCH-SNAP //')"
awk -v s="$save_s" -v k="$file_kib" -v r="$restore_ms" -v f="$fresh_ms" -v arch="$arch" 'BEGIN {
	printf "  %-8s save (1 GiB, 256 MiB touched): %.2f s, %d MiB file on disk\n", arch, s, k / 1024
	printf "  %-8s restore to first vCPU entry: %.1f ms   fresh run of the same size: %.1f ms   ratio %.2f (target <= 2)\n",
	       arch, r, f, r / f }'
