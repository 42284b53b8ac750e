/* SPDX-License-Identifier: GPL-2.0 */
/* x86 kernel loading: bzImage (64-bit boot protocol) and flat binaries. */
#ifndef KVM__X86_BOOT_H
#define KVM__X86_BOOT_H

#include <asm/bootparam.h>
#include "kvm/compiler.h"

#define BZ_MIN_PROTOCOL		0x020c	/* 2.12: 64-bit entry (XLF_KERNEL_64) */
#define FLAT_MAX_SIZE		(EBDA_START - FLAT_LOAD_ADDR)

struct bzimage_info {
	struct setup_header	hdr;
	u32			setup_size;	/* bytes before the kernel */
	u64			kernel_size;	/* protected-mode part */
	u64			footprint_end;	/* highest byte it uses + 1 */
	u32			initrd_addr_max;
	u32			cmdline_size;
};

/* Returns 0, or -EINVAL with *why set to a one-line reason. */
int bzimage_parse(const void *buf, u64 len, struct bzimage_info *bi,
		  const char **why);
/* true if @buf looks like a bzImage (boot sector flag or "HdrS"). */
bool bzimage_probe(const void *buf, u64 len);
/*
 * Choose where the initrd goes: as high as possible below both the top of
 * low RAM and initrd_addr_max, page aligned, above the kernel.
 */
int bzimage_place_initrd(const struct bzimage_info *bi, u64 lowmem_end,
			 u64 size, u64 *addr, const char **why);

/* Check an x86_64 vmlinux: its physical extent and entry point. */
const char *vmlinux_parse(const void *buf, u64 len, u64 *lo, u64 *hi,
			  u64 *entry);

#endif
