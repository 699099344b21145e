/*
 * vmsim guest runtime: console output.
 *
 * printf family conversions: %d %i %u %x %X %s %c %p %%, with the flags
 * '-' (left-justify) and '0' (zero-pad), a field width (digits or '*'), a
 * precision for %s only (".N" or ".*"), and the length modifiers 'l'
 * (32-bit on this target, accepted for portability) and 'll' (64-bit).
 * Anything else is printed verbatim.
 */
#ifndef VMSIM_GUEST_STDIO_H
#define VMSIM_GUEST_STDIO_H

#include <stdarg.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef EOF
#define EOF (-1)
#endif

int putchar(int c);
int puts(const char *s); /* writes s and a newline */

int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

#ifdef __cplusplus
}
#endif

#endif /* VMSIM_GUEST_STDIO_H */
