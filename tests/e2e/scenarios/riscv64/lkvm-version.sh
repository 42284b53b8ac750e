# lkvm-e2e recipe
# The lkvm binary runs in L1 (static, right arch): "lkvm version" works and
# "lkvm run --help" lists the riscv64 options (kvmtool's --disable-<ext>)
# and says that Images must be uncompressed.
timeout 10
lkvm version
expect "lkvm version .*riscv64"
show 1
lkvm run --help
expect "--disable-sstc +Disable the Sstc extension"
expect "--disable-zicbom"
expect "riscv64: an uncompressed Image, not Image.gz"
expect "--no-pvtime .*riscv64: SBI STA"
