/*
 * A page fault on anonymous memory takes the seed's path: the kernel's fault
 * IPC to the region mapper, a page-in request to the anonymous-memory manager,
 * whose map lands in the application: zero-filled on first use, one fault per
 * page, and no fault once a page is mapped read-write.
 */
#include "sawmill_test.h"

#define PAGES 8u

static uint32_t read_word(volatile uint32_t *p)
{
    return *p;
}

int main(void)
{
    char *p = sm_test_setup(PAGES);
    SM_CHECK(((uint32_t)p & (PAGES * VM_PAGE_SIZE - 1)) == 0);
    const struct sm_region *r = sm_rm_lookup(&sm_regions, (uint32_t)p);
    SM_CHECK(r && r->manager == sm_anon.raw && r->npages == PAGES);

    uint32_t unmaps0, maps0, unmaps, maps;
    sm_anon_stats(&unmaps0, &maps0);
    uint32_t forwarded0 = sm_rm_stats.forwarded;

    /* A read of a fresh page: one fault, forwarded at that page, one map, zeros. */
    uint32_t v = read_word((volatile uint32_t *)(p + 100));
    sm_anon_stats(&unmaps, &maps);
    SM_CHECK(v == 0);
    SM_CHECK(maps == maps0 + 1);
    SM_CHECK(sm_rm_stats.forwarded == forwarded0 + 1);
    SM_CHECK(sm_rm_stats.last_forwarded == (uint32_t)p);

    /* A write to another page: one more fault and map; the data stays. */
    *(volatile uint32_t *)(p + 3 * VM_PAGE_SIZE + 8) = 0x5a5a1234u;
    sm_anon_stats(&unmaps, &maps);
    SM_CHECK(maps == maps0 + 2);
    SM_CHECK(sm_rm_stats.last_forwarded == (uint32_t)p + 3 * VM_PAGE_SIZE);

    /* Pages already mapped (read-write: the region was opened so) do not fault. */
    uint32_t forwarded = sm_rm_stats.forwarded;
    *(volatile uint32_t *)(p + 100) = 7;
    v = read_word((volatile uint32_t *)(p + 3 * VM_PAGE_SIZE + 8));
    SM_CHECK(v == 0x5a5a1234u);
    SM_CHECK(read_word((volatile uint32_t *)(p + 100)) == 7);
    SM_CHECK(sm_rm_stats.forwarded == forwarded);
    sm_anon_stats(&unmaps, &maps);
    SM_CHECK(maps == maps0 + 2 && unmaps == unmaps0);

    printf("fault_test faults=%u maps=%u\n", (unsigned)(sm_rm_stats.forwarded - forwarded0),
           (unsigned)(maps - maps0));
    printf("fault_test done\n");
    return (int)sm_test_failures;
}
