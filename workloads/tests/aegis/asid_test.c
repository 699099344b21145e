/*
 * aegis test application, run as two environments (two address spaces, ASIDs
 * 1 and 2) that take turns with aegis_yield():
 *   env 0 maps a specific physical page at SHARED_VA and writes 0xaaaa0000;
 *   env 1 must fault at SHARED_VA (env 0's mapping is not visible), cannot take
 *   or map env 0's page (busy; capability check), maps its own page there and
 *   writes 0xbbbb0001; env 0 then still reads 0xaaaa0000, env 1 its own value.
 * Each env prints "asid-test: env N ..." lines and exits 0 when all its checks pass.
 */
#include <stdio.h>
#include <aegis/sys.h>
#include "avm.h"

#define SHARED_VA 0x00800000u

static int failures, env;
#define CHECK(name, cond)                                                          \
    do {                                                                           \
        if (cond)                                                                  \
            printf("asid-test: env %d %s ok\n", env, name);                        \
        else {                                                                     \
            printf("asid-test: env %d FAIL %s (line %d)\n", env, name, __LINE__);  \
            failures++;                                                            \
        }                                                                          \
    } while (0)

static volatile unsigned nfaults;
static volatile uint32_t fault_addr;
static void on_fault(void *addr, int is_write)
{
    (void)is_write;
    nfaults++;
    fault_addr = (uint32_t)addr;
    /* env 1: map a page of its own where it faulted */
    int pfn = avm_page_alloc(AEGIS_ANY_PAGE);
    avm_map((uint32_t)addr & ~0xfffu, (uint32_t)pfn, avm_cap(), AVM_PROT_RW);
}

int main(void)
{
    env = aegis_info(AEGIS_INFO_ENV_ID);
    avm_init();
    avm_set_fault_handler(on_fault);
    volatile uint32_t *x = (volatile uint32_t *)SHARED_VA;
    /* a page in the middle of RAM: free at boot, both envs know its number */
    uint32_t pfn = (uint32_t)aegis_info(AEGIS_INFO_NPAGES) / 2;
    if (env == 0) {
        CHECK("asid", aegis_info(AEGIS_INFO_ASID) == 1);
        CHECK("alloc-specific", avm_page_alloc(pfn) == (int)pfn);
        CHECK("map", avm_map(SHARED_VA, pfn, avm_cap(), AVM_PROT_RW) == 0);
        *x = 0xaaaa0000u;
        CHECK("own-value", *x == 0xaaaa0000u && nfaults == 0);
        printf("asid-test: env 0 page %u\n", (unsigned)pfn);
        aegis_yield();
        CHECK("value-kept", *x == 0xaaaa0000u && nfaults == 0);
        aegis_yield();
        CHECK("value-kept-again", *x == 0xaaaa0000u && nfaults == 0);
    } else {
        CHECK("freemap-shows-taken", !aegis_page_is_free(pfn));
        CHECK("asid", aegis_info(AEGIS_INFO_ASID) == 2);
        CHECK("other-page-busy", avm_page_alloc(pfn) == AEGIS_E_BUSY);
        CHECK("other-page-cap", aegis_tlb_write(SHARED_VA, (pfn << 12) | AEGIS_TLB_V,
                                                avm_cap()) == AEGIS_E_CAP);
        CHECK("other-stlb-cap", aegis_stlb_update(SHARED_VA, (pfn << 12) | AEGIS_TLB_V,
                                                  avm_cap()) == AEGIS_E_CAP);
        CHECK("stlb-probe-empty", aegis_stlb_probe(SHARED_VA) == 0);
        uint32_t v = *x; /* not mapped in this address space: fault, handler maps */
        CHECK("fault", nfaults == 1 && fault_addr == SHARED_VA);
        CHECK("fresh-page", v == 0);
        *x = 0xbbbb0001u;
        aegis_yield();
        CHECK("own-value", *x == 0xbbbb0001u && nfaults == 1);
    }
    printf("asid-test: env %d %s\n", env, failures ? "FAILED" : "done");
    return failures ? 1 : 0;
}
