/* Console, printf, memory functions, exceptions and power-off. */
#include "guest.h"

int fail_count;

void busy_wait(u32 loops)
{
	while (loops--)
		cpu_relax();
}

u8 rtc_seconds(void)
{
	outb(0x70, 0x00);
	return inb(0x71);
}

void uart_putc(char c)
{
	int i;

	/* Wait (boundedly) for THRE; lkvm's 8250 is normally always ready. */
	for (i = 0; i < 1000 && !(inb(COM1 + 5) & 0x20); i++)
		cpu_relax();
	outb(COM1, c);
}

void uart_puts(const char *s)
{
	while (*s)
		uart_putc(*s++);
}

/* *n / 10, returning *n % 10; divl with edx < 10 cannot overflow. */
static u32 div10(u64 *n)
{
	u32 hi = (u32)(*n >> 32), lo = (u32)*n, qhi = hi / 10, r = hi % 10, qlo;

	asm("divl %4" : "=a"(qlo), "=d"(r) : "a"(lo), "d"(r), "r"(10u));
	*n = ((u64)qhi << 32) | qlo;
	return r;
}

static int put_num(u64 v, unsigned base, int width, char pad, bool left,
		   bool neg, bool upper)
{
	char buf[24];
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	int n = 0, len, out = 0;

	do {
		if (base == 16) {
			buf[n++] = digits[v & 15];
			v >>= 4;
		} else {
			buf[n++] = digits[div10(&v)];
		}
	} while (v);
	len = n + neg;
	if (neg && pad == '0') {
		uart_putc('-');
		out++;
		neg = false;
	}
	for (; !left && width > len; width--, out++)
		uart_putc(pad);
	if (neg) {
		uart_putc('-');
		out++;
	}
	while (n)
		uart_putc(buf[--n]), out++;
	for (; left && width > len; width--, out++)
		uart_putc(' ');
	return out;
}

int vprintf(const char *fmt, va_list ap)
{
	int out = 0;

	for (; *fmt; fmt++) {
		int width = 0, lng = 0;
		char pad = ' ';
		bool left = false;
		u64 v;

		if (*fmt != '%') {
			uart_putc(*fmt);
			out++;
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '0')
				pad = '0';
			else if (*fmt == '-')
				left = true;
			else
				break;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l')
			lng++, fmt++;
		switch (*fmt) {
		case 'd':
		case 'i': {
			s64 s = lng >= 2 ? va_arg(ap, s64) : va_arg(ap, s32);

			v = s < 0 ? -(u64)s : (u64)s;
			out += put_num(v, 10, width, pad, left, s < 0, false);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
			v = lng >= 2 ? va_arg(ap, u64) : va_arg(ap, u32);
			out += put_num(v, *fmt == 'u' ? 10 : 16, width, pad, left,
				       false, *fmt == 'X');
			break;
		case 'p':
			uart_puts("0x");
			out += 2 + put_num((u32)(uintptr_t)va_arg(ap, void *),
					   16, 8, '0', false, false, false);
			break;
		case 'c':
			uart_putc((char)va_arg(ap, int));
			out++;
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			int len = 0;

			if (!s)
				s = "(null)";
			while (s[len])
				len++;
			for (; !left && width > len; width--, out++)
				uart_putc(' ');
			uart_puts(s);
			out += len;
			for (; left && width > len; width--, out++)
				uart_putc(' ');
			break;
		}
		case '%':
			uart_putc('%');
			out++;
			break;
		case '\0':
			return out;
		default:
			uart_putc('%');
			uart_putc(*fmt);
			out += 2;
		}
	}
	return out;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

void fail(const char *fmt, ...)
{
	va_list ap;

	fail_count++;
	uart_puts("FAIL ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	uart_putc('\n');
}

void fatal(const char *fmt, ...)
{
	va_list ap;

	fail_count++;
	uart_puts("FAIL ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	uart_putc('\n');
	exit(1);
}

void poweroff(void)
{
	outw(ACPI_PM1A_CNT, SLP_S5_EN);
	for (;;)
		asm volatile("cli; hlt");
}

void exit(int code)
{
	if (code)
		printf("EXIT %d\n", code);
	poweroff();
}

void *memset(void *d, int c, size_t n)
{
	void *r = d;

	asm volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return r;
}

void *memcpy(void *d, const void *s, size_t n)
{
	void *r = d;

	asm volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
	return r;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *p = a, *q = b;

	for (; n; n--, p++, q++)
		if (*p != *q)
			return *p - *q;
	return 0;
}

/* --- Exceptions: report and power off instead of triple faulting. --- */
struct exc_frame {
	u32 vec, err, eip, cs, eflags;
};

struct idt_gate {
	u16 off_lo, sel;
	u8 zero, type;
	u16 off_hi;
} __attribute__((packed));

extern const u32 exc_stubs[32];
static struct idt_gate idt[32] __aligned(8);

void idt_init(void);
void idt_init(void)
{
	struct {
		u16 limit;
		u32 base;
	} __attribute__((packed)) desc = { sizeof(idt) - 1, (u32)idt };
	int i;

	for (i = 0; i < 32; i++) {
		idt[i].off_lo = (u16)exc_stubs[i];
		idt[i].sel = 0x08;
		idt[i].zero = 0;
		idt[i].type = 0x8e;	/* present, ring 0, 32-bit interrupt gate */
		idt[i].off_hi = (u16)(exc_stubs[i] >> 16);
	}
	asm volatile("lidt %0" :: "m"(desc));
}

void exception(struct exc_frame *f) __noreturn;
void exception(struct exc_frame *f)
{
	fail("exception %u err=0x%x eip=%08x", f->vec, f->err, f->eip);
	exit(2);
}
