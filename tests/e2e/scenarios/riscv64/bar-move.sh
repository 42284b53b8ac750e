# lkvm-e2e recipe
# A BAR moved by the guest: L2 unbinds virtio-rng's driver, rewrites its
# 64-bit BAR 1 MiB up through /sys/bus/pci/devices/*/config, finds the
# device at the new address (and nothing at the old one) through /dev/mem,
# then removes the function and rescans the bus so that Linux reads the BAR
# back (where it is, or at the start of its window again); the driver
# binds again and random bytes come from the device.
lkvm run -k /l2/vmlinuz -i /l2/initrd.gz -c 1 -m 256 --rng --name bar-move -p "quiet lkvm.test=bar-move"
expect "L2-TEST bar-move PASS"
show 2
