/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control socket of a running VM: <dir>/<name>.sock, where <dir> is
 * $LKVM_DIR or ~/.lkvm (created 0700; sockets are 0600).  Commands
 * (list, pause, resume, stop, stat, save, ...) talk to it.
 *
 * Wire format: a request is struct ctl_msg followed by len payload bytes;
 * the reply is a struct ctl_msg (type = status, 0 or -errno) followed by
 * its payload.
 */
#ifndef KVM__CTL_H
#define KVM__CTL_H

#include "kvm/compiler.h"
#include "kvm/kvm-config.h"

struct kvm;

enum ctl_cmd {
	CTL_PING = 1,
	CTL_STATE,	/* reply: struct ctl_state */
	CTL_PAUSE,
	CTL_RESUME,
	CTL_STOP,
	CTL_STAT,	/* reply: text */
	CTL_SAVE,	/* payload: directory; reply: text on error */
	CTL_BALLOON,
	CTL_DEBUG,	/* reply: text (every vCPU's registers) */
};

struct ctl_msg {
	u32	type;
	s32	status;
	u32	len;
	u32	pad;
};

struct ctl_state {
	s32	pid;
	u32	state;		/* enum vm_state */
	u32	nr_cpus;
	u32	pad;
	u64	ram_size;
};

#define CTL_MAX_PAYLOAD		(1 << 20)

struct ctl_server;

/* Resolve the socket directory into cfg->sock_dir. */
int ctl_sock_dir(char *buf, size_t len);
int ctl_server_start(struct kvm *kvm);
/* Main loop: fds to poll, and handling when they are readable. */
int ctl_server_fd(struct ctl_server *s);
void ctl_server_handle(struct ctl_server *s);
void ctl_server_stop(struct ctl_server *s);

/* Client side. */
int ctl_connect(const char *dir, const char *name);
/* Returns the reply status (0 or -errno), or -EPIPE on a transport error.
 * *reply (may be NULL) gets a malloc()ed NUL-terminated payload. */
int ctl_request(int fd, u32 type, const void *payload, u32 len,
		void **reply, u32 *reply_len);
/* Call @fn for every VM that answers; stale sockets are removed. */
int ctl_for_each_vm(const char *dir,
		    int (*fn)(const char *name, int fd, void *opaque),
		    void *opaque);
bool ctl_name_valid(const char *name);
/* What a client says about a failed request (ctl_request's status). */
const char *ctl_strerror(int ret);

#endif
