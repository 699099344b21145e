/* aegis kernel, system calls: one function per call of abi.h and the table
 * entry.S dispatches through (numbers >= AEGIS_SYS_SWITCH_MIN: aegis_switch, env.c).
 * Part of the kernel's compilation unit (kernel.c includes it; the state is there). */

/* ---- system calls ------------------------------------------------------------------------ */
static int sys_cputs(uint32_t s, uint32_t len)
{
    if (len > 4096)
        return AEGIS_E_INVAL;
    while (len) {
        const uint8_t *p = uva_to_kva(s, 0);
        if (!p)
            return AEGIS_E_FAULT;
        uint32_t chunk = AEGIS_PAGE_SIZE - (s & 0xfffu);
        if (chunk > len)
            chunk = len;
        for (uint32_t i = 0; i < chunk; i++)
            putchar(p[i]);
        s += chunk;
        len -= chunk;
    }
    return 0;
}

static int sys_page_alloc(uint32_t pfn, uint32_t cap)
{
    if (cap == AEGIS_CAP_NONE)
        return AEGIS_E_INVAL;
    if (pfn == AEGIS_ANY_PAGE) {
        pfn = page_find_free();
        if (pfn == 0xffffffffu)
            return AEGIS_E_NOMEM;
    } else if (pfn >= npages)
        return AEGIS_E_INVAL;
    if (!page_is_free(pfn))
        return AEGIS_E_BUSY;
    page_take(pfn, OWNER_ENV(aegis_cur), cap);
    memset(pfn_kva(pfn), 0, AEGIS_PAGE_SIZE);
    return (int)pfn;
}

/* The owner changes a page's capability: translations made under the old one
 * are revoked, so whoever held it loses the page. */
static int sys_page_setcap(uint32_t pfn, uint32_t cap, uint32_t newcap)
{
    int r = check_lo(0, pfn << AEGIS_PAGE_SHIFT, cap);
    if (r)
        return r;
    if (page_owner[pfn] != OWNER_ENV(aegis_cur))
        return AEGIS_E_CAP;
    if (newcap == AEGIS_CAP_NONE)
        return AEGIS_E_INVAL;
    revoke_translations(pfn);
    page_cap[pfn] = newcap;
    return 0;
}

static int sys_page_free(uint32_t pfn, uint32_t cap)
{
    int r = check_lo(0, pfn << AEGIS_PAGE_SHIFT, cap);
    if (r)
        return r;
    if (page_owner[pfn] != OWNER_ENV(aegis_cur))
        return AEGIS_E_CAP; /* the owner frees; a capability alone lets one map */
    revoke_translations(pfn); /* before the page can be reused */
    freemap[pfn >> 5] |= 1u << (pfn & 31);
    page_owner[pfn] = 0;
    page_cap[pfn] = AEGIS_CAP_NONE;
    return 0;
}

static int sys_tlb_write(uint32_t va, uint32_t lo, uint32_t cap)
{
    int r = check_lo(va, lo, cap);
    if (r)
        return r;
    uint32_t hi = env_hi(va);
    lo &= ~AEGIS_LO_IGNORED;
    stlb_insert(hi, lo);
    tlb_install(hi, lo);
    return 0;
}


static int sys_tlb_flush(uint32_t va, uint32_t n, uint32_t flags)
{
    if (va >= AEGIS_USER_TOP || n > (AEGIS_USER_TOP - va) >> AEGIS_PAGE_SHIFT)
        return AEGIS_E_INVAL;
    uint32_t hi = env_hi(va);
    if ((flags & (AEGIS_FLUSH_ASID | AEGIS_FLUSH_INVALID | AEGIS_FLUSH_STLB | AEGIS_FLUSH_TLB)) ==
            (AEGIS_FLUSH_INVALID | AEGIS_FLUSH_STLB | AEGIS_FLUSH_TLB) &&
        stlb_direct) {
        /* protection: invalid entries in both (entry.S; direct-mapped, else below) */
        aegis_range_invalidate(hi, n, stlb_direct, (stlb_entries - 1) << 3);
        restore_entryhi();
        return 0;
    }
    if (flags & AEGIS_FLUSH_ASID) { /* the whole address space (stlb.c) */
        if (flags & AEGIS_FLUSH_INVALID)
            return AEGIS_E_INVAL;
        if (flags & AEGIS_FLUSH_STLB)
            stlb_flush_asid(aegis_cur->asid);
        if (flags & AEGIS_FLUSH_TLB)
            tlb_flush_asid_from(aegis_cur->asid, TLB_WIRED);
        restore_entryhi();
        return 0;
    }
    const int leave_invalid = (flags & AEGIS_FLUSH_INVALID) != 0;
    const int do_stlb = (flags & AEGIS_FLUSH_STLB) != 0, do_tlb = (flags & AEGIS_FLUSH_TLB) != 0;
    for (; n; n--, hi += AEGIS_PAGE_SIZE) {
        if (do_stlb) {
            if (leave_invalid)
                stlb_insert(hi, 0);
            else
                stlb_remove(hi);
        }
        if (do_tlb) {
            uint32_t idx = tlb_probe(hi);
            if (idx != 0xffffffffu && idx >= TLB_WIRED) {
                if (leave_invalid)
                    tlb_write_index(idx, hi, 0);
                else
                    tlb_invalidate_index(idx);
            }
        }
    }
    restore_entryhi();
    return 0;
}

static int sys_stlb_probe(uint32_t va)
{
    uint32_t *s = va < AEGIS_USER_TOP ? stlb_find(env_hi(va)) : 0;
    return s ? (int)s[1] : 0;
}

static int sys_stlb_update(uint32_t va, uint32_t lo, uint32_t cap)
{
    int r = check_lo(va, lo, cap);
    if (r)
        return r;
    stlb_insert(env_hi(va), lo & ~AEGIS_LO_IGNORED);
    return 0;
}

/* A batch of STLB writes (one capability check each); TLB entries already
 * present for those pages are rewritten so that no stale rights survive. */
static int sys_tlb_write_n(uint32_t ureqs, uint32_t n)
{
    if (n == 0)
        return 0;
    if (n > AEGIS_PAGE_SIZE / sizeof(struct aegis_tlbreq) ||
        ((ureqs & 0xfffu) + n * sizeof(struct aegis_tlbreq)) > AEGIS_PAGE_SIZE || (ureqs & 3))
        return AEGIS_E_INVAL;
    const struct aegis_tlbreq *q = (const struct aegis_tlbreq *)uva_to_kva(ureqs, 0);
    if (!q)
        return AEGIS_E_FAULT;
    int done = 0;
    for (uint32_t i = 0; i < n; i++, q++) {
        if (check_lo(q->va, q->entrylo, q->cap))
            break;
        uint32_t hi = env_hi(q->va), lo = q->entrylo & ~AEGIS_LO_IGNORED;
        stlb_insert(hi, lo);
        uint32_t idx = tlb_probe(hi);
        if (idx != 0xffffffffu)
            tlb_write_index(idx, hi, lo);
        done++;
    }
    restore_entryhi();
    return done == (int)n ? 0 : AEGIS_E_CAP;
}

/* Contiguous pages va, va + 4K, ...: entry i = {entrylo, cap} at uents + i * stride
 * (the application's page table, typically). The STLB entries, and TLB entries
 * already present (so that no stale rights survive). Read page by page of the
 * entries through the env's mappings. */
static int sys_tlb_write_range(uint32_t va, uint32_t uents, uint32_t n, uint32_t stride)
{
    if (n == 0)
        return 0;
    if ((uents & 7) || (stride & 7) || stride == 0 || stride > AEGIS_PAGE_SIZE ||
        va >= AEGIS_USER_TOP || n > (AEGIS_USER_TOP - va) >> AEGIS_PAGE_SHIFT)
        return AEGIS_E_INVAL;
    const struct range_ctx c = {stlb_direct, (stlb_entries - 1) << 3, page_cap, npages, stride};
    uint32_t hi = env_hi(va);
    int r = 0;
    while (n) {
        const uint32_t *k = (const uint32_t *)uva_to_kva(uents, 0);
        if (!k) {
            r = AEGIS_E_FAULT;
            break;
        }
        uint32_t room = AEGIS_PAGE_SIZE - (uents & 0xfffu), fit = n; /* entries in this page */
        if (n > room / stride + 1 || (n - 1) * stride >= room)
            fit = (room + stride - 1) / stride;
        if (stlb_range_write(hi, k, fit, &c) != fit) { /* stlb.c */
            r = AEGIS_E_CAP;
            break;
        }
        n -= fit;
        hi += fit << AEGIS_PAGE_SHIFT;
        uents += fit * stride;
    }
    restore_entryhi();
    return r;
}

static int sys_set_exc_handler(uint32_t code, uint32_t entry)
{
    if (code >= 32 || code == 8 || code == 0 || !aegis_cur->xpage_k)
        return AEGIS_E_INVAL;
    aegis_cur->h_exc[code] = entry;
    load_fwd(aegis_cur);
    return 0;
}

static int sys_set_handlers(uint32_t xpage, uint32_t h_tlbmiss, uint32_t h_exc)
{
    struct aegis_env *e = aegis_cur;
    if (xpage & 0xfffu || xpage < AEGIS_SEG1_BASE || xpage >= AEGIS_USER_TOP)
        return AEGIS_E_INVAL;
    struct aegis_gmap *g = gmap_find(e, xpage >> AEGIS_PAGE_SHIFT);
    if (!g || !(g->lo & AEGIS_TLB_D))
        return AEGIS_E_INVAL; /* must be a writable guaranteed mapping */
    struct aegis_xpage *xp = (struct aegis_xpage *)VMSIM_KSEG0(g->lo & ~0xfffu);
    xp->self = xpage;
    for (uint32_t d = 0; d < AEGIS_XP_MAXDEPTH; d++)
        xp->frame[d].stack = AEGIS_XSTACK_TOP - d * AEGIS_PAGE_SIZE - 16;
    e->xpage_u = xpage;
    e->xpage_k = (uint32_t)xp;
    e->h_tlbmiss = h_tlbmiss;
    for (uint32_t c = 0; c < 32; c++)
        e->h_exc[c] = h_exc;
    load_fwd(e);
    pin_xpage(e);
    restore_entryhi();
    return 0;
}

static int sys_guarantee(uint32_t va, uint32_t lo, uint32_t cap)
{
    if (va < AEGIS_SEG1_BASE)
        return AEGIS_E_INVAL;
    int r = check_lo(va, lo, cap);
    if (r)
        return r;
    sys_tlb_flush(va, 1, AEGIS_FLUSH_TLB | AEGIS_FLUSH_STLB);
    return gmap_add(aegis_cur, va, lo);
}

static int sys_region(uint32_t n, uint32_t end)
{
    if (n >= VMSIM_SIMCTL_MAX_REGIONS)
        return AEGIS_E_INVAL;
    if (end)
        vmsim_region_end(n);
    else
        vmsim_region_begin(n);
    return 0;
}

/* An application's counter: the kernel's own (0 .. AEGIS_COUNTER_APP_FIRST - 1)
 * are not the application's to change. */
static int sys_counter(uint32_t n, uint32_t value)
{
    if (n < AEGIS_COUNTER_APP_FIRST || n >= VMSIM_SIMCTL_MAX_COUNTERS)
        return AEGIS_E_INVAL;
    vmsim_counter_add(n, value);
    return 0;
}

static int sys_info(uint32_t what)
{
    uint32_t bp_off = what - AEGIS_INFO_BOOTPARAM(0);
    if (bp_off < sizeof aegis_bootparams && !(bp_off & 3))
        return bootparams_valid() ? (int)((const uint32_t *)&aegis_bootparams)[bp_off >> 2] : 0;
    switch (what) {
    case AEGIS_INFO_ENV_ID: return (int)aegis_cur->id;
    case AEGIS_INFO_ASID: return (int)aegis_cur->asid;
    case AEGIS_INFO_NPAGES: return (int)npages;
    case AEGIS_INFO_STLB_ENTRIES: return (int)stlb_entries;
    case AEGIS_INFO_FASTPATH_INSNS: return stlb_hit_insns(0);
    case AEGIS_INFO_FASTPATH_WAY1_INSNS: return stlb_hit_insns(1);
    case AEGIS_INFO_STLB_ORG: return (int)stlb_org;
    case AEGIS_INFO_NENVS: return (int)nenvs;
    case AEGIS_INFO_AVM_PAGETABLE:
        return (int)(bootparams_valid() ? aegis_bootparams.avm_pagetable : VMSIM_AVM_PT_LINEAR);
    }
    return AEGIS_E_INVAL;
}

static int sys_bad(void) { return AEGIS_E_INVAL; }

typedef int (*syscall_fn)();
#pragma GCC diagnostic ignored "-Woverride-init"
const syscall_fn aegis_systab[AEGIS_SYS_SWITCH_MIN] = {
    [0 ... AEGIS_SYS_SWITCH_MIN - 1] = (syscall_fn)sys_bad,
    [AEGIS_SYS_CPUTS] = (syscall_fn)sys_cputs,
    [AEGIS_SYS_PAGE_ALLOC] = (syscall_fn)sys_page_alloc,
    [AEGIS_SYS_PAGE_FREE] = (syscall_fn)sys_page_free,
    [AEGIS_SYS_TLB_WRITE] = (syscall_fn)sys_tlb_write,
    [AEGIS_SYS_TLB_FLUSH] = (syscall_fn)sys_tlb_flush,
    [AEGIS_SYS_STLB_PROBE] = (syscall_fn)sys_stlb_probe,
    [AEGIS_SYS_STLB_UPDATE] = (syscall_fn)sys_stlb_update,
    [AEGIS_SYS_TLB_WRITE_N] = (syscall_fn)sys_tlb_write_n,
    [AEGIS_SYS_SET_HANDLERS] = (syscall_fn)sys_set_handlers,
    [AEGIS_SYS_GUARANTEE] = (syscall_fn)sys_guarantee,
    [AEGIS_SYS_REGION] = (syscall_fn)sys_region,
    [AEGIS_SYS_INFO] = (syscall_fn)sys_info,
    [AEGIS_SYS_TLB_WRITE_RANGE] = (syscall_fn)sys_tlb_write_range,
    [AEGIS_SYS_PAGE_SETCAP] = (syscall_fn)sys_page_setcap,
    [AEGIS_SYS_SET_EXC_HANDLER] = (syscall_fn)sys_set_exc_handler,
    [AEGIS_SYS_COUNTER] = (syscall_fn)sys_counter,
};
