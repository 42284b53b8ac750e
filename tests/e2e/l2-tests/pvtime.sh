#!/bin/sh
# shellcheck shell=dash
# lkvm.test=pvtime lkvm.arg=on|off: stolen time (Arm PV time, DEN0057A) as
# the guest sees it, with the 9p share "hostshare" mounted for the L1
# scenario to pace the test (it drops files m1, go, stop, m2 there).
#   on   dmesg says "arm-pv: using stolen time PV"; the device tree's
#        /reserved-memory/pvtime@ node holds a 64-byte record per CPU and
#        /proc/iomem shows it reserved ("PVT-INFO base= size= cpus=");
#        idle for 4 s the steal column of /proc/stat grows by less than
#        5 % of the elapsed time ("PVT-IDLE"); when L1 drops m1 the
#        per-CPU steal (USER_HZ ticks: "PVT-M1 st=A,B"); from "go" to
#        "stop" every CPU runs a busy loop ("PVT-BUSY", "PVT-STOPPED");
#        when L1 drops m2 the steal again ("PVT-M2 st=..."), to compare
#        with what L1 read just before dropping m1 and m2.
#   off  (--no-pvtime) no arm-pv message, no pvtime node; busy loops while
#        L1 loads its CPUs (L1 drops m1 when done): steal stays 0.
# Markers are short: every byte on the UART is a trapped exit.
T=$LKVM_TEST
fail() { echo "L2-TEST $T FAIL $*"; exit 0; }
steal() { awk '/^cpu[0-9]/ { printf "%s%s", s, $9; s = "," }' /proc/stat; }
ncpu=$(grep -c ^processor /proc/cpuinfo)
mkdir -p /mnt/s
mount -t 9p -o trans=virtio,version=9p2000.L hostshare /mnt/s || fail "9p mount"
wait_file() {	# NAME: until L1 drops it (2 min at most)
	_i=0
	while [ ! -f "/mnt/s/$1" ]; do
		sleep 0.05
		_i=$((_i + 1))
		[ $_i -lt 2400 ] || fail "L1 never dropped $1"
	done
}
B=''
busy_on() {
	_c=0
	while [ $_c -lt "$ncpu" ]; do
		taskset -c $_c sh -c 'while :; do :; done' &
		B="$B $!"
		_c=$((_c + 1))
	done
}
busy_off() { kill $B; wait 2>/dev/null; B=''; }

case $LKVM_ARG in
on)
	dmesg | grep -q 'arm-pv: using stolen time PV' ||
		fail "no 'arm-pv: using stolen time PV' in dmesg"
	node=$(ls -d /proc/device-tree/reserved-memory/pvtime@* 2>/dev/null | head -n1)
	[ -n "$node" ] || fail "no /reserved-memory/pvtime@ node"
	[ -f "$node/no-map" ] || fail "$node is not no-map"
	reg=$(od -An -tx1 "$node/reg" | tr -d ' \n')
	[ ${#reg} = 32 ] || fail "$node/reg is '$reg'"
	base=$((0x${reg%????????????????}))
	size=$((0x${reg#????????????????}))
	[ "$size" -ge $((ncpu * 64)) ] || fail "pvtime area of $size bytes for $ncpu CPUs"
	last=$((base + size - 1))
	ok=''
	while read -r range _ name; do
		[ "$name" = reserved ] || continue
		s=$((0x${range%-*})) e=$((0x${range#*-}))
		[ "$s" -le "$base" ] && [ "$e" -ge "$last" ] && ok=$range
	done </proc/iomem
	[ -n "$ok" ] || fail "/proc/iomem shows no reserved range over the pvtime area"
	echo "PVT-INFO base=$(printf 0x%x "$base") size=$(printf 0x%x "$size") cpus=$ncpu iomem=$ok"
	s0=$(steal)
	read -r u0 _ </proc/uptime
	sleep 4
	s1=$(steal)
	read -r u1 _ </proc/uptime
	why=$(awk -v a="$s0" -v b="$s1" -v u0="$u0" -v u1="$u1" 'BEGIN {
		n = split(a, x, ","); split(b, y, ",")
		el = (u1 - u0) * 1000
		for (i = 1; i <= n; i++) {
			d = (y[i] - x[i]) * 10
			printf "cpu%d=%dms ", i - 1, d
			if (d >= 0.05 * el) bad = bad " cpu" i - 1
		}
		printf "of %dms%s", el, bad ? " TOO-MUCH" bad : "" }')
	echo "PVT-IDLE $why"
	case $why in *TOO-MUCH*) fail "idle steal: $why" ;; esac
	# Both ends of the loaded interval: L1 reads its side (lkvm stat),
	# then drops m1 (m2) and this guest, idle, reads its steal as soon
	# as it sees it; nothing is printed in between.
	wait_file m1
	st=$(steal)
	echo "PVT-M1 st=$st up=$(cut -d' ' -f1 /proc/uptime)"
	wait_file go
	busy_on
	echo "PVT-BUSY"
	wait_file stop
	busy_off
	echo "PVT-STOPPED"
	wait_file m2
	st=$(steal)
	echo "PVT-M2 st=$st up=$(cut -d' ' -f1 /proc/uptime)"
	echo "L2-TEST $T PASS"
	;;
off)
	dmesg | grep -q 'arm-pv' && fail "stolen time in use despite --no-pvtime"
	ls -d /proc/device-tree/reserved-memory/pvtime@* >/dev/null 2>&1 &&
		fail "a pvtime node despite --no-pvtime"
	s0=$(steal)
	busy_on
	echo "PVT-BUSY"
	wait_file m1
	s1=$(steal)
	busy_off
	echo "PVT-OFF st=$s0 -> $s1"
	case $s0,$s1 in *[1-9]*) fail "steal is not 0: $s0 -> $s1" ;; esac
	echo "L2-TEST $T PASS"
	;;
*) fail "lkvm.arg=$LKVM_ARG: want on or off" ;;
esac
