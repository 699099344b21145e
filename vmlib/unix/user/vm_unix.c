/*
 * The unix binding of <vmsim/vmbench.h>: the Appel-Li primitives as a Unix
 * program of 1991 had them (mprotect and a SIGSEGV handler).
 */
#include <vmsim/vmbench.h>

#include "unix.h"

static vm_fault_handler_t fault_handler;

void vm_init(void)
{
}

void *vm_alloc_pages(unsigned n)
{
    char *brk = sbrk(0);
    if (brk == (char *)-1)
        return 0;
    unsigned pad = (VM_PAGE_SIZE - ((uintptr_t)brk & (VM_PAGE_SIZE - 1))) & (VM_PAGE_SIZE - 1);
    if (sbrk((int)(pad + n * VM_PAGE_SIZE)) == (void *)-1)
        return 0;
    return brk + pad; /* fresh pages from sbrk are zero */
}

int vm_protect(void *addr, unsigned npages)
{
    return mprotect(addr, npages * VM_PAGE_SIZE, PROT_NONE) ? -1 : 0;
}

int vm_unprotect(void *addr, unsigned npages)
{
    return mprotect(addr, npages * VM_PAGE_SIZE, PROT_READ | PROT_WRITE) ? -1 : 0;
}

int vm_dirty(void *addr)
{
    (void)addr;
    return -1; /* Ultrix has no such call */
}

/* code is the Cause ExcCode: TLBS (3) and Mod (1) are writes. */
static void segv_handler(int sig, int code, struct sigcontext *scp)
{
    (void)sig;
    fault_handler((void *)scp->sc_badvaddr, code == 3 || code == 1);
}

void vm_set_fault_handler(vm_fault_handler_t handler)
{
    fault_handler = handler;
    struct sigaction sa = {handler ? segv_handler : 0, 0, 0};
    sigaction(SIGSEGV, &sa, 0);
}
