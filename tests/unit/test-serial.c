// SPDX-License-Identifier: GPL-2.0
/* 8250/16550A UART. */
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include "unit.h"
#include "kvm/devices.h"
#include "kvm/serial.h"
#include "kvm/snapshot.h"
#include "kvm/term.h"

#define BASE	SERIAL_COM1_BASE

#define RBR	0
#define THR	0
#define DLL	0
#define IER	1
#define DLM	1
#define IIR	2
#define FCR	2
#define LCR	3
#define MCR	4
#define LSR	5
#define MSR	6
#define SCR	7

static struct kvm *kvm;
static struct serial8250 *uart;

static u8 rd_on(struct kvm *k, u32 reg)
{
	return unit_bus_read(&k->pio_bus, BASE + reg, 1);
}

static void wr_on(struct kvm *k, u32 reg, u8 v)
{
	unit_bus_write(&k->pio_bus, BASE + reg, 1, v);
}

static u8 rd(u32 reg)
{
	return rd_on(kvm, reg);
}

static void wr(u32 reg, u8 v)
{
	wr_on(kvm, reg, v);
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
	uart = serial8250__init(kvm, &kvm->pio_bus, BASE, 4, NULL, "serial0");
	ck_assert_ptr_nonnull(uart);
}

static void teardown(void)
{
	unit_kvm_free(kvm);
}

/* Read whatever is in a non-blocking pipe. */
static size_t drain(int fd, char *buf, size_t len)
{
	size_t n = 0;
	ssize_t r;

	while (n < len && (r = read(fd, buf + n, len - n)) > 0)
		n += r;
	return n;
}

START_TEST(test_power_on)
{
	ck_assert_uint_eq(rd(IER), 0);
	ck_assert_uint_eq(rd(IIR), 0x01);
	ck_assert_uint_eq(rd(LCR), 0);
	ck_assert_uint_eq(rd(MCR), 0);
	ck_assert_uint_eq(rd(LSR), 0x60);
	ck_assert_uint_eq(rd(MSR), 0xb0);
	ck_assert(!serial8250__irq_level(uart));
	ck_assert_ptr_nonnull(find_dev(kvm, "serial0"));
	ck_assert_ptr_eq(bus_lookup(&kvm->pio_bus, BASE + 7)->opaque, uart);
	ck_assert_ptr_null(bus_lookup(&kvm->pio_bus, BASE + 8));
}
END_TEST

START_TEST(test_dlab)
{
	wr(LCR, 0x83);
	wr(DLL, 0x01);
	wr(DLM, 0x02);
	ck_assert_uint_eq(rd(DLL), 0x01);
	ck_assert_uint_eq(rd(DLM), 0x02);
	ck_assert_uint_eq(rd(LCR), 0x83);
	wr(LCR, 0x03);
	ck_assert_uint_eq(rd(IER), 0);
	wr(IER, 0xff);
	ck_assert_uint_eq(rd(IER), 0x0f);	/* only 4 bits exist */
	wr(IER, 0);
	wr(LCR, 0x83);
	ck_assert_uint_eq(rd(DLL), 0x01);
	ck_assert_uint_eq(rd(DLM), 0x02);
	/* FCR is at offset 2 whatever DLAB says. */
	wr(FCR, 0x01);
	wr(LCR, 0x03);
	ck_assert_uint_eq(rd(IIR) & 0xc0, 0xc0);
}
END_TEST

START_TEST(test_scratch)
{
	wr(SCR, 0x55);
	ck_assert_uint_eq(rd(SCR), 0x55);
	wr(SCR, 0xaa);
	ck_assert_uint_eq(rd(SCR), 0xaa);
	/* LSR and MSR ignore writes. */
	wr(LSR, 0x00);
	wr(MSR, 0x00);
	ck_assert_uint_eq(rd(LSR), 0x60);
	ck_assert_uint_eq(rd(MSR), 0xb0);
}
END_TEST

START_TEST(test_thr_output)
{
	struct kvm *k = unit_kvm_new(0);
	struct serial8250 *s;
	struct term t;
	char buf[16];
	int p[2];

	ck_assert_int_eq(pipe2(p, O_NONBLOCK), 0);
	ck_assert_int_eq(term_init(&t, NULL, -1, p[1]), 0);
	s = serial8250__init(k, &k->pio_bus, BASE, 4, &t, "ttyS0");
	ck_assert_ptr_nonnull(s);
	wr_on(k, THR, 'h');
	ck_assert_uint_eq(rd_on(k, LSR), 0x60);
	wr_on(k, THR, 'i');
	wr_on(k, THR, '\n');
	ck_assert_uint_eq(drain(p[0], buf, sizeof(buf)), 3);
	ck_assert(!memcmp(buf, "hi\n", 3));
	/* With DLAB set, offset 0 is DLL, nothing is sent. */
	wr_on(k, LCR, 0x80);
	wr_on(k, THR, 'x');
	ck_assert_uint_eq(drain(p[0], buf, sizeof(buf)), 0);
	/* Loopback keeps the byte inside. */
	wr_on(k, LCR, 0x03);
	wr_on(k, MCR, 0x10);
	wr_on(k, THR, 'y');
	ck_assert_uint_eq(drain(p[0], buf, sizeof(buf)), 0);
	ck_assert_uint_eq(rd_on(k, RBR), 'y');
	unit_kvm_free(k);
	close(p[0]);
	close(p[1]);
}
END_TEST

/* The register checks Linux's 8250 autoconfig does to find a 16550A. */
START_TEST(test_linux_autoconfig)
{
	u8 save_lcr, save_mcr;

	/* IER test. */
	wr(IER, 0);
	ck_assert_uint_eq(rd(IER) & 0x0f, 0);
	wr(IER, 0x0f);
	ck_assert_uint_eq(rd(IER) & 0x0f, 0x0f);
	wr(IER, 0);

	/* Loopback test. */
	save_mcr = rd(MCR);
	save_lcr = rd(LCR);
	wr(MCR, 0x10 | 0x0a);
	ck_assert_uint_eq(rd(MSR) & 0xf0, 0x90);
	wr(MCR, save_mcr);

	/* FIFO type. */
	wr(LCR, 0xbf);
	wr(2, 0);			/* EFR on later parts */
	wr(LCR, 0);
	wr(FCR, 0x01);
	ck_assert_uint_eq(rd(IIR) >> 6, 3);

	/* autoconfig_16550a: no EFR with DLAB set ... */
	wr(LCR, 0x80);
	ck_assert_uint_ne(rd(2), 0);
	/* ... nor with LCR = 0xbf ... */
	wr(LCR, 0xbf);
	ck_assert_uint_ne(rd(2), 0);
	/* ... not a NatSemi SuperIO (EXCR1 is IIR here) ... */
	wr(LCR, 0);
	ck_assert_uint_eq(rd(IIR) & 0x10, 0);
	/* ... not a 16750 (no 64-byte FIFO bit) ... */
	wr(FCR, 0x21);
	ck_assert_uint_eq(rd(IIR) & 0xe0, 0xc0);
	wr(LCR, 0x80);
	wr(FCR, 0x21);
	ck_assert_uint_eq(rd(2) & 0xe0, 0xc0);
	wr(FCR, 0);
	wr(LCR, 0);
	/* ... and no UUE bit (XScale) in IER. */
	wr(IER, 0x40);
	ck_assert_uint_eq(rd(IER) & 0x40, 0);
	wr(IER, 0);

	wr(LCR, save_lcr);
	/* serial8250_do_startup: the LSR safety check. */
	ck_assert_uint_ne(rd(LSR), 0xff);
}
END_TEST

START_TEST(test_thri)
{
	wr(MCR, 0x08);			/* OUT2: interrupt reaches the PIC */
	ck_assert(!serial8250__irq_level(uart));
	/* Enabling ETBEI while THR is empty raises THRI ... */
	wr(IER, 0x02);
	ck_assert(serial8250__irq_level(uart));
	ck_assert_uint_eq(rd(IIR), 0x02);
	/* ... reading IIR with THRI as the source clears it ... */
	ck_assert(!serial8250__irq_level(uart));
	ck_assert_uint_eq(rd(IIR), 0x01);
	/* ... re-enabling raises it again (Linux's THRE test) ... */
	wr(IER, 0x00);
	wr(IER, 0x02);
	ck_assert_uint_eq(rd(IIR), 0x02);
	/* ... writing ETBEI again while on does not ... */
	wr(IER, 0x02);
	ck_assert_uint_eq(rd(IIR), 0x01);
	/* ... and every byte sent empties THR again. */
	wr(THR, 'a');
	ck_assert(serial8250__irq_level(uart));
	wr(FCR, 0x01);
	ck_assert_uint_eq(rd(IIR), 0xc2);
	ck_assert_uint_eq(rd(IIR), 0xc1);
	/* Serial-over-LAN check in serial8250_do_startup. */
	wr(IER, 0);
	wr(IER, 0x02);
	ck_assert(rd(LSR) & 0x40);
	ck_assert_uint_eq(rd(IIR) & 0x01, 0);
}
END_TEST

START_TEST(test_iir_priorities)
{
	int i;

	wr(FCR, 0x07);
	wr(MCR, 0x10);			/* loopback, all outputs off */
	rd(MSR);
	wr(IER, 0x0f);
	wr(MCR, 0x12);			/* RTS -> CTS: modem status change */
	for (i = 0; i < 17; i++)
		wr(THR, i);		/* 17th overruns: OE */
	ck_assert_uint_eq(rd(IIR), 0xc6);	/* line status */
	ck_assert_uint_eq(rd(LSR), 0x63);	/* clears OE */
	ck_assert_uint_eq(rd(IIR), 0xc4);	/* data */
	for (i = 0; i < 16; i++)
		ck_assert_uint_eq(rd(RBR), i);
	ck_assert_uint_eq(rd(IIR), 0xc2);	/* THR empty */
	ck_assert_uint_eq(rd(IIR), 0xc0);	/* modem status */
	ck_assert_uint_eq(rd(MSR), 0x11);
	ck_assert_uint_eq(rd(IIR), 0xc1);
	/* Loopback keeps the interrupt away from the PIC. */
	ck_assert(!serial8250__irq_level(uart));
}
END_TEST

START_TEST(test_out2_gate)
{
	wr(IER, 0x02);
	ck_assert(!serial8250__irq_level(uart));	/* OUT2 off */
	wr(MCR, 0x08);
	ck_assert(serial8250__irq_level(uart));
	wr(MCR, 0x18);
	ck_assert(!serial8250__irq_level(uart));	/* loopback */
	wr(MCR, 0x0b);
	ck_assert(serial8250__irq_level(uart));
	wr(MCR, 0x03);
	ck_assert(!serial8250__irq_level(uart));
}
END_TEST

START_TEST(test_ungated_on_mmio)
{
	struct serial8250 *s;

	s = serial8250__init(kvm, &kvm->mmio_bus, 0x1000, 33, NULL, "uart");
	ck_assert_ptr_nonnull(s);
	unit_bus_write(&kvm->mmio_bus, 0x1001, 1, 0x02);
	ck_assert(serial8250__irq_level(s));
	ck_assert_uint_eq(unit_bus_read(&kvm->mmio_bus, 0x1002, 1), 0x02);
	ck_assert(!serial8250__irq_level(s));
}
END_TEST

START_TEST(test_loopback_msr)
{
	wr(MCR, 0x10);
	ck_assert_uint_eq(rd(MSR) & 0xf0, 0x00);
	wr(MCR, 0x11);
	ck_assert_uint_eq(rd(MSR), 0x22);	/* DTR -> DSR */
	wr(MCR, 0x12);
	ck_assert_uint_eq(rd(MSR), 0x13);	/* RTS -> CTS */
	wr(MCR, 0x14);
	ck_assert_uint_eq(rd(MSR), 0x41);	/* OUT1 -> RI */
	wr(MCR, 0x18);
	ck_assert_uint_eq(rd(MSR), 0x8c);	/* OUT2 -> DCD, RI fell */
	wr(MCR, 0x1f);
	ck_assert_uint_eq(rd(MSR), 0xf3);
	wr(MCR, 0x10);
	ck_assert_uint_eq(rd(MSR), 0x0f);
	ck_assert_uint_eq(rd(MSR), 0x00);
	wr(MCR, 0x00);
	ck_assert_uint_eq(rd(MSR), 0xbb);
	ck_assert_uint_eq(rd(MSR), 0xb0);
}
END_TEST

START_TEST(test_fifo_overflow)
{
	int i;

	wr(FCR, 0x07);
	wr(MCR, 0x10);
	for (i = 0; i < 17; i++)
		wr(THR, 0x40 + i);
	ck_assert_uint_eq(rd(LSR), 0x63);
	ck_assert_uint_eq(rd(LSR), 0x61);	/* OE cleared by reading */
	for (i = 0; i < 16; i++)
		ck_assert_uint_eq(rd(RBR), 0x40 + i);
	ck_assert_uint_eq(rd(LSR), 0x60);
	ck_assert_uint_eq(rd(RBR), 0);
	/* RX FIFO reset. */
	wr(THR, 1);
	wr(THR, 2);
	ck_assert(rd(LSR) & 0x01);
	wr(FCR, 0x03);
	ck_assert_uint_eq(rd(LSR), 0x60);
	/* Turning the FIFO off clears it too. */
	wr(THR, 3);
	wr(FCR, 0x00);
	ck_assert_uint_eq(rd(LSR), 0x60);
}
END_TEST

START_TEST(test_no_fifo_overrun)
{
	wr(MCR, 0x10);
	wr(THR, 'a');
	wr(THR, 'b');
	ck_assert_uint_eq(rd(LSR), 0x63);
	ck_assert_uint_eq(rd(RBR), 'b');	/* overwritten */
	ck_assert_uint_eq(rd(LSR), 0x60);
}
END_TEST

START_TEST(test_trigger_level)
{
	int i;

	wr(FCR, 0x47);			/* trigger at 4 */
	wr(MCR, 0x10);
	wr(IER, 0x01);
	wr(THR, 0);
	ck_assert_uint_eq(rd(IIR), 0xcc);	/* below trigger: timeout */
	for (i = 0; i < 3; i++)
		wr(THR, 0);
	ck_assert_uint_eq(rd(IIR), 0xc4);
	wr(FCR, 0xc1);			/* trigger at 14 */
	wr(THR, 0);
	ck_assert_uint_eq(rd(IIR), 0xcc);
}
END_TEST

START_TEST(test_term_input)
{
	struct kvm *k = unit_kvm_new(0);
	struct serial8250 *s;
	int in[2], out[2], i;
	char msg[40];
	struct term t;

	ck_assert_int_eq(pipe2(in, O_NONBLOCK), 0);
	ck_assert_int_eq(pipe2(out, O_NONBLOCK), 0);
	ck_assert_int_eq(term_init(&t, NULL, in[0], out[1]), 0);
	s = serial8250__init(k, &k->pio_bus, BASE, 4, &t, "ttyS0");
	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_eq(t.notify_opaque, s);

	wr_on(k, MCR, 0x0b);
	wr_on(k, IER, 0x05);
	for (i = 0; i < 40; i++)
		msg[i] = 'A' + i;
	ck_assert_int_eq(write(in[1], msg, 40), 40);
	term_handle_input(&t);
	ck_assert(serial8250__irq_level(s));
	ck_assert_uint_eq(rd_on(k, IIR), 0x04);
	/* Without FIFO it holds one byte and refills as the guest reads. */
	for (i = 0; i < 20; i++) {
		ck_assert_uint_eq(rd_on(k, LSR) & 0x03, 0x01);
		ck_assert_uint_eq(rd_on(k, RBR), 'A' + i);
	}
	/*
	 * Switching the FIFO on clears the receiver, as on the real part: the
	 * byte in RBR is lost, the rest is still in the terminal's ring.  The
	 * FIFO then holds 16.
	 */
	wr_on(k, FCR, 0x01);
	ck_assert_uint_eq(rd_on(k, IIR), 0xc4);
	for (i++; i < 40; i++) {
		ck_assert_uint_eq(rd_on(k, LSR) & 0x03, 0x01);
		ck_assert_uint_eq(rd_on(k, RBR), 'A' + i);
	}
	ck_assert_uint_eq(rd_on(k, LSR), 0x60);
	ck_assert(!serial8250__irq_level(s));

	/* No reception from the terminal in loopback mode. */
	wr_on(k, MCR, 0x10);
	ck_assert_int_eq(write(in[1], "xyz", 3), 3);
	term_handle_input(&t);
	ck_assert_uint_eq(rd_on(k, LSR) & 0x01, 0);
	ck_assert(term_has_input(&t));
	wr_on(k, MCR, 0x0b);
	ck_assert_uint_eq(rd_on(k, RBR), 'x');
	ck_assert_uint_eq(rd_on(k, RBR), 'y');
	ck_assert_uint_eq(rd_on(k, RBR), 'z');
	ck_assert(!term_has_input(&t));

	unit_kvm_free(k);
	ck_assert_ptr_null(t.notify);
	close(in[0]);
	close(in[1]);
	close(out[0]);
	close(out[1]);
}
END_TEST

/* Fill a UART with an interesting state. */
static void make_state(struct kvm *k)
{
	wr_on(k, LCR, 0x80);
	wr_on(k, DLL, 0x34);
	wr_on(k, DLM, 0x12);
	wr_on(k, LCR, 0x1b);
	wr_on(k, SCR, 0x5a);
	wr_on(k, FCR, 0x87);
	wr_on(k, MCR, 0x13);
	rd_on(k, MSR);
	wr_on(k, MCR, 0x12);		/* DSR delta pending */
	wr_on(k, IER, 0x0d);
	wr_on(k, THR, 'S');
	wr_on(k, THR, 'N');
	wr_on(k, THR, 'A');
	wr_on(k, THR, 'P');
}

static const u8 read_order[] = {
	LSR, IIR, MSR, IIR, MCR, LCR, SCR, RBR, IIR, RBR, RBR, RBR, RBR, LSR,
	IIR, IER,
};

START_TEST(test_save_restore)
{
	struct kvm *k2 = unit_kvm_new(0);
	struct vm_device *dev, *dev2;
	struct snapshot *snap = snapshot_new();
	struct serial8250 *s2;
	u32 i;

	make_state(kvm);
	dev = find_dev(kvm, "serial0");
	ck_assert_ptr_nonnull(dev);
	ck_assert_int_eq(dev->ops->save(dev, snap), 0);

	s2 = serial8250__init(k2, &k2->pio_bus, BASE, 4, NULL, "serial0");
	ck_assert_ptr_nonnull(s2);
	dev2 = find_dev(k2, "serial0");
	ck_assert_int_eq(dev2->ops->restore(dev2, snap), 0);

	ck_assert_int_eq(serial8250__irq_level(s2),
			 serial8250__irq_level(uart));
	for (i = 0; i < ARRAY_SIZE(read_order); i++)
		ck_assert_uint_eq(rd_on(k2, read_order[i]), rd(read_order[i]));
	wr(LCR, 0x9b);
	wr_on(k2, LCR, 0x9b);
	ck_assert_uint_eq(rd_on(k2, DLL), 0x34);
	ck_assert_uint_eq(rd_on(k2, DLM), 0x12);

	/* A section for another name is missing. */
	ck_assert_ptr_nonnull(serial8250__init(k2, &k2->pio_bus, 0x2f8, 3, NULL,
					       "serial1"));
	dev2 = find_dev(k2, "serial1");
	ck_assert_ptr_nonnull(dev2);
	ck_assert_int_ne(dev2->ops->restore(dev2, snap), 0);
	snapshot_free(snap);
	unit_kvm_free(k2);
}
END_TEST

START_TEST(test_restore_hostile)
{
	struct vm_device *dev = find_dev(kvm, "serial0");
	struct snapshot *snap = snapshot_new();
	u8 junk[32];
	int i;

	memset(junk, 0xff, sizeof(junk));
	ck_assert_int_eq(snap_put(snap, "serial0", 1, junk, sizeof(junk)), 0);
	ck_assert_int_eq(dev->ops->restore(dev, snap), 0);
	for (i = 0; i < 64; i++)
		rd(i % 8);
	ck_assert_uint_eq(rd(LSR) & 0x60, 0x60);
	snapshot_free(snap);

	/* Wrong size is refused. */
	snap = snapshot_new();
	ck_assert_int_eq(snap_put(snap, "serial0", 1, junk, 7), 0);
	ck_assert_int_ne(dev->ops->restore(dev, snap), 0);
	snapshot_free(snap);
}
END_TEST

START_TEST(test_reset)
{
	struct vm_device *dev = find_dev(kvm, "serial0");

	make_state(kvm);
	wr(MCR, 0x08);
	ck_assert(serial8250__irq_level(uart));
	dev->ops->reset(dev);
	ck_assert(!serial8250__irq_level(uart));
	ck_assert_uint_eq(rd(IER), 0);
	ck_assert_uint_eq(rd(IIR), 0x01);
	ck_assert_uint_eq(rd(LCR), 0);
	ck_assert_uint_eq(rd(MCR), 0);
	ck_assert_uint_eq(rd(LSR), 0x60);
	ck_assert_uint_eq(rd(MSR), 0xb0);
	ck_assert_uint_eq(rd(SCR), 0x5a);
	wr(LCR, 0x80);
	ck_assert_uint_eq(rd(DLL), 0x34);
}
END_TEST

START_TEST(test_hostile)
{
	const struct bus_range *r = bus_lookup(&kvm->pio_bus, BASE);
	u8 d[16];
	u32 i;

	/* Zero-length and wide accesses through the bus. */
	bus_dispatch(&kvm->pio_bus, NULL, BASE, d, 0, false);
	bus_dispatch(&kvm->pio_bus, NULL, BASE, d, 0, true);
	wr(SCR, 0x77);
	memset(d, 0, sizeof(d));
	ck_assert(bus_dispatch(&kvm->pio_bus, NULL, BASE + 5, d, 3, false));
	ck_assert_uint_eq(d[0], 0x60);
	ck_assert_uint_eq(d[1], 0xb0);
	ck_assert_uint_eq(d[2], 0x77);
	ck_assert(bus_dispatch(&kvm->pio_bus, NULL, BASE, d, 8, false));
	ck_assert_uint_eq(d[7], 0x77);
	ck_assert(!bus_dispatch(&kvm->pio_bus, NULL, BASE + 6, d, 4, false));
	/* 16-bit write to LCR/MCR splits into both. */
	unit_bus_write(&kvm->pio_bus, BASE + 3, 2, 0x0803);
	ck_assert_uint_eq(rd(LCR), 0x03);
	ck_assert_uint_eq(rd(MCR), 0x08);

	/* Offsets and lengths the bus would never send. */
	ck_assert_ptr_nonnull(r);
	memset(d, 0, sizeof(d));
	r->fn(NULL, 6, d, 16, false, r->opaque);
	ck_assert_uint_eq(d[1], 0x77);
	for (i = 2; i < 16; i++)
		ck_assert_uint_eq(d[i], 0xff);
	r->fn(NULL, 100, d, 8, false, r->opaque);
	ck_assert_uint_eq(d[0], 0xff);
	r->fn(NULL, UINT64_MAX, d, 16, false, r->opaque);
	ck_assert_uint_eq(d[15], 0xff);
	r->fn(NULL, UINT64_MAX - 2, d, 16, true, r->opaque);
	r->fn(NULL, 0, d, 0, true, r->opaque);

	/* Random traffic must leave a sane UART. */
	srand(1);
	for (i = 0; i < 200000; i++) {
		u32 len = rand() % 9;
		u64 off = rand() % 12;
		int j;

		for (j = 0; j < 16; j++)
			d[j] = rand();
		r->fn(NULL, off, d, len, rand() & 1, r->opaque);
	}
	wr(LCR, 0);
	wr(MCR, 0);
	ck_assert_uint_eq(rd(LSR) & 0x60, 0x60);
	ck_assert_uint_eq(rd(IER) & 0xf0, 0);
}
END_TEST

/* vCPU threads hammer the registers while the main thread feeds input. */
struct hammer {
	struct kvm	*kvm;
	unsigned int	seed;
};

static void *hammer_thread(void *arg)
{
	struct hammer *h = arg;
	int i;

	for (i = 0; i < 20000; i++) {
		u32 reg = rand_r(&h->seed) % 8;

		if (rand_r(&h->seed) & 1)
			rd_on(h->kvm, reg);
		else if (reg != LCR && reg != MCR)
			wr_on(h->kvm, reg, rand_r(&h->seed));
	}
	return NULL;
}

START_TEST(test_concurrency)
{
	struct kvm *k = unit_kvm_new(0);
	struct hammer h[4];
	pthread_t th[4];
	int in[2], out[2], i;
	struct term t;
	char buf[256];

	ck_assert_int_eq(pipe2(in, O_NONBLOCK), 0);
	ck_assert_int_eq(pipe2(out, O_NONBLOCK), 0);
	ck_assert_int_eq(term_init(&t, NULL, in[0], out[1]), 0);
	ck_assert_ptr_nonnull(serial8250__init(k, &k->pio_bus, BASE, 4, &t,
					       "ttyS0"));
	wr_on(k, MCR, 0x0b);
	for (i = 0; i < 4; i++) {
		h[i] = (struct hammer) { .kvm = k, .seed = i + 1 };
		ck_assert_int_eq(pthread_create(&th[i], NULL, hammer_thread,
						&h[i]), 0);
	}
	memset(buf, 'i', sizeof(buf));
	for (i = 0; i < 200; i++) {
		if (write(in[1], buf, 64) == 64)
			term_handle_input(&t);
		drain(out[0], buf, sizeof(buf));
	}
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	ck_assert_uint_eq(rd_on(k, LSR) & 0x60, 0x60);
	unit_kvm_free(k);
	close(in[0]);
	close(in[1]);
	close(out[0]);
	close(out[1]);
}
END_TEST

static Suite *serial_suite(void)
{
	Suite *s = suite_create("serial8250");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_power_on);
	tcase_add_test(tc, test_dlab);
	tcase_add_test(tc, test_scratch);
	tcase_add_test(tc, test_thr_output);
	tcase_add_test(tc, test_linux_autoconfig);
	tcase_add_test(tc, test_thri);
	tcase_add_test(tc, test_iir_priorities);
	tcase_add_test(tc, test_out2_gate);
	tcase_add_test(tc, test_ungated_on_mmio);
	tcase_add_test(tc, test_loopback_msr);
	tcase_add_test(tc, test_fifo_overflow);
	tcase_add_test(tc, test_no_fifo_overrun);
	tcase_add_test(tc, test_trigger_level);
	tcase_add_test(tc, test_term_input);
	tcase_add_test(tc, test_save_restore);
	tcase_add_test(tc, test_restore_hostile);
	tcase_add_test(tc, test_reset);
	tcase_add_test(tc, test_hostile);
	tcase_add_test(tc, test_concurrency);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(serial_suite)
