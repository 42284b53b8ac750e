/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RISC-V Platform-Level Interrupt Controller (the SiFive PLIC, compatible
 * "sifive,plic-1.0.0"), emulated in lkvm for hosts without an in-kernel
 * interrupt controller (Linux 6.1 has no KVM AIA).
 *
 * Interrupt sources 1..nr_sources-1 are level-triggered lines; each has a
 * priority (0-7, 0 = never).  A context (one per hart: its supervisor
 * external interrupt) has an enable bit per source and a priority
 * threshold; its output is high while some enabled source is pending
 * with a priority above the threshold.  Claiming takes the pending source
 * of highest priority (lowest ID on ties) and closes its gateway until the
 * guest writes the same ID back to complete it; a line still high then is
 * pending again.  While a source is not in service its pending bit follows
 * the line.
 *
 * Register map (32-bit accesses only):
 *   0x000000 + 4 * id                  priority
 *   0x001000 + 4 * word                pending bits (read-only)
 *   0x002000 + 0x80 * ctx + 4 * word   enable bits
 *   0x200000 + 0x1000 * ctx            threshold
 *   0x200004 + 0x1000 * ctx            claim (read) / complete (write)
 */
#ifndef KVM__PLIC_H
#define KVM__PLIC_H

#include <pthread.h>

#include "kvm/bus.h"
#include "kvm/compiler.h"
#include "kvm/devices.h"

#define PLIC_MAX_SOURCES	1024
#define PLIC_MAX_CONTEXTS	15872
#define PLIC_MAX_PRIORITY	7

#define PLIC_PRIORITY_BASE	0x000000
#define PLIC_PENDING_BASE	0x001000
#define PLIC_ENABLE_BASE	0x002000
#define PLIC_ENABLE_STRIDE	0x80
#define PLIC_CONTEXT_BASE	0x200000
#define PLIC_CONTEXT_STRIDE	0x1000
#define PLIC_CONTEXT_THRESHOLD	0x0
#define PLIC_CONTEXT_CLAIM	0x4

/* Bytes of MMIO a PLIC with @nr_contexts contexts decodes. */
#define PLIC_MMIO_SIZE(nr_contexts) \
	(PLIC_CONTEXT_BASE + (u64)(nr_contexts) * PLIC_CONTEXT_STRIDE)

struct kvm;
struct plic;

/*
 * The output of context @ctx changed to @level (or is being re-asserted
 * after a restore: then it is called for every context).
 */
typedef void (*plic_output_fn)(void *opaque, u32 ctx, bool level);

/*
 * Create a PLIC with @nr_sources source IDs (0 included: riscv,ndev is
 * nr_sources - 1; a multiple of 32) and @nr_contexts contexts, decoding
 * at @base on @bus, and add it to the VM as device @name.  Returns NULL
 * (after logging why) on failure.
 */
struct plic *plic__init(struct kvm *kvm, struct bus *bus, u64 base,
			u32 nr_sources, u32 nr_contexts, plic_output_fn out,
			void *opaque, const char *name);

/* Drive source @irq's line. */
int plic__set_irq(struct plic *p, u32 irq, bool level);
/* Give every context its current output again (after vCPUs exist). */
void plic__resync(struct plic *p);

/* For tests: a context's output, a source's pending bit. */
bool plic__output(struct plic *p, u32 ctx);
bool plic__pending(struct plic *p, u32 irq);
/* MMIO access, as the bus dispatches it (for tests). */
void plic__mmio(struct plic *p, u64 off, u8 *data, u32 len, bool is_write);

#endif
