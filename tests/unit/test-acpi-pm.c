// SPDX-License-Identifier: GPL-2.0
/* ACPI PM1a event/control blocks and PM timer. */
#include <unistd.h>

#include "unit.h"
#include "kvm/acpi-pm.h"
#include "kvm/devices.h"
#include "kvm/snapshot.h"

#define BASE	X86_ACPI_PM_BASE
#define STS	(BASE + ACPI_PM1_STS_OFFSET)
#define EN	(BASE + ACPI_PM1_EN_OFFSET)
#define CNT	(BASE + ACPI_PM1_CNT_OFFSET)
#define TMR	(BASE + ACPI_PM_TMR_OFFSET)

static struct kvm *kvm;

static u32 rd(u64 port, u32 len)
{
	return unit_bus_read(&kvm->pio_bus, port, len);
}

static void wr(u64 port, u32 len, u32 v)
{
	unit_bus_write(&kvm->pio_bus, port, len, v);
}

static struct vm_device *find_dev(struct kvm *k, const char *name)
{
	struct vm_device *dev;

	list_for_each_entry(dev, &k->devices, list)
		if (!strcmp(dev->name, name))
			return dev;
	return NULL;
}

static int exit_reason(void)
{
	return atomic_load(&kvm->exit_reason);
}

static void setup(void)
{
	kvm = unit_kvm_new(0);
	ck_assert_int_eq(acpi_pm__init(kvm, BASE), 0);
}

static void teardown(void)
{
	unit_kvm_free(kvm);
}

START_TEST(test_layout)
{
	ck_assert_int_eq(X86_ACPI_PM_CNT, CNT);
	ck_assert_int_eq(ACPI_PM1_CNT_POWEROFF, 0x3400);
	ck_assert_ptr_nonnull(bus_lookup(&kvm->pio_bus, BASE));
	ck_assert_ptr_nonnull(bus_lookup(&kvm->pio_bus, BASE + 11));
	ck_assert_ptr_null(bus_lookup(&kvm->pio_bus, BASE + 12));
	ck_assert_ptr_nonnull(find_dev(kvm, "acpi-pm"));
}
END_TEST

START_TEST(test_poweroff)
{
	ck_assert_int_eq(exit_reason(), VM_EXIT_NONE);
	wr(CNT, 2, 0x3400);
	ck_assert_int_eq(exit_reason(), VM_EXIT_POWEROFF);
	ck_assert_int_eq(atomic_load(&kvm->stop), 1);
}
END_TEST

START_TEST(test_poweroff_byte)
{
	wr(CNT, 1, 0x00);
	ck_assert_int_eq(exit_reason(), VM_EXIT_NONE);
	wr(CNT + 1, 1, 0x34);
	ck_assert_int_eq(exit_reason(), VM_EXIT_POWEROFF);
}
END_TEST

START_TEST(test_poweroff_dword)
{
	/* 32-bit writes: STS+EN, then CNT plus the reserved bytes. */
	wr(STS, 4, 0x00000000);
	ck_assert_int_eq(exit_reason(), VM_EXIT_NONE);
	wr(CNT, 4, 0x00003401);
	ck_assert_int_eq(exit_reason(), VM_EXIT_POWEROFF);
}
END_TEST

/* Linux's acpi_hw_legacy_sleep: SLP_TYP first, then SLP_TYP | SLP_EN. */
START_TEST(test_linux_s5_sequence)
{
	u16 cnt = rd(CNT, 2);

	cnt &= ~(ACPI_PM1_SLP_TYP_MASK | ACPI_PM1_SLP_EN);
	cnt |= ACPI_PM_SLP_TYP_S5 << ACPI_PM1_SLP_TYP_SHIFT;
	wr(CNT, 2, cnt);
	ck_assert_int_eq(exit_reason(), VM_EXIT_NONE);
	ck_assert_uint_eq(rd(CNT, 2), 0x1401);
	wr(CNT, 2, cnt | ACPI_PM1_SLP_EN);
	ck_assert_int_eq(exit_reason(), VM_EXIT_POWEROFF);
}
END_TEST

START_TEST(test_other_sleep_ignored)
{
	int typ;

	for (typ = 0; typ < 8; typ++) {
		if (typ == ACPI_PM_SLP_TYP_S5)
			continue;
		wr(CNT, 2, typ << 10 | ACPI_PM1_SLP_EN);
		ck_assert_int_eq(exit_reason(), VM_EXIT_NONE);
		/* SLP_EN reads 0, SLP_TYP sticks, SCI_EN reads 1. */
		ck_assert_uint_eq(rd(CNT, 2), (u32)(typ << 10 | 1));
	}
}
END_TEST

START_TEST(test_sci_en)
{
	ck_assert_uint_eq(rd(CNT, 2), 0x0001);
	wr(CNT, 2, 0x0000);
	ck_assert_uint_eq(rd(CNT, 2) & 1, 1);
	wr(CNT, 2, 0x0006);		/* BM_RLS sticks, GBL_RLS does not */
	ck_assert_uint_eq(rd(CNT, 2), 0x0003);
	ck_assert_uint_eq(rd(CNT + 2, 2), 0);	/* reserved */
}
END_TEST

START_TEST(test_status_enable)
{
	ck_assert_uint_eq(rd(EN, 2), 0);
	wr(EN, 2, 0x0521);
	ck_assert_uint_eq(rd(EN, 2), 0x0521);
	wr(EN + 1, 1, 0x01);
	ck_assert_uint_eq(rd(EN, 2), 0x0121);
	/* Status is write-1-to-clear: writing sets nothing. */
	wr(STS, 2, 0xffff);
	ck_assert_uint_eq(rd(STS, 2) & ~ACPI_PM1_TMR_STS, 0);
	ck_assert_uint_eq(rd(STS, 2), 0);
	ck_assert_uint_eq(rd(BASE, 4), 0x01210000);
}
END_TEST

START_TEST(test_timer)
{
	u32 t0, t1, i, prev, d;

	t0 = rd(TMR, 4);
	usleep(10000);
	t1 = rd(TMR, 4);
	ck_assert_uint_eq(t0 >> 24, 0);
	ck_assert_uint_eq(t1 >> 24, 0);
	d = (t1 - t0) & 0xffffff;
	/* 10 ms is 35795 ticks; allow a slow host, not a stopped timer. */
	ck_assert_uint_ge(d, 35000);
	ck_assert_uint_lt(d, 3579545 * 2);
	/* Monotonic, modulo the 24-bit wrap. */
	prev = rd(TMR, 4);
	for (i = 0; i < 10000; i++) {
		u32 t = rd(TMR, 4);

		ck_assert_uint_lt((t - prev) & 0xffffff, 3579545);
		prev = t;
	}
	/* Read-only. */
	wr(TMR, 4, 0);
	t1 = rd(TMR, 4);
	ck_assert_uint_lt((t1 - prev) & 0xffffff, 3579545);
	/* Byte reads of the timer work too. */
	ck_assert_uint_eq(rd(TMR + 3, 1), 0);
}
END_TEST

START_TEST(test_save_restore)
{
	struct kvm *k2 = unit_kvm_new(0);
	struct snapshot *snap = snapshot_new();
	struct vm_device *dev;
	u32 t0, t1;

	wr(EN, 2, 0x0120);
	wr(CNT, 2, 0x0c02);		/* SLP_TYP 3, BM_RLS */
	dev = find_dev(kvm, "acpi-pm");
	t0 = rd(TMR, 4);
	ck_assert_int_eq(dev->ops->save(dev, snap), 0);

	usleep(300000);
	ck_assert_int_eq(acpi_pm__init(k2, BASE), 0);
	dev = find_dev(k2, "acpi-pm");
	ck_assert_int_eq(dev->ops->restore(dev, snap), 0);
	snapshot_free(snap);

	ck_assert_uint_eq(unit_bus_read(&k2->pio_bus, EN, 2), 0x0120);
	ck_assert_uint_eq(unit_bus_read(&k2->pio_bus, CNT, 2), 0x0c03);
	/* The timer continues from the saved value, not from "now". */
	t1 = unit_bus_read(&k2->pio_bus, TMR, 4);
	ck_assert_uint_lt((t1 - t0) & 0xffffff, 3579545 / 10);
	unit_kvm_free(k2);
}
END_TEST

START_TEST(test_reset_op)
{
	struct vm_device *dev = find_dev(kvm, "acpi-pm");

	wr(EN, 2, 0xffff);
	wr(CNT, 2, 0x1c02);
	dev->ops->reset(dev);
	ck_assert_uint_eq(rd(EN, 2), 0);
	ck_assert_uint_eq(rd(CNT, 2), 1);
	ck_assert_int_eq(exit_reason(), VM_EXIT_NONE);
}
END_TEST

START_TEST(test_hostile)
{
	const struct bus_range *r = bus_lookup(&kvm->pio_bus, BASE);
	u8 d[16];
	int i, j;

	ck_assert_ptr_nonnull(r);
	bus_dispatch(&kvm->pio_bus, NULL, BASE, d, 0, false);
	bus_dispatch(&kvm->pio_bus, NULL, BASE, d, 0, true);
	ck_assert(!bus_dispatch(&kvm->pio_bus, NULL, BASE + 10, d, 4, false));
	/* Odd widths and alignments inside the block. */
	wr(EN, 2, 0x1234);
	ck_assert_uint_eq(rd(EN - 1, 3) >> 8, 0x1234);
	memset(d, 0, sizeof(d));
	r->fn(NULL, 9, d, 8, false, r->opaque);
	ck_assert_uint_eq(d[2], 0);	/* timer bits 31:24 */
	ck_assert_uint_eq(d[3], 0xff);
	ck_assert_uint_eq(d[7], 0xff);
	r->fn(NULL, 200, d, 8, false, r->opaque);
	ck_assert_uint_eq(d[0], 0xff);
	r->fn(NULL, UINT64_MAX, d, 16, false, r->opaque);
	ck_assert_uint_eq(d[15], 0xff);
	r->fn(NULL, UINT64_MAX - 1, d, 16, true, r->opaque);
	r->fn(NULL, 8, d, 8, true, r->opaque);
	ck_assert_int_eq(exit_reason(), VM_EXIT_NONE);

	/* Random writes that leave SLP_EN alone. */
	srand(4);
	for (i = 0; i < 100000; i++) {
		u32 off = rand() % 14, len = rand() % 9;

		for (j = 0; j < 16; j++)
			d[j] = rand();
		for (j = 0; j < (int)len; j++)
			if (off + j == ACPI_PM1_CNT_OFFSET + 1)
				d[j] &= ~0x20;
		r->fn(NULL, off, d, len, rand() & 1, r->opaque);
	}
	ck_assert_int_eq(exit_reason(), VM_EXIT_NONE);
	ck_assert_uint_eq(rd(CNT, 2) & 0xe3f9, 1);
}
END_TEST

static Suite *acpi_pm_suite(void)
{
	Suite *s = suite_create("acpi-pm");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_layout);
	tcase_add_test(tc, test_poweroff);
	tcase_add_test(tc, test_poweroff_byte);
	tcase_add_test(tc, test_poweroff_dword);
	tcase_add_test(tc, test_linux_s5_sequence);
	tcase_add_test(tc, test_other_sleep_ignored);
	tcase_add_test(tc, test_sci_en);
	tcase_add_test(tc, test_status_enable);
	tcase_add_test(tc, test_timer);
	tcase_add_test(tc, test_save_restore);
	tcase_add_test(tc, test_reset_op);
	tcase_add_test(tc, test_hostile);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(acpi_pm_suite)
