/*
 * tlbbench: the TLB performance benchmark (see workloads/README.md).
 *
 * The array lives at kuseg virtual 0x00400000 and is mapped through the TLB
 * onto scattered physical frames in 4-8 MiB; a linear page table at kseg0
 * 0x80200000 (Context.PTEBase) feeds the 9-instruction UTLB-refill handler in
 * tlbbench_asm.S. The random bursts of tlbbench_core.h take roughly one UTLB
 * refill per hundred instructions with the full configuration. The timed part
 * is region 0. Prints
 *   tlbbench pages=P steps=S seed=0xXXXXXXXX
 *   tlbbench checksum=0xXXXXXXXX
 *   tlbbench mapping=ok
 *   tlbbench region0 cycles=C instructions=I
 * and exits 0 (1 if the mapping check fails, 2 if the image overlaps the
 * page table). Build with TLBBENCH_SMALL for the ~1M-instruction variant.
 */
#include <stdint.h>
#include <stdio.h>
#include <vmsim.h>

#include "tlbbench_core.h"

#ifdef TLBBENCH_SMALL
#define PAGES TLBBENCH_SMALL_PAGES
#define STEPS TLBBENCH_SMALL_STEPS
#else
#define PAGES TLBBENCH_FULL_PAGES
#define STEPS TLBBENCH_FULL_STEPS
#endif

#define ARRAY_VA 0x00400000u  /* kuseg: mapped through the TLB in kernel mode too */
#define PTE_BASE 0x80200000u  /* kseg0 (physical 2 MiB), 2 MiB aligned for Context */
#define FRAMES_PA 0x00400000u /* physical frames 4 MiB .. 8 MiB */
#define ENTRYLO_D (1u << 10)
#define ENTRYLO_V (1u << 9)

void tlb_invalidate_all(void);
void cp0_set_context(uint32_t ptebase);

extern char _end[];

/* Page v of the array lives in frame (v * 389) mod 1024: a permutation, so
 * neighbouring virtual pages are far apart physically. */
static uint32_t frame_pa(uint32_t v)
{
    return FRAMES_PA + ((v * 389u) & 1023u) * 4096u;
}

int main(void)
{
    printf("tlbbench pages=%u steps=%u seed=0x%08x\n", PAGES, STEPS, TLBBENCH_SEED);
    if ((uintptr_t)_end > PTE_BASE) {
        printf("tlbbench: program image (end 0x%08x) overlaps the page table\n",
               (unsigned)(uintptr_t)_end);
        return 2;
    }

    /* Only the PTEs of the array are ever read by the refill handler. */
    tlb_invalidate_all();
    volatile uint32_t *pte = (volatile uint32_t *)(PTE_BASE + (ARRAY_VA >> 10));
    for (uint32_t v = 0; v < PAGES; v++)
        pte[v] = frame_pa(v) | ENTRYLO_D | ENTRYLO_V;
    cp0_set_context(PTE_BASE);

    uint32_t *a = (uint32_t *)ARRAY_VA;
    tlbbench_init(a, PAGES, TLBBENCH_SEED);

    vmsim_region_begin(0);
    uint64_t c0 = vmsim_cycles(), i0 = vmsim_instructions();
    uint32_t run = tlbbench_run(a, PAGES, STEPS, TLBBENCH_SEED);
    uint64_t c1 = vmsim_cycles(), i1 = vmsim_instructions();
    vmsim_region_end(0);

    printf("tlbbench checksum=0x%08x\n", (unsigned)(run ^ tlbbench_fold(a, PAGES)));

    /* The same words seen through the TLB and through kseg0 at the frame. */
    for (uint32_t v = 0; v < PAGES; v += PAGES / 16) {
        for (uint32_t w = 0; w < TLBBENCH_PAGE_WORDS; w += 341) {
            uint32_t virt = a[v * TLBBENCH_PAGE_WORDS + w];
            uint32_t phys = *(volatile uint32_t *)(VMSIM_KSEG0(frame_pa(v)) + 4 * w);
            if (virt != phys) {
                printf("tlbbench mapping=BAD page=%u word=%u virtual=0x%08x physical=0x%08x\n",
                       (unsigned)v, (unsigned)w, (unsigned)virt, (unsigned)phys);
                return 1;
            }
        }
    }
    printf("tlbbench mapping=ok\n");
    printf("tlbbench region0 cycles=%llu instructions=%llu\n", (unsigned long long)(c1 - c0),
           (unsigned long long)(i1 - i0));
    return 0;
}
