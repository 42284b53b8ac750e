/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__MPTABLE_H
#define KVM__MPTABLE_H

struct kvm;
/* Write the Intel MP table (spec 1.4) for the VM's vCPUs at MPTABLE_ADDR. */
int mptable__setup(struct kvm *kvm);

#endif
