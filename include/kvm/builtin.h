/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__BUILTIN_H
#define KVM__BUILTIN_H

#include <stdbool.h>

int cmd_run(int argc, const char **argv);
int cmd_list(int argc, const char **argv);
int cmd_stop(int argc, const char **argv);
int cmd_pause(int argc, const char **argv);
int cmd_resume(int argc, const char **argv);
int cmd_version(int argc, const char **argv);
int cmd_save(int argc, const char **argv);
int cmd_stat(int argc, const char **argv);
int cmd_debug(int argc, const char **argv);
int cmd_help(int argc, const char **argv);
int cmd_unsupported(int argc, const char **argv);
/*
 * For commands that act on one VM (--name) or all (--all): checks that
 * exactly one was given and calls @fn for each VM with its socket open.
 * Returns the exit status (builtin-ctl.c).
 */
int ctl_name_or_all(const char *cmd, const char *name, bool all,
		    int (*fn)(const char *name, int fd, void *opaque),
		    void *opaque);
/* Dispatch argv[0] to its command (main.c). */
int lkvm_run_command(int argc, const char **argv);

#endif
