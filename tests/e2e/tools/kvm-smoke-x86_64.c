/*
 * kvm-smoke: the smallest possible KVM user, run inside L1 by the
 * selftest-kvm scenario to tell "nested KVM is broken" apart from "lkvm is
 * broken". Creates a VM with one vCPU in real mode that executes
 *   mov al, 0x42; out 0x10, al; hlt
 * and checks that KVM reports the port write and then the halt.
 * Prints "KVM-SMOKE OK" on success, "KVM-SMOKE FAIL <why>" otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

static int fail(const char *what)
{
	printf("KVM-SMOKE FAIL %s: %s\n", what, strerror(errno));
	return 1;
}

int main(void)
{
	static const uint8_t code[] = { 0xb0, 0x42, 0xe6, 0x10, 0xf4 };
	struct kvm_userspace_memory_region region;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_run *run;
	int kvm, vm, vcpu, ver, size;
	uint8_t *mem;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return fail("open /dev/kvm");
	ver = ioctl(kvm, KVM_GET_API_VERSION, 0);
	if (ver != KVM_API_VERSION)
		return fail("KVM_GET_API_VERSION");
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		return fail("KVM_CREATE_VM");
	mem = mmap(NULL, 0x10000, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return fail("mmap");
	memcpy(mem + 0x1000, code, sizeof(code));
	memset(&region, 0, sizeof(region));
	region.memory_size = 0x10000;
	region.userspace_addr = (uintptr_t)mem;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return fail("KVM_SET_USER_MEMORY_REGION");
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		return fail("KVM_CREATE_VCPU");
	size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size <= 0)
		return fail("KVM_GET_VCPU_MMAP_SIZE");
	run = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   vcpu, 0);
	if (run == MAP_FAILED)
		return fail("mmap vcpu");
	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		return fail("KVM_GET_SREGS");
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
		return fail("KVM_SET_SREGS");
	memset(&regs, 0, sizeof(regs));
	regs.rip = 0x1000;
	regs.rflags = 0x2;
	if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		return fail("KVM_SET_REGS");

	if (ioctl(vcpu, KVM_RUN, 0) < 0)
		return fail("KVM_RUN 1");
	if (run->exit_reason != KVM_EXIT_IO ||
	    run->io.direction != KVM_EXIT_IO_OUT || run->io.port != 0x10 ||
	    *((uint8_t *)run + run->io.data_offset) != 0x42) {
		printf("KVM-SMOKE FAIL first exit: reason %u port 0x%x\n",
		       run->exit_reason, run->io.port);
		return 1;
	}
	if (ioctl(vcpu, KVM_RUN, 0) < 0)
		return fail("KVM_RUN 2");
	if (run->exit_reason != KVM_EXIT_HLT) {
		printf("KVM-SMOKE FAIL second exit: reason %u (want HLT)\n",
		       run->exit_reason);
		return 1;
	}
	printf("KVM-SMOKE OK\n");
	return 0;
}
