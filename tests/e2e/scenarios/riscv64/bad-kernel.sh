# lkvm-e2e recipe
# Kernels lkvm must refuse with status 1 and one clear line: truncated,
# gzip-compressed, ELF, and not an Image at all; and --disable-<ext> for an
# extension the host's KVM cannot switch off.
timeout 20
head-copy /l2/vmlinuz /tmp/trunc.img 1048576
write-hex /tmp/k.gz 1f8b08000000000000030300000000000000000000
write-hex /tmp/zero.img 0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
status 1
lkvm run -k /tmp/trunc.img -m 256 --name bad1
expect "file is truncated"
lkvm run -k /tmp/k.gz -m 256 --name bad2
expect "gzip-compressed; lkvm boots an uncompressed riscv64 Image"
lkvm run -k /bin/lkvm -m 256 --name bad3
expect "ELF file"
lkvm run -k /tmp/zero.img -m 256 --name bad4
expect "not a riscv64 Image"
lkvm run -k /l2/vmlinuz -i /l2/initrd.gz -m 256 --name bad5 --disable-sstc -p "quiet lkvm.test=boot"
skip-if "L2-INIT-OK|does not give guests sstc" "this host lets sstc go or has none"
expect "disable-sstc: this host's KVM cannot switch sstc off"
