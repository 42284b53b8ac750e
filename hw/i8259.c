// SPDX-License-Identifier: GPL-2.0
/*
 * Two cascaded 8259A PICs (see include/kvm/i8259.h).
 *
 * Per chip: IRR (requests), ISR (in service), IMR (masks), the rotating
 * priority base, the initialisation sequence (ICW1-ICW4), OCW2 (EOIs,
 * rotation, priority), OCW3 (register select, poll, special mask), special
 * fully nested mode, automatic EOI and the ELCR (edge/level per line).
 * Edge-triggered lines set IRR on a rising edge; level-triggered lines
 * follow the input.  The slave's output feeds the master's IRQ 2: whenever
 * the slave has a request it would deliver, the master sees a new edge on
 * IRQ 2 (as KVM's in-kernel PIC does), so that a second slave request
 * arriving while the first is being acknowledged is not lost.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "kvm/kvm.h"
#include "kvm/bus.h"
#include "kvm/devices.h"
#include "kvm/i8259.h"
#include "kvm/snapshot.h"
#include "kvm/util.h"

#define ICW1		0x10
#define ICW1_IC4	0x01	/* ICW4 follows */
#define ICW1_SNGL	0x02	/* single: no ICW3 */
#define ICW1_LTIM	0x08	/* level-triggered mode (all lines) */
#define OCW3		0x08
#define OCW3_RR		0x02	/* read register command */
#define OCW3_RIS	0x01	/* ... ISR (else IRR) */
#define OCW3_P		0x04	/* poll */
#define OCW3_ESMM	0x40	/* special mask mode: SMM bit is valid */
#define OCW3_SMM	0x20
#define ICW4_AEOI	0x02
#define ICW4_SFNM	0x10

/* Lines that cannot be level-triggered: timer, keyboard, cascade; RTC, FPU. */
static const u8 elcr_mask[2] = { 0xf8, 0xde };

/* One chip's guest-visible state; both go into one snapshot section. */
struct pic_chip {
	u8	last_irr;	/* input levels seen (edge detection) */
	u8	irr;
	u8	imr;
	u8	isr;
	u8	priority_add;	/* the IRQ with the highest priority */
	u8	irq_base;
	u8	read_reg_select;
	u8	poll;
	u8	special_mask;
	u8	init_state;	/* 0: ready; 1, 2, 3: expecting ICW2, 3, 4 */
	u8	auto_eoi;
	u8	rotate_on_auto_eoi;
	u8	special_fully_nested;
	u8	init4;
	u8	single_mode;
	u8	elcr;
};

struct i8259_state {
	struct pic_chip	chip[2];
	u8		output;
	u8		pad[7];
};

struct i8259 {
	struct vm_device	dev;
	struct kvm		*kvm;
	pthread_mutex_t		lock;
	struct bus_range	ranges[3];
	i8259_output_fn		output_fn;
	void			*opaque;
	atomic_bool		output;		/* mirrors st.output */
	struct i8259_state	st;
};

/* ------------------------------------------------------------ logic */

/* Priority (0 = highest) of the best request in @mask; 8 if none. */
static int get_priority(const struct pic_chip *c, u8 mask)
{
	int p = 0;

	if (!mask)
		return 8;
	while (!(mask & (1 << ((p + c->priority_add) & 7))))
		p++;
	return p;
}

/* The IRQ the chip would deliver now, or -1. */
static int get_irq(const struct pic_chip *c, bool master)
{
	int prio = get_priority(c, c->irr & ~c->imr);
	u8 in_service = c->isr;

	if (prio == 8)
		return -1;
	if (c->special_mask)
		in_service &= ~c->imr;
	/* Special fully nested: a slave request may nest in its own. */
	if (c->special_fully_nested && master)
		in_service &= ~(1 << 2);
	if (prio < get_priority(c, in_service))
		return (prio + c->priority_add) & 7;
	return -1;
}

static void chip_set_irq(struct pic_chip *c, int irq, int level)
{
	u8 mask = 1 << irq;

	if (c->elcr & mask) {
		if (level) {
			c->irr |= mask;
			c->last_irr |= mask;
		} else {
			c->irr &= ~mask;
			c->last_irr &= ~mask;
		}
	} else if (level) {
		if (!(c->last_irr & mask))
			c->irr |= mask;
		c->last_irr |= mask;
	} else {
		c->last_irr &= ~mask;
	}
}

/* Recompute the cascade and INT (lock held). */
static void update(struct i8259 *p)
{
	struct pic_chip *m = &p->st.chip[0], *s = &p->st.chip[1];
	bool out;

	if (get_irq(s, false) >= 0) {
		chip_set_irq(m, 2, 1);
		chip_set_irq(m, 2, 0);
	}
	out = get_irq(m, true) >= 0;
	if (out == p->st.output)
		return;
	p->st.output = out;
	atomic_store(&p->output, out);
	if (p->output_fn)
		p->output_fn(p->opaque, out);
}

/* The CPU (or a poll) acknowledges @irq. */
static void intack(struct pic_chip *c, int irq)
{
	if (c->auto_eoi) {
		if (c->rotate_on_auto_eoi)
			c->priority_add = (irq + 1) & 7;
	} else {
		c->isr |= 1 << irq;
	}
	/* A level-triggered request stays until its line drops. */
	if (!(c->elcr & (1 << irq)))
		c->irr &= ~(1 << irq);
}

/* ICW1: everything but the ELCR and level-triggered requests resets. */
static void chip_init_reset(struct pic_chip *c)
{
	u8 elcr = c->elcr, irr = c->irr & c->elcr;

	memset(c, 0, sizeof(*c));
	c->elcr = elcr;
	c->irr = irr;
}

static u8 poll_read(struct i8259 *p, int idx)
{
	struct pic_chip *c = &p->st.chip[idx];
	int irq = get_irq(c, idx == 0);

	c->poll = 0;
	if (irq < 0)
		return 0;
	intack(c, irq);
	update(p);
	return 0x80 | irq;
}

static void chip_write(struct i8259 *p, int idx, int port, u8 val)
{
	struct pic_chip *c = &p->st.chip[idx];
	int prio, irq;

	if (port == 0) {
		if (val & ICW1) {
			chip_init_reset(c);
			c->init_state = 1;
			c->init4 = val & ICW1_IC4;
			c->single_mode = !!(val & ICW1_SNGL);
			if (val & ICW1_LTIM)
				pr_debug("i8259: level-triggered mode (LTIM) is not emulated");
		} else if (val & OCW3) {
			if (val & OCW3_P)
				c->poll = 1;
			if (val & OCW3_RR)
				c->read_reg_select = val & OCW3_RIS;
			if (val & OCW3_ESMM)
				c->special_mask = !!(val & OCW3_SMM);
		} else {
			switch (val >> 5) {
			case 0:		/* rotate in automatic EOI mode: clear */
			case 4:		/* ... set */
				c->rotate_on_auto_eoi = val >> 7;
				break;
			case 1:		/* non-specific EOI */
			case 5:		/* rotate on non-specific EOI */
				prio = get_priority(c, c->isr);
				if (prio == 8)
					break;
				irq = (prio + c->priority_add) & 7;
				c->isr &= ~(1 << irq);
				if (val >> 5 == 5)
					c->priority_add = (irq + 1) & 7;
				break;
			case 3:		/* specific EOI */
				c->isr &= ~(1 << (val & 7));
				break;
			case 6:		/* set priority */
				c->priority_add = (val + 1) & 7;
				break;
			case 7:		/* rotate on specific EOI */
				irq = val & 7;
				c->isr &= ~(1 << irq);
				c->priority_add = (irq + 1) & 7;
				break;
			case 2:		/* no operation */
				break;
			}
		}
	} else {
		switch (c->init_state) {
		case 0:		/* OCW1 */
			c->imr = val;
			break;
		case 1:		/* ICW2 */
			c->irq_base = val & 0xf8;
			c->init_state = c->single_mode ? (c->init4 ? 3 : 0) : 2;
			break;
		case 2:		/* ICW3: cascade wiring, fixed here */
			c->init_state = c->init4 ? 3 : 0;
			break;
		case 3:		/* ICW4 */
			c->special_fully_nested = !!(val & ICW4_SFNM);
			c->auto_eoi = !!(val & ICW4_AEOI);
			c->init_state = 0;
			break;
		}
	}
	update(p);
}

static u8 chip_read(struct i8259 *p, int idx, int port)
{
	struct pic_chip *c = &p->st.chip[idx];

	if (c->poll)
		return poll_read(p, idx);
	if (port == 0)
		return c->read_reg_select ? c->isr : c->irr;
	return c->imr;
}

/* ------------------------------------------------------------ buses */

static void pic_io(struct kvm_cpu *vcpu, u64 offset, u8 *data, u32 len,
		   bool is_write, void *opaque, int idx)
{
	struct i8259 *p = opaque;
	u32 i;

	pthread_mutex_lock(&p->lock);
	for (i = 0; i < len; i++) {
		int port = (offset + i) & 1;

		if (is_write)
			chip_write(p, idx, port, data[i]);
		else
			data[i] = chip_read(p, idx, port);
	}
	pthread_mutex_unlock(&p->lock);
}

static void master_io(struct kvm_cpu *vcpu, u64 offset, u8 *data, u32 len,
		      bool is_write, void *opaque)
{
	pic_io(vcpu, offset, data, len, is_write, opaque, 0);
}

static void slave_io(struct kvm_cpu *vcpu, u64 offset, u8 *data, u32 len,
		     bool is_write, void *opaque)
{
	pic_io(vcpu, offset, data, len, is_write, opaque, 1);
}

static void elcr_io(struct kvm_cpu *vcpu, u64 offset, u8 *data, u32 len,
		    bool is_write, void *opaque)
{
	struct i8259 *p = opaque;
	u32 i;

	pthread_mutex_lock(&p->lock);
	for (i = 0; i < len && offset + i < 2; i++) {
		struct pic_chip *c = &p->st.chip[offset + i];

		if (is_write)
			c->elcr = data[i] & elcr_mask[offset + i];
		else
			data[i] = c->elcr;
	}
	pthread_mutex_unlock(&p->lock);
}

/* ------------------------------------------------------------ API */

void i8259__set_irq(struct i8259 *p, u32 irq, int level)
{
	if (!p || irq >= I8259_NR_IRQS)
		return;
	pthread_mutex_lock(&p->lock);
	chip_set_irq(&p->st.chip[irq >> 3], irq & 7, level);
	update(p);
	pthread_mutex_unlock(&p->lock);
}

bool i8259__output(struct i8259 *p)
{
	return p && atomic_load_explicit(&p->output, memory_order_acquire);
}

int i8259__read_irq(struct i8259 *p)
{
	struct pic_chip *m = &p->st.chip[0], *s = &p->st.chip[1];
	int irq, irq2, vec = -1;

	pthread_mutex_lock(&p->lock);
	irq = get_irq(m, true);
	if (irq >= 0) {
		intack(m, irq);
		if (irq == 2) {
			irq2 = get_irq(s, false);
			if (irq2 >= 0)
				intack(s, irq2);
			else
				irq2 = 7;	/* spurious IRQ 15 */
			vec = s->irq_base + irq2;
		} else {
			vec = m->irq_base + irq;
		}
		update(p);
	}
	pthread_mutex_unlock(&p->lock);
	return vec;
}

/* ------------------------------------------------------------ device */

static void reset_locked(struct i8259 *p)
{
	int i;

	/* Power-on state: devices drive their lines again as they reset. */
	for (i = 0; i < 2; i++)
		memset(&p->st.chip[i], 0, sizeof(p->st.chip[i]));
	update(p);
}

static void i8259_reset(struct vm_device *dev)
{
	struct i8259 *p = container_of(dev, struct i8259, dev);

	pthread_mutex_lock(&p->lock);
	reset_locked(p);
	pthread_mutex_unlock(&p->lock);
}

static int i8259_save(struct vm_device *dev, struct snapshot *snap)
{
	struct i8259 *p = container_of(dev, struct i8259, dev);
	struct i8259_state st;

	pthread_mutex_lock(&p->lock);
	st = p->st;
	pthread_mutex_unlock(&p->lock);
	return snap_put(snap, dev->name, I8259_STATE_VERSION, &st, sizeof(st));
}

static int i8259_restore(struct vm_device *dev, struct snapshot *snap)
{
	struct i8259 *p = container_of(dev, struct i8259, dev);
	struct i8259_state st;
	int i, ret;

	ret = snap_get(snap, dev->name, I8259_STATE_VERSION, &st, sizeof(st));
	if (ret)
		return ret;
	for (i = 0; i < 2; i++) {
		struct pic_chip *c = &st.chip[i];

		c->priority_add &= 7;
		c->irq_base &= 0xf8;
		c->init_state = c->init_state > 3 ? 0 : c->init_state;
		c->elcr &= elcr_mask[i];
		c->read_reg_select = !!c->read_reg_select;
		c->poll = !!c->poll;
		c->special_mask = !!c->special_mask;
	}
	pthread_mutex_lock(&p->lock);
	/* INT follows from the registers; tell the CPU side if it changed. */
	st.output = p->st.output;
	p->st = st;
	update(p);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

/* The memory goes with i8259__free(), after every device has stopped. */
static void i8259_exit(struct vm_device *dev)
{
	struct i8259 *p = container_of(dev, struct i8259, dev);
	int i;

	for (i = 0; i < 3; i++)
		bus_del(&p->kvm->pio_bus, &p->ranges[i]);
}

static const struct vm_device_ops i8259_ops = {
	.type		= "i8259",
	.reset		= i8259_reset,
	.save		= i8259_save,
	.restore	= i8259_restore,
	.exit		= i8259_exit,
};

struct vm_device *i8259__device(struct i8259 *p)
{
	return &p->dev;
}

struct i8259 *i8259__new(struct kvm *kvm, i8259_output_fn output, void *opaque)
{
	struct i8259 *p = calloc(1, sizeof(*p));
	static const struct { u16 base; bus_io_fn fn; const char *name; } r[] = {
		{ I8259_MASTER_BASE, master_io, "i8259 master" },
		{ I8259_SLAVE_BASE, slave_io, "i8259 slave" },
		{ I8259_ELCR_BASE, elcr_io, "i8259 ELCR" },
	};
	int i, ret;

	if (!p)
		return NULL;
	p->kvm = kvm;
	p->output_fn = output;
	p->opaque = opaque;
	p->dev.ops = &i8259_ops;
	p->dev.kvm = kvm;
	snprintf(p->dev.name, sizeof(p->dev.name), "i8259");
	pthread_mutex_init(&p->lock, NULL);
	for (i = 0; i < 3; i++) {
		p->ranges[i] = (struct bus_range) {
			.base	= r[i].base,
			.len	= 2,
			.fn	= r[i].fn,
			.opaque	= p,
			.name	= r[i].name,
		};
		ret = bus_add(&kvm->pio_bus, &p->ranges[i]);
		if (ret) {
			pr_err("i8259: cannot register ports 0x%x-0x%x: %s",
			       r[i].base, r[i].base + 1, strerror(-ret));
			i8259__free(p);
			return NULL;
		}
	}
	return p;
}

void i8259__free(struct i8259 *p)
{
	if (!p)
		return;
	i8259_exit(&p->dev);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
