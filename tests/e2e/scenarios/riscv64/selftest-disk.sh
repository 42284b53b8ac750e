# lkvm-e2e recipe
# Harness self-test of the host <-> L1 disk path (disk MiB 1 and 2):
# selftest-disk.pre writes a pattern at MiB 1, L1 reads it and writes its
# own at MiB 2, selftest-disk.post checks that on the host afterwards.
disk-check /dev/vda 1 E2E-HOST-PATTERN
disk-write /dev/vda 2 E2E-L1-PATTERN
