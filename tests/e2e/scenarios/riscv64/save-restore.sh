# lkvm-e2e recipe
# Save and restore a running Linux guest with 2 vCPUs: L2 counts (console
# and raw disk records); pause, save, stop, then run --restore in a new
# lkvm.  The count goes on in the same boot (every ONE_REG register, the
# MP states and lkvm's PLIC came back); then L1 drops "restored" into the
# 9p share and L2 checks its disk records, virtio-rng, 9p and that
# interrupts still arrive.  (Linux 6.1 hosts have no SBI steal time: no
# stolen-time check here.)
rm /tmp/share
rm /tmp/snap
mkdir /tmp/share
save-restore run -k /l2/vmlinuz -i /l2/initrd.gz -c 2 -m 256 --rng -d /dev/vda --9p /tmp/share,hostshare -p "quiet lkvm.test=counter"
check-file /tmp/share/from-l2 "after restore"
