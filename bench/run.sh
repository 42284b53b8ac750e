#!/usr/bin/env bash
# make bench: every figure is a ratio against a baseline measured in the
# same run, never an absolute timing.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=bench/out
mkdir -p "$OUT"
CC=${CC:-gcc}
RUNS=${BENCH_RUNS:-100}

make -s lkvm
make -s -C tests/guests
$CC -O2 -Wall -Wextra -Werror -o "$OUT/raw-kvm" bench/raw-kvm.c
$CC -O2 -Wall -Wextra -Werror -o "$OUT/timeit" bench/timeit.c
export LKVM_DIR=$OUT/sock

guest=tests/guests/x86/hello.bin
echo "== lifecycle: exec to exit of the UART-hello guest, -m 1G, $RUNS runs each, alternating"
"$OUT/timeit" "$RUNS" -- ./lkvm run -k $guest -m 1G -c 1 -- \
	"$OUT/raw-kvm" $guest 1024 >"$OUT/lifecycle.txt"
read -r _ lk_ns lk_rss lk_fail < <(sed -n 1p "$OUT/lifecycle.txt")
read -r _ raw_ns raw_rss raw_fail < <(sed -n 2p "$OUT/lifecycle.txt")
if [ "$lk_fail" != 0 ] || [ "$raw_fail" != 0 ]; then
	echo "bench: FAIL: runs failed (lkvm $lk_fail, raw $raw_fail)" >&2
	exit 1
fi
awk -v a="$lk_ns" -v b="$raw_ns" 'BEGIN {
	printf "  lkvm run      %8.2f ms (median)\n", a / 1e6
	printf "  raw KVM       %8.2f ms (median; bench/raw-kvm.c: no irqchip)\n", b / 1e6
	printf "  ratio         %8.2f x   (target <= 2.0)\n", a / b }'
echo "== memory: peak RSS, same runs"
awk -v a="$lk_rss" -v b="$raw_rss" 'BEGIN {
	printf "  lkvm run      %8d KiB\n  raw KVM       %8d KiB\n", a, b
	printf "  difference    %8.2f MiB (target <= 1 MiB)\n", (a - b) / 1024 }'

echo "== virtio-blk: CPU time per request, device model (virtqueue pop + validate + I/O + push) vs pread() of the same ranges"
make -s bench/blk-bench
img=$OUT/blk.img
[ -s "$img" ] || head -c $((256 << 20)) /dev/urandom >"$img"
bench/blk-bench "$img"

echo "== nested boot: L2 Linux under lkvm (lkvm start to L2 /init, in L1) vs L1's own boot (QEMU TCG)"
for arch in ${BENCH_NESTED_ARCHES:-x86_64 arm64 riscv64}; do
	bench/nested.sh "$arch"
done
