/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MC146818 CMOS real-time clock: index port 0x70 (bit 7 masks NMIs), data
 * port 0x71, 128 bytes of CMOS, IRQ 8 for alarm, update-ended and periodic
 * interrupts.  The clock is the host's UTC plus an offset that the guest
 * changes by setting the time.
 */
#ifndef KVM__RTC_H
#define KVM__RTC_H

#include "kvm/compiler.h"

struct kvm;

#define RTC_PORT_INDEX		0x70
#define RTC_PORT_DATA		0x71
#define RTC_IRQ			8
#define RTC_CMOS_SIZE		128
#define RTC_CMOS_CENTURY	0x32	/* for the FADT's CENTURY field */

/* Register the RTC on the port I/O bus and add it to the VM. */
int rtc__init(struct kvm *kvm);

/* Level of the IRQ 8 output (for tests and debugging). */
bool rtc__irq_level(struct kvm *kvm);

#endif
