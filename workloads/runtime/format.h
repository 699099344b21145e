/*
 * vmsim guest runtime: the printf formatting engine behind printf/snprintf.
 * Plain portable C with no libc dependencies, so host tests can compile it
 * and compare it with the host's snprintf.
 */
#ifndef VMSIM_GUEST_FORMAT_H
#define VMSIM_GUEST_FORMAT_H

#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Receives each output character in order. */
typedef void (*vmsim_format_sink)(char c, void *ctx);

/* Formats fmt/ap (conversions as documented in stdio.h) into sink; returns
 * the number of characters produced. */
int vmsim_vformat(vmsim_format_sink sink, void *ctx, const char *fmt, va_list ap);

#ifdef __cplusplus
}
#endif

#endif /* VMSIM_GUEST_FORMAT_H */
