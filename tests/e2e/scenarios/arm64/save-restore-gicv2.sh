# shellcheck shell=dash
# arm64: save and restore a VM with a GICv2 (--irqchip gicv2: distributor
# with its banked registers, CPU interfaces; virtio interrupts are INTx),
# 2 vCPUs, rng, 9p (l2-tests/pvtime-count.sh intx): the restored guest
# counts on in the same boot, its stolen-time records never go back, rng,
# 9p and interrupts work.  SKIP when the host's KVM cannot emulate a
# GICv2 (E2E_ARM64_GIC=2 gives L1 one).
S=/tmp/g2-share SNAP=/tmp/g2-snap L0=/tmp/g2-0.log L1=/tmp/g2-1.log
rm -rf $S $SNAP && mkdir -p $S && : >$L0
lkvm run -k /l2/vmlinuz -i /l2/initrd.gz -c 2 -m 256 --irqchip gicv2 --rng \
	--9p $S,hostshare --name g2 -p "quiet lkvm.test=pvtime-count lkvm.arg=intx" \
	</dev/null >$L0 2>&1 &
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
stat_ns() { lkvm stat --name "$1" | awk 'NR > 1 { printf "%s%s", s, $2; s = "," }'; }
i=0
while kill -0 $P0 2>/dev/null && ! grep -q '^PVC' $L0 && [ $i -lt 500 ]; do sleep 0.2; i=$((i + 1)); done
if log_has $L0 'cannot emulate a GICv2'; then
	show_log $L0 2
	skip "the host's KVM has no GICv2 emulation (E2E_ARM64_GIC=2)"
	exit 0
fi
wait_count $L0 4 60 || { kill $P0; show_log $L0; fail "the guest did not count"; exit 0; }
lkvm pause --name g2 >/dev/null || { kill $P0; fail "pause"; exit 0; }
n0=$(count $L0)
S0=$(stat_ns g2)
lkvm save --name g2 $SNAP >/dev/null || { kill $P0; fail "save"; exit 0; }
lkvm stop --name g2 >/dev/null
wait $P0
lkvm run --restore $SNAP --name g2b </dev/null >$L1 2>&1 &
P1=$!
i=0
while ! lkvm pause --name g2b >/dev/null 2>&1 && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
S1=$(stat_ns g2b)
lkvm resume --name g2b >/dev/null
wait_count $L1 $((n0 + 1)) 60 || { kill $P1; show_log $L1; fail "no count after restore"; exit 0; }
echo go >$S/go
i=0
while kill -0 $P1 2>/dev/null && [ $i -lt 300 ]; do sleep 0.2; i=$((i + 1)); done
kill $P1 2>/dev/null && note "lkvm --restore did not end by itself"
wait $P1
rc=$?
note "saved at count $n0, records $S0; restored: $S1 (status $rc)"
note "$(tr -d '\r' <$L1 | grep -m1 'L2-TEST')"
f=$(tr -d '\r' <$L1 | awk '/^PVC/ { print $2; exit }')
v=$(awk -v s="$S0" -v a="$S1" 'BEGIN { n = split(s, x, ","); split(a, y, ",")
	for (i = 1; i <= n; i++) if (y[i] !~ /^[0-9]+$/ || y[i] < x[i]) { print "cpu" i-1 " record " x[i] " -> " y[i]; exit }
	print n == 2 ? "ok" : "no records: " s }')
if [ "$f" != $((n0 + 1)) ] || log_has $L1 'L2-INIT-OK'; then
	fail "count went $n0 -> $f (or L2 booted again)"
elif [ "$v" != ok ]; then
	fail "$v"
elif [ $rc != 0 ] || ! log_has $L1 'L2-TEST pvtime-count PASS'; then
	show_log $L1 5
	fail "status $rc, $(tr -d '\r' <$L1 | grep -m1 'L2-TEST' || echo 'no verdict')"
else
	pass
fi
