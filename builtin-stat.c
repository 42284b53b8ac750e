// SPDX-License-Identifier: GPL-2.0
/*
 * lkvm stat --name N: each vCPU's stolen time as its paravirtual record
 * shows it to the guest, beside the host's run-queue delay of its thread.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvm/builtin.h"
#include "kvm/ctl.h"
#include "kvm/parse-options.h"
#include "kvm/util.h"

int cmd_stat(int argc, const char **argv)
{
	static const char usage[] = "lkvm stat --name NAME [--steal]";
	const char *name = NULL;
	bool steal = false, memory = false;
	const struct option opts[] = {
		OPT_GROUP("General options:"),
		{ OPT_STRING, 'n', "name", &name, "name", "Instance name" },
		{ OPT_BOOL, 's', "steal", &steal, NULL, "Stolen time per vCPU (the default)" },
		{ OPT_UNSUPPORTED_NOARG, 'm', "memory", &memory, NULL, "Balloon memory statistics" },
		OPT_END(),
	};
	char dir[256], *reply = NULL;
	int n, fd, ret;

	n = parse_options(argc, argv, opts, usage, NULL);
	if (n == -2)
		return 0;
	if (n < 0)
		return 1;
	if (!name || n) {
		pr_err("stat: give --name NAME");
		return 1;
	}
	if (ctl_sock_dir(dir, sizeof(dir)))
		return 1;
	fd = ctl_connect(dir, name);
	if (fd < 0) {
		pr_err("stat --name %s: no such running VM (see lkvm list)", name);
		return 1;
	}
	ret = ctl_request(fd, CTL_STAT, NULL, 0, (void **)&reply, NULL);
	close(fd);
	if (ret) {
		pr_err("stat %s: %s", name, ctl_strerror(ret));
		free(reply);
		return 1;
	}
	fputs(reply, stdout);
	free(reply);
	return 0;
}
