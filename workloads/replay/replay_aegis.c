/*
 * The application that hosts a trap-driven trace replay on aegis + AVM
 * (sim/platform/r3000/replay.cpp, docs/replay.md, vmsim/replay.h).
 *
 * It registers AVM's handlers, with a counter in front of the TLB-miss handler (the
 * misses the STLB did not hold), and a fault handler that maps a page on its first
 * touch: the trace's pages are this application's demand-paged memory. Then it
 * begins region VMSIM_REPLAY_REGION, during which the simulator replays the trace:
 * every TLB miss of a reference enters the kernel's refill vector with EPC at the
 * sentinel, and from there the STLB, AVM's page table and this fault handler run as
 * for a miss of the application's own.
 */
#include <stdint.h>
#include <stdio.h>
#include <aegis/sys.h>
#include <vmsim/replay.h>
#include "avm.h"

#define EXC_TLBL 2
#define EXC_TLBS 3
#define RING 1024u /* frames remembered for aliasing once RAM is used up */

static volatile uint32_t forwarded, faults, aliased;
static uint32_t ring[RING];
static uint32_t nring, next_alias;

static void count_tlb_miss(struct aegis_xframe *xf, uint32_t cause, uint32_t va)
{
    forwarded++;
    avm_tlb_miss(xf, cause, va);
}

/* First touch of a trace page: a fresh frame, read-write (AVM installs it read-only
 * until the first write, its software dirty bit). When RAM is used up the page shares
 * a frame mapped before: a TLB and its refill do not depend on the data. */
static void on_fault(void *addr, int is_write)
{
    uint32_t va = (uint32_t)addr & ~(AEGIS_PAGE_SIZE - 1);
    (void)is_write;
    if (va < VMSIM_REPLAY_WINDOW_BASE || va >= VMSIM_REPLAY_WINDOW_END) {
        printf("replay: fault at 0x%08x outside the replay window\n", (unsigned)va);
        aegis_exit(AEGIS_EXIT_FAULT);
    }
    int pfn = avm_page_alloc(AEGIS_ANY_PAGE);
    if (pfn >= 0) {
        if (nring < RING)
            ring[nring++] = (uint32_t)pfn;
    } else if (nring) {
        pfn = (int)ring[next_alias++ % nring];
        aliased++;
    }
    if (pfn < 0 || avm_map(va, (uint32_t)pfn, avm_cap(), AVM_PROT_RW)) {
        printf("replay: cannot map 0x%08x (page table full after %u pages)\n", (unsigned)va,
               (unsigned)faults);
        aegis_exit(AEGIS_EXIT_FAULT);
    }
    faults++;
}

int main(void)
{
    if (avm_init() || aegis_set_handlers(&aegis_xpage, count_tlb_miss, avm_exception) ||
        aegis_set_exc_handler(EXC_TLBL, avm_prot_read) || aegis_set_exc_handler(EXC_TLBS, avm_prot_write)) {
        printf("replay: cannot register the handlers\n");
        return 2;
    }
    avm_set_fault_handler(on_fault);
    aegis_region_begin(VMSIM_REPLAY_REGION); /* the simulator replays the trace here */
    aegis_region_end(VMSIM_REPLAY_REGION);
    aegis_counter(VMSIM_REPLAY_COUNTER_FORWARDED, forwarded);
    aegis_counter(VMSIM_REPLAY_COUNTER_FAULTS, faults);
    aegis_counter(VMSIM_REPLAY_COUNTER_ALIASED, aliased);
    return 0;
}
