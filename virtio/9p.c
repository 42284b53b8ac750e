// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-9p (--9p DIR,TAG): one device per shared directory, serving
 * 9P2000.L (p9.c) on one queue.  The guest mounts it with
 *	mount -t 9p -o trans=virtio,version=9p2000.L TAG /mnt
 *
 * Requests run on a small pool of worker threads per device, never on the
 * vCPU or I/O thread: a kick only wakes a worker.  A worker that takes a
 * chain wakes (or, up to P9_MAX_WORKERS, starts) another one while more
 * chains wait, so a request that blocks (I/O on a FIFO) holds up only its
 * own worker; such waits end when the guest flushes the request, and on
 * queue stop, reset and exit the server cancels them, so the workers are
 * always drained before the queue goes away.
 *
 * Snapshots: the section "<name>.9p" holds the tag and the server's
 * session (msize, every fid's path, owner and open flags); restore reopens
 * the open files by path.  Files deleted meanwhile, or unlinked while
 * open, cannot come back: I/O on their fids fails with EBADF.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <linux/virtio_9p.h>
#include <linux/virtio_ids.h>

#include "kvm/kvm.h"
#include "kvm/p9.h"
#include "kvm/snapshot.h"
#include "kvm/util.h"
#include "kvm/virtio.h"

#define P9_QUEUE_SIZE		128
#define P9_MIN_WORKERS		2
#define P9_MAX_WORKERS		8
#define P9_TAG_MAX		255
/* Legacy virtio-pci: keep the I/O BAR (24 bytes + config) at 256 bytes. */
#define P9_TAG_MAX_LEGACY	(256 - 24 - 2)
#define P9_SNAP_VERSION		1

struct p9_dev {
	struct virtio_dev	vdev;
	struct virtio_dev_ops	ops;		/* config_size is the tag's */
	struct p9_server	*srv;
	u16			tag_len;
	u8			config[2 + P9_TAG_MAX];	/* virtio_9p_config */

	pthread_mutex_t		lock;
	pthread_cond_t		work;		/* workers wait for a kick */
	pthread_cond_t		idle;		/* ... and signal when done */
	bool			enabled;	/* __atomic: queue usable */
	bool			kicked;		/* chains may be waiting */
	bool			exiting;
	int			nr_workers;
	int			nr_idle;
	int			nr_busy;
	pthread_t		workers[P9_MAX_WORKERS];
};

static void *p9_worker(void *opaque);

/* Start a worker, with every signal blocked; under p->lock. */
static void p9_spawn(struct p9_dev *p)
{
	sigset_t all, old;
	int ret;

	if (p->exiting || p->nr_workers >= P9_MAX_WORKERS)
		return;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = pthread_create(&p->workers[p->nr_workers], NULL, p9_worker, p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret)
		pr_warn_once("%s: cannot start a worker: %s", p->vdev.name,
			     strerror(ret));
	else
		p->nr_workers++;
}

/* Get another worker onto the queue; under p->lock. */
static void p9_wake_one(struct p9_dev *p)
{
	p->kicked = true;
	if (p->nr_idle)
		pthread_cond_signal(&p->work);
	else if (p->enabled && p->nr_busy >= p->nr_workers)
		p9_spawn(p);
}

struct p9_reply {
	struct p9_dev	*p;
	u16		head;
};

/* p9_handle_cb's callback: the reply goes to the driver. */
static void p9_replied(void *arg, u32 len)
{
	struct p9_reply *r = arg;

	virtq_push(&r->p->vdev.vq[0], r->head, len);
	virtio_signal_vq(&r->p->vdev, 0);
}

static void *p9_worker(void *opaque)
{
	struct p9_dev *p = opaque;
	struct virtio_dev *vdev = &p->vdev;
	struct virt_queue *vq = &vdev->vq[0];
	struct vq_chain *c = malloc(sizeof(*c));
	int r;

	pthread_mutex_lock(&p->lock);
	while (c) {
		while (!p->exiting && !(p->enabled && p->kicked)) {
			p->nr_idle++;
			pthread_cond_wait(&p->work, &p->lock);
			p->nr_idle--;
		}
		if (p->exiting)
			break;
		p->kicked = false;
		p->nr_busy++;
		pthread_mutex_unlock(&p->lock);

		while (__atomic_load_n(&p->enabled, __ATOMIC_ACQUIRE) &&
		       (r = virtq_pop(vq, c)) != 0) {
			struct p9_reply rep = { .p = p, .head = c->head };

			if (r < 0)
				continue;	/* malformed: returned */
			if (virtq_has_work(vq)) {
				pthread_mutex_lock(&p->lock);
				p9_wake_one(p);
				pthread_mutex_unlock(&p->lock);
			}
			p9_handle_cb(p->srv, c->iov, c->nr_out,
				     c->iov + c->nr_out, c->nr_in,
				     p9_replied, &rep);
		}

		pthread_mutex_lock(&p->lock);
		if (!--p->nr_busy)
			pthread_cond_broadcast(&p->idle);
	}
	pthread_mutex_unlock(&p->lock);
	free(c);
	return NULL;
}

static u64 p9_get_features(struct virtio_dev *vdev)
{
	return 1ULL << VIRTIO_9P_MOUNT_TAG;
}

static void p9_config_access(struct virtio_dev *vdev, u32 off, u8 *data,
			     u32 len, bool is_write)
{
	struct p9_dev *p = vdev->priv;

	/* Read-only; the transport checked off + len <= config_size. */
	if (!is_write)
		memcpy(data, p->config + off, len);
}

static void p9_queue_ready(struct virtio_dev *vdev, u16 q)
{
	struct p9_dev *p = vdev->priv;

	/*
	 * Wait for a kick: the ring is empty when a driver enables a queue,
	 * and on restore the transport sets the ring indices after this
	 * call (restore kicks the workers once everything is in place).
	 */
	pthread_mutex_lock(&p->lock);
	__atomic_store_n(&p->enabled, true, __ATOMIC_RELEASE);
	while (p->nr_workers < P9_MIN_WORKERS && !p->exiting) {
		int n = p->nr_workers;

		p9_spawn(p);
		if (p->nr_workers == n)
			break;
	}
	pthread_mutex_unlock(&p->lock);
}

static void p9_queue_notify(struct virtio_dev *vdev, u16 q)
{
	struct p9_dev *p = vdev->priv;

	pthread_mutex_lock(&p->lock);
	p9_wake_one(p);
	pthread_mutex_unlock(&p->lock);
}

/* Wait up to 50 ms for the workers to go idle; under p->lock. */
static void p9_wait_a_bit(struct p9_dev *p)
{
	struct timespec ts;

	cond_deadline_ms(&ts, 50);
	pthread_cond_timedwait(&p->idle, &p->lock, &ts);
}

/* Wait until no worker is on the queue; under p->lock. */
static void p9_wait_idle(struct p9_dev *p)
{
	while (p->nr_busy) {
		/* Requests waiting on FIFOs end with EINTR. */
		p9_server_cancel(p->srv, false);
		p9_wait_a_bit(p);
	}
}

static void p9_queue_stop(struct virtio_dev *vdev, u16 q)
{
	struct p9_dev *p = vdev->priv;

	pthread_mutex_lock(&p->lock);
	__atomic_store_n(&p->enabled, false, __ATOMIC_RELEASE);
	p->kicked = false;
	p9_wait_idle(p);
	pthread_mutex_unlock(&p->lock);
}

static void p9_reset(struct virtio_dev *vdev)
{
	struct p9_dev *p = vdev->priv;

	/* The queue is stopped: a new driver starts a new session. */
	p9_server_reset(p->srv);
}

/*
 * Section "<name>.9p": tag_len[2] tag[tag_len] session[...].  Every chain
 * the guest made available is answered first, so the session saved is
 * the one the guest's ring reflects (the VM is paused: no new ones come).
 * That holds only if the transport reads the ring indices after this
 * call: a chain answered here after they were read would be answered, or
 * taken, twice by the restored VM.
 */
static int p9_save(struct virtio_dev *vdev, struct snapshot *snap,
		   const char *prefix)
{
	struct p9_dev *p = vdev->priv;
	struct virt_queue *vq = &vdev->vq[0];
	u64 start = monotonic_ns();
	char id[64];
	void *blob;
	u8 *buf;
	u32 len;
	int ret;

	pthread_mutex_lock(&p->lock);
	while (p->enabled && (p->nr_busy || virtq_has_work(vq))) {
		u64 now = monotonic_ns();

		if (!p->nr_busy) {
			if (!p->nr_workers)
				break;	/* no thread could be started */
			p9_wake_one(p);
		}
		if (now > start + 10000000000ULL) {
			pr_warn("%s: requests still running after 10 s; the "
				"snapshot may miss their replies", vdev->name);
			break;
		}
		/* After 2 s, requests waiting on FIFOs end with EINTR. */
		if (now > start + 2000000000ULL)
			p9_server_cancel(p->srv, false);
		p9_wait_a_bit(p);
	}
	pthread_mutex_unlock(&p->lock);

	ret = p9_server_save(p->srv, &blob, &len);
	if (ret)
		return ret;
	buf = malloc(2 + p->tag_len + len);
	if (!buf) {
		free(blob);
		return -ENOMEM;
	}
	memcpy(buf, p->config, 2 + p->tag_len);
	memcpy(buf + 2 + p->tag_len, blob, len);
	snprintf(id, sizeof(id), "%s.9p", prefix);
	ret = snap_put(snap, id, P9_SNAP_VERSION, buf, 2 + p->tag_len + len);
	free(buf);
	free(blob);
	return ret;
}

static int p9_restore(struct virtio_dev *vdev, struct snapshot *snap,
		      const char *prefix)
{
	struct p9_dev *p = vdev->priv;
	const u8 *data;
	char id[64];
	u32 len, tl;
	int ret;

	snprintf(id, sizeof(id), "%s.9p", prefix);
	ret = snap_get_var(snap, id, P9_SNAP_VERSION, (const void **)&data,
			   &len);
	if (ret)
		return ret;
	tl = len >= 2 ? (u32)(data[0] | data[1] << 8) : 0;
	if (len < 2 || tl > P9_TAG_MAX || len < 2 + tl) {
		pr_err("snapshot: section %s is corrupt", id);
		return -EPROTO;
	}
	if (tl != p->tag_len || memcmp(data + 2, p->config + 2, tl))
		pr_warn("%s: the snapshot was taken with mount tag \"%.*s\", "
			"this device has \"%.*s\"", vdev->name, (int)tl,
			data + 2, (int)p->tag_len, p->config + 2);
	ret = p9_server_restore(p->srv, data + 2 + tl, len - 2 - tl);
	if (ret) {
		pr_err("snapshot: section %s: bad 9p session", id);
		return -EPROTO;
	}
	/* Serve what the guest queued before the snapshot. */
	pthread_mutex_lock(&p->lock);
	if (p->enabled)
		p9_wake_one(p);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

static void p9_exit(struct virtio_dev *vdev)
{
	struct p9_dev *p = vdev->priv;
	int i;

	pthread_mutex_lock(&p->lock);
	p->exiting = true;
	__atomic_store_n(&p->enabled, false, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	p9_server_cancel(p->srv, true);
	/* No worker starts once exiting is set: the list is final. */
	for (i = 0; i < p->nr_workers; i++)
		pthread_join(p->workers[i], NULL);
	p9_server_free(p->srv);
	pthread_cond_destroy(&p->idle);
	pthread_cond_destroy(&p->work);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

static const struct virtio_dev_ops p9_ops_template = {
	.name		= "9p",
	.device_id	= VIRTIO_ID_9P,
	.pci_class	= 0x00ff00,
	.nr_queues	= 1,
	.queue_size	= P9_QUEUE_SIZE,
	.get_features	= p9_get_features,
	.config_access	= p9_config_access,
	.queue_ready	= p9_queue_ready,
	.queue_notify	= p9_queue_notify,
	.queue_stop	= p9_queue_stop,
	.reset		= p9_reset,
	.save		= p9_save,
	.restore	= p9_restore,
	.exit		= p9_exit,
};

static int p9_check_config(struct kvm *kvm, int idx)
{
	const struct p9_config *cfg = &kvm->cfg.p9[idx];
	size_t max = kvm->cfg.virtio_legacy ? P9_TAG_MAX_LEGACY : P9_TAG_MAX;
	struct stat st;
	size_t i;
	int j;

	if (!cfg->dir || !*cfg->dir) {
		pr_err("9p: share %d has no directory", idx);
		return -EINVAL;
	}
	if (stat(cfg->dir, &st)) {
		pr_err("9p: %s: %s", cfg->dir, strerror(errno));
		return -EINVAL;
	}
	if (!S_ISDIR(st.st_mode)) {
		pr_err("9p: %s is not a directory", cfg->dir);
		return -EINVAL;
	}
	if (!cfg->tag || !*cfg->tag) {
		pr_err("9p: %s has no mount tag", cfg->dir);
		return -EINVAL;
	}
	if (strlen(cfg->tag) > max) {
		pr_err("9p: mount tag \"%.20s...\" is longer than %zu bytes",
		       cfg->tag, max);
		return -EINVAL;
	}
	for (i = 0; cfg->tag[i]; i++) {
		if ((u8)cfg->tag[i] <= ' ' || cfg->tag[i] == ',' ||
		    cfg->tag[i] == 0x7f) {
			pr_err("9p: mount tag \"%s\" has a space, comma or "
			       "control character", cfg->tag);
			return -EINVAL;
		}
	}
	for (j = 0; j < idx; j++) {
		const char *other = kvm->cfg.p9[j].tag;

		if (other && !strcmp(other, cfg->tag)) {
			pr_err("9p: mount tag \"%s\" is used twice", cfg->tag);
			return -EINVAL;
		}
	}
	return 0;
}

static int p9_dev_init(struct kvm *kvm, int idx)
{
	const struct p9_config *cfg = &kvm->cfg.p9[idx];
	struct p9_dev *p;
	char name[32];
	int ret;

	ret = p9_check_config(kvm, idx);
	if (ret)
		return ret;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->srv = p9_server_new(cfg->dir, P9_MSIZE_DEFAULT);
	if (!p->srv) {
		free(p);
		return -EINVAL;
	}
	p->tag_len = strlen(cfg->tag);
	/* tag_len is little-endian (legacy: guest-endian; all ours are LE). */
	p->config[0] = p->tag_len;
	p->config[1] = p->tag_len >> 8;
	memcpy(p->config + 2, cfg->tag, p->tag_len);
	p->ops = p9_ops_template;
	p->ops.config_size = 2 + p->tag_len;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->idle, NULL);

	snprintf(name, sizeof(name), "virtio-9p%d", idx);
	ret = virtio_dev_init(kvm, &p->vdev, &p->ops, p, name);
	if (ret) {
		p9_server_free(p->srv);
		pthread_cond_destroy(&p->idle);
		pthread_cond_destroy(&p->work);
		pthread_mutex_destroy(&p->lock);
		free(p);
		return ret;
	}
	pr_debug("%s: sharing %s as \"%s\"", name, cfg->dir, cfg->tag);
	return 0;
}

int virtio_9p__init(struct kvm *kvm)
{
	struct rlimit rl;
	int i, ret;

	if (!kvm->cfg.nr_p9)
		return 0;
	if (kvm->cfg.nr_p9 < 0 || kvm->cfg.nr_p9 > KVM_MAX_9P) {
		pr_err("9p: at most %d shares", KVM_MAX_9P);
		return -EINVAL;
	}
	/* Open files in the guest are open files here: allow what we may. */
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	for (i = 0; i < kvm->cfg.nr_p9; i++) {
		ret = p9_dev_init(kvm, i);
		if (ret)
			return ret;
	}
	return 0;
}
