# shellcheck shell=dash
# Harness self-test: run_timeout kills a hung command and reports it.
run_timeout 2 /tmp/selftest-timeout.log sleep 60
if [ "$TIMED_OUT" = 1 ] && awk -v e="$ELAPSED" 'BEGIN { exit !(e < 10) }'; then
	pass
else
	fail "run_timeout: TIMED_OUT=$TIMED_OUT RC=$RC after ${ELAPSED}s"
fi
