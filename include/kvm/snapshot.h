/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Snapshot sections.  Devices and vCPUs save their state as named,
 * versioned sections; the file format (header, per-section CRC, memory
 * file) lives in snapshot.c.
 */
#ifndef KVM__SNAPSHOT_H
#define KVM__SNAPSHOT_H

#include "kvm/compiler.h"

struct snapshot;

int snap_put(struct snapshot *s, const char *id, u32 version,
	     const void *data, u32 len);
/* Copy a section of exactly @len bytes; a missing or mis-sized one fails
 * with a message naming @id. */
int snap_get(struct snapshot *s, const char *id, u32 version,
	     void *data, u32 len);
/* Variable-length section: returns a pointer into the snapshot. */
int snap_get_var(struct snapshot *s, const char *id, u32 version,
		 const void **data, u32 *len);

#endif

#ifndef KVM__SNAPSHOT_STORE
#define KVM__SNAPSHOT_STORE
/* An in-memory set of sections (what a snapshot file holds). */
struct snapshot *snapshot_new(void);
void snapshot_free(struct snapshot *s);
u32 snapshot_nr_sections(const struct snapshot *s);
#endif
