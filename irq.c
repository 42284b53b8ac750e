// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvm/irq.h"
#include "kvm/kvm.h"
#include "kvm/util.h"

int irq_routing_init(struct kvm *kvm)
{
	struct irq_routing *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	pthread_mutex_init(&r->lock, NULL);
	kvm->irq = r;
	r->next_gsi = kvm__arch_msi_gsi_base(kvm);
	return kvm__arch_irq_routing_init(kvm);
}

void irq_routing_exit(struct kvm *kvm)
{
	if (!kvm->irq)
		return;
	free(kvm->irq->ent);
	free(kvm->irq);
	kvm->irq = NULL;
}

static struct kvm_irq_routing_entry *new_entry(struct irq_routing *r)
{
	if (r->nr == r->alloc) {
		u32 na = r->alloc ? r->alloc * 2 : 64;
		void *n = realloc(r->ent, na * sizeof(*r->ent));

		if (!n)
			return NULL;
		r->ent = n;
		r->alloc = na;
	}
	memset(&r->ent[r->nr], 0, sizeof(r->ent[0]));
	return &r->ent[r->nr++];
}

int irq_add_irqchip_route(struct kvm *kvm, u32 gsi, u32 irqchip, u32 pin)
{
	struct irq_routing *r = kvm->irq;
	struct kvm_irq_routing_entry *e;
	int ret = 0;

	pthread_mutex_lock(&r->lock);
	e = new_entry(r);
	if (e) {
		e->gsi = gsi;
		e->type = KVM_IRQ_ROUTING_IRQCHIP;
		e->u.irqchip.irqchip = irqchip;
		e->u.irqchip.pin = pin;
		/* KVM's default table already has these until we replace it. */
		if (r->committed)
			r->dirty = true;
	} else {
		ret = -ENOMEM;
	}
	pthread_mutex_unlock(&r->lock);
	return ret;
}

int irq_alloc_msi_gsi(struct kvm *kvm)
{
	struct irq_routing *r = kvm->irq;
	int gsi;

	pthread_mutex_lock(&r->lock);
	gsi = r->next_gsi++;
	pthread_mutex_unlock(&r->lock);
	return gsi;
}

bool __attribute__((weak))
kvm__arch_msi_to_irqchip(struct kvm *kvm, u64 addr, u32 data, u32 *irqchip,
			 u32 *pin)
{
	return false;
}

/* The route of an MSI GSI that the architecture turned into a wired one. */
static int set_wired_msi_route(struct irq_routing *r,
			       struct kvm_irq_routing_entry *e, u32 gsi,
			       u32 irqchip, u32 pin)
{
	if (!e) {
		e = new_entry(r);
		if (!e)
			return -ENOMEM;
	} else if (e->type == KVM_IRQ_ROUTING_IRQCHIP &&
		   e->u.irqchip.irqchip == irqchip && e->u.irqchip.pin == pin) {
		return 0;
	}
	memset(e, 0, sizeof(*e));
	e->gsi = gsi;
	e->type = KVM_IRQ_ROUTING_IRQCHIP;
	e->u.irqchip.irqchip = irqchip;
	e->u.irqchip.pin = pin;
	r->dirty = true;
	return 0;
}

int irq_set_msi_route(struct kvm *kvm, u32 gsi, u64 addr, u32 data,
		      u32 devid, bool use_devid)
{
	struct irq_routing *r = kvm->irq;
	struct kvm_irq_routing_entry *e = NULL;
	u32 i, chip, pin;
	bool wired = kvm__arch_msi_to_irqchip(kvm, addr, data, &chip, &pin);
	int ret = 0;

	pthread_mutex_lock(&r->lock);
	for (i = 0; i < r->nr; i++) {
		if (r->ent[i].gsi == gsi &&
		    (r->ent[i].type == KVM_IRQ_ROUTING_MSI ||
		     gsi >= kvm__arch_msi_gsi_base(kvm))) {
			e = &r->ent[i];
			break;
		}
	}
	if (wired) {
		ret = set_wired_msi_route(r, e, gsi, chip, pin);
		goto out;
	}
	if (e && e->type != KVM_IRQ_ROUTING_MSI) {
		memset(e, 0, sizeof(*e));
		e->gsi = gsi;
		e->type = KVM_IRQ_ROUTING_MSI;
	} else if (!e) {
		e = new_entry(r);
		if (!e) {
			ret = -ENOMEM;
			goto out;
		}
		e->gsi = gsi;
		e->type = KVM_IRQ_ROUTING_MSI;
	} else if (e->u.msi.address_lo == (u32)addr &&
		   e->u.msi.address_hi == (u32)(addr >> 32) &&
		   e->u.msi.data == data &&
		   (!use_devid || e->u.msi.devid == devid)) {
		goto out;	/* unchanged */
	}
	e->u.msi.address_lo = addr;
	e->u.msi.address_hi = addr >> 32;
	e->u.msi.data = data;
	e->flags = use_devid ? KVM_MSI_VALID_DEVID : 0;
	e->u.msi.devid = use_devid ? devid : 0;
	r->dirty = true;
out:
	pthread_mutex_unlock(&r->lock);
	return ret;
}

int irq_commit(struct kvm *kvm)
{
	struct irq_routing *r = kvm->irq;
	struct kvm_irq_routing *tbl;
	int ret = 0;

	pthread_mutex_lock(&r->lock);
	if (!r->dirty)
		goto out;
	tbl = malloc(sizeof(*tbl) + r->nr * sizeof(r->ent[0]));
	if (!tbl) {
		ret = -ENOMEM;
		goto out;
	}
	tbl->nr = r->nr;
	tbl->flags = 0;
	memcpy(tbl->entries, r->ent, r->nr * sizeof(r->ent[0]));
	if (kvm->vm_fd >= 0 && ioctl(kvm->vm_fd, KVM_SET_GSI_ROUTING, tbl) < 0) {
		ret = -errno;
		pr_warn("KVM_SET_GSI_ROUTING (%u routes): %s", r->nr,
			strerror(errno));
	} else {
		r->dirty = false;
		r->committed = true;
	}
	free(tbl);
out:
	pthread_mutex_unlock(&r->lock);
	return ret;
}
