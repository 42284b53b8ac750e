// SPDX-License-Identifier: GPL-2.0
/*
 * ARM PrimeCell PL031 real-time clock (ARM DDI 0224).
 *
 *   0x000 RTCDR    counter (seconds), read-only
 *   0x004 RTCMR    match
 *   0x008 RTCLR    load: writing it sets the counter; reads what was written
 *   0x00c RTCCR    bit 0 start; the counter always runs here, so it reads 1
 *   0x010 RTCIMSC  interrupt mask set/clear (bit 0 enables the interrupt)
 *   0x014 RTCRIS   raw interrupt status: set when the counter reaches MR
 *   0x018 RTCMIS   RIS & IMSC: the level of the interrupt line
 *   0x01c RTCICR   write 1 to clear the interrupt
 *   0xfe0-0xffc    PrimeCell peripheral and cell ID (0x00141031, 0xb105f00d)
 *
 * The counter is the host's UTC (CLOCK_REALTIME) plus an offset in seconds,
 * truncated to 32 bits.  A helper thread sleeps until the second at which
 * the counter reaches MR and then sets RIS; it is woken whenever MR or the
 * offset changes.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kvm/kvm.h"
#include "kvm/bus.h"
#include "kvm/devices.h"
#include "kvm/pl031.h"
#include "kvm/snapshot.h"
#include "kvm/util.h"

#define RTC_DR		0x000
#define RTC_MR		0x004
#define RTC_LR		0x008
#define RTC_CR		0x00c
#define RTC_IMSC	0x010
#define RTC_RIS		0x014
#define RTC_MIS		0x018
#define RTC_ICR		0x01c
#define RTC_ID		0xfe0

#define RTC_INT		0x1
#define PL031_STATE_VERSION	1

static const u8 pl031_id[8] = {
	0x31, 0x10, 0x14, 0x00,		/* part 0x031, ARM, revision 1 */
	0x0d, 0xf0, 0x05, 0xb1,		/* PrimeCell */
};

/* Guest-visible state: one snapshot section, no pointers. */
struct pl031_state {
	s64	offset;		/* counter - host seconds */
	u32	mr;
	u32	lr;
	u8	imsc;
	u8	ris;
	u8	irq_level;	/* what the interrupt controller was told */
	u8	reserved[5];
};

struct pl031 {
	struct vm_device	dev;
	struct kvm		*kvm;
	struct bus_range	range;
	u32			irq;
	pthread_mutex_t		lock;
	pthread_cond_t		cond;	/* on CLOCK_REALTIME */
	pthread_t		thread;
	bool			thread_started;
	bool			stop;
	u64			gen;	/* bumped when the match time moves */
	struct pl031_state	st;
};

static s64 host_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec;
}

static u32 counter(struct pl031 *r, s64 now)
{
	return (u32)(now + r->st.offset);
}

static void update_irq(struct pl031 *r)
{
	u8 level = !!(r->st.ris & r->st.imsc & RTC_INT);

	if (level == r->st.irq_level)
		return;
	r->st.irq_level = level;
	kvm__irq_line(r->kvm, r->irq, level);
}

/* MR or the counter moved: the alarm thread must look again. */
static void rearm(struct pl031 *r)
{
	r->gen++;
	pthread_cond_signal(&r->cond);
}

static void *pl031_thread(void *opaque)
{
	struct pl031 *r = opaque;

	pthread_mutex_lock(&r->lock);
	while (!r->stop) {
		s64 now = host_seconds(), target;
		u64 gen = r->gen;
		u32 delta = r->st.mr - counter(r, now);
		struct timespec ts;

		if (!delta) {
			/* The counter is at MR: a match (once per setting). */
			r->st.ris |= RTC_INT;
			update_irq(r);
			while (!r->stop && r->gen == gen)
				pthread_cond_wait(&r->cond, &r->lock);
			continue;
		}
		target = now + delta;
		ts.tv_sec = target;
		ts.tv_nsec = 0;
		while (!r->stop && r->gen == gen && host_seconds() < target)
			pthread_cond_timedwait(&r->cond, &r->lock, &ts);
		if (!r->stop && r->gen == gen) {
			r->st.ris |= RTC_INT;
			update_irq(r);
			/* Next match in 2^32 seconds: wait for a change. */
			while (!r->stop && r->gen == gen)
				pthread_cond_wait(&r->cond, &r->lock);
		}
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

static u32 read_reg(struct pl031 *r, u64 off)
{
	switch (off) {
	case RTC_DR:
		return counter(r, host_seconds());
	case RTC_MR:
		return r->st.mr;
	case RTC_LR:
		return r->st.lr;
	case RTC_CR:
		return 1;
	case RTC_IMSC:
		return r->st.imsc;
	case RTC_RIS:
		return r->st.ris;
	case RTC_MIS:
		return r->st.ris & r->st.imsc;
	}
	if (off >= RTC_ID && off < RTC_ID + 4 * sizeof(pl031_id))
		return pl031_id[(off - RTC_ID) / 4];
	return 0;
}

static void write_reg(struct pl031 *r, u64 off, u32 v)
{
	switch (off) {
	case RTC_MR:
		r->st.mr = v;
		rearm(r);
		break;
	case RTC_LR:
		r->st.lr = v;
		r->st.offset = (s64)v - host_seconds();
		rearm(r);
		break;
	case RTC_CR:
		break;		/* always running */
	case RTC_IMSC:
		r->st.imsc = v & RTC_INT;
		break;
	case RTC_ICR:
		r->st.ris &= ~(v & RTC_INT);
		break;
	default:
		pr_debug("%s: write 0x%x to read-only offset 0x%llx ignored",
			 r->dev.name, v, (unsigned long long)off);
		break;
	}
	update_irq(r);
}

static void pl031_io(struct kvm_cpu *vcpu, u64 off, u8 *data, u32 len,
		     bool is_write, void *opaque)
{
	struct pl031 *r = opaque;
	u32 v;

	if (len != 4 || (off & 3)) {
		pr_warn_once("%s: %u-byte access at 0x%llx (32-bit only)",
			     r->dev.name, len, (unsigned long long)off);
		if (!is_write)
			memset(data, 0, len);
		return;
	}
	pthread_mutex_lock(&r->lock);
	if (is_write) {
		v = data[0] | (data[1] << 8) | (data[2] << 16) |
		    ((u32)data[3] << 24);
		write_reg(r, off, v);
	} else {
		v = read_reg(r, off);
		data[0] = v;
		data[1] = v >> 8;
		data[2] = v >> 16;
		data[3] = v >> 24;
	}
	pthread_mutex_unlock(&r->lock);
}

/* Reset: the counter keeps the time, the alarm and interrupt go away. */
static void pl031_reset(struct vm_device *dev)
{
	struct pl031 *r = container_of(dev, struct pl031, dev);

	pthread_mutex_lock(&r->lock);
	r->st.mr = 0;
	r->st.imsc = 0;
	r->st.ris = 0;
	rearm(r);
	update_irq(r);
	pthread_mutex_unlock(&r->lock);
}

static int pl031_save(struct vm_device *dev, struct snapshot *snap)
{
	struct pl031 *r = container_of(dev, struct pl031, dev);
	struct pl031_state st;

	pthread_mutex_lock(&r->lock);
	st = r->st;
	pthread_mutex_unlock(&r->lock);
	return snap_put(snap, dev->name, PL031_STATE_VERSION, &st, sizeof(st));
}

static int pl031_restore(struct vm_device *dev, struct snapshot *snap)
{
	struct pl031 *r = container_of(dev, struct pl031, dev);
	struct pl031_state st;
	int ret;

	ret = snap_get(snap, dev->name, PL031_STATE_VERSION, &st, sizeof(st));
	if (ret)
		return ret;
	st.imsc &= RTC_INT;
	st.ris &= RTC_INT;
	memset(st.reserved, 0, sizeof(st.reserved));

	pthread_mutex_lock(&r->lock);
	r->st = st;
	/* Tell the (new) interrupt controller where the line is. */
	r->st.irq_level = !!(st.ris & st.imsc);
	kvm__irq_line(r->kvm, r->irq, r->st.irq_level);
	rearm(r);
	pthread_mutex_unlock(&r->lock);
	return 0;
}

static void pl031_exit(struct vm_device *dev)
{
	struct pl031 *r = container_of(dev, struct pl031, dev);

	pthread_mutex_lock(&r->lock);
	r->stop = true;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
	if (r->thread_started)
		pthread_join(r->thread, NULL);
	bus_del(&r->kvm->mmio_bus, &r->range);
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

static const struct vm_device_ops pl031_ops = {
	.type		= "pl031",
	.reset		= pl031_reset,
	.save		= pl031_save,
	.restore	= pl031_restore,
	.exit		= pl031_exit,
};

struct pl031 *pl031__init(struct kvm *kvm, u64 base, u32 irq)
{
	struct pl031 *r = calloc(1, sizeof(*r));
	int ret;

	if (!r) {
		pr_err("pl031: out of memory");
		return NULL;
	}
	r->kvm = kvm;
	r->irq = irq;
	r->dev.ops = &pl031_ops;
	snprintf(r->dev.name, sizeof(r->dev.name), "pl031");
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	/* Counting from the host's time; the match register far away. */
	r->st.mr = counter(r, host_seconds()) - 1;

	r->range = (struct bus_range) {
		.base = base, .len = PL031_SIZE, .fn = pl031_io, .opaque = r,
		.name = r->dev.name,
	};
	ret = bus_add(&kvm->mmio_bus, &r->range);
	if (ret) {
		pr_err("pl031: cannot register at 0x%llx: %s",
		       (unsigned long long)base, strerror(-ret));
		goto fail;
	}
	ret = pthread_create(&r->thread, NULL, pl031_thread, r);
	if (ret) {
		pr_err("pl031: cannot start its thread: %s", strerror(ret));
		bus_del(&kvm->mmio_bus, &r->range);
		goto fail;
	}
	pthread_setname_np(r->thread, "kvm-pl031");
	r->thread_started = true;
	kvm__add_device(kvm, &r->dev);
	return r;
fail:
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->lock);
	free(r);
	return NULL;
}

bool pl031__irq_level(struct pl031 *r)
{
	bool level;

	pthread_mutex_lock(&r->lock);
	level = r->st.irq_level;
	pthread_mutex_unlock(&r->lock);
	return level;
}
