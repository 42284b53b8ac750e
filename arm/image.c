// SPDX-License-Identifier: GPL-2.0
/*
 * The arm64 Image header (Documentation/arch/arm64/booting.rst):
 *
 *   0x00  code0, code1      (an EFI stub kernel starts with "MZ" here)
 *   0x08  text_offset       little-endian, like everything below
 *   0x10  image_size        0 before Linux 3.17
 *   0x18  flags             bit 0 big-endian, bits 1-2 page size,
 *                           bit 3 may be placed anywhere in RAM
 *   0x20  res2, res3, res4
 *   0x38  magic             "ARM\x64"
 *   0x3c  res5              offset of the PE header on EFI stub kernels
 *
 * The kernel goes text_offset bytes above a 2 MiB aligned base; image_size
 * bytes from there belong to it (BSS included).  The device tree goes on
 * an 8-byte boundary, at most 2 MiB, in a 2 MiB block nothing else needs
 * mapped differently; the initrd in the 1 GiB aligned, at most 32 GiB
 * window that also holds the kernel.
 */
#include <string.h>

#include "kvm/arm-boot.h"
#include "kvm/util.h"

#define PE_MAGIC		0x00004550	/* "PE\0\0" */
#define PE_COFF_HDR_SIZE	24		/* signature + file header */
#define PE_SECTION_SIZE		40

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

/*
 * An EFI stub kernel carries a PE/COFF header whose section table says
 * how many bytes of the file there must be: the one reliable way to tell
 * a truncated Image.
 */
static int check_pe(const u8 *b, u64 len, const char **why)
{
	u64 pe = get32(b + 0x3c), sect, end, i;
	u16 nsect, optsz;

	if (pe < ARM64_IMAGE_HDR_SIZE || pe + PE_COFF_HDR_SIZE > len ||
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

		end = (u64)get32(s + 20) + get32(s + 16);	/* raw ptr + size */
		if (end > len) {
			*why = "file is truncated: shorter than its PE sections";
			return -EINVAL;
		}
	}
	return 0;
}

int arm64_image_parse(const void *buf, u64 len, struct arm64_image *img,
		      const char **why)
{
	const u8 *b = buf;

	memset(img, 0, sizeof(*img));
	if (len >= 2 && b[0] == 0x1f && b[1] == 0x8b) {
		*why = "gzip-compressed; lkvm boots an uncompressed arm64 Image "
		       "(gunzip it first)";
		return -EINVAL;
	}
	if (len >= 4 && !memcmp(b, "\177ELF", 4)) {
		*why = "ELF file (vmlinux?); lkvm boots an arm64 Image "
		       "(arch/arm64/boot/Image)";
		return -EINVAL;
	}
	if (len >= 8 && b[0] == 'M' && b[1] == 'Z' && !memcmp(b + 4, "zimg", 4)) {
		*why = "compressed EFI zboot image; lkvm boots the uncompressed "
		       "arm64 Image inside it";
		return -EINVAL;
	}
	if (len < ARM64_IMAGE_HDR_SIZE) {
		*why = "file too short for an arm64 Image header";
		return -EINVAL;
	}
	if (get32(b + 0x38) != ARM64_IMAGE_MAGIC) {
		*why = "not an arm64 Image (magic \"ARM\\x64\" missing at 0x38)";
		return -EINVAL;
	}
	img->text_offset = get64(b + 0x08);
	img->image_size = get64(b + 0x10);
	img->flags = get64(b + 0x18);
	img->file_size = len;
	img->efi = b[0] == 'M' && b[1] == 'Z';

	if (!img->image_size) {
		/* Before 3.17: little-endian, text_offset 0x80000, size unknown. */
		img->text_offset = 0x80000;
		img->image_size = ALIGN_UP(len, SZ_4K);
		img->flags = 0;
	}
	if (img->flags & ARM64_IMAGE_FLAG_BE) {
		*why = "big-endian kernel; lkvm runs little-endian guests only";
		return -EINVAL;
	}
	img->page_size = (u32[]){ 0, SZ_4K, 16 * SZ_1K, SZ_64K }
		[(img->flags >> ARM64_IMAGE_FLAG_PAGE_SHIFT) &
		 ARM64_IMAGE_FLAG_PAGE_MASK];
	if (img->text_offset >= SZ_2M || !IS_ALIGNED(img->text_offset, SZ_4K)) {
		*why = "corrupt Image header: text_offset is not a page offset "
		       "below 2 MiB";
		return -EINVAL;
	}
	if (img->image_size > SZ_1G) {
		*why = "corrupt Image header: image_size is over 1 GiB";
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

int arm64_boot_place(const struct arm64_image *img, u64 ram_base, u64 top,
		     u64 initrd_size, struct arm_boot *b, const char **why)
{
	u64 limit, window_end;

	memset(b, 0, sizeof(*b));
	b->kernel_addr = ALIGN_UP(ram_base, SZ_2M) + img->text_offset;
	b->kernel_end = b->kernel_addr + img->image_size;

	/* The initrd must share a 32 GiB window with the kernel. */
	window_end = ALIGN_DOWN(b->kernel_addr, SZ_1G) + 32 * SZ_1G;
	limit = min_t(u64, top, window_end);
	limit = ALIGN_DOWN(limit, SZ_2M);
	if (limit < b->kernel_end + SZ_2M) {
		*why = "not enough RAM for the kernel and its device tree";
		return -ENOSPC;
	}
	b->dtb_addr = limit - SZ_2M;
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
