/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where the stolen-time records of arm64 guests live (Arm DEN0057A, the
 * kernel's Documentation/virt/kvm/arm/pvtime.rst): one 64-byte record
 * (struct pvclock_vcpu_stolen_time) per vCPU, in a 64 KiB aligned region
 * carved from the top of guest RAM, so that it travels with guest memory in
 * a snapshot, and reserved (no-map) in the device tree.  Decided here only;
 * plain C without KVM, unit-tested on any host.
 */
#ifndef KVM__ARM_PVTIME_H
#define KVM__ARM_PVTIME_H

#include "kvm/compiler.h"

#define ARM_PVTIME_RECORD_SIZE	64
#define ARM_PVTIME_ALIGN	SZ_64K
/* Offset of the little-endian stolen time (ns) in a record. */
#define ARM_PVTIME_STOLEN_OFF	8

struct arm_pvtime {
	u64	base;	/* guest physical */
	u64	size;	/* 0: none */
};

/*
 * The region for @nr_cpus vCPUs in the RAM at [@ram_base, @ram_base +
 * @ram_size): at most a quarter of RAM.  0, or -ENOSPC (RAM too small) or
 * -EINVAL (no vCPUs).
 */
int arm_pvtime_layout(u64 ram_base, u64 ram_size, u32 nr_cpus,
		      struct arm_pvtime *pv);

/* vCPU @cpu's record. */
static inline u64 arm_pvtime_record(const struct arm_pvtime *pv, u32 cpu)
{
	return pv->base + (u64)cpu * ARM_PVTIME_RECORD_SIZE;
}

#endif
