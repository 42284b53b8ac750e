# lkvm-e2e recipe
# Harness self-test (no lkvm run): L1 has /dev/kvm (opened by l1-init before
# any scenario), the test disk and the L2 kernel and initramfs.
check-exists /dev/kvm /dev/vda /l2/vmlinuz /l2/initrd.gz /bin/lkvm
