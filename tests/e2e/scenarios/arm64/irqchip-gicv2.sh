# shellcheck shell=dash
# arm64: --irqchip gicv2 (no MSI controller): virtio-rng interrupts are
# INTx, level-triggered SPIs from the PCI host's interrupt-map. SKIP when
# the host's KVM cannot emulate a GICv2 (E2E_ARM64_GIC=2 gives L1 one).
run_lkvm /tmp/irqchip-gicv2.log run -k /l2/vmlinuz -i /l2/initrd.gz -c 2 -m 256 \
	--irqchip gicv2 --rng --name gicv2 -p "quiet lkvm.test=arm64 lkvm.arg=cpus=2,pci=intx"
if log_has "$LKVM_LOG" 'cannot emulate a GICv2'; then
	show_log "$LKVM_LOG" 2
	skip "the host's KVM has no GICv2 emulation (E2E_ARM64_GIC=2)"
else
	expect_lkvm 'L2-INIT-OK cpus=2( |$)' 'L2-TEST arm64 PASS'
	grep -h -e 'L2-TEST' -e 'interrupt controller' "$LKVM_LOG" | tr -d '\r' | sed 's/^/  | /'
fi
