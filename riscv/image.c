// SPDX-License-Identifier: GPL-2.0
/*
 * The riscv64 Image header (Documentation/riscv/boot-image-header.rst):
 *
 *   0x00  code0, code1      (an EFI stub kernel starts with "MZ" here)
 *   0x08  text_offset       little-endian, like everything below
 *   0x10  image_size        mandatory: bytes the kernel occupies
 *   0x18  flags             bit 0: big-endian
 *   0x20  version           major << 16 | minor (0.2 today)
 *   0x24  res1, res2
 *   0x30  magic             "RISCV\0\0\0" (deprecated since 0.2)
 *   0x38  magic2            "RSC\x05"
 *   0x3c  res3              offset of the PE header on EFI stub kernels
 *
 * The kernel runs from a 2 MiB aligned address (its early page tables map
 * it with PMDs), entered in S-mode with the MMU off, a0 = hart ID and
 * a1 = the device tree's physical address (8-byte aligned).
 */
#include <string.h>

#include "kvm/riscv-boot.h"
#include "kvm/util.h"

#define PE_MAGIC		0x00004550	/* "PE\0\0" */
#define PE_COFF_HDR_SIZE	24		/* signature + file header */
#define PE_SECTION_SIZE		40
#define ARM64_IMAGE_MAGIC	0x644d5241	/* "ARM\x64" */

static u16 get16(const u8 *p)
{
	return p[0] | (p[1] << 8);
}

static u32 get32(const u8 *p)
{
	return get16(p) | ((u32)get16(p + 2) << 16);
}

static u64 get64(const u8 *p)
{
	return get32(p) | ((u64)get32(p + 4) << 32);
}

/* The PE section table of an EFI stub kernel tells a truncated file. */
static int check_pe(const u8 *b, u64 len, const char **why)
{
	u64 pe = get32(b + 0x3c), sect, i;
	u16 nsect, optsz;

	if (pe < RISCV_IMAGE_HDR_SIZE || pe + PE_COFF_HDR_SIZE > len ||
	    get32(b + pe) != PE_MAGIC) {
		*why = "EFI header points to no PE signature: corrupt Image";
		return -EINVAL;
	}
	nsect = get16(b + pe + 6);
	optsz = get16(b + pe + 20);
	sect = pe + PE_COFF_HDR_SIZE + optsz;
	if (sect + (u64)nsect * PE_SECTION_SIZE > len) {
		*why = "file is truncated: PE section table cut off";
		return -EINVAL;
	}
	for (i = 0; i < nsect; i++) {
		const u8 *s = b + sect + i * PE_SECTION_SIZE;

		/* raw data pointer + raw size */
		if ((u64)get32(s + 20) + get32(s + 16) > len) {
			*why = "file is truncated: shorter than its PE sections";
			return -EINVAL;
		}
	}
	return 0;
}

int riscv_image_parse(const void *buf, u64 len, struct riscv_image *img,
		      const char **why)
{
	const u8 *b = buf;

	memset(img, 0, sizeof(*img));
	if (len >= 2 && b[0] == 0x1f && b[1] == 0x8b) {
		*why = "gzip-compressed; lkvm boots an uncompressed riscv64 "
		       "Image (gunzip it first)";
		return -EINVAL;
	}
	if (len >= 4 && !memcmp(b, "\177ELF", 4)) {
		*why = "ELF file (vmlinux?); lkvm boots a riscv64 Image "
		       "(arch/riscv/boot/Image)";
		return -EINVAL;
	}
	if (len >= 8 && b[0] == 'M' && b[1] == 'Z' && !memcmp(b + 4, "zimg", 4)) {
		*why = "compressed EFI zboot image; lkvm boots the uncompressed "
		       "riscv64 Image inside it";
		return -EINVAL;
	}
	if (len < RISCV_IMAGE_HDR_SIZE) {
		*why = "file too short for a riscv64 Image header";
		return -EINVAL;
	}
	if (get32(b + 0x38) == ARM64_IMAGE_MAGIC) {
		*why = "an arm64 Image, not a riscv64 one";
		return -EINVAL;
	}
	if (get32(b + 0x38) != RISCV_IMAGE_MAGIC2 &&
	    get64(b + 0x30) != RISCV_IMAGE_MAGIC) {
		*why = "not a riscv64 Image (magic \"RSC\\x05\" missing at 0x38)";
		return -EINVAL;
	}
	img->text_offset = get64(b + 0x08);
	img->image_size = get64(b + 0x10);
	img->flags = get64(b + 0x18);
	img->version = get32(b + 0x20);
	img->file_size = len;
	img->efi = b[0] == 'M' && b[1] == 'Z';

	if (img->flags & RISCV_IMAGE_FLAG_BE) {
		*why = "big-endian kernel; lkvm runs little-endian guests only";
		return -EINVAL;
	}
	if (!img->image_size) {
		*why = "corrupt Image header: image_size is 0";
		return -EINVAL;
	}
	if (img->image_size > SZ_1G) {
		*why = "corrupt Image header: image_size is over 1 GiB";
		return -EINVAL;
	}
	if (img->text_offset >= SZ_1G || !IS_ALIGNED(img->text_offset, SZ_4K)) {
		*why = "corrupt Image header: text_offset is not a page offset "
		       "below 1 GiB";
		return -EINVAL;
	}
	if (img->efi && check_pe(b, len, why))
		return -EINVAL;
	if (len > img->image_size) {
		*why = "corrupt Image header: the file is larger than image_size";
		return -EINVAL;
	}
	return 0;
}

int riscv_boot_place(const struct riscv_image *img, u64 ram_base, u64 top,
		     u64 initrd_size, struct riscv_boot *b, const char **why)
{
	u64 limit;

	memset(b, 0, sizeof(*b));
	b->kernel_addr = ALIGN_UP(ram_base + img->text_offset, SZ_2M);
	b->kernel_end = b->kernel_addr + img->image_size;

	limit = min_t(u64, top, b->kernel_addr + RISCV_WINDOW);
	limit = ALIGN_DOWN(limit, SZ_2M);
	if (limit < b->kernel_end + RISCV_DTB_MAX_SIZE) {
		*why = "not enough RAM for the kernel and its device tree";
		return -ENOSPC;
	}
	b->dtb_addr = limit - RISCV_DTB_MAX_SIZE;
	if (initrd_size) {
		if (initrd_size > b->dtb_addr - b->kernel_end) {
			*why = "not enough RAM for the initrd above the kernel";
			return -ENOSPC;
		}
		b->initrd_addr = ALIGN_DOWN(b->dtb_addr - initrd_size, SZ_4K);
		if (b->initrd_addr < b->kernel_end) {
			*why = "not enough RAM for the initrd above the kernel";
			return -ENOSPC;
		}
		b->initrd_size = initrd_size;
	}
	return 0;
}
