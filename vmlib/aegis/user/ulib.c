/* aegis user runtime: console output through AEGIS_SYS_CPUTS (the printf
 * family of workloads/runtime/stdio.h, formatted by its format.c). */
#include <stdio.h>
#include <string.h>
#include <aegis/sys.h>

#include "format.h"

struct outbuf {
    char b[128];
    unsigned n;
};

static void out_sink(char c, void *ctx)
{
    struct outbuf *o = ctx;
    o->b[o->n++] = c;
    if (o->n == sizeof o->b) {
        aegis_cputs(o->b, o->n);
        o->n = 0;
    }
}

int vprintf(const char *fmt, va_list ap)
{
    struct outbuf o;
    o.n = 0;
    int n = vmsim_vformat(out_sink, &o, fmt, ap);
    if (o.n)
        aegis_cputs(o.b, o.n);
    return n;
}

int printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}

int putchar(int c)
{
    char ch = (char)c;
    aegis_cputs(&ch, 1);
    return (unsigned char)c;
}

int puts(const char *s)
{
    aegis_cputs(s, strlen(s));
    aegis_cputs("\n", 1);
    return 0;
}

struct sbuf {
    char *buf;
    size_t size, len;
};

static void sbuf_sink(char c, void *ctx)
{
    struct sbuf *b = ctx;
    if (b->len + 1 < b->size)
        b->buf[b->len] = c;
    b->len++;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct sbuf b = {buf, size, 0};
    int n = vmsim_vformat(sbuf_sink, &b, fmt, ap);
    if (size)
        buf[b.len < size ? b.len : size - 1] = 0;
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
