# lkvm-e2e recipe
# make bench (riscv64): the L2 boot time, lkvm start to the L2 /init's
# first line, measured in L1 by its init ("L2-INIT-OK Ns after lkvm
# started"), with 1 then 2 vCPUs.
lkvm run -k /l2/vmlinuz -i /l2/initrd.gz -c 1 -m 256 --name bench1 -p "quiet lkvm.test=boot"
expect "L2-INIT-OK cpus=1"
lkvm run -k /l2/vmlinuz -i /l2/initrd.gz -c 2 -m 256 --name bench2 -p "quiet lkvm.test=boot"
expect "L2-INIT-OK cpus=2"
