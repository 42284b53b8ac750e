// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-blk: one device per -d disk image (virtio 1.2, section 5.2).
 *
 * Requests are processed off the vCPU and ioeventfd threads by a small
 * pool of I/O threads per device.  A kick only flags the device and wakes
 * one worker; a worker pops a chain, does the I/O directly on the chain's
 * iovecs, pushes the used element, then signals.  Requests complete in any
 * order.  queue_stop waits for the workers to be out of the queue (pop to
 * push), not for their interrupts; virtio_blk__drain() waits for both and
 * for the queue to be empty.  queue_ready does not look at the ring (a
 * restore sets its indices after it): kicks, and restore, do.
 *
 * Durability: a write is pushed only after pwritev() transferred all of
 * it.  A FLUSH waits for the writes in progress in this device (which
 * includes every write completed or submitted before it), holding back
 * writes that start after it, then calls fdatasync().
 *
 * Everything the guest wrote is copied once before being validated (the
 * header, discard segments); data buffers are only ever handed to the
 * kernel.  A request the device cannot make sense of gets an error status,
 * or, when it has no status byte at all, is returned with length 0.
 */
#include <endian.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_ids.h>

#include "kvm/devices.h"
#include "kvm/disk-image.h"
#include "kvm/kvm.h"
#include "kvm/util.h"
#include "kvm/virtio.h"

#define VIRTIO_BLK_T_FLUSH_OUT	5	/* legacy synonym of FLUSH */
#define PCI_CLASS_STORAGE_OTHER	0x018000
#define BLK_HDR_SIZE		sizeof(struct virtio_blk_outhdr)
#define BLK_SEG_SIZE		sizeof(struct virtio_blk_discard_write_zeroes)
#define BLK_MAX_SEGS		max_t(u32, BLK_MAX_DISCARD_SEG, BLK_MAX_WZEROES_SEG)
/* Up to write_zeroes_may_unmap and its padding: no secure erase/zoned. */
#define BLK_CONFIG_SIZE		(offsetof(struct virtio_blk_config, unused1) + \
				 sizeof(((struct virtio_blk_config *)0)->unused1))

_Static_assert(DISK_ID_BYTES == VIRTIO_BLK_ID_BYTES, "serial number size");
_Static_assert(BLK_QUEUE_SIZE <= VQ_MAX_SIZE, "queue size");
/* seg_max counts data segments: the header and status take two more. */
_Static_assert(BLK_SEG_MAX + 2 <= VQ_MAX_SEGS, "seg_max");

struct blk_worker {
	struct blk_dev		*b;
	pthread_t		thread;
	struct vq_chain		chain;
};

struct blk_dev {
	struct virtio_dev	vdev;
	/* In the VM's device list: lets virtio_blk__drain() find us. */
	struct vm_device	io_dev;
	struct disk_image	*disk;
	u64			capacity;	/* 512-byte sectors */
	u64			features;
	struct virtio_blk_config config;	/* little-endian */

	const struct blk_queue_ops *qops;
	void			*qopaque;

	/* Writes (and discards) against flushes. */
	pthread_mutex_t		wlock;
	pthread_cond_t		wcond;
	unsigned int		writes;		/* in progress */
	unsigned int		flushes;	/* waiting for them to end */

	/* Worker pool, under lock. */
	pthread_mutex_t		lock;
	pthread_cond_t		work_cond;	/* idle workers wait here */
	pthread_cond_t		idle_cond;	/* stop and drain wait here */
	bool			running;	/* workers may pop */
	bool			kicked;		/* the queue may hold chains */
	bool			exiting;
	unsigned int		busy;		/* between pop and push */
	unsigned int		signalling;	/* in qops->signal */
	unsigned int		idle;		/* waiting for a kick */
	u64			popped;		/* chains taken */
	u64			rounds;		/* pop attempts finished */
	unsigned int		nr_workers;
	struct blk_worker	*workers;

	atomic_bool		error_logged;
	bool			torn_down;
	int			refs;		/* transport + io_dev */
};

/* --- iovec helpers. --- */

static size_t iov_total(const struct iovec *iov, int n)
{
	size_t len = 0;
	int i;

	for (i = 0; i < n; i++)
		len += iov[i].iov_len;
	return len;
}

/* The last byte of the device-writable part: the status byte. */
static u8 *last_byte(const struct iovec *iov, int n)
{
	while (n-- > 0) {
		if (iov[n].iov_len)
			return (u8 *)iov[n].iov_base + iov[n].iov_len - 1;
	}
	return NULL;
}

/* @dst = bytes [off, off + len) of @src, without empty entries. */
static int iov_slice(const struct iovec *src, int n, size_t off, size_t len,
		     struct iovec *dst)
{
	int i, k = 0;

	for (i = 0; i < n && len; i++) {
		size_t l = src[i].iov_len;

		if (off >= l) {
			off -= l;
			continue;
		}
		l = min_t(size_t, l - off, len);
		dst[k].iov_base = (u8 *)src[i].iov_base + off;
		dst[k].iov_len = l;
		k++;
		len -= l;
		off = 0;
	}
	return k;
}

static size_t copy_from_iov(void *buf, const struct iovec *iov, int n,
			    size_t off, size_t len)
{
	struct iovec seg[VQ_MAX_SEGS];
	size_t done = 0;
	int i, k;

	k = iov_slice(iov, n, off, len, seg);
	for (i = 0; i < k; i++) {
		memcpy((u8 *)buf + done, seg[i].iov_base, seg[i].iov_len);
		done += seg[i].iov_len;
	}
	return done;
}

static size_t copy_to_iov(const struct iovec *iov, int n, const void *buf,
			  size_t len)
{
	struct iovec seg[VQ_MAX_SEGS];
	size_t done = 0;
	int i, k;

	k = iov_slice(iov, n, 0, len, seg);
	for (i = 0; i < k; i++) {
		memcpy(seg[i].iov_base, (const u8 *)buf + done, seg[i].iov_len);
		done += seg[i].iov_len;
	}
	return done;
}

/* --- Requests. --- */

static void log_io_error(struct blk_dev *b, const char *what, u64 sector,
			 int err)
{
	/* Once per device: a failing disk must not flood the log. */
	if (!atomic_exchange(&b->error_logged, true))
		pr_err("-d %s: %s at sector %llu failed: %s", b->disk->path,
		       what, (unsigned long long)sector, strerror(-err));
}

/* [sector, sector + nr) lies on the disk (no overflow possible). */
static bool sectors_ok(struct blk_dev *b, u64 sector, u64 nr)
{
	return sector <= b->capacity && nr <= b->capacity - sector;
}

/* A data transfer of @len bytes at @sector. */
static bool transfer_ok(struct blk_dev *b, u64 sector, size_t len)
{
	if (len % DISK_SECTOR_SIZE)
		return false;
	/* The used length (data + status) must fit in 32 bits. */
	if (len > UINT32_MAX - 1)
		return false;
	return sectors_ok(b, sector, len >> DISK_SECTOR_SHIFT);
}

static void write_begin(struct blk_dev *b)
{
	pthread_mutex_lock(&b->wlock);
	while (b->flushes)
		pthread_cond_wait(&b->wcond, &b->wlock);
	b->writes++;
	pthread_mutex_unlock(&b->wlock);
}

static void write_end(struct blk_dev *b)
{
	pthread_mutex_lock(&b->wlock);
	if (!--b->writes && b->flushes)
		pthread_cond_broadcast(&b->wcond);
	pthread_mutex_unlock(&b->wlock);
}

static u8 blk_read(struct blk_dev *b, u64 sector, const struct iovec *in,
		   int nr_in, size_t len, u32 *written)
{
	struct iovec data[VQ_MAX_SEGS];
	int n, ret;

	if (!transfer_ok(b, sector, len))
		return VIRTIO_BLK_S_IOERR;
	n = iov_slice(in, nr_in, 0, len, data);
	ret = disk_image_readv(b->disk, sector << DISK_SECTOR_SHIFT, data, n);
	if (ret) {
		log_io_error(b, "read", sector, ret);
		return VIRTIO_BLK_S_IOERR;
	}
	*written = len;
	return VIRTIO_BLK_S_OK;
}

static u8 blk_write(struct blk_dev *b, u64 sector, const struct iovec *out,
		    int nr_out, size_t len)
{
	struct iovec data[VQ_MAX_SEGS];
	int n, ret;

	if (b->disk->readonly || !transfer_ok(b, sector, len))
		return VIRTIO_BLK_S_IOERR;
	n = iov_slice(out, nr_out, BLK_HDR_SIZE, len, data);
	write_begin(b);
	ret = disk_image_writev(b->disk, sector << DISK_SECTOR_SHIFT, data, n);
	write_end(b);
	if (ret) {
		log_io_error(b, "write", sector, ret);
		return VIRTIO_BLK_S_IOERR;
	}
	return VIRTIO_BLK_S_OK;
}

static u8 blk_flush(struct blk_dev *b)
{
	int ret;

	/* Let the writes in progress end; later ones wait for us. */
	pthread_mutex_lock(&b->wlock);
	b->flushes++;
	while (b->writes)
		pthread_cond_wait(&b->wcond, &b->wlock);
	if (!--b->flushes)
		pthread_cond_broadcast(&b->wcond);
	pthread_mutex_unlock(&b->wlock);

	ret = disk_image_flush(b->disk);
	if (ret) {
		log_io_error(b, "flush", 0, ret);
		return VIRTIO_BLK_S_IOERR;
	}
	return VIRTIO_BLK_S_OK;
}

static u8 blk_get_id(struct blk_dev *b, const struct iovec *in, int nr_in,
		     size_t len, u32 *written)
{
	/* A short buffer gets what fits, and an error. */
	*written = copy_to_iov(in, nr_in, b->disk->id,
			       min_t(size_t, len, DISK_ID_BYTES));
	return len >= DISK_ID_BYTES ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
}

/* One segment of a discard or write zeroes, in host order. */
struct blk_range {
	u64	sector;
	u32	count;
	u32	flags;
};

static u8 blk_discard_wz(struct blk_dev *b, u32 type, const struct iovec *out,
			 int nr_out, size_t len)
{
	struct virtio_blk_discard_write_zeroes seg[BLK_MAX_SEGS];
	struct blk_range r[BLK_MAX_SEGS];
	bool wz = type == VIRTIO_BLK_T_WRITE_ZEROES;
	u32 max_seg = wz ? BLK_MAX_WZEROES_SEG : BLK_MAX_DISCARD_SEG;
	u32 max_sect = wz ? BLK_MAX_WZEROES_SECTORS : BLK_MAX_DISCARD_SECTORS;
	u32 flags_ok = wz ? VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP : 0;
	size_t i, nr;
	int ret = 0;

	if (b->disk->readonly)
		return VIRTIO_BLK_S_IOERR;
	if (!len || len % BLK_SEG_SIZE)
		return VIRTIO_BLK_S_IOERR;
	nr = len / BLK_SEG_SIZE;
	if (nr > max_seg)
		return VIRTIO_BLK_S_UNSUPP;
	copy_from_iov(seg, out, nr_out, BLK_HDR_SIZE, len);
	for (i = 0; i < nr; i++) {
		r[i].sector = le64toh(seg[i].sector);
		r[i].count = le32toh(seg[i].num_sectors);
		r[i].flags = le32toh(seg[i].flags);
	}

	/* Unknown flags (and UNMAP on a discard) first: UNSUPP. */
	for (i = 0; i < nr; i++)
		if (r[i].flags & ~flags_ok)
			return VIRTIO_BLK_S_UNSUPP;
	for (i = 0; i < nr; i++)
		if (r[i].count > max_sect ||
		    !sectors_ok(b, r[i].sector, r[i].count))
			return VIRTIO_BLK_S_IOERR;

	write_begin(b);
	for (i = 0; i < nr && !ret; i++) {
		u64 off = r[i].sector << DISK_SECTOR_SHIFT;
		u64 bytes = (u64)r[i].count << DISK_SECTOR_SHIFT;

		if (wz)
			ret = disk_image_write_zeroes(b->disk, off, bytes,
				r[i].flags & VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP);
		else
			ret = disk_image_discard(b->disk, off, bytes);
	}
	write_end(b);
	if (ret) {
		log_io_error(b, wz ? "write zeroes" : "discard",
			     r[i - 1].sector, ret);
		return VIRTIO_BLK_S_IOERR;
	}
	return VIRTIO_BLK_S_OK;
}

u32 virtio_blk_process(struct blk_dev *b, struct vq_chain *c)
{
	struct virtio_blk_outhdr hdr;
	const struct iovec *out = c->iov, *in;
	size_t out_len, in_len;
	u32 written = 0;
	u64 sector;
	u8 *status, st;

	if ((u32)c->nr_out + c->nr_in > VQ_MAX_SEGS) {
		pr_warn_once("-d %s: request with %u segments dropped",
			     b->disk->path, (u32)c->nr_out + c->nr_in);
		return 0;
	}
	in = c->iov + c->nr_out;
	out_len = iov_total(out, c->nr_out);
	in_len = iov_total(in, c->nr_in);
	status = last_byte(in, c->nr_in);
	if (!status) {
		pr_warn_once("-d %s: request without a status byte dropped",
			     b->disk->path);
		return 0;
	}
	if (out_len < BLK_HDR_SIZE) {
		st = VIRTIO_BLK_S_IOERR;
		goto done;
	}
	copy_from_iov(&hdr, out, c->nr_out, 0, BLK_HDR_SIZE);
	sector = le64toh(hdr.sector);

	switch (le32toh(hdr.type)) {
	case VIRTIO_BLK_T_IN:
		st = blk_read(b, sector, in, c->nr_in, in_len - 1, &written);
		break;
	case VIRTIO_BLK_T_OUT:
		st = blk_write(b, sector, out, c->nr_out,
			       out_len - BLK_HDR_SIZE);
		break;
	case VIRTIO_BLK_T_FLUSH:
	case VIRTIO_BLK_T_FLUSH_OUT:
		st = blk_flush(b);
		break;
	case VIRTIO_BLK_T_GET_ID:
		st = blk_get_id(b, in, c->nr_in, in_len - 1, &written);
		break;
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		st = blk_discard_wz(b, le32toh(hdr.type), out, c->nr_out,
				    out_len - BLK_HDR_SIZE);
		break;
	default:
		st = VIRTIO_BLK_S_UNSUPP;
		break;
	}
done:
	*status = st;
	return written + 1;
}

/* --- Worker pool. --- */

/* After taking a request: if more wait, let an idle worker have them. */
static void wake_helper(struct blk_dev *b)
{
	bool more;

	pthread_mutex_lock(&b->lock);
	if (!b->idle || b->kicked) {
		pthread_mutex_unlock(&b->lock);
		return;
	}
	pthread_mutex_unlock(&b->lock);
	more = b->qops->has_work(b->qopaque);
	pthread_mutex_lock(&b->lock);
	if (more && !b->kicked) {
		b->kicked = true;
		pthread_cond_signal(&b->work_cond);
	}
	pthread_mutex_unlock(&b->lock);
}

/*
 * A worker takes requests until the queue is empty or stopped.  "busy"
 * covers popping, processing and pushing one request: blk_dev_stop()
 * waits for it.  The interrupt comes after, outside busy, because the
 * transport may stop a queue while holding locks the interrupt path takes.
 */
static void *blk_worker(void *arg)
{
	struct blk_worker *w = arg;
	struct blk_dev *b = w->b;
	struct vq_chain *c = &w->chain;
	u32 len;
	int ret;

	pthread_mutex_lock(&b->lock);
	for (;;) {
		while (!b->exiting && !(b->running && b->kicked)) {
			b->idle++;
			pthread_cond_wait(&b->work_cond, &b->lock);
			b->idle--;
		}
		if (b->exiting)
			break;
		b->kicked = false;
		while (b->running) {
			b->busy++;
			pthread_mutex_unlock(&b->lock);
			ret = b->qops->pop(b->qopaque, c);
			if (ret > 0) {
				wake_helper(b);
				len = virtio_blk_process(b, c);
				b->qops->push(b->qopaque, c->head, len);
			}
			pthread_mutex_lock(&b->lock);
			b->busy--;
			b->rounds++;
			if (ret)
				b->popped++;
			pthread_cond_broadcast(&b->idle_cond);
			if (!ret)
				break;
			/* Pushed (or, ret < 0, returned by the queue itself). */
			b->signalling++;
			pthread_mutex_unlock(&b->lock);
			b->qops->signal(b->qopaque);
			pthread_mutex_lock(&b->lock);
			if (!--b->signalling)
				pthread_cond_broadcast(&b->idle_cond);
		}
	}
	pthread_mutex_unlock(&b->lock);
	return NULL;
}

void blk_dev_start(struct blk_dev *b)
{
	pthread_mutex_lock(&b->lock);
	b->running = true;
	pthread_mutex_unlock(&b->lock);
}

void blk_dev_kick(struct blk_dev *b)
{
	pthread_mutex_lock(&b->lock);
	/* A stopped queue is not ours to look at: blk_dev_start() does not
	 * look either, the next kick will. */
	if (b->running && !b->kicked) {
		b->kicked = true;
		pthread_cond_signal(&b->work_cond);
	}
	pthread_mutex_unlock(&b->lock);
}

void blk_dev_stop(struct blk_dev *b)
{
	pthread_mutex_lock(&b->lock);
	b->running = false;
	b->kicked = false;
	while (b->busy)
		pthread_cond_wait(&b->idle_cond, &b->lock);
	pthread_mutex_unlock(&b->lock);
}

void blk_dev_drain(struct blk_dev *b)
{
	u64 popped, rounds;
	bool work;

	if (!b->nr_workers)
		return;
	pthread_mutex_lock(&b->lock);
	for (;;) {
		while (b->busy || b->signalling)
			pthread_cond_wait(&b->idle_cond, &b->lock);
		if (!b->running || b->exiting)
			break;
		pthread_mutex_unlock(&b->lock);
		work = b->qops->has_work(b->qopaque);
		pthread_mutex_lock(&b->lock);
		if (b->busy || b->signalling)
			continue;
		if (!work)
			break;
		/* Chains wait and nobody is on them: hand them to a worker
		 * and wait for it to have tried. */
		popped = b->popped;
		rounds = b->rounds;
		b->kicked = true;
		pthread_cond_signal(&b->work_cond);
		while (b->rounds == rounds && b->running && !b->exiting)
			pthread_cond_wait(&b->idle_cond, &b->lock);
		if (b->rounds != rounds && b->popped == popped && !b->busy) {
			/* The queue says it has work but gives none. */
			pr_warn("-d %s: queue reports requests it does not hand out",
				b->disk->path);
			break;
		}
	}
	pthread_mutex_unlock(&b->lock);
}

/* Stop the workers for good (idempotent). */
static void blk_teardown(struct blk_dev *b)
{
	unsigned int i;

	if (b->torn_down)
		return;
	b->torn_down = true;
	blk_dev_stop(b);
	pthread_mutex_lock(&b->lock);
	b->exiting = true;
	pthread_cond_broadcast(&b->work_cond);
	pthread_mutex_unlock(&b->lock);
	for (i = 0; i < b->nr_workers; i++)
		pthread_join(b->workers[i].thread, NULL);
	b->nr_workers = 0;
}

static void blk_put(struct blk_dev *b)
{
	if (--b->refs > 0)
		return;
	blk_teardown(b);
	disk_image_close(b->disk);
	free(b->workers);
	pthread_cond_destroy(&b->idle_cond);
	pthread_cond_destroy(&b->work_cond);
	pthread_mutex_destroy(&b->lock);
	pthread_cond_destroy(&b->wcond);
	pthread_mutex_destroy(&b->wlock);
	free(b);
}

void blk_dev_free(struct blk_dev *b)
{
	if (!b)
		return;
	blk_teardown(b);
	blk_put(b);
}

static void blk_init_config(struct blk_dev *b)
{
	struct virtio_blk_config *cfg = &b->config;

	b->features = BIT_ULL(VIRTIO_BLK_F_SEG_MAX) |
		      BIT_ULL(VIRTIO_BLK_F_BLK_SIZE) |
		      BIT_ULL(VIRTIO_BLK_F_FLUSH);
	if (b->disk->readonly)
		b->features |= BIT_ULL(VIRTIO_BLK_F_RO);
	else
		b->features |= BIT_ULL(VIRTIO_BLK_F_DISCARD) |
			       BIT_ULL(VIRTIO_BLK_F_WRITE_ZEROES);

	memset(cfg, 0, sizeof(*cfg));
	cfg->capacity = htole64(b->capacity);
	cfg->seg_max = htole32(BLK_SEG_MAX);
	cfg->blk_size = htole32(DISK_SECTOR_SIZE);
	cfg->num_queues = htole16(1);
	cfg->max_discard_sectors = htole32(BLK_MAX_DISCARD_SECTORS);
	cfg->max_discard_seg = htole32(BLK_MAX_DISCARD_SEG);
	cfg->discard_sector_alignment = htole32(BLK_DISCARD_ALIGNMENT);
	cfg->max_write_zeroes_sectors = htole32(BLK_MAX_WZEROES_SECTORS);
	cfg->max_write_zeroes_seg = htole32(BLK_MAX_WZEROES_SEG);
	cfg->write_zeroes_may_unmap = 1;
}

struct blk_dev *blk_dev_new(struct disk_image *disk,
			    const struct blk_queue_ops *qops, void *opaque,
			    unsigned int nr_workers)
{
	struct blk_dev *b;
	unsigned int i;
	int ret;

	b = calloc(1, sizeof(*b));
	if (!b) {
		disk_image_close(disk);
		return NULL;
	}
	b->disk = disk;
	b->capacity = disk->size >> DISK_SECTOR_SHIFT;
	b->qops = qops;
	b->qopaque = opaque ? opaque : b;
	b->refs = 1;
	atomic_init(&b->error_logged, false);
	pthread_mutex_init(&b->wlock, NULL);
	pthread_cond_init(&b->wcond, NULL);
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->work_cond, NULL);
	pthread_cond_init(&b->idle_cond, NULL);
	INIT_LIST_HEAD(&b->io_dev.list);
	blk_init_config(b);

	if (!qops)
		nr_workers = 0;
	if (nr_workers) {
		b->workers = calloc(nr_workers, sizeof(*b->workers));
		if (!b->workers)
			goto fail;
	}
	for (i = 0; i < nr_workers; i++) {
		b->workers[i].b = b;
		ret = pthread_create(&b->workers[i].thread, NULL, blk_worker,
				     &b->workers[i]);
		if (ret) {
			pr_err("-d %s: cannot start an I/O thread: %s",
			       disk->path, strerror(ret));
			goto fail;
		}
		b->nr_workers++;
		pthread_setname_np(b->workers[i].thread, "lkvm-blk");
	}
	return b;

fail:
	blk_dev_free(b);
	return NULL;
}

u64 blk_dev_features(struct blk_dev *b)
{
	return b->features;
}

void blk_dev_config(struct blk_dev *b, struct virtio_blk_config *cfg)
{
	*cfg = b->config;
}

struct disk_image *blk_dev_disk(struct blk_dev *b)
{
	return b->disk;
}

/* --- The virtqueue behind the pool (virtq_* take the queue lock). --- */

static int vq_pop(void *opaque, struct vq_chain *c)
{
	struct blk_dev *b = opaque;
	struct virt_queue *vq = &b->vdev.vq[0];
	int ret;

	ret = virtq_pop(vq, c);
	if (!ret) {
		/* Ask for a kick before going idle, then look again: a
		 * chain added in between could come without one. */
		virtq_set_notify(vq, true);
		ret = virtq_pop(vq, c);
	}
	return ret;
}

static void vq_push(void *opaque, u16 head, u32 len)
{
	struct blk_dev *b = opaque;

	virtq_push(&b->vdev.vq[0], head, len);
}

static void vq_signal(void *opaque)
{
	struct blk_dev *b = opaque;

	virtio_signal_vq(&b->vdev, 0);
}

static bool vq_has_work(void *opaque)
{
	struct blk_dev *b = opaque;

	return virtq_has_work(&b->vdev.vq[0]);
}

static const struct blk_queue_ops blk_vq_ops = {
	.pop		= vq_pop,
	.push		= vq_push,
	.signal		= vq_signal,
	.has_work	= vq_has_work,
};

/* --- virtio device ops. --- */

static struct blk_dev *to_blk(struct virtio_dev *vdev)
{
	return container_of(vdev, struct blk_dev, vdev);
}

static u64 blk_get_features(struct virtio_dev *vdev)
{
	return to_blk(vdev)->features;
}

static bool blk_set_features(struct virtio_dev *vdev, u64 features)
{
	return true;
}

static void blk_config_access(struct virtio_dev *vdev, u32 off, u8 *data,
			      u32 len, bool is_write)
{
	struct blk_dev *b = to_blk(vdev);

	/* Nothing is writable (no CONFIG_WCE). */
	if (is_write)
		return;
	if (off >= BLK_CONFIG_SIZE || len > BLK_CONFIG_SIZE - off) {
		memset(data, 0, len);
		return;
	}
	memcpy(data, (u8 *)&b->config + off, len);
}

static void blk_queue_ready(struct virtio_dev *vdev, u16 q)
{
	if (!q)
		blk_dev_start(to_blk(vdev));
}

static void blk_queue_notify(struct virtio_dev *vdev, u16 q)
{
	if (!q)
		blk_dev_kick(to_blk(vdev));
}

static void blk_queue_stop(struct virtio_dev *vdev, u16 q)
{
	if (!q)
		blk_dev_stop(to_blk(vdev));
}

/* Requests are all completed before a snapshot: no state of our own. */
static int blk_save(struct virtio_dev *vdev, struct snapshot *snap,
		    const char *prefix)
{
	return 0;
}

/* Called once the transport restored the ring indices: look at the ring
 * (queue_ready came before them, so it could not). */
static int blk_restore(struct virtio_dev *vdev, struct snapshot *snap,
		       const char *prefix)
{
	blk_dev_kick(to_blk(vdev));
	return 0;
}

static void blk_exit(struct virtio_dev *vdev)
{
	struct blk_dev *b = to_blk(vdev);

	blk_teardown(b);
	blk_put(b);
}

static const struct virtio_dev_ops blk_virtio_ops = {
	.name		= "blk",
	.device_id	= VIRTIO_ID_BLOCK,
	.pci_class	= PCI_CLASS_STORAGE_OTHER,
	.nr_queues	= 1,
	.queue_size	= BLK_QUEUE_SIZE,
	.config_size	= BLK_CONFIG_SIZE,
	.get_features	= blk_get_features,
	.set_features	= blk_set_features,
	.config_access	= blk_config_access,
	.queue_ready	= blk_queue_ready,
	.queue_notify	= blk_queue_notify,
	.queue_stop	= blk_queue_stop,
	.save		= blk_save,
	.restore	= blk_restore,
	.exit		= blk_exit,
};

struct blk_dev *blk_dev_new_vq(struct disk_image *disk,
			       unsigned int nr_workers)
{
	struct blk_dev *b = blk_dev_new(disk, &blk_vq_ops, NULL, nr_workers);

	if (b) {
		b->vdev.ops = &blk_virtio_ops;
		b->vdev.priv = b;
	}
	return b;
}

struct virtio_dev *blk_dev_vdev(struct blk_dev *b)
{
	return &b->vdev;
}

/* --- The VM device: drain before snapshots, final teardown. --- */

static int blk_io_save(struct vm_device *dev, struct snapshot *snap)
{
	/* A safety net: virtio_blk__drain() should have run already. */
	blk_dev_drain(container_of(dev, struct blk_dev, io_dev));
	return 0;
}

static int blk_io_restore(struct vm_device *dev, struct snapshot *snap)
{
	return 0;
}

static void blk_io_exit(struct vm_device *dev)
{
	struct blk_dev *b = container_of(dev, struct blk_dev, io_dev);

	blk_teardown(b);
	blk_put(b);
}

static void blk_io_quiesce(struct vm_device *dev)
{
	blk_dev_drain(container_of(dev, struct blk_dev, io_dev));
}

static const struct vm_device_ops blk_io_ops = {
	.type		= "virtio-blk-io",
	.quiesce	= blk_io_quiesce,
	.save		= blk_io_save,
	.restore	= blk_io_restore,
	.exit		= blk_io_exit,
};

void virtio_blk__drain(struct kvm *kvm)
{
	struct vm_device *dev;

	if (!kvm->devices.next)
		return;
	list_for_each_entry(dev, &kvm->devices, list)
		if (dev->ops == &blk_io_ops)
			blk_dev_drain(container_of(dev, struct blk_dev, io_dev));
}

int virtio_blk__init(struct kvm *kvm)
{
	struct disk_image *disk;
	struct blk_dev *b;
	char name[32];
	int i, ret;

	for (i = 0; i < kvm->cfg.nr_disks; i++) {
		const struct disk_config *dc = &kvm->cfg.disk[i];

		if (!dc->path || !*dc->path) {
			pr_err("-d: disk %d has no path", i);
			return -EINVAL;
		}
		disk = disk_image_open(dc->path, dc->readonly, dc->direct);
		if (!disk)
			return errno ? -errno : -EINVAL;
		b = blk_dev_new(disk, &blk_vq_ops, NULL, BLK_NR_WORKERS);
		if (!b)
			return -ENOMEM;

		snprintf(b->io_dev.name, sizeof(b->io_dev.name),
			 "virtio-blk%d-io", i);
		b->io_dev.ops = &blk_io_ops;
		kvm__add_device(kvm, &b->io_dev);

		snprintf(name, sizeof(name), "virtio-blk%d", i);
		b->vdev.ops = &blk_virtio_ops;
		b->vdev.priv = b;
		ret = virtio_dev_init(kvm, &b->vdev, &blk_virtio_ops, b, name);
		if (ret) {
			list_del(&b->io_dev.list);
			blk_dev_free(b);
			return ret < 0 ? ret : -EINVAL;
		}
		b->refs = 2;	/* the transport's exit and io_dev's */
		pr_info("%s: %s, %llu sectors%s%s", name, dc->path,
			(unsigned long long)b->capacity,
			disk->readonly ? ", read-only" : "",
			disk->direct ? ", O_DIRECT" : "");
	}
	return 0;
}
