/* SPDX-License-Identifier: GPL-2.0 */
/*
 * riscv64 kernel loading (Documentation/riscv/boot-image-header.rst and
 * Documentation/arch/riscv/boot.rst): the Image header and where the
 * kernel, initrd and device tree go in RAM.  Plain C without KVM, so that
 * it is unit-tested on any host.
 */
#ifndef KVM__RISCV_BOOT_H
#define KVM__RISCV_BOOT_H

#include "kvm/compiler.h"
#include "kvm/kvm-arch.h"

#define RISCV_IMAGE_MAGIC	0x5643534952ULL	/* "RISCV\0\0\0", deprecated */
#define RISCV_IMAGE_MAGIC2	0x05435352	/* "RSC\x05" */
#define RISCV_IMAGE_FLAG_BE	BIT(0)
#define RISCV_DTB_MAX_SIZE	SZ_2M		/* the block the tree lives in */
#define RISCV_CMDLINE_MAX	1024		/* COMMAND_LINE_SIZE (Linux 6.1) */
#define RISCV_WINDOW		(32 * SZ_1G)	/* initrd/DTB this near the kernel */

struct riscv_image {
	u64	text_offset;	/* load at RAM base + this (2 MiB aligned) */
	u64	image_size;	/* bytes the kernel occupies, BSS included */
	u64	flags;
	u32	version;	/* major << 16 | minor */
	u64	file_size;
	bool	efi;		/* has an EFI/PE header ("MZ") */
};

/*
 * Check an Image.  Returns 0, or -EINVAL with *why set to a one-line
 * reason (gzip-compressed, ELF, arm64 Image, not an Image, big-endian,
 * truncated...).
 */
int riscv_image_parse(const void *buf, u64 len, struct riscv_image *img,
		      const char **why);

/*
 * Place the kernel at @ram_base + text_offset (rounded up to 2 MiB, as the
 * kernel's page tables need) and, from @top down (the end of RAM, at most
 * 32 GiB above the kernel so that both stay in the early linear map), the
 * device tree in a 2 MiB block of its own and the initrd below it.
 * Returns 0 or -ENOSPC with *why.
 */
int riscv_boot_place(const struct riscv_image *img, u64 ram_base, u64 top,
		     u64 initrd_size, struct riscv_boot *b, const char **why);

#endif
