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
