// SPDX-License-Identifier: GPL-2.0
/*
 * The 8254 PIT against a fake clock: counter reads in modes 0, 2, 3 and 4,
 * latches and read-back, BCD, channel 2's gate and OUT through port 0x61
 * (Linux's TSC calibration), IRQ 0 edges, save/restore.
 */
#include "unit.h"
#include "kvm/devices.h"
#include "kvm/i8254.h"
#include "kvm/snapshot.h"

#define CH0	0x40
#define CH2	0x42
#define CTRL	0x43
#define SPK	0x61

static struct kvm *kvm;
static struct i8254 *pit;
static u64 fake_ns;
static int irqs;

static u64 fake_clock(void *opaque)
{
	return *(u64 *)opaque;
}

static void irq(void *opaque)
{
	ck_assert_ptr_nonnull(opaque);
	irqs++;
}

static u8 rd(u16 port)
{
	return unit_bus_read(&kvm->pio_bus, port, 1);
}

static void wr(u16 port, u8 v)
{
	unit_bus_write(&kvm->pio_bus, port, 1, v);
}

/* Time at which @ticks PIT clocks have elapsed since @from. */
static u64 at_ticks(u64 from, u64 ticks)
{
	return from + (ticks * 1000000000ULL + I8254_FREQ - 1) / I8254_FREQ;
}

static u16 rd_count16(u16 port)
{
	u16 lo = rd(port);

	return lo | (rd(port) << 8);
}

static void program(int ch, u8 mode, u16 count)
{
	wr(CTRL, (ch << 6) | 0x30 | (mode << 1));
	wr(CH0 + ch, count & 0xff);
	wr(CH0 + ch, count >> 8);
}

static u8 status(int ch)
{
	wr(CTRL, 0xe0 | (2 << ch));	/* read-back: status only */
	return rd(CH0 + ch);
}

static void setup(void)
{
	kvm = unit_kvm_new(0);
	fake_ns = 1000000000ULL;
	irqs = 0;
	pit = i8254__new(kvm, irq, kvm);
	ck_assert_ptr_nonnull(pit);
	i8254__set_clock(pit, fake_clock, &fake_ns);
	kvm__add_device(kvm, i8254__device(pit));
}

static void teardown(void)
{
	kvm__exit_devices(kvm);
	i8254__free(pit);
	unit_kvm_free(kvm);
}

START_TEST(test_ports)
{
	int p;

	for (p = 0x40; p <= 0x43; p++)
		ck_assert_ptr_nonnull(bus_lookup(&kvm->pio_bus, p));
	ck_assert_ptr_nonnull(bus_lookup(&kvm->pio_bus, 0x61));
	ck_assert_ptr_null(bus_lookup(&kvm->pio_bus, 0x44));
	ck_assert_ptr_null(bus_lookup(&kvm->pio_bus, 0x60));
	ck_assert_ptr_null(bus_lookup(&kvm->pio_bus, 0x62));
	/* Reset: idle, no IRQ however long we wait. */
	fake_ns += 10000000000ULL;
	i8254__timer(pit);
	ck_assert_int_eq(irqs, 0);
	/* The control register reads as nothing. */
	ck_assert_uint_eq(rd(CTRL), 0xff);
}
END_TEST

START_TEST(test_mode2_counter)
{
	u64 t0 = fake_ns;

	program(0, 2, 1193);		/* 1 ms, as Linux's HZ=1000 LATCH */
	ck_assert_uint_eq(rd_count16(CH0), 1193);
	fake_ns = at_ticks(t0, 596);
	ck_assert_uint_eq(rd_count16(CH0), 1193 - 596);
	fake_ns = at_ticks(t0, 1193 + 10);
	ck_assert_uint_eq(rd_count16(CH0), 1193 - 10);
	/* OUT goes low for the last clock of each period only. */
	fake_ns = at_ticks(t0, 2 * 1193 - 1);
	ck_assert_uint_eq(rd_count16(CH0), 1);
	ck_assert_uint_eq(status(0) & 0x80, 0);
	fake_ns = at_ticks(t0, 2 * 1193);
	ck_assert_uint_eq(status(0), 0x80 | 0x30 | (2 << 1));
	/* Mode 6 is mode 2. */
	wr(CTRL, 0x3c);
	ck_assert_uint_eq(status(0) & 0x0e, 2 << 1);
}
END_TEST

START_TEST(test_latch)
{
	u64 t0 = fake_ns;

	program(0, 2, 50000);
	fake_ns = at_ticks(t0, 1000);
	wr(CTRL, 0x00);			/* latch channel 0 */
	fake_ns = at_ticks(t0, 3000);
	/* A second latch before reading changes nothing. */
	wr(CTRL, 0x00);
	ck_assert_uint_eq(rd_count16(CH0), 49000);
	/* Then the live count again. */
	ck_assert_uint_eq(rd_count16(CH0), 47000);
	/* LSB-only access mode: the latch gives one byte. */
	wr(CTRL, 0x14);			/* ch0, LSB only, mode 2 */
	wr(CH0, 200);
	fake_ns += 1;
	t0 = fake_ns - 1;
	fake_ns = at_ticks(t0, 50);
	wr(CTRL, 0x00);
	ck_assert_uint_eq(rd(CH0), 150);
	ck_assert_uint_eq(rd(CH0), 150);	/* live, same instant */
	/* MSB only: count = value << 8. */
	wr(CTRL, 0x24);
	wr(CH0, 0x10);
	ck_assert_uint_eq(rd(CH0), 0x10);
}
END_TEST

START_TEST(test_mode3)
{
	u64 t0 = fake_ns;

	program(0, 3, 1000);
	fake_ns = at_ticks(t0, 100);
	/* Counts down by two. */
	ck_assert_uint_eq(rd_count16(CH0), 800);
	ck_assert_uint_eq(status(0), 0x80 | 0x30 | (3 << 1));
	fake_ns = at_ticks(t0, 600);
	ck_assert_uint_eq(rd_count16(CH0), 800);
	ck_assert_uint_eq(status(0), 0x30 | (3 << 1));	/* low half */
	fake_ns = at_ticks(t0, 1000);
	ck_assert_uint_eq(status(0) & 0x80, 0x80);
	ck_assert_uint_eq(rd_count16(CH0), 1000);
}
END_TEST

START_TEST(test_irq_periodic)
{
	u64 t0 = fake_ns;

	program(0, 2, 11932);		/* 10 ms */
	fake_ns = at_ticks(t0, 5966);
	i8254__timer(pit);
	ck_assert_int_eq(irqs, 0);
	fake_ns = at_ticks(t0, 11932);
	i8254__timer(pit);
	ck_assert_int_eq(irqs, 1);
	i8254__timer(pit);		/* a spurious wakeup */
	ck_assert_int_eq(irqs, 1);
	/* Late: two periods passed, one IRQ (they coalesce). */
	fake_ns = at_ticks(t0, 3 * 11932 + 5);
	i8254__timer(pit);
	ck_assert_int_eq(irqs, 2);
	fake_ns = at_ticks(t0, 4 * 11932);
	i8254__timer(pit);
	ck_assert_int_eq(irqs, 3);
	/* A control word stops it. */
	wr(CTRL, 0x34);
	fake_ns = at_ticks(t0, 10 * 11932);
	i8254__timer(pit);
	ck_assert_int_eq(irqs, 3);
	/* Square wave: once per period too. */
	t0 = fake_ns;
	program(0, 3, 1000);
	fake_ns = at_ticks(t0, 999);
	i8254__timer(pit);
	ck_assert_int_eq(irqs, 3);
	fake_ns = at_ticks(t0, 1000);
	i8254__timer(pit);
	ck_assert_int_eq(irqs, 4);
}
END_TEST

START_TEST(test_mode0)
{
	u64 t0;

	/* Linux's pit_shutdown: control word only, OUT low, nothing fires. */
	wr(CTRL, 0x30);
	ck_assert_uint_eq(status(0), 0x40 | 0x30);	/* null count */
	fake_ns += 1000000000ULL;
	i8254__timer(pit);
	ck_assert_int_eq(irqs, 0);
	t0 = fake_ns;
	wr(CH0, 100);
	/* Writing the first byte of two stops counting until the second. */
	ck_assert_uint_eq(status(0) & 0x40, 0x40);
	wr(CH0, 0);
	ck_assert_uint_eq(status(0), 0x30);
	fake_ns = at_ticks(t0, 99);
	ck_assert_uint_eq(rd_count16(CH0), 1);
	i8254__timer(pit);
	ck_assert_int_eq(irqs, 0);
	fake_ns = at_ticks(t0, 100);
	ck_assert_uint_eq(status(0), 0x80 | 0x30);
	i8254__timer(pit);
	ck_assert_int_eq(irqs, 1);
	/* Once only; the counter wraps on. */
	fake_ns = at_ticks(t0, 100 + 70000);
	i8254__timer(pit);
	ck_assert_int_eq(irqs, 1);
	ck_assert_uint_eq(rd_count16(CH0), (u16)(100 - 70100));
	/* Count 0 means 65536. */
	t0 = fake_ns;
	program(0, 0, 0);
	fake_ns = at_ticks(t0, 65535);
	i8254__timer(pit);
	ck_assert_int_eq(irqs, 1);
	fake_ns = at_ticks(t0, 65536);
	i8254__timer(pit);
	ck_assert_int_eq(irqs, 2);
}
END_TEST

START_TEST(test_mode4)
{
	u64 t0 = fake_ns;

	program(0, 4, 500);		/* Linux's one-shot clockevent */
	ck_assert_uint_eq(status(0) & 0x80, 0x80);	/* OUT high */
	fake_ns = at_ticks(t0, 500);
	ck_assert_uint_eq(status(0) & 0x80, 0);	/* the strobe */
	i8254__timer(pit);
	ck_assert_int_eq(irqs, 0);
	fake_ns = at_ticks(t0, 501);
	i8254__timer(pit);
	ck_assert_int_eq(irqs, 1);
	fake_ns = at_ticks(t0, 100000);
	i8254__timer(pit);
	ck_assert_int_eq(irqs, 1);
	/* Re-arming is writing a count again. */
	t0 = fake_ns;
	wr(CH0, 10);
	wr(CH0, 0);
	fake_ns = at_ticks(t0, 11);
	i8254__timer(pit);
	ck_assert_int_eq(irqs, 2);
}
END_TEST

/* Linux's pit_calibrate_tsc() / pit_hpet_ptimer_calibrate_cpu(). */
START_TEST(test_ch2_calibration)
{
	u64 t0;
	u8 v;

	ck_assert_uint_eq(rd(SPK) & 0x03, 0);	/* gate low, speaker off */
	wr(SPK, (rd(SPK) & ~0x02) | 0x01);
	ck_assert_uint_eq(rd(SPK) & 0x03, 0x01);
	wr(CTRL, 0xb0);			/* ch2, LSB/MSB, mode 0 */
	t0 = fake_ns;
	wr(CH2, 11932 & 0xff);
	wr(CH2, 11932 >> 8);
	fake_ns = at_ticks(t0, 11931);
	ck_assert_uint_eq(rd(SPK) & 0x20, 0);	/* OUT2 still low */
	fake_ns = at_ticks(t0, 11932);
	ck_assert_uint_eq(rd(SPK) & 0x20, 0x20);
	/* Channel 2 raises no IRQ. */
	i8254__timer(pit);
	ck_assert_int_eq(irqs, 0);
	/* quick_pit_calibrate: count 0xffff, read the MSB as it falls. */
	wr(CTRL, 0xb0);
	t0 = fake_ns;
	wr(CH2, 0xff);
	wr(CH2, 0xff);
	fake_ns = at_ticks(t0, 256 * 3);
	rd(CH2);
	ck_assert_uint_eq(rd(CH2), 0xfc);
	/* Speaker and the control bits stick, refresh toggles. */
	wr(SPK, 0x0f);
	v = rd(SPK);
	ck_assert_uint_eq(v & 0x0f, 0x0f);
	fake_ns += 15085;
	ck_assert_uint_eq((rd(SPK) ^ v) & 0x10, 0x10);
}
END_TEST

START_TEST(test_ch2_gate)
{
	u64 t0 = fake_ns;

	/* Gate low when the count is written: mode 0 does not count. */
	wr(SPK, 0x00);
	program(2, 0, 1000);
	fake_ns = at_ticks(t0, 500);
	ck_assert_uint_eq(rd_count16(CH2), 1000);
	/* Gate high: counting starts. */
	wr(SPK, 0x01);
	t0 = fake_ns;
	fake_ns = at_ticks(t0, 300);
	ck_assert_uint_eq(rd_count16(CH2), 700);
	/* Gate low suspends, high resumes where it was. */
	wr(SPK, 0x00);
	fake_ns = at_ticks(t0, 5000);
	ck_assert_uint_eq(rd_count16(CH2), 700);
	ck_assert_uint_eq(rd(SPK) & 0x20, 0);
	wr(SPK, 0x01);
	t0 = fake_ns;
	fake_ns = at_ticks(t0, 700);
	ck_assert_uint_eq(rd(SPK) & 0x20, 0x20);
	/* Mode 2: gate low forces OUT high and stops; rising edge reloads. */
	program(2, 2, 100);
	t0 = fake_ns;
	fake_ns = at_ticks(t0, 40);
	wr(SPK, 0x00);
	ck_assert_uint_eq(rd_count16(CH2), 60);
	fake_ns = at_ticks(t0, 99);
	ck_assert_uint_eq(rd(SPK) & 0x20, 0x20);
	wr(SPK, 0x01);
	t0 = fake_ns;
	fake_ns = at_ticks(t0, 10);
	ck_assert_uint_eq(rd_count16(CH2), 90);
	/* Mode 1: the gate's rising edge triggers the one-shot. */
	program(2, 1, 100);
	fake_ns += 1000000;
	ck_assert_uint_eq(rd_count16(CH2), 100);
	ck_assert_uint_eq(rd(SPK) & 0x20, 0x20);
	wr(SPK, 0x00);
	wr(SPK, 0x01);
	t0 = fake_ns;
	fake_ns = at_ticks(t0, 30);
	ck_assert_uint_eq(rd(SPK) & 0x20, 0);
	ck_assert_uint_eq(rd_count16(CH2), 70);
	fake_ns = at_ticks(t0, 100);
	ck_assert_uint_eq(rd(SPK) & 0x20, 0x20);
}
END_TEST

START_TEST(test_readback)
{
	u64 t0 = fake_ns;

	program(0, 2, 1000);
	wr(SPK, 0x01);			/* channel 2 counts with its gate high */
	program(2, 3, 2000);
	fake_ns = at_ticks(t0, 10);
	/* Latch count and status of channels 0 and 2. */
	wr(CTRL, 0xc0 | 0x02 | 0x08);
	fake_ns = at_ticks(t0, 500);
	ck_assert_uint_eq(rd(CH0), 0x80 | 0x30 | (2 << 1));	/* status first */
	ck_assert_uint_eq(rd_count16(CH0), 990);
	ck_assert_uint_eq(rd(CH2), 0x30 | (3 << 1) | 0x80);
	ck_assert_uint_eq(rd_count16(CH2), 1980);
	/* Count only, channel 0. */
	wr(CTRL, 0xd2);
	ck_assert_uint_eq(rd_count16(CH0), 500);
}
END_TEST

START_TEST(test_bcd)
{
	u64 t0 = fake_ns;

	wr(CTRL, 0x31);			/* ch0, LSB/MSB, mode 0, BCD */
	wr(CH0, 0x00);
	wr(CH0, 0x10);			/* 1000 */
	fake_ns = at_ticks(t0, 1);
	ck_assert_uint_eq(rd_count16(CH0), 0x0999);
	ck_assert_uint_eq(status(0) & 1, 1);
	fake_ns = at_ticks(t0, 1000);
	i8254__timer(pit);
	ck_assert_int_eq(irqs, 1);
	/* 0 is 10000 in BCD. */
	t0 = fake_ns;
	wr(CTRL, 0x35);			/* mode 2, BCD */
	wr(CH0, 0);
	wr(CH0, 0);
	fake_ns = at_ticks(t0, 1);
	ck_assert_uint_eq(rd_count16(CH0), 0x9999);
}
END_TEST

START_TEST(test_save_restore)
{
	struct vm_device *dev = i8254__device(pit);
	struct snapshot *s = snapshot_new();
	struct kvm *k1 = kvm, *k2;
	struct i8254 *p2;
	u64 t0 = fake_ns, clock2;
	u16 c;

	program(0, 2, 10000);
	wr(SPK, 0x03);
	program(2, 0, 5000);
	fake_ns = at_ticks(t0, 12345);
	i8254__timer(pit);
	ck_assert_int_eq(irqs, 1);
	wr(CTRL, 0x80);			/* latch ch2, read it after restore */
	ck_assert_int_eq(dev->ops->save(dev, s), 0);

	/* Another host clock entirely. */
	k2 = unit_kvm_new(0);
	p2 = i8254__new(k2, irq, kvm);
	clock2 = 5000000000000ULL;
	i8254__set_clock(p2, fake_clock, &clock2);
	ck_assert_int_eq(i8254__device(p2)->ops->restore(i8254__device(p2), s), 0);
	kvm = k2;
	c = rd_count16(CH0);
	ck_assert_uint_eq(c, 10000 - 2345);
	ck_assert_uint_eq(rd(SPK) & 0x03, 0x03);
	ck_assert_uint_eq(rd(SPK) & 0x20, 0x20);	/* ch2 done counting */
	ck_assert_uint_eq(rd_count16(CH2), (u16)(5000 - 12345 + 65536));
	/* The timer goes on: the next edge at tick 20000. */
	clock2 = at_ticks(5000000000000ULL, 20000 - 12345 - 1);
	i8254__timer(p2);
	ck_assert_int_eq(irqs, 1);
	clock2 = at_ticks(5000000000000ULL, 20000 - 12345 + 1);
	i8254__timer(p2);
	ck_assert_int_eq(irqs, 2);
	kvm = k1;
	i8254__free(p2);
	unit_kvm_free(k2);
	snapshot_free(s);
}
END_TEST

START_TEST(test_restore_refuses_garbage)
{
	struct vm_device *dev = i8254__device(pit);
	struct snapshot *s = snapshot_new();
	u8 junk[256];

	memset(junk, 0x77, sizeof(junk));
	/* Wrong size is refused by snap_get; a right-sized bad one here. */
	ck_assert_int_eq(dev->ops->save(dev, s), 0);
	snapshot_free(s);
	s = snapshot_new();
	{
		const struct vm_device_ops *o = dev->ops;
		struct snapshot *ok = snapshot_new();
		const void *p;
		u32 len;

		ck_assert_int_eq(o->save(dev, ok), 0);
		ck_assert_int_eq(snap_get_var(ok, "i8254", I8254_STATE_VERSION,
					      &p, &len), 0);
		ck_assert_uint_le(len, sizeof(junk));
		ck_assert_int_eq(snap_put(s, "i8254", I8254_STATE_VERSION,
					  junk, len), 0);
		ck_assert_int_ne(o->restore(dev, s), 0);
		snapshot_free(ok);
	}
	snapshot_free(s);
	/* Still idle and working. */
	program(0, 2, 100);
	ck_assert_uint_eq(rd_count16(CH0), 100);
}
END_TEST

START_TEST(test_hostile)
{
	int i;

	srand(3);
	for (i = 0; i < 100000; i++) {
		u16 ports[] = { 0x40, 0x41, 0x42, 0x43, 0x61 };
		u16 port = ports[rand() % 5];

		if (rand() & 1)
			wr(port, rand());
		else
			rd(port);
		fake_ns += rand() % 100000;
		if (!(rand() % 16))
			i8254__timer(pit);
	}
	program(0, 2, 1193);
	ck_assert_uint_eq(rd_count16(CH0), 1193);
}
END_TEST

static Suite *i8254_suite(void)
{
	Suite *s = suite_create("i8254");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_ports);
	tcase_add_test(tc, test_mode2_counter);
	tcase_add_test(tc, test_latch);
	tcase_add_test(tc, test_mode3);
	tcase_add_test(tc, test_irq_periodic);
	tcase_add_test(tc, test_mode0);
	tcase_add_test(tc, test_mode4);
	tcase_add_test(tc, test_ch2_calibration);
	tcase_add_test(tc, test_ch2_gate);
	tcase_add_test(tc, test_readback);
	tcase_add_test(tc, test_bcd);
	tcase_add_test(tc, test_save_restore);
	tcase_add_test(tc, test_restore_refuses_garbage);
	tcase_add_test(tc, test_hostile);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(i8254_suite)
