// SPDX-License-Identifier: GPL-2.0
/* Size and option parsing for lkvm run, good and bad. */
#include "unit.h"
#include "kvm/config.h"
#include "kvm/parse-options.h"

static int parse(struct kvm_config *cfg, const char *const *args)
{
	const char *argv[32] = { "run" };
	int argc = 1;

	memset(cfg, 0, sizeof(*cfg));
	while (*args)
		argv[argc++] = *args++;
	return kvm_config_parse_run(cfg, argc, argv);
}

#define ARGS(...)	((const char *const[]){ __VA_ARGS__, NULL })

START_TEST(sizes)
{
	u64 v;

	ck_assert_int_eq(parse_size("512", SZ_1M, &v), 0);
	ck_assert_uint_eq(v, 512 * SZ_1M);
	ck_assert_int_eq(parse_size("2G", SZ_1M, &v), 0);
	ck_assert_uint_eq(v, 2 * SZ_1G);
	ck_assert_int_eq(parse_size("2g", SZ_1M, &v), 0);
	ck_assert_uint_eq(v, 2 * SZ_1G);
	ck_assert_int_eq(parse_size("1024M", SZ_1M, &v), 0);
	ck_assert_uint_eq(v, SZ_1G);
	ck_assert_int_eq(parse_size("1GiB", SZ_1M, &v), 0);
	ck_assert_uint_eq(v, SZ_1G);
	ck_assert_int_eq(parse_size("64KB", SZ_1M, &v), 0);
	ck_assert_uint_eq(v, 64 * SZ_1K);
	ck_assert_int_eq(parse_size("1T", SZ_1M, &v), 0);
	ck_assert_uint_eq(v, SZ_1G * 1024);
	ck_assert_int_eq(parse_size("4096B", SZ_1M, &v), 0);
	ck_assert_uint_eq(v, 4096);
	ck_assert_int_eq(parse_size("0", SZ_1M, &v), 0);
	ck_assert_uint_eq(v, 0);

	ck_assert_int_eq(parse_size("", SZ_1M, &v), -EINVAL);
	ck_assert_int_eq(parse_size("G", SZ_1M, &v), -EINVAL);
	ck_assert_int_eq(parse_size("-1", SZ_1M, &v), -EINVAL);
	ck_assert_int_eq(parse_size(" 1", SZ_1M, &v), -EINVAL);
	ck_assert_int_eq(parse_size("1Q", SZ_1M, &v), -EINVAL);
	ck_assert_int_eq(parse_size("1GX", SZ_1M, &v), -EINVAL);
	ck_assert_int_eq(parse_size("1.5G", SZ_1M, &v), -EINVAL);
	ck_assert_int_eq(parse_size("0x10", SZ_1M, &v), -EINVAL);
	ck_assert_int_eq(parse_size("99999999999999999999", SZ_1M, &v), -ERANGE);
	ck_assert_int_eq(parse_size("17179869184G", SZ_1M, &v), -ERANGE);
	ck_assert_int_eq(parse_size("17592186044416", SZ_1M, &v), -ERANGE);
}
END_TEST

START_TEST(numbers)
{
	u64 v;

	ck_assert_int_eq(parse_u64("42", &v), 0);
	ck_assert_uint_eq(v, 42);
	ck_assert_int_eq(parse_u64("0x1f", &v), 0);
	ck_assert_uint_eq(v, 31);
	ck_assert_int_eq(parse_u64("", &v), -EINVAL);
	ck_assert_int_eq(parse_u64("4x", &v), -EINVAL);
	ck_assert_int_eq(parse_u64("-4", &v), -EINVAL);
	ck_assert_int_eq(parse_loglevel("debug"), LOGLEVEL_DEBUG);
	ck_assert_int_eq(parse_loglevel("ERROR"), LOGLEVEL_ERROR);
	ck_assert_int_lt(parse_loglevel("loud"), 0);
}
END_TEST

START_TEST(run_good)
{
	struct kvm_config cfg;

	ck_assert_int_eq(parse(&cfg, ARGS("-k", "bz", "-i", "rd", "-p",
		"quiet x=1", "-m", "2G", "-c", "2", "--name", "vm1",
		"--console", "serial", "--nodefaults", "--debug",
		"--loglevel", "error")), 0);
	/* --debug gives debug messages; a later --loglevel wins. */
	ck_assert_int_eq(lkvm_loglevel, LOGLEVEL_ERROR);
	lkvm_loglevel = -1;
	ck_assert_str_eq(cfg.kernel, "bz");
	ck_assert_str_eq(cfg.initrd, "rd");
	ck_assert_str_eq(cfg.params, "quiet x=1");
	ck_assert_uint_eq(cfg.ram_size, 2 * SZ_1G);
	ck_assert_int_eq(cfg.nrcpus, 2);
	ck_assert_str_eq(cfg.name, "vm1");
	ck_assert(cfg.nodefaults && cfg.debug);
	ck_assert_int_eq(kvm_config_finalize(&cfg), 0);
	ck_assert_str_eq(cfg.cmdline, "quiet x=1");

	ck_assert_int_eq(parse(&cfg, ARGS("--debug")), 0);
	ck_assert_int_eq(lkvm_loglevel, LOGLEVEL_DEBUG);
	lkvm_loglevel = -1;

	/* Long forms with '=', attached short values, positional kernel. */
	ck_assert_int_eq(parse(&cfg, ARGS("--mem=512", "-c4", "--params=a b",
					  "Image")), 0);
	ck_assert_uint_eq(cfg.ram_size, 512 * SZ_1M);
	ck_assert_int_eq(cfg.nrcpus, 4);
	ck_assert_str_eq(cfg.kernel, "Image");
	ck_assert_int_eq(kvm_config_finalize(&cfg), 0);
	/* Defaults come first, the user's parameters last. */
	ck_assert_ptr_nonnull(strstr(cfg.cmdline, "console=ttyS0"));
	ck_assert_str_eq(cfg.cmdline + strlen(cfg.cmdline) - 3, "a b");

	/* Defaults for CPUs and memory, like kvmtool. */
	ck_assert_int_eq(parse(&cfg, ARGS("-k", "bz")), 0);
	ck_assert_int_eq(kvm_config_finalize(&cfg), 0);
	ck_assert_int_ge(cfg.nrcpus, 1);
	ck_assert_uint_ge(cfg.ram_size, SZ_64M);
	ck_assert_int_eq(kvm_config_check_vcpus(&cfg, 1024), 0);
	cfg.nrcpus = 2000;
	ck_assert_int_ne(kvm_config_check_vcpus(&cfg, 1024), 0);
}
END_TEST

START_TEST(run_bad)
{
	struct kvm_config cfg;

	ck_assert_int_eq(parse(&cfg, ARGS("-m", "0")), -1);
	ck_assert_int_eq(parse(&cfg, ARGS("-m", "lots")), -1);
	ck_assert_int_eq(parse(&cfg, ARGS("-c", "0")), -1);
	ck_assert_int_eq(parse(&cfg, ARGS("-c", "-1")), -1);
	ck_assert_int_eq(parse(&cfg, ARGS("-c", "two")), -1);
	ck_assert_int_eq(parse(&cfg, ARGS("--frobnicate")), -1);
	ck_assert_int_eq(parse(&cfg, ARGS("-Z")), -1);
	ck_assert_int_eq(parse(&cfg, ARGS("-k")), -1);
	ck_assert_int_eq(parse(&cfg, ARGS("--kernel")), -1);
	ck_assert_int_eq(parse(&cfg, ARGS("--nodefaults=1")), -1);
	ck_assert_int_eq(parse(&cfg, ARGS("--console", "vga")), -1);
	ck_assert_int_eq(parse(&cfg, ARGS("--loglevel", "loud")), -1);
	ck_assert_int_eq(parse(&cfg, ARGS("-k", "a", "b")), -1);
	ck_assert_int_eq(parse(&cfg, ARGS("a", "b")), -1);
	/* Known, not implemented yet: refused, never ignored. */
	ck_assert_int_eq(parse(&cfg, ARGS("--vnc")), -1);
	ck_assert_int_eq(parse(&cfg, ARGS("-n", "mode=user")), -1);
	/* Names are file names under the socket directory. */
	ck_assert_int_eq(parse(&cfg, ARGS("-k", "x", "--name", "../evil")), 0);
	ck_assert_int_ne(kvm_config_finalize(&cfg), 0);
	ck_assert_int_eq(parse(&cfg, ARGS("-k", "x", "--name", "")), 0);
	ck_assert_int_ne(kvm_config_finalize(&cfg), 0);
	/* Command line longer than the buffer. */
	{
		static char big[KVM_CMDLINE_MAX + 10];

		memset(big, 'a', sizeof(big) - 1);
		ck_assert_int_eq(parse(&cfg, ARGS("-k", "x", "-p", big)), 0);
		ck_assert_int_ne(kvm_config_finalize(&cfg), 0);
	}
}
END_TEST

static Suite *options_suite(void)
{
	Suite *s = suite_create("options");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, sizes);
	tcase_add_test(tc, numbers);
	tcase_add_test(tc, run_good);
	tcase_add_test(tc, run_bad);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(options_suite)
