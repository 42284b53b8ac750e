# shellcheck shell=dash
# PCI INTx: L2 boots with pci=nomsi, so virtio-rng and virtio-blk fall back
# to INTA#, level-triggered IOAPIC pins 16-23 as the MP table routes them.
# Once with the split irqchip (lkvm's IOAPIC: MSIs to the in-kernel local
# APICs, EOIs back through KVM_EXIT_IOAPIC_EOI), once with --irqchip kernel
# (KVM's IOAPIC, resampling irqfds).
dd if=/dev/zero of=/tmp/intx.img bs=1M count=4 2>/dev/null
for chip in split kernel; do
	run_lkvm /tmp/virtio-intx-$chip.log run -k "$L2K" -i /l2/initrd.gz \
		-c 2 -m 256 --rng -d /tmp/intx.img --irqchip $chip \
		--name intx-$chip -p "quiet pci=nomsi lkvm.test=virtio-intx"
	show_log "$LKVM_LOG" 2
	# The first failure is the verdict.
	if [ "$chip" = kernel ] || [ "$TIMED_OUT" = 1 ] || [ "$RC" != 0 ] ||
	   ! log_has "$LKVM_LOG" 'L2-TEST virtio-intx PASS'; then
		expect_lkvm 'L2-TEST virtio-intx PASS'
		break
	fi
done
