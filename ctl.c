// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket.  Server: one listening unix socket per VM, served
 * from the run command's main loop, one request per connection.  Client:
 * helpers for list/stop/pause/resume/stat/save.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>

#include "kvm/ctl.h"
#include "kvm/kvm.h"
#include "kvm/kvm-cpu.h"
#include "kvm/util.h"
#include "kvm/vm-state.h"

struct ctl_server {
	struct kvm	*kvm;
	int		fd;
	char		path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

bool ctl_name_valid(const char *name)
{
	size_t i, len = strlen(name);

	if (len == 0 || len > 64 || name[0] == '.')
		return false;
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

int ctl_sock_dir(char *buf, size_t len)
{
	const char *dir = getenv("LKVM_DIR");
	const char *home = getenv("HOME");
	struct stat st;
	int n;

	if (dir && *dir)
		n = snprintf(buf, len, "%s", dir);
	else if (home && *home)
		n = snprintf(buf, len, "%s/.lkvm", home);
	else {
		pr_err("control socket directory: set HOME or LKVM_DIR");
		return -ENOENT;
	}
	if (n >= (int)len || n + 70 > (int)sizeof(((struct sockaddr_un *)0)->sun_path)) {
		pr_err("control socket directory %s: path too long", buf);
		return -ENAMETOOLONG;
	}
	if (mkdir(buf, 0700) < 0 && errno != EEXIST) {
		pr_err("control socket directory %s: %s", buf, strerror(errno));
		return -errno;
	}
	if (stat(buf, &st) < 0 || !S_ISDIR(st.st_mode)) {
		pr_err("control socket directory %s: not a directory", buf);
		return -ENOTDIR;
	}
	if (st.st_uid != geteuid()) {
		pr_err("control socket directory %s: owned by another user", buf);
		return -EPERM;
	}
	if ((st.st_mode & 0777) != 0700 && chmod(buf, 0700) < 0) {
		pr_err("control socket directory %s: cannot make it private: %s",
		       buf, strerror(errno));
		return -errno;
	}
	return 0;
}

static int sock_path(char *buf, size_t len, const char *dir, const char *name)
{
	if (snprintf(buf, len, "%s/%s.sock", dir, name) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

static int connect_path(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	/* Longer than kvm__pause waits, so its -ETIMEDOUT gets here. */
	struct timeval tv = { .tv_sec = 3 * KVM_PAUSE_TIMEOUT_S };
	int fd;

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

const char *ctl_strerror(int ret)
{
	switch (ret) {
	case -ETIMEDOUT:
		return "a vCPU did not stop within " __stringify(KVM_PAUSE_TIMEOUT_S)
		       " s (stuck in KVM_RUN)";
	case -EPIPE:
		return "no reply from the VM";
	default:
		return strerror(-ret);
	}
}

int ctl_connect(const char *dir, const char *name)
{
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int fd;

	if (!ctl_name_valid(name))
		return -EINVAL;
	if (sock_path(path, sizeof(path), dir, name))
		return -ENAMETOOLONG;
	fd = connect_path(path);
	if (fd == -ECONNREFUSED) {
		/* The VM that made it is gone: clean up. */
		unlink(path);
		return -ENOENT;
	}
	return fd;
}

/*
 * Socket I/O with the socket's SO_RCVTIMEO/SO_SNDTIMEO honoured: a peer
 * that stalls ends the exchange (EAGAIN) instead of blocking the VM's
 * main loop or a client forever.
 */
static int sock_io(int fd, void *buf, size_t len, bool out)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = out ? send(fd, (u8 *)buf + done, len - done,
				       MSG_NOSIGNAL) :
				  recv(fd, (u8 *)buf + done, len - done, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EPIPE;
		done += n;
	}
	return 0;
}

static int send_msg(int fd, u32 type, s32 status, const void *p, u32 len)
{
	struct ctl_msg m = { .type = type, .status = status, .len = len };

	if (sock_io(fd, &m, sizeof(m), true))
		return -EPIPE;
	if (len && sock_io(fd, (void *)p, len, true))
		return -EPIPE;
	return 0;
}

/* Read one message; *payload is malloc()ed and NUL-terminated. */
static int recv_msg(int fd, struct ctl_msg *m, void **payload)
{
	char *p;

	if (sock_io(fd, m, sizeof(*m), false))
		return -EPIPE;
	if (m->len > CTL_MAX_PAYLOAD)
		return -EMSGSIZE;
	p = malloc(m->len + 1);
	if (!p)
		return -ENOMEM;
	if (m->len && sock_io(fd, p, m->len, false)) {
		free(p);
		return -EPIPE;
	}
	p[m->len] = 0;
	*payload = p;
	return 0;
}

int ctl_request(int fd, u32 type, const void *payload, u32 len,
		void **reply, u32 *reply_len)
{
	struct ctl_msg m;
	void *p;
	int ret;

	ret = send_msg(fd, type, 0, payload, len);
	if (ret)
		return ret;
	ret = recv_msg(fd, &m, &p);
	if (ret)
		return -EPIPE;
	if (reply) {
		*reply = p;
		if (reply_len)
			*reply_len = m.len;
	} else {
		free(p);
	}
	return m.status;
}

int ctl_for_each_vm(const char *dir,
		    int (*fn)(const char *name, int fd, void *opaque),
		    void *opaque)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int ret = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		char name[80];
		size_t len = strlen(de->d_name);
		int fd;

		if (len < 6 || len - 5 >= sizeof(name) ||
		    strcmp(de->d_name + len - 5, ".sock"))
			continue;
		memcpy(name, de->d_name, len - 5);
		name[len - 5] = 0;
		fd = ctl_connect(dir, name);
		if (fd < 0)
			continue;
		ret = fn(name, fd, opaque);
		close(fd);
		if (ret)
			break;
	}
	closedir(d);
	return ret;
}

/* ----------------------------------------------------------------- server */

static int handle_state(struct kvm *kvm, void **reply, u32 *len)
{
	struct ctl_state *st = calloc(1, sizeof(*st));

	if (!st)
		return -ENOMEM;
	st->pid = getpid();
	st->state = atomic_load(&kvm->state);
	st->nr_cpus = kvm->nr_cpus;
	st->ram_size = kvm->ram_size;
	*reply = st;
	*len = sizeof(*st);
	return 0;
}

/*
 * Each vCPU's stolen time as the guest's record has it, beside its thread's
 * run-queue delay as the host scheduler counts it.  The VM is paused for
 * the moment it takes to read the records.
 */
static int handle_stat(struct kvm *kvm, void **reply, u32 *reply_len)
{
	size_t cap = 128 + 96 * (size_t)kvm->nr_cpus, n;
	char *out = malloc(cap);
	int i, ret;

	if (!out)
		return -ENOMEM;
	ret = kvm__pause(kvm);
	if (ret) {
		free(out);
		return ret;
	}
	n = snprintf(out, cap, "vcpu  stolen_ns(guest record)  run_delay_ns(host schedstat)\n");
	for (i = 0; i < kvm->nr_cpus; i++) {
		u64 steal = 0, delay = 0;
		int r1 = kvm_cpu__arch_steal_time(kvm->cpus[i], &steal);
		int r2 = kvm_cpu__run_delay(kvm->cpus[i], &delay);
		char sbuf[32], dbuf[32];

		if (r1)
			snprintf(sbuf, sizeof(sbuf), "%s", r1 == -ENOENT ?
				 "off" : r1 == -EOPNOTSUPP ? "n/a" : "error");
		else
			snprintf(sbuf, sizeof(sbuf), "%llu", (unsigned long long)steal);
		if (r2)
			snprintf(dbuf, sizeof(dbuf), "n/a");
		else
			snprintf(dbuf, sizeof(dbuf), "%llu", (unsigned long long)delay);
		n += snprintf(out + n, cap - n, "%4d  %24s  %29s\n", i, sbuf, dbuf);
	}
	kvm__resume(kvm);
	*reply = out;
	*reply_len = n + 1;
	return 0;
}

/*
 * Every vCPU's registers (lkvm debug --dump), read with the VM paused for
 * the moment it takes; a paused VM stays paused.
 */
static int handle_debug(struct kvm *kvm, void **reply, u32 *reply_len)
{
	char *out = NULL;
	size_t n = 0;
	FILE *f;
	int i, ret;

	ret = kvm__pause(kvm);
	if (ret)
		return ret;
	f = open_memstream(&out, &n);
	if (f) {
		for (i = 0; i < kvm->nr_cpus; i++) {
			fprintf(f, "vCPU %d%s\n", i, kvm->cpus[i]->started ?
				"" : " (not started)");
			kvm_cpu__arch_dump(kvm->cpus[i], f);
		}
		ret = fclose(f) ? -errno : 0;
	} else {
		ret = -errno;
	}
	kvm__resume(kvm);
	if (ret || n + 1 > CTL_MAX_PAYLOAD) {
		free(out);
		return ret ? ret : -E2BIG;
	}
	*reply = out;
	*reply_len = n + 1;
	return 0;
}

/* Save a paused VM; on failure the reply carries the reason. */
static int handle_save(struct kvm *kvm, const char *dir, u32 len,
		       void **reply, u32 *reply_len)
{
	char *err = calloc(1, 512);
	int ret;

	if (!err)
		return -ENOMEM;
	if (!len || dir[0] != '/') {
		snprintf(err, 512, "the snapshot directory must be an absolute path");
		ret = -EINVAL;
	} else if (atomic_load(&kvm->state) != VM_STATE_PAUSED) {
		snprintf(err, 512, "the VM is running: lkvm pause it first");
		ret = -EBUSY;
	} else {
		ret = kvm__save(kvm, dir, err, 512);
		if (!ret)
			pr_info("saved to %s", dir);
	}
	if (ret) {
		*reply = err;
		*reply_len = strlen(err) + 1;
	} else {
		free(err);
	}
	return ret;
}

static int handle_request(struct ctl_server *s, const struct ctl_msg *req,
			  const void *payload, void **reply, u32 *reply_len)
{
	struct kvm *kvm = s->kvm;
	int ret;

	switch (req->type) {
	case CTL_PING:
		return 0;
	case CTL_STATE:
		return handle_state(kvm, reply, reply_len);
	case CTL_PAUSE:
		if (atomic_load(&kvm->state) != VM_STATE_RUNNING)
			return -EALREADY;
		ret = kvm__pause(kvm);
		if (!ret)
			atomic_store(&kvm->state, VM_STATE_PAUSED);
		return ret;
	case CTL_RESUME:
		if (atomic_load(&kvm->state) != VM_STATE_PAUSED)
			return -EALREADY;
		atomic_store(&kvm->state, VM_STATE_RUNNING);
		return kvm__resume(kvm);
	case CTL_STOP:
		kvm__request_exit(kvm, VM_EXIT_STOP);
		return 0;
	case CTL_STAT:
		return handle_stat(kvm, reply, reply_len);
	case CTL_SAVE:
		return handle_save(kvm, payload, req->len, reply, reply_len);
	case CTL_DEBUG:
		return handle_debug(kvm, reply, reply_len);
	default:
		return -EOPNOTSUPP;
	}
}

int ctl_server_start(struct kvm *kvm)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct ctl_server *s;
	mode_t old_umask;
	int fd, ret;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->kvm = kvm;
	s->fd = -1;
	ret = sock_path(s->path, sizeof(s->path), kvm->cfg.sock_dir,
			kvm->cfg.name);
	if (ret)
		goto err;
	fd = connect_path(s->path);
	if (fd >= 0) {
		close(fd);
		pr_err("--name %s: a VM with that name is already running",
		       kvm->cfg.name);
		ret = -EEXIST;
		goto err;
	}
	if (fd == -ECONNREFUSED)
		unlink(s->path);	/* stale: its VM was killed */

	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		ret = -errno;
		goto err;
	}
	memcpy(addr.sun_path, s->path, sizeof(addr.sun_path) - 1);
	old_umask = umask(0177);
	ret = bind(s->fd, (struct sockaddr *)&addr, sizeof(addr));
	umask(old_umask);
	if (ret < 0) {
		ret = -errno;
		pr_err("control socket %s: %s", s->path, strerror(errno));
		goto err;
	}
	chmod(s->path, 0600);
	if (listen(s->fd, 8) < 0) {
		ret = -errno;
		unlink(s->path);
		goto err;
	}
	kvm->ctl = s;
	return 0;
err:
	if (s->fd >= 0)
		close(s->fd);
	free(s);
	return ret;
}

int ctl_server_fd(struct ctl_server *s)
{
	return s->fd;
}

void ctl_server_handle(struct ctl_server *s)
{
	struct timeval tv = { .tv_sec = 2 };
	struct ctl_msg req;
	void *payload = NULL, *reply = NULL;
	u32 reply_len = 0;
	int c, status;

	c = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		return;
	/* A client that stalls must not stall the VM's main loop. */
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (recv_msg(c, &req, &payload) == 0) {
		status = handle_request(s, &req, payload, &reply, &reply_len);
		send_msg(c, req.type, status, reply, reply_len);
	}
	free(payload);
	free(reply);
	close(c);
}

void ctl_server_stop(struct ctl_server *s)
{
	if (!s)
		return;
	if (s->fd >= 0) {
		close(s->fd);
		unlink(s->path);
	}
	if (s->kvm)
		s->kvm->ctl = NULL;
	free(s);
}
