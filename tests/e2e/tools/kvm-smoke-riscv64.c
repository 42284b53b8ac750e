/*
 * kvm-smoke (riscv64): the smallest possible KVM user, run inside L1 by the
 * selftest-kvm scenario to tell "nested KVM is broken" apart from "lkvm is
 * broken". One vCPU runs
 *   lui a1, 0x20000 (a1 = 0x20000000); li a0, 0x42; sb a0, 0(a1); j .
 * and the MMIO write to unbacked 0x20000000 must reach user space.
 * Prints "KVM-SMOKE OK" on success, "KVM-SMOKE FAIL <why>" otherwise.
 */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define RAM_BASE 0x80000000UL
#define MMIO_ADDR 0x20000000UL

static int fail(const char *what)
{
	printf("KVM-SMOKE FAIL %s: %s\n", what, strerror(errno));
	return 1;
}

int main(void)
{
	static const uint32_t code[] = {
		0x200005b7, /* lui a1, 0x20000 */
		0x04200513, /* addi a0, zero, 0x42 */
		0x00a58023, /* sb a0, 0(a1) */
		0x0000006f, /* j . */
	};
	struct kvm_userspace_memory_region region;
	struct kvm_one_reg reg;
	struct kvm_run *run;
	uint64_t pc = RAM_BASE;
	int kvm, vm, vcpu, size;
	uint8_t *mem;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return fail("open /dev/kvm");
	if (ioctl(kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		return fail("KVM_GET_API_VERSION");
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		return fail("KVM_CREATE_VM");
	mem = mmap(NULL, 0x10000, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return fail("mmap");
	memcpy(mem, code, sizeof(code));
	memset(&region, 0, sizeof(region));
	region.guest_phys_addr = RAM_BASE;
	region.memory_size = 0x10000;
	region.userspace_addr = (uintptr_t)mem;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return fail("KVM_SET_USER_MEMORY_REGION");
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		return fail("KVM_CREATE_VCPU");
	reg.id = KVM_REG_RISCV | KVM_REG_SIZE_U64 | KVM_REG_RISCV_CORE |
		 KVM_REG_RISCV_CORE_REG(regs.pc);
	reg.addr = (uintptr_t)&pc;
	if (ioctl(vcpu, KVM_SET_ONE_REG, &reg) < 0)
		return fail("KVM_SET_ONE_REG pc");
	size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size <= 0)
		return fail("KVM_GET_VCPU_MMAP_SIZE");
	run = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   vcpu, 0);
	if (run == MAP_FAILED)
		return fail("mmap vcpu");

	if (ioctl(vcpu, KVM_RUN, 0) < 0)
		return fail("KVM_RUN");
	if (run->exit_reason != KVM_EXIT_MMIO || !run->mmio.is_write ||
	    run->mmio.phys_addr != MMIO_ADDR || run->mmio.len != 1 ||
	    run->mmio.data[0] != 0x42) {
		printf("KVM-SMOKE FAIL exit: reason %u addr 0x%llx\n",
		       run->exit_reason,
		       (unsigned long long)run->mmio.phys_addr);
		return 1;
	}
	printf("KVM-SMOKE OK\n");
	return 0;
}
