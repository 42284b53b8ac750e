/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest physical memory.  The one place that turns a guest physical
 * address into a host pointer: guest_ptr() returns NULL unless every byte
 * of [gpa, gpa + len) lies within a single RAM bank.
 */
#ifndef KVM__GUEST_MEM_H
#define KVM__GUEST_MEM_H

#include "kvm/compiler.h"

#define KVM_MAX_MEM_BANKS	8

struct kvm_mem_bank {
	u64	gpa;
	u64	size;
	void	*host;
	u32	slot;
};

struct guest_mem {
	struct kvm_mem_bank	bank[KVM_MAX_MEM_BANKS];
	u32			nr_banks;
};

static inline void *guest_mem_ptr(const struct guest_mem *mem, u64 gpa, u64 len)
{
	u32 i;

	for (i = 0; i < mem->nr_banks; i++) {
		const struct kvm_mem_bank *b = &mem->bank[i];

		if (gpa >= b->gpa && gpa - b->gpa < b->size &&
		    len <= b->size - (gpa - b->gpa))
			return (u8 *)b->host + (gpa - b->gpa);
	}
	return NULL;
}

/* Translate a host pointer inside guest RAM back to its guest address. */
static inline bool guest_mem_gpa(const struct guest_mem *mem, const void *p,
				 u64 *gpa)
{
	u32 i;

	for (i = 0; i < mem->nr_banks; i++) {
		const struct kvm_mem_bank *b = &mem->bank[i];
		const u8 *h = b->host;

		if ((const u8 *)p >= h && (u64)((const u8 *)p - h) < b->size) {
			*gpa = b->gpa + (u64)((const u8 *)p - h);
			return true;
		}
	}
	return false;
}

#endif
