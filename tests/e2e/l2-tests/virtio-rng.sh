#!/bin/sh
# shellcheck shell=dash
# lkvm.test=virtio-rng: the virtio-rng PCI function is found, its driver is
# the current hwrng, and reading /dev/hwrng returns bytes that are not all
# zero.  Also reports how its interrupts are delivered.
dev=
for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor")" = 0x1af4 ] || continue
	case $(cat "$d/device") in 0x1044|0x1005) dev=$d ;; esac
done
[ -n "$dev" ] || { echo "L2-TEST $LKVM_TEST FAIL no virtio-rng PCI function"; exit 0; }
cur=$(cat /sys/class/misc/hw_random/rng_current 2>/dev/null)
case $cur in
virtio_rng*) ;;
*) echo "L2-TEST $LKVM_TEST FAIL hwrng is '$cur'"; exit 0 ;;
esac
hex=$(dd if=/dev/hwrng bs=32 count=1 2>/dev/null | od -An -tx1 | tr -d ' \n')
case $hex in
''|*[!0]*) ;;
*) echo "L2-TEST $LKVM_TEST FAIL all-zero bytes"; exit 0 ;;
esac
[ ${#hex} -eq 64 ] || { echo "L2-TEST $LKVM_TEST FAIL read ${#hex} hex digits"; exit 0; }
irq=$(grep -c 'virtio.*-' /proc/interrupts)
msi=$(grep -c 'MSI.*virtio' /proc/interrupts)
cfg=$(wc -c <"$dev/config")
echo "L2-TEST $LKVM_TEST PASS dev=${dev##*/} bytes=$hex cfg=$cfg irqs=$irq msi=$msi"
