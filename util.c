// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "kvm/util.h"

int lkvm_loglevel = LOGLEVEL_WARNING;

static const char *const level_names[] = {
	[LOGLEVEL_ERROR]	= "error",
	[LOGLEVEL_WARNING]	= "warning",
	[LOGLEVEL_INFO]		= "info",
	[LOGLEVEL_DEBUG]	= "debug",
};

void lkvm_log(int level, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	if (level > lkvm_loglevel)
		return;
	n = snprintf(buf, sizeof(buf), "lkvm: %s", level == LOGLEVEL_ERROR ? "" :
		     level == LOGLEVEL_WARNING ? "warning: " :
		     level == LOGLEVEL_INFO ? "info: " : "debug: ");
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(buf) - 1)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	/* One write, so lines from different threads do not interleave. */
	if (write(STDERR_FILENO, buf, n) < 0)
		return;
}

void die(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	pr_err("%s", buf);
	exit(1);
}

void die_perror(const char *what)
{
	die("%s: %s", what, strerror(errno));
}

int parse_loglevel(const char *s)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(level_names); i++)
		if (!strcasecmp(s, level_names[i]))
			return i;
	if (!strcasecmp(s, "warn"))
		return LOGLEVEL_WARNING;
	return -EINVAL;
}

int parse_u64(const char *s, u64 *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-' || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno == ERANGE)
		return -ERANGE;
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

int parse_size(const char *s, u64 default_unit, u64 *out)
{
	char *end;
	unsigned long long v;
	u64 mult = default_unit;
	int shift = -1;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (*end) {
		switch (toupper((unsigned char)*end)) {
		case 'B': shift = 0; break;
		case 'K': shift = 10; break;
		case 'M': shift = 20; break;
		case 'G': shift = 30; break;
		case 'T': shift = 40; break;
		case 'P': shift = 50; break;
		default: return -EINVAL;
		}
		end++;
		if (shift && (!strcasecmp(end, "B") || !strcasecmp(end, "iB")))
			end += strlen(end);
		if (*end)
			return -EINVAL;
		mult = 1ULL << shift;
	}
	if (mult && v > UINT64_MAX / mult)
		return -ERANGE;
	*out = v * mult;
	return 0;
}

int parse_cpulist(const char *s, cpu_set_t *set)
{
	char *end;

	CPU_ZERO(set);
	if (!*s)
		return -EINVAL;
	for (;;) {
		unsigned long a, b;

		if (*s < '0' || *s > '9')
			return -EINVAL;
		a = strtoul(s, &end, 10);
		b = a;
		if (*end == '-') {
			s = end + 1;
			if (*s < '0' || *s > '9')
				return -EINVAL;
			b = strtoul(s, &end, 10);
		}
		if (b < a || b >= CPU_SETSIZE)
			return -ERANGE;
		for (; a <= b; a++)
			CPU_SET(a, set);
		if (!*end)
			return 0;
		if (*end != ',')
			return -EINVAL;
		s = end + 1;
	}
}

ssize_t write_in_full(int fd, const void *buf, size_t count)
{
	size_t done = 0;

	while (done < count) {
		ssize_t n = write(fd, (const char *)buf + done, count - done);

		if (n < 0) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };

			if (errno == EINTR)
				continue;
			if (errno == EAGAIN && poll(&p, 1, -1) >= 0)
				continue;
			return -1;
		}
		done += n;
	}
	return done;
}

ssize_t pread_in_full(int fd, void *buf, size_t count, off_t off)
{
	size_t done = 0;

	while (done < count) {
		ssize_t n = pread(fd, (char *)buf + done, count - done,
				  off + done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		done += n;
	}
	return done;
}

ssize_t pwrite_in_full(int fd, const void *buf, size_t count, off_t off)
{
	size_t done = 0;

	while (done < count) {
		ssize_t n = pwrite(fd, (const char *)buf + done, count - done,
				   off + done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		done += n;
	}
	return done;
}

u64 host_ram_size(void)
{
	long pages = sysconf(_SC_PHYS_PAGES);
	long psize = sysconf(_SC_PAGESIZE);

	if (pages <= 0 || psize <= 0)
		return 0;
	return (u64)pages * psize;
}

int host_nr_online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (int)n : 1;
}

u64 monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

void cond_deadline_ms(struct timespec *ts, unsigned int ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}

int map_file(const char *path, u64 max, const void **bufp, u64 *lenp)
{
	struct stat st;
	void *p;
	int fd, e;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		e = -errno;
		close(fd);
		return e;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	if ((u64)st.st_size > max) {
		close(fd);
		return -EFBIG;
	}
	*lenp = st.st_size;
	if (!st.st_size) {
		close(fd);
		*bufp = NULL;
		return 0;
	}
	p = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	e = -errno;
	close(fd);
	if (p == MAP_FAILED)
		return e;
	*bufp = p;
	return 0;
}

void unmap_file(const void *buf, u64 len)
{
	if (buf && len)
		munmap((void *)buf, len);
}
