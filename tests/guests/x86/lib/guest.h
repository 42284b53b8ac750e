/*
 * Freestanding runtime for the C test guests: 32-bit protected mode,
 * paging off, flat segments (virtual = physical), interrupts off.
 *
 * Memory map (guest physical):
 *   0x10000            image: .text (start.S first), .rodata, .data, .bss
 *   ... 0x70000        end of image + .bss at the latest (guest.ld checks)
 *   0x70000 - 0x80000  stack (esp starts at 0x80000)
 *   0x9fc00 - 0x100000 EBDA/BIOS area: do not use
 */
#ifndef GUEST_H
#define GUEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
typedef int64_t s64;
typedef _Bool bool;
#define true	1
#define false	0

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define __aligned(n)	__attribute__((aligned(n)))
#define __noreturn	__attribute__((noreturn))
#define __printf(a, b)	__attribute__((format(printf, a, b)))
#define barrier()	asm volatile("" ::: "memory")
/* x86 keeps stores in order and loads in order: a compiler barrier will do
 * between RAM accesses that a device observes (virtqueues). */
#define mb()		asm volatile("lock; addl $0, 0(%%esp)" ::: "memory")

#define COM1		0x3f8
#define ACPI_PM1A_CNT	0x604
#ifndef SLP_S5_EN
#define SLP_S5_EN	0x3400	/* SLP_TYP = 5 (S5) | SLP_EN */
#endif

/* --- Port I/O --- */
static inline void outb(u16 port, u8 v)
{
	asm volatile("outb %0, %1" :: "a"(v), "Nd"(port));
}
static inline void outw(u16 port, u16 v)
{
	asm volatile("outw %0, %1" :: "a"(v), "Nd"(port));
}
static inline void outl(u16 port, u32 v)
{
	asm volatile("outl %0, %1" :: "a"(v), "Nd"(port));
}
static inline u8 inb(u16 port)
{
	u8 v;
	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline u16 inw(u16 port)
{
	u16 v;
	asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline u32 inl(u16 port)
{
	u32 v;
	asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/*
 * --- MMIO ---  One mov of the given width per access (the hypervisor
 * decodes it).  Addresses are 32-bit physical.  64-bit accesses are two
 * 32-bit ones, low half first (no SSE/MMX in these guests).
 */
static inline u8 mmio_read8(u32 a)
{
	u8 v;
	asm volatile("movb (%1), %0" : "=q"(v) : "r"(a) : "memory");
	return v;
}
static inline u16 mmio_read16(u32 a)
{
	u16 v;
	asm volatile("movw (%1), %0" : "=r"(v) : "r"(a) : "memory");
	return v;
}
static inline u32 mmio_read32(u32 a)
{
	u32 v;
	asm volatile("movl (%1), %0" : "=r"(v) : "r"(a) : "memory");
	return v;
}
static inline u64 mmio_read64(u32 a)
{
	u64 lo = mmio_read32(a);
	return lo | ((u64)mmio_read32(a + 4) << 32);
}
static inline void mmio_write8(u32 a, u8 v)
{
	asm volatile("movb %0, (%1)" :: "q"(v), "r"(a) : "memory");
}
static inline void mmio_write16(u32 a, u16 v)
{
	asm volatile("movw %0, (%1)" :: "r"(v), "r"(a) : "memory");
}
static inline void mmio_write32(u32 a, u32 v)
{
	asm volatile("movl %0, (%1)" :: "r"(v), "r"(a) : "memory");
}
static inline void mmio_write64(u32 a, u64 v)
{
	mmio_write32(a, (u32)v);
	mmio_write32(a + 4, (u32)(v >> 32));
}

static inline u64 rdtsc(void)
{
	u32 lo, hi;
	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return lo | ((u64)hi << 32);
}

static inline void cpu_relax(void)
{
	asm volatile("pause" ::: "memory");
}

/* Spin for @loops iterations of a pause loop (no calibrated timer here). */
void busy_wait(u32 loops);
/* The CMOS RTC's seconds register (BCD): a coarse clock for timeouts. */
u8 rtc_seconds(void);

/* --- Console (COM1) and printf --- */
void uart_putc(char c);
void uart_puts(const char *s);	/* no newline added */
int vprintf(const char *fmt, va_list ap);
/* Subset: %s %c %d %i %u %x %X %p %%, flags '0' '-', a width, and the
 * length modifiers l (32-bit) and ll (64-bit): %02x %08x %lx %llx %llu. */
int printf(const char *fmt, ...) __printf(1, 2);

/* --- Ending the guest --- */
void poweroff(void) __noreturn;
/* "EXIT <code>" first if code != 0, then power off. */
void exit(int code) __noreturn;

/* Count of FAIL lines printed through fail(). */
extern int fail_count;
/* printf("FAIL " fmt "\n") and count it. */
void fail(const char *fmt, ...) __printf(1, 2);
/* fail() and power off at once. */
void fatal(const char *fmt, ...) __printf(1, 2) __noreturn;

/* --- Memory --- */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);

#endif
