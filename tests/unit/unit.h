/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for unit tests (check library).  A unit-test VM is a struct kvm
 * without /dev/kvm: buses, device list and optionally guest RAM from
 * malloc, so device models and parsers run without KVM.
 */
#ifndef LKVM_TESTS_UNIT_H
#define LKVM_TESTS_UNIT_H

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "kvm/kvm.h"
#include "kvm/util.h"

static inline struct kvm *unit_kvm_new(u64 ram_size)
{
	struct kvm *kvm = calloc(1, sizeof(*kvm));

	ck_assert_ptr_nonnull(kvm);
	kvm->sys_fd = kvm->vm_fd = kvm->ram_fd = kvm->exit_evfd = -1;
	kvm->restore_mem.fd = -1;
	INIT_LIST_HEAD(&kvm->devices);
	pthread_mutex_init(&kvm->pause_lock, NULL);
	pthread_cond_init(&kvm->pause_cond, NULL);
	ck_assert_int_eq(bus_init(&kvm->pio_bus, "I/O port"), 0);
	ck_assert_int_eq(bus_init(&kvm->mmio_bus, "MMIO"), 0);
	kvm->cfg.nrcpus = 1;
	if (ram_size) {
		kvm->ram = calloc(1, ram_size);
		ck_assert_ptr_nonnull(kvm->ram);
		kvm->ram_size = ram_size;
		kvm->mem.bank[0] = (struct kvm_mem_bank) {
			.gpa = 0, .size = ram_size, .host = kvm->ram,
		};
		kvm->mem.nr_banks = 1;
	}
	return kvm;
}

static inline void unit_kvm_free(struct kvm *kvm)
{
	kvm__exit_devices(kvm);
	bus_exit(&kvm->pio_bus);
	bus_exit(&kvm->mmio_bus);
	free(kvm->ram);
	free(kvm);
}

/* Little-endian access through a bus, as a vCPU would do it. */
static inline u32 unit_bus_read(struct bus *bus, u64 addr, u32 len)
{
	u8 d[8] = { 0 };
	u32 v = 0, i;

	bus_dispatch(bus, NULL, addr, d, len, false);
	for (i = 0; i < len && i < 4; i++)
		v |= (u32)d[i] << (8 * i);
	return v;
}

static inline void unit_bus_write(struct bus *bus, u64 addr, u32 len, u64 val)
{
	u8 d[8];
	u32 i;

	for (i = 0; i < len; i++)
		d[i] = val >> (8 * i);
	bus_dispatch(bus, NULL, addr, d, len, true);
}

/* Each test file defines its suite and uses UNIT_MAIN(suite_fn). */
#define UNIT_MAIN(suite_fn)						\
int main(void)								\
{									\
	SRunner *sr = srunner_create(suite_fn());			\
	int failed;							\
									\
	lkvm_loglevel = getenv("UNIT_VERBOSE") ? LOGLEVEL_DEBUG : -1;	\
	srunner_run_all(sr, CK_NORMAL);					\
	failed = srunner_ntests_failed(sr);				\
	srunner_free(sr);						\
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;			\
}

#endif
