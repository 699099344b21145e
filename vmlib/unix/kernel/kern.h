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
#define USRSTACK_SIZE (64u * 1024u)

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

struct proc {
    int pid;
    unsigned asid;
    uint32_t upt;              /* kseg2 base of the linear page table (Context.PTEBase) */
    struct vm_region *regions;
    struct vm_region *heap;
    uint32_t brk;              /* current break (not page aligned) */
    sig_handler_t sig_handler[NSIG];
    uint32_t sig_catchmask[NSIG];
    uint32_t sig_tramp;        /* user trampoline given to sigaction */
    uint32_t sig;              /* pending signals (p_sig) */
    int sigcode[NSIG];         /* code to hand the handler: the ExcCode of the fault */
    uint32_t sigmask;          /* blocked signals */
};

/* locore.S */
extern uint32_t ram_top;
extern uint32_t cnt_nested_tlb_misses;
extern uint32_t usrptmap[UPT_PAGES];
void tlb_flush_all(void);
int tlb_flush_addr(uint32_t entryhi);
void set_context(uint32_t ptebase);
void set_entryhi(uint32_t entryhi);
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

/* trap.c */
void trap(struct trapframe *tf);
void kernel_fault(uint32_t cause, uint32_t epc, uint32_t badvaddr) __attribute__((noreturn));
void panic(const char *msg) __attribute__((noreturn));

extern struct proc proc1;  /* the one user process */
extern struct proc *curproc;

/* statistics the kernel prints at exit (4.3BSD's struct vmmeter, in spirit) */
struct kstats {
    uint32_t syscalls, traps, signals, tlb_flushes, tlbpid_flushes, frames;
};
extern struct kstats cnt;

#endif /* VMSIM_UNIX_KERN_H */
