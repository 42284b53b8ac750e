// SPDX-License-Identifier: GPL-2.0
/*
 * arm64 snapshot state: not yet.  Saving an arm64 VM needs every vCPU
 * register KVM lists (KVM_GET_REG_LIST), the vGIC's distributor,
 * redistributor and CPU interface state, and the ITS tables flushed to
 * guest memory; until then save and restore refuse with one clear line.
 */
#include "kvm/kvm.h"
#include "kvm/kvm-cpu.h"
#include "kvm/util.h"
#include "kvm/vm-state.h"

int kvm__arch_save(struct kvm *kvm, struct snapshot *s)
{
	pr_err("lkvm save: snapshots of arm64 VMs are not supported yet");
	return -EOPNOTSUPP;
}

int kvm__arch_restore(struct kvm *kvm, struct snapshot *s)
{
	pr_err("--restore: snapshots of arm64 VMs are not supported yet");
	return -EOPNOTSUPP;
}

int kvm__arch_restore_late(struct kvm *kvm, struct snapshot *s)
{
	return -EOPNOTSUPP;
}

int kvm_cpu__arch_save(struct kvm_cpu *vcpu, struct snapshot *s)
{
	return -EOPNOTSUPP;
}

int kvm_cpu__arch_restore(struct kvm_cpu *vcpu, struct snapshot *s)
{
	return -EOPNOTSUPP;
}
