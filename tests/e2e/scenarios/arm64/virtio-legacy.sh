# shellcheck shell=dash
# arm64: legacy virtio-rng (--virtio-legacy): its registers are an I/O BAR,
# which Linux assigns in the PCI I/O window the device tree maps at
# 0x2000000; lkvm forwards that MMIO window to its port I/O bus.
run_lkvm /tmp/virtio-legacy.log run -k /l2/vmlinuz -i /l2/initrd.gz -c 1 -m 256 \
	--irqchip gicv3-its --rng --virtio-legacy --name virtio-legacy \
	-p "quiet lkvm.test=arm64 lkvm.arg=pci=its"
if log_has "$LKVM_LOG" 'cannot emulate (a GICv3|an ITS)'; then
	show_log "$LKVM_LOG" 2
	skip "the host's KVM has no GICv3 ITS"
else
	# The I/O BAR: PCI I/O 0x1000, Linux's lowest for arm64 (PCIBIOS_MIN_IO).
	expect_lkvm 'L2-TEST arm64 PASS.* at=0x0*1000,'
	grep -h 'L2-TEST' "$LKVM_LOG" | tr -d '\r' | sed 's/^/  | /'
fi
