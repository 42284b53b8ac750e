// SPDX-License-Identifier: GPL-2.0
/*
 * MC146818 CMOS real-time clock.
 *
 * The clock is the host's UTC (CLOCK_REALTIME) plus an offset in seconds.
 * While it runs, the time registers are computed from it whenever they are
 * read, in the format register B asks for (BCD or binary, 12 or 24 hours).
 * Register B's SET bit, or a divider held in reset, stops the clock: the
 * registers freeze and the guest may write them; when the clock runs again
 * the offset is taken from what the registers say.  Writing a time register
 * while the clock runs sets the time the same way.
 *
 * UIP is set for the last 244 us of every second, as on the real part, so
 * software that waits for it to drop (or for it to appear) finishes within
 * a second and a reader that saw it clear has 244 us of stable registers.
 *
 * Interrupts: the update-ended, alarm and periodic flags in register C are
 * brought up to date lazily on every access; a helper thread sleeps until
 * the next event whose interrupt the guest enabled and whose flag is still
 * clear, so IRQ 8 fires on time without polling.  Reading C clears it.
 * The day-of-week register follows the date and cannot be set on its own.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kvm/kvm.h"
#include "kvm/bus.h"
#include "kvm/devices.h"
#include "kvm/rtc.h"
#include "kvm/snapshot.h"
#include "kvm/util.h"

#define REG_SEC		0x00
#define REG_SEC_ALARM	0x01
#define REG_MIN		0x02
#define REG_MIN_ALARM	0x03
#define REG_HOUR	0x04
#define REG_HOUR_ALARM	0x05
#define REG_WDAY	0x06
#define REG_MDAY	0x07
#define REG_MONTH	0x08
#define REG_YEAR	0x09
#define REG_A		0x0a
#define REG_B		0x0b
#define REG_C		0x0c
#define REG_D		0x0d
#define REG_CENTURY	RTC_CMOS_CENTURY

#define A_UIP		0x80
#define A_DV_MASK	0x70
#define A_DV_32K	0x20	/* normal time base; 11x holds it in reset */
#define A_RS_MASK	0x0f
#define A_DEFAULT	(A_DV_32K | 0x06)	/* 1024 Hz periodic rate */

#define B_SET		0x80
#define B_PIE		0x40
#define B_AIE		0x20
#define B_UIE		0x10
#define B_SQWE		0x08
#define B_DM_BINARY	0x04
#define B_24H		0x02
#define B_DSE		0x01
#define B_DEFAULT	B_24H

#define C_IRQF		0x80
#define C_PF		0x40
#define C_AF		0x20
#define C_UF		0x10
#define C_FLAGS		(C_PF | C_AF | C_UF)	/* same bits as the enables */

#define D_VRT		0x80

#define NSEC_PER_SEC	1000000000LL
#define SEC_PER_DAY	86400
#define UIP_NS		244141		/* 8 cycles of the 32.768 kHz base */
#define WAKE_SLACK_NS	20000
#define MAX_OFFSET	1000000000000LL	/* ~31700 years, keeps sums in range */

#define RTC_STATE_VERSION	1

/* Guest-visible state: one snapshot section, no pointers. */
struct rtc_state {
	u8	cmos[RTC_CMOS_SIZE];
	u8	index;		/* last write to port 0x70; bit 7 masks NMIs */
	u8	irq_level;
	u8	reserved[6];
	s64	offset;		/* guest clock - host clock, in seconds */
};

struct rtc {
	struct vm_device	dev;
	struct kvm		*kvm;
	struct bus_range	range;
	pthread_mutex_t		lock;
	pthread_cond_t		cond;	/* on CLOCK_MONOTONIC */
	pthread_t		thread;
	bool			stop;
	/* How far the event flags in register C are up to date. */
	s64			last_sec;	/* guest second */
	u64			last_period;	/* periodic tick number */
	struct rtc_state	st;
};

/* One reading of the clocks, shared by everything one access does. */
struct rtc_now {
	s64	sec;		/* guest seconds */
	long	nsec;
	u64	mono;		/* CLOCK_MONOTONIC ns */
};

#define CMOS(r, reg)	((r)->st.cmos[reg])

static void rtc_now(struct rtc *r, struct rtc_now *n)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	n->sec = (s64)ts.tv_sec + r->st.offset;
	n->nsec = ts.tv_nsec;
	n->mono = monotonic_ns();
}

static bool divider_running(struct rtc *r)
{
	return (CMOS(r, REG_A) & A_DV_MASK) <= A_DV_32K;
}

static bool clock_running(struct rtc *r)
{
	return divider_running(r) && !(CMOS(r, REG_B) & B_SET);
}

static u64 period_ns(struct rtc *r)
{
	unsigned int rs = CMOS(r, REG_A) & A_RS_MASK, shift;

	if (!rs)
		return 0;
	/* Rates 1 and 2 repeat rates 8 and 9 with a 32.768 kHz base. */
	shift = rs <= 2 ? rs + 6 : rs - 1;
	return ((u64)NSEC_PER_SEC << shift) / 32768;
}

static bool binary_mode(struct rtc *r)
{
	return CMOS(r, REG_B) & B_DM_BINARY;
}

static u8 to_reg(struct rtc *r, unsigned int v)
{
	if (binary_mode(r))
		return v;
	return ((v / 10 % 10) << 4) | (v % 10);
}

static int from_reg(struct rtc *r, u8 v)
{
	if (binary_mode(r))
		return v;
	return (v >> 4) * 10 + (v & 0x0f);
}

static u8 hour_to_reg(struct rtc *r, int h)
{
	if (CMOS(r, REG_B) & B_24H)
		return to_reg(r, h);
	return to_reg(r, h % 12 ? h % 12 : 12) | (h >= 12 ? 0x80 : 0);
}

static int hour_from_reg(struct rtc *r, u8 v)
{
	int h;

	if (CMOS(r, REG_B) & B_24H)
		return from_reg(r, v);
	h = from_reg(r, v & 0x7f);
	if (h == 12)
		h = 0;
	return (v & 0x80) ? h + 12 : h;
}

/* Show guest time @t in the time registers, in the current format. */
static void latch_time(struct rtc *r, s64 t)
{
	time_t tt = t;
	struct tm tm;
	int year;

	if (!gmtime_r(&tt, &tm))
		return;
	year = tm.tm_year + 1900;
	if (year < 0)
		year = 0;
	CMOS(r, REG_SEC) = to_reg(r, tm.tm_sec);
	CMOS(r, REG_MIN) = to_reg(r, tm.tm_min);
	CMOS(r, REG_HOUR) = hour_to_reg(r, tm.tm_hour);
	CMOS(r, REG_WDAY) = to_reg(r, tm.tm_wday + 1);
	CMOS(r, REG_MDAY) = to_reg(r, tm.tm_mday);
	CMOS(r, REG_MONTH) = to_reg(r, tm.tm_mon + 1);
	CMOS(r, REG_YEAR) = to_reg(r, year % 100);
	CMOS(r, REG_CENTURY) = to_reg(r, year / 100);
}

/* The time the registers say (out-of-range fields just carry over). */
static s64 registers_time(struct rtc *r)
{
	struct tm tm = { 0 };

	tm.tm_sec = from_reg(r, CMOS(r, REG_SEC));
	tm.tm_min = from_reg(r, CMOS(r, REG_MIN));
	tm.tm_hour = hour_from_reg(r, CMOS(r, REG_HOUR));
	tm.tm_mday = from_reg(r, CMOS(r, REG_MDAY));
	tm.tm_mon = from_reg(r, CMOS(r, REG_MONTH)) - 1;
	tm.tm_year = from_reg(r, CMOS(r, REG_CENTURY)) * 100 +
		     from_reg(r, CMOS(r, REG_YEAR)) - 1900;
	return timegm(&tm);
}

/* The clock (re)starts from the time registers. */
static void start_clock(struct rtc *r)
{
	struct timespec ts;
	s64 t = registers_time(r);

	clock_gettime(CLOCK_REALTIME, &ts);
	r->st.offset = t - (s64)ts.tv_sec;
	if (r->st.offset > MAX_OFFSET)
		r->st.offset = MAX_OFFSET;
	if (r->st.offset < -MAX_OFFSET)
		r->st.offset = -MAX_OFFSET;
	r->last_sec = (s64)ts.tv_sec + r->st.offset;
}

/* An alarm field: -1 for "don't care", -2 if it can never match. */
static int alarm_field(struct rtc *r, int reg, int max)
{
	u8 v = CMOS(r, reg);
	int x;

	if ((v & 0xc0) == 0xc0)
		return -1;
	x = reg == REG_HOUR_ALARM ? hour_from_reg(r, v) : from_reg(r, v);
	return (x >= 0 && x <= max) ? x : -2;
}

/* The first second after @after at which the alarm matches. */
static bool next_alarm(struct rtc *r, s64 after, s64 *out)
{
	int as = alarm_field(r, REG_SEC_ALARM, 59);
	int am = alarm_field(r, REG_MIN_ALARM, 59);
	int ah = alarm_field(r, REG_HOUR_ALARM, 23);
	s64 day, tod;
	int d, h, m, s;

	if (as == -2 || am == -2 || ah == -2)
		return false;
	day = after / SEC_PER_DAY;
	if (after % SEC_PER_DAY < 0)
		day--;
	tod = after - day * SEC_PER_DAY;
	for (d = 0; d < 2; d++) {
		for (h = 0; h < 24; h++) {
			if ((ah >= 0 && h != ah) ||
			    (!d && h * 3600 + 3599 <= tod))
				continue;
			for (m = 0; m < 60; m++) {
				int hm = h * 3600 + m * 60;

				if ((am >= 0 && m != am) ||
				    (!d && hm + 59 <= tod))
					continue;
				for (s = 0; s < 60; s++) {
					if ((as >= 0 && s != as) ||
					    (!d && hm + s <= tod))
						continue;
					*out = (day + d) * SEC_PER_DAY + hm + s;
					return true;
				}
			}
		}
	}
	return false;
}

static void update_irq(struct rtc *r)
{
	u8 c = CMOS(r, REG_C) & C_FLAGS;
	bool level;

	if (c & CMOS(r, REG_B))
		c |= C_IRQF;
	CMOS(r, REG_C) = c;
	level = c & C_IRQF;
	if (level == !!r->st.irq_level)
		return;
	r->st.irq_level = level;
	kvm__irq_line(r->kvm, RTC_IRQ, level);
}

/* Bring the event flags up to @n. */
static void rtc_tick(struct rtc *r, const struct rtc_now *n)
{
	u64 period = period_ns(r);
	u8 c = CMOS(r, REG_C);

	if (clock_running(r) && n->sec > r->last_sec) {
		s64 t;

		c |= C_UF;
		if (n->sec - r->last_sec >= SEC_PER_DAY) {
			if (next_alarm(r, r->last_sec, &t))
				c |= C_AF;
		} else if (next_alarm(r, r->last_sec, &t) && t <= n->sec) {
			c |= C_AF;
		}
	}
	r->last_sec = n->sec;
	if (period) {
		u64 tick = n->mono / period;

		if (divider_running(r) && tick != r->last_period)
			c |= C_PF;
		r->last_period = tick;
	}
	CMOS(r, REG_C) = c;
	update_irq(r);
}

static void restart_period(struct rtc *r, const struct rtc_now *n)
{
	u64 period = period_ns(r);

	r->last_period = period ? n->mono / period : 0;
}

/* When the helper thread must next look, in CLOCK_MONOTONIC ns. */
static bool next_deadline(struct rtc *r, u64 *deadline)
{
	u8 b = CMOS(r, REG_B), c = CMOS(r, REG_C);
	u64 period = period_ns(r), best = UINT64_MAX;
	struct rtc_now n;
	s64 t;

	rtc_now(r, &n);
	if (clock_running(r)) {
		u64 next_sec = n.mono + (NSEC_PER_SEC - n.nsec);

		if ((b & B_UIE) && !(c & C_UF))
			best = next_sec;
		if ((b & B_AIE) && !(c & C_AF) && next_alarm(r, n.sec, &t)) {
			u64 when = next_sec +
				   (u64)(t - n.sec - 1) * NSEC_PER_SEC;

			best = min_t(u64, best, when);
		}
	}
	if ((b & B_PIE) && !(c & C_PF) && period && divider_running(r))
		best = min_t(u64, best, (n.mono / period + 1) * period);
	if (best == UINT64_MAX)
		return false;
	*deadline = best + WAKE_SLACK_NS;
	return true;
}

static void *rtc_thread(void *arg)
{
	struct rtc *r = arg;
	struct rtc_now n;
	u64 deadline;

	pthread_mutex_lock(&r->lock);
	while (!r->stop) {
		rtc_now(r, &n);
		rtc_tick(r, &n);
		if (next_deadline(r, &deadline)) {
			struct timespec ts = {
				.tv_sec	 = deadline / NSEC_PER_SEC,
				.tv_nsec = deadline % NSEC_PER_SEC,
			};

			pthread_cond_timedwait(&r->cond, &r->lock, &ts);
		} else {
			pthread_cond_wait(&r->cond, &r->lock);
		}
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

static void set_control(struct rtc *r, const struct rtc_now *n, u8 a, u8 b)
{
	bool was_running = clock_running(r);
	bool divider_was = divider_running(r);
	u8 old_a = CMOS(r, REG_A);

	/* Freeze the registers as they stand, in the old format. */
	if (was_running)
		latch_time(r, n->sec);
	CMOS(r, REG_A) = a & ~A_UIP;
	CMOS(r, REG_B) = b;
	if (!was_running && clock_running(r))
		start_clock(r);
	if (old_a != CMOS(r, REG_A) || divider_was != divider_running(r))
		restart_period(r, n);
}

static bool is_time_reg(u32 reg)
{
	switch (reg) {
	case REG_SEC:
	case REG_MIN:
	case REG_HOUR:
	case REG_WDAY:
	case REG_MDAY:
	case REG_MONTH:
	case REG_YEAR:
	case REG_CENTURY:
		return true;
	}
	return false;
}

static u8 read_cmos(struct rtc *r, u32 reg)
{
	struct rtc_now n;
	u8 v;

	rtc_now(r, &n);
	rtc_tick(r, &n);
	if (is_time_reg(reg)) {
		if (clock_running(r))
			latch_time(r, n.sec);
		return CMOS(r, reg);
	}
	switch (reg) {
	case REG_A:
		v = CMOS(r, REG_A);
		if (clock_running(r) && n.nsec >= NSEC_PER_SEC - UIP_NS)
			v |= A_UIP;
		return v;
	case REG_C:
		v = CMOS(r, REG_C);
		CMOS(r, REG_C) = 0;
		update_irq(r);
		pthread_cond_signal(&r->cond);
		return v;
	case REG_D:
		return D_VRT;
	}
	return CMOS(r, reg);
}

static void write_cmos(struct rtc *r, u32 reg, u8 v)
{
	struct rtc_now n;

	rtc_now(r, &n);
	rtc_tick(r, &n);
	if (is_time_reg(reg)) {
		if (clock_running(r)) {
			latch_time(r, n.sec);
			CMOS(r, reg) = v;
			start_clock(r);
		} else {
			CMOS(r, reg) = v;
		}
	} else {
		switch (reg) {
		case REG_A:
			set_control(r, &n, v, CMOS(r, REG_B));
			break;
		case REG_B:
			/* Setting SET clears UIE. */
			if (v & B_SET)
				v &= ~B_UIE;
			set_control(r, &n, CMOS(r, REG_A), v);
			break;
		case REG_C:
		case REG_D:
			pr_debug("rtc: write 0x%02x to read-only register 0x%x",
				 v, reg);
			return;
		default:
			CMOS(r, reg) = v;
			break;
		}
	}
	update_irq(r);
	pthread_cond_signal(&r->cond);
}

/* Port 0x70 (offset 0) selects, port 0x71 (offset 1) reads or writes. */
static void rtc_io(struct kvm_cpu *vcpu, u64 offset, u8 *data, u32 len,
		   bool is_write, void *opaque)
{
	struct rtc *r = opaque;
	u32 i;

	pthread_mutex_lock(&r->lock);
	for (i = 0; i < len; i++) {
		if (offset >= 2 || i >= 2 - offset) {
			if (!is_write)
				memset(data + i, 0xff, len - i);
			break;
		}
		if (offset + i == 0) {
			if (is_write)
				r->st.index = data[i];
			else
				data[i] = 0xff;	/* write-only */
		} else if (is_write) {
			write_cmos(r, r->st.index & 0x7f, data[i]);
		} else {
			data[i] = read_cmos(r, r->st.index & 0x7f);
		}
	}
	pthread_mutex_unlock(&r->lock);
}

/* The RESET pin: interrupts off, flags clear; time and RAM survive. */
static void rtc_reset(struct vm_device *dev)
{
	struct rtc *r = container_of(dev, struct rtc, dev);
	struct rtc_now n;

	pthread_mutex_lock(&r->lock);
	rtc_now(r, &n);
	CMOS(r, REG_B) &= ~(B_PIE | B_AIE | B_UIE | B_SQWE);
	CMOS(r, REG_C) = 0;
	r->last_sec = n.sec;
	restart_period(r, &n);
	update_irq(r);
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

static int rtc_save(struct vm_device *dev, struct snapshot *snap)
{
	struct rtc *r = container_of(dev, struct rtc, dev);
	struct rtc_state st;
	struct rtc_now n;

	pthread_mutex_lock(&r->lock);
	rtc_now(r, &n);
	rtc_tick(r, &n);
	if (clock_running(r))
		latch_time(r, n.sec);
	st = r->st;
	pthread_mutex_unlock(&r->lock);
	return snap_put(snap, dev->name, RTC_STATE_VERSION, &st, sizeof(st));
}

static int rtc_restore(struct vm_device *dev, struct snapshot *snap)
{
	struct rtc *r = container_of(dev, struct rtc, dev);
	struct rtc_state st;
	struct rtc_now n;
	int ret;

	ret = snap_get(snap, dev->name, RTC_STATE_VERSION, &st, sizeof(st));
	if (ret)
		return ret;
	if (st.offset > MAX_OFFSET)
		st.offset = MAX_OFFSET;
	if (st.offset < -MAX_OFFSET)
		st.offset = -MAX_OFFSET;
	st.cmos[REG_A] &= ~A_UIP;
	st.cmos[REG_D] = D_VRT;
	memset(st.reserved, 0, sizeof(st.reserved));

	pthread_mutex_lock(&r->lock);
	r->st = st;
	rtc_now(r, &n);
	r->last_sec = n.sec;
	restart_period(r, &n);
	/* Tell the (new) interrupt controller where the line is. */
	CMOS(r, REG_C) &= C_FLAGS;
	r->st.irq_level = !!(CMOS(r, REG_C) & CMOS(r, REG_B));
	kvm__irq_line(r->kvm, RTC_IRQ, r->st.irq_level);
	update_irq(r);
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
	return 0;
}

static void rtc_exit(struct vm_device *dev)
{
	struct rtc *r = container_of(dev, struct rtc, dev);

	pthread_mutex_lock(&r->lock);
	r->stop = true;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	bus_del(&r->kvm->pio_bus, &r->range);
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

static const struct vm_device_ops rtc_ops = {
	.type		= "mc146818",
	.reset		= rtc_reset,
	.save		= rtc_save,
	.restore	= rtc_restore,
	.exit		= rtc_exit,
};

int rtc__init(struct kvm *kvm)
{
	pthread_condattr_t attr;
	struct rtc_now n;
	struct rtc *r;
	int ret;

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->kvm = kvm;
	snprintf(r->dev.name, sizeof(r->dev.name), "rtc");
	r->dev.ops = &rtc_ops;
	pthread_mutex_init(&r->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&r->cond, &attr);
	pthread_condattr_destroy(&attr);

	CMOS(r, REG_A) = A_DEFAULT;
	CMOS(r, REG_B) = B_DEFAULT;
	CMOS(r, REG_D) = D_VRT;
	rtc_now(r, &n);
	r->last_sec = n.sec;
	restart_period(r, &n);
	latch_time(r, n.sec);

	r->range = (struct bus_range) {
		.base	= RTC_PORT_INDEX,
		.len	= 2,
		.fn	= rtc_io,
		.opaque	= r,
		.name	= "rtc",
	};
	ret = bus_add(&kvm->pio_bus, &r->range);
	if (ret) {
		pr_err("rtc: cannot register ports 0x70-0x71: %s",
		       strerror(-ret));
		goto fail;
	}
	ret = -pthread_create(&r->thread, NULL, rtc_thread, r);
	if (ret) {
		pr_err("rtc: cannot start its timer thread: %s",
		       strerror(-ret));
		bus_del(&kvm->pio_bus, &r->range);
		goto fail;
	}
	pthread_setname_np(r->thread, "lkvm-rtc");
	kvm__add_device(kvm, &r->dev);
	return 0;

fail:
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->lock);
	free(r);
	return ret;
}

bool rtc__irq_level(struct kvm *kvm)
{
	struct vm_device *dev;
	bool level = false;

	list_for_each_entry(dev, &kvm->devices, list) {
		struct rtc *r;

		if (dev->ops != &rtc_ops)
			continue;
		r = container_of(dev, struct rtc, dev);
		pthread_mutex_lock(&r->lock);
		level = r->st.irq_level;
		pthread_mutex_unlock(&r->lock);
		break;
	}
	return level;
}
