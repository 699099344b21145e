/*
 * unix kernel stub: kernel-internal declarations.
 */
#ifndef VMSIM_UNIX_KERN_H
#define VMSIM_UNIX_KERN_H

#include <stdint.h>
#include <unix/signal.h>

#include "machdep.h"

#define KSEG0(pa) (0x80000000u | (uint32_t)(pa))
#define round_page(x) (((uint32_t)(x) + PGOFSET) & ~PGOFSET)
#define trunc_page(x) ((uint32_t)(x) & ~PGOFSET)

/* User address space (kuseg). The program's segments come from its ELF file;
 * the stack is a fixed region below USRSTACK; the heap (sbrk) starts at the
 * first page after the program's last segment. */
#define USRSTACK 0x7ffff000u
#define USRSTACK_SIZE (64u * 1024u) /* mapped at exec; grows on faults below it */
#define MAXSSIZ (1024u * 1024u)      /* stack limit */

struct trapframe {
    uint32_t regs[32];
    uint32_t hi, lo;
    uint32_t epc, status, cause, badvaddr;
};

/* A piece of the address space with one maximum protection (text, data,
 * heap, stack), kept in a list sorted by address. */
struct vm_region {
    uint32_t start, end;  /* page aligned, [start, end) */
    int maxprot;          /* PROT_* */
    const char *name;
    struct vm_region *next;
};

/* Resource usage (4.3BSD's struct rusage, the counters this kernel keeps). */
struct rusage {
    uint32_t ru_minflt;    /* faults serviced without I/O */
    uint32_t ru_majflt;    /* faults that needed I/O (none: no paging) */
    uint32_t ru_nsignals;  /* signals delivered */
    uint32_t ru_nvcsw;     /* voluntary context switches */
    uint32_t ru_nivcsw;    /* involuntary context switches (preemption at trap exit) */
};

/* p_stat */
#define SSLEEP 1
#define SRUN 3
#define SSTOP 6
/* p_flag */
#define SLOAD 0x0001    /* in core */
#define STRC 0x0010     /* traced: signals go to the debugger first */
#define SOUSIG 0x0100   /* old-style (unreliable) signals: reset to SIG_DFL on delivery */
#define SPROFIL 0x0200  /* profil(2) on: addupc at trap exit */

/* Scheduling priorities (4.3BSD param.h) */
#define PUSER 50
#define NZERO 0

/* Execution profile (4.3BSD's struct uprof, u.u_prof). */
struct uprof {
    uint16_t *pr_base;  /* histogram buffer (16-bit counters) */
    uint32_t pr_size;   /* its size in bytes */
    uint32_t pr_off;    /* pc offset */
    uint32_t pr_scale;  /* pc scaling, 16.16 fixed point */
};

struct proc {
    int pid;
    int p_stat;
    int p_flag;
    int p_pri, p_usrpri;       /* current and user-mode scheduling priority */
    int p_cpu, p_nice;         /* recent cpu usage, nice */
    unsigned asid;
    uint32_t upt;              /* kseg2 base of the linear page table (Context.PTEBase) */
    struct vm_region *regions;
    struct vm_region *heap;
    struct vm_region *stack;
    uint32_t brk;              /* current break (not page aligned) */
    /* Segment sizes in pages, as u.u_tsize / u_dsize / u_ssize: text and data
     * (with the heap) from their start addresses up, the stack down from USRSTACK. */
    uint32_t p_taddr, p_tsize;
    uint32_t p_daddr, p_dsize;
    uint32_t p_ssize;
    uint32_t p_maxssize;       /* stack limit in bytes (RLIMIT_STACK) */
    sig_handler_t sig_handler[NSIG];
    uint32_t sig_catchmask[NSIG];
    uint32_t sig_tramp;        /* user trampoline given to sigaction */
    uint32_t sig;              /* pending signals (p_sig) */
    uint32_t sigmask;          /* blocked signals */
    uint32_t p_sigignore;      /* signals set to SIG_IGN (none can be: sigaction has no SIG_IGN) */
    uint32_t p_sigcatch;       /* signals with a handler */
    uint32_t p_sigonstack;     /* signals whose handler runs on the signal stack (u_sigonstack) */
    uint32_t p_sigsp;          /* the signal stack (u_sigsp), 0: none */
    int p_onstack;             /* a handler runs on it now (u_onstack) */
    int p_cursig;              /* the signal issig chose, psig delivers */
    int sigcode[NSIG];         /* code to hand the handler: the ExcCode of the fault */
    uint32_t p_code;           /* u.u_code: the code of the last trap */
    struct trapframe *p_regs;  /* u.u_ar0: the user registers of the current trap */
    struct rusage p_ru;        /* u.u_ru */
    struct uprof p_prof;       /* u.u_prof */
};

/* locore.S */
extern uint32_t ram_top;
extern uint32_t cnt_nested_tlb_misses;
extern uint32_t cnt_ktlb_misses;
extern uint32_t usrptmap[UPT_PAGES];
extern uint32_t mprotect_asid_threshold; /* pages; from the boot parameter block */
void tlb_flush_all(void);
int tlb_flush_addr(uint32_t entryhi);
void set_context(uint32_t ptebase);
void set_entryhi(uint32_t entryhi);
int splhigh(void);    /* interrupts off; returns the old Status */
void splx(int s);     /* back to the interrupt level of s */
void enter_user(struct trapframe *tf) __attribute__((noreturn));
extern char kstack[];

/* vm.c */
void vm_bootstrap(uint32_t first_free_pa);
uint32_t *pte_lookup(struct proc *p, uint32_t va);
struct vm_region *region_find(struct proc *p, uint32_t va);
struct vm_region *region_add(struct proc *p, uint32_t start, uint32_t end, int maxprot,
                             const char *name);
uint32_t map_zero_page(struct proc *p, uint32_t va, int prot);
int useracc(struct proc *p, uint32_t va, uint32_t len, int write);
int vm_mprotect(struct proc *p, uint32_t addr, uint32_t len, int prot);
int vm_sbrk(struct proc *p, int32_t incr, uint32_t *old);
int grow(struct proc *p, uint32_t sp);
#define FAULT_OK 0           /* the access can be retried */
#define FAULT_BADADDR 1      /* outside every segment */
#define FAULT_PROTECTION 2   /* the page forbids the access */
#define FAULT_NOPAGE 3       /* in a segment but without a page (no backing store) */
int vm_fault(struct proc *p, uint32_t va, int write);

/* trap.c */
void trap(struct trapframe *tf);
void kernel_fault(uint32_t cause, uint32_t epc, uint32_t badvaddr) __attribute__((noreturn));
void panic(const char *msg) __attribute__((noreturn));

extern struct proc proc1;  /* the one user process */
extern struct proc *curproc;

/* statistics the kernel prints at exit (4.3BSD's struct vmmeter, in spirit) */
struct kstats {
    uint32_t syscalls, traps, signals, tlb_flushes, tlbpid_flushes, frames;
    uint32_t faults;   /* v_faults: calls of the VM fault routine */
    uint32_t swtch;    /* v_swtch: context switches */
};
extern struct kstats cnt;

/* Scheduler state (4.3BSD): the priority of the running process, and the
 * request to reschedule at the next return to user mode. */
extern int curpri;
extern int runrun;
void setpri(struct proc *p);

#endif /* VMSIM_UNIX_KERN_H */
