# shellcheck shell=dash
# Investigation aid (not run by default): the virtio-9p L2 test 30 times
# in one L1 with 2 vCPUs, stopping at the third failure; on a stall or a
# timeout it prints the state of every lkvm thread, three register dumps
# (lkvm debug) and lkvm stat, then the L2's last words. Run with
#   E2E_RETRY=0 E2E_SCENARIO_PATH=tests/e2e/extra-scenarios \
#   E2E_SCENARIO_TIMEOUT=1500 E2E_TIMEOUT=1800 \
#   LKVM_BIN=... tests/e2e/run.sh x86_64 stress-9p
# (x86_64 nested: see "flaky" in tests/e2e/README.md).
prep() {
	rm -rf /tmp/share /tmp/l1secret; mkdir -p /tmp/share
	echo "hello from L1" >/tmp/share/hello; echo L1SECRET >/tmp/l1secret
	ln -s /tmp/l1secret /tmp/share/esc; ln -s .. /tmp/share/up
}
dump() {
	note "=== DUMP $1"
	for t in /proc/$2/task/*; do
		note "task ${t##*/} $(cat $t/comm) state=$(awk '{print $3}' $t/stat) wchan=$(cat $t/wchan) utime=$(awk '{print $14, $15}' $t/stat)"
	done
	for k in 1 2 3; do
		lkvm debug --name d9 2>&1 | grep -E "^vCPU|rip|cr0|cr4|rax|rdx" | sed 's/^/    /'
		lkvm stat --name d9 2>&1 | sed 's/^/    /'
		sleep 1
	done
	tr -d '\r' </tmp/d.log | tail -40 | sed 's/^/  | /'
}
i=0 ok=0 bad=0
while [ $i -lt 30 ]; do
	prep
	lkvm run -k "$L2K" -i /l2/initrd.gz -c 2 -m 256 --name d9 --9p /tmp/share,hostshare -p "quiet lkvm.test=virtio-9p" </dev/null >/tmp/d.log 2>&1 &
	P=$!
	n=0 dumped=0
	while kill -0 $P 2>/dev/null && [ $n -lt 90 ]; do
		sleep 0.5; n=$((n+1))
		if [ $dumped = 0 ] && grep -q "rcu: INFO\|soft lockup" /tmp/d.log; then dump "stall" $P; dumped=1; fi
	done
	if kill -0 $P 2>/dev/null; then [ $dumped = 1 ] || dump timeout $P; kill -9 $P; fi
	wait $P; rc=$?
	if grep -q 'L2-TEST virtio-9p PASS' /tmp/d.log && [ $rc = 0 ]; then ok=$((ok+1)); else bad=$((bad+1)); note "run $i bad rc=$rc"; tr -d "\r" </tmp/d.log | tail -40 | sed "s/^/  | /"; fi
	i=$((i+1))
	note "STRESS after $i: ok=$ok bad=$bad"
	[ $bad -ge 3 ] && break
done
pass
