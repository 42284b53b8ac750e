/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 8254 programmable interval timer: three 16-bit counters at 1.193182 MHz
 * on ports 0x40-0x42, the control word at 0x43, and the PC's port 0x61
 * (bit 0: channel 2's gate, bit 1: speaker data enable, bit 4: refresh
 * toggle, bit 5: channel 2's OUT).  Channel 0's OUT drives IRQ 0: a pulse
 * for each rising edge, from a timerfd on the VM's I/O thread.  Modes 0-5,
 * binary and BCD counting, counter latch and read-back commands.  Counters
 * follow CLOCK_MONOTONIC; a snapshot keeps how far each has counted, so a
 * restored VM's timer resumes where it was.
 */
#ifndef KVM__I8254_H
#define KVM__I8254_H

#include "kvm/compiler.h"

struct kvm;
struct i8254;
struct vm_device;

#define I8254_BASE		0x40
#define I8254_SPEAKER_PORT	0x61
#define I8254_FREQ		1193182ULL
#define I8254_STATE_VERSION	1

/* Channel 0's OUT rose: raise IRQ 0 (called without the PIT's lock). */
typedef void (*i8254_irq_fn)(void *opaque);

/*
 * Create the PIT and register its ports.  Its timer runs on @kvm's I/O
 * thread if the VM has one; without one (unit tests) call i8254__timer().
 */
struct i8254 *i8254__new(struct kvm *kvm, i8254_irq_fn irq, void *opaque);
void i8254__free(struct i8254 *pit);
struct vm_device *i8254__device(struct i8254 *pit);

/* Unit tests: the clock counters follow (ns), instead of CLOCK_MONOTONIC. */
void i8254__set_clock(struct i8254 *pit, u64 (*clock)(void *), void *opaque);
/* What the timer does when it fires: IRQ 0 if channel 0's OUT rose. */
void i8254__timer(struct i8254 *pit);

#endif
