// SPDX-License-Identifier: GPL-2.0
/*
 * RISC-V ISA extensions: KVM's numbering (enum KVM_RISCV_ISA_EXT_ID in
 * arch/riscv/include/uapi/asm/kvm.h; Linux 6.1 knows IDs 0-11, later
 * kernels append), the riscv,isa string of the device tree, and the
 * --disable-<ext> run options (kvmtool's names).
 */
#include <errno.h>
#include <string.h>

#include "kvm/kvm-config.h"
#include "kvm/parse-options.h"
#include "kvm/riscv-isa.h"
#include "kvm/util.h"

const struct riscv_isa_ext riscv_isa_exts[] = {
	{ "a", 0 }, { "c", 1 }, { "d", 2 }, { "f", 3 }, { "h", 4 },
	{ "i", 5 }, { "m", 6 },
	{ "svpbmt", 7 }, { "sstc", 8 }, { "svinval", 9 },
	{ "zihintpause", 10 }, { "zicbom", 11 }, { "zicboz", 12 },
	{ "zbb", 13 }, { "ssaia", 14 }, { "v", 15 }, { "svnapot", 16 },
	{ "zba", 17 }, { "zbs", 18 }, { "zicntr", 19 }, { "zicsr", 20 },
	{ "zifencei", 21 }, { "zihpm", 22 }, { "smstateen", 23 },
	{ "zicond", 24 }, { "zbc", 25 }, { "zbkb", 26 }, { "zbkc", 27 },
	{ "zbkx", 28 }, { "zknd", 29 }, { "zkne", 30 }, { "zknh", 31 },
	{ "zkr", 32 }, { "zksed", 33 }, { "zksh", 34 }, { "zkt", 35 },
	{ "zvbb", 36 }, { "zvbc", 37 }, { "zvkb", 38 }, { "zvkg", 39 },
	{ "zvkned", 40 }, { "zvknha", 41 }, { "zvknhb", 42 },
	{ "zvksed", 43 }, { "zvksh", 44 }, { "zvkt", 45 }, { "zfh", 46 },
	{ "zfhmin", 47 }, { "zihintntl", 48 }, { "zvfh", 49 },
	{ "zvfhmin", 50 }, { "zfa", 51 }, { "ztso", 52 }, { "zacas", 53 },
	{ "sscofpmf", 54 }, { "zimop", 55 }, { "zca", 56 }, { "zcb", 57 },
	{ "zcd", 58 }, { "zcf", 59 }, { "zcmop", 60 }, { "zawrs", 61 },
	{ "smnpm", 62 }, { "ssnpm", 63 }, { "svade", 64 }, { "svadu", 65 },
	{ "svvptc", 66 }, { "zabha", 67 }, { "ziccrse", 68 },
	{ "zaamo", 69 }, { "zalrsc", 70 }, { "zicbop", 71 },
	{ "zfbfmin", 72 }, { "zvfbfmin", 73 }, { "zvfbfwma", 74 },
	{ "zclsd", 75 }, { "zilsd", 76 }, { "zalasr", 77 },
};
const u32 riscv_nr_isa_exts = ARRAY_SIZE(riscv_isa_exts);

/* Canonical order of single-letter extensions (and Z categories). */
static const char canon[] = "imafdqlcbkjtpvnh";

const struct riscv_isa_ext *riscv_isa_ext_by_name(const char *name)
{
	u32 i;

	for (i = 0; i < riscv_nr_isa_exts; i++)
		if (!strcmp(riscv_isa_exts[i].name, name))
			return &riscv_isa_exts[i];
	return NULL;
}

const struct riscv_isa_ext *riscv_isa_ext_by_id(u32 id)
{
	u32 i;

	for (i = 0; i < riscv_nr_isa_exts; i++)
		if (riscv_isa_exts[i].id == id)
			return &riscv_isa_exts[i];
	return NULL;
}

/* Sort key of a multi-letter extension: Z, then S, then X. */
static int multi_key(const char *n)
{
	const char *c;

	if (n[0] == 'z') {
		c = strchr(canon, n[1]);
		return c ? (int)(c - canon) : (int)sizeof(canon);
	}
	return n[0] == 's' ? 100 : 200;
}

static int multi_cmp(const char *a, const char *b)
{
	int ka = multi_key(a), kb = multi_key(b);

	return ka != kb ? ka - kb : strcmp(a, b);
}

/*
 * Every Linux-capable hart has Zicsr and Zifencei (part of I before the
 * 2019 split) and the Zicntr counters (KVM gives guests time, cycle and
 * instret): listed even where the host's KVM predates their IDs.
 */
static const char * const implied[] = { "zicsr", "zifencei", "zicntr" };

/* The multi-letter names of @ext (plus the implied ones), sorted. */
static u32 multi_names(u64 base, const u64 *ext, const char **out, u32 max)
{
	u32 i, j, n = 0;

	for (i = 0; i < riscv_nr_isa_exts; i++) {
		const struct riscv_isa_ext *e = &riscv_isa_exts[i];

		if (e->name[1] && riscv_ext_test(ext, e->id) && n < max)
			out[n++] = e->name;
	}
	for (i = 0; (base & BIT('i' - 'a')) && i < ARRAY_SIZE(implied); i++) {
		for (j = 0; j < n && strcmp(out[j], implied[i]); j++)
			;
		if (j == n && n < max)
			out[n++] = implied[i];
	}
	/* Insertion sort: a few dozen names at most. */
	for (i = 1; i < n; i++) {
		const char *x = out[i];

		for (j = i; j > 0 && multi_cmp(out[j - 1], x) > 0; j--)
			out[j] = out[j - 1];
		out[j] = x;
	}
	return n;
}

int riscv_isa_string(u64 base, const u64 *ext, char *buf, size_t len)
{
	const char *names[RISCV_ISA_EXT_ID_MAX + ARRAY_SIZE(implied)];
	size_t n = 0;
	u32 i, nr;
	int w;

	w = snprintf(buf, len, "rv64");
	if (w < 0 || (size_t)w >= len)
		return -ENOSPC;
	n = w;
	for (i = 0; canon[i]; i++) {
		if (canon[i] == 'h' || !(base & BIT(canon[i] - 'a')))
			continue;
		if (n + 2 > len)
			return -ENOSPC;
		buf[n++] = canon[i];
		buf[n] = '\0';
	}
	nr = multi_names(base, ext, names, ARRAY_SIZE(names));
	for (i = 0; i < nr; i++) {
		w = snprintf(buf + n, len - n, "_%s", names[i]);
		if (w < 0 || (size_t)w >= len - n)
			return -ENOSPC;
		n += w;
	}
	return (int)n;
}

int riscv_isa_ext_list(u64 base, const u64 *ext, char *buf, size_t len)
{
	const char *names[RISCV_ISA_EXT_ID_MAX + ARRAY_SIZE(implied)];
	size_t n = 0, l;
	u32 i, nr;

	for (i = 0; canon[i]; i++) {
		if (canon[i] == 'h' || !(base & BIT(canon[i] - 'a')))
			continue;
		if (n + 2 > len)
			return -ENOSPC;
		buf[n++] = canon[i];
		buf[n++] = '\0';
	}
	nr = multi_names(base, ext, names, ARRAY_SIZE(names));
	for (i = 0; i < nr; i++) {
		l = strlen(names[i]) + 1;
		if (n + l > len)
			return -ENOSPC;
		memcpy(buf + n, names[i], l);
		n += l;
	}
	return (int)n;
}

/* --disable-<ext>: o->long_name is "disable-<ext>". */
int riscv_opt_disable_ext(const struct option *o, const char *arg, void *ctx)
{
	struct kvm_config *cfg = ctx;
	const struct riscv_isa_ext *e = riscv_isa_ext_by_name(o->long_name + 8);

	if (!e) {
		pr_err("--%s: unknown extension", o->long_name);
		return -1;
	}
	riscv_ext_set(cfg->disable_ext, e->id);
	return 0;
}
