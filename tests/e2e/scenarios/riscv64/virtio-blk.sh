# lkvm-e2e recipe
# virtio-blk: L2 reads what L1 wrote, writes, reads back, and cannot write
# its read-only disk.  The disk is L1's /dev/vda (QEMU's raw image on the
# host) with O_DIRECT, so the host hook checks L2's bytes after the run.
disk-write /dev/vda 1 L1-PATTERN-ABC
mkfile /tmp/ro.img 4
lkvm run -k /l2/vmlinuz -i /l2/initrd.gz -c 2 -m 256 -d /dev/vda,direct -d /tmp/ro.img,ro --name virtio-blk -p "quiet lkvm.test=blk lkvm.arg=131072"
disk-check /dev/vda 3 L2-PATTERN-XYZ
expect "L2-TEST blk PASS"
show 2
