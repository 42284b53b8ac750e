// SPDX-License-Identifier: GPL-2.0
/*
 * 8250/16550A UART.
 *
 * Transmission is instantaneous: a byte written to THR goes straight to
 * the terminal, so the transmitter is empty again by the time the guest
 * looks.  LSR always reports THRE and TEMT, and every THR write ends with
 * a fresh "THR empty" event (a pulse on the interrupt line if ETBEI is on),
 * which is what a real UART does once the byte has left.
 *
 * Reception: bytes are pulled from the terminal's ring into the RX FIFO
 * whenever it has room (when the terminal signals input and whenever the
 * guest reads RBR), so console input never overruns.  Loopback mode feeds
 * THR into the RX FIFO instead and can overrun it, setting OE.
 *
 * Interrupt priorities as on the 16550: receiver line status, received
 * data (reported as a character timeout while the FIFO is below its
 * trigger level, so data present is always enough), THR empty, modem
 * status.  On the port I/O bus (a PC) the interrupt only reaches the
 * interrupt controller while MCR.OUT2 is set and loopback is off.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "kvm/kvm.h"
#include "kvm/bus.h"
#include "kvm/devices.h"
#include "kvm/serial.h"
#include "kvm/snapshot.h"
#include "kvm/term.h"
#include "kvm/util.h"

/* Register offsets. */
#define REG_RBR		0	/* read, DLAB = 0 */
#define REG_THR		0	/* write, DLAB = 0 */
#define REG_DLL		0	/* DLAB = 1 */
#define REG_IER		1	/* DLAB = 0 */
#define REG_DLM		1	/* DLAB = 1 */
#define REG_IIR		2	/* read */
#define REG_FCR		2	/* write */
#define REG_LCR		3
#define REG_MCR		4
#define REG_LSR		5
#define REG_MSR		6
#define REG_SCR		7

#define IER_RDI		0x01
#define IER_THRI	0x02
#define IER_RLSI	0x04
#define IER_MSI		0x08
#define IER_MASK	0x0f

#define IIR_MSI		0x00
#define IIR_NO_INT	0x01
#define IIR_THRI	0x02
#define IIR_RDI		0x04
#define IIR_RLSI	0x06
#define IIR_RX_TIMEOUT	0x0c
#define IIR_FIFO_ON	0xc0

#define FCR_ENABLE	0x01
#define FCR_CLEAR_RX	0x02
#define FCR_CLEAR_TX	0x04
#define FCR_DMA		0x08
#define FCR_TRIG_SHIFT	6
#define FCR_STORED	(FCR_ENABLE | FCR_DMA | (3 << FCR_TRIG_SHIFT))

#define LCR_DLAB	0x80

#define MCR_DTR		0x01
#define MCR_RTS		0x02
#define MCR_OUT1	0x04
#define MCR_OUT2	0x08
#define MCR_LOOP	0x10
#define MCR_MASK	0x1f

#define LSR_DR		0x01
#define LSR_OE		0x02
#define LSR_PE		0x04
#define LSR_FE		0x08
#define LSR_BI		0x10
#define LSR_THRE	0x20
#define LSR_TEMT	0x40
#define LSR_ERRORS	(LSR_OE | LSR_PE | LSR_FE | LSR_BI)

#define MSR_DCTS	0x01
#define MSR_DDSR	0x02
#define MSR_TERI	0x04
#define MSR_DDCD	0x08
#define MSR_DELTAS	0x0f
#define MSR_CTS		0x10
#define MSR_DSR		0x20
#define MSR_RI		0x40
#define MSR_DCD		0x80
#define MSR_INPUTS	0xf0

#define SERIAL_STATE_VERSION	1

/* Guest-visible state: one snapshot section, no pointers. */
struct serial8250_state {
	u8	dll;
	u8	dlm;
	u8	ier;
	u8	fcr;		/* FCR_STORED bits */
	u8	lcr;
	u8	mcr;
	u8	lsr;		/* error bits; DR, THRE, TEMT are derived */
	u8	msr;		/* input lines (high nibble) and deltas (low) */
	u8	scr;
	u8	thri_pending;	/* THR emptied since the guest last saw THRI */
	u8	irq_level;	/* what the interrupt controller was told */
	u8	rx_head;
	u8	rx_count;
	u8	reserved[3];
	u8	rx_fifo[SERIAL8250_FIFO_SIZE];
};

struct serial8250 {
	struct vm_device	dev;
	struct kvm		*kvm;
	struct bus		*bus;
	struct bus_range	range;
	struct term		*term;
	u32			irq;
	bool			out2_gates_irq;
	pthread_mutex_t		lock;
	struct serial8250_state	st;
};

static const u8 rx_trigger_levels[4] = { 1, 4, 8, 14 };

static u8 rx_capacity(struct serial8250 *s)
{
	return (s->st.fcr & FCR_ENABLE) ? SERIAL8250_FIFO_SIZE : 1;
}

static void rx_clear(struct serial8250 *s)
{
	s->st.rx_head = 0;
	s->st.rx_count = 0;
}

/* A character arrives at the receiver. */
static void rx_push(struct serial8250 *s, u8 c)
{
	struct serial8250_state *st = &s->st;

	if (st->rx_count >= rx_capacity(s)) {
		st->lsr |= LSR_OE;
		/* Without FIFO the new character overwrites the old one. */
		if (!(st->fcr & FCR_ENABLE))
			st->rx_fifo[st->rx_head] = c;
		return;
	}
	st->rx_fifo[(st->rx_head + st->rx_count) % SERIAL8250_FIFO_SIZE] = c;
	st->rx_count++;
}

/* Pull terminal input while the receiver has room. */
static void rx_fill(struct serial8250 *s)
{
	u8 buf[SERIAL8250_FIFO_SIZE];
	u32 room, n, i;

	if (!s->term || (s->st.mcr & MCR_LOOP))
		return;
	room = rx_capacity(s) - s->st.rx_count;
	if (!room)
		return;
	n = term_read(s->term, buf, room);
	for (i = 0; i < n; i++)
		rx_push(s, buf[i]);
}

static u8 rx_pop(struct serial8250 *s)
{
	struct serial8250_state *st = &s->st;
	u8 c;

	if (!st->rx_count)
		return 0;
	c = st->rx_fifo[st->rx_head];
	st->rx_head = (st->rx_head + 1) % SERIAL8250_FIFO_SIZE;
	st->rx_count--;
	rx_fill(s);
	return c;
}

/* Modem control inputs: looped back from MCR, or a connected terminal. */
static u8 modem_inputs(struct serial8250 *s)
{
	u8 mcr = s->st.mcr, in = 0;

	if (!(mcr & MCR_LOOP))
		return MSR_DCD | MSR_DSR | MSR_CTS;
	if (mcr & MCR_RTS)
		in |= MSR_CTS;
	if (mcr & MCR_DTR)
		in |= MSR_DSR;
	if (mcr & MCR_OUT1)
		in |= MSR_RI;
	if (mcr & MCR_OUT2)
		in |= MSR_DCD;
	return in;
}

static void update_modem_inputs(struct serial8250 *s)
{
	u8 old = s->st.msr & MSR_INPUTS, in = modem_inputs(s);
	u8 changed = old ^ in, delta = 0;

	if (changed & MSR_CTS)
		delta |= MSR_DCTS;
	if (changed & MSR_DSR)
		delta |= MSR_DDSR;
	if ((old & MSR_RI) && !(in & MSR_RI))
		delta |= MSR_TERI;
	if (changed & MSR_DCD)
		delta |= MSR_DDCD;
	s->st.msr = in | (s->st.msr & MSR_DELTAS) | delta;
}

static u8 lsr_value(struct serial8250 *s)
{
	return (s->st.lsr & LSR_ERRORS) | (s->st.rx_count ? LSR_DR : 0) |
	       LSR_THRE | LSR_TEMT;
}

/* The highest-priority pending interrupt, as IIR bits 3:0. */
static u8 pending_iir(struct serial8250 *s)
{
	struct serial8250_state *st = &s->st;

	if ((st->ier & IER_RLSI) && (st->lsr & LSR_ERRORS))
		return IIR_RLSI;
	if ((st->ier & IER_RDI) && st->rx_count) {
		if ((st->fcr & FCR_ENABLE) &&
		    st->rx_count < rx_trigger_levels[st->fcr >> FCR_TRIG_SHIFT])
			return IIR_RX_TIMEOUT;
		return IIR_RDI;
	}
	if ((st->ier & IER_THRI) && st->thri_pending)
		return IIR_THRI;
	if ((st->ier & IER_MSI) && (st->msr & MSR_DELTAS))
		return IIR_MSI;
	return IIR_NO_INT;
}

static bool irq_output(struct serial8250 *s)
{
	if (pending_iir(s) == IIR_NO_INT)
		return false;
	/* On a PC, OUT2 enables the IRQ driver; loopback forces OUT2 off. */
	if (s->out2_gates_irq &&
	    (!(s->st.mcr & MCR_OUT2) || (s->st.mcr & MCR_LOOP)))
		return false;
	return true;
}

static void update_irq(struct serial8250 *s)
{
	bool level = irq_output(s);

	if (level == !!s->st.irq_level)
		return;
	s->st.irq_level = level;
	kvm__irq_line(s->kvm, s->irq, level);
}

static void write_fcr(struct serial8250 *s, u8 v)
{
	struct serial8250_state *st = &s->st;

	/* Switching the FIFOs on or off clears them. */
	if ((v ^ st->fcr) & FCR_ENABLE)
		rx_clear(s);
	if (!(v & FCR_ENABLE)) {
		/* The other bits are only programmed together with bit 0. */
		st->fcr = 0;
	} else {
		if (v & FCR_CLEAR_RX)
			rx_clear(s);
		/* FCR_CLEAR_TX: the transmitter is always empty. */
		st->fcr = v & FCR_STORED;
	}
	rx_fill(s);
}

static void write_ier(struct serial8250 *s, u8 v)
{
	u8 old = s->st.ier;

	s->st.ier = v & IER_MASK;
	/* Enabling ETBEI while THR is empty (it always is) raises THRI. */
	if (!(old & IER_THRI) && (s->st.ier & IER_THRI))
		s->st.thri_pending = 1;
}

static void write_mcr(struct serial8250 *s, u8 v)
{
	s->st.mcr = v & MCR_MASK;
	update_modem_inputs(s);
	rx_fill(s);
}

/* A byte written to THR: returns true if it goes to the terminal. */
static bool write_thr(struct serial8250 *s, u8 v)
{
	bool out = false;

	if (s->st.mcr & MCR_LOOP)
		rx_push(s, v);
	else
		out = s->term != NULL;
	/*
	 * Writing THR clears THRI; the byte leaves at once and THR is empty
	 * again, which raises THRI anew: a fresh edge for the guest.
	 */
	s->st.thri_pending = 0;
	update_irq(s);
	s->st.thri_pending = 1;
	return out;
}

static u8 read_reg(struct serial8250 *s, u32 reg)
{
	struct serial8250_state *st = &s->st;
	bool dlab = st->lcr & LCR_DLAB;
	u8 v;

	switch (reg) {
	case REG_RBR:
		return dlab ? st->dll : rx_pop(s);
	case REG_IER:
		return dlab ? st->dlm : st->ier;
	case REG_IIR:
		v = pending_iir(s);
		if (v == IIR_THRI)
			st->thri_pending = 0;
		return v | ((st->fcr & FCR_ENABLE) ? IIR_FIFO_ON : 0);
	case REG_LCR:
		return st->lcr;
	case REG_MCR:
		return st->mcr;
	case REG_LSR:
		v = lsr_value(s);
		st->lsr &= ~LSR_ERRORS;
		return v;
	case REG_MSR:
		v = st->msr;
		st->msr &= ~MSR_DELTAS;
		return v;
	case REG_SCR:
		return st->scr;
	}
	return 0xff;
}

static bool write_reg(struct serial8250 *s, u32 reg, u8 v)
{
	struct serial8250_state *st = &s->st;
	bool dlab = st->lcr & LCR_DLAB;

	switch (reg) {
	case REG_THR:
		if (dlab)
			st->dll = v;
		else
			return write_thr(s, v);
		break;
	case REG_IER:
		if (dlab)
			st->dlm = v;
		else
			write_ier(s, v);
		break;
	case REG_FCR:
		write_fcr(s, v);
		break;
	case REG_LCR:
		st->lcr = v;
		break;
	case REG_MCR:
		write_mcr(s, v);
		break;
	case REG_SCR:
		st->scr = v;
		break;
	default:
		pr_debug("%s: write 0x%02x to read-only register %u ignored",
			 s->dev.name, v, reg);
		break;
	}
	return false;
}

/*
 * Bus handler.  A wider access is split into byte accesses to consecutive
 * registers, as a PC chipset does; bytes beyond the block read 0xff.
 */
static void serial_io(struct kvm_cpu *vcpu, u64 offset, u8 *data, u32 len,
		      bool is_write, void *opaque)
{
	struct serial8250 *s = opaque;
	u8 tx[SERIAL8250_NR_REGS];
	u32 i, ntx = 0;

	pthread_mutex_lock(&s->lock);
	for (i = 0; i < len; i++) {
		if (offset >= SERIAL8250_NR_REGS ||
		    i >= SERIAL8250_NR_REGS - offset) {
			if (!is_write)
				memset(data + i, 0xff, len - i);
			break;
		}
		if (is_write) {
			if (write_reg(s, offset + i, data[i]))
				tx[ntx++] = data[i];
		} else {
			data[i] = read_reg(s, offset + i);
		}
		update_irq(s);
	}
	pthread_mutex_unlock(&s->lock);

	/* Outside the lock: a stalled terminal must not block console input. */
	if (ntx)
		term_write(s->term, tx, ntx);
}

/* Called from the main loop when the terminal has input. */
static void serial_term_notify(void *opaque)
{
	struct serial8250 *s = opaque;

	pthread_mutex_lock(&s->lock);
	rx_fill(s);
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

/* Master reset: DLL, DLM and SCR keep their values, as on the real part. */
static void reset_state(struct serial8250 *s)
{
	struct serial8250_state *st = &s->st;
	u8 dll = st->dll, dlm = st->dlm, scr = st->scr;
	u8 irq_level = st->irq_level;

	memset(st, 0, sizeof(*st));
	st->dll = dll;
	st->dlm = dlm;
	st->scr = scr;
	st->irq_level = irq_level;
	st->msr = modem_inputs(s);
}

static void serial_reset(struct vm_device *dev)
{
	struct serial8250 *s = container_of(dev, struct serial8250, dev);

	pthread_mutex_lock(&s->lock);
	reset_state(s);
	rx_fill(s);
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

static int serial_save(struct vm_device *dev, struct snapshot *snap)
{
	struct serial8250 *s = container_of(dev, struct serial8250, dev);
	struct serial8250_state st;

	pthread_mutex_lock(&s->lock);
	st = s->st;
	pthread_mutex_unlock(&s->lock);
	return snap_put(snap, dev->name, SERIAL_STATE_VERSION, &st, sizeof(st));
}

static int serial_restore(struct vm_device *dev, struct snapshot *snap)
{
	struct serial8250 *s = container_of(dev, struct serial8250, dev);
	struct serial8250_state st;
	int ret;

	ret = snap_get(snap, dev->name, SERIAL_STATE_VERSION, &st, sizeof(st));
	if (ret)
		return ret;
	/* The snapshot is input too: keep every index in range. */
	st.ier &= IER_MASK;
	st.fcr &= FCR_STORED;
	if (!(st.fcr & FCR_ENABLE))
		st.fcr = 0;
	st.mcr &= MCR_MASK;
	st.lsr &= LSR_ERRORS;
	st.thri_pending = !!st.thri_pending;
	st.rx_head %= SERIAL8250_FIFO_SIZE;
	memset(st.reserved, 0, sizeof(st.reserved));

	pthread_mutex_lock(&s->lock);
	s->st = st;
	if (s->st.rx_count > rx_capacity(s))
		s->st.rx_count = rx_capacity(s);
	s->st.msr = modem_inputs(s) | (s->st.msr & MSR_DELTAS);
	/* Tell the (new) interrupt controller where the line is. */
	s->st.irq_level = irq_output(s);
	kvm__irq_line(s->kvm, s->irq, s->st.irq_level);
	rx_fill(s);
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

static void serial_exit(struct vm_device *dev)
{
	struct serial8250 *s = container_of(dev, struct serial8250, dev);

	bus_del(s->bus, &s->range);
	if (s->term && s->term->notify_opaque == s)
		term_set_sink(s->term, NULL, NULL);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static const struct vm_device_ops serial8250_ops = {
	.type		= "serial8250",
	.reset		= serial_reset,
	.save		= serial_save,
	.restore	= serial_restore,
	.exit		= serial_exit,
};

struct serial8250 *serial8250__init(struct kvm *kvm, struct bus *bus, u64 base,
				    u32 irq, struct term *term,
				    const char *name)
{
	struct serial8250 *s;
	int ret;

	if (!bus) {
		pr_err("%s: no bus", name ? name : "serial");
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		pr_err("%s: out of memory", name ? name : "serial");
		return NULL;
	}
	s->kvm = kvm;
	s->bus = bus;
	s->irq = irq;
	s->term = term;
	s->out2_gates_irq = bus == &kvm->pio_bus;
	snprintf(s->dev.name, sizeof(s->dev.name), "%s",
		 name ? name : "serial");
	s->dev.ops = &serial8250_ops;
	pthread_mutex_init(&s->lock, NULL);

	s->st.dll = 12;		/* 9600 baud from 1.8432 MHz */
	reset_state(s);

	s->range = (struct bus_range) {
		.base	= base,
		.len	= SERIAL8250_NR_REGS,
		.fn	= serial_io,
		.opaque	= s,
		.name	= s->dev.name,
	};
	ret = bus_add(bus, &s->range);
	if (ret) {
		pr_err("%s: cannot register at 0x%llx: %s", s->dev.name,
		       (unsigned long long)base, strerror(-ret));
		pthread_mutex_destroy(&s->lock);
		free(s);
		return NULL;
	}
	kvm__add_device(kvm, &s->dev);
	if (term) {
		term_set_sink(term, serial_term_notify, s);
		serial_term_notify(s);
	}
	return s;
}

bool serial8250__irq_level(struct serial8250 *s)
{
	bool level;

	pthread_mutex_lock(&s->lock);
	level = s->st.irq_level;
	pthread_mutex_unlock(&s->lock);
	return level;
}
