/* AVM page table: two levels indexed by bits of the VPN (pt.h).
 *
 *   VPN bits 18..8  -> root[2048]: the leaf of that 1 MB of address space, or 0
 *   VPN bits  7..0  -> leaf[256]:  the entry (vpn == NOPAGE when not mapped)
 *
 * A leaf is 4 KB, one page of the arena (page aligned), allocated when a page of
 * its megabyte is first mapped and given back when its last page is removed; the
 * root covers kuseg (AVM_PT_VPNS pages). A range of pages inside one leaf is one
 * array, so run and next need no second lookup.
 *
 * Why 1 MB per leaf and not the 4 MB of a MIPS Context page table: the R3000's
 * Context register is PTEBase (bits 31..21) | BadVPN (bits 20..2, VA bits 30..12),
 * the address of a 4-byte PTE in a virtually linear table, so a 4 KB page of that
 * table holds 1024 PTEs and maps 4 MB (Ultrix's refill is mfc0 Context; lw). An AVM
 * entry is 16 bytes (the EntryLo, the capability the kernel checks on every TLB
 * write, and the VPN), so 4 KB holds 256 of them. A Context-style refill indexes
 * this layout from the same register:
 *     root index  = VPN >> 8        = (Context >> 10) & 0x7ff
 *     leaf offset = (VPN & 0xff)*16 = (Context & 0x3fc) << 2
 * i.e. mfc0; srl; andi; lw (the leaf); andi; sll; addu; lw (EntryLo): with the
 * leaves mapped back to back in a virtual window instead of a root, the entry is
 * window + ((Context & 0x1ffffc) << 2), one shift more than Ultrix's.
 *
 * Limits: the arena holds the root (8 KB in the guest) and 30 leaves, so pages in at
 * most 30 distinct megabytes; an insert that needs a 31st leaf returns 0. A leaf
 * counts its pages in its first entry's link word (the structure's own word, which
 * hier2 needs for nothing else): 0 = the leaf is free. */
#include "pt_chain.h" /* AVM_PT_NOPAGE, avm_pt_is_run */

#define LEAF_SHIFT 8u
#define LEAF_ENTRIES (1u << LEAF_SHIFT)
#define ROOT_ENTRIES (AVM_PT_VPNS >> LEAF_SHIFT)
#define LEAF_BYTES (LEAF_ENTRIES * sizeof(struct avm_pte))

static struct avm_pte *leaves; /* nleaves leaves at the start of the arena */
static struct avm_pte **root;
static unsigned nleaves, leaves_in_use;

/* The page count of the leaf holding e. */
static uint32_t *leaf_count(struct avm_pte *e)
{
    return &leaves[(uint32_t)(e - leaves) & ~(LEAF_ENTRIES - 1)].link;
}

_Static_assert(LEAF_BYTES == 4096, "a leaf is one 4 KB page");

static int hier2_init(const struct avm_pt_params *params)
{
    (void)params;
    /* The root first, then the leaves from the first page boundary after it. */
    uintptr_t first = ((uintptr_t)avm_pt_arena + ROOT_ENTRIES * sizeof *root + LEAF_BYTES - 1) &
                      ~(uintptr_t)(LEAF_BYTES - 1);
    root = (struct avm_pte **)avm_pt_arena;
    leaves = (struct avm_pte *)first;
    nleaves = (unsigned)(((uintptr_t)avm_pt_arena + AVM_PT_ARENA_BYTES - first) / LEAF_BYTES);
    for (unsigned i = 0; i < ROOT_ENTRIES; i++)
        root[i] = 0;
    for (unsigned i = 0; i < nleaves; i++)
        leaves[i << LEAF_SHIFT].link = 0;
    leaves_in_use = 0;
    return 0;
}

static struct avm_pte *hier2_lookup(uint32_t vpn)
{
    if (vpn >= AVM_PT_VPNS)
        return 0;
    struct avm_pte *leaf = root[vpn >> LEAF_SHIFT];
    if (!leaf)
        return 0;
    struct avm_pte *e = &leaf[vpn & (LEAF_ENTRIES - 1)];
    return e->vpn == vpn ? e : 0;
}

static struct avm_pte *hier2_insert(uint32_t vpn, uint32_t lo)
{
    if (vpn >= AVM_PT_VPNS)
        return 0;
    struct avm_pte **r = &root[vpn >> LEAF_SHIFT];
    if (!*r) {
        unsigned i = 0;
        while (i < nleaves && leaves[i << LEAF_SHIFT].link)
            i++;
        if (i == nleaves)
            return 0;
        struct avm_pte *leaf = &leaves[i << LEAF_SHIFT];
        for (unsigned k = 0; k < LEAF_ENTRIES; k++)
            leaf[k].vpn = AVM_PT_NOPAGE;
        *r = leaf;
        leaves_in_use++;
    }
    struct avm_pte *e = &(*r)[vpn & (LEAF_ENTRIES - 1)];
    if (e->vpn != vpn) {
        e->vpn = vpn;
        e->cap = 0;
        ++*leaf_count(e);
    }
    e->lo = lo;
    return e;
}

static int hier2_remove(uint32_t vpn)
{
    struct avm_pte *e = hier2_lookup(vpn);
    if (!e)
        return -1;
    e->vpn = AVM_PT_NOPAGE;
    if (--*leaf_count(e) == 0) {
        root[vpn >> LEAF_SHIFT] = 0;
        leaves_in_use--;
    }
    return 0;
}

/* The next entry of the same leaf, or the first of the next leaf. */
static struct avm_pte *hier2_next(struct avm_pte *e)
{
    if (((e->vpn + 1) & (LEAF_ENTRIES - 1)) == 0)
        return hier2_lookup(e->vpn + 1);
    return e[1].vpn == e->vpn + 1 ? e + 1 : 0;
}

/* Inside one leaf a range is one array. */
static struct avm_pte *hier2_run(uint32_t vpn, unsigned n)
{
    struct avm_pte *e = hier2_lookup(vpn);
    return e && n && (vpn & (LEAF_ENTRIES - 1)) + n <= LEAF_ENTRIES && avm_pt_is_run(e, vpn, n) ? e : 0;
}

static uint32_t hier2_bytes(void) { return ROOT_ENTRIES * sizeof *root + leaves_in_use * LEAF_BYTES; }

const struct avm_pt_ops avm_pt_hier2 = {"hier2",      hier2_init, hier2_lookup, hier2_insert,
                                        hier2_remove, hier2_next, hier2_run,    hier2_bytes};
