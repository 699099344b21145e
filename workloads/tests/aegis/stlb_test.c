/*
 * aegis test application: cost of the STLB-hit refill and of exception
 * forwarding, measured in simulator regions (the test divides the difference
 * between two regions by the number of events):
 *   region 1: STLB_PAGES loads, each to a page in the STLB but not in the TLB
 *   region 2: the same loop, every load to one page already in the TLB
 *   region 3: TRAPS break instructions, each forwarded to a minimal handler
 *             registered directly with the kernel, which skips it
 *   region 4: the same loop with nop instead of break
 *   region 5: TRAPS breaks through the AVM library's exception dispatch
 * Prints the fast path's static length (AEGIS_INFO_FASTPATH_INSNS).
 */
#include <stdio.h>
#include <aegis/sys.h>
#include "avm.h"

#define STLB_PAGES 1024
#define TRAPS 1000
#define DATA_VA 0x10100000u /* STLB slots 256.. (vpn mod entries): clear of the image's */

/* n loads, addr advancing by stride; no stack, no other memory */
static void load_loop(uint32_t addr, uint32_t stride, unsigned n)
{
    __asm__ volatile(".set push\n.set noreorder\n"
                     "1: lw $8, 0(%0)\n"
                     "addiu %2, %2, -1\n"
                     "bnez %2, 1b\n"
                     "addu %0, %0, %1\n"
                     ".set pop\n"
                     : "+r"(addr), "+r"(stride), "+r"(n)
                     :
                     : "$8", "memory");
}

static void break_loop(unsigned n)
{
    __asm__ volatile(".set push\n.set noreorder\n"
                     "1: break 1\n"
                     "addiu %0, %0, -1\n"
                     "bnez %0, 1b\n"
                     "nop\n"
                     ".set pop\n"
                     : "+r"(n)
                     :
                     : "memory");
}

static void nop_loop(unsigned n)
{
    __asm__ volatile(".set push\n.set noreorder\n"
                     "1: nop\n"
                     "addiu %0, %0, -1\n"
                     "bnez %0, 1b\n"
                     "nop\n"
                     ".set pop\n"
                     : "+r"(n)
                     :
                     : "memory");
}

static void skip_handler(struct aegis_xframe *xf, uint32_t cause, uint32_t badvaddr)
{
    (void)cause;
    (void)badvaddr;
    xf->epc += 4;
}
static int skip_exc(struct aegis_xframe *xf)
{
    xf->epc += 4;
    return 1;
}

int main(void)
{
    avm_init();
    for (unsigned i = 0; i < STLB_PAGES; i++) {
        int pfn = avm_page_alloc(AEGIS_ANY_PAGE);
        if (pfn < 0 || avm_map(DATA_VA + i * 4096, (uint32_t)pfn, avm_cap(), AVM_PROT_RW)) {
            printf("stlb-test: FAIL mapping page %u\n", i);
            return 1;
        }
        *(volatile uint32_t *)(DATA_VA + i * 4096) = i; /* AVM installs: TLB + STLB */
    }
    unsigned bad = 0;
    for (unsigned i = 0; i < STLB_PAGES; i++)
        bad += aegis_stlb_probe(DATA_VA + i * 4096) == 0;
    aegis_tlb_flush(DATA_VA, STLB_PAGES, AEGIS_FLUSH_TLB); /* keep the STLB copies */

    aegis_region_begin(1);
    load_loop(DATA_VA, 4096, STLB_PAGES);
    aegis_region_end(1);

    load_loop(DATA_VA, 0, 1);
    aegis_region_begin(2);
    load_loop(DATA_VA, 0, STLB_PAGES);
    aegis_region_end(2);

    aegis_set_handlers(&aegis_xpage, avm_tlb_miss, skip_handler);
    break_loop(1);
    nop_loop(1);
    aegis_region_begin(3);
    break_loop(TRAPS);
    aegis_region_end(3);
    aegis_region_begin(4);
    nop_loop(TRAPS);
    aegis_region_end(4);

    aegis_set_handlers(&aegis_xpage, avm_tlb_miss, avm_exception);
    avm_set_exc_handler(skip_exc);
    break_loop(1);
    aegis_region_begin(5);
    break_loop(TRAPS);
    aegis_region_end(5);

    unsigned sum = 0;
    for (unsigned i = 0; i < STLB_PAGES; i++)
        sum += *(volatile uint32_t *)(DATA_VA + i * 4096);
    printf("stlb-test: pages=%u traps=%u fastpath_insns=%d stlb_entries=%d\n", STLB_PAGES, TRAPS,
           aegis_info(AEGIS_INFO_FASTPATH_INSNS), aegis_info(AEGIS_INFO_STLB_ENTRIES));
    printf("stlb-test: stlb_missing=%u sum_ok=%d\n", bad,
           sum == STLB_PAGES * (STLB_PAGES - 1) / 2);
    return bad || sum != STLB_PAGES * (STLB_PAGES - 1) / 2;
}
