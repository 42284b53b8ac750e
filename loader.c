// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel and initrd files, for every architecture's kvm__arch_load_kernel().
 */
#include <string.h>

#include "kvm/loader.h"
#include "kvm/util.h"

/* map_file() with "OPT PATH: why" logged on failure. */
static int map_logged(const char *opt, const char *path, u64 max,
		      const void **buf, u64 *len)
{
	int ret = map_file(path, max, buf, len);

	if (ret)
		pr_err("%s %s: %s", opt, path, ret == -EFBIG ?
		       "larger than guest RAM" : ret == -EINVAL ?
		       "not a regular file" : strerror(-ret));
	return ret;
}

int loader_map_kernel(const char *path, u64 max, const void **buf, u64 *len)
{
	int ret = map_logged("-k", path, max, buf, len);

	if (!ret && !*len) {
		pr_err("-k %s: file is empty", path);
		ret = -EINVAL;
	}
	return ret;
}

int loader_map_initrd(const char *path, u64 max, const void **buf, u64 *len)
{
	*buf = NULL;
	*len = 0;
	return path ? map_logged("-i", path, max, buf, len) : 0;
}

int loader_place_below(u64 floor, u64 top, u64 size, u64 *addr)
{
	u64 a;

	if (size > top)
		return -ENOSPC;
	a = ALIGN_DOWN(top - size, SZ_4K);
	if (a < floor)
		return -ENOSPC;
	*addr = a;
	return 0;
}
