/*
 * The small user-level library of l4 guests (vmlib/l4/user/): start-up (crt0: the root task's
 * main() runs on a 16 KB stack and its return value becomes the machine's exit status), the
 * memory functions GCC may call, and printf to the kernel console through kdebug. Not part of
 * the kernel ABI.
 */
#ifndef L4_USER_H
#define L4_USER_H

#include <stddef.h>
#include <l4/l4.h>

void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

/* printf subset: %s %c %d %u %x with an optional 0 flag and width. One kdebug call per line. */
void l4_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int main(void);

#endif
