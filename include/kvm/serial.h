/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 8250/16550A UART: eight byte-wide registers (register shift 0) on a port
 * I/O or MMIO bus.  With a terminal it is the console: transmitted bytes
 * go to the terminal at once and received bytes are pulled from it into
 * the 16-byte RX FIFO.
 */
#ifndef KVM__SERIAL_H
#define KVM__SERIAL_H

#include "kvm/compiler.h"

struct kvm;
struct bus;
struct term;
struct serial8250;

#define SERIAL8250_NR_REGS	8
#define SERIAL8250_FIFO_SIZE	16

/* The PC COM ports. */
#define SERIAL_COM1_BASE	0x3f8
#define SERIAL_COM1_IRQ		4
#define SERIAL_COM2_BASE	0x2f8
#define SERIAL_COM2_IRQ		3
#define SERIAL_COM3_BASE	0x3e8
#define SERIAL_COM3_IRQ		4
#define SERIAL_COM4_BASE	0x2e8
#define SERIAL_COM4_IRQ		3

/*
 * Create a UART at @base on @bus, raising @irq, and add it to the VM as
 * device @name (also its snapshot section).  If @term is not NULL the UART
 * becomes the terminal's input sink.  On the port I/O bus MCR.OUT2 gates the
 * interrupt as on PCs; elsewhere the interrupt is wired directly.
 * Returns NULL (after logging why) on failure.
 */
struct serial8250 *serial8250__init(struct kvm *kvm, struct bus *bus, u64 base,
				    u32 irq, struct term *term,
				    const char *name);

/* Current level of the interrupt output (for tests and debugging). */
bool serial8250__irq_level(struct serial8250 *s);

#endif
