#!/bin/sh
# shellcheck shell=dash
# lkvm.test=cpus lkvm.arg=N: all N CPUs are online and each runs a process.
n=$(grep -c ^processor /proc/cpuinfo)
online=$(cat /sys/devices/system/cpu/online 2>/dev/null)
if [ -n "$LKVM_ARG" ] && [ "$n" != "$LKVM_ARG" ]; then
	echo "L2-TEST $LKVM_TEST FAIL cpus=$n want $LKVM_ARG"
	exit 0
fi
i=0
while [ "$i" -lt "$n" ]; do
	taskset -c "$i" true || { echo "L2-TEST $LKVM_TEST FAIL cannot run on cpu $i"; exit 0; }
	i=$((i + 1))
done
echo "L2-TEST $LKVM_TEST PASS cpus=$n online=$online"
