// SPDX-License-Identifier: GPL-2.0
/*
 * riscv64 boot pieces that need no KVM, tested on any host: the Image
 * header parser and RAM placement, the riscv,isa strings, and the device
 * tree builder (checked with libfdt and, when installed, decompiled by
 * dtc, which must not warn).
 */
#include <stdio.h>
#include <unistd.h>
#include <libfdt.h>
#include <sys/wait.h>

#include "unit.h"
#include "kvm/riscv-boot.h"
#include "kvm/riscv-fdt.h"
#include "kvm/riscv-isa.h"

#define FDT_BUF		(256 * 1024)
#define ISA(l)		(1ULL << ((l) - 'a'))

/* ---------------------------------------------------------- Image */

static void put32(u8 *p, u32 v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static void put64(u8 *p, u64 v)
{
	put32(p, v);
	put32(p + 4, v >> 32);
}

/* A 64-byte Image header (no EFI stub) for a kernel of @size bytes. */
static void header(u8 *b, u64 text_offset, u64 size)
{
	memset(b, 0, 64);
	put64(b + 0x08, text_offset);
	put64(b + 0x10, size);
	put32(b + 0x20, 2);			/* version 0.2 */
	memcpy(b + 0x30, "RISCV\0\0\0", 8);
	memcpy(b + 0x38, "RSC\x05", 4);
}

static void expect_bad(const u8 *b, u64 len, const char *why_part)
{
	struct riscv_image img;
	const char *why = NULL;

	ck_assert_int_eq(riscv_image_parse(b, len, &img, &why), -EINVAL);
	ck_assert_ptr_nonnull(why);
	ck_assert_msg(strstr(why, why_part), "'%s' lacks '%s'", why, why_part);
}

START_TEST(image_header)
{
	static u8 b[4096];
	struct riscv_image img;
	const char *why;

	header(b, 0x200000, 0x1356000);
	ck_assert_int_eq(riscv_image_parse(b, sizeof(b), &img, &why), 0);
	ck_assert_uint_eq(img.text_offset, 0x200000);
	ck_assert_uint_eq(img.image_size, 0x1356000);
	ck_assert_uint_eq(img.version, 2);
	ck_assert(!img.efi);
	/* Only the deprecated magic (header 0.1) is still an Image. */
	memset(b + 0x38, 0, 4);
	ck_assert_int_eq(riscv_image_parse(b, sizeof(b), &img, &why), 0);
	memset(b + 0x30, 0, 8);
	expect_bad(b, sizeof(b), "not a riscv64 Image");
	memcpy(b + 0x38, "ARM\x64", 4);
	expect_bad(b, sizeof(b), "arm64 Image");

	header(b, 0x200000, 0x1000);
	b[0x18] = 1;				/* big-endian */
	expect_bad(b, sizeof(b), "big-endian");
	header(b, 0x200000, 0);
	expect_bad(b, sizeof(b), "image_size is 0");
	header(b, 0x200123, 0x10000);
	expect_bad(b, sizeof(b), "text_offset");
	header(b, 0x200000, 0x800);		/* file larger than the image */
	expect_bad(b, sizeof(b), "larger than image_size");
	expect_bad(b, 40, "too short");
	expect_bad((const u8 *)"\x1f\x8b\x08\x00", 4, "gzip-compressed");
	expect_bad((const u8 *)"\177ELF\2\1\1", 7, "ELF file");
	expect_bad((const u8 *)"MZ\0\0zimg", 8, "zboot");

	/* EFI stub: a PE header whose sections run past the file. */
	header(b, 0x200000, 0x10000);
	b[0] = 'M';
	b[1] = 'Z';
	put32(b + 0x3c, 0x40);
	memcpy(b + 0x40, "PE\0\0", 4);
	b[0x40 + 6] = 1;			/* one section */
	put32(b + 0x40 + 24 + 16, 0x2000);	/* raw size */
	put32(b + 0x40 + 24 + 20, 0x1000);	/* raw pointer */
	expect_bad(b, 0x1000 + 0x1000, "truncated");
	ck_assert_int_eq(riscv_image_parse(b, 0x3000, &img, &why), 0);
	ck_assert(img.efi);
}
END_TEST

START_TEST(boot_place)
{
	struct riscv_image img = { .text_offset = 0x200000,
				   .image_size = 0x1356000 };
	struct riscv_boot b;
	const char *why;
	u64 ram = RISCV_RAM_BASE, top = ram + 256 * SZ_1M;

	ck_assert_int_eq(riscv_boot_place(&img, ram, top, 0x500000, &b, &why), 0);
	ck_assert_uint_eq(b.kernel_addr, ram + 0x200000);
	ck_assert_uint_eq(b.kernel_end, ram + 0x200000 + 0x1356000);
	ck_assert(IS_ALIGNED(b.kernel_addr, SZ_2M));
	ck_assert_uint_eq(b.dtb_addr, top - SZ_2M);
	ck_assert_uint_eq(b.initrd_addr + b.initrd_size, b.dtb_addr);
	ck_assert(IS_ALIGNED(b.initrd_addr, SZ_4K));
	ck_assert_uint_ge(b.initrd_addr, b.kernel_end);

	/* Lots of RAM: initrd and tree stay within 32 GiB of the kernel. */
	ck_assert_int_eq(riscv_boot_place(&img, ram, ram + 64 * SZ_1G, SZ_1M,
					  &b, &why), 0);
	ck_assert_uint_le(b.dtb_addr + SZ_2M, b.kernel_addr + 32 * SZ_1G);

	/* A text_offset that is not 2 MiB aligned is rounded up. */
	img.text_offset = 0x1000;
	ck_assert_int_eq(riscv_boot_place(&img, ram, top, 0, &b, &why), 0);
	ck_assert_uint_eq(b.kernel_addr, ram + SZ_2M);
	ck_assert_uint_eq(b.initrd_size, 0);

	img.text_offset = 0x200000;
	ck_assert_int_eq(riscv_boot_place(&img, ram, ram + 22 * SZ_1M, 0, &b,
					  &why), -ENOSPC);
	ck_assert_int_eq(riscv_boot_place(&img, ram, top, 250 * SZ_1M, &b,
					  &why), -ENOSPC);
	ck_assert_ptr_nonnull(strstr(why, "initrd"));
}
END_TEST

/* ------------------------------------------------------------- ISA */

static void set_ext(u64 *bm, const char *name)
{
	const struct riscv_isa_ext *e = riscv_isa_ext_by_name(name);

	ck_assert_msg(e != NULL, "no extension %s", name);
	riscv_ext_set(bm, e->id);
}

START_TEST(isa_strings)
{
	u64 base = ISA('i') | ISA('m') | ISA('a') | ISA('f') | ISA('d') |
		   ISA('c') | ISA('h');
	u64 ext[RISCV_ISA_EXT_WORDS] = { 0 };
	char s[512];
	int n, i;

	ck_assert_uint_eq(riscv_isa_ext_by_name("sstc")->id, 8);
	ck_assert_uint_eq(riscv_isa_ext_by_name("zicbom")->id, 11);
	ck_assert_uint_eq(riscv_isa_ext_by_name("zalasr")->id, 77);
	ck_assert_str_eq(riscv_isa_ext_by_id(10)->name, "zihintpause");
	ck_assert_ptr_null(riscv_isa_ext_by_name("xyz"));
	for (i = 0; i < (int)riscv_nr_isa_exts; i++)
		ck_assert_uint_lt(riscv_isa_exts[i].id, RISCV_ISA_EXT_ID_MAX);

	set_ext(ext, "sstc");
	set_ext(ext, "svpbmt");
	set_ext(ext, "zicbom");
	set_ext(ext, "zba");
	set_ext(ext, "zihintpause");
	set_ext(ext, "d");		/* single letters come from @base */
	n = riscv_isa_string(base, ext, s, sizeof(s));
	ck_assert_int_eq(n, (int)strlen(s));
	/* No h for a guest; Z by category (i before b), then S. */
	ck_assert_str_eq(s, "rv64imafdc_zicbom_zicntr_zicsr_zifencei_"
			    "zihintpause_zba_sstc_svpbmt");
	ck_assert_int_eq(riscv_isa_string(base, ext, s, 12), -ENOSPC);

	n = riscv_isa_ext_list(base, ext, s, sizeof(s));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(memcmp(s, "i\0m\0a\0f\0d\0c\0zicbom\0", 19), 0);
	ck_assert_int_eq(s[n - 1], '\0');
	ck_assert_str_eq(s + n - 7, "svpbmt");

	/* Without i nothing is implied. */
	memset(ext, 0, sizeof(ext));
	riscv_isa_string(ISA('m'), ext, s, sizeof(s));
	ck_assert_str_eq(s, "rv64m");
}
END_TEST

/* -------------------------------------------------------------- FDT */

static const char isa_ext[] = "i\0m\0a\0f\0d\0c\0sstc";
static struct riscv_fdt_cpu cpus[3];

static void desc_init(struct riscv_fdt_desc *d, u32 nr_cpus)
{
	u32 i;

	memset(d, 0, sizeof(*d));
	for (i = 0; i < nr_cpus; i++)
		cpus[i] = (struct riscv_fdt_cpu) {
			.hartid = i, .isa = "rv64imafdc_sstc",
			.isa_ext = isa_ext, .isa_ext_len = sizeof(isa_ext),
			.mmu = "riscv,sv48", .cbom_block = i ? 0 : 64,
		};
	d->ram_base = RISCV_RAM_BASE;
	d->ram_size = 256 * SZ_1M;
	d->nr_cpus = nr_cpus;
	d->cpus = cpus;
	d->timebase = 10000000;
	d->plic_base = RISCV_PLIC_BASE;
	d->plic_size = 0x200000 + nr_cpus * 0x1000;
	d->plic_ndev = 63;
	d->pci.ecam_base = RISCV_PCI_ECAM_BASE;
	d->pci.ecam_size = RISCV_PCI_ECAM_SIZE;
	d->pci.io_cpu_base = RISCV_PCI_IO_BASE;
	d->pci.io_size = RISCV_PCI_IO_SIZE;
	d->pci.mmio32_base = RISCV_PCI_MMIO32_BASE;
	d->pci.mmio32_size = RISCV_PCI_MMIO32_SIZE;
	d->pci.mmio64_base = RISCV_PCI_MMIO64_BASE;
	d->pci.mmio64_size = RISCV_PCI_MMIO64_SIZE;
	d->pci_irq = RISCV_IRQ_PCI_INTX;
	d->uart_base = RISCV_UART_BASE;
	d->uart_irq = RISCV_IRQ_UART;
	d->chosen.serial_console = true;
	d->chosen.bootargs = "console=ttyS0 earlycon quiet";
	d->chosen.initrd_start = 0x8f000000;
	d->chosen.initrd_size = 0x123000;
	d->chosen.rng_seed[0] = 0x5a;
}

static void *build(const struct riscv_fdt_desc *d)
{
	void *fdt = calloc(1, FDT_BUF);

	ck_assert_ptr_nonnull(fdt);
	ck_assert_int_eq(riscv_fdt_build(d, fdt, FDT_BUF), 0);
	ck_assert_int_eq(fdt_check_header(fdt), 0);
	return fdt;
}

static int node(void *fdt, const char *path)
{
	int off = fdt_path_offset(fdt, path);

	ck_assert_msg(off >= 0, "no node %s", path);
	return off;
}

static const void *getprop(void *fdt, const char *path, const char *name,
			   int *len)
{
	const void *p = fdt_getprop(fdt, node(fdt, path), name, len);

	ck_assert_msg(p != NULL, "no %s in %s", name, path);
	return p;
}

static u32 cell(const void *p, int i)
{
	return fdt32_to_cpu(((const fdt32_t *)p)[i]);
}

/* dtc must decompile the blob without a warning (if dtc is installed). */
static void dtc_clean(void *fdt)
{
	char in[] = "/tmp/lkvm-rv-fdt-XXXXXX", cmd[256], out[4096];
	FILE *p;
	size_t n;
	int fd, st;

	if (system("command -v dtc >/dev/null 2>&1") != 0) {
		fprintf(stderr, "test-riscv: dtc not installed, check skipped\n");
		return;
	}
	fd = mkstemp(in);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, fdt, fdt_totalsize(fdt)),
			 (ssize_t)fdt_totalsize(fdt));
	close(fd);
	snprintf(cmd, sizeof(cmd), "dtc -I dtb -O dts -o /dev/null %s 2>&1", in);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	st = pclose(p);
	unlink(in);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "dtc failed: %s", out);
	ck_assert_msg(n == 0, "dtc warned: %s", out);
}

START_TEST(fdt_machine)
{
	struct riscv_fdt_desc d;
	const void *p;
	void *fdt;
	int len, intc0, intc2;

	desc_init(&d, 3);
	fdt = build(&d);
	dtc_clean(fdt);

	p = getprop(fdt, "/cpus", "timebase-frequency", &len);
	ck_assert_uint_eq(cell(p, 0), 10000000);
	ck_assert_str_eq(getprop(fdt, "/cpus/cpu@2", "riscv,isa", NULL),
			 "rv64imafdc_sstc");
	ck_assert_str_eq(getprop(fdt, "/cpus/cpu@2", "compatible", NULL), "riscv");
	ck_assert_str_eq(getprop(fdt, "/cpus/cpu@1", "mmu-type", NULL),
			 "riscv,sv48");
	p = getprop(fdt, "/cpus/cpu@0", "riscv,isa-extensions", &len);
	ck_assert_int_eq(len, sizeof(isa_ext));
	p = getprop(fdt, "/cpus/cpu@0", "riscv,cbom-block-size", NULL);
	ck_assert_uint_eq(cell(p, 0), 64);
	ck_assert_ptr_null(fdt_getprop(fdt, node(fdt, "/cpus/cpu@1"),
				       "riscv,cbom-block-size", NULL));
	intc0 = fdt_get_phandle(fdt, node(fdt, "/cpus/cpu@0/interrupt-controller"));
	intc2 = fdt_get_phandle(fdt, node(fdt, "/cpus/cpu@2/interrupt-controller"));
	ck_assert_int_ne(intc0, 0);

	/* One PLIC context per hart: its supervisor external interrupt (9). */
	p = getprop(fdt, "/interrupt-controller@c000000", "interrupts-extended",
		    &len);
	ck_assert_int_eq(len, 3 * 2 * 4);
	ck_assert_uint_eq(cell(p, 0), intc0);
	ck_assert_uint_eq(cell(p, 1), 9);
	ck_assert_uint_eq(cell(p, 4), intc2);
	ck_assert_uint_eq(cell(p, 5), 9);
	p = getprop(fdt, "/interrupt-controller@c000000", "riscv,ndev", NULL);
	ck_assert_uint_eq(cell(p, 0), 63);

	/* The root has no interrupt-parent (the harts' intcs would get it). */
	ck_assert_ptr_null(fdt_getprop(fdt, 0, "interrupt-parent", NULL));
	p = getprop(fdt, "/serial@10000000", "interrupts", NULL);
	ck_assert_uint_eq(cell(p, 0), RISCV_IRQ_UART);

	/* PCI: INTA of slot 3 -> PLIC source 8 + 3; no probe-only, no MSI. */
	p = getprop(fdt, "/pci@30000000", "interrupt-map", &len);
	ck_assert_int_eq(len, 32 * 6 * 4);
	ck_assert_uint_eq(cell(p, 3 * 6), 3 << 11);
	ck_assert_uint_eq(cell(p, 3 * 6 + 3), 1);
	ck_assert_uint_eq(cell(p, 3 * 6 + 5), RISCV_IRQ_PCI_INTX + 3);
	ck_assert_ptr_null(fdt_getprop(fdt, node(fdt, "/pci@30000000"),
				       "linux,pci-probe-only", NULL));
	ck_assert_ptr_null(fdt_getprop(fdt, node(fdt, "/pci@30000000"),
				       "msi-parent", NULL));
	getprop(fdt, "/pci@30000000", "ranges", &len);
	ck_assert_int_eq(len, 3 * 7 * 4);

	ck_assert_str_eq(getprop(fdt, "/chosen", "stdout-path", NULL),
			 "/serial@10000000");
	p = getprop(fdt, "/chosen", "linux,initrd-end", NULL);
	ck_assert_uint_eq(fdt64_ld((const fdt64_t *)p), 0x8f123000);
	getprop(fdt, "/chosen", "rng-seed", &len);
	ck_assert_int_eq(len, DT_RNG_SEED_SIZE);
	free(fdt);
}
END_TEST

START_TEST(fdt_variants)
{
	struct riscv_fdt_desc d;
	void *fdt;
	int len;

	/* No 64-bit window, no initrd, virtio console: fewer properties. */
	desc_init(&d, 1);
	d.pci.mmio64_size = 0;
	d.chosen.initrd_size = 0;
	d.chosen.serial_console = false;
	fdt = build(&d);
	dtc_clean(fdt);
	getprop(fdt, "/pci@30000000", "ranges", &len);
	ck_assert_int_eq(len, 2 * 7 * 4);
	ck_assert_ptr_null(fdt_getprop(fdt, node(fdt, "/chosen"), "stdout-path",
				       NULL));
	ck_assert_ptr_null(fdt_getprop(fdt, node(fdt, "/chosen"),
				       "linux,initrd-start", NULL));
	free(fdt);

	/* Too small a buffer, no vCPU. */
	desc_init(&d, 1);
	fdt = calloc(1, 512);
	ck_assert_int_eq(riscv_fdt_build(&d, fdt, 512), -ENOSPC);
	d.nr_cpus = 0;
	ck_assert_int_eq(riscv_fdt_build(&d, fdt, 512), -EINVAL);
	free(fdt);
}
END_TEST

static Suite *riscv_suite(void)
{
	Suite *s = suite_create("riscv");
	TCase *tc = tcase_create("riscv");

	tcase_add_test(tc, image_header);
	tcase_add_test(tc, boot_place);
	tcase_add_test(tc, isa_strings);
	tcase_add_test(tc, fdt_machine);
	tcase_add_test(tc, fdt_variants);
	tcase_set_timeout(tc, 20);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(riscv_suite)
