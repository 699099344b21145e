/* aegis kernel, the STLB and the TLB: the STLB slot of a page, TLB installs and
 * invalidation, the guaranteed mappings of segment 1 (refilled here on an STLB
 * miss, entry.S), user buffers the kernel reads through the env's mappings, and
 * revoking every translation of a physical page.
 * Part of the kernel's compilation unit (kernel.c includes it; the state is there). */

/* ---- STLB and TLB maintenance --------------------------------------------------- */
static inline uint32_t *stlb_slot(uint32_t va)
{
    return stlb + 2 * ((va >> AEGIS_PAGE_SHIFT) & (stlb_entries - 1));
}

static inline uint32_t env_hi(uint32_t va)
{
    return (va & ~0xfffu) | (aegis_cur->asid << 6);
}

/* (The UTLB handler cannot run between the two stores: the kernel never
 * touches kuseg and runs with interrupts off.) */
static inline void stlb_insert(uint32_t hi, uint32_t lo)
{
    uint32_t *s = stlb_slot(hi);
    s[1] = lo;
    s[0] = hi;
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
    if (stlb_slot(va)[0] == hi)
        lo = stlb_slot(va)[1];
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
    for (uint32_t i = 0; i < stlb_entries; i++)
        if ((stlb[2 * i + 1] >> AEGIS_PAGE_SHIFT) == pfn && (stlb[2 * i + 1] & AEGIS_TLB_V))
            stlb[2 * i] = STLB_EMPTY;
    for (uint32_t i = TLB_WIRED; i < TLB_NENTRIES; i++)
        if ((tlb_read_lo(i) >> AEGIS_PAGE_SHIFT) == pfn && (tlb_read_lo(i) & AEGIS_TLB_V))
            tlb_invalidate_index(i);
    restore_entryhi();
}

/* ---- retiring an ASID (sched.c, before it changes hands) --------------------------- */
/* Every STLB entry tagged with ASID asid. */
static void stlb_flush_asid(uint32_t asid)
{
    for (uint32_t i = 0; i < stlb_entries; i++)
        if ((stlb[2 * i] & 0xfc0u) == asid << 6)
            stlb[2 * i] = STLB_EMPTY;
}

/* Every TLB entry tagged with ASID asid, the wired ones (a pinned xpage) included. */
static void tlb_flush_asid(uint32_t asid)
{
    for (uint32_t i = 0; i < TLB_NENTRIES; i++)
        if ((tlb_read_hi(i) & 0xfc0u) == asid << 6)
            tlb_invalidate_index(i);
    restore_entryhi();
}
