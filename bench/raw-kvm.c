// SPDX-License-Identifier: GPL-2.0
/*
 * Baseline for "make bench": the least a program must do to run a flat
 * real-mode guest on KVM (load it at 1000:0000, forward its COM1 output to
 * stdout, stop when it writes S5|SLP_EN to the ACPI PM1a control port).
 * Usage: raw-kvm GUEST.bin [MEM_MiB]
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

static void fail(const char *what)
{
	perror(what);
	exit(2);
}

int main(int argc, char **argv)
{
	size_t mem = (argc > 2 ? strtoull(argv[2], NULL, 0) : 64) << 20;
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rflags = 2, .rip = 0, .rsp = 0x8000 };
	struct kvm_userspace_memory_region region = { 0 };
	struct kvm_run *run;
	int kvm, vm, vcpu, fd;
	ssize_t n;
	uint8_t *ram;

	if (argc < 2) {
		fprintf(stderr, "usage: %s GUEST.bin [MEM_MiB]\n", argv[0]);
		return 2;
	}
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		fail("/dev/kvm");
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		fail("KVM_CREATE_VM");
	if (ioctl(vm, KVM_SET_TSS_ADDR, 0xfffbd000) < 0)
		fail("KVM_SET_TSS_ADDR");
	ram = mmap(NULL, mem, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (ram == MAP_FAILED)
		fail("mmap");
	region.memory_size = mem;
	region.userspace_addr = (unsigned long)ram;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		fail("KVM_SET_USER_MEMORY_REGION");
	fd = open(argv[1], O_RDONLY);
	if (fd < 0)
		fail(argv[1]);
	n = read(fd, ram + 0x10000, 0x8fc00);
	if (n <= 0)
		fail("read guest");
	close(fd);

	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		fail("KVM_CREATE_VCPU");
	run = mmap(NULL, ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0),
		   PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		fail("mmap kvm_run");
	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		fail("KVM_GET_SREGS");
	sregs.cs.selector = 0x1000;
	sregs.cs.base = 0x10000;
	sregs.ds = sregs.es = sregs.ss = sregs.fs = sregs.gs = sregs.cs;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
		fail("KVM_SET_SREGS");
	if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		fail("KVM_SET_REGS");

	for (;;) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0)
			fail("KVM_RUN");
		if (run->exit_reason != KVM_EXIT_IO) {
			fprintf(stderr, "exit reason %u\n", run->exit_reason);
			return 1;
		}
		uint8_t *d = (uint8_t *)run + run->io.data_offset;

		if (run->io.direction == KVM_EXIT_IO_OUT) {
			if (run->io.port == 0x3f8) {
				if (write(1, d, run->io.count) < 0)
					return 1;
			} else if (run->io.port == 0x604 && run->io.size == 2 &&
				   (d[0] | d[1] << 8) == 0x3400) {
				return 0;
			}
		} else {
			memset(d, 0xff, run->io.size * run->io.count);
		}
	}
}
