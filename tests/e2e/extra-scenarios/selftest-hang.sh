# shellcheck shell=dash
# Harness self-test of the rerun after a hung L1 (not run by default):
#   E2E_SCENARIO_PATH=tests/e2e/extra-scenarios \
#   LKVM_BIN=tests/e2e/dummy/lkvm-exit0 tests/e2e/run.sh x86_64 \
#   selftest-l1 selftest-hang selftest-timeout
# In the first L1 it goes silent for longer than E2E_IDLE_TIMEOUT (60 s), as
# a hung L1 would: run.sh must stop that L1 and rerun this scenario and the
# ones after it in a fresh L1 (e2e.only= on its command line), where it
# passes.
# The summary must say that they were rerun.
# (After the watchdog's first heartbeat, every other process, the watchdog
# with them, is stopped: L1 falls as silent as a hung one.)
if grep -q 'e2e\.only=' /proc/cmdline; then
	pass
else
	sleep 12
	kill -STOP -1
	sleep 90
	kill -CONT -1
	fail "run.sh did not stop an L1 that printed nothing for 90 s"
fi
