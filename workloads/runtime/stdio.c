/* vmsim guest runtime: console output and the printf family. */
#include <stdio.h>
#include <vmsim/memmap.h>

#include "format.h"

#define CONSOLE (*(volatile unsigned char *)VMSIM_KSEG1(VMSIM_CONSOLE_BASE + VMSIM_CONSOLE_PUTC))

int putchar(int c)
{
    CONSOLE = (unsigned char)c;
    return (unsigned char)c;
}

int puts(const char *s)
{
    while (*s)
        CONSOLE = (unsigned char)*s++;
    CONSOLE = '\n';
    return 0;
}

static void console_sink(char c, void *ctx)
{
    (void)ctx;
    CONSOLE = (unsigned char)c;
}

int vprintf(const char *fmt, va_list ap)
{
    return vmsim_vformat(console_sink, 0, fmt, ap);
}

int printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}

struct buffer {
    char *buf;
    size_t size; /* capacity including the terminating NUL */
    size_t len;  /* characters produced so far */
};

static void buffer_sink(char c, void *ctx)
{
    struct buffer *b = ctx;
    if (b->len + 1 < b->size)
        b->buf[b->len] = c;
    b->len++;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct buffer b = {buf, size, 0};
    int n = vmsim_vformat(buffer_sink, &b, fmt, ap);
    if (size > 0)
        buf[b.len < size ? b.len : size - 1] = '\0';
    return n;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
