# lkvm-e2e recipe
# --disable-f --disable-d (kvmtool's names): lkvm clears the extensions'
# ISA_EXT registers before the vCPUs first run, reads the ISA back, and the
# device tree's riscv,isa and riscv,isa-extensions say so.  (Only dumped:
# the L2 init is built for the lp64d ABI and needs the FPU.)
lkvm run -k /l2/vmlinuz -i /l2/initrd.gz -c 2 -m 256 --disable-f --disable-d --name disable-ext --dump-dtb /tmp/noext.dtb
expect-ok
file-has /tmp/noext.dtb "rv64imac_"
file-lacks /tmp/noext.dtb "rv64imafdc"
