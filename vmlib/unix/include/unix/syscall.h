/*
 * unix kernel stub: the system-call interface shared by the kernel and the
 * user library. Included from C and from assembly.
 *
 * Convention (MIPS Unix, as Ultrix and 4.3BSD-Reno/pmax): the number in v0,
 * arguments in a0..a3; the kernel returns the result in v0 and a3 = 0, or an
 * errno in v0 and a3 = 1. EPC is advanced past the syscall instruction.
 * sigreturn does not return: it reloads the whole user context.
 */
#ifndef VMSIM_UNIX_SYSCALL_H
#define VMSIM_UNIX_SYSCALL_H

/* Numbers as in 4.3BSD where the call exists there. */
#define SYS_exit 1
#define SYS_write 4
#define SYS_sbrk 69       /* sbrk(incr): returns the old break */
#define SYS_mprotect 74   /* mprotect(addr, len, prot) */
#define SYS_sigaction 46  /* sigaction(sig, act, oact, trampoline) (Ultrix passes the trampoline) */
#define SYS_sigreturn 103 /* sigreturn(scp) */
#define SYS_sigstack 112  /* sigstack(ss, oss) */

/* Measured regions of the simulator's sim-control device (not a Unix call):
 * a0 = region id. Handled by a short path at the top of the general exception
 * vector that writes the device register and returns (see kernel/locore.S). */
#define SYS_region_begin 200
#define SYS_region_end 201

/* errno values */
#define EPERM 1
#define ENOMEM 12
#define EFAULT 14
#define EINVAL 22
#define EACCES 13
#define ENOSYS 78

/* mprotect protections */
#define PROT_NONE 0
#define PROT_READ 1
#define PROT_WRITE 2
#define PROT_EXEC 4

#endif /* VMSIM_UNIX_SYSCALL_H */
