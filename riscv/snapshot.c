// SPDX-License-Identifier: GPL-2.0
/*
 * riscv64 snapshot state.  Each vCPU: every ONE_REG register KVM has for
 * it (KVM_GET_REG_LIST where the host implements it, Linux 6.5 and later;
 * on older hosts every register of the known types that reads back: config,
 * core, CSRs (general, AIA, Smstateen), timer, FP, ISA and SBI extension
 * switches, SBI STA state), saved as (id, value) records, and its MP state
 * (stopped or runnable).  The PLIC is an lkvm device with its own section;
 * the VM section only pins the layout.
 *
 * Restore order per vCPU: the ISA and SBI switches first (they decide which
 * other registers exist), then the rest in list order, the timer state
 * last and its compare value once more after it (Linux 6.1 arms the timer
 * with the wrong value when the state is set).  A register that already
 * holds the saved value is not written, so read-only ones (the timer
 * frequency, block sizes) only have to match.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvm/kvm.h"
#include "kvm/kvm-cpu.h"
#include "kvm/riscv-cpu.h"
#include "kvm/riscv-isa.h"
#include "kvm/snapshot.h"
#include "kvm/util.h"
#include "kvm/vm-state.h"

#define REG_MAX_BYTES	256	/* largest ONE_REG value kept (vectors) */

struct riscv_vm_state {
	u64	mmio64_size;
	u32	nr_sources;
	u32	pad;
};

int kvm__arch_save(struct kvm *kvm, struct snapshot *s)
{
	struct riscv_vm_state st = {
		.mmio64_size = kvm->arch.mmio64_size,
		.nr_sources = RISCV_PLIC_NR_SOURCES,
	};

	return snap_put(s, "riscv.vm", 1, &st, sizeof(st));
}

int kvm__arch_restore(struct kvm *kvm, struct snapshot *s)
{
	struct riscv_vm_state st;
	int ret = snap_get(s, "riscv.vm", 1, &st, sizeof(st));

	if (ret)
		return ret;
	if (st.mmio64_size != kvm->arch.mmio64_size ||
	    st.nr_sources != RISCV_PLIC_NR_SOURCES) {
		pr_err("--restore: the snapshot's machine layout (64-bit PCI "
		       "window %llu GiB) does not fit this host (%llu GiB)",
		       (unsigned long long)(st.mmio64_size >> 30),
		       (unsigned long long)(kvm->arch.mmio64_size >> 30));
		return -EPROTO;
	}
	return 0;
}

int kvm__arch_restore_late(struct kvm *kvm, struct snapshot *s)
{
	return 0;
}

/* ------------------------------------------------------------ vCPUs */

static u32 reg_size(u64 id)
{
	return 1U << ((id & KVM_REG_SIZE_MASK) >> KVM_REG_SIZE_SHIFT);
}

static u64 reg_type(u64 id)
{
	return id & KVM_REG_RISCV_TYPE_MASK;
}

struct reg_list {
	u64	*id;
	u32	nr;
	u32	alloc;
};

static int reglist_add(struct reg_list *l, u64 id)
{
	if (l->nr == l->alloc) {
		u32 na = l->alloc ? l->alloc * 2 : 128;
		u64 *n = realloc(l->id, na * sizeof(*n));

		if (!n)
			return -ENOMEM;
		l->id = n;
		l->alloc = na;
	}
	l->id[l->nr++] = id;
	return 0;
}

/* Add @id if it reads back on this vCPU. */
static int probe(struct kvm_cpu *vcpu, struct reg_list *l, u64 id)
{
	u8 buf[REG_MAX_BYTES];

	if (reg_size(id) > sizeof(buf) || riscv_get_reg(vcpu, id, buf))
		return 0;
	return reglist_add(l, id);
}

#define REG32(type, idx) \
	(KVM_REG_RISCV | KVM_REG_SIZE_U32 | (u64)(type) | (u64)(idx))

/* Hosts without KVM_GET_REG_LIST (before Linux 6.5): every known type. */
static int probe_all(struct kvm_cpu *vcpu, struct reg_list *l)
{
	u32 i;
	int ret = 0;

	for (i = 0; !ret && i < RV_CONFIG_NR; i++)
		ret = probe(vcpu, l, RV_CONFIG(i));
	for (i = 0; !ret && i < RV_CORE_NR; i++)
		ret = probe(vcpu, l, RV_CORE(i));
	for (i = 0; !ret && i < RV_CSR_NR; i++)
		ret = probe(vcpu, l, RV_CSR(i));
	for (i = 0; !ret && i < RV_CSR_AIA_NR; i++)
		ret = probe(vcpu, l, RV_CSR(KVM_REG_RISCV_CSR_AIA | i));
	if (!ret)
		ret = probe(vcpu, l, RV_CSR(KVM_REG_RISCV_CSR_SMSTATEEN | 0));
	for (i = 0; !ret && i <= RV_TIMER_STATE; i++)
		ret = probe(vcpu, l, RV_TIMER(i));
	/* F and D share the register file: D's view when there is D. */
	if (vcpu->arch.isa & BIT('d' - 'a')) {
		for (i = 0; !ret && i < 32; i++)
			ret = probe(vcpu, l, RV_REG(KVM_REG_RISCV_FP_D, i));
		if (!ret)
			ret = probe(vcpu, l, REG32(KVM_REG_RISCV_FP_D, 32));
	} else {
		for (i = 0; !ret && i <= 32; i++)
			ret = probe(vcpu, l, REG32(KVM_REG_RISCV_FP_F, i));
	}
	for (i = 0; !ret && i < RISCV_ISA_EXT_ID_MAX; i++)
		ret = probe(vcpu, l, RV_ISA_EXT(i));
	for (i = 0; !ret && i < RISCV_KVM_SBI_EXT_MAX_PROBE; i++)
		ret = probe(vcpu, l, RV_SBI_EXT(i));
	for (i = 0; !ret && i < 2; i++)
		ret = probe(vcpu, l, RV_SBI_STA(i));
	return ret;
}

static int reg_list(struct kvm_cpu *vcpu, struct reg_list *l)
{
	struct kvm_reg_list probe_hdr = { .n = 0 }, *kl;
	bool has_d = false;
	u64 i;
	int ret = 0;

	memset(l, 0, sizeof(*l));
	if (ioctl(vcpu->fd, KVM_GET_REG_LIST, &probe_hdr) < 0 && errno != E2BIG) {
		ret = probe_all(vcpu, l);
		pr_debug("snapshot: vCPU %lu: %u registers (probed: no "
			 "KVM_GET_REG_LIST)", vcpu->id, l->nr);
		return ret;
	}
	kl = calloc(1, sizeof(*kl) + probe_hdr.n * sizeof(u64));
	if (!kl)
		return -ENOMEM;
	kl->n = probe_hdr.n;
	if (ioctl(vcpu->fd, KVM_GET_REG_LIST, kl) < 0) {
		ret = -errno;
		pr_err("snapshot: vCPU %lu: KVM_GET_REG_LIST: %s", vcpu->id,
		       strerror(errno));
		free(kl);
		return ret;
	}
	for (i = 0; i < kl->n; i++)
		has_d |= reg_type(kl->reg[i]) == KVM_REG_RISCV_FP_D;
	for (i = 0; !ret && i < kl->n; i++) {
		if (has_d && reg_type(kl->reg[i]) == KVM_REG_RISCV_FP_F)
			continue;
		if (reg_size(kl->reg[i]) > REG_MAX_BYTES) {
			pr_err("snapshot: vCPU %lu: register 0x%llx is %u bytes",
			       vcpu->id, (unsigned long long)kl->reg[i],
			       reg_size(kl->reg[i]));
			ret = -E2BIG;
			break;
		}
		ret = reglist_add(l, kl->reg[i]);
	}
	free(kl);
	pr_debug("snapshot: vCPU %lu: %u registers (KVM_GET_REG_LIST)",
		 vcpu->id, l->nr);
	return ret;
}

#define CPU_SECTION(buf, vcpu, what) \
	snprintf(buf, sizeof(buf), "cpu%lu.%s", (vcpu)->id, what)

int kvm_cpu__arch_save(struct kvm_cpu *vcpu, struct snapshot *s)
{
	struct kvm_mp_state mp;
	struct reg_list l;
	u8 *buf = NULL, *p;
	u64 bytes = 0;
	char sec[48];
	u32 i;
	int ret;

	ret = reg_list(vcpu, &l);
	if (ret)
		goto out;
	for (i = 0; i < l.nr; i++)
		bytes += sizeof(u64) + reg_size(l.id[i]);
	p = buf = malloc(bytes ? bytes : 1);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < l.nr; i++) {
		memcpy(p, &l.id[i], sizeof(u64));
		ret = riscv_get_reg(vcpu, l.id[i], p + sizeof(u64));
		if (ret) {
			pr_err("snapshot: vCPU %lu: reading register 0x%llx: %s",
			       vcpu->id, (unsigned long long)l.id[i],
			       strerror(-ret));
			goto out;
		}
		p += sizeof(u64) + reg_size(l.id[i]);
	}
	CPU_SECTION(sec, vcpu, "regs");
	ret = snap_put(s, sec, 1, buf, bytes);
	if (ret)
		goto out;
	if (ioctl(vcpu->fd, KVM_GET_MP_STATE, &mp) < 0) {
		ret = -errno;
		pr_err("snapshot: vCPU %lu: KVM_GET_MP_STATE: %s", vcpu->id,
		       strerror(errno));
		goto out;
	}
	CPU_SECTION(sec, vcpu, "mpstate");
	ret = snap_put(s, sec, 1, &mp, sizeof(mp));
out:
	free(buf);
	free(l.id);
	return ret;
}

static const char *reg_what(u64 id)
{
	switch (reg_type(id)) {
	case KVM_REG_RISCV_CONFIG:	return "config";
	case KVM_REG_RISCV_CORE:	return "core";
	case KVM_REG_RISCV_CSR:		return "CSR";
	case KVM_REG_RISCV_TIMER:	return "timer";
	case KVM_REG_RISCV_FP_F:	return "FP (F)";
	case KVM_REG_RISCV_FP_D:	return "FP (D)";
	case KVM_REG_RISCV_ISA_EXT:	return "ISA extension";
	case KVM_REG_RISCV_SBI_EXT:	return "SBI extension";
	case KVM_REG_RISCV_VECTOR:	return "vector";
	case KVM_REG_RISCV_SBI_STATE:	return "SBI state";
	}
	return "unknown";
}

/* Write one saved register unless it already holds the value. */
static int put_reg(struct kvm_cpu *vcpu, u64 id, const u8 *val)
{
	u8 cur[REG_MAX_BYTES];
	u32 size = reg_size(id);
	int ret;

	if (!riscv_get_reg(vcpu, id, cur) && !memcmp(cur, val, size))
		return 0;
	ret = riscv_set_reg(vcpu, id, val);
	if (ret) {
		const struct riscv_isa_ext *e = NULL;

		if (reg_type(id) == KVM_REG_RISCV_ISA_EXT)
			e = riscv_isa_ext_by_id(id & 0xffff);
		pr_err("--restore: vCPU %lu: %s register 0x%llx%s%s%s cannot be "
		       "set on this host: %s", vcpu->id, reg_what(id),
		       (unsigned long long)id, e ? " (" : "",
		       e ? e->name : "", e ? ")" : "", strerror(-ret));
	}
	return ret;
}

static bool is_switch(u64 id)
{
	return id == RV_CONFIG(RV_CONFIG_ISA) ||
	       reg_type(id) == KVM_REG_RISCV_ISA_EXT ||
	       reg_type(id) == KVM_REG_RISCV_SBI_EXT;
}

int kvm_cpu__arch_restore(struct kvm_cpu *vcpu, struct snapshot *s)
{
	const u8 *data, *p, *next, *end, *compare = NULL, *state = NULL;
	struct kvm_mp_state mp;
	char sec[48];
	u32 len;
	int pass, ret;

	CPU_SECTION(sec, vcpu, "regs");
	ret = snap_get_var(s, sec, 1, (const void **)&data, &len);
	if (ret)
		return ret;
	end = data + len;
	/* Check the records first: ids and sizes. */
	for (p = data; p < end; ) {
		u64 id;

		if (end - p < (long)sizeof(u64))
			goto bad;
		memcpy(&id, p, sizeof(id));
		if ((id & KVM_REG_ARCH_MASK) != KVM_REG_RISCV ||
		    reg_size(id) > REG_MAX_BYTES ||
		    (u64)(end - p) < sizeof(u64) + reg_size(id))
			goto bad;
		p += sizeof(u64) + reg_size(id);
	}
	for (pass = 0; pass < 2; pass++) {
		for (p = data; p < end; p = next) {
			u64 id;

			memcpy(&id, p, sizeof(id));
			next = p + sizeof(u64) + reg_size(id);
			if (is_switch(id) != (pass == 0))
				continue;
			if (id == RV_TIMER(RV_TIMER_STATE)) {
				state = p + sizeof(u64);
				continue;
			}
			if (id == RV_TIMER(RV_TIMER_COMPARE))
				compare = p + sizeof(u64);
			ret = put_reg(vcpu, id, p + sizeof(u64));
			if (ret)
				return ret;
		}
	}
	if (state) {
		ret = put_reg(vcpu, RV_TIMER(RV_TIMER_STATE), state);
		if (!ret && compare)
			ret = riscv_set_reg(vcpu, RV_TIMER(RV_TIMER_COMPARE),
					    compare);
		if (ret) {
			pr_err("--restore: vCPU %lu: timer: %s", vcpu->id,
			       strerror(-ret));
			return ret;
		}
	}
	CPU_SECTION(sec, vcpu, "mpstate");
	ret = snap_get(s, sec, 1, &mp, sizeof(mp));
	if (ret)
		return ret;
	if (ioctl(vcpu->fd, KVM_SET_MP_STATE, &mp) < 0) {
		ret = -errno;
		pr_err("--restore: vCPU %lu: KVM_SET_MP_STATE %u: %s", vcpu->id,
		       mp.mp_state, strerror(errno));
		return ret;
	}
	return 0;
bad:
	pr_err("snapshot: section %s is malformed", sec);
	return -EPROTO;
}
