# shellcheck shell=dash
# Helpers for scenario snippets, available in L1 as /e2e/lib.sh (busybox sh).
# Each scenario snippet runs in its own shell with this file sourced and
# $SCENARIO set to its name; it must print exactly one of
#   SCENARIO <name> PASS
#   SCENARIO <name> FAIL <why>
#   SCENARIO <name> SKIP <why>   (cannot run here; not a failure)
# (use pass / fail / skip below). Detail lines start with two spaces.

# shellcheck source=/dev/null
[ -f /e2e/config.sh ] && . /e2e/config.sh
: "${E2E_LKVM_TIMEOUT:=60}" "${E2E_SCENARIO_TIMEOUT:=180}" "${E2E_VERBOSE:=0}"

# e2e_uptime: seconds since L1 boot (busybox date has no %N).
e2e_uptime() { cut -d' ' -f1 /proc/uptime; }
# e2e_since T0: seconds elapsed since uptime T0, 2 decimals.
e2e_since() { awk -v a="$1" -v b="$(e2e_uptime)" 'BEGIN { printf "%.2f", b - a }'; }

pass() { echo "SCENARIO $SCENARIO PASS"; }
fail() { echo "SCENARIO $SCENARIO FAIL $*"; }
skip() { echo "SCENARIO $SCENARIO SKIP $*"; }
note() { echo "  $*"; }

# run_timeout SECS LOG CMD...: runs CMD with stdout+stderr to LOG (stdin
# inherited: the L1 console), killing it after SECS (TERM, then KILL 5 s
# later). Sets RC (exit status), ELAPSED (s) and TIMED_OUT (0|1).
run_timeout() {
	_t=$1 _log=$2
	shift 2
	_t0=$(e2e_uptime)
	timeout -k 5 "$_t" "$@" >"$_log" 2>&1
	RC=$?
	ELAPSED=$(e2e_since "$_t0")
	TIMED_OUT=$(awk -v e="$ELAPSED" -v t="$_t" 'BEGIN { print (e >= t - 0.05) ? 1 : 0 }')
	# A killed VMM may leave the console in raw mode.
	[ -t 0 ] && stty sane 2>/dev/null
	return 0
}

# run_lkvm LOG ARGS...: runs "lkvm ARGS" under $E2E_LKVM_TIMEOUT (override
# with LKVM_TIMEOUT=N), output (the L2 console) to LOG; sets RC, ELAPSED,
# TIMED_OUT and LKVM_LOG, and prints one detail line.
# Shortly before the limit, "lkvm debug --all" takes the registers of
# every VM still running; on a timeout they are shown (rip and flags).
run_lkvm() {
	LKVM_LOG=$1
	shift
	_rl_t=${LKVM_TIMEOUT:-$E2E_LKVM_TIMEOUT}
	_rl_lead=$((_rl_t > 15 ? 15 : 0))
	rm -f /tmp/lkvm-debug.txt
	(
		trap 'kill $_rl_s 2>/dev/null; exit 0' TERM
		sleep $((_rl_t - _rl_lead)) &
		_rl_s=$!
		wait $_rl_s && lkvm debug --all >/tmp/lkvm-debug.txt 2>&1
	) &
	_rl_d=$!
	run_timeout "$_rl_t" "$LKVM_LOG" lkvm "$@"
	kill "$_rl_d" 2>/dev/null
	wait "$_rl_d" 2>/dev/null
	note "lkvm $1: rc=$RC time=${ELAPSED}s$([ "$TIMED_OUT" = 1 ] && echo " TIMEOUT")"
	if [ "$TIMED_OUT" = 1 ] && [ -s /tmp/lkvm-debug.txt ]; then
		note "lkvm debug --all, $_rl_lead s before the limit:"
		grep -E '^(Guest|vCPU|lkvm)|rip|cr0' /tmp/lkvm-debug.txt | head -n 24 | sed 's/^/    /'
	fi
	[ "$E2E_VERBOSE" = 1 ] && show_log "$LKVM_LOG" 200
	return 0
}

# log_has LOG ERE: true if LOG (carriage returns removed) matches ERE.
log_has() { tr -d '\r' <"$1" | grep -q -E -- "$2"; }

# show_log LOG [N]: the last N (20) lines of LOG, indented (so that nothing a
# guest prints can pass for a marker).
show_log() {
	[ -f "$1" ] || return 0
	tr -d '\r' <"$1" | tail -n "${2:-20}" | sed 's/^/  | /'
}

# expect_lkvm ERE...: the usual verdict after run_lkvm: PASS if lkvm exited
# with status 0 in time and its output matches every ERE; otherwise FAIL
# with the first reason found and the end of the L2 console.
expect_lkvm() {
	_why=
	if [ "$TIMED_OUT" = 1 ]; then
		_why="lkvm timed out after ${ELAPSED}s"
	else
		for _re in "$@"; do
			log_has "$LKVM_LOG" "$_re" || {
				_why="no '$_re' in the L2 output"
				break
			}
		done
		[ -z "$_why" ] && [ "$RC" != 0 ] && _why="lkvm exit status $RC"
	fi
	if [ -z "$_why" ]; then
		pass
	else
		[ "$E2E_VERBOSE" = 1 ] || show_log "$LKVM_LOG" 25
		fail "$_why"
	fi
}

# e2e_dump_stuck: what every lkvm thread in L1 is doing (state, wait
# channel, kernel stack), as detail lines.
e2e_dump_stuck() {
	for _d in /proc/[0-9]*; do
		[ "$(cat "$_d/comm" 2>/dev/null)" = lkvm ] || continue
		for _t in "$_d"/task/*; do
			note "pid ${_d#/proc/} tid ${_t##*/} $(cat "$_t/comm" 2>/dev/null):" \
				"$(sed -n 's/^State:[[:space:]]*//p' "$_t/status" 2>/dev/null)" \
				"wchan=$(cat "$_t/wchan" 2>/dev/null)"
			sed 's/^/    /' "$_t/stack" 2>/dev/null | head -n 12
		done
	done
	dmesg | tail -n 15 | sed 's/^/  | /'
}

# e2e_watchdog NAME: runs beside scenario NAME (in the background). The
# scenario's own time limit kills what it started; if something outlives
# it all the same (a process stuck in the L1 kernel cannot be killed), the
# watchdog prints E2E-L1-STUCK with what the lkvm threads are doing and
# powers L1 off, so that the host does not wait for its own time limit.
# Every 10 s it prints E2E-L1-TICK (the host does not show it), so that
# the host can tell a silent scenario from a hung L1 within a minute, and
# while a scenario is over its limit, E2E-L1-ALIVE.
e2e_watchdog() {
	_w_t0=$(e2e_uptime)
	while sleep 10; do
		_w_el=$(awk -v a="$_w_t0" -v b="$(e2e_uptime)" 'BEGIN { print int(b - a) }')
		echo "E2E-L1-TICK $_w_el"
		[ "$_w_el" -ge "$E2E_SCENARIO_TIMEOUT" ] || continue
		echo "E2E-L1-ALIVE $1 ${_w_el}s uptime=$(e2e_uptime)"
		[ "$_w_el" -ge $((E2E_SCENARIO_TIMEOUT + 30)) ] || continue
		echo "E2E-L1-STUCK $1: still running ${_w_el}s after it started (limit ${E2E_SCENARIO_TIMEOUT}s)"
		e2e_dump_stuck
		sync
		poweroff -f
		sleep 5
		echo o >/proc/sysrq-trigger
	done
}

# e2e_run_scenario NAME: runs /e2e/scenarios/NAME.sh (used by /scenarios.sh),
# with a whole-scenario time limit and a watchdog, and prints its timing.
e2e_run_scenario() {
	_name=$1
	# e2e.only=A,B on L1's command line (a rerun): only those.
	_only=$(tr ' ' '\n' </proc/cmdline | sed -n 's/^e2e\.only=//p')
	case ,$_only, in
	,, | *,"$_name",*) ;;
	*) return 0 ;;
	esac
	echo "E2E-SCENARIO-START $_name"
	_t0=$(e2e_uptime)
	# In the background (stdin from /dev/null); the scenario keeps the
	# console as its stdin.
	e2e_watchdog "$_name" &
	_wd=$!
	# shellcheck disable=SC2016 # expanded by the inner shell
	SCENARIO=$_name timeout -k 5 "$E2E_SCENARIO_TIMEOUT" \
		sh -c '. /e2e/lib.sh; cd /tmp && . "/e2e/scenarios/$SCENARIO.sh"'
	_rc=$?
	kill "$_wd" 2>/dev/null
	wait "$_wd" 2>/dev/null
	_el=$(e2e_since "$_t0")
	if awk -v e="$_el" -v t="$E2E_SCENARIO_TIMEOUT" 'BEGIN { exit !(e >= t - 0.05) }'; then
		echo "SCENARIO $_name FAIL whole scenario timed out after ${_el}s"
	fi
	echo "E2E-SCENARIO-END $_name rc=$_rc time=${_el}s"
}

# The L2 kernel to boot: an uncompressed vmlinux where the arch has one
# (x86: no in-guest decompression), else the packaged image.
L2K=/l2/vmlinux
[ -f "$L2K" ] || L2K=/l2/vmlinuz
