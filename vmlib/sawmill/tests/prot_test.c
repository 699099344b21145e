/*
 * Protection of page ranges as flexpages (seed 001, section 5): 100 pages are
 * protected with one request to the anonymous-memory manager and three
 * fpage_unmap calls (64 + 32 + 4 pages), and unprotected with three map
 * messages; afterwards the pages are mapped again and hold their data.
 */
#include "sawmill_test.h"

#define PAGES 100u

int main(void)
{
    char *p = sm_test_setup(PAGES);
    for (unsigned i = 0; i < PAGES; i++)
        *(volatile uint32_t *)(p + i * VM_PAGE_SIZE) = i;

    uint32_t unmaps0, maps0, unmaps, maps;
    sm_anon_stats(&unmaps0, &maps0);
    SM_CHECK(vm_protect(p, PAGES) == 0);
    sm_anon_stats(&unmaps, &maps);
    printf("prot_test prot100 unmap_calls=%u\n", (unsigned)(unmaps - unmaps0));
    SM_CHECK(unmaps == unmaps0 + 3);
    SM_CHECK(maps == maps0);

    SM_CHECK(vm_unprotect(p, PAGES) == 0);
    sm_anon_stats(&unmaps, &maps);
    printf("prot_test unprot100 maps=%u\n", (unsigned)(maps - maps0));
    SM_CHECK(unmaps == unmaps0 + 3);
    SM_CHECK(maps == maps0 + 3);

    /* The three maps brought every page back: no fault, same data. */
    uint32_t forwarded = sm_rm_stats.forwarded, upcalls = sm_rm_stats.upcalls;
    unsigned wrong = 0;
    for (unsigned i = 0; i < PAGES; i++)
        wrong += *(volatile uint32_t *)(p + i * VM_PAGE_SIZE) != i;
    SM_CHECK(wrong == 0);
    SM_CHECK(sm_rm_stats.forwarded == forwarded && sm_rm_stats.upcalls == upcalls);

    /* One page: one unmap, one map. Pages 5..7: offsets 5 (1 page) and 6 (2 pages). */
    sm_anon_stats(&unmaps0, &maps0);
    SM_CHECK(vm_protect(p + 9 * VM_PAGE_SIZE, 1) == 0);
    SM_CHECK(vm_unprotect(p + 9 * VM_PAGE_SIZE, 1) == 0);
    SM_CHECK(vm_protect(p + 5 * VM_PAGE_SIZE, 3) == 0);
    SM_CHECK(vm_unprotect(p + 5 * VM_PAGE_SIZE, 3) == 0);
    sm_anon_stats(&unmaps, &maps);
    SM_CHECK(unmaps == unmaps0 + 1 + 2);
    SM_CHECK(maps == maps0 + 1 + 2);

    /* Ranges that leave the region are refused. */
    SM_CHECK(vm_protect(p + 99 * VM_PAGE_SIZE, 2) == -1);
    SM_CHECK(vm_protect(p + 1, 1) == -1);

    printf("prot_test done\n");
    return (int)sm_test_failures;
}
