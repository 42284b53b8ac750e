# shellcheck shell=dash
# arm64: --irqchip gicv2m: a GICv2 plus lkvm's GICv2m MSI frame; the
# virtio-rng MSI-X vectors target its doorbell and lkvm routes them to
# SPIs. SKIP when the host's KVM cannot emulate a GICv2 (run the suite with
# E2E_ARM64_GIC=2 to give L1 a GICv2).
run_lkvm /tmp/irqchip-gicv2m.log run -k /l2/vmlinuz -i /l2/initrd.gz -c 2 -m 256 \
	--irqchip gicv2m --rng --name gicv2m -p "quiet lkvm.test=arm64 lkvm.arg=cpus=2,pci=v2m"
if log_has "$LKVM_LOG" 'cannot emulate a GICv2'; then
	show_log "$LKVM_LOG" 2
	skip "the host's KVM has no GICv2 emulation (E2E_ARM64_GIC=2)"
else
	expect_lkvm 'L2-INIT-OK cpus=2( |$)' 'L2-TEST arm64 PASS'
	grep -h -e 'L2-TEST' -e 'interrupt controller' "$LKVM_LOG" | tr -d '\r' | sed 's/^/  | /'
fi
