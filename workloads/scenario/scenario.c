/*
 * scenario: N processes, each touching a working set of pages with locality, on
 * aegis + AVM (one environment per process; the kernel preempts them with the
 * timer and shares the STLB between their address spaces, so the STLB's size is
 * a trade-off against the processes' total working set).
 *
 * Parameters (boot parameter block, passed on by the kernel; 0 = default):
 *   scenario.pages     pages in each process's working set (64)
 *   scenario.slices    time slices each process runs (20)
 *   scenario.accesses  page accesses per time slice (1000); the process yields
 *                      after them, unless the timer has preempted it before
 *   scenario.seed      the access sequences' seed (1); process i runs sequence i
 *   aegis.nenvs        how many processes (the kernel's parameter; default 3)
 *
 * Process i's working set is at 0x10000000 + i * pages * 4 KB: the address
 * spaces do not share pages, and their pages fall on different virtual page
 * numbers, so that the direct-mapped STLB (indexed by VPN) can hold all
 * processes' pages when it has at least nenvs * pages entries, as an STLB
 * hashed with the ASID would. Every process also maps a page of its own at one
 * virtual address common to all (SHARED_VA): a translation surviving from
 * another address space (an ASID reused without its flush) would show there.
 * Which page each access touches: scenario_core.h (a sliding window with jumps).
 *
 * Each access checks the page's signature (word 0: process and page number) and
 * increments the page's counter (word 1). At the end each process checks that
 * the counters add up to its accesses, and prints one line:
 *   scenario: proc I pages=P slices=S accesses=A seed=X stlb_misses=M other_stlb_misses=K fingerprint=F
 * (stlb_misses: TLB misses in segment 0 that the STLB could not satisfy, which
 * the kernel forwarded to the process, during its time slices; other_stlb_misses:
 * the same outside them (mapping the working set, the final check); fingerprint:
 * scenario_core.h's hash of the per-page counters, which the host can recompute). It exits 0 when every
 * check passed, 1 if a check failed (a line "scenario: proc I FAIL ..." says
 * which), 2 when the parameters do not fit (working set beyond segment 0, or
 * out of physical pages). The kernel then prints its own line (aegis: envs=...).
 */
#include <stdio.h>
#include <aegis/sys.h>
#include <vmsim/bootparams.h>
#include "avm.h"
#include "scenario_core.h"

/* Guest counters (statistics guest.N), summed over the processes: STLB misses in
 * the time slices and outside them, and the accesses made. */
#define SCENARIO_COUNTER_STLB_MISSES 16
#define SCENARIO_COUNTER_OTHER_STLB_MISSES 17
#define SCENARIO_COUNTER_ACCESSES 18

#define WS_BASE 0x10000000u
#define SHARED_VA 0x0ffff000u
#define EXC_TLBL 2
#define EXC_TLBS 3

static volatile uint32_t stlb_misses;

/* Every segment-0 TLB miss the STLB could not satisfy comes here first. */
static void count_tlb_miss(struct aegis_xframe *xf, uint32_t cause, uint32_t va)
{
    stlb_misses++;
    avm_tlb_miss(xf, cause, va);
}

static uint32_t field(uint32_t word, unsigned shift, unsigned bits, uint32_t dflt)
{
    uint32_t v = (word >> shift) & ((1u << bits) - 1);
    return v ? v : dflt;
}

static uint32_t signature(uint32_t proc, uint32_t page)
{
    return 0x5ce00000u ^ (proc << 16) ^ page;
}

/* The page frame mapped at va, or -1. */
static int map_new_page(uint32_t va)
{
    int pfn = avm_page_alloc(AEGIS_ANY_PAGE);
    if (pfn < 0 || avm_map(va, (uint32_t)pfn, avm_cap(), AVM_PROT_RW))
        return -1;
    return pfn;
}

int main(void)
{
    const uint32_t ps = (uint32_t)aegis_info(AEGIS_INFO_BOOTPARAM(VMSIM_BOOTPARAMS_OFF_SCENARIO_PAGES_SLICES));
    const uint32_t as = (uint32_t)aegis_info(AEGIS_INFO_BOOTPARAM(VMSIM_BOOTPARAMS_OFF_SCENARIO_ACCESSES_SEED));
    const uint32_t pages = field(ps, 0, 16, VMSIM_SCENARIO_PAGES_DEFAULT);
    const uint32_t slices = field(ps, 16, 16, VMSIM_SCENARIO_SLICES_DEFAULT);
    const uint32_t accesses = field(as, 0, 20, VMSIM_SCENARIO_ACCESSES_DEFAULT);
    const uint32_t seed = field(as, 20, 12, VMSIM_SCENARIO_SEED_DEFAULT);
    const uint32_t proc = (uint32_t)aegis_info(AEGIS_INFO_ENV_ID);
    int failures = 0;

    if (avm_init() || aegis_set_handlers(&aegis_xpage, count_tlb_miss, avm_exception) ||
        aegis_set_exc_handler(EXC_TLBL, avm_prot_read) || aegis_set_exc_handler(EXC_TLBS, avm_prot_write)) {
        printf("scenario: proc %u cannot register its handlers\n", (unsigned)proc);
        return 2;
    }
    const uint32_t base = WS_BASE + proc * pages * AEGIS_PAGE_SIZE;
    if (pages > (AEGIS_SEG1_BASE - WS_BASE) / AEGIS_PAGE_SIZE ||
        base + pages * AEGIS_PAGE_SIZE > AEGIS_SEG1_BASE || base < WS_BASE) {
        printf("scenario: proc %u working set of %u pages does not fit in segment 0\n", (unsigned)proc,
               (unsigned)pages);
        return 2;
    }

    /* Setup: the working set and the page at SHARED_VA. */
    volatile uint32_t *shared = (volatile uint32_t *)SHARED_VA;
    if (map_new_page(SHARED_VA) < 0) {
        printf("scenario: proc %u out of physical pages\n", (unsigned)proc);
        return 2;
    }
    *shared = signature(proc, 0xffffu);
    for (uint32_t k = 0; k < pages; k++) {
        if (map_new_page(base + k * AEGIS_PAGE_SIZE) < 0) {
            printf("scenario: proc %u out of physical pages at page %u of %u\n", (unsigned)proc, (unsigned)k,
                   (unsigned)pages);
            return 2;
        }
        ((volatile uint32_t *)(base + k * AEGIS_PAGE_SIZE))[0] = signature(proc, k);
    }
    aegis_yield(); /* let the others set up before the first slice */

    /* The time slices. */
    struct scenario_walk w;
    scenario_walk_init(&w, pages, seed, proc);
    uint32_t bad_signatures = 0, bad_shared = 0;
    const uint32_t misses_before = stlb_misses;
    for (uint32_t s = 0; s < slices; s++) {
        if (*shared != signature(proc, 0xffffu))
            bad_shared++;
        for (uint32_t a = 0; a < accesses; a++) {
            const uint32_t page = scenario_walk_next(&w);
            volatile uint32_t *pg = (volatile uint32_t *)(base + page * AEGIS_PAGE_SIZE);
            if (pg[0] != signature(proc, page))
                bad_signatures++;
            pg[1]++;
        }
        aegis_yield();
    }
    const uint32_t misses = stlb_misses - misses_before;

    /* Checks: every access counted once, in this process's own pages. */
    uint32_t total = 0, fp = SCENARIO_FINGERPRINT_INIT;
    for (uint32_t k = 0; k < pages; k++) {
        uint32_t c = ((volatile uint32_t *)(base + k * AEGIS_PAGE_SIZE))[1];
        total += c;
        fp = scenario_fingerprint(fp, c);
    }
    if (bad_signatures || bad_shared || total != slices * accesses || *shared != signature(proc, 0xffffu)) {
        printf("scenario: proc %u FAIL bad_signatures=%u bad_shared=%u counted=%u of %u\n", (unsigned)proc,
               (unsigned)bad_signatures, (unsigned)bad_shared, (unsigned)total, (unsigned)(slices * accesses));
        failures++;
    }
    /* The same numbers as statistics, summed over the processes (workloads/README.md). */
    aegis_counter(SCENARIO_COUNTER_STLB_MISSES, misses);
    aegis_counter(SCENARIO_COUNTER_OTHER_STLB_MISSES, stlb_misses - misses);
    aegis_counter(SCENARIO_COUNTER_ACCESSES, total);
    printf("scenario: proc %u pages=%u slices=%u accesses=%u seed=%u stlb_misses=%u other_stlb_misses=%u "
           "fingerprint=0x%08x\n",
           (unsigned)proc, (unsigned)pages, (unsigned)slices, (unsigned)accesses, (unsigned)seed, (unsigned)misses,
           (unsigned)(stlb_misses - misses), (unsigned)fp);
    return failures ? 1 : 0;
}
