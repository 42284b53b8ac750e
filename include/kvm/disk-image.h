/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Disk images: a raw file or a block device behind a virtio-blk device.
 *
 * A disk image is opened once per -d option and locked (flock: exclusive
 * for read-write, shared for read-only) so that two VMs cannot write the
 * same image.  Its visible size is a whole number of 512-byte sectors.
 * Every I/O helper transfers the full length or fails with -errno; none of
 * them checks more than the byte range against the image size: request
 * validation is the device model's job.
 *
 * The second half of this header is the internal interface of the
 * virtio-blk device model (virtio/blk.c), exposed so that unit tests can
 * feed it hand-built descriptor chains without a guest.
 */
#ifndef KVM__DISK_IMAGE_H
#define KVM__DISK_IMAGE_H

#include <sys/uio.h>

#include "kvm/compiler.h"

#define DISK_SECTOR_SIZE	512
#define DISK_SECTOR_SHIFT	9
#define DISK_ID_BYTES		20	/* == VIRTIO_BLK_ID_BYTES */

struct disk_image {
	char		*path;
	int		fd;		/* O_DIRECT when direct */
	int		fd_buffered;	/* direct only: for unaligned I/O, or -1 */
	u64		size;		/* bytes, a multiple of 512 */
	bool		readonly;
	bool		direct;
	bool		blkdev;		/* a block device, not a regular file */
	/* Serial number: NUL-padded, not terminated when 20 bytes long. */
	char		id[DISK_ID_BYTES];
};

/*
 * Open and lock @path.  Returns NULL after one pr_err line naming the path
 * and the reason (missing, a directory, not a file or block device, empty,
 * in use by another process...).  With @direct, O_DIRECT is used when the
 * file system supports it (a warning otherwise), and I/O the kernel refuses
 * for alignment reasons goes through the page cache instead.
 */
struct disk_image *disk_image_open(const char *path, bool readonly,
				   bool direct);
void disk_image_close(struct disk_image *disk);

/*
 * Vectored I/O at byte offset @off, looping until every byte of @iov is
 * transferred.  @iov is used as scratch space and modified.  Returns 0, or
 * -ERANGE beyond the end of the image, -EROFS on a read-only image, or the
 * -errno of the failing system call (-EIO for an unexpected end of file).
 */
int disk_image_readv(struct disk_image *disk, u64 off, struct iovec *iov,
		     int iovcnt);
int disk_image_writev(struct disk_image *disk, u64 off, struct iovec *iov,
		      int iovcnt);
/* Make every completed write stable (fdatasync). */
int disk_image_flush(struct disk_image *disk);
/*
 * Deallocate a range: a hint, so success when the file system or device
 * cannot do it; what the range reads back afterwards is unspecified (zeroes
 * for a hole in a file).
 */
int disk_image_discard(struct disk_image *disk, u64 off, u64 len);
/*
 * Make a range read back as zeroes: punching a hole when @may_unmap,
 * otherwise (or when that is not supported) by zeroing the range in the
 * file system or device, and as a last resort by writing zeroes.
 */
int disk_image_write_zeroes(struct disk_image *disk, u64 off, u64 len,
			    bool may_unmap);

/* ------------------------------------------------------------------------
 * virtio-blk internals (virtio/blk.c).
 */
struct blk_dev;
struct kvm;
struct vq_chain;
struct virtio_blk_config;

#define BLK_NR_WORKERS		4	/* I/O threads per device */
#define BLK_QUEUE_SIZE		256
#define BLK_SEG_MAX		(BLK_QUEUE_SIZE - 2)	/* data segments */
#define BLK_MAX_DISCARD_SECTORS	(1U << 22)	/* 2 GiB per segment */
#define BLK_MAX_DISCARD_SEG	1
#define BLK_DISCARD_ALIGNMENT	8		/* sectors: 4 KiB */
#define BLK_MAX_WZEROES_SECTORS	(1U << 22)
#define BLK_MAX_WZEROES_SEG	1

/*
 * How the worker pool reaches its request queue: the device's virtqueue
 * in the VMM, a fake queue in unit tests.  Each callback is called without
 * any blk lock held, from several workers at once.
 */
struct blk_queue_ops {
	/* Next chain: 1 with @c filled, 0 when empty, < 0 for a chain the
	 * queue rejected (and already returned to the driver). */
	int	(*pop)(void *opaque, struct vq_chain *c);
	/* Return a processed chain with @len bytes written. */
	void	(*push)(void *opaque, u16 head, u32 len);
	/* Interrupt the driver if it wants one.  May run after
	 * blk_dev_stop() returned (never after blk_dev_drain() or
	 * blk_dev_free() returned), so it must cope with a stopped queue. */
	void	(*signal)(void *opaque);
	/* Whether chains are waiting (for drain). */
	bool	(*has_work)(void *opaque);
};

/*
 * Create a device model for @disk (which it then owns) with @nr_workers
 * I/O threads (0: requests are only processed by direct calls to
 * virtio_blk_process).  NULL on failure, @disk closed.
 */
struct blk_dev *blk_dev_new(struct disk_image *disk,
			    const struct blk_queue_ops *qops, void *opaque,
			    unsigned int nr_workers);
/* Stop the workers (finishing requests in progress), close the disk. */
void blk_dev_free(struct blk_dev *b);

/* The queue is usable: workers look at it after each kick.  (Not at once:
 * the transport may still be restoring the ring indices.) */
void blk_dev_start(struct blk_dev *b);
/* The guest added requests (queue_notify): wakes a worker, never blocks
 * on I/O. */
void blk_dev_kick(struct blk_dev *b);
/*
 * Stop taking requests and wait for those in progress to be pushed: the
 * queue is not popped or pushed once this returns, until blk_dev_start.
 * It does not wait for the interrupts of those last requests (see
 * blk_queue_ops.signal), so that a caller holding transport locks the
 * interrupt path needs cannot deadlock with a worker.
 */
void blk_dev_stop(struct blk_dev *b);
/* Wait until every request the queue holds has been completed and
 * signalled (while it is started), e.g. with the vCPUs paused before a
 * snapshot.  Must not be called with locks the signal path takes. */
void blk_dev_drain(struct blk_dev *b);

/*
 * Process one request chain: validate it, do the I/O and write the status
 * byte.  Returns the used length to push: bytes written into the
 * device-writable part (data and status), 0 when there is no status byte.
 * Thread-safe: several workers call it at once.
 */
u32 virtio_blk_process(struct blk_dev *b, struct vq_chain *c);

/*
 * A device model on the virtqueue vdev->vq[0] of its own struct
 * virtio_dev, without a transport: for tests, which set up the queue and
 * vdev->trans themselves.
 */
struct blk_dev *blk_dev_new_vq(struct disk_image *disk,
			       unsigned int nr_workers);
struct virtio_dev *blk_dev_vdev(struct blk_dev *b);

/* Feature bits offered and configuration space (little-endian). */
u64 blk_dev_features(struct blk_dev *b);
void blk_dev_config(struct blk_dev *b, struct virtio_blk_config *cfg);
struct disk_image *blk_dev_disk(struct blk_dev *b);

/*
 * Wait for every virtio-blk device of @kvm to complete the requests it
 * holds: call it with the vCPUs paused and before saving any device, vCPU
 * or interrupt controller state, so that the snapshot has no request in
 * flight and no completion interrupt still to come.
 */
void virtio_blk__drain(struct kvm *kvm);

#endif
