/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__MMIO_H
#define KVM__MMIO_H

#include "kvm/compiler.h"

struct kvm_cpu;
void kvm__emulate_mmio(struct kvm_cpu *vcpu, u64 addr, u8 *data, u32 len,
		       bool is_write);

#endif
