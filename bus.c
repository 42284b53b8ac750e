// SPDX-License-Identifier: GPL-2.0
/*
 * Address buses: registered ranges compiled into an immutable decode map.
 * See include/kvm/bus.h for the rules.
 */
#include <stdlib.h>
#include <string.h>

#include "kvm/bus.h"
#include "kvm/util.h"

static inline u64 range_end(const struct bus_range *r)
{
	return r->base + r->len - 1;
}

static bool ranges_overlap(const struct bus_range *a, u64 abase,
			   const struct bus_range *b)
{
	u64 aend = abase + a->len - 1;

	return abase <= range_end(b) && b->base <= aend;
}

/* Fixed ranges beat movable ones; among equals the latest decode wins. */
static bool beats(const struct bus_range *a, const struct bus_range *b)
{
	if (a->movable != b->movable)
		return !a->movable;
	return a->seq > b->seq;
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* Build a decode map from the registered ranges.  Called under update_lock. */
static struct bus_map *bus_compile(struct bus *bus)
{
	u32 n = bus->nr_ranges, npts = 0, i, j;
	struct bus_map *map;
	u64 *pts;

	map = calloc(1, sizeof(*map) + 2 * (n + 1) * sizeof(struct bus_seg));
	pts = malloc(2 * (n + 1) * sizeof(u64));
	if (!map || !pts) {
		free(map);
		free(pts);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		const struct bus_range *r = bus->ranges[i];

		pts[npts++] = r->base;
		if (range_end(r) != UINT64_MAX)
			pts[npts++] = range_end(r) + 1;
	}
	qsort(pts, npts, sizeof(u64), cmp_u64);

	for (i = 0; i < npts; i++) {
		u64 start = pts[i], end;
		const struct bus_range *win = NULL;

		if (i + 1 < npts && pts[i + 1] == start)
			continue;	/* duplicate point */
		end = (i + 1 < npts) ? pts[i + 1] - 1 : UINT64_MAX;
		for (j = 0; j < n; j++) {
			const struct bus_range *r = bus->ranges[j];

			if (r->base <= start && range_end(r) >= end &&
			    (!win || beats(r, win)))
				win = r;
		}
		if (!win)
			continue;
		if (map->nr && map->seg[map->nr - 1].range == win &&
		    map->seg[map->nr - 1].end + 1 == start) {
			map->seg[map->nr - 1].end = end;
			continue;
		}
		map->seg[map->nr++] = (struct bus_seg) {
			.start	= start,
			.end	= end,
			.base	= win->base,
			.fn	= win->fn,
			.opaque	= win->opaque,
			.range	= win,
		};
	}
	free(pts);
	return map;
}

static int bus_publish(struct bus *bus)
{
	struct bus_map *map = bus_compile(bus), *old;

	if (!map)
		return -ENOMEM;
	pthread_rwlock_wrlock(&bus->lock);
	old = bus->map;
	bus->map = map;
	pthread_rwlock_unlock(&bus->lock);
	/* No reader holds @old: readers copy a segment under the read lock. */
	free(old);
	return 0;
}

int bus_init(struct bus *bus, const char *name)
{
	memset(bus, 0, sizeof(*bus));
	bus->name = name;
	if (pthread_rwlock_init(&bus->lock, NULL) ||
	    pthread_mutex_init(&bus->update_lock, NULL))
		return -ENOMEM;
	bus->map = calloc(1, sizeof(*bus->map));
	return bus->map ? 0 : -ENOMEM;
}

void bus_exit(struct bus *bus)
{
	free(bus->map);
	free(bus->ranges);
	bus->map = NULL;
	bus->ranges = NULL;
	bus->nr_ranges = 0;
	pthread_rwlock_destroy(&bus->lock);
	pthread_mutex_destroy(&bus->update_lock);
}

static int fixed_conflict(struct bus *bus, const struct bus_range *r, u64 base)
{
	u32 i;

	if (r->movable)
		return 0;
	for (i = 0; i < bus->nr_ranges; i++) {
		const struct bus_range *o = bus->ranges[i];

		if (o != r && !o->movable && ranges_overlap(r, base, o)) {
			pr_err("%s bus: %s at 0x%llx overlaps %s at 0x%llx",
			       bus->name, r->name ? r->name : "?",
			       (unsigned long long)base,
			       o->name ? o->name : "?",
			       (unsigned long long)o->base);
			return -EBUSY;
		}
	}
	return 0;
}

static int __bus_insert(struct bus *bus, struct bus_range *r)
{
	if (bus->nr_ranges == bus->alloc_ranges) {
		u32 na = bus->alloc_ranges ? bus->alloc_ranges * 2 : 16;
		struct bus_range **nr = realloc(bus->ranges, na * sizeof(*nr));

		if (!nr)
			return -ENOMEM;
		bus->ranges = nr;
		bus->alloc_ranges = na;
	}
	bus->ranges[bus->nr_ranges++] = r;
	r->active = true;
	return 0;
}

static void __bus_remove(struct bus *bus, struct bus_range *r)
{
	u32 i;

	for (i = 0; i < bus->nr_ranges; i++) {
		if (bus->ranges[i] == r) {
			bus->ranges[i] = bus->ranges[--bus->nr_ranges];
			break;
		}
	}
	r->active = false;
}

int bus_add(struct bus *bus, struct bus_range *r)
{
	int ret;

	if (!r->len || r->base + r->len - 1 < r->base || !r->fn)
		return -EINVAL;
	pthread_mutex_lock(&bus->update_lock);
	if (r->active) {
		ret = -EEXIST;
		goto out;
	}
	ret = fixed_conflict(bus, r, r->base);
	if (ret)
		goto out;
	r->seq = ++bus->next_seq;
	ret = __bus_insert(bus, r);
	if (!ret) {
		ret = bus_publish(bus);
		if (ret)
			__bus_remove(bus, r);
	}
out:
	pthread_mutex_unlock(&bus->update_lock);
	return ret;
}

void bus_del(struct bus *bus, struct bus_range *r)
{
	pthread_mutex_lock(&bus->update_lock);
	if (r->active) {
		__bus_remove(bus, r);
		if (bus_publish(bus))
			pr_err("%s bus: out of memory removing %s", bus->name,
			       r->name ? r->name : "?");
	}
	pthread_mutex_unlock(&bus->update_lock);
}

int bus_move(struct bus *bus, struct bus_range *r, u64 new_base)
{
	u64 old_base, old_seq;
	bool was_active;
	int ret;

	if (!r->len || new_base + r->len - 1 < new_base)
		return -EINVAL;
	pthread_mutex_lock(&bus->update_lock);
	ret = fixed_conflict(bus, r, new_base);
	if (ret)
		goto out;
	old_base = r->base;
	old_seq = r->seq;
	was_active = r->active;
	r->base = new_base;
	r->seq = ++bus->next_seq;
	if (!was_active)
		ret = __bus_insert(bus, r);
	if (!ret)
		ret = bus_publish(bus);
	if (ret) {
		r->base = old_base;
		r->seq = old_seq;
		if (!was_active)
			__bus_remove(bus, r);
	}
out:
	pthread_mutex_unlock(&bus->update_lock);
	return ret;
}

static bool bus_find(struct bus *bus, u64 addr, u32 len, struct bus_seg *out)
{
	const struct bus_map *map;
	u32 lo, hi;
	bool found = false;

	pthread_rwlock_rdlock(&bus->lock);
	map = bus->map;
	lo = 0;
	hi = map->nr;
	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;
		const struct bus_seg *s = &map->seg[mid];

		if (addr < s->start) {
			hi = mid;
		} else if (addr > s->end) {
			lo = mid + 1;
		} else {
			if (len == 0 || (u64)len - 1 <= s->end - addr) {
				*out = *s;
				found = true;
			}
			break;
		}
	}
	pthread_rwlock_unlock(&bus->lock);
	return found;
}

bool bus_dispatch(struct bus *bus, struct kvm_cpu *vcpu, u64 addr, u8 *data,
		  u32 len, bool is_write)
{
	struct bus_seg s;

	if (!bus_find(bus, addr, len, &s)) {
		__atomic_add_fetch(&bus->unhandled, 1, __ATOMIC_RELAXED);
		if (!is_write)
			memset(data, 0xff, len);
		return false;
	}
	s.fn(vcpu, addr - s.base, data, len, is_write, s.opaque);
	return true;
}

const struct bus_range *bus_lookup(struct bus *bus, u64 addr)
{
	struct bus_seg s;

	return bus_find(bus, addr, 0, &s) ? s.range : NULL;
}
