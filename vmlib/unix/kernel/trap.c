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
           "nested_tlb_misses=%u ktlb_misses=%u frames=%u faults=%u\n",
           (unsigned)cnt.syscalls, (unsigned)cnt.traps, (unsigned)cnt.signals,
           (unsigned)cnt.tlb_flushes, (unsigned)cnt.tlbpid_flushes,
           (unsigned)cnt_nested_tlb_misses, (unsigned)cnt_ktlb_misses, (unsigned)cnt.frames,
           (unsigned)cnt.faults);
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
 * calls the handler and then sigreturn. A signal the process asked to take on
 * the signal stack (sigstack, SA_ONSTACK) goes there unless a handler already
 * runs on it; a frame below the stack segment first grows the stack (grow),
 * as 4.3BSD's sendsig did. */
static void sendsig(struct trapframe *tf, sig_handler_t handler, int sig, uint32_t returnmask, int code)
{
    struct proc *p = curproc;
    struct sigcontext ksc;
    int oonstack = p->p_onstack;
    uint32_t usp = tf->regs[R_SP];
    if (!p->p_onstack && (p->p_sigonstack & sigmask(sig))) {
        usp = p->p_sigsp; /* onto the signal stack */
        p->p_onstack = 1;
    }
    uint32_t scaddr = (usp - sizeof(struct sigcontext)) & ~7u;
    uint32_t frame = scaddr - 16; /* o32 argument save area for the trampoline's call */

    if (usp > 0x80000000u || scaddr > usp)
        kill_proc(tf, "no room for the signal frame");
    if (!p->p_onstack && frame < USRSTACK - (p->p_ssize << PGSHIFT))
        (void)grow(p, frame);
    ksc.sc_onstack = (uint32_t)oonstack;
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
    if (copyout(&ksc, scaddr, sizeof ksc))
        kill_proc(tf, "no room for the signal frame");

    tf->regs[R_A0] = (uint32_t)sig;
    tf->regs[R_A1] = (uint32_t)code;
    tf->regs[R_A2] = scaddr;
    tf->regs[R_A3] = (uint32_t)handler;
    tf->regs[R_SP] = frame;
    tf->epc = p->sig_tramp;
    cnt.signals++;
}

/* Signal properties (the cases of 4.3BSD's psignal and issig): what the
 * default action does, and the stop/continue signals that cancel each other. */
#define SIGQUIT 3
#define SIGILL 4
#define SIGTRAP 5
#define SIGIOT 6
#define SIGEMT 7
#define SIGFPE 8
#define SIGSYS 12
#define SIGURG 16
#define SIGSTOP 17
#define SIGTSTP 18
#define SIGCONT 19
#define SIGCHLD 20
#define SIGTTIN 21
#define SIGTTOU 22
#define SIGIO 23
#define SIGWINCH 28

#define SA_KILL 0x01    /* default: terminate */
#define SA_CORE 0x02    /* default: terminate with a core image */
#define SA_STOP 0x04    /* default: stop */
#define SA_TTYSTOP 0x08 /* a terminal stop signal */
#define SA_IGNORE 0x10  /* default: ignore */
#define SA_CONT 0x20    /* continues a stopped process */
#define SA_CANTMASK 0x40

static const unsigned char sigprop[NSIG] = {
    [1] = SA_KILL, [2] = SA_KILL, [SIGQUIT] = SA_KILL | SA_CORE, [SIGILL] = SA_KILL | SA_CORE,
    [SIGTRAP] = SA_KILL | SA_CORE, [SIGIOT] = SA_KILL | SA_CORE, [SIGEMT] = SA_KILL | SA_CORE,
    [SIGFPE] = SA_KILL | SA_CORE, [SIGKILL] = SA_KILL | SA_CANTMASK, [SIGBUS] = SA_KILL | SA_CORE,
    [SIGSEGV] = SA_KILL | SA_CORE, [SIGSYS] = SA_KILL | SA_CORE, [13] = SA_KILL, [14] = SA_KILL,
    [15] = SA_KILL, [SIGURG] = SA_IGNORE, [SIGSTOP] = SA_STOP | SA_CANTMASK,
    [SIGTSTP] = SA_STOP | SA_TTYSTOP, [SIGCONT] = SA_IGNORE | SA_CONT, [SIGCHLD] = SA_IGNORE,
    [SIGTTIN] = SA_STOP | SA_TTYSTOP, [SIGTTOU] = SA_STOP | SA_TTYSTOP, [SIGIO] = SA_IGNORE,
    [24] = SA_KILL, [25] = SA_KILL, [26] = SA_KILL, [27] = SA_KILL, [SIGWINCH] = SA_IGNORE,
    [30] = SA_KILL, [31] = SA_KILL,
};
#define stopsigmask (sigmask(SIGSTOP) | sigmask(SIGTSTP) | sigmask(SIGTTIN) | sigmask(SIGTTOU))
#define contsigmask (sigmask(SIGCONT))
#define sigcantmask (sigmask(SIGKILL) | sigmask(SIGSTOP)) /* can be neither blocked nor caught */

#define ACT_DFL 0
#define ACT_HOLD 1
#define ACT_CATCH 2

/* The AST: a request to run the trap epilogue's signal and reschedule checks
 * on the next return to user mode (aston; this kernel always runs them). */
static int astpending;
#define aston() (astpending = 1)

/* psignal (4.3BSD): post sig to p. Decide the action from the ignored,
 * blocked and caught masks; a continue signal cancels pending stops and a
 * stop cancels a pending continue; mark it pending; then, by the process's
 * state, make it notice: the running process gets an AST. */
static void psignal(struct proc *p, int sig)
{
    if ((unsigned)sig >= NSIG || sig <= 0)
        panic("psignal sig");
    uint32_t mask = sigmask(sig);
    int prop = sigprop[sig];
    int action;
    if (p->p_flag & STRC) {
        action = ACT_DFL; /* the debugger sees every signal */
    } else {
        if (p->p_sigignore & mask)
            return;
        if (p->sigmask & mask)
            action = ACT_HOLD;
        else if (p->p_sigcatch & mask)
            action = ACT_CATCH;
        else
            action = ACT_DFL;
    }
    /* a process being killed runs at normal priority at least */
    if (p->p_nice > NZERO && action == ACT_DFL && (prop & SA_KILL) && !(p->p_flag & STRC))
        p->p_nice = NZERO;
    if (prop & SA_CONT)
        p->sig &= ~stopsigmask;
    if (prop & SA_STOP)
        p->sig &= ~contsigmask;
    p->sig |= mask;
    if (action == ACT_HOLD && (!(prop & SA_CONT) || p->p_stat != SSTOP))
        return;
    int s = splhigh();
    switch (p->p_stat) {
    case SSLEEP:
    case SSTOP:
        /* no process sleeps or stops in this kernel: the one process runs */
        panic("psignal: process not running");
    default:
        /* SRUN: if it is the running process, it notices on its way out */
        if (p == curproc)
            aston();
        break;
    }
    splx(s);
}

/* trapsignal: a synchronous fault's signal, with its code (u.u_code). A fault
 * the process does not catch, or raises again while the handler blocks it,
 * kills it: re-executing the instruction could only fault again (4.3BSD would
 * loop on a blocked SIGSEGV; this kernel ends the run instead). */
static void trapsignal(struct trapframe *tf, int sig, int code)
{
    struct proc *p = curproc;
    if (!(p->p_sigcatch & sigmask(sig)) || (p->sigmask & sigmask(sig)))
        kill_proc(tf, sig == SIGSEGV ? "SIGSEGV" : "SIGBUS");
    p->p_code = (uint32_t)code;
    p->sigcode[sig] = code;
    psignal(p, sig);
}

/* issig (4.3BSD): the next pending signal p must act on, or 0. Takes the
 * lowest pending unblocked signal; one that is ignored, or whose default
 * action is to ignore it, is dropped; a caught one, or one whose default
 * terminates, is returned in p_cursig for psig. */
static int issig(struct proc *p)
{
    for (;;) {
        uint32_t mask = p->sig & ~p->sigmask;
        if (mask == 0)
            return 0;
        int sig = 1; /* ffs */
        while (!(mask & 1)) {
            mask >>= 1;
            sig++;
        }
        mask = sigmask(sig);
        p->sig &= ~mask;
        p->p_cursig = sig;
        if (p->p_sigignore & mask)
            continue;
        if (!(p->p_sigcatch & mask)) {
            int prop = sigprop[sig];
            if (prop & SA_IGNORE)
                continue; /* default: discard */
            if (prop & SA_STOP)
                continue; /* nobody to stop for: there is no parent to notify */
        }
        return sig;
    }
}

/* psig (4.3BSD): act on p_cursig. A caught signal: block it and the handler's
 * mask (at splhigh, as the mask is shared with interrupt-level psignal),
 * count it, reset it to the default for old-style signals, and sendsig. The
 * default action kills the process. */
static void psig(struct trapframe *tf)
{
    struct proc *p = curproc;
    int sig = p->p_cursig;
    uint32_t mask = sigmask(sig);
    if (p->p_sigcatch & mask) {
        sig_handler_t action = p->sig_handler[sig];
        if ((p->sigmask & mask) || !action)
            panic("psig action");
        int s = splhigh();
        uint32_t returnmask = p->sigmask;
        p->sigmask |= p->sig_catchmask[sig] | mask;
        if (p->p_flag & SOUSIG) {
            p->sig_handler[sig] = 0;
            p->p_sigcatch &= ~mask;
        }
        splx(s);
        p->p_ru.ru_nsignals++;
        sendsig(tf, action, sig, returnmask, p->sigcode[sig]);
        p->p_cursig = 0;
        return;
    }
    kill_proc(tf, sig == SIGSEGV ? "SIGSEGV" : sig == SIGBUS ? "SIGBUS" : "signal");
}

/* addupc (4.3BSD): count ticks against the profiling bucket of pc. */
static void addupc(uint32_t pc, struct uprof *pr, int ticks)
{
    uint32_t off = pc - pr->pr_off;
    uint32_t slot = (uint32_t)(((uint64_t)(off >> 1) * pr->pr_scale) >> 16) * 2u;
    if (off >= 0x80000000u || slot + 2 > pr->pr_size)
        return;
    uint16_t *cell = (uint16_t *)((char *)pr->pr_base + slot);
    if (!useracc(curproc, (uint32_t)cell, 2, 1)) {
        pr->pr_scale = 0; /* a bad buffer turns profiling off */
        curproc->p_flag &= ~SPROFIL;
        return;
    }
    *cell += (uint16_t)ticks;
}

/* On the way back to user mode (the end of 4.3BSD's trap and syscall):
 * deliver pending signals, drop back to the user priority, give up the cpu
 * if a reschedule is due, charge profiling ticks, and set curpri. */
static void userret(struct trapframe *tf, uint32_t pc, int sticks)
{
    struct proc *p = curproc;
    while (p->sig & ~p->sigmask) {
        if (issig(p))
            psig(tf);
    }
    p->p_pri = p->p_usrpri;
    astpending = 0;
    if (runrun) {
        /* preempted: requeue and switch; the one process is switched back in */
        int s = splhigh();
        runrun = 0;
        p->p_ru.ru_nivcsw++;
        cnt.swtch++;
        splx(s);
        while (p->sig & ~p->sigmask) {
            if (issig(p))
                psig(tf);
        }
    }
    if (p->p_flag & SPROFIL) {
        int ticks = p->p_cpu - sticks; /* system ticks during this trap */
        if (ticks)
            addupc(pc, &p->p_prof, ticks);
    }
    curpri = p->p_pri;
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
        struct sigaction osa = {p->sig_handler[sig], p->sig_catchmask[sig],
                                p->p_sigonstack & sigmask(sig) ? SA_ONSTACK : 0};
        int error = copyout(&osa, oact, sizeof osa);
        if (error)
            return error;
    }
    if (act) {
        p->sig_handler[sig] = sa.sa_handler;
        p->sig_catchmask[sig] = sa.sa_mask & ~sigcantmask;
        if (sa.sa_handler) {
            p->sig_tramp = tramp;
            p->p_sigcatch |= sigmask(sig);
        } else {
            p->p_sigcatch &= ~sigmask(sig);
        }
        if (sa.sa_flags & SA_ONSTACK)
            p->p_sigonstack |= sigmask(sig);
        else
            p->p_sigonstack &= ~sigmask(sig);
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
    p->p_onstack = ksc.sc_onstack & 1;
    p->sigmask = ksc.sc_mask & ~sigcantmask;
    return EJUSTRETURN;
}

/* sigstack(ss, oss) (4.3BSD): report, then set, the signal stack. */
static int sys_sigstack(struct trapframe *tf, const uint32_t *arg, uint32_t *rval)
{
    (void)tf;
    (void)rval;
    struct proc *p = curproc;
    struct sigstack ss;
    if (arg[1]) {
        struct sigstack oss = {p->p_sigsp, p->p_onstack};
        int error = copyout(&oss, arg[1], sizeof oss);
        if (error)
            return error;
    }
    if (arg[0]) {
        int error = copyin(arg[0], &ss, sizeof ss);
        if (error)
            return error;
        if (ss.ss_sp >= 0x80000000u)
            return EINVAL;
        p->p_sigsp = ss.ss_sp & ~7u;
        p->p_onstack = ss.ss_onstack & 1;
    }
    return 0;
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
    [SYS_sigstack] = {2, sys_sigstack},
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
 * (u.u_ar0) and the ticks so far, dispatch on the ExcCode; a TLB fault on a
 * user address goes to the VM fault routine, which may find the access allowed
 * by now (a stale TLB entry: retry), or below the stack (grow it: retry), or
 * not allowed: SIGSEGV with the ExcCode as its code. Address errors send
 * SIGBUS. Then the way back to user mode. */
void trap(struct trapframe *tf)
{
    struct proc *p = curproc;
    unsigned code = (tf->cause >> 2) & 31;
    int sticks = p->p_cpu;
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
    userret(tf, tf->epc, sticks);
}
