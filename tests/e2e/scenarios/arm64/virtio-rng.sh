# shellcheck shell=dash
# arm64: virtio-rng on lkvm's ECAM PCI host. Linux assigns its BARs from
# the device tree's windows (lkvm leaves them at 0) and its MSI-X vectors
# go through the GICv3 ITS. Beside it a virtio-blk (L1's disk, read-only)
# and a virtio-9p: each of the three functions has 4096 bytes of config
# space in sysfs and a PCI Express v1 endpoint capability. SKIP if the
# host's KVM has no GICv3/ITS.
run_lkvm /tmp/virtio-rng.log run -k /l2/vmlinuz -i /l2/initrd.gz -c 1 -m 256 \
	--irqchip gicv3-its --rng -d /dev/vda,ro --9p /tmp,t9 --name virtio-rng \
	-p "quiet lkvm.test=arm64 lkvm.arg=pci=its,pcie=3"
if log_has "$LKVM_LOG" 'cannot emulate (a GICv3|an ITS)'; then
	show_log "$LKVM_LOG" 2
	skip "the host's KVM has no GICv3 ITS"
else
	expect_lkvm 'L2-TEST arm64 PASS'
	grep -h -e 'L2-TEST' -e 'interrupt controller' "$LKVM_LOG" | tr -d '\r' | sed 's/^/  | /'
fi
