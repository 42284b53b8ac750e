# shellcheck shell=dash
# arm64: virtio-rng on lkvm's ECAM PCI host; Linux assigns its BARs from
# the device tree (lkvm leaves them at 0) and its MSI-X vectors go
# through the GICv3 ITS (the default irqchip when the host has one).
run_lkvm /tmp/virtio-rng.log run -k /l2/vmlinuz -i /l2/initrd.gz -c 1 -m 256 \
	--rng --name virtio-rng -p "quiet lkvm.test=arm64-pci lkvm.arg=its"
expect_lkvm 'L2-TEST arm64-pci PASS'
show_log "$LKVM_LOG" 2
