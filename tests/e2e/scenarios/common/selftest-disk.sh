# shellcheck shell=dash
# Harness self-test of the host <-> L1 disk path (disk MiB 1 and 2):
# selftest-disk.pre writes a pattern at MiB 1, L1 reads it and writes its
# own at MiB 2, selftest-disk.post checks that on the host afterwards.
got=$(dd if=/dev/vda bs=1M skip=1 count=1 2>/dev/null | head -c 16)
if [ "$got" != "E2E-HOST-PATTERN" ]; then
	fail "read '$got' at MiB 1 of /dev/vda, want E2E-HOST-PATTERN"
	exit 0
fi
printf 'E2E-L1-PATTERN' | dd of=/dev/vda bs=1M seek=2 conv=fsync 2>/dev/null
pass
