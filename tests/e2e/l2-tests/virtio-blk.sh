#!/bin/sh
# shellcheck shell=dash
# lkvm.test=virtio-blk, lkvm.arg=SECTORS: vda (read-write) and vdb (ro).
fail() { echo "L2-TEST $LKVM_TEST FAIL $*"; exit 0; }
[ -b /dev/vda ] || fail "no /dev/vda"
size=$(cat /sys/block/vda/size)
[ "$size" = "$LKVM_ARG" ] || fail "vda size $size, want $LKVM_ARG"
serial=$(cat /sys/block/vda/serial 2>/dev/null)
case $serial in lkvm-*) ;; *) fail "serial '$serial'" ;; esac
got=$(dd if=/dev/vda bs=1M skip=1 count=1 2>/dev/null | head -c 14)
[ "$got" = "L1-PATTERN-ABC" ] || fail "read '$got' at MiB 1"
printf 'L2-PATTERN-XYZ' | dd of=/dev/vda bs=1M seek=3 conv=fsync 2>/dev/null ||
	fail "write at MiB 3"
dd if=/dev/urandom of=/tmp/src bs=1M count=8 2>/dev/null
for i in 0 1 2 3; do
	dd if=/tmp/src of=/dev/vda bs=256k skip=$((i * 8)) seek=$((16 + i * 8)) \
		count=8 conv=fsync 2>/dev/null &
done
wait
echo 3 >/proc/sys/vm/drop_caches
a=$(md5sum </tmp/src)
b=$(dd if=/dev/vda bs=1M skip=4 count=8 2>/dev/null | md5sum)
[ "$a" = "$b" ] || fail "parallel writes read back differently"
dmax=$(cat /sys/block/vda/queue/discard_max_bytes)
[ "$dmax" -gt 0 ] || fail "no discard (discard_max_bytes=$dmax)"
disc=skipped
if blkdiscard -o $((12 << 20)) -l $((1 << 20)) /dev/vda 2>/dev/null; then
	disc=ok
fi
wz=$(cat /sys/block/vda/queue/write_zeroes_max_bytes)
[ "$(cat /sys/block/vdb/ro)" = 1 ] || fail "vdb not read-only"
if printf 'x' | dd of=/dev/vdb conv=fsync 2>/dev/null; then
	fail "write to read-only vdb succeeded"
fi
dd if=/dev/vdb of=/dev/null bs=1M count=1 2>/dev/null || fail "read of vdb"
echo "L2-TEST $LKVM_TEST PASS serial=$serial discard=$disc dmax=$dmax wz=$wz"
