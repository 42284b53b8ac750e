/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The arm64 guest's device tree, built with libfdt from a plain
 * description of the machine (no struct kvm, no KVM headers), so that the
 * builder is unit-tested on any host and its output checked with dtc.
 */
#ifndef KVM__ARM_FDT_H
#define KVM__ARM_FDT_H

#include "kvm/compiler.h"
#include "kvm/fdt.h"
#include "kvm/kvm-arch.h"

struct arm_fdt_desc {
	u64			ram_base;
	u64			ram_size;

	u32			nr_cpus;
	const u64		*mpidr;		/* nr_cpus values */
	u32			psci_version;	/* major << 16 | minor */
	bool			pmu;

	enum arm_irqchip	irqchip;	/* not AUTO */
	u32			nr_redist;	/* GICv3: redistributor frames */

	struct dt_pci_host	pci;
	bool			rtc;
	struct dt_chosen	chosen;

	u64			pvtime_base;	/* reserved, no-map */
	u64			pvtime_size;	/* 0: none */
};

/* Build the tree into @buf (packed).  0, or -ENOSPC/-EINVAL (logged). */
int arm_fdt_build(const struct arm_fdt_desc *d, void *buf, u32 size);

#endif
