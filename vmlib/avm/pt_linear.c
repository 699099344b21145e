/* AVM page table: the paper's prototype, a vector of entries sorted by virtual
 * page number and searched by binary search (pt.h). The vector is the whole arena:
 * 8192 entries. */
#include <string.h>
#include "pt.h"

#define AVM_LINEAR_MAX (AVM_PT_ARENA_BYTES / sizeof(struct avm_pte))
#define pt ((struct avm_pte *)avm_pt_arena)
static unsigned n;

static int lin_init(const struct avm_pt_params *params)
{
    (void)params;
    n = 0;
    return 0;
}

/* First index whose vpn >= vpn. */
static unsigned lower_bound(uint32_t vpn)
{
    unsigned lo = 0, hi = n;
    while (lo < hi) {
        unsigned mid = (lo + hi) >> 1;
        if (pt[mid].vpn < vpn)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static struct avm_pte *lin_lookup(uint32_t vpn)
{
    unsigned i = lower_bound(vpn);
    return i < n && pt[i].vpn == vpn ? &pt[i] : 0;
}

static struct avm_pte *lin_insert(uint32_t vpn, uint32_t lo)
{
    unsigned i = lower_bound(vpn);
    if (i < n && pt[i].vpn == vpn) {
        pt[i].lo = lo;
        return &pt[i];
    }
    if (n == AVM_LINEAR_MAX || vpn >= AVM_PT_VPNS)
        return 0;
    memmove(&pt[i + 1], &pt[i], (n - i) * sizeof pt[0]);
    n++;
    memset(&pt[i], 0, sizeof pt[i]);
    pt[i].vpn = vpn;
    pt[i].lo = lo;
    return &pt[i];
}

static int lin_remove(uint32_t vpn)
{
    unsigned i = lower_bound(vpn);
    if (i >= n || pt[i].vpn != vpn)
        return -1;
    memmove(&pt[i], &pt[i + 1], (n - i - 1) * sizeof pt[0]);
    n--;
    return 0;
}

/* Consecutive pages are neighbours in the sorted vector. */
static struct avm_pte *lin_next(struct avm_pte *e)
{
    return e + 1 < pt + n && e[1].vpn == e->vpn + 1 ? e + 1 : 0;
}

/* Pages vpn .. vpn + n - 1 all mapped: n neighbours (vpns are unique and sorted). */
static struct avm_pte *lin_run(uint32_t vpn, unsigned count)
{
    unsigned i = lower_bound(vpn);
    return count && i + count <= n && pt[i].vpn == vpn && pt[i + count - 1].vpn == vpn + count - 1
               ? &pt[i]
               : 0;
}

/* A vector grown to fit would hold the entries and nothing else. */
static uint32_t lin_bytes(void) { return n * sizeof pt[0]; }

const struct avm_pt_ops avm_pt_linear = {"linear",   lin_init, lin_lookup, lin_insert,
                                         lin_remove, lin_next, lin_run,    lin_bytes};
