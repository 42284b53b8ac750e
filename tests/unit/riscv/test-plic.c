// SPDX-License-Identifier: GPL-2.0
/*
 * The PLIC (hw/plic.c) as riscv64 guests program it, tested on any host:
 * priorities, pending bits, per-context enables and thresholds, claim and
 * complete with level-triggered lines, the outputs each context reports,
 * bad accesses, and save/restore.
 */
#include "unit.h"
#include "kvm/plic.h"
#include "kvm/snapshot.h"

#define BASE		0x0c000000ULL
#define NR_SRC		64
#define NR_CTX		2

struct outputs {
	bool	level[NR_CTX];
	int	calls;
};

static void record(void *opaque, u32 ctx, bool level)
{
	struct outputs *o = opaque;

	ck_assert_uint_lt(ctx, NR_CTX);
	o->level[ctx] = level;
	o->calls++;
}

static struct kvm *kvm;
static struct plic *plic;
static struct outputs outs;

static u32 rd(u64 off)
{
	return unit_bus_read(&kvm->mmio_bus, BASE + off, 4);
}

static void wr(u64 off, u32 v)
{
	u8 d[4] = { v, v >> 8, v >> 16, v >> 24 };

	bus_dispatch(&kvm->mmio_bus, NULL, BASE + off, d, 4, true);
}

#define PRIO(id)	(PLIC_PRIORITY_BASE + 4 * (id))
#define PEND(w)		(PLIC_PENDING_BASE + 4 * (w))
#define EN(c, w)	(PLIC_ENABLE_BASE + PLIC_ENABLE_STRIDE * (c) + 4 * (w))
#define THR(c)		(PLIC_CONTEXT_BASE + PLIC_CONTEXT_STRIDE * (c))
#define CLAIM(c)	(THR(c) + PLIC_CONTEXT_CLAIM)

/* The PLIC's vm_device: the only device of its VM. */
static struct vm_device *plic_dev(struct kvm *k)
{
	return list_entry(k->devices.next, struct vm_device, list);
}

static void setup(void)
{
	memset(&outs, 0, sizeof(outs));
	kvm = unit_kvm_new(0);
	plic = plic__init(kvm, &kvm->mmio_bus, BASE, NR_SRC, NR_CTX, record,
			  &outs, "plic");
	ck_assert_ptr_nonnull(plic);
}

static void teardown(void)
{
	unit_kvm_free(kvm);
}

START_TEST(priorities_are_warl)
{
	wr(PRIO(5), 0xffffffff);
	ck_assert_uint_eq(rd(PRIO(5)), PLIC_MAX_PRIORITY);
	wr(PRIO(0), 3);
	ck_assert_uint_eq(rd(PRIO(0)), 0);
	wr(PRIO(NR_SRC + 3), 3);	/* beyond the sources: nothing */
	ck_assert_uint_eq(rd(PRIO(NR_SRC + 3)), 0);
	wr(EN(0, 0), 0xffffffff);	/* source 0 cannot be enabled */
	ck_assert_uint_eq(rd(EN(0, 0)), 0xfffffffe);
	wr(THR(1), 0xff);
	ck_assert_uint_eq(rd(THR(1)), PLIC_MAX_PRIORITY);
	ck_assert_uint_eq(rd(EN(NR_CTX, 0)), 0);	/* no such context */
	ck_assert_uint_eq(rd(CLAIM(NR_CTX)), 0xffffffff);	/* not decoded */
}
END_TEST

START_TEST(level_enable_priority_threshold)
{
	ck_assert_int_eq(plic__set_irq(plic, 5, true), 0);
	ck_assert_uint_eq(rd(PEND(0)), 1U << 5);
	ck_assert(!outs.level[0]);		/* not enabled */
	wr(EN(0, 0), 1U << 5);
	ck_assert(!outs.level[0]);		/* priority 0: never */
	wr(PRIO(5), 1);
	ck_assert(outs.level[0]);
	ck_assert(!outs.level[1]);		/* context 1 has it disabled */
	wr(THR(0), 1);				/* priority must exceed it */
	ck_assert(!outs.level[0]);
	wr(THR(0), 0);
	ck_assert(outs.level[0]);
	/* Pending follows the line while the source is not in service. */
	plic__set_irq(plic, 5, false);
	ck_assert_uint_eq(rd(PEND(0)), 0);
	ck_assert(!outs.level[0]);
	ck_assert_int_eq(plic__set_irq(plic, 0, true), -EINVAL);
	ck_assert_int_eq(plic__set_irq(plic, NR_SRC, true), -EINVAL);
}
END_TEST

START_TEST(claim_and_complete)
{
	wr(PRIO(40), 2);
	wr(EN(1, 1), 1U << 8);			/* source 40 on context 1 */
	plic__set_irq(plic, 40, true);
	ck_assert(outs.level[1]);
	ck_assert_uint_eq(rd(PEND(1)), 1U << 8);
	ck_assert_uint_eq(rd(CLAIM(1)), 40);
	ck_assert(!outs.level[1]);		/* in service */
	ck_assert_uint_eq(rd(PEND(1)), 0);
	ck_assert_uint_eq(rd(CLAIM(1)), 0);	/* nothing else */
	/* The gateway stays closed while in service, whatever the line does. */
	plic__set_irq(plic, 40, false);
	plic__set_irq(plic, 40, true);
	ck_assert(!outs.level[1]);
	wr(CLAIM(1), 39);			/* not in service: ignored */
	ck_assert(!outs.level[1]);
	wr(CLAIM(1), 40);			/* line still high: pending again */
	ck_assert(outs.level[1]);
	ck_assert_uint_eq(rd(CLAIM(1)), 40);
	plic__set_irq(plic, 40, false);
	wr(CLAIM(1), 40);			/* line low: done */
	ck_assert(!outs.level[1]);
	ck_assert(!plic__pending(plic, 40));
}
END_TEST

START_TEST(highest_priority_first)
{
	wr(EN(0, 0), (1U << 3) | (1U << 9) | (1U << 12));
	wr(PRIO(3), 2);
	wr(PRIO(9), 5);
	wr(PRIO(12), 2);
	plic__set_irq(plic, 3, true);
	plic__set_irq(plic, 9, true);
	plic__set_irq(plic, 12, true);
	ck_assert_uint_eq(rd(CLAIM(0)), 9);
	ck_assert_uint_eq(rd(CLAIM(0)), 3);	/* tie: the lowest ID */
	ck_assert_uint_eq(rd(CLAIM(0)), 12);
	ck_assert_uint_eq(rd(CLAIM(0)), 0);
	ck_assert(!outs.level[0]);
}
END_TEST

START_TEST(bad_accesses)
{
	u8 d[2] = { 0xff, 0xff };

	wr(PRIO(1), 3);
	bus_dispatch(&kvm->mmio_bus, NULL, BASE + PRIO(1), d, 2, false);
	ck_assert_uint_eq(d[0] | d[1], 0);	/* 16-bit: reads 0 */
	d[0] = 7;
	bus_dispatch(&kvm->mmio_bus, NULL, BASE + PRIO(2), d, 1, true);
	ck_assert_uint_eq(rd(PRIO(2)), 0);	/* 8-bit: ignored */
	wr(PEND(0), 0xffffffff);		/* read-only */
	ck_assert_uint_eq(rd(PEND(0)), 0);
	ck_assert_uint_eq(rd(PRIO(1) + 2), 0);		/* unaligned */
}
END_TEST

START_TEST(save_restore)
{
	struct snapshot *s = snapshot_new();
	struct outputs o2 = { 0 };
	struct kvm *kvm2;
	struct plic *p2;

	wr(PRIO(7), 4);
	wr(EN(1, 0), 1U << 7);
	wr(THR(1), 1);
	plic__set_irq(plic, 7, true);
	ck_assert(outs.level[1]);
	ck_assert_int_eq(plic_dev(kvm)->ops->save(plic_dev(kvm), s), 0);

	kvm2 = unit_kvm_new(0);
	p2 = plic__init(kvm2, &kvm2->mmio_bus, BASE, NR_SRC, NR_CTX, record,
			&o2, "plic");
	ck_assert_ptr_nonnull(p2);
	ck_assert_int_eq(plic_dev(kvm2)->ops->restore(plic_dev(kvm2), s), 0);
	ck_assert(o2.level[1]);			/* re-asserted */
	ck_assert_int_ge(o2.calls, NR_CTX);	/* every context told */
	ck_assert_uint_eq(unit_bus_read(&kvm2->mmio_bus, BASE + PRIO(7), 4), 4);
	ck_assert_uint_eq(unit_bus_read(&kvm2->mmio_bus, BASE + CLAIM(1), 4), 7);
	unit_kvm_free(kvm2);

	/* Another shape of PLIC refuses the section. */
	kvm2 = unit_kvm_new(0);
	p2 = plic__init(kvm2, &kvm2->mmio_bus, BASE, NR_SRC, NR_CTX + 1, record,
			&o2, "plic");
	ck_assert_ptr_nonnull(p2);
	ck_assert_int_ne(plic_dev(kvm2)->ops->restore(plic_dev(kvm2), s), 0);
	unit_kvm_free(kvm2);
	snapshot_free(s);
}
END_TEST

START_TEST(bad_shapes)
{
	struct kvm *k = unit_kvm_new(0);

	ck_assert_ptr_null(plic__init(k, NULL, 0, 63, 1, NULL, NULL, "p"));
	ck_assert_ptr_null(plic__init(k, NULL, 0, 2048, 1, NULL, NULL, "p"));
	ck_assert_ptr_null(plic__init(k, NULL, 0, 64, 0, NULL, NULL, "p"));
	/* The same window twice: the second one is refused. */
	ck_assert_ptr_null(plic__init(k, &kvm->mmio_bus, BASE, 64, 1, NULL,
				      NULL, "p"));
	unit_kvm_free(k);
}
END_TEST

static Suite *plic_suite(void)
{
	Suite *s = suite_create("plic");
	TCase *tc = tcase_create("plic");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, priorities_are_warl);
	tcase_add_test(tc, level_enable_priority_threshold);
	tcase_add_test(tc, claim_and_complete);
	tcase_add_test(tc, highest_priority_first);
	tcase_add_test(tc, bad_accesses);
	tcase_add_test(tc, save_restore);
	tcase_add_test(tc, bad_shapes);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(plic_suite)
