// SPDX-License-Identifier: GPL-2.0
/*
 * I/O APIC for KVM's split irqchip (see include/kvm/ioapic.h).
 *
 * Edge-triggered pins deliver on a rising edge of their line while
 * unmasked (an edge on a masked pin is lost, as on the 82093AA).
 * Level-triggered pins deliver while the line is high, unmasked and the
 * remote IRR is clear; delivery sets the remote IRR, the EOI of the vector
 * clears it.  Polarity is stored but not applied: lines are driven as
 * "asserted" levels and the MP table declares every pin active high.
 * Switching a pin to edge clears its remote IRR (Linux relies on that to
 * recover a stuck level interrupt).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "kvm/kvm.h"
#include "kvm/bus.h"
#include "kvm/devices.h"
#include "kvm/ioapic.h"
#include "kvm/snapshot.h"
#include "kvm/util.h"

#define MSI_ADDR_BASE		0xfee00000ULL
#define MSI_ADDR_DEST_MODE	(1U << 2)
#define MSI_DATA_LEVEL_ASSERT	(1U << 14)
#define MSI_DATA_TRIGGER_LEVEL	(1U << 15)

#define RTE_RO_BITS		(IOAPIC_RTE_DELIVS | IOAPIC_RTE_REMOTE_IRR)
#define ALL_PINS		((1U << IOAPIC_NR_PINS) - 1)

struct ioapic_state {
	u64	rte[IOAPIC_NR_PINS];
	u32	regsel;
	u32	id;		/* bits 24-31 of register 0 */
	u32	line;		/* input levels, one bit per pin */
	u32	pad;
};

struct ioapic {
	struct vm_device	dev;
	struct kvm		*kvm;
	pthread_mutex_t		lock;
	struct bus_range	range;
	const struct ioapic_ops	*ops;
	void			*opaque;
	/* GSI routes this model has set (GSI = pin), and what they say. */
	u32			routed;
	bool			routes_stale;
	u64			route_addr[IOAPIC_NR_PINS];
	u32			route_data[IOAPIC_NR_PINS];
	struct ioapic_state	st;
};

void ioapic__rte_to_msi(u64 rte, u64 *addr, u32 *data)
{
	u32 dest = (rte >> 56) & 0xff;
	u32 ext_dest = (rte >> 49) & 0x7f;	/* KVM's extended dest ID */

	*addr = MSI_ADDR_BASE | (dest << 12) | (ext_dest << 5) |
		((rte & IOAPIC_RTE_DESTMODE) ? MSI_ADDR_DEST_MODE : 0);
	*data = (rte & IOAPIC_RTE_VECTOR) | (rte & IOAPIC_RTE_DELMODE);
	if (rte & IOAPIC_RTE_LEVEL)
		*data |= MSI_DATA_TRIGGER_LEVEL | MSI_DATA_LEVEL_ASSERT;
}

/* ------------------------------------------------------------ routes */

/* Does @pin's route (if any) say what its entry says; does it need one? */
static bool route_current(struct ioapic *io, int pin)
{
	u64 addr;
	u32 data;

	if (!(io->routed & (1U << pin)))
		return !(io->st.rte[pin] & IOAPIC_RTE_LEVEL);
	ioapic__rte_to_msi(io->st.rte[pin], &addr, &data);
	return addr == io->route_addr[pin] && data == io->route_data[pin];
}

/*
 * Bring every route in step with its entry and commit (lock held): level
 * pins get a route so that KVM exits on their EOIs; a pin that was level
 * keeps its route, rewritten as edge, so that KVM stops exiting.
 */
static void sync_routes(struct ioapic *io)
{
	bool changed = false;
	int pin, ret;

	if (!io->routes_stale || !io->ops || !io->ops->set_route)
		return;
	for (pin = 0; pin < IOAPIC_NR_PINS; pin++) {
		u64 addr;
		u32 data;

		if (route_current(io, pin))
			continue;
		ioapic__rte_to_msi(io->st.rte[pin], &addr, &data);
		ret = io->ops->set_route(io->opaque, pin, addr, data);
		if (ret) {
			pr_warn_once("ioapic: pin %d: GSI route: %s", pin,
				     strerror(-ret));
			return;
		}
		io->routed |= 1U << pin;
		io->route_addr[pin] = addr;
		io->route_data[pin] = data;
		changed = true;
	}
	io->routes_stale = false;
	if (changed && io->ops->commit && (ret = io->ops->commit(io->opaque)))
		pr_warn_once("ioapic: committing GSI routes: %s", strerror(-ret));
}

static void check_route(struct ioapic *io, int pin)
{
	if (!route_current(io, pin))
		io->routes_stale = true;
}

/* ------------------------------------------------------------ delivery */

/* Deliver @pin if its state says so (lock held). */
static void service(struct ioapic *io, int pin)
{
	u64 rte = io->st.rte[pin];
	u64 addr;
	u32 data;

	if (rte & IOAPIC_RTE_MASKED)
		return;
	if (rte & IOAPIC_RTE_LEVEL) {
		if ((rte & IOAPIC_RTE_REMOTE_IRR) ||
		    !(io->st.line & (1U << pin)))
			return;
		/* KVM must know the vector before the guest can EOI it. */
		sync_routes(io);
		io->st.rte[pin] |= IOAPIC_RTE_REMOTE_IRR;
	}
	if (((rte & IOAPIC_RTE_DELMODE) >> IOAPIC_RTE_DELMODE_SHIFT) ==
	    IOAPIC_DM_EXTINT) {
		/* Virtual wire through the IOAPIC: KVM cannot deliver it. */
		pr_debug("ioapic: pin %d: ExtINT delivery is not supported", pin);
		return;
	}
	ioapic__rte_to_msi(rte, &addr, &data);
	if (io->ops && io->ops->deliver)
		io->ops->deliver(io->opaque, addr, data);
}

void ioapic__set_irq(struct ioapic *io, u32 pin, int level)
{
	u32 bit;
	bool was;

	if (!io || pin >= IOAPIC_NR_PINS)
		return;
	bit = 1U << pin;
	pthread_mutex_lock(&io->lock);
	was = io->st.line & bit;
	if (level)
		io->st.line |= bit;
	else
		io->st.line &= ~bit;
	if (level && (!was || (io->st.rte[pin] & IOAPIC_RTE_LEVEL)))
		service(io, pin);
	pthread_mutex_unlock(&io->lock);
}

void ioapic__eoi(struct ioapic *io, u8 vector)
{
	bool matched = false;
	int pin;

	if (!io)
		return;
	pthread_mutex_lock(&io->lock);
	for (pin = 0; pin < IOAPIC_NR_PINS; pin++) {
		u64 *rte = &io->st.rte[pin];

		if ((*rte & IOAPIC_RTE_VECTOR) != vector ||
		    !(*rte & IOAPIC_RTE_LEVEL) ||
		    !(*rte & IOAPIC_RTE_REMOTE_IRR))
			continue;
		matched = true;
		*rte &= ~IOAPIC_RTE_REMOTE_IRR;
		service(io, pin);	/* again if the line is still high */
	}
	/* An EOI nobody waits for: a route that went stale; tidy up. */
	if (!matched)
		sync_routes(io);
	pthread_mutex_unlock(&io->lock);
}

/* ------------------------------------------------------------ registers */

static u32 reg_read(struct ioapic *io)
{
	u32 idx = io->st.regsel;

	switch (idx) {
	case IOAPIC_ID:
	case IOAPIC_ARB:
		return io->st.id << 24;
	case IOAPIC_VER:
		return IOAPIC_VERSION | ((IOAPIC_NR_PINS - 1) << 16);
	}
	if (idx >= IOAPIC_REDTBL && idx < IOAPIC_REDTBL + 2 * IOAPIC_NR_PINS) {
		u64 rte = io->st.rte[(idx - IOAPIC_REDTBL) / 2];

		return idx & 1 ? rte >> 32 : (u32)rte;
	}
	return 0;
}

static void reg_write(struct ioapic *io, u32 val)
{
	u32 idx = io->st.regsel;
	u64 *rte, old;
	int pin;

	if (idx == IOAPIC_ID) {
		io->st.id = val >> 24;
		return;
	}
	if (idx < IOAPIC_REDTBL || idx >= IOAPIC_REDTBL + 2 * IOAPIC_NR_PINS)
		return;
	pin = (idx - IOAPIC_REDTBL) / 2;
	rte = &io->st.rte[pin];
	old = *rte;
	if (idx & 1)
		*rte = (*rte & 0xffffffffULL) | ((u64)val << 32);
	else
		*rte = (*rte & ~0xffffffffULL) | val;
	*rte = (*rte & ~RTE_RO_BITS) | (old & RTE_RO_BITS);
	if (!(*rte & IOAPIC_RTE_LEVEL))
		*rte &= ~IOAPIC_RTE_REMOTE_IRR;
	check_route(io, pin);
	/* Unmasked, or made level, with the line high: deliver now. */
	if (*rte & IOAPIC_RTE_LEVEL)
		service(io, pin);
}

static void ioapic_mmio(struct kvm_cpu *vcpu, u64 offset, u8 *data, u32 len,
			bool is_write, void *opaque)
{
	struct ioapic *io = opaque;
	u32 reg = offset & ~3ULL, shift = (offset & 3) * 8, v = 0, i;

	if (len > 4 || (offset & 3) + len > 4) {
		pr_warn_once("ioapic: bad access at 0x%llx len %u",
			     (unsigned long long)offset, len);
		if (!is_write)
			memset(data, 0xff, len);
		return;
	}
	pthread_mutex_lock(&io->lock);
	switch (reg) {
	case IOAPIC_REG_SELECT:
		v = io->st.regsel;
		break;
	case IOAPIC_REG_WINDOW:
		v = reg_read(io);
		break;
	}
	if (!is_write) {
		for (i = 0; i < len; i++)
			data[i] = v >> (shift + 8 * i);
		goto out;
	}
	for (i = 0; i < len; i++) {
		v &= ~(0xffU << (shift + 8 * i));
		v |= (u32)data[i] << (shift + 8 * i);
	}
	switch (reg) {
	case IOAPIC_REG_SELECT:
		io->st.regsel = v & 0xff;
		break;
	case IOAPIC_REG_WINDOW:
		reg_write(io, v);
		break;
	case IOAPIC_REG_EOI:
		pthread_mutex_unlock(&io->lock);
		ioapic__eoi(io, v & 0xff);
		return;
	}
out:
	pthread_mutex_unlock(&io->lock);
}

/* ------------------------------------------------------------ device */

static void reset_locked(struct ioapic *io)
{
	int pin;

	io->st.regsel = 0;
	for (pin = 0; pin < IOAPIC_NR_PINS; pin++) {
		io->st.rte[pin] = IOAPIC_RTE_MASKED;
		check_route(io, pin);
	}
}

static void ioapic_reset(struct vm_device *dev)
{
	struct ioapic *io = container_of(dev, struct ioapic, dev);

	pthread_mutex_lock(&io->lock);
	reset_locked(io);
	pthread_mutex_unlock(&io->lock);
}

static int ioapic_save(struct vm_device *dev, struct snapshot *snap)
{
	struct ioapic *io = container_of(dev, struct ioapic, dev);
	struct ioapic_state st;

	pthread_mutex_lock(&io->lock);
	st = io->st;
	pthread_mutex_unlock(&io->lock);
	return snap_put(snap, dev->name, IOAPIC_STATE_VERSION, &st, sizeof(st));
}

static int ioapic_restore(struct vm_device *dev, struct snapshot *snap)
{
	struct ioapic *io = container_of(dev, struct ioapic, dev);
	struct ioapic_state st;
	int pin, ret;

	ret = snap_get(snap, dev->name, IOAPIC_STATE_VERSION, &st, sizeof(st));
	if (ret)
		return ret;
	st.regsel &= 0xff;
	st.id &= 0xff;
	st.line &= ALL_PINS;
	st.pad = 0;
	pthread_mutex_lock(&io->lock);
	io->st = st;
	for (pin = 0; pin < IOAPIC_NR_PINS; pin++) {
		io->st.rte[pin] &= ~IOAPIC_RTE_DELIVS;
		if (!(io->st.rte[pin] & IOAPIC_RTE_LEVEL))
			io->st.rte[pin] &= ~IOAPIC_RTE_REMOTE_IRR;
		check_route(io, pin);
	}
	/* An interrupt in service must have its EOI come back: routes now. */
	sync_routes(io);
	for (pin = 0; pin < IOAPIC_NR_PINS; pin++)
		if (io->st.rte[pin] & IOAPIC_RTE_LEVEL)
			service(io, pin);
	pthread_mutex_unlock(&io->lock);
	return 0;
}

static void ioapic_exit(struct vm_device *dev)
{
	struct ioapic *io = container_of(dev, struct ioapic, dev);

	bus_del(&io->kvm->mmio_bus, &io->range);
}

static const struct vm_device_ops ioapic_ops = {
	.type		= "ioapic",
	.reset		= ioapic_reset,
	.save		= ioapic_save,
	.restore	= ioapic_restore,
	.exit		= ioapic_exit,
};

struct vm_device *ioapic__device(struct ioapic *io)
{
	return &io->dev;
}

struct ioapic *ioapic__new(struct kvm *kvm, u64 base, u8 id,
			   const struct ioapic_ops *ops, void *opaque)
{
	struct ioapic *io = calloc(1, sizeof(*io));
	int ret;

	if (!io)
		return NULL;
	io->kvm = kvm;
	io->ops = ops;
	io->opaque = opaque;
	io->dev.ops = &ioapic_ops;
	io->dev.kvm = kvm;
	snprintf(io->dev.name, sizeof(io->dev.name), "ioapic");
	pthread_mutex_init(&io->lock, NULL);
	io->st.id = id;
	reset_locked(io);
	io->range = (struct bus_range) {
		.base	= base,
		.len	= IOAPIC_MMIO_SIZE,
		.fn	= ioapic_mmio,
		.opaque	= io,
		.name	= "ioapic",
	};
	ret = bus_add(&kvm->mmio_bus, &io->range);
	if (ret) {
		pr_err("ioapic: cannot register MMIO at 0x%llx: %s",
		       (unsigned long long)base, strerror(-ret));
		pthread_mutex_destroy(&io->lock);
		free(io);
		return NULL;
	}
	return io;
}

void ioapic__free(struct ioapic *io)
{
	if (!io)
		return;
	ioapic_exit(&io->dev);
	pthread_mutex_destroy(&io->lock);
	free(io);
}
