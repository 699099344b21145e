/* AVM page table: a chained hash table (pt.h, pt_chain.h). The boot parameter
 * avm.hashed_buckets sets the number of chains (a power of two, default 1024:
 * README.md says why); entries come from a pool in the rest of the arena, taken in
 * insertion order and reused through a free list. Pages mapped together, as
 * avm_alloc maps them, are neighbours in the pool, so next and run find a range
 * without hashing again; after removes and reinserts they may not be, and
 * avm_protect goes page by page. */
#include <vmsim/bootparams.h>
#include "pt_chain.h"

static struct avm_chains ch;
static struct avm_pte *pool;
static uint32_t pool_max; /* entries the arena holds beside the heads */
static uint32_t pool_top; /* entries ever taken: pool[0 .. pool_top) */
static uint32_t free_list;
static uint32_t n;

static int hashed_init(const struct avm_pt_params *params)
{
    uint32_t buckets = params->hashed_buckets ? params->hashed_buckets : VMSIM_AVM_HASHED_DEFAULT_BUCKETS;
    if (buckets > VMSIM_AVM_HASHED_MAX_BUCKETS || (buckets & (buckets - 1)))
        return -1;
    uint32_t head_bytes = buckets * sizeof(uint32_t);
    pool = (struct avm_pte *)avm_pt_arena;
    pool_max = (AVM_PT_ARENA_BYTES - head_bytes) / sizeof *pool;
    chain_init(&ch, avm_pt_arena, (uint32_t *)(avm_pt_arena + AVM_PT_ARENA_BYTES - head_bytes), buckets);
    pool_top = 0;
    free_list = AVM_PT_NIL;
    n = 0;
    return 0;
}

static struct avm_pte *hashed_lookup(uint32_t vpn) { return chain_find(&ch, vpn); }

static struct avm_pte *hashed_insert(uint32_t vpn, uint32_t lo)
{
    struct avm_pte *e = chain_find(&ch, vpn);
    if (!e) {
        if (vpn >= AVM_PT_VPNS)
            return 0;
        if (free_list != AVM_PT_NIL) {
            e = chain_entry(&ch, free_list);
            free_list = e->link;
        } else if (pool_top < pool_max) {
            e = &pool[pool_top++];
        } else {
            return 0;
        }
        e->vpn = vpn;
        e->cap = 0;
        chain_push(&ch, e);
        n++;
    }
    e->lo = lo;
    return e;
}

static int hashed_remove(uint32_t vpn)
{
    uint32_t *ref = chain_ref(&ch, vpn);
    if (*ref == AVM_PT_NIL)
        return -1;
    uint32_t off = *ref;
    struct avm_pte *e = chain_entry(&ch, off);
    *ref = e->link;
    e->vpn = AVM_PT_NOPAGE;
    e->link = free_list;
    free_list = off;
    n--;
    return 0;
}

static struct avm_pte *hashed_next(struct avm_pte *e) { return chain_next(&ch, e, pool_top); }

static struct avm_pte *hashed_run(uint32_t vpn, unsigned count)
{
    return chain_run(&ch, vpn, count, pool_top);
}

static uint32_t hashed_bytes(void) { return (ch.mask + 1) * sizeof(uint32_t) + n * sizeof *pool; }

const struct avm_pt_ops avm_pt_hashed = {"hashed",      hashed_init, hashed_lookup, hashed_insert,
                                         hashed_remove, hashed_next, hashed_run,    hashed_bytes};
