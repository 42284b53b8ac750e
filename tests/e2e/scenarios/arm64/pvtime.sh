# shellcheck shell=dash
# arm64 stolen time (PV time), 2 vCPUs (l2-tests/pvtime.sh "on"):
# - the guest uses it (arm-pv), its device tree and /proc/iomem reserve the
#   records, lkvm --loglevel info puts the two vCPUs' records at distinct,
#   64-byte aligned addresses inside that area;
# - idle, the guest's steal grows by less than 5 % of the time (in L2);
# - loaded: each vCPU thread pinned to its own L1 CPU beside a CPU hog
#   pinned there too, the guest busy on both vCPUs, for 8 s.  At both
#   ends of the interval (guest idle, no hogs) lkvm stat gives each
#   vCPU's record and its thread's run-queue delay (schedstat), then the
#   guest reads its /proc/stat steal as soon as it is told to: what
#   accrues in between is small, and the same at both ends.  Over the interval the three agree per vCPU within 10 % or
#   20 ms, whichever is larger, and steal grew.
S=/tmp/pvt-share LOG=/tmp/pvtime.log
rm -rf $S && mkdir -p $S && : >$LOG
lkvm run -k /l2/vmlinuz -i /l2/initrd.gz -c 2 -m 256 --9p $S,hostshare \
	--loglevel info --name pvt -p "quiet lkvm.test=pvtime lkvm.arg=on" \
	</dev/null >$LOG 2>&1 &
P=$!
H=''
hogs_on() {
	taskset -c 0 sh -c 'while :; do :; done' &
	H=$!
	taskset -c 1 sh -c 'while :; do :; done' &
	H="$H $!"
}
hogs_off() { [ -z "$H" ] || { kill $H; wait $H; } 2>/dev/null; H=''; }
# wait_log ERE TRIES STEP: until the L2 console (or lkvm) says ERE.  One
# cheap grep per STEP seconds: L1's own work is stolen time for L2.
wait_log() {
	_i=0
	while ! grep -qE "$1" $LOG; do
		kill -0 $P 2>/dev/null || return 1
		[ $_i -lt "$2" ] || return 1
		sleep "$3"
		_i=$((_i + 1))
	done
}
end() { hogs_off; kill $P 2>/dev/null; show_log $LOG 12; fail "$*"; exit 0; }
# "R:D,R:D": each vCPU's record and run-queue delay (ns), VM paused.
stat_vals() { lkvm stat --name pvt | awk 'NR > 1 { printf "%s%s:%s", s, $2, $3; s = "," }'; }
l2() { tr -d '\r' <$LOG | sed -n "s/^$1//p" | head -n1; }

wait_log 'PVT-INFO|L2-TEST pvtime FAIL' 200 0.5 || end "the guest did not get to its checks"
log_has $LOG 'L2-TEST pvtime FAIL' && end "$(l2 'L2-TEST pvtime FAIL ')"
T0='' T1=''
for t in /proc/$P/task/*; do
	case $(cat "$t/comm" 2>/dev/null) in
	kvm-vcpu-0) T0=${t##*/} ;;
	kvm-vcpu-1) T1=${t##*/} ;;
	esac
done
[ -n "$T0" ] && [ -n "$T1" ] || end "no vCPU threads in /proc/$P/task"
# The guest's idle check (vCPU threads free to go to an idle L1 CPU, L1
# quiet): their wake-ups and run-queue delay.
sched() { cat /proc/$P/task/$T0/schedstat /proc/$P/task/$T1/schedstat | tr '\n' ' '; }
I0=$(sched)
wait_log 'PVT-IDLE' 200 0.5 || end "the guest did not get past its idle check"
I1=$(sched)
taskset -p -c 0 "$T0" >/dev/null && taskset -p -c 1 "$T1" >/dev/null ||
	end "cannot pin the vCPU threads"
idle=$(awk -v a="$I0" -v b="$I1" 'BEGIN { split(a, x, " "); split(b, y, " ")
	for (i = 0; i < 2; i++) printf "vcpu%d %dms in %d runs; ", i,
		(y[3 * i + 2] - x[3 * i + 2]) / 1e6, y[3 * i + 3] - x[3 * i + 3] }')
# At both ends, with the guest idle and no hogs, L1 reads its side and
# drops a file; the guest reads its steal as soon as it sees it.
A=$(stat_vals)
touch $S/m1
ta=$(e2e_uptime)
wait_log 'PVT-M1' 300 0.1 || end "the guest did not see m1"
touch $S/go
wait_log 'PVT-BUSY' 300 0.1 || end "the guest did not get busy"
hogs_on
t0=$(e2e_uptime)
sleep 8
hogs_off
el=$(e2e_since "$t0")
touch $S/stop
wait_log 'PVT-STOPPED' 300 0.1 || end "the guest did not stop"
B=$(stat_vals)
touch $S/m2
tb=$(e2e_uptime)
wait_log 'L2-TEST pvtime (PASS|FAIL)' 600 0.1 || end "no verdict from the guest"
wait $P
rc=$?
note "$(l2 'PVT-INFO ')"
note "idle: $(l2 'PVT-IDLE '); L1 schedstat from PVT-INFO to PVT-IDLE: $idle"
ipas=$(tr -d '\r' <$LOG | sed -n 's/.*vCPU \([0-9]*\): stolen time record at \(0x[0-9a-f]*\)$/\1=\2/p' | tr '\n' ' ')
note "records: $ipas"
M1f=$(l2 'PVT-M1 st=') M2f=$(l2 'PVT-M2 st=')
M1=${M1f%% *} M2=${M2f%% *}
info=$(l2 'PVT-INFO ')
base=$(echo "$info" | sed -n 's/.*base=\(0x[0-9a-f]*\).*/\1/p')
size=$(echo "$info" | sed -n 's/.*size=\(0x[0-9a-f]*\).*/\1/p')
why=''
# Distinct, aligned records inside the reserved area.
set -- $ipas
[ $# = 2 ] || why="lkvm reported $# records: $ipas"
if [ -z "$why" ]; then
	r0=$((${1#*=})) r1=$((${2#*=}))
	[ $r0 != $r1 ] || why="both vCPUs share the record at $r0"
	for r in $r0 $r1; do
		[ $((r % 64)) = 0 ] && [ $r -ge $((base)) ] &&
			[ $((r + 64)) -le $((base + size)) ] ||
			why="${why:+$why; }record $(printf 0x%x $r) not in [$base, +$size)"
	done
fi
figs=$(awk -v a="$A" -v b="$B" -v m1="$M1" -v m2="$M2" -v el="$el" 'BEGIN {
	n = split(a, x, ","); split(b, y, ","); split(m1, g1, ","); split(m2, g2, ",")
	if (n != 2 || split(m1, t, ",") != 2 || split(m2, t, ",") != 2) {
		printf "BAD missing figures A=%s B=%s M1=%s M2=%s", a, b, m1, m2; exit }
	for (i = 1; i <= n; i++) {
		split(x[i], p, ":"); split(y[i], q, ":")
		dr = (q[1] - p[1]) / 1e6; dd = (q[2] - p[2]) / 1e6
		ds = (g2[i] - g1[i]) * 10
		tol = dd * 0.1; if (tol < 20) tol = 20
		tol2 = dr * 0.1; if (tol2 < 20) tol2 = 20
		ratio = 0
		if (dd > 0) ratio = ds / dd
		printf "vcpu%d guest=%dms record=%dms run_delay=%dms guest/run_delay=%.3f; ", i - 1, ds, dr, dd, ratio
		if (dd < 0.1 * el * 1000) bad = bad " vcpu" i-1 ": too little run-queue delay under load;"
		if (ds - dd > tol || dd - ds > tol) bad = bad " vcpu" i-1 ": guest vs run_delay;"
		if (dr - dd > tol || dd - dr > tol) bad = bad " vcpu" i-1 ": record vs run_delay;"
		if (ds - dr > tol2 || dr - ds > tol2) bad = bad " vcpu" i-1 ": guest vs lkvm stat;"
	}
	printf "over %.2fs%s", el, bad ? " BAD" bad : "" }')
note "lkvm stat (record:run_delay ns) at L1 uptime $ta: $A; at $tb: $B"
note "guest steal (ticks) at m1: $M1f; at m2: $M2f"
note "loaded: $figs"
case $figs in *BAD*) why="${why:+$why; }${figs#*BAD }" ;; esac
log_has $LOG 'L2-TEST pvtime PASS' || why="${why:+$why; }$(l2 'L2-TEST pvtime ')"
[ $rc = 0 ] || why="${why:+$why; }lkvm status $rc"
if [ -z "$why" ]; then pass; else show_log $LOG 8; fail "$why"; fi
