/*
 * snap-poke (arm64, in L1): make a consistent-looking but wrong lkvm
 * snapshot, to check that run --restore refuses it.
 *
 *   snap-poke DIR SECTION OFFSET VALUE
 *
 * writes the 32-bit VALUE at byte OFFSET of SECTION's data in
 * DIR/lkvm.snap, then fixes the section's, the state area's and the
 * header's CRC-32 (layout as in snapshot.c), so that only lkvm's own
 * consistency checks can catch it.  Prints "SNAP-POKE OK old=X" or
 * "SNAP-POKE FAIL <why>".
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct file_hdr {
	char		magic[8];
	uint32_t	format_version;
	uint32_t	hdr_size;
	char		arch[16];
	char		lkvm_version[32];
	uint64_t	ram_size;
	uint64_t	state_offset;
	uint64_t	state_size;
	uint64_t	mem_offset;
	uint32_t	nr_sections;
	uint32_t	state_crc;
	uint32_t	reserved[7];
	uint32_t	hdr_crc;
} __attribute__((packed));

struct sec_hdr {
	char		id[48];
	uint32_t	version;
	uint32_t	len;
	uint32_t	crc;
	uint32_t	pad;
} __attribute__((packed));

static uint32_t crc32(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	int j;

	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		for (j = 0; j < 8; j++)
			crc = crc & 1 ? 0xedb88320U ^ (crc >> 1) : crc >> 1;
	}
	return ~crc;
}

static int fail(const char *why)
{
	printf("SNAP-POKE FAIL %s\n", why);
	return 1;
}

int main(int argc, char **argv)
{
	struct file_hdr h;
	char path[4096];
	uint8_t *state;
	uint64_t off;
	uint32_t i, crc = 0, old = 0, val, at;
	int fd, found = 0;

	if (argc != 5)
		return fail("usage: snap-poke DIR SECTION OFFSET VALUE");
	at = strtoul(argv[3], NULL, 0);
	val = strtoul(argv[4], NULL, 0);
	snprintf(path, sizeof(path), "%s/lkvm.snap", argv[1]);
	fd = open(path, O_RDWR);
	if (fd < 0 || pread(fd, &h, sizeof(h), 0) != sizeof(h))
		return fail("cannot read the header");
	if (h.state_offset != sizeof(h) || h.state_size > (64u << 20))
		return fail("unexpected header");
	state = malloc(h.state_size);
	if (!state || pread(fd, state, h.state_size, h.state_offset) !=
	    (ssize_t)h.state_size)
		return fail("cannot read the state area");
	for (off = 0, i = 0; i < h.nr_sections; i++) {
		struct sec_hdr *s = (struct sec_hdr *)(state + off);
		uint32_t padded = (s->len + 7) & ~7u;

		if (off + sizeof(*s) + padded > h.state_size)
			return fail("section runs past the state area");
		if (!strcmp(s->id, argv[2]) && at + 4 <= s->len) {
			memcpy(&old, state + off + sizeof(*s) + at, 4);
			memcpy(state + off + sizeof(*s) + at, &val, 4);
			s->crc = crc32(0, state + off + sizeof(*s), s->len);
			found = 1;
		}
		off += sizeof(*s) + padded;
	}
	if (!found)
		return fail("no such section, or the offset is past its end");
	crc = crc32(0, state, h.state_size);
	h.state_crc = crc;
	h.hdr_crc = 0;
	h.hdr_crc = crc32(0, &h, sizeof(h));
	if (pwrite(fd, state, h.state_size, h.state_offset) != (ssize_t)h.state_size ||
	    pwrite(fd, &h, sizeof(h), 0) != sizeof(h) || fsync(fd))
		return fail("cannot write the snapshot");
	printf("SNAP-POKE OK old=0x%x\n", old);
	return 0;
}
