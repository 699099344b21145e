/* AVM page table: an inverted page table (pt.h, pt_chain.h), as in the IBM 801 and
 * ROMP (RT PC) MMUs: one entry per physical frame, the entry of the page mapped in
 * frame f at index f, and a hash anchor table indexed by a hash of the VPN whose
 * chains run through those frame-indexed entries (Chang & Mergen, "801 storage:
 * architecture and programming", ACM TOCS 6(1), 1988). Its size follows physical
 * memory, not the address space or the number of pages mapped; a lookup by frame
 * (which page is in frame f, what a pageout daemon asks) is one index.
 *
 * The frame comes with the insert (pt.h: lo's PFN), so a new page goes straight
 * into its frame's entry; a page mapped again to another frame moves there. The
 * hardware's tables hold one page per frame; AVM may map a frame at two pages (an
 * alias), or be handed a frame beyond `frames`: such a page goes to a small
 * overflow after the frame entries (AVM_PT_INVERTED_OVERFLOW entries, chained like
 * the others), and insert returns 0 when that is full. A page moved to a frame
 * whose entry is taken stays where it was (correct, since lookups go by chain, but
 * the frame lookup does not report it).
 *
 * Sizes: the anchor table has the largest power of two <= frames heads (the 801
 * paired each frame with one anchor; a power of two keeps the hash a mask), so
 * with every frame mapped a chain holds 1 to 2 pages on average. frames come from
 * the kernel (AEGIS_INFO_NPAGES); 0 means the simulator's default RAM (24 MB,
 * 6144 frames). The arena holds up to 7104 frames (27.75 MB); init refuses more. */
#include <vmsim/memmap.h>
#include "pt_chain.h"

#define AVM_PT_INVERTED_OVERFLOW 64u

static struct avm_chains ch;
static struct avm_pte *slots; /* frames + overflow entries */
static uint32_t frames, nslots;
static uint32_t overflow_free; /* free overflow entries, chained by link */
static uint32_t nanchors;

static int inverted_init(const struct avm_pt_params *params)
{
    uint32_t f = params->frames ? params->frames : VMSIM_RAM_DEFAULT_SIZE >> AVM_PT_PAGE_SHIFT;
    uint32_t a = 1;
    while (a * 2 <= f)
        a *= 2;
    if ((uint64_t)(f + AVM_PT_INVERTED_OVERFLOW) * sizeof *slots + a * sizeof(uint32_t) >
        AVM_PT_ARENA_BYTES)
        return -1;
    frames = f;
    nslots = f + AVM_PT_INVERTED_OVERFLOW;
    nanchors = a;
    slots = (struct avm_pte *)avm_pt_arena;
    chain_init(&ch, avm_pt_arena, (uint32_t *)(slots + nslots), a);
    for (uint32_t i = 0; i < nslots; i++)
        slots[i].vpn = AVM_PT_NOPAGE;
    overflow_free = AVM_PT_NIL;
    for (uint32_t i = nslots; i-- > frames;) {
        slots[i].link = overflow_free;
        overflow_free = chain_off(&ch, &slots[i]);
    }
    return 0;
}

static struct avm_pte *inverted_lookup(uint32_t vpn) { return chain_find(&ch, vpn); }

/* Frame pfn's entry when it is free, else 0. */
static struct avm_pte *free_frame_slot(uint32_t pfn)
{
    return pfn < frames && slots[pfn].vpn == AVM_PT_NOPAGE ? &slots[pfn] : 0;
}

static struct avm_pte *overflow_take(void)
{
    if (overflow_free == AVM_PT_NIL)
        return 0;
    struct avm_pte *e = chain_entry(&ch, overflow_free);
    overflow_free = e->link;
    return e;
}

static void release(struct avm_pte *e)
{
    e->vpn = AVM_PT_NOPAGE;
    if (e >= slots + frames) {
        e->link = overflow_free;
        overflow_free = chain_off(&ch, e);
    }
}

static struct avm_pte *inverted_insert(uint32_t vpn, uint32_t lo)
{
    if (vpn >= AVM_PT_VPNS)
        return 0;
    uint32_t pfn = lo >> AVM_PT_PAGE_SHIFT;
    uint32_t *ref = chain_ref(&ch, vpn);
    if (*ref != AVM_PT_NIL) { /* mapped: to its new frame's entry, if that is free */
        struct avm_pte *e = chain_entry(&ch, *ref), *to = free_frame_slot(pfn);
        if (to) {
            *to = *e; /* vpn, cap and the chain link */
            *ref = chain_off(&ch, to);
            release(e);
            e = to;
        }
        e->lo = lo;
        return e;
    }
    struct avm_pte *e = free_frame_slot(pfn);
    if (!e && !(e = overflow_take()))
        return 0;
    e->vpn = vpn;
    e->lo = lo;
    e->cap = 0;
    chain_push(&ch, e);
    return e;
}

static int inverted_remove(uint32_t vpn)
{
    uint32_t *ref = chain_ref(&ch, vpn);
    if (*ref == AVM_PT_NIL)
        return -1;
    struct avm_pte *e = chain_entry(&ch, *ref);
    *ref = e->link;
    release(e);
    return 0;
}

/* Pages mapped to consecutive frames are neighbours (avm_alloc takes the kernel's
 * free frames in order). */
static struct avm_pte *inverted_next(struct avm_pte *e) { return chain_next(&ch, e, nslots); }

static struct avm_pte *inverted_run(uint32_t vpn, unsigned count)
{
    return chain_run(&ch, vpn, count, nslots);
}

/* Fixed by the frames, whatever is mapped. */
static uint32_t inverted_bytes(void) { return nslots * sizeof *slots + nanchors * sizeof(uint32_t); }

struct avm_pte *avm_pt_inverted_frame(uint32_t pfn)
{
    struct avm_pte *e = pfn < frames ? &slots[pfn] : 0;
    return e && e->vpn != AVM_PT_NOPAGE && e->lo >> AVM_PT_PAGE_SHIFT == pfn ? e : 0;
}

const struct avm_pt_ops avm_pt_inverted = {"inverted",      inverted_init, inverted_lookup,
                                           inverted_insert, inverted_remove, inverted_next,
                                           inverted_run,    inverted_bytes};
