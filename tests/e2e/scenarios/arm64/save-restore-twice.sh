# shellcheck shell=dash
# arm64: one snapshot restored twice, side by side under two names
# (l2-tests/pvtime-count.sh: 2 vCPUs, rng, 9p, no disk).  Both copies go
# on counting in the same boot from where the snapshot was taken, each
# vCPU's stolen-time record starts from the saved value (lkvm stat on the
# paused copies: never less; a little more, as the two copies' threads
# wait for L1's CPUs while they start, but less than 1 s), and both finish the test (rng, 9p, MSI-X) and exit 0.
# Then restores that cannot work are refused with one line and status 1,
# before anything runs: -c 1 against the snapshot's 2 vCPUs, and (with
# tools/snap-poke, which keeps the checksums right) a snapshot whose VM
# had a GICv2, which this L1's KVM (GICv3) cannot create.
S=/tmp/tw-share SNAP=/tmp/tw-snap L0=/tmp/tw0.log LA=/tmp/twa.log LB=/tmp/twb.log
rm -rf $S $SNAP && mkdir -p $S
lkvm run -k /l2/vmlinuz -i /l2/initrd.gz -c 2 -m 256 --rng --9p $S,hostshare \
	--name tw -p "quiet lkvm.test=pvtime-count" </dev/null >$L0 2>&1 &
P0=$!
count() { tr -d '\r' <"$1" | awk '/^PVC/ { n = $2 } END { print n + 0 }'; }
wait_count() {	# LOG N SECS
	_i=0
	while [ "$(count "$1")" -lt "$2" ]; do
		[ $_i -lt $(($3 * 5)) ] || return 1
		sleep 0.2
		_i=$((_i + 1))
	done
}
end() { kill $P0 $PA $PB 2>/dev/null; fail "$*"; exit 0; }
stat_ns() { lkvm stat --name "$1" | awk 'NR > 1 { printf "%s%s", s, $2; s = "," }'; }
PA='' PB=''
wait_count $L0 4 100 || { show_log $L0; end "the guest did not count"; }
lkvm pause --name tw >/dev/null || end "pause"
n0=$(count $L0)
S0=$(stat_ns tw)
lkvm save --name tw $SNAP >/dev/null || end "save"
lkvm stop --name tw >/dev/null
wait $P0
lkvm run --restore $SNAP --name twa </dev/null >$LA 2>&1 &
PA=$!
lkvm run --restore $SNAP --name twb </dev/null >$LB 2>&1 &
PB=$!
# Both copies, paused as soon as they answer: their records.
for v in twa twb; do
	i=0
	while ! lkvm pause --name $v >/dev/null 2>&1 && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
done
SA=$(stat_ns twa) SB=$(stat_ns twb)
lkvm resume --name twa >/dev/null
lkvm resume --name twb >/dev/null
wait_count $LA $((n0 + 1)) 60 && wait_count $LB $((n0 + 1)) 60 ||
	{ show_log $LA 5; show_log $LB 5; end "the restored copies did not count"; }
echo go >$S/go
i=0
while { kill -0 $PA || kill -0 $PB; } 2>/dev/null && [ $i -lt 300 ]; do sleep 0.2; i=$((i + 1)); done
kill $PA $PB 2>/dev/null && note "a restored copy did not end by itself"
wait $PA
ra=$?
wait $PB
rb=$?
note "saved at count $n0, records $S0; copies: twa $SA (status $ra), twb $SB (status $rb)"
why=''
for l in $LA $LB; do
	f=$(tr -d '\r' <$l | awk '/^PVC/ { print $2; exit }')
	[ "$f" = $((n0 + 1)) ] || why="${why:+$why; }${l##*/}: first count $f, want $((n0 + 1))"
	log_has $l 'L2-INIT-OK' && why="${why:+$why; }${l##*/}: the guest booted again"
	log_has $l 'L2-TEST pvtime-count PASS' ||
		why="${why:+$why; }${l##*/}: $(tr -d '\r' <$l | grep -m1 'L2-TEST' || echo 'no verdict')"
	note "${l##*/}: $(tr -d '\r' <$l | grep -m1 'L2-TEST')"
done
[ $ra = 0 ] && [ $rb = 0 ] || why="${why:+$why; }lkvm status $ra/$rb"
v=$(awk -v s="$S0" -v a="$SA" -v b="$SB" 'BEGIN {
	n = split(s, x, ","); split(a, y, ","); split(b, z, ",")
	if (n != 2) { print "no records at save: " s; exit }
	for (i = 1; i <= n; i++) {
		if (y[i] !~ /^[0-9]+$/ || z[i] !~ /^[0-9]+$/) { print "no record after restore"; exit }
		if (y[i] < x[i] || z[i] < x[i]) { print "cpu" i-1 " record went back"; exit }
		if (y[i] - x[i] >= 1e9 || z[i] - x[i] >= 1e9) { print "cpu" i-1 " record grew 1 s or more"; exit }
	}
	print "ok" }')
[ "$v" = ok ] || why="${why:+$why; }$v"
# Refusals: one line, status 1, nothing started.
LKVM_TIMEOUT=20 run_lkvm /tmp/tw-bad1.log run --restore $SNAP -c 1 --name twc
note "-c 1: $(head -n1 /tmp/tw-bad1.log)"
[ "$RC" = 1 ] && [ "$(wc -l </tmp/tw-bad1.log)" = 1 ] ||
	why="${why:+$why; }--restore -c 1: status $RC, $(wc -l </tmp/tw-bad1.log) lines"
if [ -x /bin/snap-poke ]; then
	note "$(snap-poke $SNAP arm.vm 0 1)"
	LKVM_TIMEOUT=20 run_lkvm /tmp/tw-bad2.log run --restore $SNAP --name twd
	note "GICv2 snapshot: $(head -n1 /tmp/tw-bad2.log)"
	[ "$RC" = 1 ] && [ "$(wc -l </tmp/tw-bad2.log)" = 1 ] &&
		log_has /tmp/tw-bad2.log 'gicv2 interrupt controller' ||
		why="${why:+$why; }GICv2 snapshot: status $RC, $(wc -l </tmp/tw-bad2.log) lines"
fi
if [ -z "$why" ]; then pass; else fail "$why"; fi
