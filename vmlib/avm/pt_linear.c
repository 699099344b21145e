/* AVM page table: the paper's prototype, a vector of entries sorted by virtual
 * page number and searched by binary search (pt.h). */
#include <string.h>
#include "pt.h"

#ifndef AVM_LINEAR_MAX
#define AVM_LINEAR_MAX 8192
#endif

static struct avm_pte pt[AVM_LINEAR_MAX];
static unsigned n;

static void lin_init(void) { n = 0; }

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

static struct avm_pte *lin_insert(uint32_t vpn)
{
    unsigned i = lower_bound(vpn);
    if (i < n && pt[i].vpn == vpn)
        return &pt[i];
    if (n == AVM_LINEAR_MAX)
        return 0;
    memmove(&pt[i + 1], &pt[i], (n - i) * sizeof pt[0]);
    n++;
    memset(&pt[i], 0, sizeof pt[i]);
    pt[i].vpn = vpn;
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

const struct avm_pt_ops avm_pt_linear = {"linear", lin_init,  lin_lookup, lin_insert,
                                         lin_remove, lin_next, lin_run};
