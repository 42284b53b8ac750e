#!/bin/sh
# Run every unit-test binary given; fail if any fails.
fail=0
for t in "$@"; do
	if ! "$t"; then
		echo "FAIL: $t"
		fail=1
	fi
done
[ $fail -eq 0 ] && echo "unit tests: all passed"
exit $fail
