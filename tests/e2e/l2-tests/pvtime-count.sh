#!/bin/sh
# shellcheck shell=dash
# lkvm.test=pvtime-count [lkvm.arg=intx]: a guest to save and restore
# (twice, side by side).  Every half second it prints "PVC n up=UPTIME st=A,B" (per-CPU
# steal, USER_HZ ticks, from the PV time records) and fails if a CPU's
# steal ever went back.  When L1 drops "go" into the 9p share "hostshare"
# it counts 4 more times, then checks virtio-rng, 9p and that virtio
# interrupts still arrive (MSI-X through the ITS; INTx with "intx", for
# a GICv2).  No disk: two restored copies run at once.
T=$LKVM_TEST
fail() { echo "L2-TEST $T FAIL $*"; exit 0; }
steal() { awk '/^cpu[0-9]/ { printf "%s%s", s, $9; s = "," }' /proc/stat; }
mkdir -p /mnt/s
mount -t 9p -o trans=virtio,version=9p2000.L hostshare /mnt/s || fail "9p mount"
n=0 after=-1 prev=''
while [ "$after" -ne 0 ]; do
	n=$((n + 1))
	read -r up _ </proc/uptime
	st=$(steal)
	echo "PVC $n up=$up st=$st"
	if [ -n "$prev" ]; then
		back=$(awk -v a="$prev" -v b="$st" 'BEGIN { n = split(a, x, ","); split(b, y, ",")
			for (i = 1; i <= n; i++) if (y[i] < x[i]) printf "cpu%d %s->%s ", i - 1, x[i], y[i] }')
		[ -z "$back" ] || fail "steal went back: $back"
	fi
	prev=$st
	if [ "$after" -lt 0 ] && [ -f /mnt/s/go ]; then
		after=4
	elif [ "$after" -gt 0 ]; then
		after=$((after - 1))
	fi
	sleep 0.5
done
irq0=$(awk '/virtio/ { s += $2 + $3 } END { print s + 0 }' /proc/interrupts)
hex=$(dd if=/dev/hwrng bs=16 count=1 2>/dev/null | od -An -tx1 | tr -d ' \n')
[ ${#hex} -eq 32 ] || fail "hwrng after restore"
[ "$(cat /mnt/s/go)" = go ] || fail "9p read after restore"
irq1=$(awk '/virtio/ { s += $2 + $3 } END { print s + 0 }' /proc/interrupts)
[ "$irq1" -gt "$irq0" ] || fail "no virtio interrupt after restore ($irq0 -> $irq1)"
msi=$(grep -c 'ITS-MSI.*virtio' /proc/interrupts)
if [ "$LKVM_ARG" = intx ]; then
	grep -q 'MSI.*virtio' /proc/interrupts && fail "MSI without an MSI controller"
else
	[ "$msi" -gt 0 ] || fail "no MSI-X vectors through the ITS"
fi
echo "L2-TEST $T PASS n=$n irqs=$irq0->$irq1 msi=$msi"
