// SPDX-License-Identifier: GPL-2.0
/* PL031 RTC: identification, counter, load, match interrupt, snapshot. */
#include <time.h>
#include <unistd.h>

#include "unit.h"
#include "kvm/devices.h"
#include "kvm/pl031.h"
#include "kvm/snapshot.h"

#define BASE	0x1010000ULL

static u32 rd(struct kvm *kvm, u32 off)
{
	return unit_bus_read(&kvm->mmio_bus, BASE + off, 4);
}

static void wr(struct kvm *kvm, u32 off, u32 v)
{
	unit_bus_write(&kvm->mmio_bus, BASE + off, 4, v);
}

START_TEST(ids)
{
	struct kvm *kvm = unit_kvm_new(0);
	u32 periph = 0, cell = 0;
	int i;

	ck_assert_ptr_nonnull(pl031__init(kvm, BASE, 1));
	for (i = 0; i < 4; i++) {
		periph |= (rd(kvm, 0xfe0 + 4 * i) & 0xff) << (8 * i);
		cell |= (rd(kvm, 0xff0 + 4 * i) & 0xff) << (8 * i);
	}
	/* What Linux's AMBA bus matches the pl031 driver against. */
	ck_assert_uint_eq(periph & 0x000fffff, 0x00041031);
	ck_assert_uint_eq(cell, 0xb105f00d);
	ck_assert_uint_eq(rd(kvm, 0x00c), 1);	/* started */
	unit_kvm_free(kvm);
}
END_TEST

START_TEST(counter_and_load)
{
	struct kvm *kvm = unit_kvm_new(0);
	u32 now = time(NULL), dr;

	ck_assert_ptr_nonnull(pl031__init(kvm, BASE, 1));
	dr = rd(kvm, 0x000);
	ck_assert_uint_ge(dr, now);
	ck_assert_uint_le(dr, now + 1);
	wr(kvm, 0x008, 1000);
	ck_assert_uint_eq(rd(kvm, 0x008), 1000);
	dr = rd(kvm, 0x000);
	ck_assert_uint_ge(dr, 1000);
	ck_assert_uint_le(dr, 1001);
	/* DR is read-only. */
	wr(kvm, 0x000, 5);
	ck_assert_uint_ge(rd(kvm, 0x000), 1000);
	/* Sub-word accesses are not decoded. */
	ck_assert_uint_eq(unit_bus_read(&kvm->mmio_bus, BASE + 0xfe0, 1), 0);
	unit_kvm_free(kvm);
}
END_TEST

START_TEST(match_interrupt)
{
	struct kvm *kvm = unit_kvm_new(0);
	struct pl031 *r = pl031__init(kvm, BASE, 1);
	u32 dr;
	int i;

	ck_assert_ptr_nonnull(r);
	wr(kvm, 0x010, 1);				/* IMSC */
	dr = rd(kvm, 0x000);
	wr(kvm, 0x004, dr + 1);				/* MR */
	ck_assert_uint_eq(rd(kvm, 0x004), dr + 1);
	for (i = 0; i < 300 && !(rd(kvm, 0x014) & 1); i++)
		usleep(10000);
	ck_assert_uint_eq(rd(kvm, 0x014), 1);		/* RIS */
	ck_assert_uint_eq(rd(kvm, 0x018), 1);		/* MIS */
	ck_assert(pl031__irq_level(r));
	wr(kvm, 0x010, 0);				/* masked: line drops */
	ck_assert(!pl031__irq_level(r));
	ck_assert_uint_eq(rd(kvm, 0x018), 0);
	ck_assert_uint_eq(rd(kvm, 0x014), 1);
	wr(kvm, 0x010, 1);
	ck_assert(pl031__irq_level(r));
	wr(kvm, 0x01c, 1);				/* ICR */
	ck_assert_uint_eq(rd(kvm, 0x014), 0);
	ck_assert(!pl031__irq_level(r));

	/* A match at the current second fires at once. */
	wr(kvm, 0x004, rd(kvm, 0x000));
	for (i = 0; i < 100 && !(rd(kvm, 0x014) & 1); i++)
		usleep(10000);
	ck_assert_uint_eq(rd(kvm, 0x014), 1);
	unit_kvm_free(kvm);
}
END_TEST

START_TEST(snapshot)
{
	struct kvm *kvm = unit_kvm_new(0), *kvm2 = unit_kvm_new(0);
	struct snapshot *snap = snapshot_new();
	struct vm_device *dev;
	struct pl031 *r2;

	ck_assert_ptr_nonnull(pl031__init(kvm, BASE, 1));
	wr(kvm, 0x008, 5000);
	wr(kvm, 0x004, 123);
	wr(kvm, 0x010, 1);
	dev = list_entry(kvm->devices.next, struct vm_device, list);
	ck_assert_int_eq(dev->ops->save(dev, snap), 0);

	r2 = pl031__init(kvm2, BASE, 1);
	ck_assert_ptr_nonnull(r2);
	dev = list_entry(kvm2->devices.next, struct vm_device, list);
	ck_assert_int_eq(dev->ops->restore(dev, snap), 0);
	ck_assert_uint_eq(rd(kvm2, 0x004), 123);
	ck_assert_uint_eq(rd(kvm2, 0x008), 5000);
	ck_assert_uint_eq(rd(kvm2, 0x010), 1);
	ck_assert_uint_ge(rd(kvm2, 0x000), 5000);
	ck_assert_uint_le(rd(kvm2, 0x000), 5002);

	/* Reset keeps the time, drops the alarm. */
	dev->ops->reset(dev);
	ck_assert_uint_eq(rd(kvm2, 0x010), 0);
	ck_assert_uint_ge(rd(kvm2, 0x000), 5000);
	snapshot_free(snap);
	unit_kvm_free(kvm);
	unit_kvm_free(kvm2);
}
END_TEST

static Suite *pl031_suite(void)
{
	Suite *s = suite_create("pl031");
	TCase *tc = tcase_create("pl031");

	tcase_add_test(tc, ids);
	tcase_add_test(tc, counter_and_load);
	tcase_add_test(tc, match_interrupt);
	tcase_add_test(tc, snapshot);
	tcase_set_timeout(tc, 20);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(pl031_suite)
