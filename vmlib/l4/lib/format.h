/* printf-style formatting shared by the kernel console and the user library (each links its own
 * copy: the kernel's symbols are local to the kernel object). Supports %s %c %d %u %x with an
 * optional 0 flag and width, and %%. */
#ifndef L4_FORMAT_H
#define L4_FORMAT_H

#include <stdarg.h>

void l4_vformat(void (*put)(void *ctx, char c), void *ctx, const char *fmt, va_list ap);

#endif
