// SPDX-License-Identifier: GPL-2.0
/*
 * Split virtqueues.  The only code that reads or writes ring memory; it
 * treats every index and descriptor as hostile.  Descriptors are copied
 * out of guest memory once and only the copies are used, so a guest that
 * rewrites a descriptor while we walk it cannot make us see two values.
 */
#include <string.h>

#include "kvm/kvm.h"
#include "kvm/util.h"
#include "kvm/virtio.h"

#define VRING_DESC_SIZE		16

static inline u16 load16_acquire(const volatile u16 *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline u16 load16(const volatile u16 *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static inline void store16_release(volatile u16 *p, u16 v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* used_event lives after the avail ring; avail_event after the used ring. */
static inline volatile u16 *used_event(struct virt_queue *vq)
{
	return &vq->avail->ring[vq->size];
}

static inline volatile u16 *avail_event(struct virt_queue *vq)
{
	return (volatile u16 *)&vq->used->ring[vq->size];
}

bool virtq_enable(struct virt_queue *vq, struct kvm *kvm, bool event_idx)
{
	u64 dsize, asize, usize;

	vq->kvm = kvm;
	if (!IS_POW2(vq->size) || vq->size > VQ_MAX_SIZE)
		return false;
	dsize = (u64)VRING_DESC_SIZE * vq->size;
	asize = 4 + 2ULL * vq->size + 2;
	usize = 4 + 8ULL * vq->size + 2;
	if ((vq->desc_gpa & 15) || (vq->avail_gpa & 1) || (vq->used_gpa & 3))
		return false;
	vq->desc = guest_ptr(kvm, vq->desc_gpa, dsize);
	vq->avail = guest_ptr(kvm, vq->avail_gpa, asize);
	vq->used = guest_ptr(kvm, vq->used_gpa, usize);
	if (!vq->desc || !vq->avail || !vq->used) {
		vq->desc = NULL;
		vq->avail = NULL;
		vq->used = NULL;
		return false;
	}
	vq->event_idx = event_idx;
	vq->broken = false;
	vq->signalled_valid = false;
	vq->enabled = true;
	return true;
}

void virtq_reset(struct virt_queue *vq)
{
	vq->enabled = false;
	vq->desc = NULL;
	vq->avail = NULL;
	vq->used = NULL;
	vq->desc_gpa = vq->avail_gpa = vq->used_gpa = 0;
	vq->last_avail = 0;
	vq->used_idx = 0;
	vq->signalled_used = 0;
	vq->signalled_valid = false;
	vq->broken = false;
	vq->msix_vector = VIRTIO_NO_VECTOR;
}

static void vq_broken(struct virt_queue *vq, const char *why)
{
	if (!vq->broken)
		pr_warn("virtqueue at 0x%llx: %s; chain dropped",
			(unsigned long long)vq->desc_gpa, why);
	vq->broken = true;
}

static void read_desc(const struct vring_desc *table, u32 i,
		      struct vring_desc *d)
{
	/* One copy of the guest's descriptor; never re-read. */
	memcpy(d, (const void *)&table[i], sizeof(*d));
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

/* Walk the chain at @head into @c; NULL on success, else the reason. */
static const char *walk_chain(struct virt_queue *vq, u16 head,
			      struct vq_chain *c)
{
	const struct vring_desc *table = vq->desc;
	u32 tsize = vq->size, i = head, count = 0;
	bool indirect = false;
	u64 total_out = 0, total_in = 0;
	struct vring_desc d;

	c->head = head;
	c->nr_out = c->nr_in = 0;
	for (;;) {
		read_desc(table, i, &d);
		if (d.flags & VRING_DESC_F_INDIRECT) {
			if (indirect)
				return "nested indirect descriptor";
			if (d.flags & VRING_DESC_F_NEXT)
				return "indirect descriptor with NEXT set";
			if (!d.len || d.len % VRING_DESC_SIZE ||
			    d.len / VRING_DESC_SIZE > VQ_MAX_SIZE)
				return "bad indirect table length";
			table = guest_ptr(vq->kvm, d.addr, d.len);
			if (!table)
				return "indirect table outside guest memory";
			tsize = d.len / VRING_DESC_SIZE;
			indirect = true;
			count = 0;
			i = 0;
			continue;
		}
		if (++count > tsize)
			return "descriptor loop";
		if (d.len) {
			void *p = guest_ptr(vq->kvm, d.addr, d.len);
			u16 n = c->nr_out + c->nr_in;

			if (!p)
				return "buffer outside guest memory";
			if (n >= VQ_MAX_SEGS)
				return "chain too long";
			if (d.flags & VRING_DESC_F_WRITE) {
				c->nr_in++;
				total_in += d.len;
			} else {
				if (c->nr_in)
					return "readable buffer after a writable one";
				c->nr_out++;
				total_out += d.len;
			}
			c->iov[n].iov_base = p;
			c->iov[n].iov_len = d.len;
		}
		if (!(d.flags & VRING_DESC_F_NEXT))
			break;
		i = d.next;
		if (i >= tsize)
			return "next index out of range";
	}
	if (total_out > UINT32_MAX || total_in > UINT32_MAX)
		return "chain longer than 4 GiB";
	c->out_len = total_out;
	c->in_len = total_in;
	return NULL;
}

static void push_locked(struct virt_queue *vq, u16 head, u32 len)
{
	struct vring_used_elem *e = &vq->used->ring[vq->used_idx % vq->size];

	e->id = head;
	e->len = len;
	vq->used_idx++;
	store16_release(&vq->used->idx, vq->used_idx);
}

int virtq_pop(struct virt_queue *vq, struct vq_chain *c)
{
	const char *why;
	u16 avail, head;
	int ret = 1;

	pthread_mutex_lock(&vq->lock);
	if (!vq->enabled || vq->broken) {
		ret = 0;
		goto out;
	}
	avail = load16_acquire(&vq->avail->idx);
	if (avail == vq->last_avail) {
		ret = 0;
		goto out;
	}
	if ((u16)(avail - vq->last_avail) > vq->size) {
		vq_broken(vq, "driver made more buffers available than the ring holds");
		ret = 0;
		goto out;
	}
	head = load16(&vq->avail->ring[vq->last_avail % vq->size]);
	vq->last_avail++;
	if (vq->event_idx)
		store16_release(avail_event(vq), vq->last_avail);
	if (head >= vq->size) {
		vq_broken(vq, "head index out of range");
		ret = 0;
		goto out;
	}
	why = walk_chain(vq, head, c);
	if (why) {
		/* Give the chain back, unused, so the driver is not stuck. */
		pr_warn_once("virtqueue: malformed chain (%s), returned unused", why);
		push_locked(vq, head, 0);
		ret = -EINVAL;
	}
out:
	pthread_mutex_unlock(&vq->lock);
	return ret;
}

void virtq_push(struct virt_queue *vq, u16 head, u32 len)
{
	pthread_mutex_lock(&vq->lock);
	if (vq->enabled && head < vq->size)
		push_locked(vq, head, len);
	pthread_mutex_unlock(&vq->lock);
}

/* vring_need_event() from the virtio spec: did new pass event? */
static inline bool need_event(u16 event, u16 new, u16 old)
{
	return (u16)(new - event - 1) < (u16)(new - old);
}

bool virtq_need_signal(struct virt_queue *vq)
{
	bool ret;

	pthread_mutex_lock(&vq->lock);
	if (!vq->enabled) {
		ret = false;
		goto out;
	}
	/* Our used->idx store must be visible before we read the flags. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (vq->event_idx) {
		u16 old = vq->signalled_used, new = vq->used_idx;
		bool valid = vq->signalled_valid;

		vq->signalled_used = new;
		vq->signalled_valid = true;
		ret = !valid || need_event(load16(used_event(vq)), new, old);
	} else {
		ret = !(load16(&vq->avail->flags) & VRING_AVAIL_F_NO_INTERRUPT);
	}
out:
	pthread_mutex_unlock(&vq->lock);
	return ret;
}

bool virtq_has_work(struct virt_queue *vq)
{
	bool ret;

	pthread_mutex_lock(&vq->lock);
	ret = vq->enabled && !vq->broken &&
	      load16_acquire(&vq->avail->idx) != vq->last_avail;
	pthread_mutex_unlock(&vq->lock);
	return ret;
}

void virtq_set_notify(struct virt_queue *vq, bool enable)
{
	pthread_mutex_lock(&vq->lock);
	if (vq->enabled) {
		if (vq->event_idx)
			store16_release(avail_event(vq), vq->last_avail);
		else
			store16_release(&vq->used->flags,
					enable ? 0 : VRING_USED_F_NO_NOTIFY);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	}
	pthread_mutex_unlock(&vq->lock);
}

size_t iov_from_buf(const struct iovec *iov, int n, size_t off,
		    const void *buf, size_t len)
{
	size_t done = 0;
	int i;

	for (i = 0; i < n && done < len; i++) {
		size_t l = iov[i].iov_len;

		if (off >= l) {
			off -= l;
			continue;
		}
		l = min_t(size_t, l - off, len - done);
		memcpy((u8 *)iov[i].iov_base + off, (const u8 *)buf + done, l);
		done += l;
		off = 0;
	}
	return done;
}

size_t iov_to_buf(const struct iovec *iov, int n, size_t off, void *buf,
		  size_t len)
{
	size_t done = 0;
	int i;

	for (i = 0; i < n && done < len; i++) {
		size_t l = iov[i].iov_len;

		if (off >= l) {
			off -= l;
			continue;
		}
		l = min_t(size_t, l - off, len - done);
		memcpy((u8 *)buf + done, (const u8 *)iov[i].iov_base + off, l);
		done += l;
		off = 0;
	}
	return done;
}
