/*
 * unix user library: stdio over write(2), exit, sigaction. The printf engine
 * is the runtime's (workloads/runtime/format.c, compiled into this library).
 */
#include <stdio.h>

#include "format.h"
#include "unix.h"

/* stdout is line buffered, as in 4.3BSD's stdio on a terminal. */
static char outbuf[256];
static unsigned outlen;

static void flush(void)
{
    if (outlen)
        write(1, outbuf, outlen);
    outlen = 0;
}

int putchar(int c)
{
    outbuf[outlen++] = (char)c;
    if (c == '\n' || outlen == sizeof outbuf)
        flush();
    return (unsigned char)c;
}

int puts(const char *s)
{
    while (*s)
        putchar(*s++);
    putchar('\n');
    return 0;
}

static void stdout_sink(char c, void *ctx)
{
    (void)ctx;
    putchar(c);
}

int vprintf(const char *fmt, va_list ap)
{
    return vmsim_vformat(stdout_sink, 0, fmt, ap);
}

void exit(int code)
{
    flush();
    _exit(code);
}

extern void sigtramp(void);
extern int _sigaction(int sig, const struct sigaction *act, struct sigaction *oact,
                      void (*tramp)(void));

/* Ultrix style: the library hands the kernel its trampoline with each call. */
int sigaction(int sig, const struct sigaction *act, struct sigaction *oact)
{
    return _sigaction(sig, act, oact, sigtramp);
}
