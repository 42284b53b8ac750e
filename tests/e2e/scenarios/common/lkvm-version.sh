# shellcheck shell=dash
# The lkvm binary runs in L1 (static, right arch) and "lkvm version" works.
LKVM_TIMEOUT=10 run_lkvm /tmp/lkvm-version.log version
if [ "$TIMED_OUT" = 1 ] || [ "$RC" != 0 ] || [ ! -s /tmp/lkvm-version.log ]; then
	show_log /tmp/lkvm-version.log 5
	fail "lkvm version: status $RC$([ "$TIMED_OUT" = 1 ] && echo ', timed out')"
else
	note "$(head -n1 /tmp/lkvm-version.log)"
	pass
fi
