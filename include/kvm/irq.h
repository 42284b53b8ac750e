/* SPDX-License-Identifier: GPL-2.0 */
/*
 * GSI routing: KVM takes the whole routing table at once, so the VM keeps
 * it here: the architecture's irqchip routes plus one MSI route per
 * MSI-X vector in use.  Changes are batched and committed lazily (when a
 * vector is about to fire or gets unmasked), since every commit costs an
 * SRCU grace period in the host kernel.
 */
#ifndef KVM__IRQ_H
#define KVM__IRQ_H

#include <pthread.h>
#include <linux/kvm.h>
#include "kvm/compiler.h"

struct kvm;

struct irq_routing {
	pthread_mutex_t			lock;
	struct kvm_irq_routing_entry	*ent;
	u32				nr;
	u32				alloc;
	u32				next_gsi;
	bool				dirty;
	bool				committed;
};

int irq_routing_init(struct kvm *kvm);
void irq_routing_exit(struct kvm *kvm);
/* Add an irqchip route (architecture defaults, INTx pins). */
int irq_add_irqchip_route(struct kvm *kvm, u32 gsi, u32 irqchip, u32 pin);
/* Allocate a GSI for an MSI route (initially pointing nowhere). */
int irq_alloc_msi_gsi(struct kvm *kvm);
int irq_set_msi_route(struct kvm *kvm, u32 gsi, u64 addr, u32 data,
		      u32 devid, bool use_devid);
/* Push pending changes to KVM; 0 or -errno. */
int irq_commit(struct kvm *kvm);

/* Architecture hooks. */
int kvm__arch_irq_routing_init(struct kvm *kvm);	/* default routes */
u32 kvm__arch_msi_gsi_base(struct kvm *kvm);
/*
 * An MSI that the architecture delivers as a wired interrupt (arm64's
 * GICv2m turns doorbell writes into SPIs): true with the irqchip route.
 * Optional: the default says no.
 */
bool kvm__arch_msi_to_irqchip(struct kvm *kvm, u64 addr, u32 data,
			      u32 *irqchip, u32 *pin);

#endif
