/*
 * strings: the runtime's string functions and printf formats (strings_core.h).
 * Every output line starts with "strings: "; the last one is "strings: done".
 * Exits 0.
 */
#include <stdarg.h>
#include <stdio.h>

#include "strings_core.h"

static void print_line(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("strings: ");
    vprintf(fmt, ap);
    putchar('\n');
    va_end(ap);
}

int main(void)
{
    strings_run(print_line);
    printf("strings: done\n");
    return 0;
}
