/*
 * Hash chains over an array of entries, shared by the hashed and the inverted
 * page tables (pt.h): a head per hash value holds the byte offset (in the array)
 * of the first entry of its chain, and each entry's link word the offset of the
 * next; AVM_PT_NIL ends a chain. The two structures differ in where an entry sits
 * in the array (hashed: from a pool in insertion order; inverted: at its frame),
 * not in how it is found. Byte offsets rather than indices or pointers: one add
 * per hop on the R3000 (no shift), and the same 32-bit word on a 64-bit host.
 *
 * The hash folds the VPN's next bits onto its low ones:
 *     h(vpn) = (vpn ^ (vpn >> s)) & (2^s - 1),   2^s heads.
 * Within an aligned block of 2^s pages the high part is one constant, so the pages
 * of a dense range of up to 2^s pages all get different heads (what vpn & mask
 * alone gives too); the fold separates ranges that start at the same offset of
 * different blocks (a heap and a stack both at 4 MB boundaries would otherwise
 * share every chain). Three instructions, no multiply: a multiplicative hash
 * (Knuth, TAOCP vol. 3, 6.4) would spend the R3000's 12-cycle MULT on every lookup.
 */
#ifndef AVM_PT_CHAIN_H
#define AVM_PT_CHAIN_H

#include "pt.h"

#define AVM_PT_NIL 0xffffffffu    /* end of a chain */
#define AVM_PT_NOPAGE 0xffffffffu /* vpn of an entry that holds no page */

struct avm_chains {
    unsigned char *base; /* the entry array */
    uint32_t *heads;     /* 1 << shift chain heads */
    uint32_t mask, shift;
};

static inline struct avm_pte *chain_entry(const struct avm_chains *c, uint32_t off)
{
    return (struct avm_pte *)(c->base + off);
}

static inline uint32_t chain_off(const struct avm_chains *c, const struct avm_pte *e)
{
    return (uint32_t)((const unsigned char *)e - c->base);
}

static inline uint32_t *chain_head(const struct avm_chains *c, uint32_t vpn)
{
    return &c->heads[(vpn ^ (vpn >> c->shift)) & c->mask];
}

/* Sets nheads (a power of two) heads at `heads`, every chain empty. */
static inline void chain_init(struct avm_chains *c, unsigned char *base, uint32_t *heads,
                              uint32_t nheads)
{
    c->base = base;
    c->heads = heads;
    c->mask = nheads - 1;
    for (c->shift = 0; (1u << c->shift) < nheads; c->shift++)
        ;
    for (uint32_t i = 0; i < nheads; i++)
        heads[i] = AVM_PT_NIL;
}

static inline struct avm_pte *chain_find(const struct avm_chains *c, uint32_t vpn)
{
    for (uint32_t off = *chain_head(c, vpn); off != AVM_PT_NIL;) {
        struct avm_pte *e = chain_entry(c, off);
        if (e->vpn == vpn)
            return e;
        off = e->link;
    }
    return 0;
}

/* The word that holds the offset of vpn's entry (a head or a link), or the
 * AVM_PT_NIL that ends its chain: what insert and remove relink. */
static inline uint32_t *chain_ref(const struct avm_chains *c, uint32_t vpn)
{
    uint32_t *ref = chain_head(c, vpn);
    while (*ref != AVM_PT_NIL && chain_entry(c, *ref)->vpn != vpn)
        ref = &chain_entry(c, *ref)->link;
    return ref;
}

/* Links entry e (vpn set) at the head of its chain. */
static inline void chain_push(const struct avm_chains *c, struct avm_pte *e)
{
    uint32_t *head = chain_head(c, e->vpn);
    e->link = *head;
    *head = chain_off(c, e);
}

/* The entry of page e->vpn + 1: e's neighbour in the array when the next page is
 * there (pages mapped in order usually are), else through its chain. `used` is
 * the number of array entries that may hold a page. */
static inline struct avm_pte *chain_next(const struct avm_chains *c, struct avm_pte *e,
                                         uint32_t used)
{
    uint32_t i = chain_off(c, e) / sizeof *e;
    if (i + 1 < used && e[1].vpn == e->vpn + 1)
        return e + 1;
    return chain_find(c, e->vpn + 1);
}

/* Whether e[0 .. n) hold pages vpn .. vpn + n - 1 (e[0] is known to hold vpn). */
static inline int avm_pt_is_run(const struct avm_pte *e, uint32_t vpn, unsigned n)
{
    for (unsigned i = 1; i < n; i++)
        if (e[i].vpn != vpn + i)
            return 0;
    return 1;
}

/* Pages vpn .. vpn + n - 1 as neighbours in the array, or 0. */
static inline struct avm_pte *chain_run(const struct avm_chains *c, uint32_t vpn, unsigned n,
                                        uint32_t used)
{
    struct avm_pte *e = n ? chain_find(c, vpn) : 0;
    return e && chain_off(c, e) / sizeof *e + n <= used && avm_pt_is_run(e, vpn, n) ? e : 0;
}

#endif /* AVM_PT_CHAIN_H */
