#!/bin/sh
# shellcheck shell=dash
# lkvm.test=arm64-pci lkvm.arg=its|v2m|intx (arm64, with --rng): the
# virtio-rng PCI function behind lkvm's ECAM host: extended config space
# (4096 bytes), BARs left at 0 by lkvm and assigned by Linux from the
# device tree's windows, interrupts through the ITS (its), the GICv2m frame
# (v2m) or INTx (intx), and random bytes from /dev/hwrng.
t=$LKVM_TEST
bad() { echo "L2-TEST $t FAIL $*"; exit 0; }
dev=
for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor")" = 0x1af4 ] || continue
	case $(cat "$d/device") in 0x1044 | 0x1005) dev=$d ;; esac
done
[ -n "$dev" ] || bad "no virtio-rng PCI function"
bdf=${dev##*/}
cfg=$(wc -c <"$dev/config")
[ "$cfg" = 4096 ] || bad "config space is $cfg bytes"
# What Linux read from the BARs at enumeration, and what it assigned.
zero=$(dmesg | grep -c "$bdf: reg 0x[12][0-9a-f]: \[[a-z]* *0x0*-")
assigned=$(dmesg | grep -c "$bdf: BAR [0-9]: assigned")
[ "$assigned" -gt 0 ] || bad "no BAR assigned by Linux"
[ "$zero" = "$assigned" ] || bad "$zero BARs read as 0, $assigned assigned"
bars=$(awk '$1 != "0x0000000000000000" { printf "%s%s", s, $1; s="," }' "$dev/resource")
[ -n "$bars" ] || bad "no BAR address in $dev/resource"
cur=$(cat /sys/class/misc/hw_random/rng_current 2>/dev/null)
case $cur in virtio_rng*) ;; *) bad "hwrng is '$cur'" ;; esac
hex=$(dd if=/dev/hwrng bs=32 count=1 2>/dev/null | od -An -tx1 | tr -d ' \n')
[ ${#hex} -eq 64 ] || bad "read ${#hex} hex digits from /dev/hwrng"
case $hex in *[!0]*) ;; *) bad "all-zero bytes" ;; esac
irq=$(grep 'virtio' /proc/interrupts | head -n1 | awk '{ $1 = ""; print }' | tr -s ' ')
case $LKVM_ARG in
its) echo "$irq" | grep -q 'ITS-MSI' || bad "not through the ITS: $irq" ;;
v2m) echo "$irq" | grep -q 'MSI' && ! echo "$irq" | grep -q ITS ||
	bad "not an MSI through GICv2m: $irq" ;;
intx) echo "$irq" | grep -q 'Level' && ! echo "$irq" | grep -q MSI ||
	bad "not INTx: $irq" ;;
esac
echo "L2-TEST $t PASS dev=$bdf cfg=$cfg bars=$assigned zero-at-boot=$zero at=$bars irq=[$irq]"
