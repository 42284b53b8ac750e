// SPDX-License-Identifier: GPL-2.0
/*
 * Run commands alternately, many times, and report for each the median
 * wall time from exec to exit and the median peak RSS (wait4's
 * ru_maxrss).  Alternating runs spread machine noise over both.
 *
 * Usage: timeit RUNS -- CMD_A... -- CMD_B... [-- CMD_C...]
 * Output, one line per command: "<index> <median_ns> <median_rss_kib> <failures>"
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/wait.h>

#define MAX_CMDS 8

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	char **cmd[MAX_CMDS];
	int ncmd = 0, runs, i, c;
	long long *ns[MAX_CMDS], *rss[MAX_CMDS];
	int fails[MAX_CMDS] = { 0 };

	if (argc < 4 || strcmp(argv[2], "--")) {
		fprintf(stderr, "usage: %s RUNS -- CMD... [-- CMD...]\n", argv[0]);
		return 2;
	}
	runs = atoi(argv[1]);
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			argv[i] = NULL;
			if (ncmd == MAX_CMDS)
				return 2;
			cmd[ncmd++] = &argv[i + 1];
		}
	}
	for (c = 0; c < ncmd; c++) {
		ns[c] = calloc(runs, sizeof(long long));
		rss[c] = calloc(runs, sizeof(long long));
	}
	for (i = 0; i < runs; i++) {
		for (c = 0; c < ncmd; c++) {
			struct rusage ru;
			long long t0 = now_ns();
			int status;
			pid_t pid = fork();

			if (pid == 0) {
				int fd = open("/dev/null", O_RDWR);

				dup2(fd, 0);
				dup2(fd, 1);
				execvp(cmd[c][0], cmd[c]);
				_exit(127);
			}
			if (wait4(pid, &status, 0, &ru) < 0)
				return 1;
			ns[c][i] = now_ns() - t0;
			rss[c][i] = ru.ru_maxrss;
			if (!WIFEXITED(status) || WEXITSTATUS(status))
				fails[c]++;
		}
	}
	for (c = 0; c < ncmd; c++) {
		qsort(ns[c], runs, sizeof(long long), cmp_ll);
		qsort(rss[c], runs, sizeof(long long), cmp_ll);
		printf("%d %lld %lld %d\n", c, ns[c][runs / 2], rss[c][runs / 2],
		       fails[c]);
	}
	return 0;
}
