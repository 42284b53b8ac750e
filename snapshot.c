// SPDX-License-Identifier: GPL-2.0
/*
 * Snapshot sections and the snapshot file (see include/kvm/snapshot.h).
 */
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "kvm/kvm-arch.h"
#include "kvm/snapshot.h"
#include "kvm/util.h"

#define SNAP_ID_MAX	48
#define SNAP_MAX_SECTION	(64U << 20)
#define SNAP_MAX_SECTIONS	4096

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

struct snap_file_hdr {
	char	magic[8];
	u32	format_version;
	u32	hdr_size;
	char	arch[16];
	char	lkvm_version[32];
	u64	ram_size;
	u64	state_offset;
	u64	state_size;
	u64	mem_offset;
	u32	nr_sections;
	u32	state_crc;
	u32	reserved[7];
	u32	hdr_crc;
} __packed;

struct snap_sec_hdr {
	char	id[SNAP_ID_MAX];
	u32	version;
	u32	len;
	u32	crc;
	u32	pad;
} __packed;

/* ---------------------------------------------------------------- CRC32 */

/*
 * IEEE 802.3 CRC-32 (the one zlib computes).  Kept here rather than taken
 * from zlib because Debian 12 has no riscv64 zlib to link the static
 * riscv64 build against.
 */
u32 crc32_le(u32 crc, const void *buf, size_t len)
{
	static u32 table[256];
	static bool ready;
	const u8 *p = buf;
	u32 i, j;

	if (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE)) {
		for (i = 0; i < 256; i++) {
			u32 c = i;

			for (j = 0; j < 8; j++)
				c = c & 1 ? 0xedb88320U ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
		__atomic_store_n(&ready, true, __ATOMIC_RELEASE);
	}
	crc = ~crc;
	while (len--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* ------------------------------------------------------ in-memory store */

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

bool snap_has(struct snapshot *s, const char *id)
{
	return find(s, id) != NULL;
}

int snap_put(struct snapshot *s, const char *id, u32 version,
	     const void *data, u32 len)
{
	struct snap_section *sec;

	if (strlen(id) >= SNAP_ID_MAX || find(s, id) || len > SNAP_MAX_SECTION)
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
		pr_err("snapshot: section %s has version %u, this lkvm reads %u",
		       id, sec->version, version);
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

/* ---------------------------------------------------------------- write */

/* Which pages of [p, p+len) are backed by memory (present or swapped). */
static int pagemap_open(void)
{
	return open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
}

#define PM_PRESENT	(1ULL << 63)
#define PM_SWAP		(1ULL << 62)

struct pm_reader {
	int	fd;
	u64	first;		/* page index of pm[0] */
	u64	nr;		/* entries in pm[] */
	u64	pm[512];
};

/* 1 if guest page @i has data in our memory, 0 if not, <0 on error. */
static int page_in_memory(struct pm_reader *r, const u8 *ram, long psize,
			  u64 i, u64 npages)
{
	if (i < r->first || i >= r->first + r->nr) {
		u64 n = min_t(u64, ARRAY_SIZE(r->pm), npages - i);
		off_t off = ((unsigned long)ram / psize + i) * sizeof(u64);

		if (pread_in_full(r->fd, r->pm, n * sizeof(u64), off) !=
		    (ssize_t)(n * sizeof(u64)))
			return -EIO;
		r->first = i;
		r->nr = n;
	}
	return !!(r->pm[i - r->first] & (PM_PRESENT | PM_SWAP));
}

static int copy_from_file(int out, u64 dst_off, int in, u64 src_off, u64 len)
{
	while (len) {
		loff_t s = src_off, d = dst_off;
		ssize_t c = copy_file_range(in, &s, out, &d, len, 0);

		if (c < 0 && (errno == EINVAL || errno == EXDEV ||
			      errno == EOPNOTSUPP)) {
			u8 buf[65536];
			size_t n = min_t(u64, len, sizeof(buf));

			if (pread_in_full(in, buf, n, src_off) != (ssize_t)n ||
			    pwrite_in_full(out, buf, n, dst_off) != (ssize_t)n)
				return -EIO;
			c = n;
		} else if (c <= 0) {
			return c < 0 ? -errno : -EIO;
		}
		len -= c;
		src_off += c;
		dst_off += c;
	}
	return 0;
}

/*
 * Write guest RAM sparsely: pages never touched stay holes.  A page with
 * data in memory (present or swapped) is written from memory; when RAM is
 * a private mapping of a file (a restored VM), a page we never touched
 * still holds its data in that file and is copied from it.
 */
static int write_ram(int out, u64 base, const u8 *ram, u64 size, int ram_fd,
		     u64 ram_fd_off)
{
	long psize = sysconf(_SC_PAGESIZE);
	u64 npages = size / psize, i = 0;
	struct pm_reader *r = calloc(1, sizeof(*r));
	int ret = 0;

	if (!r)
		return -ENOMEM;
	r->fd = pagemap_open();
	if (r->fd < 0) {
		ret = -errno;
		goto out;
	}
	while (i < npages && !ret) {
		int kind = page_in_memory(r, ram, psize, i, npages), k;
		u64 start = i;

		if (kind < 0) {
			ret = kind;
			break;
		}
		while (++i < npages) {
			k = page_in_memory(r, ram, psize, i, npages);
			if (k != kind)
				break;
		}
		if (kind) {
			u64 len = (i - start) * psize;

			if (pwrite_in_full(out, ram + start * psize, len,
					   base + start * psize) != (ssize_t)len)
				ret = -errno;
		} else if (ram_fd >= 0) {
			ret = copy_from_file(out, base + start * psize, ram_fd,
					     ram_fd_off + start * psize,
					     (i - start) * psize);
		}
	}
out:
	if (r->fd >= 0)
		close(r->fd);
	free(r);
	return ret;
}

int snapshot_write(struct snapshot *s, const char *dir, const void *ram,
		   u64 ram_size, int ram_fd, u64 ram_fd_off)
{
	char tmp[PATH_MAX], path[PATH_MAX];
	struct snap_file_hdr h;
	u64 off, state_size = 0;
	u32 i, crc = 0;
	int fd, dfd, ret = 0;

	if (snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, SNAP_FILE_NAME) >=
	    (int)sizeof(tmp) ||
	    snprintf(path, sizeof(path), "%s/%s", dir, SNAP_FILE_NAME) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		pr_err("save %s: %s", dir, strerror(errno));
		return -errno;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		pr_err("save %s: %s", tmp, strerror(errno));
		return -errno;
	}
	fchmod(fd, 0600);

	memset(&h, 0, sizeof(h));
	memcpy(h.magic, SNAP_MAGIC, 8);
	h.format_version = SNAP_FORMAT_VERSION;
	h.hdr_size = sizeof(h);
	snprintf(h.arch, sizeof(h.arch), "%s", LKVM_ARCH_NAME);
	snprintf(h.lkvm_version, sizeof(h.lkvm_version), "%s", LKVM_VERSION);
	h.ram_size = ram_size;
	h.state_offset = sizeof(h);
	h.nr_sections = s->nr;

	off = h.state_offset;
	for (i = 0; i < s->nr && !ret; i++) {
		struct snap_section *sec = &s->sec[i];
		struct snap_sec_hdr sh;
		u32 padded = ALIGN_UP(sec->len, 8);
		static const u8 zero[8];

		memset(&sh, 0, sizeof(sh));
		memcpy(sh.id, sec->id, sizeof(sh.id));
		sh.version = sec->version;
		sh.len = sec->len;
		sh.crc = crc32_le(0, sec->data, sec->len);
		crc = crc32_le(crc, &sh, sizeof(sh));
		crc = crc32_le(crc, sec->data, sec->len);
		crc = crc32_le(crc, zero, padded - sec->len);
		if (pwrite_in_full(fd, &sh, sizeof(sh), off) != sizeof(sh) ||
		    pwrite_in_full(fd, sec->data, sec->len, off + sizeof(sh)) !=
		    (ssize_t)sec->len ||
		    pwrite_in_full(fd, zero, padded - sec->len,
				   off + sizeof(sh) + sec->len) !=
		    (ssize_t)(padded - sec->len))
			ret = -errno;
		off += sizeof(sh) + padded;
		state_size += sizeof(sh) + padded;
	}
	h.state_size = state_size;
	h.state_crc = crc;
	h.mem_offset = ALIGN_UP(off, SNAP_MEM_ALIGN);
	h.hdr_crc = crc32_le(0, &h, sizeof(h));
	if (!ret && pwrite_in_full(fd, &h, sizeof(h), 0) != sizeof(h))
		ret = -errno;
	if (!ret && ftruncate(fd, h.mem_offset + ram_size) < 0)
		ret = -errno;
	if (!ret)
		ret = write_ram(fd, h.mem_offset, ram, ram_size, ram_fd, ram_fd_off);
	if (!ret && fsync(fd) < 0)
		ret = -errno;
	if (close(fd) < 0 && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path) < 0)
		ret = -errno;
	if (ret) {
		pr_err("save %s: %s", dir, strerror(-ret));
		unlink(tmp);
		return ret;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

/* ----------------------------------------------------------------- read */

int snapshot_read(const char *dir, struct snapshot **sp,
		  struct snapshot_mem *mem)
{
	char path[PATH_MAX];
	struct snap_file_hdr h;
	struct snapshot *s = NULL;
	struct stat st;
	u64 off, end;
	u32 i, crc = 0, hcrc;
	int fd, ret = -EINVAL;

	*sp = NULL;
	if (snprintf(path, sizeof(path), "%s/%s", dir, SNAP_FILE_NAME) >=
	    (int)sizeof(path)) {
		pr_err("--restore %s: path too long", dir);
		return -ENAMETOOLONG;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		pr_err("--restore %s: %s", path, strerror(errno));
		return -errno;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		pr_err("--restore %s: not a regular file", path);
		goto bad;
	}
	if (pread_in_full(fd, &h, sizeof(h), 0) != sizeof(h)) {
		pr_err("--restore %s: truncated (no complete header)", path);
		goto bad;
	}
	if (memcmp(h.magic, SNAP_MAGIC, 8)) {
		pr_err("--restore %s: not an lkvm snapshot (bad magic)", path);
		goto bad;
	}
	if (h.format_version != SNAP_FORMAT_VERSION || h.hdr_size != sizeof(h)) {
		pr_err("--restore %s: snapshot format version %u, this lkvm reads "
		       "version %u", path, h.format_version, SNAP_FORMAT_VERSION);
		goto bad;
	}
	hcrc = h.hdr_crc;
	h.hdr_crc = 0;
	if (crc32_le(0, &h, sizeof(h)) != hcrc) {
		pr_err("--restore %s: header checksum mismatch (corrupt file)", path);
		goto bad;
	}
	h.arch[sizeof(h.arch) - 1] = 0;
	h.lkvm_version[sizeof(h.lkvm_version) - 1] = 0;
	if (strcmp(h.arch, LKVM_ARCH_NAME)) {
		pr_err("--restore %s: snapshot of an %s VM, this lkvm runs %s",
		       path, h.arch, LKVM_ARCH_NAME);
		goto bad;
	}
	if (strcmp(h.lkvm_version, LKVM_VERSION)) {
		pr_err("--restore %s: made by lkvm %s, this is lkvm %s", path,
		       h.lkvm_version, LKVM_VERSION);
		goto bad;
	}
	end = h.mem_offset + h.ram_size;
	if (h.state_offset != sizeof(h) || h.nr_sections > SNAP_MAX_SECTIONS ||
	    h.state_size > h.mem_offset - h.state_offset ||
	    h.mem_offset % SNAP_MEM_ALIGN || end < h.mem_offset ||
	    !h.ram_size || h.ram_size % 4096) {
		pr_err("--restore %s: inconsistent header (corrupt file)", path);
		goto bad;
	}
	if ((u64)st.st_size < end) {
		pr_err("--restore %s: truncated (%llu bytes, the snapshot needs %llu)",
		       path, (unsigned long long)st.st_size,
		       (unsigned long long)end);
		goto bad;
	}

	s = snapshot_new();
	if (!s) {
		ret = -ENOMEM;
		goto bad;
	}
	off = h.state_offset;
	for (i = 0; i < h.nr_sections; i++) {
		struct snap_sec_hdr sh;
		void *data;
		u32 padded;

		if (off + sizeof(sh) > h.state_offset + h.state_size ||
		    pread_in_full(fd, &sh, sizeof(sh), off) != sizeof(sh)) {
			pr_err("--restore %s: section %u is truncated", path, i);
			goto bad;
		}
		sh.id[SNAP_ID_MAX - 1] = 0;
		padded = ALIGN_UP((u64)sh.len, 8);
		if (sh.len > SNAP_MAX_SECTION ||
		    off + sizeof(sh) + padded > h.state_offset + h.state_size) {
			pr_err("--restore %s: section %s runs past the state area",
			       path, sh.id);
			goto bad;
		}
		crc = crc32_le(crc, &sh, sizeof(sh));
		data = malloc(padded ? padded : 1);
		if (!data) {
			ret = -ENOMEM;
			goto bad;
		}
		if (pread_in_full(fd, data, padded, off + sizeof(sh)) !=
		    (ssize_t)padded) {
			free(data);
			pr_err("--restore %s: section %s is truncated", path, sh.id);
			goto bad;
		}
		crc = crc32_le(crc, data, padded);
		if (crc32_le(0, data, sh.len) != sh.crc) {
			free(data);
			pr_err("--restore %s: section %s checksum mismatch (corrupt "
			       "file)", path, sh.id);
			goto bad;
		}
		ret = snap_put(s, sh.id, sh.version, data, sh.len);
		free(data);
		if (ret) {
			pr_err("--restore %s: section %s is duplicated or invalid",
			       path, sh.id);
			ret = -EINVAL;
			goto bad;
		}
		off += sizeof(sh) + padded;
	}
	if (crc != h.state_crc || off != h.state_offset + h.state_size) {
		pr_err("--restore %s: state checksum mismatch (corrupt file)", path);
		ret = -EINVAL;
		goto bad;
	}
	mem->fd = fd;
	mem->offset = h.mem_offset;
	mem->size = h.ram_size;
	*sp = s;
	return 0;
bad:
	snapshot_free(s);
	close(fd);
	return ret < 0 && ret != -EINVAL ? ret : -EINVAL;
}
