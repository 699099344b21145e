/* printf-style formatting (format.h). */
#include <stdint.h>
#include "format.h"

static void put_unsigned(void (*put)(void *, char), void *ctx, uint32_t v, unsigned base, int width, char pad)
{
    char digits[12];
    int n = 0;
    do {
        unsigned d = v % base;
        digits[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
        v /= base;
    } while (v != 0);
    while (n < width--) put(ctx, pad);
    while (n > 0) put(ctx, digits[--n]);
}

void l4_vformat(void (*put)(void *ctx, char c), void *ctx, const char *fmt, va_list ap)
{
    for (; *fmt != 0; fmt++) {
        if (*fmt != '%') {
            put(ctx, *fmt);
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
            int32_t v = va_arg(ap, int32_t);
            if (v < 0) put(ctx, '-');
            put_unsigned(put, ctx, v < 0 ? (uint32_t)0 - (uint32_t)v : (uint32_t)v, 10, v < 0 ? width - 1 : width, pad);
            break;
        }
        case 'u': put_unsigned(put, ctx, va_arg(ap, uint32_t), 10, width, pad); break;
        case 'x': put_unsigned(put, ctx, va_arg(ap, uint32_t), 16, width, pad); break;
        case 'c': put(ctx, (char)va_arg(ap, int)); break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            while (*s != 0) put(ctx, *s++);
            break;
        }
        case '%': put(ctx, '%'); break;
        case 0: return;
        default: put(ctx, '?'); break;
        }
    }
}
