/*
 * Self-test of the C guest runtime (x86/lib): printf formats, memory
 * functions, a cleared .bss, and main's status printed as "EXIT <n>".
 * Expected output: the lines below with "RT-OK", then "EXIT 3".
 */
#include "guest.h"

static u32 zeroed[64];
static u32 inited = 0x12345678;

int main(void)
{
	u8 a[16], b[16];
	unsigned i;

	printf("RT start32 esp=%p\n", (void *)&i);
	printf("RT fmt [%s] [%c] [%d] [%d] [%u] [%x] [%X] [%02x] [%08x]\n",
	       "str", 'c', 42, -42, 4000000000u, 0xbeefu, 0xbeefu, 5, 0xabc);
	printf("RT fmt [%lx] [%llx] [%llu] [%5d] [%-5d] [%05d] [%p]\n",
	       0xdeadbeefUL, 0x123456789abcdef0ULL, 18446744073709551615ULL,
	       7, 7, -7, (void *)0x1000);
	for (i = 0; i < ARRAY_SIZE(zeroed); i++)
		if (zeroed[i])
			fail(".bss not cleared at %u", i);
	if (inited != 0x12345678)
		fail(".data wrong: %08x", inited);
	memset(a, 0x5a, sizeof(a));
	memcpy(b, a, sizeof(b));
	if (memcmp(a, b, sizeof(a)) || b[15] != 0x5a)
		fail("memset/memcpy/memcmp");
	b[3] = 0;
	if (memcmp(a, b, sizeof(a)) <= 0)
		fail("memcmp order");
	if (!fail_count)
		printf("RT-OK\n");
	return 3;
}
