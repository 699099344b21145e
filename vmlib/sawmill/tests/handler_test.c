/*
 * A fault on a protected page reaches the program's handler: the region mapper
 * sends it to the handler thread (an IPC upcall) with the faulting address and
 * access, the handler unprotects the page, and the access completes with the
 * page's data (or zeros, for a page never touched before).
 */
#include "sawmill_test.h"

static char *pages;
static volatile unsigned calls;
static volatile uint32_t last_addr;
static volatile int last_write;

static void handler(void *addr, int is_write)
{
    calls++;
    last_addr = (uint32_t)addr;
    last_write = is_write;
    vm_unprotect((void *)((uint32_t)addr & ~(VM_PAGE_SIZE - 1)), 1);
}

int main(void)
{
    pages = sm_test_setup(4);
    *(volatile uint32_t *)pages = 11;
    vm_set_fault_handler(handler);

    /* A read of a protected page. */
    SM_CHECK(vm_protect(pages, 1) == 0);
    uint32_t upcalls = sm_rm_stats.upcalls;
    uint32_t v = *(volatile uint32_t *)(pages + 4);
    SM_CHECK(calls == 1);
    SM_CHECK(last_addr == (uint32_t)pages + 4);
    SM_CHECK(last_write == 0);
    SM_CHECK(v == 0);
    SM_CHECK(*(volatile uint32_t *)pages == 11);
    SM_CHECK(sm_rm_stats.upcalls == upcalls + 1);

    /* A write to a protected page that was never touched. */
    SM_CHECK(vm_protect(pages + 2 * VM_PAGE_SIZE, 1) == 0);
    *(volatile uint32_t *)(pages + 2 * VM_PAGE_SIZE + 8) = 5;
    SM_CHECK(calls == 2);
    SM_CHECK(last_addr == (uint32_t)pages + 2 * VM_PAGE_SIZE + 8);
    SM_CHECK(last_write == 1);
    SM_CHECK(*(volatile uint32_t *)(pages + 2 * VM_PAGE_SIZE + 8) == 5);

    /* Unprotected again: no more calls. */
    v = *(volatile uint32_t *)pages;
    SM_CHECK(calls == 2 && v == 11);

    printf("handler_test calls=%u\n", calls);
    printf("handler_test done\n");
    return (int)sm_test_failures;
}
