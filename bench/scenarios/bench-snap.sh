# shellcheck shell=dash
# make bench: save and restore of a 1 GiB guest with 256 MiB touched,
# measured inside L1.  Restore is timed from exec to vCPU 0 entering the
# guest (lkvm --loglevel info), as is a fresh lkvm run of the same size.
rm -rf /tmp/snap
entered() { tr -d '\r' <"$1" | sed -n 's/.*vCPU 0 enters the guest \([0-9.]*\) ms.*/\1/p' | head -1; }
wait_line() {	# LOG ERE SECS
	_i=0
	while [ $_i -lt $(($3 * 5)) ]; do
		tr -d '\r' <"$1" | grep -q -E "$2" && return 0
		sleep 0.2; _i=$((_i + 1))
	done
	return 1
}
lkvm run -k "$L2K" -i /l2/initrd.gz -c 1 -m 1024 --name snap \
	-p "quiet lkvm.test=touch lkvm.arg=256" </dev/null >/tmp/b1.log 2>&1 &
P=$!
wait_line /tmp/b1.log 'L2-TOUCHED' 120 || { show_log /tmp/b1.log; kill $P; fail "guest did not fill its memory"; exit 0; }
lkvm pause --name snap >/dev/null
t0=$(e2e_uptime)
lkvm save --name snap /tmp/snap >/dev/null || { kill $P; fail "save"; exit 0; }
save=$(e2e_since "$t0")
lkvm stop --name snap >/dev/null
wait $P
kib=$(du -k /tmp/snap/lkvm.snap | cut -f1)
# Both runs start with caches dropped (in L1 the snapshot (tmpfs) and the
# kernel (initramfs) stay in RAM all the same: neither reads a disk).
sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null
lkvm run --restore /tmp/snap --name snap2 --loglevel info </dev/null >/tmp/b2.log 2>&1 &
P=$!
wait_line /tmp/b2.log 'enters the guest' 60
restore=$(entered /tmp/b2.log)
lkvm stop --name snap2 >/dev/null 2>&1 || kill $P
wait $P
sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null
lkvm run -k "$L2K" -i /l2/initrd.gz -c 1 -m 1024 --name fresh --loglevel info \
	-p "quiet lkvm.test=boot" </dev/null >/tmp/b3.log 2>&1 &
P=$!
wait_line /tmp/b3.log 'enters the guest' 60
fresh=$(entered /tmp/b3.log)
lkvm stop --name fresh >/dev/null 2>&1 || kill $P
wait $P
echo "BENCH-SNAP save_s=$save file_kib=$kib restore_ms=$restore fresh_ms=$fresh"
[ -n "$restore" ] && [ -n "$fresh" ] && pass || fail "no timings"
