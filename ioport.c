// SPDX-License-Identifier: GPL-2.0
/* Port I/O exits: string and repeated accesses go to the I/O port bus. */
#include "kvm/kvm.h"
#include "kvm/kvm-cpu.h"
#include "kvm/ioport.h"
#include "kvm/util.h"

void kvm__emulate_io(struct kvm_cpu *vcpu, u16 port, u8 *data, bool is_write,
		     u32 size, u32 count)
{
	struct kvm *kvm = vcpu->kvm;
	u32 i;

	for (i = 0; i < count; i++, data += size) {
		bool ok = bus_dispatch(&kvm->pio_bus, vcpu, port, data, size,
				       is_write);

		if (unlikely(kvm->cfg.debug_ioport))
			pr_info("I/O %s port 0x%04x size %u%s", is_write ?
				"write" : "read", port, size,
				ok ? "" : " (unhandled)");
	}
}
