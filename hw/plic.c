// SPDX-License-Identifier: GPL-2.0
/*
 * RISC-V PLIC (SiFive "sifive,plic-1.0.0"), as described in
 * include/kvm/plic.h and the RISC-V PLIC specification 1.0.0.
 *
 * All state sits under one mutex: device threads raise lines, vCPU threads
 * claim and complete, and each change recomputes the contexts' outputs
 * (a few words per context) and reports the ones that changed.
 */
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "kvm/kvm.h"
#include "kvm/plic.h"
#include "kvm/snapshot.h"
#include "kvm/util.h"

#define PLIC_STATE_VERSION	1

struct plic {
	struct vm_device	dev;
	struct kvm		*kvm;
	struct bus		*bus;
	struct bus_range	range;
	pthread_mutex_t		lock;
	plic_output_fn		out;
	void			*opaque;

	u32			nr_sources;	/* IDs 0..nr_sources-1 */
	u32			nr_words;	/* nr_sources / 32 */
	u32			nr_contexts;

	/*
	 * Guest-visible state, one array of u32 (so that it is saved as is):
	 * priority[nr_sources], level[w], pending[w], claimed[w],
	 * threshold[nr_contexts], enable[nr_contexts * w].
	 */
	u32			*state;
	u32			state_words;
	u32			*priority;
	u32			*level;		/* input lines */
	u32			*pending;
	u32			*claimed;	/* in service: gateway closed */
	u32			*threshold;
	u32			*enable;

	bool			*output;	/* last level reported per context */
};

static bool test_bit32(const u32 *bm, u32 n)
{
	return (bm[n / 32] >> (n % 32)) & 1;
}

static void assign_bit32(u32 *bm, u32 n, bool v)
{
	if (v)
		bm[n / 32] |= 1U << (n % 32);
	else
		bm[n / 32] &= ~(1U << (n % 32));
}

/* The source context @c would get from a claim now, 0 if none. */
static u32 best_source(struct plic *p, u32 c)
{
	const u32 *en = p->enable + (u64)c * p->nr_words;
	u32 w, best = 0, best_prio = p->threshold[c];

	for (w = 0; w < p->nr_words; w++) {
		u32 bits = p->pending[w] & en[w];

		while (bits) {
			u32 id = w * 32 + __builtin_ctz(bits);

			bits &= bits - 1;
			if (p->priority[id] > best_prio) {
				best_prio = p->priority[id];
				best = id;
			}
		}
	}
	return best;
}

/* Recompute every context's output; report changes (or all if @force). */
static void update_outputs(struct plic *p, bool force)
{
	u32 c;

	for (c = 0; c < p->nr_contexts; c++) {
		bool level = best_source(p, c) != 0;

		if (level == p->output[c] && !force)
			continue;
		p->output[c] = level;
		if (p->out)
			p->out(p->opaque, c, level);
	}
}

int plic__set_irq(struct plic *p, u32 irq, bool level)
{
	if (!irq || irq >= p->nr_sources)
		return -EINVAL;
	pthread_mutex_lock(&p->lock);
	if (test_bit32(p->level, irq) != level) {
		assign_bit32(p->level, irq, level);
		if (!test_bit32(p->claimed, irq)) {
			assign_bit32(p->pending, irq, level);
			update_outputs(p, false);
		}
	}
	pthread_mutex_unlock(&p->lock);
	return 0;
}

static u32 claim(struct plic *p, u32 c)
{
	u32 id = best_source(p, c);

	if (id) {
		assign_bit32(p->pending, id, false);
		assign_bit32(p->claimed, id, true);
		update_outputs(p, false);
	}
	return id;
}

static void complete(struct plic *p, u32 id)
{
	if (!id || id >= p->nr_sources || !test_bit32(p->claimed, id))
		return;		/* the spec: silently ignored */
	assign_bit32(p->claimed, id, false);
	if (test_bit32(p->level, id))
		assign_bit32(p->pending, id, true);
	update_outputs(p, false);
}

static u32 mmio_read(struct plic *p, u64 off)
{
	u32 c, w;

	if (off < PLIC_PENDING_BASE) {
		u32 id = off / 4;

		return id < p->nr_sources ? p->priority[id] : 0;
	}
	if (off < PLIC_ENABLE_BASE) {
		w = (off - PLIC_PENDING_BASE) / 4;
		return w < p->nr_words ? p->pending[w] : 0;
	}
	if (off < PLIC_CONTEXT_BASE) {
		c = (off - PLIC_ENABLE_BASE) / PLIC_ENABLE_STRIDE;
		w = (off - PLIC_ENABLE_BASE) % PLIC_ENABLE_STRIDE / 4;
		if (c >= p->nr_contexts || w >= p->nr_words)
			return 0;
		return p->enable[(u64)c * p->nr_words + w];
	}
	c = (off - PLIC_CONTEXT_BASE) / PLIC_CONTEXT_STRIDE;
	if (c >= p->nr_contexts)
		return 0;
	switch ((off - PLIC_CONTEXT_BASE) % PLIC_CONTEXT_STRIDE) {
	case PLIC_CONTEXT_THRESHOLD:
		return p->threshold[c];
	case PLIC_CONTEXT_CLAIM:
		return claim(p, c);
	}
	return 0;
}

static void mmio_write(struct plic *p, u64 off, u32 v)
{
	u32 c, w;

	if (off < PLIC_PENDING_BASE) {
		u32 id = off / 4;

		if (id && id < p->nr_sources) {
			p->priority[id] = v & PLIC_MAX_PRIORITY;
			update_outputs(p, false);
		}
		return;
	}
	if (off < PLIC_ENABLE_BASE)
		return;		/* pending bits are read-only */
	if (off < PLIC_CONTEXT_BASE) {
		c = (off - PLIC_ENABLE_BASE) / PLIC_ENABLE_STRIDE;
		w = (off - PLIC_ENABLE_BASE) % PLIC_ENABLE_STRIDE / 4;
		if (c >= p->nr_contexts || w >= p->nr_words)
			return;
		if (!w)
			v &= ~1U;	/* source 0 does not exist */
		p->enable[(u64)c * p->nr_words + w] = v;
		update_outputs(p, false);
		return;
	}
	c = (off - PLIC_CONTEXT_BASE) / PLIC_CONTEXT_STRIDE;
	if (c >= p->nr_contexts)
		return;
	switch ((off - PLIC_CONTEXT_BASE) % PLIC_CONTEXT_STRIDE) {
	case PLIC_CONTEXT_THRESHOLD:
		p->threshold[c] = v & PLIC_MAX_PRIORITY;
		update_outputs(p, false);
		break;
	case PLIC_CONTEXT_CLAIM:
		complete(p, v);
		break;
	}
}

void plic__mmio(struct plic *p, u64 off, u8 *data, u32 len, bool is_write)
{
	u32 v;

	if (len != 4 || (off & 3)) {
		pr_warn_once("%s: %u-byte %s at 0x%llx: the PLIC takes 32-bit "
			     "accesses only", p->dev.name, len,
			     is_write ? "write" : "read",
			     (unsigned long long)off);
		if (!is_write)
			memset(data, 0, len);
		return;
	}
	pthread_mutex_lock(&p->lock);
	if (is_write) {
		memcpy(&v, data, 4);
		mmio_write(p, off, le32toh(v));
	} else {
		v = htole32(mmio_read(p, off));
		memcpy(data, &v, 4);
	}
	pthread_mutex_unlock(&p->lock);
}

static void plic_io(struct kvm_cpu *vcpu, u64 off, u8 *data, u32 len,
		    bool is_write, void *opaque)
{
	plic__mmio(opaque, off, data, len, is_write);
}

bool plic__output(struct plic *p, u32 ctx)
{
	bool v;

	pthread_mutex_lock(&p->lock);
	v = ctx < p->nr_contexts && p->output[ctx];
	pthread_mutex_unlock(&p->lock);
	return v;
}

bool plic__pending(struct plic *p, u32 irq)
{
	bool v;

	pthread_mutex_lock(&p->lock);
	v = irq < p->nr_sources && test_bit32(p->pending, irq);
	pthread_mutex_unlock(&p->lock);
	return v;
}

void plic__resync(struct plic *p)
{
	pthread_mutex_lock(&p->lock);
	update_outputs(p, true);
	pthread_mutex_unlock(&p->lock);
}

/* ------------------------------------------------------------ device */

static struct plic *to_plic(struct vm_device *dev)
{
	return container_of(dev, struct plic, dev);
}

/* Reset: everything off; the line levels are the devices' business. */
static void plic_reset(struct vm_device *dev)
{
	struct plic *p = to_plic(dev);

	pthread_mutex_lock(&p->lock);
	memset(p->priority, 0, p->nr_sources * sizeof(u32));
	memset(p->claimed, 0, p->nr_words * sizeof(u32));
	memcpy(p->pending, p->level, p->nr_words * sizeof(u32));
	memset(p->threshold, 0, p->nr_contexts * sizeof(u32));
	memset(p->enable, 0, (u64)p->nr_contexts * p->nr_words * sizeof(u32));
	update_outputs(p, false);
	pthread_mutex_unlock(&p->lock);
}

/* Section: nr_sources, nr_contexts, then the state words. */
static int plic_save(struct vm_device *dev, struct snapshot *snap)
{
	struct plic *p = to_plic(dev);
	u32 len = (2 + p->state_words) * sizeof(u32);
	u32 *buf = malloc(len);
	int ret;

	if (!buf)
		return -ENOMEM;
	pthread_mutex_lock(&p->lock);
	buf[0] = p->nr_sources;
	buf[1] = p->nr_contexts;
	memcpy(buf + 2, p->state, p->state_words * sizeof(u32));
	pthread_mutex_unlock(&p->lock);
	ret = snap_put(snap, dev->name, PLIC_STATE_VERSION, buf, len);
	free(buf);
	return ret;
}

static int plic_restore(struct vm_device *dev, struct snapshot *snap)
{
	struct plic *p = to_plic(dev);
	const u32 *buf;
	u32 len;
	int ret;

	ret = snap_get_var(snap, dev->name, PLIC_STATE_VERSION,
			   (const void **)&buf, &len);
	if (ret)
		return ret;
	if (len != (2 + p->state_words) * sizeof(u32) ||
	    buf[0] != p->nr_sources || buf[1] != p->nr_contexts) {
		pr_err("snapshot: %s: saved with another number of sources or "
		       "contexts", dev->name);
		return -EPROTO;
	}
	pthread_mutex_lock(&p->lock);
	memcpy(p->state, buf + 2, p->state_words * sizeof(u32));
	/* The interrupt lines of the vCPUs follow the restored state. */
	update_outputs(p, true);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

static void plic_exit(struct vm_device *dev)
{
	struct plic *p = to_plic(dev);

	if (p->bus)
		bus_del(p->bus, &p->range);
	free(p->state);
	free(p->output);
	free(p);
}

static const struct vm_device_ops plic_ops = {
	.type		= "plic",
	.reset		= plic_reset,
	.save		= plic_save,
	.restore	= plic_restore,
	.exit		= plic_exit,
};

struct plic *plic__init(struct kvm *kvm, struct bus *bus, u64 base,
			u32 nr_sources, u32 nr_contexts, plic_output_fn out,
			void *opaque, const char *name)
{
	struct plic *p;
	u32 w;

	if (!nr_sources || nr_sources > PLIC_MAX_SOURCES || nr_sources % 32 ||
	    !nr_contexts || nr_contexts > PLIC_MAX_CONTEXTS) {
		pr_err("%s: %u sources and %u contexts: out of range", name,
		       nr_sources, nr_contexts);
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	w = nr_sources / 32;
	p->nr_sources = nr_sources;
	p->nr_words = w;
	p->nr_contexts = nr_contexts;
	p->state_words = nr_sources + 3 * w + nr_contexts + nr_contexts * w;
	p->state = calloc(p->state_words, sizeof(u32));
	p->output = calloc(nr_contexts, sizeof(bool));
	if (!p->state || !p->output) {
		free(p->state);
		free(p->output);
		free(p);
		return NULL;
	}
	p->priority = p->state;
	p->level = p->priority + nr_sources;
	p->pending = p->level + w;
	p->claimed = p->pending + w;
	p->threshold = p->claimed + w;
	p->enable = p->threshold + nr_contexts;
	p->out = out;
	p->opaque = opaque;
	p->kvm = kvm;
	pthread_mutex_init(&p->lock, NULL);
	p->dev.ops = &plic_ops;
	snprintf(p->dev.name, sizeof(p->dev.name), "%s", name);
	if (bus) {
		p->range = (struct bus_range) {
			.base = base, .len = PLIC_MMIO_SIZE(nr_contexts),
			.fn = plic_io, .opaque = p, .name = p->dev.name,
		};
		if (bus_add(bus, &p->range)) {
			pr_err("%s: MMIO range at 0x%llx is taken", name,
			       (unsigned long long)base);
			plic_exit(&p->dev);
			return NULL;
		}
		p->bus = bus;
	}
	if (kvm)
		kvm__add_device(kvm, &p->dev);
	return p;
}
