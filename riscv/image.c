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

#include "kvm/image.h"
#include "kvm/loader.h"
#include "kvm/riscv-boot.h"
#include "kvm/util.h"

#define ARM64_IMAGE_MAGIC	0x644d5241	/* "ARM\x64" */

static const struct image_kind riscv64_kind =
	IMAGE_KIND("riscv64", "a riscv64", "arch/riscv/boot/Image");

int riscv_image_parse(const void *buf, u64 len, struct riscv_image *img,
		      const char **why)
{
	const u8 *b = buf;

	memset(img, 0, sizeof(*img));
	if (image_check_kind(b, len, &riscv64_kind, why))
		return -EINVAL;
	if (get_le32(b + 0x38) == ARM64_IMAGE_MAGIC) {
		*why = "an arm64 Image, not a riscv64 one";
		return -EINVAL;
	}
	if (get_le32(b + 0x38) != RISCV_IMAGE_MAGIC2 &&
	    get_le64(b + 0x30) != RISCV_IMAGE_MAGIC) {
		*why = "not a riscv64 Image (magic \"RSC\\x05\" missing at 0x38)";
		return -EINVAL;
	}
	img->text_offset = get_le64(b + 0x08);
	img->image_size = get_le64(b + 0x10);
	img->flags = get_le64(b + 0x18);
	img->version = get_le32(b + 0x20);
	img->file_size = len;
	img->efi = image_is_efi(b);

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
	return image_check_size(b, len, img->efi, img->image_size, why);
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
	if (image_place_dtb_initrd(b->kernel_end, limit, RISCV_DTB_MAX_SIZE,
				   initrd_size, &b->dtb_addr, &b->initrd_addr,
				   why))
		return -ENOSPC;
	b->initrd_size = initrd_size;
	return 0;
}
