/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVM__UTIL_H
#define KVM__UTIL_H

#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdatomic.h>
#include <time.h>
#include "kvm/compiler.h"

enum {
	LOGLEVEL_ERROR = 0,
	LOGLEVEL_WARNING,
	LOGLEVEL_INFO,
	LOGLEVEL_DEBUG,
};

/*
 * The log level is process-wide configuration (set once from --loglevel),
 * not VM state, so it is the one global the VMM keeps.
 */
extern int lkvm_loglevel;

void lkvm_log(int level, const char *fmt, ...) __printf(2, 3);
void __noreturn die(const char *fmt, ...) __printf(1, 2);
void __noreturn die_perror(const char *what);

#define pr_err(fmt, ...)	lkvm_log(LOGLEVEL_ERROR, fmt, ##__VA_ARGS__)
#define pr_warn(fmt, ...)	lkvm_log(LOGLEVEL_WARNING, fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...)	lkvm_log(LOGLEVEL_INFO, fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...)						\
	do {								\
		if (unlikely(lkvm_loglevel >= LOGLEVEL_DEBUG))		\
			lkvm_log(LOGLEVEL_DEBUG, fmt, ##__VA_ARGS__);	\
	} while (0)

/* Log a warning once per call site: for guest-triggered misbehaviour. */
#define pr_warn_once(fmt, ...)						\
	do {								\
		static atomic_flag __warned = ATOMIC_FLAG_INIT;		\
		if (!atomic_flag_test_and_set(&__warned))		\
			pr_warn(fmt, ##__VA_ARGS__);			\
	} while (0)

int parse_loglevel(const char *s);

/*
 * Parse a size.  A bare number is taken in units of @default_unit bytes
 * (kvmtool's -m takes megabytes); suffixes K, M, G, T (optionally followed
 * by "B" or "iB", any case) are binary multiples.  Returns 0 or -EINVAL /
 * -ERANGE.
 */
int parse_size(const char *s, u64 default_unit, u64 *out);
/* Strict unsigned integer parse (decimal or 0x hex); whole string. */
int parse_u64(const char *s, u64 *out);
/* A CPU list such as "0-3,6" (comma-separated CPUs and ranges). */
int parse_cpulist(const char *s, cpu_set_t *set);

ssize_t write_in_full(int fd, const void *buf, size_t count);
ssize_t pread_in_full(int fd, void *buf, size_t count, off_t off);
ssize_t pwrite_in_full(int fd, const void *buf, size_t count, off_t off);

/* Map a whole regular file read-only (at most @max bytes); an empty file
 * gives a NULL buffer of length 0.  Release with unmap_file(). */
int map_file(const char *path, u64 max, const void **buf, u64 *len);
void unmap_file(const void *buf, u64 len);

u64 host_ram_size(void);
int host_nr_online_cpus(void);
u64 monotonic_ns(void);
/* @ms from now on CLOCK_REALTIME, as pthread_cond_timedwait wants it. */
void cond_deadline_ms(struct timespec *ts, unsigned int ms);

#endif
