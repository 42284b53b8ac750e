// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>

#include "kvm/builtin.h"
#include "kvm/util.h"

static const struct {
	const char *name, *help;
} commands[] = {
	{ "run",	"Start the virtual machine" },
	{ "list",	"Print a list of running instances on the host" },
	{ "stop",	"Stop a running instance" },
	{ "pause",	"Pause the virtual machine" },
	{ "resume",	"Resume the virtual machine" },
	{ "version",	"Print the version of lkvm" },
	{ "help",	"Display help information" },
	{ "debug",	"Print every vCPU's registers of a running instance" },
	{ "balloon",	"Inflate or deflate the virtio balloon (not supported yet)" },
	{ "stat",	"Print each vCPU's stolen time and run-queue delay" },
	{ "save",	"Save a paused instance to a snapshot directory" },
};

int cmd_help(int argc, const char **argv)
{
	unsigned int i;

	if (argc > 1) {
		const char *sub[] = { argv[1], "--help" };

		return lkvm_run_command(2, sub);
	}
	printf("\n To start a simple non-privileged shell run 'lkvm run'\n\n");
	printf(" usage: lkvm [--version] [--help] COMMAND [ARGS]\n\n");
	printf(" The most commonly used lkvm commands are:\n");
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		printf("   %-10s %s\n", commands[i].name, commands[i].help);
	printf("\n See 'lkvm help COMMAND' for more information on a specific command.\n\n");
	return 0;
}
