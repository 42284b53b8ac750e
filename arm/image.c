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
#include "kvm/image.h"
#include "kvm/loader.h"
#include "kvm/util.h"

static const struct image_kind arm64_kind =
	IMAGE_KIND("arm64", "an arm64", "arch/arm64/boot/Image");

int arm64_image_parse(const void *buf, u64 len, struct arm64_image *img,
		      const char **why)
{
	const u8 *b = buf;

	memset(img, 0, sizeof(*img));
	if (image_check_kind(b, len, &arm64_kind, why))
		return -EINVAL;
	if (get_le32(b + 0x38) != ARM64_IMAGE_MAGIC) {
		*why = "not an arm64 Image (magic \"ARM\\x64\" missing at 0x38)";
		return -EINVAL;
	}
	img->text_offset = get_le64(b + 0x08);
	img->image_size = get_le64(b + 0x10);
	img->flags = get_le64(b + 0x18);
	img->file_size = len;
	img->efi = image_is_efi(b);

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
	return image_check_size(b, len, img->efi, img->image_size, why);
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
	if (image_place_dtb_initrd(b->kernel_end, limit, ARM64_DTB_MAX_SIZE,
				   initrd_size, &b->dtb_addr, &b->initrd_addr,
				   why))
		return -ENOSPC;
	b->initrd_size = initrd_size;
	return 0;
}
