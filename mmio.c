// SPDX-License-Identifier: GPL-2.0
/* MMIO exits go to the MMIO bus; unclaimed reads return all-ones. */
#include "kvm/kvm.h"
#include "kvm/kvm-cpu.h"
#include "kvm/mmio.h"
#include "kvm/util.h"

void kvm__emulate_mmio(struct kvm_cpu *vcpu, u64 addr, u8 *data, u32 len,
		       bool is_write)
{
	struct kvm *kvm = vcpu->kvm;
	bool ok = bus_dispatch(&kvm->mmio_bus, vcpu, addr, data, len, is_write);

	if (unlikely(kvm->cfg.debug_mmio))
		pr_info("MMIO %s 0x%llx size %u%s", is_write ? "write" : "read",
			(unsigned long long)addr, len, ok ? "" : " (unhandled)");
	else if (!ok)
		pr_debug("unhandled MMIO %s at 0x%llx size %u",
			 is_write ? "write" : "read", (unsigned long long)addr,
			 len);
}
