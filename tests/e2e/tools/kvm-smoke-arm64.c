/*
 * kvm-smoke (arm64): the smallest possible KVM user, run inside L1 by the
 * selftest-kvm scenario to tell "nested KVM is broken" apart from "lkvm is
 * broken". One vCPU runs
 *   movz w1, #0x42; movz x2, #0x2000, lsl #16 (x2 = 0x20000000);
 *   strb w1, [x2]; b .
 * and the MMIO write to unbacked 0x20000000 must reach user space.
 * Prints "KVM-SMOKE OK" on success, "KVM-SMOKE FAIL <why>" otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define RAM_BASE 0x10000000UL
#define MMIO_ADDR 0x20000000UL

static int fail(const char *what)
{
	printf("KVM-SMOKE FAIL %s: %s\n", what, strerror(errno));
	return 1;
}

int main(void)
{
	static const uint32_t code[] = {
		0x52800841, /* movz w1, #0x42 */
		0xd2a40002, /* movz x2, #0x2000, lsl #16 */
		0x39000041, /* strb w1, [x2] */
		0x14000000, /* b . */
	};
	struct kvm_userspace_memory_region region;
	struct kvm_vcpu_init init;
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
	memset(&init, 0, sizeof(init));
	if (ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init) < 0)
		return fail("KVM_ARM_PREFERRED_TARGET");
	if (ioctl(vcpu, KVM_ARM_VCPU_INIT, &init) < 0)
		return fail("KVM_ARM_VCPU_INIT");
	reg.id = KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE |
		 (offsetof(struct kvm_regs, regs.pc) / sizeof(uint32_t));
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
