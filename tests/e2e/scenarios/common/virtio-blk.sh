# shellcheck shell=dash
# virtio-blk: L2 reads what L1 wrote, writes (parallel, fsync), discards,
# and cannot write its read-only disk.  The disk is L1's /dev/vda (QEMU's
# raw image on the host) with O_DIRECT, so the host hook checks the bytes
# after the whole run; the second disk is a read-only file.
printf 'L1-PATTERN-ABC' | dd of=/dev/vda bs=1M seek=1 conv=fsync 2>/dev/null
dd if=/dev/zero of=/tmp/ro.img bs=1M count=4 2>/dev/null
run_lkvm /tmp/virtio-blk.log run -k "$L2K" -i /l2/initrd.gz -c 2 -m 256 \
	-d /dev/vda,direct -d /tmp/ro.img,ro --name virtio-blk \
	-p "quiet lkvm.test=virtio-blk lkvm.arg=131072"
got=$(dd if=/dev/vda bs=1M skip=3 count=1 2>/dev/null | head -c 14)
note "L1 reads at MiB 3: '$got'"
if [ "$got" != "L2-PATTERN-XYZ" ]; then
	fail "disk has '$got' at MiB 3 after the run"
else
	expect_lkvm 'L2-TEST virtio-blk PASS'
fi
show_log "$LKVM_LOG" 3
