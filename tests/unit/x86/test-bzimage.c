// SPDX-License-Identifier: GPL-2.0
/* bzImage setup-header parsing and initrd placement. */
#include "unit.h"
#include "kvm/boot.h"

#define IMG_SIZE	(64 * 1024)

/* A minimal but valid bzImage: protocol 2.15, 64-bit, 4 setup sectors. */
static u8 *make_image(u64 *len)
{
	u8 *b = calloc(1, IMG_SIZE);
	struct setup_header *h = (struct setup_header *)(b + 0x1f1);

	h->setup_sects = 4;
	h->boot_flag = 0xAA55;
	h->header = 0x53726448;
	h->version = 0x020f;
	h->loadflags = LOADED_HIGH;
	h->xloadflags = XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G;
	h->initrd_addr_max = 0x7fffffff;
	h->cmdline_size = 2047;
	h->pref_address = 0x1000000;
	h->init_size = 0x2000000;
	h->syssize = (IMG_SIZE - 5 * 512) / 16;
	h->relocatable_kernel = 1;
	h->kernel_alignment = 0x200000;
	*len = IMG_SIZE;
	return b;
}

static struct setup_header *hdr(u8 *b)
{
	return (struct setup_header *)(b + 0x1f1);
}

START_TEST(good)
{
	struct bzimage_info bi;
	const char *why = NULL;
	u64 len;
	u8 *b = make_image(&len);

	ck_assert(bzimage_probe(b, len));
	ck_assert_int_eq(bzimage_parse(b, len, &bi, &why), 0);
	ck_assert_uint_eq(bi.setup_size, 5 * 512);
	ck_assert_uint_eq(bi.kernel_size, IMG_SIZE - 5 * 512);
	ck_assert_uint_eq(bi.cmdline_size, 2047);
	/* The decompressed kernel runs at pref_address for init_size. */
	ck_assert_uint_eq(bi.footprint_end, 0x1000000 + 0x2000000);
	/* setup_sects == 0 means 4. */
	hdr(b)->setup_sects = 0;
	ck_assert_int_eq(bzimage_parse(b, len, &bi, &why), 0);
	ck_assert_uint_eq(bi.setup_size, 5 * 512);
	free(b);
}
END_TEST

START_TEST(truncated)
{
	struct bzimage_info bi;
	const char *why = NULL;
	u64 len;
	u8 *b = make_image(&len);

	ck_assert_int_eq(bzimage_parse(b, 0x200, &bi, &why), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "too short"));
	ck_assert_int_eq(bzimage_parse(b, 5 * 512, &bi, &why), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "truncated"));
	ck_assert_int_eq(bzimage_parse(b, len - 16, &bi, &why), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "syssize"));
	free(b);
}
END_TEST

START_TEST(bad_magic)
{
	struct bzimage_info bi;
	const char *why = NULL;
	u64 len;
	u8 *b = make_image(&len);

	hdr(b)->header = 0x12345678;
	ck_assert_int_eq(bzimage_parse(b, len, &bi, &why), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "HdrS"));
	hdr(b)->header = 0x53726448;
	hdr(b)->boot_flag = 0;
	ck_assert(bzimage_probe(b, len));	/* HdrS still says bzImage */
	ck_assert_int_eq(bzimage_parse(b, len, &bi, &why), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "0xAA55"));
	hdr(b)->header = 0;
	ck_assert(!bzimage_probe(b, len));	/* neither: a flat binary */
	free(b);
}
END_TEST

START_TEST(old_protocol)
{
	struct bzimage_info bi;
	const char *why = NULL;
	u64 len;
	u8 *b = make_image(&len);

	hdr(b)->version = 0x0206;
	ck_assert_int_eq(bzimage_parse(b, len, &bi, &why), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "2.06 is too old"));
	hdr(b)->version = 0x020c;
	hdr(b)->xloadflags = 0;
	ck_assert_int_eq(bzimage_parse(b, len, &bi, &why), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "64-bit"));
	hdr(b)->xloadflags = XLF_KERNEL_64;
	hdr(b)->loadflags = 0;
	ck_assert_int_eq(bzimage_parse(b, len, &bi, &why), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "zImage"));
	hdr(b)->loadflags = LOADED_HIGH;
	hdr(b)->init_size = 0;
	ck_assert_int_eq(bzimage_parse(b, len, &bi, &why), -EINVAL);
	free(b);
}
END_TEST

START_TEST(initrd_placement)
{
	struct bzimage_info bi;
	const char *why = NULL;
	u64 len, addr;
	u8 *b = make_image(&len);

	ck_assert_int_eq(bzimage_parse(b, len, &bi, &why), 0);
	/* 256 MiB of RAM, 10 MiB initrd: at the top, page aligned. */
	ck_assert_int_eq(bzimage_place_initrd(&bi, 256 * SZ_1M, 10 * SZ_1M + 5,
					      &addr, &why), 0);
	ck_assert_uint_eq(addr, ALIGN_DOWN(256 * SZ_1M - 10 * SZ_1M - 5, SZ_4K));
	ck_assert(IS_ALIGNED(addr, SZ_4K));
	/* initrd_addr_max below the top of RAM wins. */
	hdr(b)->initrd_addr_max = 0x7fffffff;
	ck_assert_int_eq(bzimage_parse(b, len, &bi, &why), 0);
	ck_assert_int_eq(bzimage_place_initrd(&bi, 3 * SZ_1G, SZ_1M, &addr,
					      &why), 0);
	ck_assert_uint_eq(addr, 0x80000000ULL - SZ_1M);
	/* Does not fit above the kernel (which ends at 48 MiB). */
	ck_assert_int_eq(bzimage_place_initrd(&bi, 64 * SZ_1M, 17 * SZ_1M,
					      &addr, &why), -ENOSPC);
	ck_assert_ptr_nonnull(strstr(why, "does not fit"));
	ck_assert_int_eq(bzimage_place_initrd(&bi, 64 * SZ_1M, 16 * SZ_1M,
					      &addr, &why), 0);
	ck_assert_int_eq(bzimage_place_initrd(&bi, 64 * SZ_1M, 1ULL << 40,
					      &addr, &why), -ENOSPC);
	free(b);
}
END_TEST

static Suite *bzimage_suite(void)
{
	Suite *s = suite_create("bzimage");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, good);
	tcase_add_test(tc, truncated);
	tcase_add_test(tc, bad_magic);
	tcase_add_test(tc, old_protocol);
	tcase_add_test(tc, initrd_placement);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(bzimage_suite)
