/* vmsim guest runtime: printf formatting engine (see format.h). */
#include "format.h"

#include <stdint.h>

struct out {
    vmsim_format_sink sink;
    void *ctx;
    int count;
};

static void emit(struct out *o, char c)
{
    o->sink(c, o->ctx);
    o->count++;
}

static void emit_repeat(struct out *o, char c, int n)
{
    while (n-- > 0)
        emit(o, c);
}

/* Writes the digits of v in `base` into the end of buf; returns the start.
 * Values that fit in 32 bits use 32-bit division (fast on the R3000). */
static char *to_digits(char *end, uint64_t v, unsigned base, int upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char *p = end;
    while (v > 0xffffffffu) {
        *--p = digits[v % base];
        v /= base;
    }
    uint32_t w = (uint32_t)v;
    do {
        *--p = digits[w % base];
        w /= base;
    } while (w != 0);
    return p;
}

/* Emits [prefix][digits or text] padded to width. */
static void emit_field(struct out *o, const char *prefix, const char *text, int len,
                       int width, int left, int zero)
{
    int plen = 0;
    while (prefix[plen])
        plen++;
    int pad = width - plen - len;
    if (!left && !zero)
        emit_repeat(o, ' ', pad);
    for (int i = 0; i < plen; i++)
        emit(o, prefix[i]);
    if (!left && zero)
        emit_repeat(o, '0', pad);
    for (int i = 0; i < len; i++)
        emit(o, text[i]);
    if (left)
        emit_repeat(o, ' ', pad);
}

int vmsim_vformat(vmsim_format_sink sink, void *ctx, const char *fmt, va_list ap)
{
    struct out o = {sink, ctx, 0};
    char buf[24]; /* 2^64 has 20 decimal digits */
    char *end = buf + sizeof buf;

    while (*fmt) {
        if (*fmt != '%') {
            emit(&o, *fmt++);
            continue;
        }
        const char *spec = fmt++;
        int left = 0, zero = 0, width = 0, prec = -1, length = 0; /* 1 = l, 2 = ll */

        for (;; fmt++) {
            if (*fmt == '-')
                left = 1;
            else if (*fmt == '0')
                zero = 1;
            else
                break;
        }
        if (*fmt == '*') {
            width = va_arg(ap, int);
            if (width < 0) {
                left = 1;
                width = -width;
            }
            fmt++;
        } else {
            while (*fmt >= '0' && *fmt <= '9')
                width = width * 10 + (*fmt++ - '0');
        }
        if (*fmt == '.') {
            fmt++;
            prec = 0;
            if (*fmt == '*') {
                prec = va_arg(ap, int);
                fmt++;
            } else {
                while (*fmt >= '0' && *fmt <= '9')
                    prec = prec * 10 + (*fmt++ - '0');
            }
        }
        while (*fmt == 'l' && length < 2) {
            length++;
            fmt++;
        }

        char conv = *fmt;
        if (conv)
            fmt++;
        switch (conv) {
        case 'd':
        case 'i': {
            int64_t v = length == 2 ? va_arg(ap, long long)
                        : length == 1 ? va_arg(ap, long) : va_arg(ap, int);
            uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
            char *p = to_digits(end, mag, 10, 0);
            emit_field(&o, v < 0 ? "-" : "", p, (int)(end - p), width, left, zero);
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            uint64_t v = length == 2 ? va_arg(ap, unsigned long long)
                         : length == 1 ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
            char *p = to_digits(end, v, conv == 'u' ? 10 : 16, conv == 'X');
            emit_field(&o, "", p, (int)(end - p), width, left, zero);
            break;
        }
        case 'p': {
            uintptr_t v = (uintptr_t)va_arg(ap, void *);
            char *p = to_digits(end, v, 16, 0);
            emit_field(&o, "0x", p, (int)(end - p), width, left, zero);
            break;
        }
        case 'c': {
            char c = (char)va_arg(ap, int);
            emit_field(&o, "", &c, 1, width, left, 0);
            break;
        }
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            int len = 0;
            while (s[len] && (prec < 0 || len < prec))
                len++;
            emit_field(&o, "", s, len, width, left, 0);
            break;
        }
        case '%':
            emit(&o, '%');
            break;
        default: /* unknown or truncated conversion: print it as written */
            while (spec < fmt)
                emit(&o, *spec++);
            break;
        }
    }
    return o.count;
}
