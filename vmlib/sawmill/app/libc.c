/*
 * Console output for the application: the kernel's kdebug output (INT 3 +
 * marker), one string per line. The printf engine is the guest runtime's
 * (workloads/runtime/format.c, printf.c).
 */
#include <l4/kdebug.h>
#include <stdio.h>

#include "format.h"

struct line {
    char buf[128];
    unsigned len;
};

static void flush(struct line *l)
{
    if (l->len == 0)
        return;
    l->buf[l->len] = '\0';
    l4_kd_outstring(l->buf);
    l->len = 0;
}

static void line_sink(char c, void *ctx)
{
    struct line *l = ctx;
    l->buf[l->len++] = c;
    if (c == '\n' || l->len == sizeof l->buf - 1)
        flush(l);
}

int vprintf(const char *fmt, va_list ap)
{
    struct line l = {.len = 0};
    int n = vmsim_vformat(line_sink, &l, fmt, ap);
    flush(&l);
    return n;
}

int putchar(int c)
{
    l4_kd_outchar((char)c);
    return (unsigned char)c;
}

int puts(const char *s)
{
    l4_kd_outstring(s);
    l4_kd_outchar('\n');
    return 0;
}
