/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__KVM_CPU_ARCH_H
#define KVM__KVM_CPU_ARCH_H

#include <linux/kvm.h>
#include "kvm/compiler.h"

struct kvm_cpu_arch {
	struct kvm_vcpu_init	init;	/* target and features it was made with */
	u64			mpidr;	/* MPIDR_EL1 as KVM set it */
};

#endif
