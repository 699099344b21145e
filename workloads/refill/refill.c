/*
 * TLB refill paths, each taken REFILL_EVENTS times in measured regions (refill.h).
 * One source for both kernels: -DREFILL_AEGIS builds it for aegis (with AVM),
 * otherwise for the unix kernel.
 *   aegis: an STLB hit (direct, or way 0 of 2way), a hit in way 1 (2way), and an
 *          STLB miss refilled by AVM from its page table (every organisation);
 *          the organisation and size are the boot parameters aegis.stlb_org and
 *          aegis.stlb_entries.
 *   unix:  the Context refill from the linear page table (the kernel's 9-instruction
 *          UTLB handler).
 * Before each event the page leaves the TLB through the kernel (aegis: TLB_FLUSH,
 * of the STLB too for a miss; unix: mprotect to read-only and back, which the
 * kernel flushes page by page for one page, and whose page-table update maps the
 * page-table page: the refill's PTE load then hits). Prints "refill: kind=K
 * events=N" per kind measured and "refill: done"; exit 1 if a page is not where
 * the measurement needs it.
 */
#include <stdint.h>
#include <stdio.h>
#include <vmsim/vmbench.h>

#include "refill.h"

#ifdef REFILL_AEGIS
#include <aegis/sys.h>
#include <vmsim/bootparams.h>
#include "avm.h"
#else
#include "unix.h"
#endif

static uint32_t load(uint32_t va)
{
    uint32_t v;
    __asm__ volatile(".set push\n.set noreorder\nlw %0, 0(%1)\nnop\n.set pop" : "=r"(v) : "r"(va) : "memory");
    return v;
}

/* One entry of region id: the load alone between the begin and end calls, the same
 * code for the base and the events. */
static __attribute__((noinline)) void measured_load(unsigned id, uint32_t va)
{
    vm_region_begin(id);
    load(va);
    vm_region_end(id);
}

#ifdef REFILL_AEGIS
/* STLB sets 44 .. 46 (mod any number of sets from 64 up): none of the image's pages
 * touched here, its stacks or the free bitmap use them (sets 0 .. 12, 48 .. 63, 0),
 * so the kernel's own refills never write there. */
#define DATA_VA 0x1002c000u

static int org;
static uint32_t sets;

static int kind_applies(unsigned kind)
{
    if (kind == REFILL_KIND_HIT)
        return org != VMSIM_STLB_ORG_NONE;
    if (kind == REFILL_KIND_WAY1)
        return org == VMSIM_STLB_ORG_2WAY;
    return 1;
}

static uint32_t page_of(unsigned kind) { return DATA_VA + kind * VM_PAGE_SIZE; }

/* The page of way 1's set that goes into way 0. */
static uint32_t way0_partner(void) { return page_of(REFILL_KIND_WAY1) + sets * VM_PAGE_SIZE; }

static void take_out(unsigned kind, uint32_t va)
{
    aegis_tlb_flush(va, 1, kind == REFILL_KIND_MISS ? AEGIS_FLUSH_TLB | AEGIS_FLUSH_STLB : AEGIS_FLUSH_TLB);
}

static int map(uint32_t va)
{
    int pfn = avm_page_alloc(AEGIS_ANY_PAGE);
    if (pfn < 0 || avm_map(va, (uint32_t)pfn, avm_cap(), AVM_PROT_RW))
        return -1;
    *(volatile uint32_t *)va = va; /* AVM's handler writes TLB and STLB */
    return 0;
}

/* Maps the pages; in a 2way STLB the way-1 page is written before its partner. */
static int setup(void)
{
    org = aegis_info(AEGIS_INFO_STLB_ORG);
    uint32_t entries = (uint32_t)aegis_info(AEGIS_INFO_STLB_ENTRIES);
    sets = org == VMSIM_STLB_ORG_2WAY ? entries / 2 : entries;
    if (org != VMSIM_STLB_ORG_NONE && sets < 64) {
        printf("refill: needs 64 STLB sets or more, has %u\n", (unsigned)sets);
        return -1;
    }
    for (unsigned k = 0; k < REFILL_KINDS; k++)
        if (kind_applies(k) && map(page_of(k)))
            return -1;
    if (org == VMSIM_STLB_ORG_2WAY && map(way0_partner()))
        return -1;
    printf("refill: org=%d entries=%u fastpath_insns=%d way1_insns=%d\n", org, (unsigned)entries,
           aegis_info(AEGIS_INFO_FASTPATH_INSNS), aegis_info(AEGIS_INFO_FASTPATH_WAY1_INSNS));
    return 0;
}

/* The STLB still holds the hit pages (nothing else wrote their sets). */
static int check(void)
{
    for (unsigned k = REFILL_KIND_HIT; k <= REFILL_KIND_WAY1; k++)
        if (kind_applies(k) && !aegis_stlb_probe(page_of(k)))
            return -1;
    return org == VMSIM_STLB_ORG_2WAY && !aegis_stlb_probe(way0_partner()) ? -1 : 0;
}
#else
static uint32_t page;

static int kind_applies(unsigned kind) { return kind == REFILL_KIND_HIT; }
static uint32_t page_of(unsigned kind)
{
    (void)kind;
    return page;
}

static void take_out(unsigned kind, uint32_t va)
{
    (void)kind;
    mprotect((void *)va, VM_PAGE_SIZE, PROT_READ);
    mprotect((void *)va, VM_PAGE_SIZE, PROT_READ | PROT_WRITE);
}

static int setup(void)
{
    page = (uint32_t)vm_alloc_pages(1);
    if (!page)
        return -1;
    *(volatile uint32_t *)page = page;
    return 0;
}

static int check(void) { return 0; }
#endif

int main(void)
{
    vm_init();
    if (setup()) {
        printf("refill: FAIL setup\n");
        return 1;
    }
    for (unsigned k = 0; k < REFILL_KINDS; k++) {
        if (!kind_applies(k))
            continue;
        const uint32_t va = page_of(k);
        for (unsigned i = 0; i < REFILL_EVENTS; i++) {
            load(va); /* in the TLB */
            measured_load(REFILL_REGION_BASE(k), va);
            take_out(k, va);
            measured_load(REFILL_REGION_EVENT(k, i), va);
        }
        printf("refill: kind=%u events=%u\n", k, REFILL_EVENTS);
    }
    if (check()) {
        printf("refill: FAIL a measured page left the STLB\n");
        return 1;
    }
    printf("refill: done\n");
    return 0;
}
