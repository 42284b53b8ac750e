// SPDX-License-Identifier: GPL-2.0
/*
 * /init of the riscv64 L1 (nested KVM host) initramfs.  Debian 12 has no
 * riscv64 busybox, so this one static program does what guest/l1-init and
 * guest/l1-lib.sh do on the other architectures: mount what is needed,
 * check /dev/kvm, run the scenarios listed in /scenarios.sh (written by
 * run.sh: "e2e_run_scenario NAME" lines) and power off, printing the same
 * markers (README.md: E2E-L1-*, E2E-SCENARIO-START/END, SCENARIO NAME
 * PASS|FAIL|SKIP).
 *
 * A riscv64 scenario (/e2e/scenarios/NAME.sh) is a recipe, not a shell
 * snippet: its first line is "# lkvm-e2e recipe", then one command per
 * line ('#' starts a comment; "double quotes" group words):
 *
 *   lkvm ARGS...           run lkvm under the lkvm timeout; output to
 *                          /tmp/NAME.log (the "current log")
 *   run SECS PROG ARGS...  run any program the same way
 *   timeout SECS           lkvm timeout for the following runs
 *   status N               exit status the next checks want (default 0)
 *   expect ERE             the last run ended in time with that status and
 *                          its output matches ERE; else FAIL
 *   expect-ok              the last run ended in time with that status
 *   reject ERE             its output does not match ERE
 *   expect-timeout         the last run was killed by its timeout
 *   skip-if ERE WHY        SKIP the scenario if the output matches ERE
 *   disk-write DEV MIB TEXT / disk-check DEV MIB TEXT
 *   copy-to-disk FILE DEV MIB
 *   mkfile PATH MIB        a zero-filled file
 *   head-copy SRC DST BYTES  the first BYTES bytes of SRC
 *   write-hex PATH HEX     a file with these bytes
 *   mkdir PATH / write PATH TEXT / check-file PATH TEXT / rm PATH
 *   symlink TARGET PATH
 *   check-magic PATH HEX   the file starts with these bytes
 *   file-has PATH TEXT / file-lacks PATH TEXT   (bytes, binary files too)
 *   check-exists PATH...   (char/block device, file or directory)
 *   note TEXT / show N / show-file PATH N   (the last N lines)
 *   save-restore ARGS...   the counter test across lkvm save / --restore
 *                          (ARGS: lkvm run arguments without --name)
 *
 * Anything else (a shell snippet from scenarios/common) is SKIPped.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#define MAX_ARGS	64
#define LINE_MAX_LEN	4096
#define RECIPE_MARK	"# lkvm-e2e recipe"
#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

static int lkvm_timeout = 60, scenario_timeout = 180, verbose;
static const char *scenario;

/* ------------------------------------------------------------ helpers */

static double uptime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void out(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void verdict(const char *what, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

/* Print the scenario's one verdict line and end its process. */
static void verdict(const char *what, const char *fmt, ...)
{
	char why[1024] = "";
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(why, sizeof(why), fmt, ap);
		va_end(ap);
	}
	out("SCENARIO %s %s%s%s", scenario, what, *why ? " " : "", why);
	exit(0);
}

static char *read_text(const char *path, size_t max, size_t *lenp)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0, cap = 4096;
	char *buf;
	ssize_t n;

	if (fd < 0)
		return NULL;
	buf = malloc(cap + 1);
	while (buf && (n = read(fd, buf + len, cap - len)) > 0) {
		len += n;
		if (len == cap && cap < max) {
			cap *= 2;
			buf = realloc(buf, cap + 1);
		} else if (len == cap) {
			break;
		}
	}
	close(fd);
	if (!buf)
		return NULL;
	buf[len] = '\0';
	if (lenp)
		*lenp = len;
	return buf;
}

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= w;
	}
	return 0;
}

/* The log without carriage returns (the guest's console uses CRLF). */
static char *read_log(const char *path)
{
	char *s = read_text(path, 64 << 20, NULL), *r, *w;

	if (!s)
		return strdup("");
	for (r = w = s; *r; r++)
		if (*r != '\r')
			*w++ = *r;
	*w = '\0';
	return s;
}

static bool log_has(const char *path, const char *ere)
{
	regex_t re;
	char *s;
	bool hit;

	if (regcomp(&re, ere, REG_EXTENDED | REG_NEWLINE | REG_NOSUB)) {
		out("  bad regular expression '%s'", ere);
		return false;
	}
	s = read_log(path);
	hit = !regexec(&re, s, 0, NULL, 0);
	free(s);
	regfree(&re);
	return hit;
}

/* The last @n lines of @path, indented so they cannot pass for markers. */
static void show_log(const char *path, int n)
{
	char *s = read_log(path), *p, *line;
	int count = 0;

	for (p = s + strlen(s); p > s; p--)
		if (p[-1] == '\n' && p[0] && ++count > n)
			break;
	for (line = strtok(p, "\n"); line; line = strtok(NULL, "\n"))
		out("  | %s", line);
	free(s);
}

/* ------------------------------------------------- running programs */

struct run {
	char	log[320];
	int	status;		/* exit status, 128+sig if killed */
	double	elapsed;
	bool	timed_out;
	double	init_ok;	/* when L2-INIT-OK appeared (s), 0: never */
};

static pid_t spawn(char **argv, const char *log)
{
	pid_t pid;
	int fd;

	/* Empty the log before the child exists: the parent polls it for
	 * markers, and must not find the previous run's. */
	fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0)
		close(fd);
	pid = fork();
	if (pid)
		return pid;
	setpgid(0, 0);
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0)
		dup2(fd, 0);
	fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
	}
	execv(argv[0], argv);
	dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Wait for @pid for at most @secs (TERM, then KILL 5 s later). */
static void wait_child(pid_t pid, double secs, struct run *r, double t0)
{
	int st = 0, polls = 0;
	bool termed = false;

	r->init_ok = 0;
	for (;;) {
		pid_t w = waitpid(pid, &st, WNOHANG);

		/* The L2 boot time, lkvm start to L2's init (every 100 ms). */
		if (!r->init_ok && *r->log && !(polls++ % 5)) {
			char *s = read_log(r->log);

			if (strstr(s, "L2-INIT-OK"))
				r->init_ok = uptime() - t0;
			free(s);
		}

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			st = 0x7f00;
			break;
		}
		if (!termed && uptime() - t0 >= secs) {
			kill(-pid, SIGTERM);
			kill(pid, SIGTERM);
			termed = true;
			r->timed_out = true;
		} else if (termed && uptime() - t0 >= secs + 5) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
		}
		usleep(20000);
	}
	r->elapsed = uptime() - t0;
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void run_fg(char **argv, double secs, struct run *r)
{
	double t0 = uptime();
	pid_t pid = spawn(argv, r->log);

	r->timed_out = false;
	if (pid < 0) {
		r->status = 127;
		r->elapsed = 0;
		return;
	}
	wait_child(pid, secs, r, t0);
	out("  %s %s: rc=%d time=%.2fs%s", strrchr(argv[0], '/') ?
	    strrchr(argv[0], '/') + 1 : argv[0], argv[1] ? argv[1] : "",
	    r->status, r->elapsed, r->timed_out ? " TIMEOUT" : "");
	if (r->init_ok)
		out("  L2-INIT-OK %.2fs after lkvm started", r->init_ok);
	if (verbose)
		show_log(r->log, 200);
}

/* lkvm ARGS with its output in @log; 0 if it exited with status 0. */
static int lkvm_quiet(const char *log, double secs, ...)
{
	char *argv[MAX_ARGS] = { "/bin/lkvm" };
	struct run r = { 0 };
	va_list ap;
	int n = 1;

	va_start(ap, secs);
	while (n < MAX_ARGS - 1 && (argv[n] = va_arg(ap, char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	snprintf(r.log, sizeof(r.log), "%s", log);
	wait_child(spawn(argv, r.log), secs, &r, uptime());
	return r.status || r.timed_out ? -1 : 0;
}

/* ------------------------------------------------------------ recipes */

/* Split @line into words; "..." groups, '#' outside quotes ends it. */
static int split(char *line, char **w, int max)
{
	int n = 0;
	char *p = line, *o;

	while (*p && n < max - 1) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p || *p == '#')
			break;
		w[n++] = o = p;
		while (*p && !isspace((unsigned char)*p)) {
			if (*p == '"') {
				for (p++; *p && *p != '"'; p++)
					*o++ = *p;
				if (*p)
					p++;
			} else {
				*o++ = *p++;
			}
		}
		if (*p)
			p++;
		*o = '\0';
	}
	w[n] = NULL;
	return n;
}

static int parse_hex(const char *hex, unsigned char *buf, size_t max)
{
	size_t n = 0;

	while (hex[0] && hex[1] && n < max) {
		unsigned int b;

		if (sscanf(hex, "%2x", &b) != 1)
			return -1;
		buf[n++] = b;
		hex += 2;
	}
	return *hex ? -1 : (int)n;
}

static void disk_write(const char *dev, long mib, const char *text)
{
	int fd = open(dev, O_WRONLY);

	if (fd < 0 || pwrite(fd, text, strlen(text), mib << 20) !=
	    (ssize_t)strlen(text) || fsync(fd))
		verdict("FAIL", "writing %s at MiB %ld: %s", dev, mib,
			strerror(errno));
	close(fd);
}

static void disk_check(const char *dev, long mib, const char *text)
{
	size_t n = strlen(text);
	char buf[256] = "";
	int fd = open(dev, O_RDONLY);

	if (fd < 0 || n >= sizeof(buf) || pread(fd, buf, n, mib << 20) < 0)
		verdict("FAIL", "reading %s at MiB %ld: %s", dev, mib,
			strerror(errno));
	close(fd);
	buf[n] = '\0';
	out("  %s at MiB %ld: '%s'", dev, mib, buf);
	if (strcmp(buf, text))
		verdict("FAIL", "%s has '%s' at MiB %ld, want '%s'", dev, buf,
			mib, text);
}

static void copy_file(const char *src, const char *dst, long long max,
		      long long off, bool sync)
{
	int in = open(src, O_RDONLY), o;
	char buf[65536];
	long long done = 0;
	ssize_t n;

	o = open(dst, O_WRONLY | O_CREAT | (off < 0 ? O_TRUNC : 0), 0644);
	if (in < 0 || o < 0)
		verdict("FAIL", "copy %s -> %s: %s", src, dst, strerror(errno));
	while ((max < 0 || done < max) &&
	       (n = read(in, buf, max < 0 || max - done > (long long)sizeof(buf) ?
			 (long long)sizeof(buf) : max - done)) > 0) {
		if (pwrite(o, buf, n, (off < 0 ? 0 : off) + done) != n)
			verdict("FAIL", "copy to %s: %s", dst, strerror(errno));
		done += n;
	}
	if (sync)
		fsync(o);
	close(in);
	close(o);
}

static void rm_rf(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	char sub[1024];

	if (lstat(path, &st))
		return;
	if (S_ISDIR(st.st_mode) && (d = opendir(path))) {
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
			rm_rf(sub);
		}
		closedir(d);
		rmdir(path);
	} else {
		unlink(path);
	}
}

static void check_expect(struct run *r, int want, const char *ere)
{
	const char *why = NULL;
	char buf[512];

	if (r->timed_out) {
		snprintf(buf, sizeof(buf), "lkvm timed out after %.2fs",
			 r->elapsed);
		why = buf;
	} else if (ere && !log_has(r->log, ere)) {
		snprintf(buf, sizeof(buf), "no '%s' in the output", ere);
		why = buf;
	} else if (r->status != want) {
		snprintf(buf, sizeof(buf), "exit status %d (want %d)",
			 r->status, want);
		why = buf;
	}
	if (why) {
		if (!verbose)
			show_log(r->log, 25);
		verdict("FAIL", "%s", why);
	}
}

/* Highest "COUNT n" in @log, 0 if none; the first one in *first. */
static long counts(const char *log, long *first)
{
	char *s = read_log(log), *p = s;
	long n = 0, v;

	if (first)
		*first = 0;
	while ((p = strstr(p, "COUNT "))) {
		if ((p == s || p[-1] == '\n') && sscanf(p + 6, "%ld", &v) == 1) {
			if (first && !*first)
				*first = v;
			if (v > n)
				n = v;
		}
		p += 6;
	}
	free(s);
	return n;
}

static bool wait_count(const char *log, long n, double secs, pid_t pid)
{
	double t0 = uptime();

	while (uptime() - t0 < secs) {
		if (counts(log, NULL) >= n)
			return true;
		if (pid > 0 && waitpid(pid, NULL, WNOHANG) == pid)
			return counts(log, NULL) >= n;
		usleep(100000);
	}
	return false;
}

/*
 * The counter test (l2-init's "counter"): L2 counts on its console and
 * disk; pause, save, stop; run --restore; the count goes on in the same
 * boot; then L1 drops "restored" in the 9p share and L2 checks its
 * devices and prints L2-TEST counter PASS.
 */
static void save_restore(char **args, int nargs)
{
	static const char *l1 = "/tmp/sr1.log", *l2 = "/tmp/sr2.log";
	char *argv[MAX_ARGS + 4] = { "/bin/lkvm" };
	struct run r = { .log = "" };
	long n0, first;
	double t0;
	pid_t p1, p2;
	int i, n = 1;

	for (i = 0; i < nargs && n < MAX_ARGS; i++)
		argv[n++] = args[i];
	argv[n++] = "--name";
	argv[n++] = "sr";
	argv[n] = NULL;
	p1 = spawn(argv, l1);
	if (!wait_count(l1, 4, 90, p1)) {
		show_log(l1, 20);
		kill(-p1, SIGKILL);
		verdict("FAIL", "L2 did not start counting");
	}
	t0 = uptime();
	if (lkvm_quiet("/tmp/ctl.log", 20, "pause", "--name", "sr", NULL)) {
		show_log("/tmp/ctl.log", 5);
		kill(-p1, SIGKILL);
		verdict("FAIL", "lkvm pause");
	}
	n0 = counts(l1, NULL);
	if (lkvm_quiet("/tmp/ctl.log", 60, "save", "--name", "sr", "/tmp/snap",
		       NULL)) {
		show_log("/tmp/ctl.log", 5);
		kill(-p1, SIGKILL);
		verdict("FAIL", "lkvm save");
	}
	out("  paused at COUNT %ld, saved in %.2fs", n0, uptime() - t0);
	lkvm_quiet("/tmp/ctl.log", 20, "stop", "--name", "sr", NULL);
	wait_child(p1, 20, &r, uptime());
	out("  first lkvm: status %d", r.status);

	t0 = uptime();
	{
		char *rargv[] = { "/bin/lkvm", "run", "--restore", "/tmp/snap",
				  "--name", "sr2", NULL };

		p2 = spawn(rargv, l2);
	}
	if (!wait_count(l2, n0 + 1, 60, p2)) {
		show_log(l2, 20);
		kill(-p2, SIGKILL);
		verdict("FAIL", "no count after the restore");
	}
	out("  restored and counting in %.2fs", uptime() - t0);
	counts(l2, &first);
	if (first != n0 + 1 || log_has(l2, "L2-INIT-OK")) {
		show_log(l2, 20);
		kill(-p2, SIGKILL);
		verdict("FAIL", "count went %ld -> %ld (or L2 booted again)", n0,
			first);
	}
	{
		int fd = open("/tmp/share/restored", O_WRONLY | O_CREAT, 0644);

		if (fd < 0 || write_all(fd, "yes\n", 4))
			verdict("FAIL", "cannot write /tmp/share/restored");
		close(fd);
	}
	snprintf(r.log, sizeof(r.log), "%s", l2);
	wait_child(p2, 90, &r, uptime());
	out("  restored lkvm: rc=%d time=%.2fs%s", r.status, r.elapsed,
	    r.timed_out ? " TIMEOUT" : "");
	show_log(l2, 3);
	check_expect(&r, 0, "L2-TEST counter PASS");
}

static void run_recipe(const char *path, const char *name)
{
	char *text = read_text(path, 1 << 20, NULL), *line, *save = NULL;
	char *w[MAX_ARGS + 2];
	struct run r = { 0 };
	int want = 0, n, i;

	if (!text)
		verdict("FAIL", "cannot read %s", path);
	if (strncmp(text, RECIPE_MARK, strlen(RECIPE_MARK)))
		verdict("SKIP", "a shell snippet: the riscv64 L1 has no shell "
			"(write a recipe in scenarios/riscv64/%s.sh)", name);
	snprintf(r.log, sizeof(r.log), "/tmp/%s.log", name);
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		n = split(line, w, ARRAY_LEN(w));
		if (!n)
			continue;
#define IS(cmd, nargs) (!strcmp(w[0], cmd) && n >= (nargs) + 1)
		if (IS("lkvm", 1)) {
			w[0] = "/bin/lkvm";
			run_fg(w, lkvm_timeout, &r);
		} else if (IS("run", 2)) {
			run_fg(w + 2, atof(w[1]), &r);
		} else if (IS("timeout", 1)) {
			lkvm_timeout = atoi(w[1]);
		} else if (IS("status", 1)) {
			want = atoi(w[1]);
		} else if (IS("expect", 1)) {
			check_expect(&r, want, w[1]);
		} else if (IS("expect-ok", 0)) {
			check_expect(&r, want, NULL);
		} else if (IS("reject", 1)) {
			if (log_has(r.log, w[1])) {
				show_log(r.log, 25);
				verdict("FAIL", "'%s' in the output", w[1]);
			}
		} else if (IS("expect-timeout", 0)) {
			if (!r.timed_out)
				verdict("FAIL", "status %d after %.2fs: not "
					"killed by its timeout", r.status,
					r.elapsed);
		} else if (IS("skip-if", 2)) {
			if (log_has(r.log, w[1])) {
				show_log(r.log, 3);
				verdict("SKIP", "%s", w[2]);
			}
		} else if (IS("disk-write", 3)) {
			disk_write(w[1], atol(w[2]), w[3]);
		} else if (IS("disk-check", 3)) {
			disk_check(w[1], atol(w[2]), w[3]);
		} else if (IS("copy-to-disk", 3)) {
			copy_file(w[1], w[2], -1, (long long)atol(w[3]) << 20,
				  true);
		} else if (IS("mkfile", 2)) {
			int fd = open(w[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);

			if (fd < 0 || ftruncate(fd, (off_t)atol(w[2]) << 20))
				verdict("FAIL", "mkfile %s: %s", w[1],
					strerror(errno));
			close(fd);
		} else if (IS("head-copy", 3)) {
			copy_file(w[1], w[2], atoll(w[3]), -1, false);
		} else if (IS("write-hex", 2)) {
			unsigned char buf[1024];
			int len = parse_hex(w[2], buf, sizeof(buf));
			int fd = open(w[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);

			if (len < 0 || fd < 0 || write_all(fd, buf, len))
				verdict("FAIL", "write-hex %s", w[1]);
			close(fd);
		} else if (IS("mkdir", 1)) {
			mkdir(w[1], 0755);
		} else if (IS("write", 2)) {
			int fd = open(w[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);

			if (fd < 0 || write_all(fd, w[2], strlen(w[2])) ||
			    write_all(fd, "\n", 1))
				verdict("FAIL", "write %s: %s", w[1],
					strerror(errno));
			close(fd);
		} else if (IS("check-file", 2)) {
			char *s = read_text(w[1], 1 << 20, NULL);
			size_t l = s ? strlen(s) : 0;

			if (l && s[l - 1] == '\n')
				s[l - 1] = '\0';
			if (!s || strcmp(s, w[2]))
				verdict("FAIL", "%s holds '%s', want '%s'",
					w[1], s ? s : "(nothing)", w[2]);
			free(s);
		} else if (IS("rm", 1)) {
			rm_rf(w[1]);
		} else if (IS("symlink", 2)) {
			if (symlink(w[1], w[2]))
				verdict("FAIL", "symlink %s: %s", w[2],
					strerror(errno));
		} else if (IS("check-magic", 2)) {
			unsigned char want_b[64], got[64];
			int len = parse_hex(w[2], want_b, sizeof(want_b));
			int fd = open(w[1], O_RDONLY);

			if (len <= 0 || fd < 0 || read(fd, got, len) != len ||
			    memcmp(got, want_b, len))
				verdict("FAIL", "%s does not start with %s",
					w[1], w[2]);
			close(fd);
			out("  %s starts with %s", w[1], w[2]);
		} else if (IS("file-has", 2) || IS("file-lacks", 2)) {
			size_t len = 0;
			char *d = read_text(w[1], 16 << 20, &len);
			bool has = d && memmem(d, len, w[2], strlen(w[2]));

			free(d);
			if (has != !strcmp(w[0], "file-has"))
				verdict("FAIL", "%s %s '%s'", w[1], has ?
					"has" : "lacks", w[2]);
			out("  %s %s '%s'", w[1], has ? "has" : "lacks", w[2]);
		} else if (IS("check-exists", 1)) {
			struct stat st;

			for (i = 1; i < n; i++)
				if (stat(w[i], &st) || (S_ISREG(st.st_mode) &&
							!st.st_size))
					verdict("FAIL", "no %s", w[i]);
		} else if (IS("note", 1)) {
			out("  %s", w[1]);
		} else if (IS("show", 1)) {
			show_log(r.log, atoi(w[1]));
		} else if (IS("show-file", 2)) {
			show_log(w[1], atoi(w[2]));
		} else if (IS("save-restore", 1)) {
			save_restore(w + 1, n - 1);
		} else {
			verdict("FAIL", "recipe %s: unknown command '%s'", path,
				w[0]);
		}
#undef IS
	}
	free(text);
	verdict("PASS", NULL);
}

/* Run one scenario in a child, under the scenario time limit. */
static void run_scenario(const char *name)
{
	char path[512];
	double t0 = uptime();
	struct run r = { 0 };
	pid_t pid;

	out("E2E-SCENARIO-START %s", name);
	snprintf(path, sizeof(path), "/e2e/scenarios/%s.sh", name);
	pid = fork();
	if (!pid) {
		setpgid(0, 0);
		scenario = name;
		chdir("/tmp");
		run_recipe(path, name);
		exit(0);
	}
	wait_child(pid, scenario_timeout, &r, t0);
	if (r.timed_out)
		out("SCENARIO %s FAIL whole scenario timed out after %.2fs",
		    name, r.elapsed);
	out("E2E-SCENARIO-END %s rc=%d time=%.2fs", name, r.status, r.elapsed);
}

/* ---------------------------------------------------------------- main */

static void load_config(void)
{
	char *s = read_text("/e2e/config.sh", 65536, NULL), *line, *save = NULL;

	for (line = s ? strtok_r(s, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "E2E_LKVM_TIMEOUT=", 17))
			lkvm_timeout = atoi(line + 17);
		else if (!strncmp(line, "E2E_SCENARIO_TIMEOUT=", 21))
			scenario_timeout = atoi(line + 21);
		else if (!strncmp(line, "E2E_VERBOSE=", 12))
			verbose = atoi(line + 12);
	}
	free(s);
}

static void finish(void)
{
	sync();
	out("E2E-L1-DONE uptime=%.2f", uptime());
	reboot(RB_POWER_OFF);
	sleep(5);
	exit(1);
}

static int count_cpus(void)
{
	char *s = read_text("/proc/cpuinfo", 1 << 20, NULL), *p;
	int n = 0;

	for (p = s; p && (p = strstr(p, "processor")); p++)
		if (p == s || p[-1] == '\n')
			n++;
	free(s);
	return n;
}

static void setup_kvm(void)
{
	const char *how = "devtmpfs";
	char *dev;
	unsigned int maj, min;
	int fd;

	if (access("/dev/kvm", F_OK) &&
	    (dev = read_text("/sys/class/misc/kvm/dev", 64, NULL)) &&
	    sscanf(dev, "%u:%u", &maj, &min) == 2 &&
	    !mknod("/dev/kvm", S_IFCHR | 0666, makedev(maj, min)))
		how = "mknod";
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		out("E2E-L1-FAIL no /dev/kvm (%s; is the H extension on? "
		    "-cpu rv64,h=true)", strerror(errno));
		finish();
	}
	close(fd);
	out("E2E-L1-KVM-OK via=%s", how);
}

int main(int argc, char **argv)
{
	struct utsname u;
	struct stat st;
	char *s, *line, *save = NULL;

	/* "init --hang": a program that never ends (selftest-timeout). */
	if (argc > 1 && !strcmp(argv[1], "--hang")) {
		for (;;)
			pause();
	}
	if (getpid() != 1) {
		fprintf(stderr, "l1-init: not pid 1\n");
		return 1;
	}
	setenv("PATH", "/bin:/sbin:/usr/bin:/usr/sbin", 1);
	setenv("HOME", "/root", 1);
	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	mkdir("/dev/pts", 0755);
	mkdir("/dev/shm", 0755);
	mount("devpts", "/dev/pts", "devpts", 0, NULL);
	mount("tmpfs", "/dev/shm", "tmpfs", 0, NULL);
	mount("tmpfs", "/tmp", "tmpfs", 0, NULL);
	mount("tmpfs", "/run", "tmpfs", 0, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	uname(&u);
	out("E2E-L1-INIT uptime=%.2f kernel=%s cpus=%d", uptime(), u.release,
	    count_cpus());
	out("E2E-L1-MODULES loaded=0 failed=0 uptime=%.2f", uptime());
	setup_kvm();
	if (!stat("/sys/block/vda/size", &st) &&
	    (s = read_text("/sys/block/vda/size", 64, NULL))) {
		out("E2E-L1-DISK /dev/vda %lldMiB", atoll(s) / 2048);
		free(s);
	}
	load_config();
	chdir("/tmp");
	s = read_text("/scenarios.sh", 1 << 20, NULL);
	if (!s) {
		out("E2E-L1-FAIL no /scenarios.sh in the initramfs");
		finish();
	}
	for (line = strtok_r(s, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char name[256];

		if (sscanf(line, "e2e_run_scenario %255s", name) == 1)
			run_scenario(name);
	}
	free(s);
	finish();
	return 0;
}
