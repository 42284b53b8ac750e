// SPDX-License-Identifier: GPL-2.0
/*
 * The split irqchip's IOAPIC: registers, redirection entries and the MSIs
 * they make, masking, edge and level pins, remote IRR and EOIs, and the
 * lazy GSI routes that make KVM report level-triggered EOIs.
 */
#include "unit.h"
#include "kvm/devices.h"
#include "kvm/ioapic.h"
#include "kvm/snapshot.h"

#define BASE	0xfec00000ULL
#define SEL	(BASE + IOAPIC_REG_SELECT)
#define WIN	(BASE + IOAPIC_REG_WINDOW)
#define EOI	(BASE + IOAPIC_REG_EOI)

struct msi {
	u64	addr;
	u32	data;
};

static struct kvm *kvm;
static struct ioapic *io;
static struct msi sent[64];
static int nr_sent;
static struct msi route[IOAPIC_NR_PINS];
static u32 routed;
static int nr_set_route, nr_commits;
/* The routes as committed to "KVM". */
static struct msi committed[IOAPIC_NR_PINS];
static u32 committed_mask;

static void deliver(void *opaque, u64 addr, u32 data)
{
	ck_assert_ptr_eq(opaque, kvm);
	ck_assert_int_lt(nr_sent, 64);
	sent[nr_sent++] = (struct msi) { addr, data };
}

static int set_route(void *opaque, u32 pin, u64 addr, u32 data)
{
	ck_assert_uint_lt(pin, IOAPIC_NR_PINS);
	route[pin] = (struct msi) { addr, data };
	routed |= 1U << pin;
	nr_set_route++;
	return 0;
}

static int commit(void *opaque)
{
	memcpy(committed, route, sizeof(route));
	committed_mask = routed;
	nr_commits++;
	return 0;
}

static const struct ioapic_ops ops = {
	.deliver	= deliver,
	.set_route	= set_route,
	.commit		= commit,
};

static u32 reg_rd(u32 idx)
{
	unit_bus_write(&kvm->mmio_bus, SEL, 4, idx);
	return unit_bus_read(&kvm->mmio_bus, WIN, 4);
}

static void reg_wr(u32 idx, u32 v)
{
	unit_bus_write(&kvm->mmio_bus, SEL, 4, idx);
	unit_bus_write(&kvm->mmio_bus, WIN, 4, v);
}

static u64 rte_rd(int pin)
{
	return reg_rd(0x10 + 2 * pin) | ((u64)reg_rd(0x11 + 2 * pin) << 32);
}

/* High word first, as Linux writes an entry (low word unmasks last). */
static void rte_wr(int pin, u64 v)
{
	reg_wr(0x11 + 2 * pin, v >> 32);
	reg_wr(0x10 + 2 * pin, (u32)v);
}

static u64 rte(u8 vector, u8 dest, bool level, bool masked)
{
	return vector | ((u64)dest << 56) | (level ? IOAPIC_RTE_LEVEL : 0) |
	       (masked ? IOAPIC_RTE_MASKED : 0);
}

/* What KVM would see in the level-triggered routes: does it exit on @v? */
static bool kvm_exits_on(u8 v)
{
	int pin;

	for (pin = 0; pin < IOAPIC_NR_PINS; pin++)
		if ((committed_mask & (1U << pin)) &&
		    (committed[pin].data & 0xff) == v &&
		    (committed[pin].data & (1U << 15)))
			return true;
	return false;
}

static void setup(void)
{
	kvm = unit_kvm_new(0);
	nr_sent = nr_set_route = nr_commits = 0;
	routed = committed_mask = 0;
	memset(route, 0, sizeof(route));
	io = ioapic__new(kvm, BASE, 2, &ops, kvm);
	ck_assert_ptr_nonnull(io);
	kvm__add_device(kvm, ioapic__device(io));
}

static void teardown(void)
{
	kvm__exit_devices(kvm);
	ioapic__free(io);
	unit_kvm_free(kvm);
}

START_TEST(test_registers)
{
	int pin;

	ck_assert_ptr_nonnull(bus_lookup(&kvm->mmio_bus, BASE));
	ck_assert_ptr_nonnull(bus_lookup(&kvm->mmio_bus, BASE + 0xff));
	ck_assert_ptr_null(bus_lookup(&kvm->mmio_bus, BASE + 0x100));
	ck_assert_uint_eq(reg_rd(IOAPIC_ID), 2U << 24);
	ck_assert_uint_eq(reg_rd(IOAPIC_ARB), 2U << 24);
	/* Version 0x20 (EOI register), 24 entries. */
	ck_assert_uint_eq(reg_rd(IOAPIC_VER), 0x00170020);
	reg_wr(IOAPIC_ID, 5U << 24);
	ck_assert_uint_eq(reg_rd(IOAPIC_ID), 5U << 24);
	reg_wr(IOAPIC_VER, 0);
	ck_assert_uint_eq(reg_rd(IOAPIC_VER), 0x00170020);
	/* Every pin starts masked. */
	for (pin = 0; pin < IOAPIC_NR_PINS; pin++)
		ck_assert_uint_eq(rte_rd(pin), IOAPIC_RTE_MASKED);
	/* Past the table: reads 0, writes ignored. */
	reg_wr(0x40, 0x1234);
	ck_assert_uint_eq(reg_rd(0x40), 0);
	/* IOREGSEL reads back, 8 bits; byte access works. */
	unit_bus_write(&kvm->mmio_bus, SEL, 4, 0x1ff);
	ck_assert_uint_eq(unit_bus_read(&kvm->mmio_bus, SEL, 4), 0xff);
	unit_bus_write(&kvm->mmio_bus, SEL, 1, 0x01);
	ck_assert_uint_eq(unit_bus_read(&kvm->mmio_bus, WIN, 4), 0x00170020);
	ck_assert_uint_eq(unit_bus_read(&kvm->mmio_bus, WIN + 2, 1), 0x17);
	ck_assert_int_eq(nr_sent, 0);
	ck_assert_int_eq(nr_commits, 0);
}
END_TEST

START_TEST(test_redirection)
{
	u64 e = 0x5a | (1ULL << 8) | IOAPIC_RTE_DESTMODE |
		IOAPIC_RTE_POLARITY | IOAPIC_RTE_MASKED | (3ULL << 56);
	u64 addr;
	u32 data;

	rte_wr(7, e);
	ck_assert_uint_eq(rte_rd(7), e);
	/* Remote IRR and delivery status are read-only. */
	rte_wr(7, e | IOAPIC_RTE_REMOTE_IRR | IOAPIC_RTE_DELIVS | IOAPIC_RTE_LEVEL);
	ck_assert_uint_eq(rte_rd(7), e | IOAPIC_RTE_LEVEL);
	/* Entries are independent. */
	ck_assert_uint_eq(rte_rd(6), IOAPIC_RTE_MASKED);
	ck_assert_uint_eq(rte_rd(8), IOAPIC_RTE_MASKED);

	/* The MSI an entry makes. */
	ioapic__rte_to_msi(rte(0x31, 1, false, false), &addr, &data);
	ck_assert_uint_eq(addr, 0xfee01000);
	ck_assert_uint_eq(data, 0x31);
	ioapic__rte_to_msi(e | IOAPIC_RTE_LEVEL, &addr, &data);
	ck_assert_uint_eq(addr, 0xfee03004);		/* dest 3, logical */
	ck_assert_uint_eq(data, 0x5a | 0x100 | 0xc000);	/* lowest prio, level */
	/* NMI delivery mode passes through. */
	ioapic__rte_to_msi(0x02 | (4ULL << 8) | (0xffULL << 56), &addr, &data);
	ck_assert_uint_eq(addr, 0xfeeff000);
	ck_assert_uint_eq(data, 0x402);
	ck_assert_int_eq(nr_sent, 0);
}
END_TEST

START_TEST(test_edge)
{
	/* Masked: the edge is lost. */
	rte_wr(4, rte(0x34, 0, false, true));
	ioapic__set_irq(io, 4, 1);
	ioapic__set_irq(io, 4, 0);
	ck_assert_int_eq(nr_sent, 0);
	/* Unmasking does not bring it back. */
	rte_wr(4, rte(0x34, 0, false, false));
	ck_assert_int_eq(nr_sent, 0);
	/* A rising edge delivers once; holding the line does nothing. */
	ioapic__set_irq(io, 4, 1);
	ck_assert_int_eq(nr_sent, 1);
	ck_assert_uint_eq(sent[0].addr, 0xfee00000);
	ck_assert_uint_eq(sent[0].data, 0x34);
	ioapic__set_irq(io, 4, 1);
	ck_assert_int_eq(nr_sent, 1);
	ioapic__set_irq(io, 4, 0);
	ioapic__set_irq(io, 4, 1);
	ck_assert_int_eq(nr_sent, 2);
	/* Edge pins need no route and no EOI. */
	ck_assert_int_eq(nr_set_route, 0);
	ck_assert_int_eq(nr_commits, 0);
	ck_assert(!(rte_rd(4) & IOAPIC_RTE_REMOTE_IRR));
	ioapic__eoi(io, 0x34);
	ck_assert_int_eq(nr_sent, 2);
	/* Out of range pins are ignored. */
	ioapic__set_irq(io, 24, 1);
	ioapic__set_irq(io, 1000, 1);
	ck_assert_int_eq(nr_sent, 2);
}
END_TEST

START_TEST(test_level)
{
	rte_wr(17, rte(0x41, 0, true, false));
	/* Programming alone commits nothing. */
	ck_assert_int_eq(nr_commits, 0);
	ioapic__set_irq(io, 17, 1);
	ck_assert_int_eq(nr_sent, 1);
	ck_assert_uint_eq(sent[0].data, 0x41 | 0xc000);
	/* The route came before the interrupt: KVM will exit on its EOI. */
	ck_assert_int_eq(nr_commits, 1);
	ck_assert(kvm_exits_on(0x41));
	ck_assert_uint_eq(committed[17].addr, 0xfee00000);
	ck_assert(rte_rd(17) & IOAPIC_RTE_REMOTE_IRR);
	/* Line still high, remote IRR set: nothing more. */
	ioapic__set_irq(io, 17, 1);
	ck_assert_int_eq(nr_sent, 1);
	/* EOI of another vector does nothing. */
	ioapic__eoi(io, 0x42);
	ck_assert_int_eq(nr_sent, 1);
	ck_assert(rte_rd(17) & IOAPIC_RTE_REMOTE_IRR);
	/* EOI with the line still high: delivered again. */
	ioapic__eoi(io, 0x41);
	ck_assert_int_eq(nr_sent, 2);
	ck_assert(rte_rd(17) & IOAPIC_RTE_REMOTE_IRR);
	/* The handler quiets the device, then EOIs: done. */
	ioapic__set_irq(io, 17, 0);
	ioapic__eoi(io, 0x41);
	ck_assert_int_eq(nr_sent, 2);
	ck_assert(!(rte_rd(17) & IOAPIC_RTE_REMOTE_IRR));
	/* Next assertion: delivered, no new commit (route unchanged). */
	ioapic__set_irq(io, 17, 1);
	ck_assert_int_eq(nr_sent, 3);
	ck_assert_int_eq(nr_commits, 1);
	/* The EOI register does the same as the local APIC's broadcast. */
	ioapic__set_irq(io, 17, 0);
	unit_bus_write(&kvm->mmio_bus, EOI, 4, 0x41);
	ck_assert(!(rte_rd(17) & IOAPIC_RTE_REMOTE_IRR));
	ck_assert_int_eq(nr_sent, 3);
}
END_TEST

START_TEST(test_level_masked)
{
	rte_wr(18, rte(0x50, 0, true, true));
	ioapic__set_irq(io, 18, 1);
	ck_assert_int_eq(nr_sent, 0);
	/* Unmasking with the line high delivers. */
	rte_wr(18, rte(0x50, 0, true, false));
	ck_assert_int_eq(nr_sent, 1);
	ck_assert(kvm_exits_on(0x50));
	/* Masked while in service: the EOI clears remote IRR, no delivery. */
	rte_wr(18, rte(0x50, 0, true, true));
	ioapic__eoi(io, 0x50);
	ck_assert(!(rte_rd(18) & IOAPIC_RTE_REMOTE_IRR));
	ck_assert_int_eq(nr_sent, 1);
	/* A line dropped while masked is not delivered on unmask. */
	ioapic__set_irq(io, 18, 0);
	rte_wr(18, rte(0x50, 0, true, false));
	ck_assert_int_eq(nr_sent, 1);
}
END_TEST

START_TEST(test_edge_clears_remote_irr)
{
	rte_wr(19, rte(0x60, 0, true, false));
	ioapic__set_irq(io, 19, 1);
	ck_assert(rte_rd(19) & IOAPIC_RTE_REMOTE_IRR);
	/* Linux's way out of a lost EOI: switch to edge and back. */
	rte_wr(19, rte(0x60, 0, false, true));
	ck_assert(!(rte_rd(19) & IOAPIC_RTE_REMOTE_IRR));
	rte_wr(19, rte(0x60, 0, true, false));
	ck_assert_int_eq(nr_sent, 2);	/* line high: delivered again */
}
END_TEST

START_TEST(test_routes_lazy)
{
	int pin, commits;

	/* Boot-style programming: every pin rewritten, nothing committed. */
	for (pin = 0; pin < IOAPIC_NR_PINS; pin++)
		rte_wr(pin, rte(0x30 + pin, 0, pin >= 16, true));
	for (pin = 0; pin < 16; pin++)
		rte_wr(pin, rte(0x30 + pin, 0, false, false));
	ck_assert_int_eq(nr_commits, 0);
	ck_assert_int_eq(nr_set_route, 0);
	/* Edge interrupts commit nothing either. */
	ioapic__set_irq(io, 1, 1);
	ck_assert_int_eq(nr_commits, 0);
	/* The first level interrupt routes every level pin in one commit. */
	rte_wr(20, rte(0xa4, 1, true, false));
	ioapic__set_irq(io, 20, 1);
	ck_assert_int_eq(nr_commits, 1);
	ck_assert_int_eq(nr_set_route, 8);
	ck_assert(kvm_exits_on(0xa4));
	ck_assert(kvm_exits_on(0x30 + 16));
	ck_assert_uint_eq(committed[20].addr, 0xfee01000);
	ck_assert(!kvm_exits_on(0x31));
	/* Another level pin, routes current: no commit. */
	rte_wr(21, rte(0x30 + 21, 0, true, false));
	ioapic__set_irq(io, 21, 1);
	ck_assert_int_eq(nr_commits, 1);
	/* A new vector: committed before that pin delivers again. */
	ioapic__set_irq(io, 20, 0);
	ioapic__eoi(io, 0xa4);
	rte_wr(20, rte(0xa5, 1, true, false));
	ck_assert_int_eq(nr_commits, 1);
	ck_assert(kvm_exits_on(0xa4));		/* stale until needed */
	ioapic__set_irq(io, 20, 1);
	ck_assert_int_eq(nr_commits, 2);
	ck_assert(kvm_exits_on(0xa5));
	ck_assert(!kvm_exits_on(0xa4));
	/* A level pin turned edge keeps a stale route until a stray EOI. */
	ioapic__set_irq(io, 20, 0);
	ioapic__eoi(io, 0xa5);
	commits = nr_commits;
	rte_wr(20, rte(0xa5, 1, false, false));
	ck_assert_int_eq(nr_commits, commits);
	ioapic__eoi(io, 0xa5);		/* nobody waits for it */
	ck_assert_int_eq(nr_commits, commits + 1);
	ck_assert(!kvm_exits_on(0xa5));
	/* Stray EOIs with nothing stale commit nothing. */
	ioapic__eoi(io, 0x99);
	ck_assert_int_eq(nr_commits, commits + 1);
}
END_TEST

START_TEST(test_route_failure)
{
	static const struct ioapic_ops noroute = { .deliver = deliver };
	struct kvm *k2 = unit_kvm_new(0);
	struct ioapic *io2 = ioapic__new(k2, BASE, 0, &noroute, kvm);

	/* Without routes a level interrupt still gets delivered. */
	unit_bus_write(&k2->mmio_bus, SEL, 4, 0x10 + 2 * 16);
	unit_bus_write(&k2->mmio_bus, WIN, 4, 0x40 | IOAPIC_RTE_LEVEL);
	ioapic__set_irq(io2, 16, 1);
	ck_assert_int_eq(nr_sent, 1);
	ioapic__free(io2);
	unit_kvm_free(k2);
}
END_TEST

START_TEST(test_multiple_pins_same_vector)
{
	rte_wr(16, rte(0x70, 0, true, false));
	rte_wr(17, rte(0x70, 0, true, false));
	ioapic__set_irq(io, 16, 1);
	ioapic__set_irq(io, 17, 1);
	ck_assert_int_eq(nr_sent, 2);
	/* One EOI ends both (as the broadcast does); both lines still high. */
	ioapic__eoi(io, 0x70);
	ck_assert_int_eq(nr_sent, 4);
}
END_TEST

START_TEST(test_save_restore)
{
	struct vm_device *dev = ioapic__device(io);
	struct snapshot *s = snapshot_new();
	struct kvm *k2;
	struct ioapic *io2;
	int n;

	rte_wr(3, rte(0x33, 0, false, false));
	rte_wr(16, rte(0x80, 1, true, false));
	rte_wr(17, rte(0x81, 0, true, true));
	ioapic__set_irq(io, 16, 1);	/* in service */
	ioapic__set_irq(io, 17, 1);	/* masked, pending */
	unit_bus_write(&kvm->mmio_bus, SEL, 4, 0x12);
	ck_assert_int_eq(dev->ops->save(dev, s), 0);

	k2 = unit_kvm_new(0);
	nr_commits = 0;
	routed = committed_mask = 0;
	io2 = ioapic__new(k2, BASE, 0, &ops, kvm);
	n = nr_sent;
	ck_assert_int_eq(ioapic__device(io2)->ops->restore(ioapic__device(io2), s), 0);
	/* The in-service vector's EOI will reach us: routed at once. */
	ck_assert_int_eq(nr_commits, 1);
	ck_assert(kvm_exits_on(0x80));
	ck_assert_int_eq(nr_sent, n);	/* nothing delivered twice */
	ck_assert_uint_eq(unit_bus_read(&k2->mmio_bus, SEL, 4), 0x12);
	unit_bus_write(&k2->mmio_bus, SEL, 4, 0x10 + 2 * 16);
	ck_assert_uint_eq(unit_bus_read(&k2->mmio_bus, WIN, 4),
			  0x80 | IOAPIC_RTE_LEVEL | IOAPIC_RTE_REMOTE_IRR);
	unit_bus_write(&k2->mmio_bus, SEL, 4, IOAPIC_ID);
	ck_assert_uint_eq(unit_bus_read(&k2->mmio_bus, WIN, 4), 2U << 24);
	/* The line is still high: the EOI delivers again. */
	ioapic__eoi(io2, 0x80);
	ck_assert_int_eq(nr_sent, n + 1);
	/* The masked pending pin delivers when unmasked. */
	unit_bus_write(&k2->mmio_bus, SEL, 4, 0x10 + 2 * 17);
	unit_bus_write(&k2->mmio_bus, WIN, 4, 0x81 | IOAPIC_RTE_LEVEL);
	ck_assert_int_eq(nr_sent, n + 2);
	ck_assert_uint_eq(sent[n + 1].data, 0x81 | 0xc000);
	ioapic__free(io2);
	unit_kvm_free(k2);
	snapshot_free(s);
}
END_TEST

START_TEST(test_reset_op)
{
	struct vm_device *dev = ioapic__device(io);

	rte_wr(5, rte(0x35, 0, false, false));
	dev->ops->reset(dev);
	ck_assert_uint_eq(rte_rd(5), IOAPIC_RTE_MASKED);
	ioapic__set_irq(io, 5, 1);
	ck_assert_int_eq(nr_sent, 0);
}
END_TEST

START_TEST(test_hostile)
{
	int i;

	srand(11);
	for (i = 0; i < 100000; i++) {
		u64 off = rand() % IOAPIC_MMIO_SIZE;
		u32 len = 1 << (rand() % 4);
		u8 d[8] = { 0 };
		const struct bus_range *r = bus_lookup(&kvm->mmio_bus, BASE);
		int j;

		for (j = 0; j < 8; j++)
			d[j] = rand();
		r->fn(NULL, off, d, len, rand() & 1, r->opaque);
		if (!(rand() % 4))
			ioapic__set_irq(io, rand() % 24, rand() & 1);
		if (!(rand() % 8))
			ioapic__eoi(io, rand());
		nr_sent = 0;	/* only checking it survives */
	}
	/* Still works. */
	ioapic__device(io)->ops->reset(ioapic__device(io));
	for (i = 0; i < IOAPIC_NR_PINS; i++)
		ioapic__set_irq(io, i, 0);
	rte_wr(9, rte(0x39, 0, false, false));
	ioapic__set_irq(io, 9, 1);
	ck_assert_int_eq(nr_sent, 1);
	ck_assert_uint_eq(sent[0].data, 0x39);
}
END_TEST

static Suite *ioapic_suite(void)
{
	Suite *s = suite_create("ioapic");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_registers);
	tcase_add_test(tc, test_redirection);
	tcase_add_test(tc, test_edge);
	tcase_add_test(tc, test_level);
	tcase_add_test(tc, test_level_masked);
	tcase_add_test(tc, test_edge_clears_remote_irr);
	tcase_add_test(tc, test_routes_lazy);
	tcase_add_test(tc, test_route_failure);
	tcase_add_test(tc, test_multiple_pins_same_vector);
	tcase_add_test(tc, test_save_restore);
	tcase_add_test(tc, test_reset_op);
	tcase_add_test(tc, test_hostile);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(ioapic_suite)
