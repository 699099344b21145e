/* vmsim/vmbench.h on aegis: the benchmark primitives through the AVM library. */
#include <vmsim/vmbench.h>
#include <aegis/sys.h>
#include "avm.h"

void vm_init(void) { avm_init(); }
void *vm_alloc_pages(unsigned n) { return avm_alloc(n, AVM_PROT_RW); }
int vm_protect(void *addr, unsigned npages)
{
    return avm_protect((uint32_t)addr, npages, AVM_PROT_NONE);
}
int vm_unprotect(void *addr, unsigned npages)
{
    return avm_protect((uint32_t)addr, npages, AVM_PROT_RW);
}
int vm_dirty(void *addr) { return avm_dirty((uint32_t)addr); }
void vm_set_fault_handler(vm_fault_handler_t handler) { avm_set_fault_handler(handler); }

/* Measured regions: the kernel writes the simulator's region registers. */
void vm_region_begin(unsigned id) { aegis_region(id, 0); }
void vm_region_end(unsigned id) { aegis_region(id, 1); }
