// SPDX-License-Identifier: GPL-2.0
/*
 * Raw disk images: regular files and block devices, read and written with
 * preadv/pwritev at byte offsets.  See include/kvm/disk-image.h.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "kvm/disk-image.h"
#include "kvm/util.h"

#ifndef IOV_MAX
#define IOV_MAX		1024
#endif

/* Zeroes to write when the file system cannot zero a range itself. */
#define ZERO_BUF_SIZE	(64 * 1024)
#define ZERO_IOVS	16
static const u8 zero_buf[ZERO_BUF_SIZE] __attribute__((aligned(4096)));

static bool errno_unsupported(int err)
{
	return err == EOPNOTSUPP || err == ENOSYS || err == ENOTTY ||
	       err == EINVAL;
}

/* A serial number that stays the same for the same file across runs. */
static void make_id(struct disk_image *disk, const struct stat *st)
{
	u64 v[2], h = 0xcbf29ce484222325ULL;	/* FNV-1a */
	char buf[DISK_ID_BYTES + 1];
	const u8 *p = (const u8 *)v;
	size_t i;

	v[0] = disk->blkdev ? st->st_rdev : st->st_dev;
	v[1] = disk->blkdev ? 0 : st->st_ino;
	for (i = 0; i < sizeof(v); i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	snprintf(buf, sizeof(buf), "lkvm-%015llx",
		 (unsigned long long)(h & 0xfffffffffffffffULL));
	memcpy(disk->id, buf, DISK_ID_BYTES);
}

static int open_image(const char *path, bool readonly, bool direct,
		      bool blkdev)
{
	int flags = (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NONBLOCK;
	int fd;

	/* A block device in use by a mount or another exclusive user is
	 * refused by the kernel when opened for writing with O_EXCL. */
	if (blkdev && !readonly)
		flags |= O_EXCL;
	if (direct) {
		fd = open(path, flags | O_DIRECT);
		if (fd >= 0 || errno != EINVAL)
			return fd;
		pr_warn("-d %s: the file system does not support O_DIRECT, using the page cache",
			path);
	}
	return open(path, flags);
}

static const char *open_hint(int err, bool readonly, bool blkdev)
{
	if (!readonly && (err == EACCES || err == EROFS || err == EPERM))
		return " (add ,ro to use it read-only)";
	if (blkdev && err == EBUSY)
		return " (mounted or in use by another program)";
	return "";
}

struct disk_image *disk_image_open(const char *path, bool readonly,
				   bool direct)
{
	struct disk_image *disk;
	struct stat st;
	u64 size;
	int err, fl;

	if (stat(path, &st) < 0) {
		err = errno;
		pr_err("-d %s: %s", path, strerror(err));
		errno = err;
		return NULL;
	}
	if (S_ISDIR(st.st_mode)) {
		pr_err("-d %s: is a directory (root file systems shared with 9p are not supported yet)",
		       path);
		errno = EISDIR;
		return NULL;
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		pr_err("-d %s: not a regular file or a block device", path);
		errno = EINVAL;
		return NULL;
	}

	disk = calloc(1, sizeof(*disk));
	if (!disk || !(disk->path = strdup(path))) {
		free(disk);
		pr_err("-d %s: out of memory", path);
		errno = ENOMEM;
		return NULL;
	}
	disk->fd = disk->fd_buffered = -1;
	disk->readonly = readonly;
	disk->blkdev = S_ISBLK(st.st_mode);

	disk->fd = open_image(path, readonly, direct, disk->blkdev);
	if (disk->fd < 0) {
		err = errno;
		pr_err("-d %s: %s%s", path, strerror(err),
		       open_hint(err, readonly, disk->blkdev));
		goto fail;
	}
	fl = fcntl(disk->fd, F_GETFL);
	disk->direct = fl >= 0 && (fl & O_DIRECT);
	/* O_NONBLOCK only kept a FIFO swapped in after stat() from hanging. */
	if (fl < 0 || fcntl(disk->fd, F_SETFL, fl & ~O_NONBLOCK) < 0 ||
	    fstat(disk->fd, &st) < 0) {
		err = errno;
		pr_err("-d %s: %s", path, strerror(err));
		goto fail;
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		pr_err("-d %s: not a regular file or a block device", path);
		err = EINVAL;
		goto fail;
	}
	disk->blkdev = S_ISBLK(st.st_mode);

	if (flock(disk->fd, (readonly ? LOCK_SH : LOCK_EX) | LOCK_NB) < 0) {
		err = errno;
		if (err == EWOULDBLOCK)
			pr_err("-d %s: in use by another VM or program (it holds a lock on the image)",
			       path);
		else
			pr_err("-d %s: cannot lock the image: %s", path,
			       strerror(err));
		goto fail;
	}

	if (disk->blkdev) {
		if (ioctl(disk->fd, BLKGETSIZE64, &size) < 0) {
			err = errno;
			pr_err("-d %s: cannot get the device size: %s", path,
			       strerror(err));
			goto fail;
		}
	} else {
		size = st.st_size;
	}
	if (size < DISK_SECTOR_SIZE) {
		pr_err("-d %s: the image is empty (smaller than one 512-byte sector)",
		       path);
		err = EINVAL;
		goto fail;
	}
	if (size % DISK_SECTOR_SIZE)
		pr_warn("-d %s: size %llu is not a multiple of 512 bytes, the last %llu bytes are not visible to the guest",
			path, (unsigned long long)size,
			(unsigned long long)(size % DISK_SECTOR_SIZE));
	size = ALIGN_DOWN(size, (u64)DISK_SECTOR_SIZE);
	if (size > (u64)INT64_MAX) {
		pr_err("-d %s: the image is too large", path);
		err = EFBIG;
		goto fail;
	}
	disk->size = size;

	if (disk->direct) {
		char proc[64];

		/* The same open file, without O_DIRECT. */
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", disk->fd);
		disk->fd_buffered = open(proc, (readonly ? O_RDONLY : O_RDWR) |
					 O_CLOEXEC);
		if (disk->fd_buffered < 0) {
			pr_warn("-d %s: cannot reopen without O_DIRECT (%s), using the page cache",
				path, strerror(errno));
			if (fcntl(disk->fd, F_SETFL, fl & ~(O_NONBLOCK | O_DIRECT)) < 0) {
				err = errno;
				pr_err("-d %s: %s", path, strerror(err));
				goto fail;
			}
			disk->direct = false;
		}
	}

	make_id(disk, &st);
	return disk;

fail:
	disk_image_close(disk);
	errno = err;
	return NULL;
}

void disk_image_close(struct disk_image *disk)
{
	if (!disk)
		return;
	if (disk->fd_buffered >= 0)
		close(disk->fd_buffered);
	if (disk->fd >= 0)
		close(disk->fd);
	free(disk->path);
	free(disk);
}

static bool range_ok(const struct disk_image *disk, u64 off, u64 len)
{
	return off <= disk->size && len <= disk->size - off;
}

/* Drop @n transferred bytes from the front of *iov. */
static void iov_advance(struct iovec **iov, int *cnt, size_t n)
{
	while (*cnt && n >= (*iov)->iov_len) {
		n -= (*iov)->iov_len;
		(*iov)++;
		(*cnt)--;
	}
	if (*cnt && n) {
		(*iov)->iov_base = (u8 *)(*iov)->iov_base + n;
		(*iov)->iov_len -= n;
	}
}

static int rw_full(struct disk_image *disk, bool write, u64 off,
		   struct iovec *iov, int cnt)
{
	int fd = disk->fd;
	ssize_t n;

	for (;;) {
		while (cnt && !iov->iov_len) {
			iov++;
			cnt--;
		}
		if (!cnt)
			return 0;
		if (write)
			n = pwritev(fd, iov, min_t(int, cnt, IOV_MAX), off);
		else
			n = preadv(fd, iov, min_t(int, cnt, IOV_MAX), off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* O_DIRECT refuses buffers or offsets that are not
			 * aligned for the device: use the page cache. */
			if (errno == EINVAL && fd == disk->fd &&
			    disk->fd_buffered >= 0) {
				fd = disk->fd_buffered;
				continue;
			}
			return -errno;
		}
		if (n == 0)	/* the file shrank under us */
			return write ? -ENOSPC : -EIO;
		off += n;
		iov_advance(&iov, &cnt, n);
	}
}

static size_t iov_total(const struct iovec *iov, int cnt)
{
	size_t len = 0;
	int i;

	for (i = 0; i < cnt; i++)
		len += iov[i].iov_len;
	return len;
}

int disk_image_readv(struct disk_image *disk, u64 off, struct iovec *iov,
		     int iovcnt)
{
	if (iovcnt < 0 || !range_ok(disk, off, iov_total(iov, iovcnt)))
		return -ERANGE;
	return rw_full(disk, false, off, iov, iovcnt);
}

int disk_image_writev(struct disk_image *disk, u64 off, struct iovec *iov,
		      int iovcnt)
{
	if (disk->readonly)
		return -EROFS;
	if (iovcnt < 0 || !range_ok(disk, off, iov_total(iov, iovcnt)))
		return -ERANGE;
	return rw_full(disk, true, off, iov, iovcnt);
}

int disk_image_flush(struct disk_image *disk)
{
	if (disk->readonly)
		return 0;
	while (fdatasync(disk->fd) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

int disk_image_discard(struct disk_image *disk, u64 off, u64 len)
{
	int ret;

	if (disk->readonly)
		return -EROFS;
	if (!range_ok(disk, off, len))
		return -ERANGE;
	if (!len)
		return 0;
	if (disk->blkdev) {
		u64 range[2] = { off, len };

		ret = ioctl(disk->fd, BLKDISCARD, range);
	} else {
		ret = fallocate(disk->fd, FALLOC_FL_PUNCH_HOLE |
				FALLOC_FL_KEEP_SIZE, off, len);
	}
	if (ret < 0 && !errno_unsupported(errno))
		return -errno;
	return 0;	/* a hint: not being able to is fine */
}

static int write_zero_bufs(struct disk_image *disk, u64 off, u64 len)
{
	struct iovec iov[ZERO_IOVS];
	u64 chunk;
	int n, ret;

	while (len) {
		chunk = 0;
		for (n = 0; n < ZERO_IOVS && len; n++) {
			iov[n].iov_base = (void *)zero_buf;
			iov[n].iov_len = min_t(u64, len, ZERO_BUF_SIZE);
			len -= iov[n].iov_len;
			chunk += iov[n].iov_len;
		}
		/* rw_full() consumes iov[]: the offset moves by chunk. */
		ret = rw_full(disk, true, off, iov, n);
		if (ret)
			return ret;
		off += chunk;
	}
	return 0;
}

int disk_image_write_zeroes(struct disk_image *disk, u64 off, u64 len,
			    bool may_unmap)
{
	if (disk->readonly)
		return -EROFS;
	if (!range_ok(disk, off, len))
		return -ERANGE;
	if (!len)
		return 0;
	/* A hole reads back as zeroes, in files and on block devices. */
	if (may_unmap) {
		if (!fallocate(disk->fd, FALLOC_FL_PUNCH_HOLE |
			       FALLOC_FL_KEEP_SIZE, off, len))
			return 0;
		if (!errno_unsupported(errno))
			return -errno;
	}
	if (!fallocate(disk->fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE,
		       off, len))
		return 0;
	if (!errno_unsupported(errno))
		return -errno;
	if (disk->blkdev) {
		u64 range[2] = { off, len };

		if (!ioctl(disk->fd, BLKZEROOUT, range))
			return 0;
		if (!errno_unsupported(errno))
			return -errno;
	}
	return write_zero_bufs(disk, off, len);
}
