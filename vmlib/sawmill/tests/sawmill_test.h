/* Checks for the SawMill guest tests: each prints one line per check and
 * `<test> done` at the end, and exits with the number of failed checks. */
#ifndef SAWMILL_TEST_H
#define SAWMILL_TEST_H

#include <stdio.h>

#include "app.h"

static unsigned sm_test_failures;

#define SM_CHECK(cond)                                                                                       \
    do {                                                                                                     \
        if (!(cond)) {                                                                                       \
            printf("check failed: %s (line %d)\n", #cond, __LINE__);                                        \
            sm_test_failures++;                                                                              \
        }                                                                                                    \
    } while (0)

/* The anonymous-memory manager's counters: fpage_unmap calls and map messages. */
static inline void sm_anon_stats(uint32_t *unmaps, uint32_t *maps)
{
    l4_msg_t reply;
    sm_dsm_call(sm_anon, SM_DS_STATS, 0, 0, 0, 0, &reply, 0);
    *unmaps = reply.w[1];
    *maps = reply.w[2];
}

/* vm_init and n fresh pages; a test without them ends at once. */
static inline char *sm_test_setup(unsigned n)
{
    vm_init();
    char *p = vm_alloc_pages(n);
    if (!p)
        sm_fatal("test: vm_alloc_pages failed for pages:", n);
    return p;
}

#endif /* SAWMILL_TEST_H */
