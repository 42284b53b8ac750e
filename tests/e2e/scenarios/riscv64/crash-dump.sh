# lkvm-e2e recipe
# A guest KVM cannot run: a 64-byte Image whose first two instructions
# (lui t0, 0x1; jr t0) jump to 0x1000, where there is neither RAM nor a
# device to execute from.  lkvm must end with status 1 and a register dump
# (pc, mode, the general registers and the supervisor CSRs).
timeout 30
write-hex /tmp/crash.img b7120000678002000000200000000000001000000000000000000000000000000200000000000000000000000000000052495343560000005253430500000000
status 1
lkvm run -k /tmp/crash.img -m 64 --name crash-dump
expect "vCPU 0: KVM_RUN: "
expect "Registers:"
expect "pc +0000000000001000"
expect "t0 +0000000000001000"
expect "sstatus +[0-9a-f]{16}"
expect "satp +0000000000000000"
show 12
