// SPDX-License-Identifier: GPL-2.0
/*
 * ACPI PM1a event/control blocks and PM timer (see kvm/acpi-pm.h).
 *
 * The registers are treated as one little-endian byte array, so accesses
 * of any width and alignment inside the block work; the reserved bytes
 * (offsets 6-7) read 0 and ignore writes.  The timer counts CLOCK_MONOTONIC
 * at 3.579545 MHz; TMR_STS is set whenever its bit 23 has flipped since the
 * guest last cleared it.  No SCI is raised: nothing here generates events
 * that need one.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "kvm/kvm.h"
#include "kvm/acpi-pm.h"
#include "kvm/bus.h"
#include "kvm/devices.h"
#include "kvm/snapshot.h"
#include "kvm/util.h"

#define ACPI_PM_STATE_VERSION	1
#define NSEC_PER_SEC		1000000000ULL
#define TMR_MASK		((1U << ACPI_PM_TIMER_BITS) - 1)
#define TMR_STS_SHIFT		(ACPI_PM_TIMER_BITS - 1)
#define CNT_STORED		(ACPI_PM1_BM_RLS | ACPI_PM1_SLP_TYP_MASK)

/* Guest-visible state: one snapshot section, no pointers. */
struct acpi_pm_state {
	u16	sts;		/* latched status bits (TMR_STS is derived) */
	u16	en;
	u16	cnt;		/* CNT_STORED bits */
	u16	reserved;
	u64	tmr_offset;	/* timer = host ticks + offset (this host) */
	u64	tmr_sts_ref;	/* timer >> 23 when TMR_STS was last cleared */
	u64	tmr_saved;	/* timer when saved; restore goes on from it */
};

struct acpi_pm {
	struct vm_device	dev;
	struct kvm		*kvm;
	struct bus_range	range;
	pthread_mutex_t		lock;
	struct acpi_pm_state	st;
};

static u64 host_ticks(void)
{
	u64 ns = monotonic_ns();

	return ns / NSEC_PER_SEC * ACPI_PM_TIMER_HZ +
	       ns % NSEC_PER_SEC * ACPI_PM_TIMER_HZ / NSEC_PER_SEC;
}

static u64 timer_count(struct acpi_pm *pm)
{
	return host_ticks() + pm->st.tmr_offset;
}

static u16 status(struct acpi_pm *pm, u64 count)
{
	u16 sts = pm->st.sts;

	if ((count >> TMR_STS_SHIFT) != pm->st.tmr_sts_ref)
		sts |= ACPI_PM1_TMR_STS;
	return sts;
}

static void put16(u8 *p, u16 v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static void registers(struct acpi_pm *pm, u8 img[ACPI_PM_BLOCK_LEN])
{
	u64 count = timer_count(pm);
	u32 tmr = count & TMR_MASK;

	memset(img, 0, ACPI_PM_BLOCK_LEN);
	put16(img + ACPI_PM1_STS_OFFSET, status(pm, count));
	put16(img + ACPI_PM1_EN_OFFSET, pm->st.en);
	put16(img + ACPI_PM1_CNT_OFFSET, pm->st.cnt | ACPI_PM1_SCI_EN);
	put16(img + ACPI_PM_TMR_OFFSET, tmr);
	put16(img + ACPI_PM_TMR_OFFSET + 2, tmr >> 16);
}

/* Returns true if the guest asked to power off. */
static bool write_block(struct acpi_pm *pm, u64 offset, const u8 *data,
			u32 len)
{
	u8 img[ACPI_PM_BLOCK_LEN], clear[2] = { 0, 0 };
	bool cnt_written = false, sleep;
	u16 cnt, w1c;
	u32 i;

	if (offset >= ACPI_PM_BLOCK_LEN)
		return false;
	memset(img, 0, sizeof(img));
	put16(img + ACPI_PM1_EN_OFFSET, pm->st.en);
	put16(img + ACPI_PM1_CNT_OFFSET, pm->st.cnt);
	for (i = 0; i < len && i < ACPI_PM_BLOCK_LEN - offset; i++) {
		u64 off = offset + i;

		switch (off) {
		case ACPI_PM1_STS_OFFSET:
		case ACPI_PM1_STS_OFFSET + 1:
			clear[off - ACPI_PM1_STS_OFFSET] = data[i];
			break;
		case ACPI_PM1_EN_OFFSET:
		case ACPI_PM1_EN_OFFSET + 1:
			img[off] = data[i];
			break;
		case ACPI_PM1_CNT_OFFSET:
		case ACPI_PM1_CNT_OFFSET + 1:
			img[off] = data[i];
			cnt_written = true;
			break;
		default:
			pr_debug("acpi-pm: write to offset %llu ignored",
				 (unsigned long long)off);
			break;
		}
	}

	w1c = clear[0] | clear[1] << 8;
	if (w1c & ACPI_PM1_TMR_STS)
		pm->st.tmr_sts_ref = timer_count(pm) >> TMR_STS_SHIFT;
	pm->st.sts &= ~w1c;
	pm->st.en = img[ACPI_PM1_EN_OFFSET] | img[ACPI_PM1_EN_OFFSET + 1] << 8;
	if (!cnt_written)
		return false;

	cnt = img[ACPI_PM1_CNT_OFFSET] | img[ACPI_PM1_CNT_OFFSET + 1] << 8;
	pm->st.cnt = cnt & CNT_STORED;
	sleep = cnt & ACPI_PM1_SLP_EN;
	if (sleep) {
		u32 type = (cnt & ACPI_PM1_SLP_TYP_MASK) >>
			   ACPI_PM1_SLP_TYP_SHIFT;

		if (type == ACPI_PM_SLP_TYP_S5)
			return true;
		pr_warn_once("acpi-pm: sleep type %u is not supported, ignored",
			     type);
	}
	return false;
}

static void acpi_pm_io(struct kvm_cpu *vcpu, u64 offset, u8 *data, u32 len,
		       bool is_write, void *opaque)
{
	struct acpi_pm *pm = opaque;
	u8 img[ACPI_PM_BLOCK_LEN];
	bool poweroff = false;
	u32 i;

	pthread_mutex_lock(&pm->lock);
	if (is_write) {
		poweroff = write_block(pm, offset, data, len);
	} else {
		registers(pm, img);
		for (i = 0; i < len; i++)
			data[i] = offset < ACPI_PM_BLOCK_LEN &&
				  i < ACPI_PM_BLOCK_LEN - offset ?
				  img[offset + i] : 0xff;
	}
	pthread_mutex_unlock(&pm->lock);

	if (poweroff) {
		pr_debug("acpi-pm: guest requested power off (S5)");
		kvm__request_exit(pm->kvm, VM_EXIT_POWEROFF);
	}
}

static void reset_state(struct acpi_pm *pm)
{
	u64 offset = pm->st.tmr_offset;

	memset(&pm->st, 0, sizeof(pm->st));
	pm->st.tmr_offset = offset;
	pm->st.tmr_sts_ref = timer_count(pm) >> TMR_STS_SHIFT;
}

static void acpi_pm_reset(struct vm_device *dev)
{
	struct acpi_pm *pm = container_of(dev, struct acpi_pm, dev);

	pthread_mutex_lock(&pm->lock);
	reset_state(pm);
	pthread_mutex_unlock(&pm->lock);
}

static int acpi_pm_save(struct vm_device *dev, struct snapshot *snap)
{
	struct acpi_pm *pm = container_of(dev, struct acpi_pm, dev);
	struct acpi_pm_state st;

	pthread_mutex_lock(&pm->lock);
	pm->st.tmr_saved = timer_count(pm);
	st = pm->st;
	pthread_mutex_unlock(&pm->lock);
	return snap_put(snap, dev->name, ACPI_PM_STATE_VERSION, &st,
			sizeof(st));
}

static int acpi_pm_restore(struct vm_device *dev, struct snapshot *snap)
{
	struct acpi_pm *pm = container_of(dev, struct acpi_pm, dev);
	struct acpi_pm_state st;
	int ret;

	ret = snap_get(snap, dev->name, ACPI_PM_STATE_VERSION, &st, sizeof(st));
	if (ret)
		return ret;
	st.cnt &= CNT_STORED;
	st.reserved = 0;

	pthread_mutex_lock(&pm->lock);
	pm->st = st;
	/* The timer goes on from where it was, whatever this host's clock. */
	pm->st.tmr_offset = st.tmr_saved - host_ticks();
	pthread_mutex_unlock(&pm->lock);
	return 0;
}

static void acpi_pm_exit(struct vm_device *dev)
{
	struct acpi_pm *pm = container_of(dev, struct acpi_pm, dev);

	bus_del(&pm->kvm->pio_bus, &pm->range);
	pthread_mutex_destroy(&pm->lock);
	free(pm);
}

static const struct vm_device_ops acpi_pm_ops = {
	.type		= "acpi-pm",
	.reset		= acpi_pm_reset,
	.save		= acpi_pm_save,
	.restore	= acpi_pm_restore,
	.exit		= acpi_pm_exit,
};

int acpi_pm__init(struct kvm *kvm, u16 base)
{
	struct acpi_pm *pm = calloc(1, sizeof(*pm));
	int ret;

	if (!pm)
		return -ENOMEM;
	pm->kvm = kvm;
	snprintf(pm->dev.name, sizeof(pm->dev.name), "acpi-pm");
	pm->dev.ops = &acpi_pm_ops;
	pthread_mutex_init(&pm->lock, NULL);
	reset_state(pm);

	pm->range = (struct bus_range) {
		.base	= base,
		.len	= ACPI_PM_BLOCK_LEN,
		.fn	= acpi_pm_io,
		.opaque	= pm,
		.name	= "acpi-pm",
	};
	ret = bus_add(&kvm->pio_bus, &pm->range);
	if (ret) {
		pr_err("acpi-pm: cannot register ports 0x%x-0x%x: %s", base,
		       base + ACPI_PM_BLOCK_LEN - 1, strerror(-ret));
		pthread_mutex_destroy(&pm->lock);
		free(pm);
		return ret;
	}
	kvm__add_device(kvm, &pm->dev);
	return 0;
}
