// SPDX-License-Identifier: GPL-2.0
/*
 * 9P2000.L file server over one host directory (the share).
 *
 * Requests.  A request is first copied out of the caller's buffers (guest
 * memory, which the guest may change under us) into a private buffer and
 * parsed from there with bounds checks on every field: the size field must
 * equal the bytes present and fit the negotiated msize, strings and arrays
 * must lie inside the message, nothing may follow the last field, counts
 * are limited (Twalk: 16 names; Twrite: exactly the bytes present; Tread
 * and Treaddir: clamped to what fits the reply and msize).  A malformed
 * request gets Rlerror(EINVAL) before anything is done.  Replies are built
 * in a private buffer limited to min(msize, reply buffers) and copied out;
 * Rread data is read straight into the reply buffers.  If not even an
 * Rlerror fits, the reply length is 0.
 *
 * Confinement.  A fid is a path relative to the share ("" is its root)
 * made only of names that passed check_name(): no '/', no NUL, not "." or
 * "..".  Twalk's ".." is applied to that path as text, so it never leaves
 * the share (at the root it stays at the root).  Every operation resolves
 * the fid's parent directory again from the share's root fd, with
 * openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)
 * or, without openat2, one openat(O_PATH | O_NOFOLLOW | O_DIRECTORY) per
 * component; the last component is then used with a *at() call that does
 * not follow symlinks (AT_SYMLINK_NOFOLLOW, O_NOFOLLOW, fchmodat2 or an
 * O_PATH fd through /proc/self/fd).  So no symlink in the share is ever
 * followed by the host, whatever it points to and however the guest races
 * renames against us: at worst an operation hits another file *inside*
 * the share or fails.  The guest resolves symlinks itself (Treadlink).
 * Device nodes are never opened, and Tmknod creates only regular files,
 * FIFOs and sockets, so the guest cannot reach host devices either.
 *
 * Fids.  At most P9_MAX_FIDS, and at most max_open of them open, so a
 * guest cannot exhaust host memory or file descriptors.  Unknown fids get
 * EBADF, a newfid already in use EEXIST.  Fids are reference counted:
 * Tclunk or Tversion while another thread uses the fid frees it when that
 * thread is done.  Renames through the server update the paths of the
 * fids below the renamed name; renames done on the host behind our back
 * leave fids pointing at the old name (ENOENT).
 *
 * Ownership.  Everything runs with the VMM's credentials.  New files,
 * directories, symlinks and nodes get the attaching user's uid and the
 * requested gid with fchownat() and Tsetattr changes uid/gid the same
 * way, when the host allows it (the VMM runs as root); EPERM is ignored,
 * so an unprivileged VMM simply owns every file it creates.  Modes are
 * applied exactly (not through the VMM's umask).
 *
 * Blocking.  Only FIFOs can block indefinitely: they are opened
 * non-blocking and waited for with poll() in short slices, so Tflush of
 * the request, or p9_server_cancel(), ends the wait with EINTR.
 *
 * Not implemented: xattrs (ENOTSUP), authentication (Tauth fails), real
 * byte-range locks (Tlock always grants, Tgetlock reports no conflict;
 * the Linux client arbitrates locks between its own processes).
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>
#include <linux/openat2.h>

#include "kvm/p9.h"
#include "kvm/util.h"

#ifndef SYS_openat2
#define SYS_openat2		437
#endif
#ifndef SYS_fchmodat2
#define SYS_fchmodat2		452
#endif

#define FID_HASH		256
#define FID_PATH_BUDGET		(32 << 20)	/* bytes of fid paths */
#define P9_IOHDR		11	/* header, count[4]: Rread/Rreaddir */
#define POLL_SLICE_MS		100
#define DIRENT_BUF		32768
#define SNAP_MAGIC		0x53503950	/* "P9PS" */
#define SNAP_VERSION		1

/* A request being handled, for Tflush and p9_server_cancel(). */
struct p9_req {
	struct p9_req	*next;
	u16		tag;
	u8		type;
	bool		flushed;	/* __atomic */
};

struct p9_fid {
	struct p9_fid	*next;		/* hash chain, under s->lock */
	u32		id;
	u32		refs;		/* under s->lock; the table holds one */
	char		*path;		/* under s->lock; "" is the root */
	u32		uid;		/* n_uname of the attach */

	pthread_mutex_t	lock;		/* the open state below */
	bool		opening;	/* a Tlopen/Tlcreate is under way */
	int		fd;		/* -1, or the open file (then fixed) */
	u32		oflags;		/* P9_DOTL_* it was opened with */
	mode_t		kind;		/* S_IFMT of the open file */
	bool		nonblock;	/* the client asked for O_NONBLOCK */
};

struct p9_server {
	int		root_fd;	/* O_PATH */
	dev_t		root_dev;
	ino_t		root_ino;
	u32		msize_max;
	u32		msize;		/* __atomic: negotiated */
	bool		compat;		/* __atomic: no openat2() */
	bool		dead;		/* __atomic: cancel every wait */
	int		max_open;
	int		nr_open;	/* __atomic */

	pthread_mutex_t	lock;		/* fids, requests */
	pthread_cond_t	req_done;
	struct p9_fid	*fids[FID_HASH];
	u32		nr_fids;
	size_t		path_bytes;	/* __atomic: of every fid's path */
	struct p9_req	*reqs;
	int		nr_reqs;
};

struct p9_ctx {
	struct p9_server	*s;
	/* The request, a private copy. */
	const u8		*msg;
	u32			len;
	u32			off;
	bool			bad;
	char			*arena;		/* NUL-terminated strings */
	u32			arena_off;
	/* The reply, built here and copied out. */
	u8			*out;
	u32			out_len;
	u32			out_cap;
	u32			limit;		/* min(msize, reply buffers) */
	bool			overflow;
	const struct iovec	*resp;
	int			nr_resp;
	u32			data_len;	/* Rread data already in resp */
	struct p9_req		req;
};

/* Where a fid's file is: its parent directory (O_PATH) and name there. */
struct p9_loc {
	char		*path;
	int		dirfd;
	const char	*name;
};

/* ------------------------------------------------------------ iovecs */

static u64 iov_total(const struct iovec *iov, int n)
{
	u64 t = 0;
	int i;

	for (i = 0; i < n; i++) {
		t += iov[i].iov_len;
		if (t > UINT32_MAX)
			return (u64)UINT32_MAX + 1;
	}
	return t;
}

static void iov_copy(const struct iovec *iov, int n, size_t off, void *buf,
		     size_t len, bool to_iov)
{
	size_t done = 0;
	int i;

	for (i = 0; i < n && done < len; i++) {
		size_t l = iov[i].iov_len;
		u8 *p = iov[i].iov_base;

		if (off >= l) {
			off -= l;
			continue;
		}
		l = min_t(size_t, l - off, len - done);
		if (to_iov)
			memcpy(p + off, (u8 *)buf + done, l);
		else
			memcpy((u8 *)buf + done, p + off, l);
		done += l;
		off = 0;
	}
}

/* The part [off, off + len) of @iov as at most @max iovecs. */
static int iov_slice(const struct iovec *iov, int n, size_t off, size_t len,
		     struct iovec *out, int max)
{
	int i, k = 0;

	for (i = 0; i < n && len && k < max; i++) {
		size_t l = iov[i].iov_len;

		if (off >= l) {
			off -= l;
			continue;
		}
		l = min_t(size_t, l - off, len);
		out[k].iov_base = (u8 *)iov[i].iov_base + off;
		out[k].iov_len = l;
		k++;
		len -= l;
		off = 0;
	}
	return k;
}

/* ------------------------------------------------------ decode/encode */

static bool in_has(struct p9_ctx *c, u32 n)
{
	if (c->bad || c->len - c->off < n) {
		c->bad = true;
		return false;
	}
	return true;
}

static u8 get8(struct p9_ctx *c)
{
	if (!in_has(c, 1))
		return 0;
	return c->msg[c->off++];
}

static u16 get16(struct p9_ctx *c)
{
	u16 v;

	if (!in_has(c, 2))
		return 0;
	v = c->msg[c->off] | c->msg[c->off + 1] << 8;
	c->off += 2;
	return v;
}

static u32 get32(struct p9_ctx *c)
{
	u32 v = 0;
	int i;

	if (!in_has(c, 4))
		return 0;
	for (i = 3; i >= 0; i--)
		v = v << 8 | c->msg[c->off + i];
	c->off += 4;
	return v;
}

static u64 get64(struct p9_ctx *c)
{
	u64 lo = get32(c);

	return lo | (u64)get32(c) << 32;
}

/*
 * A string, as a NUL-terminated copy (the arena has room: every string
 * costs 2 + n bytes of message and n + 1 of arena).  NULL past the end.
 */
static const char *getstr(struct p9_ctx *c, u16 *lenp)
{
	u16 n = get16(c);
	char *s;

	if (!in_has(c, n))
		return NULL;
	if (!c->arena) {
		c->arena = malloc(c->len + 1);
		if (!c->arena) {
			c->bad = true;
			return NULL;
		}
	}
	s = c->arena + c->arena_off;
	memcpy(s, c->msg + c->off, n);
	s[n] = '\0';
	c->arena_off += n + 1;
	c->off += n;
	if (lenp)
		*lenp = n;
	return s;
}

/* Every field was there and nothing follows. */
static int in_done(struct p9_ctx *c)
{
	return c->bad || c->off != c->len ? -EINVAL : 0;
}

static u8 *out_room(struct p9_ctx *c, u32 n)
{
	u8 *p;

	if (c->overflow || c->limit - c->out_len < n) {
		c->overflow = true;
		return NULL;
	}
	if (c->out_len + n > c->out_cap) {
		u32 cap = max_t(u32, c->out_len + n, c->out_cap * 2);

		cap = min_t(u32, cap, c->limit);
		p = realloc(c->out, cap);
		if (!p) {
			c->overflow = true;
			return NULL;
		}
		c->out = p;
		c->out_cap = cap;
	}
	p = c->out + c->out_len;
	c->out_len += n;
	return p;
}

static void put_le(u8 *p, u64 v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		p[i] = v >> (8 * i);
}

static void put8(struct p9_ctx *c, u8 v)
{
	u8 *p = out_room(c, 1);

	if (p)
		*p = v;
}

static void put16(struct p9_ctx *c, u16 v)
{
	u8 *p = out_room(c, 2);

	if (p)
		put_le(p, v, 2);
}

static void put32(struct p9_ctx *c, u32 v)
{
	u8 *p = out_room(c, 4);

	if (p)
		put_le(p, v, 4);
}

static void put64(struct p9_ctx *c, u64 v)
{
	u8 *p = out_room(c, 8);

	if (p)
		put_le(p, v, 8);
}

static void putstr(struct p9_ctx *c, const char *s, size_t n)
{
	u8 *p;

	if (n > UINT16_MAX) {
		c->overflow = true;
		return;
	}
	put16(c, n);
	p = out_room(c, n);
	if (p)
		memcpy(p, s, n);
}

static u8 qid_type(mode_t mode)
{
	if (S_ISDIR(mode))
		return P9_QTDIR;
	if (S_ISLNK(mode))
		return P9_QTSYMLINK;
	return P9_QTFILE;
}

static u64 qid_path(struct p9_server *s, const struct stat *st)
{
	u64 path = st->st_ino;

	/* Files on other file systems mounted inside the share. */
	if (st->st_dev != s->root_dev)
		path ^= ((u64)st->st_dev * 0x9e3779b97f4a7c15ULL) &
			0xffff000000000000ULL;
	return path;
}

static void put_qid(struct p9_ctx *c, const struct stat *st)
{
	put8(c, qid_type(st->st_mode));
	put32(c, (u32)(st->st_mtim.tv_sec ^ ((u64)st->st_size << 8)));
	put64(c, qid_path(c->s, st));
}

/* ------------------------------------------------------------- paths */

/* A name the guest may create or look up: one plain component. */
static int check_name(const char *name, u16 len)
{
	if (!len || strlen(name) != len || strchr(name, '/'))
		return -EINVAL;
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return -EINVAL;
	if (len > NAME_MAX)
		return -ENAMETOOLONG;
	return 0;
}

static int path_join(const char *dir, const char *name, char **out)
{
	size_t dl = strlen(dir), nl = strlen(name);
	char *p;

	if (dl + 1 + nl >= PATH_MAX)
		return -ENAMETOOLONG;
	p = malloc(dl + 1 + nl + 1);
	if (!p)
		return -ENOMEM;
	if (dl) {
		memcpy(p, dir, dl);
		p[dl] = '/';
		memcpy(p + dl + 1, name, nl + 1);
	} else {
		memcpy(p, name, nl + 1);
	}
	*out = p;
	return 0;
}

static char *path_parent(const char *path)
{
	const char *slash = strrchr(path, '/');

	return strndup(path, slash ? (size_t)(slash - path) : 0);
}

static long sys_openat2(int dirfd, const char *path, struct open_how *how)
{
	return syscall(SYS_openat2, dirfd, path, how, sizeof(*how));
}

static void close_dir(struct p9_server *s, int fd)
{
	if (fd >= 0 && fd != s->root_fd)
		close(fd);
}

/*
 * The directory @dir of the share as an O_PATH fd (the root's own fd for
 * "": close it with close_dir()), never through a symlink.
 */
static int open_dir(struct p9_server *s, const char *dir)
{
	char buf[PATH_MAX], *comp, *save;
	int fd, nfd;

	if (!*dir)
		return s->root_fd;
	if (strlen(dir) >= sizeof(buf))
		return -ENAMETOOLONG;
	if (!__atomic_load_n(&s->compat, __ATOMIC_RELAXED)) {
		struct open_how how = {
			.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
			.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
				   RESOLVE_NO_MAGICLINKS,
		};

		fd = sys_openat2(s->root_fd, dir, &how);
		if (fd >= 0)
			return fd;
		/* A symlink on the way: not a directory, as far as we go. */
		if (errno == ELOOP)
			return -ENOTDIR;
		if (errno == ENOSYS)
			__atomic_store_n(&s->compat, true, __ATOMIC_RELAXED);
		else if (errno != EAGAIN)
			return -errno;
	}
	strcpy(buf, dir);
	fd = s->root_fd;
	for (comp = strtok_r(buf, "/", &save); comp;
	     comp = strtok_r(NULL, "/", &save)) {
		if (!strcmp(comp, ".") || !strcmp(comp, "..")) {
			close_dir(s, fd);
			return -EINVAL;
		}
		nfd = openat(fd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW |
			     O_CLOEXEC);
		close_dir(s, fd);
		if (nfd < 0)
			return errno == ELOOP ? -ENOTDIR : -errno;
		fd = nfd;
	}
	return fd;
}

/* Resolve @path (taken over) into its parent directory and name. */
static int loc_from_path(struct p9_server *s, char *path, struct p9_loc *l)
{
	char *slash = strrchr(path, '/');
	int fd;

	l->path = path;
	l->dirfd = -1;
	if (!path)
		return -ENOMEM;
	if (!*path) {
		l->dirfd = s->root_fd;
		l->name = ".";
		return 0;
	}
	if (slash) {
		*slash = '\0';
		fd = open_dir(s, path);
		*slash = '/';
		l->name = slash + 1;
	} else {
		fd = s->root_fd;
		l->name = path;
	}
	if (fd < 0)
		return fd;
	l->dirfd = fd;
	return 0;
}

static void loc_free(struct p9_server *s, struct p9_loc *l)
{
	close_dir(s, l->dirfd);
	free(l->path);
	l->path = NULL;
	l->dirfd = -1;
}

/* ------------------------------------------------------------- fids */

static void path_bytes_add(struct p9_server *s, ssize_t delta)
{
	__atomic_add_fetch(&s->path_bytes, (size_t)delta, __ATOMIC_RELAXED);
}

static struct p9_fid **fid_slot(struct p9_server *s, u32 id)
{
	struct p9_fid **pp = &s->fids[(id ^ id >> 8 ^ id >> 16) % FID_HASH];

	while (*pp && (*pp)->id != id)
		pp = &(*pp)->next;
	return pp;
}

static struct p9_fid *fid_get(struct p9_server *s, u32 id)
{
	struct p9_fid *f;

	pthread_mutex_lock(&s->lock);
	f = *fid_slot(s, id);
	if (f)
		f->refs++;
	pthread_mutex_unlock(&s->lock);
	return f;
}

static bool fid_exists(struct p9_server *s, u32 id)
{
	bool ret;

	pthread_mutex_lock(&s->lock);
	ret = *fid_slot(s, id) != NULL;
	pthread_mutex_unlock(&s->lock);
	return ret;
}

static void fid_free(struct p9_server *s, struct p9_fid *f)
{
	path_bytes_add(s, -(ssize_t)(strlen(f->path) + 1));
	if (f->fd >= 0) {
		close(f->fd);
		__atomic_sub_fetch(&s->nr_open, 1, __ATOMIC_RELAXED);
	}
	pthread_mutex_destroy(&f->lock);
	free(f->path);
	free(f);
}

static void fid_put(struct p9_server *s, struct p9_fid *f)
{
	u32 refs;

	pthread_mutex_lock(&s->lock);
	refs = --f->refs;
	pthread_mutex_unlock(&s->lock);
	if (!refs)
		fid_free(s, f);
}

/* Add fid @id for @path (taken over on success). */
static int fid_add(struct p9_server *s, u32 id, char *path, u32 uid,
		   struct p9_fid **out)
{
	struct p9_fid *f, **pp;

	if (id == P9_NOFID)
		return -EINVAL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->id = id;
	f->refs = out ? 2 : 1;
	f->path = path;
	f->uid = uid;
	f->fd = -1;
	pthread_mutex_init(&f->lock, NULL);

	pthread_mutex_lock(&s->lock);
	pp = fid_slot(s, id);
	if (*pp || s->nr_fids >= P9_MAX_FIDS ||
	    __atomic_load_n(&s->path_bytes, __ATOMIC_RELAXED) + strlen(path) +
	    1 > FID_PATH_BUDGET) {
		int err = *pp ? -EEXIST :
			  s->nr_fids >= P9_MAX_FIDS ? -EMFILE : -ENOMEM;

		pthread_mutex_unlock(&s->lock);
		pthread_mutex_destroy(&f->lock);
		free(f);
		return err;
	}
	*pp = f;
	s->nr_fids++;
	path_bytes_add(s, strlen(path) + 1);
	pthread_mutex_unlock(&s->lock);
	if (out)
		*out = f;
	return 0;
}

static int fid_del(struct p9_server *s, u32 id)
{
	struct p9_fid **pp, *f;
	u32 refs;

	pthread_mutex_lock(&s->lock);
	pp = fid_slot(s, id);
	f = *pp;
	if (!f) {
		pthread_mutex_unlock(&s->lock);
		return -EBADF;
	}
	*pp = f->next;
	s->nr_fids--;
	refs = --f->refs;
	pthread_mutex_unlock(&s->lock);
	if (!refs)
		fid_free(s, f);
	return 0;
}

static void fid_clear(struct p9_server *s)
{
	struct p9_fid *list = NULL, *f;
	int i;

	pthread_mutex_lock(&s->lock);
	for (i = 0; i < FID_HASH; i++) {
		while ((f = s->fids[i])) {
			s->fids[i] = f->next;
			if (--f->refs) {
				continue;
			}
			f->next = list;
			list = f;
		}
	}
	s->nr_fids = 0;
	pthread_mutex_unlock(&s->lock);
	while ((f = list)) {
		list = f->next;
		fid_free(s, f);
	}
}

static char *fid_path(struct p9_server *s, struct p9_fid *f)
{
	char *p;

	pthread_mutex_lock(&s->lock);
	p = strdup(f->path);
	pthread_mutex_unlock(&s->lock);
	return p;
}

static void fid_set_path(struct p9_server *s, struct p9_fid *f, char *path)
{
	char *old;

	pthread_mutex_lock(&s->lock);
	old = f->path;
	f->path = path;
	path_bytes_add(s, (ssize_t)strlen(path) - (ssize_t)strlen(old));
	pthread_mutex_unlock(&s->lock);
	free(old);
}

static int fid_loc(struct p9_server *s, struct p9_fid *f, struct p9_loc *l)
{
	char *p = fid_path(s, f);
	int ret;

	if (!p)
		return -ENOMEM;
	ret = loc_from_path(s, p, l);
	if (ret)
		loc_free(s, l);
	return ret;
}

/* The open fd of @f, or -1. */
static int fid_fd(struct p9_fid *f, mode_t *kind, bool *nonblock)
{
	int fd;

	pthread_mutex_lock(&f->lock);
	fd = f->fd;
	if (kind)
		*kind = f->kind;
	if (nonblock)
		*nonblock = f->nonblock;
	pthread_mutex_unlock(&f->lock);
	return fd;
}

/* A rename of @from to @to: fids at or below @from follow. */
static void fids_renamed(struct p9_server *s, const char *from, const char *to)
{
	size_t fl = strlen(from), tl = strlen(to);
	struct p9_fid *f;
	int i;

	pthread_mutex_lock(&s->lock);
	for (i = 0; i < FID_HASH; i++) {
		for (f = s->fids[i]; f; f = f->next) {
			char *np;

			if (strncmp(f->path, from, fl) ||
			    (f->path[fl] && f->path[fl] != '/'))
				continue;
			np = malloc(tl + strlen(f->path + fl) + 1);
			if (!np)
				continue;
			memcpy(np, to, tl);
			strcpy(np + tl, f->path + fl);
			path_bytes_add(s, (ssize_t)tl - (ssize_t)fl);
			free(f->path);
			f->path = np;
		}
	}
	pthread_mutex_unlock(&s->lock);
}

/* -------------------------------------------------------- host helpers */

static bool cancelled(struct p9_ctx *c)
{
	return __atomic_load_n(&c->req.flushed, __ATOMIC_ACQUIRE) ||
	       __atomic_load_n(&c->s->dead, __ATOMIC_ACQUIRE);
}

/* Wait for @events on @fd (a FIFO) until flushed or cancelled. */
static int wait_ready(struct p9_ctx *c, int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };
	int r;

	for (;;) {
		if (cancelled(c))
			return -EINTR;
		r = poll(&p, 1, POLL_SLICE_MS);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
	}
}

/* write() that turns a broken pipe into EPIPE without SIGPIPE. */
static ssize_t write_nosigpipe(int fd, const void *buf, size_t len)
{
	struct timespec zero = { 0, 0 };
	sigset_t set, old;
	ssize_t n;
	int err;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	n = write(fd, buf, len);
	err = errno;
	if (n < 0 && err == EPIPE)
		sigtimedwait(&set, NULL, &zero);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = err;
	return n;
}

/* chmod of @name in @dirfd without following a symlink. */
static int chmod_at(int dirfd, const char *name, mode_t mode)
{
	char proc[32];
	struct stat st;
	int fd, ret;

	if (!syscall(SYS_fchmodat2, dirfd, name, mode, AT_SYMLINK_NOFOLLOW))
		return 0;
	if (errno != ENOSYS)
		return -errno;
	fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		ret = -errno;
	} else if (S_ISLNK(st.st_mode)) {
		ret = -EOPNOTSUPP;
	} else {
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		ret = chmod(proc, mode) ? -errno : 0;
	}
	close(fd);
	return ret;
}

/* Give a new file the guest's owner and exact mode, where permitted. */
static void set_new_owner(int dirfd, const char *name, u32 uid, u32 gid)
{
	if (uid == P9_NONUNAME && gid == (u32)-1)
		return;
	/* EPERM when not root: the file stays the VMM's. */
	if (fchownat(dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW))
		pr_debug("9p: fchownat %s: %s", name, strerror(errno));
}

static void set_new_mode(int dirfd, const char *name, mode_t mode)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) ||
	    S_ISLNK(st.st_mode) || (st.st_mode & 07777) == mode)
		return;
	chmod_at(dirfd, name, mode);
}

static int dotl_to_host(u32 fl)
{
	int h = fl & O_ACCMODE;

	if (fl & P9_DOTL_CREATE)
		h |= O_CREAT;
	if (fl & P9_DOTL_EXCL)
		h |= O_EXCL;
	if (fl & P9_DOTL_TRUNC)
		h |= O_TRUNC;
	if (fl & P9_DOTL_APPEND)
		h |= O_APPEND;
	if (fl & P9_DOTL_DSYNC)
		h |= O_DSYNC;
	if (fl & P9_DOTL_SYNC)
		h |= O_SYNC;
	if (fl & P9_DOTL_DIRECTORY)
		h |= O_DIRECTORY;
	/*
	 * Dropped: NOCTTY, NOFOLLOW and CLOEXEC are always set; FASYNC,
	 * DIRECT (our buffers are not aligned), NOATIME (EPERM unless owner)
	 * and LARGEFILE (implied) do not apply; NONBLOCK is handled apart.
	 */
	return h;
}

static bool open_slot(struct p9_server *s)
{
	if (__atomic_add_fetch(&s->nr_open, 1, __ATOMIC_RELAXED) >
	    s->max_open) {
		__atomic_sub_fetch(&s->nr_open, 1, __ATOMIC_RELAXED);
		return false;
	}
	return true;
}

static void open_slot_put(struct p9_server *s)
{
	__atomic_sub_fetch(&s->nr_open, 1, __ATOMIC_RELAXED);
}

/*
 * Open @name in @dirfd with host @flags (plus O_CREAT/@mode) for a fid:
 * never through a symlink, never a device; FIFOs non-blocking (waits are
 * ours to make).  @c may be NULL (restore): then FIFO opens do not wait.
 */
static int open_file(struct p9_ctx *c, int dirfd, const char *name, int flags,
		     mode_t mode, bool nonblock, struct stat *st)
{
	int fd, ret;

	flags |= O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	if (!fstatat(dirfd, name, st, AT_SYMLINK_NOFOLLOW)) {
		if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
			return -EEXIST;
		if (S_ISLNK(st->st_mode))
			return -ELOOP;
		if (!S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode) &&
		    !S_ISFIFO(st->st_mode))
			return S_ISSOCK(st->st_mode) ? -ENXIO : -EPERM;
	} else if (!(flags & O_CREAT)) {
		return -errno;
	}
	for (;;) {
		fd = openat(dirfd, name, flags, mode);
		if (fd >= 0 || errno != ENXIO || nonblock || !c)
			break;
		/* A FIFO opened for writing before anyone reads it. */
		if (cancelled(c))
			return -EINTR;
		poll(NULL, 0, POLL_SLICE_MS / 2);
	}
	if (fd < 0)
		return -errno;
	if (fstat(fd, st)) {
		ret = -errno;
		goto fail;
	}
	if (!S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode) &&
	    !S_ISFIFO(st->st_mode)) {
		ret = -EPERM;
		goto fail;
	}
	if (!S_ISFIFO(st->st_mode) && !nonblock &&
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)) {
		ret = -errno;
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return ret;
}

/* ---------------------------------------------------------- messages */

static int op_version(struct p9_ctx *c)
{
	struct p9_server *s = c->s;
	u32 msize = get32(c);
	const char *version = getstr(c, NULL);
	int err = in_done(c);

	if (err)
		return err;
	if (msize < P9_MSIZE_MIN)
		return -EINVAL;
	msize = min_t(u32, msize, s->msize_max);
	/* A new session: every fid of the old one goes. */
	fid_clear(s);
	__atomic_store_n(&s->msize, msize, __ATOMIC_RELAXED);
	put32(c, msize);
	if (!strcmp(version, "9P2000.L"))
		putstr(c, "9P2000.L", 8);
	else
		putstr(c, "unknown", 7);
	return 0;
}

static int op_attach(struct p9_ctx *c)
{
	struct p9_server *s = c->s;
	u32 fid = get32(c), afid = get32(c);
	const char *uname, *aname;
	char buf[PATH_MAX], *path, *comp, *save;
	u32 uid;
	struct stat st;
	struct p9_loc l;
	int err, fd;
	size_t n = 0;

	uname = getstr(c, NULL);
	aname = getstr(c, NULL);
	uid = get32(c);
	err = in_done(c);
	if (err)
		return err;
	(void)uname;
	if (afid != P9_NOFID)
		return -EBADF;		/* there are no auth fids */
	/* aname: a directory inside the share, "" or "/" for its root. */
	if (strlen(aname) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, aname);
	path = calloc(1, sizeof(buf));
	if (!path)
		return -ENOMEM;
	for (comp = strtok_r(buf, "/", &save); comp;
	     comp = strtok_r(NULL, "/", &save)) {
		if (!strcmp(comp, "."))
			continue;
		if (!strcmp(comp, "..")) {
			free(path);
			return -EINVAL;
		}
		n += snprintf(path + n, PATH_MAX - n, "%s%s", n ? "/" : "",
			      comp);
	}
	comp = path;
	path = strdup(comp);
	free(comp);
	if (!path)
		return -ENOMEM;
	fd = open_dir(s, path);
	if (fd < 0) {
		free(path);
		return fd;
	}
	close_dir(s, fd);
	err = loc_from_path(s, strdup(path), &l);
	if (!err && fstatat(l.dirfd, l.name, &st, AT_SYMLINK_NOFOLLOW))
		err = -errno;
	loc_free(s, &l);
	if (!err)
		err = fid_add(s, fid, path, uid, NULL);
	if (err) {
		free(path);
		return err;
	}
	put_qid(c, &st);
	return 0;
}

static int op_flush(struct p9_ctx *c)
{
	struct p9_server *s = c->s;
	u16 oldtag = get16(c);
	struct p9_req *r;
	bool wait;
	int err = in_done(c);

	if (err)
		return err;
	pthread_mutex_lock(&s->lock);
	for (r = s->reqs; r; r = r->next)
		if (r != &c->req && r->tag == oldtag && r->type != P9_TFLUSH)
			__atomic_store_n(&r->flushed, true, __ATOMIC_RELEASE);
	/* The flushed request answers before we do. */
	do {
		wait = false;
		for (r = s->reqs; r; r = r->next)
			if (r != &c->req && r->tag == oldtag &&
			    r->type != P9_TFLUSH &&
			    __atomic_load_n(&r->flushed, __ATOMIC_RELAXED))
				wait = true;
		if (wait)
			pthread_cond_wait(&s->req_done, &s->lock);
	} while (wait);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

static int op_walk(struct p9_ctx *c)
{
	struct p9_server *s = c->s;
	u32 fid = get32(c), newfid = get32(c);
	u16 nwname = get16(c), lens[P9_MAXWELEM], i, nq = 0;
	const char *names[P9_MAXWELEM];
	struct p9_fid *f;
	char *cur = NULL, *next;
	u32 count = c->out_len;
	int err = 0;

	if (nwname > P9_MAXWELEM)
		return -EINVAL;
	for (i = 0; i < nwname; i++)
		names[i] = getstr(c, &lens[i]);
	err = in_done(c);
	if (err)
		return err;
	for (i = 0; i < nwname; i++) {
		if (strcmp(names[i], "..") || lens[i] != 2) {
			err = check_name(names[i], lens[i]);
			if (err)
				return err;
		}
	}
	f = fid_get(s, fid);
	if (!f)
		return -EBADF;
	if (newfid != fid && fid_exists(s, newfid)) {
		err = -EEXIST;
		goto out;
	}
	if (newfid == fid && nwname && fid_fd(f, NULL, NULL) >= 0) {
		err = -EINVAL;		/* an open fid cannot move */
		goto out;
	}
	cur = fid_path(s, f);
	if (!cur || !out_room(c, 2)) {
		err = cur ? -ENOBUFS : -ENOMEM;
		goto out;
	}
	for (i = 0; i < nwname; i++) {
		struct stat st;
		int dfd;

		/* Only a directory can be walked from. */
		dfd = open_dir(s, cur);
		if (dfd < 0) {
			err = dfd;
			break;
		}
		if (!strcmp(names[i], "..")) {
			struct p9_loc l;

			close_dir(s, dfd);
			next = path_parent(cur);
			if (!next) {
				err = -ENOMEM;
				break;
			}
			err = loc_from_path(s, strdup(next), &l);
			if (!err && fstatat(l.dirfd, l.name, &st,
					    AT_SYMLINK_NOFOLLOW))
				err = -errno;
			loc_free(s, &l);
			if (err)
				free(next);
		} else {
			err = fstatat(dfd, names[i], &st, AT_SYMLINK_NOFOLLOW) ?
			      -errno : 0;
			close_dir(s, dfd);
			if (!err)
				err = path_join(cur, names[i], &next);
		}
		if (err)
			break;
		put_qid(c, &st);
		free(cur);
		cur = next;
		nq++;
	}
	if (nwname && !nq)
		goto out;		/* the first name failed: Rlerror */
	err = 0;
	if (nq == nwname) {
		if (newfid == fid) {
			fid_set_path(s, f, cur);
			cur = NULL;
		} else {
			err = fid_add(s, newfid, cur, f->uid, NULL);
			if (!err)
				cur = NULL;
		}
	}
	if (!err && !c->overflow)
		put_le(c->out + count, nq, 2);
out:
	free(cur);
	fid_put(s, f);
	return err;
}

static void put_stat_dotl(struct p9_ctx *c, const struct stat *st)
{
	u64 rdev = (minor(st->st_rdev) & 0xff) |
		   (u64)major(st->st_rdev) << 8 |
		   (u64)(minor(st->st_rdev) & ~0xffU) << 12;

	put64(c, P9_GETATTR_BASIC);
	put_qid(c, st);
	put32(c, st->st_mode);
	put32(c, st->st_uid);
	put32(c, st->st_gid);
	put64(c, st->st_nlink);
	put64(c, rdev);
	put64(c, st->st_size);
	put64(c, st->st_blksize);
	put64(c, st->st_blocks);
	put64(c, st->st_atim.tv_sec);
	put64(c, st->st_atim.tv_nsec);
	put64(c, st->st_mtim.tv_sec);
	put64(c, st->st_mtim.tv_nsec);
	put64(c, st->st_ctim.tv_sec);
	put64(c, st->st_ctim.tv_nsec);
	put64(c, 0);			/* btime */
	put64(c, 0);
	put64(c, 0);			/* gen */
	put64(c, 0);			/* data_version */
}

/* The attributes of the fid's file (the open one if open). */
static int fid_stat(struct p9_server *s, struct p9_fid *f, struct stat *st)
{
	struct p9_loc l;
	int fd = fid_fd(f, NULL, NULL), err;

	if (fd >= 0)
		return fstat(fd, st) ? -errno : 0;
	err = fid_loc(s, f, &l);
	if (err)
		return err;
	if (fstatat(l.dirfd, l.name, st, AT_SYMLINK_NOFOLLOW))
		err = -errno;
	loc_free(s, &l);
	return err;
}

static int op_getattr(struct p9_ctx *c)
{
	u32 fid = get32(c);
	struct p9_fid *f;
	struct stat st;
	int err;

	get64(c);			/* request_mask: we send the basics */
	err = in_done(c);
	if (err)
		return err;
	f = fid_get(c->s, fid);
	if (!f)
		return -EBADF;
	err = fid_stat(c->s, f, &st);
	fid_put(c->s, f);
	if (!err)
		put_stat_dotl(c, &st);
	return err;
}

static int truncate_at(int dirfd, const char *name, off_t size)
{
	struct stat st;
	int fd, ret;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	fd = openat(dirfd, name, O_WRONLY | O_NOFOLLOW | O_NONBLOCK |
		    O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st))
		ret = -errno;
	else if (!S_ISREG(st.st_mode))
		ret = -EINVAL;
	else
		ret = ftruncate(fd, size) ? -errno : 0;
	close(fd);
	return ret;
}

static int op_setattr(struct p9_ctx *c)
{
	struct p9_server *s = c->s;
	u32 fid = get32(c), valid = get32(c), mode = get32(c);
	u32 uid = get32(c), gid = get32(c);
	u64 size = get64(c);
	u64 asec = get64(c), ansec = get64(c);
	u64 msec = get64(c), mnsec = get64(c);
	struct p9_fid *f;
	struct p9_loc l;
	mode_t kind;
	bool writable;
	int err = in_done(c), fd;

	if (err)
		return err;
	if (((valid & P9_SETATTR_SIZE) && size > INT64_MAX) ||
	    ((valid & P9_SETATTR_ATIME_SET) &&
	     (ansec >= 1000000000 || asec > INT64_MAX)) ||
	    ((valid & P9_SETATTR_MTIME_SET) &&
	     (mnsec >= 1000000000 || msec > INT64_MAX)))
		return -EINVAL;
	f = fid_get(s, fid);
	if (!f)
		return -EBADF;
	err = fid_loc(s, f, &l);
	if (err)
		goto out;
	if (valid & P9_SETATTR_MODE) {
		err = chmod_at(l.dirfd, l.name, mode & 07777);
		if (err)
			goto out_loc;
	}
	if (valid & (P9_SETATTR_UID | P9_SETATTR_GID)) {
		uid_t u = valid & P9_SETATTR_UID ? uid : (uid_t)-1;
		gid_t g = valid & P9_SETATTR_GID ? gid : (gid_t)-1;

		/* Recorded where the host lets us, else ignored. */
		if (fchownat(l.dirfd, l.name, u, g, AT_SYMLINK_NOFOLLOW) &&
		    errno != EPERM && errno != EINVAL) {
			err = -errno;
			goto out_loc;
		}
	}
	if (valid & P9_SETATTR_SIZE) {
		pthread_mutex_lock(&f->lock);
		fd = f->fd;
		kind = f->kind;
		writable = (f->oflags & O_ACCMODE) == P9_DOTL_WRONLY ||
			   (f->oflags & O_ACCMODE) == P9_DOTL_RDWR;
		pthread_mutex_unlock(&f->lock);
		if (fd >= 0 && S_ISREG(kind) && writable)
			err = ftruncate(fd, size) ? -errno : 0;
		else
			err = truncate_at(l.dirfd, l.name, size);
		if (err)
			goto out_loc;
	}
	if (valid & (P9_SETATTR_ATIME | P9_SETATTR_MTIME |
		     P9_SETATTR_ATIME_SET | P9_SETATTR_MTIME_SET)) {
		struct timespec ts[2] = {
			{ .tv_nsec = UTIME_OMIT }, { .tv_nsec = UTIME_OMIT },
		};

		if (valid & P9_SETATTR_ATIME_SET)
			ts[0] = (struct timespec){ asec, ansec };
		else if (valid & P9_SETATTR_ATIME)
			ts[0].tv_nsec = UTIME_NOW;
		if (valid & P9_SETATTR_MTIME_SET)
			ts[1] = (struct timespec){ msec, mnsec };
		else if (valid & P9_SETATTR_MTIME)
			ts[1].tv_nsec = UTIME_NOW;
		if (utimensat(l.dirfd, l.name, ts, AT_SYMLINK_NOFOLLOW))
			err = -errno;
	}
out_loc:
	loc_free(s, &l);
out:
	fid_put(s, f);
	return err;
}

/* Claim @f for opening: it must not be open or being opened. */
static int fid_begin_open(struct p9_fid *f)
{
	int err = 0;

	pthread_mutex_lock(&f->lock);
	if (f->fd >= 0 || f->opening)
		err = -EINVAL;
	else
		f->opening = true;
	pthread_mutex_unlock(&f->lock);
	return err;
}

static void fid_end_open(struct p9_fid *f, int fd, u32 oflags, mode_t kind)
{
	pthread_mutex_lock(&f->lock);
	f->opening = false;
	if (fd >= 0) {
		f->fd = fd;
		f->oflags = oflags;
		f->kind = kind & S_IFMT;
		f->nonblock = oflags & P9_DOTL_NONBLOCK;
	}
	pthread_mutex_unlock(&f->lock);
}

static int op_lopen(struct p9_ctx *c)
{
	struct p9_server *s = c->s;
	u32 fid = get32(c), flags = get32(c);
	struct p9_fid *f;
	struct p9_loc l;
	struct stat st = { 0 };
	int err = in_done(c), fd = -1;

	if (err)
		return err;
	flags &= ~(P9_DOTL_CREATE | P9_DOTL_EXCL);
	f = fid_get(s, fid);
	if (!f)
		return -EBADF;
	err = fid_begin_open(f);
	if (err)
		goto out;
	if (!open_slot(s)) {
		err = -EMFILE;
	} else {
		err = fid_loc(s, f, &l);
		if (!err) {
			fd = open_file(c, l.dirfd, l.name, dotl_to_host(flags),
				       0, flags & P9_DOTL_NONBLOCK, &st);
			loc_free(s, &l);
			if (fd < 0)
				err = fd;
		}
		if (err)
			open_slot_put(s);
	}
	/* What a reopen after restore needs: not the truncation again. */
	fid_end_open(f, fd, flags & ~P9_DOTL_TRUNC, st.st_mode);
	if (!err) {
		put_qid(c, &st);
		put32(c, 0);		/* iounit: msize - P9_IOHDRSZ */
	}
out:
	fid_put(s, f);
	return err;
}

static int op_lcreate(struct p9_ctx *c)
{
	struct p9_server *s = c->s;
	u32 fid = get32(c), flags, mode, gid;
	const char *name;
	u16 nlen;
	struct p9_fid *f;
	struct stat st = { 0 };
	char *dir = NULL, *path = NULL;
	int err, dfd = -1, fd = -1, hflags;
	bool created = false;

	name = getstr(c, &nlen);
	flags = get32(c);
	mode = get32(c) & 07777;
	gid = get32(c);
	err = in_done(c);
	if (err)
		return err;
	err = check_name(name, nlen);
	if (err)
		return err;
	f = fid_get(s, fid);
	if (!f)
		return -EBADF;
	err = fid_begin_open(f);
	if (err)
		goto out;
	if (!open_slot(s)) {
		err = -EMFILE;
		goto out_open;
	}
	dir = fid_path(s, f);
	err = dir ? path_join(dir, name, &path) : -ENOMEM;
	if (!err) {
		dfd = open_dir(s, dir);
		if (dfd < 0)
			err = dfd;
	}
	if (err)
		goto out_slot;
	hflags = dotl_to_host(flags) & ~(O_CREAT | O_EXCL | O_DIRECTORY);
	/* Create it ourselves to know whether it is new. */
	fd = open_file(c, dfd, name, hflags | O_CREAT | O_EXCL, mode,
		       flags & P9_DOTL_NONBLOCK, &st);
	if (fd >= 0)
		created = true;
	else if (fd == -EEXIST && !(flags & P9_DOTL_EXCL))
		fd = open_file(c, dfd, name, hflags, 0,
			       flags & P9_DOTL_NONBLOCK, &st);
	if (fd < 0) {
		err = fd;
		goto out_slot;
	}
	if (created) {
		/* Owner first: a chown clears the set-id bits. */
		if ((f->uid != P9_NONUNAME || gid != (u32)-1) &&
		    fchown(fd, f->uid, gid))
			pr_debug("9p: fchown %s: %s", name, strerror(errno));
		if (fstat(fd, &st) == 0 && (st.st_mode & 07777) != mode &&
		    fchmod(fd, mode))
			pr_debug("9p: fchmod %s: %s", name, strerror(errno));
		if (fstat(fd, &st)) {
			err = -errno;
			close(fd);
			fd = -1;
			goto out_slot;
		}
	}
	fid_set_path(s, f, path);
	path = NULL;
	put_qid(c, &st);
	put32(c, 0);
	goto out_open;
out_slot:
	open_slot_put(s);
out_open:
	fid_end_open(f, fd, flags & ~(P9_DOTL_CREATE | P9_DOTL_EXCL |
				      P9_DOTL_TRUNC), st.st_mode);
out:
	if (dfd >= 0)
		close_dir(s, dfd);
	free(dir);
	free(path);
	fid_put(s, f);
	return err;
}

/*
 * The open file of @fid for a Tread or Twrite at @off: 0 with *@fp (for
 * fid_put), *@fd, *@kind and *@nonblock set, or -errno.
 */
static int io_fid(struct p9_server *s, u32 fid, u64 off, struct p9_fid **fp,
		  int *fd, mode_t *kind, bool *nonblock)
{
	struct p9_fid *f;
	int err = 0;

	if (off > INT64_MAX)
		return -EINVAL;
	f = fid_get(s, fid);
	if (!f)
		return -EBADF;
	*fd = fid_fd(f, kind, nonblock);
	if (*fd < 0)
		err = -EBADF;
	else if (S_ISDIR(*kind))
		err = -EISDIR;
	if (err) {
		fid_put(s, f);
		return err;
	}
	*fp = f;
	return 0;
}

static int op_read(struct p9_ctx *c)
{
	struct p9_server *s = c->s;
	u32 fid = get32(c), count;
	u64 off = get64(c);
	struct iovec iov[256];
	struct p9_fid *f;
	bool nonblock;
	mode_t kind;
	ssize_t n = 0;
	size_t done = 0;
	int err, fd, nr;

	count = get32(c);
	err = in_done(c);
	if (!err)
		err = io_fid(s, fid, off, &f, &fd, &kind, &nonblock);
	if (err)
		return err;
	count = min_t(u32, count, c->limit - P9_IOHDR);
	while (done < count) {
		nr = iov_slice(c->resp, c->nr_resp, P9_IOHDR + done,
			       count - done, iov, ARRAY_SIZE(iov));
		if (S_ISFIFO(kind)) {
			if (!nonblock) {
				err = wait_ready(c, fd, POLLIN);
				if (err)
					break;
			}
			n = readv(fd, iov, nr);
		} else {
			n = preadv(fd, iov, nr, off + done);
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			err = -errno;
		if (n <= 0)
			break;
		done += n;
		if (S_ISFIFO(kind))
			break;
	}
	/* Data already read is returned; an error only if there is none. */
	if (done)
		err = 0;
	if (!err) {
		c->data_len = done;
		put32(c, done);
	}
	fid_put(s, f);
	return err;
}

static int op_write(struct p9_ctx *c)
{
	struct p9_server *s = c->s;
	u32 fid = get32(c), count;
	u64 off = get64(c);
	const u8 *data;
	struct p9_fid *f;
	bool nonblock;
	mode_t kind;
	size_t done = 0;
	ssize_t n;
	int err = 0, fd;

	count = get32(c);
	if (!c->bad && count != c->len - c->off)
		return -EINVAL;
	data = c->msg + c->off;
	c->off += count;
	err = in_done(c);
	if (!err)
		err = io_fid(s, fid, off, &f, &fd, &kind, &nonblock);
	if (err)
		return err;
	while (done < count) {
		if (S_ISFIFO(kind)) {
			if (!nonblock) {
				err = wait_ready(c, fd, POLLOUT);
				if (err)
					break;
			}
			n = write_nosigpipe(fd, data + done, count - done);
		} else {
			n = pwrite(fd, data + done, count - done, off + done);
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		if (!n) {
			err = -EIO;
			break;
		}
		done += n;
		if (S_ISFIFO(kind))
			break;
	}
	if (done)
		err = 0;
	if (!err)
		put32(c, done);
	fid_put(s, f);
	return err;
}

static int op_clunk(struct p9_ctx *c)
{
	u32 fid = get32(c);
	int err = in_done(c);

	return err ? err : fid_del(c->s, fid);
}

static int op_remove(struct p9_ctx *c)
{
	struct p9_server *s = c->s;
	u32 fid = get32(c);
	struct p9_fid *f;
	struct p9_loc l;
	struct stat st;
	int err = in_done(c), err2;

	if (err)
		return err;
	f = fid_get(s, fid);
	if (!f)
		return -EBADF;
	err = fid_loc(s, f, &l);
	if (!err) {
		if (!*l.path)
			err = -EBUSY;	/* the share itself */
		else if (fstatat(l.dirfd, l.name, &st, AT_SYMLINK_NOFOLLOW))
			err = -errno;
		else if (unlinkat(l.dirfd, l.name,
				  S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0))
			err = -errno;
		loc_free(s, &l);
	}
	fid_put(s, f);
	/* The fid goes even if the file stays. */
	err2 = fid_del(s, fid);
	return err ? err : err2;
}

struct dirent64_hdr {
	u64		d_ino;
	s64		d_off;
	unsigned short	d_reclen;
	unsigned char	d_type;
	char		d_name[];
};

#define DIRENT_NAME_OFF	offsetof(struct dirent64_hdr, d_name)

static int op_readdir(struct p9_ctx *c)
{
	struct p9_server *s = c->s;
	u32 fid = get32(c), count, used = 0;
	u64 off = get64(c);
	struct p9_fid *f;
	u8 *buf = NULL;
	u32 countp = c->out_len;
	bool full = false, root;
	char *path;
	int err, fd;

	count = get32(c);
	err = in_done(c);
	if (err)
		return err;
	if (off > INT64_MAX)
		return -EINVAL;
	count = min_t(u32, count, c->limit - P9_IOHDR);
	f = fid_get(s, fid);
	if (!f)
		return -EBADF;
	path = fid_path(s, f);
	root = path && !*path;
	free(path);
	buf = malloc(DIRENT_BUF);
	if (!out_room(c, 4) || !buf) {
		err = -ENOMEM;
		goto out;
	}
	pthread_mutex_lock(&f->lock);
	fd = f->fd;
	if (fd < 0 || !S_ISDIR(f->kind)) {
		err = fd < 0 ? -EBADF : -ENOTDIR;
		goto unlock;
	}
	if (lseek(fd, off, SEEK_SET) < 0) {
		err = -errno;
		goto unlock;
	}
	while (!full) {
		long n = syscall(SYS_getdents64, fd, buf, DIRENT_BUF), pos;

		if (n < 0) {
			if (!used)
				err = -errno;
			break;
		}
		if (!n)
			break;
		for (pos = 0; pos < n;) {
			struct dirent64_hdr *d = (void *)(buf + pos);
			size_t nl;
			u8 type;
			u64 ino;

			if (d->d_reclen <= DIRENT_NAME_OFF ||
			    pos + d->d_reclen > n)
				break;
			pos += d->d_reclen;
			nl = strnlen(d->d_name, d->d_reclen - DIRENT_NAME_OFF);
			if (P9_QID_SIZE + 8 + 1 + 2 + nl > count - used) {
				full = true;
				break;
			}
			ino = d->d_ino;
			if (root && !strcmp(d->d_name, ".."))
				ino = s->root_ino;	/* no way up */
			type = d->d_type == DT_DIR ? P9_QTDIR :
			       d->d_type == DT_LNK ? P9_QTSYMLINK : P9_QTFILE;
			put8(c, type);
			put32(c, 0);
			put64(c, ino);
			put64(c, d->d_off);
			put8(c, d->d_type);
			putstr(c, d->d_name, nl);
			used += P9_QID_SIZE + 8 + 1 + 2 + nl;
		}
	}
	if (!err && !c->overflow)
		put_le(c->out + countp, used, 4);
unlock:
	pthread_mutex_unlock(&f->lock);
out:
	free(buf);
	fid_put(s, f);
	return err;
}

/* The directory of @dfid, opened, and its path (for a new name in it). */
static int dir_of_fid(struct p9_server *s, u32 dfid, int *dfd, char **path,
		      u32 *uid)
{
	struct p9_fid *f = fid_get(s, dfid);
	int fd;

	if (!f)
		return -EBADF;
	*path = fid_path(s, f);
	if (uid)
		*uid = f->uid;
	fid_put(s, f);
	if (!*path)
		return -ENOMEM;
	fd = open_dir(s, *path);
	if (fd < 0) {
		free(*path);
		*path = NULL;
		return fd;
	}
	*dfd = fd;
	return 0;
}

/* Reply with the qid of the new @name in @dfd. */
static int reply_new(struct p9_ctx *c, int dfd, const char *name)
{
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return -errno;
	put_qid(c, &st);
	return 0;
}

static int op_mkdir(struct p9_ctx *c)
{
	struct p9_server *s = c->s;
	u32 dfid = get32(c), mode, gid, uid;
	const char *name;
	u16 nlen;
	char *path;
	int err, dfd;

	name = getstr(c, &nlen);
	mode = get32(c) & 07777;
	gid = get32(c);
	err = in_done(c);
	if (!err)
		err = check_name(name, nlen);
	if (!err)
		err = dir_of_fid(s, dfid, &dfd, &path, &uid);
	if (err)
		return err;
	if (mkdirat(dfd, name, mode)) {
		err = -errno;
	} else {
		set_new_owner(dfd, name, uid, gid);
		set_new_mode(dfd, name, mode);
		err = reply_new(c, dfd, name);
	}
	close_dir(s, dfd);
	free(path);
	return err;
}

static int op_symlink(struct p9_ctx *c)
{
	struct p9_server *s = c->s;
	u32 dfid = get32(c), gid, uid;
	const char *name, *target;
	u16 nlen, tlen;
	char *path;
	int err, dfd;

	name = getstr(c, &nlen);
	target = getstr(c, &tlen);
	gid = get32(c);
	err = in_done(c);
	if (!err)
		err = check_name(name, nlen);
	if (!err && (!tlen || strlen(target) != tlen))
		err = -EINVAL;
	if (!err)
		err = dir_of_fid(s, dfid, &dfd, &path, &uid);
	if (err)
		return err;
	/* The target is only text to us: the guest resolves it. */
	if (symlinkat(target, dfd, name)) {
		err = -errno;
	} else {
		set_new_owner(dfd, name, uid, gid);
		err = reply_new(c, dfd, name);
	}
	close_dir(s, dfd);
	free(path);
	return err;
}

static int op_mknod(struct p9_ctx *c)
{
	struct p9_server *s = c->s;
	u32 dfid = get32(c), mode, gid, uid;
	const char *name;
	u16 nlen;
	char *path;
	mode_t type;
	int err, dfd;

	name = getstr(c, &nlen);
	mode = get32(c);
	get32(c);			/* major */
	get32(c);			/* minor */
	gid = get32(c);
	err = in_done(c);
	if (!err)
		err = check_name(name, nlen);
	if (err)
		return err;
	type = mode & S_IFMT;
	if (!type)
		type = S_IFREG;
	/* No device nodes: they would open host devices to host users. */
	if (type == S_IFCHR || type == S_IFBLK)
		return -EPERM;
	if (type != S_IFREG && type != S_IFIFO && type != S_IFSOCK)
		return -EINVAL;
	err = dir_of_fid(s, dfid, &dfd, &path, &uid);
	if (err)
		return err;
	if (mknodat(dfd, name, type | (mode & 07777), 0)) {
		err = -errno;
	} else {
		set_new_owner(dfd, name, uid, gid);
		set_new_mode(dfd, name, mode & 07777);
		err = reply_new(c, dfd, name);
	}
	close_dir(s, dfd);
	free(path);
	return err;
}

static int op_readlink(struct p9_ctx *c)
{
	struct p9_server *s = c->s;
	u32 fid = get32(c);
	char buf[PATH_MAX];
	struct p9_fid *f;
	struct p9_loc l;
	ssize_t n;
	int err = in_done(c);

	if (err)
		return err;
	f = fid_get(s, fid);
	if (!f)
		return -EBADF;
	err = fid_loc(s, f, &l);
	fid_put(s, f);
	if (err)
		return err;
	n = readlinkat(l.dirfd, l.name, buf, sizeof(buf));
	if (n < 0)
		err = -errno;
	else if (n >= (ssize_t)sizeof(buf))
		err = -ENAMETOOLONG;
	else
		putstr(c, buf, n);
	loc_free(s, &l);
	return err;
}

static int op_link(struct p9_ctx *c)
{
	struct p9_server *s = c->s;
	u32 dfid = get32(c), fid = get32(c);
	const char *name;
	u16 nlen;
	struct p9_fid *f;
	struct p9_loc l;
	char *dpath;
	int err, dfd;

	name = getstr(c, &nlen);
	err = in_done(c);
	if (!err)
		err = check_name(name, nlen);
	if (err)
		return err;
	f = fid_get(s, fid);
	if (!f)
		return -EBADF;
	err = fid_loc(s, f, &l);
	fid_put(s, f);
	if (err)
		return err;
	err = dir_of_fid(s, dfid, &dfd, &dpath, NULL);
	if (!err) {
		/* Flags 0: a symlink is linked, not followed. */
		if (linkat(l.dirfd, l.name, dfd, name, 0))
			err = -errno;
		close_dir(s, dfd);
		free(dpath);
	}
	loc_free(s, &l);
	return err;
}

static int do_rename(struct p9_server *s, int odfd, const char *opath,
		     const char *oname, int ndfd, const char *npath,
		     const char *nname)
{
	char *from, *to;
	int err;

	err = path_join(opath, oname, &from);
	if (err)
		return err;
	err = path_join(npath, nname, &to);
	if (!err) {
		if (renameat(odfd, oname, ndfd, nname))
			err = -errno;
		else
			fids_renamed(s, from, to);
		free(to);
	}
	free(from);
	return err;
}

static int op_rename(struct p9_ctx *c)
{
	struct p9_server *s = c->s;
	u32 fid = get32(c), dfid = get32(c);
	const char *name;
	u16 nlen;
	struct p9_fid *f;
	struct p9_loc l;
	char *dpath, *opath;
	int err, dfd;

	name = getstr(c, &nlen);
	err = in_done(c);
	if (!err)
		err = check_name(name, nlen);
	if (err)
		return err;
	f = fid_get(s, fid);
	if (!f)
		return -EBADF;
	err = fid_loc(s, f, &l);
	fid_put(s, f);
	if (err)
		return err;
	if (!*l.path) {
		loc_free(s, &l);
		return -EBUSY;
	}
	err = dir_of_fid(s, dfid, &dfd, &dpath, NULL);
	if (!err) {
		opath = path_parent(l.path);
		if (!opath)
			err = -ENOMEM;
		else
			err = do_rename(s, l.dirfd, opath, l.name, dfd, dpath,
					name);
		free(opath);
		close_dir(s, dfd);
		free(dpath);
	}
	loc_free(s, &l);
	return err;
}

static int op_renameat(struct p9_ctx *c)
{
	struct p9_server *s = c->s;
	u32 ofid = get32(c), nfid;
	const char *oname, *nname;
	u16 olen, nlen;
	char *opath, *npath;
	int err, odfd, ndfd;

	oname = getstr(c, &olen);
	nfid = get32(c);
	nname = getstr(c, &nlen);
	err = in_done(c);
	if (!err)
		err = check_name(oname, olen);
	if (!err)
		err = check_name(nname, nlen);
	if (!err)
		err = dir_of_fid(s, ofid, &odfd, &opath, NULL);
	if (err)
		return err;
	err = dir_of_fid(s, nfid, &ndfd, &npath, NULL);
	if (!err) {
		err = do_rename(s, odfd, opath, oname, ndfd, npath, nname);
		close_dir(s, ndfd);
		free(npath);
	}
	close_dir(s, odfd);
	free(opath);
	return err;
}

static int op_unlinkat(struct p9_ctx *c)
{
	struct p9_server *s = c->s;
	u32 dfid = get32(c), flags;
	const char *name;
	u16 nlen;
	char *path;
	int err, dfd;

	name = getstr(c, &nlen);
	flags = get32(c);
	err = in_done(c);
	if (!err)
		err = check_name(name, nlen);
	if (!err && (flags & ~P9_DOTL_AT_REMOVEDIR))
		err = -EINVAL;
	if (!err)
		err = dir_of_fid(s, dfid, &dfd, &path, NULL);
	if (err)
		return err;
	if (unlinkat(dfd, name,
		     flags & P9_DOTL_AT_REMOVEDIR ? AT_REMOVEDIR : 0))
		err = -errno;
	close_dir(s, dfd);
	free(path);
	return err;
}

static int op_statfs(struct p9_ctx *c)
{
	struct p9_server *s = c->s;
	u32 fid = get32(c);
	struct p9_fid *f;
	struct p9_loc l;
	struct statfs st;
	int err = in_done(c), fd;

	if (err)
		return err;
	f = fid_get(s, fid);
	if (!f)
		return -EBADF;
	err = fid_loc(s, f, &l);
	fid_put(s, f);
	if (err)
		return err;
	fd = openat(l.dirfd, l.name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstatfs(fd, &st))
		err = -errno;
	if (fd >= 0)
		close(fd);
	loc_free(s, &l);
	if (err)
		return err;
	put32(c, st.f_type);
	put32(c, st.f_bsize);
	put64(c, st.f_blocks);
	put64(c, st.f_bfree);
	put64(c, st.f_bavail);
	put64(c, st.f_files);
	put64(c, st.f_ffree);
	put64(c, (u64)(u32)st.f_fsid.__val[0] |
		 (u64)(u32)st.f_fsid.__val[1] << 32);
	put32(c, st.f_namelen);
	return 0;
}

static int op_fsync(struct p9_ctx *c)
{
	u32 fid = get32(c), datasync = get32(c);
	struct p9_fid *f;
	int err = in_done(c), fd;

	if (err)
		return err;
	f = fid_get(c->s, fid);
	if (!f)
		return -EBADF;
	fd = fid_fd(f, NULL, NULL);
	if (fd < 0)
		err = -EBADF;
	else if (datasync ? fdatasync(fd) : fsync(fd))
		err = -errno;
	fid_put(c->s, f);
	return err;
}

/* Locks are granted: the client arbitrates between its own processes. */
static int op_lock(struct p9_ctx *c)
{
	u32 fid = get32(c);
	u8 type = get8(c);
	struct p9_fid *f;
	int err;

	get32(c);			/* flags */
	get64(c);			/* start */
	get64(c);			/* length */
	get32(c);			/* proc_id */
	getstr(c, NULL);		/* client_id */
	err = in_done(c);
	if (err)
		return err;
	if (type > P9_LOCK_TYPE_UNLCK)
		return -EINVAL;
	f = fid_get(c->s, fid);
	if (!f)
		return -EBADF;
	fid_put(c->s, f);
	put8(c, P9_LOCK_SUCCESS);
	return 0;
}

static int op_getlock(struct p9_ctx *c)
{
	u32 fid = get32(c), proc_id;
	u8 type = get8(c);
	u64 start = get64(c), length = get64(c);
	const char *client;
	u16 clen;
	struct p9_fid *f;
	int err;

	proc_id = get32(c);
	client = getstr(c, &clen);
	err = in_done(c);
	if (err)
		return err;
	if (type > P9_LOCK_TYPE_UNLCK)
		return -EINVAL;
	f = fid_get(c->s, fid);
	if (!f)
		return -EBADF;
	fid_put(c->s, f);
	put8(c, P9_LOCK_TYPE_UNLCK);	/* nothing in the way */
	put64(c, start);
	put64(c, length);
	put32(c, proc_id);
	putstr(c, client, clen);
	return 0;
}

static int op_xattrwalk(struct p9_ctx *c)
{
	get32(c);			/* fid */
	get32(c);			/* newfid */
	getstr(c, NULL);
	return in_done(c) ?: -EOPNOTSUPP;
}

static int op_xattrcreate(struct p9_ctx *c)
{
	get32(c);			/* fid */
	getstr(c, NULL);
	get64(c);			/* attr_size */
	get32(c);			/* flags */
	return in_done(c) ?: -EOPNOTSUPP;
}

static int op_auth(struct p9_ctx *c)
{
	get32(c);			/* afid */
	getstr(c, NULL);
	getstr(c, NULL);
	get32(c);			/* n_uname */
	/* No authentication: attach with afid = NOFID. */
	return in_done(c) ?: -EOPNOTSUPP;
}

static int dispatch(struct p9_ctx *c, u8 type)
{
	switch (type) {
	case P9_TVERSION:	return op_version(c);
	case P9_TAUTH:		return op_auth(c);
	case P9_TATTACH:	return op_attach(c);
	case P9_TFLUSH:		return op_flush(c);
	case P9_TWALK:		return op_walk(c);
	case P9_TGETATTR:	return op_getattr(c);
	case P9_TSETATTR:	return op_setattr(c);
	case P9_TLOPEN:		return op_lopen(c);
	case P9_TLCREATE:	return op_lcreate(c);
	case P9_TREAD:		return op_read(c);
	case P9_TWRITE:		return op_write(c);
	case P9_TCLUNK:		return op_clunk(c);
	case P9_TREMOVE:	return op_remove(c);
	case P9_TREADDIR:	return op_readdir(c);
	case P9_TMKDIR:		return op_mkdir(c);
	case P9_TSYMLINK:	return op_symlink(c);
	case P9_TMKNOD:		return op_mknod(c);
	case P9_TREADLINK:	return op_readlink(c);
	case P9_TLINK:		return op_link(c);
	case P9_TRENAME:	return op_rename(c);
	case P9_TRENAMEAT:	return op_renameat(c);
	case P9_TUNLINKAT:	return op_unlinkat(c);
	case P9_TSTATFS:	return op_statfs(c);
	case P9_TFSYNC:		return op_fsync(c);
	case P9_TLOCK:		return op_lock(c);
	case P9_TGETLOCK:	return op_getlock(c);
	case P9_TXATTRWALK:	return op_xattrwalk(c);
	case P9_TXATTRCREATE:	return op_xattrcreate(c);
	default:
		/* 9P2000 and .u messages, R-messages, garbage. */
		pr_debug("9p: unsupported message type %u", type);
		return -EOPNOTSUPP;
	}
}

static void req_begin(struct p9_ctx *c, u16 tag, u8 type)
{
	struct p9_server *s = c->s;

	c->req.tag = tag;
	c->req.type = type;
	pthread_mutex_lock(&s->lock);
	c->req.next = s->reqs;
	s->reqs = &c->req;
	s->nr_reqs++;
	pthread_mutex_unlock(&s->lock);
}

static void req_end(struct p9_ctx *c)
{
	struct p9_server *s = c->s;
	struct p9_req **pp;

	pthread_mutex_lock(&s->lock);
	for (pp = &s->reqs; *pp; pp = &(*pp)->next) {
		if (*pp == &c->req) {
			*pp = c->req.next;
			break;
		}
	}
	s->nr_reqs--;
	pthread_cond_broadcast(&s->req_done);
	pthread_mutex_unlock(&s->lock);
}

u32 p9_handle_cb(struct p9_server *s, const struct iovec *req, int nr_req,
		 const struct iovec *resp, int nr_resp,
		 void (*replied)(void *arg, u32 len), void *arg)
{
	struct p9_ctx c = { .s = s, .resp = resp, .nr_resp = nr_resp };
	u64 req_len = iov_total(req, nr_req);
	u64 resp_len = iov_total(resp, nr_resp);
	u32 msize = __atomic_load_n(&s->msize, __ATOMIC_RELAXED);
	u8 hdr[P9_HDR_SIZE], *msg = NULL;
	u16 tag = P9_NOTAG;
	u8 type = 0;
	u32 size, ret = 0;
	bool begun = false;
	int err;

	c.limit = min_t(u64, resp_len, msize);
	if (c.limit < P9_HDR_SIZE + 4)
		goto out;		/* not even Rlerror fits */
	c.out_cap = min_t(u32, c.limit, 256);
	c.out = malloc(c.out_cap);
	if (!c.out)
		goto out;
	c.out_len = P9_HDR_SIZE;

	err = -EINVAL;
	if (req_len < P9_HDR_SIZE)
		goto reply;
	iov_copy(req, nr_req, 0, hdr, sizeof(hdr), false);
	size = hdr[0] | hdr[1] << 8 | hdr[2] << 16 | (u32)hdr[3] << 24;
	type = hdr[4];
	tag = hdr[5] | hdr[6] << 8;
	if (size != req_len || size > msize)
		goto reply;
	msg = malloc(size);
	err = -ENOMEM;
	if (!msg)
		goto reply;
	iov_copy(req, nr_req, 0, msg, size, false);
	c.msg = msg;
	c.len = size;
	c.off = P9_HDR_SIZE;

	req_begin(&c, tag, type);
	begun = true;
	err = dispatch(&c, type);
	if (!err && c.overflow)
		err = -ENOBUFS;
reply:
	if (err) {
		c.out_len = P9_HDR_SIZE;
		c.overflow = false;
		c.data_len = 0;
		type = P9_RLERROR - 1;
		put32(&c, err < 0 && err > -4096 ? -err : EIO);
	}
	ret = c.out_len + c.data_len;
	put_le(c.out, ret, 4);
	c.out[4] = type + 1;
	put_le(c.out + 5, tag, 2);
	iov_copy(resp, nr_resp, 0, c.out, c.out_len, true);
out:
	/*
	 * The reply is on its way to the driver before the request counts
	 * as done: a Tflush waiting for it (op_flush) answers after it, as
	 * the protocol requires. Answered the other way round, the Linux
	 * client frees the flushed request's buffers on Rflush and the late
	 * reply lands in freed guest memory.
	 */
	if (replied)
		replied(arg, ret);
	if (begun)
		req_end(&c);
	free(c.out);
	free(c.arena);
	free(msg);
	return ret;
}

u32 p9_handle(struct p9_server *s, const struct iovec *req, int nr_req,
	      const struct iovec *resp, int nr_resp)
{
	return p9_handle_cb(s, req, nr_req, resp, nr_resp, NULL, NULL);
}

/* -------------------------------------------------------------- server */

struct p9_server *p9_server_new(const char *root_dir, u32 msize_max)
{
	struct p9_server *s;
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS,
	};
	struct rlimit rl;
	struct stat st;
	int fd;

	fd = open(root_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		pr_err("9p: cannot share %s: %s", root_dir, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st)) {
		pr_err("9p: cannot stat %s: %s", root_dir, strerror(errno));
		close(fd);
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		close(fd);
		return NULL;
	}
	s->root_fd = fd;
	s->root_dev = st.st_dev;
	s->root_ino = st.st_ino;
	if (!msize_max)
		msize_max = P9_MSIZE_DEFAULT;
	s->msize_max = max_t(u32, msize_max, P9_MSIZE_MIN);
	s->msize = s->msize_max;
	/* Open files: leave the VMM at least half of its descriptors. */
	s->max_open = 64;
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur / 4 > 64)
		s->max_open = min_t(rlim_t, rl.rlim_cur / 4, P9_MAX_FIDS);
	fd = sys_openat2(s->root_fd, ".", &how);
	if (fd >= 0)
		close(fd);
	else if (errno == ENOSYS)
		s->compat = true;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->req_done, NULL);
	return s;
}

void p9_server_free(struct p9_server *s)
{
	if (!s)
		return;
	p9_server_cancel(s, true);
	pthread_mutex_lock(&s->lock);
	while (s->nr_reqs)
		pthread_cond_wait(&s->req_done, &s->lock);
	pthread_mutex_unlock(&s->lock);
	fid_clear(s);
	close(s->root_fd);
	pthread_cond_destroy(&s->req_done);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

void p9_server_reset(struct p9_server *s)
{
	fid_clear(s);
	__atomic_store_n(&s->msize, s->msize_max, __ATOMIC_RELAXED);
}

void p9_server_cancel(struct p9_server *s, bool forever)
{
	struct p9_req *r;

	pthread_mutex_lock(&s->lock);
	if (forever)
		__atomic_store_n(&s->dead, true, __ATOMIC_RELEASE);
	for (r = s->reqs; r; r = r->next)
		__atomic_store_n(&r->flushed, true, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&s->lock);
}

int p9_server_busy(struct p9_server *s)
{
	int n;

	pthread_mutex_lock(&s->lock);
	n = s->nr_reqs;
	pthread_mutex_unlock(&s->lock);
	return n;
}

void p9_server_force_compat(struct p9_server *s)
{
	__atomic_store_n(&s->compat, true, __ATOMIC_RELAXED);
}

/* ------------------------------------------------------------ snapshot */

/*
 * Blob: magic[4] version[4] msize[4] nr[4], then per fid: fid[4] uid[4]
 * open[1] oflags[4] path[s].  Little-endian, like the protocol.
 */
int p9_server_save(struct p9_server *s, void **blob, u32 *len)
{
	struct p9_ctx c = { .s = s, .limit = UINT32_MAX };
	struct p9_fid *f;
	u32 nr = 0;
	int i;

	pthread_mutex_lock(&s->lock);
	put32(&c, SNAP_MAGIC);
	put32(&c, SNAP_VERSION);
	put32(&c, __atomic_load_n(&s->msize, __ATOMIC_RELAXED));
	put32(&c, s->nr_fids);
	for (i = 0; i < FID_HASH; i++) {
		for (f = s->fids[i]; f; f = f->next) {
			pthread_mutex_lock(&f->lock);
			put32(&c, f->id);
			put32(&c, f->uid);
			put8(&c, f->fd >= 0);
			put32(&c, f->oflags);
			pthread_mutex_unlock(&f->lock);
			putstr(&c, f->path, strlen(f->path));
			nr++;
		}
	}
	pthread_mutex_unlock(&s->lock);
	if (c.overflow || nr > P9_MAX_FIDS) {
		free(c.out);
		return -ENOMEM;
	}
	*blob = c.out;
	*len = c.out_len;
	return 0;
}

/* A saved path: plain components only, like the ones we create. */
static bool valid_saved_path(const char *p, u16 len)
{
	const char *comp = p, *end;
	size_t n;

	if (strlen(p) != len || len >= PATH_MAX)
		return false;
	while (*comp) {
		end = strchrnul(comp, '/');
		n = end - comp;
		if (!n || n > NAME_MAX || (n == 1 && comp[0] == '.') ||
		    (n == 2 && comp[0] == '.' && comp[1] == '.'))
			return false;
		if (!*end)
			break;
		comp = end + 1;
		if (!*comp)
			return false;	/* trailing slash */
	}
	return true;
}

int p9_server_restore(struct p9_server *s, const void *blob, u32 len)
{
	struct p9_ctx c = { .s = s, .msg = blob, .len = len };
	u32 magic, version, msize, nr, i, lost = 0;
	char first[64] = "";
	int err = 0;

	magic = get32(&c);
	version = get32(&c);
	msize = get32(&c);
	nr = get32(&c);
	if (c.bad || magic != SNAP_MAGIC || version != SNAP_VERSION ||
	    nr > P9_MAX_FIDS || msize < P9_MSIZE_MIN) {
		err = -EINVAL;
		goto out;
	}
	fid_clear(s);
	__atomic_store_n(&s->msize, min_t(u32, msize, s->msize_max),
			 __ATOMIC_RELAXED);
	for (i = 0; i < nr && !err; i++) {
		u32 id, uid, oflags;
		bool is_open;
		const char *path;
		u16 plen;
		struct p9_fid *f;
		struct p9_loc l;
		struct stat st;
		char *p;
		int fd;

		c.arena_off = 0;	/* each path is copied at once */
		id = get32(&c);
		uid = get32(&c);
		is_open = get8(&c);
		oflags = get32(&c);
		path = getstr(&c, &plen);
		if (c.bad || !valid_saved_path(path, plen)) {
			err = -EINVAL;
			break;
		}
		p = strdup(path);
		if (!p) {
			err = -ENOMEM;
			break;
		}
		err = fid_add(s, id, p, uid, &f);
		if (err) {
			free(p);
			break;
		}
		/* Reopened as it is now: no creation, no truncation. */
		oflags &= ~(P9_DOTL_CREATE | P9_DOTL_EXCL | P9_DOTL_TRUNC);
		if (is_open) {
			/* @p is the fid's now: use our copy, @path. */
			fd = open_slot(s) ? loc_from_path(s, strdup(path), &l) :
			     -EMFILE;
			if (!fd)
				fd = open_file(NULL, l.dirfd, l.name,
					       dotl_to_host(oflags), 0,
					       oflags & P9_DOTL_NONBLOCK, &st);
			if (fd != -EMFILE)
				loc_free(s, &l);
			if (fd < 0) {
				if (fd != -EMFILE)
					open_slot_put(s);
				if (!lost++)
					snprintf(first, sizeof(first), "%s: %s",
						 *path ? path : "/",
						 strerror(-fd));
			}
			fid_end_open(f, fd, oflags, fd >= 0 ? st.st_mode : 0);
		}
		fid_put(s, f);
	}
	if (!err && c.off != c.len)
		err = -EINVAL;
	if (err)
		fid_clear(s);
	else if (lost)
		pr_warn("9p: %u open file%s could not be reopened after the "
			"restore (%s%s); I/O on %s fails with EBADF", lost,
			lost > 1 ? "s" : "", first, lost > 1 ? ", ..." : "",
			lost > 1 ? "them" : "it");
out:
	free(c.arena);
	return err;
}
