/*
 * unix kernel stub: trap dispatch, system calls and signal delivery.
 */
#include <stdio.h>
#include <string.h>
#include <unix/syscall.h>
#include <vmsim.h>

#include "kern.h"

#define R_V0 2
#define R_A0 4
#define R_A1 5
#define R_A2 6
#define R_A3 7
#define R_SP 29

void panic(const char *msg)
{
    printf("unix: panic: %s\n", msg);
    vmsim_exit(VMSIM_EXIT_UNHANDLED);
}

void kernel_fault(uint32_t cause, uint32_t epc, uint32_t badvaddr)
{
    printf("unix: kernel fault: ExcCode=%u EPC=0x%08x BadVAddr=0x%08x\n",
           (unsigned)((cause >> 2) & 31), (unsigned)epc, (unsigned)badvaddr);
    vmsim_exit(VMSIM_EXIT_UNHANDLED);
}

static void print_stats(void)
{
    printf("unix: stats syscalls=%u traps=%u signals=%u tlb_flushes=%u tlbpid_flushes=%u "
           "nested_tlb_misses=%u frames=%u\n",
           (unsigned)cnt.syscalls, (unsigned)cnt.traps, (unsigned)cnt.signals,
           (unsigned)cnt.tlb_flushes, (unsigned)cnt.tlbpid_flushes,
           (unsigned)cnt_nested_tlb_misses, (unsigned)cnt.frames);
}

/* A fault the process does not catch: the one-line report, then stop. */
static void kill_proc(struct trapframe *tf, const char *why)
{
    printf("unix: pid %d killed (%s): ExcCode=%u EPC=0x%08x BadVAddr=0x%08x\n", curproc->pid, why,
           (unsigned)((tf->cause >> 2) & 31), (unsigned)tf->epc, (unsigned)tf->badvaddr);
    print_stats();
    vmsim_exit(VMSIM_EXIT_UNHANDLED);
}

/* copyin/copyout: move bytes between the kernel and the current process,
 * checking first that the user may access them (useracc). */
static int copyout(const void *kaddr, uint32_t uaddr, uint32_t len)
{
    if (!useracc(curproc, uaddr, len, 1))
        return EFAULT;
    memcpy((void *)uaddr, kaddr, len);
    return 0;
}

static int copyin(uint32_t uaddr, void *kaddr, uint32_t len)
{
    if (!useracc(curproc, uaddr, len, 0))
        return EFAULT;
    memcpy(kaddr, (const void *)uaddr, len);
    return 0;
}

#define SC_MAGIC 0xacedbadeu /* in sc_regs[0], checked by sigreturn (4.3BSD-Reno/pmax) */

/* sendsig (4.3BSD): build the sigcontext in the kernel, copy it out onto the
 * user stack below a 16-byte argument area, and enter the trampoline, which
 * calls the handler and then sigreturn. */
static void sendsig(struct trapframe *tf, sig_handler_t handler, int sig, uint32_t returnmask, int code)
{
    struct proc *p = curproc;
    struct sigcontext ksc;
    uint32_t usp = tf->regs[R_SP];
    uint32_t scaddr = (usp - sizeof(struct sigcontext)) & ~7u;
    uint32_t frame = scaddr - 16; /* o32 argument save area for the trampoline's call */

    ksc.sc_onstack = 0;
    ksc.sc_mask = returnmask;
    ksc.sc_pc = tf->epc;
    ksc.sc_regs[0] = SC_MAGIC;
    memcpy(&ksc.sc_regs[1], &tf->regs[1], 31 * sizeof(uint32_t));
    ksc.sc_ownedfp = 0; /* no FPU in use: sc_fpregs are not filled */
    ksc.sc_mdhi = tf->hi;
    ksc.sc_mdlo = tf->lo;
    ksc.sc_cause = tf->cause;
    ksc.sc_badvaddr = tf->badvaddr;
    ksc.sc_badpaddr = 0;
    if (usp > 0x80000000u || copyout(&ksc, scaddr, sizeof ksc))
        kill_proc(tf, "no room for the signal frame");

    tf->regs[R_A0] = (uint32_t)sig;
    tf->regs[R_A1] = (uint32_t)code;
    tf->regs[R_A2] = scaddr;
    tf->regs[R_A3] = (uint32_t)handler;
    tf->regs[R_SP] = frame;
    tf->epc = p->sig_tramp;
    cnt.signals++;
}

/* psignal for a synchronous fault: post the signal with its code. A fault the
 * process does not catch, or raises again while the handler blocks it, kills
 * it (re-executing the instruction could only fault again). */
static void trapsignal(struct trapframe *tf, int sig, int code)
{
    struct proc *p = curproc;
    if (!p->sig_handler[sig] || (p->sigmask & sigmask(sig)))
        kill_proc(tf, sig == SIGSEGV ? "SIGSEGV" : "SIGBUS");
    p->sig |= sigmask(sig);
    p->sigcode[sig] = code;
}

/* psig (4.3BSD): take the lowest pending unblocked signal and set up its
 * handler; the signal and the handler's mask are blocked until sigreturn. */
static void psig(struct trapframe *tf)
{
    struct proc *p = curproc;
    uint32_t pending = p->sig & ~p->sigmask;
    int sig = 1;
    while (!(pending & sigmask(sig)))
        sig++;
    p->sig &= ~sigmask(sig);
    uint32_t returnmask = p->sigmask;
    p->sigmask |= p->sig_catchmask[sig] | sigmask(sig);
    sendsig(tf, p->sig_handler[sig], sig, returnmask, p->sigcode[sig]);
}

/* On the way back to user mode (BSD's userret): deliver pending signals. */
static void userret(struct trapframe *tf)
{
    struct proc *p = curproc;
    while (p->sig & ~p->sigmask)
        psig(tf);
}

/* ---- system calls ---------------------------------------------------------- */

#define EJUSTRETURN (-2) /* the call set the whole context: leave v0/a3 alone */

static int sys_exit(struct trapframe *tf, const uint32_t *arg, uint32_t *rval)
{
    (void)tf;
    (void)rval;
    print_stats();
    vmsim_exit((int)arg[0]);
}

static int sys_write(struct trapframe *tf, const uint32_t *arg, uint32_t *rval)
{
    (void)tf;
    uint32_t fd = arg[0], buf = arg[1], len = arg[2];
    if (fd != 1 && fd != 2)
        return EINVAL;
    if (!useracc(curproc, buf, len, 0))
        return EFAULT;
    for (uint32_t i = 0; i < len; i++)
        putchar(((const char *)buf)[i]);
    *rval = len;
    return 0;
}

static int sys_sbrk(struct trapframe *tf, const uint32_t *arg, uint32_t *rval)
{
    (void)tf;
    return vm_sbrk(curproc, (int32_t)arg[0], rval);
}

static int sys_mprotect(struct trapframe *tf, const uint32_t *arg, uint32_t *rval)
{
    (void)tf;
    (void)rval;
    return vm_mprotect(curproc, arg[0], arg[1], (int)arg[2]);
}

/* sigaction(sig, act, oact, trampoline) */
static int sys_sigaction(struct trapframe *tf, const uint32_t *arg, uint32_t *rval)
{
    (void)tf;
    (void)rval;
    struct proc *p = curproc;
    uint32_t sig = arg[0], act = arg[1], oact = arg[2], tramp = arg[3];
    if (sig != SIGSEGV && sig != SIGBUS)
        return EINVAL; /* the only signals this kernel raises */
    struct sigaction sa;
    if (act) {
        int error = copyin(act, &sa, sizeof sa);
        if (error)
            return error;
        if (sa.sa_handler && (tramp >= 0x80000000u || (tramp & 3)))
            return EINVAL;
    }
    if (oact) {
        struct sigaction osa = {p->sig_handler[sig], p->sig_catchmask[sig], 0};
        int error = copyout(&osa, oact, sizeof osa);
        if (error)
            return error;
    }
    if (act) {
        p->sig_handler[sig] = sa.sa_handler;
        p->sig_catchmask[sig] = sa.sa_mask & ~sigmask(SIGKILL);
        if (sa.sa_handler)
            p->sig_tramp = tramp;
    }
    return 0;
}

/* sigreturn(scp): reload the context the signal interrupted. */
static int sys_sigreturn(struct trapframe *tf, const uint32_t *arg, uint32_t *rval)
{
    (void)rval;
    struct proc *p = curproc;
    struct sigcontext ksc;
    uint32_t scaddr = arg[0];
    if ((scaddr & 3) || copyin(scaddr, &ksc, sizeof ksc))
        return EFAULT;
    if (ksc.sc_regs[0] != SC_MAGIC || ksc.sc_pc >= 0x80000000u || (ksc.sc_pc & 3))
        return EINVAL;
    memcpy(&tf->regs[1], &ksc.sc_regs[1], 31 * sizeof(uint32_t));
    tf->hi = ksc.sc_mdhi;
    tf->lo = ksc.sc_mdlo;
    tf->epc = ksc.sc_pc;
    p->sigmask = ksc.sc_mask & ~sigmask(SIGKILL);
    return EJUSTRETURN;
}

/* Region calls reach C only with an id the device does not have. */
static int sys_region(struct trapframe *tf, const uint32_t *arg, uint32_t *rval)
{
    (void)tf;
    (void)arg;
    (void)rval;
    return EINVAL;
}

static int nosys(struct trapframe *tf, const uint32_t *arg, uint32_t *rval)
{
    (void)tf;
    (void)arg;
    (void)rval;
    return ENOSYS;
}

typedef int (*sy_call_t)(struct trapframe *, const uint32_t *, uint32_t *);

/* The system-call table (4.3BSD's sysent): argument count and handler. */
static const struct sysent {
    int sy_narg;
    sy_call_t sy_call;
} sysent[] = {
    [SYS_exit] = {1, sys_exit},
    [SYS_write] = {3, sys_write},
    [SYS_sigaction] = {4, sys_sigaction},
    [SYS_sbrk] = {1, sys_sbrk},
    [SYS_mprotect] = {3, sys_mprotect},
    [SYS_sigreturn] = {1, sys_sigreturn},
    [SYS_region_begin] = {1, sys_region},
    [SYS_region_end] = {1, sys_region},
};
#define NSYSENT (sizeof sysent / sizeof sysent[0])

static void syscall(struct trapframe *tf)
{
    uint32_t *r = tf->regs;
    cnt.syscalls++;
    if (tf->cause & VMSIM_CAUSE_BD)
        kill_proc(tf, "syscall in a branch delay slot");
    tf->epc += 4;
    uint32_t code = r[R_V0];
    const struct sysent *callp = code < NSYSENT && sysent[code].sy_call ? &sysent[code] : 0;
    sy_call_t call = callp ? callp->sy_call : nosys;
    /* the arguments, as BSD copied them into u.u_arg (all four fit in a0-a3) */
    uint32_t args[4];
    int narg = callp ? callp->sy_narg : 0;
    for (int i = 0; i < narg; i++)
        args[i] = r[R_A0 + i];
    uint32_t rval = 0;
    int error = call(tf, args, &rval);
    if (error == EJUSTRETURN)
        return;
    r[R_V0] = error ? (uint32_t)error : rval;
    r[R_A3] = error ? 1 : 0;
}

/* trap (4.3BSD / Ultrix MIPS): count it, note where the user registers are
 * (u.u_ar0), dispatch on the ExcCode; a TLB fault on a
 * user address goes to the VM fault routine, which may find the access allowed
 * by now (a stale TLB entry: retry), or below the stack (grow it: retry), or
 * not allowed: SIGSEGV with the ExcCode as its code. Address errors send
 * SIGBUS. Then the way back to user mode. */
void trap(struct trapframe *tf)
{
    struct proc *p = curproc;
    unsigned code = (tf->cause >> 2) & 31;
    p->p_regs = tf;
    if (code == EXC_SYS) {
        syscall(tf);
    } else {
        cnt.traps++;
        switch (code) {
        case EXC_MOD:
        case EXC_TLBL:
        case EXC_TLBS: {
            uint32_t va = tf->badvaddr;
            int rv = va < 0x80000000u ? vm_fault(p, va, code != EXC_TLBL) : FAULT_BADADDR;
            if (rv == FAULT_OK)
                break;
            if (rv == FAULT_BADADDR && (grow(p, tf->regs[R_SP]) || grow(p, va)))
                break; /* the stack grew over the address: retry */
            trapsignal(tf, SIGSEGV, (int)code);
            break;
        }
        case EXC_ADEL:
        case EXC_ADES:
            trapsignal(tf, SIGBUS, (int)code);
            break;
        default:
            kill_proc(tf, "unexpected exception");
        }
    }
    userret(tf);
}
