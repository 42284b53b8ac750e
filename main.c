// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "kvm/builtin.h"
#include "kvm/util.h"

static const struct {
	const char *name;
	int (*fn)(int argc, const char **argv);
} commands[] = {
	{ "run",	cmd_run },
	{ "list",	cmd_list },
	{ "stop",	cmd_stop },
	{ "pause",	cmd_pause },
	{ "resume",	cmd_resume },
	{ "version",	cmd_version },
	{ "--version",	cmd_version },
	{ "help",	cmd_help },
	{ "--help",	cmd_help },
	{ "debug",	cmd_debug },
	{ "balloon",	cmd_unsupported },
	{ "stat",	cmd_stat },
	{ "save",	cmd_save },
	{ "setup",	cmd_unsupported },
	{ "sandbox",	cmd_unsupported },
};

int lkvm_run_command(int argc, const char **argv)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[0], commands[i].name))
			return commands[i].fn(argc, argv);
	pr_err("'%s' is not an lkvm command. See 'lkvm help'.", argv[0]);
	return 1;
}

int main(int argc, char *argv[])
{
	if (argc < 2)
		return cmd_help(0, NULL);
	return lkvm_run_command(argc - 1, (const char **)argv + 1);
}
