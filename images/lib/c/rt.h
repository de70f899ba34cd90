/*
 * rt.h: the freestanding C runtime of govmm's C test kernels (rt.c):
 * COM1 output, a printf subset, exit through isa-debug-exit, and the
 * string functions gcc may call on its own.
 */
#ifndef GOVMM_RT_H
#define GOVMM_RT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

void putch(char c);
void puts_raw(const char *s);
/* printf supports %c %s %d %u %x %ld %lu %lx %llx, "0" and a width, %%. */
void printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void exit(int value) __attribute__((noreturn));

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

/*
 * case_name returns "<group>_<what>" for check() names, in a static buffer
 * that the next call overwrites; over-long names are truncated.
 */
const char *case_name(const char *group, const char *what);

#endif
