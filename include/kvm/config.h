/* SPDX-License-Identifier: GPL-2.0 */
/* The run command's options, parsed into a struct kvm_config. */
#ifndef KVM__CONFIG_H
#define KVM__CONFIG_H

#include "kvm/kvm-config.h"

/* 0 on success, -1 after an error was printed, -2 after --help. */
int kvm_config_parse_run(struct kvm_config *cfg, int argc, const char **argv);
/*
 * Defaults and checks that need no /dev/kvm: CPU and memory defaults,
 * console, name, kernel presence, the final command line.
 */
int kvm_config_finalize(struct kvm_config *cfg);
/* Free what the parser allocated. */
void kvm_config_free(struct kvm_config *cfg);
/* Checks against what KVM allows (after /dev/kvm is open). */
int kvm_config_check_vcpus(const struct kvm_config *cfg, int max_vcpus);

extern const char run_usage[];

#endif
