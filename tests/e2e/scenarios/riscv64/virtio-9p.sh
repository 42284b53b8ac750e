# lkvm-e2e recipe
# virtio-9p: L2 mounts an L1 directory (--9p) and works in it; what it
# writes is there in L1 afterwards; a symlink to L1's secret resolves in
# L2 (where there is no such file), not in L1.
rm /tmp/share
rm /tmp/l1secret
mkdir /tmp/share
write /tmp/share/hello "hello from L1"
write /tmp/l1secret L1SECRET
symlink /tmp/l1secret /tmp/share/esc
lkvm run -k /l2/vmlinuz -i /l2/initrd.gz -c 2 -m 256 --9p /tmp/share,hostshare --name virtio-9p -p "quiet lkvm.test=9p"
expect "L2-TEST 9p PASS"
check-file /tmp/share/from-guest "written by L2"
check-file /tmp/share/e/f x
