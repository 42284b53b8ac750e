# lkvm-e2e recipe
# --console virtio: the guest's console is hvc0 (virtio-console); L2's
# markers reach lkvm's output through it.
lkvm run -k /l2/vmlinuz -i /l2/initrd.gz -c 1 -m 256 --console virtio --name virtio-console -p "quiet lkvm.test=console"
expect "L2-INIT-OK cpus=1"
expect "L2-TEST console PASS console=hvc0"
expect "L2-HVC0-WRITE"
