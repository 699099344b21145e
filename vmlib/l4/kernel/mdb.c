/*
 * Mapping database and the map / grant / unmap operations on flexpages.
 *
 * Every user mapping of a frame is a node in that frame's tree: the root is sigma0's mapping
 * (created by the kernel when sigma0 touches the page, sheet section 4), and a node's children
 * are the mappings made from it. A node is found from (space, va) through the space's shadow
 * page, parallel to the page table. As in Hazelnut [S4], fpages are handled page by page
 * (mdb work and INVLPG per 4 KB page), so an fpage of 2^s bytes costs O(pages), not O(1).
 *
 * Semantics (X.0 manual, sheet section 4; SawMill [S1]):
 *  - map: the receiver gets the page with rights = mapper's rights AND the fpage's w bit; an
 *    existing mapping of the same page derived from the mapper gets its rights extended (so a
 *    pager can lift a protection by mapping again); any other mapping at the destination is
 *    unmapped first; mapping a page the mapper does not have unmaps it in the mappee.
 *  - grant: like map, but the mapper's node moves to the receiver, with its subtree.
 *  - fpage_unmap: w = 1 removes, w = 0 takes the write right away, recursively in every space
 *    that got the page directly or indirectly; f = 1 includes the caller's own mapping.
 *  TLB consistency: P5 has no global pages and every CR3 load flushes the TLB, so only a PTE of
 *  the space in CR3 can be cached; it is invalidated with INVLPG.
 */
#include "kernel.h"

static struct mdb_node *node_free_list;

static struct mdb_node *node_alloc(void)
{
    if (node_free_list == 0) {
        struct mdb_node *page = frame_alloc();
        if (page == 0) return 0;
        for (unsigned i = 0; i < PAGE_SIZE / sizeof(struct mdb_node); i++) {
            page[i].next = node_free_list;
            node_free_list = &page[i];
        }
    }
    struct mdb_node *n = node_free_list;
    node_free_list = n->next;
    memset(n, 0, sizeof *n);
    return n;
}

static void node_free(struct mdb_node *n)
{
    n->next = node_free_list;
    node_free_list = n;
}

static void link_child(struct mdb_node *parent, struct mdb_node *n)
{
    n->parent = parent;
    n->prev = 0;
    n->next = parent != 0 ? parent->child : 0;
    if (n->next != 0) n->next->prev = n;
    if (parent != 0) parent->child = n;
}

static void unlink_node(struct mdb_node *n)
{
    if (n->prev != 0) n->prev->next = n->next;
    else if (n->parent != 0) n->parent->child = n->next;
    if (n->next != 0) n->next->prev = n->prev;
    n->parent = n->next = n->prev = 0;
}

static uint32_t *node_pte(struct mdb_node *n) { return space_pte(n->space, n->va, 0); }

static void tlb_flush_page(struct space *s, uint32_t va)
{
    if (s->pdir_phys == cur_cr3()) invlpg(va);
}

/* Remove one mapping (a leaf): PTE cleared, TLB entry invalidated, node freed. */
static void remove_mapping(struct mdb_node *n)
{
    uint32_t *pte = node_pte(n);
    *pte = 0;
    *space_slot(n->space, n->va) = 0;
    tlb_flush_page(n->space, n->va);
    unlink_node(n);
    node_free(n);
}

/* Remove every mapping derived from n (children first, iteratively: a deep chain of mappings
 * must not overflow the 4 KB kernel stack), and n itself if include_self. */
static void remove_subtree(struct mdb_node *n, int include_self)
{
    while (n->child != 0) {
        struct mdb_node *m = n->child;
        while (m->child != 0) m = m->child;
        remove_mapping(m);
    }
    if (include_self) remove_mapping(n);
}

static void downgrade(struct mdb_node *n)
{
    uint32_t *pte = node_pte(n);
    if ((*pte & PTE_W) != 0) {
        *pte &= ~PTE_W;
        tlb_flush_page(n->space, n->va);
    }
}

/* Take the write right from every mapping derived from n (pre-order walk) and from n itself if
 * include_self. */
static void downgrade_subtree(struct mdb_node *n, int include_self)
{
    if (include_self) downgrade(n);
    struct mdb_node *m = n->child;
    while (m != 0) {
        downgrade(m);
        if (m->child != 0) {
            m = m->child;
            continue;
        }
        while (m != 0 && m->next == 0) {
            m = m->parent;
            if (m == n) m = 0;
        }
        if (m != 0) m = m->next;
    }
}

static int is_ancestor_or_self(struct mdb_node *a, struct mdb_node *n)
{
    for (; n != 0; n = n->parent)
        if (n == a) return 1;
    return 0;
}

/* sigma0's mapping of a frame: the root of the frame's tree. */
int mdb_map_root(struct space *s, uint32_t va, uint32_t pa)
{
    uint32_t *pte = space_pte(s, va, 1);
    struct mdb_node *n = node_alloc();
    if (pte == 0 || n == 0) return 0;
    n->space = s;
    n->va = va;
    *pte = (pa & PTE_FRAME) | PTE_P | PTE_W | PTE_U;
    *space_slot(s, va) = n;
    return 1;
}

/* Map or grant the page at sva of from to dva of to. Returns 0 when out of kernel memory. */
static int map_page(struct space *from, uint32_t sva, struct space *to, uint32_t dva, int write, int grant)
{
    uint32_t *spte = space_pte(from, sva, 0);
    uint32_t *dpte = space_pte(to, dva, 0);
    struct mdb_node *dnode = (dpte != 0 && (*dpte & PTE_P) != 0) ? *space_slot(to, dva) : 0;
    if (spte == 0 || (*spte & PTE_P) == 0) {
        /* The mapper has no such page: the mappee loses whatever it had there [S1]. */
        if (dnode != 0) remove_subtree(dnode, 1);
        return 1;
    }
    struct mdb_node *snode = *space_slot(from, sva);
    if (from == to && sva == dva) return 1;
    uint32_t rights = (write && (*spte & PTE_W) != 0) ? PTE_W : 0;
    if (dnode != 0) {
        if (dnode->parent == snode && !grant) {
            /* Same page, derived from this mapper: extend the rights (never beyond the mapper's). */
            if (rights != 0 && (*dpte & PTE_W) == 0) {
                *dpte |= PTE_W;
                tlb_flush_page(to, dva);
            }
            return 1;
        }
        if (is_ancestor_or_self(dnode, snode)) return 1; /* would remove the source itself */
        remove_subtree(dnode, 1);
    }
    uint32_t frame = *spte & PTE_FRAME;
    dpte = space_pte(to, dva, 1);
    if (dpte == 0) return 0;
    if (grant) {
        /* The mapper's node (and the subtree below it) moves to the receiver. */
        *spte = 0;
        *space_slot(from, sva) = 0;
        tlb_flush_page(from, sva);
        snode->space = to;
        snode->va = dva;
        *dpte = frame | PTE_P | PTE_U | rights;
        *space_slot(to, dva) = snode;
        if (rights == 0) downgrade_subtree(snode, 0); /* rights never grow down the tree */
        return 1;
    }
    struct mdb_node *n = node_alloc();
    if (n == 0) return 0;
    n->space = to;
    n->va = dva;
    link_child(snode, n);
    *dpte = frame | PTE_P | PTE_U | rights;
    *space_slot(to, dva) = n;
    return 1;
}

static uint32_t size_mask(unsigned log2) { return log2 >= 32 ? 0xFFFFFFFFu : (1u << log2) - 1u; }

/*
 * The map item (snd_base, fp) of a message from `from` into the receive window of `to`.
 * X.0 rule: if the fpage is not larger than the window, it lands at window base +
 * (snd_base mod window size) rounded down to the fpage size; if it is larger, only the
 * window-sized part of the fpage that contains snd_base (mod fpage size) is mapped, at the
 * window base. Returns 0 if the window refuses mappings (size < one page).
 */
int map_fpage(struct space *from, l4_word_t snd_base, l4_fpage_t fp, struct space *to, l4_word_t rcv_window)
{
    unsigned s = l4_fpage_log2(fp), ws = (rcv_window >> 2) & 0x3Fu;
    if (ws < L4_PAGESHIFT) return 0;
    if (s < L4_PAGESHIFT) return 1; /* a nil fpage maps nothing */
    if (s > 32) s = 32;
    if (ws > 32) ws = 32;
    uint32_t src, dst, size;
    if (s <= ws) {
        src = l4_fpage_base(fp) & ~size_mask(s);
        dst = (rcv_window & ~0xFFFu & ~size_mask(ws)) + (snd_base & size_mask(ws) & ~size_mask(s));
        size = s;
    } else {
        src = (l4_fpage_base(fp) & ~size_mask(s)) + (snd_base & size_mask(s) & ~size_mask(ws));
        dst = rcv_window & ~0xFFFu & ~size_mask(ws);
        size = ws;
    }
    int write = (fp.raw & L4_FPAGE_RW) != 0, grant = (fp.raw & L4_FPAGE_GRANT) != 0;
    uint32_t last = src + size_mask(size); /* inclusive, so that 2^32 does not overflow */
    for (uint32_t off = 0;; off += PAGE_SIZE) {
        uint32_t sva = src + off, dva = dst + off;
        if (sva >= L4_USER_END || dva >= L4_USER_END) break;
        /* Skip 4 MB stretches in which neither side has a page table. */
        if ((from->pdir[sva >> 22] & PTE_P) == 0 && (to->pdir[dva >> 22] & PTE_P) == 0) {
            uint32_t skip = 0x400000u - (sva & 0x3FFFFFu);
            uint32_t dskip = 0x400000u - (dva & 0x3FFFFFu);
            if (dskip < skip) skip = dskip;
            if (sva + skip - 1 >= last || sva + skip < sva) break;
            off += skip - PAGE_SIZE;
            continue;
        }
        if (!map_page(from, sva, to, dva, write, grant)) return 0;
        if (sva + PAGE_SIZE - 1 >= last) break;
    }
    return 1;
}

/* fpage_unmap (INT 0x32) for space s. */
void fpage_unmap(struct space *s, l4_fpage_t fp, l4_word_t mapmask)
{
    unsigned size = l4_fpage_log2(fp);
    if (size < L4_PAGESHIFT) return;
    if (size > 32) size = 32;
    uint32_t base = l4_fpage_base(fp) & ~size_mask(size), last = base + size_mask(size);
    int remove = (mapmask & L4_FP_FLUSH_PAGE) != 0, self = (mapmask & L4_FP_ALL_SPACES) != 0;
    for (uint32_t va = base; va < L4_USER_END;) {
        if ((s->pdir[va >> 22] & PTE_P) == 0) {
            uint32_t next = (va & ~0x3FFFFFu) + 0x400000u;
            if (next == 0 || next - 1 >= last) break;
            va = next;
            continue;
        }
        struct mdb_node *n = *space_slot(s, va);
        if (n != 0) {
            if (remove) remove_subtree(n, self);
            else downgrade_subtree(n, self);
        }
        if (va + PAGE_SIZE - 1 >= last) break;
        va += PAGE_SIZE;
    }
}

/* Remove every mapping of s and everything derived from it (task deletion). */
void space_flush_all(struct space *s)
{
    fpage_unmap(s, l4_fpage(0, 32, 1, 0), L4_FP_FLUSH_PAGE | L4_FP_ALL_SPACES);
}
