/* vmsim guest runtime: console output (putchar, puts, vprintf). The rest of the
 * printf family, which does not depend on where output goes, is in printf.c. */
#include <stdio.h>
#include <vmsim/memmap.h>

#include "format.h"

#define CONSOLE (*(volatile unsigned char *)VMSIM_KSEG1(VMSIM_CONSOLE_BASE + VMSIM_CONSOLE_PUTC))

int putchar(int c)
{
    CONSOLE = (unsigned char)c;
    return (unsigned char)c;
}

int puts(const char *s)
{
    while (*s)
        CONSOLE = (unsigned char)*s++;
    CONSOLE = '\n';
    return 0;
}

static void console_sink(char c, void *ctx)
{
    (void)ctx;
    CONSOLE = (unsigned char)c;
}

int vprintf(const char *fmt, va_list ap)
{
    return vmsim_vformat(console_sink, 0, fmt, ap);
}
