#!/bin/sh
# shellcheck shell=dash
# lkvm.test=arm64-platform lkvm.arg=N (arm64): what lkvm's device tree
# describes works: N CPUs online (PSCI CPU_ON), PSCI found, the arch timer
# is the clocksource, the GIC, the PL031 RTC (rtc0, set the clock) and the
# 8250 console.
t=$LKVM_TEST
bad() { echo "L2-TEST $t FAIL $*"; exit 0; }
n=$(grep -c ^processor /proc/cpuinfo)
[ -z "$LKVM_ARG" ] || [ "$n" = "$LKVM_ARG" ] || bad "cpus=$n want $LKVM_ARG"
i=0
while [ "$i" -lt "$n" ]; do
	taskset -c "$i" true || bad "cannot run on cpu $i"
	i=$((i + 1))
done
psci=$(dmesg | sed -n 's/.*psci: PSCIv\([0-9.]*\) detected.*/\1/p' | head -n1)
[ -n "$psci" ] || bad "no PSCI in dmesg"
cs=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)
[ "$cs" = arch_sys_counter ] || bad "clocksource $cs"
gic=$(sed -n '2,$p' /proc/interrupts | awk '/arch_timer/ { print $(NF-3); exit }')
[ -n "$gic" ] || bad "no arch_timer interrupt"
rtc=$(cat /sys/class/rtc/rtc0/name 2>/dev/null)
case $rtc in *pl031*) ;; *) bad "rtc0 is '$rtc'" ;; esac
rsec=$(cat /sys/class/rtc/rtc0/since_epoch)
now=$(date +%s)
[ "$rsec" -gt 1700000000 ] && [ $((now - rsec)) -lt 60 ] && [ $((rsec - now)) -lt 60 ] ||
	bad "rtc0 says $rsec, system time $now"
grep -q "^ttyS0 " /proc/consoles || bad "console is not ttyS0: $(head -n1 /proc/consoles)"
echo "L2-TEST $t PASS cpus=$n psci=$psci gic=$gic clocksource=$cs rtc=${rtc%% *} time=$(date -u +%FT%TZ)"
