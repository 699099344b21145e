/* aegis kernel, the STLB and the TLB: the STLB slot of a page, TLB installs and
 * invalidation, the guaranteed mappings of segment 1 (refilled here on an STLB
 * miss, entry.S), user buffers the kernel reads through the env's mappings, and
 * revoking every translation of a physical page.
 * Part of the kernel's compilation unit (kernel.c includes it; the state is there). */

/* ---- STLB and TLB maintenance ---------------------------------------------------
 * The organisation is the boot parameter stlb_org (vmsim/bootparams.h). Entries
 * are two words, {tag = EntryHi (VPN | ASID), EntryLo}; STLB_EMPTY tags a free one.
 *   direct  entry VPN mod stlb_entries, as the paper's Aegis.
 *   2way    set VPN mod (stlb_entries / 2): way 0 and way 1 side by side (16
 *           bytes). The refill handler probes way 0, then way 1, and never
 *           writes (entry.S). Replacement: an entry written for a new tag goes
 *           into way 0 and the way-0 entry moves to way 1, dropping what way 1
 *           held: the set's two most recently written tags, newest first (LRU
 *           over writes; a refill does not reorder, which would cost the hit
 *           path stores). A rewritten tag is rewritten where it is in way 0, or
 *           moved up from way 1, so no tag is ever in both ways. Removing way 0
 *           moves way 1 up: a set's way 0 is empty only when its way 1 is.
 *   none    no array (stlb_entries = 0): lookups miss, writes do nothing.
 * Direct keeps the paper kernel's code (and entry.S's range loops); the other
 * organisations go through the out-of-line functions below. The direct paths test
 * stlb_direct (stlb, or 0 for the others), the base they load anyway: the choice
 * costs them a branch, not a load (AVM Figure 1's protection calls go through them). */
static inline uint32_t *stlb_slot(uint32_t va) /* direct */
{
    return stlb_direct + 2 * ((va >> AEGIS_PAGE_SHIFT) & (stlb_entries - 1));
}

static inline uint32_t *stlb_set(uint32_t va) /* 2way: way 0; way 1 is 2 words on */
{
    return stlb + 4 * ((va >> AEGIS_PAGE_SHIFT) & (stlb_entries / 2 - 1));
}

static __attribute__((noinline)) uint32_t *stlb_find_other(uint32_t hi)
{
    if (stlb_org == VMSIM_STLB_ORG_NONE)
        return 0;
    uint32_t *s = stlb_set(hi);
    return s[0] == hi ? s : s[2] == hi ? s + 2 : 0;
}

/* The entry tagged hi, 0 if none. */
static inline uint32_t *stlb_find(uint32_t hi)
{
    if (!stlb_direct)
        return stlb_find_other(hi);
    uint32_t *s = stlb_slot(hi);
    return s[0] == hi ? s : 0;
}

static __attribute__((noinline)) void stlb_insert_other(uint32_t hi, uint32_t lo)
{
    if (stlb_org == VMSIM_STLB_ORG_NONE)
        return;
    uint32_t *s = stlb_set(hi);
    if (s[0] != hi) { /* way 0 moves to way 1, over what was there (hi itself, if it was) */
        s[3] = s[1];
        s[2] = s[0];
    }
    s[1] = lo;
    s[0] = hi;
}

/* (The UTLB handler cannot run between the stores: the kernel never touches
 * kuseg and runs with interrupts off.) */
static inline void stlb_insert(uint32_t hi, uint32_t lo)
{
    if (!stlb_direct) {
        stlb_insert_other(hi, lo);
        return;
    }
    uint32_t *s = stlb_slot(hi);
    s[1] = lo;
    s[0] = hi;
}

/* Empties entry e (from stlb_find or a scan). */
static void stlb_clear(uint32_t *e)
{
    if (stlb_org == VMSIM_STLB_ORG_2WAY && !((e - stlb) & 2)) { /* way 0: way 1 moves up */
        e[0] = e[2];
        e[1] = e[3];
        e += 2;
    }
    e[0] = STLB_EMPTY;
}

static void stlb_remove(uint32_t hi)
{
    uint32_t *e = stlb_find(hi);
    if (e)
        stlb_clear(e);
}

/* Removes every entry whose word w (0: the tag, 1: EntryLo) has value in the
 * bits of mask. Backwards, so that in a 2way set way 1 is seen before way 0 may
 * move it up (forwards, an entry moved up from way 1 would be skipped). */
static void stlb_flush_where(unsigned w, uint32_t mask, uint32_t value)
{
    for (uint32_t i = stlb_entries; i-- > 0;) {
        uint32_t *e = stlb + 2 * i;
        if (e[0] != STLB_EMPTY && (e[w] & mask) == value)
            stlb_clear(e);
    }
}

/* Every STLB entry of one ASID (e.g. before the ASID is given to another address
 * space), and every entry of every ASID (as at boot). Correct for each organisation. */
static void stlb_flush_asid(uint32_t asid)
{
    stlb_flush_where(0, 0xfc0u, asid << 6);
}

static void stlb_flush_all(void)
{
    for (uint32_t i = 0; i < stlb_entries; i++) {
        stlb[2 * i] = STLB_EMPTY;
        stlb[2 * i + 1] = 0;
    }
}

/* The UTLB handler of each organisation (entry.S): direct is linked into the
 * vector; 2way and none are copied over it at boot. Start, end, and for 2way
 * where its way-0 hit path ends. */
extern const uint32_t aegis_utlb2[], aegis_utlb2_way0_end[], aegis_utlb2_way1_end[], aegis_utlb2_end[],
    aegis_utlb0[], aegis_utlb0_end[];

/* Where the STLB goes: the first 4 MB boundary above the kernel image (2way: 8 MB),
 * so that the handler finds an entry's address from Context in two instructions
 * (entry.S: Context << 1, or << 2 for the 16-byte sets, ANDed with aegis_stlb_mask). */
static uint32_t stlb_place(uint32_t kend)
{
    uint32_t align = stlb_org == VMSIM_STLB_ORG_2WAY ? 0x7fffffu : 0x3fffffu;
    return (kend + align) & ~align;
}

/* Boot: the STLB at physical stlb_pa, empty; the handler's mask and Context;
 * the organisation's handler in the vector. Before any user code runs, so the
 * I-cache has never held the vector (a real R3000 would flush those lines; the
 * simulator keeps no data in its caches, models/mips_r3000/cache.hpp). */
static void stlb_init(uint32_t stlb_pa)
{
    stlb = (uint32_t *)VMSIM_KSEG0(stlb_pa);
    stlb_flush_all();
    if (stlb_org == VMSIM_STLB_ORG_2WAY) {
        aegis_stlb_mask = VMSIM_KSEG0(stlb_pa) | ((stlb_entries / 2 - 1) << 4);
        C0_WRITE(4, VMSIM_KSEG0(stlb_pa) >> 2); /* Context.PTEBase = B / 4 */
        memcpy(vmsim_utlb_vector, aegis_utlb2, (aegis_utlb2_end - aegis_utlb2) * 4);
    } else if (stlb_org == VMSIM_STLB_ORG_NONE) {
        memcpy(vmsim_utlb_vector, aegis_utlb0, (aegis_utlb0_end - aegis_utlb0) * 4);
    } else {
        stlb_direct = stlb;
        aegis_stlb_mask = VMSIM_KSEG0(stlb_pa) | ((stlb_entries - 1) << 3);
        C0_WRITE(4, VMSIM_KSEG0(stlb_pa) >> 1); /* Context.PTEBase = B / 2 */
    }
}

/* Instructions of the handler's hit path (way 0, or way 1 for 2way), as linked. */
static int stlb_hit_insns(int way1)
{
    /* way 1: way 0's path up to its branch's delay slot (all but tlbwr, jr, rfe),
     * then way 1's, which starts where way 0's ends */
    if (stlb_org == VMSIM_STLB_ORG_2WAY)
        return way1 ? (int)(aegis_utlb2_way0_end - aegis_utlb2 - 3 + aegis_utlb2_way1_end - aegis_utlb2_way0_end)
                    : (int)(aegis_utlb2_way0_end - aegis_utlb2);
    if (stlb_org == VMSIM_STLB_ORG_NONE || way1)
        return 0;
    return (int)(aegis_utlb_fast_end - vmsim_utlb_vector) / 4;
}

/* Range calls: entry.S's loops for direct; page by page here for the others. */
static __attribute__((noinline)) uint32_t stlb_range_write_other(uint32_t hi, const uint32_t *ents, uint32_t n,
                                                                 const struct range_ctx *c)
{
    uint32_t done = 0;
    for (; done < n; done++, hi += AEGIS_PAGE_SIZE, ents += c->stride / 4) {
        if (check_lo(hi & ~0xfffu, ents[0], ents[1]))
            break;
        uint32_t lo = ents[0] & ~AEGIS_LO_IGNORED;
        stlb_insert_other(hi, lo);
        uint32_t idx = tlb_probe(hi);
        if (idx != 0xffffffffu)
            tlb_write_index(idx, hi, lo);
    }
    return done;
}

/* c->base is stlb_direct: 0 unless direct-mapped. */
static inline uint32_t stlb_range_write(uint32_t hi, const uint32_t *ents, uint32_t n, const struct range_ctx *c)
{
    return c->base ? aegis_range_write(hi, ents, n, c) : stlb_range_write_other(hi, ents, n, c);
}

static inline uint32_t env_hi(uint32_t va)
{
    return (va & ~0xfffu) | (aegis_cur->asid << 6);
}

/* Write hi/lo into the TLB: over a matching entry, else a random one. */
static void tlb_install(uint32_t hi, uint32_t lo)
{
    uint32_t idx = tlb_probe(hi);
    if (idx == 0xffffffffu)
        tlb_write_random(hi, lo);
    else
        tlb_write_index(idx, hi, lo);
}

static void tlb_invalidate_index(uint32_t idx)
{
    tlb_write_index(idx, VMSIM_KSEG0(idx << AEGIS_PAGE_SHIFT), 0);
}

static void restore_entryhi(void)
{
    C0_WRITE(10, aegis_cur ? aegis_cur->asid << 6 : 0);
}

/* ---- guaranteed mappings ------------------------------------------------------------ */
/* Sorted by vpn: binary search. */
static unsigned gmap_lower(const struct aegis_env *e, uint32_t vpn)
{
    unsigned lo = 0, hi = e->ng;
    while (lo < hi) {
        unsigned mid = (lo + hi) >> 1;
        if (e->g[mid].vpn < vpn)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static struct aegis_gmap *gmap_find(struct aegis_env *e, uint32_t vpn)
{
    unsigned i = gmap_lower(e, vpn);
    return i < e->ng && e->g[i].vpn == vpn ? &e->g[i] : 0;
}

static int gmap_add(struct aegis_env *e, uint32_t va, uint32_t lo)
{
    uint32_t vpn = va >> AEGIS_PAGE_SHIFT;
    unsigned i = gmap_lower(e, vpn);
    if (i == e->ng || e->g[i].vpn != vpn) {
        if (e->ng == AEGIS_MAX_GUARANTEED)
            return AEGIS_E_NOMEM;
        memmove(&e->g[i + 1], &e->g[i], (e->ng - i) * sizeof e->g[0]);
        e->ng++;
        e->g[i].vpn = vpn;
    }
    e->g[i].lo = lo & ~AEGIS_LO_IGNORED;
    return 0;
}

/* Called by entry.S on an STLB miss in segment 1 (user mode). */
int aegis_seg1_miss(uint32_t badvaddr)
{
    KSTAT_SEG1_MISS();
    struct aegis_gmap *g = gmap_find(aegis_cur, badvaddr >> AEGIS_PAGE_SHIFT);
    if (!g)
        return 1; /* not guaranteed: the application's business */
    uint32_t hi = env_hi(badvaddr);
    stlb_insert(hi, g->lo);
    tlb_write_random(hi, g->lo); /* a UTLB miss: no entry matches */
    return 0;
}

/* A user address the kernel may read or write: through the env's guaranteed
 * mappings, the STLB or the TLB. 0 if none maps it (or not writable). */
static uint8_t *uva_to_kva(uint32_t va, int write)
{
    if (va >= AEGIS_USER_TOP)
        return 0;
    uint32_t lo = 0;
    uint32_t hi = env_hi(va);
    struct aegis_gmap *g;
    uint32_t *s = stlb_find(hi);
    if (s)
        lo = s[1];
    else if ((g = gmap_find(aegis_cur, va >> AEGIS_PAGE_SHIFT)))
        lo = g->lo;
    else {
        uint32_t idx = tlb_probe(hi);
        if (idx != 0xffffffffu)
            lo = tlb_read_lo(idx);
        restore_entryhi();
    }
    if (!(lo & AEGIS_TLB_V) || (write && !(lo & AEGIS_TLB_D)) || (lo >> 12) >= npages)
        return 0;
    return (uint8_t *)pfn_kva(lo >> 12) + (va & 0xfffu);
}

/* Remove every STLB and TLB translation to a physical page (all ASIDs), and
 * guaranteed mappings of it. */
static void revoke_translations(uint32_t pfn)
{
    for (unsigned k = 0; k < nenvs; k++) {
        struct aegis_env *e = &envs[k];
        for (uint32_t i = 0; i < e->ng;)
            if ((e->g[i].lo >> AEGIS_PAGE_SHIFT) == pfn) {
                memmove(&e->g[i], &e->g[i + 1], (e->ng - i - 1) * sizeof e->g[0]);
                e->ng--;
            } else
                i++;
    }
    stlb_flush_where(1, ~0xfffu | AEGIS_TLB_V, (pfn << AEGIS_PAGE_SHIFT) | AEGIS_TLB_V);
    for (uint32_t i = TLB_WIRED; i < TLB_NENTRIES; i++)
        if ((tlb_read_lo(i) >> AEGIS_PAGE_SHIFT) == pfn && (tlb_read_lo(i) & AEGIS_TLB_V))
            tlb_invalidate_index(i);
    restore_entryhi();
}

/* ---- retiring an ASID (sched.c, before it changes hands) --------------------------- */
/* (Its STLB entries: stlb_flush_asid, above, for every organisation.) */
/* Every TLB entry tagged with ASID asid from slot `first` on: 0 takes the wired
 * ones (a pinned xpage) too, TLB_WIRED leaves them (AEGIS_FLUSH_ASID). */
static void tlb_flush_asid_from(uint32_t asid, uint32_t first)
{
    for (uint32_t i = first; i < TLB_NENTRIES; i++)
        if ((tlb_read_hi(i) & 0xfc0u) == asid << 6)
            tlb_invalidate_index(i);
    restore_entryhi();
}

/* Every TLB entry tagged with ASID asid, the wired ones (a pinned xpage) included. */
static void tlb_flush_asid(uint32_t asid)
{
    tlb_flush_asid_from(asid, 0);
}
