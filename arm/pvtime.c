// SPDX-License-Identifier: GPL-2.0
/* The stolen-time region of arm64 guests: see kvm/arm-pvtime.h. */
#include <errno.h>

#include "kvm/arm-pvtime.h"

int arm_pvtime_layout(u64 ram_base, u64 ram_size, u32 nr_cpus,
		      struct arm_pvtime *pv)
{
	u64 size;

	pv->base = pv->size = 0;
	if (!nr_cpus)
		return -EINVAL;
	size = ALIGN_UP((u64)nr_cpus * ARM_PVTIME_RECORD_SIZE,
			ARM_PVTIME_ALIGN);
	/* RAM that ends unaligned loses its last partial 64 KiB. */
	if (size > ram_size / 4 ||
	    ALIGN_DOWN(ram_base + ram_size, ARM_PVTIME_ALIGN) - size < ram_base)
		return -ENOSPC;
	pv->base = ALIGN_DOWN(ram_base + ram_size, ARM_PVTIME_ALIGN) - size;
	pv->size = size;
	return 0;
}
