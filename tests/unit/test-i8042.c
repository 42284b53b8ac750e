// SPDX-License-Identifier: GPL-2.0
/* i8042 keyboard controller, keyboard and mouse. */
#include "unit.h"
#include "kvm/devices.h"
#include "kvm/i8042.h"
#include "kvm/snapshot.h"

#define STR_OBF		0x01
#define STR_SYS		0x04
#define STR_CMD		0x08
#define STR_AUXDATA	0x20

static struct kvm *kvm;

static u8 status_on(struct kvm *k)
{
	return unit_bus_read(&k->pio_bus, I8042_COMMAND_PORT, 1);
}

static u8 data_on(struct kvm *k)
{
	return unit_bus_read(&k->pio_bus, I8042_DATA_PORT, 1);
}

static u8 status(void)
{
	return status_on(kvm);
}

static u8 data(void)
{
	return data_on(kvm);
}

static void cmd(u8 v)
{
	unit_bus_write(&kvm->pio_bus, I8042_COMMAND_PORT, 1, v);
}

static void dw(u8 v)
{
	unit_bus_write(&kvm->pio_bus, I8042_DATA_PORT, 1, v);
}

static struct vm_device *find_dev(struct kvm *k, const char *name)
{
	struct vm_device *dev;

	list_for_each_entry(dev, &k->devices, list)
		if (!strcmp(dev->name, name))
			return dev;
	return NULL;
}

/* The output buffer must hold exactly @n bytes from the given port. */
static void expect(bool aux, int n, const u8 *bytes)
{
	int i;

	for (i = 0; i < n; i++) {
		u8 st = status();

		ck_assert_msg(st & STR_OBF, "byte %d (0x%02x) missing", i,
			      bytes[i]);
		ck_assert_uint_eq(!!(st & STR_AUXDATA), aux);
		ck_assert_uint_eq(data(), bytes[i]);
	}
	ck_assert_uint_eq(status() & STR_OBF, 0);
}

#define EXPECT_KBD(...)	do {						\
	const u8 __b[] = { __VA_ARGS__ };				\
	expect(false, sizeof(__b), __b);				\
} while (0)
#define EXPECT_AUX(...)	do {						\
	const u8 __b[] = { __VA_ARGS__ };				\
	expect(true, sizeof(__b), __b);					\
} while (0)

static void setup(void)
{
	kvm = unit_kvm_new(0);
	ck_assert_int_eq(i8042__init(kvm), 0);
}

static void teardown(void)
{
	unit_kvm_free(kvm);
}

START_TEST(test_power_on)
{
	ck_assert_uint_eq(status() & (STR_OBF | 0x02), 0);
	ck_assert(status() & STR_SYS);
	ck_assert(!i8042__irq_level(kvm, I8042_KBD_IRQ));
	ck_assert(!i8042__irq_level(kvm, I8042_AUX_IRQ));
	ck_assert_ptr_nonnull(find_dev(kvm, "i8042"));
	/* Port 0x61 and friends are not ours. */
	ck_assert_ptr_null(bus_lookup(&kvm->pio_bus, 0x61));
	ck_assert_int_ne(i8042__init(kvm), 0);	/* ports taken */
}
END_TEST

START_TEST(test_self_test)
{
	cmd(0xaa);
	ck_assert(status() & STR_CMD);
	EXPECT_KBD(0x55);
	cmd(0xa9);
	EXPECT_KBD(0x00);
	cmd(0xab);
	EXPECT_KBD(0x00);
	cmd(0xa4);
	EXPECT_KBD(0xf1);
}
END_TEST

START_TEST(test_command_byte)
{
	cmd(0x20);
	EXPECT_KBD(0x47);
	cmd(0x60);
	dw(0x65);
	ck_assert_uint_eq(status() & STR_CMD, 0);
	cmd(0x20);
	EXPECT_KBD(0x65);
	/* Other RAM bytes. */
	cmd(0x7f);
	dw(0x12);
	cmd(0x3f);
	EXPECT_KBD(0x12);
	/* Port enable/disable commands edit the command byte. */
	cmd(0x60);
	dw(0x07);
	cmd(0xa7);
	cmd(0xad);
	cmd(0x20);
	EXPECT_KBD(0x37);
	cmd(0xa8);
	cmd(0xae);
	cmd(0x20);
	EXPECT_KBD(0x07);
	/* The SYS flag follows the command byte. */
	cmd(0x60);
	dw(0x00);
	ck_assert_uint_eq(status() & STR_SYS, 0);
	cmd(0xaa);
	EXPECT_KBD(0x55);
	ck_assert(status() & STR_SYS);
}
END_TEST

START_TEST(test_reset_fe)
{
	cmd(0xff);			/* pulse nothing */
	ck_assert_int_eq(atomic_load(&kvm->exit_reason), VM_EXIT_NONE);
	cmd(0xfe);
	ck_assert_int_eq(atomic_load(&kvm->exit_reason), VM_EXIT_RESET);
	ck_assert_int_eq(atomic_load(&kvm->stop), 1);
}
END_TEST

START_TEST(test_reset_pulse)
{
	cmd(0xfd);			/* bit 0 set: no reset */
	ck_assert_int_eq(atomic_load(&kvm->exit_reason), VM_EXIT_NONE);
	cmd(0xf0);
	ck_assert_int_eq(atomic_load(&kvm->exit_reason), VM_EXIT_RESET);
}
END_TEST

START_TEST(test_output_port)
{
	cmd(0xd0);
	EXPECT_KBD(0x03);
	cmd(0xd1);
	dw(0x01);			/* A20 off, no reset */
	ck_assert_int_eq(atomic_load(&kvm->exit_reason), VM_EXIT_NONE);
	cmd(0xd0);
	EXPECT_KBD(0x01);
	cmd(0xd1);
	dw(0x02);
	ck_assert_int_eq(atomic_load(&kvm->exit_reason), VM_EXIT_RESET);
}
END_TEST

START_TEST(test_keyboard)
{
	dw(0xff);
	EXPECT_KBD(0xfa, 0xaa);
	dw(0xf2);
	EXPECT_KBD(0xfa, 0xab, 0x41);	/* translated */
	dw(0xed);
	EXPECT_KBD(0xfa);
	dw(0x07);
	EXPECT_KBD(0xfa);
	dw(0xf3);
	dw(0x20);
	EXPECT_KBD(0xfa, 0xfa);
	dw(0xf5);
	dw(0xf6);
	dw(0xf4);
	EXPECT_KBD(0xfa, 0xfa, 0xfa);
	dw(0xee);
	EXPECT_KBD(0xee);
	dw(0xf0);
	dw(0x00);
	EXPECT_KBD(0xfa, 0xfa, 0x41);
	dw(0x01);			/* not a command */
	EXPECT_KBD(0xfe);
	dw(0xfe);			/* resend */
	EXPECT_KBD(0xfe);
	/* A command where an argument was expected starts over. */
	dw(0xed);
	dw(0xf2);
	EXPECT_KBD(0xfa, 0xfa, 0xab, 0x41);

	/* Untranslated. */
	cmd(0x60);
	dw(0x07);
	dw(0xf2);
	EXPECT_KBD(0xfa, 0xab, 0x83);
	dw(0xf0);
	dw(0x03);
	dw(0xf0);
	dw(0x00);
	EXPECT_KBD(0xfa, 0xfa, 0xfa, 0xfa, 0x03);
}
END_TEST

START_TEST(test_kbd_irq)
{
	dw(0xff);
	ck_assert(i8042__irq_level(kvm, I8042_KBD_IRQ));
	ck_assert(!i8042__irq_level(kvm, I8042_AUX_IRQ));
	ck_assert_uint_eq(data(), 0xfa);
	/* The next byte comes as a new interrupt. */
	ck_assert(i8042__irq_level(kvm, I8042_KBD_IRQ));
	ck_assert_uint_eq(data(), 0xaa);
	ck_assert(!i8042__irq_level(kvm, I8042_KBD_IRQ));
	/* Reading an empty buffer repeats the last byte. */
	ck_assert_uint_eq(data(), 0xaa);

	/* No interrupt while the command byte disables it ... */
	cmd(0x60);
	dw(0x46);
	dw(0xf4);
	ck_assert(!i8042__irq_level(kvm, I8042_KBD_IRQ));
	ck_assert(status() & STR_OBF);
	/* ... and one as soon as it is enabled with data waiting. */
	cmd(0x60);
	dw(0x47);
	ck_assert(i8042__irq_level(kvm, I8042_KBD_IRQ));
	EXPECT_KBD(0xfa);
	ck_assert(!i8042__irq_level(kvm, I8042_KBD_IRQ));
}
END_TEST

START_TEST(test_aux_loop_irq)
{
	cmd(0xd3);
	dw(0xa5);
	ck_assert(i8042__irq_level(kvm, I8042_AUX_IRQ));
	ck_assert(!i8042__irq_level(kvm, I8042_KBD_IRQ));
	EXPECT_AUX(0xa5);
	ck_assert(!i8042__irq_level(kvm, I8042_AUX_IRQ));
	cmd(0xd2);
	dw(0x5a);
	ck_assert(i8042__irq_level(kvm, I8042_KBD_IRQ));
	EXPECT_KBD(0x5a);
}
END_TEST

START_TEST(test_mouse)
{
	cmd(0xd4);
	dw(0xff);
	EXPECT_AUX(0xfa, 0xaa, 0x00);
	cmd(0xd4);
	dw(0xf2);
	EXPECT_AUX(0xfa, 0x00);
	cmd(0xd4);
	dw(0xe9);
	EXPECT_AUX(0xfa, 0x00, 0x02, 100);
	cmd(0xd4);
	dw(0xf3);
	cmd(0xd4);
	dw(200);
	cmd(0xd4);
	dw(0xe8);
	cmd(0xd4);
	dw(0x03);
	cmd(0xd4);
	dw(0xe7);
	cmd(0xd4);
	dw(0xf4);
	EXPECT_AUX(0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa);
	cmd(0xd4);
	dw(0xe9);
	EXPECT_AUX(0xfa, 0x30, 0x03, 200);
	cmd(0xd4);
	dw(0xeb);
	EXPECT_AUX(0xfa, 0x08, 0x00, 0x00);
	/* Wrap mode echoes until reset-wrap. */
	cmd(0xd4);
	dw(0xee);
	cmd(0xd4);
	dw(0x12);
	cmd(0xd4);
	dw(0xec);
	cmd(0xd4);
	dw(0x12);
	EXPECT_AUX(0xfa, 0x12, 0xfa, 0xfe);
	cmd(0xd4);
	dw(0xf6);
	cmd(0xd4);
	dw(0xe9);
	EXPECT_AUX(0xfa, 0xfa, 0x00, 0x02, 100);
}
END_TEST

/* What Linux's i8042 driver does when it probes, in order. */
START_TEST(test_linux_probe)
{
	u8 ctr;

	/* i8042_controller_check: flush finds no data. */
	ck_assert_uint_eq(status() & STR_OBF, 0);
	/* i8042_controller_selftest */
	cmd(0xaa);
	EXPECT_KBD(0x55);
	/* i8042_controller_init: two equal CTR reads, then a write. */
	cmd(0x20);
	EXPECT_KBD(0x47);
	cmd(0x20);
	EXPECT_KBD(0x47);
	ctr = (0x47 & ~0x03) | 0x30;
	cmd(0x60);
	dw(ctr);
	/* i8042_check_aux: loopback, then the bit assignment test. */
	cmd(0xd3);
	dw(0x5a);
	EXPECT_AUX(0x5a);
	cmd(0xa7);
	cmd(0x20);
	EXPECT_KBD(ctr);
	cmd(0xa8);
	cmd(0x20);
	EXPECT_KBD(ctr & ~0x20);
	/* The AUX IRQ test: interrupt with AUXDATA set. */
	cmd(0x60);
	dw((ctr & ~0x20) | 0x02);
	cmd(0xd3);
	dw(0xa5);
	ck_assert(i8042__irq_level(kvm, I8042_AUX_IRQ));
	EXPECT_AUX(0xa5);
	/* i8042_check_mux: the third byte echoed means "no MUX". */
	cmd(0xd3);
	dw(0xf0);
	EXPECT_AUX(0xf0);
	cmd(0xd3);
	dw(0x56);
	EXPECT_AUX(0x56);
	cmd(0xd3);
	dw(0xa4);
	EXPECT_AUX(0xa4);
	/* atkbd: GETID; psmouse: GETID then reset-disable. */
	dw(0xf2);
	EXPECT_KBD(0xfa, 0xab, 0x41);
	cmd(0xd4);
	dw(0xf2);
	EXPECT_AUX(0xfa, 0x00);
	cmd(0xd4);
	dw(0xf6);
	EXPECT_AUX(0xfa);
	ck_assert_int_eq(atomic_load(&kvm->exit_reason), VM_EXIT_NONE);
}
END_TEST

START_TEST(test_save_restore)
{
	struct kvm *k2 = unit_kvm_new(0);
	struct snapshot *snap = snapshot_new();
	struct vm_device *dev, *dev2;
	int i;

	cmd(0x60);
	dw(0x45);
	cmd(0x7e);
	dw(0x99);
	cmd(0xd4);
	dw(0xf3);
	cmd(0xd4);
	dw(40);
	cmd(0xd4);
	dw(0xe9);
	dw(0xf2);
	cmd(0xd1);			/* pending data byte */

	dev = find_dev(kvm, "i8042");
	ck_assert_int_eq(dev->ops->save(dev, snap), 0);
	ck_assert_int_eq(i8042__init(k2), 0);
	dev2 = find_dev(k2, "i8042");
	ck_assert_int_eq(dev2->ops->restore(dev2, snap), 0);
	snapshot_free(snap);

	ck_assert_int_eq(i8042__irq_level(k2, I8042_AUX_IRQ),
			 i8042__irq_level(kvm, I8042_AUX_IRQ));
	for (i = 0; i < 10; i++) {
		ck_assert_uint_eq(status_on(k2), status());
		ck_assert_uint_eq(data_on(k2), data());
	}
	/* The pending output-port write survived. */
	unit_bus_write(&k2->pio_bus, I8042_DATA_PORT, 1, 0x00);
	ck_assert_int_eq(atomic_load(&k2->exit_reason), VM_EXIT_RESET);
	unit_bus_write(&k2->pio_bus, I8042_COMMAND_PORT, 1, 0x3e);
	ck_assert_uint_eq(data_on(k2), 0x99);
	unit_kvm_free(k2);
}
END_TEST

START_TEST(test_reset_op)
{
	struct vm_device *dev = find_dev(kvm, "i8042");

	cmd(0x60);
	dw(0x00);
	dw(0xff);
	cmd(0xd3);
	dw(0x11);
	cmd(0x60);
	dw(0x03);
	ck_assert(i8042__irq_level(kvm, I8042_KBD_IRQ));
	dev->ops->reset(dev);
	ck_assert(!i8042__irq_level(kvm, I8042_KBD_IRQ));
	ck_assert_uint_eq(status() & STR_OBF, 0);
	cmd(0x20);
	EXPECT_KBD(0x47);
}
END_TEST

START_TEST(test_hostile)
{
	const struct bus_range *rd = bus_lookup(&kvm->pio_bus, 0x60);
	const struct bus_range *rc = bus_lookup(&kvm->pio_bus, 0x64);
	u8 d[8];
	int i, j;

	ck_assert_ptr_nonnull(rd);
	ck_assert_ptr_nonnull(rc);
	/* Wider accesses never reach it through the bus ... */
	ck_assert(!bus_dispatch(&kvm->pio_bus, NULL, 0x60, d, 2, false));
	ck_assert(!bus_dispatch(&kvm->pio_bus, NULL, 0x63, d, 4, false));
	/* ... and are harmless if they do. */
	cmd(0xaa);
	memset(d, 0, sizeof(d));
	rc->fn(NULL, 0, d, 8, false, rc->opaque);
	ck_assert_uint_eq(d[0] & STR_OBF, STR_OBF);
	ck_assert_uint_eq(d[7], 0xff);
	rd->fn(NULL, 0, d, 0, false, rd->opaque);
	rd->fn(NULL, 0, d, 0, true, rd->opaque);
	rd->fn(NULL, 5, d, 8, false, rd->opaque);
	ck_assert_uint_eq(d[0], 0xff);
	rd->fn(NULL, 5, d, 8, true, rd->opaque);
	rd->fn(NULL, 0, d, 3, false, rd->opaque);
	ck_assert_uint_eq(d[0], 0x55);
	ck_assert_uint_eq(d[2], 0xff);

	/* Random bytes to both ports: bounded queue, no crash. */
	srand(2);
	for (i = 0; i < 200000; i++) {
		const struct bus_range *r = rand() & 1 ? rd : rc;

		for (j = 0; j < 8; j++)
			d[j] = rand();
		r->fn(NULL, rand() % 3 == 0, d, rand() % 9, rand() & 1,
		      r->opaque);
	}
	for (i = 0; i < 64 && (status() & STR_OBF); i++)
		data();
	ck_assert_int_le(i, 16);
	ck_assert_uint_eq(status() & STR_OBF, 0);
}
END_TEST

static Suite *i8042_suite(void)
{
	Suite *s = suite_create("i8042");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_power_on);
	tcase_add_test(tc, test_self_test);
	tcase_add_test(tc, test_command_byte);
	tcase_add_test(tc, test_reset_fe);
	tcase_add_test(tc, test_reset_pulse);
	tcase_add_test(tc, test_output_port);
	tcase_add_test(tc, test_keyboard);
	tcase_add_test(tc, test_kbd_irq);
	tcase_add_test(tc, test_aux_loop_irq);
	tcase_add_test(tc, test_mouse);
	tcase_add_test(tc, test_linux_probe);
	tcase_add_test(tc, test_save_restore);
	tcase_add_test(tc, test_reset_op);
	tcase_add_test(tc, test_hostile);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(i8042_suite)
