#!/bin/sh
# shellcheck shell=dash
# lkvm.test=counter: a counter that must survive lkvm save / run --restore.
# Every half second it prints "COUNT n up=UPTIME st=STEAL0,STEAL1,..."
# (steal in USER_HZ ticks per CPU, from /proc/stat) and appends record n to
# the raw disk /dev/vda (sector 2048 + n, synced).  When L1 drops the file
# "restored" into the 9p share it counts 8 more times (L1 loads its CPUs
# meanwhile), then checks the disk records, virtio-rng, virtio-blk, 9p and
# that MSI-X interrupts still arrive.
T=$LKVM_TEST
fail() { echo "L2-TEST $T FAIL $*"; exit 0; }
mkdir -p /mnt/s
mount -t 9p -o trans=virtio,version=9p2000.L hostshare /mnt/s || fail "9p mount"
steal() { awk '/^cpu[0-9]/ { printf "%s%s", s, $9; s = "," }' /proc/stat; }
n=0 after=-1
while [ "$after" -ne 0 ]; do
	n=$((n + 1))
	read -r up _ </proc/uptime
	echo "COUNT $n up=$up st=$(steal)"
	printf 'REC%08d' "$n" | dd of=/dev/vda bs=512 seek=$((2048 + n)) conv=fsync 2>/dev/null ||
		fail "disk write $n"
	if [ "$after" -lt 0 ] && [ -f /mnt/s/restored ]; then
		after=8
	elif [ "$after" -gt 0 ]; then
		after=$((after - 1))
	fi
	sleep 0.5
done
i=1
while [ $i -le $n ]; do
	r=$(dd if=/dev/vda bs=512 skip=$((2048 + i)) count=1 2>/dev/null | head -c 11)
	[ "$r" = "$(printf 'REC%08d' $i)" ] || fail "disk record $i reads '$r'"
	i=$((i + 1))
done
irq0=$(awk '/virtio/ { s += $2 + $3 } END { print s + 0 }' /proc/interrupts)
hex=$(dd if=/dev/hwrng bs=16 count=1 2>/dev/null | od -An -tx1 | tr -d ' \n')
[ ${#hex} -eq 32 ] || fail "hwrng after restore"
echo "after restore" >/mnt/s/from-l2 || fail "9p write after restore"
[ "$(cat /mnt/s/restored)" = yes ] || fail "9p read after restore"
irq1=$(awk '/virtio/ { s += $2 + $3 } END { print s + 0 }' /proc/interrupts)
[ "$irq1" -gt "$irq0" ] || fail "no virtio interrupt after restore ($irq0 -> $irq1)"
msi=$(grep -c 'MSI.*virtio' /proc/interrupts)
[ "$msi" -gt 0 ] || fail "no MSI-X vectors"
echo "L2-TEST $T PASS n=$n irqs=$irq0->$irq1 msi=$msi"
