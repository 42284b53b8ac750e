#!/bin/sh
# shellcheck shell=dash
# lkvm.test=virtio-9p: mount the L1 directory shared with --9p (tag
# hostshare) with the v9fs client in two cache modes and work in it:
# read, write, mkdir, rename, symlinks, hard links, chmod, truncate, times,
# a big file, a big directory, FIFOs, locks, statfs.  Symlinks that the L1
# side points outside the share resolve in the guest, never on the host.
T=$LKVM_TEST
fail() { echo "L2-TEST $T FAIL $*"; umount /mnt/s 2>/dev/null; exit 0; }
mkdir -p /mnt/s

for m in none loose; do
	n=20
	mount -t 9p -o trans=virtio,version=9p2000.L,cache=$m hostshare /mnt/s ||
		fail "mount cache=$m"
	S=/mnt/s
	[ "$(cat $S/hello)" = "hello from L1" ] || fail "$m: read hello"
	echo "data $m" >$S/new-$m || fail "$m: create"
	[ "$(cat $S/new-$m)" = "data $m" ] || fail "$m: read back"
	echo more >>$S/new-$m
	[ "$(wc -l <$S/new-$m)" = 2 ] || fail "$m: append"
	mkdir -p $S/d-$m/sub || fail "$m: mkdir"
	echo x >$S/d-$m/sub/f || fail "$m: create in subdir"
	mv $S/d-$m $S/e-$m || fail "$m: rename dir"
	[ "$(cat $S/e-$m/sub/f)" = x ] || fail "$m: read after rename"
	ln -s some/target $S/link-$m || fail "$m: symlink"
	[ "$(readlink $S/link-$m)" = some/target ] || fail "$m: readlink"
	ln $S/new-$m $S/hard-$m || fail "$m: hard link"
	[ "$(stat -c %h $S/new-$m)" = 2 ] || fail "$m: nlink"
	chmod 640 $S/new-$m || fail "$m: chmod"
	[ "$(stat -c %a $S/new-$m)" = 640 ] || fail "$m: mode"
	: >$S/hard-$m || fail "$m: truncate"
	[ "$(stat -c %s $S/new-$m)" = 0 ] || fail "$m: size after truncate"
	touch -d "2001-02-03 04:05:06" $S/new-$m || fail "$m: touch -d"
	[ "$(stat -c %Y $S/new-$m)" = "$(date -d '2001-02-03 04:05:06' +%s)" ] ||
		fail "$m: mtime $(stat -c %Y $S/new-$m)"
	dd if=/dev/urandom of=/tmp/big bs=65536 count=8 2>/dev/null
	cp /tmp/big $S/big-$m || fail "$m: copy big file"
	[ "$(md5sum <$S/big-$m)" = "$(md5sum </tmp/big)" ] || fail "$m: big file differs"
	mkdir $S/many-$m
	i=0
	while [ $i -lt $n ]; do : >$S/many-$m/file-$i; i=$((i + 1)); done
	[ "$(ls $S/many-$m | wc -l)" = $n ] || fail "$m: listing $(ls $S/many-$m | wc -l)"
	[ "$(ls -a $S/many-$m | wc -l)" = $((n + 2)) ] || fail "$m: listing with dots"
	rm -r $S/many-$m || fail "$m: rm -r"
	mkfifo $S/fifo-$m || fail "$m: mkfifo"
	[ -p $S/fifo-$m ] || fail "$m: not a fifo"
	(echo through-fifo >$S/fifo-$m &)
	[ "$(cat $S/fifo-$m)" = through-fifo ] || fail "$m: fifo"
	if command -v flock >/dev/null; then
		flock $S/new-$m true || fail "$m: flock"
	fi
	df $S >/dev/null || fail "$m: statfs"
	# Links planted on the L1 side: resolved here, in L2.
	[ -e /tmp/l1secret ] && fail "L2 has /tmp/l1secret?"
	cat $S/esc 2>/dev/null && fail "$m: read the L1 secret through esc"
	[ "$(cd $S/up && pwd -P)" = /mnt ] || fail "$m: up is $(cd $S/up && pwd -P)"
	cat $S/../s/hello >/dev/null || fail "$m: .. from the mount"
	rm -r $S/new-$m $S/hard-$m $S/e-$m $S/link-$m $S/big-$m $S/fifo-$m ||
		fail "$m: cleanup"
	umount /mnt/s || fail "umount cache=$m"
done
mount -t 9p -o trans=virtio,version=9p2000.L hostshare /mnt/s || fail "mount"
echo "written by L2" >/mnt/s/from-guest
umount /mnt/s
echo "L2-TEST $T PASS"
