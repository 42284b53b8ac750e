// SPDX-License-Identifier: GPL-2.0
/*
 * The parts of the arm64 and riscv64 Image checks and RAM layout that are
 * the same (arm/image.c and riscv/image.c hold the rest).
 */
#include <string.h>

#include "kvm/image.h"
#include "kvm/loader.h"
#include "kvm/util.h"

#define PE_MAGIC		0x00004550	/* "PE\0\0" */
#define PE_COFF_HDR_SIZE	24		/* signature + file header */
#define PE_SECTION_SIZE		40

int image_check_kind(const u8 *b, u64 len, const struct image_kind *k,
		     const char **why)
{
	if (len >= 2 && b[0] == 0x1f && b[1] == 0x8b)
		*why = k->gzip;
	else if (len >= 4 && !memcmp(b, "\177ELF", 4))
		*why = k->elf;
	else if (len >= 8 && image_is_efi(b) && !memcmp(b + 4, "zimg", 4))
		*why = k->zboot;
	else if (len < IMAGE_HDR_SIZE)
		*why = k->too_short;
	else
		return 0;
	return -EINVAL;
}

/*
 * An EFI stub kernel carries a PE/COFF header whose section table says
 * how many bytes of the file there must be.
 */
static int check_pe(const u8 *b, u64 len, const char **why)
{
	u64 pe = get_le32(b + 0x3c), sect, i;
	u16 nsect, optsz;

	if (pe < IMAGE_HDR_SIZE || pe + PE_COFF_HDR_SIZE > len ||
	    get_le32(b + pe) != PE_MAGIC) {
		*why = "EFI header points to no PE signature: corrupt Image";
		return -EINVAL;
	}
	nsect = get_le16(b + pe + 6);
	optsz = get_le16(b + pe + 20);
	sect = pe + PE_COFF_HDR_SIZE + optsz;
	if (sect + (u64)nsect * PE_SECTION_SIZE > len) {
		*why = "file is truncated: PE section table cut off";
		return -EINVAL;
	}
	for (i = 0; i < nsect; i++) {
		const u8 *s = b + sect + i * PE_SECTION_SIZE;

		/* raw data pointer + raw size */
		if ((u64)get_le32(s + 20) + get_le32(s + 16) > len) {
			*why = "file is truncated: shorter than its PE sections";
			return -EINVAL;
		}
	}
	return 0;
}

int image_check_size(const u8 *b, u64 len, bool efi, u64 image_size,
		     const char **why)
{
	if (efi && check_pe(b, len, why))
		return -EINVAL;
	if (len > image_size) {
		*why = "corrupt Image header: the file is larger than image_size";
		return -EINVAL;
	}
	return 0;
}

int image_place_dtb_initrd(u64 kernel_end, u64 limit, u64 dtb_size,
			   u64 initrd_size, u64 *dtb_addr, u64 *initrd_addr,
			   const char **why)
{
	if (limit < kernel_end + dtb_size) {
		*why = "not enough RAM for the kernel and its device tree";
		return -ENOSPC;
	}
	*dtb_addr = limit - dtb_size;
	if (initrd_size && loader_place_below(kernel_end, *dtb_addr,
					      initrd_size, initrd_addr)) {
		*why = "not enough RAM for the initrd above the kernel";
		return -ENOSPC;
	}
	return 0;
}

void image_place_error(u64 ram_size, const char *why, u64 image_size,
		       u64 initrd_size)
{
	pr_err("-m %llu MiB: %s (kernel needs %llu MiB%s)",
	       (unsigned long long)(ram_size >> 20), why,
	       (unsigned long long)(image_size >> 20),
	       initrd_size ? ", plus the initrd" : "");
}
