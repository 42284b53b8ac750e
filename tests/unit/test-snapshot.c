// SPDX-License-Identifier: GPL-2.0
/*
 * The snapshot file: writer and reader round trip, and every corruption
 * rejected with its own message.
 */
#include <fcntl.h>
#include <limits.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"
#include "kvm/snapshot.h"

#define RAM_SIZE	(4 * 1024 * 1024)

static char dir[256], file[PATH_MAX];
static u8 *ram;

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/lkvm-snap-test.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/%s", dir, SNAP_FILE_NAME);
	ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert(ram != MAP_FAILED);
	/* Touch a few pages; the rest stay holes. */
	memset(ram, 0x11, 4096);
	memset(ram + 1024 * 1024, 0x22, 8192);
	ram[RAM_SIZE - 1] = 0x33;
}

static void teardown(void)
{
	char cmd[PATH_MAX + 16];

	munmap(ram, RAM_SIZE);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void write_snapshot(void)
{
	struct snapshot *s = snapshot_new();
	u32 big[1000];
	int i;

	for (i = 0; i < 1000; i++)
		big[i] = i * 7;
	ck_assert_int_eq(snap_put(s, "config", 1, "hello", 6), 0);
	ck_assert_int_eq(snap_put(s, "cpu0.regs", 2, big, sizeof(big)), 0);
	ck_assert_int_eq(snap_put(s, "empty", 1, NULL, 0), 0);
	ck_assert_int_eq(snap_put(s, "config", 1, "dup", 4), -EINVAL);
	ck_assert_int_eq(snapshot_write(s, dir, ram, RAM_SIZE, -1, 0), 0);
	snapshot_free(s);
}

/* Run snapshot_read with stderr captured; return its result. */
static int read_capture(char *msg, size_t len)
{
	struct snapshot *s = NULL;
	struct snapshot_mem mem = { .fd = -1 };
	int pfd[2], saved, ret;
	ssize_t n;

	ck_assert_int_eq(pipe(pfd), 0);
	saved = dup(2);
	dup2(pfd[1], 2);
	lkvm_loglevel = LOGLEVEL_ERROR;
	ret = snapshot_read(dir, &s, &mem);
	lkvm_loglevel = -1;
	dup2(saved, 2);
	close(saved);
	close(pfd[1]);
	n = read(pfd[0], msg, len - 1);
	msg[n > 0 ? n : 0] = 0;
	close(pfd[0]);
	if (!ret) {
		close(mem.fd);
		snapshot_free(s);
	}
	return ret;
}

static void patch(off_t off, const void *p, size_t len)
{
	int fd = open(file, O_WRONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, p, len, off), (ssize_t)len);
	close(fd);
}

static void flip_bit(off_t off)
{
	int fd = open(file, O_RDWR);
	u8 b;

	ck_assert_int_eq(pread(fd, &b, 1, off), 1);
	b ^= 0x10;
	ck_assert_int_eq(pwrite(fd, &b, 1, off), 1);
	close(fd);
}

/* Rewrite the header's CRC after changing a header field on purpose. */
static void fix_header_crc(void)
{
	u8 h[256];
	int fd = open(file, O_RDWR);
	u32 hdr_size, crc = 0;

	ck_assert_int_eq(pread(fd, h, sizeof(h), 0), (ssize_t)sizeof(h));
	memcpy(&hdr_size, h + 12, 4);
	ck_assert_int_le(hdr_size, sizeof(h));
	memcpy(h + hdr_size - 4, &crc, 4);
	crc = crc32_le(0, h, hdr_size);
	ck_assert_int_eq(pwrite(fd, &crc, 4, hdr_size - 4), 4);
	close(fd);
}

static off_t file_size(void)
{
	struct stat st;

	ck_assert_int_eq(stat(file, &st), 0);
	return st.st_size;
}

START_TEST(round_trip)
{
	struct snapshot *s;
	struct snapshot_mem mem;
	const void *p;
	u32 len, big[1000];
	struct stat st;
	u8 *m;

	setup();
	write_snapshot();
	ck_assert_int_eq(stat(file, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	/* Sparse: far less on disk than the RAM size. */
	ck_assert_int_lt(st.st_blocks * 512, RAM_SIZE / 2);

	ck_assert_int_eq(snapshot_read(dir, &s, &mem), 0);
	ck_assert_int_eq(snapshot_nr_sections(s), 3);
	ck_assert_int_eq(snap_get_var(s, "config", 1, &p, &len), 0);
	ck_assert_int_eq(len, 6);
	ck_assert_str_eq(p, "hello");
	ck_assert_int_eq(snap_get(s, "cpu0.regs", 2, big, sizeof(big)), 0);
	ck_assert_int_eq(big[999], 999 * 7);
	ck_assert_int_eq(snap_get(s, "cpu0.regs", 1, big, sizeof(big)), -EPROTO);
	ck_assert_int_eq(snap_get(s, "cpu0.regs", 2, big, 16), -EPROTO);
	ck_assert_int_eq(snap_get(s, "nope", 1, big, 4), -ENOENT);
	ck_assert_int_eq(snap_get_var(s, "empty", 1, &p, &len), 0);
	ck_assert_int_eq(len, 0);
	ck_assert_uint_eq(mem.size, RAM_SIZE);
	ck_assert_uint_eq(mem.offset % SNAP_MEM_ALIGN, 0);
	m = mmap(NULL, mem.size, PROT_READ, MAP_PRIVATE, mem.fd, mem.offset);
	ck_assert(m != MAP_FAILED);
	ck_assert_int_eq(memcmp(m, ram, RAM_SIZE), 0);
	munmap(m, mem.size);
	close(mem.fd);
	snapshot_free(s);

	/* Saving again over it works (temporary name, then rename). */
	write_snapshot();
	ck_assert_int_eq(access(file, R_OK), 0);
	teardown();
}
END_TEST

START_TEST(file_backed_ram)
{
	struct snapshot *s = NULL;
	struct snapshot_mem mem;
	char dir2[512];
	u8 *m, *m2;

	/* A restored VM's RAM maps its snapshot; saving it again must
	 * copy the pages it never touched from that file. */
	setup();
	write_snapshot();
	ck_assert_int_eq(snapshot_read(dir, &s, &mem), 0);
	m = mmap(NULL, mem.size, PROT_READ | PROT_WRITE, MAP_PRIVATE, mem.fd,
		 mem.offset);
	ck_assert(m != MAP_FAILED);
	m[4096 * 3] = 0x44;	/* touch one new page */
	snprintf(dir2, sizeof(dir2), "%s/again", dir);
	ck_assert_int_eq(snapshot_write(s, dir2, m, RAM_SIZE, mem.fd,
					mem.offset), 0);
	snapshot_free(s);
	close(mem.fd);
	snprintf(dir, sizeof(dir), "%.200s", dir2);
	ck_assert_int_eq(snapshot_read(dir, &s, &mem), 0);
	m2 = mmap(NULL, mem.size, PROT_READ, MAP_PRIVATE, mem.fd, mem.offset);
	ck_assert(m2 != MAP_FAILED);
	ck_assert_int_eq(m2[0], 0x11);
	ck_assert_int_eq(m2[1024 * 1024 + 5000], 0x22);
	ck_assert_int_eq(m2[4096 * 3], 0x44);
	ck_assert_int_eq(m2[RAM_SIZE - 1], 0x33);
	munmap(m2, mem.size);
	munmap(m, mem.size);
	close(mem.fd);
	snapshot_free(s);
	*strrchr(dir, '/') = 0;
	teardown();
}
END_TEST

#define EXPECT_REJECT(what)						\
	do {								\
		char msg[512];						\
		ck_assert_int_ne(read_capture(msg, sizeof(msg)), 0);	\
		ck_assert_msg(strstr(msg, what), "got: %s", msg);	\
		ck_assert_msg(strchr(msg, '\n') == msg + strlen(msg) - 1, \
			      "not one line: %s", msg);			\
	} while (0)

START_TEST(missing)
{
	setup();
	EXPECT_REJECT("No such file");
	teardown();
}
END_TEST

START_TEST(truncated)
{
	off_t sz;

	setup();
	write_snapshot();
	sz = file_size();
	ck_assert_int_eq(truncate(file, sz - 4096), 0);
	EXPECT_REJECT("truncated");
	ck_assert_int_eq(truncate(file, 300), 0);
	EXPECT_REJECT("truncated");
	ck_assert_int_eq(truncate(file, 20), 0);
	EXPECT_REJECT("truncated (no complete header)");
	ck_assert_int_eq(truncate(file, 0), 0);
	EXPECT_REJECT("truncated");
	teardown();
}
END_TEST

START_TEST(bit_flips)
{
	setup();
	write_snapshot();
	flip_bit(0);
	EXPECT_REJECT("not an lkvm snapshot");
	write_snapshot();
	flip_bit(40);			/* in the header (lkvm version) */
	EXPECT_REJECT("header checksum mismatch");
	write_snapshot();
	flip_bit(200 + 80);		/* in the first section's data */
	EXPECT_REJECT("checksum mismatch");
	write_snapshot();
	flip_bit(200 + 70);		/* in the first section's header */
	EXPECT_REJECT("corrupt");
	teardown();
}
END_TEST

START_TEST(wrong_arch_and_version)
{
	u32 v = 99;

	setup();
	write_snapshot();
	patch(16, "mips\0\0\0\0\0\0\0\0\0\0\0", 16);
	fix_header_crc();
	EXPECT_REJECT("snapshot of an mips VM");
	write_snapshot();
	patch(8, &v, 4);
	EXPECT_REJECT("format version 99");
	write_snapshot();
	patch(32, "0.0.0-other", 12);
	fix_header_crc();
	EXPECT_REJECT("made by lkvm 0.0.0-other");
	teardown();
}
END_TEST

START_TEST(mismatched_size)
{
	struct snapshot_mem mem = { .fd = -1 };
	struct snapshot *s = NULL;
	u64 big = 1ULL << 40;
	char buf[8], msg[512];
	int pfd[2], saved, ret;
	ssize_t n;

	setup();
	write_snapshot();
	/* A section of another size than its reader expects. */
	ck_assert_int_eq(snapshot_read(dir, &s, &mem), 0);
	ck_assert_int_eq(pipe(pfd), 0);
	saved = dup(2);
	dup2(pfd[1], 2);
	lkvm_loglevel = LOGLEVEL_ERROR;
	ret = snap_get(s, "config", 1, buf, sizeof(buf));
	lkvm_loglevel = -1;
	dup2(saved, 2);
	close(saved);
	close(pfd[1]);
	n = read(pfd[0], msg, sizeof(msg) - 1);
	msg[n > 0 ? n : 0] = 0;
	close(pfd[0]);
	ck_assert_int_eq(ret, -EPROTO);
	ck_assert_msg(strstr(msg, "section config is 6 bytes, expected 8"),
		      "got: %s", msg);
	close(mem.fd);
	snapshot_free(s);
	/* RAM size larger than the file holds. */
	patch(64, &big, 8);
	fix_header_crc();
	EXPECT_REJECT("bytes, the snapshot needs");
	teardown();
}
END_TEST

static Suite *snapshot_suite(void)
{
	Suite *s = suite_create("snapshot");
	TCase *tc = tcase_create("file");

	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, file_backed_ram);
	tcase_add_test(tc, missing);
	tcase_add_test(tc, truncated);
	tcase_add_test(tc, bit_flips);
	tcase_add_test(tc, wrong_arch_and_version);
	tcase_add_test(tc, mismatched_size);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(snapshot_suite)
