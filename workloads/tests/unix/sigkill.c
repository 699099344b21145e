/*
 * sigkill: a protection fault nobody catches. The unix kernel reports it in
 * one line (ExcCode, EPC, BadVAddr) and stops the machine with exit 125.
 */
#include <stdint.h>
#include <stdio.h>
#include <vmsim/vmbench.h>

int main(void)
{
    vm_init();
    volatile uint32_t *p = (volatile uint32_t *)((char *)vm_alloc_pages(1) + 0x10);
    vm_protect((void *)((uintptr_t)p & ~(uintptr_t)(VM_PAGE_SIZE - 1)), 1);
    printf("sigkill: reading 0x%08x\n", (unsigned)(uintptr_t)p);
    (void)*p;
    printf("sigkill: still alive\n");
    return 0;
}
