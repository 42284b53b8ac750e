/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel loading pieces every architecture shares: the -k and -i files
 * mapped read-only (no copy: a kernel of tens of MiB costs seconds to read
 * into a buffer when the host is itself a guest) with the same one-line
 * errors everywhere, and where an initrd goes.
 */
#ifndef KVM__LOADER_H
#define KVM__LOADER_H

#include "kvm/compiler.h"

/* Little-endian fields of a kernel file's header. */
static inline u16 get_le16(const u8 *p)
{
	return p[0] | (p[1] << 8);
}

static inline u32 get_le32(const u8 *p)
{
	return get_le16(p) | ((u32)get_le16(p + 2) << 16);
}

static inline u64 get_le64(const u8 *p)
{
	return get_le32(p) | ((u64)get_le32(p + 4) << 32);
}

/*
 * Map the -k kernel (at most @max bytes).  0, or -errno with one line
 * logged ("-k PATH: why"); an empty file is an error too.  Release it with
 * unmap_file().
 */
int loader_map_kernel(const char *path, u64 max, const void **buf,
		      u64 *len);

/*
 * Map the -i initrd (at most @max bytes); no @path: none (NULL, 0).  0, or
 * -errno with one line logged ("-i PATH: why").  Release it with
 * unmap_file().
 */
int loader_map_initrd(const char *path, u64 max, const void **buf,
		      u64 *len);

/*
 * Place @size bytes as high as possible below @top, 4 KiB aligned and not
 * below @floor: 0 with *@addr set, or -ENOSPC.
 */
int loader_place_below(u64 floor, u64 top, u64 size, u64 *addr);

#endif
