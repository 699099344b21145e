/*
 * AVM: application-level virtual memory on the aegis exokernel (AVM paper,
 * section 3). Runs in user mode inside the application. It owns the page table
 * (a structure behind struct avm_pt_ops, pt.h, chosen at boot by the boot
 * parameter avm.pagetable; the paper's prototype is `avm_pt_linear`, a vector
 * sorted by virtual page and searched by binary search), handles the TLB misses
 * and protection faults the kernel forwards, and installs mappings with
 * capability-checked system calls.
 *
 * Pages in segment 0 (below 0x40000000) are managed here; the library's own code
 * and data, its page table and its exception stacks are in segment 1, where the
 * kernel guarantees the mappings.
 */
#ifndef AVM_H
#define AVM_H

#include <stdint.h>
#include <aegis/abi.h>
#include "pt.h"

/* Protections */
#define AVM_PROT_NONE 0u
#define AVM_PROT_READ 1u
#define AVM_PROT_RW 3u

/* struct avm_pte.lo: the EntryLo the kernel installs (PFN, N, D, V), with AVM's
 * own bits in the low byte, which the hardware does not use and the kernel
 * clears (abi.h): the protection and the software dirty bit. V is set when the
 * protection allows some access; D when it is RW and the page is dirty (a page
 * not yet written is installed read-only: its first write traps and sets DIRTY).
 * Keeping the hardware word in the entry lets a range call hand the kernel the
 * page table itself (AEGIS_SYS_TLB_WRITE_RANGE reads {lo, cap} with a stride). */
#define AVM_PTE_PROT 3u
#define AVM_PTE_DIRTY 4u   /* written since mapped (software dirty bit) */
#define AVM_PTE_NOCACHE AEGIS_TLB_N

#define AVM_PTE_PFN(p) ((p)->lo >> AEGIS_PAGE_SHIFT)

/* Fault handler: the access to `addr` is not allowed by the page table. Return
 * to retry the access (after changing the protection, typically). */
typedef void (*avm_fault_handler_t)(void *addr, int is_write);
/* Other exceptions (address error, break, RI, ...): return 1 when handled (the
 * frame, e.g. xf->epc, may be changed), 0 to make the fault fatal. xf->cause and
 * xf->badvaddr are filled in. */
typedef int (*avm_exc_handler_t)(struct aegis_xframe *xf);

/* Sets up the page table the boot parameter avm.pagetable names (pt.h; an unknown
 * value stops the application with a message and AEGIS_EXIT_BADPARAM) and
 * registers the handlers with the kernel. 0 on success. */
int avm_init(void);
/* The capability this library presents for the pages it allocates. */
uint32_t avm_cap(void);

/* Physical pages: one specific page (pfn) or any (AEGIS_ANY_PAGE). Returns pfn or < 0. */
int avm_page_alloc(uint32_t pfn);
/* n fresh zeroed pages mapped at the next free segment-0 addresses with prot. */
void *avm_alloc(unsigned npages, unsigned prot);

/* Map one page va -> pfn (capability cap) with prot; unmap removes the entry and
 * every TLB/STLB copy. 0 on success. */
int avm_map(uint32_t va, uint32_t pfn, uint32_t cap, unsigned prot);
int avm_unmap(uint32_t va);
/* Change the protection of [va, va + n pages); every page must be mapped. The
 * page table and the kernel's STLB/TLB are both updated. 0 on success. */
int avm_protect(uint32_t va, unsigned npages, unsigned prot);
/* 1 if written since mapped, 0 if not, -1 if not mapped: page-table lookup only. */
int avm_dirty(uint32_t va);

void avm_set_fault_handler(avm_fault_handler_t h);
void avm_set_exc_handler(avm_exc_handler_t h);

/* The handlers avm_init registers (called by the kernel's forwarding). */
void avm_tlb_miss(struct aegis_xframe *xf, uint32_t cause, uint32_t badvaddr);
void avm_exception(struct aegis_xframe *xf, uint32_t cause, uint32_t badvaddr);
void avm_prot_read(struct aegis_xframe *xf, uint32_t cause, uint32_t badvaddr);  /* TLBL */
void avm_prot_write(struct aegis_xframe *xf, uint32_t cause, uint32_t badvaddr); /* TLBS */

#endif
