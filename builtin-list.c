// SPDX-License-Identifier: GPL-2.0
/* lkvm list: the running VMs, from their control sockets. */
#include <stdlib.h>
#include <string.h>

#include "kvm/builtin.h"
#include "kvm/ctl.h"
#include "kvm/kvm.h"
#include "kvm/parse-options.h"
#include "kvm/util.h"

static int print_vm(const char *name, int fd, void *opaque)
{
	struct ctl_state *st;
	u32 len = 0;
	int ret;

	ret = ctl_request(fd, CTL_STATE, NULL, 0, (void **)&st, &len);
	if (ret || len != sizeof(*st)) {
		if (!ret)
			free(st);
		return 0;	/* it went away while we asked */
	}
	printf("%5d %-20s %s\n", st->pid, name,
	       vm_state_name((enum vm_state)st->state));
	free(st);
	return 0;
}

int cmd_list(int argc, const char **argv)
{
	static const char usage[] = "lkvm list [-i]";
	bool run = false, rootfs = false;
	const struct option opts[] = {
		OPT_GROUP("General options:"),
		{ OPT_BOOL, 'i', "run", &run, NULL, "List running instances" },
		{ OPT_UNSUPPORTED_NOARG, 'r', "rootfs", &rootfs, NULL, "List rootfs instances" },
		OPT_END(),
	};
	char dir[256];
	int n = parse_options(argc, argv, opts, usage, NULL);

	if (n == -2)
		return 0;
	if (n < 0)
		return 1;
	if (n > 0) {
		pr_err("list: unexpected argument '%s'", argv[0]);
		return 1;
	}
	if (ctl_sock_dir(dir, sizeof(dir)))
		return 1;
	printf("  PID NAME                 STATE\n");
	printf("------------------------------------\n");
	return ctl_for_each_vm(dir, print_vm, NULL) ? 1 : 0;
}
