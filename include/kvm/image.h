/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the arm64 and riscv64 Image formats share: a 64-byte little-endian
 * header (text_offset at 0x08, image_size at 0x10, flags at 0x18, the PE
 * header's offset at 0x3c on EFI stub kernels, which start with "MZ"), the
 * files that are mistaken for one, and the layout in RAM above the kernel.
 * Plain C without KVM, unit-tested on any host.
 */
#ifndef KVM__IMAGE_H
#define KVM__IMAGE_H

#include "kvm/compiler.h"

#define IMAGE_HDR_SIZE		64

/* What an Image loader says when handed a file of another kind. */
struct image_kind {
	const char	*gzip;
	const char	*elf;
	const char	*zboot;
	const char	*too_short;
};

/* @arch: "arm64"; @an_arch: "an arm64"; @path: where the kernel builds it. */
#define IMAGE_KIND(arch, an_arch, path) {				\
	.gzip		= "gzip-compressed; lkvm boots an uncompressed "	\
			  arch " Image (gunzip it first)",		\
	.elf		= "ELF file (vmlinux?); lkvm boots " an_arch	\
			  " Image (" path ")",				\
	.zboot		= "compressed EFI zboot image; lkvm boots the "	\
			  "uncompressed " arch " Image inside it",	\
	.too_short	= "file too short for " an_arch " Image header",	\
}

/*
 * The first checks of an Image: not gzip, ELF or EFI zboot, and long
 * enough for the header.  0, or -EINVAL with *why set.
 */
int image_check_kind(const u8 *b, u64 len, const struct image_kind *k,
		     const char **why);

/* An EFI stub kernel: "MZ" at the start (after image_check_kind()). */
static inline bool image_is_efi(const u8 *b)
{
	return b[0] == 'M' && b[1] == 'Z';
}

/*
 * The last checks of an Image: an EFI stub kernel's PE section table ends
 * within the file (the one reliable sign of a truncated Image), and the
 * file is no larger than image_size.  0, or -EINVAL with *why set.
 */
int image_check_size(const u8 *b, u64 len, bool efi, u64 image_size,
		     const char **why);

/*
 * Above the kernel (which ends at @kernel_end): the device tree at the
 * start of the @dtb_size block right below @limit, and the initrd (if
 * any) 4 KiB aligned right below that.  0, or -ENOSPC with *why set.
 */
int image_place_dtb_initrd(u64 kernel_end, u64 limit, u64 dtb_size,
			   u64 initrd_size, u64 *dtb_addr, u64 *initrd_addr,
			   const char **why);

/* The error when image_place_dtb_initrd() fails: "-m N MiB: why (...)". */
void image_place_error(u64 ram_size, const char *why, u64 image_size,
		       u64 initrd_size);

#endif
