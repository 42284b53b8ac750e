# lkvm-e2e recipe
# Boot the L2 Linux with 1 vCPU; its init prints "L2-INIT-OK cpus=1" and
# reboots (SBI system reset), which must end lkvm with status 0.
lkvm run -k /l2/vmlinuz -i /l2/initrd.gz -c 1 -m 256 --name boot-1cpu -p "quiet lkvm.test=boot"
expect "L2-INIT-OK cpus=1( |$)"
