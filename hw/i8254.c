// SPDX-License-Identifier: GPL-2.0
/*
 * 8254 PIT (see include/kvm/i8254.h).
 *
 * A counter's value and OUT are computed from the time since its count
 * was loaded (or its gate triggered it), never stepped:
 *
 *   mode 0  interrupt on terminal count: OUT low, high once N counted
 *   mode 1  one-shot: gate's rising edge starts it, OUT low for N
 *   mode 2  rate generator: OUT low for the last clock of every N
 *   mode 3  square wave: OUT high for ceil(N/2), low for floor(N/2)
 *   mode 4  software strobe: OUT low for one clock once N counted
 *   mode 5  hardware strobe: mode 4 started by the gate's rising edge
 *
 * A control word stops the counter ("null count") until a count is
 * written.  Gate low suspends counting in modes 0 and 4; in modes 2 and 3
 * it stops the counter with OUT high and its rising edge reloads it.
 * Channels 0 and 1 have their gate tied high, channel 2's is port 0x61
 * bit 0 (how Linux calibrates the TSC against the PIT).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/timerfd.h>

#include "kvm/kvm.h"
#include "kvm/bus.h"
#include "kvm/devices.h"
#include "kvm/i8254.h"
#include "kvm/snapshot.h"
#include "kvm/util.h"

#define NSEC_PER_SEC		1000000000ULL
#define NONE			(~0ULL)
#define MIN_PERIOD_NS		100000ULL	/* periodic IRQ 0: 10 kHz at most */
#define REFRESH_NS		15085ULL	/* port 0x61 bit 4 period / 2 */

enum { RW_NONE = 0, RW_LSB, RW_MSB, RW_WORD0, RW_WORD1 };

#define SPK_GATE2		0x01
#define SPK_DATA		0x02
#define SPK_CTRL		0x0c	/* parity / IOCHK enables: stored */
#define SPK_REFRESH		0x10
#define SPK_OUT2		0x20

/* One channel's guest-visible state, as saved. */
struct pit_chan {
	u32	count;		/* N: 1 ... 0x10000 (binary) or 10000 (BCD) */
	u16	latched_count;
	u8	count_latched;	/* RW_* progress through the latch, 0: none */
	u8	status_latched;
	u8	status;
	u8	read_state;
	u8	write_state;
	u8	write_latch;
	u8	rw_mode;
	u8	mode;
	u8	bcd;
	u8	gate;
	u8	counting;	/* a count was written since the control word */
	u8	waiting;	/* modes 1, 5: for the gate's trigger */
	u8	frozen;		/* stopped by the gate at @ticks */
	u8	pad;
	u64	ticks;		/* frozen: where; in a snapshot: how far */
	u64	next_irq;	/* channel 0: tick of OUT's next rising edge */
};

struct i8254_state {
	struct pit_chan	ch[3];
	u8		speaker;	/* SPK_DATA | SPK_CTRL bits */
	u8		pad[7];
};

struct i8254 {
	struct vm_device	dev;
	struct kvm		*kvm;
	pthread_mutex_t		lock;
	struct bus_range	ports;
	struct bus_range	speaker;
	i8254_irq_fn		irq_fn;
	void			*irq_opaque;
	u64			(*clock)(void *);
	void			*clock_opaque;
	int			timer_fd;
	struct io_handler	*timer;
	u64			load_ns[3];	/* when tick 0 was */
	struct i8254_state	st;
};

static u64 now_ns(struct i8254 *p)
{
	return p->clock ? p->clock(p->clock_opaque) : monotonic_ns();
}

static u64 ns_to_ticks(u64 ns)
{
	return (unsigned __int128)ns * I8254_FREQ / NSEC_PER_SEC;
}

/* The first ns at which @ticks have elapsed. */
static u64 ticks_to_ns(u64 ticks)
{
	return ((unsigned __int128)ticks * NSEC_PER_SEC + I8254_FREQ - 1) /
	       I8254_FREQ;
}

static bool running(const struct pit_chan *c)
{
	return c->counting && !c->waiting && !c->frozen;
}

/* Clocks counted since the load or trigger. */
static u64 chan_ticks(struct i8254 *p, int i, u64 now)
{
	const struct pit_chan *c = &p->st.ch[i];

	if (!c->counting || c->waiting)
		return 0;
	if (c->frozen)
		return c->ticks;
	return now > p->load_ns[i] ? ns_to_ticks(now - p->load_ns[i]) : 0;
}

static int chan_out(struct i8254 *p, int i, u64 now)
{
	const struct pit_chan *c = &p->st.ch[i];
	u64 d, n = c->count;

	if (!c->counting)
		return c->mode != 0;
	if (c->waiting)
		return 1;
	if (c->frozen && (c->mode == 2 || c->mode == 3))
		return 1;
	d = chan_ticks(p, i, now);
	switch (c->mode) {
	case 0:
	case 1:
		return d >= n;
	case 2:
		return n == 1 || d % n != n - 1;
	case 3:
		return d % n < (n + 1) / 2;
	default:	/* 4, 5 */
		return d != n;
	}
}

static u16 to_bcd(u32 v)
{
	return (v % 10) | ((v / 10 % 10) << 4) | ((v / 100 % 10) << 8) |
	       ((v / 1000 % 10) << 12);
}

static u32 from_bcd(u16 v)
{
	return (v & 0xf) % 10 + ((v >> 4) & 0xf) % 10 * 10 +
	       ((v >> 8) & 0xf) % 10 * 100 + ((v >> 12) & 0xf) % 10 * 1000;
}

/* The counting element's value as the guest reads it. */
static u16 chan_count(struct i8254 *p, int i, u64 now)
{
	const struct pit_chan *c = &p->st.ch[i];
	u64 d, n = c->count, mod = c->bcd ? 10000 : 0x10000, v;

	if (!c->counting || c->waiting) {
		v = n % mod;
	} else {
		d = chan_ticks(p, i, now);
		switch (c->mode) {
		case 2:
			v = (n - d % n) % mod;
			break;
		case 3:
			v = (n - (2 * d) % n) % mod;
			break;
		default:
			v = (n + mod - d % mod) % mod;
			break;
		}
	}
	return c->bcd ? to_bcd(v) : v;
}

/* Tick of OUT's first rising edge after tick @d, or NONE. */
static u64 next_edge(const struct pit_chan *c, u64 d)
{
	u64 n = c->count;

	if (!running(c))
		return NONE;
	switch (c->mode) {
	case 0:
	case 1:
		return d < n ? n : NONE;
	case 2:
	case 3:
		return (d / n + 1) * n;
	default:
		return d < n + 1 ? n + 1 : NONE;
	}
}

/* Program the timerfd for channel 0's next edge (lock held). */
static void arm_timer(struct i8254 *p, u64 now)
{
	struct pit_chan *c = &p->st.ch[0];
	struct itimerspec its = { 0 };
	u64 at;

	if (p->timer_fd < 0)
		return;
	if (c->next_irq != NONE && running(c)) {
		at = p->load_ns[0] + ticks_to_ns(c->next_irq);
		if ((c->mode == 2 || c->mode == 3) && at < now + MIN_PERIOD_NS)
			at = now + MIN_PERIOD_NS;
		if (!at)
			at = 1;
		its.it_value.tv_sec = at / NSEC_PER_SEC;
		its.it_value.tv_nsec = at % NSEC_PER_SEC;
	}
	if (timerfd_settime(p->timer_fd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		pr_warn_once("i8254: timerfd_settime: %s", strerror(errno));
}

/* Channel 0's counting changed: find its next edge again. */
static void ch0_changed(struct i8254 *p, u64 now)
{
	struct pit_chan *c = &p->st.ch[0];

	c->next_irq = next_edge(c, chan_ticks(p, 0, now));
	arm_timer(p, now);
}

void i8254__timer(struct i8254 *p)
{
	struct pit_chan *c = &p->st.ch[0];
	bool fire = false;
	u64 now, d;

	pthread_mutex_lock(&p->lock);
	now = now_ns(p);
	d = chan_ticks(p, 0, now);
	if (running(c) && c->next_irq != NONE && d >= c->next_irq) {
		fire = true;	/* edges missed meanwhile coalesce into one */
		c->next_irq = next_edge(c, d);
	}
	arm_timer(p, now);
	pthread_mutex_unlock(&p->lock);
	if (fire && p->irq_fn)
		p->irq_fn(p->irq_opaque);
}

static void timer_cb(void *opaque)
{
	struct i8254 *p = opaque;
	u64 n;

	if (read(p->timer_fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		pr_warn_once("i8254: timerfd: %s", strerror(errno));
	i8254__timer(p);
}

/* ------------------------------------------------------------ registers */

static void load_count(struct i8254 *p, int i, u32 val, u64 now)
{
	struct pit_chan *c = &p->st.ch[i];

	if (c->bcd)
		val = from_bcd(val);
	if (!val)
		val = c->bcd ? 10000 : 0x10000;
	c->count = val;
	c->counting = 1;
	c->frozen = 0;
	c->waiting = 0;
	p->load_ns[i] = now;
	switch (c->mode) {
	case 1:
	case 5:
		c->waiting = 1;		/* until the gate rises */
		break;
	default:
		if (!c->gate) {
			c->frozen = 1;
			c->ticks = 0;
		}
		break;
	}
	if (i == 0)
		ch0_changed(p, now);
}

static void set_gate(struct i8254 *p, int i, int gate, u64 now)
{
	struct pit_chan *c = &p->st.ch[i];

	gate = !!gate;
	if (gate == c->gate)
		return;
	if (gate) {
		switch (c->mode) {
		case 0:
		case 4:
			if (c->counting && c->frozen) {
				p->load_ns[i] = now - ticks_to_ns(c->ticks);
				c->frozen = 0;
			}
			break;
		default:	/* 1, 2, 3, 5: the rising edge (re)starts */
			if (c->counting) {
				p->load_ns[i] = now;
				c->frozen = 0;
				c->waiting = 0;
			}
			break;
		}
	} else if (c->counting && !c->waiting && !c->frozen &&
		   c->mode != 1 && c->mode != 5) {
		c->ticks = chan_ticks(p, i, now);
		c->frozen = 1;
	}
	c->gate = gate;
	if (i == 0)
		ch0_changed(p, now);
}

static void latch_count(struct i8254 *p, int i, u64 now)
{
	struct pit_chan *c = &p->st.ch[i];

	if (c->count_latched)
		return;
	c->latched_count = chan_count(p, i, now);
	c->count_latched = c->rw_mode;
}

static void latch_status(struct i8254 *p, int i, u64 now)
{
	struct pit_chan *c = &p->st.ch[i];

	if (c->status_latched)
		return;
	c->status = (chan_out(p, i, now) << 7) | (!c->counting << 6) |
		    (c->rw_mode << 4) | (c->mode << 1) | c->bcd;
	c->status_latched = 1;
}

static void control_write(struct i8254 *p, u8 val, u64 now)
{
	int i = val >> 6, rw = (val >> 4) & 3;
	struct pit_chan *c;

	if (i == 3) {		/* read-back */
		for (i = 0; i < 3; i++) {
			if (!(val & (2 << i)))
				continue;
			if (!(val & 0x20))
				latch_count(p, i, now);
			if (!(val & 0x10))
				latch_status(p, i, now);
		}
		return;
	}
	c = &p->st.ch[i];
	if (rw == 0) {		/* counter latch */
		latch_count(p, i, now);
		return;
	}
	c->rw_mode = rw;
	c->read_state = c->write_state = rw;
	c->mode = (val >> 1) & 7;
	if (c->mode > 5)
		c->mode -= 4;	/* 6, 7 are 2, 3 */
	c->bcd = val & 1;
	/* All control logic resets: the counter waits for a new count. */
	c->counting = 0;
	c->waiting = 0;
	c->frozen = 0;
	c->count_latched = 0;
	c->status_latched = 0;
	if (i == 0)
		ch0_changed(p, now);
}

static void counter_write(struct i8254 *p, int i, u8 val, u64 now)
{
	struct pit_chan *c = &p->st.ch[i];

	switch (c->write_state) {
	case RW_LSB:
		load_count(p, i, val, now);
		break;
	case RW_MSB:
		load_count(p, i, (u32)val << 8, now);
		break;
	case RW_WORD0:
		c->write_latch = val;
		c->write_state = RW_WORD1;
		/* Mode 0: writing the first byte stops the count. */
		if (c->mode == 0 && c->counting) {
			c->counting = 0;
			if (i == 0)
				ch0_changed(p, now);
		}
		break;
	default:
		load_count(p, i, c->write_latch | ((u32)val << 8), now);
		c->write_state = RW_WORD0;
		break;
	}
}

static u8 counter_read(struct i8254 *p, int i, u64 now)
{
	struct pit_chan *c = &p->st.ch[i];
	u16 v;

	if (c->status_latched) {
		c->status_latched = 0;
		return c->status;
	}
	if (c->count_latched) {
		v = c->latched_count;
		switch (c->count_latched) {
		case RW_MSB:
			c->count_latched = 0;
			return v >> 8;
		case RW_WORD0:
			c->count_latched = RW_MSB;
			return v;
		default:
			c->count_latched = 0;
			return v;
		}
	}
	v = chan_count(p, i, now);
	switch (c->read_state) {
	case RW_MSB:
		return v >> 8;
	case RW_WORD0:
		c->read_state = RW_WORD1;
		return v;
	case RW_WORD1:
		c->read_state = RW_WORD0;
		return v >> 8;
	default:
		return v;
	}
}

static void pit_io(struct kvm_cpu *vcpu, u64 offset, u8 *data, u32 len,
		   bool is_write, void *opaque)
{
	struct i8254 *p = opaque;
	u64 now;
	u32 i;

	pthread_mutex_lock(&p->lock);
	now = now_ns(p);
	for (i = 0; i < len; i++) {
		u32 port = offset + i;

		if (is_write) {
			if (port == 3)
				control_write(p, data[i], now);
			else if (port < 3)
				counter_write(p, port, data[i], now);
		} else {
			/* The control word register cannot be read. */
			data[i] = port < 3 ? counter_read(p, port, now) : 0xff;
		}
	}
	pthread_mutex_unlock(&p->lock);
}

static void speaker_io(struct kvm_cpu *vcpu, u64 offset, u8 *data, u32 len,
		       bool is_write, void *opaque)
{
	struct i8254 *p = opaque;
	u64 now;

	pthread_mutex_lock(&p->lock);
	now = now_ns(p);
	if (is_write) {
		set_gate(p, 2, data[0] & SPK_GATE2, now);
		p->st.speaker = data[0] & (SPK_DATA | SPK_CTRL);
	} else {
		data[0] = p->st.ch[2].gate | p->st.speaker |
			  ((now / REFRESH_NS) & 1 ? SPK_REFRESH : 0) |
			  (chan_out(p, 2, now) ? SPK_OUT2 : 0);
	}
	pthread_mutex_unlock(&p->lock);
	if (len > 1 && !is_write)
		memset(data + 1, 0xff, len - 1);
}

/* ------------------------------------------------------------ device */

static void reset_locked(struct i8254 *p, u64 now)
{
	int i;

	memset(&p->st, 0, sizeof(p->st));
	for (i = 0; i < 3; i++) {
		struct pit_chan *c = &p->st.ch[i];

		c->count = 0x10000;
		c->gate = i != 2;
		c->rw_mode = c->read_state = c->write_state = RW_WORD0;
		c->next_irq = NONE;
		p->load_ns[i] = now;
	}
	arm_timer(p, now);
}

static void i8254_reset(struct vm_device *dev)
{
	struct i8254 *p = container_of(dev, struct i8254, dev);

	pthread_mutex_lock(&p->lock);
	reset_locked(p, now_ns(p));
	pthread_mutex_unlock(&p->lock);
}

static int i8254_save(struct vm_device *dev, struct snapshot *snap)
{
	struct i8254 *p = container_of(dev, struct i8254, dev);
	struct i8254_state st;
	u64 now;
	int i;

	pthread_mutex_lock(&p->lock);
	now = now_ns(p);
	st = p->st;
	for (i = 0; i < 3; i++)
		st.ch[i].ticks = chan_ticks(p, i, now);
	pthread_mutex_unlock(&p->lock);
	return snap_put(snap, dev->name, I8254_STATE_VERSION, &st, sizeof(st));
}

static int i8254_restore(struct vm_device *dev, struct snapshot *snap)
{
	struct i8254 *p = container_of(dev, struct i8254, dev);
	struct i8254_state st;
	u64 now;
	int i, ret;

	ret = snap_get(snap, dev->name, I8254_STATE_VERSION, &st, sizeof(st));
	if (ret)
		return ret;
	for (i = 0; i < 3; i++) {
		struct pit_chan *c = &st.ch[i];

		if (c->mode > 5 || c->rw_mode < RW_LSB || c->rw_mode > RW_WORD0 ||
		    !c->count || c->count > 0x10000 ||
		    c->read_state < RW_LSB || c->read_state > RW_WORD1 ||
		    c->write_state < RW_LSB || c->write_state > RW_WORD1 ||
		    c->count_latched > RW_WORD0) {
			pr_err("snapshot: %s channel %d is malformed", dev->name, i);
			return -EPROTO;
		}
		c->gate = i == 2 ? !!c->gate : 1;
		c->counting = !!c->counting;
		c->waiting = !!c->waiting;
		c->frozen = !!c->frozen;
		c->status_latched = !!c->status_latched;
		c->bcd = !!c->bcd;
	}
	st.speaker &= SPK_DATA | SPK_CTRL;

	pthread_mutex_lock(&p->lock);
	now = now_ns(p);
	p->st = st;
	/* Each counter goes on from how far it had counted. */
	for (i = 0; i < 3; i++) {
		u64 ns = ticks_to_ns(st.ch[i].ticks);

		p->load_ns[i] = now > ns ? now - ns : 0;
	}
	arm_timer(p, now);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

static void i8254_exit(struct vm_device *dev)
{
	struct i8254 *p = container_of(dev, struct i8254, dev);

	bus_del(&p->kvm->pio_bus, &p->ports);
	bus_del(&p->kvm->pio_bus, &p->speaker);
	if (p->timer) {
		iothread_del(&p->kvm->io, p->timer);
		p->timer = NULL;
	}
	if (p->timer_fd >= 0)
		close(p->timer_fd);
	p->timer_fd = -1;
}

static const struct vm_device_ops i8254_ops = {
	.type		= "i8254",
	.reset		= i8254_reset,
	.save		= i8254_save,
	.restore	= i8254_restore,
	.exit		= i8254_exit,
};

struct vm_device *i8254__device(struct i8254 *p)
{
	return &p->dev;
}

void i8254__set_clock(struct i8254 *p, u64 (*clock)(void *), void *opaque)
{
	pthread_mutex_lock(&p->lock);
	p->clock = clock;
	p->clock_opaque = opaque;
	reset_locked(p, now_ns(p));
	pthread_mutex_unlock(&p->lock);
}

struct i8254 *i8254__new(struct kvm *kvm, i8254_irq_fn irq, void *opaque)
{
	struct i8254 *p = calloc(1, sizeof(*p));
	int ret;

	if (!p)
		return NULL;
	p->kvm = kvm;
	p->irq_fn = irq;
	p->irq_opaque = opaque;
	p->timer_fd = -1;
	p->dev.ops = &i8254_ops;
	p->dev.kvm = kvm;
	snprintf(p->dev.name, sizeof(p->dev.name), "i8254");
	pthread_mutex_init(&p->lock, NULL);
	if (kvm->io.epfd > 0) {
		p->timer_fd = timerfd_create(CLOCK_MONOTONIC,
					     TFD_CLOEXEC | TFD_NONBLOCK);
		if (p->timer_fd < 0) {
			pr_err("i8254: timerfd: %s", strerror(errno));
			goto fail;
		}
		p->timer = iothread_add(&kvm->io, p->timer_fd, timer_cb, p);
		if (!p->timer)
			goto fail;
	}
	reset_locked(p, now_ns(p));
	p->ports = (struct bus_range) {
		.base	= I8254_BASE,
		.len	= 4,
		.fn	= pit_io,
		.opaque	= p,
		.name	= "i8254",
	};
	p->speaker = (struct bus_range) {
		.base	= I8254_SPEAKER_PORT,
		.len	= 1,
		.fn	= speaker_io,
		.opaque	= p,
		.name	= "speaker",
	};
	ret = bus_add(&kvm->pio_bus, &p->ports);
	if (!ret)
		ret = bus_add(&kvm->pio_bus, &p->speaker);
	if (ret) {
		pr_err("i8254: cannot register ports: %s", strerror(-ret));
		goto fail;
	}
	return p;
fail:
	i8254__free(p);
	return NULL;
}

void i8254__free(struct i8254 *p)
{
	if (!p)
		return;
	i8254_exit(&p->dev);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
