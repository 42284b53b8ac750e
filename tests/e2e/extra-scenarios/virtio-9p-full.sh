# shellcheck shell=dash
# virtio-9p: L2 mounts an L1 directory (--9p) and works in it; what it
# writes is there in L1 afterwards, and L1's secrets next to the share and
# behind symlinks in it stay out of reach.
rm -rf /tmp/share /tmp/l1secret
mkdir -p /tmp/share
echo "hello from L1" >/tmp/share/hello
echo L1SECRET >/tmp/l1secret
ln -s /tmp/l1secret /tmp/share/esc
ln -s .. /tmp/share/up
LKVM_TIMEOUT=400 run_lkvm /tmp/virtio-9p.log run -k "$L2K" -i /l2/initrd.gz -c 2 -m 256 \
	--9p /tmp/share,hostshare --name virtio-9p -p "quiet lkvm.test=virtio-9p-full"
if [ "$(cat /tmp/share/from-guest 2>/dev/null)" != "written by L2" ]; then
	fail "L2's file is not in L1"
else
	expect_lkvm 'L2-TEST virtio-9p-full PASS'
fi
show_log "$LKVM_LOG" 3
