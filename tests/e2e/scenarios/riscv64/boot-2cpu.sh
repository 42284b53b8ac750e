# lkvm-e2e recipe
# Boot the L2 Linux with 2 vCPUs (the second started by the guest with SBI
# HSM) and check the hart's view: riscv,isa, MMU, timer interrupts and the
# PLIC (l2-init's "riscv" test).
lkvm run -k /l2/vmlinuz -i /l2/initrd.gz -c 2 -m 256 --name boot-2cpu -p "quiet lkvm.test=riscv"
expect "L2-INIT-OK cpus=2( |$)"
expect "L2-TEST riscv PASS"
reject "Oops|BUG:"
