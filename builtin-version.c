// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>

#include "kvm/builtin.h"
#include "kvm/kvm.h"

int cmd_version(int argc, const char **argv)
{
	printf("lkvm version %s (%s)\n", LKVM_VERSION, LKVM_ARCH_NAME);
	return 0;
}
