// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-blk request cost: drive the device model through a real split
 * virtqueue in (host-allocated) guest memory, exactly as a worker does
 * (pop and validate the chain, do the I/O, push), and compare the CPU time
 * per request with a plain pread() of the same ranges, in the same run.
 *
 * Usage: blk-bench FILE  (FILE is read; its page cache is warmed first)
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <linux/virtio_blk.h>

#include "kvm/disk-image.h"
#include "kvm/kvm.h"
#include "kvm/util.h"
#include "kvm/virtio.h"

#define RAM_SIZE	(64ULL << 20)
#define QSIZE		256
#define DESC_GPA	0x1000
#define AVAIL_GPA	0x5000
#define USED_GPA	0x6000
#define HDR_GPA		0x10000
#define STATUS_GPA	0x11000
#define DATA_GPA	0x100000	/* up to 1 MiB of data */

static u64 cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

struct bench {
	struct kvm		kvm;
	u8			*ram;
	struct blk_dev		*blk;
	struct virt_queue	*vq;
	u16			avail_idx;
};

/* One read request: header, data buffer (device-writable), status. */
static void post_read(struct bench *b, u64 sector, u32 len)
{
	struct vring_desc *d = (void *)(b->ram + DESC_GPA);
	struct vring_avail *a = (void *)(b->ram + AVAIL_GPA);
	struct virtio_blk_outhdr *h = (void *)(b->ram + HDR_GPA);

	h->type = VIRTIO_BLK_T_IN;
	h->ioprio = 0;
	h->sector = sector;
	d[0] = (struct vring_desc) { HDR_GPA, sizeof(*h), VRING_DESC_F_NEXT, 1 };
	d[1] = (struct vring_desc) { DATA_GPA, len,
				     VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 2 };
	d[2] = (struct vring_desc) { STATUS_GPA, 1, VRING_DESC_F_WRITE, 0 };
	a->ring[b->avail_idx % QSIZE] = 0;
	__atomic_store_n(&a->idx, ++b->avail_idx, __ATOMIC_RELEASE);
}

static void serve(struct bench *b, struct vq_chain *c)
{
	int r = virtq_pop(b->vq, c);
	u32 len;

	if (r != 1) {
		fprintf(stderr, "blk-bench: pop returned %d\n", r);
		exit(1);
	}
	len = virtio_blk_process(b->blk, c);
	virtq_push(b->vq, c->head, len);
	if (b->ram[STATUS_GPA] != VIRTIO_BLK_S_OK) {
		fprintf(stderr, "blk-bench: request failed\n");
		exit(1);
	}
}

static void run(struct bench *b, int fd, const char *name, u32 len,
		const u64 *offs, int n)
{
	struct vq_chain *c = calloc(1, sizeof(*c));
	u8 *buf = aligned_alloc(4096, len);
	u64 t0, dev_ns, raw_ns;
	int i;

	/* Baseline: the same reads with pread(). */
	t0 = cpu_ns();
	for (i = 0; i < n; i++)
		if (pread(fd, buf, len, offs[i]) != (ssize_t)len)
			exit(1);
	raw_ns = cpu_ns() - t0;
	/* The device model, request by request. */
	t0 = cpu_ns();
	for (i = 0; i < n; i++) {
		post_read(b, offs[i] / 512, len);
		serve(b, c);
	}
	dev_ns = cpu_ns() - t0;
	if (memcmp(buf, b->ram + DATA_GPA, len)) {
		fprintf(stderr, "blk-bench: data differs\n");
		exit(1);
	}
	printf("  %-22s %6d requests  device %8.2f us/req  pread %8.2f us/req  ratio %5.2f x\n",
	       name, n, dev_ns / 1e3 / n, raw_ns / 1e3 / n,
	       (double)dev_ns / raw_ns);
	free(buf);
	free(c);
}

int main(int argc, char **argv)
{
	struct bench b = { 0 };
	struct disk_image *disk;
	u64 size, *offs;
	int fd, i, n;
	char *buf;

	if (argc != 2) {
		fprintf(stderr, "usage: %s FILE\n", argv[0]);
		return 2;
	}
	lkvm_loglevel = LOGLEVEL_ERROR;
	b.ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	b.kvm.mem.bank[0] = (struct kvm_mem_bank) { 0, RAM_SIZE, b.ram, 0 };
	b.kvm.mem.nr_banks = 1;
	b.kvm.vm_fd = b.kvm.sys_fd = -1;

	disk = disk_image_open(argv[1], true, false);
	if (!disk)
		return 1;
	size = disk->size;
	b.blk = blk_dev_new_vq(disk, 0);
	if (!b.blk)
		return 1;
	b.vq = &blk_dev_vdev(b.blk)->vq[0];
	pthread_mutex_init(&b.vq->lock, NULL);
	b.vq->size = QSIZE;
	b.vq->desc_gpa = DESC_GPA;
	b.vq->avail_gpa = AVAIL_GPA;
	b.vq->used_gpa = USED_GPA;
	if (!virtq_enable(b.vq, &b.kvm, false)) {
		fprintf(stderr, "blk-bench: cannot enable the queue\n");
		return 1;
	}

	fd = open(argv[1], O_RDONLY);
	buf = malloc(1 << 20);
	for (i = 0; (u64)i * (1 << 20) < size; i++)	/* warm the cache */
		if (pread(fd, buf, 1 << 20, (u64)i << 20) < 0)
			return 1;

	n = size >> 20;
	offs = calloc(20000, sizeof(u64));
	for (i = 0; i < n; i++)
		offs[i] = (u64)i << 20;
	for (i = 0; i < 3; i++)
		run(&b, fd, "sequential 1 MiB reads", 1 << 20, offs, n);
	srandom(42);
	for (i = 0; i < 20000; i++)
		offs[i] = ((u64)random() % (size / 4096)) * 4096;
	for (i = 0; i < 3; i++)
		run(&b, fd, "random 4 KiB reads", 4096, offs, 20000);
	return 0;
}
