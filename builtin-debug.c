// SPDX-License-Identifier: GPL-2.0
/*
 * lkvm debug --name N | --all [--dump]: print every vCPU's registers (and,
 * where lkvm can find it without walking the guest's page tables, the code
 * at the instruction pointer) to this command's standard output.  The VM
 * is paused for the moment the registers take to read.  kvmtool prints
 * its dump on the VM's console instead; here it goes to whoever asked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvm/builtin.h"
#include "kvm/ctl.h"
#include "kvm/parse-options.h"
#include "kvm/util.h"

static int dump_one(const char *name, int fd, void *opaque)
{
	char *reply = NULL;
	int ret = ctl_request(fd, CTL_DEBUG, NULL, 0, (void **)&reply, NULL);

	(void)opaque;
	if (ret) {
		pr_err("debug %s: %s", name, ctl_strerror(ret));
		free(reply);
		return 1;
	}
	printf("Guest %s:\n%s", name, reply);
	free(reply);
	return 0;
}

int cmd_debug(int argc, const char **argv)
{
	static const char usage[] = "lkvm debug [--all] [-n name] [--dump]";
	const char *name = NULL, *nmi = NULL, *sysrq = NULL;
	bool all = false, dump = false;
	const struct option opts[] = {
		OPT_GROUP("General options:"),
		{ OPT_STRING, 'n', "name", &name, "name", "Instance name" },
		{ OPT_BOOL, 'a', "all", &all, NULL, "All instances" },
		{ OPT_BOOL, 'd', "dump", &dump, NULL, "Print every vCPU's registers (the default)" },
		{ OPT_UNSUPPORTED, 'm', "nmi", &nmi, "cpu", "Inject an NMI into a vCPU" },
		{ OPT_UNSUPPORTED, 's', "sysrq", &sysrq, "char", "Send a sysrq to the guest" },
		OPT_END(),
	};
	int n;

	n = parse_options(argc, argv, opts, usage, NULL);
	if (n == -2)
		return 0;
	if (n < 0)
		return 1;
	if (n > 0) {
		pr_err("debug: unexpected argument '%s'", argv[0]);
		return 1;
	}
	return ctl_name_or_all("debug", name, all, dump_one, NULL);
}
