/*
 * The virtual-memory primitives the Appel-Li benchmarks use (AVM paper, section 4;
 * Appel & Li, ASPLOS 1991). Each kernel personality provides them to user code:
 *   unix  - through mprotect(2)-style system calls and SIGSEGV delivery;
 *   aegis - through the application-level AVM library (vmlib/avm), which talks to
 *           the exokernel only to install TLB entries and to register handlers.
 * One benchmark source (workloads/appel) is linked against either binding.
 */
#ifndef VMSIM_VMBENCH_H
#define VMSIM_VMBENCH_H

#define VM_PAGE_SIZE 4096u

/* Called on an access to a protected page, with the faulting address and 1 for a
 * write. Returning resumes the faulting instruction (standard signal semantics:
 * the handler runs with the caller-saved registers saved). */
typedef void (*vm_fault_handler_t)(void *fault_addr, int is_write);

/* Prepare the binding; call once before anything else. */
void vm_init(void);
/* n fresh, zeroed, mapped read-write pages, page aligned; 0 on failure. */
void *vm_alloc_pages(unsigned n);
/* Remove all access to [addr, addr + n pages): later accesses fault. 0 on success. */
int vm_protect(void *addr, unsigned npages);
/* Restore read-write access to [addr, addr + n pages). 0 on success. */
int vm_unprotect(void *addr, unsigned npages);
/* 1 if the page holding addr has been written since it was mapped, 0 if not,
 * -1 when the personality cannot answer (unix: no such call, as in Ultrix). */
int vm_dirty(void *addr);
/* Install the user-level fault handler for protection faults. */
void vm_set_fault_handler(vm_fault_handler_t handler);

/* Measured regions of the simulator's sim-control device (<vmsim/memmap.h>):
 * begin/end of region id (< VMSIM_SIMCTL_MAX_REGIONS). User code cannot reach
 * the device (kseg1), so each binding asks its kernel with the cheapest call it
 * has; what that costs lies inside the region and is measured by an empty
 * region (workloads/appel: the "null" benchmark). */
void vm_region_begin(unsigned id);
void vm_region_end(unsigned id);

#endif /* VMSIM_VMBENCH_H */
