// SPDX-License-Identifier: GPL-2.0
/*
 * Snapshot sections held in memory.  Each section is named, versioned and
 * sized; readers ask for exactly what they expect and get an error naming
 * the section otherwise.
 */
#include <stdlib.h>
#include <string.h>

#include "kvm/snapshot.h"
#include "kvm/util.h"

#define SNAP_ID_MAX	48

struct snap_section {
	char	id[SNAP_ID_MAX];
	u32	version;
	u32	len;
	void	*data;
};

struct snapshot {
	struct snap_section	*sec;
	u32			nr;
	u32			alloc;
};

struct snapshot *snapshot_new(void)
{
	return calloc(1, sizeof(struct snapshot));
}

void snapshot_free(struct snapshot *s)
{
	u32 i;

	if (!s)
		return;
	for (i = 0; i < s->nr; i++)
		free(s->sec[i].data);
	free(s->sec);
	free(s);
}

u32 snapshot_nr_sections(const struct snapshot *s)
{
	return s->nr;
}

static struct snap_section *find(struct snapshot *s, const char *id)
{
	u32 i;

	for (i = 0; i < s->nr; i++)
		if (!strcmp(s->sec[i].id, id))
			return &s->sec[i];
	return NULL;
}

int snap_put(struct snapshot *s, const char *id, u32 version,
	     const void *data, u32 len)
{
	struct snap_section *sec;

	if (strlen(id) >= SNAP_ID_MAX || find(s, id))
		return -EINVAL;
	if (s->nr == s->alloc) {
		u32 na = s->alloc ? s->alloc * 2 : 32;
		struct snap_section *n = realloc(s->sec, na * sizeof(*n));

		if (!n)
			return -ENOMEM;
		s->sec = n;
		s->alloc = na;
	}
	sec = &s->sec[s->nr];
	memset(sec, 0, sizeof(*sec));
	strcpy(sec->id, id);
	sec->version = version;
	sec->len = len;
	sec->data = malloc(len ? len : 1);
	if (!sec->data)
		return -ENOMEM;
	if (len)
		memcpy(sec->data, data, len);
	s->nr++;
	return 0;
}

int snap_get_var(struct snapshot *s, const char *id, u32 version,
		 const void **data, u32 *len)
{
	struct snap_section *sec = find(s, id);

	if (!sec) {
		pr_err("snapshot: section %s is missing", id);
		return -ENOENT;
	}
	if (sec->version != version) {
		pr_err("snapshot: section %s has version %u, expected %u", id,
		       sec->version, version);
		return -EPROTO;
	}
	*data = sec->data;
	*len = sec->len;
	return 0;
}

int snap_get(struct snapshot *s, const char *id, u32 version,
	     void *data, u32 len)
{
	const void *p;
	u32 n;
	int ret = snap_get_var(s, id, version, &p, &n);

	if (ret)
		return ret;
	if (n != len) {
		pr_err("snapshot: section %s is %u bytes, expected %u", id, n, len);
		return -EPROTO;
	}
	memcpy(data, p, len);
	return 0;
}
