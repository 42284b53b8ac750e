/* SPDX-License-Identifier: GPL-2.0 */
/*
 * arm64 kernel loading (Documentation/arch/arm64/booting.rst): the Image
 * header and where the kernel, initrd and device tree go in RAM.  Plain C
 * without KVM, so that it is unit-tested on any host.
 */
#ifndef KVM__ARM_BOOT_H
#define KVM__ARM_BOOT_H

#include "kvm/compiler.h"
#include "kvm/kvm-arch.h"

#define ARM64_IMAGE_MAGIC	0x644d5241	/* "ARM\x64" */
#define ARM64_DTB_MAX_SIZE	SZ_2M		/* booting.rst: at most 2 MiB */
#define ARM64_CMDLINE_MAX	2048		/* COMMAND_LINE_SIZE, NUL included */

/* Image header flags. */
#define ARM64_IMAGE_FLAG_BE		BIT(0)
#define ARM64_IMAGE_FLAG_PAGE_SHIFT	1
#define ARM64_IMAGE_FLAG_PAGE_MASK	3
#define ARM64_IMAGE_FLAG_PHYS_ANY	BIT(3)

struct arm64_image {
	u64	text_offset;	/* load at a 2 MiB aligned base + this */
	u64	image_size;	/* bytes the kernel occupies, BSS included */
	u64	flags;
	u64	file_size;
	u32	page_size;	/* from the flags; 0 if unspecified */
	bool	efi;		/* has an EFI/PE header ("MZ") */
};

/*
 * Check an Image.  Returns 0, or -EINVAL with *why set to a one-line
 * reason (gzip-compressed, ELF, not an Image, big-endian, truncated...).
 */
int arm64_image_parse(const void *buf, u64 len, struct arm64_image *img,
		      const char **why);

/*
 * Place the kernel at the bottom of RAM and, from @top down (the end of
 * RAM, or the start of what is reserved at its end), the device tree in a
 * 2 MiB block of its own and the initrd below it; the initrd stays in the
 * 32 GiB window that booting.rst allows.  Returns 0 or -ENOSPC with *why.
 */
int arm64_boot_place(const struct arm64_image *img, u64 ram_base, u64 top,
		     u64 initrd_size, struct arm_boot *b, const char **why);

#endif
