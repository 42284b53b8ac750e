#!/bin/sh
# shellcheck shell=dash
# lkvm.test=virtio-intx (boot with pci=nomsi): virtio-rng and virtio-blk
# work through their INTx pins: no MSI anywhere, each virtio interrupt is an
# IO-APIC level-triggered line (fasteoi) that counted interrupts, and the
# I/O (hwrng reads, disk writes with fsync, reads after dropping caches)
# completes, which it cannot without its interrupts.
fail() { echo "L2-TEST $LKVM_TEST FAIL $*"; exit 0; }
grep -q MSI /proc/interrupts && fail "MSI in use: $(grep -m1 MSI /proc/interrupts)"
hex=$(dd if=/dev/hwrng bs=32 count=8 2>/dev/null | od -An -tx1 | tr -d ' \n')
[ ${#hex} -eq 512 ] || fail "hwrng read ${#hex} hex digits"
[ -b /dev/vda ] || fail "no /dev/vda"
dd if=/dev/urandom of=/tmp/src bs=64k count=16 2>/dev/null
dd if=/tmp/src of=/dev/vda bs=64k conv=fsync 2>/dev/null || fail "disk write"
echo 3 >/proc/sys/vm/drop_caches
a=$(md5sum </tmp/src)
b=$(dd if=/dev/vda bs=64k count=16 2>/dev/null | md5sum)
[ "$a" = "$b" ] || fail "disk reads back differently"
# "IRQ: count-per-CPU... IO-APIC  17-fasteoi  virtio0": every virtio line.
lines=$(awk '/virtio/ {
	n = 0
	sub(/:$/, "", $1)
	for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i
	printf "%s%s:%d:%s", s, $1, n, ($0 ~ /IO-APIC/ && $0 ~ /fasteoi/) ? "level" : "other"
	s = "," }' /proc/interrupts)
[ -n "$lines" ] || fail "no virtio interrupt in /proc/interrupts"
case ,$lines, in
*:other,*) fail "not an IO-APIC level line: $lines" ;;
*:0:*) fail "a line without interrupts: $lines" ;;
esac
echo "L2-TEST $LKVM_TEST PASS irqs=$lines"
