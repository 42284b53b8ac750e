/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A 9P2000.L file server over one host directory, independent of the
 * transport: it takes a request as a list of buffers and writes the reply
 * into another.  virtio/9p.c puts it on a virtqueue; the unit tests call it
 * directly.
 *
 * Everything in a request is treated as hostile: see p9.c for the parsing
 * rules and how paths are kept inside the shared directory.
 */
#ifndef KVM__P9_H
#define KVM__P9_H

#include <sys/uio.h>

#include "kvm/compiler.h"

struct p9_server;

/* Largest msize the server agrees to unless told otherwise. */
#define P9_MSIZE_DEFAULT	(512 * 1024)
/* Smallest msize a client may ask for (room for every fixed reply). */
#define P9_MSIZE_MIN		512
/* Most fids one client may hold at a time. */
#define P9_MAX_FIDS		65536

/*
 * Serve @root_dir (which must be a directory) with messages of at most
 * @msize_max bytes (0: P9_MSIZE_DEFAULT).  NULL, after a pr_err, if the
 * directory cannot be opened.
 */
struct p9_server *p9_server_new(const char *root_dir, u32 msize_max);
void p9_server_free(struct p9_server *s);

/*
 * Handle the request held in @req[0..nr_req) and write the reply into
 * @resp[0..nr_resp).  Returns the length of the reply: a well-formed
 * R-message or Rlerror, or 0 if not even an Rlerror fits.  Thread-safe;
 * requests from several threads run concurrently.
 */
u32 p9_handle(struct p9_server *s, const struct iovec *req, int nr_req,
	      const struct iovec *resp, int nr_resp);
/*
 * The same, calling @replied(@arg, length) once the reply is written and
 * before the request counts as finished: the transport hands the reply
 * to the driver there, so that the reply to a flushed request always
 * reaches the driver before the Rflush (see op_flush).
 */
u32 p9_handle_cb(struct p9_server *s, const struct iovec *req, int nr_req,
		 const struct iovec *resp, int nr_resp,
		 void (*replied)(void *arg, u32 len), void *arg);

/* Forget every fid, as Tversion does (device reset). */
void p9_server_reset(struct p9_server *s);
/*
 * Make requests waiting in the server (I/O on a FIFO) return EINTR now.
 * With @forever, later waits fail at once too (the server is going away).
 */
void p9_server_cancel(struct p9_server *s, bool forever);
/* Requests being handled right now. */
int p9_server_busy(struct p9_server *s);

/*
 * The session (msize and the fid table: paths, owners, open flags) as a
 * malloc()ed blob, and back.  Open files are reopened by path on restore
 * (without O_TRUNC/O_CREAT/O_EXCL); a fid whose file is gone stays
 * unopened, so I/O on it fails with EBADF.  The blob is checked like a
 * request: a corrupt one is refused with -EINVAL.
 */
int p9_server_save(struct p9_server *s, void **blob, u32 *len);
int p9_server_restore(struct p9_server *s, const void *blob, u32 len);

/* Testing: resolve paths without openat2(), as on kernels before 5.6. */
void p9_server_force_compat(struct p9_server *s);

/* --- Protocol constants (Linux include/net/9p/9p.h). --- */

enum p9_msg_type {
	P9_TLERROR = 6,		P9_RLERROR,
	P9_TSTATFS = 8,		P9_RSTATFS,
	P9_TLOPEN = 12,		P9_RLOPEN,
	P9_TLCREATE = 14,	P9_RLCREATE,
	P9_TSYMLINK = 16,	P9_RSYMLINK,
	P9_TMKNOD = 18,		P9_RMKNOD,
	P9_TRENAME = 20,	P9_RRENAME,
	P9_TREADLINK = 22,	P9_RREADLINK,
	P9_TGETATTR = 24,	P9_RGETATTR,
	P9_TSETATTR = 26,	P9_RSETATTR,
	P9_TXATTRWALK = 30,	P9_RXATTRWALK,
	P9_TXATTRCREATE = 32,	P9_RXATTRCREATE,
	P9_TREADDIR = 40,	P9_RREADDIR,
	P9_TFSYNC = 50,		P9_RFSYNC,
	P9_TLOCK = 52,		P9_RLOCK,
	P9_TGETLOCK = 54,	P9_RGETLOCK,
	P9_TLINK = 70,		P9_RLINK,
	P9_TMKDIR = 72,		P9_RMKDIR,
	P9_TRENAMEAT = 74,	P9_RRENAMEAT,
	P9_TUNLINKAT = 76,	P9_RUNLINKAT,
	P9_TVERSION = 100,	P9_RVERSION,
	P9_TAUTH = 102,		P9_RAUTH,
	P9_TATTACH = 104,	P9_RATTACH,
	P9_TERROR = 106,	P9_RERROR,
	P9_TFLUSH = 108,	P9_RFLUSH,
	P9_TWALK = 110,		P9_RWALK,
	P9_TOPEN = 112,		P9_ROPEN,
	P9_TCREATE = 114,	P9_RCREATE,
	P9_TREAD = 116,		P9_RREAD,
	P9_TWRITE = 118,	P9_RWRITE,
	P9_TCLUNK = 120,	P9_RCLUNK,
	P9_TREMOVE = 122,	P9_RREMOVE,
	P9_TSTAT = 124,		P9_RSTAT,
	P9_TWSTAT = 126,	P9_RWSTAT,
};

#define P9_HDR_SIZE		7	/* size[4] type[1] tag[2] */
#define P9_QID_SIZE		13
#define P9_NOTAG		((u16)~0)
#define P9_NOFID		((u32)~0)
#define P9_NONUNAME		((u32)~0)
#define P9_MAXWELEM		16

/* Qid types. */
#define P9_QTDIR		0x80
#define P9_QTSYMLINK		0x02
#define P9_QTFILE		0x00

/* Tlopen/Tlcreate flags: Linux's generic O_* values, whatever the arch. */
#define P9_DOTL_RDONLY		00000000
#define P9_DOTL_WRONLY		00000001
#define P9_DOTL_RDWR		00000002
#define P9_DOTL_NOACCESS	00000003
#define P9_DOTL_CREATE		00000100
#define P9_DOTL_EXCL		00000200
#define P9_DOTL_NOCTTY		00000400
#define P9_DOTL_TRUNC		00001000
#define P9_DOTL_APPEND		00002000
#define P9_DOTL_NONBLOCK	00004000
#define P9_DOTL_DSYNC		00010000
#define P9_DOTL_FASYNC		00020000
#define P9_DOTL_DIRECT		00040000
#define P9_DOTL_LARGEFILE	00100000
#define P9_DOTL_DIRECTORY	00200000
#define P9_DOTL_NOFOLLOW	00400000
#define P9_DOTL_NOATIME		01000000
#define P9_DOTL_CLOEXEC		02000000
#define P9_DOTL_SYNC		04000000

#define P9_DOTL_AT_REMOVEDIR	0x200

/* Tgetattr request mask / Rgetattr valid. */
#define P9_GETATTR_BASIC	0x000007ffULL
#define P9_GETATTR_ALL		0x00003fffULL

/* Tsetattr valid bits (Linux ATTR_*). */
#define P9_SETATTR_MODE		0x001
#define P9_SETATTR_UID		0x002
#define P9_SETATTR_GID		0x004
#define P9_SETATTR_SIZE		0x008
#define P9_SETATTR_ATIME	0x010
#define P9_SETATTR_MTIME	0x020
#define P9_SETATTR_CTIME	0x040
#define P9_SETATTR_ATIME_SET	0x080
#define P9_SETATTR_MTIME_SET	0x100

/* Tlock. */
#define P9_LOCK_TYPE_RDLCK	0
#define P9_LOCK_TYPE_WRLCK	1
#define P9_LOCK_TYPE_UNLCK	2
#define P9_LOCK_SUCCESS		0
#define P9_LOCK_BLOCKED		1
#define P9_LOCK_ERROR		2

#endif
