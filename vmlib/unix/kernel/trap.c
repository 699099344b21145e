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
    printf("unix: stats syscalls=%u traps=%u signals=%u tlb_flushes=%u nested_tlb_misses=%u "
           "frames=%u\n",
           (unsigned)cnt.syscalls, (unsigned)cnt.traps, (unsigned)cnt.signals,
           (unsigned)cnt.tlb_flushes, (unsigned)cnt_nested_tlb_misses, (unsigned)cnt.frames);
}

/* A fault the process does not catch: the one-line report, then stop. */
static void kill_proc(struct trapframe *tf, const char *why)
{
    printf("unix: pid %d killed (%s): ExcCode=%u EPC=0x%08x BadVAddr=0x%08x\n", curproc->pid, why,
           (unsigned)((tf->cause >> 2) & 31), (unsigned)tf->epc, (unsigned)tf->badvaddr);
    print_stats();
    vmsim_exit(VMSIM_EXIT_UNHANDLED);
}

/* sendsig (4.3BSD): push a sigcontext and an argument area on the user stack
 * and enter the trampoline, which calls the handler and then sigreturn. */
static void sendsig(struct trapframe *tf, int sig, int code)
{
    struct proc *p = curproc;
    uint32_t usp = tf->regs[R_SP];
    uint32_t scaddr = (usp - sizeof(struct sigcontext)) & ~7u;
    uint32_t frame = scaddr - 16; /* o32 argument save area for the trampoline's call */
    if (usp > 0x80000000u || !useracc(p, frame, usp - frame, 1))
        kill_proc(tf, "no room for the signal frame");

    struct sigcontext *scp = (struct sigcontext *)scaddr;
    scp->sc_onstack = 0;
    scp->sc_mask = p->sigmask;
    scp->sc_pc = tf->epc;
    memcpy(scp->sc_regs, tf->regs, sizeof scp->sc_regs);
    scp->sc_regs[0] = 0;
    scp->sc_ownedfp = 0;
    scp->sc_mdhi = tf->hi;
    scp->sc_mdlo = tf->lo;
    scp->sc_cause = tf->cause;
    scp->sc_badvaddr = tf->badvaddr;
    scp->sc_badpaddr = 0;

    p->sigmask |= p->sig_catchmask[sig] | sigmask(sig);
    tf->regs[R_A0] = (uint32_t)sig;
    tf->regs[R_A1] = (uint32_t)code;
    tf->regs[R_A2] = scaddr;
    tf->regs[R_A3] = (uint32_t)p->sig_handler[sig];
    tf->regs[R_SP] = frame;
    tf->epc = p->sig_tramp;
    cnt.signals++;
}

static void psignal_fault(struct trapframe *tf, int sig)
{
    struct proc *p = curproc;
    if (!p->sig_handler[sig] || (p->sigmask & sigmask(sig)))
        kill_proc(tf, sig == SIGSEGV ? "SIGSEGV" : "SIGBUS");
    sendsig(tf, sig, (int)((tf->cause >> 2) & 31));
}

/* sigreturn(scp): reload the context the signal interrupted. */
static int sys_sigreturn(struct trapframe *tf, uint32_t scaddr)
{
    struct proc *p = curproc;
    if ((scaddr & 3) || !useracc(p, scaddr, sizeof(struct sigcontext), 0))
        return EFAULT;
    const struct sigcontext *scp = (const struct sigcontext *)scaddr;
    if (scp->sc_pc >= 0x80000000u || (scp->sc_pc & 3))
        return EINVAL;
    memcpy(&tf->regs[1], &scp->sc_regs[1], 31 * sizeof(uint32_t));
    tf->hi = scp->sc_mdhi;
    tf->lo = scp->sc_mdlo;
    tf->epc = scp->sc_pc;
    p->sigmask = scp->sc_mask;
    return 0;
}

static int sys_sigaction(uint32_t sig, uint32_t act, uint32_t oact, uint32_t tramp)
{
    struct proc *p = curproc;
    if (sig != SIGSEGV && sig != SIGBUS)
        return EINVAL; /* the only signals this kernel raises */
    if (oact) {
        if (!useracc(p, oact, sizeof(struct sigaction), 1))
            return EFAULT;
        struct sigaction *o = (struct sigaction *)oact;
        o->sa_handler = p->sig_handler[sig];
        o->sa_mask = p->sig_catchmask[sig];
        o->sa_flags = 0;
    }
    if (act) {
        if (!useracc(p, act, sizeof(struct sigaction), 0))
            return EFAULT;
        const struct sigaction *a = (const struct sigaction *)act;
        if (a->sa_handler && (tramp >= 0x80000000u || (tramp & 3)))
            return EINVAL;
        p->sig_handler[sig] = a->sa_handler;
        p->sig_catchmask[sig] = a->sa_mask;
        if (a->sa_handler)
            p->sig_tramp = tramp;
    }
    return 0;
}

static int sys_write(uint32_t fd, uint32_t buf, uint32_t len, uint32_t *ret)
{
    if (fd != 1 && fd != 2)
        return EINVAL;
    if (!useracc(curproc, buf, len, 0))
        return EFAULT;
    for (uint32_t i = 0; i < len; i++)
        putchar(((const char *)buf)[i]);
    *ret = len;
    return 0;
}

static void syscall(struct trapframe *tf)
{
    struct proc *p = curproc;
    uint32_t *r = tf->regs;
    uint32_t ret = 0;
    int err;
    cnt.syscalls++;
    if (tf->cause & VMSIM_CAUSE_BD)
        kill_proc(tf, "syscall in a branch delay slot");
    tf->epc += 4;
    switch (r[R_V0]) {
    case SYS_exit:
        print_stats();
        vmsim_exit((int)r[R_A0]);
    case SYS_write:
        err = sys_write(r[R_A0], r[R_A1], r[R_A2], &ret);
        break;
    case SYS_sbrk:
        err = vm_sbrk(p, (int32_t)r[R_A0], &ret);
        break;
    case SYS_mprotect:
        err = vm_mprotect(p, r[R_A0], r[R_A1], (int)r[R_A2]);
        break;
    case SYS_sigaction:
        err = sys_sigaction(r[R_A0], r[R_A1], r[R_A2], r[R_A3]);
        break;
    case SYS_sigreturn:
        tf->epc -= 4;
        err = sys_sigreturn(tf, r[R_A0]);
        if (!err)
            return; /* the restored context, v0 and a3 included */
        tf->epc += 4;
        break;
    default: /* also region calls with an id the device does not have */
        err = r[R_V0] == SYS_region_begin || r[R_V0] == SYS_region_end ? EINVAL : ENOSYS;
        break;
    }
    r[R_V0] = err ? (uint32_t)err : ret;
    r[R_A3] = err ? 1 : 0;
}

/* A TLB fault on a user address. Every page of every region has a frame (no
 * paging), so an invalid or read-only PTE means protection: SIGSEGV, unless
 * the PTE allows the access by now (a stale TLB entry: drop it and retry). */
static void vm_fault(struct trapframe *tf, unsigned code)
{
    struct proc *p = curproc;
    uint32_t va = tf->badvaddr;
    uint32_t *pte = va < 0x80000000u ? pte_lookup(p, va) : 0;
    if (pte && *pte && region_find(p, va)) {
        int write = code != EXC_TLBL;
        if ((*pte & PG_V) && (!write || (*pte & PG_M))) {
            tlb_flush_addr(trunc_page(va) | (p->asid << ASID_SHIFT));
            return;
        }
    }
    psignal_fault(tf, SIGSEGV);
}

void trap(struct trapframe *tf)
{
    unsigned code = (tf->cause >> 2) & 31;
    if (code == EXC_SYS) {
        syscall(tf);
        return;
    }
    cnt.traps++;
    switch (code) {
    case EXC_MOD:
    case EXC_TLBL:
    case EXC_TLBS:
        vm_fault(tf, code);
        break;
    case EXC_ADEL:
    case EXC_ADES:
        psignal_fault(tf, SIGBUS);
        break;
    default:
        kill_proc(tf, "unexpected exception");
    }
}
