/* User library of l4 guests (include/l4/user.h). */
#include <stdarg.h>
#include <stdint.h>
#include <l4/user.h>
#include "../lib/format.h"

void *memcpy(void *d, const void *s, size_t n)
{
    uint8_t *p = d;
    const uint8_t *q = s;
    while (n-- > 0) *p++ = *q++;
    return d;
}

void *memmove(void *d, const void *s, size_t n)
{
    uint8_t *p = d;
    const uint8_t *q = s;
    if (p < q) {
        while (n-- > 0) *p++ = *q++;
    } else {
        while (n-- > 0) p[n] = q[n];
    }
    return d;
}

void *memset(void *d, int c, size_t n)
{
    uint8_t *p = d;
    while (n-- > 0) *p++ = (uint8_t)c;
    return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const uint8_t *p = a, *q = b;
    for (; n > 0; n--, p++, q++)
        if (*p != *q) return *p < *q ? -1 : 1;
    return 0;
}

struct out {
    char buf[160];
    unsigned n;
};

static void flush(struct out *o)
{
    o->buf[o->n] = 0;
    if (o->n > 0) l4_kd_outstring(o->buf);
    o->n = 0;
}

static void put(void *ctx, char c)
{
    struct out *o = ctx;
    if (o->n + 1 >= sizeof o->buf) flush(o);
    o->buf[o->n++] = c;
}

void l4_printf(const char *fmt, ...)
{
    struct out o;
    o.n = 0;
    va_list ap;
    va_start(ap, fmt);
    l4_vformat(put, &o, fmt, ap);
    va_end(ap);
    flush(&o);
}
