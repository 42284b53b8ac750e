# lkvm-e2e recipe
# virtio-rng behind lkvm's ECAM host: Linux assigns its BARs from the device
# tree's windows, its INTx goes through lkvm's PLIC (Linux 6.1 has no MSI
# controller next to a PLIC), /dev/hwrng gives bytes, and its config space
# in sysfs is the full 4096 bytes of PCI Express.
lkvm run -k /l2/vmlinuz -i /l2/initrd.gz -c 1 -m 256 --rng --name virtio-rng -p "quiet lkvm.test=rng"
expect "L2-TEST rng PASS .*cfg=4096"
show 2
