// SPDX-License-Identifier: GPL-2.0
/* The 8259A pair: initialisation, masking, priority, EOIs, cascade. */
#include "unit.h"
#include "kvm/devices.h"
#include "kvm/i8259.h"
#include "kvm/snapshot.h"

#define M_CMD	0x20
#define M_DATA	0x21
#define S_CMD	0xa0
#define S_DATA	0xa1

static struct kvm *kvm;
static struct i8259 *pic;
static int out_calls;
static bool out_level;

static void output(void *opaque, bool level)
{
	ck_assert_ptr_eq(opaque, kvm);
	out_calls++;
	out_level = level;
}

static u8 rd(u16 port)
{
	return unit_bus_read(&kvm->pio_bus, port, 1);
}

static void wr(u16 port, u8 v)
{
	unit_bus_write(&kvm->pio_bus, port, 1, v);
}

/* What Linux's init_8259A() does (vectors 0x30 and 0x38 here). */
static void linux_init(bool auto_eoi)
{
	wr(M_DATA, 0xff);
	wr(S_DATA, 0xff);
	wr(M_CMD, 0x11);		/* ICW1: edge, cascade, ICW4 */
	wr(M_DATA, 0x30);		/* ICW2: vectors 0x30-0x37 */
	wr(M_DATA, 1 << 2);		/* ICW3: slave on IR2 */
	wr(M_DATA, auto_eoi ? 0x03 : 0x01);	/* ICW4: 8086, (AEOI) */
	wr(S_CMD, 0x11);
	wr(S_DATA, 0x38);
	wr(S_DATA, 2);
	wr(S_DATA, 0x01);
	wr(M_DATA, 0xfb);		/* all masked but the cascade */
	wr(S_DATA, 0xff);
}

static void setup(void)
{
	kvm = unit_kvm_new(0);
	out_calls = 0;
	out_level = false;
	pic = i8259__new(kvm, output, kvm);
	ck_assert_ptr_nonnull(pic);
	kvm__add_device(kvm, i8259__device(pic));
}

static void teardown(void)
{
	kvm__exit_devices(kvm);
	i8259__free(pic);
	unit_kvm_free(kvm);
}

START_TEST(test_ports)
{
	ck_assert_ptr_nonnull(bus_lookup(&kvm->pio_bus, 0x20));
	ck_assert_ptr_nonnull(bus_lookup(&kvm->pio_bus, 0x21));
	ck_assert_ptr_nonnull(bus_lookup(&kvm->pio_bus, 0xa0));
	ck_assert_ptr_nonnull(bus_lookup(&kvm->pio_bus, 0xa1));
	ck_assert_ptr_nonnull(bus_lookup(&kvm->pio_bus, 0x4d0));
	ck_assert_ptr_nonnull(bus_lookup(&kvm->pio_bus, 0x4d1));
	ck_assert_ptr_null(bus_lookup(&kvm->pio_bus, 0x22));
	ck_assert_ptr_null(bus_lookup(&kvm->pio_bus, 0x4d2));
}
END_TEST

START_TEST(test_init_sequence)
{
	linux_init(false);
	ck_assert_uint_eq(rd(M_DATA), 0xfb);
	ck_assert_uint_eq(rd(S_DATA), 0xff);
	/* Linux's probe: the mask reads back. */
	wr(M_DATA, 0xff);
	ck_assert_uint_eq(rd(M_DATA), 0xff);
	wr(M_DATA, 0xfa);		/* unmask IRQ 0 */
	i8259__set_irq(pic, 0, 1);
	ck_assert(i8259__output(pic));
	ck_assert_int_eq(out_calls, 1);
	ck_assert(out_level);
	ck_assert_int_eq(i8259__read_irq(pic), 0x30);
	ck_assert(!i8259__output(pic));
	ck_assert(!out_level);
	/* ICW1 again: masks cleared, requests forgotten, vectors from ICW2. */
	wr(M_CMD, 0x11);
	wr(M_DATA, 0x08);
	wr(M_DATA, 0x04);
	wr(M_DATA, 0x01);
	ck_assert_uint_eq(rd(M_DATA), 0);
	wr(M_CMD, 0x0b);		/* read ISR */
	ck_assert_uint_eq(rd(M_CMD), 0);
	i8259__set_irq(pic, 1, 1);
	ck_assert_int_eq(i8259__read_irq(pic), 0x09);
}
END_TEST

START_TEST(test_single_no_icw4)
{
	/* ICW1 single mode, no ICW4: ICW2 ends the sequence. */
	wr(M_CMD, 0x12);
	wr(M_DATA, 0x40);
	wr(M_DATA, 0xfe);		/* OCW1 now */
	ck_assert_uint_eq(rd(M_DATA), 0xfe);
	i8259__set_irq(pic, 0, 1);
	ck_assert_int_eq(i8259__read_irq(pic), 0x40);
}
END_TEST

START_TEST(test_masking)
{
	linux_init(false);
	i8259__set_irq(pic, 4, 1);
	ck_assert(!i8259__output(pic));
	wr(M_CMD, 0x0a);		/* read IRR */
	ck_assert_uint_eq(rd(M_CMD), 1 << 4);
	wr(M_DATA, 0xeb);		/* unmask IRQ 4: the request delivers */
	ck_assert(i8259__output(pic));
	wr(M_DATA, 0xfb);		/* and masking takes it back */
	ck_assert(!i8259__output(pic));
	ck_assert_int_eq(i8259__read_irq(pic), -1);
	wr(M_DATA, 0xeb);
	ck_assert_int_eq(i8259__read_irq(pic), 0x34);
	wr(M_CMD, 0x0b);
	ck_assert_uint_eq(rd(M_CMD), 1 << 4);	/* ISR */
	wr(M_CMD, 0x0a);
	ck_assert_uint_eq(rd(M_CMD), 0);	/* IRR: edge, acknowledged */
}
END_TEST

START_TEST(test_priority)
{
	linux_init(false);
	wr(M_DATA, 0x00);
	i8259__set_irq(pic, 3, 1);
	i8259__set_irq(pic, 1, 1);
	/* IRQ 1 beats IRQ 3. */
	ck_assert_int_eq(i8259__read_irq(pic), 0x31);
	/* IRQ 3 waits while the higher IRQ 1 is in service. */
	ck_assert(!i8259__output(pic));
	/* IRQ 0 nests above IRQ 1. */
	i8259__set_irq(pic, 0, 1);
	ck_assert(i8259__output(pic));
	ck_assert_int_eq(i8259__read_irq(pic), 0x30);
	wr(M_CMD, 0x0b);
	ck_assert_uint_eq(rd(M_CMD), 0x03);
	/* Non-specific EOI ends the highest in service: IRQ 0, then 1. */
	wr(M_CMD, 0x20);
	ck_assert(!i8259__output(pic));
	ck_assert_uint_eq(rd(M_CMD), 0x02);
	wr(M_CMD, 0x20);
	ck_assert(i8259__output(pic));
	ck_assert_int_eq(i8259__read_irq(pic), 0x33);
	wr(M_CMD, 0x63);		/* specific EOI 3 */
	ck_assert_uint_eq(rd(M_CMD), 0);
}
END_TEST

START_TEST(test_rotation)
{
	linux_init(false);
	wr(M_DATA, 0x00);
	/* Set priority: IRQ 5 lowest, so IRQ 6 is the highest. */
	wr(M_CMD, 0xc5);
	i8259__set_irq(pic, 0, 1);
	i8259__set_irq(pic, 6, 1);
	ck_assert_int_eq(i8259__read_irq(pic), 0x36);
	/* Rotate on non-specific EOI: 6 becomes the lowest, 7 the highest. */
	wr(M_CMD, 0xa0);
	ck_assert_int_eq(i8259__read_irq(pic), 0x30);
	i8259__set_irq(pic, 7, 1);
	/* 0 in service but 7 is now above it. */
	ck_assert(i8259__output(pic));
	ck_assert_int_eq(i8259__read_irq(pic), 0x37);
	/* Rotate on specific EOI 7: 0 is the highest again. */
	wr(M_CMD, 0xe7);
	wr(M_CMD, 0x60);
	wr(M_CMD, 0x0b);
	ck_assert_uint_eq(rd(M_CMD), 0);
	i8259__set_irq(pic, 1, 1);
	i8259__set_irq(pic, 0, 0);
	i8259__set_irq(pic, 0, 1);
	ck_assert_int_eq(i8259__read_irq(pic), 0x30);
}
END_TEST

START_TEST(test_edge_level)
{
	linux_init(false);
	wr(M_DATA, 0x00);
	/* Edge: a line held high requests once. */
	i8259__set_irq(pic, 5, 1);
	ck_assert_int_eq(i8259__read_irq(pic), 0x35);
	wr(M_CMD, 0x20);
	i8259__set_irq(pic, 5, 1);
	ck_assert(!i8259__output(pic));
	i8259__set_irq(pic, 5, 0);
	i8259__set_irq(pic, 5, 1);
	ck_assert(i8259__output(pic));
	ck_assert_int_eq(i8259__read_irq(pic), 0x35);
	wr(M_CMD, 0x20);
	i8259__set_irq(pic, 5, 0);

	/* ELCR: lines 0-2 of the master and 8, 13 cannot be level. */
	wr(0x4d0, 0xff);
	ck_assert_uint_eq(rd(0x4d0), 0xf8);
	wr(0x4d1, 0xff);
	ck_assert_uint_eq(rd(0x4d1), 0xde);
	/* Level: the request stays while the line is high, even acked. */
	i8259__set_irq(pic, 5, 1);
	ck_assert_int_eq(i8259__read_irq(pic), 0x35);
	wr(M_CMD, 0x0a);
	ck_assert_uint_eq(rd(M_CMD), 1 << 5);
	wr(M_CMD, 0x20);
	ck_assert(i8259__output(pic));
	i8259__set_irq(pic, 5, 0);
	ck_assert(!i8259__output(pic));
	ck_assert_uint_eq(rd(M_CMD), 0);
}
END_TEST

START_TEST(test_cascade)
{
	linux_init(false);
	wr(S_DATA, ~(1 << 2) & 0xff);	/* unmask IRQ 10 */
	i8259__set_irq(pic, 10, 1);
	ck_assert(i8259__output(pic));
	ck_assert_int_eq(i8259__read_irq(pic), 0x3a);
	wr(S_CMD, 0x0b);
	ck_assert_uint_eq(rd(S_CMD), 1 << 2);
	wr(M_CMD, 0x0b);
	ck_assert_uint_eq(rd(M_CMD), 1 << 2);
	/* A second, higher slave request while the first is in service is
	 * blocked by the master's IRQ 2 in service (not special fully
	 * nested)... */
	wr(S_DATA, 0xfa);		/* also unmask IRQ 8 */
	i8259__set_irq(pic, 8, 1);
	ck_assert(!i8259__output(pic));
	/* ... until the master's EOI; then it comes through. */
	wr(S_CMD, 0x20);
	wr(M_CMD, 0x20);
	ck_assert(i8259__output(pic));
	ck_assert_int_eq(i8259__read_irq(pic), 0x38);
	wr(S_CMD, 0x20);
	wr(M_CMD, 0x20);
	ck_assert(!i8259__output(pic));
	/* Masking the cascade hides the slave. */
	i8259__set_irq(pic, 8, 0);
	i8259__set_irq(pic, 8, 1);
	wr(M_DATA, 0xff);
	ck_assert(!i8259__output(pic));
	wr(M_DATA, 0xfb);
	ck_assert_int_eq(i8259__read_irq(pic), 0x38);
}
END_TEST

START_TEST(test_special_fully_nested)
{
	linux_init(false);
	wr(M_CMD, 0x11);
	wr(M_DATA, 0x30);
	wr(M_DATA, 0x04);
	wr(M_DATA, 0x11);		/* ICW4: SFNM */
	wr(M_DATA, 0xfb);
	wr(S_DATA, 0xfa);
	i8259__set_irq(pic, 10, 1);
	ck_assert_int_eq(i8259__read_irq(pic), 0x3a);
	/* Higher slave request nests although IRQ 2 is in service. */
	i8259__set_irq(pic, 8, 1);
	ck_assert(i8259__output(pic));
	ck_assert_int_eq(i8259__read_irq(pic), 0x38);
}
END_TEST

START_TEST(test_auto_eoi)
{
	linux_init(true);
	wr(M_DATA, 0x00);
	i8259__set_irq(pic, 0, 1);
	ck_assert_int_eq(i8259__read_irq(pic), 0x30);
	wr(M_CMD, 0x0b);
	ck_assert_uint_eq(rd(M_CMD), 0);	/* nothing in service */
	i8259__set_irq(pic, 0, 0);
	i8259__set_irq(pic, 0, 1);
	ck_assert_int_eq(i8259__read_irq(pic), 0x30);
	/* Rotate in AEOI mode: the acknowledged IRQ becomes the lowest. */
	wr(M_CMD, 0x80);
	i8259__set_irq(pic, 0, 0);
	i8259__set_irq(pic, 0, 1);
	i8259__set_irq(pic, 3, 1);
	ck_assert_int_eq(i8259__read_irq(pic), 0x30);
	i8259__set_irq(pic, 0, 0);
	i8259__set_irq(pic, 0, 1);
	ck_assert_int_eq(i8259__read_irq(pic), 0x33);
}
END_TEST

START_TEST(test_poll)
{
	linux_init(false);
	wr(M_DATA, 0x00);
	wr(M_CMD, 0x0c);
	ck_assert_uint_eq(rd(M_CMD), 0);	/* nothing pending */
	i8259__set_irq(pic, 6, 1);
	wr(M_CMD, 0x0c);
	ck_assert_uint_eq(rd(M_DATA), 0x86);	/* poll answers either port */
	ck_assert(!i8259__output(pic));
	wr(M_CMD, 0x0b);
	ck_assert_uint_eq(rd(M_CMD), 1 << 6);
	/* Only the next read is a poll. */
	ck_assert_uint_eq(rd(M_DATA), 0x00);
}
END_TEST

START_TEST(test_special_mask)
{
	linux_init(false);
	wr(M_DATA, 0x00);
	i8259__set_irq(pic, 1, 1);
	ck_assert_int_eq(i8259__read_irq(pic), 0x31);
	i8259__set_irq(pic, 4, 1);
	ck_assert(!i8259__output(pic));
	/* Special mask mode: masking the in-service IRQ 1 lets 4 through. */
	wr(M_CMD, 0x68);
	wr(M_DATA, 0x02);
	ck_assert(i8259__output(pic));
	wr(M_CMD, 0x48);		/* leave special mask mode */
	ck_assert(!i8259__output(pic));
}
END_TEST

START_TEST(test_no_request)
{
	linux_init(false);
	ck_assert_int_eq(i8259__read_irq(pic), -1);
	/* Out-of-range lines are ignored. */
	i8259__set_irq(pic, 16, 1);
	i8259__set_irq(pic, 1000, 1);
	ck_assert(!i8259__output(pic));
	ck_assert_int_eq(out_calls, 0);
}
END_TEST

START_TEST(test_save_restore)
{
	struct vm_device *dev = i8259__device(pic);
	struct snapshot *s = snapshot_new();
	struct kvm *kvm2;
	struct i8259 *pic2;

	linux_init(false);
	wr(0x4d1, 0x08);		/* IRQ 11 level */
	wr(M_DATA, 0x00);
	wr(S_DATA, 0x00);
	i8259__set_irq(pic, 3, 1);
	ck_assert_int_eq(i8259__read_irq(pic), 0x33);
	i8259__set_irq(pic, 11, 1);
	i8259__set_irq(pic, 5, 1);
	ck_assert(i8259__output(pic));
	ck_assert_int_eq(dev->ops->save(dev, s), 0);

	kvm2 = unit_kvm_new(0);
	pic2 = i8259__new(kvm2, NULL, NULL);
	ck_assert_int_eq(i8259__device(pic2)->ops->restore(i8259__device(pic2), s), 0);
	ck_assert(i8259__output(pic2));
	ck_assert_uint_eq(unit_bus_read(&kvm2->pio_bus, 0x4d1, 1), 0x08);
	/* Both continue identically. */
	ck_assert_int_eq(i8259__read_irq(pic2), 0x3b);
	ck_assert_int_eq(i8259__read_irq(pic), 0x3b);
	unit_bus_write(&kvm2->pio_bus, S_CMD, 1, 0x20);
	unit_bus_write(&kvm2->pio_bus, M_CMD, 1, 0x20);
	wr(S_CMD, 0x20);
	wr(M_CMD, 0x20);
	unit_bus_write(&kvm2->pio_bus, M_CMD, 1, 0x0b);
	wr(M_CMD, 0x0b);
	ck_assert_uint_eq(unit_bus_read(&kvm2->pio_bus, M_CMD, 1), rd(M_CMD));
	ck_assert_uint_eq(rd(M_CMD), 1 << 3);
	/* A line that was high stays high: no new edge. */
	i8259__set_irq(pic2, 5, 1);
	ck_assert_int_eq(i8259__read_irq(pic2), 0x3b);	/* level 11 again */
	i8259__free(pic2);
	unit_kvm_free(kvm2);
	snapshot_free(s);
}
END_TEST

START_TEST(test_reset_op)
{
	struct vm_device *dev = i8259__device(pic);

	linux_init(false);
	wr(0x4d0, 0x20);
	i8259__set_irq(pic, 5, 1);
	wr(M_DATA, 0x00);
	ck_assert(i8259__output(pic));
	dev->ops->reset(dev);
	ck_assert(!i8259__output(pic));
	ck_assert_uint_eq(rd(0x4d0), 0);
	ck_assert_uint_eq(rd(M_DATA), 0);
}
END_TEST

START_TEST(test_hostile)
{
	int i;

	srand(7);
	for (i = 0; i < 100000; i++) {
		u16 ports[] = { 0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1 };
		u16 port = ports[rand() % 6];

		if (rand() & 1)
			wr(port, rand());
		else
			rd(port);
		if (!(rand() % 4))
			i8259__set_irq(pic, rand() % 16, rand() & 1);
		if (!(rand() % 8))
			i8259__read_irq(pic);
	}
	/* Still a working PIC once lines are quiet and it is set up again. */
	for (i = 0; i < 16; i++)
		i8259__set_irq(pic, i, 0);
	wr(0x4d0, 0);
	wr(0x4d1, 0);
	linux_init(false);
	wr(M_DATA, 0x00);
	i8259__set_irq(pic, 7, 1);
	ck_assert_int_eq(i8259__read_irq(pic), 0x37);
}
END_TEST

static Suite *i8259_suite(void)
{
	Suite *s = suite_create("i8259");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_ports);
	tcase_add_test(tc, test_init_sequence);
	tcase_add_test(tc, test_single_no_icw4);
	tcase_add_test(tc, test_masking);
	tcase_add_test(tc, test_priority);
	tcase_add_test(tc, test_rotation);
	tcase_add_test(tc, test_edge_level);
	tcase_add_test(tc, test_cascade);
	tcase_add_test(tc, test_special_fully_nested);
	tcase_add_test(tc, test_auto_eoi);
	tcase_add_test(tc, test_poll);
	tcase_add_test(tc, test_special_mask);
	tcase_add_test(tc, test_no_request);
	tcase_add_test(tc, test_save_restore);
	tcase_add_test(tc, test_reset_op);
	tcase_add_test(tc, test_hostile);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(i8259_suite)
