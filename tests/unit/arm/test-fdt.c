// SPDX-License-Identifier: GPL-2.0
/*
 * arm64 boot pieces that need no KVM, tested on any host: the device tree
 * builder (checked with libfdt and, when installed, decompiled by dtc,
 * which must not warn), the Image header parser and the RAM placement.
 */
#include <stdio.h>
#include <unistd.h>
#include <libfdt.h>
#include <sys/wait.h>

#include "unit.h"
#include "kvm/arm-boot.h"
#include "kvm/arm-fdt.h"
#include "kvm/arm-pvtime.h"

#define FDT_BUF		(256 * 1024)

static const u64 mpidr[4] = { 0x80000000, 0x80000001, 0x80000002, 0x80000003 };

static void desc_init(struct arm_fdt_desc *d, enum arm_irqchip chip)
{
	memset(d, 0, sizeof(*d));
	d->ram_base = ARM_RAM_BASE;
	d->ram_size = 256 * SZ_1M;
	d->nr_cpus = 4;
	d->mpidr = mpidr;
	d->psci_version = 0x10001;
	d->irqchip = chip;
	d->nr_redist = 4;
	d->pci.ecam_base = ARM_PCI_ECAM_BASE;
	d->pci.ecam_size = ARM_PCI_ECAM_SIZE;
	d->pci.io_cpu_base = ARM_PCI_IO_BASE;
	d->pci.io_size = ARM_PCI_IO_SIZE;
	d->pci.mmio32_base = ARM_PCI_MMIO32_BASE;
	d->pci.mmio32_size = ARM_PCI_MMIO32_SIZE;
	d->pci.mmio64_base = ARM_PCI_MMIO64_BASE;
	d->pci.mmio64_size = ARM_PCI_MMIO64_SIZE;
	d->chosen.serial_console = true;
	d->rtc = true;
	d->chosen.bootargs = "console=ttyS0 earlycon quiet";
	d->chosen.initrd_start = 0x8f000000;
	d->chosen.initrd_size = 0x123000;
	d->chosen.kaslr_seed = 0x0123456789abcdefULL;
	d->chosen.rng_seed[0] = 0x5a;
}

static void *build(const struct arm_fdt_desc *d)
{
	void *fdt = calloc(1, FDT_BUF);

	ck_assert_ptr_nonnull(fdt);
	ck_assert_int_eq(arm_fdt_build(d, fdt, FDT_BUF), 0);
	ck_assert_int_eq(fdt_check_header(fdt), 0);
	ck_assert_uint_le(fdt_totalsize(fdt), FDT_BUF);
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

static bool has_prop(void *fdt, const char *path, const char *name)
{
	return fdt_getprop(fdt, node(fdt, path), name, NULL) != NULL;
}

static u32 cell(const void *p, int i)
{
	return fdt32_ld((const fdt32_t *)p + i);
}

/*
 * Decompile with dtc: it must succeed without a single warning.  Returns
 * false (and the test only notes it) when dtc is not installed.
 */
static bool dtc_clean(void *fdt)
{
	char in[] = "/tmp/lkvm-fdt-XXXXXX", cmd[256], out[4096];
	size_t n;
	FILE *p;
	int fd, st;

	if (system("command -v dtc >/dev/null 2>&1") != 0) {
		fprintf(stderr, "test-fdt: dtc not installed, decompile check skipped\n");
		return false;
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
	out[n] = 0;
	st = pclose(p);
	unlink(in);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "dtc failed: %s", out);
	ck_assert_msg(n == 0, "dtc warned: %s", out);
	return true;
}

START_TEST(gicv3_its)
{
	struct arm_fdt_desc d;
	const char *s;
	const void *p;
	void *fdt;
	int len;

	desc_init(&d, ARM_IRQCHIP_GICV3_ITS);
	fdt = build(&d);
	dtc_clean(fdt);

	s = getprop(fdt, "/intc@8000000", "compatible", NULL);
	ck_assert_str_eq(s, "arm,gic-v3");
	p = getprop(fdt, "/intc@8000000", "reg", &len);
	ck_assert_int_eq(len, 8 * 4);
	ck_assert_uint_eq(cell(p, 5), ARM_GIC_REDIST_BASE);
	ck_assert_uint_eq(cell(p, 7), 4 * 0x20000);
	s = getprop(fdt, "/intc@8000000/msi-controller@8080000", "compatible",
		    NULL);
	ck_assert_str_eq(s, "arm,gic-v3-its");

	/* PCI: ECAM host, guest-assigned BARs, INTx map, ITS msi-map. */
	s = getprop(fdt, "/pci@30000000", "compatible", NULL);
	ck_assert_str_eq(s, "pci-host-ecam-generic");
	s = getprop(fdt, "/pci@30000000", "device_type", NULL);
	ck_assert_str_eq(s, "pci");
	ck_assert(!has_prop(fdt, "/pci@30000000", "linux,pci-probe-only"));
	ck_assert(!has_prop(fdt, "/chosen", "linux,pci-probe-only"));
	ck_assert(has_prop(fdt, "/pci@30000000", "dma-coherent"));
	p = getprop(fdt, "/pci@30000000", "bus-range", &len);
	ck_assert_int_eq(len, 8);
	ck_assert_uint_eq(cell(p, 0), 0);
	ck_assert_uint_eq(cell(p, 1), 0);
	p = getprop(fdt, "/pci@30000000", "ranges", &len);
	ck_assert_int_eq(len, 3 * 7 * 4);
	ck_assert_uint_eq(cell(p, 0), 0x01000000);	/* I/O at 0x2000000 */
	ck_assert_uint_eq(cell(p, 4), ARM_PCI_IO_BASE);
	ck_assert_uint_eq(cell(p, 7), 0x02000000);	/* 32-bit memory */
	ck_assert_uint_eq(cell(p, 14), 0x03000000);	/* 64-bit memory */
	ck_assert_uint_eq(cell(p, 15), ARM_PCI_MMIO64_BASE >> 32);
	p = getprop(fdt, "/pci@30000000", "interrupt-map", &len);
	ck_assert_int_eq(len, 32 * 10 * 4);
	ck_assert_uint_eq(cell(p, 10), 1 << 11);	/* slot 1 */
	ck_assert_uint_eq(cell(p, 18), ARM_SPI_PCI_INTX + 1);
	p = getprop(fdt, "/pci@30000000", "msi-map", &len);
	ck_assert_int_eq(len, 16);
	ck_assert_uint_eq(cell(p, 3), 0x10000);
	ck_assert(!has_prop(fdt, "/pci@30000000", "msi-parent"));

	/* CPUs by MPIDR, PSCI 1.0 with hvc, timer, no PMU. */
	p = getprop(fdt, "/cpus/cpu@3", "reg", &len);
	ck_assert_int_eq(len, 4);
	ck_assert_uint_eq(cell(p, 0), 3);
	s = getprop(fdt, "/cpus/cpu@0", "enable-method", NULL);
	ck_assert_str_eq(s, "psci");
	s = getprop(fdt, "/psci", "compatible", &len);
	ck_assert_str_eq(s, "arm,psci-1.0");
	ck_assert_str_eq(s + strlen(s) + 1, "arm,psci-0.2");
	s = getprop(fdt, "/psci", "method", NULL);
	ck_assert_str_eq(s, "hvc");
	p = getprop(fdt, "/timer", "interrupts", &len);
	ck_assert_int_eq(len, 12 * 4);
	ck_assert_uint_eq(cell(p, 2), 4);		/* no CPU mask on v3 */
	ck_assert_int_lt(fdt_path_offset(fdt, "/pmu"), 0);
	ck_assert_int_lt(fdt_path_offset(fdt, "/reserved-memory"), 0);
	free(fdt);
}
END_TEST

START_TEST(gicv2m_pmu_pvtime)
{
	struct arm_fdt_desc d;
	const char *s;
	const void *p;
	void *fdt;
	int len;

	desc_init(&d, ARM_IRQCHIP_GICV2M);
	d.pmu = true;
	d.psci_version = 0x2;
	d.pvtime_base = ARM_RAM_BASE + d.ram_size - SZ_64K;
	d.pvtime_size = SZ_64K;
	fdt = build(&d);
	dtc_clean(fdt);

	s = getprop(fdt, "/intc@8000000", "compatible", NULL);
	ck_assert_str_eq(s, "arm,gic-400");
	s = getprop(fdt, "/intc@8000000/v2m@8020000", "compatible", NULL);
	ck_assert_str_eq(s, "arm,gic-v2m-frame");
	ck_assert(has_prop(fdt, "/intc@8000000/v2m@8020000", "msi-controller"));
	p = getprop(fdt, "/pci@30000000", "msi-parent", &len);
	ck_assert_int_eq(len, 4);
	ck_assert(!has_prop(fdt, "/pci@30000000", "msi-map"));
	/* GICv2 PPIs carry the mask of the 4 CPUs. */
	p = getprop(fdt, "/pmu", "interrupts", &len);
	ck_assert_int_eq(len, 12);
	ck_assert_uint_eq(cell(p, 1), ARM_PPI_PMU);
	ck_assert_uint_eq(cell(p, 2), 0xf04);
	s = getprop(fdt, "/psci", "compatible", &len);
	ck_assert_int_eq(len, (int)sizeof("arm,psci-0.2"));
	ck_assert(has_prop(fdt, "/reserved-memory/pvtime@8fff0000", "no-map"));
	free(fdt);
}
END_TEST

START_TEST(gicv2_and_v3_plain)
{
	struct arm_fdt_desc d;
	void *fdt;

	desc_init(&d, ARM_IRQCHIP_GICV2);
	d.chosen.serial_console = false;
	d.chosen.initrd_size = 0;
	d.pci.mmio64_size = 0;
	d.rtc = false;
	fdt = build(&d);
	dtc_clean(fdt);
	ck_assert(!has_prop(fdt, "/pci@30000000", "msi-parent"));
	ck_assert(!has_prop(fdt, "/pci@30000000", "msi-map"));
	ck_assert(!has_prop(fdt, "/chosen", "stdout-path"));
	ck_assert(!has_prop(fdt, "/chosen", "linux,initrd-start"));
	ck_assert_int_lt(fdt_path_offset(fdt, "/rtc@1010000"), 0);
	free(fdt);

	desc_init(&d, ARM_IRQCHIP_GICV3);
	fdt = build(&d);
	dtc_clean(fdt);
	ck_assert_int_lt(fdt_path_offset(fdt, "/intc@8000000/msi-controller@8080000"), 0);
	free(fdt);
}
END_TEST

START_TEST(chosen_and_devices)
{
	struct arm_fdt_desc d;
	const char *s;
	const void *p;
	void *fdt;
	int len;

	desc_init(&d, ARM_IRQCHIP_GICV3_ITS);
	fdt = build(&d);
	s = getprop(fdt, "/chosen", "bootargs", NULL);
	ck_assert_str_eq(s, "console=ttyS0 earlycon quiet");
	s = getprop(fdt, "/chosen", "stdout-path", NULL);
	ck_assert_str_eq(s, "/serial@1000000");
	p = getprop(fdt, "/chosen", "linux,initrd-end", &len);
	ck_assert_int_eq(len, 8);
	ck_assert_uint_eq(fdt64_ld((const fdt64_t *)p), 0x8f123000);
	p = getprop(fdt, "/chosen", "kaslr-seed", &len);
	ck_assert_int_eq(len, 8);
	p = getprop(fdt, "/chosen", "rng-seed", &len);
	ck_assert_int_eq(len, DT_RNG_SEED_SIZE);
	ck_assert_uint_eq(((const u8 *)p)[0], 0x5a);
	p = getprop(fdt, "/memory@80000000", "reg", &len);
	ck_assert_uint_eq(cell(p, 3), 256 * SZ_1M);

	s = getprop(fdt, "/serial@1000000", "compatible", NULL);
	ck_assert_str_eq(s, "ns16550a");
	p = getprop(fdt, "/serial@1000000", "reg-shift", NULL);
	ck_assert_uint_eq(cell(p, 0), 0);
	p = getprop(fdt, "/serial@1000000", "interrupts", NULL);
	ck_assert_uint_eq(cell(p, 1), ARM_SPI_UART);
	s = getprop(fdt, "/rtc@1010000", "compatible", &len);
	ck_assert_str_eq(s, "arm,pl031");
	ck_assert_str_eq(s + strlen(s) + 1, "arm,primecell");
	s = getprop(fdt, "/rtc@1010000", "clock-names", NULL);
	ck_assert_str_eq(s, "apb_pclk");
	free(fdt);
}
END_TEST

START_TEST(no_space)
{
	struct arm_fdt_desc d;
	char buf[512];

	desc_init(&d, ARM_IRQCHIP_GICV3_ITS);
	ck_assert_int_eq(arm_fdt_build(&d, buf, sizeof(buf)), -ENOSPC);
	d.irqchip = ARM_IRQCHIP_AUTO;
	ck_assert_int_eq(arm_fdt_build(&d, buf, sizeof(buf)), -EINVAL);
}
END_TEST

/* ------------------------------------------------------------- Image */

#define IMG_LEN		(64 * 1024)

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

/* A plain (non-EFI) Image header: text_offset 0, 4K pages, anywhere. */
static u8 *make_image(void)
{
	u8 *b = calloc(1, IMG_LEN);

	put64(b + 0x08, 0);
	put64(b + 0x10, 0x200000);
	put64(b + 0x18, 0xa);
	put32(b + 0x38, ARM64_IMAGE_MAGIC);
	return b;
}

/* Make it an EFI stub kernel: "MZ" and a PE header with one section. */
static void make_efi(u8 *b, u32 raw_end)
{
	u32 pe = 0x40;

	b[0] = 'M';
	b[1] = 'Z';
	put32(b + 0x3c, pe);
	memcpy(b + pe, "PE\0\0", 4);
	b[pe + 6] = 1;			/* NumberOfSections */
	b[pe + 20] = 0;			/* SizeOfOptionalHeader */
	put32(b + pe + 24 + 16, raw_end - 0x1000);	/* SizeOfRawData */
	put32(b + pe + 24 + 20, 0x1000);		/* PointerToRawData */
}

START_TEST(image_good)
{
	struct arm64_image img;
	const char *why = NULL;
	u8 *b = make_image();

	ck_assert_int_eq(arm64_image_parse(b, IMG_LEN, &img, &why), 0);
	ck_assert_uint_eq(img.text_offset, 0);
	ck_assert_uint_eq(img.image_size, 0x200000);
	ck_assert_uint_eq(img.page_size, SZ_4K);
	ck_assert(!img.efi);
	make_efi(b, IMG_LEN);
	ck_assert_int_eq(arm64_image_parse(b, IMG_LEN, &img, &why), 0);
	ck_assert(img.efi);
	/* Pre-3.17: no image_size, text_offset 0x80000. */
	free(b);
	b = make_image();
	put64(b + 0x10, 0);
	put64(b + 0x08, 0x1234);
	ck_assert_int_eq(arm64_image_parse(b, IMG_LEN, &img, &why), 0);
	ck_assert_uint_eq(img.text_offset, 0x80000);
	ck_assert_uint_eq(img.image_size, IMG_LEN);
	free(b);
}
END_TEST

static void expect_bad(const u8 *b, u64 len, const char *needle)
{
	struct arm64_image img;
	const char *why = NULL;

	ck_assert_int_eq(arm64_image_parse(b, len, &img, &why), -EINVAL);
	ck_assert_ptr_nonnull(why);
	ck_assert_msg(strstr(why, needle), "'%s' does not say '%s'", why, needle);
	ck_assert_ptr_null(strchr(why, '\n'));
}

START_TEST(image_bad)
{
	static const u8 gz[] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0 };
	u8 *b = make_image();

	expect_bad(gz, sizeof(gz), "gzip");
	expect_bad((const u8 *)"\177ELF\2\1\1", 7, "ELF");
	expect_bad((const u8 *)"MZ\0\0zimg", 8, "zboot");
	expect_bad(b, 63, "too short");
	expect_bad(b, 0, "too short");
	b[0x38] = 0;
	expect_bad(b, IMG_LEN, "magic");
	free(b);

	b = make_image();
	put64(b + 0x18, 0xb);
	expect_bad(b, IMG_LEN, "big-endian");
	put64(b + 0x18, 0xa);
	put64(b + 0x08, 0x80001);
	expect_bad(b, IMG_LEN, "text_offset");
	put64(b + 0x08, 0);
	put64(b + 0x10, 0x1000);
	expect_bad(b, IMG_LEN, "larger than image_size");
	put64(b + 0x10, 0x200000);

	/* Truncated EFI stub kernels. */
	make_efi(b, IMG_LEN);
	expect_bad(b, IMG_LEN - 1, "truncated");
	expect_bad(b, 0x60, "truncated");
	put32(b + 0x3c, 0x10000000);
	expect_bad(b, IMG_LEN, "corrupt");
	free(b);
}
END_TEST

START_TEST(placement)
{
	struct arm64_image img = { .text_offset = 0, .image_size = 0x2010000 };
	struct arm_boot bt;
	const char *why;
	u64 ram_end = ARM_RAM_BASE + 256 * SZ_1M;

	ck_assert_int_eq(arm64_boot_place(&img, ARM_RAM_BASE, ram_end,
					  0x345678, &bt, &why), 0);
	ck_assert_uint_eq(bt.kernel_addr, ARM_RAM_BASE);
	ck_assert_uint_eq(bt.kernel_end, ARM_RAM_BASE + 0x2010000);
	ck_assert_uint_eq(bt.dtb_addr, ram_end - SZ_2M);
	ck_assert(IS_ALIGNED(bt.initrd_addr, SZ_4K));
	ck_assert_uint_le(bt.initrd_addr + 0x345678, bt.dtb_addr);
	ck_assert_uint_ge(bt.initrd_addr, bt.kernel_end);

	/* Something reserved at the top: the DTB's 2 MiB block stays clear. */
	ck_assert_int_eq(arm64_boot_place(&img, ARM_RAM_BASE, ram_end - SZ_64K,
					  0, &bt, &why), 0);
	ck_assert_uint_eq(bt.dtb_addr, ram_end - 2 * SZ_2M);
	ck_assert_uint_eq(bt.initrd_size, 0);

	/* text_offset is honoured. */
	img.text_offset = 0x80000;
	ck_assert_int_eq(arm64_boot_place(&img, ARM_RAM_BASE, ram_end, 0, &bt,
					  &why), 0);
	ck_assert_uint_eq(bt.kernel_addr, ARM_RAM_BASE + 0x80000);

	/* Big RAM: the initrd stays within 32 GiB of the kernel. */
	ck_assert_int_eq(arm64_boot_place(&img, ARM_RAM_BASE,
					  ARM_RAM_BASE + 100 * SZ_1G, SZ_1M,
					  &bt, &why), 0);
	ck_assert_uint_le(bt.initrd_addr + SZ_1M, 32 * SZ_1G + ARM_RAM_BASE);

	/* Too small. */
	ck_assert_int_eq(arm64_boot_place(&img, ARM_RAM_BASE,
					  ARM_RAM_BASE + 32 * SZ_1M, 0, &bt,
					  &why), -ENOSPC);
	ck_assert_int_eq(arm64_boot_place(&img, ARM_RAM_BASE, ram_end,
					  250 * SZ_1M, &bt, &why), -ENOSPC);
	ck_assert_ptr_nonnull(strstr(why, "initrd"));
}
END_TEST

/*
 * The stolen-time region for 1, 2, 8, 255 and 512 vCPUs (the arm64 KVM's
 * KVM_MAX_VCPUS), in 256 MiB and in 4 GiB of RAM: 64 KiB aligned, at the
 * top of RAM, a 64-byte aligned record per vCPU inside it; and in the
 * device tree a no-map child of /reserved-memory (two address and two size
 * cells, ranges) with exactly that range, inside /memory.
 */
START_TEST(pvtime_layout)
{
	static const u32 cpus[] = { 1, 2, 8, 255, 512 };
	static const u64 rams[] = { 256 * SZ_1M, 4 * SZ_1G };
	u64 *ids = calloc(512, sizeof(*ids));
	unsigned int i, j;

	ck_assert_ptr_nonnull(ids);
	for (i = 0; i < 512; i++)
		ids[i] = 0x80000000 | ((i >> 4) << 8) | (i & 0xf);
	for (j = 0; j < ARRAY_SIZE(rams); j++) {
		for (i = 0; i < ARRAY_SIZE(cpus); i++) {
			u32 n = cpus[i];
			u64 ram_end = ARM_RAM_BASE + rams[j];
			struct arm_fdt_desc d;
			struct arm_pvtime pv;
			const void *p;
			char path[64];
			void *fdt;
			int len;

			ck_assert_int_eq(arm_pvtime_layout(ARM_RAM_BASE,
							   rams[j], n, &pv), 0);
			ck_assert_uint_eq(pv.base % SZ_64K, 0);
			ck_assert_uint_eq(pv.size % SZ_64K, 0);
			ck_assert_uint_ge(pv.size, (u64)n * 64);
			ck_assert_uint_eq(pv.base + pv.size, ram_end);
			ck_assert_uint_eq(arm_pvtime_record(&pv, 0), pv.base);
			ck_assert_uint_eq(arm_pvtime_record(&pv, n - 1) % 64, 0);
			ck_assert_uint_le(arm_pvtime_record(&pv, n - 1) + 64,
					  pv.base + pv.size);
			ck_assert_uint_eq(arm_pvtime_record(&pv, 1) -
					  arm_pvtime_record(&pv, 0), 64);

			desc_init(&d, ARM_IRQCHIP_GICV3_ITS);
			d.ram_size = rams[j];
			d.nr_cpus = n;
			d.nr_redist = n;
			d.mpidr = ids;
			d.chosen.initrd_size = 0;
			d.pvtime_base = pv.base;
			d.pvtime_size = pv.size;
			fdt = build(&d);
			if (i == ARRAY_SIZE(cpus) - 1)
				dtc_clean(fdt);
			p = getprop(fdt, "/reserved-memory", "#address-cells",
				    &len);
			ck_assert_int_eq(len, 4);
			ck_assert_uint_eq(cell(p, 0), 2);
			p = getprop(fdt, "/reserved-memory", "#size-cells", &len);
			ck_assert_int_eq(len, 4);
			ck_assert_uint_eq(cell(p, 0), 2);
			ck_assert(has_prop(fdt, "/reserved-memory", "ranges"));
			snprintf(path, sizeof(path), "/reserved-memory/pvtime@%llx",
				 (unsigned long long)pv.base);
			ck_assert(has_prop(fdt, path, "no-map"));
			p = getprop(fdt, path, "reg", &len);
			ck_assert_int_eq(len, 16);
			ck_assert_uint_eq(((u64)cell(p, 0) << 32) | cell(p, 1),
					  pv.base);
			ck_assert_uint_eq(((u64)cell(p, 2) << 32) | cell(p, 3),
					  pv.size);
			snprintf(path, sizeof(path), "/memory@%llx",
				 (unsigned long long)ARM_RAM_BASE);
			p = getprop(fdt, path, "reg", &len);
			ck_assert_int_eq(len, 16);
			ck_assert_uint_le(((u64)cell(p, 0) << 32) | cell(p, 1),
					  pv.base);
			ck_assert_uint_ge((((u64)cell(p, 0) << 32) | cell(p, 1)) +
					  (((u64)cell(p, 2) << 32) | cell(p, 3)),
					  pv.base + pv.size);
			free(fdt);
		}
	}
	free(ids);
	{
		struct arm_pvtime pv;

		/* A region would take more than a quarter of RAM. */
		ck_assert_int_eq(arm_pvtime_layout(ARM_RAM_BASE, 2 * SZ_64K, 1,
						   &pv), -ENOSPC);
		ck_assert_uint_eq(pv.size, 0);
		ck_assert_int_eq(arm_pvtime_layout(ARM_RAM_BASE, SZ_1M, 4097,
						   &pv), -ENOSPC);
		ck_assert_int_eq(arm_pvtime_layout(ARM_RAM_BASE, SZ_1G, 0, &pv),
				 -EINVAL);
		/* RAM ending off a 64 KiB boundary: the region stays in it. */
		ck_assert_int_eq(arm_pvtime_layout(ARM_RAM_BASE,
						   SZ_1G + 4096, 2, &pv), 0);
		ck_assert_uint_eq(pv.base, ARM_RAM_BASE + SZ_1G - SZ_64K);
	}
}
END_TEST

static Suite *arm_boot_suite(void)
{
	Suite *s = suite_create("arm64 boot");
	TCase *tc = tcase_create("fdt");

	tcase_add_test(tc, gicv3_its);
	tcase_add_test(tc, gicv2m_pmu_pvtime);
	tcase_add_test(tc, pvtime_layout);
	tcase_add_test(tc, gicv2_and_v3_plain);
	tcase_add_test(tc, chosen_and_devices);
	tcase_add_test(tc, no_space);
	suite_add_tcase(s, tc);
	tc = tcase_create("image");
	tcase_add_test(tc, image_good);
	tcase_add_test(tc, image_bad);
	tcase_add_test(tc, placement);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(arm_boot_suite)
