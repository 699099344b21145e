/* User library of l4 guests (include/l4/user.h). */
#include <stdarg.h>
#include <stdint.h>
#include <l4/user.h>

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

static void put(struct out *o, char c)
{
    if (o->n + 1 >= sizeof o->buf) flush(o);
    o->buf[o->n++] = c;
}

static void put_unsigned(struct out *o, uint32_t v, unsigned base, int width, char pad)
{
    char digits[12];
    int n = 0;
    do {
        unsigned d = v % base;
        digits[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
        v /= base;
    } while (v != 0);
    while (n < width--) put(o, pad);
    while (n > 0) put(o, digits[--n]);
}

void l4_printf(const char *fmt, ...)
{
    struct out o;
    o.n = 0;
    va_list ap;
    va_start(ap, fmt);
    for (; *fmt != 0; fmt++) {
        if (*fmt != '%') {
            put(&o, *fmt);
            continue;
        }
        fmt++;
        char pad = ' ';
        int width = 0;
        if (*fmt == '0') {
            pad = '0';
            fmt++;
        }
        while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (*fmt++ - '0');
        switch (*fmt) {
        case 'd': {
            int v = va_arg(ap, int);
            if (v < 0) {
                put(&o, '-');
                put_unsigned(&o, (uint32_t)-v, 10, width, pad);
            } else {
                put_unsigned(&o, (uint32_t)v, 10, width, pad);
            }
            break;
        }
        case 'u': put_unsigned(&o, va_arg(ap, unsigned), 10, width, pad); break;
        case 'x': put_unsigned(&o, va_arg(ap, unsigned), 16, width, pad); break;
        case 'c': put(&o, (char)va_arg(ap, int)); break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            while (*s != 0) put(&o, *s++);
            break;
        }
        case '%': put(&o, '%'); break;
        default: put(&o, '?'); break;
        }
    }
    va_end(ap);
    flush(&o);
}
