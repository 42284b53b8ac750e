// SPDX-License-Identifier: GPL-2.0
/*
 * x86 kernel loading.
 *
 * bzImage: the 64-bit boot protocol (Documentation/arch/x86/boot.rst).  The
 * protected-mode kernel is copied to 1 MiB, the zero page gets the setup
 * header, e820 map, command line and initrd, and the BSP enters at
 * load address + 0x200 in long mode with identity-mapped page tables.  No
 * real-mode setup code or BIOS runs.
 *
 * vmlinux: an uncompressed x86_64 ELF kernel, as Firecracker boots it.  Its
 * PT_LOAD segments go to their physical addresses and the BSP enters at
 * the ELF entry point (phys_startup_64) in the same long-mode state, with
 * a zero page lkvm fills in itself.  This skips the in-guest
 * decompression, which dominates boot time when the guest runs slowly.
 *
 * Anything else that is not a PE file is a flat binary, as kvmtool loads
 * them: copied to 0x10000 and entered in real mode at 1000:0000.
 */
#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "kvm/kvm.h"
#include "kvm/boot.h"
#include "kvm/loader.h"
#include "kvm/util.h"

#define BOOT_FLAG_MAGIC		0xAA55
#define HDRS_MAGIC		0x53726448	/* "HdrS" */
#define SETUP_HDR_OFFSET	0x1f1

static inline u16 get16(const u8 *p)
{
	return p[0] | (p[1] << 8);
}

static inline u32 get32(const u8 *p)
{
	return get16(p) | ((u32)get16(p + 2) << 16);
}

bool bzimage_probe(const void *buf, u64 len)
{
	const u8 *b = buf;

	if (len >= 0x206 && get32(b + 0x202) == HDRS_MAGIC)
		return true;
	return len >= 0x200 && get16(b + 0x1fe) == BOOT_FLAG_MAGIC;
}

int bzimage_parse(const void *buf, u64 len, struct bzimage_info *bi,
		  const char **why)
{
	const u8 *b = buf;
	const struct setup_header *h;
	u32 setup_sects;
	u64 load_end, decomp_end;

	memset(bi, 0, sizeof(*bi));
	if (len < SETUP_HDR_OFFSET + sizeof(struct setup_header)) {
		*why = "file too short for a bzImage setup header";
		return -EINVAL;
	}
	h = (const struct setup_header *)(b + SETUP_HDR_OFFSET);
	memcpy(&bi->hdr, h, sizeof(*h));
	h = &bi->hdr;
	if (h->boot_flag != BOOT_FLAG_MAGIC) {
		*why = "boot sector signature 0xAA55 missing";
		return -EINVAL;
	}
	if (h->header != HDRS_MAGIC) {
		*why = "setup header magic \"HdrS\" missing";
		return -EINVAL;
	}
	if (h->version < BZ_MIN_PROTOCOL) {
		static char msg[96];

		snprintf(msg, sizeof(msg),
			 "boot protocol %u.%02u is too old (lkvm needs %u.%02u)",
			 h->version >> 8, h->version & 0xff,
			 BZ_MIN_PROTOCOL >> 8, BZ_MIN_PROTOCOL & 0xff);
		*why = msg;
		return -EINVAL;
	}
	if (!(h->xloadflags & XLF_KERNEL_64)) {
		*why = "kernel has no 64-bit entry point (not an x86_64 kernel)";
		return -EINVAL;
	}
	if (!(h->loadflags & LOADED_HIGH)) {
		*why = "kernel is not a bzImage (zImage loaded low)";
		return -EINVAL;
	}
	setup_sects = h->setup_sects ? h->setup_sects : 4;
	bi->setup_size = (setup_sects + 1) * 512;
	if (bi->setup_size >= len) {
		*why = "file is truncated: no kernel after the setup code";
		return -EINVAL;
	}
	bi->kernel_size = len - bi->setup_size;
	if (h->syssize && (u64)h->syssize * 16 > bi->kernel_size) {
		*why = "file is truncated: shorter than the header's syssize";
		return -EINVAL;
	}
	if (!h->init_size) {
		*why = "setup header has no init_size";
		return -EINVAL;
	}
	load_end = BZ_KERNEL_LOAD + max_t(u64, bi->kernel_size, h->init_size);
	decomp_end = (h->pref_address ? h->pref_address : BZ_KERNEL_LOAD) +
		     h->init_size;
	bi->footprint_end = ALIGN_UP(max_t(u64, load_end, decomp_end), SZ_4K);
	bi->initrd_addr_max = h->initrd_addr_max ? h->initrd_addr_max :
						   0x37ffffff;
	bi->cmdline_size = h->cmdline_size ? h->cmdline_size : 255;
	return 0;
}

int bzimage_place_initrd(const struct bzimage_info *bi, u64 lowmem_end,
			 u64 size, u64 *addr, const char **why)
{
	u64 top = min_t(u64, (u64)bi->initrd_addr_max + 1, lowmem_end);

	if (loader_place_below(bi->footprint_end, top, size, addr)) {
		*why = "initrd does not fit between the kernel and the highest "
		       "address it may use (raise -m?)";
		return -ENOSPC;
	}
	return 0;
}

static void setup_page_tables(struct kvm *kvm)
{
	u64 *pml4 = guest_ptr(kvm, BOOT_PML4_ADDR, SZ_4K);
	u64 *pdpt = guest_ptr(kvm, BOOT_PDPT_ADDR, SZ_4K);
	u64 *pd = guest_ptr(kvm, BOOT_PD_ADDR, 4 * SZ_4K);
	int i;

	/* Identity map the first 4 GiB with 2 MiB pages. */
	memset(pml4, 0, SZ_4K);
	memset(pdpt, 0, SZ_4K);
	pml4[0] = BOOT_PDPT_ADDR | 0x3;		/* present, writable */
	for (i = 0; i < 4; i++)
		pdpt[i] = (BOOT_PD_ADDR + i * SZ_4K) | 0x3;
	for (i = 0; i < 4 * 512; i++)
		pd[i] = ((u64)i << 21) | 0x83;	/* present, writable, 2M */
}

static void setup_gdt(struct kvm *kvm)
{
	u64 *gdt = guest_ptr(kvm, BOOT_GDT_ADDR, 5 * 8);

	gdt[0] = 0;
	gdt[1] = 0;
	gdt[2] = 0x00af9b000000ffffULL;	/* 0x10: 64-bit code */
	gdt[3] = 0x00cf93000000ffffULL;	/* 0x18: data */
	gdt[4] = 0x00008b0000000fffULL;	/* 0x20: TSS (busy) */
	memset(guest_ptr(kvm, BOOT_IDT_ADDR, 8), 0, 8);
}

/* Load the initrd (if any) as high as the kernel allows. */
static int load_initrd(struct kvm *kvm, const struct bzimage_info *bi,
		       u64 *addr, u64 *size)
{
	struct kvm_config *cfg = &kvm->cfg;
	const char *why;
	const void *ibuf;
	int ret;

	*addr = *size = 0;
	if (!cfg->initrd)
		return 0;
	ret = map_file(cfg->initrd, kvm->arch.lowmem_size, &ibuf, size);
	if (ret) {
		pr_err("-i %s: %s", cfg->initrd, ret == -EFBIG ?
		       "larger than guest RAM" : strerror(-ret));
		return ret;
	}
	ret = bzimage_place_initrd(bi, kvm->arch.lowmem_size, *size, addr, &why);
	if (ret) {
		pr_err("-i %s (%llu MiB): %s", cfg->initrd,
		       (unsigned long long)(*size >> 20), why);
		unmap_file(ibuf, *size);
		return ret;
	}
	if (*size)
		memcpy(guest_ptr(kvm, *addr, *size), ibuf, *size);
	unmap_file(ibuf, *size);
	return 0;
}

/* Zero page, command line, page tables, GDT; then the 64-bit entry. */
static int setup_boot_params(struct kvm *kvm, const struct setup_header *hdr,
			     u32 cmdline_size, u64 initrd_addr,
			     u64 initrd_size, u64 entry)
{
	struct kvm_config *cfg = &kvm->cfg;
	size_t cmdlen = strlen(cfg->cmdline);
	struct boot_params *zp;
	u32 i;

	if (cmdlen + 1 > cmdline_size || cmdlen + 1 > BOOT_CMDLINE_MAX) {
		pr_err("-p: command line is %zu bytes, the kernel takes at most %u",
		       cmdlen, cmdline_size - 1);
		return -E2BIG;
	}
	zp = guest_ptr(kvm, BOOT_ZERO_PAGE, sizeof(*zp));
	memset(zp, 0, sizeof(*zp));
	zp->hdr = *hdr;
	zp->hdr.type_of_loader = 0xff;
	zp->hdr.loadflags |= CAN_USE_HEAP;
	zp->hdr.heap_end_ptr = 0xfe00;
	zp->hdr.vid_mode = 0xffff;
	zp->hdr.cmd_line_ptr = BOOT_CMDLINE_ADDR;
	zp->hdr.ramdisk_image = (u32)initrd_addr;
	zp->hdr.ramdisk_size = (u32)initrd_size;
	memcpy(guest_ptr(kvm, BOOT_CMDLINE_ADDR, cmdlen + 1), cfg->cmdline,
	       cmdlen + 1);
	for (i = 0; i < kvm->arch.nr_e820 && i < E820_MAX_ENTRIES_ZEROPAGE; i++) {
		zp->e820_table[i].addr = kvm->arch.e820[i].addr;
		zp->e820_table[i].size = kvm->arch.e820[i].size;
		zp->e820_table[i].type = kvm->arch.e820[i].type;
	}
	zp->e820_entries = i;

	setup_page_tables(kvm);
	setup_gdt(kvm);
	kvm->arch.boot_type = X86_BOOT_BZIMAGE64;
	kvm->arch.boot_entry = entry;
	return 0;
}

static int load_bzimage(struct kvm *kvm, const u8 *buf, u64 len)
{
	struct kvm_config *cfg = &kvm->cfg;
	struct setup_header hdr;
	struct bzimage_info bi;
	const char *why;
	u64 initrd_addr, initrd_size;
	int ret;

	if (bzimage_parse(buf, len, &bi, &why)) {
		pr_err("-k %s: %s", cfg->kernel, why);
		return -EINVAL;
	}
	if (bi.footprint_end > kvm->arch.lowmem_size) {
		pr_err("-k %s: kernel needs at least %llu MiB of RAM", cfg->kernel,
		       (unsigned long long)(bi.footprint_end >> 20) + 16);
		return -ENOMEM;
	}
	memcpy(guest_ptr(kvm, BZ_KERNEL_LOAD, bi.kernel_size),
	       buf + bi.setup_size, bi.kernel_size);
	ret = load_initrd(kvm, &bi, &initrd_addr, &initrd_size);
	if (ret)
		return ret;
	hdr = bi.hdr;
	hdr.code32_start = BZ_KERNEL_LOAD;
	hdr.loadflags &= ~KEEP_SEGMENTS;
	ret = setup_boot_params(kvm, &hdr, bi.cmdline_size, initrd_addr,
				initrd_size, BZ_KERNEL_LOAD + 0x200);
	if (!ret)
		pr_info("bzImage protocol %u.%02u, %llu KiB kernel, initrd %llu KiB at 0x%llx",
			bi.hdr.version >> 8, bi.hdr.version & 0xff,
			(unsigned long long)bi.kernel_size >> 10,
			(unsigned long long)initrd_size >> 10,
			(unsigned long long)initrd_addr);
	return ret;
}

/* Parse an x86_64 vmlinux; NULL or the reason it cannot be booted. */
const char *vmlinux_parse(const void *buf, u64 len, u64 *lo, u64 *hi,
			  u64 *entry)
{
	const Elf64_Ehdr *eh = buf;
	u32 i, nload = 0;

	if (len < sizeof(*eh) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return "not a 64-bit little-endian ELF file";
	if (eh->e_machine != EM_X86_64 || eh->e_type != ET_EXEC)
		return "not an x86_64 executable (vmlinux) ELF file";
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || !eh->e_phnum ||
	    eh->e_phoff > len || (u64)eh->e_phnum * sizeof(Elf64_Phdr) >
	    len - eh->e_phoff)
		return "ELF program headers are truncated";
	*lo = UINT64_MAX;
	*hi = 0;
	for (i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const Elf64_Phdr *)((const u8 *)buf +
					eh->e_phoff) + i;

		if (ph->p_type != PT_LOAD)
			continue;
		if (ph->p_filesz > ph->p_memsz || ph->p_offset > len ||
		    ph->p_filesz > len - ph->p_offset)
			return "a loadable segment lies outside the file";
		if (ph->p_paddr + ph->p_memsz < ph->p_paddr)
			return "a loadable segment wraps the address space";
		*lo = min_t(u64, *lo, ph->p_paddr);
		*hi = max_t(u64, *hi, ph->p_paddr + ph->p_memsz);
		nload++;
	}
	if (!nload)
		return "no loadable segments";
	if (*lo < BZ_KERNEL_LOAD)
		return "segments below 1 MiB";
	*entry = eh->e_entry;
	if (*entry < *lo || *entry >= *hi)
		return "entry point outside the loaded segments";
	return NULL;
}

static int load_vmlinux(struct kvm *kvm, const u8 *buf, u64 len)
{
	struct kvm_config *cfg = &kvm->cfg;
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)buf;
	struct bzimage_info bi = { 0 };
	struct setup_header hdr = { 0 };
	u64 lo, hi, entry, initrd_addr, initrd_size;
	const char *why = vmlinux_parse(buf, len, &lo, &hi, &entry);
	u32 i;
	int ret;

	if (why) {
		pr_err("-k %s: %s", cfg->kernel, why);
		return -EINVAL;
	}
	if (hi > kvm->arch.lowmem_size) {
		pr_err("-k %s: kernel needs at least %llu MiB of RAM", cfg->kernel,
		       (unsigned long long)(hi >> 20) + 16);
		return -ENOMEM;
	}
	for (i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const Elf64_Phdr *)(buf + eh->e_phoff) + i;
		u8 *dst;

		if (ph->p_type != PT_LOAD)
			continue;
		dst = guest_ptr(kvm, ph->p_paddr, ph->p_memsz);
		memcpy(dst, buf + ph->p_offset, ph->p_filesz);
		memset(dst + ph->p_filesz, 0, ph->p_memsz - ph->p_filesz);
	}
	/* The boot protocol fields a kernel reads from its zero page. */
	hdr.boot_flag = 0xAA55;
	hdr.header = 0x53726448;
	hdr.version = 0x020f;
	hdr.loadflags = LOADED_HIGH;
	hdr.kernel_alignment = 0x200000;
	hdr.initrd_addr_max = 0x7fffffff;
	hdr.cmdline_size = BOOT_CMDLINE_MAX - 1;
	bi.footprint_end = ALIGN_UP(hi, SZ_4K);
	bi.initrd_addr_max = hdr.initrd_addr_max;
	ret = load_initrd(kvm, &bi, &initrd_addr, &initrd_size);
	if (!ret)
		ret = setup_boot_params(kvm, &hdr, hdr.cmdline_size, initrd_addr,
					initrd_size, entry);
	if (!ret)
		pr_info("vmlinux: %llu KiB at 0x%llx, entry 0x%llx, initrd %llu KiB",
			(unsigned long long)(hi - lo) >> 10,
			(unsigned long long)lo, (unsigned long long)entry,
			(unsigned long long)initrd_size >> 10);
	return ret;
}

static int load_flat(struct kvm *kvm, const u8 *buf, u64 len)
{
	struct kvm_config *cfg = &kvm->cfg;

	if (len > FLAT_MAX_SIZE) {
		pr_err("-k %s: not a bzImage, and too large (%llu bytes) for a "
		       "flat binary (at most %llu)", cfg->kernel,
		       (unsigned long long)len,
		       (unsigned long long)FLAT_MAX_SIZE);
		return -EFBIG;
	}
	if (cfg->initrd) {
		pr_err("-i: an initrd needs a bzImage kernel; %s is a flat binary",
		       cfg->kernel);
		return -EINVAL;
	}
	memcpy(guest_ptr(kvm, FLAT_LOAD_ADDR, len), buf, len);
	kvm->arch.boot_type = X86_BOOT_FLAT;
	pr_info("-k %s: not a bzImage, loaded as a flat binary at 0x%llx",
		cfg->kernel, FLAT_LOAD_ADDR);
	return 0;
}

int kvm__arch_load_kernel(struct kvm *kvm)
{
	const char *path = kvm->cfg.kernel;
	const void *buf;
	u64 len;
	const u8 *b;
	int ret;

	ret = loader_map_kernel(path, kvm->arch.lowmem_size, &buf, &len);
	if (ret)
		return ret;
	b = buf;
	if (len >= 4 && !memcmp(b, "\177ELF", 4)) {
		ret = load_vmlinux(kvm, b, len);
	} else if (bzimage_probe(b, len)) {
		ret = load_bzimage(kvm, b, len);
	} else if (len >= 2 && b[0] == 'M' && b[1] == 'Z') {
		pr_err("-k %s: PE/EFI image without a Linux setup header", path);
		ret = -EINVAL;
	} else if (len >= 2 && b[0] == 0x1f && b[1] == 0x8b) {
		pr_err("-k %s: gzip-compressed file, not a kernel image", path);
		ret = -EINVAL;
	} else {
		ret = load_flat(kvm, b, len);
	}
	unmap_file(buf, len);
	return ret;
}
