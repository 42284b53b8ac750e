/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__KVM_CPU_ARCH_H
#define KVM__KVM_CPU_ARCH_H

#include <linux/kvm.h>
#include "kvm/compiler.h"
#include "kvm/kvm-arch.h"

/* What KVM gives the vCPU, read back after --disable-<ext> (ONE_REG). */
struct kvm_cpu_arch {
	u64	isa;				/* config "isa": bit n = 'a' + n */
	u64	ext[RISCV_ISA_EXT_WORDS];	/* KVM_RISCV_ISA_EXT_* present */
	u64	timebase;			/* timer frequency, Hz */
	u64	cbom_block;			/* Zicbom block size, 0: none */
	u64	cboz_block;			/* Zicboz block size, 0: none */
	u64	satp_mode;			/* config satp_mode, 0: unknown */
};

#endif
