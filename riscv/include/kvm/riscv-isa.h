/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RISC-V ISA extensions as KVM numbers them (KVM_RISCV_ISA_EXT_*, the
 * ONE_REG register index of type KVM_REG_RISCV_ISA_EXT) and as the device
 * tree spells them.  Plain C without KVM, unit-tested on any host.
 */
#ifndef KVM__RISCV_ISA_H
#define KVM__RISCV_ISA_H

#include <stddef.h>
#include "kvm/compiler.h"
#include "kvm/kvm-arch.h"

struct riscv_isa_ext {
	const char	*name;	/* lower case, as in riscv,isa */
	u32		id;	/* KVM_RISCV_ISA_EXT_* */
};

extern const struct riscv_isa_ext riscv_isa_exts[];
extern const u32 riscv_nr_isa_exts;

/* Largest KVM ISA extension ID lkvm knows, plus one. */
#define RISCV_ISA_EXT_ID_MAX	78
#if RISCV_ISA_EXT_ID_MAX > RISCV_ISA_EXT_WORDS * 64
#error "RISCV_ISA_EXT_WORDS too small"
#endif

const struct riscv_isa_ext *riscv_isa_ext_by_name(const char *name);
const struct riscv_isa_ext *riscv_isa_ext_by_id(u32 id);

static inline bool riscv_ext_test(const u64 *bm, u32 id)
{
	return id < RISCV_ISA_EXT_WORDS * 64 && (bm[id / 64] >> (id % 64)) & 1;
}

static inline void riscv_ext_set(u64 *bm, u32 id)
{
	if (id < RISCV_ISA_EXT_WORDS * 64)
		bm[id / 64] |= 1ULL << (id % 64);
}

/*
 * The riscv,isa string of a hart: "rv64" and the single-letter extensions
 * of @base (bit n = 'a' + n; "h" is never given to a guest) in canonical
 * order, then "_name" for each multi-letter extension in @ext, Z before S,
 * each group in canonical order.  Returns the length, or -ENOSPC.
 */
int riscv_isa_string(u64 base, const u64 *ext, char *buf, size_t len);

/*
 * The riscv,isa-extensions string list ("i\0m\0a\0...") of the same
 * extensions; returns its size (NULs included) or -ENOSPC.
 */
int riscv_isa_ext_list(u64 base, const u64 *ext, char *buf, size_t len);

#endif
