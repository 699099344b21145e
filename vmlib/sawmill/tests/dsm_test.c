/*
 * The mandatory dataspace operations (seed 001, section 3.2) at the anonymous-
 * memory manager: interrogate names them (and the main-memory manager's too),
 * identify gives a new id each time, close unmaps every page the client has
 * (one fpage_unmap for an 8-page dataspace) and refuses page-ins until the
 * dataspace is opened again, and the id and the data outlive the close.
 */
#include "sawmill_test.h"

#define PAGES 8u

int main(void)
{
    char *p = sm_test_setup(PAGES);
    *(volatile uint32_t *)p = 42;
    const struct sm_region *r = sm_rm_lookup(&sm_regions, (uint32_t)p);
    SM_CHECK(r != 0);
    if (!r)
        return 1;
    l4_msg_t reply;

    SM_CHECK(sm_dsm_call(sm_anon, SM_DS_INTERROGATE, 0, 0, 0, 0, &reply, 0) == SM_OK);
    SM_CHECK((reply.w[1] & SM_DS_MANDATORY_OPS) == SM_DS_MANDATORY_OPS);
    SM_CHECK(sm_dsm_call(sm_mm, SM_DS_INTERROGATE, 0, 0, 0, 0, &reply, 0) == SM_OK);
    SM_CHECK((reply.w[1] & SM_DS_MANDATORY_OPS) == SM_DS_MANDATORY_OPS);

    SM_CHECK(sm_dsm_call(sm_anon, SM_DS_IDENTIFY, 0, 1, 0, 0, &reply, 0) == SM_OK);
    SM_CHECK(reply.w[1] != r->ds);
    SM_CHECK(sm_dsm_call(sm_anon, SM_DS_OPEN, 77, 0, SM_RIGHT_R, 0, &reply, 0) == SM_ENOENT);

    uint32_t unmaps0, maps0, unmaps, maps;
    sm_anon_stats(&unmaps0, &maps0);
    SM_CHECK(sm_dsm_call(sm_anon, SM_DS_CLOSE, r->ds, 0, 0, 0, &reply, 0) == SM_OK);
    sm_anon_stats(&unmaps, &maps);
    SM_CHECK(unmaps == unmaps0 + 1);

    /* Closed: a page-in is refused, with no map. */
    int mapped = 1;
    SM_CHECK(sm_dsm_call(sm_anon, SM_DS_PAGEIN, r->ds, 0, SM_RIGHT_R, l4_fpage((uint32_t)p, L4_PAGESHIFT, 1, 0).raw,
                         &reply, &mapped) == SM_EACCES);
    SM_CHECK(mapped == 0);

    /* Opened again: the page faults in anew (close had unmapped it) with its data. */
    SM_CHECK(sm_dsm_call(sm_anon, SM_DS_OPEN, r->ds, 0, SM_RIGHT_R | SM_RIGHT_W, 0, &reply, 0) == SM_OK);
    uint32_t forwarded = sm_rm_stats.forwarded;
    SM_CHECK(*(volatile uint32_t *)p == 42);
    SM_CHECK(sm_rm_stats.forwarded == forwarded + 1);

    printf("dsm_test done\n");
    return (int)sm_test_failures;
}
