// SPDX-License-Identifier: GPL-2.0
/* lkvm stop | pause | resume: one request to one VM, or to all of them. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvm/builtin.h"
#include "kvm/ctl.h"
#include "kvm/kvm.h"
#include "kvm/parse-options.h"
#include "kvm/util.h"

struct ctl_cmd_desc {
	const char	*cmd;
	u32		type;
	const char	*done;		/* "Guest %s paused" */
	const char	*already;
};

static const struct ctl_cmd_desc cmds[] = {
	{ "stop",   CTL_STOP,   "stopped", NULL },
	{ "pause",  CTL_PAUSE,  "paused",  "is already paused" },
	{ "resume", CTL_RESUME, "resumed", "is not paused" },
};

static int send_one(const char *name, int fd, void *opaque)
{
	const struct ctl_cmd_desc *d = opaque;
	int ret = ctl_request(fd, d->type, NULL, 0, NULL, NULL);

	if (ret == -EALREADY && d->already) {
		printf("Guest %s %s\n", name, d->already);
		return 0;
	}
	if (ret) {
		pr_err("%s %s: %s", d->cmd, name, ctl_strerror(ret));
		return 1;
	}
	printf("Guest %s %s\n", name, d->done);
	return 0;
}

int ctl_name_or_all(const char *cmd, const char *name, bool all,
		    int (*fn)(const char *name, int fd, void *opaque),
		    void *opaque)
{
	char dir[256];
	int fd, ret;

	if (!name == !all) {
		pr_err("%s: give either --name NAME or --all", cmd);
		return 1;
	}
	if (ctl_sock_dir(dir, sizeof(dir)))
		return 1;
	if (all)
		return ctl_for_each_vm(dir, fn, opaque) ? 1 : 0;
	fd = ctl_connect(dir, name);
	if (fd < 0) {
		pr_err("%s --name %s: no such running VM (see lkvm list)",
		       cmd, name);
		return 1;
	}
	ret = fn(name, fd, opaque);
	close(fd);
	return ret;
}

static int ctl_command(const struct ctl_cmd_desc *d, int argc, const char **argv)
{
	const char *name = NULL;
	bool all = false;
	char usage[64];
	const struct option opts[] = {
		OPT_GROUP("General options:"),
		{ OPT_STRING, 'n', "name", &name, "name", "Instance name" },
		{ OPT_BOOL, 'a', "all", &all, NULL, "All instances" },
		OPT_END(),
	};
	int n;

	snprintf(usage, sizeof(usage), "lkvm %s [--all] [-n name]", d->cmd);
	n = parse_options(argc, argv, opts, usage, NULL);
	if (n == -2)
		return 0;
	if (n < 0)
		return 1;
	if (n > 0) {
		pr_err("%s: unexpected argument '%s'", d->cmd, argv[0]);
		return 1;
	}
	return ctl_name_or_all(d->cmd, name, all, send_one, (void *)d);
}

int cmd_stop(int argc, const char **argv)
{
	return ctl_command(&cmds[0], argc, argv);
}

int cmd_pause(int argc, const char **argv)
{
	return ctl_command(&cmds[1], argc, argv);
}

int cmd_resume(int argc, const char **argv)
{
	return ctl_command(&cmds[2], argc, argv);
}

int cmd_unsupported(int argc, const char **argv)
{
	pr_err("'%s' is not supported yet", argv[0]);
	return 1;
}
