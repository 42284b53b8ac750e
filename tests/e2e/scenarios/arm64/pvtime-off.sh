# shellcheck shell=dash
# arm64 --no-pvtime, 2 vCPUs (l2-tests/pvtime.sh "off"): the guest finds
# no stolen time (no arm-pv message, no pvtime node), lkvm stat has no
# record to show, and while both vCPUs are busy beside pinned L1 CPU hogs
# (their threads wait on L1's run queues: lkvm stat's run_delay grows) the
# guest's steal stays 0.
S=/tmp/pvoff-share LOG=/tmp/pvtime-off.log
rm -rf $S && mkdir -p $S && : >$LOG
lkvm run -k /l2/vmlinuz -i /l2/initrd.gz -c 2 -m 256 --9p $S,hostshare \
	--no-pvtime --loglevel info --name pvoff \
	-p "quiet lkvm.test=pvtime lkvm.arg=off" </dev/null >$LOG 2>&1 &
P=$!
H=''
hogs_off() { [ -z "$H" ] || { kill $H; wait $H; } 2>/dev/null; H=''; }
end() { hogs_off; kill $P 2>/dev/null; show_log $LOG 12; fail "$*"; exit 0; }
i=0
while ! grep -qE 'PVT-BUSY|L2-TEST pvtime FAIL' $LOG; do
	kill -0 $P 2>/dev/null && [ $i -lt 200 ] || end "the guest never got busy"
	sleep 0.5
	i=$((i + 1))
done
for t in /proc/$P/task/*; do
	case $(cat "$t/comm" 2>/dev/null) in
	kvm-vcpu-0) taskset -p -c 0 "${t##*/}" >/dev/null ;;
	kvm-vcpu-1) taskset -p -c 1 "${t##*/}" >/dev/null ;;
	esac
done
stat_vals() { lkvm stat --name pvoff | awk 'NR > 1 { printf "%s%s:%s", s, $2, $3; s = "," }'; }
A=$(stat_vals)
taskset -c 0 sh -c 'while :; do :; done' &
H=$!
taskset -c 1 sh -c 'while :; do :; done' &
H="$H $!"
sleep 4
hogs_off
B=$(stat_vals)
touch $S/m1
i=0
while kill -0 $P 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
kill $P 2>/dev/null && note "lkvm did not end by itself"
wait $P
rc=$?
note "lkvm stat (record:run_delay) before: $A after: $B"
note "$(tr -d '\r' <$LOG | grep -m1 '^PVT-OFF')"
why=''
log_has $LOG 'L2-TEST pvtime PASS' ||
	why="$(tr -d '\r' <$LOG | grep -m1 'L2-TEST pvtime' || echo 'no verdict from the guest')"
log_has $LOG 'stolen time record at' && why="${why:+$why; }lkvm set up stolen-time records"
d=$(awk -v a="$A" -v b="$B" 'BEGIN { n = split(a, x, ","); split(b, y, ",")
	for (i = 1; i <= n; i++) { split(x[i], p, ":"); split(y[i], q, ":")
		if (p[1] != "n/a" || q[1] != "n/a") bad = bad " vcpu" i-1 " record " p[1] "/" q[1]
		if (q[2] - p[2] < 2e8) bad = bad " vcpu" i-1 " waited only " (q[2]-p[2])/1e6 "ms" }
	print n == 2 ? (bad ? bad : "ok") : "no lkvm stat figures" }')
[ "$d" = ok ] || why="${why:+$why; }lkvm stat:$d"
[ $rc = 0 ] || why="${why:+$why; }lkvm status $rc"
if [ -z "$why" ]; then pass; else show_log $LOG 8; fail "$why"; fi
