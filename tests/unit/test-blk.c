// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-blk without a guest: hand-built descriptor chains over malloc'd
 * buffers, a temporary image file, and the bytes on disk checked with
 * pread.  Also the raw image backend and the I/O worker pool, the latter
 * behind a fake queue.
 */
#include <endian.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <linux/virtio_blk.h>

#include "unit.h"
#include "kvm/disk-image.h"
#include "kvm/virtio.h"

#define IMG_SECTORS	2048ULL
#define IMG_SIZE	(IMG_SECTORS * 512)
#define OK		VIRTIO_BLK_S_OK
#define IOERR		VIRTIO_BLK_S_IOERR
#define UNSUPP		VIRTIO_BLK_S_UNSUPP

static char img[PATH_MAX];

/* What every byte of a fresh image holds. */
static u8 pat(u64 off)
{
	return (u8)(off * 7 + (off >> 9) * 13 + 1);
}

/* What the fake queue's writes put there. */
static u8 inv(u64 off)
{
	u8 v = pat(off);

	return v ^ 0xff;
}

/* Loops check the bytes and assert once: ck_assert has a cost per call. */
static bool is_pat(const u8 *buf, u64 off, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (buf[i] != pat(off + i))
			return false;
	return true;
}

static bool is_byte(const u8 *buf, u8 v, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (buf[i] != v)
			return false;
	return true;
}

static void make_file(char *path, const char *dir, u64 size, bool fill)
{
	u8 *buf;
	int fd;
	u64 i;

	snprintf(path, PATH_MAX, "%s/lkvm-blk-XXXXXX", dir);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	if (fill) {
		buf = malloc(size);
		ck_assert_ptr_nonnull(buf);
		for (i = 0; i < size; i++)
			buf[i] = pat(i);
		ck_assert_int_eq(pwrite_in_full(fd, buf, size, 0), (ssize_t)size);
		free(buf);
	} else {
		ck_assert_int_eq(ftruncate(fd, size), 0);
	}
	close(fd);
}

/*
 * Every file a test makes lives in a directory per test case, made and
 * removed by the runner process: a failing test leaves nothing behind.
 */
static char test_dir[1024], shm_dir[64];

static const char *tmpdir(void)
{
	return test_dir;
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	remove(path);
	return 0;
}

static void dirs_setup(void)
{
	const char *base = getenv("TMPDIR");

	snprintf(test_dir, sizeof(test_dir), "%s/lkvm-blk-test-XXXXXX",
		 base && *base ? base : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(test_dir));
	/* tmpfs, for what it cannot do (FALLOC_FL_ZERO_RANGE). */
	snprintf(shm_dir, sizeof(shm_dir), "/dev/shm/lkvm-blk-test-XXXXXX");
	if (access("/dev/shm", W_OK) || !mkdtemp(shm_dir))
		shm_dir[0] = 0;
}

static void dirs_teardown(void)
{
	nftw(test_dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	if (shm_dir[0])
		nftw(shm_dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

static void setup(void)
{
	make_file(img, tmpdir(), IMG_SIZE, true);
}

static void teardown(void)
{
	unlink(img);
}

/* The image's bytes [off, off + len) are still the original pattern. */
static bool untouched(u64 off, u64 len)
{
	u8 *buf = malloc(len);
	bool ok = true;
	int fd = open(img, O_RDONLY);
	u64 i;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread_in_full(fd, buf, len, off), (ssize_t)len);
	for (i = 0; i < len && ok; i++)
		ok = buf[i] == pat(off + i);
	close(fd);
	free(buf);
	return ok;
}

static bool all_bytes(u64 off, u64 len, u8 v)
{
	u8 *buf = malloc(len);
	bool ok = true;
	int fd = open(img, O_RDONLY);
	u64 i;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread_in_full(fd, buf, len, off), (ssize_t)len);
	for (i = 0; i < len && ok; i++)
		ok = buf[i] == v;
	close(fd);
	free(buf);
	return ok;
}

static struct blk_dev *open_dev(bool ro)
{
	struct disk_image *d = disk_image_open(img, ro, false);
	struct blk_dev *b;

	ck_assert_ptr_nonnull(d);
	b = blk_dev_new(d, NULL, NULL, 0);
	ck_assert_ptr_nonnull(b);
	return b;
}

/* --- Chains. --- */

static struct vq_chain *chain_new(void)
{
	struct vq_chain *c = calloc(1, sizeof(*c));

	ck_assert_ptr_nonnull(c);
	return c;
}

static void add_out(struct vq_chain *c, const void *p, size_t len)
{
	ck_assert_int_eq(c->nr_in, 0);
	c->iov[c->nr_out].iov_base = (void *)p;
	c->iov[c->nr_out].iov_len = len;
	c->nr_out++;
	c->out_len += len;
}

static void add_in(struct vq_chain *c, void *p, size_t len)
{
	c->iov[c->nr_out + c->nr_in].iov_base = p;
	c->iov[c->nr_out + c->nr_in].iov_len = len;
	c->nr_in++;
	c->in_len += len;
}

static struct virtio_blk_outhdr hdr(u32 type, u64 sector)
{
	struct virtio_blk_outhdr h = {
		.type = htole32(type), .ioprio = 0, .sector = htole64(sector),
	};

	return h;
}

static struct virtio_blk_discard_write_zeroes seg(u64 sector, u32 n, u32 flags)
{
	struct virtio_blk_discard_write_zeroes s = {
		.sector = htole64(sector), .num_sectors = htole32(n),
		.flags = htole32(flags),
	};

	return s;
}

/* Header + status only. */
static u32 simple(struct blk_dev *b, u32 type, u64 sector, u8 *st)
{
	struct virtio_blk_outhdr h = hdr(type, sector);
	struct vq_chain *c = chain_new();
	u32 len;

	*st = 0xee;
	add_out(c, &h, sizeof(h));
	add_in(c, st, 1);
	len = virtio_blk_process(b, c);
	free(c);
	return len;
}

static u32 do_read(struct blk_dev *b, u64 sector, void *buf, size_t len,
		   u8 *st)
{
	struct virtio_blk_outhdr h = hdr(VIRTIO_BLK_T_IN, sector);
	struct vq_chain *c = chain_new();
	u32 ret;

	*st = 0xee;
	add_out(c, &h, sizeof(h));
	add_in(c, buf, len);
	add_in(c, st, 1);
	ret = virtio_blk_process(b, c);
	free(c);
	return ret;
}

static u32 do_write(struct blk_dev *b, u64 sector, const void *buf,
		    size_t len, u8 *st)
{
	struct virtio_blk_outhdr h = hdr(VIRTIO_BLK_T_OUT, sector);
	struct vq_chain *c = chain_new();
	u32 ret;

	*st = 0xee;
	add_out(c, &h, sizeof(h));
	add_out(c, buf, len);
	add_in(c, st, 1);
	ret = virtio_blk_process(b, c);
	free(c);
	return ret;
}

static u32 do_dwz(struct blk_dev *b, u32 type, const void *segs, size_t len,
		  u8 *st)
{
	struct virtio_blk_outhdr h = hdr(type, 0);
	struct vq_chain *c = chain_new();
	u32 ret;

	*st = 0xee;
	add_out(c, &h, sizeof(h));
	if (len)
		add_out(c, segs, len);
	add_in(c, st, 1);
	ret = virtio_blk_process(b, c);
	free(c);
	return ret;
}

/* --- The disk image backend. --- */

START_TEST(test_open_errors)
{
	char dir[PATH_MAX], path[PATH_MAX];

	errno = 0;
	ck_assert_ptr_null(disk_image_open("/nonexistent/lkvm.img", false, false));
	ck_assert_int_eq(errno, ENOENT);

	snprintf(dir, sizeof(dir), "%s/lkvm-blk-dir-XXXXXX", tmpdir());
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_ptr_null(disk_image_open(dir, false, false));
	ck_assert_int_eq(errno, EISDIR);
	ck_assert_ptr_null(disk_image_open(dir, true, false));
	rmdir(dir);

	/* A character device is not a disk. */
	ck_assert_ptr_null(disk_image_open("/dev/null", true, false));

	/* Empty, and smaller than a sector. */
	make_file(path, tmpdir(), 0, false);
	ck_assert_ptr_null(disk_image_open(path, false, false));
	unlink(path);
	make_file(path, tmpdir(), 511, false);
	ck_assert_ptr_null(disk_image_open(path, false, false));
	unlink(path);
}
END_TEST

START_TEST(test_open_unaligned_size)
{
	char path[PATH_MAX];
	struct disk_image *d;

	make_file(path, tmpdir(), 3 * 512 + 100, false);
	d = disk_image_open(path, false, false);
	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(d->size, 3 * 512);
	ck_assert(!d->readonly && !d->blkdev);
	disk_image_close(d);
	unlink(path);
}
END_TEST

START_TEST(test_lock)
{
	struct disk_image *a, *b, *c;

	a = disk_image_open(img, false, false);
	ck_assert_ptr_nonnull(a);
	/* A second writer, or a reader, is refused while one writes. */
	errno = 0;
	ck_assert_ptr_null(disk_image_open(img, false, false));
	ck_assert_int_eq(errno, EWOULDBLOCK);
	ck_assert_ptr_null(disk_image_open(img, true, false));
	disk_image_close(a);

	/* Readers share; a writer is refused while they read. */
	b = disk_image_open(img, true, false);
	c = disk_image_open(img, true, false);
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_null(disk_image_open(img, false, false));
	disk_image_close(b);
	disk_image_close(c);

	a = disk_image_open(img, false, false);
	ck_assert_ptr_nonnull(a);
	disk_image_close(a);
}
END_TEST

START_TEST(test_id_stable)
{
	char other[PATH_MAX], id[DISK_ID_BYTES];
	struct disk_image *d;
	int i;

	d = disk_image_open(img, true, false);
	ck_assert_ptr_nonnull(d);
	memcpy(id, d->id, sizeof(id));
	disk_image_close(d);
	ck_assert(!memcmp(id, "lkvm-", 5));
	for (i = 0; i < DISK_ID_BYTES; i++)
		ck_assert(id[i] >= 0x20 && id[i] < 0x7f);

	d = disk_image_open(img, false, false);
	ck_assert_ptr_nonnull(d);
	ck_assert(!memcmp(id, d->id, sizeof(id)));
	disk_image_close(d);

	make_file(other, tmpdir(), 4096, false);
	d = disk_image_open(other, false, false);
	ck_assert_ptr_nonnull(d);
	ck_assert(memcmp(id, d->id, sizeof(id)));
	disk_image_close(d);
	unlink(other);
}
END_TEST

START_TEST(test_backend_ranges)
{
	struct disk_image *d = disk_image_open(img, false, false);
	u8 buf[512];
	struct iovec iov = { buf, sizeof(buf) };

	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(disk_image_readv(d, IMG_SIZE - 512, &iov, 1), 0);
	iov = (struct iovec){ buf, sizeof(buf) };
	ck_assert_int_eq(disk_image_readv(d, IMG_SIZE - 511, &iov, 1), -ERANGE);
	iov = (struct iovec){ buf, sizeof(buf) };
	ck_assert_int_eq(disk_image_writev(d, UINT64_MAX - 10, &iov, 1), -ERANGE);
	ck_assert_int_eq(disk_image_discard(d, IMG_SIZE, 1), -ERANGE);
	ck_assert_int_eq(disk_image_write_zeroes(d, 1, UINT64_MAX, false), -ERANGE);
	ck_assert(untouched(0, IMG_SIZE));
	disk_image_close(d);

	d = disk_image_open(img, true, false);
	ck_assert_ptr_nonnull(d);
	iov = (struct iovec){ buf, sizeof(buf) };
	ck_assert_int_eq(disk_image_writev(d, 0, &iov, 1), -EROFS);
	ck_assert_int_eq(disk_image_discard(d, 0, 512), -EROFS);
	ck_assert_int_eq(disk_image_write_zeroes(d, 0, 512, true), -EROFS);
	ck_assert_int_eq(disk_image_flush(d), 0);
	disk_image_close(d);
	ck_assert(untouched(0, IMG_SIZE));
}
END_TEST

/* --- Requests. --- */

START_TEST(test_config_features)
{
	struct blk_dev *b = open_dev(false);
	struct virtio_blk_config cfg;
	u64 f = blk_dev_features(b);

	ck_assert(f & BIT_ULL(VIRTIO_BLK_F_SEG_MAX));
	ck_assert(f & BIT_ULL(VIRTIO_BLK_F_BLK_SIZE));
	ck_assert(f & BIT_ULL(VIRTIO_BLK_F_FLUSH));
	ck_assert(f & BIT_ULL(VIRTIO_BLK_F_DISCARD));
	ck_assert(f & BIT_ULL(VIRTIO_BLK_F_WRITE_ZEROES));
	ck_assert(!(f & BIT_ULL(VIRTIO_BLK_F_RO)));
	/* The transport's business. */
	ck_assert(!(f & BIT_ULL(VIRTIO_F_VERSION_1)));
	ck_assert(!(f & BIT_ULL(VIRTIO_RING_F_EVENT_IDX)));

	blk_dev_config(b, &cfg);
	ck_assert_uint_eq(le64toh(cfg.capacity), IMG_SECTORS);
	ck_assert_uint_eq(le32toh(cfg.seg_max), BLK_SEG_MAX);
	ck_assert_uint_le(le32toh(cfg.seg_max) + 2, VQ_MAX_SEGS);
	ck_assert_uint_eq(le32toh(cfg.blk_size), 512);
	ck_assert_uint_eq(le32toh(cfg.max_discard_seg), 1);
	ck_assert_uint_eq(le32toh(cfg.max_write_zeroes_seg), 1);
	ck_assert_uint_ne(le32toh(cfg.max_discard_sectors), 0);
	ck_assert_uint_ne(le32toh(cfg.max_write_zeroes_sectors), 0);
	ck_assert_uint_eq(cfg.write_zeroes_may_unmap, 1);
	blk_dev_free(b);

	b = open_dev(true);
	f = blk_dev_features(b);
	ck_assert(f & BIT_ULL(VIRTIO_BLK_F_RO));
	ck_assert(!(f & BIT_ULL(VIRTIO_BLK_F_DISCARD)));
	ck_assert(!(f & BIT_ULL(VIRTIO_BLK_F_WRITE_ZEROES)));
	blk_dev_free(b);
}
END_TEST

START_TEST(test_read)
{
	struct blk_dev *b = open_dev(false);
	struct virtio_blk_outhdr h = hdr(VIRTIO_BLK_T_IN, 10);
	struct vq_chain *c = chain_new();
	u8 *buf = malloc(2048 + 1), st;

	/* Data over several segments, one of them empty. */
	memset(buf, 0, 2049);
	add_out(c, &h, sizeof(h));
	add_in(c, buf, 100);
	add_in(c, buf + 100, 0);
	add_in(c, buf + 100, 1948);
	add_in(c, &st, 1);
	st = 0xee;
	ck_assert_uint_eq(virtio_blk_process(b, c), 2049);
	ck_assert_uint_eq(st, OK);
	ck_assert(is_pat(buf, 10 * 512, 2048));

	/* The status byte at the end of the data's own buffer. */
	memset(c, 0, sizeof(*c));
	memset(buf, 0, 2049);
	h = hdr(VIRTIO_BLK_T_IN, IMG_SECTORS - 4);
	add_out(c, &h, sizeof(h));
	add_in(c, buf, 2049);
	ck_assert_uint_eq(virtio_blk_process(b, c), 2049);
	ck_assert_uint_eq(buf[2048], OK);
	ck_assert(is_pat(buf, (IMG_SECTORS - 4) * 512, 2048));

	/* Empty reads are fine, even at the end. */
	ck_assert_uint_eq(simple(b, VIRTIO_BLK_T_IN, IMG_SECTORS, &st), 1);
	ck_assert_uint_eq(st, OK);
	free(c);
	free(buf);
	blk_dev_free(b);
}
END_TEST

START_TEST(test_write)
{
	struct blk_dev *b = open_dev(false);
	struct virtio_blk_outhdr h = hdr(VIRTIO_BLK_T_OUT, 100);
	struct vq_chain *c = chain_new();
	u8 *buf = malloc(2048), st;

	/* Header and data cut anywhere. */
	memset(buf, 0xa5, 2048);
	add_out(c, &h, 10);
	add_out(c, (u8 *)&h + 10, 6 + 0);
	add_out(c, buf, 1);
	add_out(c, buf + 1, 0);
	add_out(c, buf + 1, 2047);
	add_in(c, &st, 1);
	st = 0xee;
	ck_assert_uint_eq(virtio_blk_process(b, c), 1);
	ck_assert_uint_eq(st, OK);
	ck_assert(all_bytes(100 * 512, 2048, 0xa5));
	ck_assert(untouched(0, 100 * 512));
	ck_assert(untouched(104 * 512, IMG_SIZE - 104 * 512));

	/* The last sector. */
	memset(buf, 0x5a, 512);
	ck_assert_uint_eq(do_write(b, IMG_SECTORS - 1, buf, 512, &st), 1);
	ck_assert_uint_eq(st, OK);
	ck_assert(all_bytes(IMG_SIZE - 512, 512, 0x5a));
	free(c);
	free(buf);
	blk_dev_free(b);
}
END_TEST

START_TEST(test_header_bytewise)
{
	struct blk_dev *b = open_dev(false);
	struct virtio_blk_outhdr h = hdr(VIRTIO_BLK_T_IN, 7);
	struct vq_chain *c = chain_new();
	u8 buf[512], st;
	unsigned int i;

	for (i = 0; i < sizeof(h); i++)
		add_out(c, (u8 *)&h + i, 1);
	add_in(c, buf, sizeof(buf));
	add_in(c, &st, 1);
	add_in(c, buf, 0);	/* empty trailing segment: status before it */
	ck_assert_uint_eq(virtio_blk_process(b, c), 513);
	ck_assert_uint_eq(st, OK);
	ck_assert(is_pat(buf, 7 * 512, sizeof(buf)));
	free(c);
	blk_dev_free(b);
}
END_TEST

START_TEST(test_flush)
{
	struct blk_dev *b = open_dev(false);
	u8 buf[512], st;

	memset(buf, 1, sizeof(buf));
	ck_assert_uint_eq(do_write(b, 3, buf, sizeof(buf), &st), 1);
	ck_assert_uint_eq(simple(b, VIRTIO_BLK_T_FLUSH, 0, &st), 1);
	ck_assert_uint_eq(st, OK);
	/* Legacy VIRTIO_BLK_T_FLUSH_OUT, and a sector that should be 0. */
	ck_assert_uint_eq(simple(b, 5, 1234, &st), 1);
	ck_assert_uint_eq(st, OK);
	ck_assert(all_bytes(3 * 512, 512, 1));
	blk_dev_free(b);
}
END_TEST

START_TEST(test_get_id)
{
	struct blk_dev *b = open_dev(false);
	const char *id = blk_dev_disk(b)->id;
	struct virtio_blk_outhdr h = hdr(VIRTIO_BLK_T_GET_ID, 0);
	struct vq_chain *c = chain_new();
	u8 buf[64], st;

	memset(buf, 0xee, sizeof(buf));
	add_out(c, &h, sizeof(h));
	add_in(c, buf, 20);
	add_in(c, &st, 1);
	ck_assert_uint_eq(virtio_blk_process(b, c), 21);
	ck_assert_uint_eq(st, OK);
	ck_assert(!memcmp(buf, id, 20));

	/* Larger buffer: 20 bytes written, the rest left alone. */
	memset(c, 0, sizeof(*c));
	memset(buf, 0xee, sizeof(buf));
	add_out(c, &h, sizeof(h));
	add_in(c, buf, 40);
	add_in(c, &st, 1);
	ck_assert_uint_eq(virtio_blk_process(b, c), 21);
	ck_assert_uint_eq(st, OK);
	ck_assert(!memcmp(buf, id, 20));
	ck_assert_uint_eq(buf[20], 0xee);

	/* Short buffer: what fits, and an error. */
	memset(c, 0, sizeof(*c));
	memset(buf, 0xee, sizeof(buf));
	add_out(c, &h, sizeof(h));
	add_in(c, buf, 3);
	add_in(c, buf + 3, 5);
	add_in(c, &st, 1);
	ck_assert_uint_eq(virtio_blk_process(b, c), 9);
	ck_assert_uint_eq(st, IOERR);
	ck_assert(!memcmp(buf, id, 8));
	ck_assert_uint_eq(buf[8], 0xee);

	/* No buffer at all. */
	ck_assert_uint_eq(simple(b, VIRTIO_BLK_T_GET_ID, 0, &st), 1);
	ck_assert_uint_eq(st, IOERR);
	free(c);
	blk_dev_free(b);
}
END_TEST

START_TEST(test_discard)
{
	struct blk_dev *b = open_dev(false);
	struct virtio_blk_discard_write_zeroes s[2];
	u8 st;

	s[0] = seg(16, 8, 0);
	ck_assert_uint_eq(do_dwz(b, VIRTIO_BLK_T_DISCARD, s, sizeof(s[0]), &st), 1);
	ck_assert_uint_eq(st, OK);
	/* A punched hole reads back as zeroes (on ext4, xfs, tmpfs...). */
	ck_assert(all_bytes(16 * 512, 8 * 512, 0));
	ck_assert(untouched(0, 16 * 512));
	ck_assert(untouched(24 * 512, IMG_SIZE - 24 * 512));

	/* UNMAP and unknown flags are refused on discard, nothing done. */
	s[0] = seg(40, 8, VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP);
	ck_assert_uint_eq(do_dwz(b, VIRTIO_BLK_T_DISCARD, s, sizeof(s[0]), &st), 1);
	ck_assert_uint_eq(st, UNSUPP);
	s[0] = seg(40, 8, 0x80);
	do_dwz(b, VIRTIO_BLK_T_DISCARD, s, sizeof(s[0]), &st);
	ck_assert_uint_eq(st, UNSUPP);
	/* Out of range, overflowing, too long. */
	s[0] = seg(IMG_SECTORS - 4, 8, 0);
	do_dwz(b, VIRTIO_BLK_T_DISCARD, s, sizeof(s[0]), &st);
	ck_assert_uint_eq(st, IOERR);
	s[0] = seg(UINT64_MAX - 2, 8, 0);
	do_dwz(b, VIRTIO_BLK_T_DISCARD, s, sizeof(s[0]), &st);
	ck_assert_uint_eq(st, IOERR);
	s[0] = seg(IMG_SECTORS + 1, 0, 0);
	do_dwz(b, VIRTIO_BLK_T_DISCARD, s, sizeof(s[0]), &st);
	ck_assert_uint_eq(st, IOERR);
	s[0] = seg(0, BLK_MAX_DISCARD_SECTORS + 1, 0);
	do_dwz(b, VIRTIO_BLK_T_DISCARD, s, sizeof(s[0]), &st);
	ck_assert_uint_eq(st, IOERR);
	/* More segments than max_discard_seg. */
	s[0] = seg(40, 8, 0);
	s[1] = seg(60, 8, 0);
	do_dwz(b, VIRTIO_BLK_T_DISCARD, s, sizeof(s), &st);
	ck_assert_uint_eq(st, UNSUPP);
	/* No segment, or a piece of one. */
	do_dwz(b, VIRTIO_BLK_T_DISCARD, s, 0, &st);
	ck_assert_uint_eq(st, IOERR);
	do_dwz(b, VIRTIO_BLK_T_DISCARD, s, 8, &st);
	ck_assert_uint_eq(st, IOERR);
	do_dwz(b, VIRTIO_BLK_T_DISCARD, s, sizeof(s[0]) + 1, &st);
	ck_assert_uint_eq(st, IOERR);
	ck_assert(untouched(24 * 512, IMG_SIZE - 24 * 512));

	/* Zero sectors: nothing to do. */
	s[0] = seg(IMG_SECTORS, 0, 0);
	do_dwz(b, VIRTIO_BLK_T_DISCARD, s, sizeof(s[0]), &st);
	ck_assert_uint_eq(st, OK);
	blk_dev_free(b);
}
END_TEST

START_TEST(test_write_zeroes)
{
	struct blk_dev *b = open_dev(false);
	struct virtio_blk_discard_write_zeroes s;
	u8 st;

	s = seg(32, 8, 0);
	ck_assert_uint_eq(do_dwz(b, VIRTIO_BLK_T_WRITE_ZEROES, &s, sizeof(s), &st), 1);
	ck_assert_uint_eq(st, OK);
	ck_assert(all_bytes(32 * 512, 8 * 512, 0));
	s = seg(65, 7, VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP);
	do_dwz(b, VIRTIO_BLK_T_WRITE_ZEROES, &s, sizeof(s), &st);
	ck_assert_uint_eq(st, OK);
	ck_assert(all_bytes(65 * 512, 7 * 512, 0));
	ck_assert(untouched(0, 32 * 512));
	ck_assert(untouched(40 * 512, 25 * 512));
	ck_assert(untouched(72 * 512, IMG_SIZE - 72 * 512));

	s = seg(100, 8, 2);
	do_dwz(b, VIRTIO_BLK_T_WRITE_ZEROES, &s, sizeof(s), &st);
	ck_assert_uint_eq(st, UNSUPP);
	s = seg(UINT64_MAX, 1, 0);
	do_dwz(b, VIRTIO_BLK_T_WRITE_ZEROES, &s, sizeof(s), &st);
	ck_assert_uint_eq(st, IOERR);
	s = seg(IMG_SECTORS - 1, 2, 0);
	do_dwz(b, VIRTIO_BLK_T_WRITE_ZEROES, &s, sizeof(s), &st);
	ck_assert_uint_eq(st, IOERR);
	ck_assert(untouched(72 * 512, IMG_SIZE - 72 * 512));
	blk_dev_free(b);
}
END_TEST

/* tmpfs cannot FALLOC_FL_ZERO_RANGE: zeroes are written instead. */
START_TEST(test_write_zeroes_fallback)
{
	struct disk_image *d;
	char path[PATH_MAX];
	u8 buf[4096];
	unsigned int i, n;
	int fd;

	if (!shm_dir[0])
		return;
	make_file(path, shm_dir, 256 * 1024 + 4096, true);
	d = disk_image_open(path, false, false);
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(disk_image_write_zeroes(d, 512, 256 * 1024 + 1024,
						 false), 0);
	ck_assert_int_eq(disk_image_discard(d, 0, 512), 0);
	disk_image_close(d);

	fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	for (i = 0; i < 256 * 1024 + 1536; i += n) {
		n = min_t(unsigned int, sizeof(buf), 256 * 1024 + 1536 - i);
		if (pread_in_full(fd, buf, n, i) != n || !is_byte(buf, 0, n))
			break;
	}
	ck_assert_uint_eq(i, 256 * 1024 + 1536);
	ck_assert_int_eq(pread_in_full(fd, buf, 1, i), 1);
	ck_assert_uint_eq(buf[0], pat(i));
	close(fd);
	unlink(path);
}
END_TEST

START_TEST(test_readonly)
{
	struct blk_dev *b = open_dev(true);
	struct virtio_blk_discard_write_zeroes s = seg(0, 8, 0);
	u8 buf[1024], st;

	memset(buf, 0x11, sizeof(buf));
	ck_assert_uint_eq(do_write(b, 0, buf, sizeof(buf), &st), 1);
	ck_assert_uint_eq(st, IOERR);
	do_dwz(b, VIRTIO_BLK_T_DISCARD, &s, sizeof(s), &st);
	ck_assert_uint_eq(st, IOERR);
	do_dwz(b, VIRTIO_BLK_T_WRITE_ZEROES, &s, sizeof(s), &st);
	ck_assert_uint_eq(st, IOERR);
	ck_assert(untouched(0, IMG_SIZE));

	ck_assert_uint_eq(simple(b, VIRTIO_BLK_T_FLUSH, 0, &st), 1);
	ck_assert_uint_eq(st, OK);
	ck_assert_uint_eq(do_read(b, 0, buf, sizeof(buf), &st), sizeof(buf) + 1);
	ck_assert_uint_eq(st, OK);
	ck_assert(is_pat(buf, 0, sizeof(buf)));
	blk_dev_free(b);
}
END_TEST

START_TEST(test_out_of_range)
{
	struct blk_dev *b = open_dev(false);
	u8 buf[1024], st;

	ck_assert_uint_eq(do_read(b, IMG_SECTORS, buf, 512, &st), 1);
	ck_assert_uint_eq(st, IOERR);
	ck_assert_uint_eq(do_read(b, IMG_SECTORS - 1, buf, 1024, &st), 1);
	ck_assert_uint_eq(st, IOERR);
	ck_assert_uint_eq(do_read(b, IMG_SECTORS - 1, buf, 512, &st), 513);
	ck_assert_uint_eq(st, OK);

	memset(buf, 0x22, sizeof(buf));
	do_write(b, IMG_SECTORS, buf, 512, &st);
	ck_assert_uint_eq(st, IOERR);
	do_write(b, IMG_SECTORS - 1, buf, 1024, &st);
	ck_assert_uint_eq(st, IOERR);
	ck_assert(untouched(0, IMG_SIZE));
	blk_dev_free(b);
}
END_TEST

START_TEST(test_overflow)
{
	static const u64 bad[] = {
		UINT64_MAX, UINT64_MAX - 1, 1ULL << 55, (UINT64_MAX >> 9),
		(UINT64_MAX >> 9) + 1, 1ULL << 63,
	};
	struct blk_dev *b = open_dev(false);
	u8 buf[512], st;
	unsigned int i;

	memset(buf, 0x33, sizeof(buf));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		ck_assert_uint_eq(do_read(b, bad[i], buf, sizeof(buf), &st), 1);
		ck_assert_uint_eq(st, IOERR);
		do_write(b, bad[i], buf, sizeof(buf), &st);
		ck_assert_uint_eq(st, IOERR);
	}
	ck_assert(untouched(0, IMG_SIZE));
	blk_dev_free(b);
}
END_TEST

/* Requests whose used length would not fit in 32 bits, on a sparse 8 GiB
 * image: refused before any buffer is touched. */
START_TEST(test_huge_request)
{
	char path[PATH_MAX];
	struct disk_image *d;
	struct blk_dev *b;
	struct virtio_blk_outhdr h = hdr(VIRTIO_BLK_T_IN, 0);
	struct vq_chain *c = chain_new();
	void *bogus = (void *)0x1000;	/* never dereferenced */
	u8 st = 0xee;

	make_file(path, tmpdir(), 8 * SZ_1G, false);
	d = disk_image_open(path, false, false);
	ck_assert_ptr_nonnull(d);
	b = blk_dev_new(d, NULL, NULL, 0);
	ck_assert_ptr_nonnull(b);

	add_out(c, &h, sizeof(h));
	add_in(c, bogus, 3 * SZ_1G);
	add_in(c, bogus, 2 * SZ_1G);
	add_in(c, &st, 1);
	ck_assert_uint_eq(virtio_blk_process(b, c), 1);
	ck_assert_uint_eq(st, IOERR);

	memset(c, 0, sizeof(*c));
	h = hdr(VIRTIO_BLK_T_OUT, 0);
	add_out(c, &h, sizeof(h));
	add_out(c, bogus, 4 * SZ_1G);
	add_in(c, &st, 1);
	st = 0xee;
	ck_assert_uint_eq(virtio_blk_process(b, c), 1);
	ck_assert_uint_eq(st, IOERR);

	free(c);
	blk_dev_free(b);
	unlink(path);
}
END_TEST

START_TEST(test_short_header)
{
	struct blk_dev *b = open_dev(false);
	struct virtio_blk_outhdr h = hdr(VIRTIO_BLK_T_OUT, 0);
	struct vq_chain *c = chain_new();
	u8 buf[512], st = 0xee;

	add_out(c, &h, 8);
	add_in(c, &st, 1);
	ck_assert_uint_eq(virtio_blk_process(b, c), 1);
	ck_assert_uint_eq(st, IOERR);

	/* No readable part at all. */
	memset(c, 0, sizeof(*c));
	add_in(c, buf, sizeof(buf));
	add_in(c, &st, 1);
	st = 0xee;
	ck_assert_uint_eq(virtio_blk_process(b, c), 1);
	ck_assert_uint_eq(st, IOERR);
	ck_assert(untouched(0, IMG_SIZE));
	free(c);
	blk_dev_free(b);
}
END_TEST

START_TEST(test_no_status)
{
	struct blk_dev *b = open_dev(false);
	struct virtio_blk_outhdr h = hdr(VIRTIO_BLK_T_OUT, 0);
	struct vq_chain *c = chain_new();
	u8 buf[512], st = 0xee;

	/* A write with nowhere to put the status is not performed. */
	memset(buf, 0x44, sizeof(buf));
	add_out(c, &h, sizeof(h));
	add_out(c, buf, sizeof(buf));
	ck_assert_uint_eq(virtio_blk_process(b, c), 0);

	/* Only empty writable segments. */
	add_in(c, &st, 0);
	add_in(c, &st, 0);
	ck_assert_uint_eq(virtio_blk_process(b, c), 0);
	ck_assert_uint_eq(st, 0xee);
	ck_assert(untouched(0, IMG_SIZE));

	/* Counts beyond the iovec array. */
	memset(c, 0, sizeof(*c));
	c->nr_out = 200;
	c->nr_in = 100;
	ck_assert_uint_eq(virtio_blk_process(b, c), 0);
	free(c);
	blk_dev_free(b);
}
END_TEST

START_TEST(test_unsupported)
{
	static const u32 types[] = {
		2 /* SCSI_CMD */, 3, 6, 10 /* GET_LIFETIME */,
		VIRTIO_BLK_T_SECURE_ERASE, 15, 16, 0x80000001 /* BARRIER|OUT */,
		0xffffffff,
	};
	struct blk_dev *b = open_dev(false);
	unsigned int i;
	u8 st;

	for (i = 0; i < ARRAY_SIZE(types); i++) {
		ck_assert_uint_eq(simple(b, types[i], 0, &st), 1);
		ck_assert_uint_eq(st, UNSUPP);
	}
	ck_assert(untouched(0, IMG_SIZE));
	blk_dev_free(b);
}
END_TEST

START_TEST(test_unaligned_length)
{
	struct blk_dev *b = open_dev(false);
	u8 buf[1024], st;

	ck_assert_uint_eq(do_read(b, 0, buf, 100, &st), 1);
	ck_assert_uint_eq(st, IOERR);
	memset(buf, 0x55, sizeof(buf));
	ck_assert_uint_eq(do_write(b, 0, buf, 513, &st), 1);
	ck_assert_uint_eq(st, IOERR);
	do_write(b, 0, buf, 511, &st);
	ck_assert_uint_eq(st, IOERR);
	ck_assert(untouched(0, IMG_SIZE));
	blk_dev_free(b);
}
END_TEST

/* O_DIRECT with buffers the kernel refuses: through the page cache. */
START_TEST(test_direct)
{
	struct disk_image *d = disk_image_open(img, false, true);
	struct blk_dev *b;
	u8 *raw = malloc(8192 + 1), *buf = raw + 1, st;

	ck_assert_ptr_nonnull(d);
	b = blk_dev_new(d, NULL, NULL, 0);
	ck_assert_ptr_nonnull(b);
	memset(buf, 0x66, 4096);
	ck_assert_uint_eq(do_write(b, 1, buf, 4096, &st), 1);
	ck_assert_uint_eq(st, OK);
	ck_assert_uint_eq(simple(b, VIRTIO_BLK_T_FLUSH, 0, &st), 1);
	ck_assert_uint_eq(st, OK);
	memset(buf, 0, 8192);
	ck_assert_uint_eq(do_read(b, 0, buf, 8192, &st), 8193);
	ck_assert_uint_eq(st, OK);
	ck_assert(is_pat(buf, 0, 512));
	ck_assert(is_byte(buf + 512, 0x66, 4096));
	ck_assert(is_pat(buf + 4608, 4608, 8192 - 4608));
	ck_assert(all_bytes(512, 4096, 0x66));
	free(raw);
	blk_dev_free(b);
}
END_TEST

/* --- Concurrency. --- */

#define NR_THREADS	6
#define PER_THREAD	64	/* sectors each thread owns */

struct thr {
	struct blk_dev	*b;
	int		idx;
	int		errors;
};

static void *writer(void *arg)
{
	struct thr *t = arg;
	u8 buf[4 * 512], st;
	int i, n;

	for (i = 0; i < 300; i++) {
		u64 sector = (u64)t->idx * PER_THREAD + (i * 5) % (PER_THREAD - 3);

		n = 1 + i % 4;
		memset(buf, (t->idx << 4) | (i & 0xf), sizeof(buf));
		if (do_write(t->b, sector, buf, n * 512, &st) != 1 || st != OK)
			t->errors++;
		if (i % 25 == 0 &&
		    (simple(t->b, VIRTIO_BLK_T_FLUSH, 0, &st) != 1 || st != OK))
			t->errors++;
		if (i % 7 == 0 &&
		    (do_read(t->b, sector, buf, n * 512, &st) != (u32)n * 512 + 1 ||
		     st != OK || buf[0] != (u8)((t->idx << 4) | (i & 0xf))))
			t->errors++;
	}
	/* Leave a known final pattern over the whole range. */
	memset(buf, 0xc0 | t->idx, sizeof(buf));
	for (i = 0; i < PER_THREAD; i += 4)
		if (do_write(t->b, (u64)t->idx * PER_THREAD + i, buf,
			     sizeof(buf), &st) != 1 || st != OK)
			t->errors++;
	if (simple(t->b, VIRTIO_BLK_T_FLUSH, 0, &st) != 1 || st != OK)
		t->errors++;
	return NULL;
}

START_TEST(test_concurrent_process)
{
	struct blk_dev *b = open_dev(false);
	pthread_t th[NR_THREADS];
	struct thr t[NR_THREADS];
	int i;

	for (i = 0; i < NR_THREADS; i++) {
		t[i] = (struct thr){ .b = b, .idx = i };
		ck_assert_int_eq(pthread_create(&th[i], NULL, writer, &t[i]), 0);
	}
	for (i = 0; i < NR_THREADS; i++) {
		pthread_join(th[i], NULL);
		ck_assert_int_eq(t[i].errors, 0);
	}
	for (i = 0; i < NR_THREADS; i++)
		ck_assert(all_bytes((u64)i * PER_THREAD * 512, PER_THREAD * 512,
				    0xc0 | i));
	ck_assert(untouched(NR_THREADS * PER_THREAD * 512,
			    IMG_SIZE - NR_THREADS * PER_THREAD * 512));
	blk_dev_free(b);
}
END_TEST

/* A queue of prepared requests standing in for the virtqueue. */
struct fake_req {
	struct virtio_blk_outhdr hdr;
	u8		*data;
	u32		len;
	bool		in;
	u8		status;
	int		completions;
	u32		used;
};

struct fake_q {
	pthread_mutex_t	lock;
	struct fake_req	*req;
	int		nr;
	int		avail;		/* requests the "driver" made visible */
	int		next;
	int		popped;
	int		completed;
	bool		forbid;		/* the queue is stopped */
	int		violations;
	/* Interrupts: signal() blocks while the gate is closed. */
	pthread_cond_t	gate_cond;
	bool		gate_closed;
	int		in_signal;
	int		signals;
};

static int fq_pop(void *opaque, struct vq_chain *c)
{
	struct fake_q *q = opaque;
	struct fake_req *r;

	pthread_mutex_lock(&q->lock);
	if (q->forbid)
		q->violations++;
	if (q->next >= q->avail) {
		pthread_mutex_unlock(&q->lock);
		return 0;
	}
	r = &q->req[q->next];
	memset(c, 0, offsetof(struct vq_chain, iov));
	c->head = q->next++;
	q->popped++;
	pthread_mutex_unlock(&q->lock);

	add_out(c, &r->hdr, sizeof(r->hdr));
	if (r->len && !r->in)
		add_out(c, r->data, r->len);
	if (r->len && r->in)
		add_in(c, r->data, r->len);
	add_in(c, &r->status, 1);
	return 1;
}

static void fq_push(void *opaque, u16 head, u32 len)
{
	struct fake_q *q = opaque;

	pthread_mutex_lock(&q->lock);
	if (q->forbid)
		q->violations++;
	q->req[head].completions++;
	q->req[head].used = len;
	q->completed++;
	pthread_mutex_unlock(&q->lock);
}

static void fq_signal(void *opaque)
{
	struct fake_q *q = opaque;

	pthread_mutex_lock(&q->lock);
	q->in_signal++;
	while (q->gate_closed)
		pthread_cond_wait(&q->gate_cond, &q->lock);
	pthread_mutex_unlock(&q->lock);
	usleep(10);	/* a drain that does not wait for us would see it */
	pthread_mutex_lock(&q->lock);
	q->in_signal--;
	q->signals++;
	pthread_mutex_unlock(&q->lock);
}

static void fq_gate(struct fake_q *q, bool closed)
{
	pthread_mutex_lock(&q->lock);
	q->gate_closed = closed;
	pthread_cond_broadcast(&q->gate_cond);
	pthread_mutex_unlock(&q->lock);
}

static bool fq_has_work(void *opaque)
{
	struct fake_q *q = opaque;
	bool ret;

	pthread_mutex_lock(&q->lock);
	ret = q->next < q->avail;
	pthread_mutex_unlock(&q->lock);
	return ret;
}

static const struct blk_queue_ops fq_ops = {
	.pop = fq_pop, .push = fq_push, .signal = fq_signal,
	.has_work = fq_has_work,
};

#define FQ_WRITE_SECTORS	1024	/* request i writes sector i % 1024 */

/* Request i: writes of sector (i % 1024), a flush every 16th, a read of
 * the untouched tail every 5th, an unsupported one every 97th. */
static void fq_init(struct fake_q *q, int nr)
{
	int i;

	memset(q, 0, sizeof(*q));
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->gate_cond, NULL);
	q->req = calloc(nr, sizeof(*q->req));
	ck_assert_ptr_nonnull(q->req);
	q->nr = q->avail = nr;
	for (i = 0; i < nr; i++) {
		struct fake_req *r = &q->req[i];

		r->status = 0xee;
		if (i % 97 == 96) {
			r->hdr = hdr(42, 0);
		} else if (i % 16 == 15) {
			r->hdr = hdr(VIRTIO_BLK_T_FLUSH, 0);
		} else if (i % 5 == 4) {
			r->hdr = hdr(VIRTIO_BLK_T_IN,
				     FQ_WRITE_SECTORS + i % (IMG_SECTORS - FQ_WRITE_SECTORS));
			r->in = true;
			r->len = 512;
		} else {
			r->hdr = hdr(VIRTIO_BLK_T_OUT, i % FQ_WRITE_SECTORS);
			r->len = 512;
		}
		if (r->len) {
			u64 off = le64toh(r->hdr.sector) * 512;
			u32 j;

			/* Writes of one sector all carry the same data: they
			 * may run in any order. */
			r->data = malloc(r->len);
			ck_assert_ptr_nonnull(r->data);
			for (j = 0; j < r->len; j++)
				r->data[j] = r->in ? 0 : inv(off + j);
		}
	}
}

/* A sector the fake queue wrote holds the inverted pattern. */
static bool written_ok(u64 sector)
{
	u8 buf[512];
	int fd = open(img, O_RDONLY);
	unsigned int i;
	bool ok = true;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread_in_full(fd, buf, 512, sector * 512), 512);
	for (i = 0; i < 512 && ok; i++)
		ok = buf[i] == inv(sector * 512 + i);
	close(fd);
	return ok;
}

/* Every request completed exactly once, correctly. */
static void fq_check(struct fake_q *q)
{
	int i;

	ck_assert_int_eq(q->completed, q->nr);
	ck_assert_int_eq(q->violations, 0);
	/* Each completion was signalled, and none is still on its way. */
	ck_assert_int_eq(q->in_signal, 0);
	ck_assert_int_eq(q->signals, q->nr);
	for (i = 0; i < q->nr; i++) {
		struct fake_req *r = &q->req[i];
		u32 type = le32toh(r->hdr.type);

		ck_assert_int_eq(r->completions, 1);
		if (type == 42) {
			ck_assert_uint_eq(r->status, UNSUPP);
			continue;
		}
		ck_assert_uint_eq(r->status, OK);
		ck_assert_uint_eq(r->used, r->in ? r->len + 1 : 1);
		if (r->in) {
			u64 off = le64toh(r->hdr.sector) * 512;

			ck_assert(is_pat(r->data, off, r->len));
		} else if (r->len) {
			ck_assert(written_ok(le64toh(r->hdr.sector)));
		}
	}
}

static void fq_free(struct fake_q *q)
{
	int i;

	for (i = 0; i < q->nr; i++)
		free(q->req[i].data);
	free(q->req);
	pthread_cond_destroy(&q->gate_cond);
	pthread_mutex_destroy(&q->lock);
}

START_TEST(test_pool_drain)
{
	struct disk_image *d = disk_image_open(img, false, false);
	struct fake_q q;
	struct blk_dev *b;
	int nr = 3000;

	fq_init(&q, nr);
	ck_assert_ptr_nonnull(d);
	b = blk_dev_new(d, &fq_ops, &q, BLK_NR_WORKERS);
	ck_assert_ptr_nonnull(b);

	/* Kicks before the queue is ready do nothing. */
	blk_dev_kick(b);
	usleep(20000);
	pthread_mutex_lock(&q.lock);
	ck_assert_int_eq(q.popped, 0);
	pthread_mutex_unlock(&q.lock);

	/* Drain alone gets the waiting requests done. */
	blk_dev_start(b);
	blk_dev_drain(b);
	fq_check(&q);
	ck_assert(untouched(FQ_WRITE_SECTORS * 512,
			    IMG_SIZE - FQ_WRITE_SECTORS * 512));
	blk_dev_free(b);
	fq_free(&q);
}
END_TEST

static bool wait_completed(struct fake_q *q, int nr)
{
	bool done;
	int i;

	for (i = 0; i < 50000; i++) {
		pthread_mutex_lock(&q->lock);
		done = q->completed >= nr;
		pthread_mutex_unlock(&q->lock);
		if (done)
			return true;
		usleep(200);
	}
	return false;
}

/* Enabling the queue does not look at it (the transport may still be
 * restoring its indices): the first kick does. */
START_TEST(test_pool_start)
{
	struct disk_image *d = disk_image_open(img, false, false);
	struct fake_q q;
	struct blk_dev *b;

	fq_init(&q, 500);
	ck_assert_ptr_nonnull(d);
	b = blk_dev_new(d, &fq_ops, &q, 2);
	ck_assert_ptr_nonnull(b);
	blk_dev_kick(b);	/* not started: dropped */
	blk_dev_start(b);
	usleep(20000);
	pthread_mutex_lock(&q.lock);
	ck_assert_int_eq(q.popped, 0);
	pthread_mutex_unlock(&q.lock);
	blk_dev_kick(b);
	ck_assert(wait_completed(&q, q.nr));
	blk_dev_drain(b);
	fq_check(&q);
	blk_dev_free(b);
	fq_free(&q);
}
END_TEST

START_TEST(test_pool_kicks)
{
	struct disk_image *d = disk_image_open(img, false, false);
	struct fake_q q;
	struct blk_dev *b;
	int i, nr = 400;

	fq_init(&q, nr);
	q.avail = 0;
	ck_assert_ptr_nonnull(d);
	b = blk_dev_new(d, &fq_ops, &q, 3);
	ck_assert_ptr_nonnull(b);
	blk_dev_start(b);
	/* The "driver" adds requests one or a few at a time and kicks. */
	for (i = 0; i < nr; i += 1 + i % 3) {
		pthread_mutex_lock(&q.lock);
		q.avail = min_t(int, i + 1 + i % 3, nr);
		pthread_mutex_unlock(&q.lock);
		blk_dev_kick(b);
		if (i % 50 == 0)
			usleep(1000);
	}
	/* The kicks alone get everything done. */
	ck_assert(wait_completed(&q, nr));
	blk_dev_drain(b);
	fq_check(&q);
	blk_dev_free(b);
	fq_free(&q);
}
END_TEST

START_TEST(test_pool_stop_restart)
{
	struct disk_image *d = disk_image_open(img, false, false);
	struct fake_q q;
	struct blk_dev *b;
	int popped, completed;

	fq_init(&q, 4000);
	ck_assert_ptr_nonnull(d);
	b = blk_dev_new(d, &fq_ops, &q, BLK_NR_WORKERS);
	ck_assert_ptr_nonnull(b);
	blk_dev_start(b);
	blk_dev_kick(b);
	ck_assert(wait_completed(&q, 50));
	blk_dev_stop(b);

	/* Every chain taken was completed, and the queue is left alone. */
	pthread_mutex_lock(&q.lock);
	ck_assert_int_eq(q.popped, q.completed);
	ck_assert_int_lt(q.completed, q.nr);
	q.forbid = true;
	popped = q.popped;
	completed = q.completed;
	pthread_mutex_unlock(&q.lock);
	blk_dev_kick(b);
	blk_dev_drain(b);	/* stopped: returns at once */
	usleep(20000);
	pthread_mutex_lock(&q.lock);
	ck_assert_int_eq(q.violations, 0);
	ck_assert_int_eq(q.popped, popped);
	ck_assert_int_eq(q.completed, completed);
	q.forbid = false;
	pthread_mutex_unlock(&q.lock);

	blk_dev_stop(b);	/* twice is fine */
	blk_dev_start(b);
	blk_dev_drain(b);
	fq_check(&q);
	blk_dev_free(b);
	fq_free(&q);
}
END_TEST

static void *stop_thread(void *arg)
{
	blk_dev_stop(arg);
	return NULL;
}

/*
 * The transport may stop a queue while holding a lock the interrupt path
 * takes: stop must not wait for a worker stuck delivering an interrupt.
 */
START_TEST(test_pool_stop_while_signalling)
{
	struct disk_image *d = disk_image_open(img, false, false);
	struct fake_q q;
	struct blk_dev *b;
	pthread_t th;
	int i, in_signal = 0;
	void *ret;

	fq_init(&q, 200);
	ck_assert_ptr_nonnull(d);
	b = blk_dev_new(d, &fq_ops, &q, BLK_NR_WORKERS);
	ck_assert_ptr_nonnull(b);
	fq_gate(&q, true);
	blk_dev_start(b);
	blk_dev_kick(b);
	for (i = 0; i < 5000 && !in_signal; i++) {
		usleep(1000);
		pthread_mutex_lock(&q.lock);
		in_signal = q.in_signal;
		pthread_mutex_unlock(&q.lock);
	}
	ck_assert_int_gt(in_signal, 0);

	ck_assert_int_eq(pthread_create(&th, NULL, stop_thread, b), 0);
	for (i = 0; i < 5000 && pthread_tryjoin_np(th, &ret); i++)
		usleep(1000);
	fq_gate(&q, false);	/* do not leave a hung thread behind */
	ck_assert_int_lt(i, 5000);
	pthread_mutex_lock(&q.lock);
	ck_assert_int_eq(q.popped, q.completed);
	pthread_mutex_unlock(&q.lock);

	blk_dev_start(b);
	blk_dev_drain(b);
	fq_check(&q);
	blk_dev_free(b);
	fq_free(&q);
}
END_TEST

START_TEST(test_pool_free_busy)
{
	struct disk_image *d = disk_image_open(img, false, false);
	struct fake_q q;
	struct blk_dev *b;

	fq_init(&q, 4000);
	ck_assert_ptr_nonnull(d);
	b = blk_dev_new(d, &fq_ops, &q, BLK_NR_WORKERS);
	ck_assert_ptr_nonnull(b);
	blk_dev_start(b);
	blk_dev_kick(b);
	ck_assert(wait_completed(&q, 10));
	blk_dev_free(b);
	ck_assert_int_eq(q.popped, q.completed);
	fq_free(&q);
}
END_TEST

/* --- The real virtqueue, in guest memory, without a transport. --- */

#define RQ_SIZE		64
#define RQ_DESC		0x1000ULL
#define RQ_AVAIL	0x2000ULL
#define RQ_USED		0x3000ULL
#define RQ_BUFS		0x10000ULL
#define RQ_SLOT		0x1000ULL	/* per request: hdr, data, status */
#define RQ_DATA_OFF	0x100
#define RQ_STATUS_OFF	0xf00

static int rq_signals;

static void rq_signal_vq(struct virtio_dev *vdev, u16 q)
{
	__atomic_add_fetch(&rq_signals, 1, __ATOMIC_SEQ_CST);
}

static void rq_signal_config(struct virtio_dev *vdev)
{
}

static const struct virtio_transport_ops rq_trans = {
	.signal_vq = rq_signal_vq, .signal_config = rq_signal_config,
};

struct ring {
	struct kvm		*kvm;
	struct vring_desc	*desc;
	struct vring_avail	*avail;
	struct vring_used	*used;
	u16			avail_idx;
};

static void rq_desc(struct ring *r, u16 i, u64 gpa, u32 len, u16 flags,
		    u16 next)
{
	r->desc[i].addr = htole64(gpa);
	r->desc[i].len = htole32(len);
	r->desc[i].flags = htole16(flags);
	r->desc[i].next = htole16(next);
}

/* Request @slot as descriptors 3 * slot .. 3 * slot + 2. */
static void rq_add(struct ring *r, u16 slot, u32 type, u64 sector,
		   u32 data_len, bool data_in)
{
	u64 base = RQ_BUFS + slot * RQ_SLOT;
	struct virtio_blk_outhdr *h = guest_ptr(r->kvm, base, sizeof(*h));
	u16 d = 3 * slot;

	*h = hdr(type, sector);
	*(u8 *)guest_ptr(r->kvm, base + RQ_STATUS_OFF, 1) = 0xee;
	rq_desc(r, d, base, sizeof(*h), VRING_DESC_F_NEXT, d + 1);
	rq_desc(r, d + 1, base + RQ_DATA_OFF, data_len,
		VRING_DESC_F_NEXT | (data_in ? VRING_DESC_F_WRITE : 0), d + 2);
	rq_desc(r, d + 2, base + RQ_STATUS_OFF, 1, VRING_DESC_F_WRITE, 0);
	r->avail->ring[r->avail_idx % RQ_SIZE] = htole16(d);
	r->avail_idx++;
}

static void rq_publish(struct ring *r)
{
	__atomic_store_n(&r->avail->idx, htole16(r->avail_idx),
			 __ATOMIC_RELEASE);
}

static bool rq_wait(struct ring *r, u16 idx)
{
	int i;

	for (i = 0; i < 10000; i++) {
		if (__atomic_load_n(&r->used->idx, __ATOMIC_ACQUIRE) == idx)
			return true;
		usleep(500);
	}
	return false;
}

static u8 *rq_buf(struct ring *r, u16 slot, u64 off)
{
	return guest_ptr(r->kvm, RQ_BUFS + slot * RQ_SLOT + off, 1);
}

static void run_ring(bool event_idx)
{
	struct kvm *kvm = unit_kvm_new(SZ_1M);
	struct disk_image *d = disk_image_open(img, false, false);
	struct virt_queue *vq;
	struct virtio_dev *vdev;
	struct blk_dev *b;
	struct ring r = { .kvm = kvm };
	bool seen[RQ_SIZE] = { false };
	u16 i, id;

	ck_assert_ptr_nonnull(d);
	b = blk_dev_new_vq(d, BLK_NR_WORKERS);
	ck_assert_ptr_nonnull(b);
	vdev = blk_dev_vdev(b);
	vdev->kvm = kvm;
	vdev->trans = &rq_trans;
	vq = &vdev->vq[0];
	pthread_mutex_init(&vq->lock, NULL);
	virtq_reset(vq);
	vq->size = RQ_SIZE;
	vq->desc_gpa = RQ_DESC;
	vq->avail_gpa = RQ_AVAIL;
	vq->used_gpa = RQ_USED;
	ck_assert(virtq_enable(vq, kvm, event_idx));
	r.desc = guest_ptr(kvm, RQ_DESC, 16 * RQ_SIZE);
	r.avail = guest_ptr(kvm, RQ_AVAIL, 6 + 2 * RQ_SIZE);
	r.used = guest_ptr(kvm, RQ_USED, 6 + 8 * RQ_SIZE);
	vdev->ops->queue_ready(vdev, 0);

	/* Sixteen writes, one kick. */
	for (i = 0; i < 16; i++) {
		memset(rq_buf(&r, i, RQ_DATA_OFF), 0x40 + i, 1024);
		rq_add(&r, i, VIRTIO_BLK_T_OUT, 2 * i, 1024, false);
	}
	rq_publish(&r);
	vdev->ops->queue_notify(vdev, 0);
	ck_assert(rq_wait(&r, 16));
	for (i = 0; i < 16; i++) {
		id = le32toh(r.used->ring[i].id);
		ck_assert_uint_eq(id % 3, 0);
		ck_assert_uint_lt(id, 48);
		ck_assert(!seen[id / 3]);
		seen[id / 3] = true;
		ck_assert_uint_eq(le32toh(r.used->ring[i].len), 1);
		ck_assert_uint_eq(*rq_buf(&r, id / 3, RQ_STATUS_OFF), OK);
		ck_assert(all_bytes(2 * (id / 3) * 512, 1024, 0x40 + id / 3));
	}

	/* Reads back, a GET_ID and a chain outside guest memory. */
	for (i = 0; i < 16; i++) {
		memset(rq_buf(&r, i, RQ_DATA_OFF), 0, 1024);
		rq_add(&r, i, VIRTIO_BLK_T_IN, 2 * i, 1024, true);
	}
	rq_add(&r, 16, VIRTIO_BLK_T_GET_ID, 0, DISK_ID_BYTES, true);
	rq_desc(&r, 51, 0x7fff0000, 16, 0, 0);
	r.avail->ring[r.avail_idx++ % RQ_SIZE] = htole16(51);
	rq_publish(&r);
	vdev->ops->queue_notify(vdev, 0);
	ck_assert(rq_wait(&r, 34));
	for (i = 16; i < 34; i++) {
		id = le32toh(r.used->ring[i % RQ_SIZE].id);
		if (id == 51) {
			ck_assert_uint_eq(le32toh(r.used->ring[i % RQ_SIZE].len), 0);
			continue;
		}
		ck_assert_uint_eq(*rq_buf(&r, id / 3, RQ_STATUS_OFF), OK);
		if (id == 48) {
			ck_assert_uint_eq(le32toh(r.used->ring[i % RQ_SIZE].len),
					  DISK_ID_BYTES + 1);
			ck_assert(!memcmp(rq_buf(&r, 16, RQ_DATA_OFF), d->id,
					  DISK_ID_BYTES));
			continue;
		}
		ck_assert_uint_eq(le32toh(r.used->ring[i % RQ_SIZE].len), 1025);
		ck_assert(is_byte(rq_buf(&r, id / 3, RQ_DATA_OFF),
				  0x40 + id / 3, 1024));
	}
	ck_assert_int_gt(__atomic_load_n(&rq_signals, __ATOMIC_SEQ_CST), 0);

	/* Stopped: no worker is at the ring any more.  With event indexes,
	 * the device asked to be kicked for the next request. */
	vdev->ops->queue_stop(vdev, 0);
	if (event_idx)
		ck_assert_uint_eq(le16toh(*(u16 *)&r.used->ring[RQ_SIZE]), 34);
	vdev->ops->exit(vdev);	/* frees the device */
	unit_kvm_free(kvm);
}

START_TEST(test_virtqueue)
{
	run_ring(false);
}
END_TEST

START_TEST(test_virtqueue_event_idx)
{
	run_ring(true);
}
END_TEST

/* --- virtio_blk__init up to the transport. --- */

START_TEST(test_init_errors)
{
	struct kvm *kvm = unit_kvm_new(0);
	char dir[PATH_MAX];

	ck_assert_int_eq(virtio_blk__init(kvm), 0);

	kvm->cfg.nr_disks = 1;
	kvm->cfg.disk[0].path = "/nonexistent/lkvm.img";
	ck_assert_int_lt(virtio_blk__init(kvm), 0);

	snprintf(dir, sizeof(dir), "%s/lkvm-blk-dir-XXXXXX", tmpdir());
	ck_assert_ptr_nonnull(mkdtemp(dir));
	kvm->cfg.disk[0].path = dir;
	ck_assert_int_lt(virtio_blk__init(kvm), 0);
	rmdir(dir);

	ck_assert(list_empty(&kvm->devices));
	virtio_blk__drain(kvm);
	unit_kvm_free(kvm);
}
END_TEST

static Suite *blk_suite(void)
{
	Suite *s = suite_create("virtio-blk");
	TCase *tc = tcase_create("image");
	TCase *tr = tcase_create("requests");
	TCase *tp = tcase_create("threads");

	tcase_add_unchecked_fixture(tc, dirs_setup, dirs_teardown);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_open_errors);
	tcase_add_test(tc, test_open_unaligned_size);
	tcase_add_test(tc, test_lock);
	tcase_add_test(tc, test_id_stable);
	tcase_add_test(tc, test_backend_ranges);
	tcase_add_test(tc, test_write_zeroes_fallback);
	tcase_add_test(tc, test_init_errors);
	suite_add_tcase(s, tc);

	tcase_add_unchecked_fixture(tr, dirs_setup, dirs_teardown);
	tcase_add_checked_fixture(tr, setup, teardown);
	tcase_add_test(tr, test_config_features);
	tcase_add_test(tr, test_read);
	tcase_add_test(tr, test_write);
	tcase_add_test(tr, test_header_bytewise);
	tcase_add_test(tr, test_flush);
	tcase_add_test(tr, test_get_id);
	tcase_add_test(tr, test_discard);
	tcase_add_test(tr, test_write_zeroes);
	tcase_add_test(tr, test_readonly);
	tcase_add_test(tr, test_out_of_range);
	tcase_add_test(tr, test_overflow);
	tcase_add_test(tr, test_huge_request);
	tcase_add_test(tr, test_short_header);
	tcase_add_test(tr, test_no_status);
	tcase_add_test(tr, test_unsupported);
	tcase_add_test(tr, test_unaligned_length);
	tcase_add_test(tr, test_direct);
	suite_add_tcase(s, tr);

	tcase_add_unchecked_fixture(tp, dirs_setup, dirs_teardown);
	tcase_add_checked_fixture(tp, setup, teardown);
	tcase_set_timeout(tp, 60);
	tcase_add_test(tp, test_concurrent_process);
	tcase_add_test(tp, test_pool_drain);
	tcase_add_test(tp, test_pool_start);
	tcase_add_test(tp, test_pool_kicks);
	tcase_add_test(tp, test_pool_stop_restart);
	tcase_add_test(tp, test_pool_stop_while_signalling);
	tcase_add_test(tp, test_pool_free_busy);
	tcase_add_test(tp, test_virtqueue);
	tcase_add_test(tp, test_virtqueue_event_idx);
	suite_add_tcase(s, tp);
	return s;
}

UNIT_MAIN(blk_suite)
