# shellcheck shell=dash
# Save and restore a running Linux guest with 2 vCPUs: L2 counts (console
# and raw disk records); L1 loads its CPUs so that stolen time grows;
# pause, save, stop, then run --restore in a new lkvm.  After the restore
# the count goes on in the same boot (its uptime goes on; steal grew under
# the load before the save), the disk records are intact, rng,
# blk, 9p and MSI-X work, and each vCPU's stolen time has not gone back,
# grew by less than 100 ms across the restore, and grows again under load.
# Stolen time at save and just after the restore is read from the vCPUs'
# records with lkvm stat (VM paused); the guest's /proc/stat shows it too.
rm -rf /tmp/share /tmp/snap && mkdir -p /tmp/share
hog() { while :; do :; done; }
hogs_on() { hog & H1=$!; hog & H2=$!; }
hogs_off() { kill "$H1" "$H2" 2>/dev/null; wait "$H1" "$H2" 2>/dev/null; }
LOG1=/tmp/sr1.log LOG2=/tmp/sr2.log
lkvm run -k "$L2K" -i /l2/initrd.gz -c 2 -m 256 --rng -d /dev/vda \
	--9p /tmp/share,hostshare --name sr -p "quiet lkvm.test=counter" \
	</dev/null >$LOG1 2>&1 &
P1=$!
wait_count() {	# LOG N SECS: until COUNT >= N appears
	_i=0
	while [ $_i -lt $(($3 * 5)) ]; do
		_c=$(tr -d '\r' <"$1" | awk '/^COUNT/ { n = $2 } END { print n + 0 }')
		[ "$_c" -ge "$2" ] && return 0
		sleep 0.2
		_i=$((_i + 1))
	done
	return 1
}
last() { tr -d '\r' <"$1" | grep '^COUNT' | tail -1; }
first() { tr -d '\r' <"$1" | grep '^COUNT' | head -1; }
if ! wait_count $LOG1 4 90; then
	show_log $LOG1; kill $P1; fail "L2 did not start counting"; exit 0
fi
hogs_on
wait_count $LOG1 10 60
hogs_off
t0=$(e2e_uptime)
lkvm pause --name sr >/dev/null || { kill $P1; fail "pause"; exit 0; }
before=$(last $LOG1)
stat_ns() { lkvm stat --name "$1" | awk 'NR > 1 { printf "%s%s", s, $2; s = "," }'; }
S1=$(stat_ns sr)
if ! lkvm save --name sr /tmp/snap; then
	kill $P1; fail "save"; exit 0
fi
note "saved in $(e2e_since "$t0")s: $(du -k /tmp/snap/lkvm.snap | cut -f1) KiB on disk"
lkvm stop --name sr >/dev/null
wait $P1
t0=$(e2e_uptime)
lkvm run --restore /tmp/snap --name sr2 </dev/null >$LOG2 2>&1 &
P2=$!
n0=$(echo "$before" | awk '{ print $2 }')
# Catch the restored VM as early as its control socket answers.
i=0
while ! lkvm pause --name sr2 >/dev/null 2>&1 && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
S2=$(stat_ns sr2)
lkvm resume --name sr2 >/dev/null
wait_count $LOG2 $((n0 + 1)) 60 || { show_log $LOG2; kill $P2; fail "no count after restore"; exit 0; }
note "restored and counting in $(e2e_since "$t0")s"
after=$(first $LOG2)
echo yes >/tmp/share/restored
hogs_on
LKVM_WAIT=0
while kill -0 $P2 2>/dev/null && [ $LKVM_WAIT -lt 300 ]; do sleep 0.2; LKVM_WAIT=$((LKVM_WAIT + 1)); done
hogs_off
kill $P2 2>/dev/null && note "lkvm --restore did not end by itself"
final=$(last $LOG2)
note "stolen ns at save: $S1, just after restore: $S2"
note "before save:   $before"
note "after restore: $after"
note "final:         $final"
show_log $LOG2 3
LKVM_LOG=$LOG2 RC=0 TIMED_OUT=0
n1=$(echo "$after" | awk '{ print $2 }')
# The same boot: the count continues (no reboot: no second L2-INIT-OK).
if [ "$n1" -ne $((n0 + 1)) ] || log_has $LOG2 'L2-INIT-OK'; then
	fail "count went $n0 -> $n1 (or L2 booted again)"
	exit 0
fi
# Stolen time per vCPU: records (ns) across the restore; the guest's
# view (st=A,B in 10 ms ticks) never goes back and grows under load.
start=$(first $LOG1)
note "first count:   $start"
verdict=$(awk -v s1="$S1" -v s2="$S2" -v b="$before" -v a="$after" -v f="$final" -v s0="$start" 'BEGIN {
	n = split(s1, x, ","); split(s2, y, ",")
	if (n < 2) { print "no stolen-time records (" s1 ")"; exit }
	for (i = 1; i <= n; i++) {
		if (x[i] !~ /^[0-9]+$/ || y[i] !~ /^[0-9]+$/) { print "cpu" i-1 " has no record: " x[i] "/" y[i]; exit }
		if (y[i] < x[i]) { print "cpu" i-1 " record went back " x[i] " -> " y[i]; exit }
		if (y[i] - x[i] >= 100000000) { print "cpu" i-1 " record grew " (y[i]-x[i])/1e6 " ms across the restore"; exit }
	}
	split(b, B, "st="); split(a, A, "st="); split(f, F, "st="); split(s0, Z, "st=")
	nb = split(B[2], sb, ","); split(A[2], sa, ","); split(F[2], sf, ","); split(Z[2], sz, ",")
	# The same boot: the guest uptime goes on (no new boot from 0).
	split(b, UB, "up="); split(a, UA, "up="); ub = UB[2] + 0; ua = UA[2] + 0
	if (ua < ub || ua > ub + 60) { print "guest uptime went " ub " -> " ua " s across the restore"; exit }
	# The L1 hogs before the save made steal grow.
	g = 0
	for (i = 1; i <= nb; i++) g += sb[i] - sz[i]
	if (g <= 0) { print "steal did not grow under load before the save (" Z[2] " -> " B[2] ")"; exit }
	for (i = 1; i <= nb; i++) {
		if (sa[i] < sb[i]) { print "cpu" i-1 " guest steal went back " sb[i] " -> " sa[i]; exit }
		if (sf[i] <= sa[i]) { print "cpu" i-1 " steal did not grow under load after restore"; exit }
	}
	print "ok" }')
if [ "$verdict" != ok ]; then
	fail "$verdict"
else
	expect_lkvm 'L2-TEST counter PASS'
fi
