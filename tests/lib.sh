# Shared helpers for the shell tests.  Source it; set LKVM first.
# shellcheck shell=bash

T_PASS=0
T_FAIL=0
T_NAMES_FAILED=()

t_tmpdir() {
	T_TMP=$(mktemp -d /tmp/lkvm-test.XXXXXX)
	chmod 755 "$T_TMP"
	export LKVM_DIR="$T_TMP/sock"
	trap 't_cleanup' EXIT
}

t_cleanup() {
	local p
	for p in $(jobs -p); do kill -9 "$p" 2>/dev/null; done
	[ -n "${T_TMP:-}" ] && rm -rf "$T_TMP"
}

t_ok() {
	T_PASS=$((T_PASS + 1))
	echo "  ok   $1"
}

t_fail() {
	T_FAIL=$((T_FAIL + 1))
	T_NAMES_FAILED+=("$1")
	echo "  FAIL $1: $2"
	if [ -n "${3:-}" ] && [ -f "$3" ]; then
		sed 's/^/       | /' "$3" | head -40
	fi
}

# t_wait_for FILE PATTERN TIMEOUT_S: wait until FILE contains PATTERN.
t_wait_for() {
	local i
	for ((i = 0; i < $3 * 20; i++)); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

t_summary() {
	echo "$1: $T_PASS passed, $T_FAIL failed"
	if [ "$T_FAIL" -ne 0 ]; then
		printf '  failed: %s\n' "${T_NAMES_FAILED[@]}"
		return 1
	fi
	return 0
}

# t_wait_exit PID SECS: wait for background job PID to end, at most SECS
# (then it is killed); prints nothing, returns its status or 124.
t_wait_exit() {
	local i
	for ((i = 0; i < $2 * 20; i++)); do
		kill -0 "$1" 2>/dev/null || { wait "$1"; return $?; }
		sleep 0.05
	done
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 124
}
