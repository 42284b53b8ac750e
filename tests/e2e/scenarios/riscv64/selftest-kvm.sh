# lkvm-e2e recipe
# Harness self-test: KVM in L1 runs a vCPU (tools/kvm-smoke-riscv64.c: a few
# guest instructions and one MMIO exit). Tells a broken nested KVM apart
# from a broken lkvm.
check-exists /bin/kvm-smoke
run 20 /bin/kvm-smoke
expect "^KVM-SMOKE OK"
