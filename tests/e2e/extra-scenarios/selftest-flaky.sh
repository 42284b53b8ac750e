# shellcheck shell=dash
# Harness self-test of the rerun of a failed scenario (not run by default):
#   E2E_SCENARIO_PATH=tests/e2e/extra-scenarios \
#   LKVM_BIN=tests/e2e/dummy/lkvm-exit0 tests/e2e/run.sh x86_64 \
#   selftest-l1 selftest-flaky selftest-timeout
# It fails in the first L1 and passes in a fresh one (e2e.only= on its
# command line): with E2E_RETRY_FAILED=1 (x86_64's default) the summary
# must say PASS, FLAKY with this failure, and a WARNING; with
# E2E_RETRY_FAILED=0, FAIL.
if grep -q 'e2e\.only=' /proc/cmdline; then
	pass
else
	fail "first attempt fails on purpose"
fi
