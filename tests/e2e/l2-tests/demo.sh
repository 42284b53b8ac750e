#!/bin/sh
# shellcheck shell=dash
# lkvm.test=demo: show what the guest sees (for make demo).
echo "--- guest: $(uname -sr) on $(uname -m), $(grep -c ^processor /proc/cpuinfo) CPUs, $(awk '/MemTotal/ {print int($2/1024)}' /proc/meminfo) MiB"
echo "--- PCI functions (vendor:device class):"
for d in /sys/bus/pci/devices/*; do
	echo "    ${d##*/} $(cut -c3- "$d/vendor"):$(cut -c3- "$d/device") $(cut -c3- "$d/class") $(basename "$(readlink "$d/driver" 2>/dev/null)" 2>/dev/null)"
done
if [ -c /dev/hwrng ]; then
	echo "--- 16 bytes from virtio-rng: $(dd if=/dev/hwrng bs=16 count=1 2>/dev/null | od -An -tx1 | tr -d ' \n')"
fi
echo "--- interrupts:"
grep -E 'virtio|ttyS|timer' /proc/interrupts | sed 's/  */ /g; s/^/   /'
echo "L2-TEST demo PASS"
