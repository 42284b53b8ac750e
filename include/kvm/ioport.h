/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__IOPORT_H
#define KVM__IOPORT_H

#include "kvm/compiler.h"

struct kvm_cpu;
void kvm__emulate_io(struct kvm_cpu *vcpu, u16 port, u8 *data, bool is_write,
		     u32 size, u32 count);

#endif
