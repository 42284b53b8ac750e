/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Snapshots.  Devices, vCPUs and the architecture save their state as
 * named, versioned sections; guest RAM goes into the same file at an
 * aligned offset so that restore maps it (MAP_PRIVATE) instead of reading
 * it.
 *
 * DIR/lkvm.snap:
 *   header   magic, format version, arch, lkvm version, RAM size, offsets,
 *            CRC32 of the header and of the state area
 *   state    sections: id, version, length, CRC32, data
 *   RAM      at mem_offset (2 MiB aligned), ram_size bytes, sparse
 *
 * It is written as DIR/.lkvm.snap.tmp, synced, then renamed, so a failed
 * save leaves an older snapshot intact.  Files are private (0600): they
 * hold the guest's memory.
 */
#ifndef KVM__SNAPSHOT_H
#define KVM__SNAPSHOT_H

#include "kvm/compiler.h"

#define SNAP_FILE_NAME		"lkvm.snap"
#define SNAP_FORMAT_VERSION	1
#define SNAP_MAGIC		"LKVMSNAP"
#define SNAP_MEM_ALIGN		(2ULL << 20)

struct kvm;
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
bool snap_has(struct snapshot *s, const char *id);

/* An in-memory set of sections (what a snapshot file holds). */
struct snapshot *snapshot_new(void);
void snapshot_free(struct snapshot *s);
u32 snapshot_nr_sections(const struct snapshot *s);

/* Where a snapshot's guest RAM is, once its file has been checked. */
struct snapshot_mem {
	int	fd;		/* the snapshot file, open read-only */
	u64	offset;
	u64	size;
};

/*
 * Write @s and the RAM at @ram (@ram_size bytes; @ram_fd >= 0 if the RAM
 * is itself a private mapping of that file at @ram_fd_off, whose unmapped
 * pages must be copied from it) to DIR/lkvm.snap.
 */
int snapshot_write(struct snapshot *s, const char *dir, const void *ram,
		   u64 ram_size, int ram_fd, u64 ram_fd_off);
/*
 * Read and check DIR/lkvm.snap: every corruption is reported with one
 * line naming what is wrong.  On success *sp holds the sections and @mem
 * says where the RAM is.
 */
int snapshot_read(const char *dir, struct snapshot **sp,
		  struct snapshot_mem *mem);

u32 crc32_le(u32 crc, const void *buf, size_t len);

#endif
