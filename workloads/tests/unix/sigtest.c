/*
 * sigtest: the unix kernel's protection faults, SIGSEGV delivery and
 * sigreturn, checked from inside the process. Each check prints one line
 * `sigtest: <name> ok` or `sigtest: <name> FAILED ...`; the exit code is the
 * number of failures. tests/vmlib runs it.
 */
#include <stdint.h>
#include <stdio.h>
#include <vmsim/vmbench.h>

#include "unix.h"

#define PAT(n) (0x5a5a0000u + (n) * 0x0101u)

void sig_regs_probe(volatile uint32_t *addr, uint32_t out[34]);
uint32_t sig_fault_load(volatile uint32_t *addr);
uint32_t sig_delay_slot_load(volatile uint32_t *addr);
extern char sig_probe_insn[], sig_fault_insn[], sig_delay_branch[];

static int failures;

static void report(const char *name, int ok, const char *detail, unsigned a, unsigned b)
{
    if (ok) {
        printf("sigtest: %s ok\n", name);
    } else {
        failures++;
        printf("sigtest: %s FAILED %s 0x%08x 0x%08x\n", name, detail, a, b);
    }
}

static char *pages;
/* Written by the handlers: volatile, as anything a signal handler changes. */
static volatile unsigned nfaults;
static void *volatile fault_addr;
static volatile int fault_write;

static void vm_handler(void *addr, int is_write)
{
    nfaults++;
    fault_addr = addr;
    fault_write = is_write;
    vm_unprotect((void *)((uintptr_t)addr & ~(uintptr_t)(VM_PAGE_SIZE - 1)), 1);
}

static volatile struct sigcontext saved;
static volatile int raw_sig, raw_code;

static void raw_handler(int sig, int code, struct sigcontext *scp)
{
    raw_sig = sig;
    raw_code = code;
    for (unsigned i = 0; i < sizeof saved / 4; i++)
        ((volatile uint32_t *)&saved)[i] = ((const uint32_t *)scp)[i];
    mprotect((void *)(scp->sc_badvaddr & ~(VM_PAGE_SIZE - 1)), VM_PAGE_SIZE, PROT_READ | PROT_WRITE);
}

/* The signal stack (sigstack, SA_ONSTACK). */
static char altstack[8192] __attribute__((aligned(8)));
static volatile uint32_t onstack_scp;
static volatile int onstack_flag;

static void onstack_handler(int sig, int code, struct sigcontext *scp)
{
    (void)sig;
    (void)code;
    struct sigstack cur;
    onstack_scp = (uint32_t)(uintptr_t)scp;
    onstack_flag = sigstack(0, &cur) == 0 ? cur.ss_onstack : -1;
    mprotect((void *)(scp->sc_badvaddr & ~(VM_PAGE_SIZE - 1)), VM_PAGE_SIZE, PROT_READ | PROT_WRITE);
}

/* Touches a frame larger than the 64 KB the stack starts with: the faults
 * below the stack grow it. */
static int __attribute__((noinline)) deep_frame(int n)
{
    volatile char buf[96 * 1024];
    for (unsigned i = 0; i < sizeof buf; i += VM_PAGE_SIZE)
        buf[i] = (char)(i >> 12);
    return buf[(unsigned)n * VM_PAGE_SIZE];
}

int main(void)
{
    vm_init();
    pages = vm_alloc_pages(4);
    volatile uint32_t *w0 = (volatile uint32_t *)(pages + 0x124);
    volatile uint32_t *w1 = (volatile uint32_t *)(pages + VM_PAGE_SIZE + 0x200);
    volatile uint32_t *w2 = (volatile uint32_t *)(pages + 2 * VM_PAGE_SIZE + 0x40);
    volatile uint32_t *w3 = (volatile uint32_t *)(pages + 3 * VM_PAGE_SIZE + 0x80);
    *w0 = 0x1234;
    *w1 = 0x5678;
    *w2 = 0x9abc;
    *w3 = 0xdef0;
    vm_set_fault_handler(vm_handler);

    /* A read of a protected page: the handler sees the exact address, the
     * read then completes with the page's contents. */
    vm_protect(pages, 1);
    uint32_t v = *w0;
    report("read_fault_count", nfaults == 1, "faults", nfaults, 1);
    report("read_fault_addr", fault_addr == (void *)w0, "addr", (unsigned)(uintptr_t)fault_addr,
           (unsigned)(uintptr_t)w0);
    report("read_fault_kind", fault_write == 0, "is_write", fault_write, 0);
    report("read_resumed", v == 0x1234, "value", v, 0x1234);

    /* A write: is_write, and the store lands after sigreturn. */
    vm_protect(pages + VM_PAGE_SIZE, 1);
    *w1 = 0xbeef;
    report("write_fault_count", nfaults == 2, "faults", nfaults, 2);
    report("write_fault_addr", fault_addr == (void *)w1, "addr", (unsigned)(uintptr_t)fault_addr,
           (unsigned)(uintptr_t)w1);
    report("write_fault_kind", fault_write == 1, "is_write", fault_write, 1);
    report("write_resumed", *w1 == 0xbeef, "value", *w1, 0xbeef);

    /* mprotect must flush the TLB: a page just used (its entry in the TLB)
     * faults on the next access after vm_protect, every time. */
    unsigned before = nfaults;
    for (int i = 0; i < 50; i++) {
        (void)*w2;
        vm_protect(pages + 2 * VM_PAGE_SIZE, 1);
        (void)*w2;
    }
    report("protect_flushes_tlb", nfaults - before == 50, "faults", nfaults - before, 50);

    /* ... and vm_unprotect too: after the handler's unprotect the access
     * completes (a stale invalid entry would fault again forever). */
    before = nfaults;
    for (int i = 0; i < 50; i++) {
        vm_protect(pages + 2 * VM_PAGE_SIZE, 1);
        (void)*w2;
        *w2 = 0x9abc;
    }
    report("unprotect_flushes_tlb", nfaults - before == 50, "faults", nfaults - before, 50);

    /* A large range takes the other flush (a new ASID for the process): every
     * page used just before still faults. */
    enum { RANGE = 40 };
    char *range = vm_alloc_pages(RANGE);
    for (int i = 0; i < RANGE; i++)
        range[i * VM_PAGE_SIZE] = (char)i;
    vm_protect(range, RANGE);
    before = nfaults;
    int range_ok = 1;
    for (int i = 0; i < RANGE; i++)
        range_ok &= *(volatile char *)(range + i * VM_PAGE_SIZE) == (char)i;
    report("range_protect_flushes_tlb", nfaults - before == RANGE && range_ok, "faults",
           nfaults - before, RANGE);

    /* Every register survives the signal (the sigcontext is complete). */
    uint32_t out[34];
    vm_protect(pages + 3 * VM_PAGE_SIZE, 1);
    before = nfaults;
    sig_regs_probe(w3, out);
    int regs_ok = 1;
    unsigned bad = 0;
    for (unsigned n = 1; n < 32; n++) {
        if (n == 2 || n == 4 || n == 5 || n == 26 || n == 27 || n == 29)
            continue;
        if (out[n] != PAT(n)) {
            regs_ok = 0;
            bad = n;
        }
    }
    report("registers_survive", regs_ok && nfaults - before == 1, "register", bad, out[bad]);
    report("hi_lo_survive", out[32] == PAT(3) && out[33] == PAT(6), "hi lo", out[32], out[33]);
    report("argument_registers_survive", out[4] == (uint32_t)(uintptr_t)w3 &&
           out[5] == (uint32_t)(uintptr_t)out, "a0", out[4], (unsigned)(uintptr_t)w3);
    report("probe_load_value", out[2] == 0xdef0, "v0", out[2], 0xdef0);

    /* The sigcontext itself, through sigaction: signal, code, pc, BadVAddr. */
    struct sigaction sa = {raw_handler, 0, 0};
    sigaction(SIGSEGV, &sa, 0);
    vm_protect(pages, 1);
    v = sig_fault_load(w0);
    report("sigcontext_signal", raw_sig == SIGSEGV, "sig", raw_sig, SIGSEGV);
    report("sigcontext_code", raw_code == 2 && ((saved.sc_cause >> 2) & 31) == 2, "code", raw_code,
           saved.sc_cause);
    report("sigcontext_pc", saved.sc_pc == (uint32_t)(uintptr_t)sig_fault_insn, "pc", saved.sc_pc,
           (unsigned)(uintptr_t)sig_fault_insn);
    report("sigcontext_badvaddr", saved.sc_badvaddr == (uint32_t)(uintptr_t)w0, "badvaddr",
           saved.sc_badvaddr, (unsigned)(uintptr_t)w0);
    report("sigcontext_a0", saved.sc_regs[4] == (uint32_t)(uintptr_t)w0, "a0", saved.sc_regs[4],
           (unsigned)(uintptr_t)w0);
    report("sigcontext_resumed", v == 0x1234, "value", v, 0x1234);

    /* A fault in a branch delay slot: EPC is the branch (Cause.BD), and
     * sigreturn re-executes branch and load. */
    vm_protect(pages, 1);
    v = sig_delay_slot_load(w0);
    report("delay_slot_pc", saved.sc_pc == (uint32_t)(uintptr_t)sig_delay_branch, "pc", saved.sc_pc,
           (unsigned)(uintptr_t)sig_delay_branch);
    report("delay_slot_bd", (saved.sc_cause & 0x80000000u) != 0, "cause", saved.sc_cause, 0);
    report("delay_slot_resumed", v == 0x1234, "value", v, 0x1234);

    /* A handler registered with SA_ONSTACK runs on the signal stack, which is
     * marked in use meanwhile and free again after sigreturn. */
    struct sigstack ss = {(uint32_t)(uintptr_t)(altstack + sizeof altstack), 0}, after;
    int ssr = sigstack(&ss, 0);
    struct sigaction sa2 = {onstack_handler, 0, SA_ONSTACK};
    sigaction(SIGSEGV, &sa2, 0);
    vm_protect(pages, 1);
    v = *w0;
    report("sigstack_handler_on_it",
           ssr == 0 && onstack_scp >= (uint32_t)(uintptr_t)altstack &&
               onstack_scp < (uint32_t)(uintptr_t)(altstack + sizeof altstack) && onstack_flag == 1,
           "scp", onstack_scp, (unsigned)onstack_flag);
    report("sigstack_released", sigstack(0, &after) == 0 && after.ss_onstack == 0 && v == 0x1234,
           "onstack", (unsigned)after.ss_onstack, v);

    /* The stack grows on faults below it. */
    int d = deep_frame(5);
    report("stack_grows", d == 5, "value", (unsigned)d, 5);

    /* mprotect's checks. */
    extern char _start[];
    int r = mprotect(pages + 1, VM_PAGE_SIZE, PROT_NONE);
    report("mprotect_unaligned", r == -1 && errno == EINVAL, "errno", errno, EINVAL);
    r = mprotect((void *)0x10000000, VM_PAGE_SIZE, PROT_NONE);
    report("mprotect_unmapped", r == -1 && errno == ENOMEM, "errno", errno, ENOMEM);
    r = mprotect((void *)((uintptr_t)_start & ~(uintptr_t)(VM_PAGE_SIZE - 1)), VM_PAGE_SIZE,
                 PROT_READ | PROT_WRITE);
    report("mprotect_text_write", r == -1 && errno == EACCES, "errno", errno, EACCES);

    printf("sigtest: done failures=%d\n", failures);
    return failures;
}
