#!/bin/sh
# shellcheck shell=dash
# lkvm.test=bar-move: the virtio-rng function's 64-bit BAR is moved by the
# guest itself: unbind the driver, write a new address into the BAR
# through the sysfs config file and check (devmem) that the device's
# registers answer at the new address and no longer at the old one; then
# remove the device and rescan the bus (Linux reads the BAR back, keeps it
# or assigns one itself) and the device, bound again, still works.
T=$LKVM_TEST
fail() { echo "L2-TEST $T FAIL $*"; exit 0; }
dev=
for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor")" = 0x1af4 ] && [ "$(cat "$d/device")" = 0x1044 ] && dev=$d
done
[ -n "$dev" ] || fail "no virtio-rng"
bdf=${dev##*/}
cfgsize=$(wc -c <"$dev/config")
bar() { sed -n "$(($1 + 1))p" "$dev/resource" | cut -d' ' -f1; }
old=$(bar 2)
[ $((old)) -ne 0 ] || fail "BAR2 unassigned"
# A free, naturally aligned place in the same window: 1 MiB further up.
new=$(printf '0x%016x' $((old + 0x100000)))
echo "$bdf" >/sys/bus/pci/drivers/virtio-pci/unbind || fail "unbind"
le32() { printf "\\$(printf %03o $(($1 & 255)))\\$(printf %03o $((($1 >> 8) & 255)))\\$(printf %03o $((($1 >> 16) & 255)))\\$(printf %03o $((($1 >> 24) & 255)))"; }
lo=$((new & 0xffffffff))
hi=$((new >> 32))
# BAR2 is a 64-bit memory BAR: keep its type bits (0x4) in the low dword.
le32 $((lo | 4)) | dd of="$dev/config" bs=1 seek=24 count=4 conv=notrunc 2>/dev/null || fail "write BAR2 low"
le32 $hi | dd of="$dev/config" bs=1 seek=28 count=4 conv=notrunc 2>/dev/null || fail "write BAR2 high"
# virtio common configuration at BAR2 + 0: num_queues (16 bits) at 0x12.
nq=$(devmem $((new + 0x12)) 16)
oq=$(devmem $((old + 0x12)) 16)
[ "$((nq))" -eq 1 ] || fail "num_queues at the new address reads $nq"
[ "$((oq))" -eq 65535 ] || fail "the old address still answers ($oq)"
echo 1 >"$dev/remove" || fail "remove"
echo 1 >/sys/bus/pci/rescan || fail "rescan"
[ -d "$dev" ] || fail "device gone after rescan"
now=$(bar 2)
how=kept
[ "$((now))" -eq "$((new))" ] || how=reassigned-by-linux
drv=$(basename "$(readlink "$dev/driver")")
[ "$drv" = virtio-pci ] || fail "driver '$drv' after rescan"
sleep 1
hex=$(dd if=/dev/hwrng bs=16 count=1 2>/dev/null | od -An -tx1 | tr -d ' \n')
[ ${#hex} -eq 32 ] || fail "hwrng after the move"
echo "L2-TEST $T PASS cfg=$cfgsize bar2=$old->$new(new:$nq old:$oq)->$now($how) rng=$hex"
