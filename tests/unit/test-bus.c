// SPDX-License-Identifier: GPL-2.0
/* Bus registration, lookup, overlap rules and atomic moves. */
#include <pthread.h>
#include "unit.h"

struct probe {
	int	hits;
	u64	last_off;
	u8	val;
};

static void probe_io(struct kvm_cpu *vcpu, u64 off, u8 *data, u32 len,
		     bool is_write, void *opaque)
{
	struct probe *p = opaque;

	__atomic_add_fetch(&p->hits, 1, __ATOMIC_RELAXED);
	p->last_off = off;
	if (!is_write)
		memset(data, p->val, len);
}

#define RANGE(b, l, p, mov) { .base = (b), .len = (l), .fn = probe_io, \
			      .opaque = (p), .name = #p, .movable = (mov) }

START_TEST(add_lookup_dispatch)
{
	struct bus bus;
	struct probe a = { .val = 0xaa }, b = { .val = 0xbb };
	struct bus_range ra = RANGE(0x1000, 0x100, &a, false);
	struct bus_range rb = RANGE(0x2000, 0x10, &b, false);
	u8 d[4];

	ck_assert_int_eq(bus_init(&bus, "test"), 0);
	ck_assert_int_eq(bus_add(&bus, &ra), 0);
	ck_assert_int_eq(bus_add(&bus, &rb), 0);
	ck_assert_ptr_eq(bus_lookup(&bus, 0x1000), &ra);
	ck_assert_ptr_eq(bus_lookup(&bus, 0x10ff), &ra);
	ck_assert_ptr_null(bus_lookup(&bus, 0x1100));
	ck_assert_ptr_null(bus_lookup(&bus, 0xfff));
	ck_assert_ptr_eq(bus_lookup(&bus, 0x200f), &rb);

	ck_assert(bus_dispatch(&bus, NULL, 0x1010, d, 4, false));
	ck_assert_int_eq(d[0], 0xaa);
	ck_assert_int_eq(a.last_off, 0x10);
	/* Unclaimed reads are all-ones; straddling accesses are unclaimed. */
	ck_assert(!bus_dispatch(&bus, NULL, 0x3000, d, 4, false));
	ck_assert_int_eq(d[0], 0xff);
	ck_assert(!bus_dispatch(&bus, NULL, 0x10fe, d, 4, false));
	ck_assert_int_eq(bus.unhandled, 2);
	bus_exit(&bus);
}
END_TEST

START_TEST(fixed_overlap_refused)
{
	struct bus bus;
	struct probe a, b;
	struct bus_range ra = RANGE(0x1000, 0x100, &a, false);
	struct bus_range rb = RANGE(0x10ff, 0x10, &b, false);
	struct bus_range rc = RANGE(0x1100, 0x10, &b, false);

	bus_init(&bus, "test");
	ck_assert_int_eq(bus_add(&bus, &ra), 0);
	ck_assert_int_eq(bus_add(&bus, &rb), -EBUSY);
	ck_assert(!rb.active);
	ck_assert_int_eq(bus_add(&bus, &rc), 0);	/* adjacent is fine */
	ck_assert_int_eq(bus_add(&bus, &rc), -EEXIST);
	bus_exit(&bus);
}
END_TEST

START_TEST(bad_ranges)
{
	struct bus bus;
	struct probe a;
	struct bus_range zero = RANGE(0x1000, 0, &a, false);
	struct bus_range wrap = RANGE(0xfffffffffffffff0ULL, 0x20, &a, false);
	struct bus_range top = RANGE(0xfffffffffffffff0ULL, 0x10, &a, false);

	bus_init(&bus, "test");
	ck_assert_int_eq(bus_add(&bus, &zero), -EINVAL);
	ck_assert_int_eq(bus_add(&bus, &wrap), -EINVAL);
	ck_assert_int_eq(bus_add(&bus, &top), 0);
	ck_assert_ptr_eq(bus_lookup(&bus, 0xffffffffffffffffULL), &top);
	ck_assert_int_eq(bus_move(&bus, &top, 0xfffffffffffffff8ULL), -EINVAL);
	bus_exit(&bus);
}
END_TEST

START_TEST(movable_overlap_latest_wins)
{
	struct bus bus;
	struct probe a = { .val = 1 }, b = { .val = 2 };
	struct bus_range ra = RANGE(0x10000, 0x1000, &a, true);
	struct bus_range rb = RANGE(0x20000, 0x1000, &b, true);

	bus_init(&bus, "test");
	bus_add(&bus, &ra);
	bus_add(&bus, &rb);
	/* Move b over the upper half of a: b decodes there. */
	ck_assert_int_eq(bus_move(&bus, &rb, 0x10800), 0);
	ck_assert_ptr_eq(bus_lookup(&bus, 0x10000), &ra);
	ck_assert_ptr_eq(bus_lookup(&bus, 0x107ff), &ra);
	ck_assert_ptr_eq(bus_lookup(&bus, 0x10800), &rb);
	ck_assert_ptr_eq(bus_lookup(&bus, 0x117ff), &rb);
	ck_assert_ptr_null(bus_lookup(&bus, 0x20000));
	/* Now a is decoded again (moved onto itself): a wins the overlap. */
	ck_assert_int_eq(bus_move(&bus, &ra, 0x10000), 0);
	ck_assert_ptr_eq(bus_lookup(&bus, 0x10800), &ra);
	ck_assert_ptr_eq(bus_lookup(&bus, 0x11000), &rb);
	/* When the overlap goes, each answers at its own addresses again. */
	ck_assert_int_eq(bus_move(&bus, &rb, 0x30000), 0);
	ck_assert_ptr_eq(bus_lookup(&bus, 0x10fff), &ra);
	ck_assert_ptr_eq(bus_lookup(&bus, 0x30000), &rb);
	/* Removing the winner uncovers the earlier range. */
	bus_move(&bus, &rb, 0x10000);
	ck_assert_ptr_eq(bus_lookup(&bus, 0x10000), &rb);
	bus_del(&bus, &rb);
	ck_assert_ptr_eq(bus_lookup(&bus, 0x10000), &ra);
	ck_assert(!rb.active);
	bus_exit(&bus);
}
END_TEST

START_TEST(fixed_beats_movable)
{
	struct bus bus;
	struct probe a, b;
	struct bus_range fixed = RANGE(0x3f8, 8, &a, false);
	struct bus_range bar = RANGE(0x3f0, 0x10, &b, true);
	struct bus_range other = RANGE(0x3f8, 8, &b, false);

	bus_init(&bus, "test");
	bus_add(&bus, &fixed);
	ck_assert_int_eq(bus_add(&bus, &bar), 0);
	ck_assert_ptr_eq(bus_lookup(&bus, 0x3f8), &fixed);
	ck_assert_ptr_eq(bus_lookup(&bus, 0x3f0), &bar);
	ck_assert_int_eq(bus_move(&bus, &other, 0x3fc), -EBUSY);
	bus_exit(&bus);
}
END_TEST

START_TEST(move_inactive_and_del)
{
	struct bus bus;
	struct probe a;
	struct bus_range r = RANGE(0x5000, 0x100, &a, true);

	bus_init(&bus, "test");
	ck_assert_int_eq(bus_move(&bus, &r, 0x6000), 0);	/* adds it */
	ck_assert(r.active);
	ck_assert_ptr_eq(bus_lookup(&bus, 0x6000), &r);
	ck_assert_ptr_null(bus_lookup(&bus, 0x5000));
	bus_del(&bus, &r);
	bus_del(&bus, &r);	/* idempotent */
	ck_assert_ptr_null(bus_lookup(&bus, 0x6000));
	ck_assert_int_eq(bus_add(&bus, &r), 0);
	ck_assert_ptr_eq(bus_lookup(&bus, 0x6000), &r);
	bus_exit(&bus);
}
END_TEST

START_TEST(many_ranges)
{
	struct bus bus;
	struct probe p;
	struct bus_range r[200];
	int i;

	bus_init(&bus, "test");
	for (i = 0; i < 200; i++) {
		r[i] = (struct bus_range)RANGE(0x100000 + i * 0x1000, 0x800, &p, true);
		ck_assert_int_eq(bus_add(&bus, &r[i]), 0);
	}
	for (i = 0; i < 200; i++) {
		ck_assert_ptr_eq(bus_lookup(&bus, 0x100000 + i * 0x1000 + 0x7ff), &r[i]);
		ck_assert_ptr_null(bus_lookup(&bus, 0x100000 + i * 0x1000 + 0x800));
	}
	for (i = 0; i < 200; i += 2)
		bus_del(&bus, &r[i]);
	for (i = 0; i < 200; i++)
		ck_assert(!!bus_lookup(&bus, 0x100000 + i * 0x1000) == (i & 1));
	bus_exit(&bus);
}
END_TEST

/*
 * A BAR moving back and forth while this thread dispatches: every claimed
 * access reaches the handler exactly once, and no lookup touches a freed
 * map (run under SANITIZE=1 to check the latter).
 */
struct race {
	struct bus	*bus;
	struct bus_range *r;
	volatile int	stop;
};

static void *mover(void *arg)
{
	struct race *rc = arg;
	int i;

	for (i = 0; i < 20000; i++)
		bus_move(rc->bus, rc->r, (i & 1) ? 0x8000 : 0x9000);
	rc->stop = 1;
	return NULL;
}

START_TEST(concurrent_moves)
{
	struct bus bus;
	struct probe p = { .val = 7 };
	struct bus_range r = RANGE(0x8000, 0x1000, &p, true);
	struct race rc = { .bus = &bus, .r = &r };
	int claimed = 0;
	pthread_t t;
	u8 d[4];

	bus_init(&bus, "test");
	bus_add(&bus, &r);
	pthread_create(&t, NULL, mover, &rc);
	while (!rc.stop) {
		claimed += bus_dispatch(&bus, NULL, 0x8800, d, 4, false);
		claimed += bus_dispatch(&bus, NULL, 0x9800, d, 4, false);
	}
	pthread_join(t, NULL);
	ck_assert_int_eq(p.hits, claimed);
	ck_assert_int_gt(claimed, 0);
	bus_exit(&bus);
}
END_TEST

static Suite *bus_suite(void)
{
	Suite *s = suite_create("bus");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, add_lookup_dispatch);
	tcase_add_test(tc, fixed_overlap_refused);
	tcase_add_test(tc, bad_ranges);
	tcase_add_test(tc, movable_overlap_latest_wins);
	tcase_add_test(tc, fixed_beats_movable);
	tcase_add_test(tc, move_inactive_and_del);
	tcase_add_test(tc, many_ranges);
	tcase_add_test(tc, concurrent_moves);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(bus_suite)
