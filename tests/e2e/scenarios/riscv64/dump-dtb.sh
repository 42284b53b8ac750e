# lkvm-e2e recipe
# --dump-dtb writes the device tree lkvm built and exits 0 without running
# the guest. The blob goes to MiB 40 of /dev/vda; dump-dtb.post decompiles
# it on the host with dtc (no warnings allowed) and checks it. On the 6.1
# host, which has no SBI STA, lkvm says so.
lkvm run -k /l2/vmlinuz -i /l2/initrd.gz -c 2 -m 256 --rng --name dump-dtb -p "quiet lkvm.test=boot" --dump-dtb /tmp/lkvm.dtb
expect-ok
expect "KVM has no SBI steal-time .STA. extension: the guest sees no stolen time"
reject "L2-INIT-OK"
check-magic /tmp/lkvm.dtb d00dfeed
copy-to-disk /tmp/lkvm.dtb /dev/vda 40
