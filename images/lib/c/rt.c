/*
 * rt.c: the freestanding C runtime of govmm's C test kernels: COM1 output
 * (poll LSR.THRE, write THR), a printf subset, exit through isa-debug-exit
 * and the string functions gcc may emit calls to. It avoids 64-bit
 * division so the 32-bit build needs no libgcc.
 */
#include "rt.h"

#define COM1 0x3f8
#define LSR_THRE 0x20
#define EXIT_PORT 0xf4

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

void putch(char c)
{
	while (!(inb(COM1 + 5) & LSR_THRE))
		;
	outb(COM1, (uint8_t)c);
}

void puts_raw(const char *s)
{
	while (*s)
		putch(*s++);
}

void exit(int value)
{
	outl(EXIT_PORT, (uint32_t)value);
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* emit prints the digits of v (base 10 or 16) padded to width. */
static void emit(uint64_t v, int base, int width, char pad, int neg)
{
	char buf[24];
	int n = 0;
	if (base == 16) {
		do {
			buf[n++] = "0123456789abcdef"[v & 15];
			v >>= 4;
		} while (v);
	} else {
		/* Values printed in decimal fit in 32 bits on every build. */
		uint32_t w = (uint32_t)v;
		do {
			buf[n++] = (char)('0' + w % 10);
			w /= 10;
		} while (w);
	}
	if (neg)
		buf[n++] = '-';
	while (n < width)
		putch(pad), width--;
	while (n)
		putch(buf[--n]);
}

void printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			putch(*fmt);
			continue;
		}
		fmt++;
		char pad = ' ';
		int width = 0, longs = 0;
		if (*fmt == '0')
			pad = '0', fmt++;
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l')
			longs++, fmt++;
		switch (*fmt) {
		case 'c':
			putch((char)va_arg(ap, int));
			break;
		case 's':
			puts_raw(va_arg(ap, const char *));
			break;
		case 'd': {
			long v = longs ? va_arg(ap, long) : va_arg(ap, int);
			emit(v < 0 ? -(uint64_t)v : (uint64_t)v, 10, width, pad, v < 0);
			break;
		}
		case 'u':
			emit(longs ? va_arg(ap, unsigned long) : va_arg(ap, unsigned), 10, width, pad, 0);
			break;
		case 'x':
			if (longs >= 2)
				emit(va_arg(ap, unsigned long long), 16, width, pad, 0);
			else if (longs)
				emit(va_arg(ap, unsigned long), 16, width, pad, 0);
			else
				emit(va_arg(ap, unsigned), 16, width, pad, 0);
			break;
		case '%':
			putch('%');
			break;
		default:
			putch('?');
			break;
		}
	}
	va_end(ap);
}

void *memcpy(void *dst, const void *src, size_t n)
{
	char *d = dst;
	const char *s = src;
	while (n--)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	char *d = dst;
	const char *s = src;
	if (d < s) {
		while (n--)
			*d++ = *s++;
	} else {
		while (n--)
			d[n] = s[n];
	}
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	char *d = dst;
	while (n--)
		*d++ = (char)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

const char *case_name(const char *group, const char *what)
{
	static char buf[64];
	size_t n = 0;
	while (*group && n < sizeof(buf) - 2)
		buf[n++] = *group++;
	buf[n++] = '_';
	while (*what && n < sizeof(buf) - 1)
		buf[n++] = *what++;
	buf[n] = 0;
	return buf;
}
