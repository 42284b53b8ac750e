/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__BUILTIN_H
#define KVM__BUILTIN_H

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
/* Dispatch argv[0] to its command (main.c). */
int lkvm_run_command(int argc, const char **argv);

#endif
