/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Address buses (port I/O and MMIO).
 *
 * A device describes each of its windows with a struct bus_range that it
 * owns, and adds, moves or removes it at any time, also while vCPUs run.
 * The bus keeps the set of registered ranges and compiles them into a
 * sorted, non-overlapping decode map that lookups binary-search.  The map
 * is immutable once published: an update builds a new one and swaps it in
 * under the write side of a reader-writer lock, so a lookup sees either the
 * old decode or the new one, never a mix.
 *
 * Overlap: "fixed" ranges (platform devices) may not overlap each other
 * and always win over movable ones.  Movable ranges (PCI BARs) may overlap;
 * where they do, the one decoded most recently wins, and when it moves away
 * the earlier one answers again.
 */
#ifndef KVM__BUS_H
#define KVM__BUS_H

#include <pthread.h>
#include "kvm/compiler.h"

struct kvm_cpu;

/*
 * @offset is relative to the range's base.  @data holds @len bytes in guest
 * (little-endian) order.  A read handler fills @data.
 */
typedef void (*bus_io_fn)(struct kvm_cpu *vcpu, u64 offset, u8 *data,
			  u32 len, bool is_write, void *opaque);

struct bus_range {
	u64		base;
	u64		len;
	bus_io_fn	fn;
	void		*opaque;
	const char	*name;
	bool		movable;
	/* Private to the bus. */
	bool		active;
	u64		seq;
};

struct bus_seg {
	u64		start;
	u64		end;		/* inclusive */
	u64		base;		/* base of the winning range */
	bus_io_fn	fn;
	void		*opaque;
	const struct bus_range *range;
};

struct bus_map {
	u32		nr;
	struct bus_seg	seg[];
};

struct bus {
	const char		*name;
	pthread_rwlock_t	lock;		/* guards @map pointer */
	pthread_mutex_t		update_lock;	/* serialises writers */
	struct bus_map		*map;
	struct bus_range	**ranges;	/* registered, under update_lock */
	u32			nr_ranges;
	u32			alloc_ranges;
	u64			next_seq;
	u64			unhandled;	/* accesses nobody claimed */
};

int bus_init(struct bus *bus, const char *name);
void bus_exit(struct bus *bus);

/* Add @r.  -EBUSY if a fixed range would overlap another fixed range. */
int bus_add(struct bus *bus, struct bus_range *r);
/* Remove @r (no-op if not active). */
void bus_del(struct bus *bus, struct bus_range *r);
/*
 * Move @r to @new_base in one atomic step (it becomes the most recent
 * decode).  Works whether or not @r is active; an inactive range is added.
 */
int bus_move(struct bus *bus, struct bus_range *r, u64 new_base);

/*
 * Dispatch an access.  Returns true if a range claimed it.  An access that
 * no range fully contains is unhandled: reads return all-ones.
 */
bool bus_dispatch(struct bus *bus, struct kvm_cpu *vcpu, u64 addr, u8 *data,
		  u32 len, bool is_write);

/* Look up the range decoding @addr (for tests and debug); NULL if none. */
const struct bus_range *bus_lookup(struct bus *bus, u64 addr);

#endif
