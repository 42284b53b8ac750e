// SPDX-License-Identifier: GPL-2.0
/*
 * /init of the riscv64 L2 (lkvm guest) initramfs: the C counterpart of
 * guest/l2-init and the l2-tests scripts (Debian 12 has no riscv64
 * busybox).
 * Every byte it writes to the emulated UART is a trapped exit in a nested
 * guest: it prints markers only.
 *
 * Kernel command line:
 *   lkvm.test=NAME  boot (default), cpus, riscv, rng, bar-move, blk, 9p,
 *                   console, counter: prints "L2-TEST NAME PASS ..." or
 *                   "L2-TEST NAME FAIL why"
 *   lkvm.arg=VALUE  the test's argument
 *   lkvm.halt       power off instead of rebooting at the end
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/types.h>

static const char *test = "boot", *arg = "";

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

/* "L2-TEST name FAIL why": the test ends here. */
static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int fail(const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	out("L2-TEST %s FAIL %s", test, why);
	return -1;
}

static double uptime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static char *read_text(const char *path)
{
	static char buf[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n, len = 0;

	if (fd < 0)
		return NULL;
	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	while (len && buf[len - 1] == '\n')
		buf[--len] = '\0';
	return buf;
}

static int write_text(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int ret = 0;

	if (fd < 0)
		return -1;
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		ret = -1;
	close(fd);
	return ret;
}

static int count_lines(const char *path, const char *a, const char *b)
{
	char *s = read_text(path), *line, *save = NULL;
	int n = 0;

	for (line = s ? strtok_r(s, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save))
		if (strstr(line, a) && (!b || strstr(line, b)))
			n++;
	return n;
}

/* Sum of the per-CPU counts of /proc/interrupts lines naming @what. */
static long irq_count(const char *what)
{
	char *s = read_text("/proc/interrupts"), *line, *save = NULL, *p, *e;
	long sum = 0;

	for (line = s ? strtok_r(s, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strstr(line, what) || !(p = strchr(line, ':')))
			continue;
		for (p++;; p = e) {
			long v = strtol(p, &e, 10);

			if (e == p)
				break;
			sum += v;
		}
	}
	return sum;
}

static int nr_cpus(void)
{
	return count_lines("/proc/cpuinfo", "processor", NULL);
}

/* The virtio PCI function with one of these device IDs: its sysfs path. */
static const char *find_pci(unsigned int id1, unsigned int id2)
{
	static char path[300];
	DIR *d = opendir("/sys/bus/pci/devices");
	struct dirent *e;
	char f[300], *s;
	unsigned int v;

	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(f, sizeof(f), "/sys/bus/pci/devices/%s/vendor", e->d_name);
		s = read_text(f);
		if (!s || strtoul(s, NULL, 0) != 0x1af4)
			continue;
		snprintf(f, sizeof(f), "/sys/bus/pci/devices/%s/device", e->d_name);
		s = read_text(f);
		v = s ? strtoul(s, NULL, 0) : 0;
		if (v == id1 || v == id2) {
			snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s",
				 e->d_name);
			closedir(d);
			return path;
		}
	}
	if (d)
		closedir(d);
	return NULL;
}

/* @n random bytes from /dev/hwrng as hex; false if none or all zero. */
static bool hwrng(char *hex, int n)
{
	unsigned char b[64];
	int fd = open("/dev/hwrng", O_RDONLY), i, got = 0;
	bool nonzero = false;

	if (fd < 0)
		return false;
	while (got < n) {
		ssize_t r = read(fd, b + got, n - got);

		if (r <= 0)
			break;
		got += r;
	}
	close(fd);
	for (i = 0; i < got; i++) {
		sprintf(hex + 2 * i, "%02x", b[i]);
		nonzero |= b[i] != 0;
	}
	return got == n && nonzero;
}

/* ------------------------------------------------------------- tests */

/* lkvm.arg=N: N CPUs online (l2-direct.sh's default test). */
static int t_cpus(void)
{
	if (nr_cpus() != atoi(arg))
		return fail("%d CPUs, want %s", nr_cpus(), arg);
	out("L2-TEST %s PASS cpus=%d", test, nr_cpus());
	return 0;
}

static int t_riscv(void)
{
	char *s = read_text("/proc/cpuinfo"), isa[256] = "", mmu[32] = "";
	char *p;
	long timer;

	if (s && (p = strstr(s, "isa\t\t: ")))
		sscanf(p + 7, "%255s", isa);
	if (s && (p = strstr(s, "mmu\t\t: ")))
		sscanf(p + 7, "%31s", mmu);
	if (strncmp(isa, "rv64", 4))
		return fail("isa '%s' in /proc/cpuinfo", isa);
	timer = irq_count("riscv-timer");
	if (timer <= 0)
		return fail("no timer interrupts");
	if (!read_text("/proc/device-tree/cpus/timebase-frequency"))
		return fail("no timebase-frequency in the device tree");
	if (!count_lines("/proc/interrupts", "PLIC", NULL))
		return fail("no PLIC interrupt in /proc/interrupts");
	out("L2-TEST %s PASS cpus=%d isa=%s mmu=%s timer-irqs=%ld", test,
	    nr_cpus(), isa, mmu, timer);
	return 0;
}

static int t_rng(void)
{
	const char *dev = find_pci(0x1044, 0x1005);
	char f[400], hex[80], *cur;
	unsigned char cfg[4096];
	struct stat st;
	int fd;
	ssize_t n;

	if (!dev)
		return fail("no virtio-rng PCI function");
	cur = read_text("/sys/class/misc/hw_random/rng_current");
	if (!cur || strncmp(cur, "virtio_rng", 10))
		return fail("hwrng is '%s'", cur ? cur : "");
	if (!hwrng(hex, 32))
		return fail("no (or all-zero) bytes from /dev/hwrng");
	snprintf(f, sizeof(f), "%s/config", dev);
	fd = open(f, O_RDONLY);
	if (fd < 0 || fstat(fd, &st))
		return fail("%s: %s", f, strerror(errno));
	n = pread(fd, cfg, sizeof(cfg), 0);
	close(fd);
	if (st.st_size != 4096 || n != 4096)
		return fail("config space is %lld bytes (read %zd), want 4096",
			    (long long)st.st_size, n);
	out("L2-TEST %s PASS dev=%s bytes=%s cfg=%lld irqs=%ld", test,
	    strrchr(dev, '/') + 1, hex, (long long)st.st_size,
	    irq_count("virtio"));
	return 0;
}

static uint32_t cfg_read32(int fd, int off)
{
	uint32_t v = 0;

	if (pread(fd, &v, 4, off) != 4)
		return 0xffffffff;
	return v;
}

/* Read a 16-bit register at physical address @pa through /dev/mem. */
static int phys_read16(uint64_t pa, uint16_t *v)
{
	int fd = open("/dev/mem", O_RDONLY | O_SYNC);
	long pg = sysconf(_SC_PAGESIZE);
	volatile uint16_t *p;
	void *m;

	if (fd < 0)
		return -1;
	m = mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, pa & ~(uint64_t)(pg - 1));
	close(fd);
	if (m == MAP_FAILED)
		return -1;
	p = (volatile uint16_t *)((char *)m + (pa & (pg - 1)));
	*v = *p;
	munmap(m, pg);
	return 0;
}

/* Start address of resource @bar of the PCI function at @dev (sysfs). */
static uint64_t resource_start(const char *dev, int bar)
{
	char f[400], *s, *line, *save = NULL;
	int i = 0;

	snprintf(f, sizeof(f), "%s/resource", dev);
	s = read_text(f);
	for (line = s ? strtok_r(s, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save), i++)
		if (i == bar)
			return strtoull(line, NULL, 0);
	return 0;
}

/*
 * The guest moves a BAR: unbind virtio-rng's driver, rewrite its 64-bit
 * memory BAR (the one holding the virtio common configuration) 1 MiB
 * further up through sysfs config, read the device at the new address
 * through /dev/mem (and nothing at the old one), then remove the function
 * and rescan the bus so that Linux reads the BAR back and places it (where
 * it is, or back at the start of its window: a second move); the driver
 * binds again and random bytes come from the device.
 */
static int t_bar_move(void)
{
	const char *dev = find_pci(0x1044, 0x1005);
	char f[400], hex[80], name[64], path[300], *drv;
	uint32_t lo, hi, v;
	uint64_t old, moved, now, common = 0;
	uint16_t nq_new = 0, nq_old = 0;
	int fd, bar = -1, cap, i;

	if (!dev)
		return fail("no virtio-rng PCI function");
	snprintf(path, sizeof(path), "%s", dev);
	snprintf(name, sizeof(name), "%s", strrchr(path, '/') + 1);
	if (!hwrng(hex, 16))
		return fail("no bytes from /dev/hwrng before the move");
	snprintf(f, sizeof(f), "%s/config", path);
	fd = open(f, O_RDWR);
	if (fd < 0)
		return fail("%s: %s", f, strerror(errno));
	/* The virtio common configuration capability: its BAR and offset. */
	for (cap = cfg_read32(fd, 0x34) & 0xfc, i = 0; cap && i < 48; i++) {
		v = cfg_read32(fd, cap);
		if ((v & 0xff) == 0x09 && ((v >> 24) & 0xff) == 1) {
			bar = cfg_read32(fd, cap + 4) & 0xff;
			common = cfg_read32(fd, cap + 8);
			break;
		}
		cap = (v >> 8) & 0xfc;
	}
	if (bar < 0 || bar > 4)
		return fail("no virtio common configuration capability");
	lo = cfg_read32(fd, 0x10 + 4 * bar);
	hi = cfg_read32(fd, 0x14 + 4 * bar);
	if ((lo & 0x7) != 0x4)
		return fail("BAR%d (0x%08x) is not a 64-bit memory BAR", bar, lo);
	old = ((uint64_t)hi << 32) | (lo & ~0xfU);
	moved = old + (1 << 20);

	snprintf(f, sizeof(f), "%s/driver/unbind", path);
	if (write_text(f, name))
		return fail("unbind: %s", strerror(errno));
	lo = (uint32_t)moved | (lo & 0xf);
	hi = moved >> 32;
	if (pwrite(fd, &lo, 4, 0x10 + 4 * bar) != 4 ||
	    pwrite(fd, &hi, 4, 0x14 + 4 * bar) != 4)
		return fail("rewriting BAR%d: %s", bar, strerror(errno));
	v = cfg_read32(fd, 0x10 + 4 * bar);
	close(fd);
	if ((v & ~0xfU) != (uint32_t)moved)
		return fail("BAR%d reads 0x%08x after the move", bar, v);
	/* num_queues (offset 0x12 of the common configuration): 1 for rng */
	if (phys_read16(moved + common + 0x12, &nq_new) ||
	    phys_read16(old + common + 0x12, &nq_old))
		return fail("/dev/mem: %s", strerror(errno));
	if (nq_new != 1 || nq_old != 0xffff)
		return fail("after the move num_queues reads %u at the new "
			    "address, 0x%x at the old one", nq_new, nq_old);
	/* Linux reads the BAR back when it scans the function again. */
	snprintf(f, sizeof(f), "%s/remove", path);
	if (write_text(f, "1"))
		return fail("remove: %s", strerror(errno));
	if (write_text("/sys/bus/pci/rescan", "1"))
		return fail("rescan: %s", strerror(errno));
	if (access(path, F_OK))
		return fail("%s gone after the rescan", name);
	/*
	 * Linux keeps the address it finds if nothing else assigns it, else
	 * (first fit in its window: often the old place) sets another one.
	 */
	now = resource_start(path, bar);
	if (!now)
		return fail("BAR%d unassigned after the rescan", bar);
	snprintf(f, sizeof(f), "%s/driver", path);
	drv = realpath(f, NULL);
	if (!drv || !strstr(drv, "virtio-pci"))
		return fail("driver '%s' after the rescan", drv ? drv : "none");
	free(drv);
	for (i = 0; i < 20 && !hwrng(hex, 16); i++)
		usleep(100000);
	if (i == 20)
		return fail("no bytes from /dev/hwrng after the move");
	out("L2-TEST %s PASS bar%d=0x%llx->0x%llx->0x%llx (%s) num_queues=%u "
	    "rng=%s", test, bar, (unsigned long long)old,
	    (unsigned long long)moved, (unsigned long long)now,
	    now == moved ? "kept" : "reassigned-by-linux", nq_new, hex);
	return 0;
}

static int t_blk(void)
{
	char buf[64], *s;
	static char src[1 << 20], back[1 << 20];
	long long sectors = atoll(arg);
	int fd;
	size_t i;

	s = read_text("/sys/block/vda/size");
	if (!s || atoll(s) != sectors)
		return fail("vda has %s sectors, want %lld", s ? s : "no", sectors);
	s = read_text("/sys/block/vda/serial");
	if (!s || strncmp(s, "lkvm-", 5))
		return fail("serial '%s'", s ? s : "");
	fd = open("/dev/vda", O_RDWR);
	if (fd < 0)
		return fail("/dev/vda: %s", strerror(errno));
	memset(buf, 0, sizeof(buf));
	if (pread(fd, buf, 14, 1 << 20) != 14 || strcmp(buf, "L1-PATTERN-ABC"))
		return fail("read '%s' at MiB 1", buf);
	if (pwrite(fd, "L2-PATTERN-XYZ", 14, 3 << 20) != 14 || fsync(fd))
		return fail("write at MiB 3: %s", strerror(errno));
	for (i = 0; i < sizeof(src); i++)
		src[i] = (char)(i * 7 + (i >> 9));
	if (pwrite(fd, src, sizeof(src), 4 << 20) != sizeof(src) || fsync(fd))
		return fail("1 MiB write at MiB 4: %s", strerror(errno));
	close(fd);
	write_text("/proc/sys/vm/drop_caches", "3");
	fd = open("/dev/vda", O_RDONLY);
	if (fd < 0 || pread(fd, back, sizeof(back), 4 << 20) != sizeof(back) ||
	    memcmp(src, back, sizeof(src)))
		return fail("1 MiB at MiB 4 reads back differently");
	close(fd);
	s = read_text("/sys/block/vdb/ro");
	if (!s || strcmp(s, "1"))
		return fail("vdb not read-only");
	fd = open("/dev/vdb", O_WRONLY);
	if (fd >= 0 && pwrite(fd, "x", 1, 0) == 1 && !fsync(fd))
		return fail("write to read-only vdb succeeded");
	if (fd >= 0)
		close(fd);
	fd = open("/dev/vdb", O_RDONLY);
	if (fd < 0 || pread(fd, back, 4096, 0) != 4096)
		return fail("read of vdb");
	close(fd);
	s = read_text("/sys/block/vda/serial");
	snprintf(buf, sizeof(buf), "%s", s ? s : "");
	out("L2-TEST %s PASS serial=%s irqs=%ld", test, buf,
	    irq_count("virtio"));
	return 0;
}

static int mount_9p(void)
{
	mkdir("/mnt", 0755);
	mkdir("/mnt/s", 0755);
	if (mount("hostshare", "/mnt/s", "9p", 0,
		  "trans=virtio,version=9p2000.L"))
		return fail("mount 9p hostshare: %s", strerror(errno));
	return 0;
}

static int t_9p(void)
{
	char *s;
	int fd;

	if (mount_9p())
		return -1;
	s = read_text("/mnt/s/hello");
	if (!s || strcmp(s, "hello from L1"))
		return fail("hello reads '%s'", s ? s : "(nothing)");
	fd = open("/mnt/s/from-guest", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, "written by L2\n", 14) != 14 || close(fd))
		return fail("writing from-guest: %s", strerror(errno));
	if (mkdir("/mnt/s/d", 0755) || rename("/mnt/s/d", "/mnt/s/e"))
		return fail("mkdir/rename: %s", strerror(errno));
	fd = open("/mnt/s/e/f", O_WRONLY | O_CREAT, 0600);
	if (fd < 0 || write(fd, "x", 1) != 1 || close(fd))
		return fail("file in a renamed directory: %s", strerror(errno));
	s = read_text("/mnt/s/e/f");
	if (!s || strcmp(s, "x"))
		return fail("reading e/f back");
	/* A link planted on the L1 side resolves in L2, not in L1. */
	if (read_text("/mnt/s/esc"))
		return fail("read L1's secret through the esc symlink");
	if (umount("/mnt/s"))
		return fail("umount: %s", strerror(errno));
	out("L2-TEST %s PASS", test);
	return 0;
}

static int t_console(void)
{
	char *s = read_text("/sys/class/tty/console/active");
	int fd;

	if (!s || !strstr(s, "hvc0"))
		return fail("console is '%s', want hvc0", s ? s : "");
	fd = open("/dev/hvc0", O_WRONLY | O_NOCTTY);
	if (fd < 0 || write(fd, "L2-HVC0-WRITE\n", 14) != 14)
		return fail("/dev/hvc0: %s", strerror(errno));
	close(fd);
	out("L2-TEST %s PASS console=%s", test, s);
	return 0;
}

/*
 * Counts across lkvm save / run --restore: "COUNT n up=UPTIME" every half
 * second and record n on the raw disk (sector 2048 + n, synced).  Once L1
 * drops "restored" into the 9p share, 8 more, then the disk records,
 * virtio-rng, 9p and virtio-blk interrupts are checked.
 */
static int t_counter(void)
{
	char rec[16], got[16], hex[40], *s;
	long irq0, irq1;
	int n = 0, after = -1, i, fd;

	if (mount_9p())
		return -1;
	fd = open("/dev/vda", O_RDWR);
	if (fd < 0)
		return fail("/dev/vda: %s", strerror(errno));
	while (after != 0) {
		n++;
		out("COUNT %d up=%.2f", n, uptime());
		snprintf(rec, sizeof(rec), "REC%08d", n);
		if (pwrite(fd, rec, 11, (off_t)(2048 + n) * 512) != 11 ||
		    fsync(fd))
			return fail("disk write %d: %s", n, strerror(errno));
		if (after < 0 && !access("/mnt/s/restored", F_OK))
			after = 8;
		else if (after > 0)
			after--;
		usleep(500000);
	}
	for (i = 1; i <= n; i++) {
		memset(got, 0, sizeof(got));
		snprintf(rec, sizeof(rec), "REC%08d", i);
		if (pread(fd, got, 11, (off_t)(2048 + i) * 512) != 11 ||
		    strcmp(got, rec))
			return fail("disk record %d reads '%s'", i, got);
	}
	close(fd);
	irq0 = irq_count("virtio");
	if (!hwrng(hex, 16))
		return fail("hwrng after the restore");
	fd = open("/mnt/s/from-l2", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, "after restore\n", 14) != 14 || close(fd))
		return fail("9p write after the restore");
	s = read_text("/mnt/s/restored");
	if (!s || strcmp(s, "yes"))
		return fail("9p read after the restore");
	irq1 = irq_count("virtio");
	if (irq1 <= irq0)
		return fail("no virtio interrupt after the restore (%ld -> %ld)",
			    irq0, irq1);
	umount("/mnt/s");
	out("L2-TEST %s PASS n=%d irqs=%ld->%ld", test, n, irq0, irq1);
	return 0;
}

static const struct {
	const char	*name;
	int		(*fn)(void);
} tests[] = {
	{ "cpus", t_cpus }, { "riscv", t_riscv }, { "rng", t_rng }, { "bar-move", t_bar_move },
	{ "blk", t_blk }, { "9p", t_9p }, { "console", t_console },
	{ "counter", t_counter },
};

int main(void)
{
	char *cmdline, *p, *save = NULL;
	bool halt = false;
	unsigned int i;

	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	mkdir("/tmp", 01777);
	mount("tmpfs", "/tmp", "tmpfs", 0, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);

	cmdline = read_text("/proc/cmdline");
	cmdline = strdup(cmdline ? cmdline : "");
	for (p = strtok_r(cmdline, " ", &save); p; p = strtok_r(NULL, " ", &save)) {
		if (!strncmp(p, "lkvm.test=", 10))
			test = p + 10;
		else if (!strncmp(p, "lkvm.arg=", 9))
			arg = p + 9;
		else if (!strcmp(p, "lkvm.halt"))
			halt = true;
	}
	out("L2-INIT-OK cpus=%d uptime=%.2f", nr_cpus(), uptime());
	if (strcmp(test, "boot")) {
		for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
			if (!strcmp(tests[i].name, test))
				break;
		if (i < sizeof(tests) / sizeof(tests[0]))
			tests[i].fn();
		else
			out("L2-TEST %s FAIL no such L2 test", test);
	}
	sync();
	reboot(halt ? RB_POWER_OFF : RB_AUTOBOOT);
	sleep(10);
	out("L2-REBOOT-FAILED");
	for (;;)
		pause();
}
