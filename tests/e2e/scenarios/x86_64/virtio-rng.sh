# shellcheck shell=dash
# virtio-rng on PCI: the L2 kernel finds it and reads random bytes.
run_lkvm /tmp/virtio-rng.log run -k "$L2K" -i /l2/initrd.gz -c 1 -m 256 \
	--rng --name virtio-rng -p "quiet lkvm.test=virtio-rng"
expect_lkvm 'L2-TEST virtio-rng PASS'
show_log "$LKVM_LOG" 3
