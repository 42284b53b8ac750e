// SPDX-License-Identifier: GPL-2.0
/* MC146818 CMOS RTC. */
#include <time.h>
#include <unistd.h>

#include "unit.h"
#include "kvm/devices.h"
#include "kvm/rtc.h"
#include "kvm/snapshot.h"

#define SEC		0x00
#define SEC_ALARM	0x01
#define MIN		0x02
#define MIN_ALARM	0x03
#define HOUR		0x04
#define HOUR_ALARM	0x05
#define WDAY		0x06
#define MDAY		0x07
#define MONTH		0x08
#define YEAR		0x09
#define REG_A		0x0a
#define REG_B		0x0b
#define REG_C		0x0c
#define REG_D		0x0d
#define CENTURY		RTC_CMOS_CENTURY

static struct kvm *kvm;

static u8 rd_on(struct kvm *k, u8 reg)
{
	unit_bus_write(&k->pio_bus, RTC_PORT_INDEX, 1, reg);
	return unit_bus_read(&k->pio_bus, RTC_PORT_DATA, 1);
}

static void wr_on(struct kvm *k, u8 reg, u8 v)
{
	unit_bus_write(&k->pio_bus, RTC_PORT_INDEX, 1, reg);
	unit_bus_write(&k->pio_bus, RTC_PORT_DATA, 1, v);
}

static u8 rd(u8 reg)
{
	return rd_on(kvm, reg);
}

static void wr(u8 reg, u8 v)
{
	wr_on(kvm, reg, v);
}

static u8 bcd(int v)
{
	return (v / 10) << 4 | v % 10;
}

static struct vm_device *find_dev(struct kvm *k, const char *name)
{
	struct vm_device *dev;

	list_for_each_entry(dev, &k->devices, list)
		if (!strcmp(dev->name, name))
			return dev;
	return NULL;
}

static void setup(void)
{
	kvm = unit_kvm_new(0);
	ck_assert_int_eq(rtc__init(kvm), 0);
}

static void teardown(void)
{
	unit_kvm_free(kvm);
}

struct rtc_regs {
	u8 sec, min, hour, wday, mday, month, year, century;
};

static void read_regs(struct kvm *k, struct rtc_regs *r)
{
	r->sec = rd_on(k, SEC);
	r->min = rd_on(k, MIN);
	r->hour = rd_on(k, HOUR);
	r->wday = rd_on(k, WDAY);
	r->mday = rd_on(k, MDAY);
	r->month = rd_on(k, MONTH);
	r->year = rd_on(k, YEAR);
	r->century = rd_on(k, CENTURY);
}

/* Read the time registers and the host time within one host second. */
static void read_with_host(struct rtc_regs *r, struct tm *tm)
{
	int tries;

	for (tries = 0; tries < 10; tries++) {
		time_t t0 = time(NULL), t1;

		read_regs(kvm, r);
		t1 = time(NULL);
		if (t0 == t1) {
			gmtime_r(&t0, tm);
			return;
		}
	}
	ck_abort_msg("host clock keeps changing");
}

static void wait_irq(struct kvm *k, int ms)
{
	int i;

	for (i = 0; i < ms && !rtc__irq_level(k); i++)
		usleep(1000);
	ck_assert_msg(rtc__irq_level(k), "no RTC interrupt in %d ms", ms);
}

START_TEST(test_defaults)
{
	ck_assert_uint_eq(rd(REG_A) & 0x7f, 0x26);
	ck_assert_uint_eq(rd(REG_B), 0x02);
	ck_assert_uint_eq(rd(REG_C) & 0x0f, 0);
	ck_assert_uint_eq(rd(REG_D), 0x80);
	ck_assert(!rtc__irq_level(kvm));
	ck_assert_ptr_nonnull(find_dev(kvm, "rtc"));
}
END_TEST

START_TEST(test_bcd)
{
	struct rtc_regs r;
	struct tm tm;

	read_with_host(&r, &tm);
	ck_assert_uint_eq(r.sec, bcd(tm.tm_sec));
	ck_assert_uint_eq(r.min, bcd(tm.tm_min));
	ck_assert_uint_eq(r.hour, bcd(tm.tm_hour));
	ck_assert_uint_eq(r.wday, tm.tm_wday + 1);
	ck_assert_uint_eq(r.mday, bcd(tm.tm_mday));
	ck_assert_uint_eq(r.month, bcd(tm.tm_mon + 1));
	ck_assert_uint_eq(r.year, bcd(tm.tm_year % 100));
	ck_assert_uint_eq(r.century, bcd((tm.tm_year + 1900) / 100));
}
END_TEST

START_TEST(test_binary)
{
	struct rtc_regs r;
	struct tm tm;

	wr(REG_B, 0x06);
	read_with_host(&r, &tm);
	ck_assert_uint_eq(r.sec, tm.tm_sec);
	ck_assert_uint_eq(r.min, tm.tm_min);
	ck_assert_uint_eq(r.hour, tm.tm_hour);
	ck_assert_uint_eq(r.mday, tm.tm_mday);
	ck_assert_uint_eq(r.month, tm.tm_mon + 1);
	ck_assert_uint_eq(r.year, tm.tm_year % 100);
	ck_assert_uint_eq(r.century, (tm.tm_year + 1900) / 100);
}
END_TEST

START_TEST(test_12h)
{
	struct rtc_regs r;
	struct tm tm;
	int h12;

	wr(REG_B, 0x00);		/* BCD, 12-hour */
	read_with_host(&r, &tm);
	h12 = tm.tm_hour % 12 ? tm.tm_hour % 12 : 12;
	ck_assert_uint_eq(r.hour, bcd(h12) | (tm.tm_hour >= 12 ? 0x80 : 0));
	wr(REG_B, 0x04);		/* binary, 12-hour */
	read_with_host(&r, &tm);
	h12 = tm.tm_hour % 12 ? tm.tm_hour % 12 : 12;
	ck_assert_uint_eq(r.hour, h12 | (tm.tm_hour >= 12 ? 0x80 : 0));
}
END_TEST

/* Set 2001-02-03 04:05:06 the way Linux's mc146818_set_time does. */
static void set_2001(struct kvm *k)
{
	wr_on(k, REG_B, 0x82);
	wr_on(k, SEC, 0x06);
	wr_on(k, MIN, 0x05);
	wr_on(k, HOUR, 0x04);
	wr_on(k, MDAY, 0x03);
	wr_on(k, MONTH, 0x02);
	wr_on(k, YEAR, 0x01);
	wr_on(k, CENTURY, 0x20);
	wr_on(k, REG_B, 0x02);
}

START_TEST(test_set_time)
{
	struct rtc_regs r;

	wr(REG_B, 0x82);
	wr(SEC, 0x06);
	wr(MIN, 0x05);
	wr(HOUR, 0x04);
	/* Frozen while SET: the written values read back. */
	ck_assert_uint_eq(rd(SEC), 0x06);
	ck_assert_uint_eq(rd(HOUR), 0x04);
	ck_assert_uint_eq(rd(REG_A) & 0x80, 0);	/* no UIP */
	set_2001(kvm);
	read_regs(kvm, &r);
	ck_assert(r.sec == 0x06 || r.sec == 0x07);
	ck_assert_uint_eq(r.min, 0x05);
	ck_assert_uint_eq(r.hour, 0x04);
	ck_assert_uint_eq(r.wday, 7);		/* a Saturday */
	ck_assert_uint_eq(r.mday, 0x03);
	ck_assert_uint_eq(r.month, 0x02);
	ck_assert_uint_eq(r.year, 0x01);
	ck_assert_uint_eq(r.century, 0x20);
	/* Same time in binary. */
	wr(REG_B, 0x06);
	ck_assert_uint_eq(rd(MIN), 5);
	ck_assert_uint_eq(rd(YEAR), 1);
	ck_assert_uint_eq(rd(CENTURY), 20);
}
END_TEST

START_TEST(test_set_time_12h_binary)
{
	wr(REG_B, 0x84);		/* SET, binary, 12-hour */
	wr(SEC, 30);
	wr(MIN, 59);
	wr(HOUR, 0x80 | 11);		/* 11 PM */
	wr(MDAY, 31);
	wr(MONTH, 12);
	wr(YEAR, 99);
	wr(CENTURY, 19);
	wr(REG_B, 0x04);		/* run, still 12-hour */
	wr(REG_B, 0x06);		/* now show it in 24-hour */
	ck_assert_uint_eq(rd(HOUR), 23);
	ck_assert_uint_eq(rd(MIN), 59);
	ck_assert_uint_eq(rd(YEAR), 99);
	ck_assert_uint_eq(rd(CENTURY), 19);
	wr(REG_B, 0x04);
	ck_assert_uint_eq(rd(HOUR), 0x80 | 11);
}
END_TEST

START_TEST(test_write_while_running)
{
	struct rtc_regs before, after;

	read_regs(kvm, &before);
	wr(YEAR, 0x42);
	read_regs(kvm, &after);
	ck_assert_uint_eq(after.year, 0x42);
	ck_assert_uint_eq(after.month, before.month);
	ck_assert_uint_eq(after.century, before.century);
	/* A divider held in reset stops the clock too. */
	wr(REG_A, 0x66);
	wr(YEAR, 0x43);
	wr(REG_A, 0x26);
	ck_assert_uint_eq(rd(YEAR), 0x43);
}
END_TEST

START_TEST(test_nmi_bit_and_ram)
{
	unit_bus_write(&kvm->pio_bus, RTC_PORT_INDEX, 1, 0x80 | REG_D);
	ck_assert_uint_eq(unit_bus_read(&kvm->pio_bus, RTC_PORT_DATA, 1), 0x80);
	ck_assert_uint_eq(unit_bus_read(&kvm->pio_bus, RTC_PORT_INDEX, 1),
			  0xff);
	wr(0x40, 0x5a);
	wr(0x7f, 0xa5);
	wr(0x80 | 0x0e, 0x11);
	ck_assert_uint_eq(rd(0x40), 0x5a);
	ck_assert_uint_eq(rd(0x7f), 0xa5);
	ck_assert_uint_eq(rd(0x0e), 0x11);
	/* C and D are read-only; UIP is read-only. */
	wr(REG_D, 0x00);
	wr(REG_C, 0xff);
	ck_assert_uint_eq(rd(REG_D), 0x80);
	ck_assert_uint_eq(rd(REG_C) & 0x8f, 0x00);	/* nothing enabled */
	wr(REG_A, 0xa6);
	ck_assert_uint_eq(rd(REG_A) & 0x7f, 0x26);
	/* SET clears UIE. */
	wr(REG_B, 0x92);
	ck_assert_uint_eq(rd(REG_B), 0x82);
}
END_TEST

START_TEST(test_reg_c_read_clears)
{
	wr(REG_A, 0x23);		/* 8192 Hz */
	usleep(2000);
	wr(REG_A, 0x20);		/* periodic off */
	wr(REG_B, 0x82);		/* SET: no update-ended flag either */
	ck_assert_uint_eq(rd(REG_C) & 0x40, 0x40);
	ck_assert_uint_eq(rd(REG_C), 0);
	ck_assert(!rtc__irq_level(kvm));
}
END_TEST

START_TEST(test_periodic_irq)
{
	rd(REG_C);
	wr(REG_B, 0x42);		/* PIE at 1024 Hz */
	wait_irq(kvm, 500);
	wr(REG_B, 0x02);
	ck_assert(!rtc__irq_level(kvm));	/* IRQF follows the enables */
	ck_assert_uint_eq(rd(REG_C) & 0x40, 0x40);
	/* Enabling with the flag set raises IRQF at once. */
	usleep(2000);
	wr(REG_B, 0x42);
	ck_assert(rtc__irq_level(kvm));
	ck_assert_uint_eq(rd(REG_C) & 0xc0, 0xc0);
	wr(REG_B, 0x02);
	rd(REG_C);
	ck_assert(!rtc__irq_level(kvm));
}
END_TEST

START_TEST(test_update_irq)
{
	rd(REG_C);
	wr(REG_B, 0x12);		/* UIE */
	wait_irq(kvm, 1500);
	ck_assert_uint_eq(rd(REG_C) & 0x90, 0x90);
	ck_assert(!rtc__irq_level(kvm));
	/* And again a second later, as hwclock's UIE wait expects. */
	wait_irq(kvm, 1500);
	ck_assert_uint_eq(rd(REG_C) & 0x90, 0x90);
}
END_TEST

START_TEST(test_alarm_irq)
{
	/* 23:59:58, alarm at 00:00:00: fires across midnight. */
	wr(REG_B, 0x86);
	wr(SEC, 58);
	wr(MIN, 59);
	wr(HOUR, 23);
	wr(MDAY, 31);
	wr(MONTH, 12);
	wr(YEAR, 20);
	wr(CENTURY, 20);
	wr(SEC_ALARM, 0);
	wr(MIN_ALARM, 0);
	wr(HOUR_ALARM, 0);
	wr(REG_B, 0x26);		/* run, AIE, binary, 24-hour */
	rd(REG_C);
	ck_assert(!rtc__irq_level(kvm));
	wait_irq(kvm, 3500);
	ck_assert_uint_eq(rd(REG_C) & 0xa0, 0xa0);
	ck_assert_uint_eq(rd(HOUR), 0);
	ck_assert_uint_eq(rd(YEAR), 21);
	/* "Don't care" in every field: every second. */
	wr(SEC_ALARM, 0xff);
	wr(MIN_ALARM, 0xc0);
	wr(HOUR_ALARM, 0xc5);
	wait_irq(kvm, 1500);
	ck_assert_uint_eq(rd(REG_C) & 0xa0, 0xa0);
	/* An impossible alarm never fires (and the helper does not spin). */
	wr(SEC_ALARM, 61);
	wr(REG_B, 0x26);
	rd(REG_C);
	usleep(1200000);
	ck_assert_uint_eq(rd(REG_C) & 0x20, 0);
}
END_TEST

/*
 * UIP comes and goes: never set for long, so nobody waits forever.  A
 * period counts only if this thread sampled it without a gap of more than
 * 200 us (a busy host may preempt the reader while UIP is set, and that
 * says nothing of the RTC); every period at all must end within 100 ms.
 */
START_TEST(test_uip)
{
	u64 start = monotonic_ns(), set_since = 0, longest = 0, now, last;
	u64 gap = 0;
	int edges = 0, clean = 0;
	bool prev = false;

	last = start;
	/* Up to 5 s: the 244 us window can be missed when the host is busy. */
	while ((now = monotonic_ns()) - start < 5000000000ULL &&
	       (clean < 1 || now - start < 1200000000ULL)) {
		bool uip = rd(REG_A) & 0x80;

		if (uip && !prev) {
			set_since = now;
			gap = 0;
		} else if (prev) {
			gap = max_t(u64, gap, now - last);
		}
		if (!uip && prev) {
			edges++;
			ck_assert_uint_lt(now - set_since, 100000000);
			if (gap < 200000) {
				clean++;
				longest = max_t(u64, longest, now - set_since);
			}
		}
		prev = uip;
		last = now;
	}
	ck_assert_int_ge(clean, 1);
	ck_assert_uint_lt(longest, 2000000);	/* 2 ms */
	/* Not while the clock is stopped. */
	wr(REG_B, 0x82);
	start = monotonic_ns();
	while (monotonic_ns() - start < 1100000000ULL)
		ck_assert_uint_eq(rd(REG_A) & 0x80, 0);
}
END_TEST

START_TEST(test_save_restore)
{
	struct kvm *k2 = unit_kvm_new(0);
	struct snapshot *snap = snapshot_new();
	struct rtc_regs a, b;
	struct vm_device *dev;
	int i, tries;

	set_2001(kvm);
	wr(0x50, 0x77);
	wr(SEC_ALARM, 0x12);
	wr(MIN_ALARM, 0x34);
	wr(REG_A, 0x2a);
	wr(REG_B, 0x06);
	unit_bus_write(&kvm->pio_bus, RTC_PORT_INDEX, 1, 0x80 | 0x50);

	dev = find_dev(kvm, "rtc");
	ck_assert_int_eq(dev->ops->save(dev, snap), 0);
	ck_assert_int_eq(rtc__init(k2), 0);
	dev = find_dev(k2, "rtc");
	ck_assert_int_eq(dev->ops->restore(dev, snap), 0);
	snapshot_free(snap);

	/* The index register came along (no index write first). */
	ck_assert_uint_eq(unit_bus_read(&k2->pio_bus, RTC_PORT_DATA, 1), 0x77);
	for (tries = 0; tries < 5; tries++) {
		read_regs(kvm, &a);
		read_regs(k2, &b);
		if (a.sec == b.sec)
			break;
	}
	ck_assert(!memcmp(&a, &b, sizeof(a)));
	ck_assert_uint_eq(a.year, 1);
	for (i = 0x0e; i < 0x80; i++)
		ck_assert_uint_eq(rd_on(k2, i), rd(i));
	ck_assert_uint_eq(rd_on(k2, REG_A) & 0x7f, 0x2a);
	ck_assert_uint_eq(rd_on(k2, REG_B), 0x06);
	ck_assert_uint_eq(rd_on(k2, SEC_ALARM), 0x12);
	ck_assert_uint_eq(rd_on(k2, MIN_ALARM), 0x34);
	unit_kvm_free(k2);
}
END_TEST

START_TEST(test_reset_op)
{
	struct vm_device *dev = find_dev(kvm, "rtc");

	wr(0x20, 0x42);
	wr(REG_B, 0x4e);		/* PIE, SQWE, binary, 24h */
	wait_irq(kvm, 500);
	dev->ops->reset(dev);
	ck_assert(!rtc__irq_level(kvm));
	ck_assert_uint_eq(rd(REG_B), 0x06);
	ck_assert_uint_eq(rd(0x20), 0x42);
}
END_TEST

START_TEST(test_hostile)
{
	const struct bus_range *r = bus_lookup(&kvm->pio_bus, RTC_PORT_INDEX);
	struct snapshot *snap;
	struct vm_device *dev;
	u8 d[16], junk[144];
	int i, j;

	ck_assert_ptr_nonnull(r);
	ck_assert(bus_dispatch(&kvm->pio_bus, NULL, RTC_PORT_INDEX, d, 0,
			       false));
	/* outw 0x70: index then data, as two byte cycles. */
	unit_bus_write(&kvm->pio_bus, RTC_PORT_INDEX, 2, 0x9930);
	ck_assert_uint_eq(rd(0x30), 0x99);
	memset(d, 0, sizeof(d));
	r->fn(NULL, 0, d, 3, false, r->opaque);
	ck_assert_uint_eq(d[0], 0xff);
	ck_assert_uint_eq(d[1], 0x99);
	ck_assert_uint_eq(d[2], 0xff);
	r->fn(NULL, 2, d, 8, false, r->opaque);
	ck_assert_uint_eq(d[0], 0xff);
	r->fn(NULL, UINT64_MAX, d, 16, true, r->opaque);
	r->fn(NULL, 1, d, 0, true, r->opaque);

	srand(3);
	for (i = 0; i < 100000; i++) {
		for (j = 0; j < 16; j++)
			d[j] = rand();
		r->fn(NULL, rand() % 3, d, rand() % 9, rand() & 1, r->opaque);
	}
	wr(REG_B, 0x02);
	wr(REG_A, 0x26);
	ck_assert_uint_eq(rd(REG_D), 0x80);

	/* A snapshot full of junk restores into something sane. */
	dev = find_dev(kvm, "rtc");
	memset(junk, 0xff, sizeof(junk));
	snap = snapshot_new();
	ck_assert_int_eq(snap_put(snap, "rtc", 1, junk, sizeof(junk)), 0);
	ck_assert_int_eq(dev->ops->restore(dev, snap), 0);
	snapshot_free(snap);
	for (i = 0; i < 128; i++)
		rd(i);
	/* Running clock, offset far in the past: clamped, year 0 at worst. */
	memset(junk, 0x80, sizeof(junk));
	junk[REG_A] = 0x26;
	junk[REG_B] = 0x02;
	snap = snapshot_new();
	ck_assert_int_eq(snap_put(snap, "rtc", 1, junk, sizeof(junk)), 0);
	ck_assert_int_eq(dev->ops->restore(dev, snap), 0);
	snapshot_free(snap);
	for (i = 0; i < 128; i++)
		rd(i);
	ck_assert_uint_eq(rd(YEAR), 0);
	ck_assert_uint_eq(rd(CENTURY), 0);
	wr(REG_B, 0x02);
	wr(REG_A, 0x26);
	for (i = 0; i < 128; i++)
		rd(i);
	ck_assert_uint_eq(rd(REG_D), 0x80);
}
END_TEST

static Suite *rtc_suite(void)
{
	Suite *s = suite_create("rtc");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_bcd);
	tcase_add_test(tc, test_binary);
	tcase_add_test(tc, test_12h);
	tcase_add_test(tc, test_set_time);
	tcase_add_test(tc, test_set_time_12h_binary);
	tcase_add_test(tc, test_write_while_running);
	tcase_add_test(tc, test_nmi_bit_and_ram);
	tcase_add_test(tc, test_reg_c_read_clears);
	tcase_add_test(tc, test_periodic_irq);
	tcase_add_test(tc, test_update_irq);
	tcase_add_test(tc, test_alarm_irq);
	tcase_add_test(tc, test_uip);
	tcase_add_test(tc, test_save_restore);
	tcase_add_test(tc, test_reset_op);
	tcase_add_test(tc, test_hostile);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(rtc_suite)
