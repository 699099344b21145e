/*
 * unix user library: the system calls (see <unix/syscall.h>, <unix/signal.h>).
 */
#ifndef VMSIM_UNIX_USER_H
#define VMSIM_UNIX_USER_H

#include <stddef.h>
#include <stdint.h>
#include <unix/signal.h>
#include <unix/syscall.h>

extern int errno;

void exit(int code) __attribute__((noreturn));
void _exit(int code) __attribute__((noreturn));
int write(int fd, const void *buf, size_t len);
void *sbrk(int incr);
int mprotect(void *addr, size_t len, int prot);
int sigaction(int sig, const struct sigaction *act, struct sigaction *oact);
int sigstack(const struct sigstack *ss, struct sigstack *oss);

#endif /* VMSIM_UNIX_USER_H */
