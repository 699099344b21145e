/* vmsim guest runtime: the printf family over vmsim_vformat(). Independent of where
 * output goes: printf() calls the environment's vprintf() (the console in the bare-
 * metal runtime, a write system call in the kernel stubs' user libraries). */
#include <stdio.h>

#include "format.h"

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
