// SPDX-License-Identifier: GPL-2.0
/*
 * Split virtqueues against hostile drivers: descriptor chains that point
 * outside guest RAM, loop, nest indirect tables, run too long or put a
 * readable buffer after a writable one, and rings with bogus indices.
 * Every malformed chain must be refused (and handed back unused) without
 * touching memory outside guest RAM or hanging.
 */
#include <pthread.h>
#include <sched.h>
#include "unit.h"
#include "kvm/virtio.h"

#define RAM_SIZE	SZ_1M
#define QSIZE		16
#define DESC_GPA	0x1000
#define AVAIL_GPA	0x2000
#define USED_GPA	0x3000
#define ITBL_GPA	0x8000		/* indirect tables */
#define BUF_GPA		0x10000		/* data buffers */

struct vqt {
	struct kvm		*kvm;
	struct virt_queue	vq;
	struct vring_desc	*desc;
	struct vring_avail	*avail;
	struct vring_used	*used;
	u16			avail_idx;
	struct vq_chain		*c;
};

static void *gpa(struct vqt *t, u64 a)
{
	return (u8 *)t->kvm->ram + a;
}

static void vqt_setup(struct vqt *t, u16 size, bool event_idx)
{
	memset(t, 0, sizeof(*t));
	t->kvm = unit_kvm_new(RAM_SIZE);
	t->c = calloc(1, sizeof(*t->c));
	ck_assert_ptr_nonnull(t->c);
	pthread_mutex_init(&t->vq.lock, NULL);
	virtq_reset(&t->vq);
	t->vq.ioeventfd = -1;
	t->vq.size = size;
	t->vq.desc_gpa = DESC_GPA;
	t->vq.avail_gpa = AVAIL_GPA;
	t->vq.used_gpa = USED_GPA;
	ck_assert(virtq_enable(&t->vq, t->kvm, event_idx));
	t->desc = gpa(t, DESC_GPA);
	t->avail = gpa(t, AVAIL_GPA);
	t->used = gpa(t, USED_GPA);
	ck_assert_ptr_eq(t->vq.desc, t->desc);
	ck_assert_ptr_eq(t->vq.avail, t->avail);
	ck_assert_ptr_eq(t->vq.used, t->used);
}

static void vqt_teardown(struct vqt *t)
{
	free(t->c);
	pthread_mutex_destroy(&t->vq.lock);
	unit_kvm_free(t->kvm);
}

static void set_desc(struct vring_desc *tbl, u16 i, u64 addr, u32 len,
		     u16 flags, u16 next)
{
	tbl[i].addr = addr;
	tbl[i].len = len;
	tbl[i].flags = flags;
	tbl[i].next = next;
}

/* Make chain @head available to the device. */
static void publish(struct vqt *t, u16 head)
{
	t->avail->ring[t->avail_idx % t->vq.size] = head;
	t->avail_idx++;
	__atomic_store_n(&t->avail->idx, t->avail_idx, __ATOMIC_RELEASE);
}

/* The last used element the device wrote, and that used->idx is @idx. */
static void assert_used(struct vqt *t, u16 idx, u16 id, u32 len)
{
	struct vring_used_elem *e = &t->used->ring[(u16)(idx - 1) % t->vq.size];

	ck_assert_uint_eq(t->used->idx, idx);
	ck_assert_uint_eq(e->id, id);
	ck_assert_uint_eq(e->len, len);
}

/* Pop one chain that must be refused and returned unused. */
static void assert_refused(struct vqt *t, u16 head)
{
	u16 used = t->used->idx;

	publish(t, head);
	ck_assert_int_eq(virtq_pop(&t->vq, t->c), -EINVAL);
	assert_used(t, used + 1, head, 0);
	ck_assert(!t->vq.broken);
	ck_assert_int_eq(virtq_pop(&t->vq, t->c), 0);
}

/* ------------------------------------------------------------ tests */

START_TEST(good_chain)
{
	struct vqt t;
	struct vq_chain *c;

	vqt_setup(&t, QSIZE, false);
	c = t.c;
	ck_assert_int_eq(virtq_pop(&t.vq, c), 0);	/* empty */
	ck_assert(!virtq_has_work(&t.vq));
	/* Head at 3 to check the head is reported, not assumed 0. */
	set_desc(t.desc, 3, BUF_GPA, 16, VRING_DESC_F_NEXT, 7);
	set_desc(t.desc, 7, BUF_GPA + 0x1000, 512,
		 VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	set_desc(t.desc, 1, BUF_GPA + 0x2000, 100, VRING_DESC_F_WRITE, 0);
	publish(&t, 3);
	ck_assert(virtq_has_work(&t.vq));
	ck_assert_int_eq(virtq_pop(&t.vq, c), 1);
	ck_assert_uint_eq(c->head, 3);
	ck_assert_uint_eq(c->nr_out, 1);
	ck_assert_uint_eq(c->nr_in, 2);
	ck_assert_uint_eq(c->out_len, 16);
	ck_assert_uint_eq(c->in_len, 612);
	ck_assert_ptr_eq(c->iov[0].iov_base, gpa(&t, BUF_GPA));
	ck_assert_uint_eq(c->iov[0].iov_len, 16);
	ck_assert_ptr_eq(c->iov[1].iov_base, gpa(&t, BUF_GPA + 0x1000));
	ck_assert_uint_eq(c->iov[1].iov_len, 512);
	ck_assert_ptr_eq(c->iov[2].iov_base, gpa(&t, BUF_GPA + 0x2000));
	ck_assert_uint_eq(c->iov[2].iov_len, 100);
	ck_assert(!virtq_has_work(&t.vq));
	ck_assert_int_eq(virtq_pop(&t.vq, c), 0);
	ck_assert_uint_eq(t.used->idx, 0);

	virtq_push(&t.vq, c->head, 300);
	assert_used(&t, 1, 3, 300);
	/* A head that cannot be ours is not pushed. */
	virtq_push(&t.vq, QSIZE, 1);
	ck_assert_uint_eq(t.used->idx, 1);
	vqt_teardown(&t);
}
END_TEST

/* The ring indices wrap at 2^16, the ring positions at the ring size. */
START_TEST(index_wrap)
{
	struct vqt t;
	u32 i;

	vqt_setup(&t, QSIZE, false);
	set_desc(t.desc, 0, BUF_GPA, 8, 0, 0);
	for (i = 0; i < 70000; i++) {
		publish(&t, 0);
		ck_assert_int_eq(virtq_pop(&t.vq, t.c), 1);
		virtq_push(&t.vq, t.c->head, i);
		ck_assert_uint_eq(t.used->idx, (u16)(i + 1));
		ck_assert_uint_eq(t.used->ring[i % QSIZE].len, i);
	}
	vqt_teardown(&t);
}
END_TEST

START_TEST(buffer_outside_ram)
{
	struct vqt t;

	vqt_setup(&t, QSIZE, false);
	/* Just past the end of RAM. */
	set_desc(t.desc, 0, RAM_SIZE, 1, 0, 0);
	assert_refused(&t, 0);
	/* Straddling the end of RAM. */
	set_desc(t.desc, 1, RAM_SIZE - 16, 32, VRING_DESC_F_WRITE, 0);
	assert_refused(&t, 1);
	/* addr + len overflows 64 bits. */
	set_desc(t.desc, 2, 0xfffffffffffffff0ULL, 0x20, 0, 0);
	assert_refused(&t, 2);
	set_desc(t.desc, 2, 0xffffffffffffffffULL, 1, 0, 0);
	assert_refused(&t, 2);
	/* Far away, and a length bigger than RAM. */
	set_desc(t.desc, 3, 0x100000000ULL, 16, 0, 0);
	assert_refused(&t, 3);
	set_desc(t.desc, 3, BUF_GPA, 0xffffffff, VRING_DESC_F_WRITE, 0);
	assert_refused(&t, 3);
	/* A bad buffer later in the chain refuses the whole chain. */
	set_desc(t.desc, 4, BUF_GPA, 16, VRING_DESC_F_NEXT, 5);
	set_desc(t.desc, 5, RAM_SIZE - 1, 2, VRING_DESC_F_WRITE, 0);
	assert_refused(&t, 4);
	/* The last byte of RAM is fine. */
	set_desc(t.desc, 6, RAM_SIZE - 1, 1, VRING_DESC_F_WRITE, 0);
	publish(&t, 6);
	ck_assert_int_eq(virtq_pop(&t.vq, t.c), 1);
	ck_assert_ptr_eq(t.c->iov[0].iov_base, gpa(&t, RAM_SIZE - 1));
	vqt_teardown(&t);
}
END_TEST

START_TEST(descriptor_loops)
{
	struct vqt t;
	int i;

	vqt_setup(&t, QSIZE, false);
	/* 0 -> 1 -> 0 */
	set_desc(t.desc, 0, BUF_GPA, 16, VRING_DESC_F_NEXT, 1);
	set_desc(t.desc, 1, BUF_GPA, 16, VRING_DESC_F_NEXT, 0);
	assert_refused(&t, 0);
	/* Self loop. */
	set_desc(t.desc, 2, BUF_GPA, 16, VRING_DESC_F_NEXT, 2);
	assert_refused(&t, 2);
	/* Zero-length descriptors looping: no segment, still a loop. */
	set_desc(t.desc, 3, 0, 0, VRING_DESC_F_NEXT, 4);
	set_desc(t.desc, 4, 0, 0, VRING_DESC_F_NEXT, 3);
	assert_refused(&t, 3);
	/* Longer than the ring: every descriptor, then back to the start. */
	for (i = 0; i < QSIZE; i++)
		set_desc(t.desc, i, BUF_GPA + i * 16, 16, VRING_DESC_F_NEXT,
			 (i + 1) % QSIZE);
	assert_refused(&t, 5);
	/* The whole ring as one chain is fine. */
	t.desc[QSIZE - 1].flags = 0;
	publish(&t, 0);
	ck_assert_int_eq(virtq_pop(&t.vq, t.c), 1);
	ck_assert_uint_eq(t.c->nr_out, QSIZE);
	ck_assert_uint_eq(t.c->out_len, QSIZE * 16);
	vqt_teardown(&t);
}
END_TEST

START_TEST(chain_too_long)
{
	struct vqt t;
	struct vring_desc *tbl;
	int i;

	vqt_setup(&t, QSIZE, false);
	tbl = gpa(&t, ITBL_GPA);
	for (i = 0; i <= VQ_MAX_SEGS; i++)
		set_desc(tbl, i, BUF_GPA + i, 1,
			 i < VQ_MAX_SEGS ? VRING_DESC_F_NEXT : 0, i + 1);
	/* VQ_MAX_SEGS + 1 segments through an indirect table. */
	set_desc(t.desc, 0, ITBL_GPA, (VQ_MAX_SEGS + 1) * 16,
		 VRING_DESC_F_INDIRECT, 0);
	assert_refused(&t, 0);
	/* Exactly VQ_MAX_SEGS is accepted. */
	tbl[VQ_MAX_SEGS - 1].flags = 0;
	set_desc(t.desc, 0, ITBL_GPA, VQ_MAX_SEGS * 16,
		 VRING_DESC_F_INDIRECT, 0);
	publish(&t, 0);
	ck_assert_int_eq(virtq_pop(&t.vq, t.c), 1);
	ck_assert_uint_eq(t.c->nr_out, VQ_MAX_SEGS);
	ck_assert_uint_eq(t.c->out_len, VQ_MAX_SEGS);
	ck_assert_ptr_eq(t.c->iov[VQ_MAX_SEGS - 1].iov_base,
			 gpa(&t, BUF_GPA + VQ_MAX_SEGS - 1));
	/* Zero-length descriptors do not count as segments. */
	tbl[VQ_MAX_SEGS - 1].flags = VRING_DESC_F_NEXT;
	tbl[VQ_MAX_SEGS].len = 0;
	set_desc(t.desc, 0, ITBL_GPA, (VQ_MAX_SEGS + 1) * 16,
		 VRING_DESC_F_INDIRECT, 0);
	publish(&t, 0);
	ck_assert_int_eq(virtq_pop(&t.vq, t.c), 1);
	ck_assert_uint_eq(t.c->nr_out, VQ_MAX_SEGS);
	/* An indirect table larger than the largest ring. */
	set_desc(t.desc, 0, ITBL_GPA, (VQ_MAX_SIZE + 1) * 16,
		 VRING_DESC_F_INDIRECT, 0);
	assert_refused(&t, 0);
	vqt_teardown(&t);
}
END_TEST

START_TEST(zero_length_descriptors)
{
	struct vqt t;

	vqt_setup(&t, QSIZE, false);
	set_desc(t.desc, 0, BUF_GPA, 0, VRING_DESC_F_NEXT, 1);
	set_desc(t.desc, 1, BUF_GPA + 0x100, 16, VRING_DESC_F_NEXT, 2);
	/* Zero length: its address does not matter, nor its direction. */
	set_desc(t.desc, 2, 0xdead00000000ULL, 0,
		 VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 3);
	set_desc(t.desc, 3, BUF_GPA + 0x200, 0, VRING_DESC_F_NEXT, 4);
	set_desc(t.desc, 4, BUF_GPA + 0x300, 8, VRING_DESC_F_WRITE, 0);
	publish(&t, 0);
	ck_assert_int_eq(virtq_pop(&t.vq, t.c), 1);
	ck_assert_uint_eq(t.c->head, 0);
	ck_assert_uint_eq(t.c->nr_out, 1);
	ck_assert_uint_eq(t.c->nr_in, 1);
	ck_assert_uint_eq(t.c->out_len, 16);
	ck_assert_uint_eq(t.c->in_len, 8);
	ck_assert_ptr_eq(t.c->iov[0].iov_base, gpa(&t, BUF_GPA + 0x100));
	ck_assert_ptr_eq(t.c->iov[1].iov_base, gpa(&t, BUF_GPA + 0x300));

	/* Only zero-length descriptors: delivered with no segment. */
	set_desc(t.desc, 5, BUF_GPA, 0, VRING_DESC_F_NEXT, 6);
	set_desc(t.desc, 6, RAM_SIZE * 4, 0, VRING_DESC_F_WRITE, 0);
	publish(&t, 5);
	ck_assert_int_eq(virtq_pop(&t.vq, t.c), 1);
	ck_assert_uint_eq(t.c->head, 5);
	ck_assert_uint_eq(t.c->nr_out, 0);
	ck_assert_uint_eq(t.c->nr_in, 0);
	ck_assert_uint_eq(t.c->out_len, 0);
	ck_assert_uint_eq(t.c->in_len, 0);
	virtq_push(&t.vq, 5, 0);
	assert_used(&t, 1, 5, 0);
	vqt_teardown(&t);
}
END_TEST

START_TEST(head_out_of_range)
{
	struct vqt t;

	vqt_setup(&t, QSIZE, false);
	set_desc(t.desc, 0, BUF_GPA, 16, 0, 0);
	publish(&t, QSIZE);
	ck_assert_int_eq(virtq_pop(&t.vq, t.c), 0);
	ck_assert(t.vq.broken);
	ck_assert_uint_eq(t.used->idx, 0);
	/* Broken stays broken: a good chain after it is not taken. */
	publish(&t, 0);
	ck_assert(!virtq_has_work(&t.vq));
	ck_assert_int_eq(virtq_pop(&t.vq, t.c), 0);
	ck_assert_uint_eq(t.used->idx, 0);
	/* Until the queue is reset and enabled again. */
	virtq_reset(&t.vq);
	t.vq.size = QSIZE;
	t.vq.desc_gpa = DESC_GPA;
	t.vq.avail_gpa = AVAIL_GPA;
	t.vq.used_gpa = USED_GPA;
	ck_assert(virtq_enable(&t.vq, t.kvm, false));
	ck_assert(!t.vq.broken);
	memset(t.avail, 0, 4 + 2 * QSIZE + 2);
	t.avail_idx = 0;
	publish(&t, 0xffff);
	ck_assert_int_eq(virtq_pop(&t.vq, t.c), 0);
	ck_assert(t.vq.broken);
	vqt_teardown(&t);
}
END_TEST

/*
 * A next index beyond the table is a malformed chain: its head is valid,
 * so the chain is handed back unused (-EINVAL) and the queue goes on.
 */
START_TEST(next_out_of_range)
{
	struct vqt t;
	struct vring_desc *tbl;

	vqt_setup(&t, QSIZE, false);
	set_desc(t.desc, 0, BUF_GPA, 16, VRING_DESC_F_NEXT, QSIZE);
	assert_refused(&t, 0);
	set_desc(t.desc, 0, BUF_GPA, 16, VRING_DESC_F_NEXT, 0xffff);
	assert_refused(&t, 0);
	/* In an indirect table, the bound is the table's size. */
	tbl = gpa(&t, ITBL_GPA);
	set_desc(tbl, 0, BUF_GPA, 16, VRING_DESC_F_NEXT, 1);
	set_desc(tbl, 1, BUF_GPA, 16, VRING_DESC_F_NEXT, 2);
	set_desc(t.desc, 1, ITBL_GPA, 2 * 16, VRING_DESC_F_INDIRECT, 0);
	assert_refused(&t, 1);
	/* And a loop inside an indirect table is caught too. */
	tbl[1].next = 0;
	assert_refused(&t, 1);
	vqt_teardown(&t);
}
END_TEST

START_TEST(avail_idx_jump)
{
	struct vqt t;

	vqt_setup(&t, QSIZE, false);
	set_desc(t.desc, 0, BUF_GPA, 16, 0, 0);
	/* Exactly a full ring is legal. */
	t.avail_idx = QSIZE;
	t.avail->idx = QSIZE;
	ck_assert_int_eq(virtq_pop(&t.vq, t.c), 1);
	ck_assert(!t.vq.broken);
	/* One more than the ring holds beyond what we took: broken. */
	t.avail->idx = 1 + QSIZE + 1;
	ck_assert_int_eq(virtq_pop(&t.vq, t.c), 0);
	ck_assert(t.vq.broken);
	ck_assert(!virtq_has_work(&t.vq));
	ck_assert_int_eq(virtq_pop(&t.vq, t.c), 0);
	/* Going backwards is a jump of almost 2^16. */
	virtq_reset(&t.vq);
	t.vq.size = QSIZE;
	t.vq.desc_gpa = DESC_GPA;
	t.vq.avail_gpa = AVAIL_GPA;
	t.vq.used_gpa = USED_GPA;
	ck_assert(virtq_enable(&t.vq, t.kvm, false));
	t.avail->idx = 0xffff;
	ck_assert_int_eq(virtq_pop(&t.vq, t.c), 0);
	ck_assert(t.vq.broken);
	vqt_teardown(&t);
}
END_TEST

START_TEST(readable_after_writable)
{
	struct vqt t;
	struct vring_desc *tbl;

	vqt_setup(&t, QSIZE, false);
	set_desc(t.desc, 0, BUF_GPA, 16, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	set_desc(t.desc, 1, BUF_GPA + 16, 16, 0, 0);
	assert_refused(&t, 0);
	/* Same inside an indirect table. */
	tbl = gpa(&t, ITBL_GPA);
	set_desc(tbl, 0, BUF_GPA, 16, VRING_DESC_F_NEXT, 1);
	set_desc(tbl, 1, BUF_GPA, 16, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
	set_desc(tbl, 2, BUF_GPA, 16, 0, 0);
	set_desc(t.desc, 2, ITBL_GPA, 3 * 16, VRING_DESC_F_INDIRECT, 0);
	assert_refused(&t, 2);
	vqt_teardown(&t);
}
END_TEST

START_TEST(indirect_good)
{
	struct vqt t;
	struct vring_desc *tbl;

	vqt_setup(&t, QSIZE, false);
	tbl = gpa(&t, ITBL_GPA);
	set_desc(tbl, 0, BUF_GPA, 16, VRING_DESC_F_NEXT, 2);
	set_desc(tbl, 2, BUF_GPA + 0x100, 64,
		 VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	set_desc(tbl, 1, BUF_GPA + 0x200, 32, VRING_DESC_F_WRITE, 0);
	set_desc(t.desc, 9, ITBL_GPA, 3 * 16, VRING_DESC_F_INDIRECT, 0);
	publish(&t, 9);
	ck_assert_int_eq(virtq_pop(&t.vq, t.c), 1);
	ck_assert_uint_eq(t.c->head, 9);
	ck_assert_uint_eq(t.c->nr_out, 1);
	ck_assert_uint_eq(t.c->nr_in, 2);
	ck_assert_uint_eq(t.c->out_len, 16);
	ck_assert_uint_eq(t.c->in_len, 96);
	ck_assert_ptr_eq(t.c->iov[0].iov_base, gpa(&t, BUF_GPA));
	ck_assert_ptr_eq(t.c->iov[1].iov_base, gpa(&t, BUF_GPA + 0x100));
	ck_assert_uint_eq(t.c->iov[1].iov_len, 64);
	ck_assert_ptr_eq(t.c->iov[2].iov_base, gpa(&t, BUF_GPA + 0x200));
	ck_assert_uint_eq(t.c->iov[2].iov_len, 32);
	virtq_push(&t.vq, 9, 96);
	assert_used(&t, 1, 9, 96);

	/* A direct descriptor may lead to an indirect one (last in chain). */
	set_desc(t.desc, 4, BUF_GPA + 0x300, 8, VRING_DESC_F_NEXT, 5);
	set_desc(t.desc, 5, ITBL_GPA, 3 * 16, VRING_DESC_F_INDIRECT, 0);
	publish(&t, 4);
	ck_assert_int_eq(virtq_pop(&t.vq, t.c), 1);
	ck_assert_uint_eq(t.c->nr_out, 2);
	ck_assert_uint_eq(t.c->nr_in, 2);
	ck_assert_uint_eq(t.c->out_len, 24);

	/* A table that is not 16-byte aligned is read without UB. */
	memmove(gpa(&t, ITBL_GPA + 0x404), tbl, 3 * 16);
	set_desc(t.desc, 6, ITBL_GPA + 0x404, 3 * 16, VRING_DESC_F_INDIRECT, 0);
	publish(&t, 6);
	ck_assert_int_eq(virtq_pop(&t.vq, t.c), 1);
	ck_assert_uint_eq(t.c->nr_out, 1);
	ck_assert_uint_eq(t.c->nr_in, 2);
	vqt_teardown(&t);
}
END_TEST

START_TEST(indirect_bad)
{
	struct vqt t;
	struct vring_desc *tbl;

	vqt_setup(&t, QSIZE, false);
	tbl = gpa(&t, ITBL_GPA);
	set_desc(tbl, 0, BUF_GPA, 16, VRING_DESC_F_NEXT, 1);
	set_desc(tbl, 1, BUF_GPA, 16, VRING_DESC_F_WRITE, 0);

	/* Nested indirect. */
	set_desc(tbl, 2, ITBL_GPA, 2 * 16, VRING_DESC_F_INDIRECT, 0);
	set_desc(t.desc, 0, ITBL_GPA + 2 * 16, 16, VRING_DESC_F_INDIRECT, 0);
	assert_refused(&t, 0);
	/* An indirect descriptor reached through NEXT inside a table. */
	set_desc(tbl, 3, BUF_GPA, 16, VRING_DESC_F_NEXT, 1);
	set_desc(tbl, 4, ITBL_GPA, 2 * 16, VRING_DESC_F_INDIRECT, 0);
	set_desc(t.desc, 0, ITBL_GPA + 3 * 16, 2 * 16, VRING_DESC_F_INDIRECT, 0);
	assert_refused(&t, 0);
	/* Indirect with NEXT. */
	set_desc(t.desc, 0, ITBL_GPA, 2 * 16,
		 VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 1);
	set_desc(t.desc, 1, BUF_GPA, 16, VRING_DESC_F_WRITE, 0);
	assert_refused(&t, 0);
	/* Table length: not a multiple of 16, zero. */
	set_desc(t.desc, 0, ITBL_GPA, 24, VRING_DESC_F_INDIRECT, 0);
	assert_refused(&t, 0);
	set_desc(t.desc, 0, ITBL_GPA, 8, VRING_DESC_F_INDIRECT, 0);
	assert_refused(&t, 0);
	set_desc(t.desc, 0, ITBL_GPA, 0, VRING_DESC_F_INDIRECT, 0);
	assert_refused(&t, 0);
	/* (An empty table at the end of RAM must not be read at all.) */
	set_desc(t.desc, 0, RAM_SIZE - 8, 0, VRING_DESC_F_INDIRECT, 0);
	assert_refused(&t, 0);
	set_desc(t.desc, 0, RAM_SIZE - 8, 16, VRING_DESC_F_INDIRECT, 0);
	assert_refused(&t, 0);
	set_desc(t.desc, 0, ITBL_GPA, 0xfffffff0, VRING_DESC_F_INDIRECT, 0);
	assert_refused(&t, 0);
	/* Table outside RAM: beyond, straddling the end, overflowing. */
	set_desc(t.desc, 0, RAM_SIZE, 32, VRING_DESC_F_INDIRECT, 0);
	assert_refused(&t, 0);
	set_desc(t.desc, 0, RAM_SIZE - 16, 32, VRING_DESC_F_INDIRECT, 0);
	assert_refused(&t, 0);
	set_desc(t.desc, 0, 0xfffffffffffffff0ULL, 32, VRING_DESC_F_INDIRECT, 0);
	assert_refused(&t, 0);
	/* A good table pointing at a bad buffer. */
	set_desc(tbl, 5, RAM_SIZE - 4, 8, 0, 0);
	set_desc(t.desc, 0, ITBL_GPA + 5 * 16, 16, VRING_DESC_F_INDIRECT, 0);
	assert_refused(&t, 0);
	/* After all that, the queue still works. */
	set_desc(t.desc, 0, ITBL_GPA, 2 * 16, VRING_DESC_F_INDIRECT, 0);
	publish(&t, 0);
	ck_assert_int_eq(virtq_pop(&t.vq, t.c), 1);
	ck_assert_uint_eq(t.c->nr_out, 1);
	ck_assert_uint_eq(t.c->nr_in, 1);
	vqt_teardown(&t);
}
END_TEST

static volatile u16 *used_event_of(struct vqt *t)
{
	return &t->avail->ring[t->vq.size];
}

static volatile u16 *avail_event_of(struct vqt *t)
{
	return (volatile u16 *)&t->used->ring[t->vq.size];
}

START_TEST(event_idx)
{
	struct vqt t;

	vqt_setup(&t, QSIZE, true);
	set_desc(t.desc, 0, BUF_GPA, 16, 0, 0);
	/* Popping publishes avail_event = next entry we will look at. */
	publish(&t, 0);
	publish(&t, 0);
	ck_assert_int_eq(virtq_pop(&t.vq, t.c), 1);
	ck_assert_uint_eq(*avail_event_of(&t), 1);
	ck_assert_int_eq(virtq_pop(&t.vq, t.c), 1);
	ck_assert_uint_eq(*avail_event_of(&t), 2);

	/* NO_INTERRUPT is ignored with event index. */
	t.avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
	*used_event_of(&t) = 0;
	virtq_push(&t.vq, 0, 1);		/* used idx 1 */
	ck_assert(virtq_need_signal(&t.vq));	/* first one always */
	/* used_event = 2: interrupt when entry 2 is used (idx 1 -> 3). */
	*used_event_of(&t) = 2;
	virtq_push(&t.vq, 0, 1);		/* used idx 2 */
	ck_assert(!virtq_need_signal(&t.vq));
	virtq_push(&t.vq, 0, 1);		/* used idx 3 */
	ck_assert(virtq_need_signal(&t.vq));
	/* Nothing new pushed: no interrupt. */
	ck_assert(!virtq_need_signal(&t.vq));
	/* Several pushes at once crossing used_event: one interrupt. */
	*used_event_of(&t) = 4;
	virtq_push(&t.vq, 0, 1);
	virtq_push(&t.vq, 0, 1);
	virtq_push(&t.vq, 0, 1);		/* used idx 6 */
	ck_assert(virtq_need_signal(&t.vq));
	/* used_event behind: the driver is not asking. */
	*used_event_of(&t) = 3;
	virtq_push(&t.vq, 0, 1);
	ck_assert(!virtq_need_signal(&t.vq));
	/* Across the 2^16 wrap. */
	t.vq.used_idx = 0xfffe;
	t.vq.signalled_used = 0xfffe;
	*used_event_of(&t) = 0xffff;
	virtq_push(&t.vq, 0, 1);		/* 0xffff */
	ck_assert(!virtq_need_signal(&t.vq));
	virtq_push(&t.vq, 0, 1);		/* 0x0000 */
	ck_assert(virtq_need_signal(&t.vq));
	ck_assert_uint_eq(t.used->idx, 0);

	/* virtq_set_notify with event index moves avail_event only. */
	*avail_event_of(&t) = 0;
	virtq_set_notify(&t.vq, true);
	ck_assert_uint_eq(*avail_event_of(&t), 2);
	ck_assert_uint_eq(t.used->flags, 0);
	vqt_teardown(&t);
}
END_TEST

START_TEST(no_event_idx_flags)
{
	struct vqt t;

	vqt_setup(&t, QSIZE, false);
	set_desc(t.desc, 0, BUF_GPA, 16, 0, 0);
	publish(&t, 0);
	ck_assert_int_eq(virtq_pop(&t.vq, t.c), 1);
	/* avail_event is not written without event index. */
	ck_assert_uint_eq(*avail_event_of(&t), 0);
	virtq_push(&t.vq, 0, 0);
	ck_assert(virtq_need_signal(&t.vq));
	t.avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
	virtq_push(&t.vq, 0, 0);
	ck_assert(!virtq_need_signal(&t.vq));
	/* used_event means nothing without the feature. */
	*used_event_of(&t) = 0x1234;
	t.avail->flags = 0;
	ck_assert(virtq_need_signal(&t.vq));
	/* Notification suppression goes through used->flags. */
	virtq_set_notify(&t.vq, false);
	ck_assert_uint_eq(t.used->flags, VRING_USED_F_NO_NOTIFY);
	virtq_set_notify(&t.vq, true);
	ck_assert_uint_eq(t.used->flags, 0);
	/* A disabled queue never signals. */
	virtq_reset(&t.vq);
	ck_assert(!virtq_need_signal(&t.vq));
	ck_assert_int_eq(virtq_pop(&t.vq, t.c), 0);
	vqt_teardown(&t);
}
END_TEST

static bool try_enable(struct kvm *kvm, u16 size, u64 d, u64 a, u64 u)
{
	struct virt_queue vq;
	bool ok;

	memset(&vq, 0, sizeof(vq));
	pthread_mutex_init(&vq.lock, NULL);
	virtq_reset(&vq);
	vq.size = size;
	vq.desc_gpa = d;
	vq.avail_gpa = a;
	vq.used_gpa = u;
	ok = virtq_enable(&vq, kvm, true);
	ck_assert(ok == vq.enabled);
	if (!ok) {
		ck_assert_ptr_null(vq.desc);
		ck_assert_ptr_null(vq.avail);
		ck_assert_ptr_null(vq.used);
	}
	pthread_mutex_destroy(&vq.lock);
	return ok;
}

START_TEST(enable_checks)
{
	struct kvm *kvm = unit_kvm_new(RAM_SIZE);
	/* With event index the rings are 16n, 6 + 2n and 6 + 8n bytes. */
	u64 dend = RAM_SIZE - 16 * 256, aend = RAM_SIZE - (6 + 2 * 256),
	    uend = RAM_SIZE - (6 + 8 * 256);

	ck_assert(try_enable(kvm, 256, DESC_GPA, AVAIL_GPA, USED_GPA));
	/* Sizes. */
	ck_assert(!try_enable(kvm, 0, DESC_GPA, AVAIL_GPA, USED_GPA));
	ck_assert(!try_enable(kvm, 12, DESC_GPA, AVAIL_GPA, USED_GPA));
	ck_assert(!try_enable(kvm, 2048, DESC_GPA, AVAIL_GPA, USED_GPA));
	ck_assert(try_enable(kvm, 1, DESC_GPA, AVAIL_GPA, USED_GPA));
	ck_assert(try_enable(kvm, VQ_MAX_SIZE, 0x10000, 0x20000, 0x30000));
	/* Alignment: 16, 2, 4. */
	ck_assert(!try_enable(kvm, 256, DESC_GPA + 8, AVAIL_GPA, USED_GPA));
	ck_assert(!try_enable(kvm, 256, DESC_GPA, AVAIL_GPA + 1, USED_GPA));
	ck_assert(!try_enable(kvm, 256, DESC_GPA, AVAIL_GPA, USED_GPA + 2));
	ck_assert(try_enable(kvm, 256, DESC_GPA + 16, AVAIL_GPA + 2,
			     USED_GPA + 4));
	/* Each ring exactly at the end of RAM fits; one step further not. */
	ck_assert(try_enable(kvm, 256, dend, AVAIL_GPA, USED_GPA));
	ck_assert(!try_enable(kvm, 256, dend + 16, AVAIL_GPA, USED_GPA));
	ck_assert(try_enable(kvm, 256, DESC_GPA, aend, USED_GPA));
	ck_assert(!try_enable(kvm, 256, DESC_GPA, aend + 2, USED_GPA));
	ck_assert(try_enable(kvm, 256, DESC_GPA, AVAIL_GPA, uend & ~3ULL));
	ck_assert(!try_enable(kvm, 256, DESC_GPA, AVAIL_GPA,
			      (uend & ~3ULL) + 4));
	/* Entirely outside RAM, or wrapping. */
	ck_assert(!try_enable(kvm, 256, SZ_4G, AVAIL_GPA, USED_GPA));
	ck_assert(!try_enable(kvm, 256, DESC_GPA, RAM_SIZE, USED_GPA));
	ck_assert(!try_enable(kvm, 256, DESC_GPA, AVAIL_GPA,
			      0xfffffffffffff000ULL));
	unit_kvm_free(kvm);
}
END_TEST

/* ------------------------------------------------------ concurrency */

/*
 * A whole ring of chains at once, popped by several threads racing from
 * the start; many rounds so that the 16-bit indices wrap.
 */
#define CQ_SIZE		VQ_MAX_SIZE
#define CQ_ROUNDS	70		/* > 2^16 chains: indices wrap */
#define CQ_THREADS	4

struct popper {
	struct vqt	*t;
	u32		*seen;		/* shared, atomically incremented */
	u32		popped;
	u32		errors;
};

static void *pop_thread(void *arg)
{
	struct popper *p = arg;
	struct vq_chain *c = malloc(sizeof(*c));
	int r;

	if (!c)
		return NULL;
	while ((r = virtq_pop(&p->t->vq, c)) != 0) {
		if (r < 0 || c->nr_out != 1 || c->out_len != 8 ||
		    c->iov[0].iov_base != gpa(p->t, BUF_GPA + 8ULL * c->head)) {
			p->errors++;
			continue;
		}
		__atomic_add_fetch(&p->seen[c->head], 1, __ATOMIC_RELAXED);
		p->popped++;
		virtq_push(&p->t->vq, c->head, c->head);
	}
	free(c);
	return NULL;
}

START_TEST(concurrent_pop_burst)
{
	struct vqt t;
	struct popper p[CQ_THREADS];
	pthread_t th[CQ_THREADS];
	u32 *seen = calloc(CQ_SIZE, sizeof(*seen));
	u32 round, i, total;

	ck_assert_ptr_nonnull(seen);
	memset(&t, 0, sizeof(t));
	t.kvm = unit_kvm_new(RAM_SIZE);
	t.c = NULL;
	pthread_mutex_init(&t.vq.lock, NULL);
	virtq_reset(&t.vq);
	t.vq.size = CQ_SIZE;
	t.vq.desc_gpa = 0x40000;
	t.vq.avail_gpa = 0x50000;
	t.vq.used_gpa = 0x60000;
	ck_assert(virtq_enable(&t.vq, t.kvm, true));
	t.desc = gpa(&t, 0x40000);
	t.avail = gpa(&t, 0x50000);
	t.used = gpa(&t, 0x60000);
	for (i = 0; i < CQ_SIZE; i++)
		set_desc(t.desc, i, BUF_GPA + 8 * i, 8, 0, 0);

	for (round = 0; round < CQ_ROUNDS; round++) {
		u16 used0 = t.used->idx;

		memset(seen, 0, CQ_SIZE * sizeof(*seen));
		/* A whole ring of chains, heads in a round-dependent order. */
		for (i = 0; i < CQ_SIZE; i++)
			t.avail->ring[(u16)(t.avail_idx + i) % CQ_SIZE] =
				(i * 7 + round) % CQ_SIZE;
		t.avail_idx += CQ_SIZE;
		__atomic_store_n(&t.avail->idx, t.avail_idx, __ATOMIC_RELEASE);
		for (i = 0; i < CQ_THREADS; i++) {
			p[i] = (struct popper) { .t = &t, .seen = seen };
			ck_assert_int_eq(pthread_create(&th[i], NULL, pop_thread,
							&p[i]), 0);
		}
		total = 0;
		for (i = 0; i < CQ_THREADS; i++) {
			pthread_join(th[i], NULL);
			ck_assert_uint_eq(p[i].errors, 0);
			total += p[i].popped;
		}
		ck_assert_uint_eq(total, CQ_SIZE);
		for (i = 0; i < CQ_SIZE; i++)
			ck_assert_uint_eq(seen[i], 1);
		/* The used ring holds every head once, with its length. */
		ck_assert_uint_eq((u16)(t.used->idx - used0), CQ_SIZE);
		memset(seen, 0, CQ_SIZE * sizeof(*seen));
		for (i = 0; i < CQ_SIZE; i++) {
			struct vring_used_elem *e = &t.used->ring[i];

			ck_assert_uint_lt(e->id, CQ_SIZE);
			ck_assert_uint_eq(e->len, e->id);
			seen[e->id]++;
		}
		for (i = 0; i < CQ_SIZE; i++)
			ck_assert_uint_eq(seen[i], 1);
		ck_assert(!t.vq.broken);
	}
	ck_assert_uint_eq(t.used->idx, (u16)(CQ_ROUNDS * CQ_SIZE));
	free(seen);
	pthread_mutex_destroy(&t.vq.lock);
	unit_kvm_free(t.kvm);
}
END_TEST

/*
 * A driver that keeps the ring full while several device threads pop
 * from it: every chain (tagged with a sequence number in its buffer) is
 * popped exactly once, and heads come back to the driver through the used
 * ring to be reused, so a chain taken twice or lost shows up as a
 * sequence number seen twice or never.
 */
#define CS_SIZE		256
#define CS_TOTAL	(1U << 17)	/* indices wrap twice */
#define CS_THREADS	3

struct stream {
	struct vqt		*t;
	u32			*seen;		/* per sequence number */
	u32			done;		/* chains pushed back */
	u32			errors;
	int			stop;
	pthread_barrier_t	start;
};

static void *stream_consumer(void *arg)
{
	struct stream *s = arg;
	struct vq_chain *c = malloc(sizeof(*c));
	int r;

	pthread_barrier_wait(&s->start);
	while (c) {
		u32 seq;

		r = virtq_pop(&s->t->vq, c);
		if (r == 0) {
			if (__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE))
				break;
			sched_yield();
			continue;
		}
		if (r < 0 || c->nr_out != 1 || c->nr_in != 0 ||
		    c->iov[0].iov_len != 4 ||
		    c->iov[0].iov_base != gpa(s->t, BUF_GPA + 4ULL * c->head)) {
			__atomic_add_fetch(&s->errors, 1, __ATOMIC_RELAXED);
			continue;
		}
		memcpy(&seq, c->iov[0].iov_base, 4);
		if (seq < CS_TOTAL)
			__atomic_add_fetch(&s->seen[seq], 1, __ATOMIC_RELAXED);
		else
			__atomic_add_fetch(&s->errors, 1, __ATOMIC_RELAXED);
		virtq_push(&s->t->vq, c->head, 0);
		__atomic_add_fetch(&s->done, 1, __ATOMIC_RELEASE);
	}
	free(c);
	return NULL;
}

START_TEST(concurrent_pop_stream)
{
	struct vqt t;
	struct stream s;
	pthread_t th[CS_THREADS];
	u16 free_heads[CS_SIZE], used_seen = 0;
	u32 nfree = 0, seq = 0, i;

	memset(&t, 0, sizeof(t));
	memset(&s, 0, sizeof(s));
	t.kvm = unit_kvm_new(RAM_SIZE);
	pthread_mutex_init(&t.vq.lock, NULL);
	virtq_reset(&t.vq);
	t.vq.size = CS_SIZE;
	t.vq.desc_gpa = DESC_GPA;
	t.vq.avail_gpa = 0x6000;
	t.vq.used_gpa = 0x7000;
	ck_assert(virtq_enable(&t.vq, t.kvm, false));
	t.desc = gpa(&t, DESC_GPA);
	t.avail = gpa(&t, 0x6000);
	t.used = gpa(&t, 0x7000);
	s.t = &t;
	s.seen = calloc(CS_TOTAL, sizeof(*s.seen));
	ck_assert_ptr_nonnull(s.seen);
	for (i = 0; i < CS_SIZE; i++)
		free_heads[nfree++] = CS_SIZE - 1 - i;

	pthread_barrier_init(&s.start, NULL, CS_THREADS + 1);
	for (i = 0; i < CS_THREADS; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, stream_consumer,
						&s), 0);
	pthread_barrier_wait(&s.start);
	while (seq < CS_TOTAL) {
		u16 uidx = __atomic_load_n(&t.used->idx, __ATOMIC_ACQUIRE);
		u16 head;

		/* Reclaim what the device gave back. */
		while (used_seen != uidx) {
			u32 id = t.used->ring[used_seen % CS_SIZE].id;

			ck_assert_uint_lt(id, CS_SIZE);
			ck_assert_uint_lt(nfree, CS_SIZE);
			free_heads[nfree++] = id;
			used_seen++;
		}
		if (!nfree) {
			sched_yield();
			continue;
		}
		head = free_heads[--nfree];
		memcpy(gpa(&t, BUF_GPA + 4ULL * head), &seq, 4);
		set_desc(t.desc, head, BUF_GPA + 4ULL * head, 4, 0, 0);
		publish(&t, head);
		seq++;
	}
	while (__atomic_load_n(&s.done, __ATOMIC_ACQUIRE) < CS_TOTAL &&
	       !__atomic_load_n(&s.errors, __ATOMIC_RELAXED))
		sched_yield();
	__atomic_store_n(&s.stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < CS_THREADS; i++)
		pthread_join(th[i], NULL);

	ck_assert_uint_eq(s.errors, 0);
	ck_assert_uint_eq(s.done, CS_TOTAL);
	for (i = 0; i < CS_TOTAL; i++)
		if (s.seen[i] != 1)
			ck_abort_msg("chain %u popped %u times", i, s.seen[i]);
	ck_assert_uint_eq(t.used->idx, (u16)CS_TOTAL);
	ck_assert_uint_eq(t.vq.last_avail, (u16)CS_TOTAL);
	ck_assert(!t.vq.broken);
	pthread_barrier_destroy(&s.start);
	free(s.seen);
	pthread_mutex_destroy(&t.vq.lock);
	unit_kvm_free(t.kvm);
}
END_TEST

START_TEST(iov_copy)
{
	u8 a[3], b[5], out[8], in[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct iovec iov[2] = { { a, sizeof(a) }, { b, sizeof(b) } };

	ck_assert_uint_eq(iov_from_buf(iov, 2, 2, in, 8), 6);
	ck_assert_uint_eq(a[2], 1);
	ck_assert_uint_eq(b[0], 2);
	ck_assert_uint_eq(b[4], 6);
	memset(out, 0, sizeof(out));
	ck_assert_uint_eq(iov_to_buf(iov, 2, 1, out, 8), 7);
	ck_assert_uint_eq(out[1], 1);
	ck_assert_uint_eq(out[6], 6);
	ck_assert_uint_eq(iov_to_buf(iov, 2, 8, out, 8), 0);
	ck_assert_uint_eq(iov_from_buf(iov, 0, 0, in, 8), 0);
}
END_TEST

static Suite *virtq_suite(void)
{
	Suite *s = suite_create("virtq");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, good_chain);
	tcase_add_test(tc, index_wrap);
	tcase_add_test(tc, buffer_outside_ram);
	tcase_add_test(tc, descriptor_loops);
	tcase_add_test(tc, chain_too_long);
	tcase_add_test(tc, zero_length_descriptors);
	tcase_add_test(tc, head_out_of_range);
	tcase_add_test(tc, next_out_of_range);
	tcase_add_test(tc, avail_idx_jump);
	tcase_add_test(tc, readable_after_writable);
	tcase_add_test(tc, indirect_good);
	tcase_add_test(tc, indirect_bad);
	tcase_add_test(tc, event_idx);
	tcase_add_test(tc, no_event_idx_flags);
	tcase_add_test(tc, enable_checks);
	tcase_add_test(tc, concurrent_pop_burst);
	tcase_add_test(tc, concurrent_pop_stream);
	tcase_add_test(tc, iov_copy);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(virtq_suite)
