/*
 * unix kernel stub: signals as the user sees them (Ultrix 4.2 / 4.3BSD on MIPS).
 *
 * SIGSEGV delivery: the kernel builds a struct sigcontext holding the whole
 * user context and copies it out onto the user stack, then a 16-byte argument area, and enters
 * the process's trampoline (registered with sigaction, as Ultrix's sigvec did)
 * with a0 = signal, a1 = code (the Cause ExcCode of the fault), a2 = &sigcontext,
 * a3 = the handler. The trampoline calls handler(sig, code, scp) and then
 * sigreturn(scp), which reloads the context and resumes at sc_pc: the faulting
 * instruction (or the branch before it when the fault was in a delay slot).
 */
#ifndef VMSIM_UNIX_SIGNAL_H
#define VMSIM_UNIX_SIGNAL_H

#define SIGKILL 9
#define SIGBUS 10
#define SIGSEGV 11
#define NSIG 32

#define sigmask(sig) (1u << ((sig) - 1))

#ifndef __ASSEMBLER__
#include <stdint.h>

/* Layout as Ultrix's MIPS sigcontext (the FP part is kept for the layout but
 * never filled: this machine has no FPU, sc_ownedfp is always 0). */
struct sigcontext {
    uint32_t sc_onstack;    /* sigstack state to restore (1: was on the signal stack) */
    uint32_t sc_mask;       /* signal mask to restore */
    uint32_t sc_pc;         /* where sigreturn resumes */
    uint32_t sc_regs[32];   /* general registers; sc_regs[0] holds a magic number
                               that sigreturn checks (as 4.3BSD-Reno/pmax) */
    uint32_t sc_ownedfp;    /* 0: no FP state */
    uint32_t sc_fpregs[32];
    uint32_t sc_fpc_csr;
    uint32_t sc_fpc_eir;
    uint32_t sc_mdhi;       /* HI */
    uint32_t sc_mdlo;       /* LO */
    uint32_t sc_cause;      /* Cause at the fault */
    uint32_t sc_badvaddr;   /* BadVAddr at the fault */
    uint32_t sc_badpaddr;   /* unused */
};

typedef void (*sig_handler_t)(int sig, int code, struct sigcontext *scp);

struct sigaction {
    sig_handler_t sa_handler;  /* 0 = default action (terminate) */
    uint32_t sa_mask;          /* signals blocked while the handler runs */
    int sa_flags;              /* SA_ONSTACK */
};
#define SA_ONSTACK 0x0001      /* run the handler on the signal stack (Ultrix's SV_ONSTACK) */

/* sigstack(2) (4.3BSD, Ultrix): the signal stack and whether it is in use. */
struct sigstack {
    uint32_t ss_sp;            /* top of the signal stack (it grows down) */
    int ss_onstack;            /* 1 while a handler runs on it */
};
#endif

#endif /* VMSIM_UNIX_SIGNAL_H */
